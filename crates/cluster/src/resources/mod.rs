//! The read path of the resource browser: discovered kinds and one watch cache per kind, started
//! on first use and stopped when idle.
//!
//! [`Resources`] composes [`Kinds`] (what the cluster serves) with [`ResourceCache`]s (what it
//! holds). Reads wait briefly for a new cache's first list and otherwise say it is still loading;
//! a cache whose list the API server refuses reports that refusal, naming verb and resource.

mod cache;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use kube::Client;
use tokio::task::JoinHandle;

pub use cache::{CacheConfig, Change, Objects, ResourceCache, SyncState, WatchFailure};

use crate::discovery::{DiscoveryError, KindInfo, KindSet, Kinds};

/// How the resource caches behave.
#[derive(Debug, Clone)]
pub struct ResourcesConfig {
    /// A cache nobody has read or subscribed to for this long is stopped.
    pub idle_timeout: Duration,
    /// How long a list waits for a new cache's first list before answering "still loading".
    pub first_list_wait: Duration,
    pub cache: CacheConfig,
}

impl Default for ResourcesConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(300),
            first_list_wait: Duration::from_secs(3),
            cache: CacheConfig::default(),
        }
    }
}

impl ResourcesConfig {
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    #[must_use]
    pub fn first_list_wait(mut self, wait: Duration) -> Self {
        self.first_list_wait = wait;
        self
    }

    /// Changes a live view may fall behind before it is told to resync.
    #[must_use]
    pub fn feed_capacity(mut self, capacity: usize) -> Self {
        self.cache.feed_capacity = capacity;
        self
    }
}

/// Why a resource cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Discovery found no such resource (after discovering again).
    #[error(
        "the cluster serves no resource {resource} in {}; GET /api/v1/kinds lists the ones it serves",
        api_version(group, version)
    )]
    UnknownResource {
        group: String,
        version: String,
        resource: String,
    },
    /// The resource exists but cannot be listed or watched (e.g. `tokenreviews`, create-only).
    #[error("{resource} cannot be {verb}ed: the API server does not offer {verb} on it")]
    VerbNotSupported {
        resource: String,
        verb: &'static str,
    },
    /// The API server refused the identity (401 or 403).
    #[error(
        "{who} may not {verb} {resource} in {}: the API server said \"{message}\" ({code})",
        namespace.as_deref().map_or("all namespaces".to_string(), |ns| format!("namespace {ns}"))
    )]
    Refused {
        who: String,
        verb: &'static str,
        resource: String,
        namespace: Option<String>,
        code: u16,
        message: String,
    },
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
}

fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Kinds and caches of one cluster, read with one identity.
pub struct Resources {
    client: Client,
    /// Who the caches read as, for messages (`the kubeconfig user alice`).
    identity: String,
    config: ResourcesConfig,
    kinds: OnceLock<Kinds>,
    caches: Arc<Mutex<HashMap<String, Arc<ResourceCache>>>>,
    reaper: OnceLock<JoinHandle<()>>,
}

impl std::fmt::Debug for Resources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resources")
            .field("identity", &self.identity)
            .field("caches", &self.cache_keys())
            .finish_non_exhaustive()
    }
}

impl Resources {
    /// Nothing starts until first use.
    pub fn new(client: Client, identity: impl Into<String>, config: ResourcesConfig) -> Self {
        Self {
            client,
            identity: identity.into(),
            config,
            kinds: OnceLock::new(),
            caches: Arc::new(Mutex::new(HashMap::new())),
            reaper: OnceLock::new(),
        }
    }

    pub fn config(&self) -> &ResourcesConfig {
        &self.config
    }

    pub fn identity(&self) -> &str {
        &self.identity
    }

    fn kinds(&self) -> &Kinds {
        self.kinds.get_or_init(|| Kinds::start(self.client.clone()))
    }

    /// The kinds the cluster serves, from the latest discovery.
    pub async fn kind_set(&self) -> Result<Arc<KindSet>> {
        Ok(self
            .kinds()
            .current(crate::discovery::FIRST_DISCOVERY_TIMEOUT)
            .await?)
    }

    /// The kind at `group/version/resource`, discovering again if the last discovery lacked it.
    pub async fn kind(
        &self,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Result<(Arc<KindInfo>, Arc<KindSet>)> {
        let set = self.kind_set().await?;
        if let Some(kind) = set.find(group, version, resource) {
            return Ok((kind, set));
        }
        let set = self.kinds().rediscover(Duration::from_secs(5)).await?;
        match set.find(group, version, resource) {
            Some(kind) => Ok((kind, set)),
            None => Err(Error::UnknownResource {
                group: group.into(),
                version: version.into(),
                resource: resource.into(),
            }),
        }
    }

    /// The cache of the kind at `group/version/resource`, started if needed.
    pub async fn cache(
        &self,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Result<Arc<ResourceCache>> {
        let (kind, set) = self.kind(group, version, resource).await?;
        for verb in ["list", "watch"] {
            if !kind.supports(verb) {
                return Err(Error::VerbNotSupported {
                    resource: kind.qualified_resource(),
                    verb,
                });
            }
        }
        let (schema, tag) = set.schema(&kind);
        let key = format!("{}/{}/{}", kind.group, kind.version, kind.resource);
        self.start_reaper();
        let mut caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cache) = caches.get(&key)
            && cache.schema_tag() == tag
        {
            return Ok(cache.clone());
        }
        tracing::debug!(resource = %kind.qualified_resource(), version = %kind.version, "starting watch cache");
        let cache = Arc::new(ResourceCache::start(
            self.client.clone(),
            kind,
            schema,
            tag,
            &self.config.cache,
        ));
        caches.insert(key, cache.clone());
        Ok(cache)
    }

    /// The cache, once its first list completed or `first_list_wait` passed (then it is still
    /// loading: see [`SyncState::synced`]). A refused list is an error naming what was refused.
    pub async fn settled_cache(
        &self,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Result<(Arc<ResourceCache>, SyncState)> {
        let cache = self.cache(group, version, resource).await?;
        let state = cache.settle(self.config.first_list_wait).await;
        if let Some(failure) = state.failure.as_ref().filter(|f| f.is_refusal()) {
            return Err(self.refused(&cache, "list", None, failure));
        }
        Ok((cache, state))
    }

    /// The refusal of a cache's list as an error naming verb, resource and namespace.
    pub fn refused(
        &self,
        cache: &ResourceCache,
        verb: &'static str,
        namespace: Option<String>,
        failure: &WatchFailure,
    ) -> Error {
        Error::Refused {
            who: self.identity.clone(),
            verb,
            resource: cache.kind().qualified_resource(),
            namespace,
            code: failure.code.unwrap_or(403),
            message: failure.message.clone(),
        }
    }

    /// The keys (`group/version/resource`) of the running caches.
    pub fn cache_keys(&self) -> Vec<String> {
        let caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        let mut keys: Vec<String> = caches.keys().cloned().collect();
        keys.sort();
        keys
    }

    /// Stops caches nobody used for `idle_timeout` and nobody follows.
    fn start_reaper(&self) {
        self.reaper.get_or_init(|| {
            let caches: Weak<Mutex<HashMap<String, Arc<ResourceCache>>>> =
                Arc::downgrade(&self.caches);
            let idle = self.config.idle_timeout;
            let every = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(30));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let Some(caches) = caches.upgrade() else {
                        return;
                    };
                    let mut caches = caches.lock().unwrap_or_else(|p| p.into_inner());
                    caches.retain(|key, cache| {
                        let keep = cache.subscribers() > 0 || cache.idle_for() < idle;
                        if !keep {
                            tracing::debug!(resource = %key, "stopping idle watch cache");
                        }
                        keep
                    });
                }
            })
        });
    }
}

impl Drop for Resources {
    fn drop(&mut self) {
        if let Some(reaper) = self.reaper.get() {
            reaper.abort();
        }
    }
}
