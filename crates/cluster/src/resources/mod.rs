//! The read path of the resource browser: discovered kinds and one watch cache per kind, started
//! on first use and stopped when idle.
//!
//! [`Resources`] composes [`Kinds`] (what the cluster serves) with [`ResourceCache`]s (what it
//! holds). Reads wait briefly for a new cache's first list and otherwise say it is still loading;
//! a cache whose list the API server refuses reports that refusal, naming verb and resource.

mod cache;
mod packed;
mod raw;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use kube::Client;
use tokio::task::JoinHandle;

pub use cache::{CacheConfig, Change, Objects, ResourceCache, SyncState, WatchFailure};
pub use packed::PackedJson;

use crate::discovery::{KindInfo, KindSet, Kinds};
use crate::{Error, Result};

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

/// `group/version/resource`, with `@namespace` for a cache of one namespace.
fn cache_key(kind: &KindInfo, namespace: Option<&str>) -> String {
    let key = format!("{}/{}/{}", kind.group, kind.version, kind.resource);
    match namespace {
        Some(namespace) => format!("{key}@{namespace}"),
        None => key,
    }
}

/// Kinds and caches of one cluster, read with one identity.
pub struct Resources {
    client: Client,
    /// Who the caches read as, for messages (`the kubeconfig user alice`).
    identity: String,
    config: ResourcesConfig,
    kinds: OnceLock<Kinds>,
    caches: Arc<Mutex<HashMap<String, Arc<ResourceCache>>>>,
    reaper: OnceLock<JoinHandle<()>>,
    /// Fills the usage columns of pods, workloads and nodes.
    metrics: Option<Arc<crate::metrics::Metrics>>,
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
            metrics: None,
        }
    }

    /// Lists of pods, workloads and nodes join their usage from `metrics`.
    #[must_use]
    pub fn metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
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
        self.kinds()
            .current(crate::discovery::FIRST_DISCOVERY_TIMEOUT)
            .await
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
        // A CRD created a moment ago; but a script asking for unknown paths in a loop must not
        // make every request a discovery (N+2 requests to the API server).
        let recent = set.discovered_at.is_some_and(|at| {
            jiff::Timestamp::now().duration_since(at) < jiff::SignedDuration::from_secs(1)
        });
        let set = if recent {
            set
        } else {
            self.kinds().rediscover(Duration::from_secs(5)).await?
        };
        match set.find(group, version, resource) {
            Some(kind) => Ok((kind, set)),
            None => Err(Error::UnknownResource {
                group: group.into(),
                version: version.into(),
                resource: resource.into(),
            }),
        }
    }

    /// The cache of the kind at `group/version/resource` (in `namespace` only, or all), started
    /// if needed.
    pub async fn cache(
        &self,
        group: &str,
        version: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Result<Arc<ResourceCache>> {
        if self.forget_removed() {
            // Discovery may not have seen the CRD go yet; a CRD made again is found anew.
            self.kinds().rediscover(Duration::from_secs(5)).await?;
        }
        let (kind, set) = self.kind(group, version, resource).await?;
        for verb in ["list", "watch"] {
            if !kind.supports(verb) {
                return Err(Error::VerbNotSupported {
                    resource: kind.qualified_resource(),
                    verb,
                });
            }
        }
        let namespace = namespace.filter(|_| kind.namespaced);
        let (schema, tag) = set.schema(&kind);
        let key = cache_key(&kind, namespace);
        self.start_reaper();
        let mut caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        match caches.get(&key) {
            Some(cache) if cache.schema_tag() == tag => return Ok(cache.clone()),
            Some(outdated) => outdated.retire(),
            None => {}
        }
        tracing::debug!(resource = %kind.qualified_resource(), version = %kind.version, namespace, "starting watch cache");
        let cache = Arc::new(
            ResourceCache::start(
                self.client.clone(),
                kind,
                namespace.map(str::to_string),
                schema,
                tag,
                &self.config.cache,
            )
            .with_metrics(self.metrics.clone()),
        );
        caches.insert(key, cache.clone());
        Ok(cache)
    }

    /// The cache for a list of `namespaces` (empty: all), once its first list completed or
    /// `first_list_wait` passed (then it is still loading: see [`SyncState::synced`]).
    ///
    /// One cache per kind watches all namespaces. When the API server refuses that and the list
    /// asks for exactly one namespace, a cache of that namespace alone is used: an identity with
    /// access to a few namespaces can still browse them. A refused list is an error naming verb,
    /// resource and namespace.
    pub async fn settled_cache(
        &self,
        group: &str,
        version: &str,
        resource: &str,
        namespaces: &[String],
    ) -> Result<(Arc<ResourceCache>, SyncState)> {
        let (kind, _) = self.kind(group, version, resource).await?;
        let single = match namespaces {
            [one] if kind.namespaced => Some(one.as_str()),
            _ => None,
        };
        // A namespace already watched on its own: the identity could not list them all.
        if let Some(namespace) = single
            && self.running(&kind, Some(namespace)).is_some()
        {
            return self.settle(group, version, resource, Some(namespace)).await;
        }
        match self.settle(group, version, resource, None).await {
            Err(Error::Refused { code: 403, .. }) if single.is_some() => {
                self.settle(group, version, resource, single).await
            }
            other => other,
        }
    }

    async fn settle(
        &self,
        group: &str,
        version: &str,
        resource: &str,
        namespace: Option<&str>,
    ) -> Result<(Arc<ResourceCache>, SyncState)> {
        let cache = self.cache(group, version, resource, namespace).await?;
        let state = cache.settle(self.config.first_list_wait).await;
        if let Some(failure) = state.failure.as_ref().filter(|f| f.is_refusal()) {
            let namespace = cache.namespace().map(str::to_string);
            return Err(self.refused(&cache, "list", namespace, failure));
        }
        Ok((cache, state))
    }

    /// The running cache of `kind` (in `namespace` only, or `None`: all namespaces), if one was
    /// started by a list or live view; never starts one. Details read from it when it is synced.
    pub fn running_cache(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
    ) -> Option<Arc<ResourceCache>> {
        self.running(kind, namespace)
    }

    fn running(&self, kind: &KindInfo, namespace: Option<&str>) -> Option<Arc<ResourceCache>> {
        let caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        caches
            .get(&cache_key(kind, namespace))
            .filter(|cache| !cache.state().removed)
            .cloned()
    }

    /// Drops the caches whose resource the API server stopped serving (the reaper does too,
    /// later); whether there were any.
    fn forget_removed(&self) -> bool {
        let mut caches = self.caches.lock().unwrap_or_else(|p| p.into_inner());
        let before = caches.len();
        caches.retain(|_, cache| !cache.state().removed);
        caches.len() != before
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
            namespaced: cache.kind().namespaced,
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
                        if cache.state().removed {
                            tracing::debug!(resource = %key, "dropping the cache of a resource no longer served");
                            return false;
                        }
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
