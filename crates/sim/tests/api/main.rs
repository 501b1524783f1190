//! The sim over real HTTP(S) with kube-rs and raw requests, held to the answers recorded from a
//! real kube-apiserver in `shared/reference/kube-apiserver/`.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use serde_json::{Value, json};
use wheelhouse_sim::{GroupResource, Sim, SimConfig};

macro_rules! reference {
    ($file:literal) => {
        wheelhouse_sim::reference::json(concat!("kube-apiserver/", $file))
    };
}

mod reads;
mod serving;
mod writes;

pub(crate) async fn start() -> Sim {
    Sim::start(SimConfig::default().controllers(false))
        .await
        .expect("sim starts")
}

pub(crate) async fn client(sim: &Sim, user: &str) -> Client {
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml(user)).expect("kubeconfig parses");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

/// An HTTP client, once the crypto provider reqwest needs is installed (it has none of its own:
/// `rustls-no-provider`, and building a client without one panics).
pub(crate) fn http_client() -> reqwest::Client {
    wheelhouse_tls::install_crypto_provider();
    reqwest::Client::new()
}

/// A raw request over plain HTTP with a user's token; returns status and JSON body.
/// Reads a watch as admin until the server ends it (its `timeoutSeconds`), in the background.
pub(crate) fn read_watch(sim: &Sim, url: String) -> tokio::task::JoinHandle<String> {
    let token = sim.token("admin").expect("token").to_string();
    tokio::spawn(async move {
        http_client()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("watch")
            .text()
            .await
            .expect("the watch stream reads to its end")
    })
}

pub(crate) async fn raw(
    sim: &Sim,
    user: Option<&str>,
    method: &str,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
    accept: Option<&str>,
) -> (u16, Value) {
    let http = http_client();
    let mut request = http.request(
        method.parse().expect("method"),
        format!("{}{path}", sim.url()),
    );
    if let Some(user) = user {
        request = request.bearer_auth(sim.token(user).expect("user has a token"));
    }
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("Content-Type", content_type).body(bytes);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub(crate) fn configmap(name: &str, data: Value) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": data})).expect("configmap")
}

pub(crate) async fn namespace(client: &Client, name: &str) {
    let ns: Namespace =
        serde_json::from_value(json!({"metadata": {"name": name}})).expect("namespace");
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .expect("namespace created");
}

pub(crate) async fn tokio_read_all(mut reader: impl tokio::io::AsyncRead + Unpin) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = String::new();
    reader.read_to_string(&mut out).await.expect("read");
    out
}
