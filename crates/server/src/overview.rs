//! `/api/v1/overview`: nodes, pods by phase, namespaces and recent warnings, from the watch caches.

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use jiff::Timestamp;
use wheelhouse_model::Overview;

use crate::AppState;
use crate::error::{AppError, Result};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/overview", get(overview))
}

async fn overview(State(state): State<AppState>) -> Result<Json<Overview>> {
    state.cluster.ensure_connected().await?;
    let caches = state.cluster.caches();
    let (nodes, pods, namespaces, events) = tokio::try_join!(
        caches.nodes(),
        caches.pods(),
        caches.namespaces(),
        caches.events()
    )?;
    // Walking every pod is CPU work (100,000 pods in a large cluster): keep it off the async workers.
    let overview = tokio::task::spawn_blocking(move || {
        wheelhouse_model::overview(
            nodes.iter().map(AsRef::as_ref),
            pods.iter().map(AsRef::as_ref),
            namespaces.iter().map(AsRef::as_ref),
            events.iter().map(AsRef::as_ref),
            Timestamp::now(),
        )
    })
    .await
    .map_err(AppError::internal)?;
    Ok(Json(overview))
}
