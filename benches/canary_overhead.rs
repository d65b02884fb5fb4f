//! What a `canaryMetrics` query costs on top of the PromQL it runs: in one run, against a
//! real Prometheus scraping the fixture pods, the same range queries sent directly with
//! reqwest (concurrently, JSON parsed) versus answered through `query::run` with the
//! frames encoded to Arrow (rollout lookup in the watch cache, PromQL building,
//! Prometheus, frame building). Iterations alternate between the two so drift hits
//! both alike.
//!
//! Run: `cargo bench --bench canary_overhead` (add `-- --quick` for fewer rounds).
//! Needs Debian's `prometheus` package (or `PROMETHEUS_BIN`).

#[path = "../tests/support/mod.rs"]
mod support;
#[path = "../tests/support_prom/mod.rs"]
mod support_prom;

use std::time::{Duration, Instant};

use canary_lens::frames;
use canary_lens::instance::Instance;
use canary_lens::query::{self, Query, Request, TimeRange};
use canary_lens::settings::Settings;
use serde_json::{json, Value};
use support::fake_kube::FakeKube;
use support_prom::prometheus::RealPrometheus;
use support_prom::target::{MetricsTarget, PodFixture, CANARY_CUMULATIVE, STABLE_CUMULATIVE};

fn fixture_pods() -> Vec<PodFixture> {
    let pod = |pod: &'static str, hash: &'static str, rps: f64, cumulative| PodFixture {
        namespace: "jesse-test",
        pod,
        hash,
        version: "v",
        rps,
        error_ratio: 0.05,
        cumulative,
        exemplars: Vec::new(),
    };
    vec![
        pod(
            "canary-demo-65fb5ffc84-9wf5r",
            "65fb5ffc84",
            20.0,
            CANARY_CUMULATIVE,
        ),
        pod(
            "canary-demo-877894d5b-6jfpt",
            "877894d5b",
            40.0,
            STABLE_CUMULATIVE,
        ),
        pod(
            "canary-demo-877894d5b-xk2lm",
            "877894d5b",
            40.0,
            STABLE_CUMULATIVE,
        ),
    ]
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn request(metrics: &[&str], from_ms: i64, to_ms: i64) -> Request {
    let json = json!({"namespace": "jesse-test", "rollout": "canary-demo", "metrics": metrics, "exemplars": false});
    Request {
        ref_id: "A".into(),
        query: Query::parse("canaryMetrics", json.to_string().as_bytes()).expect("query"),
        range: TimeRange {
            from: chrono::DateTime::from_timestamp_millis(from_ms).expect("from"),
            to: chrono::DateTime::from_timestamp_millis(to_ms).expect("to"),
        },
        interval_ms: 1000,
        max_data_points: 1000,
        now: chrono::DateTime::from_timestamp_millis(to_ms).expect("now"),
        from_alert: false,
    }
}

/// Through the plugin's query path, frames encoded as Grafana receives them.
async fn through_plugin(instance: &Instance, req: &Request) -> (usize, Vec<String>) {
    let frames = query::run(instance, req).await.expect("canaryMetrics");
    let mut bytes = 0;
    for f in &frames {
        bytes += frames::arrow::encode(f).expect("encode").len();
    }
    let queries = frames
        .iter()
        .filter_map(|f| f.meta.as_ref()?.executed_query_string.clone())
        .collect();
    (bytes, queries)
}

/// The same PromQL sent directly, as concurrently as the plugin does.
async fn direct(http: &reqwest::Client, url: &str, queries: &[String], req: &Request) -> usize {
    let step_ms = req.interval_ms;
    let start = req.range.from.timestamp_millis().div_euclid(step_ms) * step_ms;
    let end = req.range.to.timestamp_millis().div_euclid(step_ms) * step_ms;
    let secs = |ms: i64| format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000));
    let calls = queries.iter().map(|q| {
        let form = [
            ("query", q.clone()),
            ("start", secs(start)),
            ("end", secs(end)),
            ("step", secs(step_ms)),
        ];
        async move {
            let body: Value = http
                .post(format!("{url}/api/v1/query_range"))
                .form(&form)
                .send()
                .await
                .expect("send")
                .json()
                .await
                .expect("json");
            body["data"]["result"].as_array().map_or(0, Vec::len)
        }
    });
    futures::future::join_all(calls).await.into_iter().sum()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 40 } else { 300 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let kube = FakeKube::start().await;
        kube.load_yaml_dir(support::fixtures("canary")).expect("fixture");
        let target = MetricsTarget::start(fixture_pods()).await;
        let prom = RealPrometheus::start(&target.server.addr.to_string()).await;
        let settings = Settings::parse(
            json!({"kubeMode": "url", "kubeUrl": kube.url(), "prometheusUrl": prom.url,
                   "prometheusScrapeIntervalSeconds": 1})
            .to_string()
            .as_bytes(),
            &Default::default(),
        )
        .expect("settings");
        let instance = Instance::new("bench", "bench", settings);
        instance.synced_cache().await.expect("cache");
        // Enough data for the 4 s rate windows over a 60 s range.
        tokio::time::sleep(Duration::from_secs(12)).await;
        let http = reqwest::Client::new();
        println!("canaryMetrics overhead: {rounds} rounds per case, {}", prom.version_line);
        for metrics in [vec!["requestRate"], vec!["requestRate", "errorRatio", "latency"]] {
            let to = chrono::Utc::now().timestamp_millis();
            let req = request(&metrics, to - 60_000, to);
            let (_, queries) = through_plugin(&instance, &req).await;
            for _ in 0..10 {
                through_plugin(&instance, &req).await;
                direct(&http, &prom.url, &queries, &req).await;
            }
            // Alternate which goes first (ABBA), so that neither side always follows the
            // other (Prometheus and both HTTP clients see the same mix).
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for round in 0..rounds {
                for plugin_turn in [round % 2 == 1, round % 2 == 0] {
                    let t = Instant::now();
                    if plugin_turn {
                        through_plugin(&instance, &req).await;
                        b.push(t.elapsed());
                    } else {
                        let series = direct(&http, &prom.url, &queries, &req).await;
                        a.push(t.elapsed());
                        assert_eq!(series, queries.len(), "every query returns its series");
                    }
                }
            }
            // Where the plugin's time goes: the rollout lookup, the whole query, encoding.
            let (mut lookup, mut run, mut encode) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..rounds / 2 {
                let t = Instant::now();
                let kube = instance.synced_cache().await.expect("cache");
                query::rollouts::one(&instance, &kube.cache, &kube.cache.snapshot(), "jesse-test", "canary-demo", req.now)
                    .expect("rollout");
                lookup.push(t.elapsed());
                let t = Instant::now();
                let frames = query::run(&instance, &req).await.expect("run");
                run.push(t.elapsed());
                let t = Instant::now();
                for f in &frames {
                    frames::arrow::encode(f).expect("encode");
                }
                encode.push(t.elapsed());
            }
            let (da, db) = (median(a), median(b));
            println!(
                "  metrics {:?} ({} PromQL range queries, 61 points each):\n    direct reqwest        median {}\n    canaryMetrics query   median {}\n    overhead ratio        {:.3}",
                metrics,
                queries.len(),
                ms(da),
                ms(db),
                db.as_secs_f64() / da.as_secs_f64()
            );
            println!(
                "    of which: rollout lookup {}, query::run {}, Arrow encoding {}",
                ms(median(lookup)),
                ms(median(run)),
                ms(median(encode))
            );
        }
    });
}
