//! The Kubernetes side: the client ([`client`]), the watch cache ([`cache`]) and
//! [`Snapshot`], the per-query view that groups cached objects by owner.

pub mod cache;
pub mod client;
pub mod history;
pub mod labels;
pub mod memo;

use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::Resource;

use crate::argo::{AnalysisRun, Experiment, Rollout};

pub use cache::Cache;

/// Everything the cache held when a query started.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub rollouts: Vec<Arc<Rollout>>,
    pub replica_sets: Vec<Arc<ReplicaSet>>,
    pub pods: Vec<Arc<Pod>>,
    pub analysis_runs: Vec<Arc<AnalysisRun>>,
    pub experiments: Vec<Arc<Experiment>>,
    pub jobs: Vec<Arc<Job>>,
}

/// Objects grouped by the UID of their controlling owner, built once per query so that
/// answering for thousands of rollouts stays linear in the number of objects.
#[derive(Debug, Default)]
pub struct OwnerIndex<'a> {
    replica_sets: HashMap<&'a str, Vec<&'a ReplicaSet>>,
    pods: HashMap<&'a str, Vec<&'a Pod>>,
    analysis_runs: HashMap<&'a str, Vec<&'a AnalysisRun>>,
    experiments: HashMap<&'a str, Vec<&'a Experiment>>,
    jobs: HashMap<&'a str, Vec<&'a Job>>,
}

fn group<'a, K: Resource>(objects: &'a [Arc<K>]) -> HashMap<&'a str, Vec<&'a K>> {
    let mut map: HashMap<&'a str, Vec<&'a K>> = HashMap::new();
    for o in objects {
        for owner in o.meta().owner_references.iter().flatten() {
            map.entry(owner.uid.as_str()).or_default().push(o);
        }
    }
    map
}

impl Snapshot {
    pub fn index(&self) -> OwnerIndex<'_> {
        OwnerIndex {
            replica_sets: group(&self.replica_sets),
            pods: group(&self.pods),
            analysis_runs: group(&self.analysis_runs),
            experiments: group(&self.experiments),
            jobs: group(&self.jobs),
        }
    }

    /// The rollout named `name` in `namespace`.
    pub fn rollout(&self, namespace: &str, name: &str) -> Option<&Rollout> {
        self.rollouts.iter().map(AsRef::as_ref).find(|r| {
            r.metadata.namespace.as_deref() == Some(namespace)
                && r.metadata.name.as_deref() == Some(name)
        })
    }
}

impl<'a> OwnerIndex<'a> {
    /// The objects under `rollout`: its ReplicaSets and their Pods, its AnalysisRuns and
    /// their Jobs, its Experiments with their own ReplicaSets, Pods and AnalysisRuns.
    pub fn related(&self, rollout: &Rollout) -> crate::rollout::Related<'a> {
        let mut related = crate::rollout::Related::default();
        let Some(uid) = rollout.metadata.uid.as_deref() else {
            return related;
        };
        related.experiments = self.experiments.get(uid).cloned().unwrap_or_default();
        let owners = std::iter::once(uid).chain(
            related
                .experiments
                .iter()
                .filter_map(|e| e.metadata.uid.as_deref()),
        );
        for owner in owners {
            for rs in self.replica_sets.get(owner).into_iter().flatten() {
                related.replica_sets.push(rs);
                if let Some(rs_uid) = rs.metadata.uid.as_deref() {
                    related
                        .pods
                        .extend(self.pods.get(rs_uid).into_iter().flatten().copied());
                }
            }
            for ar in self.analysis_runs.get(owner).into_iter().flatten() {
                related.analysis_runs.push(ar);
                if let Some(ar_uid) = ar.metadata.uid.as_deref() {
                    related
                        .jobs
                        .extend(self.jobs.get(ar_uid).into_iter().flatten().copied());
                }
            }
        }
        related
    }
}
