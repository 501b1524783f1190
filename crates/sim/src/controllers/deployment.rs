//! Plays the Deployment controller: one ReplicaSet per pod template (named by its
//! `pod-template-hash`), rolling updates within maxSurge/maxUnavailable, Recreate, revision
//! annotations that `kubectl rollout history|undo` read, and the status and conditions that
//! `kubectl rollout status` waits for.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::action::{Action, gr};
use super::events::{EventSpec, EventType, rfc3339};
use super::meta;
use super::workloads::replicas;

/// The annotation that numbers a Deployment's revisions.
pub const REVISION: &str = "deployment.kubernetes.io/revision";

fn revision(obj: &Value) -> i64 {
    meta::annotation(obj, REVISION)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// Resolves maxSurge/maxUnavailable (an int or a percentage) against the replica count.
pub fn int_or_percent(v: Option<&Value>, total: i64, round_up: bool, default: &str) -> i64 {
    let text = match v {
        Some(Value::Number(n)) => return n.as_i64().unwrap_or(0).max(0),
        Some(Value::String(s)) => s.clone(),
        _ => default.to_string(),
    };
    match text.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
        Some(p) if round_up => (p * total + 99) / 100,
        Some(p) => p * total / 100,
        None => text.parse().unwrap_or(0),
    }
}

fn status_replicas(rs: &Value, field: &str) -> i64 {
    meta::i64_at(rs, &["status", field]).unwrap_or(0)
}

fn scale_event(deploy: &Value, rs_name: &str, from: i64, to: i64) -> Action {
    let verb = if to > from { "up" } else { "down" };
    Action::Event(EventSpec::new(
        deploy,
        EventType::Normal,
        "ScalingReplicaSet",
        format!("Scaled {verb} replica set {rs_name} from {from} to {to}"),
        "deployment-controller",
    ))
}

fn scale(deploy: &Value, rs: &Value, to: i64, actions: &mut Vec<Action>) {
    let from = replicas(rs);
    if from == to {
        return;
    }
    let mut patch = json!({"spec": {"replicas": to}});
    meta::set_at(
        &mut patch,
        &[
            "metadata",
            "annotations",
            "deployment.kubernetes.io/desired-replicas",
        ],
        json!(replicas(deploy).to_string()),
    );
    actions.push(Action::merge(gr::replicasets(), rs, patch));
    actions.push(scale_event(deploy, meta::name(rs), from, to));
}

/// The ReplicaSet a Deployment makes for its current template.
pub fn new_replicaset(deploy: &Value, hash: &str, revision: i64, initial: i64) -> Value {
    let mut template = meta::at(deploy, &["spec", "template"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    meta::set_at(
        &mut template,
        &["metadata", "labels", "pod-template-hash"],
        json!(hash),
    );
    let mut selector = meta::at(deploy, &["spec", "selector"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    meta::set_at(
        &mut selector,
        &["matchLabels", "pod-template-hash"],
        json!(hash),
    );
    let labels = meta::at(&template, &["metadata", "labels"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    let surge = int_or_percent(
        meta::at(deploy, &["spec", "strategy", "rollingUpdate", "maxSurge"]),
        replicas(deploy),
        true,
        "25%",
    );
    let mut annotations = json!({
        REVISION: revision.to_string(),
        "deployment.kubernetes.io/desired-replicas": replicas(deploy).to_string(),
        "deployment.kubernetes.io/max-replicas": (replicas(deploy) + surge).to_string(),
    });
    if let Some(cause) = meta::annotation(deploy, "kubernetes.io/change-cause") {
        meta::set_at(
            &mut annotations,
            &["kubernetes.io/change-cause"],
            json!(cause),
        );
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": format!("{}-{hash}", meta::name(deploy)),
            "namespace": meta::namespace(deploy),
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [meta::controller_ref(deploy)],
        },
        "spec": {
            "replicas": initial,
            "minReadySeconds": meta::i64_at(deploy, &["spec", "minReadySeconds"]).unwrap_or(0),
            "selector": selector,
            "template": template,
        },
    })
}

fn condition(old: &Value, kind: &str, ok: bool, reason: &str, message: String, now: &str) -> Value {
    let status = if ok { "True" } else { "False" };
    let previous = meta::at(old, &["status", "conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c["type"] == kind);
    let same = previous.is_some_and(|c| c["status"] == status && c["reason"] == reason);
    let same_message = previous.is_some_and(|c| c["message"] == json!(message));
    let transition = previous
        .filter(|c| c["status"] == status)
        .map(|c| c["lastTransitionTime"].clone())
        .unwrap_or_else(|| json!(now));
    let update = previous
        .filter(|_| same && same_message)
        .map(|c| c["lastUpdateTime"].clone())
        .unwrap_or_else(|| json!(now));
    json!({"type": kind, "status": status, "lastUpdateTime": update, "lastTransitionTime": transition, "reason": reason, "message": message})
}

/// One pass over one Deployment and the ReplicaSets it controls.
pub fn reconcile(deploy: &Value, owned: &[&Value], now: Timestamp) -> Vec<Action> {
    let mut actions = Vec::new();
    if meta::is_terminating(deploy) {
        return actions;
    }
    let now_s = rfc3339(now);
    let template = meta::at(deploy, &["spec", "template"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    let hash = meta::template_hash(&template);
    let desired = replicas(deploy).max(0);
    let surge = int_or_percent(
        meta::at(deploy, &["spec", "strategy", "rollingUpdate", "maxSurge"]),
        desired,
        true,
        "25%",
    );
    let mut unavailable = int_or_percent(
        meta::at(
            deploy,
            &["spec", "strategy", "rollingUpdate", "maxUnavailable"],
        ),
        desired,
        false,
        "25%",
    );
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    let recreate = meta::str_at(deploy, &["spec", "strategy", "type"]) == "Recreate";
    let paused = meta::at(deploy, &["spec", "paused"]).and_then(Value::as_bool) == Some(true);
    let max_revision = owned.iter().map(|rs| revision(rs)).max().unwrap_or(0);
    let new_rs = owned.iter().copied().find(|rs| {
        meta::template_hash(meta::at(rs, &["spec", "template"]).unwrap_or(&Value::Null)) == hash
    });
    let mut old: Vec<&Value> = owned
        .iter()
        .copied()
        .filter(|rs| new_rs.is_none_or(|n| meta::uid(n) != meta::uid(rs)))
        .collect();
    old.sort_by_key(|rs| revision(rs));
    let old_total: i64 = old.iter().map(|rs| replicas(rs)).sum();

    let new_revision = match new_rs {
        Some(rs) if revision(rs) == max_revision => max_revision,
        _ => max_revision + 1,
    };
    if !paused {
        match new_rs {
            None => {
                let initial = if recreate {
                    if old_total > 0 { 0 } else { desired }
                } else if old_total == 0 {
                    desired
                } else {
                    (desired + surge - old_total).clamp(0, desired)
                };
                let rs = new_replicaset(deploy, &hash, new_revision, initial);
                let name = meta::name(&rs).to_string();
                actions.push(Action::Create {
                    resource: gr::replicasets(),
                    object: rs,
                });
                if initial > 0 {
                    actions.push(scale_event(deploy, &name, 0, initial));
                }
                if recreate {
                    for rs in &old {
                        scale(deploy, rs, 0, &mut actions);
                    }
                } else if old_total > 0 {
                    // Old pods go once new ones are available, on later passes.
                }
            }
            Some(new) => {
                if revision(new) != new_revision {
                    // A rollback to an older template: that ReplicaSet becomes the newest revision.
                    let patch =
                        json!({"metadata": {"annotations": {REVISION: new_revision.to_string()}}});
                    actions.push(Action::merge(gr::replicasets(), new, patch));
                }
                rollout(
                    deploy,
                    new,
                    &old,
                    desired,
                    surge,
                    unavailable,
                    recreate,
                    &mut actions,
                );
            }
        }
        // Keep at most revisionHistoryLimit old ReplicaSets that are scaled to zero.
        let limit = meta::i64_at(deploy, &["spec", "revisionHistoryLimit"])
            .unwrap_or(10)
            .max(0) as usize;
        let idle: Vec<&&Value> = old
            .iter()
            .filter(|rs| replicas(rs) == 0 && status_replicas(rs, "replicas") == 0)
            .collect();
        if idle.len() > limit {
            for rs in idle.iter().take(idle.len() - limit) {
                actions.push(Action::delete(gr::replicasets(), rs));
            }
        }
    }
    if revision(deploy) != new_revision || meta::annotation(deploy, REVISION).is_none() {
        let patch = json!({"metadata": {"annotations": {REVISION: new_revision.to_string()}}});
        actions.push(Action::merge(gr::deployments(), deploy, patch));
    }

    // Status, from what the ReplicaSets report.
    let sum = |f: &str| owned.iter().map(|rs| status_replicas(rs, f)).sum::<i64>();
    let updated = new_rs.map_or(0, |rs| status_replicas(rs, "replicas"));
    let available = sum("availableReplicas");
    let total = sum("replicas");
    let complete = new_rs.is_some()
        && updated == desired
        && total == desired
        && available >= desired
        && new_rs.is_some_and(|rs| replicas(rs) == desired);
    let rs_name = new_rs
        .map(|rs| meta::name(rs).to_string())
        .unwrap_or_else(|| format!("{}-{hash}", meta::name(deploy)));
    let available_ok = available >= desired - unavailable;
    let mut conditions = vec![condition(
        deploy,
        "Available",
        available_ok,
        if available_ok {
            "MinimumReplicasAvailable"
        } else {
            "MinimumReplicasUnavailable"
        },
        if available_ok {
            "Deployment has minimum availability."
        } else {
            "Deployment does not have minimum availability."
        }
        .to_string(),
        &now_s,
    )];
    conditions.push(if paused {
        condition(
            deploy,
            "Progressing",
            false,
            "DeploymentPaused",
            "Deployment is paused".into(),
            &now_s,
        )
    } else if complete {
        condition(
            deploy,
            "Progressing",
            true,
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
            &now_s,
        )
    } else {
        progressing(deploy, &actions, updated, available, &rs_name, now)
    });
    let mut status = json!({
        "observedGeneration": meta::i64_at(deploy, &["metadata", "generation"]).unwrap_or(1),
        "replicas": total,
        "updatedReplicas": updated,
        "readyReplicas": sum("readyReplicas"),
        "availableReplicas": available,
        "conditions": conditions,
    });
    if desired - available > 0 {
        meta::set_at(
            &mut status,
            &["unavailableReplicas"],
            json!(desired - available),
        );
    }
    if let Some(a) = Action::status(gr::deployments(), deploy, status) {
        actions.push(a);
    }
    actions
}

/// The Progressing condition of a rollout that is not complete: `ReplicaSetUpdated`, renewed
/// whenever the rollout moves, or `ProgressDeadlineExceeded` (status False) once it has not
/// moved for `progressDeadlineSeconds`, as for a Deployment whose pods crash-loop.
fn progressing(
    deploy: &Value,
    actions: &[Action],
    updated: i64,
    available: i64,
    rs_name: &str,
    now: Timestamp,
) -> Value {
    let now_s = rfc3339(now);
    let moved = actions
        .iter()
        .any(|a| matches!(a, Action::Create { resource, .. } | Action::Merge { resource, .. } if *resource == gr::replicasets()))
        || meta::i64_at(deploy, &["status", "updatedReplicas"]) != Some(updated)
        || meta::i64_at(deploy, &["status", "availableReplicas"]) != Some(available);
    let previous = meta::at(deploy, &["status", "conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Progressing");
    let reason = previous.map(|c| meta::str_at(c, &["reason"])).unwrap_or("");
    let deadline = meta::i64_at(deploy, &["spec", "progressDeadlineSeconds"]).unwrap_or(600);
    let since: Option<Timestamp> =
        previous.and_then(|c| meta::str_at(c, &["lastUpdateTime"]).parse().ok());
    let stalled = since.is_some_and(|t| now.duration_since(t).as_secs() > deadline);
    let updating = |update_time: &str| {
        json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
               "message": format!("ReplicaSet \"{rs_name}\" is progressing."),
               "lastUpdateTime": update_time,
               "lastTransitionTime": previous.filter(|c| c["status"] == "True").map_or(json!(now_s), |c| c["lastTransitionTime"].clone())})
    };
    match (previous, reason) {
        (Some(_), "ReplicaSetUpdated") if !moved && stalled => json!({
            "type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
            "message": format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
            "lastUpdateTime": now_s, "lastTransitionTime": now_s,
        }),
        (Some(c), "ReplicaSetUpdated" | "ProgressDeadlineExceeded") if !moved => c.clone(),
        _ => updating(&now_s),
    }
}

#[allow(clippy::too_many_arguments)]
fn rollout(
    deploy: &Value,
    new: &Value,
    old: &[&Value],
    desired: i64,
    surge: i64,
    unavailable: i64,
    recreate: bool,
    actions: &mut Vec<Action>,
) {
    let old_total: i64 = old.iter().map(|rs| replicas(rs)).sum();
    if recreate {
        if old_total > 0 {
            for rs in old {
                scale(deploy, rs, 0, actions);
            }
        } else if old.iter().all(|rs| status_replicas(rs, "replicas") == 0) {
            scale(deploy, new, desired, actions);
        }
        return;
    }
    if old_total == 0 {
        scale(deploy, new, desired, actions);
        return;
    }
    let new_replicas = replicas(new);
    let total = new_replicas + old_total;
    // Scale up the new ReplicaSet within maxSurge.
    let mut new_target = new_replicas;
    if new_replicas < desired {
        let room = desired + surge - total;
        if room > 0 {
            new_target = new_replicas + room.min(desired - new_replicas);
        }
    } else if new_replicas > desired {
        new_target = desired;
    }
    scale(deploy, new, new_target, actions);
    // Scale down old ones: unhealthy replicas first, then as far as maxUnavailable allows.
    let min_available = desired - unavailable;
    let new_unavailable = (replicas(new) - status_replicas(new, "availableReplicas")).max(0);
    let mut budget = (total - min_available - new_unavailable).max(0);
    let mut targets: Vec<(&Value, i64)> = old.iter().map(|rs| (*rs, replicas(rs))).collect();
    for (rs, target) in targets.iter_mut() {
        let unhealthy = (*target - status_replicas(rs, "availableReplicas")).max(0);
        let cut = unhealthy.min(budget);
        *target -= cut;
        budget -= cut;
    }
    for (_, target) in targets.iter_mut() {
        let cut = (*target).min(budget);
        *target -= cut;
        budget -= cut;
    }
    for (rs, target) in targets {
        scale(deploy, rs, target, actions);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploy(image: &str, replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop", "uid": "d-1", "generation": 2},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": image}]}}}})
    }

    fn rs_for(d: &Value, revision: i64, replicas: i64, available: i64) -> Value {
        let hash = meta::template_hash(&d["spec"]["template"]);
        let mut rs = new_replicaset(d, &hash, revision, replicas);
        rs["metadata"]["uid"] = json!(format!("rs-{revision}"));
        rs["status"] = json!({"replicas": replicas, "readyReplicas": available, "availableReplicas": available});
        rs
    }

    fn scaled(actions: &[Action]) -> Vec<(String, i64)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Merge { name, patch, .. } => patch
                    .pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .map(|r| (name.clone(), r)),
                _ => None,
            })
            .collect()
    }

    fn now() -> Timestamp {
        Timestamp::UNIX_EPOCH
    }

    #[test]
    fn a_new_deployment_gets_a_replica_set_at_revision_one() {
        let d = deploy("nginx:1.27", 3);
        let actions = reconcile(&d, &[], now());
        let Some(Action::Create { object, .. }) = actions.first() else {
            panic!("expected a ReplicaSet")
        };
        assert_eq!(object["metadata"]["annotations"][REVISION], "1");
        assert_eq!(object["spec"]["replicas"], 3);
        let hash = object["metadata"]["labels"]["pod-template-hash"]
            .as_str()
            .unwrap_or("");
        assert_eq!(object["metadata"]["name"], format!("web-{hash}"));
        assert_eq!(
            object["spec"]["selector"]["matchLabels"]["pod-template-hash"],
            hash
        );
    }

    #[test]
    fn a_template_change_rolls_out_within_surge_and_unavailability() {
        let v1 = deploy("nginx:1.27", 4);
        let v2 = deploy("nginx:1.28", 4);
        let old = rs_for(&v1, 1, 4, 4);
        let actions = reconcile(&v2, &[&old], now());
        let Some(Action::Create { object, .. }) = actions.first() else {
            panic!("expected a new ReplicaSet")
        };
        assert_eq!(object["metadata"]["annotations"][REVISION], "2");
        assert_eq!(
            object["spec"]["replicas"], 1,
            "25% surge of 4 allows one extra pod"
        );
        // Next pass: the new ReplicaSet exists with one available pod.
        let new = rs_for(&v2, 2, 1, 1);
        let got = scaled(&reconcile(&v2, &[&old, &new], now()));
        let old_name = old["metadata"]["name"].as_str().unwrap_or("").to_string();
        // 5 pods exist, 3 must stay available (25% of 4 may be unavailable), all 5 are
        // available: two old pods may go.
        assert!(
            got.contains(&(old_name, 2)),
            "old pods go within maxUnavailable: {got:?}"
        );
    }

    #[test]
    fn a_finished_rollout_reports_complete_status() {
        let v2 = deploy("nginx:1.28", 2);
        let old = rs_for(&deploy("nginx:1.27", 2), 1, 0, 0);
        let new = rs_for(&v2, 2, 2, 2);
        let actions = reconcile(&v2, &[&old, &new], now());
        let status = actions
            .iter()
            .find_map(|a| match a {
                Action::SetStatus { status, .. } => Some(status.clone()),
                _ => None,
            })
            .expect("status");
        assert_eq!(status["updatedReplicas"], 2);
        assert_eq!(status["availableReplicas"], 2);
        assert_eq!(status["observedGeneration"], 2);
        assert_eq!(status["conditions"][1]["reason"], "NewReplicaSetAvailable");
    }

    #[test]
    fn rolling_back_reuses_the_old_replica_set_as_the_newest_revision() {
        let v1 = deploy("nginx:1.27", 2);
        let v2 = deploy("nginx:1.28", 2);
        let old = rs_for(&v1, 1, 0, 0);
        let current = rs_for(&v2, 2, 2, 2);
        let actions = reconcile(&v1, &[&old, &current], now());
        let bumped = actions.iter().any(|a| matches!(a, Action::Merge { name, patch, .. }
            if *name == old["metadata"]["name"].as_str().unwrap_or("") && patch.pointer("/metadata/annotations/deployment.kubernetes.io~1revision") == Some(&json!("3"))));
        assert!(bumped, "{actions:?}");
        assert!(
            !actions.iter().any(|a| matches!(a, Action::Create { .. })),
            "no new ReplicaSet"
        );
    }

    #[test]
    fn a_rollout_that_stops_moving_exceeds_its_progress_deadline() {
        let d = deploy("app:crashing", 1);
        let new = rs_for(&d, 1, 1, 0);
        let t0: Timestamp = "2026-11-27T17:00:00Z".parse().expect("ts");
        let status_after = |d: &Value, secs: i64| {
            let at = t0
                .saturating_add(jiff::SignedDuration::from_secs(secs))
                .expect("ts");
            reconcile(d, &[&new], at)
                .into_iter()
                .find_map(|a| match a {
                    Action::SetStatus { status, .. } => Some(status),
                    _ => None,
                })
                .unwrap_or_else(|| d["status"].clone())
        };
        let mut d = d;
        d["status"] = status_after(&d, 0);
        assert_eq!(d["status"]["conditions"][1]["reason"], "ReplicaSetUpdated");
        d["status"] = status_after(&d, 300);
        assert_eq!(
            d["status"]["conditions"][1]["reason"], "ReplicaSetUpdated",
            "still within the deadline"
        );
        d["status"] = status_after(&d, 601);
        assert_eq!(
            d["status"]["conditions"][1]["reason"],
            "ProgressDeadlineExceeded"
        );
        assert_eq!(d["status"]["conditions"][1]["status"], "False");
    }

    #[test]
    fn max_surge_and_unavailable_resolve_like_the_api() {
        let cases = [
            ("25% of 4 rounded up", json!("25%"), 4, true, 1),
            ("25% of 3 rounded up", json!("25%"), 3, true, 1),
            ("25% of 3 rounded down", json!("25%"), 3, false, 0),
            ("an absolute number", json!(2), 10, false, 2),
        ];
        for (case, v, total, up, want) in cases {
            assert_eq!(int_or_percent(Some(&v), total, up, "25%"), want, "{case}");
        }
    }
}
