//! What a datasource may take from the Grafana host: kubeconfig files and Grafana's own
//! in-cluster identity. These are the Grafana admin's choice, made in grafana.ini, not a
//! datasource editor's: anyone who may edit a datasource could otherwise point it at
//! any file on the server, or borrow the service account of Grafana's pod.
//!
//! ```ini
//! [plugin.canarylens-rollouts-datasource]
//! ; kubeconfig files a datasource may name must lie in this folder
//! kubeconfig_dir = /etc/grafana/kubeconfigs
//! ; datasources may use the service account of Grafana's pod (inCluster and auto modes)
//! allow_in_cluster = true
//! ```
//!
//! Grafana passes each key of that section to the plugin process as `GF_PLUGIN_<KEY>` in
//! upper case (grafana pkg/services/pluginsintegration/pluginconfig/envvars.go,
//! `pluginSettingsEnvVars`). Since Grafana 12.4 the plugin process gets no other host
//! variables (pkg/plugins/envvars/envvars.go lists the proxy variables only), so
//! `KUBERNETES_SERVICE_HOST`/`_PORT` are absent unless `[plugins] forward_host_env_vars`
//! names this plugin; in-cluster mode then reaches the API server by its cluster DNS
//! name, as kube-rs `Config::incluster_dns` does.

use std::path::{Path, PathBuf};

/// The plugin's id, whose grafana.ini section holds these options.
pub const PLUGIN_ID: &str = "canarylens-rollouts-datasource";

/// Where Kubernetes mounts a pod's service-account token, CA and namespace.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The API server by its cluster DNS name (what kube-rs `Config::incluster_dns` uses).
pub const IN_CLUSTER_DNS_URL: &str = "https://kubernetes.default.svc";

/// The host access an admin granted, read once at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostAccess {
    /// Kubeconfig files must lie in this folder (canonical path); `None`: no files.
    pub kubeconfig_dir: Option<PathBuf>,
    /// Whether datasources may use Grafana's own service account.
    pub in_cluster: bool,
    /// Where the service-account files are (`service_account_dir`, for pods that mount
    /// them elsewhere).
    pub service_account_dir: PathBuf,
    /// The API server for in-cluster mode (`in_cluster_api_url`), overriding both the
    /// service variables and the DNS name.
    pub in_cluster_url: Option<String>,
    /// `KUBERNETES_SERVICE_HOST`/`_PORT`, when Grafana forwards them.
    pub service_env: Option<(String, String)>,
    /// The command-line tool: the user's own kubeconfig and identity, no limits.
    pub unrestricted: bool,
}

impl HostAccess {
    /// What the plugin process was given by Grafana.
    pub fn from_env() -> Self {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// As [`from_env`](Self::from_env), from any variable source.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| {
            var(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let kubeconfig_dir = get("GF_PLUGIN_KUBECONFIG_DIR").map(|d| {
            // A folder that does not exist allows nothing; keep it as written so that
            // the message can name it.
            std::fs::canonicalize(&d).unwrap_or_else(|_| PathBuf::from(d))
        });
        let in_cluster = get("GF_PLUGIN_ALLOW_IN_CLUSTER").is_some_and(|v| {
            matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
        });
        let service_env = match (
            get("KUBERNETES_SERVICE_HOST"),
            get("KUBERNETES_SERVICE_PORT"),
        ) {
            (Some(h), Some(p)) => Some((h, p)),
            _ => None,
        };
        HostAccess {
            kubeconfig_dir,
            in_cluster,
            service_account_dir: get("GF_PLUGIN_SERVICE_ACCOUNT_DIR")
                .map_or_else(|| PathBuf::from(SERVICE_ACCOUNT_DIR), PathBuf::from),
            in_cluster_url: get("GF_PLUGIN_IN_CLUSTER_API_URL"),
            service_env,
            unrestricted: false,
        }
    }

    /// The command-line tool's access: whatever the user running it can read.
    pub fn unrestricted() -> Self {
        HostAccess {
            unrestricted: true,
            in_cluster: true,
            ..Self::from_env()
        }
    }

    /// The kubeconfig file a datasource names, if the admin allows it.
    ///
    /// # Errors
    /// A sentence for the datasource editor: files are off, or this one lies outside
    /// the allowed folder (or does not exist). Never any of the file's content.
    pub fn kubeconfig_file(&self, path: &str) -> Result<PathBuf, String> {
        if self.unrestricted {
            return Ok(PathBuf::from(path));
        }
        let Some(dir) = &self.kubeconfig_dir else {
            return Err(format!(
                "kubeconfig files are turned off for datasources: a Grafana admin allows a folder of them with kubeconfig_dir in [plugin.{PLUGIN_ID}] of grafana.ini"
            ));
        };
        let outside = || {
            format!(
                "the kubeconfig {path:?} is not a file in the folder the Grafana admin allows ({}, kubeconfig_dir in [plugin.{PLUGIN_ID}] of grafana.ini)",
                dir.display()
            )
        };
        // Resolve links and `..` before comparing, so that no path leaves the folder.
        let real = std::fs::canonicalize(Path::new(path)).map_err(|_| outside())?;
        if real.starts_with(dir) && real.is_file() {
            Ok(real)
        } else {
            Err(outside())
        }
    }

    /// Why in-cluster identity may not be used, if it may not.
    pub fn in_cluster_refusal(&self) -> Option<String> {
        (!self.in_cluster && !self.unrestricted).then(|| {
            format!(
                "Grafana's own Kubernetes identity (in-cluster mode) is turned off for datasources: a Grafana admin allows it with allow_in_cluster = true in [plugin.{PLUGIN_ID}] of grafana.ini; or choose the API URL mode with a token"
            )
        })
    }

    /// The API server URL for in-cluster mode, and whether it is the DNS fallback.
    pub fn in_cluster_server(&self) -> (String, bool) {
        if let Some(url) = &self.in_cluster_url {
            return (url.clone(), false);
        }
        match &self.service_env {
            Some((host, port)) => {
                // An IPv6 service address needs brackets in a URL.
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                (format!("https://{host}:{port}"), false)
            }
            None => (IN_CLUSTER_DNS_URL.to_string(), true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HostAccess {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HostAccess::from_vars(|k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn nothing_is_allowed_unless_the_admin_says_so() {
        let host = vars(&[("GF_VERSION", "12.4.0")]);
        assert!(host.kubeconfig_file("/etc/passwd").is_err());
        assert!(host.in_cluster_refusal().is_some());
        let msg = host.kubeconfig_file("/etc/passwd").unwrap_err();
        assert!(
            msg.contains("kubeconfig_dir") && msg.contains(PLUGIN_ID),
            "{msg}"
        );
    }

    #[test]
    fn kubeconfig_files_only_inside_the_allowed_folder() {
        let dir = std::env::temp_dir().join(format!("cl-host-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("ok")).unwrap();
        std::fs::write(dir.join("ok/config"), "x").unwrap();
        std::fs::write(dir.join("secret"), "x").unwrap();
        let host = vars(&[("GF_PLUGIN_KUBECONFIG_DIR", dir.join("ok").to_str().unwrap())]);
        assert!(host
            .kubeconfig_file(dir.join("ok/config").to_str().unwrap())
            .is_ok());
        // `..` and absolute paths elsewhere are refused, with no content in the message.
        let escape = dir.join("ok/../secret");
        let msg = host.kubeconfig_file(escape.to_str().unwrap()).unwrap_err();
        assert!(msg.contains("not a file in the folder"), "{msg}");
        assert!(host.kubeconfig_file("/etc/passwd").is_err());
        assert!(host
            .kubeconfig_file(dir.join("ok").to_str().unwrap())
            .is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn in_cluster_server_prefers_override_then_forwarded_variables_then_dns() {
        let host = vars(&[("GF_PLUGIN_ALLOW_IN_CLUSTER", "true")]);
        assert!(host.in_cluster_refusal().is_none());
        assert_eq!(
            host.in_cluster_server(),
            (IN_CLUSTER_DNS_URL.to_string(), true)
        );
        let host = vars(&[
            ("KUBERNETES_SERVICE_HOST", "fd00::1"),
            ("KUBERNETES_SERVICE_PORT", "443"),
        ]);
        assert_eq!(host.in_cluster_server().0, "https://[fd00::1]:443");
        let host = vars(&[
            ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
            ("KUBERNETES_SERVICE_PORT", "443"),
            ("GF_PLUGIN_IN_CLUSTER_API_URL", "https://api.internal:6443"),
        ]);
        assert_eq!(host.in_cluster_server().0, "https://api.internal:6443");
    }
}
