//! Frames as Grafana's `DataFrameJSON` (`{schema, data}`), the shape Grafana Live
//! forwards and the frontend's `dataFrameFromJSON` reads. Times are epoch milliseconds.

use serde_json::{json, Map, Value};

use super::{Frame, Values};

/// The frame as `DataFrameJSON`.
pub fn to_json(frame: &Frame) -> Value {
    let fields: Vec<Value> = frame
        .fields
        .iter()
        .map(|f| {
            let (kind, go_type) = match f.values {
                Values::String(_) => ("string", "string"),
                Values::F64(_) => ("number", "float64"),
                Values::I64(_) => ("number", "int64"),
                Values::Bool(_) => ("boolean", "bool"),
                Values::Time(_) => ("time", "time.Time"),
            };
            let mut field = Map::new();
            field.insert("name".into(), json!(f.name));
            field.insert("type".into(), json!(kind));
            let mut type_info = json!({ "frame": go_type });
            if f.values.has_nulls() {
                type_info["nullable"] = json!(true);
            }
            field.insert("typeInfo".into(), type_info);
            if !f.labels.is_empty() {
                field.insert("labels".into(), json!(f.labels));
            }
            if let Some(config) = &f.config {
                field.insert("config".into(), json!(config));
            }
            Value::Object(field)
        })
        .collect();
    let values: Vec<Value> = frame.fields.iter().map(|f| column(&f.values)).collect();
    let mut schema = Map::new();
    schema.insert("name".into(), json!(frame.name));
    schema.insert("refId".into(), json!(frame.ref_id));
    if let Some(meta) = &frame.meta {
        schema.insert("meta".into(), json!(meta));
    }
    schema.insert("fields".into(), Value::Array(fields));
    json!({ "schema": schema, "data": { "values": values } })
}

fn column(values: &Values) -> Value {
    match values {
        Values::String(v) => json!(v),
        Values::F64(v) => json!(v),
        Values::I64(v) => json!(v),
        Values::Bool(v) => json!(v),
        Values::Time(v) => json!(v
            .iter()
            .map(|t| t.map(|ns| ns.div_euclid(1_000_000)))
            .collect::<Vec<_>>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::Field;

    #[test]
    fn times_become_milliseconds_and_nulls_stay_null() {
        let frame = Frame::new("f")
            .field(Field::times_ms("time", [Some(1_500), None]))
            .field(Field::f64s("v", [Some(f64::NAN), Some(2.0)]));
        let v = to_json(&frame);
        assert_eq!(v["data"]["values"][0], json!([1500, null]));
        assert_eq!(v["data"]["values"][1], json!([null, 2.0]));
        assert_eq!(v["schema"]["fields"][0]["type"], "time");
        assert_eq!(v["schema"]["fields"][1]["typeInfo"]["nullable"], true);
    }
}
