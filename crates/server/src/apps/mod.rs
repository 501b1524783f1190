//! The app store under `/api/v1/apps/`: Helm releases read from their Secrets, chart
//! repositories and charts, and installs, upgrades, rollbacks and uninstalls run by helm.
//!
//! Reads act with the person's identity through [`Upstream`]; helm runs with a private
//! kubeconfig of the same identity. Long changes are operations (`/api/v1/operations/{id}`).

mod releases;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::{Extension, Json};
use wheelhouse_apps::helm::{self, HelmStatus};

use crate::AppState;
use crate::upstream::Upstream;

/// How the app store behaves; the binary fills it from flags.
#[derive(Debug, Clone)]
pub struct AppsConfig {
    /// The helm binary; `None` looks for `helm` on PATH.
    pub helm_path: Option<PathBuf>,
    /// Releases (`namespace/name`) that may not be changed from Wheelhouse, besides those whose
    /// Secret carries `wheelhouse.dev/protected: "true"`.
    pub protected_releases: Vec<String>,
    /// How long one helm command may run.
    pub operation_timeout: Duration,
}

impl Default for AppsConfig {
    fn default() -> Self {
        Self {
            helm_path: None,
            protected_releases: Vec::new(),
            operation_timeout: Duration::from_secs(300),
        }
    }
}

impl AppsConfig {
    #[must_use]
    pub fn helm_path(mut self, path: Option<PathBuf>) -> Self {
        self.helm_path = path;
        self
    }

    #[must_use]
    pub fn protected_releases(mut self, releases: Vec<String>) -> Self {
        self.protected_releases = releases;
        self
    }

    #[must_use]
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }
}

/// The app store's state, shared by its handlers.
#[derive(Debug)]
pub(crate) struct Apps {
    pub config: AppsConfig,
    /// `namespace/name` of the releases protected by configuration.
    pub protected: HashSet<String>,
    /// Found on first use; the binary does not change while Wheelhouse runs.
    helm: tokio::sync::OnceCell<HelmStatus>,
}

impl Apps {
    fn new(config: AppsConfig) -> Self {
        Self {
            protected: config.protected_releases.iter().cloned().collect(),
            config,
            helm: tokio::sync::OnceCell::new(),
        }
    }

    /// Whether helm can run, and where it is.
    pub(crate) async fn helm(&self) -> &HelmStatus {
        self.helm
            .get_or_init(|| helm::locate(self.config.helm_path.as_deref()))
            .await
    }
}

async fn helm_status(Extension(apps): Extension<Arc<Apps>>) -> Json<HelmStatus> {
    Json(apps.helm().await.clone())
}

pub fn router(state: &AppState) -> axum::Router<AppState> {
    let apps = Arc::new(Apps::new(state.config.apps.clone()));
    axum::Router::new()
        .route("/api/v1/apps/helm", get(helm_status))
        .route("/api/v1/apps/releases", get(releases::list))
        .route(
            "/api/v1/apps/releases/{namespace}/{name}",
            get(releases::detail),
        )
        .route(
            "/api/v1/apps/releases/{namespace}/{name}/revisions/{revision}",
            get(releases::revision),
        )
        .route(
            "/api/v1/apps/releases/{namespace}/{name}/diff",
            get(releases::diff),
        )
        .layer(Extension(apps))
}

fn upstream(state: &AppState) -> Upstream {
    Upstream::new(state.cluster.client().clone())
}
