//! Self-tests of the shared test harness (tests/support): the fake API server driven
//! by kube-rs, the handshake parser of the plugin client, and the frame checker.
//!
//! The selector tests live here rather than next to the selector code because
//! tests/support is compiled into every integration test crate: unit tests there
//! would run once per crate.

mod support;

#[path = "harness_selftest/frames.rs"]
mod frames_tests;
#[path = "harness_selftest/kube.rs"]
mod kube_tests;
#[path = "harness_selftest/plugin.rs"]
mod plugin_tests;
#[path = "harness_selftest/selector.rs"]
mod selector_tests;
