//! Opening a workload in the browser: a Service's or a pod's port through the console, via the
//! sim's `services/proxy` and `pods/proxy` — the page, its redirects, what goes upstream, the
//! sandbox every answer carries, the person's rights, and a Service with no ready pod.

mod common;

use common::TestServer;
use reqwest::StatusCode;
use reqwest::header::HeaderName;
use reqwest::header::{self, HeaderMap};
use serde_json::{Value, json};
use wheelhouse_server::session::{LoginConfig, LoginMode, ProxySettings};
use wheelhouse_server::{BasePath, ServerConfig};
use wheelhouse_sim::{GroupPolicy, GroupResource, Rule, Scenario, Sim, SimConfig, User};

const SERVICE: &str = "api/v1/namespaces/shop/services/web:80/proxy";

/// A quiet sim with `shop/web` (port 80 → 8080) in front of the running pod `web-1`, and its
/// Endpoints (`ready`: whether web-1 is among the ready addresses).
async fn sim_with_service(ready: bool) -> Sim {
    sim_with_service_for(ready, SimConfig::default()).await
}

/// [`sim_with_service`] on a sim of `config` (its people and policies).
async fn sim_with_service_for(ready: bool, config: SimConfig) -> Sim {
    let sim = Sim::start(config.scenario(Scenario::Empty).controllers(false))
        .await
        .expect("the sim starts");
    let store = sim.store();
    store
        .create(
            &common::pods(),
            true,
            json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx",
                "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]},
            "status": {"phase": "Running", "podIP": "10.1.0.5"}}),
        )
        .expect("pod");
    store
        .create(&GroupResource::core("services"), true, json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}}))
        .expect("service");
    let address = json!({"ip": "10.1.0.5", "targetRef": {"kind": "Pod", "name": "web-1", "namespace": "shop"}});
    let subset = if ready {
        json!({"addresses": [address], "ports": [{"port": 8080, "protocol": "TCP"}]})
    } else {
        json!({"notReadyAddresses": [address], "ports": [{"port": 8080, "protocol": "TCP"}]})
    };
    store
        .create(
            &GroupResource::core("endpoints"),
            true,
            json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "web", "namespace": "shop"}, "subsets": [subset]}),
        )
        .expect("endpoints");
    sim
}

async fn console(sim: &Sim, user: &str, config: ServerConfig) -> TestServer {
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml(user)).expect("kubeconfig");
    TestServer::with_kubeconfig(kubeconfig, config).await
}

fn no_redirects() -> reqwest::Client {
    common::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// Every proxied answer is sandboxed, sends no Referer, and sets no cookie.
fn assert_sandboxed(headers: &HeaderMap) {
    let policy = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("text");
    assert!(policy.starts_with("sandbox "), "{policy}");
    assert!(!policy.contains("allow-same-origin"), "{policy}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert!(headers.get(header::SET_COOKIE).is_none(), "{headers:?}");
}

/// Opens the person's link `path` (as a navigation from the console): the console answers 303 to
/// the same path under a ticket. The ticket's prefix (`/proxy/{ticket}`, with the base path).
async fn ticket(server: &TestServer, path: &str) -> String {
    ticket_as(server, path, &[]).await
}

/// [`ticket`] for a person the navigation's `headers` name (a session cookie, or an
/// authenticating proxy's headers).
async fn ticket_as(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> String {
    let mut request = no_redirects()
        .get(server.url(path))
        .header("sec-fetch-site", "same-origin");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = request.send().await.expect("an answer");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{path}");
    let location = answer.headers()[header::LOCATION]
        .to_str()
        .expect("text")
        .to_string();
    let at = location.find("/api/v1/").expect("the API server's path");
    assert!(location[..at].contains("/proxy/"), "{location}");
    assert!(location.ends_with(path), "{location} keeps {path}");
    location[..at].to_string()
}

/// GET of `path` under a ticket for it, as the sandboxed page would send it (no cookie, no
/// Referer, another site to the browser).
async fn through(server: &TestServer, path: &str) -> reqwest::Response {
    let prefix = ticket(server, path).await;
    no_redirects()
        .get(format!("http://{}{prefix}/{path}", server.address))
        .header("origin", "null")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("an answer")
}

#[tokio::test]
async fn a_service_opens_in_the_browser_through_the_console_sandboxed() {
    let sim = sim_with_service(true).await;
    let server = console(&sim, "admin", ServerConfig::default()).await;
    let client = no_redirects();

    let prefix = ticket(&server, &format!("{SERVICE}/")).await;
    let page = through(&server, &format!("{SERVICE}/")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_sandboxed(page.headers());
    assert!(
        page.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("text")
            .starts_with("text/html")
    );
    let html = page.text().await.expect("a body");
    assert!(html.contains("Served by web-1"), "{html}");
    // The API server rewrote the workload's absolute links under its proxy path; the console
    // puts them under the page's ticket (each ticket is new, so compare the shape).
    assert!(html.contains("href=\"/proxy/"), "{html}");
    assert!(html.contains(&format!("/{SERVICE}/about\"")), "{html}");
    assert!(!html.contains(&format!("\"/{SERVICE}/about")), "{html}");

    // Asked compressed, as browsers ask, the rewritten page still arrives whole.
    let mut compressed = client
        .get(format!("http://{}{prefix}/{SERVICE}/", server.address))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("an answer");
    assert_eq!(compressed.status(), StatusCode::OK);
    assert_eq!(compressed.headers()[header::CONTENT_ENCODING], "gzip");
    let mut size = 0;
    while let Some(chunk) = compressed.chunk().await.expect("the body reads to its end") {
        size += chunk.len();
    }
    assert!(size > 100, "{size} bytes");

    // The root without its slash is sent to it, and a workload's redirect stays under the ticket.
    let root = client
        .get(format!("http://{}{prefix}/{SERVICE}", server.address))
        .send()
        .await
        .expect("an answer");
    assert_eq!(root.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        root.headers()[header::LOCATION],
        format!("{prefix}/{SERVICE}/")
    );
    let redirect = client
        .get(format!(
            "http://{}{prefix}/{SERVICE}/redirect",
            server.address
        ))
        .send()
        .await
        .expect("an answer");
    assert_eq!(redirect.status(), StatusCode::FOUND);
    assert_eq!(
        redirect.headers()[header::LOCATION],
        format!("{prefix}/{SERVICE}/echo?from=redirect")
    );
    assert_sandboxed(redirect.headers());
}

#[tokio::test]
async fn the_consoles_cookies_and_headers_never_reach_the_workload() {
    let sim = sim_with_service(true).await;
    let server = console(&sim, "admin", ServerConfig::default()).await;
    let prefix = ticket(&server, &format!("{SERVICE}/")).await;
    let echo: Value = no_redirects()
        .get(format!(
            "http://{}{prefix}/{SERVICE}/echo?x=1",
            server.address
        ))
        .header(header::COOKIE, "wheelhouse_session=sealed-secret")
        .header("x-wheelhouse-client", "web")
        .header("x-remote-user", "mallory")
        .header("x-wheelhouse-proxy-secret", "s3cret")
        .header(header::ACCEPT_LANGUAGE, "fr")
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("the echo");
    let received = echo["headers"].as_object().expect("headers");
    for name in [
        "cookie",
        "x-wheelhouse-client",
        "x-remote-user",
        "x-wheelhouse-proxy-secret",
    ] {
        assert!(
            !received.contains_key(name),
            "{name} reached the pod: {echo}"
        );
    }
    assert_eq!(received["accept-language"], "fr");
    assert_eq!(echo["query"], "x=1");
    assert_eq!(echo["pod"], "web-1");
    assert_eq!(
        echo["forwardedFor"], "admin",
        "the person's identity, not the console's"
    );
}

#[tokio::test]
async fn a_large_answer_streams_through_whole() {
    let sim = sim_with_service(true).await;
    let server = console(&sim, "admin", ServerConfig::default()).await;
    let mut answer = through(&server, &format!("{SERVICE}/stream?kib=32768")).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let mut total = 0usize;
    while let Some(chunk) = answer.chunk().await.expect("a chunk") {
        total += chunk.len();
    }
    // 32 MiB: twice what the console reads whole from the API server anywhere else.
    assert_eq!(total, 32 * 1024 * 1024);
}

#[tokio::test]
async fn a_service_without_a_ready_pod_says_so_as_the_api_server_does() {
    let sim = sim_with_service(false).await;
    let server = console(&sim, "admin", ServerConfig::default()).await;
    let answer = through(&server, &format!("{SERVICE}/")).await;
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_sandboxed(answer.headers());
    let error: Value = answer.json().await.expect("the error");
    assert_eq!(error["error"]["reason"], "ServiceUnavailable");
    let message = error["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("no endpoints available for service \"web\"")
            && message.contains("web:80"),
        "{message}"
    );
}

#[tokio::test]
async fn the_persons_rights_decide_and_a_pod_port_nothing_listens_on_is_refused() {
    let sim = sim_with_service(true).await;
    // `restricted` may read pods and services in team-a only, and proxy nothing.
    let server = console(&sim, "restricted", ServerConfig::default()).await;
    let answer = through(&server, &format!("{SERVICE}/")).await;
    assert_eq!(answer.status(), StatusCode::FORBIDDEN);
    let error: Value = answer.json().await.expect("the error");
    let message = error["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("User \"restricted\" cannot get resource \"services/proxy\""),
        "{message}"
    );

    let admin = console(&sim, "admin", ServerConfig::default()).await;
    let page = through(&admin, "api/v1/namespaces/shop/pods/web-1:8080/proxy/").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("body").contains("Served by web-1"));
    let closed = through(&admin, "api/v1/namespaces/shop/pods/web-1:9999/proxy/").await;
    assert_eq!(closed.status(), StatusCode::SERVICE_UNAVAILABLE);
    let error: Value = closed.json().await.expect("the error");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("connection refused")),
        "{error}"
    );
}

#[tokio::test]
async fn another_site_cannot_load_a_workload_through_the_console() {
    let sim = sim_with_service(true).await;
    let server = console(&sim, "admin", ServerConfig::default()).await;
    let client = no_redirects();
    let url = server.url(&format!("{SERVICE}/echo"));
    let linked = client
        .get(&url)
        .header("sec-fetch-site", "cross-site")
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .expect("an answer");
    assert_eq!(linked.status(), StatusCode::FORBIDDEN);
    let error: Value = linked.json().await.expect("the error");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Open it from the Service or pod in Wheelhouse")),
        "{error}"
    );
    // A ticket Wheelhouse did not make, or made for another target, opens nothing.
    let forged = client
        .get(server.url(&format!("proxy/AAAA/{SERVICE}/echo")))
        .send()
        .await
        .expect("an answer");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let prefix = ticket(&server, &format!("{SERVICE}/")).await;
    let elsewhere = client
        .get(format!(
            "http://{}{prefix}/api/v1/namespaces/shop/pods/web-1:8080/proxy/echo",
            server.address
        ))
        .send()
        .await
        .expect("an answer");
    assert_eq!(elsewhere.status(), StatusCode::FORBIDDEN);
    let error: Value = elsewhere.json().await.expect("the error");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("made for another workload")),
        "{error}"
    );
}

#[tokio::test]
async fn under_a_base_path_redirects_stay_under_it() {
    let sim = sim_with_service(true).await;
    let config =
        ServerConfig::default().base_path(BasePath::parse("/console/").expect("a base path"));
    let server = console(&sim, "admin", config).await;
    let prefix = ticket(&server, &format!("{SERVICE}/redirect")).await;
    assert!(prefix.starts_with("/console/proxy/"), "{prefix}");
    let redirect = no_redirects()
        .get(format!(
            "http://{}{prefix}/{SERVICE}/redirect",
            server.address
        ))
        .send()
        .await
        .expect("an answer");
    assert_eq!(redirect.status(), StatusCode::FOUND);
    assert_eq!(
        redirect.headers()[header::LOCATION],
        format!("{prefix}/{SERVICE}/echo?from=redirect")
    );
}

/// The sim's people plus `dana`, who may open Services in `shop` (`services/proxy`) and do
/// nothing else, and the group `shop-web`, whose members may do the same.
fn sim_with_openers() -> SimConfig {
    let open_shop = || {
        vec![Rule::new(
            &["get", "create"],
            &["services/proxy"],
            &["shop"],
        )]
    };
    SimConfig::default()
        .user(User::new("dana", "dana-token", &[], open_shop()))
        .group_policy(GroupPolicy::new("shop-web", open_shop()))
}

/// A page load under the ticket `prefix`, as the sandboxed page sends it: no cookie, no identity
/// headers, another site to the browser.
async fn under_ticket(server: &TestServer, prefix: &str, path: &str) -> reqwest::Response {
    no_redirects()
        .get(format!("http://{}{prefix}/{path}", server.address))
        .header("origin", "null")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("an answer")
}

/// [`under_ticket`] through an authenticating proxy that let the load through without its
/// sign-in: its secret, but no person.
async fn under_ticket_via(
    server: &TestServer,
    prefix: &str,
    path: &str,
    secret: &str,
) -> reqwest::Response {
    no_redirects()
        .get(format!("http://{}{prefix}/{path}", server.address))
        .header("origin", "null")
        .header("sec-fetch-site", "cross-site")
        .header("x-wheelhouse-proxy-secret", secret)
        .send()
        .await
        .expect("an answer")
}

#[tokio::test]
async fn signed_in_with_a_token_a_service_opens_as_that_person_and_a_refusal_is_the_api_servers() {
    let sim = sim_with_service_for(true, sim_with_openers()).await;
    let login = LoginConfig {
        mode: LoginMode::Login {
            token: true,
            oidc: None,
        },
        ..LoginConfig::default()
    };
    // The console's own identity is the admin; the people's tokens decide.
    let server = console(&sim, "admin", ServerConfig::default().login(login)).await;

    // Without a session the link opens nothing.
    let anonymous = no_redirects()
        .get(server.url(&format!("{SERVICE}/")))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("an answer");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let mut dana = common::browser::Browser::new(&server);
    assert_eq!(dana.sign_in("dana-token").await.status(), 200);
    let cookie = dana.cookie.clone().expect("a session");
    let prefix = ticket_as(&server, &format!("{SERVICE}/"), &[("cookie", &cookie)]).await;
    let page = under_ticket(&server, &prefix, &format!("{SERVICE}/")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_sandboxed(page.headers());
    assert!(page.text().await.expect("body").contains("Served by web-1"));
    let echo: Value = under_ticket(&server, &prefix, &format!("{SERVICE}/echo"))
        .await
        .json()
        .await
        .expect("the echo");
    assert_eq!(
        echo["forwardedFor"], "dana",
        "the person's token, not the console's: {echo}"
    );
    assert!(
        !echo["headers"]
            .as_object()
            .expect("headers")
            .contains_key("cookie")
    );

    // `restricted` may read services in team-a only and proxy nothing: the opened page is the
    // API server's refusal, naming them.
    let mut restricted = common::browser::Browser::new(&server);
    assert_eq!(restricted.sign_in("restricted-token").await.status(), 200);
    let cookie = restricted.cookie.clone().expect("a session");
    let prefix = ticket_as(&server, &format!("{SERVICE}/"), &[("cookie", &cookie)]).await;
    let refused = under_ticket(&server, &prefix, &format!("{SERVICE}/")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_sandboxed(refused.headers());
    let error: Value = refused.json().await.expect("the error");
    let message = error["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("User \"restricted\" cannot get resource \"services/proxy\""),
        "{message}"
    );
}

#[tokio::test]
async fn behind_an_authenticating_proxy_a_service_opens_as_the_person_it_names() {
    let sim = sim_with_service_for(true, sim_with_openers()).await;
    let secret = "a-long-enough-proxy-secret";
    let login = LoginConfig {
        mode: LoginMode::Proxy(ProxySettings {
            secret: secret.into(),
            secret_header: HeaderName::from_static("x-wheelhouse-proxy-secret"),
            user_header: HeaderName::from_static("x-remote-user"),
            group_header: HeaderName::from_static("x-remote-group"),
        }),
        ..LoginConfig::default()
    };
    let server = console(&sim, "admin", ServerConfig::default().login(login)).await;
    let through_proxy = |user: &'static str, group: &'static str| {
        [
            ("x-wheelhouse-proxy-secret", secret),
            ("x-remote-user", user),
            ("x-remote-group", group),
        ]
    };

    // Not through the proxy: no ticket.
    let bare = no_redirects()
        .get(server.url(&format!("{SERVICE}/")))
        .header("sec-fetch-site", "same-origin")
        .header("x-remote-user", "admin")
        .send()
        .await
        .expect("an answer");
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);

    // erin's rights come from her group, as the proxy names it; the console impersonates her.
    let prefix = ticket_as(
        &server,
        &format!("{SERVICE}/"),
        &through_proxy("erin", "shop-web"),
    )
    .await;
    // The page's own loads pass the proxy without its sign-in (they are cross-site and carry
    // none of its cookies): the proxy adds its secret, and the ticket names erin.
    let page = under_ticket_via(&server, &prefix, &format!("{SERVICE}/"), secret).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_sandboxed(page.headers());
    assert!(page.text().await.expect("body").contains("Served by web-1"));
    let echo: Value = under_ticket_via(&server, &prefix, &format!("{SERVICE}/echo"), secret)
        .await
        .json()
        .await
        .expect("the echo");
    assert_eq!(echo["forwardedFor"], "erin", "{echo}");
    // Past the proxy, a ticket opens nothing.
    let bypass = under_ticket(&server, &prefix, &format!("{SERVICE}/")).await;
    assert_eq!(bypass.status(), StatusCode::UNAUTHORIZED);
    let received = echo["headers"].as_object().expect("headers");
    for name in [
        "x-remote-user",
        "x-remote-group",
        "x-wheelhouse-proxy-secret",
    ] {
        assert!(
            !received.contains_key(name),
            "{name} reached the pod: {echo}"
        );
    }

    // carol of team-a may proxy nothing: the opened page is the API server's refusal, naming her.
    let prefix = ticket_as(
        &server,
        &format!("{SERVICE}/"),
        &through_proxy("carol", "team-a"),
    )
    .await;
    let refused = under_ticket_via(&server, &prefix, &format!("{SERVICE}/"), secret).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_sandboxed(refused.headers());
    let error: Value = refused.json().await.expect("the error");
    let message = error["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("User \"carol\" cannot get resource \"services/proxy\""),
        "{message}"
    );
}
