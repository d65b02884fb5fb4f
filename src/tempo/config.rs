//! Connection settings for Tempo. `Debug` never prints the token or password.

use std::time::Duration;

use crate::prometheus::{Auth, DEFAULT_TIMEOUT};

/// Default number of traces a search returns.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;
/// Default number of matching spans kept per span set (`spss`).
pub const DEFAULT_SPANS_PER_SPAN_SET: u32 = 3;

/// Settings of one Tempo datasource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TempoConfig {
    /// Base URL of the query frontend, e.g. `http://tempo:3200`.
    pub url: String,
    /// Authentication (a bearer token for most gateways, basic for Grafana Cloud).
    pub auth: Auth,
    /// Accept any server certificate.
    pub tls_skip_verify: bool,
    /// Extra CA certificate (PEM).
    pub ca_cert_pem: Option<String>,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// `limit` of searches.
    pub search_limit: u32,
    /// `spss` of searches.
    pub spans_per_span_set: u32,
}

impl TempoConfig {
    /// Settings with defaults for everything but the URL.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            auth: Auth::None,
            tls_skip_verify: false,
            ca_cert_pem: None,
            timeout: DEFAULT_TIMEOUT,
            search_limit: DEFAULT_SEARCH_LIMIT,
            spans_per_span_set: DEFAULT_SPANS_PER_SPAN_SET,
        }
    }

    /// Sets a bearer token (`None` removes authentication).
    #[must_use]
    pub fn token(mut self, token: Option<String>) -> Self {
        self.auth = token.map_or(Auth::None, Auth::Bearer);
        self
    }

    /// Sets the request timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_token() {
        let cfg = TempoConfig::new("http://tempo:3200").token(Some("glc_secret".into()));
        assert!(!format!("{cfg:?}").contains("glc_secret"));
        assert_eq!(cfg.search_limit, 20);
        assert_eq!(cfg.spans_per_span_set, 3);
    }
}
