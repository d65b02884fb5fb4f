//! What Grafana sends a datasource plugin and what it gets back, as test-friendly
//! types: [`DsSettings`] (→ PluginContext), [`QuerySpec`] (→ DataQuery),
//! [`ResourceReply`] (a joined CallResource stream), and [`frames_of`] to decode a
//! refId's frames with Grafana's rules.

use std::collections::HashMap;

use grafana_plugin_sdk::pluginv2;
use serde_json::Value;

use super::super::frames::{assert_grafana_decodable, DecodedFrame};

/// The plugin id Grafana sends in every PluginContext.
pub const PLUGIN_ID: &str = "canarylens-rollouts-datasource";

/// One datasource instance, as configured in Grafana.
#[derive(Debug, Clone)]
pub struct DsSettings {
    /// The organisation of the request (Grafana's PluginContext.orgId).
    pub org_id: i64,
    /// The datasource's numeric id (unique on the Grafana server).
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub json_data: Value,
    /// decryptedSecureJsonData.
    pub secure: HashMap<String, String>,
    /// Bump it to make the plugin rebuild its per-datasource state.
    pub last_updated_ms: i64,
}

impl DsSettings {
    pub fn new(uid: &str, json_data: Value) -> Self {
        Self {
            org_id: 1,
            id: 1,
            uid: uid.to_string(),
            name: format!("Canary Lens {uid}"),
            json_data,
            secure: HashMap::new(),
            last_updated_ms: 1_700_000_000_000,
        }
    }

    #[must_use]
    pub fn with_secure(mut self, key: &str, value: &str) -> Self {
        self.secure.insert(key.to_string(), value.to_string());
        self
    }

    /// The same datasource uid in another organisation (a datasource of its own there).
    #[must_use]
    pub fn in_org(mut self, org_id: i64, id: i64) -> Self {
        self.org_id = org_id;
        self.id = id;
        self
    }

    /// The PluginContext Grafana sends with every call for this datasource.
    pub fn plugin_context(&self) -> pluginv2::PluginContext {
        pluginv2::PluginContext {
            org_id: self.org_id,
            plugin_id: PLUGIN_ID.to_string(),
            user: Some(pluginv2::User {
                login: "admin".into(),
                name: "Admin".into(),
                email: "admin@localhost".into(),
                role: "Admin".into(),
            }),
            data_source_instance_settings: Some(pluginv2::DataSourceInstanceSettings {
                id: self.id,
                uid: self.uid.clone(),
                name: self.name.clone(),
                json_data: self.json_data.to_string().into_bytes(),
                decrypted_secure_json_data: self.secure.clone(),
                last_updated_ms: self.last_updated_ms,
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

/// One query of a QueryDataRequest.
#[derive(Debug, Clone)]
pub struct QuerySpec {
    pub ref_id: String,
    pub query_type: String,
    pub json: Value,
    pub from_ms: i64,
    pub to_ms: i64,
    pub max_data_points: i64,
    pub interval_ms: i64,
}

impl QuerySpec {
    /// A query over the hour before 2023-11-14T22:13:20Z, 1000 points, 15 s interval.
    pub fn new(ref_id: &str, query_type: &str, json: Value) -> Self {
        Self {
            ref_id: ref_id.to_string(),
            query_type: query_type.to_string(),
            json,
            from_ms: 1_700_000_000_000 - 3_600_000,
            to_ms: 1_700_000_000_000,
            max_data_points: 1000,
            interval_ms: 15_000,
        }
    }

    #[must_use]
    pub fn time_range(mut self, from_ms: i64, to_ms: i64) -> Self {
        (self.from_ms, self.to_ms) = (from_ms, to_ms);
        self
    }

    pub(super) fn to_proto(&self) -> pluginv2::DataQuery {
        pluginv2::DataQuery {
            ref_id: self.ref_id.clone(),
            query_type: self.query_type.clone(),
            max_data_points: self.max_data_points,
            interval_ms: self.interval_ms,
            time_range: Some(pluginv2::TimeRange {
                from_epoch_ms: self.from_ms,
                to_epoch_ms: self.to_ms,
            }),
            json: self.json.to_string().into_bytes(),
        }
    }
}

/// A CallResource answer with its streamed body chunks joined.
#[derive(Debug, Clone)]
pub struct ResourceReply {
    pub code: i32,
    pub headers: HashMap<String, Vec<String>>,
    pub body: Vec<u8>,
}

impl ResourceReply {
    /// The body parsed as JSON.
    ///
    /// # Panics
    /// When it is not JSON, showing the body.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "resource body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// The frames of one refId, each checked with [`assert_grafana_decodable`].
///
/// # Panics
/// When the refId is missing, or a frame would not decode in Grafana.
pub fn frames_of(resp: &pluginv2::QueryDataResponse, ref_id: &str) -> Vec<DecodedFrame> {
    let Some(r) = resp.responses.get(ref_id) else {
        panic!(
            "no response for refId {ref_id:?}; got {:?}",
            resp.responses.keys().collect::<Vec<_>>()
        )
    };
    r.frames
        .iter()
        .map(|f| assert_grafana_decodable(f))
        .collect()
}
