//! A pod template's containers as a detail shows them: image, state and last state, ports, env
//! (with `envFrom` and references to ConfigMaps and Secrets, never a Secret's value), resources,
//! probes, mounts, and the pod's volumes.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::summary::Summary;
use super::summary::{arr, flag, int, strings, text};

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
    /// When a terminated container ended.
    pub finished_at: Option<String>,
    pub exit_code: Option<i64>,
    /// The signal that ended a terminated container, when one did.
    pub signal: Option<i64>,
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

/// A container state (`{"running":{…}}`) as `{"state","reason","message","startedAt","exitCode"}`.
pub(super) fn state(state: Option<&Value>) -> Option<ContainerState> {
    let (name, detail) = state.and_then(Value::as_object)?.iter().next()?;
    Some(ContainerState {
        state: name.clone(),
        reason: text(detail, "/reason"),
        message: text(detail, "/message"),
        started_at: text(detail, "/startedAt"),
        finished_at: text(detail, "/finishedAt"),
        exit_code: int(detail, "/exitCode"),
        signal: int(detail, "/signal"),
    })
}

pub(super) fn containers(specs: &[Value], statuses: &[Value]) -> Vec<Container> {
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

pub(super) fn env(var: &Value) -> EnvVar {
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

pub(super) fn env_from(from: &Value) -> EnvFrom {
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

pub(super) fn probe(probe: Option<&Value>) -> Option<Probe> {
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

pub(super) fn volumes(volumes: &[Value]) -> Vec<Volume> {
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
