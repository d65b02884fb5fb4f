//! ReplicaSets and Pods of a rollout or experiment: health, roles, INFO column and pod
//! status, following upstream's `info/replicaset_info.go` and `info/pod_info.go`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use super::{
    created, owned_by, revision_of, PodInfo, Related, ReplicaSetInfo, ReplicaSetStatus, Roles,
    ICON_BAD, ICON_OK, ICON_PROGRESSING, ICON_UNKNOWN, ICON_WARNING,
};
use crate::argo::{
    Rollout, EXPERIMENT_TEMPLATE_ANNOTATION, POD_TEMPLATE_HASH_LABEL,
    SCALE_DOWN_DEADLINE_ANNOTATION,
};

/// ReplicaSets owned by `owner_uid`, newest revision first then by name, each with its
/// pods. Roles are set only when the owner is the rollout (`rollout` is `Some`).
pub(super) fn replica_set_infos(
    owner_uid: &str,
    rollout: Option<&Rollout>,
    related: &Related,
    now: DateTime<Utc>,
) -> Vec<ReplicaSetInfo> {
    let mut infos: Vec<ReplicaSetInfo> = related
        .replica_sets
        .iter()
        .filter(|rs| owned_by(&rs.metadata, owner_uid))
        .map(|rs| replica_set_info(rs, rollout, now))
        .collect();
    // Upstream compares creation times too but discards the result: revision, then name.
    infos.sort_by(|a, b| {
        b.revision
            .cmp(&a.revision)
            .then_with(|| a.name.cmp(&b.name))
    });
    attach_pods(&mut infos, &related.pods);
    infos
}

fn replica_set_info(
    rs: &ReplicaSet,
    rollout: Option<&Rollout>,
    now: DateTime<Utc>,
) -> ReplicaSetInfo {
    let meta = &rs.metadata;
    let annotation = |key: &str| meta.annotations.as_ref().and_then(|a| a.get(key)).cloned();
    let hash = meta
        .labels
        .as_ref()
        .and_then(|l| l.get(POD_TEMPLATE_HASH_LABEL))
        .cloned()
        .unwrap_or_default();
    let roles = rollout.map(|ro| roles(ro, &hash)).unwrap_or_default();
    let scale_down_deadline = annotation(SCALE_DOWN_DEADLINE_ANNOTATION).filter(|d| !d.is_empty());
    let pod_spec = rs.spec.template.as_ref().and_then(|t| t.spec.as_ref());
    let status = rs.status.as_ref();
    let mut info = ReplicaSetInfo {
        name: meta.name.clone().unwrap_or_default(),
        namespace: meta.namespace.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
        revision: revision_of(meta),
        pod_template_hash: hash,
        template: annotation(EXPERIMENT_TEMPLATE_ANNOTATION).unwrap_or_default(),
        status: health(rs),
        roles,
        scale_down_deadline,
        info: String::new(),
        desired: rs.spec.replicas,
        replicas: status.map_or(0, |s| s.replicas),
        ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
        available: status.and_then(|s| s.available_replicas).unwrap_or(0),
        images: pod_spec
            .map(|p| {
                p.containers
                    .iter()
                    .map(|c| c.image.clone().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default(),
        init_images: pod_spec
            .and_then(|p| p.init_containers.as_ref())
            .map(|cs| {
                cs.iter()
                    .map(|c| c.image.clone().unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default(),
        created: created(meta),
        pods: Vec::new(),
    };
    info.info = info_column(&info, now);
    info
}

fn roles(rollout: &Rollout, hash: &str) -> Roles {
    let status = &rollout.status;
    let mut roles = Roles::default();
    if let Some(canary) = &rollout.spec.strategy.canary {
        let ping_pong = canary.ping_pong.is_some();
        let stable_is_ping = status.canary.stable_ping_pong == "ping";
        if status.stable_rs == hash {
            roles.stable = true;
            if ping_pong {
                roles.ping = stable_is_ping;
                roles.pong = !stable_is_ping;
            }
        } else if status.current_pod_hash == hash {
            roles.canary = true;
            if ping_pong {
                roles.ping = !stable_is_ping;
                roles.pong = stable_is_ping;
            }
        }
    }
    if rollout.spec.strategy.blue_green.is_some() {
        if status.stable_rs == hash {
            roles.stable = true;
        }
        if status.blue_green.active_selector == hash {
            roles.active = true;
        } else if status.blue_green.preview_selector == hash {
            roles.preview = true;
        }
    }
    roles
}

/// Upstream's ReplicaSet health: unobserved generation or missing pods is Progressing,
/// a true `ReplicaFailure` condition wins, zero desired replicas is ScaledDown.
fn health(rs: &ReplicaSet) -> ReplicaSetStatus {
    let generation = rs.metadata.generation.unwrap_or(0);
    let status = rs.status.as_ref();
    let observed = status.and_then(|s| s.observed_generation).unwrap_or(0);
    let desired = rs.spec.replicas;
    if generation > observed {
        return ReplicaSetStatus::Progressing;
    }
    let failure = status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.type_.as_deref() == Some("ReplicaFailure"));
    if failure.is_some_and(|c| c.status.as_deref() == Some("True")) {
        return ReplicaSetStatus::ReplicaFailure;
    }
    let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
    if desired.is_some_and(|d| available < d) {
        return ReplicaSetStatus::Progressing;
    }
    if desired == Some(0) {
        return ReplicaSetStatus::ScaledDown;
    }
    ReplicaSetStatus::Healthy
}

/// Roles in upstream's order (stable; canary, else active, else preview; ping; pong)
/// and the scale-down delay.
fn info_column(rs: &ReplicaSetInfo, now: DateTime<Utc>) -> String {
    let r = rs.roles;
    let mut cols: Vec<String> = Vec::new();
    if r.stable {
        cols.push("stable".into());
    }
    if r.canary {
        cols.push("canary".into());
    } else if r.active {
        cols.push("active".into());
    } else if r.preview {
        cols.push("preview".into());
    }
    if r.ping {
        cols.push("ping".into());
    }
    if r.pong {
        cols.push("pong".into());
    }
    if let Some(deadline) = &rs.scale_down_deadline {
        cols.push(format!("delay:{}", scale_down_delay(deadline, now)));
    }
    cols.join(",")
}

/// Time left until an RFC 3339 deadline, `passed` once it is in the past, `""` when it
/// does not parse.
pub(super) fn scale_down_delay(deadline: &str, now: DateTime<Utc>) -> String {
    match DateTime::parse_from_rfc3339(deadline) {
        Ok(deadline) if deadline < now => "passed".to_string(),
        Ok(deadline) => super::human_duration(deadline.with_timezone(&Utc) - now),
        Err(_) => String::new(),
    }
}

/// Gives each ReplicaSet the pods whose first matching owner reference is one of them,
/// oldest first then by name.
fn attach_pods(infos: &mut [ReplicaSetInfo], pods: &[&Pod]) {
    let index: HashMap<&str, usize> = infos
        .iter()
        .enumerate()
        .filter(|(_, rs)| !rs.uid.is_empty())
        .map(|(i, rs)| (rs.uid.as_str(), i))
        .collect();
    let mut found: Vec<(usize, PodInfo)> = Vec::new();
    for pod in pods {
        let owner = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find_map(|o| index.get(o.uid.as_str()).copied());
        if let Some(i) = owner {
            found.push((i, pod_info(pod)));
        }
    }
    for (i, pod) in found {
        infos[i].pods.push(pod);
    }
    for rs in infos.iter_mut() {
        rs.pods
            .sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.name.cmp(&b.name)));
    }
}

/// Pod status as `kubectl get pods` computes it: a failing init container first, then
/// the last container with a waiting or terminated reason, `Terminating` while deleted.
pub(super) fn pod_info(pod: &Pod) -> PodInfo {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let total = spec.map_or(0, |s| s.containers.len());
    let init_specs = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default();
    let sidecars: HashMap<&str, bool> = init_specs
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.restart_policy.as_deref() == Some("Always"),
            )
        })
        .collect();

    let mut reason = status.and_then(|s| s.phase.clone()).unwrap_or_default();
    if let Some(r) = status
        .and_then(|s| s.reason.as_deref())
        .filter(|r| !r.is_empty())
    {
        reason = r.to_string();
    }

    let mut restarts: i64 = 0;
    let mut initializing = false;
    let init_statuses: &[ContainerStatus] = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    for (i, c) in init_statuses.iter().enumerate() {
        restarts += i64::from(c.restart_count);
        let state = c.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting_reason = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty());
        if let Some(t) = terminated {
            if t.exit_code == 0 {
                continue;
            }
            reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None => match t.signal.filter(|s| *s != 0) {
                    Some(signal) => format!("Init:Signal:{signal}"),
                    None => format!("Init:ExitCode:{}", t.exit_code),
                },
            };
            initializing = true;
        } else if sidecars.get(c.name.as_str()).copied().unwrap_or(false) && c.started == Some(true)
        {
            if c.ready {
                continue;
            }
        } else if let Some(r) = waiting_reason.filter(|r| *r != "PodInitializing") {
            reason = format!("Init:{r}");
            initializing = true;
        } else {
            reason = format!("Init:{i}/{}", init_specs.len());
            initializing = true;
        }
        break;
    }

    let mut ready = 0;
    if !initializing {
        restarts = 0;
        let mut has_running = false;
        let statuses: &[ContainerStatus] = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or_default();
        for c in statuses.iter().rev() {
            restarts += i64::from(c.restart_count);
            let state = c.state.as_ref();
            let waiting = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if let Some(r) = waiting {
                reason = r.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None => match t.signal.filter(|s| *s != 0) {
                        Some(signal) => format!("Signal:{signal}"),
                        None => format!("ExitCode:{}", t.exit_code),
                    },
                };
            } else if c.ready && state.and_then(|s| s.running.as_ref()).is_some() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = "Running".to_string();
        }
    }

    if meta.deletion_timestamp.is_some() {
        reason = if status.and_then(|s| s.reason.as_deref()) == Some("NodeLost") {
            "Unknown".to_string()
        } else {
            "Terminating".to_string()
        };
    }

    PodInfo {
        name: meta.name.clone().unwrap_or_default(),
        namespace: meta.namespace.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
        status: reason,
        ready: format!("{ready}/{total}"),
        restarts: i32::try_from(restarts).unwrap_or(i32::MAX),
        created: created(meta),
    }
}

/// Icon of a pod status.
pub(super) fn pod_icon(status: &str) -> &'static str {
    if status.starts_with("Init:") {
        return ICON_PROGRESSING;
    }
    if status.starts_with("Signal:") || status.starts_with("ExitCode:") {
        return ICON_BAD;
    }
    if status.ends_with("Error") || status.starts_with("Err") {
        return ICON_WARNING;
    }
    match status {
        "Pending" | "Terminating" | "ContainerCreating" => ICON_PROGRESSING,
        "Running" | "Completed" => ICON_OK,
        "Failed" | "InvalidImageName" | "CrashLoopBackOff" => ICON_BAD,
        "ImagePullBackOff" | "RegistryUnavailable" => ICON_WARNING,
        "Unknown" => ICON_UNKNOWN,
        _ => " ",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(spec: serde_json::Value, status: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "p"}, "spec": spec, "status": status}))
            .expect("valid pod")
    }

    fn one_container() -> serde_json::Value {
        json!({"containers": [{"name": "app"}]})
    }

    fn with_init(restart_policy: Option<&str>) -> serde_json::Value {
        let mut init = json!({"name": "init"});
        if let Some(p) = restart_policy {
            init["restartPolicy"] = json!(p);
        }
        json!({"initContainers": [init], "containers": [{"name": "app"}]})
    }

    fn status_of(spec: serde_json::Value, status: serde_json::Value) -> (String, String, i32) {
        let info = pod_info(&pod(spec, status));
        (info.status, info.ready, info.restarts)
    }

    fn container(state: serde_json::Value, ready: bool, restarts: i32) -> serde_json::Value {
        json!({"name": "app", "image": "i", "imageID": "", "ready": ready,
               "restartCount": restarts, "state": state})
    }

    #[test]
    fn a_waiting_container_reason_replaces_the_phase() {
        let s = status_of(
            one_container(),
            json!({"phase": "Pending", "containerStatuses": [
                container(json!({"waiting": {"reason": "ImagePullBackOff"}}), false, 0)]}),
        );
        assert_eq!(s, ("ImagePullBackOff".into(), "0/1".into(), 0));
    }

    #[test]
    fn a_running_ready_container_counts_as_ready() {
        let s = status_of(
            one_container(),
            json!({"phase": "Running", "containerStatuses": [
                container(json!({"running": {}}), true, 2)]}),
        );
        assert_eq!(s, ("Running".into(), "1/1".into(), 2));
    }

    #[test]
    fn terminated_containers_show_reason_signal_or_exit_code() {
        let term = |t: serde_json::Value| {
            status_of(
                one_container(),
                json!({"phase": "Running", "containerStatuses": [container(json!({"terminated": t}), false, 0)]}),
            )
            .0
        };
        assert_eq!(
            term(json!({"exitCode": 137, "reason": "OOMKilled"})),
            "OOMKilled"
        );
        assert_eq!(term(json!({"exitCode": 143, "signal": 15})), "Signal:15");
        assert_eq!(term(json!({"exitCode": 2})), "ExitCode:2");
    }

    #[test]
    fn completed_with_a_container_still_running_is_running() {
        let spec = json!({"containers": [{"name": "a"}, {"name": "b"}]});
        let s = status_of(
            spec,
            json!({"phase": "Running", "containerStatuses": [
                container(json!({"running": {}}), true, 0),
                container(json!({"terminated": {"exitCode": 0, "reason": "Completed"}}), false, 0)]}),
        );
        assert_eq!(s, ("Running".into(), "1/2".into(), 0));
    }

    #[test]
    fn init_containers_report_progress_and_failures_first() {
        let init = |state: serde_json::Value, restarts: i32| {
            status_of(
                with_init(None),
                json!({"phase": "Pending",
                       "initContainerStatuses": [{"name": "init", "image": "i", "imageID": "",
                           "ready": false, "restartCount": restarts, "state": state}],
                       "containerStatuses": [container(json!({"waiting": {"reason": "PodInitializing"}}), false, 9)]}),
            )
        };
        assert_eq!(
            init(json!({"waiting": {"reason": "PodInitializing"}}), 0).0,
            "Init:0/1"
        );
        assert_eq!(
            init(json!({"waiting": {"reason": "CrashLoopBackOff"}}), 3),
            ("Init:CrashLoopBackOff".into(), "0/1".into(), 3)
        );
        assert_eq!(
            init(json!({"terminated": {"exitCode": 1}}), 0).0,
            "Init:ExitCode:1"
        );
        assert_eq!(
            init(json!({"terminated": {"exitCode": 1, "signal": 9}}), 0).0,
            "Init:Signal:9"
        );
        assert_eq!(
            init(json!({"terminated": {"exitCode": 1, "reason": "Error"}}), 0).0,
            "Init:Error"
        );
        // A finished init container hands over to the main containers (and their restarts).
        assert_eq!(
            init(json!({"terminated": {"exitCode": 0}}), 1),
            ("PodInitializing".into(), "0/1".into(), 9)
        );
    }

    #[test]
    fn a_started_ready_sidecar_does_not_hold_the_pod_in_init() {
        let status = |ready: bool| {
            status_of(
                with_init(Some("Always")),
                json!({"phase": "Running",
                       "initContainerStatuses": [{"name": "init", "image": "i", "imageID": "",
                           "ready": ready, "started": true, "restartCount": 0, "state": {"running": {}}}],
                       "containerStatuses": [container(json!({"running": {}}), true, 0)]}),
            )
            .0
        };
        assert_eq!(status(true), "Running");
        // Started but not ready: upstream stops scanning without marking it initializing.
        assert_eq!(status(false), "Running");
    }

    #[test]
    fn deleted_pods_are_terminating_or_unknown_when_their_node_is_lost() {
        let mut p = pod(one_container(), json!({"phase": "Running"}));
        p.metadata.deletion_timestamp = serde_json::from_value(json!("2026-01-01T00:00:00Z")).ok();
        assert!(p.metadata.deletion_timestamp.is_some());
        assert_eq!(pod_info(&p).status, "Terminating");
        p.status.as_mut().unwrap().reason = Some("NodeLost".into());
        assert_eq!(pod_info(&p).status, "Unknown");
    }

    #[test]
    fn pod_icons_follow_upstream() {
        let cases = [
            ("Init:0/1", ICON_PROGRESSING),
            ("Signal:9", ICON_BAD),
            ("ExitCode:1", ICON_BAD),
            ("ErrImagePull", ICON_WARNING),
            ("CreateContainerConfigError", ICON_WARNING),
            ("ContainerCreating", ICON_PROGRESSING),
            ("Completed", ICON_OK),
            ("CrashLoopBackOff", ICON_BAD),
            ("ImagePullBackOff", ICON_WARNING),
            ("Unknown", ICON_UNKNOWN),
            ("OOMKilled", " "),
        ];
        for (status, icon) in cases {
            assert_eq!(pod_icon(status), icon, "{status}");
        }
    }

    fn rs(
        generation: i64,
        observed: i64,
        replicas: i32,
        available: i32,
        failure: bool,
    ) -> ReplicaSet {
        let conditions = if failure {
            json!([{"type": "ReplicaFailure", "status": "True"}])
        } else {
            json!([])
        };
        serde_json::from_value(json!({
            "metadata": {"generation": generation},
            "spec": {"replicas": replicas, "selector": {}},
            "status": {"replicas": available, "observedGeneration": observed,
                       "availableReplicas": available, "conditions": conditions}
        }))
        .expect("valid ReplicaSet")
    }

    #[test]
    fn replica_set_health_follows_upstream_order() {
        assert_eq!(health(&rs(2, 1, 3, 3, true)), ReplicaSetStatus::Progressing);
        assert_eq!(
            health(&rs(2, 2, 3, 3, true)),
            ReplicaSetStatus::ReplicaFailure
        );
        assert_eq!(
            health(&rs(2, 2, 3, 2, false)),
            ReplicaSetStatus::Progressing
        );
        assert_eq!(health(&rs(2, 2, 0, 0, false)), ReplicaSetStatus::ScaledDown);
        assert_eq!(health(&rs(2, 2, 3, 3, false)), ReplicaSetStatus::Healthy);
        assert_eq!(health(&ReplicaSet::default()), ReplicaSetStatus::Healthy);
    }

    #[test]
    fn scale_down_delay_counts_down_then_passes() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T12:00:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(scale_down_delay("2026-11-25T16:00:00Z", now), "3h59m");
        assert_eq!(scale_down_delay("2026-11-25T12:00:30Z", now), "29s");
        assert_eq!(scale_down_delay("2026-11-25T11:00:00Z", now), "passed");
        assert_eq!(scale_down_delay("tomorrow", now), "");
    }
}
