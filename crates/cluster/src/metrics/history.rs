//! Bounded in-memory history of CPU and memory usage per container, pod and node.
//!
//! Every scrape appends one shared timestamp; each series holds one `[cpu, memory]` pair per
//! scrape, each figure packed in 16 bits on a logarithmic scale (within 0.05% of what was
//! scraped; see [`pack`]), aligned to the shared timestamps by a sequence number. Scrapes older
//! than the retention fall off the front, and an object whose last sample has fallen off is
//! forgotten, so memory is bounded by objects × samples × 4 bytes.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, OnceLock};

use wheelhouse_model::rows::object_key;

use super::view::Bounds;

/// CPU in cores and memory in bytes of one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub cpu: f64,
    pub memory: f64,
}

/// The workload a pod belongs to, as `(resource, name)` in the pod's namespace, e.g.
/// `("replicasets", "web-7d9c")` and `("deployments", "web")`. The name is shared by the pods of
/// one workload.
pub type Owner = (&'static str, Arc<str>);

/// One pod's usage in a scrape.
#[derive(Debug, Clone)]
pub struct PodSample {
    pub namespace: String,
    pub name: String,
    /// The node it runs on, if the pod object was known at the scrape (shared with the pod's
    /// facts).
    pub node: Option<Arc<str>>,
    /// Its controller and the controller's controller (pod → ReplicaSet → Deployment).
    pub owners: Vec<Owner>,
    /// Its requests and limits (from the pod object, when known).
    pub bounds: Bounds,
    pub containers: Vec<(String, Sample)>,
}

/// One node's usage in a scrape.
#[derive(Debug, Clone)]
pub struct NodeSample {
    pub name: String,
    pub usage: Sample,
    /// CPU and memory allocatable (from the node object, when known).
    pub allocatable: Option<Sample>,
}

/// Samples of one object, aligned to the history's scrapes.
#[derive(Debug, Clone)]
pub struct Series {
    /// The scrape sequence number of `values[0]`.
    first_seq: u64,
    /// `[cpu, memory]`, each [`pack`]ed.
    values: VecDeque<[u16; 2]>,
    /// The last sample as scraped (to f32's seven digits): the figures a page shows as numbers
    /// (current usage, the busiest pods) are the last scrape's, and agree with the lists'.
    last: [f32; 2],
}

/// The packed figure of a scrape without a sample.
const NO_SAMPLE: u16 = 0;
/// The packed figure of zero (an idle container's CPU).
const PACKED_ZERO: u16 = 1;
/// The smallest and largest figures the packed scale holds, in cores or bytes: a nanocore, and
/// 10 PB. Figures beyond them are held as these.
const SCALE_LOW: f64 = 1e-9;
const SCALE_HIGH: f64 = 1e16;

/// The ratio between neighbouring packed figures, as its logarithm: 65,533 steps from
/// [`SCALE_LOW`] to [`SCALE_HIGH`], each 0.088% more than the last.
fn scale_step() -> f64 {
    (SCALE_HIGH / SCALE_LOW).ln() / f64::from(u16::MAX - PACKED_ZERO - 1)
}

/// A figure (CPU in cores, memory in bytes) in 16 bits: [`NO_SAMPLE`] for NaN, [`PACKED_ZERO`]
/// for zero or less, otherwise the nearest point of a logarithmic scale, so that what comes
/// back is within 0.044% of the figure wherever it lies on the scale (half the 0.088% step).
/// A chart shows three significant digits; the f32 kept before this was exact to seven, at
/// twice the memory (docs/adr/0027).
fn pack(figure: f64) -> u16 {
    if figure.is_nan() {
        return NO_SAMPLE;
    }
    if figure <= 0.0 {
        return PACKED_ZERO;
    }
    let steps = (figure.clamp(SCALE_LOW, SCALE_HIGH) / SCALE_LOW).ln() / scale_step();
    // `steps` lies in 0..=65533 after the clamp; the cast saturates should rounding overshoot.
    (steps.round() as u16).saturating_add(PACKED_ZERO + 1)
}

/// The figure a [`pack`]ed one stands for; `None` for [`NO_SAMPLE`].
fn unpack(packed: u16) -> Option<f64> {
    (packed != NO_SAMPLE).then(|| f64::from(unpacked()[usize::from(packed)]))
}

/// Every packed figure unpacked, computed once (256 KiB): the cluster's chart over an hour of
/// 5,000 nodes reads 1.2 million figures, and an `exp` for each took tens of milliseconds.
fn unpacked() -> &'static [f32] {
    static TABLE: OnceLock<Box<[f32]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..=u16::MAX)
            .map(|packed| match packed {
                NO_SAMPLE => f32::NAN,
                PACKED_ZERO => 0.0,
                _ => {
                    (SCALE_LOW * (f64::from(packed - PACKED_ZERO - 1) * scale_step()).exp()) as f32
                }
            })
            .collect()
    })
}

const MISSING: [u16; 2] = [NO_SAMPLE, NO_SAMPLE];

impl Series {
    fn new(seq: u64, capacity: usize) -> Self {
        Self {
            first_seq: seq,
            values: VecDeque::with_capacity(capacity),
            last: [f32::NAN; 2],
        }
    }

    fn end_seq(&self) -> u64 {
        self.first_seq + self.values.len() as u64
    }

    /// Appends the sample of scrape `seq`, marking the scrapes it missed since its last one.
    fn push(&mut self, seq: u64, sample: Sample) {
        if self.values.is_empty() {
            self.first_seq = seq;
        }
        while self.end_seq() < seq {
            self.values.push_back(MISSING);
        }
        if self.end_seq() == seq {
            self.values
                .push_back([pack(sample.cpu), pack(sample.memory)]);
            self.last = [sample.cpu as f32, sample.memory as f32];
        }
    }

    /// Drops samples of scrapes before `first_seq`; true when nothing is left. Capacity up to
    /// `keep` samples is kept (a series is created with it), so a young series does not shrink
    /// and grow again at every scrape.
    fn trim(&mut self, first_seq: u64, keep: usize) -> bool {
        while self.first_seq < first_seq && !self.values.is_empty() {
            self.values.pop_front();
            self.first_seq += 1;
        }
        if self.values.is_empty() {
            return true;
        }
        // Capacity of a long-lived series never exceeds the retention; one that shrank a lot
        // (after a burst of scrapes) gives memory back.
        if self.values.capacity() > keep.max(2 * self.values.len() + 8) {
            self.values.shrink_to(keep.max(self.values.len()));
        }
        false
    }

    /// The sample of scrape `seq`, if there is one.
    pub fn at(&self, seq: u64) -> Option<Sample> {
        let index = seq.checked_sub(self.first_seq)?;
        let [cpu, memory] = *self.values.get(usize::try_from(index).ok()?)?;
        if seq + 1 == self.end_seq() && cpu != NO_SAMPLE {
            let [cpu, memory] = self.last;
            return Some(Sample {
                cpu: f64::from(cpu),
                memory: f64::from(memory),
            });
        }
        Some(Sample {
            cpu: unpack(cpu)?,
            memory: unpack(memory).unwrap_or(f64::NAN),
        })
    }

    /// Heap bytes held by the samples.
    fn heap_bytes(&self) -> usize {
        self.values.capacity() * std::mem::size_of::<[u16; 2]>()
    }
}

/// A pod's history: where it ran, what owned it and its containers' series.
#[derive(Debug, Clone)]
pub struct PodHistory {
    pub node: Option<Arc<str>>,
    pub owners: Vec<Owner>,
    pub bounds: Bounds,
    pub containers: Vec<(String, Series)>,
}

impl PodHistory {
    /// The pod's usage at scrape `seq`: the sum of its containers that have a sample.
    pub fn at(&self, seq: u64) -> Option<Sample> {
        sum(self.containers.iter().filter_map(|(_, s)| s.at(seq)))
    }

    pub fn owned_by(&self, resource: &str, name: &str) -> bool {
        self.owners
            .iter()
            .any(|(r, n)| *r == resource && **n == *name)
    }
}

/// The sum of some samples, `None` when there are none.
pub fn sum(samples: impl IntoIterator<Item = Sample>) -> Option<Sample> {
    samples.into_iter().fold(None, |total, s| {
        let t = total.unwrap_or(Sample {
            cpu: 0.0,
            memory: 0.0,
        });
        Some(Sample {
            cpu: t.cpu + s.cpu,
            memory: t.memory + s.memory,
        })
    })
}

/// The history of every pod, container and node metrics-server reported within the retention.
#[derive(Debug, Clone)]
pub struct History {
    retention_ms: i64,
    /// At most this many scrapes are kept, whatever their timestamps.
    max_samples: usize,
    /// Scrape times in unix milliseconds, oldest first.
    times: VecDeque<i64>,
    /// The sequence number of `times[0]`.
    first_seq: u64,
    /// Pods by namespace, then name.
    pods: HashMap<String, HashMap<String, PodHistory>>,
    nodes: HashMap<String, Series>,
    /// Sums at the last scrape, for list columns; shared with the lists, which read it
    /// without locking the history (see `Metrics::latest`).
    latest: Arc<Latest>,
}

/// Usage with requests and limits of a group of pods at the last scrape.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Total {
    pub usage: Option<Sample>,
    pub bounds: Bounds,
}

impl Total {
    fn add(&mut self, usage: Option<Sample>, bounds: Bounds) {
        self.usage = sum(self.usage.into_iter().chain(usage));
        self.bounds = self.bounds.plus(bounds);
    }
}

/// What list columns read at the last scrape, computed once per scrape from its samples (before
/// the history is locked to record them: see [`History::record_with`]).
#[derive(Debug, Clone, Default)]
pub struct Latest {
    /// Each pod's usage and bounds, by [`pod_key`]: one lookup of a small key per row when a
    /// list of 100,000 pods is sorted by usage (the nested maps by name cost several cache
    /// misses each).
    pods: HashMap<u64, Total, BuildHasherDefault<KeyHasher>>,
    /// By workload resource, namespace and name.
    workloads: HashMap<&'static str, HashMap<String, HashMap<String, Total>>>,
    /// The pods on each node (their requests and limits).
    node_pods: HashMap<Arc<str>, Total>,
    node_allocatable: HashMap<String, Sample>,
    /// Each node's usage (nodes whose sample has a CPU figure).
    node_usage: HashMap<String, Sample>,
}

/// The key of a pod in [`Latest`]: the model's [`object_key`], which every row carries.
pub fn pod_key(namespace: &str, name: &str) -> u64 {
    object_key(namespace, name)
}

/// Keys are already hashes: the map uses them as they are.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

impl Latest {
    /// The workload and node totals of one scrape.
    pub fn of(pods: &[PodSample], nodes: &[NodeSample]) -> Latest {
        let mut latest = Latest {
            node_allocatable: nodes
                .iter()
                .filter_map(|n| Some((n.name.clone(), n.allocatable?)))
                .collect(),
            node_usage: nodes
                .iter()
                .filter(|n| !n.usage.cpu.is_nan())
                .map(|n| (n.name.clone(), n.usage))
                .collect(),
            ..Latest::default()
        };
        latest.pods.reserve(pods.len());
        for pod in pods {
            let usage = sum(pod
                .containers
                .iter()
                .map(|(_, s)| *s)
                .filter(|s| !s.cpu.is_nan()));
            let Some(usage) = usage else { continue };
            latest.pods.insert(
                pod_key(&pod.namespace, &pod.name),
                Total {
                    usage: Some(usage),
                    bounds: pod.bounds,
                },
            );
            for (resource, owner) in &pod.owners {
                latest
                    .workloads
                    .entry(resource)
                    .or_default()
                    .entry(pod.namespace.clone())
                    .or_default()
                    .entry(owner.to_string())
                    .or_default()
                    .add(Some(usage), pod.bounds);
            }
            if let Some(node) = &pod.node {
                latest
                    .node_pods
                    .entry(node.clone())
                    .or_default()
                    .add(None, pod.bounds);
            }
        }
        latest
    }

    /// A pod's usage and bounds, by its row's `key` ([`pod_key`]).
    pub fn pod(&self, key: u64) -> Option<&Total> {
        self.pods.get(&key)
    }

    /// A workload's pods.
    pub fn workload(&self, resource: &str, namespace: &str, name: &str) -> Option<&Total> {
        self.workloads.get(resource)?.get(namespace)?.get(name)
    }

    /// The requests and limits of the pods on a node, and its allocatable.
    pub fn node_bounds(&self, name: &str) -> (Option<&Total>, Option<Sample>) {
        (
            self.node_pods.get(name),
            self.node_allocatable.get(name).copied(),
        )
    }

    /// A node's usage.
    pub fn node(&self, name: &str) -> Option<Sample> {
        self.node_usage.get(name).copied()
    }
}

impl History {
    /// A history keeping `retention_ms` of scrapes taken every `interval_ms`.
    pub fn new(retention_ms: i64, interval_ms: i64) -> Self {
        let max_samples = usize::try_from(retention_ms / interval_ms.max(1))
            .unwrap_or(usize::MAX)
            .saturating_add(1)
            .max(1);
        Self {
            retention_ms,
            max_samples,
            times: VecDeque::with_capacity(max_samples.min(100_000)),
            first_seq: 0,
            pods: HashMap::new(),
            nodes: HashMap::new(),
            latest: Arc::default(),
        }
    }

    /// Records one scrape taken at `at_ms`, then forgets what is older than the retention.
    pub fn record(&mut self, at_ms: i64, pods: Vec<PodSample>, nodes: Vec<NodeSample>) {
        let latest = Latest::of(&pods, &nodes);
        self.record_with(at_ms, pods, nodes, latest);
    }

    /// [`History::record`] with the scrape's totals computed beforehand ([`Latest::of`]), so
    /// that a caller holding a lock on the history holds it for less.
    pub fn record_with(
        &mut self,
        at_ms: i64,
        pods: Vec<PodSample>,
        nodes: Vec<NodeSample>,
        latest: Latest,
    ) {
        if self.times.back().is_some_and(|last| *last >= at_ms) {
            // Clocks go backwards at times; a scrape is never placed before the previous one.
            return;
        }
        self.times.push_back(at_ms);
        let seq = self.latest_seq().unwrap_or_default();
        // Old samples go first, so that a full series makes room before it takes the new one
        // and never grows past the retention's capacity.
        self.forget_before(at_ms - self.retention_ms);
        let capacity = self.max_samples.min(1024);
        for pod in pods {
            let entry = self
                .pods
                .entry(pod.namespace)
                .or_default()
                .entry(pod.name)
                .or_insert_with(|| PodHistory {
                    node: None,
                    owners: Vec::new(),
                    bounds: Bounds::default(),
                    // At its size: a vector grown from empty holds four, and most pods have one.
                    containers: Vec::with_capacity(pod.containers.len()),
                });
            if pod.node.is_some() {
                entry.node = pod.node;
            }
            if !pod.owners.is_empty() {
                entry.owners = pod.owners;
            }
            if pod.bounds != Bounds::default() {
                entry.bounds = pod.bounds;
            }
            for (name, sample) in pod.containers {
                match entry.containers.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, series)) => series.push(seq, sample),
                    None => {
                        let mut series = Series::new(seq, capacity);
                        series.push(seq, sample);
                        entry.containers.push((name, series));
                    }
                }
            }
        }
        for node in nodes {
            self.nodes
                .entry(node.name)
                .or_insert_with(|| Series::new(seq, capacity))
                .push(seq, node.usage);
        }
        self.latest = Arc::new(latest);
    }

    /// The totals of the last scrape (what list columns show), shared.
    pub fn latest(&self) -> Arc<Latest> {
        self.latest.clone()
    }

    /// A pod's usage and bounds at the last scrape, by its row's `key` ([`pod_key`]).
    pub fn latest_pod_total(&self, key: u64) -> Option<&Total> {
        self.latest.pod(key)
    }

    /// A workload's pods at the last scrape.
    pub fn latest_workload(&self, resource: &str, namespace: &str, name: &str) -> Option<&Total> {
        self.latest.workload(resource, namespace, name)
    }

    /// The requests and limits of the pods on a node, and its allocatable, at the last scrape.
    pub fn latest_node_bounds(&self, name: &str) -> (Option<&Total>, Option<Sample>) {
        self.latest.node_bounds(name)
    }

    /// Drops scrapes before `cutoff_ms` (and beyond the sample bound), and objects left empty.
    fn forget_before(&mut self, cutoff_ms: i64) {
        while self
            .times
            .front()
            .is_some_and(|t| *t < cutoff_ms || self.times.len() > self.max_samples)
        {
            self.times.pop_front();
            self.first_seq += 1;
        }
        let first = self.first_seq;
        let keep = self.max_samples.min(1024);
        self.nodes.retain(|_, series| !series.trim(first, keep));
        self.pods.retain(|_, pods| {
            pods.retain(|_, pod| {
                pod.containers
                    .retain_mut(|(_, series)| !series.trim(first, keep));
                !pod.containers.is_empty()
            });
            !pods.is_empty()
        });
    }

    /// Scrape times (unix milliseconds) with their sequence numbers, oldest first.
    pub fn scrapes(&self) -> impl DoubleEndedIterator<Item = (u64, i64)> + '_ {
        self.times
            .iter()
            .enumerate()
            .map(|(i, t)| (self.first_seq + i as u64, *t))
    }

    /// The sequence number of the last scrape.
    pub fn latest_seq(&self) -> Option<u64> {
        (!self.times.is_empty()).then(|| self.first_seq + self.times.len() as u64 - 1)
    }

    /// The time of the last scrape (unix milliseconds).
    pub fn latest_time(&self) -> Option<i64> {
        self.times.back().copied()
    }

    pub fn pod(&self, namespace: &str, name: &str) -> Option<&PodHistory> {
        self.pods.get(namespace)?.get(name)
    }

    /// The pods of any of `namespaces`, as [`Self::pods`] gives them.
    pub fn pods_in<'a>(
        &'a self,
        namespaces: &'a [String],
    ) -> impl Iterator<Item = (&'a str, &'a str, &'a PodHistory)> + 'a {
        self.pods(None)
            .filter(move |(ns, _, _)| namespaces.iter().any(|wanted| wanted == ns))
    }

    /// Every pod of one namespace, or of all namespaces.
    pub fn pods<'a>(
        &'a self,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a str, &'a str, &'a PodHistory)> + 'a {
        self.pods
            .iter()
            .filter(move |(ns, _)| namespace.is_none_or(|wanted| wanted == ns.as_str()))
            .flat_map(|(ns, pods)| {
                pods.iter()
                    .map(move |(name, pod)| (ns.as_str(), name.as_str(), pod))
            })
    }

    pub fn node(&self, name: &str) -> Option<&Series> {
        self.nodes.get(name)
    }

    pub fn nodes(&self) -> impl Iterator<Item = (&str, &Series)> + '_ {
        self.nodes.iter().map(|(n, s)| (n.as_str(), s))
    }

    /// The pod's usage at the last scrape (`None` when it was not in it).
    pub fn latest_pod(&self, namespace: &str, name: &str) -> Option<Sample> {
        self.pod(namespace, name)?.at(self.latest_seq()?)
    }

    /// The node's usage at the last scrape.
    pub fn latest_node(&self, name: &str) -> Option<Sample> {
        self.node(name)?.at(self.latest_seq()?)
    }

    /// How many series (containers and nodes) and samples are kept.
    pub fn counts(&self) -> (usize, usize) {
        let containers = self
            .pods(None)
            .map(|(_, _, p)| p.containers.len())
            .sum::<usize>();
        let series = containers + self.nodes.len();
        (series, self.times.len())
    }

    /// An estimate of the heap bytes the history holds (samples, names and tables).
    pub fn heap_bytes(&self) -> usize {
        let mut bytes = self.times.capacity() * 8;
        for (ns, pods) in &self.pods {
            bytes += ns.capacity() + pods.capacity() * (24 + std::mem::size_of::<PodHistory>() + 8);
            for (name, pod) in pods {
                bytes += name.capacity()
                    + pod.owners.capacity() * std::mem::size_of::<Owner>()
                    // Owners' names are shared by the pods of a workload: counted once each
                    // would be closer, counted per pod is an upper bound.
                    + pod.owners.iter().map(|(_, n)| n.len() + 16).sum::<usize>()
                    + pod.containers.capacity() * std::mem::size_of::<(String, Series)>();
                for (container, series) in &pod.containers {
                    bytes += container.capacity() + series.heap_bytes();
                }
            }
        }
        for (name, series) in &self.nodes {
            bytes += name.capacity() + std::mem::size_of::<Series>() + 32 + series.heap_bytes();
        }
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a figure read back from the history is the one recorded, within the packing's
    /// precision.
    fn near(read: Option<f64>, recorded: f64) -> bool {
        read.is_some_and(|read| (read - recorded).abs() <= recorded.abs() * 5e-4)
    }

    #[test]
    fn a_packed_figure_comes_back_within_half_a_step_across_the_scale() {
        let mut figure = SCALE_LOW;
        let mut last = PACKED_ZERO;
        while figure <= SCALE_HIGH {
            let packed = pack(figure);
            assert!(packed >= last, "the scale is ordered: {figure}");
            last = packed;
            let back = unpack(packed).expect("a figure");
            assert!(
                (back - figure).abs() <= figure * 4.4e-4,
                "{figure} came back as {back}"
            );
            figure *= 1.0007;
        }
        assert_eq!(unpack(pack(0.0)), Some(0.0), "an idle container is zero");
        assert_eq!(unpack(pack(f64::NAN)), None, "no sample stays no sample");
        assert_eq!(unpack(pack(-1.0)), Some(0.0));
        assert_eq!(pack(1e30), pack(SCALE_HIGH), "beyond the scale is its top");
        assert_eq!(pack(1e-12), pack(SCALE_LOW), "and below it its bottom");
        for (figure, what) in [(0.25, "cores"), (134_217_728.0, "bytes: 128 MiB")] {
            assert!(near(unpack(pack(figure)), figure), "{what}");
        }
    }

    fn pod(name: &str, containers: &[(&str, f64, f64)]) -> PodSample {
        PodSample {
            namespace: "shop".into(),
            name: name.into(),
            node: Some("node-1".into()),
            owners: vec![
                ("replicasets", "web-1".into()),
                ("deployments", "web".into()),
            ],
            bounds: Bounds::default(),
            containers: containers
                .iter()
                .map(|(n, cpu, memory)| {
                    (
                        (*n).to_string(),
                        Sample {
                            cpu: *cpu,
                            memory: *memory,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn history_keeps_only_the_retention_and_forgets_objects_without_samples_in_it() {
        let mut history = History::new(3_000, 1_000);
        history.record(0, vec![pod("a", &[("app", 0.1, 100.0)])], vec![]);
        history.record(1_000, vec![pod("b", &[("app", 0.2, 200.0)])], vec![]);
        for t in 2..10 {
            history.record(t * 1_000, vec![pod("b", &[("app", 0.2, 200.0)])], vec![]);
        }
        let times: Vec<i64> = history.scrapes().map(|(_, t)| t).collect();
        assert_eq!(times, vec![6_000, 7_000, 8_000, 9_000], "3 s of scrapes");
        assert!(history.pod("shop", "a").is_none(), "a left 9 s ago");
        assert_eq!(
            history.pod("shop", "b").expect("b").containers[0]
                .1
                .values
                .len(),
            4,
            "b's samples are bounded too"
        );
    }

    #[test]
    fn a_missed_scrape_is_a_gap_not_a_zero() {
        let mut history = History::new(60_000, 1_000);
        history.record(0, vec![pod("a", &[("app", 0.5, 10.0)])], vec![]);
        history.record(1_000, vec![], vec![]);
        history.record(2_000, vec![pod("a", &[("app", 0.7, 20.0)])], vec![]);
        let a = history.pod("shop", "a").expect("a");
        let seqs: Vec<u64> = history.scrapes().map(|(s, _)| s).collect();
        assert!(near(a.at(seqs[0]).map(|s| s.cpu), 0.5));
        assert_eq!(a.at(seqs[1]), None);
        assert_eq!(
            a.at(seqs[2]).map(|s| s.memory),
            Some(20.0),
            "the last, as scraped"
        );
    }

    #[test]
    fn a_pods_usage_is_the_sum_of_its_containers() {
        let mut history = History::new(60_000, 1_000);
        history.record(
            0,
            vec![pod("a", &[("app", 0.25, 100.0), ("sidecar", 0.5, 50.0)])],
            vec![NodeSample {
                name: "node-1".into(),
                usage: Sample {
                    cpu: 2.0,
                    memory: 1e9,
                },
                allocatable: None,
            }],
        );
        assert_eq!(
            history.latest_pod("shop", "a"),
            Some(Sample {
                cpu: 0.75,
                memory: 150.0
            })
        );
        assert_eq!(history.latest_node("node-1").map(|s| s.cpu), Some(2.0));
        assert!(
            history
                .pod("shop", "a")
                .expect("a")
                .owned_by("deployments", "web")
        );
    }

    #[test]
    fn a_long_lived_series_keeps_the_capacity_of_the_retention_and_no_more() {
        let mut history = History::new(120_000, 1_000);
        let before = {
            history.record(0, vec![pod("a", &[("app", 0.1, 1.0)])], vec![]);
            history.heap_bytes()
        };
        for t in 1..1_000 {
            history.record(t * 1_000, vec![pod("a", &[("app", 0.1, 1.0)])], vec![]);
        }
        let series = &history.pod("shop", "a").expect("a").containers[0].1;
        assert_eq!(series.values.len(), 121, "two minutes at one second");
        assert!(
            series.values.capacity() < 2 * 121,
            "no doubling past the retention: {}",
            series.values.capacity()
        );
        assert!(
            history.heap_bytes() < before + 4 * 1024,
            "memory stays where the first scrape put it"
        );
    }

    #[test]
    fn a_scrape_older_than_the_last_is_ignored() {
        let mut history = History::new(60_000, 1_000);
        history.record(5_000, vec![pod("a", &[("app", 0.5, 10.0)])], vec![]);
        history.record(4_000, vec![pod("a", &[("app", 0.9, 10.0)])], vec![]);
        assert_eq!(history.scrapes().count(), 1);
        assert_eq!(history.latest_pod("shop", "a").map(|s| s.cpu), Some(0.5));
    }

    #[test]
    fn the_last_scrape_reads_as_scraped_and_older_ones_within_the_packing() {
        let mut history = History::new(60_000, 1_000);
        history.record(
            0,
            vec![pod("a", &[("app", 0.123_456_7, 1e9 + 7.0)])],
            vec![],
        );
        history.record(
            1_000,
            vec![pod("a", &[("app", 0.3, 123_456_789.0)])],
            vec![],
        );
        let seqs: Vec<u64> = history.scrapes().map(|(s, _)| s).collect();
        let a = history.pod("shop", "a").expect("a");
        let last = a.at(seqs[1]).expect("the last scrape");
        assert_eq!(last.cpu, f64::from(0.3_f32), "as the lists show it");
        assert_eq!(last.memory, f64::from(123_456_789.0_f32));
        let first = a.at(seqs[0]).expect("the first scrape");
        assert!(near(Some(first.cpu), 0.123_456_7), "{first:?}");
        assert!(
            first.cpu != f64::from(0.123_456_7_f32),
            "packed, not kept whole"
        );
        assert!(near(Some(first.memory), 1e9 + 7.0), "{first:?}");
    }
}
