//! One object over real HTTP against the sim's demo cluster: the aggregated detail, YAML and
//! edits, apply, actions, permissions, logs and the raw passthrough.

#[path = "../common/mod.rs"]
mod common;

use std::time::Duration;

use common::{TestServer, json, live_socket, next_message};
use futures::StreamExt;
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::same_origin::CLIENT_HEADER;
use wheelhouse_sim::GroupResource;

mod actions;
mod details;
mod edits;
mod logs;

/// How long any awaited condition may take before the test fails.
pub(crate) const WITHIN: Duration = Duration::from_secs(30);

pub(crate) async fn demo(user: &str) -> TestServer {
    let server = TestServer::demo_as(user, ServerConfig::default()).await;
    server.wait_ready().await;
    server
}

/// Waits until `probe` returns `Some`, failing after [`WITHIN`] with `what`.
pub(crate) async fn until<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The sim's object, straight from its store.
pub(crate) fn stored(
    server: &TestServer,
    gr: &GroupResource,
    namespace: &str,
    name: &str,
) -> Option<Value> {
    let sim = server.sim.as_ref().expect("a sim");
    sim.store()
        .get(gr, namespace, name)
        .map(|o| o.value().clone())
}

/// Names of the running pods labelled `app=<app>` in `namespace`.
pub(crate) fn running_pods(server: &TestServer, namespace: &str, app: &str) -> Vec<String> {
    let sim = server.sim.as_ref().expect("a sim");
    sim.store()
        .list(&GroupResource::core("pods"), Some(namespace))
        .iter()
        .filter(|p| {
            p.value()
                .pointer("/metadata/labels/app")
                .and_then(Value::as_str)
                == Some(app)
        })
        .filter(|p| p.value().pointer("/status/phase").and_then(Value::as_str) == Some("Running"))
        .map(|p| p.name().to_string())
        .collect()
}

pub(crate) async fn a_running_pod(server: &TestServer, namespace: &str, app: &str) -> String {
    until(&format!("a running {app} pod in {namespace}"), || async {
        running_pods(server, namespace, app).into_iter().next()
    })
    .await
}

pub(crate) fn relation<'a>(detail: &'a Value, name: &str) -> Vec<&'a str> {
    detail["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter(|g| g["relation"] == name)
        .flat_map(|g| g["items"].as_array().expect("items").iter())
        .filter_map(|i| i["name"].as_str())
        .collect()
}

pub(crate) async fn post_action(server: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let response = common::client()
        .post(server.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, json(response).await)
}

pub(crate) fn deployment_of(server: &TestServer, namespace: &str, name: &str) -> Value {
    stored(
        server,
        &GroupResource::new("apps", "deployments"),
        namespace,
        name,
    )
    .expect("the deployment exists")
}
