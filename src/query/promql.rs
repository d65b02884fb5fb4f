//! What the metric handlers share: the step and rate window of a Grafana query, the
//! bound on concurrent Prometheus requests, and the notices that carry Prometheus and
//! Tempo failures and warnings to the panel.
//!
//! Requests run as futures of the query (`buffered`, never spawned): when Grafana
//! cancels a query, tonic drops its future and with it every open request.

use std::time::Duration;

use super::Request;
use crate::frames::{Frame, Severity};

/// Prometheus requests in flight per query.
pub const CONCURRENCY: usize = 16;
/// The smallest step sent to Prometheus.
pub const MIN_STEP_MS: i64 = 1000;

/// The range and step of a range query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start_ms: i64,
    pub end_ms: i64,
    pub step: Duration,
}

/// Grafana's interval, widened so the range holds at most `maxDataPoints` points and
/// to at least [`MIN_STEP_MS`]; start and end aligned to the step (as Grafana's
/// Prometheus datasource does, so refreshes hit the same points).
pub fn span(req: &Request) -> Span {
    let from = req.range.from.timestamp_millis();
    let to = req.range.to.timestamp_millis().max(from);
    let range = to - from;
    let by_points = if req.max_data_points > 0 {
        (range + req.max_data_points - 1) / req.max_data_points
    } else {
        0
    };
    let step = req.interval_ms.max(by_points).max(MIN_STEP_MS);
    let start = from.div_euclid(step) * step;
    let end = to.div_euclid(step) * step;
    Span {
        start_ms: start,
        end_ms: end.max(start),
        step: Duration::from_millis(u64::try_from(step).unwrap_or(1000)),
    }
}

/// Failures and warnings met while answering, deduplicated, in order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Notes {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Notes {
    pub fn error(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.errors.contains(&text) {
            self.errors.push(text);
        }
    }

    pub fn warning(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.warnings.contains(&text) {
            self.warnings.push(text);
        }
    }

    /// Prometheus' own warnings, prefixed with the server.
    pub fn server_warnings(&mut self, server: &str, warnings: &[String]) {
        for w in warnings {
            self.warning(format!("{server}: {w}"));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.warnings.is_empty()
    }

    /// Puts the notes on `frame`: errors with severity error, warnings as warnings.
    pub fn attach(&self, frame: &mut Frame) {
        for e in &self.errors {
            frame.push_notice(Severity::Error, e.clone());
        }
        for w in &self.warnings {
            frame.push_notice(Severity::Warning, w.clone());
        }
    }
}

/// `0.99` → `p99`, `0.5` → `p50`, `0.999` → `p99.9`.
pub fn quantile_name(q: f64) -> String {
    let pct = (q * 1000.0).round() / 10.0;
    if pct.fract() == 0.0 {
        format!("p{pct:.0}")
    } else {
        format!("p{pct}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{Query, TimeRange};
    use chrono::DateTime;

    fn req(from_s: i64, to_s: i64, interval_ms: i64, max_points: i64) -> Request {
        Request {
            ref_id: "A".into(),
            query: Query::parse("rollouts", b"{}").unwrap(),
            range: TimeRange {
                from: DateTime::from_timestamp(from_s, 0).unwrap(),
                to: DateTime::from_timestamp(to_s, 0).unwrap(),
            },
            interval_ms,
            max_data_points: max_points,
            now: DateTime::from_timestamp(to_s, 0).unwrap(),
            from_alert: false,
        }
    }

    #[test]
    fn the_step_is_grafanas_interval_bounded_by_points_and_aligned() {
        let s = span(&req(1_000, 4_600, 15_000, 1000));
        assert_eq!(s.step, Duration::from_secs(15));
        assert_eq!((s.start_ms, s.end_ms), (990_000, 4_590_000));
        // 1 hour in at most 100 points: 36 s.
        assert_eq!(
            span(&req(0, 3_600, 15_000, 100)).step,
            Duration::from_secs(36)
        );
        assert_eq!(span(&req(0, 60, 0, 0)).step, Duration::from_secs(1));
    }

    #[test]
    fn notes_are_deduplicated_and_become_notices() {
        let mut n = Notes::default();
        n.error("Prometheus at x refused the connection");
        n.error("Prometheus at x refused the connection");
        n.server_warnings("Prometheus at x", &["slow".to_string()]);
        let mut f = Frame::new("f");
        n.attach(&mut f);
        let notices = &f.meta.unwrap().notices;
        assert_eq!(notices.len(), 2);
        assert_eq!(notices[1].text, "Prometheus at x: slow");
    }

    #[test]
    fn quantiles_are_named_as_percentiles() {
        assert_eq!(quantile_name(0.99), "p99");
        assert_eq!(quantile_name(0.5), "p50");
        assert_eq!(quantile_name(0.999), "p99.9");
    }
}
