//! Gzip bombs: a chart archive and Helm release records that expand past their budgets are
//! refused quickly, with a clear error, and decoding them never stalls `/healthz`.

mod common;

use std::time::{Duration, Instant};

use common::repositories::{add, config, repository, repository_until};
use common::{TestServer, send};
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::apps::AppsConfig;

/// A gzipped tar of a `Chart.yaml` and `unpacked` zero bytes: about a thousandth of that on the wire.
fn gzip_bomb(unpacked: u64) -> Vec<u8> {
    use std::io::Read as _;
    let gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut builder = tar::Builder::new(gzip);
    let chart_yaml = b"apiVersion: v2\nname: hello\nversion: 1.0.0\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(chart_yaml.len() as u64);
    header.set_mode(0o644);
    builder
        .append_data(&mut header, "hello/Chart.yaml", &chart_yaml[..])
        .expect("appends");
    let mut header = tar::Header::new_gnu();
    header.set_size(unpacked);
    header.set_mode(0o644);
    builder
        .append_data(
            &mut header,
            "hello/filler.bin",
            std::io::repeat(0).take(unpacked),
        )
        .expect("appends");
    builder.into_inner().expect("tar").finish().expect("gzip")
}

#[tokio::test]
async fn a_chart_archive_that_is_a_gzip_bomb_is_refused_quickly() {
    let bomb = gzip_bomb(wheelhouse_apps::chart::MAX_UNPACKED as u64 + 32 * 1024 * 1024);
    assert!(bomb.len() < 250 * 1024, "{} bytes", bomb.len());
    let (address, _) = repository(bomb, None).await;
    let server = TestServer::demo(config(AppsConfig::default())).await;
    server.wait_ready().await;
    let (code, _) = add(
        &server,
        json!({"name": "bomb", "url": format!("http://{address}/charts")}),
    )
    .await;
    assert_eq!(code, 201);
    repository_until(&server, "bomb", |r| r["status"]["state"] == "ok").await;
    let started = Instant::now();
    let (code, chart) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/charts/bomb/hello",
        None,
    )
    .await;
    assert_eq!(code, 502, "{chart}");
    assert_eq!(chart["error"]["reason"], "BadChart");
    let message = chart["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("the chart archive expands to more than 100 MiB when decompressed; Wheelhouse stopped there"),
        "{message}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// A helm release Secret whose record is gzip of `unpacked` zero bytes.
fn release_bomb(name: &str, unpacked: u64) -> Value {
    use base64::Engine as _;
    use std::io::Write as _;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1024 * 1024];
    let mut left = unpacked;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        gzip.write_all(&chunk[..n]).expect("writes");
        left -= n as u64;
    }
    let engine = base64::engine::general_purpose::STANDARD;
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
        "metadata": {"name": format!("sh.helm.release.v1.{name}.v1"),
            "labels": {"owner": "helm", "name": name, "version": "1", "status": "deployed"}},
        // The Secret's data is base64 of helm's text, which is base64 of the gzip.
        "data": {"release": engine.encode(engine.encode(gzip.finish().expect("gzip")))},
    })
}

#[tokio::test]
async fn a_release_record_that_is_a_gzip_bomb_is_refused_without_stalling_the_probes() {
    // The server, the sim and this test share one thread (`#[tokio::test]`): decoding on it
    // would stop them all, and the probe below would not be answered until it ended.
    let server = TestServer::demo(ServerConfig::default()).await;
    server.wait_ready().await;
    let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(server.kube().await, "default");
    let bombs = 8;
    for i in 0..bombs {
        let secret = serde_json::from_value(release_bomb(
            &format!("bomb-{i}"),
            wheelhouse_apps::release::MAX_DECODED as u64 + 16 * 1024 * 1024,
        ))
        .expect("a Secret");
        secrets
            .create(&kube::api::PostParams::default(), &secret)
            .await
            .expect("created");
    }

    let started = Instant::now();
    let list = {
        let url = server.url("api/v1/apps/releases?namespace=default");
        tokio::spawn(async move {
            let response = common::get(url).await.expect("answer");
            (response.status().as_u16(), common::json(response).await)
        })
    };
    // Probes every 10 ms; the longest time between two answers is how long the probe waited.
    let client = common::client();
    let mut probes = 0;
    let mut longest_wait = Duration::ZERO;
    let mut last_answer = Instant::now();
    while !list.is_finished() {
        let answer = client
            .get(server.url("healthz"))
            .send()
            .await
            .expect("probe");
        assert_eq!(answer.status(), 200);
        probes += 1;
        longest_wait = longest_wait.max(last_answer.elapsed());
        last_answer = Instant::now();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (code, list) = list.await.expect("listed");
    let took = started.elapsed();
    assert_eq!(code, 200, "{list}");
    let warnings: Vec<&Value> = list["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["reason"] == "Unreadable")
        .collect();
    assert_eq!(warnings.len(), bombs, "{list}");
    for warning in warnings {
        assert!(
            warning["message"].as_str().is_some_and(|m| m
                .starts_with("the release record expands to more than 64 MiB when decompressed")),
            "{warning}"
        );
    }
    assert!(took < Duration::from_secs(20), "refused quickly: {took:?}");
    eprintln!("list took {took:?}; {probes} probes answered, at most {longest_wait:?} apart");
    assert!(
        longest_wait < (took / 3).max(Duration::from_millis(100)),
        "/healthz kept answering while the records were decoded: {probes} probes in {took:?}, at most {longest_wait:?} apart"
    );

    let (code, one) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/releases/default/bomb-0",
        None,
    )
    .await;
    assert_eq!(code, 422, "{one}");
    assert!(
        one["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expands to more than 64 MiB")),
        "{one}"
    );
}
