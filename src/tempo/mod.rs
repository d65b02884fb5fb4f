//! Tempo: TraceQL for a revision's spans and the HTTP API client returning typed
//! [`TraceSummary`]s and [`SpanRecord`]s. The join with a revision reuses
//! [`crate::prometheus::JoinConfig`] and [`crate::prometheus::RevisionRef`].

mod client;
mod config;
mod response;
mod traceql;

pub use client::{TempoBuildInfo, TempoClient};
pub use config::{TempoConfig, DEFAULT_SEARCH_LIMIT, DEFAULT_SPANS_PER_SPAN_SET};
pub use response::{MatchedSpan, SearchResult, SpanRecord, SpanStatus, TraceSummary};
pub use traceql::{revision_traceql, traceql_duration, SpanFilter};

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with Tempo. Messages name the server, never credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configured URL cannot be used.
    #[error("the Tempo URL {url:?} is not valid: {reason}")]
    InvalidUrl {
        /// The URL without credentials.
        url: String,
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("the connection to {server} could not be set up: {reason}")]
    Client {
        /// "Tempo at ...".
        server: String,
        /// Why.
        reason: String,
    },
    /// Nothing listens at the address.
    #[error("{server} refused the connection; check the URL and that Tempo is running")]
    ConnectionRefused {
        /// "Tempo at ...".
        server: String,
    },
    /// The request exceeded the timeout.
    #[error("{server} timed out after {after}")]
    Timeout {
        /// "Tempo at ...".
        server: String,
        /// e.g. "30s".
        after: String,
    },
    /// Another transport failure.
    #[error("{server} could not be reached: {reason}")]
    Unreachable {
        /// "Tempo at ...".
        server: String,
        /// The transport error.
        reason: String,
    },
    /// Tempo answered with an error status.
    #[error("{server} answered {status}: {message}")]
    Status {
        /// "Tempo at ...".
        server: String,
        /// HTTP status.
        status: u16,
        /// Tempo's message or a body excerpt.
        message: String,
    },
    /// The answer is not Tempo's API.
    #[error("{server} is not a Tempo server (unexpected response: {detail})")]
    NotTempo {
        /// "Tempo at ...".
        server: String,
        /// What was seen.
        detail: String,
    },
    /// No trace with that id.
    #[error("{server} has no trace {trace_id}")]
    TraceNotFound {
        /// "Tempo at ...".
        server: String,
        /// The id asked for.
        trace_id: String,
    },
    /// A trace id that is not hex.
    #[error("{0:?} is not a trace id (1 to 32 hexadecimal digits)")]
    InvalidTraceId(String),
    /// An attribute name TraceQL cannot express unquoted.
    #[error(
        "{0:?} is not a usable trace attribute name (no spaces, quotes or operator characters)"
    )]
    InvalidAttribute(String),
    /// Pod names cut too short for the pod-name match.
    #[error(transparent)]
    PodNamesCut(#[from] crate::prometheus::PodNamesCut),
    /// Version match without a known version.
    #[error(
        "revision {revision} of rollout {rollout} has no known version; choose another trace join"
    )]
    MissingVersion {
        /// Rollout name.
        rollout: String,
        /// Revision number.
        revision: String,
    },
}
