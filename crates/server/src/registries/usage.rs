//! From an image to what runs it, and from a workload to its images in the registry.
//!
//! Both read the watch caches (pods and the workload kinds) narrowed to the namespaces the person
//! may list each kind in, as lists are (`crate::access`); objects are parsed only when their JSON
//! mentions what is looked for.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use wheelhouse_apps::images::{ImageRef, digest_of_image_id};
use wheelhouse_cluster::Person;
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::selector::Selector;
use wheelhouse_model::warning::{Warning, WarningReason};

use super::browse::resolve;
use super::sources::{self, RegistrySource};
use super::{Opened, Registries};
use crate::AppState;
use crate::access::{Access, Allowed, Attributes};
use crate::error::{AppError, Result};
use crate::person::Me;

/// The kinds that run images: `(group, version, resource, Kind, where the pod spec is)`.
const KINDS: [(&str, &str, &str, &str, &str); 6] = [
    (
        "apps",
        "v1",
        "deployments",
        "Deployment",
        "/spec/template/spec",
    ),
    (
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        "/spec/template/spec",
    ),
    (
        "apps",
        "v1",
        "daemonsets",
        "DaemonSet",
        "/spec/template/spec",
    ),
    (
        "batch",
        "v1",
        "cronjobs",
        "CronJob",
        "/spec/jobTemplate/spec/template/spec",
    ),
    ("batch", "v1", "jobs", "Job", "/spec/template/spec"),
    ("", "v1", "pods", "Pod", "/spec"),
];

/// The objects of a kind the person may see from its watch cache whose JSON contains `needle`.
pub(super) async fn visible_objects(
    resources: &Resources,
    access: &Access,
    person: &Person,
    group: &str,
    version: &str,
    resource: &str,
    needle: &str,
) -> Result<Vec<Value>> {
    let attributes = Attributes {
        verb: "list",
        group: group.to_string(),
        resource: resource.to_string(),
        namespaced: true,
        namespaces: vec![],
    };
    let namespaces = match access.review(person, &attributes).await? {
        Allowed::Asked => vec![Vec::new()],
        Allowed::Namespaces(namespaces) => namespaces.into_iter().map(|n| vec![n]).collect(),
    };
    let mut raw = Vec::new();
    for asked in namespaces {
        let (cache, _) = resources
            .settled_cache(group, version, resource, &asked)
            .await
            .map_err(AppError::from)?;
        let objects = cache.read();
        for row in objects.rows() {
            if !asked.is_empty() && row.namespace.as_deref() != asked.first().map(String::as_str) {
                continue;
            }
            if let Some(json) = objects.json(row.namespace.as_deref(), &row.name) {
                raw.push(json);
            }
        }
    }
    let needle = needle.as_bytes().to_vec();
    // Searching every object's JSON is CPU work: off the async workers.
    tokio::task::spawn_blocking(move || {
        let mut found = Vec::new();
        for packed in &raw {
            let json = packed.unpack()?;
            let wanted =
                needle.is_empty() || json.windows(needle.len()).any(|w| w == needle.as_slice());
            if wanted && let Ok(object) = serde_json::from_slice(&json) {
                found.push(object);
            }
        }
        Ok::<_, std::io::Error>(found)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// The containers (init containers too) of a pod spec: name and image.
fn containers(spec: &Value) -> Vec<(String, String)> {
    ["initContainers", "containers"]
        .iter()
        .flat_map(|key| spec[*key].as_array().into_iter().flatten())
        .filter_map(|c| {
            Some((
                c["name"].as_str()?.to_string(),
                c["image"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The digests a pod's container statuses report as running, by container name.
fn running_digests(pod: &Value) -> Vec<(String, String)> {
    ["initContainerStatuses", "containerStatuses"]
        .iter()
        .flat_map(|key| pod["status"][*key].as_array().into_iter().flatten())
        .filter_map(|s| {
            let digest = digest_of_image_id(s["imageID"].as_str()?)?;
            Some((s["name"].as_str()?.to_string(), digest))
        })
        .collect()
}

/// The repositories of `host` that the workloads and pods the person may see use.
pub(super) async fn repositories_used(
    resources: &Resources,
    access: &Access,
    me: &Me,
    host: &str,
) -> Result<Vec<String>> {
    let mut found = BTreeSet::new();
    for (group, version, resource, _, spec) in KINDS {
        let Ok(objects) = visible_objects(
            resources, access, &me.person, group, version, resource, host,
        )
        .await
        else {
            continue;
        };
        for object in &objects {
            for (_, image) in containers(object.pointer(spec).unwrap_or(&Value::Null)) {
                if let Some(r) = ImageRef::parse(&image).filter(|r| r.host == host) {
                    found.insert(r.repository);
                }
            }
        }
    }
    Ok(found.into_iter().collect())
}

/// How a container's image matches the image asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum UsageMatch {
    /// It names the tag.
    Tag,
    /// It names, or (a pod) runs, the tag's digest or one of its platforms'.
    Digest,
    /// Another tag or digest of the same repository.
    Repository,
}

/// One container that uses the repository.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UsageRow {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub container: String,
    pub image: String,
    #[serde(rename = "match")]
    pub matched: UsageMatch,
    /// For a pod: the digest its runtime reports for the container.
    pub running_digest: Option<String>,
}

/// `GET /api/v1/registries/{name}/usage?repository=…[&tag=…]`.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageUsage {
    pub repository: String,
    pub tag: Option<String>,
    /// The tag's digests (the index's and each platform's), when a tag was asked about.
    pub digests: Vec<String>,
    pub items: Vec<UsageRow>,
    /// Kinds the person may not list anywhere: their workloads are not counted.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Deserialize)]
pub(super) struct UsageQuery {
    repository: String,
    tag: Option<String>,
}

pub(super) async fn image_usage(
    State(state): State<AppState>,
    me: Me,
    Extension(registries): Extension<Arc<Registries>>,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(access): Extension<Arc<Access>>,
    Path(name): Path<String>,
    Query(query): Query<UsageQuery>,
) -> Result<Json<ImageUsage>> {
    let Opened {
        registry,
        mut client,
    } = sources::open(&state, &me, &registries, &name).await?;
    let digests = match &query.tag {
        Some(tag) => resolve(
            &registries,
            &name,
            &mut client,
            &query.repository,
            tag,
            None,
        )
        .await?
        .digests(),
        None => Vec::new(),
    };
    let mut items = Vec::new();
    let mut warnings = Vec::new();
    for (group, version, resource, kind, spec) in KINDS {
        let objects = match visible_objects(
            &resources,
            &access,
            &me.person,
            group,
            version,
            resource,
            &query.repository,
        )
        .await
        {
            Ok(objects) => objects,
            Err(error) => {
                warnings.push(Warning::about(
                    WarningReason::Forbidden,
                    resource,
                    error.message().to_string(),
                ));
                continue;
            }
        };
        for object in &objects {
            let running = running_digests(object);
            for (container, image) in containers(object.pointer(spec).unwrap_or(&Value::Null)) {
                let Some(r) = ImageRef::parse(&image) else {
                    continue;
                };
                if r.host != registry.host || r.repository != query.repository {
                    continue;
                }
                let running_digest = running
                    .iter()
                    .find(|(c, _)| *c == container)
                    .map(|(_, d)| d.clone());
                let pinned = r.digest.as_ref().is_some_and(|d| digests.contains(d));
                let runs = running_digest.as_ref().is_some_and(|d| digests.contains(d));
                let matched = match &query.tag {
                    Some(tag)
                        if r.tag.as_ref() == Some(tag)
                            && r.digest.as_ref().is_none_or(|_| pinned) =>
                    {
                        UsageMatch::Tag
                    }
                    Some(_) if pinned || runs => UsageMatch::Digest,
                    _ => UsageMatch::Repository,
                };
                items.push(UsageRow {
                    kind: kind.to_string(),
                    namespace: object
                        .pointer("/metadata/namespace")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    name: object
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    container,
                    image,
                    matched,
                    running_digest,
                });
            }
        }
    }
    items.sort_by(|a, b| {
        (a.matched as u8, &a.kind, &a.namespace, &a.name).cmp(&(
            b.matched as u8,
            &b.kind,
            &b.namespace,
            &b.name,
        ))
    });
    Ok(Json(ImageUsage {
        repository: query.repository,
        tag: query.tag,
        digests,
        items,
        warnings,
    }))
}

#[derive(Debug, Deserialize)]
pub(super) struct WorkloadQuery {
    namespace: String,
    /// `Deployment`, `StatefulSet`, `DaemonSet`, `CronJob`, `Job` or `Pod`.
    kind: String,
    name: String,
}

/// A container of a workload and its image in the registry.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadImage {
    pub container: String,
    pub image: String,
    /// The registry it was found in (an ImageRegistry or a pull secret), if any.
    pub registry: Option<String>,
    pub repository: Option<String>,
    pub tag: Option<String>,
    /// The digest the tag points at in the registry now.
    pub current_digest: Option<String>,
    /// The digests its pods report running.
    pub running_digests: Vec<String>,
    /// Some pod runs a digest the tag no longer points at.
    pub newer: bool,
    /// Why the registry could not say, if it could not.
    pub problem: Option<String>,
}

/// `GET /api/v1/registries/_workload?namespace=…&kind=…&name=…`.
#[derive(Debug, Serialize, TS)]
pub struct WorkloadImages {
    pub items: Vec<WorkloadImage>,
}

pub(super) async fn workload_images(
    State(state): State<AppState>,
    me: Me,
    Extension(registries): Extension<Arc<Registries>>,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(access): Extension<Arc<Access>>,
    Query(query): Query<WorkloadQuery>,
) -> Result<Json<WorkloadImages>> {
    let (group, version, resource, _, spec_at) = KINDS
        .iter()
        .copied()
        .find(|k| k.3 == query.kind)
        .ok_or_else(|| {
            AppError::bad_request(format!("{} is not a kind that runs images", query.kind))
        })?;
    crate::names::check("namespace", &query.namespace)?;
    crate::names::check("name", &query.name)?;
    let (kind, _) = resources
        .kind(group, version, resource)
        .await
        .map_err(AppError::from)?;
    let workload = me
        .calls
        .object(&kind, Some(&query.namespace), &query.name)
        .await
        .map_err(|f| crate::error::IntoAppError::into_error(f, serde_json::json!({"verb": "get", "group": group, "resource": resource, "namespace": query.namespace, "name": query.name})))?;
    let pods: Vec<Value> = if query.kind == "Pod" {
        vec![workload.clone()]
    } else {
        let selector = Selector::of_workload(&workload).map_err(AppError::from)?;
        let all = visible_objects(
            &resources,
            &access,
            &me.person,
            "",
            "v1",
            "pods",
            &query.namespace,
        )
        .await
        .unwrap_or_default();
        all.into_iter()
            .filter(|p| {
                p.pointer("/metadata/namespace").and_then(Value::as_str)
                    == Some(query.namespace.as_str())
            })
            .filter(|p| {
                selector
                    .as_ref()
                    .is_some_and(|s| s.matches(&p["metadata"]["labels"]))
            })
            .collect()
    };
    let spec = workload.pointer(spec_at).cloned().unwrap_or(Value::Null);
    let pull_secrets: Vec<String> = spec["imagePullSecrets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str().map(str::to_string))
        .collect();
    let listed = me
        .calls
        .objects(&sources::image_registries(), None, "", "")
        .await
        .unwrap_or_default();
    let mut items = Vec::new();
    for (container, image) in containers(&spec) {
        let running_digests: Vec<String> = pods
            .iter()
            .flat_map(running_digests)
            .filter(|(c, _)| *c == container)
            .map(|(_, d)| d)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut item = WorkloadImage {
            container,
            image: image.clone(),
            registry: None,
            repository: None,
            tag: None,
            current_digest: None,
            running_digests,
            newer: false,
            problem: None,
        };
        let Some(r) = ImageRef::parse(&image) else {
            item.problem = Some("the image is not a reference Wheelhouse can read".into());
            items.push(item);
            continue;
        };
        item.repository = Some(r.repository.clone());
        item.tag = r.tag.clone();
        // An ImageRegistry for the host first, then the workload's own pull secrets.
        let candidates: Vec<String> = listed
            .iter()
            .filter(|o| {
                o.pointer("/spec/url")
                    .and_then(Value::as_str)
                    .and_then(wheelhouse_apps::images::host_of_url)
                    .as_deref()
                    == Some(r.host.as_str())
            })
            .filter_map(|o| {
                o.pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .chain(
                pull_secrets
                    .iter()
                    .map(|s| format!("pull:{}:{s}:{}", query.namespace, r.host)),
            )
            .collect();
        let Some(tag) = r.tag.clone() else {
            item.problem =
                Some("the image is pinned to a digest only; there is no tag to compare".into());
            items.push(item);
            continue;
        };
        for candidate in candidates {
            let opened = match sources::open(&state, &me, &registries, &candidate).await {
                Ok(opened) => opened,
                Err(error) => {
                    item.problem = Some(error.message().to_string());
                    continue;
                }
            };
            let Opened {
                registry,
                mut client,
            } = opened;
            item.registry = Some(registry.name.clone());
            match resolve(
                &registries,
                &registry.name,
                &mut client,
                &r.repository,
                &tag,
                None,
            )
            .await
            {
                Ok(resolved) => {
                    let digests = resolved.digests();
                    item.current_digest = Some(resolved.digest.clone());
                    item.newer = item.running_digests.iter().any(|d| !digests.contains(d));
                    item.problem = None;
                    break;
                }
                Err(error) => item.problem = Some(error.message().to_string()),
            }
            if registry.source == RegistrySource::Resource {
                break;
            }
        }
        if item.registry.is_none() && item.problem.is_none() {
            item.problem = Some(format!(
                "no ImageRegistry or pull secret of this workload is for {}",
                r.host
            ));
        }
        items.push(item);
    }
    Ok(Json(WorkloadImages { items }))
}
