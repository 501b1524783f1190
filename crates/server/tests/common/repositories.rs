//! Chart repositories and registries served inside a test (axum), recording every request they
//! see, and the steps the app store's tests share: add a repository through the API or as kubectl
//! would, wait for its sync, read what the API server stored.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::apps::AppsConfig;

use super::{TestServer, send};

/// The requests a fake repository saw: path (with query) and `Authorization`, if any.
#[derive(Debug, Default)]
pub struct Seen(Mutex<Vec<(String, Option<String>)>>);

impl Seen {
    pub fn requests(&self) -> Vec<(String, Option<String>)> {
        self.0.lock().expect("lock").clone()
    }

    /// Every `Authorization` header that reached the repository.
    pub fn logins(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter_map(|(_, login)| login)
            .collect()
    }
}

/// Serves `app` on a free port, recording each request; with `login`, answers 401 to a request
/// without exactly that `Authorization`.
pub async fn serve(app: axum::Router, login: Option<String>) -> (SocketAddr, Arc<Seen>) {
    let (app, seen) = recorded(app, login);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    (address, seen)
}

/// [`serve`] over HTTPS, with a self-signed certificate for `127.0.0.1` made for it (the sim's);
/// also returns the certificate in PEM, the CA to trust it by.
pub async fn serve_tls(
    app: axum::Router,
    login: Option<String>,
) -> (SocketAddr, Arc<Seen>, String) {
    let (app, seen) = recorded(app, login);
    let certificate = wheelhouse_sim::api::tls::Certificate::generate(&[]).expect("a certificate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let listener = wheelhouse_sim::api::tls::DualListener::new(listener, &certificate)
        .expect("a TLS listener");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    (address, seen, certificate.cert_pem)
}

/// `app` with a layer recording each request (and refusing those without `login`, if given).
fn recorded(app: axum::Router, login: Option<String>) -> (axum::Router, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let recorder = seen.clone();
    let app = app.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let seen = recorder.clone();
            let login = login.clone();
            async move {
                let given = request
                    .headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let path = request
                    .uri()
                    .path_and_query()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                seen.0.lock().expect("lock").push((path, given.clone()));
                match login {
                    Some(login) if given.as_deref() != Some(login.as_str()) => (
                        StatusCode::UNAUTHORIZED,
                        [(header::WWW_AUTHENTICATE, "Basic realm=\"charts\"")],
                    )
                        .into_response(),
                    _ => next.run(request).await,
                }
            }
        },
    ));
    (app, seen)
}

/// The `Authorization` header of `username:password`.
pub fn basic(username: &str, password: &str) -> String {
    use base64::Engine as _;
    let pair = format!("{username}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// Chart `hello` 1.0.0 whose ConfigMap and NOTES carry `marker`, to tell charts of the same name
/// and version from different repositories apart.
pub fn hello_chart(marker: &str) -> Vec<u8> {
    wheelhouse_apps::chart::package(
        "hello",
        &[
            ("Chart.yaml".into(), b"apiVersion: v2\nname: hello\nversion: 1.0.0\ndescription: Says hello\n".to_vec()),
            ("values.yaml".into(), b"message: hi\n".to_vec()),
            ("templates/NOTES.txt".into(), format!("hello from {marker}\n").into_bytes()),
            ("templates/cm.yaml".into(), format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{{{ .Release.Name }}}}-hello\ndata:\n  message: {{{{ .Values.message | quote }}}}\n  from: {marker}\n").into_bytes()),
        ],
    )
    .expect("packs")
}

/// An `index.yaml` with chart `hello` 1.0.0 at `url`.
pub fn index_of_hello(url: &str, digest: &str) -> String {
    format!(
        "apiVersion: v1\nentries:\n  hello:\n  - name: hello\n    version: 1.0.0\n    description: Says hello\n    urls: [\"{url}\"]\n    digest: {digest}\n"
    )
}

/// A chart repository at `/charts/` holding `archive` as `hello-1.0.0.tgz`.
pub async fn repository(archive: Vec<u8>, login: Option<String>) -> (SocketAddr, Arc<Seen>) {
    serve(repository_app(archive), login).await
}

/// [`repository`] over HTTPS with a self-signed certificate; also returns that certificate (PEM).
pub async fn tls_repository(
    archive: Vec<u8>,
    login: Option<String>,
) -> (SocketAddr, Arc<Seen>, String) {
    serve_tls(repository_app(archive), login).await
}

fn repository_app(archive: Vec<u8>) -> axum::Router {
    let index = index_of_hello(
        "hello-1.0.0.tgz",
        &wheelhouse_apps::chart::sha256_hex(&archive),
    );
    axum::Router::new()
        .route(
            "/charts/index.yaml",
            axum::routing::get(move || async move { index }),
        )
        .route(
            "/charts/hello-1.0.0.tgz",
            axum::routing::get(move || async move { archive }),
        )
}

/// An answer that never ends: a body streamed chunk after chunk, without a length.
pub fn endless() -> axum::response::Response {
    let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
    let stream = futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
    axum::body::Body::from_stream(stream).into_response()
}

pub fn config(apps: AppsConfig) -> ServerConfig {
    ServerConfig::default().apps(apps.sync_tick(Duration::from_millis(200)))
}

/// Waits until the repository named satisfies `done`, returning it.
pub async fn repository_until(
    server: &TestServer,
    name: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        let (_, list) = send(
            reqwest::Method::GET,
            server,
            "api/v1/apps/repositories",
            None,
        )
        .await;
        if let Some(repo) = list["items"]
            .as_array()
            .and_then(|items| items.iter().find(|r| r["name"] == name))
        {
            if done(repo) {
                return repo.clone();
            }
            last = repo.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("repository {name} did not reach the expected state: {last}");
}

/// The repository's status once a sync has ended, in error.
pub async fn failed_sync(server: &TestServer, name: &str) -> String {
    let repo = repository_until(server, name, |r| {
        !matches!(r["status"]["state"].as_str(), Some("pending" | "syncing"))
    })
    .await;
    assert_eq!(repo["status"]["state"], "error", "{repo}");
    repo["status"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Adds a repository through the console's API; the status and body.
pub async fn add(server: &TestServer, body: Value) -> (u16, Value) {
    send(
        reqwest::Method::POST,
        server,
        "api/v1/apps/repositories",
        Some(body),
    )
    .await
}

/// Creates a ChartRepository as kubectl would (the sim's admin, not the console's API).
pub async fn create_with_kubectl_rights(server: &TestServer, name: &str, spec: Value) {
    let body = json!({
        "apiVersion": "wheelhouse.dev/v1alpha1", "kind": "ChartRepository",
        "metadata": {"name": name}, "spec": spec,
    });
    let request = http::Request::post("/apis/wheelhouse.dev/v1alpha1/chartrepositories")
        .header(header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&body).expect("JSON"))
        .expect("request");
    let _: Value = server
        .kube()
        .await
        .request(request)
        .await
        .expect("the ChartRepository is created");
}

/// The ChartRepository as the API server has it, `None` when there is none.
pub async fn stored(server: &TestServer, name: &str) -> Option<Value> {
    let request = http::Request::get(format!(
        "/apis/wheelhouse.dev/v1alpha1/chartrepositories/{name}"
    ))
    .body(Vec::new())
    .expect("request");
    server.kube().await.request::<Value>(request).await.ok()
}

/// Creates Secret `namespace/name` holding a login, as the sim's admin.
pub async fn login_secret(server: &TestServer, namespace: &str, name: &str) {
    let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(server.kube().await, namespace);
    let secret = serde_json::from_value(json!({
        "metadata": {"name": name},
        "stringData": {"username": "ann", "password": "s3cret"},
    }))
    .expect("a Secret");
    secrets
        .create(&kube::api::PostParams::default(), &secret)
        .await
        .expect("the Secret is created");
}

pub fn field_errors(refused: &Value) -> Vec<(String, String)> {
    refused["error"]["details"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields: {refused}"))
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The console on the demo, acting for someone who may do anything (ChartRepositories included)
/// but read Secrets; the credentials namespace is `default`.
pub async fn one_who_may_not_read_secrets() -> TestServer {
    let person = wheelhouse_sim::api::auth::User::new(
        "charts-admin",
        "charts-admin-token",
        &["charts"],
        vec![wheelhouse_sim::api::auth::Rule::new(&["*"], &["*"], &["*"]).except(&["secrets"])],
    );
    let sim = wheelhouse_sim::SimConfig::default()
        .scenario(wheelhouse_sim::Scenario::Demo)
        .user(person);
    let server = TestServer::on_sim(
        sim,
        "charts-admin",
        config(AppsConfig::default().credentials_namespace("default")),
    )
    .await;
    server.wait_ready().await;
    server
}
