//! The frame decoder and the Grafana decodability check, on frames built with arrow-rs
//! directly: good ones decode faithfully, and each kind of bad one is caught.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::BinaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float64Array, Int64Array,
    LargeStringArray, RecordBatch, StringArray, TimestampMillisecondArray,
    TimestampNanosecondArray, UInt16Array,
};
use arrow_ipc::writer::{FileWriter, StreamWriter};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use serde_json::json;

use crate::support::frames::{assert_grafana_decodable, decode_frame, grafana_decode_error};

const T0: i64 = 1_700_000_000_000_000_000; // 2023-11-14T22:13:20Z in ns

fn field(name: &str, dt: DataType, labels: Option<&str>, config: Option<&str>) -> Field {
    let mut md = HashMap::new();
    if let Some(l) = labels {
        md.insert("labels".to_string(), l.to_string());
    }
    if let Some(c) = config {
        md.insert("config".to_string(), c.to_string());
    }
    Field::new(name, dt, true).with_metadata(md)
}

fn schema(fields: Vec<Field>, meta: Option<&str>) -> Arc<Schema> {
    let mut md = HashMap::from([
        ("name".to_string(), "rollout".to_string()),
        ("refId".to_string(), "A".to_string()),
    ]);
    if let Some(m) = meta {
        md.insert("meta".to_string(), m.to_string());
    }
    Arc::new(Schema::new(fields).with_metadata(md))
}

/// An Arrow IPC file with one record batch per entry of `batches`.
fn file(schema: Arc<Schema>, batches: Vec<Vec<ArrayRef>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = FileWriter::try_new(&mut out, &schema).unwrap();
    for cols in batches {
        w.write(&RecordBatch::try_new(schema.clone(), cols).unwrap())
            .unwrap();
    }
    w.finish().unwrap();
    drop(w);
    out
}

/// A one-column frame with `meta` and the column's labels / config.
fn one(
    dt: DataType,
    col: ArrayRef,
    labels: Option<&str>,
    config: Option<&str>,
    meta: Option<&str>,
) -> Vec<u8> {
    file(
        schema(vec![field("v", dt, labels, config)], meta),
        vec![vec![col]],
    )
}

fn strings(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn good_frame() -> Vec<u8> {
    let config = json!({
        "displayName": "Error rate", "unit": "percentunit", "decimals": 2, "min": 0, "max": null,
        "mappings": [{"type": "value", "options": {"0": {"text": "none", "color": "green", "index": 0}}},
                     {"type": "range", "options": {"from": 0.5, "to": null, "result": {"text": "bad"}}},
                     {"type": "special", "options": {"match": "nan", "result": {"text": "-"}}}],
        "thresholds": {"mode": "absolute", "steps": [{"value": null, "color": "green"}, {"value": 0.05, "color": "red"}]},
        "links": [{"title": "trace", "url": "", "internal": {"datasourceUid": "tempo", "datasourceName": "Tempo",
                   "query": {"query": "${__value.raw}", "queryType": "traceql"}}}],
        "custom": {"cellOptions": {"type": "color-background"}}
    });
    let meta = json!({
        "type": "timeseries-multi", "typeVersion": [0, 1], "executedQueryString": "sum(rate(x[5m]))",
        "notices": [{"severity": "warning", "text": "partial data", "inspect": 1}], "somethingNew": {"x": 1},
        "stats": [{"displayName": "series", "value": 2}], "preferredVisualisationType": "graph"
    });
    let schema = schema(
        vec![
            field(
                "Time",
                DataType::Timestamp(TimeUnit::Nanosecond, None),
                None,
                None,
            ),
            field(
                "Value",
                DataType::Float64,
                Some(r#"{"revision":"31","role":"canary"}"#),
                Some(&config.to_string()),
            ),
            field("pod", DataType::Utf8, None, None),
            field("ok", DataType::Boolean, None, None),
            field("details", DataType::Binary, None, None),
        ],
        Some(&meta.to_string()),
    );
    let batch = |start: i64,
                 values: Vec<Option<f64>>,
                 pods: &[&str],
                 oks: Vec<bool>,
                 details: &[&str]|
     -> Vec<ArrayRef> {
        let mut bin = BinaryBuilder::new();
        for d in details {
            bin.append_value(d.as_bytes());
        }
        vec![
            Arc::new(TimestampNanosecondArray::from(vec![
                start,
                start + 1_000_000_000,
            ])),
            Arc::new(Float64Array::from(values)),
            strings(pods),
            Arc::new(BooleanArray::from(oks)),
            Arc::new(bin.finish()),
        ]
    };
    file(
        schema,
        vec![
            batch(
                T0,
                vec![Some(0.01), None],
                &["p-1", "p-2"],
                vec![true, false],
                &[r#"{"a":1}"#, "[1,2]"],
            ),
            batch(
                T0 + 2_000_000_000,
                vec![Some(f64::NAN), Some(0.5)],
                &["p-3", "a much longer pod name"],
                vec![true, true],
                &["null", "\"s\""],
            ),
        ],
    )
}

#[test]
fn a_well_formed_frame_decodes_with_all_batches_labels_config_and_meta() {
    let frame = assert_grafana_decodable(&good_frame());
    assert_eq!(
        (
            frame.name.as_str(),
            frame.ref_id.as_str(),
            frame.batches,
            frame.rows()
        ),
        ("rollout", "A", 2, 4)
    );
    assert_eq!(frame.meta["type"], "timeseries-multi");
    let value = frame.field("Value");
    assert_eq!(value.labels.get("role").map(String::as_str), Some("canary"));
    assert_eq!(value.config["unit"], "percentunit");
    assert_eq!(value.arrow_type, "float64");
    assert_eq!(
        value.values,
        vec![json!(0.01), json!(null), json!("NaN"), json!(0.5)]
    );
    assert_eq!(frame.field("Time").values[0], json!(T0));
    assert_eq!(frame.field("Time").arrow_type, "timestamp[ns]");
    assert_eq!(frame.column_as_strings("Time")[0], "2023-11-14T22:13:20Z");
    assert_eq!(frame.column_as_strings("Time")[3], "2023-11-14T22:13:23Z");
    assert_eq!(
        frame.field("details").values,
        vec![json!({"a": 1}), json!([1, 2]), json!(null), json!("s")]
    );
    assert_eq!(
        frame.column_as_strings("ok"),
        vec!["true", "false", "true", "true"]
    );
    assert!(frame.try_field("missing").is_none());
}

#[test]
fn to_table_aligns_columns_and_shows_labels_types_and_rows() {
    let table = decode_frame(&good_frame()).unwrap().to_table();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("Frame name=\"rollout\" refId=\"A\" meta="),
        "{table}"
    );
    let body: Vec<&str> = lines[1..lines.len() - 1].to_vec();
    let width = body[0].chars().count();
    assert!(
        body.iter().all(|l| l.chars().count() == width),
        "ragged table:\n{table}"
    );
    assert!(
        lines[2].contains("Value {revision=31, role=canary}"),
        "{table}"
    );
    assert!(
        lines[3].contains("timestamp[ns]?") && lines[3].contains("float64?"),
        "{table}"
    );
    assert!(table.contains("| a much longer pod name |"), "{table}");
    assert!(table.ends_with("4 rows"), "{table}");
}

#[test]
fn the_stream_format_and_garbage_are_rejected() {
    let schema = schema(vec![field("v", DataType::Utf8, None, None)], None);
    let mut stream = Vec::new();
    {
        let mut w = StreamWriter::try_new(&mut stream, &schema).unwrap();
        w.write(&RecordBatch::try_new(schema.clone(), vec![strings(&["x"])]).unwrap())
            .unwrap();
        w.finish().unwrap();
    }
    let err = grafana_decode_error(&stream).expect("stream format must be rejected");
    assert!(err.contains("*stream* format"), "{err}");
    assert!(decode_frame(&stream).is_err());
    let err = grafana_decode_error(b"{\"not\":\"arrow\"}").unwrap();
    assert!(err.contains("no ARROW1 magic"), "{err}");
    let mut truncated = good_frame();
    truncated.truncate(truncated.len() / 2);
    assert!(grafana_decode_error(&truncated).is_some());
}

#[test]
fn column_types_grafana_cannot_read_are_rejected() {
    let cases: Vec<(DataType, ArrayRef, &str)> = vec![
        (
            DataType::LargeUtf8,
            Arc::new(LargeStringArray::from(vec!["x"])),
            "large_utf8",
        ),
        (
            DataType::Float16,
            arrow_array::new_null_array(&DataType::Float16, 1),
            "float16",
        ),
        (
            DataType::Date32,
            Arc::new(Date32Array::from(vec![1])),
            "date32",
        ),
        (
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            Arc::new(
                vec!["a", "b", "a"]
                    .into_iter()
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
            "dictionary",
        ),
    ];
    for (dt, col, name) in cases {
        let err = grafana_decode_error(&one(dt, col, None, None, None))
            .unwrap_or_else(|| panic!("{name} accepted"));
        assert!(
            err.contains("is rejected by Grafana") && err.contains(name),
            "{name}: {err}"
        );
        assert!(err.contains("field \"v\""), "{err}");
    }
    // Accepted neighbours stay accepted.
    assert_eq!(
        grafana_decode_error(&one(
            DataType::UInt16,
            Arc::new(UInt16Array::from(vec![1])),
            None,
            None,
            None
        )),
        None
    );
    assert_eq!(
        grafana_decode_error(&one(
            DataType::Int64,
            Arc::new(Int64Array::from(vec![1])),
            None,
            None,
            None
        )),
        None
    );
}

#[test]
fn values_grafana_would_misread_are_rejected() {
    let ms = one(
        DataType::Timestamp(TimeUnit::Millisecond, None),
        Arc::new(TimestampMillisecondArray::from(vec![1_700_000_000_000])),
        None,
        None,
        None,
    );
    let err = grafana_decode_error(&ms).unwrap();
    assert!(
        err.contains("timestamp[ms]") && err.contains("nanoseconds"),
        "{err}"
    );
    assert_eq!(
        decode_frame(&ms).unwrap().field("v").values[0],
        json!(1_700_000_000_000i64)
    );

    let mut bin = BinaryBuilder::new();
    bin.append_value(b"{\"ok\":1}");
    bin.append_value(b"not json");
    let err = grafana_decode_error(&one(
        DataType::Binary,
        Arc::new(bin.finish()),
        None,
        None,
        None,
    ))
    .unwrap();
    assert!(err.contains("row 1 is not JSON"), "{err}");
}

fn with_labels(labels: &str) -> Option<String> {
    grafana_decode_error(&one(
        DataType::Utf8,
        strings(&["x"]),
        Some(labels),
        None,
        None,
    ))
}

#[test]
fn labels_must_be_a_json_object_of_strings() {
    assert_eq!(with_labels(r#"{"a":"b"}"#), None);
    assert_eq!(with_labels("null"), None);
    assert!(with_labels(r#"{"a":1}"#)
        .unwrap()
        .contains("label \"a\" must be a string"));
    assert!(with_labels(r#"["a"]"#)
        .unwrap()
        .contains("JSON object of strings"));
    assert!(with_labels("a=b").unwrap().contains("`labels` is not JSON"));
}

fn with_config(config: serde_json::Value) -> Option<String> {
    grafana_decode_error(&one(
        DataType::Utf8,
        strings(&["x"]),
        None,
        Some(&config.to_string()),
        None,
    ))
}

#[test]
fn field_config_is_checked_like_go_unmarshals_it() {
    assert_eq!(
        with_config(json!({"unit": "s", "unknownKey": [1], "links": []})),
        None
    );
    let rejects = [
        (json!({"unit": 5}), "config.unit must be a string"),
        (json!({"Unit": 5}), "config.unit must be a string"),
        (json!({"decimals": 1.5}), "config.decimals"),
        (json!({"decimals": 70000}), "config.decimals"),
        (json!({"min": "0"}), "config.min must be a number"),
        (
            json!({"mappings": [{"type": "valueMapper", "options": {}}]}),
            "unknown mapping type",
        ),
        (
            json!({"mappings": [{"type": "value"}]}),
            "config.mappings[0].options is missing",
        ),
        (
            json!({"mappings": {"type": "value"}}),
            "config.mappings must be an array",
        ),
        (
            json!({"mappings": [{"type": "range", "options": {"from": "a"}}]}),
            "options.from must be a number",
        ),
        (
            json!({"thresholds": {"steps": [{"value": 1, "colour": "red"}]}}),
            "unexpected field \"colour\"",
        ),
        (
            json!({"links": [{"internal": {"datasourceUid": 7}}]}),
            "config.links[0].internal.datasourceUid",
        ),
        (
            json!({"links": [{"targetBlank": "yes"}]}),
            "targetBlank must be a boolean",
        ),
        (
            json!({"custom": [1]}),
            "config.custom must be a JSON object",
        ),
        (json!("display"), "config must be a JSON object"),
    ];
    for (config, want) in rejects {
        let err = with_config(config.clone()).unwrap_or_else(|| panic!("accepted {config}"));
        assert!(err.contains(want), "{config}: {err}");
    }
    let err = grafana_decode_error(&one(
        DataType::Utf8,
        strings(&["x"]),
        None,
        Some("{unit:"),
        None,
    ))
    .unwrap();
    assert!(err.contains("`config` is not JSON"), "{err}");
}

fn with_meta(meta: serde_json::Value) -> Option<String> {
    grafana_decode_error(&one(
        DataType::Utf8,
        strings(&["x"]),
        None,
        None,
        Some(&meta.to_string()),
    ))
}

#[test]
fn frame_meta_is_checked_like_go_unmarshals_it() {
    assert_eq!(
        with_meta(
            json!({"notices": [{"severity": "error", "text": "t"}], "custom": 1, "new": "x"})
        ),
        None
    );
    assert_eq!(
        with_meta(json!({"notices": [{"text": "severity defaults to info"}]})),
        None
    );
    let rejects = [
        (
            json!({"notices": [{"severity": "warn", "text": "t"}]}),
            "meta.notices[0].severity must be one of",
        ),
        (
            json!({"notices": [{"severity": null}]}),
            "meta.notices[0].severity",
        ),
        (
            json!({"notices": [{"severity": "info", "inspect": "meta"}]}),
            "meta.notices[0].inspect must be an integer",
        ),
        (
            json!({"typeVersion": [0]}),
            "meta.typeVersion must be an array of two",
        ),
        (json!({"typeVersion": ["0", "1"]}), "meta.typeVersion[0]"),
        (json!({"typeVersion": [0, -1]}), "meta.typeVersion[1]"),
        (json!({"type": 5}), "meta.type must be a string"),
        (
            json!({"executedQueryString": ["q"]}),
            "meta.executedQueryString",
        ),
        (
            json!({"stats": [{"value": "1"}]}),
            "meta.stats[0].value must be a number",
        ),
        (json!(["not", "an", "object"]), "meta must be a JSON object"),
    ];
    for (meta, want) in rejects {
        let err = with_meta(meta.clone()).unwrap_or_else(|| panic!("accepted {meta}"));
        assert!(err.contains(want), "{meta}: {err}");
        assert!(err.starts_with("frame \"rollout\" (refId \"A\")"), "{err}");
    }
    let err =
        grafana_decode_error(&one(DataType::Utf8, strings(&["x"]), None, None, Some("{"))).unwrap();
    assert!(err.contains("`meta` is not JSON"), "{err}");
}

#[test]
#[should_panic(
    expected = "frame is not decodable by Grafana: frame \"rollout\" (refId \"A\") field \"v\": label \"a\""
)]
fn assert_grafana_decodable_panics_with_the_reason_and_the_table() {
    assert_grafana_decodable(&one(
        DataType::Utf8,
        strings(&["x"]),
        Some(r#"{"a":1}"#),
        None,
        None,
    ));
}
