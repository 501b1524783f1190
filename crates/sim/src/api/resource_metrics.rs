//! Serves metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics from a [`MetricsSource`].

use axum::response::Response;
use http::StatusCode;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::api::http::{Call, respond};
use crate::api::selectors::LabelSelector;
use crate::error::{Error, Result};
use crate::storage::{GroupResource, str_at};

/// CPU in nanocores and memory in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub cpu_nanocores: u64,
    pub memory_bytes: u64,
}

/// Where usage values come from. The scenario may install a richer one; the default is
/// [`GeneratedMetrics`].
pub trait MetricsSource: Send + Sync {
    /// Usage of each container of a running pod (`None` for pods without metrics).
    fn pod(&self, pod: &Value, now: Timestamp) -> Option<Vec<(String, Usage)>>;
    /// Usage of a node.
    fn node(&self, node: &Value, now: Timestamp) -> Option<Usage>;
}

/// Plausible, slowly changing values derived from the object's uid and the time.
#[derive(Debug, Default, Clone, Copy)]
pub struct GeneratedMetrics;

fn seed(s: &str) -> u64 {
    s.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    })
}

fn wave(seed: u64, now: Timestamp) -> f64 {
    let phase = (seed % 1000) as f64 / 1000.0 * std::f64::consts::TAU;
    0.5 + 0.5 * ((now.as_second() as f64 / 120.0) + phase).sin()
}

impl MetricsSource for GeneratedMetrics {
    fn pod(&self, pod: &Value, now: Timestamp) -> Option<Vec<(String, Usage)>> {
        if str_at(pod, &["status", "phase"]) != "Running" {
            return None;
        }
        let uid = str_at(pod, &["metadata", "uid"]);
        let containers = pod.pointer("/spec/containers").and_then(Value::as_array)?;
        Some(
            containers
                .iter()
                .map(|c| {
                    let name = c["name"].as_str().unwrap_or("").to_string();
                    let s = seed(&format!("{uid}/{name}"));
                    let w = wave(s, now);
                    let cpu = 1_000_000 + (s % 200) * 1_000_000 / 2 + (w * 50_000_000.0) as u64;
                    let mem = (20 + s % 200) * 1024 * 1024 + (w * 16.0 * 1024.0 * 1024.0) as u64;
                    (
                        name,
                        Usage {
                            cpu_nanocores: cpu,
                            memory_bytes: mem,
                        },
                    )
                })
                .collect(),
        )
    }

    fn node(&self, node: &Value, now: Timestamp) -> Option<Usage> {
        let s = seed(str_at(node, &["metadata", "uid"]));
        let w = wave(s, now);
        Some(Usage {
            cpu_nanocores: 300_000_000 + (w * 1_500_000_000.0) as u64,
            memory_bytes: (2 * 1024 + s % 1024) * 1024 * 1024
                + (w * 1024.0 * 1024.0 * 1024.0) as u64,
        })
    }
}

fn usage_json(u: Usage) -> Value {
    json!({"cpu": format!("{}n", u.cpu_nanocores), "memory": format!("{}Ki", u.memory_bytes / 1024)})
}

fn meta(obj: &Value) -> Value {
    let mut m = json!({"name": obj["metadata"]["name"], "creationTimestamp": crate::storage::now_rfc3339()});
    if let Some(ns) = obj.pointer("/metadata/namespace") {
        m["namespace"] = ns.clone();
    }
    if let Some(l) = obj.pointer("/metadata/labels") {
        m["labels"] = l.clone();
    }
    m
}

fn pod_metrics(call: &Call<'_>, pod: &Value, now: Timestamp) -> Option<Value> {
    let containers = call.state.metrics.pod(pod, now)?;
    let containers: Vec<Value> = containers
        .into_iter()
        .map(|(n, u)| json!({"name": n, "usage": usage_json(u)}))
        .collect();
    Some(
        json!({"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": meta(pod),
        "timestamp": crate::storage::now_rfc3339(), "window": "10.5s", "containers": containers}),
    )
}

fn node_metrics(call: &Call<'_>, node: &Value, now: Timestamp) -> Option<Value> {
    let usage = call.state.metrics.node(node, now)?;
    Some(
        json!({"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": meta(node),
        "timestamp": crate::storage::now_rfc3339(), "window": "20.05s", "usage": usage_json(usage)}),
    )
}

/// `GET /apis/metrics.k8s.io/v1beta1/[namespaces/{ns}/]pods|nodes`.
pub fn list(call: &Call<'_>) -> Result<Response> {
    let now = Timestamp::now();
    let labels = LabelSelector::parse(call.param("labelSelector").unwrap_or(""))?;
    let is_pods = call.info.plural == "pods";
    let source = GroupResource::core(&call.info.plural);
    let objects = call
        .state
        .store
        .list(&source, call.req.namespace.as_deref());
    let items: Vec<Value> = objects
        .iter()
        .filter(|o| labels.matches(o.labels()))
        .filter_map(|o| {
            if is_pods {
                pod_metrics(call, o.value(), now)
            } else {
                node_metrics(call, o.value(), now)
            }
        })
        .collect();
    let kind = if is_pods {
        "PodMetricsList"
    } else {
        "NodeMetricsList"
    };
    Ok(respond(
        call,
        StatusCode::OK,
        &json!({"kind": kind, "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items}),
    ))
}

/// `GET` of one PodMetrics or NodeMetrics.
pub fn get(call: &Call<'_>) -> Result<Response> {
    let now = Timestamp::now();
    let name = call.req.name.clone().unwrap_or_default();
    let is_pods = call.info.plural == "pods";
    let source = GroupResource::core(&call.info.plural);
    let not_found = || Error::not_found(&format!("{}.metrics.k8s.io", call.info.plural), &name);
    let obj = call
        .state
        .store
        .get(&source, call.namespace(), &name)
        .ok_or_else(not_found)?;
    let value = if is_pods {
        pod_metrics(call, obj.value(), now)
    } else {
        node_metrics(call, obj.value(), now)
    };
    Ok(respond(call, StatusCode::OK, &value.ok_or_else(not_found)?))
}
