//! Hodges-Lehmann estimate of the location shift between two samples and its
//! distribution-free confidence interval (the interval that inverts the Mann-Whitney test).
//!
//! With `D_(1) <= ... <= D_(mn)` the sorted pairwise differences `x_i - y_j`:
//! * estimate: the median of the `D`s;
//! * interval at confidence `1 - alpha`: `[D_(k), D_(mn + 1 - k)]` where `k` is the smallest
//!   `u` with `P(U <= u) >= alpha/2` under the null hypothesis, at least 1 (R's `wilcox.test`
//!   rule). `P` is exact when the exact distribution is available, else the normal
//!   approximation with continuity and tie correction, giving
//!   `k = ceil(mn/2 - 1/2 - z(alpha/2) * sigma)`.
//!
//! Kayenta finds the same bounds by root-finding on the continuity-corrected statistic, so
//! results agree up to the tie handling at the root.
//!
//! There are `mn` differences (10^10 for 100k samples per side), so they are never built.
//! `D_(k)` is found by a search over values: for a probe value `v`, one merge-like pass over
//! the two sorted samples counts the differences `<= v` and also yields the nearest
//! differences on either side of `v`. The bracket always snaps to real differences, so the
//! search ends exactly on `D_(k)`; probes are interpolated (the count is close to a smooth
//! CDF for large samples) with bisection whenever a step fails to halve the bracket, and
//! every probe is kept to seed the next order statistic.

use super::mann_whitney::{u_sigma, ExactDistribution};
use super::normal;

/// Location shift of `x` relative to `y` (`x - y`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShiftEstimate {
    /// Median of all pairwise differences.
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    /// `k`: the interval is `[D_(k), D_(mn+1-k)]`.
    pub rank: u64,
}

/// What one probe at a value `v` learned.
#[derive(Debug, Clone, Copy)]
struct Probe {
    /// Number of differences `<= v`.
    count_le: u64,
    /// Largest difference `<= v` (`-inf` if none).
    below: f64,
    /// Smallest difference `> v` (`+inf` if none).
    above: f64,
}

/// Order statistics of the pairwise differences of two sorted, finite, non-empty samples.
#[derive(Debug)]
pub(crate) struct PairwiseDifferences<'a> {
    xs: &'a [f64],
    ys: &'a [f64],
    probes: Vec<Probe>,
    /// Number of counting passes made (for tests and tuning).
    pub passes: usize,
}

impl<'a> PairwiseDifferences<'a> {
    /// `None` when either sample is empty.
    pub fn new(xs: &'a [f64], ys: &'a [f64]) -> Option<Self> {
        if xs.is_empty() || ys.is_empty() {
            return None;
        }
        Some(Self {
            xs,
            ys,
            probes: Vec::new(),
            passes: 0,
        })
    }

    pub fn len(&self) -> u64 {
        self.xs.len() as u64 * self.ys.len() as u64
    }

    fn probe(&mut self, v: f64) -> Probe {
        self.passes += 1;
        let ys = self.ys;
        let n = ys.len();
        let mut p = 0_usize;
        let mut count_le = 0_u64;
        let mut below = f64::NEG_INFINITY;
        let mut above = f64::INFINITY;
        for &x in self.xs {
            // x - ys[j] decreases with j; skip the differences still above v.
            while p < n && x - ys[p] > v {
                p += 1;
            }
            count_le += (n - p) as u64;
            if p < n {
                below = below.max(x - ys[p]);
            }
            if p > 0 {
                above = above.min(x - ys[p - 1]);
            }
        }
        let probe = Probe {
            count_le,
            below,
            above,
        };
        self.probes.push(probe);
        probe
    }

    /// `D_(k)`, the k-th smallest difference (1-based, clamped to `1..=mn`).
    pub fn kth(&mut self, k: u64) -> f64 {
        let total = self.len();
        let k = k.clamp(1, total);
        let (m, n) = (self.xs.len(), self.ys.len());
        // Invariant: D_(k) in [lo, hi]; `below_lo` differences are < lo, `upto_hi` are <= hi.
        let mut lo = self.xs[0] - self.ys[n - 1];
        let mut below_lo = 0_u64;
        let mut hi = self.xs[m - 1] - self.ys[0];
        let mut upto_hi = total;
        for probe in &self.probes {
            if probe.count_le >= k && probe.below <= hi {
                hi = probe.below;
                upto_hi = probe.count_le;
            } else if probe.count_le < k && probe.above >= lo {
                lo = probe.above;
                below_lo = probe.count_le;
            }
        }
        let mut bisect = false;
        while lo < hi {
            let span = upto_hi - below_lo;
            let v = next_probe_value(lo, hi, (k - below_lo) as f64 / span as f64, bisect);
            let probe = self.probe(v);
            if probe.count_le >= k {
                hi = probe.below;
                upto_hi = probe.count_le;
            } else {
                lo = probe.above;
                below_lo = probe.count_le;
            }
            bisect = (upto_hi - below_lo) * 2 > span;
        }
        lo
    }

    /// Median of the differences (mean of the two middle ones when `mn` is even).
    pub fn median(&mut self) -> f64 {
        let total = self.len();
        if total % 2 == 1 {
            self.kth(total / 2 + 1)
        } else {
            let a = self.kth(total / 2);
            let b = self.kth(total / 2 + 1);
            a / 2.0 + b / 2.0
        }
    }
}

/// A value in `[lo, hi)`: interpolated at `fraction` of the bracket, or its midpoint.
fn next_probe_value(lo: f64, hi: f64, fraction: f64, bisect: bool) -> f64 {
    let in_bracket = |v: f64| v >= lo && v < hi;
    if !bisect {
        let v = lo + fraction * (hi - lo);
        if in_bracket(v) {
            return v;
        }
    }
    let mid = lo / 2.0 + hi / 2.0;
    if in_bracket(mid) {
        mid
    } else {
        lo
    }
}

/// `k` of the interval `[D_(k), D_(mn+1-k)]` at `confidence`.
pub(crate) fn interval_rank(
    n_x: usize,
    n_y: usize,
    tie_term: f64,
    confidence: f64,
    exact: Option<&ExactDistribution>,
) -> u64 {
    let total = n_x as u64 * n_y as u64;
    let half_alpha = (1.0 - confidence) / 2.0;
    let k = match exact {
        Some(dist) => {
            // smallest u with P(U <= u) >= alpha/2; cdf is increasing, so binary search.
            let (mut lo, mut hi) = (0_u64, dist.max_u());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if dist.cdf(mid) >= half_alpha {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            lo
        }
        None => {
            let sigma = u_sigma(n_x, n_y, tie_term);
            let z = normal::isf(half_alpha);
            let k = (total as f64 / 2.0 - 0.5 - z * sigma).ceil();
            if k.is_finite() && k > 0.0 {
                k as u64
            } else {
                0
            }
        }
    };
    k.clamp(1, total.div_ceil(2).max(1))
}

/// Hodges-Lehmann estimate and interval of `x - y` for sorted, finite samples.
pub(crate) fn shift_sorted(
    xs: &[f64],
    ys: &[f64],
    confidence: f64,
    tie_term: f64,
    exact: Option<&ExactDistribution>,
) -> Option<ShiftEstimate> {
    let mut diffs = PairwiseDifferences::new(xs, ys)?;
    let rank = interval_rank(xs.len(), ys.len(), tie_term, confidence, exact);
    let lower = diffs.kth(rank);
    let estimate = diffs.median();
    let upper = diffs.kth(diffs.len() + 1 - rank);
    Some(ShiftEstimate {
        estimate,
        lower,
        upper,
        rank,
    })
}

/// Hodges-Lehmann shift of `x` relative to `y` with its confidence interval. Non-finite
/// values are dropped; `None` when a sample is then empty or `confidence` is not in (0, 1).
pub fn hodges_lehmann(x: &[f64], y: &[f64], confidence: f64) -> Option<ShiftEstimate> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let xs = super::mann_whitney::sorted_finite(x);
    let ys = super::mann_whitney::sorted_finite(y);
    let sums = super::mann_whitney::rank_sums(&xs, &ys);
    let exact = if sums.tie_term == 0.0 {
        ExactDistribution::new(xs.len(), ys.len())
    } else {
        None
    };
    shift_sorted(&xs, &ys, confidence, sums.tie_term, exact.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_force(xs: &[f64], ys: &[f64]) -> Vec<f64> {
        let mut d: Vec<f64> = xs
            .iter()
            .flat_map(|x| ys.iter().map(move |y| x - y))
            .collect();
        d.sort_unstable_by(f64::total_cmp);
        d
    }

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*seed >> 11) as f64 / (1_u64 << 53) as f64
    }

    #[test]
    fn every_order_statistic_matches_brute_force_with_ties() {
        let mut seed = 7;
        let mut xs: Vec<f64> = (0..23).map(|_| (lcg(&mut seed) * 10.0).round()).collect();
        let mut ys: Vec<f64> = (0..17).map(|_| (lcg(&mut seed) * 12.0).round()).collect();
        xs.sort_unstable_by(f64::total_cmp);
        ys.sort_unstable_by(f64::total_cmp);
        let expected = brute_force(&xs, &ys);
        let mut diffs = PairwiseDifferences::new(&xs, &ys).expect("non-empty");
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(diffs.kth(i as u64 + 1), *want, "k = {}", i + 1);
        }
    }

    #[test]
    fn order_statistics_of_continuous_data_match_brute_force() {
        let mut seed = 99;
        let mut xs: Vec<f64> = (0..300).map(|_| lcg(&mut seed).ln_1p() * 50.0).collect();
        let mut ys: Vec<f64> = (0..211).map(|_| lcg(&mut seed) * 40.0 + 3.0).collect();
        xs.sort_unstable_by(f64::total_cmp);
        ys.sort_unstable_by(f64::total_cmp);
        let expected = brute_force(&xs, &ys);
        for k in [1, 2, 500, 31_650, 31_651, 63_299, 63_300] {
            let mut diffs = PairwiseDifferences::new(&xs, &ys).expect("non-empty");
            assert_eq!(diffs.kth(k), expected[k as usize - 1], "k = {k}");
            assert!(diffs.passes < 80, "k = {k} took {} passes", diffs.passes);
        }
    }

    #[test]
    fn estimate_of_a_pure_shift_is_the_shift() {
        let ys: Vec<f64> = (0..50).map(|i| f64::from(i) * 1.5).collect();
        let xs: Vec<f64> = ys.iter().map(|y| y + 10.0).collect();
        let shift = hodges_lehmann(&xs, &ys, 0.95).expect("valid");
        assert_eq!(shift.estimate, 10.0);
        assert!(shift.lower < 10.0 && shift.upper > 10.0);
    }

    #[test]
    fn constant_samples_give_a_degenerate_interval_at_their_difference() {
        let shift = hodges_lehmann(&[3.0; 15], &[1.0; 15], 0.98).expect("valid");
        assert_eq!((shift.lower, shift.estimate, shift.upper), (2.0, 2.0, 2.0));
    }

    #[test]
    fn invalid_confidence_or_empty_samples_give_none() {
        assert!(hodges_lehmann(&[1.0], &[2.0], 1.0).is_none());
        assert!(hodges_lehmann(&[1.0], &[2.0], f64::NAN).is_none());
        assert!(hodges_lehmann(&[], &[2.0], 0.9).is_none());
    }

    #[test]
    fn tiny_samples_clamp_the_interval_to_the_extreme_differences() {
        // n = 2 + 2 cannot reach 98% confidence: k is clamped to 1.
        let shift = hodges_lehmann(&[5.0, 6.0], &[1.0, 2.0], 0.98).expect("valid");
        assert_eq!(shift.rank, 1);
        assert_eq!((shift.lower, shift.upper), (3.0, 5.0));
    }
}
