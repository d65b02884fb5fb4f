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
    let from_alert = query::alert::from_alert(&req.headers);
    let answers = futures::future::join_all(req.queries.iter().map(|q| {
        let instance = instance.clone();
        let q = q.clone();
        async move {
            let ref_id = q.ref_id.clone();
            let result = match instance {
                Ok(inst) => isolated(answer_owned(inst, q, now, from_alert)).await,
                Err(e) => Err(e),
            };
            (ref_id, to_response(result))
        }
    }))
    .await;
    pluginv2::QueryDataResponse {
        responses: answers.into_iter().collect::<HashMap<_, _>>(),
    }
}

/// Runs one query's work in a task of its own, so that a panic (a bug, or input no
/// one foresaw) becomes this query's error instead of cancelling the whole gRPC
/// request and every sibling query with it.
async fn isolated<F>(work: F) -> Result<Vec<Vec<u8>>, QueryError>
where
    F: std::future::Future<Output = Result<Vec<Vec<u8>>, QueryError>> + Send + 'static,
{
    /// Aborts the task when Grafana cancels the request (the future is dropped).
    struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);
    impl<T> Drop for AbortOnDrop<T> {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut task = AbortOnDrop(tokio::spawn(work));
    match (&mut task.0).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            tracing::error!(panic = %what, "a query handler panicked");
            Err(QueryError::internal(format!(
                "the plugin failed on this query (a bug; other queries are not affected): {what}"
            )))
        }
        Err(_) => Err(QueryError::internal("the query was cancelled")),
    }
}

async fn answer_owned(
    instance: std::sync::Arc<Instance>,
    q: pluginv2::DataQuery,
    now: DateTime<Utc>,
    from_alert: bool,
) -> Result<Vec<Vec<u8>>, QueryError> {
    answer(&instance, &q, now, from_alert).await
}

async fn answer(
    instance: &Instance,
    q: &pluginv2::DataQuery,
    now: DateTime<Utc>,
    from_alert: bool,
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
        from_alert,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_query_is_that_querys_error() {
        let err = isolated(async { panic!("boom at step 3") })
            .await
            .unwrap_err();
        assert_eq!(err.status, 500);
        assert!(err.message.contains("boom at step 3"), "{}", err.message);
        let ok = isolated(async { Ok(vec![vec![1u8]]) }).await.unwrap();
        assert_eq!(ok, vec![vec![1u8]]);
    }
}
