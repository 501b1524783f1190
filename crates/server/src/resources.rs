//! `GET /api/v1/resources/{group}/{version}/{resource}`: one page of rows of any kind, filtered,
//! sorted and paged on the server from the kind's watch cache.
//!
//! Also what the live views share with the list: resolving a path to its cache, validating the
//! query, and turning cache-layer errors into the API's errors.

use std::sync::{Arc, OnceLock};
use std::time::Instant;
use wheelhouse_model::warning::{Warning, WarningReason};

use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use tokio::sync::Semaphore;
use ts_rs::TS;
use wheelhouse_cluster::resources::{Objects, ResourceCache, Resources, SyncState};
use wheelhouse_model::query::{ListParams, ListQuery, Page};
use wheelhouse_model::rows::Row;

use crate::AppState;
use wheelhouse_cluster::Person;

use crate::access::{Access, Allowed, Attributes};
use crate::error::{AppError, Result};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/resources/{group}/{version}/{resource}", get(list))
}

/// `core` in a path is the core group, `""` in the API.
pub(crate) fn api_group(group: &str) -> &str {
    if group == "core" { "" } else { group }
}

/// Whether the rows are complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ListState {
    /// Every object the cluster holds (as of the watch).
    Ready,
    /// The cache's first list has not finished: no rows yet, look again shortly.
    Loading,
}

/// `{items,total,page,pageSize,columns}` of the model's page, plus `state` and `warnings`.
#[derive(Serialize, TS)]
pub(crate) struct ListAnswer<'a> {
    #[serde(flatten)]
    pub page: Page<'a>,
    pub state: ListState,
    pub warnings: Vec<Warning>,
}

/// A path's cache, settled (first list done, or waited for), with the query validated against
/// its columns and the person's access reviewed.
pub(crate) struct Resolved {
    pub cache: Arc<ResourceCache>,
    pub sync: SyncState,
    pub query: ListQuery,
    /// What the answer must say besides the cache's state (a view narrowed to some namespaces).
    pub notes: Vec<Warning>,
}

pub(crate) async fn resolve(
    state: &AppState,
    resources: &Resources,
    access: &Access,
    person: &Person,
    (group, version, resource): (&str, &str, &str),
    params: &ListParams,
) -> Result<Resolved> {
    state.cluster.ensure_connected().await?;
    let group = api_group(group);
    let (kind, _) = resources
        .kind(group, version, resource)
        .await
        .map_err(AppError::from)?;
    let mut query_namespaces = params
        .namespace
        .as_deref()
        .map(|ns| ns.split(',').map(str::trim).filter(|n| !n.is_empty()))
        .into_iter()
        .flatten()
        .map(str::to_string)
        .collect::<Vec<_>>();
    let allowed = access
        .review(
            person,
            &Attributes {
                verb: "list",
                group: kind.group.clone(),
                resource: kind.resource.clone(),
                namespaced: kind.namespaced,
                namespaces: query_namespaces.clone(),
            },
        )
        .await?;
    // A person who may list the kind only in some namespaces sees those, and is told so.
    let narrowed;
    let mut notes = Vec::new();
    let params = match allowed {
        Allowed::Asked => params,
        Allowed::Namespaces(namespaces) => {
            notes.push(Warning::general(
                WarningReason::Forbidden,
                format!(
                    "you may list {} only in {}: these are its rows there",
                    kind.qualified_resource(),
                    namespaces.join(", ")
                ),
            ));
            query_namespaces = namespaces;
            narrowed = ListParams {
                namespace: Some(query_namespaces.join(",")),
                ..params.clone()
            };
            &narrowed
        }
    };
    let (cache, sync) = resources
        .settled_cache(group, version, resource, &query_namespaces)
        .await
        .map_err(AppError::from)?;
    let query = ListQuery::parse(params, cache.schema()).map_err(AppError::from)?;
    Ok(Resolved {
        cache,
        sync,
        query,
        notes,
    })
}

/// The warnings a list carries for its cache's state.
pub(crate) fn warnings(cache: &ResourceCache, sync: &SyncState) -> (ListState, Vec<Warning>) {
    let resource = cache.kind().qualified_resource();
    let mut warnings = Vec::new();
    let state = if sync.synced {
        ListState::Ready
    } else {
        warnings.push(Warning::general(
            WarningReason::Loading,
            format!(
                "Wheelhouse is still listing {resource} from the cluster ({} received so far); the list fills in when it finishes",
                sync.listed
            ),
        ));
        ListState::Loading
    };
    if let Some(failure) = &sync.failure {
        warnings.push(Warning::general(
            WarningReason::WatchFailing,
            format!(
                "watching {resource} failed: {}; {} Wheelhouse keeps retrying",
                failure.message,
                if sync.synced {
                    "the list may be out of date."
                } else {
                    "the list cannot load until it answers."
                }
            ),
        ));
    }
    (state, warnings)
}

/// Serialises one page (or the empty page of a loading cache) to JSON, holding the cache's
/// read lock only while doing so. `only` narrows to one object name (live views of one object).
pub(crate) fn page_json(
    cache: &ResourceCache,
    objects: &Objects,
    query: &ListQuery,
    sync: &SyncState,
    only: Option<&str>,
    notes: &[Warning],
) -> Result<(Vec<u8>, usize)> {
    let (state, mut warnings) = warnings(cache, sync);
    warnings.extend_from_slice(notes);
    // Usage columns (pods, workloads, nodes) are joined from the metrics history's last scrape.
    cache.with_usage(|usage| {
        let rows: Box<dyn Iterator<Item = &Row>> = match (state, only) {
            (ListState::Loading, _) => Box::new(std::iter::empty()),
            (ListState::Ready, Some(name)) => {
                Box::new(objects.rows().iter().filter(move |r| r.name == name))
            }
            (ListState::Ready, None) => Box::new(objects.rows().iter()),
        };
        let page = query
            .apply_with_usage(cache.schema(), rows, usage)
            .map_err(AppError::from)?;
        let total = page.total;
        let answer = ListAnswer {
            page,
            state,
            warnings,
        };
        let json = serde_json::to_vec(&answer).map_err(AppError::internal)?;
        Ok((json, total))
    })
}

/// A list that takes longer than this logs its steps' durations at debug.
const SLOW_LIST: std::time::Duration = std::time::Duration::from_millis(100);

/// Runs a list query (CPU work over up to every row of a kind) off the async workers, at most
/// as many at once as there are cores: each holds a vector the size of the kind's rows, so a burst
/// of 100 requests over 100,000 pods must not hold 100 of them at once.
pub(crate) async fn run_query<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    let permits = PERMITS.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
    });
    let _permit = permits.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)
}

/// Axum's query rejection in our error shape.
pub(crate) fn query_error(rejection: QueryRejection) -> AppError {
    AppError::bad_request(format!("invalid query: {}", rejection.body_text()))
}

async fn list(
    State(state): State<AppState>,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
    Path((group, version, resource)): Path<(String, String, String)>,
    params: std::result::Result<Query<ListParams>, QueryRejection>,
) -> Result<Response> {
    let Query(params) = params.map_err(query_error)?;
    let asked = Instant::now();
    let resolved = resolve(
        &state,
        &resources,
        &access,
        &person,
        (&group, &version, &resource),
        &params,
    )
    .await?;
    let resolved_at = asked.elapsed();
    // Filtering and sorting 100,000 rows is CPU work: keep it off the async workers.
    let (json, started_at, locked_at, worked_at) = run_query(move || {
        let started_at = asked.elapsed();
        let objects = resolved.cache.read();
        let locked_at = asked.elapsed();
        let json = page_json(
            &resolved.cache,
            &objects,
            &resolved.query,
            &resolved.sync,
            None,
            &resolved.notes,
        )
        .map(|(json, _)| json);
        (json, started_at, locked_at, asked.elapsed())
    })
    .await?;
    let json = json?;
    if asked.elapsed() > SLOW_LIST {
        // Which step a slow list spent its time in (benchmarks set these against the scrapes).
        tracing::debug!(
            resource = %resource,
            total_ms = asked.elapsed().as_millis(),
            resolve_ms = resolved_at.as_millis(),
            queued_ms = started_at.saturating_sub(resolved_at).as_millis(),
            lock_ms = locked_at.saturating_sub(started_at).as_millis(),
            query_ms = worked_at.saturating_sub(locked_at).as_millis(),
            "slow list"
        );
    }
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response())
}
