//! The object store behind the fake API server: objects keyed by resource, namespace
//! and name, one global resourceVersion counter, an event history since the last
//! compaction (so a watch can resume from any recent resourceVersion), and the open
//! watches that each write fans out to.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::resources::{builtin_resources, split_api_version, ResourceType};
use super::selector::{FieldSelector, LabelSelector};

/// An API error, answered as a `Status` object with this HTTP code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {reason}: {message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: String,
    pub message: String,
}

impl ApiError {
    pub fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.to_string(),
            message: message.into(),
        }
    }

    /// The `Status` body (as the `object` of a watch ERROR event, or a response body).
    pub fn status_json(&self) -> Value {
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code
        })
    }

    fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }
}

/// Which objects a list or watch selects.
#[derive(Debug, Clone)]
pub struct Selection {
    pub resource: ResourceType,
    /// `None` for a cluster-wide request.
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Selection {
    fn matches(&self, obj: &Value) -> bool {
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        self.namespace.as_deref().is_none_or(|want| want == ns)
            && self.labels.matches(obj)
            && self.fields.matches(obj)
    }
}

/// What a watch stream is told.
#[derive(Debug)]
pub enum WatchMsg {
    /// A complete watch event (`{"type":..., "object":...}`), ready to send.
    Event(Value),
    /// Send a BOOKMARK at this resourceVersion (if the client asked for bookmarks).
    Bookmark(u64),
    /// Send an ERROR 410 event, then end the stream.
    Expired(ApiError),
    /// End the stream (server going away).
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Put,
    Delete,
}

#[derive(Debug)]
struct HistoryEntry {
    rv: u64,
    change: Change,
    old: Option<Value>,
    new: Value,
}

#[derive(Debug)]
struct Watcher {
    selection: Selection,
    tx: UnboundedSender<WatchMsg>,
}

type Key = (String, String, String, String); // group, plural, namespace, name

/// The whole state of the fake cluster.
#[derive(Debug)]
pub struct Store {
    resources: Vec<ResourceType>,
    rv: u64,
    objects: BTreeMap<Key, Value>,
    history: Vec<HistoryEntry>,
    /// A watch or continue token from a resourceVersion below this one gets 410 Gone.
    oldest_valid_rv: u64,
    watchers: Vec<Watcher>,
}

impl Default for Store {
    fn default() -> Self {
        Self {
            resources: builtin_resources(),
            rv: 1,
            objects: BTreeMap::new(),
            history: Vec::new(),
            oldest_valid_rv: 0,
            watchers: Vec::new(),
        }
    }
}

/// The watch event one watcher should see for one change, if any: objects entering a
/// selection are ADDED, leaving it DELETED, as a real API server does.
fn event_for(sel: &Selection, change: Change, old: Option<&Value>, new: &Value) -> Option<Value> {
    let old_in = old.is_some_and(|o| sel.matches(o));
    let kind = match change {
        Change::Delete if old_in => "DELETED",
        Change::Delete => return None,
        Change::Put => match (old_in, sel.matches(new)) {
            (true, true) => "MODIFIED",
            (false, true) => "ADDED",
            (true, false) => "DELETED",
            (false, false) => return None,
        },
    };
    let same_resource = new.get("kind").and_then(Value::as_str) == Some(sel.resource.kind.as_str())
        && split_api_version(new.get("apiVersion").and_then(Value::as_str).unwrap_or("")).0
            == sel.resource.group;
    same_resource.then(|| json!({"type": kind, "object": new}))
}

fn meta_str<'a>(obj: &'a Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

impl Store {
    pub fn resources(&self) -> &[ResourceType] {
        &self.resources
    }

    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// Finds a served resource by URL group and plural.
    pub fn resource_by_plural(&self, group: &str, plural: &str) -> Option<ResourceType> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.plural == plural)
            .cloned()
    }

    /// Finds a resource by kind (`Rollout`) or plural (`rollouts`), case-insensitively.
    pub fn resource_by_name(&self, name: &str) -> Option<ResourceType> {
        self.resources
            .iter()
            .find(|r| r.kind.eq_ignore_ascii_case(name) || r.plural.eq_ignore_ascii_case(name))
            .cloned()
    }

    fn resource_for(&mut self, obj: &Value) -> Result<ResourceType, ApiError> {
        let bad = |what: &str| ApiError::new(400, "BadRequest", format!("object has no {what}"));
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("apiVersion"))?;
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("kind"))?;
        let (group, _) = split_api_version(api_version);
        if let Some(r) = self
            .resources
            .iter()
            .find(|r| r.group == group && r.kind == kind)
        {
            return Ok(r.clone());
        }
        let namespaced = !meta_str(obj, "namespace").is_empty();
        let guessed = ResourceType::guess(api_version, kind, namespaced);
        self.resources.push(guessed.clone());
        Ok(guessed)
    }

    fn notify(&mut self, change: Change, old: Option<&Value>, new: &Value) {
        self.watchers.retain(|w| !w.tx.is_closed());
        for w in &self.watchers {
            if let Some(event) = event_for(&w.selection, change, old, new) {
                let _ = w.tx.send(WatchMsg::Event(event));
            }
        }
    }

    /// Creates or replaces an object; returns it as stored (with its new resourceVersion).
    ///
    /// # Errors
    /// An object without apiVersion, kind or metadata.name.
    pub fn apply(&mut self, mut obj: Value) -> Result<Value, ApiError> {
        let resource = self.resource_for(&obj)?;
        let name = meta_str(&obj, "name").to_string();
        if name.is_empty() {
            return Err(ApiError::new(
                400,
                "BadRequest",
                "object has no metadata.name",
            ));
        }
        let mut namespace = meta_str(&obj, "namespace").to_string();
        if resource.namespaced && namespace.is_empty() {
            namespace = "default".to_string();
        }
        self.rv += 1;
        let rv = self.rv;
        let key = (
            resource.group.clone(),
            resource.plural.clone(),
            namespace.clone(),
            name.clone(),
        );
        let old = self.objects.get(&key).cloned();
        let meta = obj
            .as_object_mut()
            .map(|o| o.entry("metadata").or_insert_with(|| json!({})))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| ApiError::new(400, "BadRequest", "object is not a JSON object"))?;
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        if resource.namespaced {
            meta.insert("namespace".into(), json!(namespace));
        }
        if !meta.contains_key("uid") {
            let uid = old
                .as_ref()
                .and_then(|o| o.pointer("/metadata/uid").cloned())
                .unwrap_or_else(|| json!(format!("00000000-0000-4000-8000-{rv:012}")));
            meta.insert("uid".into(), uid);
        }
        self.objects.insert(key, obj.clone());
        self.notify(Change::Put, old.as_ref(), &obj);
        self.history.push(HistoryEntry {
            rv,
            change: Change::Put,
            old,
            new: obj.clone(),
        });
        Ok(obj)
    }

    /// Deletes an object; returns it as last seen, with the deletion's resourceVersion.
    pub fn delete(&mut self, kind_or_plural: &str, namespace: &str, name: &str) -> Option<Value> {
        let resource = self.resource_by_name(kind_or_plural)?;
        let key = (
            resource.group,
            resource.plural,
            namespace.to_string(),
            name.to_string(),
        );
        let old = self.objects.remove(&key)?;
        self.rv += 1;
        let mut gone = old.clone();
        gone["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.notify(Change::Delete, Some(&old), &gone);
        self.history.push(HistoryEntry {
            rv: self.rv,
            change: Change::Delete,
            old: Some(old),
            new: gone.clone(),
        });
        Some(gone)
    }

    /// Reads one object.
    pub fn get(&self, resource: &ResourceType, namespace: &str, name: &str) -> Option<Value> {
        let key = (
            resource.group.clone(),
            resource.plural.clone(),
            namespace.to_string(),
            name.to_string(),
        );
        self.objects.get(&key).cloned()
    }

    /// All objects of a kind (or plural), in (namespace, name) order.
    pub fn objects_of(&self, kind_or_plural: &str) -> Vec<Value> {
        let Some(r) = self.resource_by_name(kind_or_plural) else {
            return Vec::new();
        };
        self.objects
            .iter()
            .filter(|((g, p, _, _), _)| *g == r.group && *p == r.plural)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Lists a selection, one page at a time when `limit` is set.
    ///
    /// # Errors
    /// 410 Expired for a continue token older than the last compaction; 400 for a
    /// malformed token.
    pub fn list(
        &self,
        sel: &Selection,
        limit: Option<usize>,
        cont: Option<&str>,
    ) -> Result<Value, ApiError> {
        let (list_rv, after) = match cont.filter(|c| !c.is_empty()) {
            None => (self.rv, None),
            Some(token) => {
                let mut parts = token.splitn(3, '|');
                let rv = parts.next().and_then(|r| r.parse::<u64>().ok());
                let (Some(rv), Some(ns), Some(name)) = (rv, parts.next(), parts.next()) else {
                    return Err(ApiError::new(
                        400,
                        "BadRequest",
                        format!("invalid continue token {token:?}"),
                    ));
                };
                if rv < self.oldest_valid_rv {
                    return Err(ApiError::expired(
                        "The provided continue parameter is too old to display a consistent list result. \
                         You can start a new list without the continue parameter.",
                    ));
                }
                (rv, Some((ns.to_string(), name.to_string())))
            }
        };
        let r = &sel.resource;
        let mut matching = self
            .objects
            .iter()
            .filter(|((g, p, ns, name), obj)| {
                *g == r.group
                    && *p == r.plural
                    && after
                        .as_ref()
                        .is_none_or(|(ans, aname)| (ns, name) > (ans, aname))
                    && sel.matches(obj)
            })
            .map(|((_, _, ns, name), obj)| (ns, name, obj));
        let limit = limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
        let items: Vec<(&String, &String, &Value)> = matching.by_ref().take(limit).collect();
        let mut metadata = json!({"resourceVersion": list_rv.to_string()});
        if let (Some(_), Some((ns, name, _))) = (matching.next(), items.last()) {
            metadata["continue"] = json!(format!("{list_rv}|{ns}|{name}"));
            metadata["remainingItemCount"] = json!(matching.count() + 1);
        }
        Ok(json!({
            "kind": format!("{}List", r.kind),
            "apiVersion": r.api_version(),
            "metadata": metadata,
            "items": items.into_iter().map(|(_, _, o)| o.clone()).collect::<Vec<_>>()
        }))
    }

    /// Checks a list's `resourceVersion` / `resourceVersionMatch` as an API server
    /// would: a version newer than the current one is 504 "Too large resource
    /// version"; an `Exact` one older than the last compaction is 410. (Any other
    /// version is served from the current state: the fake keeps no snapshots.)
    ///
    /// # Errors
    /// As described.
    pub fn check_list_version(&self, rv: u64, exact: bool) -> Result<(), ApiError> {
        if rv > self.rv {
            return Err(ApiError::new(
                504,
                "Timeout",
                format!("Too large resource version: {rv}, current: {}", self.rv),
            ));
        }
        if exact && rv > 0 && rv < self.oldest_valid_rv {
            return Err(ApiError::expired(format!(
                "too old resource version: {rv} ({})",
                self.oldest_valid_rv
            )));
        }
        Ok(())
    }

    /// Opens a watch. From resourceVersion `None`/`0` it starts with ADDED events for
    /// every current object; from a newer one it replays the history after it.
    ///
    /// # Errors
    /// 410 Expired when `from_rv` is older than the last compaction (the caller sends
    /// it as an ERROR event, as real API servers do).
    pub fn watch(
        &mut self,
        selection: Selection,
        from_rv: Option<u64>,
    ) -> Result<(Vec<Value>, UnboundedReceiver<WatchMsg>), ApiError> {
        let initial: Vec<Value> = match from_rv.filter(|rv| *rv > 0) {
            None => self
                .objects
                .values()
                .filter(|o| {
                    selection.matches(o) && event_for(&selection, Change::Put, None, o).is_some()
                })
                .map(|o| json!({"type": "ADDED", "object": o}))
                .collect(),
            Some(rv) if rv < self.oldest_valid_rv => {
                return Err(ApiError::expired(format!(
                    "too old resource version: {rv} ({})",
                    self.oldest_valid_rv
                )))
            }
            Some(rv) => self
                .history
                .iter()
                .filter(|h| h.rv > rv)
                .filter_map(|h| event_for(&selection, h.change, h.old.as_ref(), &h.new))
                .collect(),
        };
        let (tx, rx) = unbounded_channel();
        self.watchers.push(Watcher { selection, tx });
        Ok((initial, rx))
    }

    /// Forgets history: watches and continue tokens from before now get 410 Gone.
    /// Bumps the resourceVersion so a fresh list returns a valid one.
    pub fn compact(&mut self) {
        self.rv += 1;
        self.oldest_valid_rv = self.rv;
        self.history.clear();
    }

    /// Compacts and ends every open watch with an ERROR 410 event.
    pub fn expire_watches(&mut self) {
        let previous = self.oldest_valid_rv;
        self.compact();
        for w in self.watchers.drain(..) {
            let err = ApiError::expired(format!(
                "too old resource version: {previous} ({})",
                self.rv
            ));
            let _ = w.tx.send(WatchMsg::Expired(err));
        }
    }

    /// Sends a BOOKMARK at the current resourceVersion to every open watch.
    pub fn bookmark_all(&mut self) {
        self.watchers.retain(|w| !w.tx.is_closed());
        for w in &self.watchers {
            let _ = w.tx.send(WatchMsg::Bookmark(self.rv));
        }
    }

    /// Ends every open watch (server stopping or going down).
    pub fn close_watches(&mut self) {
        for w in self.watchers.drain(..) {
            let _ = w.tx.send(WatchMsg::Close);
        }
    }

    /// Number of watches currently open.
    pub fn open_watches(&mut self) -> usize {
        self.watchers.retain(|w| !w.tx.is_closed());
        self.watchers.len()
    }
}
