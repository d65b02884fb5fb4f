//! The overall canary verdict: Kayenta's weighted group score and Pass/Marginal/Fail
//! thresholds, with one deliberate difference: metrics without data never count as passes.
//!
//! Order of rules (as Kayenta's `WeightedSumScorer`):
//! 1. every metric without data → outcome `NoData`, score 0 (Kayenta would score 100, or
//!    fail when a critical metric is among them);
//! 2. a critical failure (a critical metric `High`/`Low` beyond its critical effect size, or
//!    without data while others have data) fails the verdict with score 0;
//! 3. at least `max_nodata_share` of the metrics without data → `Fail`, score 0;
//! 4. otherwise each group scores the share of its scored metrics (pass, high, low, missing
//!    required data) that pass; groups without scored metrics are left out (Kayenta counts
//!    them as 100); the score is the weighted mean of group scores, rounded to 2 decimals.
//!    Group weights are percentages; groups without a weight share what is left of 100.

use super::classify::{classify, Classification, MetricResult, MetricSamples, MetricStatus};
use super::config::{Labels, MetricConfig};
use super::AnalysisError;

/// Score thresholds (percent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub pass: f64,
    pub marginal: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            pass: 90.0,
            marginal: 75.0,
        }
    }
}

/// How metrics are combined into a verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeConfig {
    pub thresholds: Thresholds,
    /// Group name → weight in percent.
    pub group_weights: Vec<(String, f64)>,
    /// Share of metrics without data at which the verdict fails; default 0.5.
    pub max_nodata_share: f64,
    pub labels: Labels,
}

impl Default for JudgeConfig {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            group_weights: Vec::new(),
            max_nodata_share: 0.5,
            labels: Labels::default(),
        }
    }
}

impl JudgeConfig {
    #[must_use]
    pub fn thresholds(mut self, pass: f64, marginal: f64) -> Self {
        self.thresholds = Thresholds { pass, marginal };
        self
    }

    #[must_use]
    pub fn group_weight(mut self, group: impl Into<String>, weight: f64) -> Self {
        self.group_weights.push((group.into(), weight));
        self
    }

    #[must_use]
    pub fn labels(mut self, labels: Labels) -> Self {
        self.labels = labels;
        self
    }

    fn validate(&self) -> Result<(), AnalysisError> {
        let Thresholds { pass, marginal } = self.thresholds;
        let in_range = |v: f64| (0.0..=100.0).contains(&v);
        if !(in_range(pass) && in_range(marginal) && marginal <= pass) {
            return Err(AnalysisError::InvalidThresholds { pass, marginal });
        }
        if !(0.0..=1.0).contains(&self.max_nodata_share) {
            return Err(AnalysisError::InvalidNoDataShare(self.max_nodata_share));
        }
        for (group, weight) in &self.group_weights {
            if !(weight.is_finite() && *weight >= 0.0) {
                return Err(AnalysisError::InvalidGroupWeight {
                    group: group.clone(),
                    weight: *weight,
                });
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Marginal,
    Fail,
    NoData,
}

/// Score of one metric group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScore {
    pub name: String,
    /// Percentage of scored metrics that pass; `None` when none could be scored.
    pub score: Option<f64>,
    pub weight: f64,
    pub passed: usize,
    pub scored: usize,
    pub no_data: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// 0..=100.
    pub score: f64,
    pub outcome: Outcome,
    pub metrics: Vec<MetricResult>,
    pub groups: Vec<GroupScore>,
    pub summary: String,
}

/// Judges every metric and combines them into a verdict.
///
/// # Errors
/// [`AnalysisError`] when a metric config or the judge config holds an invalid number;
/// data problems (NaN, too few samples) are never errors.
pub fn judge(
    metrics: &[(MetricSamples<'_>, MetricConfig)],
    config: &JudgeConfig,
) -> Result<Verdict, AnalysisError> {
    config.validate()?;
    for (samples, metric_config) in metrics {
        metric_config.validate(samples.name)?;
    }
    let results: Vec<MetricResult> = metrics
        .iter()
        .map(|(samples, c)| classify(samples, c, &config.labels))
        .collect();
    Ok(score(results, config))
}

fn score(metrics: Vec<MetricResult>, config: &JudgeConfig) -> Verdict {
    let groups = group_scores(&metrics, config);
    let total = metrics.len();
    let no_data = metrics
        .iter()
        .filter(|m| m.classification == Classification::NoData)
        .count();
    let passed = metrics
        .iter()
        .filter(|m| m.status() == MetricStatus::Pass)
        .count();
    let verdict = |score: f64, outcome: Outcome, summary: String| Verdict {
        score,
        outcome,
        summary,
        metrics: metrics.clone(),
        groups: groups.clone(),
    };
    if total == 0 {
        return verdict(0.0, Outcome::NoData, "NoData: no metrics to judge".into());
    }
    // Nothing measured at all (a canary that just started, no traffic): no verdict
    // yet. Kayenta would fail a critical metric without data even then; a canary that
    // has not been looked at cannot have failed, and NoData never counts as a pass.
    if no_data == total {
        let summary = format!("NoData: none of the {} metrics had enough data", total);
        return verdict(0.0, Outcome::NoData, summary);
    }
    if let Some(critical) = metrics.iter().find(|m| m.critical_failure) {
        let summary = format!(
            "Fail: critical metric {} failed: {}",
            critical.name, critical.reason
        );
        return verdict(0.0, Outcome::Fail, summary);
    }
    if no_data as f64 >= config.max_nodata_share * total as f64 {
        let summary = format!(
            "Fail: {no_data} of {total} metrics had no data (limit {:.0}%)",
            config.max_nodata_share * 100.0
        );
        return verdict(0.0, Outcome::Fail, summary);
    }
    let (weighted, weights) = groups
        .iter()
        .filter_map(|g| g.score.map(|s| (s * g.weight, g.weight)))
        .fold((0.0, 0.0), |(a, b), (s, w)| (a + s, b + w));
    let scored: Vec<f64> = groups.iter().filter_map(|g| g.score).collect();
    let raw = if weights > 0.0 {
        weighted / weights
    } else {
        scored.iter().sum::<f64>() / scored.len() as f64
    };
    let score = (raw * 100.0).round() / 100.0;
    let t = config.thresholds;
    let outcome = if score >= t.pass {
        Outcome::Pass
    } else if score >= t.marginal {
        Outcome::Marginal
    } else {
        Outcome::Fail
    };
    let mut summary = format!(
        "{outcome:?}: score {score} ({passed} of {} scored metrics pass",
        total - no_data
    );
    if no_data > 0 {
        summary.push_str(&format!(", {no_data} without data"));
    }
    summary.push(')');
    let failing: Vec<&str> = metrics
        .iter()
        .filter(|m| m.status() == MetricStatus::Fail)
        .map(|m| m.reason.as_str())
        .take(3)
        .collect();
    if !failing.is_empty() {
        summary.push_str("; ");
        summary.push_str(&failing.join("; "));
    }
    verdict(score, outcome, summary)
}

fn group_scores(metrics: &[MetricResult], config: &JudgeConfig) -> Vec<GroupScore> {
    let mut groups: Vec<GroupScore> = Vec::new();
    for m in metrics {
        let index = match groups.iter().position(|g| g.name == m.group) {
            Some(i) => i,
            None => {
                groups.push(GroupScore {
                    name: m.group.clone(),
                    score: None,
                    weight: 0.0,
                    passed: 0,
                    scored: 0,
                    no_data: 0,
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[index];
        match m.status() {
            MetricStatus::Pass => {
                g.passed += 1;
                g.scored += 1;
            }
            MetricStatus::Fail => g.scored += 1,
            MetricStatus::NoData => g.no_data += 1,
        }
    }
    let configured: f64 = config.group_weights.iter().map(|(_, w)| w).sum();
    let weight_of = |name: &str| {
        config
            .group_weights
            .iter()
            .find(|(g, _)| g == name)
            .map(|(_, w)| *w)
    };
    let unweighted = groups
        .iter()
        .filter(|g| weight_of(&g.name).is_none())
        .count();
    let share = if unweighted > 0 {
        ((100.0 - configured) / unweighted as f64).max(0.0)
    } else {
        0.0
    };
    for g in &mut groups {
        g.weight = weight_of(&g.name).unwrap_or(share);
        g.score = (g.scored > 0).then(|| g.passed as f64 / g.scored as f64 * 100.0);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize, seed: u64, center: f64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                center + 10.0 * ((s >> 11) as f64 / (1_u64 << 53) as f64)
            })
            .collect()
    }

    struct Data {
        stable: Vec<f64>,
        same: Vec<f64>,
        worse: Vec<f64>,
    }

    fn data() -> Data {
        Data {
            stable: series(200, 1, 100.0),
            same: series(200, 2, 100.0),
            worse: series(200, 3, 130.0),
        }
    }

    fn m<'a>(name: &'a str, control: &'a [f64], experiment: &'a [f64]) -> MetricSamples<'a> {
        MetricSamples {
            name,
            control,
            experiment,
        }
    }

    #[test]
    fn all_passing_metrics_score_one_hundred() {
        let d = data();
        let metrics = [
            (m("a", &d.stable, &d.same), MetricConfig::default()),
            (m("b", &d.stable, &d.same), MetricConfig::default()),
        ];
        let v = judge(&metrics, &JudgeConfig::default()).expect("valid");
        assert_eq!((v.score, v.outcome), (100.0, Outcome::Pass));
        assert_eq!(v.summary, "Pass: score 100 (2 of 2 scored metrics pass)");
    }

    #[test]
    fn score_is_the_share_of_passing_metrics_and_no_data_is_not_a_pass() {
        let d = data();
        let c = MetricConfig::default;
        let metrics = [
            (m("a", &d.stable, &d.same), c()),
            (m("b", &d.stable, &d.same), c()),
            (m("c", &d.stable, &d.worse), c()),
            (m("d", &[], &[]), c()),
        ];
        let v = judge(&metrics, &JudgeConfig::default()).expect("valid");
        assert_eq!(v.score, 66.67);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.summary
                .contains("2 of 3 scored metrics pass, 1 without data"),
            "{}",
            v.summary
        );
        assert!(v.summary.contains("canary c is"), "{}", v.summary);
    }

    #[test]
    fn all_metrics_without_data_give_no_data_not_pass() {
        let metrics = [
            (m("a", &[1.0], &[2.0]), MetricConfig::default()),
            (m("b", &[], &[]), MetricConfig::default()),
        ];
        let v = judge(&metrics, &JudgeConfig::default()).expect("valid");
        assert_eq!((v.score, v.outcome), (0.0, Outcome::NoData));
        let none = judge(&[], &JudgeConfig::default()).expect("valid");
        assert_eq!(none.outcome, Outcome::NoData);
    }

    #[test]
    fn half_the_metrics_without_data_fails_the_verdict() {
        let d = data();
        let metrics = [
            (m("a", &d.stable, &d.same), MetricConfig::default()),
            (m("b", &[], &[]), MetricConfig::default()),
        ];
        let v = judge(&metrics, &JudgeConfig::default()).expect("valid");
        assert_eq!((v.score, v.outcome), (0.0, Outcome::Fail));
    }

    #[test]
    fn a_critical_failure_fails_the_whole_verdict() {
        let d = data();
        let mut metrics: Vec<_> = (0..9)
            .map(|_| (m("ok", &d.stable, &d.same), MetricConfig::default()))
            .collect();
        metrics.push((
            m("errors", &d.stable, &d.worse),
            MetricConfig::default().critical(true),
        ));
        let v = judge(&metrics, &JudgeConfig::default()).expect("valid");
        assert_eq!((v.score, v.outcome), (0.0, Outcome::Fail));
        assert!(
            v.summary.starts_with("Fail: critical metric errors failed"),
            "{}",
            v.summary
        );
        metrics[9].1.critical = false;
        let v = judge(&metrics, &JudgeConfig::default()).expect("valid");
        assert_eq!((v.score, v.outcome), (90.0, Outcome::Pass));
    }

    #[test]
    fn group_weights_combine_group_scores_as_kayenta() {
        let d = data();
        let metrics = [
            (
                m("lat", &d.stable, &d.worse),
                MetricConfig::default().group("latency"),
            ),
            (
                m("lat2", &d.stable, &d.same),
                MetricConfig::default().group("latency"),
            ),
            (
                m("err", &d.stable, &d.same),
                MetricConfig::default().group("errors"),
            ),
        ];
        // latency 50% weight 30, errors 100% gets the remaining 70 → 15 + 70 = 85.
        let config = JudgeConfig::default().group_weight("latency", 30.0);
        let v = judge(&metrics, &config).expect("valid");
        assert_eq!((v.score, v.outcome), (85.0, Outcome::Marginal));
        let errors = v.groups.iter().find(|g| g.name == "errors").expect("group");
        assert_eq!(errors.weight, 70.0);
    }

    #[test]
    fn invalid_configuration_is_an_error_not_a_panic() {
        let bad = judge(&[], &JudgeConfig::default().thresholds(70.0, 80.0));
        assert!(matches!(bad, Err(AnalysisError::InvalidThresholds { .. })));
        let metrics = [(m("x", &[], &[]), MetricConfig::default().confidence(0.0))];
        assert!(matches!(
            judge(&metrics, &JudgeConfig::default()),
            Err(AnalysisError::InvalidMetricConfig { .. })
        ));
        let weights = JudgeConfig::default().group_weight("g", f64::NAN);
        assert!(judge(&[], &weights).is_err());
    }
}
