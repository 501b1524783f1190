//! `/api/v1/port-forward`: a TCP stream to a pod's or a Service's port through the sim's
//! `pods/portforward`, for command-line clients only: their bearer credential is the console's
//! token in local mode and the person's own Kubernetes token with `--login token`; browsers,
//! missing and wrong tokens are refused, and the API server's refusal reaches the person.

mod common;

use std::time::Duration;

use common::TestServer;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::session::{LoginConfig, LoginMode};
use wheelhouse_sim::{GroupResource, Scenario, Sim, SimConfig};

const TOKEN: &str = "the-console-token-for-tests";

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A sim with `team-a/web-1` (port 8080) behind the Service `team-a/web` (port 80).
async fn sim() -> Sim {
    let sim = Sim::start(
        SimConfig::default()
            .scenario(Scenario::Empty)
            .controllers(false),
    )
    .await
    .expect("the sim starts");
    let store = sim.store();
    store
        .create(
            &common::pods(),
            true,
            json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "team-a", "labels": {"app": "web"},
                "creationTimestamp": "2026-12-07T00:00:00Z"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "nginx",
                "ports": [{"name": "http", "containerPort": 8080}]}]},
            "status": {"phase": "Running", "podIP": "10.1.0.5",
                "conditions": [{"type": "Ready", "status": "True"}]}}),
        )
        .expect("pod");
    store
        .create(&GroupResource::core("services"), true, json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "team-a"},
            "spec": {"selector": {"app": "web"}, "ports": [{"name": "web", "port": 80, "targetPort": "http"}]}}))
        .expect("service");
    sim
}

async fn local_console(sim: &Sim) -> TestServer {
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let login = LoginConfig {
        command_line_token: Some(TOKEN.into()),
        ..LoginConfig::default()
    };
    TestServer::with_kubeconfig(kubeconfig, ServerConfig::default().login(login)).await
}

async fn open(
    server: &TestServer,
    path: &str,
    headers: &[(&'static str, &str)],
) -> Result<Socket, (u16, Value)> {
    let mut request = format!("ws://{}/{path}", server.address)
        .into_client_request()
        .expect("request");
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(*name, value.parse().expect("header value"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(WsError::Http(answer)) => Err((
            answer.status().as_u16(),
            serde_json::from_slice(answer.body().as_deref().unwrap_or_default())
                .unwrap_or(Value::Null),
        )),
        Err(other) => panic!("the handshake failed: {other}"),
    }
}

async fn next(socket: &mut Socket) -> Message {
    tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("a message within 10 s")
        .expect("the socket is open")
        .expect("a message")
}

/// Sends an HTTP request through the socket and reads until the pod closes the connection.
async fn http(socket: &mut Socket, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    socket
        .send(Message::Binary(request.into_bytes().into()))
        .await
        .expect("sent");
    let mut answer = String::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("in time")
        {
            Some(Ok(Message::Binary(bytes))) => answer.push_str(&String::from_utf8_lossy(&bytes)),
            Some(Ok(Message::Close(_))) | None => return answer,
            Some(Ok(Message::Text(text))) => panic!("an event: {text}; so far: {answer}"),
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("{e}; so far: {answer}"),
        }
    }
}

#[tokio::test]
async fn a_service_port_reaches_the_pod_behind_it_with_the_consoles_token() {
    let sim = sim().await;
    let server = local_console(&sim).await;
    let bearer = format!("Bearer {TOKEN}");
    let mut socket = open(
        &server,
        "api/v1/port-forward/team-a/svc/web?port=80",
        &[("authorization", &bearer)],
    )
    .await
    .expect("opened");
    let Message::Text(first) = next(&mut socket).await else {
        panic!("the first message is an event");
    };
    assert_eq!(
        serde_json::from_str::<Value>(first.as_str()).expect("JSON"),
        json!({"type": "connected", "pod": "web-1", "port": 8080})
    );
    let answer = http(&mut socket, "/echo").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("\"pod\":\"web-1\""), "{answer}");

    // Without an upgrade the same GET checks the target: the pod and port it reaches now.
    let checked = common::client()
        .get(server.url("api/v1/port-forward/team-a/pod/web-1?port=http"))
        .header("authorization", &bearer)
        .send()
        .await
        .expect("an answer");
    assert_eq!(checked.status(), 200);
    assert_eq!(
        common::json(checked).await,
        json!({"pod": "web-1", "port": 8080})
    );
}

#[tokio::test]
async fn a_port_nothing_listens_on_ends_with_the_kubelets_words() {
    let sim = sim().await;
    let server = local_console(&sim).await;
    let bearer = format!("Bearer {TOKEN}");
    let mut socket = open(
        &server,
        "api/v1/port-forward/team-a/pod/web-1?port=9999",
        &[("authorization", &bearer)],
    )
    .await
    .expect("opened");
    let _connected = next(&mut socket).await;
    let Message::Text(failed) = next(&mut socket).await else {
        panic!("an event");
    };
    let failed: Value = serde_json::from_str(failed.as_str()).expect("JSON");
    assert_eq!(failed["type"], "failed");
    let message = failed["message"].as_str().expect("message");
    assert!(
        message.starts_with("error forwarding port 9999 to pod ")
            && message.contains("connection refused"),
        "{message}"
    );
}

#[tokio::test]
async fn browsers_missing_and_wrong_tokens_are_refused() {
    let sim = sim().await;
    let server = local_console(&sim).await;
    let path = "api/v1/port-forward/team-a/svc/web?port=80";
    let own = format!("http://{}", server.address);
    // A page (even the console's own, without a cookie) sends Origin, and cannot leave it out.
    let (status, body) = open(&server, path, &[("origin", &own)])
        .await
        .expect_err("a page is refused");
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("wheelhouse port-forward")),
        "{body}"
    );
    let (status, _) = open(&server, path, &[("sec-fetch-site", "same-origin")])
        .await
        .expect_err("a browser is refused");
    assert_eq!(status, 403);
    let (status, body) = open(&server, path, &[]).await.expect_err("no token");
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--token-file")),
        "{body}"
    );
    let (status, body) = open(&server, path, &[("authorization", "Bearer not-the-token")])
        .await
        .expect_err("a wrong token");
    assert_eq!(status, 401, "{body}");
    // A cross-site page is stopped by the same-origin rules before anything else.
    let (status, _) = open(
        &server,
        path,
        &[
            ("origin", "http://evil.example"),
            ("authorization", "Bearer the-console-token-for-tests"),
        ],
    )
    .await
    .expect_err("another origin");
    assert_eq!(status, 403);
}

#[tokio::test]
async fn with_token_logins_the_persons_own_rights_decide_and_the_api_servers_reason_is_given() {
    let sim = sim().await;
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let login = LoginConfig {
        mode: LoginMode::Login {
            token: true,
            oidc: None,
        },
        command_line_token: Some(TOKEN.into()),
        ..LoginConfig::default()
    };
    let server =
        TestServer::with_kubeconfig(kubeconfig, ServerConfig::default().login(login)).await;
    let path = "api/v1/port-forward/team-a/pod/web-1?port=8080";
    // In login mode the console's own token is no one's.
    let (status, _) = open(
        &server,
        path,
        &[("authorization", &format!("Bearer {TOKEN}"))],
    )
    .await
    .expect_err("not a Kubernetes token");
    assert_eq!(status, 401);
    // `restricted` may read team-a's pods but not forward to them: the API server's words.
    let restricted = format!("Bearer {}", sim.token("restricted").expect("token"));
    let (status, body) = open(&server, path, &[("authorization", &restricted)])
        .await
        .expect_err("forbidden");
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["error"]["message"],
        "pods \"web-1\" is forbidden: User \"restricted\" cannot create resource \"pods/portforward\" in API group \"\" in the namespace \"team-a\""
    );
    let checked = common::client()
        .get(server.url(path))
        .header("authorization", &restricted)
        .send()
        .await
        .expect("an answer");
    assert_eq!(checked.status(), 403);
    let body = common::json(checked).await;
    assert!(
        body["error"]["message"].as_str().is_some_and(
            |m| m.contains("restricted may not create pods/portforward in namespace team-a")
        ),
        "{body}"
    );
    // The admin's own token opens it.
    let admin = format!("Bearer {}", sim.token("admin").expect("token"));
    let mut socket = open(&server, path, &[("authorization", &admin)])
        .await
        .expect("opened");
    let _connected = next(&mut socket).await;
    assert!(http(&mut socket, "/").await.contains("Served by web-1"));
}

#[tokio::test]
async fn behind_a_proxy_the_proxy_names_the_person_and_oidc_alone_takes_no_tokens() {
    use wheelhouse_server::session::ProxySettings;
    let sim = sim().await;
    let proxied = LoginConfig {
        mode: LoginMode::Proxy(ProxySettings {
            secret: "a-long-enough-proxy-secret".into(),
            secret_header: reqwest::header::HeaderName::from_static("x-wheelhouse-proxy-secret"),
            user_header: reqwest::header::HeaderName::from_static("x-remote-user"),
            group_header: reqwest::header::HeaderName::from_static("x-remote-group"),
        }),
        ..LoginConfig::default()
    };
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml("proxy")).expect("kubeconfig");
    let server =
        TestServer::with_kubeconfig(kubeconfig, ServerConfig::default().login(proxied)).await;
    let path = "api/v1/port-forward/team-a/svc/web?port=web";
    let (status, _) = open(&server, path, &[("x-remote-user", "admin")])
        .await
        .expect_err("not through the proxy");
    assert_eq!(status, 401);
    let mut socket = open(
        &server,
        path,
        &[
            ("x-wheelhouse-proxy-secret", "a-long-enough-proxy-secret"),
            ("x-remote-user", "admin"),
        ],
    )
    .await
    .expect("the proxy's person may");
    let _connected = next(&mut socket).await;
    assert!(
        http(&mut socket, "/echo")
            .await
            .contains("\"forwardedFor\":\"admin\"")
    );
    let (status, _) = open(
        &server,
        path,
        &[
            ("x-wheelhouse-proxy-secret", "a-long-enough-proxy-secret"),
            ("x-remote-user", "restricted"),
        ],
    )
    .await
    .expect_err("the proxy's person may not");
    assert_eq!(status, 403);

    let oidc_only = LoginConfig {
        mode: LoginMode::Login {
            token: false,
            oidc: None,
        },
        ..LoginConfig::default()
    };
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let server =
        TestServer::with_kubeconfig(kubeconfig, ServerConfig::default().login(oidc_only)).await;
    let admin = format!("Bearer {}", sim.token("admin").expect("token"));
    let (status, body) = open(&server, path, &[("authorization", &admin)])
        .await
        .expect_err("no tokens taken");
    assert_eq!(status, 401);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--login token,oidc")),
        "{body}"
    );
}

#[tokio::test]
async fn one_person_holds_at_most_64_forwarded_connections_and_gets_one_back_when_one_closes() {
    use wheelhouse_server::quota::MAX_PORT_FORWARDS;
    let sim = sim().await;
    let server = local_console(&sim).await;
    let bearer = format!("Bearer {TOKEN}");
    let path = "api/v1/port-forward/team-a/pod/web-1?port=8080";
    let mut held = Vec::new();
    for _ in 0..MAX_PORT_FORWARDS {
        let mut socket = open(&server, path, &[("authorization", &bearer)])
            .await
            .expect("under the cap");
        assert!(matches!(next(&mut socket).await, Message::Text(_)));
        held.push(socket);
    }
    let (status, body) = open(&server, path, &[("authorization", &bearer)])
        .await
        .expect_err("the one past the cap is refused");
    assert_eq!(status, 429, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("{MAX_PORT_FORWARDS} port-forwarded connections")),
        "{body}"
    );
    // Closing one gives it back (the console notices the close and releases its place).
    let mut closed = held.pop().expect("one");
    closed.close(None).await.expect("closed");
    drop(closed);
    let mut again = None;
    for _ in 0..50 {
        if let Ok(socket) = open(&server, path, &[("authorization", &bearer)]).await {
            again = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut again = again.expect("a place is free again after a close");
    assert!(matches!(next(&mut again).await, Message::Text(_)));
    let answer = http(&mut again, "/echo").await;
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
}
