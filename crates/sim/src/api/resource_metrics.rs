//! Serves metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics from a [`MetricsSource`], as
//! metrics-server does.
//!
//! [`MetricsSource`]: crate::controllers::kubelet::container_usage::MetricsSource

use axum::response::Response;
use http::StatusCode;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::api::http::{Call, respond};
use crate::api::selectors::label_selector;
use crate::controllers::kubelet::container_usage::Usage;
use crate::error::{Error, Result};
use crate::storage::GroupResource;

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
    let labels = label_selector(call.param("labelSelector").unwrap_or(""))?;
    let is_pods = call.info.plural == "pods";
    let source = GroupResource::core(&call.info.plural);
    let objects = call
        .state
        .store
        .list(&source, call.req.namespace.as_deref());
    let items: Vec<Value> = objects
        .iter()
        .filter(|o| labels.matches(&o.labels()))
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
