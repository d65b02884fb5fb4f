//! Per-datasource instances, keyed as Grafana's Go SDK keys them (organisation and
//! datasource id: a uid is unique within one organisation only) and rebuilt when
//! Grafana's `lastUpdatedMS` changes (Grafana never says a datasource was edited or
//! deleted; the Go SDK's instancemgmt rebuilds on `lastUpdatedMS`, and its TTL instance
//! manager evicts instances left unused, which [`Instances::evict_idle`] does here). An instance owns the settings and, once a query needs it, the
//! Kubernetes client and watch cache, and the Prometheus/Tempo clients
//! ([`Backends`]); replacing the instance drops the old cache and stops its watchers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::backends::{self, Backends};
use crate::host::HostAccess;
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

/// What Grafana sends about a datasource with each request. Its `Debug` leaves out the
/// settings and secrets.
#[derive(Clone, Default)]
pub struct DatasourceRef {
    /// The request's organisation.
    pub org_id: i64,
    /// The datasource's numeric id.
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub json_data: Vec<u8>,
    pub secure: HashMap<String, String>,
    pub last_updated_ms: i64,
}

impl std::fmt::Debug for DatasourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatasourceRef")
            .field("org_id", &self.org_id)
            .field("id", &self.id)
            .field("uid", &self.uid)
            .field("last_updated_ms", &self.last_updated_ms)
            .finish_non_exhaustive()
    }
}

/// The key of an instance: organisation, datasource id and uid.
pub type InstanceKey = (i64, i64, String);

impl DatasourceRef {
    pub fn key(&self) -> InstanceKey {
        (self.org_id, self.id, self.uid.clone())
    }
}

/// The Kubernetes side of an instance, created on first use.
pub struct Kube {
    pub client: kube::Client,
    /// The API server URL (for messages).
    pub server: String,
    /// How the server was chosen, when a user may need to know (the in-cluster DNS
    /// fallback): added to messages about an unreachable server.
    pub note: Option<String>,
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
    host: Arc<HostAccess>,
    kube: tokio::sync::OnceCell<Kube>,
    backends: std::sync::OnceLock<Result<Backends, backends::Error>>,
}

/// How long a query waits for the first sync of a new cache.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(20);

impl Instance {
    /// An instance for local use (the command-line tool, tests, benches): the host's
    /// kubeconfig and identity are the user's own.
    pub fn new(uid: &str, name: &str, settings: Settings) -> Self {
        Self::with_host(uid, name, settings, Arc::new(HostAccess::unrestricted()))
    }

    /// An instance limited to the host access the Grafana admin granted.
    pub fn with_host(uid: &str, name: &str, settings: Settings, host: Arc<HostAccess>) -> Self {
        Instance {
            uid: uid.to_string(),
            name: name.to_string(),
            settings,
            host,
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
                let (client, server, note) =
                    client::connect(&self.settings.kube, &self.host).await?;
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
                    note,
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

/// How long an instance may go unused before it is dropped with its watchers (the Go
/// SDK's TTL instance manager uses a TTL the same way).
pub const IDLE_TTL: Duration = Duration::from_secs(60 * 60);

struct Entry {
    last_updated_ms: i64,
    instance: Arc<Instance>,
    used: Instant,
}

/// The instances of every datasource this process has served.
pub struct Instances {
    host: Arc<HostAccess>,
    map: Mutex<HashMap<InstanceKey, Entry>>,
}

impl std::fmt::Debug for Instances {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instances")
            .field("host", &self.host)
            .field("count", &self.map.lock().len())
            .finish()
    }
}

impl Default for Instances {
    /// No host access at all: what a Grafana admin has not granted.
    fn default() -> Self {
        Self::new(HostAccess::default())
    }
}

impl Instances {
    pub fn new(host: HostAccess) -> Self {
        Instances {
            host: Arc::new(host),
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The instance for `ds`, rebuilt when its settings changed since it was made.
    ///
    /// # Errors
    /// When the settings do not parse or validate.
    pub fn get(&self, ds: &DatasourceRef) -> Result<Arc<Instance>, Error> {
        let key = ds.key();
        let mut map = self.map.lock();
        if let Some(entry) = map.get_mut(&key) {
            if entry.last_updated_ms == ds.last_updated_ms {
                entry.used = Instant::now();
                return Ok(entry.instance.clone());
            }
        }
        let settings = Settings::parse(&ds.json_data, &ds.secure)?;
        let inst = Arc::new(Instance::with_host(
            &ds.uid,
            &ds.name,
            settings,
            self.host.clone(),
        ));
        let entry = Entry {
            last_updated_ms: ds.last_updated_ms,
            instance: inst.clone(),
            used: Instant::now(),
        };
        if map.insert(key, entry).is_some() {
            tracing::info!(org = ds.org_id, datasource = %ds.uid, "settings changed; instance rebuilt");
        }
        Ok(inst)
    }

    /// Drops the instances unused for `ttl` (deleted datasources, which Grafana never
    /// announces); their watchers stop once no query holds them. Returns how many.
    pub fn evict_idle(&self, ttl: Duration) -> usize {
        let mut map = self.map.lock();
        let before = map.len();
        map.retain(|(org, _, uid), e| {
            let keep = e.used.elapsed() < ttl;
            if !keep {
                tracing::info!(org, datasource = %uid, "idle instance dropped");
            }
            keep
        });
        before - map.len()
    }

    /// How many instances are held.
    pub fn len(&self) -> usize {
        self.map.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    fn one_uid_in_two_organisations_is_two_instances() {
        let instances = Instances::default();
        let mut org1 = ds(1, r#"{"namespaces":["jesse-test"]}"#);
        org1.org_id = 1;
        org1.id = 7;
        let mut org2 = ds(1, r#"{"namespaces":["default"]}"#);
        org2.org_id = 2;
        org2.id = 9;
        let a = instances.get(&org1).unwrap();
        let b = instances.get(&org2).unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(
            a.settings.namespace_allowed("jesse-test") && !a.settings.namespace_allowed("default")
        );
        assert!(
            b.settings.namespace_allowed("default") && !b.settings.namespace_allowed("jesse-test")
        );
        assert_eq!(instances.len(), 2);
    }

    #[test]
    fn idle_instances_are_evicted() {
        let instances = Instances::default();
        let first = instances.get(&ds(1, "{}")).unwrap();
        assert_eq!(instances.evict_idle(Duration::from_secs(3600)), 0);
        assert_eq!(instances.evict_idle(Duration::ZERO), 1);
        assert!(instances.is_empty());
        let again = instances.get(&ds(1, "{}")).unwrap();
        assert!(!Arc::ptr_eq(&first, &again));
    }

    #[test]
    fn debug_leaves_out_settings_and_secrets() {
        let mut d = ds(1, r#"{"kubeUrl":"http://k"}"#);
        d.secure.insert("kubeToken".into(), "s3cret-token".into());
        let text = format!("{d:?}");
        assert!(
            !text.contains("s3cret") && !text.contains("kubeUrl"),
            "{text}"
        );
    }

    #[test]
    fn invalid_settings_are_an_error_not_a_cached_instance() {
        let instances = Instances::default();
        assert!(instances.get(&ds(1, r#"{"kubeMode":"bogus"}"#)).is_err());
        assert!(instances.get(&ds(2, "{}")).is_ok());
    }
}
