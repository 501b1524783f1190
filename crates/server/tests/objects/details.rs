//! An object's detail: its relations (owners, services, node, pods, endpoints), warnings for lookups the person may not make, Secret values, and whether a kind may be created.

use super::*;

#[tokio::test]
async fn a_pod_detail_aggregates_owners_services_node_and_events() {
    let server = demo("admin").await;
    let pod = a_running_pod(&server, "shop", "frontend").await;
    // Services are then read from the watch cache this list starts, events from the API server.
    let services = common::get(server.url("api/v1/resources/core/v1/services?namespace=shop"))
        .await
        .expect("request");
    assert_eq!(json(services).await["state"], "ready");
    let url = server.url(&format!(
        "api/v1/resources/core/v1/pods/{pod}?namespace=shop"
    ));
    // Kubelet events arrive shortly after the pod runs.
    let detail = until("the pod's events", || async {
        let detail = json(common::get(&url).await.expect("request")).await;
        detail["events"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
            .then_some(detail)
    })
    .await;
    assert_eq!(detail["kind"]["kind"], "Pod");
    assert_eq!(detail["metadata"]["name"], pod.as_str());
    assert!(detail["object"]["metadata"].get("managedFields").is_none());
    let owners: Vec<&str> = detail["owners"]
        .as_array()
        .expect("owners")
        .iter()
        .map(|o| o["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(owners, ["ReplicaSet", "Deployment"], "{}", detail["owners"]);
    assert_eq!(detail["owners"][1]["name"], "frontend");
    assert_eq!(
        detail["owners"][1]["path"],
        "apps/v1/deployments/frontend?namespace=shop"
    );
    assert!(
        relation(&detail, "services").contains(&"frontend"),
        "{}",
        detail["related"]
    );
    assert_eq!(relation(&detail, "node").len(), 1);
    let summary = &detail["summary"];
    assert_eq!(summary["status"], "Running");
    assert!(
        summary["containers"][0]["image"]
            .as_str()
            .is_some_and(|i| i.contains("nginx")),
        "{summary}"
    );
    assert!(
        detail["conditions"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["type"] == "Ready"))
    );
    assert_eq!(detail["warnings"], json!([]));

    // The deployment lists its replica sets and pods, and the services selecting them.
    let deployment = json(
        common::get(server.url("api/v1/resources/apps/v1/deployments/frontend?namespace=shop"))
            .await
            .expect("request"),
    )
    .await;
    assert!(
        relation(&deployment, "pods").contains(&pod.as_str()),
        "{}",
        deployment["related"]
    );
    assert_eq!(relation(&deployment, "replicaSets").len(), 1);
    assert!(relation(&deployment, "services").contains(&"frontend"));
    assert_eq!(deployment["summary"]["replicas"]["desired"], 3);

    // A secret's value is a reference unless revealed.
    let api = a_running_pod(&server, "shop", "api").await;
    let api_url = server.url(&format!(
        "api/v1/resources/core/v1/pods/{api}?namespace=shop"
    ));
    let hidden = json(common::get(&api_url).await.expect("request")).await;
    assert!(
        !relation(&hidden, "secrets").is_empty(),
        "{}",
        hidden["related"]
    );

    // A missing object is the request's error.
    let missing = common::get(server.url("api/v1/resources/core/v1/pods/nope?namespace=shop"))
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
    assert_eq!(json(missing).await["error"]["reason"], "NotFound");
}

#[tokio::test]
async fn a_forbidden_secondary_lookup_is_a_warning_and_a_refused_delete_quotes_the_api_server() {
    let server = demo("restricted").await;
    let pod = a_running_pod(&server, "team-a", "hello").await;
    let url = server.url(&format!(
        "api/v1/resources/core/v1/pods/{pod}?namespace=team-a"
    ));
    let response = common::get(&url).await.expect("request");
    assert_eq!(response.status(), 200);
    let detail = json(response).await;
    let warnings = detail["warnings"].as_array().expect("warnings");
    let forbidden = warnings
        .iter()
        .find(|w| {
            w["reason"] == "Forbidden"
                && w["what"]
                    .as_str()
                    .is_some_and(|w| w.contains("replicasets.apps team-a/"))
        })
        .unwrap_or_else(|| panic!("a Forbidden warning for the owner: {warnings:?}"));
    assert!(
        forbidden["message"]
            .as_str()
            .is_some_and(|m| m.contains("forbidden")),
        "{forbidden}"
    );
    // The owner is still linked, the chain stops there.
    assert_eq!(detail["owners"][0]["kind"], "ReplicaSet");
    assert_eq!(detail["owners"].as_array().map(Vec::len), Some(1));

    let client = common::client();
    let refused = client
        .delete(&url)
        .header(CLIENT_HEADER, "test")
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 403);
    let error = json(refused).await;
    assert_eq!(error["error"]["reason"], "Forbidden");
    let message = error["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("cannot delete resource \"pods\"") && message.contains("team-a"),
        "{message}"
    );
    assert_eq!(error["error"]["details"]["verb"], "delete");
    assert!(
        stored(&server, &GroupResource::core("pods"), "team-a", &pod).is_some(),
        "the pod is still there"
    );

    let permissions = json(
        common::get(server.url(&format!(
            "api/v1/resources/core/v1/pods/{pod}/permissions?namespace=team-a"
        )))
        .await
        .expect("request"),
    )
    .await;
    let actions = &permissions["actions"];
    assert_eq!(actions["delete"]["allowed"], false, "{permissions}");
    assert!(
        actions["delete"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("delete")),
        "{permissions}"
    );
    assert_eq!(actions["edit"]["allowed"], false);
    assert_eq!(actions["logs"]["allowed"], true, "{permissions}");
    assert_eq!(actions["revealSecrets"]["allowed"], false);
}

#[tokio::test]
async fn secret_values_are_references_until_revealed_to_someone_who_may_read_them() {
    let server = demo("admin").await;
    let client = common::client();
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "default"},
                        "data": {"password": "aHVudGVyMg=="}});
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "uses-secret", "namespace": "default"},
        "spec": {"containers": [{"name": "app", "image": "busybox",
            "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]}]}});
    for (path, body) in [
        ("api/v1/_raw/api/v1/namespaces/default/secrets", secret),
        ("api/v1/_raw/api/v1/namespaces/default/pods", pod),
    ] {
        let created = client
            .post(server.url(path))
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(created.status(), 201);
    }
    let url = server.url("api/v1/resources/core/v1/pods/uses-secret?namespace=default");
    let hidden = json(client.get(&url).send().await.expect("request")).await;
    let env = &hidden["summary"]["containers"][0]["env"][0];
    assert_eq!(
        env["from"],
        json!({"kind": "Secret", "name": "db", "key": "password"})
    );
    assert_eq!(env["value"], Value::Null);
    assert!(!hidden.to_string().contains("hunter2"));
    assert!(relation(&hidden, "secrets").contains(&"db"));

    let revealed = json(
        client
            .get(format!("{url}&reveal=true"))
            .send()
            .await
            .expect("request"),
    )
    .await;
    let env = &revealed["summary"]["containers"][0]["env"][0];
    assert_eq!(env["value"], "hunter2", "{revealed}");
    assert_eq!(env["revealed"], true);

    // The viewer may read the pod but not secrets: a warning, and the value stays hidden.
    let sim = server.sim.as_ref().expect("sim");
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml("viewer")).expect("kubeconfig");
    let viewer = TestServer::with_kubeconfig(kubeconfig, ServerConfig::default()).await;
    viewer.wait_ready().await;
    let refused = json(
        common::get(
            viewer.url("api/v1/resources/core/v1/pods/uses-secret?namespace=default&reveal=true"),
        )
        .await
        .expect("request"),
    )
    .await;
    assert_eq!(
        refused["summary"]["containers"][0]["env"][0]["value"],
        Value::Null
    );
    assert!(!refused.to_string().contains("hunter2"));
    assert!(
        refused["warnings"].as_array().is_some_and(|w| w
            .iter()
            .any(|w| w["reason"] == "Forbidden" && w["what"] == "secret default/db")),
        "{refused}"
    );
}

#[tokio::test]
async fn service_and_node_details_list_their_pods_endpoints_and_taints() {
    let server = demo("admin").await;
    let pod = a_running_pod(&server, "shop", "frontend").await;
    let service_url = server.url("api/v1/resources/core/v1/services/frontend?namespace=shop");
    let service = until("the service's endpoints", || async {
        let detail = json(common::get(&service_url).await.expect("request")).await;
        (!relation(&detail, "endpoints").is_empty()
            && relation(&detail, "pods").contains(&pod.as_str()))
        .then_some(detail)
    })
    .await;
    assert_eq!(service["summary"]["serviceType"], "LoadBalancer");
    assert!(
        service["summary"]["ports"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );

    let control_plane = json(
        common::get(server.url("api/v1/resources/core/v1/nodes/control-plane-1"))
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(control_plane["kind"]["namespaced"], false);
    assert_eq!(
        control_plane["summary"]["taints"][0]["key"],
        "node-role.kubernetes.io/control-plane"
    );
    assert!(
        relation(&control_plane, "pods")
            .iter()
            .any(|p| p.starts_with("etcd")),
        "{}",
        control_plane["related"]
    );
    assert_eq!(control_plane["warnings"], json!([]));

    // A namespaced kind needs its namespace.
    let missing = common::get(server.url("api/v1/resources/core/v1/services/frontend"))
        .await
        .expect("request");
    assert_eq!(missing.status(), 400);
}

#[tokio::test]
async fn whether_a_kind_may_be_created_comes_from_the_api_server_per_namespace() {
    let create = |server: &TestServer, path: &str| {
        let url = server.url(&format!("api/v1/permissions/{path}"));
        async move {
            let response = common::get(url).await.expect("request");
            assert_eq!(response.status(), 200);
            json(response).await["actions"]["create"].clone()
        }
    };
    let admin = demo("admin").await;
    assert_eq!(
        create(&admin, "apps/v1/deployments?namespace=shop").await,
        json!({"allowed": true, "reason": null})
    );
    assert_eq!(create(&admin, "core/v1/nodes").await["allowed"], true);
    // A kind the API server does not create, whoever asks.
    let refused = create(&admin, "metrics.k8s.io/v1beta1/pods?namespace=shop").await;
    assert_eq!(refused["allowed"], false, "{refused}");

    let restricted = demo("restricted").await;
    let denied = create(&restricted, "core/v1/configmaps?namespace=team-a").await;
    assert_eq!(denied["allowed"], false, "{denied}");
    assert!(
        denied["reason"]
            .as_str()
            .is_some_and(|r| r.contains("create") && r.contains("configmaps")),
        "the reason names what is refused: {denied}"
    );
    let unknown = common::get(restricted.url("api/v1/permissions/example.com/v1/gadgets"))
        .await
        .expect("request");
    assert_eq!(unknown.status(), 404);
}
