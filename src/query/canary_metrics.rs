//! `canaryMetrics`: request rate, error ratio and latency quantiles of each revision of
//! a rollout (stable and canary, or active and preview) as `timeseries-multi` frames,
//! plus an `exemplar` frame whose trace ids open the Tempo datasource.
//!
//! One range query per revision, metric and quantile, at Grafana's interval, with the
//! rate window `max(step + scrape, 4 × scrape)`. When Prometheus fails, the frames are
//! still returned, empty, with the failure as an error notice (status 200): panels show
//! the cause instead of a generic error, and the rollout's other panels keep working.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;

use super::promql::{self, quantile_name, Notes, Span};
use super::revisions::{role_revisions, RoleRevision};
use super::{rollouts, QueryError, Request};
use crate::backends::{Backends, Prometheus};
use crate::frames::{Field, Frame, FrameMeta, FrameType};
use crate::instance::Instance;
use crate::prometheus::{rate_interval, Exemplar, RevisionRef};
use crate::rollout::RolloutInfo;

/// A metric of the query's `metrics` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    RequestRate,
    ErrorRatio,
    Latency,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::RequestRate, Metric::ErrorRatio, Metric::Latency];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::RequestRate => "requestRate",
            Metric::ErrorRatio => "errorRatio",
            Metric::Latency => "latency",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Metric::RequestRate => "reqps",
            Metric::ErrorRatio => "percentunit",
            Metric::Latency => "s",
        }
    }

    /// The query's list, every metric when empty.
    ///
    /// # Errors
    /// Naming an unknown metric.
    pub fn parse_list(names: &[String]) -> Result<Vec<Metric>, QueryError> {
        if names.is_empty() {
            return Ok(Self::ALL.to_vec());
        }
        let mut out = Vec::new();
        for n in names {
            let m = Self::ALL
                .into_iter()
                .find(|m| m.as_str() == n)
                .ok_or_else(|| {
                    QueryError::bad_request(format!(
                        "query field \"metrics\" is invalid: unknown metric {n:?}; expected requestRate, errorRatio or latency"
                    ))
                })?;
            if !out.contains(&m) {
                out.push(m);
            }
        }
        Ok(out)
    }
}

/// One series to fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSpec {
    pub role: &'static str,
    pub revision: i64,
    pub metric: Metric,
    pub quantile: Option<f64>,
    pub promql: String,
}

impl SeriesSpec {
    /// "canary p99 latency", "stable request rate".
    pub fn display_name(&self) -> String {
        match (self.metric, self.quantile) {
            (Metric::Latency, Some(q)) => format!("{} {} latency", self.role, quantile_name(q)),
            (Metric::Latency, None) => format!("{} latency", self.role),
            (Metric::RequestRate, _) => format!("{} request rate", self.role),
            (Metric::ErrorRatio, _) => format!("{} error ratio", self.role),
        }
    }
}

/// Answers a canaryMetrics query.
///
/// # Errors
/// Invalid settings or query, no Prometheus configured, the rollout not found.
pub async fn run(instance: &Instance, req: &Request) -> Result<Vec<Frame>, QueryError> {
    let backends = instance.backends()?;
    let q = &req.query.model;
    let metrics = Metric::parse_list(&q.metrics)?;
    let prom = backends.prometheus.as_ref().ok_or_else(|| {
        QueryError::bad_request(
            "canaryMetrics needs Prometheus: set the Prometheus URL in the datasource settings",
        )
    })?;
    let info = rollouts::named(instance, req).await?;
    let quantiles = backends.quantiles_or(&q.quantiles);
    let span = promql::span(req);
    let window = rate_interval(span.step, prom.scrape_interval);
    let revisions = role_revisions(&info);
    let mut notes = Notes::default();
    let specs = series_specs(prom, &revisions, &metrics, &quantiles, window, &mut notes);
    let want_exemplars = q.exemplars.unwrap_or(true) && metrics.contains(&Metric::Latency);
    let (series, exemplars) = futures::join!(fetch_series(prom, &specs, span), async {
        if want_exemplars {
            fetch_exemplars(prom, &revisions, span).await
        } else {
            (Vec::new(), Notes::default())
        }
    });
    let mut frames = Vec::with_capacity(specs.len() + 1);
    for (spec, result) in specs.iter().zip(series) {
        let samples = match result {
            Ok((samples, warnings)) => {
                notes.server_warnings(prom.client.server(), &warnings);
                samples
            }
            Err(e) => {
                notes.error(e);
                Vec::new()
            }
        };
        frames.push(series_frame(&info, spec, &samples));
    }
    let (exemplar_rows, exemplar_notes) = exemplars;
    for w in exemplar_notes.warnings {
        notes.warning(w);
    }
    for e in exemplar_notes.errors {
        notes.warning(format!("exemplars are not shown: {e}"));
    }
    if revisions.is_empty() {
        notes.warning(format!(
            "rollout {}/{} has no stable or canary revision to show",
            info.namespace, info.name
        ));
    }
    if frames.is_empty() {
        frames.push(Frame::new("canaryMetrics").meta(FrameMeta::typed(FrameType::TimeSeriesMulti)));
    }
    if let Some(first) = frames.first_mut() {
        notes.attach(first);
    }
    if !exemplar_rows.is_empty() {
        frames.push(exemplar_frame(&exemplar_rows, backends));
    }
    Ok(frames)
}

/// The PromQL of every (revision, metric, quantile); builder errors (a preset without
/// histogram, a version join without version) become notes and skip that series.
pub fn series_specs(
    prom: &Prometheus,
    revisions: &[RoleRevision],
    metrics: &[Metric],
    quantiles: &[f64],
    window: Duration,
    notes: &mut Notes,
) -> Vec<SeriesSpec> {
    let mut specs = Vec::new();
    for r in revisions {
        let key = |what: &str| format!("{what}|{}|{}", rev_key(&r.rev), window.as_millis());
        for m in metrics {
            let built: Vec<(Option<f64>, Result<String, _>)> = match m {
                Metric::RequestRate => vec![(
                    None,
                    prom.memo(key("rate"), |b| b.request_rate(&r.rev, window)),
                )],
                Metric::ErrorRatio => vec![(
                    None,
                    prom.memo(key("errors"), |b| b.error_ratio(&r.rev, window)),
                )],
                Metric::Latency => quantiles
                    .iter()
                    .map(|q| {
                        let built = prom.memo(key(&format!("latency {q}")), |b| {
                            b.latency_quantile(&r.rev, *q, window)
                        });
                        (Some(*q), built)
                    })
                    .collect(),
            };
            for (quantile, promql) in built {
                match promql {
                    Ok(promql) => specs.push(SeriesSpec {
                        role: r.role.as_str(),
                        revision: r.revision,
                        metric: *m,
                        quantile,
                        promql,
                    }),
                    Err(e) => notes.warning(format!("{} is not shown: {e}", m.as_str())),
                }
            }
        }
    }
    specs
}

/// Everything of a revision a query is built from, as a memo key.
pub fn rev_key(rev: &RevisionRef) -> String {
    format!(
        "{}|{}|{}|{}|{:?}",
        rev.namespace, rev.rollout, rev.replica_set, rev.pod_template_hash, rev.version
    )
}

type SeriesResult = Result<(Vec<(i64, f64)>, Vec<String>), String>;

async fn fetch_series(prom: &Prometheus, specs: &[SeriesSpec], span: Span) -> Vec<SeriesResult> {
    // Indices, not references: the stream must be Send for any lifetime of the items.
    futures::stream::iter(0..specs.len())
        .map(|i| async move {
            let spec = &specs[i];
            let r = prom
                .client
                .query_range(&spec.promql, span.start_ms, span.end_ms, span.step)
                .await
                .map_err(|e| e.to_string())?;
            // The builders aggregate to one series; without data there is none.
            let samples = r
                .series
                .into_iter()
                .next()
                .map(|s| s.samples)
                .unwrap_or_default();
            Ok((samples, r.warnings))
        })
        .buffered(promql::CONCURRENCY)
        .collect()
        .await
}

/// One exemplar with the revision it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct ExemplarRow {
    pub role: &'static str,
    pub revision: i64,
    pub exemplar: Exemplar,
}

async fn fetch_exemplars(
    prom: &Prometheus,
    revisions: &[RoleRevision],
    span: Span,
) -> (Vec<ExemplarRow>, Notes) {
    let mut notes = Notes::default();
    let results: Vec<_> = futures::stream::iter(0..revisions.len())
        .map(|i| async move {
            let r = &revisions[i];
            let selector = prom
                .memo(format!("exemplars|{}", rev_key(&r.rev)), |b| {
                    b.exemplar_selector(&r.rev)
                })
                .map_err(|e| e.to_string())?;
            prom.client
                .query_exemplars(&selector, span.start_ms, span.end_ms)
                .await
                .map(|res| (r, res))
                .map_err(|e| e.to_string())
        })
        .buffered(promql::CONCURRENCY)
        .collect()
        .await;
    let mut rows = Vec::new();
    for result in results {
        match result {
            Ok((r, res)) => {
                notes.server_warnings(prom.client.server(), &res.warnings);
                rows.extend(res.exemplars.into_iter().map(|exemplar| ExemplarRow {
                    role: r.role.as_str(),
                    revision: r.revision,
                    exemplar,
                }));
            }
            Err(e) => notes.error(e),
        }
    }
    rows.sort_by_key(|r| r.exemplar.timestamp_ms);
    (rows, notes)
}

/// One revision's series as a `timeseries-multi` frame: time and a labelled value.
pub fn series_frame(info: &RolloutInfo, spec: &SeriesSpec, samples: &[(i64, f64)]) -> Frame {
    let mut labels = vec![
        ("rollout", info.name.clone()),
        ("revision", spec.revision.to_string()),
        ("role", spec.role.to_string()),
        ("metric", spec.metric.as_str().to_string()),
    ];
    if let Some(q) = spec.quantile {
        labels.push(("quantile", q.to_string()));
    }
    let name = spec.display_name();
    Frame::new(name.clone())
        .meta(FrameMeta::typed(FrameType::TimeSeriesMulti).executed(spec.promql.clone()))
        .field(Field::times_ms("time", samples.iter().map(|s| Some(s.0))))
        .field(
            Field::f64s("value", samples.iter().map(|s| Some(s.1)))
                .labels(labels)
                .display_name(&name)
                .unit(spec.metric.unit()),
        )
}

/// The names instrumentations give the trace id label.
const TRACE_ID_LABELS: [&str; 5] = ["trace_id", "traceID", "traceId", "TraceID", "trace-id"];

/// Exemplars as Grafana's Prometheus datasource returns them: a frame named
/// `exemplar` in the annotations topic with Time, Value, traceID (linked to the Tempo
/// datasource whenever `tempoDatasourceUid` is set, with or without `tempoUrl`), the
/// revision and the other exemplar labels.
pub fn exemplar_frame(rows: &[ExemplarRow], backends: &Backends) -> Frame {
    let mut extra: BTreeMap<&str, Vec<Option<String>>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        for (k, v) in &row.exemplar.labels {
            if TRACE_ID_LABELS.contains(&k.as_str()) {
                continue;
            }
            let column = extra
                .entry(k.as_str())
                .or_insert_with(|| vec![None; rows.len()]);
            column[i] = Some(v.clone());
        }
    }
    let mut trace_id = Field::strings(
        "traceID",
        rows.iter()
            .map(|r| r.exemplar.trace_id().map(str::to_string)),
    );
    if let Some(uid) = backends.tempo_datasource_uid.as_deref() {
        trace_id = trace_id.config(super::traces::trace_link(uid));
    }
    let meta = FrameMeta {
        data_topic: Some("annotations".into()),
        ..FrameMeta::default()
    };
    let mut frame = Frame::new("exemplar")
        .meta(meta)
        .field(Field::times_ms(
            "Time",
            rows.iter().map(|r| Some(r.exemplar.timestamp_ms)),
        ))
        .field(Field::f64s(
            "Value",
            rows.iter().map(|r| Some(r.exemplar.value)),
        ))
        .field(trace_id)
        .field(Field::strings("role", rows.iter().map(|r| Some(r.role))))
        .field(Field::strings(
            "revision",
            rows.iter().map(|r| Some(r.revision.to_string())),
        ));
    for (k, column) in extra {
        frame = frame.field(Field::strings(k, column));
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::Values;
    use crate::query::revisions::tests::info;
    use crate::rollout::Strategy;
    use crate::settings::Settings;

    fn spec(metric: Metric, quantile: Option<f64>) -> SeriesSpec {
        SeriesSpec {
            role: "canary",
            revision: 3,
            metric,
            quantile,
            promql: "sum(rate(x[1m]))".into(),
        }
    }

    #[test]
    fn a_series_becomes_a_labelled_timeseries_multi_frame() {
        let i = info(Strategy::Canary, Vec::new());
        let f = series_frame(
            &i,
            &spec(Metric::Latency, Some(0.99)),
            &[(1_000, 0.25), (2_000, f64::NAN)],
        );
        assert_eq!(f.name, "canary p99 latency");
        let meta = f.meta.as_ref().unwrap();
        assert_eq!(meta.frame_type, Some(FrameType::TimeSeriesMulti));
        assert_eq!(
            meta.executed_query_string.as_deref(),
            Some("sum(rate(x[1m]))")
        );
        assert_eq!(
            f.fields[0].values,
            Values::Time(vec![Some(1_000_000_000), Some(2_000_000_000)])
        );
        // NaN (no traffic) is a gap, not a number.
        assert_eq!(f.fields[1].values, Values::F64(vec![Some(0.25), None]));
        let labels: Vec<(&str, &str)> = f.fields[1]
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                ("metric", "latency"),
                ("quantile", "0.99"),
                ("revision", "3"),
                ("role", "canary"),
                ("rollout", "web")
            ]
        );
        let config = f.fields[1].config.as_ref().unwrap();
        assert_eq!(config.display_name.as_deref(), Some("canary p99 latency"));
        assert_eq!(config.unit.as_deref(), Some("s"));
    }

    #[test]
    fn metric_lists_default_to_all_and_refuse_unknown_names() {
        assert_eq!(Metric::parse_list(&[]).unwrap(), Metric::ALL.to_vec());
        assert_eq!(
            Metric::parse_list(&["latency".into(), "latency".into()]).unwrap(),
            [Metric::Latency]
        );
        let err = Metric::parse_list(&["cpu".into()]).unwrap_err();
        assert!(err.message.contains("\"cpu\""), "{}", err.message);
    }

    fn backends(json: &str) -> Backends {
        Backends::from_settings(&Settings::parse(json.as_bytes(), &Default::default()).unwrap())
            .unwrap()
    }

    #[test]
    fn exemplars_link_their_trace_id_to_the_tempo_datasource() {
        let ex = |labels: &[(&str, &str)], t: i64| ExemplarRow {
            role: "canary",
            revision: 3,
            exemplar: Exemplar {
                series_labels: BTreeMap::new(),
                labels: labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                value: 0.42,
                timestamp_ms: t,
            },
        };
        let rows = [
            ex(&[("trace_id", "abc"), ("span_id", "s1")], 1_000),
            ex(&[("traceID", "def")], 2_000),
        ];
        let f = exemplar_frame(
            &rows,
            &backends(r#"{"tempoUrl":"http://t:3200","tempoDatasourceUid":"tempo-uid"}"#),
        );
        assert_eq!(f.name, "exemplar");
        assert_eq!(
            f.meta.as_ref().unwrap().data_topic.as_deref(),
            Some("annotations")
        );
        let names: Vec<&str> = f.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["Time", "Value", "traceID", "role", "revision", "span_id"]
        );
        let trace = f.field_by_name("traceID").unwrap();
        assert_eq!(
            trace.values,
            Values::String(vec![Some("abc".into()), Some("def".into())])
        );
        let link = &trace.config.as_ref().unwrap().links[0];
        let internal = link.internal.as_ref().unwrap();
        assert_eq!(internal.datasource_uid, "tempo-uid");
        assert_eq!(internal.query["query"], "${__value.raw}");
        assert_eq!(internal.query["queryType"], "traceql");
        assert_eq!(
            f.field_by_name("span_id").unwrap().values,
            Values::String(vec![Some("s1".into()), None])
        );
        // Without a Tempo datasource uid the ids stay plain.
        let plain = exemplar_frame(&rows, &backends("{}"));
        assert!(plain.field_by_name("traceID").unwrap().config.is_none());
        // The uid alone is enough: Grafana opens the trace, the plugin needs no tempoUrl.
        let uid_only = exemplar_frame(&rows, &backends(r#"{"tempoDatasourceUid":"tempo-uid"}"#));
        let config = uid_only.field_by_name("traceID").unwrap().config.clone();
        let link = &config.expect("a link").links[0];
        assert_eq!(link.internal.as_ref().unwrap().datasource_uid, "tempo-uid");
    }
}
