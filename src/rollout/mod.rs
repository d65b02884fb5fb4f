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
mod phase;
mod render;
mod replicaset;
mod strip;

use std::fmt;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::{Serialize, Serializer};

use crate::argo::{AnalysisRun, Experiment, Rollout, REVISION_ANNOTATION};

pub use render::{human_duration, render_get, tree_rows, RenderOptions, TreeKind, TreeRow};
pub use strip::{
    strip_analysis_run, strip_experiment, strip_job, strip_pod, strip_replica_set, strip_rollout,
};

/// Icon of a pending phase.
pub const ICON_WAITING: &str = "◷";
/// Icon of a progressing or running phase.
pub const ICON_PROGRESSING: &str = "◌";
/// Icon of a warning (errors, image pull back-off).
pub const ICON_WARNING: &str = "⚠";
/// Icon of an unknown or inconclusive phase.
pub const ICON_UNKNOWN: &str = "?";
/// Icon of a healthy or successful phase.
pub const ICON_OK: &str = "✔";
/// Icon of a degraded or failed phase.
pub const ICON_BAD: &str = "✖";
/// Icon of a paused rollout.
pub const ICON_PAUSED: &str = "॥";
/// Icon of a scaled-down ReplicaSet.
pub const ICON_NEUTRAL: &str = "•";

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

/// Deployment strategy of a rollout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Strategy {
    /// `spec.strategy.canary`.
    Canary,
    /// `spec.strategy.blueGreen`.
    BlueGreen,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::Canary => "Canary",
            Strategy::BlueGreen => "BlueGreen",
        })
    }
}

/// Rollout phase as upstream reports it; a controller-set phase outside the four known
/// ones is kept verbatim in `Other`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RolloutPhase {
    /// Fully promoted and available.
    Healthy,
    /// An update, restart or scale is in progress.
    Progressing,
    /// Paused by a step, a pause condition or the user.
    Paused,
    /// Aborted, invalid, or past its progress deadline.
    Degraded,
    /// Any other phase string.
    Other(String),
}

impl RolloutPhase {
    fn parse(s: &str) -> Self {
        match s {
            "Healthy" => Self::Healthy,
            "Progressing" => Self::Progressing,
            "Paused" => Self::Paused,
            "Degraded" => Self::Degraded,
            other => Self::Other(other.to_string()),
        }
    }

    /// The phase name (`Healthy`, `Progressing`, ...).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Healthy => "Healthy",
            Self::Progressing => "Progressing",
            Self::Paused => "Paused",
            Self::Degraded => "Degraded",
            Self::Other(s) => s,
        }
    }

    /// Icon shown before the phase (`✔ ◌ ॥ ✖`, `⚠` for Error/InvalidSpec, `?` for
    /// Unknown, a space otherwise).
    #[must_use]
    pub fn icon(&self) -> &'static str {
        match self.as_str() {
            "Progressing" => ICON_PROGRESSING,
            "Error" | "InvalidSpec" => ICON_WARNING,
            "Paused" => ICON_PAUSED,
            "Healthy" => ICON_OK,
            "Degraded" => ICON_BAD,
            "Unknown" => ICON_UNKNOWN,
            "ScaledDown" => ICON_NEUTRAL,
            _ => " ",
        }
    }
}

impl fmt::Display for RolloutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RolloutPhase {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An image running in the rollout, with the roles of the ReplicaSets running it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    /// Image reference.
    pub image: String,
    /// `canary`, `stable`, `active`, `preview`, `ping`, `pong`, or `Σ:<template>` for
    /// experiment ReplicaSets.
    pub tags: Vec<String>,
}

/// One container of the rollout's pod template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContainerInfo {
    /// Container name.
    pub name: String,
    /// Image reference.
    pub image: String,
}

/// Summary of a rollout and the tree of its children.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutInfo {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// UID.
    pub uid: String,
    /// `metadata.generation`.
    pub generation: i64,
    /// `status.observedGeneration` as text.
    pub observed_generation: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// Strategy; `None` when the spec names neither.
    pub strategy: Option<Strategy>,
    /// Phase.
    pub status: RolloutPhase,
    /// Phase message (`""` when healthy).
    pub message: String,
    /// `status.currentStepIndex`, only for canaries with steps.
    pub current_step: Option<i32>,
    /// Number of canary steps; `None` without steps (or for blue-green).
    pub step_count: Option<i32>,
    /// Desired canary weight (canary only).
    pub set_weight: Option<i32>,
    /// Weight actually served to the canary (canary only).
    pub actual_weight: Option<i32>,
    /// Images of the ReplicaSets that have pods, sorted, with role tags.
    pub images: Vec<ImageInfo>,
    /// Containers of the rollout's own pod template (empty with `spec.workloadRef`:
    /// upstream reads them from the referenced Deployment, which is not among the
    /// related objects).
    pub containers: Vec<ContainerInfo>,
    /// `spec.replicas` (default 1).
    pub desired: i32,
    /// `status.replicas`.
    pub current: i32,
    /// `status.updatedReplicas`.
    pub updated: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `status.stableRS` (pod-template hash), if set.
    pub stable_hash: Option<String>,
    /// `status.currentPodHash`, if set.
    pub current_hash: Option<String>,
    /// Revision of the stable ReplicaSet.
    pub stable_revision: Option<i64>,
    /// Revision of the desired ReplicaSet while it is not yet stable.
    pub canary_revision: Option<i64>,
    /// Phase of the newest AnalysisRun of the current revision.
    pub analysis_status: Option<String>,
    /// `spec.paused`.
    pub paused: bool,
    /// `status.abort`.
    pub aborted: bool,
    /// Reasons of `status.pauseConditions`.
    pub pause_reasons: Vec<String>,
    /// Children grouped by revision, newest first.
    pub revisions: Vec<RevisionInfo>,
    /// Canary steps with their state.
    pub steps: Vec<StepInfo>,
}

impl RolloutInfo {
    /// `"<current>/<count>"` as upstream shows it, or `""` without steps.
    #[must_use]
    pub fn step(&self) -> String {
        match (self.current_step, self.step_count) {
            (Some(c), Some(n)) => format!("{c}/{n}"),
            _ => String::new(),
        }
    }

    /// Strategy name, `""` when none.
    #[must_use]
    pub fn strategy_name(&self) -> String {
        self.strategy.map(|s| s.to_string()).unwrap_or_default()
    }

    /// First image tagged `stable`.
    #[must_use]
    pub fn stable_image(&self) -> Option<&str> {
        self.image_tagged(&["stable"])
    }

    /// First image tagged `canary`, else (blue-green) the first tagged `preview`.
    #[must_use]
    pub fn canary_image(&self) -> Option<&str> {
        self.image_tagged(&["canary"])
            .or_else(|| self.image_tagged(&["preview"]))
    }

    fn image_tagged(&self, wanted: &[&str]) -> Option<&str> {
        self.images
            .iter()
            .find(|i| i.tags.iter().any(|t| wanted.contains(&t.as_str())))
            .map(|i| i.image.as_str())
    }

    /// The rollout's ReplicaSets, newest revision first.
    pub fn replica_sets(&self) -> impl Iterator<Item = &ReplicaSetInfo> {
        self.revisions.iter().flat_map(|r| r.replica_sets.iter())
    }

    /// The rollout's Experiments, newest revision first.
    pub fn experiments(&self) -> impl Iterator<Item = &ExperimentInfo> {
        self.revisions.iter().flat_map(|r| r.experiments.iter())
    }

    /// Every AnalysisRun: the rollout's own, then those of each experiment, by revision.
    pub fn analysis_runs(&self) -> impl Iterator<Item = &AnalysisRunInfo> {
        self.revisions.iter().flat_map(|r| {
            r.analysis_runs
                .iter()
                .chain(r.experiments.iter().flat_map(|e| e.analysis_runs.iter()))
        })
    }

    /// Every measurement of every AnalysisRun (see [`RolloutInfo::analysis_runs`]).
    pub fn measurements(&self) -> impl Iterator<Item = &MeasurementInfo> {
        self.analysis_runs().flat_map(|a| a.measurements.iter())
    }
}

/// The children of one revision.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisionInfo {
    /// Revision number (0 when the annotation is missing).
    pub revision: i64,
    /// ReplicaSets of this revision.
    pub replica_sets: Vec<ReplicaSetInfo>,
    /// Experiments of this revision.
    pub experiments: Vec<ExperimentInfo>,
    /// AnalysisRuns of this revision (owned by the rollout).
    pub analysis_runs: Vec<AnalysisRunInfo>,
}

/// Health of a ReplicaSet as upstream reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ReplicaSetStatus {
    /// All desired pods available.
    Healthy,
    /// Not yet observed, or fewer available pods than desired.
    Progressing,
    /// Scaled to zero.
    ScaledDown,
    /// The `ReplicaFailure` condition is true (pods cannot be created).
    ReplicaFailure,
}

impl ReplicaSetStatus {
    /// Status name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "Healthy",
            Self::Progressing => "Progressing",
            Self::ScaledDown => "ScaledDown",
            Self::ReplicaFailure => "ReplicaFailure",
        }
    }

    /// Icon shown before the status.
    #[must_use]
    pub fn icon(self) -> &'static str {
        match self {
            Self::Healthy => ICON_OK,
            Self::Progressing => ICON_PROGRESSING,
            Self::ScaledDown => ICON_NEUTRAL,
            Self::ReplicaFailure => ICON_BAD,
        }
    }
}

impl fmt::Display for ReplicaSetStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Roles of a ReplicaSet within its rollout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Roles {
    /// Hash equals `status.stableRS`.
    pub stable: bool,
    /// Canary: hash equals `status.currentPodHash` and is not stable.
    pub canary: bool,
    /// Blue-green: selected by the active service.
    pub active: bool,
    /// Blue-green: selected by the preview service.
    pub preview: bool,
    /// Ping-pong: behind the ping service.
    pub ping: bool,
    /// Ping-pong: behind the pong service.
    pub pong: bool,
}

/// One ReplicaSet of the rollout (or of an experiment).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaSetInfo {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// UID.
    pub uid: String,
    /// Rollout revision (0 when the annotation is missing).
    pub revision: i64,
    /// `rollouts-pod-template-hash` label.
    pub pod_template_hash: String,
    /// Experiment template name, for experiment ReplicaSets.
    pub template: String,
    /// Health.
    pub status: ReplicaSetStatus,
    /// Roles (all false for experiment ReplicaSets).
    pub roles: Roles,
    /// Raw `scale-down-deadline` annotation.
    pub scale_down_deadline: Option<String>,
    /// INFO column: roles and `delay:<left>` joined by commas.
    pub info: String,
    /// `spec.replicas`.
    pub desired: Option<i32>,
    /// `status.replicas`.
    pub replicas: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// Container images of the pod template.
    pub images: Vec<String>,
    /// Init-container images of the pod template.
    pub init_images: Vec<String>,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// Pods, oldest first.
    pub pods: Vec<PodInfo>,
}

/// One pod of a ReplicaSet.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodInfo {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// UID.
    pub uid: String,
    /// Status as `kubectl get pods` shows it (`Running`, `ImagePullBackOff`, `Init:0/1`).
    pub status: String,
    /// `"<ready>/<total>"` containers.
    pub ready: String,
    /// Container restarts.
    pub restarts: i32,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
}

impl PodInfo {
    /// Icon shown before the status.
    #[must_use]
    pub fn icon(&self) -> &'static str {
        replicaset::pod_icon(&self.status)
    }

    /// INFO column: `ready:R/T`, plus `restarts:N` when non-zero.
    #[must_use]
    pub fn info(&self) -> String {
        if self.restarts > 0 {
            format!("ready:{},restarts:{}", self.ready, self.restarts)
        } else {
            format!("ready:{}", self.ready)
        }
    }
}

/// One Experiment of the rollout.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExperimentInfo {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// UID.
    pub uid: String,
    /// Rollout revision.
    pub revision: i64,
    /// Phase.
    pub status: String,
    /// Phase message.
    pub message: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// ReplicaSets of the experiment.
    pub replica_sets: Vec<ReplicaSetInfo>,
    /// AnalysisRuns of the experiment.
    pub analysis_runs: Vec<AnalysisRunInfo>,
}

impl ExperimentInfo {
    /// Icon shown before the phase.
    #[must_use]
    pub fn icon(&self) -> &'static str {
        analysis_icon(&self.status)
    }
}

/// One AnalysisRun.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisRunInfo {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// UID.
    pub uid: String,
    /// Rollout revision.
    pub revision: i64,
    /// Phase.
    pub status: String,
    /// Phase message.
    pub message: String,
    /// Creation time.
    pub created: Option<DateTime<Utc>>,
    /// Successful measurements over all metrics.
    pub successful: i32,
    /// Failed measurements.
    pub failed: i32,
    /// Inconclusive measurements.
    pub inconclusive: i32,
    /// Errored measurements.
    pub error: i32,
    /// Metrics of the run.
    pub metrics: Vec<MetricInfo>,
    /// Jobs of job metrics, in measurement order.
    pub jobs: Vec<JobInfo>,
    /// Every measurement, in metric then measurement order.
    pub measurements: Vec<MeasurementInfo>,
}

impl AnalysisRunInfo {
    /// Icon shown before the phase.
    #[must_use]
    pub fn icon(&self) -> &'static str {
        analysis_icon(&self.status)
    }

    /// INFO column: non-zero counts as `✔ 4,✖ 4,? 1,⚠ 1`.
    #[must_use]
    pub fn summary(&self) -> String {
        [
            (ICON_OK, self.successful),
            (ICON_BAD, self.failed),
            (ICON_UNKNOWN, self.inconclusive),
            (ICON_WARNING, self.error),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(icon, n)| format!("{icon} {n}"))
        .collect::<Vec<_>>()
        .join(",")
    }
}

/// One metric of an AnalysisRun.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricInfo {
    /// Metric name.
    pub name: String,
    /// Phase from `status.metricResults` (`""` before the first measurement).
    pub phase: String,
    /// Success condition expression.
    pub success_condition: String,
    /// Failure condition expression.
    pub failure_condition: String,
    /// Planned measurements, as written (number or template).
    pub count: Option<String>,
    /// Failure limit, as written.
    pub failure_limit: Option<String>,
    /// Inconclusive limit, as written.
    pub inconclusive_limit: Option<String>,
}

/// A Job run by a job metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobInfo {
    /// Job name (measurement metadata `job-name`).
    pub name: String,
    /// Job namespace (`job-namespace`, else the run's).
    pub namespace: String,
    /// Phase of the measurement that ran the job.
    pub status: String,
    /// Metric name.
    pub metric: String,
    /// Measurement start (upstream's job age), else the Job's creation time.
    pub created: Option<DateTime<Utc>>,
    /// UID of the Job object, when it is among the related objects.
    pub uid: Option<String>,
}

impl JobInfo {
    /// Icon shown before the phase.
    #[must_use]
    pub fn icon(&self) -> &'static str {
        analysis_icon(&self.status)
    }
}

/// One measurement, flattened for tables.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeasurementInfo {
    /// AnalysisRun name.
    pub run: String,
    /// Metric name.
    pub metric: String,
    /// Measurement phase.
    pub phase: String,
    /// Measured value as text.
    pub value: String,
    /// Start time.
    pub started_at: Option<DateTime<Utc>>,
    /// End time.
    pub finished_at: Option<DateTime<Utc>>,
    /// Message (errors).
    pub message: String,
    /// Job of a job metric.
    pub job_name: Option<String>,
}

/// Kind of a canary step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StepKind {
    /// `setWeight`.
    SetWeight,
    /// `pause`.
    Pause,
    /// `analysis`.
    Analysis,
    /// `experiment`.
    Experiment,
    /// `setCanaryScale`.
    SetCanaryScale,
    /// `setHeaderRoute`.
    SetHeaderRoute,
    /// `setMirrorRoute`.
    SetMirrorRoute,
    /// `plugin`.
    Plugin,
    /// A step with none of the known fields.
    Invalid,
}

/// Where the rollout is relative to a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum StepState {
    /// Before the current step.
    Done,
    /// The current step.
    Current,
    /// After the current step.
    Pending,
}

/// One canary step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepInfo {
    /// Zero-based index.
    pub index: i32,
    /// Kind.
    pub kind: StepKind,
    /// Human-readable argument (`20`, `10s`, `indefinite`, template names...).
    pub value: String,
    /// Done, current or pending.
    pub state: StepState,
}

/// Icon of an analysis, experiment or measurement phase.
#[must_use]
pub fn analysis_icon(phase: &str) -> &'static str {
    match phase {
        "Successful" => ICON_OK,
        "Inconclusive" => ICON_UNKNOWN,
        "Failed" => ICON_BAD,
        "Error" => ICON_WARNING,
        "Running" => ICON_PROGRESSING,
        "Pending" => ICON_WAITING,
        _ => " ",
    }
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
    fn analysis_summary_lists_only_non_zero_counts() {
        let mut run = AnalysisRunInfo {
            name: "r".into(),
            namespace: "ns".into(),
            uid: "u".into(),
            revision: 1,
            status: "Running".into(),
            message: String::new(),
            created: None,
            successful: 0,
            failed: 0,
            inconclusive: 0,
            error: 0,
            metrics: Vec::new(),
            jobs: Vec::new(),
            measurements: Vec::new(),
        };
        assert_eq!(run.summary(), "");
        run.failed = 2;
        run.error = 1;
        assert_eq!(run.summary(), "✖ 2,⚠ 1");
        assert_eq!(run.icon(), ICON_PROGRESSING);
    }

    #[test]
    fn unknown_phases_keep_their_text_and_get_upstream_icons() {
        assert_eq!(RolloutPhase::parse("Error").icon(), ICON_WARNING);
        assert_eq!(RolloutPhase::parse("Whatever").icon(), " ");
        assert_eq!(RolloutPhase::parse("Whatever").to_string(), "Whatever");
        assert_eq!(
            serde_json::to_value(RolloutPhase::Paused).unwrap(),
            serde_json::json!("Paused")
        );
        assert_eq!(analysis_icon("Pending"), ICON_WAITING);
        assert_eq!(analysis_icon(""), " ");
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
