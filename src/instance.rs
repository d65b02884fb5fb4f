//! Per-datasource instances, cached by uid and rebuilt when Grafana's `lastUpdatedMS`
//! changes (Grafana never says a datasource was edited; the Go SDK's instancemgmt
//! works the same way). An instance owns the settings and, once a query needs it, the
//! Kubernetes client and watch cache, and the Prometheus/Tempo clients
//! ([`Backends`]); replacing the instance drops the old cache and stops its watchers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::backends::{self, Backends};
use crate::k8s::{cache, client, Cache};
use crate::settings::{self, Settings};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Settings(#[from] settings::Error),
    #[error(transparent)]
    Connect(#[from] client::Error),
    #[error(transparent)]
    Watch(#[from] cache::WatchError),
}

/// What Grafana sends about a datasource with each request.
#[derive(Debug, Clone, Default)]
pub struct DatasourceRef {
    pub uid: String,
    pub name: String,
    pub json_data: Vec<u8>,
    pub secure: HashMap<String, String>,
    pub last_updated_ms: i64,
}

/// The Kubernetes side of an instance, created on first use.
pub struct Kube {
    pub client: kube::Client,
    /// The API server URL (for messages).
    pub server: String,
    pub cache: Cache,
}

impl std::fmt::Debug for Kube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kube")
            .field("server", &self.server)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// One datasource: its settings and lazily started clients.
#[derive(Debug)]
pub struct Instance {
    pub uid: String,
    pub name: String,
    pub settings: Settings,
    kube: tokio::sync::OnceCell<Kube>,
    backends: std::sync::OnceLock<Result<Backends, backends::Error>>,
}

/// How long a query waits for the first sync of a new cache.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(20);

impl Instance {
    pub fn new(uid: &str, name: &str, settings: Settings) -> Self {
        Instance {
            uid: uid.to_string(),
            name: name.to_string(),
            settings,
            kube: tokio::sync::OnceCell::new(),
            backends: std::sync::OnceLock::new(),
        }
    }

    /// The Prometheus and Tempo clients, join and verdict settings, built on first use
    /// (no I/O) and kept for the life of the instance. Invalid settings stay an error
    /// until the datasource is saved again.
    ///
    /// # Errors
    /// The setting to fix.
    pub fn backends(&self) -> Result<&Backends, backends::Error> {
        self.backends
            .get_or_init(|| Backends::from_settings(&self.settings))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The client and watch cache, connecting and starting the watchers on first use.
    /// A failed connection is not remembered: the next call tries again.
    ///
    /// # Errors
    /// When no client can be built from the settings.
    pub async fn kube(&self) -> Result<&Kube, Error> {
        self.kube
            .get_or_try_init(|| async {
                let (client, server) = client::connect(&self.settings.kube).await?;
                let cache = Cache::start(
                    &client,
                    &cache::Config {
                        namespaces: self.settings.namespaces.clone(),
                    },
                );
                tracing::info!(datasource = %self.uid, server = %server, "watch cache started");
                Ok::<_, Error>(Kube {
                    client,
                    server,
                    cache,
                })
            })
            .await
    }

    /// The cache once it has synced.
    ///
    /// # Errors
    /// When the client cannot be built or the cache cannot sync in time.
    pub async fn synced_cache(&self) -> Result<&Kube, Error> {
        let kube = self.kube().await?;
        kube.cache.wait_synced(SYNC_TIMEOUT).await?;
        Ok(kube)
    }
}

/// The instances of every datasource this process has served.
#[derive(Debug, Default)]
pub struct Instances {
    map: Mutex<HashMap<String, (i64, Arc<Instance>)>>,
}

impl Instances {
    /// The instance for `ds`, rebuilt when its settings changed since it was made.
    ///
    /// # Errors
    /// When the settings do not parse or validate.
    pub fn get(&self, ds: &DatasourceRef) -> Result<Arc<Instance>, Error> {
        let mut map = self.map.lock();
        if let Some((updated, inst)) = map.get(&ds.uid) {
            if *updated == ds.last_updated_ms {
                return Ok(inst.clone());
            }
        }
        let settings = Settings::parse(&ds.json_data, &ds.secure)?;
        let inst = Arc::new(Instance::new(&ds.uid, &ds.name, settings));
        if map
            .insert(ds.uid.clone(), (ds.last_updated_ms, inst.clone()))
            .is_some()
        {
            tracing::info!(datasource = %ds.uid, "settings changed; instance rebuilt");
        }
        Ok(inst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(updated: i64, json: &str) -> DatasourceRef {
        DatasourceRef {
            uid: "a".into(),
            json_data: json.as_bytes().to_vec(),
            last_updated_ms: updated,
            ..DatasourceRef::default()
        }
    }

    #[test]
    fn an_instance_is_reused_until_the_settings_change() {
        let instances = Instances::default();
        let first = instances.get(&ds(1, "{}")).unwrap();
        let again = instances.get(&ds(1, "{}")).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let changed = instances.get(&ds(2, r#"{"namespaces":["shop"]}"#)).unwrap();
        assert!(!Arc::ptr_eq(&first, &changed));
        assert!(!changed.settings.namespace_allowed("other"));
    }

    #[test]
    fn invalid_settings_are_an_error_not_a_cached_instance() {
        let instances = Instances::default();
        assert!(instances.get(&ds(1, r#"{"kubeMode":"bogus"}"#)).is_err());
        assert!(instances.get(&ds(2, "{}")).is_ok());
    }
}
