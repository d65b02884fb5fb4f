//! Classification of one metric, canary (experiment) against stable (control), following
//! Kayenta's Mann-Whitney classifier, plus the sentence explaining the outcome.
//!
//! Steps: drop non-finite values; remove IQR outliers per side; too few samples → `NoData`;
//! identical samples or a single value overall → `Pass`; otherwise compute the
//! Hodges-Lehmann shift `experiment - control` with its confidence interval and classify
//! `High` when the interval's lower bound exceeds `tolerance * |shift|` (`Low`: upper bound
//! below `-tolerance * |shift|`), if the direction flags that side and the effect-size gate
//! agrees. "Bound beyond the edge" is decided by the tie-corrected Mann-Whitney test of the
//! shift right at the edge, which is what the interval inverts and stays right when many
//! values tie there (zero-inflated error counts). Kayenta's own classifier test suite is
//! replayed in `tests/analysis_reference.rs`. Unlike Kayenta, constant samples get no random noise: the interval is then
//! exactly the difference of the constants, so the result is deterministic.

use super::config::{Direction, EffectSizeMeasure, Labels, MetricConfig};
use super::hodges_lehmann::{shift_sorted, ShiftEstimate};
use super::mann_whitney::{
    sorted_finite, test_sorted, test_sorted_shifted, Alternative, ExactDistribution, Method,
    TestOptions,
};
use super::outliers::{percentile_sorted, trim_sorted};

/// One metric's samples. Control is stable (or active), experiment is canary (or preview).
#[derive(Debug, Clone, Copy)]
pub struct MetricSamples<'a> {
    pub name: &'a str,
    pub control: &'a [f64],
    pub experiment: &'a [f64],
}

/// Kayenta's metric classification labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classification {
    Pass,
    /// Experiment significantly higher than control.
    High,
    /// Experiment significantly lower than control.
    Low,
    /// Too few samples: not scored (never counted as a pass).
    NoData,
    /// Too few samples for a metric configured with `must_have_data`: scored as a failure.
    MissingRequiredData,
}

/// The coarse status of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricStatus {
    Pass,
    Fail,
    NoData,
}

impl Classification {
    pub fn status(self) -> MetricStatus {
        match self {
            Self::Pass => MetricStatus::Pass,
            Self::High | Self::Low | Self::MissingRequiredData => MetricStatus::Fail,
            Self::NoData => MetricStatus::NoData,
        }
    }
}

/// Everything learned about one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricResult {
    pub name: String,
    pub classification: Classification,
    /// This result fails the whole verdict (critical metric that failed or had no data).
    pub critical_failure: bool,
    pub group: String,
    /// Samples used, after dropping non-finite values and outliers.
    pub control_n: usize,
    pub experiment_n: usize,
    /// Outliers removed.
    pub removed_control: usize,
    pub removed_experiment: usize,
    /// NaN/infinite values dropped.
    pub non_finite_control: usize,
    pub non_finite_experiment: usize,
    pub control_median: Option<f64>,
    pub experiment_median: Option<f64>,
    pub control_mean: Option<f64>,
    pub experiment_mean: Option<f64>,
    /// `(experiment_median - control_median) / |control_median|`.
    pub relative_difference: Option<f64>,
    /// Two-sided Mann-Whitney p-value.
    pub p_value: Option<f64>,
    /// Mann-Whitney U of the experiment sample.
    pub u_statistic: Option<f64>,
    /// Effect size in the configured measure (`None` when undefined).
    pub effect_size: Option<f64>,
    /// Hodges-Lehmann shift `experiment - control` with its confidence interval.
    pub shift: Option<ShiftEstimate>,
    /// Human sentence explaining the classification.
    pub reason: String,
}

impl MetricResult {
    pub fn status(&self) -> MetricStatus {
        self.classification.status()
    }

    /// `(lower, upper)` of the shift's confidence interval.
    pub fn confidence_interval(&self) -> Option<(f64, f64)> {
        self.shift.map(|s| (s.lower, s.upper))
    }
}

/// Classifies one metric. The config is assumed valid ([`MetricConfig::validate`]).
pub fn classify(
    samples: &MetricSamples<'_>,
    config: &MetricConfig,
    labels: &Labels,
) -> MetricResult {
    let control_all = sorted_finite(samples.control);
    let experiment_all = sorted_finite(samples.experiment);
    let (control, experiment) = match config.outlier_factor {
        Some(factor) => (
            trim_sorted(&control_all, factor),
            trim_sorted(&experiment_all, factor),
        ),
        None => (&control_all[..], &experiment_all[..]),
    };
    let median = |s: &[f64]| (!s.is_empty()).then(|| percentile_sorted(s, 50.0));
    let control_median = median(control);
    let experiment_median = median(experiment);
    let relative_difference = match (control_median, experiment_median) {
        (Some(c), Some(e)) if c != 0.0 => Some((e - c) / c.abs()),
        _ => None,
    };
    let mut result = MetricResult {
        name: samples.name.to_owned(),
        classification: Classification::Pass,
        critical_failure: false,
        group: config.group.clone().unwrap_or_else(|| "default".to_owned()),
        control_n: control.len(),
        experiment_n: experiment.len(),
        removed_control: control_all.len() - control.len(),
        removed_experiment: experiment_all.len() - experiment.len(),
        non_finite_control: samples.control.len() - control_all.len(),
        non_finite_experiment: samples.experiment.len() - experiment_all.len(),
        control_median,
        experiment_median,
        control_mean: mean(control),
        experiment_mean: mean(experiment),
        relative_difference,
        p_value: None,
        u_statistic: None,
        effect_size: None,
        shift: None,
        reason: String::new(),
    };
    let counts = format!(
        "{} vs {} samples",
        thousands(experiment.len()),
        thousands(control.len())
    );
    let needed = config.min_samples.max(1);
    if control.len() < needed || experiment.len() < needed {
        result.classification = if config.must_have_data && !config.critical {
            Classification::MissingRequiredData
        } else {
            Classification::NoData
        };
        result.critical_failure = config.critical;
        result.reason = format!(
            "not enough data for {}: {} has {}, {} has {} (at least {} needed on each side)",
            samples.name,
            labels.experiment,
            plural(experiment.len(), "sample"),
            labels.control,
            plural(control.len(), "sample"),
            needed
        );
        return result;
    }
    if control == experiment {
        result.reason = format!(
            "{} and {} {} samples are identical ({counts})",
            labels.experiment, labels.control, samples.name
        );
        return result;
    }
    let options = TestOptions::default();
    let Some(test) = test_sorted(experiment, control, options) else {
        return result; // unreachable: both sides are non-empty here
    };
    result.p_value = Some(test.p_value);
    result.u_statistic = Some(test.u);
    let exact = match test.method {
        Method::Exact => ExactDistribution::new(experiment.len(), control.len()),
        _ => None,
    };
    let shift = shift_sorted(
        experiment,
        control,
        config.confidence,
        test.tie_term,
        exact.as_ref(),
    );
    result.shift = shift;
    let gate = &config.effect_size;
    let effect = match gate.measure {
        EffectSizeMeasure::MeanRatio => mean_ratio(control, experiment),
        EffectSizeMeasure::Cles => Some(test.common_language_effect_size()),
    };
    result.effect_size = effect;
    let Some(shift) = shift else {
        return result;
    };
    // Kayenta's rule: High when the interval's lower bound is above the band edge, i.e.
    // when the one-sided test of "shift = band" still rejects at the interval's level.
    // Testing right at the edge (rather than comparing to the order statistic) keeps ties
    // at the edge correct: zero-inflated data whose interval starts at exactly 0 is still
    // significantly higher when the test at 0 says so, as in Kayenta.
    let band = config.tolerance * shift.estimate.abs();
    let half_alpha = (1.0 - config.confidence) / 2.0;
    let rejects = |edge: f64, alternative: Alternative| {
        test_sorted_shifted(experiment, control, edge, options.alternative(alternative))
            .is_some_and(|t| t.p_value <= half_alpha)
    };
    let beyond_high = rejects(band, Alternative::Greater);
    let beyond_low = !beyond_high && rejects(-band, Alternative::Less);
    let significant = test.p_value <= 1.0 - config.confidence;
    let gate_high = effect.is_none_or(|e| e >= gate.allowed_increase);
    let gate_low = effect.is_none_or(|e| e <= gate.allowed_decrease);
    let higher = if beyond_high || beyond_low {
        beyond_high
    } else {
        test.common_language_effect_size() > 0.5
    };
    let change = describe_change(samples.name, &result, higher, labels);
    let evidence = format!("{}; {counts}", format_p(test.p_value));
    let (classification, reason) = if beyond_high && config.direction.flags_high() && gate_high {
        (Classification::High, format!("{change} ({evidence})"))
    } else if beyond_low && config.direction.flags_low() && gate_low {
        (Classification::Low, format!("{change} ({evidence})"))
    } else if (beyond_high && config.direction.flags_high())
        || (beyond_low && config.direction.flags_low())
    {
        let e = effect.unwrap_or(f64::NAN);
        (
            Classification::Pass,
            format!(
                "{change}, within the allowed effect size ({} {e:.3}; {evidence})",
                measure_name(gate.measure)
            ),
        )
    } else if beyond_high || beyond_low {
        let verdict = if config.direction == Direction::Increase {
            "lower is fine"
        } else {
            "higher is fine"
        };
        (
            Classification::Pass,
            format!("{change}, not a regression for this metric ({verdict}; {evidence})"),
        )
    } else if significant {
        (
            Classification::Pass,
            format!("{change}, within tolerance ({evidence})"),
        )
    } else {
        (
            Classification::Pass,
            format!(
                "no significant difference in {} between {} and {} ({evidence})",
                samples.name, labels.experiment, labels.control
            ),
        )
    };
    result.classification = classification;
    result.reason = reason;
    let critical_gate = match classification {
        Classification::High => effect.is_none_or(|e| e >= gate.critical_increase),
        Classification::Low => effect.is_none_or(|e| e <= gate.critical_decrease),
        _ => false,
    };
    result.critical_failure = config.critical && critical_gate;
    result
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Kayenta's mean ratio: undefined when either mean is 0.
fn mean_ratio(control: &[f64], experiment: &[f64]) -> Option<f64> {
    let (c, e) = (mean(control)?, mean(experiment)?);
    (c != 0.0 && e != 0.0 && c.is_finite() && e.is_finite()).then(|| e / c)
}

fn measure_name(measure: EffectSizeMeasure) -> &'static str {
    match measure {
        EffectSizeMeasure::MeanRatio => "mean ratio",
        EffectSizeMeasure::Cles => "common-language effect size",
    }
}

/// "canary p99 latency is 38% higher than stable", from the medians when they moved in
/// the direction found, else from the means.
fn describe_change(name: &str, result: &MetricResult, higher: bool, labels: &Labels) -> String {
    let word = if higher { "higher" } else { "lower" };
    let (exp, ctrl) = (&labels.experiment, &labels.control);
    let percent = |rel: f64| {
        let pct = rel.abs() * 100.0;
        if pct >= 10.0 {
            format!("{pct:.0}%")
        } else {
            format!("{pct:.1}%")
        }
    };
    if let Some(rel) = result.relative_difference {
        if rel != 0.0 && (rel > 0.0) == higher {
            return format!("{exp} {name} is {} {word} than {ctrl}", percent(rel));
        }
    }
    match (result.experiment_mean, result.control_mean) {
        (Some(e), Some(c)) if c != 0.0 && (e > c) == higher && e != c => {
            let pct = percent((e - c) / c.abs());
            format!("{exp} {name} is {pct} {word} than {ctrl} on average")
        }
        (Some(e), Some(c)) => {
            format!("{exp} {name} is {word} than {ctrl} (mean {e:.4} vs {c:.4})")
        }
        _ => format!("{exp} {name} is {word} than {ctrl}"),
    }
}

fn format_p(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_owned()
    } else if p < 0.01 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

fn plural(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", thousands(n))
}

/// `1234567` → `"1,234,567"`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::config::EffectSizeGate;

    fn noise(n: usize, seed: u64, center: f64, spread: f64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                center + spread * ((s >> 11) as f64 / (1_u64 << 53) as f64 - 0.5)
            })
            .collect()
    }

    fn run(control: &[f64], experiment: &[f64], config: &MetricConfig) -> MetricResult {
        let samples = MetricSamples {
            name: "p99 latency",
            control,
            experiment,
        };
        classify(&samples, config, &Labels::default())
    }

    #[test]
    fn a_large_increase_in_latency_is_high_with_a_readable_reason() {
        let control = noise(200, 1, 100.0, 20.0);
        let experiment = noise(150, 2, 138.0, 20.0);
        let r = run(
            &control,
            &experiment,
            &MetricConfig::new(Direction::Increase),
        );
        assert_eq!(r.classification, Classification::High);
        assert_eq!(r.status(), MetricStatus::Fail);
        let pct = r.relative_difference.expect("medians") * 100.0;
        assert!((30.0..50.0).contains(&pct), "{pct}");
        let want = format!(
            "canary p99 latency is {pct:.0}% higher than stable (p < 0.001; 150 vs 200 samples)"
        );
        assert_eq!(r.reason, want);
        let (lo, hi) = r.confidence_interval().expect("interval");
        assert!(lo > 30.0 && hi < 46.0, "({lo}, {hi})");
    }

    #[test]
    fn a_decrease_passes_a_metric_where_only_increases_hurt() {
        let control = noise(200, 3, 100.0, 20.0);
        let experiment = noise(200, 4, 60.0, 20.0);
        let r = run(
            &control,
            &experiment,
            &MetricConfig::new(Direction::Increase),
        );
        assert_eq!(r.classification, Classification::Pass);
        assert!(r.reason.contains("not a regression"), "{}", r.reason);
        let either = run(&control, &experiment, &MetricConfig::default());
        assert_eq!(either.classification, Classification::Low);
    }

    #[test]
    fn same_distribution_passes_without_significance() {
        let control = noise(500, 5, 50.0, 10.0);
        let experiment = noise(500, 6, 50.0, 10.0);
        let r = run(&control, &experiment, &MetricConfig::default());
        assert_eq!(r.classification, Classification::Pass);
        assert!(
            r.reason.starts_with("no significant difference"),
            "{}",
            r.reason
        );
        assert!(r.p_value.expect("p") > 0.02);
    }

    #[test]
    fn too_few_samples_is_no_data_and_critical_no_data_fails() {
        let r = run(
            &[1.0, 2.0, 3.0],
            &noise(50, 7, 2.0, 1.0),
            &MetricConfig::default(),
        );
        assert_eq!(r.classification, Classification::NoData);
        assert!(!r.critical_failure);
        assert!(r.reason.contains("stable has 3 samples"), "{}", r.reason);
        let critical = run(&[], &[], &MetricConfig::default().critical(true));
        assert_eq!(critical.status(), MetricStatus::NoData);
        assert!(critical.critical_failure);
        let required = run(&[], &[1.0], &MetricConfig::default().must_have_data(true));
        assert_eq!(required.classification, Classification::MissingRequiredData);
        assert_eq!(required.status(), MetricStatus::Fail);
    }

    #[test]
    fn non_finite_values_and_outliers_are_counted_and_removed() {
        let mut control = noise(100, 8, 10.0, 1.0);
        control.extend([f64::NAN, f64::INFINITY, 1e9]);
        let experiment = noise(100, 9, 10.0, 1.0);
        let r = run(&control, &experiment, &MetricConfig::default());
        assert_eq!(
            (r.non_finite_control, r.removed_control, r.control_n),
            (2, 1, 100)
        );
        assert_eq!(r.classification, Classification::Pass);
    }

    #[test]
    fn the_effect_size_gate_lets_small_significant_changes_pass() {
        let control = noise(2000, 10, 100.0, 10.0);
        let experiment = noise(2000, 11, 104.0, 10.0);
        let strict = run(&control, &experiment, &MetricConfig::default());
        assert_eq!(strict.classification, Classification::High);
        let gated = MetricConfig::default().effect_size(EffectSizeGate::mean_ratio(0.9, 1.1));
        let r = run(&control, &experiment, &gated);
        assert_eq!(r.classification, Classification::Pass);
        assert!(
            r.reason.contains("within the allowed effect size"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn a_significant_but_imprecise_shift_passes_within_tolerance() {
        // Evenly spread values shifted by 6: the 90% interval excludes 0 but its lower
        // bound stays under half the estimate, so a 0.5 tolerance band lets it pass.
        let control: Vec<f64> = (0..40).map(f64::from).collect();
        let experiment: Vec<f64> = control.iter().map(|v| v + 6.0).collect();
        let config = MetricConfig::default().tolerance(0.5).confidence(0.9);
        let loose = run(&control, &experiment, &config);
        let shift = loose.shift.expect("shift");
        assert!(
            shift.lower > 0.0 && shift.lower <= 0.5 * shift.estimate,
            "{shift:?}"
        );
        assert_eq!(loose.classification, Classification::Pass);
        assert!(
            loose.reason.contains("within tolerance"),
            "{}",
            loose.reason
        );
    }

    #[test]
    fn constant_but_different_samples_are_classified_deterministically() {
        let r = run(&[1.0; 20], &[2.0; 20], &MetricConfig::default());
        assert_eq!(r.classification, Classification::High);
        assert_eq!(r.relative_difference, Some(1.0));
        let same = run(&[4.0; 20], &[4.0; 30], &MetricConfig::default());
        assert_eq!(same.classification, Classification::Pass);
    }

    #[test]
    fn critical_high_fails_the_metric_only_beyond_the_critical_effect_size() {
        let control = noise(300, 14, 100.0, 10.0);
        let experiment = noise(300, 15, 120.0, 10.0);
        let base = MetricConfig::default().critical(true);
        assert!(run(&control, &experiment, &base).critical_failure);
        let lenient = base.effect_size(EffectSizeGate::default().critical(0.5, 1.5));
        let r = run(&control, &experiment, &lenient);
        assert_eq!(r.classification, Classification::High);
        assert!(!r.critical_failure);
    }

    #[test]
    fn thousands_separators_group_digits_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1240), "1,240");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
