//! The resource caches against the simulated cluster: the change feed, compact objects, idle stop.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{client, client_as, quiet_sim};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use kube::api::PostParams;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use wheelhouse_cluster::resources::{Change, Resources, ResourcesConfig};
use wheelhouse_sim::{DeleteOptions, GroupResource, Sim};

const WITHIN: Duration = Duration::from_secs(10);

async fn setup(config: ResourcesConfig) -> (Sim, kube::Client, Resources) {
    let sim = quiet_sim().await;
    let client = client(&sim).await;
    let resources = Resources::new(client.clone(), "admin", config);
    (sim, client, resources)
}

fn config_map(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "default"}, "data": data})
}

async fn next_change(changes: &mut broadcast::Receiver<Arc<Change>>) -> Arc<Change> {
    tokio::time::timeout(WITHIN, changes.recv())
        .await
        .expect("a change within the time limit")
        .expect("the feed is open")
}

#[tokio::test]
async fn the_feed_publishes_each_change_with_the_row_before_it() {
    let (sim, _client, resources) = setup(ResourcesConfig::default()).await;
    let (cache, state) = resources
        .settled_cache("", "v1", "configmaps", &[])
        .await
        .expect("configmaps are cached");
    assert!(state.synced, "an empty kind lists at once");
    let (before, mut changes) = {
        let (objects, changes) = cache.read_and_subscribe();
        (objects.len(), changes)
    };

    let store = sim.store();
    let gr = GroupResource::core("configmaps");
    store
        .create(&gr, true, config_map("settings", json!({"a": "1"})))
        .expect("created");
    let change = next_change(&mut changes).await;
    let Change::Added(row) = change.as_ref() else {
        panic!("expected Added, got {change:?}")
    };
    assert_eq!(row.name, "settings");
    assert_eq!(cache.read().len(), before + 1);

    store
        .update_with(&gr, "default", "settings", |object| {
            object["metadata"]["labels"] = json!({"tier": "web"});
            Ok(())
        })
        .expect("updated");
    let change = next_change(&mut changes).await;
    let Change::Modified { row, previous } = change.as_ref() else {
        panic!("expected Modified, got {change:?}")
    };
    assert_eq!(
        row.labels.get("tier").map(|v| v.to_string()).as_deref(),
        Some("web")
    );
    assert!(
        previous.labels.get("tier").is_none(),
        "the previous row is the one before the change"
    );

    store
        .delete(&gr, "default", "settings", &DeleteOptions::default())
        .expect("deleted");
    let change = next_change(&mut changes).await;
    assert!(
        matches!(change.as_ref(), Change::Removed(row) if row.name == "settings"),
        "{change:?}"
    );
    assert_eq!(cache.read().len(), before);
}

#[tokio::test]
async fn objects_are_kept_as_json_without_managed_fields() {
    let (_sim, client, resources) = setup(ResourcesConfig::default()).await;
    let (cache, _) = resources
        .settled_cache("", "v1", "configmaps", &[])
        .await
        .expect("cached");
    let mut changes = cache.read_and_subscribe().1;
    let map: ConfigMap =
        serde_json::from_value(config_map("written-by-api", json!({"k": "v"}))).expect("a map");
    let created = Api::<ConfigMap>::namespaced(client, "default")
        .create(&PostParams::default(), &map)
        .await
        .expect("created");
    assert!(
        created.metadata.managed_fields.is_some(),
        "the API server records managedFields"
    );
    next_change(&mut changes).await;
    let json = cache
        .read()
        .json(Some("default"), "written-by-api")
        .expect("the object is cached");
    let object: Value = serde_json::from_slice(&json).expect("valid JSON");
    assert_eq!(object["data"]["k"], "v");
    assert_eq!(object["kind"], "ConfigMap");
    assert!(
        object["metadata"].get("managedFields").is_none(),
        "{object}"
    );
}

#[tokio::test]
async fn an_unused_cache_is_stopped_and_a_followed_one_is_kept() {
    let idle = Duration::from_millis(200);
    let (_sim, _client, resources) = setup(ResourcesConfig::default().idle_timeout(idle)).await;
    resources
        .settled_cache("", "v1", "configmaps", &[])
        .await
        .expect("cached");
    assert_eq!(resources.cache_keys(), ["/v1/configmaps"]);
    let deadline = tokio::time::Instant::now() + WITHIN;
    while !resources.cache_keys().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the idle cache was not stopped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (cache, _) = resources
        .settled_cache("", "v1", "configmaps", &[])
        .await
        .expect("cached again");
    let subscription = cache.read_and_subscribe().1;
    drop(cache);
    // Several idle periods and reaper rounds pass; a followed cache must survive them all.
    tokio::time::sleep(idle * 5).await;
    assert_eq!(resources.cache_keys(), ["/v1/configmaps"]);
    drop(subscription);
}

#[tokio::test]
async fn a_refused_list_names_verb_resource_and_namespaces() {
    let sim = quiet_sim().await;
    let client = client_as(&sim, "restricted").await;
    let resources = Resources::new(client, "restricted", ResourcesConfig::default());
    let error = resources
        .settled_cache("", "v1", "pods", &[])
        .await
        .expect_err("restricted may not list pods cluster-wide");
    let message = error.to_string();
    assert!(
        message.starts_with("restricted may not list pods in all namespaces"),
        "{message}"
    );
    assert!(message.contains("(403)"), "{message}");
}
