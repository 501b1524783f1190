//! Metrics ranges longer than the history, from a REAL Prometheus scraping the sim's
//! cAdvisor-style endpoint (`WHEELHOUSE_PROMETHEUS`, else `prometheus` on PATH; Debian package
//! `prometheus`). Without it the test fails when `CI` is set and is skipped otherwise.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{FixedMetrics, TestServer, find_tool, json};
use serde_json::Value;
use wheelhouse_cluster::metrics::MetricsConfig;
use wheelhouse_cluster::metrics::prometheus::PrometheusConfig;
use wheelhouse_server::ServerConfig;
use wheelhouse_sim::{Scenario, SimConfig};

/// A Prometheus process with its config and TSDB in a temporary directory; killed when dropped.
struct RunningPrometheus {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for RunningPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_prometheus(binary: &PathBuf, port: u16, sim: &str) -> RunningPrometheus {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = sim.trim_start_matches("http://");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: cadvisor\n  metrics_path: /metrics/cadvisor\n  static_configs:\n  - targets: ['{target}']\n"
    );
    let config_path = dir.path().join("prometheus.yml");
    std::fs::write(&config_path, config).expect("config written");
    let child = Command::new(binary)
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus starts");
    RunningPrometheus { child, _dir: dir }
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    let response = common::get(server.url(path)).await.expect("request");
    let status = response.status().as_u16();
    (status, json(response).await)
}

fn last_value(values: &Value) -> Option<f64> {
    values.as_array()?.iter().rev().find_map(Value::as_f64)
}

#[tokio::test]
async fn long_ranges_come_from_a_real_prometheus_scraping_the_sims_cadvisor_series() {
    let Some(binary) = find_tool("WHEELHOUSE_PROMETHEUS", "prometheus") else {
        return;
    };
    let port = common::closed_port();
    let config = ServerConfig::default().metrics(
        MetricsConfig::default()
            .interval(Duration::from_millis(500))
            .retention(Duration::from_secs(5))
            .backoff(Duration::from_millis(200), Duration::from_millis(500))
            .prometheus(Some(
                PrometheusConfig::new(format!("http://127.0.0.1:{port}"))
                    .check_interval(Duration::from_millis(500))
                    // Prometheus scrapes every second here; rates over 3 s settle quickly.
                    .min_rate_window(Duration::from_secs(3)),
            )),
    );
    let server = TestServer::on_sim(
        SimConfig::default()
            .scenario(Scenario::Demo)
            .metrics(Arc::new(FixedMetrics)),
        "admin",
        config,
    )
    .await;
    let sim_url = server.sim.as_ref().expect("sim").url().to_string();
    let _prometheus = start_prometheus(&binary, port, &sim_url);

    // The console started before Prometheus: it reports the state, then recovers.
    let mut status = Value::Null;
    for _ in 0..150 {
        let (_, body) = get(&server, "api/v1/metrics/status").await;
        status = body;
        if status["prometheus"]["state"] == "ok" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status["prometheus"]["state"], "ok", "{status}");
    let ranges = status["ranges"].as_array().expect("ranges");
    assert_eq!(ranges[0]["id"], "5s");
    assert_eq!(ranges[0]["source"], "metricsServer");
    assert!(
        ranges
            .iter()
            .any(|r| r["id"] == "7d" && r["source"] == "prometheus"),
        "{status}"
    );

    // A running frontend pod (one container at 100m and 64Mi).
    let api: kube::Api<k8s_openapi::api::core::v1::Pod> =
        kube::Api::namespaced(server.kube().await, "shop");
    let mut name = None;
    for _ in 0..100 {
        let pods = api.list(&Default::default()).await.expect("pods").items;
        name = pods.into_iter().find_map(|p| {
            let running = p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
            p.metadata
                .name
                .filter(|n| n.starts_with("frontend-") && running)
        });
        if name.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let name = name.expect("a running frontend pod");

    // Prometheus needs its rate window (6 s: two steps) of scrapes before the rate settles.
    let path = format!("api/v1/metrics/pods/shop/{name}?range=15m");
    let mut body = Value::Null;
    for _ in 0..100 {
        let (code, b) = get(&server, &path).await;
        assert_eq!(code, 200, "{b}");
        body = b;
        if last_value(&body["series"]["cpu"]).is_some_and(|cpu| (cpu - 0.1).abs() < 0.005) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let series = &body["series"];
    assert_eq!(series["source"], "prometheus", "{body}");
    assert_eq!(
        series["resolutionSeconds"], 3.0,
        "15 minutes in about 240 steps"
    );
    let cpu = last_value(&series["cpu"]).expect("a cpu point");
    assert!(
        (cpu - 0.1).abs() < 0.005,
        "rate of the counter is the usage: {cpu}"
    );
    let memory = last_value(&series["memory"]).expect("a memory point");
    assert_eq!(memory, 64.0 * 1024.0 * 1024.0);
    let containers = body["containers"].as_array().expect("containers");
    assert_eq!(containers[0]["series"]["source"], "prometheus");
    assert!(
        last_value(&containers[0]["series"]["cpu"]).is_some(),
        "{body}"
    );

    // The node's root cgroup series: 1 core and 2Gi.
    let (code, node) = get(&server, "api/v1/metrics/nodes/worker-1?range=15m").await;
    assert_eq!(code, 200, "{node}");
    let cpu = last_value(&node["series"]["cpu"]).expect("a node cpu point");
    assert!((cpu - 1.0).abs() < 0.05, "{cpu}");
    assert_eq!(
        last_value(&node["series"]["memory"]),
        Some(2.0 * 1024.0 * 1024.0 * 1024.0)
    );

    // The Deployment's series sums its three pods.
    let (code, deployment) = get(
        &server,
        "api/v1/metrics/workloads/deployments/shop/frontend?range=15m",
    )
    .await;
    assert_eq!(code, 200, "{deployment}");
    assert_eq!(
        last_value(&deployment["series"]["memory"]),
        Some(3.0 * 64.0 * 1024.0 * 1024.0),
        "{deployment}"
    );
}

#[tokio::test]
async fn the_sims_cadvisor_endpoint_is_served_at_the_kubelet_proxy_path_with_rbac() {
    let server = TestServer::on_sim(
        SimConfig::default()
            .scenario(Scenario::Demo)
            .metrics(Arc::new(FixedMetrics)),
        "admin",
        ServerConfig::default(),
    )
    .await;
    let client = server.kube().await;
    // The sim's kubelet starts the demo's pods within a few seconds.
    let mut text = String::new();
    for _ in 0..100 {
        text = client
            .request_text(
                http::Request::get("/api/v1/nodes/worker-1/proxy/metrics/cadvisor")
                    .body(Vec::new())
                    .expect("request"),
            )
            .await
            .expect("cadvisor text");
        if text.contains("pod=\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        text.contains("# TYPE container_cpu_usage_seconds_total counter"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("container_memory_working_set_bytes{id=\"/\"} 2147483648")),
        "the node's root cgroup: {text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("pod=\"") && l.contains("container=\"")),
        "{text}"
    );
    // A person without nodes/proxy may not read it, as on a real API server.
    let sim = server.sim.as_ref().expect("sim");
    let response = common::client()
        .get(format!(
            "{}/api/v1/nodes/worker-1/proxy/metrics/cadvisor",
            sim.url()
        ))
        .bearer_auth(sim.token("restricted").expect("token"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    assert!(
        !text.contains("node=\""),
        "one node's kubelet adds no node label"
    );
}
