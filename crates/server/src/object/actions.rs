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
use serde_json::{Value, json};
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::selector::Selector;

use super::{NamespaceParam, Operations, Target};
use crate::AppState;
use crate::error::IntoAppError;
use crate::error::{AppError, Result};
use crate::person::Me;
use wheelhouse_cluster::calls::{
    Calls, Failure, HistoryKind, job_from_cronjob, without_managed_fields,
};

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
            let first = json!({
                "id": id, "action": "drain", "target": {"resource": "nodes", "name": target.name},
                "state": "running", "message": "cordoning", "pods": [],
                "startedAt": Timestamp::now().to_string(), "finishedAt": null,
            });
            let progress = operations.start(&id, first.clone());
            tokio::spawn(drain(calls, target, options, progress));
            return Ok((StatusCode::ACCEPTED, Json(first)).into_response());
        }
        _ => return Err(unsupported()),
    };
    Ok(Json(
        json!({"action": action, "object": without_managed_fields(object), "message": message}),
    )
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
    let mut revisions: Vec<Value> = history(calls, target, &object)
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
            let images: Vec<Value> = template
                .and_then(|t| t.pointer("/spec/containers"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("image").cloned())
                .collect();
            let is_current = match kind {
                "Deployment" => current == Some(revision),
                _ => current_name.as_deref() == Some(name),
            };
            Some(json!({
                "revision": revision, "current": is_current, "name": name,
                "createdAt": item.pointer("/metadata/creationTimestamp"),
                "changeCause": item.pointer("/metadata/annotations/kubernetes.io~1change-cause"),
                "images": images,
            }))
        })
        .collect();
    revisions.sort_by_key(|r| std::cmp::Reverse(r["revision"].as_i64()));
    if kind != "Deployment"
        && !revisions.iter().any(|r| r["current"] == true)
        && let Some(newest) = revisions.first_mut()
    {
        newest["current"] = json!(true);
    }
    Ok(Json(json!({"revisions": revisions})).into_response())
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
    progress: tokio::sync::watch::Sender<Value>,
) {
    let update = |f: &dyn Fn(&mut Value)| {
        progress.send_modify(|v| f(v));
    };
    let finish = |state: &str, message: String| {
        progress.send_modify(|v| {
            v["state"] = json!(state);
            v["message"] = json!(message);
            v["finishedAt"] = json!(Timestamp::now().to_string());
        });
    };
    if let Err(failure) = calls.set_unschedulable(&target.name, true).await {
        return finish("failed", format!("cordoning failed: {}", failure.message));
    }
    let pods = match calls.pods_on_node(&target.name).await {
        Ok(pods) => pods,
        Err(failure) => {
            return finish(
                "failed",
                format!("listing the node's pods failed: {}", failure.message),
            );
        }
    };
    let mut entries: Vec<Value> = Vec::new();
    for pod in &pods {
        let mirror = pod
            .pointer("/metadata/annotations/kubernetes.io~1config.mirror")
            .is_some();
        let daemon = owner_kind(pod) == Some("DaemonSet");
        let skipped = mirror || (daemon && options.ignore_daemon_sets);
        entries.push(json!({
            "namespace": pod.pointer("/metadata/namespace"), "name": pod.pointer("/metadata/name"),
            "state": if skipped { "skipped" } else { "pending" },
            "message": if mirror { json!("a mirror pod (static pod)") } else if skipped { json!("managed by a DaemonSet") } else { Value::Null },
        }));
    }
    let pending = entries.iter().filter(|e| e["state"] == "pending").count();
    update(&|v| {
        v["pods"] = json!(entries.clone());
        v["message"] = json!(format!("evicting {pending} pods"));
    });
    let deadline = tokio::time::Instant::now() + options.timeout;
    loop {
        let mut remaining = 0;
        for entry in &mut entries {
            if !matches!(entry["state"].as_str(), Some("pending" | "retrying")) {
                continue;
            }
            let namespace = entry["namespace"].as_str().unwrap_or_default().to_string();
            let name = entry["name"].as_str().unwrap_or_default().to_string();
            let (state, message) = match calls.evict(&namespace, &name).await {
                Ok(()) => ("evicted", Value::Null),
                Err(Failure { code: 404, .. }) => ("evicted", json!("already gone")),
                Err(failure) if failure.code == 429 => {
                    remaining += 1;
                    ("retrying", json!(failure.message))
                }
                Err(failure) => ("failed", json!(failure.message)),
            };
            entry["state"] = json!(state);
            entry["message"] = message;
        }
        update(&|v| v["pods"] = json!(entries.clone()));
        if remaining == 0 {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            return finish(
                "failed",
                format!(
                    "{remaining} pods could not be evicted within {} s",
                    options.timeout.as_secs()
                ),
            );
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    let failed = entries.iter().filter(|e| e["state"] == "failed").count();
    if failed > 0 {
        finish("failed", format!("{failed} pods could not be evicted"));
    } else {
        finish("succeeded", "drained".into());
    }
}
