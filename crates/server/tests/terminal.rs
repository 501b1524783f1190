//! A shell in a container through `/api/v1/terminal`, against the sim's exec (its tiny shell):
//! typing and output, the exit status, a container without a shell, and a person who may not
//! exec.

mod common;

use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(server: &common::TestServer, path: &str) -> Socket {
    let url = format!("ws://{}/{path}", server.address);
    tokio_tungstenite::connect_async(url)
        .await
        .expect("the socket opens")
        .0
}

/// Reads until a text event arrives; the output seen on the way and the event.
async fn until_event(socket: &mut Socket) -> (String, Value) {
    let mut output = String::new();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("the socket is open")
            .expect("a message");
        match message {
            Message::Binary(bytes) => output.push_str(&String::from_utf8_lossy(&bytes)),
            Message::Text(text) => return (output, serde_json::from_str(&text).expect("JSON")),
            Message::Close(_) => panic!("closed without an event; output: {output}"),
            _ => {}
        }
    }
}

/// Reads output until it contains `expected`.
async fn until_output(socket: &mut Socket, expected: &str) -> String {
    let mut output = String::new();
    while !output.contains(expected) {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {expected:?} within 10 s; output: {output}"))
            .expect("the socket is open")
            .expect("a message");
        match message {
            Message::Binary(bytes) => output.push_str(&String::from_utf8_lossy(&bytes)),
            Message::Text(text) => panic!("an event before {expected:?}: {text}; output: {output}"),
            _ => {}
        }
    }
    output
}

async fn type_keys(socket: &mut Socket, keys: &str) {
    socket
        .send(Message::Binary(keys.as_bytes().to_vec().into()))
        .await
        .expect("sent");
}

/// A console (as `user`) on a quiet sim holding one running pod `shop/{name}` of `image`.
async fn console_with_pod(
    user: &str,
    name: &str,
    image: &str,
) -> (wheelhouse_sim::Sim, common::TestServer) {
    let (sim, server) = common::quiet_server(user).await;
    sim.store()
        .create(&common::pods(), true, pod_with_image(name, image))
        .expect("pod");
    (sim, server)
}

fn pod_with_image(name: &str, image: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": image}]},
        "status": {"phase": "Running"}})
}

#[tokio::test]
async fn a_shell_runs_what_is_typed_and_says_how_it_exited() {
    let (_sim, server) = console_with_pod("admin", "web", "nginx").await;
    let mut socket = open(
        &server,
        "api/v1/terminal/shop/web?container=app&cols=100&rows=30",
    )
    .await;
    let (_, started) = until_event(&mut socket).await;
    assert_eq!(started, json!({"type": "started", "shell": "bash"}));
    type_keys(&mut socket, "echo hello from the terminal\r").await;
    until_output(&mut socket, "hello from the terminal").await;
    socket
        .send(Message::Text(
            json!({"type": "resize", "cols": 120, "rows": 40})
                .to_string()
                .into(),
        ))
        .await
        .expect("sent");
    type_keys(&mut socket, "exit 3\r").await;
    let (_, ended) = until_event(&mut socket).await;
    assert_eq!(ended, json!({"type": "exited", "code": 3}));
}

#[tokio::test]
async fn a_container_without_a_shell_says_which_were_tried_and_what_to_do() {
    let (_sim, server) =
        console_with_pod("admin", "static", "gcr.io/distroless/static:nonroot").await;
    let mut socket = open(&server, "api/v1/terminal/shop/static?container=app").await;
    let (_, failed) = until_event(&mut socket).await;
    assert_eq!(failed["type"], "failed");
    assert_eq!(failed["reason"], "NoShell");
    let message = failed["message"].as_str().expect("message");
    assert!(
        message.contains("bash, sh")
            && message.contains("executable file not found")
            && message.contains("debug container"),
        "{message}"
    );
}

#[tokio::test]
async fn the_configured_shell_is_tried_after_bash_and_sh_and_a_working_one_opens() {
    let server = common::TestServer::on_sim(
        wheelhouse_sim::SimConfig::default()
            .scenario(wheelhouse_sim::Scenario::Empty)
            .controllers(false),
        "admin",
        wheelhouse_server::ServerConfig::default().terminal_shell(Some("/busybox/sh".into())),
    )
    .await;
    let sim = server.sim.as_ref().expect("a sim");
    for (name, image) in [
        ("static", "gcr.io/distroless/static:nonroot"),
        ("web", "nginx:1.27"),
    ] {
        sim.store()
            .create(&common::pods(), true, pod_with_image(name, image))
            .expect("pod");
    }
    // No shell at all: the message lists the three tried, the configured one last.
    let mut socket = open(&server, "api/v1/terminal/shop/static?container=app").await;
    let (_, failed) = until_event(&mut socket).await;
    assert_eq!(failed["reason"], "NoShell", "{failed}");
    let message = failed["message"].as_str().expect("message");
    assert!(message.contains("(bash, sh, /busybox/sh)"), "{message}");
    // An image with bash opens it first.
    let mut socket = open(&server, "api/v1/terminal/shop/web?container=app").await;
    let (_, started) = until_event(&mut socket).await;
    assert_eq!(started, json!({"type": "started", "shell": "bash"}));
}

#[tokio::test]
async fn a_debug_container_gives_a_shell_next_to_a_container_that_has_none() {
    let (sim, server) =
        console_with_pod("admin", "static", "gcr.io/distroless/static:nonroot").await;
    let mut socket = open(&server, "api/v1/terminal/shop/static?container=app&debug=").await;
    let (_, started) = until_event(&mut socket).await;
    assert_eq!(started["type"], "started", "{started}");
    type_keys(&mut socket, "echo in-the-debugger\r").await;
    until_output(&mut socket, "in-the-debugger").await;
    let pod = sim
        .store()
        .get(&common::pods(), "shop", "static")
        .expect("the pod")
        .value()
        .clone();
    let debugger = &pod["spec"]["ephemeralContainers"][0];
    assert_eq!(debugger["image"], "busybox:1.37");
    assert_eq!(debugger["targetContainerName"], "app");
    assert!(
        debugger["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("debugger-"))
    );
}

#[tokio::test]
async fn a_person_who_may_not_exec_is_told_so_and_nothing_runs() {
    let (_sim, server) = console_with_pod("viewer", "web", "nginx").await;
    let mut socket = open(&server, "api/v1/terminal/shop/web?container=app").await;
    let (output, failed) = until_event(&mut socket).await;
    assert!(output.is_empty());
    assert_eq!(failed["type"], "failed");
    assert_eq!(failed["reason"], "Forbidden", "{failed}");
    assert!(
        failed["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("viewer may not create pods/exec in namespace shop")),
        "{failed}"
    );
}

async fn until_no_node_shells(sim: &wheelhouse_sim::Sim) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !common::node_shells(sim).is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "node-shell pods left behind: {:?}",
            common::node_shells(sim)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_node_shell_runs_in_a_privileged_pod_that_is_gone_when_the_browser_drops() {
    let server = common::TestServer::on_sim(
        wheelhouse_sim::SimConfig::default().scenario(wheelhouse_sim::Scenario::Demo),
        "admin",
        wheelhouse_server::ServerConfig::default(),
    )
    .await;
    let sim = server.sim.as_ref().expect("a sim");
    let mut socket = open(&server, "api/v1/node-shell/worker-1").await;
    let (_, started) = until_event(&mut socket).await;
    assert_eq!(started["type"], "started", "{started}");
    let pods = common::node_shells(sim);
    assert_eq!(pods.len(), 1);
    let pod = sim
        .store()
        .get(&common::pods(), "kube-system", &pods[0])
        .expect("the pod")
        .value()
        .clone();
    assert_eq!(pod["spec"]["nodeName"], "worker-1");
    assert_eq!(pod["spec"]["hostPID"], true);
    assert_eq!(
        pod["spec"]["containers"][0]["securityContext"]["privileged"],
        true
    );
    type_keys(&mut socket, "echo on-the-node\r").await;
    until_output(&mut socket, "on-the-node").await;
    // The browser goes away without a word: the pod goes too.
    drop(socket);
    until_no_node_shells(sim).await;
}

/// A TCP relay to `target` that forwards until `cut` is set, then forwards nothing more in either
/// direction and closes nothing: a network that went away.
async fn cutting_relay(
    target: std::net::SocketAddr,
) -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let cut = std::sync::Arc::new(AtomicBool::new(false));
    let relay_cut = cut.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = tokio::net::TcpStream::connect(target)
                .await
                .expect("connect");
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            for (mut from, mut to) in [(client_read, server_write), (server_read, client_write)] {
                let cut = relay_cut.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 16 * 1024];
                    while let Ok(n) = from.read(&mut buffer).await {
                        if n == 0 || cut.load(Ordering::SeqCst) {
                            break;
                        }
                        if to.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                    }
                    if cut.load(Ordering::SeqCst) {
                        // Both ends stay open and unanswered.
                        std::future::pending::<()>().await;
                    }
                });
            }
        }
    });
    (address, cut)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_shell_whose_network_is_cut_is_closed_and_its_pod_deleted() {
    let server = common::TestServer::on_sim(
        wheelhouse_sim::SimConfig::default().scenario(wheelhouse_sim::Scenario::Demo),
        "admin",
        wheelhouse_server::ServerConfig::default().terminal_ping(Duration::from_millis(500)),
    )
    .await;
    let sim = server.sim.as_ref().expect("a sim");
    let (relay, cut) = cutting_relay(server.address).await;
    let url = format!("ws://{relay}/api/v1/node-shell/worker-2");
    let mut socket = tokio_tungstenite::connect_async(url)
        .await
        .expect("the socket opens")
        .0;
    let (_, started) = until_event(&mut socket).await;
    assert_eq!(started["type"], "started", "{started}");
    type_keys(&mut socket, "echo before-the-cut\r").await;
    until_output(&mut socket, "before-the-cut").await;
    // Quiet for longer than three pings while connected: the browser answers them, so the shell
    // stays.
    let reader = tokio::spawn(async move {
        while let Some(Ok(_)) = socket.next().await {}
        socket
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        common::node_shells(sim).len(),
        1,
        "a quiet, connected shell is kept"
    );
    cut.store(true, std::sync::atomic::Ordering::SeqCst);
    // Nothing is closed; only the missing answers to its pings tell the console.
    until_no_node_shells(sim).await;
    reader.abort();
}

#[tokio::test]
async fn node_shell_pods_left_by_a_crash_are_swept_when_the_console_starts() {
    let sim = wheelhouse_sim::Sim::start(
        wheelhouse_sim::SimConfig::default()
            .scenario(wheelhouse_sim::Scenario::Empty)
            .controllers(false),
    )
    .await
    .expect("the sim starts");
    let stale = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "wheelhouse-node-shell-old", "namespace": "kube-system",
            "labels": {"wheelhouse.dev/node-shell": "true"},
            "annotations": {"wheelhouse.dev/heartbeat": "2026-01-01T00:00:00Z"}},
        "spec": {"containers": [{"name": "shell", "image": "busybox:1.37"}]}});
    let alive = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "wheelhouse-node-shell-live", "namespace": "kube-system",
            "labels": {"wheelhouse.dev/node-shell": "true"},
            "annotations": {"wheelhouse.dev/heartbeat": jiff::Timestamp::now().to_string()}},
        "spec": {"containers": [{"name": "shell", "image": "busybox:1.37"}]}});
    for pod in [stale, alive] {
        sim.store().create(&common::pods(), true, pod).expect("pod");
    }
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let _server =
        common::TestServer::with_kubeconfig(kubeconfig, wheelhouse_server::ServerConfig::default())
            .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while common::node_shells(&sim).len() != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not swept: {:?}",
            common::node_shells(&sim)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        common::node_shells(&sim),
        ["wheelhouse-node-shell-live"],
        "a live shell is kept"
    );
}

#[tokio::test]
async fn a_person_who_may_not_make_pods_there_gets_no_node_shell_and_is_told_why() {
    let (_sim, server) = common::quiet_server("viewer").await;
    let mut socket = open(&server, "api/v1/node-shell/worker-1").await;
    let (_, failed) = until_event(&mut socket).await;
    assert_eq!(failed["reason"], "Forbidden");
    assert!(
        failed["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("viewer may not create pods in namespace kube-system")),
        "{failed}"
    );
}

#[tokio::test]
async fn a_namespace_whose_pod_security_forbids_privileged_pods_gives_that_reason() {
    let server = common::TestServer::on_sim(
        wheelhouse_sim::SimConfig::default().scenario(wheelhouse_sim::Scenario::Demo),
        "admin",
        wheelhouse_server::ServerConfig {
            node_shell: wheelhouse_server::terminal::NodeShellConfig {
                namespace: "locked".into(),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let sim = server.sim.as_ref().expect("a sim");
    sim.store()
        .create(
            &wheelhouse_sim::GroupResource::core("namespaces"),
            false,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "locked",
                "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}}),
        )
        .expect("namespace");
    let mut socket = open(&server, "api/v1/node-shell/worker-1").await;
    let (_, failed) = until_event(&mut socket).await;
    assert_eq!(failed["type"], "failed", "{failed}");
    assert_eq!(failed["reason"], "Forbidden");
    let message = failed["message"].as_str().expect("message");
    assert!(
        message.contains("violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), privileged (container \"shell\" must not set securityContext.privileged=true)"),
        "{message}"
    );
    let left: Vec<String> = sim
        .store()
        .list(&common::pods(), Some("locked"))
        .iter()
        .map(|pod| pod.value()["metadata"]["name"].to_string())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_that_stops_reading_has_its_terminal_closed() {
    let (_sim, server) = console_with_pod("admin", "web", "nginx").await;
    let mut socket = open(&server, "api/v1/terminal/shop/web?container=app").await;
    let (_, started) = until_event(&mut socket).await;
    assert_eq!(started["type"], "started", "{started}");
    // A writer faster than any reader, and a browser that reads nothing more.
    type_keys(&mut socket, "yes\r").await;
    tokio::time::sleep(Duration::from_secs(40)).await;
    // The console gave up on this browser: what was buffered drains, then the socket ends, long
    // before `yes` would have finished its 64 MiB.
    let drained = tokio::time::timeout(Duration::from_secs(20), async {
        let mut bytes = 0usize;
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Binary(data) = message {
                bytes += data.len();
            }
        }
        bytes
    })
    .await
    .expect("the socket ends");
    assert!(drained < 48 * 1024 * 1024, "{drained} bytes arrived");
}
