//! `events` (also the datasource's annotations): what happened to a rollout, as an
//! annotation frame (`time`, `timeEnd`, `title`, `text`, `tags`) in the annotations
//! data topic.
//!
//! Sources, all answered from the watch cache: the rollout's status conditions (at
//! their lastTransitionTime), its pause conditions (startTime), AnalysisRuns that
//! failed or errored (startedAt → completedAt), the changes the watch observed (steps,
//! pauses and resumes, promotions, aborts, status; see [`transitions`]) and Kubernetes
//! Events about the rollout. Only what overlaps Grafana's time range is returned; an
//! empty `rollout` means every rollout of `namespace` (every visible one when both are
//! empty). Tags are one comma-separated string, which Grafana splits.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Event as KubeEvent;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::{QueryError, Request, TimeRange};
use crate::argo::{AnalysisRun, Rollout};
use crate::frames::{Field, Frame, FrameMeta, Severity};
use crate::instance::Instance;
use crate::k8s::history::{transitions, RolloutState};

/// One annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub time: DateTime<Utc>,
    pub time_end: Option<DateTime<Utc>>,
    pub title: String,
    pub text: String,
    pub tags: Vec<String>,
}

impl Annotation {
    fn overlaps(&self, range: &TimeRange) -> bool {
        self.time <= range.to && self.time_end.unwrap_or(self.time) >= range.from
    }
}

fn time_of(t: &Time) -> Option<DateTime<Utc>> {
    i64::try_from(t.0.as_nanosecond())
        .ok()
        .map(DateTime::from_timestamp_nanos)
}

fn tags(rollout: &str, more: &[&str]) -> Vec<String> {
    std::iter::once(rollout)
        .chain(more.iter().copied())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every annotation of one rollout, oldest first, before filtering by time range.
/// `runs` are its AnalysisRuns, `history` its observed states (oldest first) and
/// `events` the Kubernetes Events whose involved object it is.
pub fn rollout_annotations(
    rollout: &Rollout,
    runs: &[&AnalysisRun],
    history: &[RolloutState],
    events: &[&KubeEvent],
) -> Vec<Annotation> {
    let name = rollout.metadata.name.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    for c in &rollout.status.conditions {
        let Some(time) = c.last_transition_time else {
            continue;
        };
        let what = if c.reason.is_empty() {
            &c.status
        } else {
            &c.reason
        };
        out.push(Annotation {
            time,
            time_end: None,
            title: format!("{}: {what}", c.type_),
            text: c.message.clone(),
            tags: tags(name, &["condition", &c.type_]),
        });
    }
    for p in &rollout.status.pause_conditions {
        if let Some(time) = p.start_time {
            out.push(Annotation {
                time,
                time_end: None,
                title: format!("Paused: {}", p.reason),
                text: String::new(),
                tags: tags(name, &["pause"]),
            });
        }
    }
    for run in runs {
        let phase = run.status.phase.as_str();
        if !matches!(phase, "Failed" | "Error") {
            continue;
        }
        let started = run
            .status
            .started_at
            .or_else(|| run.metadata.creation_timestamp.as_ref().and_then(time_of));
        let Some(time) = started else { continue };
        out.push(Annotation {
            time,
            time_end: run.status.completed_at.filter(|end| *end > time),
            title: format!(
                "AnalysisRun {} {phase}",
                run.metadata.name.as_deref().unwrap_or_default()
            ),
            text: run.status.message.clone(),
            tags: tags(name, &["analysis", phase]),
        });
    }
    for pair in history.windows(2) {
        for t in transitions(&pair[0], &pair[1]) {
            let mut more = vec!["watch"];
            more.extend(t.tags.iter().copied());
            out.push(Annotation {
                time: pair[1].time,
                time_end: None,
                title: t.title,
                text: t.text,
                tags: tags(name, &more),
            });
        }
    }
    for e in events {
        let first = e
            .event_time
            .as_ref()
            .and_then(|t| {
                i64::try_from(t.0.as_nanosecond())
                    .ok()
                    .map(DateTime::from_timestamp_nanos)
            })
            .or_else(|| e.first_timestamp.as_ref().and_then(time_of))
            .or_else(|| e.metadata.creation_timestamp.as_ref().and_then(time_of));
        let Some(time) = first else { continue };
        let last = e.last_timestamp.as_ref().and_then(time_of);
        let kind = e.type_.as_deref().unwrap_or("Normal");
        let count = e.count.unwrap_or(1);
        let mut text = e.message.clone().unwrap_or_default();
        if count > 1 {
            text.push_str(&format!(" (×{count})"));
        }
        out.push(Annotation {
            time,
            time_end: last.filter(|l| *l > time),
            title: e.reason.clone().unwrap_or_else(|| "Event".into()),
            text,
            tags: tags(name, &["event", kind]),
        });
    }
    out.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.title.cmp(&b.title)));
    out
}

/// The annotations as Grafana's annotation frame.
pub fn annotation_frame(annotations: &[Annotation]) -> Frame {
    let meta = FrameMeta {
        data_topic: Some("annotations".into()),
        ..FrameMeta::default()
    };
    Frame::new("events")
        .meta(meta)
        .field(Field::times(
            "time",
            annotations.iter().map(|a| Some(a.time)),
        ))
        .field(Field::times(
            "timeEnd",
            annotations.iter().map(|a| a.time_end),
        ))
        .field(Field::strings(
            "title",
            annotations.iter().map(|a| Some(a.title.clone())),
        ))
        .field(Field::strings(
            "text",
            annotations.iter().map(|a| Some(a.text.clone())),
        ))
        .field(Field::strings(
            "tags",
            annotations.iter().map(|a| Some(a.tags.join(","))),
        ))
}

/// Answers an events query.
///
/// # Errors
/// When the cache cannot sync, or a named rollout does not exist or is hidden.
pub async fn run(instance: &Instance, req: &Request) -> Result<Vec<Frame>, QueryError> {
    let q = &req.query.model;
    let kube = instance.synced_cache().await?;
    let snapshot = kube.cache.snapshot();
    // One named rollout (`name` with one namespace, or `namespace/name`): not found (or
    // hidden) is an error, as for the other rollout queries. Lists (multi-value
    // variables) select what they name.
    let rollouts: Vec<&str> = q
        .rollout
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if let [only] = rollouts.as_slice() {
        let namespaces = q.namespace_list();
        let (ns, name) = match (only.split_once('/'), namespaces.as_slice()) {
            (Some((ns, name)), _) => (ns.trim(), name.trim()),
            (None, [ns]) => (*ns, *only),
            (None, _) => {
                return Err(QueryError::bad_request(
                    "the events query needs one namespace when it names a rollout (or the rollout as namespace/name)",
                ))
            }
        };
        super::rollouts::one(instance, &kube.cache, &snapshot, ns, name, req.now)?;
    }
    let selected: Vec<&Arc<Rollout>> = snapshot
        .rollouts
        .iter()
        .filter(|r| {
            let ns = r.metadata.namespace.as_deref().unwrap_or_default();
            instance.settings.namespace_allowed(ns)
                && q.admits_namespace(ns)
                && q.admits_rollout(ns, r.metadata.name.as_deref().unwrap_or_default())
        })
        .collect();
    let index = snapshot.index();
    let events = kube.cache.events.all();
    let mut annotations = Vec::new();
    for r in selected {
        let ns = r.metadata.namespace.as_deref().unwrap_or_default();
        let name = r.metadata.name.as_deref().unwrap_or_default();
        let related = index.related(r);
        let history = kube.cache.history.of(ns, name);
        let about: Vec<&KubeEvent> = events
            .iter()
            .map(AsRef::as_ref)
            .filter(|e| {
                let o = &e.involved_object;
                o.kind.as_deref() == Some("Rollout")
                    && o.name.as_deref() == Some(name)
                    && o.namespace.as_deref().or(e.metadata.namespace.as_deref()) == Some(ns)
            })
            .collect();
        annotations.extend(
            rollout_annotations(r, &related.analysis_runs, &history, &about)
                .into_iter()
                .filter(|a| a.overlaps(&req.range)),
        );
    }
    annotations.sort_by_key(|a| a.time);
    let mut frame = annotation_frame(&annotations);
    if let Some(err) = kube.cache.events.state().error {
        frame.push_notice(
            Severity::Warning,
            format!("Kubernetes Events are not shown: {err}"),
        );
    }
    Ok(vec![frame])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::Values;
    use serde_json::json;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn state(t: &str, step: i32, paused: bool) -> RolloutState {
        RolloutState {
            time: at(t),
            namespace: "shop".into(),
            name: "web".into(),
            current_step: Some(step),
            step_count: Some(4),
            set_weight: Some(20 * (step + 1)),
            actual_weight: Some(20),
            status: if paused { "Paused" } else { "Progressing" }.into(),
            message: String::new(),
            paused,
            aborted: false,
            stable_revision: Some(1),
            canary_revision: Some(2),
        }
    }

    #[test]
    fn conditions_pauses_failed_runs_history_and_events_become_annotations() {
        let rollout: Rollout = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop", "uid": "u"},
            "spec": {},
            "status": {
                "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                "message": "ReplicaSet web-2 has timed out", "lastTransitionTime": "2024-01-01T10:05:00Z"}],
                "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2024-01-01T10:01:00Z"}]
            }
        }))
        .unwrap();
        let failed: AnalysisRun = serde_json::from_value(json!({
            "metadata": {"name": "web-2-1", "namespace": "shop"},
            "spec": {"metrics": []},
            "status": {"phase": "Failed", "message": "error-rate failed", "startedAt": "2024-01-01T10:02:00Z",
                       "completedAt": "2024-01-01T10:03:00Z"}
        }))
        .unwrap();
        let ok: AnalysisRun = serde_json::from_value(json!({
            "metadata": {"name": "web-1-1", "namespace": "shop"},
            "spec": {"metrics": []},
            "status": {"phase": "Successful", "startedAt": "2024-01-01T09:00:00Z"}
        }))
        .unwrap();
        let event: KubeEvent = serde_json::from_value(json!({
            "metadata": {"name": "web.1", "namespace": "shop"},
            "involvedObject": {"kind": "Rollout", "name": "web", "namespace": "shop"},
            "reason": "RolloutStepCompleted", "message": "Rollout step 1/4 completed (setWeight: 20)",
            "type": "Normal", "count": 2,
            "firstTimestamp": "2024-01-01T10:00:30Z", "lastTimestamp": "2024-01-01T10:00:40Z"
        }))
        .unwrap();
        let history = [
            state("2024-01-01T10:00:00Z", 0, false),
            state("2024-01-01T10:01:00Z", 1, true),
        ];
        let a = rollout_annotations(&rollout, &[&failed, &ok], &history, &[&event]);
        let titles: Vec<&str> = a.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "RolloutStepCompleted",
                "Paused: CanaryPauseStep",
                "Progressing → Paused",
                "Rollout web paused",
                "Step 0/4 → 1/4",
                "AnalysisRun web-2-1 Failed",
                "Progressing: ProgressDeadlineExceeded",
            ]
        );
        assert_eq!(a[0].time_end, Some(at("2024-01-01T10:00:40Z")));
        assert_eq!(a[0].text, "Rollout step 1/4 completed (setWeight: 20) (×2)");
        assert_eq!(a[0].tags, ["web", "event", "Normal"]);
        assert_eq!(a[5].time_end, Some(at("2024-01-01T10:03:00Z")));
        assert_eq!(a[4].tags, ["web", "watch", "step"]);
        let range = TimeRange {
            from: at("2024-01-01T10:02:30Z"),
            to: at("2024-01-01T10:04:00Z"),
        };
        let kept: Vec<&str> = a
            .iter()
            .filter(|x| x.overlaps(&range))
            .map(|x| x.title.as_str())
            .collect();
        assert_eq!(kept, ["AnalysisRun web-2-1 Failed"]);
        let f = annotation_frame(&a);
        assert_eq!(
            f.meta.as_ref().unwrap().data_topic.as_deref(),
            Some("annotations")
        );
        assert_eq!(
            f.field_by_name("tags").unwrap().values,
            Values::String(a.iter().map(|x| Some(x.tags.join(","))).collect())
        );
        assert!(f.field_by_name("timeEnd").unwrap().values.has_nulls());
    }
}
