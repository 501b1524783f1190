//! Clients that misbehave, over real TCP: one that stops reading its live socket, one that never
//! finishes its headers, and a flood of them at the connection cap.

mod common;

use std::time::Duration;

use common::{TestServer, namespace};
use futures::{SinkExt, StreamExt};
use kube::config::Kubeconfig;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::connections::ConnectionLimits;
use wheelhouse_sim::{GroupResource, Scenario, Sim, SimConfig};

async fn server(limits: ConnectionLimits) -> (Sim, TestServer) {
    let sim = Sim::start(
        SimConfig::default()
            .scenario(Scenario::Empty)
            .controllers(false),
    )
    .await
    .expect("the sim starts");
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let server =
        TestServer::with_kubeconfig(kubeconfig, ServerConfig::default().connections(limits)).await;
    (sim, server)
}

/// Reads until the server closes the connection; `Err` with what was read if it is still open at
/// `deadline`.
async fn read_until_closed(
    stream: &mut TcpStream,
    deadline: tokio::time::Instant,
) -> Result<usize, usize> {
    let mut read = 0;
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return Err(read),
            Ok(Ok(0) | Err(_)) => return Ok(read),
            Ok(Ok(n)) => read += n,
        }
    }
}

/// A tab whose socket stops reading while its views have megabytes to send is disconnected once
/// its writes have stalled for `write_stall`; without the bound it would hold the views and
/// their buffers for as long as the client keeps the TCP connection open.
#[tokio::test(flavor = "multi_thread")]
async fn a_websocket_that_stops_reading_is_closed_after_its_writes_stall() {
    let stall = Duration::from_secs(2);
    let (sim, server) = server(ConnectionLimits::default().write_stall(stall)).await;
    let store = sim.store();
    store
        .create(&GroupResource::core("namespaces"), false, namespace("big"))
        .expect("namespace");
    // 500 rows with long names: a page of them is a snapshot of a few hundred KiB.
    for i in 0..500 {
        let name = format!("{0}.{0}.{0}.c{i:04}", "x".repeat(60));
        let map = json!({"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": name, "namespace": "big",
                                      "labels": {"app": "a".repeat(60), "tier": "b".repeat(60)}}});
        store
            .create(&GroupResource::core("configmaps"), true, map)
            .expect("configmap");
    }

    // A small receive buffer, so the kernel does not read megabytes on the client's behalf.
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer size");
    let stream = socket.connect(server.address).await.expect("connects");
    let url = format!("ws://{}/api/v1/live", server.address);
    let (mut live, _) = tokio_tungstenite::client_async(url, stream)
        .await
        .expect("the socket opens");
    use tokio_tungstenite::tungstenite::Message;
    let path = "/api/v1/watch/core/v1/configmaps?namespace=big&pageSize=500";
    live.send(Message::Text(
        json!({"op": "subscribe", "id": "first", "path": path})
            .to_string()
            .into(),
    ))
    .await
    .expect("sent");
    // The first snapshot arrives while the client reads.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let message = tokio::time::timeout_at(deadline, live.next())
            .await
            .expect("a snapshot in time")
            .expect("open")
            .expect("a message");
        if message.to_text().is_ok_and(|t| t.contains(r#""ready""#)) {
            break;
        }
    }
    // Then 60 more views of the same page (some 20 MiB to send), and it stops reading.
    for i in 0..60 {
        live.send(Message::Text(
            json!({"op": "subscribe", "id": format!("s{i}"), "path": path})
                .to_string()
                .into(),
        ))
        .await
        .expect("sent");
    }
    let mut stream = live.into_inner();
    tokio::time::sleep(stall + Duration::from_secs(3)).await;

    // Reading again drains what was sent before the stall and then finds the connection closed;
    // had it stayed open, the views would still be sending (and their heartbeats would follow).
    let drained = read_until_closed(
        &mut stream,
        tokio::time::Instant::now() + Duration::from_secs(15),
    )
    .await
    .unwrap_or_else(|read| {
        panic!("the server kept the stalled socket open ({read} bytes read after the pause)")
    });
    assert!(
        drained < 20 * 1024 * 1024,
        "the server stopped writing at the stall, not after sending everything: {drained} bytes"
    );
}

/// A client that starts a request and never finishes its headers is closed after `header_read`.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_never_finishes_its_headers_is_closed() {
    let (_sim, server) =
        server(ConnectionLimits::default().header_read(Duration::from_secs(1))).await;
    let mut slow = TcpStream::connect(server.address).await.expect("connects");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .expect("sent");
    let closed = read_until_closed(
        &mut slow,
        tokio::time::Instant::now() + Duration::from_secs(10),
    )
    .await;
    assert!(closed.is_ok(), "the half-sent request was kept open");

    // A connection left idle after an answer is closed the same way.
    let mut idle = TcpStream::connect(server.address).await.expect("connects");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("sent");
    let closed = read_until_closed(
        &mut idle,
        tokio::time::Instant::now() + Duration::from_secs(10),
    )
    .await;
    assert!(
        closed.is_ok(),
        "the idle keep-alive connection was kept open"
    );
}

/// At the cap, a flood of connections that send nothing makes room for the probe, which is
/// answered every time; connections with a request in flight are not the ones closed.
#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_silent_connections_at_the_cap_does_not_stop_the_probes() {
    let (_sim, server) = server(
        ConnectionLimits::default()
            .max(32)
            .header_read(Duration::from_secs(60)),
    )
    .await;
    // A live event stream is open before the flood, and stays open through it.
    let client = common::client();
    let mut stream = client
        .get(server.url("api/v1/watch/core/v1/namespaces"))
        .send()
        .await
        .expect("the event stream opens");
    assert_eq!(stream.status(), 200);
    let first = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
        .await
        .expect("a first event")
        .expect("readable");
    assert!(first.is_some());

    let mut flood = Vec::new();
    for _ in 0..200 {
        let mut connection = TcpStream::connect(server.address).await.expect("connects");
        let _ = connection.write_all(b"GET /healthz HTTP/1.1\r\n").await;
        flood.push(connection);
    }
    for _ in 0..5 {
        let probe = tokio::time::timeout(Duration::from_secs(5), async {
            let mut connection = TcpStream::connect(server.address).await?;
            connection
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .await?;
            let mut answer = String::new();
            connection.read_to_string(&mut answer).await?;
            std::io::Result::Ok(answer)
        })
        .await
        .expect("the probe was answered in time")
        .expect("the probe was answered");
        assert!(probe.starts_with("HTTP/1.1 200"), "{probe}");
        for _ in 0..40 {
            let mut connection = TcpStream::connect(server.address).await.expect("connects");
            let _ = connection.write_all(b"GET /healthz HTTP/1.1\r\n").await;
            flood.push(connection);
        }
    }
    // Most of the flood was closed to make room; the event stream was not.
    let mut closed = 0;
    for connection in &mut flood {
        let mut byte = [0; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(20), connection.read(&mut byte)).await
        {
            closed += 1;
        }
    }
    assert!(
        closed >= flood.len() - 32,
        "{closed} of {} closed",
        flood.len()
    );
    let still = tokio::time::timeout(Duration::from_secs(20), stream.chunk())
        .await
        .expect("the stream still sends (a heartbeat within 15 s)")
        .expect("the stream is still open");
    assert!(still.is_some(), "the event stream ended");
}

/// A person holds at most 32 live connections: the 33rd event stream is refused with 429 and a
/// sentence, a live socket over the cap answers each subscription with that refusal (so the web
/// app shows it where the view would be), and closing one makes room again.
#[tokio::test(flavor = "multi_thread")]
async fn a_person_holds_at_most_32_live_connections_and_is_told_why_at_the_cap() {
    use wheelhouse_server::quota::MAX_LIVE_CONNECTIONS;
    let (_sim, server) = server(ConnectionLimits::default()).await;
    let client = common::client();
    let url = server.url("api/v1/watch/core/v1/namespaces");
    let mut open = Vec::new();
    for _ in 0..MAX_LIVE_CONNECTIONS {
        let stream = client.get(&url).send().await.expect("answered");
        assert_eq!(stream.status(), 200);
        open.push(stream);
    }
    let refused = client.get(&url).send().await.expect("answered");
    assert_eq!(refused.status(), 429);
    let body = common::json(refused).await;
    assert_eq!(body["error"]["reason"], "TooManyRequests");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(message.contains("32 live connections"), "{message}");

    let mut live = common::live_socket(&server).await;
    use tokio_tungstenite::tungstenite::Message;
    live.send(Message::Text(
        json!({"op": "subscribe", "id": "v", "path": "/api/v1/watch/core/v1/namespaces"})
            .to_string()
            .into(),
    ))
    .await
    .expect("sent");
    let answer = common::next_message(
        &mut live,
        tokio::time::Instant::now() + Duration::from_secs(10),
    )
    .await;
    assert_eq!(answer["id"], "v");
    assert_eq!(answer["event"], "error");
    assert_eq!(answer["data"]["error"]["reason"], "TooManyRequests");
    drop(live);

    drop(open.pop());
    // The stream's end reaches the server when it next writes or reads; give it a moment.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let again = client.get(&url).send().await.expect("answered");
        if again.status() == 200 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "closing a stream did not make room"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
