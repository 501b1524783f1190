//! Deletes objects as kube-apiserver does: finalizers hold an object (it only gains a
//! deletionTimestamp until they are removed), and deleting an owner deletes or orphans its
//! dependents by their ownerReferences, as the garbage collector would.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Value, json};

use super::history::{EventType, WatchEvent};
use super::store::{metadata_mut, read, write};
use super::{GroupResource, Store, StoredObject, now_rfc3339, object_key, str_at};
use crate::error::{Error, Result};

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

impl Store {
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
            && rv != str_at(current.value(), &["metadata", "resourceVersion"])
        {
            return Err(Error::Conflict {
                resource: gr.to_string(),
                name: name.into(),
            });
        }
        let mut finalizers: Vec<Value> = current
            .value()
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
        if !finalizers.is_empty() || has_finalizers(gr, current.value()) {
            let mut next = current.value().clone();
            if is_namespaces(gr) {
                next["status"]["phase"] = json!("Terminating");
            }
            let already = current
                .value()
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
                    current.resource_version(),
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
        let mut last = current.value().clone();
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
        if *gr == super::kinds::crd_resource() {
            self.remove_custom_resources(&obj);
        }
        Ok(Deleted::Gone(obj))
    }

    /// What kube-apiserver does when a CRD goes: every object of its resource is deleted (a
    /// DELETED event each on open watches), then those watches end, and the resource is no
    /// longer served (the kinds are read from the stored CRDs, so its paths answer 404).
    fn remove_custom_resources(&self, crd: &StoredObject) {
        let group = str_at(crd.value(), &["spec", "group"]).to_string();
        let plural = str_at(crd.value(), &["spec", "names", "plural"]).to_string();
        if plural.is_empty() {
            return;
        }
        let gr = GroupResource::new(&group, &plural);
        for object in self.list(&gr, None) {
            let _ = self.delete(
                &gr,
                object.namespace(),
                object.name(),
                &DeleteOptions::default(),
            );
        }
        // Dropping the table drops its live channel: every watch of the resource ends.
        write(&self.inner.tables).remove(&gr);
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
    pub(super) fn collect_dependents(&self, owner: &StoredObject, propagation: Propagation) {
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

    /// Keeps the owner uid → dependents index in step with a change of `key` from `before` to
    /// `after`.
    pub(super) fn index_owners(
        &self,
        gr: &GroupResource,
        key: &str,
        before: Option<&Arc<StoredObject>>,
        after: Option<&Arc<StoredObject>>,
    ) {
        let owners = |o: Option<&Arc<StoredObject>>| -> Vec<String> {
            o.and_then(|o| o.value().pointer("/metadata/ownerReferences"))
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
}

fn is_namespaces(gr: &GroupResource) -> bool {
    gr.group.is_empty() && gr.resource == "namespaces"
}

/// Whether finalizers hold the object: `metadata.finalizers`, and for namespaces also
/// `spec.finalizers` (`kubernetes`, removed by the namespace controller once it is empty).
pub(super) fn has_finalizers(gr: &GroupResource, value: &Value) -> bool {
    let non_empty = |p: &str| {
        value
            .pointer(p)
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty())
    };
    non_empty("/metadata/finalizers") || (is_namespaces(gr) && non_empty("/spec/finalizers"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::fixtures::{cm, cms};

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
}
