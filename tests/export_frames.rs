//! Exports what the real plugin binary answers for the fixture cluster, for the
//! frontend's browser tests: the fake Kubernetes API holds the upstream Argo Rollouts
//! fixtures, the binary is spawned as Grafana spawns it, each query the panel and the
//! editors send goes over gRPC, and every Arrow frame of the answer is decoded with
//! Grafana's rules and written as Grafana's `DataFrameJSON` (what the frontend's
//! `dataFrameFromJSON` reads; times as epoch milliseconds).
//!
//! Output: `target/frames/<scenario>.json` (`{scenario, description, query, status, error,
//! frames}`) and `target/frames/index.json`; `CANARY_LENS_FRAMES_DIR` overrides the
//! folder. Run it with `cargo test --test export_frames` before `npm run test:browser`.
//!
//! The metric query types (canaryMetrics, trafficSplit, verdict, traces, events) go to
//! a second datasource of the same binary that also points at a REAL Prometheus
//! (Debian's package) scraping the canary fixture's pods and at a fake Tempo (see
//! `support_prom::canary_demo`): a clearly worse canary in `jesse-test`, and in
//! `equal-test` a copy of the rollout whose revisions behave alike.
//!
//! New query types join by adding a [`Scenario`] to [`scenarios`], or to
//! [`metric_scenarios`] when they need Prometheus or Tempo.

mod support;
mod support_prom;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use support::fake_kube::FakeKube;
use support::frames::{assert_grafana_decodable, DecodedField, DecodedFrame};
use support::grafana_http::frame_json::data_frame_json;
use support::plugin::{DsSettings, PluginProcess, QuerySpec};
use support_prom::canary_demo::{
    equal_revisions, fake_tempo, metrics_json_data, wait_for_scrapes, worse_canary,
};
use support_prom::prometheus::RealPrometheus;
use support_prom::target::MetricsTarget;

use arrow_schema::DataType;

const NS: &str = "jesse-test";
/// The copy of the canary fixture whose revisions behave alike.
const EQUAL_NS: &str = "equal-test";
/// The whole fixture history: AnalysisRun measurements are from years ago.
const ALL_TIME: (i64, i64) = (0, 4_102_444_800_000);

/// What a scenario's answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Frames, at least one with rows.
    Rows,
    /// Frames, all empty (a filter matching nothing).
    NoRows,
    /// An error on the refId (status and message kept in the file).
    Error,
}

/// One query the panel or an editor sends, and the file its answer goes to.
#[derive(Debug, Clone)]
struct Scenario {
    name: String,
    description: String,
    /// refId per query type, so one browser scenario can combine several files.
    ref_id: &'static str,
    query: Value,
    expect: Expect,
    /// Grafana's time range (epoch ms).
    range: (i64, i64),
    /// Asked of the datasource with Prometheus and Tempo.
    metrics: bool,
}

fn ref_id_of(query_type: &str) -> &'static str {
    match query_type {
        "rollouts" => "A",
        "rollout" => "B",
        "steps" => "C",
        "analysis" => "D",
        "canaryMetrics" => "E",
        "trafficSplit" => "F",
        "verdict" => "G",
        "traces" => "H",
        "events" => "I",
        _ => "Z",
    }
}

fn scenario(name: &str, description: &str, query: Value, expect: Expect) -> Scenario {
    let query_type = query["queryType"].as_str().unwrap_or_default().to_string();
    Scenario {
        name: name.to_string(),
        description: description.to_string(),
        ref_id: ref_id_of(&query_type),
        query,
        expect,
        range: ALL_TIME,
        metrics: false,
    }
}

/// The fixture rollouts, one per strategy and state.
const ROLLOUTS: [(&str, &str); 3] = [
    ("canary-demo", "a canary stuck at step 0/8 (Degraded)"),
    (
        "rollout-experiment-analysis",
        "a canary at step 1/2 with an Experiment and an AnalysisRun",
    ),
    (
        "bluegreen-demo",
        "a blue-green rollout paused before promotion",
    ),
];

/// Every scenario the browser tests read.
fn scenarios() -> Vec<Scenario> {
    let mut out = vec![
        scenario(
            "rollouts-all",
            "rollouts, every namespace",
            json!({ "queryType": "rollouts", "namespace": "", "rollout": "", "labelSelector": "", "status": "" }),
            Expect::Rows,
        ),
        scenario(
            "rollouts-empty",
            "rollouts in a namespace with none",
            json!({ "queryType": "rollouts", "namespace": "nowhere", "rollout": "", "labelSelector": "", "status": "" }),
            Expect::NoRows,
        ),
        scenario(
            "rollout-missing",
            "the rollout query for a rollout that does not exist",
            json!({ "queryType": "rollout", "namespace": NS, "rollout": "no-such-rollout" }),
            Expect::Error,
        ),
    ];
    for (name, what) in ROLLOUTS {
        out.push(scenario(
            &format!("rollouts-{name}"),
            &format!("rollouts row of {name}: {what}"),
            json!({ "queryType": "rollouts", "namespace": NS, "rollout": name, "labelSelector": "", "status": "" }),
            Expect::Rows,
        ));
        out.push(scenario(
            &format!("rollout-{name}"),
            &format!("tree and header of {name}"),
            json!({ "queryType": "rollout", "namespace": NS, "rollout": name }),
            Expect::Rows,
        ));
        // Blue-green has no steps and no analysis: those answers are empty frames.
        let has_steps = name != "bluegreen-demo";
        out.push(scenario(
            &format!("steps-{name}"),
            &format!("steps of {name}"),
            json!({ "queryType": "steps", "namespace": NS, "rollout": name }),
            if has_steps {
                Expect::Rows
            } else {
                Expect::NoRows
            },
        ));
        out.push(scenario(
            &format!("analysis-{name}"),
            &format!("AnalysisRun measurements of {name}"),
            json!({ "queryType": "analysis", "namespace": NS, "rollout": name }),
            if name == "rollout-experiment-analysis" {
                Expect::Rows
            } else {
                Expect::NoRows
            },
        ));
    }
    out
}

/// What the panel of a canary with metrics asks, for `canary-demo` in `namespace`
/// (files `<type>-canary-demo<suffix>`), over Grafana's recent time range `range`:
/// the rollouts row (with its metric columns), the tree, steps, canaryMetrics,
/// trafficSplit, verdict, the canary's traces, and events (over all time: the
/// fixture's conditions are from 2019).
fn metric_scenarios(namespace: &str, suffix: &str, what: &str, range: (i64, i64)) -> Vec<Scenario> {
    let target = json!({ "namespace": namespace, "rollout": "canary-demo" });
    let with = |query_type: &str, extra: Value| {
        let mut q = target.clone();
        q["queryType"] = json!(query_type);
        if let (Some(q), Some(extra)) = (q.as_object_mut(), extra.as_object()) {
            q.extend(extra.clone());
        }
        q
    };
    let mut out = Vec::new();
    for (query_type, label, extra) in [
        (
            "rollouts",
            "rollouts row with metric columns",
            json!({ "labelSelector": "", "status": "" }),
        ),
        ("rollout", "tree and header", json!({})),
        ("steps", "steps", json!({})),
        (
            "canaryMetrics",
            "canary vs stable series and exemplars",
            json!({}),
        ),
        ("trafficSplit", "set, actual and observed weight", json!({})),
        ("verdict", "canary-vs-stable verdict", json!({})),
        (
            "traces",
            "the canary's traces",
            json!({ "revision": "canary" }),
        ),
        ("events", "events and state changes", json!({})),
    ] {
        let name = match query_type {
            "rollouts" | "rollout" | "steps" => format!("metrics-{query_type}-canary-demo{suffix}"),
            _ => format!("{query_type}-canary-demo{suffix}"),
        };
        let mut s = scenario(
            &name,
            &format!("{label} of canary-demo: {what}"),
            with(query_type, extra),
            Expect::Rows,
        );
        s.metrics = true;
        s.range = if query_type == "events" {
            ALL_TIME
        } else {
            range
        };
        out.push(s);
    }
    out
}

fn settings(kube: &FakeKube) -> DsSettings {
    DsSettings::new(
        "canary-lens",
        json!({ "kubeMode": "url", "kubeUrl": kube.url() }),
    )
}

/// The same cluster, with Prometheus and Tempo (scraped every second). The verdict is
/// the fixed-horizon one, whose per-metric medians and score the panel cases show.
fn metric_settings(kube: &FakeKube, prometheus: &str, tempo: &str) -> DsSettings {
    let mut json = metrics_json_data(&kube.url(), prometheus, tempo);
    json["verdictMode"] = serde_json::json!("fixed");
    DsSettings::new("canary-lens-metrics", json)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

fn frames_dir() -> PathBuf {
    std::env::var_os("CANARY_LENS_FRAMES_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/frames"),
        PathBuf::from,
    )
}

/// The answer to one scenario, as written to its file.
struct Answer {
    status: i32,
    error: Option<String>,
    frames: Vec<DecodedFrame>,
}

async fn run(plugin: &PluginProcess, ds: &DsSettings, s: &Scenario) -> Answer {
    let query_type = s.query["queryType"].as_str().unwrap_or_default();
    let mut spec =
        QuerySpec::new(s.ref_id, query_type, s.query.clone()).time_range(s.range.0, s.range.1);
    // A panel a few hundred pixels wide over the last minute: one point a second.
    if s.metrics {
        spec.interval_ms = 1000;
    }
    let response = plugin
        .query(ds, vec![spec])
        .await
        .unwrap_or_else(|status| panic!("{}: QueryData call failed: {status}", s.name));
    let Some(r) = response.responses.get(s.ref_id) else {
        panic!("{}: no response for refId {}", s.name, s.ref_id)
    };
    Answer {
        status: r.status,
        error: (!r.error.is_empty()).then(|| r.error.clone()),
        frames: r
            .frames
            .iter()
            .map(|f| assert_grafana_decodable(f))
            .collect(),
    }
}

fn check(s: &Scenario, a: &Answer) {
    let rows: usize = a.frames.iter().map(DecodedFrame::rows).sum();
    match s.expect {
        Expect::Rows => {
            assert!(
                a.error.is_none(),
                "{}: unexpected error {:?}",
                s.name,
                a.error
            );
            assert!(
                rows > 0,
                "{}: no rows in {} frame(s)",
                s.name,
                a.frames.len()
            );
        }
        Expect::NoRows => {
            assert!(
                a.error.is_none(),
                "{}: unexpected error {:?}",
                s.name,
                a.error
            );
            assert!(
                !a.frames.is_empty(),
                "{}: an empty answer still has its frame",
                s.name
            );
            assert_eq!(rows, 0, "{}: expected no rows", s.name);
        }
        Expect::Error => {
            assert!(
                a.error.is_some(),
                "{}: expected an error, got {} frame(s)",
                s.name,
                a.frames.len()
            );
            assert!(a.status >= 400, "{}: error status {}", s.name, a.status);
        }
    }
    for f in &a.frames {
        assert_eq!(
            f.ref_id, s.ref_id,
            "{}: frame {:?} carries its refId",
            s.name, f.name
        );
    }
}

fn write_json(path: &Path, value: &Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(path, text + "\n")
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

#[tokio::test]
async fn export_what_the_binary_answers_for_the_fixture_cluster() {
    let started = now_ms();
    let kube = FakeKube::start().await;
    for set in ["canary", "blue-green", "experiment-analysis"] {
        kube.load_yaml_dir(support::fixtures(set))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    // The metrics datasource's cluster: the canary fixture and its copy in EQUAL_NS,
    // with pods scraped by a real Prometheus, and Tempo.
    let metrics_kube = FakeKube::start().await;
    let canary = support::fixtures("canary");
    metrics_kube
        .load_yaml_dir(&canary)
        .unwrap_or_else(|e| panic!("{e}"));
    metrics_kube
        .load_yaml_dir_into(&canary, EQUAL_NS, "eq")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut pods = worse_canary(NS);
    pods.extend(equal_revisions(EQUAL_NS));
    let target = MetricsTarget::start(pods).await;
    let prom = RealPrometheus::start(&target.server.addr.to_string()).await;
    let (tempo, _) = fake_tempo().await;

    let plugin = PluginProcess::spawn(&[])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ds = settings(&kube);
    let metrics_ds = metric_settings(&metrics_kube, &prom.url, &tempo.url());

    let dir = frames_dir();
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    // No stale file may pass for an answer of this run.
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|e| e == "json") {
            let _ = std::fs::remove_file(entry.path());
        }
    }

    // Enough scrapes for the verdict's samples (one a second, at least ten a side).
    wait_for_scrapes(&prom, 28.0).await;
    let recent = (started - 10_000, now_ms());
    let mut all = scenarios();
    all.extend(metric_scenarios(NS, "", "a clearly worse canary", recent));
    all.extend(metric_scenarios(
        EQUAL_NS,
        "-equal",
        "canary and stable revisions that behave alike",
        recent,
    ));

    let mut index = Vec::new();
    for s in all {
        let answer = run(&plugin, if s.metrics { &metrics_ds } else { &ds }, &s).await;
        check(&s, &answer);
        let mut query = json!({ "refId": s.ref_id });
        if let (Some(q), Some(extra)) = (query.as_object_mut(), s.query.as_object()) {
            q.extend(extra.clone());
        }
        let frames: Vec<Value> = answer.frames.iter().map(data_frame_json).collect();
        let file = format!("{}.json", s.name);
        write_json(
            &dir.join(&file),
            &json!({
                "scenario": s.name,
                "description": s.description,
                "query": query,
                "status": answer.status,
                "error": answer.error,
                "frames": frames,
            }),
        );
        index.push(json!({
            "scenario": s.name,
            "file": file,
            "description": s.description,
            "query": query,
            "status": answer.status,
            "error": answer.error,
            "frames": answer.frames.iter().map(|f| json!({ "name": f.name, "rows": f.rows() })).collect::<Vec<_>>(),
        }));
    }
    write_json(
        &dir.join("index.json"),
        &json!({
            "generatedBy": "cargo test --test export_frames",
            "fixtures": ["canary", "blue-green", "experiment-analysis"],
            "metrics": {
                "prometheus": prom.version_line,
                "namespaces": { NS: "a clearly worse canary", EQUAL_NS: "revisions that behave alike" },
                "range": { "from": recent.0, "to": recent.1 },
            },
            "scenarios": index,
        }),
    );
    eprintln!("wrote {} scenarios to {}", index.len(), dir.display());
}

/// The binary's own JSON (`canary-lens query --output json`) and the decoded Arrow
/// answer must say the same: field names, types, labels, values. (Multi-threaded: the
/// CLI runs while this test's runtime serves the fake API.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decoded_arrow_frames_match_the_binarys_own_json() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(support::fixtures("experiment-analysis"))
        .unwrap_or_else(|e| panic!("{e}"));
    let plugin = PluginProcess::spawn(&[])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ds = settings(&kube);
    let settings_file =
        std::env::temp_dir().join(format!("canary-lens-export-{}.json", std::process::id()));
    write_json(&settings_file, &json!({ "jsonData": ds.json_data }));
    for s in scenarios().into_iter().filter(|s| {
        s.name.ends_with("rollout-experiment-analysis") && !s.name.starts_with("rollouts-")
    }) {
        let answer = run(&plugin, &ds, &s).await;
        let ours: Vec<Value> = answer.frames.iter().map(data_frame_json).collect();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_canary-lens"))
            .args([
                "query",
                "--output",
                "json",
                "--from",
                "1970-01-01T00:00:00Z",
                "--to",
                "2100-01-01T00:00:00Z",
                "--settings",
            ])
            .arg(&settings_file)
            .arg(s.query.to_string())
            .output()
            .unwrap_or_else(|e| panic!("cannot run the CLI: {e}"));
        assert!(
            output.status.success(),
            "{}: CLI failed: {}",
            s.name,
            String::from_utf8_lossy(&output.stderr)
        );
        let theirs: Vec<Value> = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{}: CLI output is not JSON: {e}", s.name));
        assert!(!ours.is_empty(), "{}: no frames to compare", s.name);
        assert_eq!(ours.len(), theirs.len(), "{}: frame count", s.name);
        for (a, b) in ours.iter().zip(&theirs) {
            let fields = |v: &Value| -> Vec<Value> {
                v["schema"]["fields"]
                    .as_array()
                    .map(|fs| {
                        fs.iter()
                            .map(|f| json!([f["name"], f["type"], f["labels"], f["config"]]))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            assert_eq!(a["schema"]["name"], b["schema"]["name"], "{}", s.name);
            assert_eq!(
                fields(a),
                fields(b),
                "{}: fields of {}",
                s.name,
                a["schema"]["name"]
            );
            // `age` is relative to each run's clock; every other value must agree.
            let names: Vec<Value> = fields(a).iter().map(|f| f[0].clone()).collect();
            for (i, name) in names.iter().enumerate() {
                if name == "age" {
                    continue;
                }
                assert_eq!(
                    a["data"]["values"][i], b["data"]["values"][i],
                    "{}: values of {name} in {}",
                    s.name, a["schema"]["name"]
                );
            }
        }
    }
    let _ = std::fs::remove_file(settings_file);
}

/// Times to milliseconds, NaN and infinities to `entities`.
#[test]
fn data_frame_json_has_milliseconds_and_entities_for_non_finite_numbers() {
    let field = |name: &str, data_type: DataType, values: Vec<Value>| DecodedField {
        name: name.into(),
        labels: [("role".to_string(), "canary".to_string())].into(),
        config: json!({ "unit": "s" }),
        values,
        arrow_type: String::new(),
        data_type,
        nullable: true,
        null_count: 0,
        non_json_rows: Vec::new(),
        raw_labels: None,
        raw_config: None,
    };
    let frame = DecodedFrame {
        name: "f".into(),
        ref_id: "A".into(),
        meta: json!({ "type": "timeseries-multi" }),
        raw_meta: None,
        fields: vec![
            field(
                "time",
                DataType::Timestamp(arrow_schema::TimeUnit::Nanosecond, None),
                vec![json!(1_700_000_000_123_456_789_i64), Value::Null, json!(0)],
            ),
            field(
                "v",
                DataType::Float64,
                vec![json!("NaN"), json!(1.5), json!("-Inf")],
            ),
        ],
        batches: 1,
    };
    let v = data_frame_json(&frame);
    assert_eq!(
        v["data"]["values"][0],
        json!([1_700_000_000_123_i64, null, 0])
    );
    assert_eq!(v["data"]["values"][1], json!([null, 1.5, null]));
    assert_eq!(
        v["data"]["entities"],
        json!([null, { "NaN": [0], "NegInf": [2] }])
    );
    assert_eq!(v["schema"]["fields"][0]["type"], "time");
    assert_eq!(
        v["schema"]["fields"][1]["typeInfo"],
        json!({ "frame": "float64", "nullable": true })
    );
    assert_eq!(
        v["schema"]["fields"][1]["labels"],
        json!({ "role": "canary" })
    );
    assert_eq!(v["schema"]["meta"]["type"], "timeseries-multi");
}
