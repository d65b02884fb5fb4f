//! A scrape target serving OpenMetrics text with exemplars for a fixture rollout.
//!
//! Every pod exports the OpenTelemetry histogram `http_server_request_duration_seconds`
//! (as Prometheus names it) per status code. Counters grow linearly with wall time at the
//! pod's request rate, so `rate()` over any window equals the fixture's rate; bucket
//! counts are fixed fractions of the count, so `histogram_quantile` has a known answer.
//! Values are floats (exactly linear), so there is no rounding noise.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;

use super::fake::FakeServer;

/// Bucket upper bounds (seconds), before `+Inf`.
pub const BUCKETS: [f64; 5] = [0.05, 0.1, 0.25, 0.5, 1.0];

/// One exemplar attached to a bucket line.
#[derive(Clone, Debug)]
pub struct FixtureExemplar {
    pub label: &'static str,
    pub trace_id: &'static str,
    pub value: f64,
    pub status_code: u16,
    pub bucket: usize,
}

/// One pod of the fixture.
#[derive(Clone, Debug)]
pub struct PodFixture {
    pub namespace: &'static str,
    pub pod: &'static str,
    pub hash: &'static str,
    pub version: &'static str,
    /// Requests per second.
    pub rps: f64,
    /// Share of requests answered 500.
    pub error_ratio: f64,
    /// Cumulative share of requests at or below each of [`BUCKETS`].
    pub cumulative: [f64; 5],
    pub exemplars: Vec<FixtureExemplar>,
}

pub const CANARY_RS: &str = "canary-demo-65fb5ffc84";
pub const STABLE_RS: &str = "canary-demo-877894d5b";
pub const CANARY_CUMULATIVE: [f64; 5] = [0.1, 0.3, 0.6, 0.9, 1.0];
pub const STABLE_CUMULATIVE: [f64; 5] = [0.4, 0.8, 0.95, 0.99, 1.0];

/// The canary pod, two stable pods, and two decoys the join must exclude: a pod of
/// another app in the same namespace and a same-named pod in another namespace.
pub fn rollout_fixture() -> Vec<PodFixture> {
    vec![
        PodFixture {
            namespace: "argo-demo",
            pod: "canary-demo-65fb5ffc84-9wf5r",
            hash: "65fb5ffc84",
            version: "v2",
            rps: 20.0,
            error_ratio: 0.1,
            cumulative: CANARY_CUMULATIVE,
            exemplars: vec![
                FixtureExemplar {
                    label: "trace_id",
                    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
                    value: 0.42,
                    status_code: 500,
                    bucket: 3,
                },
                FixtureExemplar {
                    label: "trace_id",
                    trace_id: "00f067aa0ba902b7a3ce929d0e0e4736",
                    value: 0.07,
                    status_code: 200,
                    bucket: 1,
                },
            ],
        },
        PodFixture {
            namespace: "argo-demo",
            pod: "canary-demo-877894d5b-6jfpt",
            hash: "877894d5b",
            version: "v1",
            rps: 40.0,
            error_ratio: 0.02,
            cumulative: STABLE_CUMULATIVE,
            exemplars: vec![FixtureExemplar {
                label: "traceID",
                trace_id: "5b8efff798038103d269b633813fc60c",
                value: 0.03,
                status_code: 200,
                bucket: 0,
            }],
        },
        PodFixture {
            namespace: "argo-demo",
            pod: "canary-demo-877894d5b-xk2lm",
            hash: "877894d5b",
            version: "v1",
            rps: 40.0,
            error_ratio: 0.02,
            cumulative: STABLE_CUMULATIVE,
            exemplars: Vec::new(),
        },
        PodFixture {
            namespace: "argo-demo",
            pod: "other-app-5d9c8b7f6-abcde",
            hash: "5d9c8b7f6",
            version: "v9",
            rps: 1000.0,
            error_ratio: 0.5,
            cumulative: [0.0, 0.0, 0.0, 0.0, 1.0],
            exemplars: Vec::new(),
        },
        PodFixture {
            namespace: "staging",
            pod: "canary-demo-65fb5ffc84-zzzzz",
            hash: "65fb5ffc84",
            version: "v2",
            rps: 500.0,
            error_ratio: 0.9,
            cumulative: [1.0, 1.0, 1.0, 1.0, 1.0],
            exemplars: vec![FixtureExemplar {
                label: "trace_id",
                trace_id: "decoy0000000000000000000000000000",
                value: 0.01,
                status_code: 500,
                bucket: 0,
            }],
        },
    ]
}

/// `histogram_quantile` on a cumulative distribution: linear within the bucket.
pub fn expected_quantile(q: f64, cumulative: &[f64; 5]) -> f64 {
    let mut lower_bound = 0.0;
    let mut lower_cum = 0.0;
    for (i, cum) in cumulative.iter().enumerate() {
        if *cum >= q {
            return lower_bound + (BUCKETS[i] - lower_bound) * (q - lower_cum) / (cum - lower_cum);
        }
        lower_bound = BUCKETS[i];
        lower_cum = *cum;
    }
    BUCKETS[BUCKETS.len() - 1]
}

/// A pod whose life differs from the steady default: it appears `starts_at` seconds
/// after the target starts (no series before), and until `error_ratio_before.0`
/// seconds of its life it fails `error_ratio_before.1` of its requests instead of
/// its fixture's ratio.
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    pub pod: &'static str,
    pub starts_at: f64,
    pub error_ratio_before: Option<(f64, f64)>,
}

/// Renders the exposition at `elapsed` seconds after the start.
pub fn render(pods: &[PodFixture], elapsed: f64, exemplar_ts: f64) -> String {
    render_scheduled(pods, &[], elapsed, exemplar_ts)
}

/// Requests and errors counted so far by a pod `elapsed` seconds after the start.
fn counts(p: &PodFixture, schedules: &[Schedule], elapsed: f64) -> Option<(f64, f64)> {
    let s = schedules.iter().find(|s| s.pod == p.pod);
    let starts_at = s.map_or(0.0, |s| s.starts_at);
    if elapsed < starts_at {
        return None;
    }
    let life = elapsed - starts_at;
    let errors = match s.and_then(|s| s.error_ratio_before) {
        Some((until, before)) => {
            p.rps * (before * life.min(until) + p.error_ratio * (life - until).max(0.0))
        }
        None => p.rps * p.error_ratio * life,
    };
    Some((p.rps * life, errors))
}

/// [`render`] with [`Schedule`]s.
pub fn render_scheduled(
    pods: &[PodFixture],
    schedules: &[Schedule],
    elapsed: f64,
    exemplar_ts: f64,
) -> String {
    let mut out = String::new();
    let name = "http_server_request_duration_seconds";
    out.push_str(&format!(
        "# TYPE {name} histogram\n# HELP {name} Duration of HTTP server requests.\n"
    ));
    for p in pods {
        let Some((requests, errors)) = counts(p, schedules, elapsed) else {
            continue;
        };
        for code in [200u16, 500] {
            let count = if code == 500 {
                errors
            } else {
                requests - errors
            };
            let labels = format!(
                r#"namespace="{}",pod="{}",rollouts_pod_template_hash="{}",app_version="{}",http_response_status_code="{code}""#,
                p.namespace, p.pod, p.hash, p.version
            );
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = write!(
                    out,
                    "{name}_bucket{{{labels},le=\"{le}\"}} {}",
                    count * p.cumulative[i]
                );
                if let Some(e) = p
                    .exemplars
                    .iter()
                    .find(|e| e.status_code == code && e.bucket == i)
                {
                    let _ = write!(
                        out,
                        " # {{{}=\"{}\"}} {} {exemplar_ts:.3}",
                        e.label, e.trace_id, e.value
                    );
                }
                out.push('\n');
            }
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
            let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
            let _ = writeln!(out, "{name}_sum{{{labels}}} {}", count * 0.2);
        }
    }
    out.push_str("# EOF\n");
    out
}

/// The running target.
pub struct MetricsTarget {
    pub server: FakeServer,
    /// Unix seconds of the exemplars' timestamps.
    pub exemplar_ts: f64,
}

impl MetricsTarget {
    pub async fn start(pods: Vec<PodFixture>) -> Self {
        Self::start_scheduled(pods, Vec::new()).await
    }

    /// A target whose pods follow `schedules` (see [`Schedule`]).
    pub async fn start_scheduled(pods: Vec<PodFixture>, schedules: Vec<Schedule>) -> Self {
        let start = Instant::now();
        let exemplar_ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let pods = Arc::new(pods);
        let schedules = Arc::new(schedules);
        let router = Router::new().route(
            "/metrics",
            get(move || {
                let pods = pods.clone();
                let schedules = schedules.clone();
                async move {
                    let body = render_scheduled(
                        &pods,
                        &schedules,
                        start.elapsed().as_secs_f64(),
                        exemplar_ts,
                    );
                    (
                        [(
                            CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        body,
                    )
                }
            }),
        );
        Self {
            server: FakeServer::start(router).await,
            exemplar_ts,
        }
    }
}
