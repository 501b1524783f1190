//! The verbs on resources: get, list, create, update, patch, delete, deletecollection, and the
//! subresources status, scale, eviction, binding and namespace finalize.

use std::sync::Arc;

use axum::response::Response;
use base64::Engine;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};

use crate::api::http::{Call, Representation, bytes_response, decode_body, respond};
use crate::api::patch::{self, PatchType};
use crate::api::selectors::{FieldSelector, LabelSelector};
use crate::api::{auth, defaults, managed_fields, pod_logs, resource_metrics, table};
use crate::error::{Cause, Error, Result};
use crate::storage::ResourceInfo;
use crate::storage::{
    DeleteOptions, Deleted, GroupResource, ListParams, Propagation, StoredObject, str_at,
};

/// The `(label, field)` selectors of a request, validated.
pub fn selectors(call: &Call<'_>) -> Result<(LabelSelector, FieldSelector)> {
    let labels = LabelSelector::parse(call.param("labelSelector").unwrap_or(""))?;
    let fields = FieldSelector::parse(call.param("fieldSelector").unwrap_or(""))?;
    fields.validate(&call.info.group, &call.info.plural)?;
    Ok((labels, fields))
}

/// Whether an object matches the selectors of a request.
pub fn matches(
    info: &ResourceInfo,
    labels: &LabelSelector,
    fields: &FieldSelector,
    obj: &StoredObject,
) -> bool {
    (labels.is_empty() || labels.matches(obj.labels()))
        && (fields.is_empty() || fields.matches(&info.group, &info.plural, obj.value()))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    v: String,
    rv: u64,
    start: String,
}

/// Encodes the key a list page ended at as kube's opaque continue token.
pub fn encode_continue(rv: u64, after: &str) -> String {
    let token = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv,
        start: format!("{after}\u{0}"),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&token).unwrap_or_default())
}

/// Decodes a continue token into the key to continue after.
pub fn decode_continue(token: &str) -> Result<String> {
    let invalid = |why: &str| Error::bad_request(format!("continue key is not valid: {why}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| invalid("not base64"))?;
    let token: ContinueToken =
        serde_json::from_slice(&bytes).map_err(|_| invalid("not a continue token"))?;
    if token.v != "meta.k8s.io/v1" {
        return Err(invalid("unknown version"));
    }
    Ok(token.start.trim_end_matches('\u{0}').to_string())
}

/// GET on a collection.
pub fn list(call: &Call<'_>) -> Result<Response> {
    let info = &call.info;
    if info.group == "metrics.k8s.io" {
        return resource_metrics::list(call);
    }
    let (labels, fields) = selectors(call)?;
    let limit: usize = match call.param("limit") {
        Some(l) => l
            .parse()
            .map_err(|_| Error::bad_request(format!("invalid limit {l:?}")))?,
        None => 0,
    };
    let after = call
        .param("continue")
        .filter(|c| !c.is_empty())
        .map(decode_continue)
        .transpose()?;
    let filter = |o: &StoredObject| matches(info, &labels, &fields, o);
    let page = call.state.store.list_page(
        &info.group_resource(),
        &ListParams {
            namespace: call.req.namespace.as_deref(),
            after: after.as_deref(),
            limit,
            filter: if labels.is_empty() && fields.is_empty() {
                None
            } else {
                Some(&filter)
            },
        },
    );
    let mut list_meta = json!({"resourceVersion": page.resource_version.to_string()});
    if let Some(after) = &page.continue_after {
        list_meta["continue"] = json!(encode_continue(page.resource_version, after));
    }
    if let Some(n) = page.remaining {
        list_meta["remainingItemCount"] = json!(n);
    }
    match call.representation {
        Representation::Table => {
            let include = call.param("includeObject").unwrap_or("Metadata");
            let value = table::table(info, &page.items, include, list_meta);
            Ok(respond(call, StatusCode::OK, &value))
        }
        Representation::PartialMetadata => {
            let items: Vec<Value> = page.items.iter().map(|o| partial(o.value())).collect();
            let value = json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta, "items": items});
            Ok(respond(call, StatusCode::OK, &value))
        }
        Representation::Yaml => {
            let items: Vec<Value> = page.items.iter().map(|o| versioned(info, o)).collect();
            let value = json!({"kind": format!("{}List", info.kind), "apiVersion": info.api_version(), "metadata": list_meta, "items": items});
            Ok(respond(call, StatusCode::OK, &value))
        }
        _ => {
            // Fast path: concatenate each object's cached JSON.
            let mut out = Vec::with_capacity(
                64 + page
                    .items
                    .iter()
                    .map(|o| o.json_bytes().len() + 1)
                    .sum::<usize>(),
            );
            out.extend_from_slice(
                format!(
                    "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
                    info.kind,
                    info.api_version(),
                    list_meta
                )
                .as_bytes(),
            );
            let api_version = info.api_version();
            for (i, o) in page.items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if info.custom && str_at(o.value(), &["apiVersion"]) != api_version {
                    out.extend_from_slice(
                        &serde_json::to_vec(&versioned(info, o)).unwrap_or_default(),
                    );
                } else {
                    out.extend_from_slice(o.json_bytes());
                }
            }
            out.extend_from_slice(b"]}");
            Ok(bytes_response(
                StatusCode::OK,
                Bytes::from(out),
                "application/json",
            ))
        }
    }
}

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

fn current(call: &Call<'_>) -> Result<Arc<StoredObject>> {
    let name = call.req.name.as_deref().unwrap_or("");
    call.state
        .store
        .get(&call.info.group_resource(), call.namespace(), name)
        .ok_or_else(|| Error::not_found(&call.info.group_resource().to_string(), name))
}

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

/// GET on an object or one of its subresources.
pub async fn get(call: &Call<'_>) -> Result<Response> {
    if call.info.group == "metrics.k8s.io" {
        return resource_metrics::get(call);
    }
    match call.req.subresource.as_deref() {
        None | Some("status") => {
            let obj = current(call)?;
            Ok(respond_object(call, StatusCode::OK, &obj))
        }
        Some("scale") => {
            let obj = current(call)?;
            Ok(respond(call, StatusCode::OK, &scale_of(obj.value())))
        }
        Some("log") => pod_logs::serve(call).await,
        Some(other) => Err(Error::MethodNotAllowed(format!(
            "the server does not allow GET on {other}"
        ))),
    }
}

/// The autoscaling/v1 Scale of a workload.
pub fn scale_of(obj: &Value) -> Value {
    let meta = &obj["metadata"];
    let selector = obj
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
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

fn review(call: &Call<'_>, mut object: Value) -> Result<Response> {
    let user = call.user;
    let value = match call.info.plural.as_str() {
        "selfsubjectaccessreviews" => auth::access_review(user, object),
        "localsubjectaccessreviews" | "subjectaccessreviews" => {
            let name = str_at(&object, &["spec", "user"]).to_string();
            let subject = call
                .state
                .users
                .iter()
                .find(|u| u.name == name)
                .cloned()
                .unwrap_or_else(|| auth::User::new(&name, "", &[], vec![]));
            auth::access_review(&subject, object)
        }
        "selfsubjectrulesreviews" => {
            let ns = str_at(&object, &["spec", "namespace"]).to_string();
            let served: Vec<(String, String)> = call
                .state
                .kinds
                .all()
                .iter()
                .map(|r| (r.group.clone(), r.plural.clone()))
                .collect();
            auth::rules_review(user, &ns, &served, object)
        }
        "tokenreviews" => {
            let token = str_at(&object, &["spec", "token"]).to_string();
            object["status"] = match crate::api::http::user_of_token(&call.state.users, &token) {
                Some(u) => {
                    json!({"authenticated": true, "user": auth::user_info(u), "audiences": []})
                }
                None => json!({"authenticated": false, "error": "invalid bearer token"}),
            };
            object
        }
        _ => {
            object["status"] = json!({"userInfo": auth::user_info(user)});
            object
        }
    };
    let mut value = value;
    value["apiVersion"] = json!(call.info.api_version());
    value["kind"] = json!(call.info.kind);
    Ok(respond(call, StatusCode::CREATED, &value))
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

/// Writes a change to an existing object atomically: `change` maps the current object to the
/// proposed one; the subresource rules, defaults and managedFields are applied; a
/// resourceVersion in the proposed object must match.
fn write(
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

/// The DeleteOptions of a request, from its body and query.
fn delete_options(call: &Call<'_>, body: &[u8]) -> Result<DeleteOptions> {
    let mut options = DeleteOptions {
        dry_run: call.dry_run(),
        ..Default::default()
    };
    let content_type = call
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        decode_body(body, content_type, "DeleteOptions")?
    };
    let policy = call
        .param("propagationPolicy")
        .map(String::from)
        .or_else(|| body["propagationPolicy"].as_str().map(String::from));
    let orphan = call
        .param("orphanDependents")
        .map(|v| v == "true")
        .or_else(|| body["orphanDependents"].as_bool());
    options.propagation = match (policy.as_deref(), orphan) {
        (Some("Foreground"), _) => Propagation::Foreground,
        (Some("Orphan"), _) | (None, Some(true)) => Propagation::Orphan,
        (Some("Background") | None, _) => Propagation::Background,
        (Some(other), _) => {
            return Err(Error::invalid(
                "DeleteOptions",
                "",
                Cause {
                    reason: "FieldValueNotSupported".into(),
                    message: format!(
                        "Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
                    ),
                    field: "propagationPolicy".into(),
                },
            ));
        }
    };
    if body
        .get("dryRun")
        .and_then(Value::as_array)
        .is_some_and(|d| d.iter().any(|v| v == "All"))
    {
        options.dry_run = true;
    }
    options.uid = body
        .pointer("/preconditions/uid")
        .and_then(Value::as_str)
        .map(String::from);
    options.resource_version = body
        .pointer("/preconditions/resourceVersion")
        .and_then(Value::as_str)
        .map(String::from);
    Ok(options)
}

/// DELETE on an object: returns the object (with deletionTimestamp while finalizers hold it).
pub fn delete(call: &Call<'_>, body: &[u8]) -> Result<Response> {
    if call.req.subresource.is_some() {
        return Err(Error::MethodNotAllowed(
            "the server does not allow DELETE on a subresource".into(),
        ));
    }
    let options = delete_options(call, body)?;
    let name = call.req.name.clone().unwrap_or_default();
    let deleted = call.state.store.delete(
        &call.info.group_resource(),
        call.namespace(),
        &name,
        &options,
    )?;
    let obj = match &deleted {
        Deleted::Gone(o) | Deleted::Pending(o) => o.clone(),
    };
    Ok(respond_object(call, StatusCode::OK, &obj))
}

/// DELETE on a collection: deletes what the selectors match, returns them as a list.
pub fn delete_collection(call: &Call<'_>, body: &[u8]) -> Result<Response> {
    let info = call.info.clone();
    let options = delete_options(call, body)?;
    let (labels, fields) = selectors(call)?;
    let items = call
        .state
        .store
        .list(&info.group_resource(), call.req.namespace.as_deref());
    let mut deleted = Vec::new();
    for obj in items.iter().filter(|o| matches(&info, &labels, &fields, o)) {
        if let Ok(d) = call.state.store.delete(
            &info.group_resource(),
            obj.namespace(),
            obj.name(),
            &options,
        ) {
            deleted.push(d.object().value().clone());
        }
    }
    let value = json!({"kind": format!("{}List", info.kind), "apiVersion": info.api_version(),
        "metadata": {"resourceVersion": call.state.store.resource_version().to_string()}, "items": deleted});
    Ok(respond(call, StatusCode::OK, &value))
}

/// POST pods/{name}/eviction: deletes the pod unless a PodDisruptionBudget forbids it (429).
fn evict(call: &Call<'_>, eviction: &Value) -> Result<Response> {
    let pods = GroupResource::core("pods");
    let name = call.req.name.clone().unwrap_or_default();
    let ns = call.namespace().to_string();
    let pod = call
        .state
        .store
        .get(&pods, &ns, &name)
        .ok_or_else(|| Error::not_found("pods", &name))?;
    let pod_labels = pod.labels().cloned();
    let pdbs = call.state.store.list(
        &GroupResource::new("policy", "poddisruptionbudgets"),
        Some(&ns),
    );
    for pdb in &pdbs {
        let spec = &pdb.value()["spec"];
        let selector = label_selector_of(&spec["selector"]);
        if selector.is_empty() || !selector.matches(pod_labels.as_ref()) {
            continue;
        }
        let matching: Vec<Arc<StoredObject>> = call
            .state
            .store
            .list(&pods, Some(&ns))
            .into_iter()
            .filter(|p| selector.matches(p.labels()))
            .collect();
        let healthy = matching.iter().filter(|p| is_ready(p.value())).count() as i64;
        let expected = matching.len() as i64;
        let desired = match (&spec["minAvailable"], &spec["maxUnavailable"]) {
            (Value::Null, Value::Null) => expected,
            (min, Value::Null) => int_or_percent(min, expected, true),
            (_, max) => expected - int_or_percent(max, expected, false),
        };
        let pod_healthy = is_ready(pod.value());
        let allowed = if pod_healthy { healthy - desired } else { 1 };
        if allowed <= 0 {
            let pdb_name = pdb.name().to_string();
            return Err(Error::TooManyRequests {
                message: "Cannot evict pod as it would violate the pod's disruption budget.".into(),
                causes: vec![Cause {
                    reason: "DisruptionBudget".into(),
                    message: format!(
                        "The disruption budget {pdb_name} needs {desired} healthy pods and has {healthy} currently"
                    ),
                    field: String::new(),
                }],
            });
        }
    }
    let mut options = DeleteOptions {
        dry_run: call.dry_run(),
        ..Default::default()
    };
    if let Some(uid) = eviction
        .pointer("/deleteOptions/preconditions/uid")
        .and_then(Value::as_str)
    {
        options.uid = Some(uid.to_string());
    }
    call.state.store.delete(&pods, &ns, &name, &options)?;
    Ok(respond(
        call,
        StatusCode::CREATED,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// POST serviceaccounts/{name}/token: a bearer token for the service account. The sim's
/// policy knows no service accounts, so the token authenticates nothing; it is opaque.
fn token_request(call: &Call<'_>, mut request: Value) -> Result<Response> {
    let name = call.req.name.clone().unwrap_or_default();
    let account = call
        .state
        .store
        .get(
            &GroupResource::core("serviceaccounts"),
            call.namespace(),
            &name,
        )
        .ok_or_else(|| Error::not_found("serviceaccounts", &name))?;
    let seconds = request
        .pointer("/spec/expirationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(3600);
    let now = jiff::Timestamp::now();
    let expires = now
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .unwrap_or(now);
    let token = format!(
        "sim-sa-{}-{}-{}",
        call.namespace(),
        name,
        uuid::Uuid::new_v4().simple()
    );
    if !request.is_object() {
        request = json!({});
    }
    request["apiVersion"] = json!("authentication.k8s.io/v1");
    request["kind"] = json!("TokenRequest");
    request["metadata"] = json!({"name": name, "namespace": call.namespace(), "uid": account.uid(),
        "creationTimestamp": crate::storage::now_rfc3339()});
    request["status"] = json!({"token": token, "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()});
    Ok(respond(call, StatusCode::CREATED, &request))
}

fn bind(call: &Call<'_>, binding: &Value) -> Result<Response> {
    let node = str_at(binding, &["target", "name"]).to_string();
    if node.is_empty() {
        return Err(Error::invalid(
            "Binding",
            "",
            Cause::required("target.name", ""),
        ));
    }
    write(call, "Update", |cur| {
        let mut next = cur.clone();
        next["spec"]["nodeName"] = json!(node);
        Ok(next)
    })?;
    Ok(respond(
        call,
        StatusCode::CREATED,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

fn int_or_percent(v: &Value, total: i64, round_up: bool) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => {
            let pct: f64 = s.trim_end_matches('%').parse().unwrap_or(0.0);
            let x = pct * total as f64 / 100.0;
            if round_up {
                x.ceil() as i64
            } else {
                x.floor() as i64
            }
        }
        _ => 0,
    }
}

/// A metav1.LabelSelector (matchLabels, matchExpressions) as a parsed selector.
pub fn label_selector_of(selector: &Value) -> LabelSelector {
    use crate::api::selectors::Requirement;
    let mut requirements = Vec::new();
    if let Some(m) = selector["matchLabels"].as_object() {
        for (k, v) in m {
            requirements.push(Requirement::Equals(
                k.clone(),
                v.as_str().unwrap_or("").to_string(),
            ));
        }
    }
    for e in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = e["key"].as_str().unwrap_or("").to_string();
        let values: Vec<String> = e["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        requirements.push(match e["operator"].as_str().unwrap_or("") {
            "In" => Requirement::In(key, values),
            "NotIn" => Requirement::NotIn(key, values),
            "Exists" => Requirement::Exists(key),
            _ => Requirement::DoesNotExist(key),
        });
    }
    LabelSelector { requirements }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_look_like_kubes() {
        let token = encode_continue(20287, "default/web-1");
        assert!(
            token.starts_with("eyJ2IjoibWV0YS5rOHMuaW8vdjEi"),
            "same prefix as kube's tokens: {token}"
        );
        assert_eq!(decode_continue(&token).expect("valid"), "default/web-1");
        assert_eq!(
            decode_continue("not-a-token!").expect_err("invalid").code(),
            400
        );
    }

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

    #[test]
    fn pdb_percentages_round_like_kube() {
        assert_eq!(int_or_percent(&json!("50%"), 3, true), 2);
        assert_eq!(int_or_percent(&json!("50%"), 3, false), 1);
        assert_eq!(int_or_percent(&json!(2), 3, true), 2);
    }
}
