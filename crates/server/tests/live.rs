//! The live socket (`/api/v1/live`): one WebSocket carrying a tab's views, its limits, and a
//! view that stays true when the watch cache behind it has to list again (410 Gone).

mod common;

use std::time::Duration;

use common::{
    live_socket, namespace, next_message, pod, pods, quiet_server, unsubscribe_and_settle,
};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use wheelhouse_sim::{DeleteOptions, GroupResource};

/// How long any awaited condition may take before the test fails.
const WITHIN: Duration = Duration::from_secs(15);

#[tokio::test]
async fn one_websocket_carries_several_subscriptions() {
    let (sim, server) = quiet_server("admin").await;
    let store = sim.store();
    store
        .create(&GroupResource::core("namespaces"), false, namespace("shop"))
        .expect("namespace");
    store
        .create(&pods(), true, pod("shop", "web-1", json!({"app": "web"})))
        .expect("pod");

    let mut socket = live_socket(&server).await;
    use tokio_tungstenite::tungstenite::Message;
    let send = |value: Value| Message::Text(value.to_string().into());
    socket
        .send(send(json!({"op": "subscribe", "id": "pods", "path": "/api/v1/watch/core/v1/pods?namespace=shop"})))
        .await
        .expect("sent");
    socket
        .send(send(json!({"op": "subscribe", "id": "one", "path": "/api/v1/watch/core/v1/pods?namespace=shop&name=web-2"})))
        .await
        .expect("sent");
    socket
        .send(send(
            json!({"op": "subscribe", "id": "bad", "path": "/api/v1/resources/core/v1/pods"}),
        ))
        .await
        .expect("sent");

    let deadline = tokio::time::Instant::now() + WITHIN;
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let message = next_message(&mut socket, deadline).await;
        if message["event"] == "snapshot" && message["data"]["state"] != "ready" {
            continue; // loading; the ready snapshot follows
        }
        seen.push(message);
    }
    let by_id = |id: &str| {
        seen.iter()
            .find(|m| m["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {seen:?}"))
    };
    assert_eq!(by_id("pods")["event"], "snapshot");
    assert_eq!(by_id("pods")["data"]["total"], 1);
    assert_eq!(by_id("one")["data"]["total"], 0);
    assert_eq!(by_id("bad")["event"], "error");
    assert_eq!(by_id("bad")["data"]["error"]["reason"], "BadRequest");

    store
        .create(&pods(), true, pod("shop", "web-2", json!({"app": "web"})))
        .expect("pod");
    let mut deltas = Vec::new();
    while deltas.len() < 2 {
        let message = next_message(&mut socket, deadline).await;
        if message["event"] == "added" {
            deltas.push((
                message["id"].as_str().expect("id").to_string(),
                message["data"]["row"]["name"]
                    .as_str()
                    .expect("a name")
                    .to_string(),
            ));
        }
    }
    deltas.sort();
    assert_eq!(
        deltas,
        [
            ("one".to_string(), "web-2".to_string()),
            ("pods".to_string(), "web-2".to_string())
        ]
    );

    // After unsubscribing, only the remaining subscription hears of changes.
    unsubscribe_and_settle(&mut socket, "one", deadline).await;
    store
        .delete(&pods(), "shop", "web-2", &DeleteOptions::default())
        .expect("deleted");
    let removed = next_message(&mut socket, deadline).await;
    assert_eq!(removed["event"], "removed");
    assert_eq!(removed["id"], "pods");
    assert_eq!(removed["data"]["total"], 1);
}

/// A socket holds at most 64 views (the 65th is refused and the others go on; unsubscribing
/// makes room), and a message over 64 KiB ends the connection.
#[tokio::test]
async fn a_socket_holds_64_subscriptions_and_ends_on_a_message_over_64_kib() {
    use tokio_tungstenite::tungstenite::Message;
    let (_sim, server) = quiet_server("admin").await;
    let mut socket = live_socket(&server).await;
    let subscribe = |id: &str| {
        Message::Text(
            json!({"op": "subscribe", "id": id, "path": "/api/v1/watch/core/v1/nodes"})
                .to_string()
                .into(),
        )
    };
    for i in 0..=64 {
        socket
            .send(subscribe(&format!("s{i}")))
            .await
            .expect("sent");
    }
    let deadline = tokio::time::Instant::now() + WITHIN;
    let mut ready = std::collections::BTreeSet::new();
    let refused = loop {
        let message = next_message(&mut socket, deadline).await;
        if message["event"] == "error" {
            break message;
        }
        if message["event"] == "snapshot" {
            ready.insert(message["id"].as_str().expect("an id").to_string());
        }
    };
    assert_eq!(refused["id"], "s64", "{refused}");
    assert_eq!(refused["data"]["error"]["reason"], "BadRequest");
    assert!(
        refused["data"]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 64 subscriptions")),
        "{refused}"
    );
    assert!(!ready.contains("s64"), "{ready:?}");

    // Room is made by unsubscribing; the same id is then served.
    socket
        .send(Message::Text(
            json!({"op": "unsubscribe", "id": "s0"}).to_string().into(),
        ))
        .await
        .expect("sent");
    socket.send(subscribe("s64")).await.expect("sent");
    loop {
        let message = next_message(&mut socket, deadline).await;
        assert_ne!(message["event"], "error", "{message}");
        if message["id"] == "s64" && message["event"] == "snapshot" {
            break;
        }
    }

    // A message past 64 KiB is not read: the connection ends.
    let huge = json!({"op": "subscribe", "id": "huge", "path": "x".repeat(65 * 1024)});
    let _ = socket.send(Message::Text(huge.to_string().into())).await;
    loop {
        match tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("the connection ends within the time limit")
        {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
            Some(Ok(Message::Text(text))) => {
                assert!(
                    !text.contains("\"huge\""),
                    "the huge message was read: {text}"
                );
            }
            Some(Ok(_)) => {}
        }
    }
}

/// When the watch behind a cache breaks and its resourceVersion is gone (410 Gone: the API
/// server's history moved on), the cache lists again, and an open view gets a fresh snapshot
/// with what the list found rather than going quiet or stale.
#[tokio::test]
async fn an_open_view_gets_a_fresh_snapshot_when_its_watch_cache_lists_again_after_410() {
    use tokio_tungstenite::tungstenite::Message;
    // A history of 100 events: a watch that falls further behind cannot resume.
    let sim = wheelhouse_sim::Sim::start(
        wheelhouse_sim::SimConfig::default()
            .scenario(wheelhouse_sim::Scenario::Empty)
            .controllers(false)
            .watch_history(100),
    )
    .await
    .expect("the sim starts");
    let server = common::TestServer::with_kubeconfig(
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig"),
        wheelhouse_server::ServerConfig::default(),
    )
    .await;
    let configmaps = GroupResource::core("configmaps");
    let configmap = |name: String| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "namespace": "default"}})
    };
    sim.store().insert_bulk(
        &configmaps,
        (0..3).map(|i| configmap(format!("before-{i}"))),
    );

    let mut socket = live_socket(&server).await;
    socket
        .send(Message::Text(
            json!({"op": "subscribe", "id": "cms", "path": "/api/v1/watch/core/v1/configmaps?namespace=default"})
                .to_string()
                .into(),
        ))
        .await
        .expect("sent");
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        let message = next_message(&mut socket, deadline).await;
        if message["event"] == "snapshot" && message["data"]["state"] == "ready" {
            assert_eq!(message["data"]["total"], 3, "{message}");
            break;
        }
    }

    // More changes at once than the sim's watch channel holds (4,096): the console's watch falls
    // behind and is closed, and the version it resumes from is older than the 100 events kept.
    let bulk = 6_000;
    sim.store().insert_bulk(
        &configmaps,
        (0..bulk).map(|i| configmap(format!("bulk-{i}"))),
    );
    assert!(
        sim.store().compacted_resource_version(&configmaps) > 3,
        "the history moved on"
    );
    let deadline = tokio::time::Instant::now() + WITHIN * 2;
    let fresh = loop {
        let message = next_message(&mut socket, deadline).await;
        assert_ne!(message["event"], "error", "{message}");
        if message["event"] == "snapshot" && message["data"]["state"] == "ready" {
            break message;
        }
    };
    assert_eq!(fresh["id"], "cms");
    assert_eq!(
        fresh["data"]["total"],
        3 + bulk,
        "{}",
        fresh["data"]["total"]
    );
}
