//! The watch cache's shared snapshot: queries that start while the watch reports no
//! change share one snapshot (and its owner index); a change reaching the cache makes
//! the next query take a new one, and never alters a snapshot already handed out.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use canary_lens::instance::Instance;
use canary_lens::settings::Settings;
use serde_json::json;
use support::fake_kube::FakeKube;

fn step_of(snapshot: &canary_lens::k8s::Snapshot) -> Option<i32> {
    snapshot
        .rollout("jesse-test", "canary-demo")
        .and_then(|r| r.status.current_step_index)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_share_a_snapshot_until_the_watch_reports_a_change() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(support::fixtures("canary")).unwrap();
    let settings = Settings::parse(
        json!({ "kubeMode": "url", "kubeUrl": kube.url() })
            .to_string()
            .as_bytes(),
        &HashMap::new(),
    )
    .unwrap();
    let instance = Instance::new("snapshot", "snapshot", settings);
    let state = instance.synced_cache().await.expect("cache sync");
    let cache = &state.cache;

    // Let the initial burst of watch events settle, then two queries share one.
    let mut first = cache.snapshot();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let again = cache.snapshot();
        if Arc::ptr_eq(&first, &again) {
            break;
        }
        first = again;
    }
    let second = cache.snapshot();
    assert!(Arc::ptr_eq(&first, &second), "no change, same snapshot");
    assert!(
        std::ptr::eq(first.index(), second.index()),
        "one owner index"
    );
    let before = step_of(&first);
    assert_eq!(before, Some(0));

    // A watch event: the next snapshot is a new one holding it; the old one is unchanged.
    let mut rollout = kube
        .objects("Rollout")
        .into_iter()
        .find(|r| r["metadata"]["name"] == "canary-demo")
        .unwrap();
    rollout["status"]["currentStepIndex"] = json!(3);
    kube.apply(rollout);
    support::eventually("the cache holds step 3", Duration::from_secs(10), || {
        step_of(&cache.snapshot()) == Some(3)
    })
    .await;
    let after = cache.snapshot();
    assert!(!Arc::ptr_eq(&first, &after));
    assert_eq!(
        step_of(&first),
        before,
        "a handed-out snapshot never changes"
    );
    assert_eq!(
        after
            .index()
            .related(after.rollout("jesse-test", "canary-demo").unwrap())
            .replica_sets
            .len(),
        first
            .index()
            .related(first.rollout("jesse-test", "canary-demo").unwrap())
            .replica_sets
            .len(),
        "the new index finds the same ReplicaSets"
    );
}
