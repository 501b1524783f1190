//! Chart repositories through the console: one served over HTTP inside the test (with ETags),
//! one that fails, and an OCI repository on a real Docker registry (Debian `docker-registry`)
//! with a chart pushed by the real helm, browsed and installed; an HTTP repository and a registry
//! behind a login, read with the credentials in a Secret; one added and removed with the real kubectl.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use common::repositories::repository_until;
use common::{TestServer, find_tool, json, send};
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::apps::AppsConfig;

#[derive(Default)]
struct Counters {
    index: AtomicUsize,
    not_modified: AtomicUsize,
}

/// The `Authorization` header of `username:password`.
fn basic(username: &str, password: &str) -> String {
    use base64::Engine as _;
    let pair = format!("{username}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// An HTTP chart repository: `/charts/index.yaml` (ETag "v1") and its archive; with `login`,
/// both answer 401 to a request without that `Authorization`.
async fn http_repository(counters: Arc<Counters>, login: Option<String>) -> SocketAddr {
    let archive = wheelhouse_apps::chart::package(
        "hello",
        &[
            ("Chart.yaml".into(), b"apiVersion: v2\nname: hello\nversion: 1.0.0\ndescription: Says hello\nkeywords: [greeting]\n".to_vec()),
            ("values.yaml".into(), b"message: hi\n".to_vec()),
            ("README.md".into(), b"# hello\nIt greets.\n".to_vec()),
            ("templates/cm.yaml".into(), b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hello\ndata:\n  message: {{ .Values.message | quote }}\n".to_vec()),
        ],
    )
    .expect("packs");
    let digest = wheelhouse_apps::chart::sha256_hex(&archive);
    let index = format!(
        "apiVersion: v1\nentries:\n  hello:\n  - name: hello\n    version: 1.0.0\n    description: Says hello\n    keywords: [greeting]\n    urls: [hello-1.0.0.tgz]\n    digest: {digest}\ngenerated: \"2026-11-27T00:00:00Z\"\n"
    );
    let app = axum::Router::new()
        .route(
            "/charts/index.yaml",
            axum::routing::get(move |headers: HeaderMap| {
                let counters = counters.clone();
                let index = index.clone();
                async move {
                    counters.index.fetch_add(1, Ordering::SeqCst);
                    if headers
                        .get(header::IF_NONE_MATCH)
                        .is_some_and(|v| v == "\"v1\"")
                    {
                        counters.not_modified.fetch_add(1, Ordering::SeqCst);
                        return StatusCode::NOT_MODIFIED.into_response();
                    }
                    ([(header::ETAG, "\"v1\"")], index).into_response()
                }
            }),
        )
        .route(
            "/charts/hello-1.0.0.tgz",
            axum::routing::get(move || {
                let archive = archive.clone();
                async move { archive }
            }),
        )
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let login = login.clone();
                async move {
                    let given = request.headers().get(header::AUTHORIZATION).cloned();
                    match login {
                        Some(login) if given.as_ref().is_none_or(|g| *g != login.as_str()) => (
                            StatusCode::UNAUTHORIZED,
                            [(header::WWW_AUTHENTICATE, "Basic realm=\"charts\"")],
                        )
                            .into_response(),
                        _ => next.run(request).await,
                    }
                }
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    address
}

fn fast() -> ServerConfig {
    ServerConfig::default().apps(AppsConfig::default().sync_tick(Duration::from_millis(200)))
}

#[tokio::test]
async fn an_http_repository_is_synced_with_etags_searched_and_its_failure_shown() {
    let counters = Arc::new(Counters::default());
    let address = http_repository(counters.clone(), None).await;
    let server = TestServer::demo(fast()).await;
    server.wait_ready().await;

    let (code, created) = send(reqwest::Method::POST, &server, "api/v1/apps/repositories",
        Some(json!({"name": "local", "url": format!("http://{address}/charts"), "intervalSeconds": 600}))).await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["kind"], "http");
    assert_eq!(created["intervalSeconds"], 600);
    let (code, _) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/repositories",
        Some(json!({"name": "gone", "url": format!("http://{address}/missing")})),
    )
    .await;
    assert_eq!(code, 201);
    let (code, refused) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/repositories",
        Some(json!({"name": "Bad Name", "url": "ftp://x"})),
    )
    .await;
    assert_eq!(code, 422, "{refused}");
    let fields: Vec<&str> = refused["error"]["details"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["name", "url"]);
    let (code, _) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/repositories",
        Some(json!({"name": "local", "url": "https://other.example"})),
    )
    .await;
    assert_eq!(code, 409);

    let local = repository_until(&server, "local", |r| r["status"]["state"] == "ok").await;
    assert_eq!(local["status"]["charts"], 1, "{local}");
    assert_eq!(local["permissions"], json!({"delete": true, "sync": true}));
    let (_, list) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/repositories",
        None,
    )
    .await;
    assert_eq!(list["create"]["allowed"], true, "{list}");
    assert_eq!(list["items"][0]["name"], "builtin");
    assert_eq!(
        list["items"][0]["permissions"],
        json!({"delete": false, "sync": false})
    );
    let gone = repository_until(&server, "gone", |r| r["status"]["state"] == "error").await;
    assert!(
        gone["status"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("404")),
        "{gone}"
    );

    let (_, found) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/charts?q=greet",
        None,
    )
    .await;
    assert_eq!(found["items"][0]["repo"], "local", "{found}");
    assert_eq!(found["items"][0]["name"], "hello");
    let (code, chart) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/charts/local/hello",
        None,
    )
    .await;
    assert_eq!(code, 200, "{chart}");
    assert_eq!(chart["readme"], "# hello\nIt greets.\n");
    assert_eq!(chart["values"], "message: hi\n");

    // The status is written back to the custom resource, for kubectl.
    let client = server.kube().await;
    let request = http::Request::get("/apis/wheelhouse.dev/v1alpha1/chartrepositories/local")
        .body(Vec::new())
        .expect("request");
    let object: Value = client.request(request).await.expect("the CR exists");
    assert_eq!(object["status"]["state"], "ok", "{object}");
    assert_eq!(object["status"]["charts"], 1);

    // A second sync asks conditionally and the repository answers 304.
    let (code, syncing) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/repositories/local/sync",
        None,
    )
    .await;
    assert_eq!(code, 202, "{syncing}");
    repository_until(&server, "local", |r| {
        r["status"]["message"] == "unchanged since the last sync"
    })
    .await;
    assert!(counters.not_modified.load(Ordering::SeqCst) >= 1);

    let (code, _) = send(
        reqwest::Method::DELETE,
        &server,
        "api/v1/apps/repositories/builtin",
        None,
    )
    .await;
    assert_eq!(code, 409);
    let (code, _) = send(
        reqwest::Method::DELETE,
        &server,
        "api/v1/apps/repositories/local",
        None,
    )
    .await;
    assert_eq!(code, 204);
    let (_, found) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/charts?q=greet",
        None,
    )
    .await;
    assert_eq!(found["total"], 0, "{found}");
}

/// [`fast`], reading repository credentials from `default`, where these tests keep their Secrets.
fn fast_with_credentials_in_default() -> ServerConfig {
    ServerConfig::default().apps(
        AppsConfig::default()
            .sync_tick(Duration::from_millis(200))
            .credentials_namespace("default"),
    )
}

#[tokio::test]
async fn a_repository_behind_a_login_uses_its_secret_and_says_when_it_cannot() {
    let address = http_repository(Arc::default(), Some(basic("ann", "s3cret"))).await;
    let server = TestServer::demo(fast_with_credentials_in_default()).await;
    server.wait_ready().await;
    let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(server.kube().await, "default");
    let secret = |name: &str, data: Value| {
        serde_json::from_value(json!({"metadata": {"name": name}, "stringData": data}))
            .expect("a Secret")
    };
    for (name, data) in [
        (
            "charts-login",
            json!({"username": "ann", "password": "s3cret"}),
        ),
        (
            "charts-wrong",
            json!({"username": "ann", "password": "guess"}),
        ),
        ("charts-half", json!({"username": "ann"})),
    ] {
        secrets
            .create(&kube::api::PostParams::default(), &secret(name, data))
            .await
            .expect("the Secret is created");
    }
    let url = format!("http://{address}/charts");
    for (name, secret) in [
        ("private", Some("charts-login")),
        ("anonymous", None),
        ("wrong", Some("charts-wrong")),
        ("half", Some("charts-half")),
        ("missing", Some("charts-gone")),
    ] {
        // The repository is on plain http://: sending a login there is said explicitly.
        let mut body = json!({"name": name, "url": url, "plainHttp": true});
        if let Some(secret) = secret {
            body["secretRef"] = json!({"namespace": "default", "name": secret});
        }
        let (code, created) = send(
            reqwest::Method::POST,
            &server,
            "api/v1/apps/repositories",
            Some(body),
        )
        .await;
        assert_eq!(code, 201, "{created}");
    }

    let private = repository_until(&server, "private", |r| r["status"]["state"] == "ok").await;
    assert_eq!(private["status"]["charts"], 1, "{private}");
    assert_eq!(
        private["secretRef"],
        json!({"namespace": "default", "name": "charts-login"})
    );
    // The archive is behind the login too: the chart page reads it with the same Secret.
    let (code, chart) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/charts/private/hello",
        None,
    )
    .await;
    assert_eq!(code, 200, "{chart}");
    assert_eq!(chart["readme"], "# hello\nIt greets.\n");

    // Each failure says what went wrong, in the repository's status.
    for (name, says) in [
        ("anonymous", "401"),
        ("wrong", "401"),
        (
            "half",
            "the credentials Secret default/charts-half needs the keys username and password",
        ),
        (
            "missing",
            "the credentials Secret default/charts-gone could not be read",
        ),
    ] {
        let repo = repository_until(&server, name, |r| r["status"]["state"] == "error").await;
        let message = repo["status"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{name}: {message}");
    }
    // The password never leaves the cluster through the console's API.
    let (_, list) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/repositories",
        None,
    )
    .await;
    assert!(!list.to_string().contains("s3cret"), "{list}");
}

/// A Docker registry on a free port with its storage in `dir`; killed when dropped.
async fn docker_registry(binary: &Path, dir: &Path) -> (tokio::process::Child, SocketAddr) {
    docker_registry_with(binary, dir, None).await
}

/// [`docker_registry`], with an htpasswd line (`user:bcrypt`) it asks every client for.
async fn docker_registry_with(
    binary: &Path,
    dir: &Path,
    htpasswd: Option<&str>,
) -> (tokio::process::Child, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let config = dir.join("config.yml");
    let mut yaml = format!(
        "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
        dir.join("data").display()
    );
    if let Some(line) = htpasswd {
        let file = dir.join("htpasswd");
        std::fs::write(&file, format!("{line}\n")).expect("htpasswd");
        yaml.push_str(&format!(
            "auth:\n  htpasswd:\n    realm: charts\n    path: {}\n",
            file.display()
        ));
    }
    std::fs::write(&config, yaml).expect("config");
    let child = tokio::process::Command::new(binary)
        .args(["serve", &config.display().to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("docker-registry starts");
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    for _ in 0..100 {
        // 401 is the answer of a registry that asks for a login: it is up.
        if common::get(format!("http://{address}/v2/"))
            .await
            .is_ok_and(|r| r.status() == 200 || (htpasswd.is_some() && r.status() == 401))
        {
            return (child, address);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("docker-registry did not answer on {address}");
}

/// Runs the real kubectl against the server's sim as its admin; its stdout.
async fn kubectl(kubectl: &Path, server: &TestServer, dir: &Path, args: &[&str]) -> String {
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        server.sim.as_ref().expect("sim").kubeconfig_yaml("admin"),
    )
    .expect("kubeconfig");
    let output = tokio::process::Command::new(kubectl)
        .args(args)
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", dir)
        .output()
        .await
        .expect("kubectl runs");
    assert!(
        output.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_repository_added_and_removed_with_kubectl_is_picked_up_and_its_status_shown_there() {
    let Some(kubectl_path) = find_tool("WHEELHOUSE_KUBECTL", "kubectl") else {
        return;
    };
    let address = http_repository(Arc::default(), None).await;
    let server = TestServer::demo(fast()).await;
    server.wait_ready().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("repository.yaml");
    std::fs::write(
        &manifest,
        format!("apiVersion: wheelhouse.dev/v1alpha1\nkind: ChartRepository\nmetadata:\n  name: from-kubectl\nspec:\n  url: http://{address}/charts\n  interval: 30m\n"),
    )
    .expect("manifest");
    kubectl(
        &kubectl_path,
        &server,
        dir.path(),
        &["apply", "-f", &manifest.display().to_string()],
    )
    .await;

    // The console finds it (within its 10 s resync), syncs it, and writes the status back.
    let started = std::time::Instant::now();
    let mut listed = Value::Null;
    while started.elapsed() < Duration::from_secs(20) {
        let (_, list) = send(
            reqwest::Method::GET,
            &server,
            "api/v1/apps/repositories",
            None,
        )
        .await;
        listed = list["items"]
            .as_array()
            .and_then(|items| items.iter().find(|r| r["name"] == "from-kubectl").cloned())
            .unwrap_or(Value::Null);
        if listed["status"]["state"] == "ok" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(listed["status"]["state"], "ok", "{listed}");
    assert_eq!(listed["intervalSeconds"], 1800, "{listed}");
    let table = kubectl(
        &kubectl_path,
        &server,
        dir.path(),
        &["get", "chartrepositories"],
    )
    .await;
    let row = table
        .lines()
        .find(|l| l.starts_with("from-kubectl"))
        .unwrap_or_default();
    assert!(
        row.contains(&format!("http://{address}/charts"))
            && row.contains(" ok ")
            && row.contains(" 1 "),
        "{table}"
    );

    kubectl(
        &kubectl_path,
        &server,
        dir.path(),
        &["delete", "chartrepository", "from-kubectl"],
    )
    .await;
    let started = std::time::Instant::now();
    loop {
        let (code, search) = send(
            reqwest::Method::GET,
            &server,
            "api/v1/apps/charts?repo=from-kubectl",
            None,
        )
        .await;
        if code == 404 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still searchable after kubectl delete: {search}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_viewer_without_the_crd_is_told_why_repositories_cannot_be_added() {
    // A fresh cluster without the CRD, and a person who may not create it.
    let sim = wheelhouse_sim::Sim::start(
        wheelhouse_sim::SimConfig::default().scenario(wheelhouse_sim::Scenario::Empty),
    )
    .await
    .expect("the sim starts");
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml("viewer")).expect("kubeconfig");
    let server = TestServer::with_kubeconfig(kubeconfig, fast()).await;
    server.wait_ready().await;
    // The list says so once the syncer has tried.
    let mut list = Value::Null;
    for _ in 0..100 {
        list = send(
            reqwest::Method::GET,
            &server,
            "api/v1/apps/repositories",
            None,
        )
        .await
        .1;
        if list["warnings"].as_array().is_some_and(|w| !w.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let warning = list["warnings"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no warning: {list}"));
    assert!(
        warning.contains("may not create it") && warning.contains("viewer"),
        "{warning}"
    );
    assert_eq!(list["create"]["allowed"], false, "{list}");
    assert_eq!(
        list["items"].as_array().map(Vec::len),
        Some(1),
        "the built-in repository still works"
    );
    let (code, refused) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/repositories",
        Some(json!({"name": "mine", "url": "https://charts.example"})),
    )
    .await;
    assert_eq!(code, 503, "{refused}");
    assert_eq!(refused["error"]["reason"], "CrdMissing");
}

#[tokio::test]
async fn a_viewer_may_not_add_repositories_and_is_told_why() {
    let server = TestServer::demo_as("viewer", fast()).await;
    server.wait_ready().await;
    let (_, list) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/repositories",
        None,
    )
    .await;
    assert_eq!(list["create"]["allowed"], false, "{list}");
    assert_eq!(
        list["create"]["reason"],
        "viewer may not create chartrepositories.wheelhouse.dev"
    );
    let (code, refused) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/repositories",
        Some(json!({"name": "mine", "url": "https://charts.example"})),
    )
    .await;
    assert_eq!(code, 403, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("viewer")),
        "{refused}"
    );
}

/// `helm push` of the built-in webapp chart to `oci://{address}/{path}` over plain HTTP, with
/// `login` flags (`--username`, `--password`) when given; helm's output.
async fn push_webapp(
    helm: &Path,
    dir: &Path,
    address: SocketAddr,
    path: &str,
    login: &[&str],
) -> std::process::Output {
    let builtin = wheelhouse_apps::builtin::Builtin::load().expect("built-in charts");
    let archive = dir.join("webapp-0.1.0.tgz");
    std::fs::write(&archive, &builtin.archives["webapp-0.1.0.tgz"]).expect("archive");
    tokio::process::Command::new(helm)
        .args([
            "push",
            &archive.display().to_string(),
            &format!("oci://{address}/{path}"),
            "--plain-http",
        ])
        .args(login)
        .env("HOME", dir)
        .env("HELM_CACHE_HOME", dir.join("cache"))
        .env("HELM_CONFIG_HOME", dir.join("config"))
        .env("HELM_DATA_HOME", dir.join("data-helm"))
        .output()
        .await
        .expect("helm push runs")
}

/// Waits for the OCI repository `repo` to hold the pushed webapp chart, and returns its page.
async fn pushed_webapp(server: &TestServer, repo: &str) -> Value {
    let synced = repository_until(server, repo, |r| {
        r["status"]["state"] != "pending" && r["status"]["state"] != "syncing"
    })
    .await;
    assert_eq!(synced["status"]["state"], "ok", "{synced}");
    assert_eq!(synced["status"]["charts"], 1, "{synced}");
    let path = format!("api/v1/apps/charts/{repo}/webapp");
    let (code, chart) = send(reqwest::Method::GET, server, &path, None).await;
    assert_eq!(code, 200, "{chart}");
    assert_eq!(chart["version"], "0.1.0");
    assert!(
        chart["readme"]
            .as_str()
            .is_some_and(|r| r.starts_with("# webapp")),
        "{chart}"
    );
    chart
}

#[tokio::test]
async fn an_oci_repository_on_a_real_registry_is_browsed_and_installed_from() {
    let Some(registry) = find_tool("WHEELHOUSE_DOCKER_REGISTRY", "docker-registry") else {
        return;
    };
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (_registry, address) = docker_registry(&registry, dir.path()).await;

    // Push the built-in webapp chart with the real helm.
    let output = push_webapp(&helm, dir.path(), address, "charts", &[]).await;
    assert!(
        output.status.success(),
        "helm push: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let apps = AppsConfig::default()
        .sync_tick(Duration::from_millis(200))
        .helm_path(Some(helm.clone()))
        .operation_timeout(Duration::from_secs(120));
    let server = TestServer::demo(ServerConfig::default().apps(apps)).await;
    server.wait_ready().await;
    let (code, created) = send(reqwest::Method::POST, &server, "api/v1/apps/repositories",
        Some(json!({"name": "registry", "url": format!("oci://{address}/charts"), "plainHttp": true}))).await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["kind"], "oci");
    let chart = pushed_webapp(&server, "registry").await;
    assert!(chart["valuesSchema"].is_object());

    let (code, operation) = send(
        reqwest::Method::POST,
        &server,
        "api/v1/apps/releases",
        Some(json!({
            "repo": "registry", "chart": "webapp", "version": "0.1.0", "name": "from-oci",
            "namespace": "default", "values": "message: pulled from a registry\n",
        })),
    )
    .await;
    assert_eq!(code, 202, "{operation}");
    let id = operation["id"].as_str().expect("id").to_string();
    let mut done = Value::Null;
    for _ in 0..600 {
        let (_, state) = send(
            reqwest::Method::GET,
            &server,
            &format!("api/v1/operations/{id}"),
            None,
        )
        .await;
        if state["state"] != "running" {
            done = state;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(done["state"], "succeeded", "{done}");
    assert!(
        done["notes"]
            .as_str()
            .is_some_and(|n| n.contains("pulled from a registry")),
        "{done}"
    );
    let (_, release) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/releases/default/from-oci",
        None,
    )
    .await;
    assert_eq!(release["chart"], "webapp");
    let _ = json(
        common::get(server.url("api/v1/apps/repositories"))
            .await
            .expect("answer"),
    )
    .await;
}

/// `ann` with the password `s3cret`, hashed with bcrypt as docker-registry's htpasswd wants.
const REGISTRY_LOGIN: &str = "ann:$2b$04$GAyVhsr89WETFDWenk/TyeDB.8Wju2jK0iyDJTCQY.9fAvMtaXiqu";

#[tokio::test]
async fn an_oci_repository_behind_a_login_is_read_with_its_secret() {
    let Some(registry) = find_tool("WHEELHOUSE_DOCKER_REGISTRY", "docker-registry") else {
        return;
    };
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (_registry, address) =
        docker_registry_with(&registry, dir.path(), Some(REGISTRY_LOGIN)).await;
    // The registry really asks: without the login the real helm cannot push.
    let refused = push_webapp(&helm, dir.path(), address, "private", &[]).await;
    assert!(
        !refused.status.success(),
        "a push without a login was taken"
    );
    let login = ["--username", "ann", "--password", "s3cret"];
    let pushed = push_webapp(&helm, dir.path(), address, "private", &login).await;
    assert!(
        pushed.status.success(),
        "helm push: {}",
        String::from_utf8_lossy(&pushed.stderr)
    );

    let server = TestServer::demo(fast_with_credentials_in_default()).await;
    server.wait_ready().await;
    let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(server.kube().await, "default");
    let secret = serde_json::from_value(json!({
        "metadata": {"name": "registry-login"},
        "stringData": {"username": "ann", "password": "s3cret"},
    }))
    .expect("a Secret");
    secrets
        .create(&kube::api::PostParams::default(), &secret)
        .await
        .expect("the Secret is created");
    let url = format!("oci://{address}/private");
    for (name, body) in [
        (
            "private",
            json!({"name": "private", "url": url, "plainHttp": true, "secretRef": {"namespace": "default", "name": "registry-login"}}),
        ),
        (
            "anonymous",
            json!({"name": "anonymous", "url": url, "plainHttp": true}),
        ),
    ] {
        let (code, created) = send(
            reqwest::Method::POST,
            &server,
            "api/v1/apps/repositories",
            Some(body),
        )
        .await;
        assert_eq!(code, 201, "{name}: {created}");
    }
    // The index, the chart's manifest and its layer are all read with the login.
    pushed_webapp(&server, "private").await;

    let anonymous =
        repository_until(&server, "anonymous", |r| r["status"]["state"] == "error").await;
    let message = anonymous["status"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("401"), "the refusal is named: {message}");
}
