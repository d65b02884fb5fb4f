//! A fake Kubernetes API server over real HTTP (axum on 127.0.0.1), for tests and
//! benchmarks that drive kube-rs — or the whole plugin — against a cluster they control.
//!
//! It serves discovery (`/version`, `/api`, `/apis`, ...), list / watch / get of any
//! loaded kind, cluster-wide and per namespace, with label and field selectors,
//! pagination (`limit` / `continue`), resourceVersion semantics (watch resumes from
//! history, 410 Gone after [`FakeKube::compact`] / [`FakeKube::expire_watches`]),
//! bookmarks, bearer-token auth, RBAC denials (403 with the upstream message, and
//! SelfSubjectAccessReview answers), outages ([`FakeKube::set_down`], [`FakeKube::stop`]
//! and [`FakeKube::restart`] on the same port), and a log of every request.
//!
//! ```no_run
//! # async fn demo() {
//! let kube = FakeKube::start().await;
//! kube.load_yaml_dir("tests/fixtures/argo-rollouts/canary").unwrap();
//! let client = kube::Client::try_from(kube.kube_config()).unwrap();
//! # }
//! ```

mod http;
pub mod resources;
pub mod selector;
pub mod store;
mod synthetic;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use store::ApiError;
pub use synthetic::synthetic_cluster;

/// Errors of the fake server's setup helpers.
#[derive(Debug, thiserror::Error)]
pub enum FakeKubeError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot parse YAML in {path}: {source}")]
    Yaml {
        path: PathBuf,
        source: serde_yaml::Error,
    },
    #[error("cannot apply an object from {path}: {source}")]
    Apply { path: PathBuf, source: ApiError },
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// What kind of call a request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    List,
    Watch,
    Get,
    Discovery,
    AccessReview,
    Other,
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    /// The raw query string (still URL-encoded).
    pub query: String,
    /// Decoded query parameters.
    pub params: BTreeMap<String, String>,
    pub call: CallKind,
    /// The resource plural for list / watch / get calls (`pods`, `rollouts`).
    pub resource: Option<String>,
    pub namespace: Option<String>,
}

impl RequestRecord {
    /// A decoded query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }
}

/// Knobs the test turns; read by every request.
#[derive(Debug)]
struct Control {
    token: Option<String>,
    denied: Vec<(String, String, String)>,
    user: String,
    down: bool,
    bookmark_every: Option<Duration>,
    max_watch_timeout: Duration,
    log: Vec<RequestRecord>,
}

/// State shared by the handle and the request handlers.
#[derive(Debug)]
struct Shared {
    store: Mutex<store::Store>,
    control: Mutex<Control>,
}

#[derive(Debug)]
struct Running {
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Handle on a running fake API server. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeKube {
    shared: Arc<Shared>,
    addr: SocketAddr,
    running: Mutex<Option<Running>>,
}

impl FakeKube {
    /// Starts an empty cluster on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound (a broken test machine).
    pub async fn start() -> Self {
        let shared = Arc::new(Shared {
            store: Mutex::new(store::Store::default()),
            control: Mutex::new(Control {
                token: None,
                denied: Vec::new(),
                user: "system:serviceaccount:monitoring:canary-lens".to_string(),
                down: false,
                bookmark_every: None,
                max_watch_timeout: Duration::from_secs(1800),
                log: Vec::new(),
            }),
        });
        let any: SocketAddr = ([127, 0, 0, 1], 0).into();
        let (addr, running) = serve(shared.clone(), any)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        Self {
            shared,
            addr,
            running: Mutex::new(Some(running)),
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kube-rs config pointing at this server, carrying the token if one is set.
    pub fn kube_config(&self) -> kube::Config {
        let uri = self
            .url()
            .parse()
            .unwrap_or_else(|e| panic!("bad url {}: {e}", self.url()));
        let mut config = kube::Config::new(uri);
        if let Some(token) = self.shared.control.lock().token.clone() {
            config.auth_info.token = Some(token.into());
        }
        config
    }

    // ---- objects -------------------------------------------------------------------

    /// Applies every document of a multi-document YAML file; returns how many.
    ///
    /// # Errors
    /// Unreadable file, invalid YAML, or a document that is not a Kubernetes object.
    pub fn load_yaml_file(&self, path: impl AsRef<Path>) -> Result<usize, FakeKubeError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| FakeKubeError::Io {
            path: path.into(),
            source,
        })?;
        let mut count = 0;
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let json = Value::deserialize(doc).map_err(|source| FakeKubeError::Yaml {
                path: path.into(),
                source,
            })?;
            if json.is_null() {
                continue;
            }
            self.try_apply(json)
                .map_err(|source| FakeKubeError::Apply {
                    path: path.into(),
                    source,
                })?;
            count += 1;
        }
        Ok(count)
    }

    /// Applies every `*.yaml` / `*.yml` file under a directory (recursively, in path
    /// order); returns how many objects.
    ///
    /// # Errors
    /// As [`FakeKube::load_yaml_file`].
    pub fn load_yaml_dir(&self, dir: impl AsRef<Path>) -> Result<usize, FakeKubeError> {
        let mut files = Vec::new();
        collect_yaml(dir.as_ref(), &mut files)?;
        files.sort();
        files.iter().map(|f| self.load_yaml_file(f)).sum()
    }

    /// Applies every object under a fixture directory as [`FakeKube::load_yaml_dir`] does,
    /// but moved into `namespace`, with `-<uid_suffix>` appended to every uid (and owner
    /// reference uid) so the copy's ownership does not mix with the original's. Returns
    /// how many objects.
    ///
    /// # Errors
    /// As [`FakeKube::load_yaml_file`].
    pub fn load_yaml_dir_into(
        &self,
        dir: impl AsRef<Path>,
        namespace: &str,
        uid_suffix: &str,
    ) -> Result<usize, FakeKubeError> {
        let mut files = Vec::new();
        collect_yaml(dir.as_ref(), &mut files)?;
        files.sort();
        let mut count = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| FakeKubeError::Io {
                path: path.clone(),
                source,
            })?;
            for doc in serde_yaml::Deserializer::from_str(&text) {
                let mut obj = Value::deserialize(doc).map_err(|source| FakeKubeError::Yaml {
                    path: path.clone(),
                    source,
                })?;
                if obj.is_null() {
                    continue;
                }
                obj["metadata"]["namespace"] = Value::from(namespace);
                suffix_uids(&mut obj, uid_suffix);
                self.try_apply(obj).map_err(|source| FakeKubeError::Apply {
                    path: path.clone(),
                    source,
                })?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// Creates or replaces an object, bumping the resourceVersion and telling open
    /// watches (ADDED / MODIFIED). Returns the object as stored.
    ///
    /// # Panics
    /// On an object without apiVersion, kind or metadata.name (a test-authoring bug).
    pub fn apply(&self, obj: Value) -> Value {
        self.try_apply(obj)
            .unwrap_or_else(|e| panic!("FakeKube::apply: {e}"))
    }

    /// [`FakeKube::apply`] returning the error instead of panicking.
    ///
    /// # Errors
    /// An object without apiVersion, kind or metadata.name.
    pub fn try_apply(&self, mut obj: Value) -> Result<Value, ApiError> {
        // Kubernetes 1.16+ serves ReplicaSets stored as extensions/v1beta1 (as in the
        // older upstream fixtures) only as apps/v1, and so does this server.
        if obj["kind"] == "ReplicaSet" && obj["apiVersion"] == "extensions/v1beta1" {
            obj["apiVersion"] = Value::from("apps/v1");
        }
        self.shared.store.lock().apply(obj)
    }

    /// Applies many objects.
    pub fn apply_all(&self, objs: impl IntoIterator<Item = Value>) {
        for obj in objs {
            self.apply(obj);
        }
    }

    /// Deletes an object by kind or plural (`"Rollout"` / `"rollouts"`), namespace
    /// (`""` for cluster-scoped) and name; open watches get DELETED. False if absent.
    pub fn delete(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.shared
            .store
            .lock()
            .delete(kind, namespace, name)
            .is_some()
    }

    /// Current objects of a kind, in (namespace, name) order.
    pub fn objects(&self, kind: &str) -> Vec<Value> {
        self.shared.store.lock().objects_of(kind)
    }

    /// The current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.shared.store.lock().resource_version()
    }

    // ---- watch control -------------------------------------------------------------

    /// Forgets history: a later watch (or continue token) from an older
    /// resourceVersion gets 410 Gone. Open watches keep running.
    pub fn compact(&self) {
        self.shared.store.lock().compact();
    }

    /// Compacts and ends every open watch with an ERROR 410 "Expired" event, forcing
    /// clients to re-list.
    pub fn expire_watches(&self) {
        self.shared.store.lock().expire_watches();
    }

    /// Sends a BOOKMARK now to every open watch that asked for bookmarks.
    pub fn bookmark(&self) {
        self.shared.store.lock().bookmark_all();
    }

    /// Sends BOOKMARKs periodically on watches that asked for them (off by default).
    pub fn set_bookmark_interval(&self, every: Option<Duration>) {
        self.shared.control.lock().bookmark_every = every;
    }

    /// Caps how long a watch stays open, whatever `timeoutSeconds` asks (default 30 min).
    pub fn set_max_watch_timeout(&self, max: Duration) {
        self.shared.control.lock().max_watch_timeout = max;
    }

    /// Number of watch streams currently open.
    pub fn open_watches(&self) -> usize {
        self.shared.store.lock().open_watches()
    }

    // ---- auth, RBAC, outages -------------------------------------------------------

    /// Requires `Authorization: Bearer <token>` on every request (401 otherwise).
    pub fn set_token(&self, token: Option<&str>) {
        self.shared.control.lock().token = token.map(str::to_string);
    }

    /// The user named in 403 messages (default a service account).
    pub fn set_user(&self, user: &str) {
        self.shared.control.lock().user = user.to_string();
    }

    /// Forbids a verb (`list`, `watch`, `get`, or `*`) on a resource plural of a group
    /// (`""` for core): 403 with the upstream message, and SelfSubjectAccessReview
    /// answers allowed=false.
    pub fn deny(&self, verb: &str, group: &str, resource: &str) {
        let rule = (verb.to_string(), group.to_string(), resource.to_string());
        self.shared.control.lock().denied.push(rule);
    }

    /// Lifts every [`FakeKube::deny`].
    pub fn allow_all(&self) {
        self.shared.control.lock().denied.clear();
    }

    /// While down, every request gets 503 ServiceUnavailable and open watches end.
    /// Note that kube-rs's default client retries 503 with backoff before failing.
    pub fn set_down(&self, down: bool) {
        self.shared.control.lock().down = down;
        if down {
            self.shared.store.lock().close_watches();
        }
    }

    /// Stops listening (connections are refused) and ends open watches. State is kept.
    pub async fn stop(&self) {
        let running = self.running.lock().take();
        self.shared.store.lock().close_watches();
        if let Some(Running { shutdown, task }) = running {
            let _ = shutdown.send(());
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    /// Listens again on the same port after [`FakeKube::stop`].
    ///
    /// # Panics
    /// When the port cannot be bound again within 5 s.
    pub async fn restart(&self) {
        if self.running.lock().is_some() {
            return;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            match serve(self.shared.clone(), self.addr).await {
                Ok((_, running)) => {
                    *self.running.lock() = Some(running);
                    return;
                }
                Err(e) if tokio::time::Instant::now() > deadline => panic!("{e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    // ---- request log ---------------------------------------------------------------

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.control.lock().log.clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.control.lock().log.clear();
    }

    /// Number of list calls (not watches) of a resource plural.
    pub fn list_calls(&self, resource: &str) -> usize {
        self.count_calls(CallKind::List, resource)
    }

    /// Number of watch calls of a resource plural.
    pub fn watch_calls(&self, resource: &str) -> usize {
        self.count_calls(CallKind::Watch, resource)
    }

    fn count_calls(&self, call: CallKind, resource: &str) -> usize {
        let control = self.shared.control.lock();
        control
            .log
            .iter()
            .filter(|r| r.call == call && r.resource.as_deref() == Some(resource))
            .count()
    }
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        self.shared.store.lock().close_watches();
        if let Some(Running { shutdown, task }) = self.running.lock().take() {
            let _ = shutdown.send(());
            task.abort();
        }
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), FakeKubeError> {
    let io = |source| FakeKubeError::Io {
        path: dir.into(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Binds `addr` and serves until the shutdown sender fires.
async fn serve(
    shared: Arc<Shared>,
    addr: SocketAddr,
) -> Result<(SocketAddr, Running), FakeKubeError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| FakeKubeError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| FakeKubeError::Bind { addr, source })?;
    let (shutdown, rx) = oneshot::channel::<()>();
    let app = http::router(shared);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok((local, Running { shutdown, task }))
}

/// Appends `-<suffix>` to every `uid` string in an object.
fn suffix_uids(v: &mut Value, suffix: &str) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                match val {
                    Value::String(s) if k == "uid" => *s = format!("{s}-{suffix}"),
                    _ => suffix_uids(val, suffix),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| suffix_uids(i, suffix)),
        _ => {}
    }
}
