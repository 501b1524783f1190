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
    let object: Value =
        serde_json::from_slice(&json.unpack().expect("unpacked")).expect("valid JSON");
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

fn crds() -> GroupResource {
    GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions")
}

fn widget_crd() -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "widgets.example.com"},
           "spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                    "versions": [{"name": "v1", "served": true, "storage": true}]}})
}

fn widget(name: &str) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget",
           "metadata": {"name": name, "namespace": "default"}})
}

/// As kube-apiserver does when a CRD is deleted: DELETED for every object, the watch ends, and
/// the resource answers 404. The cache must empty, stop watching (not retry a 404 for as long
/// as a view follows it) and leave the registry; a CRD made again is cached anew.
#[tokio::test]
async fn a_deleted_crd_empties_and_stops_its_cache_and_a_new_one_is_cached_anew() {
    let (sim, _client, resources) = setup(ResourcesConfig::default()).await;
    let store = sim.store();
    store.create(&crds(), false, widget_crd()).expect("CRD");
    let widgets = GroupResource::new("example.com", "widgets");
    for name in ["one", "two"] {
        store.create(&widgets, true, widget(name)).expect("widget");
    }
    let (cache, state) = resources
        .settled_cache("example.com", "v1", "widgets", &[])
        .await
        .expect("widgets are cached");
    assert!(state.synced);
    let mut changes = {
        let (objects, changes) = cache.read_and_subscribe();
        assert_eq!(objects.len(), 2);
        changes
    };

    store
        .delete(
            &crds(),
            "",
            "widgets.example.com",
            &DeleteOptions::default(),
        )
        .expect("CRD deleted");
    let mut removed = Vec::new();
    loop {
        let change = next_change(&mut changes).await;
        match change.as_ref() {
            Change::Removed(row) => removed.push(row.name.clone()),
            Change::KindRemoved => break,
            other => panic!("expected Removed or KindRemoved, got {other:?}"),
        }
    }
    removed.sort();
    assert_eq!(removed, ["one", "two"], "a DELETED for every widget first");
    assert!(cache.state().removed);
    assert!(cache.read().is_empty(), "the objects are released");
    let deadline = tokio::time::Instant::now() + WITHIN;
    while cache.is_watching() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the watch of a removed kind still runs"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Still followed (`changes` is held), yet not kept: a list now says the kind is unknown.
    let error = resources
        .settled_cache("example.com", "v1", "widgets", &[])
        .await
        .expect_err("no widgets any more");
    assert!(
        matches!(error, wheelhouse_cluster::Error::UnknownResource { .. }),
        "{error}"
    );
    assert!(
        resources.cache_keys().is_empty(),
        "{:?}",
        resources.cache_keys()
    );
    drop(changes);

    store
        .create(&crds(), false, widget_crd())
        .expect("CRD again");
    store
        .create(&widgets, true, widget("three"))
        .expect("widget");
    // Discovery sees the new CRD through its watch, a moment later.
    let deadline = tokio::time::Instant::now() + WITHIN;
    let (cache, state) = loop {
        match resources
            .settled_cache("example.com", "v1", "widgets", &[])
            .await
        {
            Ok(cached) => break cached,
            Err(error) => assert!(
                tokio::time::Instant::now() < deadline,
                "widgets are not cached again: {error}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(state.synced && !state.removed);
    let names: Vec<String> = cache.read().rows().iter().map(|r| r.name.clone()).collect();
    assert_eq!(names, ["three"]);
}
