//! Runs the controllers against the store: reads what they need, calls the pure reconcile
//! functions and writes their actions back, on a short tick.
//!
//! A pass runs when something the controllers watch changed (the store's change feed says
//! so) or when time alone moves some object on (a pod starting, crash-looping or finishing,
//! a CronJob coming due). An idle cluster of 100,000 running pods therefore costs nothing
//! between changes.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use super::action::{Action, gr};
use super::events::{self, EventSpec};
use super::{
    cronjob, daemonset, deployment, disruption, endpoints, job, kubelet, meta, replicaset,
    revisions, scheduler, statefulset,
};
use crate::storage::{DeleteOptions, GroupResource, Store, StoredObject, WatchEvent};

/// How the controllers run.
#[derive(Debug, Clone)]
#[must_use]
pub struct ControllerConfig {
    /// Time between passes.
    pub tick: Duration,
    /// Renew node Leases in kube-node-lease (skipped for clusters of more than 100 nodes).
    pub node_leases: bool,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            tick: Duration::from_millis(500),
            node_leases: true,
        }
    }
}

impl ControllerConfig {
    /// Sets the time between passes.
    pub fn tick(mut self, tick: Duration) -> Self {
        self.tick = tick;
        self
    }

    /// Turns node Lease renewal on or off.
    pub fn node_leases(mut self, on: bool) -> Self {
        self.node_leases = on;
        self
    }
}

/// The running controllers; dropping this (or [`Controllers::shutdown`]) stops them.
#[derive(Debug)]
pub struct Controllers {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Controllers {
    /// Starts the controllers on the current tokio runtime.
    pub fn spawn(store: Store, config: ControllerConfig) -> Controllers {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut feeds: Vec<broadcast::Receiver<_>> =
                watched().iter().map(|g| store.subscribe(g)).collect();
            let mut state = Some(PassState::default());
            let mut ticker = tokio::time::interval(config.tick);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut last_lease = Timestamp::UNIX_EPOCH;
            let mut last_prune = Timestamp::now();
            // The first pass runs regardless: the scenario was loaded before the feeds opened.
            let mut first = true;
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    _ = stopped.changed() => break,
                }
                let dirty = drain(&mut feeds);
                let now = Timestamp::now();
                let Some(mut s) = state.take() else { break };
                let scope = if std::mem::take(&mut first) || dirty.everything || s.timed_everywhere
                {
                    Some(Scope::All)
                } else {
                    let mut namespaces = dirty.namespaces;
                    namespaces.extend(s.timed_namespaces.iter().cloned());
                    (!namespaces.is_empty()).then_some(Scope::Namespaces(namespaces))
                };
                if let Some(scope) = scope {
                    let store = store.clone();
                    let result = tokio::task::spawn_blocking(move || {
                        pass_in(&store, now, &mut s, &scope);
                        s
                    })
                    .await;
                    match result {
                        Ok(s) => state = Some(s),
                        Err(e) => {
                            tracing::error!(error = %e, "controller pass failed; controllers stop");
                            break;
                        }
                    }
                } else {
                    state = Some(s);
                }
                if now.duration_since(last_prune).as_secs() >= 60 {
                    prune_events(&store, now, EVENT_TTL);
                    last_prune = now;
                }
                if config.node_leases && now.duration_since(last_lease).as_secs() >= 10 {
                    renew_node_leases(&store, now);
                    last_lease = now;
                }
            }
        });
        Controllers {
            stop,
            task: Some(task),
        }
    }

    /// Stops the controllers and waits for the current pass to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Controllers {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// The resources whose changes trigger a pass.
fn watched() -> Vec<GroupResource> {
    vec![
        gr::pods(),
        gr::nodes(),
        gr::namespaces(),
        gr::services(),
        gr::deployments(),
        gr::replicasets(),
        gr::statefulsets(),
        gr::daemonsets(),
        gr::jobs(),
        gr::cronjobs(),
        gr::poddisruptionbudgets(),
    ]
}

/// What changed since the last pass.
#[derive(Debug, Default)]
struct Dirty {
    /// A cluster-scoped object changed (a node, a namespace) or a feed lagged: look everywhere.
    everything: bool,
    /// Namespaces in which something changed.
    namespaces: BTreeSet<String>,
}

/// Empties the change feeds and says where things changed.
fn drain(feeds: &mut [broadcast::Receiver<Arc<WatchEvent>>]) -> Dirty {
    let mut dirty = Dirty::default();
    for feed in feeds {
        loop {
            match feed.try_recv() {
                Ok(event) => match event.object.namespace() {
                    "" => dirty.everything = true,
                    ns => {
                        if !dirty.namespaces.contains(ns) {
                            dirty.namespaces.insert(ns.to_string());
                        }
                    }
                },
                Err(broadcast::error::TryRecvError::Lagged(_)) => dirty.everything = true,
                Err(_) => break,
            }
        }
    }
    dirty
}

/// Where a pass looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every namespace, and the cluster-scoped objects.
    All,
    /// Only these namespaces (nodes are always read).
    Namespaces(BTreeSet<String>),
}

impl Scope {
    fn list(&self, store: &Store, resource: &GroupResource) -> Vec<Arc<StoredObject>> {
        match self {
            Scope::All => store.list(resource, None),
            Scope::Namespaces(set) => set
                .iter()
                .flat_map(|ns| store.list(resource, Some(ns)))
                .collect(),
        }
    }
}

/// What the controllers remember between passes.
#[derive(Debug, Default)]
pub struct PassState {
    /// Whether some object will change with time alone, so the next tick must run a pass.
    pub timed_work: bool,
    /// The namespaces where something changes with time alone (a pod starting or
    /// crash-looping, a CronJob, a rollout that may time out).
    pub timed_namespaces: BTreeSet<String>,
    /// Something cluster-wide changes with time alone (a namespace being emptied).
    pub timed_everywhere: bool,
    /// Recorded events by what they report, so repeats are counted on the same Event.
    recorded: HashMap<String, (String, String)>,
    seq: u64,
}

fn values(objs: &[Arc<StoredObject>]) -> Vec<&Value> {
    objs.iter().map(|o| o.value()).collect()
}

/// Whether the kubelet has work on this pod now or later.
fn kubelet_watches(pod: &Value) -> bool {
    if meta::str_at(pod, &["spec", "nodeName"]).is_empty() || meta::is_terminating(pod) {
        return false;
    }
    match meta::str_at(pod, &["status", "phase"]) {
        "" | "Pending" => true,
        "Running" => {
            let restart = meta::str_at(pod, &["spec", "restartPolicy"]);
            let containers = meta::at(pod, &["spec", "containers"]).and_then(Value::as_array);
            (!restart.is_empty() && restart != "Always")
                || containers.into_iter().flatten().any(|c| {
                    kubelet::container_crashes(pod, c)
                        || kubelet::image_is_missing(meta::str_at(c, &["image"]))
                })
        }
        _ => false,
    }
}

/// One pass of every controller over the whole cluster at time `now`. Returns how many
/// actions were written.
pub fn pass(store: &Store, now: Timestamp, state: &mut PassState) -> usize {
    pass_in(store, now, state, &Scope::All)
}

/// One pass of every controller over `scope` at time `now`: at 100,000 pods a change in
/// one namespace costs a pass over that namespace, not the cluster.
pub fn pass_in(store: &Store, now: Timestamp, state: &mut PassState, scope: &Scope) -> usize {
    let pods = scope.list(store, &gr::pods());
    let nodes = store.list(&gr::nodes(), None);
    let (pod_values, node_values) = (values(&pods), values(&nodes));
    let mut by_owner: HashMap<&str, Vec<&Value>> = HashMap::new();
    for p in &pod_values {
        if let Some(uid) = meta::controller_uid(p) {
            by_owner.entry(uid).or_default().push(p);
        }
    }
    let owned = |owner: &Value| -> Vec<&Value> {
        by_owner.get(meta::uid(owner)).cloned().unwrap_or_default()
    };
    let mut actions = Vec::new();

    let mut timed_namespaces: BTreeSet<String> = BTreeSet::new();
    if pod_values.iter().any(|p| scheduler::is_pending(p)) {
        // Placing pods needs what every node already runs, whatever the scope.
        let everywhere = match scope {
            Scope::All => Vec::new(),
            Scope::Namespaces(_) => store.list(&gr::pods(), None),
        };
        let all_pods = if everywhere.is_empty() {
            pod_values.clone()
        } else {
            values(&everywhere)
        };
        actions.extend(scheduler::reconcile(&all_pods, &node_values, now));
    }
    let node_by_name: HashMap<&str, &Value> =
        node_values.iter().map(|n| (meta::name(n), *n)).collect();
    for pod in pod_values.iter().filter(|p| kubelet_watches(p)) {
        timed_namespaces.insert(meta::namespace(pod).to_string());
        let Some(node) = node_by_name.get(meta::str_at(pod, &["spec", "nodeName"])) else {
            continue;
        };
        if let Some(update) = kubelet::reconcile(pod, node, now) {
            actions.extend(Action::status(gr::pods(), pod, update.status));
            actions.extend(update.events.into_iter().map(Action::Event));
        }
    }

    let replicasets = scope.list(store, &gr::replicasets());
    let mut rs_by_owner: HashMap<&str, Vec<&Value>> = HashMap::new();
    for rs in values(&replicasets) {
        if let Some(uid) = meta::controller_uid(rs) {
            rs_by_owner.entry(uid).or_default().push(rs);
        }
        actions.extend(replicaset::reconcile(rs, &owned(rs)));
    }
    for d in values(&scope.list(store, &gr::deployments())) {
        let rss = rs_by_owner.get(meta::uid(d)).cloned().unwrap_or_default();
        actions.extend(deployment::reconcile(d, &rss, now));
        // A rollout in progress may run out of its deadline with time alone.
        if meta::at(d, &["status", "conditions"])
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter()
                    .any(|c| c["type"] == "Progressing" && c["reason"] == "ReplicaSetUpdated")
            })
        {
            timed_namespaces.insert(meta::namespace(d).to_string());
        }
    }
    let revisions = scope.list(store, &gr::controllerrevisions());
    let mut revisions_by_owner: HashMap<&str, Vec<&Value>> = HashMap::new();
    for r in values(&revisions) {
        if let Some(uid) = meta::controller_uid(r) {
            revisions_by_owner.entry(uid).or_default().push(r);
        }
    }
    let owned_revisions = |owner: &Value| -> Vec<&Value> {
        revisions_by_owner
            .get(meta::uid(owner))
            .cloned()
            .unwrap_or_default()
    };
    let statefulsets = scope.list(store, &gr::statefulsets());
    if !statefulsets.is_empty() {
        let claims = scope.list(store, &gr::pvcs());
        let claims = values(&claims);
        for s in values(&statefulsets) {
            let ns_claims: Vec<&Value> = claims
                .iter()
                .copied()
                .filter(|c| meta::namespace(c) == meta::namespace(s))
                .collect();
            actions.extend(statefulset::reconcile(s, &owned(s), &ns_claims));
            actions.extend(revisions::reconcile(s, &owned_revisions(s)));
        }
    }
    for ds in values(&scope.list(store, &gr::daemonsets())) {
        actions.extend(daemonset::reconcile(ds, &owned(ds), &node_values));
        actions.extend(revisions::reconcile(ds, &owned_revisions(ds)));
    }
    let jobs = scope.list(store, &gr::jobs());
    let mut jobs_by_owner: HashMap<&str, Vec<&Value>> = HashMap::new();
    for j in values(&jobs) {
        if let Some(uid) = meta::controller_uid(j) {
            jobs_by_owner.entry(uid).or_default().push(j);
        }
        actions.extend(job::reconcile(j, &owned(j), now));
        if job::ttl_expired(j, now) == Some(false) {
            timed_namespaces.insert(meta::namespace(j).to_string());
        }
    }
    for cj in values(&scope.list(store, &gr::cronjobs())) {
        timed_namespaces.insert(meta::namespace(cj).to_string());
        let js = jobs_by_owner
            .get(meta::uid(cj))
            .cloned()
            .unwrap_or_default();
        actions.extend(cronjob::reconcile(cj, &js, now));
    }
    let services = scope.list(store, &gr::services());
    if !services.is_empty() {
        let mut pods_by_ns: HashMap<&str, Vec<&Value>> = HashMap::new();
        for p in &pod_values {
            pods_by_ns.entry(meta::namespace(p)).or_default().push(p);
        }
        let eps = scope.list(store, &gr::endpoints());
        let slices = scope.list(store, &gr::endpointslices());
        let slice_by_key: HashMap<(&str, &str), &Value> = values(&slices)
            .into_iter()
            .map(|e| ((meta::namespace(e), meta::name(e)), e))
            .collect();
        let ep_by_key: HashMap<(&str, &str), &Value> = values(&eps)
            .into_iter()
            .map(|e| ((meta::namespace(e), meta::name(e)), e))
            .collect();
        for svc in values(&services) {
            let ns_pods = pods_by_ns
                .get(meta::namespace(svc))
                .cloned()
                .unwrap_or_default();
            let existing = ep_by_key
                .get(&(meta::namespace(svc), meta::name(svc)))
                .copied();
            actions.extend(endpoints::reconcile(svc, existing, &ns_pods));
            let name = endpoints::slice_name(svc);
            let slice = slice_by_key
                .get(&(meta::namespace(svc), name.as_str()))
                .copied();
            actions.extend(endpoints::reconcile_slice(svc, slice, &ns_pods));
        }
    }
    let budgets = scope.list(store, &gr::poddisruptionbudgets());
    if !budgets.is_empty() {
        let mut pods_by_ns: HashMap<&str, Vec<&Value>> = HashMap::new();
        for p in &pod_values {
            pods_by_ns.entry(meta::namespace(p)).or_default().push(p);
        }
        for pdb in values(&budgets) {
            let ns_pods = pods_by_ns
                .get(meta::namespace(pdb))
                .cloned()
                .unwrap_or_default();
            actions.extend(disruption::reconcile(pdb, &ns_pods, now));
        }
    }
    let emptying = *scope == Scope::All && finalize_namespaces(store);
    match scope {
        Scope::All => {
            state.timed_everywhere = emptying;
            state.timed_namespaces = timed_namespaces;
        }
        Scope::Namespaces(set) => {
            state.timed_namespaces.retain(|ns| !set.contains(ns));
            state.timed_namespaces.extend(timed_namespaces);
        }
    }
    state.timed_work = state.timed_everywhere || !state.timed_namespaces.is_empty();
    let n = actions.len();
    for action in actions {
        apply(store, action, now, state);
    }
    n
}

/// Empties namespaces that are being deleted, then lets them go. True while any remain.
fn finalize_namespaces(store: &Store) -> bool {
    let namespaces = store.list(&gr::namespaces(), None);
    let terminating: Vec<&Value> = values(&namespaces)
        .into_iter()
        .filter(|n| meta::is_terminating(n))
        .collect();
    if terminating.is_empty() {
        return false;
    }
    let resources = store.resources();
    for ns in terminating {
        let name = meta::name(ns);
        let mut left = 0;
        for resource in &resources {
            for obj in store.list(resource, Some(name)) {
                if meta::namespace(obj.value()) != name {
                    continue;
                }
                left += 1;
                if !meta::is_terminating(obj.value()) {
                    let _ = store.delete(resource, name, obj.name(), &DeleteOptions::default());
                }
            }
        }
        if meta::str_at(ns, &["status", "phase"]) != "Terminating" {
            let _ = store.update_with(&gr::namespaces(), "", name, |n| {
                meta::set_at(n, &["status", "phase"], json!("Terminating"));
                Ok(())
            });
        }
        if left == 0 {
            // Everything is gone: drop the namespace finalizers, which deletes it.
            let _ = store.update_with(&gr::namespaces(), "", name, |n| {
                for path in ["/spec/finalizers", "/metadata/finalizers"] {
                    if let Some(list) = n.pointer_mut(path).and_then(Value::as_array_mut) {
                        list.retain(|f| f.as_str() != Some("kubernetes"));
                    }
                }
                Ok(())
            });
        }
    }
    true
}

/// Writes one action to the store. Failures (a conflict with a person's write, an object
/// deleted meanwhile) are logged and retried naturally by the next pass.
fn apply(store: &Store, action: Action, now: Timestamp, state: &mut PassState) {
    let result = match action {
        Action::Create { resource, object } => {
            let namespaced = !meta::namespace(&object).is_empty();
            store
                .create(&resource, namespaced, with_defaults(&resource, object))
                .map(|_| ())
        }
        Action::CreateAndReport {
            resource,
            object,
            mut event,
        } => store
            .create(&resource, true, with_defaults(&resource, object))
            .map(|created| {
                event.message = event.message.replace("{name}", created.name());
                record(store, &event, now, state);
            }),
        Action::Merge {
            resource,
            namespace,
            name,
            patch,
        } => store
            .update_with(&resource, &namespace, &name, |obj| {
                json_patch::merge(obj, &patch);
                Ok(())
            })
            .map(|_| ()),
        Action::SetStatus {
            resource,
            namespace,
            name,
            status,
        } => store
            .update_with(&resource, &namespace, &name, |obj| {
                meta::set_at(obj, &["status"], status);
                Ok(())
            })
            .map(|_| ()),
        Action::Delete {
            resource,
            namespace,
            name,
        } => store
            .delete(&resource, &namespace, &name, &DeleteOptions::default())
            .map(|_| ()),
        Action::Event(spec) => {
            record(store, &spec, now, state);
            Ok(())
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "controller write skipped");
    }
}

/// The object with the defaults kube-apiserver fills in on create, as if a controller had
/// written it through the API (controllers write to the store directly).
pub fn with_defaults(resource: &GroupResource, mut object: Value) -> Value {
    static BUILTINS: std::sync::OnceLock<crate::storage::Kinds> = std::sync::OnceLock::new();
    let kinds = BUILTINS.get_or_init(|| crate::storage::Kinds::new(Store::new()));
    if let Some(info) = kinds.find(&resource.group, "v1", &resource.resource) {
        crate::api::defaults::apply(&info, &mut object, true);
    }
    object
}

/// Writes an event, or counts it on the Event already written for the same thing.
fn record(store: &Store, spec: &EventSpec, now: Timestamp, state: &mut PassState) {
    let key = spec.dedup_key();
    if let Some((ns, name)) = state.recorded.get(&key)
        && store
            .update_with(&gr::events(), ns, name, |e| {
                *e = events::repeated_event(e, now);
                Ok(())
            })
            .is_ok()
    {
        return;
    }
    if state.recorded.len() > 20_000 {
        state.recorded.clear();
    }
    state.seq += 1;
    let event = events::new_event(spec, now, state.seq);
    if let Ok(created) = store.create(&gr::events(), true, event) {
        state.recorded.insert(
            key,
            (created.namespace().to_string(), created.name().to_string()),
        );
    }
}

/// How long Events are kept after they last happened (kube-apiserver's `--event-ttl`).
pub const EVENT_TTL: Duration = Duration::from_secs(3600);

/// Whether an Event last happened more than `ttl` before `now`.
pub fn event_expired(event: &Value, now: Timestamp, ttl: Duration) -> bool {
    let last = ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .find_map(|k| meta::str_at(event, &[k]).parse::<Timestamp>().ok())
        .or_else(|| {
            meta::str_at(event, &["metadata", "creationTimestamp"])
                .parse()
                .ok()
        });
    last.is_some_and(|t| now.duration_since(t).as_secs() > ttl.as_secs() as i64)
}

/// Deletes Events older than `ttl`, as the API server lets them expire.
fn prune_events(store: &Store, now: Timestamp, ttl: Duration) {
    for event in store.list(&gr::events(), None) {
        if event_expired(event.value(), now, ttl) {
            let _ = store.delete(
                &gr::events(),
                event.namespace(),
                event.name(),
                &DeleteOptions::default(),
            );
        }
    }
}

/// How often a kubelet reports an unchanged node status (`nodeStatusReportFrequency`).
pub const NODE_STATUS_REPORT: i64 = 300;

/// The node's conditions with a fresh heartbeat, when the last report is older than
/// [`NODE_STATUS_REPORT`]; `None` when no report is due (or the node is not Ready).
pub fn heartbeat(node: &Value, now: Timestamp) -> Option<Value> {
    let conditions = meta::at(node, &["status", "conditions"])?.as_array()?;
    let ready = conditions
        .iter()
        .find(|c| c["type"] == "Ready" && c["status"] == "True")?;
    let last: Timestamp = meta::str_at(ready, &["lastHeartbeatTime"]).parse().ok()?;
    if now.duration_since(last).as_secs() < NODE_STATUS_REPORT {
        return None;
    }
    let time = events::rfc3339(now);
    Some(Value::Array(
        conditions
            .iter()
            .map(|c| {
                let mut c = c.clone();
                meta::set_at(&mut c, &["lastHeartbeatTime"], json!(time));
                c
            })
            .collect(),
    ))
}

/// Renews each node's Lease in kube-node-lease, as kubelets do every 10 seconds, and
/// reports their status every five minutes.
fn renew_node_leases(store: &Store, now: Timestamp) {
    if store.count(&gr::nodes()) > 100 {
        return;
    }
    let time = format!(
        "{}",
        Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now)
    );
    for node in store.list(&gr::nodes(), None) {
        let ready = meta::at(node.value(), &["status", "conditions"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        if !ready {
            continue;
        }
        let name = node.name().to_string();
        if let Some(conditions) = heartbeat(node.value(), now) {
            let _ = store.update_with(&gr::nodes(), "", &name, |n| {
                meta::set_at(n, &["status", "conditions"], conditions);
                Ok(())
            });
        }
        let renewed = store.update_with(&gr::leases(), "kube-node-lease", &name, |l| {
            meta::set_at(l, &["spec", "renewTime"], json!(time));
            Ok(())
        });
        if renewed.is_err() {
            let lease = json!({
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": name, "namespace": "kube-node-lease",
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name, "uid": node.uid()}]},
                "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": time},
            });
            let _ = store.create(&gr::leases(), true, lease);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_expire_an_hour_after_they_last_happened() {
        let now: Timestamp = "2026-11-27T18:00:00Z".parse().expect("ts");
        let cases = [
            (
                "counted recently",
                json!({"firstTimestamp": "2026-11-27T10:00:00Z", "lastTimestamp": "2026-11-27T17:30:00Z"}),
                false,
            ),
            (
                "last seen two hours ago",
                json!({"lastTimestamp": "2026-11-27T16:00:00Z"}),
                true,
            ),
            (
                "an events.k8s.io-style event time",
                json!({"lastTimestamp": null, "eventTime": "2026-11-27T16:59:00.000000Z"}),
                true,
            ),
            ("no time at all is kept", json!({}), false),
        ];
        for (case, event, want) in cases {
            assert_eq!(event_expired(&event, now, EVENT_TTL), want, "{case}");
        }
    }

    #[test]
    fn ready_nodes_report_their_status_every_five_minutes() {
        let node = json!({"status": {"conditions": [
            {"type": "MemoryPressure", "status": "False", "lastHeartbeatTime": "2026-11-27T17:00:00Z"},
            {"type": "Ready", "status": "True", "lastHeartbeatTime": "2026-11-27T17:00:00Z"},
        ]}});
        let at = |s: &str| s.parse::<Timestamp>().expect("ts");
        assert_eq!(
            heartbeat(&node, at("2026-11-27T17:04:00Z")),
            None,
            "not yet due"
        );
        let fresh = heartbeat(&node, at("2026-11-27T17:05:30Z")).expect("due");
        assert!(
            fresh
                .as_array()
                .into_iter()
                .flatten()
                .all(|c| c["lastHeartbeatTime"] == "2026-11-27T17:05:30Z")
        );
        let mut not_ready = node.clone();
        not_ready["status"]["conditions"][1]["status"] = json!("Unknown");
        assert_eq!(
            heartbeat(&not_ready, at("2026-11-27T18:00:00Z")),
            None,
            "a node that is not Ready stays silent"
        );
    }
}
