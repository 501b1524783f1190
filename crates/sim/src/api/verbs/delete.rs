//! Deleting: DELETE on an object and on a collection, with kube's DeleteOptions
//! (propagationPolicy, orphanDependents, preconditions, dryRun).

use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

use super::respond_object;
use crate::api::http::{Call, decode_body, respond};
use crate::api::selectors::{matches, selectors};
use crate::error::{Cause, Error, Result};
use crate::storage::{DeleteOptions, Deleted, Propagation};

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
