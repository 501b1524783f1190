//! What the alerter reads besides the watches: usage from metrics.k8s.io and PromQL answers.

use std::collections::HashMap;

use serde_json::Value;

use crate::evaluate::Series;
use crate::snapshot::Usage;

/// At most this much of a Prometheus answer is read (a query that returns more is refused).
const MAX_PROMETHEUS_ANSWER: usize = 16 * 1024 * 1024;

async fn get(client: &kube::Client, path: &str) -> Result<Value, String> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    client
        .request::<Value>(request)
        .await
        .map_err(|e| e.to_string())
}

fn quantity(value: &Value, name: &str) -> f64 {
    value["usage"][name]
        .as_str()
        .and_then(wheelhouse_model::quantity::parse)
        .unwrap_or(0.0)
}

/// Pods' and nodes' CPU and memory from metrics.k8s.io (metrics-server).
pub async fn usage(client: &kube::Client) -> Result<Usage, String> {
    let pods = get(client, "/apis/metrics.k8s.io/v1beta1/pods").await?;
    let nodes = get(client, "/apis/metrics.k8s.io/v1beta1/nodes").await?;
    Ok(usage_of(&pods, &nodes))
}

/// Usage from metrics.k8s.io's `PodMetricsList` and `NodeMetricsList` (either may be `null`);
/// the console's preview reads them as the person and hands them here.
pub fn usage_of(pods: &Value, nodes: &Value) -> Usage {
    let mut usage = Usage {
        pods: HashMap::new(),
        nodes: HashMap::new(),
    };
    for pod in pods["items"].as_array().into_iter().flatten() {
        let namespace = pod["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = pod["metadata"]["name"].as_str().unwrap_or_default();
        let containers = pod["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or_default().to_string(),
                    quantity(c, "cpu"),
                    quantity(c, "memory"),
                )
            })
            .collect();
        usage
            .pods
            .insert((namespace.to_string(), name.to_string()), containers);
    }
    for node in nodes["items"].as_array().into_iter().flatten() {
        let name = node["metadata"]["name"].as_str().unwrap_or_default();
        usage.nodes.insert(
            name.to_string(),
            (quantity(node, "cpu"), quantity(node, "memory")),
        );
    }
    usage
}

/// An instant query's vector (or scalar) answer.
pub async fn prometheus(http: &reqwest::Client, url: &str, query: &str) -> Result<Series, String> {
    let endpoint = format!("{}/api/v1/query", url.trim_end_matches('/'));
    let answer = http
        .get(&endpoint)
        .query(&[("query", query)])
        .send()
        .await
        .map_err(|e| wheelhouse_tls::with_causes(&e))?;
    let status = answer.status();
    if answer
        .content_length()
        .is_some_and(|n| n as usize > MAX_PROMETHEUS_ANSWER)
    {
        return Err("the answer is larger than 16 MiB".into());
    }
    let bytes = answer.bytes().await.map_err(|e| e.to_string())?;
    if bytes.len() > MAX_PROMETHEUS_ANSWER {
        return Err("the answer is larger than 16 MiB".into());
    }
    let body: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{status}: the answer is not JSON ({e})"))?;
    if body["status"] != "success" {
        return Err(format!(
            "{}: {}",
            body["errorType"].as_str().unwrap_or(status.as_str()),
            body["error"].as_str().unwrap_or("the query failed")
        ));
    }
    let data = &body["data"];
    let sample = |value: &Value| {
        value[1]
            .as_str()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| !v.is_nan())
    };
    match data["resultType"].as_str() {
        Some("vector") => Ok(data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|series| {
                let labels = series["metric"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect();
                sample(&series["value"]).map(|v| (labels, v))
            })
            .collect()),
        Some("scalar") => Ok(sample(&data["result"])
            .map(|v| vec![(Default::default(), v)])
            .unwrap_or_default()),
        other => Err(format!(
            "the query answered a {} rather than an instant vector",
            other.unwrap_or("nothing")
        )),
    }
}
