//! The dashboard contract: every variable, panel target and annotation that
//! `provisioning/dashboards/*.json` asks of the Canary Lens datasource runs through the
//! datasource's frontend code, as Grafana calls it, then over Grafana's HTTP API to the
//! plugin binary and the fake cluster, and must answer without error and with data.
//!
//! This test builds the world around the frontend:
//! - a fake cluster holding the canary fixture copied into `canary-demo` (the namespace
//!   the dashboard's saved variables name), the blue-green and experiment fixtures in
//!   `jesse-test`, and what a live canary has within the dashboard's last 30 minutes: a
//!   Kubernetes Event about the rollout and an AnalysisRun measurement;
//! - a real Prometheus scraping pods of both revisions, and a fake Tempo;
//! - the plugin binary, spawned as Grafana spawns it;
//! - [`GrafanaHttp`], Grafana's `/api/ds/query` and datasource resource API in front of
//!   the binary, for the datasource of `provisioning/datasources/canarylens.yaml`.
//!
//! Then it runs `frontend/contract` under vitest (the Node side: the real datasource
//! class with Grafana's services pointed at the bridge) and checks its report against
//! the dashboards and against what the bridge saw. Without `frontend/node_modules`
//! (`npm ci` in `frontend/`) it says so and passes: `scripts/test` runs it again after
//! the frontend's `npm ci`.

mod support;
mod support_prom;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};
use support::fake_kube::FakeKube;
use support::grafana_http::{parse_time, BridgeCall, CallKind, GrafanaHttp};
use support::plugin::{DsSettings, PluginProcess, PLUGIN_ID};
use support_prom::canary_demo::{fake_tempo, metrics_json_data, wait_for_scrapes, worse_canary};
use support_prom::prometheus::RealPrometheus;
use support_prom::target::MetricsTarget;

/// The namespace the dashboard's saved `namespace` variable names.
const NS: &str = "canary-demo";
/// The rollout a single-namespace rollout list starts with (the canary fixture's).
const ROLLOUT: &str = "canary-demo";
/// How long the Node side may take (vitest start-up included).
const NODE_TIMEOUT: Duration = Duration::from_secs(300);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rfc3339(ago: Duration) -> String {
    let at = Utc::now() - chrono::Duration::from_std(ago).unwrap_or_default();
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The Canary Lens datasources the provisioning file declares: (id, uid, name,
/// isDefault), ids numbered in file order as Grafana assigns them on a fresh database.
fn provisioned_datasources() -> Vec<(i64, String, String, bool)> {
    let path = root().join("provisioning/datasources/canarylens.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    let list = doc["datasources"].as_array().cloned().unwrap_or_default();
    let ours: Vec<_> = list
        .iter()
        .zip(1_i64..)
        .filter(|(d, _)| d["type"] == PLUGIN_ID)
        .map(|(d, id)| {
            (
                id,
                d["uid"].as_str().unwrap_or_default().to_string(),
                d["name"].as_str().unwrap_or_default().to_string(),
                d["isDefault"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert!(
        !ours.is_empty(),
        "{} declares no {PLUGIN_ID}",
        path.display()
    );
    ours
}

/// The canary fixture in [`NS`] and the other fixtures in `jesse-test`, plus what a live
/// canary has in the last half hour: a Kubernetes Event about the rollout and an
/// AnalysisRun of its canary revision with a fresh measurement.
fn load_cluster(kube: &FakeKube) {
    kube.load_yaml_dir_into(support::fixtures("canary"), NS, "cd")
        .unwrap_or_else(|e| panic!("{e}"));
    for set in ["blue-green", "experiment-analysis"] {
        kube.load_yaml_dir(support::fixtures(set))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let uid = kube
        .objects("Rollout")
        .into_iter()
        .find(|r| r["metadata"]["namespace"] == NS && r["metadata"]["name"] == ROLLOUT)
        .and_then(|r| r["metadata"]["uid"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no rollout {NS}/{ROLLOUT} in the fixture"));
    let five_minutes_ago = rfc3339(Duration::from_secs(300));
    kube.apply(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "canary-demo.step", "namespace": NS},
        "involvedObject": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": ROLLOUT, "namespace": NS},
        "reason": "RolloutStepCompleted", "message": "Rollout step 1/8 completed (setWeight: 10)",
        "type": "Normal", "count": 1,
        "firstTimestamp": five_minutes_ago, "lastTimestamp": five_minutes_ago
    }));
    let (started, finished) = (
        rfc3339(Duration::from_secs(120)),
        rfc3339(Duration::from_secs(119)),
    );
    kube.apply(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
        "metadata": {
            "name": "canary-demo-65fb5ffc84-success-rate", "namespace": NS, "uid": "analysis-run-cd",
            "annotations": {"rollout.argoproj.io/revision": "31"},
            "labels": {"rollouts-pod-template-hash": "65fb5ffc84"},
            "creationTimestamp": started,
            "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": ROLLOUT, "uid": uid, "controller": true}]
        },
        "spec": {"metrics": [{"name": "success-rate", "interval": "1m", "successCondition": "result[0] >= 0.95",
                               "provider": {"prometheus": {"query": "sum(rate(http_requests_total[1m]))"}}}]},
        "status": {
            "phase": "Running", "startedAt": started,
            "metricResults": [{"name": "success-rate", "phase": "Running", "count": 1, "successful": 1,
                "measurements": [{"phase": "Successful", "value": "[0.97]", "startedAt": started, "finishedAt": finished}]}]
        }
    }));
}

/// What a dashboard asks of the datasource, read independently of the Node side:
/// (kind, id) of each query variable, panel target and enabled annotation that names a
/// Canary Lens datasource (by uid, or by type without uid, or the default when none).
fn expected_queries(dashboard: &Value, uids: &[String]) -> BTreeSet<(String, String)> {
    let ours = |ds: &Value| -> bool {
        match ds {
            Value::Null => true,
            Value::String(s) => uids.contains(s),
            _ => ds["uid"]
                .as_str()
                .map_or(ds["type"] == PLUGIN_ID, |u| uids.iter().any(|x| x == u)),
        }
    };
    let mut out = BTreeSet::new();
    for v in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if v["type"] == "query" && ours(&v["datasource"]) {
            out.insert((
                "variable".into(),
                v["name"].as_str().unwrap_or_default().into(),
            ));
        }
    }
    let mut panels: Vec<&Value> = Vec::new();
    for p in dashboard["panels"].as_array().into_iter().flatten() {
        if p["type"] == "row" {
            panels.extend(p["panels"].as_array().into_iter().flatten());
        } else {
            panels.push(p);
        }
    }
    for p in panels {
        for t in p["targets"].as_array().into_iter().flatten() {
            let ds = if t["datasource"].is_null() {
                &p["datasource"]
            } else {
                &t["datasource"]
            };
            if ours(ds) {
                let id = format!("{}/{}", p["id"], t["refId"].as_str().unwrap_or("A"));
                out.insert(("target".into(), id));
            }
        }
    }
    for a in dashboard["annotations"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if a["builtIn"].as_i64().unwrap_or(0) == 0 && a["enable"] != false && ours(&a["datasource"])
        {
            out.insert((
                "annotation".into(),
                a["name"].as_str().unwrap_or_default().into(),
            ));
        }
    }
    out
}

/// What the vitest run printed and how it ended.
struct NodeRun {
    success: bool,
    output: String,
}

/// Runs the contract's vitest suite with `env`, stopping it (by its pid) after
/// [`NODE_TIMEOUT`]. Polls on the async runtime so the bridge keeps serving.
async fn run_node(frontend: &Path, env: &[(&str, String)]) -> NodeRun {
    let vitest = frontend.join("node_modules/.bin/vitest");
    let mut cmd = Command::new(&vitest);
    cmd.args(["run", "--config", "contract/vitest.config.ts"])
        .current_dir(frontend)
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", vitest.display()));
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let out = read(Box::new(child.stdout.take().expect("stdout piped")));
    let err = read(Box::new(child.stderr.take().expect("stderr piped")));
    let deadline = Instant::now() + NODE_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for vitest") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let output = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    match status {
        Some(s) => NodeRun {
            success: s.success(),
            output,
        },
        None => NodeRun {
            success: false,
            output: format!("vitest did not finish within {NODE_TIMEOUT:?}\n{output}"),
        },
    }
}

fn table(entries: &[Value]) -> String {
    let mut out = format!(
        "{:<10} {:<22} {:<14} {:<8} {:>6} {:>5}  {}\n",
        "kind", "id", "queryType", "status", "frames", "rows", "detail / error"
    );
    for e in entries {
        let note = e["error"]
            .as_str()
            .or_else(|| e["detail"].as_str())
            .unwrap_or_default();
        out.push_str(&format!(
            "{:<10} {:<22} {:<14} {:<8} {:>6} {:>5}  {}\n",
            e["kind"].as_str().unwrap_or_default(),
            e["id"].as_str().unwrap_or_default(),
            e["queryType"].as_str().unwrap_or_default(),
            e["status"].as_str().unwrap_or_default(),
            e["frames"].as_u64().unwrap_or_default(),
            e["rows"].as_u64().unwrap_or_default(),
            note
        ));
    }
    out
}

/// Everything the frontend sent to the plugin had its template variables replaced: no
/// `$` left in any string field.
fn assert_interpolated(calls: &[BridgeCall]) {
    for c in calls.iter().filter(|c| c.kind == CallKind::Query) {
        for field in [
            "namespace",
            "rollout",
            "revision",
            "labelSelector",
            "status",
        ] {
            if let Some(s) = c.json[field].as_str() {
                assert!(
                    !s.contains('$'),
                    "{} ({}) reached the plugin with {field} {s:?}: {}",
                    c.target,
                    c.query_type,
                    c.json
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_query_answers_through_the_frontend_and_the_binary() {
    let frontend = root().join("frontend");
    if !frontend.join("node_modules/.bin/vitest").exists() {
        eprintln!(
            "SKIPPED: the dashboard contract needs the frontend's packages \
             (frontend/node_modules is missing; run `npm ci` in frontend/, as scripts/test does)"
        );
        return;
    }
    let started = Instant::now();
    let kube = FakeKube::start().await;
    load_cluster(&kube);
    let target = MetricsTarget::start(worse_canary(NS)).await;
    let prom = RealPrometheus::start(&target.server.addr.to_string()).await;
    let (tempo, searches) = fake_tempo().await;
    let plugin = Arc::new(
        PluginProcess::spawn(&[])
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let provisioned = provisioned_datasources();
    let json_data = metrics_json_data(&kube.url(), &prom.url, &tempo.url());
    let settings: Vec<DsSettings> = provisioned
        .iter()
        .map(|(id, uid, name, _)| {
            let mut ds = DsSettings::new(uid, json_data.clone());
            ds.id = *id;
            ds.name.clone_from(name);
            ds
        })
        .collect();
    let uids: Vec<String> = settings.iter().map(|d| d.uid.clone()).collect();
    let grafana = GrafanaHttp::start(plugin.clone(), settings).await;
    // Enough scrapes for the verdict's samples (one a second, at least ten a side).
    wait_for_scrapes(&prom, 28.0).await;

    let report_path =
        std::env::temp_dir().join(format!("canary-lens-contract-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&report_path);
    let datasources: Vec<Value> = provisioned
        .iter()
        .map(|(id, uid, name, default)| {
            json!({ "id": id, "uid": uid, "name": name, "type": PLUGIN_ID, "isDefault": default })
        })
        .collect();
    let dashboards_dir = root().join("provisioning/dashboards");
    let node = run_node(
        &frontend,
        &[
            ("CANARY_LENS_GRAFANA_URL", grafana.url()),
            (
                "CANARY_LENS_DATASOURCES",
                Value::from(datasources).to_string(),
            ),
            (
                "CANARY_LENS_DASHBOARDS",
                dashboards_dir.display().to_string(),
            ),
            (
                "CANARY_LENS_CONTRACT_REPORT",
                report_path.display().to_string(),
            ),
        ],
    )
    .await;
    let report: Value = std::fs::read_to_string(&report_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("the Node side wrote no report:\n{}", node.output));
    let _ = std::fs::remove_file(&report_path);
    let entries = report["entries"].as_array().cloned().unwrap_or_default();
    let negative = report["negative"].as_array().cloned().unwrap_or_default();
    eprintln!(
        "dashboard contract ({:.0?}):\n{}\nnegative check (a broken copy):\n{}",
        started.elapsed(),
        table(&entries),
        table(&negative)
    );
    let calls = grafana.calls();

    // Every query the dashboards make ran and answered with data.
    let mut missing = Vec::new();
    let mut failed = Vec::new();
    let mut query_types = BTreeSet::new();
    for file in report["dashboards"].as_array().into_iter().flatten() {
        let file = file.as_str().unwrap_or_default();
        let path = dashboards_dir.join(file);
        let dashboard: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        for (kind, id) in expected_queries(&dashboard, &uids) {
            let entry = entries.iter().find(|e| {
                e["dashboard"] == file && e["kind"] == kind.as_str() && e["id"] == id.as_str()
            });
            match entry {
                None => missing.push(format!("{file}: {kind} {id}")),
                Some(e) if e["status"] != "ok" || e["rows"].as_u64().unwrap_or(0) == 0 => {
                    failed.push(format!("{file}: {kind} {id}: {}", e["error"]));
                }
                Some(e) => {
                    query_types.insert(e["queryType"].as_str().unwrap_or_default().to_string());
                }
            }
        }
    }
    let dashboard_files = std::fs::read_dir(&dashboards_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(
        report["dashboards"].as_array().map_or(0, Vec::len),
        dashboard_files,
        "the Node side must check every dashboard file"
    );
    assert!(
        missing.is_empty(),
        "queries the Node side never ran: {missing:#?}"
    );
    assert!(
        failed.is_empty(),
        "queries that failed: {failed:#?}\n{}",
        node.output
    );

    // What reached the plugin: interpolated, from the saved namespace, and every query
    // type of the dashboard answered without error.
    assert_interpolated(&calls);
    let answered: BTreeSet<&str> = calls
        .iter()
        .filter(|c| c.kind == CallKind::Query && c.error.is_none() && c.rows > 0)
        .map(|c| c.query_type.as_str())
        .collect();
    for query_type in &query_types {
        assert!(
            answered.contains(query_type.as_str()),
            "the dashboards ask for {query_type}, but the plugin never answered one with rows: {answered:?}"
        );
    }
    let rollout_queries: Vec<&BridgeCall> = calls
        .iter()
        .filter(|c| {
            c.kind == CallKind::Query && c.json["rollout"].as_str().is_some_and(|r| !r.is_empty())
        })
        .collect();
    assert!(!rollout_queries.is_empty(), "no query named a rollout");
    for c in rollout_queries {
        assert_eq!(
            (c.json["namespace"].as_str(), c.json["rollout"].as_str()),
            (Some(NS), Some(ROLLOUT)),
            "{} ({}): the saved namespace and the first rollout of its list",
            c.target,
            c.query_type
        );
    }
    assert!(
        !searches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty(),
        "the traces panels never reached Tempo"
    );

    // The negative check: a variable query of an unknown type fails.
    let broken = negative
        .first()
        .unwrap_or_else(|| panic!("the Node side ran no negative check:\n{}", node.output));
    assert_eq!(broken["status"], "error", "{broken}");
    assert!(
        broken["error"]
            .as_str()
            .is_some_and(|e| e.contains("noSuchVariableType")),
        "the error names the unknown type: {broken}"
    );

    assert!(node.success, "the Node side failed:\n{}", node.output);
}

/// The bridge reads the request's time range as Grafana's `gtime.NewTimeRange` does.
#[test]
fn request_times_are_epoch_milliseconds_or_relative_to_now() {
    let now = 10_000_000;
    assert_eq!(parse_time("1700000000000", now), Some(1_700_000_000_000));
    assert_eq!(parse_time("now", now), Some(now));
    assert_eq!(parse_time("now-30m", now), Some(now - 1_800_000));
    assert_eq!(parse_time("now-1x", now), None);
    assert_eq!(parse_time("yesterday", now), None);
}

/// The expected queries come from the dashboard itself: variables and annotations of
/// this datasource, panel targets by their own or their panel's datasource, rows opened.
#[test]
fn expected_queries_follow_the_datasource_refs() {
    let uids = vec!["canarylens".to_string()];
    let dashboard = json!({
        "templating": {"list": [
            {"name": "ns", "type": "query", "datasource": {"uid": "canarylens"}},
            {"name": "other", "type": "query", "datasource": {"uid": "prometheus"}},
            {"name": "pick", "type": "custom", "query": "a,b"}
        ]},
        "annotations": {"list": [
            {"name": "builtin", "builtIn": 1, "datasource": {"uid": "grafana"}},
            {"name": "events", "datasource": {"type": PLUGIN_ID}, "enable": true},
            {"name": "off", "datasource": {"uid": "canarylens"}, "enable": false}
        ]},
        "panels": [
            {"id": 1, "datasource": {"uid": "canarylens"}, "targets": [{"refId": "A"}, {"refId": "B", "datasource": {"uid": "prometheus"}}]},
            {"id": 2, "type": "row", "panels": [{"id": 3, "targets": [{"refId": "A", "datasource": {"uid": "canarylens"}}]}]}
        ]
    });
    let got: Vec<(String, String)> = expected_queries(&dashboard, &uids).into_iter().collect();
    let want: Vec<(String, String)> = [
        ("annotation", "events"),
        ("target", "1/A"),
        ("target", "3/A"),
        ("variable", "ns"),
    ]
    .iter()
    .map(|(k, i)| ((*k).to_string(), (*i).to_string()))
    .collect();
    assert_eq!(got, want);
}
