//! Where the simulated cluster keeps its objects: the store (the sim's etcd) with its versions,
//! ordering and change history, and the catalogue of kinds it serves.
//!
//! Everything else reads and writes objects through [`Store`]; the API layer adds what
//! kube-apiserver adds on top (authorization, defaults, managedFields), and the controllers
//! reconcile through it.
//!
//! - `store`: tables of objects, lists and pages, create and update;
//! - `history`: the change events, the bounded history watches resume from, and watches;
//! - `deletion`: finalizers and garbage collection of dependents;
//! - `names`: which names each kind accepts;
//! - `object`: an object as stored, and its resource type;
//! - `kinds`: the built-in kinds and those of CRDs.

mod deletion;
mod history;
mod kinds;
mod names;
mod object;
mod store;

pub use deletion::{DeleteOptions, Deleted, Propagation};
pub use history::{DEFAULT_HISTORY, EventType, StoreWatch, WatchEvent, watch_line};
pub use kinds::{Kinds, ResourceInfo, Subresource};
pub use object::{GroupResource, StoredObject, str_at};
pub use store::{ListPage, ListParams, Store, now_rfc3339};

use object::object_key;

#[cfg(test)]
mod fixtures {
    use serde_json::{Value, json};

    use super::GroupResource;

    /// A ConfigMap with one key: the object the store's tests write.
    pub fn cm(ns: &str, name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": ns, "name": name}, "data": {"a": "1"}})
    }

    pub fn cms() -> GroupResource {
        GroupResource::core("configmaps")
    }
}
