//! The public results of rollout info: [`RolloutInfo`] and the per-object infos it
//! nests, their status enums and upstream's icons.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use super::replicaset;

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
    pub(crate) fn parse(s: &str) -> Self {
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

impl Roles {
    /// The role names set, in upstream's order (`stable`, `canary`, `active`, ...).
    #[must_use]
    pub fn names(&self) -> Vec<&'static str> {
        [
            (self.stable, "stable"),
            (self.canary, "canary"),
            (self.active, "active"),
            (self.preview, "preview"),
            (self.ping, "ping"),
            (self.pong, "pong"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect()
    }
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

impl StepKind {
    /// The kind as the query model names it (`setWeight`, `pause`, ...).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::SetWeight => "setWeight",
            StepKind::Pause => "pause",
            StepKind::Analysis => "analysis",
            StepKind::Experiment => "experiment",
            StepKind::SetCanaryScale => "setCanaryScale",
            StepKind::SetHeaderRoute => "setHeaderRoute",
            StepKind::SetMirrorRoute => "setMirrorRoute",
            StepKind::Plugin => "plugin",
            StepKind::Invalid => "invalid",
        }
    }
}

impl StepState {
    /// `done`, `current` or `pending`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Pending => "pending",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
