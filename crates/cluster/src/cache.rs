//! Watch caches: one kube-runtime reflector per kind, started on first use, that lists are
//! served from instead of asking the API server on every request.
//!
//! Objects are stored without `managedFields`, which is often half of an object's size.
//! [`KindCache`] is the unit a generic per-kind cache grows from (rows computed at ingest, stopped
//! when idle); [`Caches`] holds the kinds the overview and the metrics need. Pods and ReplicaSets,
//! the numerous ones, are kept as [`PodFacts`] and [`ReplicaSetFacts`] by a [`ProjectedCache`],
//! not as decoded objects (see `facts`).

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use futures::StreamExt;
use hashbrown::HashTable;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::facts::{PodFacts, ReplicaSetFacts};
use crate::resources::WatchFailure;
use crate::{Error, Result};

/// How long a request waits for a cache's first list before failing with a clear error.
pub const FIRST_LIST_TIMEOUT: Duration = Duration::from_secs(10);

/// A reflector for one kind, across all namespaces or in one (as `api` says); the watch stops
/// when this is dropped.
pub struct KindCache<K: Resource<DynamicType = ()> + 'static> {
    kind: String,
    store: Store<K>,
    /// The last failure of the list or watch, cleared when events flow again.
    failure: watch::Receiver<Option<WatchFailure>>,
    task: JoinHandle<()>,
}

impl<K> KindCache<K>
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    /// Starts watching `api`; the store fills in the background, retrying with backoff on errors.
    pub fn start(api: Api<K>) -> Self {
        let kind = K::kind(&()).into_owned();
        let task_kind = kind.clone();
        let (store, writer) = reflector::store();
        let (failures, failure) = watch::channel(None);
        let stream = watcher(api, watcher::Config::default())
            .default_backoff()
            .modify(|object: &mut K| object.managed_fields_mut().clear())
            .reflect(writer);
        let task = tokio::spawn(async move {
            futures::pin_mut!(stream);
            while let Some(event) = stream.next().await {
                match event {
                    // The connection monitor reports an unreachable cluster once; here it would
                    // repeat with every retry, so this stays at debug level.
                    Err(error) => {
                        tracing::debug!(kind = %task_kind, %error, "watch failed; retrying with backoff");
                        failures.send_replace(Some(WatchFailure::of(&error)));
                    }
                    Ok(_) => {
                        failures.send_if_modified(|failure| failure.take().is_some());
                    }
                }
            }
        });
        Self {
            kind,
            store,
            failure,
            task,
        }
    }

    /// The cached objects, once the first list has completed (waiting at most `within`).
    ///
    /// Fails at once when the API server refuses the list (401, 403): retrying will not help.
    pub async fn objects(&self, within: Duration) -> Result<Vec<Arc<K>>> {
        let listed = async { self.store.wait_until_ready().await.is_ok() };
        first_list(&self.kind, listed, &self.failure, within).await?;
        Ok(self.store.state())
    }
}

/// Waits for a cache's first list (`listed` is false when the cache stopped first), failing at
/// once when the API server refuses it, or after `within` with the last watch error.
async fn first_list(
    kind: &str,
    listed: impl Future<Output = bool>,
    failure: &watch::Receiver<Option<WatchFailure>>,
    within: Duration,
) -> Result<()> {
    let not_ready = || Error::CacheNotReady {
        kind: kind.to_string(),
        within,
        last_error: failure.borrow().as_ref().map(|f| f.message.clone()),
    };
    // A refusal goes first: a cache listed before the person's rights were taken away must not
    // answer with what it still holds (a refusal is cleared by the next successful event).
    tokio::select! {
        biased;
        refusal = refusal(failure.clone()) => Err(Error::ListRefused {
            kind: kind.to_string(),
            code: refusal.code.unwrap_or_default(),
            message: refusal.message,
        }),
        listed = listed => if listed { Ok(()) } else { Err(not_ready()) },
        () = tokio::time::sleep(within) => Err(not_ready()),
    }
}

/// Completes with the first failure that is a refusal; never, if there is none.
async fn refusal(mut failure: watch::Receiver<Option<WatchFailure>>) -> WatchFailure {
    loop {
        if let Some(refused) = failure
            .borrow_and_update()
            .clone()
            .filter(WatchFailure::is_refusal)
        {
            return refused;
        }
        if failure.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

impl<K: Resource<DynamicType = ()> + 'static> Drop for KindCache<K> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What identifies a projection among those of its kind: the object's namespace ("" when it
/// is cluster-scoped) and name. A [`ProjectedCache`] finds its entries by these, so it keeps no
/// copy of every name beside them (at 150,000 pods, ~16 MB).
pub trait Keyed {
    fn key(&self) -> (&str, &str);
}

impl Keyed for PodFacts {
    fn key(&self) -> (&str, &str) {
        (&self.namespace, &self.name)
    }
}

impl Keyed for ReplicaSetFacts {
    fn key(&self) -> (&str, &str) {
        (&self.namespace, &self.name)
    }
}

/// A projection that does not carry its object's name, with the name.
#[derive(Debug)]
pub struct Named<P> {
    pub namespace: Box<str>,
    pub name: Box<str>,
    pub value: Arc<P>,
}

impl<P> Keyed for Named<P> {
    fn key(&self) -> (&str, &str) {
        (&self.namespace, &self.name)
    }
}

/// What a [`ProjectedCache`] keeps, found by the hash of each entry's [`Keyed::key`].
struct Projections<P> {
    entries: HashTable<Arc<P>>,
    hasher: std::collections::hash_map::RandomState,
}

impl<P: Keyed> Projections<P> {
    fn new() -> Self {
        Self {
            entries: HashTable::new(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Adds the projection, or replaces the one of the same object.
    fn insert(&mut self, projection: Arc<P>) {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(projection.key());
        match self.entries.entry(
            hash,
            |kept| kept.key() == projection.key(),
            |kept| hasher.hash_one(kept.key()),
        ) {
            hashbrown::hash_table::Entry::Occupied(mut kept) => *kept.get_mut() = projection,
            hashbrown::hash_table::Entry::Vacant(room) => {
                room.insert(projection);
            }
        }
    }

    fn remove(&mut self, key: (&str, &str)) {
        let hash = self.hasher.hash_one(key);
        if let Ok(kept) = self.entries.find_entry(hash, |kept| kept.key() == key) {
            kept.remove();
        }
    }
}

/// A watch of one kind (across all namespaces or in one, as `api` says) that keeps, per object,
/// only what `project` makes of it; the watch stops when this is dropped.
pub struct ProjectedCache<P> {
    kind: String,
    /// `None` until the first list has completed.
    objects: Arc<RwLock<Option<Projections<P>>>>,
    ready: watch::Receiver<bool>,
    failure: watch::Receiver<Option<WatchFailure>>,
    task: JoinHandle<()>,
}

impl<P: Keyed + Send + Sync + 'static> ProjectedCache<P> {
    pub fn start<K>(api: Api<K>, project: fn(&K) -> P) -> Self
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    {
        Self::start_with(api, watcher::Config::default(), project)
    }

    /// As [`ProjectedCache::start`], of the objects `config`'s selectors pick. With an
    /// `Api<PartialObjectMeta<K>>`, only their metadata is listed and watched.
    pub fn start_with<K>(
        api: Api<K>,
        config: watcher::Config,
        project: impl Fn(&K) -> P + Send + 'static,
    ) -> Self
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    {
        let kind = K::kind(&()).into_owned();
        let task_kind = kind.clone();
        let objects = Arc::new(RwLock::new(None));
        let store = objects.clone();
        let (ready_tx, ready) = watch::channel(false);
        let (failures, failure) = watch::channel(None);
        let stream = watcher(api, config).default_backoff();
        let task = tokio::spawn(async move {
            futures::pin_mut!(stream);
            // A relist fills this, then replaces the map at once.
            let mut relisting = Projections::new();
            while let Some(event) = stream.next().await {
                let event = match event {
                    Err(error) => {
                        tracing::debug!(kind = %task_kind, %error, "watch failed; retrying with backoff");
                        failures.send_replace(Some(WatchFailure::of(&error)));
                        continue;
                    }
                    Ok(event) => event,
                };
                failures.send_if_modified(|failure| failure.take().is_some());
                let write = || {
                    store
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                };
                match event {
                    watcher::Event::Init => relisting = Projections::new(),
                    watcher::Event::InitApply(object) => {
                        relisting.insert(Arc::new(project(&object)));
                    }
                    watcher::Event::InitDone => {
                        *write() = Some(std::mem::replace(&mut relisting, Projections::new()));
                        ready_tx.send_replace(true);
                    }
                    watcher::Event::Apply(object) => {
                        if let Some(map) = write().as_mut() {
                            map.insert(Arc::new(project(&object)));
                        }
                    }
                    watcher::Event::Delete(object) => {
                        if let Some(map) = write().as_mut() {
                            let namespace = object.meta().namespace.as_deref().unwrap_or_default();
                            map.remove((
                                namespace,
                                object.meta().name.as_deref().unwrap_or_default(),
                            ));
                        }
                    }
                }
            }
        });
        Self {
            kind,
            objects,
            ready,
            failure,
            task,
        }
    }

    /// The API server's refusal of the list or watch, while it stands (401, 403).
    pub fn refused(&self) -> Option<WatchFailure> {
        self.failure
            .borrow()
            .clone()
            .filter(WatchFailure::is_refusal)
    }

    /// What is kept of every object, once the first list has completed (waiting at most
    /// `within`). Fails at once when the API server refuses the list (401, 403).
    pub async fn objects(&self, within: Duration) -> Result<Vec<Arc<P>>> {
        let mut ready = self.ready.clone();
        let listed = async move { ready.wait_for(|ready| *ready).await.is_ok() };
        first_list(&self.kind, listed, &self.failure, within).await?;
        let objects = self
            .objects
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(objects
            .as_ref()
            .map(|map| map.entries.iter().cloned().collect())
            .unwrap_or_default())
    }
}

impl<P> Drop for ProjectedCache<P> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What could be read of a kind cluster-wide, or, when the console's identity may not list it in
/// all namespaces, in the namespaces it was configured for, one by one.
#[derive(Debug)]
pub struct Scoped<T> {
    pub objects: Vec<Arc<T>>,
    /// `None` when read cluster-wide; else the namespaces that could be read.
    pub namespaces: Option<Vec<String>>,
    /// The cluster-wide refusal, and each configured namespace refused too, in the API
    /// server's words; empty when read cluster-wide.
    pub refused: Vec<Refusal>,
}

/// One list the API server refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `None` for the cluster-wide list.
    pub namespace: Option<String>,
    pub code: u16,
    pub message: String,
}

/// Caches of one namespace each, for the configured namespaces only (so they stay few).
type PerNamespace<C> = Mutex<HashMap<String, Arc<C>>>;

/// The watch caches of one cluster, each started the first time it is read.
pub struct Caches {
    client: Client,
    first_list_timeout: Duration,
    nodes: OnceLock<KindCache<Node>>,
    pods: OnceLock<ProjectedCache<PodFacts>>,
    namespaces: OnceLock<KindCache<Namespace>>,
    events: OnceLock<KindCache<Event>>,
    replicasets: OnceLock<ProjectedCache<ReplicaSetFacts>>,
    pods_by_namespace: PerNamespace<ProjectedCache<PodFacts>>,
    events_by_namespace: PerNamespace<KindCache<Event>>,
}

impl Caches {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            first_list_timeout: FIRST_LIST_TIMEOUT,
            nodes: OnceLock::new(),
            pods: OnceLock::new(),
            namespaces: OnceLock::new(),
            events: OnceLock::new(),
            replicasets: OnceLock::new(),
            pods_by_namespace: Mutex::default(),
            events_by_namespace: Mutex::default(),
        }
    }

    /// How long a read waits for a cache's first list.
    #[must_use]
    pub fn first_list_timeout(mut self, timeout: Duration) -> Self {
        self.first_list_timeout = timeout;
        self
    }

    pub async fn nodes(&self) -> Result<Vec<Arc<Node>>> {
        self.read(&self.nodes).await
    }

    /// Every pod, as the overview and the metrics see it.
    pub async fn pods(&self) -> Result<Vec<Arc<PodFacts>>> {
        self.read_projected(&self.pods, PodFacts::of).await
    }

    pub async fn namespaces(&self) -> Result<Vec<Arc<Namespace>>> {
        self.read(&self.namespaces).await
    }

    pub async fn events(&self) -> Result<Vec<Arc<Event>>> {
        self.read(&self.events).await
    }

    /// Every pod the console's identity may list: all of them, or when it may not list pods
    /// cluster-wide, those of `configured` namespaces (`--allowed-namespace`, the context's).
    pub async fn pods_scoped(&self, configured: &[String]) -> Result<Scoped<PodFacts>> {
        let one = |namespace: &str| {
            let cache = per_namespace(&self.pods_by_namespace, namespace, || {
                ProjectedCache::start(
                    Api::<Pod>::namespaced(self.client.clone(), namespace),
                    PodFacts::of,
                )
            });
            async move { cache.objects(self.first_list_timeout).await }
        };
        scoped(self.pods().await, configured, one).await
    }

    /// Every event the console's identity may list, as [`Caches::pods_scoped`] reads pods.
    pub async fn events_scoped(&self, configured: &[String]) -> Result<Scoped<Event>> {
        let one = |namespace: &str| {
            let cache = per_namespace(&self.events_by_namespace, namespace, || {
                KindCache::start(Api::<Event>::namespaced(self.client.clone(), namespace))
            });
            async move { cache.objects(self.first_list_timeout).await }
        };
        scoped(self.events().await, configured, one).await
    }

    /// ReplicaSets, to find the Deployment a pod belongs to (pod → ReplicaSet → Deployment).
    pub async fn replicasets(&self) -> Result<Vec<Arc<ReplicaSetFacts>>> {
        self.read_projected(&self.replicasets, ReplicaSetFacts::of)
            .await
    }

    async fn read_projected<K, P>(
        &self,
        cache: &OnceLock<ProjectedCache<P>>,
        project: fn(&K) -> P,
    ) -> Result<Vec<Arc<P>>>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
        P: Keyed + Send + Sync + 'static,
    {
        let cache = cache.get_or_init(|| {
            tracing::debug!(kind = %K::kind(&()), "starting watch cache");
            ProjectedCache::start(Api::<K>::all(self.client.clone()), project)
        });
        cache.objects(self.first_list_timeout).await
    }

    async fn read<K>(&self, cache: &OnceLock<KindCache<K>>) -> Result<Vec<Arc<K>>>
    where
        K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    {
        let cache = cache.get_or_init(|| {
            tracing::debug!(kind = %K::kind(&()), "starting watch cache");
            KindCache::start(Api::all(self.client.clone()))
        });
        cache.objects(self.first_list_timeout).await
    }
}

/// The cache of `namespace`, started on first use.
fn per_namespace<C>(
    caches: &PerNamespace<C>,
    namespace: &str,
    start: impl FnOnce() -> C,
) -> Arc<C> {
    caches
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(namespace.to_string())
        .or_insert_with(|| Arc::new(start()))
        .clone()
}

/// `all` when it was read; when the API server refused it and namespaces are configured, what
/// `one` reads of each. Fails with the cluster-wide refusal when no namespace could be read either.
async fn scoped<T, F>(
    all: Result<Vec<Arc<T>>>,
    configured: &[String],
    one: impl Fn(&str) -> F,
) -> Result<Scoped<T>>
where
    F: Future<Output = Result<Vec<Arc<T>>>>,
{
    let refusal = |namespace: Option<&str>, error: &Error| match error {
        Error::ListRefused { code, message, .. } => Some(Refusal {
            namespace: namespace.map(str::to_string),
            code: *code,
            message: message.clone(),
        }),
        _ => None,
    };
    let everywhere = match all {
        Ok(objects) => {
            return Ok(Scoped {
                objects,
                namespaces: None,
                refused: Vec::new(),
            });
        }
        Err(error) => match refusal(None, &error) {
            Some(refused) if !configured.is_empty() => (error, refused),
            _ => return Err(error),
        },
    };
    let mut answer = Scoped {
        objects: Vec::new(),
        namespaces: Some(Vec::new()),
        refused: vec![everywhere.1],
    };
    let mut names: Vec<&String> = configured.iter().filter(|n| !n.is_empty()).collect();
    names.sort();
    names.dedup();
    let read = futures::future::join_all(names.iter().map(|n| one(n))).await;
    for (namespace, read) in names.into_iter().zip(read) {
        match read {
            Ok(objects) => {
                answer.objects.extend(objects);
                answer
                    .namespaces
                    .get_or_insert_default()
                    .push(namespace.clone());
            }
            Err(error) => match refusal(Some(namespace), &error) {
                Some(refused) => answer.refused.push(refused),
                None => return Err(error),
            },
        }
    }
    if answer.namespaces.as_ref().is_none_or(Vec::is_empty) {
        return Err(everywhere.0);
    }
    Ok(answer)
}

impl Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches")
            .field("nodes", &self.nodes.get().is_some())
            .field("pods", &self.pods.get().is_some())
            .field("namespaces", &self.namespaces.get().is_some())
            .field("events", &self.events.get().is_some())
            .field("replicasets", &self.replicasets.get().is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_cache_is_refused_even_though_it_listed_before() {
        let (_failures, failure) = watch::channel(Some(WatchFailure {
            code: Some(403),
            message: "secrets is forbidden".into(),
        }));
        // Listed long ago, refused now: every time, the refusal is the answer.
        for _ in 0..50 {
            let answer =
                first_list("Secret", async { true }, &failure, Duration::from_secs(1)).await;
            assert!(
                matches!(&answer, Err(Error::ListRefused { code: 403, .. })),
                "{answer:?}"
            );
        }
        // A failure that is not a refusal does not stop a listed cache from answering.
        let (_failures, failure) = watch::channel(Some(WatchFailure {
            code: Some(500),
            message: "etcdserver: request timed out".into(),
        }));
        let answer = first_list("Secret", async { true }, &failure, Duration::from_secs(1)).await;
        assert!(answer.is_ok(), "{answer:?}");
    }
}
