//! Figures of the app store's release list (not a test): 1,000 helm releases of 10 revisions each
//! (10,000 release Secrets) in the sim, listed through `GET /api/v1/apps/releases`: the first
//! load (every newest record read and decoded), the loads after it (metadata only), and a load
//! after 10 releases were upgraded.
//!
//! ```text
//! cargo run --release -p wheelhouse-server --example apps_release_bench
//! ```

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use kube::config::Kubeconfig;
use serde_json::{Value, json};
use wheelhouse_cluster::{Cluster, ClusterSource, MonitorConfig};
use wheelhouse_server::ServerConfig;
use wheelhouse_sim::{GroupResource, Scenario, Sim, SimConfig};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const RELEASES: usize = 1_000;
const NAMESPACES: usize = 20;
const RUNS: usize = 30;
const REVISIONS: u32 = 10;

/// A release record as helm writes it (a chart of a few templates), encoded as helm does.
fn release_secret(
    name: &str,
    namespace: &str,
    revision: u32,
    status: &str,
) -> Result<Value, BoxError> {
    let template = base64::engine::general_purpose::STANDARD.encode(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n".repeat(8),
    );
    let record = json!({
        "name": name, "namespace": namespace, "version": revision,
        "info": {"first_deployed": "2026-11-27T10:00:00Z", "last_deployed": format!("2026-11-27T10:{revision:02}:00Z"),
                 "description": "Upgrade complete", "status": status, "notes": format!("{name} is ready.\n")},
        "chart": {"metadata": {"apiVersion": "v2", "name": "webapp", "version": format!("1.{revision}.0"), "appVersion": "1.27",
                               "description": "A web app"},
                  "templates": [{"name": "templates/deployment.yaml", "data": template}, {"name": "templates/service.yaml", "data": template}],
                  "values": {"replicas": 1, "image": {"repository": "nginx", "tag": "1.27"}}},
        "config": {"replicas": revision},
        "manifest": format!("---\n# Source: webapp/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {revision}\n"),
    });
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(serde_json::to_string(&record)?.as_bytes())?;
    let helm_text = base64::engine::general_purpose::STANDARD.encode(gzip.finish()?);
    Ok(json!({
        "apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
        "metadata": {"name": format!("sh.helm.release.v1.{name}.v{revision}"), "namespace": namespace,
                     "labels": {"owner": "helm", "name": name, "status": status, "version": revision.to_string()}},
        "data": {"release": base64::engine::general_purpose::STANDARD.encode(helm_text)},
    }))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> Result<(), BoxError> {
    // reqwest has no crypto provider of its own (`rustls-no-provider`).
    wheelhouse_tls::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> Result<(), BoxError> {
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Empty)).await?;
    let mut secrets = Vec::new();
    let mut namespaces = Vec::new();
    for n in 0..NAMESPACES {
        namespaces.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("team-{n:02}")}}));
    }
    for i in 0..RELEASES {
        let namespace = format!("team-{:02}", i % NAMESPACES);
        let name = format!("release-{i:04}");
        for revision in 1..REVISIONS {
            secrets.push(release_secret(&name, &namespace, revision, "superseded")?);
        }
        secrets.push(release_secret(&name, &namespace, REVISIONS, "deployed")?);
    }
    sim.store()
        .insert_bulk(&GroupResource::core("namespaces"), namespaces);
    let written = sim
        .store()
        .insert_bulk(&GroupResource::core("secrets"), secrets);
    println!("{RELEASES} releases in {NAMESPACES} namespaces: {written} release Secrets");

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
    let url = format!("http://{address}/api/v1/apps/releases");
    let started = Instant::now();
    let body: Value = client.get(&url).send().await?.json().await?;
    println!(
        "GET /api/v1/apps/releases, first load ({} releases, all namespaces, {} warnings): {:.0} ms",
        body["items"].as_array().map_or(0, Vec::len),
        body["warnings"].as_array().map_or(0, Vec::len),
        ms(started.elapsed()),
    );
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let body: Value = client.get(&url).send().await?.json().await?;
        times.push(started.elapsed());
        count = body["items"].as_array().map_or(0, Vec::len);
    }
    times.sort();
    println!(
        "GET /api/v1/apps/releases after the first load ({count} releases, all namespaces), {RUNS} runs: p50 {:.0} ms, p99 {:.0} ms, min {:.0} ms",
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1]),
        ms(times[0])
    );
    // The same work with a one-line answer: what the answer's size costs.
    let times = timed_runs(&client, &format!("{url}?q=release-0001")).await?;
    println!(
        "GET /api/v1/apps/releases?q=release-0001 (all namespaces, one match), {RUNS} runs: p50 {:.0} ms, p99 {:.0} ms",
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1])
    );
    // Ten releases upgraded: their old newest superseded, a new revision each.
    let upgraded: Vec<Value> = (0..10)
        .map(|i| {
            release_secret(
                &format!("release-{i:04}"),
                &format!("team-{:02}", i % NAMESPACES),
                REVISIONS + 1,
                "deployed",
            )
        })
        .collect::<Result<_, _>>()?;
    sim.store()
        .insert_bulk(&GroupResource::core("secrets"), upgraded);
    // The list follows the records through a watch: ask until all ten show (each answer timed).
    let changed = Instant::now();
    let mut asked = 0;
    loop {
        let started = Instant::now();
        let body: Value = client.get(&url).send().await?.json().await?;
        let took = started.elapsed();
        asked += 1;
        let newer = body["items"].as_array().map_or(0, |items| {
            items
                .iter()
                .filter(|i| i["revision"] == REVISIONS + 1)
                .count()
        });
        if newer == 10 || changed.elapsed() > Duration::from_secs(10) {
            println!(
                "GET /api/v1/apps/releases after 10 upgrades: {newer} of 10 show the new revision {:.0} ms after the change ({asked} lists, the last took {:.0} ms)",
                ms(changed.elapsed()),
                ms(took)
            );
            break;
        }
    }
    let times = timed_runs(&client, &format!("{url}?namespace=team-03&q=release-00")).await?;
    println!(
        "GET /api/v1/apps/releases?namespace=team-03&q=release-00 (one namespace, 50 releases), {RUNS} runs: p50 {:.1} ms, p99 {:.1} ms",
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1])
    );
    sim.shutdown().await;
    Ok(())
}

/// [`RUNS`] answers to `url`, each read to its end, timed and sorted.
async fn timed_runs(client: &reqwest::Client, url: &str) -> Result<Vec<Duration>, BoxError> {
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        client.get(url).send().await?.bytes().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times)
}
