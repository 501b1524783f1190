//! Logins and every call as the person: two people signed in with tokens of the sim's table — the
//! admin, and `restricted`, who may read pods, services, ConfigMaps and events in `team-a` only —
//! use one console whose caches read as the admin. Each sees what the API server lets them see.

mod common;

use std::time::Duration;

use common::TestServer;
use common::browser::Browser;
use reqwest::header::HeaderName;
use serde_json::{Value, json};
use wheelhouse_server::ServerConfig;
use wheelhouse_server::session::{LoginConfig, LoginMode, ProxySettings};
use wheelhouse_sim::{Scenario, SimConfig};

/// How long any awaited condition may take before the test fails.
const WITHIN: Duration = Duration::from_secs(20);

/// The console in login mode (tokens) on the demo scenario, its own identity the admin.
async fn console() -> TestServer {
    TestServer::demo_with_token_logins().await
}

/// Waits until the demo's controllers have made team-a's pods (as the admin sees them).
async fn team_a_pods(admin: &Browser<'_>) -> Value {
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        let (_, list) = admin
            .list("api/v1/resources/core/v1/pods?namespace=team-a&pageSize=500")
            .await;
        if list["total"].as_u64() > Some(0) {
            return list;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "team-a has no pods: {list}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn namespaces_of(list: &Value) -> Vec<String> {
    let mut namespaces: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["namespace"].as_str().unwrap_or_default().to_string())
        .collect();
    namespaces.sort();
    namespaces.dedup();
    namespaces
}

#[tokio::test]
async fn without_a_session_the_api_says_sign_in_and_the_web_app_still_loads() {
    let server = console().await;
    let browser = Browser::new(&server);
    let (status, session) = browser.get("api/v1/session").await;
    assert_eq!(status, 200);
    assert_eq!(session["mode"], "login");
    assert_eq!(session["methods"], json!(["token"]));
    assert_eq!(session["person"], Value::Null);

    for path in [
        "api/v1/resources/core/v1/pods",
        "api/v1/overview",
        "api/v1/cluster",
    ] {
        let (status, body) = browser.get(path).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(body["error"]["reason"], "Unauthorized", "{path}");
    }
    // The mode is said before signing in; the cluster itself is not.
    let (_, session) = browser.get("api/v1/session").await;
    assert_eq!(session["cluster"], server.cluster.info().name);
    // The sign-in page is part of the web app, which loads for anyone.
    let (status, _) = browser.get("login").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_token_signs_in_with_a_sealed_strict_cookie_and_a_wrong_one_is_refused() {
    let server = console().await;
    let mut browser = Browser::new(&server);
    let response = browser.sign_in("not-a-real-token").await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["reason"], "Unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("did not accept"),
        "{body}"
    );
    assert!(browser.cookie.is_none(), "no session for a wrong token");

    let response = browser.sign_in("restricted-token").await;
    assert_eq!(response.status(), 200);
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .expect("ascii")
        .to_string();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(
        !set_cookie.contains("restricted-token"),
        "the token is sealed, not readable: {set_cookie}"
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["person"]["user"], "restricted");
    assert_eq!(body["person"]["method"], "token");
    assert!(body["person"]["expiresAt"].is_string(), "{body}");

    let (status, session) = browser.get("api/v1/session").await;
    assert_eq!(status, 200);
    assert_eq!(session["person"]["user"], "restricted");
    assert!(
        session["person"]["groups"]
            .as_array()
            .expect("groups")
            .contains(&json!("team-a")),
        "{session}"
    );

    // A cookie changed by the browser is worth nothing.
    let mut forged = Browser::new(&server);
    let cookie = browser.cookie.clone().expect("cookie");
    let (name, value) = cookie.split_once('=').expect("pair");
    let mut bytes = value.as_bytes().to_vec();
    bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
    forged.cookie = Some(format!(
        "{name}={}",
        String::from_utf8(bytes).expect("text")
    ));
    let (status, body) = forged.get("api/v1/overview").await;
    assert_eq!(status, 401, "{body}");

    // Signing out clears the cookie; the old one no longer... is simply not sent by a browser.
    let (status, body) = browser.delete("api/v1/session").await;
    assert_eq!(status, 200);
    assert_eq!(body["person"], Value::Null);
}

#[tokio::test]
async fn the_restricted_person_sees_only_team_a_and_the_admin_sees_everything() {
    let server = console().await;
    let mut admin = Browser::new(&server);
    assert_eq!(admin.sign_in("admin-token").await.status(), 200);
    let mut restricted = Browser::new(&server);
    assert_eq!(restricted.sign_in("restricted-token").await.status(), 200);

    let team_a = team_a_pods(&admin).await;
    // Lists: the same cache, released per person.
    let (status, all) = admin
        .list("api/v1/resources/core/v1/pods?pageSize=500")
        .await;
    assert_eq!(status, 200, "{all}");
    assert!(
        namespaces_of(&all).len() > 1,
        "the admin sees pods of several namespaces: {:?}",
        namespaces_of(&all)
    );
    let (status, theirs) = restricted
        .list("api/v1/resources/core/v1/pods?pageSize=500")
        .await;
    assert_eq!(status, 200, "{theirs}");
    assert_eq!(namespaces_of(&theirs), ["team-a"], "{theirs}");
    let said = theirs["warnings"].to_string();
    assert!(
        said.contains("Forbidden") && said.contains("only in team-a"),
        "the narrowed list says so: {said}"
    );
    assert_eq!(
        theirs["total"], team_a["total"],
        "every team-a pod, and only those"
    );

    // Filters work within what they may see.
    let (_, filtered) = restricted
        .list("api/v1/resources/core/v1/pods?q=hello&pageSize=500")
        .await;
    assert_eq!(namespaces_of(&filtered), ["team-a"]);

    // Another namespace, or a kind they may not list anywhere, is refused — never empty.
    let (status, body) = restricted
        .list("api/v1/resources/core/v1/pods?namespace=default")
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("namespace default"),
        "{body}"
    );
    let (status, body) = restricted.list("api/v1/resources/core/v1/secrets").await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = restricted.list("api/v1/resources/core/v1/nodes").await;
    assert_eq!(status, 403, "{body}");

    // The overview counts only team-a, and says that nodes are hidden rather than absent.
    let (status, overview) = restricted.get("api/v1/overview").await;
    assert_eq!(status, 200, "{overview}");
    assert_eq!(overview["pods"]["total"], team_a["total"], "{overview}");
    let namespaces: Vec<&str> = overview["namespaces"]
        .as_array()
        .expect("namespaces")
        .iter()
        .map(|n| n["name"].as_str().expect("name"))
        .collect();
    assert_eq!(namespaces, ["team-a"]);
    assert_eq!(overview["nodes"]["total"], 0);
    assert_eq!(overview["hidden"][0]["what"], "nodes", "{overview}");
    assert_eq!(overview["hidden"][0]["reason"], "Forbidden");
    let (_, admin_overview) = admin.get("api/v1/overview").await;
    assert!(admin_overview["nodes"]["total"].as_u64() > Some(0));
    assert_eq!(admin_overview["hidden"], json!([]));

    // Metrics: the cluster's are the admin's to see; a team-a pod's are theirs.
    let (status, body) = restricted.get("api/v1/metrics/cluster").await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = restricted.get("api/v1/metrics/namespaces/default").await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = restricted.get("api/v1/metrics/namespaces/team-a").await;
    assert_ne!(status, 403, "{body}");
    let (status, body) = admin.get("api/v1/metrics/namespaces/default").await;
    assert_ne!(status, 403, "{body}");

    // The namespace picker: the namespaces each may list pods in.
    let (status, body) = restricted.get("api/v1/namespaces").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"names": ["team-a"], "source": "cluster", "refused": null})
    );
    let (_, body) = admin.get("api/v1/namespaces").await;
    let names = body["names"].as_array().expect("names");
    assert!(
        names.len() > 1 && names.contains(&json!("team-a")),
        "{body}"
    );
}

#[tokio::test]
async fn writes_and_logs_use_the_persons_own_credentials() {
    let server = console().await;
    let mut admin = Browser::new(&server);
    assert_eq!(admin.sign_in("admin-token").await.status(), 200);
    team_a_pods(&admin).await;
    let mut restricted = Browser::new(&server);
    assert_eq!(restricted.sign_in("restricted-token").await.status(), 200);
    let (_, pods) = restricted
        .list("api/v1/resources/core/v1/pods?namespace=team-a")
        .await;
    let pod = pods["items"][0]["name"]
        .as_str()
        .expect("a team-a pod")
        .to_string();

    // A delete is the API server's to refuse, in its words.
    let (status, body) = restricted
        .delete(&format!(
            "api/v1/resources/core/v1/pods/{pod}?namespace=team-a"
        ))
        .await;
    assert_eq!(status, 403, "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("User \"restricted\" cannot delete resource \"pods\""),
        "{message}"
    );

    // Their logs in team-a (once the container has started); none elsewhere.
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        let (status, body) = restricted.get(&format!("api/v1/logs/team-a/{pod}")).await;
        if status == 200 {
            break;
        }
        assert!(
            status == 400 && tokio::time::Instant::now() < deadline,
            "{status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, all) = admin
        .list("api/v1/resources/core/v1/pods?pageSize=500")
        .await;
    let other = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["namespace"] != "team-a")
        .expect("a pod outside team-a");
    let (status, body) = restricted
        .get(&format!(
            "api/v1/logs/{}/{}",
            other["namespace"].as_str().expect("namespace"),
            other["name"].as_str().expect("name")
        ))
        .await;
    assert_eq!(status, 403, "{body}");

    // The buttons the UI shows are the person's: restricted may not delete, the admin may.
    let permissions = format!("api/v1/resources/core/v1/pods/{pod}/permissions?namespace=team-a");
    let (_, theirs) = restricted.get(&permissions).await;
    assert_eq!(theirs["actions"]["delete"]["allowed"], false, "{theirs}");
    let (_, admins) = admin.get(&permissions).await;
    assert_eq!(admins["actions"]["delete"]["allowed"], true, "{admins}");
}

#[tokio::test]
async fn secret_values_stay_on_the_server_until_revealed() {
    let server = console().await;
    let mut admin = Browser::new(&server);
    assert_eq!(admin.sign_in("admin-token").await.status(), 200);
    let (_, secrets) = admin
        .list("api/v1/resources/core/v1/secrets?pageSize=500")
        .await;
    let item = secrets["items"]
        .as_array()
        .expect("items")
        .first()
        .expect("the demo has a Secret")
        .clone();
    let (name, namespace) = (
        item["name"].as_str().expect("name"),
        item["namespace"].as_str().expect("namespace"),
    );
    let path = format!("api/v1/resources/core/v1/secrets/{name}?namespace={namespace}");
    let (status, detail) = admin.get(&path).await;
    assert_eq!(status, 200, "{detail}");
    let data = detail["object"]["data"].as_object().expect("data");
    assert!(!data.is_empty());
    assert!(
        data.values()
            .all(|v| v == "(hidden: reveal to see or edit)"),
        "{data:?}"
    );
    let (_, revealed) = admin.get(&format!("{path}&reveal=true")).await;
    let real = revealed["object"]["data"].as_object().expect("data");
    assert!(
        real.values()
            .all(|v| v != "(hidden: reveal to see or edit)"),
        "{real:?}"
    );
    let (_, yaml) = admin
        .get(&format!(
            "api/v1/resources/core/v1/secrets/{name}/yaml?namespace={namespace}"
        ))
        .await;
    assert!(
        yaml.as_str()
            .expect("yaml text")
            .contains("(hidden: reveal to see or edit)"),
        "{yaml}"
    );

    // Saving the hidden text back would erase the values: refused with the reason.
    let mut object = detail["object"].clone();
    object["metadata"]["labels"] = json!({"touched": "yes"});
    let response = admin
        .with_cookie(admin.http.put(server.url(&path)))
        .json(&object)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("hidden"),
        "{body}"
    );
}

#[tokio::test]
async fn behind_an_authenticating_proxy_the_named_person_is_impersonated() {
    let login = LoginConfig {
        mode: LoginMode::Proxy(ProxySettings {
            secret: "a-long-enough-proxy-secret".into(),
            secret_header: HeaderName::from_static("x-wheelhouse-proxy-secret"),
            user_header: HeaderName::from_static("x-remote-user"),
            group_header: HeaderName::from_static("x-remote-group"),
        }),
        ..LoginConfig::default()
    };
    let server = TestServer::on_sim(
        SimConfig::default().scenario(Scenario::Demo),
        "admin",
        ServerConfig::default().login(login),
    )
    .await;
    let http = common::client();
    let get = |path: &str, secret: Option<&str>, user: &str, groups: &[&str]| {
        let mut request = http
            .get(server.url(path))
            .header("x-remote-user", user.to_string());
        if let Some(secret) = secret {
            request = request.header("x-wheelhouse-proxy-secret", secret.to_string());
        }
        for group in groups {
            request = request.header("x-remote-group", group.to_string());
        }
        async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };

    // Not through the proxy: refused, whatever the headers claim.
    let (status, body) = get("api/v1/session", None, "admin", &["system:masters"]).await;
    assert_eq!(status, 401, "{body}");
    let (status, _) = get("api/v1/session", Some("wrong"), "admin", &[]).await;
    assert_eq!(status, 401);

    // Through it: the person it names, with the rights of their name and groups.
    let (status, session) = get(
        "api/v1/session",
        Some("a-long-enough-proxy-secret"),
        "carol",
        &["team-a"],
    )
    .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["mode"], "proxy");
    assert_eq!(session["person"]["user"], "carol");
    assert_eq!(session["person"]["method"], "proxy");

    let deadline = tokio::time::Instant::now() + WITHIN;
    let list = loop {
        let (status, list) = get(
            "api/v1/resources/core/v1/pods?pageSize=500",
            Some("a-long-enough-proxy-secret"),
            "carol",
            &["team-a"],
        )
        .await;
        assert_eq!(status, 200, "{list}");
        if list["state"] == "ready" && list["total"].as_u64() > Some(0) {
            break list;
        }
        assert!(tokio::time::Instant::now() < deadline, "{list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(namespaces_of(&list), ["team-a"]);

    // Calls to the API server impersonate carol: the sim's refusal names her.
    let (status, body) = get(
        "api/v1/resources/core/v1/secrets/anything?namespace=team-a",
        Some("a-long-enough-proxy-secret"),
        "carol",
        &["team-a"],
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("User \"carol\""),
        "{body}"
    );
}

#[tokio::test]
async fn a_live_view_ends_when_its_session_does() {
    let login = LoginConfig {
        mode: LoginMode::Login {
            token: true,
            oidc: None,
        },
        session_ttl: Duration::from_secs(3),
        ..LoginConfig::default()
    };
    let server = TestServer::on_sim(
        SimConfig::default().scenario(Scenario::Demo),
        "admin",
        ServerConfig::default().login(login),
    )
    .await;
    let mut admin = Browser::new(&server);
    assert_eq!(admin.sign_in("admin-token").await.status(), 200);
    let mut response = admin
        .with_cookie(
            admin
                .http
                .get(server.url("api/v1/watch/core/v1/namespaces")),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let started = tokio::time::Instant::now();
    let mut text = String::new();
    // The stream carries the view, then says the session ended, then ends.
    while let Some(chunk) = tokio::time::timeout(WITHIN, response.chunk())
        .await
        .expect("the stream ends in time")
        .expect("chunk")
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: snapshot"), "{text}");
    assert!(
        text.contains("event: error") && text.contains("SessionExpired"),
        "{text}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "ended with the session, not later"
    );
    // And the session itself is over.
    let (status, body) = admin.get("api/v1/overview").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["reason"], "SessionExpired");
}
