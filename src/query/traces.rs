//! `traces`: a Tempo TraceQL search scoped to one revision of a rollout (its pods'
//! spans), optionally only errors or slow spans, as a table whose trace ids open the
//! Tempo datasource.
//!
//! Without Tempo, or when Tempo fails, the query errors: there is nothing else to show.

use std::time::Duration;

use serde_json::json;

use super::revisions::select;
use super::{rollouts, QueryError, Request};
use crate::frames::{DataLink, Field, FieldConfig, Frame, FrameMeta, FrameType, Severity};
use crate::instance::Instance;
use crate::tempo::{revision_traceql, SpanFilter, TraceSummary, DEFAULT_SEARCH_LIMIT};

/// Largest `limit` a query may ask for.
pub const MAX_LIMIT: u32 = 1000;

/// Parses `minDuration`: a number with unit `ns`, `us`, `µs`, `ms`, `s`, `m` or `h`
/// (`500ms`, `1.5s`); empty means none.
///
/// # Errors
/// Naming the field when the text is not such a duration.
pub fn parse_min_duration(text: &str) -> Result<Option<Duration>, QueryError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || {
        QueryError::bad_request(format!(
            "query field \"minDuration\" is invalid: {text:?} is not a duration such as 500ms, 2s or 1m"
        ))
    };
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| bad())?;
    let nanos_per = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return Err(bad()),
    };
    let nanos = number * nanos_per;
    if !nanos.is_finite() || !(0.0..=1e18).contains(&nanos) {
        return Err(bad());
    }
    Ok(Some(Duration::from_nanos(nanos as u64)))
}

/// Answers a traces query.
///
/// # Errors
/// Invalid settings or query, no Tempo configured, the rollout or revision not found,
/// Tempo failing.
pub async fn run(instance: &Instance, req: &Request) -> Result<Vec<Frame>, QueryError> {
    let backends = instance.backends()?;
    let q = &req.query.model;
    let tempo = backends.tempo.as_ref().ok_or_else(|| {
        QueryError::bad_request("traces need Tempo: set the Tempo URL in the datasource settings")
    })?;
    let filter = SpanFilter {
        errors_only: q.errors_only,
        min_duration: parse_min_duration(&q.min_duration)?,
        span_name: None,
    };
    let limit = q.limit.unwrap_or(DEFAULT_SEARCH_LIMIT).clamp(1, MAX_LIMIT);
    let info = rollouts::named(instance, req).await?;
    let revision = select(&info, &q.revision)?;
    let traceql = revision_traceql(&backends.join, &revision.rev, &filter).map_err(|e| {
        QueryError::bad_request(format!(
            "the datasource settings are invalid: traceAttribute: {e}"
        ))
    })?;
    let start = req.range.from.timestamp();
    let end = req.range.to.timestamp() + i64::from(req.range.to.timestamp_subsec_nanos() > 0);
    let result = tempo
        .client
        .with_limit(limit)
        .search(&traceql, start, end.max(start))
        .await
        .map_err(|e| QueryError::downstream(e.to_string()))?;
    let mut frame = traces_frame(
        &result.traces,
        filter.errors_only,
        tempo.datasource_uid.as_deref(),
    );
    frame.meta_mut().executed_query_string = Some(traceql);
    if result.traces.len() >= limit as usize {
        frame.push_notice(
            Severity::Info,
            format!("showing the first {limit} traces; raise limit to see more"),
        );
    }
    Ok(vec![frame])
}

/// `error` when any span of the trace failed (or the search asked for errors only),
/// `ok` when Tempo reports none, empty when it does not say.
fn status(t: &TraceSummary, errors_only: bool) -> &'static str {
    match t.error_count {
        Some(n) if n > 0 => "error",
        _ if errors_only => "error",
        Some(_) => "ok",
        None => "",
    }
}

/// A trace id field's link to the trace in the Tempo datasource `tempo_uid` (Explore).
pub fn trace_link(tempo_uid: &str) -> FieldConfig {
    FieldConfig {
        links: vec![DataLink::internal(
            "View trace",
            tempo_uid,
            "Tempo",
            json!({ "query": "${__value.raw}", "queryType": "traceql" }),
        )],
        ..FieldConfig::default()
    }
}

/// The search results as a table; trace ids link to the Tempo datasource `tempo_uid`.
pub fn traces_frame(traces: &[TraceSummary], errors_only: bool, tempo_uid: Option<&str>) -> Frame {
    let mut trace_id = Field::strings("traceID", traces.iter().map(|t| Some(t.trace_id.clone())));
    if let Some(uid) = tempo_uid {
        trace_id = trace_id.config(trace_link(uid));
    }
    Frame::new("traces")
        .meta(FrameMeta::typed(FrameType::Table).visualisation("table"))
        .field(trace_id)
        .field(Field::strings(
            "rootService",
            traces.iter().map(|t| Some(t.root_service.clone())),
        ))
        .field(Field::strings(
            "rootSpan",
            traces.iter().map(|t| Some(t.root_span_name.clone())),
        ))
        .field(Field::times(
            "start",
            traces.iter().map(|t| {
                i64::try_from(t.start_unix_nano)
                    .ok()
                    .map(chrono::DateTime::from_timestamp_nanos)
            }),
        ))
        .field(
            Field::i64s(
                "duration",
                traces.iter().map(|t| i64::try_from(t.duration_ms).ok()),
            )
            .unit("ms"),
        )
        .field(Field::strings(
            "status",
            traces.iter().map(|t| Some(status(t, errors_only))),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::Values;

    fn summary(id: &str, errors: Option<u64>) -> TraceSummary {
        TraceSummary {
            trace_id: id.into(),
            root_service: "shop".into(),
            root_span_name: "GET /".into(),
            start_unix_nano: 1_700_000_000_000_000_000,
            duration_ms: 557,
            matched_spans: 1,
            spans: Vec::new(),
            error_count: errors,
        }
    }

    #[test]
    fn min_durations_accept_go_style_units() {
        assert_eq!(parse_min_duration("").unwrap(), None);
        assert_eq!(
            parse_min_duration("500ms").unwrap(),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_min_duration("1.5s").unwrap(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_min_duration("2m").unwrap(),
            Some(Duration::from_secs(120))
        );
        for bad in ["500", "ms", "1x", "-1s", "1e400s"] {
            let err = parse_min_duration(bad).unwrap_err();
            assert!(
                err.message.contains("minDuration"),
                "{bad}: {}",
                err.message
            );
        }
    }

    #[test]
    fn traces_become_a_table_with_linked_ids_and_statuses() {
        let f = traces_frame(
            &[
                summary("abc", Some(2)),
                summary("def", Some(0)),
                summary("123", None),
            ],
            false,
            Some("tempo"),
        );
        let names: Vec<&str> = f.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "traceID",
                "rootService",
                "rootSpan",
                "start",
                "duration",
                "status"
            ]
        );
        assert_eq!(
            f.field_by_name("status").unwrap().values,
            Values::String(vec![
                Some("error".into()),
                Some("ok".into()),
                Some(String::new())
            ])
        );
        assert_eq!(
            f.field_by_name("start").unwrap().values,
            Values::Time(vec![Some(1_700_000_000_000_000_000); 3])
        );
        let duration = f.field_by_name("duration").unwrap();
        assert_eq!(
            duration.config.as_ref().unwrap().unit.as_deref(),
            Some("ms")
        );
        let link = &f
            .field_by_name("traceID")
            .unwrap()
            .config
            .as_ref()
            .unwrap()
            .links[0];
        assert_eq!(link.internal.as_ref().unwrap().datasource_uid, "tempo");
        let errors_only = traces_frame(&[summary("x", None)], true, None);
        assert_eq!(
            errors_only.field_by_name("status").unwrap().values,
            Values::String(vec![Some("error".into())])
        );
    }
}
