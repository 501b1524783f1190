//! `POST /api/v1/apply`: server-side apply of each document of a multi-document YAML body, with
//! field manager `wheelhouse`, answering per document (created, configured, unchanged or the API
//! server's error with its causes). `dryRun=true` validates without saving.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_cluster::calls::{Calls, Cause, Failure, without_managed_fields};
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::detail::ObjectLink;
use wheelhouse_model::yaml;

use super::edit::yaml_error;
use super::kind_of;
use crate::AppState;
use crate::error::{AppError, Result};
use crate::person::Me;

/// The field manager of everything Wheelhouse applies.
pub const FIELD_MANAGER: &str = "wheelhouse";

/// `POST /api/v1/apply`: what became of each document, and whether all of them succeeded.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApplyAnswer {
    pub dry_run: bool,
    pub ok: bool,
    pub results: Vec<ApplyResult>,
}

/// What became of one document.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApplyResult {
    /// Its place among the body's documents, from 0.
    pub index: usize,
    /// The body's line (from 1) where it starts.
    pub line: usize,
    pub api_version: Option<String>,
    pub kind: Option<String>,
    /// `null` for a cluster-scoped kind, or before the kind is known.
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// Its detail's path (after `/api/v1/resources/`), once its kind and name are known.
    pub path: Option<String>,
    pub result: Applied,
    pub error: Option<ApplyError>,
}

/// What applying a document did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Applied {
    Created,
    Configured,
    Unchanged,
    Failed,
}

/// Why a document failed: the API server's code, reason, message and causes, or ours.
#[derive(Debug, Serialize, TS)]
pub(crate) struct ApplyError {
    pub code: u16,
    pub reason: String,
    pub message: String,
    pub causes: Vec<Cause>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApplyParams {
    dry_run: Option<bool>,
    namespace: Option<String>,
}

/// One document of the body: where it starts and what it holds.
#[derive(Debug, PartialEq)]
struct Document {
    /// 1-based line of the body where the document starts.
    line: usize,
    value: Value,
}

/// Splits a multi-document YAML body (`wheelhouse_model::yaml::numbered_documents`); the
/// objects of a `kind: List` (as `kubectl get -o yaml` writes) are documents of their own.
fn documents(text: &str) -> Result<Vec<Document>> {
    let numbered = yaml::numbered_documents(text)
        .map_err(|e| yaml_error(&e.error, Some(e.document), e.first_line - 1))?;
    let mut out = Vec::new();
    for yaml::Numbered { line, value } in numbered {
        match value {
            Value::Object(ref map) if map.get("kind").and_then(Value::as_str) == Some("List") => {
                for item in map
                    .get("items")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    out.push(Document {
                        line,
                        value: item.clone(),
                    });
                }
            }
            value => out.push(Document { line, value }),
        }
    }
    Ok(out)
}

pub(super) async fn apply(
    State(state): State<AppState>,
    me: Me,
    Extension(resources): Extension<Arc<Resources>>,
    Query(params): Query<ApplyParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::bad_request("the body is not UTF-8 text"))?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let documents = if is_json {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            AppError::bad_request(format!(
                "the JSON does not parse at line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
            .with_details(json!({"document": 1, "line": e.line(), "column": e.column()}))
        })?;
        vec![Document { line: 1, value }]
    } else {
        documents(text)?
    };
    state.cluster.ensure_connected().await?;
    let kinds = resources.kind_set().await.map_err(AppError::from)?;
    let calls = me.calls.clone();
    let dry_run = params.dry_run == Some(true);
    let default_namespace = params
        .namespace
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".into());
    let mut results = Vec::new();
    for (index, document) in documents.into_iter().enumerate() {
        results.push(apply_one(&calls, &kinds, index, document, &default_namespace, dry_run).await);
    }
    let ok = results.iter().all(|r| r.result != Applied::Failed);
    Ok(Json(ApplyAnswer {
        dry_run,
        ok,
        results,
    })
    .into_response())
}

async fn apply_one(
    calls: &Calls,
    kinds: &wheelhouse_cluster::discovery::KindSet,
    index: usize,
    document: Document,
    default_namespace: &str,
    dry_run: bool,
) -> ApplyResult {
    let Document { line, mut value } = document;
    let text = |p: &str| value.pointer(p).and_then(Value::as_str).map(str::to_string);
    let api_version = text("/apiVersion");
    let kind_name = text("/kind");
    let name = text("/metadata/name");
    let mut result = ApplyResult {
        index,
        line,
        api_version: api_version.clone(),
        kind: kind_name.clone(),
        namespace: None,
        name: name.clone(),
        path: None,
        result: Applied::Failed,
        error: None,
    };
    let fail = |mut result: ApplyResult, code: u16, reason: &str, message: String| {
        result.error = Some(ApplyError {
            code,
            reason: reason.to_string(),
            message,
            causes: Vec::new(),
        });
        result
    };
    let (Some(api_version), Some(kind_name), Some(name)) = (api_version, kind_name, name) else {
        return fail(
            result,
            400,
            "BadRequest",
            "the document needs apiVersion, kind and metadata.name".into(),
        );
    };
    let Some(kind) = kind_of(kinds, &api_version, &kind_name) else {
        return fail(
            result,
            404,
            "NotFound",
            format!(
                "the cluster serves no kind {kind_name} in {api_version}; GET /api/v1/kinds lists the ones it serves"
            ),
        );
    };
    let namespace = kind.namespaced.then(|| {
        text("/metadata/namespace")
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| default_namespace.to_string())
    });
    if let Some(namespace) = &namespace {
        value["metadata"]["namespace"] = json!(namespace);
    }
    result.namespace.clone_from(&namespace);
    let checked = crate::names::check("name", &name).and_then(|()| match &namespace {
        Some(namespace) => crate::names::check("namespace", namespace),
        None => Ok(()),
    });
    if let Err(error) = checked {
        return fail(result, 400, "BadRequest", error.message().to_string());
    }
    result.path = Some(
        ObjectLink::new(
            (&kind.group, &kind.version, &kind.resource, &kind.kind),
            namespace.as_deref(),
            &name,
        )
        .path,
    );
    let before = match calls.object(&kind, namespace.as_deref(), &name).await {
        Ok(before) => Some(before),
        Err(failure) if failure.code == 404 => None,
        Err(failure) => return failed(result, failure),
    };
    match calls
        .apply(
            &kind,
            namespace.as_deref(),
            &name,
            &value,
            FIELD_MANAGER,
            dry_run,
        )
        .await
    {
        Ok(after) => {
            result.result = match &before {
                None => Applied::Created,
                Some(before) if unchanged(before, &after, dry_run) => Applied::Unchanged,
                Some(_) => Applied::Configured,
            };
            result
        }
        Err(failure) => failed(result, failure),
    }
}

fn failed(mut result: ApplyResult, failure: Failure) -> ApplyResult {
    result.error = Some(ApplyError {
        code: failure.code,
        reason: failure.reason,
        message: failure.message,
        causes: failure.causes,
    });
    result
}

/// Whether an apply changed nothing: the same resourceVersion, or in a dry run (which keeps
/// it) the same object apart from the server's bookkeeping.
fn unchanged(before: &Value, after: &Value, dry_run: bool) -> bool {
    let version = |o: &Value| o.pointer("/metadata/resourceVersion").cloned();
    if !dry_run {
        return version(before) == version(after);
    }
    let strip = |o: &Value| {
        let mut o = without_managed_fields(o.clone());
        if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            for key in ["resourceVersion", "generation"] {
                meta.remove(key);
            }
        }
        o
    };
    strip(before) == strip(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_split_with_their_first_lines_and_empty_ones_left_out() {
        let text = "apiVersion: v1\nkind: ConfigMap\n---\n# nothing\n---\nkind: Secret\n";
        let docs = documents(text).expect("parses");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].line, 1);
        assert_eq!(docs[1].line, 6);
        assert_eq!(docs[1].value["kind"], "Secret");
    }

    #[test]
    fn a_yaml_error_names_the_document_and_the_line_in_the_body() {
        let text = "kind: A\n---\nkind: B\nmetadata:\n  name: [x\n";
        let error = documents(text).expect_err("bad YAML");
        assert_eq!(error.status(), 400);
        let details = error.details().expect("details");
        assert_eq!(details["document"], 2);
        assert!(details["line"].as_u64().expect("line") >= 5, "{details}");
        assert!(
            error.message().contains("document 2"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn a_dry_run_with_only_bookkeeping_changes_is_unchanged() {
        let before =
            json!({"metadata": {"resourceVersion": "1", "generation": 1}, "data": {"a": "1"}});
        let same = json!({"metadata": {"resourceVersion": "1", "generation": 2, "managedFields": []}, "data": {"a": "1"}});
        let other = json!({"metadata": {"resourceVersion": "1"}, "data": {"a": "2"}});
        assert!(unchanged(&before, &same, true));
        assert!(!unchanged(&before, &other, true));
    }
}
