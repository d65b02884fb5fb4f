//! `trafficSplit`: the share of requests each revision actually served (Prometheus),
//! next to the weight the rollout asked for (`setWeight`) and the one it reports
//! (`actualWeight`), all in percent over the dashboard's time range.
//!
//! Weights come from the watch-observed [`History`](crate::k8s::history::History),
//! drawn as steps, and always end with the current value at `now`, so the series is
//! never empty even right after the plugin started. Without Prometheus, or when it
//! fails, the weights are still returned and a notice says why the shares are missing.

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde_json::json;

use super::canary_metrics::rev_key;
use super::promql::{self, Notes};
use super::revisions::role_revisions;
use super::{rollouts, QueryError, Request};
use crate::frames::{Field, FieldConfig, Frame, FrameMeta, FrameType};
use crate::instance::Instance;
use crate::k8s::history::RolloutState;
use crate::prometheus::rate_interval;

/// One point of the weight series: (time, setWeight, actualWeight).
pub type WeightPoint = (DateTime<Utc>, Option<i32>, Option<i32>);

/// The weight steps within `[from, to]`: the value in force at `from` (the last
/// recorded state before it), every recorded change inside the range, and `current`
/// at `now` when `now` falls in the range (at `to` when the range ends before `now`,
/// from the last state recorded by then; or `current` when nothing was recorded yet).
pub fn weight_points(
    recorded: &[RolloutState],
    current: &RolloutState,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<WeightPoint> {
    let point = |s: &RolloutState, t: DateTime<Utc>| (t, s.set_weight, s.actual_weight);
    let mut out = Vec::new();
    if let Some(before) = recorded.iter().rev().find(|s| s.time < from) {
        out.push(point(before, from));
    }
    out.extend(
        recorded
            .iter()
            .filter(|s| s.time >= from && s.time <= to)
            .map(|s| point(s, s.time)),
    );
    let end = now.min(to);
    if end >= from && out.last().is_none_or(|p| p.0 < end) {
        if now <= to {
            out.push(point(current, now));
        } else {
            let last = recorded
                .iter()
                .rev()
                .find(|s| s.time <= to)
                .unwrap_or(current);
            out.push(point(last, to));
        }
    }
    out
}

/// Answers a trafficSplit query.
///
/// # Errors
/// Invalid settings, the rollout not found.
pub async fn run(instance: &Instance, req: &Request) -> Result<Vec<Frame>, QueryError> {
    let backends = instance.backends()?;
    let kube = instance.synced_cache().await?;
    let info = rollouts::named(instance, req).await?;
    let recorded = kube.cache.history.of(&info.namespace, &info.name);
    let current = RolloutState::of(&info, req.now);
    let points = weight_points(&recorded, &current, req.range.from, req.range.to, req.now);
    let mut notes = Notes::default();
    let mut frames = Vec::new();
    let revisions = role_revisions(&info);
    match &backends.prometheus {
        None => notes.warning(
            "observed traffic shares need Prometheus: set the Prometheus URL in the datasource settings",
        ),
        Some(_) if revisions.is_empty() => notes.warning(format!(
            "rollout {}/{} has no stable or canary revision to measure",
            info.namespace, info.name
        )),
        Some(prom) => {
            let span = promql::span(req);
            let window = rate_interval(span.step, prom.scrape_interval);
            let all: Vec<_> = revisions.iter().map(|r| r.rev.clone()).collect();
            let (revisions, all) = (&revisions, &all);
            let results: Vec<_> = futures::stream::iter(0..revisions.len())
                .map(|i| {
                    let r = &revisions[i];
                    async move {
                        let key: Vec<String> = all.iter().map(rev_key).collect();
                        let key = format!(
                            "share|{}|{}|{}",
                            rev_key(&r.rev),
                            key.join(";"),
                            window.as_millis()
                        );
                        let promql = prom
                            .memo(key, |b| b.traffic_share(&r.rev, all, window))
                            .map_err(|e| e.to_string())?;
                        let result = prom
                            .client
                            .query_range(&promql, span.start_ms, span.end_ms, span.step)
                            .await
                            .map_err(|e| e.to_string())?;
                        Ok::<_, String>((promql, result))
                    }
                })
                .buffered(promql::CONCURRENCY)
                .collect()
                .await;
            for (r, result) in revisions.iter().zip(results) {
                let (promql, samples) = match result {
                    Ok((promql, res)) => {
                        notes.server_warnings(prom.client.server(), &res.warnings);
                        let samples = res.series.into_iter().next().map(|s| s.samples);
                        (Some(promql), samples.unwrap_or_default())
                    }
                    Err(e) => {
                        notes.error(e);
                        (None, Vec::new())
                    }
                };
                let name = format!("{} observed share", r.role.as_str());
                let mut meta = FrameMeta::typed(FrameType::TimeSeriesMulti);
                meta.executed_query_string = promql;
                frames.push(
                    Frame::new(name.clone())
                        .meta(meta)
                        .field(Field::times_ms("time", samples.iter().map(|s| Some(s.0))))
                        .field(
                            Field::f64s("value", samples.iter().map(|s| Some(s.1 * 100.0)))
                                .labels([
                                    ("rollout", info.name.clone()),
                                    ("revision", r.revision.to_string()),
                                    ("role", r.role.as_str().to_string()),
                                    ("metric", "trafficShare".to_string()),
                                ])
                                .display_name(&name)
                                .unit("percent"),
                        ),
                );
            }
        }
    }
    let set: fn(&WeightPoint) -> Option<i32> = |p| p.1;
    let actual: fn(&WeightPoint) -> Option<i32> = |p| p.2;
    for (metric, title, pick) in [
        ("setWeight", "set weight", set),
        ("actualWeight", "actual weight", actual),
    ] {
        let values = points.iter().map(|p| pick(p).map(f64::from));
        frames.push(
            Frame::new(title)
                .meta(FrameMeta::typed(FrameType::TimeSeriesMulti))
                .field(Field::times("time", points.iter().map(|p| Some(p.0))))
                .field(
                    Field::f64s("value", values)
                        .labels([("rollout", info.name.as_str()), ("metric", metric)])
                        .config(FieldConfig {
                            display_name: Some(title.to_string()),
                            unit: Some("percent".into()),
                            min: Some(0.0),
                            max: Some(100.0),
                            custom: Some(json!({ "lineInterpolation": "stepAfter" })),
                            ..FieldConfig::default()
                        }),
                ),
        );
    }
    if let Some(first) = frames.first_mut() {
        notes.attach(first);
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap()
    }

    fn state(t: i64, set: i32, actual: i32) -> RolloutState {
        RolloutState {
            time: at(t),
            namespace: "shop".into(),
            name: "web".into(),
            current_step: Some(0),
            step_count: Some(4),
            set_weight: Some(set),
            actual_weight: Some(actual),
            status: "Paused".into(),
            message: String::new(),
            paused: true,
            aborted: false,
            stable_revision: Some(1),
            canary_revision: Some(2),
        }
    }

    #[test]
    fn weights_start_with_the_value_in_force_and_end_with_the_current_one() {
        let recorded = [state(10, 20, 20), state(50, 40, 30), state(200, 60, 60)];
        let current = state(300, 60, 60);
        let p = weight_points(&recorded, &current, at(30), at(400), at(300));
        assert_eq!(
            p,
            [
                (at(30), Some(20), Some(20)),
                (at(50), Some(40), Some(30)),
                (at(200), Some(60), Some(60)),
                (at(300), Some(60), Some(60)),
            ]
        );
    }

    #[test]
    fn a_past_range_ends_with_the_state_of_its_end_and_nothing_recorded_means_now() {
        let recorded = [state(10, 20, 20), state(500, 80, 80)];
        let current = state(900, 100, 100);
        let p = weight_points(&recorded, &current, at(100), at(200), at(900));
        assert_eq!(
            p,
            [(at(100), Some(20), Some(20)), (at(200), Some(20), Some(20))]
        );
        let p = weight_points(&[], &current, at(0), at(1000), at(900));
        assert_eq!(p, [(at(900), Some(100), Some(100))]);
    }
}
