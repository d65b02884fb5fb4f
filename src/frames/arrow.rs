//! Arrow IPC *file* encoding of frames, as Grafana's Go decoder reads them
//! (see the module docs of [`crate::frames`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampNanosecondArray,
};
use arrow_ipc::writer::FileWriter;
use arrow_schema::{DataType, Field as ArrowField, Schema, TimeUnit};

use super::{Field, Frame, Values};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("frame {frame:?} has fields of different lengths")]
    RaggedFrame { frame: String },
    #[error("frame {frame:?} has two fields named {field:?}")]
    DuplicateField { frame: String, field: String },
    #[error("could not write frame {frame:?} as Arrow: {source}")]
    Arrow {
        frame: String,
        #[source]
        source: arrow_schema::ArrowError,
    },
    #[error("could not serialize metadata of frame {frame:?}: {source}")]
    Json {
        frame: String,
        #[source]
        source: serde_json::Error,
    },
}

/// Encodes one frame as an Arrow IPC file buffer.
///
/// # Errors
/// When fields differ in length or share a name (Grafana would reject or misread the
/// frame), or when Arrow or JSON serialization fails.
pub fn encode(frame: &Frame) -> Result<Vec<u8>, Error> {
    let frame_name = || frame.name.clone();
    if frame.row_count().is_none() {
        return Err(Error::RaggedFrame {
            frame: frame_name(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for f in &frame.fields {
        if !seen.insert(f.name.as_str()) {
            return Err(Error::DuplicateField {
                frame: frame_name(),
                field: f.name.clone(),
            });
        }
    }

    let json_err = |source| Error::Json {
        frame: frame_name(),
        source,
    };
    let mut fields = Vec::with_capacity(frame.fields.len());
    let mut columns = Vec::with_capacity(frame.fields.len());
    for f in &frame.fields {
        fields.push(arrow_field(f).map_err(json_err)?);
        columns.push(column(&f.values));
    }

    let mut metadata = HashMap::from([
        ("name".to_string(), frame.name.clone()),
        ("refId".to_string(), frame.ref_id.clone()),
    ]);
    if let Some(meta) = &frame.meta {
        metadata.insert(
            "meta".to_string(),
            serde_json::to_string(meta).map_err(json_err)?,
        );
    }
    let schema = Arc::new(Schema::new_with_metadata(fields, metadata));
    let arrow_err = |source| Error::Arrow {
        frame: frame_name(),
        source,
    };
    let batch = if columns.is_empty() {
        RecordBatch::new_empty(schema.clone())
    } else {
        RecordBatch::try_new(schema.clone(), columns).map_err(arrow_err)?
    };

    let mut buf = Vec::new();
    {
        let mut writer = FileWriter::try_new(&mut buf, &schema).map_err(arrow_err)?;
        writer.write(&batch).map_err(arrow_err)?;
        writer.finish().map_err(arrow_err)?;
    }
    Ok(buf)
}

fn arrow_field(f: &Field) -> Result<ArrowField, serde_json::Error> {
    let data_type = match f.values {
        Values::String(_) => DataType::Utf8,
        Values::F64(_) => DataType::Float64,
        Values::I64(_) => DataType::Int64,
        Values::Bool(_) => DataType::Boolean,
        Values::Time(_) => DataType::Timestamp(TimeUnit::Nanosecond, None),
    };
    let mut metadata = HashMap::from([("name".to_string(), f.name.clone())]);
    if !f.labels.is_empty() {
        metadata.insert("labels".to_string(), serde_json::to_string(&f.labels)?);
    }
    if let Some(config) = &f.config {
        metadata.insert("config".to_string(), serde_json::to_string(config)?);
    }
    Ok(ArrowField::new(&f.name, data_type, f.values.has_nulls()).with_metadata(metadata))
}

fn column(values: &Values) -> ArrayRef {
    match values {
        Values::String(v) => Arc::new(v.iter().map(|s| s.as_deref()).collect::<StringArray>()),
        Values::F64(v) => Arc::new(v.iter().copied().collect::<Float64Array>()),
        Values::I64(v) => Arc::new(v.iter().copied().collect::<Int64Array>()),
        Values::Bool(v) => Arc::new(v.iter().copied().collect::<BooleanArray>()),
        Values::Time(v) => Arc::new(v.iter().copied().collect::<TimestampNanosecondArray>()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::{DataLink, FieldConfig, FrameMeta, FrameType, Severity};
    use arrow_ipc::reader::FileReader;
    use std::io::Cursor;

    fn read(buf: Vec<u8>) -> (Arc<Schema>, Vec<RecordBatch>) {
        let reader = FileReader::try_new(Cursor::new(buf), None).expect("an Arrow file");
        let schema = reader.schema();
        let batches = reader.collect::<Result<Vec<_>, _>>().expect("batches");
        (schema, batches)
    }

    #[test]
    fn frame_metadata_and_field_labels_and_config_survive_together() {
        let mut frame = Frame::new("latency")
            .ref_id("A")
            .meta(FrameMeta::typed(FrameType::TimeSeriesMulti).executed("up"))
            .field(Field::times_ms("time", [Some(1_000), Some(2_000)]))
            .field(
                Field::f64s("value", [Some(1.5), None])
                    .labels([("role", "canary")])
                    .config(FieldConfig {
                        unit: Some("s".into()),
                        links: vec![DataLink::internal(
                            "trace",
                            "tempo",
                            "Tempo",
                            serde_json::json!({"query": "${__value.raw}"}),
                        )],
                        ..FieldConfig::default()
                    }),
            );
        frame.push_notice(Severity::Warning, "partial");
        let (schema, batches) = read(encode(&frame).unwrap());

        assert_eq!(schema.metadata()["name"], "latency");
        assert_eq!(schema.metadata()["refId"], "A");
        let meta: serde_json::Value = serde_json::from_str(&schema.metadata()["meta"]).unwrap();
        assert_eq!(meta["type"], "timeseries-multi");
        assert_eq!(meta["typeVersion"], serde_json::json!([0, 1]));
        assert_eq!(meta["notices"][0]["severity"], "warning");

        let time = schema.field(0);
        assert_eq!(
            time.data_type(),
            &DataType::Timestamp(TimeUnit::Nanosecond, None)
        );
        assert!(
            !time.is_nullable(),
            "a time field without holes is not nullable"
        );
        let value = schema.field(1);
        assert!(value.is_nullable());
        assert_eq!(value.metadata()["labels"], r#"{"role":"canary"}"#);
        let config: serde_json::Value = serde_json::from_str(&value.metadata()["config"]).unwrap();
        assert_eq!(config["unit"], "s");
        assert_eq!(config["links"][0]["internal"]["datasourceUid"], "tempo");

        let times = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<TimestampNanosecondArray>()
            .unwrap();
        assert_eq!(times.value(1), 2_000_000_000);
    }

    #[test]
    fn ragged_and_duplicate_fields_are_refused() {
        let ragged = Frame::new("x")
            .field(Field::i64s("a", [Some(1)]))
            .field(Field::i64s("b", [Some(1), Some(2)]));
        assert!(matches!(encode(&ragged), Err(Error::RaggedFrame { .. })));
        let dup = Frame::new("x")
            .field(Field::i64s("a", [Some(1)]))
            .field(Field::i64s("a", [Some(1)]));
        assert!(matches!(encode(&dup), Err(Error::DuplicateField { .. })));
    }

    #[test]
    fn a_frame_without_fields_still_encodes() {
        let (schema, _) = read(encode(&Frame::new("empty")).unwrap());
        assert_eq!(schema.fields().len(), 0);
    }
}
