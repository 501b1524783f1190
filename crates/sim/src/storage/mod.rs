//! Where the simulated cluster keeps its objects: the store (the sim's etcd), with its
//! versions, ordering and change events, and the catalogue of kinds it serves.
//!
//! Everything else reads and writes objects through [`Store`]; the API layer adds what
//! kube-apiserver adds on top (authorization, defaults, managedFields), the controllers
//! reconcile through it.

mod kinds;
mod store;

pub use kinds::{Kinds, ResourceInfo, Subresource};
pub use store::{
    DEFAULT_HISTORY, DeleteOptions, Deleted, EventType, GroupResource, ListPage, ListParams,
    Propagation, Store, StoreWatch, StoredObject, WATCH_CHANNEL_CAPACITY, WatchEvent,
    is_dns1123_label, is_dns1123_subdomain, now_rfc3339, object_key, random_suffix, str_at,
    watch_line,
};
