//! Times `analysis::judge` on 100k vs 100k latency samples against a baseline measured in
//! the same run: copying and sorting both samples with `sort_unstable_by(f64::total_cmp)`,
//! the floor for any rank-based test. Run with `cargo bench --bench verdict`.
//!
//! Wall times grow when other processes compete for the cores; the thread CPU time next
//! to them (Linux only) is the figure to compare on a busy machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use canary_lens::analysis::{
    hodges_lehmann, judge, mann_whitney_u, Alternative, Direction, JudgeConfig, MetricConfig,
    MetricSamples,
};

const N: usize = 100_000;
const RUNS: usize = 41;

/// xorshift64* → uniform in (0, 1).
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        (bits as f64 + 0.5) / (1_u64 << 53) as f64
    }

    /// Box-Muller standard normal.
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Lognormal latencies in milliseconds around `median_ms`, optionally rounded to whole ms.
fn latencies(seed: u64, median_ms: f64, rounded: bool) -> Vec<f64> {
    let mut rng = Rng(seed);
    (0..N)
        .map(|_| {
            let v = median_ms * (0.4 * rng.normal()).exp();
            if rounded {
                v.round()
            } else {
                v
            }
        })
        .collect()
}

/// CPU time of this thread (Linux `/proc/thread-self/schedstat`), which, unlike wall time,
/// does not grow when other processes compete for the cores.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// Median wall time of `RUNS` calls, and mean thread CPU time per call (if available;
/// the kernel updates it at scheduler ticks, so only the total over all runs is precise).
fn time<F: FnMut()>(mut f: F) -> (Duration, Option<Duration>) {
    f(); // warm-up
    let mut wall = Vec::with_capacity(RUNS);
    let cpu_start = thread_cpu_time();
    for _ in 0..RUNS {
        let start = Instant::now();
        f();
        wall.push(start.elapsed());
    }
    let cpu = match (cpu_start, thread_cpu_time()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a) / RUNS as u32),
        _ => None,
    };
    (median(wall), cpu)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn show(label: &str, (wall, cpu): (Duration, Option<Duration>)) {
    match cpu {
        Some(cpu) => println!(
            "  {label:<22} {:>8.2} ms wall, {:>8.2} ms cpu",
            ms(wall),
            ms(cpu)
        ),
        None => println!("  {label:<24} {:>7.2} ms wall (median)", ms(wall)),
    }
}

fn scenario(label: &str, rounded: bool) {
    let stable = latencies(0x9e37_79b9_7f4a_7c15, 120.0, rounded);
    let canary = latencies(0xd1b5_4a32_d192_ed03, 126.0, rounded);
    let metrics = [(
        MetricSamples {
            name: "request latency",
            control: &stable,
            experiment: &canary,
        },
        MetricConfig::new(Direction::Increase),
    )];
    let config = JudgeConfig::default();
    let verdict = judge(&metrics, &config).expect("valid config");
    let verdict_time = time(|| {
        black_box(judge(black_box(&metrics), &config).expect("valid config"));
    });
    let sort_time = time(|| {
        let mut a = black_box(&stable).clone();
        let mut b = black_box(&canary).clone();
        a.sort_unstable_by(f64::total_cmp);
        b.sort_unstable_by(f64::total_cmp);
        black_box((a, b));
    });
    let test_time = time(|| {
        black_box(mann_whitney_u(
            black_box(&canary),
            &stable,
            Alternative::TwoSided,
        ));
    });
    let interval_time = time(|| {
        black_box(hodges_lehmann(black_box(&canary), &stable, 0.98));
    });
    println!("{label}: {N} vs {N} samples, median of {RUNS} runs");
    show("verdict", verdict_time);
    show("sort baseline", sort_time);
    show("  (U test alone)", test_time);
    show("  (shift interval alone)", interval_time);
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    print!(
        "  verdict / sort baseline = {:.2} (wall)",
        ratio(verdict_time.0, sort_time.0)
    );
    if let (Some(v), Some(s)) = (verdict_time.1, sort_time.1) {
        print!(", {:.2} (cpu)", ratio(v, s));
    }
    println!();
    println!("  -> {}", verdict.summary);
}

fn main() {
    scenario("continuous lognormal latencies", false);
    scenario("latencies rounded to whole ms (heavy ties)", true);
}
