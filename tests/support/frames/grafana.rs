//! The strict check: would grafana-plugin-sdk-go's `data.UnmarshalArrowFrame` (what
//! Grafana runs on every QueryDataResponse) accept these bytes, and read them right?
//!
//! Mirrors `data/arrow.go`, `data/frame_meta.go`, `data/field_config.go` and
//! `data/value_mapping.go` of the Go SDK, including Go's `encoding/json` rules: unknown
//! keys are ignored, keys match case-insensitively, `null` is accepted where a Go value
//! would simply stay zero. On top of what Go rejects, it also fails what Go accepts but
//! reads wrong (non-nanosecond timestamps, nulls in non-nullable fields, binary that
//! is not JSON), and a `typeVersion` that is not exactly two numbers.

use serde_json::{Map, Value};

use super::{arrow_type_name, decode_frame, DecodedField, DecodedFrame};
use arrow_schema::{DataType, TimeUnit};

type Check = Result<(), String>;

/// Decodes a frame and checks it as Grafana would.
///
/// # Panics
/// With a message naming the frame, field and metadata path at fault (and the
/// frame as a table when it could be decoded) on any violation.
pub fn assert_grafana_decodable(bytes: &[u8]) -> DecodedFrame {
    match check(bytes) {
        Ok(frame) => frame,
        Err(message) => {
            let table = decode_frame(bytes)
                .map(|f| format!("\n{}", f.to_table()))
                .unwrap_or_default();
            panic!("frame is not decodable by Grafana: {message}{table}")
        }
    }
}

/// The reason Grafana would fail (or misread) this frame, or `None` if it is fine.
pub fn grafana_decode_error(bytes: &[u8]) -> Option<String> {
    check(bytes).err()
}

fn check(bytes: &[u8]) -> Result<DecodedFrame, String> {
    if !bytes.starts_with(b"ARROW1") {
        return Err(if bytes.starts_with(&[0xff, 0xff, 0xff, 0xff]) {
            "bytes are in the Arrow IPC *stream* format; Grafana only reads the IPC *file* \
             format (arrow_ipc::writer::FileWriter)"
                .to_string()
        } else {
            "bytes are not an Arrow IPC file (no ARROW1 magic)".to_string()
        });
    }
    let frame = decode_frame(bytes).map_err(|e| e.to_string())?;
    let at = |what: &str| format!("frame {:?} (refId {:?}) {what}", frame.name, frame.ref_id);
    if let Some(raw) = &frame.raw_meta {
        let meta: Value = serde_json::from_str(raw)
            .map_err(|e| at(&format!("schema metadata `meta` is not JSON ({e}): {raw}")))?;
        frame_meta(&meta, "meta").map_err(|e| at(&e))?;
    }
    for field in &frame.fields {
        check_field(field).map_err(|e| at(&format!("field {:?}: {e}", field.name)))?;
    }
    Ok(frame)
}

fn check_field(field: &DecodedField) -> Check {
    let dt = &field.data_type;
    let supported = matches!(
        dt,
        DataType::Utf8
            | DataType::Utf8View
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Boolean
            | DataType::Timestamp(_, _)
            | DataType::Binary
    );
    if !supported {
        return Err(format!(
            "arrow type {} is rejected by Grafana (\"unsupported conversion from arrow to sdk type\"); \
             use utf8, (u)int8-64, float32/64, bool, timestamp[ns] or binary",
            arrow_type_name(dt)
        ));
    }
    if let DataType::Timestamp(unit, _) = dt {
        if *unit != TimeUnit::Nanosecond {
            return Err(format!(
                "{} column: Grafana reads every timestamp as nanoseconds, so these values would land \
                 near January 1970; write timestamp[ns]",
                arrow_type_name(dt)
            ));
        }
    }
    if !field.nullable && field.null_count > 0 {
        return Err(format!(
            "declared non-nullable but has {} null value(s); Grafana would read them as zero values",
            field.null_count
        ));
    }
    if let Some(row) = field.non_json_rows.first() {
        return Err(format!("binary value at row {row} is not JSON; Grafana reads binary as JSON and would show null"));
    }
    if let Some(raw) = &field.raw_labels {
        let labels: Value = serde_json::from_str(raw)
            .map_err(|e| format!("metadata `labels` is not JSON ({e}): {raw}"))?;
        match &labels {
            Value::Null => {}
            Value::Object(map) => {
                if let Some((k, v)) = map.iter().find(|(_, v)| !(v.is_string() || v.is_null())) {
                    return Err(format!("label {k:?} must be a string, got {v}"));
                }
            }
            other => {
                return Err(format!(
                    "metadata `labels` must be a JSON object of strings, got {other}"
                ))
            }
        }
    }
    if let Some(raw) = &field.raw_config {
        let config: Value = serde_json::from_str(raw)
            .map_err(|e| format!("metadata `config` is not JSON ({e}): {raw}"))?;
        field_config(&config, "config")?;
    }
    Ok(())
}

// ---- Go encoding/json shapes ---------------------------------------------------------

fn type_err(path: &str, want: &str, got: &Value) -> String {
    format!("{path} must be {want}, got {got}")
}

fn string(v: &Value, path: &str) -> Check {
    if v.is_string() || v.is_null() {
        Ok(())
    } else {
        Err(type_err(path, "a string", v))
    }
}

fn boolean(v: &Value, path: &str) -> Check {
    if v.is_boolean() || v.is_null() {
        Ok(())
    } else {
        Err(type_err(path, "a boolean", v))
    }
}

fn number(v: &Value, path: &str) -> Check {
    if v.is_number() || v.is_null() {
        Ok(())
    } else {
        Err(type_err(path, "a number", v))
    }
}

/// An integer within [min, max] (Go rejects 1.0 for an int).
fn integer(v: &Value, path: &str, min: i128, max: i128) -> Check {
    let n = v
        .as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from));
    match n {
        _ if v.is_null() => Ok(()),
        Some(n) if (min..=max).contains(&n) => Ok(()),
        _ => Err(type_err(path, &format!("an integer in {min}..={max}"), v)),
    }
}

fn any(_: &Value, _: &str) -> Check {
    Ok(())
}

fn array(v: &Value, path: &str, item: impl Fn(&Value, &str) -> Check) -> Check {
    match v {
        Value::Null => Ok(()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| item(x, &format!("{path}[{i}]"))),
        other => Err(type_err(path, "an array", other)),
    }
}

type FieldCheck = fn(&Value, &str) -> Check;

/// A Go struct: each known key (matched case-insensitively, as encoding/json does) is
/// checked by its function; unknown keys are ignored.
fn object(v: &Value, path: &str, known: &[(&str, FieldCheck)]) -> Check {
    let map: &Map<String, Value> = match v {
        Value::Null => return Ok(()),
        Value::Object(map) => map,
        other => return Err(type_err(path, "a JSON object", other)),
    };
    for (key, value) in map {
        if let Some((name, check)) = known
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
        {
            check(value, &format!("{path}.{name}"))?;
        }
    }
    Ok(())
}

fn map_of(v: &Value, path: &str) -> Check {
    if v.is_object() || v.is_null() {
        Ok(())
    } else {
        Err(type_err(path, "a JSON object", v))
    }
}

// ---- FrameMeta -------------------------------------------------------------------------

fn type_version(v: &Value, path: &str) -> Check {
    match v {
        Value::Null => Ok(()),
        Value::Array(items) if items.len() == 2 => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| integer(x, &format!("{path}[{i}]"), 0, i128::from(u64::MAX))),
        other => Err(type_err(
            path,
            "an array of two non-negative integers like [0, 1]",
            other,
        )),
    }
}

fn notice(v: &Value, path: &str) -> Check {
    fn severity(v: &Value, path: &str) -> Check {
        // A null severity reaches NoticeSeverity.UnmarshalJSON and fails there.
        match v.as_str() {
            Some("info" | "warning" | "error") => Ok(()),
            _ => Err(type_err(path, "one of \"info\", \"warning\", \"error\"", v)),
        }
    }
    fn inspect(v: &Value, path: &str) -> Check {
        integer(v, path, i128::from(i64::MIN), i128::from(i64::MAX))
    }
    object(
        v,
        path,
        &[
            ("severity", severity),
            ("text", string),
            ("link", string),
            ("inspect", inspect),
        ],
    )
}

fn query_stat(v: &Value, path: &str) -> Check {
    field_config(v, path)?;
    object(v, path, &[("value", number)])
}

fn frame_meta(v: &Value, path: &str) -> Check {
    fn unique_row_ids(v: &Value, path: &str) -> Check {
        array(v, path, |x, p| {
            integer(x, p, i128::from(i64::MIN), i128::from(i64::MAX))
        })
    }
    object(
        v,
        path,
        &[
            ("type", string),
            ("typeVersion", type_version),
            ("path", string),
            ("pathSeparator", string),
            ("custom", any),
            ("stats", |v, p| array(v, p, query_stat)),
            ("notices", |v, p| array(v, p, notice)),
            ("channel", string),
            ("preferredVisualisationType", string),
            ("preferredVisualisationPluginId", string),
            ("executedQueryString", string),
            ("dataTopic", string),
            ("uniqueRowIdFields", unique_row_ids),
        ],
    )
}

// ---- FieldConfig -----------------------------------------------------------------------

fn mapping_result(v: &Value, path: &str) -> Check {
    object(
        v,
        path,
        &[
            ("text", string),
            ("color", string),
            ("index", |v, p| {
                integer(v, p, i128::from(i64::MIN), i128::from(i64::MAX))
            }),
        ],
    )
}

/// ValueMappings.UnmarshalJSON: `type` picks the shape of `options`, which must exist.
fn mapping(v: &Value, path: &str) -> Check {
    let Value::Object(map) = v else {
        return Err(type_err(path, "a JSON object", v));
    };
    let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
    let Some(options) = map.get("options") else {
        return Err(format!(
            "{path}.options is missing (Go: \"unexpected end of JSON input\")"
        ));
    };
    let opath = format!("{path}.options");
    match kind {
        "value" => match options {
            Value::Null => Ok(()),
            Value::Object(m) => m.iter().try_for_each(|(k, r)| mapping_result(r, &format!("{opath}.{k}"))),
            other => Err(type_err(&opath, "an object of value → result", other)),
        },
        "range" => object(options, &opath, &[("from", number), ("to", number), ("result", mapping_result)]),
        "special" => object(options, &opath, &[("match", string), ("result", mapping_result)]),
        _ => Err(format!("{path}.type must be \"value\", \"range\" or \"special\" (Go: \"unknown mapping type\"), got {:?}", kind)),
    }
}

/// Threshold.UnmarshalJSON: only `value`, `color`, `state` (case-sensitive).
fn threshold(v: &Value, path: &str) -> Check {
    let map = match v {
        Value::Null => return Ok(()),
        Value::Object(map) => map,
        other => return Err(type_err(path, "a JSON object", other)),
    };
    for (key, value) in map {
        match key.as_str() {
            "value" => {}
            "color" | "state" if value.is_string() => {}
            "color" | "state" => return Err(type_err(&format!("{path}.{key}"), "a string", value)),
            other => {
                return Err(format!(
                    "{path} has unexpected field {other:?} (Go rejects it)"
                ))
            }
        }
    }
    Ok(())
}

fn data_link(v: &Value, path: &str) -> Check {
    fn time_range(v: &Value, path: &str) -> Check {
        fn time(v: &Value, path: &str) -> Check {
            match v {
                Value::Null => Ok(()),
                Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => Ok(()),
                other => Err(type_err(path, "an RFC 3339 time string", other)),
            }
        }
        object(v, path, &[("from", time), ("to", time)])
    }
    fn internal(v: &Value, path: &str) -> Check {
        object(
            v,
            path,
            &[
                ("query", any),
                ("datasourceUid", string),
                ("datasourceName", string),
                ("panelsState", map_of),
                ("transformations", |v, p| array(v, p, map_of)),
                ("timeRange", time_range),
            ],
        )
    }
    object(
        v,
        path,
        &[
            ("title", string),
            ("targetBlank", boolean),
            ("url", string),
            ("internal", internal),
        ],
    )
}

fn field_config(v: &Value, path: &str) -> Check {
    fn decimals(v: &Value, path: &str) -> Check {
        integer(v, path, 0, i128::from(u16::MAX))
    }
    fn thresholds(v: &Value, path: &str) -> Check {
        object(
            v,
            path,
            &[("mode", string), ("steps", |v, p| array(v, p, threshold))],
        )
    }
    fn type_config(v: &Value, path: &str) -> Check {
        fn strings(v: &Value, path: &str) -> Check {
            array(v, path, string)
        }
        fn enum_config(v: &Value, path: &str) -> Check {
            object(
                v,
                path,
                &[
                    ("text", strings),
                    ("color", strings),
                    ("icon", strings),
                    ("description", strings),
                ],
            )
        }
        object(v, path, &[("enum", enum_config)])
    }
    object(
        v,
        path,
        &[
            ("displayName", string),
            ("displayNameFromDS", string),
            ("path", string),
            ("description", string),
            ("filterable", boolean),
            ("writeable", boolean),
            ("unit", string),
            ("decimals", decimals),
            ("min", number),
            ("max", number),
            ("interval", number),
            ("mappings", |v, p| array(v, p, mapping)),
            ("thresholds", thresholds),
            ("color", map_of),
            ("links", |v, p| array(v, p, data_link)),
            ("noValue", string),
            ("type", type_config),
            ("custom", map_of),
        ],
    )
}
