//! The app store with the real helm v4 against the sim, through the console's API: install with
//! custom values, upgrade, rollback, uninstall, a failing install, protection, and `helm list`
//! agreeing with the API. Also `helm repo add` on the built-in repository.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{TestServer, find_tool, finished, send};
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::apps::AppsConfig;

async fn server(helm: &Path, protected: &[&str]) -> TestServer {
    let apps = AppsConfig::default()
        .helm_path(Some(helm.to_path_buf()))
        .protected_releases(protected.iter().map(|s| s.to_string()).collect())
        .operation_timeout(Duration::from_secs(120));
    let server = TestServer::demo(ServerConfig::default().apps(apps)).await;
    server.wait_ready().await;
    server
}

/// `helm` run with its own home (and the sim's admin kubeconfig when given); fails on an error.
async fn helm_run(helm: &Path, home: &Path, kubeconfig: Option<&str>, args: &[&str]) -> String {
    let mut command = tokio::process::Command::new(helm);
    for (key, _) in std::env::vars_os() {
        let text = key.to_string_lossy();
        if text.starts_with("HELM_") || text.starts_with("KUBE") {
            command.env_remove(&key);
        }
    }
    command
        .args(args)
        .env("HOME", home)
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"));
    if let Some(yaml) = kubeconfig {
        let path = home.join("kubeconfig");
        std::fs::write(&path, yaml).expect("kubeconfig");
        command.env("KUBECONFIG", path);
    }
    let output = command.output().await.expect("helm runs");
    assert!(
        output.status.success(),
        "helm {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `helm list -A` run directly against the sim as its admin.
async fn helm_list(helm: &Path, server: &TestServer) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = server.sim.as_ref().expect("sim").kubeconfig_yaml("admin");
    let text = helm_run(
        helm,
        dir.path(),
        Some(&kubeconfig),
        &["list", "-A", "-o", "json"],
    )
    .await;
    serde_json::from_str::<Vec<Value>>(&text).expect("helm list JSON")
}

#[tokio::test]
async fn an_install_from_the_prefilled_defaults_stores_only_what_the_person_changed() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let server = server(&helm, &[]).await;
    // What the install form starts from: the chart's values.yaml, comments and all.
    let (code, chart) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/charts/builtin/webapp",
        None,
    )
    .await;
    assert_eq!(code, 200, "{chart}");
    let defaults = chart["values"].as_str().expect("values");
    assert!(defaults.contains("replicaCount: 1"), "{defaults}");
    let edited = defaults.replace("replicaCount: 1", "replicaCount: 3");
    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases",
        Some(json!({"repo": "builtin", "chart": "webapp", "name": "trimmed", "namespace": "default", "values": edited})),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    let done = finished(&server, &operation).await;
    assert_eq!(done["state"], "succeeded", "{done}");

    // helm itself has only the change as the release's values ...
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = server.sim.as_ref().expect("sim").kubeconfig_yaml("admin");
    let stored = helm_run(
        &helm,
        dir.path(),
        Some(&kubeconfig),
        &["get", "values", "trimmed", "-n", "default", "-o", "json"],
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&stored).expect("JSON"),
        json!({"replicaCount": 3})
    );
    // ... and the defaults still apply to the rest.
    let all = helm_run(
        &helm,
        dir.path(),
        Some(&kubeconfig),
        &[
            "get", "values", "trimmed", "-n", "default", "--all", "-o", "json",
        ],
    )
    .await;
    let all: Value = serde_json::from_str(&all).expect("JSON");
    assert_eq!(all["replicaCount"], 3);
    assert_eq!(all["image"]["repository"], "nginx", "{all}");
    let deployments: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(server.kube().await, "default");
    let deployment = deployments
        .get("trimmed-webapp")
        .await
        .expect("the release's Deployment");
    assert_eq!(deployment.spec.and_then(|s| s.replicas), Some(3));
}

#[tokio::test]
async fn install_upgrade_rollback_and_uninstall_run_helm_and_agree_with_helm_list() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let server = server(&helm, &[]).await;
    let (_, status) = send(reqwest::Method::GET, &server, "api/v1/apps/helm", None).await;
    assert_eq!(status["available"], true, "{status}");
    assert!(
        status["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("v4")),
        "{status}"
    );

    let install = json!({
        "repo": "builtin", "chart": "webapp", "version": "0.1.0", "name": "shop",
        "namespace": "shop", "createNamespace": true,
        "values": "replicaCount: 2\nmessage: Welcome to the shop\nservice:\n  type: NodePort\n",
        "ingressHost": "shop.example",
    });
    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases",
        Some(install.clone()),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    assert_eq!(operation["action"], "install");
    assert_eq!(
        operation["target"],
        json!({"namespace": "shop", "name": "shop"})
    );
    let done = finished(&server, &operation).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert!(
        done["notes"]
            .as_str()
            .is_some_and(|n| n.contains("Welcome to the shop")),
        "{done}"
    );
    let urls: Vec<&str> = done["accessUrls"]
        .as_array()
        .expect("urls")
        .iter()
        .filter_map(|u| u["url"].as_str())
        .collect();
    assert!(urls.contains(&"http://shop.example"), "{done}");
    assert!(
        urls.iter()
            .any(|u| u.starts_with("http://") && u.contains(":3")),
        "a NodePort URL: {done}"
    );
    assert!(
        !done["log"].as_array().expect("log").is_empty(),
        "helm's output is kept: {done}"
    );

    let (code, again) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases",
        Some(install),
    )
    .await;
    assert_eq!(code, 409, "{again}");

    let (_, release) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/releases/shop/shop",
        None,
    )
    .await;
    assert_eq!(release["status"], "deployed");
    assert_eq!(
        release["repo"], "builtin",
        "the chart's repository, for upgrades"
    );
    assert!(
        release["values"]
            .as_str()
            .is_some_and(|v| v.contains("replicaCount: 2")),
        "{release}"
    );
    let kinds: Vec<&str> = release["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"Deployment") && kinds.contains(&"Service") && kinds.contains(&"Ingress"),
        "{kinds:?}"
    );

    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases/shop/shop/upgrade",
        Some(json!({"version": "0.1.0", "values": "replicaCount: 3\n"})),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    // One operation per release at a time.
    let (code, busy) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases/shop/shop/rollback",
        Some(json!({"revision": 1})),
    )
    .await;
    assert_eq!(code, 409, "{busy}");
    assert!(
        busy["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(operation["id"].as_str().expect("id"))),
        "{busy}"
    );
    let done = finished(&server, &operation).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["revision"], 2);

    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases/shop/shop/rollback",
        Some(json!({"revision": 1})),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    let done = finished(&server, &operation).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let (_, release) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/releases/shop/shop",
        None,
    )
    .await;
    assert_eq!(release["revision"], 3);
    assert!(
        release["values"]
            .as_str()
            .is_some_and(|v| v.contains("replicaCount: 2")),
        "rolled back to revision 1's values: {release}"
    );

    let listed = helm_list(&helm, &server).await;
    let (_, ours) = send(reqwest::Method::GET, &server, "api/v1/apps/releases", None).await;
    let ours = ours["items"].as_array().expect("items");
    assert_eq!(listed.len(), ours.len(), "{listed:?} vs {ours:?}");
    for helm_row in &listed {
        let row = ours
            .iter()
            .find(|r| r["name"] == helm_row["name"])
            .expect("same releases");
        assert_eq!(
            row["revision"].to_string(),
            helm_row["revision"].as_str().expect("revision")
        );
        assert_eq!(row["status"], helm_row["status"]);
        assert_eq!(
            format!(
                "{}-{}",
                row["chart"].as_str().expect("c"),
                row["chartVersion"].as_str().expect("v")
            ),
            helm_row["chart"]
        );
    }

    let (code, operation) = send(
        reqwest::Method::DELETE,
        &server,
        "api/v1/apps/releases/shop/shop",
        None,
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    let done = finished(&server, &operation).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let (code, _) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/releases/shop/shop",
        None,
    )
    .await;
    assert_eq!(code, 404);
    assert!(helm_list(&helm, &server).await.is_empty());
}

#[tokio::test]
async fn a_failing_install_reports_helms_error_and_bad_input_changes_nothing() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let server = server(&helm, &[]).await;
    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases",
        Some(json!({
            "repo": "builtin", "chart": "webapp", "name": "broken", "namespace": "default",
            "values": "fullnameOverride: Bad_Name\n",
        })),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    let done = finished(&server, &operation).await;
    assert_eq!(done["state"], "failed", "{done}");
    let error = done["error"].as_str().expect("helm's error");
    assert!(
        error.contains("INSTALLATION FAILED") && error.contains("Bad_Name"),
        "{error}"
    );
    let failed = done["failedResources"]
        .as_array()
        .expect("failed resources");
    assert!(failed.iter().any(|r| r["name"] == "Bad_Name"), "{done}");
    let (_, release) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/releases/default/broken",
        None,
    )
    .await;
    assert_eq!(
        release["status"], "failed",
        "helm recorded the failure: {release}"
    );

    for (body, field) in [
        (
            json!({"repo": "builtin", "chart": "webapp", "name": "Bad_Name", "namespace": "default"}),
            "name",
        ),
        (
            json!({"repo": "builtin", "chart": "webapp", "name": "ok", "namespace": "default", "values": "a: [1\n"}),
            "values",
        ),
        (
            json!({"repo": "builtin", "chart": "nope", "name": "ok", "namespace": "default"}),
            "chart",
        ),
        (
            json!({"repo": "builtin", "chart": "webapp", "version": "9.9.9", "name": "ok", "namespace": "default"}),
            "version",
        ),
        (
            json!({"repo": "builtin", "chart": "webapp", "name": "ok", "namespace": "does-not-exist"}),
            "namespace",
        ),
    ] {
        let (code, answer) = send(
            reqwest::Method::POST,
            &server,
            "api/v1/apps/releases",
            Some(body),
        )
        .await;
        assert_eq!(code, 422, "{answer}");
        let fields: Vec<&str> = answer["error"]["details"]["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["field"].as_str())
            .collect();
        assert_eq!(fields, vec![field], "{answer}");
    }
    let names: Vec<String> = helm_list(&helm, &server)
        .await
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        names,
        vec!["broken".to_string()],
        "nothing else was installed"
    );
}

#[tokio::test]
async fn a_protected_release_is_refused_with_the_reason() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let server = server(&helm, &["kube-system/core"]).await;
    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases",
        Some(json!({
            "repo": "builtin", "chart": "webapp", "name": "core", "namespace": "kube-system",
        })),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    assert_eq!(finished(&server, &operation).await["state"], "succeeded");
    let (_, release) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/releases/kube-system/core",
        None,
    )
    .await;
    assert_eq!(release["protected"]["protected"], true, "{release}");
    for (method, path, body) in [
        (
            reqwest::Method::DELETE,
            "api/v1/apps/releases/kube-system/core",
            None,
        ),
        (
            reqwest::Method::POST,
            "api/v1/apps/releases/kube-system/core/upgrade",
            Some(json!({"values": ""})),
        ),
        (
            reqwest::Method::POST,
            "api/v1/apps/releases/kube-system/core/rollback",
            Some(json!({"revision": 1})),
        ),
    ] {
        let (code, answer) = send(method, &server, path, body).await;
        assert_eq!(code, 403, "{answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("--protected-release kube-system/core")),
            "{answer}"
        );
    }
    assert_eq!(
        helm_list(&helm, &server).await.len(),
        1,
        "the release is still there"
    );
}

#[tokio::test]
async fn helm_can_add_the_builtin_repository_and_find_its_charts() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let server = server(&helm, &[]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path();
    let url = server.url("api/v1/apps/builtin");
    helm_run(&helm, home, None, &["repo", "add", "wheelhouse", &url]).await;
    let found = helm_run(
        &helm,
        home,
        None,
        &["search", "repo", "wheelhouse/", "-o", "json"],
    )
    .await;
    let found: Vec<Value> = serde_json::from_str(&found).expect("JSON");
    let names: Vec<&str> = found.iter().filter_map(|c| c["name"].as_str()).collect();
    assert!(
        names.contains(&"wheelhouse/webapp") && names.contains(&"wheelhouse/guestbook"),
        "{names:?}"
    );
    // helm checks the archive's digest against the index when pulling.
    let destination = home.join("pulled");
    std::fs::create_dir_all(&destination).expect("destination");
    let destination = destination.display().to_string();
    helm_run(
        &helm,
        home,
        None,
        &[
            "pull",
            "wheelhouse/guestbook",
            "--destination",
            &destination,
        ],
    )
    .await;
    assert!(home.join("pulled/guestbook-0.2.0.tgz").is_file());
}

#[tokio::test]
async fn helm_acts_as_the_person_who_may_keep_releases_but_not_create_deployments() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    use wheelhouse_server::session::{LoginConfig, LoginMode, ProxySettings};
    let login = LoginConfig {
        mode: LoginMode::Proxy(ProxySettings {
            secret: PROXY_SECRET.into(),
            secret_header: reqwest::header::HeaderName::from_static("x-wheelhouse-proxy-secret"),
            user_header: reqwest::header::HeaderName::from_static("x-remote-user"),
            group_header: reqwest::header::HeaderName::from_static("x-remote-group"),
        }),
        ..LoginConfig::default()
    };
    let apps = AppsConfig::default()
        .helm_path(Some(helm.to_path_buf()))
        .operation_timeout(Duration::from_secs(120));
    // `keepers` may read everything and write Secrets (helm's release records), nothing else:
    // helm gets past its own bookkeeping and is refused by the API server at the Deployment.
    let keepers = wheelhouse_sim::GroupPolicy::new(
        "keepers",
        vec![
            wheelhouse_sim::Rule::new(&["*"], &["secrets"], &["*"]),
            wheelhouse_sim::Rule::new(&["get", "list", "watch"], &["*"], &["*"]),
        ],
    );
    let server = TestServer::on_sim(
        wheelhouse_sim::SimConfig::default()
            .scenario(wheelhouse_sim::Scenario::Demo)
            .group_policy(keepers),
        "admin",
        ServerConfig::default().apps(apps).login(login),
    )
    .await;
    let http = common::client();
    let as_person = |method: reqwest::Method, path: &str, user: &str, group: &str| {
        http.request(method, server.url(path))
            .header("x-wheelhouse-proxy-secret", PROXY_SECRET)
            .header("x-remote-user", user.to_string())
            .header("x-remote-group", group.to_string())
    };
    let install = json!({
        "repo": "builtin", "chart": "webapp", "version": "0.1.0",
        "name": "viewed", "namespace": "default", "values": "",
    });
    let answer = as_person(
        reqwest::Method::POST,
        "api/v1/apps/releases",
        "erin",
        "keepers",
    )
    .json(&install)
    .send()
    .await
    .expect("answer");
    let code = answer.status().as_u16();
    let body: Value = answer.json().await.expect("json");
    // helm runs, and the API server refuses it in erin's name.
    assert_eq!(code, 202, "{body}");
    let refusal = {
        let done = finished_as(&server, &body, "erin", "keepers").await;
        assert_eq!(done["state"], "failed", "{done}");
        done.to_string()
    };
    assert!(
        refusal.contains(r#"User \"erin\" cannot patch resource \"deployments\""#),
        "helm's refusal names the person: {refusal}"
    );
    let failed: Vec<Value> = helm_list(&helm, &server)
        .await
        .into_iter()
        .map(|r| json!([r["name"], r["status"]]))
        .collect();
    assert_eq!(failed, [json!(["viewed", "failed"])]);

    let answer = as_person(
        reqwest::Method::POST,
        "api/v1/apps/releases",
        "admin",
        "system:masters",
    )
    .json(&json!({
        "repo": "builtin", "chart": "webapp", "version": "0.1.0",
        "name": "admins", "namespace": "default", "values": "",
    }))
    .send()
    .await
    .expect("answer");
    assert_eq!(answer.status(), 202);
    let operation: Value = answer.json().await.expect("json");
    let done = finished_as(&server, &operation, "admin", "system:masters").await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let names: Vec<Value> = helm_list(&helm, &server)
        .await
        .into_iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(names, [json!("admins"), json!("viewed")]);
}

/// The secret the tests' authenticating proxy sends.
const PROXY_SECRET: &str = "a-long-enough-proxy-secret";

/// Waits for an operation to finish, asking as the person the proxy names.
async fn finished_as(server: &TestServer, operation: &Value, user: &str, group: &str) -> Value {
    let id = operation["id"].as_str().expect("operation id");
    loop {
        let state: Value = common::client()
            .get(server.url(&format!("api/v1/operations/{id}")))
            .header("x-wheelhouse-proxy-secret", PROXY_SECRET)
            .header("x-remote-user", user)
            .header("x-remote-group", group)
            .send()
            .await
            .expect("answer")
            .json()
            .await
            .expect("json");
        if state["state"] != "running" {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The release names the install form and the API accept are the ones the real helm accepts: one
/// table (`web/src/lib/apps/releaseNames.json`) for the three. (An empty name is left to the API
/// and the form, which require one; helm would make one up.)
#[tokio::test]
async fn helm_agrees_with_the_release_name_table_the_form_and_the_api_share() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let table: Value =
        serde_json::from_str(include_str!("../../../web/src/lib/apps/releaseNames.json"))
            .expect("the table is JSON");
    let chart = concat!(env!("CARGO_MANIFEST_DIR"), "/../apps/charts/webapp");
    let home = tempfile::tempdir().expect("temp dir");
    for (key, accepted) in [("valid", true), ("invalid", false)] {
        for name in table[key].as_array().expect("a list") {
            let name = name.as_str().expect("a name");
            if name.is_empty() {
                continue;
            }
            let output = tokio::process::Command::new(&helm)
                .args(["template", "--", name, chart])
                .env("HOME", home.path())
                .env("HELM_CACHE_HOME", home.path().join("cache"))
                .env("HELM_CONFIG_HOME", home.path().join("config"))
                .env("HELM_DATA_HOME", home.path().join("data"))
                .output()
                .await
                .expect("helm runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.success(),
                accepted,
                "helm and the table disagree about {name:?}: {stderr}"
            );
            if !accepted {
                assert!(
                    stderr.contains("invalid release name"),
                    "{name:?} refused for another reason: {stderr}"
                );
            }
        }
    }
}

/// A chart whose post-install hook (a migration Job) fails, beside a Deployment whose image
/// cannot be pulled: a real failure, from helm and the cluster, not a made-up answer.
fn failing_migration_chart() -> Vec<u8> {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: {{ .Release.Name }}-web}\n  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}-web}\n    spec:\n      containers:\n        - name: web\n          image: registry.example/does-not-exist:1\n";
    let migration = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n  annotations:\n    helm.sh/hook: post-install\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: busybox:1.37\n          command: [sh, -c, \"echo migrating; exit 1\"]\n";
    wheelhouse_apps::chart::package(
        "migrate",
        &[
            (
                "Chart.yaml".into(),
                b"apiVersion: v2\nname: migrate\nversion: 1.0.0\ndescription: A web app with a migration hook\n".to_vec(),
            ),
            ("templates/deployment.yaml".into(), deployment.as_bytes().to_vec()),
            ("templates/migrate.yaml".into(), migration.as_bytes().to_vec()),
        ],
    )
    .expect("packs")
}

#[tokio::test]
async fn a_failed_install_names_the_failed_hook_and_resources_with_their_events() {
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let archive = failing_migration_chart();
    let index = format!(
        "apiVersion: v1\nentries:\n  migrate:\n  - name: migrate\n    version: 1.0.0\n    urls: [migrate-1.0.0.tgz]\n    digest: {}\n",
        wheelhouse_apps::chart::sha256_hex(&archive)
    );
    let app = axum::Router::new()
        .route(
            "/index.yaml",
            axum::routing::get(move || async move { index }),
        )
        .route(
            "/migrate-1.0.0.tgz",
            axum::routing::get(move || async move { archive }),
        );
    let (address, _) = common::repositories::serve(app, None).await;
    let server = server(&helm, &[]).await;
    let (code, created) = common::repositories::add(
        &server,
        json!({"name": "local", "url": format!("http://{address}")}),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    common::repositories::repository_until(&server, "local", |r| r["status"]["state"] == "ok")
        .await;

    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases",
        Some(json!({"repo": "local", "chart": "migrate", "name": "shop", "namespace": "default"})),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    let done = finished(&server, &operation).await;
    assert_eq!(done["state"], "failed", "{done}");
    let error = done["error"].as_str().expect("helm's error");
    assert!(
        error.contains("post-install") && error.contains("shop-migrate"),
        "helm's own words name the hook: {error}"
    );
    let failed = done["failedResources"]
        .as_array()
        .expect("failed resources");
    let named = |kind: &str, name: &str| {
        failed
            .iter()
            .find(|r| r["kind"] == kind && r["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} in {done}"))
    };
    let reasons = |resource: &Value| -> Vec<String> {
        resource["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["reason"].as_str().map(str::to_string))
            .collect()
    };
    let hook = named("Job", "shop-migrate");
    assert!(
        reasons(hook).contains(&"BackoffLimitExceeded".to_string()),
        "the Job's events say why: {hook}"
    );
    let web = named("Deployment", "shop-web");
    assert!(
        reasons(web).contains(&"ScalingReplicaSet".to_string()),
        "the Deployment's events: {web}"
    );
}
