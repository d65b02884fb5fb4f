//! The Kubernetes side: the client ([`client`]), the watch cache ([`cache`]) and
//! [`Snapshot`], the per-query view that groups cached objects by owner.

pub mod cache;
pub mod client;
pub mod history;
pub mod labels;
pub mod memo;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::Resource;

use crate::argo::{AnalysisRun, Experiment, Rollout};

pub use cache::Cache;

/// Everything the cache held at one moment, shared by the queries that start before the
/// watch changes anything (see [`Cache::snapshot`]).
#[derive(Debug, Default)]
pub struct Snapshot {
    pub rollouts: Vec<Arc<Rollout>>,
    pub replica_sets: Vec<Arc<ReplicaSet>>,
    pub pods: Vec<Arc<Pod>>,
    pub analysis_runs: Vec<Arc<AnalysisRun>>,
    pub experiments: Vec<Arc<Experiment>>,
    pub jobs: Vec<Arc<Job>>,
    /// Built on first use, then kept with the snapshot.
    index: OnceLock<OwnerIndex>,
}

/// Objects grouped by the UID of their controlling owner, built once per snapshot so
/// that answering for thousands of rollouts stays linear in the number of objects.
#[derive(Debug, Default)]
pub struct OwnerIndex {
    replica_sets: HashMap<String, Vec<Arc<ReplicaSet>>>,
    pods: HashMap<String, Vec<Arc<Pod>>>,
    analysis_runs: HashMap<String, Vec<Arc<AnalysisRun>>>,
    experiments: HashMap<String, Vec<Arc<Experiment>>>,
    jobs: HashMap<String, Vec<Arc<Job>>>,
}

fn group<K: Resource>(objects: &[Arc<K>]) -> HashMap<String, Vec<Arc<K>>> {
    let mut map: HashMap<String, Vec<Arc<K>>> = HashMap::new();
    for o in objects {
        for owner in o.meta().owner_references.iter().flatten() {
            map.entry(owner.uid.clone()).or_default().push(o.clone());
        }
    }
    map
}

/// The objects of `map` under `owner`, as references.
fn under<'a, K>(map: &'a HashMap<String, Vec<Arc<K>>>, owner: &str) -> impl Iterator<Item = &'a K> {
    map.get(owner).into_iter().flatten().map(AsRef::as_ref)
}

impl Snapshot {
    pub fn new(
        rollouts: Vec<Arc<Rollout>>,
        replica_sets: Vec<Arc<ReplicaSet>>,
        pods: Vec<Arc<Pod>>,
        analysis_runs: Vec<Arc<AnalysisRun>>,
        experiments: Vec<Arc<Experiment>>,
        jobs: Vec<Arc<Job>>,
    ) -> Self {
        Self {
            rollouts,
            replica_sets,
            pods,
            analysis_runs,
            experiments,
            jobs,
            index: OnceLock::new(),
        }
    }

    /// The owner index, built by the first caller.
    pub fn index(&self) -> &OwnerIndex {
        self.index.get_or_init(|| OwnerIndex {
            replica_sets: group(&self.replica_sets),
            pods: group(&self.pods),
            analysis_runs: group(&self.analysis_runs),
            experiments: group(&self.experiments),
            jobs: group(&self.jobs),
        })
    }

    /// The rollout named `name` in `namespace`.
    pub fn rollout(&self, namespace: &str, name: &str) -> Option<&Rollout> {
        self.rollouts.iter().map(AsRef::as_ref).find(|r| {
            r.metadata.namespace.as_deref() == Some(namespace)
                && r.metadata.name.as_deref() == Some(name)
        })
    }
}

impl OwnerIndex {
    /// The objects under `rollout`: its ReplicaSets and their Pods, its AnalysisRuns and
    /// their Jobs, its Experiments with their own ReplicaSets, Pods and AnalysisRuns.
    pub fn related(&self, rollout: &Rollout) -> crate::rollout::Related<'_> {
        let mut related = crate::rollout::Related::default();
        let Some(uid) = rollout.metadata.uid.as_deref() else {
            return related;
        };
        related.experiments = under(&self.experiments, uid).collect();
        let owners = std::iter::once(uid).chain(
            related
                .experiments
                .iter()
                .filter_map(|e| e.metadata.uid.as_deref()),
        );
        for owner in owners {
            for rs in under(&self.replica_sets, owner) {
                related.replica_sets.push(rs);
                if let Some(rs_uid) = rs.metadata.uid.as_deref() {
                    related.pods.extend(under(&self.pods, rs_uid));
                }
            }
            for ar in under(&self.analysis_runs, owner) {
                related.analysis_runs.push(ar);
                if let Some(ar_uid) = ar.metadata.uid.as_deref() {
                    related.jobs.extend(under(&self.jobs, ar_uid));
                }
            }
        }
        related
    }
}
