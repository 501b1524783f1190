//! Browsing a registry: its repositories (the catalog, or those the cluster's workloads use when
//! the registry keeps its catalog to itself), a repository's tags (newest first, filtered and
//! paged on the server from a cached list), a tag's image (digest, platforms, config, layers,
//! size), and deleting a tag.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use wheelhouse_apps::distribution::{Distribution, MAX_DOCUMENT};
use wheelhouse_apps::images::{self, ImageConfig, Layer, PlatformManifest};
use wheelhouse_cluster::access::Decision;
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::warning::{Warning, WarningReason};

use super::sources::{self, Registry};
use super::{Opened, Registries, usage};
use crate::AppState;
use crate::access::Access;
use crate::error::{AppError, Result};
use crate::person::Me;

/// Repositories read from a catalog at most.
const MAX_REPOSITORIES: usize = 10_000;
/// Tags read from one repository at most.
pub(super) const MAX_TAGS: usize = 100_000;
/// Tags on one page at most, and by default.
const MAX_PAGE: usize = 200;
const DEFAULT_PAGE: usize = 50;
/// Repositories with at most this many tags are ordered by their images' created times (each
/// tag's manifest and config read once); larger ones by their names' versions.
const TIME_ORDER_LIMIT: usize = 100;
/// Manifests read at once for a page's details.
const DETAIL_CONCURRENCY: usize = 8;

/// `GET /api/v1/registries/{name}/repositories`.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageRepositoryList {
    pub registry: Registry,
    pub items: Vec<ImageRepository>,
    /// Whether the names come from the registry's catalog (else from the cluster's workloads).
    pub catalog: bool,
    /// More repositories than were read.
    pub truncated: bool,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageRepository {
    pub name: String,
}

pub(super) async fn repositories(
    State(state): State<AppState>,
    me: Me,
    Extension(registries): Extension<Arc<Registries>>,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(access): Extension<Arc<Access>>,
    Path(name): Path<String>,
) -> Result<Json<ImageRepositoryList>> {
    let Opened {
        registry,
        mut client,
    } = sources::open(&state, &me, &registries, &name).await?;
    let mut warnings = Vec::new();
    let (names, catalog, truncated) = match client.catalog(MAX_REPOSITORIES).await {
        Ok((names, truncated)) => (names, true, truncated),
        Err(error) => {
            warnings.push(Warning::general(
                WarningReason::Unavailable,
                format!("the registry does not list its repositories ({error}); these are the repositories the cluster's workloads use from it"),
            ));
            let used = usage::repositories_used(&resources, &access, &me, &registry.host).await?;
            (used, false, false)
        }
    };
    let items = names
        .into_iter()
        .map(|name| ImageRepository { name })
        .collect();
    Ok(Json(ImageRepositoryList {
        registry,
        items,
        catalog,
        truncated,
        warnings,
    }))
}

/// The query of a repository's tags.
#[derive(Debug, Deserialize)]
pub(super) struct TagQuery {
    repository: String,
    #[serde(default)]
    filter: String,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

/// `GET /api/v1/registries/{name}/tags`: one page of a repository's tags, newest first.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TagPage {
    pub repository: String,
    /// Tags that pass the filter.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub items: Vec<TagRow>,
    /// More tags than Wheelhouse reads from one repository.
    pub truncated: bool,
}

/// A tag on a page, with what its manifest says (when it could be read).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TagRow {
    pub tag: String,
    pub digest: Option<String>,
    pub created: Option<jiff::Timestamp>,
    /// `linux/amd64`, or each platform of an index.
    pub platforms: Vec<String>,
    pub total_size: Option<u64>,
    /// Why its manifest could not be read, if it could not.
    pub problem: Option<String>,
}

/// A repository's tags, newest first, as read from the registry (kept briefly).
#[derive(Debug)]
pub(crate) struct TagList {
    pub tags: Vec<String>,
    /// The registry had more than [`MAX_TAGS`].
    pub truncated: bool,
}

/// What a tag (or digest) resolves to, kept briefly.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub digest: String,
    pub media_type: String,
    pub platforms: Vec<PlatformManifest>,
    /// The platform shown, and its image manifest's digest.
    pub platform: String,
    pub image_digest: String,
    pub config: ImageConfig,
    pub layers: Vec<Layer>,
    pub total_size: u64,
}

impl Resolved {
    /// Every digest a pod running this tag may report: the index's and each platform's.
    pub fn digests(&self) -> Vec<String> {
        let mut digests = vec![self.digest.clone()];
        digests.extend(self.platforms.iter().map(|p| p.digest.clone()));
        digests
    }
}

/// The image behind `reference` of `repository`: an index is read down to one platform (the one
/// asked for, else linux/amd64, else the first that is not an attestation).
pub(super) async fn resolve(
    registries: &Registries,
    registry: &str,
    client: &mut Distribution,
    repository: &str,
    reference: &str,
    platform: Option<&str>,
) -> Result<Arc<Resolved>> {
    let key = format!(
        "{registry}/{repository}@{reference}#{}",
        platform.unwrap_or_default()
    );
    if let Some(kept) = registries.manifests.get(&key) {
        return Ok(kept);
    }
    let top = client
        .manifest(repository, reference)
        .await
        .map_err(|e| missing(e, repository, reference))?;
    let (platforms, image) = if images::is_index(&top.media_type, &top.json) {
        let platforms = images::platforms(&top.json);
        let chosen = platform
            .and_then(|p| platforms.iter().find(|m| m.platform == p))
            .or_else(|| platforms.iter().find(|m| m.platform == "linux/amd64"))
            .or_else(|| {
                platforms
                    .iter()
                    .find(|m| !m.platform.starts_with("unknown"))
            })
            .ok_or_else(|| {
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Unreadable",
                    format!("{repository}:{reference} is an index without platforms"),
                )
            })?
            .digest
            .clone();
        let image = client.manifest(repository, &chosen).await?;
        (platforms, image)
    } else {
        (Vec::new(), top.clone())
    };
    let layers = images::layers(&image.json);
    let (config, config_size) = match images::config_descriptor(&image.json) {
        Some((digest, size)) => {
            let bytes = client.blob(repository, &digest, MAX_DOCUMENT).await?;
            let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            (images::image_config(&json), size)
        }
        None => (ImageConfig::default(), 0),
    };
    let total_size = layers.iter().map(|l| l.size).sum::<u64>() + config_size + image.size;
    let resolved = Arc::new(Resolved {
        digest: top.digest.clone(),
        media_type: top.media_type.clone(),
        platform: config.platform.clone(),
        platforms,
        image_digest: image.digest.clone(),
        config,
        layers,
        total_size,
    });
    registries.manifests.put(key, resolved.clone());
    Ok(resolved)
}

/// Tags newest first by their images' created times, the names' order among equal times and
/// after the tags whose config says none (their manifests are read, 8 at a time, and kept for
/// the page that follows).
async fn by_created(
    registries: &Registries,
    registry: &str,
    client: &Distribution,
    repository: &str,
    tags: Vec<String>,
) -> Vec<String> {
    let created: Vec<Option<jiff::Timestamp>> = futures::stream::iter(tags.iter().cloned())
        .map(|tag| {
            let mut client = client.clone();
            async move {
                resolve(registries, registry, &mut client, repository, &tag, None)
                    .await
                    .ok()
                    .and_then(|r| r.config.created)
            }
        })
        .buffered(DETAIL_CONCURRENCY)
        .collect()
        .await;
    let mut ordered: Vec<(usize, Option<jiff::Timestamp>, String)> = tags
        .into_iter()
        .zip(created)
        .enumerate()
        .map(|(i, (tag, created))| (i, created, tag))
        .collect();
    // Newer first; `None` (no created time) last; equal times keep the names' order.
    ordered.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ordered.into_iter().map(|(_, _, tag)| tag).collect()
}

/// A registry's 404 for a tag is the person's 404.
fn missing(error: wheelhouse_apps::Error, repository: &str, reference: &str) -> AppError {
    match error {
        wheelhouse_apps::Error::Status { status, .. } if status == StatusCode::NOT_FOUND => {
            AppError::not_found(format!("{repository} has no tag or digest {reference}"))
        }
        other => other.into(),
    }
}

pub(super) async fn tags(
    State(state): State<AppState>,
    me: Me,
    Extension(registries): Extension<Arc<Registries>>,
    Path(name): Path<String>,
    Query(query): Query<TagQuery>,
) -> Result<Json<TagPage>> {
    let Opened { mut client, .. } = sources::open(&state, &me, &registries, &name).await?;
    let key = format!("{name}/{}", query.repository);
    let kept = match registries.tags.get(&key) {
        Some(kept) => kept,
        None => {
            let (mut tags, truncated) = client
                .tags(&query.repository, MAX_TAGS)
                .await
                .map_err(|e| missing(e, &query.repository, "(tags)"))?;
            tags.sort_by(|a, b| images::newest_first(a, b));
            if tags.len() <= TIME_ORDER_LIMIT {
                tags = by_created(&registries, &name, &client, &query.repository, tags).await;
            }
            let kept = Arc::new(TagList { tags, truncated });
            registries.tags.put(key, kept.clone());
            kept
        }
    };
    let (all, truncated) = (&kept.tags, kept.truncated);
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let filter = query.filter.to_lowercase();
    let matching: Vec<&String> = all
        .iter()
        .filter(|t| filter.is_empty() || t.to_lowercase().contains(&filter))
        .collect();
    let page: Vec<String> = matching
        .iter()
        .skip(query.offset)
        .take(limit)
        .map(|t| (*t).clone())
        .collect();
    let repository = query.repository.clone();
    let items = futures::stream::iter(page)
        .map(|tag| {
            let mut client = client.clone();
            let registries = registries.clone();
            let (name, repository) = (name.clone(), repository.clone());
            async move {
                match resolve(&registries, &name, &mut client, &repository, &tag, None).await {
                    Ok(r) => TagRow {
                        tag,
                        digest: Some(r.digest.clone()),
                        created: r.config.created,
                        platforms: if r.platforms.is_empty() {
                            vec![r.platform.clone()]
                        } else {
                            r.platforms.iter().map(|p| p.platform.clone()).collect()
                        },
                        total_size: Some(r.total_size),
                        problem: None,
                    },
                    Err(error) => TagRow {
                        tag,
                        digest: None,
                        created: None,
                        platforms: Vec::new(),
                        total_size: None,
                        problem: Some(error.message().to_string()),
                    },
                }
            }
        })
        .buffered(DETAIL_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    Ok(Json(TagPage {
        repository: query.repository,
        total: matching.len(),
        offset: query.offset,
        limit,
        items,
        truncated,
    }))
}

/// The query naming one image.
#[derive(Debug, Deserialize)]
pub(super) struct ImageQuery {
    repository: String,
    /// A tag or a digest.
    reference: String,
    platform: Option<String>,
}

/// `GET /api/v1/registries/{name}/image`: a tag's (or digest's) image.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageDetail {
    pub registry: Registry,
    pub repository: String,
    pub reference: String,
    /// The digest the reference points at (an index's, for a multi-arch image).
    pub digest: String,
    pub media_type: String,
    /// Each platform of a multi-arch index; empty for a single image.
    pub platforms: Vec<PlatformManifest>,
    /// The platform shown below, and its image manifest's digest.
    pub platform: String,
    pub image_digest: String,
    pub config: ImageConfig,
    pub layers: Vec<Layer>,
    /// Layers, config and manifest, in bytes (compressed, as stored).
    pub total_size: u64,
    /// `host/repository:tag`, as a pod spec would name it.
    pub pull: String,
    /// Whether the person may delete the tag.
    pub delete: Decision,
}

pub(super) async fn image(
    State(state): State<AppState>,
    me: Me,
    Extension(registries): Extension<Arc<Registries>>,
    Path(name): Path<String>,
    Query(query): Query<ImageQuery>,
) -> Result<Json<ImageDetail>> {
    let Opened {
        registry,
        mut client,
    } = sources::open(&state, &me, &registries, &name).await?;
    let resolved = resolve(
        &registries,
        &name,
        &mut client,
        &query.repository,
        &query.reference,
        query.platform.as_deref(),
    )
    .await?;
    let delete = sources::may_delete_tags(&state, &me, &registry).await;
    let separator = if query.reference.starts_with("sha256:") {
        "@"
    } else {
        ":"
    };
    let r = resolved.as_ref().clone();
    Ok(Json(ImageDetail {
        pull: format!(
            "{}/{}{separator}{}",
            registry.host, query.repository, query.reference
        ),
        registry,
        repository: query.repository,
        reference: query.reference,
        digest: r.digest,
        media_type: r.media_type,
        platforms: r.platforms,
        platform: r.platform,
        image_digest: r.image_digest,
        config: r.config,
        layers: r.layers,
        total_size: r.total_size,
        delete,
    }))
}

/// `DELETE /api/v1/registries/{name}/image?repository=…&reference=TAG`: deletes the manifest the
/// tag points at (the distribution API deletes by digest: other tags of that digest go too).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeletedTag {
    pub repository: String,
    pub tag: String,
    pub digest: String,
}

pub(super) async fn delete_tag(
    State(state): State<AppState>,
    me: Me,
    Extension(registries): Extension<Arc<Registries>>,
    Path(name): Path<String>,
    Query(query): Query<ImageQuery>,
) -> Result<Json<DeletedTag>> {
    let Opened {
        registry,
        mut client,
    } = sources::open(&state, &me, &registries, &name).await?;
    let decision = sources::may_delete_tags(&state, &me, &registry).await;
    if !decision.allowed {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!(
                "you may not delete tags of {name}: deleting uses the registry's login, so it needs the right to change the ImageRegistry ({})",
                decision.reason.unwrap_or_default()
            ),
        ));
    }
    let manifest = client
        .manifest(&query.repository, &query.reference)
        .await
        .map_err(|e| missing(e, &query.repository, &query.reference))?;
    client
        .delete_manifest(&query.repository, &manifest.digest)
        .await
        .map_err(|error| match error {
            wheelhouse_apps::Error::Status { status, .. }
                if status == StatusCode::METHOD_NOT_ALLOWED || status == StatusCode::FORBIDDEN =>
            {
                AppError::new(StatusCode::METHOD_NOT_ALLOWED, "DeleteNotAllowed", format!(
                    "the registry does not allow deleting images (it answered {status}); a docker-registry allows it with REGISTRY_STORAGE_DELETE_ENABLED=true"
                ))
            }
            other => other.into(),
        })?;
    registries
        .tags
        .forget_prefix(&format!("{name}/{}", query.repository));
    registries
        .manifests
        .forget_prefix(&format!("{name}/{}@", query.repository));
    tracing::info!(target: "wheelhouse::audit", registry = %name, repository = %query.repository, tag = %query.reference, digest = %manifest.digest, "deleted an image tag");
    Ok(Json(DeletedTag {
        repository: query.repository,
        tag: query.reference,
        digest: manifest.digest,
    }))
}
