//! The console against an API server in trouble (faults injected into the sim): it says what is
//! wrong within seconds, recovers without a restart when the fault ends, and shows no stale rows.

mod common;

use std::time::Duration;

use common::{LiveSocket, TestServer, live_socket, namespace, next_message};
use futures::SinkExt as _;
use kube::config::Kubeconfig;
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_sim::{DeleteOptions, Failure, GroupResource, Scenario, Sim, SimConfig};

fn configmaps() -> GroupResource {
    GroupResource::core("configmaps")
}

fn configmap(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "faults"}})
}

async fn server() -> (Sim, TestServer) {
    let (sim, server) = server_of(SimConfig::default()).await;
    (sim, server)
}

async fn server_of(config: SimConfig) -> (Sim, TestServer) {
    let sim = Sim::start(config.scenario(Scenario::Empty).controllers(false))
        .await
        .expect("the sim starts");
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let server = TestServer::with_kubeconfig(kubeconfig, ServerConfig::default()).await;
    server.wait_ready().await;
    (sim, server)
}

/// The names the console lists in `faults`, once the list is ready.
async fn names(server: &TestServer) -> Option<Vec<String>> {
    let response = common::get(server.url("api/v1/resources/core/v1/configmaps?namespace=faults"))
        .await
        .ok()?;
    if response.status() != 200 {
        return None;
    }
    let list: Value = response.json().await.ok()?;
    if list["state"] != "ready" {
        return None;
    }
    let mut names: Vec<String> = list["items"]
        .as_array()?
        .iter()
        .filter_map(|row| row["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    Some(names)
}

/// `/readyz`: its status and reason.
async fn readyz(server: &TestServer) -> (u16, String) {
    let response = common::get(server.url("readyz")).await.expect("answered");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON");
    (status, body["reason"].as_str().unwrap_or("").to_string())
}

/// Waits until `done` says yes, for at most `within`; what it last said otherwise.
async fn until<T>(within: Duration, mut probe: impl AsyncFnMut() -> Option<T>, what: &str) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// For a 500 (etcd timing out) and a 429 (the API server shedding load), with every watch cut:
/// `/readyz` says not ready with the API server's reason within 5 s; when the fault ends it is
/// ready again, and the list shows what changed meanwhile (no row deleted during the fault).
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_api_server_is_reported_within_seconds_and_recovered_from_without_stale_rows() {
    for (failure, said) in [
        (Failure::Internal, "etcdserver: request timed out"),
        (Failure::TooManyRequests, "Too many requests"),
    ] {
        let (sim, server) = server().await;
        let store = sim.store();
        store
            .create(
                &GroupResource::core("namespaces"),
                false,
                namespace("faults"),
            )
            .expect("namespace");
        for name in ["keep", "gone"] {
            store
                .create(&configmaps(), true, configmap(name))
                .expect("configmap");
        }
        until(
            Duration::from_secs(10),
            async || names(&server).await.filter(|n| n == &["gone", "keep"]),
            "the first list",
        )
        .await;

        sim.faults().fail(failure, Duration::from_secs(6));
        sim.faults().drop_watches();
        store
            .delete(&configmaps(), "faults", "gone", &DeleteOptions::default())
            .expect("deleted");
        store
            .create(&configmaps(), true, configmap("new"))
            .expect("created");

        let reason = until(
            Duration::from_secs(5),
            async || {
                let (status, reason) = readyz(&server).await;
                (status == 503).then_some(reason)
            },
            "/readyz saying not ready",
        )
        .await;
        assert!(reason.contains(said), "{failure:?}: {reason}");

        until(
            Duration::from_secs(20),
            async || (readyz(&server).await.0 == 200).then_some(()),
            "/readyz ready again after the fault",
        )
        .await;
        until(
            Duration::from_secs(20),
            async || names(&server).await.filter(|n| n == &["keep", "new"]),
            "the list without the row deleted during the fault",
        )
        .await;
        drop(server);
        sim.shutdown().await;
    }
}

/// Makes the namespace `faults` with a ConfigMap of each name, and waits until the console lists
/// them.
async fn with_configmaps(sim: &Sim, server: &TestServer, made: &[&str]) {
    let store = sim.store();
    store
        .create(
            &GroupResource::core("namespaces"),
            false,
            namespace("faults"),
        )
        .expect("namespace");
    for name in made {
        store
            .create(&configmaps(), true, configmap(name))
            .expect("configmap");
    }
    let mut expected: Vec<String> = made.iter().map(|n| n.to_string()).collect();
    expected.sort();
    until(
        Duration::from_secs(10),
        async || names(server).await.filter(|n| n == &expected),
        "the first list",
    )
    .await;
}

/// Subscribes `id` to `path` on the live socket.
async fn subscribe(socket: &mut LiveSocket, id: &str, path: &str) {
    let message = json!({"op": "subscribe", "id": id, "path": path}).to_string();
    socket
        .send(tokio_tungstenite::tungstenite::Message::Text(
            message.into(),
        ))
        .await
        .expect("sent");
}

/// The names of a snapshot's rows, sorted.
fn snapshot_names(message: &Value) -> Vec<String> {
    let mut names: Vec<String> = message["data"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|row| row["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// As after an etcd compaction: the watch broke while objects changed, and the version it
/// resumes from is gone (`410 Gone`, "too old resource version"). The console lists anew: a
/// live view gets a fresh snapshot of the new truth (not deltas it could not have had), and
/// the list has no stale row.
#[tokio::test(flavor = "multi_thread")]
async fn a_watch_answered_410_gone_is_listed_anew_without_stale_rows() {
    let (sim, server) = server().await;
    with_configmaps(&sim, &server, &["gone", "keep"]).await;
    let mut socket = live_socket(&server).await;
    subscribe(
        &mut socket,
        "cms",
        "/api/v1/watch/core/v1/configmaps?namespace=faults",
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let first = next_message(&mut socket, deadline).await;
    assert_eq!(first["event"], "snapshot", "{first}");
    assert_eq!(snapshot_names(&first), ["gone", "keep"]);

    // The watch breaks and cannot resume until the history it would resume from is compacted.
    sim.faults()
        .fail(Failure::Internal, Duration::from_secs(30));
    sim.faults().drop_watches();
    // Every stream has ended before anything changes (a stream still open would carry the
    // delete as a delta, which is right, but not this test's case).
    until(
        Duration::from_secs(10),
        async || (sim.faults().open_watches() == 0).then_some(()),
        "every watch stream ended",
    )
    .await;
    let store = sim.store();
    store
        .delete(&configmaps(), "faults", "gone", &DeleteOptions::default())
        .expect("deleted");
    store
        .create(&configmaps(), true, configmap("new"))
        .expect("created");
    store.compact();
    sim.faults().heal();

    let next = next_message(&mut socket, deadline).await;
    assert_eq!(
        next["event"], "snapshot",
        "a relist, not deltas resumed from a compacted version: {next}"
    );
    assert_eq!(snapshot_names(&next), ["keep", "new"]);
    until(
        Duration::from_secs(10),
        async || names(&server).await.filter(|n| n == &["keep", "new"]),
        "the list without the row deleted while the watch was down",
    )
    .await;
    drop(server);
    sim.shutdown().await;
}

/// The API server goes down and comes back restored from a backup (or onto a new etcd): while
/// down `/readyz` says it cannot be reached; back up, every resourceVersion the console holds
/// is unknown, objects changed and were deleted meanwhile. The console recovers on its own and
/// lists exactly the new truth: no stale row, no duplicate.
#[tokio::test(flavor = "multi_thread")]
async fn an_api_server_restarted_with_a_new_history_is_reported_then_listed_anew() {
    let (mut sim, server) = server().await;
    with_configmaps(&sim, &server, &["a", "b", "c"]).await;
    let mut socket = live_socket(&server).await;
    subscribe(
        &mut socket,
        "cms",
        "/api/v1/watch/core/v1/configmaps?namespace=faults",
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let first = next_message(&mut socket, deadline).await;
    assert_eq!(snapshot_names(&first), ["a", "b", "c"]);

    sim.stop_serving().await;
    let store = sim.store().clone();
    store
        .delete(&configmaps(), "faults", "b", &DeleteOptions::default())
        .expect("deleted");
    store
        .update_with(&configmaps(), "faults", "c", |object| {
            object["data"] = json!({"restored": "yes"});
            Ok(())
        })
        .expect("changed");
    store
        .create(&configmaps(), true, configmap("d"))
        .expect("created");
    let reason = until(
        Duration::from_secs(5),
        async || {
            let (status, reason) = readyz(&server).await;
            (status == 503).then_some(reason)
        },
        "/readyz saying not ready while the API server is down",
    )
    .await;
    assert!(
        reason.contains("cannot reach the Kubernetes API server"),
        "{reason}"
    );

    sim.serve_again().await.expect("serving again");
    until(
        Duration::from_secs(20),
        async || (readyz(&server).await.0 == 200).then_some(()),
        "/readyz ready again",
    )
    .await;
    until(
        Duration::from_secs(20),
        async || names(&server).await.filter(|n| n == &["a", "c", "d"]),
        "the list of the restored API server",
    )
    .await;
    // The live view was told the new truth in a snapshot, not by deltas from unknown versions:
    // on the same view after its cache listed anew, or, when the cache itself was replaced (the
    // kinds were discovered anew), on the view a client opens after the `resync` (as the web app
    // does).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut resyncs = 0;
    loop {
        let message = next_message(&mut socket, deadline).await;
        assert_ne!(message["event"], "error", "{message}");
        if message["event"] == "resync" {
            resyncs += 1;
            assert!(resyncs <= 3, "resynced again and again: {message}");
            subscribe(
                &mut socket,
                &format!("cms-{resyncs}"),
                "/api/v1/watch/core/v1/configmaps?namespace=faults",
            )
            .await;
            continue;
        }
        if message["event"] == "snapshot" && snapshot_names(&message) == ["a", "c", "d"] {
            break;
        }
        assert_ne!(
            message["event"], "snapshot",
            "a snapshot with stale rows: {message}"
        );
    }
    let detail: Value =
        common::get(server.url("api/v1/resources/core/v1/configmaps/c?namespace=faults"))
            .await
            .expect("answered")
            .json()
            .await
            .expect("JSON");
    assert_eq!(
        detail["object"]["data"]["restored"], "yes",
        "the changed object as the API server has it now: {detail}"
    );
    drop(server);
    sim.shutdown().await;
}

fn crds() -> GroupResource {
    GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions")
}

fn gadget_crd() -> Value {
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "gadgets.example.com"},
           "spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                    "versions": [{"name": "v1", "served": true, "storage": true}]}})
}

fn gadget(name: &str) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Gadget",
           "metadata": {"name": name, "namespace": "faults"}})
}

/// The gadgets the console lists in `faults`, once the list is ready.
async fn gadget_names(server: &TestServer) -> Option<Vec<String>> {
    let response =
        common::get(server.url("api/v1/resources/example.com/v1/gadgets?namespace=faults"))
            .await
            .ok()?;
    let list: Value = response.json().await.ok()?;
    (list["state"] == "ready").then(|| {
        list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| row["name"].as_str().map(str::to_string))
            .collect()
    })
}

/// A CRD deleted while its objects are watched: the rows go (the API server sends DELETED for
/// each), then every live view of the kind, of the list and of one object, ends with the
/// reason; lists answer 404 after. A CRD made again makes the kind usable again.
#[tokio::test(flavor = "multi_thread")]
async fn a_crd_deleted_while_watched_ends_its_live_views_with_that_reason() {
    let (sim, server) = server().await;
    with_configmaps(&sim, &server, &[]).await;
    let store = sim.store();
    store.create(&crds(), false, gadget_crd()).expect("CRD");
    let gadgets = GroupResource::new("example.com", "gadgets");
    store.create(&gadgets, true, gadget("g1")).expect("gadget");
    until(
        Duration::from_secs(10),
        async || gadget_names(&server).await.filter(|n| n == &["g1"]),
        "gadgets listed once the CRD is there",
    )
    .await;
    let list_path = "/api/v1/watch/example.com/v1/gadgets?namespace=faults";
    let mut socket = live_socket(&server).await;
    subscribe(&mut socket, "list", list_path).await;
    subscribe(&mut socket, "one", &format!("{list_path}&name=g1")).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut snapshots = 0;
    while snapshots < 2 {
        let message = next_message(&mut socket, deadline).await;
        if message["event"] == "snapshot" && message["data"]["state"] == "ready" {
            assert_eq!(snapshot_names(&message), ["g1"], "{message}");
            snapshots += 1;
        }
    }

    store
        .delete(
            &crds(),
            "",
            "gadgets.example.com",
            &DeleteOptions::default(),
        )
        .expect("CRD deleted");
    let mut removed = Vec::new();
    let mut ended = Vec::new();
    while ended.len() < 2 {
        let message = next_message(&mut socket, deadline).await;
        let id = message["id"].as_str().unwrap_or_default().to_string();
        match message["event"].as_str() {
            Some("removed") => removed.push(id),
            Some("error") => {
                let error = &message["data"]["error"];
                assert_eq!(error["reason"], "ResourceRemoved", "{message}");
                assert_eq!(error["code"], 410);
                assert_eq!(error["details"]["resource"], "gadgets.example.com");
                assert!(
                    error["message"].as_str().unwrap_or_default().contains(
                        "the resource type gadgets.example.com was removed from the cluster"
                    ),
                    "{message}"
                );
                ended.push(id);
            }
            Some("snapshot" | "resync") => panic!("the view must end with the reason: {message}"),
            _ => {}
        }
    }
    removed.sort();
    ended.sort();
    assert_eq!(removed, ["list", "one"], "the row left both views first");
    assert_eq!(ended, ["list", "one"]);

    let gone = common::get(server.url("api/v1/resources/example.com/v1/gadgets?namespace=faults"))
        .await
        .expect("answered");
    assert_eq!(gone.status(), 404);

    store
        .create(&crds(), false, gadget_crd())
        .expect("CRD again");
    store.create(&gadgets, true, gadget("g2")).expect("gadget");
    until(
        Duration::from_secs(10),
        async || gadget_names(&server).await.filter(|n| n == &["g2"]),
        "gadgets listed again after the CRD is made again",
    )
    .await;
    drop(server);
    sim.shutdown().await;
}

/// Fifty faults in a row (watches cut, and every tenth time the API server failing for a
/// moment) leave the console holding no more watches on the API server than before, and its
/// live view still follows changes.
#[tokio::test(flavor = "multi_thread")]
async fn repeated_faults_leave_no_more_watches_open_than_before() {
    let (sim, server) = server().await;
    with_configmaps(&sim, &server, &["a"]).await;
    let mut socket = live_socket(&server).await;
    subscribe(
        &mut socket,
        "cms",
        "/api/v1/watch/core/v1/configmaps?namespace=faults",
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let first = next_message(&mut socket, deadline).await;
    assert_eq!(snapshot_names(&first), ["a"]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline = sim.faults().open_watches();
    assert!(baseline > 0, "the console watches the API server");

    for cycle in 0..50 {
        if cycle % 10 == 9 {
            sim.faults()
                .fail(Failure::Internal, Duration::from_millis(300));
        }
        sim.faults().drop_watches();
        until(
            Duration::from_secs(20),
            async || (sim.faults().open_watches() >= baseline).then_some(()),
            "the console watching again",
        )
        .await;
    }
    until(
        Duration::from_secs(10),
        async || (sim.faults().open_watches() == baseline).then_some(()),
        "no more watches open than before the faults",
    )
    .await;

    sim.store()
        .create(&configmaps(), true, configmap("after"))
        .expect("created");
    loop {
        let message = next_message(&mut socket, deadline).await;
        let names = match message["event"].as_str() {
            Some("snapshot") => snapshot_names(&message),
            Some("added") => vec![
                message["data"]["row"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            ],
            _ => continue,
        };
        if names.iter().any(|n| n == "after") {
            break;
        }
    }
    drop(server);
    sim.shutdown().await;
}
