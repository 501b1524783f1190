//! Image registries against the real Debian `docker-registry`: browsing behind basic auth and
//! behind a token service, tags newest first and paged, a multi-arch index with each platform,
//! deleting a tag (and a registry that does not allow it), what runs an image on the sim, a
//! workload's newer image, and deploying an image. The images are built and pushed here.

mod common;

use std::time::Duration;

use common::images::{self, Login, Pusher, TokenService};
use common::{TestServer, find_tool, send};
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::apps::AppsConfig;

fn config() -> ServerConfig {
    ServerConfig::default().apps(AppsConfig::default().credentials_namespace("default"))
}

/// A Secret `registry-login` in `default` with the tests' user.
async fn login_secret(server: &TestServer) {
    let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(server.kube().await, "default");
    let secret = serde_json::from_value(json!({
        "metadata": {"name": "registry-login"},
        "stringData": {"username": images::USER, "password": images::PASSWORD},
    }))
    .expect("a Secret");
    secrets
        .create(&kube::api::PostParams::default(), &secret)
        .await
        .expect("the Secret is created");
}

async fn add(server: &TestServer, name: &str, address: std::net::SocketAddr, secret: bool) {
    let mut body = json!({"name": name, "url": format!("http://{address}"), "plainHttp": true});
    if secret {
        body["secretRef"] = json!({"namespace": "default", "name": "registry-login"});
    }
    let (code, created) = send(
        reqwest::Method::POST,
        server,
        "api/v1/registries",
        Some(body),
    )
    .await;
    assert_eq!(code, 201, "{created}");
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    send(reqwest::Method::GET, server, path, None).await
}

fn tags_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["tag"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_registry_behind_basic_auth_is_browsed_newest_first_with_each_platform() {
    let Some(binary) = find_tool("WHEELHOUSE_DOCKER_REGISTRY", "docker-registry") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let registry = images::start(&binary, dir.path(), Login::Basic, false).await;
    let pusher = Pusher {
        base: format!("http://{}", registry.address),
        authorization: Some(images::basic()),
    };
    for tag in ["1.0", "1.1", "1.10"] {
        pusher.image("app", tag, "amd64", tag).await;
    }
    // Pushed long ago: newest first by created time puts it last, whatever its name.
    pusher
        .image_created("app", "9.9", "amd64", "old", "2020-01-01T00:00:00Z")
        .await;
    let index = pusher.multi_arch("app", "latest", "multi").await;
    pusher.image("tools/cli", "0.1", "amd64", "cli").await;

    let server = TestServer::demo(config()).await;
    server.wait_ready().await;
    login_secret(&server).await;
    add(&server, "local", registry.address, true).await;
    add(&server, "anonymous", registry.address, false).await;

    let (code, repositories) = get(&server, "api/v1/registries/local/repositories").await;
    assert_eq!(code, 200, "{repositories}");
    assert_eq!(repositories["catalog"], true);
    let names: Vec<&str> = repositories["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["app", "tools/cli"]);

    // Without the login the registry refuses, and the person reads why.
    let (code, refused) = get(&server, "api/v1/registries/anonymous/repositories").await;
    assert_eq!(code, 200, "the workloads' repositories stand in: {refused}");
    assert_eq!(refused["catalog"], false);
    assert!(
        refused["warnings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("401")),
        "{refused}"
    );

    let (code, page) = get(&server, "api/v1/registries/local/tags?repository=app").await;
    assert_eq!(code, 200, "{page}");
    assert_eq!(
        tags_of(&page),
        [
            "latest",
            "1.10",
            "1.1",
            "1.0",
            "latest-arm64",
            "latest-amd64",
            "9.9"
        ]
    );
    assert_eq!(page["total"], 7);
    assert_eq!(page["items"][0]["digest"], index.as_str());
    assert_eq!(
        page["items"][0]["platforms"],
        json!(["linux/amd64", "linux/arm64"])
    );
    assert_eq!(page["items"][1]["created"], "2026-12-01T10:00:00Z");
    let (_, filtered) = get(
        &server,
        "api/v1/registries/local/tags?repository=app&filter=1.1&limit=1",
    )
    .await;
    assert_eq!(filtered["total"], 2, "{filtered}");
    assert_eq!(tags_of(&filtered), ["1.10"]);
    let (_, second) = get(
        &server,
        "api/v1/registries/local/tags?repository=app&filter=1.1&limit=1&offset=1",
    )
    .await;
    assert_eq!(tags_of(&second), ["1.1"]);

    let (code, image) = get(
        &server,
        "api/v1/registries/local/image?repository=app&reference=latest&platform=linux/arm64",
    )
    .await;
    assert_eq!(code, 200, "{image}");
    assert_eq!(image["digest"], index.as_str());
    assert_eq!(image["platforms"].as_array().map(Vec::len), Some(2));
    assert_eq!(image["platform"], "linux/arm64");
    let config = &image["config"];
    assert_eq!(config["entrypoint"], json!(["/bin/app"]));
    assert_eq!(config["exposedPorts"], json!(["8080/tcp"]));
    assert_eq!(config["user"], "1000");
    assert!(
        config["env"]
            .as_array()
            .is_some_and(|e| e.contains(&json!("MARKER=multi"))),
        "{config}"
    );
    assert_eq!(
        config["labels"],
        json!([["org.opencontainers.image.version", "latest-arm64"]])
    );
    let layers: Vec<u64> = image["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter_map(|l| l["size"].as_u64())
        .collect();
    assert_eq!(layers, [1000, 2500]);
    assert!(
        image["totalSize"].as_u64().is_some_and(|t| t > 3500),
        "{image}"
    );
    assert_eq!(image["pull"], format!("{}/app:latest", registry.address));

    let (code, missing) = get(
        &server,
        "api/v1/registries/local/image?repository=app&reference=8.8",
    )
    .await;
    assert_eq!(code, 404, "{missing}");

    // This registry keeps what it stores: deleting is refused with the registry's reason.
    let (code, refused) = send(
        reqwest::Method::DELETE,
        &server,
        "api/v1/registries/local/image?repository=app&reference=1.0",
        None,
    )
    .await;
    assert_eq!(code, 405, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("REGISTRY_STORAGE_DELETE_ENABLED")),
        "{refused}"
    );
}

#[tokio::test]
async fn a_registry_with_a_token_service_is_browsed_and_a_tag_deleted_with_bearer_tokens() {
    let Some(binary) = find_tool("WHEELHOUSE_DOCKER_REGISTRY", "docker-registry") else {
        return;
    };
    let tokens = TokenService::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let login = Login::Token {
        realm: tokens.realm.clone(),
        certificate: tokens.certificate.clone(),
    };
    let registry = images::start(&binary, dir.path(), login, true).await;
    // The registry really asks for a token: a basic login is not enough.
    let refused = common::client()
        .get(format!("http://{}/v2/_catalog", registry.address))
        .header("authorization", images::basic())
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status(), 401);
    let grant = tokens.grant(&["repository:app:pull,push,delete"]);
    let pusher = Pusher {
        base: format!("http://{}", registry.address),
        authorization: Some(format!("Bearer {grant}")),
    };
    for tag in ["2.0", "2.1"] {
        pusher.image("app", tag, "amd64", tag).await;
    }

    let server = TestServer::demo(config()).await;
    server.wait_ready().await;
    login_secret(&server).await;
    add(&server, "tokened", registry.address, true).await;
    let (code, page) = get(&server, "api/v1/registries/tokened/tags?repository=app").await;
    assert_eq!(code, 200, "{page}");
    assert_eq!(tags_of(&page), ["2.1", "2.0"]);
    let (_, repositories) = get(&server, "api/v1/registries/tokened/repositories").await;
    assert_eq!(repositories["catalog"], true, "{repositories}");
    let asked = tokens.seen.lock().expect("lock").clone();
    assert!(
        !asked.is_empty()
            && asked
                .iter()
                .all(|a| a.as_deref() == Some(images::basic().as_str())),
        "{asked:?}"
    );

    let (code, deleted) = send(
        reqwest::Method::DELETE,
        &server,
        "api/v1/registries/tokened/image?repository=app&reference=2.0",
        None,
    )
    .await;
    assert_eq!(code, 200, "{deleted}");
    assert!(
        deleted["digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{deleted}"
    );
    let (_, page) = get(&server, "api/v1/registries/tokened/tags?repository=app").await;
    assert_eq!(
        tags_of(&page),
        ["2.1"],
        "the tag list is read again after a delete"
    );
    let (code, _) = get(
        &server,
        "api/v1/registries/tokened/image?repository=app&reference=2.0",
    )
    .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn a_person_browses_only_with_their_own_rights() {
    let Some(binary) = find_tool("WHEELHOUSE_DOCKER_REGISTRY", "docker-registry") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let registry = images::start(&binary, dir.path(), Login::None, true).await;
    let pusher = Pusher {
        base: format!("http://{}", registry.address),
        authorization: None,
    };
    pusher.image("app", "1.0", "amd64", "one").await;
    let server = TestServer::demo_as("viewer", config()).await;
    server.wait_ready().await;
    let registries: kube::Api<kube::api::DynamicObject> = kube::Api::all_with(
        server.kube().await,
        &kube::api::ApiResource {
            group: "wheelhouse.dev".into(),
            version: "v1alpha1".into(),
            api_version: "wheelhouse.dev/v1alpha1".into(),
            kind: "ImageRegistry".into(),
            plural: "imageregistries".into(),
        },
    );
    let object = serde_json::from_value(json!({
        "apiVersion": "wheelhouse.dev/v1alpha1", "kind": "ImageRegistry", "metadata": {"name": "open"},
        "spec": {"url": format!("http://{}", registry.address), "plainHttp": true},
    }))
    .expect("an object");
    registries
        .create(&kube::api::PostParams::default(), &object)
        .await
        .expect("created by the admin");

    // A viewer may browse (they may read the ImageRegistry) but not add registries or delete tags.
    let (code, list) = get(&server, "api/v1/registries").await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(list["create"]["allowed"], false, "{list}");
    let (code, image) = get(
        &server,
        "api/v1/registries/open/image?repository=app&reference=1.0",
    )
    .await;
    assert_eq!(code, 200, "{image}");
    assert_eq!(image["delete"]["allowed"], false);
    let (code, refused) = send(
        reqwest::Method::DELETE,
        &server,
        "api/v1/registries/open/image?repository=app&reference=1.0",
        None,
    )
    .await;
    assert_eq!(code, 403, "{refused}");
    let (code, refused) = send(reqwest::Method::POST, &server, "api/v1/registries",
        Some(json!({"name": "mine", "url": format!("http://{}", registry.address), "plainHttp": true}))).await;
    assert_eq!(code, 403, "{refused}");
    // Plain HTTP must be said; a Secret outside the credentials namespace is refused.
    let (code, invalid) = send(reqwest::Method::POST, &server, "api/v1/registries",
        Some(json!({"name": "mine", "url": "http://registry.example", "secretRef": {"namespace": "payments", "name": "db"}}))).await;
    assert_eq!(code, 422, "{invalid}");
    let fields: Vec<&str> = invalid["error"]["details"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["url", "secretRef"]);
}

/// Creates a Deployment `name` in `default` running `image`.
async fn deployment(server: &TestServer, name: &str, image: &str) {
    let deployments: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(server.kube().await, "default");
    let object = serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "main", "image": image}]}}},
    }))
    .expect("a Deployment");
    deployments
        .create(&kube::api::PostParams::default(), &object)
        .await
        .expect("created");
}

#[tokio::test]
async fn what_runs_an_image_is_found_by_tag_and_digest_and_a_workload_sees_a_newer_image() {
    let Some(binary) = find_tool("WHEELHOUSE_DOCKER_REGISTRY", "docker-registry") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let registry = images::start(&binary, dir.path(), Login::None, true).await;
    let pusher = Pusher {
        base: format!("http://{}", registry.address),
        authorization: None,
    };
    let (first, _) = pusher.image("app", "1.0", "amd64", "first").await;
    pusher.image("app", "0.9", "amd64", "old").await;
    let host = registry.address.to_string();

    let server = TestServer::demo(config()).await;
    server.wait_ready().await;
    add(&server, "local", registry.address, false).await;
    deployment(&server, "by-tag", &format!("{host}/app:1.0")).await;
    deployment(&server, "by-digest", &format!("{host}/app@{first}")).await;
    deployment(&server, "pinned", &format!("{host}/app:1.0@{first}")).await;
    deployment(&server, "older", &format!("{host}/app:0.9")).await;

    // Until the pods run (the sim pulls for 2 s), then every workload and pod is found.
    let mut usage = Value::Null;
    for _ in 0..100 {
        let (code, answer) = get(
            &server,
            "api/v1/registries/local/usage?repository=app&tag=1.0",
        )
        .await;
        assert_eq!(code, 200, "{answer}");
        usage = answer;
        let pods_running = usage["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["kind"] == "Pod" && r["runningDigest"].is_string())
            .count();
        if pods_running >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let of = |kind: &str, prefix: &str| -> Vec<String> {
        usage["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| {
                r["kind"] == kind && r["name"].as_str().is_some_and(|n| n.starts_with(prefix))
            })
            .map(|r| r["match"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(of("Deployment", "by-tag"), ["tag"], "{usage}");
    assert_eq!(of("Deployment", "by-digest"), ["digest"], "{usage}");
    assert_eq!(of("Deployment", "pinned"), ["tag"], "{usage}");
    assert_eq!(of("Deployment", "older"), ["repository"], "{usage}");
    assert_eq!(
        of("Pod", "by-digest"),
        ["digest"],
        "a pod running the digest: {usage}"
    );
    assert_eq!(of("Pod", "older"), ["repository"], "{usage}");

    let workload = "api/v1/registries/_workload?namespace=default&kind=Deployment&name=pinned";
    let (code, images) = get(&server, workload).await;
    assert_eq!(code, 200, "{images}");
    assert_eq!(images["items"][0]["registry"], "local", "{images}");
    assert_eq!(images["items"][0]["currentDigest"], first.as_str());
    assert_eq!(images["items"][0]["runningDigests"], json!([first]));
    assert_eq!(images["items"][0]["newer"], false);

    // A new push of 1.0: the pinned workload now runs an image the tag no longer points at.
    let (second, _) = pusher.image("app", "1.0", "amd64", "second").await;
    tokio::time::sleep(Duration::from_secs(31)).await; // the tag's manifest is kept 30 s
    let (_, images) = get(&server, workload).await;
    assert_eq!(
        images["items"][0]["currentDigest"],
        second.as_str(),
        "{images}"
    );
    assert_eq!(images["items"][0]["newer"], true, "{images}");
}

#[tokio::test]
async fn an_image_is_deployed_from_a_form_through_a_dry_run_then_the_apply() {
    let server = TestServer::demo(config()).await;
    server.wait_ready().await;
    let (code, yaml) = send(reqwest::Method::POST, &server, "api/v1/registries/_deploy", Some(json!({
        "image": "127.0.0.1:5000/app:1.0", "name": "from-image", "namespace": "default", "replicas": 2,
        "port": 8080, "env": [{"name": "MODE", "value": "demo"}], "memory": "64Mi", "service": true,
    }))).await;
    assert_eq!(code, 200, "{yaml}");
    let text = yaml["yaml"].as_str().expect("YAML").to_string();
    assert!(
        text.contains("kind: Deployment") && text.contains("kind: Service"),
        "{text}"
    );
    let apply = |dry: bool| {
        let text = text.clone();
        let url = server.url(&format!("api/v1/apply?dryRun={dry}"));
        async move {
            let answer = common::client()
                .post(url)
                .header("content-type", "application/yaml")
                .body(text)
                .send()
                .await
                .expect("answer");
            (answer.status().as_u16(), common::json(answer).await)
        }
    };
    let (code, dry) = apply(true).await;
    assert_eq!(code, 200, "{dry}");
    assert_eq!(dry["ok"], true, "{dry}");
    let deployments: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(server.kube().await, "default");
    assert!(
        deployments
            .get_opt("from-image")
            .await
            .expect("read")
            .is_none(),
        "a dry run creates nothing"
    );
    let (code, applied) = apply(false).await;
    assert_eq!(code, 200, "{applied}");
    let created = deployments.get("from-image").await.expect("created");
    let spec = created.spec.expect("spec");
    assert_eq!(spec.replicas, Some(2));
    let container = &spec.template.spec.expect("pod spec").containers[0];
    assert_eq!(container.image.as_deref(), Some("127.0.0.1:5000/app:1.0"));
    let (code, refused) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/registries/_deploy",
        Some(json!({"image": "", "name": "x", "namespace": "default"})),
    )
    .await;
    assert_eq!(code, 422, "{refused}");
}

/// A `kubernetes.io/dockerconfigjson` Secret `regcred` for ghcr.io and a pod in `default` that
/// names it in `imagePullSecrets`.
async fn pull_secret_and_pod(server: &TestServer) {
    use base64::Engine as _;
    let kube = server.kube().await;
    let config = json!({"auths": {"ghcr.io": {"username": "ann", "password": "tok"}}}).to_string();
    let secret = serde_json::from_value(json!({
        "metadata": {"name": "regcred"}, "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64::engine::general_purpose::STANDARD.encode(config)},
    }))
    .expect("a Secret");
    kube::Api::<k8s_openapi::api::core::v1::Secret>::namespaced(kube.clone(), "default")
        .create(&kube::api::PostParams::default(), &secret)
        .await
        .expect("the Secret is created");
    let pod = serde_json::from_value(json!({
        "metadata": {"name": "private-app"},
        "spec": {"imagePullSecrets": [{"name": "regcred"}], "containers": [{"name": "app", "image": "ghcr.io/o/app:1.0"}]},
    }))
    .expect("a Pod");
    kube::Api::<k8s_openapi::api::core::v1::Pod>::namespaced(kube, "default")
        .create(&kube::api::PostParams::default(), &pod)
        .await
        .expect("the Pod is created");
}

#[tokio::test]
async fn registries_are_found_in_pull_secrets_and_used_only_by_who_may_read_them() {
    for (user, readable) in [("admin", true), ("viewer", false)] {
        let server = TestServer::demo_as(user, config()).await;
        server.wait_ready().await;
        pull_secret_and_pod(&server).await;
        let mut found = Value::Null;
        for _ in 0..50 {
            let (code, list) = get(&server, "api/v1/registries").await;
            assert_eq!(code, 200, "{list}");
            found = list["items"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["secretRef"]["name"] == "regcred")
                .cloned()
                .unwrap_or(Value::Null);
            if !found.is_null() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(found["source"], "pullSecret", "{user}: {found}");
        if readable {
            assert_eq!(found["name"], "pull:default:regcred:ghcr.io", "{found}");
            assert_eq!(found["url"], "https://ghcr.io");
            assert!(found["problem"].is_null(), "{found}");
        } else {
            assert_eq!(found["url"], "", "{found}");
            let problem = found["problem"].as_str().unwrap_or_default();
            assert!(
                problem.contains("could not be read with your identity"),
                "{problem}"
            );
            // Nor can the person open it by its name: the Secret is read as them, every time.
            let (code, refused) = get(
                &server,
                "api/v1/registries/pull:default:regcred:ghcr.io/repositories",
            )
            .await;
            assert_eq!(code, 403, "{refused}");
        }
    }
}
