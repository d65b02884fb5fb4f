//! AnalysisRuns (with their measurements and job-metric Jobs) and Experiments (with their
//! own ReplicaSets and AnalysisRuns), following upstream's `info/analysisrun_info.go` and
//! `info/experiment_info.go`.

use chrono::{DateTime, Utc};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{
    created, owned_by, replicaset, revision_of, AnalysisRunInfo, ExperimentInfo, JobInfo,
    MeasurementInfo, MetricInfo, Related,
};
use crate::argo::{AnalysisRun, JOB_NAMESPACE_KEY, JOB_NAME_KEY};

/// AnalysisRuns owned by `owner_uid`: newest revision first, then oldest first, then by
/// name descending (upstream's order).
pub(super) fn analysis_run_infos(owner_uid: &str, related: &Related) -> Vec<AnalysisRunInfo> {
    let mut infos: Vec<AnalysisRunInfo> = related
        .analysis_runs
        .iter()
        .filter(|run| owned_by(&run.metadata, owner_uid))
        .map(|run| analysis_run_info(run, related))
        .collect();
    infos.sort_by(|a, b| {
        b.revision
            .cmp(&a.revision)
            .then_with(|| a.created.cmp(&b.created))
            .then_with(|| b.name.cmp(&a.name))
    });
    infos
}

fn int_or_string(v: Option<&IntOrString>) -> Option<String> {
    v.map(|v| match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    })
}

fn analysis_run_info(run: &AnalysisRun, related: &Related) -> AnalysisRunInfo {
    let meta = &run.metadata;
    let name = meta.name.clone().unwrap_or_default();
    let namespace = meta.namespace.clone().unwrap_or_default();
    let results = &run.status.metric_results;
    let metrics = run
        .spec
        .metrics
        .iter()
        .map(|m| MetricInfo {
            name: m.name.clone(),
            phase: results
                .iter()
                .find(|r| r.name == m.name)
                .map(|r| r.phase.clone())
                .unwrap_or_default(),
            success_condition: m.success_condition.clone().unwrap_or_default(),
            failure_condition: m.failure_condition.clone().unwrap_or_default(),
            count: int_or_string(m.count.as_ref()),
            failure_limit: int_or_string(m.failure_limit.as_ref()),
            inconclusive_limit: int_or_string(m.inconclusive_limit.as_ref()),
        })
        .collect();
    let mut info = AnalysisRunInfo {
        name: name.clone(),
        namespace: namespace.clone(),
        uid: meta.uid.clone().unwrap_or_default(),
        revision: revision_of(meta),
        status: run.status.phase.clone(),
        message: run.status.message.clone(),
        created: created(meta),
        successful: 0,
        failed: 0,
        inconclusive: 0,
        error: 0,
        metrics,
        jobs: Vec::new(),
        measurements: Vec::new(),
    };
    for result in results {
        info.successful += result.successful;
        info.failed += result.failed;
        info.inconclusive += result.inconclusive;
        info.error += result.error;
        for m in &result.measurements {
            let job_name = m
                .metadata
                .as_ref()
                .and_then(|md| md.get(JOB_NAME_KEY))
                .cloned();
            if let Some(job_name) = &job_name {
                let job_namespace = m
                    .metadata
                    .as_ref()
                    .and_then(|md| md.get(JOB_NAMESPACE_KEY))
                    .cloned()
                    .unwrap_or_else(|| namespace.clone());
                let job = related.jobs.iter().find(|j| {
                    j.metadata.name.as_deref() == Some(job_name.as_str())
                        && j.metadata.namespace.as_deref().unwrap_or(&namespace) == job_namespace
                });
                info.jobs.push(JobInfo {
                    name: job_name.clone(),
                    namespace: job_namespace,
                    status: m.phase.clone(),
                    metric: result.name.clone(),
                    created: m
                        .started_at
                        .or_else(|| job.and_then(|j| created(&j.metadata))),
                    uid: job.and_then(|j| j.metadata.uid.clone()),
                });
            }
            info.measurements.push(MeasurementInfo {
                run: name.clone(),
                metric: result.name.clone(),
                phase: m.phase.clone(),
                value: m.value.clone(),
                started_at: m.started_at,
                finished_at: m.finished_at,
                message: m.message.clone(),
                job_name,
            });
        }
    }
    info
}

/// Experiments owned by the rollout: newest revision first, then oldest first, then by
/// name.
pub(super) fn experiment_infos(
    rollout_uid: &str,
    related: &Related,
    now: DateTime<Utc>,
) -> Vec<ExperimentInfo> {
    let mut infos: Vec<ExperimentInfo> = related
        .experiments
        .iter()
        .filter(|exp| owned_by(&exp.metadata, rollout_uid))
        .map(|exp| {
            let meta = &exp.metadata;
            let uid = meta.uid.clone().unwrap_or_default();
            ExperimentInfo {
                name: meta.name.clone().unwrap_or_default(),
                namespace: meta.namespace.clone().unwrap_or_default(),
                revision: revision_of(meta),
                status: exp.status.phase.clone(),
                message: exp.status.message.clone(),
                created: created(meta),
                replica_sets: replicaset::replica_set_infos(&uid, None, related, now),
                analysis_runs: analysis_run_infos(&uid, related),
                uid,
            }
        })
        .collect();
    infos.sort_by(|a, b| {
        b.revision
            .cmp(&a.revision)
            .then_with(|| a.created.cmp(&b.created))
            .then_with(|| a.name.cmp(&b.name))
    });
    infos
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::Job;
    use serde_json::json;

    const OWNER: &str = "owner-uid";

    fn run(name: &str, revision: &str, created: &str, results: serde_json::Value) -> AnalysisRun {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "ns", "uid": format!("uid-{name}"),
                         "creationTimestamp": created,
                         "annotations": {"rollout.argoproj.io/revision": revision},
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Rollout", "name": "r", "uid": OWNER}]},
            "spec": {"metrics": [{"name": "m", "count": 3, "failureLimit": "{{args.limit}}"}]},
            "status": {"phase": "Running", "metricResults": results}
        }))
        .expect("valid AnalysisRun")
    }

    #[test]
    fn runs_sort_by_revision_then_age_then_name_descending() {
        let runs = [
            run("b", "1", "2026-01-01T00:00:00Z", json!([])),
            run("a", "1", "2026-01-01T00:00:00Z", json!([])),
            run("old", "1", "2025-12-01T00:00:00Z", json!([])),
            run("new-rev", "2", "2026-01-02T00:00:00Z", json!([])),
        ];
        let related = Related {
            analysis_runs: runs.iter().collect(),
            ..Related::default()
        };
        let names: Vec<_> = analysis_run_infos(OWNER, &related)
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["new-rev", "old", "b", "a"]);
        assert!(analysis_run_infos("other", &related).is_empty());
    }

    #[test]
    fn job_metrics_list_their_jobs_and_join_the_job_objects() {
        let results = json!([{
            "name": "m", "phase": "Running", "successful": 1, "error": 1,
            "measurements": [
                {"phase": "Successful", "metadata": {"job-name": "j1"}, "startedAt": "2026-01-01T00:01:00Z"},
                {"phase": "Error", "metadata": {"job-name": "j2", "job-namespace": "jobs"}},
                {"phase": "Running", "value": "0.5"},
                {"phase": "Running", "metadata": {"other": "x"}}
            ]
        }]);
        let r = run("r", "3", "2026-01-01T00:00:00Z", results);
        let job: Job = serde_json::from_value(json!({
            "metadata": {"name": "j2", "namespace": "jobs", "uid": "job-uid",
                         "creationTimestamp": "2026-01-01T00:02:00Z"}
        }))
        .unwrap();
        let decoy: Job = serde_json::from_value(
            json!({"metadata": {"name": "j2", "namespace": "ns", "uid": "decoy"}}),
        )
        .unwrap();
        let related = Related {
            analysis_runs: vec![&r],
            jobs: vec![&decoy, &job],
            ..Related::default()
        };
        let info = analysis_run_infos(OWNER, &related).remove(0);
        assert_eq!(info.revision, 3);
        assert_eq!(info.summary(), "✔ 1,⚠ 1");
        let jobs: Vec<_> = info
            .jobs
            .iter()
            .map(|j| {
                (
                    j.name.as_str(),
                    j.namespace.as_str(),
                    j.status.as_str(),
                    j.uid.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            jobs,
            [
                ("j1", "ns", "Successful", None),
                ("j2", "jobs", "Error", Some("job-uid"))
            ]
        );
        assert_eq!(
            info.jobs[1].created.map(|c| c.to_rfc3339()),
            Some("2026-01-01T00:02:00+00:00".to_string()),
            "without a measurement start the Job's creation time is used"
        );
        assert_eq!(info.measurements.len(), 4);
        assert_eq!(info.measurements[2].value, "0.5");
        assert_eq!(info.measurements[0].job_name.as_deref(), Some("j1"));
        assert_eq!(info.metrics[0].count.as_deref(), Some("3"));
        assert_eq!(
            info.metrics[0].failure_limit.as_deref(),
            Some("{{args.limit}}")
        );
        assert_eq!(info.metrics[0].phase, "Running");
    }
}
