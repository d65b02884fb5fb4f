//! Test helpers for the Prometheus and Tempo integration tests: a metrics target serving
//! OpenMetrics with exemplars, a launcher for the real Prometheus binary, and small fake
//! HTTP servers. Every server binds 127.0.0.1 and stops when its handle is dropped.
#![allow(dead_code)]

pub mod canary_demo;
pub mod fake;
pub mod prometheus;
pub mod target;
