//! Actions on workloads and nodes: scale, restart and roll back (Deployments, StatefulSets, a matchExpressions selector), cordon and drain with progress and disruption budgets.

use super::*;

#[tokio::test]
async fn workload_actions_scale_restart_and_roll_back() {
    let server = demo("admin").await;
    let base = "api/v1/resources/apps/v1/deployments/hello";
    let permissions = json(
        common::get(server.url(&format!("{base}/permissions?namespace=team-a")))
            .await
            .expect("request"),
    )
    .await;
    for action in [
        "edit",
        "delete",
        "scale",
        "restart",
        "rollback",
        "logs",
        "revealSecrets",
    ] {
        assert_eq!(
            permissions["actions"][action]["allowed"], true,
            "{action}: {permissions}"
        );
    }
    assert!(
        permissions["actions"].get("cordon").is_none(),
        "nodes' actions only for nodes"
    );
    let (status, scaled) = post_action(
        &server,
        &format!("{base}/scale?namespace=team-a"),
        json!({"replicas": 3}),
    )
    .await;
    assert_eq!(status, 200, "{scaled}");
    assert_eq!(scaled["object"]["spec"]["replicas"], 3);
    until("three hello pods", || async {
        (running_pods(&server, "team-a", "hello").len() == 3).then_some(())
    })
    .await;

    let (status, restarted) = post_action(
        &server,
        &format!("{base}/restart?namespace=team-a"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{restarted}");
    let annotation = deployment_of(&server, "team-a", "hello")
        .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
        .cloned();
    assert!(annotation.is_some_and(|a| a.is_string()));

    // The restart made revision 2; roll back to 1.
    let revisions_url = server.url(&format!("{base}/revisions?namespace=team-a"));
    let revisions = until("two revisions", || async {
        let list = json(common::get(&revisions_url).await.expect("request")).await;
        (list["revisions"].as_array().map(Vec::len) >= Some(2)).then_some(list)
    })
    .await;
    assert_eq!(revisions["revisions"][0]["current"], true, "{revisions}");
    let oldest = revisions["revisions"]
        .as_array()
        .and_then(|r| r.last())
        .expect("a revision")["revision"]
        .as_i64()
        .expect("number");
    let (status, rolled) = post_action(
        &server,
        &format!("{base}/rollback?namespace=team-a"),
        json!({"revision": oldest}),
    )
    .await;
    assert_eq!(status, 200, "{rolled}");
    let template = deployment_of(&server, "team-a", "hello");
    assert!(
        template
            .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
            .is_none(),
        "the old template has no restart annotation"
    );
    let (status, unknown) = post_action(
        &server,
        &format!("{base}/rollback?namespace=team-a"),
        json!({"revision": 99}),
    )
    .await;
    assert_eq!(status, 404, "{unknown}");

    // A CronJob is suspended and triggered by hand.
    let (status, _) = post_action(
        &server,
        "api/v1/resources/batch/v1/cronjobs/db-backup/suspend?namespace=data",
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        stored(
            &server,
            &GroupResource::new("batch", "cronjobs"),
            "data",
            "db-backup"
        )
        .expect("cronjob")["spec"]["suspend"],
        true
    );
    let (status, triggered) = post_action(
        &server,
        "api/v1/resources/batch/v1/cronjobs/db-backup/trigger?namespace=data",
        json!({"name": "backup-now"}),
    )
    .await;
    assert_eq!(status, 200, "{triggered}");
    let job = stored(
        &server,
        &GroupResource::new("batch", "jobs"),
        "data",
        "backup-now",
    )
    .expect("the job exists");
    assert_eq!(
        job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
        "manual"
    );
    assert_eq!(job["metadata"]["ownerReferences"][0]["name"], "db-backup");

    // An action the kind lacks.
    let (status, _) = post_action(
        &server,
        "api/v1/resources/core/v1/configmaps/x/scale?namespace=team-a",
        json!({"replicas": 1}),
    )
    .await;
    assert!(status == 400 || status == 404, "{status}");
}

#[tokio::test]
async fn nodes_are_cordoned_and_drained_with_progress() {
    let server = demo("admin").await;
    let nodes = GroupResource::core("nodes");
    let (status, _) = post_action(
        &server,
        "api/v1/resources/core/v1/nodes/worker-1/cordon",
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        stored(&server, &nodes, "", "worker-1").expect("node")["spec"]["unschedulable"],
        true
    );
    let (status, _) = post_action(
        &server,
        "api/v1/resources/core/v1/nodes/worker-1/uncordon",
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_ne!(
        stored(&server, &nodes, "", "worker-1").expect("node")["spec"]["unschedulable"],
        true
    );

    // Wait for the demo's pods to be placed, then drain a node that has some.
    let on_node = |node: &str| {
        server
            .sim
            .as_ref()
            .expect("sim")
            .store()
            .list(&GroupResource::core("pods"), None)
            .iter()
            .filter(|p| p.value().pointer("/spec/nodeName").and_then(Value::as_str) == Some(node))
            .filter(|p| {
                p.value()
                    .pointer("/metadata/ownerReferences/0/kind")
                    .and_then(Value::as_str)
                    != Some("DaemonSet")
            })
            .count()
    };
    until("pods on worker-2", || async {
        (on_node("worker-2") > 0).then_some(())
    })
    .await;
    let response = common::client()
        .post(server.url("api/v1/resources/core/v1/nodes/worker-2/drain"))
        .json(&json!({"timeoutSeconds": 25}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 202);
    let operation = json(response).await;
    let id = operation["id"]
        .as_str()
        .expect("an operation id")
        .to_string();
    let url = server.url(&format!("api/v1/operations/{id}"));
    let done = until("the drain to finish", || async {
        let state = json(common::get(&url).await.expect("request")).await;
        (state["state"] != "running").then_some(state)
    })
    .await;
    assert_eq!(done["state"], "succeeded", "{done}");
    // Followed as events, a finished operation sends its final state and ends.
    let events = tokio::time::timeout(WITHIN, async {
        common::get(server.url(&format!("api/v1/operations/{id}/events")))
            .await
            .expect("request")
            .text()
            .await
            .expect("text")
    })
    .await
    .expect("the event stream of a finished operation ends");
    assert!(
        events.contains("event: operation") && events.contains("\"succeeded\""),
        "{events}"
    );
    let unknown = common::get(server.url("api/v1/operations/nope"))
        .await
        .expect("request");
    assert_eq!(unknown.status(), 404);
    assert!(
        done["pods"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["state"] == "evicted")),
        "{done}"
    );
    assert_eq!(
        stored(&server, &nodes, "", "worker-2").expect("node")["spec"]["unschedulable"],
        true
    );
    assert_eq!(on_node("worker-2"), 0, "only DaemonSet pods are left");
}

#[tokio::test]
async fn a_statefulset_is_restarted_and_rolled_back_through_its_controller_revisions() {
    let server = demo("admin").await;
    let base = "api/v1/resources/apps/v1/statefulsets/redis";
    let revisions_url = server.url(&format!("{base}/revisions?namespace=data"));
    until("the first revision", || async {
        let list = json(common::get(&revisions_url).await.expect("request")).await;
        (list["revisions"].as_array().map(Vec::len) >= Some(1)).then_some(())
    })
    .await;
    let (status, restarted) = post_action(
        &server,
        &format!("{base}/restart?namespace=data"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{restarted}");
    let revisions = until("a second revision", || async {
        let list = json(common::get(&revisions_url).await.expect("request")).await;
        (list["revisions"].as_array().map(Vec::len) >= Some(2)).then_some(list)
    })
    .await;
    let first = revisions["revisions"]
        .as_array()
        .and_then(|r| r.last())
        .expect("a revision")["revision"]
        .as_i64()
        .expect("number");
    let (status, rolled) = post_action(
        &server,
        &format!("{base}/rollback?namespace=data"),
        json!({"revision": first}),
    )
    .await;
    assert_eq!(status, 200, "{rolled}");
    let statefulset = stored(
        &server,
        &GroupResource::new("apps", "statefulsets"),
        "data",
        "redis",
    )
    .expect("statefulset");
    assert!(
        statefulset
            .pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
            .is_none(),
        "the first template has no restart annotation: {statefulset}"
    );
}

#[tokio::test]
async fn a_drain_that_a_disruption_budget_forbids_fails_naming_the_pod_it_could_not_evict() {
    let server = demo("admin").await;
    let pod = a_running_pod(&server, "team-a", "hello").await;
    let node = stored(&server, &GroupResource::core("pods"), "team-a", &pod).expect("pod")["spec"]
        ["nodeName"]
        .as_str()
        .expect("scheduled")
        .to_string();
    let budget = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "hello", "namespace": "team-a"},
        "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": "hello"}}}});
    let created = common::client()
        .post(server.url("api/v1/_raw/apis/policy/v1/namespaces/team-a/poddisruptionbudgets"))
        .json(&budget)
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), 201);
    let response = common::client()
        .post(server.url(&format!("api/v1/resources/core/v1/nodes/{node}/drain")))
        .json(&json!({"timeoutSeconds": 2}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 202);
    let id = json(response).await["id"].as_str().expect("id").to_string();
    let url = server.url(&format!("api/v1/operations/{id}"));
    let done = until("the drain to give up", || async {
        let state = json(common::get(&url).await.expect("request")).await;
        (state["state"] != "running").then_some(state)
    })
    .await;
    assert_eq!(done["state"], "failed", "{done}");
    let blocked = done["pods"]
        .as_array()
        .expect("pods")
        .iter()
        .find(|p| p["name"] == pod.as_str())
        .unwrap_or_else(|| panic!("the hello pod is listed: {done}"));
    assert_eq!(blocked["state"], "retrying", "{done}");
    assert!(
        blocked["message"]
            .as_str()
            .is_some_and(|m| m.contains("disruption budget")),
        "{blocked}"
    );
    assert!(
        stored(&server, &GroupResource::core("pods"), "team-a", &pod).is_some(),
        "the pod was not evicted"
    );
}

#[tokio::test]
async fn a_deployment_selected_only_by_match_expressions_has_its_pods_logs_and_revisions() {
    // The merged logs of such a Deployment used to come back empty, without a warning: the
    // selector was read from matchLabels alone.
    let server = demo("admin").await;
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: expressive\n  namespace: default\nspec:\n  replicas: 2\n  selector:\n    matchExpressions:\n    - {key: app, operator: In, values: [expressive]}\n  template:\n    metadata:\n      labels: {app: expressive}\n    spec:\n      containers:\n      - {name: web, image: nginx:1.27}\n";
    let applied = json(
        common::client()
            .post(server.url("api/v1/apply"))
            .header("content-type", "application/yaml")
            .body(manifest)
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(applied["ok"], true, "{applied}");
    let pods = until("two running pods", || async {
        let pods = running_pods(&server, "default", "expressive");
        (pods.len() == 2).then_some(pods)
    })
    .await;

    let detail_url =
        server.url("api/v1/resources/apps/v1/deployments/expressive?namespace=default");
    let detail = until("the detail lists both pods", || async {
        let detail = json(common::get(&detail_url).await.expect("request")).await;
        (relation(&detail, "pods").len() == 2).then_some(detail)
    })
    .await;
    for pod in &pods {
        assert!(
            relation(&detail, "pods").contains(&pod.as_str()),
            "{detail}"
        );
    }
    assert_eq!(detail["warnings"], json!([]), "{detail}");

    // The pods have just started: their first lines come within seconds.
    let logs_url =
        server.url("api/v1/logs/default/workload/apps/v1/deployments/expressive?tailLines=2");
    let merged = until("log lines of its pods", || async {
        let merged = json(common::get(&logs_url).await.expect("request")).await;
        (merged["lines"].as_array().is_some_and(|l| !l.is_empty())).then_some(merged)
    })
    .await;
    let lines = merged["lines"].as_array().expect("lines");
    assert!(
        lines.iter().all(|l| l["pod"]
            .as_str()
            .is_some_and(|p| pods.iter().any(|pod| pod == p))),
        "{merged}"
    );

    let revisions = json(
        common::get(
            server
                .url("api/v1/resources/apps/v1/deployments/expressive/revisions?namespace=default"),
        )
        .await
        .expect("request"),
    )
    .await;
    assert_eq!(
        revisions["revisions"].as_array().map(Vec::len),
        Some(1),
        "{revisions}"
    );
}
