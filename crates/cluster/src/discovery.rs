//! Discovers the kinds a cluster serves (built-in and custom), and keeps the list current as
//! CustomResourceDefinitions come and go.
//!
//! [`Kinds`] runs discovery (`/api`, `/apis` and each group-version's resource list, as kubectl
//! does) once at start, again whenever a CRD is added, changed or removed (seen by a watch on
//! CRDs, which also supplies their printer columns for rows), and every few minutes as a fallback
//! for identities that may not watch CRDs. A group-version whose list fails (an aggregated API
//! that is down, often `metrics.k8s.io`) becomes a warning; the rest is still served.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wheelhouse_model::warning::{Warning, WarningReason};

use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use kube::api::{ApiResource, DynamicObject};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use ts_rs::TS;
use wheelhouse_model::rows::RowSchema;

/// How long a request waits for the first discovery before failing.
pub const FIRST_DISCOVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Re-discovery without any CRD change, for identities that cannot watch CRDs.
const REDISCOVER_EVERY: Duration = Duration::from_secs(300);
/// CRD changes arriving together (an operator installing ten CRDs) cause one discovery.
const DEBOUNCE: Duration = Duration::from_millis(150);
/// Group-versions asked for at once.
const CONCURRENCY: usize = 8;

/// One resource a cluster serves at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KindInfo {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    /// The plural resource name used in paths (`pods`, `deployments`).
    pub resource: String,
    pub kind: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub short_names: Vec<String>,
    /// The group's preferred version; kubectl uses it when none is named.
    pub preferred_version: String,
    /// Whether a CustomResourceDefinition defines it.
    pub custom: bool,
}

impl KindInfo {
    /// The kube-rs description used to watch it.
    pub fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.clone(),
            version: self.version.clone(),
            api_version: if self.group.is_empty() {
                self.version.clone()
            } else {
                format!("{}/{}", self.group, self.version)
            },
            kind: self.kind.clone(),
            plural: self.resource.clone(),
        }
    }

    /// Whether the verb (`list`, `watch`, …) is served.
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// `pods`, `deployments.apps`: how kubectl and RBAC messages name the resource.
    pub fn qualified_resource(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

/// The outcome of one discovery.
#[derive(Debug, Clone, Default)]
pub struct KindSet {
    /// Sorted by group (core first), resource, then version.
    pub kinds: Vec<Arc<KindInfo>>,
    /// `GroupVersionUnavailable` (one group-version's list failed) or `CustomResourcesUnwatched`
    /// (CRDs cannot be listed: custom kinds have no printer columns and appear within minutes).
    pub warnings: Vec<Warning>,
    pub discovered_at: Option<Timestamp>,
    /// CRDs by name (`widgets.example.com`), for their printer columns.
    crds: HashMap<String, Arc<Value>>,
}

impl KindSet {
    /// The kind served at `group/version/resource`.
    pub fn find(&self, group: &str, version: &str, resource: &str) -> Option<Arc<KindInfo>> {
        self.kinds
            .iter()
            .find(|k| k.group == group && k.version == version && k.resource == resource)
            .cloned()
    }

    /// The columns of a kind's rows: Wheelhouse's own for built-ins, the CRD's printer columns
    /// for custom resources, name/namespace/age otherwise. Also returns a tag that changes when
    /// the schema does (the CRD's resourceVersion), so a cache can be restarted.
    pub fn schema(&self, kind: &KindInfo) -> (RowSchema, String) {
        if kind.custom {
            let name = format!("{}.{}", kind.resource, kind.group);
            if let Some(crd) = self.crds.get(&name) {
                let tag = crd
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                match RowSchema::custom_resource(crd, &kind.version) {
                    Ok(schema) => return (schema, tag),
                    Err(error) => {
                        tracing::warn!(crd = %name, %error, "printer columns unusable; showing name, namespace and age")
                    }
                }
            }
        }
        let schema = RowSchema::builtin(&kind.group, &kind.kind, kind.namespaced);
        (schema, "builtin".to_string())
    }
}

#[derive(Debug, Clone, Default)]
struct State {
    set: Option<Arc<KindSet>>,
    /// Incremented by every discovery, successful or not.
    generation: u64,
    last_error: Option<String>,
}

/// The kinds of one cluster, kept current in the background; stops when dropped.
pub struct Kinds {
    state: watch::Receiver<State>,
    refresh: Arc<Notify>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Kinds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Kinds")
            .field("kinds", &state.set.as_ref().map(|s| s.kinds.len()))
            .field("generation", &state.generation)
            .finish()
    }
}

impl Kinds {
    /// Starts discovering at once, then on every CRD change.
    pub fn start(client: Client) -> Self {
        let (sender, state) = watch::channel(State::default());
        let refresh = Arc::new(Notify::new());
        let task = tokio::spawn(run(client, sender, refresh.clone()));
        Self {
            state,
            refresh,
            task,
        }
    }

    /// The latest discovery, waiting for the first one at most `within`.
    pub async fn current(&self, within: Duration) -> crate::Result<Arc<KindSet>> {
        let mut state = self.state.clone();
        let waited = tokio::time::timeout(within, state.wait_for(|s| s.set.is_some())).await;
        if let Ok(Ok(state)) = waited
            && let Some(set) = &state.set
        {
            return Ok(set.clone());
        }
        let state = self.state.borrow();
        Err(match &state.last_error {
            Some(error) if state.generation > 0 => crate::Error::DiscoveryFailed(error.clone()),
            last_error => crate::Error::DiscoveryNotReady {
                within,
                last_error: last_error.clone(),
            },
        })
    }

    /// Runs discovery again now and returns its result (waiting at most `within`): for a path
    /// naming a resource the last discovery did not have (a CRD created a moment ago).
    pub async fn rediscover(&self, within: Duration) -> crate::Result<Arc<KindSet>> {
        let mut state = self.state.clone();
        let before = state.borrow_and_update().generation;
        self.refresh.notify_one();
        let _ = tokio::time::timeout(within, state.wait_for(|s| s.generation > before)).await;
        self.current(Duration::ZERO).await
    }
}

impl Drop for Kinds {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(client: Client, sender: watch::Sender<State>, refresh: Arc<Notify>) {
    let crd_resource = ApiResource {
        group: "apiextensions.k8s.io".into(),
        version: "v1".into(),
        api_version: "apiextensions.k8s.io/v1".into(),
        kind: "CustomResourceDefinition".into(),
        plural: "customresourcedefinitions".into(),
    };
    let crd_api: Api<DynamicObject> = Api::all_with(client.clone(), &crd_resource);
    let crd_events = watcher(crd_api, watcher::Config::default())
        .default_backoff()
        .modify(|crd| crd.metadata.managed_fields = None);
    futures::pin_mut!(crd_events);

    let mut crds: HashMap<String, Arc<Value>> = HashMap::new();
    // Objects of a (re)list being received; swapped in at InitDone.
    let mut relisting: Option<HashMap<String, Arc<Value>>> = None;
    let mut crd_problem: Option<String> = None;
    let mut crds_synced = false;
    let mut due = true;
    loop {
        if due {
            // Let a burst of CRD events settle before asking the API server.
            let settle = tokio::time::sleep(DEBOUNCE);
            tokio::pin!(settle);
            loop {
                tokio::select! {
                    () = &mut settle => break,
                    event = crd_events.next() => match event {
                        Some(event) => {
                            apply_crd_event(event, &mut crds, &mut relisting, &mut crd_problem, &mut crds_synced);
                        }
                        None => break,
                    }
                }
            }
            let known = crds_synced.then_some(&crds);
            let outcome = discover(&client, known).await;
            let mut state = sender.borrow().clone();
            state.generation += 1;
            match outcome {
                Ok((kinds, mut warnings)) => {
                    if let Some(problem) = &crd_problem {
                        warnings.push(Warning::general(
                            WarningReason::CustomResourcesUnwatched,
                            problem.clone(),
                        ));
                    }
                    state.set = Some(Arc::new(KindSet {
                        kinds,
                        warnings,
                        discovered_at: Some(Timestamp::now()),
                        crds: crds.clone(),
                    }));
                    state.last_error = None;
                }
                Err(error) => {
                    tracing::debug!(%error, "discovery failed; retrying");
                    state.last_error = Some(error);
                }
            }
            let failed = state.last_error.is_some();
            sender.send_replace(state);
            if failed {
                // Retry soon, but still follow CRD events and explicit refreshes.
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(2)) => {}
                    () = refresh.notified() => {}
                }
                due = true;
                continue;
            }
        }
        tokio::select! {
            event = crd_events.next() => {
                let Some(event) = event else { return };
                due = apply_crd_event(event, &mut crds, &mut relisting, &mut crd_problem, &mut crds_synced);
            }
            () = refresh.notified() => due = true,
            () = tokio::time::sleep(REDISCOVER_EVERY) => due = true,
        }
    }
}

/// Applies a CRD watch event; returns whether the set of CRDs changed.
fn apply_crd_event(
    event: Result<watcher::Event<DynamicObject>, watcher::Error>,
    crds: &mut HashMap<String, Arc<Value>>,
    relisting: &mut Option<HashMap<String, Arc<Value>>>,
    problem: &mut Option<String>,
    synced: &mut bool,
) -> bool {
    let name_value = |crd: DynamicObject| {
        let name = crd.metadata.name.clone().unwrap_or_default();
        let value = serde_json::to_value(&crd).unwrap_or(Value::Null);
        (name, Arc::new(value))
    };
    match event {
        Err(error) => {
            let message = match &error {
                watcher::Error::InitialListFailed(kube::Error::Api(status))
                | watcher::Error::WatchStartFailed(kube::Error::Api(status))
                    if status.code == 403 =>
                {
                    format!(
                        "the identity may not list customresourcedefinitions ({}): custom resources show name, namespace and age only, and new ones appear within {} minutes",
                        status.message,
                        REDISCOVER_EVERY.as_secs() / 60
                    )
                }
                other => format!("watching customresourcedefinitions failed: {other}"),
            };
            let changed = problem.as_ref() != Some(&message);
            *problem = Some(message);
            changed
        }
        Ok(watcher::Event::Init) => {
            *relisting = Some(HashMap::new());
            false
        }
        Ok(watcher::Event::InitApply(crd)) => {
            let (name, value) = name_value(crd);
            relisting.get_or_insert_default().insert(name, value);
            false
        }
        Ok(watcher::Event::InitDone) => {
            let fresh = relisting.take().unwrap_or_default();
            let changed = !*synced || problem.is_some() || !same_versions(crds, &fresh);
            *crds = fresh;
            *problem = None;
            *synced = true;
            changed
        }
        Ok(watcher::Event::Apply(crd)) => {
            let (name, value) = name_value(crd);
            crds.insert(name, value);
            true
        }
        Ok(watcher::Event::Delete(crd)) => {
            crds.remove(crd.metadata.name.as_deref().unwrap_or_default());
            true
        }
    }
}

fn same_versions(a: &HashMap<String, Arc<Value>>, b: &HashMap<String, Arc<Value>>) -> bool {
    let version = |v: &Value| v.pointer("/metadata/resourceVersion").cloned();
    a.len() == b.len()
        && a.iter().all(|(name, crd)| {
            b.get(name)
                .is_some_and(|other| version(crd) == version(other))
        })
}

/// One discovery over the legacy endpoints, which every API server serves.
async fn discover(
    client: &Client,
    crds: Option<&HashMap<String, Arc<Value>>>,
) -> Result<(Vec<Arc<KindInfo>>, Vec<Warning>), String> {
    let core = client
        .list_core_api_versions()
        .await
        .map_err(|e| format!("GET /api: {e}"))?;
    let groups = client
        .list_api_groups()
        .await
        .map_err(|e| format!("GET /apis: {e}"))?;
    // (group, version, preferred version)
    let mut wanted: Vec<(String, String, String)> = Vec::new();
    let core_preferred = core.versions.first().cloned().unwrap_or_default();
    for version in &core.versions {
        wanted.push((String::new(), version.clone(), core_preferred.clone()));
    }
    for group in &groups.groups {
        let preferred = group
            .preferred_version
            .as_ref()
            .map(|p| p.version.clone())
            .or_else(|| group.versions.first().map(|v| v.version.clone()))
            .unwrap_or_default();
        for version in &group.versions {
            wanted.push((
                group.name.clone(),
                version.version.clone(),
                preferred.clone(),
            ));
        }
    }
    let lists: Vec<_> = futures::stream::iter(wanted)
        .map(|(group, version, preferred)| async move {
            let listed = if group.is_empty() {
                client.list_core_api_resources(&version).await
            } else {
                client
                    .list_api_group_resources(&format!("{group}/{version}"))
                    .await
            };
            Ok::<_, String>((group, version, preferred, listed))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut kinds = Vec::new();
    let mut warnings = Vec::new();
    for (group, version, preferred, listed) in lists {
        let list = match listed {
            Ok(list) => list,
            Err(error) => {
                let api_version = if group.is_empty() {
                    version.clone()
                } else {
                    format!("{group}/{version}")
                };
                warnings.push(Warning::about(
                    WarningReason::GroupVersionUnavailable,
                    api_version.clone(),
                    format!(
                        "the API server could not list the resources of {api_version}: {error}; its kinds are missing until it answers"
                    ),
                ));
                continue;
            }
        };
        for resource in list.resources {
            // Subresources (`pods/log`) are reached through their parent.
            if resource.name.contains('/') {
                continue;
            }
            let custom = match crds {
                Some(crds) => crds.contains_key(&format!("{}.{group}", resource.name)),
                // Without CRDs to go by: a kind of a group Kubernetes does not define.
                None => {
                    !group.is_empty()
                        && !group.ends_with(".k8s.io")
                        && !RowSchema::is_builtin(&group, &resource.kind)
                }
            };
            kinds.push(Arc::new(KindInfo {
                group: group.clone(),
                version: version.clone(),
                resource: resource.name,
                kind: resource.kind,
                namespaced: resource.namespaced,
                verbs: resource.verbs,
                short_names: resource.short_names.unwrap_or_default(),
                preferred_version: preferred.clone(),
                custom,
            }));
        }
    }
    kinds.sort_by(|a, b| {
        (&a.group, &a.resource, &a.version).cmp(&(&b.group, &b.resource, &b.version))
    });
    Ok((kinds, warnings))
}
