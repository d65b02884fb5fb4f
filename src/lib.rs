//! Canary Lens: a Grafana backend datasource that joins Argo Rollouts state with
//! per-revision metrics and traces.
//!
//! Data flows one way: [`settings`] → clients ([`k8s`]) → domain ([`rollout`]) →
//! [`frames`], wired together by [`service`].
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]
pub mod analysis;
