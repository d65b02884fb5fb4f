//! The `verdict` query in sequential mode (`verdictMode: sequential`, the default): an
//! always-valid test ([`crate::analysis::sequential_verdict`]) whose false-Fail rate
//! stays within `1 - verdictConfidence` however often the dashboard refreshes during the
//! canary.
//!
//! The guarantee needs the same windows at every look, so windows are cut from the
//! canary ReplicaSet's creation with a fixed length (four scrape intervals), not from
//! the dashboard's range: the verdict covers the canary from its start to the range's
//! end. Error ratio: each side's `increase` of requests and errors per window. Latency:
//! each pod's quantile per window. At most [`MAX_WINDOWS`] windows are read (the newest).

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;

use super::promql::{self, Notes};
use super::revisions::RoleRevision;
use super::verdict::{JudgedMetric, Span};
use super::QueryError;
use crate::analysis::{
    sequential_verdict, CountWindow, Labels, SequentialConfig, SequentialData, SequentialMetric,
    SequentialMetricConfig, SequentialOutcome, SequentialStatus, SequentialVerdict, ValueWindow,
};
use crate::backends::{Prometheus, VerdictSettings};
use crate::frames::{Field, Frame, FrameMeta, FrameType};
use crate::prometheus::{BatchSeries, SampleKind};

/// Windows read at most (the newest); a longer canary drops its oldest whole windows.
pub const MAX_WINDOWS: i64 = 2000;

/// The fixed window of the sequential verdict: four scrape intervals, whole seconds.
pub fn window(scrape: Duration) -> Duration {
    let w = scrape * 4;
    Duration::from_secs((w.as_secs() + u64::from(w.subsec_nanos() > 0)).max(1))
}

/// What the sequential verdict decided, and over which span.
#[derive(Debug)]
pub struct Decided {
    pub verdict: SequentialVerdict,
    pub span: Span,
    pub queries: Vec<String>,
    pub notes: Notes,
    /// Per metric: stable's and the canary's value over the whole span (error ratio of
    /// the summed counts; median of the window values).
    pub sides: Vec<(Option<f64>, Option<f64>)>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// The windows' grid: first window end, step and count, aligned to `start`.
fn grid(start: i64, end: i64, window_ms: i64) -> Option<(i64, i64)> {
    let mut first = start.checked_add(window_ms)?;
    if first > end {
        return None;
    }
    let count = (end - first) / window_ms + 1;
    if count > MAX_WINDOWS {
        first += (count - MAX_WINDOWS) * window_ms;
    }
    Some((first, (end - first) / window_ms + 1))
}

/// Reads the windows and judges them.
///
/// # Errors
/// Invalid verdict settings.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    prom: &Prometheus,
    settings: &VerdictSettings,
    metrics: &[JudgedMetric],
    control: &RoleRevision,
    experiment: &RoleRevision,
    canary_start: i64,
    end: i64,
    blue_green: bool,
) -> Result<Option<Decided>, QueryError> {
    let w = window(prom.scrape_interval);
    let window_ms = i64::try_from(w.as_millis()).unwrap_or(i64::MAX);
    let Some((first, count)) = grid(canary_start, end, window_ms) else {
        return Ok(None);
    };
    let last = first + (count - 1) * window_ms;
    let span = Span {
        from: first - window_ms,
        to: last,
    };
    let index = |t_ms: i64| -> Option<usize> {
        let d = t_ms - first;
        (d >= 0 && d % window_ms == 0 && d / window_ms < count).then(|| (d / window_ms) as usize)
    };
    let n = usize::try_from(count).unwrap_or(0);
    let mut notes = Notes::default();
    let mut queries = Vec::new();

    // Jobs: (metric index, side, promql); counts use metric index usize::MAX - series.
    let mut jobs: Vec<(usize, usize, String)> = Vec::new();
    for (side, rev) in [(0, control), (1, experiment)] {
        for (slot, series) in [(0, BatchSeries::Requests), (1, BatchSeries::Errors)] {
            match prom.builder.window_count(&rev.rev, series, w) {
                Ok(q) => jobs.push((usize::MAX - slot, side, q)),
                Err(e) => notes.error(e.to_string()),
            }
        }
        for (i, m) in metrics.iter().enumerate() {
            if let SampleKind::LatencyQuantile(_) = m.kind {
                match prom.builder.pod_samples(&rev.rev, m.kind, w) {
                    Ok(q) => jobs.push((i, side, q)),
                    Err(e) => notes.error(e.to_string()),
                }
            }
        }
    }
    let step_s = w;
    let results: Vec<_> = futures::stream::iter(jobs)
        .map(|(i, side, q)| async move {
            let r = prom.client.query_range(&q, first, last, step_s).await;
            (i, side, q, r)
        })
        .buffered(promql::CONCURRENCY)
        .collect()
        .await;
    let mut counts = vec![CountWindow::default(); n];
    let mut values: BTreeMap<usize, Vec<ValueWindow>> = BTreeMap::new();
    for (i, side, q, r) in results {
        let res = match r {
            Ok(res) => res,
            Err(e) => {
                notes.error(e.to_string());
                continue;
            }
        };
        notes.server_warnings(prom.client.server(), &res.warnings);
        queries.push(q);
        for series in &res.series {
            for (t, v) in &series.samples {
                let Some(k) = index(*t) else { continue };
                if !v.is_finite() {
                    continue;
                }
                if i >= usize::MAX - 1 {
                    let c = if side == 0 {
                        &mut counts[k].stable
                    } else {
                        &mut counts[k].canary
                    };
                    if i == usize::MAX {
                        c.requests += v;
                    } else {
                        c.errors += v;
                    }
                } else {
                    let windows = values
                        .entry(i)
                        .or_insert_with(|| vec![ValueWindow::default(); n]);
                    if side == 0 {
                        windows[k].stable.push(*v);
                    } else {
                        windows[k].canary.push(*v);
                    }
                }
            }
        }
    }
    let latency_count = metrics
        .iter()
        .filter(|m| matches!(m.kind, SampleKind::LatencyQuantile(_)))
        .count()
        .max(1);
    let empty: Vec<ValueWindow> = vec![ValueWindow::default(); n];
    let judged: Vec<SequentialMetric<'_>> = metrics
        .iter()
        .enumerate()
        .map(|(i, m)| match m.kind {
            SampleKind::ErrorRatio => SequentialMetric {
                name: &m.name,
                data: SequentialData::Counts(&counts),
                config: SequentialMetricConfig::default()
                    .tolerance(settings.tolerance)
                    .critical(settings.errors_critical)
                    .weight(settings.errors_weight),
            },
            _ => SequentialMetric {
                name: &m.name,
                data: SequentialData::Values(values.get(&i).unwrap_or(&empty)),
                config: SequentialMetricConfig::default()
                    .tolerance(settings.tolerance)
                    .critical(settings.latency_critical)
                    .weight(settings.latency_weight / latency_count as f64),
            },
        })
        .collect();
    let times: Vec<i64> = (0..count).map(|k| first + k * window_ms).collect();
    let mut config = SequentialConfig::default()
        .confidence(settings.confidence)
        .thresholds(settings.pass, settings.marginal);
    if blue_green {
        config = config.labels(Labels::blue_green());
    }
    let verdict = sequential_verdict(&judged, Some(&times), &config)
        .map_err(|e| QueryError::bad_request(e.to_string()))?;
    let ratio = |requests: f64, errors: f64| (requests > 0.0).then(|| errors / requests);
    let sides = judged
        .iter()
        .map(|m| match m.data {
            SequentialData::Counts(w) => {
                let sum = |f: fn(&CountWindow) -> (f64, f64)| {
                    w.iter()
                        .map(f)
                        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
                };
                let (sr, se) = sum(|c| (c.stable.requests, c.stable.errors));
                let (cr, ce) = sum(|c| (c.canary.requests, c.canary.errors));
                (ratio(sr, se), ratio(cr, ce))
            }
            SequentialData::Values(w) => (
                median(w.iter().flat_map(|x| x.stable.iter().copied()).collect()),
                median(w.iter().flat_map(|x| x.canary.iter().copied()).collect()),
            ),
        })
        .collect();
    Ok(Some(Decided {
        verdict,
        span,
        queries,
        notes,
        sides,
    }))
}

pub fn outcome_name(o: SequentialOutcome) -> &'static str {
    match o {
        SequentialOutcome::Pass => "Pass",
        SequentialOutcome::Marginal => "Marginal",
        SequentialOutcome::Fail => "Fail",
        SequentialOutcome::Undecided => "Undecided",
        SequentialOutcome::NoData => "NoData",
    }
}

fn status_name(s: SequentialStatus) -> &'static str {
    match s {
        SequentialStatus::Pass => "pass",
        SequentialStatus::Fail => "fail",
        SequentialStatus::Undecided => "undecided",
        SequentialStatus::NoData => "nodata",
    }
}

/// Alert codes: 0 Pass, 1 Marginal, 2 Fail, -1 no decision yet (Undecided, NoData).
pub fn outcome_code(o: SequentialOutcome) -> f64 {
    match o {
        SequentialOutcome::Pass => 0.0,
        SequentialOutcome::Marginal => 1.0,
        SequentialOutcome::Fail => 2.0,
        SequentialOutcome::Undecided | SequentialOutcome::NoData => -1.0,
    }
}

pub fn status_code(s: SequentialStatus) -> f64 {
    match s {
        SequentialStatus::Pass => 0.0,
        SequentialStatus::Fail => 2.0,
        SequentialStatus::Undecided | SequentialStatus::NoData => -1.0,
    }
}

/// The verdict table in sequential mode: the fixed mode's columns where they have a
/// meaning here, plus `since` (when the metric's decision has held since) and the
/// evidence. `pValue` is the always-valid p-value `min(1, 1/e)` of the Fail test.
pub fn frame(d: &Decided) -> Frame {
    let v = &d.verdict;
    let m = &v.metrics;
    let since = v.since.and_then(|l| l.time_ms);
    let mut meta = FrameMeta::typed(FrameType::Table).custom(json!({
        "score": v.score + 0.0,
        "outcome": outcome_name(v.outcome),
        "summary": format!("{} [judged over {}]", v.summary, d.span.describe()),
        "mode": "sequential",
        "since": since,
        "windows": v.windows,
        "spanFrom": d.span.from,
        "spanTo": d.span.to,
    }));
    if !d.queries.is_empty() {
        meta.executed_query_string = Some(d.queries.join("\n"));
    }
    let windows = |r: &crate::analysis::SequentialMetricResult| {
        Some(i64::try_from(r.windows).unwrap_or(i64::MAX))
    };
    let mut f = Frame::new("verdict")
        .meta(meta)
        .field(Field::strings(
            "metric",
            m.iter().map(|r| Some(r.name.clone())),
        ))
        .field(Field::i64s("controlSamples", m.iter().map(windows)))
        .field(Field::i64s("experimentSamples", m.iter().map(windows)))
        .field(Field::f64s("controlMedian", d.sides.iter().map(|s| s.0)))
        .field(Field::f64s("experimentMedian", d.sides.iter().map(|s| s.1)))
        .field(
            Field::f64s(
                "relativeDifference",
                d.sides.iter().map(|(c, e)| match (c, e) {
                    (Some(c), Some(e)) if *c != 0.0 => Some((e - c) / c.abs()),
                    _ => None,
                }),
            )
            .unit("percentunit"),
        )
        .field(Field::f64s(
            "pValue",
            m.iter().map(|r| Some((1.0 / r.evidence.fail).min(1.0))),
        ))
        .field(Field::f64s("effectSize", m.iter().map(|r| r.ratio)))
        .field(Field::f64s(
            "evidence",
            m.iter().map(|r| Some(r.evidence.fail)),
        ))
        .field(Field::strings(
            "result",
            m.iter().map(|r| Some(status_name(r.status))),
        ))
        .field(Field::times_ms(
            "since",
            m.iter().map(|r| r.since.and_then(|l| l.time_ms)),
        ))
        .field(Field::strings(
            "reason",
            m.iter().map(|r| Some(r.reason.clone())),
        ));
    d.notes.attach(&mut f);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_cut_from_the_canary_start_and_capped() {
        assert_eq!(grid(0, 59_999, 60_000), None);
        assert_eq!(grid(0, 180_500, 60_000), Some((60_000, 3)));
        // Same canary, a later look: the same grid, one more window.
        assert_eq!(grid(0, 240_000, 60_000), Some((60_000, 4)));
        let (first, count) = grid(0, 60_000 * 5000, 60_000).unwrap();
        assert_eq!(count, MAX_WINDOWS);
        assert_eq!(first % 60_000, 0);
        assert_eq!(grid(i64::MAX - 10, i64::MAX, 60_000), None);
        assert_eq!(window(Duration::from_secs(15)), Duration::from_secs(60));
        assert_eq!(window(Duration::from_millis(100)), Duration::from_secs(1));
    }
}
