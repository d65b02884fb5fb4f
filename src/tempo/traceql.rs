//! TraceQL for one revision's spans, e.g.
//! `{ resource.k8s.namespace.name = "shop" && resource.k8s.pod.name =~ "^web-65fb5ffc84-.*$" && status = error && duration > 500ms }`.
//!
//! Attribute, scope and compared value come from [`JoinConfig`]. Strings are Go-quoted
//! (`"` and `\` escaped) and pod-name prefixes regex-quoted. Regexes carry explicit
//! anchors: current Tempo anchors them anyway, older versions matched substrings.

use std::time::Duration;

use crate::prometheus::{promql_string, regex_quote, JoinConfig, RevisionRef, TraceMatch};

use super::{Error, Result};

/// Extra conditions on the revision's spans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanFilter {
    /// Only spans with `status = error`.
    pub errors_only: bool,
    /// Only spans longer than this.
    pub min_duration: Option<Duration>,
    /// Only spans of this name.
    pub span_name: Option<String>,
}

/// The TraceQL spanset filter selecting `rev`'s spans.
///
/// # Errors
/// [`Error::InvalidAttribute`] for an attribute name TraceQL cannot express,
/// [`Error::MissingVersion`] when matching on a version the revision lacks.
pub fn revision_traceql(
    join: &JoinConfig,
    rev: &RevisionRef,
    filter: &SpanFilter,
) -> Result<String> {
    let scope = join.trace_scope.prefix();
    let mut conditions = Vec::new();
    if let Some(ns_attr) = join
        .trace_namespace_attribute
        .as_deref()
        .filter(|a| !a.is_empty())
    {
        conditions.push(format!(
            "{scope}{} = {}",
            valid_attribute(ns_attr)?,
            promql_string(&rev.namespace)
        ));
    }
    let attr = valid_attribute(&join.trace_attribute)?;
    conditions.push(match join.trace_match {
        TraceMatch::PodNamePrefix => format!(
            "{scope}{attr} =~ {}",
            promql_string(&format!("^{}.*$", regex_quote(&rev.pod_name_prefix()?)))
        ),
        TraceMatch::PodTemplateHash => {
            format!("{scope}{attr} = {}", promql_string(&rev.pod_template_hash))
        }
        TraceMatch::Version => {
            let version = rev
                .version
                .as_deref()
                .ok_or_else(|| Error::MissingVersion {
                    rollout: rev.rollout.clone(),
                    revision: rev.revision.clone(),
                })?;
            format!("{scope}{attr} = {}", promql_string(version))
        }
    });
    if let Some(name) = &filter.span_name {
        conditions.push(format!("name = {}", promql_string(name)));
    }
    if filter.errors_only {
        conditions.push("status = error".to_string());
    }
    if let Some(d) = filter.min_duration {
        conditions.push(format!("duration > {}", traceql_duration(d)));
    }
    Ok(format!("{{ {} }}", conditions.join(" && ")))
}

/// A TraceQL duration literal: `500ms`, `2s`, `1500us`.
#[must_use]
pub fn traceql_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns.is_multiple_of(1_000_000_000) {
        format!("{}s", ns / 1_000_000_000)
    } else if ns.is_multiple_of(1_000_000) {
        format!("{}ms", ns / 1_000_000)
    } else if ns.is_multiple_of(1_000) {
        format!("{}us", ns / 1_000)
    } else {
        format!("{ns}ns")
    }
}

/// Attribute names end at whitespace and at TraceQL's operator characters.
fn valid_attribute(name: &str) -> Result<&str> {
    let bad = |c: char| c.is_whitespace() || c.is_control() || "{}()=~!<>&|^,\"\\".contains(c);
    if name.is_empty() || name.starts_with('.') || name.chars().any(bad) {
        return Err(Error::InvalidAttribute(name.to_string()));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus::TraceScope;

    fn canary() -> RevisionRef {
        RevisionRef {
            namespace: "argo-demo".into(),
            rollout: "canary-demo".into(),
            replica_set: "canary-demo-65fb5ffc84".into(),
            pod_template_hash: "65fb5ffc84".into(),
            revision: "3".into(),
            version: Some("v2.1".into()),
        }
    }

    #[test]
    fn the_default_join_matches_resource_pod_names_of_the_replica_set() {
        let q = revision_traceql(
            &JoinConfig::default(),
            &canary(),
            &SpanFilter {
                errors_only: true,
                min_duration: Some(Duration::from_millis(500)),
                span_name: None,
            },
        )
        .unwrap();
        assert_eq!(
            q,
            r#"{ resource.k8s.namespace.name = "argo-demo" && resource.k8s.pod.name =~ "^canary-demo-65fb5ffc84-.*$" && status = error && duration > 500ms }"#
        );
    }

    #[test]
    fn long_pod_names_are_matched_by_their_cut_prefix_or_refused() {
        let name = "w".repeat(51);
        let rev = RevisionRef {
            replica_set: format!("{name}-65fb5ffc84"),
            ..canary()
        };
        let q = revision_traceql(&JoinConfig::default(), &rev, &SpanFilter::default()).unwrap();
        assert!(
            q.contains(&format!(r#"resource.k8s.pod.name =~ "^{name}-65fb5f.*$""#)),
            "{q}"
        );
        let rev = RevisionRef {
            replica_set: format!("{}-65fb5ffc84", "w".repeat(55)),
            ..canary()
        };
        let err =
            revision_traceql(&JoinConfig::default(), &rev, &SpanFilter::default()).unwrap_err();
        assert!(matches!(err, Error::PodNamesCut(_)), "{err}");
    }

    #[test]
    fn version_matching_uses_equality_in_the_configured_scope() {
        let join = JoinConfig {
            trace_attribute: "service.version".into(),
            trace_match: TraceMatch::Version,
            trace_scope: TraceScope::Any,
            trace_namespace_attribute: None,
            ..JoinConfig::default()
        };
        let q = revision_traceql(&join, &canary(), &SpanFilter::default()).unwrap();
        assert_eq!(q, r#"{ .service.version = "v2.1" }"#);
        let no_version = RevisionRef {
            version: None,
            ..canary()
        };
        assert!(matches!(
            revision_traceql(&join, &no_version, &SpanFilter::default()),
            Err(Error::MissingVersion { .. })
        ));
    }

    #[test]
    fn hostile_values_are_quoted_and_bad_attribute_names_refused() {
        let rev = RevisionRef {
            namespace: "a\"b\\c".into(),
            replica_set: "x.y\"}||{".into(),
            ..canary()
        };
        let q = revision_traceql(
            &JoinConfig::default(),
            &rev,
            &SpanFilter {
                span_name: Some("GET /a\"b".into()),
                ..SpanFilter::default()
            },
        )
        .unwrap();
        assert_eq!(
            q,
            r#"{ resource.k8s.namespace.name = "a\"b\\c" && resource.k8s.pod.name =~ "^x\\.y\"\\}\\|\\|\\{-.*$" && name = "GET /a\"b" }"#
        );
        for bad in ["", "a b", "x}", "a=b", "q\"", ".lead"] {
            let join = JoinConfig {
                trace_attribute: bad.into(),
                ..JoinConfig::default()
            };
            assert!(
                matches!(
                    revision_traceql(&join, &canary(), &SpanFilter::default()),
                    Err(Error::InvalidAttribute(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn durations_use_the_largest_exact_unit() {
        assert_eq!(traceql_duration(Duration::from_secs(2)), "2s");
        assert_eq!(traceql_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(traceql_duration(Duration::from_micros(250)), "250us");
        assert_eq!(traceql_duration(Duration::from_nanos(7)), "7ns");
    }
}
