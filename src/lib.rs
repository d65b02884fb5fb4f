//! Canary Lens: a Grafana backend datasource that joins Argo Rollouts state with
//! per-revision metrics and traces.
//!
//! Data flows one way: [`settings`] → clients ([`k8s`]) → domain ([`rollout`]) →
//! [`frames`], wired together by [`service`].
#![forbid(unsafe_code)]
#![warn(missing_debug_implementations)]

pub mod analysis;
pub mod argo;
pub mod backends;
pub mod cli;
pub mod frames;
pub mod host;
pub mod instance;
pub mod k8s;
pub mod prometheus;
pub mod query;
pub mod rollout;
pub mod service;
pub mod settings;
pub mod tempo;
