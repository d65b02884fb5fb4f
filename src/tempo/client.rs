//! The Tempo HTTP API client: TraceQL search, trace by id, echo and build info.
//! Futures are cancel-safe: dropping one drops its connection.

use std::time::Duration;

use reqwest::RequestBuilder;
use serde_json::Value;

use crate::prometheus::http::{self, Endpoint, Transport};
use crate::prometheus::Auth;

use super::config::TempoConfig;
use super::response::{self, SearchResult, SpanRecord};
use super::{Error, Result};

/// `/api/status/buildinfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TempoBuildInfo {
    /// e.g. `2.6.1`.
    pub version: String,
    /// Git revision.
    pub revision: String,
}

/// A client for one Tempo datasource. Cheap to clone.
#[derive(Clone, Debug)]
pub struct TempoClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    auth: Auth,
    timeout: Duration,
    limit: u32,
    spss: u32,
}

impl TempoClient {
    /// Builds the client (no request is sent).
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] or [`Error::Client`].
    pub fn new(config: &TempoConfig) -> Result<Self> {
        let mut auth = config.auth.clone();
        let endpoint = Endpoint::parse("Tempo", &config.url, &mut auth).map_err(|reason| {
            Error::InvalidUrl {
                url: http::redact_userinfo(&config.url),
                reason,
            }
        })?;
        let http = http::build_client(
            config.timeout,
            config.tls_skip_verify,
            config.ca_cert_pem.as_deref(),
        )
        .map_err(|reason| Error::Client {
            server: endpoint.label().to_string(),
            reason,
        })?;
        Ok(Self {
            http,
            endpoint,
            auth,
            timeout: config.timeout,
            limit: config.search_limit.max(1),
            spss: config.spans_per_span_set.max(1),
        })
    }

    /// The same client with another search `limit` (at least 1).
    #[must_use]
    pub fn with_limit(&self, limit: u32) -> Self {
        Self {
            limit: limit.max(1),
            ..self.clone()
        }
    }

    /// "Tempo at http://tempo:3200".
    #[must_use]
    pub fn server(&self) -> &str {
        self.endpoint.label()
    }

    /// `GET /api/search?q=<traceql>&start&end&limit&spss` (times in unix seconds).
    ///
    /// # Errors
    /// Transport, HTTP and shape errors.
    pub async fn search(&self, traceql: &str, start_s: i64, end_s: i64) -> Result<SearchResult> {
        let rb = self.http.get(self.endpoint.url("api/search")).query(&[
            ("q", traceql.to_string()),
            ("start", start_s.to_string()),
            ("end", end_s.to_string()),
            ("limit", self.limit.to_string()),
            ("spss", self.spss.to_string()),
        ]);
        let body = self.send_json(rb).await?;
        response::parse_search(&body)
            .ok_or_else(|| self.not_tempo("search results of an unknown shape"))
    }

    /// `GET /api/traces/<id>`: all spans of one trace.
    ///
    /// # Errors
    /// [`Error::InvalidTraceId`] for an id that is not 1-32 hex digits,
    /// [`Error::TraceNotFound`] on 404, otherwise as [`Self::search`].
    pub async fn trace(&self, trace_id: &str) -> Result<Vec<SpanRecord>> {
        let id = trace_id.trim();
        if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::InvalidTraceId(trace_id.chars().take(64).collect()));
        }
        let rb = self
            .http
            .get(self.endpoint.url(&format!("api/traces/{id}")))
            .header(reqwest::header::ACCEPT, "application/json");
        match self.send_json(rb).await {
            Err(Error::Status { status: 404, .. }) => Err(Error::TraceNotFound {
                server: self.server().to_string(),
                trace_id: id.to_string(),
            }),
            Err(e) => Err(e),
            Ok(body) => response::parse_trace(&body)
                .ok_or_else(|| self.not_tempo("a trace of an unknown shape")),
        }
    }

    /// `GET /api/echo`: the health check; Tempo answers `echo`.
    ///
    /// # Errors
    /// As [`Self::search`].
    pub async fn echo(&self) -> Result<()> {
        let (status, body) = self
            .send(self.http.get(self.endpoint.url("api/echo")))
            .await?;
        if !status.is_success() {
            return Err(self.status_error(status.as_u16(), &body));
        }
        if body.trim() == "echo" {
            Ok(())
        } else {
            Err(self.not_tempo(&format!(
                "/api/echo answered {:?}",
                http::body_excerpt(&body)
            )))
        }
    }

    /// `GET /api/status/buildinfo`.
    ///
    /// # Errors
    /// As [`Self::search`].
    pub async fn build_info(&self) -> Result<TempoBuildInfo> {
        let body = self
            .send_json(self.http.get(self.endpoint.url("api/status/buildinfo")))
            .await?;
        let version = body
            .get("version")
            .and_then(Value::as_str)
            .ok_or_else(|| self.not_tempo("build info without a version"))?;
        Ok(TempoBuildInfo {
            version: version.to_string(),
            revision: body
                .get("revision")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
    }

    async fn send(&self, rb: RequestBuilder) -> Result<(reqwest::StatusCode, String)> {
        let resp = http::with_auth(rb, &self.auth)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| self.transport(e))?;
        Ok((status, body))
    }

    async fn send_json(&self, rb: RequestBuilder) -> Result<Value> {
        let (status, body) = self.send(rb).await?;
        if !status.is_success() {
            return Err(self.status_error(status.as_u16(), &body));
        }
        serde_json::from_str(&body).map_err(|_| {
            self.not_tempo(&format!(
                "HTTP {}: {}",
                status.as_u16(),
                http::body_excerpt(&body)
            ))
        })
    }

    fn status_error(&self, status: u16, body: &str) -> Error {
        // Tempo writes errors as plain text; some gateways as {"message": ...}.
        let message = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| {
                ["error", "message"]
                    .iter()
                    .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
            })
            .unwrap_or_else(|| http::body_excerpt(body));
        Error::Status {
            server: self.server().to_string(),
            status,
            message,
        }
    }

    fn transport(&self, e: reqwest::Error) -> Error {
        let server = self.server().to_string();
        match http::classify(e) {
            Transport::Refused => Error::ConnectionRefused { server },
            Transport::TimedOut => Error::Timeout {
                server,
                after: http::human_duration(self.timeout),
            },
            Transport::Other(reason) => Error::Unreachable { server, reason },
        }
    }

    fn not_tempo(&self, detail: &str) -> Error {
        Error::NotTempo {
            server: self.server().to_string(),
            detail: detail.to_string(),
        }
    }
}
