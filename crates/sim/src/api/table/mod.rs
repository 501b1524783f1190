//! Renders objects as `meta.k8s.io/v1` Tables, the server-side printing `kubectl get` asks for,
//! with the columns kube-apiserver prints for each kind.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::storage::ResourceInfo;
use crate::storage::{StoredObject, str_at};

/// One column: name, type, format, priority (1 = only with `-o wide`), description.
struct Column(&'static str, &'static str, &'static str, u8, &'static str);

const NAME_DESC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DESC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

fn columns(info: &ResourceInfo) -> Vec<Column> {
    let name = Column("Name", "string", "name", 0, NAME_DESC);
    let age = Column("Age", "string", "", 0, AGE_DESC);
    let c = |n, p, d| Column(n, "string", "", p, d);
    let i = |n, p, d| Column(n, "integer", "", p, d);
    let kind = (info.group.as_str(), info.plural.as_str());
    let mut columns = match kind {
        ("", "pods") => vec![
            name,
            c(
                "Ready",
                0,
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            c(
                "Status",
                0,
                "The aggregate status of the containers in this pod.",
            ),
            c(
                "Restarts",
                0,
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            age,
            c(
                "IP",
                1,
                "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
            ),
            c(
                "Node",
                1,
                "NodeName indicates in which node this pod is scheduled.",
            ),
            c(
                "Nominated Node",
                1,
                "nominatedNodeName is set only when this pod preempts other pods on the node.",
            ),
            c(
                "Readiness Gates",
                1,
                "If specified, all readiness gates will be evaluated for pod readiness.",
            ),
        ],
        ("", "nodes") => vec![
            name,
            c("Status", 0, "The status of the node"),
            c("Roles", 0, "The roles of the node"),
            age,
            c("Version", 0, "Kubelet Version reported by the node."),
            c(
                "Internal-IP",
                1,
                "List of addresses reachable to the node. Queried from cloud provider, if available.",
            ),
            c(
                "External-IP",
                1,
                "List of addresses reachable to the node. Queried from cloud provider, if available.",
            ),
            c(
                "OS-Image",
                1,
                "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
            ),
            c(
                "Kernel-Version",
                1,
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            ),
            c(
                "Container-Runtime",
                1,
                "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
            ),
        ],
        ("", "namespaces") => vec![name, c("Status", 0, "The status of the namespace"), age],
        ("", "services") => vec![
            name,
            c("Type", 0, "type determines how the Service is exposed."),
            c(
                "Cluster-IP",
                0,
                "clusterIP is the IP address of the service.",
            ),
            c(
                "External-IP",
                0,
                "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
            ),
            c(
                "Port(s)",
                0,
                "The list of ports that are exposed by this service.",
            ),
            age,
            c(
                "Selector",
                1,
                "Route service traffic to pods with label keys and values matching this selector.",
            ),
        ],
        ("", "configmaps") => vec![
            name,
            i("Data", 0, "Data contains the configuration data."),
            age,
        ],
        ("", "secrets") => vec![
            name,
            c(
                "Type",
                0,
                "Used to facilitate programmatic handling of secret data.",
            ),
            i("Data", 0, "Data contains the secret data."),
            age,
        ],
        ("", "serviceaccounts") => vec![name, age],
        ("", "endpoints") => vec![name, c("Endpoints", 0, "Endpoints of the service"), age],
        ("", "events") => vec![
            c(
                "Last Seen",
                0,
                "The time at which the most recent occurrence of this event was recorded.",
            ),
            c(
                "Type",
                0,
                "Type of this event (Normal, Warning), new types could be added in the future.",
            ),
            c(
                "Reason",
                0,
                "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
            ),
            c("Object", 0, "The object that this event is about."),
            c(
                "Message",
                0,
                "A human-readable description of the status of this operation.",
            ),
        ],
        ("", "persistentvolumeclaims") => vec![
            name,
            c("Status", 0, "The phase of the claim"),
            c("Volume", 0, "The bound volume"),
            c("Capacity", 0, "The capacity of the volume"),
            c("Access Modes", 0, "The access modes"),
            c("StorageClass", 0, "The storage class"),
            c("VolumeAttributesClass", 0, "The volume attributes class"),
            age,
            c("VolumeMode", 1, "The volume mode"),
        ],
        ("", "persistentvolumes") => vec![
            name,
            c("Capacity", 0, "The capacity of the volume"),
            c("Access Modes", 0, "The access modes"),
            c("Reclaim Policy", 0, "The reclaim policy"),
            c("Status", 0, "The phase of the volume"),
            c("Claim", 0, "The bound claim"),
            c("StorageClass", 0, "The storage class"),
            c("VolumeAttributesClass", 0, "The volume attributes class"),
            c("Reason", 0, "The reason"),
            age,
        ],
        ("apps", "deployments") => vec![
            name,
            c("Ready", 0, "Number of the pod with ready state"),
            i(
                "Up-to-date",
                0,
                "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
            ),
            i(
                "Available",
                0,
                "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
            ),
            age,
        ],
        ("apps", "replicasets") => vec![
            name,
            i("Desired", 0, "Number of desired pods."),
            i("Current", 0, "Number of actual running pods."),
            i("Ready", 0, "Number of pods ready."),
            age,
        ],
        ("apps", "statefulsets") => vec![
            name,
            c("Ready", 0, "Number of the pod with ready state"),
            age,
            c("Containers", 1, "Names of each container in the template."),
            c(
                "Images",
                1,
                "Images referenced by each container in the template.",
            ),
        ],
        ("apps", "daemonsets") => vec![
            name,
            i(
                "Desired",
                0,
                "The total number of nodes that should be running the daemon pod.",
            ),
            i(
                "Current",
                0,
                "The number of nodes running at least one daemon pod.",
            ),
            i(
                "Ready",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
            ),
            i(
                "Up-to-date",
                0,
                "The total number of nodes that are running updated daemon pod.",
            ),
            i(
                "Available",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.",
            ),
            c(
                "Node Selector",
                0,
                "NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            age,
        ],
        ("batch", "jobs") => vec![
            name,
            c("Status", 0, "Status of the job."),
            c("Completions", 0, "The completion status of the job."),
            c("Duration", 0, "Time required to complete the job."),
            age,
        ],
        ("batch", "cronjobs") => vec![
            name,
            c("Schedule", 0, "The schedule in Cron format."),
            c("Timezone", 0, "The time zone name for the given schedule."),
            Column(
                "Suspend",
                "boolean",
                "",
                0,
                "Whether the cron job is suspended.",
            ),
            i("Active", 0, "The number of currently running jobs."),
            c(
                "Last Schedule",
                0,
                "Information when was the last time the job was successfully scheduled.",
            ),
            age,
        ],
        ("networking.k8s.io", "ingresses") => vec![
            name,
            c(
                "Class",
                0,
                "The name of the IngressClass resource that should be used for this Ingress.",
            ),
            c(
                "Hosts",
                0,
                "Hosts that incoming requests are matched against.",
            ),
            c(
                "Address",
                0,
                "Address is a list containing ingress points for the load-balancer.",
            ),
            c("Ports", 0, "Ports of TLS configurations that open."),
            age,
        ],
        ("policy", "poddisruptionbudgets") => vec![
            name,
            c(
                "Min Available",
                0,
                "The minimum number of pods that must be available.",
            ),
            c(
                "Max Unavailable",
                0,
                "The maximum number of pods that may be unavailable.",
            ),
            i(
                "Allowed Disruptions",
                0,
                "Calculated number of pods that may be disrupted at this time.",
            ),
            age,
        ],
        ("storage.k8s.io", "storageclasses") => vec![
            name,
            c("Provisioner", 0, "Indicates the type of the provisioner."),
            c(
                "ReclaimPolicy",
                0,
                "Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy.",
            ),
            c(
                "VolumeBindingMode",
                0,
                "VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
            ),
            Column(
                "AllowVolumeExpansion",
                "string",
                "",
                0,
                "AllowVolumeExpansion shows whether the storage class allow volume expand.",
            ),
            age,
        ],
        ("coordination.k8s.io", "leases") => {
            vec![name, c("Holder", 0, "The holder of the lease"), age]
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            vec![
                name,
                Column("Created At", "date", "", 0, "Time the CRD was created"),
            ]
        }
        _ if info.custom && !info.printer_columns.is_empty() => {
            let mut cols = vec![name];
            for pc in &info.printer_columns {
                let n = leak(pc["name"].as_str().unwrap_or(""));
                let t = leak(pc["type"].as_str().unwrap_or("string"));
                let d = leak(pc["description"].as_str().unwrap_or(""));
                let p = pc["priority"].as_u64().unwrap_or(0) as u8;
                cols.push(Column(n, t, "", p, d));
            }
            cols
        }
        _ => vec![name, age],
    };
    // Workloads with a pod template end with its containers, images and selector (`-o wide`).
    if matches!(
        kind,
        ("apps", "deployments" | "replicasets" | "daemonsets") | ("batch", "jobs" | "cronjobs")
    ) {
        columns.extend([
            c("Containers", 1, "Names of each container in the template."),
            c(
                "Images",
                1,
                "Images referenced by each container in the template.",
            ),
            c("Selector", 1, "Label selector for pods."),
        ]);
    }
    columns
}

/// Printer columns of CRDs are few and live as long as the process; leaking their strings keeps
/// the column table static.
fn leak(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static STRINGS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = STRINGS
        .get_or_init(|| Mutex::new(HashSet::new()))
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(existing) = set.get(s) {
        return existing;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// A Table of `items`. `include_object`: `None`, `Metadata` (default) or `Object`.
pub fn table(
    info: &ResourceInfo,
    items: &[Arc<StoredObject>],
    include_object: &str,
    list_meta: Value,
) -> Value {
    let cols = columns(info);
    let definitions: Vec<Value> = cols
        .iter()
        .map(|c| json!({"name": c.0, "type": c.1, "format": c.2, "description": c.4, "priority": c.3}))
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut row = json!({"cells": cells(info, o.value())});
            match include_object {
                "None" => {}
                "Object" => row["object"] = o.value().clone(),
                _ => row["object"] = crate::api::verbs::partial(o.value()),
            }
            row
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta, "columnDefinitions": definitions, "rows": rows})
}

/// Age as kubectl prints it: `12s`, `5m3s`, `3h`, `2d4h`, `45d`.
pub fn age(timestamp: &str) -> String {
    let Ok(t) = timestamp.parse::<jiff::Timestamp>() else {
        return "<unknown>".into();
    };
    let secs = (jiff::Timestamp::now().as_second() - t.as_second()).max(0);
    human_duration(secs)
}

/// kube's `HumanDuration`.
pub fn human_duration(secs: i64) -> String {
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86400);
    if secs < 120 {
        format!("{secs}s")
    } else if m < 10 {
        if secs % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", secs % 60)
        }
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        }
    } else if h < 24 * 365 * 2 {
        format!("{d}d")
    } else if h < 24 * 365 * 8 {
        let y = d / 365;
        if d % 365 == 0 {
            format!("{y}y")
        } else {
            format!("{y}y{}d", d % 365)
        }
    } else {
        format!("{}y", d / 365)
    }
}

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn n(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn or_none(text: String) -> String {
    if text.is_empty() {
        "<none>".into()
    } else {
        text
    }
}

fn template_containers(v: &Value, pointer: &str) -> (String, String) {
    let containers = v
        .pointer(pointer)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = containers
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c["image"].as_str().unwrap_or(""))
        .collect();
    (names.join(","), images.join(","))
}

fn selector_text(v: &Value, pointer: &str) -> String {
    let Some(sel) = v.pointer(pointer) else {
        return "<none>".into();
    };
    let mut parts: Vec<String> = sel["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    for e in sel["matchExpressions"].as_array().into_iter().flatten() {
        let values: Vec<&str> = e["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let key = e["key"].as_str().unwrap_or("");
        parts.push(match e["operator"].as_str().unwrap_or("") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            _ => format!("!{key}"),
        });
    }
    or_none(parts.join(","))
}

/// kubectl's pod STATUS column (reason, waiting/terminated reasons, Terminating, Init:…).
pub fn pod_status(pod: &Value) -> String {
    let mut reason = s(pod, "/status/phase").to_string();
    if !s(pod, "/status/reason").is_empty() {
        reason = s(pod, "/status/reason").to_string();
    }
    let statuses = pod
        .pointer("/status/initContainerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let init_total = pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let mut initializing = false;
    for (i, c) in statuses.iter().enumerate() {
        let terminated = &c["state"]["terminated"];
        if terminated.is_object() && terminated["exitCode"].as_i64() == Some(0) {
            continue;
        }
        initializing = true;
        reason = if terminated.is_object() {
            let r = terminated["reason"].as_str().unwrap_or("");
            if r.is_empty() {
                format!("Init:ExitCode:{}", terminated["exitCode"])
            } else {
                format!("Init:{r}")
            }
        } else if let Some(w) = c["state"]["waiting"]["reason"]
            .as_str()
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            format!("Init:{w}")
        } else {
            format!("Init:{i}/{init_total}")
        };
        break;
    }
    if !initializing {
        let mut has_running = false;
        for c in pod
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .rev()
        {
            let state = &c["state"];
            if let Some(r) = state["waiting"]["reason"]
                .as_str()
                .filter(|r| !r.is_empty())
            {
                reason = r.to_string();
            } else if state["terminated"].is_object() {
                let t = &state["terminated"];
                reason = match t["reason"].as_str().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None if t["signal"].as_i64().unwrap_or(0) != 0 => {
                        format!("Signal:{}", t["signal"])
                    }
                    None => format!("ExitCode:{}", t["exitCode"]),
                };
            } else if state["running"].is_object() && c["ready"].as_bool() == Some(true) {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            reason = "Running".into();
        }
    }
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        reason = if s(pod, "/status/reason") == "NodeLost" {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    reason
}

fn cells(info: &ResourceInfo, v: &Value) -> Vec<Value> {
    let name = json!(s(v, "/metadata/name"));
    let age_cell = json!(age(s(v, "/metadata/creationTimestamp")));
    match (info.group.as_str(), info.plural.as_str()) {
        ("", "pods") => {
            let statuses = v
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = v
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let ready = statuses
                .iter()
                .filter(|c| c["ready"].as_bool() == Some(true))
                .count();
            let restarts: i64 = statuses
                .iter()
                .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                .sum();
            let last_restart = statuses
                .iter()
                .filter_map(|c| {
                    c.pointer("/lastState/terminated/finishedAt")
                        .and_then(Value::as_str)
                })
                .max()
                .map(|t| format!(" ({} ago)", age(t)))
                .unwrap_or_default();
            let gates = v
                .pointer("/spec/readinessGates")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            vec![
                name,
                json!(format!("{ready}/{total}")),
                json!(pod_status(v)),
                json!(format!("{restarts}{last_restart}")),
                age_cell,
                json!(or_none(s(v, "/status/podIP").into())),
                json!(or_none(s(v, "/spec/nodeName").into())),
                json!(or_none(s(v, "/status/nominatedNodeName").into())),
                json!(if gates == 0 {
                    "<none>".to_string()
                } else {
                    format!("0/{gates}")
                }),
            ]
        }
        ("", "nodes") => {
            let conditions = v
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ready = conditions.iter().find(|c| c["type"] == "Ready");
            let mut status = match ready {
                Some(c) if c["status"] == "True" => "Ready".to_string(),
                Some(_) => "NotReady".to_string(),
                None => "Unknown".to_string(),
            };
            if v.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
                status.push_str(",SchedulingDisabled");
            }
            let roles: Vec<String> = v
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .map(|l| {
                    l.keys()
                        .filter_map(|k| {
                            k.strip_prefix("node-role.kubernetes.io/").map(String::from)
                        })
                        .collect()
                })
                .unwrap_or_default();
            let address = |t: &str| {
                v.pointer("/status/addresses")
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().find(|x| x["type"] == t))
                    .and_then(|x| x["address"].as_str())
                    .unwrap_or("<none>")
                    .to_string()
            };
            vec![
                name,
                json!(status),
                json!(or_none(roles.join(","))),
                age_cell,
                json!(s(v, "/status/nodeInfo/kubeletVersion")),
                json!(address("InternalIP")),
                json!(address("ExternalIP")),
                json!(or_none(s(v, "/status/nodeInfo/osImage").into())),
                json!(or_none(s(v, "/status/nodeInfo/kernelVersion").into())),
                json!(or_none(
                    s(v, "/status/nodeInfo/containerRuntimeVersion").into()
                )),
            ]
        }
        ("", "namespaces") => vec![name, json!(s(v, "/status/phase")), age_cell],
        ("", "services") => {
            let ports: Vec<String> = v
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    let proto = p["protocol"].as_str().unwrap_or("TCP");
                    match p["nodePort"].as_i64() {
                        Some(np) => format!("{}:{np}/{proto}", p["port"]),
                        None => format!("{}/{proto}", p["port"]),
                    }
                })
                .collect();
            let external: Vec<String> = v
                .pointer("/status/loadBalancer/ingress")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|i| {
                    i["ip"]
                        .as_str()
                        .or(i["hostname"].as_str())
                        .map(String::from)
                })
                .chain(
                    v.pointer("/spec/externalIPs")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|x| x.as_str().map(String::from)),
                )
                .collect();
            let kind = s(v, "/spec/type");
            let external = if external.is_empty() {
                if kind == "LoadBalancer" {
                    "<pending>".to_string()
                } else if kind == "ExternalName" {
                    s(v, "/spec/externalName").to_string()
                } else {
                    "<none>".to_string()
                }
            } else {
                external.join(",")
            };
            let selector = v
                .pointer("/spec/selector")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, x)| format!("{k}={}", x.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            vec![
                name,
                json!(kind),
                json!(or_none(s(v, "/spec/clusterIP").into())),
                json!(external),
                json!(or_none(ports.join(","))),
                age_cell,
                json!(or_none(selector)),
            ]
        }
        ("", "configmaps") => {
            let count = v["data"].as_object().map_or(0, |m| m.len())
                + v["binaryData"].as_object().map_or(0, |m| m.len());
            vec![name, json!(count), age_cell]
        }
        ("", "secrets") => {
            let count = v["data"].as_object().map_or(0, |m| m.len());
            vec![name, json!(s(v, "/type")), json!(count), age_cell]
        }
        ("", "endpoints") => {
            let mut eps = Vec::new();
            for subset in v["subsets"].as_array().into_iter().flatten() {
                for a in subset["addresses"].as_array().into_iter().flatten() {
                    let ip = a["ip"].as_str().unwrap_or("");
                    match subset["ports"].as_array().and_then(|p| p.first()) {
                        Some(p) => eps.push(format!("{ip}:{}", p["port"])),
                        None => eps.push(ip.to_string()),
                    }
                }
            }
            vec![name, json!(or_none(eps.join(","))), age_cell]
        }
        ("", "events") => {
            let last = [
                s(v, "/lastTimestamp"),
                s(v, "/eventTime"),
                s(v, "/metadata/creationTimestamp"),
            ]
            .into_iter()
            .find(|t| !t.is_empty())
            .unwrap_or("");
            let object = format!(
                "{}/{}",
                s(v, "/involvedObject/kind").to_lowercase(),
                s(v, "/involvedObject/name")
            );
            vec![
                json!(age(last)),
                json!(s(v, "/type")),
                json!(s(v, "/reason")),
                json!(object),
                json!(s(v, "/message")),
            ]
        }
        ("", "serviceaccounts") => vec![name, age_cell],
        ("", "persistentvolumeclaims") => vec![
            name,
            json!(s(v, "/status/phase")),
            json!(s(v, "/spec/volumeName")),
            json!(s(v, "/status/capacity/storage")),
            json!(access_modes(v.pointer("/status/accessModes"))),
            json!(or_unset(s(v, "/spec/storageClassName"))),
            json!(or_unset(s(v, "/spec/volumeAttributesClassName"))),
            age_cell,
            json!(s(v, "/spec/volumeMode")),
        ],
        ("", "persistentvolumes") => {
            let claim = if s(v, "/spec/claimRef/name").is_empty() {
                String::new()
            } else {
                format!(
                    "{}/{}",
                    s(v, "/spec/claimRef/namespace"),
                    s(v, "/spec/claimRef/name")
                )
            };
            vec![
                name,
                json!(s(v, "/spec/capacity/storage")),
                json!(access_modes(v.pointer("/spec/accessModes"))),
                json!(s(v, "/spec/persistentVolumeReclaimPolicy")),
                json!(s(v, "/status/phase")),
                json!(claim),
                json!(s(v, "/spec/storageClassName")),
                json!(or_unset(s(v, "/spec/volumeAttributesClassName"))),
                json!(s(v, "/status/reason")),
                age_cell,
            ]
        }
        ("apps", "deployments") => {
            let (names, images) = template_containers(v, "/spec/template/spec/containers");
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    n(v, "/status/readyReplicas"),
                    n(v, "/spec/replicas")
                )),
                json!(n(v, "/status/updatedReplicas")),
                json!(n(v, "/status/availableReplicas")),
                age_cell,
                json!(names),
                json!(images),
                json!(selector_text(v, "/spec/selector")),
            ]
        }
        ("apps", "replicasets") => {
            let (names, images) = template_containers(v, "/spec/template/spec/containers");
            vec![
                name,
                json!(n(v, "/spec/replicas")),
                json!(n(v, "/status/replicas")),
                json!(n(v, "/status/readyReplicas")),
                age_cell,
                json!(names),
                json!(images),
                json!(selector_text(v, "/spec/selector")),
            ]
        }
        ("apps", "statefulsets") => {
            let (names, images) = template_containers(v, "/spec/template/spec/containers");
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    n(v, "/status/readyReplicas"),
                    n(v, "/spec/replicas")
                )),
                age_cell,
                json!(names),
                json!(images),
            ]
        }
        ("apps", "daemonsets") => {
            let (names, images) = template_containers(v, "/spec/template/spec/containers");
            let node_selector = v
                .pointer("/spec/template/spec/nodeSelector")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, x)| format!("{k}={}", x.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            vec![
                name,
                json!(n(v, "/status/desiredNumberScheduled")),
                json!(n(v, "/status/currentNumberScheduled")),
                json!(n(v, "/status/numberReady")),
                json!(n(v, "/status/updatedNumberScheduled")),
                json!(n(v, "/status/numberAvailable")),
                json!(or_none(node_selector)),
                age_cell,
                json!(names),
                json!(images),
                json!(selector_text(v, "/spec/selector")),
            ]
        }
        ("batch", "jobs") => {
            let (names, images) = template_containers(v, "/spec/template/spec/containers");
            let completions = match v.pointer("/spec/completions").and_then(Value::as_i64) {
                Some(c) => format!("{}/{c}", n(v, "/status/succeeded")),
                // kubectl: "N/1 of P" only when more than one pod may run at once.
                None if n(v, "/spec/parallelism") > 1 => format!(
                    "{}/1 of {}",
                    n(v, "/status/succeeded"),
                    n(v, "/spec/parallelism")
                ),
                None => format!("{}/1", n(v, "/status/succeeded")),
            };
            let conditions = v
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let has = |t: &str| {
                conditions
                    .iter()
                    .any(|c| c["type"] == t && c["status"] == "True")
            };
            let status = if has("Complete") {
                "Complete"
            } else if has("Failed") {
                "Failed"
            } else if v.pointer("/metadata/deletionTimestamp").is_some() {
                "Terminating"
            } else if has("Suspended") {
                "Suspended"
            } else {
                "Running"
            };
            let duration = match (s(v, "/status/startTime"), s(v, "/status/completionTime")) {
                ("", _) => String::new(),
                (start, "") => age(start),
                (start, end) => match (
                    start.parse::<jiff::Timestamp>(),
                    end.parse::<jiff::Timestamp>(),
                ) {
                    (Ok(a), Ok(b)) => human_duration(b.as_second() - a.as_second()),
                    _ => String::new(),
                },
            };
            vec![
                name,
                json!(status),
                json!(completions),
                json!(duration),
                age_cell,
                json!(names),
                json!(images),
                json!(selector_text(v, "/spec/selector")),
            ]
        }
        ("batch", "cronjobs") => {
            let (names, images) =
                template_containers(v, "/spec/jobTemplate/spec/template/spec/containers");
            let last = s(v, "/status/lastScheduleTime");
            vec![
                name,
                json!(s(v, "/spec/schedule")),
                json!(or_none(s(v, "/spec/timeZone").into())),
                json!(
                    v.pointer("/spec/suspend")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                ),
                json!(
                    v.pointer("/status/active")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                ),
                json!(if last.is_empty() {
                    "<none>".to_string()
                } else {
                    age(last)
                }),
                age_cell,
                json!(names),
                json!(images),
                json!(selector_text(v, "/spec/jobTemplate/spec/selector")),
            ]
        }
        ("networking.k8s.io", "ingresses") => {
            let hosts: Vec<&str> = v
                .pointer("/spec/rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r["host"].as_str())
                .collect();
            let address: Vec<&str> = v
                .pointer("/status/loadBalancer/ingress")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|i| i["ip"].as_str().or(i["hostname"].as_str()))
                .collect();
            let ports = if v
                .pointer("/spec/tls")
                .and_then(Value::as_array)
                .is_some_and(|t| !t.is_empty())
            {
                "80, 443"
            } else {
                "80"
            };
            vec![
                name,
                json!(or_none(s(v, "/spec/ingressClassName").into())),
                json!(if hosts.is_empty() {
                    "*".to_string()
                } else {
                    hosts.join(",")
                }),
                json!(address.join(",")),
                json!(ports),
                age_cell,
            ]
        }
        ("policy", "poddisruptionbudgets") => {
            let text = |p: &str| match v.pointer(p) {
                Some(Value::String(x)) => x.clone(),
                Some(Value::Number(x)) => x.to_string(),
                _ => "N/A".into(),
            };
            vec![
                name,
                json!(text("/spec/minAvailable")),
                json!(text("/spec/maxUnavailable")),
                json!(n(v, "/status/disruptionsAllowed")),
                age_cell,
            ]
        }
        ("storage.k8s.io", "storageclasses") => {
            let mut class_name = s(v, "/metadata/name").to_string();
            if v.pointer("/metadata/annotations/storageclass.kubernetes.io~1is-default-class")
                .and_then(Value::as_str)
                == Some("true")
            {
                class_name.push_str(" (default)");
            }
            vec![
                json!(class_name),
                json!(s(v, "/provisioner")),
                json!(if s(v, "/reclaimPolicy").is_empty() {
                    "Delete"
                } else {
                    s(v, "/reclaimPolicy")
                }),
                json!(if s(v, "/volumeBindingMode").is_empty() {
                    "Immediate"
                } else {
                    s(v, "/volumeBindingMode")
                }),
                json!(
                    v.pointer("/allowVolumeExpansion")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                        .to_string()
                ),
                age_cell,
            ]
        }
        ("coordination.k8s.io", "leases") => {
            vec![name, json!(s(v, "/spec/holderIdentity")), age_cell]
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => {
            vec![name, json!(s(v, "/metadata/creationTimestamp"))]
        }
        _ if info.custom && !info.printer_columns.is_empty() => {
            let mut out = vec![name];
            for pc in &info.printer_columns {
                let path = pc["jsonPath"].as_str().unwrap_or("");
                let pointer = path
                    .trim_start_matches('.')
                    .split('.')
                    .map(|p| p.replace('~', "~0").replace('/', "~1"))
                    .collect::<Vec<_>>()
                    .join("/");
                let value = v
                    .pointer(&format!("/{pointer}"))
                    .cloned()
                    .unwrap_or(Value::Null);
                out.push(if pc["type"] == "date" {
                    value.as_str().map(|t| json!(age(t))).unwrap_or(Value::Null)
                } else {
                    value
                });
            }
            out
        }
        _ => vec![name, age_cell],
    }
}

fn access_modes(modes: Option<&Value>) -> String {
    modes
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .map(|x| match x {
                    "ReadWriteOnce" => "RWO",
                    "ReadOnlyMany" => "ROX",
                    "ReadWriteMany" => "RWX",
                    "ReadWriteOncePod" => "RWOP",
                    other => other,
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn or_unset(x: &str) -> String {
    if x.is_empty() {
        "<unset>".into()
    } else {
        x.into()
    }
}

/// The row of one object (watch events of Tables carry one row each).
pub fn single(info: &ResourceInfo, obj: &StoredObject, include_object: &str) -> Value {
    table(
        info,
        &[Arc::new(StoredObject::detached(obj.value().clone()))],
        include_object,
        json!({"resourceVersion": str_at(obj.value(), &["metadata", "resourceVersion"])}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Kinds;
    use crate::storage::Store;

    #[test]
    fn pod_rows_match_the_reference_table() {
        let reference: Value = crate::reference::json("kube-apiserver/list-pods-table.json");
        let pods: Value = crate::reference::json("kube-apiserver/list-pods.json");
        let kinds = Kinds::new(Store::new());
        let info = kinds.find("", "v1", "pods").expect("pods");
        let items: Vec<Arc<StoredObject>> = pods["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| Arc::new(StoredObject::detached(p.clone())))
            .collect();
        let ours = table(&info, &items, "Metadata", json!({}));
        let names = |t: &Value| -> Vec<Value> {
            t["columnDefinitions"]
                .as_array()
                .expect("cols")
                .iter()
                .map(|c| c["name"].clone())
                .collect()
        };
        assert_eq!(names(&ours), names(&reference));
        for (mine, theirs) in ours["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .zip(reference["rows"].as_array().expect("rows"))
        {
            let (mine, theirs) = (&mine["cells"], &theirs["cells"]);
            // Age (index 4) depends on the clock; every other cell must be the same.
            for i in [0, 1, 2, 3, 5, 6, 7, 8] {
                assert_eq!(mine[i], theirs[i], "cell {i}");
            }
        }
    }

    #[test]
    fn durations_print_like_kubectl() {
        assert_eq!(human_duration(12), "12s");
        assert_eq!(human_duration(303), "5m3s");
        assert_eq!(human_duration(3 * 3600), "3h");
        assert_eq!(human_duration(52 * 3600), "2d4h");
        assert_eq!(human_duration(45 * 86400), "45d");
    }
}
