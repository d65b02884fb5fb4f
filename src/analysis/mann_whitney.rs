//! The Mann-Whitney U test (Wilcoxon rank-sum test) and the exact null distribution of U.
//!
//! Conventions follow `scipy.stats.mannwhitneyu`, so results can be checked against it:
//! `u` is the statistic of the first sample `x` (`R_x - n_x(n_x+1)/2`, average ranks for
//! ties); `Greater` means "x tends to be larger than y".
//!
//! * Exact: the null distribution of U for samples without ties, counted exactly in
//!   128-bit integers as the coefficients of the Gaussian binomial `[n_x+n_y choose n_x]_q`
//!   (possible while `n_x + n_y <= 120`). Like scipy, an explicitly requested exact test
//!   ignores ties (U is truncated to an integer); `Auto` never picks it when there are ties.
//! * Asymptotic: normal approximation with the tie-corrected variance
//!   `n_x n_y / 12 * ((N+1) - sum(t^3 - t) / (N(N-1)))` and, optionally, a continuity
//!   correction of 1/2 towards the mean.
//!
//! Ranking works on sorted samples by merging them, so a test costs two sorts plus O(N).

use super::normal;

/// Largest `n_x + n_y` for which the exact distribution is computed: `C(120, 60) ~ 1e35`
/// fits comfortably in an `i128`.
pub const EXACT_MAX_TOTAL: usize = 120;

/// Which alternative hypothesis the p-value is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    /// The distributions differ (either direction).
    TwoSided,
    /// `x` tends to be larger than `y`.
    Greater,
    /// `x` tends to be smaller than `y`.
    Less,
}

/// How the p-value is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Exact when there are no ties and `n_x + n_y <= EXACT_MAX_TOTAL`, else asymptotic.
    Auto,
    /// Exact null distribution (ties ignored); falls back to asymptotic above
    /// `EXACT_MAX_TOTAL` observations.
    Exact,
    /// Normal approximation with tie correction.
    Asymptotic,
}

/// Options of [`mann_whitney_u_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestOptions {
    pub alternative: Alternative,
    pub method: Method,
    /// Apply the 1/2 continuity correction in the asymptotic method.
    pub continuity: bool,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            alternative: Alternative::TwoSided,
            method: Method::Auto,
            continuity: true,
        }
    }
}

impl TestOptions {
    #[must_use]
    pub fn alternative(mut self, alternative: Alternative) -> Self {
        self.alternative = alternative;
        self
    }

    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    #[must_use]
    pub fn continuity(mut self, continuity: bool) -> Self {
        self.continuity = continuity;
        self
    }
}

/// Result of a Mann-Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U statistic of `x`: the number of pairs with `x > y`, ties counting one half.
    pub u: f64,
    /// p-value for the requested alternative, in `[0, 1]`. NaN only when every value is tied
    /// and the continuity correction is off (0/0), as in scipy.
    pub p_value: f64,
    /// Standardized statistic used by the asymptotic method (`None` for exact).
    pub z: Option<f64>,
    /// Method actually used (`Exact` or `Asymptotic`, never `Auto`).
    pub method: Method,
    pub n_x: usize,
    pub n_y: usize,
    /// `sum(t^3 - t)` over groups of tied values in the pooled sample.
    pub tie_term: f64,
}

impl MannWhitney {
    /// Common-language effect size: the probability that a random `x` exceeds a random `y`
    /// (ties count one half), `u / (n_x n_y)`.
    pub fn common_language_effect_size(&self) -> f64 {
        self.u / (self.n_x as f64 * self.n_y as f64)
    }
}

/// Two-sided/one-sided Mann-Whitney U test with automatic method choice and continuity
/// correction. Non-finite values are dropped; `None` when either sample is then empty.
pub fn mann_whitney_u(x: &[f64], y: &[f64], alternative: Alternative) -> Option<MannWhitney> {
    mann_whitney_u_with(x, y, TestOptions::default().alternative(alternative))
}

/// [`mann_whitney_u`] with every option spelled out.
pub fn mann_whitney_u_with(x: &[f64], y: &[f64], options: TestOptions) -> Option<MannWhitney> {
    let xs = sorted_finite(x);
    let ys = sorted_finite(y);
    test_sorted(&xs, &ys, options)
}

/// Finite values of `values`, sorted ascending.
pub(crate) fn sorted_finite(values: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    out.sort_unstable_by(f64::total_cmp);
    out
}

/// Rank statistics of two sorted, finite samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RankSums {
    pub u_x: f64,
    pub tie_term: f64,
}

/// Merges two sorted samples, giving tied values their average rank.
pub(crate) fn rank_sums(xs: &[f64], ys: &[f64]) -> RankSums {
    rank_sums_shifted(xs, ys, 0.0)
}

/// [`rank_sums`] of `x - shift` against `y` (`x - shift` is computed on the fly and stays
/// sorted because subtraction rounds monotonically).
pub(crate) fn rank_sums_shifted(xs: &[f64], ys: &[f64], shift: f64) -> RankSums {
    let (mut i, mut j) = (0, 0);
    let mut rank_before = 0.0_f64; // number of values already ranked
    let mut r_x = 0.0_f64;
    let mut tie_term = 0.0_f64;
    let x_at = |i: usize| xs.get(i).map(|x| x - shift);
    while i < xs.len() || j < ys.len() {
        let value = match (x_at(i), ys.get(j)) {
            (Some(a), Some(&b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        let start_i = i;
        while x_at(i) == Some(value) {
            i += 1;
        }
        let start_j = j;
        while j < ys.len() && ys[j] == value {
            j += 1;
        }
        let from_x = (i - start_i) as f64;
        let t = from_x + (j - start_j) as f64;
        let average_rank = rank_before + (t + 1.0) / 2.0;
        r_x += from_x * average_rank;
        tie_term += t * t * t - t;
        rank_before += t;
    }
    let n_x = xs.len() as f64;
    RankSums {
        u_x: r_x - n_x * (n_x + 1.0) / 2.0,
        tie_term,
    }
}

/// The test on sorted, finite samples.
pub(crate) fn test_sorted(xs: &[f64], ys: &[f64], options: TestOptions) -> Option<MannWhitney> {
    test_sorted_shifted(xs, ys, 0.0, options)
}

/// The test of "`x - shift` and `y` have the same distribution" on sorted, finite samples:
/// inverting it gives the confidence interval of the shift, and evaluating it right at a
/// candidate bound handles ties at that bound correctly.
pub(crate) fn test_sorted_shifted(
    xs: &[f64],
    ys: &[f64],
    shift: f64,
    options: TestOptions,
) -> Option<MannWhitney> {
    if xs.is_empty() || ys.is_empty() || shift.is_nan() {
        return None;
    }
    let (n_x, n_y) = (xs.len(), ys.len());
    let sums = rank_sums_shifted(xs, ys, shift);
    let product = n_x as f64 * n_y as f64;
    let u_other = product - sums.u_x;
    let (u_tail, factor) = match options.alternative {
        Alternative::Greater => (sums.u_x, 1.0),
        Alternative::Less => (u_other, 1.0),
        Alternative::TwoSided => (sums.u_x.max(u_other), 2.0),
    };
    let wants_exact = match options.method {
        Method::Auto => sums.tie_term == 0.0,
        Method::Exact => true,
        Method::Asymptotic => false,
    };
    let exact = if wants_exact {
        ExactDistribution::new(n_x, n_y)
    } else {
        None
    };
    let (p, z, method) = match exact {
        // Truncation to an integer mirrors scipy when ties make U a half-integer.
        Some(dist) => (dist.sf(u_tail.trunc() as u64), None, Method::Exact),
        None => {
            let z = z_score(u_tail, n_x, n_y, sums.tie_term, options.continuity);
            (normal::sf(z), Some(z), Method::Asymptotic)
        }
    };
    Some(MannWhitney {
        u: sums.u_x,
        p_value: (p * factor).clamp(0.0, 1.0),
        z,
        method,
        n_x,
        n_y,
        tie_term: sums.tie_term,
    })
}

/// Tie-corrected standard deviation of U under the null hypothesis.
pub(crate) fn u_sigma(n_x: usize, n_y: usize, tie_term: f64) -> f64 {
    let (m, n) = (n_x as f64, n_y as f64);
    let total = m + n;
    let ties = if total > 1.0 {
        tie_term / (total * (total - 1.0))
    } else {
        0.0
    };
    (m * n / 12.0 * ((total + 1.0) - ties)).max(0.0).sqrt()
}

fn z_score(u: f64, n_x: usize, n_y: usize, tie_term: f64, continuity: bool) -> f64 {
    let mean = n_x as f64 * n_y as f64 / 2.0;
    let mut numerator = u - mean;
    if continuity {
        numerator -= 0.5;
    }
    numerator / u_sigma(n_x, n_y, tie_term)
}

/// Exact null distribution of U for samples of sizes `n_x`, `n_y` without ties.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExactDistribution {
    /// `counts[u]`: number of arrangements of the pooled ranks giving U = u.
    counts: Vec<i128>,
    total: i128,
}

impl ExactDistribution {
    /// `None` when `n_x + n_y > EXACT_MAX_TOTAL` or a sample is empty.
    pub fn new(n_x: usize, n_y: usize) -> Option<Self> {
        if n_x == 0 || n_y == 0 || n_x + n_y > EXACT_MAX_TOTAL {
            return None;
        }
        // The distribution is symmetric in (n_x, n_y); iterate over the smaller one.
        let (m, n) = if n_x <= n_y { (n_x, n_y) } else { (n_y, n_x) };
        let mut counts = vec![0_i128; m * n + 1];
        counts[0] = 1;
        // [n+i choose i]_q = [n+i-1 choose i-1]_q * (1 - q^(n+i)) / (1 - q^i)
        for i in 1..=m {
            let top = (i - 1) * n; // degree before this step
            let shift = n + i;
            for k in (shift..=top + shift).rev() {
                if k < counts.len() {
                    counts[k] -= counts[k - shift];
                }
            }
            // Exact division: the coefficients above degree i*n come out as zero.
            for k in i..=(i * n + i).min(counts.len() - 1) {
                counts[k] += counts[k - i];
            }
        }
        let total = counts.iter().sum();
        Some(Self { counts, total })
    }

    /// `P(U >= u)`.
    pub fn sf(&self, u: u64) -> f64 {
        let start = usize::try_from(u)
            .unwrap_or(usize::MAX)
            .min(self.counts.len());
        let tail: i128 = self.counts[start..].iter().sum();
        tail as f64 / self.total as f64
    }

    /// `P(U <= u)`.
    pub fn cdf(&self, u: u64) -> f64 {
        let end = usize::try_from(u)
            .unwrap_or(usize::MAX)
            .min(self.counts.len() - 1);
        let head: i128 = self.counts[..=end].iter().sum();
        head as f64 / self.total as f64
    }

    /// Largest U value `mn`.
    pub fn max_u(&self) -> u64 {
        (self.counts.len() - 1) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_distribution_counts_sum_to_the_binomial_coefficient() {
        let dist = ExactDistribution::new(3, 4).expect("small sizes are exact");
        // C(7, 3) = 35 arrangements; U = 0 happens once, U = 1 once, U = 2 twice.
        assert_eq!(dist.total, 35);
        assert_eq!(&dist.counts[..3], &[1, 1, 2]);
        let mirrored: Vec<i128> = dist.counts.iter().rev().copied().collect();
        assert_eq!(dist.counts, mirrored, "the null distribution is symmetric");
    }

    #[test]
    fn exact_distribution_handles_the_largest_supported_total() {
        let dist = ExactDistribution::new(60, 60).expect("60 + 60 is supported");
        assert!(dist.counts.iter().all(|&c| c > 0));
        assert!((dist.cdf(1800) - 0.5).abs() < 0.01);
        assert!(ExactDistribution::new(61, 60).is_none());
    }

    #[test]
    fn rank_sums_average_tied_ranks() {
        // pooled: 1(x) 2(x,y) 2 3(y) -> ranks 1, 3, 3, 3, 5 ; x gets 1 + 3 = 4
        let sums = rank_sums(&[1.0, 2.0], &[2.0, 2.0, 3.0]);
        assert_eq!(sums.u_x, 4.0 - 3.0);
        assert_eq!(sums.tie_term, 27.0 - 3.0);
    }

    #[test]
    fn shifted_rank_sums_equal_rank_sums_of_the_shifted_sample() {
        let xs = [1.5, 2.5, 4.0, 7.0];
        let ys = [0.5, 1.0, 2.0, 3.0, 6.0];
        let moved: Vec<f64> = xs.iter().map(|x| x - 1.0).collect();
        assert_eq!(rank_sums_shifted(&xs, &ys, 1.0), rank_sums(&moved, &ys));
        assert!(
            rank_sums_shifted(&xs, &ys, 1.0).tie_term > 0.0,
            "0.5, 1.5 and 3.0 tie"
        );
    }

    #[test]
    fn test_drops_non_finite_values_and_rejects_empty_samples() {
        let with_junk = mann_whitney_u(
            &[1.0, f64::NAN, 2.0, f64::INFINITY],
            &[3.0, 4.0, f64::NEG_INFINITY],
            Alternative::TwoSided,
        )
        .expect("two finite values per side");
        let clean =
            mann_whitney_u(&[1.0, 2.0], &[3.0, 4.0], Alternative::TwoSided).expect("non-empty");
        assert_eq!(with_junk, clean);
        assert!(mann_whitney_u(&[], &[1.0], Alternative::TwoSided).is_none());
        assert!(mann_whitney_u(&[f64::NAN], &[1.0], Alternative::TwoSided).is_none());
    }

    #[test]
    fn one_sided_p_values_follow_the_direction_of_the_shift() {
        let low: Vec<f64> = (0..20).map(f64::from).collect();
        let high: Vec<f64> = (10..30).map(f64::from).collect();
        let greater = mann_whitney_u(&high, &low, Alternative::Greater).expect("data");
        let less = mann_whitney_u(&high, &low, Alternative::Less).expect("data");
        assert!(greater.p_value < 0.01);
        assert!(less.p_value > 0.99);
        assert!(greater.common_language_effect_size() > 0.5);
    }

    #[test]
    fn all_tied_values_give_a_p_value_of_one_with_continuity() {
        let result = mann_whitney_u(&[5.0; 12], &[5.0; 9], Alternative::TwoSided).expect("data");
        assert_eq!(result.method, Method::Asymptotic);
        assert_eq!(result.p_value, 1.0);
        let no_cc = mann_whitney_u_with(
            &[5.0; 12],
            &[5.0; 9],
            TestOptions::default().continuity(false),
        )
        .expect("data");
        assert!(no_cc.p_value.is_nan());
    }
}
