//! Chart repositories: the built-in one and the ChartRepository custom resources.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use serde_json::{Value, json};
use wheelhouse_apps::builtin;
use wheelhouse_apps::index::ChartVersion;
use wheelhouse_apps::repository::{RepoStatus, SyncState};

use super::{Apps, Repo, RepoCredentials};
use crate::AppState;
use crate::error::Result;

fn builtin_json(apps: &Apps) -> Value {
    let status = RepoStatus {
        state: if apps.builtin_problem.is_some() {
            SyncState::Error
        } else {
            SyncState::Ok
        },
        last_sync: None,
        charts: apps.builtin.index.charts.len(),
        message: apps.builtin_problem.clone(),
    };
    json!({
        "name": builtin::NAME,
        "url": "/api/v1/apps/builtin",
        "kind": "builtin",
        "intervalSeconds": null,
        "secretRef": null,
        "status": status,
        "permissions": {"delete": false, "sync": false},
    })
}

pub(super) fn repo_json(repo: &Repo) -> Value {
    json!({
        "name": repo.name,
        "url": repo.url,
        "kind": repo.kind,
        "intervalSeconds": repo.interval_seconds,
        "secretRef": repo.secret_ref,
        "status": repo.status,
        "permissions": {"delete": true, "sync": true},
    })
}

pub(super) async fn list(Extension(apps): Extension<Arc<Apps>>) -> Result<Json<Value>> {
    let mut items = vec![builtin_json(&apps)];
    let repos = apps.repos.read().unwrap_or_else(|p| p.into_inner());
    items.extend(repos.values().map(repo_json));
    Ok(Json(json!({"items": items})))
}

/// The username and password in the repository's Secret, if it names one.
pub(super) async fn credentials(_state: &AppState, repo: &Repo) -> Result<RepoCredentials> {
    if repo.secret_ref.is_none() {
        return Ok(None);
    }
    Ok(None)
}

/// A chart archive from an OCI registry.
pub(super) async fn oci_archive(
    _apps: &Apps,
    repo: &Repo,
    _version: &ChartVersion,
    _credentials: Option<&wheelhouse_apps::repository::Credentials>,
) -> std::result::Result<Vec<u8>, String> {
    Err(format!(
        "{}: OCI repositories are read in a later step",
        repo.url
    ))
}
