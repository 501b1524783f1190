//! Per-kind summaries of an object: containers (image, ports, env, resources, probes, mounts),
//! replicas, service ports, node taints. Secret values are never read here: an env var from a
//! Secret is a reference (`from.kind = "Secret"`) that the server may fill in on request.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::pod::status_reason;

pub use super::containers::*;
use super::containers::{containers, volumes};

/// The pod spec of a pod or of a workload's pod template; `None` for other kinds.
pub fn pod_spec_of<'a>(kind: &str, object: &'a Value) -> Option<&'a Value> {
    let pointer = match kind {
        "Pod" => "/spec",
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => "/spec/template/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => return None,
    };
    object.pointer(pointer)
}

/// The per-kind part of a detail, `type` naming the kind.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "type")]
pub enum Summary {
    Pod(PodDetail),
    Deployment(WorkloadDetail),
    StatefulSet(WorkloadDetail),
    DaemonSet(WorkloadDetail),
    ReplicaSet(WorkloadDetail),
    Job(WorkloadDetail),
    CronJob(WorkloadDetail),
    ReplicationController(WorkloadDetail),
    Service(ServiceDetail),
    Node(NodeDetail),
}

impl Summary {
    /// The containers of a pod or a workload's template in `list` (`containers` or
    /// `initContainers`); none for other kinds.
    pub fn containers_mut(&mut self, list: &str) -> Option<&mut Vec<Container>> {
        let (init, containers) = match self {
            Summary::Pod(pod) => (&mut pod.init_containers, &mut pod.containers),
            Summary::Deployment(w)
            | Summary::StatefulSet(w)
            | Summary::DaemonSet(w)
            | Summary::ReplicaSet(w)
            | Summary::Job(w)
            | Summary::CronJob(w)
            | Summary::ReplicationController(w) => (&mut w.init_containers, &mut w.containers),
            Summary::Service(_) | Summary::Node(_) => return None,
        };
        match list {
            "initContainers" => Some(init),
            "containers" => Some(containers),
            _ => None,
        }
    }

    /// The containers of a pod or a workload's template, init containers first, with the name
    /// of their list; none for other kinds.
    pub fn containers(&self) -> Vec<(&'static str, &[Container])> {
        let (init, containers) = match self {
            Summary::Pod(pod) => (&pod.init_containers, &pod.containers),
            Summary::Deployment(w)
            | Summary::StatefulSet(w)
            | Summary::DaemonSet(w)
            | Summary::ReplicaSet(w)
            | Summary::Job(w)
            | Summary::CronJob(w)
            | Summary::ReplicationController(w) => (&w.init_containers, &w.containers),
            Summary::Service(_) | Summary::Node(_) => return Vec::new(),
        };
        vec![("initContainers", init), ("containers", containers)]
    }
}

/// A pod's summary.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PodDetail {
    pub phase: Option<String>,
    /// The STATUS `kubectl get pods` prints (`CrashLoopBackOff`).
    pub status: Option<String>,
    pub node: Option<String>,
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
    #[serde(rename = "hostIP")]
    pub host_ip: Option<String>,
    pub qos_class: Option<String>,
    pub service_account: Option<String>,
    /// Restarts of its containers, summed.
    pub restarts: u64,
    pub init_containers: Vec<Container>,
    pub containers: Vec<Container>,
    pub volumes: Vec<Volume>,
    /// The spec's tolerations as written.
    #[ts(type = "Array<Record<string, unknown>> | null")]
    pub tolerations: Option<Value>,
    pub node_selector: Option<BTreeMap<String, String>>,
}

/// A workload's summary: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or
/// ReplicationController; what does not apply to its kind is `null`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadDetail {
    /// `null` for a CronJob.
    pub replicas: Option<Replicas>,
    /// The selector's `matchLabels`, else the selector as written.
    #[ts(type = "Record<string, unknown> | null")]
    pub selector: Option<Value>,
    /// The update strategy's type, or a CronJob's concurrency policy.
    pub strategy: Option<String>,
    pub paused: Option<bool>,
    pub suspend: Option<bool>,
    pub schedule: Option<String>,
    pub last_schedule_time: Option<String>,
    /// A Deployment's revision (its annotation).
    pub revision: Option<String>,
    pub init_containers: Vec<Container>,
    pub containers: Vec<Container>,
    pub volumes: Vec<Volume>,
}

/// A workload's replica counts, as its status reports them (a Job: completions, active, ready,
/// succeeded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Replicas {
    pub desired: Option<i64>,
    pub current: Option<i64>,
    pub ready: Option<i64>,
    pub updated: Option<i64>,
    pub available: Option<i64>,
}

/// A Service's summary.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDetail {
    pub service_type: Option<String>,
    #[serde(rename = "clusterIP")]
    pub cluster_ip: Option<String>,
    #[serde(rename = "externalIPs")]
    pub external_ips: Vec<String>,
    /// `status.loadBalancer.ingress` as written.
    #[ts(type = "Array<Record<string, unknown>>")]
    pub load_balancer_ingress: Value,
    pub ports: Vec<ServicePort>,
    pub selector: Option<BTreeMap<String, String>>,
}

/// One port of a Service.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: Option<i64>,
    /// A number, or the name of a container's port.
    #[ts(type = "number | string | null")]
    pub target_port: Option<Value>,
    pub node_port: Option<i64>,
    pub protocol: Option<String>,
}

/// A Node's summary.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NodeDetail {
    pub unschedulable: bool,
    /// `spec.taints` as written.
    #[ts(type = "Array<Record<string, unknown>>")]
    pub taints: Value,
    /// `status.addresses` as written (`{type, address}`).
    #[ts(type = "Array<Record<string, unknown>>")]
    pub addresses: Value,
    pub capacity: Option<BTreeMap<String, String>>,
    pub allocatable: Option<BTreeMap<String, String>>,
    /// `status.nodeInfo` as written.
    #[ts(type = "Record<string, unknown> | null")]
    pub node_info: Option<Value>,
    #[serde(rename = "podCIDR")]
    pub pod_cidr: Option<String>,
}

/// The summary of an object of `kind`, or `None` for kinds without one.
pub fn summary(kind: &str, object: &Value) -> Option<Summary> {
    Some(match kind {
        "Pod" => Summary::Pod(pod(object)),
        "Deployment" => Summary::Deployment(workload(kind, object)),
        "StatefulSet" => Summary::StatefulSet(workload(kind, object)),
        "DaemonSet" => Summary::DaemonSet(workload(kind, object)),
        "ReplicaSet" => Summary::ReplicaSet(workload(kind, object)),
        "Job" => Summary::Job(workload(kind, object)),
        "CronJob" => Summary::CronJob(workload(kind, object)),
        "ReplicationController" => Summary::ReplicationController(workload(kind, object)),
        "Service" => Summary::Service(service(object)),
        "Node" => Summary::Node(node(object)),
        _ => return None,
    })
}

pub(super) fn arr<'a>(value: &'a Value, pointer: &str) -> &'a [Value] {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

pub(super) fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

pub(super) fn int(value: &Value, pointer: &str) -> Option<i64> {
    value.pointer(pointer).and_then(Value::as_i64)
}

pub(super) fn flag(value: &Value, pointer: &str) -> Option<bool> {
    value.pointer(pointer).and_then(Value::as_bool)
}

/// A map of strings (labels, a node selector, capacity); `None` when it is not there.
pub(super) fn strings(value: &Value, pointer: &str) -> Option<BTreeMap<String, String>> {
    value.pointer(pointer).and_then(Value::as_object).map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect()
    })
}

/// A part of the object as it is written; `None` when it is not there.
pub(super) fn written(value: &Value, pointer: &str) -> Option<Value> {
    value.pointer(pointer).filter(|v| !v.is_null()).cloned()
}

fn pod(object: &Value) -> PodDetail {
    let spec = object.get("spec").cloned().unwrap_or(Value::Null);
    let status_text = serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(object.clone())
        .ok()
        .map(|p| status_reason(&p));
    let statuses = arr(object, "/status/containerStatuses");
    let init_statuses = arr(object, "/status/initContainerStatuses");
    let restarts: u64 = statuses
        .iter()
        .filter_map(|s| s.get("restartCount").and_then(Value::as_u64))
        .sum();
    PodDetail {
        phase: text(object, "/status/phase"),
        status: status_text,
        node: text(&spec, "/nodeName"),
        pod_ip: text(object, "/status/podIP"),
        host_ip: text(object, "/status/hostIP"),
        qos_class: text(object, "/status/qosClass"),
        service_account: text(&spec, "/serviceAccountName"),
        restarts,
        init_containers: containers(arr(&spec, "/initContainers"), init_statuses),
        containers: containers(arr(&spec, "/containers"), statuses),
        volumes: volumes(arr(&spec, "/volumes")),
        tolerations: written(&spec, "/tolerations"),
        node_selector: strings(&spec, "/nodeSelector"),
    }
}

fn workload(kind: &str, object: &Value) -> WorkloadDetail {
    let spec = pod_spec_of(kind, object).cloned().unwrap_or(Value::Null);
    let status = object.get("status").cloned().unwrap_or(Value::Null);
    let replicas = match kind {
        "DaemonSet" => Some(Replicas {
            desired: int(&status, "/desiredNumberScheduled"),
            current: int(&status, "/currentNumberScheduled"),
            ready: int(&status, "/numberReady"),
            updated: int(&status, "/updatedNumberScheduled"),
            available: int(&status, "/numberAvailable"),
        }),
        "Job" => Some(Replicas {
            desired: int(object, "/spec/completions"),
            current: int(&status, "/active"),
            ready: int(&status, "/ready"),
            updated: None,
            available: int(&status, "/succeeded"),
        }),
        "CronJob" => None,
        _ => Some(Replicas {
            desired: int(object, "/spec/replicas"),
            current: int(&status, "/replicas"),
            ready: int(&status, "/readyReplicas"),
            updated: int(&status, "/updatedReplicas"),
            available: int(&status, "/availableReplicas"),
        }),
    };
    let strategy = [
        "/spec/strategy/type",
        "/spec/updateStrategy/type",
        "/spec/concurrencyPolicy",
    ]
    .iter()
    .find_map(|p| object.pointer(p))
    .and_then(Value::as_str)
    .map(str::to_string);
    WorkloadDetail {
        replicas,
        selector: object
            .pointer("/spec/selector/matchLabels")
            .or_else(|| object.pointer("/spec/selector"))
            .filter(|v| !v.is_null())
            .cloned(),
        strategy,
        paused: flag(object, "/spec/paused"),
        suspend: flag(object, "/spec/suspend"),
        schedule: text(object, "/spec/schedule"),
        last_schedule_time: text(object, "/status/lastScheduleTime"),
        revision: text(
            object,
            "/metadata/annotations/deployment.kubernetes.io~1revision",
        ),
        init_containers: containers(arr(&spec, "/initContainers"), &[]),
        containers: containers(arr(&spec, "/containers"), &[]),
        volumes: volumes(arr(&spec, "/volumes")),
    }
}

fn service(object: &Value) -> ServiceDetail {
    let ports = arr(object, "/spec/ports")
        .iter()
        .map(|p| ServicePort {
            name: text(p, "/name"),
            port: int(p, "/port"),
            target_port: written(p, "/targetPort"),
            node_port: int(p, "/nodePort"),
            protocol: text(p, "/protocol"),
        })
        .collect();
    ServiceDetail {
        service_type: text(object, "/spec/type"),
        cluster_ip: text(object, "/spec/clusterIP"),
        external_ips: arr(object, "/spec/externalIPs")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        load_balancer_ingress: Value::Array(arr(object, "/status/loadBalancer/ingress").to_vec()),
        ports,
        selector: strings(object, "/spec/selector"),
    }
}

fn node(object: &Value) -> NodeDetail {
    NodeDetail {
        unschedulable: flag(object, "/spec/unschedulable").unwrap_or(false),
        taints: Value::Array(arr(object, "/spec/taints").to_vec()),
        addresses: Value::Array(arr(object, "/status/addresses").to_vec()),
        capacity: strings(object, "/status/capacity"),
        allocatable: strings(object, "/status/allocatable"),
        node_info: written(object, "/status/nodeInfo"),
        pod_cidr: text(object, "/spec/podCIDR"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod_object() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "api-1", "namespace": "shop"},
            "spec": {"nodeName": "worker-1", "containers": [{
                "name": "api", "image": "api:1",
                "ports": [{"name": "http", "containerPort": 8080}],
                "env": [{"name": "MODE", "value": "prod"},
                        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
                "resources": {"requests": {"cpu": "100m"}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]
            }], "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "api", "ready": true, "restartCount": 2,
                        "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}
        })
    }

    #[test]
    fn a_pod_summary_shows_containers_with_secret_env_as_references() {
        let summary = summary("Pod", &pod_object()).expect("pods have a summary");
        let summary = serde_json::to_value(summary).expect("json");
        assert_eq!(summary["status"], "Running");
        assert_eq!(summary["restarts"], 2);
        let container = &summary["containers"][0];
        assert_eq!(container["image"], "api:1");
        assert_eq!(container["state"]["state"], "running");
        assert_eq!(container["ports"][0]["protocol"], "TCP");
        assert_eq!(container["env"][0]["value"], "prod");
        assert_eq!(container["env"][1]["from"]["kind"], "Secret");
        assert_eq!(container["env"][1]["value"], Value::Null);
        assert_eq!(
            container["probes"]["readiness"]["handler"],
            "httpGet :8080/ready"
        );
        assert_eq!(container["mounts"][0]["mountPath"], "/data");
        assert_eq!(summary["volumes"][0]["type"], "persistentVolumeClaim");
        assert_eq!(summary["volumes"][0]["source"], "data");
    }

    #[test]
    fn secret_env_refs_point_at_the_entries_to_reveal() {
        let summary = summary("Pod", &pod_object()).expect("summary");
        assert_eq!(
            secret_env_refs(&summary),
            vec![SecretEnv {
                list: "containers",
                container: 0,
                env: 1,
                secret: "db".into(),
                key: "password".into()
            }]
        );
    }

    #[test]
    fn a_deployment_summary_counts_replicas_from_its_status() {
        let deployment = json!({"kind": "Deployment", "spec": {"replicas": 3, "strategy": {"type": "RollingUpdate"},
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}},
            "status": {"replicas": 3, "readyReplicas": 2}});
        let summary = summary("Deployment", &deployment).expect("summary");
        let summary = serde_json::to_value(summary).expect("json");
        assert_eq!(summary["replicas"]["desired"], 3);
        assert_eq!(summary["replicas"]["ready"], 2);
        assert_eq!(summary["strategy"], "RollingUpdate");
        assert_eq!(summary["selector"]["app"], "web");
        assert_eq!(summary["containers"][0]["image"], "nginx");
    }

    #[test]
    fn kinds_without_a_summary_have_none() {
        assert!(summary("ConfigMap", &json!({})).is_none());
    }
}
