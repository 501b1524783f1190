//! Probes: `/healthz` (the process serves) and `/readyz` (the cluster answers).
//!
//! They read no header, cookie or credential, so a kubelet probe can never fail for lack of one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use crate::AppState;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the connection monitor's last check succeeded; never waits for a check.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let connection = state.cluster.state();
    if connection.connected {
        return (StatusCode::OK, Json(json!({"status": "ready"})));
    }
    let reason = match connection.problem {
        Some(problem) => problem.message,
        None => format!(
            "the cluster at {} has not been checked yet",
            state.cluster.info().server
        ),
    };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"status": "not ready", "reason": reason})),
    )
}
