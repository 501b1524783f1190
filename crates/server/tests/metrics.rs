//! Metrics with history over real HTTP: the scraper against the sim's metrics.k8s.io, history
//! bounds, aggregation per pod, workload, namespace, node and cluster, and the source's states.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{FixedMetrics, TestServer, json};
use serde_json::Value;
use wheelhouse_cluster::metrics::MetricsConfig;
use wheelhouse_server::ServerConfig;
use wheelhouse_sim::{Scenario, SimConfig};

const MI: f64 = 1024.0 * 1024.0;

fn fast(retention: Duration) -> ServerConfig {
    ServerConfig::default().metrics(
        MetricsConfig::default()
            .interval(Duration::from_millis(200))
            .retention(retention)
            .backoff(Duration::from_millis(100), Duration::from_millis(400)),
    )
}

async fn demo_with_fixed_metrics(retention: Duration) -> TestServer {
    TestServer::on_sim(
        SimConfig::default()
            .scenario(Scenario::Demo)
            .metrics(Arc::new(FixedMetrics)),
        "admin",
        fast(retention),
    )
    .await
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    let response = common::get(server.url(path)).await.expect("request");
    let status = response.status().as_u16();
    (status, json(response).await)
}

/// Waits until `/api/v1/metrics/status` reports `state`.
async fn wait_for_state(server: &TestServer, state: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (code, body) = get(server, "api/v1/metrics/status").await;
        assert_eq!(code, 200, "{body}");
        if body["metricsServer"]["state"] == state {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("metrics never reached {state}: {last}");
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64()
        .is_some_and(|a| (a - b).abs() <= b.abs() * 1e-6 + 1e-9)
}

#[tokio::test]
async fn the_scraper_finds_metrics_k8s_io_by_discovery_and_reports_ok() {
    let server = demo_with_fixed_metrics(Duration::from_secs(3600)).await;
    let status = wait_for_state(&server, "ok").await;
    let ms = &status["metricsServer"];
    assert_eq!(ms["apiVersion"], "metrics.k8s.io/v1beta1");
    assert!(ms["lastScrape"].is_string(), "{status}");
    assert_eq!(ms["hint"], Value::Null, "nothing to fix: {status}");
    assert_eq!(ms["retentionSeconds"], 3600.0);
    assert_eq!(status["prometheus"], Value::Null);
    let ids: Vec<&str> = status["ranges"]
        .as_array()
        .expect("ranges")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["15m", "1h"], "what one hour of history can serve");
}

#[tokio::test]
async fn a_workload_sums_its_pods_and_their_requests_and_limits() {
    let server = demo_with_fixed_metrics(Duration::from_secs(60)).await;
    wait_for_state(&server, "ok").await;
    // shop/frontend: 3 replicas of one container with 100m/500m CPU and 64Mi/256Mi memory,
    // each using 100m and 64Mi; owned through a ReplicaSet.
    let mut body = Value::Null;
    for _ in 0..50 {
        let (code, b) = get(
            &server,
            "api/v1/metrics/workloads/deployments/shop/frontend",
        )
        .await;
        assert_eq!(code, 200, "{b}");
        body = b;
        if close(&body["current"]["cpu"]["usage"], 0.3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(body["target"]["kind"], "Deployment");
    let current = &body["current"];
    assert!(close(&current["cpu"]["usage"], 0.3), "{body}");
    assert!(close(&current["cpu"]["requests"], 0.3), "{body}");
    assert!(close(&current["cpu"]["limits"], 1.5), "{body}");
    assert!(
        close(&current["memory"]["usage"], 3.0 * 64.0 * MI),
        "{body}"
    );
    assert!(
        close(&current["memory"]["requests"], 3.0 * 64.0 * MI),
        "{body}"
    );
    assert!(
        close(&current["memory"]["limits"], 3.0 * 256.0 * MI),
        "{body}"
    );
    assert_eq!(
        current["cpu"]["allocatable"],
        Value::Null,
        "a workload has none"
    );
    let series = &body["series"];
    assert_eq!(series["source"], "metricsServer");
    let cpu = series["cpu"].as_array().expect("cpu");
    assert_eq!(cpu.len(), series["timestamps"].as_array().expect("t").len());
    assert!(close(cpu.last().expect("a sample"), 0.3), "{series}");
}

#[tokio::test]
async fn a_namespace_node_and_the_cluster_sum_what_metrics_server_reports() {
    let server = demo_with_fixed_metrics(Duration::from_secs(60)).await;
    wait_for_state(&server, "ok").await;
    let kube = server.kube().await;
    let nodes: Vec<k8s_openapi::api::core::v1::Node> = kube::Api::all(kube.clone())
        .list(&Default::default())
        .await
        .expect("nodes")
        .items;
    let allocatable_cpu: f64 = nodes
        .iter()
        .map(|n| {
            let q = &n
                .status
                .as_ref()
                .expect("status")
                .allocatable
                .as_ref()
                .expect("alloc")["cpu"];
            wheelhouse_model::quantity::parse(&q.0).expect("cpu")
        })
        .sum();

    // The first scrapes may come before the sim's kubelet has started the pods.
    let mut cluster = Value::Null;
    for _ in 0..50 {
        let (code, body) = get(&server, "api/v1/metrics/cluster").await;
        assert_eq!(code, 200, "{body}");
        cluster = body;
        if cluster["top"]["pods"]
            .as_array()
            .is_some_and(|p| p.len() == 10)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        close(&cluster["current"]["cpu"]["usage"], nodes.len() as f64),
        "{cluster}"
    );
    assert!(
        close(&cluster["current"]["cpu"]["allocatable"], allocatable_cpu),
        "{cluster}"
    );
    let top = &cluster["top"];
    assert_eq!(
        top["nodes"].as_array().expect("nodes").len(),
        nodes.len().min(10)
    );
    assert!(close(&top["nodes"][0]["cpu"], 1.0), "{top}");
    assert!(!top["pods"].as_array().expect("pods").is_empty(), "{top}");

    let node = nodes[0].metadata.name.clone().expect("name");
    let (code, body) = get(&server, &format!("api/v1/metrics/nodes/{node}")).await;
    assert_eq!(code, 200, "{body}");
    assert!(
        close(&body["current"]["memory"]["usage"], 2048.0 * MI),
        "{body}"
    );
    assert!(
        body["current"]["memory"]["capacity"].as_f64().is_some(),
        "{body}"
    );

    // The namespace's usage is the sum of its pods' containers in metrics.k8s.io.
    let mut last = Value::Null;
    for _ in 0..50 {
        let list: Value = kube
            .request(
                http::Request::get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods")
                    .body(Vec::new())
                    .expect("request"),
            )
            .await
            .expect("pod metrics");
        let containers: usize = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["containers"].as_array().map_or(0, Vec::len))
            .sum();
        let (code, body) = get(&server, "api/v1/metrics/namespaces/shop").await;
        assert_eq!(code, 200, "{body}");
        if containers > 0 && close(&body["current"]["cpu"]["usage"], containers as f64 * 0.1) {
            assert!(
                close(
                    &body["current"]["memory"]["usage"],
                    containers as f64 * 64.0 * MI
                ),
                "{body}"
            );
            assert!(
                body["top"]["pods"]
                    .as_array()
                    .expect("top")
                    .iter()
                    .all(|p| p["namespace"] == "shop"),
                "{body}"
            );
            return;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the namespace never summed its {last}");
}

#[tokio::test]
async fn several_namespaces_sum_their_pods_and_share_one_top_list() {
    let server = demo_with_fixed_metrics(Duration::from_secs(60)).await;
    wait_for_state(&server, "ok").await;
    let cpu = |body: &Value| body["current"]["cpu"]["usage"].as_f64().unwrap_or(0.0);
    let mut last = Value::Null;
    for _ in 0..50 {
        let (_, shop) = get(&server, "api/v1/metrics/namespaces/shop").await;
        let (_, system) = get(&server, "api/v1/metrics/namespaces/kube-system").await;
        let (code, both) = get(
            &server,
            "api/v1/metrics/namespaces?namespace=shop,kube-system",
        )
        .await;
        assert_eq!(code, 200, "{both}");
        // Scrapes land between the reads: the same figures twice in a row settle it.
        let (_, again) = get(&server, "api/v1/metrics/namespaces/shop").await;
        let (_, system_again) = get(&server, "api/v1/metrics/namespaces/kube-system").await;
        if cpu(&shop) > 0.0
            && cpu(&system) > 0.0
            && close(&again["current"]["cpu"]["usage"], cpu(&shop))
            && close(&system_again["current"]["cpu"]["usage"], cpu(&system))
            && close(&both["current"]["cpu"]["usage"], cpu(&shop) + cpu(&system))
        {
            assert_eq!(both["target"]["kind"], "Namespaces", "{both}");
            assert_eq!(both["target"]["name"], "kube-system,shop", "{both}");
            let top: Vec<&str> = both["top"]["pods"]
                .as_array()
                .expect("top")
                .iter()
                .map(|p| p["namespace"].as_str().expect("namespace"))
                .collect();
            assert!(
                top.iter().all(|n| ["shop", "kube-system"].contains(n)),
                "{both}"
            );
            // The shared list is the busiest of both namespaces' own lists: pods of equal use may
            // come from either, so the figures are compared, not the names.
            let cpus = |body: &Value| -> Vec<f64> {
                body["top"]["pods"]
                    .as_array()
                    .expect("top")
                    .iter()
                    .map(|p| p["cpu"].as_f64().expect("cpu"))
                    .collect()
            };
            let mut merged = [cpus(&shop), cpus(&system)].concat();
            merged.sort_by(|a, b| b.total_cmp(a));
            merged.truncate(cpus(&both).len());
            assert_eq!(cpus(&both), merged, "{both}");
            assert!(top.contains(&"kube-system"), "{both}");
            let busiest = |body: &Value| cpus(body).first().copied().unwrap_or(0.0);
            if busiest(&shop) > cpus(&both).last().copied().unwrap_or(0.0) {
                assert!(top.contains(&"shop"), "{both}");
            }
            // None named is a mistake, said so; an unknown one is a 404 as for one namespace.
            let (code, body) = get(&server, "api/v1/metrics/namespaces?namespace=").await;
            assert_eq!(code, 400, "{body}");
            let (code, body) =
                get(&server, "api/v1/metrics/namespaces?namespace=shop,nowhere").await;
            assert_eq!(code, 404, "{body}");
            return;
        }
        last = both;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the namespaces never summed: {last}");
}

#[tokio::test]
async fn a_namespace_has_metrics_for_a_person_who_may_not_list_namespaces() {
    // The sim's `restricted` user may use pods in team-a only: not namespaces, not the cluster.
    let server = TestServer::on_sim(
        SimConfig::default()
            .scenario(Scenario::Demo)
            .metrics(Arc::new(FixedMetrics)),
        "restricted",
        fast(Duration::from_secs(60)).allowed_namespaces(vec!["team-a".into()]),
    )
    .await;
    let mut last = Value::Null;
    for _ in 0..100 {
        let (code, body) = get(&server, "api/v1/metrics/namespaces/team-a").await;
        assert_eq!(code, 200, "{body}");
        if body["current"]["cpu"]["usage"]
            .as_f64()
            .is_some_and(|c| c > 0.0)
        {
            assert!(
                body["top"]["pods"]
                    .as_array()
                    .is_some_and(|p| !p.is_empty() && p.iter().all(|p| p["namespace"] == "team-a")),
                "{body}"
            );
            let (code, body) = get(&server, "api/v1/metrics/namespaces?namespace=team-a").await;
            assert_eq!(code, 200, "{body}");
            // A namespace this identity may not read is not a chart of nothing: the answer says
            // its pod metrics are not scraped, and why — the API server's refusal of the
            // configured namespace (default, the context's), or that team-b is not configured.
            let (code, body) = get(
                &server,
                "api/v1/metrics/namespaces?namespace=team-a,default",
            )
            .await;
            assert_eq!(code, 403, "{body}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains("pod metrics in namespace default are not scraped")
                    && message.contains("\"default\"")
                    && message.contains("forbidden"),
                "{body}"
            );
            let (code, body) = get(&server, "api/v1/metrics/namespaces/team-b").await;
            assert_eq!(code, 403, "{body}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains("team-b is not one of them"), "{body}");
            return;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("team-a never had metrics: {last}");
}

#[tokio::test]
async fn a_pod_has_a_series_per_container_bounded_by_the_retention() {
    let server = demo_with_fixed_metrics(Duration::from_secs(1)).await;
    wait_for_state(&server, "ok").await;
    // A frontend pod that runs (the sim's kubelet starts them within a few seconds).
    let api: kube::Api<k8s_openapi::api::core::v1::Pod> =
        kube::Api::namespaced(server.kube().await, "shop");
    let mut running = None;
    for _ in 0..100 {
        let pods = api.list(&Default::default()).await.expect("pods").items;
        running = pods.into_iter().find(|p| {
            p.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("frontend-"))
                && p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
        });
        if running.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pod = running.expect("a running frontend pod");
    let name = pod.metadata.name.as_deref().expect("name");
    // Scrapes every 200 ms for two seconds and more: the series fills, and at no point holds
    // more than the one second of retention (however slowly the machine scrapes).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut first_end = None;
    let body = loop {
        let (code, body) = get(
            &server,
            &format!("api/v1/metrics/pods/shop/{name}?range=1s"),
        )
        .await;
        assert_eq!(code, 200, "{body}");
        let timestamps = body["series"]["timestamps"].as_array().expect("timestamps");
        let end = body["series"]["end"].as_f64().expect("end");
        if let Some(first) = timestamps.first().and_then(Value::as_f64) {
            assert!(
                end - first <= 1.2,
                "nothing older than the retention: {body}"
            );
        }
        assert!(
            timestamps.len() <= 7,
            "at most one second of 200 ms scrapes: {}",
            timestamps.len()
        );
        let since = end - *first_end.get_or_insert(end);
        if since >= 2.0 && timestamps.len() >= 3 {
            break body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the series never filled: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let containers = body["containers"].as_array().expect("containers");
    assert_eq!(containers.len(), 1);
    let spec = pod.spec.as_ref().expect("spec");
    assert_eq!(containers[0]["name"], spec.containers[0].name.as_str());
    assert!(
        close(&containers[0]["current"]["cpu"]["requests"], 0.1),
        "{body}"
    );
    assert!(
        close(&containers[0]["current"]["cpu"]["limits"], 0.5),
        "{body}"
    );
    assert!(close(&body["current"]["cpu"]["usage"], 0.1), "{body}");
}

#[tokio::test]
async fn unknown_targets_are_404_and_a_bad_range_is_400_naming_the_valid_ones() {
    let server = demo_with_fixed_metrics(Duration::from_secs(3600)).await;
    wait_for_state(&server, "ok").await;
    let (code, body) = get(&server, "api/v1/metrics/pods/shop/no-such-pod").await;
    assert_eq!(code, 404, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("no-such-pod")
    );
    let (code, body) = get(&server, "api/v1/metrics/workloads/deployments/shop/nope").await;
    assert_eq!(code, 404, "{body}");
    let (code, body) = get(&server, "api/v1/metrics/workloads/cronjobs/shop/x").await;
    assert_eq!(code, 400, "{body}");
    let (code, body) = get(&server, "api/v1/metrics/cluster?range=6h").await;
    assert_eq!(code, 400, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("15m, 1h"), "{message}");
    assert_eq!(
        body["error"]["details"]["validRanges"],
        serde_json::json!(["15m", "1h"])
    );
}

#[tokio::test]
async fn without_metrics_server_the_state_says_so_and_how_to_install_it() {
    let server = TestServer::on_sim(
        SimConfig::default()
            .scenario(Scenario::Demo)
            .metrics_server(false),
        "admin",
        fast(Duration::from_secs(60)),
    )
    .await;
    let groups = server.kube().await.list_api_groups().await.expect("groups");
    assert!(
        groups.groups.iter().all(|g| g.name != "metrics.k8s.io"),
        "the sim serves no metrics.k8s.io"
    );
    let status = wait_for_state(&server, "notInstalled").await;
    let ms = &status["metricsServer"];
    assert!(
        ms["message"]
            .as_str()
            .expect("message")
            .contains("metrics-server is not installed"),
        "{status}"
    );
    assert!(
        ms["hint"].as_str().expect("hint").contains("kubectl apply"),
        "{status}"
    );
    assert_eq!(ms["apiVersion"], Value::Null);
    let (code, body) = get(&server, "api/v1/metrics/namespaces/shop").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["state"]["state"], "notInstalled");
    assert_eq!(body["current"], Value::Null);
    assert_eq!(body["series"], Value::Null);
}

#[tokio::test]
async fn an_identity_that_may_not_read_metrics_sees_forbidden() {
    let server = TestServer::on_sim(
        SimConfig::default().scenario(Scenario::Demo),
        "restricted",
        fast(Duration::from_secs(60)),
    )
    .await;
    let status = wait_for_state(&server, "forbidden").await;
    let ms = &status["metricsServer"];
    assert!(
        ms["message"]
            .as_str()
            .expect("message")
            .contains("forbidden"),
        "{status}"
    );
    assert!(
        ms["hint"]
            .as_str()
            .expect("hint")
            .contains("system:aggregated-metrics-reader"),
        "{status}"
    );
}

/// Waits until the pods list carries a usage cell in its first row when sorted by `sort`.
async fn list_with_usage(server: &TestServer, path: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..50 {
        let (code, body) = get(server, path).await;
        assert_eq!(code, 200, "{body}");
        if body["items"][0]["cpu"].is_object() {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no usage in {path}: {last}");
}

#[tokio::test]
async fn lists_of_pods_workloads_and_nodes_have_usage_columns_sorted_on_the_server() {
    let server = demo_with_fixed_metrics(Duration::from_secs(60)).await;
    wait_for_state(&server, "ok").await;

    let pods = list_with_usage(
        &server,
        "api/v1/resources/core/v1/pods?namespace=shop&sort=-memory&pageSize=500",
    )
    .await;
    let columns = pods["columns"].as_array().expect("columns");
    let cpu = columns
        .iter()
        .find(|c| c["id"] == "cpu")
        .expect("a cpu column");
    assert_eq!(cpu["type"], "usage");
    assert_eq!(cpu["title"], "columns|CPU");
    assert_eq!(cpu["sortable"], true);
    let items = pods["items"].as_array().expect("items");
    // Sorted by memory, largest first; pods without a sample (not running) last.
    let memory: Vec<Option<f64>> = items
        .iter()
        .map(|i| i["memory"]["usage"].as_f64())
        .collect();
    let with_sample = memory.iter().take_while(|m| m.is_some()).count();
    assert!(
        memory[with_sample..].iter().all(Option::is_none),
        "{memory:?}"
    );
    assert!(
        memory[..with_sample].windows(2).all(|w| w[0] >= w[1]),
        "descending: {memory:?}"
    );
    let frontend = items
        .iter()
        .find(|i| {
            i["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("frontend-"))
                && i["cpu"].is_object()
        })
        .expect("a running frontend pod");
    let cell = &frontend["cpu"];
    assert!(close(&cell["usage"], 0.1), "{cell}");
    assert!(close(&cell["requests"], 0.1), "{cell}");
    assert!(close(&cell["limits"], 0.5), "{cell}");
    assert!(
        close(&cell["percent"], 100.0),
        "usage against requests: {cell}"
    );
    assert_eq!(cell["of"], "requests");

    let deployments = list_with_usage(
        &server,
        "api/v1/resources/apps/v1/deployments?namespace=shop&sort=-cpu",
    )
    .await;
    let frontend = deployments["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == "frontend")
        .expect("frontend");
    assert!(
        close(&frontend["memory"]["usage"], 3.0 * 64.0 * MI),
        "{frontend}"
    );
    assert!(
        close(&frontend["memory"]["limits"], 3.0 * 256.0 * MI),
        "{frontend}"
    );

    let nodes = list_with_usage(&server, "api/v1/resources/core/v1/nodes?sort=cpu").await;
    let node = &nodes["items"][0];
    assert_eq!(node["cpu"]["of"], "allocatable", "{node}");
    assert!(
        node["cpu"]["percent"].as_f64().is_some_and(|p| p > 0.0),
        "{node}"
    );
    assert!(
        node["cpu"]["requests"].as_f64().is_some(),
        "its pods' requests: {node}"
    );

    // Kinds without usage have no such columns, and sorting by them is refused as before.
    let (code, body) = get(&server, "api/v1/resources/core/v1/services?sort=cpu").await;
    assert_eq!(code, 400, "{body}");
}

#[tokio::test]
async fn when_the_cluster_stops_answering_the_source_is_unreachable_and_keeps_its_history() {
    let mut server = demo_with_fixed_metrics(Duration::from_secs(60)).await;
    let ok = wait_for_state(&server, "ok").await;
    let last_scrape = ok["metricsServer"]["lastScrape"].clone();
    assert!(last_scrape.is_string(), "{ok}");
    server.sim.take().expect("sim").shutdown().await;
    let status = wait_for_state(&server, "unreachable").await;
    let ms = &status["metricsServer"];
    assert!(
        ms["message"]
            .as_str()
            .expect("message")
            .starts_with("metrics-server is not reachable: "),
        "{status}"
    );
    assert!(
        ms["hint"].as_str().expect("hint").contains("kubectl"),
        "{status}"
    );
    assert!(
        ms["lastScrape"].is_string(),
        "the last good scrape is still named: {status}"
    );
}

#[tokio::test]
async fn on_a_fresh_cluster_the_second_scrape_comes_in_seconds_not_a_whole_interval() {
    // The default interval (30 s), on the demo: its pods are still starting at the first scrape.
    let server = TestServer::on_sim(
        SimConfig::default().scenario(Scenario::Demo),
        "admin",
        ServerConfig::default(),
    )
    .await;
    let status = wait_for_state(&server, "ok").await;
    assert_eq!(status["metricsServer"]["intervalSeconds"], 30.0, "{status}");
    let first = status["metricsServer"]["lastScrape"].clone();
    let started = std::time::Instant::now();
    let second = loop {
        let (_, body) = get(&server, "api/v1/metrics/status").await;
        if body["metricsServer"]["lastScrape"] != first {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no second scrape within 15 s of the first: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(second < Duration::from_secs(10), "took {second:?}");
    // By then the demo's pods run, and the pods list shows what they use.
    let running = list_with_usage(
        &server,
        "api/v1/resources/core/v1/pods?namespace=shop&sort=-cpu",
    )
    .await;
    assert!(
        running["items"][0]["cpu"]["usage"]
            .as_f64()
            .is_some_and(|cpu| cpu > 0.0),
        "{running}"
    );
}

/// The newest timestamps of the cluster's usage series (seconds).
async fn cluster_timestamps(server: &TestServer) -> Vec<f64> {
    let (code, body) = get(server, "api/v1/metrics/cluster?range=1m").await;
    assert_eq!(code, 200, "{body}");
    body["series"]["timestamps"]
        .as_array()
        .expect("timestamps")
        .iter()
        .filter_map(Value::as_f64)
        .collect()
}

/// metrics-server flaps three times (its APIService answering 503, as the aggregator does while
/// its pod restarts). Each time the source says it is unreachable with the aggregator's reason
/// while lists go on answering, says ok again once it answers, and the history resumes after a
/// gap where nothing was scraped, rather than drawing the outage as samples.
#[tokio::test]
async fn a_flapping_metrics_server_is_reported_each_time_and_its_history_resumes_after_a_gap() {
    let server = demo_with_fixed_metrics(Duration::from_secs(60)).await;
    let faults = server.sim.as_ref().expect("sim").faults();
    wait_for_state(&server, "ok").await;
    for flap in 1..=3 {
        faults.metrics_unavailable(true);
        let down = wait_for_state(&server, "unreachable").await;
        let message = down["metricsServer"]["message"].as_str().expect("message");
        assert!(
            message.contains("the server is currently unable to handle the request"),
            "flap {flap}: {down}"
        );
        // Lists do not wait for metrics, and still answer while it is down.
        let (code, nodes) = get(&server, "api/v1/resources/core/v1/nodes?sort=-cpu").await;
        assert_eq!(code, 200, "flap {flap}: {nodes}");
        assert_eq!(nodes["state"], "ready", "flap {flap}: {nodes}");
        assert!(
            !nodes["items"].as_array().expect("items").is_empty(),
            "{nodes}"
        );
        let before_outage = cluster_timestamps(&server).await;
        // Well past several scrape intervals (200 ms) with nothing to scrape.
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert_eq!(
            cluster_timestamps(&server).await.last(),
            before_outage.last(),
            "flap {flap}: no sample is recorded while metrics-server is down"
        );
        faults.metrics_unavailable(false);
        let up = wait_for_state(&server, "ok").await;
        assert_ne!(
            up["metricsServer"]["lastScrape"], down["metricsServer"]["lastScrape"],
            "flap {flap}: a new scrape after the outage: {up}"
        );
    }
    // The series has samples after the last outage, and a gap of at least the outage's length
    // between two of them (three outages of 1.5 s or more at a 200 ms interval).
    let timestamps = cluster_timestamps(&server).await;
    let gaps = timestamps
        .windows(2)
        .filter(|pair| pair[1] - pair[0] >= 1.4)
        .count();
    assert!(gaps >= 3, "three gaps in {timestamps:?}");
}
