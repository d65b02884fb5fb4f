//! Argo Rollouts custom resources (`argoproj.io/v1alpha1`): partial serde types for
//! `Rollout`, `AnalysisRun` and `Experiment` holding the fields that rollout info reads,
//! `kube::Resource` impls so they can be listed and watched with `kube::Api`, and
//! [`ObjectSet`], which decodes multi-document YAML (fixtures, saved `kubectl get -o
//! yaml` output) into these types and the Kubernetes built-ins they relate to.
//!
//! Every struct ignores unknown fields and defaults missing ones, so objects written by
//! older or newer controllers decode. `status.observedGeneration` is accepted both as a
//! string (controllers up to v0.9 stored a hash there) and as a number.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Deserializer, Serialize};

/// API group of the Argo Rollouts resources.
pub const GROUP: &str = "argoproj.io";
/// API version of the Argo Rollouts resources.
pub const VERSION: &str = "v1alpha1";

/// Annotation holding a ReplicaSet's (or AnalysisRun's, Experiment's) rollout revision.
pub const REVISION_ANNOTATION: &str = "rollout.argoproj.io/revision";
/// Label holding a ReplicaSet's or Pod's pod-template hash.
pub const POD_TEMPLATE_HASH_LABEL: &str = "rollouts-pod-template-hash";
/// Annotation naming the experiment template a ReplicaSet was created from.
pub const EXPERIMENT_TEMPLATE_ANNOTATION: &str = "experiment.argoproj.io/template-name";
/// Annotation with the RFC 3339 time at which an old ReplicaSet will be scaled down.
pub const SCALE_DOWN_DEADLINE_ANNOTATION: &str = "scale-down-deadline";
/// Measurement metadata key naming the Job a job metric ran.
pub const JOB_NAME_KEY: &str = "job-name";
/// Measurement metadata key naming the namespace of that Job.
pub const JOB_NAMESPACE_KEY: &str = "job-namespace";

/// Errors from decoding Argo (and related Kubernetes) objects out of YAML.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text is not valid YAML.
    #[error("invalid YAML document")]
    Yaml(#[source] serde_yaml::Error),
    /// A document is valid YAML but does not decode as its `kind`.
    #[error("cannot decode {kind} {name:?}")]
    Decode {
        /// The document's `kind`.
        kind: String,
        /// The document's `metadata.name`, if any.
        name: String,
        /// What serde reported.
        #[source]
        source: serde_yaml::Error,
    },
    /// A file or directory could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// What the OS reported.
        #[source]
        source: std::io::Error,
    },
}

/// Accepts a JSON/YAML string or number and keeps its text (`"429"` and `429` both give
/// `Some("429")`); null gives `None`.
fn string_or_number<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Str(String),
        Int(i64),
        Uint(u64),
        Float(f64),
    }
    Ok(match Option::<Raw>::deserialize(de)? {
        None => None,
        Some(Raw::Str(s)) => Some(s),
        Some(Raw::Int(i)) => Some(i.to_string()),
        Some(Raw::Uint(u)) => Some(u.to_string()),
        Some(Raw::Float(f)) => Some(f.to_string()),
    })
}

macro_rules! argo_resource {
    ($ty:ty, $kind:literal, $plural:literal) => {
        impl kube::Resource for $ty {
            type DynamicType = ();
            type Scope = k8s_openapi::NamespaceResourceScope;

            fn kind(_: &()) -> Cow<'_, str> {
                Cow::Borrowed($kind)
            }
            fn group(_: &()) -> Cow<'_, str> {
                Cow::Borrowed(GROUP)
            }
            fn version(_: &()) -> Cow<'_, str> {
                Cow::Borrowed(VERSION)
            }
            fn plural(_: &()) -> Cow<'_, str> {
                Cow::Borrowed($plural)
            }
            fn meta(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

// ---------------------------------------------------------------------------------------
// Rollout
// ---------------------------------------------------------------------------------------

/// An Argo Rollout (`argoproj.io/v1alpha1`, kind `Rollout`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Rollout {
    /// Standard object metadata.
    pub metadata: ObjectMeta,
    /// Desired state.
    pub spec: RolloutSpec,
    /// State reported by the controller.
    pub status: RolloutStatus,
}
argo_resource!(Rollout, "Rollout", "rollouts");

/// `Rollout.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutSpec {
    /// Desired pods; Argo defaults a missing value to 1.
    pub replicas: Option<i32>,
    /// Pod template (absent when `workloadRef` is used).
    pub template: Option<PodTemplateSpec>,
    /// Reference to a Deployment (or other workload) providing the pod template.
    pub workload_ref: Option<ObjectRef>,
    /// Deployment strategy.
    pub strategy: RolloutStrategy,
    /// Manually paused (`kubectl argo rollouts pause`).
    pub paused: bool,
    /// Seconds before a non-progressing update is reported as failed.
    pub progress_deadline_seconds: Option<i32>,
    /// Abort the update when the progress deadline is exceeded.
    pub progress_deadline_abort: bool,
    /// Restart every pod created before this time.
    pub restart_at: Option<DateTime<Utc>>,
    /// Minimum seconds a new pod must be ready to count as available.
    pub min_ready_seconds: Option<i32>,
    /// Old ReplicaSets to keep.
    pub revision_history_limit: Option<i32>,
}

/// `spec.workloadRef`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectRef {
    /// API version of the referenced workload.
    pub api_version: String,
    /// Kind of the referenced workload.
    pub kind: String,
    /// Name of the referenced workload.
    pub name: String,
    /// How the referenced workload is scaled down (`never`, `onsuccess`, `progressively`).
    pub scale_down: String,
}

/// `spec.strategy`: exactly one of the two is set on a valid rollout.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutStrategy {
    /// Blue-green strategy.
    pub blue_green: Option<BlueGreenStrategy>,
    /// Canary strategy.
    pub canary: Option<CanaryStrategy>,
}

/// `spec.strategy.blueGreen`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BlueGreenStrategy {
    /// Service pointing at the live ReplicaSet.
    pub active_service: String,
    /// Service pointing at the new ReplicaSet before promotion.
    pub preview_service: String,
    /// Replicas of the preview ReplicaSet before promotion.
    pub preview_replica_count: Option<i32>,
    /// Promote automatically (default true).
    pub auto_promotion_enabled: Option<bool>,
    /// Seconds to wait before automatic promotion.
    pub auto_promotion_seconds: Option<i32>,
    /// Seconds before the old ReplicaSet is scaled down after promotion.
    pub scale_down_delay_seconds: Option<i32>,
    /// Analysis run before promotion.
    pub pre_promotion_analysis: Option<RolloutAnalysis>,
    /// Analysis run after promotion.
    pub post_promotion_analysis: Option<RolloutAnalysis>,
}

/// `spec.strategy.canary`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CanaryStrategy {
    /// Service selecting the canary pods.
    pub canary_service: String,
    /// Service selecting the stable pods.
    pub stable_service: String,
    /// Ordered steps of the update.
    pub steps: Vec<CanaryStep>,
    /// Traffic shaping through a mesh or ingress; without it weights follow pod counts.
    pub traffic_routing: Option<TrafficRouting>,
    /// Background analysis that runs for the whole update.
    pub analysis: Option<RolloutAnalysis>,
    /// Ping-pong services (stable and canary swap between `ping` and `pong`).
    pub ping_pong: Option<PingPongSpec>,
    /// Scale the stable ReplicaSet down as traffic moves away from it.
    pub dynamic_stable_scale: bool,
    /// Extra pods allowed above the desired count during the update.
    pub max_surge: Option<IntOrString>,
    /// Pods allowed to be unavailable during the update.
    pub max_unavailable: Option<IntOrString>,
    /// Seconds before the old ReplicaSet is scaled down.
    pub scale_down_delay_seconds: Option<i32>,
}

/// `spec.strategy.canary.pingPong`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PingPongSpec {
    /// Name of the `ping` service.
    pub ping_service: String,
    /// Name of the `pong` service.
    pub pong_service: String,
}

/// `spec.strategy.canary.trafficRouting`. The provider blocks (`istio`, `nginx`, `alb`,
/// `smi`, `plugins`, ...) are kept as raw JSON keyed by provider name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrafficRouting {
    /// Weight that means "all traffic" (default 100).
    pub max_traffic_weight: Option<i32>,
    /// Routes managed by `setHeaderRoute` / `setMirrorRoute` steps.
    pub managed_routes: Vec<ManagedRoute>,
    /// Every other key: one entry per traffic provider.
    #[serde(flatten)]
    pub providers: BTreeMap<String, serde_json::Value>,
}

/// One entry of `trafficRouting.managedRoutes`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ManagedRoute {
    /// Route name.
    pub name: String,
}

/// One canary step: exactly one field is set on a valid step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CanaryStep {
    /// Percentage of traffic (or pods) sent to the canary.
    pub set_weight: Option<i32>,
    /// Pause, for a duration or until promoted.
    pub pause: Option<RolloutPause>,
    /// Run an Experiment.
    pub experiment: Option<RolloutExperimentStep>,
    /// Run an AnalysisRun and wait for it.
    pub analysis: Option<RolloutAnalysis>,
    /// Scale the canary independently of its traffic weight.
    pub set_canary_scale: Option<SetCanaryScale>,
    /// Route requests matching headers to the canary.
    pub set_header_route: Option<NamedRoute>,
    /// Mirror matching requests to the canary.
    pub set_mirror_route: Option<NamedRoute>,
    /// Run a step plugin.
    pub plugin: Option<PluginStep>,
}

/// `steps[].pause`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutPause {
    /// Seconds (number) or a Go duration string (`"10s"`, `"1h"`); none = until promoted.
    pub duration: Option<IntOrString>,
}

/// `steps[].experiment`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutExperimentStep {
    /// ReplicaSets the experiment runs.
    pub templates: Vec<RolloutExperimentTemplate>,
    /// How long the experiment runs (Go duration string).
    pub duration: Option<String>,
    /// Analyses run alongside.
    pub analyses: Vec<ExperimentAnalysisRef>,
}

/// `steps[].experiment.templates[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutExperimentTemplate {
    /// Template name.
    pub name: String,
    /// `stable` or `canary`: which pod template the experiment copies.
    pub spec_ref: String,
    /// Replicas of this template.
    pub replicas: Option<i32>,
    /// Traffic weight given to this template.
    pub weight: Option<i32>,
}

/// An analysis attached to an experiment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExperimentAnalysisRef {
    /// Name of the analysis within the experiment.
    pub name: String,
    /// AnalysisTemplate it instantiates.
    pub template_name: String,
}

/// An analysis block (`steps[].analysis`, `canary.analysis`, blue-green pre/post).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutAnalysis {
    /// Templates merged into one AnalysisRun.
    pub templates: Vec<AnalysisTemplateRef>,
    /// Arguments passed to the templates.
    pub args: Vec<AnalysisRunArgument>,
    /// Step at which background analysis starts (background analysis only).
    pub starting_step: Option<i32>,
}

/// One AnalysisTemplate reference.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisTemplateRef {
    /// Template name.
    pub template_name: String,
    /// A ClusterAnalysisTemplate rather than a namespaced one.
    pub cluster_scope: Option<bool>,
}

/// One analysis argument.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisRunArgument {
    /// Argument name.
    pub name: String,
    /// Literal value.
    pub value: Option<String>,
    /// Where the value comes from (pod template hash, field ref), kept raw.
    pub value_from: Option<serde_json::Value>,
}

/// `steps[].setCanaryScale`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SetCanaryScale {
    /// Canary pods as a percentage of the desired replicas.
    pub weight: Option<i32>,
    /// Canary pods as an absolute count.
    pub replicas: Option<i32>,
    /// Canary pods follow the traffic weight again.
    pub match_traffic_weight: bool,
}

/// `steps[].setHeaderRoute` / `steps[].setMirrorRoute` (only the name is kept).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NamedRoute {
    /// Managed route name.
    pub name: String,
}

/// `steps[].plugin`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PluginStep {
    /// Plugin name.
    pub name: String,
    /// Plugin configuration, kept raw.
    pub config: Option<serde_json::Value>,
}

/// `Rollout.status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutStatus {
    /// The update was aborted.
    pub abort: bool,
    /// Why the controller paused the rollout.
    pub pause_conditions: Vec<PauseCondition>,
    /// The controller (not the user) paused the rollout.
    pub controller_pause: bool,
    /// When the update was aborted.
    pub aborted_at: Option<DateTime<Utc>>,
    /// Pod-template hash of the desired (newest) ReplicaSet.
    pub current_pod_hash: String,
    /// Hash of the steps list.
    pub current_step_hash: String,
    /// Pods of all ReplicaSets.
    pub replicas: i32,
    /// Pods of the desired ReplicaSet.
    pub updated_replicas: i32,
    /// Ready pods.
    pub ready_replicas: i32,
    /// Available pods.
    pub available_replicas: i32,
    /// Index of the current canary step.
    pub current_step_index: Option<i32>,
    /// Generation the controller last acted on (a string or a number).
    #[serde(deserialize_with = "string_or_number")]
    pub observed_generation: Option<String>,
    /// Conditions (Available, Progressing, InvalidSpec, ...).
    pub conditions: Vec<RolloutCondition>,
    /// Canary-specific status.
    pub canary: CanaryStatus,
    /// Blue-green-specific status.
    pub blue_green: BlueGreenStatus,
    /// Pods counted for the HPA.
    #[serde(rename = "HPAReplicas")]
    pub hpa_replicas: Option<i32>,
    /// Label selector in string form.
    pub selector: String,
    /// Pod-template hash of the stable ReplicaSet.
    #[serde(rename = "stableRS")]
    pub stable_rs: String,
    /// When the last restart finished.
    pub restarted_at: Option<DateTime<Utc>>,
    /// Promote fully, skipping the remaining steps.
    pub promote_full: bool,
    /// Phase computed by the controller (v1.0+).
    pub phase: String,
    /// Message computed by the controller (v1.0+).
    pub message: String,
    /// Generation of the referenced workload the controller last acted on.
    #[serde(deserialize_with = "string_or_number")]
    pub workload_observed_generation: Option<String>,
}

/// One `status.pauseConditions` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PauseCondition {
    /// `CanaryPauseStep`, `BlueGreenPause`, `InconclusiveAnalysisRun`, ...
    pub reason: String,
    /// When the pause started.
    pub start_time: Option<DateTime<Utc>>,
}

/// One `status.conditions` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutCondition {
    /// Condition type (`Available`, `Progressing`, `Paused`, `Healthy`, `InvalidSpec`...).
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Machine-readable reason.
    pub reason: String,
    /// Human-readable message.
    pub message: String,
    /// Last time the condition was updated.
    pub last_update_time: Option<DateTime<Utc>>,
    /// Last time the condition changed status.
    pub last_transition_time: Option<DateTime<Utc>>,
}

/// `status.canary`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CanaryStatus {
    /// AnalysisRun of the current analysis step.
    pub current_step_analysis_run_status: Option<RolloutAnalysisRunStatus>,
    /// Background AnalysisRun.
    pub current_background_analysis_run_status: Option<RolloutAnalysisRunStatus>,
    /// Experiment of the current experiment step.
    pub current_experiment: String,
    /// Weights reported by the traffic router.
    pub weights: Option<TrafficWeights>,
    /// `ping` or `pong`: which ping-pong service the stable ReplicaSet is behind.
    pub stable_ping_pong: String,
}

/// `status.blueGreen`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BlueGreenStatus {
    /// Pod-template hash the preview service selects.
    pub preview_selector: String,
    /// Pod-template hash the active service selects.
    pub active_selector: String,
    /// The preview ReplicaSet was scaled up for promotion.
    pub scale_up_preview_check_point: bool,
    /// Pre-promotion AnalysisRun.
    pub pre_promotion_analysis_run_status: Option<RolloutAnalysisRunStatus>,
    /// Post-promotion AnalysisRun.
    pub post_promotion_analysis_run_status: Option<RolloutAnalysisRunStatus>,
}

/// Reference to an AnalysisRun from the rollout status.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RolloutAnalysisRunStatus {
    /// AnalysisRun name.
    pub name: String,
    /// Its phase.
    pub status: String,
    /// Its message.
    pub message: String,
}

/// `status.canary.weights`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrafficWeights {
    /// Weight routed to the canary.
    pub canary: WeightDestination,
    /// Weight routed to the stable ReplicaSet.
    pub stable: WeightDestination,
    /// Weights routed to experiment ReplicaSets.
    pub additional: Vec<WeightDestination>,
    /// Whether the weights were verified against the traffic provider.
    pub verified: Option<bool>,
}

/// One traffic destination and its weight.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WeightDestination {
    /// Weight (0..maxTrafficWeight).
    pub weight: i32,
    /// Service receiving it.
    pub service_name: String,
    /// Pod-template hash behind that service.
    pub pod_template_hash: String,
}

// ---------------------------------------------------------------------------------------
// AnalysisRun
// ---------------------------------------------------------------------------------------

/// An Argo AnalysisRun (`argoproj.io/v1alpha1`, kind `AnalysisRun`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisRun {
    /// Standard object metadata.
    pub metadata: ObjectMeta,
    /// Metrics to measure.
    pub spec: AnalysisRunSpec,
    /// Measurements so far.
    pub status: AnalysisRunStatus,
}
argo_resource!(AnalysisRun, "AnalysisRun", "analysisruns");

/// `AnalysisRun.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisRunSpec {
    /// Metrics measured by the run.
    pub metrics: Vec<Metric>,
    /// The run was asked to stop.
    pub terminate: bool,
}

/// One metric of an AnalysisRun.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Metric {
    /// Metric name.
    pub name: String,
    /// Time between measurements (Go duration string).
    pub interval: Option<String>,
    /// Delay before the first measurement.
    pub initial_delay: Option<String>,
    /// Number of measurements.
    pub count: Option<IntOrString>,
    /// Expression a successful measurement satisfies.
    pub success_condition: Option<String>,
    /// Expression a failed measurement satisfies.
    pub failure_condition: Option<String>,
    /// Failed measurements tolerated.
    pub failure_limit: Option<IntOrString>,
    /// Inconclusive measurements tolerated.
    pub inconclusive_limit: Option<IntOrString>,
    /// Consecutive errors tolerated.
    pub consecutive_error_limit: Option<IntOrString>,
    /// Metric provider (prometheus, job, web, ...), kept raw.
    pub provider: Option<serde_json::Value>,
}

/// `AnalysisRun.status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AnalysisRunStatus {
    /// Pending, Running, Successful, Failed, Error or Inconclusive.
    pub phase: String,
    /// Why the run ended as it did.
    pub message: String,
    /// Per-metric results.
    pub metric_results: Vec<MetricResult>,
    /// When the run started.
    pub started_at: Option<DateTime<Utc>>,
    /// When the run completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Counts over all metrics.
    pub run_summary: RunSummary,
}

/// `status.runSummary`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunSummary {
    /// Metrics.
    pub count: i32,
    /// Successful metrics.
    pub successful: i32,
    /// Failed metrics.
    pub failed: i32,
    /// Inconclusive metrics.
    pub inconclusive: i32,
    /// Errored metrics.
    pub error: i32,
}

/// One `status.metricResults` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricResult {
    /// Metric name.
    pub name: String,
    /// Phase of this metric.
    pub phase: String,
    /// Measurements taken (oldest first).
    pub measurements: Vec<Measurement>,
    /// Message of the last measurement or error.
    pub message: String,
    /// Measurements taken.
    pub count: i32,
    /// Successful measurements.
    pub successful: i32,
    /// Failed measurements.
    pub failed: i32,
    /// Inconclusive measurements.
    pub inconclusive: i32,
    /// Errored measurements.
    pub error: i32,
    /// Consecutive errors.
    pub consecutive_error: i32,
    /// The metric runs in dry-run mode.
    pub dry_run: bool,
}

/// One measurement of a metric.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Measurement {
    /// Phase of this measurement.
    pub phase: String,
    /// Message (errors).
    pub message: String,
    /// When the measurement started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Measured value as text (`"0.99"`, `"[0.98]"`).
    pub value: String,
    /// Provider metadata (`job-name` for job metrics).
    pub metadata: Option<BTreeMap<String, String>>,
    /// When a suspended measurement resumes.
    pub resume_at: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------
// Experiment
// ---------------------------------------------------------------------------------------

/// An Argo Experiment (`argoproj.io/v1alpha1`, kind `Experiment`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Experiment {
    /// Standard object metadata.
    pub metadata: ObjectMeta,
    /// Templates and analyses.
    pub spec: ExperimentSpec,
    /// Progress.
    pub status: ExperimentStatus,
}
argo_resource!(Experiment, "Experiment", "experiments");

/// `Experiment.spec` (pod templates are not kept).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExperimentSpec {
    /// ReplicaSets the experiment runs.
    pub templates: Vec<ExperimentTemplate>,
    /// How long the experiment runs.
    pub duration: Option<String>,
    /// The experiment was asked to stop.
    pub terminate: bool,
    /// Analyses run alongside.
    pub analyses: Vec<ExperimentAnalysisRef>,
}

/// One `spec.templates` entry (name and size only).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExperimentTemplate {
    /// Template name.
    pub name: String,
    /// Replicas.
    pub replicas: Option<i32>,
}

/// `Experiment.status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExperimentStatus {
    /// Pending, Running, Successful, Failed, Error or Inconclusive.
    pub phase: String,
    /// Why the experiment is in that phase.
    pub message: String,
    /// Per-template progress.
    pub template_statuses: Vec<TemplateStatus>,
    /// When all templates became available.
    pub available_at: Option<DateTime<Utc>>,
    /// AnalysisRuns of the experiment.
    pub analysis_runs: Vec<ExperimentAnalysisRunStatus>,
}

/// One `status.templateStatuses` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TemplateStatus {
    /// Template name.
    pub name: String,
    /// Pods.
    pub replicas: i32,
    /// Updated pods.
    pub updated_replicas: i32,
    /// Ready pods.
    pub ready_replicas: i32,
    /// Available pods.
    pub available_replicas: i32,
    /// Template phase.
    pub status: String,
    /// Template message.
    pub message: String,
    /// Pod-template hash of the template's ReplicaSet.
    pub pod_template_hash: String,
}

/// One `status.analysisRuns` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExperimentAnalysisRunStatus {
    /// Analysis name within the experiment.
    pub name: String,
    /// AnalysisRun object name.
    pub analysis_run: String,
    /// Its phase.
    pub phase: String,
    /// Its message.
    pub message: String,
}

// ---------------------------------------------------------------------------------------
// Decoding YAML into typed objects
// ---------------------------------------------------------------------------------------

/// The objects of one or more YAML documents, sorted by kind (in document order within a
/// kind). Kinds other than these six are skipped.
#[derive(Clone, Debug, Default)]
pub struct ObjectSet {
    /// `Rollout` documents.
    pub rollouts: Vec<Rollout>,
    /// `AnalysisRun` documents.
    pub analysis_runs: Vec<AnalysisRun>,
    /// `Experiment` documents.
    pub experiments: Vec<Experiment>,
    /// `ReplicaSet` documents.
    pub replica_sets: Vec<ReplicaSet>,
    /// `Pod` documents.
    pub pods: Vec<Pod>,
    /// `Job` documents.
    pub jobs: Vec<Job>,
    /// Kinds of the documents that were skipped.
    pub skipped_kinds: Vec<String>,
}

impl ObjectSet {
    /// Decodes every document of a (multi-document) YAML text and adds it to the set.
    /// A `List` document (`kind: List`, `items: [...]`) adds each item. The
    /// `apiVersion` is not checked, so `extensions/v1beta1` ReplicaSets decode too.
    ///
    /// # Errors
    /// [`Error::Yaml`] when the text is not YAML, [`Error::Decode`] when a document of
    /// a known kind does not fit its type.
    pub fn add_yaml(&mut self, text: &str) -> Result<(), Error> {
        for doc in serde_yaml::Deserializer::from_str(text) {
            let value = serde_yaml::Value::deserialize(doc).map_err(Error::Yaml)?;
            self.add_value(value)?;
        }
        Ok(())
    }

    /// Decodes a YAML text into a new set (see [`ObjectSet::add_yaml`]).
    ///
    /// # Errors
    /// As [`ObjectSet::add_yaml`].
    pub fn from_yaml(text: &str) -> Result<Self, Error> {
        let mut set = Self::default();
        set.add_yaml(text)?;
        Ok(set)
    }

    /// Reads every `.yaml`/`.yml` file of a directory, in file-name order.
    ///
    /// # Errors
    /// [`Error::Io`] when the directory or a file cannot be read, else as
    /// [`ObjectSet::add_yaml`].
    pub fn from_dir(dir: &Path) -> Result<Self, Error> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
            let path = entry.map_err(io_err(dir))?.path();
            let is_yaml = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e == "yaml" || e == "yml");
            if is_yaml {
                paths.push(path);
            }
        }
        paths.sort();
        let mut set = Self::default();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
            set.add_yaml(&text)?;
        }
        Ok(set)
    }

    fn add_value(&mut self, mut value: serde_yaml::Value) -> Result<(), Error> {
        let kind = value
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or_default()
            .to_string();
        let name = value
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string();
        fn decode<T: serde::de::DeserializeOwned>(
            value: serde_yaml::Value,
            kind: &str,
            name: &str,
        ) -> Result<T, Error> {
            serde_yaml::from_value(value).map_err(|source| Error::Decode {
                kind: kind.to_string(),
                name: name.to_string(),
                source,
            })
        }
        // Older group versions (ReplicaSets as extensions/v1beta1) hold the same fields;
        // the Kubernetes types reject any apiVersion but their own, so drop it.
        if let Some(map) = value.as_mapping_mut() {
            map.remove("apiVersion");
        }
        match kind.as_str() {
            "Rollout" => self.rollouts.push(decode(value, &kind, &name)?),
            "AnalysisRun" => self.analysis_runs.push(decode(value, &kind, &name)?),
            "Experiment" => self.experiments.push(decode(value, &kind, &name)?),
            "ReplicaSet" => self.replica_sets.push(decode(value, &kind, &name)?),
            "Pod" => self.pods.push(decode(value, &kind, &name)?),
            "Job" => self.jobs.push(decode(value, &kind, &name)?),
            "List" => {
                if let Some(serde_yaml::Value::Sequence(items)) = value.get("items").cloned() {
                    for item in items {
                        self.add_value(item)?;
                    }
                }
            }
            _ if value.is_null() => {}
            _ => self.skipped_kinds.push(kind),
        }
        Ok(())
    }

    /// The rollout named `name`, if present.
    #[must_use]
    pub fn rollout(&self, name: &str) -> Option<&Rollout> {
        self.rollouts
            .iter()
            .find(|r| r.metadata.name.as_deref() == Some(name))
    }

    /// Borrows every non-rollout object as the related objects of a rollout.
    #[must_use]
    pub fn related(&self) -> crate::rollout::Related<'_> {
        crate::rollout::Related {
            replica_sets: self.replica_sets.iter().collect(),
            pods: self.pods.iter().collect(),
            analysis_runs: self.analysis_runs.iter().collect(),
            experiments: self.experiments.iter().collect(),
            jobs: self.jobs.iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::Resource;

    #[test]
    fn observed_generation_decodes_from_a_string_or_a_number() {
        let s: RolloutStatus = serde_json::from_str(r#"{"observedGeneration":"429"}"#).unwrap();
        assert_eq!(s.observed_generation.as_deref(), Some("429"));
        let n: RolloutStatus = serde_json::from_str(r#"{"observedGeneration":429}"#).unwrap();
        assert_eq!(n.observed_generation.as_deref(), Some("429"));
        let h: RolloutStatus =
            serde_json::from_str(r#"{"observedGeneration":"7d8f9c6b5"}"#).unwrap();
        assert_eq!(h.observed_generation.as_deref(), Some("7d8f9c6b5"));
        let none: RolloutStatus = serde_json::from_str(r#"{"observedGeneration":null}"#).unwrap();
        assert_eq!(none.observed_generation, None);
    }

    #[test]
    fn rollout_with_unknown_fields_and_no_status_decodes() {
        let r: Rollout = serde_json::from_str(
            r#"{"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout",
                "metadata":{"name":"x"},"spec":{"futureField":1,"strategy":{"canary":{}}}}"#,
        )
        .unwrap();
        assert_eq!(r.metadata.name.as_deref(), Some("x"));
        assert!(r.spec.strategy.canary.is_some());
        assert_eq!(r.status, RolloutStatus::default());
    }

    #[test]
    fn traffic_routing_keeps_provider_blocks_by_name() {
        let t: TrafficRouting = serde_json::from_str(
            r#"{"maxTrafficWeight":1000,"istio":{"virtualService":{"name":"vs"}},"smi":{}}"#,
        )
        .unwrap();
        assert_eq!(t.max_traffic_weight, Some(1000));
        assert_eq!(t.providers.keys().collect::<Vec<_>>(), vec!["istio", "smi"]);
    }

    #[test]
    fn resource_impls_name_the_argo_api() {
        assert_eq!(Rollout::api_version(&()), "argoproj.io/v1alpha1");
        assert_eq!(
            Rollout::url_path(&(), Some("ns")),
            "/apis/argoproj.io/v1alpha1/namespaces/ns/rollouts"
        );
        assert_eq!(AnalysisRun::plural(&()), "analysisruns");
        assert_eq!(AnalysisRun::kind(&()), "AnalysisRun");
        assert_eq!(Experiment::plural(&()), "experiments");
        assert_eq!(Experiment::kind(&()), "Experiment");
    }

    /// The bounds `kube::Api<K>` and `kube::runtime::watcher` need.
    fn assert_watchable<K>()
    where
        K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + serde::de::DeserializeOwned
            + std::fmt::Debug
            + Send
            + Sync
            + 'static,
    {
    }

    #[test]
    fn argo_types_can_be_watched_and_cached_by_kube_reflectors() {
        assert_watchable::<Rollout>();
        assert_watchable::<AnalysisRun>();
        assert_watchable::<Experiment>();
        let (reader, mut writer) = kube::runtime::reflector::store::<Rollout>();
        let mut rollout = Rollout::default();
        rollout.metadata.name = Some("demo".into());
        rollout.metadata.namespace = Some("ns".into());
        writer.apply_watcher_event(&kube::runtime::watcher::Event::Apply(rollout.clone()));
        let key = kube::runtime::reflector::ObjectRef::<Rollout>::new("demo").within("ns");
        assert_eq!(reader.get(&key).as_deref(), Some(&rollout));
        writer.apply_watcher_event(&kube::runtime::watcher::Event::Delete(rollout));
        assert!(reader.state().is_empty());
    }

    #[test]
    fn multi_document_yaml_is_split_by_kind_and_unknown_kinds_are_skipped() {
        let set = ObjectSet::from_yaml(
            "kind: Rollout\nmetadata: {name: a}\n---\nkind: Service\nmetadata: {name: s}\n---\n\
             kind: List\nitems:\n- kind: Pod\n  metadata: {name: p}\n  spec: {containers: []}\n",
        )
        .unwrap();
        assert_eq!(set.rollouts.len(), 1);
        assert_eq!(set.pods.len(), 1);
        assert_eq!(set.skipped_kinds, vec!["Service".to_string()]);
        assert!(set.rollout("a").is_some());
    }

    #[test]
    fn a_document_that_does_not_fit_its_kind_is_an_error_naming_it() {
        let err =
            ObjectSet::from_yaml("kind: Rollout\nmetadata: {name: bad}\nspec: {replicas: many}\n")
                .unwrap_err();
        assert!(err.to_string().contains("Rollout \"bad\""), "{err}");
    }
}
