//! Prometheus: per-revision PromQL and the HTTP API client.
//!
//! The query layer passes parsed settings ([`PrometheusConfig`], [`JoinConfig`],
//! [`MetricPreset`]) and a [`RevisionRef`]; [`QueryBuilder`] turns them into PromQL and
//! [`PrometheusClient`] returns typed [`Series`] and [`Exemplar`]s. Frames are built
//! elsewhere. The join types also drive the TraceQL built by [`crate::tempo`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), canary_lens::prometheus::Error> {
//! use std::time::Duration;
//! use canary_lens::prometheus::*;
//! let client = PrometheusClient::new(&PrometheusConfig::new("http://prometheus:9090"))?;
//! let builder = QueryBuilder::new(JoinConfig::default(), &MetricPreset::OpenTelemetry)?;
//! let canary = RevisionRef { namespace: "shop".into(), rollout: "web".into(),
//!     replica_set: "web-65fb5ffc84".into(), pod_template_hash: "65fb5ffc84".into(),
//!     revision: "3".into(), version: None };
//! let rate = client.query(&builder.request_rate(&canary, Duration::from_secs(60))?, None).await?;
//! # Ok(()) }
//! ```

mod client;
mod config;
pub(crate) mod http;
mod join;
mod preset;
mod query;
mod response;

pub use client::PrometheusClient;
pub use config::{
    Auth, PrometheusConfig, DEFAULT_MAX_POINTS_PER_SERIES, DEFAULT_MAX_SERIES, DEFAULT_TIMEOUT,
};
pub use join::{
    promql_string, regex_quote, valid_label_name, JoinConfig, JoinMode, PodNamesCut, RevisionRef,
    TraceMatch, TraceScope,
};
pub use preset::{MetricPreset, MetricSelectors, REVISION_PLACEHOLDER};
pub use query::{
    promql_duration, rate_interval, BatchSeries, QueryBuilder, SampleKind, DEFAULT_QUANTILES,
};
pub use response::{BuildInfo, Exemplar, ExemplarResult, QueryResult, ResultKind, Series};

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong building or running a Prometheus query. Messages name
/// the server and never contain credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configured URL cannot be used.
    #[error("the Prometheus URL {url:?} is not valid: {reason}")]
    InvalidUrl {
        /// The URL, credentials removed.
        url: String,
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be built (TLS settings).
    #[error("the connection to {server} could not be set up: {reason}")]
    Client {
        /// "Prometheus at ...".
        server: String,
        /// Why.
        reason: String,
    },
    /// Nothing listens at the address.
    #[error("{server} refused the connection; check the URL and that Prometheus is running")]
    ConnectionRefused {
        /// "Prometheus at ...".
        server: String,
    },
    /// The request exceeded the configured timeout.
    #[error("{server} timed out after {after}")]
    Timeout {
        /// "Prometheus at ...".
        server: String,
        /// The timeout, e.g. "30s".
        after: String,
    },
    /// DNS, TLS or another transport failure.
    #[error("{server} could not be reached: {reason}")]
    Unreachable {
        /// "Prometheus at ...".
        server: String,
        /// The transport error.
        reason: String,
    },
    /// Prometheus answered with an error status.
    #[error("{server} answered {status}: {message}")]
    Status {
        /// "Prometheus at ...".
        server: String,
        /// HTTP status code.
        status: u16,
        /// Prometheus' `error` field, or an excerpt of the body.
        message: String,
    },
    /// The answer is not the Prometheus API's.
    #[error("{server} is not a Prometheus server (unexpected response: {detail})")]
    NotPrometheus {
        /// "Prometheus at ...".
        server: String,
        /// What was seen.
        detail: String,
    },
    /// A configured label name would not be valid PromQL.
    #[error("{0:?} is not a valid Prometheus label name (letters, digits and underscores, not starting with a digit)")]
    InvalidLabelName(String),
    /// A custom metric template does not parse.
    #[error("the {which} metric template is not valid PromQL: {message}")]
    InvalidTemplate {
        /// `requests`, `errors` or `latency`.
        which: &'static str,
        /// The parser's message.
        message: String,
    },
    /// A custom metric template parses but is not a series selector.
    #[error("the {which} metric template must be a series selector such as my_metric{{$__revision}}, without functions or operators")]
    TemplateNotSelector {
        /// `requests`, `errors` or `latency`.
        which: &'static str,
    },
    /// A custom metric template lacks the placeholder.
    #[error("the {which} metric template must contain $__revision inside its braces, e.g. my_metric{{$__revision}}")]
    MissingPlaceholder {
        /// `requests`, `errors` or `latency`.
        which: &'static str,
    },
    /// Version join without a known version.
    #[error(
        "revision {revision} of rollout {rollout} has no known version; choose another join mode"
    )]
    MissingVersion {
        /// Rollout name.
        rollout: String,
        /// Revision number.
        revision: String,
    },
    /// Pod names cut too short for the pod-name join.
    #[error(transparent)]
    PodNamesCut(#[from] join::PodNamesCut),
    /// Traffic share over no revisions.
    #[error("no revisions were given to compute a traffic share")]
    NoRevisions,
    /// A quantile outside 0..=1.
    #[error("quantile {0} is not between 0 and 1")]
    InvalidQuantile(f64),
    /// The preset has no histogram.
    #[error("the metric preset has no latency histogram; add a latency template")]
    NoLatencyMetric,
    /// A zero rate window.
    #[error("the rate window must be at least 1ms")]
    InvalidWindow,
    /// A range that ends before it starts.
    #[error("the time range ends before it starts")]
    InvalidRange,
    /// A query this module built does not parse (a bug; reported, not panicked on).
    #[error("internal error: the built query {query:?} does not parse: {message}")]
    BuiltQueryInvalid {
        /// The query.
        query: String,
        /// The parser's message.
        message: String,
    },
}
