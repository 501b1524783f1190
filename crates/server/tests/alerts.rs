//! The alert rules API against the demo cluster: the sample rules listed, the editor's preview
//! finding the crash-looping pod before anything is saved, a rule created, changed and silenced as
//! the person, and a person without rights reading the API server's refusal.

mod common;

use std::time::Duration;

use common::{TestServer, send};
use reqwest::Method;
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;

/// How long any awaited condition may take before the test fails.
const WITHIN: Duration = Duration::from_secs(30);

/// Previews `spec` in `namespace` until `done` holds for the answer.
async fn preview_until(
    server: &TestServer,
    namespace: &str,
    spec: Value,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        let (status, answer) = send(
            Method::POST,
            server,
            "api/v1/alerts/_preview",
            Some(json!({"namespace": namespace, "spec": spec})),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        if done(&answer) {
            return answer;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the preview never got there: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn fires_for(answer: &Value, prefix: &str) -> bool {
    answer["fires"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["target"].as_str().is_some_and(|t| t.starts_with(prefix)))
}

#[tokio::test]
async fn the_sample_rules_are_listed_with_the_alerts_namespace() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let (status, list) = send(Method::GET, &server, "api/v1/alerts", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["alertsNamespace"], "default");
    let names: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|r| r["namespace"] == "default")
        .filter_map(|r| r["name"].as_str())
        .collect();
    for sample in ["crash-looping-pods", "node-not-ready", "job-failed"] {
        assert!(names.contains(&sample), "{sample} is listed: {names:?}");
    }
    let crash = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["name"] == "crash-looping-pods")
        .expect("the sample rule");
    assert_eq!(crash["condition"], "crashLooping");
    assert_eq!(crash["clusterWide"], true);
    assert_eq!(
        list["create"]["allowed"], true,
        "the admin may create rules"
    );

    let (status, detail) = send(
        Method::GET,
        &server,
        "api/v1/alerts/default/crash-looping-pods",
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["spec"]["condition"], json!({"crashLooping": {}}));
    assert!(!detail["resourceVersion"].as_str().unwrap_or("").is_empty());
    assert_eq!(detail["update"]["allowed"], true);
}

#[tokio::test]
async fn the_preview_finds_the_crash_looping_pod_before_the_rule_is_saved() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let spec = json!({"condition": {"crashLooping": {}}, "severity": "critical"});
    let answer = preview_until(&server, "default", spec, |a| fires_for(a, "shop/checkout")).await;
    assert!(answer["error"].is_null(), "{answer}");
    assert!(
        answer["targets"].as_u64() > Some(1),
        "it looked at all pods: {answer}"
    );
    assert_eq!(answer["clusterWide"], true);
    let fire = answer["fires"]
        .as_array()
        .expect("fires")
        .iter()
        .find(|f| {
            f["target"]
                .as_str()
                .is_some_and(|t| t.starts_with("shop/checkout"))
        })
        .expect("the checkout pod");
    assert_eq!(fire["kind"], "Pod");
    assert!(
        fire["value"]
            .as_str()
            .is_some_and(|v| v.contains("CrashLoopBackOff")),
        "{fire}"
    );

    // The selector narrows what is looked at: a selector nothing has finds nothing.
    let none = preview_until(
        &server,
        "default",
        json!({"target": {"selector": "app=no-such-app"}, "condition": {"crashLooping": {}}}),
        |_| true,
    )
    .await;
    assert_eq!(none["targets"], 0, "{none}");
    assert_eq!(none["fires"], json!([]));
}

#[tokio::test]
async fn the_preview_says_why_a_rule_cannot_be_evaluated() {
    let server = TestServer::demo(ServerConfig::default()).await;
    // A team's rule may not watch another namespace, or nodes.
    let (status, answer) = send(
        Method::POST,
        &server,
        "api/v1/alerts/_preview",
        Some(json!({"namespace": "team-a", "spec": {"target": {"namespace": "shop"}, "condition": {"crashLooping": {}}}})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("may only watch namespace team-a")),
        "{answer}"
    );
    // PromQL without a Prometheus configured.
    let (_, answer) = send(
        Method::POST,
        &server,
        "api/v1/alerts/_preview",
        Some(
            json!({"namespace": "default", "spec": {"condition": {"promql": {"expr": "up == 0"}}}}),
        ),
    )
    .await;
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("needs Prometheus")),
        "{answer}"
    );
    // A selector that does not parse.
    let (_, answer) = send(
        Method::POST,
        &server,
        "api/v1/alerts/_preview",
        Some(json!({"namespace": "default", "spec": {"target": {"selector": "app in ("}, "condition": {"notReady": {}}}})),
    )
    .await;
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|e| e.contains("selector")),
        "{answer}"
    );
    // A spec that is not a rule is a 422 saying why.
    let (status, answer) = send(
        Method::POST,
        &server,
        "api/v1/alerts/_preview",
        Some(json!({"namespace": "default", "spec": {"condition": {"diskFull": {}}}})),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not a valid AlertRule spec")),
        "{answer}"
    );
}

#[tokio::test]
async fn a_rule_is_created_changed_and_silenced_as_the_person() {
    let server = TestServer::demo(ServerConfig::default()).await;
    let (status, created) = send(
        Method::POST,
        &server,
        "api/v1/alerts",
        Some(json!({"namespace": "shop", "name": "checkout-not-ready",
            "spec": {"condition": {"notReady": {}}, "for": "2m", "severity": "warning",
                     "annotations": {"summary": "{{ target }} is not ready"}}})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let first_version = created["resourceVersion"]
        .as_str()
        .expect("a version")
        .to_string();

    // The same name again: the API server's 409, quoted.
    let (status, again) = send(
        Method::POST,
        &server,
        "api/v1/alerts",
        Some(json!({"namespace": "shop", "name": "checkout-not-ready",
            "spec": {"condition": {"notReady": {}}}})),
    )
    .await;
    assert_eq!(status, 409, "{again}");
    assert!(
        again["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("already exists")),
        "{again}"
    );

    // Turned off with the version that was read.
    let (status, changed) = send(
        Method::PUT,
        &server,
        "api/v1/alerts/shop/checkout-not-ready",
        Some(json!({"resourceVersion": first_version,
            "spec": {"enabled": false, "condition": {"notReady": {}}, "for": "5m"}})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    let (_, detail) = send(
        Method::GET,
        &server,
        "api/v1/alerts/shop/checkout-not-ready",
        None,
    )
    .await;
    assert_eq!(detail["spec"]["enabled"], false, "{detail}");
    assert_eq!(detail["spec"]["for"], "5m");
    assert_eq!(detail["row"]["enabled"], false);

    // An edit of the old version is refused: someone changed it since.
    let (status, stale) = send(
        Method::PUT,
        &server,
        "api/v1/alerts/shop/checkout-not-ready",
        Some(json!({"resourceVersion": first_version, "spec": {"condition": {"notReady": {}}}})),
    )
    .await;
    assert_eq!(status, 409, "{stale}");

    // A target silenced for an hour, by the person, with the comment.
    let (status, silenced) = send(
        Method::POST,
        &server,
        "api/v1/alerts/shop/checkout-not-ready/silences",
        Some(json!({"target": "shop/checkout-0", "seconds": 3600, "comment": "deploying a fix"})),
    )
    .await;
    assert_eq!(status, 200, "{silenced}");
    let (_, detail) = send(
        Method::GET,
        &server,
        "api/v1/alerts/shop/checkout-not-ready",
        None,
    )
    .await;
    let silences = detail["spec"]["silences"].as_array().expect("silences");
    assert_eq!(silences.len(), 1, "{detail}");
    assert_eq!(silences[0]["target"], "shop/checkout-0");
    assert_eq!(silences[0]["by"], "admin");
    assert_eq!(silences[0]["comment"], "deploying a fix");
    assert_eq!(detail["row"]["silencedTargets"], json!(["shop/checkout-0"]));
    assert_eq!(detail["row"]["silenced"], false);

    // Ended early, by naming it as the spec lists it; ending it again is a 404 that says why.
    let end = json!({"target": "shop/checkout-0", "until": silences[0]["until"]});
    let (status, ended) = send(
        Method::POST,
        &server,
        "api/v1/alerts/shop/checkout-not-ready/silences/end",
        Some(end.clone()),
    )
    .await;
    assert_eq!(status, 200, "{ended}");
    let (_, detail) = send(
        Method::GET,
        &server,
        "api/v1/alerts/shop/checkout-not-ready",
        None,
    )
    .await;
    assert_eq!(detail["spec"]["silences"], json!([]), "{detail}");
    assert_eq!(detail["row"]["silencedTargets"], json!([]));
    let (status, gone) = send(
        Method::POST,
        &server,
        "api/v1/alerts/shop/checkout-not-ready/silences/end",
        Some(end),
    )
    .await;
    assert_eq!(status, 404, "{gone}");
    assert!(
        gone["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("may have ended")),
        "{gone}"
    );

    // Out of bounds: refused with the reason, nothing written.
    let (status, refused) = send(
        Method::POST,
        &server,
        "api/v1/alerts/shop/checkout-not-ready/silences",
        Some(json!({"seconds": 0})),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    let (status, refused) = send(
        Method::POST,
        &server,
        "api/v1/alerts",
        Some(json!({"namespace": "shop", "name": "Not A Name", "spec": {"condition": {"notReady": {}}}})),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
}

#[tokio::test]
async fn a_person_without_rights_reads_the_api_servers_refusal() {
    let server = TestServer::demo_as("restricted", ServerConfig::default()).await;
    let (status, refused) = send(
        Method::POST,
        &server,
        "api/v1/alerts",
        Some(json!({"namespace": "team-a", "name": "mine",
            "spec": {"condition": {"crashLooping": {}}}})),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["reason"], "Forbidden");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("alertrules") && m.contains("forbidden")),
        "the API server's own words: {refused}"
    );
    // The list answers with what may be read, and says what was refused.
    let (status, list) = send(Method::GET, &server, "api/v1/alerts", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["create"]["allowed"], false, "{list}");
    assert!(
        !list["warnings"].as_array().expect("warnings").is_empty(),
        "{list}"
    );
}
