//! `wheelhouse alerter` as a person runs it, beside a console: it notifies a rule's webhook, keeps
//! notifying after the console is stopped, and on SIGTERM exits cleanly and gives its Lease up so
//! a standby replica takes over at once.

mod common;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DynamicObject, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::ApiResource;
use kube::{Api, Client};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wheelhouse_sim::{Scenario, Sim, SimConfig};

/// A webhook receiver: each POST body, as JSON.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let store = heard.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 8192];
                loop {
                    let Ok(n) = socket.read(&mut buffer).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    let Some((head, body)) = text.split_once("\r\n\r\n") else {
                        continue;
                    };
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() < length {
                        continue;
                    }
                    if let Ok(json) = serde_json::from_str(body) {
                        store.lock().expect("lock").push(json);
                    }
                    let _ = socket
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                    return;
                }
            });
        }
    });
    (url, heard)
}

async fn create(client: &Client, namespace: &str, plural: &str, kind: &str, value: Value) {
    let resource = ApiResource {
        group: "wheelhouse.dev".into(),
        version: "v1alpha1".into(),
        api_version: "wheelhouse.dev/v1alpha1".into(),
        kind: kind.into(),
        plural: plural.into(),
    };
    let object: DynamicObject = serde_json::from_value(value).expect("object");
    Api::<DynamicObject>::namespaced_with(client.clone(), namespace, &resource)
        .create(&PostParams::default(), &object)
        .await
        .expect("created");
}

async fn create_pod(client: &Client, value: Value) {
    let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(value).expect("a pod");
    Api::<k8s_openapi::api::core::v1::Pod>::namespaced(client.clone(), "shop")
        .create(&PostParams::default(), &pod)
        .await
        .expect("the pod");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_alerter_keeps_notifying_when_the_console_stops_and_gives_its_lease_up_on_sigterm() {
    wheelhouse_tls::install_crypto_provider();
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo))
        .await
        .expect("sim");
    let dir = tempfile::tempdir().expect("dir");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(
        Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("parses"),
        &KubeConfigOptions::default(),
    )
    .await
    .expect("config");
    let client = Client::try_from(config).expect("client");
    let home = "wheelhouse-alerting";
    let namespace: Namespace =
        serde_json::from_value(json!({"metadata": {"name": home}})).expect("ns");
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .expect("namespace");
    let (url, heard) = receiver().await;
    create(
        &client,
        "shop",
        "notificationchannels",
        "NotificationChannel",
        json!({
        "apiVersion": "wheelhouse.dev/v1alpha1", "kind": "NotificationChannel",
        "metadata": {"name": "hook", "namespace": "shop"}, "spec": {"webhook": {"url": url}}}),
    )
    .await;
    // The demo's checkout pod crash-loops.
    create(&client, "shop", "alertrules", "AlertRule", json!({
        "apiVersion": "wheelhouse.dev/v1alpha1", "kind": "AlertRule",
        "metadata": {"name": "checkout-loops", "namespace": "shop"},
        "spec": {"target": {"selector": "app=checkout"}, "condition": {"crashLooping": {}}, "channels": ["hook"]}})).await;

    let kubeconfig_path = kubeconfig.to_str().expect("a UTF-8 path").to_string();
    let console = common::Running::start(&[
        "serve",
        "--kubeconfig",
        &kubeconfig_path,
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(
        console.first_line.contains("http://"),
        "{}",
        console.first_line
    );
    let mut alerter = Command::new(common::BINARY)
        .args([
            "alerter",
            "--namespace",
            home,
            "--interval",
            "1s",
            "--lease-duration",
            "3s",
            "--identity",
            "alerter-under-test",
        ])
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .env("HOME", "/nonexistent-home")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut firing = None;
    for _ in 0..240 {
        firing = heard
            .lock()
            .expect("lock")
            .iter()
            .find(|b| b["groupLabels"]["alertname"] == "checkout-loops" && b["status"] == "firing")
            .cloned();
        if firing.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let firing = firing.expect("the webhook heard the crash loop fire");
    assert_eq!(firing["alerts"][0]["labels"]["namespace"], "shop");
    let lease = Api::<Lease>::namespaced(client.clone(), home)
        .get("wheelhouse-alerter")
        .await
        .expect("the Lease");
    assert_eq!(
        lease.spec.and_then(|s| s.holder_identity).as_deref(),
        Some("alerter-under-test")
    );

    // The console stops; a second pod starts crash-looping, and the webhook hears of it.
    assert!(console.stop_with("TERM"), "the console stops");
    create_pod(&client, json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "checkout-canary", "namespace": "shop", "labels": {"app": "checkout"},
            "annotations": {"sim.wheelhouse.dev/crash": "true"}},
        "spec": {"containers": [{"name": "checkout", "image": "ghcr.io/wheelhouse-demo/checkout:1.9.0"}]}})).await;
    let mut second = false;
    for _ in 0..360 {
        second = heard.lock().expect("lock").iter().any(|b| {
            b["status"] == "firing"
                && b["alerts"].as_array().is_some_and(|alerts| {
                    alerts
                        .iter()
                        .any(|a| a["labels"]["pod"] == "checkout-canary")
                })
        });
        if second {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        second,
        "the alerter notified the new crash loop with the console stopped"
    );

    let signal = Command::new("kill")
        .args(["-TERM", &alerter.id().to_string()])
        .status()
        .expect("kill");
    assert!(signal.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Ok(Some(status)) = alerter.try_wait() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = alerter.kill();
    assert!(
        exited.is_some_and(|s| s.success()),
        "exits cleanly on SIGTERM: {exited:?}"
    );
    let lease = Api::<Lease>::namespaced(client.clone(), home)
        .get("wheelhouse-alerter")
        .await
        .expect("the Lease");
    assert_eq!(
        lease.spec.and_then(|s| s.holder_identity),
        None,
        "given up, so a standby takes over at once"
    );
}
