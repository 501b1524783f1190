//! `wheelhouse port-forward` as a person runs it: the real `wheelhouse serve` on the sim, the
//! real `wheelhouse port-forward` beside it, bytes sent through a local TCP port; the pod behind
//! the Service deleted (the sim's Deployment controller replaces it) and the next connection
//! reaching the new pod; a person who may not forward told the API server's reason.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, ResourceExt as _};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wheelhouse_sim::{Scenario, Sim, SimConfig};

/// A running `wheelhouse port-forward`: the local address it listens on and what it says on
/// stderr, killed when dropped.
struct Forwarding {
    child: Child,
    address: String,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Forwarding {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(mut from: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let into = text.clone();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = from.read(&mut buffer) {
            if n == 0 {
                break;
            }
            into.lock()
                .expect("lock")
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    });
    text
}

fn port_forward(cache: &std::path::Path, args: &[&str]) -> Child {
    Command::new(common::BINARY)
        .arg("port-forward")
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env("HOME", "/nonexistent-home")
        .env_remove("WHEELHOUSE_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Starts port-forward and waits for its "Forwarding from ADDRESS -> …" line.
fn start_forwarding(cache: &std::path::Path, args: &[&str]) -> Forwarding {
    let mut child = port_forward(cache, args);
    let stderr = collect(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line on stdout");
    let address = line
        .strip_prefix("Forwarding from ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| {
            panic!(
                "no 'Forwarding from' line: {line:?}; stderr: {}",
                stderr.lock().expect("lock")
            )
        })
        .to_string();
    Forwarding {
        child,
        address,
        stderr,
    }
}

/// One HTTP request through the local port: the pod that answered `/echo`.
async fn echo_through(address: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("the local port accepts");
    stream
        .write_all(b"GET /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("sent");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_string(&mut answer))
        .await
        .expect("an answer within 60 s")
        .expect("read to the end");
    let at = answer
        .find("\"pod\":\"")
        .unwrap_or_else(|| panic!("no pod in the answer: {answer:?}"));
    let rest = &answer[at + 7..];
    rest[..rest.find('"').expect("the name ends")].to_string()
}

async fn admin(sim: &Sim) -> Client {
    let config = kube::Config::from_custom_kubeconfig(
        Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("parses"),
        &KubeConfigOptions::default(),
    )
    .await
    .expect("config");
    Client::try_from(config).expect("client")
}

/// The ready pods of the Deployment `echo`.
async fn ready_echo_pods(pods: &Api<Pod>) -> Vec<String> {
    pods.list(&ListParams::default().labels("app=echo"))
        .await
        .expect("pods")
        .items
        .into_iter()
        .filter(|p| {
            p.metadata.deletion_timestamp.is_none()
                && p.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .into_iter()
                    .flatten()
                    .any(|c| c.type_ == "Ready" && c.status == "True")
        })
        .map(|p| p.name_any())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn port_forward_carries_bytes_follows_a_replaced_pod_and_gives_the_api_servers_refusal() {
    wheelhouse_tls::install_crypto_provider();
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo))
        .await
        .expect("sim");
    let client = admin(&sim).await;
    let dir = tempfile::tempdir().expect("dir");
    let cache = dir.path().join("cache");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let kubeconfig = kubeconfig.to_str().expect("UTF-8").to_string();

    // A Deployment of one pod listening on 8080, behind the Service `echo` on port 80.
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(client.clone(), "shop");
    deployments
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "echo", "namespace": "shop"},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "echo"}},
                    "template": {"metadata": {"labels": {"app": "echo"}},
                        "spec": {"containers": [{"name": "echo", "image": "ghcr.io/wheelhouse-demo/echo:1.0",
                            "ports": [{"name": "http", "containerPort": 8080}]}]}}}
            }))
            .expect("deployment"),
        )
        .await
        .expect("created");
    Api::<k8s_openapi::api::core::v1::Service>::namespaced(client.clone(), "shop")
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({
                "metadata": {"name": "echo", "namespace": "shop"},
                "spec": {"selector": {"app": "echo"}, "ports": [{"port": 80, "targetPort": "http"}]}
            }))
            .expect("service"),
        )
        .await
        .expect("created");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
    let mut first = Vec::new();
    for _ in 0..240 {
        first = ready_echo_pods(&pods).await;
        if !first.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let first = first
        .pop()
        .expect("the Deployment's pod is ready within 60 s");

    // The console on the kubeconfig (local mode): it writes its token for the command line.
    let cache_text = cache.to_str().expect("UTF-8").to_string();
    let console = common::Running::start_with(
        &[
            "serve",
            "--kubeconfig",
            &kubeconfig,
            "--listen",
            "127.0.0.1:0",
        ],
        &[("XDG_CACHE_HOME", &cache_text)],
    );
    let url = console.url();
    let port = url.rsplit(':').next().expect("port").trim_end_matches('/');
    let token_file = cache.join(format!("wheelhouse/consoles/{port}.token"));
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&token_file)
            .expect("the token file is written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only the user may read the token");
    }

    let forwarding = start_forwarding(&cache, &["--console", &url, "shop/svc/echo", "0:80"]);
    assert_eq!(echo_through(&forwarding.address).await, first);
    assert_eq!(echo_through(&forwarding.address).await, first, "again");

    // The pod is deleted; the Deployment's controller makes another; the next connection
    // reaches it (re-resolved by the console, retried by the command while none is ready).
    pods.delete(&first, &DeleteParams::default())
        .await
        .expect("deleted");
    let second = echo_through(&forwarding.address).await;
    assert_ne!(second, first, "a new pod answers");
    assert!(
        ready_echo_pods(&pods).await.contains(&second),
        "{second} is the Deployment's new pod"
    );
    let said = forwarding.stderr.lock().expect("lock").clone();
    println!("port-forward said:\n{said}");
    assert!(
        said.contains(&format!("now reaches pod {second} (was {first})")),
        "{said}"
    );
    drop(forwarding);

    // A wrong token is refused, and the command says so and stops.
    let refused = port_forward(
        &cache,
        &[
            "--console",
            &url,
            "--token",
            "not-the-token",
            "shop/svc/echo",
            "0:80",
        ],
    )
    .wait_with_output()
    .expect("it ends");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("the token is not this console's") && said.contains("(401)"),
        "{said}"
    );
    assert!(console.stop_with("TERM"), "the console stops");
    assert!(!token_file.exists(), "the token goes with the console");

    // With --login token, each person brings their own token; `restricted` may not forward.
    let console = common::Running::start_with(
        &[
            "serve",
            "--kubeconfig",
            &kubeconfig,
            "--listen",
            "127.0.0.1:0",
            "--login",
            "token",
        ],
        &[("XDG_CACHE_HOME", &cache_text)],
    );
    let url = console.url();
    let team_a: Vec<Pod> = Api::<Pod>::namespaced(client.clone(), "team-a")
        .list(&ListParams::default())
        .await
        .expect("pods")
        .items;
    let target = format!(
        "team-a/pod/{}",
        team_a.first().expect("a team-a pod").name_any()
    );
    let token = sim.token("restricted").expect("token");
    let refused = port_forward(
        &cache,
        &["--console", &url, "--token", token, &target, "0:8080"],
    )
    .wait_with_output()
    .expect("it ends");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("restricted may not create pods/portforward in namespace team-a")
            && said.contains("(403)"),
        "{said}"
    );
    drop(console);
    sim.shutdown().await;
}
