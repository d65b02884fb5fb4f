//! `verdict`: the canary judged against stable (preview against active) over the
//! dashboard's time range, Kayenta style.
//!
//! Samples are per pod and per disjoint window ([`QueryBuilder::pod_samples`] with
//! `step == window`, window `max(4 × scrape, range / 60)`), so each side gets
//! `pods × windows` values per metric. Judged metrics: error ratio and each latency
//! quantile, where higher is worse. Request rate is not judged: a canary's share of
//! traffic follows its weight, so a lower rate is no regression. Too few samples make a
//! metric `nodata`, which never counts as a pass; Prometheus failing makes the verdict
//! `NoData` with the failure as an error notice, or for alerting the query's error
//! (the alert form: [`alert`]).
//!
//! [`QueryBuilder::pod_samples`]: crate::prometheus::QueryBuilder::pod_samples

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;

use super::alert::{self, Form};
use super::canary_metrics::rev_key;
use super::promql::{self, quantile_name, Notes};
use super::revisions::{role_revisions, RoleRevision};
use super::{rollouts, QueryError, Request};
use crate::analysis::{judge, Labels, MetricResult, MetricSamples, MetricStatus, Outcome, Verdict};
use crate::backends::{Prometheus, VerdictMode};
use crate::frames::{Field, Frame, FrameMeta, FrameType};
use crate::instance::Instance;
use crate::prometheus::SampleKind;
use crate::rollout::{RolloutInfo, Strategy};

/// Windows per pod the sample window aims at.
pub const TARGET_WINDOWS: u32 = 60;

/// The sample window for a range: at least four scrapes, at most
/// [`TARGET_WINDOWS`] windows, in whole seconds.
pub fn sample_window(range: Duration, scrape: Duration) -> Duration {
    let w = (scrape * 4).max(range / TARGET_WINDOWS);
    Duration::from_secs(w.as_secs() + u64::from(w.subsec_nanos() > 0))
}

/// One judged metric: its name and what its samples measure.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedMetric {
    pub name: String,
    pub kind: SampleKind,
}

/// Error ratio, then one latency metric per quantile.
pub fn judged_metrics(quantiles: &[f64], has_latency: bool) -> Vec<JudgedMetric> {
    let mut out = vec![JudgedMetric {
        name: "error ratio".into(),
        kind: SampleKind::ErrorRatio,
    }];
    if has_latency {
        out.extend(quantiles.iter().map(|q| JudgedMetric {
            name: format!("{} latency", quantile_name(*q)),
            kind: SampleKind::LatencyQuantile(*q),
        }));
    }
    out
}

/// Answers a verdict query.
///
/// # Errors
/// Invalid settings, no Prometheus configured, the rollout not found.
pub async fn run(instance: &Instance, req: &Request) -> Result<Vec<Frame>, QueryError> {
    let form = Form::of(req)?;
    let backends = instance.backends()?;
    let q = &req.query.model;
    let prom = backends.prometheus.as_ref().ok_or_else(|| {
        QueryError::bad_request(
            "the verdict needs Prometheus: set the Prometheus URL in the datasource settings",
        )
    })?;
    let info = rollouts::named(instance, req).await?;
    let quantiles = backends.quantiles_or(&q.quantiles);
    let revisions = role_revisions(&info);
    let control = revisions.iter().find(|r| r.role.is_control());
    let experiment = revisions.iter().find(|r| !r.role.is_control());
    let (Some(control), Some(experiment)) = (control, experiment) else {
        let summary = format!(
            "NoData: rollout {}/{} has no {} revision to compare",
            info.namespace,
            info.name,
            if control.is_none() {
                "stable"
            } else {
                "canary"
            }
        );
        if form.is_alert() {
            return Ok(vec![alert_frame(form, &info, 0.0, Outcome::NoData, &[])]);
        }
        let span = Span {
            from: req.range.from.timestamp_millis(),
            to: req.range.to.timestamp_millis(),
        };
        return Ok(vec![verdict_frame(
            &[],
            0.0,
            Outcome::NoData,
            &summary,
            &[],
            span,
        )]);
    };
    // Both sides over the same span: from the later of the range's start and the
    // experiment ReplicaSet's creation (before it, only stable has samples, and load or
    // drift then would read as a difference between the revisions).
    let to = req.range.to.timestamp_millis();
    let from = req
        .range
        .from
        .timestamp_millis()
        .max(
            experiment
                .created
                .map_or(i64::MIN, |c| c.timestamp_millis()),
        )
        .min(to);
    let span = Span { from, to };
    // Sides that select the same series cannot be told apart: no verdict, never Pass.
    if let Some(reason) = indistinguishable(prom, control, experiment) {
        let summary = format!("NoData: {reason}");
        if form.is_alert() {
            return Ok(vec![alert_frame(form, &info, 0.0, Outcome::NoData, &[])]);
        }
        return Ok(vec![verdict_frame(
            &[],
            0.0,
            Outcome::NoData,
            &summary,
            &[],
            span,
        )]);
    }
    if backends.verdict.mode == VerdictMode::Sequential {
        return sequential(
            prom, backends, &info, &quantiles, control, experiment, req, form,
        )
        .await;
    }
    let range = Duration::from_millis(u64::try_from(to - from).unwrap_or(0));
    let window = sample_window(range, prom.scrape_interval);
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    // Each point summarises (t - window, t]: the first one ends a window after `from`.
    let start = from + window_ms;
    let mut notes = Notes::default();
    let has_latency = prom
        .builder
        .latency_quantile(&control.rev, 0.5, window)
        .is_ok();
    let metrics = judged_metrics(&quantiles, has_latency);
    let mut queries = Vec::new();
    let mut samples: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); metrics.len()];
    if start <= to {
        let results = fetch_samples(prom, &metrics, control, experiment, window, start, to).await;
        for (i, side, result) in results {
            match result {
                Ok((promql, values, warnings)) => {
                    notes.server_warnings(prom.client.server(), &warnings);
                    queries.push(promql);
                    if side == 0 {
                        samples[i].0 = values;
                    } else {
                        samples[i].1 = values;
                    }
                }
                Err(e) => notes.error(e),
            }
        }
    } else if form.is_alert() {
        // A rule whose range never holds a window could only ever be NoData.
        return Err(QueryError::bad_request(format!(
            "the time range is shorter than one sample window ({}s): widen the rule's time range",
            window.as_secs()
        )));
    } else {
        notes.warning(format!(
            "the time range is shorter than one sample window ({}s): widen it",
            window.as_secs()
        ));
    }
    let inputs: Vec<(MetricSamples<'_>, _)> = metrics
        .iter()
        .zip(&samples)
        .map(|(m, (c, e))| {
            let config = match m.kind {
                SampleKind::ErrorRatio => backends.verdict.errors_config(),
                _ => backends.verdict.latency_config(),
            };
            (
                MetricSamples {
                    name: &m.name,
                    control: c,
                    experiment: e,
                },
                config,
            )
        })
        .collect();
    let mut config = backends.verdict.judge_config();
    if info.strategy == Some(Strategy::BlueGreen) {
        config = config.labels(Labels::blue_green());
    }
    let verdict: Verdict =
        judge(&inputs, &config).map_err(|e| QueryError::bad_request(e.to_string()))?;
    if form.is_alert() {
        // A failed query is the alert query's error: the rule goes to Error, not NoData.
        if !notes.errors.is_empty() {
            return Err(QueryError::downstream(notes.errors.join("; ")));
        }
        let mut frame = alert_frame(
            form,
            &info,
            verdict.score,
            verdict.outcome,
            &verdict.metrics,
        );
        if !queries.is_empty() {
            frame.meta_mut().executed_query_string = Some(queries.join("\n"));
        }
        notes.attach(&mut frame);
        return Ok(vec![frame]);
    }
    let (score, outcome, summary) = if notes.errors.is_empty() {
        (verdict.score, verdict.outcome, verdict.summary.clone())
    } else {
        // A failed query must never let the remaining metrics pass the canary.
        (
            0.0,
            Outcome::NoData,
            format!("NoData: {}", notes.errors.join("; ")),
        )
    };
    let summary = format!("{summary} [judged over {}]", span.describe());
    let mut frame = verdict_frame(&verdict.metrics, score, outcome, &summary, &queries, span);
    notes.attach(&mut frame);
    Ok(vec![frame])
}

/// Sequential mode: the canary from its start (see [`super::verdict_sequential`]).
#[allow(clippy::too_many_arguments)]
async fn sequential(
    prom: &Prometheus,
    backends: &crate::backends::Backends,
    info: &RolloutInfo,
    quantiles: &[f64],
    control: &RoleRevision,
    experiment: &RoleRevision,
    req: &Request,
    form: Form,
) -> Result<Vec<Frame>, QueryError> {
    use super::verdict_sequential as seq;
    let to = req.range.to.timestamp_millis();
    // Without a creation time, the range's start stands in for the canary's.
    let start = experiment
        .created
        .map_or(req.range.from.timestamp_millis(), |c| c.timestamp_millis());
    let has_latency = prom
        .builder
        .latency_quantile(&control.rev, 0.5, seq::window(prom.scrape_interval))
        .is_ok();
    let metrics = judged_metrics(quantiles, has_latency);
    let decided = seq::decide(
        prom,
        &backends.verdict,
        &metrics,
        control,
        experiment,
        start,
        to,
        info.strategy == Some(Strategy::BlueGreen),
    )
    .await?;
    let Some(d) = decided else {
        let summary = format!(
            "NoData: the canary is younger than one verdict window ({}s)",
            seq::window(prom.scrape_interval).as_secs()
        );
        if form.is_alert() {
            return Ok(vec![alert_frame(form, info, 0.0, Outcome::NoData, &[])]);
        }
        let span = Span { from: start, to };
        return Ok(vec![verdict_frame(
            &[],
            0.0,
            Outcome::NoData,
            &summary,
            &[],
            span,
        )]);
    };
    if form.is_alert() {
        if !d.notes.errors.is_empty() {
            return Err(QueryError::downstream(d.notes.errors.join("; ")));
        }
        let v = &d.verdict;
        let decided = !matches!(
            v.outcome,
            crate::analysis::SequentialOutcome::Undecided
                | crate::analysis::SequentialOutcome::NoData
        );
        let mut frame = if form == Form::Score {
            let outcome = if decided {
                Outcome::Pass
            } else {
                Outcome::NoData
            };
            alert::score_frame(&info.namespace, &info.name, v.score, outcome)
        } else {
            alert::codes_frame(
                &info.namespace,
                &info.name,
                seq::outcome_code(v.outcome),
                v.metrics
                    .iter()
                    .map(|m| (m.name.clone(), seq::status_code(m.status)))
                    .collect(),
            )
        };
        frame.meta_mut().executed_query_string = Some(d.queries.join("\n"));
        return Ok(vec![frame]);
    }
    let mut frame = seq::frame(&d);
    if !d.notes.errors.is_empty() {
        // A failed query must never let the remaining metrics pass the canary.
        if let Some(custom) = frame.meta_mut().custom.as_mut() {
            custom["outcome"] = "NoData".into();
            custom["summary"] = format!("NoData: {}", d.notes.errors.join("; ")).into();
        }
    }
    Ok(vec![frame])
}

/// The verdict as alerting reads it: result codes, or the score.
fn alert_frame(
    form: Form,
    info: &RolloutInfo,
    score: f64,
    outcome: Outcome,
    metrics: &[MetricResult],
) -> Frame {
    if form == Form::Score {
        alert::score_frame(&info.namespace, &info.name, score, outcome)
    } else {
        alert::verdict_frame(&info.namespace, &info.name, outcome, metrics)
    }
}

type SideResult = Result<(String, Vec<f64>, Vec<String>), String>;

async fn fetch_samples(
    prom: &Prometheus,
    metrics: &[JudgedMetric],
    control: &RoleRevision,
    experiment: &RoleRevision,
    window: Duration,
    start: i64,
    end: i64,
) -> Vec<(usize, usize, SideResult)> {
    let jobs: Vec<(usize, usize)> = (0..metrics.len()).flat_map(|i| [(i, 0), (i, 1)]).collect();
    futures::stream::iter(jobs)
        .map(|(i, side)| async move {
            let rev = if side == 0 { control } else { experiment };
            let result = async {
                let kind = metrics[i].kind;
                let key = format!(
                    "samples|{kind:?}|{}|{}",
                    rev_key(&rev.rev),
                    window.as_millis()
                );
                let promql = prom
                    .memo(key, |b| b.pod_samples(&rev.rev, kind, window))
                    .map_err(|e| e.to_string())?;
                let res = prom
                    .client
                    .query_range(&promql, start, end, window)
                    .await
                    .map_err(|e| e.to_string())?;
                let values = res
                    .series
                    .iter()
                    .flat_map(|s| s.samples.iter().map(|p| p.1))
                    .filter(|v| v.is_finite())
                    .collect();
                Ok((promql, values, res.warnings))
            }
            .await;
            (i, side, result)
        })
        .buffered(promql::CONCURRENCY)
        .collect()
        .await
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "Pass",
        Outcome::Marginal => "Marginal",
        Outcome::Fail => "Fail",
        Outcome::NoData => "NoData",
    }
}

fn result_name(m: &MetricResult) -> &'static str {
    match m.status() {
        MetricStatus::Pass => "pass",
        MetricStatus::Fail => "fail",
        MetricStatus::NoData => "nodata",
    }
}

/// The span both sides were judged over (unix ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: i64,
    pub to: i64,
}

impl Span {
    pub(crate) fn describe(self) -> String {
        let at = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms).map_or_else(
                || ms.to_string(),
                |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            )
        };
        format!("{} to {}", at(self.from), at(self.to))
    }
}

/// Why the two sides cannot be told apart, when they select the same series: a
/// version join where both revisions run the same version (a config-only rollout, a
/// shared or `latest` tag).
fn indistinguishable(
    prom: &Prometheus,
    control: &RoleRevision,
    experiment: &RoleRevision,
) -> Option<String> {
    let join = prom.builder.join();
    let (Ok(c), Ok(e)) = (
        join.revision_matchers(&control.rev),
        join.revision_matchers(&experiment.rev),
    ) else {
        return None;
    };
    if c != e {
        return None;
    }
    let what = match (&join.mode, &experiment.rev.version) {
        (crate::prometheus::JoinMode::Version { .. }, Some(v)) => format!(
            "both revisions run version {v:?}, so the version join selects the same series for both"
        ),
        _ => "both revisions select the same series".to_string(),
    };
    Some(format!(
        "{} {} and {} {} cannot be told apart: {what} ({{{c}}}); join by pod or pod-template hash (joinMode) to compare them",
        control.role.as_str(),
        control.revision,
        experiment.role.as_str(),
        experiment.revision,
    ))
}

/// The verdict table; `meta.custom` holds `{score, outcome, summary, spanFrom, spanTo}`.
pub fn verdict_frame(
    metrics: &[MetricResult],
    score: f64,
    outcome: Outcome,
    summary: &str,
    queries: &[String],
    span: Span,
) -> Frame {
    let count = |n: usize| Some(i64::try_from(n).unwrap_or(i64::MAX));
    let mut meta = FrameMeta::typed(FrameType::Table).custom(json!({
        "score": score,
        "outcome": outcome_name(outcome),
        "summary": summary,
        "spanFrom": span.from,
        "spanTo": span.to,
    }));
    if !queries.is_empty() {
        meta.executed_query_string = Some(queries.join("\n"));
    }
    Frame::new("verdict")
        .meta(meta)
        .field(Field::strings(
            "metric",
            metrics.iter().map(|m| Some(m.name.clone())),
        ))
        .field(Field::i64s(
            "controlSamples",
            metrics.iter().map(|m| count(m.control_n)),
        ))
        .field(Field::i64s(
            "experimentSamples",
            metrics.iter().map(|m| count(m.experiment_n)),
        ))
        .field(Field::f64s(
            "controlMedian",
            metrics.iter().map(|m| m.control_median),
        ))
        .field(Field::f64s(
            "experimentMedian",
            metrics.iter().map(|m| m.experiment_median),
        ))
        .field(
            Field::f64s(
                "relativeDifference",
                metrics.iter().map(|m| m.relative_difference),
            )
            .unit("percentunit"),
        )
        .field(Field::f64s("pValue", metrics.iter().map(|m| m.p_value)))
        .field(Field::f64s(
            "effectSize",
            metrics.iter().map(|m| m.effect_size),
        ))
        .field(Field::i64s(
            "outliersRemoved",
            metrics
                .iter()
                .map(|m| count(m.removed_control + m.removed_experiment)),
        ))
        .field(Field::strings(
            "result",
            metrics.iter().map(|m| Some(result_name(m))),
        ))
        .field(Field::strings(
            "reason",
            metrics.iter().map(|m| Some(m.reason.clone())),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::JudgeConfig;
    use crate::backends::VerdictSettings;
    use crate::frames::Values;

    #[test]
    fn the_sample_window_holds_four_scrapes_and_at_most_sixty_windows() {
        let s15 = Duration::from_secs(15);
        assert_eq!(
            sample_window(Duration::from_secs(600), s15),
            Duration::from_secs(60)
        );
        assert_eq!(
            sample_window(Duration::from_secs(6 * 3600), s15),
            Duration::from_secs(360)
        );
        assert_eq!(
            sample_window(Duration::from_secs(100), Duration::from_millis(1500)),
            Duration::from_secs(6)
        );
    }

    #[test]
    fn judged_metrics_are_error_ratio_and_each_latency_quantile() {
        let names: Vec<String> = judged_metrics(&[0.5, 0.99], true)
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, ["error ratio", "p50 latency", "p99 latency"]);
        assert_eq!(judged_metrics(&[0.5], false).len(), 1);
    }

    const SPAN: Span = Span { from: 0, to: 1 };

    fn judged(control: &[f64], experiment: &[f64]) -> Verdict {
        let v = VerdictSettings::default();
        let inputs = [(
            MetricSamples {
                name: "error ratio",
                control,
                experiment,
            },
            v.metric_config(),
        )];
        judge(&inputs, &JudgeConfig::default()).unwrap()
    }

    #[test]
    fn a_clearly_worse_canary_fails_and_too_few_samples_are_nodata() {
        let stable: Vec<f64> = (0..20).map(|i| 0.02 + f64::from(i) * 1e-4).collect();
        let canary: Vec<f64> = (0..20).map(|i| 0.10 + f64::from(i) * 1e-4).collect();
        let v = judged(&stable, &canary);
        assert_eq!(v.outcome, Outcome::Fail);
        let f = verdict_frame(
            &v.metrics,
            v.score,
            v.outcome,
            &v.summary,
            &["q".into()],
            SPAN,
        );
        assert_eq!(
            f.field_by_name("result").unwrap().values,
            Values::String(vec![Some("fail".into())])
        );
        assert_eq!(
            f.field_by_name("controlSamples").unwrap().values,
            Values::I64(vec![Some(20)])
        );
        let custom = f.meta.as_ref().unwrap().custom.clone().unwrap();
        assert_eq!(custom["outcome"], "Fail");
        let v = judged(&stable[..3], &canary[..3]);
        assert_eq!(v.outcome, Outcome::NoData);
        let f = verdict_frame(&v.metrics, v.score, v.outcome, &v.summary, &[], SPAN);
        assert_eq!(
            f.field_by_name("result").unwrap().values,
            Values::String(vec![Some("nodata".into())])
        );
    }
}
