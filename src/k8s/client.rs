//! Building a Kubernetes client from the datasource's connection settings.

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use crate::host::HostAccess;
use crate::settings::KubeConnection;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Never carries the file's content: kube's YAML errors quote the offending lines.
    #[error("could not use the kubeconfig {where_}: {reason}")]
    Kubeconfig { where_: String, reason: String },
    /// The Grafana admin has not allowed this use of the host (see [`HostAccess`]).
    #[error("{0}")]
    NotAllowed(String),
    #[error("in-cluster mode needs a service account token at {0}/token, and there is none: Grafana is not running in a pod with a mounted service account token (automountServiceAccountToken), or the admin set service_account_dir in [plugin.{plugin}] of grafana.ini to another folder", plugin = crate::host::PLUGIN_ID)]
    NoServiceAccount(String),
    #[error("no Kubernetes connection could be inferred (not in a pod, and no kubeconfig at $KUBECONFIG or ~/.kube/config): {0}")]
    Infer(#[source] kube::config::InferConfigError),
    #[error("the Kubernetes connection settings are invalid: {0}")]
    Settings(String),
    #[error("could not create a Kubernetes client: {0}")]
    Client(#[source] kube::Error),
}

/// A client configuration and what a user should know about how it was chosen.
#[derive(Debug)]
pub struct Resolved {
    pub config: Config,
    /// Set when in-cluster mode fell back to the cluster DNS name: the hint to give if
    /// the server cannot be reached.
    pub note: Option<String>,
}

/// What went wrong with a kubeconfig, in words that quote nothing from the file.
fn describe(e: &KubeconfigError) -> String {
    match e {
        KubeconfigError::ReadConfig(io, _) => format!("it cannot be read ({})", io.kind()),
        KubeconfigError::Parse(_) => "it is not a valid kubeconfig (YAML) file".into(),
        KubeconfigError::CurrentContextNotSet => {
            "it sets no current context; name one in the datasource (Kubernetes section, context)"
                .into()
        }
        KubeconfigError::LoadContext(_) => {
            "the context the datasource names (or the file's current context) is not in it".into()
        }
        KubeconfigError::LoadClusterOfContext(_) => {
            "the chosen context names a cluster that is not in it".into()
        }
        KubeconfigError::MissingClusterUrl => "the chosen cluster has no server URL".into(),
        KubeconfigError::ParseClusterUrl(_) => {
            "the chosen cluster's server URL is not valid".into()
        }
        KubeconfigError::LoadCertificateAuthority(_) | KubeconfigError::ParseCertificates(_) => {
            "its certificate authority could not be loaded".into()
        }
        KubeconfigError::LoadClientCertificate(_) | KubeconfigError::LoadClientKey(_) => {
            "its client certificate or key could not be loaded".into()
        }
        _ => "it could not be loaded".into(),
    }
}

fn kubeconfig_error(where_: &str, e: &KubeconfigError, host: &HostAccess) -> Error {
    let mut reason = describe(e);
    // The command-line tool reads the user's own file: the details are theirs.
    if host.unrestricted {
        reason = format!("{reason} ({e})");
    }
    Error::Kubeconfig {
        where_: where_.to_string(),
        reason,
    }
}

/// The in-cluster configuration: the service account's token file, CA and namespace,
/// and the API server from [`HostAccess::in_cluster_server`]. Built as an in-memory
/// kubeconfig naming the files, so kube-rs loads them (and re-reads the rotating token)
/// as it does for its own in-cluster mode.
async fn in_cluster(host: &HostAccess) -> Result<Resolved, Error> {
    let dir = &host.service_account_dir;
    let token = dir.join("token");
    if !token.is_file() {
        return Err(Error::NoServiceAccount(dir.display().to_string()));
    }
    let (server, dns_fallback) = host.in_cluster_server();
    let mut cluster = serde_json::json!({ "server": server });
    let ca = dir.join("ca.crt");
    if ca.is_file() {
        cluster["certificate-authority"] = ca.display().to_string().into();
    }
    let namespace = std::fs::read_to_string(dir.join("namespace"))
        .ok()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let mut context = serde_json::json!({ "cluster": "in-cluster", "user": "in-cluster" });
    if let Some(ns) = namespace {
        context["namespace"] = ns.into();
    }
    let doc = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{ "name": "in-cluster", "cluster": cluster }],
        "users": [{ "name": "in-cluster", "user": { "tokenFile": token.display().to_string() } }],
        "contexts": [{ "name": "in-cluster", "context": context }],
        "current-context": "in-cluster",
    });
    let kubeconfig: Kubeconfig = serde_json::from_value(doc)
        .map_err(|e| Error::Settings(format!("could not build the in-cluster config: {e}")))?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|e| kubeconfig_error("of the service account", &e, host))?;
    let note = dns_fallback.then(|| {
        format!(
            "in-cluster mode used {server} because KUBERNETES_SERVICE_HOST is not set (Grafana 12.4 and later pass plugins only GF_* and proxy variables); if that name does not resolve from Grafana's pod, add {plugin} to forward_host_env_vars in [plugins] of grafana.ini, or set in_cluster_api_url in [plugin.{plugin}]",
            plugin = crate::host::PLUGIN_ID
        )
    });
    Ok(Resolved { config, note })
}

/// The client configuration for a connection, without contacting the server.
///
/// # Errors
/// When the kubeconfig cannot be read or the context does not exist, when in-cluster
/// mode is chosen outside a pod, when the Grafana admin has not allowed the host
/// access the mode needs, or when the URL settings cannot form a config.
pub async fn config(conn: &KubeConnection, host: &HostAccess) -> Result<Resolved, Error> {
    let plain = |config| Resolved { config, note: None };
    match conn {
        KubeConnection::Auto if host.unrestricted => {
            Config::infer().await.map(plain).map_err(Error::Infer)
        }
        KubeConnection::Auto | KubeConnection::InCluster => {
            if let Some(refusal) = host.in_cluster_refusal() {
                return Err(Error::NotAllowed(refusal));
            }
            in_cluster(host).await
        }
        KubeConnection::Kubeconfig { path, context } => {
            let (kubeconfig, where_) = match path {
                Some(p) => {
                    let file = host.kubeconfig_file(p).map_err(Error::NotAllowed)?;
                    let where_ = format!("at {p}");
                    let kc = Kubeconfig::read_from(&file)
                        .map_err(|e| kubeconfig_error(&where_, &e, host))?;
                    (kc, where_)
                }
                None if host.unrestricted => {
                    let where_ = "from $KUBECONFIG or ~/.kube/config".to_string();
                    let kc = Kubeconfig::read().map_err(|e| kubeconfig_error(&where_, &e, host))?;
                    (kc, where_)
                }
                None => {
                    return Err(Error::Settings(
                        "the kubeconfig mode needs the path of a kubeconfig file (Kubernetes section, kubeconfig path)"
                            .into(),
                    ))
                }
            };
            let options = KubeConfigOptions {
                context: context.clone(),
                ..KubeConfigOptions::default()
            };
            Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map(plain)
                .map_err(|e| kubeconfig_error(&where_, &e, host))
        }
        KubeConnection::Url {
            url,
            token,
            ca_cert,
            tls_skip_verify,
        } => {
            // An in-memory kubeconfig lets kube-rs parse the CA and wire the token the
            // same way it does for files.
            use base64::Engine;
            let mut cluster = serde_json::json!({ "server": url });
            if let Some(ca) = ca_cert {
                cluster["certificate-authority-data"] = base64::engine::general_purpose::STANDARD
                    .encode(ca.expose())
                    .into();
            }
            if *tls_skip_verify {
                cluster["insecure-skip-tls-verify"] = true.into();
            }
            let mut user = serde_json::json!({});
            if let Some(t) = token {
                user["token"] = t.expose().into();
            }
            let doc = serde_json::json!({
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{ "name": "grafana", "cluster": cluster }],
                "users": [{ "name": "grafana", "user": user }],
                "contexts": [{ "name": "grafana", "context": { "cluster": "grafana", "user": "grafana" } }],
                "current-context": "grafana",
            });
            let kubeconfig: Kubeconfig = serde_json::from_value(doc)
                .map_err(|e| Error::Settings(format!("could not build a kubeconfig: {e}")))?;
            Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
                .await
                .map(plain)
                .map_err(|e| kubeconfig_error("built from the API URL settings", &e, host))
        }
    }
}

/// A client for the connection.
///
/// # Errors
/// See [`config`]; also when the TLS setup cannot be built.
pub async fn connect(
    conn: &KubeConnection,
    host: &HostAccess,
) -> Result<(Client, String, Option<String>), Error> {
    let Resolved { mut config, note } = config(conn, host).await?;
    // kube-rs retries 429/503/504 with backoff growing to minutes inside one call; the
    // watchers have their own backoff, and a health check or query must answer promptly.
    config.default_retry = false;
    config.connect_timeout = Some(std::time::Duration::from_secs(5));
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(Error::Client)?;
    Ok((client, server, note))
}
