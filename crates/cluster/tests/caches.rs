//! The watch caches against the simulated cluster over real HTTP.

mod common;

use std::time::Duration;

use common::{client, quiet_sim};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, PostParams};
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

    let pod: Pod = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "late", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}
    }))
    .expect("a pod");
    Api::<Pod>::namespaced(client, "default")
        .create(&PostParams::default(), &pod)
        .await
        .expect("created");

    for _ in 0..50 {
        if caches
            .pods()
            .await
            .expect("cached")
            .iter()
            .any(|p| p.name == "late")
        {
            sim.shutdown().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the pod created after the first list never reached the cache");
}
