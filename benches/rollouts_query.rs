//! How fast a `rollouts` query is answered from the watch cache, for the fixture
//! cluster and for 1,000 rollouts, against a baseline measured in the same run: the
//! same answer computed from fresh LISTs of the API server (what a datasource without
//! a cache does on every panel refresh).
//!
//! Run: `cargo bench --bench rollouts_query` (add `-- --quick` for fewer rounds).

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use canary_lens::frames;
use canary_lens::instance::Instance;
use canary_lens::k8s::Snapshot;
use canary_lens::query::{self, Query, Request, TimeRange};
use canary_lens::settings::Settings;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::ListParams;
use kube::Api;
use serde_json::json;
use support::fake_kube::{synthetic_cluster, FakeKube};
use support::plugin::{DsSettings, PluginProcess, QuerySpec};

fn arcs<T>(v: Vec<T>) -> Vec<Arc<T>> {
    v.into_iter().map(Arc::new).collect()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn p95(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[(xs.len() * 95 / 100).min(xs.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn request() -> Request {
    let now = chrono::Utc::now();
    Request {
        ref_id: "A".into(),
        query: Query::parse("rollouts", b"{}").unwrap(),
        range: TimeRange {
            from: now - chrono::Duration::hours(1),
            to: now,
        },
        interval_ms: 15_000,
        max_data_points: 1_000,
        now,
        from_alert: false,
    }
}

/// The answer without a cache: list everything, then compute and encode.
async fn uncached(client: &kube::Client, instance: &Instance) -> usize {
    let all = ListParams::default();
    let hash = ListParams::default().labels("rollouts-pod-template-hash");
    let job_labels = ListParams::default().labels("analysisrun.argoproj.io/uid");
    let (r_api, rs_api, pod_api) = (
        Api::<canary_lens::argo::Rollout>::all(client.clone()),
        Api::<ReplicaSet>::all(client.clone()),
        Api::<Pod>::all(client.clone()),
    );
    let (ar_api, ex_api, job_api) = (
        Api::<canary_lens::argo::AnalysisRun>::all(client.clone()),
        Api::<canary_lens::argo::Experiment>::all(client.clone()),
        Api::<Job>::all(client.clone()),
    );
    let (rollouts, replica_sets, pods, runs, experiments, jobs) = tokio::join!(
        r_api.list(&all),
        rs_api.list(&hash),
        pod_api.list(&hash),
        ar_api.list(&all),
        ex_api.list(&all),
        job_api.list(&job_labels),
    );
    let snapshot = Snapshot::new(
        arcs(rollouts.unwrap().items),
        arcs(replica_sets.unwrap().items),
        arcs(pods.unwrap().items),
        arcs(runs.unwrap().items),
        arcs(experiments.unwrap().items),
        arcs(jobs.unwrap().items),
    );
    let index = snapshot.index();
    let now = chrono::Utc::now();
    let mut n = 0;
    for r in &snapshot.rollouts {
        if instance
            .settings
            .namespace_allowed(r.metadata.namespace.as_deref().unwrap_or_default())
        {
            std::hint::black_box(canary_lens::rollout::rollout_info(
                r,
                &index.related(r),
                now,
            ));
            n += 1;
        }
    }
    n
}

async fn scenario(name: &str, kube: &FakeKube, rounds: usize) {
    let settings = Settings::parse(
        json!({ "kubeMode": "url", "kubeUrl": kube.url() })
            .to_string()
            .as_bytes(),
        &HashMap::new(),
    )
    .unwrap();
    let instance = Instance::new("bench", "bench", settings);
    let started = Instant::now();
    instance.synced_cache().await.expect("cache sync");
    let sync = started.elapsed();

    let req = request();
    let mut cached = Vec::new();
    let mut rows = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let frames = query::run(&instance, &req).await.expect("query");
        let bytes: usize = frames
            .iter()
            .map(|f| frames::arrow::encode(f).unwrap().len())
            .sum();
        cached.push(t.elapsed());
        rows = frames[0].row_count().unwrap_or(0);
        std::hint::black_box(bytes);
    }

    // Where the time goes, phase by phase.
    let kube_state = instance.synced_cache().await.unwrap();
    let (mut snap_t, mut shared_t, mut info_t) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds.min(50) {
        let t = Instant::now();
        let snapshot = kube_state.cache.fresh_snapshot();
        let index = snapshot.index();
        snap_t.push(t.elapsed());
        // What a query pays while the watch reports no change: the shared snapshot.
        let t = Instant::now();
        std::hint::black_box(kube_state.cache.snapshot().index());
        shared_t.push(t.elapsed());
        let t = Instant::now();
        for r in &snapshot.rollouts {
            std::hint::black_box(canary_lens::rollout::rollout_info(
                r,
                &index.related(r),
                req.now,
            ));
        }
        info_t.push(t.elapsed());
    }

    let client = kube::Client::try_from(kube.kube_config()).unwrap();
    let mut listed = Vec::new();
    for _ in 0..rounds.min(30) {
        let t = Instant::now();
        let n = uncached(&client, &instance).await;
        listed.push(t.elapsed());
        assert_eq!(n, rows, "both paths see the same rollouts");
    }

    // The same query over gRPC to the spawned plugin, as Grafana sends it.
    let plugin = PluginProcess::spawn(&[]).await.expect("plugin");
    let ds = DsSettings::new("bench", json!({ "kubeMode": "url", "kubeUrl": kube.url() }));
    let q = || vec![QuerySpec::new("A", "rollouts", json!({}))];
    plugin
        .query(&ds, q())
        .await
        .expect("first query syncs the cache");
    let mut grpc = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let r = plugin.query(&ds, q()).await.expect("query");
        grpc.push(t.elapsed());
        assert!(r.responses["A"].error.is_empty());
    }

    let (c, l, g) = (median(cached.clone()), median(listed), median(grpc.clone()));
    println!("{name}: {rows} rollouts; first sync {}", ms(sync));
    println!(
        "  cached query + Arrow encode (in process): median {}, p95 {}",
        ms(c),
        ms(p95(cached))
    );
    println!(
        "  cached query over gRPC (spawned plugin):  median {}, p95 {}",
        ms(g),
        ms(p95(grpc))
    );
    println!(
        "  baseline, LIST everything per query:      median {}",
        ms(l)
    );
    println!(
        "  phases: snapshot + owner index {} (shared while unchanged: {}), rollout info {}",
        ms(median(snap_t)),
        ms(median(shared_t)),
        ms(median(info_t))
    );
    println!(
        "  ratio cached / baseline: {:.4} (gRPC: {:.4})",
        c.as_secs_f64() / l.as_secs_f64(),
        g.as_secs_f64() / l.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 20 } else { 200 };

    let fixtures = FakeKube::start().await;
    for set in ["canary", "blue-green", "experiment-analysis"] {
        fixtures.load_yaml_dir(support::fixtures(set)).unwrap();
    }
    scenario("fixture cluster", &fixtures, rounds).await;

    let big = FakeKube::start().await;
    big.apply_all(synthetic_cluster(1_000));
    scenario("synthetic cluster", &big, rounds / 4).await;
}
