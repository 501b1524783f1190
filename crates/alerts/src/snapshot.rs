//! What rules are evaluated against: the few facts of each pod, workload, node, Job, CronJob and
//! TLS Secret that a condition reads, taken from the objects as they arrive (a decoded Pod is
//! kilobytes; its facts are a few hundred bytes), and the usage metrics-server reported.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use wheelhouse_model::selector::Selector;

pub type Labels = BTreeMap<String, String>;

/// The waiting reason of a container the kubelet holds back after repeated crashes.
pub const CRASH_LOOP: &str = "CrashLoopBackOff";

/// Everything the evaluation reads, keyed by namespace and name.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub pods: BTreeMap<(String, String), PodFacts>,
    pub workloads: BTreeMap<(String, String, String), WorkloadFacts>,
    pub nodes: BTreeMap<String, NodeFacts>,
    pub jobs: BTreeMap<(String, String), JobFacts>,
    pub cronjobs: BTreeMap<(String, String), CronJobFacts>,
    pub certificates: BTreeMap<(String, String), CertificateFacts>,
    /// metrics.k8s.io's answer, when it was read (None: not read or not served).
    pub usage: Option<Usage>,
    /// Restarts the watcher saw happen, per pod and container: when each was first seen.
    pub restarts: HashMap<(String, String), Vec<(String, Timestamp)>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodFacts {
    pub labels: Labels,
    pub node: Option<String>,
    pub phase: String,
    pub ready: bool,
    /// When Ready last changed (its condition's lastTransitionTime), or the pod's creation.
    pub ready_since: Option<Timestamp>,
    pub deleting: bool,
    pub containers: Vec<ContainerFacts>,
    /// Its controller: kind and name (a ReplicaSet for a Deployment's pods).
    pub owner: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerFacts {
    pub name: String,
    pub restarts: u32,
    /// Why it waits (CrashLoopBackOff, ImagePullBackOff, …).
    pub waiting: Option<String>,
    /// How its last run ended: reason and exit code.
    pub last_exit: Option<(String, i32)>,
    /// When the watch last saw it wait in CrashLoopBackOff: between back-offs a crash-looping
    /// container runs for a while, and the loop is still a loop.
    pub crash_loop_seen: Option<Timestamp>,
    pub cpu_request: Option<f64>,
    pub cpu_limit: Option<f64>,
    pub memory_request: Option<f64>,
    pub memory_limit: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadFacts {
    pub labels: Labels,
    pub selector: Option<Selector>,
    pub desired: i32,
    pub available: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    pub labels: Labels,
    /// Condition type → (status, since).
    pub conditions: BTreeMap<String, (String, Option<Timestamp>)>,
    pub cpu_allocatable: Option<f64>,
    pub memory_allocatable: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobFacts {
    pub labels: Labels,
    /// The Failed condition's reason and message, when it is True.
    pub failed: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CronJobFacts {
    pub labels: Labels,
    pub schedule: String,
    pub suspended: bool,
    pub created: Option<Timestamp>,
    pub last_schedule: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CertificateFacts {
    pub labels: Labels,
    /// When tls.crt's first certificate expires, or why it could not be read.
    pub not_after: Result<Timestamp, String>,
}

/// Each container's name, CPU and memory.
pub type ContainerUsage = Vec<(String, f64, f64)>;

/// CPU (cores) and memory (bytes) in use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// Per pod: each container's usage.
    pub pods: HashMap<(String, String), ContainerUsage>,
    pub nodes: HashMap<String, (f64, f64)>,
}

fn key(meta: &ObjectMeta) -> (String, String) {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

fn labels(meta: &ObjectMeta) -> Labels {
    meta.labels.clone().unwrap_or_default()
}

fn time(value: Option<&Time>) -> Option<Timestamp> {
    value.map(|t| t.0)
}

fn quantity(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
    name: &str,
) -> Option<f64> {
    map?.get(name)
        .and_then(|q| wheelhouse_model::quantity::parse(&q.0))
}

/// The owner marked as controller: kind and name.
pub fn controller(meta: &ObjectMeta) -> Option<(String, String)> {
    meta.owner_references
        .as_ref()?
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| (o.kind.clone(), o.name.clone()))
}

impl PodFacts {
    pub fn of(pod: &Pod) -> Self {
        let status = pod.status.as_ref();
        let ready_condition = status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == "Ready"));
        let spec_containers = pod.spec.iter().flat_map(|s| &s.containers);
        let statuses = status.and_then(|s| s.container_statuses.as_ref());
        let containers = spec_containers
            .map(|c| {
                let resources = c.resources.as_ref();
                let state = statuses.and_then(|s| s.iter().find(|s| s.name == c.name));
                ContainerFacts {
                    name: c.name.clone(),
                    restarts: state.map_or(0, |s| u32::try_from(s.restart_count).unwrap_or(0)),
                    waiting: state
                        .and_then(|s| s.state.as_ref())
                        .and_then(|s| s.waiting.as_ref())
                        .and_then(|w| w.reason.clone()),
                    crash_loop_seen: None,
                    last_exit: state
                        .and_then(|s| s.last_state.as_ref())
                        .and_then(|s| s.terminated.as_ref())
                        .map(|t| (t.reason.clone().unwrap_or_default(), t.exit_code)),
                    cpu_request: quantity(resources.and_then(|r| r.requests.as_ref()), "cpu"),
                    cpu_limit: quantity(resources.and_then(|r| r.limits.as_ref()), "cpu"),
                    memory_request: quantity(resources.and_then(|r| r.requests.as_ref()), "memory"),
                    memory_limit: quantity(resources.and_then(|r| r.limits.as_ref()), "memory"),
                }
            })
            .collect();
        Self {
            labels: labels(&pod.metadata),
            node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
            phase: status
                .and_then(|s| s.phase.clone())
                .unwrap_or_else(|| "Pending".into()),
            ready: ready_condition.is_some_and(|c| c.status == "True"),
            ready_since: ready_condition
                .and_then(|c| time(c.last_transition_time.as_ref()))
                .or_else(|| time(pod.metadata.creation_timestamp.as_ref())),
            deleting: pod.metadata.deletion_timestamp.is_some(),
            containers,
            owner: controller(&pod.metadata),
        }
    }
}

macro_rules! workload_facts {
    ($fn:ident, $ty:ty, $desired:expr, $available:expr) => {
        pub fn $fn(object: &$ty) -> WorkloadFacts {
            let selector = object
                .spec
                .as_ref()
                .and_then(|s| serde_json::to_value(&s.selector).ok())
                .and_then(|v| Selector::from_label_selector(&v).ok());
            let desired: fn(&$ty) -> i32 = $desired;
            let available: fn(&$ty) -> i32 = $available;
            WorkloadFacts {
                labels: labels(&object.metadata),
                selector,
                desired: desired(object),
                available: available(object),
            }
        }
    };
}

impl WorkloadFacts {
    workload_facts!(
        of_deployment,
        Deployment,
        |d| d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        |d| d
            .status
            .as_ref()
            .and_then(|s| s.available_replicas)
            .unwrap_or(0)
    );
    workload_facts!(
        of_statefulset,
        StatefulSet,
        |s| s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        |s| s
            .status
            .as_ref()
            .and_then(|s| s.available_replicas)
            .unwrap_or(0)
    );
    workload_facts!(
        of_daemonset,
        DaemonSet,
        |d| d.status.as_ref().map_or(0, |s| s.desired_number_scheduled),
        |d| d
            .status
            .as_ref()
            .and_then(|s| s.number_available)
            .unwrap_or(0)
    );
}

impl NodeFacts {
    pub fn of(node: &Node) -> Self {
        let status = node.status.as_ref();
        let conditions = status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c.type_.clone(),
                    (c.status.clone(), time(c.last_transition_time.as_ref())),
                )
            })
            .collect();
        let allocatable = status.and_then(|s| s.allocatable.as_ref());
        Self {
            labels: labels(&node.metadata),
            conditions,
            cpu_allocatable: quantity(allocatable, "cpu"),
            memory_allocatable: quantity(allocatable, "memory"),
        }
    }
}

impl JobFacts {
    pub fn of(job: &Job) -> Self {
        let failed = job
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == "Failed" && c.status == "True"))
            .map(|c| {
                (
                    c.reason.clone().unwrap_or_default(),
                    c.message.clone().unwrap_or_default(),
                )
            });
        Self {
            labels: labels(&job.metadata),
            failed,
        }
    }
}

impl CronJobFacts {
    pub fn of(cronjob: &CronJob) -> Self {
        let spec = &cronjob.spec;
        Self {
            labels: labels(&cronjob.metadata),
            schedule: spec.schedule.clone(),
            suspended: spec.suspend.unwrap_or(false),
            created: time(cronjob.metadata.creation_timestamp.as_ref()),
            last_schedule: cronjob
                .status
                .as_ref()
                .and_then(|s| time(s.last_schedule_time.as_ref())),
        }
    }
}

impl CertificateFacts {
    /// A TLS Secret's certificate expiry; None for a Secret of another type (not kept).
    pub fn of(secret: &Secret) -> Option<Self> {
        if secret.type_.as_deref() != Some("kubernetes.io/tls") {
            return None;
        }
        let not_after = match secret.data.as_ref().and_then(|d| d.get("tls.crt")) {
            None => Err("the Secret has no tls.crt".to_string()),
            Some(pem) => wheelhouse_tls::certificate_not_after(&pem.0)
                .ok_or_else(|| "tls.crt holds no certificate that can be read".to_string()),
        };
        Some(Self {
            labels: labels(&secret.metadata),
            not_after,
        })
    }
}

impl Snapshot {
    pub fn put_pod(&mut self, pod: &Pod, seen: Timestamp) {
        let key = key(&pod.metadata);
        let mut facts = PodFacts::of(pod);
        let before = self.pods.get(&key);
        for container in &mut facts.containers {
            container.crash_loop_seen = if container.waiting.as_deref() == Some(CRASH_LOOP) {
                Some(seen)
            } else {
                before
                    .and_then(|b| b.containers.iter().find(|c| c.name == container.name))
                    .and_then(|c| c.crash_loop_seen)
            };
        }
        if let Some(before) = before {
            for container in &facts.containers {
                let earlier = before
                    .containers
                    .iter()
                    .find(|c| c.name == container.name)
                    .map_or(container.restarts, |c| c.restarts);
                if container.restarts > earlier {
                    let seen_restarts = self.restarts.entry(key.clone()).or_default();
                    for _ in earlier..container.restarts.min(earlier + 32) {
                        seen_restarts.push((container.name.clone(), seen));
                    }
                    // Bounded: only recent restarts matter to a window.
                    let excess = seen_restarts.len().saturating_sub(64);
                    seen_restarts.drain(..excess);
                }
            }
        }
        self.pods.insert(key, facts);
    }

    pub fn remove_pod(&mut self, pod: &Pod) {
        let key = key(&pod.metadata);
        self.pods.remove(&key);
        self.restarts.remove(&key);
    }

    pub fn put_workload(&mut self, kind: &str, meta: &ObjectMeta, facts: WorkloadFacts) {
        let (namespace, name) = key(meta);
        self.workloads
            .insert((kind.to_string(), namespace, name), facts);
    }

    pub fn remove_workload(&mut self, kind: &str, meta: &ObjectMeta) {
        let (namespace, name) = key(meta);
        self.workloads.remove(&(kind.to_string(), namespace, name));
    }

    pub fn put_node(&mut self, node: &Node) {
        self.nodes.insert(
            node.metadata.name.clone().unwrap_or_default(),
            NodeFacts::of(node),
        );
    }

    pub fn remove_node(&mut self, node: &Node) {
        self.nodes
            .remove(node.metadata.name.as_deref().unwrap_or_default());
    }

    pub fn put_job(&mut self, job: &Job) {
        self.jobs.insert(key(&job.metadata), JobFacts::of(job));
    }

    pub fn remove_job(&mut self, job: &Job) {
        self.jobs.remove(&key(&job.metadata));
    }

    pub fn put_cronjob(&mut self, cronjob: &CronJob) {
        self.cronjobs
            .insert(key(&cronjob.metadata), CronJobFacts::of(cronjob));
    }

    pub fn remove_cronjob(&mut self, cronjob: &CronJob) {
        self.cronjobs.remove(&key(&cronjob.metadata));
    }

    pub fn put_secret(&mut self, secret: &Secret) {
        match CertificateFacts::of(secret) {
            Some(facts) => {
                self.certificates.insert(key(&secret.metadata), facts);
            }
            None => {
                self.certificates.remove(&key(&secret.metadata));
            }
        }
    }

    pub fn remove_secret(&mut self, secret: &Secret) {
        self.certificates.remove(&key(&secret.metadata));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod(restarts: i32, waiting: Option<&str>) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": "checkout-7d9c4b-x1", "namespace": "shop", "labels": {"app": "checkout"},
                "creationTimestamp": "2026-12-07T10:00:00Z",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "checkout-7d9c4b", "uid": "u", "controller": true}]},
            "spec": {"nodeName": "worker-1", "containers": [{"name": "app",
                "resources": {"requests": {"memory": "64Mi", "cpu": "100m"}, "limits": {"memory": "128Mi"}}}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": "2026-12-07T10:01:00Z"}],
                "containerStatuses": [{"name": "app", "ready": false, "restartCount": restarts, "image": "i", "imageID": "",
                    "state": waiting.map_or(json!({"running": {}}), |w| json!({"waiting": {"reason": w}})),
                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}
        }))
        .expect("a pod")
    }

    #[test]
    fn a_pod_s_facts_are_what_a_condition_reads() {
        let facts = PodFacts::of(&pod(4, Some("CrashLoopBackOff")));
        assert!(!facts.ready);
        assert_eq!(
            facts.ready_since,
            Some("2026-12-07T10:01:00Z".parse().expect("ts"))
        );
        assert_eq!(
            facts.owner,
            Some(("ReplicaSet".into(), "checkout-7d9c4b".into()))
        );
        let app = &facts.containers[0];
        assert_eq!(app.restarts, 4);
        assert_eq!(app.waiting.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!(app.last_exit, Some(("Error".into(), 1)));
        assert_eq!(app.memory_limit, Some(128.0 * 1024.0 * 1024.0));
        assert_eq!(app.cpu_request, Some(0.1));
        assert_eq!(app.cpu_limit, None);
    }

    #[test]
    fn restarts_are_remembered_when_the_count_rises() {
        let mut snapshot = Snapshot::default();
        let first: Timestamp = "2026-12-07T10:00:00Z".parse().expect("ts");
        let later: Timestamp = "2026-12-07T10:05:00Z".parse().expect("ts");
        snapshot.put_pod(&pod(4, None), first);
        assert!(
            snapshot.restarts.is_empty(),
            "restarts before the alerter watched are not dated"
        );
        snapshot.put_pod(&pod(6, None), later);
        let seen = &snapshot.restarts[&("shop".to_string(), "checkout-7d9c4b-x1".to_string())];
        assert_eq!(seen.len(), 2);
        assert!(seen.iter().all(|(c, t)| c == "app" && *t == later));
    }
}
