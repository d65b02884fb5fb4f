//! Typed Prometheus answers and the parsing of the `/api/v1` JSON envelope.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// One labelled series with `(unix milliseconds, value)` samples. NaN and ±Inf are kept.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// All labels, including `__name__` when Prometheus returns it.
    pub labels: BTreeMap<String, String>,
    /// Samples in time order.
    pub samples: Vec<(i64, f64)>,
}

/// The kind of a query result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultKind {
    /// Instant vector: one sample per series.
    Vector,
    /// Range vector: many samples per series.
    Matrix,
    /// Scalar: one series without labels.
    Scalar,
    /// String result: kept as no series with a warning.
    String,
}

/// The answer to `query` or `query_range`.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryResult {
    /// Result type reported by Prometheus.
    pub kind: ResultKind,
    /// The series (at most `max_series`).
    pub series: Vec<Series>,
    /// Warnings from Prometheus, plus ours (truncation, widened step).
    pub warnings: Vec<String>,
    /// True when series or points were dropped to respect the bounds.
    pub truncated: bool,
    /// Step actually used by a range query (may be wider than requested).
    pub step_ms: Option<i64>,
}

/// One exemplar with the labels of the series it was attached to.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    /// Labels of the series (e.g. the histogram bucket).
    pub series_labels: BTreeMap<String, String>,
    /// Exemplar labels (`trace_id`, `traceID`, `span_id`...).
    pub labels: BTreeMap<String, String>,
    /// Observed value.
    pub value: f64,
    /// Unix milliseconds.
    pub timestamp_ms: i64,
}

impl Exemplar {
    /// The trace id, under any of the label names instrumentations use.
    #[must_use]
    pub fn trace_id(&self) -> Option<&str> {
        ["trace_id", "traceID", "traceId", "TraceID", "trace-id"]
            .iter()
            .find_map(|k| self.labels.get(*k))
            .map(String::as_str)
    }
}

/// The answer to `query_exemplars`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExemplarResult {
    /// Exemplars, in Prometheus' order.
    pub exemplars: Vec<Exemplar>,
    /// Warnings from Prometheus.
    pub warnings: Vec<String>,
}

/// `/api/v1/status/buildinfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    /// e.g. `2.42.0+ds`.
    pub version: String,
    /// Git revision.
    #[serde(default)]
    pub revision: String,
    /// Branch.
    #[serde(default)]
    pub branch: String,
    /// Go version.
    #[serde(default)]
    pub go_version: String,
}

/// The `/api/v1` envelope.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Envelope {
    pub status: String,
    #[serde(default)]
    pub data: Value,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub infos: Vec<String>,
}

/// Parses a sample pair `[1435781451.781, "1"]`.
fn sample(v: &Value) -> Option<(i64, f64)> {
    let pair = v.as_array()?;
    let ts = pair.first()?.as_f64()?;
    let value = parse_value(pair.get(1)?)?;
    Some((seconds_to_ms(ts), value))
}

/// Prometheus writes values as strings: "1.5", "NaN", "+Inf", "-Inf".
pub(crate) fn parse_value(v: &Value) -> Option<f64> {
    match v {
        Value::String(s) => s.parse::<f64>().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

pub(crate) fn seconds_to_ms(ts: f64) -> i64 {
    // Saturating cast: a hostile timestamp cannot panic.
    (ts * 1000.0).round() as i64
}

fn labels(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Parses `data` of a query answer. `None` means the shape is not Prometheus'.
pub(crate) fn parse_query_data(data: &Value) -> Option<(ResultKind, Vec<Series>, Vec<String>)> {
    let kind = data.get("resultType")?.as_str()?;
    let result = data.get("result")?;
    let mut warnings = Vec::new();
    let (kind, series) = match kind {
        "vector" | "matrix" => {
            let is_vector = kind == "vector";
            let mut series = Vec::new();
            let mut skipped_histograms = 0usize;
            for item in result.as_array()? {
                let labels = labels(item.get("metric"));
                let samples: Vec<(i64, f64)> = if is_vector {
                    match item.get("value") {
                        Some(v) => vec![sample(v)?],
                        None => Vec::new(),
                    }
                } else {
                    match item.get("values") {
                        Some(vs) => vs.as_array()?.iter().map(sample).collect::<Option<_>>()?,
                        None => Vec::new(),
                    }
                };
                if samples.is_empty()
                    && (item.get("histogram").is_some() || item.get("histograms").is_some())
                {
                    skipped_histograms += 1;
                    continue;
                }
                series.push(Series { labels, samples });
            }
            if skipped_histograms > 0 {
                warnings.push(format!(
                    "{skipped_histograms} native histogram series were skipped (not supported)"
                ));
            }
            (
                if is_vector {
                    ResultKind::Vector
                } else {
                    ResultKind::Matrix
                },
                series,
            )
        }
        "scalar" => (
            ResultKind::Scalar,
            vec![Series {
                labels: BTreeMap::new(),
                samples: vec![sample(result)?],
            }],
        ),
        "string" => {
            warnings.push("the query returned a string, not numbers".to_string());
            (ResultKind::String, Vec::new())
        }
        _ => return None,
    };
    Some((kind, series, warnings))
}

/// Parses `data` of a `query_exemplars` answer.
pub(crate) fn parse_exemplars(data: &Value) -> Option<Vec<Exemplar>> {
    if data.is_null() {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for group in data.as_array()? {
        let series_labels = labels(group.get("seriesLabels"));
        let Some(list) = group.get("exemplars").and_then(Value::as_array) else {
            continue;
        };
        for e in list {
            let (Some(value), Some(ts)) = (
                e.get("value").and_then(parse_value),
                e.get("timestamp").and_then(Value::as_f64),
            ) else {
                continue;
            };
            out.push(Exemplar {
                series_labels: series_labels.clone(),
                labels: labels(e.get("labels")),
                value,
                timestamp_ms: seconds_to_ms(ts),
            });
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn special_float_values_are_kept() {
        let data = json!({"resultType": "matrix", "result": [
            {"metric": {"pod": "a"}, "values": [[1.5, "NaN"], [2, "+Inf"], [3.0004, "-Inf"], [4, "0.25"]]}
        ]});
        let (kind, series, warnings) = parse_query_data(&data).unwrap();
        assert_eq!(kind, ResultKind::Matrix);
        assert!(warnings.is_empty());
        let s = &series[0].samples;
        assert_eq!(s[0].0, 1500);
        assert!(s[0].1.is_nan());
        assert_eq!(s[1], (2000, f64::INFINITY));
        assert_eq!(s[2], (3000, f64::NEG_INFINITY));
        assert_eq!(s[3], (4000, 0.25));
        assert_eq!(series[0].labels["pod"], "a");
    }

    #[test]
    fn scalars_become_one_unlabelled_series() {
        let data = json!({"resultType": "scalar", "result": [10.5, "3"]});
        let (kind, series, _) = parse_query_data(&data).unwrap();
        assert_eq!(kind, ResultKind::Scalar);
        assert_eq!(
            series,
            vec![Series {
                labels: BTreeMap::new(),
                samples: vec![(10500, 3.0)]
            }]
        );
    }

    #[test]
    fn foreign_shapes_are_not_mistaken_for_results() {
        assert!(parse_query_data(&json!({"hello": "world"})).is_none());
        assert!(
            parse_query_data(&json!({"resultType": "vector", "result": [{"value": "x"}]}))
                .is_none()
        );
    }

    #[test]
    fn exemplars_expose_trace_ids_under_either_label_name() {
        let data = json!([{"seriesLabels": {"le": "0.5"}, "exemplars": [
            {"labels": {"trace_id": "abc"}, "value": "0.7", "timestamp": 1600096945.479},
            {"labels": {"traceID": "def"}, "value": "1", "timestamp": 1600096946}
        ]}]);
        let ex = parse_exemplars(&data).unwrap();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].trace_id(), Some("abc"));
        assert_eq!(ex[0].timestamp_ms, 1_600_096_945_479);
        assert_eq!(ex[0].value, 0.7);
        assert_eq!(ex[1].trace_id(), Some("def"));
        assert_eq!(ex[1].series_labels["le"], "0.5");
    }
}
