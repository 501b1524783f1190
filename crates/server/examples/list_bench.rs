//! Figures of the resource browser's read path over HTTP (not a test): cache sync time, list
//! latencies, server memory, SSE delta latency, and `kubectl get pods -A` on the same cluster.
//!
//! ```text
//! cargo run --release -p wheelhouse-server --example list_bench -- --pods 100000 [--nodes 5000] [--namespaces 50]
//!     [--scrape-interval 3 --fill-retention] [--no-kubectl] [--without-metrics-server]
//!     [--soak-minutes 60]
//! ```
//!
//! `--scrape-interval S` scrapes metrics.k8s.io every S seconds instead of 30; with
//! `--fill-retention` the bench waits until the history holds as many scrapes as an hour at 30 s
//! (121), sampling the first page of pods sorted by CPU all the while (the slowest of those
//! requests is what a scrape makes a list wait), then measures the overview and cluster metrics
//! answers and the memory of a full history.
//!
//! `--soak-minutes M` runs the soak instead of the list figures: once synced (and the history
//! filled, with `--fill-retention`), 100 live SSE subscribers of all pods and 100 changes a
//! second through the API server (label patches, and pods created and deleted) for M minutes,
//! the console's resident memory sampled every minute.
//!
//! The simulated API server runs in a child process (this program started again with `--sim`),
//! so the resident memory measured here is the console's: the server, its caches, and this
//! program's HTTP client. Set `KUBECTL` to the kubectl to compare with (default
//! `/root/.cache/wheelhouse/tools/bin/kubectl`; skipped when missing).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams};
use kube::config::Kubeconfig;
use serde_json::{Value, json};
use wheelhouse_cluster::metrics::MetricsConfig;
use wheelhouse_cluster::resources::ResourcesConfig;
use wheelhouse_cluster::{Cluster, ClusterSource, MonitorConfig};
use wheelhouse_server::ServerConfig;
use wheelhouse_sim::{Scenario, Sim, SimConfig};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The allocator the `wheelhouse` binary ships with, so that the memory figures are its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const RUNS: usize = 200;
const SUBSCRIBERS: usize = 100;
const CHANGES_PER_SECOND: u64 = 100;
const CHANGE_SECONDS: u64 = 10;

#[derive(Debug, Clone, Copy)]
struct Shape {
    pods: usize,
    nodes: usize,
    namespaces: usize,
    /// Objects per page of the caches' initial lists.
    page_size: u32,
    /// Whether the sim serves metrics.k8s.io (the console then scrapes it and keeps history).
    metrics_server: bool,
    /// Seconds between two scrapes of metrics.k8s.io.
    scrape_interval: u64,
    /// Wait for a full retention of scrapes (an hour at 30 s: 121) before the list figures.
    fill_retention: bool,
    /// Run the soak for this many minutes instead of the list figures.
    soak_minutes: Option<u64>,
}

/// Scrapes an hour of history holds at 30 s.
const RETENTION_SCRAPES: usize = 121;

fn shape(args: &[String]) -> Result<Shape, BoxError> {
    let value = |flag: &str| -> Result<Option<usize>, BoxError> {
        match args.iter().position(|a| a == flag) {
            Some(i) => Ok(Some(
                args.get(i + 1)
                    .ok_or_else(|| format!("{flag} needs a number"))?
                    .parse()?,
            )),
            None => Ok(None),
        }
    };
    let pods = value("--pods")?.unwrap_or(10_000);
    Ok(Shape {
        pods,
        nodes: value("--nodes")?.unwrap_or((pods / 20).clamp(1, 5_000)),
        namespaces: value("--namespaces")?.unwrap_or((pods / 2_000).clamp(1, 50)),
        page_size: value("--page-size")?.map_or(500, |n| n as u32),
        metrics_server: !args.iter().any(|a| a == "--without-metrics-server"),
        scrape_interval: value("--scrape-interval")?.map_or(30, |n| n as u64),
        fill_retention: args.iter().any(|a| a == "--fill-retention"),
        soak_minutes: value("--soak-minutes")?.map(|m| m as u64),
    })
}

fn main() -> Result<(), BoxError> {
    // reqwest has no crypto provider of its own (`rustls-no-provider`).
    wheelhouse_tls::install_crypto_provider();
    let args: Vec<String> = std::env::args().skip(1).collect();
    // RUST_LOG=wheelhouse_cluster::metrics=debug prints what each scrape's steps took, with
    // times to set against the slow requests this prints.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let shape = shape(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.iter().any(|a| a == "--sim") {
        let path = args
            .iter()
            .position(|a| a == "--kubeconfig-out")
            .and_then(|i| args.get(i + 1))
            .ok_or("--sim needs --kubeconfig-out")?
            .clone();
        return runtime.block_on(sim_child(shape, PathBuf::from(path)));
    }
    runtime.block_on(bench(shape))
}

/// The child: serves the scale scenario until its stdin closes (the parent exited).
async fn sim_child(shape: Shape, kubeconfig: PathBuf) -> Result<(), BoxError> {
    let sim = Sim::start(
        SimConfig::default()
            .scenario(Scenario::Scale {
                pods: shape.pods,
                nodes: shape.nodes,
                namespaces: shape.namespaces,
            })
            .metrics_server(shape.metrics_server),
    )
    .await?;
    std::fs::write(&kubeconfig, sim.kubeconfig_yaml("admin"))?;
    println!("ready {}", sim.url());
    let mut stdin = tokio::io::stdin();
    let mut sink = tokio::io::sink();
    let _ = tokio::io::copy(&mut stdin, &mut sink).await;
    sim.shutdown().await;
    Ok(())
}

/// Resident memory of this process in MiB.
fn rss_mib() -> f64 {
    rss_mib_of("self")
}

/// Resident memory of process `pid` (`self` for this one) in MiB.
fn rss_mib_of(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn bench(shape: Shape) -> Result<(), BoxError> {
    let kubeconfig_path =
        std::env::temp_dir().join(format!("list-bench-{}.kubeconfig", std::process::id()));
    let loading = Instant::now();
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "--sim",
            "--pods",
            &shape.pods.to_string(),
            "--nodes",
            &shape.nodes.to_string(),
            "--namespaces",
            &shape.namespaces.to_string(),
            "--kubeconfig-out",
            &kubeconfig_path.display().to_string(),
        ])
        .args((!shape.metrics_server).then_some("--without-metrics-server"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await??;
    if !line.starts_with("ready") {
        return Err(format!("the sim did not start: {line:?}").into());
    }
    println!(
        "# {} pods, {} nodes, {} namespaces, list pages of {} (sim loaded in {:.1} s, in a child process)",
        shape.pods,
        shape.nodes,
        shape.namespaces,
        shape.page_size,
        loading.elapsed().as_secs_f64()
    );

    let sim_pid = child.id().to_string();
    let sim_loaded_rss = rss_mib_of(&sim_pid);
    let idle_rss = rss_mib();
    let kubeconfig = Kubeconfig::read_from(&kubeconfig_path)?;
    let connection = wheelhouse_cluster::connect(ClusterSource::Kubeconfig {
        kubeconfig: Box::new(kubeconfig),
        context: None,
    })
    .await?;
    let kube_client = connection.client.clone();
    let cluster = Arc::new(Cluster::start(connection, MonitorConfig::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = cluster.clone();
    let mut resources = ResourcesConfig::default();
    resources.cache.page_size = shape.page_size;
    // The same number of scrapes as an hour at 30 s, whatever the interval.
    let interval = Duration::from_secs(shape.scrape_interval.max(1));
    let metrics = MetricsConfig::default()
        .interval(interval)
        .retention(interval * (RETENTION_SCRAPES as u32 - 1));
    // Every subscriber here is the same local person: the per-person cap of live connections
    // (32, for a person's tabs) would refuse most of them.
    let server_config = ServerConfig::default()
        .resources(resources)
        .metrics(metrics)
        .live_connections_per_person(SUBSCRIBERS + 8);
    tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(error) =
            wheelhouse_server::serve(listener, served, server_config, shutdown).await
        {
            eprintln!("server failed: {error}");
        }
    });
    let http = reqwest::Client::builder().build()?;
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move {
            let response = http.get(&url).send().await?;
            let status = response.status();
            let body: Value = response.json().await?;
            if !status.is_success() {
                return Err(format!("{url}: {status} {body}").into());
            }
            Ok::<Value, BoxError>(body)
        }
    };

    // Cache sync: from the first request for a kind until its list answers `ready`.
    let mut rows = Vec::new();
    for (resource, count) in [("pods", shape.pods), ("nodes", shape.nodes)] {
        let started = Instant::now();
        loop {
            // A sim loading 150,000 pods may not answer the console's probe at once (503):
            // the console retries, and so does this loop, for a while.
            match get(format!("api/v1/resources/core/v1/{resource}?pageSize=1")).await {
                Ok(page) if page["state"] == "ready" => break,
                Ok(_) => {}
                Err(error) if started.elapsed() < Duration::from_secs(120) => {
                    eprintln!("waiting for the {resource} cache: {error}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(error) => return Err(error),
            }
        }
        rows.push(format!(
            "| cache sync, {resource} ({count}) | {:.2} s |",
            started.elapsed().as_secs_f64()
        ));
    }
    let synced_rss = rss_mib();
    rows.push(format!(
        "| RSS of the sim (child process): loaded → after the console's first lists | {sim_loaded_rss:.0} MiB → {:.0} MiB |",
        rss_mib_of(&sim_pid)
    ));
    rows.push(format!(
        "| RSS: idle (no cache) → pods + nodes cached | {idle_rss:.0} MiB → {synced_rss:.0} MiB |"
    ));
    if shape.metrics_server {
        // The scraper's first two scrapes (the second follows within 5 s): the pods' facts,
        // their history and the scrapes' own allocations.
        let started = Instant::now();
        let mut scrapes = std::collections::HashSet::new();
        while scrapes.len() < 2 && started.elapsed() < Duration::from_secs(120) {
            let status = get("api/v1/metrics/status".to_string()).await?;
            if let Some(at) = status["metricsServer"]["lastScrape"].as_str() {
                scrapes.insert(at.to_string());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        rows.push(format!(
            "| RSS after the metrics scraper's first {} scrapes of every pod | {:.0} MiB |",
            scrapes.len(),
            rss_mib()
        ));
    } else {
        rows.push("| metrics | none (--without-metrics-server) |".to_string());
    }
    if shape.metrics_server && shape.fill_retention {
        rows.extend(fill_retention(&get, shape.scrape_interval).await?);
    }
    if let Some(minutes) = shape.soak_minutes {
        rows.extend(soak(&base, &kube_client, &sim_pid, minutes).await?);
        report_and_stop(rows, stop, child, &kubeconfig_path);
        return Ok(());
    }

    let queries = [
        (
            "first page, sort=-creationTimestamp",
            "sort=-creationTimestamp".to_string(),
        ),
        ("first page, sort=name", "sort=name".to_string()),
        ("name filter q=app-12", "q=app-12".to_string()),
        (
            "label filter labelSelector=team=team-3",
            "labelSelector=team%3Dteam-3".to_string(),
        ),
    ];
    let mut first_page_p50 = Duration::ZERO;
    let mut queries = queries.to_vec();
    if shape.metrics_server {
        queries.push(("usage sort, sort=-cpu", "sort=-cpu".to_string()));
    }
    for (label, query) in &queries {
        let mut times = Vec::with_capacity(RUNS);
        let mut total = Value::Null;
        for _ in 0..RUNS {
            let started = Instant::now();
            let page = get(format!("api/v1/resources/core/v1/pods?{query}")).await?;
            times.push(started.elapsed());
            total = page["total"].clone();
        }
        times.sort();
        if first_page_p50.is_zero() {
            first_page_p50 = percentile(&times, 0.5);
        }
        rows.push(format!(
            "| {label} ({total} match) | p50 {} · p99 {} |",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99))
        ));
    }

    // kubectl get pods -A against the same sim, for comparison.
    let kubectl = std::env::var("KUBECTL")
        .unwrap_or_else(|_| "/root/.cache/wheelhouse/tools/bin/kubectl".to_string());
    if std::env::args().any(|a| a == "--no-kubectl") {
        rows.push("| `kubectl get pods -A` | skipped (--no-kubectl) |".to_string());
    } else if std::path::Path::new(&kubectl).exists() {
        let mut times = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let status = Command::new(&kubectl)
                .args(["--kubeconfig", &kubeconfig_path.display().to_string()])
                .args(["get", "pods", "-A"])
                .stdout(Stdio::null())
                .status()?;
            times.push(started.elapsed());
            if !status.success() {
                return Err(format!("kubectl failed: {status}").into());
            }
        }
        times.sort();
        let median = times[1];
        rows.push(format!(
            "| `kubectl get pods -A` (median of 3) | {:.2} s = {:.0}× the first page's p50 |",
            median.as_secs_f64(),
            median.as_secs_f64() / first_page_p50.as_secs_f64()
        ));
    } else {
        rows.push(format!("| `kubectl get pods -A` | skipped: no {kubectl} |"));
    }

    if shape.metrics_server {
        for (label, path) in [
            ("`/api/v1/overview`", "api/v1/overview"),
            ("`/api/v1/metrics/cluster`", "api/v1/metrics/cluster"),
        ] {
            let mut times = Vec::new();
            for _ in 0..50 {
                let started = Instant::now();
                get(path.to_string()).await?;
                times.push(started.elapsed());
            }
            times.sort();
            rows.push(format!(
                "| {label} (50 runs) | p50 {} · p99 {} |",
                ms(percentile(&times, 0.5)),
                ms(percentile(&times, 0.99))
            ));
        }
    }

    rows.push(
        sse_latency(&base, &kube_client)
            .await
            .unwrap_or_else(|e| format!("| SSE delta latency | failed: {e} |")),
    );
    rows.push(format!("| RSS after the SSE run | {:.0} MiB |", rss_mib()));

    report_and_stop(rows, stop, child, &kubeconfig_path);
    Ok(())
}

/// Prints the figures, then stops the console and the sim (a child process reading its stdin).
fn report_and_stop(
    rows: Vec<String>,
    stop: tokio::sync::oneshot::Sender<()>,
    mut child: std::process::Child,
    kubeconfig_path: &std::path::Path,
) {
    println!("| measure | figure |\n| --- | --- |");
    for row in rows {
        println!("{row}");
    }
    let _ = stop.send(());
    drop(child.stdin.take());
    let _ = child.wait();
    let _ = std::fs::remove_file(kubeconfig_path);
}

/// 100 SSE subscribers of all pods; 100 label changes a second through the API server; the
/// time from sending a change to each subscriber receiving its delta.
async fn sse_latency(base: &str, kube_client: &kube::Client) -> Result<String, BoxError> {
    let pods: Api<Pod> = Api::all(kube_client.clone());
    let targets: Vec<(String, String)> = pods
        .list_metadata(&ListParams::default().limit(100))
        .await?
        .items
        .into_iter()
        .filter_map(|p| Some((p.metadata.namespace?, p.metadata.name?)))
        .collect();
    let total_changes = (CHANGES_PER_SECOND * CHANGE_SECONDS) as usize;
    let epoch = Instant::now();
    // When change n was sent, in µs after `epoch` (0 until sent).
    let sent: Arc<Vec<AtomicU64>> =
        Arc::new((0..total_changes).map(|_| AtomicU64::new(0)).collect());
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::new(Mutex::new(Vec::new()));
    let round_trips: Arc<Mutex<Vec<Duration>>> = Arc::new(Mutex::new(Vec::new()));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(SUBSCRIBERS);
    let mut subscribers = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let url = format!("{base}api/v1/watch/core/v1/pods");
        let sent = sent.clone();
        let latencies = latencies.clone();
        let ready = ready_tx.clone();
        subscribers.push(tokio::spawn(async move {
            let response = reqwest::get(&url).await?.error_for_status()?;
            let mut body = response.bytes_stream();
            let mut buffer = String::new();
            let mut announced = false;
            while let Some(chunk) = body.next().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk?));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    let received = epoch.elapsed();
                    if block.contains("event: snapshot") && !announced {
                        announced = true;
                        let _ = ready.send(()).await;
                    }
                    if !block.contains("event: modified") {
                        continue;
                    }
                    let data: String = block
                        .lines()
                        .filter_map(|l| l.strip_prefix("data:"))
                        .map(str::trim_start)
                        .collect();
                    let data: Value = serde_json::from_str(&data)?;
                    if let Some(n) = data["row"]["labels"]["bench-seq"]
                        .as_str()
                        .and_then(|s| s.parse::<usize>().ok())
                        && let Some(at) = sent.get(n).map(|s| s.load(Ordering::Acquire))
                        && at > 0
                    {
                        let latency = received.saturating_sub(Duration::from_micros(at));
                        latencies.lock().map_err(|_| "poisoned")?.push(latency);
                    }
                }
            }
            Ok::<(), BoxError>(())
        }));
    }
    drop(ready_tx);
    for _ in 0..SUBSCRIBERS {
        ready_rx
            .recv()
            .await
            .ok_or("a subscriber ended before its snapshot")?;
    }

    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / CHANGES_PER_SECOND));
    let mut writes = Vec::new();
    for n in 0..total_changes {
        tick.tick().await;
        let (namespace, name) = targets[n % targets.len()].clone();
        let api: Api<Pod> = Api::namespaced(kube_client.clone(), &namespace);
        let sent = sent.clone();
        let round_trips = round_trips.clone();
        writes.push(tokio::spawn(async move {
            let patch = json!({"metadata": {"labels": {"bench-seq": n.to_string()}}});
            let started = Instant::now();
            let at = u64::try_from(epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
            sent[n].store(at.max(1), Ordering::Release);
            api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
            round_trips
                .lock()
                .map_err(|_| "poisoned")?
                .push(started.elapsed());
            Ok::<(), BoxError>(())
        }));
    }
    for write in writes {
        write.await??;
    }
    // Let the last deltas arrive (bounded: every subscriber should have all of them).
    let expected = total_changes * SUBSCRIBERS;
    let deadline = Instant::now() + Duration::from_secs(30);
    while latencies.lock().map_err(|_| "poisoned")?.len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Sampled every 500 ms for 15 s (three scrapes at 5 s): the lowest falls between scrapes,
    // the highest while one is decoded and joined.
    let mut live_rss = Vec::new();
    for _ in 0..30 {
        live_rss.push(rss_mib());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    live_rss.sort_by(f64::total_cmp);
    for subscriber in subscribers {
        subscriber.abort();
    }
    let mut latencies = latencies.lock().map_err(|_| "poisoned")?.clone();
    latencies.sort();
    let mut round_trips = round_trips.lock().map_err(|_| "poisoned")?.clone();
    round_trips.sort();
    Ok(format!(
        "| SSE delta latency, {SUBSCRIBERS} subscribers, {CHANGES_PER_SECOND} changes/s for {CHANGE_SECONDS} s ({} of {expected} deltas received) | p50 {} · p99 {} · max {} |\n\
         | for comparison: the API server's answer to each PATCH (round trip) | p50 {} · p99 {} |",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        ms(percentile(&round_trips, 0.5)),
        ms(percentile(&round_trips, 0.99)),
    ) + &format!(
        "\n| RSS with the {SUBSCRIBERS} subscribers live, after their deltas (30 samples over 15 s: lowest · median · highest) | {:.0} · {:.0} · {:.0} MiB |",
        live_rss[0],
        live_rss[live_rss.len() / 2],
        live_rss[live_rss.len() - 1],
    ))
}

/// Waits until the history holds a full retention of scrapes, sampling the first page of pods
/// sorted by CPU every 100 ms meanwhile: how long a list waits while scrapes are recorded.
async fn fill_retention<F, Fut>(get: &F, interval: u64) -> Result<Vec<String>, BoxError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Value, BoxError>>,
{
    let started = Instant::now();
    let mut scrapes = std::collections::HashSet::new();
    let mut times = Vec::new();
    let mut rss_at = Vec::new();
    let mut unreachable = Vec::new();
    let limit = Duration::from_secs(interval * RETENTION_SCRAPES as u64 * 3 + 120);
    while (scrapes.len() < RETENTION_SCRAPES || times.len() < 1_000) && started.elapsed() < limit {
        let began = Instant::now();
        match get("api/v1/resources/core/v1/pods?sort=-cpu".to_string()).await {
            Ok(_) => {
                let took = began.elapsed();
                if took > Duration::from_millis(100) {
                    eprintln!(
                        "{} slow list: {} (started {} ms before)",
                        jiff::Timestamp::now(),
                        ms(took),
                        took.as_millis()
                    );
                }
                times.push(took);
            }
            // The console says the API server did not answer its probe in time (a sim of 150,000
            // pods on two shared cores can be that slow): counted and reported, not a stop.
            Err(error) if error.to_string().contains("ClusterUnreachable") => {
                unreachable.push(began.elapsed());
                eprintln!("{:.0} s: {error}", started.elapsed().as_secs_f64());
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
            Err(error) => return Err(error),
        }
        if times.len() % 10 == 0 {
            let Ok(status) = get("api/v1/metrics/status".to_string()).await else {
                continue;
            };
            if let Some(at) = status["metricsServer"]["lastScrape"].as_str()
                && scrapes.insert(at.to_string())
                && scrapes.len() % 30 == 0
            {
                rss_at.push(format!("{} → {:.0} MiB", scrapes.len(), rss_mib()));
                eprintln!(
                    "{:.0} s: {} scrapes recorded, RSS {:.0} MiB, slowest list so far {}",
                    started.elapsed().as_secs_f64(),
                    scrapes.len(),
                    rss_mib(),
                    ms(times.iter().max().copied().unwrap_or_default())
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(100).saturating_sub(began.elapsed())).await;
    }
    times.sort();
    Ok(vec![
        format!(
            "| first page sorted by CPU, sampled every 100 ms while {} scrapes were recorded ({} requests over {:.0} s) | p50 {} · p99 {} · max {} |",
            scrapes.len(),
            times.len(),
            started.elapsed().as_secs_f64(),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(times.last().copied().unwrap_or_default()),
        ),
        format!(
            "| RSS as the history filled (scrapes → RSS) | {} |",
            rss_at.join(", ")
        ),
        format!(
            "| first page sorted by CPU answered 503 ClusterUnreachable meanwhile (the API server missed the console's probe) | {} (slowest {}) |",
            unreachable.len(),
            ms(unreachable.iter().max().copied().unwrap_or_default())
        ),
        format!(
            "| RSS with a full retention ({} scrapes of every pod) | {:.0} MiB |",
            scrapes.len(),
            rss_mib()
        ),
    ])
}

/// The soak: [`SUBSCRIBERS`] SSE subscribers of all pods stay live while the API server changes
/// [`CHANGES_PER_SECOND`] times a second for `minutes` — nine of ten a label patch on one of 1,000
/// pods, one of ten a pod created in namespace `soak` or the oldest of them deleted (at most 200
/// live) — and a person opens the first page of pods every second. The console's resident memory
/// (this process) is sampled every minute; growth is measured against the tenth minute.
async fn soak(
    base: &str,
    kube_client: &kube::Client,
    sim_pid: &str,
    minutes: u64,
) -> Result<Vec<String>, BoxError> {
    use std::sync::atomic::AtomicBool;
    let pods: Api<Pod> = Api::all(kube_client.clone());
    let targets: Vec<(String, String)> = pods
        .list_metadata(&ListParams::default().limit(1_000))
        .await?
        .items
        .into_iter()
        .filter_map(|p| Some((p.metadata.namespace?, p.metadata.name?)))
        .collect();
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(kube_client.clone());
    namespaces
        .create(
            &Default::default(),
            &serde_json::from_value(json!({"metadata": {"name": "soak"}}))?,
        )
        .await?;
    let soak_pods: Api<Pod> = Api::namespaced(kube_client.clone(), "soak");
    let stopping = Arc::new(AtomicBool::new(false));
    let events = Arc::new(AtomicU64::new(0));
    let mut subscribers = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let url = format!("{base}api/v1/watch/core/v1/pods");
        let events = events.clone();
        subscribers.push(tokio::spawn(async move {
            let response = reqwest::get(&url).await?.error_for_status()?;
            let mut body = response.bytes_stream();
            // The console ends a stream with an `error` event saying why: keep the last one.
            let mut last_error = None;
            while let Some(chunk) = body.next().await {
                let chunk = chunk?;
                let blocks = chunk.windows(2).filter(|w| w == b"\n\n").count();
                events.fetch_add(blocks as u64, Ordering::Relaxed);
                let text = String::from_utf8_lossy(&chunk);
                if let Some(at) = text.find("event: error") {
                    last_error = Some(text[at..].chars().take(300).collect::<String>());
                }
            }
            Err::<(), BoxError>(
                format!(
                    "the stream ended{}",
                    last_error.map(|e| format!(": {e}")).unwrap_or_default()
                )
                .into(),
            )
        }));
    }
    let failures = Arc::new(AtomicU64::new(0));
    let changer = {
        let stopping = stopping.clone();
        let failures = failures.clone();
        let kube_client = kube_client.clone();
        tokio::spawn(async move {
            let mut tick =
                tokio::time::interval(Duration::from_micros(1_000_000 / CHANGES_PER_SECOND));
            let mut live: std::collections::VecDeque<String> = Default::default();
            let mut n: u64 = 0;
            while !stopping.load(Ordering::Relaxed) {
                tick.tick().await;
                n += 1;
                let failures = failures.clone();
                if n.is_multiple_of(10) {
                    let api = soak_pods.clone();
                    if live.len() >= 200 || (n.is_multiple_of(20) && !live.is_empty()) {
                        let Some(name) = live.pop_front() else {
                            continue;
                        };
                        tokio::spawn(async move {
                            if api.delete(&name, &Default::default()).await.is_err() {
                                failures.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                    } else {
                        let name = format!("soak-{n}");
                        live.push_back(name.clone());
                        let pod: Pod = match serde_json::from_value(json!({
                            "metadata": {"name": name, "labels": {"app": "soak"}},
                            "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]}
                        })) {
                            Ok(pod) => pod,
                            Err(_) => continue,
                        };
                        tokio::spawn(async move {
                            if api.create(&Default::default(), &pod).await.is_err() {
                                failures.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                    }
                } else {
                    let (namespace, name) = targets[(n as usize) % targets.len()].clone();
                    let api: Api<Pod> = Api::namespaced(kube_client.clone(), &namespace);
                    tokio::spawn(async move {
                        let patch = json!({"metadata": {"labels": {"soak-seq": n.to_string()}}});
                        if api
                            .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                            .await
                            .is_err()
                        {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
            }
            n
        })
    };
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut samples: Vec<(u64, f64, f64)> = vec![(0, rss_mib(), rss_mib_of(sim_pid))];
    let mut page_times = Vec::new();
    let mut page_failures = 0u64;
    let mut next_sample = Duration::from_secs(60);
    while started.elapsed() < Duration::from_secs(minutes * 60) {
        let began = Instant::now();
        let answer = http
            .get(format!(
                "{base}api/v1/resources/core/v1/pods?sort=-creationTimestamp"
            ))
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => {
                let _ = response.bytes().await;
                page_times.push(began.elapsed());
            }
            _ => page_failures += 1,
        }
        if started.elapsed() >= next_sample {
            let minute = next_sample.as_secs() / 60;
            samples.push((minute, rss_mib(), rss_mib_of(sim_pid)));
            eprintln!(
                "soak minute {minute}: console {:.0} MiB, sim {:.0} MiB, {} events to subscribers, {} failed changes",
                rss_mib(),
                rss_mib_of(sim_pid),
                events.load(Ordering::Relaxed),
                failures.load(Ordering::Relaxed)
            );
            next_sample += Duration::from_secs(60);
        }
        tokio::time::sleep(Duration::from_secs(1).saturating_sub(began.elapsed())).await;
    }
    stopping.store(true, Ordering::Relaxed);
    let changes = changer.await?;
    let live_subscribers = subscribers.iter().filter(|s| !s.is_finished()).count();
    // Why each ended subscriber ended, counted by reason.
    let mut ended: std::collections::BTreeMap<String, usize> = Default::default();
    for subscriber in subscribers {
        if subscriber.is_finished() {
            let why = match subscriber.await {
                Ok(Ok(())) => "ended without error".to_string(),
                Ok(Err(error)) => error.to_string(),
                Err(error) => error.to_string(),
            };
            *ended.entry(why).or_default() += 1;
        } else {
            subscriber.abort();
        }
    }
    for (why, count) in &ended {
        eprintln!("{count} subscriber(s) ended: {why}");
    }
    page_times.sort();
    let at_ten = samples
        .iter()
        .find(|(m, _, _)| *m >= 10)
        .map(|(_, rss, _)| *rss);
    let after_ten_max = samples
        .iter()
        .filter(|(m, _, _)| *m >= 10)
        .map(|(_, rss, _)| *rss)
        .fold(f64::NAN, f64::max);
    let series: Vec<String> = samples
        .iter()
        .map(|(m, rss, _)| format!("{m}: {rss:.0}"))
        .collect();
    let sim_series: Vec<String> = samples
        .iter()
        .filter(|(m, _, _)| m % 10 == 0)
        .map(|(m, _, sim)| format!("{m}: {sim:.0}"))
        .collect();
    let mut rows = vec![
        format!(
            "| soak: {minutes} min, {SUBSCRIBERS} live SSE subscribers, {changes} changes ({:.0}/s; {} failed), a first page of pods every second | {} events delivered, {live_subscribers} subscribers still live at the end |",
            changes as f64 / started.elapsed().as_secs_f64(),
            failures.load(Ordering::Relaxed),
            events.load(Ordering::Relaxed),
        ),
        format!("| console RSS by minute (MiB) | {} |", series.join(", ")),
        format!(
            "| sim RSS every 10 minutes (MiB) | {} |",
            sim_series.join(", ")
        ),
        format!(
            "| first page of pods during the soak ({} requests, {page_failures} failed) | p50 {} · p99 {} · max {} |",
            page_times.len(),
            ms(percentile(&page_times, 0.5)),
            ms(percentile(&page_times, 0.99)),
            ms(page_times.last().copied().unwrap_or_default()),
        ),
    ];
    if !ended.is_empty() {
        let reasons: Vec<String> = ended
            .iter()
            .map(|(why, count)| format!("{count}: {why}"))
            .collect();
        rows.push(format!(
            "| subscribers that ended, and why | {} |",
            reasons.join("; ").replace('|', "/").replace('\n', " ")
        ));
    }
    if let Some(base_rss) = at_ten {
        rows.push(format!(
            "| growth after the tenth minute (highest sample vs. minute 10) | {:+.1} % ({base_rss:.0} → {after_ten_max:.0} MiB) |",
            (after_ten_max - base_rss) / base_rss * 100.0
        ));
    }
    Ok(rows)
}
