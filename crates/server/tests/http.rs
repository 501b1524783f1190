//! What every request gets: JSON errors, compression, request ids and bounded bodies.

mod common;

use std::io::Read as _;

use common::{TestServer, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::same_origin::CLIENT_HEADER;

#[tokio::test]
async fn unknown_api_paths_get_a_json_404() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    for path in ["api/v1/nonsense", "api/v2/overview", "api"] {
        let response = common::get(server.url(path)).await.expect("request");
        assert_eq!(response.status(), 404, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .is_ok_and(|t| t.starts_with("application/json"))
        );
        let body = json(response).await;
        assert_eq!(body["error"]["code"], 404, "{path}");
        assert_eq!(body["error"]["reason"], "NotFound", "{path}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("/{path}"))),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_wrong_method_on_an_api_path_is_a_json_405() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    // A script that follows the same-origin rules (docs/security.md) still gets the 405.
    let response = common::client()
        .delete(server.url("api/v1/version"))
        .header(CLIENT_HEADER, "test")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 405);
    assert_eq!(json(response).await["error"]["reason"], "MethodNotAllowed");

    let response = common::client()
        .post(server.url("healthz"))
        .header(CLIENT_HEADER, "test")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 405);
    assert_eq!(
        json(response).await["error"]["reason"],
        "MethodNotAllowed",
        "probes too"
    );
}

#[tokio::test]
async fn an_oversized_body_is_rejected_with_413_before_it_is_read() {
    let server = TestServer::unreachable(ServerConfig::default().body_limit(1024)).await;
    let response = common::client()
        .post(server.url("api/v1/overview"))
        .header("content-type", "application/json")
        .body(vec![b' '; 4096])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    let body = json(response).await;
    assert_eq!(body["error"]["reason"], "PayloadTooLarge");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1024")),
        "{body}"
    );
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let response = common::client()
        .get(server.url("api/v1/overview"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let compressed = response.bytes().await.expect("body");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut text)
        .expect("valid gzip");
    let body: serde_json::Value = serde_json::from_str(&text).expect("JSON inside");
    assert!(body["nodes"]["total"].is_u64(), "{body}");

    let response = common::client()
        .get(server.url("api/v1/overview"))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["content-encoding"], "br");

    let plain = common::get(server.url("api/v1/overview"))
        .await
        .expect("request");
    assert!(
        plain.headers().get("content-encoding").is_none(),
        "no encoding unless asked"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_the_callers() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    let response = common::get(server.url("api/v1/nonsense"))
        .await
        .expect("request");
    let id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let response = common::client()
        .get(server.url("api/v1/version"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
}
