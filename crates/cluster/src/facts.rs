//! What the overview and the metrics read of pods and ReplicaSets, kept instead of the objects.
//!
//! A decoded k8s-openapi `Pod` with two containers takes about 8 KB of memory before any of its
//! strings (its structs are large even where fields are empty), so 100,000 of them would hold
//! most of a GB next to the resource browser's own cache. These facts are computed once as each
//! object arrives and take a few hundred bytes.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use wheelhouse_model::overview::PodLike;
use wheelhouse_model::rows::shared_status;

use crate::metrics::view::Bounds;

/// A pod as the overview and the metrics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PodFacts {
    /// Shared with the other pods of the namespace ([`shared_name`]).
    pub namespace: Arc<str>,
    pub name: String,
    /// The node it is scheduled to, shared with the other pods on it.
    pub node: Option<Arc<str>>,
    /// [`wheelhouse_model::overview::namespace_key`] of `namespace`.
    pub namespace_key: u64,
    /// `Running`, `Pending`, `Succeeded`, `Failed` or `Unknown`.
    pub phase: &'static str,
    /// The STATUS column of `kubectl get pods` (`CrashLoopBackOff`, `Init:0/2`, …); common
    /// words are static strings, so that the overview reads 150,000 of them from one place.
    pub status: Cow<'static, str>,
    /// Its controller: kind (shared) and name (`ReplicaSet`, `web-7d9c`).
    pub controller: Option<(Arc<str>, Box<str>)>,
    /// Requests and limits summed over its app containers.
    pub bounds: Bounds,
    /// Its app containers' names and requests and limits, in the spec's order.
    pub containers: Vec<(String, Bounds)>,
}

impl PodFacts {
    pub fn of(pod: &Pod) -> Self {
        Self {
            namespace_key: wheelhouse_model::overview::namespace_key(
                pod.metadata.namespace.as_deref().unwrap_or_default(),
            ),
            namespace: shared_name(pod.metadata.namespace.as_deref().unwrap_or_default()),
            name: pod.metadata.name.clone().unwrap_or_default(),
            node: pod
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .map(shared_name),
            phase: wheelhouse_model::pod::known_phase(wheelhouse_model::pod::phase(pod)),
            status: shared_status(wheelhouse_model::pod::status_reason(pod)),
            controller: controller(&pod.metadata)
                .map(|(kind, name)| (shared_name(&kind), name.into_boxed_str())),
            bounds: Bounds::of_pod(pod),
            containers: pod
                .spec
                .iter()
                .flat_map(|s| &s.containers)
                .map(|c| (c.name.clone(), Bounds::of_container(c)))
                .collect(),
        }
    }

    /// Whether it holds its requests: not finished.
    pub fn active(&self) -> bool {
        !matches!(self.phase, "Succeeded" | "Failed")
    }
}

/// At most this many names are shared; past it, a name is kept by each pod that has it.
const SHARED_NAMES: usize = 65_536;

/// One copy of a name that many pods carry (a namespace, a node, an owner's kind), shared: at
/// 150,000 pods, a `String` each was 6 MB per field. Names are never forgotten, hence the bound
/// (namespaces and nodes come and go slowly, and creating them takes rights over the cluster).
pub fn shared_name(name: &str) -> Arc<str> {
    static NAMES: OnceLock<Mutex<HashSet<Arc<str>>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(shared) = names.get(name) {
        return shared.clone();
    }
    let shared: Arc<str> = Arc::from(name);
    if names.len() < SHARED_NAMES {
        names.insert(shared.clone());
    }
    shared
}

impl PodLike for PodFacts {
    fn namespace(&self) -> Option<&str> {
        Some(self.namespace.as_ref())
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn phase(&self) -> &str {
        self.phase
    }

    fn status(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.status.as_ref())
    }

    fn namespace_key(&self) -> u64 {
        self.namespace_key
    }
}

/// A ReplicaSet as the metrics see it: the Deployment that owns it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSetFacts {
    pub namespace: String,
    pub name: String,
    pub deployment: Option<String>,
}

impl ReplicaSetFacts {
    pub fn of(replicaset: &ReplicaSet) -> Self {
        Self {
            namespace: replicaset.metadata.namespace.clone().unwrap_or_default(),
            name: replicaset.metadata.name.clone().unwrap_or_default(),
            deployment: controller(&replicaset.metadata)
                .filter(|(kind, _)| kind == "Deployment")
                .map(|(_, name)| name),
        }
    }
}

/// The owner reference marked as the controller: kind and name.
fn controller(meta: &ObjectMeta) -> Option<(String, String)> {
    meta.owner_references
        .as_ref()?
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| (o.kind.clone(), o.name.clone()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_pod_s_facts_are_what_its_object_says() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "web-1", "namespace": "shop", "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9c", "uid": "u", "controller": true}]},
            "spec": {"nodeName": "worker-1", "containers": [
                {"name": "app", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1"}}},
                {"name": "sidecar", "resources": {"limits": {"memory": "32Mi"}}}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 3, "image": "i", "imageID": "",
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        }))
        .expect("a pod");
        let facts = PodFacts::of(&pod);
        assert_eq!(facts.namespace.as_ref(), "shop");
        assert_eq!(facts.node.as_deref(), Some("worker-1"));
        assert_eq!(facts.phase, "Running");
        assert_eq!(facts.status, "CrashLoopBackOff");
        assert_eq!(
            facts
                .controller
                .as_ref()
                .map(|(k, n)| (k.as_ref(), n.as_ref())),
            Some(("ReplicaSet", "web-7d9c"))
        );
        let names: Vec<&str> = facts.containers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["app", "sidecar"]);
        assert_eq!(facts.bounds, Bounds::of_pod(&pod));
        assert!(facts.active());
        assert!(
            (facts.bounds.memory_requests().unwrap_or_default() - 96.0 * 1024.0 * 1024.0).abs()
                < 1.0
        );
    }

    #[test]
    fn pods_of_one_namespace_and_node_share_those_names() {
        let pod = |name: &str| -> Pod {
            serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "shop"},
                "spec": {"nodeName": "worker-1", "containers": []}
            }))
            .expect("a pod")
        };
        let (a, b) = (PodFacts::of(&pod("a")), PodFacts::of(&pod("b")));
        assert!(Arc::ptr_eq(&a.namespace, &b.namespace));
        let (Some(on_a), Some(on_b)) = (&a.node, &b.node) else {
            panic!("both are scheduled");
        };
        assert!(Arc::ptr_eq(on_a, on_b));
        assert_eq!(on_a.as_ref(), "worker-1");
    }

    #[test]
    fn common_words_are_kept_once_and_an_unknown_phase_counts_as_unknown() {
        let pod = |phase: &str, reason: &str| -> Pod {
            serde_json::from_value(json!({
                "metadata": {"name": "p", "namespace": "shop"},
                "status": {"phase": phase, "containerStatuses": [
                    {"name": "app", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
                     "state": {"waiting": {"reason": reason}}}]}
            }))
            .expect("a pod")
        };
        let common = PodFacts::of(&pod("Pending", "CrashLoopBackOff"));
        assert_eq!(common.phase, "Pending");
        assert!(matches!(common.status, Cow::Borrowed("CrashLoopBackOff")));
        let odd = PodFacts::of(&pod("Hibernating", "WaitingForGodot"));
        assert_eq!(odd.phase, "Unknown", "the overview has five phases");
        assert!(matches!(&odd.status, Cow::Owned(s) if s == "WaitingForGodot"));
        assert_eq!(
            common.namespace_key,
            wheelhouse_model::overview::namespace_key("shop")
        );
    }

    #[test]
    fn a_replicaset_s_deployment_is_its_controller_when_that_is_a_deployment() {
        let owned: ReplicaSet = serde_json::from_value(json!({"metadata": {"name": "web-7d9c", "namespace": "shop",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u", "controller": true}]}}))
        .expect("a replicaset");
        assert_eq!(
            ReplicaSetFacts::of(&owned).deployment.as_deref(),
            Some("web")
        );
        let alone: ReplicaSet =
            serde_json::from_value(json!({"metadata": {"name": "solo", "namespace": "shop"}}))
                .expect("a replicaset");
        assert_eq!(ReplicaSetFacts::of(&alone).deployment, None);
    }
}
