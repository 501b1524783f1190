//! What the workload controllers share: pods made from templates, and pod counts.

use serde_json::{Value, json};

use super::meta;

/// A pod for `owner` from its pod template, with `generateName` (or a fixed `name`) and
/// extra labels. The owner's namespace and a controller ownerReference are set.
pub fn pod_from_template(
    owner: &Value,
    template: &Value,
    name: PodName<'_>,
    extra_labels: &[(&str, &str)],
) -> Value {
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": template.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    });
    meta::set_at(
        &mut pod,
        &["metadata", "namespace"],
        json!(meta::namespace(owner)),
    );
    match name {
        PodName::Generate(prefix) => {
            meta::set_at(&mut pod, &["metadata", "generateName"], json!(prefix))
        }
        PodName::Fixed(n) => meta::set_at(&mut pod, &["metadata", "name"], json!(n)),
    }
    for (k, v) in extra_labels {
        meta::set_at(&mut pod, &["metadata", "labels", k], json!(v));
    }
    meta::set_at(
        &mut pod,
        &["metadata", "ownerReferences"],
        json!([meta::controller_ref(owner)]),
    );
    for (k, v) in [
        ("restartPolicy", json!("Always")),
        ("dnsPolicy", json!("ClusterFirst")),
        ("schedulerName", json!("default-scheduler")),
        ("terminationGracePeriodSeconds", json!(30)),
        ("serviceAccountName", json!("default")),
        ("serviceAccount", json!("default")),
        ("securityContext", json!({})),
        ("enableServiceLinks", json!(true)),
        ("priority", json!(0)),
    ] {
        if meta::at(&pod, &["spec", k]).is_none() {
            meta::set_at(&mut pod, &["spec", k], v);
        }
    }
    let qos = super::kubelet::qos_class(&pod);
    meta::set_at(
        &mut pod,
        &["status"],
        json!({"phase": "Pending", "qosClass": qos}),
    );
    pod
}

/// How a created pod is named.
#[derive(Debug, Clone, Copy)]
pub enum PodName<'a> {
    /// `metadata.generateName`: the store appends five random characters.
    Generate(&'a str),
    /// A fixed name (StatefulSet ordinals).
    Fixed(&'a str),
}

/// Whether a pod counts as ready (its Ready condition is True).
pub fn pod_ready(pod: &Value) -> bool {
    meta::at(pod, &["status", "conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Whether a pod is alive for its controller: not finished and not being deleted.
pub fn pod_active(pod: &Value) -> bool {
    !meta::is_terminating(pod)
        && !matches!(
            meta::str_at(pod, &["status", "phase"]),
            "Succeeded" | "Failed"
        )
}

/// `spec.replicas`, defaulting to 1 as the API server does.
pub fn replicas(obj: &Value) -> i64 {
    meta::i64_at(obj, &["spec", "replicas"]).unwrap_or(1)
}

/// The order in which surplus pods are removed: unscheduled, then not running, then not
/// ready, then the youngest first (as the ReplicaSet controller ranks them).
pub fn deletion_rank(pod: &Value) -> (u8, u8, u8, std::cmp::Reverse<String>) {
    let scheduled = !meta::str_at(pod, &["spec", "nodeName"]).is_empty();
    let running = meta::str_at(pod, &["status", "phase"]) == "Running";
    (
        u8::from(scheduled),
        u8::from(running),
        u8::from(pod_ready(pod)),
        std::cmp::Reverse(meta::str_at(pod, &["metadata", "creationTimestamp"]).to_string()),
    )
}
