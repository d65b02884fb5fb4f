//! Per-metric judging configuration: direction, tolerance, confidence, sample minimum,
//! outlier factor, effect-size gates and criticality, with Kayenta's defaults.

use super::AnalysisError;

/// Which change of the canary counts as a regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Higher is worse (latency, error rate): only `High` fails.
    Increase,
    /// Lower is worse (throughput, success rate): only `Low` fails.
    Decrease,
    /// Any significant change fails.
    #[default]
    Either,
}

impl Direction {
    pub(crate) fn flags_high(self) -> bool {
        matches!(self, Self::Increase | Self::Either)
    }

    pub(crate) fn flags_low(self) -> bool {
        matches!(self, Self::Decrease | Self::Either)
    }
}

/// How the size of a change is measured for the effect-size gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EffectSizeMeasure {
    /// `mean(experiment) / mean(control)`; undefined (gate skipped) when either mean is 0.
    /// Neutral value 1.0. Kayenta's default.
    #[default]
    MeanRatio,
    /// Common-language effect size: probability that a random experiment value exceeds a
    /// random control value (ties count 1/2). Neutral value 0.5.
    Cles,
}

impl EffectSizeMeasure {
    /// The value meaning "no effect".
    pub fn neutral(self) -> f64 {
        match self {
            Self::MeanRatio => 1.0,
            Self::Cles => 0.5,
        }
    }
}

/// Effect-size gates (Kayenta's `effectSize` block). A statistically significant change is
/// `High` only if the effect size is `>= allowed_increase` (`Low`: `<= allowed_decrease`),
/// and fails a critical metric's whole verdict only beyond `critical_increase` /
/// `critical_decrease`. The defaults (the neutral value everywhere) disable the gates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffectSizeGate {
    pub measure: EffectSizeMeasure,
    pub allowed_increase: f64,
    pub allowed_decrease: f64,
    pub critical_increase: f64,
    pub critical_decrease: f64,
}

impl Default for EffectSizeGate {
    fn default() -> Self {
        Self::neutral(EffectSizeMeasure::MeanRatio)
    }
}

impl EffectSizeGate {
    /// Gates that never block a classification.
    pub fn neutral(measure: EffectSizeMeasure) -> Self {
        let n = measure.neutral();
        Self {
            measure,
            allowed_increase: n,
            allowed_decrease: n,
            critical_increase: n,
            critical_decrease: n,
        }
    }

    /// Mean-ratio gates: e.g. `mean_ratio(0.9, 1.1)` ignores changes of the mean within 10%.
    pub fn mean_ratio(allowed_decrease: f64, allowed_increase: f64) -> Self {
        Self {
            allowed_decrease,
            allowed_increase,
            ..Self::neutral(EffectSizeMeasure::MeanRatio)
        }
    }

    /// Sets the thresholds beyond which a critical metric fails the whole verdict.
    #[must_use]
    pub fn critical(mut self, critical_decrease: f64, critical_increase: f64) -> Self {
        self.critical_decrease = critical_decrease;
        self.critical_increase = critical_increase;
        self
    }
}

/// How one metric is judged. Defaults follow Kayenta's NetflixACAJudge.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricConfig {
    pub direction: Direction,
    /// Tolerance band as a fraction of the Hodges-Lehmann shift estimate (Kayenta's rule):
    /// the canary is `High` only if the lower confidence bound of the shift exceeds
    /// `tolerance * |estimate|`. 0 means "any significant shift"; default 0.25.
    pub tolerance: f64,
    /// Two-sided confidence level of the shift interval; default 0.98.
    pub confidence: f64,
    /// Fewer finite samples than this on either side (after outlier removal) is `NoData`;
    /// default 10.
    pub min_samples: usize,
    /// IQR outlier factor; `None` keeps every value. Default 3.0.
    pub outlier_factor: Option<f64>,
    pub effect_size: EffectSizeGate,
    /// A critical metric that fails (or has no data) fails the whole verdict.
    pub critical: bool,
    /// Missing data counts as a failure of this metric (Kayenta's `mustHaveData`).
    pub must_have_data: bool,
    /// Scoring group (Kayenta's metric groups); `None` joins the group `"default"`.
    pub group: Option<String>,
}

impl Default for MetricConfig {
    fn default() -> Self {
        Self {
            direction: Direction::Either,
            tolerance: 0.25,
            confidence: 0.98,
            min_samples: 10,
            outlier_factor: Some(3.0),
            effect_size: EffectSizeGate::default(),
            critical: false,
            must_have_data: false,
            group: None,
        }
    }
}

impl MetricConfig {
    /// Default configuration with a direction.
    pub fn new(direction: Direction) -> Self {
        Self {
            direction,
            ..Self::default()
        }
    }

    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    #[must_use]
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    #[must_use]
    pub fn min_samples(mut self, min_samples: usize) -> Self {
        self.min_samples = min_samples;
        self
    }

    #[must_use]
    pub fn outlier_factor(mut self, factor: Option<f64>) -> Self {
        self.outlier_factor = factor;
        self
    }

    #[must_use]
    pub fn effect_size(mut self, gate: EffectSizeGate) -> Self {
        self.effect_size = gate;
        self
    }

    #[must_use]
    pub fn critical(mut self, critical: bool) -> Self {
        self.critical = critical;
        self
    }

    #[must_use]
    pub fn must_have_data(mut self, must_have_data: bool) -> Self {
        self.must_have_data = must_have_data;
        self
    }

    #[must_use]
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// Checks the numeric settings.
    ///
    /// # Errors
    /// [`AnalysisError::InvalidMetricConfig`] naming the metric and the setting.
    pub fn validate(&self, metric: &str) -> Result<(), AnalysisError> {
        let invalid = |setting: &'static str, value: f64| AnalysisError::InvalidMetricConfig {
            metric: metric.to_owned(),
            setting,
            value,
        };
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(invalid(
                "confidence (must be between 0 and 1)",
                self.confidence,
            ));
        }
        if !(self.tolerance >= 0.0 && self.tolerance.is_finite()) {
            return Err(invalid(
                "tolerance (must be a finite number >= 0)",
                self.tolerance,
            ));
        }
        if let Some(factor) = self.outlier_factor {
            if !(factor > 0.0 && factor.is_finite()) {
                return Err(invalid(
                    "outlier factor (must be a finite number > 0)",
                    factor,
                ));
            }
        }
        let gate = &self.effect_size;
        for (setting, value) in [
            ("effect size allowed increase", gate.allowed_increase),
            ("effect size allowed decrease", gate.allowed_decrease),
            ("effect size critical increase", gate.critical_increase),
            ("effect size critical decrease", gate.critical_decrease),
        ] {
            if !value.is_finite() {
                return Err(invalid(setting, value));
            }
        }
        Ok(())
    }
}

/// Names of the two sides in sentences: "canary"/"stable" by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub control: String,
    pub experiment: String,
}

impl Default for Labels {
    fn default() -> Self {
        Self {
            control: "stable".into(),
            experiment: "canary".into(),
        }
    }
}

impl Labels {
    /// "preview" vs "active", for blue-green rollouts.
    pub fn blue_green() -> Self {
        Self {
            control: "active".into(),
            experiment: "preview".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_kayenta() {
        let config = MetricConfig::default();
        assert_eq!(config.tolerance, 0.25);
        assert_eq!(config.confidence, 0.98);
        assert_eq!(config.outlier_factor, Some(3.0));
        assert_eq!(config.effect_size.allowed_increase, 1.0);
        assert!(config.validate("m").is_ok());
    }

    #[test]
    fn validation_names_the_metric_and_the_bad_setting() {
        let err = MetricConfig::default()
            .confidence(1.0)
            .validate("p99 latency")
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("p99 latency") && text.contains("confidence"),
            "{text}"
        );
        assert!(MetricConfig::default()
            .tolerance(-0.1)
            .validate("m")
            .is_err());
        assert!(MetricConfig::default()
            .outlier_factor(Some(0.0))
            .validate("m")
            .is_err());
        let gate = EffectSizeGate::mean_ratio(0.9, f64::NAN);
        assert!(MetricConfig::default()
            .effect_size(gate)
            .validate("m")
            .is_err());
    }

    #[test]
    fn direction_decides_which_side_is_flagged() {
        assert!(Direction::Increase.flags_high() && !Direction::Increase.flags_low());
        assert!(!Direction::Decrease.flags_high() && Direction::Decrease.flags_low());
        assert!(Direction::Either.flags_high() && Direction::Either.flags_low());
    }
}
