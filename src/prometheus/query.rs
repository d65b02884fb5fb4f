//! PromQL for one revision: request rate, error ratio, latency quantiles, traffic share,
//! exemplar selectors and per-pod samples for the statistical verdict.
//!
//! Every query is built from the preset's selectors and the join's label matchers, and
//! parsed with promql-parser before it is returned, so a built query always parses.
//!
//! # Samples for the verdict
//! [`QueryBuilder::pod_samples`] groups by pod and is meant for `query_range` with
//! `step == window`: each point then summarises the disjoint interval `(t - window, t]`
//! of one pod, so consecutive points share no counter increments and different pods are
//! different replicas. Those (pod, interval) points are the independent-ish samples a
//! Mann-Whitney style test compares between revisions. The window must hold at least
//! two scrapes ([`rate_interval`] gives a safe one).

use std::time::Duration;

use promql_parser::parser;

use super::join::{JoinConfig, JoinMode, RevisionRef};
use super::preset::{MetricPreset, MetricSelectors};
use super::{Error, Result};

/// Latency quantiles used when none are configured.
pub const DEFAULT_QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// What one per-pod sample measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SampleKind {
    /// Requests per second of one pod over one window.
    RequestRate,
    /// Failed / all requests of one pod over one window (0 when no error series exists).
    ErrorRatio,
    /// A latency quantile of one pod over one window.
    LatencyQuantile(f64),
}

/// A counter summed per revision for many revisions in one query (see
/// [`QueryBuilder::batch_rate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchSeries {
    /// The request counter.
    Requests,
    /// The error counter.
    Errors,
    /// The latency histogram's buckets (also grouped by `le`).
    LatencyBuckets,
}

/// Builds PromQL for revisions of one rollout.
#[derive(Clone, Debug)]
pub struct QueryBuilder {
    join: JoinConfig,
    selectors: MetricSelectors,
    quantiles: Vec<f64>,
}

impl QueryBuilder {
    /// A builder for `preset` joined by `join`.
    ///
    /// # Errors
    /// When the preset's templates are invalid (see [`MetricPreset::selectors`]).
    pub fn new(join: JoinConfig, preset: &MetricPreset) -> Result<Self> {
        Ok(Self {
            join,
            selectors: preset.selectors()?,
            quantiles: DEFAULT_QUANTILES.to_vec(),
        })
    }

    /// Replaces the latency quantiles.
    ///
    /// # Errors
    /// [`Error::InvalidQuantile`] for a value outside `0..=1` (or NaN).
    pub fn with_quantiles(mut self, quantiles: Vec<f64>) -> Result<Self> {
        for q in &quantiles {
            check_quantile(*q)?;
        }
        self.quantiles = quantiles;
        Ok(self)
    }

    /// The configured quantiles.
    #[must_use]
    pub fn quantiles(&self) -> &[f64] {
        &self.quantiles
    }

    /// The join configuration.
    #[must_use]
    pub fn join(&self) -> &JoinConfig {
        &self.join
    }

    /// `sum(rate(requests[window]))`: requests per second of the revision.
    ///
    /// # Errors
    /// Join errors, [`Error::InvalidWindow`] for a zero window.
    pub fn request_rate(&self, rev: &RevisionRef, window: Duration) -> Result<String> {
        let m = self.join.revision_matchers(rev)?;
        let w = promql_duration(window)?;
        checked(format!("sum(rate({}[{w}]))", self.selectors.requests(&m)))
    }

    /// `sum(increase(<requests or errors of the revision>[window]))`: how many in each
    /// window, for the sequential verdict's counts.
    ///
    /// # Errors
    /// As [`QueryBuilder::request_rate`]; latency buckets are no count.
    pub fn window_count(
        &self,
        rev: &RevisionRef,
        series: BatchSeries,
        window: Duration,
    ) -> Result<String> {
        let m = self.join.revision_matchers(rev)?;
        let w = promql_duration(window)?;
        let selector = match series {
            BatchSeries::Requests => self.selectors.requests(&m),
            BatchSeries::Errors => self.selectors.errors(&m),
            BatchSeries::LatencyBuckets => return Err(Error::NoLatencyMetric),
        };
        checked(format!("sum(increase({selector}[{w}]))"))
    }

    /// Failed / all requests of the revision; 0 (not "no data") when the error series
    /// does not exist yet, NaN without traffic.
    ///
    /// # Errors
    /// As [`QueryBuilder::request_rate`].
    pub fn error_ratio(&self, rev: &RevisionRef, window: Duration) -> Result<String> {
        self.ratio(rev, window, "")
    }

    /// `histogram_quantile(q, sum by (le) (rate(buckets[window])))`.
    ///
    /// # Errors
    /// [`Error::NoLatencyMetric`] when the preset has no histogram,
    /// [`Error::InvalidQuantile`], and as [`QueryBuilder::request_rate`].
    pub fn latency_quantile(&self, rev: &RevisionRef, q: f64, window: Duration) -> Result<String> {
        self.quantile(rev, q, window, "")
    }

    /// One latency query per configured quantile, paired with its quantile.
    ///
    /// # Errors
    /// As [`QueryBuilder::latency_quantile`].
    pub fn latency_quantiles(
        &self,
        rev: &RevisionRef,
        window: Duration,
    ) -> Result<Vec<(f64, String)>> {
        self.quantiles
            .iter()
            .map(|q| Ok((*q, self.latency_quantile(rev, *q, window)?)))
            .collect()
    }

    /// The revision's share of the requests of all `revisions` (which should include
    /// it): `(sum(rate(req{rev})) or vector(0)) / sum(rate(req{any of revisions}))`.
    /// A revision without traffic reads 0.
    ///
    /// # Errors
    /// As [`QueryBuilder::request_rate`]; [`Error::NoRevisions`] for an empty list.
    pub fn traffic_share(
        &self,
        rev: &RevisionRef,
        revisions: &[RevisionRef],
        window: Duration,
    ) -> Result<String> {
        let one = self.join.revision_matchers(rev)?;
        let all = self.join.revisions_matchers(revisions)?;
        let w = promql_duration(window)?;
        checked(format!(
            "(sum(rate({}[{w}])) or vector(0)) / sum(rate({}[{w}]))",
            self.selectors.requests(&one),
            self.selectors.requests(&all)
        ))
    }

    /// Series selector for `/api/v1/query_exemplars`: the histogram buckets (where
    /// exemplars are attached), or the request counter when the preset has no histogram.
    ///
    /// # Errors
    /// Join errors.
    pub fn exemplar_selector(&self, rev: &RevisionRef) -> Result<String> {
        let m = self.join.revision_matchers(rev)?;
        let selector = self
            .selectors
            .latency_bucket(&m)
            .unwrap_or_else(|| self.selectors.requests(&m));
        checked(selector)
    }

    /// Per-pod values of `kind` over `window`, for `query_range` with `step == window`
    /// (see the module docs).
    ///
    /// # Errors
    /// As the aggregate builders.
    pub fn pod_samples(
        &self,
        rev: &RevisionRef,
        kind: SampleKind,
        window: Duration,
    ) -> Result<String> {
        let pod = super::join::valid_label_name(&self.join.pod_label)?;
        match kind {
            SampleKind::RequestRate => {
                let m = self.join.revision_matchers(rev)?;
                let w = promql_duration(window)?;
                checked(format!(
                    "sum by ({pod}) (rate({}[{w}]))",
                    self.selectors.requests(&m)
                ))
            }
            SampleKind::ErrorRatio => self.ratio(rev, window, pod),
            SampleKind::LatencyQuantile(q) => self.quantile(rev, q, window, pod),
        }
    }

    /// The labels batch queries group by: the namespace label (when set) and the label
    /// that tells revisions apart (the pod label, hash label or version label).
    ///
    /// # Errors
    /// [`Error::InvalidLabelName`] for a configured label Prometheus would reject.
    pub fn batch_labels(&self) -> Result<Vec<&str>> {
        let key = match &self.join.mode {
            JoinMode::Pod => &self.join.pod_label,
            JoinMode::PodTemplateHash { label } | JoinMode::Version { label } => label,
        };
        let mut out = Vec::new();
        if !self.join.namespace_label.is_empty() {
            out.push(super::join::valid_label_name(&self.join.namespace_label)?);
        }
        out.push(super::join::valid_label_name(key)?);
        Ok(out)
    }

    /// `sum by (<batch labels>[, le]) (rate(<series>{any of revs}[window]))`: one query
    /// for many revisions (of many rollouts); the caller tells the result series apart
    /// by the [`QueryBuilder::batch_labels`].
    ///
    /// # Errors
    /// Join errors, [`Error::NoLatencyMetric`] for buckets without histogram,
    /// [`Error::InvalidWindow`].
    pub fn batch_rate(
        &self,
        revs: &[RevisionRef],
        series: BatchSeries,
        window: Duration,
    ) -> Result<String> {
        let m = self.join.revisions_matchers(revs)?;
        let w = promql_duration(window)?;
        let mut by = self.batch_labels()?.join(", ");
        let selector = match series {
            BatchSeries::Requests => self.selectors.requests(&m),
            BatchSeries::Errors => self.selectors.errors(&m),
            BatchSeries::LatencyBuckets => {
                by.push_str(", le");
                self.selectors
                    .latency_bucket(&m)
                    .ok_or(Error::NoLatencyMetric)?
            }
        };
        checked(format!("sum by ({by}) (rate({selector}[{w}]))"))
    }

    fn ratio(&self, rev: &RevisionRef, window: Duration, by: &str) -> Result<String> {
        let m = self.join.revision_matchers(rev)?;
        let w = promql_duration(window)?;
        let agg = if by.is_empty() {
            "sum".to_string()
        } else {
            format!("sum by ({by})")
        };
        let req = format!("{agg} (rate({}[{w}]))", self.selectors.requests(&m));
        let err = format!("{agg} (rate({}[{w}]))", self.selectors.errors(&m));
        checked(format!("({err} or {req} * 0) / {req}"))
    }

    fn quantile(&self, rev: &RevisionRef, q: f64, window: Duration, by: &str) -> Result<String> {
        check_quantile(q)?;
        let m = self.join.revision_matchers(rev)?;
        let w = promql_duration(window)?;
        let bucket = self
            .selectors
            .latency_bucket(&m)
            .ok_or(Error::NoLatencyMetric)?;
        let by = if by.is_empty() {
            "le".to_string()
        } else {
            format!("{by}, le")
        };
        checked(format!(
            "histogram_quantile({q}, sum by ({by}) (rate({bucket}[{w}])))"
        ))
    }
}

/// A rate window that always holds enough scrapes: `max(step + scrape, 4 * scrape)`
/// (Grafana's `$__rate_interval` rule).
#[must_use]
pub fn rate_interval(step: Duration, scrape_interval: Duration) -> Duration {
    (step + scrape_interval).max(scrape_interval * 4)
}

/// A PromQL duration literal: `90s`, `1500ms`.
///
/// # Errors
/// [`Error::InvalidWindow`] below one millisecond.
pub fn promql_duration(d: Duration) -> Result<String> {
    let ms = d.as_millis();
    if ms == 0 {
        return Err(Error::InvalidWindow);
    }
    Ok(if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    })
}

fn check_quantile(q: f64) -> Result<()> {
    if (0.0..=1.0).contains(&q) {
        Ok(())
    } else {
        Err(Error::InvalidQuantile(q))
    }
}

fn checked(query: String) -> Result<String> {
    match parser::parse(&query) {
        Ok(_) => Ok(query),
        Err(message) => Err(Error::BuiltQueryInvalid { query, message }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promql_parser::label::MatchOp;
    use promql_parser::parser::Expr;

    fn rev(rs: &str, hash: &str) -> RevisionRef {
        RevisionRef {
            namespace: "argo-demo".into(),
            rollout: "canary-demo".into(),
            replica_set: rs.into(),
            pod_template_hash: hash.into(),
            revision: "2".into(),
            version: Some("v1".into()),
        }
    }

    fn canary() -> RevisionRef {
        rev("canary-demo-65fb5ffc84", "65fb5ffc84")
    }

    fn stable() -> RevisionRef {
        rev("canary-demo-877894d5b", "877894d5b")
    }

    fn builder() -> QueryBuilder {
        QueryBuilder::new(JoinConfig::default(), &MetricPreset::OpenTelemetry).unwrap()
    }

    fn all_queries(b: &QueryBuilder, r: &RevisionRef) -> Vec<String> {
        let w = Duration::from_secs(60);
        let mut out = vec![
            b.request_rate(r, w).unwrap(),
            b.error_ratio(r, w).unwrap(),
            b.traffic_share(r, &[canary(), stable(), r.clone()], w)
                .unwrap(),
            b.exemplar_selector(r).unwrap(),
            b.pod_samples(r, SampleKind::RequestRate, w).unwrap(),
            b.pod_samples(r, SampleKind::ErrorRatio, w).unwrap(),
            b.pod_samples(r, SampleKind::LatencyQuantile(0.9), w)
                .unwrap(),
        ];
        out.extend(
            b.latency_quantiles(r, w)
                .unwrap()
                .into_iter()
                .map(|(_, q)| q),
        );
        out
    }

    #[test]
    fn every_built_query_parses_for_every_preset_and_join_mode() {
        let presets = [
            MetricPreset::OpenTelemetry,
            MetricPreset::prometheus_client(),
            MetricPreset::ArgoDemo,
        ];
        let modes = [
            JoinMode::Pod,
            JoinMode::pod_template_hash(),
            JoinMode::Version {
                label: "version".into(),
            },
        ];
        for preset in &presets {
            for mode in &modes {
                let join = JoinConfig {
                    mode: mode.clone(),
                    ..JoinConfig::default()
                };
                let b = QueryBuilder::new(join, preset).unwrap();
                for q in all_queries(&b, &canary()) {
                    assert!(parser::parse(&q).is_ok(), "{q}");
                }
            }
        }
    }

    #[test]
    fn request_rate_sums_the_rate_of_the_revision_counter() {
        let q = builder()
            .request_rate(&canary(), Duration::from_secs(90))
            .unwrap();
        assert_eq!(
            q,
            r#"sum(rate(http_server_request_duration_seconds_count{namespace="argo-demo",pod=~"canary-demo-65fb5ffc84-.*"}[90s]))"#
        );
    }

    #[test]
    fn latency_quantiles_default_to_median_p90_and_p99() {
        let qs = builder()
            .latency_quantiles(&canary(), Duration::from_millis(1500))
            .unwrap();
        let got: Vec<f64> = qs.iter().map(|(q, _)| *q).collect();
        assert_eq!(got, vec![0.5, 0.9, 0.99]);
        assert!(qs[2]
            .1
            .starts_with("histogram_quantile(0.99, sum by (le) (rate("));
        assert!(qs[2].1.ends_with("[1500ms])))"), "{}", qs[2].1);
        assert!(builder().with_quantiles(vec![1.5]).is_err());
        assert!(builder().with_quantiles(vec![f64::NAN]).is_err());
    }

    #[test]
    fn hostile_names_survive_escaping_and_parse_back_to_the_same_values() {
        let hostile = RevisionRef {
            namespace: "ns\"with\\quotes".into(),
            replica_set: "web.v1+(x)|[y]{z}^$*?\"\\".into(),
            pod_template_hash: "h\"\\".into(),
            ..canary()
        };
        let q = builder().exemplar_selector(&hostile).unwrap();
        let Ok(Expr::VectorSelector(vs)) = parser::parse(&q) else {
            panic!("not a selector: {q}");
        };
        let ns = vs
            .matchers
            .matchers
            .iter()
            .find(|m| m.name == "namespace")
            .unwrap();
        assert_eq!(ns.value, "ns\"with\\quotes");
        let pod = vs
            .matchers
            .matchers
            .iter()
            .find(|m| m.name == "pod")
            .unwrap();
        let MatchOp::Re(re) = &pod.op else {
            panic!("pod matcher is not a regex")
        };
        // Prometheus anchors label regexes; the pod of this ReplicaSet matches, a pod of
        // a look-alike name does not.
        let anchored = regex::Regex::new(&format!("^(?:{})$", re.as_str())).unwrap();
        assert!(anchored.is_match("web.v1+(x)|[y]{z}^$*?\"\\-abcde"));
        assert!(!anchored.is_match("webXv1+(x)|[y]{z}^$*?\"\\-abcde"));
        for q in all_queries(&builder(), &hostile) {
            assert!(parser::parse(&q).is_ok(), "{q}");
        }
    }

    #[test]
    fn presets_without_histogram_refuse_latency_but_still_give_exemplar_selectors() {
        let preset = MetricPreset::Custom {
            requests: "jobs_total{$__revision}".into(),
            errors: "jobs_failed_total{$__revision}".into(),
            latency_bucket: None,
        };
        let b = QueryBuilder::new(JoinConfig::default(), &preset).unwrap();
        assert!(matches!(
            b.latency_quantile(&canary(), 0.5, Duration::from_secs(60)),
            Err(Error::NoLatencyMetric)
        ));
        assert!(b
            .exemplar_selector(&canary())
            .unwrap()
            .starts_with("jobs_total{"));
    }

    #[test]
    fn batch_queries_group_by_namespace_and_the_revision_label() {
        let q = builder()
            .batch_rate(
                &[canary(), stable()],
                BatchSeries::LatencyBuckets,
                Duration::from_secs(60),
            )
            .unwrap();
        assert_eq!(
            q,
            r#"sum by (namespace, pod, le) (rate(http_server_request_duration_seconds_bucket{namespace="argo-demo",pod=~"(?:canary-demo-65fb5ffc84-|canary-demo-877894d5b-).*"}[60s]))"#
        );
        let hash = QueryBuilder::new(
            JoinConfig {
                mode: JoinMode::pod_template_hash(),
                namespace_label: String::new(),
                ..JoinConfig::default()
            },
            &MetricPreset::OpenTelemetry,
        )
        .unwrap();
        assert_eq!(hash.batch_labels().unwrap(), ["rollouts_pod_template_hash"]);
        assert!(hash
            .batch_rate(&[canary()], BatchSeries::Errors, Duration::from_secs(60))
            .unwrap()
            .starts_with("sum by (rollouts_pod_template_hash) (rate("));
    }

    #[test]
    fn durations_render_as_promql_literals() {
        assert_eq!(promql_duration(Duration::from_secs(300)).unwrap(), "300s");
        assert_eq!(
            promql_duration(Duration::from_millis(2500)).unwrap(),
            "2500ms"
        );
        assert!(promql_duration(Duration::ZERO).is_err());
        assert_eq!(
            rate_interval(Duration::from_secs(15), Duration::from_secs(15)),
            Duration::from_secs(60)
        );
        assert_eq!(
            rate_interval(Duration::from_secs(120), Duration::from_secs(15)),
            Duration::from_secs(135)
        );
    }
}
