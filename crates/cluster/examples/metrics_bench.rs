//! Figures of the metrics history (not a test): memory of one hour of history for 10,000 pods,
//! the cost of recording a scrape, and the time of a scrape of metrics.k8s.io from the sim.
//!
//! ```text
//! cargo run --release -p wheelhouse-cluster --example metrics_bench [-- --pods 10000]
//! ```
//!
//! Also the first page of 100,000 pods sorted by CPU (usage joined from the history) against
//! sorted by name. The history part is synthetic (two containers on every other pod, 1 h at 30 s = 121 scrapes),
//! measured both by the history's own count of heap bytes and by the process's resident memory.
//! The scrape part runs the simulated API server in this process (`scale` scenario), so its time
//! includes the sim answering.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use kube::config::Kubeconfig;
use wheelhouse_cluster::metrics::history::Latest;
use wheelhouse_cluster::metrics::{History, NodeSample, PodSample, Sample, scrape_once};
use wheelhouse_cluster::{Cluster, ClusterSource, MonitorConfig};
use wheelhouse_sim::{Scenario, Sim, SimConfig};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn scrape(pods: usize, nodes: usize, round: usize) -> (Vec<PodSample>, Vec<NodeSample>) {
    let wave = |i: usize| 0.5 + 0.5 * ((i + round) as f64 / 7.0).sin();
    let pods = (0..pods)
        .map(|i| PodSample {
            namespace: format!("namespace-{}", i % 50),
            name: format!("workload-{}-7d9c5b8f4d-{i:05}", i / 20),
            node: Some(wheelhouse_cluster::facts::shared_name(&format!(
                "node-{}",
                i % nodes
            ))),
            owners: vec![
                (
                    "replicasets",
                    format!("workload-{}-7d9c5b8f4d", i / 20).into(),
                ),
                ("deployments", format!("workload-{}", i / 20).into()),
            ],
            bounds: Default::default(),
            containers: (0..1 + i % 2)
                .map(|c| {
                    (
                        if c == 0 { "app" } else { "sidecar" }.to_string(),
                        Sample {
                            cpu: 0.05 * wave(i + c),
                            memory: 64e6 * (1.0 + wave(i)),
                        },
                    )
                })
                .collect(),
        })
        .collect();
    let nodes = (0..nodes)
        .map(|i| NodeSample {
            name: format!("node-{i}"),
            usage: Sample {
                cpu: 2.0 * wave(i),
                memory: 8e9 * wave(i),
            },
            allocatable: Some(Sample {
                cpu: 8.0,
                memory: 32e9,
            }),
        })
        .collect();
    (pods, nodes)
}

fn history_figures(pods: usize) {
    let nodes = (pods / 20).max(1);
    let interval_ms = 30_000;
    let retention_ms = 3_600_000;
    let scrapes = retention_ms / interval_ms + 1;
    let before = rss_bytes();
    let mut history = History::new(retention_ms, interval_ms);
    let mut record_times = Vec::new();
    // Two more hours than the retention: the history must stay bounded as scrapes fall off.
    for round in 0..(scrapes * 3) {
        let (p, n) = scrape(pods, nodes, round as usize);
        // As the scraper does: totals first, then the (locked) history.
        let latest = Latest::of(&p, &n);
        let started = Instant::now();
        history.record_with(round * interval_ms, p, n, latest);
        record_times.push(started.elapsed());
    }
    let after = rss_bytes();
    let (series, samples) = history.counts();
    record_times.sort();
    let p50 = record_times[record_times.len() / 2];
    let max = record_times[record_times.len() - 1];
    println!(
        "history of {pods} pods ({series} series incl. {nodes} nodes) × {samples} scrapes (1 h at 30 s):"
    );
    println!(
        "  heap counted by the history: {:.1} MB ({:.0} bytes per series)",
        mb(history.heap_bytes()),
        history.heap_bytes() as f64 / series as f64
    );
    println!(
        "  process RSS growth: {:.1} MB (after {} scrapes, 3 h of them)",
        mb(after.saturating_sub(before)),
        scrapes * 3
    );
    println!(
        "  recording one scrape: p50 {:.1} ms, max {:.1} ms",
        p50.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0
    );
}

/// The pod list sorted by CPU (usage joined from the history) against sorted by name, over
/// `pods` rows: the list query's extra cost of a usage sort.
fn usage_sort_figures(pods: usize) {
    use wheelhouse_cluster::metrics::usage::{LatestUsage, UsageKind};
    use wheelhouse_model::query::{ListParams, ListQuery};
    use wheelhouse_model::rows::RowSchema;
    let schema = RowSchema::builtin("", "Pod", true);
    let (samples, _) = scrape(pods, (pods / 20).max(1), 0);
    let rows: Vec<_> = samples
        .iter()
        .map(|p| {
            let object = serde_json::json!({
                "metadata": {"name": p.name, "namespace": p.namespace, "uid": p.name,
                             "creationTimestamp": "2026-11-27T12:00:00Z"},
                "spec": {"containers": p.containers.iter().map(|(n, _)| serde_json::json!({"name": n})).collect::<Vec<_>>()},
                "status": {"phase": "Running"},
            });
            schema.row(&object).expect("a row")
        })
        .collect();
    let mut history = History::new(3_600_000, 30_000);
    history.record(0, samples, Vec::new());
    let latest = history.latest();
    let lookup = LatestUsage {
        latest: &latest,
        kind: UsageKind::Pods,
    };
    let time = |sort: &str| {
        let params = ListParams {
            sort: Some(sort.to_string()),
            ..ListParams::default()
        };
        let query = ListQuery::parse(&params, &schema).expect("query");
        let mut times: Vec<Duration> = (0..50)
            .map(|_| {
                let started = Instant::now();
                let page = query
                    .apply_with_usage(&schema, &rows, Some(&lookup))
                    .expect("page");
                let body = serde_json::to_vec(&page).expect("json");
                std::hint::black_box(body);
                started.elapsed()
            })
            .collect();
        times.sort();
        times[times.len() / 2]
    };
    let by_name = time("name");
    let by_cpu = time("-cpu");
    println!(
        "first page of {pods} pods with usage columns, serialised, p50 of 50: sort=name {:.1} ms, sort=-cpu {:.1} ms",
        by_name.as_secs_f64() * 1000.0,
        by_cpu.as_secs_f64() * 1000.0
    );
}

async fn scrape_figures(pods: usize) -> Result<(), BoxError> {
    let nodes = (pods / 20).max(1);
    let sim = Sim::start(
        SimConfig::default()
            .controllers(false)
            .scenario(Scenario::Scale {
                pods,
                nodes,
                namespaces: (pods / 2_000).max(1),
            }),
    )
    .await?;
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin"))?;
    let connection = wheelhouse_cluster::connect(ClusterSource::Kubeconfig {
        kubeconfig: Box::new(kubeconfig),
        context: None,
    })
    .await?;
    let cluster = Arc::new(Cluster::start(connection, MonitorConfig::default()));
    let history = Arc::new(RwLock::new(History::new(3_600_000, 30_000)));
    // The first scrape also fills the pod, node and ReplicaSet watch caches.
    let started = Instant::now();
    let (p, n) = scrape_once(&cluster, &history).await?;
    println!(
        "first scrape of {p} pods and {n} nodes (with the caches' first lists): {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let mut times = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        scrape_once(&cluster, &history).await?;
        times.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    times.sort();
    println!(
        "scrape of metrics.k8s.io pods and nodes into the history: p50 {:.0} ms, max {:.0} ms (10 runs)",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    );
    drop(cluster);
    sim.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let pods = args
        .iter()
        .position(|a| a == "--pods")
        .and_then(|i| args.get(i + 1))
        .map_or(Ok(10_000), |p| p.parse())?;
    history_figures(pods);
    usage_sort_figures(100_000);
    scrape_figures(pods).await
}
