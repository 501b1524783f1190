//! The app store under `/api/v1/apps/`: Helm releases read from their Secrets, chart
//! repositories and charts, and installs, upgrades, rollbacks and uninstalls run by helm.
//!
//! Reads act with the person's identity through [`Calls`]; helm runs with a private
//! kubeconfig of the same identity. Long changes are operations (`/api/v1/operations/{id}`).

mod actions;
mod charts;
mod release_cache;
mod release_watch;
mod releases;
mod repositories;
mod runner;
mod sync;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json};
use wheelhouse_apps::builtin::{self, Builtin};
use wheelhouse_apps::helm::{self, HelmStatus};
use wheelhouse_apps::index::{Chart, ChartVersion, Index};
use wheelhouse_apps::network::RepositoryClient;
use wheelhouse_apps::repository::{self, RepoKind, RepoStatus, SecretRef, Validators};

use crate::AppState;
use crate::error::{AppError, Result};
use wheelhouse_cluster::calls::Calls;

pub use wheelhouse_apps::network::{IpNet, RepositoryNetwork, parse_network};

// The app store's answers and request bodies, for the TypeScript declarations.
pub(crate) use actions::{InstallRequest, RollbackRequest, UpgradeRequest};
pub(crate) use charts::{
    ChartDetail, ChartList, ChartVersionSummary, IngressSupport, InstallAvailability,
};
pub(crate) use releases::{LiveStatus, ReleaseDetail, ReleaseDiff, ReleaseList, ReleaseResource};
pub(crate) use repositories::{
    CreateRequest, Repository, RepositoryList, RepositoryPermissions, SecretUse,
    ensure_person_may_read, secret_ref_error,
};
pub(crate) use runner::{FailedEvent, FailedResource, HelmProgress};
pub use runner::{HelmRuns, MAX_HELM_RUNS};

/// Chart archives kept in memory for chart pages and installs.
const ARCHIVE_CACHE: usize = 32;

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
    /// How often the repository syncer looks for changed ChartRepositories and due syncs.
    pub sync_tick: Duration,
    /// The one namespace whose Secrets repositories may name as credentials
    /// (`--credentials-namespace`); a `secretRef` elsewhere is refused and never read.
    pub credentials_namespace: String,
    /// Which addresses repository, archive and redirect URLs may lead to.
    pub repository_network: RepositoryNetwork,
    /// The helm commands running: capped, and waited for when the binary stops.
    pub helm_runs: HelmRuns,
}

/// The credentials namespace outside a cluster.
pub const DEFAULT_CREDENTIALS_NAMESPACE: &str = "wheelhouse";

impl Default for AppsConfig {
    fn default() -> Self {
        Self {
            helm_path: None,
            protected_releases: Vec::new(),
            operation_timeout: Duration::from_secs(300),
            sync_tick: Duration::from_secs(10),
            credentials_namespace: DEFAULT_CREDENTIALS_NAMESPACE.into(),
            repository_network: RepositoryNetwork::default(),
            helm_runs: HelmRuns::default(),
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
    pub fn sync_tick(mut self, tick: Duration) -> Self {
        self.sync_tick = tick;
        self
    }

    #[must_use]
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = timeout;
        self
    }

    #[must_use]
    pub fn credentials_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.credentials_namespace = namespace.into();
        self
    }

    #[must_use]
    pub fn repository_network(mut self, network: RepositoryNetwork) -> Self {
        self.repository_network = network;
        self
    }

    #[must_use]
    pub fn helm_runs(mut self, runs: HelmRuns) -> Self {
        self.helm_runs = runs;
        self
    }
}

/// A chart repository other than the built-in one (a ChartRepository custom resource).
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub name: String,
    pub url: String,
    pub kind: RepoKind,
    pub interval: Duration,
    pub secret_ref: Option<SecretRef>,
    /// The Secret whose `ca.crt` is trusted for this repository besides the system's roots.
    pub ca_secret_ref: Option<SecretRef>,
    pub plain_http: bool,
    pub status: RepoStatus,
    pub index: Arc<Index>,
    /// ETag and Last-Modified of the last index fetched.
    pub validators: Validators,
    pub last_attempt: Option<std::time::Instant>,
    /// A sync was asked for (created, or `…/sync`).
    pub requested: bool,
    /// The spec cannot be synced (its status says why).
    pub invalid: bool,
}

/// The app store's state, shared by its handlers.
#[derive(Debug)]
pub(crate) struct Apps {
    pub config: AppsConfig,
    /// `namespace/name` of the releases protected by configuration.
    pub protected: HashSet<String>,
    /// Found on first use; the binary does not change while Wheelhouse runs.
    helm: tokio::sync::OnceCell<HelmStatus>,
    pub builtin: Builtin,
    /// Why the built-in charts could not be packaged (a build defect), if they could not.
    pub builtin_problem: Option<String>,
    pub repos: RwLock<BTreeMap<String, Repo>>,
    /// Every fetch from a repository or registry goes through it (the network policy).
    pub http: RepositoryClient,
    archives: Mutex<HashMap<String, Arc<Vec<u8>>>>,
    /// Releases (`namespace/name`) with an operation running, and its id.
    pub running: Mutex<HashMap<String, String>>,
    /// Why ChartRepositories cannot be used (no CRD and no right to create it), if so.
    pub crd_problem: RwLock<Option<String>>,
    /// Wakes the repository syncer (a repository was added or a sync asked for).
    pub wake: Arc<tokio::sync::Notify>,
    /// The release list's decoded newest records.
    pub releases: release_cache::ReleaseCache,
    /// Each person's watch of the release Secrets' metadata.
    pub(crate) release_watches: release_watch::ReleaseWatches,
}

impl Apps {
    fn new(config: AppsConfig) -> Self {
        let (builtin, builtin_problem) = match Builtin::load() {
            Ok(builtin) => (builtin, None),
            Err(error) => {
                tracing::error!(%error, "the built-in charts cannot be packaged");
                (
                    Builtin {
                        index: Index::default(),
                        archives: BTreeMap::new(),
                    },
                    Some(error.to_string()),
                )
            }
        };
        Self {
            protected: config.protected_releases.iter().cloned().collect(),
            http: RepositoryClient::new(config.repository_network.clone()),
            config,
            helm: tokio::sync::OnceCell::new(),
            builtin,
            builtin_problem,
            repos: RwLock::new(BTreeMap::new()),
            archives: Mutex::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
            crd_problem: RwLock::new(None),
            wake: Arc::new(tokio::sync::Notify::new()),
            releases: release_cache::ReleaseCache::default(),
            release_watches: release_watch::ReleaseWatches::default(),
        }
    }

    /// Whether helm can run, and where it is.
    pub(crate) async fn helm(&self) -> &HelmStatus {
        self.helm
            .get_or_init(|| {
                helm::locate(self.config.helm_path.as_deref(), helm::tools_cache_helm())
            })
            .await
    }

    /// Every repository's index by name, the built-in one first.
    pub(crate) fn indexes(&self) -> Vec<(String, Arc<Index>)> {
        let mut indexes = vec![(
            builtin::NAME.to_string(),
            Arc::new(self.builtin.index.clone()),
        )];
        let repos = self.repos.read().unwrap_or_else(|p| p.into_inner());
        indexes.extend(repos.values().map(|r| (r.name.clone(), r.index.clone())));
        indexes
    }

    /// A chart and one of its versions (the newest when none is named).
    pub(crate) fn chart_version(
        &self,
        repo: &str,
        name: &str,
        version: Option<&str>,
    ) -> Result<(Chart, ChartVersion)> {
        let index = self
            .indexes()
            .into_iter()
            .find(|(r, _)| r == repo)
            .map(|(_, index)| index)
            .ok_or_else(|| AppError::not_found(format!("there is no chart repository {repo}")))?;
        let chart = index
            .chart(name)
            .ok_or_else(|| AppError::not_found(format!("repository {repo} has no chart {name}")))?;
        let found = chart.version(version).cloned().ok_or_else(|| {
            AppError::not_found(format!(
                "chart {repo}/{name} has no version {}",
                version.unwrap_or_default()
            ))
        })?;
        Ok((chart.clone(), found))
    }

    /// The archive of a chart version: the built-in bytes, or downloaded (and cached).
    pub(crate) async fn archive(
        &self,
        state: &AppState,
        repo: &str,
        version: &ChartVersion,
    ) -> Result<Arc<Vec<u8>>> {
        let entry_url = version.urls.first().ok_or_else(|| {
            AppError::new(
                StatusCode::BAD_GATEWAY,
                "BadChart",
                format!("the index entry of {} has no URL", version.metadata.name),
            )
        })?;
        if repo == builtin::NAME {
            let file = entry_url.trim_start_matches("charts/");
            return self
                .builtin
                .archives
                .get(file)
                .map(|b| Arc::new(b.clone()))
                .ok_or_else(|| {
                    AppError::not_found(format!("the built-in repository has no {file}"))
                });
        }
        let repo = self
            .repos
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(repo)
            .cloned()
            .ok_or_else(|| AppError::not_found(format!("there is no chart repository {repo}")))?;
        let url = match repo.kind {
            RepoKind::Oci => entry_url.clone(),
            _ => repository::archive_url(&repo.url, entry_url),
        };
        let key = format!("{url}#{}", version.digest.clone().unwrap_or_default());
        if let Some(bytes) = self
            .archives
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(bytes.clone());
        }
        let repositories::RepoAccess { credentials, http } =
            repositories::access(state, self, &repo).await?;
        let bytes = match repo.kind {
            RepoKind::Oci => {
                repositories::oci_archive(&http, &repo, version, credentials.as_ref()).await
            }
            _ => repository::fetch_archive(&http, &repo.url, &url, credentials.as_ref()).await,
        }
        .map_err(|error| {
            AppError::new(
                StatusCode::BAD_GATEWAY,
                "RepositoryUnavailable",
                format!("the chart archive could not be read: {error}"),
            )
        })?;
        if let Some(digest) = version.digest.as_deref().filter(|d| !d.is_empty()) {
            let actual = wheelhouse_apps::chart::sha256_hex(&bytes);
            if actual != digest.trim_start_matches("sha256:") {
                return Err(AppError::new(
                    StatusCode::BAD_GATEWAY,
                    "BadChart",
                    format!(
                        "the archive at {url} has digest {actual}, but the index says {digest}"
                    ),
                ));
            }
        }
        let bytes = Arc::new(bytes);
        let mut cache = self.archives.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= ARCHIVE_CACHE
            && let Some(evicted) = cache.keys().next().cloned()
        {
            cache.remove(&evicted);
        }
        cache.insert(key, bytes.clone());
        Ok(bytes)
    }
}

async fn helm_status(Extension(apps): Extension<Arc<Apps>>) -> Json<HelmStatus> {
    Json(apps.helm().await.clone())
}

pub fn router(state: &AppState) -> axum::Router<AppState> {
    let apps = Arc::new(Apps::new(state.config.apps.clone()));
    // The syncer needs a runtime; without one (a router built outside tokio) repositories stay as they are.
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(sync::sync_loop(Arc::downgrade(&apps), console_calls(state)));
    }
    axum::Router::new()
        .route("/api/v1/apps/helm", get(helm_status))
        .route(
            "/api/v1/apps/releases",
            get(releases::list).post(actions::install),
        )
        .route(
            "/api/v1/apps/releases/{namespace}/{name}",
            get(releases::detail).delete(actions::uninstall),
        )
        .route(
            "/api/v1/apps/releases/{namespace}/{name}/upgrade",
            post(actions::upgrade),
        )
        .route(
            "/api/v1/apps/releases/{namespace}/{name}/rollback",
            post(actions::rollback),
        )
        .route(
            "/api/v1/apps/releases/{namespace}/{name}/revisions/{revision}",
            get(releases::revision),
        )
        .route(
            "/api/v1/apps/releases/{namespace}/{name}/diff",
            get(releases::diff),
        )
        .route(
            "/api/v1/apps/repositories",
            get(repositories::list).post(repositories::create),
        )
        .route(
            "/api/v1/apps/repositories/{name}",
            axum::routing::delete(repositories::delete),
        )
        .route(
            "/api/v1/apps/repositories/{name}/sync",
            post(repositories::sync),
        )
        .route("/api/v1/apps/charts", get(charts::list))
        .route("/api/v1/apps/charts/{repo}/{chart}", get(charts::detail))
        .route(
            "/api/v1/apps/builtin/index.yaml",
            get(charts::builtin_index),
        )
        .route(
            "/api/v1/apps/builtin/charts/{file}",
            get(charts::builtin_archive),
        )
        .layer(Extension(apps))
}

/// 422 `Invalid` naming each field's problem, in `details.fields`.
pub(crate) fn invalid(errors: Vec<wheelhouse_apps::validate::FieldError>) -> AppError {
    let message = errors
        .iter()
        .map(|e| e.message.clone())
        .collect::<Vec<_>>()
        .join("; ");
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", message)
        .with_details(serde_json::json!({"fields": errors}))
}

/// The console's own calls, for background loops no person causes (repository sync).
pub(crate) fn console_calls(state: &AppState) -> Calls {
    Calls::new(state.cluster.client().clone())
}
