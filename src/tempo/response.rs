//! Typed Tempo answers: search summaries (`/api/search`) and traces (`/api/traces/<id>`).
//!
//! Tempo marshals protobufs with jsonpb: 64-bit integers arrive as strings, zero values
//! are omitted, and span ids are base64 (OTLP/JSON writers use hex); both are accepted.

use std::collections::BTreeMap;

use serde_json::Value;

/// One trace found by a search.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSummary {
    /// Hex trace id, as Tempo returns it.
    pub trace_id: String,
    /// `rootServiceName` (Tempo writes a placeholder when the root span is missing).
    pub root_service: String,
    /// `rootTraceName`: the root span's name.
    pub root_span_name: String,
    /// Start, unix nanoseconds.
    pub start_unix_nano: u64,
    /// Whole-trace duration in milliseconds (0 when Tempo omits it).
    pub duration_ms: u64,
    /// Spans that matched, summed over span sets.
    pub matched_spans: u64,
    /// The returned matching spans (at most `spss` per span set).
    pub spans: Vec<MatchedSpan>,
    /// Error spans per `serviceStats`, when Tempo reports them.
    pub error_count: Option<u64>,
}

/// One matching span of a search result.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchedSpan {
    /// Span id as returned.
    pub span_id: String,
    /// Span name (may be empty).
    pub name: String,
    /// Start, unix nanoseconds.
    pub start_unix_nano: u64,
    /// Duration in nanoseconds.
    pub duration_nanos: u64,
    /// Attributes Tempo returned for the span (those the query referenced).
    pub attributes: BTreeMap<String, String>,
}

/// The answer to a search.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchResult {
    /// Traces, in Tempo's order.
    pub traces: Vec<TraceSummary>,
    /// `metrics.inspectedTraces`.
    pub inspected_traces: u64,
    /// `metrics.inspectedBytes`.
    pub inspected_bytes: u64,
}

/// Status of a span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpanStatus {
    /// Not set.
    #[default]
    Unset,
    /// Explicitly OK.
    Ok,
    /// Error.
    Error,
}

/// One span of a fetched trace.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanRecord {
    /// Lowercase hex.
    pub trace_id: String,
    /// Lowercase hex.
    pub span_id: String,
    /// Lowercase hex, `None` for a root span.
    pub parent_span_id: Option<String>,
    /// Span name.
    pub name: String,
    /// `service.name` of the resource.
    pub service_name: String,
    /// e.g. `SPAN_KIND_SERVER`.
    pub kind: String,
    /// Unix nanoseconds.
    pub start_unix_nano: u64,
    /// Unix nanoseconds.
    pub end_unix_nano: u64,
    /// Status.
    pub status: SpanStatus,
    /// Status message.
    pub status_message: String,
    /// Span attributes, stringified.
    pub attributes: BTreeMap<String, String>,
    /// Resource attributes, stringified (`k8s.pod.name` ...).
    pub resource_attributes: BTreeMap<String, String>,
}

fn u64_of(v: Option<&Value>) -> u64 {
    match v {
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

fn str_of(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

/// Stringifies an OTLP `AnyValue`.
fn any_value(v: &Value) -> String {
    let Some(obj) = v.as_object() else {
        return String::new();
    };
    if let Some(s) = obj.get("stringValue").and_then(Value::as_str) {
        return s.to_string();
    }
    for key in ["intValue", "doubleValue", "boolValue", "bytesValue"] {
        match obj.get(key) {
            Some(Value::String(s)) => return s.clone(),
            Some(other @ (Value::Number(_) | Value::Bool(_))) => return other.to_string(),
            _ => {}
        }
    }
    if let Some(values) = obj
        .get("arrayValue")
        .and_then(|a| a.get("values"))
        .and_then(Value::as_array)
    {
        return format!(
            "[{}]",
            values.iter().map(any_value).collect::<Vec<_>>().join(", ")
        );
    }
    if let Some(values) = obj
        .get("kvlistValue")
        .and_then(|a| a.get("values"))
        .and_then(Value::as_array)
    {
        return format!(
            "{{{}}}",
            attributes(Some(&Value::Array(values.clone())))
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    String::new()
}

fn attributes(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|kv| {
                    let key = kv.get("key")?.as_str()?.to_string();
                    Some((key, kv.get("value").map(any_value).unwrap_or_default()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Parses an `/api/search` body. `None` when it is not Tempo's shape.
pub(crate) fn parse_search(body: &Value) -> Option<SearchResult> {
    let traces = match body.get("traces") {
        None | Some(Value::Null) => Vec::new(),
        Some(t) => t
            .as_array()?
            .iter()
            .map(parse_summary)
            .collect::<Option<_>>()?,
    };
    if body.get("traces").is_none() && body.get("metrics").is_none() {
        return None;
    }
    let metrics = body.get("metrics");
    Some(SearchResult {
        traces,
        inspected_traces: u64_of(metrics.and_then(|m| m.get("inspectedTraces"))),
        inspected_bytes: u64_of(metrics.and_then(|m| m.get("inspectedBytes"))),
    })
}

fn parse_summary(t: &Value) -> Option<TraceSummary> {
    let trace_id = t.get("traceID")?.as_str()?.to_string();
    let mut sets: Vec<&Value> = t
        .get("spanSets")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if sets.is_empty() {
        // Deprecated single `spanSet` of older Tempo versions.
        sets.extend(t.get("spanSet"));
    }
    let mut spans = Vec::new();
    let mut matched = 0;
    for set in sets {
        matched += u64_of(set.get("matched"));
        for s in set
            .get("spans")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            spans.push(MatchedSpan {
                span_id: str_of(s.get("spanID")),
                name: str_of(s.get("name")),
                start_unix_nano: u64_of(s.get("startTimeUnixNano")),
                duration_nanos: u64_of(s.get("durationNanos")),
                attributes: attributes(s.get("attributes")),
            });
        }
    }
    let error_count = t
        .get("serviceStats")
        .and_then(Value::as_object)
        .map(|stats| stats.values().map(|s| u64_of(s.get("errorCount"))).sum());
    Some(TraceSummary {
        trace_id,
        root_service: str_of(t.get("rootServiceName")),
        root_span_name: str_of(t.get("rootTraceName")),
        start_unix_nano: u64_of(t.get("startTimeUnixNano")),
        duration_ms: u64_of(t.get("durationMs")),
        matched_spans: matched,
        spans,
        error_count,
    })
}

/// Parses an `/api/traces/<id>` body (`batches`, `resourceSpans`, or v2's
/// `{"trace": {...}}`). `None` when it is not a trace.
pub(crate) fn parse_trace(body: &Value) -> Option<Vec<SpanRecord>> {
    let root = body.get("trace").unwrap_or(body);
    let batches = root
        .get("batches")
        .or_else(|| root.get("resourceSpans"))?
        .as_array()?;
    let mut out = Vec::new();
    for batch in batches {
        let resource_attributes =
            attributes(batch.get("resource").and_then(|r| r.get("attributes")));
        let service_name = resource_attributes
            .get("service.name")
            .cloned()
            .unwrap_or_default();
        let scopes = batch
            .get("scopeSpans")
            .or_else(|| batch.get("instrumentationLibrarySpans"))
            .and_then(Value::as_array);
        for scope in scopes.into_iter().flatten() {
            for s in scope
                .get("spans")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let status = s.get("status");
                out.push(SpanRecord {
                    trace_id: id_hex(s.get("traceId")),
                    span_id: id_hex(s.get("spanId")),
                    parent_span_id: Some(id_hex(s.get("parentSpanId"))).filter(|p| !p.is_empty()),
                    name: str_of(s.get("name")),
                    service_name: service_name.clone(),
                    kind: match s.get("kind") {
                        Some(Value::String(k)) => k.clone(),
                        Some(Value::Number(n)) => format!("{n}"),
                        _ => "SPAN_KIND_UNSPECIFIED".to_string(),
                    },
                    start_unix_nano: u64_of(s.get("startTimeUnixNano")),
                    end_unix_nano: u64_of(s.get("endTimeUnixNano")),
                    status: match status.and_then(|st| st.get("code")) {
                        Some(Value::String(c)) if c == "STATUS_CODE_ERROR" => SpanStatus::Error,
                        Some(Value::String(c)) if c == "STATUS_CODE_OK" => SpanStatus::Ok,
                        Some(Value::Number(n)) if n.as_u64() == Some(2) => SpanStatus::Error,
                        Some(Value::Number(n)) if n.as_u64() == Some(1) => SpanStatus::Ok,
                        _ => SpanStatus::Unset,
                    },
                    status_message: str_of(status.and_then(|st| st.get("message"))),
                    attributes: attributes(s.get("attributes")),
                    resource_attributes: resource_attributes.clone(),
                });
            }
        }
    }
    Some(out)
}

/// Ids: hex (OTLP/JSON) is kept; base64 (jsonpb) is decoded to lowercase hex.
fn id_hex(v: Option<&Value>) -> String {
    let s = v.and_then(Value::as_str).unwrap_or_default();
    let is_hex =
        !s.is_empty() && s.len().is_multiple_of(2) && s.chars().all(|c| c.is_ascii_hexdigit());
    if s.is_empty() || (is_hex && (s.len() == 32 || s.len() == 16)) {
        return s.to_ascii_lowercase();
    }
    match base64_decode(s) {
        Some(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        None => s.to_string(),
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_span_ids_become_hex_and_hex_ids_stay() {
        assert_eq!(id_hex(Some(&json!("AAAAAAAAAAE="))), "0000000000000001");
        assert_eq!(
            id_hex(Some(&json!("Lz4M7neuXcnBet42iesuVA=="))),
            "2f3e0cee77ae5dc9c17ade3689eb2e54"
        );
        assert_eq!(id_hex(Some(&json!("563D623C76514F8E"))), "563d623c76514f8e");
    }

    #[test]
    fn zero_values_omitted_by_jsonpb_read_as_zero() {
        let r = parse_search(&json!({"traces": [{"traceID": "ab"}], "metrics": {}})).unwrap();
        assert_eq!(r.traces[0].duration_ms, 0);
        assert_eq!(r.traces[0].matched_spans, 0);
        assert_eq!(r.traces[0].error_count, None);
        assert!(parse_search(&json!({"status": "success"})).is_none());
    }
}
