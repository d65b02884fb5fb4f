//! Building a Kubernetes client from the datasource's connection settings.

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::settings::KubeConnection;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not read the kubeconfig {where_}: {source}")]
    Kubeconfig {
        where_: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("the plugin is not running in a Kubernetes pod (no service account found); choose the kubeconfig or API URL connection mode: {0}")]
    InCluster(#[source] kube::config::InClusterError),
    #[error("no Kubernetes connection could be inferred (not in a pod, and no kubeconfig at $KUBECONFIG or ~/.kube/config): {0}")]
    Infer(#[source] kube::config::InferConfigError),
    #[error("the Kubernetes connection settings are invalid: {0}")]
    Settings(String),
    #[error("could not create a Kubernetes client: {0}")]
    Client(#[source] kube::Error),
}

/// The client configuration for a connection, without contacting the server.
///
/// # Errors
/// When the kubeconfig cannot be read or the context does not exist, when in-cluster
/// mode is chosen outside a pod, or when the URL settings cannot form a config.
pub async fn config(conn: &KubeConnection) -> Result<Config, Error> {
    match conn {
        KubeConnection::Auto => Config::infer().await.map_err(Error::Infer),
        KubeConnection::InCluster => Config::incluster().map_err(Error::InCluster),
        KubeConnection::Kubeconfig { path, context } => {
            let (kubeconfig, where_) = match path {
                Some(p) => (Kubeconfig::read_from(p), format!("at {p}")),
                None => (
                    Kubeconfig::read(),
                    "from $KUBECONFIG or ~/.kube/config".into(),
                ),
            };
            let kubeconfig = kubeconfig.map_err(|source| Error::Kubeconfig {
                where_: where_.clone(),
                source,
            })?;
            let options = KubeConfigOptions {
                context: context.clone(),
                ..KubeConfigOptions::default()
            };
            Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|source| Error::Kubeconfig { where_, source })
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
                .map_err(|source| Error::Kubeconfig {
                    where_: "built from the API URL settings".into(),
                    source,
                })
        }
    }
}

/// A client for the connection.
///
/// # Errors
/// See [`config`]; also when the TLS setup cannot be built.
pub async fn connect(conn: &KubeConnection) -> Result<(Client, String), Error> {
    let mut config = config(conn).await?;
    // kube-rs retries 429/503/504 with backoff growing to minutes inside one call; the
    // watchers have their own backoff, and a health check or query must answer promptly.
    config.default_retry = false;
    config.connect_timeout = Some(std::time::Duration::from_secs(5));
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(Error::Client)?;
    Ok((client, server))
}
