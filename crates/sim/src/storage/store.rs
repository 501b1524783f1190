//! Keeps every object of the simulated cluster in memory, versioned, ordered and watchable.
//!
//! The store is the sim's etcd: one global `resourceVersion` counter, one table per resource
//! (`GroupResource`, e.g. `apps/deployments`) holding objects in a `BTreeMap` keyed like etcd keys
//! (`namespace/name`, or `name` for cluster-scoped kinds) so paging is ordered and cheap, and a
//! bounded history of change events per resource so watches can resume from a `resourceVersion`.
//!
//! How to use it from in-process controllers (they run as tokio tasks next to the HTTP server):
//! - read with [`Store::get`] and [`Store::list`];
//! - write with [`Store::create`], [`Store::update`], [`Store::update_with`] (atomic
//!   read-modify-write, the right tool for controllers), [`Store::delete`];
//! - load big scenarios with [`Store::insert_bulk`] (one lock, no validation);
//! - follow changes with [`Store::watch`] (replays history after a `resourceVersion`, then live),
//!   or [`Store::subscribe`] (live only). A subscriber that falls behind the bounded channel gets
//!   `RecvError::Lagged` and must re-list, as a client of the real server must after a 410.
//!
//! The store applies what every write needs (uid, creationTimestamp, resourceVersion,
//! generation, generateName, name validation, optimistic concurrency, finalizers and
//! deletionTimestamp, garbage collection of dependents by ownerReferences). API-level rules
//! (authorization, defaults per kind, status vs. spec subresources, managedFields) live in the
//! HTTP layer.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use bytes::Bytes;
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::error::{Cause, Error, Result};

/// Events kept per resource for resuming watches, unless configured otherwise. Each event
/// holds the object before and after the change, so this bounds the old versions kept alive.
pub const DEFAULT_HISTORY: usize = 5_000;
/// Capacity of the live channel per resource; a watcher further behind than this is closed.
pub const WATCH_CHANNEL_CAPACITY: usize = 4_096;

/// A resource type: API group (`""` for core) and plural resource name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupResource {
    pub group: String,
    pub resource: String,
}

impl GroupResource {
    /// A resource of the given group, e.g. `GroupResource::new("apps", "deployments")`.
    pub fn new(group: &str, resource: &str) -> GroupResource {
        GroupResource {
            group: group.into(),
            resource: resource.into(),
        }
    }

    /// A core (`v1`) resource, e.g. `GroupResource::core("pods")`.
    pub fn core(resource: &str) -> GroupResource {
        GroupResource::new("", resource)
    }
}

impl fmt::Display for GroupResource {
    /// `pods`, `deployments.apps`: how kube-apiserver names a resource in messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// One stored object: its JSON value and, computed once on first need, its serialised bytes.
#[derive(Debug)]
pub struct StoredObject {
    value: Value,
    json: OnceLock<Bytes>,
    resource_version: u64,
}

impl StoredObject {
    fn new(value: Value, resource_version: u64) -> StoredObject {
        StoredObject {
            value,
            json: OnceLock::new(),
            resource_version,
        }
    }

    /// An object that is not in the store (a dry-run result, a value to render), with the
    /// resourceVersion its metadata says.
    pub fn detached(value: Value) -> StoredObject {
        let rv = str_at(&value, &["metadata", "resourceVersion"])
            .parse()
            .unwrap_or(0);
        StoredObject::new(value, rv)
    }

    /// The object as JSON.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The object serialised as JSON, computed once and shared by every list and watcher.
    pub fn json_bytes(&self) -> &Bytes {
        self.json
            .get_or_init(|| Bytes::from(serde_json::to_vec(&self.value).unwrap_or_default()))
    }

    /// `metadata.resourceVersion` as a number.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        str_at(&self.value, &["metadata", "name"])
    }

    /// `metadata.namespace`, empty for cluster-scoped objects.
    pub fn namespace(&self) -> &str {
        str_at(&self.value, &["metadata", "namespace"])
    }

    /// `metadata.uid`.
    pub fn uid(&self) -> &str {
        str_at(&self.value, &["metadata", "uid"])
    }

    /// `metadata.labels`, if any.
    pub fn labels(&self) -> Option<&Map<String, Value>> {
        self.value
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
    }
}

/// Kind of a change event, as watch streams name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    /// `ADDED`, `MODIFIED`, `DELETED`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change to one object, shared (`Arc`) by the history and every watcher.
#[derive(Debug)]
pub struct WatchEvent {
    pub event_type: EventType,
    /// The object after the change (for `Deleted`, its last state with the deletion's version).
    pub object: Arc<StoredObject>,
    /// The object before the change, for `Modified` and `Deleted`; watchers with selectors use
    /// it to turn "no longer matches" into `DELETED` as the watch cache does.
    pub previous: Option<Arc<StoredObject>>,
    line: OnceLock<Bytes>,
}

impl WatchEvent {
    fn new(
        event_type: EventType,
        object: Arc<StoredObject>,
        previous: Option<Arc<StoredObject>>,
    ) -> Arc<WatchEvent> {
        Arc::new(WatchEvent {
            event_type,
            object,
            previous,
            line: OnceLock::new(),
        })
    }

    /// The resourceVersion of the change.
    pub fn resource_version(&self) -> u64 {
        self.object.resource_version
    }

    /// `{"type":"ADDED","object":{...}}\n`, serialised once for all watchers.
    pub fn json_line(&self) -> &Bytes {
        self.line
            .get_or_init(|| watch_line(self.event_type.as_str(), self.object.json_bytes()))
    }
}

/// Frames an object's JSON as one line of a watch stream.
pub fn watch_line(event_type: &str, object_json: &[u8]) -> Bytes {
    let mut line = Vec::with_capacity(object_json.len() + 32);
    line.extend_from_slice(b"{\"type\":\"");
    line.extend_from_slice(event_type.as_bytes());
    line.extend_from_slice(b"\",\"object\":");
    line.extend_from_slice(object_json);
    line.extend_from_slice(b"}\n");
    Bytes::from(line)
}

/// One page of a list.
#[derive(Debug)]
pub struct ListPage {
    pub items: Vec<Arc<StoredObject>>,
    /// The store's resourceVersion when the list was taken: watch from here to miss nothing.
    pub resource_version: u64,
    /// Key of the last item when the page was cut by `limit` and more items follow.
    pub continue_after: Option<String>,
    /// How many matching items follow this page (only counted when there is no filter).
    pub remaining: Option<u64>,
}

/// What a list reads: namespace, paging and a filter.
#[derive(Default)]
pub struct ListParams<'a> {
    /// `None` lists all namespaces (and cluster-scoped objects).
    pub namespace: Option<&'a str>,
    /// Start after this key (from a continue token).
    pub after: Option<&'a str>,
    /// At most this many items (0 = all).
    pub limit: usize,
    /// Keep only objects for which this returns true.
    pub filter: Option<&'a (dyn Fn(&StoredObject) -> bool + Sync)>,
}

/// A watch opened on the store: past events to send first, then the live channel.
pub struct StoreWatch {
    /// Events after the requested resourceVersion that the history still held.
    pub backlog: Vec<Arc<WatchEvent>>,
    /// Live events; `Lagged` means this watcher fell behind and must be closed.
    pub live: broadcast::Receiver<Arc<WatchEvent>>,
    /// The store's resourceVersion when the watch was opened.
    pub resource_version: u64,
}

/// Whose dependents are deleted, and how, when an owner is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    /// Delete the owner now, its dependents right after (kube's default for most kinds).
    #[default]
    Background,
    /// Mark the owner (`foregroundDeletion` finalizer), delete dependents, then the owner.
    Foreground,
    /// Delete the owner, keep the dependents and drop their ownerReference to it.
    Orphan,
}

/// Preconditions and options of a delete.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub propagation: Propagation,
    /// Fail with 409 unless the object has this uid.
    pub uid: Option<String>,
    /// Fail with 409 unless the object has this resourceVersion.
    pub resource_version: Option<String>,
    /// Compute the result but change nothing.
    pub dry_run: bool,
}

/// The outcome of a delete.
#[derive(Debug)]
pub enum Deleted {
    /// The object is gone; this was its last state.
    Gone(Arc<StoredObject>),
    /// The object has finalizers: it now carries a deletionTimestamp and stays until they go.
    Pending(Arc<StoredObject>),
}

impl Deleted {
    /// The object as the delete returns it.
    pub fn object(&self) -> &Arc<StoredObject> {
        match self {
            Deleted::Gone(o) | Deleted::Pending(o) => o,
        }
    }
}

/// Key of an object inside one resource table: `namespace/name` or `name`.
pub fn object_key(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

#[derive(Debug)]
struct Table {
    objects: BTreeMap<String, Arc<StoredObject>>,
    history: VecDeque<Arc<WatchEvent>>,
    /// Watches from a version older than this get 410 Expired.
    compacted_rv: u64,
    sender: broadcast::Sender<Arc<WatchEvent>>,
}

impl Table {
    fn new() -> Table {
        let (sender, _) = broadcast::channel(WATCH_CHANNEL_CAPACITY);
        Table {
            objects: BTreeMap::new(),
            history: VecDeque::new(),
            compacted_rv: 0,
            sender,
        }
    }
}

#[derive(Debug)]
struct Inner {
    tables: RwLock<HashMap<GroupResource, Arc<RwLock<Table>>>>,
    revision: AtomicU64,
    history_limit: usize,
    /// Owner uid → dependents (resource, key), for garbage collection.
    dependents: RwLock<HashMap<String, HashSet<(GroupResource, String)>>>,
}

/// The object store of the sim. Cheap to clone: clones share the same data.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store keeping [`DEFAULT_HISTORY`] events per resource.
    pub fn new() -> Store {
        Store::with_history(DEFAULT_HISTORY)
    }

    /// An empty store keeping `history_limit` events per resource for resuming watches.
    pub fn with_history(history_limit: usize) -> Store {
        Store {
            inner: Arc::new(Inner {
                tables: RwLock::new(HashMap::new()),
                revision: AtomicU64::new(1),
                history_limit: history_limit.max(1),
                dependents: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// The current (latest) resourceVersion of the whole store.
    pub fn resource_version(&self) -> u64 {
        self.inner.revision.load(Ordering::SeqCst)
    }

    fn next_rv(&self) -> u64 {
        self.inner.revision.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn table(&self, gr: &GroupResource) -> Arc<RwLock<Table>> {
        if let Some(t) = read(&self.inner.tables).get(gr) {
            return t.clone();
        }
        write(&self.inner.tables)
            .entry(gr.clone())
            .or_insert_with(|| Arc::new(RwLock::new(Table::new())))
            .clone()
    }

    /// The resources that hold at least one object.
    pub fn resources(&self) -> Vec<GroupResource> {
        let tables = read(&self.inner.tables);
        let mut out: Vec<GroupResource> = tables
            .iter()
            .filter(|(_, t)| !read(t).objects.is_empty())
            .map(|(gr, _)| gr.clone())
            .collect();
        out.sort();
        out
    }

    /// One object, or `None`. `namespace` is `""` for cluster-scoped objects.
    pub fn get(
        &self,
        gr: &GroupResource,
        namespace: &str,
        name: &str,
    ) -> Option<Arc<StoredObject>> {
        read(&self.table(gr))
            .objects
            .get(&object_key(namespace, name))
            .cloned()
    }

    /// Number of objects of a resource (all namespaces).
    pub fn count(&self, gr: &GroupResource) -> usize {
        read(&self.table(gr)).objects.len()
    }

    /// All objects of a resource, in one namespace (`Some`) or everywhere (`None`), key order.
    pub fn list(&self, gr: &GroupResource, namespace: Option<&str>) -> Vec<Arc<StoredObject>> {
        self.list_page(
            gr,
            &ListParams {
                namespace,
                ..Default::default()
            },
        )
        .items
    }

    /// A page of a list, filtered, in key order, with what is needed to continue it.
    pub fn list_page(&self, gr: &GroupResource, params: &ListParams<'_>) -> ListPage {
        let table = self.table(gr);
        let table = read(&table);
        let resource_version = self.resource_version();
        let prefix = params
            .namespace
            .filter(|ns| !ns.is_empty())
            .map(|ns| format!("{ns}/"));
        let lower = match (params.after, &prefix) {
            (Some(after), _) => std::ops::Bound::Excluded(after.to_string()),
            (None, Some(p)) => std::ops::Bound::Included(p.clone()),
            (None, None) => std::ops::Bound::Unbounded,
        };
        let mut items = Vec::new();
        let mut continue_after = None;
        let mut remaining = None;
        let mut iter = table.objects.range((lower, std::ops::Bound::Unbounded));
        for (key, obj) in iter.by_ref() {
            if let Some(p) = &prefix
                && !key.starts_with(p.as_str())
            {
                break;
            }
            if let Some(f) = params.filter
                && !f(obj)
            {
                continue;
            }
            items.push(obj.clone());
            if params.limit > 0 && items.len() == params.limit {
                continue_after = Some(key.clone());
                break;
            }
        }
        if let Some(after) = &continue_after {
            // Is anything left that matches? Count it when that is cheap (no filter).
            let rest = table
                .objects
                .range::<String, _>((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded))
                .take_while(|(k, _)| prefix.as_ref().is_none_or(|p| k.starts_with(p.as_str())));
            match params.filter {
                None => {
                    let n = rest.count() as u64;
                    if n == 0 {
                        continue_after = None;
                    } else {
                        remaining = Some(n);
                    }
                }
                Some(f) => {
                    let mut rest = rest;
                    if !rest.any(|(_, o)| f(o)) {
                        continue_after = None;
                    }
                }
            }
        }
        ListPage {
            items,
            resource_version,
            continue_after,
            remaining,
        }
    }

    /// Creates an object: fills uid, creationTimestamp, resourceVersion, generation and a name
    /// from `metadata.generateName`; rejects invalid or taken names.
    /// `namespaced` says whether the resource lives in namespaces (then `metadata.namespace` is required).
    pub fn create(
        &self,
        gr: &GroupResource,
        namespaced: bool,
        object: Value,
    ) -> Result<Arc<StoredObject>> {
        self.create_opts(gr, namespaced, object, false)
    }

    /// [`Store::create`], optionally as a dry run that changes nothing.
    pub fn create_opts(
        &self,
        gr: &GroupResource,
        namespaced: bool,
        mut object: Value,
        dry_run: bool,
    ) -> Result<Arc<StoredObject>> {
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("Object")
            .to_string();
        let meta = metadata_mut(&mut object)?;
        let namespace = meta
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if namespaced && namespace.is_empty() {
            return Err(Error::bad_request(
                "the server could not find the requested resource: namespace is required",
            ));
        }
        if !namespaced {
            meta.remove("namespace");
        }
        let mut name = meta
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let generate = meta
            .get("generateName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if name.is_empty() {
            if generate.is_empty() {
                return Err(Error::invalid(
                    &kind,
                    "",
                    Cause::required("metadata.name", "name or generateName is required"),
                ));
            }
            name = format!("{generate}{}", random_suffix());
        }
        validate_name(&kind, gr, &name)?;
        let now = now_rfc3339();
        meta.insert("name".into(), json!(name));
        meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        meta.insert("creationTimestamp".into(), json!(now));
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        if object.get("spec").is_some() {
            metadata_mut(&mut object)?.insert("generation".into(), json!(1));
        }
        let key = object_key(if namespaced { &namespace } else { "" }, &name);
        let table = self.table(gr);
        let mut table = write(&table);
        if table.objects.contains_key(&key) {
            return Err(Error::AlreadyExists {
                resource: gr.to_string(),
                name,
            });
        }
        if dry_run {
            let rv = self.resource_version();
            return Ok(Arc::new(StoredObject::new(object, rv)));
        }
        let rv = self.next_rv();
        metadata_mut(&mut object)?.insert("resourceVersion".into(), json!(rv.to_string()));
        let obj = Arc::new(StoredObject::new(object, rv));
        self.index_owners(gr, &key, None, Some(&obj));
        table.objects.insert(key, obj.clone());
        self.record(
            &mut table,
            WatchEvent::new(EventType::Added, obj.clone(), None),
        );
        Ok(obj)
    }

    /// Inserts many prepared objects at once (scenario loading). Objects keep the metadata they
    /// have; missing uid, creationTimestamp and resourceVersion are filled in. No validation,
    /// no name generation; an object with the key of an existing one replaces it.
    pub fn insert_bulk(
        &self,
        gr: &GroupResource,
        objects: impl IntoIterator<Item = Value>,
    ) -> usize {
        let table = self.table(gr);
        let mut table = write(&table);
        let now = now_rfc3339();
        let mut n = 0;
        for mut object in objects {
            let Ok(meta) = metadata_mut(&mut object) else {
                continue;
            };
            if !meta.contains_key("uid") {
                meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
            }
            if !meta.contains_key("creationTimestamp") {
                meta.insert("creationTimestamp".into(), json!(now));
            }
            let rv = self.next_rv();
            meta.insert("resourceVersion".into(), json!(rv.to_string()));
            let key = object_key(
                meta.get("namespace").and_then(Value::as_str).unwrap_or(""),
                meta.get("name").and_then(Value::as_str).unwrap_or(""),
            );
            let obj = Arc::new(StoredObject::new(object, rv));
            let previous = table.objects.insert(key.clone(), obj.clone());
            self.index_owners(gr, &key, previous.as_ref(), Some(&obj));
            let event_type = if previous.is_some() {
                EventType::Modified
            } else {
                EventType::Added
            };
            self.record(&mut table, WatchEvent::new(event_type, obj, previous));
            n += 1;
        }
        n
    }

    /// Replaces an object (PUT semantics). When `metadata.resourceVersion` is set it must be the
    /// current one (else 409 Conflict); uid and creationTimestamp are kept; generation is bumped
    /// when `spec` changed. If the object is being deleted and its last finalizer is removed, it
    /// is deleted.
    pub fn update(&self, gr: &GroupResource, object: Value) -> Result<Arc<StoredObject>> {
        let namespace = str_at(&object, &["metadata", "namespace"]).to_string();
        let name = str_at(&object, &["metadata", "name"]).to_string();
        self.update_with(gr, &namespace, &name, |current| {
            let expected = str_at(&object, &["metadata", "resourceVersion"]);
            if !expected.is_empty() && expected != str_at(current, &["metadata", "resourceVersion"])
            {
                return Err(Error::Conflict {
                    resource: gr.to_string(),
                    name: name.clone(),
                });
            }
            *current = object;
            Ok(())
        })
    }

    /// Atomically reads an object, lets `change` edit a copy, and stores it with a new
    /// resourceVersion (controllers' read-modify-write). Returns the stored object; if `change`
    /// leaves the object equal, nothing is written and the current object is returned.
    /// `change` runs under the resource's lock: keep it short and do not block in it.
    pub fn update_with(
        &self,
        gr: &GroupResource,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&mut Value) -> Result<()>,
    ) -> Result<Arc<StoredObject>> {
        self.update_with_opts(gr, namespace, name, false, change)
    }

    /// [`Store::update_with`], optionally as a dry run.
    pub fn update_with_opts(
        &self,
        gr: &GroupResource,
        namespace: &str,
        name: &str,
        dry_run: bool,
        change: impl FnOnce(&mut Value) -> Result<()>,
    ) -> Result<Arc<StoredObject>> {
        let key = object_key(namespace, name);
        let table = self.table(gr);
        let mut table = write(&table);
        let current = table
            .objects
            .get(&key)
            .cloned()
            .ok_or_else(|| Error::not_found(&gr.to_string(), name))?;
        let mut next = current.value.clone();
        change(&mut next)?;
        // Identity and system fields cannot be changed by a write.
        {
            let old_meta = current.value.get("metadata").cloned().unwrap_or(json!({}));
            let meta = metadata_mut(&mut next)?;
            for field in [
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "generation",
            ] {
                match old_meta.get(field) {
                    Some(v) => meta.insert(field.into(), v.clone()),
                    None => meta.remove(field),
                };
            }
            meta.insert("name".into(), json!(name));
            if namespace.is_empty() {
                meta.remove("namespace");
            } else {
                meta.insert("namespace".into(), json!(namespace));
            }
            meta.insert(
                "resourceVersion".into(),
                json!(current.resource_version.to_string()),
            );
        }
        if next == current.value {
            return Ok(current);
        }
        if next.get("spec") != current.value.get("spec") && next.get("spec").is_some() {
            let generation = current
                .value
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            metadata_mut(&mut next)?.insert("generation".into(), json!(generation + 1));
        }
        let being_deleted = current
            .value
            .pointer("/metadata/deletionTimestamp")
            .is_some();
        let finalizers_left = has_finalizers(gr, &next);
        if dry_run {
            return Ok(Arc::new(StoredObject::new(next, current.resource_version)));
        }
        let rv = self.next_rv();
        metadata_mut(&mut next)?.insert("resourceVersion".into(), json!(rv.to_string()));
        let obj = Arc::new(StoredObject::new(next, rv));
        if being_deleted && !finalizers_left {
            table.objects.remove(&key);
            self.index_owners(gr, &key, Some(&current), None);
            self.record(
                &mut table,
                WatchEvent::new(EventType::Deleted, obj.clone(), Some(current)),
            );
            drop(table);
            self.collect_dependents(&obj, Propagation::Background);
            return Ok(obj);
        }
        self.index_owners(gr, &key, Some(&current), Some(&obj));
        table.objects.insert(key, obj.clone());
        self.record(
            &mut table,
            WatchEvent::new(EventType::Modified, obj.clone(), Some(current)),
        );
        Ok(obj)
    }

    /// Deletes an object as kube-apiserver does: with finalizers it only gains a
    /// deletionTimestamp ([`Deleted::Pending`]); otherwise it is removed ([`Deleted::Gone`]) and
    /// its dependents (by ownerReferences) are deleted or orphaned per `options.propagation`.
    pub fn delete(
        &self,
        gr: &GroupResource,
        namespace: &str,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<Deleted> {
        let key = object_key(namespace, name);
        let table = self.table(gr);
        let mut guard = write(&table);
        let current = guard
            .objects
            .get(&key)
            .cloned()
            .ok_or_else(|| Error::not_found(&gr.to_string(), name))?;
        if let Some(uid) = &options.uid
            && uid != current.uid()
        {
            return Err(Error::ConflictMessage {
                resource: gr.to_string(),
                name: name.into(),
                message: format!(
                    "Operation cannot be fulfilled on {gr} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    current.uid()
                ),
                causes: vec![],
            });
        }
        if let Some(rv) = &options.resource_version
            && rv != str_at(&current.value, &["metadata", "resourceVersion"])
        {
            return Err(Error::Conflict {
                resource: gr.to_string(),
                name: name.into(),
            });
        }
        let mut finalizers: Vec<Value> = current
            .value
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let has_dependents = read(&self.inner.dependents)
            .get(current.uid())
            .is_some_and(|d| !d.is_empty());
        if options.propagation == Propagation::Foreground && has_dependents {
            finalizers.push(json!("foregroundDeletion"));
        }
        if options.propagation == Propagation::Orphan && has_dependents {
            finalizers.push(json!("orphan"));
        }
        if !finalizers.is_empty() || has_finalizers(gr, &current.value) {
            let mut next = current.value.clone();
            if is_namespaces(gr) {
                next["status"]["phase"] = json!("Terminating");
            }
            let already = current
                .value
                .pointer("/metadata/deletionTimestamp")
                .is_some();
            let meta = metadata_mut(&mut next)?;
            if !already {
                meta.insert("deletionTimestamp".into(), json!(now_rfc3339()));
                meta.insert("deletionGracePeriodSeconds".into(), json!(0));
            }
            let mut seen = HashSet::new();
            finalizers.retain(|f| seen.insert(f.as_str().unwrap_or("").to_string()));
            if finalizers.is_empty() {
                meta.remove("finalizers");
            } else {
                meta.insert("finalizers".into(), Value::Array(finalizers));
            }
            if options.dry_run {
                return Ok(Deleted::Pending(Arc::new(StoredObject::new(
                    next,
                    current.resource_version,
                ))));
            }
            let rv = self.next_rv();
            metadata_mut(&mut next)?.insert("resourceVersion".into(), json!(rv.to_string()));
            let obj = Arc::new(StoredObject::new(next, rv));
            guard.objects.insert(key, obj.clone());
            self.record(
                &mut guard,
                WatchEvent::new(EventType::Modified, obj.clone(), Some(current)),
            );
            drop(guard);
            // The sim's garbage collector acts at once on the two finalizers it owns.
            if matches!(
                options.propagation,
                Propagation::Foreground | Propagation::Orphan
            ) && has_dependents
            {
                let store = self.clone();
                let gr = gr.clone();
                let (namespace, name) = (namespace.to_string(), name.to_string());
                let propagation = options.propagation;
                let owner = obj.clone();
                let finish = move || {
                    store.collect_dependents(&owner, propagation);
                    let finalizer = if propagation == Propagation::Foreground {
                        "foregroundDeletion"
                    } else {
                        "orphan"
                    };
                    let _ = store.remove_finalizer(&gr, &namespace, &name, finalizer);
                };
                match tokio::runtime::Handle::try_current() {
                    Ok(handle) => {
                        handle.spawn(async move {
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            finish();
                        });
                    }
                    Err(_) => finish(),
                }
            }
            return Ok(Deleted::Pending(obj));
        }
        if options.dry_run {
            return Ok(Deleted::Gone(current));
        }
        let rv = self.next_rv();
        let mut last = current.value.clone();
        metadata_mut(&mut last)?.insert("resourceVersion".into(), json!(rv.to_string()));
        let obj = Arc::new(StoredObject::new(last, rv));
        guard.objects.remove(&key);
        self.index_owners(gr, &key, Some(&current), None);
        self.record(
            &mut guard,
            WatchEvent::new(EventType::Deleted, obj.clone(), Some(current)),
        );
        drop(guard);
        self.collect_dependents(&obj, Propagation::Background);
        Ok(Deleted::Gone(obj))
    }

    /// Removes one finalizer from an object (deleting it when it was the last one and the
    /// object is being deleted).
    pub fn remove_finalizer(
        &self,
        gr: &GroupResource,
        namespace: &str,
        name: &str,
        finalizer: &str,
    ) -> Result<()> {
        self.update_with(gr, namespace, name, |obj| {
            if let Some(list) = obj
                .pointer_mut("/metadata/finalizers")
                .and_then(Value::as_array_mut)
            {
                list.retain(|f| f.as_str() != Some(finalizer));
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// Deletes (or orphans) every object whose ownerReferences name `owner`.
    fn collect_dependents(&self, owner: &StoredObject, propagation: Propagation) {
        let uid = owner.uid().to_string();
        let dependents: Vec<(GroupResource, String)> = read(&self.inner.dependents)
            .get(&uid)
            .map(|d| d.iter().cloned().collect())
            .unwrap_or_default();
        for (gr, key) in dependents {
            let (namespace, name) = key.split_once('/').unwrap_or(("", key.as_str()));
            match propagation {
                Propagation::Orphan => {
                    let _ = self.update_with(&gr, namespace, name, |obj| {
                        if let Some(refs) = obj
                            .pointer_mut("/metadata/ownerReferences")
                            .and_then(Value::as_array_mut)
                        {
                            refs.retain(|r| {
                                r.get("uid").and_then(Value::as_str) != Some(uid.as_str())
                            });
                            if refs.is_empty()
                                && let Some(meta) =
                                    obj.get_mut("metadata").and_then(Value::as_object_mut)
                            {
                                meta.remove("ownerReferences");
                            }
                        }
                        Ok(())
                    });
                }
                Propagation::Background | Propagation::Foreground => {
                    let options = DeleteOptions {
                        propagation,
                        ..Default::default()
                    };
                    let _ = self.delete(&gr, namespace, name, &options);
                }
            }
        }
        write(&self.inner.dependents).remove(&uid);
    }

    fn index_owners(
        &self,
        gr: &GroupResource,
        key: &str,
        before: Option<&Arc<StoredObject>>,
        after: Option<&Arc<StoredObject>>,
    ) {
        let owners = |o: Option<&Arc<StoredObject>>| -> Vec<String> {
            o.and_then(|o| o.value.pointer("/metadata/ownerReferences"))
                .and_then(Value::as_array)
                .map(|refs| {
                    refs.iter()
                        .filter_map(|r| r.get("uid").and_then(Value::as_str))
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        let (old, new) = (owners(before), owners(after));
        if old == new {
            return;
        }
        let mut index = write(&self.inner.dependents);
        let entry = (gr.clone(), key.to_string());
        for uid in &old {
            if let Some(set) = index.get_mut(uid) {
                set.remove(&entry);
                if set.is_empty() {
                    index.remove(uid);
                }
            }
        }
        for uid in new {
            index.entry(uid).or_default().insert(entry.clone());
        }
    }

    /// The dependents of an owner uid (resource and `namespace/name` key).
    pub fn dependents_of(&self, uid: &str) -> Vec<(GroupResource, String)> {
        read(&self.inner.dependents)
            .get(uid)
            .map(|d| d.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn record(&self, table: &mut Table, event: Arc<WatchEvent>) {
        let _ = table.sender.send(event.clone());
        table.history.push_back(event);
        while table.history.len() > self.inner.history_limit {
            if let Some(old) = table.history.pop_front() {
                table.compacted_rv = old.resource_version();
            }
        }
    }

    /// Opens a watch. `since`: `None` (or `Some(0)`) starts now with no backlog; `Some(rv)`
    /// replays the kept events after `rv`, or fails with 410 Expired when `rv` is older than
    /// what the history holds.
    pub fn watch(&self, gr: &GroupResource, since: Option<u64>) -> Result<StoreWatch> {
        let table = self.table(gr);
        let table = read(&table);
        let live = table.sender.subscribe();
        let resource_version = self.resource_version();
        let backlog = match since {
            None | Some(0) => Vec::new(),
            Some(rv) if rv < table.compacted_rv => {
                return Err(Error::Expired(format!(
                    "too old resource version: {rv} ({})",
                    table.compacted_rv
                )));
            }
            Some(rv) => {
                let start = table
                    .history
                    .partition_point(|e| e.resource_version() <= rv);
                table.history.range(start..).cloned().collect()
            }
        };
        Ok(StoreWatch {
            backlog,
            live,
            resource_version,
        })
    }

    /// Opens a watch that starts with the current objects (in `namespace`, or all) as synthetic
    /// `Added` events, then follows live changes: what a watch without resourceVersion gets.
    pub fn watch_from_snapshot(&self, gr: &GroupResource, namespace: Option<&str>) -> StoreWatch {
        let table = self.table(gr);
        let table = read(&table);
        let live = table.sender.subscribe();
        let resource_version = self.resource_version();
        let prefix = namespace
            .filter(|ns| !ns.is_empty())
            .map(|ns| format!("{ns}/"));
        let backlog = table
            .objects
            .iter()
            .filter(|(k, _)| prefix.as_ref().is_none_or(|p| k.starts_with(p.as_str())))
            .map(|(_, o)| WatchEvent::new(EventType::Added, o.clone(), None))
            .collect();
        StoreWatch {
            backlog,
            live,
            resource_version,
        }
    }

    /// Live events of a resource from now on (controllers). On `Lagged`, re-list.
    pub fn subscribe(&self, gr: &GroupResource) -> broadcast::Receiver<Arc<WatchEvent>> {
        read(&self.table(gr)).sender.subscribe()
    }

    /// Forgets the watch history of every resource, as an etcd compaction does: watches from
    /// any earlier resourceVersion now get 410 Expired (tests use it to force a resync).
    pub fn compact(&self) {
        let rv = self.resource_version();
        for table in read(&self.inner.tables).values() {
            let mut t = write(table);
            t.history.clear();
            t.compacted_rv = rv;
        }
    }
}

/// The oldest resourceVersion still watchable for a resource is after this.
impl Store {
    /// The resourceVersion before which watches of `gr` get 410 Expired.
    pub fn compacted_resource_version(&self, gr: &GroupResource) -> u64 {
        read(&self.table(gr)).compacted_rv
    }
}

fn is_namespaces(gr: &GroupResource) -> bool {
    gr.group.is_empty() && gr.resource == "namespaces"
}

/// Whether finalizers hold the object: `metadata.finalizers`, and for namespaces also
/// `spec.finalizers` (`kubernetes`, removed by the namespace controller once it is empty).
fn has_finalizers(gr: &GroupResource, value: &Value) -> bool {
    let non_empty = |p: &str| {
        value
            .pointer(p)
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty())
    };
    non_empty("/metadata/finalizers") || (is_namespaces(gr) && non_empty("/spec/finalizers"))
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn metadata_mut(object: &mut Value) -> Result<&mut Map<String, Value>> {
    let obj = object
        .as_object_mut()
        .ok_or_else(|| Error::bad_request("the object must be a JSON object"))?;
    let meta = obj.entry("metadata").or_insert_with(|| json!({}));
    if meta.is_null() {
        *meta = json!({});
    }
    meta.as_object_mut()
        .ok_or_else(|| Error::bad_request("metadata must be an object"))
}

/// The string at a path of object fields, or `""`.
pub fn str_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    let mut v = value;
    for p in path {
        match v.get(p) {
            Some(next) => v = next,
            None => return "",
        }
    }
    v.as_str().unwrap_or("")
}

/// Now as kube-apiserver writes timestamps: RFC 3339, seconds, UTC (`2026-11-27T16:33:11Z`).
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Five characters from the alphabet kube uses for generated names (no vowels, no lookalikes).
pub fn random_suffix() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// Whether `s` is a DNS-1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters).
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Whether `s` is a DNS-1123 subdomain (dot-separated labels, at most 253 characters).
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

/// Names of most kinds must be DNS-1123 subdomains; namespaces, services and a few others
/// must be labels; RBAC and events accept path segments.
fn validate_name(kind: &str, gr: &GroupResource, name: &str) -> Result<()> {
    let label_kinds = ["namespaces", "services"];
    let path_segment_kinds = [
        "roles",
        "clusterroles",
        "rolebindings",
        "clusterrolebindings",
        "events",
    ];
    if path_segment_kinds.contains(&gr.resource.as_str()) {
        if name.contains('/') || name.contains('%') || name == "." || name == ".." {
            return Err(Error::invalid(
                kind,
                name,
                Cause::invalid("metadata.name", name, "may not contain '/' or '%'"),
            ));
        }
        return Ok(());
    }
    if label_kinds.contains(&gr.resource.as_str()) && gr.group.is_empty() {
        if !is_dns1123_label(name) {
            return Err(Error::invalid(
                kind,
                name,
                Cause::invalid("metadata.name", name, DNS1123_LABEL_MSG),
            ));
        }
        return Ok(());
    }
    if !is_dns1123_subdomain(name) {
        return Err(Error::invalid(
            kind,
            name,
            Cause::invalid("metadata.name", name, DNS1123_SUBDOMAIN_MSG),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": ns, "name": name}, "data": {"a": "1"}})
    }

    fn cms() -> GroupResource {
        GroupResource::core("configmaps")
    }

    #[test]
    fn create_fills_uid_timestamp_and_resource_version() {
        let store = Store::new();
        let obj = store.create(&cms(), true, cm("a", "x")).expect("create");
        assert!(!obj.uid().is_empty());
        assert!(
            obj.value()["metadata"]["creationTimestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        assert_eq!(
            obj.value()["metadata"]["resourceVersion"],
            obj.resource_version().to_string()
        );
        assert_eq!(store.resource_version(), obj.resource_version());
    }

    #[test]
    fn create_of_a_taken_name_is_already_exists() {
        let store = Store::new();
        store.create(&cms(), true, cm("a", "x")).expect("create");
        let err = store
            .create(&cms(), true, cm("a", "x"))
            .expect_err("second create");
        assert_eq!(
            err.to_status()["message"],
            "configmaps \"x\" already exists"
        );
    }

    #[test]
    fn generate_name_gets_a_five_character_suffix() {
        let store = Store::new();
        let obj = store
            .create(&cms(), true, json!({"kind": "ConfigMap", "metadata": {"namespace": "a", "generateName": "web-"}}))
            .expect("create");
        assert_eq!(obj.name().len(), "web-".len() + 5);
        assert!(obj.name().starts_with("web-"));
    }

    #[test]
    fn an_invalid_name_is_rejected_with_the_kube_message() {
        let store = Store::new();
        let err = store
            .create(&cms(), true, cm("a", "Bad_Name"))
            .expect_err("invalid");
        let reference: Value = crate::reference::json("kube-apiserver/error-invalid.json");
        assert_eq!(err.to_status(), reference);
    }

    #[test]
    fn update_with_a_stale_resource_version_is_a_conflict_and_changes_nothing() {
        let store = Store::new();
        let created = store.create(&cms(), true, cm("a", "x")).expect("create");
        let mut first = created.value().clone();
        first["data"]["a"] = json!("2");
        store.update(&cms(), first).expect("first update");
        let mut stale = created.value().clone();
        stale["data"]["a"] = json!("3");
        let err = store.update(&cms(), stale).expect_err("stale update");
        assert_eq!(err.code(), 409);
        assert_eq!(
            store.get(&cms(), "a", "x").expect("still there").value()["data"]["a"],
            "2"
        );
    }

    #[test]
    fn spec_change_bumps_generation_but_status_change_does_not() {
        let store = Store::new();
        let gr = GroupResource::new("apps", "deployments");
        let d = json!({"kind": "Deployment", "metadata": {"namespace": "a", "name": "web"}, "spec": {"replicas": 1}});
        store.create(&gr, true, d).expect("create");
        let after = store
            .update_with(&gr, "a", "web", |o| {
                o["status"] = json!({"replicas": 1});
                Ok(())
            })
            .expect("status");
        assert_eq!(after.value()["metadata"]["generation"], 1);
        let after = store
            .update_with(&gr, "a", "web", |o| {
                o["spec"]["replicas"] = json!(3);
                Ok(())
            })
            .expect("spec");
        assert_eq!(after.value()["metadata"]["generation"], 2);
    }

    #[test]
    fn list_pages_in_key_order_and_continues_after_the_last_key() {
        let store = Store::new();
        for name in ["c", "a", "b", "d"] {
            store.create(&cms(), true, cm("ns", name)).expect("create");
        }
        store
            .create(&cms(), true, cm("other", "z"))
            .expect("create");
        let page = store.list_page(
            &cms(),
            &ListParams {
                namespace: Some("ns"),
                limit: 2,
                ..Default::default()
            },
        );
        let names: Vec<&str> = page.items.iter().map(|o| o.name()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(page.remaining, Some(2));
        let after = page.continue_after.expect("more pages");
        let page = store.list_page(
            &cms(),
            &ListParams {
                namespace: Some("ns"),
                limit: 2,
                after: Some(&after),
                ..Default::default()
            },
        );
        let names: Vec<&str> = page.items.iter().map(|o| o.name()).collect();
        assert_eq!(names, ["c", "d"]);
        assert!(
            page.continue_after.is_none(),
            "the last page has no continue"
        );
    }

    #[test]
    fn watch_replays_events_after_a_resource_version() {
        let store = Store::new();
        let first = store.create(&cms(), true, cm("a", "x")).expect("create");
        store.create(&cms(), true, cm("a", "y")).expect("create");
        let watch = store
            .watch(&cms(), Some(first.resource_version()))
            .expect("watch");
        assert_eq!(watch.backlog.len(), 1);
        assert_eq!(watch.backlog[0].object.name(), "y");
    }

    #[test]
    fn watch_from_before_the_compaction_is_expired() {
        let store = Store::new();
        let first = store.create(&cms(), true, cm("a", "x")).expect("create");
        store.create(&cms(), true, cm("a", "y")).expect("create");
        store.compact();
        let err = store
            .watch(&cms(), Some(first.resource_version()))
            .err()
            .expect("expired");
        assert_eq!(err.code(), 410);
        assert_eq!(err.reason(), "Expired");
    }

    #[test]
    fn history_is_bounded_and_old_versions_expire() {
        let store = Store::with_history(2);
        let first = store.create(&cms(), true, cm("a", "x1")).expect("create");
        for i in 2..=5 {
            store
                .create(&cms(), true, cm("a", &format!("x{i}")))
                .expect("create");
        }
        assert!(store.watch(&cms(), Some(first.resource_version())).is_err());
        assert_eq!(
            store
                .watch(&cms(), Some(store.resource_version() - 2))
                .expect("recent")
                .backlog
                .len(),
            2
        );
    }

    #[test]
    fn delete_with_finalizers_only_marks_the_object() {
        let store = Store::new();
        let mut obj = cm("a", "x");
        obj["metadata"]["finalizers"] = json!(["example.com/keep"]);
        store.create(&cms(), true, obj).expect("create");
        let deleted = store
            .delete(&cms(), "a", "x", &DeleteOptions::default())
            .expect("delete");
        assert!(matches!(deleted, Deleted::Pending(_)));
        assert!(store.get(&cms(), "a", "x").expect("still there").value()["metadata"]["deletionTimestamp"].is_string());
        store
            .remove_finalizer(&cms(), "a", "x", "example.com/keep")
            .expect("remove finalizer");
        assert!(
            store.get(&cms(), "a", "x").is_none(),
            "the last finalizer gone deletes the object"
        );
    }

    #[test]
    fn background_delete_removes_dependents() {
        let store = Store::new();
        let rs = GroupResource::new("apps", "replicasets");
        let owner = store
            .create(
                &rs,
                true,
                json!({"kind": "ReplicaSet", "metadata": {"namespace": "a", "name": "web"}}),
            )
            .expect("owner");
        let pods = GroupResource::core("pods");
        let pod = json!({"kind": "Pod", "metadata": {"namespace": "a", "name": "web-1",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": owner.uid()}]}});
        store.create(&pods, true, pod).expect("pod");
        store
            .delete(&rs, "a", "web", &DeleteOptions::default())
            .expect("delete");
        assert!(store.get(&pods, "a", "web-1").is_none());
    }

    #[test]
    fn orphan_delete_keeps_dependents_without_the_owner_reference() {
        let store = Store::new();
        let rs = GroupResource::new("apps", "replicasets");
        let owner = store
            .create(
                &rs,
                true,
                json!({"kind": "ReplicaSet", "metadata": {"namespace": "a", "name": "web"}}),
            )
            .expect("owner");
        let pods = GroupResource::core("pods");
        let pod = json!({"kind": "Pod", "metadata": {"namespace": "a", "name": "web-1",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": owner.uid()}]}});
        store.create(&pods, true, pod).expect("pod");
        let opts = DeleteOptions {
            propagation: Propagation::Orphan,
            ..Default::default()
        };
        store.delete(&rs, "a", "web", &opts).expect("delete");
        assert!(store.get(&rs, "a", "web").is_none());
        let pod = store.get(&pods, "a", "web-1").expect("pod kept");
        assert!(pod.value()["metadata"].get("ownerReferences").is_none());
    }

    #[test]
    fn bulk_insert_of_many_objects_is_listable() {
        let store = Store::new();
        let pods = GroupResource::core("pods");
        let n = store.insert_bulk(
            &pods,
            (0..1000).map(|i| json!({"kind": "Pod", "metadata": {"namespace": format!("ns{}", i % 3), "name": format!("p{i}")}})),
        );
        assert_eq!(n, 1000);
        assert_eq!(store.count(&pods), 1000);
        assert_eq!(store.list(&pods, Some("ns1")).len(), 333);
    }
}
