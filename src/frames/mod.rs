//! Grafana data frames: the in-memory model every query answers with, and the only
//! code that knows how Grafana reads them.
//!
//! Grafana decodes each frame of a `DataResponse` with the Go SDK's
//! `data.UnmarshalArrowFrame`. One frame it rejects fails *every* query of the request,
//! so the encoding is owned here and nowhere else:
//!
//! * [`arrow`] writes Arrow IPC **file** buffers with the schema and field metadata Grafana
//!   reads (`name`, `refId`, `meta`, `labels`, `config`), timestamps in nanoseconds, and
//!   only the column types Grafana accepts.
//! * [`json`] writes the same frame as Grafana's `DataFrameJSON` (streams, the CLI).
//! * [`table`] renders a frame as an aligned text table (the CLI, golden files).
//!
//! The Rust SDK (grafana-plugin-sdk 0.5) is not used for frames: it cannot declare
//! `meta.type` or `dataTopic`, writes notice `inspect` as a string, drops labels when a
//! field also has config and has no internal data links (needed for Tempo).

pub mod arrow;
pub mod json;
mod meta;
pub mod table;

pub use meta::{DataLink, FieldConfig, FrameMeta, FrameType, InternalLink, Notice, Severity};

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

/// One Grafana data frame.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    pub name: String,
    pub ref_id: String,
    pub meta: Option<FrameMeta>,
    pub fields: Vec<Field>,
}

/// One column of a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub config: Option<FieldConfig>,
    pub values: Values,
}

/// The values of a field. Every variant can hold nulls; a field is declared nullable
/// exactly when it holds one (Grafana reads nulls of a non-nullable field as 0 or "").
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    String(Vec<Option<String>>),
    F64(Vec<Option<f64>>),
    I64(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
    /// Nanoseconds since the Unix epoch.
    Time(Vec<Option<i64>>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::String(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::I64(v) => v.len(),
            Values::Bool(v) => v.len(),
            Values::Time(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn has_nulls(&self) -> bool {
        match self {
            Values::String(v) => v.iter().any(Option::is_none),
            Values::F64(v) => v.iter().any(Option::is_none),
            Values::I64(v) => v.iter().any(Option::is_none),
            Values::Bool(v) => v.iter().any(Option::is_none),
            Values::Time(v) => v.iter().any(Option::is_none),
        }
    }
}

impl Field {
    fn with(name: impl Into<String>, values: Values) -> Self {
        Field {
            name: name.into(),
            labels: BTreeMap::new(),
            config: None,
            values,
        }
    }

    pub fn strings<S: Into<String>>(
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<S>>,
    ) -> Self {
        Self::with(
            name,
            Values::String(values.into_iter().map(|v| v.map(Into::into)).collect()),
        )
    }

    pub fn f64s(name: impl Into<String>, values: impl IntoIterator<Item = Option<f64>>) -> Self {
        // NaN and infinities are not JSON numbers; Grafana shows them as gaps anyway.
        Self::with(
            name,
            Values::F64(
                values
                    .into_iter()
                    .map(|v| v.filter(|x| x.is_finite()))
                    .collect(),
            ),
        )
    }

    pub fn i64s(name: impl Into<String>, values: impl IntoIterator<Item = Option<i64>>) -> Self {
        Self::with(name, Values::I64(values.into_iter().collect()))
    }

    pub fn bools(name: impl Into<String>, values: impl IntoIterator<Item = Option<bool>>) -> Self {
        Self::with(name, Values::Bool(values.into_iter().collect()))
    }

    pub fn times(
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<DateTime<Utc>>>,
    ) -> Self {
        Self::with(
            name,
            Values::Time(
                values
                    .into_iter()
                    .map(|v| v.and_then(|t| t.timestamp_nanos_opt()))
                    .collect(),
            ),
        )
    }

    /// Times given as milliseconds since the epoch (Prometheus' and Grafana's unit).
    pub fn times_ms(
        name: impl Into<String>,
        values: impl IntoIterator<Item = Option<i64>>,
    ) -> Self {
        Self::with(
            name,
            Values::Time(
                values
                    .into_iter()
                    .map(|v| v.and_then(|ms| ms.checked_mul(1_000_000)))
                    .collect(),
            ),
        )
    }

    #[must_use]
    pub fn labels<K: Into<String>, V: Into<String>>(
        mut self,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.labels
            .extend(labels.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    #[must_use]
    pub fn config(mut self, config: FieldConfig) -> Self {
        self.config = Some(config);
        self
    }

    /// Shorthand for a config that only sets the unit.
    #[must_use]
    pub fn unit(self, unit: &str) -> Self {
        let mut config = self.config.clone().unwrap_or_default();
        config.unit = Some(unit.to_string());
        self.config(config)
    }

    #[must_use]
    pub fn display_name(self, name: &str) -> Self {
        let mut config = self.config.clone().unwrap_or_default();
        config.display_name = Some(name.to_string());
        self.config(config)
    }
}

impl Frame {
    pub fn new(name: impl Into<String>) -> Self {
        Frame {
            name: name.into(),
            ..Frame::default()
        }
    }

    #[must_use]
    pub fn ref_id(mut self, ref_id: &str) -> Self {
        self.ref_id = ref_id.to_string();
        self
    }

    #[must_use]
    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }

    #[must_use]
    pub fn meta(mut self, meta: FrameMeta) -> Self {
        self.meta = Some(meta);
        self
    }

    /// Mutable access to the frame's meta, created on first use.
    pub fn meta_mut(&mut self) -> &mut FrameMeta {
        self.meta.get_or_insert_with(FrameMeta::default)
    }

    /// Adds a notice shown above the panel (and in Explore).
    pub fn push_notice(&mut self, severity: Severity, text: impl Into<String>) {
        self.meta_mut().notices.push(Notice::new(severity, text));
    }

    pub fn field_by_name(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Number of rows; `None` when fields disagree (an encoding error).
    pub fn row_count(&self) -> Option<usize> {
        let mut lens = self.fields.iter().map(|f| f.values.len());
        match lens.next() {
            None => Some(0),
            Some(first) => lens.all(|l| l == first).then_some(first),
        }
    }
}
