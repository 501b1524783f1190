//! The syncer of chart repositories: fetches each ChartRepository's index on its interval
//! (conditionally) and writes the status back, with Wheelhouse's own identity.

use std::sync::{Arc, Weak};
use std::time::Instant;

use futures::StreamExt as _;
use jiff::Timestamp;
use serde_json::{Value, json};
use wheelhouse_apps::repository::{self, Fetched, RepoKind, RepoStatus, SyncState, Validators};
use wheelhouse_apps::{crd, oci};
use wheelhouse_cluster::calls::Calls;

use super::repositories::{RepoAccess, chart_repositories, repo_access};
use super::{Apps, Repo};

/// Repositories synced at once.
const SYNC_CONCURRENCY: usize = 4;

/// Keeps the repositories in step with their custom resources and syncs each on its interval;
/// ends when the app store is dropped.
pub(super) async fn sync_loop(apps: Weak<Apps>, calls: Calls) {
    let mut crd_ready = false;
    loop {
        let Some(strong) = apps.upgrade() else { return };
        if !crd_ready {
            crd_ready = ensure_crd(&strong, &calls).await;
        }
        reconcile(&strong, &calls).await;
        let wake = strong.wake.clone();
        let tick = strong.config.sync_tick;
        drop(strong);
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(tick) => {}
        }
    }
}

/// Creates the CRD when the cluster lacks it; true once there is nothing more to try.
async fn ensure_crd(apps: &Apps, calls: &Calls) -> bool {
    let set_problem = |problem: Option<String>| {
        *apps.crd_problem.write().unwrap_or_else(|p| p.into_inner()) = problem;
    };
    match calls.custom_resource_definition(crd::CRD_NAME).await {
        Ok(_) => {
            set_problem(None);
            return true;
        }
        Err(failure) if failure.code == 404 => {}
        Err(failure) if failure.code == 403 => {
            // May not read CRDs: try the resources themselves below (reconcile reports a refusal).
            set_problem(None);
            return true;
        }
        Err(_) => return false,
    }
    match calls
        .create_custom_resource_definition(&crd::definition())
        .await
    {
        Ok(_) => {
            tracing::info!("created the ChartRepository CRD ({})", crd::CRD_NAME);
            set_problem(None);
            true
        }
        Err(failure) if failure.code == 409 => true,
        Err(failure) if failure.code == 403 => {
            let message = format!(
                "the cluster has no ChartRepository CRD and Wheelhouse may not create it ({}); \
                 an administrator can apply deploy/helm/wheelhouse/crds/chartrepository.yaml; only the built-in repository is available",
                failure.message
            );
            tracing::warn!("{message}");
            set_problem(Some(message));
            true
        }
        Err(_) => false,
    }
}

async fn reconcile(apps: &Arc<Apps>, calls: &Calls) {
    match calls.objects(&chart_repositories(), None, "", "").await {
        Ok(objects) => {
            let names: std::collections::HashSet<String> = objects
                .iter()
                .filter_map(|o| {
                    o.pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect();
            apps.repos
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|name, _| names.contains(name));
            for object in &objects {
                // A spec that cannot be synced says why in its status, where kubectl shows it.
                if let Some(repo) = apps.upsert(object)
                    && repo.invalid
                    && object.pointer("/status/message").and_then(Value::as_str)
                        != repo.status.message.as_deref()
                {
                    write_status(calls, &repo.name, &repo.status).await;
                }
            }
        }
        Err(failure) if failure.code == 404 => {}
        Err(failure) if failure.code == 403 => {
            *apps.crd_problem.write().unwrap_or_else(|p| p.into_inner()) = Some(format!(
                "Wheelhouse may not list ChartRepository resources ({}); only the built-in repository is available",
                failure.message
            ));
            return;
        }
        Err(failure) => {
            tracing::debug!(message = %failure.message, "listing ChartRepositories failed; retrying later");
            return;
        }
    }
    let now = Instant::now();
    let due: Vec<Repo> = {
        let mut repos = apps.repos.write().unwrap_or_else(|p| p.into_inner());
        repos
            .values_mut()
            .filter(|r| {
                !r.invalid
                    && (r.requested
                        || r.last_attempt
                            .is_none_or(|t| now.duration_since(t) >= r.interval))
            })
            .map(|r| {
                r.requested = false;
                r.last_attempt = Some(now);
                r.status.state = SyncState::Syncing;
                r.clone()
            })
            .collect()
    };
    futures::stream::iter(due)
        .map(|repo| sync_one(apps, calls, repo))
        .buffer_unordered(SYNC_CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
}

/// Fetches one repository's index and records the result in memory and in the CR's status.
async fn sync_one(apps: &Arc<Apps>, calls: &Calls, repo: Repo) {
    let RepoAccess { credentials, http } = match repo_access(apps, calls, &repo).await {
        Ok(access) => access,
        Err(message) => return record(apps, calls, &repo.name, Err(message)).await,
    };
    let result = match repo.kind {
        RepoKind::Oci => oci::index(&http, &repo.url, repo.plain_http, credentials.as_ref())
            .await
            .map(|index| Fetched::New {
                index: Arc::new(index),
                validators: Validators::default(),
            }),
        _ => {
            repository::fetch_index(&http, &repo.url, credentials.as_ref(), &repo.validators).await
        }
    };
    record(
        apps,
        calls,
        &repo.name,
        result.map_err(|error| error.to_string()),
    )
    .await;
}

async fn record(
    apps: &Apps,
    calls: &Calls,
    name: &str,
    result: std::result::Result<Fetched, String>,
) {
    let status = {
        let mut repos = apps.repos.write().unwrap_or_else(|p| p.into_inner());
        let Some(repo) = repos.get_mut(name) else {
            return;
        };
        let now = Timestamp::now();
        match result {
            Ok(Fetched::New { index, validators }) => {
                repo.status = RepoStatus {
                    state: SyncState::Ok,
                    last_sync: Some(now),
                    charts: index.charts.len(),
                    message: None,
                };
                repo.index = index;
                repo.validators = validators;
            }
            Ok(Fetched::NotModified) => {
                repo.status = RepoStatus {
                    state: SyncState::Ok,
                    last_sync: Some(now),
                    charts: repo.index.charts.len(),
                    message: Some("unchanged since the last sync".into()),
                };
            }
            Err(message) => {
                tracing::warn!(repository = name, %message, "chart repository sync failed");
                repo.status = RepoStatus {
                    state: SyncState::Error,
                    last_sync: Some(now),
                    charts: repo.index.charts.len(),
                    message: Some(message),
                };
            }
        }
        repo.status.clone()
    };
    write_status(calls, name, &status).await;
}

/// Writes a repository's status to its custom resource (a failure is logged: the console's
/// list still shows the status).
async fn write_status(calls: &Calls, name: &str, status: &RepoStatus) {
    let mut body = json!({"status": status});
    if body["status"]["message"].is_null() {
        body["status"]["message"] = json!("");
    }
    if let Err(failure) = calls
        .patch_status(&chart_repositories(), None, name, &body)
        .await
    {
        tracing::warn!(repository = name, message = %failure.message, "the ChartRepository's status could not be written");
    }
}
