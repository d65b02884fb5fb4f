//! The pods, traces and waits behind the canary fixture's metrics, shared by the gRPC
//! canary tests and the frame export for the browser tests.
//!
//! The fixture rollout `jesse-test/canary-demo` has canary revision 31
//! (`canary-demo-65fb5ffc84`) and stable revision 30 (`canary-demo-877894d5b`).
//! [`worse_canary`] gives it pods serving 20 req/s each with 10% errors (canary) and
//! 40 req/s with 2% errors (stable), with slower latency on the canary;
//! [`equal_revisions`] gives a copy of it pods that behave identically.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Query;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::fake::FakeServer;
use super::prometheus::RealPrometheus;
use super::target::{FixtureExemplar, PodFixture, CANARY_CUMULATIVE, STABLE_CUMULATIVE};

/// The trace behind the canary's slow, failing exemplar.
pub const CANARY_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
/// An exemplar's trace in another namespace, which no query may return.
pub const DECOY_TRACE: &str = "decoy0000000000000000000000000000";

/// The uid of the Grafana Tempo datasource trace links open, in [`metrics_json_data`].
pub const TEMPO_DATASOURCE_UID: &str = "tempo-uid";

/// Datasource settings (jsonData) for a cluster at `kube_url` with Prometheus scraping
/// every second and Tempo.
pub fn metrics_json_data(kube_url: &str, prometheus: &str, tempo: &str) -> Value {
    json!({
        "kubeMode": "url",
        "kubeUrl": kube_url,
        "prometheusUrl": prometheus,
        "prometheusScrapeIntervalSeconds": 1,
        "prometheusTimeoutSeconds": 10,
        "tempoUrl": tempo,
        "tempoDatasourceUid": TEMPO_DATASOURCE_UID,
    })
}

/// What Tempo's search answers by the fake in [`fake_tempo`].
pub type SeenSearches = Arc<Mutex<Vec<HashMap<String, String>>>>;

fn pod(
    namespace: &'static str,
    pod: &'static str,
    rps: f64,
    error_ratio: f64,
    cumulative: [f64; 5],
    exemplars: Vec<FixtureExemplar>,
) -> PodFixture {
    let hash = if pod.contains("65fb5ffc84") {
        "65fb5ffc84"
    } else {
        "877894d5b"
    };
    PodFixture {
        namespace,
        pod,
        hash,
        version: "v",
        rps,
        error_ratio,
        cumulative,
        exemplars,
    }
}

fn exemplar(trace_id: &'static str, bucket: usize) -> FixtureExemplar {
    FixtureExemplar {
        label: "trace_id",
        trace_id,
        value: 0.42,
        status_code: 500,
        bucket,
    }
}

/// Two canary and two stable pods of `canary-demo` in `namespace` (enough samples for a
/// verdict within half a minute), the canary clearly worse; the first canary pod
/// carries the [`CANARY_TRACE`] exemplar.
pub fn worse_canary(namespace: &'static str) -> Vec<PodFixture> {
    vec![
        pod(
            namespace,
            "canary-demo-65fb5ffc84-9wf5r",
            20.0,
            0.1,
            CANARY_CUMULATIVE,
            vec![exemplar(CANARY_TRACE, 3)],
        ),
        pod(
            namespace,
            "canary-demo-65fb5ffc84-k2x7q",
            20.0,
            0.1,
            CANARY_CUMULATIVE,
            Vec::new(),
        ),
        pod(
            namespace,
            "canary-demo-877894d5b-6jfpt",
            40.0,
            0.02,
            STABLE_CUMULATIVE,
            Vec::new(),
        ),
        pod(
            namespace,
            "canary-demo-877894d5b-xk2lm",
            40.0,
            0.02,
            STABLE_CUMULATIVE,
            Vec::new(),
        ),
    ]
}

/// Two canary and two stable pods of `canary-demo` in `namespace` that behave alike.
pub fn equal_revisions(namespace: &'static str) -> Vec<PodFixture> {
    [
        "canary-demo-65fb5ffc84-aaaaa",
        "canary-demo-65fb5ffc84-bbbbb",
        "canary-demo-877894d5b-ccccc",
        "canary-demo-877894d5b-ddddd",
    ]
    .into_iter()
    .map(|name| pod(namespace, name, 30.0, 0.05, STABLE_CUMULATIVE, Vec::new()))
    .collect()
}

/// Pods the revision join must exclude: another app in `namespace`, and the canary's
/// name in another namespace (with the [`DECOY_TRACE`] exemplar).
pub fn decoys(namespace: &'static str) -> Vec<PodFixture> {
    vec![
        pod(
            namespace,
            "other-app-5d9c8b7f6-abcde",
            1000.0,
            0.5,
            [0.0, 0.0, 0.0, 0.0, 1.0],
            Vec::new(),
        ),
        pod(
            "staging",
            "canary-demo-65fb5ffc84-zzzzz",
            500.0,
            0.9,
            [1.0; 5],
            vec![exemplar(DECOY_TRACE, 0)],
        ),
    ]
}

/// A fake Tempo that answers every search with two canary traces (the first is
/// [`CANARY_TRACE`]) and records the parameters (TraceQL `q`, `limit`, …) of each.
pub async fn fake_tempo() -> (FakeServer, SeenSearches) {
    let seen: SeenSearches = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let router = Router::new()
        .route(
            "/api/search",
            get(move |Query(params): Query<HashMap<String, String>>| {
                let s = s.clone();
                async move {
                    s.lock().unwrap().push(params);
                    axum::Json(json!({
                        "traces": [
                            {"traceID": CANARY_TRACE, "rootServiceName": "canary-demo",
                             "rootTraceName": "GET /color", "startTimeUnixNano": "1700000000123000000",
                             "durationMs": 612,
                             "spanSets": [{"spans": [{"spanID": "563d623c76514f8e", "durationNanos": "612000000"}], "matched": 1}],
                             "serviceStats": {"canary-demo": {"spanCount": 3, "errorCount": 1}}},
                            {"traceID": "00f067aa0ba902b7a3ce929d0e0e4736", "rootServiceName": "canary-demo",
                             "rootTraceName": "GET /", "startTimeUnixNano": "1700000001000000000", "durationMs": 700}
                        ],
                        "metrics": {"inspectedTraces": 10}
                    }))
                }
            }),
        )
        .route(
            "/api/status/buildinfo",
            get(|| async { axum::Json(json!({"version": "2.6.1", "revision": "b4a8f2a"})) }),
        );
    (FakeServer::start(router).await, seen)
}

/// Waits until Prometheus holds `scrapes` scrapes of the fixture target within the
/// last two minutes (one a second).
///
/// # Panics
/// After 60 s, with Prometheus's log.
pub async fn wait_for_scrapes(prom: &RealPrometheus, scrapes: f64) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r: Value = http
            .get(format!("{}/api/v1/query", prom.url))
            .query(&[("query", "count_over_time(up{job=\"fixture\"}[2m])")])
            .send()
            .await
            .expect("query Prometheus")
            .json()
            .await
            .expect("Prometheus JSON");
        let have = r["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        if have >= scrapes {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {have} scrapes after 60s:\n{}",
            prom.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
