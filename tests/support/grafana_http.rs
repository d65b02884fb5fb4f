//! The slice of Grafana's HTTP API a backend datasource's frontend talks to, served on
//! 127.0.0.1 in front of the real plugin binary, so frontend code (`DataSourceWithBackend`
//! and the datasource built on it) can run unmodified against the backend:
//!
//! - `POST /api/ds/query`: Grafana's `pkg/api/ds_query.go` → `pkg/services/query`
//!   (`query.go`, `query_parsing.go`): every query of the body names its datasource
//!   (`datasource.uid`, else `datasourceId`), all must name the same one; each becomes a
//!   pluginv2 `DataQuery` with `refId` (default `A`), `queryType` (default empty),
//!   `maxDataPoints` (default 100), `intervalMs` (default 1000), the body's `from`/`to`
//!   as the time range and the whole query object as its JSON. The answer is
//!   `{results: {refId: {status, frames: [DataFrameJSON], error}}}` with HTTP 400 as
//!   soon as one refId has an error (`pkg/api/metrics.go`, `toJsonStreamingResponse`),
//!   which the frontend's `toDataQueryResponse` reads from the error body.
//! - `GET|POST /api/datasources/uid/<uid>/resources/<path>`: `pkg/api/plugin_resource.go`
//!   → CallResource with the sub-path as `path`, the sub-path and query string as `url`,
//!   the plugin's status, headers and body passed back.
//!
//! Every call is logged ([`GrafanaHttp::calls`]) with what the plugin answered, so a test
//! can check what the frontend actually sent.

pub mod frame_json;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{any, post};
use axum::Router;
use chrono::Utc;
use grafana_plugin_sdk::pluginv2;
use parking_lot::Mutex;
use serde_json::{json, Map, Value};
use tokio::sync::oneshot;

use super::frames::{decode_frame, grafana_decode_error};
use super::plugin::{DsSettings, PluginProcess};

pub use frame_json::data_frame_json;

/// What kind of call the frontend made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// One query of a `POST /api/ds/query`.
    Query,
    /// One `/api/datasources/uid/<uid>/resources/<path>` call.
    Resource,
}

/// One call as the bridge passed it on, and what came back.
#[derive(Debug, Clone)]
pub struct BridgeCall {
    pub kind: CallKind,
    pub datasource_uid: String,
    /// Query: the refId. Resource: the path with its query string.
    pub target: String,
    /// Query: the DataQuery.queryType. Resource: the HTTP method.
    pub query_type: String,
    /// Query: the query JSON as sent to the plugin. Resource: null.
    pub json: Value,
    /// The refId's status, or the resource's HTTP status.
    pub status: i32,
    pub error: Option<String>,
    pub frames: usize,
    pub rows: usize,
}

struct Shared {
    plugin: Arc<PluginProcess>,
    datasources: Vec<DsSettings>,
    log: Mutex<Vec<BridgeCall>>,
}

/// The running bridge; stops when dropped.
pub struct GrafanaHttp {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
}

impl GrafanaHttp {
    /// Serves Grafana's datasource API for `datasources` (all of them answered by
    /// `plugin`) on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start(plugin: Arc<PluginProcess>, datasources: Vec<DsSettings>) -> Self {
        let shared = Arc::new(Shared {
            plugin,
            datasources,
            log: Mutex::new(Vec::new()),
        });
        let router = Router::new()
            .route("/api/ds/query", post(ds_query))
            .route(
                "/api/datasources/uid/{uid}/resources/{*path}",
                any(resource),
            )
            .fallback(|| async {
                json_response(StatusCode::NOT_FOUND, &json!({ "message": "Not found" }))
            })
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("cannot bind 127.0.0.1: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no local address: {e}"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Self {
            addr,
            shared,
            stop: Some(stop),
        }
    }

    /// The base URL (`http://127.0.0.1:PORT`), what the frontend calls Grafana's.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<BridgeCall> {
        self.shared.log.lock().clone()
    }
}

impl Drop for GrafanaHttp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// Grafana's error body: `{"message": ...}`.
fn error_response(status: StatusCode, message: &str) -> Response {
    json_response(status, &json!({ "message": message }))
}

/// A time of the request body as Grafana's `gtime.NewTimeRange` reads it: epoch
/// milliseconds, `now`, or `now-<n><unit>` (s, m, h, d).
pub fn parse_time(raw: &str, now_ms: i64) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(ms) = raw.parse::<i64>() {
        return Some(ms);
    }
    let rest = raw.strip_prefix("now")?;
    if rest.is_empty() {
        return Some(now_ms);
    }
    let rest = rest.strip_prefix('-')?;
    let (number, unit) = rest.split_at(rest.len().checked_sub(1)?);
    let n: i64 = number.parse().ok()?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    Some(now_ms - n * unit_ms)
}

fn find_datasource<'a>(shared: &'a Shared, query: &Value) -> Option<&'a DsSettings> {
    let uid = query["datasource"]["uid"]
        .as_str()
        .or_else(|| query["datasource"].as_str());
    if let Some(uid) = uid.filter(|u| !u.is_empty()) {
        return shared.datasources.iter().find(|d| d.uid == uid);
    }
    let id = query["datasourceId"].as_i64()?;
    shared.datasources.iter().find(|d| d.id == id)
}

/// `POST /api/ds/query`.
async fn ds_query(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error_response(StatusCode::BAD_REQUEST, "bad request data");
    };
    let Some(queries) = body["queries"].as_array().filter(|q| !q.is_empty()) else {
        return error_response(StatusCode::BAD_REQUEST, "No queries found");
    };
    let now_ms = Utc::now().timestamp_millis();
    let text = |v: &Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let from = parse_time(&text(&body["from"]), now_ms).unwrap_or(now_ms - 3_600_000);
    let to = parse_time(&text(&body["to"]), now_ms).unwrap_or(now_ms);
    let mut ds: Option<&DsSettings> = None;
    let mut proto = Vec::new();
    for q in queries {
        let Some(found) = find_datasource(&shared, q) else {
            return error_response(StatusCode::NOT_FOUND, "Data source not found");
        };
        if ds.is_some_and(|d| d.uid != found.uid) {
            return error_response(
                StatusCode::BAD_REQUEST,
                "All queries must use the same datasource",
            );
        }
        ds = Some(found);
        proto.push(pluginv2::DataQuery {
            ref_id: q["refId"].as_str().unwrap_or("A").to_string(),
            query_type: q["queryType"].as_str().unwrap_or_default().to_string(),
            max_data_points: q["maxDataPoints"].as_i64().unwrap_or(100),
            interval_ms: q["intervalMs"].as_i64().unwrap_or(1000),
            time_range: Some(pluginv2::TimeRange {
                from_epoch_ms: from,
                to_epoch_ms: to,
            }),
            json: q.to_string().into_bytes(),
        });
    }
    let Some(ds) = ds else {
        return error_response(StatusCode::BAD_REQUEST, "No queries found");
    };
    let request = pluginv2::QueryDataRequest {
        plugin_context: Some(ds.plugin_context()),
        headers: HashMap::new(),
        queries: proto.clone(),
    };
    let response = match shared.plugin.data().query_data(request).await {
        Ok(r) => r.into_inner(),
        Err(status) => {
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Query data error: {status}"),
            )
        }
    };
    let mut results = Map::new();
    let mut any_error = false;
    let mut log = Vec::new();
    for q in &proto {
        let Some(r) = response.responses.get(&q.ref_id) else {
            continue;
        };
        let mut frames = Vec::new();
        let mut rows = 0;
        for bytes in &r.frames {
            // One frame Grafana cannot decode fails the whole response.
            if let Some(reason) = grafana_decode_error(bytes) {
                return error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("An error occurred within the plugin: {reason}"),
                );
            }
            let Ok(frame) = decode_frame(bytes) else {
                continue;
            };
            rows += frame.rows();
            frames.push(data_frame_json(&frame));
        }
        let mut result = Map::new();
        if r.status > 0 {
            result.insert("status".into(), json!(r.status));
        }
        let error = (!r.error.is_empty()).then(|| r.error.clone());
        if let Some(e) = &error {
            any_error = true;
            result.insert("error".into(), json!(e));
        }
        log.push(BridgeCall {
            kind: CallKind::Query,
            datasource_uid: ds.uid.clone(),
            target: q.ref_id.clone(),
            query_type: q.query_type.clone(),
            json: serde_json::from_slice(&q.json).unwrap_or(Value::Null),
            status: r.status,
            error,
            frames: frames.len(),
            rows,
        });
        result.insert("frames".into(), Value::Array(frames));
        results.insert(q.ref_id.clone(), Value::Object(result));
    }
    shared.log.lock().extend(log);
    let status = if any_error {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    json_response(status, &json!({ "results": results }))
}

/// `/api/datasources/uid/<uid>/resources/<path>`.
async fn resource(
    State(shared): State<Arc<Shared>>,
    Path((uid, path)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(ds) = shared.datasources.iter().find(|d| d.uid == uid) else {
        return error_response(StatusCode::NOT_FOUND, "Data source not found");
    };
    let url = match query.as_deref() {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.clone(),
    };
    let request = pluginv2::CallResourceRequest {
        plugin_context: Some(ds.plugin_context()),
        path: path.clone(),
        method: method.to_string(),
        url: url.clone(),
        headers: headers
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.to_string(),
                    pluginv2::StringList {
                        values: vec![v.to_str().ok()?.to_string()],
                    },
                ))
            })
            .collect(),
        body,
    };
    let mut stream = match shared.plugin.resource().call_resource(request).await {
        Ok(s) => s.into_inner(),
        Err(status) => {
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Failed to call resource: {status}"),
            )
        }
    };
    let mut code = 0;
    let mut reply_headers = HashMap::new();
    let mut reply = Vec::new();
    loop {
        match stream.message().await {
            Ok(Some(chunk)) => {
                if code == 0 {
                    code = chunk.code;
                    reply_headers = chunk.headers;
                }
                reply.extend_from_slice(&chunk.body);
            }
            Ok(None) => break,
            Err(status) => {
                return error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("Failed to call resource: {status}"),
                )
            }
        }
    }
    let status = u16::try_from(code)
        .ok()
        .and_then(|c| StatusCode::from_u16(c).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let error = (!status.is_success()).then(|| String::from_utf8_lossy(&reply).into_owned());
    shared.log.lock().push(BridgeCall {
        kind: CallKind::Resource,
        datasource_uid: ds.uid.clone(),
        target: url,
        query_type: method.to_string(),
        json: Value::Null,
        status: i32::from(status.as_u16()),
        error,
        frames: 0,
        rows: 0,
    });
    let mut response = Response::builder().status(status);
    for (name, values) in reply_headers {
        for v in values.values {
            response = response.header(name.as_str(), v);
        }
    }
    response.body(Body::from(reply)).unwrap_or_default()
}
