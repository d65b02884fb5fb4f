//! Sequential, always-valid canary verdict: a test that may be looked at after every
//! window (every panel refresh) without its false-alarm rate growing past
//! `1 - confidence`, and that says since which window its decision holds.
//!
//! The fixed-horizon judge ([`judge`](super::judge)) answers "is the canary worse, judged
//! on these samples once?". Recomputed at each refresh it is a new test every time, and the
//! chance that one of them fails an A/A canary grows with the number of looks. Here every
//! metric instead keeps two *e-processes* over the windows of the canary: nonnegative
//! supermartingales with expectation at most 1 while their null hypothesis holds. By
//! Ville's inequality such a process ever reaches `1/alpha` with probability at most
//! `alpha`, however often it is looked at and whenever the canary is stopped.
//!
//! * **Error counts** ([`SequentialData::Counts`]): per window, the canary's and stable's
//!   requests and errors. Given a window's errors on both sides, the canary's errors are
//!   binomial with the canary's share `theta = n_c r / (n_c r + n_s)` where `r` is the ratio
//!   of the error ratios (conditional binomial test; load and error bursts shared by both
//!   sides cancel). The *fail* process is a likelihood ratio against `r0 = 1 + tolerance`,
//!   mixed over a grid of worse ratios `r0 * e^d` (`d` from 0.05 to 2.9, equal weights), so
//!   no effect size has to be fixed in advance; it is a supermartingale whenever
//!   `r <= r0` (the binomial has a monotone likelihood ratio). The *pass* process mixes
//!   better ratios `r0 * e^-d` and is a supermartingale whenever `r >= r0`.
//! * **Window values** ([`SequentialData::Values`]), e.g. latency quantiles per pod and
//!   window: per window the share `X` of (canary value, stable value) pairs with the canary
//!   above `stable + tolerance * |stable|`. "Not worse than the tolerance" means
//!   `E[X | past] <= 1/2` (a random canary value is no more likely than not to exceed the
//!   stable value plus tolerance); the fail process bets on `X` with
//!   `prod(1 + lambda (X - 1/2))`, mixed over `lambda` in 0.1..1.9. The pass process bets
//!   the same way on the share of pairs *below* the edge. Distribution-free: nothing is
//!   assumed about the values beyond that null, and a load drift shared by both sides moves
//!   both values of a window together. Ties count against the bet (conservative).
//!
//! Decisions per metric, at every window: `Fail` once the fail process has reached
//! `k / alpha` (`k` metrics: the false-Fail budget `alpha` is split evenly, so an A/A
//! canary fails through *any* metric with probability at most `alpha`); `Pass` once the
//! pass process has reached `1 / alpha` and no Fail was seen; otherwise `Undecided`, or
//! `NoData` before the first window with data on both sides. Both are sticky: a decision
//! holds from the window it was reached (`since`), except that a later Fail overrides a
//! Pass (which only lowers the chance of a wrong Pass).
//!
//! **Why Pass needs evidence.** A Pass for "no Fail by the end" would pass any canary that
//! had too little traffic to show anything, which is the guaranteed-Pass failure mode a
//! verdict must not have. Here a metric passes only on evidence that the canary is no worse
//! than the tolerance: a canary that *is* worse by the tolerance or more passes a metric
//! with probability at most `1 - confidence`. The price: with few errors the error metric
//! stays `Undecided` (a service with no errors on either side gives no evidence at all),
//! and the verdict then says so instead of passing.
//!
//! Combination (Kayenta's semantics, see [`super::verdict`]): a critical metric's Fail
//! fails the canary; otherwise the canary fails once even passing every undecided metric
//! could not reach the marginal score; it passes once every critical metric passed and the
//! passed metrics' weight reaches the pass score; with every metric decided between the two
//! it is `Marginal`. A critical metric without data makes the verdict `NoData` (early in a
//! canary no data is the normal state, so this is not Kayenta's critical failure); so does
//! having no data at all. Everything else is `Undecided`.
//!
//! Assumptions to keep in mind: windows must be fixed in advance (e.g. aligned to the
//! canary's start), not re-cut differently at each look; the error test takes the two sides'
//! errors as independent given the requests (errors correlated within one side, e.g. one
//! bad pod, show up as a difference, which they are).
//!
//! ```
//! use canary_lens::analysis::{
//!     sequential_verdict, CountWindow, Counts, SequentialConfig, SequentialData,
//!     SequentialMetric, SequentialMetricConfig, SequentialOutcome,
//! };
//! let windows: Vec<CountWindow> = (0..20)
//!     .map(|_| CountWindow {
//!         canary: Counts { requests: 1000.0, errors: 40.0 },
//!         stable: Counts { requests: 4000.0, errors: 40.0 },
//!     })
//!     .collect();
//! let metrics = [SequentialMetric {
//!     name: "error ratio",
//!     data: SequentialData::Counts(&windows),
//!     config: SequentialMetricConfig::default().critical(true),
//! }];
//! let verdict = sequential_verdict(&metrics, None, &SequentialConfig::default()).unwrap();
//! assert_eq!(verdict.outcome, SequentialOutcome::Fail);
//! assert_eq!(verdict.since.unwrap().window, 0);
//! ```

use chrono::{DateTime, SecondsFormat};

use super::classify::thousands;
use super::config::Labels;
use super::verdict::Thresholds;
use super::AnalysisError;

/// Requests and errors of one side in one window (real numbers: Prometheus' `increase`
/// extrapolates).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts {
    pub requests: f64,
    pub errors: f64,
}

/// Both sides' counts in one window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CountWindow {
    pub canary: Counts,
    pub stable: Counts,
}

impl CountWindow {
    /// Per-window counts from cumulative counters read at the end of each window, counted
    /// from the start of the canary (so the first point is the first window's own counts).
    /// A counter that went down (a restart the query did not correct) adds nothing; a
    /// non-finite reading makes that window unusable and is skipped as a base.
    pub fn from_cumulative(points: &[CountWindow]) -> Vec<CountWindow> {
        let mut last = CountWindow::default();
        points
            .iter()
            .map(|p| {
                let side = |now: Counts, before: &mut Counts| {
                    let delta = |n: f64, b: &mut f64| {
                        if n.is_finite() {
                            let d = (n - *b).max(0.0);
                            *b = n;
                            d
                        } else {
                            f64::NAN
                        }
                    };
                    Counts {
                        requests: delta(now.requests, &mut before.requests),
                        errors: delta(now.errors, &mut before.errors),
                    }
                };
                CountWindow {
                    canary: side(p.canary, &mut last.canary),
                    stable: side(p.stable, &mut last.stable),
                }
            })
            .collect()
    }
}

/// Both sides' values in one window, e.g. each pod's p99 latency over the window. Higher
/// is worse. Non-finite values are dropped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValueWindow {
    pub canary: Vec<f64>,
    pub stable: Vec<f64>,
}

/// One metric's data, one entry per window; window `i` of every metric is the same span.
#[derive(Debug, Clone, Copy)]
pub enum SequentialData<'a> {
    Counts(&'a [CountWindow]),
    Values(&'a [ValueWindow]),
}

impl SequentialData<'_> {
    fn len(&self) -> usize {
        match self {
            Self::Counts(w) => w.len(),
            Self::Values(w) => w.len(),
        }
    }
}

/// How one metric is judged sequentially.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialMetricConfig {
    /// Relative margin: the canary is worse when its error ratio exceeds stable's by more
    /// than this fraction (counts), or its values exceed stable's by more than this
    /// fraction of them (values). Default 0.1.
    pub tolerance: f64,
    /// A critical metric's Fail fails the canary; without data it makes the verdict NoData.
    pub critical: bool,
    /// Weight in the score; default 1.
    pub weight: f64,
}

impl Default for SequentialMetricConfig {
    fn default() -> Self {
        Self {
            tolerance: 0.1,
            critical: false,
            weight: 1.0,
        }
    }
}

impl SequentialMetricConfig {
    #[must_use]
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    #[must_use]
    pub fn critical(mut self, critical: bool) -> Self {
        self.critical = critical;
        self
    }

    #[must_use]
    pub fn weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    fn validate(&self, metric: &str) -> Result<(), AnalysisError> {
        let invalid = |setting: &'static str, value: f64| AnalysisError::InvalidMetricConfig {
            metric: metric.to_owned(),
            setting,
            value,
        };
        if !(self.tolerance >= 0.0 && self.tolerance.is_finite()) {
            return Err(invalid(
                "tolerance (must be a finite number >= 0)",
                self.tolerance,
            ));
        }
        if !(self.weight >= 0.0 && self.weight.is_finite()) {
            return Err(invalid(
                "weight (must be a finite number >= 0)",
                self.weight,
            ));
        }
        Ok(())
    }
}

/// One metric to judge.
#[derive(Debug, Clone)]
pub struct SequentialMetric<'a> {
    pub name: &'a str,
    pub data: SequentialData<'a>,
    pub config: SequentialMetricConfig,
}

/// How the metrics are combined.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialConfig {
    /// `1 - confidence` bounds the chance of a false Fail over the whole canary, however
    /// often it is looked at; default 0.95.
    pub confidence: f64,
    pub thresholds: Thresholds,
    pub labels: Labels,
}

impl Default for SequentialConfig {
    fn default() -> Self {
        Self {
            confidence: 0.95,
            thresholds: Thresholds::default(),
            labels: Labels::default(),
        }
    }
}

impl SequentialConfig {
    #[must_use]
    pub fn confidence(mut self, confidence: f64) -> Self {
        self.confidence = confidence;
        self
    }

    #[must_use]
    pub fn thresholds(mut self, pass: f64, marginal: f64) -> Self {
        self.thresholds = Thresholds { pass, marginal };
        self
    }

    #[must_use]
    pub fn labels(mut self, labels: Labels) -> Self {
        self.labels = labels;
        self
    }

    fn validate(&self) -> Result<(), AnalysisError> {
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(AnalysisError::InvalidMetricConfig {
                metric: "verdict".into(),
                setting: "confidence (must be between 0 and 1)",
                value: self.confidence,
            });
        }
        let Thresholds { pass, marginal } = self.thresholds;
        let in_range = |v: f64| (0.0..=100.0).contains(&v);
        if !(in_range(pass) && in_range(marginal) && marginal <= pass) {
            return Err(AnalysisError::InvalidThresholds { pass, marginal });
        }
        Ok(())
    }
}

/// A metric's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequentialStatus {
    Pass,
    Fail,
    Undecided,
    NoData,
}

/// The canary's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequentialOutcome {
    Pass,
    /// Every metric decided, the score between the marginal and the pass threshold.
    Marginal,
    Fail,
    Undecided,
    NoData,
}

/// A window, by index (0-based) and, when given, its end time in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    pub window: usize,
    pub time_ms: Option<i64>,
}

/// Both e-values of a metric after one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evidence {
    /// Against "the canary is no worse than the tolerance"; Fail at `fail_threshold`.
    pub fail: f64,
    /// Against "the canary is worse by the tolerance or more"; Pass at `pass_threshold`.
    pub pass: f64,
}

/// Everything learned about one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialMetricResult {
    pub name: String,
    pub status: SequentialStatus,
    /// The window from which `status` holds (`None` when there are no windows).
    pub since: Option<Look>,
    pub critical: bool,
    pub weight: f64,
    pub tolerance: f64,
    /// Windows with data on both sides.
    pub windows: usize,
    /// Evidence after the last window, and after each window.
    pub evidence: Evidence,
    pub path: Vec<Evidence>,
    pub fail_threshold: f64,
    pub pass_threshold: f64,
    /// Counts: canary error ratio / stable error ratio over the usable windows. Values: the
    /// median over windows of the canary median / the stable median.
    pub ratio: Option<f64>,
    pub reason: String,
}

/// The sequential verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialVerdict {
    pub outcome: SequentialOutcome,
    /// The window from which `outcome` holds.
    pub since: Option<Look>,
    /// Weight share (percent) of the metrics that passed.
    pub score: f64,
    /// Windows seen (the longest metric).
    pub windows: usize,
    pub metrics: Vec<SequentialMetricResult>,
    /// The outcome after each window.
    pub history: Vec<SequentialOutcome>,
    pub summary: String,
}

/// Log-space offsets `d` of the mixture grid for the error-ratio tests.
const RATIO_GRID: [f64; 11] = [
    0.05, 0.075, 0.11, 0.17, 0.25, 0.38, 0.57, 0.85, 1.28, 1.92, 2.9,
];
/// Bet sizes mixed by the window-value tests (each keeps `1 + lambda (X - 1/2) > 0`).
const BET_GRID: [f64; 19] = [
    0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9,
];
/// Largest e-value reported (keeps them finite for JSON).
const MAX_LOG_E: f64 = 690.0;

/// Judges every metric sequentially over its windows and combines them.
/// `times[i]`, when given, is window `i`'s end in Unix milliseconds.
///
/// # Errors
/// [`AnalysisError`] for an invalid confidence, thresholds, tolerance or weight; data
/// problems (NaN, negative counts, empty windows) are never errors.
pub fn sequential_verdict(
    metrics: &[SequentialMetric<'_>],
    times: Option<&[i64]>,
    config: &SequentialConfig,
) -> Result<SequentialVerdict, AnalysisError> {
    config.validate()?;
    for m in metrics {
        m.config.validate(m.name)?;
    }
    let alpha = 1.0 - config.confidence;
    let k = metrics.len().max(1) as f64;
    let log_fail = (k / alpha).ln();
    let log_pass = (1.0 / alpha).ln();
    let windows = metrics.iter().map(|m| m.data.len()).max().unwrap_or(0);
    let look = |window: usize| Look {
        window,
        time_ms: times.and_then(|t| t.get(window).copied()),
    };
    let mut statuses: Vec<Vec<SequentialStatus>> = Vec::with_capacity(metrics.len());
    let mut results = Vec::with_capacity(metrics.len());
    for m in metrics {
        let track = match m.data {
            SequentialData::Counts(w) => count_track(w, m.config.tolerance),
            SequentialData::Values(w) => value_track(w, m.config.tolerance),
        };
        let status = track.statuses(windows, log_fail, log_pass);
        let since = status.last().map(|last| look(run_start(&status, *last)));
        let current = status.last().copied().unwrap_or(SequentialStatus::NoData);
        let path: Vec<Evidence> = track
            .fail
            .iter()
            .zip(&track.pass)
            .map(|(f, p)| Evidence {
                fail: e_value(*f),
                pass: e_value(*p),
            })
            .collect();
        let mut result = SequentialMetricResult {
            name: m.name.to_owned(),
            status: current,
            since,
            critical: m.config.critical,
            weight: m.config.weight,
            tolerance: m.config.tolerance,
            windows: track.usable.last().copied().unwrap_or(0),
            evidence: path.last().copied().unwrap_or(Evidence {
                fail: 1.0,
                pass: 1.0,
            }),
            path,
            fail_threshold: log_fail.exp(),
            pass_threshold: log_pass.exp(),
            ratio: track.ratio,
            reason: String::new(),
        };
        result.reason = metric_reason(&result, &track.detail, &config.labels);
        statuses.push(status);
        results.push(result);
    }
    let weights = effective_weights(metrics);
    let history: Vec<SequentialOutcome> = (0..windows)
        .map(|i| {
            let at: Vec<SequentialStatus> = statuses.iter().map(|s| s[i]).collect();
            combine(&at, metrics, &weights, config.thresholds).0
        })
        .collect();
    let current: Vec<SequentialStatus> = results.iter().map(|r| r.status).collect();
    let (outcome, score) = combine(&current, metrics, &weights, config.thresholds);
    let since = history.last().map(|last| look(run_start(&history, *last)));
    let summary = summary(outcome, since, score, &results, windows);
    Ok(SequentialVerdict {
        outcome,
        since,
        score,
        windows,
        metrics: results,
        history,
        summary,
    })
}

/// First index of the final run of equal values.
fn run_start<T: PartialEq>(values: &[T], last: T) -> usize {
    values.iter().rposition(|v| *v != last).map_or(0, |i| i + 1)
}

fn e_value(log_e: f64) -> f64 {
    if log_e.is_nan() {
        1.0
    } else {
        log_e.min(MAX_LOG_E).exp()
    }
}

/// Weights as configured, or all 1 when they sum to 0.
fn effective_weights(metrics: &[SequentialMetric<'_>]) -> Vec<f64> {
    let total: f64 = metrics.iter().map(|m| m.config.weight).sum();
    metrics
        .iter()
        .map(|m| if total > 0.0 { m.config.weight } else { 1.0 })
        .collect()
}

/// The outcome and score for one set of metric statuses.
fn combine(
    status: &[SequentialStatus],
    metrics: &[SequentialMetric<'_>],
    weights: &[f64],
    thresholds: Thresholds,
) -> (SequentialOutcome, f64) {
    use SequentialStatus as S;
    let total: f64 = weights.iter().sum();
    let weight_where = |f: &dyn Fn(S) -> bool| -> f64 {
        status
            .iter()
            .zip(weights)
            .filter(|(s, _)| f(**s))
            .map(|(_, w)| w)
            .sum()
    };
    let share = |w: f64| {
        if total > 0.0 {
            (w / total * 10_000.0).round() / 100.0
        } else {
            0.0
        }
    };
    let score = share(weight_where(&|s| s == S::Pass));
    let best = share(weight_where(&|s| s != S::Fail));
    let critical = |wanted: S| {
        status
            .iter()
            .zip(metrics)
            .any(|(s, m)| m.config.critical && *s == wanted)
    };
    let outcome = if status.iter().all(|s| *s == S::NoData) {
        SequentialOutcome::NoData
    } else if critical(S::Fail) || best < thresholds.marginal {
        SequentialOutcome::Fail
    } else if critical(S::NoData) {
        SequentialOutcome::NoData
    } else if score >= thresholds.pass
        && status
            .iter()
            .zip(metrics)
            .all(|(s, m)| !m.config.critical || *s == S::Pass)
    {
        SequentialOutcome::Pass
    } else if status.iter().all(|s| matches!(s, S::Pass | S::Fail)) {
        SequentialOutcome::Marginal
    } else {
        SequentialOutcome::Undecided
    };
    (outcome, score)
}

/// One metric's two log e-processes after each window.
struct Track {
    fail: Vec<f64>,
    pass: Vec<f64>,
    /// Usable windows so far, after each window.
    usable: Vec<usize>,
    ratio: Option<f64>,
    /// What the data says, for the reason.
    detail: String,
}

impl Track {
    /// The status after each of `windows` windows (a track shorter than that keeps its last
    /// state).
    fn statuses(&self, windows: usize, log_fail: f64, log_pass: f64) -> Vec<SequentialStatus> {
        let first_fail = self.fail.iter().position(|e| *e >= log_fail);
        let first_pass = self.pass.iter().position(|e| *e >= log_pass);
        let reached = |first: Option<usize>, i: usize| first.is_some_and(|f| f <= i);
        (0..windows)
            .map(|i| {
                let usable = match self.usable.len() {
                    0 => 0,
                    n => self.usable[i.min(n - 1)],
                };
                if usable == 0 {
                    SequentialStatus::NoData
                } else if reached(first_fail, i) {
                    SequentialStatus::Fail
                } else if reached(first_pass, i) {
                    SequentialStatus::Pass
                } else {
                    SequentialStatus::Undecided
                }
            })
            .collect()
    }
}

/// A mixture of e-processes with equal weights, kept as log sums per component.
struct Mixture(Vec<f64>);

impl Mixture {
    fn new(components: usize) -> Self {
        Self(vec![0.0; components])
    }

    /// `log(mean(exp(sums)))`.
    fn log_e(&self) -> f64 {
        let max = self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !max.is_finite() {
            return max;
        }
        let sum: f64 = self.0.iter().map(|s| (s - max).exp()).sum();
        max + (sum / self.0.len() as f64).ln()
    }
}

/// One window's log likelihood ratio, kept finite. Capping it from above only lowers the
/// e-process; from below by `e^-1e6`, which cannot matter.
fn clamp_log(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-1e6, 1e6)
    }
}

fn usable_counts(c: Counts) -> Option<(f64, f64)> {
    let ok = c.requests.is_finite() && c.errors.is_finite() && c.requests > 0.0;
    ok.then(|| (c.requests, c.errors.clamp(0.0, c.requests)))
}

/// `log(theta / theta0)` and `log((1 - theta) / (1 - theta0))` for the canary's share of
/// errors at rate ratio `r` against `r0`, computed without forming tiny shares.
fn share_logs(n_c: f64, n_s: f64, r: f64, r0: f64) -> (f64, f64) {
    let d = (n_c * r + n_s).ln();
    let d0 = (n_c * r0 + n_s).ln();
    ((r / r0).ln() - d + d0, d0 - d)
}

fn count_track(windows: &[CountWindow], tolerance: f64) -> Track {
    let r0 = 1.0 + tolerance;
    let mut fail = Mixture::new(RATIO_GRID.len());
    let mut pass = Mixture::new(RATIO_GRID.len());
    let mut track = Track {
        fail: Vec::with_capacity(windows.len()),
        pass: Vec::with_capacity(windows.len()),
        usable: Vec::with_capacity(windows.len()),
        ratio: None,
        detail: String::new(),
    };
    let (mut usable, mut req_c, mut err_c, mut req_s, mut err_s) = (0, 0.0, 0.0, 0.0, 0.0);
    for w in windows {
        if let (Some((n_c, x_c)), Some((n_s, x_s))) =
            (usable_counts(w.canary), usable_counts(w.stable))
        {
            usable += 1;
            req_c += n_c;
            err_c += x_c;
            req_s += n_s;
            err_s += x_s;
            if x_c + x_s > 0.0 {
                // Only the canary's share of requests matters: scaling keeps sums finite.
                let scale = n_c.max(n_s);
                let (share_c, share_s) = (n_c / scale, n_s / scale);
                for (i, d) in RATIO_GRID.iter().enumerate() {
                    for (mixture, r) in [(&mut fail, r0 * d.exp()), (&mut pass, r0 * (-d).exp())] {
                        let (up, down) = share_logs(share_c, share_s, r, r0);
                        mixture.0[i] += clamp_log(x_c * up + x_s * down);
                    }
                }
            }
        }
        track.fail.push(fail.log_e());
        track.pass.push(pass.log_e());
        track.usable.push(usable);
    }
    let percent = |e: f64, n: f64| e / n * 100.0;
    if usable > 0 {
        let (rc, rs) = (err_c / req_c, err_s / req_s);
        track.ratio = (rs > 0.0).then(|| rc / rs);
        track.detail = if err_c + err_s > 0.0 {
            format!(
                "{}% vs {}% over {} windows ({} vs {} errors)",
                short(percent(err_c, req_c)),
                short(percent(err_s, req_s)),
                usable,
                big(err_c),
                big(err_s)
            )
        } else {
            format!(
                "no errors on either side yet ({} vs {} requests)",
                big(req_c),
                big(req_s)
            )
        };
    }
    track
}

fn value_track(windows: &[ValueWindow], tolerance: f64) -> Track {
    let mut fail = Mixture::new(BET_GRID.len());
    let mut pass = Mixture::new(BET_GRID.len());
    let mut track = Track {
        fail: Vec::with_capacity(windows.len()),
        pass: Vec::with_capacity(windows.len()),
        usable: Vec::with_capacity(windows.len()),
        ratio: None,
        detail: String::new(),
    };
    let mut usable = 0;
    let mut above_sum = 0.0;
    let mut ratios = Vec::new();
    let mut edges: Vec<f64> = Vec::new();
    for w in windows {
        edges.clear();
        edges.extend(
            w.stable
                .iter()
                .filter(|v| v.is_finite())
                .map(|s| s + tolerance * s.abs())
                .filter(|v| v.is_finite()),
        );
        edges.sort_unstable_by(f64::total_cmp);
        let canary: Vec<f64> = w.canary.iter().copied().filter(|v| v.is_finite()).collect();
        if !edges.is_empty() && !canary.is_empty() {
            usable += 1;
            let pairs = canary.len() as f64 * edges.len() as f64;
            let (mut above, mut below) = (0usize, 0usize);
            for c in &canary {
                above += edges.partition_point(|e| e < c);
                below += edges.len() - edges.partition_point(|e| e <= c);
            }
            let x_fail = above as f64 / pairs;
            let x_pass = below as f64 / pairs;
            above_sum += x_fail;
            for (i, lambda) in BET_GRID.iter().enumerate() {
                fail.0[i] += (1.0 + lambda * (x_fail - 0.5)).ln();
                pass.0[i] += (1.0 + lambda * (x_pass - 0.5)).ln();
            }
            let stable: Vec<f64> = w.stable.iter().copied().filter(|v| v.is_finite()).collect();
            if let (Some(c), Some(s)) = (median(canary), median(stable)) {
                if s != 0.0 && (c / s).is_finite() {
                    ratios.push(c / s);
                }
            }
        }
        track.fail.push(fail.log_e());
        track.pass.push(pass.log_e());
        track.usable.push(usable);
    }
    track.ratio = median(ratios);
    if usable > 0 {
        track.detail = format!(
            "above stable + {} in {}% of value pairs over {} windows",
            percent_text(tolerance),
            short(above_sum / usable as f64 * 100.0),
            usable
        );
    }
    track
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// Three significant digits at most, no exponent for everyday sizes.
fn short(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if a >= 1e6 || (a > 0.0 && a < 1e-3) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A count: thousands separators when whole and not huge.
fn big(v: f64) -> String {
    if v.fract() == 0.0 && (0.0..1e15).contains(&v) {
        thousands(v as usize)
    } else {
        short(v)
    }
}

fn percent_text(fraction: f64) -> String {
    let percent = fraction * 100.0;
    if percent.abs() < 1e6 {
        format!("{}%", (percent * 10.0).round() / 10.0)
    } else {
        format!("{}%", short(percent))
    }
}

fn look_text(look: Option<Look>) -> String {
    match look {
        None => String::new(),
        Some(l) => {
            let time = l
                .time_ms
                .and_then(DateTime::from_timestamp_millis)
                .map(|t| format!(" ({})", t.to_rfc3339_opts(SecondsFormat::Secs, true)))
                .unwrap_or_default();
            format!(" since window {}{time}", l.window + 1)
        }
    }
}

fn metric_reason(r: &SequentialMetricResult, detail: &str, labels: &Labels) -> String {
    let (exp, ctrl) = (&labels.experiment, &labels.control);
    let tol = percent_text(r.tolerance);
    let e = |v: f64| short(v);
    match r.status {
        SequentialStatus::NoData => format!(
            "no window with {} data on both {exp} and {ctrl} yet",
            r.name
        ),
        SequentialStatus::Fail => format!(
            "{exp} {} is worse than {ctrl} by more than {tol}: {detail} (evidence {} >= {}){}",
            r.name,
            e(r.evidence.fail),
            e(r.fail_threshold),
            look_text(r.since)
        ),
        SequentialStatus::Pass => format!(
            "{exp} {} is no worse than {ctrl} + {tol}: {detail} (evidence {} >= {}){}",
            r.name,
            e(r.evidence.pass),
            e(r.pass_threshold),
            look_text(r.since)
        ),
        SequentialStatus::Undecided => format!(
            "{} not decided yet: {detail} (evidence {} of {} to fail, {} of {} to pass)",
            r.name,
            e(r.evidence.fail),
            e(r.fail_threshold),
            e(r.evidence.pass),
            e(r.pass_threshold)
        ),
    }
}

fn summary(
    outcome: SequentialOutcome,
    since: Option<Look>,
    score: f64,
    metrics: &[SequentialMetricResult],
    windows: usize,
) -> String {
    use SequentialStatus as S;
    let when = look_text(since);
    let first = |f: &dyn Fn(&SequentialMetricResult) -> bool| metrics.iter().find(|m| f(m));
    match outcome {
        SequentialOutcome::NoData => match first(&|m| m.critical && m.status == S::NoData) {
            Some(m) if metrics.iter().any(|m| m.status != S::NoData) => {
                format!("NoData: critical metric {}: {}", m.name, m.reason)
            }
            _ if metrics.is_empty() => "NoData: no metrics to judge".to_owned(),
            _ => format!("NoData: no metric has data yet ({windows} windows)"),
        },
        SequentialOutcome::Fail => match first(&|m| m.critical && m.status == S::Fail) {
            Some(m) => format!(
                "Fail{when}: critical metric {} failed: {}",
                m.name, m.reason
            ),
            None => {
                let failed: Vec<&str> = metrics
                    .iter()
                    .filter(|m| m.status == S::Fail)
                    .map(|m| m.reason.as_str())
                    .take(3)
                    .collect();
                format!(
                    "Fail{when}: too many metrics failed for the marginal score; {}",
                    failed.join("; ")
                )
            }
        },
        SequentialOutcome::Pass => format!(
            "Pass{when}: score {score}, every critical metric shown no worse than its tolerance"
        ),
        SequentialOutcome::Marginal => {
            format!("Marginal{when}: score {score}, every metric decided")
        }
        SequentialOutcome::Undecided => {
            let open: Vec<&str> = metrics
                .iter()
                .filter(|m| matches!(m.status, S::Undecided | S::NoData))
                .map(|m| m.reason.as_str())
                .take(3)
                .collect();
            format!(
                "Undecided after {windows} windows (score so far {score}): {}",
                open.join("; ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64* with a few distributions, deterministic per seed.
    struct Rng(u64);

    impl Rng {
        fn new(seed: u64) -> Self {
            Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
        }

        fn uniform(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
            (bits as f64 + 0.5) / (1_u64 << 53) as f64
        }

        fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        }

        /// Binomial by summing Bernoulli draws (small `n` only).
        fn binomial(&mut self, n: u32, p: f64) -> f64 {
            (0..n).filter(|_| self.uniform() < p).count() as f64
        }
    }

    /// `windows` windows of counts: canary 1/4 of the traffic, error probability times
    /// `effect` on the canary, a shared burst factor per window.
    fn counts(rng: &mut Rng, windows: usize, p: f64, effect: f64) -> Vec<CountWindow> {
        (0..windows)
            .map(|_| {
                let burst = (0.3 * rng.normal()).exp();
                CountWindow {
                    canary: Counts {
                        requests: 500.0,
                        errors: rng.binomial(500, (p * burst * effect).min(1.0)),
                    },
                    stable: Counts {
                        requests: 1500.0,
                        errors: rng.binomial(1500, (p * burst).min(1.0)),
                    },
                }
            })
            .collect()
    }

    /// `windows` windows of 2 canary and 6 stable lognormal values, the canary's scaled by
    /// `effect`, a shared load factor per window.
    fn values(rng: &mut Rng, windows: usize, effect: f64) -> Vec<ValueWindow> {
        (0..windows)
            .map(|_| {
                let load = (0.2 * rng.normal()).exp();
                let mut draw = |n: usize, scale: f64| -> Vec<f64> {
                    (0..n)
                        .map(|_| 0.25 * load * scale * (0.2 * rng.normal()).exp())
                        .collect()
                };
                ValueWindow {
                    canary: draw(2, effect),
                    stable: draw(6, 1.0),
                }
            })
            .collect()
    }

    fn metric<'a>(
        name: &'a str,
        data: SequentialData<'a>,
        config: SequentialMetricConfig,
    ) -> SequentialMetric<'a> {
        SequentialMetric { name, data, config }
    }

    fn verdict(metrics: &[SequentialMetric<'_>]) -> SequentialVerdict {
        sequential_verdict(metrics, None, &SequentialConfig::default()).expect("valid config")
    }

    /// Runs `seeds` A/A canaries of 30 windows and counts those that ever failed.
    fn a_a_fails(seeds: u64, tolerance: f64) -> (usize, usize, usize) {
        let config = SequentialMetricConfig::default().tolerance(tolerance);
        let (mut errors, mut latency, mut overall) = (0, 0, 0);
        for seed in 0..seeds {
            let mut rng = Rng::new(seed + 1);
            let c = counts(&mut rng, 30, 0.02, 1.0);
            let v = values(&mut rng, 30, 1.0);
            let metrics = [
                metric(
                    "error ratio",
                    SequentialData::Counts(&c),
                    config.clone().critical(true),
                ),
                metric("p99 latency", SequentialData::Values(&v), config.clone()),
            ];
            let out = verdict(&metrics);
            errors += usize::from(out.metrics[0].status == SequentialStatus::Fail);
            latency += usize::from(out.metrics[1].status == SequentialStatus::Fail);
            overall += usize::from(out.history.contains(&SequentialOutcome::Fail));
        }
        (errors, latency, overall)
    }

    #[test]
    fn a_a_canaries_looked_at_after_every_window_rarely_fail() {
        // 1,000 A/A canaries, 30 looks each, at the null's very edge (tolerance 0) and with
        // the default tolerance. alpha = 5%, split over 2 metrics: at most 2.5% each.
        let (errors, latency, overall) = a_a_fails(1000, 0.0);
        assert!(errors <= 25 && latency <= 25, "{errors} {latency}");
        assert!(overall <= 40, "{overall} of 1000 A/A canaries failed");
        let (_, _, overall) = a_a_fails(1000, 0.1);
        assert!(overall <= 10, "{overall} of 1000 A/A canaries failed");
    }

    #[test]
    fn a_clearly_worse_error_ratio_fails_the_canary_early_and_says_since_when() {
        let mut rng = Rng::new(7);
        let c = counts(&mut rng, 30, 0.01, 3.0);
        let v = values(&mut rng, 30, 1.0);
        let metrics = [
            metric(
                "error ratio",
                SequentialData::Counts(&c),
                SequentialMetricConfig::default().critical(true),
            ),
            metric(
                "p99 latency",
                SequentialData::Values(&v),
                SequentialMetricConfig::default(),
            ),
        ];
        let times: Vec<i64> = (0..30).map(|i| 1_700_000_000_000 + i * 60_000).collect();
        let out = sequential_verdict(&metrics, Some(&times), &SequentialConfig::default()).unwrap();
        assert_eq!(out.outcome, SequentialOutcome::Fail);
        let since = out.since.expect("since");
        assert!(since.window < 15, "{since:?}");
        assert_eq!(since.time_ms, Some(times[since.window]));
        assert_eq!(out.metrics[0].status, SequentialStatus::Fail);
        assert_eq!(out.metrics[0].since, out.since);
        assert!(out.metrics[0].evidence.fail >= out.metrics[0].fail_threshold);
        assert!((out.metrics[0].fail_threshold - 40.0).abs() < 1e-9);
        let ratio = out.metrics[0].ratio.expect("ratio");
        assert!((2.0..4.5).contains(&ratio), "{ratio}");
        assert!(
            out.summary
                .starts_with(&format!("Fail since window {}", since.window + 1)),
            "{}",
            out.summary
        );
        assert!(
            out.summary.contains("critical metric error ratio failed")
                && out.summary.contains("2023-11-14T"),
            "{}",
            out.summary
        );
        // The outcome before the crossing was not Fail, and Fail holds from then on.
        assert!(out.history[..since.window]
            .iter()
            .all(|o| *o != SequentialOutcome::Fail));
        assert!(out.history[since.window..]
            .iter()
            .all(|o| *o == SequentialOutcome::Fail));
    }

    #[test]
    fn a_clearly_slower_canary_fails_on_latency() {
        let mut rng = Rng::new(11);
        let v = values(&mut rng, 30, 1.6);
        let metrics = [metric(
            "p99 latency",
            SequentialData::Values(&v),
            SequentialMetricConfig::default(),
        )];
        let out = verdict(&metrics);
        assert_eq!(out.outcome, SequentialOutcome::Fail);
        assert_eq!(out.metrics[0].status, SequentialStatus::Fail);
        let ratio = out.metrics[0].ratio.expect("ratio");
        assert!((1.3..2.0).contains(&ratio), "{ratio}");
        assert!(
            out.metrics[0]
                .reason
                .starts_with("canary p99 latency is worse than stable by more than 10%"),
            "{}",
            out.metrics[0].reason
        );
    }

    #[test]
    fn a_pass_needs_evidence_that_the_canary_is_no_worse() {
        // Equal error ratios with plenty of errors: evidence of "not 10% worse" piles up.
        let mut rng = Rng::new(3);
        let c = counts(&mut rng, 60, 0.2, 1.0);
        let v = values(&mut rng, 60, 0.8);
        let metrics = [
            metric(
                "error ratio",
                SequentialData::Counts(&c),
                SequentialMetricConfig::default().critical(true),
            ),
            metric(
                "p99 latency",
                SequentialData::Values(&v),
                SequentialMetricConfig::default(),
            ),
        ];
        let out = verdict(&metrics);
        assert_eq!(out.outcome, SequentialOutcome::Pass, "{}", out.summary);
        assert_eq!(out.score, 100.0);
        let since = out.since.expect("since").window;
        assert!(since > 0 && since < 60, "{since}");
        assert!(
            out.summary.starts_with("Pass since window"),
            "{}",
            out.summary
        );
        // The same canary after its first window only: not enough to decide.
        let early = [
            metric(
                "error ratio",
                SequentialData::Counts(&c[..1]),
                SequentialMetricConfig::default().critical(true),
            ),
            metric(
                "p99 latency",
                SequentialData::Values(&v[..1]),
                SequentialMetricConfig::default(),
            ),
        ];
        assert_eq!(verdict(&early).outcome, SequentialOutcome::Undecided);
    }

    #[test]
    fn no_errors_on_either_side_is_undecided_never_a_pass() {
        let c = vec![
            CountWindow {
                canary: Counts {
                    requests: 1e6,
                    errors: 0.0,
                },
                stable: Counts {
                    requests: 4e6,
                    errors: 0.0,
                },
            };
            100
        ];
        let metrics = [metric(
            "error ratio",
            SequentialData::Counts(&c),
            SequentialMetricConfig::default().critical(true),
        )];
        let out = verdict(&metrics);
        assert_eq!(out.outcome, SequentialOutcome::Undecided);
        assert_eq!(
            out.metrics[0].evidence,
            Evidence {
                fail: 1.0,
                pass: 1.0
            }
        );
        assert!(
            out.metrics[0]
                .reason
                .contains("no errors on either side yet (100,000,000 vs 400,000,000 requests)"),
            "{}",
            out.metrics[0].reason
        );
    }

    #[test]
    fn critical_metrics_follow_kayenta_and_no_data_is_never_a_pass() {
        let mut rng = Rng::new(5);
        let bad = values(&mut rng, 40, 2.0);
        let good = values(&mut rng, 40, 0.7);
        let data = |w| SequentialData::Values(w);
        let plain = SequentialMetricConfig::default;
        // One non-critical failure among four metrics: score at most 75, Marginal at best.
        let metrics = [
            metric("a", data(&good), plain()),
            metric("b", data(&good), plain()),
            metric("c", data(&good), plain()),
            metric("d", data(&bad), plain()),
        ];
        let out = verdict(&metrics);
        assert_eq!(out.metrics[3].status, SequentialStatus::Fail);
        assert_eq!(out.outcome, SequentialOutcome::Marginal, "{}", out.summary);
        assert_eq!(out.score, 75.0);
        // The same failure on a critical metric fails the canary.
        let mut critical = metrics.clone();
        critical[3].config.critical = true;
        let out = verdict(&critical);
        assert_eq!(out.outcome, SequentialOutcome::Fail);
        assert!(
            out.summary.contains("critical metric d failed"),
            "{}",
            out.summary
        );
        // Two failures of four: the marginal score is out of reach.
        let mut two = metrics.clone();
        two[2].data = data(&bad);
        assert_eq!(verdict(&two).outcome, SequentialOutcome::Fail);
        // A critical metric without data: NoData, even when the rest passes.
        let none: Vec<ValueWindow> = vec![ValueWindow::default(); 40];
        let mut missing = metrics.clone();
        missing[3] = metric("errors", data(&none), plain().critical(true));
        let out = verdict(&missing);
        assert_eq!(out.outcome, SequentialOutcome::NoData);
        assert!(
            out.summary.contains("critical metric errors"),
            "{}",
            out.summary
        );
        assert_eq!(out.metrics[3].status, SequentialStatus::NoData);
    }

    #[test]
    fn a_later_fail_overrides_an_earlier_pass() {
        let mut rng = Rng::new(9);
        let mut v = values(&mut rng, 15, 0.6);
        v.extend(values(&mut rng, 60, 3.0));
        let metrics = [metric(
            "p99 latency",
            SequentialData::Values(&v),
            SequentialMetricConfig::default(),
        )];
        let out = verdict(&metrics);
        let first_pass = out
            .history
            .iter()
            .position(|o| *o == SequentialOutcome::Pass);
        assert!(first_pass.is_some_and(|p| p < 15), "{:?}", out.history);
        assert_eq!(out.outcome, SequentialOutcome::Fail);
        assert!(out.since.expect("since").window >= 15);
    }

    #[test]
    fn nan_empty_and_huge_inputs_never_panic() {
        assert_eq!(verdict(&[]).outcome, SequentialOutcome::NoData);
        let empty: [CountWindow; 0] = [];
        let out = verdict(&[metric(
            "e",
            SequentialData::Counts(&empty),
            SequentialMetricConfig::default(),
        )]);
        assert_eq!((out.outcome, out.since), (SequentialOutcome::NoData, None));
        let odd = |requests: f64, errors: f64| Counts { requests, errors };
        let junk = [
            CountWindow {
                canary: odd(f64::NAN, 1.0),
                stable: odd(10.0, 1.0),
            },
            CountWindow {
                canary: odd(-5.0, -1.0),
                stable: odd(f64::INFINITY, 1.0),
            },
            CountWindow {
                canary: odd(10.0, 50.0),
                stable: odd(10.0, f64::NEG_INFINITY),
            },
            CountWindow {
                canary: odd(0.0, 0.0),
                stable: odd(0.0, 0.0),
            },
        ];
        let out = verdict(&[metric(
            "e",
            SequentialData::Counts(&junk),
            SequentialMetricConfig::default(),
        )]);
        assert_eq!(out.outcome, SequentialOutcome::NoData);
        let huge = vec![
            CountWindow {
                canary: odd(1e300, 1e299),
                stable: odd(f64::MAX, 1e200),
            };
            1000
        ];
        let out = verdict(&[metric(
            "e",
            SequentialData::Counts(&huge),
            SequentialMetricConfig::default(),
        )]);
        assert_eq!(out.outcome, SequentialOutcome::Fail);
        assert!(out.metrics[0].evidence.fail.is_finite());
        let weird = vec![
            ValueWindow {
                canary: vec![f64::NAN, f64::MAX, -f64::MAX, 0.0],
                stable: vec![f64::INFINITY, f64::MAX, -0.0, 1e-300],
            };
            100
        ];
        let out = verdict(&[metric(
            "v",
            SequentialData::Values(&weird),
            SequentialMetricConfig::default().tolerance(1e300),
        )]);
        assert!(out.metrics[0].evidence.pass.is_finite(), "{out:?}");
        // Long canaries stay linear: 100,000 windows of both kinds.
        let mut rng = Rng::new(1);
        let c = counts(&mut rng, 100_000, 0.0001, 1.0);
        let v: Vec<ValueWindow> = (0..100_000)
            .map(|i| ValueWindow {
                canary: vec![f64::from(i % 7)],
                stable: vec![f64::from(i % 5)],
            })
            .collect();
        let out = verdict(&[
            metric(
                "e",
                SequentialData::Counts(&c),
                SequentialMetricConfig::default(),
            ),
            metric(
                "v",
                SequentialData::Values(&v),
                SequentialMetricConfig::default(),
            ),
        ]);
        assert_eq!(out.history.len(), 100_000);
    }

    #[test]
    fn metrics_with_fewer_windows_keep_their_last_state() {
        let mut rng = Rng::new(13);
        let c = counts(&mut rng, 20, 0.01, 5.0);
        let v = values(&mut rng, 30, 1.0);
        let out = verdict(&[
            metric(
                "error ratio",
                SequentialData::Counts(&c),
                SequentialMetricConfig::default().critical(true),
            ),
            metric(
                "p99",
                SequentialData::Values(&v),
                SequentialMetricConfig::default(),
            ),
        ]);
        assert_eq!(out.windows, 30);
        assert_eq!(out.history.len(), 30);
        assert_eq!(out.outcome, SequentialOutcome::Fail);
        assert_eq!(out.metrics[0].path.len(), 20);
    }

    #[test]
    fn cumulative_counters_become_window_counts() {
        let at = |c: f64, ce: f64, s: f64, se: f64| CountWindow {
            canary: Counts {
                requests: c,
                errors: ce,
            },
            stable: Counts {
                requests: s,
                errors: se,
            },
        };
        let windows = CountWindow::from_cumulative(&[
            at(100.0, 1.0, 400.0, 4.0),
            at(250.0, 4.0, 800.0, 5.0),
            at(f64::NAN, 4.0, 900.0, 5.0),
            at(300.0, 2.0, 1000.0, 6.0),
        ]);
        assert_eq!(windows[0], at(100.0, 1.0, 400.0, 4.0));
        assert_eq!(windows[1], at(150.0, 3.0, 400.0, 1.0));
        assert!(windows[2].canary.requests.is_nan());
        assert_eq!(windows[2].stable, at(0.0, 0.0, 100.0, 0.0).stable);
        // The NaN reading is skipped as a base; a counter going down adds nothing.
        assert_eq!(windows[3], at(50.0, 0.0, 100.0, 1.0));
    }

    #[test]
    fn invalid_settings_are_errors_naming_the_metric() {
        let v: Vec<ValueWindow> = Vec::new();
        let bad = |config: SequentialMetricConfig| {
            sequential_verdict(
                &[metric("p99 latency", SequentialData::Values(&v), config)],
                None,
                &SequentialConfig::default(),
            )
            .unwrap_err()
            .to_string()
        };
        let text = bad(SequentialMetricConfig::default().tolerance(f64::NAN));
        assert!(
            text.contains("p99 latency") && text.contains("tolerance"),
            "{text}"
        );
        assert!(bad(SequentialMetricConfig::default().weight(-1.0)).contains("weight"));
        for confidence in [0.0, 1.0, f64::NAN] {
            let config = SequentialConfig::default().confidence(confidence);
            assert!(sequential_verdict(&[], None, &config).is_err());
        }
        let config = SequentialConfig::default().thresholds(70.0, 80.0);
        assert!(matches!(
            sequential_verdict(&[], None, &config),
            Err(AnalysisError::InvalidThresholds { .. })
        ));
    }
}
