//! Writing: create, update (PUT), patch and server-side apply, with the checks, defaults and
//! managedFields kube-apiserver applies to every write.

use std::sync::Arc;

use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

use super::actions::{bind, evict, review, token_request};
use super::{respond_object, scale_of};
use crate::api::http::{Call, decode_body, respond};
use crate::api::patch::{self, PatchType};
use crate::api::{defaults, managed_fields};
use crate::error::{Cause, Error, Result};
use crate::storage::{GroupResource, ResourceInfo, StoredObject, str_at};

/// Makes sure `metadata` is an object (absent or null becomes `{}`), so later writes to it
/// cannot fail; anything else is a BadRequest.
fn check_metadata(object: &mut Value) -> Result<()> {
    let Some(map) = object.as_object_mut() else {
        return Err(Error::bad_request("the object must be a JSON object"));
    };
    match map.get("metadata") {
        None | Some(Value::Null) => {
            map.insert("metadata".into(), json!({}));
            Ok(())
        }
        Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(Error::bad_request("metadata must be an object")),
    }
}

/// Checks `apiVersion`/`kind` of a body against the resource, filling them when absent.
fn check_type(info: &ResourceInfo, object: &mut Value) -> Result<()> {
    check_metadata(object)?;
    if !object.is_object() {
        return Err(Error::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): couldn't get version/kind; json parse error: not an object",
            info.kind
        )));
    }
    let api_version = str_at(object, &["apiVersion"]).to_string();
    let kind = str_at(object, &["kind"]).to_string();
    if !kind.is_empty() && kind != info.kind {
        return Err(Error::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): {kind} in version \"{api_version}\" cannot be handled as a {}",
            info.kind, info.kind
        )));
    }
    if !api_version.is_empty() && api_version != info.api_version() && !info.custom {
        return Err(Error::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            info.api_version()
        )));
    }
    object["apiVersion"] = json!(info.api_version());
    object["kind"] = json!(info.kind);
    Ok(())
}

/// Sets the request namespace on a body, rejecting a different one as kube does.
fn check_namespace(call: &Call<'_>, object: &mut Value) -> Result<()> {
    if !call.info.namespaced {
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("namespace");
        }
        return Ok(());
    }
    let ns = call.namespace();
    let body_ns = str_at(object, &["metadata", "namespace"]);
    if !body_ns.is_empty() && body_ns != ns {
        return Err(Error::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    if object.get("metadata").is_none_or(|m| !m.is_object()) {
        object["metadata"] = json!({});
    }
    object["metadata"]["namespace"] = json!(ns);
    Ok(())
}

fn check_name(call: &Call<'_>, object: &mut Value) -> Result<()> {
    let name = call.req.name.as_deref().unwrap_or("");
    let body_name = str_at(object, &["metadata", "name"]);
    if !body_name.is_empty() && body_name != name {
        return Err(Error::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    object["metadata"]["name"] = json!(name);
    Ok(())
}

fn namespace_must_exist(call: &Call<'_>) -> Result<()> {
    if !call.info.namespaced {
        return Ok(());
    }
    let ns = call.namespace();
    let found = call
        .state
        .store
        .get(&GroupResource::core("namespaces"), "", ns);
    match found {
        None => Err(Error::not_found("namespaces", ns)),
        Some(n) if n.value().pointer("/metadata/deletionTimestamp").is_some() => {
            Err(Error::Forbidden {
                message: format!(
                    "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                    call.info.group_resource(),
                    call.req.name.as_deref().unwrap_or("")
                ),
                resource: call.info.group_resource().to_string(),
                name: None,
                group: String::new(),
            })
        }
        Some(_) => Ok(()),
    }
}

/// Rejects unknown top-level fields with `fieldValidation=Strict`, as a schema check would.
fn validate_fields(call: &Call<'_>, object: &Value) -> Result<()> {
    if call.param("fieldValidation") != Some("Strict") || call.info.custom {
        return Ok(());
    }
    let known = [
        "apiVersion",
        "kind",
        "metadata",
        "spec",
        "status",
        "data",
        "binaryData",
        "stringData",
        "type",
        "immutable",
        "rules",
        "subjects",
        "roleRef",
        "aggregationRule",
        "secrets",
        "imagePullSecrets",
        "automountServiceAccountToken",
        "subsets",
        "involvedObject",
        "reason",
        "message",
        "source",
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "eventTime",
        "series",
        "action",
        "related",
        "reportingComponent",
        "reportingInstance",
        "regarding",
        "note",
        "deprecatedSource",
        "deprecatedFirstTimestamp",
        "deprecatedLastTimestamp",
        "deprecatedCount",
        "provisioner",
        "parameters",
        "reclaimPolicy",
        "mountOptions",
        "allowVolumeExpansion",
        "volumeBindingMode",
        "allowedTopologies",
        "revision",
        "addressType",
        "endpoints",
        "ports",
        "template",
        "webhooks",
    ];
    if let Some(map) = object.as_object() {
        let unknown: Vec<Cause> = map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .map(|k| Cause {
                reason: "FieldValueInvalid".into(),
                message: format!("unknown field \"{k}\""),
                field: k.clone(),
            })
            .collect();
        if !unknown.is_empty() {
            let text: Vec<String> = unknown.iter().map(|c| c.message.clone()).collect();
            let kind = &call.info.kind;
            return Err(Error::bad_request(format!(
                "{kind} in version \"{}\" cannot be handled as a {kind}: strict decoding error: {}",
                call.info.version,
                text.join(", ")
            )));
        }
    }
    Ok(())
}

/// POST on a collection (or the eviction and binding subresources, or an access review).
pub fn create(call: &Call<'_>, body: &[u8], content_type: &str) -> Result<Response> {
    let info = &call.info;
    let mut object = decode_body(body, content_type, &info.kind)?;
    match (info.group.as_str(), info.plural.as_str()) {
        (
            "authorization.k8s.io",
            "selfsubjectaccessreviews"
            | "selfsubjectrulesreviews"
            | "subjectaccessreviews"
            | "localsubjectaccessreviews",
        )
        | ("authentication.k8s.io", "tokenreviews" | "selfsubjectreviews") => {
            return review(call, object);
        }
        _ => {}
    }
    match call.req.subresource.as_deref() {
        Some("eviction") => return evict(call, &object),
        Some("binding") => return bind(call, &object),
        Some("token") => return token_request(call, object),
        Some(other) => {
            return Err(Error::MethodNotAllowed(format!(
                "the server does not allow POST on {other}"
            )));
        }
        None => {}
    }
    if call.req.name.is_some() {
        return Err(Error::MethodNotAllowed(
            "POST must be sent to the collection".into(),
        ));
    }
    check_type(info, &mut object)?;
    validate_fields(call, &object)?;
    check_namespace(call, &mut object)?;
    namespace_must_exist(call)?;
    defaults::apply(info, &mut object, true);
    managed_fields::record_update(
        None,
        &mut object,
        &call.field_manager(),
        &info.api_version(),
        "Update",
    );
    let created = call.state.store.create_opts(
        &info.group_resource(),
        info.namespaced,
        object,
        call.dry_run(),
    )?;
    Ok(respond_object(call, StatusCode::CREATED, &created))
}

/// Keeps the part of the object a write may change: the main resource does not change status,
/// the status subresource changes only status.
fn restrict_to_subresource(
    info: &ResourceInfo,
    sub: Option<&str>,
    current: &Value,
    mut proposed: Value,
) -> Value {
    match sub {
        Some("status") => {
            let mut next = current.clone();
            next["status"] = proposed.get("status").cloned().unwrap_or(Value::Null);
            if next["status"].is_null()
                && let Some(m) = next.as_object_mut()
            {
                m.remove("status");
            }
            next
        }
        Some("ephemeralcontainers") => with_ephemeral_containers(current, &proposed),
        None if info.has_subresource("status") => {
            match current.get("status") {
                Some(s) => proposed["status"] = s.clone(),
                None => {
                    if let Some(m) = proposed.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            proposed
        }
        _ => proposed,
    }
}

/// A pod with the ephemeral containers `proposed` adds (existing ones stay as they are: they
/// cannot be changed or removed), each started at once as the kubelet would start it.
fn with_ephemeral_containers(current: &Value, proposed: &Value) -> Value {
    let list = |value: &Value, pointer: &str| -> Vec<Value> {
        value
            .pointer(pointer)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut containers = list(current, "/spec/ephemeralContainers");
    let mut statuses = list(current, "/status/ephemeralContainerStatuses");
    let now = crate::storage::now_rfc3339();
    for container in list(proposed, "/spec/ephemeralContainers") {
        let name = container["name"].clone();
        if name.as_str().is_none_or(str::is_empty) || containers.iter().any(|c| c["name"] == name) {
            continue;
        }
        statuses.push(
            json!({"name": name, "image": container["image"], "imageID": "",
            "ready": false, "restartCount": 0, "state": {"running": {"startedAt": now}}}),
        );
        containers.push(container);
    }
    let mut next = current.clone();
    next["spec"]["ephemeralContainers"] = Value::Array(containers);
    next["status"]["ephemeralContainerStatuses"] = Value::Array(statuses);
    next
}

/// Writes a change to an existing object atomically: `change` maps the current object to the
/// proposed one; the subresource rules, defaults and managedFields are applied; a
/// resourceVersion in the proposed object must match.
pub(super) fn write(
    call: &Call<'_>,
    operation: &str,
    change: impl FnOnce(&Value) -> Result<Value>,
) -> Result<Arc<StoredObject>> {
    let info = call.info.clone();
    let name = call.req.name.clone().unwrap_or_default();
    let sub = call.req.subresource.clone();
    let manager = call.field_manager();
    call.state.store.update_with_opts(
        &info.group_resource(),
        call.namespace(),
        &name,
        call.dry_run(),
        |stored| {
            let cur: &Value = &stored.clone();
            let mut proposed = change(cur)?;
            let expected = str_at(&proposed, &["metadata", "resourceVersion"]).to_string();
            if !expected.is_empty() && expected != str_at(cur, &["metadata", "resourceVersion"]) {
                return Err(Error::Conflict {
                    resource: info.group_resource().to_string(),
                    name: name.clone(),
                });
            }
            if let Some(meta) = proposed.get_mut("metadata").and_then(Value::as_object_mut) {
                match cur.pointer("/metadata/managedFields") {
                    Some(m) if operation != "Apply" => {
                        meta.insert("managedFields".into(), m.clone())
                    }
                    _ => None,
                };
            }
            let mut next = restrict_to_subresource(&info, sub.as_deref(), cur, proposed);
            keep_allocated(&info, cur, &mut next);
            defaults::apply(&info, &mut next, false);
            if operation != "Apply" {
                managed_fields::record_update(
                    Some(cur),
                    &mut next,
                    &manager,
                    &info.api_version(),
                    operation,
                );
            }
            *stored = next;
            Ok(())
        },
    )
}

/// Keeps what the server allocated when an update leaves it out (a Service's cluster IPs and
/// node ports, a Job's generated selector), as kube-apiserver does.
fn keep_allocated(info: &ResourceInfo, current: &Value, next: &mut Value) {
    let keep = |next: &mut Value, pointer: &str| {
        let missing = next
            .pointer(pointer)
            .is_none_or(|v| v.is_null() || v.as_str() == Some(""));
        if let (true, Some(value)) = (missing, current.pointer(pointer)) {
            let (parent, field) = pointer.rsplit_once('/').unwrap_or(("", pointer));
            if let Some(map) = next.pointer_mut(parent).and_then(Value::as_object_mut) {
                map.insert(field.to_string(), value.clone());
            }
        }
    };
    match (info.group.as_str(), info.plural.as_str()) {
        ("", "services") => {
            keep(next, "/spec/clusterIP");
            keep(next, "/spec/clusterIPs");
            let old_ports = current
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if let Some(ports) = next
                .pointer_mut("/spec/ports")
                .and_then(Value::as_array_mut)
            {
                for p in ports.iter_mut() {
                    let same = old_ports.iter().find(|o| o["port"] == p["port"]);
                    if let (Some(old), Some(map)) = (same, p.as_object_mut())
                        && !map.contains_key("nodePort")
                        && let Some(node_port) = old.get("nodePort")
                    {
                        map.insert("nodePort".into(), node_port.clone());
                    }
                }
            }
        }
        ("batch", "jobs") => keep(next, "/spec/selector"),
        _ => {}
    }
}

/// PUT on an object or its status, scale or (namespaces) finalize subresource.
pub fn update(call: &Call<'_>, body: &[u8], content_type: &str) -> Result<Response> {
    let info = call.info.clone();
    let mut object = decode_body(body, content_type, &info.kind)?;
    if call.req.subresource.as_deref() == Some("scale") {
        let replicas = object
            .pointer("/spec/replicas")
            .cloned()
            .unwrap_or(json!(0));
        let expected = str_at(&object, &["metadata", "resourceVersion"]).to_string();
        let obj = write(call, "Update", |cur| {
            let mut next = cur.clone();
            next["spec"]["replicas"] = replicas;
            if !expected.is_empty() {
                next["metadata"]["resourceVersion"] = json!(expected);
            }
            Ok(next)
        })?;
        return Ok(respond(call, StatusCode::OK, &scale_of(obj.value())));
    }
    check_type(&info, &mut object)?;
    validate_fields(call, &object)?;
    check_namespace(call, &mut object)?;
    check_name(call, &mut object)?;
    if call.req.subresource.as_deref() == Some("finalize") {
        let finalizers = object
            .pointer("/spec/finalizers")
            .cloned()
            .unwrap_or(json!([]));
        let obj = write(call, "Update", |cur| {
            let mut next = cur.clone();
            next["spec"]["finalizers"] = finalizers;
            Ok(next)
        })?;
        return Ok(respond_object(call, StatusCode::OK, &obj));
    }
    let obj = write(call, "Update", |_| Ok(object))?;
    Ok(respond_object(call, StatusCode::OK, &obj))
}

/// PATCH on an object or its status or scale subresource; server-side apply creates.
pub fn patch(call: &Call<'_>, body: &[u8], content_type: &str) -> Result<Response> {
    let info = call.info.clone();
    let patch_type = PatchType::from_content_type(content_type).ok_or_else(|| {
        Error::UnsupportedMediaType(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml{}",
            if info.custom { "" } else { ", application/strategic-merge-patch+json" }
        ))
    })?;
    if patch_type == PatchType::Strategic && info.custom {
        return Err(Error::UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml".into(),
        ));
    }
    let patch_body = decode_body(body, content_type, &info.kind)?;
    if patch_type == PatchType::Apply {
        return apply(call, patch_body);
    }
    let compute = |target: &Value| -> Result<Value> {
        match patch_type {
            PatchType::Json => patch::json_patch(target, &patch_body).map_err(|e| match e {
                Error::Invalid { causes, .. } => Error::Invalid {
                    kind: info.kind.clone(),
                    name: call.req.name.clone().unwrap_or_default(),
                    causes,
                },
                other => other,
            }),
            PatchType::Merge => Ok(patch::merge_patch(target, &patch_body)),
            _ => patch::strategic_merge(target, &patch_body),
        }
    };
    if call.req.subresource.as_deref() == Some("scale") {
        let obj = write(call, "Update", |cur| {
            let patched = compute(&scale_of(cur))?;
            let mut next = cur.clone();
            next["spec"]["replicas"] = patched
                .pointer("/spec/replicas")
                .cloned()
                .unwrap_or(json!(0));
            Ok(next)
        })?;
        return Ok(respond(call, StatusCode::OK, &scale_of(obj.value())));
    }
    let obj = write(call, "Update", |cur| {
        let mut next = compute(cur)?;
        check_metadata(&mut next)?;
        // A patch may not rename or move the object.
        next["metadata"]["name"] = cur["metadata"]["name"].clone();
        if call.info.namespaced {
            next["metadata"]["namespace"] = cur["metadata"]["namespace"].clone();
        }
        next["apiVersion"] = cur["apiVersion"].clone();
        next["kind"] = cur["kind"].clone();
        Ok(next)
    })?;
    Ok(respond_object(call, StatusCode::OK, &obj))
}

/// Server-side apply: merges the applied configuration into the object, tracking field owners;
/// creates the object when it does not exist (201).
fn apply(call: &Call<'_>, mut config: Value) -> Result<Response> {
    let info = call.info.clone();
    let manager = match call.param("fieldManager") {
        Some(m) if !m.is_empty() => m.to_string(),
        _ => {
            return Err(Error::bad_request(
                "PATCH, application/apply-patch+yaml requests require a fieldManager query parameter",
            ));
        }
    };
    let force = call.flag("force");
    check_type(&info, &mut config)?;
    check_namespace(call, &mut config)?;
    check_name(call, &mut config)?;
    let name = call.req.name.clone().unwrap_or_default();
    let exists = call
        .state
        .store
        .get(&info.group_resource(), call.namespace(), &name)
        .is_some();
    if !exists {
        namespace_must_exist(call)?;
        let mut object =
            managed_fields::apply(None, &config, &manager, &info.api_version(), force)?;
        defaults::apply(&info, &mut object, true);
        let created = call.state.store.create_opts(
            &info.group_resource(),
            info.namespaced,
            object,
            call.dry_run(),
        )?;
        return Ok(respond_object(call, StatusCode::CREATED, &created));
    }
    let api_version = info.api_version();
    let sub = call.req.subresource.clone();
    let obj = write(call, "Apply", |cur| {
        let mut config = config.clone();
        if sub.as_deref() == Some("status") {
            // Applying to status merges only status.
            config = json!({"apiVersion": config["apiVersion"], "kind": config["kind"], "metadata": config["metadata"], "status": config["status"]});
        }
        let mut next = managed_fields::apply(Some(cur), &config, &manager, &api_version, force)?;
        next["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"].clone();
        Ok(next)
    })?;
    Ok(respond_object(call, StatusCode::OK, &obj))
}
