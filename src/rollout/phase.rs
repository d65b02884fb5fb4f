//! Rollout-level rules: phase and message, canary weights and step states, following
//! upstream's `utils/rollout` (GetRolloutPhase, CalculateRolloutPhase) and
//! `utils/replicaset` (GetCurrentCanaryStep, GetCurrentSetWeight).

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{ReplicaSetInfo, StepInfo, StepKind, StepState, Strategy};
use crate::argo::{CanaryStep, Rollout};

const PHASE_HEALTHY: &str = "Healthy";
const PHASE_PROGRESSING: &str = "Progressing";
const PHASE_PAUSED: &str = "Paused";
const PHASE_DEGRADED: &str = "Degraded";

pub(super) fn strategy(rollout: &Rollout) -> Option<Strategy> {
    if rollout.spec.strategy.canary.is_some() {
        Some(Strategy::Canary)
    } else if rollout.spec.strategy.blue_green.is_some() {
        Some(Strategy::BlueGreen)
    } else {
        None
    }
}

/// Phase and message as the CLI reports them: the spec must have been observed and the
/// rollout not be unpausing; then the controller's own phase wins; older controllers
/// (no `status.phase`) get it computed client-side.
pub(super) fn rollout_phase(rollout: &Rollout) -> (String, String) {
    let status = &rollout.status;
    if !generation_observed(rollout) {
        return progressing("waiting for rollout spec update to be observed");
    }
    if status.controller_pause && status.pause_conditions.is_empty() {
        return progressing("waiting for rollout to unpause");
    }
    if !status.phase.is_empty() {
        return (status.phase.clone(), status.message.clone());
    }
    calculate_phase(rollout)
}

fn progressing(message: &str) -> (String, String) {
    (PHASE_PROGRESSING.to_string(), message.to_string())
}

/// A non-numeric `observedGeneration` (a v0.9 hash) counts as observed, and so does one
/// ahead of `metadata.generation`.
fn generation_observed(rollout: &Rollout) -> bool {
    let Some(observed) = rollout.status.observed_generation.as_deref() else {
        // Go parses "" and fails, which counts as observed.
        return true;
    };
    match observed.parse::<i64>() {
        Ok(observed) => observed >= rollout.metadata.generation.unwrap_or(0),
        Err(_) => true,
    }
}

/// Client-side phase for controllers that do not write `status.phase`.
fn calculate_phase(rollout: &Rollout) -> (String, String) {
    let spec = &rollout.spec;
    let status = &rollout.status;
    for cond in &status.conditions {
        if cond.type_ == "InvalidSpec" {
            return (
                PHASE_DEGRADED.to_string(),
                format!("InvalidSpec: {}", cond.message),
            );
        }
        if cond.reason == "RolloutAborted" || cond.reason == "ProgressDeadlineExceeded" {
            return (
                PHASE_DEGRADED.to_string(),
                format!("{}: {}", cond.reason, cond.message),
            );
        }
    }
    if spec.paused {
        return (PHASE_PAUSED.to_string(), "manually paused".to_string());
    }
    if let Some(pause) = status.pause_conditions.first() {
        return (PHASE_PAUSED.to_string(), pause.reason.clone());
    }
    if let Some(restart_at) = spec.restart_at {
        if status.restarted_at != Some(restart_at) {
            return progressing("rollout is restarting");
        }
    }
    if status.updated_replicas < spec.replicas.unwrap_or(1) {
        return progressing("more replicas need to be updated");
    }
    if status.available_replicas < status.updated_replicas {
        return progressing("updated replicas are still becoming available");
    }
    let fully_promoted = status.stable_rs == status.current_pod_hash;
    if let Some(blue_green) = &spec.strategy.blue_green {
        let active = &status.blue_green.active_selector;
        if active.is_empty() || *active != status.current_pod_hash {
            return progressing("active service cutover pending");
        }
        if status.stable_rs.is_empty() || !fully_promoted {
            let post_analysis_done = status
                .blue_green
                .post_promotion_analysis_run_status
                .as_ref()
                .is_some_and(|run| {
                    matches!(
                        run.status.as_str(),
                        "Successful" | "Failed" | "Error" | "Inconclusive"
                    )
                });
            if blue_green.post_promotion_analysis.is_some() && !post_analysis_done {
                return progressing("waiting for analysis to complete");
            }
            return progressing("waiting for post-promotion verification to complete");
        }
    } else if let Some(canary) = &spec.strategy.canary {
        if canary.traffic_routing.is_none() && status.replicas > status.updated_replicas {
            return progressing("old replicas are pending termination");
        }
        if status.stable_rs.is_empty() || !fully_promoted {
            return progressing("waiting for all steps to complete");
        }
    }
    (PHASE_HEALTHY.to_string(), String::new())
}

/// Index of the current step (missing = 0) and the step, `None` past the last step.
fn current_step(rollout: &Rollout) -> Option<(usize, Option<&CanaryStep>)> {
    let canary = rollout.spec.strategy.canary.as_ref()?;
    if canary.steps.is_empty() {
        return None;
    }
    let index = usize::try_from(rollout.status.current_step_index.unwrap_or(0)).unwrap_or(0);
    Some((index, canary.steps.get(index)))
}

/// Weight that means "all traffic".
fn max_weight(rollout: &Rollout) -> i32 {
    rollout
        .spec
        .strategy
        .canary
        .as_ref()
        .and_then(|c| c.traffic_routing.as_ref())
        .and_then(|t| t.max_traffic_weight)
        .unwrap_or(100)
}

/// Desired canary weight: 0 when aborted, all traffic past the last step (or without
/// steps), else the last `setWeight` at or before the current step.
pub(super) fn set_weight(rollout: &Rollout) -> i32 {
    if rollout.status.abort {
        return 0;
    }
    let steps = match current_step(rollout) {
        Some((index, Some(_))) => rollout
            .spec
            .strategy
            .canary
            .as_ref()
            .map(|c| &c.steps[..=index])
            .unwrap_or_default(),
        _ => return max_weight(rollout),
    };
    steps.iter().rev().find_map(|s| s.set_weight).unwrap_or(0)
}

/// Weight actually served: all traffic past the last step; with traffic routing, the
/// router's reported canary weight (or the set weight until it reports); without it, the
/// canary's share of available pods. 0 while nothing is available.
pub(super) fn actual_weight(
    rollout: &Rollout,
    set_weight: i32,
    replica_sets: &[ReplicaSetInfo],
) -> i32 {
    let Some((_, Some(_))) = current_step(rollout) else {
        return max_weight(rollout);
    };
    let available = rollout.status.available_replicas;
    if available <= 0 {
        return 0;
    }
    let routed = rollout
        .spec
        .strategy
        .canary
        .as_ref()
        .is_some_and(|c| c.traffic_routing.is_some());
    if routed {
        return rollout
            .status
            .canary
            .weights
            .as_ref()
            .map_or(set_weight, |w| w.canary.weight);
    }
    let mut weight = 0;
    for rs in replica_sets.iter().filter(|r| r.roles.canary) {
        let share = i64::from(rs.available) * i64::from(max_weight(rollout)) / i64::from(available);
        weight = i32::try_from(share).unwrap_or(i32::MAX);
    }
    weight
}

/// Canary steps with kind, readable value and state relative to the current step
/// (a missing index counts as 0, as upstream; past the last step all are done).
pub(super) fn steps(rollout: &Rollout) -> Vec<StepInfo> {
    let Some(canary) = &rollout.spec.strategy.canary else {
        return Vec::new();
    };
    let current = i64::from(rollout.status.current_step_index.unwrap_or(0));
    canary
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let index = i32::try_from(i).unwrap_or(i32::MAX);
            let (kind, value) = describe(step);
            let state = match i64::from(index).cmp(&current) {
                std::cmp::Ordering::Less => StepState::Done,
                std::cmp::Ordering::Equal => StepState::Current,
                std::cmp::Ordering::Greater => StepState::Pending,
            };
            StepInfo {
                index,
                kind,
                value,
                state,
            }
        })
        .collect()
}

fn describe(step: &CanaryStep) -> (StepKind, String) {
    if let Some(weight) = step.set_weight {
        return (StepKind::SetWeight, weight.to_string());
    }
    if let Some(pause) = &step.pause {
        let value = match &pause.duration {
            None => "indefinite".to_string(),
            Some(IntOrString::Int(secs)) => format!("{secs}s"),
            Some(IntOrString::String(s)) => s.clone(),
        };
        return (StepKind::Pause, value);
    }
    if let Some(exp) = &step.experiment {
        let mut value = exp
            .templates
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(",");
        if let Some(duration) = exp.duration.as_deref().filter(|d| !d.is_empty()) {
            value = format!("{value} ({duration})");
        }
        return (StepKind::Experiment, value);
    }
    if let Some(analysis) = &step.analysis {
        let value = analysis
            .templates
            .iter()
            .map(|t| t.template_name.as_str())
            .collect::<Vec<_>>()
            .join(",");
        return (StepKind::Analysis, value);
    }
    if let Some(scale) = &step.set_canary_scale {
        let value = if let Some(weight) = scale.weight {
            format!("weight:{weight}")
        } else if scale.match_traffic_weight {
            "matchTrafficWeight".to_string()
        } else if let Some(replicas) = scale.replicas {
            format!("replicas:{replicas}")
        } else {
            String::new()
        };
        return (StepKind::SetCanaryScale, value);
    }
    if let Some(route) = &step.set_header_route {
        return (StepKind::SetHeaderRoute, route.name.clone());
    }
    if let Some(route) = &step.set_mirror_route {
        return (StepKind::SetMirrorRoute, route.name.clone());
    }
    if let Some(plugin) = &step.plugin {
        return (StepKind::Plugin, plugin.name.clone());
    }
    (StepKind::Invalid, String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rollout(value: serde_json::Value) -> Rollout {
        serde_json::from_value(value).expect("valid rollout")
    }

    /// A canary whose counts are all settled (3 desired, updated and available).
    fn settled(strategy: serde_json::Value, status: serde_json::Value) -> Rollout {
        let mut base = json!({
            "metadata": {"generation": 2},
            "spec": {"replicas": 3, "strategy": strategy},
            "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
                       "availableReplicas": 3, "stableRS": "s", "currentPodHash": "s"}
        });
        if let (Some(target), serde_json::Value::Object(extra)) =
            (base["status"].as_object_mut(), status)
        {
            target.extend(extra);
        }
        rollout(base)
    }

    fn phase(r: &Rollout) -> (String, String) {
        rollout_phase(r)
    }

    #[test]
    fn invalid_spec_wins_over_every_other_condition_and_over_a_manual_pause() {
        let mut r = settled(
            json!({"canary": {}}),
            json!({"conditions": [
                {"type": "Progressing", "reason": "ProgressDeadlineExceeded", "message": "late"},
                {"type": "InvalidSpec", "reason": "InvalidSpec", "message": "bad"}
            ]}),
        );
        r.spec.paused = true;
        // Conditions are scanned in order: the first Degraded one wins.
        assert_eq!(
            phase(&r),
            ("Degraded".into(), "ProgressDeadlineExceeded: late".into())
        );
        r.status.conditions.remove(0);
        assert_eq!(phase(&r), ("Degraded".into(), "InvalidSpec: bad".into()));
    }

    #[test]
    fn pause_conditions_report_their_first_reason() {
        let r = settled(
            json!({"canary": {}}),
            json!({"controllerPause": true, "pauseConditions": [
                {"reason": "CanaryPauseStep"}, {"reason": "InconclusiveAnalysisRun"}]}),
        );
        assert_eq!(phase(&r), ("Paused".into(), "CanaryPauseStep".into()));
    }

    #[test]
    fn a_controller_phase_is_used_verbatim() {
        let r = settled(
            json!({"canary": {}}),
            json!({"phase": "Degraded", "message": "custom"}),
        );
        assert_eq!(phase(&r), ("Degraded".into(), "custom".into()));
    }

    #[test]
    fn a_pending_restart_is_progressing_until_restarted_at_catches_up() {
        let mut r = settled(json!({"canary": {}}), json!({}));
        let at = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        r.spec.restart_at = Some(at);
        assert_eq!(phase(&r).1, "rollout is restarting");
        r.status.restarted_at = Some(at);
        assert_eq!(phase(&r), ("Healthy".into(), String::new()));
    }

    #[test]
    fn replica_checks_come_in_upstream_order() {
        let r = settled(json!({"canary": {}}), json!({"availableReplicas": 2}));
        assert_eq!(phase(&r).1, "updated replicas are still becoming available");
        let r = settled(json!({"canary": {}}), json!({"replicas": 5}));
        assert_eq!(phase(&r).1, "old replicas are pending termination");
        let routed = settled(
            json!({"canary": {"trafficRouting": {"istio": {}}}}),
            json!({"replicas": 5}),
        );
        assert_eq!(
            phase(&routed),
            ("Healthy".into(), String::new()),
            "scale-down delay is expected"
        );
        let r = settled(json!({"canary": {}}), json!({"currentPodHash": "new"}));
        assert_eq!(phase(&r).1, "waiting for all steps to complete");
        let r = settled(json!({"canary": {}}), json!({"stableRS": ""}));
        assert_eq!(phase(&r).1, "waiting for all steps to complete");
    }

    #[test]
    fn blue_green_waits_for_verification_after_cutover() {
        let r = settled(
            json!({"blueGreen": {"activeService": "a"}}),
            json!({"currentPodHash": "new", "blueGreen": {"activeSelector": "new"}}),
        );
        assert_eq!(
            phase(&r).1,
            "waiting for post-promotion verification to complete"
        );
        let done = settled(
            json!({"blueGreen": {"activeService": "a", "postPromotionAnalysis": {}}}),
            json!({"currentPodHash": "new", "blueGreen": {"activeSelector": "new",
                   "postPromotionAnalysisRunStatus": {"name": "r", "status": "Successful"}}}),
        );
        assert_eq!(
            phase(&done).1,
            "waiting for post-promotion verification to complete"
        );
    }

    #[test]
    fn actual_weight_is_full_past_the_last_step_and_zero_without_available_pods() {
        let past = settled(
            json!({"canary": {"steps": [{"setWeight": 10}]}}),
            json!({"currentStepIndex": 1}),
        );
        assert_eq!(actual_weight(&past, set_weight(&past), &[]), 100);
        let starved = settled(
            json!({"canary": {"steps": [{"setWeight": 10}], "trafficRouting": {"smi": {}}}}),
            json!({"currentStepIndex": 0, "availableReplicas": 0}),
        );
        assert_eq!(set_weight(&starved), 10);
        assert_eq!(actual_weight(&starved, 10, &[]), 0);
    }

    #[test]
    fn canary_scale_steps_describe_their_mode() {
        let step = |v: serde_json::Value| describe(&serde_json::from_value(v).unwrap());
        assert_eq!(
            step(json!({"setCanaryScale": {"replicas": 2}})),
            (StepKind::SetCanaryScale, "replicas:2".into())
        );
        assert_eq!(
            step(json!({"setCanaryScale": {"matchTrafficWeight": true}})),
            (StepKind::SetCanaryScale, "matchTrafficWeight".into())
        );
        assert_eq!(
            step(json!({"pause": {"duration": "30s"}})),
            (StepKind::Pause, "30s".into())
        );
        assert_eq!(
            step(json!({"experiment": {"templates": [{"name": "a"}]}})),
            (StepKind::Experiment, "a".into())
        );
    }

    #[test]
    fn blue_green_and_strategyless_rollouts_have_no_steps() {
        let bg = settled(json!({"blueGreen": {}}), json!({}));
        assert!(steps(&bg).is_empty());
        assert_eq!(strategy(&bg), Some(Strategy::BlueGreen));
        assert_eq!(strategy(&Rollout::default()), None);
        assert_eq!(set_weight(&bg), 100, "no canary step: full weight");
    }
}
