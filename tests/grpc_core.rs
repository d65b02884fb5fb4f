//! The plugin binary, spawned as Grafana spawns it and called over gRPC, against a fake
//! Kubernetes API over real HTTP holding the upstream Argo Rollouts fixtures.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use support::fake_kube::FakeKube;
use support::frames::{assert_grafana_decodable, DecodedFrame};
use support::plugin::{DsSettings, PluginProcess, QuerySpec};

const NS: &str = "jesse-test";

async fn cluster() -> FakeKube {
    let kube = FakeKube::start().await;
    for set in ["canary", "blue-green", "experiment-analysis"] {
        kube.load_yaml_dir(support::fixtures(set))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    kube
}

fn settings(kube: &FakeKube, extra: Value) -> DsSettings {
    let mut json = json!({ "kubeMode": "url", "kubeUrl": kube.url() });
    if let (Some(base), Some(extra)) = (json.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    DsSettings::new("canary-lens", json)
}

async fn plugin() -> PluginProcess {
    PluginProcess::spawn(&[])
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs queries and returns, per refId, either the decoded frames or the error.
async fn query(
    plugin: &PluginProcess,
    ds: &DsSettings,
    queries: Vec<QuerySpec>,
) -> HashMap<String, Result<Vec<DecodedFrame>, (i32, String)>> {
    let response = plugin.query(ds, queries).await.expect("QueryData call");
    response
        .responses
        .into_iter()
        .map(|(ref_id, r)| {
            let answer = if r.error.is_empty() {
                assert_eq!(r.status, 200, "status of {ref_id}");
                Ok(r.frames
                    .iter()
                    .map(|f| assert_grafana_decodable(f))
                    .collect())
            } else {
                Err((r.status, r.error))
            };
            (ref_id, answer)
        })
        .collect()
}

fn ok(
    answers: &HashMap<String, Result<Vec<DecodedFrame>, (i32, String)>>,
    ref_id: &str,
) -> Vec<DecodedFrame> {
    match &answers[ref_id] {
        Ok(frames) => frames.clone(),
        Err((status, e)) => panic!("{ref_id} failed with {status}: {e}"),
    }
}

fn row_of(frame: &DecodedFrame, field: &str, value: &str) -> usize {
    frame
        .column_as_strings(field)
        .iter()
        .position(|v| v == value)
        .unwrap_or_else(|| panic!("no row with {field}={value} in\n{}", frame.to_table()))
}

fn cell(frame: &DecodedFrame, field: &str, row: usize) -> Value {
    frame.field(field).values[row].clone()
}

/// A fixture object as the fake server holds it, to edit and apply again.
fn stored_rollout(kube: &FakeKube, name: &str) -> Value {
    kube.objects("Rollout")
        .into_iter()
        .find(|o| o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no rollout {name}"))
}

/// Runs the `rollouts` query until `done` accepts its table; fails after `timeout`
/// saying what never happened.
async fn rollouts_until(
    plugin: &PluginProcess,
    ds: &DsSettings,
    timeout: Duration,
    what: &str,
    mut done: impl FnMut(&DecodedFrame) -> bool,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let answers = query(plugin, ds, vec![QuerySpec::new("A", "rollouts", json!({}))]).await;
        if done(&ok(&answers, "A")[0]) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn all_time() -> (i64, i64) {
    (0, 4_102_444_800_000)
}

#[tokio::test]
async fn rollouts_table_gives_argo_exact_values_for_every_fixture() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let answers = query(
        &plugin,
        &ds,
        vec![QuerySpec::new(
            "A",
            "rollouts",
            json!({ "queryType": "rollouts" }),
        )],
    )
    .await;
    let frames = ok(&answers, "A");
    assert_eq!(frames.len(), 1);
    let t = &frames[0];
    assert_eq!(t.meta["type"], "table");
    assert_eq!(t.ref_id, "A");
    assert_eq!(t.rows(), 4, "{}", t.to_table());

    let r = row_of(t, "name", "canary-demo");
    assert_eq!(cell(t, "namespace", r), json!(NS));
    assert_eq!(cell(t, "strategy", r), json!("Canary"));
    assert_eq!(cell(t, "status", r), json!("Degraded"));
    assert_eq!(
        cell(t, "message", r),
        json!("ProgressDeadlineExceeded: ReplicaSet \"canary-demo-65fb5ffc84\" has timed out progressing.")
    );
    assert_eq!(cell(t, "step", r), json!("0/8"));
    assert_eq!(cell(t, "currentStep", r), json!(0));
    assert_eq!(cell(t, "stepCount", r), json!(8));
    assert_eq!(cell(t, "setWeight", r), json!(20));
    assert_eq!(cell(t, "actualWeight", r), json!(0));
    for (field, want) in [
        ("desired", 5),
        ("current", 6),
        ("updated", 1),
        ("ready", 5),
        ("available", 5),
    ] {
        assert_eq!(cell(t, field, r), json!(want), "{field}");
    }
    assert_eq!(cell(t, "stableRevision", r), json!("30"));
    assert_eq!(cell(t, "canaryRevision", r), json!("31"));
    assert_eq!(
        cell(t, "stableImage", r),
        json!("argoproj/rollouts-demo:green")
    );
    assert_eq!(
        cell(t, "canaryImage", r),
        json!("argoproj/rollouts-demo:does-not-exist")
    );

    let b = row_of(t, "name", "bluegreen-demo");
    assert_eq!(cell(t, "strategy", b), json!("BlueGreen"));
    assert_eq!(cell(t, "status", b), json!("Paused"));
    assert_eq!(cell(t, "message", b), json!("BlueGreenPause"));
    assert_eq!(cell(t, "step", b), json!(""));
    assert_eq!(cell(t, "currentStep", b), Value::Null);
    for (field, want) in [
        ("desired", 3),
        ("current", 6),
        ("updated", 3),
        ("ready", 6),
        ("available", 3),
    ] {
        assert_eq!(cell(t, field, b), json!(want), "{field}");
    }

    let e = row_of(t, "name", "rollout-experiment-analysis");
    assert_eq!(cell(t, "step", e), json!("1/2"));
    assert_eq!(cell(t, "setWeight", e), json!(25));
    assert_eq!(cell(t, "actualWeight", e), json!(25));
    assert_eq!(
        cell(t, "canaryImage", e),
        json!("argoproj/rollouts-demo:yellow")
    );
    assert_eq!(cell(t, "analysisStatus", e), json!("Inconclusive"));

    let w = row_of(t, "name", "canary-demo-workloadRef");
    assert_eq!(
        cell(t, "stableImage", w),
        json!("argoproj/rollouts-demo:green")
    );

    // The name links to the rollout query of this datasource.
    let link = &t.field("name").config["links"][0];
    assert_eq!(link["internal"]["datasourceUid"], "canary-lens");
    assert_eq!(link["internal"]["query"]["queryType"], "rollout");
    assert_eq!(t.field("setWeight").config["unit"], "percent");
}

#[tokio::test]
async fn filters_narrow_the_rollouts_table() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let answers = query(
        &plugin,
        &ds,
        vec![
            QuerySpec::new("status", "rollouts", json!({ "status": "paused" })),
            QuerySpec::new(
                "labels",
                "rollouts",
                json!({ "labelSelector": "app=canary-demo" }),
            ),
            QuerySpec::new(
                "name",
                "rollouts",
                json!({ "namespace": NS, "rollout": "canary-demo" }),
            ),
            QuerySpec::new("none", "rollouts", json!({ "namespace": "elsewhere" })),
        ],
    )
    .await;
    assert_eq!(
        ok(&answers, "status")[0].column_as_strings("name"),
        vec!["bluegreen-demo"]
    );
    let labelled = ok(&answers, "labels")[0].column_as_strings("name");
    assert!(
        labelled.contains(&"canary-demo".to_string()),
        "{labelled:?}"
    );
    assert!(
        !labelled.contains(&"bluegreen-demo".to_string()),
        "{labelled:?}"
    );
    assert_eq!(
        ok(&answers, "name")[0].column_as_strings("name"),
        vec!["canary-demo"]
    );
    assert_eq!(ok(&answers, "none")[0].rows(), 0);
}

#[tokio::test]
async fn rollout_query_returns_the_tree_and_header() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let answers = query(
        &plugin,
        &ds,
        vec![QuerySpec::new(
            "T",
            "rollout",
            json!({ "namespace": NS, "rollout": "rollout-experiment-analysis" }),
        )],
    )
    .await;
    let frames = ok(&answers, "T");
    let tree = frames
        .iter()
        .find(|f| f.name == "tree")
        .expect("tree frame");
    let header = frames
        .iter()
        .find(|f| f.name == "header")
        .expect("header frame");

    let kinds = tree.column_as_strings("kind");
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    assert_eq!(count("Rollout"), 1);
    assert_eq!(count("ReplicaSet"), 4, "{}", tree.to_table());
    assert_eq!(count("Pod"), 6);
    assert_eq!(count("Experiment"), 1);
    assert_eq!(count("AnalysisRun"), 1);
    assert_eq!(count("Job"), 8);

    // Every node but the root has a parent that exists.
    let ids = tree.column_as_strings("id");
    let parents = tree.field("parentId").values.clone();
    assert_eq!(parents.iter().filter(|p| p.is_null()).count(), 1);
    for p in parents.iter().filter_map(Value::as_str) {
        assert!(ids.iter().any(|i| i == p), "dangling parent {p}");
    }
    let ar = row_of(tree, "kind", "AnalysisRun");
    assert_eq!(cell(tree, "status", ar), json!("Inconclusive"));
    assert_eq!(cell(tree, "info", ar), json!("✔ 4,✖ 4,? 1,⚠ 1"));
    let canary = row_of(tree, "name", "rollout-experiment-analysis-6f646bf7b7");
    assert_eq!(cell(tree, "info", canary), json!("canary"));
    assert_eq!(cell(tree, "revision", canary), json!("2"));

    assert_eq!(header.rows(), 1);
    assert_eq!(cell(header, "status", 0), json!("Degraded"));
    assert_eq!(cell(header, "step", 0), json!("1/2"));
    let images = cell(header, "images", 0);
    assert!(
        images
            .as_str()
            .unwrap()
            .contains("argoproj/rollouts-demo:yellow (canary)"),
        "{images}"
    );
}

#[tokio::test]
async fn steps_and_analysis_queries_describe_the_canary() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let (from, to) = all_time();
    let answers = query(
        &plugin,
        &ds,
        vec![
            QuerySpec::new(
                "S",
                "steps",
                json!({ "namespace": NS, "rollout": "canary-demo" }),
            ),
            QuerySpec::new(
                "A",
                "analysis",
                json!({ "namespace": NS, "rollout": "rollout-experiment-analysis" }),
            )
            .time_range(from, to),
        ],
    )
    .await;
    let steps = &ok(&answers, "S")[0];
    assert_eq!(steps.rows(), 8);
    assert_eq!(
        steps.column_as_strings("kind"),
        vec![
            "setWeight",
            "pause",
            "setWeight",
            "pause",
            "setWeight",
            "pause",
            "setWeight",
            "pause"
        ]
    );
    assert_eq!(steps.column_as_strings("value")[0], "20");
    assert_eq!(steps.column_as_strings("value")[3], "10s");
    let states = steps.column_as_strings("state");
    assert_eq!(states[0], "current");
    assert!(states[1..].iter().all(|s| s == "pending"), "{states:?}");

    let analysis = ok(&answers, "A");
    let table = &analysis[0];
    assert_eq!(table.name, "measurements");
    // The run keeps 8 measurements (4 successful, 4 failed); its summary also counts an
    // inconclusive and an error result whose measurements were not kept.
    let phases = table.column_as_strings("phase");
    let count = |p: &str| phases.iter().filter(|x| *x == p).count();
    assert_eq!(
        (count("Successful"), count("Failed")),
        (4, 4),
        "{}",
        table.to_table()
    );
    assert_eq!(table.rows(), 8);
    assert!(table
        .column_as_strings("metric")
        .iter()
        .all(|m| m == "random-fail"));
    assert_eq!(table.field("startedAt").arrow_type, "timestamp[ns]");
}

#[tokio::test]
async fn a_failing_query_does_not_fail_its_siblings() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let answers = query(
        &plugin,
        &ds,
        vec![
            QuerySpec::new("good", "rollouts", json!({})),
            QuerySpec::new(
                "missing",
                "rollout",
                json!({ "namespace": "shop", "rollout": "checkout" }),
            ),
            QuerySpec::new("badfield", "rollouts", json!({ "namespace": 42 })),
            QuerySpec::new("badtype", "nonsense", json!({})),
            QuerySpec::new("incomplete", "steps", json!({ "namespace": NS })),
        ],
    )
    .await;
    assert_eq!(ok(&answers, "good")[0].rows(), 4);
    let err = |r: &str| answers[r].clone().expect_err(r);
    assert_eq!(
        err("missing"),
        (404, "rollout shop/checkout not found".to_string())
    );
    let (status, message) = err("badfield");
    assert_eq!(status, 400);
    assert!(message.contains("\"namespace\""), "{message}");
    assert!(err("badtype").1.contains("unknown queryType \"nonsense\""));
    assert!(err("incomplete")
        .1
        .contains("needs a namespace and a rollout"));
}

#[tokio::test]
async fn a_watch_event_shows_in_the_next_query_without_a_relist() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let step_of = |answers: &HashMap<String, Result<Vec<DecodedFrame>, (i32, String)>>| {
        let t = &ok(answers, "A")[0];
        let r = row_of(t, "name", "canary-demo");
        (cell(t, "step", r), cell(t, "setWeight", r))
    };
    let q = || vec![QuerySpec::new("A", "rollouts", json!({}))];
    let first = query(&plugin, &ds, q()).await;
    assert_eq!(step_of(&first), (json!("0/8"), json!(20)));
    let lists_before = kube.list_calls("rollouts");

    let mut rollout = stored_rollout(&kube, "canary-demo");
    rollout["status"]["currentStepIndex"] = json!(2);
    kube.apply(rollout);

    rollouts_until(
        &plugin,
        &ds,
        Duration::from_secs(10),
        "the step change never showed",
        |t| {
            let r = row_of(t, "name", "canary-demo");
            (cell(t, "step", r), cell(t, "setWeight", r)) == (json!("2/8"), json!(40))
        },
    )
    .await;
    assert_eq!(
        kube.list_calls("rollouts"),
        lists_before,
        "the cache re-listed instead of watching"
    );
}

#[tokio::test]
async fn the_cache_relists_after_410_gone_and_stays_correct() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let q = || vec![QuerySpec::new("A", "rollouts", json!({}))];
    assert_eq!(ok(&query(&plugin, &ds, q()).await, "A")[0].rows(), 4);
    let lists_before = kube.list_calls("rollouts");

    kube.delete("Rollout", NS, "bluegreen-demo");
    kube.compact();
    kube.expire_watches();

    rollouts_until(
        &plugin,
        &ds,
        Duration::from_secs(15),
        "no relist after 410 Gone",
        |t| {
            let names = t.column_as_strings("name");
            !names.contains(&"bluegreen-demo".to_string())
                && kube.list_calls("rollouts") > lists_before
                && names.len() == 3
        },
    )
    .await;
}

#[tokio::test]
async fn health_check_reports_counts_and_each_failure_in_one_sentence() {
    let kube = cluster().await;
    let plugin = plugin().await;

    let health = plugin
        .check_health(&settings(&kube, json!({})))
        .await
        .unwrap();
    assert_eq!(health.status, 1, "{}", health.message);
    assert!(
        health.message.starts_with("Connected to Kubernetes v1.")
            && health
                .message
                .ends_with(": 4 rollouts visible in 1 namespace"),
        "{}",
        health.message
    );
    let details: Value = serde_json::from_slice(&health.json_details).unwrap();
    assert_eq!(details["cache"]["rollouts.argoproj.io"]["synced"], true);

    // A token is required and not given.
    kube.set_token(Some("s3cr3t-token"));
    let mut no_token = settings(&kube, json!({}));
    no_token.uid = "no-token".into();
    let health = plugin.check_health(&no_token).await.unwrap();
    assert_eq!(health.status, 2);
    assert!(health.message.contains("401"), "{}", health.message);
    let with_token = {
        let mut s = settings(&kube, json!({})).with_secure("kubeToken", "s3cr3t-token");
        s.uid = "with-token".into();
        s
    };
    let health = plugin.check_health(&with_token).await.unwrap();
    assert_eq!(health.status, 1, "{}", health.message);
    assert!(
        !plugin.stderr().contains("s3cr3t-token"),
        "the token reached the logs"
    );
    kube.set_token(None);

    // Not allowed to watch rollouts.
    kube.deny("watch", "argoproj.io", "rollouts");
    let mut denied = settings(&kube, json!({}));
    denied.uid = "denied".into();
    let health = plugin.check_health(&denied).await.unwrap();
    assert_eq!(health.status, 2);
    assert!(
        health
            .message
            .contains("may not watch rollouts.argoproj.io"),
        "{}",
        health.message
    );
    kube.allow_all();

    // Invalid settings name the setting.
    let mut invalid = settings(&kube, json!({ "kubeMode": "url", "kubeUrl": "" }));
    invalid.uid = "invalid".into();
    let health = plugin.check_health(&invalid).await.unwrap();
    assert_eq!(health.status, 2);
    assert!(health.message.contains("API URL"), "{}", health.message);

    // Nothing listens.
    let mut down = DsSettings::new(
        "down",
        json!({ "kubeMode": "url", "kubeUrl": "http://127.0.0.1:9" }),
    );
    down.last_updated_ms = 1;
    let health = plugin.check_health(&down).await.unwrap();
    assert_eq!(health.status, 2);
    assert!(
        health
            .message
            .contains("cannot reach the Kubernetes API at http://127.0.0.1:9"),
        "{}",
        health.message
    );
}

#[tokio::test]
async fn a_forbidden_list_names_the_verb_and_resource_in_the_query_error() {
    let kube = cluster().await;
    kube.deny("list", "argoproj.io", "rollouts");
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let answers = query(
        &plugin,
        &ds,
        vec![QuerySpec::new("A", "rollouts", json!({}))],
    )
    .await;
    let (status, message) = answers["A"].clone().expect_err("forbidden");
    assert_eq!(status, 502);
    assert!(
        message.contains("may not list rollouts.argoproj.io"),
        "{message}"
    );
    assert!(
        message.contains("grant the verbs list and watch"),
        "{message}"
    );
}

#[tokio::test]
async fn the_namespace_allow_list_hides_everything_outside_it_and_settings_changes_apply() {
    let kube = cluster().await;
    let mut other = stored_rollout(&kube, "canary-demo");
    other["metadata"]["namespace"] = json!("other-team");
    other["metadata"]["uid"] = json!("other-team-uid");
    kube.apply(other);
    let plugin = plugin().await;

    let mut ds = settings(&kube, json!({ "namespaces": ["other-team"] }));
    let answers = query(
        &plugin,
        &ds,
        vec![
            QuerySpec::new("A", "rollouts", json!({})),
            QuerySpec::new(
                "B",
                "rollout",
                json!({ "namespace": NS, "rollout": "canary-demo" }),
            ),
        ],
    )
    .await;
    let t = &ok(&answers, "A")[0];
    assert_eq!(t.column_as_strings("namespace"), vec!["other-team"]);
    let (status, message) = answers["B"].clone().expect_err("hidden");
    assert_eq!(status, 404);
    assert!(
        message.contains("not in this datasource's namespaces allow-list"),
        "{message}"
    );
    // Only the allowed namespace was watched.
    assert!(kube
        .requests()
        .iter()
        .filter(|r| r.path.contains("rollouts"))
        .all(|r| r.path.contains("/namespaces/other-team/")));

    // The admin widens the allow-list: Grafana sends a newer lastUpdatedMS.
    ds.json_data["namespaces"] = json!([]);
    ds.last_updated_ms += 1;
    let answers = query(
        &plugin,
        &ds,
        vec![QuerySpec::new("A", "rollouts", json!({}))],
    )
    .await;
    assert_eq!(ok(&answers, "A")[0].rows(), 5);
}

#[tokio::test]
async fn resources_feed_the_editors_pickers() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let body = |reply: support::plugin::ResourceReply| -> Value {
        assert_eq!(reply.code, 200, "{}", String::from_utf8_lossy(&reply.body));
        serde_json::from_slice(&reply.body).unwrap()
    };
    let namespaces = body(
        plugin
            .call_resource(&ds, "namespaces", "namespaces")
            .await
            .unwrap(),
    );
    assert_eq!(namespaces, json!([NS]));
    let rollouts = body(
        plugin
            .call_resource(&ds, "rollouts", "rollouts?namespace=jesse-test")
            .await
            .unwrap(),
    );
    let names: Vec<&str> = rollouts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names.len(), 4, "{rollouts}");
    assert!(names.contains(&"bluegreen-demo"));
    let revisions = body(
        plugin
            .call_resource(
                &ds,
                "revisions",
                "revisions?namespace=jesse-test&rollout=canary-demo",
            )
            .await
            .unwrap(),
    );
    let revs = revisions.as_array().unwrap();
    assert_eq!(revs[0]["revision"], "31");
    assert_eq!(revs[0]["role"], "canary");
    assert_eq!(revs[0]["replicaSet"], "canary-demo-65fb5ffc84");
    assert_eq!(revs[0]["podTemplateHash"], "65fb5ffc84");
    assert_eq!(revs[1]["role"], "stable");
    let unknown = plugin.call_resource(&ds, "bogus", "bogus").await.unwrap();
    assert_eq!(unknown.code, 404);
}

#[tokio::test]
async fn the_cache_survives_the_api_server_going_away_and_catches_up() {
    let kube = cluster().await;
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let q = || vec![QuerySpec::new("A", "rollouts", json!({}))];
    assert_eq!(ok(&query(&plugin, &ds, q()).await, "A")[0].rows(), 4);

    kube.stop().await;
    // While it is away, queries are still answered from the cache.
    assert_eq!(ok(&query(&plugin, &ds, q()).await, "A")[0].rows(), 4);

    kube.restart().await;
    kube.delete("Rollout", NS, "canary-demo-workloadRef");
    rollouts_until(
        &plugin,
        &ds,
        Duration::from_secs(30),
        "the cache never reconnected",
        |t| t.rows() == 3,
    )
    .await;
}

#[tokio::test]
async fn the_plugin_listens_in_the_port_range_go_plugin_gives_it() {
    let plugin = plugin().await;
    let handshake = plugin.handshake();
    let port: u16 = handshake
        .address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port");
    assert!(handshake.address.starts_with("127.0.0.1:"), "{handshake:?}");
    assert!((10_000..=25_000).contains(&port), "{handshake:?}");
    assert!(plugin.ping().await, "the go-plugin health service answers");
}

#[tokio::test]
async fn a_timed_pause_reports_when_it_ends_and_the_seconds_left() {
    let kube = cluster().await;
    let mut rollout = stored_rollout(&kube, "canary-demo");
    // Step 3 of canary-demo is `pause: {duration: 10s}`; it started 4 s ago.
    let started = chrono::Utc::now() - chrono::Duration::seconds(4);
    rollout["status"]["currentStepIndex"] = json!(3);
    rollout["status"]["pauseConditions"] = json!([{
        "reason": "CanaryPauseStep",
        "startTime": started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }]);
    kube.apply(rollout);
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let answers = query(
        &plugin,
        &ds,
        vec![QuerySpec::new(
            "S",
            "steps",
            json!({ "namespace": NS, "rollout": "canary-demo" }),
        )],
    )
    .await;
    let steps = &ok(&answers, "S")[0];
    assert_eq!(steps.column_as_strings("state")[3], "current");
    let remaining = steps.field("remainingSeconds").values.clone();
    let left = remaining[3]
        .as_i64()
        .expect("seconds left on the current pause");
    assert!((4..=7).contains(&left), "{left}");
    assert!(
        remaining
            .iter()
            .enumerate()
            .all(|(i, v)| i == 3 || v.is_null()),
        "{remaining:?}"
    );
    assert_eq!(steps.field("pauseEndsAt").arrow_type, "timestamp[ns]");
}

#[tokio::test]
async fn a_pause_longer_than_the_calendar_breaks_neither_its_query_nor_its_siblings() {
    let kube = cluster().await;
    let mut rollout = stored_rollout(&kube, "canary-demo");
    // Argo's CRD accepts any duration string; this one ends past any date.
    rollout["spec"]["strategy"]["canary"]["steps"][3]["pause"]["duration"] =
        json!("999999999999999");
    rollout["status"]["currentStepIndex"] = json!(3);
    rollout["status"]["pauseConditions"] = json!([{
        "reason": "CanaryPauseStep",
        "startTime": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }]);
    kube.apply(rollout);
    let plugin = plugin().await;
    let ds = settings(&kube, json!({}));
    let target = json!({ "namespace": NS, "rollout": "canary-demo" });
    let answers = query(
        &plugin,
        &ds,
        vec![
            QuerySpec::new("S", "steps", target.clone()),
            QuerySpec::new("R", "rollout", target),
            QuerySpec::new("T", "rollouts", json!({})),
        ],
    )
    .await;
    let steps = &ok(&answers, "S")[0];
    assert_eq!(steps.column_as_strings("state")[3], "current");
    assert!(steps.field("pauseEndsAt").values[3].is_null());
    assert!(!ok(&answers, "R").is_empty());
    assert!(!ok(&answers, "T").is_empty());
    assert!(plugin.ping().await, "the plugin is still serving");
}
