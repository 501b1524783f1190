//! `POST …/{name}/{action}`: scale, restart, rollback, suspend/resume and trigger of CronJobs,
//! cordon/uncordon and drain of nodes; and `GET …/{name}/revisions` for rollback's choice.
//! Each does what kubectl does, with the person's identity: the calls are the cluster crate's
//! typed ones ([`wheelhouse_cluster::calls::Calls`]); this module reads the request, checks the
//! kind and reports progress.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::selector::Selector;

use super::{
    NamespaceParam, Operation, OperationState, OperationTarget, Operations, Progress, Target,
};
use crate::AppState;
use crate::error::IntoAppError;
use crate::error::{AppError, Result};
use crate::person::Me;
use wheelhouse_cluster::calls::{
    Calls, Failure, HistoryKind, job_from_cronjob, without_managed_fields,
};

/// What an action that is done at once answers: the object as it is now.
#[derive(Debug, Serialize, TS)]
pub(crate) struct ActionAnswer {
    pub action: String,
    /// Without `managedFields`.
    #[ts(type = "Record<string, unknown>")]
    pub object: Value,
    /// What was done (`scaled to 3`).
    pub message: String,
}

/// `GET …/{name}/revisions`: a workload's revisions for a rollback, newest first.
#[derive(Debug, Serialize, TS)]
pub(crate) struct RevisionsAnswer {
    pub revisions: Vec<Revision>,
}

/// One revision of a Deployment (a ReplicaSet) or a StatefulSet or DaemonSet (a
/// ControllerRevision).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Revision {
    pub revision: i64,
    /// Whether the workload runs it now.
    pub current: bool,
    /// The ReplicaSet or ControllerRevision.
    pub name: String,
    pub created_at: Option<String>,
    /// Its `kubernetes.io/change-cause` annotation.
    pub change_cause: Option<String>,
    /// Its pod template's images.
    pub images: Vec<String>,
}

/// A drain's progress: what became of each pod on the node.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct DrainProgress {
    pub pods: Vec<DrainPod>,
}

/// A pod of a node being drained.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DrainPod {
    pub namespace: String,
    pub name: String,
    pub state: DrainPodState,
    /// Why it was skipped, or what the eviction answered.
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DrainPodState {
    /// To be evicted.
    Pending,
    /// Left alone: a mirror pod, or a DaemonSet's.
    Skipped,
    Evicted,
    /// A PodDisruptionBudget refused its eviction for now (429).
    Retrying,
    Failed,
}

pub(super) async fn action(
    State(state): State<AppState>,
    me: Me,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(operations): Extension<Arc<Operations>>,
    Path((group, version, resource, name, action)): Path<(String, String, String, String, String)>,
    Query(params): Query<NamespaceParam>,
    body: Bytes,
) -> Result<Response> {
    let target = Target::resolve(
        &state,
        &resources,
        (group, version, resource, name),
        params.namespace,
    )
    .await?;
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| AppError::bad_request(format!("the body is not JSON: {e}")))?
    };
    let calls = me.calls.clone();
    let kind = target.kind.kind.clone();
    let unsupported = || {
        AppError::bad_request(format!(
            "{} has no action {action:?}",
            target.kind.qualified_resource()
        ))
    };
    let (object, message) = match (action.as_str(), kind.as_str()) {
        ("scale", _) => {
            let replicas = body
                .get("replicas")
                .and_then(Value::as_u64)
                .ok_or_else(|| AppError::bad_request("scale needs {\"replicas\": N} with N ≥ 0"))?;
            let object = target.get(&calls).await?;
            if object.pointer("/spec/replicas").is_none()
                && !matches!(kind.as_str(), "Deployment" | "StatefulSet" | "ReplicaSet")
            {
                return Err(unsupported());
            }
            let object = calls
                .scale(
                    &target.kind,
                    target.namespace.as_deref(),
                    &target.name,
                    replicas,
                )
                .await
                .map_err(|f| f.into_error(target.details("patch")))?;
            (object, format!("scaled to {replicas} replicas"))
        }
        ("restart", "Deployment" | "StatefulSet" | "DaemonSet") => {
            let now = Timestamp::now().to_string();
            let object = calls
                .restart(
                    &target.kind,
                    target.namespace.as_deref(),
                    &target.name,
                    &now,
                )
                .await
                .map_err(|f| f.into_error(target.details("patch")))?;
            (object, format!("restarted at {now}"))
        }
        ("rollback", "Deployment" | "StatefulSet" | "DaemonSet") => {
            let revision = body
                .get("revision")
                .and_then(Value::as_i64)
                .ok_or_else(|| {
                    AppError::bad_request(
                        "rollback needs {\"revision\": N}; GET …/revisions lists them",
                    )
                })?;
            (
                rollback(&calls, &target, revision).await?,
                format!("rolled back to revision {revision}"),
            )
        }
        ("suspend" | "resume", "CronJob") => {
            let suspend = action == "suspend";
            let object = calls
                .set_suspended(
                    target.namespace.as_deref().unwrap_or_default(),
                    &target.name,
                    suspend,
                )
                .await
                .map_err(|f| f.into_error(target.details("patch")))?;
            (
                object,
                if suspend {
                    "suspended".into()
                } else {
                    "resumed".into()
                },
            )
        }
        ("trigger", "CronJob") => {
            let job = trigger(&calls, &target, body.get("name").and_then(Value::as_str)).await?;
            let name = job
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            (job, format!("created job {name}"))
        }
        ("cordon" | "uncordon", "Node") => {
            let cordon = action == "cordon";
            let object = calls
                .set_unschedulable(&target.name, cordon)
                .await
                .map_err(|f| f.into_error(target.details("patch")))?;
            (
                object,
                if cordon {
                    "cordoned".into()
                } else {
                    "uncordoned".into()
                },
            )
        }
        ("drain", "Node") => {
            let options = DrainOptions::from(&body);
            let id = uuid::Uuid::new_v4().to_string();
            let first = Operation::start(
                id,
                "drain",
                OperationTarget {
                    namespace: None,
                    resource: Some("nodes".into()),
                    name: target.name.clone(),
                },
                "cordoning".into(),
                Progress::Drain(DrainProgress::default()),
            );
            let progress = operations.start(first.clone());
            tokio::spawn(drain(calls, target, options, progress));
            return Ok((StatusCode::ACCEPTED, Json(first)).into_response());
        }
        _ => return Err(unsupported()),
    };
    Ok(Json(ActionAnswer {
        action,
        object: without_managed_fields(object),
        message,
    })
    .into_response())
}

fn revision_of(object: &Value, kind: &str) -> Option<i64> {
    if kind == "Deployment" {
        object
            .pointer("/metadata/annotations/deployment.kubernetes.io~1revision")
            .and_then(Value::as_str)
            .and_then(|r| r.parse().ok())
    } else {
        object.get("revision").and_then(Value::as_i64)
    }
}

/// The ReplicaSets (of a Deployment) or ControllerRevisions owned by the workload.
async fn history(calls: &Calls, target: &Target, object: &Value) -> Result<Vec<Value>> {
    let namespace = target.namespace.clone().unwrap_or_default();
    let uid = object
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (history, resource) = if target.kind.kind == "Deployment" {
        (HistoryKind::ReplicaSets, "replicasets")
    } else {
        (HistoryKind::ControllerRevisions, "controllerrevisions")
    };
    let selector = Selector::of_workload(object)
        .map_err(|error| AppError::bad_request(format!("{}: {error}", target.name)))?
        .map(|selector| selector.to_string())
        .unwrap_or_default();
    let items = calls
        .history(history, &namespace, &selector)
        .await
        .map_err(|f| {
            f.into_error(
            json!({"verb": "list", "group": "apps", "resource": resource, "namespace": namespace}),
        )
        })?;
    Ok(items
        .into_iter()
        .filter(|i| super::lookup::owned_by(i, uid))
        .collect())
}

/// `GET …/{name}/revisions`.
pub(super) async fn revisions(target: &Target, calls: &Calls) -> Result<Response> {
    let kind = target.kind.kind.as_str();
    if !matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet") {
        return Err(AppError::bad_request(format!(
            "{} have no revisions",
            target.kind.qualified_resource()
        )));
    }
    let object = target.get(calls).await?;
    let current = if kind == "Deployment" {
        revision_of(&object, kind)
    } else {
        None
    };
    let current_name = object
        .pointer("/status/updateRevision")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut revisions: Vec<Revision> = history(calls, target, &object)
        .await?
        .iter()
        .filter_map(|item| {
            let revision = revision_of(item, kind)?;
            let name = item
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let template = if kind == "Deployment" {
                item.pointer("/spec/template")
            } else {
                item.pointer("/data/spec/template")
            };
            let images = template
                .and_then(|t| t.pointer("/spec/containers"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("image").and_then(Value::as_str))
                .map(str::to_string)
                .collect();
            let is_current = match kind {
                "Deployment" => current == Some(revision),
                _ => current_name.as_deref() == Some(name),
            };
            let text = |pointer: &str| {
                item.pointer(pointer)
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            Some(Revision {
                revision,
                current: is_current,
                name: name.to_string(),
                created_at: text("/metadata/creationTimestamp"),
                change_cause: text("/metadata/annotations/kubernetes.io~1change-cause"),
                images,
            })
        })
        .collect();
    revisions.sort_by_key(|r| std::cmp::Reverse(r.revision));
    if kind != "Deployment"
        && !revisions.iter().any(|r| r.current)
        && let Some(newest) = revisions.first_mut()
    {
        newest.current = true;
    }
    Ok(Json(RevisionsAnswer { revisions }).into_response())
}

/// Replaces the workload's pod template with the chosen revision's, as `kubectl rollout undo`.
async fn rollback(calls: &Calls, target: &Target, revision: i64) -> Result<Value> {
    let kind = target.kind.kind.as_str();
    let mut object = target.get(calls).await?;
    let history = history(calls, target, &object).await?;
    let Some(chosen) = history
        .iter()
        .find(|h| revision_of(h, kind) == Some(revision))
    else {
        let mut known: Vec<i64> = history
            .iter()
            .filter_map(|h| revision_of(h, kind))
            .collect();
        known.sort_unstable();
        return Err(AppError::not_found(format!(
            "{} {} has no revision {revision} (it has {known:?})",
            target.kind.qualified_resource(),
            target.name
        )));
    };
    let mut template = if kind == "Deployment" {
        chosen.pointer("/spec/template").cloned()
    } else {
        chosen.pointer("/data/spec/template").cloned()
    }
    .ok_or_else(|| AppError::bad_request(format!("revision {revision} holds no pod template")))?;
    if let Some(map) = template.as_object_mut() {
        map.remove("$patch");
    }
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove("pod-template-hash");
    }
    object["spec"]["template"] = template;
    calls
        .replace(
            &target.kind,
            target.namespace.as_deref(),
            &target.name,
            &object,
            false,
        )
        .await
        .map_err(|f| f.into_error(target.details("update")))
}

/// Creates a Job from the CronJob's template, as `kubectl create job --from=cronjob/…`.
async fn trigger(calls: &Calls, target: &Target, name: Option<&str>) -> Result<Value> {
    let namespace = target.namespace.clone().unwrap_or_default();
    let cronjob = calls
        .cronjob(&namespace, &target.name)
        .await
        .map_err(|f| f.into_error(target.details("get")))?;
    let name = name.filter(|n| !n.is_empty()).map_or_else(
        || format!("{}-manual-{}", target.name, Timestamp::now().as_second()),
        str::to_string,
    );
    calls
        .create_job(&namespace, &job_from_cronjob(&cronjob, &name))
        .await
        .map_err(|f| f.into_error(json!({"verb": "create", "group": "batch", "resource": "jobs", "namespace": namespace, "name": name})))
}

/// What a drain does.
#[derive(Debug, Clone)]
struct DrainOptions {
    ignore_daemon_sets: bool,
    timeout: std::time::Duration,
}

impl From<&Value> for DrainOptions {
    fn from(body: &Value) -> Self {
        Self {
            ignore_daemon_sets: body
                .get("ignoreDaemonSets")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            timeout: std::time::Duration::from_secs(
                body.get("timeoutSeconds")
                    .and_then(Value::as_u64)
                    .unwrap_or(120)
                    .clamp(1, 3600),
            ),
        }
    }
}

fn owner_kind(pod: &Value) -> Option<&str> {
    pod.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|o| o.get("kind"))
        .and_then(Value::as_str)
}

/// Cordons the node, then evicts its pods (retrying what a PodDisruptionBudget refuses) until
/// they are gone or the timeout passes; progress goes to the operation.
async fn drain(
    calls: Calls,
    target: Target,
    options: DrainOptions,
    progress: tokio::sync::watch::Sender<Operation>,
) {
    let update = |pods: &[DrainPod], message: Option<String>| {
        progress.send_modify(|op| {
            op.progress = Progress::Drain(DrainProgress {
                pods: pods.to_vec(),
            });
            if let Some(message) = message {
                op.message = message;
            }
        });
    };
    let finish = |state: OperationState, message: String| {
        progress.send_modify(|op| op.finish(state, message));
    };
    if let Err(failure) = calls.set_unschedulable(&target.name, true).await {
        return finish(
            OperationState::Failed,
            format!("cordoning failed: {}", failure.message),
        );
    }
    let pods = match calls.pods_on_node(&target.name).await {
        Ok(pods) => pods,
        Err(failure) => {
            return finish(
                OperationState::Failed,
                format!("listing the node's pods failed: {}", failure.message),
            );
        }
    };
    let mut entries: Vec<DrainPod> = Vec::new();
    for pod in &pods {
        let mirror = pod
            .pointer("/metadata/annotations/kubernetes.io~1config.mirror")
            .is_some();
        let daemon = owner_kind(pod) == Some("DaemonSet");
        let skipped = mirror || (daemon && options.ignore_daemon_sets);
        let text = |pointer: &str| {
            pod.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        entries.push(DrainPod {
            namespace: text("/metadata/namespace"),
            name: text("/metadata/name"),
            state: if skipped {
                DrainPodState::Skipped
            } else {
                DrainPodState::Pending
            },
            message: if mirror {
                Some("a mirror pod (static pod)".into())
            } else if skipped {
                Some("managed by a DaemonSet".into())
            } else {
                None
            },
        });
    }
    let pending = entries
        .iter()
        .filter(|e| e.state == DrainPodState::Pending)
        .count();
    update(&entries, Some(format!("evicting {pending} pods")));
    let deadline = tokio::time::Instant::now() + options.timeout;
    loop {
        let mut remaining = 0;
        for entry in &mut entries {
            if !matches!(
                entry.state,
                DrainPodState::Pending | DrainPodState::Retrying
            ) {
                continue;
            }
            let (state, message) = match calls.evict(&entry.namespace, &entry.name).await {
                Ok(()) => (DrainPodState::Evicted, None),
                Err(Failure { code: 404, .. }) => {
                    (DrainPodState::Evicted, Some("already gone".to_string()))
                }
                Err(failure) if failure.code == 429 => {
                    remaining += 1;
                    (DrainPodState::Retrying, Some(failure.message))
                }
                Err(failure) => (DrainPodState::Failed, Some(failure.message)),
            };
            entry.state = state;
            entry.message = message;
        }
        update(&entries, None);
        if remaining == 0 {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            return finish(
                OperationState::Failed,
                format!(
                    "{remaining} pods could not be evicted within {} s",
                    options.timeout.as_secs()
                ),
            );
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    let failed = entries
        .iter()
        .filter(|e| e.state == DrainPodState::Failed)
        .count();
    if failed > 0 {
        finish(
            OperationState::Failed,
            format!("{failed} pods could not be evicted"),
        );
    } else {
        finish(OperationState::Succeeded, "drained".into());
    }
}
