//! The query model: the JSON of a Grafana query, as the frontend, dashboards and users
//! write it (documented in README.md). One struct for every query type; each type
//! reads the fields it needs.

use serde::Deserialize;

/// Every query type the backend answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryType {
    Rollouts,
    Rollout,
    Steps,
    Analysis,
    CanaryMetrics,
    TrafficSplit,
    Traces,
    Verdict,
    Events,
}

impl QueryType {
    pub const ALL: [QueryType; 9] = [
        QueryType::Rollouts,
        QueryType::Rollout,
        QueryType::Steps,
        QueryType::Analysis,
        QueryType::CanaryMetrics,
        QueryType::TrafficSplit,
        QueryType::Traces,
        QueryType::Verdict,
        QueryType::Events,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueryType::Rollouts => "rollouts",
            QueryType::Rollout => "rollout",
            QueryType::Steps => "steps",
            QueryType::Analysis => "analysis",
            QueryType::CanaryMetrics => "canaryMetrics",
            QueryType::TrafficSplit => "trafficSplit",
            QueryType::Traces => "traces",
            QueryType::Verdict => "verdict",
            QueryType::Events => "events",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A query's JSON. Unknown keys (refId, datasource, hide, ...) are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryModel {
    pub query_type: String,
    pub namespace: String,
    pub rollout: String,
    pub label_selector: String,
    pub status: String,
    /// `canary`, `stable`, `active`, `preview` or a revision number.
    pub revision: String,
    pub metrics: Vec<String>,
    pub quantiles: Vec<f64>,
    pub exemplars: Option<bool>,
    pub errors_only: bool,
    pub min_duration: String,
    pub limit: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the query is not valid JSON: {0}")]
    Syntax(String),
    #[error("query field {field:?} is invalid: {message}")]
    Field { field: String, message: String },
    #[error("unknown queryType {0:?}; expected one of rollouts, rollout, steps, analysis, canaryMetrics, trafficSplit, traces, verdict, events")]
    UnknownType(String),
    #[error("the {query_type} query needs {what}")]
    Missing {
        query_type: &'static str,
        what: &'static str,
    },
}

/// A parsed query: its type and model.
#[derive(Debug, Clone)]
pub struct Query {
    pub query_type: QueryType,
    pub model: QueryModel,
}

impl Query {
    /// Parses a query's JSON; `query_type` is Grafana's DataQuery.queryType, which wins
    /// over the JSON's own when set. An empty query is a `rollouts` query.
    ///
    /// # Errors
    /// Naming the field whose value has the wrong type, an unknown query type, or a
    /// missing namespace/rollout for types that need one.
    pub fn parse(query_type: &str, json: &[u8]) -> Result<Self, Error> {
        let model: QueryModel = if json.iter().all(u8::is_ascii_whitespace) {
            QueryModel::default()
        } else {
            let de = &mut serde_json::Deserializer::from_slice(json);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let field = e.path().to_string();
                let inner = e.into_inner();
                if field == "." || inner.is_syntax() || inner.is_eof() {
                    Error::Syntax(inner.to_string())
                } else {
                    Error::Field {
                        field,
                        message: strip_position(&inner.to_string()),
                    }
                }
            })?
        };
        let name = if query_type.is_empty() {
            model.query_type.as_str()
        } else {
            query_type
        };
        let query_type = if name.is_empty() {
            QueryType::Rollouts
        } else {
            QueryType::parse(name).ok_or_else(|| Error::UnknownType(name.to_string()))?
        };
        let query = Query { query_type, model };
        query.check()?;
        Ok(query)
    }

    fn check(&self) -> Result<(), Error> {
        let needs_rollout = !matches!(self.query_type, QueryType::Rollouts | QueryType::Events);
        if needs_rollout && (self.model.namespace.is_empty() || self.model.rollout.is_empty()) {
            return Err(Error::Missing {
                query_type: self.query_type.as_str(),
                what: "a namespace and a rollout",
            });
        }
        if let Some(q) = self
            .model
            .quantiles
            .iter()
            .find(|q| !(**q > 0.0 && **q < 1.0))
        {
            return Err(Error::Field {
                field: "quantiles".into(),
                message: format!("{q} is not between 0 and 1"),
            });
        }
        Ok(())
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_type_names_the_field() {
        let err = Query::parse("", br#"{"queryType":"rollouts","namespace":3}"#).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"namespace\""), "{text}");
        assert!(text.contains("expected a string"), "{text}");
    }

    #[test]
    fn grafanas_query_type_wins_and_empty_means_rollouts() {
        let q = Query::parse(
            "steps",
            br#"{"queryType":"rollouts","namespace":"a","rollout":"b"}"#,
        )
        .unwrap();
        assert_eq!(q.query_type, QueryType::Steps);
        assert_eq!(
            Query::parse("", b"{}").unwrap().query_type,
            QueryType::Rollouts
        );
    }

    #[test]
    fn unknown_types_and_missing_rollouts_are_explained() {
        assert!(matches!(
            Query::parse("bogus", b"{}"),
            Err(Error::UnknownType(_))
        ));
        let err = Query::parse("rollout", br#"{"namespace":"a"}"#).unwrap_err();
        assert!(err.to_string().contains("needs a namespace and a rollout"));
    }

    #[test]
    fn broken_json_is_a_syntax_error() {
        assert!(matches!(
            Query::parse("", b"{\"a\":"),
            Err(Error::Syntax(_))
        ));
    }

    #[test]
    fn every_type_round_trips_through_its_name() {
        for t in QueryType::ALL {
            assert_eq!(QueryType::parse(t.as_str()), Some(t));
        }
    }
}
