//! Shared integration-test support for Canary Lens: a fake Kubernetes API server
//! ([`fake_kube`]), a client that runs the plugin binary the way Grafana does
//! ([`plugin`]), and a decoder/checker of the Arrow frames it returns ([`frames`]).
//!
//! Include it from a test file with `mod support;`, or from a benchmark with
//! `#[path = "../tests/support/mod.rs"] mod support;`. Each test crate uses only part
//! of it, hence the `dead_code` / `unused_imports` allowance.
#![allow(dead_code, unused_imports)]

pub mod fake_kube;
pub mod frames;
pub mod grafana_http;
pub mod plugin;

use std::path::PathBuf;
use std::time::Duration;

/// The Argo Rollouts fixtures directory (`tests/fixtures/argo-rollouts`), or one of
/// its scenarios: `fixtures("canary")`.
pub fn fixtures(scenario: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/argo-rollouts")
        .join(scenario)
}

/// Polls `condition` every 20 ms until it holds.
///
/// # Panics
/// When it still does not hold after `timeout`, naming `what`.
pub async fn eventually(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !condition() {
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting until {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
