//! An object's YAML, saving an edit with optimistic concurrency (a conflict says what changed),
//! and deletion with a propagation choice.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::detail::changed_paths;
use wheelhouse_model::yaml::{Error as YamlError, parse as parse_yaml};

use super::{ObjectPath, Target};
use crate::AppState;
use crate::error::IntoAppError;
use crate::error::{AppError, Result};
use crate::person::Me;
use wheelhouse_cluster::calls::{Calls, Deletion, PropagationPolicy, without_managed_fields};

/// What stands in for a Secret's value until the person reveals it. Not base64, so the API
/// server could never take it for a value; [`update`] refuses it first with the reason.
pub(crate) const HIDDEN_VALUE: &str = "(hidden: reveal to see or edit)";

/// Replaces a Secret's values (`data`, `stringData`) by [`HIDDEN_VALUE`], keeping the keys.
pub(crate) fn hide_secret_values(target: &Target, object: &mut Value) {
    if !(target.kind.group.is_empty() && target.kind.kind == "Secret") {
        return;
    }
    for field in ["data", "stringData"] {
        if let Some(Value::Object(values)) = object.get_mut(field) {
            for value in values.values_mut() {
                *value = json!(HIDDEN_VALUE);
            }
        }
    }
}

/// `GET …/{name}/yaml`: the object as YAML, without managedFields unless asked, a Secret's
/// values hidden unless revealed.
pub(super) async fn yaml(
    target: &Target,
    calls: &Calls,
    managed: bool,
    reveal: bool,
) -> Result<Response> {
    let object = target.get(calls).await?;
    let mut object = if managed {
        object
    } else {
        without_managed_fields(object)
    };
    if !reveal {
        hide_secret_values(target, &mut object);
    }
    let text = serde_yaml::to_string(&object).map_err(AppError::internal)?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/yaml; charset=utf-8")],
        text,
    )
        .into_response())
}

/// A body as a JSON value: JSON for `application/json`, YAML otherwise; a parse error names
/// line and column.
pub(super) fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if json {
        return serde_json::from_slice(body).map_err(|e| {
            AppError::bad_request(format!(
                "the JSON does not parse at line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
            .with_details(json!({"line": e.line(), "column": e.column()}))
        });
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::bad_request("the body is not UTF-8 text"))?;
    parse_yaml(text).map_err(|e| yaml_error(&e, None, 0))
}

/// A YAML error naming its line (counted from the start of the body) and column; a text that
/// expands past its budget is 413, as a body past the size limit is.
pub(super) fn yaml_error(
    error: &YamlError,
    document: Option<usize>,
    first_line: usize,
) -> AppError {
    let line = error.line().map(|l| l + first_line);
    let column = error.column();
    let at = match (document, line, column) {
        (Some(d), Some(l), Some(c)) => format!(" in document {d} at line {l}, column {c}"),
        (None, Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(d), _, _) => format!(" in document {d}"),
        _ => String::new(),
    };
    let error = match error {
        YamlError::YamlTooLarge { .. } | YamlError::YamlTooDeep { .. } => AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLarge",
            format!("the YAML was not read{at}: {error}"),
        ),
        _ => AppError::bad_request(format!("the YAML does not parse{at}: {error}")),
    };
    error.with_details(json!({"document": document, "line": line, "column": column}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateParams {
    namespace: Option<String>,
    dry_run: Option<bool>,
}

/// `PUT …/{name}`: replaces the object; the API server checks `metadata.resourceVersion`.
pub(super) async fn update(
    State(state): State<AppState>,
    me: Me,
    Extension(resources): Extension<Arc<Resources>>,
    path: ObjectPath,
    Query(params): Query<UpdateParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let target = Target::resolve(&state, &resources, path.0, params.namespace).await?;
    let sent = parse_body(&headers, &body)?;
    if !sent.is_object() {
        return Err(AppError::bad_request(
            "the body must be one object (a YAML or JSON map)",
        ));
    }
    let body_name = sent.pointer("/metadata/name").and_then(Value::as_str);
    if body_name != Some(target.name.as_str()) {
        return Err(AppError::bad_request(format!(
            "the body's metadata.name ({}) is not the object being saved ({})",
            body_name.unwrap_or("missing"),
            target.name
        )));
    }
    let body_namespace = sent.pointer("/metadata/namespace").and_then(Value::as_str);
    if let (Some(expected), Some(given)) = (target.namespace.as_deref(), body_namespace)
        && expected != given
    {
        return Err(AppError::bad_request(format!(
            "the body's metadata.namespace ({given}) is not the object's namespace ({expected})"
        )));
    }
    let hidden = ["data", "stringData"].iter().any(|field| {
        sent.get(*field)
            .and_then(Value::as_object)
            .is_some_and(|values| values.values().any(|v| v == HIDDEN_VALUE))
    });
    if hidden {
        return Err(AppError::bad_request(
            "this Secret's values are hidden: reveal them, then edit, so that saving does not replace them",
        ));
    }
    let calls = me.calls.clone();
    let dry_run = params.dry_run == Some(true);
    match calls
        .replace(
            &target.kind,
            target.namespace.as_deref(),
            &target.name,
            &sent,
            dry_run,
        )
        .await
    {
        Ok(saved) => {
            let saved = without_managed_fields(saved);
            let version = saved.pointer("/metadata/resourceVersion").cloned();
            Ok(
                Json(json!({"object": saved, "resourceVersion": version, "dryRun": dry_run}))
                    .into_response(),
            )
        }
        Err(failure) if failure.code == 409 && failure.reason == "Conflict" => {
            let current = without_managed_fields(target.get(&calls).await?);
            let changed = changed_paths(&sent, &current);
            let version = current.pointer("/metadata/resourceVersion").cloned();
            Err(AppError::new(StatusCode::CONFLICT, "Conflict", failure.message).with_details(
                json!({"currentResourceVersion": version, "changed": changed, "current": current}),
            ))
        }
        Err(failure) => Err(failure.into_error(target.details("update"))),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeleteParams {
    namespace: Option<String>,
    propagation_policy: Option<String>,
    grace_period_seconds: Option<u64>,
    dry_run: Option<bool>,
}

/// `DELETE …/{name}`: deletes with the chosen propagation.
pub(super) async fn delete(
    State(state): State<AppState>,
    me: Me,
    Extension(resources): Extension<Arc<Resources>>,
    path: ObjectPath,
    Query(params): Query<DeleteParams>,
) -> Result<Response> {
    let target = Target::resolve(&state, &resources, path.0, params.namespace).await?;
    let propagation = match params.propagation_policy.as_deref().unwrap_or_default() {
        "" => None,
        "Foreground" => Some(PropagationPolicy::Foreground),
        "Background" => Some(PropagationPolicy::Background),
        "Orphan" => Some(PropagationPolicy::Orphan),
        policy => {
            return Err(AppError::bad_request(format!(
                "propagationPolicy must be Foreground, Background or Orphan, not {policy:?}"
            )));
        }
    };
    let deletion = Deletion {
        propagation,
        grace_period_seconds: params
            .grace_period_seconds
            .map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
        dry_run: params.dry_run == Some(true),
    };
    let answer = me
        .calls
        .delete(
            &target.kind,
            target.namespace.as_deref(),
            &target.name,
            &deletion,
        )
        .await
        .map_err(|f| f.into_error(target.details("delete")))?;
    // The API server answers the object while it is still there (finalizers, foreground), a
    // Status otherwise.
    let still_there = answer
        .as_ref()
        .is_some_and(|object| object.pointer("/metadata/deletionTimestamp").is_some());
    let object = answer.map(without_managed_fields);
    Ok(Json(json!({"deleted": !still_there, "object": object})).into_response())
}
