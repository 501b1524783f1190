//! `/api/v1/version`: which build this is, and which Kubernetes version the cluster runs.

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use k8s_openapi::apimachinery::pkg::version::Info;
use serde::Serialize;

use crate::AppState;

/// The version of this build (from Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit this binary was built from, or `unknown` outside a git checkout.
pub const GIT_COMMIT: &str = env!("WHEELHOUSE_GIT_COMMIT");
/// When the build script last ran (RFC 3339), or SOURCE_DATE_EPOCH when set.
pub const BUILD_TIME: &str = env!("WHEELHOUSE_BUILD_TIME");
/// What `wheelhouse --version` prints after the program's name: the same three facts as
/// `/api/v1/version`, one per line, so that a build tool (the container image's labels) reads
/// them from the binary itself rather than working them out again.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("WHEELHOUSE_GIT_COMMIT"),
    "\nbuilt: ",
    env!("WHEELHOUSE_BUILD_TIME"),
);

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/version", get(version))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionResponse {
    version: &'static str,
    git_commit: &'static str,
    build_time: &'static str,
    /// The cluster's `/version` from its last successful check; `null` until there has been one.
    cluster: Option<Info>,
}

async fn version(State(state): State<AppState>) -> Json<VersionResponse> {
    Json(VersionResponse {
        version: VERSION,
        git_commit: GIT_COMMIT,
        build_time: BUILD_TIME,
        cluster: state.cluster.checked_state().await.server_version,
    })
}
