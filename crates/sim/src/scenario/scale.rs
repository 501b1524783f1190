//! The `scale` scenario: many running pods for benchmarks, inserted straight into the store.
//!
//! Pods come in groups of [`PODS_PER_REPLICASET`] owned by a ReplicaSet (`app-<n>-<hash>`),
//! spread round-robin over nodes and namespaces, already Running and Ready with container
//! statuses and IPs. Their ReplicaSets report a status the controllers agree with, so a
//! loaded cluster is quiet: the controllers write nothing until something changes.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::build::aged;
use super::demo;
use crate::controllers::action::gr;
use crate::controllers::events::rfc3339;
use crate::controllers::meta;
use crate::controllers::replicaset;
use crate::storage::Store;

/// Pods per ReplicaSet in the scale scenario.
pub const PODS_PER_REPLICASET: usize = 20;

const TIERS: [&str; 3] = ["web", "api", "worker"];

/// How big the scale scenario is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleSpec {
    pub pods: usize,
    pub nodes: usize,
    pub namespaces: usize,
}

fn uid_for(kind: &str, n: usize) -> String {
    let h = meta::fnv64a(format!("{kind}/{n}").as_bytes());
    let g = h.rotate_left(31) ^ 0x9e37_79b9_7f4a_7c15;
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        g & 0xfff,
        g >> 16
    )
}

/// What the pods of one ReplicaSet share.
struct Group<'a> {
    app: usize,
    rs_name: &'a str,
    rs_uid: &'a str,
    hash: &'a str,
    namespace: &'a str,
    started: &'a str,
}

fn pod_ip(i: usize) -> String {
    format!(
        "10.{}.{}.{}",
        64 + (i >> 16) % 64,
        (i >> 8) & 0xff,
        i & 0xff
    )
}

fn host_ip(node: usize) -> String {
    format!("10.0.{}.{}", (node + 1) / 250, 10 + (node + 1) % 250)
}

/// `model` (a pod of the same ReplicaSet) as pod number `i` on node `node`.
fn variant(model: &Value, i: usize, rs_name: &str, node: usize) -> Value {
    let mut p = model.clone();
    let (pod_ip, host_ip) = (pod_ip(i), host_ip(node));
    p["metadata"]["name"] = Value::String(format!("{rs_name}-{}", meta::name_suffix(i as u64)));
    p["spec"]["nodeName"] = Value::String(format!("node-{node}"));
    let status = &mut p["status"];
    status["hostIP"] = Value::String(host_ip.clone());
    status["hostIPs"][0]["ip"] = Value::String(host_ip);
    status["podIP"] = Value::String(pod_ip.clone());
    status["podIPs"][0]["ip"] = Value::String(pod_ip);
    status["containerStatuses"][0]["containerID"] = Value::String(format!("containerd://{i:064x}"));
    p
}

/// A running, ready pod of the scale scenario: pod number `i` of `group`, on node `node`.
fn pod(i: usize, group: &Group<'_>, node: usize) -> Value {
    let Group {
        app,
        rs_name,
        rs_uid,
        hash,
        namespace,
        started,
    } = *group;
    let node_name = format!("node-{node}");
    let (pod_ip, host_ip) = (pod_ip(i), host_ip(node));
    let image = format!("ghcr.io/wheelhouse-demo/app:1.{}.0", app % 5);
    let condition = |t: &str| json!({"type": t, "status": "True", "lastProbeTime": null, "lastTransitionTime": started});
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": format!("{rs_name}-{}", meta::name_suffix(i as u64)),
            "generateName": format!("{rs_name}-"),
            "namespace": namespace,
            "labels": {
                "app": format!("app-{app}"),
                "pod-template-hash": hash,
                "tier": TIERS[app % 3],
                "team": format!("team-{}", app % 7),
            },
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name, "uid": rs_uid, "controller": true, "blockOwnerDeletion": true}],
            "creationTimestamp": started,
            "generation": 1,
        },
        "spec": {
            "containers": [{
                "name": "app",
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }],
            "nodeName": node_name,
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
            "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 30,
            "priority": 0,
        },
        "status": {
            "phase": "Running",
            "conditions": [condition("PodReadyToStartContainers"), condition("Initialized"), condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "startTime": started,
            "qosClass": "Burstable",
            "containerStatuses": [{
                "name": "app",
                "image": image,
                "imageID": format!("ghcr.io/wheelhouse-demo/app@sha256:{:064x}", app % 5),
                "containerID": format!("containerd://{:064x}", i),
                "ready": true,
                "started": true,
                "restartCount": 0,
                "lastState": {},
                "state": {"running": {"startedAt": started}},
            }],
        },
    })
}

/// Inserts the nodes, namespaces, ReplicaSets and pods of a scale scenario. Returns how many
/// objects were written.
pub fn load(store: &Store, spec: &ScaleSpec, now: Timestamp) -> usize {
    let nodes = spec.nodes.max(1);
    let namespaces = spec.namespaces.max(1);
    let started = rfc3339(
        now.saturating_sub(jiff::SignedDuration::from_hours(2))
            .unwrap_or(now),
    );
    let zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
    let mut written = store.insert_bulk(
        &gr::nodes(),
        (0..nodes).map(|n| {
            aged(
                demo::node(
                    n + 1,
                    &format!("node-{n}"),
                    "worker",
                    zones[n % 3],
                    false,
                    now,
                ),
                now,
                jiff::SignedDuration::from_hours(48),
            )
        }),
    );
    written += store.insert_bulk(
        &gr::namespaces(),
        (0..namespaces).map(|n| demo::namespace(&format!("load-{n}"))),
    );
    let groups = spec.pods.div_ceil(PODS_PER_REPLICASET);
    let mut replicasets = Vec::with_capacity(groups);
    let mut pods = Vec::with_capacity(spec.pods);
    for app in 0..groups {
        let namespace = format!("load-{}", app % namespaces);
        let hash = meta::safe_encode(u64::from(meta::fnv32a(format!("app-{app}").as_bytes())));
        let rs_name = format!("app-{app}-{hash}");
        let rs_uid = uid_for("rs", app);
        let first = app * PODS_PER_REPLICASET;
        let last = (first + PODS_PER_REPLICASET).min(spec.pods);
        let shared = Group {
            app,
            rs_name: &rs_name,
            rs_uid: &rs_uid,
            hash: &hash,
            namespace: &namespace,
            started: &started,
        };
        // One pod is built in full; the others are copies with their own name, node and IPs
        // (cloning is several times cheaper than building, which matters at 100,000 pods).
        let model = pod(first, &shared, first % nodes);
        let group: Vec<Value> = (first..last)
            .map(|i| {
                if i == first {
                    model.clone()
                } else {
                    variant(&model, i, &rs_name, i % nodes)
                }
            })
            .collect();
        let mut rs = json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": rs_name, "namespace": namespace, "uid": rs_uid, "generation": 1,
                "creationTimestamp": started,
                "labels": {"app": format!("app-{app}"), "pod-template-hash": hash},
                "annotations": {"deployment.kubernetes.io/revision": "1"},
            },
            "spec": {
                "replicas": group.len(),
                "selector": {"matchLabels": {"app": format!("app-{app}"), "pod-template-hash": hash}},
                "template": {"metadata": {"labels": {"app": format!("app-{app}"), "pod-template-hash": hash}},
                             "spec": group.first().map(|p| p["spec"].clone()).unwrap_or_default()},
            },
        });
        if let Some(t) = rs
            .pointer_mut("/spec/template/spec")
            .and_then(Value::as_object_mut)
        {
            t.remove("nodeName");
        }
        let refs: Vec<&Value> = group.iter().collect();
        rs["status"] = replicaset::status(&rs, &refs);
        replicasets.push(rs);
        pods.extend(group);
    }
    written += store.insert_bulk(&gr::replicasets(), replicasets);
    written += store.insert_bulk(&gr::pods(), pods);
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::runtime::{PassState, pass};

    #[test]
    fn a_loaded_scale_cluster_is_quiet_for_the_controllers() {
        let store = Store::new();
        load(
            &store,
            &ScaleSpec {
                pods: 1000,
                nodes: 10,
                namespaces: 3,
            },
            Timestamp::now(),
        );
        assert_eq!(store.count(&gr::pods()), 1000);
        assert_eq!(store.count(&gr::replicasets()), 50);
        let rv = store.resource_version();
        let mut state = PassState::default();
        let actions = pass(&store, Timestamp::now(), &mut state);
        assert_eq!(actions, 0, "controllers agree with the loaded state");
        assert_eq!(store.resource_version(), rv, "nothing was written");
        assert!(!state.timed_work, "nothing changes with time alone");
    }

    #[test]
    fn scale_pods_spread_over_nodes_and_namespaces_with_owners() {
        let store = Store::new();
        load(
            &store,
            &ScaleSpec {
                pods: 100,
                nodes: 4,
                namespaces: 2,
            },
            Timestamp::now(),
        );
        let pods = store.list(&gr::pods(), Some("load-1"));
        assert_eq!(
            pods.len(),
            40,
            "groups of 20 alternate between the two namespaces"
        );
        let nodes: std::collections::BTreeSet<&str> = pods
            .iter()
            .map(|p| meta::str_at(p.value(), &["spec", "nodeName"]))
            .collect();
        assert_eq!(nodes.len(), 4);
        let owner = meta::controller_uid(pods[0].value()).unwrap_or_default();
        assert!(
            store
                .list(&gr::replicasets(), None)
                .iter()
                .any(|rs| rs.uid() == owner)
        );
    }

    #[test]
    fn a_change_in_one_namespace_is_reconciled_by_a_pass_over_that_namespace() {
        use crate::controllers::runtime::{Scope, pass_in};
        let store = Store::new();
        load(
            &store,
            &ScaleSpec {
                pods: 1000,
                nodes: 10,
                namespaces: 5,
            },
            Timestamp::now(),
        );
        let victim = store.list(&gr::pods(), Some("load-3"))[0]
            .name()
            .to_string();
        store
            .delete(
                &gr::pods(),
                "load-3",
                &victim,
                &crate::storage::DeleteOptions::default(),
            )
            .expect("delete a pod");
        let mut state = PassState::default();
        let scope = Scope::Namespaces(["load-3".to_string()].into());
        pass_in(&store, Timestamp::now(), &mut state, &scope);
        assert_eq!(
            store.count(&gr::pods()),
            1000,
            "the ReplicaSet replaced its pod"
        );
        pass_in(&store, Timestamp::now(), &mut state, &scope);
        let replacement = store
            .list(&gr::pods(), Some("load-3"))
            .iter()
            .find(|p| meta::str_at(p.value(), &["status", "phase"]) == "Pending")
            .map(|p| p.value().clone())
            .expect("a new pod");
        assert!(
            !meta::str_at(&replacement, &["spec", "nodeName"]).is_empty(),
            "and it was scheduled"
        );
        pass_in(&store, Timestamp::now(), &mut state, &scope);
        assert_eq!(
            state.timed_namespaces.iter().collect::<Vec<_>>(),
            ["load-3"],
            "only that namespace has timed work"
        );
    }
}
