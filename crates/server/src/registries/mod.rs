//! Image registries under `/api/v1/registries`: the ImageRegistry custom resources and the
//! registries the cluster's `imagePullSecrets` name, browsed through the one OCI client
//! (`wheelhouse_apps::distribution`), what runs each image (from the watch caches), and a
//! Deployment made from an image.
//!
//! A registry is reached with the network policy of chart repositories; an ImageRegistry's login
//! comes from a Secret in the credentials namespace (checked when it is added, as for chart
//! repositories), and a pull secret's login only when the person may read that Secret.

mod browse;
mod deploy;
mod sources;
mod usage;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::{get, post};
use wheelhouse_apps::distribution::Distribution;
use wheelhouse_apps::network::RepositoryClient;

use crate::AppState;

pub(crate) use browse::{
    DeletedTag, ImageDetail, ImageRepository, ImageRepositoryList, TagPage, TagRow,
};
pub(crate) use deploy::{DeployEnv, DeployRequest, DeployYaml};
pub(crate) use sources::{Registry, RegistryList, RegistryRequest, RegistrySource};
pub(crate) use usage::{ImageUsage, UsageMatch, UsageRow, WorkloadImage, WorkloadImages};

/// How long a repository's tag list and a tag's manifest are kept before they are read again.
const CACHE_TTL: Duration = Duration::from_secs(30);
/// Tag lists kept at most (each up to [`browse::MAX_TAGS`] names).
const TAG_LISTS_KEPT: usize = 64;
/// Manifests and configs kept at most.
const MANIFESTS_KEPT: usize = 4096;

/// A cached value and when it was read.
#[derive(Debug, Clone)]
struct Kept<T> {
    at: Instant,
    value: T,
}

/// A small cache with a time to live and a bound (the oldest entry goes first).
#[derive(Debug)]
pub(crate) struct TtlCache<T> {
    entries: Mutex<HashMap<String, Kept<T>>>,
    bound: usize,
}

impl<T: Clone> TtlCache<T> {
    fn new(bound: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            bound,
        }
    }

    fn get(&self, key: &str) -> Option<T> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|kept| kept.at.elapsed() < CACHE_TTL)
            .map(|kept| kept.value.clone())
    }

    fn put(&self, key: String, value: T) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.bound && !entries.contains_key(&key) {
            entries.retain(|_, kept| kept.at.elapsed() < CACHE_TTL);
            if entries.len() >= self.bound
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, kept)| kept.at)
                    .map(|(key, _)| key.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            key,
            Kept {
                at: Instant::now(),
                value,
            },
        );
    }

    fn forget_prefix(&self, prefix: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|key, _| !key.starts_with(prefix));
    }
}

/// The registry browser's state: the HTTP client (the repositories' network policy) and what
/// was read recently.
#[derive(Debug)]
pub(crate) struct Registries {
    pub http: RepositoryClient,
    pub credentials_namespace: String,
    /// `registry/repository` → its tags, newest first.
    pub tags: TtlCache<Arc<browse::TagList>>,
    /// `registry/repository@reference` → what the page shows of it.
    pub manifests: TtlCache<Arc<browse::Resolved>>,
}

impl Registries {
    fn new(state: &AppState) -> Self {
        let apps = &state.config.apps;
        Self {
            http: RepositoryClient::new(apps.repository_network.clone()),
            credentials_namespace: apps.credentials_namespace.clone(),
            tags: TtlCache::new(TAG_LISTS_KEPT),
            manifests: TtlCache::new(MANIFESTS_KEPT),
        }
    }
}

/// A registry resolved for one request: who it is and the client to reach it.
pub(crate) struct Opened {
    pub registry: Registry,
    pub client: Distribution,
}

pub fn router(state: &AppState) -> axum::Router<AppState> {
    let registries = Arc::new(Registries::new(state));
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(sources::ensure_crd(crate::apps::console_calls(state)));
    }
    axum::Router::new()
        .route(
            "/api/v1/registries",
            get(sources::list).post(sources::create),
        )
        .route(
            "/api/v1/registries/{name}",
            axum::routing::delete(sources::delete),
        )
        .route(
            "/api/v1/registries/{name}/repositories",
            get(browse::repositories),
        )
        .route("/api/v1/registries/{name}/tags", get(browse::tags))
        .route(
            "/api/v1/registries/{name}/image",
            get(browse::image).delete(browse::delete_tag),
        )
        .route("/api/v1/registries/{name}/usage", get(usage::image_usage))
        .route("/api/v1/registries/_workload", get(usage::workload_images))
        .route("/api/v1/registries/_deploy", post(deploy::deployment_yaml))
        .layer(axum::Extension(registries))
}
