//! Where chart repositories may point: repository URLs, redirects and archive URLs that lead to
//! link-local addresses (the cloud's metadata service) are refused anywhere, and the pod's
//! neighbours in a cluster, unless `--allow-repository-network` allows them.

mod common;

use std::time::{Duration, Instant};

use common::repositories::{
    add, config, create_with_kubectl_rights, failed_sync, field_errors, hello_chart,
    index_of_hello, repository, repository_until, serve,
};
use common::{TestServer, send};
use serde_json::json;
use wheelhouse_server::apps::{AppsConfig, RepositoryNetwork, parse_network};

#[tokio::test]
async fn repositories_archives_and_redirects_may_not_lead_to_link_local_addresses() {
    // An index that redirects to the cloud's metadata service, and one whose archive lives there.
    let archive = hello_chart("charts");
    let digest = wheelhouse_apps::chart::sha256_hex(&archive);
    let app = axum::Router::new()
        .route(
            "/redirect/index.yaml",
            axum::routing::get(|| async {
                axum::response::Redirect::temporary("http://169.254.169.254/latest/meta-data/")
            }),
        )
        .route(
            "/metadata-archive/index.yaml",
            axum::routing::get(move || async move {
                index_of_hello("http://169.254.169.254/hello-1.0.0.tgz", &digest)
            }),
        );
    let (address, _) = serve(app, None).await;
    let server = TestServer::demo(config(AppsConfig::default())).await;
    server.wait_ready().await;

    // Named directly, the address is refused before anything is saved.
    let (code, refused) = add(
        &server,
        json!({"name": "metadata", "url": "http://169.254.169.254/latest"}),
    )
    .await;
    assert_eq!(code, 422, "{refused}");
    let fields = field_errors(&refused);
    assert_eq!(fields[0].0, "url");
    assert_eq!(
        fields[0].1,
        "169.254.169.254 is a link-local address (where clouds serve instance metadata and node credentials); \
         Wheelhouse does not fetch chart repositories from there unless it is started with \
         --allow-repository-network 169.254.169.254/32 (or a range that contains it)"
    );
    // The same in a resource made with kubectl: its status says so.
    create_with_kubectl_rights(
        &server,
        "metadata",
        json!({"url": "http://169.254.169.254/latest"}),
    )
    .await;
    let message = failed_sync(&server, "metadata").await;
    assert!(
        message.contains("was not fetched: 169.254.169.254 is a link-local address")
            && message.contains("--allow-repository-network 169.254.169.254/32"),
        "{message}"
    );

    // A redirect is checked like the URL it leads to.
    let (code, _) = add(
        &server,
        json!({"name": "redirected", "url": format!("http://{address}/redirect")}),
    )
    .await;
    assert_eq!(code, 201);
    let started = Instant::now();
    let message = failed_sync(&server, "redirected").await;
    assert!(
        message.contains("169.254.169.254 is a link-local address")
            && message.contains("--allow-repository-network"),
        "{message}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refused, not timed out"
    );

    // So is every archive URL an index names.
    let (code, _) = add(
        &server,
        json!({"name": "archive-elsewhere", "url": format!("http://{address}/metadata-archive")}),
    )
    .await;
    assert_eq!(code, 201);
    repository_until(&server, "archive-elsewhere", |r| {
        r["status"]["state"] == "ok"
    })
    .await;
    let (code, chart) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/charts/archive-elsewhere/hello",
        None,
    )
    .await;
    assert_eq!(code, 502, "{chart}");
    let message = chart["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("http://169.254.169.254/hello-1.0.0.tgz was not fetched: 169.254.169.254 is a link-local address"),
        "{message}"
    );
}

#[tokio::test]
async fn in_a_cluster_repositories_may_not_reach_the_pods_neighbours_unless_a_flag_allows_them() {
    let (address, seen) = repository(hello_chart("charts"), None).await;
    let in_cluster = RepositoryNetwork::default().in_cluster(true);
    let server = TestServer::demo(config(
        AppsConfig::default().repository_network(in_cluster.clone()),
    ))
    .await;
    server.wait_ready().await;

    let (code, refused) = add(
        &server,
        json!({"name": "neighbour", "url": format!("http://{address}/charts")}),
    )
    .await;
    assert_eq!(code, 422, "{refused}");
    assert!(
        field_errors(&refused)[0]
            .1
            .starts_with("127.0.0.1 is a loopback address (the Wheelhouse pod itself)"),
        "{refused}"
    );
    // A name is checked where it is resolved, on every connection.
    let (code, _) = add(
        &server,
        json!({"name": "by-name", "url": format!("http://localhost:{}/charts", address.port())}),
    )
    .await;
    assert_eq!(code, 201);
    let message = failed_sync(&server, "by-name").await;
    assert!(
        message.contains("localhost resolves to ")
            && message.contains("a loopback address")
            && message.contains("--allow-repository-network"),
        "{message}"
    );
    assert!(
        seen.requests().is_empty(),
        "nothing reached it: {:?}",
        seen.requests()
    );

    // Allowed by the flag, the same repository works.
    let allowed = in_cluster.allow(vec![
        parse_network("127.0.0.0/8").expect("CIDR"),
        parse_network("::1").expect("address"),
    ]);
    let server = TestServer::demo(config(AppsConfig::default().repository_network(allowed))).await;
    server.wait_ready().await;
    let (code, created) = add(
        &server,
        json!({"name": "by-name", "url": format!("http://localhost:{}/charts", address.port())}),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    let synced = repository_until(&server, "by-name", |r| r["status"]["state"] == "ok").await;
    assert_eq!(synced["status"]["charts"], 1, "{synced}");
}
