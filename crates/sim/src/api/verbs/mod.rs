//! The verbs on resources: get, list, create, update, patch, delete, deletecollection, and the
//! subresources status, scale, eviction, binding and namespace finalize.
//!
//! - `read`: get and list;
//! - `write`: create, update, patch and server-side apply;
//! - `delete`: delete and deletecollection;
//! - `actions`: access reviews, eviction, binding and token requests.

mod actions;
mod delete;
mod read;
mod write;

use std::sync::Arc;

use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};
use wheelhouse_model::selector::Selector;

use crate::api::http::{Call, Representation, bytes_response, respond};
use crate::api::table;
use crate::error::{Error, Result};
use crate::storage::{ResourceInfo, StoredObject};

pub use delete::{delete, delete_collection};
pub use read::{get, list};
pub use write::{create, patch, update};

/// The object as served at the requested version (custom resources may be stored at another).
pub fn versioned(info: &ResourceInfo, obj: &StoredObject) -> Value {
    let mut value = obj.value().clone();
    if info.custom {
        value["apiVersion"] = json!(info.api_version());
    }
    value
}

/// A PartialObjectMetadata of an object.
pub fn partial(value: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": value.get("metadata").cloned().unwrap_or(json!({}))})
}

/// The object a request names, or 404.
fn current(call: &Call<'_>) -> Result<Arc<StoredObject>> {
    let name = call.req.name.as_deref().unwrap_or("");
    call.state
        .store
        .get(&call.info.group_resource(), call.namespace(), name)
        .ok_or_else(|| Error::not_found(&call.info.group_resource().to_string(), name))
}

/// Answers with an object in the representation asked for: Table, metadata only, JSON or YAML.
fn respond_object(call: &Call<'_>, status: StatusCode, obj: &StoredObject) -> Response {
    match call.representation {
        Representation::Table => {
            let value = table::table(
                &call.info,
                std::slice::from_ref(&Arc::new(StoredObject::detached(obj.value().clone()))),
                call.param("includeObject").unwrap_or("Metadata"),
                json!({"resourceVersion": obj.resource_version().to_string()}),
            );
            respond(call, status, &value)
        }
        Representation::PartialMetadata => respond(call, status, &partial(obj.value())),
        Representation::Json if !call.info.custom => {
            bytes_response(status, obj.json_bytes().clone(), "application/json")
        }
        _ => respond(call, status, &versioned(&call.info, obj)),
    }
}

/// The autoscaling/v1 Scale of a workload.
pub fn scale_of(obj: &Value) -> Value {
    let meta = &obj["metadata"];
    // The selector as a query, matchExpressions included, as kube-apiserver writes it.
    let selector = Selector::of_workload(obj)
        .ok()
        .flatten()
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut status =
        json!({"replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0))});
    if !selector.is_empty() {
        status["selector"] = json!(selector);
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"]
        },
        "spec": {"replicas": obj.pointer("/spec/replicas").cloned().unwrap_or(json!(1))},
        "status": status
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_of_a_deployment_matches_the_reference_shape() {
        let d = json!({"metadata": {"name": "web", "namespace": "reference", "uid": "u", "resourceVersion": "1", "creationTimestamp": "t"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}}, "status": {"replicas": 3}});
        let reference: Value = crate::reference::json("kube-apiserver/scale-get.json");
        let scale = scale_of(&d);
        assert_eq!(scale["spec"], reference["spec"]);
        assert_eq!(scale["status"], reference["status"]);
        assert_eq!(scale["apiVersion"], reference["apiVersion"]);
    }
}
