//! Rollout info against upstream's fixtures and expected output
//! (tests/fixtures/argo-rollouts/EXPECTED.md), plus scenarios built here: aborted,
//! invalid, unobserved, paused, ping-pong, traffic-routed, experiment-step, completed
//! and status-less rollouts.

use std::collections::BTreeMap;
use std::path::PathBuf;

use canary_lens::argo::{ObjectSet, Rollout, SCALE_DOWN_DEADLINE_ANNOTATION};
use canary_lens::rollout::{
    render_get, rollout_info, strip_analysis_run, strip_experiment, strip_job, strip_pod,
    strip_replica_set, strip_rollout, tree_rows, RenderOptions, RolloutInfo, RolloutPhase,
    StepKind, StepState, Strategy, TreeKind,
};
use chrono::{DateTime, TimeDelta, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::json;

// ---------------------------------------------------------------------------------------
// Loading fixtures and EXPECTED.md
// ---------------------------------------------------------------------------------------

/// The frozen clock of every test (sub-second on purpose, see the scale-down tests).
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T12:00:00.400Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn fixtures_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn k8s_time(t: DateTime<Utc>) -> Time {
    let ts =
        k8s_openapi::jiff::Timestamp::from_nanosecond(i128::from(t.timestamp_nanos_opt().unwrap()))
            .unwrap();
    Time(ts)
}

/// Loads a fixture directory and, as upstream's test loader does, sets every creation
/// time (and every measurement's start and finish) to a week before `now()`. Upstream's
/// expected output depends on it: pods with equal creation times sort by name.
fn load(dir: &str) -> ObjectSet {
    let mut set = ObjectSet::from_dir(&fixtures_root().join(dir)).unwrap();
    let week_ago = now() - TimeDelta::days(7);
    let week_ago = DateTime::from_timestamp(week_ago.timestamp(), 0).unwrap();
    let stamp = || Some(k8s_time(week_ago));
    set.rollouts
        .iter_mut()
        .for_each(|o| o.metadata.creation_timestamp = stamp());
    set.replica_sets
        .iter_mut()
        .for_each(|o| o.metadata.creation_timestamp = stamp());
    set.pods
        .iter_mut()
        .for_each(|o| o.metadata.creation_timestamp = stamp());
    set.experiments
        .iter_mut()
        .for_each(|o| o.metadata.creation_timestamp = stamp());
    for run in &mut set.analysis_runs {
        run.metadata.creation_timestamp = stamp();
        for result in &mut run.status.metric_results {
            for m in &mut result.measurements {
                m.started_at = Some(week_ago);
                m.finished_at = Some(week_ago);
            }
        }
    }
    set
}

fn info_of(set: &ObjectSet, name: &str) -> RolloutInfo {
    let rollout = set
        .rollout(name)
        .unwrap_or_else(|| panic!("no rollout {name}"));
    rollout_info(rollout, &set.related(), now())
}

/// One ```` ``` ```` block of EXPECTED.md, split into its header fields and tree lines.
#[derive(Debug, Clone)]
struct Expected {
    fields: BTreeMap<String, Vec<String>>,
    header_lines: Vec<String>,
    tree: Vec<String>,
}

impl Expected {
    fn field(&self, key: &str) -> &str {
        self.fields.get(key).map_or("", |v| v[0].as_str())
    }
}

/// The code block that follows the `## <fixture path> ...` heading of EXPECTED.md.
fn expected(fixture: &str) -> Expected {
    let text = std::fs::read_to_string(fixtures_root().join("argo-rollouts/EXPECTED.md")).unwrap();
    let section = text
        .split("\n## ")
        .find(|s| s.starts_with(fixture))
        .unwrap_or_else(|| panic!("no section for {fixture}"));
    let block = section
        .split("```")
        .nth(1)
        .unwrap_or_else(|| panic!("no code block for {fixture}"))
        .trim_matches('\n');
    let (header, tree) = block.split_once("\n\n").unwrap();
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut last = String::new();
    for line in header.lines() {
        // Continuation lines (further images) are indented to the value column.
        if line.starts_with(&" ".repeat(17)) {
            fields.get_mut(&last).unwrap().push(line.trim().to_string());
            continue;
        }
        let (key, value) = line.split_once(':').unwrap();
        last = key.trim().to_string();
        fields.insert(last.clone(), vec![value.trim().to_string()]);
    }
    Expected {
        fields,
        header_lines: header.lines().map(str::to_string).collect(),
        tree: tree.lines().map(str::to_string).collect(),
    }
}

/// Rendered tree lines without the AGE column (the NAME/KIND header dropped).
fn rendered_tree(info: &RolloutInfo) -> Vec<String> {
    let text = render_get(info, now(), RenderOptions::default().show_age(false));
    let lines: Vec<&str> = text.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("NAME "))
        .expect("tree header");
    assert_eq!(
        lines[header].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "KIND", "STATUS", "INFO"]
    );
    lines[header + 1..].iter().map(|l| l.to_string()).collect()
}

/// Compares tree lines. EXPECTED.md abbreviates long job names as `...-<suffix>` and
/// does not align those lines, so for them the drawing prefix, the name suffix and the
/// KIND/STATUS columns are compared instead of the whole line.
fn assert_tree(actual: &[String], expected: &[String]) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "tree line count\nactual:\n{}\nexpected:\n{}",
        actual.join("\n"),
        expected.join("\n")
    );
    for (a, e) in actual.iter().zip(expected) {
        if let Some((prefix, rest)) = e.split_once("⊞ ...") {
            let mut cols = rest.split_whitespace();
            let suffix = cols.next().unwrap();
            let e_cols: Vec<&str> = cols.collect();
            let a_rest = a
                .strip_prefix(&format!("{prefix}⊞ "))
                .unwrap_or_else(|| panic!("{a:?} vs {e:?}"));
            let mut a_cols = a_rest.split_whitespace();
            let name = a_cols.next().unwrap();
            assert!(name.ends_with(suffix), "{name} should end with {suffix}");
            assert!(name.len() > suffix.len() + 3, "{name} is the full name");
            assert_eq!(a_cols.collect::<Vec<_>>(), e_cols, "columns of {a:?}");
        } else {
            assert_eq!(a, e);
        }
    }
}

/// Asserts every header value of an EXPECTED.md block against the info and against the
/// rendered header.
fn assert_header(info: &RolloutInfo, exp: &Expected) {
    assert_eq!(
        format!("{} {}", info.status.icon(), info.status),
        exp.field("Status")
    );
    assert_eq!(info.message, exp.field("Message"));
    assert_eq!(info.strategy_name(), exp.field("Strategy"));
    if info.strategy == Some(Strategy::Canary) {
        assert_eq!(info.step(), exp.field("Step"));
        assert_eq!(
            info.set_weight.map(|w| w.to_string()).as_deref(),
            Some(exp.field("SetWeight"))
        );
        assert_eq!(
            info.actual_weight.map(|w| w.to_string()).as_deref(),
            Some(exp.field("ActualWeight"))
        );
    } else {
        assert!(!exp.fields.contains_key("Step"));
        assert_eq!(info.set_weight, None);
    }
    let images: Vec<String> = info
        .images
        .iter()
        .map(|i| {
            if i.tags.is_empty() {
                i.image.clone()
            } else {
                format!("{} ({})", i.image, i.tags.join(", "))
            }
        })
        .collect();
    assert_eq!(&images, exp.fields.get("Images").unwrap());

    // "Desired 5, Current 6, Updated 1, Ready 5, Available 5"
    let replicas: BTreeMap<&str, i32> = exp
        .field("Replicas")
        .split(", ")
        .map(|kv| {
            let (k, v) = kv.split_once(' ').unwrap();
            (k, v.parse().unwrap())
        })
        .collect();
    let actual = [
        ("Desired", info.desired),
        ("Current", info.current),
        ("Updated", info.updated),
        ("Ready", info.ready),
        ("Available", info.available),
    ];
    assert_eq!(replicas.len(), 5);
    for (k, v) in actual {
        assert_eq!(replicas[k], v, "{k}");
    }

    // The rendered header holds every EXPECTED line but Replicas (which upstream prints
    // one count per line), in the same order.
    let text = render_get(info, now(), RenderOptions::default());
    let lines: Vec<&str> = text.lines().collect();
    let mut at = 0;
    for line in exp
        .header_lines
        .iter()
        .filter(|l| !l.starts_with("Replicas:"))
    {
        let found = lines[at..]
            .iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("{line:?} not in\n{text}"));
        at += found + 1;
    }
    for (k, v) in actual {
        assert!(
            lines.contains(&format!("{:<17}{v}", format!("  {k}:")).as_str()),
            "{k} line"
        );
    }
    assert_eq!(lines[0], format!("Name:            {}", info.name));
    assert_eq!(lines[1], format!("Namespace:       {}", info.namespace));
}

// ---------------------------------------------------------------------------------------
// Upstream fixtures
// ---------------------------------------------------------------------------------------

#[test]
fn canary_demo_matches_upstream_header_and_tree() {
    let set = load("argo-rollouts/canary");
    let info = info_of(&set, "canary-demo");
    let exp = expected("canary/canary-rollout.yaml");
    assert_header(&info, &exp);
    assert_tree(&rendered_tree(&info), &exp.tree);

    assert_eq!(info.status, RolloutPhase::Degraded);
    assert_eq!(info.current_step, Some(0));
    assert_eq!(info.step_count, Some(8));
    assert_eq!(info.stable_image(), Some("argoproj/rollouts-demo:green"));
    assert_eq!(
        info.canary_image(),
        Some("argoproj/rollouts-demo:does-not-exist")
    );
    assert_eq!(info.stable_revision, Some(30));
    assert_eq!(info.canary_revision, Some(31));
    assert_eq!(info.analysis_status, None);
}

#[test]
fn canary_demo_with_ages_prints_upstream_columns() {
    let set = load("argo-rollouts/canary");
    let info = info_of(&set, "canary-demo");
    let text = render_get(&info, now(), RenderOptions::default());
    // Upstream's golden output for this fixture (get_test.go), with the 7d ages.
    assert!(
        text.contains(
            "NAME                                     KIND        STATUS              AGE  INFO\n\
         ⟳ canary-demo                            Rollout     ✖ Degraded          7d\n\
         ├──# revision:31\n\
         │  └──⧉ canary-demo-65fb5ffc84           ReplicaSet  ◌ Progressing       7d   canary\n\
         │     └──□ canary-demo-65fb5ffc84-9wf5r  Pod         ⚠ ImagePullBackOff  7d   ready:0/1\n"
        ),
        "{text}"
    );
    assert!(text.contains("\nReplicas:\n  Desired:       5\n  Current:       6\n"));
}

#[test]
fn workload_ref_rollout_has_the_same_revisions_and_images_as_canary_demo() {
    let set = load("argo-rollouts/canary");
    let demo = info_of(&set, "canary-demo");
    let info = info_of(&set, "canary-demo-workloadRef");
    let revs: Vec<i64> = info.revisions.iter().map(|r| r.revision).collect();
    assert_eq!(revs, vec![31, 30, 29]);
    assert_eq!(info.images, demo.images);
    assert_eq!(info.status, demo.status);
    assert_eq!(info.message, demo.message);
    assert_eq!(info.step(), "0/8");
    assert!(
        info.containers.is_empty(),
        "the template lives in the referenced workload"
    );
    assert_eq!(demo.containers.len(), 1);
}

#[test]
fn blue_green_demo_matches_upstream_header_and_tree() {
    let set = load("argo-rollouts/blue-green");
    let info = info_of(&set, "bluegreen-demo");
    let exp = expected("blue-green/bluegreen-rollout.yaml");
    assert_header(&info, &exp);
    assert_tree(&rendered_tree(&info), &exp.tree);
    assert_eq!(info.strategy, Some(Strategy::BlueGreen));
    assert_eq!(info.step(), "");
    assert_eq!(info.canary_image(), Some("argoproj/rollouts-demo:green"));
    assert_eq!(info.pause_reasons, vec!["BlueGreenPause".to_string()]);
}

/// Upstream's scale-down tests: the deadline is set on the revision-11 ReplicaSet,
/// whose pod-template-hash label is removed (so it loses its preview role).
fn blue_green_with_deadline(deadline: DateTime<Utc>) -> (RolloutInfo, Expected) {
    let mut set = load("argo-rollouts/blue-green");
    let rs = set
        .replica_sets
        .iter_mut()
        .find(|rs| rs.metadata.name.as_deref() == Some("bluegreen-demo-74b948fccb"))
        .unwrap();
    let deadline = DateTime::from_timestamp(deadline.timestamp(), 0).unwrap();
    rs.metadata.annotations.get_or_insert_default().insert(
        SCALE_DOWN_DEADLINE_ANNOTATION.to_string(),
        deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    rs.metadata
        .labels
        .as_mut()
        .unwrap()
        .remove("rollouts-pod-template-hash");
    (
        info_of(&set, "bluegreen-demo"),
        expected("blue-green/bluegreen-rollout.yaml"),
    )
}

fn tree_with_rs_info(exp: &Expected, info: &str) -> Vec<String> {
    exp.tree
        .iter()
        .map(|l| {
            if l.contains("bluegreen-demo-74b948fccb ") {
                l.strip_suffix("preview").unwrap().to_string() + info
            } else {
                l.clone()
            }
        })
        .collect()
}

#[test]
fn blue_green_scale_down_deadline_four_hours_ahead_shows_delay_3h59m() {
    let (info, exp) = blue_green_with_deadline(now() + TimeDelta::hours(4));
    assert_tree(
        &rendered_tree(&info),
        &tree_with_rs_info(&exp, "delay:3h59m"),
    );
    let images: Vec<_> = info
        .images
        .iter()
        .map(|i| (i.image.as_str(), i.tags.clone()))
        .collect();
    assert_eq!(
        images,
        vec![
            (
                "argoproj/rollouts-demo:blue",
                vec!["stable".to_string(), "active".to_string()]
            ),
            ("argoproj/rollouts-demo:green", vec![]),
        ]
    );
}

#[test]
fn blue_green_scale_down_deadline_in_the_past_shows_delay_passed() {
    let (info, exp) = blue_green_with_deadline(now() - TimeDelta::hours(1));
    assert_tree(
        &rendered_tree(&info),
        &tree_with_rs_info(&exp, "delay:passed"),
    );
}

#[test]
fn experiment_analysis_matches_upstream_header_and_tree() {
    let set = load("argo-rollouts/experiment-analysis");
    let info = info_of(&set, "rollout-experiment-analysis");
    let exp = expected("experiment-analysis/rollout-experiment-analysis.yaml");
    assert_header(&info, &exp);
    assert_tree(&rendered_tree(&info), &exp.tree);

    let run = info.analysis_runs().next().unwrap();
    assert_eq!(run.summary(), "✔ 4,✖ 4,? 1,⚠ 1");
    assert_eq!(
        (run.successful, run.failed, run.inconclusive, run.error),
        (4, 4, 1, 1)
    );
    assert_eq!(run.jobs.len(), 8);
    assert_eq!(run.measurements.len(), 8);
    assert_eq!(
        run.jobs.iter().filter(|j| j.status == "Successful").count(),
        4,
        "job status is the measurement phase"
    );
    assert_eq!(info.analysis_status.as_deref(), Some("Inconclusive"));
    assert_eq!(info.measurements().count(), 8);
}

#[test]
fn experiment_view_lists_its_two_replica_sets_with_running_pods() {
    let set = load("argo-rollouts/experiment-analysis");
    let info = info_of(&set, "rollout-experiment-analysis");
    let exp = info.experiments().next().unwrap();
    assert_eq!(exp.name, "rollout-experiment-analysis-6f646bf7b7-1-vcv27");
    assert_eq!(exp.status, "Running");
    assert_eq!(exp.replica_sets.len(), 2);
    for rs in &exp.replica_sets {
        assert_eq!(rs.status.as_str(), "Healthy");
        assert_eq!(rs.info, "", "experiment ReplicaSets have no roles");
        assert_eq!(rs.pods.len(), 1);
        assert_eq!(rs.pods[0].status, "Running");
        assert_eq!(rs.pods[0].ready, "1/1");
    }
    let images: Vec<_> = canary_lens::rollout::experiment_images(exp)
        .into_iter()
        .map(|i| i.image)
        .collect();
    assert_eq!(
        images,
        [
            "argoproj/rollouts-demo:blue",
            "argoproj/rollouts-demo:yellow"
        ]
    );
}

#[test]
fn tree_rows_have_unique_ids_and_parents_that_precede_them() {
    for (dir, name) in [
        ("argo-rollouts/canary", "canary-demo"),
        ("argo-rollouts/blue-green", "bluegreen-demo"),
        (
            "argo-rollouts/experiment-analysis",
            "rollout-experiment-analysis",
        ),
    ] {
        let set = load(dir);
        let info = info_of(&set, name);
        let rows = tree_rows(&info, now());
        let mut seen = std::collections::HashSet::new();
        for row in &rows {
            if let Some(parent) = &row.parent_id {
                assert!(seen.contains(parent), "{} before its parent", row.id);
            }
            assert!(seen.insert(row.id.clone()), "duplicate id {}", row.id);
            assert_eq!(row.age.is_empty(), row.kind == TreeKind::Revision);
        }
        assert_eq!(rows[0].kind, TreeKind::Rollout);
        assert_eq!(rows[0].age, "7d");
        // Same nodes as the rendered tree, one row per line.
        assert_eq!(rows.len(), rendered_tree(&info).len());
    }
    let set = load("argo-rollouts/experiment-analysis");
    let rows = tree_rows(&info_of(&set, "rollout-experiment-analysis"), now());
    let pod = rows
        .iter()
        .find(|r| r.name == "rollout-experiment-analysis-6f646bf7b7-1-vcv27-canary-7699vgr24")
        .unwrap();
    assert_eq!(pod.kind, TreeKind::Pod);
    assert_eq!(pod.depth, 4);
    assert_eq!(pod.revision, Some(2));
    assert_eq!(
        pod.parent_id.as_deref(),
        Some(
            "ReplicaSet:jesse-test/rollout-experiment-analysis-6f646bf7b7-1-vcv27-canary-7699dcf5d"
        )
    );
}

fn strip_all(set: &mut ObjectSet) {
    set.rollouts.iter_mut().for_each(strip_rollout);
    set.replica_sets.iter_mut().for_each(strip_replica_set);
    set.pods.iter_mut().for_each(strip_pod);
    set.jobs.iter_mut().for_each(strip_job);
    set.analysis_runs.iter_mut().for_each(strip_analysis_run);
    set.experiments.iter_mut().for_each(strip_experiment);
}

fn json_size(set: &ObjectSet) -> usize {
    let len = |v: serde_json::Result<String>| v.unwrap().len();
    set.rollouts
        .iter()
        .map(|o| len(serde_json::to_string(o)))
        .sum::<usize>()
        + set
            .replica_sets
            .iter()
            .map(|o| len(serde_json::to_string(o)))
            .sum::<usize>()
        + set
            .pods
            .iter()
            .map(|o| len(serde_json::to_string(o)))
            .sum::<usize>()
        + set
            .analysis_runs
            .iter()
            .map(|o| len(serde_json::to_string(o)))
            .sum::<usize>()
        + set
            .experiments
            .iter()
            .map(|o| len(serde_json::to_string(o)))
            .sum::<usize>()
}

#[test]
fn stripping_objects_leaves_every_rollout_info_unchanged() {
    for dir in [
        "argo-rollouts/canary",
        "argo-rollouts/blue-green",
        "argo-rollouts/experiment-analysis",
        "extra/aborted",
        "extra/pingpong-routed",
    ] {
        let full = load(dir);
        let mut stripped = full.clone();
        strip_all(&mut stripped);
        let (before, after) = (json_size(&full), json_size(&stripped));
        assert!(after * 2 < before, "{dir}: {before} -> {after} bytes");
        assert!(!full.rollouts.is_empty());
        for rollout in &full.rollouts {
            let name = rollout.metadata.name.as_deref().unwrap();
            let a = info_of(&full, name);
            let b = info_of(&stripped, name);
            assert_eq!(a, b, "{dir}/{name}");
            assert_eq!(
                serde_json::to_value(&a).unwrap(),
                serde_json::to_value(&b).unwrap()
            );
            assert_eq!(
                render_get(&a, now(), RenderOptions::default()),
                render_get(&b, now(), RenderOptions::default())
            );
        }
        println!("{dir}: {before} bytes of JSON before stripping, {after} after");
    }
}

// ---------------------------------------------------------------------------------------
// Scenarios from our own fixtures (tests/fixtures/extra) and builders
// ---------------------------------------------------------------------------------------

#[test]
fn aborted_rollout_is_degraded_with_zero_set_weight() {
    let set = load("extra/aborted");
    let info = info_of(&set, "checkout");
    assert_eq!(info.status, RolloutPhase::Degraded);
    assert_eq!(
        info.message,
        "RolloutAborted: metric \"error-rate\" assessed Failed due to failed (1) > failureLimit (0)"
    );
    assert_eq!(info.step(), "1/3");
    assert_eq!(info.set_weight, Some(0));
    assert_eq!(info.actual_weight, Some(0));
    assert!(info.aborted);
    assert_eq!(info.analysis_status.as_deref(), Some("Failed"));
    // Checked by hand against upstream's rules: the canary ReplicaSet was scaled to 0
    // by the abort; the stable one has 1 of 2 pods available (Progressing); a
    // CrashLoopBackOff pod gets the ✖ icon; the other rollout's objects are absent.
    let expected = "\
⟳ checkout                           Rollout      ✖ Degraded
├──# revision:4
│  ├──⧉ checkout-5d8f7c9b6           ReplicaSet   • ScaledDown        canary
│  └──α checkout-5d8f7c9b6-4         AnalysisRun  ✖ Failed            ✔ 2,✖ 1
└──# revision:3
   └──⧉ checkout-7b9c4d6f5           ReplicaSet   ◌ Progressing       stable
      ├──□ checkout-7b9c4d6f5-abcde  Pod          ✔ Running           ready:1/1
      └──□ checkout-7b9c4d6f5-fghij  Pod          ✖ CrashLoopBackOff  ready:0/1,restarts:7";
    assert_eq!(rendered_tree(&info).join("\n"), expected);
    assert_eq!(
        info.stable_image(),
        Some("registry.example/shop/checkout:2.0.3")
    );
    assert_eq!(
        info.canary_image(),
        None,
        "the scaled-down canary runs no image"
    );
    let values: Vec<_> = info
        .measurements()
        .map(|m| (m.phase.as_str(), m.value.as_str()))
        .collect();
    assert_eq!(
        values,
        [
            ("Successful", "[0.012]"),
            ("Successful", "[0.019]"),
            ("Failed", "[0.094]")
        ]
    );
}

#[test]
fn ping_pong_rollout_tags_replica_sets_and_reads_the_routed_weight() {
    let set = load("extra/pingpong-routed");
    let info = info_of(&set, "api");
    assert_eq!(info.status, RolloutPhase::Paused);
    assert_eq!(info.message, "CanaryPauseStep");
    assert_eq!(info.step(), "1/4");
    assert_eq!(info.set_weight, Some(30));
    assert_eq!(info.actual_weight, Some(25), "router-reported weight wins");
    assert_eq!(info.observed_generation, "7");
    let infos: Vec<_> = info
        .replica_sets()
        .map(|r| (r.revision, r.info.as_str()))
        .collect();
    assert_eq!(infos, [(6, "canary,ping"), (5, "stable,pong")]);
    let images: Vec<_> = info
        .images
        .iter()
        .map(|i| (i.image.as_str(), i.tags.join(",")))
        .collect();
    assert_eq!(
        images,
        [
            ("ghcr.io/acme/api:1.4.2", "stable,pong".to_string()),
            ("ghcr.io/acme/api:1.5.0", "canary,ping".to_string()),
        ]
    );
    let states: Vec<_> = info
        .steps
        .iter()
        .map(|s| (s.kind, s.value.as_str(), s.state))
        .collect();
    assert_eq!(
        states,
        [
            (StepKind::SetWeight, "30", StepState::Done),
            (StepKind::Pause, "5m", StepState::Current),
            (StepKind::SetWeight, "60", StepState::Pending),
            (StepKind::Pause, "indefinite", StepState::Pending),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------

/// Merges `patch` into `base`: objects key by key, anything else replaced, null removes.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(&k);
                } else {
                    merge(b.entry(k).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (b, p) => *b = p,
    }
}

const UID: &str = "5f0c0000-0000-4000-8000-000000000001";

/// A fluent Rollout builder: `RolloutBuilder::canary().steps(..).at_step(2).build()`.
/// Defaults: namespace `default`, name `demo`, 3 replicas all updated and available,
/// generation 1 observed, stable hash `aaa111` and desired hash `bbb222`.
struct RolloutBuilder(serde_json::Value);

impl RolloutBuilder {
    fn base(strategy: serde_json::Value) -> Self {
        Self(json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "demo", "namespace": "default", "uid": UID, "generation": 1},
            "spec": {
                "replicas": 3,
                "strategy": strategy,
                "template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}
            },
            "status": {
                "observedGeneration": "1",
                "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                "stableRS": "aaa111", "currentPodHash": "bbb222"
            }
        }))
    }
    fn canary() -> Self {
        Self::base(json!({"canary": {}}))
    }
    fn blue_green() -> Self {
        Self::base(json!({"blueGreen": {"activeService": "active", "previewService": "preview"}}))
    }
    fn steps(self, steps: serde_json::Value) -> Self {
        self.patch(json!({"spec": {"strategy": {"canary": {"steps": steps}}}}))
    }
    fn at_step(self, index: i32) -> Self {
        self.status(json!({"currentStepIndex": index}))
    }
    fn status(self, patch: serde_json::Value) -> Self {
        self.patch(json!({ "status": patch }))
    }
    fn spec(self, patch: serde_json::Value) -> Self {
        self.patch(json!({ "spec": patch }))
    }
    fn patch(mut self, patch: serde_json::Value) -> Self {
        merge(&mut self.0, patch);
        self
    }
    fn build(self) -> Rollout {
        serde_json::from_value(self.0).unwrap()
    }
}

/// A ReplicaSet owned by `owner` with the given hash, revision, image and pods.
fn replica_set(
    owner: &str,
    name: &str,
    hash: &str,
    revision: i64,
    image: &str,
    pods: i32,
) -> serde_json::Value {
    json!({
        "kind": "ReplicaSet",
        "metadata": {
            "name": name, "namespace": "default", "uid": format!("uid-{name}"), "generation": 1,
            "annotations": {"rollout.argoproj.io/revision": revision.to_string()},
            "labels": {"rollouts-pod-template-hash": hash},
            "ownerReferences": [{"apiVersion": "v1", "kind": "Rollout", "name": "demo", "uid": owner}]
        },
        "spec": {"replicas": pods, "selector": {}, "template": {"spec": {"containers": [{"name": "app", "image": image}]}}},
        "status": {"observedGeneration": 1, "replicas": pods, "readyReplicas": pods, "availableReplicas": pods}
    })
}

fn objects(docs: &[serde_json::Value]) -> ObjectSet {
    let text = docs
        .iter()
        .map(|d| serde_yaml::to_string(d).unwrap())
        .collect::<Vec<_>>()
        .join("---\n");
    ObjectSet::from_yaml(&text).unwrap()
}

fn compute(rollout: &Rollout, set: &ObjectSet) -> RolloutInfo {
    rollout_info(rollout, &set.related(), now())
}

const STEPS: fn() -> serde_json::Value = || {
    json!([
        {"setWeight": 20},
        {"pause": {"duration": 10}},
        {"analysis": {"templates": [{"templateName": "success-rate"}, {"templateName": "latency"}]}},
        {"setCanaryScale": {"weight": 50}},
        {"setWeight": 50},
        {"setHeaderRoute": {"name": "beta-users", "match": [{"headerName": "x-beta"}]}},
        {"setMirrorRoute": {"name": "shadow"}},
        {"plugin": {"name": "acme/smoke-test", "config": {"url": "http://x"}}},
        {"pause": {"duration": "1h"}},
        {"pause": {}},
        {}
    ])
};

// ---------------------------------------------------------------------------------------
// Built scenarios
// ---------------------------------------------------------------------------------------

#[test]
fn steps_are_done_before_the_current_index_and_pending_after_it() {
    let rollout = RolloutBuilder::canary().steps(STEPS()).at_step(4).build();
    let info = compute(&rollout, &ObjectSet::default());
    let steps: Vec<_> = info
        .steps
        .iter()
        .map(|s| (s.index, s.kind, s.value.as_str(), s.state))
        .collect();
    use StepKind as K;
    use StepState::{Current, Done, Pending};
    assert_eq!(
        steps,
        [
            (0, K::SetWeight, "20", Done),
            (1, K::Pause, "10s", Done),
            (2, K::Analysis, "success-rate,latency", Done),
            (3, K::SetCanaryScale, "weight:50", Done),
            (4, K::SetWeight, "50", Current),
            (5, K::SetHeaderRoute, "beta-users", Pending),
            (6, K::SetMirrorRoute, "shadow", Pending),
            (7, K::Plugin, "acme/smoke-test", Pending),
            (8, K::Pause, "1h", Pending),
            (9, K::Pause, "indefinite", Pending),
            (10, K::Invalid, "", Pending),
        ]
    );
    assert_eq!(info.step(), "4/11");
    assert_eq!(info.set_weight, Some(50));
    let json = serde_json::to_value(&info).unwrap();
    assert_eq!(json["steps"][3]["kind"], "setCanaryScale");
    assert_eq!(json["steps"][4]["state"], "Current");
    assert_eq!(json["setWeight"], 50);
    assert_eq!(json["status"], "Progressing");
    assert_eq!(json["strategy"], "Canary");
}

#[test]
fn set_weight_is_the_last_set_weight_at_or_before_the_current_step() {
    let at = |i| {
        let rollout = RolloutBuilder::canary().steps(STEPS()).at_step(i).build();
        compute(&rollout, &ObjectSet::default()).set_weight
    };
    assert_eq!(at(0), Some(20));
    assert_eq!(at(3), Some(20), "setCanaryScale does not change the weight");
    assert_eq!(at(9), Some(50));
    let no_weight_yet = RolloutBuilder::canary()
        .steps(json!([{"pause": {}}, {"setWeight": 10}]))
        .at_step(0)
        .build();
    assert_eq!(
        compute(&no_weight_yet, &ObjectSet::default()).set_weight,
        Some(0)
    );
}

#[test]
fn aborted_rollout_without_controller_phase_is_degraded_from_its_condition() {
    let rollout = RolloutBuilder::canary()
        .steps(json!([{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}]))
        .at_step(1)
        .status(json!({
            "abort": true, "updatedReplicas": 0,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "AvailableReason", "message": "ok"},
                {"type": "Progressing", "status": "False", "reason": "RolloutAborted",
                 "message": "Rollout aborted update to revision 2"}
            ]
        }))
        .build();
    let set = objects(&[
        replica_set(UID, "demo-aaa111", "aaa111", 1, "app:1", 3),
        replica_set(UID, "demo-bbb222", "bbb222", 2, "app:2", 0),
    ]);
    let info = compute(&rollout, &set);
    assert_eq!(info.status, RolloutPhase::Degraded);
    assert_eq!(
        info.message,
        "RolloutAborted: Rollout aborted update to revision 2"
    );
    assert_eq!(info.set_weight, Some(0));
    assert_eq!(info.actual_weight, Some(0));
    assert_eq!(info.status.icon(), "✖");
}

#[test]
fn invalid_spec_is_degraded_and_shows_full_weight_without_steps() {
    let rollout = RolloutBuilder::canary()
        .spec(json!({"replicas": null}))
        .status(json!({
            "replicas": 0, "updatedReplicas": 0, "readyReplicas": 0, "availableReplicas": 0,
            "stableRS": null, "currentPodHash": null,
            "conditions": [{"type": "InvalidSpec", "status": "True", "reason": "InvalidSpec",
                            "message": "The Rollout \"demo\" is invalid: spec.selector: Required value"}]
        }))
        .build();
    let info = compute(&rollout, &ObjectSet::default());
    assert_eq!(info.status, RolloutPhase::Degraded);
    assert_eq!(
        info.message,
        "InvalidSpec: The Rollout \"demo\" is invalid: spec.selector: Required value"
    );
    assert_eq!((info.step(), info.step_count), (String::new(), None));
    assert_eq!(
        (info.set_weight, info.actual_weight),
        (Some(100), Some(100))
    );
    assert_eq!(
        (info.desired, info.current),
        (1, 0),
        "replicas default to 1"
    );
    let text = render_get(&info, now(), RenderOptions::default());
    assert!(
        text.contains("\n  Step:\n  SetWeight:     100\n  ActualWeight:  100\nReplicas:\n"),
        "{text}"
    );
    assert!(
        text.ends_with("NAME    KIND     STATUS      AGE        INFO\n⟳ demo  Rollout  ✖ Degraded  <unknown>\n"),
        "{text}"
    );
}

#[test]
fn unobserved_generation_is_progressing_whether_observed_generation_is_a_string_or_a_number() {
    for observed in [json!("4"), json!(4)] {
        let rollout = RolloutBuilder::canary()
            .patch(json!({"metadata": {"generation": 5}}))
            .status(json!({"observedGeneration": observed, "phase": "Healthy"}))
            .build();
        let info = compute(&rollout, &ObjectSet::default());
        assert_eq!(info.status, RolloutPhase::Progressing, "{observed}");
        assert_eq!(
            info.message,
            "waiting for rollout spec update to be observed"
        );
    }
    // Equal or ahead counts as observed; a v0.9 hash is never compared.
    for observed in [json!(5), json!("6"), json!("7d9f8c6b5")] {
        let rollout = RolloutBuilder::canary()
            .patch(json!({"metadata": {"generation": 5}}))
            .status(json!({"observedGeneration": observed, "phase": "Healthy", "message": ""}))
            .build();
        assert_eq!(
            compute(&rollout, &ObjectSet::default()).status,
            RolloutPhase::Healthy,
            "{observed}"
        );
    }
}

#[test]
fn manual_pause_and_unpausing_are_reported_as_upstream_does() {
    let paused = RolloutBuilder::canary()
        .spec(json!({"paused": true}))
        .build();
    let info1 = compute(&paused, &ObjectSet::default());
    assert_eq!(
        (info1.status.clone(), info1.message.as_str()),
        (RolloutPhase::Paused, "manually paused")
    );
    assert_eq!(info1.status.icon(), "॥");
    assert!(info1.paused);

    let unpausing = RolloutBuilder::canary()
        .status(json!({"controllerPause": true, "phase": "Paused", "message": "CanaryPauseStep"}))
        .build();
    let info2 = compute(&unpausing, &ObjectSet::default());
    assert_eq!(info2.status, RolloutPhase::Progressing);
    assert_eq!(info2.message, "waiting for rollout to unpause");
}

#[test]
fn traffic_routing_without_reported_weights_shows_the_set_weight_as_actual() {
    let rollout = RolloutBuilder::canary()
        .steps(json!([{"setWeight": 40}, {"pause": {}}]))
        .spec(json!({"strategy": {"canary": {"trafficRouting": {"nginx": {"stableIngress": "web"}}}}}))
        .at_step(1)
        .build();
    let set = objects(&[
        replica_set(UID, "demo-aaa111", "aaa111", 1, "app:1", 3),
        replica_set(UID, "demo-bbb222", "bbb222", 2, "app:2", 1),
    ]);
    let info = compute(&rollout, &set);
    assert_eq!((info.set_weight, info.actual_weight), (Some(40), Some(40)));

    let reported = RolloutBuilder(serde_json::to_value(&rollout).unwrap())
        .status(
            json!({"canary": {"weights": {"canary": {"weight": 35}, "stable": {"weight": 65}}}}),
        )
        .build();
    assert_eq!(compute(&reported, &set).actual_weight, Some(35));
}

#[test]
fn without_traffic_routing_actual_weight_is_the_canary_share_of_available_pods() {
    let rollout = RolloutBuilder::canary()
        .steps(json!([{"setWeight": 25}, {"pause": {}}]))
        .at_step(1)
        .status(json!({"availableReplicas": 4, "replicas": 4, "updatedReplicas": 1}))
        .build();
    let set = objects(&[
        replica_set(UID, "demo-aaa111", "aaa111", 1, "app:1", 3),
        replica_set(UID, "demo-bbb222", "bbb222", 2, "app:2", 1),
        // Same hash, other owner: ignored.
        replica_set("someone-else", "other-bbb222", "bbb222", 2, "other:2", 3),
    ]);
    let info = compute(&rollout, &set);
    assert_eq!((info.set_weight, info.actual_weight), (Some(25), Some(25)));
    assert_eq!(info.replica_sets().count(), 2);
    assert_eq!(info.canary_revision, Some(2));
    assert_eq!(info.stable_revision, Some(1));
    assert_eq!(info.status.as_str(), "Progressing");
    assert_eq!(
        info.message, "more replicas need to be updated",
        "1 of 3 updated"
    );

    // All updated but the old ReplicaSet's pods still counted: basic canary waits.
    let draining = RolloutBuilder(serde_json::to_value(&rollout).unwrap())
        .status(json!({"updatedReplicas": 3, "replicas": 4}))
        .build();
    assert_eq!(
        compute(&draining, &set).message,
        "old replicas are pending termination"
    );
}

#[test]
fn completed_rollout_is_healthy_at_full_weight_with_every_step_done() {
    let rollout = RolloutBuilder::canary()
        .steps(json!([{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}]))
        .at_step(3)
        .status(json!({"stableRS": "bbb222"}))
        .build();
    let set = objects(&[
        replica_set(UID, "demo-aaa111", "aaa111", 1, "app:1", 0),
        replica_set(UID, "demo-bbb222", "bbb222", 2, "app:2", 3),
    ]);
    let info = compute(&rollout, &set);
    assert_eq!(info.status, RolloutPhase::Healthy);
    assert_eq!(info.message, "");
    assert_eq!(info.step(), "3/3");
    assert_eq!(
        (info.set_weight, info.actual_weight),
        (Some(100), Some(100))
    );
    assert!(info.steps.iter().all(|s| s.state == StepState::Done));
    assert_eq!(info.canary_revision, None);
    assert_eq!(info.stable_revision, Some(2));
    let images: Vec<_> = info
        .images
        .iter()
        .map(|i| (i.image.as_str(), i.tags.clone()))
        .collect();
    assert_eq!(images, [("app:2", vec!["stable".to_string()])]);

    let routed = RolloutBuilder(serde_json::to_value(&rollout).unwrap())
        .spec(json!({"strategy": {"canary": {"trafficRouting": {"maxTrafficWeight": 1000, "smi": {}}}}}))
        .build();
    let info = compute(&routed, &set);
    assert_eq!(
        (info.set_weight, info.actual_weight),
        (Some(1000), Some(1000))
    );
}

#[test]
fn experiment_step_nests_the_experiment_and_tags_its_images() {
    let rollout = RolloutBuilder::canary()
        .steps(json!([
            {"setWeight": 20},
            {"experiment": {"duration": "10m", "templates": [
                {"name": "baseline", "specRef": "stable"}, {"name": "canary", "specRef": "canary"}]}}
        ]))
        .at_step(1)
        .status(json!({"updatedReplicas": 1, "canary": {"currentExperiment": "demo-bbb222-2-0"}}))
        .build();
    let exp_uid = "uid-experiment";
    let mut exp_rs = replica_set(exp_uid, "demo-bbb222-2-0-baseline", "ccc333", 0, "app:1", 1);
    merge(
        &mut exp_rs,
        json!({"metadata": {"annotations": {"experiment.argoproj.io/template-name": "baseline"}}}),
    );
    let set = objects(&[
        replica_set(UID, "demo-aaa111", "aaa111", 1, "app:1", 3),
        replica_set(UID, "demo-bbb222", "bbb222", 2, "app:2", 1),
        exp_rs,
        json!({
            "kind": "Experiment",
            "metadata": {"name": "demo-bbb222-2-0", "namespace": "default", "uid": exp_uid,
                         "annotations": {"rollout.argoproj.io/revision": "2"},
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Rollout", "name": "demo", "uid": UID}]},
            "status": {"phase": "Running"}
        }),
    ]);
    let info = compute(&rollout, &set);
    assert_eq!(info.steps[1].kind, StepKind::Experiment);
    assert_eq!(info.steps[1].value, "baseline,canary (10m)");
    assert_eq!(info.steps[1].state, StepState::Current);
    let images: Vec<_> = info
        .images
        .iter()
        .map(|i| (i.image.as_str(), i.tags.join(", ")))
        .collect();
    assert_eq!(
        images,
        [
            ("app:1", "stable, Σ:baseline".to_string()),
            ("app:2", "canary".to_string())
        ],
        "an image seen twice gets its tags merged and sorted, as upstream"
    );
    let tree = rendered_tree(&info).join("\n");
    assert!(
        tree.contains("├──# revision:2\n│  ├──⧉ demo-bbb222"),
        "{tree}"
    );
    assert!(tree.contains("│  └──Σ demo-bbb222-2-0"), "{tree}");
    assert!(
        tree.contains("│     └──⧉ demo-bbb222-2-0-baseline"),
        "{tree}"
    );
}

#[test]
fn blue_green_status_rules_cover_cutover_and_post_promotion_analysis() {
    let pending_cutover = RolloutBuilder::blue_green()
        .status(json!({"blueGreen": {"activeSelector": "aaa111", "previewSelector": "bbb222"}}))
        .build();
    let info1 = compute(&pending_cutover, &ObjectSet::default());
    assert_eq!(info1.message, "active service cutover pending");
    assert_eq!(
        (info1.set_weight, info1.actual_weight, info1.step_count),
        (None, None, None)
    );

    let waiting_analysis = RolloutBuilder::blue_green()
        .spec(json!({"strategy": {"blueGreen": {"postPromotionAnalysis": {"templates": [{"templateName": "smoke"}]}}}}))
        .status(json!({"blueGreen": {"activeSelector": "bbb222",
            "postPromotionAnalysisRunStatus": {"name": "r", "status": "Running"}}}))
        .build();
    assert_eq!(
        compute(&waiting_analysis, &ObjectSet::default()).message,
        "waiting for analysis to complete"
    );

    let verified = RolloutBuilder::blue_green()
        .status(json!({"stableRS": "bbb222", "blueGreen": {"activeSelector": "bbb222"}}))
        .build();
    assert_eq!(
        compute(&verified, &ObjectSet::default()).status,
        RolloutPhase::Healthy
    );
}

#[test]
fn missing_or_partial_status_does_not_panic_and_falls_back_to_defaults() {
    let bare: Rollout = serde_json::from_value(json!({
        "metadata": {"name": "bare"},
        "spec": {"strategy": {"canary": {"steps": [{"setWeight": 10}, {"pause": {}}]}}}
    }))
    .unwrap();
    let info1 = compute(&bare, &ObjectSet::default());
    assert_eq!(info1.status, RolloutPhase::Progressing);
    assert_eq!(info1.message, "more replicas need to be updated");
    assert_eq!((info1.step(), info1.step_count), (String::new(), Some(2)));
    assert_eq!((info1.set_weight, info1.actual_weight), (Some(10), Some(0)));
    assert_eq!(info1.steps[0].state, StepState::Current);
    assert_eq!((info1.desired, info1.current, info1.available), (1, 0, 0));
    assert!(info1.revisions.is_empty());
    assert_eq!(info1.created, None);

    let empty = Rollout::default();
    let info2 = compute(
        &empty,
        &objects(&[replica_set("", "orphan", "x", 1, "x:1", 1)]),
    );
    assert_eq!(info2.strategy, None);
    assert_eq!(info2.strategy_name(), "");
    assert!(
        info2.revisions.is_empty(),
        "an empty owner UID owns nothing"
    );
    let text = render_get(&info2, now(), RenderOptions::default());
    assert!(
        text.starts_with("Name:\nNamespace:\nStatus:          ◌ Progressing\n"),
        "{text}"
    );
    assert_eq!(tree_rows(&info2, now()).len(), 1);

    // Out-of-range step index and negative index.
    for index in [99, -3] {
        let odd = RolloutBuilder::canary()
            .steps(json!([{"setWeight": 10}]))
            .at_step(index)
            .build();
        let info3 = compute(&odd, &ObjectSet::default());
        assert!(info3.set_weight.is_some());
    }
}
