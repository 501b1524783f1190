//! The alerter's watches: one per kind a condition reads, each folding objects into the shared
//! [`Snapshot`] as facts the moment they arrive (nothing keeps the decoded objects), and saying
//! whether its first list has completed or why it fails.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Debug;
use std::sync::{Arc, Mutex, RwLock};

use futures::StreamExt;
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod, Secret};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use crate::snapshot::{Snapshot, WorkloadFacts};

/// The kinds the alerter watches, by the name errors use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Watched {
    Pods,
    Nodes,
    Deployments,
    StatefulSets,
    DaemonSets,
    Jobs,
    CronJobs,
    TlsSecrets,
}

impl Watched {
    pub fn name(self) -> &'static str {
        match self {
            Self::Pods => "pods",
            Self::Nodes => "nodes",
            Self::Deployments => "deployments",
            Self::StatefulSets => "statefulsets",
            Self::DaemonSets => "daemonsets",
            Self::Jobs => "jobs",
            Self::CronJobs => "cronjobs",
            Self::TlsSecrets => "secrets of type kubernetes.io/tls",
        }
    }
}

/// Whether a watch has listed once, and its last failure (cleared when events flow again).
#[derive(Debug, Clone, Default)]
pub struct WatchState {
    pub listed: bool,
    pub failure: Option<String>,
}

/// The snapshot the watches fill and the state of each.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    pub snapshot: Arc<RwLock<Snapshot>>,
    pub states: Arc<Mutex<BTreeMap<Watched, WatchState>>>,
}

impl Shared {
    /// Why rules reading `kind` cannot be evaluated now, if they cannot.
    pub fn unavailable(&self, kind: Watched) -> Option<String> {
        let states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        match states.get(&kind) {
            None => Some(format!("the alerter does not watch {}", kind.name())),
            Some(state) if !state.listed => Some(match &state.failure {
                Some(failure) => format!("the alerter cannot list {}: {failure}", kind.name()),
                None => format!("the alerter has not listed {} yet", kind.name()),
            }),
            Some(_) => None,
        }
    }

    fn set(&self, kind: Watched, change: impl FnOnce(&mut WatchState)) {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        change(states.entry(kind).or_default());
    }
}

/// How one kind folds into the snapshot.
trait Fold:
    Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static
{
    const KIND: Watched;
    fn put(snapshot: &mut Snapshot, object: &Self, seen: Timestamp);
    fn remove(snapshot: &mut Snapshot, object: &Self);
    /// Drops what a relist did not return.
    fn retain(snapshot: &mut Snapshot, listed: &HashSet<(String, String)>);
}

fn key_of<K: ResourceExt>(object: &K) -> (String, String) {
    (object.namespace().unwrap_or_default(), object.name_any())
}

impl Fold for Pod {
    const KIND: Watched = Watched::Pods;
    fn put(snapshot: &mut Snapshot, object: &Self, seen: Timestamp) {
        snapshot.put_pod(object, seen);
    }
    fn remove(snapshot: &mut Snapshot, object: &Self) {
        snapshot.remove_pod(object);
    }
    fn retain(snapshot: &mut Snapshot, listed: &HashSet<(String, String)>) {
        snapshot.pods.retain(|k, _| listed.contains(k));
        snapshot.restarts.retain(|k, _| listed.contains(k));
    }
}

impl Fold for Node {
    const KIND: Watched = Watched::Nodes;
    fn put(snapshot: &mut Snapshot, object: &Self, _: Timestamp) {
        snapshot.put_node(object);
    }
    fn remove(snapshot: &mut Snapshot, object: &Self) {
        snapshot.remove_node(object);
    }
    fn retain(snapshot: &mut Snapshot, listed: &HashSet<(String, String)>) {
        snapshot
            .nodes
            .retain(|name, _| listed.contains(&(String::new(), name.clone())));
    }
}

macro_rules! fold_workload {
    ($ty:ty, $watched:expr, $kind:literal, $facts:path) => {
        impl Fold for $ty {
            const KIND: Watched = $watched;
            fn put(snapshot: &mut Snapshot, object: &Self, _: Timestamp) {
                snapshot.put_workload($kind, &object.metadata, $facts(object));
            }
            fn remove(snapshot: &mut Snapshot, object: &Self) {
                snapshot.remove_workload($kind, &object.metadata);
            }
            fn retain(snapshot: &mut Snapshot, listed: &HashSet<(String, String)>) {
                snapshot.workloads.retain(|(kind, namespace, name), _| {
                    kind != $kind || listed.contains(&(namespace.clone(), name.clone()))
                });
            }
        }
    };
}

fold_workload!(
    Deployment,
    Watched::Deployments,
    "Deployment",
    WorkloadFacts::of_deployment
);
fold_workload!(
    StatefulSet,
    Watched::StatefulSets,
    "StatefulSet",
    WorkloadFacts::of_statefulset
);
fold_workload!(
    DaemonSet,
    Watched::DaemonSets,
    "DaemonSet",
    WorkloadFacts::of_daemonset
);

impl Fold for Job {
    const KIND: Watched = Watched::Jobs;
    fn put(snapshot: &mut Snapshot, object: &Self, _: Timestamp) {
        snapshot.put_job(object);
    }
    fn remove(snapshot: &mut Snapshot, object: &Self) {
        snapshot.remove_job(object);
    }
    fn retain(snapshot: &mut Snapshot, listed: &HashSet<(String, String)>) {
        snapshot.jobs.retain(|k, _| listed.contains(k));
    }
}

impl Fold for CronJob {
    const KIND: Watched = Watched::CronJobs;
    fn put(snapshot: &mut Snapshot, object: &Self, _: Timestamp) {
        snapshot.put_cronjob(object);
    }
    fn remove(snapshot: &mut Snapshot, object: &Self) {
        snapshot.remove_cronjob(object);
    }
    fn retain(snapshot: &mut Snapshot, listed: &HashSet<(String, String)>) {
        snapshot.cronjobs.retain(|k, _| listed.contains(k));
    }
}

impl Fold for Secret {
    const KIND: Watched = Watched::TlsSecrets;
    fn put(snapshot: &mut Snapshot, object: &Self, _: Timestamp) {
        snapshot.put_secret(object);
    }
    fn remove(snapshot: &mut Snapshot, object: &Self) {
        snapshot.remove_secret(object);
    }
    fn retain(snapshot: &mut Snapshot, listed: &HashSet<(String, String)>) {
        snapshot.certificates.retain(|k, _| listed.contains(k));
    }
}

fn start<K: Fold>(api: Api<K>, config: watcher::Config, shared: Shared) -> JoinHandle<()> {
    tokio::spawn(async move {
        let stream = watcher(api, config).default_backoff();
        futures::pin_mut!(stream);
        // The keys a relist has returned so far; what it did not return is dropped at its end.
        let mut relisting: Option<HashSet<(String, String)>> = None;
        while let Some(event) = stream.next().await {
            let event = match event {
                Ok(event) => event,
                Err(error) => {
                    tracing::debug!(kind = K::KIND.name(), %error, "watch failed; retrying with backoff");
                    shared.set(K::KIND, |s| s.failure = Some(error.to_string()));
                    continue;
                }
            };
            let now = Timestamp::now();
            let mut snapshot = shared.snapshot.write().unwrap_or_else(|p| p.into_inner());
            match event {
                watcher::Event::Init => relisting = Some(HashSet::new()),
                watcher::Event::InitApply(object) => {
                    if let Some(keys) = relisting.as_mut() {
                        keys.insert(key_of(&object));
                    }
                    K::put(&mut snapshot, &object, now);
                }
                watcher::Event::InitDone => {
                    if let Some(keys) = relisting.take() {
                        K::retain(&mut snapshot, &keys);
                    }
                    drop(snapshot);
                    shared.set(K::KIND, |s| {
                        s.listed = true;
                        s.failure = None;
                    });
                    continue;
                }
                watcher::Event::Apply(object) => K::put(&mut snapshot, &object, now),
                watcher::Event::Delete(object) => K::remove(&mut snapshot, &object),
            }
            drop(snapshot);
            shared.set(K::KIND, |s| s.failure = None);
        }
    })
}

/// The running watches; they stop when this is dropped.
pub struct Watches {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Watches {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts a watch of every kind conditions read (TLS Secrets only when `secrets` is set).
pub fn start_all(client: &Client, shared: &Shared, secrets: bool) -> Watches {
    let config = watcher::Config::default;
    let mut tasks = vec![
        start::<Pod>(Api::all(client.clone()), config(), shared.clone()),
        start::<Node>(Api::all(client.clone()), config(), shared.clone()),
        start::<Deployment>(Api::all(client.clone()), config(), shared.clone()),
        start::<StatefulSet>(Api::all(client.clone()), config(), shared.clone()),
        start::<DaemonSet>(Api::all(client.clone()), config(), shared.clone()),
        start::<Job>(Api::all(client.clone()), config(), shared.clone()),
        start::<CronJob>(Api::all(client.clone()), config(), shared.clone()),
    ];
    if secrets {
        tasks.push(start::<Secret>(
            Api::all(client.clone()),
            config().fields("type=kubernetes.io/tls"),
            shared.clone(),
        ));
    }
    Watches { tasks }
}
