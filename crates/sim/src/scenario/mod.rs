//! Scenarios: what the simulated cluster holds when it starts.
//!
//! - `empty`: what a fresh kube-apiserver has (system namespaces, default ServiceAccounts,
//!   the `kubernetes` Service);
//! - `demo`: a small lively cluster with every kind and some failures ([`demo`]);
//! - `scale:<pods>[,nodes=N][,namespaces=N]`: many running pods for benchmarks ([`scale`]).

pub mod build;
pub mod demo;
pub mod scale;

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

use crate::error::{Error, Result};
use crate::storage::Store;
use build::Seed;

/// What the simulated cluster holds when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scenario {
    /// What a fresh kube-apiserver has: the system namespaces.
    #[default]
    Empty,
    /// A small lively cluster with every kind and some failures.
    Demo,
    /// Many running pods for benchmarks.
    Scale {
        pods: usize,
        nodes: usize,
        namespaces: usize,
    },
}

impl FromStr for Scenario {
    type Err = Error;

    /// `empty`, `demo`, `scale:100000`, `scale:100000,nodes=5000,namespaces=50`.
    fn from_str(s: &str) -> Result<Scenario> {
        let s = s.trim();
        match s {
            "empty" => return Ok(Scenario::Empty),
            "demo" => return Ok(Scenario::Demo),
            _ => {}
        }
        let rest = s.strip_prefix("scale:").ok_or_else(|| {
            Error::Scenario(format!(
                "unknown scenario {s:?}: use empty, demo or scale:<pods>[,nodes=N][,namespaces=N]"
            ))
        })?;
        let mut parts = rest.split(',');
        let pods = parts
            .next()
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| Error::Scenario(format!("scale needs a pod count: {s:?}")))?;
        let (mut nodes, mut namespaces) = default_scale_shape(pods);
        for part in parts {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| Error::Scenario(format!("expected key=value in {part:?}")))?;
            let v: usize = v
                .trim()
                .parse()
                .map_err(|_| Error::Scenario(format!("{k} must be a number in {s:?}")))?;
            match k.trim() {
                "nodes" => nodes = v,
                "namespaces" => namespaces = v,
                other => {
                    return Err(Error::Scenario(format!(
                        "unknown scale option {other:?}: use nodes= or namespaces="
                    )));
                }
            }
        }
        if nodes == 0 || namespaces == 0 {
            return Err(Error::Scenario(
                "nodes and namespaces must be at least 1".into(),
            ));
        }
        Ok(Scenario::Scale {
            pods,
            nodes,
            namespaces,
        })
    }
}

/// Nodes and namespaces of a scale scenario when not given: ~20 pods per node, ~2,000 per namespace.
fn default_scale_shape(pods: usize) -> (usize, usize) {
    ((pods / 20).clamp(1, 5_000), (pods / 2_000).clamp(1, 50))
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scenario::Empty => f.write_str("empty"),
            Scenario::Demo => f.write_str("demo"),
            Scenario::Scale {
                pods,
                nodes,
                namespaces,
            } => write!(f, "scale:{pods},nodes={nodes},namespaces={namespaces}"),
        }
    }
}

/// Loads a scenario into the store; returns how many objects it wrote.
pub fn load(store: &Store, scenario: &Scenario) -> usize {
    match *scenario {
        Scenario::Empty => load_empty(store),
        Scenario::Demo => load_demo(store),
        Scenario::Scale {
            pods,
            nodes,
            namespaces,
        } => load_scale(store, pods, nodes, namespaces),
    }
}

/// Writes seeds into the store with the API server's defaults, grouped by resource, in one
/// bulk insert per resource (keeping the order of first appearance so CRDs precede their
/// instances).
pub fn insert(store: &Store, seeds: Vec<Seed>) -> usize {
    let mut groups: Vec<(crate::storage::GroupResource, Vec<serde_json::Value>)> = Vec::new();
    for s in seeds {
        let object = crate::controllers::runtime::with_defaults(&s.resource, s.object);
        match groups.iter_mut().find(|(r, _)| *r == s.resource) {
            Some((_, objs)) => objs.push(object),
            None => groups.push((s.resource, vec![object])),
        }
    }
    groups
        .into_iter()
        .map(|(r, objs)| store.insert_bulk(&r, objs))
        .sum()
}

/// Loads the `empty` scenario.
pub fn load_empty(store: &Store) -> usize {
    insert(store, demo::bootstrap(Timestamp::now()))
}

/// Loads the `demo` scenario.
pub fn load_demo(store: &Store) -> usize {
    insert(store, demo::objects(Timestamp::now()))
}

/// Loads the `scale` scenario: `pods` running pods over `nodes` nodes and `namespaces`
/// namespaces, on top of `empty`.
pub fn load_scale(store: &Store, pods: usize, nodes: usize, namespaces: usize) -> usize {
    load_empty(store)
        + scale::load(
            store,
            &scale::ScaleSpec {
                pods,
                nodes,
                namespaces,
            },
            Timestamp::now(),
        )
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use serde_json::Value;

    use super::*;

    #[test]
    fn scenarios_parse_and_display() {
        assert_eq!("empty".parse::<Scenario>().expect("empty"), Scenario::Empty);
        assert_eq!("demo".parse::<Scenario>().expect("demo"), Scenario::Demo);
        assert_eq!(
            "scale:100000,nodes=5000,namespaces=50"
                .parse::<Scenario>()
                .expect("scale"),
            Scenario::Scale {
                pods: 100_000,
                nodes: 5000,
                namespaces: 50
            }
        );
        let s: Scenario = "scale:100000".parse().expect("scale");
        assert_eq!(s.to_string().parse::<Scenario>().expect("round trip"), s);
        assert!("scale:lots".parse::<Scenario>().is_err());
        assert!("chaos".parse::<Scenario>().is_err());
    }
    use crate::controllers::action::gr;
    use crate::controllers::meta;
    use crate::controllers::runtime::{PassState, pass};
    use crate::storage::GroupResource;

    /// The demo after `seconds` of simulated time, one controller pass per second.
    fn demo_after(seconds: i64) -> Store {
        let store = Store::new();
        load_demo(&store);
        let t0 = Timestamp::now();
        let mut state = PassState::default();
        for s in 0..=seconds {
            pass(
                &store,
                t0.saturating_add(SignedDuration::from_secs(s))
                    .expect("time"),
                &mut state,
            );
        }
        store
    }

    fn get(store: &Store, resource: GroupResource, ns: &str, name: &str) -> Value {
        store
            .get(&resource, ns, name)
            .map(|o| o.value().clone())
            .unwrap_or(Value::Null)
    }

    fn pods_of(store: &Store, ns: &str, app: &str) -> Vec<Value> {
        store
            .list(&gr::pods(), Some(ns))
            .iter()
            .filter(|p| meta::label(p.value(), "app") == Some(app))
            .map(|p| p.value().clone())
            .collect()
    }

    fn waiting_reason(pod: &Value) -> &str {
        meta::str_at(pod, &["status", "containerStatuses"])
            .is_empty()
            .then(|| {
                pod.pointer("/status/containerStatuses/0/state/waiting/reason")
                    .and_then(Value::as_str)
            })
            .flatten()
            .unwrap_or("")
    }

    #[test]
    fn the_demo_comes_alive_under_its_controllers() {
        let store = demo_after(40);
        let frontend = get(&store, gr::deployments(), "shop", "frontend");
        assert_eq!(
            frontend["status"]["availableReplicas"], 3,
            "{}",
            frontend["status"]
        );
        assert_eq!(
            frontend["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "1"
        );
        assert_eq!(pods_of(&store, "shop", "frontend").len(), 3);
        let endpoints = get(&store, gr::endpoints(), "shop", "frontend");
        assert_eq!(
            endpoints["subsets"][0]["addresses"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        assert_eq!(endpoints["subsets"][0]["ports"][0]["port"], 80);

        let slices = store.list(&gr::endpointslices(), Some("shop"));
        let frontend_slice = slices
            .iter()
            .find(|s| meta::label(s.value(), "kubernetes.io/service-name") == Some("frontend"))
            .map(|s| s.value().clone())
            .unwrap_or(Value::Null);
        assert_eq!(
            frontend_slice["endpoints"].as_array().map(Vec::len),
            Some(3)
        );

        let postgres = get(&store, gr::statefulsets(), "data", "postgres");
        assert_eq!(postgres["status"]["readyReplicas"], 2);
        assert!(store.get(&gr::pods(), "data", "postgres-1").is_some());
        let claim = get(&store, gr::pvcs(), "data", "data-postgres-1");
        let volume = get(
            &store,
            gr::persistentvolumes(),
            "",
            meta::str_at(&claim, &["spec", "volumeName"]),
        );
        assert_eq!(
            volume["spec"]["claimRef"]["name"], "data-postgres-1",
            "the claim is bound to a volume"
        );

        let proxy = get(&store, gr::daemonsets(), "kube-system", "kube-proxy");
        assert_eq!(
            proxy["status"]["numberReady"], 5,
            "one per node, the cordoned one too"
        );

        let migrate = get(&store, gr::jobs(), "data", "db-migrate");
        assert_eq!(migrate["status"]["succeeded"], 1);
        assert_eq!(
            pods_of(&store, "data", "db-migrate")[0]["status"]["phase"],
            "Succeeded"
        );

        let grafana = &pods_of(&store, "monitoring", "grafana")[0];
        assert_eq!(grafana["status"]["phase"], "Running");
        assert_eq!(
            grafana["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"],
            "Completed"
        );

        let etcd = get(&store, gr::pods(), "kube-system", "etcd-control-plane-1");
        assert_eq!(
            etcd["status"]["phase"], "Running",
            "static pods run on the control plane"
        );
    }

    #[test]
    fn the_demo_shows_the_failures_a_console_must_explain() {
        let store = demo_after(60);
        let checkout = &pods_of(&store, "shop", "checkout")[0];
        assert!(
            checkout["status"]["containerStatuses"][0]["restartCount"]
                .as_i64()
                .unwrap_or(0)
                >= 2,
            "{}",
            checkout["status"]
        );
        let recs = &pods_of(&store, "shop", "recommendations")[0];
        assert!(
            matches!(waiting_reason(recs), "ErrImagePull" | "ImagePullBackOff"),
            "{}",
            recs["status"]
        );
        let import = get(&store, gr::jobs(), "data", "import-legacy");
        assert_eq!(
            import["status"]["conditions"][1]["reason"], "BackoffLimitExceeded",
            "{}",
            import["status"]
        );
        assert_eq!(
            import["status"]["failed"], 2,
            "backoffLimit 1 allows one retry"
        );
        let reindex = get(&store, gr::jobs(), "data", "reindex");
        assert_eq!(reindex["status"]["succeeded"], 4, "{}", reindex["status"]);
        let worker = &pods_of(&store, "data", "analytics-worker")[0];
        assert_eq!(worker["status"]["phase"], "Pending");
        assert_eq!(worker["status"]["conditions"][0]["reason"], "Unschedulable");

        let events = store.list(&gr::events(), None);
        let reasons: Vec<(&str, &str)> = events
            .iter()
            .map(|e| {
                (
                    meta::str_at(e.value(), &["reason"]),
                    meta::str_at(e.value(), &["involvedObject", "name"]),
                )
            })
            .collect();
        let has = |reason: &str, prefix: &str| {
            reasons
                .iter()
                .any(|(r, n)| *r == reason && n.starts_with(prefix))
        };
        assert!(has("FailedScheduling", "analytics-worker-"), "{reasons:?}");
        assert!(has("BackOff", "checkout-"));
        assert!(has("Failed", "recommendations-"));
        assert!(has("ScalingReplicaSet", "frontend"));
        assert!(has("SuccessfulCreate", "frontend-"));
        assert!(has("Started", "frontend-"));
        let backoff = events
            .iter()
            .find(|e| {
                e.value()["reason"] == "BackOff"
                    && meta::str_at(e.value(), &["involvedObject", "name"]).starts_with("checkout-")
            })
            .map(|e| e.value().clone())
            .unwrap_or(Value::Null);
        assert_eq!(backoff["type"], "Warning");
        assert!(
            backoff["count"].as_i64().unwrap_or(0) >= 2,
            "repeats are counted: {backoff}"
        );
    }

    #[test]
    fn changing_a_deployment_template_rolls_out_a_new_revision() {
        let store = demo_after(10);
        store
            .update_with(&gr::deployments(), "team-a", "hello", |d| {
                d["spec"]["template"]["spec"]["containers"][0]["image"] =
                    serde_json::json!("ghcr.io/wheelhouse-demo/hello:1.1.0");
                Ok(())
            })
            .expect("update");
        let t0 = Timestamp::now();
        let mut state = PassState::default();
        for s in 20..60 {
            pass(
                &store,
                t0.saturating_add(SignedDuration::from_secs(s))
                    .expect("time"),
                &mut state,
            );
        }
        let hello = get(&store, gr::deployments(), "team-a", "hello");
        assert_eq!(
            hello["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            "2"
        );
        assert_eq!(hello["status"]["updatedReplicas"], 2);
        assert_eq!(
            hello["status"]["replicas"], 2,
            "old pods are gone: {}",
            hello["status"]
        );
        let images: Vec<String> = pods_of(&store, "team-a", "hello")
            .iter()
            .map(|p| {
                meta::str_at(p, &["spec", "containers"]).to_string()
                    + p["spec"]["containers"][0]["image"].as_str().unwrap_or("")
            })
            .collect();
        assert!(images.iter().all(|i| i.ends_with("1.1.0")), "{images:?}");
        let rss: Vec<_> = store.list(&gr::replicasets(), Some("team-a"));
        assert_eq!(rss.len(), 2, "the old ReplicaSet is kept for rollback");
    }

    #[test]
    fn deleting_a_namespace_empties_it_then_removes_it() {
        let store = demo_after(5);
        assert!(!store.list(&gr::pods(), Some("team-a")).is_empty());
        store
            .delete(
                &gr::namespaces(),
                "",
                "team-a",
                &crate::storage::DeleteOptions::default(),
            )
            .expect("delete");
        let ns = get(&store, gr::namespaces(), "", "team-a");
        assert_eq!(
            ns["status"]["phase"], "Terminating",
            "the namespace waits for its contents"
        );
        let t0 = Timestamp::now();
        let mut state = PassState::default();
        for s in 10..14 {
            pass(
                &store,
                t0.saturating_add(SignedDuration::from_secs(s))
                    .expect("time"),
                &mut state,
            );
        }
        for resource in store.resources() {
            assert!(
                store.list(&resource, Some("team-a")).is_empty(),
                "{resource} left in team-a"
            );
        }
        assert!(
            store.get(&gr::namespaces(), "", "team-a").is_none(),
            "the namespace is gone"
        );
        assert!(
            store.get(&gr::namespaces(), "", "shop").is_some(),
            "other namespaces stay"
        );
    }

    #[test]
    fn two_hours_of_demo_keep_history_limits_and_a_steady_pod_count() {
        let store = Store::new();
        load_demo(&store);
        let t0 = Timestamp::now();
        let mut state = PassState::default();
        let mut pod_counts = Vec::new();
        for s in (0..=7200).step_by(10) {
            pass(
                &store,
                t0.saturating_add(SignedDuration::from_secs(s))
                    .expect("time"),
                &mut state,
            );
            if s % 1800 == 0 {
                pod_counts.push(store.count(&gr::pods()));
            }
        }
        let backups: Vec<_> = store
            .list(&gr::jobs(), Some("data"))
            .iter()
            .filter(|j| meta::name(j.value()).starts_with("db-backup-"))
            .map(|j| j.value().clone())
            .collect();
        assert!(
            (3..=4).contains(&backups.len()),
            "3 finished backups kept (and maybe one running): {}",
            backups.len()
        );
        let cron = get(&store, gr::cronjobs(), "data", "db-backup");
        assert!(
            cron["status"]["lastSuccessfulTime"].is_string(),
            "{}",
            cron["status"]
        );
        let later = &pod_counts[1..];
        assert!(
            later.iter().all(|n| n.abs_diff(later[0]) <= 1),
            "the pod count is steady: {pod_counts:?}"
        );
        let checkout = &pods_of(&store, "shop", "checkout")[0];
        let restarts = checkout["status"]["containerStatuses"][0]["restartCount"]
            .as_i64()
            .unwrap_or(0);
        assert!(
            (20..=40).contains(&restarts),
            "restarts keep rising at the capped back-off: {restarts}"
        );
        let deploy = get(&store, gr::deployments(), "shop", "checkout");
        assert_eq!(
            deploy["status"]["conditions"][1]["reason"],
            "ProgressDeadlineExceeded"
        );
    }
}
