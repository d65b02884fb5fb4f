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
    /// Template variable values: the namespaces that hold rollouts.
    Namespaces,
    /// Template variable values: rollouts of one or more namespaces.
    RolloutNames,
    /// Template variable values: revisions of one rollout.
    Revisions,
}

impl QueryType {
    pub const ALL: [QueryType; 12] = [
        QueryType::Rollouts,
        QueryType::Rollout,
        QueryType::Steps,
        QueryType::Analysis,
        QueryType::CanaryMetrics,
        QueryType::TrafficSplit,
        QueryType::Traces,
        QueryType::Verdict,
        QueryType::Events,
        QueryType::Namespaces,
        QueryType::RolloutNames,
        QueryType::Revisions,
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
            QueryType::Namespaces => "namespaces",
            QueryType::RolloutNames => "rolloutNames",
            QueryType::Revisions => "revisions",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Whether the type is about exactly one rollout (its `namespace` and `rollout`, or a
    /// `rollout` written `namespace/name`).
    pub fn names_one_rollout(self) -> bool {
        !matches!(
            self,
            QueryType::Rollouts
                | QueryType::Events
                | QueryType::Namespaces
                | QueryType::RolloutNames
        )
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
    /// `table` (the default), `alert` or `score`: the answer's shape (see
    /// [`alert`](super::alert)).
    pub format: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the query is not valid JSON: {0}")]
    Syntax(String),
    #[error("query field {field:?} is invalid: {message}")]
    Field { field: String, message: String },
    #[error("unknown queryType {0:?}; expected one of rollouts, rollout, steps, analysis, canaryMetrics, trafficSplit, traces, verdict, events, namespaces, rolloutNames, revisions")]
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
        let mut query = Query { query_type, model };
        query.resolve_rollout()?;
        query.check()?;
        Ok(query)
    }

    /// For the types about one rollout: a `rollout` written `namespace/name` (what the
    /// rollout variable holds when no single namespace is chosen) gives the namespace;
    /// a `namespace` that is a list (a multi-value variable) is refused by name.
    fn resolve_rollout(&mut self) -> Result<(), Error> {
        if !self.query_type.names_one_rollout() {
            return Ok(());
        }
        let m = &mut self.model;
        let namespaces = split_list(&m.namespace);
        if namespaces.len() > 1 {
            return Err(Error::Field {
                field: "namespace".into(),
                message: format!(
                    "the {} query is about one rollout, so it takes one namespace, not {:?} \
                     (make the namespace variable single-value, or pick the rollout as namespace/name)",
                    self.query_type.as_str(),
                    m.namespace
                ),
            });
        }
        let namespace = namespaces
            .first()
            .map(|s| (*s).to_string())
            .unwrap_or_default();
        let rollout = m.rollout.trim().to_string();
        match rollout.split_once('/') {
            None => {
                m.namespace = namespace;
                m.rollout = rollout;
            }
            Some((ns, name)) => {
                let (ns, name) = (ns.trim(), name.trim());
                if ns.is_empty() || name.is_empty() || name.contains('/') {
                    return Err(Error::Field {
                        field: "rollout".into(),
                        message: format!("{rollout:?} is neither a name nor namespace/name"),
                    });
                }
                if !namespace.is_empty() && namespace != ns {
                    return Err(Error::Field {
                        field: "rollout".into(),
                        message: format!(
                            "{rollout:?} is in namespace {ns:?}, but the query's namespace is {namespace:?}"
                        ),
                    });
                }
                m.namespace = ns.to_string();
                m.rollout = name.to_string();
            }
        }
        Ok(())
    }

    fn check(&self) -> Result<(), Error> {
        let needs_rollout = self.query_type.names_one_rollout();
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

impl QueryModel {
    /// The namespaces a list query is limited to: `namespace` as a comma-separated list
    /// (how a multi-value or All variable arrives); empty means every allowed one.
    pub fn namespace_list(&self) -> Vec<&str> {
        split_list(&self.namespace)
    }

    /// Whether a list query's `namespace` admits `namespace`.
    pub fn admits_namespace(&self, namespace: &str) -> bool {
        let list = self.namespace_list();
        list.is_empty() || list.contains(&namespace)
    }

    /// Whether a list query's `rollout` (a comma-separated list of names or
    /// `namespace/name`; empty means all) admits the rollout `namespace/name`.
    pub fn admits_rollout(&self, namespace: &str, name: &str) -> bool {
        let list = split_list(&self.rollout);
        list.is_empty()
            || list.iter().any(|entry| match entry.split_once('/') {
                Some((ns, n)) => ns.trim() == namespace && n.trim() == name,
                None => *entry == name,
            })
    }
}

/// The non-empty, trimmed entries of a comma-separated list.
fn split_list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
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
    fn a_rollout_written_namespace_slash_name_gives_the_namespace() {
        let q = Query::parse("steps", br#"{"namespace":"","rollout":"shop/web"}"#).unwrap();
        assert_eq!(
            (q.model.namespace.as_str(), q.model.rollout.as_str()),
            ("shop", "web")
        );
        let q = Query::parse("verdict", br#"{"namespace":"shop","rollout":"shop/web"}"#).unwrap();
        assert_eq!(q.model.namespace, "shop");
        let err = Query::parse("steps", br#"{"namespace":"other","rollout":"shop/web"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"rollout\"") && err.contains("other"),
            "{err}"
        );
        assert!(Query::parse("steps", br#"{"rollout":"/web"}"#).is_err());
    }

    #[test]
    fn a_namespace_list_is_refused_for_one_rollout_and_read_for_lists() {
        let err = Query::parse("steps", br#"{"namespace":"a,b","rollout":"web"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"namespace\"") && err.contains("one namespace"),
            "{err}"
        );
        // One entry with spaces is still one namespace.
        let q = Query::parse("steps", br#"{"namespace":" a ","rollout":"web"}"#).unwrap();
        assert_eq!(q.model.namespace, "a");
        let q = Query::parse("rollouts", br#"{"namespace":"a, b","rollout":"x,c/y"}"#).unwrap();
        assert_eq!(q.model.namespace_list(), vec!["a", "b"]);
        assert!(q.model.admits_namespace("b") && !q.model.admits_namespace("c"));
        assert!(q.model.admits_rollout("a", "x") && q.model.admits_rollout("c", "y"));
        assert!(!q.model.admits_rollout("a", "y"));
        let all = Query::parse("rollouts", b"{}").unwrap();
        assert!(all.model.admits_namespace("any") && all.model.admits_rollout("n", "r"));
    }

    #[test]
    fn variable_types_need_what_they_list() {
        assert_eq!(
            Query::parse("", br#"{"queryType":"namespaces"}"#)
                .unwrap()
                .query_type,
            QueryType::Namespaces
        );
        assert!(Query::parse("rolloutNames", b"{}").is_ok());
        assert!(Query::parse("revisions", br#"{"namespace":"a"}"#).is_err());
        assert!(Query::parse("revisions", br#"{"rollout":"a/b"}"#).is_ok());
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
