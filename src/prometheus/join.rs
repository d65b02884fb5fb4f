//! How a rollout revision is recognised in metrics and traces, and the escaping that
//! turns untrusted names (namespaces, ReplicaSets, versions) into safe PromQL and TraceQL.
//!
//! Defaults work on a stock kube-prometheus + OpenTelemetry k8sattributes setup: metrics
//! carry `namespace` and `pod`, spans carry the resource attributes `k8s.namespace.name`
//! and `k8s.pod.name`. Pods of a ReplicaSet are named `<replicaset>-<suffix>`, so the
//! default join is a regex on the pod name. Kubernetes cuts the `<replicaset>-` base of a
//! generated name to 58 characters, so for long names the regex uses the cut prefix
//! ([`RevisionRef::pod_name_prefix`]).

use super::{Error, Result};

/// One revision of a rollout: the identity the query layer resolves from Argo objects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevisionRef {
    /// Kubernetes namespace of the rollout.
    pub namespace: String,
    /// Rollout name.
    pub rollout: String,
    /// ReplicaSet name, `<rollout>-<pod-template-hash>`.
    pub replica_set: String,
    /// Value of the `rollouts-pod-template-hash` label.
    pub pod_template_hash: String,
    /// The `rollout.argoproj.io/revision` annotation, as written.
    pub revision: String,
    /// Application version (e.g. from an image tag or a `version` label), when known.
    pub version: Option<String>,
}

/// Kubernetes cuts the base of a generated name (`generateName`) to this many characters:
/// 63, the longest name, minus 5 random characters.
pub const GENERATED_NAME_BASE_MAX: usize = 58;
/// A cut prefix keeping fewer characters of the pod-template-hash than this cannot
/// reliably tell a rollout's revisions apart.
const MIN_HASH_CHARS: usize = 4;

impl RevisionRef {
    /// The prefix of every pod name of this revision's ReplicaSet: `<replicaset>-`, cut to
    /// [`GENERATED_NAME_BASE_MAX`] characters as Kubernetes cuts it.
    ///
    /// # Errors
    /// [`PodNamesCut`] when the cut leaves fewer than 4 characters of the
    /// pod-template-hash, so that the pod names of two revisions could share the prefix.
    pub fn pod_name_prefix(&self) -> std::result::Result<String, PodNamesCut> {
        let base = format!("{}-", self.replica_set);
        let Some(cut) = base.get(..GENERATED_NAME_BASE_MAX) else {
            return Ok(base);
        };
        let hash = self.pod_template_hash.as_str();
        if !hash.is_empty() && self.replica_set.ends_with(&format!("-{hash}")) {
            let hash_starts = self.replica_set.len() - hash.len();
            let kept = cut.len().saturating_sub(hash_starts);
            if kept < MIN_HASH_CHARS.min(hash.len()) {
                return Err(PodNamesCut {
                    replica_set: self.replica_set.clone(),
                });
            }
        }
        Ok(cut.to_string())
    }
}

/// The pod names of a ReplicaSet are cut before its pod-template-hash: the pod-name join
/// cannot tell its revisions apart.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the pods of ReplicaSet {replica_set} have names cut to 58 characters, too short to tell \
     the rollout's revisions apart by pod name; join by the pod-template-hash label (or a \
     version label) instead"
)]
pub struct PodNamesCut {
    /// The ReplicaSet.
    pub replica_set: String,
}

/// Which metric label identifies a revision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum JoinMode {
    /// `pod=~"<replicaset>-.*"` (works wherever Prometheus keeps the pod name).
    #[default]
    Pod,
    /// `<label>="<pod-template-hash>"`, when relabeling copies the pod label.
    PodTemplateHash {
        /// Metric label holding the hash, usually `rollouts_pod_template_hash`.
        label: String,
    },
    /// `<label>="<version>"`, for applications that export their version.
    Version {
        /// Metric label holding the version.
        label: String,
    },
}

impl JoinMode {
    /// Pod-template-hash join on the label relabeling usually produces.
    #[must_use]
    pub fn pod_template_hash() -> Self {
        JoinMode::PodTemplateHash {
            label: "rollouts_pod_template_hash".into(),
        }
    }
}

/// Where a trace attribute lives, i.e. its TraceQL scope prefix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceScope {
    /// `resource.<attr>` (set by the k8sattributes processor or the SDK resource).
    #[default]
    Resource,
    /// `span.<attr>`.
    Span,
    /// `.<attr>`: either scope (slower in Tempo).
    Any,
}

impl TraceScope {
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            TraceScope::Resource => "resource.",
            TraceScope::Span => "span.",
            TraceScope::Any => ".",
        }
    }
}

/// Which revision value the trace attribute is compared with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceMatch {
    /// `attr =~ "^<replicaset>-.*$"`: for `k8s.pod.name`.
    #[default]
    PodNamePrefix,
    /// `attr = "<pod-template-hash>"`: e.g. a `k8s.pod.labels.rollouts-pod-template-hash`
    /// attribute extracted by k8sattributes.
    PodTemplateHash,
    /// `attr = "<version>"`: e.g. `service.version`.
    Version,
}

/// How metrics and traces are joined with a revision. Every name is configurable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinConfig {
    /// Which metric label selects the revision.
    pub mode: JoinMode,
    /// Metric label holding the pod name (used by [`JoinMode::Pod`] and per-pod samples).
    pub pod_label: String,
    /// Metric label holding the namespace; empty disables the namespace matcher.
    pub namespace_label: String,
    /// Trace attribute compared with the revision, without scope, e.g. `k8s.pod.name`.
    pub trace_attribute: String,
    /// Scope of `trace_attribute`.
    pub trace_scope: TraceScope,
    /// What `trace_attribute` is compared with.
    pub trace_match: TraceMatch,
    /// Trace attribute holding the namespace (same scope); `None` disables it.
    pub trace_namespace_attribute: Option<String>,
}

impl Default for JoinConfig {
    fn default() -> Self {
        Self {
            mode: JoinMode::Pod,
            pod_label: "pod".into(),
            namespace_label: "namespace".into(),
            trace_attribute: "k8s.pod.name".into(),
            trace_scope: TraceScope::Resource,
            trace_match: TraceMatch::PodNamePrefix,
            trace_namespace_attribute: Some("k8s.namespace.name".into()),
        }
    }
}

impl JoinConfig {
    /// PromQL label matchers (without braces) selecting the series of one revision.
    ///
    /// # Errors
    /// [`Error::InvalidLabelName`] for a configured label that Prometheus would reject,
    /// [`Error::MissingVersion`] in version mode when the revision has no version.
    pub fn revision_matchers(&self, rev: &RevisionRef) -> Result<String> {
        self.matchers_for(std::slice::from_ref(rev))
    }

    /// Matchers selecting every listed revision (one regex alternation): the denominator
    /// of traffic shares.
    ///
    /// # Errors
    /// As [`JoinConfig::revision_matchers`]; also when `revs` is empty.
    pub fn revisions_matchers(&self, revs: &[RevisionRef]) -> Result<String> {
        self.matchers_for(revs)
    }

    fn matchers_for(&self, revs: &[RevisionRef]) -> Result<String> {
        let first = revs.first().ok_or(Error::NoRevisions)?;
        let mut out = Vec::new();
        if !self.namespace_label.is_empty() {
            let ns = valid_label_name(&self.namespace_label)?;
            let mut namespaces: Vec<&str> = revs.iter().map(|r| r.namespace.as_str()).collect();
            namespaces.sort_unstable();
            namespaces.dedup();
            if namespaces.len() == 1 {
                out.push(format!("{ns}={}", promql_string(&first.namespace)));
            } else {
                out.push(format!(
                    "{ns}=~{}",
                    promql_string(&alternation(&namespaces))
                ));
            }
        }
        let (label, regex_values, eq_values): (&str, Vec<String>, Vec<&str>) = match &self.mode {
            JoinMode::Pod => {
                let mut prefixes = Vec::new();
                for r in revs {
                    prefixes.push(regex_quote(&r.pod_name_prefix()?));
                }
                (&self.pod_label, prefixes, Vec::new())
            }
            JoinMode::PodTemplateHash { label } => (
                label,
                Vec::new(),
                revs.iter().map(|r| r.pod_template_hash.as_str()).collect(),
            ),
            JoinMode::Version { label } => {
                let mut values = Vec::new();
                for r in revs {
                    values.push(r.version.as_deref().ok_or_else(|| Error::MissingVersion {
                        rollout: r.rollout.clone(),
                        revision: r.revision.clone(),
                    })?);
                }
                (label, Vec::new(), values)
            }
        };
        // A version alone is shared by every app that runs it (and by both revisions
        // of a config-only rollout): scope it to the rollout's own pods, named
        // `<rollout>-<hash>-<suffix>` (or `<rollout>-<cut hash + suffix>` for long
        // names), which excludes other apps and a rollout named `<rollout>-x`.
        if matches!(self.mode, JoinMode::Version { .. }) && !self.pod_label.is_empty() {
            let pod = valid_label_name(&self.pod_label)?;
            let mut rollouts: Vec<String> = revs.iter().map(|r| regex_quote(&r.rollout)).collect();
            rollouts.sort_unstable();
            rollouts.dedup();
            let body = if rollouts.len() == 1 {
                rollouts[0].clone()
            } else {
                format!("(?:{})", rollouts.join("|"))
            };
            out.push(format!(
                "{pod}=~{}",
                promql_string(&format!("{body}-[a-z0-9]+(?:-[a-z0-9]+)?"))
            ));
        }
        let label = valid_label_name(label)?;
        if !regex_values.is_empty() {
            let body = if regex_values.len() == 1 {
                regex_values[0].clone()
            } else {
                format!("(?:{})", regex_values.join("|"))
            };
            out.push(format!("{label}=~{}", promql_string(&format!("{body}.*"))));
        } else if eq_values.len() == 1 {
            out.push(format!("{label}={}", promql_string(eq_values[0])));
        } else {
            out.push(format!(
                "{label}=~{}",
                promql_string(&alternation(&eq_values))
            ));
        }
        Ok(out.join(","))
    }
}

fn alternation(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| regex_quote(v))
        .collect::<Vec<_>>()
        .join("|")
}

/// Checks a Prometheus label name against `[a-zA-Z_][a-zA-Z0-9_]*`.
///
/// # Errors
/// [`Error::InvalidLabelName`] otherwise.
pub fn valid_label_name(name: &str) -> Result<&str> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(Error::InvalidLabelName(name.to_string()))
    }
}

/// A double-quoted string literal in Go syntax (PromQL and TraceQL both read these).
#[must_use]
pub fn promql_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes regex metacharacters like Go's `regexp.QuoteMeta` (RE2 and Rust's regex agree).
#[must_use]
pub fn regex_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canary() -> RevisionRef {
        RevisionRef {
            namespace: "argo-demo".into(),
            rollout: "canary-demo".into(),
            replica_set: "canary-demo-65fb5ffc84".into(),
            pod_template_hash: "65fb5ffc84".into(),
            revision: "3".into(),
            version: Some("v2".into()),
        }
    }

    #[test]
    fn default_join_selects_pods_of_the_replica_set_by_name() {
        let m = JoinConfig::default().revision_matchers(&canary()).unwrap();
        assert_eq!(
            m,
            r#"namespace="argo-demo",pod=~"canary-demo-65fb5ffc84-.*""#
        );
    }

    #[test]
    fn hash_and_version_modes_use_equality_on_their_label() {
        let join = JoinConfig {
            mode: JoinMode::pod_template_hash(),
            ..JoinConfig::default()
        };
        assert_eq!(
            join.revision_matchers(&canary()).unwrap(),
            r#"namespace="argo-demo",rollouts_pod_template_hash="65fb5ffc84""#
        );
        let join = JoinConfig {
            mode: JoinMode::Version {
                label: "app_version".into(),
            },
            namespace_label: String::new(),
            ..JoinConfig::default()
        };
        assert_eq!(
            join.revision_matchers(&canary()).unwrap(),
            r#"pod=~"canary-demo-[a-z0-9]+(?:-[a-z0-9]+)?",app_version="v2""#
        );
        // Without a pod label the version is all there is.
        let join = JoinConfig {
            pod_label: String::new(),
            ..join
        };
        assert_eq!(
            join.revision_matchers(&canary()).unwrap(),
            r#"app_version="v2""#
        );
    }

    #[test]
    fn version_scoping_keeps_the_rollouts_pods_only() {
        // PromQL anchors its regexes at both ends.
        let re = regex::Regex::new(r"^(?:canary-demo-[a-z0-9]+(?:-[a-z0-9]+)?)$").unwrap();
        assert!(re.is_match("canary-demo-65fb5ffc84-9wf5r"));
        assert!(re.is_match("canary-demo-65fb5f9wf5r"), "a cut long name");
        assert!(
            !re.is_match("canary-demo-x-65fb5ffc84-9wf5r"),
            "rollout canary-demo-x"
        );
        assert!(!re.is_match("other-app-65fb5ffc84-9wf5r"));
    }

    #[test]
    fn version_mode_refuses_a_revision_without_version() {
        let join = JoinConfig {
            mode: JoinMode::Version {
                label: "version".into(),
            },
            ..JoinConfig::default()
        };
        let rev = RevisionRef {
            version: None,
            ..canary()
        };
        let err = join.revision_matchers(&rev).unwrap_err();
        assert!(matches!(err, Error::MissingVersion { .. }), "{err}");
    }

    #[test]
    fn invalid_label_names_are_refused() {
        for bad in ["", "1pod", "pod-name", "pod name", "pöd", "a}b"] {
            assert!(valid_label_name(bad).is_err(), "{bad:?}");
        }
        for good in ["pod", "_x", "rollouts_pod_template_hash", "A9"] {
            assert!(valid_label_name(good).is_ok(), "{good:?}");
        }
        let join = JoinConfig {
            pod_label: "pod\"}".into(),
            ..JoinConfig::default()
        };
        assert!(matches!(
            join.revision_matchers(&canary()),
            Err(Error::InvalidLabelName(_))
        ));
    }

    #[test]
    fn several_revisions_become_one_alternation() {
        let stable = RevisionRef {
            replica_set: "canary-demo-877894d5b".into(),
            pod_template_hash: "877894d5b".into(),
            ..canary()
        };
        let m = JoinConfig::default()
            .revisions_matchers(&[canary(), stable])
            .unwrap();
        assert_eq!(
            m,
            r#"namespace="argo-demo",pod=~"(?:canary-demo-65fb5ffc84-|canary-demo-877894d5b-).*""#
        );
    }

    /// A revision of a rollout named `name` (ReplicaSet `<name>-<hash>`).
    fn long(name: &str, hash: &str) -> RevisionRef {
        RevisionRef {
            rollout: name.into(),
            replica_set: format!("{name}-{hash}"),
            pod_template_hash: hash.into(),
            ..canary()
        }
    }

    #[test]
    fn long_replica_set_names_are_cut_as_kubernetes_cuts_pod_names() {
        // 47 + 1 + 10 = 58: `<rs>-` is 59 characters, cut to 58 (the dash goes).
        let name = "a".repeat(47);
        let rev = long(&name, "65fb5ffc84");
        assert_eq!(rev.replica_set.len(), 58);
        let prefix = rev.pod_name_prefix().unwrap();
        assert_eq!(prefix, rev.replica_set);
        let m = JoinConfig::default().revision_matchers(&rev).unwrap();
        assert_eq!(m, format!(r#"namespace="argo-demo",pod=~"{prefix}.*""#));
        // A pod as the ReplicaSet controller names it: 58 + 5 random characters.
        let pod = format!("{prefix}x7k2q");
        assert_eq!(pod.len(), 63);
        assert!(pod.starts_with(&prefix));

        // Short names keep their dash.
        assert_eq!(
            canary().pod_name_prefix().unwrap(),
            "canary-demo-65fb5ffc84-"
        );

        // Six hash characters left: still tells revisions apart.
        let rev = long(&"b".repeat(51), "65fb5ffc84");
        assert_eq!(
            rev.pod_name_prefix().unwrap(),
            format!("{}-65fb5f", "b".repeat(51))
        );
        // Three left: refused, naming the ReplicaSet and what to do instead.
        let rev = long(&"c".repeat(54), "65fb5ffc84");
        let err = JoinConfig::default().revision_matchers(&rev).unwrap_err();
        assert!(matches!(err, Error::PodNamesCut(_)), "{err}");
        assert!(err.to_string().contains(&rev.replica_set), "{err}");
        assert!(err.to_string().contains("pod-template-hash label"), "{err}");
        // The hash join does not care.
        let by_hash = JoinConfig {
            mode: JoinMode::PodTemplateHash {
                label: "rollouts_pod_template_hash".into(),
            },
            ..JoinConfig::default()
        };
        assert!(by_hash.revision_matchers(&rev).is_ok());
    }

    #[test]
    fn strings_and_regexes_are_escaped() {
        assert_eq!(promql_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(promql_string("x\ny\u{1}"), r#""x\ny\u0001""#);
        assert_eq!(
            regex_quote("a.b*c(d)|[e]{f}^$+?\\"),
            r"a\.b\*c\(d\)\|\[e\]\{f\}\^\$\+\?\\"
        );
    }
}
