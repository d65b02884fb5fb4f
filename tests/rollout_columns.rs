//! The rollouts table's canary and stable columns are exact whatever the number of
//! revisions: with the client's series cap far below what the batched queries return
//! (pods × `le` buckets per revision), the columns must equal those read without a cap,
//! because a cut answer is asked again in smaller chunks, never used. Against a REAL
//! Prometheus (Debian's package) scraping the canary fixture's pods.

mod support;
mod support_prom;

use std::collections::HashMap;

use canary_lens::instance::Instance;
use canary_lens::prometheus::{PrometheusClient, PrometheusConfig};
use canary_lens::query::rollout_metrics::{columns, Columns};
use canary_lens::query::rollouts::infos;
use canary_lens::settings::Settings;
use support::fake_kube::FakeKube;
use support_prom::canary_demo::{decoys, metrics_json_data, wait_for_scrapes, worse_canary};
use support_prom::prometheus::RealPrometheus;
use support_prom::target::MetricsTarget;

const NS: &str = "jesse-test";

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= b.abs() * 0.03 + 1e-9,
        (None, None) => true,
        _ => false,
    }
}

fn same(a: &Columns, b: &Columns) -> bool {
    close(a.canary_error_ratio, b.canary_error_ratio)
        && close(a.stable_error_ratio, b.stable_error_ratio)
        && close(a.canary_p99, b.canary_p99)
        && close(a.stable_p99, b.stable_p99)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn columns_under_a_tiny_series_cap_equal_those_without_one() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(support::fixtures("canary")).unwrap();
    let mut pods = worse_canary(NS);
    pods.extend(decoys(NS));
    let target = MetricsTarget::start(pods).await;
    let prom = RealPrometheus::start(&target.server.addr.to_string()).await;
    wait_for_scrapes(&prom, 6.0).await;

    let json = metrics_json_data(&kube.url(), &prom.url, "");
    let mut json = json;
    json.as_object_mut().unwrap().remove("tempoUrl");
    let settings = Settings::parse(json.to_string().as_bytes(), &HashMap::new()).unwrap();
    let instance = Instance::new("columns", "columns", settings);
    let state = instance.synced_cache().await.expect("cache sync");
    let snapshot = state.cache.snapshot();
    let all = infos(
        &instance,
        &state.cache,
        &snapshot,
        chrono::Utc::now(),
        |_| true,
    );
    let full = instance
        .backends()
        .unwrap()
        .prometheus
        .clone()
        .expect("Prometheus configured");
    let capped_to = |max: usize| {
        let mut p = full.clone();
        p.client = PrometheusClient::new(&PrometheusConfig::new(&prom.url).max_series(max))
            .expect("client");
        p
    };

    let (want, notes) = columns(&full, &all).await;
    assert!(notes.errors.is_empty(), "{notes:?}");
    let canary = all.iter().position(|i| i.name == "canary-demo").unwrap();
    assert!(
        want[canary].canary_error_ratio.is_some() && want[canary].stable_p99.is_some(),
        "the uncapped columns have values: {want:?} {notes:?}"
    );

    // Two series per answer: every revision has two pods and six `le` buckets each,
    // so only splitting down to single revisions and kinds keeps the columns exact...
    // except latency, where one revision alone has more series than two: its p99 is
    // left empty and named, never interpolated from a cut answer.
    let (got, notes) = columns(&capped_to(2), &all).await;
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            close(g.canary_error_ratio, w.canary_error_ratio)
                && close(g.stable_error_ratio, w.stable_error_ratio),
            "{}: {g:?} vs {w:?}",
            all[i].name
        );
        assert_eq!((g.canary_p99, g.stable_p99), (None, None), "{g:?}");
    }
    let text = notes.warnings.join("\n");
    assert!(
        text.contains("more series than the plugin reads for one revision")
            && text.contains("jesse-test/canary-demo revision"),
        "{text}"
    );
    assert!(!text.contains("showing the first"), "{text}");

    // A cap that holds one revision's buckets but not a chunk's: exact everywhere.
    let (got, notes) = columns(&capped_to(14), &all).await;
    for (g, w) in got.iter().zip(&want) {
        assert!(same(g, w), "{g:?} vs {w:?} ({notes:?})");
    }
    assert!(
        !notes.warnings.iter().any(|w| w.contains("series")),
        "{notes:?}"
    );
}
