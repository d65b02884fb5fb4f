//! CallResource: the small JSON endpoints the editors' pickers use
//! (`/api/datasources/uid/<uid>/resources/<path>`):
//! `namespaces`, `rollouts?namespace=`, `revisions?namespace=&rollout=`.

use std::collections::HashMap;
use std::pin::Pin;

use futures::Stream;
use grafana_plugin_sdk::pluginv2;
use serde_json::{json, Value};

use super::{datasource, Plugin};
use crate::query::{lookup, QueryError};

/// A resource answer: status code and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: i32,
    pub body: Value,
}

/// Answers one resource call. `url` is the path with its query string, as Grafana
/// sends it.
pub async fn call_resource(
    plugin: &Plugin,
    ctx: Option<&pluginv2::PluginContext>,
    path: &str,
    url: &str,
) -> Answer {
    match answer(plugin, ctx, path, url).await {
        Ok(body) => Answer { status: 200, body },
        Err(e) => Answer {
            status: if e.status == 502 { 502 } else { e.status },
            body: json!({ "message": e.message }),
        },
    }
}

async fn answer(
    plugin: &Plugin,
    ctx: Option<&pluginv2::PluginContext>,
    path: &str,
    url: &str,
) -> Result<Value, QueryError> {
    let ds = datasource(ctx)
        .ok_or_else(|| QueryError::bad_request("the request carries no datasource settings"))?;
    let instance = plugin.instances.get(&ds)?;
    let params: HashMap<String, String> = url
        .split_once('?')
        .map(|(_, q)| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let param = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    match path.trim_matches('/') {
        "namespaces" => Ok(json!(lookup::namespaces(&instance).await?)),
        "rollouts" => Ok(json!(
            lookup::rollouts(&instance, param("namespace")).await?
        )),
        "revisions" => Ok(json!(
            lookup::revisions(&instance, param("namespace"), param("rollout")).await?
        )),
        other => Err(QueryError::not_found(format!(
            "unknown resource {other:?}: expected namespaces, rollouts or revisions"
        ))),
    }
}

type ResourceStream =
    Pin<Box<dyn Stream<Item = Result<pluginv2::CallResourceResponse, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl pluginv2::resource_server::Resource for Plugin {
    type CallResourceStream = ResourceStream;

    async fn call_resource(
        &self,
        request: tonic::Request<pluginv2::CallResourceRequest>,
    ) -> Result<tonic::Response<Self::CallResourceStream>, tonic::Status> {
        let req = request.into_inner();
        let answer = call_resource(self, req.plugin_context.as_ref(), &req.path, &req.url).await;
        let response = pluginv2::CallResourceResponse {
            code: answer.status,
            headers: HashMap::from([(
                "Content-Type".to_string(),
                pluginv2::StringList {
                    values: vec!["application/json".to_string()],
                },
            )]),
            body: serde_json::to_vec(&answer.body).unwrap_or_default().into(),
        };
        Ok(tonic::Response::new(Box::pin(futures::stream::once(
            async move { Ok(response) },
        ))))
    }
}
