//! The cells of each kind's rows, computed as kubectl's printers compute them (pod STATUS,
//! READY and RESTARTS, workload counts, selectors, ages…).

use serde_json::{Value, json};
use wheelhouse_model::selector::Selector;

use super::{age, human_duration};
use crate::storage::ResourceInfo;

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

/// A `metav1.LabelSelector` as kubectl prints it (`app=web,tier in (a,b)`): `<none>` when there
/// is none, `<error>` when it cannot be read.
fn selector_text(v: &Value, pointer: &str) -> String {
    let Some(selector) = v.pointer(pointer) else {
        return "<none>".into();
    };
    match Selector::from_label_selector(selector) {
        Ok(selector) => or_none(selector.to_string()),
        Err(_) => "<error>".into(),
    }
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

/// The cells of one object's row, in the order of its kind's columns.
pub(super) fn cells(info: &ResourceInfo, v: &Value) -> Vec<Value> {
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
