//! Decoding of the Arrow frames a plugin returns, the way Grafana reads them: one Arrow
//! IPC *file* per frame, schema metadata `name` / `refId` / `meta`, field metadata
//! `labels` / `config`, all record batches concatenated. [`decode_frame`] is lenient
//! (for reading and printing); [`assert_grafana_decodable`] is strict and mirrors
//! grafana-plugin-sdk-go's `data.UnmarshalArrowFrame` (see `frames/grafana.rs`).

mod grafana;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Cursor;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use serde_json::{json, Value};

pub use grafana::{assert_grafana_decodable, grafana_decode_error};

/// Why bytes could not be decoded as an Arrow IPC file at all.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("not an Arrow IPC file: {0}")]
    NotArrowFile(String),
    #[error("cannot read record batch {index}: {message}")]
    Batch { index: usize, message: String },
}

/// One field (column) of a decoded frame.
#[derive(Debug, Clone)]
pub struct DecodedField {
    pub name: String,
    /// Labels from the `labels` metadata (non-string values rendered as JSON text).
    pub labels: BTreeMap<String, String>,
    /// The `config` metadata parsed as JSON (`Null` when absent or unparsable).
    pub config: Value,
    /// Values as Grafana reads them: strings, numbers, booleans, nulls; timestamps as
    /// the raw integer (which Grafana takes as nanoseconds whatever the unit); binary
    /// as the JSON it holds (null when not JSON); non-finite floats as "NaN" / "+Inf" /
    /// "-Inf"; values of types Grafana rejects as null.
    pub values: Vec<Value>,
    /// Arrow type name in Arrow's own spelling: `utf8`, `int64`, `timestamp[ns]`, ...
    pub arrow_type: String,
    pub data_type: DataType,
    pub nullable: bool,
    /// How many values Arrow marks null (Grafana reads them as 0 / "" when the field
    /// is declared non-nullable).
    pub null_count: usize,
    /// Rows of a binary column whose bytes are not JSON (Grafana reads them as null).
    pub non_json_rows: Vec<usize>,
    /// The raw metadata strings, for checks and messages.
    pub raw_labels: Option<String>,
    pub raw_config: Option<String>,
}

/// A decoded frame.
#[derive(Debug, Clone)]
pub struct DecodedFrame {
    pub name: String,
    pub ref_id: String,
    /// The `meta` metadata parsed as JSON (`Null` when absent or unparsable).
    pub meta: Value,
    pub raw_meta: Option<String>,
    pub fields: Vec<DecodedField>,
    /// Number of record batches in the file.
    pub batches: usize,
}

/// Arrow's name for a data type, as Go's arrow and pyarrow print it.
pub fn arrow_type_name(dt: &DataType) -> String {
    let unit = |u: &TimeUnit| match u {
        TimeUnit::Second => "s",
        TimeUnit::Millisecond => "ms",
        TimeUnit::Microsecond => "us",
        TimeUnit::Nanosecond => "ns",
    };
    match dt {
        DataType::Utf8 => "utf8".into(),
        DataType::LargeUtf8 => "large_utf8".into(),
        DataType::Utf8View => "utf8_view".into(),
        DataType::Boolean => "bool".into(),
        DataType::Int8 => "int8".into(),
        DataType::Int16 => "int16".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::UInt8 => "uint8".into(),
        DataType::UInt16 => "uint16".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::Float16 => "float16".into(),
        DataType::Float32 => "float32".into(),
        DataType::Float64 => "float64".into(),
        DataType::Binary => "binary".into(),
        DataType::LargeBinary => "large_binary".into(),
        DataType::Timestamp(u, None) => format!("timestamp[{}]", unit(u)),
        DataType::Timestamp(u, Some(tz)) => format!("timestamp[{}, tz={tz}]", unit(u)),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

fn float(f: f64) -> Value {
    if f.is_nan() {
        json!("NaN")
    } else if f.is_infinite() {
        json!(if f > 0.0 { "+Inf" } else { "-Inf" })
    } else {
        json!(f)
    }
}

/// Reads row `i` of a column as Grafana would.
fn cell(col: &ArrayRef, i: usize) -> Value {
    if col.is_null(i) {
        return Value::Null;
    }
    match col.data_type() {
        DataType::Utf8 => json!(col.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => json!(col.as_string::<i64>().value(i)),
        DataType::Utf8View => json!(col.as_string_view().value(i)),
        DataType::Boolean => json!(col.as_boolean().value(i)),
        DataType::Int8 => json!(col.as_primitive::<Int8Type>().value(i)),
        DataType::Int16 => json!(col.as_primitive::<Int16Type>().value(i)),
        DataType::Int32 => json!(col.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => json!(col.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => json!(col.as_primitive::<UInt8Type>().value(i)),
        DataType::UInt16 => json!(col.as_primitive::<UInt16Type>().value(i)),
        DataType::UInt32 => json!(col.as_primitive::<UInt32Type>().value(i)),
        DataType::UInt64 => json!(col.as_primitive::<UInt64Type>().value(i)),
        DataType::Float16 => float(f64::from(
            col.as_primitive::<Float16Type>().value(i).to_f32(),
        )),
        DataType::Float32 => float(f64::from(col.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => float(col.as_primitive::<Float64Type>().value(i)),
        // Grafana reads the raw i64 as nanoseconds whatever the unit says.
        DataType::Timestamp(TimeUnit::Second, _) => {
            json!(col.as_primitive::<TimestampSecondType>().value(i))
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            json!(col.as_primitive::<TimestampMillisecondType>().value(i))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            json!(col.as_primitive::<TimestampMicrosecondType>().value(i))
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            json!(col.as_primitive::<TimestampNanosecondType>().value(i))
        }
        DataType::Binary => {
            serde_json::from_slice(col.as_binary::<i32>().value(i)).unwrap_or(Value::Null)
        }
        _ => Value::Null,
    }
}

fn parse_json(raw: Option<&String>) -> Value {
    raw.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// Decodes one frame (Arrow IPC file bytes). Lenient about metadata; see
/// [`assert_grafana_decodable`] for the strict check.
///
/// # Errors
/// Bytes that are not an Arrow IPC file, or a record batch that cannot be read.
pub fn decode_frame(bytes: &[u8]) -> Result<DecodedFrame, FrameError> {
    let reader = arrow_ipc::reader::FileReader::try_new(Cursor::new(bytes.to_vec()), None)
        .map_err(|e| FrameError::NotArrowFile(e.to_string()))?;
    let schema = reader.schema();
    let md = schema.metadata();
    let mut fields: Vec<DecodedField> = schema
        .fields()
        .iter()
        .map(|f| {
            let raw_labels = f.metadata().get("labels").cloned();
            let labels = match parse_json(raw_labels.as_ref()) {
                Value::Object(map) => map
                    .into_iter()
                    .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                    .collect(),
                _ => BTreeMap::new(),
            };
            let raw_config = f.metadata().get("config").cloned();
            DecodedField {
                name: f.name().clone(),
                labels,
                config: parse_json(raw_config.as_ref()),
                values: Vec::new(),
                arrow_type: arrow_type_name(f.data_type()),
                data_type: f.data_type().clone(),
                nullable: f.is_nullable(),
                null_count: 0,
                non_json_rows: Vec::new(),
                raw_labels,
                raw_config,
            }
        })
        .collect();
    let mut batches = 0;
    for (index, batch) in reader.enumerate() {
        let batch = batch.map_err(|e| FrameError::Batch {
            index,
            message: e.to_string(),
        })?;
        for (field, col) in fields.iter_mut().zip(batch.columns()) {
            let start = field.values.len();
            field.null_count += col.null_count();
            if let Some(bin) = col.as_binary_opt::<i32>() {
                let bad = (0..bin.len()).filter(|&i| {
                    bin.is_valid(i) && serde_json::from_slice::<Value>(bin.value(i)).is_err()
                });
                field.non_json_rows.extend(bad.map(|i| start + i));
            }
            field.values.extend((0..col.len()).map(|i| cell(col, i)));
        }
        batches += 1;
    }
    Ok(DecodedFrame {
        name: md.get("name").cloned().unwrap_or_default(),
        ref_id: md.get("refId").cloned().unwrap_or_default(),
        meta: parse_json(md.get("meta")),
        raw_meta: md.get("meta").cloned(),
        fields,
        batches,
    })
}

/// Renders a value for humans: timestamps as RFC 3339, strings bare, null as `null`.
fn render(field: &DecodedField, v: &Value) -> String {
    match (v, &field.data_type) {
        (Value::Number(n), DataType::Timestamp(_, _)) => n
            .as_i64()
            .map(|ns| {
                chrono::DateTime::from_timestamp_nanos(ns)
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            })
            .unwrap_or_else(|| n.to_string()),
        (Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}

impl DecodedFrame {
    /// Number of rows (length of the first field).
    pub fn rows(&self) -> usize {
        self.fields.first().map_or(0, |f| f.values.len())
    }

    /// The field with this name.
    ///
    /// # Panics
    /// When there is none, listing the names there are.
    pub fn field(&self, name: &str) -> &DecodedField {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| {
                let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
                panic!(
                    "frame {:?} has no field {name:?}; fields: {names:?}\n{}",
                    self.name,
                    self.to_table()
                )
            })
    }

    /// The field with this name, if any.
    pub fn try_field(&self, name: &str) -> Option<&DecodedField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A column rendered as strings (timestamps as RFC 3339, null as `null`).
    ///
    /// # Panics
    /// When the field does not exist.
    pub fn column_as_strings(&self, name: &str) -> Vec<String> {
        let field = self.field(name);
        field.values.iter().map(|v| render(field, v)).collect()
    }

    /// An aligned ASCII table: a title line with name, refId and meta, a header of
    /// field names (with labels), a line of Arrow types, then the rows.
    pub fn to_table(&self) -> String {
        let mut out = format!("Frame name={:?} refId={:?}", self.name, self.ref_id);
        if !self.meta.is_null() {
            let _ = write!(out, " meta={}", self.meta);
        }
        out.push('\n');
        let header: Vec<String> = self
            .fields
            .iter()
            .map(|f| {
                if f.labels.is_empty() {
                    f.name.clone()
                } else {
                    let labels: Vec<String> =
                        f.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!("{} {{{}}}", f.name, labels.join(", "))
                }
            })
            .collect();
        let types: Vec<String> = self
            .fields
            .iter()
            .map(|f| format!("{}{}", f.arrow_type, if f.nullable { "?" } else { "" }))
            .collect();
        let columns: Vec<Vec<String>> = self
            .fields
            .iter()
            .map(|f| f.values.iter().map(|v| render(f, v)).collect())
            .collect();
        let widths: Vec<usize> = (0..self.fields.len())
            .map(|c| {
                let cells = columns[c].iter().map(|s| s.chars().count());
                cells
                    .chain([header[c].chars().count(), types[c].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| -> String {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let rule: String = format!(
            "+{}+\n",
            widths
                .iter()
                .map(|w| "-".repeat(w + 2))
                .collect::<Vec<_>>()
                .join("+")
        );
        out.push_str(&rule);
        out.push_str(&line(&header));
        out.push_str(&line(&types));
        out.push_str(&rule);
        for r in 0..self.rows() {
            let row: Vec<String> = columns
                .iter()
                .map(|c| c.get(r).cloned().unwrap_or_default())
                .collect();
            out.push_str(&line(&row));
        }
        out.push_str(&rule);
        let rows = self.rows();
        let _ = write!(out, "{rows} row{}", if rows == 1 { "" } else { "s" });
        out
    }
}

/// Decodes every frame of a DataResponse, checking each with
/// [`assert_grafana_decodable`].
pub fn decode_all(frames: &[Vec<u8>]) -> Vec<DecodedFrame> {
    frames.iter().map(|f| assert_grafana_decodable(f)).collect()
}
