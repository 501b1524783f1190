//! Per-kind summaries of an object: containers (image, ports, env, resources, probes, mounts),
//! replicas, service ports, node taints. Secret values are never read here: an env var from a
//! Secret is a reference (`from.kind = "Secret"`) that the server may fill in on request.

use serde_json::{Map, Value, json};

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

/// The summary of an object of `kind`, or `None` for kinds without one.
pub fn summary(kind: &str, object: &Value) -> Option<Value> {
    match kind {
        "Pod" => Some(pod(object)),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "CronJob"
        | "ReplicationController" => Some(workload(kind, object)),
        "Service" => Some(service(object)),
        "Node" => Some(node(object)),
        _ => None,
    }
}

fn arr<'a>(value: &'a Value, pointer: &str) -> &'a [Value] {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn at(value: &Value, pointer: &str) -> Value {
    value.pointer(pointer).cloned().unwrap_or(Value::Null)
}

fn pod(object: &Value) -> Value {
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
    json!({
        "type": "Pod",
        "phase": at(object, "/status/phase"),
        "status": status_text,
        "node": at(&spec, "/nodeName"),
        "podIP": at(object, "/status/podIP"),
        "hostIP": at(object, "/status/hostIP"),
        "qosClass": at(object, "/status/qosClass"),
        "serviceAccount": at(&spec, "/serviceAccountName"),
        "restarts": restarts,
        "initContainers": containers(arr(&spec, "/initContainers"), init_statuses),
        "containers": containers(arr(&spec, "/containers"), statuses),
        "volumes": volumes(arr(&spec, "/volumes")),
        "tolerations": at(&spec, "/tolerations"),
        "nodeSelector": at(&spec, "/nodeSelector"),
    })
}

fn workload(kind: &str, object: &Value) -> Value {
    let spec = pod_spec_of(kind, object).cloned().unwrap_or(Value::Null);
    let status = object.get("status").cloned().unwrap_or(Value::Null);
    let replicas = match kind {
        "DaemonSet" => json!({
            "desired": at(&status, "/desiredNumberScheduled"),
            "current": at(&status, "/currentNumberScheduled"),
            "ready": at(&status, "/numberReady"),
            "updated": at(&status, "/updatedNumberScheduled"),
            "available": at(&status, "/numberAvailable"),
        }),
        "Job" => json!({
            "desired": at(object, "/spec/completions"),
            "current": at(&status, "/active"),
            "ready": at(&status, "/ready"),
            "updated": Value::Null,
            "available": at(&status, "/succeeded"),
        }),
        "CronJob" => Value::Null,
        _ => json!({
            "desired": at(object, "/spec/replicas"),
            "current": at(&status, "/replicas"),
            "ready": at(&status, "/readyReplicas"),
            "updated": at(&status, "/updatedReplicas"),
            "available": at(&status, "/availableReplicas"),
        }),
    };
    let strategy = object
        .pointer("/spec/strategy/type")
        .or_else(|| object.pointer("/spec/updateStrategy/type"))
        .or_else(|| object.pointer("/spec/concurrencyPolicy"))
        .cloned()
        .unwrap_or(Value::Null);
    json!({
        "type": kind,
        "replicas": replicas,
        "selector": object.pointer("/spec/selector/matchLabels").or_else(|| object.pointer("/spec/selector")).cloned().unwrap_or(Value::Null),
        "strategy": strategy,
        "paused": at(object, "/spec/paused"),
        "suspend": at(object, "/spec/suspend"),
        "schedule": at(object, "/spec/schedule"),
        "lastScheduleTime": at(object, "/status/lastScheduleTime"),
        "revision": at(object, "/metadata/annotations/deployment.kubernetes.io~1revision"),
        "initContainers": containers(arr(&spec, "/initContainers"), &[]),
        "containers": containers(arr(&spec, "/containers"), &[]),
        "volumes": volumes(arr(&spec, "/volumes")),
    })
}

fn service(object: &Value) -> Value {
    let ports: Vec<Value> = arr(object, "/spec/ports")
        .iter()
        .map(|p| {
            json!({
                "name": p.get("name"),
                "port": p.get("port"),
                "targetPort": p.get("targetPort"),
                "nodePort": p.get("nodePort"),
                "protocol": p.get("protocol"),
            })
        })
        .collect();
    json!({
        "type": "Service",
        "serviceType": at(object, "/spec/type"),
        "clusterIP": at(object, "/spec/clusterIP"),
        "externalIPs": object.pointer("/spec/externalIPs").cloned().unwrap_or(json!([])),
        "loadBalancerIngress": object.pointer("/status/loadBalancer/ingress").cloned().unwrap_or(json!([])),
        "ports": ports,
        "selector": at(object, "/spec/selector"),
    })
}

fn node(object: &Value) -> Value {
    json!({
        "type": "Node",
        "unschedulable": object.pointer("/spec/unschedulable").and_then(Value::as_bool).unwrap_or(false),
        "taints": object.pointer("/spec/taints").cloned().unwrap_or(json!([])),
        "addresses": object.pointer("/status/addresses").cloned().unwrap_or(json!([])),
        "capacity": at(object, "/status/capacity"),
        "allocatable": at(object, "/status/allocatable"),
        "nodeInfo": at(object, "/status/nodeInfo"),
        "podCIDR": at(object, "/spec/podCIDR"),
    })
}

/// A container state (`{"running":{…}}`) as `{"state","reason","message","startedAt","exitCode"}`.
fn state(state: Option<&Value>) -> Value {
    let Some(map) = state.and_then(Value::as_object) else {
        return Value::Null;
    };
    let Some((name, detail)) = map.iter().next() else {
        return Value::Null;
    };
    json!({
        "state": name,
        "reason": detail.get("reason"),
        "message": detail.get("message"),
        "startedAt": detail.get("startedAt"),
        "exitCode": detail.get("exitCode"),
    })
}

fn containers(specs: &[Value], statuses: &[Value]) -> Vec<Value> {
    specs
        .iter()
        .map(|c| {
            let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
            let status = statuses
                .iter()
                .find(|s| s.get("name").and_then(Value::as_str) == Some(name));
            json!({
                "name": name,
                "image": c.get("image"),
                "imagePullPolicy": c.get("imagePullPolicy"),
                "command": c.get("command").cloned().unwrap_or(json!([])),
                "args": c.get("args").cloned().unwrap_or(json!([])),
                "state": state(status.and_then(|s| s.get("state"))),
                "lastState": state(status.and_then(|s| s.get("lastState"))),
                "ready": status.and_then(|s| s.get("ready")),
                "restartCount": status.and_then(|s| s.get("restartCount")),
                "ports": arr(c, "/ports").iter().map(|p| json!({
                    "name": p.get("name"), "containerPort": p.get("containerPort"), "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP")),
                })).collect::<Vec<_>>(),
                "env": arr(c, "/env").iter().map(env).collect::<Vec<_>>(),
                "envFrom": arr(c, "/envFrom").iter().map(env_from).collect::<Vec<_>>(),
                "resources": json!({
                    "requests": c.pointer("/resources/requests").cloned().unwrap_or(json!({})),
                    "limits": c.pointer("/resources/limits").cloned().unwrap_or(json!({})),
                }),
                "probes": json!({
                    "liveness": probe(c.get("livenessProbe")),
                    "readiness": probe(c.get("readinessProbe")),
                    "startup": probe(c.get("startupProbe")),
                }),
                "mounts": arr(c, "/volumeMounts").iter().map(|m| json!({
                    "name": m.get("name"), "mountPath": m.get("mountPath"),
                    "readOnly": m.get("readOnly").and_then(Value::as_bool).unwrap_or(false),
                    "subPath": m.get("subPath"),
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn env(var: &Value) -> Value {
    let name = var.get("name").cloned().unwrap_or(Value::Null);
    let Some(from) = var.get("valueFrom") else {
        return json!({"name": name, "value": var.get("value").cloned().unwrap_or(json!(""))});
    };
    let reference = if let Some(r) = from.get("secretKeyRef") {
        json!({"kind": "Secret", "name": r.get("name"), "key": r.get("key")})
    } else if let Some(r) = from.get("configMapKeyRef") {
        json!({"kind": "ConfigMap", "name": r.get("name"), "key": r.get("key")})
    } else if let Some(r) = from.get("fieldRef") {
        json!({"kind": "Field", "path": r.get("fieldPath")})
    } else if let Some(r) = from.get("resourceFieldRef") {
        json!({"kind": "ResourceField", "path": r.get("resource"), "container": r.get("containerName")})
    } else {
        json!({"kind": "Unknown"})
    };
    let mut out = Map::new();
    out.insert("name".into(), name);
    let secret = reference["kind"] == "Secret";
    out.insert("from".into(), reference);
    if secret {
        out.insert("value".into(), Value::Null);
        out.insert("revealed".into(), json!(false));
    }
    Value::Object(out)
}

fn env_from(from: &Value) -> Value {
    let (kind, reference) = match (from.get("configMapRef"), from.get("secretRef")) {
        (Some(r), _) => ("ConfigMap", r),
        (None, Some(r)) => ("Secret", r),
        _ => ("Unknown", &Value::Null),
    };
    json!({
        "kind": kind,
        "name": reference.get("name"),
        "prefix": from.get("prefix"),
        "optional": reference.get("optional").and_then(Value::as_bool).unwrap_or(false),
    })
}

fn probe(probe: Option<&Value>) -> Value {
    let Some(probe) = probe else {
        return Value::Null;
    };
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
    json!({
        "handler": handler,
        "initialDelaySeconds": or("initialDelaySeconds", 0),
        "periodSeconds": or("periodSeconds", 10),
        "timeoutSeconds": or("timeoutSeconds", 1),
        "failureThreshold": or("failureThreshold", 3),
        "successThreshold": or("successThreshold", 1),
    })
}

fn volumes(volumes: &[Value]) -> Vec<Value> {
    volumes
        .iter()
        .map(|v| {
            let map = v.as_object();
            let kind = map
                .and_then(|m| m.keys().find(|k| k.as_str() != "name"))
                .cloned()
                .unwrap_or_default();
            let source = match kind.as_str() {
                "persistentVolumeClaim" => at(v, "/persistentVolumeClaim/claimName"),
                "configMap" => at(v, "/configMap/name"),
                "secret" => at(v, "/secret/secretName"),
                "hostPath" => at(v, "/hostPath/path"),
                _ => Value::Null,
            };
            json!({"name": v.get("name"), "type": kind, "source": source})
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
pub fn secret_env_refs(summary: &Value) -> Vec<SecretEnv> {
    let mut out = Vec::new();
    for list in ["initContainers", "containers"] {
        for (ci, container) in arr(summary, &format!("/{list}")).iter().enumerate() {
            for (ei, env) in arr(container, "/env").iter().enumerate() {
                if env.pointer("/from/kind").and_then(Value::as_str) == Some("Secret")
                    && let (Some(secret), Some(key)) = (
                        env.pointer("/from/name").and_then(Value::as_str),
                        env.pointer("/from/key").and_then(Value::as_str),
                    )
                {
                    out.push(SecretEnv {
                        list,
                        container: ci,
                        env: ei,
                        secret: secret.to_string(),
                        key: key.to_string(),
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
