//! The Tempo client and TraceQL builder against a fake Tempo serving the real API's JSON
//! shapes (search metadata as in Tempo's API docs, traces as jsonpb `batches` with
//! base64 ids). Asserts the exact query strings sent, including hostile names.

mod support_prom;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, RawQuery};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use canary_lens::prometheus::{JoinConfig, RevisionRef, TraceMatch, TraceScope};
use canary_lens::tempo::{
    revision_traceql, Error, SpanFilter, SpanStatus, TempoClient, TempoConfig,
};
use serde_json::json;
use support_prom::fake::{free_port, FakeServer, SilentServer};

const TOKEN: &str = "tempo-token-s3cret";

#[derive(Default)]
struct Seen {
    raw: Vec<String>,
    q: Vec<String>,
}

fn search_body() -> serde_json::Value {
    json!({
        "traces": [
            {
                "traceID": "2f3e0cee77ae5dc9c17ade3689eb2e54",
                "rootServiceName": "shop-backend",
                "rootTraceName": "update-billing",
                "startTimeUnixNano": "1684778327699392724",
                "durationMs": 557,
                "spanSets": [{
                    "spans": [{
                        "spanID": "563d623c76514f8e",
                        "name": "charge",
                        "startTimeUnixNano": "1684778327735077898",
                        "durationNanos": "446979497",
                        "attributes": [
                            {"key": "status", "value": {"stringValue": "error"}},
                            {"key": "k8s.pod.name", "value": {"stringValue": "canary-demo-65fb5ffc84-9wf5r"}}
                        ]
                    }],
                    "matched": 4
                }],
                "serviceStats": {"shop-backend": {"spanCount": 9, "errorCount": 2}}
            },
            {
                "traceID": "b1c2",
                "rootServiceName": "<root span not yet received>",
                "startTimeUnixNano": "1684778300000000000",
                "spanSet": {"spans": [{"spanID": "0000000000000001", "durationNanos": "5"}], "matched": 1}
            }
        ],
        "metrics": {"inspectedTraces": 42, "inspectedBytes": "1048576", "totalBlocks": 13}
    })
}

fn trace_body() -> serde_json::Value {
    // jsonpb writes bytes as base64: these decode to the hex ids asserted below.
    json!({"batches": [{
        "resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "shop-backend"}},
            {"key": "k8s.pod.name", "value": {"stringValue": "canary-demo-65fb5ffc84-9wf5r"}}
        ]},
        "scopeSpans": [{"scope": {"name": "otel"}, "spans": [
            {"traceId": "Lz4M7neuXcnBet42iesuVA==", "spanId": "Vj1iPHZRT44=", "name": "update-billing",
             "kind": "SPAN_KIND_SERVER", "startTimeUnixNano": "1684778327699392724",
             "endTimeUnixNano": "1684778328256392724",
             "attributes": [{"key": "http.response.status_code", "value": {"intValue": "500"}}],
             "status": {"code": "STATUS_CODE_ERROR", "message": "card declined"}},
            {"traceId": "Lz4M7neuXcnBet42iesuVA==", "spanId": "AAAAAAAAAAE=", "parentSpanId": "Vj1iPHZRT44=",
             "name": "charge", "kind": "SPAN_KIND_CLIENT", "startTimeUnixNano": "1684778327735077898",
             "endTimeUnixNano": "1684778328182057395", "status": {}}
        ]}]
    }]})
}

async fn fake_tempo() -> (FakeServer, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = seen.clone();
    let router = Router::new()
        .route(
            "/api/search",
            get(move |headers: HeaderMap, RawQuery(raw): RawQuery, Query(params): Query<HashMap<String, String>>| {
                let s = s.clone();
                async move {
                    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {TOKEN}")) {
                        return (StatusCode::UNAUTHORIZED, "missing token".to_string()).into_response();
                    }
                    let q = params.get("q").cloned().unwrap_or_default();
                    {
                        let mut seen = s.lock().unwrap();
                        seen.raw.push(raw.unwrap_or_default());
                        seen.q.push(q.clone());
                    }
                    if q.contains("nonsense") {
                        return (StatusCode::BAD_REQUEST, "invalid TraceQL query: parse error at line 1, col 3: syntax error: unexpected IDENTIFIER".to_string()).into_response();
                    }
                    axum::Json(search_body()).into_response()
                }
            }),
        )
        .route(
            "/api/traces/{id}",
            get(|Path(id): Path<String>| async move {
                if id == "2f3e0cee77ae5dc9c17ade3689eb2e54" {
                    axum::Json(trace_body()).into_response()
                } else {
                    (StatusCode::NOT_FOUND, "trace not found").into_response()
                }
            }),
        )
        .route("/api/echo", get(|| async { "echo" }))
        .route(
            "/api/status/buildinfo",
            get(|| async {
                axum::Json(json!({"version": "2.6.1", "revision": "b4a8f2a", "branch": "HEAD",
                    "buildUser": "", "buildDate": "", "goVersion": "go1.23.2"}))
            }),
        );
    (FakeServer::start(router).await, seen)
}

fn client(url: String) -> TempoClient {
    TempoClient::new(&TempoConfig::new(url).token(Some(TOKEN.into()))).unwrap()
}

fn canary() -> RevisionRef {
    RevisionRef {
        namespace: "argo-demo".into(),
        rollout: "canary-demo".into(),
        replica_set: "canary-demo-65fb5ffc84".into(),
        pod_template_hash: "65fb5ffc84".into(),
        revision: "2".into(),
        version: Some("v2".into()),
    }
}

#[tokio::test]
async fn search_sends_the_revision_traceql_and_parses_tempo_summaries() {
    let (server, seen) = fake_tempo().await;
    let filter = SpanFilter {
        errors_only: true,
        min_duration: Some(Duration::from_millis(500)),
        span_name: None,
    };
    let q = revision_traceql(&JoinConfig::default(), &canary(), &filter).unwrap();
    let result = client(server.url())
        .search(&q, 1_684_778_000, 1_684_779_000)
        .await
        .unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.q,
        vec![r#"{ resource.k8s.namespace.name = "argo-demo" && resource.k8s.pod.name =~ "^canary-demo-65fb5ffc84-.*$" && status = error && duration > 500ms }"#.to_string()]
    );
    assert_eq!(
        seen.raw[0],
        "q=%7B+resource.k8s.namespace.name+%3D+%22argo-demo%22+%26%26+resource.k8s.pod.name+%3D%7E+%22%5Ecanary-demo-65fb5ffc84-.*%24%22+%26%26+status+%3D+error+%26%26+duration+%3E+500ms+%7D&start=1684778000&end=1684779000&limit=20&spss=3"
    );

    assert_eq!(result.inspected_traces, 42);
    assert_eq!(result.inspected_bytes, 1_048_576);
    assert_eq!(result.traces.len(), 2);
    let t = &result.traces[0];
    assert_eq!(t.trace_id, "2f3e0cee77ae5dc9c17ade3689eb2e54");
    assert_eq!(t.root_service, "shop-backend");
    assert_eq!(t.root_span_name, "update-billing");
    assert_eq!(t.start_unix_nano, 1_684_778_327_699_392_724);
    assert_eq!(t.duration_ms, 557);
    assert_eq!(t.matched_spans, 4);
    assert_eq!(t.error_count, Some(2));
    assert_eq!(t.spans.len(), 1);
    assert_eq!(t.spans[0].span_id, "563d623c76514f8e");
    assert_eq!(t.spans[0].duration_nanos, 446_979_497);
    assert_eq!(
        t.spans[0].attributes["k8s.pod.name"],
        "canary-demo-65fb5ffc84-9wf5r"
    );
    // The deprecated single spanSet and omitted zero values of older Tempo versions.
    let old = &result.traces[1];
    assert_eq!(old.matched_spans, 1);
    assert_eq!(old.duration_ms, 0);
    assert_eq!(old.root_span_name, "");
    assert_eq!(old.spans[0].duration_nanos, 5);
}

#[tokio::test]
async fn hostile_names_reach_tempo_quoted_and_regex_escaped() {
    let (server, seen) = fake_tempo().await;
    let hostile = RevisionRef {
        namespace: r#"ns" || { true } && "x\"#.into(),
        replica_set: r#"web.v1+(a|b)[0]{2}^$*?"\"#.into(),
        ..canary()
    };
    let q = revision_traceql(&JoinConfig::default(), &hostile, &SpanFilter::default()).unwrap();
    client(server.url()).search(&q, 10, 20).await.unwrap();
    let hash_join = JoinConfig {
        trace_attribute: "k8s.pod.labels.rollouts-pod-template-hash".into(),
        trace_match: TraceMatch::PodTemplateHash,
        trace_scope: TraceScope::Span,
        trace_namespace_attribute: None,
        ..JoinConfig::default()
    };
    let hostile_hash = RevisionRef {
        pod_template_hash: "h\"}\\".into(),
        ..canary()
    };
    let q2 = revision_traceql(&hash_join, &hostile_hash, &SpanFilter::default()).unwrap();
    client(server.url()).search(&q2, 10, 20).await.unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.q[0],
        r#"{ resource.k8s.namespace.name = "ns\" || { true } && \"x\\" && resource.k8s.pod.name =~ "^web\\.v1\\+\\(a\\|b\\)\\[0\\]\\{2\\}\\^\\$\\*\\?\"\\\\-.*$" }"#
    );
    assert_eq!(
        seen.raw[0],
        "q=%7B+resource.k8s.namespace.name+%3D+%22ns%5C%22+%7C%7C+%7B+true+%7D+%26%26+%5C%22x%5C%5C%22+%26%26+resource.k8s.pod.name+%3D%7E+%22%5Eweb%5C%5C.v1%5C%5C%2B%5C%5C%28a%5C%5C%7Cb%5C%5C%29%5C%5C%5B0%5C%5C%5D%5C%5C%7B2%5C%5C%7D%5C%5C%5E%5C%5C%24%5C%5C*%5C%5C%3F%5C%22%5C%5C%5C%5C-.*%24%22+%7D&start=10&end=20&limit=20&spss=3"
    );
    assert_eq!(
        seen.q[1],
        r#"{ span.k8s.pod.labels.rollouts-pod-template-hash = "h\"}\\" }"#
    );
}

#[tokio::test]
async fn a_trace_is_fetched_by_id_with_base64_ids_decoded() {
    let (server, _) = fake_tempo().await;
    let c = client(server.url());
    let spans = c.trace("2f3e0cee77ae5dc9c17ade3689eb2e54").await.unwrap();
    assert_eq!(spans.len(), 2);
    let root = &spans[0];
    assert_eq!(root.trace_id, "2f3e0cee77ae5dc9c17ade3689eb2e54");
    assert_eq!(root.span_id, "563d623c76514f8e");
    assert_eq!(root.parent_span_id, None);
    assert_eq!(root.service_name, "shop-backend");
    assert_eq!(root.kind, "SPAN_KIND_SERVER");
    assert_eq!(root.status, SpanStatus::Error);
    assert_eq!(root.status_message, "card declined");
    assert_eq!(root.end_unix_nano - root.start_unix_nano, 557_000_000);
    assert_eq!(root.attributes["http.response.status_code"], "500");
    assert_eq!(
        root.resource_attributes["k8s.pod.name"],
        "canary-demo-65fb5ffc84-9wf5r"
    );
    let child = &spans[1];
    assert_eq!(child.span_id, "0000000000000001");
    assert_eq!(child.parent_span_id.as_deref(), Some("563d623c76514f8e"));
    assert_eq!(child.status, SpanStatus::Unset);

    let err = c
        .trace("0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Tempo at {} has no trace 0123456789abcdef0123456789abcdef",
            server.url()
        )
    );
    let err = c.trace("../../api/echo").await.unwrap_err();
    assert!(matches!(err, Error::InvalidTraceId(_)), "{err:?}");
}

#[tokio::test]
async fn health_endpoints_and_errors_name_the_server_without_the_token() {
    let (server, _) = fake_tempo().await;
    let c = client(server.url());
    c.echo().await.unwrap();
    let info = c.build_info().await.unwrap();
    assert_eq!(info.version, "2.6.1");
    assert_eq!(info.revision, "b4a8f2a");

    let err = c.search("{ nonsense }", 1, 2).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Tempo at {} answered 400: invalid TraceQL query: parse error at line 1, col 3: syntax error: unexpected IDENTIFIER", server.url())
    );
    let unauthenticated = TempoClient::new(&TempoConfig::new(server.url())).unwrap();
    let err = unauthenticated.search("{ }", 1, 2).await.unwrap_err();
    assert!(matches!(err, Error::Status { status: 401, .. }), "{err:?}");

    let port = free_port();
    let err = client(format!("http://127.0.0.1:{port}"))
        .echo()
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with(&format!(
            "Tempo at http://127.0.0.1:{port} refused the connection"
        )),
        "{err}"
    );
    assert!(!err.to_string().contains(TOKEN));

    let silent = SilentServer::start().await;
    let slow = TempoClient::new(
        &TempoConfig::new(silent.url())
            .token(Some(TOKEN.into()))
            .timeout(Duration::from_millis(250)),
    )
    .unwrap();
    let started = Instant::now();
    let err = slow.search("{ }", 1, 2).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        err.to_string(),
        format!("Tempo at {} timed out after 250ms", silent.url())
    );

    // A Prometheus (or anything else) at the Tempo URL is recognised as not Tempo.
    let other =
        FakeServer::start(Router::new().route("/api/echo", get(|| async { "<html>login</html>" })))
            .await;
    let err = client(other.url()).echo().await.unwrap_err();
    assert!(matches!(err, Error::NotTempo { .. }), "{err:?}");
    assert!(!format!("{err:?}{:?}", client(other.url())).contains(TOKEN));
}
