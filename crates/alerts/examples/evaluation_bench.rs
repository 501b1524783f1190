//! Figures of the alerter's evaluation (not a test): the memory its facts take for 100,000 pods
//! on 5,000 nodes, and the time one cycle of 100 rules takes over them.
//!
//! ```text
//! cargo run --release -p wheelhouse-alerts --example evaluation_bench [-- --pods 100000]
//! ```
//!
//! The pods are built as k8s-openapi objects shaped like the sim's `scale` scenario (two
//! containers with requests and limits, labels, an owner, statuses; one in 50 crash-looping, one
//! in 40 not ready, one in 50 near its memory limit, one in 70 above its CPU request) and folded
//! into the snapshot the way the watches do; the 100 rules mix every
//! condition that needs no Prometheus, cluster-wide and per namespace, with and without
//! selectors. Each cycle evaluates all 100 and steps their states, as the alerter does.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Node, Pod};
use serde_json::json;
use wheelhouse_alerts::crd::{AlertRuleSpec, AlertRuleStatus};
use wheelhouse_alerts::evaluate::{Scope, evaluate};
use wheelhouse_alerts::snapshot::{Snapshot, Usage, WorkloadFacts};
use wheelhouse_alerts::state::step;

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pod(i: usize, nodes: usize, namespaces: usize) -> Pod {
    let deployment = i / 20;
    let crash = i % 50 == 7;
    let not_ready = i % 40 == 3;
    let state = if crash {
        json!({"waiting": {"reason": "CrashLoopBackOff"}})
    } else {
        json!({"running": {"startedAt": "2026-12-01T00:00:00Z"}})
    };
    serde_json::from_value(json!({
        "metadata": {
            "name": format!("workload-{deployment}-7d9c5b8f4d-{i:06}"),
            "namespace": format!("namespace-{}", deployment % namespaces),
            "labels": {"app": format!("workload-{deployment}"), "pod-template-hash": "7d9c5b8f4d", "tier": if i.is_multiple_of(3) { "web" } else { "worker" }},
            "creationTimestamp": "2026-12-01T00:00:00Z",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("workload-{deployment}-7d9c5b8f4d"), "uid": "u", "controller": true}]
        },
        "spec": {"nodeName": format!("node-{}", i % nodes), "containers": [
            {"name": "app", "image": "example/app:1", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}},
            {"name": "sidecar", "image": "example/proxy:1", "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}}}
        ]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": if not_ready || crash { "False" } else { "True" }, "lastTransitionTime": "2026-12-01T00:01:00Z"}],
            "containerStatuses": [
                {"name": "app", "ready": !crash, "restartCount": if crash { 12 } else { 0 }, "image": "example/app:1", "imageID": "", "state": state,
                 "lastState": if crash { json!({"terminated": {"exitCode": 1, "reason": "Error"}}) } else { json!({}) }},
                {"name": "sidecar", "ready": true, "restartCount": 0, "image": "example/proxy:1", "imageID": "", "state": {"running": {}}}
            ]}
    }))
    .expect("a pod")
}

fn rules(namespaces: usize) -> Vec<(String, AlertRuleSpec)> {
    let conditions = [
        json!({"crashLooping": {}}),
        json!({"notReady": {}}),
        json!({"restarts": {"count": 3, "window": "15m"}}),
        json!({"unavailableReplicas": {}}),
        json!({"nodeNotReady": {}}),
        json!({"nodePressure": {}}),
        json!({"jobFailed": {}}),
        json!({"cronJobMissed": {}}),
        json!({"certificateExpiring": {"within": "336h"}}),
        json!({"usage": {"resource": "memory", "of": "limit", "above": "90"}}),
        json!({"usage": {"resource": "cpu", "of": "request", "above": "150"}}),
        json!({"usage": {"resource": "memory", "of": "absolute", "above": "200Mi"}}),
    ];
    (0..100)
        .map(|r| {
            let condition = conditions[r % conditions.len()].clone();
            let node_rule =
                condition.get("nodeNotReady").is_some() || condition.get("nodePressure").is_some();
            // A third cluster-wide over everything, a third per namespace, a third with a selector.
            let target = match (r / conditions.len()) % 3 {
                _ if node_rule => json!({}),
                0 => json!({}),
                1 => json!({"namespace": format!("namespace-{}", r % namespaces)}),
                _ => json!({"selector": "tier=web"}),
            };
            let kind = if r % 5 == 0 && condition.get("usage").is_some() {
                json!("Container")
            } else {
                json!(null)
            };
            let mut target = target;
            if !kind.is_null() {
                target["kind"] = kind;
            }
            let spec = serde_json::from_value(json!({
                "target": target, "condition": condition, "for": "2m",
                "annotations": {"summary": "{{ target }}: {{ value }}"}
            }))
            .expect("a rule");
            (format!("rule-{r}"), spec)
        })
        .collect()
}

fn main() {
    let pods = arg("--pods", 100_000);
    let nodes = arg("--nodes", 5_000);
    let namespaces = arg("--namespaces", 100);
    let now = Timestamp::now();
    let before = rss_bytes();
    let started = Instant::now();
    let mut snapshot = Snapshot::default();
    let mut usage = Usage::default();
    for i in 0..pods {
        let pod = pod(i, nodes, namespaces);
        snapshot.put_pod(&pod, now);
        let key = (
            pod.metadata.namespace.clone().unwrap_or_default(),
            pod.metadata.name.clone().unwrap_or_default(),
        );
        // One pod in 50 near its memory limit, one in 70 busy: a cluster with a few problems.
        let hungry = i % 50 == 11;
        let busy = i % 70 == 13;
        let wave = 0.5 + 0.5 * (i as f64 / 7.0).sin();
        usage.pods.insert(
            key,
            vec![
                (
                    "app".into(),
                    if busy { 0.3 } else { 0.02 + 0.1 * wave },
                    256.0 * 1024.0 * 1024.0 * if hungry { 0.95 } else { 0.3 + 0.4 * wave },
                ),
                ("sidecar".into(), 0.005, 20e6),
            ],
        );
    }
    for n in 0..nodes {
        let node: Node = serde_json::from_value(json!({
            "metadata": {"name": format!("node-{n}"), "labels": {"kubernetes.io/hostname": format!("node-{n}")}},
            "status": {"allocatable": {"cpu": "8", "memory": "32Gi"}, "conditions": [
                {"type": "Ready", "status": if n % 1000 == 1 { "False" } else { "True" }},
                {"type": "MemoryPressure", "status": "False"}, {"type": "DiskPressure", "status": "False"}, {"type": "PIDPressure", "status": "False"}]}
        }))
        .expect("a node");
        snapshot.put_node(&node);
        usage.nodes.insert(format!("node-{n}"), (2.0, 16e9));
    }
    for d in 0..pods / 20 {
        let deployment: Deployment = serde_json::from_value(json!({
            "metadata": {"name": format!("workload-{d}"), "namespace": format!("namespace-{}", d % namespaces), "labels": {"app": format!("workload-{d}")}},
            "spec": {"replicas": 20, "selector": {"matchLabels": {"app": format!("workload-{d}")}}, "template": {}},
            "status": {"availableReplicas": if d % 100 == 5 { 18 } else { 20 }}
        }))
        .expect("a deployment");
        snapshot.put_workload(
            "Deployment",
            &deployment.metadata,
            WorkloadFacts::of_deployment(&deployment),
        );
    }
    snapshot.usage = Some(usage);
    let built = started.elapsed();
    let facts = rss_bytes().saturating_sub(before);
    println!(
        "snapshot of {pods} pods, {nodes} nodes, {} Deployments (with their usage): built in {:.0} ms, {:.0} MiB resident",
        pods / 20,
        built.as_secs_f64() * 1000.0,
        mib(facts)
    );

    let rules = rules(namespaces);
    let mut statuses: Vec<AlertRuleStatus> = vec![AlertRuleStatus::default(); rules.len()];
    let mut cycles: Vec<Duration> = Vec::new();
    let mut holding = 0;
    for round in 0..10 {
        let at = now
            .checked_add(jiff::SignedDuration::from_secs(30 * round))
            .unwrap_or(now);
        let started = Instant::now();
        holding = 0;
        for ((name, spec), status) in rules.iter().zip(statuses.iter_mut()) {
            let scope = Scope {
                rule_namespace: "wheelhouse".into(),
                cluster_wide: true,
            };
            let evaluation = evaluate(spec, &scope, &snapshot, at, None);
            if let Ok(e) = &evaluation {
                holding += e.holds.len();
            }
            let stepped = step(spec, status, evaluation.as_ref(), Some(1), at);
            *status = stepped.status;
            let _ = name;
        }
        cycles.push(started.elapsed());
    }
    let mut sorted = cycles.clone();
    sorted.sort();
    let firing: u32 = statuses.iter().map(|s| s.firing).sum();
    println!(
        "one cycle of {} rules: p50 {:.0} ms, max {:.0} ms over {} cycles ({holding} target-conditions held, {firing} alerts firing, statuses capped at 500 alerts per rule)",
        rules.len(),
        sorted[sorted.len() / 2].as_secs_f64() * 1000.0,
        sorted[sorted.len() - 1].as_secs_f64() * 1000.0,
        cycles.len()
    );
    println!(
        "resident after the cycles: {:.0} MiB (the facts, the usage and 100 rules' statuses)",
        mib(rss_bytes())
    );
}
