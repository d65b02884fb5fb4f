//! The verdict's production failure modes (issue: "a canary verdict people can act on"),
//! end to end: the plugin binary over gRPC, the fake Kubernetes API with copies of the
//! canary fixture, and a REAL Prometheus (Debian's package) scraping pods with known
//! behaviour.
//! - errors only: 5x the error ratio with equal latency fails (it scored 75, Marginal,
//!   when every metric weighed the same);
//! - a canary created mid-range, stable failing less before it: both sides are judged
//!   from the canary's creation (before, stable's earlier windows made the canary look
//!   worse and the verdict Fail);
//! - identical versions under the version join: NoData (before: the same series on both
//!   sides, the "identical samples" path, Pass);
//! - exemplar links with `tempoDatasourceUid` and no `tempoUrl` (before: no link).

mod support;
mod support_prom;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use support::fake_kube::FakeKube;
use support::frames::DecodedFrame;
use support::plugin::{frames_of, DsSettings, PluginProcess, QuerySpec};
use support_prom::canary_demo::{metrics_json_data, worse_canary};
use support_prom::prometheus::RealPrometheus;
use support_prom::target::{MetricsTarget, PodFixture, Schedule, STABLE_CUMULATIVE};

const CANARY_RS: &str = "canary-demo-65fb5ffc84";
const STABLE_RS: &str = "canary-demo-877894d5b";
/// Seconds after the target starts when the mid-range canary is created.
const CANARY_AT: f64 = 20.0;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

fn pod(ns: &'static str, name: &'static str, error_ratio: f64) -> PodFixture {
    let hash = if name.contains("65fb5ffc84") {
        "65fb5ffc84"
    } else {
        "877894d5b"
    };
    PodFixture {
        namespace: ns,
        pod: name,
        hash,
        version: "v",
        rps: 30.0,
        error_ratio,
        cumulative: STABLE_CUMULATIVE,
        exemplars: Vec::new(),
    }
}

fn patch_rs(kube: &FakeKube, ns: &str, name: &str, patch: impl Fn(&mut Value)) {
    let mut rs = kube
        .objects("ReplicaSet")
        .into_iter()
        .find(|r| r["metadata"]["namespace"] == ns && r["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no ReplicaSet {ns}/{name}"));
    patch(&mut rs);
    kube.apply(rs);
}

async fn verdict(
    plugin: &PluginProcess,
    ds: &DsSettings,
    ns: &str,
    from: i64,
    to: i64,
) -> DecodedFrame {
    let q = QuerySpec::new(
        "V",
        "verdict",
        json!({"namespace": ns, "rollout": "canary-demo"}),
    )
    .time_range(from, to);
    let resp = plugin.query(ds, vec![q]).await.expect("QueryData");
    let r = &resp.responses["V"];
    assert!(r.error.is_empty(), "{}", r.error);
    frames_of(&resp, "V")
        .into_iter()
        .find(|f| f.name == "verdict")
        .expect("a verdict frame")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verdict_judges_errors_critically_on_a_shared_span_and_never_passes_blind_sides() {
    let kube = FakeKube::start().await;
    let dir = support::fixtures("canary");
    kube.load_yaml_dir(&dir).unwrap();
    for (ns, suffix) in [
        ("errors-only", "e"),
        ("mid-range", "m"),
        ("same-version", "s"),
    ] {
        kube.load_yaml_dir_into(&dir, ns, suffix).unwrap();
    }
    let mut pods = worse_canary("jesse-test");
    pods.extend([
        pod("errors-only", "canary-demo-65fb5ffc84-aaaaa", 0.10),
        pod("errors-only", "canary-demo-65fb5ffc84-bbbbb", 0.10),
        pod("errors-only", "canary-demo-877894d5b-ccccc", 0.02),
        pod("errors-only", "canary-demo-877894d5b-ddddd", 0.02),
        pod("mid-range", "canary-demo-65fb5ffc84-eeeee", 0.05),
        pod("mid-range", "canary-demo-65fb5ffc84-fffff", 0.05),
        pod("mid-range", "canary-demo-877894d5b-ggggg", 0.05),
        pod("mid-range", "canary-demo-877894d5b-hhhhh", 0.05),
    ]);
    // Mid-range: the canary's pods appear at CANARY_AT; stable failed no request before.
    let schedules = vec![
        Schedule {
            pod: "canary-demo-65fb5ffc84-eeeee",
            starts_at: CANARY_AT,
            error_ratio_before: None,
        },
        Schedule {
            pod: "canary-demo-65fb5ffc84-fffff",
            starts_at: CANARY_AT,
            error_ratio_before: None,
        },
        Schedule {
            pod: "canary-demo-877894d5b-ggggg",
            starts_at: 0.0,
            error_ratio_before: Some((CANARY_AT, 0.0)),
        },
        Schedule {
            pod: "canary-demo-877894d5b-hhhhh",
            starts_at: 0.0,
            error_ratio_before: Some((CANARY_AT, 0.0)),
        },
    ];
    let started_ms = now_ms();
    let started = Instant::now();
    let target = MetricsTarget::start_scheduled(pods, schedules).await;
    let created_ms = started_ms + (CANARY_AT * 1000.0) as i64;
    let created = chrono::DateTime::from_timestamp_millis(created_ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let created_ms = chrono::DateTime::parse_from_rfc3339(&created)
        .unwrap()
        .timestamp_millis();
    patch_rs(&kube, "mid-range", CANARY_RS, |rs| {
        rs["metadata"]["creationTimestamp"] = json!(created);
    });
    // Same version: the canary runs the stable ReplicaSet's image.
    let stable_image = kube
        .objects("ReplicaSet")
        .into_iter()
        .find(|r| {
            r["metadata"]["namespace"] == "same-version" && r["metadata"]["name"] == STABLE_RS
        })
        .map(|r| r["spec"]["template"]["spec"]["containers"][0]["image"].clone())
        .unwrap();
    patch_rs(&kube, "same-version", CANARY_RS, |rs| {
        rs["spec"]["template"]["spec"]["containers"][0]["image"] = stable_image.clone();
    });
    let prom = RealPrometheus::start(&target.server.addr.to_string()).await;
    let plugin = PluginProcess::spawn(&[]).await.expect("spawn the plugin");
    let base = metrics_json_data(&kube.url(), &prom.url, "");
    let with = |uid: &str, extra: Value| {
        let mut json = base.clone();
        json.as_object_mut().unwrap().remove("tempoUrl");
        json.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        DsSettings::new(uid, json)
    };
    let fixed = with("fixed", json!({"verdictMode": "fixed"}));
    let sequential = with("sequential", json!({}));
    let version = with(
        "version",
        json!({"joinMode": "version", "versionLabel": "app_version", "verdictMode": "fixed"}),
    );
    // Enough windows after the canary's creation for ten samples a side.
    let ready = Duration::from_secs_f64(CANARY_AT + 34.0);
    if let Some(wait) = ready.checked_sub(started.elapsed()) {
        tokio::time::sleep(wait).await;
    }
    let to = now_ms();

    // 1. Errors only.
    for ds in [&fixed, &sequential] {
        let v = verdict(&plugin, ds, "errors-only", started_ms, to).await;
        assert_eq!(v.meta["custom"]["outcome"], "Fail", "{}", v.to_table());
        let summary = v.meta["custom"]["summary"].as_str().unwrap_or_default();
        assert!(summary.contains("error ratio"), "{summary}");
    }

    // 2. A canary created mid-range: judged from its creation, not a regression.
    let v = verdict(&plugin, &fixed, "mid-range", started_ms, to).await;
    assert_eq!(
        v.meta["custom"]["spanFrom"],
        json!(created_ms),
        "{}",
        v.to_table()
    );
    assert_ne!(v.meta["custom"]["outcome"], "Fail", "{}", v.to_table());
    // Over the whole range stable's error ratio would be lower than the canary's (no
    // errors before its creation) and this metric would fail.
    assert_eq!(v.column_as_strings("result")[0], "pass", "{}", v.to_table());
    assert!(
        v.meta["custom"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("judged over")),
        "{}",
        v.meta
    );
    let v = verdict(&plugin, &sequential, "mid-range", started_ms, to).await;
    assert_ne!(v.meta["custom"]["outcome"], "Fail", "{}", v.to_table());

    // 3. Identical versions: the sides cannot be told apart.
    let v = verdict(&plugin, &version, "same-version", started_ms, to).await;
    assert_eq!(v.meta["custom"]["outcome"], "NoData", "{}", v.to_table());
    let summary = v.meta["custom"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("cannot be told apart"), "{summary}");

    // 4. Exemplar links with the Tempo datasource uid alone.
    let q = QuerySpec::new(
        "M",
        "canaryMetrics",
        json!({"namespace": "jesse-test", "rollout": "canary-demo", "metrics": ["latency"], "exemplars": true}),
    )
    .time_range(started_ms, to);
    let resp = plugin.query(&fixed, vec![q]).await.expect("QueryData");
    assert!(
        resp.responses["M"].error.is_empty(),
        "{}",
        resp.responses["M"].error
    );
    let frames = frames_of(&resp, "M");
    let exemplars = frames
        .iter()
        .find(|f| f.name == "exemplar")
        .expect("an exemplar frame");
    let link = &exemplars.field("traceID").config["links"][0];
    assert_eq!(
        link["internal"]["datasourceUid"],
        support_prom::canary_demo::TEMPO_DATASOURCE_UID,
        "{}",
        exemplars.to_table()
    );
}
