//! The rollout query types, answered from the watch cache: `rollouts` (a table of every
//! rollout, or for alerting a health code per rollout), `rollout` (its object tree and
//! header), `steps` and `analysis`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::alert::{self, Form};
use super::rollout_metrics::{self, Columns};
use super::{QueryError, QueryType, Request};
use crate::argo::Rollout;
use crate::frames::{DataLink, Field, FieldConfig, Frame, FrameMeta, FrameType};
use crate::instance::Instance;
use crate::k8s::{Cache, Snapshot};
use crate::rollout::{self, RolloutInfo};

/// Answers a rollouts, rollout, steps or analysis query.
///
/// # Errors
/// When the cache cannot sync, or the named rollout does not exist or is hidden.
pub async fn run(instance: &Instance, req: &Request) -> Result<Vec<Frame>, QueryError> {
    let kube = instance.synced_cache().await?;
    let snapshot = kube.cache.snapshot();
    let q = &req.query.model;
    // The rollout the query names (rollout, steps and analysis).
    let named = || {
        one(
            instance,
            &kube.cache,
            &snapshot,
            &q.namespace,
            &q.rollout,
            req.now,
        )
    };
    match req.query.query_type {
        QueryType::Rollouts => {
            let infos = infos(instance, &kube.cache, &snapshot, req.now, |r| {
                matches_filters(r, q)
            });
            let infos: Vec<Arc<RolloutInfo>> = infos
                .into_iter()
                .filter(|i| {
                    q.status.is_empty() || i.status.to_string().eq_ignore_ascii_case(&q.status)
                })
                .collect();
            if Form::of(req)?.is_alert() {
                // A health code per rollout; the metric columns are no alert's business.
                return Ok(vec![alert::rollouts_frame(&infos)]);
            }
            let mut table = rollouts_table(&infos, instance, req.now);
            match instance.backends() {
                Ok(b) => {
                    if let Some(prom) = &b.prometheus {
                        let (columns, notes) = rollout_metrics::columns(prom, &infos).await;
                        table = with_metric_columns(table, &columns);
                        notes.attach(&mut table);
                    }
                }
                Err(e) => table.push_notice(
                    crate::frames::Severity::Warning,
                    format!(
                        "metric columns are not shown: the datasource settings are invalid: {e}"
                    ),
                ),
            }
            Ok(vec![table])
        }
        QueryType::Rollout => {
            let info = named()?;
            Ok(vec![tree_frame(&info, req.now), header_frame(&info)])
        }
        QueryType::Steps => {
            let info = named()?;
            let ends = snapshot
                .rollout(&q.namespace, &q.rollout)
                .and_then(rollout::pause_ends_at);
            Ok(vec![steps_frame(&info, ends, req.now)])
        }
        QueryType::Analysis => {
            let info = named()?;
            Ok(analysis_frames(&info, req))
        }
        other => Err(QueryError::internal(format!(
            "{} is not a rollout query",
            other.as_str()
        ))),
    }
}

/// Rollout info for every visible rollout that `keep` accepts, sorted by namespace
/// and name. Served from the cache's memo where a rollout's objects are unchanged; use
/// [`one`] where the clock matters (it always computes afresh).
pub fn infos(
    instance: &Instance,
    cache: &Cache,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    keep: impl Fn(&Rollout) -> bool,
) -> Vec<Arc<RolloutInfo>> {
    let index = snapshot.index();
    let mut rollouts: Vec<&Arc<Rollout>> = snapshot
        .rollouts
        .iter()
        .filter(|r| {
            instance
                .settings
                .namespace_allowed(r.metadata.namespace.as_deref().unwrap_or_default())
                && keep(r)
        })
        .collect();
    rollouts.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    cache.infos.infos(
        rollouts.into_iter().map(|r| (r.as_ref(), index.related(r))),
        now,
    )
}

/// The info of the rollout a query names (`namespace`, `rollout`), once the cache has
/// synced.
///
/// # Errors
/// As [`one`], and when the cache cannot sync.
pub async fn named(instance: &Instance, req: &Request) -> Result<Arc<RolloutInfo>, QueryError> {
    let kube = instance.synced_cache().await?;
    let q = &req.query.model;
    one(
        instance,
        &kube.cache,
        &kube.cache.snapshot(),
        &q.namespace,
        &q.rollout,
        req.now,
    )
}

/// The info of one rollout, from the cache's memo while its objects are unchanged.
///
/// # Errors
/// `rollout ns/name not found` (mentioning the allow-list when it hides it).
pub fn one(
    instance: &Instance,
    cache: &Cache,
    snapshot: &Snapshot,
    namespace: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Arc<RolloutInfo>, QueryError> {
    let hidden = !instance.settings.namespace_allowed(namespace);
    let rollout = snapshot
        .rollout(namespace, name)
        .filter(|_| !hidden)
        .ok_or_else(|| QueryError::rollout_not_found(namespace, name, hidden))?;
    let related = snapshot.index().related(rollout);
    cache
        .infos
        .infos([(rollout, related)], now)
        .pop()
        .ok_or_else(|| QueryError::internal("the rollout info memo returned nothing"))
}

/// The list filters: `namespace` and `rollout` as comma-separated lists (multi-value
/// variables), and the label selector.
fn matches_filters(r: &Rollout, q: &super::QueryModel) -> bool {
    let ns = r.metadata.namespace.as_deref().unwrap_or_default();
    q.admits_namespace(ns)
        && q.admits_rollout(ns, r.metadata.name.as_deref().unwrap_or_default())
        && crate::k8s::labels::matches(&q.label_selector, r.metadata.labels.as_ref())
}

/// `3d4h`, `5m`: the short ages kubectl prints.
pub fn age(created: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<String> {
    created.map(|c| rollout::human_duration(now - c))
}

fn rollouts_table(infos: &[Arc<RolloutInfo>], instance: &Instance, now: DateTime<Utc>) -> Frame {
    let col =
        |f: fn(&RolloutInfo) -> Option<String>| infos.iter().map(|i| f(i)).collect::<Vec<_>>();
    let num = |f: fn(&RolloutInfo) -> Option<i64>| infos.iter().map(|i| f(i)).collect::<Vec<_>>();
    let link = DataLink::internal(
        "Show rollout ${__data.fields.namespace}/${__value.raw}",
        &instance.uid,
        &instance.name,
        json!({
            "queryType": "rollout",
            "namespace": "${__data.fields.namespace}",
            "rollout": "${__value.raw}",
        }),
    );
    Frame::new("rollouts")
        .meta(FrameMeta::typed(FrameType::Table))
        .field(Field::strings(
            "namespace",
            col(|i| Some(i.namespace.clone())),
        ))
        .field(
            Field::strings("name", col(|i| Some(i.name.clone()))).config(FieldConfig {
                links: vec![link],
                ..FieldConfig::default()
            }),
        )
        .field(Field::strings("strategy", col(|i| Some(i.strategy_name()))))
        .field(Field::strings(
            "status",
            col(|i| Some(i.status.to_string())),
        ))
        .field(Field::strings("message", col(|i| Some(i.message.clone()))))
        .field(Field::strings("step", col(|i| Some(i.step()))))
        .field(Field::i64s(
            "currentStep",
            num(|i| i.current_step.map(i64::from)),
        ))
        .field(Field::i64s(
            "stepCount",
            num(|i| i.step_count.map(i64::from)),
        ))
        .field(Field::i64s("setWeight", num(|i| i.set_weight.map(i64::from))).unit("percent"))
        .field(Field::i64s("actualWeight", num(|i| i.actual_weight.map(i64::from))).unit("percent"))
        .field(Field::i64s("desired", num(|i| Some(i64::from(i.desired)))))
        .field(Field::i64s("current", num(|i| Some(i64::from(i.current)))))
        .field(Field::i64s("updated", num(|i| Some(i64::from(i.updated)))))
        .field(Field::i64s("ready", num(|i| Some(i64::from(i.ready)))))
        .field(Field::i64s(
            "available",
            num(|i| Some(i64::from(i.available))),
        ))
        .field(Field::strings(
            "stableRevision",
            col(|i| i.stable_revision.map(|r| r.to_string())),
        ))
        .field(Field::strings(
            "canaryRevision",
            col(|i| i.canary_revision.map(|r| r.to_string())),
        ))
        .field(Field::strings(
            "stableImage",
            col(|i| i.stable_image().map(String::from)),
        ))
        .field(Field::strings(
            "canaryImage",
            col(|i| i.canary_image().map(String::from)),
        ))
        .field(Field::strings(
            "analysisStatus",
            col(|i| i.analysis_status.clone()),
        ))
        .field(Field::strings(
            "age",
            infos
                .iter()
                .map(|i| age(i.created, now))
                .collect::<Vec<_>>(),
        ))
}

/// The Prometheus columns of the rollouts table (`verdict` stays empty: see
/// [`rollout_metrics`]).
fn with_metric_columns(table: Frame, columns: &[Columns]) -> Frame {
    let col = |f: fn(&Columns) -> Option<f64>| columns.iter().map(f).collect::<Vec<_>>();
    table
        .field(Field::f64s("canaryErrorRatio", col(|c| c.canary_error_ratio)).unit("percentunit"))
        .field(Field::f64s("stableErrorRatio", col(|c| c.stable_error_ratio)).unit("percentunit"))
        .field(Field::f64s("canaryP99", col(|c| c.canary_p99)).unit("s"))
        .field(Field::f64s("stableP99", col(|c| c.stable_p99)).unit("s"))
        .field(Field::strings(
            "verdict",
            columns.iter().map(|_| Some(String::new())),
        ))
}

fn tree_frame(info: &RolloutInfo, now: DateTime<Utc>) -> Frame {
    let rows = rollout::tree_rows(info, now);
    let col = |f: fn(&rollout::TreeRow) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    Frame::new("tree")
        .meta(FrameMeta::typed(FrameType::Table))
        .field(Field::strings("id", col(|r| Some(r.id.clone()))))
        .field(Field::strings("parentId", col(|r| r.parent_id.clone())))
        .field(Field::strings(
            "kind",
            col(|r| Some(r.kind.as_str().to_string())),
        ))
        .field(Field::strings("name", col(|r| Some(r.name.clone()))))
        .field(Field::strings("status", col(|r| Some(r.status.clone()))))
        .field(Field::strings("info", col(|r| Some(r.info.clone()))))
        .field(Field::strings(
            "revision",
            col(|r| r.revision.map(|v| v.to_string())),
        ))
        .field(Field::strings("age", col(|r| Some(r.age.clone()))))
}

fn header_frame(info: &RolloutInfo) -> Frame {
    let images: Vec<String> = info
        .images
        .iter()
        .map(|i| format!("{} ({})", i.image, i.tags.join(", ")))
        .collect();
    let one = |s: String| [Some(s)];
    Frame::new("header")
        .meta(FrameMeta::typed(FrameType::Table))
        .field(Field::strings("namespace", one(info.namespace.clone())))
        .field(Field::strings("name", one(info.name.clone())))
        .field(Field::strings("status", one(info.status.to_string())))
        .field(Field::strings("message", one(info.message.clone())))
        .field(Field::strings("strategy", one(info.strategy_name())))
        .field(Field::strings("step", one(info.step())))
        .field(Field::i64s("setWeight", [info.set_weight.map(i64::from)]).unit("percent"))
        .field(Field::i64s("actualWeight", [info.actual_weight.map(i64::from)]).unit("percent"))
        .field(Field::strings("images", one(images.join("\n"))))
        .field(Field::i64s("desired", [Some(i64::from(info.desired))]))
        .field(Field::i64s("current", [Some(i64::from(info.current))]))
        .field(Field::i64s("updated", [Some(i64::from(info.updated))]))
        .field(Field::i64s("ready", [Some(i64::from(info.ready))]))
        .field(Field::i64s("available", [Some(i64::from(info.available))]))
}

/// The steps; the current timed pause also gets when it ends and the seconds left.
fn steps_frame(info: &RolloutInfo, pause_ends: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Frame {
    let steps = &info.steps;
    let ends = |s: &rollout::StepInfo| {
        pause_ends.filter(|_| {
            s.state == rollout::StepState::Current && s.kind == rollout::StepKind::Pause
        })
    };
    Frame::new("steps")
        .meta(FrameMeta::typed(FrameType::Table))
        .field(Field::i64s(
            "index",
            steps.iter().map(|s| Some(i64::from(s.index))),
        ))
        .field(Field::strings(
            "kind",
            steps.iter().map(|s| Some(s.kind.as_str())),
        ))
        .field(Field::strings(
            "value",
            steps.iter().map(|s| Some(s.value.clone())),
        ))
        .field(Field::strings(
            "state",
            steps.iter().map(|s| Some(s.state.as_str())),
        ))
        .field(Field::times("pauseEndsAt", steps.iter().map(ends)))
        .field(
            Field::i64s(
                "remainingSeconds",
                steps
                    .iter()
                    .map(|s| ends(s).map(|t| (t - now).num_seconds().max(0))),
            )
            .unit("s"),
        )
}

fn analysis_frames(info: &RolloutInfo, req: &Request) -> Vec<Frame> {
    let in_range =
        |t: Option<DateTime<Utc>>| t.is_none_or(|t| t >= req.range.from && t <= req.range.to);
    let ms: Vec<&rollout::MeasurementInfo> = info
        .measurements()
        .filter(|m| in_range(m.finished_at.or(m.started_at)))
        .collect();
    let mut frames = vec![Frame::new("measurements")
        .meta(FrameMeta::typed(FrameType::Table))
        .field(Field::strings(
            "run",
            ms.iter().map(|m| Some(m.run.clone())),
        ))
        .field(Field::strings(
            "metric",
            ms.iter().map(|m| Some(m.metric.clone())),
        ))
        .field(Field::strings(
            "phase",
            ms.iter().map(|m| Some(m.phase.clone())),
        ))
        .field(Field::strings(
            "value",
            ms.iter().map(|m| Some(m.value.clone())),
        ))
        .field(Field::times("startedAt", ms.iter().map(|m| m.started_at)))
        .field(Field::times("finishedAt", ms.iter().map(|m| m.finished_at)))
        .field(Field::strings(
            "message",
            ms.iter().map(|m| Some(m.message.clone())),
        ))];
    // One time series per metric of its numeric values.
    let mut metrics: Vec<&str> = ms.iter().map(|m| m.metric.as_str()).collect();
    metrics.sort_unstable();
    metrics.dedup();
    for metric in metrics {
        let points: Vec<(DateTime<Utc>, f64)> = ms
            .iter()
            .filter(|m| m.metric == metric)
            .filter_map(|m| {
                let t = m.finished_at.or(m.started_at)?;
                let v = numeric_value(&m.value)?;
                Some((t, v))
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        frames.push(
            Frame::new(metric)
                .meta(FrameMeta::typed(FrameType::TimeSeriesMulti))
                .field(Field::times("time", points.iter().map(|p| Some(p.0))))
                .field(
                    Field::f64s("value", points.iter().map(|p| Some(p.1)))
                        .labels([("rollout", info.name.as_str()), ("metric", metric)]),
                ),
        );
    }
    frames
}

/// A measurement's value as a number: plain numbers and one-element vectors such as
/// `[0.99]`, which is how Prometheus results are stored.
fn numeric_value(raw: &str) -> Option<f64> {
    let trimmed = raw.trim().trim_start_matches('[').trim_end_matches(']');
    let mut parts = trimmed.split(',');
    let first = parts.next()?.trim().parse::<f64>().ok()?;
    parts
        .next()
        .is_none()
        .then_some(first)
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_values_accept_numbers_and_one_element_vectors_only() {
        assert_eq!(numeric_value("0.95"), Some(0.95));
        assert_eq!(numeric_value("[0.5]"), Some(0.5));
        assert_eq!(numeric_value("[1,2]"), None);
        assert_eq!(numeric_value("NaN"), None);
        assert_eq!(numeric_value("ok"), None);
    }
}
