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
//! There are `mn` differences (10^10 for 100k samples per side), so they are never all
//! built. `D_(k)` is selected inside a shrinking bracket `[lo, hi]` of real differences:
//! * per row `i` the differences `x_i - y_j` decrease with `j`, so the candidates inside the
//!   bracket are one run of `j` per row, and one merge-like pass over the sorted samples
//!   counts the differences `<= v` for a probe value `v` (yielding the run boundaries and
//!   the nearest differences on either side of `v`, to which the bracket snaps);
//! * probe values come from a random sample of the candidates (Floyd-Rivest style): two
//!   sample quantiles just around the target rank, so each round of two passes keeps a
//!   few percent of the candidates;
//! * once few candidates remain they are collected and selected directly;
//! * every probe is kept, so the median's probes already bracket the interval's ends.
//!
//! The result is exact whatever the random draws (they only affect speed); the generator
//! has a fixed seed, so timings are reproducible too.

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

/// Candidates at most this many are selected directly.
const DIRECT_LIMIT: u64 = 1 << 16;
/// Differences sampled per round.
const SAMPLE: usize = 8192;
/// Half-width of the pivot window around the target, in sample standard deviations.
const WINDOW_SIGMAS: f64 = 3.0;

/// What one counting pass at a value `v` learned. As the bracket's upper edge it stands for
/// `below` (with `count_le` differences `<= below`), as its lower edge for `above` (with
/// `count_le` differences `< above`). Every probe is kept, so later order statistics start
/// from the tightest bracket already known.
#[derive(Debug)]
struct Probe {
    /// Number of differences `<= v`.
    count_le: u64,
    /// Largest difference `<= v` (`-inf` if none).
    below: f64,
    /// Smallest difference `> v` (`+inf` if none).
    above: f64,
    /// Per row `i`, the first `j` with `x_i - y_j <= v`.
    first_j: Vec<u32>,
}

/// Order statistics of the pairwise differences of two sorted, finite, non-empty samples.
#[derive(Debug)]
pub(crate) struct PairwiseDifferences<'a> {
    xs: &'a [f64],
    ys: &'a [f64],
    probes: Vec<Probe>,
    rng: u64,
    direct_limit: u64,
    /// Number of counting passes made (for tests and tuning).
    pub passes: usize,
}

impl<'a> PairwiseDifferences<'a> {
    /// `None` when either sample is empty (or absurdly large: over 4 billion values).
    pub fn new(xs: &'a [f64], ys: &'a [f64]) -> Option<Self> {
        let (m, n) = (xs.len(), ys.len());
        let n32 = u32::try_from(n).ok()?;
        if m == 0 || n == 0 {
            return None;
        }
        let total = m as u64 * n as u64;
        // Two virtual probes bound everything: one below the smallest difference, one at the
        // largest.
        let floor = Probe {
            count_le: 0,
            below: f64::NEG_INFINITY,
            above: xs[0] - ys[n - 1],
            first_j: vec![n32; m],
        };
        let ceiling = Probe {
            count_le: total,
            below: xs[m - 1] - ys[0],
            above: f64::INFINITY,
            first_j: vec![0; m],
        };
        Some(Self {
            xs,
            ys,
            probes: vec![floor, ceiling],
            rng: 0x853c_49e6_748f_ea9b,
            direct_limit: DIRECT_LIMIT,
            passes: 0,
        })
    }

    pub fn len(&self) -> u64 {
        self.xs.len() as u64 * self.ys.len() as u64
    }

    fn random_below(&mut self, bound: u64) -> u64 {
        // xorshift64*; the modulo bias is irrelevant here (it only steers pivots).
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }

    /// Tightest known bracket for rank `k`: (lower-edge probe, upper-edge probe).
    fn bracket(&self, k: u64) -> (usize, usize) {
        let (mut lo, mut hi) = (0, 1);
        for (i, p) in self.probes.iter().enumerate() {
            if p.count_le < k && p.count_le >= self.probes[lo].count_le {
                lo = i;
            } else if p.count_le >= k && p.count_le <= self.probes[hi].count_le {
                hi = i;
            }
        }
        (lo, hi)
    }

    /// Counts differences `<= v`, only walking inside the bracket's runs.
    ///
    /// Per row the boundary `p` only moves forward, by about one column on average, so the
    /// cost is set by latency and branch misses rather than work: the walk tests four
    /// columns at a time without branching (the test holds for a prefix of them, so the
    /// number of hits is the step), and the rows are split into two stripes walked side by
    /// side, whose independent dependency chains overlap in the CPU.
    fn probe(&mut self, v: f64, lo: usize, hi: usize) {
        const STRIPES: usize = 2;
        const STEP: usize = 4;
        self.passes += 1;
        let (xs, ys) = (self.xs, self.ys);
        let (m, n) = (xs.len(), ys.len());
        let (lo_j, hi_j) = (&self.probes[lo].first_j, &self.probes[hi].first_j);
        let mut first_j = vec![0_u32; m];
        let rows_per_stripe = m.div_ceil(STRIPES);
        let above_v = |x: f64, y: f64| x - y > v;
        // Each stripe starts with a binary search in its first row's run.
        let mut p = [0_usize; STRIPES];
        for (s, p) in p.iter_mut().enumerate() {
            let row = (s * rows_per_stripe).min(m - 1);
            let (a, b) = (hi_j[row] as usize, lo_j[row] as usize);
            *p = a + ys[a..b.max(a)].partition_point(|&y| above_v(xs[row], y));
        }
        let mut count_le = 0_u64;
        let mut below = f64::NEG_INFINITY;
        let mut above = f64::INFINITY;
        for t in 0..rows_per_stripe {
            for (s, p) in p.iter_mut().enumerate() {
                let row = s * rows_per_stripe + t;
                if row >= m {
                    continue;
                }
                let x = xs[row];
                let end = lo_j[row] as usize;
                // Differences before hi's boundary are > hi >= v; from lo's they are < lo.
                let mut q = (*p).max(hi_j[row] as usize);
                loop {
                    let mut hits = 0;
                    for u in 0..STEP {
                        let j = q + u;
                        hits += usize::from((j < end) & above_v(x, ys[j.min(n - 1)]));
                    }
                    q += hits;
                    if hits < STEP {
                        break;
                    }
                }
                *p = q;
                first_j[row] = q as u32; // q <= n, which fits in u32 (checked in `new`)
                count_le += (n - q) as u64;
                if q < n {
                    below = below.max(x - ys[q]);
                }
                if q > 0 {
                    above = above.min(x - ys[q - 1]);
                }
            }
        }
        self.probes.push(Probe {
            count_le,
            below,
            above,
            first_j,
        });
    }

    /// `D_(k)`, the k-th smallest difference (1-based, clamped to `1..=mn`).
    pub fn kth(&mut self, k: u64) -> f64 {
        let k = k.clamp(1, self.len());
        loop {
            let (lo, hi) = self.bracket(k);
            let (lo_value, lo_count) = (self.probes[lo].above, self.probes[lo].count_le);
            let (hi_value, hi_count) = (self.probes[hi].below, self.probes[hi].count_le);
            if lo_value >= hi_value {
                return lo_value;
            }
            let span = hi_count - lo_count;
            let rank = k - lo_count; // 1-based among the candidates
            if span <= self.direct_limit {
                return self.select_directly(lo, hi, rank);
            }
            let mut sample = self.sample_candidates(lo, hi, span);
            if sample.is_empty() {
                // Cannot happen (the runs hold `span` candidates); probing lo still progresses.
                sample.push(lo_value);
            }
            let q = rank as f64 / span as f64;
            let s = sample.len() as f64;
            let spread = WINDOW_SIGMAS * (s * q * (1.0 - q)).sqrt() + 1.0;
            let mut pick = |r: f64| {
                let index = (r.max(0.0) as usize).min(sample.len() - 1);
                *sample.select_nth_unstable_by(index, f64::total_cmp).1
            };
            let pivots = [pick(q * s - spread), pick(q * s + spread)];
            for v in pivots {
                let (lo, hi) = self.bracket(k);
                let (lo_value, hi_value) = (self.probes[lo].above, self.probes[hi].below);
                // Sampled values lie in [lo, hi]; a pivot at hi would not shrink the bracket,
                // probing lo always does (it either ends the search or moves lo up).
                let v = if v >= hi_value { lo_value } else { v };
                if v >= lo_value && v < hi_value {
                    self.probe(v, lo, hi);
                }
            }
        }
    }

    /// Stratified random sample of the differences inside the bracket: the `t`-th draw is
    /// uniform among candidates `t*span/SAMPLE .. (t+1)*span/SAMPLE` in row order, so the
    /// positions come out sorted and one sweep over the rows collects them.
    fn sample_candidates(&mut self, lo: usize, hi: usize, span: u64) -> Vec<f64> {
        let stratum = span as f64 / SAMPLE as f64;
        let mut positions = Vec::with_capacity(SAMPLE);
        for t in 0..SAMPLE {
            let offset = self.random_below(1 << 53) as f64 / (1_u64 << 53) as f64;
            let r = ((t as f64 + offset) * stratum) as u64;
            positions.push(r.min(span - 1));
        }
        let (lo_j, hi_j) = (&self.probes[lo].first_j, &self.probes[hi].first_j);
        let mut sample = Vec::with_capacity(SAMPLE);
        let mut next = positions.iter().peekable();
        let mut before = 0_u64; // candidates in earlier rows
        for (i, (&a, &b)) in hi_j.iter().zip(lo_j).enumerate() {
            let width = u64::from(b.saturating_sub(a));
            while let Some(&&r) = next.peek() {
                if r >= before + width {
                    break;
                }
                let j = a as usize + (r - before) as usize;
                sample.push(self.xs[i] - self.ys[j]);
                next.next();
            }
            before += width;
        }
        sample
    }

    /// The `rank`-th smallest (1-based) of the differences inside the bracket.
    fn select_directly(&self, lo: usize, hi: usize, rank: u64) -> f64 {
        let (lo_j, hi_j) = (&self.probes[lo].first_j, &self.probes[hi].first_j);
        let mut candidates = Vec::new();
        for ((&x, &a), &b) in self.xs.iter().zip(hi_j).zip(lo_j) {
            let (a, b) = (a as usize, b as usize);
            candidates.extend(self.ys[a..b.max(a)].iter().map(|y| x - y));
        }
        if candidates.is_empty() {
            return self.probes[lo].above;
        }
        let index = (rank as usize).saturating_sub(1).min(candidates.len() - 1);
        *candidates.select_nth_unstable_by(index, f64::total_cmp).1
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
    // The median first: its early probes then bracket both interval ends.
    let estimate = diffs.median();
    let lower = diffs.kth(rank);
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

    fn sorted(mut v: Vec<f64>) -> Vec<f64> {
        v.sort_unstable_by(f64::total_cmp);
        v
    }

    /// Checks `kth` against brute force, both with direct selection only and with the
    /// sampled rounds forced down to tiny brackets.
    fn check_against_brute_force(xs: &[f64], ys: &[f64], ks: &[u64]) {
        let expected = brute_force(xs, ys);
        for &k in ks {
            for direct_limit in [DIRECT_LIMIT, 16] {
                let mut diffs = PairwiseDifferences::new(xs, ys).expect("non-empty");
                diffs.direct_limit = direct_limit;
                assert_eq!(
                    diffs.kth(k),
                    expected[k as usize - 1],
                    "k = {k}, limit {direct_limit}"
                );
                assert!(diffs.passes < 40, "k = {k} took {} passes", diffs.passes);
            }
        }
    }

    #[test]
    fn order_statistics_of_continuous_data_match_brute_force() {
        let mut seed = 99;
        let xs = sorted((0..400).map(|_| lcg(&mut seed).ln_1p() * 50.0).collect());
        let ys = sorted((0..300).map(|_| lcg(&mut seed) * 40.0 + 3.0).collect());
        check_against_brute_force(
            &xs,
            &ys,
            &[1, 2, 500, 59_999, 60_000, 60_001, 119_999, 120_000],
        );
    }

    #[test]
    fn order_statistics_of_heavily_tied_data_match_brute_force() {
        let mut seed = 3;
        // Zero-inflated counts: most differences are exactly 0, 1 or -1.
        let mut count = |n: usize, p: f64| -> Vec<f64> {
            sorted(
                (0..n)
                    .map(|_| {
                        if lcg(&mut seed) < p {
                            (lcg(&mut seed) * 4.0).floor()
                        } else {
                            0.0
                        }
                    })
                    .collect(),
            )
        };
        let xs = count(500, 0.3);
        let ys = count(400, 0.1);
        check_against_brute_force(
            &xs,
            &ys,
            &[1, 40_000, 99_999, 100_000, 100_001, 150_000, 200_000],
        );
    }

    #[test]
    fn large_samples_need_few_passes() {
        let mut seed = 5;
        let xs = sorted((0..100_000).map(|_| lcg(&mut seed) * 100.0).collect());
        let ys = sorted((0..100_000).map(|_| lcg(&mut seed) * 90.0).collect());
        let mut diffs = PairwiseDifferences::new(&xs, &ys).expect("non-empty");
        let median = diffs.median();
        assert!((median - 5.0).abs() < 0.5, "{median}");
        assert!(diffs.passes <= 24, "{} passes", diffs.passes);
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
