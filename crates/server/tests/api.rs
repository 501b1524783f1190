//! The JSON API over real HTTP against the simulated cluster (or one that does not answer).

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{TestServer, json};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use kube::Api;
use kube::api::ListParams;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wheelhouse_server::ServerConfig;

#[tokio::test]
async fn healthz_answers_a_request_without_any_header() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    // HTTP/1.0 needs no Host: this is the barest request a probe can send.
    let mut stream = tokio::net::TcpStream::connect(server.address)
        .await
        .expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\n\r\n")
        .await
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.0 200"), "{response}");
    assert!(response.ends_with("ok"), "{response}");
}

#[tokio::test]
async fn readyz_is_ready_when_the_cluster_answers() {
    let server = TestServer::demo(ServerConfig::default()).await;
    server.wait_ready().await;
    let response = common::get(server.url("readyz")).await.expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(json(response).await, serde_json::json!({"status": "ready"}));
}

#[tokio::test]
async fn readyz_is_503_with_the_reason_when_the_cluster_is_unreachable() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    let server_url = server.cluster.info().server.clone();
    // Before the first check the reason says so; after it, it names the unreachable server.
    let mut body = serde_json::Value::Null;
    for _ in 0..50 {
        let response = common::get(server.url("readyz")).await.expect("request");
        assert_eq!(
            response.status(),
            503,
            "never ready while the cluster is unreachable"
        );
        body = json(response).await;
        if body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot reach"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(body["status"], "not ready");
    let reason = body["reason"].as_str().expect("a reason");
    assert!(
        reason.contains("cannot reach") && reason.contains(&server_url),
        "{reason}"
    );
}

#[tokio::test]
async fn the_server_recovers_when_an_unreachable_cluster_comes_up() {
    let port = common::closed_port();
    let server =
        TestServer::with_kubeconfig(common::admin_kubeconfig(port), ServerConfig::default()).await;
    let overview = common::get(server.url("api/v1/overview"))
        .await
        .expect("request");
    assert_eq!(overview.status(), 503, "nothing listens yet");

    let sim = wheelhouse_sim::Sim::start(
        wheelhouse_sim::SimConfig::default()
            .scenario(wheelhouse_sim::Scenario::Demo)
            .listen(([127, 0, 0, 1], port).into()),
    )
    .await
    .expect("the sim starts on the port the server keeps trying");
    server.wait_ready().await;
    let overview = common::get(server.url("api/v1/overview"))
        .await
        .expect("request");
    assert_eq!(overview.status(), 200);
    assert!(
        json(overview).await["nodes"]["total"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );

    sim.shutdown().await;
    let mut status = 200;
    for _ in 0..50 {
        status = common::get(server.url("readyz"))
            .await
            .expect("request")
            .status()
            .as_u16();
        if status == 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 503, "not ready again once the cluster is gone");
    assert_eq!(
        common::get(server.url("healthz"))
            .await
            .expect("request")
            .status(),
        200,
        "but still alive"
    );
}

#[tokio::test]
async fn version_reports_this_build_and_the_clusters_version() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let truth = server
        .kube()
        .await
        .apiserver_version()
        .await
        .expect("the sim answers /version");
    let body = json(
        common::get(server.url("api/v1/version"))
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    let commit = body["gitCommit"].as_str().expect("gitCommit");
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    let build_time = body["buildTime"].as_str().expect("buildTime");
    assert!(
        build_time.parse::<jiff::Timestamp>().is_ok(),
        "buildTime is RFC 3339: {build_time}"
    );
    assert_eq!(body["cluster"]["gitVersion"], truth.git_version);
}

#[tokio::test]
async fn cluster_names_the_cluster_and_says_it_is_connected() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let response = common::get(server.url("api/v1/cluster"))
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["name"], server.cluster.info().name);
    let sim_address = server.sim.as_ref().expect("sim").addr().to_string();
    assert!(
        body["server"]
            .as_str()
            .is_some_and(|s| s.ends_with(&sim_address)),
        "{body}"
    );
    assert_eq!(body["connected"], true);
    assert_eq!(body["error"], serde_json::Value::Null);
    assert_eq!(
        body["demo"], false,
        "a cluster from a kubeconfig is not the demo"
    );
    assert_eq!(body["login"], "local", "on loopback without --login");
    assert!(
        body["serverVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with('v')),
        "{body}"
    );
    assert!(
        body["lastCheck"]
            .as_str()
            .is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok()),
        "{body}"
    );
}

#[tokio::test]
async fn cluster_explains_why_an_unreachable_cluster_cannot_be_used() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    let body = json(
        common::get(server.url("api/v1/cluster"))
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(body["connected"], false);
    assert_eq!(body["error"]["reason"], "ClusterUnreachable");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(message.contains(&server.cluster.info().server), "{message}");
}

#[tokio::test]
async fn rejected_credentials_are_reported_as_unauthorized_with_what_to_do() {
    let server = TestServer::demo_as("nobody-we-know", ServerConfig::default()).await;
    let body = json(
        common::get(server.url("api/v1/cluster"))
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(body["connected"], false, "{body}");
    assert_eq!(body["error"]["reason"], "Unauthorized", "{body}");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains("nobody-we-know") && message.contains("kubeconfig"),
        "{message}"
    );

    let overview = common::get(server.url("api/v1/overview"))
        .await
        .expect("request");
    assert_eq!(overview.status(), 503);
    assert_eq!(json(overview).await["error"]["reason"], "Unauthorized");
    assert_eq!(
        common::get(server.url("readyz"))
            .await
            .expect("request")
            .status(),
        503
    );
}

#[tokio::test]
async fn an_identity_that_may_not_list_nodes_gets_a_403_at_once_saying_so() {
    // The sim's `restricted` user reads pods and events in team-a only.
    let server = TestServer::demo_as("restricted", ServerConfig::default()).await;
    server.wait_ready().await;
    let started = std::time::Instant::now();
    let response = common::get(server.url("api/v1/overview"))
        .await
        .expect("request");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a refusal is not waited out: {:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), 403);
    let body = json(response).await;
    assert_eq!(body["error"]["reason"], "Forbidden");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.contains("restricted") && message.contains("all namespaces"),
        "{message}"
    );
}

#[tokio::test]
async fn an_identity_limited_to_its_namespaces_gets_their_overview_and_what_was_refused() {
    // `restricted` may list pods and events in team-a only; the console is configured for team-a
    // and team-b (and its context's namespace, default), so team-a is read on its own and each
    // refusal is named.
    let server = TestServer::demo_as(
        "restricted",
        ServerConfig::default().allowed_namespaces(vec!["team-a".into(), "team-b".into()]),
    )
    .await;
    server.wait_ready().await;
    let team_a = Api::<Pod>::namespaced(server.kube().await, "team-a");
    // The sim's controllers may still be changing pods: compare until both reads agree.
    let mut body = serde_json::Value::Null;
    let mut counted = false;
    for _ in 0..30 {
        let response = common::get(server.url("api/v1/overview"))
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        body = json(response).await;
        let pods = team_a
            .list(&ListParams::default())
            .await
            .expect("admin lists team-a");
        if !pods.items.is_empty() && body["pods"]["total"] == pods.items.len() {
            counted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(counted, "team-a's pods, and only they, are counted: {body}");
    let namespaces: Vec<&str> = body["namespaces"]
        .as_array()
        .expect("namespaces")
        .iter()
        .map(|n| n["name"].as_str().expect("name"))
        .collect();
    assert_eq!(namespaces, ["team-a"], "{body}");
    assert_eq!(body["nodes"]["total"], 0, "{body}");
    let hidden: BTreeMap<&str, &str> = body["hidden"]
        .as_array()
        .expect("hidden")
        .iter()
        .map(|w| {
            assert_eq!(w["reason"], "Forbidden", "{w}");
            (
                w["what"].as_str().expect("what"),
                w["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(
        hidden.keys().copied().collect::<Vec<_>>(),
        [
            "events in all namespaces",
            "events in namespace default",
            "events in namespace team-b",
            "namespaces",
            "nodes",
            "pods in all namespaces",
            "pods in namespace default",
            "pods in namespace team-b",
        ],
        "{body}"
    );
    // The API server's own words, naming who was refused what.
    let team_b = hidden["pods in namespace team-b"];
    assert!(
        team_b.contains("restricted") && team_b.contains("team-b"),
        "{team_b}"
    );
}

#[tokio::test]
async fn overview_of_an_unreachable_cluster_is_a_503_saying_why() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    let response = common::get(server.url("api/v1/overview"))
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    let body = json(response).await;
    assert_eq!(body["error"]["code"], 503);
    assert_eq!(body["error"]["reason"], "ClusterUnreachable");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("keeps retrying")),
        "{body}"
    );
}

/// The counts a person would get from kubectl, to compare with the overview.
#[derive(Debug, PartialEq)]
struct Counts {
    nodes: usize,
    ready_nodes: usize,
    pods: usize,
    by_phase: BTreeMap<String, usize>,
    pods_per_namespace: BTreeMap<String, usize>,
}

async fn counts_from_the_sim(client: kube::Client) -> Counts {
    let nodes = Api::<Node>::all(client.clone())
        .list(&ListParams::default())
        .await
        .expect("nodes");
    let pods = Api::<Pod>::all(client.clone())
        .list(&ListParams::default())
        .await
        .expect("pods");
    let namespaces = Api::<Namespace>::all(client)
        .list(&ListParams::default())
        .await
        .expect("namespaces");
    let ready_nodes = nodes
        .items
        .iter()
        .filter(|n| {
            n.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .count();
    let mut by_phase: BTreeMap<String, usize> =
        ["Running", "Pending", "Succeeded", "Failed", "Unknown"]
            .iter()
            .map(|p| (p.to_string(), 0))
            .collect();
    let mut pods_per_namespace: BTreeMap<String, usize> = namespaces
        .items
        .iter()
        .filter_map(|n| n.metadata.name.clone())
        .map(|n| (n, 0))
        .collect();
    for pod in &pods.items {
        let phase = pod
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Unknown".into());
        *by_phase.entry(phase).or_default() += 1;
        *pods_per_namespace
            .entry(pod.metadata.namespace.clone().unwrap_or_default())
            .or_default() += 1;
    }
    Counts {
        nodes: nodes.items.len(),
        ready_nodes,
        pods: pods.items.len(),
        by_phase,
        pods_per_namespace,
    }
}

fn counts_from_the_overview(body: &serde_json::Value) -> Counts {
    let number =
        |v: &serde_json::Value| usize::try_from(v.as_u64().expect("a count")).expect("fits");
    Counts {
        nodes: number(&body["nodes"]["total"]),
        ready_nodes: number(&body["nodes"]["ready"]),
        pods: number(&body["pods"]["total"]),
        by_phase: body["pods"]["byPhase"]
            .as_object()
            .expect("byPhase")
            .iter()
            .map(|(k, v)| (k.clone(), number(v)))
            .collect(),
        pods_per_namespace: body["namespaces"]
            .as_array()
            .expect("namespaces")
            .iter()
            .map(|n| {
                (
                    n["name"].as_str().expect("name").to_string(),
                    number(&n["pods"]),
                )
            })
            .collect(),
    }
}

#[tokio::test]
async fn overview_numbers_match_what_the_cluster_holds() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let client = server.kube().await;
    // The sim's controllers keep changing pods; compare until a read of both sides agrees.
    let mut last = None;
    for _ in 0..30 {
        let response = common::get(server.url("api/v1/overview"))
            .await
            .expect("request");
        assert_eq!(response.status(), 200);
        let body = json(response).await;
        let truth = counts_from_the_sim(client.clone()).await;
        let seen = counts_from_the_overview(&body);
        if seen == truth {
            assert!(
                truth.nodes > 0 && truth.pods > 0,
                "the demo has nodes and pods: {truth:?}"
            );
            assert_eq!(
                body["nodes"]["items"].as_array().map(Vec::len),
                Some(truth.nodes)
            );
            return;
        }
        last = Some((seen, truth));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (seen, truth) = last.expect("compared at least once");
    panic!("the overview never matched the cluster:\n overview: {seen:?}\n cluster:  {truth:?}");
}

#[tokio::test]
async fn overview_lists_problem_pods_and_warnings_of_the_demo() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let body = json(
        common::get(server.url("api/v1/overview"))
            .await
            .expect("request"),
    )
    .await;
    let problems = body["pods"]["problems"].as_array().expect("problems");
    assert_eq!(
        body["pods"]["problemsTotal"].as_u64(),
        Some(problems.len() as u64)
    );
    for problem in problems {
        let reason = problem["reason"].as_str().expect("reason");
        assert!(
            !["Running", "Completed", "Succeeded"].contains(&reason),
            "{problem}"
        );
        assert!(
            problem["namespace"].is_string() && problem["name"].is_string(),
            "{problem}"
        );
    }
    let warnings = body["warnings"].as_array().expect("warnings");
    assert!(warnings.len() <= 20);
    let times: Vec<&str> = warnings
        .iter()
        .filter_map(|w| w["lastSeen"].as_str())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "warnings come newest first");
    assert!(
        body["generatedAt"]
            .as_str()
            .is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok())
    );
}
