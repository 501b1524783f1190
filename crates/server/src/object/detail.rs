//! `GET /api/v1/resources/{g}/{v}/{r}/{name}`: an object's detail, aggregated in one request —
//! metadata, summary, conditions, owner chain, related objects and events. Secondary lookups run
//! in parallel; each one that fails becomes a typed warning, never a failed page.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::detail::{
    self, Condition, DetailEvent, ObjectLink, References, RelatedGroup, Summary, pod_spec_of,
    references, secret_env_refs, string_map,
};
use wheelhouse_model::selector::{Requirement, Selector};

use super::lookup::{Filter, Lookup, owned_by};
use super::{ObjectPath, Target, kind_of};
use crate::AppState;
use crate::access::Access;
use crate::error::Result;
use crate::person::Me;
use wheelhouse_cluster::calls::without_managed_fields;
use wheelhouse_model::warning::{Warning, WarningReason};

/// Events shown at most.
const MAX_EVENTS: usize = 100;
/// Owners followed at most (pod → ReplicaSet → Deployment is two).
const MAX_OWNERS: usize = 5;

/// `GET /api/v1/resources/{g}/{v}/{r}/{name}`: the object with what the detail page shows of it.
#[derive(Debug, Serialize, TS)]
#[ts(rename = "Detail")]
pub(crate) struct DetailAnswer {
    pub kind: KindRef,
    pub metadata: DetailMetadata,
    /// The per-kind part; `null` for kinds without one.
    pub summary: Option<Summary>,
    pub conditions: Vec<Condition>,
    /// The controller chain, nearest first.
    pub owners: Vec<ObjectLink>,
    pub related: Vec<RelatedGroup>,
    /// Newest first.
    pub events: Vec<DetailEvent>,
    /// What could not be looked up (a forbidden list, an owner of a kind the cluster lacks).
    pub warnings: Vec<Warning>,
    /// The object as the API server has it, without `managedFields` (a Secret's values hidden
    /// unless revealed).
    #[ts(type = "Record<string, unknown>")]
    pub object: Value,
}

/// The object's kind.
#[derive(Debug, Serialize, TS)]
pub(crate) struct KindRef {
    pub group: String,
    pub version: String,
    pub resource: String,
    pub kind: String,
    pub namespaced: bool,
}

/// What the detail shows of the object's metadata.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DetailMetadata {
    pub name: String,
    pub namespace: Option<String>,
    pub uid: String,
    pub resource_version: String,
    pub creation_timestamp: Option<String>,
    pub deletion_timestamp: Option<String>,
    pub generation: Option<i64>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// As written.
    #[ts(type = "Array<Record<string, unknown>>")]
    pub owner_references: Value,
}

impl DetailMetadata {
    fn of(object: &Value) -> Self {
        let metadata = object.get("metadata").unwrap_or(&Value::Null);
        let text = |key: &str| {
            metadata
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Self {
            name: text("name").unwrap_or_default(),
            namespace: text("namespace"),
            uid: text("uid").unwrap_or_default(),
            resource_version: text("resourceVersion").unwrap_or_default(),
            creation_timestamp: text("creationTimestamp"),
            deletion_timestamp: text("deletionTimestamp"),
            generation: metadata.get("generation").and_then(Value::as_i64),
            labels: string_map(metadata.get("labels")),
            annotations: string_map(metadata.get("annotations")),
            owner_references: metadata
                .get("ownerReferences")
                .filter(|v| v.is_array())
                .cloned()
                .unwrap_or_else(|| json!([])),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DetailParams {
    namespace: Option<String>,
    reveal: Option<bool>,
}

pub(super) async fn detail(
    State(state): State<AppState>,
    me: Me,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(access): Extension<Arc<Access>>,
    path: ObjectPath,
    Query(params): Query<DetailParams>,
) -> Result<Response> {
    let target = Target::resolve(&state, &resources, path.0, params.namespace).await?;
    let calls = me.calls.clone();
    let mut object = without_managed_fields(target.get(&calls).await?);
    if params.reveal != Some(true) {
        super::edit::hide_secret_values(&target, &mut object);
    }
    let lookup = Lookup {
        calls,
        resources,
        kinds: target.kinds.clone(),
        access,
        person: me.person.clone(),
    };
    let kind = target.kind.kind.as_str();
    let mut summary = detail::summary(kind, &object);
    let (owners, events, related, revealed) = futures::join!(
        owner_chain(&lookup, &target, &object),
        events(&lookup, &target, &object),
        related(&lookup, &target, &object),
        reveal(
            &lookup,
            &target,
            summary.as_ref(),
            params.reveal == Some(true)
        ),
    );
    let mut warnings = Vec::new();
    let (owners, owner_warnings) = owners;
    warnings.extend(owner_warnings);
    let events = events.unwrap_or_else(|w| {
        warnings.push(w);
        Vec::new()
    });
    let (related, related_warnings) = related;
    warnings.extend(related_warnings);
    let (values, reveal_warnings) = revealed;
    warnings.extend(reveal_warnings);
    if let Some(summary) = summary.as_mut() {
        for (list, container, env, value) in values {
            if let Some(entry) = summary
                .containers_mut(list)
                .and_then(|c| c.get_mut(container))
                .and_then(|c| c.env.get_mut(env))
            {
                entry.value = Some(Some(value));
                entry.revealed = Some(true);
            }
        }
    }
    let answer = DetailAnswer {
        kind: KindRef {
            group: target.kind.group.clone(),
            version: target.kind.version.clone(),
            resource: target.kind.resource.clone(),
            kind: target.kind.kind.clone(),
            namespaced: target.kind.namespaced,
        },
        metadata: DetailMetadata::of(&object),
        summary,
        conditions: detail::conditions(&object),
        owners,
        related,
        events,
        warnings,
        object,
    };
    Ok(Json(answer).into_response())
}

fn uid(object: &Value) -> &str {
    object
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn name(object: &Value) -> &str {
    object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The controller chain from the nearest owner up; a refused owner ends it with a warning.
async fn owner_chain(
    lookup: &Lookup,
    target: &Target,
    object: &Value,
) -> (Vec<ObjectLink>, Vec<Warning>) {
    let mut chain = Vec::new();
    let mut current = object.clone();
    for _ in 0..MAX_OWNERS {
        let owners = current
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let Some(owner) = owners
            .iter()
            .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
            .or_else(|| owners.first())
        else {
            break;
        };
        let api_version = owner
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind_name = owner.get("kind").and_then(Value::as_str).unwrap_or("");
        let owner_name = owner.get("name").and_then(Value::as_str).unwrap_or("");
        let Some(kind) = kind_of(&lookup.kinds, api_version, kind_name) else {
            return (
                chain,
                vec![Warning::about(
                    WarningReason::Unavailable,
                    format!("owner {kind_name} {owner_name}"),
                    format!("the cluster does not serve {kind_name} in {api_version}"),
                )],
            );
        };
        let namespace = target.namespace.as_deref().filter(|_| kind.namespaced);
        chain.push(ObjectLink::new(
            (&kind.group, &kind.version, &kind.resource, &kind.kind),
            namespace,
            owner_name,
        ));
        match lookup.calls.object(&kind, namespace, owner_name).await {
            Ok(next) => current = next,
            Err(failure) => {
                let what = match namespace {
                    Some(ns) => format!("{} {ns}/{owner_name}", kind.qualified_resource()),
                    None => format!("{} {owner_name}", kind.qualified_resource()),
                };
                return (chain, vec![failure.warning(what)]);
            }
        }
    }
    (chain, Vec::new())
}

/// The object's events (core/v1, by involvedObject.uid), newest first.
async fn events(
    lookup: &Lookup,
    target: &Target,
    object: &Value,
) -> Result<Vec<DetailEvent>, Warning> {
    let uid = uid(object);
    // Events of cluster-scoped objects (nodes) are kept in `default`, whatever the namespace.
    let filter = Filter {
        namespace: target.namespace.as_deref(),
        field: Some(("involvedObject.uid", "/involvedObject/uid", uid)),
        ..Filter::default()
    };
    let events = lookup.list(("", "v1", "events"), &filter).await?;
    Ok(detail::events(events, MAX_EVENTS))
}

/// A group of related links, when there are any.
fn group(relation: &str, items: Vec<ObjectLink>) -> Option<RelatedGroup> {
    (!items.is_empty()).then(|| RelatedGroup {
        relation: relation.to_string(),
        items,
    })
}

fn pod_links(pods: &[Value]) -> Vec<ObjectLink> {
    let mut links: Vec<ObjectLink> = pods
        .iter()
        .map(|p| {
            let status = serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(p.clone())
                .ok()
                .map(|pod| wheelhouse_model::pod::status_reason(&pod));
            ObjectLink::new(
                ("", "v1", "pods", "Pod"),
                p.pointer("/metadata/namespace").and_then(Value::as_str),
                name(p),
            )
            .with_status(status)
        })
        .collect();
    links.sort_by(|a, b| a.path.cmp(&b.path));
    links
}

fn links(
    kind: (&str, &str, &str, &str),
    namespace: Option<&str>,
    names: impl IntoIterator<Item = String>,
) -> Vec<ObjectLink> {
    names
        .into_iter()
        .map(|n| ObjectLink::new(kind, namespace, &n).with_status(None))
        .collect()
}

fn object_links(
    kind: (&str, &str, &str, &str),
    namespace: Option<&str>,
    objects: &[Value],
) -> Vec<ObjectLink> {
    links(kind, namespace, objects.iter().map(|o| name(o).to_string()))
}

/// The objects related to this one, by kind; failed lookups as warnings.
/// The Services in `ns` whose selector matches `labels` (a pod's, or a workload's template's).
async fn services_selecting(
    lookup: &Lookup,
    ns: Option<&str>,
    labels: &Value,
) -> Result<Vec<Value>, Warning> {
    let filter = Filter {
        namespace: ns,
        ..Filter::default()
    };
    let services = lookup.list(("", "v1", "services"), &filter).await?;
    Ok(services
        .into_iter()
        .filter(|s| Selector::of_service(s).is_some_and(|selector| selector.matches(labels)))
        .collect())
}

/// Links to the Services that select `labels`.
fn service_links(ns: Option<&str>, services: &[Value]) -> Option<RelatedGroup> {
    group(
        "services",
        object_links(("", "v1", "services", "Service"), ns, services),
    )
}

async fn related(
    lookup: &Lookup,
    target: &Target,
    object: &Value,
) -> (Vec<RelatedGroup>, Vec<Warning>) {
    let ns = target.namespace.as_deref();
    let kind = target.kind.kind.as_str();
    let mut groups: Vec<Option<RelatedGroup>> = Vec::new();
    let mut warnings = Vec::new();
    // What a workload selects; owners decide which of those pods are its own.
    let workload_selector = match Selector::of_workload(object) {
        Ok(selector) => selector.unwrap_or_default(),
        Err(error) => {
            warnings.push(Warning::about(
                WarningReason::Unavailable,
                "the selector",
                error.to_string(),
            ));
            Selector::default()
        }
    };
    let mut ok = |result: Result<Vec<Value>, Warning>| -> Vec<Value> {
        result.unwrap_or_else(|w| {
            warnings.push(w);
            Vec::new()
        })
    };
    let template_labels = |o: &Value| {
        string_map(
            o.pointer("/spec/template/metadata/labels")
                .or_else(|| o.pointer("/metadata/labels")),
        )
    };
    let refs = pod_spec_of(kind, object)
        .map(references)
        .unwrap_or_default();
    let uid = uid(object);
    match kind {
        "Pod" => {
            let labels = object
                .pointer("/metadata/labels")
                .cloned()
                .unwrap_or(Value::Null);
            let selecting = ok(services_selecting(lookup, ns, &labels).await);
            groups.push(service_links(ns, &selecting));
            groups.extend(reference_groups(&refs, ns));
            if let Some(node) = object.pointer("/spec/nodeName").and_then(Value::as_str) {
                groups.push(group(
                    "node",
                    links(("", "v1", "nodes", "Node"), None, [node.to_string()]),
                ));
            }
        }
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" => {
            let pods_filter = Filter {
                namespace: ns,
                selector: workload_selector.clone(),
                ..Filter::default()
            };
            let (owners_of_pods, middle) = match kind {
                "Deployment" => {
                    let sets = ok(lookup
                        .list(("apps", "v1", "replicasets"), &pods_filter)
                        .await);
                    let owned: Vec<Value> = sets.into_iter().filter(|s| owned_by(s, uid)).collect();
                    let uids: Vec<String> =
                        owned.iter().map(|s| self::uid(s).to_string()).collect();
                    let group = group(
                        "replicaSets",
                        object_links(("apps", "v1", "replicasets", "ReplicaSet"), ns, &owned),
                    );
                    (uids, group)
                }
                "CronJob" => {
                    let jobs = ok(lookup
                        .list(
                            ("batch", "v1", "jobs"),
                            &Filter {
                                namespace: ns,
                                ..Filter::default()
                            },
                        )
                        .await);
                    let owned: Vec<Value> = jobs.into_iter().filter(|j| owned_by(j, uid)).collect();
                    let uids: Vec<String> =
                        owned.iter().map(|s| self::uid(s).to_string()).collect();
                    let group = group(
                        "jobs",
                        object_links(("batch", "v1", "jobs", "Job"), ns, &owned),
                    );
                    (uids, group)
                }
                _ => (vec![uid.to_string()], None),
            };
            let pods_filter = if kind == "CronJob" {
                Filter {
                    namespace: ns,
                    ..Filter::default()
                }
            } else {
                pods_filter
            };
            let pods = ok(lookup.list(("", "v1", "pods"), &pods_filter).await);
            let pods: Vec<Value> = pods
                .into_iter()
                .filter(|p| owners_of_pods.iter().any(|u| owned_by(p, u)))
                .collect();
            groups.push(middle);
            groups.push(group("pods", pod_links(&pods)));
            if kind != "CronJob" && kind != "Job" {
                let labels = json!(template_labels(object));
                let selecting = ok(services_selecting(lookup, ns, &labels).await);
                groups.push(service_links(ns, &selecting));
            }
            let mut refs = refs;
            if kind == "StatefulSet" {
                let claims = ok(lookup
                    .list(
                        ("", "v1", "persistentvolumeclaims"),
                        &Filter {
                            namespace: ns,
                            ..Filter::default()
                        },
                    )
                    .await);
                let prefixes: Vec<String> = object
                    .pointer("/spec/volumeClaimTemplates")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|t| format!("{}-{}-", name(t), name(object)))
                    .collect();
                for claim in claims {
                    if prefixes
                        .iter()
                        .any(|p| name(&claim).starts_with(p.as_str()))
                    {
                        refs.claims.push(name(&claim).to_string());
                    }
                }
            }
            groups.extend(reference_groups(&refs, ns));
        }
        "Service" => {
            if let Some(selector) = Selector::of_service(object) {
                let pods = ok(lookup
                    .list(
                        ("", "v1", "pods"),
                        &Filter {
                            namespace: ns,
                            selector,
                            ..Filter::default()
                        },
                    )
                    .await);
                groups.push(group("pods", pod_links(&pods)));
            }
            let by_service = Selector::new(vec![Requirement::Equals(
                "kubernetes.io/service-name".to_string(),
                name(object).to_string(),
            )]);
            let slices = ok(lookup
                .list(
                    ("discovery.k8s.io", "v1", "endpointslices"),
                    &Filter {
                        namespace: ns,
                        selector: by_service,
                        ..Filter::default()
                    },
                )
                .await);
            groups.push(group(
                "endpoints",
                object_links(
                    ("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
                    ns,
                    &slices,
                ),
            ));
        }
        "Node" => {
            let node = name(object);
            let pods = ok(lookup
                .list(
                    ("", "v1", "pods"),
                    &Filter {
                        field: Some(("spec.nodeName", "/spec/nodeName", node)),
                        ..Filter::default()
                    },
                )
                .await);
            groups.push(group("pods", pod_links(&pods)));
        }
        "PersistentVolumeClaim" => {
            if let Some(volume) = object.pointer("/spec/volumeName").and_then(Value::as_str) {
                groups.push(group(
                    "persistentVolume",
                    links(
                        ("", "v1", "persistentvolumes", "PersistentVolume"),
                        None,
                        [volume.to_string()],
                    ),
                ));
            }
            let claim = name(object);
            let pods = ok(lookup
                .list(
                    ("", "v1", "pods"),
                    &Filter {
                        namespace: ns,
                        ..Filter::default()
                    },
                )
                .await);
            let mounting: Vec<Value> = pods
                .into_iter()
                .filter(|p| {
                    references(p.get("spec").unwrap_or(&Value::Null))
                        .claims
                        .iter()
                        .any(|c| c == claim)
                })
                .collect();
            groups.push(group("pods", pod_links(&mounting)));
        }
        _ => {}
    }
    (groups.into_iter().flatten().collect(), warnings)
}

/// Links to the claims, config maps, secrets and service account a pod spec references.
fn reference_groups(refs: &References, ns: Option<&str>) -> Vec<Option<RelatedGroup>> {
    vec![
        group(
            "persistentVolumeClaims",
            links(
                ("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
                ns,
                refs.claims.clone(),
            ),
        ),
        group(
            "configMaps",
            links(
                ("", "v1", "configmaps", "ConfigMap"),
                ns,
                refs.config_maps.clone(),
            ),
        ),
        group(
            "secrets",
            links(("", "v1", "secrets", "Secret"), ns, refs.secrets.clone()),
        ),
        group(
            "serviceAccount",
            links(
                ("", "v1", "serviceaccounts", "ServiceAccount"),
                ns,
                refs.service_account.clone(),
            ),
        ),
    ]
}

/// Values of env vars from Secrets, for the Secrets the person may get; `(list, container,
/// env, value)`.
async fn reveal(
    lookup: &Lookup,
    target: &Target,
    summary: Option<&Summary>,
    asked: bool,
) -> (Vec<(&'static str, usize, usize, String)>, Vec<Warning>) {
    let (Some(summary), true, Some(ns)) = (summary, asked, target.namespace.as_deref()) else {
        return (Vec::new(), Vec::new());
    };
    let refs = secret_env_refs(summary);
    let mut names: Vec<&str> = refs.iter().map(|r| r.secret.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let fetched = futures::future::join_all(
        names
            .iter()
            .map(|secret| async move { (*secret, lookup.calls.secret(ns, secret).await) }),
    )
    .await;
    let mut warnings = Vec::new();
    let mut secrets = BTreeMap::new();
    for (secret, result) in fetched {
        match result {
            Ok(object) => {
                secrets.insert(secret, object);
            }
            Err(failure) => warnings.push(failure.warning(format!("secret {ns}/{secret}"))),
        }
    }
    let values = refs
        .iter()
        .filter_map(|r| {
            let encoded = secrets
                .get(r.secret.as_str())?
                .pointer(&format!(
                    "/data/{}",
                    r.key.replace('~', "~0").replace('/', "~1")
                ))?
                .as_str()?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()?;
            Some((
                r.list,
                r.container,
                r.env,
                String::from_utf8_lossy(&bytes).into_owned(),
            ))
        })
        .collect();
    (values, warnings)
}
