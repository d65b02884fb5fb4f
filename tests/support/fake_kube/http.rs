//! HTTP side of the fake API server: one handler that logs the request, applies the
//! outage / auth / RBAC knobs, routes Kubernetes paths by hand, and streams watches as
//! chunked newline-delimited JSON.

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use super::resources::{self, ResourceType};
use super::selector::{FieldSelector, LabelSelector};
use super::store::{ApiError, Selection, WatchMsg};
use super::{CallKind, RequestRecord, Shared};

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

fn json_response(code: u16, body: &Value) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

fn error_response(err: &ApiError) -> Response {
    json_response(err.code, &err.status_json())
}

fn not_found() -> ApiError {
    ApiError::new(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
}

/// A parsed resource path: `/api/v1[/namespaces/{ns}]/{plural}[/{name}]` or the same
/// under `/apis/{group}/{version}`.
#[derive(Debug)]
struct ResourcePath {
    group: String,
    plural: String,
    namespace: Option<String>,
    name: Option<String>,
}

#[derive(Debug)]
enum Route {
    Doc(Value),
    Resource(ResourcePath),
    AccessReview,
    NotFound,
}

fn route(shared: &Shared, method: &Method, path: &str) -> Route {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let store = shared.store.lock();
    let served = store.resources();
    let doc = |d: Option<Value>| d.map_or(Route::NotFound, Route::Doc);
    let (group, version, rest) = match segs.as_slice() {
        ["version"] => return Route::Doc(resources::version_doc()),
        ["api"] => return Route::Doc(resources::core_versions_doc()),
        ["apis"] => return Route::Doc(resources::group_list_doc(served)),
        ["apis", g] => return doc(resources::group_single_doc(served, g)),
        ["api", "v1"] => return doc(resources::resource_list_doc(served, "", "v1")),
        ["apis", g, v] => return doc(resources::resource_list_doc(served, g, v)),
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Route::NotFound,
    };
    if group == "authorization.k8s.io"
        && rest == ["selfsubjectaccessreviews"]
        && method == Method::POST
    {
        return Route::AccessReview;
    }
    let (namespace, plural, name) = match rest {
        ["namespaces", ns, plural] => (Some(*ns), *plural, None),
        ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name)),
        [plural] => (None, *plural, None),
        [plural, name] => (None, *plural, Some(*name)),
        _ => return Route::NotFound,
    };
    match store.resource_by_plural(group, plural) {
        Some(r) if r.version == version => Route::Resource(ResourcePath {
            group: group.to_string(),
            plural: plural.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
        }),
        _ => Route::NotFound,
    }
}

fn is_true(params: &BTreeMap<String, String>, key: &str) -> bool {
    params.get(key).is_some_and(|v| v == "true" || v == "1")
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params: BTreeMap<String, String> =
        Query::try_from_uri(&uri).map(|q| q.0).unwrap_or_default();
    let route = route(&shared, &method, uri.path());
    let (call, resource, namespace) = match &route {
        Route::Doc(_) => (CallKind::Discovery, None, None),
        Route::AccessReview => (CallKind::AccessReview, None, None),
        Route::NotFound => (CallKind::Other, None, None),
        Route::Resource(p) => {
            let call = if p.name.is_some() {
                CallKind::Get
            } else if is_true(&params, "watch") {
                CallKind::Watch
            } else {
                CallKind::List
            };
            (call, Some(p.plural.clone()), p.namespace.clone())
        }
    };
    let (token, down, bookmark_every, max_timeout, user, denied) = {
        let mut control = shared.control.lock();
        control.log.push(RequestRecord {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().unwrap_or_default().to_string(),
            params: params.clone(),
            call,
            resource,
            namespace,
        });
        (
            control.token.clone(),
            control.down,
            control.bookmark_every,
            control.max_watch_timeout,
            control.user.clone(),
            control.denied.clone(),
        )
    };
    if down {
        return error_response(&ApiError::new(
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        ));
    }
    if let Some(token) = token {
        let got = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if got != Some(format!("Bearer {token}").as_str()) {
            return error_response(&ApiError::new(401, "Unauthorized", "Unauthorized"));
        }
    }
    let is_denied = |verb: &str, group: &str, plural: &str| {
        denied
            .iter()
            .any(|(v, g, r)| (v == verb || v == "*") && g == group && r == plural)
    };
    let path = match route {
        Route::Doc(doc) => return json_response(200, &doc),
        Route::NotFound => return error_response(&not_found()),
        Route::AccessReview => return access_review(&body, is_denied),
        Route::Resource(path) => path,
    };
    let verb = match call {
        CallKind::Get => "get",
        CallKind::Watch => "watch",
        _ => "list",
    };
    if is_denied(verb, &path.group, &path.plural) {
        return error_response(&forbidden(&user, verb, &path));
    }
    if method != Method::GET {
        return error_response(&ApiError::new(
            405,
            "MethodNotAllowed",
            "the fake API server only reads",
        ));
    }
    let Some(resource) = shared
        .store
        .lock()
        .resource_by_plural(&path.group, &path.plural)
    else {
        return error_response(&not_found());
    };
    if let Some(name) = &path.name {
        let ns = path.namespace.as_deref().unwrap_or("");
        let found = shared.store.lock().get(&resource, ns, name);
        return match found {
            Some(obj) => json_response(200, &obj),
            None => error_response(&ApiError::new(
                404,
                "NotFound",
                format!("{} \"{name}\" not found", resource.qualified_plural()),
            )),
        };
    }
    let selection = match selection(resource.clone(), path.namespace.clone(), &params) {
        Ok(s) => s,
        Err(e) => return error_response(&e),
    };
    if call == CallKind::Watch {
        let requested = params
            .get("timeoutSeconds")
            .and_then(|t| t.parse::<u64>().ok());
        let timeout = requested.map_or(max_timeout, |t| Duration::from_secs(t).min(max_timeout));
        let options = WatchOptions {
            bookmarks: is_true(&params, "allowWatchBookmarks"),
            bookmark_every,
            deadline: Instant::now() + timeout,
        };
        let from_rv = params
            .get("resourceVersion")
            .and_then(|v| v.parse::<u64>().ok());
        return watch(shared, selection, from_rv, options);
    }
    let limit = params.get("limit").and_then(|l| l.parse::<usize>().ok());
    let rv = params
        .get("resourceVersion")
        .and_then(|v| v.parse::<u64>().ok());
    let exact = params.get("resourceVersionMatch").map(String::as_str) == Some("Exact");
    // Serialize outside the store lock: bind the result first.
    let listed = {
        let store = shared.store.lock();
        store
            .check_list_version(rv.unwrap_or(0), exact)
            .and_then(|()| {
                store.list(
                    &selection,
                    limit,
                    params.get("continue").map(String::as_str),
                )
            })
    };
    match listed {
        Ok(list) => json_response(200, &list),
        Err(e) => error_response(&e),
    }
}

fn selection(
    resource: ResourceType,
    namespace: Option<String>,
    params: &BTreeMap<String, String>,
) -> Result<Selection, ApiError> {
    let bad = |e: super::selector::SelectorError| ApiError::new(400, "BadRequest", e.to_string());
    let labels = LabelSelector::parse(params.get("labelSelector").map_or("", String::as_str))
        .map_err(bad)?;
    let fields = FieldSelector::parse(params.get("fieldSelector").map_or("", String::as_str))
        .map_err(bad)?;
    Ok(Selection {
        resource,
        namespace,
        labels,
        fields,
    })
}

fn forbidden(user: &str, verb: &str, path: &ResourcePath) -> ApiError {
    let qualified = if path.group.is_empty() {
        path.plural.clone()
    } else {
        format!("{}.{}", path.plural, path.group)
    };
    let scope = match &path.namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    let name = path
        .name
        .as_ref()
        .map(|n| format!(" \"{n}\""))
        .unwrap_or_default();
    ApiError::new(
        403,
        "Forbidden",
        format!(
            "{qualified}{name} is forbidden: User \"{user}\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
            path.plural, path.group
        ),
    )
}

fn access_review(body: &[u8], is_denied: impl Fn(&str, &str, &str) -> bool) -> Response {
    let Ok(mut review) = serde_json::from_slice::<Value>(body) else {
        return error_response(&ApiError::new(
            400,
            "BadRequest",
            "body is not a SelfSubjectAccessReview",
        ));
    };
    let attrs = review
        .pointer("/spec/resourceAttributes")
        .cloned()
        .unwrap_or(Value::Null);
    let field = |k: &str| {
        attrs
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let allowed = !is_denied(&field("verb"), &field("group"), &field("resource"));
    review["status"] = json!({"allowed": allowed});
    if review.get("apiVersion").is_none() {
        review["apiVersion"] = json!("authorization.k8s.io/v1");
        review["kind"] = json!("SelfSubjectAccessReview");
    }
    json_response(201, &review)
}

#[derive(Debug, Clone, Copy)]
struct WatchOptions {
    bookmarks: bool,
    bookmark_every: Option<Duration>,
    deadline: Instant,
}

/// State of one watch response body.
struct WatchBody {
    shared: Arc<Shared>,
    resource: ResourceType,
    options: WatchOptions,
    pending: VecDeque<WatchMsg>,
    rx: UnboundedReceiver<WatchMsg>,
    next_bookmark: Option<Instant>,
    done: bool,
}

fn line(event: &Value) -> Result<Bytes, Infallible> {
    let mut text = event.to_string();
    text.push('\n');
    Ok(Bytes::from(text))
}

impl WatchBody {
    fn bookmark(&self, rv: u64) -> Value {
        json!({
            "type": "BOOKMARK",
            "object": {
                "kind": self.resource.kind,
                "apiVersion": self.resource.api_version(),
                "metadata": {"resourceVersion": rv.to_string()}
            }
        })
    }

    /// The next chunk to send, or `None` to end the response.
    async fn next_chunk(&mut self) -> Option<Result<Bytes, Infallible>> {
        loop {
            if self.done {
                return None;
            }
            let msg = match self.pending.pop_front() {
                Some(msg) => msg,
                None => {
                    let tick = self.next_bookmark.unwrap_or(self.options.deadline);
                    tokio::select! {
                        biased;
                        msg = self.rx.recv() => msg.unwrap_or(WatchMsg::Close),
                        () = tokio::time::sleep_until(self.options.deadline) => WatchMsg::Close,
                        () = tokio::time::sleep_until(tick) => {
                            self.next_bookmark = self.options.bookmark_every.map(|d| Instant::now() + d);
                            // Read the resourceVersion under the store lock with an empty
                            // queue, so a bookmark never overtakes an undelivered event.
                            let store = self.shared.store.lock();
                            match self.rx.try_recv() {
                                Ok(msg) => msg,
                                Err(_) => WatchMsg::Bookmark(store.resource_version()),
                            }
                        }
                    }
                }
            };
            match msg {
                WatchMsg::Event(event) => return Some(line(&event)),
                WatchMsg::Bookmark(rv) if self.options.bookmarks => {
                    return Some(line(&self.bookmark(rv)))
                }
                WatchMsg::Bookmark(_) => continue,
                WatchMsg::Expired(err) => {
                    self.done = true;
                    return Some(line(&json!({"type": "ERROR", "object": err.status_json()})));
                }
                WatchMsg::Close => return None,
            }
        }
    }
}

fn watch(
    shared: Arc<Shared>,
    selection: Selection,
    from_rv: Option<u64>,
    options: WatchOptions,
) -> Response {
    let resource = selection.resource.clone();
    let opened = shared.store.lock().watch(selection, from_rv);
    let (pending, rx) = match opened {
        Ok((initial, rx)) => (initial.into_iter().map(WatchMsg::Event).collect(), rx),
        // Real API servers answer a watch from an expired resourceVersion with 200 and
        // one ERROR event.
        Err(err) => (
            VecDeque::from([WatchMsg::Expired(err)]),
            tokio::sync::mpsc::unbounded_channel().1,
        ),
    };
    let next_bookmark = options.bookmark_every.map(|d| Instant::now() + d);
    stream_response(WatchBody {
        shared,
        resource,
        options,
        pending,
        rx,
        next_bookmark,
        done: false,
    })
}

fn stream_response(body: WatchBody) -> Response {
    let stream = futures::stream::unfold(body, |mut body| async move {
        let chunk = body.next_chunk().await?;
        Some((chunk, body))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}
