//! Shrinks watched objects to what rollout info reads, so a watch cache of thousands of
//! pods and ReplicaSets stays small. Each function keeps identity (name, namespace, uid,
//! resourceVersion, generation, timestamps, owner references) and the fields listed in
//! its doc; everything else (managedFields, most of the pod spec, conditions...) goes.
//! `rollout_info` gives the same result before and after stripping.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{ReplicaSet, ReplicaSetSpec, ReplicaSetStatus};
use k8s_openapi::api::batch::v1::{Job, JobStatus};
use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStateTerminated, ContainerStateWaiting, ContainerStatus,
    Pod, PodSpec, PodStatus, PodTemplateSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::argo::{
    AnalysisRun, Experiment, Rollout, EXPERIMENT_TEMPLATE_ANNOTATION, POD_TEMPLATE_HASH_LABEL,
    REVISION_ANNOTATION, SCALE_DOWN_DEADLINE_ANNOTATION,
};

fn keep_keys(map: &mut Option<BTreeMap<String, String>>, keep: impl Fn(&str) -> bool) {
    if let Some(m) = map {
        m.retain(|k, _| keep(k));
        if m.is_empty() {
            *map = None;
        }
    }
}

/// Keeps identity, timestamps, owner references and the chosen labels/annotations.
fn strip_meta(
    meta: &mut ObjectMeta,
    label: impl Fn(&str) -> bool,
    annotation: impl Fn(&str) -> bool,
) {
    meta.managed_fields = None;
    meta.generate_name = None;
    meta.self_link = None;
    meta.finalizers = None;
    keep_keys(&mut meta.labels, label);
    keep_keys(&mut meta.annotations, annotation);
}

fn is_rollout_annotation(key: &str) -> bool {
    key.starts_with("rollout.argoproj.io/")
        || key.starts_with("experiment.argoproj.io/")
        || key == SCALE_DOWN_DEADLINE_ANNOTATION
}

/// Keeps only the container names and images of a pod template (plus the restart
/// policy of init containers, which marks sidecars).
fn strip_template(template: &mut PodTemplateSpec) {
    template.metadata = None;
    if let Some(spec) = &mut template.spec {
        *spec = slim_pod_spec(spec);
    }
}

fn slim_pod_spec(spec: &PodSpec) -> PodSpec {
    let slim = |c: &Container| Container {
        name: c.name.clone(),
        image: c.image.clone(),
        restart_policy: c.restart_policy.clone(),
        ..Container::default()
    };
    PodSpec {
        containers: spec.containers.iter().map(slim).collect(),
        init_containers: spec
            .init_containers
            .as_ref()
            .map(|cs| cs.iter().map(slim).collect()),
        ..PodSpec::default()
    }
}

fn slim_container_status(c: &ContainerStatus) -> ContainerStatus {
    let state = c.state.as_ref().map(|s| ContainerState {
        running: s.running.clone(),
        waiting: s.waiting.as_ref().map(|w| ContainerStateWaiting {
            reason: w.reason.clone(),
            message: None,
        }),
        terminated: s.terminated.as_ref().map(|t| ContainerStateTerminated {
            exit_code: t.exit_code,
            signal: t.signal,
            reason: t.reason.clone(),
            ..ContainerStateTerminated::default()
        }),
    });
    ContainerStatus {
        name: c.name.clone(),
        ready: c.ready,
        restart_count: c.restart_count,
        started: c.started,
        state,
        ..ContainerStatus::default()
    }
}

/// Pod: the `rollouts-pod-template-hash` label, container names (and images), phase,
/// reason and per-container ready/restarts/state reasons.
pub fn strip_pod(pod: &mut Pod) {
    strip_meta(
        &mut pod.metadata,
        |k| k == POD_TEMPLATE_HASH_LABEL,
        |_| false,
    );
    if let Some(spec) = &mut pod.spec {
        *spec = slim_pod_spec(spec);
    }
    if let Some(status) = &mut pod.status {
        *status = PodStatus {
            phase: status.phase.take(),
            reason: status.reason.take(),
            container_statuses: status
                .container_statuses
                .as_ref()
                .map(|cs| cs.iter().map(slim_container_status).collect()),
            init_container_statuses: status
                .init_container_statuses
                .as_ref()
                .map(|cs| cs.iter().map(slim_container_status).collect()),
            ..PodStatus::default()
        };
    }
}

/// ReplicaSet: the pod-template-hash label, revision / template-name / scale-down
/// annotations, desired replicas, container images, replica counts, observed
/// generation and the `ReplicaFailure` condition.
pub fn strip_replica_set(rs: &mut ReplicaSet) {
    strip_meta(
        &mut rs.metadata,
        |k| k == POD_TEMPLATE_HASH_LABEL,
        |k| {
            k == REVISION_ANNOTATION
                || k == EXPERIMENT_TEMPLATE_ANNOTATION
                || k == SCALE_DOWN_DEADLINE_ANNOTATION
        },
    );
    let mut template = rs.spec.template.take();
    if let Some(t) = &mut template {
        strip_template(t);
    }
    rs.spec = ReplicaSetSpec {
        replicas: rs.spec.replicas,
        template,
        ..ReplicaSetSpec::default()
    };
    if let Some(status) = &mut rs.status {
        let conditions = status.conditions.take().map(|cs| {
            cs.into_iter()
                .filter(|c| c.type_.as_deref() == Some("ReplicaFailure"))
                .collect::<Vec<_>>()
        });
        *status = ReplicaSetStatus {
            replicas: status.replicas,
            ready_replicas: status.ready_replicas,
            available_replicas: status.available_replicas,
            observed_generation: status.observed_generation,
            conditions: conditions.filter(|c| !c.is_empty()),
            ..ReplicaSetStatus::default()
        };
    }
}

/// Job: identity and the status counters (its spec is never read).
pub fn strip_job(job: &mut Job) {
    strip_meta(&mut job.metadata, |_| false, |_| false);
    job.spec = None;
    if let Some(status) = &mut job.status {
        *status = JobStatus {
            active: status.active,
            succeeded: status.succeeded,
            failed: status.failed,
            start_time: status.start_time.take(),
            completion_time: status.completion_time.take(),
            ..JobStatus::default()
        };
    }
}

/// Rollout: labels, Argo annotations (not `last-applied-configuration`), the spec
/// without the pod template's details (container names and images stay), the status.
pub fn strip_rollout(rollout: &mut Rollout) {
    strip_meta(&mut rollout.metadata, |_| true, is_rollout_annotation);
    if let Some(t) = &mut rollout.spec.template {
        strip_template(t);
    }
}

/// AnalysisRun: metric names, conditions and limits (not provider definitions such as
/// job templates), and the status.
pub fn strip_analysis_run(run: &mut AnalysisRun) {
    strip_meta(&mut run.metadata, |_| true, is_rollout_annotation);
    for metric in &mut run.spec.metrics {
        metric.provider = None;
    }
}

/// Experiment: Argo annotations, template names and the status.
pub fn strip_experiment(exp: &mut Experiment) {
    strip_meta(&mut exp.metadata, |_| true, is_rollout_annotation);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollout::replicaset::pod_info;
    use serde_json::json;

    #[test]
    fn stripped_pod_keeps_status_inputs_and_drops_the_rest() {
        let mut pod: Pod = serde_json::from_value(json!({
            "metadata": {
                "name": "p", "namespace": "ns", "uid": "u", "resourceVersion": "9",
                "labels": {"app": "x", "rollouts-pod-template-hash": "h"},
                "annotations": {"prometheus.io/scrape": "true"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "rs-uid"}],
                "managedFields": [{"manager": "kubelet", "operation": "Update"}]
            },
            "spec": {
                "initContainers": [{"name": "proxy", "image": "envoy", "restartPolicy": "Always",
                                     "args": ["--very", "--long"]}],
                "containers": [{"name": "app", "image": "app:1", "env": [{"name": "A", "value": "b"}]}],
                "volumes": [{"name": "v", "emptyDir": {}}],
                "nodeName": "n1"
            },
            "status": {
                "phase": "Running", "podIP": "10.0.0.1",
                "conditions": [{"type": "Ready", "status": "False"}],
                "initContainerStatuses": [{"name": "proxy", "image": "envoy", "imageID": "sha",
                    "ready": false, "started": true, "restartCount": 1, "state": {"running": {}}}],
                "containerStatuses": [{"name": "app", "image": "app:1", "imageID": "sha", "ready": false,
                    "restartCount": 4,
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}}}]
            }
        }))
        .unwrap();
        let before = pod_info(&pod);
        strip_pod(&mut pod);
        assert_eq!(pod_info(&pod), before);
        assert_eq!(before.status, "CrashLoopBackOff");
        assert_eq!(pod.metadata.managed_fields, None);
        assert_eq!(pod.metadata.annotations, None);
        assert_eq!(pod.metadata.resource_version.as_deref(), Some("9"));
        assert_eq!(
            pod.metadata
                .labels
                .as_ref()
                .map(|l| l.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["rollouts-pod-template-hash".to_string()])
        );
        let spec = pod.spec.as_ref().unwrap();
        assert_eq!(spec.volumes, None);
        assert_eq!(spec.node_name, None);
        assert_eq!(spec.containers[0].env, None);
        let status = pod.status.as_ref().unwrap();
        assert_eq!(status.conditions, None);
        assert_eq!(status.pod_ip, None);
        assert_eq!(
            status.container_statuses.as_ref().unwrap()[0].last_state,
            None
        );
    }

    #[test]
    fn stripped_replica_set_keeps_only_the_failure_condition_and_known_annotations() {
        let mut rs: ReplicaSet = serde_json::from_value(json!({
            "metadata": {"name": "rs", "annotations": {
                "rollout.argoproj.io/revision": "3", "scale-down-deadline": "2026-01-01T00:00:00Z",
                "rollout.argoproj.io/desired-replicas": "2"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"a": "b"}},
                     "template": {"metadata": {"labels": {"a": "b"}},
                                  "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80}]}]}}},
            "status": {"replicas": 2, "availableReplicas": 1, "fullyLabeledReplicas": 2,
                       "conditions": [{"type": "ReplicaFailure", "status": "True"}, {"type": "Other", "status": "True"}]}
        }))
        .unwrap();
        strip_replica_set(&mut rs);
        let annotations = rs.metadata.annotations.as_ref().unwrap();
        assert_eq!(annotations.len(), 2);
        assert!(annotations.contains_key("scale-down-deadline"));
        let status = rs.status.as_ref().unwrap();
        assert_eq!(status.conditions.as_ref().map(Vec::len), Some(1));
        assert_eq!(status.fully_labeled_replicas, None);
        assert_eq!(status.available_replicas, Some(1));
        let template = rs.spec.template.as_ref().unwrap();
        assert_eq!(template.metadata, None);
        let container = &template.spec.as_ref().unwrap().containers[0];
        assert_eq!(
            (container.image.as_deref(), container.ports.as_ref()),
            (Some("i"), None)
        );
        assert_eq!(rs.spec.selector.match_labels, None);
    }

    #[test]
    fn stripped_argo_objects_lose_last_applied_configuration_and_providers() {
        let mut rollout: Rollout = serde_json::from_value(json!({
            "metadata": {"annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{...}",
                "rollout.argoproj.io/revision": "4"}},
            "spec": {"template": {"metadata": {"labels": {"a": "b"}},
                                  "spec": {"containers": [{"name": "c", "image": "i", "args": ["x"]}]}}}
        }))
        .unwrap();
        strip_rollout(&mut rollout);
        let annotations = rollout.metadata.annotations.as_ref().unwrap();
        assert_eq!(
            annotations.keys().collect::<Vec<_>>(),
            ["rollout.argoproj.io/revision"]
        );
        let template = rollout.spec.template.as_ref().unwrap();
        assert_eq!(template.spec.as_ref().unwrap().containers[0].args, None);

        let mut run: AnalysisRun = serde_json::from_value(json!({
            "spec": {"metrics": [{"name": "m", "provider": {"job": {"spec": {}}}}]}
        }))
        .unwrap();
        strip_analysis_run(&mut run);
        assert_eq!(run.spec.metrics[0].provider, None);
        assert_eq!(run.spec.metrics[0].name, "m");

        let mut job: Job = serde_json::from_value(json!({
            "metadata": {"name": "j"}, "spec": {"template": {"spec": {"containers": []}}},
            "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
        }))
        .unwrap();
        strip_job(&mut job);
        assert_eq!(job.spec, None);
        assert_eq!(job.status.as_ref().and_then(|s| s.succeeded), Some(1));
        assert_eq!(
            job.status.as_ref().and_then(|s| s.conditions.as_ref()),
            None
        );
    }
}
