//! Every answer from a chart repository or registry is read with a bound: indexes, archives,
//! catalogs, manifests, chart layers and token answers that never end are cut off at their bound.

mod common;

use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use common::repositories::{
    add, config, endless, failed_sync, index_of_hello, repository_until, serve,
};
use common::{TestServer, send};
use serde_json::json;
use wheelhouse_server::apps::AppsConfig;

/// A registry whose catalog, tags, manifest and chart config are fine, and whose chart layer
/// and token endpoint never end.
fn registry_with_an_endless_layer() -> axum::Router {
    let config = br#"{"name":"hello","version":"1.0.0","apiVersion":"v2"}"#.to_vec();
    let config_digest = format!("sha256:{}", wheelhouse_apps::chart::sha256_hex(&config));
    let manifest = json!({
        "schemaVersion": 2,
        "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": [{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "digest": format!("sha256:{}", "0".repeat(64)), "size": 1}],
    });
    axum::Router::new()
        .route(
            "/v2/_catalog",
            axum::routing::get(|| async { axum::Json(json!({"repositories": ["charts/hello"]})) }),
        )
        .route(
            "/v2/charts/hello/tags/list",
            axum::routing::get(|| async { axum::Json(json!({"tags": ["1.0.0"]})) }),
        )
        .route(
            "/v2/charts/hello/manifests/1.0.0",
            axum::routing::get(move || async move { axum::Json(manifest) }),
        )
        .route(
            "/v2/charts/hello/blobs/{digest}",
            axum::routing::get(
                move |axum::extract::Path(digest): axum::extract::Path<String>| async move {
                    if digest == config_digest {
                        config.into_response()
                    } else {
                        endless()
                    }
                },
            ),
        )
        .route("/token", axum::routing::get(|| async { endless() }))
}

#[tokio::test]
async fn answers_from_repositories_and_registries_are_read_with_a_bound() {
    // An HTTP repository whose index never ends, and one whose archive never ends.
    let app = axum::Router::new()
        .route(
            "/endless-index/index.yaml",
            axum::routing::get(|| async { endless() }),
        )
        .route(
            "/endless-archive/index.yaml",
            axum::routing::get(|| async { index_of_hello("hello-1.0.0.tgz", &"0".repeat(64)) }),
        )
        .route(
            "/endless-archive/hello-1.0.0.tgz",
            axum::routing::get(|| async { endless() }),
        );
    let (http_address, _) = serve(app, None).await;
    let (oci_address, _) = serve(registry_with_an_endless_layer(), None).await;
    // A registry whose catalog never ends, and one that sends every client for a token to the
    // endless token endpoint.
    let catalog =
        axum::Router::new().route("/v2/_catalog", axum::routing::get(|| async { endless() }));
    let (endless_catalog, _) = serve(catalog, None).await;
    let challenge = format!("Bearer realm=\"http://{oci_address}/token\",service=\"charts\"");
    let asks_for_a_token = axum::Router::new().fallback(move || {
        let challenge = challenge.clone();
        async move {
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, challenge)],
            )
                .into_response()
        }
    });
    let (token_registry, _) = serve(asks_for_a_token, None).await;

    let server = TestServer::demo(config(AppsConfig::default())).await;
    server.wait_ready().await;
    let started = Instant::now();
    for (name, url, plain_http) in [
        (
            "endless-index",
            format!("http://{http_address}/endless-index"),
            false,
        ),
        (
            "endless-archive",
            format!("http://{http_address}/endless-archive"),
            false,
        ),
        (
            "endless-catalog",
            format!("oci://{endless_catalog}/charts"),
            true,
        ),
        (
            "endless-token",
            format!("oci://{token_registry}/charts"),
            true,
        ),
        ("endless-layer", format!("oci://{oci_address}/charts"), true),
    ] {
        let (code, created) = add(
            &server,
            json!({"name": name, "url": url, "plainHttp": plain_http}),
        )
        .await;
        assert_eq!(code, 201, "{name}: {created}");
    }
    for (name, says) in [
        (
            "endless-index",
            format!(
                "the index at http://{http_address}/endless-index/index.yaml is larger than 64 MiB; Wheelhouse stopped reading it"
            ),
        ),
        (
            "endless-catalog",
            format!("the list at http://{endless_catalog}/v2/_catalog?n=1000 is larger than 4 MiB"),
        ),
        (
            "endless-token",
            format!(
                "the token answer at http://{oci_address}/token?service=charts is larger than 1 MiB"
            ),
        ),
    ] {
        let message = failed_sync(&server, name).await;
        assert!(message.contains(&says), "{name}: {message}");
    }
    for (name, says) in [
        (
            "endless-archive",
            format!(
                "the chart archive at http://{http_address}/endless-archive/hello-1.0.0.tgz is larger than 20 MiB"
            ),
        ),
        (
            "endless-layer",
            format!(
                "the chart layer at http://{oci_address}/v2/charts/hello/blobs/sha256:{} is larger than 20 MiB",
                "0".repeat(64)
            ),
        ),
    ] {
        repository_until(&server, name, |r| r["status"]["state"] == "ok").await;
        let (code, chart) = send(
            reqwest::Method::GET,
            &server,
            &format!("api/v1/apps/charts/{name}/hello"),
            None,
        )
        .await;
        assert_eq!(code, 502, "{name}: {chart}");
        let message = chart["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(&says), "{name}: {message}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(50),
        "each endless answer was cut off at its bound, not at the 60 s timeout"
    );
}
