//! The Prometheus client and query builder against the REAL Prometheus (Debian's
//! `prometheus` package, /usr/bin/prometheus) scraping a fixture target with known
//! rates, plus the error cases against fake servers.

mod support_prom;

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use canary_lens::prometheus::{
    Auth, Error, JoinConfig, JoinMode, MetricPreset, PrometheusClient, PrometheusConfig,
    QueryBuilder, RevisionRef, SampleKind,
};
use serde_json::json;
use support_prom::canary_demo::wait_for_scrapes;
use support_prom::fake::{free_port, FakeServer, SilentServer};
use support_prom::prometheus::RealPrometheus;
use support_prom::target::{
    expected_quantile, rollout_fixture, MetricsTarget, CANARY_CUMULATIVE, CANARY_RS,
    STABLE_CUMULATIVE, STABLE_RS,
};

const WINDOW: Duration = Duration::from_secs(5);

fn revision(rs: &str, version: &str) -> RevisionRef {
    RevisionRef {
        namespace: "argo-demo".into(),
        rollout: "canary-demo".into(),
        replica_set: rs.into(),
        pod_template_hash: rs.trim_start_matches("canary-demo-").into(),
        revision: if rs == CANARY_RS { "2" } else { "1" }.into(),
        version: Some(version.into()),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn assert_close(what: &str, got: f64, want: f64, rel: f64) {
    assert!(
        (got - want).abs() <= want.abs() * rel + 1e-9,
        "{what}: got {got}, want {want} (±{}%)",
        rel * 100.0
    );
}

async fn single_value(client: &PrometheusClient, promql: &str, at: i64) -> f64 {
    let r = client
        .query(promql, Some(at))
        .await
        .unwrap_or_else(|e| panic!("{promql}: {e}"));
    assert_eq!(r.series.len(), 1, "{promql} returned {:?}", r.series);
    r.series[0].samples[0].1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_prometheus_returns_the_rates_ratios_quantiles_shares_and_exemplars_the_fixture_emits()
{
    let target = MetricsTarget::start(rollout_fixture()).await;
    let prom = RealPrometheus::start(&target.server.addr.to_string()).await;
    let client = PrometheusClient::new(&PrometheusConfig::new(prom.url.clone())).unwrap();
    wait_for_scrapes(&prom, 12.0).await;
    let at = now_ms();

    // Build info is the real server's version.
    let info = client.build_info().await.unwrap();
    assert!(!info.version.is_empty());
    assert!(
        prom.version_line.contains(&info.version),
        "{} vs {}",
        prom.version_line,
        info.version
    );

    let canary = revision(CANARY_RS, "v2");
    let stable = revision(STABLE_RS, "v1");
    let both = [canary.clone(), stable.clone()];
    let pod_join = QueryBuilder::new(JoinConfig::default(), &MetricPreset::OpenTelemetry).unwrap();

    // Rates: the canary pod serves 20/s, the two stable pods 40/s each; decoys excluded.
    let canary_rate = single_value(
        &client,
        &pod_join.request_rate(&canary, WINDOW).unwrap(),
        at,
    )
    .await;
    assert_close("canary rate", canary_rate, 20.0, 0.03);
    let stable_rate = single_value(
        &client,
        &pod_join.request_rate(&stable, WINDOW).unwrap(),
        at,
    )
    .await;
    assert_close("stable rate", stable_rate, 80.0, 0.03);

    // The same revision through the other join modes.
    for mode in [
        JoinMode::pod_template_hash(),
        JoinMode::Version {
            label: "app_version".into(),
        },
    ] {
        let join = JoinConfig {
            mode: mode.clone(),
            ..JoinConfig::default()
        };
        let b = QueryBuilder::new(join, &MetricPreset::OpenTelemetry).unwrap();
        let v = single_value(&client, &b.request_rate(&canary, WINDOW).unwrap(), at).await;
        assert_close(&format!("canary rate by {mode:?}"), v, 20.0, 0.03);
    }

    // Error ratios.
    let ratio = single_value(&client, &pod_join.error_ratio(&canary, WINDOW).unwrap(), at).await;
    assert_close("canary error ratio", ratio, 0.1, 0.03);
    let ratio = single_value(&client, &pod_join.error_ratio(&stable, WINDOW).unwrap(), at).await;
    assert_close("stable error ratio", ratio, 0.02, 0.03);

    // A revision without error series reads 0, not "no data".
    let no_errors = MetricPreset::Custom {
        requests: "http_server_request_duration_seconds_count{$__revision}".into(),
        errors: r#"http_server_request_duration_seconds_count{$__revision,http_response_status_code="599"}"#.into(),
        latency_bucket: None,
    };
    let b = QueryBuilder::new(JoinConfig::default(), &no_errors).unwrap();
    let ratio = single_value(&client, &b.error_ratio(&canary, WINDOW).unwrap(), at).await;
    assert_eq!(ratio, 0.0);

    // Latency quantiles, against the interpolation of the fixture's distributions.
    for (q, promql) in pod_join.latency_quantiles(&canary, WINDOW).unwrap() {
        let v = single_value(&client, &promql, at).await;
        assert_close(
            &format!("canary p{q}"),
            v,
            expected_quantile(q, &CANARY_CUMULATIVE),
            0.03,
        );
    }
    for (q, promql) in pod_join.latency_quantiles(&stable, WINDOW).unwrap() {
        let v = single_value(&client, &promql, at).await;
        assert_close(
            &format!("stable p{q}"),
            v,
            expected_quantile(q, &STABLE_CUMULATIVE),
            0.03,
        );
    }

    // Traffic shares: 20 / (20 + 80) and 80 / 100.
    let share = single_value(
        &client,
        &pod_join.traffic_share(&canary, &both, WINDOW).unwrap(),
        at,
    )
    .await;
    assert_close("canary share", share, 0.2, 0.03);
    let share = single_value(
        &client,
        &pod_join.traffic_share(&stable, &both, WINDOW).unwrap(),
        at,
    )
    .await;
    assert_close("stable share", share, 0.8, 0.03);

    // A revision that receives no traffic has a share of 0, not "no data".
    let idle = revision("canary-demo-5f6d7c8b9", "v3");
    let share = single_value(
        &client,
        &pod_join
            .traffic_share(
                &idle,
                &[canary.clone(), stable.clone(), idle.clone()],
                WINDOW,
            )
            .unwrap(),
        at,
    )
    .await;
    assert_eq!(share, 0.0);

    // Per-pod samples over disjoint windows (step == window).
    let step = Duration::from_secs(3);
    let promql = pod_join
        .pod_samples(&stable, SampleKind::RequestRate, step)
        .unwrap();
    let r = client
        .query_range(&promql, at - 6_000, at, step)
        .await
        .unwrap();
    let pods: BTreeSet<&str> = r.series.iter().map(|s| s.labels["pod"].as_str()).collect();
    assert_eq!(
        pods,
        BTreeSet::from(["canary-demo-877894d5b-6jfpt", "canary-demo-877894d5b-xk2lm"])
    );
    assert_eq!(r.step_ms, Some(3_000));
    for s in &r.series {
        assert!(s.samples.len() >= 2, "{s:?}");
        for (_, v) in &s.samples {
            assert_close("stable pod rate sample", *v, 40.0, 0.05);
        }
    }
    let promql = pod_join
        .pod_samples(&canary, SampleKind::ErrorRatio, step)
        .unwrap();
    let r = client
        .query_range(&promql, at - 6_000, at, step)
        .await
        .unwrap();
    assert_eq!(r.series.len(), 1);
    assert!(
        r.series[0]
            .samples
            .iter()
            .all(|(_, v)| (v - 0.1).abs() < 0.01),
        "{:?}",
        r.series
    );
    let promql = pod_join
        .pod_samples(&canary, SampleKind::LatencyQuantile(0.5), step)
        .unwrap();
    let r = client
        .query_range(&promql, at - 6_000, at, step)
        .await
        .unwrap();
    let want = expected_quantile(0.5, &CANARY_CUMULATIVE);
    assert!(
        r.series[0]
            .samples
            .iter()
            .all(|(_, v)| (v - want).abs() < 0.01),
        "{:?}",
        r.series
    );

    // Exemplars: the canary's trace ids and values, none from the stable pods or decoys.
    let selector = pod_join.exemplar_selector(&canary).unwrap();
    let ex = client
        .query_exemplars(&selector, at - 60_000, at + 1_000)
        .await
        .unwrap();
    let got: BTreeSet<(String, String)> = ex
        .exemplars
        .iter()
        .map(|e| {
            (
                e.trace_id().unwrap_or_default().to_string(),
                format!("{}", e.value),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("4bf92f3577b34da6a3ce929d0e0e4736", "0.42"),
        ("00f067aa0ba902b7a3ce929d0e0e4736", "0.07"),
    ]
    .iter()
    .map(|(t, v)| (t.to_string(), v.to_string()))
    .collect();
    assert_eq!(got, want, "exemplars: {:?}", ex.exemplars);
    for e in &ex.exemplars {
        assert_eq!(e.series_labels["pod"], "canary-demo-65fb5ffc84-9wf5r");
        assert!(
            (e.timestamp_ms - (target.exemplar_ts * 1000.0).round() as i64).abs() <= 1,
            "{e:?}"
        );
    }
    let ex = client
        .query_exemplars(
            &pod_join.exemplar_selector(&stable).unwrap(),
            at - 60_000,
            at + 1_000,
        )
        .await
        .unwrap();
    assert_eq!(ex.exemplars.len(), 1, "{:?}", ex.exemplars);
    assert_eq!(
        ex.exemplars[0].trace_id(),
        Some("5b8efff798038103d269b633813fc60c")
    );
    assert_eq!(
        ex.exemplars[0].labels.get("traceID").map(String::as_str),
        Some("5b8efff798038103d269b633813fc60c")
    );

    // A query Prometheus rejects: 400 with its own message, naming the server.
    let err = client.query("sum(rate(x[5m])", Some(at)).await.unwrap_err();
    let Error::Status {
        status, message, ..
    } = &err
    else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(*status, 400);
    assert!(message.contains("parse error"), "{message}");
    assert_eq!(
        err.to_string(),
        format!("Prometheus at {} answered 400: {message}", prom.url)
    );

    // Bounds: series beyond max_series are dropped with a warning.
    let small =
        PrometheusClient::new(&PrometheusConfig::new(prom.url.clone()).max_series(2)).unwrap();
    let r = small
        .query("http_server_request_duration_seconds_count", Some(at))
        .await
        .unwrap();
    assert_eq!(r.series.len(), 2);
    assert!(r.truncated);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("first 2 of 10 series")),
        "{:?}",
        r.warnings
    );

    // Bounds: a range query's step is widened to stay within max points.
    let small =
        PrometheusClient::new(&PrometheusConfig::new(prom.url.clone()).max_points_per_series(5))
            .unwrap();
    let r = small
        .query_range(
            &pod_join.request_rate(&canary, WINDOW).unwrap(),
            at - 6_000,
            at,
            Duration::from_millis(100),
        )
        .await
        .unwrap();
    assert_eq!(r.step_ms, Some(1_500));
    assert!(r.series[0].samples.len() <= 5, "{:?}", r.series[0].samples);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("step widened from 100ms to 1.5s")),
        "{:?}",
        r.warnings
    );

    drop(prom);
}

#[tokio::test]
async fn a_closed_port_reads_as_a_refused_connection_naming_the_server() {
    let port = free_port();
    let client =
        PrometheusClient::new(&PrometheusConfig::new(format!("http://127.0.0.1:{port}"))).unwrap();
    let err = client.query("up", None).await.unwrap_err();
    assert!(matches!(err, Error::ConnectionRefused { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "Prometheus at http://127.0.0.1:{port} refused the connection"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_after_the_configured_timeout() {
    let silent = SilentServer::start().await;
    let client = PrometheusClient::new(
        &PrometheusConfig::new(silent.url()).timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let started = Instant::now();
    let err = client.query("up", None).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        err.to_string(),
        format!("Prometheus at {} timed out after 300ms", silent.url())
    );
}

#[tokio::test]
async fn dropping_a_query_future_closes_its_connection() {
    let silent = SilentServer::start().await;
    let client = PrometheusClient::new(&PrometheusConfig::new(silent.url())).unwrap();
    let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
    let accepted = silent.accepted.clone();
    let canceller = tokio::spawn(async move {
        accepted.notified().await;
        let _ = cancel.send(());
    });
    let outcome = tokio::select! {
        r = client.query("up", None) => Some(r),
        _ = cancelled => None,
    };
    assert!(
        outcome.is_none(),
        "the query finished instead of being cancelled"
    );
    // The future is dropped: the server sees the connection close well before the 30s timeout.
    tokio::time::timeout(Duration::from_secs(5), silent.closed.notified())
        .await
        .expect("the connection stayed open after the future was dropped");
    canceller.await.unwrap();
}

#[tokio::test]
async fn html_error_pages_and_foreign_servers_give_actionable_messages() {
    let router = Router::new()
        .route(
            "/bad-gateway/api/v1/query",
            post(|| async {
                (StatusCode::BAD_GATEWAY, [("content-type", "text/html")],
                 "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>")
            }),
        )
        .route("/web/api/v1/query", post(|| async { ([("content-type", "text/html")], "<html>Grafana</html>") }))
        .route(
            "/warn/api/v1/query",
            post(|| async {
                Json(json!({"status": "success", "warnings": ["query may be incomplete"],
                    "data": {"resultType": "vector", "result": [
                        {"metric": {"pod": "a"}, "value": [1700000000.5, "NaN"]}]}}))
            }),
        )
        .route(
            "/auth/api/v1/status/buildinfo",
            get(|headers: axum::http::HeaderMap| async move {
                let ok = headers.get("authorization").and_then(|v| v.to_str().ok())
                    == Some("Basic Z3JhZmFuYTpodW50ZXIyLXNlY3JldA==");
                if ok {
                    (StatusCode::OK, r#"{"status":"success","data":{"version":"9.9.9","revision":"r","branch":"b","goVersion":"go"}}"#.to_string())
                } else {
                    (StatusCode::UNAUTHORIZED, "Unauthorized\n".to_string())
                }
            }),
        );
    let server = FakeServer::start(router).await;

    let client = PrometheusClient::new(&PrometheusConfig::new(format!(
        "{}/bad-gateway",
        server.url()
    )))
    .unwrap();
    let err = client.query("up", None).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Prometheus at {}/bad-gateway answered 502: 502 Bad Gateway 502 Bad Gateway nginx",
            server.url()
        )
    );

    let client =
        PrometheusClient::new(&PrometheusConfig::new(format!("{}/web", server.url()))).unwrap();
    let err = client.query("up", None).await.unwrap_err();
    assert!(matches!(err, Error::NotPrometheus { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("is not a Prometheus server (unexpected response"),
        "{err}"
    );

    let client =
        PrometheusClient::new(&PrometheusConfig::new(format!("{}/warn", server.url()))).unwrap();
    let r = client.query("up", None).await.unwrap();
    assert_eq!(r.warnings, vec!["query may be incomplete".to_string()]);
    assert!(r.series[0].samples[0].1.is_nan());
    assert_eq!(r.series[0].samples[0].0, 1_700_000_000_500);

    let auth = Auth::Basic {
        user: "grafana".into(),
        password: "hunter2-secret".into(),
    };
    let client =
        PrometheusClient::new(&PrometheusConfig::new(format!("{}/auth", server.url())).auth(auth))
            .unwrap();
    assert_eq!(client.build_info().await.unwrap().version, "9.9.9");
    let wrong = Auth::Basic {
        user: "grafana".into(),
        password: "wrong-secret".into(),
    };
    let client =
        PrometheusClient::new(&PrometheusConfig::new(format!("{}/auth", server.url())).auth(wrong))
            .unwrap();
    let err = client.build_info().await.unwrap_err();
    assert!(
        err.to_string().ends_with("answered 401: Unauthorized"),
        "{err}"
    );
    assert!(!err.to_string().contains("wrong-secret"));
    assert!(!format!("{err:?}").contains("wrong-secret"));
}
