//! Answers for Grafana alerting: which form a query is answered in, and the alertable
//! frames of `rollouts` (a health code per rollout) and `verdict` (a result code per
//! metric and for the whole verdict, or the score).
//!
//! Grafana's server-side expressions (`pkg/expr/converter.go`) take a datasource's
//! answer as numbers when its first frame declares a dataplane numeric type
//! (`numeric-long` here, read by grafana/dataplane `sdata/numeric/long.go`: every
//! string field is a label, every number field one number per row), or, without the
//! dataplane path, when it is exactly one frame with no time field, exactly one number
//! field and otherwise string fields. The frames built here are both at once: one
//! `numeric-long` frame, one number field, non-null string labels. Labels must tell
//! the rows apart (ngalert's `evaluateExecutionResult` refuses duplicates).
//!
//! An alert query is one carrying the request header `FromAlert: true`
//! (`pkg/services/ngalert/eval/eval.go`, `buildDatasourceHeaders`), or one whose
//! `format` is `alert` or `score` (to try the form from a dashboard or Explore). Such a
//! query never answers a backend failure with frames and an error notice, which
//! Grafana would evaluate as NoData: the failure is the query's error, and the rule
//! goes to Error.

use std::collections::HashMap;
use std::sync::Arc;

use super::{QueryError, QueryType, Request};
use crate::analysis::{MetricResult, MetricStatus, Outcome};
use crate::frames::{Field, Frame, FrameMeta, FrameType, Severity};
use crate::rollout::{RolloutInfo, RolloutPhase};

/// The request header Grafana's alerting sets on every datasource query it runs.
pub const FROM_ALERT_HEADER: &str = "FromAlert";

/// Whether a QueryDataRequest's headers mark it as an alert evaluation. The key is
/// compared case-insensitively: sent over HTTP it arrives canonicalised as
/// `Fromalert`.
pub fn from_alert(headers: &HashMap<String, String>) -> bool {
    headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case(FROM_ALERT_HEADER) && v.trim().eq_ignore_ascii_case("true")
    })
}

/// The shape of a query's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The frames panels read (the default for dashboards and Explore).
    Table,
    /// Labelled numbers: a health code per rollout, result codes of a verdict.
    Alert,
    /// The verdict's score (0 to 100) as one labelled number.
    Score,
}

impl Form {
    /// The form `req` asks for: alert evaluations always get an alertable one.
    ///
    /// # Errors
    /// An unknown `format`, `score` for another type than `verdict`, or an alert query
    /// of a type whose answer Grafana cannot alert on.
    pub fn of(req: &Request) -> Result<Form, QueryError> {
        let query_type = req.query.query_type;
        let format = req.query.model.format.trim();
        let form = match format {
            "" | "table" if req.from_alert => Form::Alert,
            "" | "table" => Form::Table,
            "alert" => Form::Alert,
            "score" if query_type == QueryType::Verdict => Form::Score,
            "score" => {
                return Err(QueryError::bad_request(format!(
                    "query field \"format\" is invalid: score is a form of the verdict query, not of {}",
                    query_type.as_str()
                )))
            }
            other => {
                return Err(QueryError::bad_request(format!(
                    "query field \"format\" is invalid: {other:?}; expected table, alert or score"
                )))
            }
        };
        if form != Form::Table && !alertable(query_type) {
            return Err(QueryError::bad_request(format!(
                "the {} query cannot be alerted on; alert on rollouts (a health code per rollout), \
                 verdict (result codes or the score), canaryMetrics or trafficSplit (time series)",
                query_type.as_str()
            )));
        }
        Ok(form)
    }

    /// Whether the answer goes to Grafana's alerting (or is tried as if it did).
    pub fn is_alert(self) -> bool {
        self != Form::Table
    }
}

/// The types whose alert form Grafana's expressions can read: the two built here and
/// the time series types, whose frames already are `timeseries-multi`.
fn alertable(query_type: QueryType) -> bool {
    matches!(
        query_type,
        QueryType::Rollouts
            | QueryType::Verdict
            | QueryType::CanaryMetrics
            | QueryType::TrafficSplit
    )
}

/// An alert query's failures are errors: the texts of the error notices the handler
/// put on its frames (Prometheus or Tempo down, slow or refusing), joined.
///
/// # Errors
/// A downstream error when any frame carries an error notice.
pub fn failures_as_error(frames: &[Frame]) -> Result<(), QueryError> {
    let mut errors: Vec<&str> = Vec::new();
    for notice in frames
        .iter()
        .filter_map(|f| f.meta.as_ref())
        .flat_map(|m| &m.notices)
        .filter(|n| n.severity == Severity::Error)
    {
        if !errors.contains(&notice.text.as_str()) {
            errors.push(&notice.text);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(QueryError::downstream(errors.join("; ")))
    }
}

/// A rollout's health code: 0 Healthy, 1 Progressing, 2 Paused, 3 Degraded, 4 any
/// other phase the controller reports. Higher is worse, so `> 2` is Degraded or
/// unknown.
pub fn health_code(phase: &RolloutPhase) -> f64 {
    match phase {
        RolloutPhase::Healthy => 0.0,
        RolloutPhase::Progressing => 1.0,
        RolloutPhase::Paused => 2.0,
        RolloutPhase::Degraded => 3.0,
        RolloutPhase::Other(_) => 4.0,
    }
}

/// The verdict's result code: 0 Pass, 1 Marginal, 2 Fail, -1 NoData (nothing to
/// judge, e.g. no canary running). Higher is worse; NoData never crosses a threshold
/// above 0.
pub fn outcome_code(outcome: Outcome) -> f64 {
    match outcome {
        Outcome::Pass => 0.0,
        Outcome::Marginal => 1.0,
        Outcome::Fail => 2.0,
        Outcome::NoData => -1.0,
    }
}

/// A metric's result code on the verdict's scale: 0 pass, 2 fail, -1 nodata.
pub fn metric_code(status: MetricStatus) -> f64 {
    match status {
        MetricStatus::Pass => 0.0,
        MetricStatus::Fail => 2.0,
        MetricStatus::NoData => -1.0,
    }
}

/// The label of the verdict's own row in the verdict's alert frame.
pub const OVERALL: &str = "overall";

fn numeric_long(name: &str) -> Frame {
    Frame::new(name).meta(FrameMeta::typed(FrameType::NumericLong))
}

/// `rollouts` for alerting: one row per rollout, labels `namespace`, `rollout`,
/// `phase`, `strategy`, and the number `health` ([`health_code`]).
pub fn rollouts_frame(infos: &[Arc<RolloutInfo>]) -> Frame {
    let label =
        |f: fn(&RolloutInfo) -> String| infos.iter().map(|i| Some(f(i))).collect::<Vec<_>>();
    numeric_long("health")
        .field(Field::strings("namespace", label(|i| i.namespace.clone())))
        .field(Field::strings("rollout", label(|i| i.name.clone())))
        .field(Field::strings("phase", label(|i| i.status.to_string())))
        .field(Field::strings(
            "strategy",
            label(RolloutInfo::strategy_name),
        ))
        .field(Field::f64s(
            "health",
            infos.iter().map(|i| Some(health_code(&i.status))),
        ))
}

/// `verdict` for alerting: the row `metric="overall"` with the verdict's
/// [`outcome_code`], then one row per judged metric with its [`metric_code`]; labels
/// `namespace`, `rollout`, `metric`; the number `result`.
pub fn verdict_frame(
    namespace: &str,
    rollout: &str,
    outcome: Outcome,
    metrics: &[MetricResult],
) -> Frame {
    codes_frame(
        namespace,
        rollout,
        outcome_code(outcome),
        metrics
            .iter()
            .map(|m| (m.name.clone(), metric_code(m.status())))
            .collect(),
    )
}

/// The verdict's alert frame from codes: the overall row, then one row per metric.
pub fn codes_frame(
    namespace: &str,
    rollout: &str,
    overall: f64,
    metrics: Vec<(String, f64)>,
) -> Frame {
    let rows = metrics.len() + 1;
    let names = std::iter::once(OVERALL.to_string()).chain(metrics.iter().map(|m| m.0.clone()));
    let codes = std::iter::once(overall).chain(metrics.iter().map(|m| m.1));
    numeric_long("verdict")
        .field(Field::strings(
            "namespace",
            std::iter::repeat_n(Some(namespace), rows),
        ))
        .field(Field::strings(
            "rollout",
            std::iter::repeat_n(Some(rollout), rows),
        ))
        .field(Field::strings("metric", names.map(Some)))
        .field(Field::f64s("result", codes.map(Some)))
}

/// `verdict` with `format: "score"`: one row, labels `namespace`, `rollout`, the number
/// `score` (0 to 100; null when the outcome is NoData, which Grafana evaluates as
/// NoData).
pub fn score_frame(namespace: &str, rollout: &str, score: f64, outcome: Outcome) -> Frame {
    numeric_long("score")
        .field(Field::strings("namespace", [Some(namespace)]))
        .field(Field::strings("rollout", [Some(rollout)]))
        .field(
            Field::f64s(
                "score",
                [Some(score).filter(|_| outcome != Outcome::NoData)],
            )
            .unit("percent"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::Values;
    use crate::query::{Query, TimeRange};
    use chrono::DateTime;

    fn req(query_type: &str, json: &str, from_alert: bool) -> Request {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        Request {
            ref_id: "A".into(),
            query: Query::parse(query_type, json.as_bytes()).unwrap(),
            range: TimeRange { from: t, to: t },
            interval_ms: 15_000,
            max_data_points: 1000,
            now: t,
            from_alert,
        }
    }

    #[test]
    fn the_from_alert_header_is_read_as_grafana_and_http_spell_it() {
        let h = |k: &str, v: &str| HashMap::from([(k.to_string(), v.to_string())]);
        assert!(from_alert(&h("FromAlert", "true")));
        assert!(from_alert(&h("Fromalert", "true")));
        assert!(!from_alert(&h("FromAlert", "false")));
        assert!(!from_alert(&h("X-Rule-Uid", "abc")));
        assert!(!from_alert(&HashMap::new()));
    }

    #[test]
    fn alert_requests_get_the_alert_form_and_dashboards_keep_tables() {
        assert_eq!(
            Form::of(&req("rollouts", "{}", false)).unwrap(),
            Form::Table
        );
        assert_eq!(Form::of(&req("rollouts", "{}", true)).unwrap(), Form::Alert);
        let table = r#"{"format":"table"}"#;
        assert_eq!(
            Form::of(&req("rollouts", table, true)).unwrap(),
            Form::Alert
        );
        let alert = r#"{"format":"alert"}"#;
        assert_eq!(
            Form::of(&req("rollouts", alert, false)).unwrap(),
            Form::Alert
        );
        let score = r#"{"format":"score","namespace":"a","rollout":"b"}"#;
        assert_eq!(Form::of(&req("verdict", score, true)).unwrap(), Form::Score);
    }

    #[test]
    fn unknown_formats_and_unalertable_types_are_explained() {
        let e = Form::of(&req("rollouts", r#"{"format":"graph"}"#, false)).unwrap_err();
        assert!(e.message.contains("\"format\""), "{}", e.message);
        let e = Form::of(&req("rollouts", r#"{"format":"score"}"#, false)).unwrap_err();
        assert!(e.message.contains("verdict"), "{}", e.message);
        let steps = r#"{"namespace":"a","rollout":"b"}"#;
        let e = Form::of(&req("steps", steps, true)).unwrap_err();
        assert!(e.message.contains("cannot be alerted on"), "{}", e.message);
        assert_eq!(Form::of(&req("steps", steps, false)).unwrap(), Form::Table);
    }

    #[test]
    fn error_notices_become_the_error_and_warnings_do_not() {
        let mut f = Frame::new("f");
        f.push_notice(Severity::Warning, "slow");
        assert!(failures_as_error(std::slice::from_ref(&f)).is_ok());
        f.push_notice(Severity::Error, "Prometheus at x refused the connection");
        let mut g = Frame::new("g");
        g.push_notice(Severity::Error, "Prometheus at x refused the connection");
        let e = failures_as_error(&[f, g]).unwrap_err();
        assert_eq!(e.status, 502);
        assert_eq!(e.message, "Prometheus at x refused the connection");
    }

    #[test]
    fn codes_grow_worse_and_nodata_stays_below_pass() {
        let phases = ["Healthy", "Progressing", "Paused", "Degraded", "Scaling"];
        let codes: Vec<f64> = phases
            .iter()
            .map(|p| health_code(&RolloutPhase::parse(p)))
            .collect();
        assert_eq!(codes, [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert!(outcome_code(Outcome::Fail) > outcome_code(Outcome::Marginal));
        assert!(outcome_code(Outcome::NoData) < outcome_code(Outcome::Pass));
        assert_eq!(metric_code(MetricStatus::Fail), outcome_code(Outcome::Fail));
    }

    #[test]
    fn the_verdict_frame_has_one_number_field_and_an_overall_row() {
        let f = verdict_frame("shop", "web", Outcome::NoData, &[]);
        assert_eq!(
            f.meta.as_ref().unwrap().frame_type,
            Some(FrameType::NumericLong)
        );
        assert_eq!(
            f.field_by_name("metric").unwrap().values,
            Values::String(vec![Some(OVERALL.into())])
        );
        assert_eq!(
            f.field_by_name("result").unwrap().values,
            Values::F64(vec![Some(-1.0)])
        );
        let s = score_frame("shop", "web", 0.0, Outcome::NoData);
        assert_eq!(
            s.field_by_name("score").unwrap().values,
            Values::F64(vec![None])
        );
    }
}
