//! Plays the DaemonSet controller: one pod on every node whose taints the pod template
//! (with the tolerations every daemon gets) tolerates and that matches its nodeSelector.

use serde_json::{Value, json};

use super::action::{Action, gr};
use super::events::{EventSpec, EventType};
use super::meta;
use super::scheduler::tolerates;
use super::workloads::{PodName, pod_active, pod_from_template, pod_ready};

/// The tolerations the DaemonSet controller adds to every daemon pod, so daemons keep
/// running on cordoned, not-ready and pressured nodes.
pub fn default_tolerations() -> Vec<Value> {
    [
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ]
    .iter()
    .map(|(key, effect)| json!({"key": key, "operator": "Exists", "effect": effect}))
    .collect()
}

/// Whether a DaemonSet pod (with its default tolerations) belongs on this node. Cordoning
/// does not keep daemons away: only taints and the nodeSelector do.
pub fn node_wanted(template_pod: &Value, node: &Value) -> bool {
    let taints_ok = meta::at(node, &["spec", "taints"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| matches!(meta::str_at(t, &["effect"]), "NoSchedule" | "NoExecute"))
        .all(|t| tolerates(template_pod, t));
    let selector_ok = meta::at(template_pod, &["spec", "nodeSelector"])
        .and_then(Value::as_object)
        .is_none_or(|sel| {
            let labels = meta::labels(node);
            sel.iter().all(|(k, v)| labels.get(k) == Some(v))
        });
    taints_ok && selector_ok
}

/// One pass over one DaemonSet, its pods and the nodes.
pub fn reconcile(ds: &Value, owned: &[&Value], nodes: &[&Value]) -> Vec<Action> {
    let mut actions = Vec::new();
    if meta::is_terminating(ds) {
        return actions;
    }
    let template = meta::at(ds, &["spec", "template"])
        .cloned()
        .unwrap_or_else(|| json!({}));
    let hash = meta::template_hash(&template);
    let mut tolerations = meta::at(&template, &["spec", "tolerations"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    tolerations.extend(default_tolerations());
    let mut probe = json!({"spec": template.get("spec").cloned().unwrap_or_else(|| json!({}))});
    meta::set_at(&mut probe, &["spec", "tolerations"], json!(tolerations));
    let active: Vec<&Value> = owned.iter().copied().filter(|p| pod_active(p)).collect();
    let wanted: Vec<&Value> = nodes
        .iter()
        .copied()
        .filter(|n| node_wanted(&probe, n))
        .collect();
    let prefix = format!("{}-", meta::name(ds));
    for node in &wanted {
        let on_node: Vec<&&Value> = active
            .iter()
            .filter(|p| meta::str_at(p, &["spec", "nodeName"]) == meta::name(node))
            .collect();
        let outdated = on_node
            .iter()
            .find(|p| meta::label(p, "controller-revision-hash") != Some(hash.as_str()));
        if on_node.is_empty() {
            let mut pod = pod_from_template(
                ds,
                &template,
                PodName::Generate(&prefix),
                &[
                    ("controller-revision-hash", &hash),
                    ("pod-template-generation", "1"),
                ],
            );
            meta::set_at(&mut pod, &["spec", "nodeName"], json!(meta::name(node)));
            meta::set_at(
                &mut pod,
                &["spec", "tolerations"],
                probe["spec"]["tolerations"].clone(),
            );
            let event = EventSpec::new(
                ds,
                EventType::Normal,
                "SuccessfulCreate",
                "Created pod: {name}",
                "daemonset-controller",
            );
            actions.push(Action::CreateAndReport {
                resource: gr::pods(),
                object: pod,
                event,
            });
        } else if let Some(old) = outdated {
            actions.push(Action::delete(gr::pods(), old));
        }
    }
    for pod in &active {
        let node = meta::str_at(pod, &["spec", "nodeName"]);
        if !wanted.iter().any(|n| meta::name(n) == node) {
            actions.push(Action::delete(gr::pods(), pod));
        }
    }
    let on_wanted = |p: &&&Value| {
        wanted
            .iter()
            .any(|n| meta::name(n) == meta::str_at(p, &["spec", "nodeName"]))
    };
    let scheduled = active.iter().filter(on_wanted).count();
    let ready = active
        .iter()
        .filter(on_wanted)
        .filter(|p| pod_ready(p))
        .count();
    let updated = active
        .iter()
        .filter(|p| meta::label(p, "controller-revision-hash") == Some(hash.as_str()))
        .count();
    let mut status = json!({
        "observedGeneration": meta::i64_at(ds, &["metadata", "generation"]).unwrap_or(1),
        "desiredNumberScheduled": wanted.len(),
        "currentNumberScheduled": scheduled,
        "numberMisscheduled": active.len() - scheduled,
        "numberReady": ready,
        "numberAvailable": ready,
        "updatedNumberScheduled": updated,
    });
    if wanted.len() > ready {
        meta::set_at(
            &mut status,
            &["numberUnavailable"],
            json!(wanted.len() - ready),
        );
    }
    if let Some(a) = Action::status(gr::daemonsets(), ds, status) {
        actions.push(a);
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_sets_place_one_pod_per_node_whose_taints_they_tolerate() {
        let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "monitoring", "uid": "ds-1"},
                        "spec": {"template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a", "image": "agent"}]}}}});
        let ok = json!({"metadata": {"name": "n1"}, "spec": {}});
        let cordoned = json!({"metadata": {"name": "n2"}, "spec": {"unschedulable": true, "taints": [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]}});
        let control = json!({"metadata": {"name": "n3"}, "spec": {"taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]}});
        let actions = reconcile(&ds, &[], &[&ok, &cordoned, &control]);
        let nodes: Vec<&str> = actions
            .iter()
            .filter_map(|a| match a {
                Action::CreateAndReport { object, .. } => object["spec"]["nodeName"].as_str(),
                _ => None,
            })
            .collect();
        assert_eq!(
            nodes,
            ["n1", "n2"],
            "daemons run on cordoned nodes but not on tainted ones"
        );
    }
}
