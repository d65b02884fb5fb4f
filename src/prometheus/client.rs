//! The Prometheus HTTP API client: instant and range queries (POST form), exemplars and
//! build info, with bounded series/points and errors that name the server.
//!
//! Every method is cancel-safe: dropping its future drops the connection, which aborts
//! the request on the server side too (Prometheus cancels the query's context).

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use reqwest::RequestBuilder;

use super::config::{Auth, PrometheusConfig};
use super::http::{self, Endpoint, Transport};
use super::response::{self, BuildInfo, Envelope, ExemplarResult, QueryResult};
use super::{Error, Result};

/// A client for one Prometheus datasource. Cheap to clone.
#[derive(Clone, Debug)]
pub struct PrometheusClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    auth: Auth,
    timeout: Duration,
    max_series: usize,
    max_points: usize,
}

impl PrometheusClient {
    /// Builds the client (no request is sent).
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] or [`Error::Client`] (e.g. a CA certificate that is not PEM).
    pub fn new(config: &PrometheusConfig) -> Result<Self> {
        let mut auth = config.auth.clone();
        let endpoint = Endpoint::parse("Prometheus", &config.url, &mut auth).map_err(|reason| {
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
            max_series: config.max_series.max(1),
            max_points: config.max_points_per_series.max(2),
        })
    }

    /// The most series one answer may hold; more are cut (and the answer marked).
    #[must_use]
    pub fn max_series(&self) -> usize {
        self.max_series
    }

    /// How messages name this server: "Prometheus at http://host:9090".
    #[must_use]
    pub fn server(&self) -> &str {
        self.endpoint.label()
    }

    /// `POST /api/v1/query` at `time_ms` (unix ms; Prometheus' "now" when `None`).
    ///
    /// # Errors
    /// Transport, HTTP and shape errors (see [`Error`]).
    pub async fn query(&self, promql: &str, time_ms: Option<i64>) -> Result<QueryResult> {
        let mut form = vec![("query", promql.to_string())];
        if let Some(t) = time_ms {
            form.push(("time", seconds(t)));
        }
        let rb = self
            .http
            .post(self.endpoint.url("api/v1/query"))
            .form(&form);
        let env = self.send(rb).await?;
        self.finish_query(env, None)
    }

    /// `POST /api/v1/query_range`. The step is widened when the range would exceed
    /// `max_points_per_series` points; the step used is reported in the result.
    ///
    /// # Errors
    /// [`Error::InvalidRange`] when `end_ms < start_ms`, otherwise as [`Self::query`].
    pub async fn query_range(
        &self,
        promql: &str,
        start_ms: i64,
        end_ms: i64,
        step: Duration,
    ) -> Result<QueryResult> {
        let (step_ms, widened) = bounded_step(start_ms, end_ms, step, self.max_points)?;
        let form = [
            ("query", promql.to_string()),
            ("start", seconds(start_ms)),
            ("end", seconds(end_ms)),
            ("step", seconds(step_ms)),
        ];
        let rb = self
            .http
            .post(self.endpoint.url("api/v1/query_range"))
            .form(&form);
        let env = self.send(rb).await?;
        let mut result = self.finish_query(env, Some(step_ms))?;
        if widened {
            result.warnings.push(format!(
                "step widened from {} to {} to stay within {} points per series",
                http::human_duration(step),
                http::human_duration(Duration::from_millis(step_ms.unsigned_abs())),
                self.max_points
            ));
        }
        Ok(result)
    }

    /// `GET /api/v1/query_exemplars` for a series selector over `[start_ms, end_ms]`.
    /// Prometheus stores exemplars only with `--enable-feature=exemplar-storage`; without
    /// it the answer is simply empty.
    ///
    /// # Errors
    /// As [`Self::query`].
    pub async fn query_exemplars(
        &self,
        selector: &str,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<ExemplarResult> {
        let rb = self
            .http
            .get(self.endpoint.url("api/v1/query_exemplars"))
            .query(&[
                ("query", selector.to_string()),
                ("start", seconds(start_ms)),
                ("end", seconds(end_ms)),
            ]);
        let env = self.send(rb).await?;
        let exemplars = response::parse_exemplars(&env.data)
            .ok_or_else(|| self.not_prometheus("exemplar data of an unknown shape"))?;
        Ok(ExemplarResult {
            exemplars,
            warnings: env.warnings,
        })
    }

    /// `GET /api/v1/status/buildinfo`: the health check.
    ///
    /// # Errors
    /// As [`Self::query`].
    pub async fn build_info(&self) -> Result<BuildInfo> {
        let rb = self.http.get(self.endpoint.url("api/v1/status/buildinfo"));
        let env = self.send(rb).await?;
        serde_json::from_value(env.data)
            .map_err(|_| self.not_prometheus("build info without a version"))
    }

    fn finish_query(&self, env: Envelope, step_ms: Option<i64>) -> Result<QueryResult> {
        let (kind, mut series, mut warnings) = response::parse_query_data(&env.data)
            .ok_or_else(|| self.not_prometheus("query data of an unknown shape"))?;
        let mut all_warnings = env.warnings;
        all_warnings.extend(env.infos);
        all_warnings.append(&mut warnings);
        let mut truncated = false;
        if series.len() > self.max_series {
            all_warnings.push(format!(
                "showing the first {} of {} series; narrow the query",
                self.max_series,
                series.len()
            ));
            series.truncate(self.max_series);
            truncated = true;
        }
        for s in &mut series {
            if s.samples.len() > self.max_points {
                s.samples.truncate(self.max_points);
                truncated = true;
            }
        }
        Ok(QueryResult {
            kind,
            series,
            warnings: all_warnings,
            truncated,
            step_ms,
        })
    }

    async fn send(&self, rb: RequestBuilder) -> Result<Envelope> {
        let server = || self.endpoint.label().to_string();
        let resp = http::with_auth(rb, &self.auth)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = resp.status();
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp.text().await.map_err(|e| self.transport(e))?;
        match serde_json::from_str::<Envelope>(&body) {
            Ok(env) if env.status == "success" && status.is_success() => Ok(env),
            Ok(env) if env.status == "error" || !status.is_success() => Err(Error::Status {
                server: server(),
                status: status.as_u16(),
                message: env.error.unwrap_or_else(|| http::body_excerpt(&body)),
            }),
            Ok(_) => Err(self.not_prometheus("a status that is neither success nor error")),
            Err(_) if status.is_success() || status.as_u16() == 404 => {
                Err(self.not_prometheus(&format!(
                    "HTTP {}, {}: {}",
                    status.as_u16(),
                    if content_type.is_empty() {
                        "no content type"
                    } else {
                        &content_type
                    },
                    http::body_excerpt(&body)
                )))
            }
            Err(_) => Err(Error::Status {
                server: server(),
                status: status.as_u16(),
                message: http::body_excerpt(&body),
            }),
        }
    }

    fn transport(&self, e: reqwest::Error) -> Error {
        let server = self.endpoint.label().to_string();
        match http::classify(e) {
            Transport::Refused => Error::ConnectionRefused { server },
            Transport::TimedOut => Error::Timeout {
                server,
                after: http::human_duration(self.timeout),
            },
            Transport::Other(reason) => Error::Unreachable { server, reason },
        }
    }

    fn not_prometheus(&self, detail: &str) -> Error {
        Error::NotPrometheus {
            server: self.endpoint.label().to_string(),
            detail: detail.to_string(),
        }
    }
}

/// The step to send and whether it was widened to respect `max_points`.
fn bounded_step(
    start_ms: i64,
    end_ms: i64,
    step: Duration,
    max_points: usize,
) -> Result<(i64, bool)> {
    if end_ms < start_ms {
        return Err(Error::InvalidRange);
    }
    let requested = i64::try_from(step.as_millis()).unwrap_or(i64::MAX).max(1);
    let range = end_ms - start_ms;
    let max_intervals = i64::try_from(max_points.max(2) - 1).unwrap_or(i64::MAX);
    if range / requested < max_intervals {
        return Ok((requested, false));
    }
    // Smallest step with range / step + 1 <= max_points.
    let widened = (range + max_intervals - 1) / max_intervals;
    Ok((widened.max(requested), widened > requested))
}

/// Unix milliseconds as Prometheus' decimal seconds.
fn seconds(ms: i64) -> String {
    format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_is_widened_only_past_the_point_budget() {
        let hour = 3_600_000;
        assert_eq!(
            bounded_step(0, hour, Duration::from_secs(15), 11_000).unwrap(),
            (15_000, false)
        );
        let (step, widened) = bounded_step(0, hour, Duration::from_millis(100), 1000).unwrap();
        assert!(widened);
        assert!(hour / step < 1000, "{step}");
        assert!(hour / (step - 1) >= 999, "{step} is not the smallest");
        assert!(bounded_step(10, 0, Duration::from_secs(1), 10).is_err());
    }

    #[test]
    fn timestamps_are_sent_as_decimal_seconds() {
        assert_eq!(seconds(1_600_000_000_123), "1600000000.123");
        assert_eq!(seconds(5), "0.005");
        assert_eq!(seconds(-1), "-1.999");
    }

    #[test]
    fn credentials_in_the_url_become_basic_auth_and_leave_messages() {
        let client = PrometheusClient::new(&PrometheusConfig::new(
            "https://admin:s3cret@prom.example:9090/prefix/",
        ))
        .unwrap();
        assert_eq!(
            client.server(),
            "Prometheus at https://prom.example:9090/prefix"
        );
        assert!(!format!("{client:?}").contains("s3cret"));
        assert_eq!(
            client.endpoint.url("api/v1/query").as_str(),
            "https://prom.example:9090/prefix/api/v1/query"
        );
        let err = PrometheusClient::new(&PrometheusConfig::new("ftp://u:s3cret@x")).unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn a_ca_certificate_that_is_not_pem_is_refused() {
        let mut cfg = PrometheusConfig::new("https://p:9090");
        cfg.ca_cert_pem = Some("not a certificate".into());
        let err = PrometheusClient::new(&cfg).unwrap_err();
        assert!(err.to_string().contains("CA certificate"), "{err}");
    }
}
