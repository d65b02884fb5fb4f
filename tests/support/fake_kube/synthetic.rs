//! A generator of realistic clusters for benchmarks and scale tests: `n` copies of the
//! upstream canary fixture (a Rollout, its stable and canary ReplicaSets, three stable
//! pods and one canary pod), renamed, re-hashed and re-uid'd so ownership stays
//! consistent, spread across ten namespaces.

use serde_json::{json, Value};

/// How many namespaces the synthetic rollouts are spread across.
pub const SYNTHETIC_NAMESPACES: usize = 10;

const TEMPLATES: [&str; 7] = [
    include_str!("../../fixtures/argo-rollouts/canary/canary-rollout.yaml"),
    include_str!("../../fixtures/argo-rollouts/canary/stable-rs.yaml"),
    include_str!("../../fixtures/argo-rollouts/canary/canary-rs.yaml"),
    include_str!("../../fixtures/argo-rollouts/canary/stable-pod1.yaml"),
    include_str!("../../fixtures/argo-rollouts/canary/stable-pod2.yaml"),
    include_str!("../../fixtures/argo-rollouts/canary/stable-pod3.yaml"),
    include_str!("../../fixtures/argo-rollouts/canary/canary-pod.yaml"),
];
const NAME: &str = "canary-demo";
const NAMESPACE: &str = "jesse-test";
const STABLE_HASH: &str = "877894d5b";
const CANARY_HASH: &str = "65fb5ffc84";

/// A pod-template-hash-like string (lower-case hex, 10 characters) for rollout `i`.
fn hash(i: usize, salt: u64) -> String {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    format!("{:010x}", x >> 24)[..10].to_string()
}

/// Templates as JSON text with their metadata noise (resourceVersion, selfLink) removed.
fn templates() -> Vec<String> {
    TEMPLATES
        .iter()
        .map(|yaml| {
            let mut v: Value =
                serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("bad fixture: {e}"));
            if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("resourceVersion");
                meta.remove("selfLink");
            }
            v.to_string()
        })
        .collect()
}

/// Builds `n_rollouts` canary rollouts named `svc-0000`, `svc-0001`, ... in
/// namespaces `team-00` .. `team-09`, each with 2 ReplicaSets and 4 pods, plus the
/// Namespace objects: `1 + 6` objects per rollout. Deterministic for a given `n`.
///
/// Rollout `i` sits at step `i % 9` of its 8 steps; one in three keeps the fixture's
/// ProgressDeadlineExceeded condition (Degraded), the others report progress.
pub fn synthetic_cluster(n_rollouts: usize) -> Vec<Value> {
    let texts = templates();
    let uids: Vec<String> = texts
        .iter()
        .filter_map(|t| serde_json::from_str::<Value>(t).ok())
        .filter_map(|v| {
            v.pointer("/metadata/uid")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    // Token 0..4 are name, namespace, stable hash, canary hash; 4.. the fixture uids.
    let mut tokens = vec![NAME, NAMESPACE, STABLE_HASH, CANARY_HASH];
    tokens.extend(uids.iter().map(String::as_str));
    let templates: Vec<Vec<Segment>> = texts.iter().map(|t| segments(t, &tokens)).collect();
    let mut out: Vec<Value> = (0..SYNTHETIC_NAMESPACES.min(n_rollouts))
        .map(|n| {
            json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": format!("team-{n:02}"), "labels": {"team": format!("team-{n:02}")}}
            })
        })
        .collect();
    for i in 0..n_rollouts {
        let name = format!("svc-{i:04}");
        let mut values = vec![
            name.clone(),
            format!("team-{:02}", i % SYNTHETIC_NAMESPACES),
            hash(i, 1),
            hash(i, 2),
        ];
        values.extend((0..uids.len()).map(|k| format!("{k:08x}-0000-4000-8000-{i:012}")));
        for template in &templates {
            let text: String = template
                .iter()
                .map(|seg| match seg {
                    Segment::Text(t) => t.as_str(),
                    Segment::Token(k) => values[*k].as_str(),
                })
                .collect();
            let mut obj: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad template: {e}"));
            if obj.get("kind").and_then(Value::as_str) == Some("Rollout") {
                shape_rollout(&mut obj, i, &name, &values[3]);
            }
            out.push(obj);
        }
    }
    out
}

/// A template cut at every occurrence of a token, so each copy is one concatenation.
enum Segment {
    Text(String),
    Token(usize),
}

fn segments(text: &str, tokens: &[&str]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let next = tokens
            .iter()
            .enumerate()
            .filter_map(|(k, t)| rest.find(t).map(|at| (at, k, t.len())))
            .min();
        let Some((at, k, len)) = next else {
            out.push(Segment::Text(rest.to_string()));
            return out;
        };
        out.push(Segment::Text(rest[..at].to_string()));
        out.push(Segment::Token(k));
        rest = &rest[at + len..];
    }
}

fn shape_rollout(rollout: &mut Value, i: usize, name: &str, canary_hash: &str) {
    rollout["status"]["currentStepIndex"] = json!(i % 9);
    if !i.is_multiple_of(3) {
        let progressing = json!({
            "lastTransitionTime": "2019-10-28T04:52:55Z",
            "lastUpdateTime": "2019-10-28T04:52:55Z",
            "message": format!("ReplicaSet \"{name}-{canary_hash}\" is progressing."),
            "reason": "ReplicaSetUpdated",
            "status": "True",
            "type": "Progressing"
        });
        if let Some(conditions) = rollout
            .pointer_mut("/status/conditions")
            .and_then(Value::as_array_mut)
        {
            conditions.retain(|c| c.get("type").and_then(Value::as_str) != Some("Progressing"));
            conditions.push(progressing);
        }
    }
}
