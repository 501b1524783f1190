//! The pure parts of an object's detail page: per-kind summaries, conditions, events, what an
//! object references, and what differs between two versions of it.
//!
//! Everything reads `serde_json::Value`s (objects of any kind, as the API server sends them), so
//! one function serves built-in kinds whatever their version.

mod containers;
mod summary;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

pub use summary::{
    Container, ContainerPort, ContainerResources, ContainerState, EnvFrom, EnvSource,
    EnvSourceKind, EnvVar, Mount, NodeDetail, PodDetail, Probe, Probes, Replicas, SecretEnv,
    ServiceDetail, ServicePort, Summary, Volume, WorkloadDetail, pod_spec_of, secret_env_refs,
    summary,
};

/// A condition of the object's `status.conditions`, in one shape for every kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// `lastTransitionTime`, or `lastUpdateTime` (a Deployment's conditions have both).
    pub last_transition_time: Option<String>,
}

/// An event about the object, as the detail shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DetailEvent {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// How many times it happened (a series' count, or the event's).
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// The component that reported it (`kubelet`, `default-scheduler`).
    pub source: Option<String>,
}

/// A link to an object's detail: `path` goes after `/api/v1/resources/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ObjectLink {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    pub resource: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// `core/v1/pods/web-1?namespace=shop`.
    pub path: String,
    /// A related pod's status (`Running`), `null` for other related objects; absent in an
    /// owner chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string | null")]
    pub status: Option<Option<String>>,
}

impl ObjectLink {
    /// A link to the object (without a status).
    pub fn new(
        (group, version, resource, kind): (&str, &str, &str, &str),
        namespace: Option<&str>,
        name: &str,
    ) -> Self {
        let path_group = if group.is_empty() { "core" } else { group };
        let path = match namespace {
            Some(namespace) => {
                format!("{path_group}/{version}/{resource}/{name}?namespace={namespace}")
            }
            None => format!("{path_group}/{version}/{resource}/{name}"),
        };
        Self {
            group: group.to_string(),
            version: version.to_string(),
            resource: resource.to_string(),
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            path,
            status: None,
        }
    }

    /// The link with a status: a pod's, or `None` (`null`) for an object without one.
    #[must_use]
    pub fn with_status(mut self, status: Option<String>) -> Self {
        self.status = Some(status);
        self
    }
}

/// Objects related to the detail's object in one way (`pods`, `services`, `configMaps`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RelatedGroup {
    pub relation: String,
    pub items: Vec<ObjectLink>,
}

/// The object's `status.conditions`, in a stable shape.
pub fn conditions(object: &Value) -> Vec<Condition> {
    let text = |c: &Value, key: &str| c.get(key).and_then(Value::as_str).map(str::to_string);
    object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(|conditions| {
            conditions
                .iter()
                .map(|c| Condition {
                    kind: text(c, "type").unwrap_or_default(),
                    status: text(c, "status").unwrap_or_default(),
                    reason: text(c, "reason"),
                    message: text(c, "message"),
                    last_transition_time: c
                        .get("lastTransitionTime")
                        .or_else(|| c.get("lastUpdateTime"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// When an event last happened: series, lastTimestamp, eventTime, firstTimestamp, creation.
fn event_time(event: &Value) -> Option<&str> {
    [
        "/series/lastObservedTime",
        "/lastTimestamp",
        "/eventTime",
        "/firstTimestamp",
        "/metadata/creationTimestamp",
    ]
    .iter()
    .find_map(|p| event.pointer(p).and_then(Value::as_str))
}

/// Events (core/v1) as the detail shows them, newest first, at most `limit`.
pub fn events(mut events: Vec<Value>, limit: usize) -> Vec<DetailEvent> {
    events.sort_by(|a, b| event_time(b).cmp(&event_time(a)));
    events
        .iter()
        .take(limit)
        .map(|e| {
            let source = e
                .pointer("/source/component")
                .or_else(|| e.get("reportingComponent"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            let text = |key: &str| e.get(key).and_then(Value::as_str).map(str::to_string);
            DetailEvent {
                kind: text("type"),
                reason: text("reason"),
                message: text("message"),
                count: e
                    .pointer("/series/count")
                    .or_else(|| e.get("count"))
                    .and_then(Value::as_u64)
                    .unwrap_or(1),
                first_seen: e
                    .get("firstTimestamp")
                    .or_else(|| e.get("eventTime"))
                    .or_else(|| e.pointer("/metadata/creationTimestamp"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                last_seen: event_time(e).map(str::to_string),
                source: source.map(str::to_string),
            }
        })
        .collect()
}

/// What a pod spec refers to by name, for the detail's related objects.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct References {
    pub config_maps: Vec<String>,
    pub secrets: Vec<String>,
    pub claims: Vec<String>,
    pub service_account: Option<String>,
}

fn push_unique(list: &mut Vec<String>, name: Option<&str>) {
    if let Some(name) = name.filter(|n| !n.is_empty())
        && !list.iter().any(|n| n == name)
    {
        list.push(name.to_string());
    }
}

/// The ConfigMaps, Secrets, claims and service account a pod spec uses (volumes, `env`,
/// `envFrom`, image pull secrets), each once, in order of appearance.
pub fn references(spec: &Value) -> References {
    let mut refs = References::default();
    let str_at = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    for volume in spec
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        push_unique(
            &mut refs.config_maps,
            str_at(volume, "/configMap/name").as_deref(),
        );
        push_unique(
            &mut refs.secrets,
            str_at(volume, "/secret/secretName").as_deref(),
        );
        push_unique(
            &mut refs.claims,
            str_at(volume, "/persistentVolumeClaim/claimName").as_deref(),
        );
        for source in volume
            .pointer("/projected/sources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            push_unique(
                &mut refs.config_maps,
                str_at(source, "/configMap/name").as_deref(),
            );
            push_unique(&mut refs.secrets, str_at(source, "/secret/name").as_deref());
        }
    }
    for list in ["initContainers", "containers"] {
        for container in spec
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for env in container
                .get("env")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                push_unique(
                    &mut refs.config_maps,
                    str_at(env, "/valueFrom/configMapKeyRef/name").as_deref(),
                );
                push_unique(
                    &mut refs.secrets,
                    str_at(env, "/valueFrom/secretKeyRef/name").as_deref(),
                );
            }
            for from in container
                .get("envFrom")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                push_unique(
                    &mut refs.config_maps,
                    str_at(from, "/configMapRef/name").as_deref(),
                );
                push_unique(
                    &mut refs.secrets,
                    str_at(from, "/secretRef/name").as_deref(),
                );
            }
        }
    }
    for secret in spec
        .get("imagePullSecrets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        push_unique(&mut refs.secrets, str_at(secret, "/name").as_deref());
    }
    refs.service_account = str_at(spec, "/serviceAccountName").filter(|s| !s.is_empty());
    refs
}

/// A `{"k":"v"}` JSON map as a sorted map of strings (other values are left out).
pub fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Dotted paths where `current` differs from `sent` (list items by index), leaving out what
/// the server changes on every write: resourceVersion, generation, managedFields and status.
pub fn changed_paths(sent: &Value, current: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    diff("", sent, current, &mut paths);
    paths.retain(|p| {
        !matches!(
            p.as_str(),
            "metadata.resourceVersion" | "metadata.generation"
        ) && !p.starts_with("metadata.managedFields")
            && p != "status"
            && !p.starts_with("status.")
    });
    paths
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn diff(prefix: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let path = join(prefix, key);
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff(&path, x, y, out),
                    (Some(Value::Null), None) | (None, Some(Value::Null)) => {}
                    _ => out.push(path),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&join(prefix, &i.to_string()), x, y, out);
            }
        }
        _ if a != b => out.push(if prefix.is_empty() {
            "(the whole object)".to_string()
        } else {
            prefix.to_string()
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_paths_name_fields_and_list_items_and_skip_server_bookkeeping() {
        let sent = json!({"metadata": {"resourceVersion": "1", "labels": {"a": "1"}},
                          "spec": {"replicas": 1, "containers": [{"image": "a"}]}, "status": {"x": 1}});
        let current = json!({"metadata": {"resourceVersion": "2", "labels": {"a": "1", "b": "2"}},
                             "spec": {"replicas": 3, "containers": [{"image": "b"}]}, "status": {"x": 2}});
        assert_eq!(
            changed_paths(&sent, &current),
            vec![
                "metadata.labels.b",
                "spec.containers.0.image",
                "spec.replicas"
            ]
        );
    }

    #[test]
    fn references_collect_config_maps_secrets_and_claims_once() {
        let spec = json!({
            "serviceAccountName": "api",
            "volumes": [{"name": "c", "configMap": {"name": "cfg"}},
                        {"name": "s", "secret": {"secretName": "tls"}},
                        {"name": "d", "persistentVolumeClaim": {"claimName": "data"}}],
            "containers": [{"name": "a",
                "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                        {"name": "C", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}}],
                "envFrom": [{"secretRef": {"name": "db"}}, {"configMapRef": {"name": "env"}}]}],
            "imagePullSecrets": [{"name": "pull"}]
        });
        let refs = references(&spec);
        assert_eq!(refs.config_maps, vec!["cfg", "env"]);
        assert_eq!(refs.secrets, vec!["tls", "db", "pull"]);
        assert_eq!(refs.claims, vec!["data"]);
        assert_eq!(refs.service_account.as_deref(), Some("api"));
    }

    #[test]
    fn events_are_newest_first_with_counts() {
        let list = events(
            vec![
                json!({"reason": "Old", "lastTimestamp": "2026-01-01T00:00:00Z", "count": 2}),
                json!({"reason": "New", "lastTimestamp": "2026-01-02T00:00:00Z"}),
            ],
            10,
        );
        assert_eq!(list[0].reason.as_deref(), Some("New"));
        assert_eq!(list[0].count, 1);
        assert_eq!(list[1].count, 2);
    }
}
