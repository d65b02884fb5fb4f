//! The one place that classifies failures of a query: which HTTP-like status it gets,
//! whether the plugin or a server it talks to is at fault, and the sentence shown.

use crate::instance;
use crate::query::model;

/// Who is at fault, as Grafana's `errorSource` distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Plugin,
    Downstream,
}

/// A query that cannot be answered; shown to the user as that query's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub status: i32,
    pub origin: Source,
    pub message: String,
}

impl QueryError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        QueryError {
            status: 400,
            origin: Source::Downstream,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        QueryError {
            status: 404,
            origin: Source::Downstream,
            message: message.into(),
        }
    }

    pub fn downstream(message: impl Into<String>) -> Self {
        QueryError {
            status: 502,
            origin: Source::Downstream,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        QueryError {
            status: 500,
            origin: Source::Plugin,
            message: message.into(),
        }
    }

    /// `rollout shop/checkout not found`, with a hint when an allow-list hides it.
    pub fn rollout_not_found(namespace: &str, name: &str, hidden: bool) -> Self {
        if hidden {
            Self::not_found(format!(
                "rollout {namespace}/{name} not found: namespace {namespace} is not in this datasource's namespaces allow-list"
            ))
        } else {
            Self::not_found(format!("rollout {namespace}/{name} not found"))
        }
    }
}

impl From<model::Error> for QueryError {
    fn from(e: model::Error) -> Self {
        QueryError::bad_request(e.to_string())
    }
}

impl From<instance::Error> for QueryError {
    fn from(e: instance::Error) -> Self {
        match e {
            instance::Error::Settings(e) => QueryError::bad_request(format!(
                "the datasource settings are invalid: {e} (fix them on the datasource's settings page)"
            )),
            instance::Error::Connect(e) => QueryError::downstream(e.to_string()),
            instance::Error::Watch(e) => QueryError::downstream(e.to_string()),
        }
    }
}

impl From<crate::backends::Error> for QueryError {
    fn from(e: crate::backends::Error) -> Self {
        QueryError::bad_request(format!(
            "the datasource settings are invalid: {e} (fix them on the datasource's settings page)"
        ))
    }
}

impl From<crate::frames::arrow::Error> for QueryError {
    fn from(e: crate::frames::arrow::Error) -> Self {
        QueryError::internal(format!("could not encode the answer: {e}"))
    }
}
