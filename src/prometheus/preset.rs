//! Metric presets: which series count requests, errors and latency for common
//! instrumentations, plus user-written templates validated with a PromQL parser.
//!
//! A template is a *series selector* with the placeholder `$__revision` inside its
//! braces, e.g. `http_requests_total{$__revision, code=~"5.."}`. The query builder
//! wraps selectors in `rate(...[window])`, sums and groups them, so one template serves
//! rates, ratios, quantiles, traffic shares and per-pod samples alike (which is also why
//! `$__rate_interval` is not needed in templates: the builder owns the window).

use promql_parser::parser::{self, Expr};

use super::{Error, Result};

/// Placeholder replaced by the revision's label matchers.
pub const REVISION_PLACEHOLDER: &str = "$__revision";

/// Which instrumentation the application uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum MetricPreset {
    /// OpenTelemetry semantic conventions `http.server.request.duration` as exported to
    /// Prometheus: `http_server_request_duration_seconds_{bucket,count}` with the
    /// `http_response_status_code` label.
    #[default]
    OpenTelemetry,
    /// Prometheus client libraries' `http_request_duration_seconds` histogram with a
    /// status label (`code` from Go's promhttp, `status` in many others).
    PrometheusClient {
        /// Label holding the HTTP status code.
        status_label: String,
    },
    /// argoproj/rollouts-demo in the version that exports metrics (metrics.go):
    /// counter `http_requests_total{path,status}` and histogram
    /// `http_response_time_seconds{path}` (buckets 0.01, 0.05, 0.1, 0.5). Assumption:
    /// `status` holds the numeric code; the histogram has no status label.
    ArgoDemo,
    /// User-written selectors with `$__revision`.
    Custom {
        /// Selector of a counter of all requests.
        requests: String,
        /// Selector of a counter of failed requests.
        errors: String,
        /// Selector of histogram buckets (`le` label), if any.
        latency_bucket: Option<String>,
    },
}

impl MetricPreset {
    /// Prometheus client preset with Go promhttp's `code` label.
    #[must_use]
    pub fn prometheus_client() -> Self {
        MetricPreset::PrometheusClient {
            status_label: "code".into(),
        }
    }

    /// The validated selectors of this preset.
    ///
    /// # Errors
    /// For custom templates: [`Error::InvalidTemplate`] with the parser's message when a
    /// template does not parse, [`Error::TemplateNotSelector`] when it is not a plain
    /// series selector, [`Error::MissingPlaceholder`] without `$__revision`. For the
    /// Prometheus client preset, [`Error::InvalidLabelName`] for a bad status label.
    pub fn selectors(&self) -> Result<MetricSelectors> {
        let (requests, errors, latency) = match self {
            MetricPreset::OpenTelemetry => (
                "http_server_request_duration_seconds_count{$__revision}".to_string(),
                r#"http_server_request_duration_seconds_count{$__revision,http_response_status_code=~"5.."}"#.to_string(),
                Some("http_server_request_duration_seconds_bucket{$__revision}".to_string()),
            ),
            MetricPreset::PrometheusClient { status_label } => {
                let label = super::join::valid_label_name(status_label)?;
                (
                    "http_request_duration_seconds_count{$__revision}".to_string(),
                    format!(r#"http_request_duration_seconds_count{{$__revision,{label}=~"5.."}}"#),
                    Some("http_request_duration_seconds_bucket{$__revision}".to_string()),
                )
            }
            MetricPreset::ArgoDemo => (
                "http_requests_total{$__revision}".to_string(),
                r#"http_requests_total{$__revision,status=~"5.."}"#.to_string(),
                Some("http_response_time_seconds_bucket{$__revision}".to_string()),
            ),
            MetricPreset::Custom {
                requests,
                errors,
                latency_bucket,
            } => (
                requests.trim().to_string(),
                errors.trim().to_string(),
                latency_bucket
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            ),
        };
        validate("requests", &requests)?;
        validate("errors", &errors)?;
        if let Some(l) = &latency {
            validate("latency", l)?;
        }
        Ok(MetricSelectors {
            requests,
            errors,
            latency_bucket: latency,
        })
    }
}

/// Validated selector templates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricSelectors {
    requests: String,
    errors: String,
    latency_bucket: Option<String>,
}

impl MetricSelectors {
    /// Request counter selector for `matchers`.
    #[must_use]
    pub fn requests(&self, matchers: &str) -> String {
        self.requests.replace(REVISION_PLACEHOLDER, matchers)
    }

    /// Error counter selector for `matchers`.
    #[must_use]
    pub fn errors(&self, matchers: &str) -> String {
        self.errors.replace(REVISION_PLACEHOLDER, matchers)
    }

    /// Histogram bucket selector for `matchers`, when the preset has one.
    #[must_use]
    pub fn latency_bucket(&self, matchers: &str) -> Option<String> {
        self.latency_bucket
            .as_ref()
            .map(|t| t.replace(REVISION_PLACEHOLDER, matchers))
    }
}

fn validate(which: &'static str, template: &str) -> Result<()> {
    if !template.contains(REVISION_PLACEHOLDER) {
        return Err(Error::MissingPlaceholder { which });
    }
    let probe = template.replace(REVISION_PLACEHOLDER, r#"__canary_lens_probe__="x""#);
    match parser::parse(&probe) {
        Ok(Expr::VectorSelector(_)) => Ok(()),
        Ok(_) => Err(Error::TemplateNotSelector { which }),
        Err(message) => Err(Error::InvalidTemplate { which, message }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_presets_are_valid_selectors() {
        for preset in [
            MetricPreset::OpenTelemetry,
            MetricPreset::prometheus_client(),
            MetricPreset::ArgoDemo,
        ] {
            let s = preset.selectors().unwrap();
            let q = s.requests(r#"pod=~"a-.*""#);
            assert!(parser::parse(&q).is_ok(), "{q}");
            assert!(s.latency_bucket("pod=\"x\"").is_some());
        }
    }

    #[test]
    fn a_custom_template_that_does_not_parse_is_refused_with_the_parser_message() {
        let preset = MetricPreset::Custom {
            requests: "my_requests_total{$__revision".into(),
            errors: "my_errors_total{$__revision}".into(),
            latency_bucket: None,
        };
        let err = preset.selectors().unwrap_err();
        let Error::InvalidTemplate { which, message } = &err else {
            panic!("unexpected {err:?}");
        };
        assert_eq!(*which, "requests");
        assert!(!message.is_empty());
        assert!(err.to_string().contains(message.as_str()), "{err}");
    }

    #[test]
    fn a_custom_template_must_be_a_selector_with_the_placeholder() {
        let not_selector = MetricPreset::Custom {
            requests: "sum(rate(x{$__revision}[1m]))".into(),
            errors: "y{$__revision}".into(),
            latency_bucket: None,
        };
        assert!(matches!(
            not_selector.selectors(),
            Err(Error::TemplateNotSelector { which: "requests" })
        ));
        let no_placeholder = MetricPreset::Custom {
            requests: "x{$__revision}".into(),
            errors: "y".into(),
            latency_bucket: None,
        };
        assert!(matches!(
            no_placeholder.selectors(),
            Err(Error::MissingPlaceholder { which: "errors" })
        ));
    }

    #[test]
    fn custom_templates_substitute_the_revision_everywhere() {
        let preset = MetricPreset::Custom {
            requests: "reqs_total{$__revision}".into(),
            errors: r#"reqs_total{$__revision, outcome="failure"}"#.into(),
            latency_bucket: Some(" lat_bucket{$__revision} ".into()),
        };
        let s = preset.selectors().unwrap();
        assert_eq!(
            s.errors(r#"pod="p""#),
            r#"reqs_total{pod="p", outcome="failure"}"#
        );
        assert_eq!(
            s.latency_bucket(r#"pod="p""#).unwrap(),
            r#"lat_bucket{pod="p"}"#
        );
    }
}
