//! A decoded frame written as Grafana's `DataFrameJSON`, the form `/api/ds/query`
//! answers in and the frontend's `dataFrameFromJSON` reads (grafana-plugin-sdk-go
//! `data/frame_json.go`, `FrameToJSON` with `IncludeAll`): a schema (name, refId, meta,
//! fields with type, typeInfo, labels, config) and the values column by column, times
//! as epoch milliseconds, NaN and the infinities as `entities` since JSON cannot hold
//! them.

use arrow_schema::DataType;
use serde_json::{json, Map, Value};

use super::super::frames::{DecodedField, DecodedFrame};

/// Grafana's `DataFrameJSON` field type and Go type name (`typeInfo.frame`).
fn json_type(dt: &DataType) -> (&'static str, &'static str) {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ("string", "string"),
        DataType::Boolean => ("boolean", "bool"),
        DataType::Int8 => ("number", "int8"),
        DataType::Int16 => ("number", "int16"),
        DataType::Int32 => ("number", "int32"),
        DataType::Int64 => ("number", "int64"),
        DataType::UInt8 => ("number", "uint8"),
        DataType::UInt16 => ("number", "uint16"),
        DataType::UInt32 => ("number", "uint32"),
        DataType::UInt64 => ("number", "uint64"),
        DataType::Float32 => ("number", "float32"),
        DataType::Float64 => ("number", "float64"),
        DataType::Timestamp(_, _) => ("time", "time.Time"),
        _ => ("other", "json.RawMessage"),
    }
}

/// One field's values as `DataFrameJSON` has them, plus its `entities` (the rows of
/// NaN / +Inf / -Inf) when there are any.
fn json_values(field: &DecodedField) -> (Value, Option<Value>) {
    let mut entities: Map<String, Value> = Map::new();
    let mut mark = |key: &str, row: usize| {
        if let Some(list) = entities
            .entry(key)
            .or_insert_with(|| json!([]))
            .as_array_mut()
        {
            list.push(json!(row));
        }
    };
    let values: Vec<Value> = field
        .values
        .iter()
        .enumerate()
        .map(|(row, v)| match (v, &field.data_type) {
            // Grafana reads timestamps as nanoseconds; DataFrameJSON has milliseconds.
            (Value::Number(n), DataType::Timestamp(_, _)) => n
                .as_i64()
                .map_or(Value::Null, |ns| json!(ns.div_euclid(1_000_000))),
            (Value::String(s), DataType::Float16 | DataType::Float32 | DataType::Float64) => {
                match s.as_str() {
                    "NaN" => mark("NaN", row),
                    "+Inf" => mark("Inf", row),
                    "-Inf" => mark("NegInf", row),
                    _ => {}
                }
                Value::Null
            }
            (other, _) => other.clone(),
        })
        .collect();
    let entities = (!entities.is_empty()).then_some(Value::Object(entities));
    (Value::Array(values), entities)
}

/// A decoded frame as Grafana's `DataFrameJSON`.
pub fn data_frame_json(frame: &DecodedFrame) -> Value {
    let mut fields = Vec::new();
    let mut values = Vec::new();
    let mut entities = Vec::new();
    for f in &frame.fields {
        let (kind, go_type) = json_type(&f.data_type);
        let mut field = Map::new();
        field.insert("name".into(), json!(f.name));
        field.insert("type".into(), json!(kind));
        let mut type_info = json!({ "frame": go_type });
        if f.nullable {
            type_info["nullable"] = json!(true);
        }
        field.insert("typeInfo".into(), type_info);
        if !f.labels.is_empty() {
            field.insert("labels".into(), json!(f.labels));
        }
        if !f.config.is_null() {
            field.insert("config".into(), f.config.clone());
        }
        fields.push(Value::Object(field));
        let (column, special) = json_values(f);
        values.push(column);
        entities.push(special.unwrap_or(Value::Null));
    }
    let mut schema = Map::new();
    schema.insert("name".into(), json!(frame.name));
    schema.insert("refId".into(), json!(frame.ref_id));
    if !frame.meta.is_null() {
        schema.insert("meta".into(), frame.meta.clone());
    }
    schema.insert("fields".into(), Value::Array(fields));
    let mut data = Map::new();
    data.insert("values".into(), Value::Array(values));
    if entities.iter().any(|e| !e.is_null()) {
        data.insert("entities".into(), Value::Array(entities));
    }
    json!({ "schema": schema, "data": data })
}
