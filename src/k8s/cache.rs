//! The watch cache of one datasource: kube-rs reflectors over Rollouts, their
//! ReplicaSets and Pods, AnalysisRuns, Experiments and analysis Jobs, plus the
//! Kubernetes Events about rollouts (optional: queries never wait for them) and the
//! [`History`] of rollout states the watch observed.
//!
//! Started on first use and shared by every query of the datasource. Each watched
//! kind runs one watcher per allowed namespace (or one cluster-wide), label-selected
//! server-side where Argo labels its objects, stripped of what rollout info never
//! reads. kube-rs' watcher re-lists on `410 Gone` and the default backoff reconnects
//! when the API server goes away; this module records what happened so health checks
//! and queries can say it.
//!
//! States of one watcher: *starting* (no complete list yet) → *synced* (a list
//! completed; events keep the store current) ⇄ *failing* (the last attempt failed;
//! the store keeps its last content while backoff retries).

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Event as KubeEvent, Pod};
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, watcher, Event};
use kube::runtime::WatchStreamExt;
use kube::{Api, Client, Resource};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use tokio::task::AbortHandle;

use crate::argo::{AnalysisRun, Experiment, Rollout};
use crate::k8s::history::{self, History, RolloutState};
use crate::rollout::strip;

/// The label Argo puts on every ReplicaSet and Pod it manages for a rollout.
pub const POD_TEMPLATE_HASH_LABEL: &str = "rollouts-pod-template-hash";
/// The label on ReplicaSets of an Experiment.
pub const EXPERIMENT_LABEL: &str = "experiment.argoproj.io/name";
/// The label Argo's job metric provider puts on the Jobs it creates.
pub const ANALYSIS_JOB_LABEL: &str = "analysisrun.argoproj.io/uid";

/// Why a watch failed, in words a Grafana user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WatchError(pub String);

/// The sync state of one watched kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// Watchers that completed at least one list.
    pub synced: usize,
    /// Watchers of this kind.
    pub watchers: usize,
    /// The newest failure, cleared by the next successful event.
    pub error: Option<String>,
    /// Complete lists so far (the first one, then one per 410 Gone or reconnect).
    pub lists: u64,
    /// Watch events applied.
    pub events: u64,
}

impl SyncState {
    pub fn is_synced(&self) -> bool {
        self.watchers > 0 && self.synced == self.watchers
    }
}

/// One watched kind: its stores (one per watcher) and their shared state.
#[derive(Debug, Clone)]
pub struct Watched<K: Resource<DynamicType = ()> + Clone + 'static> {
    /// `rollouts.argoproj.io`, as Kubernetes names the resource in errors.
    pub resource: String,
    stores: Vec<Store<K>>,
    state: Arc<Mutex<SyncState>>,
}

impl<K: Resource<DynamicType = ()> + Clone + 'static> Watched<K> {
    /// Every cached object (watchers over disjoint namespaces or selectors; objects seen
    /// by two selectors appear once).
    pub fn all(&self) -> Vec<Arc<K>> {
        if self.stores.len() == 1 {
            return self.stores[0].state();
        }
        let mut seen = std::collections::HashSet::new();
        self.stores
            .iter()
            .flat_map(Store::state)
            .filter(|o| seen.insert(o.meta().uid.clone().unwrap_or_default()))
            .collect()
    }

    pub fn state(&self) -> SyncState {
        self.state.lock().clone()
    }
}

/// How the cache watches: where, with what timeouts.
#[derive(Debug, Clone)]
pub struct Config {
    /// `None` watches every namespace; otherwise one watcher per namespace.
    pub namespaces: Option<BTreeSet<String>>,
}

/// The cache of one datasource instance. Dropping it stops its watchers.
#[derive(Debug)]
pub struct Cache {
    pub rollouts: Watched<Rollout>,
    pub replica_sets: Watched<ReplicaSet>,
    pub pods: Watched<Pod>,
    pub analysis_runs: Watched<AnalysisRun>,
    pub experiments: Watched<Experiment>,
    pub jobs: Watched<Job>,
    /// Events whose involvedObject is a Rollout (`fieldSelector`
    /// `involvedObject.kind=Rollout`). Not required for sync: an identity that may not
    /// list events still gets every other answer.
    pub events: Watched<KubeEvent>,
    /// Rollout states observed since the cache started.
    pub history: Arc<History>,
    /// Rollout infos of earlier queries, reused while their objects are unchanged.
    pub infos: Arc<crate::k8s::memo::InfoMemo>,
    changed: tokio::sync::watch::Sender<u64>,
    /// The last snapshot and the change count it was taken at.
    latest: Mutex<Option<(u64, Arc<crate::k8s::Snapshot>)>>,
    tasks: Vec<AbortHandle>,
}

/// The field selector of the events watcher.
pub const ROLLOUT_EVENTS_FIELD_SELECTOR: &str = "involvedObject.kind=Rollout";

impl Drop for Cache {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

struct Starter<'a> {
    client: &'a Client,
    config: &'a Config,
    tasks: Vec<AbortHandle>,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Starter<'_> {
    fn watch<K>(
        &mut self,
        selectors: &[Option<&str>],
        fields: Option<&str>,
        strip: fn(&mut K),
    ) -> Watched<K>
    where
        K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + Debug
            + Send
            + Sync
            + 'static,
    {
        let group = K::group(&());
        let resource = if group.is_empty() {
            K::plural(&()).to_string()
        } else {
            format!("{}.{}", K::plural(&()), group)
        };
        let namespaces: Vec<Option<String>> = match &self.config.namespaces {
            None => vec![None],
            Some(set) => set.iter().cloned().map(Some).collect(),
        };
        let state = Arc::new(Mutex::new(SyncState {
            watchers: namespaces.len() * selectors.len(),
            ..SyncState::default()
        }));
        let mut stores = Vec::new();
        for ns in &namespaces {
            for selector in selectors {
                let api: Api<K> = match ns {
                    Some(ns) => Api::namespaced(self.client.clone(), ns),
                    None => Api::all(self.client.clone()),
                };
                let mut cfg = watcher::Config::default();
                if let Some(s) = selector {
                    cfg = cfg.labels(s);
                }
                if let Some(f) = fields {
                    cfg = cfg.fields(f);
                }
                let (reader, writer) = reflector::store();
                stores.push(reader);
                let stream = watcher(api, cfg)
                    .default_backoff()
                    .modify(strip)
                    .reflect(writer);
                let state = state.clone();
                let changed = self.changed.clone();
                let resource = resource.clone();
                let scope = ns.clone();
                let task = tokio::spawn(async move {
                    futures::pin_mut!(stream);
                    let mut synced = false;
                    while let Some(event) = stream.next().await {
                        {
                            let mut s = state.lock();
                            match event {
                                Ok(Event::InitDone) => {
                                    s.lists += 1;
                                    s.error = None;
                                    if !synced {
                                        synced = true;
                                        s.synced += 1;
                                    }
                                }
                                Ok(Event::Apply(_) | Event::Delete(_)) => {
                                    s.events += 1;
                                    s.error = None;
                                }
                                Ok(Event::Init | Event::InitApply(_)) => {}
                                Err(e) => {
                                    let text = describe(&resource, scope.as_deref(), &e);
                                    tracing::warn!(resource = %resource, error = %text, "watch failed");
                                    s.error = Some(text);
                                }
                            }
                        }
                        changed.send_modify(|g| *g += 1);
                    }
                });
                self.tasks.push(task.abort_handle());
            }
        }
        Watched {
            resource,
            stores,
            state,
        }
    }
}

impl Cache {
    /// Starts every watcher; returns at once (see [`Cache::wait_synced`]).
    pub fn start(client: &Client, config: &Config) -> Self {
        let (changed, _) = tokio::sync::watch::channel(0);
        let mut s = Starter {
            client,
            config,
            tasks: Vec::new(),
            changed,
        };
        let hash = Some(POD_TEMPLATE_HASH_LABEL);
        let rollouts = s.watch::<Rollout>(&[None], None, strip::strip_rollout);
        let replica_sets = s.watch::<ReplicaSet>(
            &[hash, Some(EXPERIMENT_LABEL)],
            None,
            strip::strip_replica_set,
        );
        let pods = s.watch::<Pod>(&[hash], None, strip::strip_pod);
        let analysis_runs = s.watch::<AnalysisRun>(&[None], None, strip::strip_analysis_run);
        let experiments = s.watch::<Experiment>(&[None], None, strip::strip_experiment);
        let jobs = s.watch::<Job>(&[Some(ANALYSIS_JOB_LABEL)], None, strip::strip_job);
        let events =
            s.watch::<KubeEvent>(&[None], Some(ROLLOUT_EVENTS_FIELD_SELECTOR), strip_event);
        let mut cache = Cache {
            rollouts,
            replica_sets,
            pods,
            analysis_runs,
            experiments,
            jobs,
            events,
            history: Arc::new(History::default()),
            infos: Arc::default(),
            changed: s.changed,
            latest: Mutex::new(None),
            tasks: s.tasks,
        };
        let recorder = tokio::spawn(record(
            cache.view(),
            cache.changed.subscribe(),
            cache.history.clone(),
            cache.infos.clone(),
        ));
        cache.tasks.push(recorder.abort_handle());
        cache
    }

    /// Clones of the stores (cheap: they share the reflectors' data).
    fn view(&self) -> View {
        View {
            rollouts: self.rollouts.clone(),
            replica_sets: self.replica_sets.clone(),
            pods: self.pods.clone(),
            analysis_runs: self.analysis_runs.clone(),
            experiments: self.experiments.clone(),
            jobs: self.jobs.clone(),
        }
    }

    /// Every kind's state, named by resource.
    pub fn states(&self) -> Vec<(String, SyncState)> {
        vec![
            (self.rollouts.resource.clone(), self.rollouts.state()),
            (
                self.replica_sets.resource.clone(),
                self.replica_sets.state(),
            ),
            (self.pods.resource.clone(), self.pods.state()),
            (
                self.analysis_runs.resource.clone(),
                self.analysis_runs.state(),
            ),
            (self.experiments.resource.clone(), self.experiments.state()),
            (self.jobs.resource.clone(), self.jobs.state()),
        ]
    }

    /// Waits until every kind has listed once.
    ///
    /// # Errors
    /// When `timeout` passes first: the error names the failing resources and why (a
    /// forbidden list names the verb and resource), or says the cache is still syncing.
    pub async fn wait_synced(&self, timeout: Duration) -> Result<(), WatchError> {
        let mut changed = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let states = self.states();
            if states.iter().all(|(_, s)| s.is_synced()) {
                return Ok(());
            }
            // A rollout query cannot be answered while rollouts themselves fail to list.
            if let Some(err) = states
                .iter()
                .filter(|(_, s)| !s.is_synced())
                .find_map(|(_, s)| s.error.clone())
            {
                if tokio::time::Instant::now() + Duration::from_millis(50) >= deadline
                    || states[0].1.error.is_some()
                {
                    return Err(WatchError(err));
                }
            }
            tokio::select! {
                r = changed.changed() => { if r.is_err() { return Err(WatchError("the watch cache stopped".into())); } }
                _ = tokio::time::sleep_until(deadline) => {
                    let pending: Vec<String> = states.iter().filter(|(_, s)| !s.is_synced()).map(|(r, _)| r.clone()).collect();
                    return Err(WatchError(format!(
                        "the watch cache is still syncing {} after {}s; the Kubernetes API is slow or unreachable",
                        pending.join(", "), timeout.as_secs())));
                }
            }
        }
    }

    /// A consistent-enough view of everything cached, for one query: shared with the
    /// other queries until the watch reports a change, so that its owner index is built
    /// once per change, not once per query.
    ///
    /// Watchers count a change after the store has applied it, so a snapshot taken after
    /// reading count `n` holds every change counted up to `n` (and maybe newer ones).
    pub fn snapshot(&self) -> Arc<crate::k8s::Snapshot> {
        let generation = *self.changed.borrow();
        let mut latest = self.latest.lock();
        if let Some((taken_at, snapshot)) = latest.as_ref() {
            if *taken_at == generation {
                return snapshot.clone();
            }
        }
        let snapshot = Arc::new(self.view().snapshot());
        *latest = Some((generation, snapshot.clone()));
        snapshot
    }

    /// A snapshot taken now, never shared (for measuring what [`Cache::snapshot`] saves).
    pub fn fresh_snapshot(&self) -> crate::k8s::Snapshot {
        self.view().snapshot()
    }
}

/// The required kinds, for the recorder (which must not hold the cache itself).
struct View {
    rollouts: Watched<Rollout>,
    replica_sets: Watched<ReplicaSet>,
    pods: Watched<Pod>,
    analysis_runs: Watched<AnalysisRun>,
    experiments: Watched<Experiment>,
    jobs: Watched<Job>,
}

impl View {
    fn synced(&self) -> bool {
        self.rollouts.state().is_synced()
            && self.replica_sets.state().is_synced()
            && self.pods.state().is_synced()
            && self.analysis_runs.state().is_synced()
            && self.experiments.state().is_synced()
            && self.jobs.state().is_synced()
    }

    fn snapshot(&self) -> crate::k8s::Snapshot {
        crate::k8s::Snapshot::new(
            self.rollouts.all(),
            self.replica_sets.all(),
            self.pods.all(),
            self.analysis_runs.all(),
            self.experiments.all(),
            self.jobs.all(),
        )
    }
}

/// Samples every rollout after the watch reported changes, coalescing bursts, once
/// every kind has synced (a half-listed cache would record wrong weights).
async fn record(
    view: View,
    mut changed: tokio::sync::watch::Receiver<u64>,
    into: Arc<History>,
    memo: Arc<crate::k8s::memo::InfoMemo>,
) {
    loop {
        if changed.changed().await.is_err() {
            return;
        }
        tokio::time::sleep(history::SAMPLE_EVERY).await;
        changed.borrow_and_update();
        if !view.synced() {
            continue;
        }
        let snapshot = view.snapshot();
        let index = snapshot.index();
        let now = chrono::Utc::now();
        let infos = memo.infos(
            snapshot
                .rollouts
                .iter()
                .map(|r| (r.as_ref(), index.related(r))),
            now,
        );
        let live: std::collections::HashSet<&str> = infos.iter().map(|i| i.uid.as_str()).collect();
        memo.retain(&live);
        into.observe_all(infos.iter().map(|i| RolloutState::of(i, now)).collect());
    }
}

/// Keeps what an annotation shows of an Event.
pub fn strip_event(event: &mut KubeEvent) {
    event.metadata.managed_fields = None;
    event.metadata.annotations = None;
    event.metadata.labels = None;
    event.related = None;
    event.series = None;
    event.reporting_component = None;
    event.reporting_instance = None;
}

/// One sentence for a watch failure: names the verb and resource when forbidden.
fn describe(resource: &str, namespace: Option<&str>, err: &watcher::Error) -> String {
    let (verb, inner) = match err {
        watcher::Error::InitialListFailed(e) => ("list", Some(e)),
        watcher::Error::WatchStartFailed(e) | watcher::Error::WatchFailed(e) => ("watch", Some(e)),
        watcher::Error::WatchError(status) => {
            return format!(
                "the Kubernetes API ended the watch of {resource}: {} (code {})",
                status.message, status.code
            )
        }
        watcher::Error::NoResourceVersion => ("watch", None),
    };
    let scope = match namespace {
        Some(ns) => format!("in namespace {ns}"),
        None => "at the cluster scope".to_string(),
    };
    match inner {
        Some(kube::Error::Api(status)) => match status.code {
            401 => "the Kubernetes API rejected the credentials (401 Unauthorized): check the token or kubeconfig user".to_string(),
            403 => format!(
                "the datasource's Kubernetes identity may not {verb} {resource} {scope} (403 Forbidden): grant the verbs list and watch on {resource}"
            ),
            404 => format!(
                "the Kubernetes API does not serve {resource} (404): is Argo Rollouts installed in this cluster?"
            ),
            code => format!("the Kubernetes API answered {code} to {verb} {resource}: {}", status.message),
        },
        Some(e) => format!("cannot {verb} {resource} from the Kubernetes API: {e}"),
        None => format!("the Kubernetes API returned {resource} without a resourceVersion; it cannot be watched"),
    }
}

/// Counts for health checks: rollouts and the namespaces they live in.
pub fn rollout_counts(cache: &Cache) -> (usize, usize) {
    let rollouts = cache.rollouts.all();
    let namespaces: BTreeSet<&str> = rollouts
        .iter()
        .filter_map(|r| r.metadata.namespace.as_deref())
        .collect();
    (rollouts.len(), namespaces.len())
}
