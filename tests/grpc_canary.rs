//! The canary query types end to end: the plugin binary spawned as Grafana does,
//! queried over gRPC, against the fake Kubernetes API loaded with the canary fixture, a
//! REAL Prometheus (Debian's package) scraping pods with known rates, error ratios,
//! latency distributions and exemplars, and a fake Tempo. Every frame is checked with
//! Grafana's decoder rules.
//!
//! The fixture rollout `jesse-test/canary-demo` has a clearly worse canary; a copy of it
//! in `equal-test` has canary and stable pods that behave identically (the pods:
//! `support_prom::canary_demo`).

mod support;
mod support_prom;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use support::fake_kube::FakeKube;
use support::frames::DecodedFrame;
use support::plugin::{frames_of, DsSettings, PluginProcess, QuerySpec};
use support_prom::canary_demo::{
    decoys, equal_revisions, fake_tempo, metrics_json_data, wait_for_scrapes, worse_canary,
    CANARY_TRACE, DECOY_TRACE,
};
use support_prom::fake::free_port;
use support_prom::prometheus::RealPrometheus;
use support_prom::target::{
    expected_quantile, MetricsTarget, PodFixture, CANARY_CUMULATIVE, STABLE_CUMULATIVE,
};

const NS: &str = "jesse-test";
const EQUAL_NS: &str = "equal-test";

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// The worse canary and its decoys in `jesse-test`; the copy in `equal-test`, whose
/// revisions behave alike.
fn pods() -> Vec<PodFixture> {
    let mut pods = worse_canary(NS);
    pods.extend(equal_revisions(EQUAL_NS));
    pods.extend(decoys(NS));
    pods
}

fn load_cluster(kube: &FakeKube) {
    let dir = support::fixtures("canary");
    kube.load_yaml_dir(&dir).expect("load the canary fixture");
    kube.load_yaml_dir_into(&dir, EQUAL_NS, "eq")
        .expect("copy the canary fixture");
}

fn kube_event(name: &str, kind: &str, object: &str, reason: &str, at: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": NS},
        "involvedObject": {"kind": kind, "name": object, "namespace": NS},
        "reason": reason, "message": format!("{reason} of {object}"), "type": "Normal", "count": 1,
        "firstTimestamp": at, "lastTimestamp": at
    })
}

fn query(ref_id: &str, query_type: &str, json: Value, from_ms: i64, to_ms: i64) -> QuerySpec {
    let mut q = QuerySpec::new(ref_id, query_type, json).time_range(from_ms, to_ms);
    q.interval_ms = 1000;
    q.max_data_points = 10_000;
    q
}

async fn run(plugin: &PluginProcess, ds: &DsSettings, q: QuerySpec) -> Vec<DecodedFrame> {
    let ref_id = q.ref_id.clone();
    let resp = plugin.query(ds, vec![q]).await.expect("QueryData");
    let r = &resp.responses[&ref_id];
    assert_eq!(r.status, 200, "{ref_id}: {}", r.error);
    frames_of(&resp, &ref_id)
}

fn frame<'a>(frames: &'a [DecodedFrame], name: &str) -> &'a DecodedFrame {
    frames.iter().find(|f| f.name == name).unwrap_or_else(|| {
        let names: Vec<&str> = frames.iter().map(|f| f.name.as_str()).collect();
        panic!("no frame {name:?}; frames: {names:?}")
    })
}

fn last_value(f: &DecodedFrame) -> f64 {
    f.field("value")
        .values
        .iter()
        .rev()
        .find_map(Value::as_f64)
        .unwrap_or_else(|| panic!("frame {} has no value\n{}", f.name, f.to_table()))
}

fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= want.abs() * rel + 1e-9,
        "{what}: got {got}, want {want} (±{}%)",
        rel * 100.0
    );
}

fn notices(f: &DecodedFrame) -> Vec<(String, String)> {
    f.meta["notices"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|n| {
                    (
                        n["severity"].as_str().unwrap_or_default().to_string(),
                        n["text"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn strings(f: &DecodedFrame, field: &str) -> Vec<String> {
    f.column_as_strings(field)
}

/// The fixed-horizon verdict (`verdictMode: fixed`), whose per-metric numbers these
/// tests check; the sequential mode is checked on its own below.
fn settings(uid: &str, kube: &FakeKube, prometheus: &str, tempo: &str) -> DsSettings {
    let mut json = metrics_json_data(&kube.url(), prometheus, tempo);
    json["verdictMode"] = json!("fixed");
    DsSettings::new(uid, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_queries_join_the_fake_cluster_with_real_prometheus_and_tempo_through_the_plugin() {
    let started = now_ms();
    let kube = FakeKube::start().await;
    load_cluster(&kube);
    let recent = chrono::DateTime::from_timestamp_millis(started - 60_000)
        .unwrap()
        .to_rfc3339();
    kube.apply(kube_event(
        "canary-demo.1",
        "Rollout",
        "canary-demo",
        "RolloutStepCompleted",
        &recent,
    ));
    kube.apply(kube_event(
        "pod.1",
        "Pod",
        "canary-demo-65fb5ffc84-9wf5r",
        "Pulled",
        &recent,
    ));
    let target = MetricsTarget::start(pods()).await;
    let prom = RealPrometheus::start(&target.server.addr.to_string()).await;
    let (tempo, tempo_seen) = fake_tempo().await;
    let plugin = PluginProcess::spawn(&[]).await.expect("spawn the plugin");
    let ds = settings("canary", &kube, &prom.url, &tempo.url());

    // Save & test reaches all three servers.
    let health = plugin.check_health(&ds).await.unwrap();
    assert_eq!(health.status, 1, "{}", health.message);
    assert!(
        health
            .message
            .contains(&format!("Tempo 2.6.1 at {}: OK", tempo.url())),
        "{}",
        health.message
    );
    assert!(
        health.message.contains(" at http://127.0.0.1:") && health.message.contains("Prometheus "),
        "{}",
        health.message
    );

    // The events watcher asks the API server for rollout events only.
    assert!(kube
        .requests()
        .iter()
        .any(|r| r.resource.as_deref() == Some("events")
            && r.param("fieldSelector") == Some("involvedObject.kind=Rollout")));

    wait_for_scrapes(&prom, 28.0).await;
    let to = now_ms();
    let from = started - 10_000;

    // ---- canaryMetrics ---------------------------------------------------------------
    let frames = run(
        &plugin,
        &ds,
        query(
            "M",
            "canaryMetrics",
            json!({"namespace": NS, "rollout": "canary-demo"}),
            from,
            to,
        ),
    )
    .await;
    assert_eq!(
        frames.len(),
        11,
        "2 revisions × (rate, ratio, 3 quantiles) + exemplars"
    );
    for f in frames.iter().filter(|f| f.name != "exemplar") {
        assert_eq!(f.meta["type"], "timeseries-multi", "{}", f.name);
        assert_eq!(f.ref_id, "M");
        let labels = &f.field("value").labels;
        assert_eq!(labels["rollout"], "canary-demo");
        let (role, revision) = (labels["role"].as_str(), labels["revision"].as_str());
        assert!(
            matches!((role, revision), ("canary", "31") | ("stable", "30")),
            "{role} {revision}"
        );
        let promql = f.meta["executedQueryString"].as_str().unwrap();
        assert!(promql.contains(r#"namespace="jesse-test""#), "{promql}");
    }
    let canary_rate = frame(&frames, "canary request rate");
    assert_eq!(
        canary_rate.field("value").config["displayName"],
        "canary request rate"
    );
    assert!(canary_rate.meta["executedQueryString"]
        .as_str()
        .unwrap()
        .contains(r#"pod=~"canary-demo-65fb5ffc84-.*""#));
    assert_close("canary rate", last_value(canary_rate), 40.0, 0.05);
    assert_close(
        "stable rate",
        last_value(frame(&frames, "stable request rate")),
        80.0,
        0.05,
    );
    assert_close(
        "canary errors",
        last_value(frame(&frames, "canary error ratio")),
        0.1,
        0.01,
    );
    assert_close(
        "stable errors",
        last_value(frame(&frames, "stable error ratio")),
        0.02,
        0.01,
    );
    for (q, name) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99")] {
        let f = frame(&frames, &format!("canary {name} latency"));
        assert_eq!(f.field("value").labels["quantile"], q.to_string());
        assert_close(
            name,
            last_value(f),
            expected_quantile(q, &CANARY_CUMULATIVE),
            0.01,
        );
        let f = frame(&frames, &format!("stable {name} latency"));
        assert_close(
            name,
            last_value(f),
            expected_quantile(q, &STABLE_CUMULATIVE),
            0.01,
        );
    }
    let exemplars = frame(&frames, "exemplar");
    assert_eq!(exemplars.meta["dataTopic"], "annotations");
    let ids = strings(exemplars, "traceID");
    assert!(ids.contains(&CANARY_TRACE.to_string()), "{ids:?}");
    assert!(!ids.contains(&DECOY_TRACE.to_string()), "{ids:?}");
    assert_eq!(strings(exemplars, "role"), vec!["canary"; ids.len()]);
    let link = &exemplars.field("traceID").config["links"][0];
    assert_eq!(link["title"], "View trace");
    assert_eq!(link["internal"]["datasourceUid"], "tempo-uid");
    assert_eq!(link["internal"]["query"]["query"], "${__value.raw}");
    assert_eq!(link["internal"]["query"]["queryType"], "traceql");
    // Only the requested metric, and no exemplars when asked not to.
    let frames = run(
        &plugin,
        &ds,
        query(
            "M2",
            "canaryMetrics",
            json!({"namespace": NS, "rollout": "canary-demo", "metrics": ["errorRatio"], "exemplars": false}),
            from,
            to,
        ),
    )
    .await;
    let names: Vec<&str> = frames.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["stable error ratio", "canary error ratio"]);

    // ---- trafficSplit ----------------------------------------------------------------
    let frames = run(
        &plugin,
        &ds,
        query(
            "T",
            "trafficSplit",
            json!({"namespace": NS, "rollout": "canary-demo"}),
            from,
            to,
        ),
    )
    .await;
    let share = frame(&frames, "canary observed share");
    assert_eq!(share.field("value").config["unit"], "percent");
    assert_close("canary share", last_value(share), 100.0 / 3.0, 0.03);
    assert_close(
        "stable share",
        last_value(frame(&frames, "stable observed share")),
        200.0 / 3.0,
        0.03,
    );
    let set = frame(&frames, "set weight");
    assert_eq!(set.field("value").labels["metric"], "setWeight");
    assert_eq!(last_value(set), 20.0);
    assert!(frame(&frames, "actual weight").rows() >= 1);
    // The watch sees the rollout move to step 2 (setWeight 40) and both values stay.
    let mut rollout = kube
        .objects("Rollout")
        .into_iter()
        .find(|r| r["metadata"]["name"] == "canary-demo" && r["metadata"]["namespace"] == NS)
        .unwrap();
    rollout["status"]["currentStepIndex"] = json!(2);
    kube.apply(rollout);
    let deadline = Instant::now() + Duration::from_secs(20);
    let weights = loop {
        let frames = run(
            &plugin,
            &ds,
            query(
                "T2",
                "trafficSplit",
                json!({"namespace": NS, "rollout": "canary-demo"}),
                from,
                now_ms() + 1000,
            ),
        )
        .await;
        let values: Vec<f64> = frame(&frames, "set weight")
            .field("value")
            .values
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        if values.contains(&20.0) && values.last() == Some(&40.0) {
            break values;
        }
        assert!(
            Instant::now() < deadline,
            "set weight never went 20 → 40: {values:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(weights.len() >= 2, "{weights:?}");

    // ---- events ----------------------------------------------------------------------
    let long_ago = chrono::DateTime::parse_from_rfc3339("2019-10-01T00:00:00Z")
        .unwrap()
        .timestamp_millis();
    // The recorder samples the watch at most twice a second: poll until it has.
    let deadline = Instant::now() + Duration::from_secs(20);
    let frames = loop {
        let frames = run(
            &plugin,
            &ds,
            query(
                "E",
                "events",
                json!({"namespace": NS, "rollout": "canary-demo"}),
                long_ago,
                now_ms() + 1000,
            ),
        )
        .await;
        let titles = strings(frame(&frames, "events"), "title");
        if titles.iter().any(|t| t.starts_with("Step ")) {
            break frames;
        }
        assert!(Instant::now() < deadline, "no step change among {titles:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let events = frame(&frames, "events");
    assert_eq!(events.meta["dataTopic"], "annotations");
    let titles = strings(events, "title");
    for want in [
        "Available: AvailableReason",
        "Progressing: ProgressDeadlineExceeded",
        "RolloutStepCompleted",
        "Step 0/8 → 2/8",
    ] {
        assert!(
            titles.iter().any(|t| t == want),
            "{want:?} not in {titles:?}"
        );
    }
    assert!(!titles.iter().any(|t| t == "Pulled"), "{titles:?}");
    let tags = strings(events, "tags");
    assert!(
        tags.iter().all(|t| t.starts_with("canary-demo,")),
        "{tags:?}"
    );
    // Grafana's time range filters: only the 2019-10-28 condition.
    let day_ms = 86_400_000;
    let oct28 = chrono::DateTime::parse_from_rfc3339("2019-10-28T00:00:00Z")
        .unwrap()
        .timestamp_millis();
    let frames = run(
        &plugin,
        &ds,
        query(
            "E2",
            "events",
            json!({"namespace": NS}),
            oct28,
            oct28 + day_ms,
        ),
    )
    .await;
    let titles = strings(frame(&frames, "events"), "title");
    assert!(!titles.is_empty());
    assert!(
        titles
            .iter()
            .all(|t| t == "Progressing: ProgressDeadlineExceeded"),
        "{titles:?}"
    );

    // ---- traces ----------------------------------------------------------------------
    let frames = run(
        &plugin,
        &ds,
        query(
            "X",
            "traces",
            json!({"namespace": NS, "rollout": "canary-demo", "revision": "canary",
                   "errorsOnly": true, "minDuration": "500ms", "limit": 5}),
            from,
            to,
        ),
    )
    .await;
    let traces = frame(&frames, "traces");
    let traceql = r#"{ resource.k8s.namespace.name = "jesse-test" && resource.k8s.pod.name =~ "^canary-demo-65fb5ffc84-.*$" && status = error && duration > 500ms }"#;
    assert_eq!(traces.meta["executedQueryString"], traceql);
    let sent = tempo_seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(sent["q"], traceql);
    assert_eq!(sent["limit"], "5");
    assert_eq!(strings(traces, "traceID")[0], CANARY_TRACE);
    assert_eq!(strings(traces, "rootSpan"), ["GET /color", "GET /"]);
    assert_eq!(traces.field("duration").values, [json!(612), json!(700)]);
    assert_eq!(traces.field("duration").config["unit"], "ms");
    assert_eq!(strings(traces, "status"), ["error", "error"]);
    assert_eq!(
        traces.field("start").values[0],
        json!(1_700_000_000_123_000_000i64)
    );
    assert_eq!(
        traces.field("traceID").config["links"][0]["internal"]["datasourceUid"],
        "tempo-uid"
    );
    // The stable revision by number.
    run(
        &plugin,
        &ds,
        query(
            "X2",
            "traces",
            json!({"namespace": NS, "rollout": "canary-demo", "revision": "30"}),
            from,
            to,
        ),
    )
    .await;
    let sent = tempo_seen.lock().unwrap().last().cloned().unwrap();
    assert!(
        sent["q"].contains(r#""^canary-demo-877894d5b-.*$""#),
        "{}",
        sent["q"]
    );

    // ---- verdict ---------------------------------------------------------------------
    let to = now_ms();
    let from = to - 24_000;
    let verdict = |ns: &str, from: i64, to: i64| {
        query(
            "V",
            "verdict",
            json!({"namespace": ns, "rollout": "canary-demo"}),
            from,
            to,
        )
    };
    // Sequential (the default): windows from the canary's start; the error ratio's
    // failure is critical, and the frame says since when it holds.
    let mut seq_json = ds.json_data.clone();
    seq_json["verdictMode"] = json!("sequential");
    let seq_ds = DsSettings::new("sequential", seq_json);
    let frames = run(&plugin, &seq_ds, verdict(NS, from, to)).await;
    let v = frame(&frames, "verdict");
    assert_eq!(v.meta["custom"]["mode"], "sequential");
    assert_eq!(v.meta["custom"]["outcome"], "Fail", "{}", v.to_table());
    assert_eq!(strings(v, "result")[0], "fail", "{}", v.to_table());
    assert!(
        v.meta["custom"]["since"].as_i64().is_some(),
        "{}",
        v.to_table()
    );
    let frames = run(&plugin, &seq_ds, verdict(EQUAL_NS, from, to)).await;
    let v = frame(&frames, "verdict");
    assert_ne!(v.meta["custom"]["outcome"], "Fail", "{}", v.to_table());

    let frames = run(&plugin, &ds, verdict(NS, from, to)).await;
    let v = frame(&frames, "verdict");
    assert_eq!(v.meta["custom"]["outcome"], "Fail", "{}", v.to_table());
    assert_eq!(
        strings(v, "metric"),
        ["error ratio", "p50 latency", "p90 latency", "p99 latency"]
    );
    assert_eq!(strings(v, "result"), vec!["fail"; 4], "{}", v.to_table());
    for n in v
        .field("experimentSamples")
        .values
        .iter()
        .chain(&v.field("controlSamples").values)
    {
        assert!(n.as_i64().unwrap() >= 10, "{}", v.to_table());
    }
    assert_close(
        "canary median errors",
        v.field("experimentMedian").values[0].as_f64().unwrap(),
        0.1,
        0.01,
    );
    assert_close(
        "stable median errors",
        v.field("controlMedian").values[0].as_f64().unwrap(),
        0.02,
        0.01,
    );
    assert!(v.field("pValue").values[0].as_f64().unwrap() < 0.02);
    let frames = run(&plugin, &ds, verdict(EQUAL_NS, from, to)).await;
    let v = frame(&frames, "verdict");
    let outcome = v.meta["custom"]["outcome"].as_str().unwrap();
    assert!(matches!(outcome, "Pass" | "Marginal"), "{}", v.to_table());
    assert_eq!(v.meta["custom"]["score"], 100.0, "{}", v.to_table());
    // Eight seconds hold too few samples: no data, never a pass.
    let frames = run(&plugin, &ds, verdict(NS, to - 8_000, to)).await;
    let v = frame(&frames, "verdict");
    assert_eq!(v.meta["custom"]["outcome"], "NoData", "{}", v.to_table());
    assert_eq!(strings(v, "result"), vec!["nodata"; 4]);

    // ---- rollouts table with metric columns ---------------------------------------------
    let frames = run(
        &plugin,
        &ds,
        query("R", "rollouts", json!({"namespace": NS}), from, to),
    )
    .await;
    let table = frame(&frames, "rollouts");
    let row = strings(table, "name")
        .iter()
        .position(|n| n == "canary-demo")
        .unwrap();
    let value = |field: &str| {
        table.field(field).values[row]
            .as_f64()
            .unwrap_or_else(|| panic!("no {field}: {:?}\n{}", notices(table), table.to_table()))
    };
    assert_close("canaryErrorRatio", value("canaryErrorRatio"), 0.1, 0.02);
    assert_close("stableErrorRatio", value("stableErrorRatio"), 0.02, 0.02);
    assert_close(
        "canaryP99",
        value("canaryP99"),
        expected_quantile(0.99, &CANARY_CUMULATIVE),
        0.02,
    );
    assert_close(
        "stableP99",
        value("stableP99"),
        expected_quantile(0.99, &STABLE_CUMULATIVE),
        0.02,
    );
    assert_eq!(strings(table, "verdict")[row], "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_prometheus_down_rollout_data_still_returns_with_a_notice_naming_the_server() {
    let kube = FakeKube::start().await;
    load_cluster(&kube);
    let (tempo, _) = fake_tempo().await;
    let plugin = PluginProcess::spawn(&[]).await.expect("spawn the plugin");
    let down = format!("http://127.0.0.1:{}", free_port());
    let ds = settings("down", &kube, &down, &tempo.url());
    let refused = format!("Prometheus at {down} refused the connection");

    let health = plugin.check_health(&ds).await.unwrap();
    assert_eq!(health.status, 2, "{}", health.message);
    assert!(
        health.message.starts_with("Connected to Kubernetes"),
        "{}",
        health.message
    );
    assert!(health.message.contains(&refused), "{}", health.message);

    let (from, to) = (now_ms() - 60_000, now_ms());
    let frames = run(
        &plugin,
        &ds,
        query(
            "M",
            "canaryMetrics",
            json!({"namespace": NS, "rollout": "canary-demo"}),
            from,
            to,
        ),
    )
    .await;
    assert_eq!(frames.len(), 10);
    assert!(frames.iter().all(|f| f.rows() == 0));
    let n = notices(&frames[0]);
    assert!(
        n.iter()
            .any(|(s, t)| s == "error" && t.starts_with(&refused)),
        "{n:?}"
    );

    let frames = run(
        &plugin,
        &ds,
        query(
            "T",
            "trafficSplit",
            json!({"namespace": NS, "rollout": "canary-demo"}),
            from,
            to,
        ),
    )
    .await;
    assert_eq!(last_value(frame(&frames, "set weight")), 20.0);
    assert!(notices(&frames[0])
        .iter()
        .any(|(_, t)| t.starts_with(&refused)));

    let frames = run(
        &plugin,
        &ds,
        query(
            "V",
            "verdict",
            json!({"namespace": NS, "rollout": "canary-demo"}),
            from,
            to,
        ),
    )
    .await;
    let v = frame(&frames, "verdict");
    assert_eq!(v.meta["custom"]["outcome"], "NoData");
    assert!(v.meta["custom"]["summary"]
        .as_str()
        .unwrap()
        .contains(&refused));

    let frames = run(
        &plugin,
        &ds,
        query("R", "rollouts", json!({"namespace": NS}), from, to),
    )
    .await;
    let table = frame(&frames, "rollouts");
    assert!(strings(table, "name").contains(&"canary-demo".to_string()));
    assert!(table
        .field("canaryErrorRatio")
        .values
        .iter()
        .all(Value::is_null));
    assert!(
        notices(table).iter().any(|(_, t)| t.contains(&refused)),
        "{:?}",
        notices(table)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_custom_template_is_named_by_save_and_test_and_by_queries() {
    let kube = FakeKube::start().await;
    load_cluster(&kube);
    let plugin = PluginProcess::spawn(&[]).await.expect("spawn the plugin");
    let ds = DsSettings::new(
        "bad",
        json!({
            "kubeMode": "url", "kubeUrl": kube.url(), "prometheusUrl": "http://127.0.0.1:9",
            "metricPreset": "custom",
            "requestsTemplate": "http_requests_total{$__revision",
            "errorsTemplate": "http_requests_total{$__revision,code=~\"5..\"}",
        }),
    );
    let health = plugin.check_health(&ds).await.unwrap();
    assert_eq!(health.status, 2);
    assert!(
        health
            .message
            .contains("requestsTemplate: the requests metric template is not valid PromQL"),
        "{}",
        health.message
    );
    let resp = plugin
        .query(
            &ds,
            vec![
                query(
                    "A",
                    "canaryMetrics",
                    json!({"namespace": NS, "rollout": "canary-demo"}),
                    0,
                    1000,
                ),
                query(
                    "B",
                    "steps",
                    json!({"namespace": NS, "rollout": "canary-demo"}),
                    0,
                    1000,
                ),
            ],
        )
        .await
        .unwrap();
    assert_eq!(resp.responses["A"].status, 400);
    assert!(
        resp.responses["A"].error.contains("requestsTemplate"),
        "{}",
        resp.responses["A"].error
    );
    // Other queries of the same datasource still work.
    assert_eq!(
        resp.responses["B"].status, 200,
        "{}",
        resp.responses["B"].error
    );
    assert_eq!(frames_of(&resp, "B")[0].rows(), 8);
}

/// Blue-green: the preview revision is judged against the active one, and the frames
/// name them so. Preview pods (`bluegreen-demo-74b948fccb`) fail 20% of requests, active
/// pods (`bluegreen-demo-6cbccd9f99`) 1%.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blue_green_compares_preview_with_active() {
    let started = now_ms();
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(support::fixtures("blue-green"))
        .expect("load the blue-green fixture");
    let pod = |name: &'static str, hash: &'static str, error_ratio: f64, cumulative| PodFixture {
        namespace: NS,
        pod: name,
        hash,
        version: "v",
        rps: 25.0,
        error_ratio,
        cumulative,
        exemplars: Vec::new(),
    };
    let target = MetricsTarget::start(vec![
        pod(
            "bluegreen-demo-6cbccd9f99-gk78v",
            "6cbccd9f99",
            0.01,
            STABLE_CUMULATIVE,
        ),
        pod(
            "bluegreen-demo-6cbccd9f99-kxj8g",
            "6cbccd9f99",
            0.01,
            STABLE_CUMULATIVE,
        ),
        pod(
            "bluegreen-demo-74b948fccb-5jz59",
            "74b948fccb",
            0.2,
            CANARY_CUMULATIVE,
        ),
        pod(
            "bluegreen-demo-74b948fccb-mkhrl",
            "74b948fccb",
            0.2,
            CANARY_CUMULATIVE,
        ),
    ])
    .await;
    let prom = RealPrometheus::start(&target.server.addr.to_string()).await;
    let (tempo, tempo_seen) = fake_tempo().await;
    let plugin = PluginProcess::spawn(&[]).await.expect("spawn the plugin");
    let ds = settings("blue-green", &kube, &prom.url, &tempo.url());
    wait_for_scrapes(&prom, 28.0).await;
    let (from, to) = (started - 10_000, now_ms());
    let target = json!({"namespace": NS, "rollout": "bluegreen-demo"});

    let frames = run(
        &plugin,
        &ds,
        query("M", "canaryMetrics", target.clone(), from, to),
    )
    .await;
    let preview = frame(&frames, "preview error ratio");
    assert_eq!(preview.field("value").labels["role"], "preview");
    assert_eq!(preview.field("value").labels["revision"], "11");
    assert_close("preview errors", last_value(preview), 0.2, 0.02);
    let active = frame(&frames, "active error ratio");
    assert_eq!(active.field("value").labels["revision"], "10");
    assert_close("active errors", last_value(active), 0.01, 0.02);
    assert!(
        !frames.iter().any(|f| f.name.starts_with("canary ")),
        "{:?}",
        frames.iter().map(|f| &f.name).collect::<Vec<_>>()
    );

    let frames = run(
        &plugin,
        &ds,
        query("V", "verdict", target.clone(), from, to),
    )
    .await;
    let v = frame(&frames, "verdict");
    assert_eq!(v.meta["custom"]["outcome"], "Fail", "{}", v.to_table());
    assert_close(
        "preview median errors",
        v.field("experimentMedian").values[0].as_f64().unwrap(),
        0.2,
        0.01,
    );
    assert_close(
        "active median errors",
        v.field("controlMedian").values[0].as_f64().unwrap(),
        0.01,
        0.01,
    );

    // Traces of the revision under test: the preview's pods.
    run(&plugin, &ds, query("X", "traces", target, from, to)).await;
    let sent = tempo_seen.lock().unwrap().last().cloned().unwrap();
    assert!(
        sent["q"].contains(r#""^bluegreen-demo-74b948fccb-.*$""#),
        "{}",
        sent["q"]
    );
}
