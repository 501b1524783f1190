//! Plays the StatefulSet controller: pods `<name>-0..N-1` created in order (each waits for
//! the one before to be Ready), PersistentVolumeClaims from volumeClaimTemplates, updates
//! rolled out from the highest ordinal down, and the status `kubectl rollout status` reads.

use serde_json::{Value, json};

use super::action::{Action, gr};
use super::events::{EventSpec, EventType};
use super::meta;
use super::workloads::{PodName, pod_active, pod_from_template, pod_ready, replicas};

/// The revision label a StatefulSet puts on its pods.
pub const REVISION_LABEL: &str = "controller-revision-hash";

/// The name of the current revision: `<name>-<template hash>`.
pub fn update_revision(sts: &Value) -> String {
    format!(
        "{}-{}",
        meta::name(sts),
        meta::template_hash(meta::at(sts, &["spec", "template"]).unwrap_or(&Value::Null))
    )
}

fn ordinal(sts: &Value, pod: &Value) -> Option<i64> {
    meta::name(pod)
        .strip_prefix(&format!("{}-", meta::name(sts)))?
        .parse()
        .ok()
}

/// The PersistentVolume a provisioner would make for a claim: `pvc-<id>`, bound to it.
pub fn bound_volume(claim: &Value, key: &str) -> Value {
    let h = meta::fnv64a(key.as_bytes());
    let name = format!(
        "pvc-{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 4) & 0xfff,
        h.rotate_left(17) & 0xffff_ffff_ffff
    );
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": "rancher.io/local-path"}},
        "spec": {
            "capacity": {"storage": claim.pointer("/spec/resources/requests/storage").cloned().unwrap_or_else(|| json!("1Gi"))},
            "accessModes": claim.pointer("/spec/accessModes").cloned().unwrap_or_else(|| json!(["ReadWriteOnce"])),
            "persistentVolumeReclaimPolicy": "Delete",
            "storageClassName": claim.pointer("/spec/storageClassName").cloned().unwrap_or_else(|| json!("standard")),
            "volumeMode": "Filesystem",
            "hostPath": {"path": format!("/var/local-path-provisioner/{name}"), "type": "DirectoryOrCreate"},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": meta::namespace(claim), "name": meta::name(claim)},
        },
        "status": {"phase": "Bound"},
    })
}

/// One pass over one StatefulSet, its pods and the claims that exist in its namespace.
pub fn reconcile(sts: &Value, owned: &[&Value], claims: &[&Value]) -> Vec<Action> {
    let mut actions = Vec::new();
    if meta::is_terminating(sts) {
        return actions;
    }
    let want = replicas(sts).max(0);
    let revision = update_revision(sts);
    let parallel = meta::str_at(sts, &["spec", "podManagementPolicy"]) == "Parallel";
    let template = meta::at(sts, &["spec", "template"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    let active: Vec<&Value> = owned
        .iter()
        .copied()
        .filter(|p| pod_active(p) || !meta::is_terminating(p))
        .collect();
    let by_ordinal = |i: i64| active.iter().copied().find(|p| ordinal(sts, p) == Some(i));
    for i in 0..want {
        if by_ordinal(i).is_some() {
            continue;
        }
        let ready_before = (0..i).all(|j| by_ordinal(j).is_some_and(pod_ready));
        if !parallel && !ready_before {
            break;
        }
        let name = format!("{}-{i}", meta::name(sts));
        for vct in meta::at(sts, &["spec", "volumeClaimTemplates"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let claim = format!("{}-{name}", meta::name(vct));
            if !claims.iter().any(|c| meta::name(c) == claim) {
                let mut pvc = json!({
                    "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": claim, "namespace": meta::namespace(sts),
                                 "labels": meta::at(sts, &["spec", "selector", "matchLabels"]).cloned().unwrap_or_else(|| json!({}))},
                    "spec": vct.get("spec").cloned().unwrap_or_else(|| json!({})),
                    "status": {"phase": "Bound", "accessModes": vct.pointer("/spec/accessModes").cloned().unwrap_or_else(|| json!(["ReadWriteOnce"])),
                               "capacity": {"storage": vct.pointer("/spec/resources/requests/storage").cloned().unwrap_or_else(|| json!("1Gi"))}},
                });
                let volume = bound_volume(&pvc, &format!("{}/{claim}", meta::namespace(sts)));
                meta::set_at(
                    &mut pvc,
                    &["spec", "volumeName"],
                    json!(meta::name(&volume)),
                );
                actions.push(Action::Create {
                    resource: gr::pvcs(),
                    object: pvc,
                });
                actions.push(Action::Create {
                    resource: gr::persistentvolumes(),
                    object: volume,
                });
            }
        }
        let mut pod = pod_from_template(
            sts,
            &template,
            PodName::Fixed(&name),
            &[
                (REVISION_LABEL, &revision),
                ("statefulset.kubernetes.io/pod-name", &name),
                ("apps.kubernetes.io/pod-index", &i.to_string()),
            ],
        );
        meta::set_at(&mut pod, &["spec", "hostname"], json!(name));
        if let Some(svc) = meta::at(sts, &["spec", "serviceName"]).and_then(Value::as_str) {
            meta::set_at(&mut pod, &["spec", "subdomain"], json!(svc));
        }
        let volumes = meta::at(&pod, &["spec", "volumes"])
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut volumes = volumes;
        for vct in meta::at(sts, &["spec", "volumeClaimTemplates"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            volumes.push(json!({"name": meta::name(vct), "persistentVolumeClaim": {"claimName": format!("{}-{name}", meta::name(vct))}}));
        }
        if !volumes.is_empty() {
            meta::set_at(&mut pod, &["spec", "volumes"], json!(volumes));
        }
        let event = EventSpec::new(
            sts,
            EventType::Normal,
            "SuccessfulCreate",
            format!(
                "create Pod {name} in StatefulSet {} successful",
                meta::name(sts)
            ),
            "statefulset-controller",
        );
        actions.push(Action::CreateAndReport {
            resource: gr::pods(),
            object: pod,
            event,
        });
        if !parallel {
            break;
        }
    }
    // Surplus ordinals go, highest first, one at a time.
    if let Some(extra) = active
        .iter()
        .filter(|p| ordinal(sts, p).is_none_or(|o| o >= want))
        .max_by_key(|p| ordinal(sts, p))
    {
        actions.push(Action::delete(gr::pods(), extra));
        actions.push(Action::Event(EventSpec::new(
            sts,
            EventType::Normal,
            "SuccessfulDelete",
            format!(
                "delete Pod {} in StatefulSet {} successful",
                meta::name(extra),
                meta::name(sts)
            ),
            "statefulset-controller",
        )));
    }
    // Rolling update: when every pod is ready, replace the highest outdated one.
    let all_ready = active.len() as i64 == want && active.iter().all(|p| pod_ready(p));
    if all_ready
        && let Some(outdated) = active
            .iter()
            .filter(|p| meta::label(p, REVISION_LABEL) != Some(revision.as_str()))
            .max_by_key(|p| ordinal(sts, p))
    {
        actions.push(Action::delete(gr::pods(), outdated));
    }
    let ready = active.iter().filter(|p| pod_ready(p)).count();
    let updated = active
        .iter()
        .filter(|p| meta::label(p, REVISION_LABEL) == Some(revision.as_str()))
        .count();
    let current_revision = if updated == active.len() && active.len() as i64 == want {
        revision.clone()
    } else {
        meta::str_at(sts, &["status", "currentRevision"]).to_string()
    };
    let current_revision = if current_revision.is_empty() {
        revision.clone()
    } else {
        current_revision
    };
    let status = json!({
        "observedGeneration": meta::i64_at(sts, &["metadata", "generation"]).unwrap_or(1),
        "replicas": active.len(),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "currentReplicas": active.iter().filter(|p| meta::label(p, REVISION_LABEL) == Some(current_revision.as_str())).count(),
        "updatedReplicas": updated,
        "currentRevision": current_revision,
        "updateRevision": revision,
        "collisionCount": 0,
    });
    if let Some(a) = Action::status(gr::statefulsets(), sts, status) {
        actions.push(a);
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sts(replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "db", "namespace": "data", "uid": "s-1", "generation": 1},
               "spec": {"replicas": replicas, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "pg", "image": "postgres:17"}]}},
                        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}}]}})
    }

    fn pod(s: &Value, i: i64, ready: bool) -> Value {
        let cond = if ready { "True" } else { "False" };
        json!({"metadata": {"name": format!("db-{i}"), "namespace": "data", "labels": {REVISION_LABEL: update_revision(s)}},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": cond}]}})
    }

    fn created_pods(actions: &[Action]) -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::CreateAndReport { object, .. } => {
                    object["metadata"]["name"].as_str().map(str::to_string)
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn stateful_set_pods_are_created_one_ordinal_at_a_time() {
        let s = sts(3);
        let (p0_ready, p0_starting) = (pod(&s, 0, true), pod(&s, 0, false));
        let cases: [(&str, Vec<&Value>, Vec<&str>); 3] = [
            ("the first pod comes first", vec![], vec!["db-0"]),
            (
                "the next waits for the previous to be ready",
                vec![&p0_starting],
                vec![],
            ),
            ("then the next ordinal", vec![&p0_ready], vec!["db-1"]),
        ];
        for (case, pods, want) in cases {
            assert_eq!(created_pods(&reconcile(&s, &pods, &[])), want, "{case}");
        }
    }

    #[test]
    fn each_ordinal_gets_its_own_claim() {
        let actions = reconcile(&sts(1), &[], &[]);
        let claim = actions.iter().find_map(|a| match a {
            Action::Create { object, .. } if object["kind"] == "PersistentVolumeClaim" => {
                Some(object.clone())
            }
            _ => None,
        });
        let claim = claim.expect("a claim");
        assert_eq!(claim["metadata"]["name"], "data-db-0");
        assert_eq!(claim["status"]["phase"], "Bound");
    }
}
