//! Frame and field metadata in the JSON shapes Grafana's decoder reads
//! (`FrameMeta`, `FieldConfig`, `DataLink`), with only the keys we use.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The dataplane contract type of a frame (`meta.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FrameType {
    #[serde(rename = "table")]
    Table,
    #[serde(rename = "timeseries-multi")]
    TimeSeriesMulti,
    #[serde(rename = "timeseries-wide")]
    TimeSeriesWide,
    #[serde(rename = "timeseries-long")]
    TimeSeriesLong,
    #[serde(rename = "numeric-multi")]
    NumericMulti,
    /// One frame of string fields (labels) and number fields, one number per row and
    /// number field: what Grafana's alerting reads as a set of labelled numbers.
    #[serde(rename = "numeric-long")]
    NumericLong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A message shown with the frame (`meta.notices[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub severity: Severity,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Which inspector tab to open: 0 none, 1 meta, 2 error, 3 data, 4 stats. A number:
    /// Grafana rejects a string here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspect: Option<u8>,
}

impl Notice {
    pub fn new(severity: Severity, text: impl Into<String>) -> Self {
        Notice {
            severity,
            text: text.into(),
            link: None,
            inspect: None,
        }
    }
}

/// `meta` of a frame.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameMeta {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub frame_type: Option<FrameType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_version: Option<[u32; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executed_query_string: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notices: Vec<Notice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_visualisation_type: Option<String>,
    /// `"annotations"` for exemplar and event frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
}

impl FrameMeta {
    /// Meta declaring a dataplane type at version 0.1.
    pub fn typed(frame_type: FrameType) -> Self {
        FrameMeta {
            frame_type: Some(frame_type),
            type_version: Some([0, 1]),
            ..FrameMeta::default()
        }
    }

    #[must_use]
    pub fn executed(mut self, query: impl Into<String>) -> Self {
        self.executed_query_string = Some(query.into());
        self
    }

    #[must_use]
    pub fn visualisation(mut self, kind: &str) -> Self {
        self.preferred_visualisation_type = Some(kind.to_string());
        self
    }

    #[must_use]
    pub fn custom(mut self, custom: Value) -> Self {
        self.custom = Some(custom);
        self
    }
}

/// `config` of a field (a subset of Grafana's FieldConfig).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name_from_ds: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub links: Vec<DataLink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
}

/// A link on a field's values; `internal` links open another datasource's query.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataLink {
    pub title: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal: Option<InternalLink>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InternalLink {
    pub datasource_uid: String,
    pub datasource_name: String,
    pub query: Value,
}

impl DataLink {
    /// A link that runs `query` on the datasource `uid` (Explore or a panel link).
    pub fn internal(title: &str, uid: &str, name: &str, query: Value) -> Self {
        DataLink {
            title: title.to_string(),
            url: String::new(),
            internal: Some(InternalLink {
                datasource_uid: uid.to_string(),
                datasource_name: name.to_string(),
                query,
            }),
        }
    }
}
