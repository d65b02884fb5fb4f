//! CheckHealth ("Save & test"): reaches the API server, confirms the Argo Rollouts CRDs
//! are served, checks list/watch permission with SelfSubjectAccessReviews, waits for
//! the watch cache and reports what it sees; then, when configured, asks Prometheus and
//! Tempo for their build info. Each failure is one actionable sentence.

use std::time::Duration;

use futures::StreamExt;
use grafana_plugin_sdk::pluginv2::{self, check_health_response::HealthStatus};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::PostParams;
use kube::Api;
use serde_json::json;

use super::{datasource, Plugin};
use crate::instance::{Instance, Kube};
use crate::k8s::cache;

/// The resources the cache watches: (API group, resource).
const WATCHED: &[(&str, &str)] = &[
    ("argoproj.io", "rollouts"),
    ("apps", "replicasets"),
    ("", "pods"),
    ("argoproj.io", "analysisruns"),
    ("argoproj.io", "experiments"),
    ("batch", "jobs"),
];

/// The outcome of a health check.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    pub ok: bool,
    pub message: String,
    pub details: serde_json::Value,
}

fn fail(message: impl Into<String>) -> Health {
    Health {
        ok: false,
        message: message.into(),
        details: json!({}),
    }
}

/// Runs every check for the datasource of `ctx`.
pub async fn check_health(plugin: &Plugin, ctx: Option<&pluginv2::PluginContext>) -> Health {
    let Some(ds) = datasource(ctx) else {
        return fail("the request carries no datasource settings");
    };
    let instance = match plugin.instances.get(&ds) {
        Ok(i) => i,
        Err(e) => return fail(format!("Invalid settings: {e}")),
    };
    check_instance(&instance, Duration::from_secs(15)).await
}

/// The checks against one instance, with `sync_timeout` for the cache.
pub async fn check_instance(instance: &Instance, sync_timeout: Duration) -> Health {
    let backends = match instance.backends() {
        Ok(b) => b,
        Err(e) => return fail(format!("Invalid settings: {e}")),
    };
    let mut health = check_kube(instance, sync_timeout).await;
    if !health.ok {
        return health;
    }
    let (prometheus, tempo) = futures::join!(
        async {
            match &backends.prometheus {
                None => None,
                Some(p) => Some(match p.client.build_info().await {
                    Ok(info) => Ok(format!(
                        "{}: OK",
                        versioned(p.client.server(), "Prometheus", &info.version)
                    )),
                    Err(e) => Err(e.to_string()),
                }),
            }
        },
        async {
            match &backends.tempo {
                None => None,
                Some(t) => Some(match t.client.build_info().await {
                    Ok(info) => Ok(format!(
                        "{}: OK",
                        versioned(t.client.server(), "Tempo", &info.version)
                    )),
                    Err(e) => Err(e.to_string()),
                }),
            }
        }
    );
    for (key, result) in [("prometheus", prometheus), ("tempo", tempo)] {
        let Some(result) = result else { continue };
        health.message.push_str("; ");
        match result {
            Ok(text) => {
                health.message.push_str(&text);
                health.details[key] = json!({ "ok": true, "message": text });
            }
            Err(text) => {
                health.ok = false;
                health.message.push_str(&text);
                health.details[key] = json!({ "ok": false, "message": text });
            }
        }
    }
    health
}

/// "Prometheus at http://p:9090" → "Prometheus 2.42.0 at http://p:9090".
fn versioned(server: &str, kind: &str, version: &str) -> String {
    match server.strip_prefix(kind) {
        Some(rest) => format!("{kind} {version}{rest}"),
        None => format!("{server} ({kind} {version})"),
    }
}

async fn check_kube(instance: &Instance, sync_timeout: Duration) -> Health {
    let kube = match instance.kube().await {
        Ok(k) => k,
        Err(e) => return fail(e.to_string()),
    };
    let version = match kube.client.apiserver_version().await {
        Ok(v) => v.git_version,
        Err(e) => return fail(unreachable(kube, &e)),
    };
    match kube
        .client
        .list_api_group_resources("argoproj.io/v1alpha1")
        .await
    {
        Ok(list) => {
            let served: Vec<&str> = list.resources.iter().map(|r| r.name.as_str()).collect();
            let missing: Vec<&str> = ["rollouts", "analysisruns", "experiments"]
                .into_iter()
                .filter(|r| !served.contains(r))
                .collect();
            if !missing.is_empty() {
                return fail(format!(
                    "Kubernetes {version} at {} does not serve {} of argoproj.io/v1alpha1: install or upgrade Argo Rollouts' CRDs",
                    kube.server,
                    missing.join(", ")
                ));
            }
        }
        Err(kube::Error::Api(s)) if s.code == 404 => {
            return fail(format!(
                "Kubernetes {version} at {} does not serve the argoproj.io API group: Argo Rollouts is not installed in this cluster",
                kube.server
            ))
        }
        Err(e) => return fail(unreachable(kube, &e)),
    }
    if let Some(denied) = first_denied(kube, instance).await {
        return fail(denied);
    }
    if let Err(e) = kube.cache.wait_synced(sync_timeout).await {
        return fail(e.to_string());
    }
    let (rollouts, namespaces) = cache::rollout_counts(&kube.cache);
    let states: serde_json::Map<String, serde_json::Value> = kube
        .cache
        .states()
        .into_iter()
        .map(|(resource, s)| {
            (
                resource,
                json!({ "synced": s.is_synced(), "lists": s.lists, "events": s.events, "error": s.error }),
            )
        })
        .collect();
    Health {
        ok: true,
        message: format!(
            "Connected to Kubernetes {version}: {rollouts} rollout{} visible in {namespaces} namespace{}",
            plural(rollouts),
            plural(namespaces)
        ),
        details: json!({ "server": kube.server, "version": version, "rollouts": rollouts, "namespaces": namespaces, "cache": states }),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn unreachable(kube: &Kube, e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) if s.code == 401 => format!(
            "the Kubernetes API at {} rejected the credentials (401 Unauthorized): check the token or the kubeconfig user",
            kube.server
        ),
        kube::Error::Api(s) if s.code == 403 => format!(
            "the Kubernetes API at {} refused access (403 Forbidden): {}",
            kube.server, s.message
        ),
        other => {
            let mut text = format!("cannot reach the Kubernetes API at {}: {other}", kube.server);
            if let Some(note) = &kube.note {
                text.push_str(". Note: ");
                text.push_str(note);
            }
            text
        }
    }
}

/// The first list/watch permission the identity lacks, as a sentence.
async fn first_denied(kube: &Kube, instance: &Instance) -> Option<String> {
    let scopes: Vec<Option<String>> = match &instance.settings.namespaces {
        None => vec![None],
        Some(set) => set.iter().cloned().map(Some).collect(),
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(kube.client.clone());
    let mut checks = Vec::new();
    for scope in &scopes {
        for (group, resource) in WATCHED {
            for verb in ["list", "watch"] {
                checks.push((
                    scope.clone(),
                    group.to_string(),
                    resource.to_string(),
                    verb.to_string(),
                ));
            }
        }
    }
    let results: Vec<Option<String>> = futures::stream::iter(checks)
        .map(|(scope, group, resource, verb)| {
            let api = api.clone();
            async move {
                let review = SelfSubjectAccessReview {
                    spec: SelfSubjectAccessReviewSpec {
                        resource_attributes: Some(ResourceAttributes {
                            group: Some(group.clone()),
                            resource: Some(resource.clone()),
                            verb: Some(verb.clone()),
                            namespace: scope.clone(),
                            ..ResourceAttributes::default()
                        }),
                        ..SelfSubjectAccessReviewSpec::default()
                    },
                    ..SelfSubjectAccessReview::default()
                };
                let full = if group.is_empty() {
                    resource.to_string()
                } else {
                    format!("{resource}.{group}")
                };
                let where_ = scope.as_deref().map_or("in all namespaces".to_string(), |ns| {
                    format!("in namespace {ns}")
                });
                match api.create(&PostParams::default(), &review).await {
                    Ok(r) if r.status.as_ref().is_some_and(|s| s.allowed) => None,
                    Ok(_) => Some(format!(
                        "the datasource's Kubernetes identity may not {verb} {full} {where_}: grant it the verbs list and watch on {full} (a ClusterRole or Role bound to it)"
                    )),
                    // Clusters that refuse self reviews still get the cache's own error.
                    Err(e) => {
                        tracing::debug!(error = %e, "SelfSubjectAccessReview failed");
                        None
                    }
                }
            }
        })
        .buffered(16)
        .collect()
        .await;
    results.into_iter().flatten().next()
}

#[tonic::async_trait]
impl pluginv2::diagnostics_server::Diagnostics for Plugin {
    async fn check_health(
        &self,
        request: tonic::Request<pluginv2::CheckHealthRequest>,
    ) -> Result<tonic::Response<pluginv2::CheckHealthResponse>, tonic::Status> {
        let req = request.into_inner();
        let health = check_health(self, req.plugin_context.as_ref()).await;
        Ok(tonic::Response::new(pluginv2::CheckHealthResponse {
            status: if health.ok {
                HealthStatus::Ok
            } else {
                HealthStatus::Error
            } as i32,
            message: health.message,
            json_details: serde_json::to_vec(&health.details).unwrap_or_default(),
        }))
    }

    async fn collect_metrics(
        &self,
        _request: tonic::Request<pluginv2::CollectMetricsRequest>,
    ) -> Result<tonic::Response<pluginv2::CollectMetricsResponse>, tonic::Status> {
        Ok(tonic::Response::new(pluginv2::CollectMetricsResponse {
            metrics: Some(pluginv2::collect_metrics_response::Payload {
                prometheus: Vec::new(),
            }),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_put_after_the_server_kind() {
        assert_eq!(
            versioned("Prometheus at http://p:9090", "Prometheus", "2.42.0"),
            "Prometheus 2.42.0 at http://p:9090"
        );
        assert_eq!(
            versioned("elsewhere", "Tempo", "2.6.1"),
            "elsewhere (Tempo 2.6.1)"
        );
    }
}
