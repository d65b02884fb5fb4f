//! Rollout info: what `kubectl argo rollouts get rollout NAME` computes from a Rollout and
//! the objects of its namespace, as pure functions (no I/O, the clock is passed in).
//!
//! [`rollout_info`] selects the rollout's ReplicaSets, Pods, Experiments, AnalysisRuns
//! and Jobs by owner UID and derives status, message, step, weights, images with tags,
//! replica counts, revisions, roles and child statuses with upstream's rules
//! (argo-rollouts `pkg/kubectl-argo-rollouts/info` and `utils/rollout`).
//! [`render_get`] prints the same text as the CLI (without colours), [`tree_rows`]
//! flattens the tree for tables and node graphs, and the `strip_*` functions shrink
//! watched objects to the fields read here.

mod analysis;
mod pause;
mod phase;
mod render;
mod replicaset;
pub mod strip;
mod types;

use crate::argo::{AnalysisRun, Experiment, Rollout, REVISION_ANNOTATION};
use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

pub use pause::pause_ends_at;
pub use render::{human_duration, render_get, tree_rows, RenderOptions, TreeKind, TreeRow};
pub use strip::{
    strip_analysis_run, strip_experiment, strip_job, strip_pod, strip_replica_set, strip_rollout,
};
pub use types::*;

/// The objects of a rollout's namespace. Unrelated objects may be included: the rollout's
/// own are selected by `metadata.ownerReferences` UID.
#[derive(Debug, Default, Clone)]
pub struct Related<'a> {
    /// ReplicaSets (the rollout's and its experiments').
    pub replica_sets: Vec<&'a ReplicaSet>,
    /// Pods of those ReplicaSets.
    pub pods: Vec<&'a Pod>,
    /// AnalysisRuns (the rollout's and its experiments').
    pub analysis_runs: Vec<&'a AnalysisRun>,
    /// Experiments.
    pub experiments: Vec<&'a Experiment>,
    /// Jobs of job metrics (matched by the measurements' `job-name`).
    pub jobs: Vec<&'a Job>,
}

/// Converts a Kubernetes timestamp to chrono (None outside chrono's range).
pub(crate) fn to_utc(t: &Time) -> Option<DateTime<Utc>> {
    i64::try_from(t.0.as_nanosecond())
        .ok()
        .map(DateTime::from_timestamp_nanos)
}

pub(crate) fn created(meta: &ObjectMeta) -> Option<DateTime<Utc>> {
    meta.creation_timestamp.as_ref().and_then(to_utc)
}

/// Revision from the `rollout.argoproj.io/revision` annotation (0 when absent or not a
/// number, as upstream).
pub(crate) fn revision_of(meta: &ObjectMeta) -> i64 {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(REVISION_ANNOTATION))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// True when one of the object's owner references has this UID (an empty UID owns
/// nothing).
pub(crate) fn owned_by(meta: &ObjectMeta, uid: &str) -> bool {
    !uid.is_empty() && meta.owner_references.iter().flatten().any(|o| o.uid == uid)
}

/// Computes the rollout's info from the objects of its namespace at time `now`.
#[must_use]
pub fn rollout_info(rollout: &Rollout, related: &Related, now: DateTime<Utc>) -> RolloutInfo {
    let meta = &rollout.metadata;
    let uid = meta.uid.clone().unwrap_or_default();
    let replica_sets = replicaset::replica_set_infos(&uid, Some(rollout), related, now);
    let experiments = analysis::experiment_infos(&uid, related, now);
    let analysis_runs = analysis::analysis_run_infos(&uid, related);

    let (status, message) = phase::rollout_phase(rollout);
    let mut info = RolloutInfo {
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
        uid,
        generation: meta.generation.unwrap_or(0),
        observed_generation: rollout
            .status
            .observed_generation
            .clone()
            .unwrap_or_default(),
        created: created(meta),
        strategy: phase::strategy(rollout),
        status: RolloutPhase::parse(&status),
        message,
        current_step: None,
        step_count: None,
        set_weight: None,
        actual_weight: None,
        images: images(&replica_sets, &experiments),
        containers: containers(rollout),
        desired: rollout.spec.replicas.unwrap_or(1),
        current: rollout.status.replicas,
        updated: rollout.status.updated_replicas,
        ready: rollout.status.ready_replicas,
        available: rollout.status.available_replicas,
        stable_hash: non_empty(&rollout.status.stable_rs),
        current_hash: non_empty(&rollout.status.current_pod_hash),
        stable_revision: replica_sets
            .iter()
            .find(|r| r.roles.stable)
            .map(|r| r.revision),
        canary_revision: canary_revision(rollout, &replica_sets),
        analysis_status: None,
        paused: rollout.spec.paused,
        aborted: rollout.status.abort,
        pause_reasons: rollout
            .status
            .pause_conditions
            .iter()
            .map(|p| p.reason.clone())
            .collect(),
        revisions: Vec::new(),
        steps: phase::steps(rollout),
    };
    if let Some(canary) = &rollout.spec.strategy.canary {
        if !canary.steps.is_empty() {
            info.current_step = rollout.status.current_step_index;
            info.step_count = i32::try_from(canary.steps.len()).ok();
        }
        let set_weight = phase::set_weight(rollout);
        info.set_weight = Some(set_weight);
        info.actual_weight = Some(phase::actual_weight(rollout, set_weight, &replica_sets));
    }
    info.analysis_status = current_analysis_status(rollout, &replica_sets, &analysis_runs);
    info.revisions = group_by_revision(replica_sets, experiments, analysis_runs);
    info
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn containers(rollout: &Rollout) -> Vec<ContainerInfo> {
    rollout
        .spec
        .template
        .as_ref()
        .and_then(|t| t.spec.as_ref())
        .map(|s| {
            s.containers
                .iter()
                .map(|c| ContainerInfo {
                    name: c.name.clone(),
                    image: c.image.clone().unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn canary_revision(rollout: &Rollout, replica_sets: &[ReplicaSetInfo]) -> Option<i64> {
    let current = &rollout.status.current_pod_hash;
    if current.is_empty() || *current == rollout.status.stable_rs {
        return None;
    }
    replica_sets
        .iter()
        .find(|r| r.pod_template_hash == *current)
        .map(|r| r.revision)
}

/// Phase of the newest rollout-owned AnalysisRun whose revision is the revision of the
/// desired ReplicaSet (`status.currentPodHash`).
fn current_analysis_status(
    rollout: &Rollout,
    replica_sets: &[ReplicaSetInfo],
    runs: &[AnalysisRunInfo],
) -> Option<String> {
    let current = &rollout.status.current_pod_hash;
    let revision = replica_sets
        .iter()
        .find(|r| !current.is_empty() && r.pod_template_hash == *current)?
        .revision;
    runs.iter()
        .filter(|r| r.revision == revision)
        .max_by(|a, b| a.created.cmp(&b.created).then_with(|| a.name.cmp(&b.name)))
        .map(|r| r.status.clone())
}

/// Images of ReplicaSets that have pods, merged by image, sorted by image; tags are
/// kept in role order for an image seen once and sorted once merged (as upstream).
fn images(replica_sets: &[ReplicaSetInfo], experiments: &[ExperimentInfo]) -> Vec<ImageInfo> {
    let mut images = Vec::new();
    for rs in replica_sets.iter().filter(|r| r.replicas > 0) {
        let r = rs.roles;
        let tags: Vec<String> = [
            (r.canary, "canary"),
            (r.stable, "stable"),
            (r.active, "active"),
            (r.preview, "preview"),
            (r.ping, "ping"),
            (r.pong, "pong"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, t)| t.to_string())
        .collect();
        for image in &rs.images {
            merge_image(&mut images, image, tags.clone());
        }
    }
    for exp in experiments {
        for image in experiment_images(exp) {
            merge_image(&mut images, &image.image, image.tags);
        }
    }
    images
}

/// Images of an experiment's ReplicaSets that have pods, tagged `Σ:<template>`.
#[must_use]
pub fn experiment_images(exp: &ExperimentInfo) -> Vec<ImageInfo> {
    let mut images = Vec::new();
    for rs in exp.replica_sets.iter().filter(|r| r.replicas > 0) {
        let tags = if rs.template.is_empty() {
            Vec::new()
        } else {
            vec![format!("Σ:{}", rs.template)]
        };
        for image in &rs.images {
            merge_image(&mut images, image, tags.clone());
        }
    }
    images
}

fn merge_image(images: &mut Vec<ImageInfo>, image: &str, tags: Vec<String>) {
    if let Some(existing) = images.iter_mut().find(|i| i.image == image) {
        let mut merged: Vec<String> = existing.tags.drain(..).chain(tags).collect();
        merged.sort();
        merged.dedup();
        existing.tags = merged;
    } else {
        images.push(ImageInfo {
            image: image.to_string(),
            tags,
        });
    }
    images.sort_by(|a, b| a.image.cmp(&b.image));
}

fn group_by_revision(
    replica_sets: Vec<ReplicaSetInfo>,
    experiments: Vec<ExperimentInfo>,
    analysis_runs: Vec<AnalysisRunInfo>,
) -> Vec<RevisionInfo> {
    let mut numbers: Vec<i64> = replica_sets
        .iter()
        .map(|r| r.revision)
        .chain(experiments.iter().map(|e| e.revision))
        .chain(analysis_runs.iter().map(|a| a.revision))
        .collect();
    numbers.sort_unstable_by(|a, b| b.cmp(a));
    numbers.dedup();
    let mut revisions: Vec<RevisionInfo> = numbers
        .into_iter()
        .map(|revision| RevisionInfo {
            revision,
            replica_sets: Vec::new(),
            experiments: Vec::new(),
            analysis_runs: Vec::new(),
        })
        .collect();
    let slot =
        |revisions: &mut Vec<RevisionInfo>, n: i64| revisions.iter().position(|r| r.revision == n);
    for rs in replica_sets {
        if let Some(i) = slot(&mut revisions, rs.revision) {
            revisions[i].replica_sets.push(rs);
        }
    }
    for exp in experiments {
        if let Some(i) = slot(&mut revisions, exp.revision) {
            revisions[i].experiments.push(exp);
        }
    }
    for run in analysis_runs {
        if let Some(i) = slot(&mut revisions, run.revision) {
            revisions[i].analysis_runs.push(run);
        }
    }
    revisions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(images: &[&str], roles: Roles, replicas: i32) -> ReplicaSetInfo {
        ReplicaSetInfo {
            name: "rs".into(),
            namespace: "ns".into(),
            uid: "u".into(),
            revision: 1,
            pod_template_hash: "h".into(),
            template: String::new(),
            status: ReplicaSetStatus::Healthy,
            roles,
            scale_down_deadline: None,
            info: String::new(),
            desired: Some(replicas),
            replicas,
            ready: replicas,
            available: replicas,
            images: images.iter().map(|s| s.to_string()).collect(),
            init_images: Vec::new(),
            created: None,
            pods: Vec::new(),
        }
    }

    #[test]
    fn images_keep_role_order_until_merged_then_sort_tags() {
        let stable_active = Roles {
            stable: true,
            active: true,
            ..Roles::default()
        };
        let canary = Roles {
            canary: true,
            ..Roles::default()
        };
        let once = images(
            &[rs(&["b:1"], stable_active, 1), rs(&["a:1"], canary, 1)],
            &[],
        );
        let tags: Vec<_> = once
            .iter()
            .map(|i| (i.image.as_str(), i.tags.join(",")))
            .collect();
        assert_eq!(
            tags,
            [
                ("a:1", "canary".to_string()),
                ("b:1", "stable,active".to_string())
            ]
        );

        let merged = images(
            &[rs(&["b:1"], stable_active, 1), rs(&["b:1"], canary, 1)],
            &[],
        );
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].tags, ["active", "canary", "stable"]);

        let scaled_down = images(&[rs(&["b:1"], stable_active, 0)], &[]);
        assert!(
            scaled_down.is_empty(),
            "only ReplicaSets with pods contribute"
        );
    }

    #[test]
    fn revision_annotations_that_are_not_numbers_count_as_zero() {
        let meta = |v: &str| ObjectMeta {
            annotations: Some([(REVISION_ANNOTATION.to_string(), v.to_string())].into()),
            ..ObjectMeta::default()
        };
        assert_eq!(revision_of(&meta("12")), 12);
        assert_eq!(revision_of(&meta("x")), 0);
        assert_eq!(revision_of(&ObjectMeta::default()), 0);
    }

    #[test]
    fn kubernetes_times_convert_to_chrono_exactly() {
        let t: Time =
            serde_json::from_value(serde_json::json!("2026-11-25T12:00:00.123456Z")).unwrap();
        assert_eq!(
            to_utc(&t).map(|d| d.to_rfc3339()),
            Some("2026-11-25T12:00:00.123456+00:00".to_string())
        );
    }
}
