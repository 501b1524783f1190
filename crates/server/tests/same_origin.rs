//! The attacks of "nothing outside may drive the console", each tried against the real server
//! on the sim: what a hostile page, a rebound name or a hostile body can and cannot do, and that
//! the console's own pages still can.

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, json};
use kube::api::{Api, DynamicObject};
use kube::discovery::ApiResource;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use wheelhouse_server::ServerConfig;

const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted\n  namespace: default\ndata:\n  by: attacker\n";

/// Whether the ConfigMap `default/planted` exists in the sim, asked as its admin.
async fn planted(server: &TestServer) -> bool {
    let resource = ApiResource::erase::<k8s_openapi::api::core::v1::ConfigMap>(&());
    let api: Api<DynamicObject> = Api::namespaced_with(server.kube().await, "default", &resource);
    api.get_opt("planted")
        .await
        .expect("the sim answers")
        .is_some()
}

fn origin(server: &TestServer) -> String {
    format!("http://{}", server.address)
}

#[tokio::test]
async fn a_page_of_another_origin_cannot_apply_anything_whatever_it_sends() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let client = common::client();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/yaml",
    ] {
        let response = client
            .post(server.url("api/v1/apply"))
            .header("origin", "http://evil.example")
            .header("content-type", content_type)
            .body(CONFIG_MAP)
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 403, "{content_type}");
        let body = json(response).await;
        assert_eq!(body["error"]["reason"], "CrossOriginRequest", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("http://evil.example")),
            "{body}"
        );
    }
    // An old browser that sends no Origin: only the type of its body gives it away.
    let response = client
        .post(server.url("api/v1/apply"))
        .header("content-type", "text/plain")
        .body(CONFIG_MAP)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 403);
    assert_eq!(
        json(response).await["error"]["details"]["check"],
        "contentType"
    );
    // A modern one without Origin still says where the request came from.
    let response = client
        .post(server.url("api/v1/apply"))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/yaml")
        .body(CONFIG_MAP)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 403);
    assert!(!planted(&server).await, "nothing was created");

    // The console's own page, sending the same YAML, may.
    let response = client
        .post(server.url("api/v1/apply"))
        .header("origin", origin(&server))
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/yaml")
        .body(CONFIG_MAP)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await["results"][0]["result"], "created");
    assert!(planted(&server).await);
}

#[tokio::test]
async fn a_bodyless_change_needs_the_client_header_or_the_consoles_origin() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let client = common::client();
    let url = server.url("api/v1/resources/apps/v1/deployments/frontend/restart?namespace=shop");
    let refused = client.post(&url).send().await.expect("answer");
    assert_eq!(refused.status(), 403);
    let from_elsewhere = client
        .post(&url)
        .header("origin", "http://127.0.0.1:1")
        .header(wheelhouse_server::same_origin::CLIENT_HEADER, "web")
        .send()
        .await
        .expect("answer");
    assert_eq!(
        from_elsewhere.status(),
        403,
        "another port is another origin"
    );
    let own = client
        .post(&url)
        .header("origin", origin(&server))
        .header(wheelhouse_server::same_origin::CLIENT_HEADER, "web")
        .send()
        .await
        .expect("answer");
    assert!(own.status().is_success(), "{}", own.status());
}

#[tokio::test]
async fn a_websocket_from_another_origin_is_refused_and_one_from_the_console_opens() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let url = format!("ws://{}/api/v1/live", server.address);
    let mut hostile = url.as_str().into_client_request().expect("request");
    hostile
        .headers_mut()
        .insert("origin", "http://evil.example".parse().expect("header"));
    match tokio_tungstenite::connect_async(hostile).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403);
            let body =
                String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).to_string();
            assert!(body.contains("CrossOriginRequest"), "{body}");
        }
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a WebSocket from http://evil.example was accepted"),
    }
    let mut own = url.as_str().into_client_request().expect("request");
    own.headers_mut()
        .insert("origin", origin(&server).parse().expect("header"));
    tokio_tungstenite::connect_async(own)
        .await
        .expect("the console's own page opens its socket");
}

#[tokio::test]
async fn a_rebound_host_name_gets_nothing_but_probes_still_answer() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let client = common::client();
    for path in ["api/v1/overview", "api/v1/resources/core/v1/secrets", ""] {
        let response = client
            .get(server.url(path))
            .header("host", "evil.example:8080")
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 403, "{path}");
        let body = json(response).await;
        assert_eq!(body["error"]["reason"], "HostNotAllowed", "{path}: {body}");
    }
    let probe = client
        .get(server.url("healthz"))
        .header("host", "10.244.0.7:8080")
        .send()
        .await
        .expect("answer");
    assert_eq!(probe.status(), 200, "a kubelet probes the pod's address");
}

#[tokio::test]
async fn a_yaml_bomb_is_refused_at_once_and_creates_nothing() {
    let server = TestServer::demo(ServerConfig::default()).await;
    // About 400 KB: one anchored list of 10,000 items and 40,000 aliases of it, 400 million
    // nodes once expanded (the shape that took 23 s and 2.6 GB before the budget).
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted\n  namespace: default\nbig: &big\n",
    );
    for _ in 0..10_000 {
        bomb.push_str("- xxxx\n");
    }
    bomb.push_str("data:\n  list:\n");
    for _ in 0..40_000 {
        bomb.push_str("  - *big\n");
    }
    assert!(
        bomb.len() > 400_000 && bomb.len() < 1024 * 1024,
        "{}",
        bomb.len()
    );
    let peak_before = peak_rss_kib();
    let started = Instant::now();
    let response = common::client()
        .post(server.url("api/v1/apply"))
        .header("content-type", "application/yaml")
        .body(bomb)
        .send()
        .await
        .expect("answer");
    let took = started.elapsed();
    assert_eq!(response.status(), 413);
    let body = json(response).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("anchors and aliases")),
        "{body}"
    );
    // Generous bounds, so that only the unbudgeted parse (tens of seconds, gigabytes) fails them.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let grown = peak_rss_kib().saturating_sub(peak_before);
    assert!(grown < 512 * 1024, "the peak memory grew by {grown} KiB");
    assert!(!planted(&server).await);
}

/// The process's peak resident memory so far (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

#[tokio::test]
async fn the_raw_passthrough_refuses_shells_proxies_and_paths_that_change_on_the_way() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let client = common::client();
    for (path, status) in [
        (
            "api/v1/_raw/api/v1/namespaces/shop/pods/web-1/exec?command=sh",
            403,
        ),
        ("api/v1/_raw/api/v1/namespaces/shop/pods/web-1/attach", 403),
        (
            "api/v1/_raw/api/v1/namespaces/shop/services/web:80/proxy/",
            403,
        ),
        ("api/v1/_raw/api/v1/nodes/worker-1/proxy/metrics", 403),
        (
            "api/v1/_raw/api/v1/namespaces/shop/configmaps/a%2F..%2F..%2Fsecrets",
            400,
        ),
        ("api/v1/_raw/api/v1/pods?watch=t", 400),
    ] {
        let response = client.get(server.url(path)).send().await.expect("answer");
        assert_eq!(response.status(), status, "{path}");
    }
    // reqwest (like a browser) removes `..` itself, so this one goes over a plain socket.
    let (status, body) = raw_get(
        &server,
        "/api/v1/_raw/api/v1/namespaces/shop/configmaps/../../../api/v1/namespaces/kube-system/secrets",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("`..`"), "{body}");
    // The same rule holds for every API path, not only the passthrough's.
    let (status, _) = raw_get(
        &server,
        "/api/v1/resources/core/v1/configmaps/../secrets/x?namespace=shop",
    )
    .await;
    assert_eq!(status, 400);
    let response = client
        .get(server.url("api/v1/resources/core/v1/configmaps/settings?namespace=.."))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 400);
    assert!(
        json(response).await["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not a valid namespace"))
    );
}

/// A GET over a plain socket, so that the path reaches the server exactly as written.
async fn raw_get(server: &TestServer, path: &str) -> (u16, String) {
    let mut socket = tokio::net::TcpStream::connect(server.address)
        .await
        .expect("connects");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.address
    );
    socket
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.expect("answer read");
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

#[tokio::test]
async fn an_html_answer_through_the_raw_passthrough_is_a_sandboxed_attachment() {
    // An API server (or an aggregated API behind it) that answers with a page.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let page = axum::Router::new().fallback(|| async {
        (
            [("content-type", "text/html; charset=utf-8")],
            "<script>fetch('/api/v1/apply',{method:'POST'})</script>",
        )
    });
    tokio::spawn(async move { axum::serve(listener, page).await });
    let server =
        TestServer::with_kubeconfig(common::admin_kubeconfig(port), ServerConfig::default()).await;
    let response = common::get(server.url("api/v1/_raw/apis/example.com/v1/pages"))
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("content-disposition"), "attachment");
    assert!(
        header("content-security-policy").starts_with("sandbox"),
        "{}",
        header("content-security-policy")
    );
    assert_eq!(header("x-content-type-options"), "nosniff");

    // JSON stays JSON, shown as it is, under the ordinary policy.
    let demo = TestServer::demo(ServerConfig::default()).await;
    let response = common::get(demo.url("api/v1/_raw/api/v1/namespaces"))
        .await
        .expect("answer");
    assert!(response.headers().get("content-disposition").is_none());
    let policy = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_the_page_its_style_nonce() {
    let server = TestServer::demo(ServerConfig::default()).await;
    for path in ["", "api/v1/version", "api/v1/nonsense", "healthz", "pods"] {
        let response = common::get(server.url(path)).await.expect("answer");
        let headers = response.headers();
        let value = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        };
        let policy = value("content-security-policy");
        assert!(policy.contains("script-src 'self'"), "{path}: {policy}");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        // Nothing inline runs anywhere; only style attributes are inline, and only on the page.
        assert!(
            !policy
                .replace("style-src-attr 'unsafe-inline';", "")
                .contains("unsafe-inline"),
            "{path}: {policy}"
        );
        assert_eq!(value("x-frame-options"), "DENY", "{path}");
        assert_eq!(value("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(value("referrer-policy"), "no-referrer", "{path}");
    }
    // The page's policy admits its own style nonce, which the page hands to the editor.
    let response = common::get(server.url("")).await.expect("answer");
    let policy = response
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let html = response.text().await.expect("page");
    let config_start = html
        .find(r#"type="application/json">"#)
        .expect("the config script")
        + r#"type="application/json">"#.len();
    let config_end = config_start + html[config_start..].find("</script>").expect("its end");
    let config: Value = serde_json::from_str(&html[config_start..config_end]).expect("JSON");
    let nonce = config["styleNonce"].as_str().expect("a nonce");
    assert!(nonce.len() >= 32, "{nonce}");
    assert!(
        policy.contains(&format!("style-src 'self' 'nonce-{nonce}';")),
        "{policy}"
    );
    // Style attributes (the terminal's selection and 24-bit colours), never inline elements.
    assert!(
        policy.contains("style-src-attr 'unsafe-inline';") && !policy.contains("style-src-elem"),
        "{policy}"
    );
    let again = common::get(server.url("")).await.expect("answer");
    let second = again.text().await.expect("page");
    assert!(!second.contains(nonce), "a new nonce for every load");
}
