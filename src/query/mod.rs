//! Answering queries: the model ([`model`]) and one handler per query type, each
//! turning the domain view into frames. Handlers read the cache and clients through an
//! [`Instance`](crate::instance::Instance); they never touch Arrow.

pub mod error;
pub mod model;

pub use error::QueryError;
pub use model::{Query, QueryModel, QueryType};

use chrono::{DateTime, Utc};

use crate::frames::Frame;
use crate::instance::Instance;

/// Grafana's time range of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Everything a handler gets besides the instance.
#[derive(Debug, Clone)]
pub struct Request {
    pub ref_id: String,
    pub query: Query,
    pub range: TimeRange,
    pub interval_ms: i64,
    pub max_data_points: i64,
    /// The clock of this request (fixed in tests).
    pub now: DateTime<Utc>,
    /// Grafana alerting asks (the request header `FromAlert: true`): answers take the
    /// alertable form and backend failures are errors (see [`alert`]).
    pub from_alert: bool,
}

/// Answers one query with its frames (each frame carrying the request's refId).
///
/// # Errors
/// A [`QueryError`] that becomes this query's error; other queries are unaffected.
pub async fn run(instance: &Instance, req: &Request) -> Result<Vec<Frame>, QueryError> {
    let form = alert::Form::of(req)?;
    let frames = match req.query.query_type {
        QueryType::Rollouts | QueryType::Rollout | QueryType::Steps | QueryType::Analysis => {
            rollouts::run(instance, req).await?
        }
        QueryType::CanaryMetrics => canary_metrics::run(instance, req).await?,
        QueryType::TrafficSplit => traffic::run(instance, req).await?,
        QueryType::Traces => traces::run(instance, req).await?,
        QueryType::Verdict => verdict::run(instance, req).await?,
        QueryType::Events => events::run(instance, req).await?,
        QueryType::Namespaces | QueryType::RolloutNames | QueryType::Revisions => {
            variables::run(instance, req).await?
        }
    };
    if form.is_alert() {
        alert::failures_as_error(&frames)?;
    }
    Ok(frames
        .into_iter()
        .map(|mut f| {
            f.ref_id.clone_from(&req.ref_id);
            f
        })
        .collect())
}
pub mod alert;
pub mod canary_metrics;
pub mod events;
pub mod lookup;
pub mod promql;
pub mod revisions;
pub mod rollout_metrics;
pub mod rollouts;
pub mod traces;
pub mod traffic;
pub mod variables;
pub mod verdict;
pub mod verdict_sequential;
