//! A cAdvisor-style Prometheus text endpoint, consistent with the sim's metrics.k8s.io values.
//!
//! `container_cpu_usage_seconds_total` is a counter that integrates the [`MetricsSource`]'s CPU
//! usage over time (trapezoids between the moments it is read), so `rate()` of it gives back the
//! usage metrics.k8s.io reports; `container_memory_working_set_bytes` is the usage itself.
//! Containers carry `namespace`, `pod`, `container`, `image` and `id` labels as the kubelet's
//! cAdvisor writes them; the node's own (root cgroup) series has `id="/"`. Served at the real
//! API server's path `/api/v1/nodes/{node}/proxy/metrics/cadvisor` (one node, as the kubelet
//! answers) and at `/metrics/cadvisor` (every node, each series with a `node` label, as
//! Prometheus's usual Kubernetes relabelling adds it) for a Prometheus to scrape directly.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use jiff::Timestamp;
use serde_json::Value;

use crate::controllers::kubelet::container_usage::{MetricsSource, Usage};
use crate::storage::{GroupResource, Store, str_at};

/// The cumulative CPU seconds of every container and node seen, by series key.
#[derive(Debug, Default)]
pub struct CpuCounters {
    /// key → (last read in ms, usage then in cores, seconds so far)
    counters: Mutex<HashMap<String, (i64, f64, f64)>>,
}

impl CpuCounters {
    /// The counter of `key` at `now_ms`, where the usage is `cores`.
    fn advance(&self, key: &str, now_ms: i64, cores: f64) -> f64 {
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = counters
            .entry(key.to_string())
            .or_insert((now_ms, cores, 0.0));
        let (last_ms, last_cores, total) = *entry;
        if now_ms > last_ms {
            let seconds = (now_ms - last_ms) as f64 / 1000.0;
            *entry = (now_ms, cores, total + (last_cores + cores) / 2.0 * seconds);
        }
        entry.2
    }

    /// Forgets series not read in the last `keep_ms` (deleted pods).
    fn forget_older_than(&self, cutoff_ms: i64) {
        self.counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|_, (last, _, _)| *last >= cutoff_ms);
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The exposition of one node (`Some`) or of all of them with `node` labels (`None`).
pub fn exposition(
    store: &Store,
    source: &dyn MetricsSource,
    counters: &CpuCounters,
    node: Option<&str>,
    now: Timestamp,
) -> String {
    let now_ms = now.as_millisecond();
    let nodes = store.list(&GroupResource::core("nodes"), None);
    let pods = store.list(&GroupResource::core("pods"), None);
    let mut cpu = String::from(
        "# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.\n# TYPE container_cpu_usage_seconds_total counter\n",
    );
    let mut memory = String::from(
        "# HELP container_memory_working_set_bytes Current working set in bytes.\n# TYPE container_memory_working_set_bytes gauge\n",
    );
    let mut write = |labels: String, key: &str, usage: Usage| {
        let cores = usage.cpu_nanocores as f64 / 1e9;
        let seconds = counters.advance(key, now_ms, cores);
        let _ = writeln!(
            cpu,
            "container_cpu_usage_seconds_total{{{labels}}} {seconds}"
        );
        let _ = writeln!(
            memory,
            "container_memory_working_set_bytes{{{labels}}} {}",
            usage.memory_bytes
        );
    };
    for n in nodes.iter().map(|o| o.value()) {
        let name = str_at(n, &["metadata", "name"]);
        if node.is_some_and(|wanted| wanted != name) {
            continue;
        }
        let node_label = |labels: String| match node {
            Some(_) => labels,
            None => format!("{labels},node=\"{}\"", escape(name)),
        };
        if let Some(usage) = source.node(n, now) {
            write(
                node_label("id=\"/\"".to_string()),
                &format!("node/{name}"),
                usage,
            );
        }
        for pod in pods.iter().map(|o| o.value()) {
            if str_at(pod, &["spec", "nodeName"]) != name {
                continue;
            }
            let Some(containers) = source.pod(pod, now) else {
                continue;
            };
            let namespace = str_at(pod, &["metadata", "namespace"]);
            let pod_name = str_at(pod, &["metadata", "name"]);
            let uid = str_at(pod, &["metadata", "uid"]);
            for (container, usage) in containers {
                let image = image_of(pod, &container);
                let labels = format!(
                    "container=\"{}\",id=\"/kubepods/pod{}/{}\",image=\"{}\",namespace=\"{}\",pod=\"{}\"",
                    escape(&container),
                    escape(uid),
                    escape(&container),
                    escape(image),
                    escape(namespace),
                    escape(pod_name)
                );
                write(node_label(labels), &format!("pod/{uid}/{container}"), usage);
            }
        }
    }
    counters.forget_older_than(now_ms - 3_600_000);
    cpu.push_str(&memory);
    cpu
}

fn image_of<'a>(pod: &'a Value, container: &str) -> &'a str {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c["name"] == container)
        .and_then(|c| c["image"].as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_counter_integrates_the_usage() {
        let counters = CpuCounters::default();
        assert_eq!(counters.advance("c", 0, 0.5), 0.0, "starts at zero");
        assert_eq!(
            counters.advance("c", 10_000, 0.5),
            5.0,
            "0.5 cores for 10 s"
        );
        assert_eq!(
            counters.advance("c", 20_000, 1.5),
            15.0,
            "trapezoid to 1.5 cores"
        );
        assert_eq!(counters.advance("c", 15_000, 9.0), 15.0, "never backwards");
    }
}
