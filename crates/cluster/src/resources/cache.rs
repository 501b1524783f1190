//! One kind's watch cache: objects as packed JSON with their rows, a sync state, the last
//! failure, and a change feed of row deltas.
//!
//! Objects arrive from a kube-runtime `watcher` as JSON trees (`RawObject`); each is stripped of
//! `managedFields`, turned into its [`Row`] once, and kept as serialised JSON bytes (a
//! `serde_json::Value` tree takes several times the memory), packed with a dictionary trained on
//! the kind (see `packed`). Details unpack and parse the bytes on demand.
//! A re-list (after the watch expired) is gathered aside and swapped in when complete, so reads
//! never see a half-listed cache.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use wheelhouse_model::rows::{Row, RowSchema};
use wheelhouse_model::store::RowStore;

use super::packed::{PackedJson, Packer};
use super::raw::RawObject;
use crate::discovery::KindInfo;

/// Where a cache stands with the API server.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncState {
    /// The first list has completed; reads see every object.
    pub synced: bool,
    /// Objects received so far by the list in progress (for "still loading" messages).
    pub listed: usize,
    /// The last failure of the list or watch; cleared when events flow again.
    pub failure: Option<WatchFailure>,
    /// The API server no longer serves the kind (its CRD was deleted): the cache holds nothing
    /// and has stopped watching.
    pub removed: bool,
}

/// Why the list or watch of a kind failed, as far as the API server said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchFailure {
    /// The HTTP status the API server answered, when it answered.
    pub code: Option<u16>,
    pub message: String,
}

impl WatchFailure {
    pub(crate) fn of(error: &watcher::Error) -> Self {
        let status = match error {
            watcher::Error::InitialListFailed(kube::Error::Api(status))
            | watcher::Error::WatchStartFailed(kube::Error::Api(status))
            | watcher::Error::WatchFailed(kube::Error::Api(status))
            | watcher::Error::WatchError(status) => Some(status),
            _ => None,
        };
        match status {
            Some(status) if !status.message.is_empty() => Self {
                code: Some(status.code),
                message: status.message.clone(),
            },
            _ => Self {
                code: status.map(|s| s.code),
                message: error.to_string(),
            },
        }
    }

    /// A refusal (401, 403) that retrying will not cure.
    pub fn is_refusal(&self) -> bool {
        matches!(self.code, Some(401 | 403))
    }
}

/// Whether a list or watch failed because the API server no longer serves the resource: a 404
/// on a collection's path means exactly that (a namespace that does not exist lists empty), as
/// after its CRD was deleted.
fn resource_not_served(error: &watcher::Error) -> bool {
    matches!(
        error,
        watcher::Error::InitialListFailed(kube::Error::Api(status))
            | watcher::Error::WatchStartFailed(kube::Error::Api(status))
            if status.code == 404
    )
}

/// A change of one row, as published on the feed.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new object.
    Added(Arc<Row>),
    /// An object changed; `previous` is its row before, so a view can tell whether the object
    /// entered or left its filters.
    Modified { row: Arc<Row>, previous: Arc<Row> },
    /// An object was deleted; its last row.
    Removed(Arc<Row>),
    /// The cache re-listed (its watch expired): views should re-read everything.
    Relisted,
    /// The cache was replaced (its kind's columns changed) and stops: views must start anew.
    Retired,
    /// The API server no longer serves the kind (its CRD was deleted): the cache emptied and
    /// stopped; views end with that reason.
    KindRemoved,
}

/// The objects of a kind: rows to query, each with its JSON to detail.
#[derive(Debug, Default)]
pub struct Objects {
    rows: RowStore<PackedJson>,
}

impl Objects {
    /// Every row, in no order: hand them to `ListQuery::apply`.
    pub fn rows(&self) -> &[Row] {
        self.rows.rows()
    }

    pub fn row(&self, namespace: Option<&str>, name: &str) -> Option<&Row> {
        self.rows.get(namespace, name)
    }

    /// The object's JSON (without managedFields), packed: unpack it outside the read lock.
    pub fn json(&self, namespace: Option<&str>, name: &str) -> Option<PackedJson> {
        self.rows.payload(namespace, name).cloned()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn upsert(&mut self, row: Row, json: PackedJson) -> Option<Row> {
        self.rows.upsert_with(row, json).map(|(row, _)| row)
    }

    fn remove(&mut self, namespace: Option<&str>, name: &str) -> Option<Row> {
        self.rows.remove(namespace, name)
    }
}

/// How a cache behaves.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Changes a subscriber may fall behind before it is told to resync.
    pub feed_capacity: usize,
    /// Objects per page of the initial list.
    pub page_size: u32,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            feed_capacity: 1024,
            page_size: 500,
        }
    }
}

/// A kind's watch cache; the watch stops when this is dropped.
pub struct ResourceCache {
    kind: Arc<KindInfo>,
    /// The one namespace watched, for identities that may not list in all of them.
    namespace: Option<String>,
    schema: RowSchema,
    /// Changes when the schema does (a CRD's resourceVersion), to restart the cache.
    schema_tag: String,
    objects: Arc<RwLock<Objects>>,
    state: watch::Receiver<SyncState>,
    feed: broadcast::Sender<Arc<Change>>,
    started: Instant,
    /// Milliseconds after `started` of the last read or subscription.
    last_used: AtomicU64,
    /// Where the kind's usage columns come from (pods, workloads, nodes with metrics).
    usage: Option<(
        Arc<crate::metrics::Metrics>,
        crate::metrics::usage::UsageKind,
    )>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for ResourceCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceCache")
            .field("kind", &self.kind.qualified_resource())
            .field("namespace", &self.namespace)
            .field("state", &*self.state.borrow())
            .finish_non_exhaustive()
    }
}

impl ResourceCache {
    /// Starts watching the kind with `client`'s identity, in one namespace or (`None`) in all.
    pub fn start(
        client: Client,
        kind: Arc<KindInfo>,
        namespace: Option<String>,
        schema: RowSchema,
        schema_tag: String,
        config: &CacheConfig,
    ) -> Self {
        let api: Api<RawObject> = match &namespace {
            Some(namespace) => Api::namespaced_with(client, namespace, &kind.api_resource()),
            None => Api::all_with(client, &kind.api_resource()),
        };
        let (states, state) = watch::channel(SyncState::default());
        let (feed, _) = broadcast::channel(config.feed_capacity.max(1));
        let objects = Arc::new(RwLock::new(Objects::default()));
        let ingest = Ingest {
            kind: kind.clone(),
            schema: schema.clone(),
            objects: objects.clone(),
            states,
            feed: feed.clone(),
            relist: None,
            packer: Packer::default(),
        };
        let watch_config = watcher::Config::default().page_size(config.page_size);
        let task = tokio::spawn(ingest.run(api, watch_config));
        Self {
            kind,
            namespace,
            schema,
            schema_tag,
            objects,
            state,
            feed,
            started: Instant::now(),
            last_used: AtomicU64::new(0),
            usage: None,
            task,
        }
    }

    /// Fills the kind's usage columns from `metrics` (for kinds that have them).
    #[must_use]
    pub fn with_metrics(mut self, metrics: Option<Arc<crate::metrics::Metrics>>) -> Self {
        let kind = crate::metrics::usage::UsageKind::of(&self.kind.group, &self.kind.resource);
        self.usage = metrics.zip(kind);
        self
    }

    /// Runs `work` with the lookup of the kind's usage columns (`None` without metrics): the
    /// totals of the last scrape, which a scrape being recorded replaces without waiting for
    /// (or making wait) the lists that read them.
    pub fn with_usage<T>(
        &self,
        work: impl FnOnce(Option<&dyn wheelhouse_model::rows::UsageLookup>) -> T,
    ) -> T {
        match &self.usage {
            Some((metrics, kind)) => {
                let latest = metrics.latest();
                let lookup = crate::metrics::usage::LatestUsage {
                    latest: &latest,
                    kind: *kind,
                };
                work(Some(&lookup))
            }
            None => work(None),
        }
    }

    pub fn kind(&self) -> &Arc<KindInfo> {
        &self.kind
    }

    pub fn schema(&self) -> &RowSchema {
        &self.schema
    }

    /// The namespace this cache is limited to; `None` for all namespaces.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    pub fn schema_tag(&self) -> &str {
        &self.schema_tag
    }

    pub fn state(&self) -> SyncState {
        self.state.borrow().clone()
    }

    /// Waits until the first list completed, a refusal arrived, or `within` passed; returns
    /// the state then.
    pub async fn settle(&self, within: Duration) -> SyncState {
        self.touch();
        let mut state = self.state.clone();
        let settled = tokio::time::timeout(
            within,
            state
                .wait_for(|s| s.synced || s.failure.as_ref().is_some_and(WatchFailure::is_refusal)),
        )
        .await;
        match settled {
            Ok(Ok(state)) => state.clone(),
            _ => self.state(),
        }
    }

    /// The objects for reading. Hold the guard briefly: the watch waits for it.
    pub fn read(&self) -> RwLockReadGuard<'_, Objects> {
        self.touch();
        self.objects
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The objects and a receiver of every change after them: nothing missed, nothing twice.
    pub fn read_and_subscribe(
        &self,
    ) -> (
        RwLockReadGuard<'_, Objects>,
        broadcast::Receiver<Arc<Change>>,
    ) {
        let objects = self.read();
        // Changes are published under the write lock, so none can slip between the two.
        let receiver = self.feed.subscribe();
        (objects, receiver)
    }

    /// Whether the watch still runs (it stops for good when the kind is removed).
    pub fn is_watching(&self) -> bool {
        !self.task.is_finished()
    }

    /// How many views follow the feed.
    pub fn subscribers(&self) -> usize {
        self.feed.receiver_count()
    }

    /// How long since the last read or subscription.
    pub fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_used.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }

    /// Stops the watch and tells the views following it to start anew (on a new cache).
    pub fn retire(&self) {
        self.task.abort();
        let _ = self.feed.send(Arc::new(Change::Retired));
    }

    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_used.store(now, Ordering::Relaxed);
    }
}

impl Drop for ResourceCache {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The watch task's side of a cache.
struct Ingest {
    kind: Arc<KindInfo>,
    schema: RowSchema,
    objects: Arc<RwLock<Objects>>,
    states: watch::Sender<SyncState>,
    feed: broadcast::Sender<Arc<Change>>,
    /// A list in progress: its objects, swapped in at its end.
    relist: Option<Objects>,
    /// Packs objects' JSON with the kind's dictionary, trained on its first objects.
    packer: Packer,
}

impl Ingest {
    async fn run(mut self, api: Api<RawObject>, config: watcher::Config) {
        let stream = watcher(api, config).default_backoff();
        futures::pin_mut!(stream);
        while let Some(event) = stream.next().await {
            match event {
                Err(error) if resource_not_served(&error) => {
                    self.remove_kind(&error);
                    return;
                }
                Err(error) => {
                    let failure = WatchFailure::of(&error);
                    tracing::debug!(resource = %self.kind.qualified_resource(), error = %failure.message, "watch failed; retrying with backoff");
                    self.states.send_if_modified(|state| {
                        let changed = state.failure.as_ref() != Some(&failure);
                        state.failure = Some(failure);
                        changed
                    });
                }
                Ok(event) => {
                    self.states
                        .send_if_modified(|state| state.failure.take().is_some());
                    self.apply(event);
                }
            }
        }
    }

    fn apply(&mut self, event: watcher::Event<RawObject>) {
        match event {
            watcher::Event::Init => {
                self.relist = Some(Objects::default());
                self.states.send_modify(|s| s.listed = 0);
            }
            watcher::Event::InitApply(object) => {
                if let Some((row, json)) = self.ingest(object) {
                    let listed = self.relist.get_or_insert_default();
                    listed.upsert(row, json);
                    let count = listed.len();
                    // Not for every object: a watch receiver wakes on each send.
                    if count.is_multiple_of(1000) {
                        self.states.send_modify(|s| s.listed = count);
                    }
                }
            }
            watcher::Event::InitDone => {
                self.packer.listed();
                let listed = self.relist.take().unwrap_or_default();
                let count = listed.len();
                let mut objects = self.write();
                *objects = listed;
                self.states.send_modify(|s| {
                    s.synced = true;
                    s.listed = count;
                });
                // Views opened before this list completed, or before a re-list, start over.
                let _ = self.feed.send(Arc::new(Change::Relisted));
                drop(objects);
                tracing::debug!(resource = %self.kind.qualified_resource(), objects = count, "watch cache synced");
            }
            watcher::Event::Apply(object) => {
                let Some((row, json)) = self.ingest(object) else {
                    return;
                };
                let mut objects = self.write();
                let row_for_feed = (self.feed.receiver_count() > 0).then(|| Arc::new(row.clone()));
                let previous = objects.upsert(row, json);
                if let Some(row) = row_for_feed {
                    let change = match previous {
                        Some(previous) => Change::Modified {
                            row,
                            previous: Arc::new(previous),
                        },
                        None => Change::Added(row),
                    };
                    let _ = self.feed.send(Arc::new(change));
                }
            }
            watcher::Event::Delete(object) => {
                let namespace = object
                    .metadata
                    .namespace
                    .as_deref()
                    .filter(|ns| !ns.is_empty());
                let name = object.metadata.name.as_deref().unwrap_or_default();
                let mut objects = self.write();
                if let Some(removed) = objects.remove(namespace, name) {
                    let _ = self.feed.send(Arc::new(Change::Removed(Arc::new(removed))));
                }
            }
        }
    }

    /// The kind is gone from the API server: release every object, say so, and stop (a
    /// watch retried against a 404 would run for as long as the cache has views).
    fn remove_kind(&mut self, error: &watcher::Error) {
        tracing::info!(resource = %self.kind.qualified_resource(), error = %error, "the API server no longer serves this resource; its cache stops");
        self.relist = None;
        let mut objects = self.write();
        let left = std::mem::take(&mut *objects);
        // The watch may have ended before the API server's DELETED events reached it: views
        // are told of every row still held, so none is left standing under the reason.
        if self.feed.receiver_count() > 0 {
            for row in left.rows() {
                let _ = self
                    .feed
                    .send(Arc::new(Change::Removed(Arc::new(row.clone()))));
            }
        }
        drop(left);
        self.states.send_modify(|state| {
            state.removed = true;
            state.synced = true;
            state.listed = 0;
            state.failure = Some(WatchFailure::of(error));
        });
        let _ = self.feed.send(Arc::new(Change::KindRemoved));
        drop(objects);
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Objects> {
        self.objects
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The object's row and packed JSON; an object that cannot become a row is logged and skipped.
    fn ingest(&mut self, object: RawObject) -> Option<(Row, PackedJson)> {
        let mut value = object.value;
        // Items of a list come without apiVersion and kind; details and YAML need them.
        if let Some(fields) = value.as_object_mut() {
            if !fields.contains_key("apiVersion") {
                fields.insert(
                    "apiVersion".into(),
                    self.kind.api_resource().api_version.into(),
                );
            }
            if !fields.contains_key("kind") {
                fields.insert("kind".into(), self.kind.kind.clone().into());
            }
        }
        let row = match self.schema.row(&value) {
            Ok(row) => row,
            Err(error) => {
                tracing::warn!(resource = %self.kind.qualified_resource(), name = object.metadata.name.as_deref().unwrap_or_default(), %error, "object skipped");
                return None;
            }
        };
        let json = match serde_json::to_vec(&value) {
            Ok(json) => self.packer.pack(json),
            Err(error) => {
                tracing::warn!(resource = %self.kind.qualified_resource(), %error, "object not representable as JSON; skipped");
                return None;
            }
        };
        Some((row, json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ingest() -> Ingest {
        let kind = Arc::new(KindInfo {
            group: String::new(),
            version: "v1".into(),
            resource: "configmaps".into(),
            kind: "ConfigMap".into(),
            namespaced: true,
            verbs: vec!["list".into(), "watch".into()],
            short_names: vec![],
            preferred_version: "v1".into(),
            custom: false,
        });
        Ingest {
            schema: RowSchema::builtin("", "ConfigMap", true),
            kind,
            objects: Arc::default(),
            states: watch::channel(SyncState::default()).0,
            feed: broadcast::channel(4).0,
            relist: None,
            packer: Packer::default(),
        }
    }

    #[test]
    fn an_object_listed_without_api_version_and_kind_gets_them() {
        // A real API server leaves them out of a list's items.
        let object: RawObject = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "settings", "namespace": "default",
                         "managedFields": [{"manager": "kubectl"}]},
            "data": {"a": "1"}
        }))
        .expect("an object");
        let (row, json) = ingest().ingest(object).expect("ingested");
        assert_eq!(row.name, "settings");
        let stored: serde_json::Value =
            serde_json::from_slice(&json.unpack().expect("unpacked")).expect("JSON");
        assert_eq!(stored["apiVersion"], "v1");
        assert_eq!(stored["kind"], "ConfigMap");
        assert_eq!(stored["data"]["a"], "1");
        assert!(
            stored["metadata"].get("managedFields").is_none(),
            "{stored}"
        );
    }
}
