//! Starts the real server on 127.0.0.1:0 against a simulated or an unreachable cluster.

#![allow(dead_code)] // each test file uses a different part

pub mod browser;
pub mod images;
pub mod repositories;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use kube::config::Kubeconfig;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use wheelhouse_cluster::{Cluster, ClusterSource, MonitorConfig};
use wheelhouse_server::ServerConfig;
use wheelhouse_sim::{MetricsSource, Scenario, Sim, SimConfig, Usage};

/// An HTTP client for tests. reqwest has no crypto provider of its own (`rustls-no-provider`),
/// and building a client before one is installed panics: tests build theirs here.
pub fn client() -> reqwest::Client {
    client_builder().build().expect("an HTTP client")
}

/// `reqwest::Client::builder()`, once the crypto provider is installed.
pub fn client_builder() -> reqwest::ClientBuilder {
    wheelhouse_tls::install_crypto_provider();
    reqwest::Client::builder()
}

/// `reqwest::get`, through [`client`].
pub async fn get(url: impl reqwest::IntoUrl) -> reqwest::Result<reqwest::Response> {
    client().get(url).send().await
}

/// A running server; stops (with its cluster and sim) when dropped.
pub struct TestServer {
    pub address: SocketAddr,
    pub base: String,
    pub sim: Option<Sim>,
    pub cluster: Arc<Cluster>,
    stop: Option<oneshot::Sender<()>>,
}

/// Checks often so tests see state changes quickly.
fn fast_monitor() -> MonitorConfig {
    MonitorConfig::default()
        .interval(Duration::from_millis(200))
        .check_timeout(Duration::from_secs(2))
        .backoff(Duration::from_millis(100), Duration::from_millis(500))
}

impl TestServer {
    /// The server on the demo scenario of the sim.
    pub async fn demo(config: ServerConfig) -> Self {
        Self::demo_as("admin", config).await
    }

    /// The server in login mode (tokens) on the demo scenario, its own identity the admin.
    pub async fn demo_with_token_logins() -> Self {
        let login = wheelhouse_server::session::LoginConfig {
            mode: wheelhouse_server::session::LoginMode::Login {
                token: true,
                oidc: None,
            },
            ..Default::default()
        };
        Self::on_sim(
            SimConfig::default().scenario(Scenario::Demo),
            "admin",
            ServerConfig::default().login(login),
        )
        .await
    }

    /// The server on the demo scenario, acting as `user` of the sim's token table (an unknown
    /// user gets an empty token, which the sim rejects with 401).
    pub async fn demo_as(user: &str, config: ServerConfig) -> Self {
        let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo))
            .await
            .expect("the sim starts");
        let kubeconfig =
            Kubeconfig::from_yaml(&sim.kubeconfig_yaml(user)).expect("the sim's kubeconfig parses");
        Self::start(kubeconfig, Some(sim), config).await
    }

    /// The server on a sim started from `sim_config`, acting as `user`.
    pub async fn on_sim(sim_config: SimConfig, user: &str, config: ServerConfig) -> Self {
        let sim = Sim::start(sim_config).await.expect("the sim starts");
        let kubeconfig =
            Kubeconfig::from_yaml(&sim.kubeconfig_yaml(user)).expect("the sim's kubeconfig parses");
        Self::start(kubeconfig, Some(sim), config).await
    }

    /// The server pointed at a port where nothing listens.
    pub async fn unreachable(config: ServerConfig) -> Self {
        let port = closed_port();
        let yaml = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters:\n- name: gone\n  cluster: {{server: \"http://127.0.0.1:{port}\"}}\ncontexts:\n- name: gone\n  context: {{cluster: gone, user: nobody}}\nusers:\n- name: nobody\n  user: {{token: t}}\n"
        );
        Self::start(
            Kubeconfig::from_yaml(&yaml).expect("kubeconfig parses"),
            None,
            config,
        )
        .await
    }

    /// The server on any kubeconfig, without a sim of its own.
    pub async fn with_kubeconfig(kubeconfig: Kubeconfig, config: ServerConfig) -> Self {
        Self::start(kubeconfig, None, config).await
    }

    async fn start(kubeconfig: Kubeconfig, sim: Option<Sim>, config: ServerConfig) -> Self {
        let source = ClusterSource::Kubeconfig {
            kubeconfig: Box::new(kubeconfig),
            context: None,
        };
        let connection = wheelhouse_cluster::connect(source)
            .await
            .expect("client builds");
        let cluster = Arc::new(Cluster::start(connection, fast_monitor()));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let base = format!("http://{address}{}", config.base_path);
        let (stop, stopped) = oneshot::channel::<()>();
        let served = cluster.clone();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            wheelhouse_server::serve(listener, served, config, shutdown)
                .await
                .expect("server runs");
        });
        Self {
            address,
            base,
            sim,
            cluster,
            stop: Some(stop),
        }
    }

    /// The URL of `path` (relative, no leading slash) under the base path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A kube client acting as the sim's admin, to compare the server's answers with the truth.
    pub async fn kube(&self) -> kube::Client {
        let sim = self.sim.as_ref().expect("a sim-backed server");
        let kubeconfig =
            Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig parses");
        let config = kube::Config::from_custom_kubeconfig(
            kubeconfig,
            &kube::config::KubeConfigOptions::default(),
        )
        .await
        .expect("config");
        kube::Client::try_from(config).expect("client")
    }

    /// Waits until `/readyz` says ready (the first check may still be running).
    pub async fn wait_ready(&self) {
        let client = client();
        for _ in 0..100 {
            if client
                .get(self.url("readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not become ready within 10 seconds");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A kubeconfig for the sim's admin at `http://127.0.0.1:{port}`, usable before the sim exists.
pub fn admin_kubeconfig(port: u16) -> Kubeconfig {
    let token = wheelhouse_sim::api::auth::default_users()
        .into_iter()
        .find(|u| u.name == "admin")
        .expect("the sim has an admin")
        .token;
    let yaml = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: sim\nclusters:\n- name: sim\n  cluster: {{server: \"http://127.0.0.1:{port}\"}}\ncontexts:\n- name: sim\n  context: {{cluster: sim, user: admin}}\nusers:\n- name: admin\n  user: {{token: {token}}}\n"
    );
    Kubeconfig::from_yaml(&yaml).expect("kubeconfig parses")
}

/// A port that was free a moment ago and has no listener now.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

pub async fn json(response: reqwest::Response) -> serde_json::Value {
    let text = response.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

/// Sends a request and returns the status with the JSON body (`null` when the body is empty, as
/// after a 204; any other body must be JSON).
pub async fn send(
    method: reqwest::Method,
    server: &TestServer,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut request = client().request(method, server.url(path));
    match body {
        Some(body) => request = request.json(&body),
        // What a script sends on a changing request without a body (docs/security.md).
        None => request = request.header(wheelhouse_server::same_origin::CLIENT_HEADER, "test"),
    }
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    if text.is_empty() {
        return (status, serde_json::Value::Null);
    }
    let value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"));
    (status, value)
}

/// A program the test drives, from the environment variable `var` (set by `cargo xtask test`) or
/// `name` on PATH. Missing, it fails the test when `CI` is set and skips it otherwise (`None`).
pub fn find_tool(var: &str, name: &str) -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        let path = std::path::PathBuf::from(path);
        assert!(
            path.exists(),
            "{var} points to {}, which does not exist",
            path.display()
        );
        return Some(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} not found: set {var} or put it on PATH (`cargo xtask test` installs it)"
        );
        // Written past the test harness's capture, so the skip shows even when the test passes.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {}: no {name} on PATH (set {var}; `cargo xtask test` installs it)",
            std::thread::current().name().unwrap_or("a test")
        );
    }
    found
}

/// Every container of a running pod uses 100m and 64Mi; every node 1 core and 2Gi: sums are
/// exact and easy to check.
pub struct FixedMetrics;

impl MetricsSource for FixedMetrics {
    fn pod(&self, pod: &Value, _now: Timestamp) -> Option<Vec<(String, Usage)>> {
        if pod["status"]["phase"] != "Running" {
            return None;
        }
        let containers = pod["spec"]["containers"].as_array()?;
        Some(
            containers
                .iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap_or_default().to_string(),
                        Usage {
                            cpu_nanocores: 100_000_000,
                            memory_bytes: 64 * 1024 * 1024,
                        },
                    )
                })
                .collect(),
        )
    }

    fn node(&self, _node: &Value, _now: Timestamp) -> Option<Usage> {
        Some(Usage {
            cpu_nanocores: 1_000_000_000,
            memory_bytes: 2 * 1024 * 1024 * 1024,
        })
    }
}

/// Follows an app store operation (`{"id": …}` as its start answered) until it finishes.
pub async fn finished(server: &TestServer, operation: &Value) -> Value {
    let id = operation["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no operation: {operation}"));
    for _ in 0..600 {
        let (_, state) = send(
            reqwest::Method::GET,
            server,
            &format!("api/v1/operations/{id}"),
            None,
        )
        .await;
        if state["state"] != "running" {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("operation {id} did not finish in 120 s");
}

/// A sim holding only what the test puts in it (no controllers), and the server on it as `user`.
pub async fn quiet_server(user: &str) -> (Sim, TestServer) {
    let sim = Sim::start(
        SimConfig::default()
            .scenario(Scenario::Empty)
            .controllers(false),
    )
    .await
    .expect("the sim starts");
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_yaml(user)).expect("kubeconfig parses");
    let server = TestServer::with_kubeconfig(kubeconfig, ServerConfig::default()).await;
    (sim, server)
}

/// Node-shell pods in kube-system (the sweeper's label), by name.
pub fn node_shells(sim: &Sim) -> Vec<String> {
    sim.store()
        .list(&pods(), Some("kube-system"))
        .iter()
        .filter(|pod| pod.value()["metadata"]["labels"]["wheelhouse.dev/node-shell"] == "true")
        .map(|pod| pod.name().to_string())
        .collect()
}

pub fn pods() -> wheelhouse_sim::GroupResource {
    wheelhouse_sim::GroupResource::core("pods")
}

pub fn pod(namespace: &str, name: &str, labels: Value) -> Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Running"}
    })
}

pub fn namespace(name: &str) -> Value {
    serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

/// A live socket (`/api/v1/live`) of a test server.
pub type LiveSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the server's live socket.
pub async fn live_socket(server: &TestServer) -> LiveSocket {
    let url = format!("ws://{}/api/v1/live", server.address);
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the socket opens");
    socket
}

/// The next live message other than a heartbeat, as JSON.
pub async fn next_message(socket: &mut LiveSocket, deadline: tokio::time::Instant) -> Value {
    use futures::StreamExt as _;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("a message within the time limit")
            .expect("the socket stays open")
            .expect("a message");
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            if value["event"] != "heartbeat" {
                return value;
            }
        }
    }
}

/// Unsubscribes `id`, and returns once the socket has done it: messages are handled in order,
/// so when a subscription sent after the unsubscribe answers, the unsubscribe is done.
pub async fn unsubscribe_and_settle(
    socket: &mut LiveSocket,
    id: &str,
    deadline: tokio::time::Instant,
) {
    use futures::SinkExt as _;
    let send =
        |value: Value| tokio_tungstenite::tungstenite::Message::Text(value.to_string().into());
    socket
        .send(send(serde_json::json!({"op": "unsubscribe", "id": id})))
        .await
        .expect("sent");
    socket
        .send(send(serde_json::json!(
            {"op": "subscribe", "id": "marker", "path": "/api/v1/watch/core/v1/nodes"}
        )))
        .await
        .expect("sent");
    loop {
        let message = next_message(socket, deadline).await;
        if message["id"] == "marker" && message["event"] == "snapshot" {
            return;
        }
    }
}
