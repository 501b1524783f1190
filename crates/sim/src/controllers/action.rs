//! What a reconcile pass decides to do, before the runtime writes it to the store.
//!
//! Reconcilers are pure: they read objects and return `Action`s, so tests can check
//! decisions without a store or a clock.

use serde_json::Value;

use super::events::EventSpec;
use crate::storage::GroupResource;

/// One write a controller wants.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create an object (the store fills uid, resourceVersion and a generated name).
    Create {
        resource: GroupResource,
        object: Value,
    },
    /// Create an object, then record an event whose message has `{name}` replaced by the
    /// name the object got (`Created pod: web-7d4b9-x2x4q`).
    CreateAndReport {
        resource: GroupResource,
        object: Value,
        event: EventSpec,
    },
    /// Apply an RFC 7386 JSON merge patch (spec fields, annotations, labels).
    Merge {
        resource: GroupResource,
        namespace: String,
        name: String,
        patch: Value,
    },
    /// Replace the whole `status` of an object.
    SetStatus {
        resource: GroupResource,
        namespace: String,
        name: String,
        status: Value,
    },
    /// Delete an object (dependents go with it, by ownerReferences).
    Delete {
        resource: GroupResource,
        namespace: String,
        name: String,
    },
    /// Record an Event (counted on an existing one when it repeats).
    Event(EventSpec),
}

impl Action {
    /// A merge patch on `obj`.
    pub fn merge(resource: GroupResource, obj: &Value, patch: Value) -> Action {
        Action::Merge {
            resource,
            namespace: super::meta::namespace(obj).to_string(),
            name: super::meta::name(obj).to_string(),
            patch,
        }
    }

    /// A status replacement on `obj`, or nothing when the status is already that.
    pub fn status(resource: GroupResource, obj: &Value, status: Value) -> Option<Action> {
        (obj.get("status") != Some(&status)).then(|| Action::SetStatus {
            resource,
            namespace: super::meta::namespace(obj).to_string(),
            name: super::meta::name(obj).to_string(),
            status,
        })
    }

    /// The deletion of `obj`.
    pub fn delete(resource: GroupResource, obj: &Value) -> Action {
        Action::Delete {
            resource,
            namespace: super::meta::namespace(obj).to_string(),
            name: super::meta::name(obj).to_string(),
        }
    }
}

/// The resources the controllers read and write.
pub mod gr {
    use crate::storage::GroupResource;

    pub fn pods() -> GroupResource {
        GroupResource::core("pods")
    }
    pub fn nodes() -> GroupResource {
        GroupResource::core("nodes")
    }
    pub fn namespaces() -> GroupResource {
        GroupResource::core("namespaces")
    }
    pub fn services() -> GroupResource {
        GroupResource::core("services")
    }
    pub fn endpoints() -> GroupResource {
        GroupResource::core("endpoints")
    }
    pub fn events() -> GroupResource {
        GroupResource::core("events")
    }
    pub fn persistentvolumes() -> GroupResource {
        GroupResource::core("persistentvolumes")
    }
    pub fn pvcs() -> GroupResource {
        GroupResource::core("persistentvolumeclaims")
    }
    pub fn deployments() -> GroupResource {
        GroupResource::new("apps", "deployments")
    }
    pub fn replicasets() -> GroupResource {
        GroupResource::new("apps", "replicasets")
    }
    pub fn statefulsets() -> GroupResource {
        GroupResource::new("apps", "statefulsets")
    }
    pub fn daemonsets() -> GroupResource {
        GroupResource::new("apps", "daemonsets")
    }
    pub fn jobs() -> GroupResource {
        GroupResource::new("batch", "jobs")
    }
    pub fn cronjobs() -> GroupResource {
        GroupResource::new("batch", "cronjobs")
    }
    pub fn leases() -> GroupResource {
        GroupResource::new("coordination.k8s.io", "leases")
    }
    pub fn poddisruptionbudgets() -> GroupResource {
        GroupResource::new("policy", "poddisruptionbudgets")
    }
    pub fn controllerrevisions() -> GroupResource {
        GroupResource::new("apps", "controllerrevisions")
    }
    pub fn endpointslices() -> GroupResource {
        GroupResource::new("discovery.k8s.io", "endpointslices")
    }
}
