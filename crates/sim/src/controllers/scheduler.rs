//! Plays kube-scheduler: binds pending pods to nodes that are Ready, schedulable, whose
//! taints the pod tolerates, that match its nodeSelector and have room for its requests.
//! A pod that fits nowhere gets `PodScheduled=False/Unschedulable` and a FailedScheduling
//! event worded like the real one.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde_json::{Value, json};

use super::action::{Action, gr};
use super::events::{EventSpec, EventType, rfc3339};
use super::meta;

/// What is already placed on a node.
#[derive(Debug, Clone, Default)]
struct Usage {
    cpu: f64,
    memory: f64,
    pods: usize,
}

fn requests(pod: &Value) -> (f64, f64) {
    meta::at(pod, &["spec", "containers"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .fold((0.0, 0.0), |(cpu, mem), c| {
            let req = |r: &str| {
                meta::quantity(c.pointer(&format!("/resources/requests/{r}")))
                    .or_else(|| meta::quantity(c.pointer(&format!("/resources/limits/{r}"))))
                    .unwrap_or(0.0)
            };
            (cpu + req("cpu"), mem + req("memory"))
        })
}

fn node_ready(node: &Value) -> bool {
    meta::at(node, &["status", "conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Whether the pod tolerates a taint (key/operator/value/effect as the API defines them).
pub fn tolerates(pod: &Value, taint: &Value) -> bool {
    meta::at(pod, &["spec", "tolerations"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| {
            let key = meta::str_at(t, &["key"]);
            let effect = meta::str_at(t, &["effect"]);
            let key_ok = key.is_empty() || key == meta::str_at(taint, &["key"]);
            let effect_ok = effect.is_empty() || effect == meta::str_at(taint, &["effect"]);
            let value_ok = meta::str_at(t, &["operator"]) == "Exists"
                || meta::str_at(t, &["value"]) == meta::str_at(taint, &["value"]);
            key_ok && effect_ok && value_ok
        })
}

/// Why a node cannot take the pod, in the scheduler's words, or `None` if it can.
fn unfit_reason(pod: &Value, node: &Value, usage: &Usage) -> Option<String> {
    if meta::at(node, &["spec", "unschedulable"]).and_then(Value::as_bool) == Some(true) {
        return Some("node(s) were unschedulable".into());
    }
    let mut taints: Vec<Value> = meta::at(node, &["spec", "taints"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !node_ready(node) {
        taints.push(json!({"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}));
    }
    for taint in &taints {
        let effect = meta::str_at(taint, &["effect"]);
        if (effect == "NoSchedule" || effect == "NoExecute") && !tolerates(pod, taint) {
            return Some(format!(
                "node(s) had untolerated taint {{{}: {}}}",
                meta::str_at(taint, &["key"]),
                meta::str_at(taint, &["value"])
            ));
        }
    }
    if let Some(selector) = meta::at(pod, &["spec", "nodeSelector"]).and_then(Value::as_object) {
        let labels = meta::labels(node);
        if !selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            return Some("node(s) didn't match Pod's node affinity/selector".into());
        }
    }
    let alloc = |r: &str| meta::quantity(meta::at(node, &["status", "allocatable", r]));
    let (cpu, mem) = requests(pod);
    if alloc("pods").is_some_and(|max| usage.pods as f64 + 1.0 > max) {
        return Some("Too many pods".into());
    }
    if alloc("cpu").is_some_and(|max| usage.cpu + cpu > max + 1e-9) {
        return Some("Insufficient cpu".into());
    }
    if alloc("memory").is_some_and(|max| usage.memory + mem > max) {
        return Some("Insufficient memory".into());
    }
    None
}

/// Whether a pod waits for this scheduler: no node yet, not being deleted, not finished.
pub fn is_pending(pod: &Value) -> bool {
    meta::str_at(pod, &["spec", "nodeName"]).is_empty()
        && !meta::is_terminating(pod)
        && matches!(meta::str_at(pod, &["status", "phase"]), "" | "Pending")
        && matches!(
            meta::str_at(pod, &["spec", "schedulerName"]),
            "" | "default-scheduler"
        )
}

/// One scheduling pass: binds what fits, marks what does not.
pub fn reconcile(pods: &[&Value], nodes: &[&Value], now: Timestamp) -> Vec<Action> {
    let mut usage: HashMap<&str, Usage> = HashMap::new();
    for p in pods {
        let node = meta::str_at(p, &["spec", "nodeName"]);
        if node.is_empty()
            || matches!(
                meta::str_at(p, &["status", "phase"]),
                "Succeeded" | "Failed"
            )
        {
            continue;
        }
        let (cpu, mem) = requests(p);
        let u = usage.entry(node).or_default();
        u.cpu += cpu;
        u.memory += mem;
        u.pods += 1;
    }
    let mut nodes: Vec<&Value> = nodes.to_vec();
    nodes.sort_by_key(|n| meta::name(n).to_string());
    let now_s = rfc3339(now);
    let mut actions = Vec::new();
    for pod in pods.iter().filter(|p| is_pending(p)) {
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        let mut best: Option<(&Value, f64)> = None;
        for node in &nodes {
            let u = usage.get(meta::name(node)).cloned().unwrap_or_default();
            match unfit_reason(pod, node, &u) {
                Some(r) => *reasons.entry(r).or_default() += 1,
                None => {
                    let cap = meta::quantity(meta::at(node, &["status", "allocatable", "cpu"]))
                        .unwrap_or(1.0);
                    let score = u.cpu / cap.max(0.001) + u.pods as f64 * 0.001;
                    if best.is_none_or(|(_, s)| score < s) {
                        best = Some((node, score));
                    }
                }
            }
        }
        match best {
            Some((node, _)) => {
                let node_name = meta::name(node);
                let (cpu, mem) = requests(pod);
                let u = usage.entry(node_name).or_default();
                u.cpu += cpu;
                u.memory += mem;
                u.pods += 1;
                actions.push(Action::merge(
                    gr::pods(),
                    pod,
                    json!({"spec": {"nodeName": node_name}}),
                ));
                let mut status = pod.get("status").cloned().unwrap_or_else(|| json!({}));
                meta::set_at(&mut status, &["phase"], json!("Pending"));
                meta::set_at(
                    &mut status,
                    &["conditions"],
                    json!([{"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now_s}]),
                );
                if let Some(a) = Action::status(gr::pods(), pod, status) {
                    actions.push(a);
                }
                actions.push(Action::Event(EventSpec::new(
                    pod,
                    EventType::Normal,
                    "Scheduled",
                    format!(
                        "Successfully assigned {}/{} to {node_name}",
                        meta::namespace(pod),
                        meta::name(pod)
                    ),
                    "default-scheduler",
                )));
            }
            None => {
                let detail: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
                let message = format!(
                    "0/{} nodes are available: {}. preemption: 0/{} nodes are available: {} Preemption is not helpful for scheduling.",
                    nodes.len(),
                    detail.join(", "),
                    nodes.len(),
                    nodes.len()
                );
                let already = meta::at(pod, &["status", "conditions"])
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "PodScheduled" && c["message"] == json!(message));
                if already {
                    continue;
                }
                let status = json!({
                    "phase": "Pending",
                    "qosClass": super::kubelet::qos_class(pod),
                    "conditions": [{
                        "type": "PodScheduled", "status": "False", "lastProbeTime": null,
                        "lastTransitionTime": now_s, "reason": "Unschedulable", "message": message,
                    }],
                });
                if let Some(a) = Action::status(gr::pods(), pod, status) {
                    actions.push(a);
                }
                actions.push(Action::Event(EventSpec::new(
                    pod,
                    EventType::Warning,
                    "FailedScheduling",
                    message,
                    "default-scheduler",
                )));
            }
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, extra: Value) -> Value {
        let mut n = json!({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "spec": {},
            "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True"}]}});
        if let Some(spec) = extra.get("spec") {
            n["spec"] = spec.clone();
        }
        if let Some(labels) = extra.get("labels").and_then(Value::as_object) {
            for (k, v) in labels {
                n["metadata"]["labels"][k] = v.clone();
            }
        }
        n
    }

    fn pod(name: &str, spec: Value) -> Value {
        let mut p = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "uid": name},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}, "status": {"phase": "Pending"}});
        if let (Some(dst), Some(src)) = (p["spec"].as_object_mut(), spec.as_object()) {
            dst.extend(src.clone());
        }
        p
    }

    fn bound_to(actions: &[Action]) -> Option<String> {
        actions.iter().find_map(|a| match a {
            Action::Merge { patch, .. } => patch
                .pointer("/spec/nodeName")
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        })
    }

    #[test]
    fn pods_are_bound_only_to_nodes_that_can_take_them() {
        let cordoned = node("a", json!({"spec": {"unschedulable": true}}));
        let tainted = node(
            "b",
            json!({"spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}}),
        );
        let plain = node("c", json!({}));
        let gpu = node("d", json!({"labels": {"gpu": "true"}}));
        let cases = [
            (
                "a plain pod avoids cordoned and tainted nodes",
                pod("p1", json!({})),
                Some("c"),
            ),
            (
                "a nodeSelector picks the labelled node",
                pod("p2", json!({"nodeSelector": {"gpu": "true"}})),
                Some("d"),
            ),
            (
                "a toleration admits the tainted node",
                pod(
                    "p3",
                    json!({"nodeSelector": {"kubernetes.io/hostname": "b"}, "tolerations": [{"key": "dedicated", "operator": "Exists"}]}),
                ),
                Some("b"),
            ),
            (
                "a pod asking for too much cpu fits nowhere",
                pod(
                    "p4",
                    json!({"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "64"}}}]}),
                ),
                None,
            ),
        ];
        for (case, p, want) in cases {
            let nodes = [&cordoned, &tainted, &plain, &gpu];
            let actions = reconcile(&[&p], &nodes, Timestamp::UNIX_EPOCH);
            assert_eq!(bound_to(&actions).as_deref(), want, "{case}");
        }
    }

    #[test]
    fn an_unschedulable_pod_gets_a_failed_scheduling_event_explaining_why() {
        let nodes = [
            node("a", json!({"spec": {"unschedulable": true}})),
            node("b", json!({})),
        ];
        let p = pod(
            "big",
            json!({"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "64"}}}]}),
        );
        let actions = reconcile(&[&p], &[&nodes[0], &nodes[1]], Timestamp::UNIX_EPOCH);
        let event = actions.iter().find_map(|a| match a {
            Action::Event(e) => Some(e.clone()),
            _ => None,
        });
        let event = event.expect("an event");
        assert_eq!(event.reason, "FailedScheduling");
        assert!(
            event.message.starts_with(
                "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable."
            ),
            "{}",
            event.message
        );
    }

    #[test]
    fn pods_spread_over_nodes_by_load() {
        let nodes = [node("a", json!({})), node("b", json!({}))];
        let pods: Vec<Value> = (0..4)
            .map(|i| pod(&format!("p{i}"), json!({"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "1"}}}]})))
            .collect();
        let refs: Vec<&Value> = pods.iter().collect();
        let actions = reconcile(&refs, &[&nodes[0], &nodes[1]], Timestamp::UNIX_EPOCH);
        let on_a = actions
            .iter()
            .filter(|a| matches!(a, Action::Merge { patch, .. } if patch.pointer("/spec/nodeName") == Some(&json!("a"))))
            .count();
        assert_eq!(on_a, 2);
    }
}
