//! Figures of the registry browser (not a test): a repository of 10,000 tags, served by a
//! registry that pages its tag list 1,000 at a time (as the distribution API does), listed
//! through `GET /api/v1/registries/{name}/tags`: the first fetch, then pages from the cache.
//!
//! ```text
//! cargo run --release -p wheelhouse-server --example registry_bench
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use kube::config::Kubeconfig;
use serde_json::{Value, json};
use wheelhouse_cluster::{Cluster, ClusterSource, MonitorConfig};
use wheelhouse_server::ServerConfig;
use wheelhouse_sim::{Scenario, Sim, SimConfig};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const TAGS: usize = 10_000;
const PAGE: usize = 1_000;
const RUNS: usize = 30;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn config() -> Vec<u8> {
    serde_json::to_vec(
        &json!({"created": "2026-12-01T10:00:00Z", "os": "linux", "architecture": "amd64",
        "config": {"Entrypoint": ["/app"], "ExposedPorts": {"8080/tcp": {}}}}),
    )
    .unwrap_or_default()
}

fn manifest() -> Vec<u8> {
    let config = config();
    serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": format!("sha256:{}", wheelhouse_apps::chart::sha256_hex(&config)), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": format!("sha256:{}", "1".repeat(64)), "size": 3_000_000}],
    }))
    .unwrap_or_default()
}

/// `/v2/big/tags/list?n=&last=`: the tags after `last`, `n` at a time, with a `Link` to the next.
async fn tags(Query(query): Query<Vec<(String, String)>>) -> impl IntoResponse {
    let all: Vec<String> = (0..TAGS)
        .map(|i| format!("1.{}.{}", i / 100, i % 100))
        .collect();
    let last = query
        .iter()
        .find(|(k, _)| k == "last")
        .map(|(_, v)| v.clone());
    let start = last
        .and_then(|l| all.iter().position(|t| *t == l))
        .map_or(0, |i| i + 1);
    let page: Vec<&String> = all.iter().skip(start).take(PAGE).collect();
    let mut headers = HeaderMap::new();
    if start + PAGE < all.len()
        && let Some(last) = page.last()
        && let Ok(link) = HeaderValue::from_str(&format!(
            "</v2/big/tags/list?last={last}&n={PAGE}>; rel=\"next\""
        ))
    {
        headers.insert(header::LINK, link);
    }
    (headers, axum::Json(json!({"name": "big", "tags": page})))
}

async fn manifest_of(Path(_reference): Path<String>) -> impl IntoResponse {
    let body = manifest();
    let digest = format!("sha256:{}", wheelhouse_apps::chart::sha256_hex(&body));
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.oci.image.manifest.v1+json".to_string(),
            ),
            (
                header::HeaderName::from_static("docker-content-digest"),
                digest,
            ),
        ],
        body,
    )
}

fn main() -> Result<(), BoxError> {
    wheelhouse_tls::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> Result<(), BoxError> {
    let registry = axum::Router::new()
        .route("/v2/big/tags/list", axum::routing::get(tags))
        .route(
            "/v2/big/manifests/{reference}",
            axum::routing::get(manifest_of),
        )
        .route(
            "/v2/big/blobs/{digest}",
            axum::routing::get(|| async { config() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let registry_address = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, registry).await });

    let sim = Sim::start(SimConfig::default().scenario(Scenario::Empty)).await?;
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin"))?;
    let connection = wheelhouse_cluster::connect(ClusterSource::Kubeconfig {
        kubeconfig: Box::new(kubeconfig),
        context: None,
    })
    .await?;
    let cluster = Arc::new(Cluster::start(connection, MonitorConfig::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(wheelhouse_server::serve(
        listener,
        cluster,
        ServerConfig::default(),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    // The console creates the ImageRegistry CRD at start; add the registry once it serves it.
    for attempt in 0.. {
        let answer = client
            .post(format!("http://{address}/api/v1/registries"))
            .json(&json!({"name": "bench", "url": format!("http://{registry_address}"), "plainHttp": true}))
            .send()
            .await?;
        if answer.status() == 201 {
            break;
        }
        if attempt > 100 {
            return Err(
                format!("the registry could not be added: {}", answer.text().await?).into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = |query: &str| {
        format!("http://{address}/api/v1/registries/bench/tags?repository=big{query}")
    };
    let started = Instant::now();
    let first: Value = client.get(url("")).send().await?.json().await?;
    let cold = started.elapsed();
    println!(
        "{TAGS} tags ({} pages of {PAGE} from the registry), first page of {} with each tag's manifest and config: first fetch {:.0} ms",
        TAGS / PAGE,
        first["items"].as_array().map_or(0, Vec::len),
        ms(cold)
    );
    for (what, query) in [
        ("first page, cached", ""),
        ("page at offset 5,000, cached list", "&offset=5000"),
        (
            "search \"1.42.\" (100 matches), cached list",
            "&filter=1.42.",
        ),
    ] {
        // One request so the page's tags are read once; then the figure.
        client.get(url(query)).send().await?.bytes().await?;
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            let body: Value = client.get(url(query)).send().await?.json().await?;
            times.push(started.elapsed());
            assert_eq!(body["items"].as_array().map_or(0, Vec::len), 50, "{body}");
        }
        times.sort();
        println!(
            "GET …/tags?repository=big{query} ({what}), {RUNS} runs: p50 {:.1} ms, p99 {:.1} ms",
            ms(times[RUNS / 2]),
            ms(times[RUNS - 1])
        );
    }
    sim.shutdown().await;
    Ok(())
}
