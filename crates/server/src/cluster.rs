//! `/api/v1/cluster`: which cluster this is, whether it is the demo, and whether it answers.

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use jiff::Timestamp;
use serde::Serialize;
use ts_rs::TS;
use wheelhouse_cluster::ConnectionProblem;

use crate::AppState;
use crate::session::SessionMode;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/cluster", get(cluster))
}

/// `GET /api/v1/cluster`.
#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ClusterInfo")]
pub struct ClusterResponse {
    name: String,
    server: String,
    server_version: Option<String>,
    demo: bool,
    connected: bool,
    error: Option<ConnectionProblem>,
    last_check: Option<Timestamp>,
    /// Who may use the console (`/api/v1/session` has the details).
    login: SessionMode,
}

async fn cluster(State(state): State<AppState>) -> Json<ClusterResponse> {
    let info = state.cluster.info();
    let connection = state.cluster.checked_state().await;
    Json(ClusterResponse {
        name: info.name.clone(),
        server: info.server.clone(),
        server_version: connection.server_version.map(|v| v.git_version),
        demo: info.demo,
        connected: connection.connected,
        error: connection.problem,
        last_check: connection.last_check,
        login: state.config.login.mode.kind(),
    })
}
