//! The watch caches against the simulated cluster over real HTTP.

mod common;

use std::time::Duration;

use common::{client, quiet_sim};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{DeleteParams, ListParams, PostParams};
use kube::{Api, ResourceExt};
use wheelhouse_cluster::Caches;
use wheelhouse_sim::{Scenario, Sim, SimConfig};

fn pod(name: &str) -> Pod {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}
    }))
    .expect("a pod")
}

#[tokio::test]
async fn caches_hold_every_pod_as_facts_and_other_kinds_without_managed_fields() {
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo))
        .await
        .expect("the sim starts");
    let client = client(&sim).await;
    let pods = Api::<Pod>::namespaced(client.clone(), "default");
    pods.create(&PostParams::default(), &pod("written-by-api"))
        .await
        .expect("created");
    let listed = Api::<Pod>::all(client.clone())
        .list(&ListParams::default())
        .await
        .expect("list");

    let caches = Caches::new(client.clone());
    let cached = caches.pods().await.expect("the first list completes");
    assert!(
        cached.len() >= listed.items.len().saturating_sub(5),
        "{} cached, {} listed",
        cached.len(),
        listed.items.len()
    );
    let ours = cached
        .iter()
        .find(|p| p.name == "written-by-api")
        .expect("our pod is cached");
    assert_eq!(ours.namespace.as_ref(), "default");
    assert_eq!(ours.containers.len(), 1);
    assert!(
        ["Pending", "Running"].contains(&ours.phase),
        "a new pod is pending or running: {ours:?}"
    );
    // Every listed pod is there, by namespace and name.
    for pod in &listed.items {
        let (namespace, name) = (pod.namespace().unwrap_or_default(), pod.name_any());
        assert!(
            cached
                .iter()
                .any(|p| *p.namespace == *namespace && p.name == name)
                || pod.metadata.deletion_timestamp.is_some(),
            "{namespace}/{name} is cached"
        );
    }

    let namespaces = caches.namespaces().await.expect("listed");
    assert!(!namespaces.is_empty());
    assert!(
        namespaces.iter().all(|n| n.managed_fields().is_empty()),
        "managedFields are dropped at ingest"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn caches_follow_changes_in_the_cluster() {
    let sim = quiet_sim().await;
    let client = client(&sim).await;
    let caches = Caches::new(client.clone());
    assert!(
        caches.pods().await.expect("listed").is_empty(),
        "an empty cluster has no pods"
    );

    // The same name in two namespaces is two pods; deleting one leaves the other.
    let namespace: Namespace = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}
    }))
    .expect("a namespace");
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .expect("namespace created");
    for namespace in ["default", "other"] {
        let mut late = pod("late");
        late.metadata.namespace = Some(namespace.into());
        Api::<Pod>::namespaced(client.clone(), namespace)
            .create(&PostParams::default(), &late)
            .await
            .expect("created");
    }
    let cached = async || {
        let mut names: Vec<String> = caches
            .pods()
            .await
            .expect("cached")
            .iter()
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .collect();
        names.sort();
        names
    };
    let until = async |expected: &[&str], what: &str| {
        for _ in 0..50 {
            if cached().await == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{what}: the cache holds {:?}", cached().await);
    };
    until(
        &["default/late", "other/late"],
        "created after the first list",
    )
    .await;

    Api::<Pod>::namespaced(client.clone(), "default")
        .delete("late", &DeleteParams::default().grace_period(0))
        .await
        .expect("deleted");
    until(&["other/late"], "one of the two deleted").await;
    sim.shutdown().await;
}
