//! Simulated canaries looked at after every window: how often the fixed-horizon judge
//! (`analysis::judge`, recomputed at each look as a panel refresh does) and the sequential
//! verdict (`analysis::sequential_verdict`) fail an A/A canary, and how fast each catches a
//! real regression. Run with `cargo bench --bench verdict_simulation` (10,000 canaries per
//! scenario) or `cargo bench --bench verdict_simulation -- --quick` (1,000).
//!
//! The model, per canary: 30 windows of one minute, one look after each. 6 stable pods and
//! 2 canary pods, each serving about 600 requests per window. Per window a load factor
//! (lognormal, sd 0.1) and an error burst factor (lognormal, sd 0.3) are shared by both
//! sides, as traffic peaks and failing dependencies are. Per pod and window: requests are
//! Poisson around 600 × load, errors binomial at 1% × burst, the p99 latency 250 ms ×
//! sqrt(load) × a lognormal estimation noise (sd 0.2). A regression multiplies the canary's
//! error probability (1% → 3%) or its p99 (+30%).
//!
//! The fixed-horizon judge sees what the `verdict` query gives it: per pod and window error
//! ratios and p99 values of all windows so far, judged once with the datasource's defaults
//! (tolerance 0.25, confidence 0.98) and once as a plain 95% test (tolerance 0, confidence
//! 0.95). Its metrics are not critical: a critical metric without data, as in the first
//! looks, would fail it outright, and with two metrics one failure scores 50, a Fail anyway.
//! The sequential verdict (confidence 0.95, tolerance 0.1) sees per window the summed
//! requests and errors of each side and each pod's p99, error ratio critical. Every canary
//! has its own seed derived from one fixed seed, so the figures are the same on every run
//! and with any number of threads.

use std::time::Instant;

use canary_lens::analysis::{
    judge, sequential_verdict, Classification, CountWindow, Counts, Direction, JudgeConfig,
    MetricConfig, MetricSamples, Outcome, SequentialConfig, SequentialData, SequentialMetric,
    SequentialMetricConfig, SequentialOutcome, ValueWindow,
};

const LOOKS: usize = 30;
const STABLE_PODS: usize = 6;
const CANARY_PODS: usize = 2;
const REQUESTS: f64 = 600.0;
const ERROR_RATIO: f64 = 0.01;
const P99_SECONDS: f64 = 0.25;
const SEED: u64 = 0x5eed_cafe_f00d_0009;

/// splitmix64-seeded xorshift64*.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Self((z ^ (z >> 31)) | 1)
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

    /// Poisson by its normal approximation (means here are in the hundreds).
    fn poisson_large(&mut self, mean: f64) -> f64 {
        (mean + mean.sqrt() * self.normal()).round().max(1.0)
    }

    /// Binomial by inversion (means here are below 100).
    fn binomial(&mut self, n: f64, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        if p == 0.0 || n < 1.0 {
            return 0.0;
        }
        if p == 1.0 {
            return n;
        }
        let n_int = n as u64;
        let q = 1.0 - p;
        let mut pmf = q.powf(n);
        let mut cdf = pmf;
        let u = self.uniform();
        let mut k = 0_u64;
        while u > cdf && k < n_int {
            pmf *= (n_int - k) as f64 / (k + 1) as f64 * p / q;
            k += 1;
            cdf += pmf;
        }
        k as f64
    }
}

#[derive(Debug, Clone, Copy)]
struct Effect {
    errors: f64,
    p99: f64,
}

/// One side's pods in one window.
#[derive(Default)]
struct Side {
    requests: Vec<f64>,
    errors: Vec<f64>,
    p99: Vec<f64>,
}

struct Canary {
    stable: Vec<Side>,
    canary: Vec<Side>,
}

fn simulate(seed: u64, effect: Effect) -> Canary {
    let mut rng = Rng::new(seed);
    let mut stable = Vec::with_capacity(LOOKS);
    let mut canary = Vec::with_capacity(LOOKS);
    for _ in 0..LOOKS {
        let load = (0.1 * rng.normal()).exp();
        let burst = (0.3 * rng.normal()).exp();
        let side = |pods: usize, e: Effect, rng: &mut Rng| {
            let mut s = Side::default();
            for _ in 0..pods {
                let n = rng.poisson_large(REQUESTS * load);
                s.errors
                    .push(rng.binomial(n, ERROR_RATIO * burst * e.errors));
                s.requests.push(n);
                s.p99
                    .push(P99_SECONDS * load.sqrt() * (0.2 * rng.normal()).exp() * e.p99);
            }
            s
        };
        let none = Effect {
            errors: 1.0,
            p99: 1.0,
        };
        stable.push(side(STABLE_PODS, none, &mut rng));
        canary.push(side(CANARY_PODS, effect, &mut rng));
    }
    Canary { stable, canary }
}

/// What the fixed-horizon judge did over one canary's looks (1-based).
#[derive(Debug, Clone, Copy, Default)]
struct Fixed {
    /// First look with a Fail.
    fail: Option<usize>,
    /// First look with a metric judged worse (a Fail for the data, not for missing data).
    worse: Option<usize>,
    /// Fail at the last look.
    fail_last: bool,
}

/// What the sequential verdict did over one canary's looks (1-based).
#[derive(Debug, Clone, Copy, Default)]
struct Sequential {
    fail: Option<usize>,
    pass: Option<usize>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Run {
    /// `judge` with the datasource's defaults.
    defaults: Fixed,
    /// `judge` as a plain 95% test: confidence 0.95, no tolerance band.
    plain: Fixed,
    sequential: Sequential,
    /// The sequential verdict at the edge of its null hypothesis: tolerance 0.
    sequential_edge: Sequential,
}

/// `judge` at every look with this metric configuration.
fn fixed_horizon(c: &Canary, config: &MetricConfig) -> Fixed {
    let judge_config = JudgeConfig::default();
    let ratios = |s: &Side| -> Vec<f64> {
        s.errors
            .iter()
            .zip(&s.requests)
            .map(|(e, n)| e / n)
            .collect()
    };
    let (mut er_s, mut er_c, mut p_s, mut p_c) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut out = Fixed::default();
    for look in 0..LOOKS {
        er_s.extend(ratios(&c.stable[look]));
        er_c.extend(ratios(&c.canary[look]));
        p_s.extend(&c.stable[look].p99);
        p_c.extend(&c.canary[look].p99);
        // Not critical: a critical metric without data (the first looks) fails the verdict
        // outright; with two metrics one failure already scores 50, a Fail.
        let metrics = [
            (
                MetricSamples {
                    name: "error ratio",
                    control: &er_s,
                    experiment: &er_c,
                },
                config.clone(),
            ),
            (
                MetricSamples {
                    name: "p99 latency",
                    control: &p_s,
                    experiment: &p_c,
                },
                config.clone(),
            ),
        ];
        let verdict = judge(&metrics, &judge_config).expect("valid config");
        let fail = verdict.outcome == Outcome::Fail;
        let worse = verdict
            .metrics
            .iter()
            .any(|m| m.classification == Classification::High);
        if fail && out.fail.is_none() {
            out.fail = Some(look + 1);
        }
        if fail && worse && out.worse.is_none() {
            out.worse = Some(look + 1);
        }
        out.fail_last = fail;
    }
    out
}

fn sequential(c: &Canary, tolerance: f64) -> Sequential {
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    let counts: Vec<CountWindow> = (0..LOOKS)
        .map(|i| CountWindow {
            canary: Counts {
                requests: sum(&c.canary[i].requests),
                errors: sum(&c.canary[i].errors),
            },
            stable: Counts {
                requests: sum(&c.stable[i].requests),
                errors: sum(&c.stable[i].errors),
            },
        })
        .collect();
    let values: Vec<ValueWindow> = (0..LOOKS)
        .map(|i| ValueWindow {
            canary: c.canary[i].p99.clone(),
            stable: c.stable[i].p99.clone(),
        })
        .collect();
    let config = SequentialMetricConfig::default().tolerance(tolerance);
    let metrics = [
        SequentialMetric {
            name: "error ratio",
            data: SequentialData::Counts(&counts),
            config: config.clone().critical(true),
        },
        SequentialMetric {
            name: "p99 latency",
            data: SequentialData::Values(&values),
            config,
        },
    ];
    let v = sequential_verdict(&metrics, None, &SequentialConfig::default()).expect("valid");
    let first = |o: SequentialOutcome| v.history.iter().position(|h| *h == o).map(|i| i + 1);
    Sequential {
        fail: first(SequentialOutcome::Fail),
        pass: first(SequentialOutcome::Pass),
    }
}

fn run_one(seed: u64, effect: Effect) -> Run {
    let c = simulate(seed, effect);
    let defaults = MetricConfig::new(Direction::Increase)
        .tolerance(0.25)
        .confidence(0.98);
    let plain = MetricConfig::new(Direction::Increase)
        .tolerance(0.0)
        .confidence(0.95);
    Run {
        defaults: fixed_horizon(&c, &defaults),
        plain: fixed_horizon(&c, &plain),
        sequential: sequential(&c, 0.1),
        sequential_edge: sequential(&c, 0.0),
    }
}

fn run_scenario(id: u64, effect: Effect, canaries: usize, threads: usize) -> Vec<Run> {
    let mut runs = vec![Run::default(); canaries];
    let chunk = canaries.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (t, slot) in runs.chunks_mut(chunk).enumerate() {
            scope.spawn(move || {
                for (j, run) in slot.iter_mut().enumerate() {
                    let index = (t * chunk + j) as u64;
                    *run = run_one(SEED ^ (id << 40) ^ index, effect);
                }
            });
        }
    });
    runs
}

/// Share of canaries (percent) with a first look, and the median of those first looks.
fn cell(firsts: impl Iterator<Item = Option<usize>>, total: usize) -> String {
    let mut looks: Vec<usize> = firsts.flatten().collect();
    looks.sort_unstable();
    let share = looks.len() as f64 / total as f64 * 100.0;
    match looks.get((looks.len().max(1) - 1) / 2) {
        Some(m) => format!("{share:5.1}% (median look {m:>2})"),
        None => format!("{share:5.1}%"),
    }
}

const COLUMNS: [&str; 4] = [
    "judge (defaults)",
    "judge (95%)",
    "sequential (95%)",
    "sequential (tol 0)",
];

fn row(label: &str, cells: [String; 4]) {
    print!("{label:<34}");
    for c in cells {
        print!(" {c:<25}");
    }
    println!();
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let canaries = if quick { 1_000 } else { 10_000 };
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let start = Instant::now();
    println!(
        "verdict simulation: {canaries} canaries x {LOOKS} looks per scenario, seed {SEED:#x}, {threads} threads"
    );
    println!(
        "  {STABLE_PODS} stable and {CANARY_PODS} canary pods, ~{REQUESTS} requests per pod and window, error ratio {}%, p99 {} ms",
        ERROR_RATIO * 100.0,
        P99_SECONDS * 1e3
    );
    println!(
        "  judge (defaults):   analysis::judge at every look, tolerance 0.25, confidence 0.98"
    );
    println!("  judge (95%):        analysis::judge at every look, tolerance 0, confidence 0.95");
    println!("  sequential (95%):   analysis::sequential_verdict, tolerance 0.1, confidence 0.95");
    println!("  sequential (tol 0): the same at the edge of its null hypothesis, tolerance 0");
    println!("  cells: share of canaries (median first look among them)");
    println!();
    row("", COLUMNS.map(str::to_owned));
    let effect = |errors: f64, p99: f64| Effect { errors, p99 };
    let scenarios = [
        ("A/A: Fail at any look", effect(1.0, 1.0)),
        ("error ratio 1% -> 3%: Fail", effect(3.0, 1.0)),
        ("p99 +30%: Fail", effect(1.0, 1.3)),
    ];
    for (id, (label, effect)) in scenarios.iter().enumerate() {
        let runs = run_scenario(id as u64, *effect, canaries, threads);
        let n = canaries;
        let share = |f: &dyn Fn(&Run) -> bool| {
            let hits = runs.iter().filter(|r| f(r)).count();
            format!("{:5.1}%", hits as f64 / n as f64 * 100.0)
        };
        row(
            label,
            [
                cell(runs.iter().map(|r| r.defaults.fail), n),
                cell(runs.iter().map(|r| r.plain.fail), n),
                cell(runs.iter().map(|r| r.sequential.fail), n),
                cell(runs.iter().map(|r| r.sequential_edge.fail), n),
            ],
        );
        if id == 0 {
            row(
                "  of which a metric judged worse",
                [
                    cell(runs.iter().map(|r| r.defaults.worse), n),
                    cell(runs.iter().map(|r| r.plain.worse), n),
                    "-".into(),
                    "-".into(),
                ],
            );
            row(
                "A/A: Fail at the last look only",
                [
                    share(&|r| r.defaults.fail_last),
                    share(&|r| r.plain.fail_last),
                    "-".into(),
                    "-".into(),
                ],
            );
            row(
                "A/A: Pass by the last look",
                [
                    "-".into(),
                    "-".into(),
                    cell(runs.iter().map(|r| r.sequential.pass), n),
                    cell(runs.iter().map(|r| r.sequential_edge.pass), n),
                ],
            );
        }
    }
    println!();
    println!("elapsed {:.1} s", start.elapsed().as_secs_f64());
}
