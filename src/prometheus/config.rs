//! Connection settings for Prometheus (and the HTTP authentication shared with Tempo).
//!
//! Plain structs the settings layer fills from Grafana's jsonData/secureJsonData. `Debug`
//! never prints a password or token.

use std::fmt;
use std::time::Duration;

/// Default request timeout for Prometheus and Tempo.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default maximum number of series kept from one Prometheus answer.
pub const DEFAULT_MAX_SERIES: usize = 500;
/// Default maximum number of points per series in a range query.
pub const DEFAULT_MAX_POINTS_PER_SERIES: usize = 11_000;

/// How requests authenticate. The secrets never appear in `Debug` or in errors.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header.
    #[default]
    None,
    /// HTTP basic authentication.
    Basic {
        /// User name (printed by `Debug`).
        user: String,
        /// Password (never printed).
        password: String,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"<redacted>")
                .finish(),
            Auth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// Settings of one Prometheus datasource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrometheusConfig {
    /// Base URL, e.g. `http://prometheus.monitoring:9090` (a path prefix is kept).
    pub url: String,
    /// Authentication.
    pub auth: Auth,
    /// Accept any server certificate (self-signed test setups only).
    pub tls_skip_verify: bool,
    /// Extra CA certificate (PEM) trusted for HTTPS.
    pub ca_cert_pem: Option<String>,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Series beyond this count are dropped, with a warning.
    pub max_series: usize,
    /// Range queries widen their step so no series exceeds this many points.
    pub max_points_per_series: usize,
}

impl PrometheusConfig {
    /// Settings with defaults for everything but the URL.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            auth: Auth::None,
            tls_skip_verify: false,
            ca_cert_pem: None,
            timeout: DEFAULT_TIMEOUT,
            max_series: DEFAULT_MAX_SERIES,
            max_points_per_series: DEFAULT_MAX_POINTS_PER_SERIES,
        }
    }

    /// Sets the authentication.
    #[must_use]
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Sets the request timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the maximum number of series kept.
    #[must_use]
    pub fn max_series(mut self, max: usize) -> Self {
        self.max_series = max;
        self
    }

    /// Sets the maximum number of points per series.
    #[must_use]
    pub fn max_points_per_series(mut self, max: usize) -> Self {
        self.max_points_per_series = max;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_secrets() {
        let basic = PrometheusConfig::new("http://p:9090").auth(Auth::Basic {
            user: "grafana".into(),
            password: "hunter2-secret".into(),
        });
        let text = format!("{basic:?}");
        assert!(text.contains("grafana"), "{text}");
        assert!(!text.contains("hunter2-secret"), "{text}");
        let bearer = PrometheusConfig::new("http://p:9090").auth(Auth::Bearer("tok-123".into()));
        assert!(!format!("{bearer:?}").contains("tok-123"));
    }

    #[test]
    fn defaults_match_the_documented_bounds() {
        let c = PrometheusConfig::new("http://p:9090");
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.max_series, 500);
        assert_eq!(c.max_points_per_series, 11_000);
        assert_eq!(c.auth, Auth::None);
    }
}
