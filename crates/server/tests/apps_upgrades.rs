//! Upgrades take the chart from the repository the release was installed from (recorded on its
//! Secrets), not from the first repository with a chart of that name; a release helm installed
//! needs the repository named. With the real helm v4 against the sim.

mod common;

use std::path::Path;
use std::time::Duration;

use common::repositories::{add, config, field_errors, hello_chart, repository, repository_until};
use common::{TestServer, find_tool, finished, send};
use serde_json::{Value, json};
use wheelhouse_server::apps::AppsConfig;

/// Runs the real helm as the sim's admin with its own home; its stdout, failing on an error.
async fn helm_as_admin(helm: &Path, server: &TestServer, home: &Path, args: &[&str]) -> String {
    let kubeconfig = home.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        server.sim.as_ref().expect("sim").kubeconfig_yaml("admin"),
    )
    .expect("kubeconfig");
    let mut command = tokio::process::Command::new(helm);
    for (key, _) in std::env::vars_os() {
        let text = key.to_string_lossy();
        if text.starts_with("HELM_") || text.starts_with("KUBE") {
            command.env_remove(&key);
        }
    }
    let output = command
        .args(args)
        .env("HOME", home)
        .env("KUBECONFIG", &kubeconfig)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .output()
        .await
        .expect("helm runs");
    assert!(
        output.status.success(),
        "helm {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The labels of every revision's Secret of release `default/name`, by revision.
async fn release_labels(server: &TestServer, name: &str) -> Vec<(String, Value)> {
    let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(server.kube().await, "default");
    let list = secrets
        .list(&kube::api::ListParams::default().labels(&format!("owner=helm,name={name}")))
        .await
        .expect("listed");
    let mut labels: Vec<(String, Value)> = list
        .items
        .iter()
        .map(|s| {
            let labels = s.metadata.labels.clone().unwrap_or_default();
            (
                labels.get("version").cloned().unwrap_or_default(),
                json!(labels),
            )
        })
        .collect();
    labels.sort_by(|a, b| a.0.cmp(&b.0));
    labels
}

/// The app store with the real helm, and repositories `alpha` and `zeta` both serving a chart
/// `hello` 1.0.0, each marked with its repository's name.
async fn two_repositories_with_hello(helm: &Path) -> TestServer {
    let apps = AppsConfig::default()
        .helm_path(Some(helm.to_path_buf()))
        .operation_timeout(Duration::from_secs(120));
    let server = TestServer::demo(config(apps)).await;
    server.wait_ready().await;
    for name in ["zeta", "alpha"] {
        let (address, _) = repository(hello_chart(name), None).await;
        let (code, created) = add(
            &server,
            json!({"name": name, "url": format!("http://{address}/charts")}),
        )
        .await;
        assert_eq!(code, 201, "{created}");
        repository_until(&server, name, |r| r["status"]["state"] == "ok").await;
    }
    server
}

async fn release_detail(server: &TestServer, name: &str) -> Value {
    let (code, release) = send(
        reqwest::Method::GET,
        server,
        &format!("api/v1/apps/releases/default/{name}"),
        None,
    )
    .await;
    assert_eq!(code, 200, "{release}");
    release
}

#[tokio::test]
async fn an_upgrade_takes_the_chart_from_the_repository_the_release_was_installed_from() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let server = two_repositories_with_hello(&helm).await;
    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases",
        Some(json!({"repo": "zeta", "chart": "hello", "version": "1.0.0", "name": "greeter", "namespace": "default"})),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    let done = finished(&server, &operation).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(release_detail(&server, "greeter").await["repo"], "zeta");

    // `alpha` sorts first and has a chart of the same name and version: the upgrade still takes zeta's.
    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases/default/greeter/upgrade",
        Some(json!({"values": "message: again\n"})),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    let done = finished(&server, &operation).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let release = release_detail(&server, "greeter").await;
    let manifest = release["manifest"].as_str().unwrap_or_default();
    assert!(
        manifest.contains("from: zeta") && !manifest.contains("alpha"),
        "{manifest}"
    );
    assert!(
        release["notes"]
            .as_str()
            .is_some_and(|n| n.contains("hello from zeta")),
        "{release}"
    );

    // Each revision's Secret records the repository, through a rollback too.
    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases/default/greeter/rollback",
        Some(json!({"revision": 1})),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    assert_eq!(finished(&server, &operation).await["state"], "succeeded");
    let labels = release_labels(&server, "greeter").await;
    assert_eq!(labels.len(), 3, "{labels:?}");
    for (revision, labels) in &labels {
        assert_eq!(
            labels["wheelhouse.dev/repository"], "zeta",
            "revision {revision}: {labels}"
        );
    }
    assert_eq!(release_detail(&server, "greeter").await["repo"], "zeta");
}

#[tokio::test]
async fn a_release_helm_installed_is_upgraded_only_from_a_repository_the_person_names() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let server = two_repositories_with_hello(&helm).await;
    let home = tempfile::tempdir().expect("temp dir");
    let chart = home.path().join("hello-1.0.0.tgz");
    std::fs::write(&chart, hello_chart("zeta")).expect("chart");
    helm_as_admin(
        &helm,
        &server,
        home.path(),
        &[
            "install",
            "by-hand",
            &chart.display().to_string(),
            "--namespace",
            "default",
        ],
    )
    .await;
    assert_eq!(
        release_detail(&server, "by-hand").await["repo"],
        Value::Null
    );

    let (code, refused) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases/default/by-hand/upgrade",
        Some(json!({"values": "message: again\n"})),
    )
    .await;
    assert_eq!(code, 422, "{refused}");
    let fields = field_errors(&refused);
    assert_eq!(fields[0].0, "repo", "{fields:?}");
    assert!(
        fields[0].1.starts_with("release default/by-hand does not record the chart repository it was installed from (it was not installed by Wheelhouse); name the repository to upgrade from (repo)"),
        "{fields:?}"
    );
    assert_eq!(
        release_detail(&server, "by-hand").await["revision"],
        1,
        "nothing ran"
    );

    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases/default/by-hand/upgrade",
        Some(json!({"values": "message: again\n", "repo": "zeta"})),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    assert_eq!(finished(&server, &operation).await["state"], "succeeded");
    let release = release_detail(&server, "by-hand").await;
    assert_eq!(release["repo"], "zeta", "recorded from now on: {release}");
    assert!(
        release["notes"]
            .as_str()
            .is_some_and(|n| n.contains("hello from zeta")),
        "{release}"
    );
}
