//! Datasource settings: Grafana's `jsonData` and `decryptedSecureJsonData` parsed into a
//! validated [`Settings`].
//!
//! The wire struct ([`JsonData`]) mirrors the frontend's `types.ts` key for key and ignores
//! unknown keys; [`Settings::parse`] validates it and says where to fix what is wrong.
//! Secrets live only in [`Secret`], whose `Debug` never prints them.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// Keys of `jsonData` the backend reads (the frontend's types must offer the same).
pub const JSON_DATA_KEYS: &[&str] = &[
    "kubeMode",
    "kubeconfigPath",
    "kubeContext",
    "kubeUrl",
    "kubeTlsSkipVerify",
    "namespaces",
    "prometheusUrl",
    "prometheusAuth",
    "prometheusUser",
    "prometheusTlsSkipVerify",
    "prometheusTimeoutSeconds",
    "prometheusScrapeIntervalSeconds",
    "tempoUrl",
    "tempoTimeoutSeconds",
    "tempoDatasourceUid",
    "tempoTlsSkipVerify",
    "joinMode",
    "podLabel",
    "hashLabel",
    "versionLabel",
    "namespaceLabel",
    "traceAttribute",
    "metricPreset",
    "requestsTemplate",
    "errorsTemplate",
    "latencyBucketTemplate",
    "quantiles",
    "verdictPassThreshold",
    "verdictMarginalThreshold",
    "verdictTolerance",
    "verdictConfidence",
    "verdictMode",
    "verdictErrorsCritical",
    "verdictLatencyCritical",
    "verdictErrorsWeight",
    "verdictLatencyWeight",
    "verdictEffectSize",
    "verdictCriticalEffectSize",
];

/// Keys of `secureJsonData` the backend reads.
pub const SECURE_KEYS: &[&str] = &[
    "kubeToken",
    "kubeCaCert",
    "prometheusPassword",
    "prometheusToken",
    "prometheusCaCert",
    "tempoToken",
];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the datasource settings are not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("{0}")]
    Invalid(String),
}

/// A secret setting. `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// `jsonData` as Grafana stores it. All keys optional; unknown keys ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JsonData {
    pub kube_mode: Option<String>,
    pub kubeconfig_path: Option<String>,
    pub kube_context: Option<String>,
    pub kube_url: Option<String>,
    pub kube_tls_skip_verify: Option<bool>,
    pub namespaces: Option<Namespaces>,
    pub prometheus_url: Option<String>,
    pub prometheus_auth: Option<String>,
    pub prometheus_user: Option<String>,
    pub prometheus_tls_skip_verify: Option<bool>,
    pub prometheus_timeout_seconds: Option<f64>,
    /// How often Prometheus scrapes the applications (Grafana's "scrape interval");
    /// sizes rate windows and verdict samples. Default 15.
    pub prometheus_scrape_interval_seconds: Option<f64>,
    pub tempo_url: Option<String>,
    /// Seconds a Tempo search may take; the Prometheus timeout when unset.
    pub tempo_timeout_seconds: Option<f64>,
    pub tempo_datasource_uid: Option<String>,
    pub tempo_tls_skip_verify: Option<bool>,
    pub join_mode: Option<String>,
    pub pod_label: Option<String>,
    pub hash_label: Option<String>,
    pub version_label: Option<String>,
    pub namespace_label: Option<String>,
    pub trace_attribute: Option<String>,
    pub metric_preset: Option<String>,
    pub requests_template: Option<String>,
    pub errors_template: Option<String>,
    pub latency_bucket_template: Option<String>,
    pub quantiles: Option<Vec<f64>>,
    pub verdict_pass_threshold: Option<f64>,
    pub verdict_marginal_threshold: Option<f64>,
    pub verdict_tolerance: Option<f64>,
    pub verdict_confidence: Option<f64>,
    /// `sequential` (default: valid however often it is looked at) or `fixed`.
    pub verdict_mode: Option<String>,
    /// A failing error ratio fails the whole canary (Kayenta's critical). Default true.
    pub verdict_errors_critical: Option<bool>,
    /// A failing latency quantile fails the whole canary. Default false.
    pub verdict_latency_critical: Option<bool>,
    /// Weights (percent) of the errors and latency groups in the score. Default 50/50.
    pub verdict_errors_weight: Option<f64>,
    pub verdict_latency_weight: Option<f64>,
    /// Smallest canary/stable mean ratio that counts as worse (Kayenta's
    /// `allowedIncrease`). Default 1 (any significant increase).
    pub verdict_effect_size: Option<f64>,
    /// Mean ratio beyond which a critical metric fails the canary (Kayenta's
    /// `criticalIncrease`). Default 1.
    pub verdict_critical_effect_size: Option<f64>,
}

/// The namespaces allow-list: a JSON array, or one comma-separated string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Namespaces {
    List(Vec<String>),
    Text(String),
}

/// How the plugin reaches the Kubernetes API.
#[derive(Debug, Clone, PartialEq)]
pub enum KubeConnection {
    /// In-cluster when running in a pod, else the default kubeconfig (as kubectl does).
    Auto,
    InCluster,
    Kubeconfig {
        path: Option<String>,
        context: Option<String>,
    },
    Url {
        url: String,
        token: Option<Secret>,
        ca_cert: Option<Secret>,
        tls_skip_verify: bool,
    },
}

/// Validated settings of one datasource.
#[derive(Debug, Clone)]
pub struct Settings {
    pub kube: KubeConnection,
    /// `None` means every namespace.
    pub namespaces: Option<BTreeSet<String>>,
    /// Everything else (Prometheus, Tempo, join, verdict), read by those modules.
    pub json: JsonData,
    pub secure: HashMap<String, Secret>,
}

impl Settings {
    /// Parses and validates Grafana's `jsonData` bytes and decrypted secure data.
    ///
    /// # Errors
    /// With a sentence naming the setting to fix when a value is invalid.
    pub fn parse(json_data: &[u8], secure: &HashMap<String, String>) -> Result<Self, Error> {
        let json: JsonData = if json_data.iter().all(u8::is_ascii_whitespace) {
            JsonData::default()
        } else {
            serde_json::from_slice(json_data).map_err(Error::Json)?
        };
        let secure: HashMap<String, Secret> = secure
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), Secret(v.clone())))
            .collect();
        let kube = kube_connection(&json, &secure)?;
        let namespaces = namespaces(json.namespaces.as_ref())?;
        for (what, timeout) in [
            ("Prometheus", json.prometheus_timeout_seconds),
            ("Tempo", json.tempo_timeout_seconds),
        ] {
            if let Some(t) = timeout {
                if !(t > 0.0 && t <= 600.0) {
                    return Err(invalid(format!(
                        "{what} timeout must be between 0 and 600 seconds"
                    )));
                }
            }
        }
        for (name, url) in [
            ("Prometheus URL", &json.prometheus_url),
            ("Tempo URL", &json.tempo_url),
        ] {
            if let Some(u) = url.as_deref().filter(|u| !u.trim().is_empty()) {
                check_http_url(name, u)?;
            }
        }
        Ok(Settings {
            kube,
            namespaces,
            json,
            secure,
        })
    }

    /// Whether objects of `namespace` may be shown by this datasource.
    pub fn namespace_allowed(&self, namespace: &str) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|allowed| allowed.contains(namespace))
    }

    pub fn secret(&self, key: &str) -> Option<&Secret> {
        self.secure.get(key)
    }
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::Invalid(msg.into())
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn kube_connection(
    json: &JsonData,
    secure: &HashMap<String, Secret>,
) -> Result<KubeConnection, Error> {
    let mode = non_empty(&json.kube_mode).unwrap_or_default();
    match mode.as_str() {
        "" | "auto" => Ok(KubeConnection::Auto),
        "inCluster" => Ok(KubeConnection::InCluster),
        "kubeconfig" => Ok(KubeConnection::Kubeconfig {
            path: non_empty(&json.kubeconfig_path),
            context: non_empty(&json.kube_context),
        }),
        "url" => {
            let url = non_empty(&json.kube_url).ok_or_else(|| {
                invalid("Kubernetes connection mode is \"API URL\" but no API server URL is set (Kubernetes section, API URL)")
            })?;
            check_http_url("Kubernetes API URL", &url)?;
            Ok(KubeConnection::Url {
                url,
                token: secure.get("kubeToken").cloned(),
                ca_cert: secure.get("kubeCaCert").cloned(),
                tls_skip_verify: json.kube_tls_skip_verify.unwrap_or(false),
            })
        }
        other => Err(invalid(format!(
            "unknown Kubernetes connection mode {other:?}: choose inCluster, kubeconfig or url (Kubernetes section)"
        ))),
    }
}

fn check_http_url(name: &str, value: &str) -> Result<(), Error> {
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(_) => Err(invalid(format!(
            "{name} {value:?} must start with http:// or https:// and name a host"
        ))),
        Err(e) => Err(invalid(format!("{name} {value:?} is not a valid URL: {e}"))),
    }
}

fn namespaces(raw: Option<&Namespaces>) -> Result<Option<BTreeSet<String>>, Error> {
    let names: Vec<String> = match raw {
        None => return Ok(None),
        Some(Namespaces::List(list)) => list.clone(),
        Some(Namespaces::Text(text)) => text.split(',').map(String::from).collect(),
    };
    let set: BTreeSet<String> = names
        .iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    for n in &set {
        let valid = n.len() <= 63
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !n.starts_with('-')
            && !n.ends_with('-');
        if !valid {
            return Err(invalid(format!(
                "{n:?} in the namespaces allow-list is not a Kubernetes namespace name"
            )));
        }
    }
    Ok((!set.is_empty()).then_some(set))
}

/// The Prometheus timeout from the settings, 30 s by default.
pub fn prometheus_timeout(json: &JsonData) -> Duration {
    Duration::from_secs_f64(json.prometheus_timeout_seconds.unwrap_or(30.0))
}

/// The Tempo timeout from the settings: the Prometheus timeout by default (trace
/// searches over long ranges can be slower, hence a setting of its own).
pub fn tempo_timeout(json: &JsonData) -> Duration {
    json.tempo_timeout_seconds
        .map_or_else(|| prometheus_timeout(json), Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Settings, Error> {
        Settings::parse(json.as_bytes(), &HashMap::new())
    }

    #[test]
    fn empty_settings_mean_auto_connection_and_every_namespace() {
        let s = parse("").unwrap();
        assert_eq!(s.kube, KubeConnection::Auto);
        assert!(s.namespace_allowed("anything"));
    }

    #[test]
    fn tempo_has_its_own_timeout_or_borrows_prometheus_one() {
        let s = parse(r#"{"prometheusTimeoutSeconds": 12}"#).unwrap();
        assert_eq!(tempo_timeout(&s.json), Duration::from_secs(12));
        let s = parse(r#"{"prometheusTimeoutSeconds": 12, "tempoTimeoutSeconds": 90}"#).unwrap();
        assert_eq!(tempo_timeout(&s.json), Duration::from_secs(90));
        assert_eq!(prometheus_timeout(&s.json), Duration::from_secs(12));
        assert_eq!(
            tempo_timeout(&parse("").unwrap().json),
            Duration::from_secs(30)
        );
        let err = parse(r#"{"tempoTimeoutSeconds": 0}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Tempo timeout"), "{err}");
    }

    #[test]
    fn unknown_keys_are_ignored() {
        assert!(parse(r#"{"somethingElse": 3, "kubeMode": "inCluster"}"#).is_ok());
    }

    #[test]
    fn url_mode_without_url_says_where_to_fix_it() {
        let err = parse(r#"{"kubeMode":"url"}"#).unwrap_err().to_string();
        assert!(err.contains("API URL"), "{err}");
    }

    #[test]
    fn an_unknown_mode_is_refused() {
        let err = parse(r#"{"kubeMode":"magic"}"#).unwrap_err().to_string();
        assert!(err.contains("\"magic\""), "{err}");
    }

    #[test]
    fn namespaces_allow_list_accepts_a_list_or_comma_text_and_filters() {
        let s = parse(r#"{"namespaces":["shop"," pay "]}"#).unwrap();
        assert!(s.namespace_allowed("pay"));
        assert!(!s.namespace_allowed("other"));
        let s = parse(r#"{"namespaces":"shop, pay"}"#).unwrap();
        assert!(s.namespace_allowed("shop"));
        assert!(parse(r#"{"namespaces":["Bad_Name"]}"#).is_err());
    }

    #[test]
    fn secrets_are_never_printed_by_debug() {
        let secure = HashMap::from([("kubeToken".to_string(), "s3cr3t".to_string())]);
        let s = Settings::parse(
            br#"{"kubeMode":"url","kubeUrl":"https://k8s:6443"}"#,
            &secure,
        )
        .unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(printed.contains("redacted"));
    }

    #[test]
    fn a_bad_prometheus_url_is_refused_with_its_name() {
        let err = parse(r#"{"prometheusUrl":"localhost:9090"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Prometheus URL"), "{err}");
    }
}
