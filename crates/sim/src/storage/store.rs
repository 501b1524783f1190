//! Keeps every object of the simulated cluster in memory, versioned, ordered and watchable.
//!
//! The store is the sim's etcd: one global `resourceVersion` counter, one table per resource
//! (`GroupResource`, e.g. `apps/deployments`) holding objects in a `BTreeMap` keyed like etcd keys
//! (`namespace/name`, or `name` for cluster-scoped kinds) so paging is ordered and cheap, and a
//! bounded history of change events per resource so watches can resume from a `resourceVersion`
//! (kept by `history`).
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
//! generation, generateName, name validation (`names`), optimistic concurrency, finalizers and
//! deletionTimestamp, garbage collection of dependents by ownerReferences (`deletion`)).
//! API-level rules (authorization, defaults per kind, status vs. spec subresources,
//! managedFields) live in the API layer, [`crate::api`].

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use super::deletion::{Propagation, has_finalizers};
use super::history::{DEFAULT_HISTORY, EventType, WATCH_CHANNEL_CAPACITY, WatchEvent};
use super::names::{random_suffix, validate_name};
use super::{GroupResource, StoredObject, object_key, str_at};
use crate::error::{Cause, Error, Result};

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

/// One resource's objects in key order, its change history and its live channel.
#[derive(Debug)]
pub(super) struct Table {
    pub(super) objects: BTreeMap<String, Arc<StoredObject>>,
    pub(super) history: VecDeque<Arc<WatchEvent>>,
    /// Watches from a version older than this get 410 Expired.
    pub(super) compacted_rv: u64,
    pub(super) sender: broadcast::Sender<Arc<WatchEvent>>,
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

/// What clones of a [`Store`] share.
#[derive(Debug)]
pub(super) struct Inner {
    pub(super) tables: RwLock<HashMap<GroupResource, Arc<RwLock<Table>>>>,
    pub(super) revision: AtomicU64,
    pub(super) history_limit: usize,
    /// Owner uid → dependents (resource, key), for garbage collection.
    pub(super) dependents: RwLock<HashMap<String, HashSet<(GroupResource, String)>>>,
}

/// The object store of the sim. Cheap to clone: clones share the same data.
#[derive(Debug, Clone)]
pub struct Store {
    pub(super) inner: Arc<Inner>,
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

    pub(super) fn next_rv(&self) -> u64 {
        self.inner.revision.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub(super) fn table(&self, gr: &GroupResource) -> Arc<RwLock<Table>> {
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
        let mut next = current.value().clone();
        change(&mut next)?;
        // Identity and system fields cannot be changed by a write.
        {
            let old_meta = current
                .value()
                .get("metadata")
                .cloned()
                .unwrap_or(json!({}));
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
                json!(current.resource_version().to_string()),
            );
        }
        if &next == current.value() {
            return Ok(current);
        }
        if next.get("spec") != current.value().get("spec") && next.get("spec").is_some() {
            let generation = current
                .value()
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            metadata_mut(&mut next)?.insert("generation".into(), json!(generation + 1));
        }
        let being_deleted = current
            .value()
            .pointer("/metadata/deletionTimestamp")
            .is_some();
        let finalizers_left = has_finalizers(gr, &next);
        if dry_run {
            return Ok(Arc::new(StoredObject::new(
                next,
                current.resource_version(),
            )));
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
}

pub(super) fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(super) fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(super) fn metadata_mut(object: &mut Value) -> Result<&mut Map<String, Value>> {
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

/// Now as kube-apiserver writes timestamps: RFC 3339, seconds, UTC (`2026-11-27T16:33:11Z`).
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::fixtures::{cm, cms};

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
