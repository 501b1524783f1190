//! CPU and memory usage for simulated pods and nodes: within requests and limits, drifting
//! smoothly over minutes, the same for the same object and moment. Pods annotated
//! `sim.wheelhouse.dev/hungry: "true"` (the demo's `shop/payments`) run close to their
//! memory limit and busy on CPU.
//!
//! metrics.k8s.io and the cAdvisor endpoint read them through [`MetricsSource`]:
//! [`WorkloadMetrics`] by default, [`GeneratedMetrics`] for plain values, or a source of the
//! caller's.

use jiff::Timestamp;
use serde_json::Value;

use crate::controllers::meta;

/// Annotation that makes a pod's memory usage run close to its limit in metrics, and its CPU busy.
pub const HUNGRY_ANNOTATION: &str = "sim.wheelhouse.dev/hungry";

/// CPU in nanocores and memory in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub cpu_nanocores: u64,
    pub memory_bytes: u64,
}

/// Where usage values come from: [`WorkloadMetrics`] unless [`SimConfig::metrics`] installs
/// another.
///
/// [`SimConfig::metrics`]: crate::SimConfig::metrics
pub trait MetricsSource: Send + Sync {
    /// Usage of each container of a running pod (`None` for pods without metrics).
    fn pod(&self, pod: &Value, now: Timestamp) -> Option<Vec<(String, Usage)>>;
    /// Usage of a node.
    fn node(&self, node: &Value, now: Timestamp) -> Option<Usage>;
}

/// Plausible, slowly changing values derived from the object's uid and the time.
#[derive(Debug, Default, Clone, Copy)]
pub struct GeneratedMetrics;

/// The seed of [`GeneratedMetrics`]' values for an object.
fn plain_seed(s: &str) -> u64 {
    s.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    })
}

/// [`GeneratedMetrics`]' wave: in [0, 1], a period of about 12 minutes, out of phase per seed.
fn plain_wave(seed: u64, now: Timestamp) -> f64 {
    let phase = (seed % 1000) as f64 / 1000.0 * std::f64::consts::TAU;
    0.5 + 0.5 * ((now.as_second() as f64 / 120.0) + phase).sin()
}

impl MetricsSource for GeneratedMetrics {
    fn pod(&self, pod: &Value, now: Timestamp) -> Option<Vec<(String, Usage)>> {
        if meta::str_at(pod, &["status", "phase"]) != "Running" {
            return None;
        }
        let uid = meta::str_at(pod, &["metadata", "uid"]);
        let containers = pod.pointer("/spec/containers").and_then(Value::as_array)?;
        Some(
            containers
                .iter()
                .map(|c| {
                    let name = c["name"].as_str().unwrap_or("").to_string();
                    let s = plain_seed(&format!("{uid}/{name}"));
                    let w = plain_wave(s, now);
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
        let s = plain_seed(meta::str_at(node, &["metadata", "uid"]));
        let w = plain_wave(s, now);
        Some(Usage {
            cpu_nanocores: 300_000_000 + (w * 1_500_000_000.0) as u64,
            memory_bytes: (2 * 1024 + s % 1024) * 1024 * 1024
                + (w * 1024.0 * 1024.0 * 1024.0) as u64,
        })
    }
}

/// Usage shaped by the pods' resources and the nodes' capacity.
#[derive(Debug, Default, Clone, Copy)]
pub struct WorkloadMetrics;

const MI: f64 = 1024.0 * 1024.0;

/// A smooth value in [0, 1] that changes over a few minutes, out of phase per seed.
fn wave(seed: u64, now: Timestamp, period_secs: f64) -> f64 {
    let phase = (seed % 10_000) as f64 / 10_000.0 * std::f64::consts::TAU;
    let t = now.as_millisecond() as f64 / 1000.0;
    let slow = (t / period_secs * std::f64::consts::TAU + phase).sin();
    let fast = (t / (period_secs / 7.3) * std::f64::consts::TAU + phase * 3.0).sin();
    (0.5 + 0.35 * slow + 0.15 * fast).clamp(0.0, 1.0)
}

fn resource(c: &Value, kind: &str, which: &str) -> Option<f64> {
    meta::quantity(c.pointer(&format!("/resources/{which}/{kind}")))
}

/// The usage of one container of a running pod at `now`.
pub fn container_usage(pod: &Value, container: &Value, now: Timestamp) -> Usage {
    let seed = meta::fnv64a(
        format!("{}/{}", meta::uid(pod), meta::str_at(container, &["name"])).as_bytes(),
    );
    let hungry = meta::annotation(pod, HUNGRY_ANNOTATION) == Some("true");
    let w = wave(seed, now, 300.0);
    let share = (seed % 1000) as f64 / 1000.0;
    let cpu_request = resource(container, "cpu", "requests");
    let cpu_limit = resource(container, "cpu", "limits");
    let cpu = match (cpu_request, cpu_limit) {
        _ if hungry => cpu_limit.or(cpu_request).unwrap_or(0.5) * (0.75 + 0.2 * w),
        (Some(r), _) => r * (0.15 + 0.5 * share + 0.6 * w),
        (None, Some(l)) => l * (0.05 + 0.3 * w),
        (None, None) => 0.002 + 0.03 * share + 0.02 * w,
    };
    let cpu = cpu_limit.map_or(cpu, |l| cpu.min(l * 0.98));
    let mem_request = resource(container, "memory", "requests");
    let mem_limit = resource(container, "memory", "limits");
    let mem = match (mem_request, mem_limit) {
        _ if hungry => mem_limit.or(mem_request).unwrap_or(512.0 * MI) * (0.9 + 0.07 * w),
        (Some(r), _) => r * (0.45 + 0.4 * share + 0.15 * w),
        (None, Some(l)) => l * (0.2 + 0.3 * share + 0.1 * w),
        (None, None) => (12.0 + 120.0 * share + 8.0 * w) * MI,
    };
    let mem = mem_limit.map_or(mem, |l| mem.min(l * 0.985));
    Usage {
        cpu_nanocores: (cpu * 1e9) as u64,
        memory_bytes: mem as u64,
    }
}

impl MetricsSource for WorkloadMetrics {
    fn pod(&self, pod: &Value, now: Timestamp) -> Option<Vec<(String, Usage)>> {
        if meta::str_at(pod, &["status", "phase"]) != "Running" {
            return None;
        }
        let statuses = meta::at(pod, &["status", "containerStatuses"]).and_then(Value::as_array);
        let containers = meta::at(pod, &["spec", "containers"]).and_then(Value::as_array)?;
        // metrics-server reports the containers that run; a pod with none has no metrics.
        let usage: Vec<(String, Usage)> = containers
            .iter()
            .filter(|c| {
                statuses
                    .into_iter()
                    .flatten()
                    .find(|s| s["name"] == c["name"])
                    .is_some_and(|s| s.pointer("/state/running").is_some())
            })
            .map(|c| {
                (
                    meta::str_at(c, &["name"]).to_string(),
                    container_usage(pod, c, now),
                )
            })
            .collect();
        (!usage.is_empty()).then_some(usage)
    }

    fn node(&self, node: &Value, now: Timestamp) -> Option<Usage> {
        let ready = meta::at(node, &["status", "conditions"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        if !ready {
            return None;
        }
        let seed = meta::fnv64a(meta::name(node).as_bytes());
        let w = wave(seed, now, 600.0);
        let share = (seed % 1000) as f64 / 1000.0;
        let cpu_cap = meta::quantity(meta::at(node, &["status", "capacity", "cpu"])).unwrap_or(4.0);
        let mem_cap = meta::quantity(meta::at(node, &["status", "capacity", "memory"]))
            .unwrap_or(16.0 * 1024.0 * MI);
        Some(Usage {
            cpu_nanocores: (cpu_cap * (0.12 + 0.25 * share + 0.2 * w) * 1e9) as u64,
            memory_bytes: (mem_cap * (0.3 + 0.25 * share + 0.1 * w)) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(uid: &str, annotations: Value, resources: Value) -> Value {
        json!({"metadata": {"name": uid, "uid": uid, "annotations": annotations},
               "spec": {"containers": [{"name": "c", "resources": resources}]},
               "status": {"phase": "Running", "containerStatuses": [{"name": "c", "state": {"running": {}}}]}})
    }

    fn ts(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).expect("ts")
    }

    #[test]
    fn usage_stays_below_limits_and_changes_over_time() {
        let limits = json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}});
        let mut samples = Vec::new();
        for i in 0..40 {
            let p = pod(&format!("pod-{i}"), json!({}), limits.clone());
            let usage = WorkloadMetrics.pod(&p, ts(i * 37)).expect("running")[0].1;
            assert!(
                usage.cpu_nanocores <= 490_000_000,
                "cpu under the limit: {usage:?}"
            );
            assert!(
                usage.memory_bytes <= 256 * 1024 * 1024,
                "memory under the limit: {usage:?}"
            );
            samples.push(usage);
        }
        let p = pod("pod-0", json!({}), limits);
        let a = WorkloadMetrics.pod(&p, ts(0)).expect("running")[0].1;
        let b = WorkloadMetrics.pod(&p, ts(90)).expect("running")[0].1;
        assert_ne!(a, b, "usage moves");
        assert_eq!(
            a,
            WorkloadMetrics.pod(&p, ts(0)).expect("running")[0].1,
            "and is the same for the same moment"
        );
    }

    #[test]
    fn a_hungry_pod_runs_close_to_its_memory_limit() {
        let limits = json!({"requests": {"cpu": "250m", "memory": "384Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}});
        let p = pod("pay", json!({HUNGRY_ANNOTATION: "true"}), limits);
        for t in [0, 100, 200, 300] {
            let usage = WorkloadMetrics.pod(&p, ts(t)).expect("running")[0].1;
            let frac = usage.memory_bytes as f64 / (512.0 * MI);
            assert!((0.89..=0.99).contains(&frac), "at {t}: {frac}");
        }
    }

    #[test]
    fn pods_without_a_running_container_have_no_metrics() {
        let mut pending = pod("p", json!({}), json!({}));
        pending["status"]["phase"] = json!("Pending");
        assert_eq!(WorkloadMetrics.pod(&pending, ts(0)), None);
        let mut crashed = pod("c", json!({}), json!({}));
        crashed["status"]["containerStatuses"][0]["state"] =
            json!({"waiting": {"reason": "CrashLoopBackOff"}});
        assert_eq!(
            WorkloadMetrics.pod(&crashed, ts(0)),
            None,
            "a crash-looping pod between runs"
        );
    }
}
