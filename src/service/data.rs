//! QueryData: every query of a request answered concurrently, each failure kept to its
//! own refId.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use grafana_plugin_sdk::pluginv2;

use super::{datasource, Plugin};
use crate::frames;
use crate::instance::Instance;
use crate::query::{self, Query, QueryError, Request, TimeRange};

/// Answers a QueryDataRequest. Never fails as a whole: a query that cannot be answered
/// gets its error and status; its siblings still get their frames.
pub async fn query_data(
    plugin: &Plugin,
    req: pluginv2::QueryDataRequest,
    now: DateTime<Utc>,
) -> pluginv2::QueryDataResponse {
    let instance = match datasource(req.plugin_context.as_ref()) {
        None => Err(QueryError::bad_request(
            "the request carries no datasource settings",
        )),
        Some(ds) => plugin.instances.get(&ds).map_err(QueryError::from),
    };
    let answers = futures::future::join_all(req.queries.iter().map(|q| async {
        let result = match &instance {
            Ok(inst) => answer(inst, q, now).await,
            Err(e) => Err(e.clone()),
        };
        (q.ref_id.clone(), to_response(result))
    }))
    .await;
    pluginv2::QueryDataResponse {
        responses: answers.into_iter().collect::<HashMap<_, _>>(),
    }
}

async fn answer(
    instance: &Instance,
    q: &pluginv2::DataQuery,
    now: DateTime<Utc>,
) -> Result<Vec<Vec<u8>>, QueryError> {
    let query = Query::parse(&q.query_type, &q.json)?;
    let range = q.time_range.map_or(
        TimeRange {
            from: now - chrono::Duration::hours(1),
            to: now,
        },
        |r| TimeRange {
            from: DateTime::from_timestamp_millis(r.from_epoch_ms).unwrap_or(now),
            to: DateTime::from_timestamp_millis(r.to_epoch_ms).unwrap_or(now),
        },
    );
    let request = Request {
        ref_id: q.ref_id.clone(),
        query,
        range,
        interval_ms: q.interval_ms,
        max_data_points: q.max_data_points,
        now,
    };
    let frames = query::run(instance, &request).await?;
    frames
        .iter()
        .map(|f| frames::arrow::encode(f).map_err(QueryError::from))
        .collect()
}

fn to_response(result: Result<Vec<Vec<u8>>, QueryError>) -> pluginv2::DataResponse {
    match result {
        Ok(frames) => pluginv2::DataResponse {
            frames,
            status: 200,
            ..Default::default()
        },
        Err(e) => {
            if e.status >= 500 {
                tracing::warn!(error = %e.message, status = e.status, "query failed");
            }
            pluginv2::DataResponse {
                error: e.message,
                status: e.status,
                ..Default::default()
            }
        }
    }
}

#[tonic::async_trait]
impl pluginv2::data_server::Data for Plugin {
    async fn query_data(
        &self,
        request: tonic::Request<pluginv2::QueryDataRequest>,
    ) -> Result<tonic::Response<pluginv2::QueryDataResponse>, tonic::Status> {
        Ok(tonic::Response::new(
            query_data(self, request.into_inner(), Utc::now()).await,
        ))
    }
}
