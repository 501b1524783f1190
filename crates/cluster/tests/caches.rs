//! The watch caches against the simulated cluster over real HTTP.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, PostParams};
use kube::config::Kubeconfig;
use kube::{Api, ResourceExt};
use wheelhouse_cluster::{Caches, ClusterSource};
use wheelhouse_sim::{Scenario, Sim, SimConfig};

async fn client(sim: &Sim) -> kube::Client {
    let kubeconfig =
        Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig parses");
    let source = ClusterSource::Kubeconfig {
        kubeconfig: Box::new(kubeconfig),
        context: None,
    };
    wheelhouse_cluster::connect(source)
        .await
        .expect("client builds")
        .client
}

fn pod(name: &str) -> Pod {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}
    }))
    .expect("a pod")
}

#[tokio::test]
async fn caches_hold_every_pod_without_managed_fields() {
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo))
        .await
        .expect("the sim starts");
    let client = client(&sim).await;
    let pods = Api::<Pod>::namespaced(client.clone(), "default");
    let created = pods
        .create(&PostParams::default(), &pod("written-by-api"))
        .await
        .expect("created");
    assert!(
        !created.managed_fields().is_empty(),
        "the API server records managedFields on create"
    );
    let listed = Api::<Pod>::all(client.clone())
        .list(&ListParams::default())
        .await
        .expect("list");

    let caches = Caches::new(client);
    let cached = caches.pods().await.expect("the first list completes");
    assert!(
        cached.len() >= listed.items.len().saturating_sub(5),
        "{} cached, {} listed",
        cached.len(),
        listed.items.len()
    );
    let ours = cached
        .iter()
        .find(|p| p.name_any() == "written-by-api")
        .expect("our pod is cached");
    assert!(
        ours.managed_fields().is_empty(),
        "managedFields are dropped at ingest"
    );
    assert!(cached.iter().all(|p| p.managed_fields().is_empty()));
    sim.shutdown().await;
}

#[tokio::test]
async fn caches_follow_changes_in_the_cluster() {
    let sim = Sim::start(
        SimConfig::default()
            .scenario(Scenario::Empty)
            .controllers(false),
    )
    .await
    .expect("the sim starts");
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
            .any(|p| p.name_any() == "late")
        {
            sim.shutdown().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the pod created after the first list never reached the cache");
}
