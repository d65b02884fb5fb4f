//! The metrics and traces side of a datasource: its settings mapped, in this one place,
//! onto the Prometheus and Tempo clients, the revision join, the metric preset, the
//! latency quantiles and the verdict thresholds.
//!
//! [`Backends::from_settings`] validates everything without I/O (custom templates are
//! parsed with promql-parser) and says which setting to fix; the instance builds it
//! once and keeps the clients for every query of the datasource.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::analysis::{Direction, EffectSizeGate, JudgeConfig, MetricConfig};
use crate::prometheus::{
    self, Auth, JoinConfig, JoinMode, MetricPreset, PrometheusClient, PrometheusConfig,
    QueryBuilder, TraceMatch, TraceScope, DEFAULT_QUANTILES,
};
use crate::settings::{self, JsonData, Settings};
use crate::tempo::{self, TempoClient, TempoConfig};

/// The scrape interval assumed when none is configured (Grafana's default too).
pub const DEFAULT_SCRAPE_INTERVAL: Duration = Duration::from_secs(15);

/// A setting that cannot be used, named as the settings page names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct Error {
    /// The jsonData / secureJsonData key, e.g. `requestsTemplate`.
    pub setting: &'static str,
    pub message: String,
}

fn error(setting: &'static str, message: impl Into<String>) -> Error {
    Error {
        setting,
        message: message.into(),
    }
}

/// Prometheus: the client and the PromQL builder.
#[derive(Debug, Clone)]
pub struct Prometheus {
    pub client: PrometheusClient,
    pub builder: QueryBuilder,
    /// How often targets are scraped: the shortest usable rate window is 4 times it.
    pub scrape_interval: Duration,
    /// PromQL already built, by what it was built for (see [`Prometheus::memo`]).
    built: Arc<Mutex<HashMap<String, String>>>,
}

/// Built queries kept per datasource before the memo starts over.
pub const MEMO_CAPACITY: usize = 4096;

impl Prometheus {
    /// The PromQL for `key`, built by `build` the first time only. The builder parses
    /// every query it returns (tens of microseconds each); a dashboard refresh asks for
    /// the same queries again, so this keeps query building off the refresh path.
    ///
    /// # Errors
    /// What `build` returns (errors are not kept).
    pub fn memo<E>(
        &self,
        key: String,
        build: impl FnOnce(&QueryBuilder) -> Result<String, E>,
    ) -> Result<String, E> {
        if let Some(q) = self.built.lock().get(&key) {
            return Ok(q.clone());
        }
        let q = build(&self.builder)?;
        let mut built = self.built.lock();
        if built.len() >= MEMO_CAPACITY {
            built.clear();
        }
        built.insert(key, q.clone());
        Ok(q)
    }
}

/// Tempo: the client and the Grafana Tempo datasource that trace links open.
#[derive(Debug, Clone)]
pub struct Tempo {
    pub client: TempoClient,
    /// `tempoDatasourceUid`; `None` leaves trace ids without links.
    pub datasource_uid: Option<String>,
}

/// How the verdict is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerdictMode {
    /// Always valid: its false-alarm rate holds however often the verdict is looked at
    /// during the canary.
    #[default]
    Sequential,
    /// Kayenta's fixed-horizon test over the whole span, as if looked at once.
    Fixed,
}

/// The metric groups of the score.
pub const ERRORS_GROUP: &str = "errors";
pub const LATENCY_GROUP: &str = "latency";

/// The verdict's thresholds and per-metric test settings.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictSettings {
    pub pass: f64,
    pub marginal: f64,
    pub tolerance: f64,
    pub confidence: f64,
    pub mode: VerdictMode,
    pub errors_critical: bool,
    pub latency_critical: bool,
    pub errors_weight: f64,
    pub latency_weight: f64,
    /// Kayenta's `allowedIncrease` (mean ratio); 1 disables the gate.
    pub effect_size: f64,
    /// Kayenta's `criticalIncrease` (mean ratio); 1: any failure of a critical metric.
    pub critical_effect_size: f64,
}

impl Default for VerdictSettings {
    fn default() -> Self {
        VerdictSettings {
            pass: 90.0,
            marginal: 75.0,
            tolerance: 0.25,
            confidence: 0.98,
            mode: VerdictMode::Sequential,
            errors_critical: true,
            latency_critical: false,
            errors_weight: 50.0,
            latency_weight: 50.0,
            effect_size: 1.0,
            critical_effect_size: 1.0,
        }
    }
}

impl VerdictSettings {
    /// The judge's configuration: thresholds and the weights of the groups.
    pub fn judge_config(&self) -> JudgeConfig {
        JudgeConfig::default()
            .thresholds(self.pass, self.marginal)
            .group_weight(ERRORS_GROUP, self.errors_weight)
            .group_weight(LATENCY_GROUP, self.latency_weight)
    }

    /// One metric's configuration: regressions are increases (errors, latency).
    pub fn metric_config(&self) -> MetricConfig {
        MetricConfig::new(Direction::Increase)
            .tolerance(self.tolerance)
            .confidence(self.confidence)
            .effect_size(
                EffectSizeGate::mean_ratio(1.0, self.effect_size)
                    .critical(1.0, self.critical_effect_size),
            )
    }

    /// The error ratio's configuration: in the errors group, critical by default.
    pub fn errors_config(&self) -> MetricConfig {
        self.metric_config()
            .group(ERRORS_GROUP)
            .critical(self.errors_critical)
    }

    /// A latency quantile's configuration.
    pub fn latency_config(&self) -> MetricConfig {
        self.metric_config()
            .group(LATENCY_GROUP)
            .critical(self.latency_critical)
    }
}

/// Everything beyond Kubernetes, from one datasource's settings.
#[derive(Debug, Clone)]
pub struct Backends {
    /// `None` when `prometheusUrl` is empty.
    pub prometheus: Option<Prometheus>,
    /// `None` when `tempoUrl` is empty.
    pub tempo: Option<Tempo>,
    /// `tempoDatasourceUid`: Grafana's Tempo datasource that trace ids link to. Links
    /// need only this (Grafana opens the trace), not the plugin's own `tempoUrl`.
    pub tempo_datasource_uid: Option<String>,
    pub join: JoinConfig,
    pub quantiles: Vec<f64>,
    pub verdict: VerdictSettings,
}

impl Backends {
    /// The quantiles a query asks for, or the datasource's when it names none.
    pub fn quantiles_or(&self, asked: &[f64]) -> Vec<f64> {
        if asked.is_empty() {
            self.quantiles.clone()
        } else {
            asked.to_vec()
        }
    }

    /// Maps and validates the settings (no request is sent).
    ///
    /// # Errors
    /// The first setting that cannot be used, with the reason.
    pub fn from_settings(settings: &Settings) -> Result<Self, Error> {
        let json = &settings.json;
        let join = join_config(json)?;
        let quantiles = quantiles(json)?;
        let verdict = verdict_settings(json)?;
        let preset = metric_preset(json)?;
        // Templates are checked even without a Prometheus URL: they are saved now.
        let builder = QueryBuilder::new(join.clone(), &preset)
            .map_err(|e| preset_error(json, &e))?
            .with_quantiles(quantiles.clone())
            .map_err(|e| error("quantiles", e.to_string()))?;
        let timeout = settings::prometheus_timeout(json);
        let prometheus = match non_empty(&json.prometheus_url) {
            None => None,
            Some(url) => {
                let mut config = PrometheusConfig::new(url).timeout(timeout);
                config.auth = prometheus_auth(settings)?;
                config.tls_skip_verify = json.prometheus_tls_skip_verify.unwrap_or(false);
                config.ca_cert_pem = settings
                    .secret("prometheusCaCert")
                    .map(|s| s.expose().to_string());
                let client =
                    PrometheusClient::new(&config).map_err(|e| prometheus_client_error(&e))?;
                Some(Prometheus {
                    client,
                    builder,
                    scrape_interval: scrape_interval(json)?,
                    built: Arc::default(),
                })
            }
        };
        let tempo = match non_empty(&json.tempo_url) {
            None => None,
            Some(url) => {
                let mut config = TempoConfig::new(url)
                    .timeout(settings::tempo_timeout(json))
                    .token(
                        settings
                            .secret("tempoToken")
                            .map(|s| s.expose().to_string()),
                    );
                config.tls_skip_verify = json.tempo_tls_skip_verify.unwrap_or(false);
                let client = TempoClient::new(&config).map_err(|e| match e {
                    tempo::Error::InvalidUrl { .. } => error("tempoUrl", e.to_string()),
                    other => error("tempoTlsSkipVerify", other.to_string()),
                })?;
                Some(Tempo {
                    client,
                    datasource_uid: non_empty(&json.tempo_datasource_uid),
                })
            }
        };
        Ok(Backends {
            prometheus,
            tempo,
            tempo_datasource_uid: non_empty(&json.tempo_datasource_uid),
            join,
            quantiles,
            verdict,
        })
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn scrape_interval(json: &JsonData) -> Result<Duration, Error> {
    match json.prometheus_scrape_interval_seconds {
        None => Ok(DEFAULT_SCRAPE_INTERVAL),
        Some(s) if (0.1..=3600.0).contains(&s) => Ok(Duration::from_millis((s * 1000.0) as u64)),
        Some(s) => Err(error(
            "prometheusScrapeIntervalSeconds",
            format!("{s} is not a scrape interval between 0.1 and 3600 seconds"),
        )),
    }
}

fn prometheus_auth(settings: &Settings) -> Result<Auth, Error> {
    let json = &settings.json;
    let user = non_empty(&json.prometheus_user);
    let password = settings.secret("prometheusPassword");
    let token = settings.secret("prometheusToken");
    let mode = non_empty(&json.prometheus_auth).unwrap_or_else(|| {
        // Older settings saved credentials without a mode.
        if token.is_some() {
            "bearer".into()
        } else if user.is_some() && password.is_some() {
            "basic".into()
        } else {
            "none".into()
        }
    });
    match mode.as_str() {
        "none" => Ok(Auth::None),
        "basic" => Ok(Auth::Basic {
            user: user
                .ok_or_else(|| error("prometheusUser", "basic authentication needs a user name"))?,
            password: password.map(|p| p.expose().to_string()).unwrap_or_default(),
        }),
        "bearer" => Ok(Auth::Bearer(
            token
                .ok_or_else(|| {
                    error(
                        "prometheusToken",
                        "bearer authentication needs a token (secure field)",
                    )
                })?
                .expose()
                .to_string(),
        )),
        other => Err(error(
            "prometheusAuth",
            format!("unknown authentication {other:?}: choose none, basic or bearer"),
        )),
    }
}

fn prometheus_client_error(e: &prometheus::Error) -> Error {
    match e {
        prometheus::Error::InvalidUrl { .. } => error("prometheusUrl", e.to_string()),
        _ => error("prometheusCaCert", e.to_string()),
    }
}

fn label(json_value: &Option<String>, default: &str) -> String {
    non_empty(json_value).unwrap_or_else(|| default.to_string())
}

fn check_label(setting: &'static str, name: &str) -> Result<(), Error> {
    prometheus::valid_label_name(name)
        .map(|_| ())
        .map_err(|e| error(setting, e.to_string()))
}

/// The join: which metric label and which span attribute identify a revision.
fn join_config(json: &JsonData) -> Result<JoinConfig, Error> {
    let pod_label = label(&json.pod_label, "pod");
    check_label("podLabel", &pod_label)?;
    let namespace_label = label(&json.namespace_label, "namespace");
    check_label("namespaceLabel", &namespace_label)?;
    let mode = match non_empty(&json.join_mode).as_deref().unwrap_or("pod") {
        "pod" => JoinMode::Pod,
        "podTemplateHash" => {
            let l = label(&json.hash_label, "rollouts_pod_template_hash");
            check_label("hashLabel", &l)?;
            JoinMode::PodTemplateHash { label: l }
        }
        "version" => {
            let l = non_empty(&json.version_label).ok_or_else(|| {
                error(
                    "versionLabel",
                    "the version join needs the metric label that holds the version",
                )
            })?;
            check_label("versionLabel", &l)?;
            JoinMode::Version { label: l }
        }
        other => {
            return Err(error(
                "joinMode",
                format!("unknown join mode {other:?}: choose pod, podTemplateHash or version"),
            ))
        }
    };
    let (trace_scope, trace_attribute) = trace_attribute(json)?;
    let lower = trace_attribute.to_ascii_lowercase();
    let trace_match = if lower.ends_with("pod.name") {
        TraceMatch::PodNamePrefix
    } else if lower.contains("pod_template_hash") || lower.contains("pod-template-hash") {
        TraceMatch::PodTemplateHash
    } else {
        TraceMatch::Version
    };
    Ok(JoinConfig {
        mode,
        pod_label,
        namespace_label,
        trace_attribute,
        trace_scope,
        trace_match,
        // k8s.namespace.name is a resource attribute: only comparable in that scope.
        trace_namespace_attribute: (trace_scope != TraceScope::Span)
            .then(|| "k8s.namespace.name".to_string()),
    })
}

/// `traceAttribute`, optionally scoped: `k8s.pod.name` (resource scope),
/// `resource.x`, `span.x` or `.x` (either scope).
fn trace_attribute(json: &JsonData) -> Result<(TraceScope, String), Error> {
    let raw = label(&json.trace_attribute, "k8s.pod.name");
    let (scope, name) = if let Some(rest) = raw.strip_prefix("resource.") {
        (TraceScope::Resource, rest)
    } else if let Some(rest) = raw.strip_prefix("span.") {
        (TraceScope::Span, rest)
    } else if let Some(rest) = raw.strip_prefix('.') {
        (TraceScope::Any, rest)
    } else {
        (TraceScope::Resource, raw.as_str())
    };
    let bad = |c: char| c.is_whitespace() || c.is_control() || "{}()=~!<>&|^,\"\\".contains(c);
    if name.is_empty() || name.starts_with('.') || name.chars().any(bad) {
        return Err(error(
            "traceAttribute",
            format!("{raw:?} is not a usable trace attribute name (no spaces, quotes or operator characters)"),
        ));
    }
    Ok((scope, name.to_string()))
}

fn metric_preset(json: &JsonData) -> Result<MetricPreset, Error> {
    let has_templates = non_empty(&json.requests_template).is_some();
    let name = non_empty(&json.metric_preset)
        .unwrap_or_else(|| if has_templates { "custom" } else { "otel" }.to_string());
    match name.as_str() {
        "otel" => Ok(MetricPreset::OpenTelemetry),
        "prometheus" => Ok(MetricPreset::prometheus_client()),
        "argoDemo" => Ok(MetricPreset::ArgoDemo),
        "custom" => Ok(MetricPreset::Custom {
            requests: non_empty(&json.requests_template).ok_or_else(|| {
                error(
                    "requestsTemplate",
                    "the custom preset needs a requests template such as http_requests_total{$__revision}",
                )
            })?,
            errors: non_empty(&json.errors_template).ok_or_else(|| {
                error(
                    "errorsTemplate",
                    "the custom preset needs an errors template such as http_requests_total{$__revision,code=~\"5..\"}",
                )
            })?,
            latency_bucket: non_empty(&json.latency_bucket_template),
        }),
        other => Err(error(
            "metricPreset",
            format!("unknown metric preset {other:?}: choose otel, prometheus, argoDemo or custom"),
        )),
    }
}

/// Names the template setting a preset error is about.
fn preset_error(json: &JsonData, e: &prometheus::Error) -> Error {
    let which = match e {
        prometheus::Error::InvalidTemplate { which, .. }
        | prometheus::Error::TemplateNotSelector { which }
        | prometheus::Error::MissingPlaceholder { which } => *which,
        _ => "",
    };
    let setting = match which {
        "requests" => "requestsTemplate",
        "errors" => "errorsTemplate",
        "latency" => "latencyBucketTemplate",
        _ if json.join_mode.is_some() => "joinMode",
        _ => "metricPreset",
    };
    error(setting, e.to_string())
}

fn quantiles(json: &JsonData) -> Result<Vec<f64>, Error> {
    match &json.quantiles {
        None => Ok(DEFAULT_QUANTILES.to_vec()),
        Some(q) if q.is_empty() => Ok(DEFAULT_QUANTILES.to_vec()),
        Some(q) => match q.iter().find(|v| !(**v > 0.0 && **v < 1.0)) {
            Some(bad) => Err(error(
                "quantiles",
                format!("{bad} is not a quantile between 0 and 1 (e.g. 0.99)"),
            )),
            None => Ok(q.clone()),
        },
    }
}

fn verdict_settings(json: &JsonData) -> Result<VerdictSettings, Error> {
    let d = VerdictSettings::default();
    let mode = match json.verdict_mode.as_deref().map(str::trim) {
        None | Some("" | "sequential") => VerdictMode::Sequential,
        Some("fixed") => VerdictMode::Fixed,
        Some(other) => {
            return Err(error(
                "verdictMode",
                format!("{other:?} is not a verdict mode: choose sequential or fixed"),
            ))
        }
    };
    let v = VerdictSettings {
        pass: json.verdict_pass_threshold.unwrap_or(d.pass),
        marginal: json.verdict_marginal_threshold.unwrap_or(d.marginal),
        tolerance: json.verdict_tolerance.unwrap_or(d.tolerance),
        confidence: json.verdict_confidence.unwrap_or(d.confidence),
        mode,
        errors_critical: json.verdict_errors_critical.unwrap_or(d.errors_critical),
        latency_critical: json.verdict_latency_critical.unwrap_or(d.latency_critical),
        errors_weight: json.verdict_errors_weight.unwrap_or(d.errors_weight),
        latency_weight: json.verdict_latency_weight.unwrap_or(d.latency_weight),
        effect_size: json.verdict_effect_size.unwrap_or(d.effect_size),
        critical_effect_size: json
            .verdict_critical_effect_size
            .unwrap_or(d.critical_effect_size),
    };
    for (key, weight) in [
        ("verdictErrorsWeight", v.errors_weight),
        ("verdictLatencyWeight", v.latency_weight),
    ] {
        if !(weight.is_finite() && (0.0..=100.0).contains(&weight)) {
            return Err(error(
                key,
                format!("{weight} is not a weight between 0 and 100"),
            ));
        }
    }
    if v.errors_weight + v.latency_weight <= 0.0 {
        return Err(error(
            "verdictErrorsWeight",
            "the errors and latency weights are both 0: nothing would count",
        ));
    }
    for (key, ratio) in [
        ("verdictEffectSize", v.effect_size),
        ("verdictCriticalEffectSize", v.critical_effect_size),
    ] {
        if !(ratio.is_finite() && ratio >= 1.0) {
            return Err(error(
                key,
                format!("{ratio} is not a canary/stable mean ratio of at least 1 (e.g. 1.2)"),
            ));
        }
    }
    if !(0.0..=100.0).contains(&v.pass) {
        return Err(error(
            "verdictPassThreshold",
            format!("{} is not a score between 0 and 100", v.pass),
        ));
    }
    if !(0.0..=v.pass).contains(&v.marginal) {
        return Err(error(
            "verdictMarginalThreshold",
            format!(
                "{} must be between 0 and the pass threshold ({})",
                v.marginal, v.pass
            ),
        ));
    }
    if !(v.tolerance >= 0.0 && v.tolerance.is_finite()) {
        return Err(error(
            "verdictTolerance",
            format!("{} is not a tolerance >= 0 (e.g. 0.25)", v.tolerance),
        ));
    }
    if !(v.confidence > 0.0 && v.confidence < 1.0) {
        return Err(error(
            "verdictConfidence",
            format!(
                "{} is not a confidence level between 0 and 1 (e.g. 0.98)",
                v.confidence
            ),
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn backends(json: &str, secure: &[(&str, &str)]) -> Result<Backends, Error> {
        let secure: HashMap<String, String> = secure
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Backends::from_settings(&Settings::parse(json.as_bytes(), &secure).unwrap())
    }

    #[test]
    fn empty_settings_mean_no_clients_and_kayenta_defaults() {
        let b = backends("{}", &[]).unwrap();
        assert!(b.prometheus.is_none() && b.tempo.is_none());
        assert_eq!(b.quantiles, vec![0.5, 0.9, 0.99]);
        assert_eq!(b.join, JoinConfig::default());
        assert_eq!(b.verdict, VerdictSettings::default());
    }

    #[test]
    fn secrets_become_the_clients_authentication_without_being_printed() {
        let b = backends(
            r#"{"prometheusUrl":"http://p:9090","prometheusAuth":"basic","prometheusUser":"grafana",
                "tempoUrl":"http://t:3200","tempoDatasourceUid":"tempo"}"#,
            &[
                ("prometheusPassword", "pw-s3cret"),
                ("tempoToken", "tok-s3cret"),
            ],
        )
        .unwrap();
        let printed = format!("{b:?}");
        assert!(!printed.contains("pw-s3cret") && !printed.contains("tok-s3cret"));
        assert_eq!(
            b.prometheus.unwrap().client.server(),
            "Prometheus at http://p:9090"
        );
        assert_eq!(b.tempo.unwrap().datasource_uid.as_deref(), Some("tempo"));
        let err = backends(
            r#"{"prometheusUrl":"http://p:9090","prometheusAuth":"bearer"}"#,
            &[],
        )
        .unwrap_err();
        assert_eq!(err.setting, "prometheusToken");
    }

    #[test]
    fn an_invalid_custom_template_names_its_setting_and_the_parser_message() {
        let err = backends(
            r#"{"metricPreset":"custom","requestsTemplate":"reqs_total{$__revision","errorsTemplate":"errs{$__revision}"}"#,
            &[],
        )
        .unwrap_err();
        assert_eq!(err.setting, "requestsTemplate");
        assert!(err.to_string().starts_with("requestsTemplate: "), "{err}");
        let err = backends(
            r#"{"metricPreset":"custom","requestsTemplate":"reqs_total{$__revision}","errorsTemplate":"sum(errs{$__revision})"}"#,
            &[],
        )
        .unwrap_err();
        assert_eq!(err.setting, "errorsTemplate");
    }

    #[test]
    fn join_modes_and_trace_attributes_map_onto_the_join() {
        let b = backends(
            r#"{"joinMode":"podTemplateHash","hashLabel":"hash","traceAttribute":"span.service.version"}"#,
            &[],
        )
        .unwrap();
        assert_eq!(
            b.join.mode,
            JoinMode::PodTemplateHash {
                label: "hash".into()
            }
        );
        assert_eq!(b.join.trace_scope, TraceScope::Span);
        assert_eq!(b.join.trace_match, TraceMatch::Version);
        assert_eq!(b.join.trace_namespace_attribute, None);
        assert_eq!(
            backends(r#"{"joinMode":"version"}"#, &[])
                .unwrap_err()
                .setting,
            "versionLabel"
        );
        assert_eq!(
            backends(r#"{"podLabel":"pod-name"}"#, &[])
                .unwrap_err()
                .setting,
            "podLabel"
        );
        assert_eq!(
            backends(r#"{"traceAttribute":"a b"}"#, &[])
                .unwrap_err()
                .setting,
            "traceAttribute"
        );
    }

    #[test]
    fn built_queries_are_kept_by_key_and_errors_are_not() {
        let b = backends(r#"{"prometheusUrl":"http://p:9090"}"#, &[]).unwrap();
        let p = b.prometheus.unwrap();
        let calls = std::cell::Cell::new(0);
        let build = |_: &QueryBuilder| {
            calls.set(calls.get() + 1);
            Ok::<_, ()>("up".to_string())
        };
        assert_eq!(p.memo("k".into(), build).unwrap(), "up");
        assert_eq!(p.memo("k".into(), build).unwrap(), "up");
        assert_eq!(calls.get(), 1);
        assert!(p.memo("e".into(), |_| Err::<String, _>("bad")).is_err());
        assert_eq!(p.memo("e".into(), build).unwrap(), "up");
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn verdict_thresholds_are_checked_against_each_other() {
        assert_eq!(
            backends(r#"{"verdictMarginalThreshold":95}"#, &[])
                .unwrap_err()
                .setting,
            "verdictMarginalThreshold"
        );
        assert_eq!(
            backends(r#"{"verdictConfidence":1}"#, &[])
                .unwrap_err()
                .setting,
            "verdictConfidence"
        );
        assert_eq!(
            backends(r#"{"quantiles":[0.5, 1.5]}"#, &[])
                .unwrap_err()
                .setting,
            "quantiles"
        );
    }

    /// The demo's provisioning must hold templates this module accepts (Grafana reads
    /// `$$` as a literal `$` there).
    #[test]
    fn the_demo_provisioning_templates_are_valid_selectors() {
        let yaml = include_str!("../provisioning/datasources/canarylens.yaml");
        let doc: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        let ds = doc["datasources"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|d| d["type"] == "canarylens-rollouts-datasource")
            .unwrap();
        let mut json: serde_json::Value = serde_json::to_value(&ds["jsonData"]).unwrap();
        let obj = json.as_object_mut().unwrap();
        for key in [
            "kubeconfigPath",
            "kubeContext",
            "prometheusUrl",
            "tempoUrl",
            "prometheusUser",
        ] {
            obj.remove(key);
        }
        for key in [
            "requestsTemplate",
            "errorsTemplate",
            "latencyBucketTemplate",
        ] {
            let t = obj[key].as_str().unwrap().replace("$$", "$");
            obj.insert(key.into(), t.into());
        }
        let b = backends(&json.to_string(), &[]);
        assert!(b.is_ok(), "{:?}", b.err());
    }
}
