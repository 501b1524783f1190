//! Releases read from helm's Secrets: the list (every namespace the person may read), one
//! release with its history, resources and URLs, one revision, and the diff of two.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_apps::budget::off_workers;
use wheelhouse_apps::manifest::{self, AccessUrl};
use wheelhouse_apps::release::{self, HistoryEntry, Protection, Release, ReleaseSummary};
use wheelhouse_cluster::discovery::KindInfo;
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::rows::{Cell, RowSchema, Severity};
use wheelhouse_model::warning::{Warning, WarningReason};

use super::Apps;
use super::release_watch::ReleaseWatches;
use crate::AppState;
use crate::error::IntoAppError;
use crate::error::{AppError, Result};
use crate::person::Me;
use wheelhouse_cluster::Person;
use wheelhouse_cluster::calls::{Calls, Failure};

/// Namespaces read at once when the person may not list Secrets cluster-wide.
const NAMESPACE_CONCURRENCY: usize = 8;
/// Namespaces one list may name (`?namespace=a,b,…`): each is a call to the API server.
const MAX_NAMESPACES: usize = 100;
/// Objects of a manifest read at once.
const OBJECT_CONCURRENCY: usize = 8;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    namespace: Option<String>,
    q: Option<String>,
}

/// `GET /api/v1/apps/releases`: the releases in the namespaces the person may read.
#[derive(Debug, Serialize, TS)]
pub struct ReleaseList {
    pub items: Vec<ReleaseSummary>,
    /// Namespaces whose releases could not be read, records that do not decode.
    pub warnings: Vec<Warning>,
}

/// `GET /api/v1/apps/releases/{namespace}/{name}`: the release now, with its history,
/// resources and where its app answers.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseDetail {
    #[serde(flatten)]
    pub summary: ReleaseSummary,
    pub description: String,
    /// The chart's NOTES as helm rendered them.
    pub notes: String,
    /// The values the person supplied, as YAML.
    pub values: String,
    pub manifest: String,
    /// Newest first.
    pub history: Vec<HistoryEntry>,
    pub resources: Vec<ReleaseResource>,
    pub access_urls: Vec<AccessUrl>,
    pub warnings: Vec<Warning>,
    /// Where an upgrade takes the chart from: what Wheelhouse recorded at install, or `null` (a
    /// release installed by the helm CLI; the person names a repository to upgrade).
    pub repo: Option<String>,
}

/// `GET …/releases/{namespace}/{name}/diff?from=&to=`: what changed between two revisions, as
/// unified diffs.
#[derive(Debug, Serialize, TS)]
pub struct ReleaseDiff {
    pub from: u32,
    pub to: u32,
    pub values: String,
    pub manifest: String,
}

fn selector(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{},name={name}", release::SELECTOR),
        None => release::SELECTOR.to_string(),
    }
}

/// The metadata of helm's release Secrets (`PartialObjectMetadata`, no records) in `namespaces`
/// (every namespace the person may read when empty): one chosen namespace the person may not read
/// is a warning, any other failure there an error; of several, each failure is a warning and the
/// rest are still shown.
///
/// One namespace, or all, is read from the person's watch of them (`watches`), which lists once
/// and then follows changes; the namespaces of a person who may not list all are listed each time.
pub(crate) async fn release_secrets(
    (calls, person, watches): (&Calls, &Person, &ReleaseWatches),
    namespaces: &[String],
    every_namespace: impl AsyncFnOnce() -> Result<Vec<String>>,
) -> Result<(Vec<Arc<Option<release::SecretMeta>>>, Vec<Warning>)> {
    let label = selector(None);
    let watched = async |namespace: Option<&str>| {
        watches
            .metadata(person, calls, namespace, &label, release::SECRET_TYPE)
            .await
    };
    // Only helm's Secrets (their type, which metadata does not carry, picked by field).
    let list = async |namespace: Option<&str>, label: &str| {
        let fields = format!("type={}", release::SECRET_TYPE);
        let items = calls.secret_metadata(namespace, label, &fields).await?;
        Ok::<_, Failure>(
            items
                .into_iter()
                .map(|mut item| {
                    item["type"] = Value::from(release::SECRET_TYPE);
                    Arc::new(release::SecretMeta::of(&item))
                })
                .collect::<Vec<_>>(),
        )
    };
    let what = |ns: &str| format!("helm releases (Secrets) in namespace {ns}");
    if let [namespace] = namespaces {
        return match watched(Some(namespace)).await {
            Ok(items) => Ok((items, Vec::new())),
            Err(failure) if failure.code == 403 => {
                Ok((Vec::new(), vec![failure.warning(what(namespace))]))
            }
            Err(failure) => Err(list_error(failure, Some(namespace))),
        };
    }
    let namespaces = if namespaces.is_empty() {
        match watched(None).await {
            Ok(items) => return Ok((items, Vec::new())),
            Err(failure) if failure.code == 403 => {}
            Err(failure) => return Err(list_error(failure, None)),
        }
        // Not cluster-wide: namespace by namespace (the names from Wheelhouse's own cache, since
        // a person limited to some namespaces usually may not list namespaces), as far as the
        // person may go.
        every_namespace().await?
    } else {
        namespaces.to_vec()
    };
    let results: Vec<(String, Listed)> = futures::stream::iter(namespaces)
        .map(|ns| {
            let list = &list;
            async move {
                let result = list(Some(&ns), &selector(None)).await;
                (ns, result)
            }
        })
        .buffer_unordered(NAMESPACE_CONCURRENCY)
        .collect()
        .await;
    let asked = results.len();
    let mut secrets = Vec::new();
    let mut warnings = Vec::new();
    let mut forbidden: Vec<(String, Failure)> = Vec::new();
    for (ns, result) in results {
        match result {
            Ok(items) => secrets.extend(items),
            Err(failure) if failure.code == 403 => forbidden.push((ns, failure)),
            Err(failure) => warnings.push(failure.warning(what(&ns))),
        }
    }
    warnings.sort_by(|a, b| a.what.cmp(&b.what));
    forbidden.sort_by(|a, b| a.0.cmp(&b.0));
    if !forbidden.is_empty() {
        // One sentence for the namespaces the person may not read, not one warning each.
        let names: Vec<&str> = forbidden.iter().map(|(ns, _)| ns.as_str()).collect();
        let shown = if names.len() > 5 {
            format!("{}, and {} more", names[..5].join(", "), names.len() - 5)
        } else {
            names.join(", ")
        };
        warnings.push(Warning::about(
            WarningReason::Forbidden,
            "helm releases (Secrets)",
            format!(
                "you may not list Secrets in {} of {asked} namespaces ({shown}); releases there are not shown",
                names.len()
            ),
        ));
    }
    Ok((secrets, warnings))
}

/// The release Secrets' metadata of one namespace, or why not.
type Listed = std::result::Result<Vec<Arc<Option<release::SecretMeta>>>, Failure>;

fn list_error(failure: Failure, namespace: Option<&str>) -> AppError {
    failure.into_error(
        json!({"verb": "list", "group": "", "resource": "secrets", "namespace": namespace}),
    )
}

impl Apps {
    /// Whether a release may be changed, and why not.
    pub(crate) fn protection(&self, namespace: &str, name: &str, annotated: bool) -> Protection {
        if annotated {
            return Protection {
                protected: true,
                reason: Some(format!(
                    "the release's Secret carries the annotation {}: \"true\"",
                    release::PROTECTED_ANNOTATION
                )),
            };
        }
        if self.protected.contains(&format!("{namespace}/{name}")) {
            return Protection {
                protected: true,
                reason: Some(format!(
                    "Wheelhouse's configuration protects it (--protected-release {namespace}/{name})"
                )),
            };
        }
        Protection::none()
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    me: Me,
    Extension(apps): Extension<Arc<Apps>>,
    Query(query): Query<ListQuery>,
) -> Result<Json<ReleaseList>> {
    state.cluster.ensure_connected().await?;
    let calls = me.calls.clone();
    // One namespace, several (`?namespace=a,b`, as the resource lists take them), or all.
    let mut namespaces: Vec<String> = query
        .namespace
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    namespaces.sort();
    namespaces.dedup();
    if namespaces.len() > MAX_NAMESPACES {
        return Err(AppError::bad_request(format!(
            "at most {MAX_NAMESPACES} namespaces may be asked for at once, not {}",
            namespaces.len()
        )));
    }
    let every_namespace = async || -> Result<Vec<String>> {
        Ok(state
            .cluster
            .caches()
            .namespaces()
            .await?
            .iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect())
    };
    // The metadata tells which records changed; only those are read and decoded.
    let (metadata, mut warnings) = release_secrets(
        (&calls, &me.person, &apps.release_watches),
        &namespaces,
        every_namespace,
    )
    .await?;
    let (mut items, unreadable) = apps.releases.summaries(&apps, &calls, &metadata).await?;
    warnings.extend(unreadable);
    if let Some(q) = query
        .q
        .as_deref()
        .map(str::to_lowercase)
        .filter(|q| !q.is_empty())
    {
        items.retain(|r| {
            r.name.to_lowercase().contains(&q)
                || r.chart.to_lowercase().contains(&q)
                || r.namespace.to_lowercase().contains(&q)
        });
    }
    Ok(Json(ReleaseList { items, warnings }))
}

/// Every revision of a release, oldest first, with whether any of its Secrets is annotated.
pub(crate) async fn revisions(
    calls: &Calls,
    namespace: &str,
    name: &str,
) -> Result<(Vec<Release>, bool)> {
    let secrets = calls
        .secrets(Some(namespace), &selector(Some(name)))
        .await
        .map_err(|f| list_error(f, Some(namespace)))?;
    let what = format!("release {namespace}/{name}");
    let (mut releases, annotated) = off_workers(move || {
        let mut annotated = false;
        let mut releases = Vec::new();
        for secret in &secrets {
            if release::SecretLabels::of(secret).is_none() {
                continue;
            }
            annotated |= release::annotated_protected(secret);
            releases.push(Release::from_secret(secret).map_err(|e| unreadable(&what, &e))?);
        }
        Ok::<_, AppError>((releases, annotated))
    })
    .await??;
    if releases.is_empty() {
        return Err(AppError::not_found(format!(
            "there is no helm release {name} in namespace {namespace}"
        )));
    }
    releases.sort_by_key(|r| r.version);
    Ok((releases, annotated))
}

/// 422 `Unreadable`: a release record that does not decode (or expands past its budget).
fn unreadable(what: &str, error: &wheelhouse_apps::Error) -> AppError {
    AppError::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "Unreadable",
        format!("{what}: {error}"),
    )
}

/// One object of a release's manifest, with its status in the cluster.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseResource {
    pub group: String,
    pub version: String,
    /// `""` when the cluster serves no such kind.
    pub resource: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// `null` when it could not be read.
    pub status: Option<LiveStatus>,
}

/// What a list row would show of an object's status (`Running`, `2/3 ready`, `Missing`).
#[derive(Debug, Clone, Serialize, TS)]
pub struct LiveStatus {
    pub text: String,
    pub severity: Severity,
}

/// The status a list row would show: its status cell, else its ready ratio, else "Exists".
fn live_status(kind: &KindInfo, object: &Value) -> LiveStatus {
    let row = RowSchema::builtin(&kind.group, &kind.kind, kind.namespaced).row(object);
    if let Ok(row) = row {
        for cell in row.cells.iter() {
            if let Cell::Status { text, severity } = cell {
                return LiveStatus {
                    text: text.to_string(),
                    severity: *severity,
                };
            }
        }
        for cell in row.cells.iter() {
            if let Cell::Ratio { ready, total } = cell {
                return LiveStatus {
                    text: format!("{ready}/{total} ready"),
                    severity: if ready == total {
                        Severity::Ok
                    } else {
                        Severity::Progressing
                    },
                };
            }
        }
    }
    LiveStatus {
        text: "Exists".into(),
        severity: Severity::Ok,
    }
}

/// The manifest's objects with their live status, the URLs they provide, and what could not be read.
pub(crate) async fn resources(
    calls: &Calls,
    resources: &Resources,
    release: &Release,
) -> (Vec<ReleaseResource>, Vec<AccessUrl>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let kinds = match resources.kind_set().await {
        Ok(kinds) => Some(kinds),
        Err(error) => {
            warnings.push(Warning::about(
                WarningReason::Unavailable,
                "the cluster's kinds (discovery)",
                error.to_string(),
            ));
            None
        }
    };
    let objects = manifest::objects(&release.manifest);
    let lookups = objects.into_iter().map(|object| {
        let kind = kinds.as_ref().and_then(|kinds| {
            let (group, version) = object.group_version();
            kinds
                .kinds
                .iter()
                .find(|k| k.group == group && k.version == version && k.kind == object.kind)
                .cloned()
        });
        async move {
            let Some(kind) = kind else {
                return (object, None, None);
            };
            let namespace = kind.namespaced.then(|| {
                object
                    .namespace
                    .clone()
                    .unwrap_or_else(|| release.namespace.clone())
            });
            let answer = calls
                .object(&kind, namespace.as_deref(), &object.name)
                .await;
            (object, Some((kind, namespace)), Some(answer))
        }
    });
    let found: Vec<_> = futures::stream::iter(lookups)
        .buffered(OBJECT_CONCURRENCY)
        .collect()
        .await;
    let mut items = Vec::new();
    let mut live = Vec::new();
    for (object, kind, answer) in found {
        let (group, version) = object.group_version();
        let (group, version) = (group.to_string(), version.to_string());
        let Some((kind, namespace)) = kind else {
            warnings.push(Warning::about(
                WarningReason::NotFound,
                format!("{} {}", object.kind, object.name),
                format!(
                    "the cluster serves no kind {} in {}",
                    object.kind, object.api_version
                ),
            ));
            items.push(ReleaseResource {
                group,
                version,
                resource: String::new(),
                kind: object.kind,
                namespace: object.namespace,
                name: object.name,
                status: None,
            });
            continue;
        };
        let status = match answer {
            Some(Ok(value)) => {
                let status = live_status(&kind, &value);
                live.push(value);
                Some(status)
            }
            Some(Err(failure)) if failure.code == 404 => Some(LiveStatus {
                text: "Missing".into(),
                severity: Severity::Error,
            }),
            Some(Err(failure)) => {
                warnings.push(failure.warning(format!("{} {}", kind.kind, object.name)));
                None
            }
            None => None,
        };
        items.push(ReleaseResource {
            group,
            version,
            resource: kind.resource.clone(),
            kind: kind.kind.clone(),
            namespace,
            name: object.name,
            status,
        });
    }
    let needs_node = live.iter().any(|o| {
        matches!(
            o.pointer("/spec/type").and_then(Value::as_str),
            Some("NodePort" | "LoadBalancer")
        )
    });
    let node = if needs_node {
        match calls.nodes(1).await {
            Ok(nodes) => nodes.first().and_then(manifest::node_address),
            Err(failure) => {
                warnings.push(failure.warning("nodes (for NodePort addresses)"));
                None
            }
        }
    } else {
        None
    };
    let urls = manifest::access_urls(&live, node.as_deref());
    (items, urls, warnings)
}

pub(super) async fn detail(
    State(state): State<AppState>,
    me: Me,
    Extension(apps): Extension<Arc<Apps>>,
    Extension(cluster_resources): Extension<Arc<Resources>>,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<ReleaseDetail>> {
    state.cluster.ensure_connected().await?;
    let calls = me.calls.clone();
    let (history, annotated) = revisions(&calls, &namespace, &name).await?;
    let Some(current) = history.last() else {
        return Err(AppError::not_found(format!(
            "there is no helm release {name} in namespace {namespace}"
        )));
    };
    let protected = apps.protection(&namespace, &name, annotated);
    let (resources, access_urls, warnings) = resources(&calls, &cluster_resources, current).await;
    Ok(Json(ReleaseDetail {
        summary: current.summary(protected),
        description: current.info.description.clone(),
        notes: current.info.notes.clone(),
        values: current.user_values_yaml(),
        manifest: current.manifest.clone(),
        history: history.iter().rev().map(Release::history_entry).collect(),
        resources,
        access_urls,
        warnings,
        repo: current.recorded_repository().map(str::to_string),
    }))
}

fn merge(body: &mut Value, extra: Value) {
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
}

/// One revision's record.
pub(crate) async fn one_revision(
    calls: &Calls,
    namespace: &str,
    name: &str,
    revision: u32,
) -> Result<Release> {
    match calls
        .secret(namespace, &release::secret_name(name, revision))
        .await
    {
        Ok(secret) => {
            let what = format!("release {namespace}/{name} revision {revision}");
            off_workers(move || Release::from_secret(&secret).map_err(|e| unreadable(&what, &e)))
                .await?
        }
        Err(failure) if failure.code == 404 => Err(AppError::not_found(format!(
            "helm release {namespace}/{name} has no revision {revision}"
        ))),
        Err(failure) => Err(failure.into_error(
            json!({"verb": "get", "group": "", "resource": "secrets", "namespace": namespace}),
        )),
    }
}

fn revision_body(release: &Release) -> Value {
    let mut body = json!(release.history_entry());
    merge(
        &mut body,
        json!({
            "name": release.name,
            "namespace": release.namespace,
            "values": release.user_values_yaml(),
            "defaultValues": release.default_values_yaml(),
            "manifest": release.manifest,
            "notes": release.info.notes,
        }),
    );
    body
}

pub(super) async fn revision(
    State(state): State<AppState>,
    me: Me,
    Path((namespace, name, revision)): Path<(String, String, u32)>,
) -> Result<Json<Value>> {
    state.cluster.ensure_connected().await?;
    let release = one_revision(&me.calls, &namespace, &name, revision).await?;
    Ok(Json(revision_body(&release)))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DiffQuery {
    from: Option<u32>,
    to: Option<u32>,
}

pub(super) async fn diff(
    State(state): State<AppState>,
    me: Me,
    Path((namespace, name)): Path<(String, String)>,
    Query(query): Query<DiffQuery>,
) -> Result<Json<ReleaseDiff>> {
    state.cluster.ensure_connected().await?;
    let calls = me.calls.clone();
    let to = match query.to {
        Some(to) => to,
        None => revisions(&calls, &namespace, &name)
            .await?
            .0
            .last()
            .map_or(1, |r| r.version),
    };
    let from = query.from.unwrap_or(to.saturating_sub(1).max(1));
    let (old, new) = futures::try_join!(
        one_revision(&calls, &namespace, &name, from),
        one_revision(&calls, &namespace, &name, to)
    )?;
    // Milliseconds for a large manifest, up to the diff's deadline for a pathological one: off
    // the async workers either way.
    let (values, manifest) = wheelhouse_apps::budget::off_workers(move || {
        let (a, b) = (format!("revision {from}"), format!("revision {to}"));
        let unified = wheelhouse_apps::diff::unified;
        (
            unified(&old.user_values_yaml(), &new.user_values_yaml(), &a, &b),
            unified(&old.manifest, &new.manifest, &a, &b),
        )
    })
    .await?;
    Ok(Json(ReleaseDiff {
        from,
        to,
        values,
        manifest,
    }))
}
