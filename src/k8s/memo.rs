//! A memo of rollout info, one entry per rollout, keyed by the uid and resourceVersion
//! of the rollout and of every object its info is computed from. A `rollouts` query over
//! thousands of rollouts then recomputes only the rollouts whose objects changed since
//! the last query; the others cost a hash of their objects' versions.
//!
//! Rollout info depends on the clock in one place only: the scale-down delay shown in a
//! ReplicaSet's info column. Infos that carry such a deadline are never memoized.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use kube::Resource;
use parking_lot::Mutex;

use crate::argo::Rollout;
use crate::rollout::{self, Related, RolloutInfo};

/// Memoized infos by rollout uid.
#[derive(Debug, Default)]
pub struct InfoMemo {
    entries: Mutex<HashMap<String, (u64, Arc<RolloutInfo>)>>,
}

/// The versions of everything an info is computed from; `None` when an object has no
/// uid or resourceVersion (then nothing can tell that it changed).
fn fingerprint(rollout: &Rollout, related: &Related) -> Option<u64> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut add = |meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
        let (Some(uid), Some(rv)) = (meta.uid.as_deref(), meta.resource_version.as_deref()) else {
            return false;
        };
        (uid, rv).hash(&mut h);
        true
    };
    let all = add(rollout.meta())
        && related.replica_sets.iter().all(|o| add(o.meta()))
        && related.pods.iter().all(|o| add(o.meta()))
        && related.analysis_runs.iter().all(|o| add(o.meta()))
        && related.experiments.iter().all(|o| add(o.meta()))
        && related.jobs.iter().all(|o| add(o.meta()));
    all.then(|| h.finish())
}

fn clock_dependent(info: &RolloutInfo) -> bool {
    info.replica_sets()
        .any(|rs| rs.scale_down_deadline.is_some())
        || info
            .experiments()
            .flat_map(|e| e.replica_sets.iter())
            .any(|rs| rs.scale_down_deadline.is_some())
}

impl InfoMemo {
    /// The info of each rollout, from the memo where its objects are unchanged.
    pub fn infos<'a>(
        &self,
        rollouts: impl IntoIterator<Item = (&'a Rollout, Related<'a>)>,
        now: DateTime<Utc>,
    ) -> Vec<Arc<RolloutInfo>> {
        let mut entries = self.entries.lock();
        let out: Vec<Arc<RolloutInfo>> = rollouts
            .into_iter()
            .map(|(rollout, related)| {
                let key = rollout.metadata.uid.clone().unwrap_or_default();
                let print = fingerprint(rollout, &related);
                if let (Some(p), Some((old, info))) = (print, entries.get(&key)) {
                    if *old == p {
                        return info.clone();
                    }
                }
                let info = Arc::new(rollout::rollout_info(rollout, &related, now));
                match print {
                    Some(p) if !clock_dependent(&info) => {
                        entries.insert(key, (p, info.clone()));
                    }
                    _ => {
                        entries.remove(&key);
                    }
                }
                info
            })
            .collect();
        out
    }

    /// Forgets rollouts whose uid is not in `live` (deleted ones).
    pub fn retain(&self, live: &std::collections::HashSet<&str>) {
        self.entries
            .lock()
            .retain(|uid, _| live.contains(uid.as_str()));
    }

    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;

    fn rollout(rv: &str) -> Rollout {
        let mut r = Rollout::default();
        r.metadata.uid = Some("r1".into());
        r.metadata.name = Some("shop".into());
        r.metadata.namespace = Some("ns".into());
        r.metadata.resource_version = Some(rv.into());
        r
    }

    fn pod(rv: Option<&str>) -> Pod {
        let mut p = Pod::default();
        p.metadata.uid = Some("p1".into());
        p.metadata.resource_version = rv.map(String::from);
        p
    }

    #[test]
    fn an_unchanged_rollout_is_served_from_the_memo_and_a_change_recomputes_it() {
        let memo = InfoMemo::default();
        let now = Utc::now();
        let (r1, p1) = (rollout("1"), pod(Some("7")));
        let related = || Related {
            pods: vec![&p1],
            ..Related::default()
        };
        let first = memo.infos([(&r1, related())], now);
        let again = memo.infos([(&r1, related())], now);
        assert!(Arc::ptr_eq(&first[0], &again[0]));

        let p2 = pod(Some("8"));
        let changed = memo.infos(
            [(
                &r1,
                Related {
                    pods: vec![&p2],
                    ..Related::default()
                },
            )],
            now,
        );
        assert!(
            !Arc::ptr_eq(&first[0], &changed[0]),
            "a pod's new version recomputes"
        );
        let r2 = rollout("2");
        let bumped = memo.infos([(&r2, Related::default())], now);
        assert!(!Arc::ptr_eq(&changed[0], &bumped[0]));

        memo.retain(&std::collections::HashSet::new());
        assert!(memo.is_empty(), "a deleted rollout is forgotten");
    }

    #[test]
    fn objects_without_versions_are_never_memoized() {
        let memo = InfoMemo::default();
        let p = pod(None);
        let r = rollout("1");
        let related = || Related {
            pods: vec![&p],
            ..Related::default()
        };
        let a = memo.infos([(&r, related())], Utc::now());
        let b = memo.infos([(&r, related())], Utc::now());
        assert!(!Arc::ptr_eq(&a[0], &b[0]));
        assert!(memo.is_empty());
    }
}
