//! Runs the plugin binary the way Grafana does and talks gRPC to it.
//!
//! Grafana starts a backend plugin through hashicorp go-plugin: the host environment
//! plus the magic cookie `grafana_plugin_type=datasource`, `PLUGIN_PROTOCOL_VERSIONS=2`,
//! `PLUGIN_MIN_PORT` / `PLUGIN_MAX_PORT`, and Grafana's own `GF_*` variables. The plugin
//! must print `1|2|tcp|127.0.0.1:PORT|grpc` as its first stdout line; Grafana then
//! speaks the `pluginv2` gRPC services on that address. [`PluginProcess`] does the
//! same, with typed helpers that build the PluginContext Grafana would send.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use grafana_plugin_sdk::pluginv2::{
    self, data_client::DataClient, diagnostics_client::DiagnosticsClient,
    resource_client::ResourceClient, stream_client::StreamClient,
};
use parking_lot::Mutex;
use serde_json::Value;
use tonic::transport::Channel;

mod requests;

pub use requests::{frames_of, DsSettings, QuerySpec, ResourceReply, PLUGIN_ID};

/// How long Grafana's go-plugin client waits for the handshake by default... and us.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the plugin could not be started or reached.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("cannot start {path}: {source}")]
    Spawn {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no handshake within {timeout:?}; stderr:\n{stderr}")]
    HandshakeTimeout { timeout: Duration, stderr: String },
    #[error("plugin exited ({status}) before the handshake; stderr:\n{stderr}")]
    ExitedEarly { status: String, stderr: String },
    #[error("bad handshake line {line:?}: {reason}; stderr:\n{stderr}")]
    BadHandshake {
        line: String,
        reason: String,
        stderr: String,
    },
    #[error("cannot connect to the plugin at {addr}: {source}")]
    Connect {
        addr: String,
        source: tonic::transport::Error,
    },
}

/// The go-plugin handshake line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub core_version: u32,
    pub app_version: u32,
    pub network: String,
    pub address: String,
    pub protocol: String,
}

/// Parses `CORE|APP|NETWORK|ADDR|PROTOCOL[|CERT]` as go-plugin's client does, and
/// requires what Grafana requires: core protocol 1, app protocol 2, tcp, grpc.
///
/// # Errors
/// A description of the first violation.
pub fn parse_handshake(line: &str) -> Result<Handshake, String> {
    let parts: Vec<&str> = line.trim_end_matches(['\r', '\n']).split('|').collect();
    if parts.len() < 4 {
        return Err(format!(
            "expected at least 4 '|'-separated parts, got {}",
            parts.len()
        ));
    }
    let number = |s: &str, what: &str| {
        s.parse::<u32>()
            .map_err(|_| format!("{what} {s:?} is not a number"))
    };
    let core_version = number(parts[0], "core protocol version")?;
    if core_version != 1 {
        return Err(format!(
            "core protocol version must be 1, got {core_version}"
        ));
    }
    let app_version = number(parts[1], "app protocol version")?;
    if app_version != 2 {
        return Err(format!("Grafana negotiates app protocol version 2 (PLUGIN_PROTOCOL_VERSIONS=2), got {app_version}"));
    }
    let network = parts[2].to_string();
    if network != "tcp" {
        return Err(format!("network must be tcp, got {network:?}"));
    }
    let address = parts[3].to_string();
    if address.parse::<std::net::SocketAddr>().is_err() {
        return Err(format!("address {address:?} is not host:port"));
    }
    // go-plugin defaults a missing protocol to netrpc, which Grafana does not speak.
    let protocol = parts.get(4).map_or("netrpc", |p| *p).to_string();
    if protocol != "grpc" {
        return Err(format!("protocol must be grpc, got {protocol:?}"));
    }
    Ok(Handshake {
        core_version,
        app_version,
        network,
        address,
        protocol,
    })
}

/// The whole environment Grafana 12.4 and later give a backend plugin process, and
/// nothing else: the host's variables are not inherited.
/// - go-plugin's own: the magic cookie (`grafana_plugin_type`), the protocol versions
///   and the port range (hashicorp/go-plugin client.go; Grafana sets `SkipHostEnv`).
/// - Grafana's `GF_*` (pkg/services/pluginsintegration/pluginconfig/envvars.go:
///   GF_VERSION, GF_EDITION, GF_APP_URL, GF_PLUGIN_VERSION, GF_INSTANCE_*, and one
///   `GF_PLUGIN_<KEY>` per key of `[plugin.<id>]` in grafana.ini).
/// - The permitted host variables, when set (pkg/plugins/envvars/envvars.go:
///   PLUGIN_UNIX_SOCKET_DIR and the HTTP(S)_PROXY/NO_PROXY pair in both cases).
///
/// So no `KUBERNETES_SERVICE_HOST`, `HOME` or `KUBECONFIG`: tests see what a plugin in
/// a Grafana pod sees.
pub fn grafana_env() -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("grafana_plugin_type", "datasource"),
        ("PLUGIN_PROTOCOL_VERSIONS", "2"),
        ("PLUGIN_MIN_PORT", "10000"),
        ("PLUGIN_MAX_PORT", "25000"),
        ("GF_VERSION", "12.4.0"),
        ("GF_EDITION", "oss"),
        ("GF_APP_URL", "http://localhost:3000/"),
        ("GF_PLUGIN_VERSION", "0.1.0"),
        ("GF_INSTANCE_FEATURE_TOGGLES_ENABLE", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for name in [
        "PLUGIN_UNIX_SOCKET_DIR",
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        if let Ok(v) = std::env::var(name) {
            env.push((name.to_string(), v));
        }
    }
    // Not Grafana's, but a test's own choice of log level is kept.
    if let Ok(v) = std::env::var("RUST_LOG") {
        env.push(("RUST_LOG".into(), v));
    }
    env
}

/// Lines a child printed, kept for error messages.
type Captured = Arc<Mutex<String>>;

fn capture(stream: impl Read + Send + 'static, into: Captured) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut buf = into.lock();
            buf.push_str(&line);
            buf.push('\n');
        }
    });
}

/// How to start a plugin process.
#[derive(Debug, Clone)]
pub struct PluginCommand {
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    timeout: Duration,
}

impl PluginCommand {
    /// Any executable, started with Grafana's environment.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env: grafana_env(),
            timeout: HANDSHAKE_TIMEOUT,
        }
    }

    #[must_use]
    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    #[must_use]
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    #[must_use]
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Starts the process, waits for the handshake and connects.
    ///
    /// # Errors
    /// See [`PluginError`]; every variant after the spawn carries the child's stderr.
    pub async fn spawn(self) -> Result<PluginProcess, PluginError> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| PluginError::Spawn {
                path: self.program.clone(),
                source,
            })?;
        let (stdout, stderr) = (Captured::default(), Captured::default());
        if let Some(err) = child.stderr.take() {
            capture(err, stderr.clone());
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<Option<String>>();
        if let Some(out) = child.stdout.take() {
            let rest = stdout.clone();
            std::thread::spawn(move || {
                let mut lines = BufReader::new(out).lines();
                let first = lines
                    .by_ref()
                    .map_while(Result::ok)
                    .find(|l| !l.trim().is_empty());
                let _ = tx.send(first);
                for line in lines.map_while(Result::ok) {
                    let mut buf = rest.lock();
                    buf.push_str(&line);
                    buf.push('\n');
                }
            });
        }
        let mut process = PluginProcess {
            child,
            stdout,
            stderr,
            handshake: None,
            channel: None,
        };
        let line = match tokio::time::timeout(self.timeout, rx).await {
            Err(_) => {
                return Err(PluginError::HandshakeTimeout {
                    timeout: self.timeout,
                    stderr: process.stderr(),
                })
            }
            Ok(Ok(Some(line))) => line,
            Ok(_) => {
                let status = process
                    .wait_exit(Duration::from_secs(2))
                    .await
                    .map_or("still running".into(), |s| s.to_string());
                let stderr = process.settled_stderr().await;
                return Err(PluginError::ExitedEarly { status, stderr });
            }
        };
        let handshake = match parse_handshake(&line) {
            Ok(h) => h,
            Err(reason) => {
                let stderr = process.settled_stderr().await;
                return Err(PluginError::BadHandshake {
                    line,
                    reason,
                    stderr,
                });
            }
        };
        let addr = format!("http://{}", handshake.address);
        let endpoint =
            Channel::from_shared(addr.clone()).map_err(|_| PluginError::BadHandshake {
                line: line.clone(),
                reason: "address is not a valid URI".into(),
                stderr: process.stderr(),
            })?;
        let channel = endpoint
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
            .map_err(|source| PluginError::Connect { addr, source })?;
        process.handshake = Some(handshake);
        process.channel = Some(channel);
        Ok(process)
    }
}

/// A running plugin with a gRPC channel to it. Killed on drop.
#[derive(Debug)]
pub struct PluginProcess {
    child: Child,
    stdout: Captured,
    stderr: Captured,
    handshake: Option<Handshake>,
    channel: Option<Channel>,
}

impl PluginProcess {
    /// Starts this crate's `canary-lens` binary as Grafana would, with extra env vars.
    ///
    /// # Errors
    /// See [`PluginError`].
    pub async fn spawn(extra_env: &[(&str, &str)]) -> Result<Self, PluginError> {
        let mut cmd = PluginCommand::new(env!("CARGO_BIN_EXE_canary-lens"));
        for (k, v) in extra_env {
            cmd = cmd.env(k, v);
        }
        cmd.spawn().await
    }

    /// The parsed handshake.
    pub fn handshake(&self) -> &Handshake {
        self.handshake
            .as_ref()
            .unwrap_or_else(|| unreachable!("set by spawn"))
    }

    /// The gRPC channel (cheap to clone).
    pub fn channel(&self) -> Channel {
        self.channel
            .clone()
            .unwrap_or_else(|| unreachable!("set by spawn"))
    }

    pub fn data(&self) -> DataClient<Channel> {
        DataClient::new(self.channel())
    }

    pub fn diagnostics(&self) -> DiagnosticsClient<Channel> {
        DiagnosticsClient::new(self.channel())
    }

    pub fn resource(&self) -> ResourceClient<Channel> {
        ResourceClient::new(self.channel())
    }

    pub fn stream(&self) -> StreamClient<Channel> {
        StreamClient::new(self.channel())
    }

    /// What go-plugin's client does to see the plugin is alive: the gRPC health check
    /// of service `plugin`. True when it answers SERVING.
    pub async fn ping(&self) -> bool {
        use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
        let mut client = HealthClient::new(self.channel());
        let reply = client
            .check(HealthCheckRequest {
                service: "plugin".into(),
            })
            .await;
        reply.is_ok_and(|r| r.into_inner().status == 1)
    }

    /// QueryData, as a panel refresh does.
    ///
    /// # Errors
    /// The gRPC status when the call itself fails.
    pub async fn query(
        &self,
        settings: &DsSettings,
        queries: Vec<QuerySpec>,
    ) -> Result<pluginv2::QueryDataResponse, tonic::Status> {
        let request = pluginv2::QueryDataRequest {
            plugin_context: Some(settings.plugin_context()),
            headers: HashMap::new(),
            queries: queries.iter().map(QuerySpec::to_proto).collect(),
        };
        Ok(self.data().query_data(request).await?.into_inner())
    }

    /// CheckHealth, as "Save & test" does.
    ///
    /// # Errors
    /// The gRPC status when the call itself fails.
    pub async fn check_health(
        &self,
        settings: &DsSettings,
    ) -> Result<pluginv2::CheckHealthResponse, tonic::Status> {
        let request = pluginv2::CheckHealthRequest {
            plugin_context: Some(settings.plugin_context()),
            ..Default::default()
        };
        Ok(self.diagnostics().check_health(request).await?.into_inner())
    }

    /// A GET CallResource, as `/api/datasources/uid/<uid>/resources/<path>` does:
    /// `path` without leading slash, `url` with the query string.
    ///
    /// # Errors
    /// The gRPC status when the call or its stream fails.
    pub async fn call_resource(
        &self,
        settings: &DsSettings,
        path: &str,
        url: &str,
    ) -> Result<ResourceReply, tonic::Status> {
        let request = pluginv2::CallResourceRequest {
            plugin_context: Some(settings.plugin_context()),
            path: path.trim_start_matches('/').to_string(),
            method: "GET".into(),
            url: url.to_string(),
            ..Default::default()
        };
        let mut stream = self.resource().call_resource(request).await?.into_inner();
        let mut reply = ResourceReply {
            code: 0,
            headers: HashMap::new(),
            body: Vec::new(),
        };
        while let Some(chunk) = stream.message().await? {
            if reply.code == 0 {
                reply.code = chunk.code;
                reply.headers = chunk
                    .headers
                    .into_iter()
                    .map(|(k, v)| (k, v.values))
                    .collect();
            }
            reply.body.extend_from_slice(&chunk.body);
        }
        Ok(reply)
    }

    /// Everything the plugin wrote to stderr so far (its logs).
    pub fn stderr(&self) -> String {
        self.stderr.lock().clone()
    }

    /// Everything the plugin wrote to stdout after the handshake line.
    pub fn stdout(&self) -> String {
        self.stdout.lock().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, if the process has ended.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(status) = self.try_exit_status() {
                return Some(status);
            }
            if tokio::time::Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stderr after giving the reader thread a moment to catch up.
    async fn settled_stderr(&self) -> String {
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.stderr()
    }

    /// Kills the process and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PluginProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
