//! A chart repository's credentials: only from the credentials namespace, only when the person
//! may read them, and never over plain HTTP unless the repository says so. Each test checks the
//! refusal, its words, and that nothing was saved or sent to the repository.

mod common;

use std::time::Duration;

use common::TestServer;
use common::repositories::{
    add, basic, config, create_with_kubectl_rights, failed_sync, field_errors, hello_chart,
    login_secret, one_who_may_not_read_secrets, repository, repository_until, stored,
};
use serde_json::{Value, json};
use wheelhouse_server::apps::AppsConfig;

#[tokio::test]
async fn a_secret_outside_the_credentials_namespace_is_refused_and_never_read_or_sent() {
    let (address, seen) = repository(hello_chart("charts"), Some(basic("ann", "s3cret"))).await;
    let server = TestServer::demo(config(
        AppsConfig::default().credentials_namespace("default"),
    ))
    .await;
    server.wait_ready().await;
    // An application's Secret, in its own namespace.
    login_secret(&server, "kube-system", "app-db").await;
    let url = format!("http://{address}/charts");

    let (code, refused) = add(
        &server,
        json!({"name": "borrowed", "url": url, "plainHttp": true,
               "secretRef": {"namespace": "kube-system", "name": "app-db"}}),
    )
    .await;
    assert_eq!(code, 422, "{refused}");
    assert_eq!(refused["error"]["reason"], "Invalid");
    let fields = field_errors(&refused);
    assert_eq!(fields.len(), 1, "{fields:?}");
    let (field, message) = &fields[0];
    assert_eq!(field, "secretRef");
    assert!(
        message.starts_with("the credentials Secret kube-system/app-db is outside namespace default, the only one Wheelhouse reads repository credentials from (--credentials-namespace)"),
        "{message}"
    );
    assert!(
        stored(&server, "borrowed").await.is_none(),
        "nothing was saved"
    );

    // The same repository made with kubectl: the syncer neither reads the Secret nor sends it.
    create_with_kubectl_rights(
        &server,
        "borrowed",
        json!({"url": url, "plainHttp": true, "secretRef": {"namespace": "kube-system", "name": "app-db"}}),
    )
    .await;
    let message = failed_sync(&server, "borrowed").await;
    assert!(
        message.contains("outside namespace default") && message.contains("was not read"),
        "{message}"
    );
    // The status is written back to the resource, where kubectl shows it.
    let mut object = Value::Null;
    for _ in 0..50 {
        object = stored(&server, "borrowed").await.expect("stored");
        if object["status"]["state"] == "error" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(object["status"]["message"], message, "{object}");
    assert!(
        seen.requests().is_empty(),
        "nothing reached the repository: {:?}",
        seen.requests()
    );
}

#[tokio::test]
async fn a_person_who_may_not_read_a_secret_cannot_have_the_console_send_it() {
    let (address, seen) = repository(hello_chart("charts"), Some(basic("ann", "s3cret"))).await;
    let server = one_who_may_not_read_secrets().await;
    login_secret(&server, "default", "charts-login").await;
    let url = format!("http://{address}/charts");

    let (code, refused) = add(
        &server,
        json!({"name": "mine", "url": url, "plainHttp": true,
               "secretRef": {"namespace": "default", "name": "charts-login"}}),
    )
    .await;
    assert_eq!(code, 403, "{refused}");
    assert_eq!(refused["error"]["reason"], "Forbidden");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("you may not read the credentials Secret default/charts-login, so Wheelhouse will not send it to a repository for you"),
        "{message}"
    );
    assert!(
        message.contains("User \"charts-admin\" cannot get resource \"secrets\""),
        "the API server's reason: {message}"
    );
    assert!(stored(&server, "mine").await.is_none(), "nothing was saved");

    // The same person may add the repository without the Secret: it is the Secret that is refused.
    let (code, created) = add(&server, json!({"name": "open", "url": url})).await;
    assert_eq!(code, 201, "{created}");
    // Once its sync has ended, the repository has been asked — without the login, so it refused.
    let message = failed_sync(&server, "open").await;
    assert!(message.contains("401"), "{message}");
    assert!(!seen.requests().is_empty(), "the repository was asked");
    assert!(seen.logins().is_empty(), "{:?}", seen.requests());
}

#[tokio::test]
async fn credentials_cross_plain_http_only_when_the_repository_says_so() {
    let (address, seen) = repository(hello_chart("charts"), Some(basic("ann", "s3cret"))).await;
    let server = TestServer::demo(config(
        AppsConfig::default().credentials_namespace("default"),
    ))
    .await;
    server.wait_ready().await;
    login_secret(&server, "default", "charts-login").await;
    let url = format!("http://{address}/charts");
    let secret = json!({"namespace": "default", "name": "charts-login"});

    let (code, refused) = add(
        &server,
        json!({"name": "clear", "url": url, "secretRef": secret}),
    )
    .await;
    assert_eq!(code, 422, "{refused}");
    let fields = field_errors(&refused);
    assert_eq!(fields[0].0, "plainHttp", "{fields:?}");
    assert!(
        fields[0]
            .1
            .contains("its password would cross the network unencrypted")
            && fields[0].1.contains("plainHttp: true"),
        "{fields:?}"
    );

    create_with_kubectl_rights(&server, "clear", json!({"url": url, "secretRef": secret})).await;
    let message = failed_sync(&server, "clear").await;
    assert!(
        message.starts_with("spec.plainHttp: ") && message.contains("not synced"),
        "{message}"
    );
    assert!(
        seen.logins().is_empty(),
        "no login went out: {:?}",
        seen.requests()
    );

    // Said explicitly, the login goes to the repository and the repository works.
    let (code, created) = add(
        &server,
        json!({"name": "said-so", "url": url, "plainHttp": true, "secretRef": secret}),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    let synced = repository_until(&server, "said-so", |r| r["status"]["state"] == "ok").await;
    assert_eq!(synced["status"]["charts"], 1, "{synced}");
    assert!(seen.logins().contains(&basic("ann", "s3cret")));
}

/// An index may list archives on any host; the repository's login goes only to the repository's
/// own origin (helm's default too), never to the host an index names.
#[tokio::test]
async fn the_login_goes_to_the_repository_and_never_to_an_archive_on_another_host() {
    let archive = hello_chart("mirror");
    let digest = wheelhouse_apps::chart::sha256_hex(&archive);
    let mirror_app = axum::Router::new().route(
        "/hello-1.0.0.tgz",
        axum::routing::get(move || async move { archive }),
    );
    let (mirror, mirror_seen) = common::repositories::serve(mirror_app, None).await;
    // Another host name for the same machine: another origin.
    let index = common::repositories::index_of_hello(
        &format!("http://localhost:{}/hello-1.0.0.tgz", mirror.port()),
        &digest,
    );
    let repository_app = axum::Router::new().route(
        "/charts/index.yaml",
        axum::routing::get(move || async move { index }),
    );
    let (address, seen) =
        common::repositories::serve(repository_app, Some(basic("ann", "s3cret"))).await;
    let server = TestServer::demo(config(
        AppsConfig::default().credentials_namespace("default"),
    ))
    .await;
    server.wait_ready().await;
    login_secret(&server, "default", "charts-login").await;

    let (code, created) = add(
        &server,
        json!({"name": "mirrored", "url": format!("http://{address}/charts"), "plainHttp": true,
               "secretRef": {"namespace": "default", "name": "charts-login"}}),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    repository_until(&server, "mirrored", |r| r["status"]["state"] == "ok").await;
    assert!(
        seen.logins().contains(&basic("ann", "s3cret")),
        "the repository got its login: {:?}",
        seen.requests()
    );

    // Opening the chart downloads its archive from the other host.
    let (code, chart) = common::send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/charts/mirrored/hello",
        None,
    )
    .await;
    assert_eq!(code, 200, "{chart}");
    assert_eq!(
        chart["values"], "message: hi\n",
        "read from the archive: {chart}"
    );
    let fetched = mirror_seen.requests();
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert_eq!(fetched[0].0, "/hello-1.0.0.tgz");
    assert_eq!(fetched[0].1, None, "the login went to another host");
}
