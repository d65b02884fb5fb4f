//! `canary-lens get rollout` against the fake API server, compared with the text
//! upstream's `kubectl argo rollouts get rollout` prints (EXPECTED.md).

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::fake_kube::FakeKube;

/// The code block that follows the EXPECTED.md heading starting with `heading`.
fn expected_block(heading: &str) -> Vec<String> {
    let text = std::fs::read_to_string(support::fixtures("EXPECTED.md")).unwrap();
    let start = text
        .find(&format!("## {heading}"))
        .unwrap_or_else(|| panic!("no section {heading}"));
    let rest = &text[start..];
    let open = rest.find("```\n").unwrap() + 4;
    let close = open + rest[open..].find("```").unwrap();
    rest[open..close].lines().map(String::from).collect()
}

/// Columns of a line: runs of text separated by two or more spaces.
fn columns(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

fn is_age(column: &str) -> bool {
    let mut chars = column.chars().peekable();
    let mut saw_unit = false;
    while chars.peek().is_some() {
        let digits: String = std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect();
        let unit = chars.next();
        if digits.is_empty() || !matches!(unit, Some('s' | 'm' | 'h' | 'd' | 'y')) {
            return false;
        }
        saw_unit = true;
    }
    saw_unit
}

/// Compares the CLI's output with the expected block, column by column; the CLI prints
/// an AGE column (before INFO) that EXPECTED.md leaves out, and EXPECTED.md shortens
/// some job names to `...-suffix`.
fn assert_matches(actual: &str, expected: &[String]) {
    let actual = fold_replicas(actual);
    let actual: Vec<&str> = actual.lines().filter(|l| !l.trim().is_empty()).collect();
    let expected: Vec<&String> = expected.iter().filter(|l| !l.trim().is_empty()).collect();
    // Upstream's header starts with Name/Namespace lines; EXPECTED.md starts at Status.
    let skip = actual
        .iter()
        .position(|l| l.starts_with("Status:"))
        .expect("a Status line");
    let actual = &actual[skip..];
    let tree_header = actual.iter().position(|l| l.starts_with("NAME"));
    let actual: Vec<&str> = actual
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != tree_header)
        .map(|(_, l)| *l)
        .collect();
    assert_eq!(
        actual.len(),
        expected.len(),
        "line count differs:\n{}\n---\n{}",
        actual.join("\n"),
        expected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for (a, e) in actual.iter().zip(&expected) {
        let mut got = columns(a);
        let want = columns(e);
        if got.len() == want.len() + 1 {
            if let Some(age) = got.iter().position(|c| is_age(c)) {
                got.remove(age);
            }
        }
        match want.iter().position(|w| w.contains("...")) {
            Some(k) if got.len() == want.len() => {
                let (head, tail) = want[k].split_once("...").unwrap();
                assert!(
                    got[k].starts_with(head) && got[k].ends_with(tail),
                    "{a:?} does not match {e:?}"
                );
                let (mut g, mut w) = (got.clone(), want.clone());
                g.remove(k);
                w.remove(k);
                assert_eq!(g, w, "\n  got: {a:?}\n want: {e:?}");
            }
            _ => assert_eq!(got, want, "\n  got: {a:?}\n want: {e:?}"),
        }
    }
}

/// Upstream prints `Replicas:` followed by one indented line per count; EXPECTED.md
/// writes them on one line (`Replicas:        Desired 5, Current 6, ...`).
fn fold_replicas(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut counts: Vec<String> = Vec::new();
    let mut in_replicas = false;
    for line in text.lines() {
        if line == "Replicas:" {
            in_replicas = true;
            continue;
        }
        if in_replicas {
            if let Some((k, v)) = line
                .trim()
                .split_once(':')
                .filter(|_| line.starts_with("  "))
            {
                counts.push(format!("{k} {}", v.trim()));
                continue;
            }
            out.push(format!("Replicas:        {}", counts.join(", ")));
            in_replicas = false;
        }
        out.push(line.to_string());
    }
    out.join("\n")
}

/// Loads a fixture set the way upstream's golden tests do: every object created at the
/// same moment, so that siblings sort by name.
fn load_like_upstream(kube: &FakeKube, set: &str) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(support::fixtures(set))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut obj: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        obj["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z".into();
        kube.apply(obj);
    }
}

fn kubeconfig_for(kube: &FakeKube, dir: &std::path::Path) -> PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\nusers:\n- name: me\n  user: {{}}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: me\ncurrent-context: fake\n",
        kube.url()
    );
    std::fs::write(&path, text).unwrap();
    path
}

async fn get(set: &str, rollout: &str) -> String {
    let kube = FakeKube::start().await;
    load_like_upstream(&kube, set);
    let dir = std::env::temp_dir().join(format!("canary-lens-cli-{}-{set}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = kubeconfig_for(&kube, &dir);
    let rollout = rollout.to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_canary-lens"))
            .args([
                "get",
                "rollout",
                &rollout,
                "-n",
                "jesse-test",
                "--kubeconfig",
            ])
            .arg(&kubeconfig)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn canary_rollout_prints_as_kubectl_argo_rollouts_get() {
    let out = get("canary", "canary-demo").await;
    assert!(
        out.starts_with("Name:            canary-demo\nNamespace:       jesse-test\n"),
        "{out}"
    );
    assert_matches(&out, &expected_block("canary/canary-rollout.yaml"));
}

#[tokio::test]
async fn blue_green_rollout_prints_as_kubectl_argo_rollouts_get() {
    let out = get("blue-green", "bluegreen-demo").await;
    assert_matches(&out, &expected_block("blue-green/bluegreen-rollout.yaml"));
}

#[tokio::test]
async fn experiment_and_analysis_rollout_prints_as_kubectl_argo_rollouts_get() {
    let out = get("experiment-analysis", "rollout-experiment-analysis").await;
    assert_matches(
        &out,
        &expected_block("experiment-analysis/rollout-experiment-analysis.yaml"),
    );
}

#[tokio::test]
async fn an_unknown_rollout_is_an_error_naming_it() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(support::fixtures("canary")).unwrap();
    let dir = std::env::temp_dir().join(format!("canary-lens-cli-{}-missing", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = kubeconfig_for(&kube, &dir);
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_canary-lens"))
            .args(["get", "rollout", "nope", "-n", "jesse-test", "--kubeconfig"])
            .arg(&kubeconfig)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(!output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "error: rollout jesse-test/nope not found"
    );
}

#[test]
fn ages_are_recognised_and_other_columns_are_not() {
    assert!(is_age("7d"));
    assert!(is_age("3h59m"));
    assert!(is_age("6y45d"));
    assert!(!is_age("ready:1/1"));
    assert!(!is_age("canary"));
    assert!(!is_age(""));
}
