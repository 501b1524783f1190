//! Chart repositories over HTTPS: the request goes over TLS and the certificate is verified
//! against the system's roots, so a certificate nobody vouches for is refused with the reason.

mod common;

use common::TestServer;
use common::repositories::{add, config, failed_sync, hello_chart, tls_repository};
use serde_json::json;
use wheelhouse_server::apps::AppsConfig;

#[tokio::test]
async fn an_https_repository_with_a_self_signed_certificate_is_refused_for_its_unknown_issuer() {
    let (address, seen, _ca) = tls_repository(hello_chart("tls"), None).await;
    let server = TestServer::demo(config(AppsConfig::default())).await;
    server.wait_ready().await;
    let url = format!("https://{address}/charts");

    let (code, created) = add(&server, json!({"name": "self-signed", "url": url})).await;
    assert_eq!(code, 201, "{created}");
    let message = failed_sync(&server, "self-signed").await;
    // The handshake happened and the certificate was checked: not a "builder error" or a scheme
    // the client cannot speak.
    assert!(
        message.contains(&format!("https://{address}/charts/index.yaml"))
            && message.contains("invalid peer certificate")
            && message.contains("UnknownIssuer"),
        "{message}"
    );
    assert!(
        seen.requests().is_empty(),
        "no request got past the handshake: {:?}",
        seen.requests()
    );
}
