//! What the API answers for one target (a pod, a workload, a node, a namespace or the cluster):
//! current usage against requests, limits and allocatable, series over a range, per-container
//! breakdown and the top consumers — computed from the history and the watch caches.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Node, Pod};

use super::history::{History, Owner, Sample, Series, sum};
use super::{Metrics, RangeOption, SourceKind};
use crate::facts::{PodFacts, ReplicaSetFacts};
use crate::{Cluster, Error, Result};

mod answer;

pub use answer::{
    Amounts, ContainerView, Current, SeriesView, TOP, Target, TargetMetrics, TargetName, Top,
    TopNode, TopPod, WORKLOAD_RESOURCES,
};

/// The Deployment owning each ReplicaSet, by namespace and name.
#[derive(Debug, Default)]
pub struct ReplicaSetOwners(HashMap<String, HashMap<Arc<str>, Option<Arc<str>>>>);

impl ReplicaSetOwners {
    /// Each ReplicaSet's name (the key, shared by all its pods' owners) and its Deployment's.
    pub fn new<'a>(replicasets: impl Iterator<Item = &'a Arc<ReplicaSetFacts>>) -> Self {
        let mut by_namespace: HashMap<String, HashMap<Arc<str>, Option<Arc<str>>>> = HashMap::new();
        for rs in replicasets {
            by_namespace
                .entry(rs.namespace.clone())
                .or_default()
                .insert(
                    rs.name.as_str().into(),
                    rs.deployment.as_deref().map(Arc::from),
                );
        }
        Self(by_namespace)
    }
}

/// The workloads a pod belongs to: its controller, and a ReplicaSet's Deployment.
pub fn owners_of(pod: &PodFacts, replicasets: &ReplicaSetOwners) -> Vec<Owner> {
    let Some((kind, name)) = &pod.controller else {
        return Vec::new();
    };
    let Some((resource, _)) = WORKLOAD_RESOURCES.iter().find(|(_, k)| *k == kind.as_ref()) else {
        return Vec::new();
    };
    // Built at its size: the history keeps one of these for each of 150,000 pods.
    if *resource == "replicasets"
        && let Some((replicaset, deployment)) = replicasets
            .0
            .get(pod.namespace.as_ref())
            .and_then(|in_namespace| in_namespace.get_key_value(name.as_ref()))
    {
        return match deployment {
            Some(deployment) => vec![
                (*resource, replicaset.clone()),
                ("deployments", deployment.clone()),
            ],
            None => vec![(*resource, replicaset.clone())],
        };
    }
    vec![(*resource, Arc::from(name.as_ref()))]
}

/// Requests and limits of CPU and memory. Each is an `f64` that is NaN where unset (32 bytes,
/// not the 64 of four `Option<f64>`): it is kept for each of 150,000 pods, their containers, the
/// history and the last scrape's totals.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    cpu_requests: f64,
    cpu_limits: f64,
    memory_requests: f64,
    memory_limits: f64,
}

impl Default for Bounds {
    /// Nothing set.
    fn default() -> Self {
        Bounds::new(None, None, None, None)
    }
}

impl PartialEq for Bounds {
    /// Unset equals unset.
    fn eq(&self, other: &Self) -> bool {
        let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
        same(self.cpu_requests, other.cpu_requests)
            && same(self.cpu_limits, other.cpu_limits)
            && same(self.memory_requests, other.memory_requests)
            && same(self.memory_limits, other.memory_limits)
    }
}

fn set(value: Option<f64>) -> f64 {
    value.filter(|v| !v.is_nan()).unwrap_or(f64::NAN)
}

fn read(value: f64) -> Option<f64> {
    (!value.is_nan()).then_some(value)
}

fn add(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

impl Bounds {
    pub fn new(
        cpu_requests: Option<f64>,
        cpu_limits: Option<f64>,
        memory_requests: Option<f64>,
        memory_limits: Option<f64>,
    ) -> Bounds {
        Bounds {
            cpu_requests: set(cpu_requests),
            cpu_limits: set(cpu_limits),
            memory_requests: set(memory_requests),
            memory_limits: set(memory_limits),
        }
    }

    pub fn cpu_requests(&self) -> Option<f64> {
        read(self.cpu_requests)
    }

    pub fn cpu_limits(&self) -> Option<f64> {
        read(self.cpu_limits)
    }

    pub fn memory_requests(&self) -> Option<f64> {
        read(self.memory_requests)
    }

    pub fn memory_limits(&self) -> Option<f64> {
        read(self.memory_limits)
    }

    /// The sum of the values that are set; unset where none is.
    pub fn plus(self, other: Bounds) -> Bounds {
        Bounds::new(
            add(self.cpu_requests(), other.cpu_requests()),
            add(self.cpu_limits(), other.cpu_limits()),
            add(self.memory_requests(), other.memory_requests()),
            add(self.memory_limits(), other.memory_limits()),
        )
    }

    pub(crate) fn of_container(container: &k8s_openapi::api::core::v1::Container) -> Bounds {
        let resources = container.resources.as_ref();
        let read = |which: Option<
            &std::collections::BTreeMap<
                String,
                k8s_openapi::apimachinery::pkg::api::resource::Quantity,
            >,
        >,
                    name: &str| {
            which?
                .get(name)
                .and_then(|q| wheelhouse_model::quantity::parse(&q.0))
        };
        let requests = resources.and_then(|r| r.requests.as_ref());
        let limits = resources.and_then(|r| r.limits.as_ref());
        // Kubernetes defaults a missing request to the limit.
        Bounds::new(
            read(requests, "cpu").or(read(limits, "cpu")),
            read(limits, "cpu"),
            read(requests, "memory").or(read(limits, "memory")),
            read(limits, "memory"),
        )
    }

    /// A pod's: the sum over its (app) containers of what they set.
    pub fn of_pod(pod: &Pod) -> Bounds {
        pod.spec
            .iter()
            .flat_map(|s| &s.containers)
            .map(Bounds::of_container)
            .fold(Bounds::default(), Bounds::plus)
    }
}

fn node_quantity(node: &Node, which: &str, name: &str) -> Option<f64> {
    let status = node.status.as_ref()?;
    let map = if which == "allocatable" {
        status.allocatable.as_ref()
    } else {
        status.capacity.as_ref()
    }?;
    wheelhouse_model::quantity::parse(&map.get(name)?.0)
}

fn amounts(usage: Option<f64>, requests: Option<f64>, limits: Option<f64>) -> Amounts {
    Amounts {
        usage,
        requests,
        limits,
        allocatable: None,
        capacity: None,
    }
}

fn current(usage: Option<Sample>, bounds: Bounds, at_ms: i64) -> Current {
    Current {
        cpu: amounts(
            usage.map(|u| u.cpu),
            bounds.cpu_requests(),
            bounds.cpu_limits(),
        ),
        memory: amounts(
            usage.map(|u| u.memory),
            bounds.memory_requests(),
            bounds.memory_limits(),
        ),
        timestamp: Timestamp::from_millisecond(at_ms).unwrap_or(Timestamp::UNIX_EPOCH),
    }
}

/// The scrapes within `range_seconds` before `now_ms`, as (sequence, unix ms).
fn window(history: &History, range_seconds: u64, now_ms: i64) -> Vec<(u64, i64)> {
    let from = now_ms - i64::try_from(range_seconds).unwrap_or(i64::MAX / 1000) * 1000;
    history.scrapes().filter(|(_, t)| *t >= from).collect()
}

/// The series of a sum of objects over `scrapes`: at each scrape, the sum of those that had a
/// sample (none: a gap).
fn series(
    scrapes: &[(u64, i64)],
    interval_seconds: f64,
    range_seconds: u64,
    now_ms: i64,
    at: impl Fn(u64) -> Option<Sample>,
) -> SeriesView {
    let mut view = SeriesView {
        source: SourceKind::MetricsServer,
        resolution_seconds: interval_seconds,
        start: now_ms as f64 / 1000.0 - range_seconds as f64,
        end: now_ms as f64 / 1000.0,
        timestamps: Vec::with_capacity(scrapes.len()),
        cpu: Vec::with_capacity(scrapes.len()),
        memory: Vec::with_capacity(scrapes.len()),
    };
    for (seq, t) in scrapes {
        let sample = at(*seq);
        view.timestamps.push(*t as f64 / 1000.0);
        view.cpu.push(sample.map(|s| s.cpu));
        view.memory.push(sample.map(|s| s.memory));
    }
    view
}

fn series_at(series: &Series) -> impl Fn(u64) -> Option<Sample> + '_ {
    move |seq| series.at(seq)
}

/// The top pods by CPU among `pods` at the last scrape.
fn top_pods<'a>(
    history: &'a History,
    pods: impl Iterator<Item = (&'a str, &'a str, &'a super::history::PodHistory)>,
) -> Vec<TopPod> {
    let Some(latest) = history.latest_seq() else {
        return Vec::new();
    };
    // Borrowed until the ten are known: a cluster has 150,000 pods, the answer ten.
    let used = pods.filter_map(|(namespace, name, pod)| Some((namespace, name, pod.at(latest)?)));
    busiest(used, |(namespace, name, usage)| {
        (usage.cpu, usage.memory, *namespace, *name)
    })
    .into_iter()
    .map(|(namespace, name, usage)| TopPod {
        namespace: namespace.to_string(),
        name: name.to_string(),
        cpu: usage.cpu,
        memory: usage.memory,
    })
    .collect()
}

fn top_nodes(history: &History, nodes: &[Arc<Node>]) -> Vec<TopNode> {
    let used = nodes.iter().filter_map(|node| {
        let name = node.metadata.name.as_deref()?;
        Some((node.as_ref(), name, history.latest_node(name)?))
    });
    busiest(used, |(_, name, usage)| {
        (usage.cpu, usage.memory, "", *name)
    })
    .into_iter()
    .map(|(node, name, usage)| {
        let percent =
            |used: f64, of: Option<f64>| of.filter(|o| *o > 0.0).map(|o| used / o * 100.0);
        TopNode {
            name: name.to_string(),
            cpu: usage.cpu,
            memory: usage.memory,
            cpu_percent: percent(usage.cpu, node_quantity(node, "allocatable", "cpu")),
            memory_percent: percent(usage.memory, node_quantity(node, "allocatable", "memory")),
        }
    })
    .collect()
}

/// The [`TOP`] of `items` by CPU, then memory, highest first (ties by namespace and name), found
/// without sorting them all and without gathering them: at most twice [`TOP`] are held, so a
/// request over 150,000 pods allocates no vector of 150,000 (fresh pages for every request,
/// which a busy machine makes slow).
fn busiest<T>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> (f64, f64, &str, &str),
) -> Vec<T> {
    let order = |a: &T, b: &T| {
        let (a, b) = (key(a), key(b));
        b.0.total_cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then_with(|| (a.2, a.3).cmp(&(b.2, b.3)))
    };
    let mut kept = Vec::with_capacity(2 * TOP);
    for item in items {
        kept.push(item);
        // What falls below the tenth of these cannot be among the ten of all.
        if kept.len() == 2 * TOP {
            kept.select_nth_unstable_by(TOP - 1, order);
            kept.truncate(TOP);
        }
    }
    if kept.len() > TOP {
        kept.select_nth_unstable_by(TOP - 1, order);
        kept.truncate(TOP);
    }
    kept.sort_by(order);
    kept
}

impl Metrics {
    /// The range named `id` (the longest metrics-server range, normally `1h`, when `None`).
    pub fn range(&self, id: Option<&str>) -> Result<RangeOption> {
        let ranges = self.ranges();
        match id {
            Some(id) => {
                ranges
                    .iter()
                    .find(|r| r.id == id)
                    .cloned()
                    .ok_or_else(|| Error::UnknownRange {
                        range: id.to_string(),
                        valid: ranges.iter().map(|r| r.id.clone()).collect(),
                    })
            }
            None => ranges
                .iter()
                .rev()
                .find(|r| r.source == SourceKind::MetricsServer)
                .or(ranges.first())
                .cloned()
                .ok_or_else(|| Error::UnknownRange {
                    range: String::new(),
                    valid: Vec::new(),
                }),
        }
    }

    /// Metrics of one target over `range` (see [`Metrics::range`]).
    pub async fn target(
        &self,
        cluster: &Cluster,
        target: &Target,
        range: Option<&str>,
    ) -> Result<TargetMetrics> {
        let range = self.range(range)?;
        // Pod metrics the console may not read are not an empty chart: say why they are missing.
        let namespaces: &[String] = match target {
            Target::Namespaces(wanted) => wanted,
            Target::Pod { namespace, .. } | Target::Workload { namespace, .. } => {
                std::slice::from_ref(namespace)
            }
            Target::Cluster | Target::Node(_) => &[],
        };
        for namespace in namespaces {
            if let Some(reason) = self.not_scraped(namespace) {
                return Err(Error::NotScraped {
                    namespace: namespace.clone(),
                    reason,
                });
            }
        }
        let caches = cluster.caches();
        let pods = match caches
            .pods_scoped(&self.config.fallback_namespaces)
            .await
            .map(|pods| pods.objects)
        {
            Ok(pods) => pods,
            // Pods may not be listed cluster-wide (a kubeconfig for a few namespaces): a pod's,
            // workload's or namespace's usage still comes from the history (the scraper reads
            // those namespaces), without the requests and limits the pod objects would add.
            Err(Error::ListRefused { .. })
                if !matches!(target, Target::Cluster | Target::Node(_)) =>
            {
                Vec::new()
            }
            Err(error) => return Err(error),
        };
        let pods_listed = !pods.is_empty();
        let nodes = match target {
            Target::Cluster | Target::Node(_) => caches.nodes().await?,
            _ => Vec::new(),
        };
        let replicasets = match target {
            Target::Workload { .. } => ReplicaSetOwners::new(caches.replicasets().await?.iter()),
            _ => ReplicaSetOwners::default(),
        };
        let name = match target {
            Target::Cluster => TargetName {
                kind: "Cluster",
                namespace: None,
                name: None,
            },
            Target::Node(name) => {
                found(holds(&nodes, name), "node", name)?;
                TargetName {
                    kind: "Node",
                    namespace: None,
                    name: Some(name.clone()),
                }
            }
            Target::Namespaces(wanted) => {
                match caches.namespaces().await {
                    Ok(namespaces) => {
                        for namespace in wanted {
                            found(holds(&namespaces, namespace), "namespace", namespace)?;
                        }
                    }
                    // Namespaces may not be listed (a kubeconfig for a few namespaces, with
                    // `--allowed-namespace`): whether each exists is unknown here, and the
                    // person's right to its pods was reviewed before; its usage is the history's.
                    Err(Error::ListRefused { .. }) => {}
                    Err(error) => return Err(error),
                }
                TargetName {
                    kind: if wanted.len() == 1 {
                        "Namespace"
                    } else {
                        "Namespaces"
                    },
                    namespace: None,
                    name: Some(wanted.join(",")),
                }
            }
            Target::Pod { namespace, name } => {
                let in_history = || {
                    self.history()
                        .pods(Some(namespace))
                        .any(|(_, n, _)| n == name)
                };
                found(
                    pods.iter()
                        .any(|p| *p.namespace == **namespace && p.name == *name)
                        || (!pods_listed && in_history()),
                    "pod",
                    &format!("{namespace}/{name}"),
                )?;
                TargetName {
                    kind: "Pod",
                    namespace: Some(namespace.clone()),
                    name: Some(name.clone()),
                }
            }
            Target::Workload {
                resource,
                namespace,
                name,
            } => {
                let kind = workload_exists(cluster, resource, namespace, name).await?;
                TargetName {
                    kind,
                    namespace: Some(namespace.clone()),
                    name: Some(name.clone()),
                }
            }
        };
        let state = self.status();
        let interval = self.config.interval.as_secs_f64();
        let now_ms = Timestamp::now().as_millisecond();
        // Everything that reads the (locked, not `Send`) history happens in this block, before
        // any await.
        let (answer, workload_pods) = {
            let history = self.history();
            // Pods that belonged to a workload (for Prometheus, which knows pods but not owners).
            let workload_pods: Vec<String> = match target {
                Target::Workload {
                    resource,
                    namespace,
                    name,
                } => {
                    let mut names: Vec<String> = history
                        .pods(Some(namespace))
                        .filter(|(_, _, p)| p.owned_by(resource, name))
                        .map(|(_, n, _)| n.to_string())
                        .collect();
                    for pod in pods.iter() {
                        if *pod.namespace == **namespace
                            && owners_of(pod, &replicasets)
                                .iter()
                                .any(|(r, n)| r == resource && **n == **name)
                            && !names.contains(&pod.name)
                        {
                            names.push(pod.name.clone());
                        }
                    }
                    names
                }
                _ => Vec::new(),
            };
            match history.latest_seq() {
                None => (
                    TargetMetrics {
                        target: name,
                        state,
                        current: None,
                        series: None,
                        containers: matches!(target, Target::Pod { .. }).then(Vec::new),
                        top: None,
                    },
                    workload_pods,
                ),
                Some(latest) => {
                    let latest_ms = history.latest_time().unwrap_or(now_ms);
                    let scrapes = window(&history, range.seconds, now_ms);
                    let make_series = |at: &dyn Fn(u64) -> Option<Sample>| {
                        series(&scrapes, interval, range.seconds, now_ms, at)
                    };
                    let bounds_of = |keep: &dyn Fn(&PodFacts) -> bool| {
                        pods.iter()
                            .filter(|p| p.active() && keep(p))
                            .map(|p| p.bounds)
                            .fold(Bounds::default(), Bounds::plus)
                    };
                    let answer = match target {
                        Target::Cluster => {
                            let at = |seq: u64| sum(history.nodes().filter_map(|(_, s)| s.at(seq)));
                            let mut now =
                                current(at(latest), bounds_of(&|p| p.node.is_some()), latest_ms);
                            let total = |which, name| {
                                nodes
                                    .iter()
                                    .filter_map(|n| node_quantity(n, which, name))
                                    .reduce(|a, b| a + b)
                            };
                            now.cpu.allocatable = total("allocatable", "cpu");
                            now.cpu.capacity = total("capacity", "cpu");
                            now.memory.allocatable = total("allocatable", "memory");
                            now.memory.capacity = total("capacity", "memory");
                            TargetMetrics {
                                target: name,
                                state,
                                current: Some(now),
                                series: Some(make_series(&at)),
                                containers: None,
                                top: Some(Top {
                                    pods: top_pods(&history, history.pods(None)),
                                    nodes: top_nodes(&history, &nodes),
                                }),
                            }
                        }
                        Target::Node(node_name) => {
                            let node = nodes
                                .iter()
                                .find(|n| n.metadata.name.as_deref() == Some(node_name));
                            let series_of = history.node(node_name);
                            let at = |seq: u64| series_of.and_then(|s| s.at(seq));
                            let on_node = |p: &PodFacts| p.node.as_deref() == Some(node_name);
                            let mut now = current(at(latest), bounds_of(&on_node), latest_ms);
                            if let Some(node) = node {
                                now.cpu.allocatable = node_quantity(node, "allocatable", "cpu");
                                now.cpu.capacity = node_quantity(node, "capacity", "cpu");
                                now.memory.allocatable =
                                    node_quantity(node, "allocatable", "memory");
                                now.memory.capacity = node_quantity(node, "capacity", "memory");
                            }
                            TargetMetrics {
                                target: name,
                                state,
                                current: Some(now),
                                series: Some(make_series(&at)),
                                containers: None,
                                top: Some(Top {
                                    pods: top_pods(
                                        &history,
                                        history.pods(None).filter(|(_, _, p)| {
                                            p.node.as_deref() == Some(node_name)
                                        }),
                                    ),
                                    nodes: Vec::new(),
                                }),
                            }
                        }
                        Target::Namespaces(namespaces) => {
                            let at = |seq: u64| {
                                sum(history
                                    .pods_in(namespaces)
                                    .filter_map(|(_, _, p)| p.at(seq)))
                            };
                            let in_namespace =
                                |p: &PodFacts| namespaces.iter().any(|n| **n == *p.namespace);
                            TargetMetrics {
                                target: name,
                                state,
                                current: Some(current(
                                    at(latest),
                                    bounds_of(&in_namespace),
                                    latest_ms,
                                )),
                                series: Some(make_series(&at)),
                                containers: None,
                                top: Some(Top {
                                    pods: top_pods(&history, history.pods_in(namespaces)),
                                    nodes: Vec::new(),
                                }),
                            }
                        }
                        Target::Workload {
                            resource,
                            namespace,
                            name: workload,
                        } => {
                            let at = |seq: u64| {
                                sum(history
                                    .pods(Some(namespace))
                                    .filter(|(_, _, p)| p.owned_by(resource, workload))
                                    .filter_map(|(_, _, p)| p.at(seq)))
                            };
                            let owned = |p: &PodFacts| {
                                *p.namespace == **namespace
                                    && owners_of(p, &replicasets)
                                        .iter()
                                        .any(|(r, n)| r == resource && **n == **workload)
                            };
                            TargetMetrics {
                                target: name,
                                state,
                                current: Some(current(at(latest), bounds_of(&owned), latest_ms)),
                                series: Some(make_series(&at)),
                                containers: None,
                                top: None,
                            }
                        }
                        Target::Pod {
                            namespace,
                            name: pod_name,
                        } => {
                            let object = pods
                                .iter()
                                .find(|p| *p.namespace == **namespace && p.name == *pod_name);
                            let recorded = history.pod(namespace, pod_name);
                            let at = |seq: u64| recorded.and_then(|p| p.at(seq));
                            let bounds = object.map(|p| p.bounds).unwrap_or_default();
                            let mut names: Vec<String> = object
                                .map(|p| p.containers.iter().map(|(n, _)| n.clone()).collect())
                                .unwrap_or_default();
                            for (container, _) in recorded
                                .map(|p| p.containers.as_slice())
                                .unwrap_or_default()
                            {
                                if !names.contains(container) {
                                    names.push(container.clone());
                                }
                            }
                            let containers = names
                                .into_iter()
                                .map(|container| {
                                    let series_of = recorded.and_then(|p| {
                                        p.containers
                                            .iter()
                                            .find(|(n, _)| *n == container)
                                            .map(|(_, s)| s)
                                    });
                                    let bounds = object
                                        .and_then(|p| {
                                            p.containers.iter().find(|(n, _)| *n == container)
                                        })
                                        .map(|(_, b)| *b)
                                        .unwrap_or_default();
                                    let usage = series_of.and_then(|s| s.at(latest));
                                    ContainerView {
                                        current: Some(current(usage, bounds, latest_ms)),
                                        series: Some(match series_of {
                                            Some(s) => make_series(&series_at(s)),
                                            None => make_series(&|_| None),
                                        }),
                                        name: container,
                                    }
                                })
                                .collect();
                            TargetMetrics {
                                target: name,
                                state,
                                current: Some(current(at(latest), bounds, latest_ms)),
                                series: Some(make_series(&at)),
                                containers: Some(containers),
                                top: None,
                            }
                        }
                    };
                    (answer, workload_pods)
                }
            }
        };
        self.with_prometheus_series(answer, target, &range, now_ms, &workload_pods)
            .await
    }

    /// Replaces the series with Prometheus's when the range is one only it serves.
    async fn with_prometheus_series(
        &self,
        mut answer: TargetMetrics,
        target: &Target,
        range: &RangeOption,
        now_ms: i64,
        workload_pods: &[String],
    ) -> Result<TargetMetrics> {
        use super::prometheus::{any_of, quote};
        if range.source != SourceKind::Prometheus {
            return Ok(answer);
        }
        let Some(prometheus) = self.prometheus() else {
            return Ok(answer);
        };
        let containers = r#"container!="",container!="POD""#;
        let selector = match target {
            Target::Cluster => r#"id="/""#.to_string(),
            Target::Node(name) => format!(r#"id="/",node={}"#, quote(name)),
            Target::Namespaces(namespaces) => match namespaces.as_slice() {
                [namespace] => format!("namespace={},{containers}", quote(namespace)),
                _ => format!("namespace=~\"{}\",{containers}", any_of(namespaces)),
            },
            Target::Pod { namespace, name } => format!(
                "namespace={},pod={},{containers}",
                quote(namespace),
                quote(name)
            ),
            Target::Workload { namespace, .. } if workload_pods.is_empty() => {
                // No pod known: a selector matching nothing, so the answer is an empty series.
                format!(r#"namespace={},pod="""#, quote(namespace))
            }
            Target::Workload { namespace, .. } => format!(
                "namespace={},pod=~\"{}\",{containers}",
                quote(namespace),
                any_of(workload_pods)
            ),
        };
        let end = (now_ms / 1000) as f64;
        let start = end - range.seconds as f64;
        // About 240 points per chart; rates over two steps, at least the configured window.
        let step = (range.seconds / 240).max(1) as f64;
        let window = (step as u64 * 2).max(prometheus.config().min_rate_window.as_secs().max(1));
        let by = if matches!(target, Target::Pod { .. }) {
            " by (container)"
        } else {
            ""
        };
        let cpu_query =
            format!("sum{by}(rate(container_cpu_usage_seconds_total{{{selector}}}[{window}s]))");
        let memory_query = format!("sum{by}(container_memory_working_set_bytes{{{selector}}})");
        let (cpu, memory) = tokio::try_join!(
            prometheus.range(&cpu_query, start, end, step),
            prometheus.range(&memory_query, start, end, step),
        )?;
        let timestamps: Vec<f64> = (0..=(range.seconds / step as u64))
            .map(|i| start + i as f64 * step)
            .collect();
        let align = |series: Option<&super::prometheus::PromSeries>| -> Vec<Option<f64>> {
            let points: HashMap<i64, f64> = series
                .map(|s| {
                    s.points
                        .iter()
                        .map(|(t, v)| ((t * 1000.0).round() as i64, *v))
                        .collect()
                })
                .unwrap_or_default();
            timestamps
                .iter()
                .map(|t| points.get(&((t * 1000.0).round() as i64)).copied())
                .collect()
        };
        let view = |cpu_series, memory_series| SeriesView {
            source: SourceKind::Prometheus,
            resolution_seconds: step,
            start,
            end,
            timestamps: timestamps.clone(),
            cpu: align(cpu_series),
            memory: align(memory_series),
        };
        if by.is_empty() {
            answer.series = Some(view(cpu.first(), memory.first()));
        } else {
            fn of<'a>(
                list: &'a [super::prometheus::PromSeries],
                container: &str,
            ) -> Option<&'a super::prometheus::PromSeries> {
                list.iter()
                    .find(|s| s.labels.get("container").map(String::as_str) == Some(container))
            }
            let mut total = view(None, None);
            for (i, _) in timestamps.iter().enumerate() {
                let add = |list: &[super::prometheus::PromSeries]| {
                    let values: Vec<f64> = list.iter().filter_map(|s| align(Some(s))[i]).collect();
                    (!values.is_empty()).then(|| values.iter().sum())
                };
                total.cpu[i] = add(&cpu);
                total.memory[i] = add(&memory);
            }
            answer.series = Some(total);
            if let Some(containers) = answer.containers.as_mut() {
                let mut names: Vec<String> = cpu
                    .iter()
                    .chain(&memory)
                    .filter_map(|s| s.labels.get("container").cloned())
                    .collect();
                names.sort();
                names.dedup();
                for name in names {
                    if !containers.iter().any(|c| c.name == name) {
                        containers.push(ContainerView {
                            name: name.clone(),
                            current: None,
                            series: None,
                        });
                    }
                }
                for container in containers.iter_mut() {
                    let (c, m) = (of(&cpu, &container.name), of(&memory, &container.name));
                    container.series = Some(view(c, m));
                }
            }
        }
        Ok(answer)
    }
}

/// Whether `objects` hold one called `name` (cluster-scoped, or all namespaces).
fn holds<K: kube::Resource>(objects: &[Arc<K>], name: &str) -> bool {
    objects
        .iter()
        .any(|o| o.meta().name.as_deref() == Some(name))
}

/// `Ok` when the target was found, else the 404 that names it.
fn found(exists: bool, kind: &'static str, name: &str) -> Result<()> {
    if exists {
        Ok(())
    } else {
        Err(Error::NotFound {
            kind,
            name: name.to_string(),
        })
    }
}

/// Checks that the workload exists; its kind.
async fn workload_exists(
    cluster: &Cluster,
    resource: &str,
    namespace: &str,
    name: &str,
) -> Result<&'static str> {
    use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
    use k8s_openapi::api::batch::v1::Job;
    use kube::Api;
    use kube::api::{ApiResource, DynamicObject};
    let Some((_, kind)) = WORKLOAD_RESOURCES.iter().find(|(r, _)| *r == resource) else {
        return Err(Error::UnknownWorkload(resource.to_string()));
    };
    let api_resource = match resource {
        "deployments" => ApiResource::erase::<Deployment>(&()),
        "statefulsets" => ApiResource::erase::<StatefulSet>(&()),
        "daemonsets" => ApiResource::erase::<DaemonSet>(&()),
        "replicasets" => ApiResource::erase::<ReplicaSet>(&()),
        _ => ApiResource::erase::<Job>(&()),
    };
    let exists =
        Api::<DynamicObject>::namespaced_with(cluster.client().clone(), namespace, &api_resource)
            .get_metadata_opt(name)
            .await
            .map_err(|source| Error::Read {
                what: format!("{resource} {namespace}/{name}"),
                source,
            })?
            .is_some();
    found(exists, kind_lower(kind), &format!("{namespace}/{name}"))?;
    Ok(kind)
}

fn kind_lower(kind: &'static str) -> &'static str {
    match kind {
        "Deployment" => "deployment",
        "StatefulSet" => "statefulset",
        "DaemonSet" => "daemonset",
        "ReplicaSet" => "replicaset",
        _ => "job",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(p: &(String, String, f64, f64)) -> (f64, f64, &str, &str) {
        (p.2, p.3, p.0.as_str(), p.1.as_str())
    }

    #[test]
    fn the_busiest_are_the_first_of_a_full_sort_by_cpu_then_memory_then_name() {
        // 1,000 pods with few distinct figures, so ties are many and cross the tenth place.
        let pods: Vec<(String, String, f64, f64)> = (0..1_000)
            .map(|i| {
                let namespace = format!("team-{}", i % 7);
                let name = format!("pod-{i:04}");
                (namespace, name, f64::from(i % 13) / 10.0, f64::from(i % 3))
            })
            .collect();
        let mut sorted = pods.clone();
        sorted.sort_by(|a, b| {
            b.2.total_cmp(&a.2)
                .then(b.3.total_cmp(&a.3))
                .then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1)))
        });
        sorted.truncate(TOP);
        assert_eq!(busiest(pods.clone(), key), sorted);
        // Fewer than ten: all of them, in order.
        let few = pods[..4].to_vec();
        let mut expected = few.clone();
        expected.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.3.total_cmp(&a.3)));
        assert_eq!(busiest(few, key), expected);
    }
}
