//! Plays the ReplicaSet controller: keeps `spec.replicas` pods alive and reports their
//! readiness in `status`.

use serde_json::{Value, json};

use super::action::{Action, gr};
use super::events::{EventSpec, EventType};
use super::meta;
use super::workloads::{
    PodName, deletion_rank, pod_active, pod_from_template, pod_ready, replicas,
};

/// The status a ReplicaSet should report for the pods it owns.
pub fn status(rs: &Value, owned: &[&Value]) -> Value {
    let active: Vec<&&Value> = owned.iter().filter(|p| pod_active(p)).collect();
    let ready = active.iter().filter(|p| pod_ready(p)).count();
    let labels = meta::labels(
        &json!({"metadata": {"labels": meta::at(rs, &["spec", "template", "metadata", "labels"])}}),
    );
    let fully_labeled = active
        .iter()
        .filter(|p| {
            let pl = meta::labels(p);
            labels.iter().all(|(k, v)| pl.get(k) == Some(v))
        })
        .count();
    json!({
        "replicas": active.len(),
        "fullyLabeledReplicas": fully_labeled,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "terminatingReplicas": 0,
        "observedGeneration": meta::i64_at(rs, &["metadata", "generation"]).unwrap_or(1),
    })
}

/// One pass over one ReplicaSet and the pods it controls.
pub fn reconcile(rs: &Value, owned: &[&Value]) -> Vec<Action> {
    if meta::is_terminating(rs) {
        return Vec::new();
    }
    let mut actions = Vec::new();
    let want = replicas(rs).max(0) as usize;
    let mut active: Vec<&Value> = owned.iter().copied().filter(|p| pod_active(p)).collect();
    if active.len() < want {
        let template = meta::at(rs, &["spec", "template"])
            .cloned()
            .unwrap_or_else(|| json!({}));
        let prefix = format!("{}-", meta::name(rs));
        for _ in active.len()..want {
            let pod = pod_from_template(rs, &template, PodName::Generate(&prefix), &[]);
            let event = EventSpec::new(
                rs,
                EventType::Normal,
                "SuccessfulCreate",
                "Created pod: {name}",
                "replicaset-controller",
            );
            actions.push(Action::CreateAndReport {
                resource: gr::pods(),
                object: pod,
                event,
            });
        }
    } else if active.len() > want {
        active.sort_by_key(|p| deletion_rank(p));
        for pod in active.iter().take(active.len() - want) {
            actions.push(Action::delete(gr::pods(), pod));
            actions.push(Action::Event(EventSpec::new(
                rs,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted pod: {}", meta::name(pod)),
                "replicaset-controller",
            )));
        }
    }
    if let Some(a) = Action::status(gr::replicasets(), rs, status(rs, owned)) {
        actions.push(a);
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
               "metadata": {"name": "web-abc", "namespace": "shop", "uid": "rs-1", "generation": 1},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    }

    fn pod(name: &str, ready: bool) -> Value {
        let cond = if ready { "True" } else { "False" };
        json!({"metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"}, "creationTimestamp": format!("2026-11-27T17:00:0{}Z", name.len() % 10)},
               "spec": {"nodeName": "n1"},
               "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": cond}]}})
    }

    fn count(actions: &[Action], f: fn(&Action) -> bool) -> usize {
        actions.iter().filter(|a| f(a)).count()
    }

    #[test]
    fn replica_sets_create_and_delete_pods_to_match_replicas() {
        let (a, b, c) = (pod("a", true), pod("b", false), pod("c", true));
        let cases: [(&str, i64, Vec<&Value>, usize, usize); 4] = [
            ("no pods yet: create all", 3, vec![], 3, 0),
            ("one missing: create one", 3, vec![&a, &b], 1, 0),
            ("too many: delete the surplus", 1, vec![&a, &b, &c], 0, 2),
            ("just right: nothing to do", 2, vec![&a, &c], 0, 0),
        ];
        for (case, replicas, pods, creates, deletes) in cases {
            let actions = reconcile(&rs(replicas), &pods);
            assert_eq!(
                count(&actions, |a| matches!(a, Action::CreateAndReport { .. })),
                creates,
                "{case}"
            );
            assert_eq!(
                count(&actions, |a| matches!(a, Action::Delete { .. })),
                deletes,
                "{case}"
            );
        }
    }

    #[test]
    fn scaling_down_removes_unready_pods_first() {
        let (a, b) = (pod("a", true), pod("b", false));
        let actions = reconcile(&rs(1), &[&a, &b]);
        let deleted: Vec<&str> = actions
            .iter()
            .filter_map(|x| match x {
                Action::Delete { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(deleted, ["b"]);
    }

    #[test]
    fn created_pods_carry_the_template_labels_and_a_controller_reference() {
        let actions = reconcile(&rs(1), &[]);
        let Some(Action::CreateAndReport { object, .. }) = actions.first() else {
            panic!("expected a create")
        };
        assert_eq!(object["metadata"]["labels"]["app"], "web");
        assert_eq!(object["metadata"]["generateName"], "web-abc-");
        assert_eq!(object["metadata"]["ownerReferences"][0]["uid"], "rs-1");
        assert_eq!(object["metadata"]["ownerReferences"][0]["controller"], true);
    }
}
