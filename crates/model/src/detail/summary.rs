//! Per-kind summaries of an object: containers (image, ports, env, resources, probes, mounts),
//! replicas, service ports, node taints. Secret values are never read here: an env var from a
//! Secret is a reference (`from.kind = "Secret"`) that the server may fill in on request.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use crate::pod::status_reason;

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

/// A container of a pod, or of a workload's pod template (without status).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub image_pull_policy: Option<String>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// `null` in a template, or before the kubelet reported it.
    pub state: Option<ContainerState>,
    pub last_state: Option<ContainerState>,
    pub ready: Option<bool>,
    pub restart_count: Option<i64>,
    pub ports: Vec<ContainerPort>,
    pub env: Vec<EnvVar>,
    pub env_from: Vec<EnvFrom>,
    pub resources: ContainerResources,
    pub probes: Probes,
    pub mounts: Vec<Mount>,
}

/// A container's state (`{"running": {…}}` in the pod's status) in one shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    /// `running`, `waiting` or `terminated`.
    pub state: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub started_at: Option<String>,
    pub exit_code: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: i64,
    pub protocol: String,
}

/// An environment variable: a value, or where it comes from. A Secret's value is `null` (and
/// `revealed` false) unless the person asked for it and may read the Secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EnvVar {
    pub name: String,
    /// The value as written; absent for a reference other than a Secret's.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | null")]
    pub value: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from: Option<EnvSource>,
    /// A Secret's value only: whether `value` was filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub revealed: Option<bool>,
}

/// Where an environment variable's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EnvSource {
    pub kind: EnvSourceKind,
    /// The ConfigMap or Secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    /// The key in the ConfigMap or Secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub key: Option<String>,
    /// A field's path, or a resource field's resource (`limits.cpu`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub path: Option<String>,
    /// A resource field's container.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub container: Option<String>,
}

/// What an environment variable (or `envFrom`) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub enum EnvSourceKind {
    Secret,
    ConfigMap,
    /// The pod's own fields (`metadata.name`).
    Field,
    /// The container's requests or limits.
    ResourceField,
    Unknown,
}

/// All keys of a ConfigMap or Secret as environment variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EnvFrom {
    pub kind: EnvSourceKind,
    pub name: Option<String>,
    pub prefix: Option<String>,
    pub optional: bool,
}

/// Requests and limits, as quantities written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ContainerResources {
    pub requests: BTreeMap<String, String>,
    pub limits: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Probes {
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
}

/// A probe: what it runs (`httpGet :8080/ready`), and its timing with Kubernetes' defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    pub handler: String,
    pub initial_delay_seconds: u64,
    pub period_seconds: u64,
    pub timeout_seconds: u64,
    pub failure_threshold: u64,
    pub success_threshold: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Mount {
    pub name: String,
    pub mount_path: String,
    pub read_only: bool,
    pub sub_path: Option<String>,
}

/// A volume: its name, its type (`persistentVolumeClaim`, `configMap`…) and what it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Volume {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    /// The claim, ConfigMap, Secret or host path; `null` for other types.
    pub source: Option<String>,
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

fn arr<'a>(value: &'a Value, pointer: &str) -> &'a [Value] {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn int(value: &Value, pointer: &str) -> Option<i64> {
    value.pointer(pointer).and_then(Value::as_i64)
}

fn flag(value: &Value, pointer: &str) -> Option<bool> {
    value.pointer(pointer).and_then(Value::as_bool)
}

/// A map of strings (labels, a node selector, capacity); `None` when it is not there.
fn strings(value: &Value, pointer: &str) -> Option<BTreeMap<String, String>> {
    value.pointer(pointer).and_then(Value::as_object).map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect()
    })
}

/// A part of the object as it is written; `None` when it is not there.
fn written(value: &Value, pointer: &str) -> Option<Value> {
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

/// A container state (`{"running":{…}}`) as `{"state","reason","message","startedAt","exitCode"}`.
fn state(state: Option<&Value>) -> Option<ContainerState> {
    let (name, detail) = state.and_then(Value::as_object)?.iter().next()?;
    Some(ContainerState {
        state: name.clone(),
        reason: text(detail, "/reason"),
        message: text(detail, "/message"),
        started_at: text(detail, "/startedAt"),
        exit_code: int(detail, "/exitCode"),
    })
}

fn containers(specs: &[Value], statuses: &[Value]) -> Vec<Container> {
    let texts = |c: &Value, pointer: &str| -> Vec<String> {
        arr(c, pointer)
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    specs
        .iter()
        .map(|c| {
            let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
            let status = statuses
                .iter()
                .find(|s| s.get("name").and_then(Value::as_str) == Some(name));
            Container {
                name: name.to_string(),
                image: text(c, "/image"),
                image_pull_policy: text(c, "/imagePullPolicy"),
                command: texts(c, "/command"),
                args: texts(c, "/args"),
                state: state(status.and_then(|s| s.get("state"))),
                last_state: state(status.and_then(|s| s.get("lastState"))),
                ready: status.and_then(|s| flag(s, "/ready")),
                restart_count: status.and_then(|s| int(s, "/restartCount")),
                ports: arr(c, "/ports")
                    .iter()
                    .map(|p| ContainerPort {
                        name: text(p, "/name"),
                        container_port: int(p, "/containerPort").unwrap_or_default(),
                        protocol: text(p, "/protocol").unwrap_or_else(|| "TCP".into()),
                    })
                    .collect(),
                env: arr(c, "/env").iter().map(env).collect(),
                env_from: arr(c, "/envFrom").iter().map(env_from).collect(),
                resources: ContainerResources {
                    requests: strings(c, "/resources/requests").unwrap_or_default(),
                    limits: strings(c, "/resources/limits").unwrap_or_default(),
                },
                probes: Probes {
                    liveness: probe(c.get("livenessProbe")),
                    readiness: probe(c.get("readinessProbe")),
                    startup: probe(c.get("startupProbe")),
                },
                mounts: arr(c, "/volumeMounts")
                    .iter()
                    .map(|m| Mount {
                        name: text(m, "/name").unwrap_or_default(),
                        mount_path: text(m, "/mountPath").unwrap_or_default(),
                        read_only: flag(m, "/readOnly").unwrap_or(false),
                        sub_path: text(m, "/subPath"),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn env(var: &Value) -> EnvVar {
    let name = text(var, "/name").unwrap_or_default();
    let Some(from) = var.get("valueFrom") else {
        return EnvVar {
            name,
            value: Some(Some(text(var, "/value").unwrap_or_default())),
            from: None,
            revealed: None,
        };
    };
    let source = |kind| EnvSource {
        kind,
        name: None,
        key: None,
        path: None,
        container: None,
    };
    let reference = if let Some(r) = from.get("secretKeyRef") {
        EnvSource {
            name: text(r, "/name"),
            key: text(r, "/key"),
            ..source(EnvSourceKind::Secret)
        }
    } else if let Some(r) = from.get("configMapKeyRef") {
        EnvSource {
            name: text(r, "/name"),
            key: text(r, "/key"),
            ..source(EnvSourceKind::ConfigMap)
        }
    } else if let Some(r) = from.get("fieldRef") {
        EnvSource {
            path: text(r, "/fieldPath"),
            ..source(EnvSourceKind::Field)
        }
    } else if let Some(r) = from.get("resourceFieldRef") {
        EnvSource {
            path: text(r, "/resource"),
            container: text(r, "/containerName"),
            ..source(EnvSourceKind::ResourceField)
        }
    } else {
        source(EnvSourceKind::Unknown)
    };
    let secret = reference.kind == EnvSourceKind::Secret;
    EnvVar {
        name,
        value: secret.then_some(None),
        from: Some(reference),
        revealed: secret.then_some(false),
    }
}

fn env_from(from: &Value) -> EnvFrom {
    let (kind, reference) = match (from.get("configMapRef"), from.get("secretRef")) {
        (Some(r), _) => (EnvSourceKind::ConfigMap, r),
        (None, Some(r)) => (EnvSourceKind::Secret, r),
        _ => (EnvSourceKind::Unknown, &Value::Null),
    };
    EnvFrom {
        kind,
        name: text(reference, "/name"),
        prefix: text(from, "/prefix"),
        optional: flag(reference, "/optional").unwrap_or(false),
    }
}

fn probe(probe: Option<&Value>) -> Option<Probe> {
    let probe = probe?;
    let port = |v: Option<&Value>| v.map(|p| p.to_string().trim_matches('"').to_string());
    let handler = if let Some(get) = probe.get("httpGet") {
        format!(
            "httpGet {}:{}{}",
            get.get("scheme")
                .and_then(Value::as_str)
                .map(|s| s.to_lowercase() + "://")
                .unwrap_or_default(),
            port(get.get("port")).unwrap_or_default(),
            get.get("path").and_then(Value::as_str).unwrap_or("/")
        )
    } else if let Some(tcp) = probe.get("tcpSocket") {
        format!("tcpSocket :{}", port(tcp.get("port")).unwrap_or_default())
    } else if let Some(exec) = probe.get("exec") {
        let command: Vec<&str> = arr(exec, "/command")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        format!("exec {}", command.join(" "))
    } else if let Some(grpc) = probe.get("grpc") {
        format!("grpc :{}", port(grpc.get("port")).unwrap_or_default())
    } else {
        "unknown".to_string()
    };
    let or = |key: &str, default: u64| probe.get(key).and_then(Value::as_u64).unwrap_or(default);
    Some(Probe {
        handler,
        initial_delay_seconds: or("initialDelaySeconds", 0),
        period_seconds: or("periodSeconds", 10),
        timeout_seconds: or("timeoutSeconds", 1),
        failure_threshold: or("failureThreshold", 3),
        success_threshold: or("successThreshold", 1),
    })
}

fn volumes(volumes: &[Value]) -> Vec<Volume> {
    volumes
        .iter()
        .map(|v| {
            let kind = v
                .as_object()
                .and_then(|m| m.keys().find(|k| k.as_str() != "name"))
                .cloned()
                .unwrap_or_default();
            let source = match kind.as_str() {
                "persistentVolumeClaim" => text(v, "/persistentVolumeClaim/claimName"),
                "configMap" => text(v, "/configMap/name"),
                "secret" => text(v, "/secret/secretName"),
                "hostPath" => text(v, "/hostPath/path"),
                _ => None,
            };
            Volume {
                name: text(v, "/name"),
                kind,
                source,
            }
        })
        .collect()
}

/// The env vars of a summary taken from Secrets: `(container list, container index, env index,
/// secret name, key)`, so the server can fill in values it may reveal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEnv {
    pub list: &'static str,
    pub container: usize,
    pub env: usize,
    pub secret: String,
    pub key: String,
}

/// Where a summary holds env vars from Secrets.
pub fn secret_env_refs(summary: &Summary) -> Vec<SecretEnv> {
    let mut out = Vec::new();
    for (list, containers) in summary.containers() {
        for (ci, container) in containers.iter().enumerate() {
            for (ei, env) in container.env.iter().enumerate() {
                if let Some(EnvSource {
                    kind: EnvSourceKind::Secret,
                    name: Some(secret),
                    key: Some(key),
                    ..
                }) = &env.from
                {
                    out.push(SecretEnv {
                        list,
                        container: ci,
                        env: ei,
                        secret: secret.clone(),
                        key: key.clone(),
                    });
                }
            }
        }
    }
    out
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
