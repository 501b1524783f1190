//! One object over real HTTP against the sim's demo cluster: the aggregated detail, YAML and
//! edits, apply, actions, permissions, logs and the raw passthrough.

mod common;

use std::time::Duration;

use common::{TestServer, json};
use futures::StreamExt;
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::same_origin::CLIENT_HEADER;
use wheelhouse_sim::GroupResource;

/// How long any awaited condition may take before the test fails.
const WITHIN: Duration = Duration::from_secs(30);

async fn demo(user: &str) -> TestServer {
    let server = TestServer::demo_as(user, ServerConfig::default()).await;
    server.wait_ready().await;
    server
}

/// Waits until `probe` returns `Some`, failing after [`WITHIN`] with `what`.
async fn until<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not happen within {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The sim's object, straight from its store.
fn stored(server: &TestServer, gr: &GroupResource, namespace: &str, name: &str) -> Option<Value> {
    let sim = server.sim.as_ref().expect("a sim");
    sim.store()
        .get(gr, namespace, name)
        .map(|o| o.value().clone())
}

/// Names of the running pods labelled `app=<app>` in `namespace`.
fn running_pods(server: &TestServer, namespace: &str, app: &str) -> Vec<String> {
    let sim = server.sim.as_ref().expect("a sim");
    sim.store()
        .list(&GroupResource::core("pods"), Some(namespace))
        .iter()
        .filter(|p| {
            p.value()
                .pointer("/metadata/labels/app")
                .and_then(Value::as_str)
                == Some(app)
        })
        .filter(|p| p.value().pointer("/status/phase").and_then(Value::as_str) == Some("Running"))
        .map(|p| p.name().to_string())
        .collect()
}

async fn a_running_pod(server: &TestServer, namespace: &str, app: &str) -> String {
    until(&format!("a running {app} pod in {namespace}"), || async {
        running_pods(server, namespace, app).into_iter().next()
    })
    .await
}

fn relation<'a>(detail: &'a Value, name: &str) -> Vec<&'a str> {
    detail["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter(|g| g["relation"] == name)
        .flat_map(|g| g["items"].as_array().expect("items").iter())
        .filter_map(|i| i["name"].as_str())
        .collect()
}

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
async fn yaml_round_trips_and_a_stale_edit_is_a_conflict_naming_what_changed() {
    let server = demo("admin").await;
    let client = common::client();
    let created = client
        .post(server.url("api/v1/_raw/api/v1/namespaces/default/configmaps"))
        .json(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "default"}, "data": {"mode": "a"}}))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), 201, "the raw POST creates");
    let object_url = server.url("api/v1/resources/core/v1/configmaps/settings?namespace=default");
    let yaml_url =
        server.url("api/v1/resources/core/v1/configmaps/settings/yaml?namespace=default");
    let yaml = client.get(&yaml_url).send().await.expect("request");
    assert!(
        yaml.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("application/yaml")
    );
    let yaml = yaml.text().await.expect("text");
    assert!(
        yaml.contains("mode: a") && !yaml.contains("managedFields"),
        "{yaml}"
    );
    let with_managed = client
        .get(format!("{yaml_url}&managedFields=true"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    assert!(with_managed.contains("managedFields"), "{with_managed}");

    // Saved as edited.
    let edited = yaml.replace("mode: a", "mode: b");
    let saved = client
        .put(&object_url)
        .header("content-type", "application/yaml")
        .body(edited)
        .send()
        .await
        .expect("request");
    assert_eq!(saved.status(), 200);
    let saved = json(saved).await;
    assert_eq!(saved["object"]["data"]["mode"], "b");
    assert_eq!(
        stored(
            &server,
            &GroupResource::core("configmaps"),
            "default",
            "settings"
        )
        .expect("stored")["data"]["mode"],
        "b"
    );

    // The first YAML is stale now: a conflict with the current version and what differs.
    let stale = yaml.replace("mode: a", "mode: c");
    let conflict = client
        .put(&object_url)
        .header("content-type", "application/yaml")
        .body(stale)
        .send()
        .await
        .expect("request");
    assert_eq!(conflict.status(), 409);
    let conflict = json(conflict).await;
    assert_eq!(conflict["error"]["reason"], "Conflict");
    assert_eq!(
        conflict["error"]["details"]["currentResourceVersion"],
        saved["resourceVersion"]
    );
    assert_eq!(
        conflict["error"]["details"]["changed"],
        json!(["data.mode"])
    );

    // YAML that does not parse names its line.
    let broken = client
        .put(&object_url)
        .header("content-type", "application/yaml")
        .body("metadata:\n  name: [x\n")
        .send()
        .await
        .expect("request");
    assert_eq!(broken.status(), 400);
    let broken = json(broken).await;
    assert!(
        broken["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("line")),
        "{broken}"
    );

    // Deleted with a propagation choice.
    let deleted = client
        .delete(format!("{object_url}&propagationPolicy=Background"))
        .header(CLIENT_HEADER, "test")
        .send()
        .await
        .expect("request");
    assert_eq!(deleted.status(), 200);
    assert_eq!(json(deleted).await["deleted"], true);
    assert!(
        stored(
            &server,
            &GroupResource::core("configmaps"),
            "default",
            "settings"
        )
        .is_none()
    );
}

#[tokio::test]
async fn apply_answers_per_document_with_dry_run_and_validation_causes() {
    let server = demo("admin").await;
    let client = common::client();
    let body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"1\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n";
    let dry = client
        .post(server.url("api/v1/apply?dryRun=true"))
        .header("content-type", "application/yaml")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(dry.status(), 200);
    let dry = json(dry).await;
    assert_eq!(dry["dryRun"], true);
    assert_eq!(dry["ok"], false);
    assert_eq!(dry["results"][0]["result"], "created", "{dry}");
    assert_eq!(dry["results"][0]["namespace"], "default");
    assert_eq!(dry["results"][1]["result"], "failed");
    assert_eq!(dry["results"][1]["line"], 8);
    assert_eq!(dry["results"][1]["error"]["reason"], "Invalid", "{dry}");
    assert_eq!(
        dry["results"][1]["error"]["causes"][0]["field"],
        "metadata.name"
    );
    assert!(
        stored(
            &server,
            &GroupResource::core("configmaps"),
            "default",
            "applied"
        )
        .is_none(),
        "a dry run saves nothing"
    );

    let valid = body.split("---").next().expect("first document");
    let applied = json(
        client
            .post(server.url("api/v1/apply"))
            .header("content-type", "application/yaml")
            .body(valid.to_string())
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(applied["ok"], true, "{applied}");
    assert_eq!(applied["results"][0]["result"], "created");
    let stored_map = stored(
        &server,
        &GroupResource::core("configmaps"),
        "default",
        "applied",
    )
    .expect("created");
    assert!(
        stored_map.to_string().contains("wheelhouse"),
        "field manager wheelhouse: {stored_map}"
    );
    let again = json(
        client
            .post(server.url("api/v1/apply"))
            .header("content-type", "application/yaml")
            .body(valid.to_string())
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(again["results"][0]["result"], "unchanged", "{again}");
    let changed = json(
        client
            .post(server.url("api/v1/apply"))
            .header("content-type", "application/yaml")
            .body(valid.replace("\"1\"", "\"2\""))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(changed["results"][0]["result"], "configured", "{changed}");

    let broken = client
        .post(server.url("api/v1/apply"))
        .header("content-type", "application/yaml")
        .body("kind: A\n---\nkind: [B\n")
        .send()
        .await
        .expect("request");
    assert_eq!(broken.status(), 400);
    let broken = json(broken).await;
    assert_eq!(broken["error"]["details"]["document"], 2, "{broken}");
}

async fn post_action(server: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let response = common::client()
        .post(server.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, json(response).await)
}

fn deployment_of(server: &TestServer, namespace: &str, name: &str) -> Value {
    stored(
        server,
        &GroupResource::new("apps", "deployments"),
        namespace,
        name,
    )
    .expect("the deployment exists")
}

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
async fn logs_are_tailed_followed_and_merged_for_a_workload() {
    let server = demo("admin").await;
    let pod = a_running_pod(&server, "shop", "frontend").await;
    let url = server.url(&format!("api/v1/logs/shop/{pod}?tailLines=3"));
    let text = until("some log lines", || async {
        let text = common::get(&url)
            .await
            .expect("request")
            .text()
            .await
            .expect("text");
        (!text.is_empty()).then_some(text)
    })
    .await;
    assert!(text.lines().count() <= 3, "{text}");

    let follow =
        common::get(server.url(&format!("api/v1/logs/shop/{pod}?follow=true&tailLines=1")))
            .await
            .expect("request");
    assert_eq!(follow.status(), 200);
    assert!(
        follow.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("text/event-stream")
    );
    let mut body = follow.bytes_stream();
    let mut seen = String::new();
    let line = tokio::time::timeout(WITHIN, async {
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
            if let Some(start) = seen.find("event: line\ndata: ") {
                let rest = &seen[start + "event: line\ndata: ".len()..];
                if let Some(end) = rest.find('\n') {
                    return serde_json::from_str::<Value>(&rest[..end]).expect("JSON data");
                }
            }
        }
        panic!("the stream ended without a line: {seen}");
    })
    .await
    .expect("a followed line arrives in time");
    assert!(line["line"].is_string(), "{line}");

    let merged = json(
        common::get(
            server.url("api/v1/logs/shop/workload/apps/v1/deployments/frontend?tailLines=2"),
        )
        .await
        .expect("request"),
    )
    .await;
    let lines = merged["lines"].as_array().expect("lines");
    assert!(!lines.is_empty(), "{merged}");
    assert!(
        lines.iter().all(|l| l["pod"]
            .as_str()
            .is_some_and(|p| p.starts_with("frontend-"))
            && l["container"].is_string()),
        "{merged}"
    );

    let unknown = common::get(server.url(&format!("api/v1/logs/shop/{pod}?container=nope")))
        .await
        .expect("request");
    assert_eq!(unknown.status(), 400);
}

#[tokio::test]
async fn a_followed_log_arrives_over_the_live_websocket_until_unsubscribed() {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;

    let server = demo("admin").await;
    let pod = a_running_pod(&server, "shop", "frontend").await;
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/api/v1/live", server.address))
            .await
            .expect("the socket opens");
    let send = |value: Value| Message::Text(value.to_string().into());
    socket
        .send(send(json!({"op": "subscribe", "id": "log",
                          "path": format!("/api/v1/logs/shop/{pod}?tailLines=1")})))
        .await
        .expect("sent");
    socket
        .send(send(json!({"op": "subscribe", "id": "nope",
                          "path": format!("/api/v1/logs/shop/{pod}?container=nope")})))
        .await
        .expect("sent");

    // The tail line, then at least one written since (the sim writes one every 2-7 s), and the
    // refused container's error in the server's shape.
    let deadline = tokio::time::Instant::now() + WITHIN;
    let mut lines = Vec::new();
    let mut refused = None;
    while lines.len() < 2 || refused.is_none() {
        let message = next_message(&mut socket, deadline).await;
        match (message["id"].as_str(), message["event"].as_str()) {
            (Some("log"), Some("line")) => lines.push(message["data"].clone()),
            (Some("nope"), Some("error")) => refused = Some(message["data"].clone()),
            _ => panic!("unexpected {message}"),
        }
    }
    assert!(lines.iter().all(|l| l["line"].is_string()), "{lines:?}");
    let refused = refused.expect("an error");
    assert_eq!(refused["error"]["reason"], "BadRequest", "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nope")),
        "{refused}"
    );

    // Messages are handled in order: once the marker answers, the log is unsubscribed, and no
    // line of it arrives for longer than the sim's longest interval between lines.
    socket
        .send(send(json!({"op": "unsubscribe", "id": "log"})))
        .await
        .expect("sent");
    socket
        .send(send(
            json!({"op": "subscribe", "id": "marker", "path": "/api/v1/watch/core/v1/nodes"}),
        ))
        .await
        .expect("sent");
    loop {
        let message = next_message(&mut socket, deadline).await;
        if message["id"] == "marker" {
            break;
        }
    }
    let quiet = tokio::time::Instant::now() + Duration::from_secs(8);
    while let Ok(Some(message)) = tokio::time::timeout_at(quiet, socket.next()).await {
        if let Message::Text(text) = message.expect("a message") {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            assert_ne!(value["id"], "log", "a line after unsubscribing: {value}");
        }
    }
}

/// The next live message other than a heartbeat, as JSON.
async fn next_message(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    deadline: tokio::time::Instant,
) -> Value {
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("a message within the time limit")
            .expect("the socket stays open")
            .expect("a message");
        if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            if value["event"] != "heartbeat" {
                return value;
            }
        }
    }
}

#[tokio::test]
async fn the_raw_passthrough_returns_the_api_servers_answer_as_it_is() {
    let server = demo("restricted").await;
    let client = common::client();
    let list = client
        .get(server.url("api/v1/_raw/api/v1/namespaces/team-a/pods?limit=1"))
        .send()
        .await
        .expect("request");
    assert_eq!(list.status(), 200);
    let list = json(list).await;
    assert_eq!(list["kind"], "PodList");
    assert!(list["items"].as_array().is_some_and(|i| i.len() <= 1));

    let refused = client
        .post(server.url("api/v1/_raw/api/v1/namespaces/team-a/configmaps"))
        .json(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 403);
    let status = json(refused).await;
    assert_eq!(
        status["kind"], "Status",
        "the API server's own body: {status}"
    );
    assert_eq!(status["reason"], "Forbidden");

    let watch = client
        .get(server.url("api/v1/_raw/api/v1/pods?watch=true"))
        .send()
        .await
        .expect("request");
    assert_eq!(watch.status(), 400);
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
async fn the_previous_instance_of_a_crashing_container_has_its_last_words() {
    let server = demo("admin").await;
    let sim = server.sim.as_ref().expect("sim");
    let pod = until("a checkout pod that restarted", || async {
        sim.store()
            .list(&GroupResource::core("pods"), Some("shop"))
            .iter()
            .find(|p| {
                p.value()
                    .pointer("/metadata/labels/app")
                    .and_then(Value::as_str)
                    == Some("checkout")
                    && p.value()
                        .pointer("/status/containerStatuses/0/restartCount")
                        .and_then(Value::as_u64)
                        .is_some_and(|n| n >= 1)
            })
            .map(|p| p.name().to_string())
    })
    .await;
    let previous = common::get(server.url(&format!(
        "api/v1/logs/shop/{pod}?previous=true&timestamps=true"
    )))
    .await
    .expect("request");
    assert_eq!(previous.status(), 200);
    let text = previous.text().await.expect("text");
    assert!(!text.is_empty(), "the crashed instance wrote something");
    assert!(
        text.lines().all(|l| l.starts_with("20")),
        "each line starts with its time: {text}"
    );

    // Followed workload logs carry pod and container.
    let follow = common::get(
        server
            .url("api/v1/logs/shop/workload/apps/v1/deployments/frontend?follow=true&tailLines=1"),
    )
    .await
    .expect("request");
    assert_eq!(follow.status(), 200);
    let mut body = follow.bytes_stream();
    let mut seen = String::new();
    let line = tokio::time::timeout(WITHIN, async {
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
            if let Some(start) = seen.find("event: line\ndata: ") {
                let rest = &seen[start + "event: line\ndata: ".len()..];
                if let Some(end) = rest.find('\n') {
                    return serde_json::from_str::<Value>(&rest[..end]).expect("JSON data");
                }
            }
        }
        panic!("the stream ended without a line: {seen}");
    })
    .await
    .expect("a merged line arrives in time");
    assert!(
        line["pod"]
            .as_str()
            .is_some_and(|p| p.starts_with("frontend-")),
        "{line}"
    );
    assert!(line["container"].is_string(), "{line}");
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
