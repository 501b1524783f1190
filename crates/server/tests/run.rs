//! One command on many targets (`POST /api/v1/run`) against the sim's exec: the running pods a
//! selector picks, or the ready nodes (through node-shell pods, none left afterwards), each one's
//! output and exit status streamed, a summary; the person's rights.

mod common;

use serde_json::{Value, json};

/// Three running `app=web` pods and a pending one in `shop`, and a console as `user`.
async fn console(user: &str) -> (wheelhouse_sim::Sim, common::TestServer) {
    let (sim, server) = common::quiet_server(user).await;
    for (name, phase) in [
        ("web-1", "Running"),
        ("web-2", "Running"),
        ("web-3", "Running"),
        ("web-4", "Pending"),
    ] {
        let mut pod = common::pod("shop", name, json!({"app": "web"}));
        pod["status"]["phase"] = json!(phase);
        sim.store().create(&common::pods(), true, pod).expect("pod");
    }
    sim.store()
        .create(
            &common::pods(),
            true,
            common::pod("shop", "db-1", json!({"app": "db"})),
        )
        .expect("pod");
    (sim, server)
}

/// The answer's status and its NDJSON lines.
async fn run(server: &common::TestServer, body: Value) -> (u16, Vec<Value>) {
    let response = common::client()
        .post(server.url("api/v1/run"))
        .json(&body)
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    if status != 200 {
        return (
            status,
            vec![serde_json::from_str(&text).expect("JSON error")],
        );
    }
    let lines = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    (status, lines)
}

fn of_type<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|line| line["type"] == kind).collect()
}

#[tokio::test]
async fn a_command_runs_on_every_running_pod_the_selector_picks_with_each_output_and_a_summary() {
    let (_sim, server) = console("admin").await;
    let (status, lines) = run(
        &server,
        json!({"namespace": "shop", "labelSelector": "app=web", "command": ["hostname"], "parallelism": 2}),
    )
    .await;
    assert_eq!(status, 200, "{lines:?}");
    let targets = &of_type(&lines, "targets")[0];
    let pods: Vec<&str> = targets["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(pods, ["web-1", "web-2", "web-3"]);
    assert_eq!(
        targets["skipped"],
        json!([{"name": "web-4", "container": "c"}])
    );
    for pod in ["web-1", "web-2", "web-3"] {
        let output: String = of_type(&lines, "output")
            .iter()
            .filter(|line| line["target"] == pod)
            .filter_map(|line| line["text"].as_str())
            .collect();
        assert_eq!(output.trim(), pod, "each pod's own output");
        assert!(
            of_type(&lines, "exited")
                .iter()
                .any(|line| line["target"] == pod && line["code"] == 0)
        );
    }
    assert_eq!(
        lines.last(),
        Some(&json!({"type": "summary", "succeeded": 3, "failed": 0}))
    );
}

#[tokio::test]
async fn failures_are_counted_and_a_person_who_may_not_exec_is_told_per_pod() {
    let (_sim, server) = console("admin").await;
    let (_, lines) = run(
        &server,
        json!({"namespace": "shop", "labelSelector": "app=web", "command": ["false"]}),
    )
    .await;
    assert_eq!(
        of_type(&lines, "exited")
            .iter()
            .filter(|line| line["code"] == 1)
            .count(),
        3
    );
    assert_eq!(
        lines.last(),
        Some(&json!({"type": "summary", "succeeded": 0, "failed": 3}))
    );

    let (_sim, viewer) = console("viewer").await;
    let (status, lines) = run(
        &viewer,
        json!({"namespace": "shop", "labelSelector": "app=db", "command": ["hostname"]}),
    )
    .await;
    assert_eq!(status, 200);
    let failed = of_type(&lines, "failed");
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("User \"viewer\" cannot create resource \"pods/exec\"")),
        "{failed:?}"
    );
    assert_eq!(
        lines.last(),
        Some(&json!({"type": "summary", "succeeded": 0, "failed": 1}))
    );
}

#[tokio::test]
async fn a_run_without_a_command_or_without_targets_is_refused_with_the_reason() {
    let (_sim, server) = console("admin").await;
    let (status, body) = run(&server, json!({"namespace": "shop", "command": ["  "]})).await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["error"]["message"], "give the command to run");
    let (status, body) = run(
        &server,
        json!({"namespace": "shop", "labelSelector": "app=none", "command": ["true"]}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["error"]["reason"], "NoTargets");
    let (status, _) = run(
        &server,
        json!({"namespace": "shop", "command": ["true"], "parallelism": 0}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = run(&server, json!({"command": ["true"]})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body[0]["error"]["message"],
        "give the namespace of the pods"
    );
}

/// The demo cluster's five ready nodes (a control plane and `worker-1`…`worker-4`), as `user`.
async fn demo(user: &str) -> common::TestServer {
    common::TestServer::on_sim(
        wheelhouse_sim::SimConfig::default().scenario(wheelhouse_sim::Scenario::Demo),
        user,
        wheelhouse_server::ServerConfig::default(),
    )
    .await
}

#[tokio::test]
async fn a_command_runs_on_every_ready_node_the_selector_picks_and_leaves_no_pod_behind() {
    let server = demo("admin").await;
    let sim = server.sim.as_ref().expect("a sim");
    // worker-3 stops being ready: a node shell's pod would not start there.
    let nodes = wheelhouse_sim::GroupResource::core("nodes");
    let mut node = sim
        .store()
        .get(&nodes, "", "worker-3")
        .expect("worker-3")
        .value()
        .clone();
    for condition in node["status"]["conditions"]
        .as_array_mut()
        .expect("conditions")
    {
        if condition["type"] == "Ready" {
            condition["status"] = json!("Unknown");
        }
    }
    sim.store()
        .update(&nodes, node)
        .expect("worker-3 not ready");
    let (status, lines) = run(
        &server,
        json!({"on": "nodes", "labelSelector": "node-role.kubernetes.io/worker", "command": ["hostname"], "parallelism": 2}),
    )
    .await;
    assert_eq!(status, 200, "{lines:?}");
    let targets = &of_type(&lines, "targets")[0];
    assert_eq!(
        targets["targets"],
        json!([{"name": "worker-1", "container": ""}, {"name": "worker-2", "container": ""},
            {"name": "worker-4", "container": ""}])
    );
    assert_eq!(
        targets["skipped"],
        json!([{"name": "worker-3", "container": ""}])
    );
    for node in ["worker-1", "worker-2", "worker-4"] {
        let output: String = of_type(&lines, "output")
            .iter()
            .filter(|line| line["target"] == node)
            .filter_map(|line| line["text"].as_str())
            .collect();
        // A pod on the host's network answers with the node's own name.
        assert_eq!(output.trim(), node, "{lines:?}");
    }
    assert_eq!(
        lines.last(),
        Some(&json!({"type": "summary", "succeeded": 3, "failed": 0}))
    );
    assert!(
        common::node_shells(sim).is_empty(),
        "node-shell pods left after the run: {:?}",
        common::node_shells(sim)
    );
}

#[tokio::test]
async fn a_person_who_may_not_make_node_shells_is_refused_before_any_pod_is_made() {
    let server = demo("viewer").await;
    let (status, body) = run(&server, json!({"on": "nodes", "command": ["hostname"]})).await;
    assert_eq!(status, 403);
    let message = body[0]["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("viewer may not create pods in namespace kube-system"),
        "{message}"
    );
    assert!(common::node_shells(server.sim.as_ref().expect("a sim")).is_empty());
}
