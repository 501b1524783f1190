//! The console against an API server in trouble (faults injected into the sim): it says what is
//! wrong within seconds, recovers without a restart when the fault ends, and shows no stale rows.

mod common;

use std::time::Duration;

use common::{TestServer, namespace};
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
    let sim = Sim::start(
        SimConfig::default()
            .scenario(Scenario::Empty)
            .controllers(false),
    )
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
