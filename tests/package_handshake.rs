//! The packaged executable (`datasource/gpx_canarylens_linux_<arch>` from the release
//! archive), started exactly as Grafana starts it: it must print the go-plugin
//! handshake, answer go-plugin's gRPC health check, and turn bad settings into an error
//! status for "Save & test" and an error for a query, without dying.
//!
//! `tests/package.sh` unpacks the archive and runs this (ignored by a plain `cargo test`)
//! with `CANARY_LENS_PACKAGED_BIN` set to the unpacked executable:
//! `cargo test --test package_handshake -- --ignored`.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::plugin::{DsSettings, PluginCommand, QuerySpec};

/// What `CheckHealthResponse.status` calls an error (`HealthStatus::Error`).
const HEALTH_ERROR: i32 = 2;

#[tokio::test]
#[ignore = "needs a packaged executable: tests/package.sh runs it"]
async fn packaged_executable_handshakes_answers_health_and_survives_bad_settings() {
    let Some(bin) = std::env::var_os("CANARY_LENS_PACKAGED_BIN") else {
        panic!("set CANARY_LENS_PACKAGED_BIN to the executable to test (tests/package.sh does)");
    };
    let started = Instant::now();
    let mut plugin = PluginCommand::new(&bin)
        .handshake_timeout(Duration::from_secs(5))
        .spawn()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let handshake_after = started.elapsed();
    let handshake = plugin.handshake().clone();
    assert!(
        handshake.address.starts_with("127.0.0.1:"),
        "the plugin must listen on loopback only, got {}",
        handshake.address
    );
    assert!(plugin.ping().await, "gRPC health check of service `plugin`");

    // A closed port on loopback: Save & test must say so, as an error status.
    let unreachable = DsSettings::new(
        "unreachable",
        json!({ "kubeMode": "url", "kubeUrl": "http://127.0.0.1:9" }),
    );
    let health = plugin
        .check_health(&unreachable)
        .await
        .unwrap_or_else(|s| panic!("CheckHealth call failed: {s}"));
    assert_eq!(
        health.status, HEALTH_ERROR,
        "status for an unreachable API server: {health:?}"
    );
    assert!(
        !health.message.is_empty(),
        "an error status needs a message"
    );

    // Settings that do not parse at all.
    let invalid = DsSettings::new("invalid", json!({ "kubeMode": "telepathy" }));
    let health = plugin
        .check_health(&invalid)
        .await
        .unwrap_or_else(|s| panic!("CheckHealth call failed: {s}"));
    assert_eq!(
        health.status, HEALTH_ERROR,
        "status for kubeMode=telepathy: {health:?}"
    );
    assert!(
        health.message.contains("telepathy"),
        "the message names the bad value: {:?}",
        health.message
    );

    // A query with the bad settings: an error on that refId, not a crash.
    let answer = plugin
        .query(
            &invalid,
            vec![QuerySpec::new(
                "A",
                "rollouts",
                json!({ "queryType": "rollouts" }),
            )],
        )
        .await
        .unwrap_or_else(|s| panic!("QueryData call failed: {s}"));
    let a = answer.responses.get("A").expect("a response for refId A");
    assert!(!a.error.is_empty(), "refId A must carry an error: {a:?}");

    assert!(plugin.try_exit_status().is_none(), "still running");
    assert!(plugin.ping().await, "still healthy after the bad settings");
    eprintln!(
        "{}: handshake {} after {handshake_after:?}",
        std::path::Path::new(&bin).display(),
        handshake.address
    );
    plugin.kill();
}
