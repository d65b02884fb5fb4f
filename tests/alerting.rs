//! Alerting end to end: the plugin binary spawned as Grafana spawns it, sent queries
//! the way Grafana's alerting sends them (the request header `FromAlert: true`, set by
//! grafana `pkg/services/ngalert/eval/eval.go` `buildDatasourceHeaders`), its frames
//! decoded with Grafana's decoder rules and then read by [`sse_numbers`], a checker
//! that follows what Grafana's server-side expressions do with a datasource's answer.
//!
//! Cases: rollouts as one health code per rollout; verdict result codes and score,
//! judged by a real Prometheus; Prometheus down, which must be the query's error (the
//! rule goes to Error) and not empty frames with a notice (the rule would go NoData);
//! dashboards, which keep today's frames.

mod support;
mod support_prom;

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use grafana_plugin_sdk::pluginv2;
use serde_json::{json, Value};
use support::fake_kube::FakeKube;
use support::frames::{assert_grafana_decodable, DecodedFrame};
use support::plugin::{DsSettings, PluginProcess};
use support_prom::canary_demo::{metrics_json_data, wait_for_scrapes, worse_canary};
use support_prom::fake::free_port;
use support_prom::prometheus::RealPrometheus;
use support_prom::target::MetricsTarget;

const NS: &str = "jesse-test";
/// Rollouts added by [`cluster`] with the controller phases the fixtures lack.
const EXTRA_NS: &str = "alerts";

// ---- the checker ------------------------------------------------------------------------

/// One number as Grafana's expressions see it: its name, labels and value.
#[derive(Debug, Clone, PartialEq)]
struct SseNumber {
    name: String,
    labels: BTreeMap<String, String>,
    value: Option<f64>,
}

/// Grafana's `data.FieldType.Numeric()`: every int, uint and float type.
fn numeric(f: &support::frames::DecodedField) -> bool {
    matches!(
        f.arrow_type.as_str(),
        "int8"
            | "int16"
            | "int32"
            | "int64"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "float32"
            | "float64"
    )
}

fn string(f: &support::frames::DecodedField) -> bool {
    f.arrow_type == "utf8"
}

fn time(f: &support::frames::DecodedField) -> bool {
    f.arrow_type.starts_with("timestamp")
}

/// Labels of row `row` from the string fields, as grafana/dataplane
/// `sdata/numeric/long.go` (`ConcreteAt` then `val.(string)`, which panics on a null)
/// and grafana `pkg/expr/converter.go` `extractNumberSet` read them.
fn row_labels(frame: &DecodedFrame, row: usize) -> Result<BTreeMap<String, String>, String> {
    let mut labels = BTreeMap::new();
    for f in frame.fields.iter().filter(|f| string(f)) {
        let Some(v) = f.values[row].as_str() else {
            return Err(format!(
                "string field {:?} is null in row {row}: Grafana's type assertion to string panics",
                f.name
            ));
        };
        labels.insert(f.name.clone(), v.to_string());
    }
    Ok(labels)
}

fn rows_as_numbers(frame: &DecodedFrame) -> Result<Vec<SseNumber>, String> {
    let mut out = Vec::new();
    for row in 0..frame.rows() {
        let labels = row_labels(frame, row)?;
        for f in frame.fields.iter().filter(|f| numeric(f)) {
            out.push(SseNumber {
                name: f.name.clone(),
                labels: labels.clone(),
                value: f.values[row].as_f64(),
            });
        }
    }
    Ok(out)
}

/// The dataplane path: grafana `pkg/expr/dataplane.go` `shouldUseDataplane` (first
/// frame with a `meta.type` and a non-zero `typeVersion`), grafana/dataplane
/// `sdata/reader/reader.go` `CanReadBasedOnMeta` (supported types), and
/// `sdata/numeric/long.go` for `numeric-long`. `None` when Grafana would not take this
/// path (it then falls back to [`legacy_numbers`]).
fn dataplane_numbers(frames: &[DecodedFrame]) -> Option<Result<Vec<SseNumber>, String>> {
    let first = frames.first()?;
    let kind = first.meta["type"].as_str().unwrap_or_default();
    let version = first.meta["typeVersion"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let zero = version.iter().all(|v| v.as_u64() == Some(0));
    if kind.is_empty() || version.is_empty() || zero {
        return None;
    }
    match kind {
        // Only the first frame is read (numeric.CollectionReaderFromFrames).
        "numeric-long" => Some(rows_as_numbers(first)),
        "numeric-wide" | "numeric-multi" | "timeseries-long" | "timeseries-wide"
        | "timeseries-multi" => Some(Err(format!(
            "{kind} is a dataplane type this checker does not read"
        ))),
        // CanReadBasedOnMeta fails on other types; Grafana falls back.
        _ => None,
    }
}

/// The fallback of grafana `pkg/expr/converter.go` `Convert` for a datasource that is
/// not Prometheus: exactly one frame that is no time series (no time field) and a
/// number table (`isNumberTable`: exactly one numeric field, the others strings)
/// becomes one number per row; anything without a time field otherwise fails as
/// "input data must be a wide series".
fn legacy_numbers(frames: &[DecodedFrame]) -> Result<Vec<SseNumber>, String> {
    if frames.len() == 1 {
        let frame = &frames[0];
        if frame.fields.is_empty() {
            return Ok(Vec::new());
        }
        let numbers = frame.fields.iter().filter(|f| numeric(f)).count();
        let others = frame
            .fields
            .iter()
            .filter(|f| !numeric(f) && !string(f))
            .count();
        let has_time = frame.fields.iter().any(time);
        if !has_time && numbers == 1 && others == 0 {
            return rows_as_numbers(frame);
        }
    }
    Err(format!(
        "input data must be a wide series but got type not (input refid); frames: {}",
        frames
            .iter()
            .map(|f| format!("{} with {} fields", f.name, f.fields.len()))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// What Grafana's expressions make of one query's frames, by both paths (Grafana
/// takes the dataplane one unless the `disableSSEDataplane` toggle is on, so an
/// alertable answer must read the same both ways), then held to ngalert's rule that
/// every instance is told apart by its labels (grafana
/// `pkg/services/ngalert/eval/eval.go` `evaluateExecutionResult`).
fn sse_numbers(frames: &[DecodedFrame]) -> Result<Vec<SseNumber>, String> {
    if frames.is_empty() {
        return Err("no frames: Grafana evaluates this as NoData".into());
    }
    let legacy = legacy_numbers(frames);
    let numbers = match dataplane_numbers(frames) {
        Some(dataplane) => {
            let dataplane = dataplane?;
            let legacy = legacy.map_err(|e| format!("without the dataplane path: {e}"))?;
            if legacy != dataplane {
                return Err(format!(
                    "the two paths disagree:\n{dataplane:?}\n{legacy:?}"
                ));
            }
            dataplane
        }
        None => legacy?,
    };
    let mut seen = std::collections::HashSet::new();
    for n in &numbers {
        if !seen.insert(format!("{:?}", n.labels)) {
            return Err(format!(
                "frame cannot uniquely be identified by its labels: has duplicate results with labels {:?}",
                n.labels
            ));
        }
    }
    Ok(numbers)
}

fn only_numbers(frames: &[DecodedFrame]) -> Vec<SseNumber> {
    sse_numbers(frames).unwrap_or_else(|e| {
        let tables: Vec<String> = frames.iter().map(DecodedFrame::to_table).collect();
        panic!(
            "Grafana's expressions would refuse this answer: {e}\n{}",
            tables.join("\n")
        )
    })
}

/// The number whose labels include every `(key, value)` given.
fn number<'a>(numbers: &'a [SseNumber], labels: &[(&str, &str)]) -> &'a SseNumber {
    numbers
        .iter()
        .find(|n| {
            labels
                .iter()
                .all(|(k, v)| n.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .unwrap_or_else(|| panic!("no number labelled {labels:?} in {numbers:#?}"))
}

#[test]
fn the_checker_refuses_what_grafana_refuses() {
    let frame = |fields: Vec<(&str, &str, Vec<Value>)>, meta: Value| DecodedFrame {
        name: "f".into(),
        ref_id: "A".into(),
        meta,
        raw_meta: None,
        fields: fields
            .into_iter()
            .map(|(name, ty, values)| support::frames::DecodedField {
                name: name.into(),
                labels: BTreeMap::new(),
                config: Value::Null,
                values,
                arrow_type: ty.into(),
                data_type: arrow_schema::DataType::Null,
                nullable: true,
                null_count: 0,
                non_json_rows: Vec::new(),
                raw_labels: None,
                raw_config: None,
            })
            .collect(),
        batches: 1,
    };
    let long = json!({"type": "numeric-long", "typeVersion": [0, 1]});
    // Two numbers per row in a table: what `rollouts` answered before.
    let two = frame(
        vec![
            ("name", "utf8", vec![json!("a")]),
            ("desired", "int64", vec![json!(1)]),
            ("ready", "int64", vec![json!(1)]),
        ],
        json!({"type": "table", "typeVersion": [0, 1]}),
    );
    assert!(sse_numbers(&[two]).unwrap_err().contains("wide series"));
    let null_label = frame(
        vec![
            ("name", "utf8", vec![Value::Null]),
            ("v", "float64", vec![json!(1)]),
        ],
        long.clone(),
    );
    assert!(sse_numbers(&[null_label]).unwrap_err().contains("null"));
    let twins = frame(
        vec![
            ("name", "utf8", vec![json!("a"), json!("a")]),
            ("v", "float64", vec![json!(1), json!(2)]),
        ],
        long.clone(),
    );
    assert!(sse_numbers(&[twins]).unwrap_err().contains("duplicate"));
    let good = frame(
        vec![
            ("name", "utf8", vec![json!("a"), json!("b")]),
            ("v", "float64", vec![json!(1), Value::Null]),
        ],
        long,
    );
    let n = sse_numbers(&[good]).unwrap();
    assert_eq!((n[0].value, n[1].value), (Some(1.0), None));
}

// ---- the plugin, asked as alerting asks ------------------------------------------------

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// How a query is sent: as alerting does (the `FromAlert` header), or as a dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Alert,
    Dashboard,
}

/// Sends one query and returns its DataResponse.
async fn ask(
    plugin: &PluginProcess,
    ds: &DsSettings,
    via: Via,
    query_type: &str,
    json: Value,
    range_ms: (i64, i64),
) -> pluginv2::DataResponse {
    let headers = match via {
        // Exactly what ngalert sends besides the rule's key.
        Via::Alert => HashMap::from([
            ("FromAlert".to_string(), "true".to_string()),
            ("X-Cache-Skip".to_string(), "true".to_string()),
        ]),
        Via::Dashboard => HashMap::new(),
    };
    let request = pluginv2::QueryDataRequest {
        plugin_context: Some(ds.plugin_context()),
        headers,
        queries: vec![pluginv2::DataQuery {
            ref_id: "A".into(),
            query_type: query_type.into(),
            max_data_points: 43_200,
            interval_ms: 1000,
            time_range: Some(pluginv2::TimeRange {
                from_epoch_ms: range_ms.0,
                to_epoch_ms: range_ms.1,
            }),
            json: json.to_string().into_bytes(),
        }],
    };
    let mut response = plugin
        .data()
        .query_data(request)
        .await
        .expect("QueryData")
        .into_inner();
    response.responses.remove("A").expect("a response for A")
}

/// The frames of a successful answer, decoded with Grafana's rules.
fn frames(r: &pluginv2::DataResponse) -> Vec<DecodedFrame> {
    assert!(r.error.is_empty(), "status {}: {}", r.status, r.error);
    r.frames
        .iter()
        .map(|f| assert_grafana_decodable(f))
        .collect()
}

fn last_hour() -> (i64, i64) {
    let now = now_ms();
    (now - 3_600_000, now)
}

/// The upstream fixtures (canary-demo Degraded, bluegreen-demo Paused,
/// rollout-experiment-analysis Degraded) and, in [`EXTRA_NS`], copies of canary-demo
/// whose controller reports Healthy, Progressing and a phase Argo does not define.
async fn cluster() -> FakeKube {
    let kube = FakeKube::start().await;
    for set in ["canary", "blue-green", "experiment-analysis"] {
        kube.load_yaml_dir(support::fixtures(set))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let template = kube
        .objects("Rollout")
        .into_iter()
        .find(|r| r["metadata"]["name"] == "canary-demo")
        .expect("the canary-demo fixture");
    for (name, phase) in [
        ("steady", "Healthy"),
        ("moving", "Progressing"),
        ("odd", "Scaling"),
    ] {
        let mut r = template.clone();
        r["metadata"] = json!({"name": name, "namespace": EXTRA_NS, "generation": 1});
        r["status"]["observedGeneration"] = json!("1");
        r["status"]["phase"] = json!(phase);
        r["status"]["message"] = json!("");
        if let Some(status) = r["status"].as_object_mut() {
            status.remove("pauseConditions");
            status.remove("controllerPause");
        }
        kube.apply(r);
    }
    kube
}

/// Settings with a Prometheus that nothing answers on.
fn settings_with_dead_prometheus(kube: &FakeKube) -> DsSettings {
    DsSettings::new(
        "alerting",
        json!({
            "kubeMode": "url",
            "kubeUrl": kube.url(),
            "prometheusUrl": format!("http://127.0.0.1:{}", free_port()),
            "prometheusTimeoutSeconds": 2,
        }),
    )
}

async fn plugin() -> PluginProcess {
    PluginProcess::spawn(&[])
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_rollouts_are_one_health_code_per_rollout_labelled_by_its_strings() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings_with_dead_prometheus(&kube);

    let r = ask(&plugin, &ds, Via::Alert, "rollouts", json!({}), last_hour()).await;
    let answer = frames(&r);
    assert_eq!(answer.len(), 1, "one frame");
    assert_eq!(answer[0].meta["type"], "numeric-long");
    let numbers = only_numbers(&answer);
    for n in &numbers {
        assert_eq!(n.name, "health");
        let keys: Vec<&str> = n.labels.keys().map(String::as_str).collect();
        assert_eq!(keys, ["namespace", "phase", "rollout", "strategy"], "{n:?}");
    }
    let health = |ns: &str, name: &str| {
        let n = number(&numbers, &[("namespace", ns), ("rollout", name)]);
        (n.labels["phase"].clone(), n.value)
    };
    assert_eq!(health(NS, "canary-demo"), ("Degraded".into(), Some(3.0)));
    assert_eq!(health(NS, "bluegreen-demo"), ("Paused".into(), Some(2.0)));
    assert_eq!(health(EXTRA_NS, "steady"), ("Healthy".into(), Some(0.0)));
    assert_eq!(
        health(EXTRA_NS, "moving"),
        ("Progressing".into(), Some(1.0))
    );
    assert_eq!(health(EXTRA_NS, "odd"), ("Scaling".into(), Some(4.0)));
    assert_eq!(
        number(&numbers, &[("rollout", "bluegreen-demo")]).labels["strategy"],
        "BlueGreen"
    );
    // A dead Prometheus is no concern of the health code: no error, no notice.
    assert!(answer[0].meta["notices"].is_null(), "{}", answer[0].meta);

    // The list filters still apply: one namespace, one status.
    let r = ask(
        &plugin,
        &ds,
        Via::Alert,
        "rollouts",
        json!({"namespace": EXTRA_NS, "status": "Healthy"}),
        last_hour(),
    )
    .await;
    let numbers = only_numbers(&frames(&r));
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    assert_eq!(numbers[0].labels["rollout"], "steady");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_keep_the_table_and_format_alert_shows_the_alert_form() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings_with_dead_prometheus(&kube);

    // A dashboard's rollouts: today's table, with the metric columns' notice. Grafana's
    // expressions would refuse it, which is why alerts get another form.
    let r = ask(
        &plugin,
        &ds,
        Via::Dashboard,
        "rollouts",
        json!({}),
        last_hour(),
    )
    .await;
    let table = frames(&r);
    assert_eq!(table[0].meta["type"], "table");
    assert!(table[0].try_field("desired").is_some());
    assert!(
        table[0].meta["notices"]
            .to_string()
            .contains("metric columns are empty"),
        "{}",
        table[0].meta
    );
    let refused = sse_numbers(&table).unwrap_err();
    assert!(refused.contains("wide series"), "{refused}");

    // `format: "alert"` tries the alert form from a dashboard: the same numbers.
    let alert = frames(&ask(&plugin, &ds, Via::Alert, "rollouts", json!({}), last_hour()).await);
    let tried = frames(
        &ask(
            &plugin,
            &ds,
            Via::Dashboard,
            "rollouts",
            json!({"format": "alert"}),
            last_hour(),
        )
        .await,
    );
    assert_eq!(only_numbers(&tried), only_numbers(&alert));

    // An unknown format is refused by name.
    let r = ask(
        &plugin,
        &ds,
        Via::Dashboard,
        "rollouts",
        json!({"format": "graph"}),
        last_hour(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.error.contains("\"format\""), "{}", r.error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_down_is_an_alert_querys_error_and_a_dashboards_notice() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings_with_dead_prometheus(&kube);
    let canary = json!({"namespace": NS, "rollout": "canary-demo"});

    for query_type in ["verdict", "canaryMetrics"] {
        // Alerting: the query's error, so the rule goes to Error (not NoData).
        let r = ask(
            &plugin,
            &ds,
            Via::Alert,
            query_type,
            canary.clone(),
            last_hour(),
        )
        .await;
        assert!(
            r.frames.is_empty(),
            "{query_type}: an alert query that failed must carry no frames"
        );
        assert_eq!(r.status, 502, "{query_type}: {}", r.error);
        assert!(r.error.contains("127.0.0.1"), "{query_type}: {}", r.error);

        // A dashboard: frames with an error notice, as before.
        let r = ask(
            &plugin,
            &ds,
            Via::Dashboard,
            query_type,
            canary.clone(),
            last_hour(),
        )
        .await;
        let notices: Vec<String> = frames(&r)
            .iter()
            .flat_map(|f| f.meta["notices"].as_array().cloned().unwrap_or_default())
            .filter(|n| n["severity"] == "error")
            .map(|n| n["text"].to_string())
            .collect();
        assert!(!notices.is_empty(), "{query_type}: no error notice");
    }

    // `format: "score"` is no different.
    let mut score = canary.clone();
    score["format"] = json!("score");
    let r = ask(&plugin, &ds, Via::Alert, "verdict", score, last_hour()).await;
    assert_eq!(r.status, 502, "{}", r.error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verdict_with_nothing_to_judge_is_the_nodata_code_and_other_types_explain_themselves() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings_with_dead_prometheus(&kube);

    // `steady` has no ReplicaSets: no canary to judge, and no query to fail.
    let steady = json!({"rollout": format!("{EXTRA_NS}/steady")});
    let r = ask(
        &plugin,
        &ds,
        Via::Alert,
        "verdict",
        steady.clone(),
        last_hour(),
    )
    .await;
    let numbers = only_numbers(&frames(&r));
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    let overall = number(&numbers, &[("metric", "overall")]);
    assert_eq!(overall.name, "result");
    assert_eq!(overall.value, Some(-1.0));
    assert_eq!(overall.labels["rollout"], "steady");
    assert_eq!(overall.labels["namespace"], EXTRA_NS);
    // Its score is null: Grafana evaluates that instance as NoData.
    let mut score = steady;
    score["format"] = json!("score");
    let r = ask(&plugin, &ds, Via::Alert, "verdict", score, last_hour()).await;
    let numbers = only_numbers(&frames(&r));
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    assert_eq!(
        (numbers[0].name.as_str(), numbers[0].value),
        ("score", None)
    );

    // A type Grafana cannot alert on says so instead of failing in Grafana's converter.
    let steps = json!({"namespace": NS, "rollout": "canary-demo"});
    let r = ask(
        &plugin,
        &ds,
        Via::Alert,
        "steps",
        steps.clone(),
        last_hour(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.error.contains("cannot be alerted on"), "{}", r.error);
    let r = ask(&plugin, &ds, Via::Dashboard, "steps", steps, last_hour()).await;
    assert!(!frames(&r).is_empty());
    // `score` is a form of the verdict only.
    let r = ask(
        &plugin,
        &ds,
        Via::Alert,
        "rollouts",
        json!({"format": "score"}),
        last_hour(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worse_canary_judged_by_real_prometheus_alerts_as_fail() {
    let started = now_ms();
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(support::fixtures("canary"))
        .unwrap_or_else(|e| panic!("{e}"));
    let target = MetricsTarget::start(worse_canary(NS)).await;
    let prom = RealPrometheus::start(&target.server.addr.to_string()).await;
    let plugin = plugin().await;
    let dead_tempo = format!("http://127.0.0.1:{}", free_port());
    // The fixed-horizon verdict judges every metric at once; the sequential one (the
    // default) is checked after it.
    let mut fixed = metrics_json_data(&kube.url(), &prom.url, &dead_tempo);
    fixed["verdictMode"] = json!("fixed");
    let ds = DsSettings::new("alerting-prom", fixed);
    let sequential = DsSettings::new(
        "alerting-prom-seq",
        metrics_json_data(&kube.url(), &prom.url, &dead_tempo),
    );
    wait_for_scrapes(&prom, 28.0).await;
    let range = (started - 10_000, now_ms());
    let canary = json!({"namespace": NS, "rollout": "canary-demo"});

    let r = ask(&plugin, &ds, Via::Alert, "verdict", canary.clone(), range).await;
    let answer = frames(&r);
    let numbers = only_numbers(&answer);
    let tables: Vec<String> = answer.iter().map(DecodedFrame::to_table).collect();
    let metrics: Vec<(&str, Option<f64>)> = numbers
        .iter()
        .map(|n| (n.labels["metric"].as_str(), n.value))
        .collect();
    assert_eq!(
        metrics,
        [
            ("overall", Some(2.0)),
            ("error ratio", Some(2.0)),
            ("p50 latency", Some(2.0)),
            ("p90 latency", Some(2.0)),
            ("p99 latency", Some(2.0)),
        ],
        "{}",
        tables.join("\n")
    );
    assert!(numbers.iter().all(|n| n.name == "result"
        && n.labels["rollout"] == "canary-demo"
        && n.labels["namespace"] == NS));
    assert!(
        answer[0].meta["executedQueryString"]
            .as_str()
            .is_some_and(|q| q.contains("canary-demo-65fb5ffc84")),
        "{}",
        answer[0].meta
    );

    // Sequential: the error ratio's failure is critical, so the canary fails.
    let r = ask(
        &plugin,
        &sequential,
        Via::Alert,
        "verdict",
        canary.clone(),
        range,
    )
    .await;
    let numbers = only_numbers(&frames(&r));
    let code = |metric: &str| {
        numbers
            .iter()
            .find(|n| n.labels["metric"] == metric)
            .and_then(|n| n.value)
    };
    assert_eq!(code("overall"), Some(2.0), "{numbers:?}");
    assert_eq!(code("error ratio"), Some(2.0), "{numbers:?}");

    // Sequential: the error ratio's failure is critical, so the canary fails.
    let r = ask(
        &plugin,
        &sequential,
        Via::Alert,
        "verdict",
        canary.clone(),
        range,
    )
    .await;
    let numbers = only_numbers(&frames(&r));
    let code = |metric: &str| {
        numbers
            .iter()
            .find(|n| n.labels["metric"] == metric)
            .and_then(|n| n.value)
    };
    assert_eq!(code("overall"), Some(2.0), "{numbers:?}");
    assert_eq!(code("error ratio"), Some(2.0), "{numbers:?}");

    let mut score = canary.clone();
    score["format"] = json!("score");
    let r = ask(&plugin, &ds, Via::Alert, "verdict", score, range).await;
    let numbers = only_numbers(&frames(&r));
    assert_eq!(numbers.len(), 1, "{numbers:?}");
    let value = numbers[0].value.expect("a score");
    assert!(
        value < 75.0,
        "a failing canary scores below Marginal: {value}"
    );

    // The same query from a dashboard keeps the verdict table.
    let r = ask(&plugin, &ds, Via::Dashboard, "verdict", canary, range).await;
    let table = frames(&r);
    assert_eq!(table[0].meta["custom"]["outcome"], "Fail");
}
