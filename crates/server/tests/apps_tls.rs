//! Chart repositories over HTTPS: the request goes over TLS and the certificate is verified
//! against the system's roots, so a certificate nobody vouches for is refused with the reason;
//! a repository naming its CA (`caSecretRef`, helm's `--ca-file`) is trusted with it.

mod common;

use common::repositories::{
    add, config, create_with_kubectl_rights, failed_sync, field_errors, hello_chart,
    one_who_may_not_read_secrets, repository_until, stored, tls_repository,
};
use common::{TestServer, send};
use serde_json::json;
use wheelhouse_server::apps::AppsConfig;

/// Creates Secret `namespace/name` with `data` as its stringData, as the sim's admin.
async fn secret(server: &TestServer, namespace: &str, name: &str, data: serde_json::Value) {
    let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
        kube::Api::namespaced(server.kube().await, namespace);
    let secret = serde_json::from_value(json!({"metadata": {"name": name}, "stringData": data}))
        .expect("a Secret");
    secrets
        .create(&kube::api::PostParams::default(), &secret)
        .await
        .expect("the Secret is created");
}

#[tokio::test]
async fn an_https_repository_with_a_self_signed_certificate_is_refused_for_its_unknown_issuer() {
    let (address, seen, _ca) = tls_repository(hello_chart("tls"), None).await;
    let server = TestServer::demo(config(AppsConfig::default())).await;
    server.wait_ready().await;
    let url = format!("https://{address}/charts");

    let (code, created) = add(&server, json!({"name": "self-signed", "url": url})).await;
    assert_eq!(code, 201, "{created}");
    let message = failed_sync(&server, "self-signed").await;
    // The handshake happened and the certificate was checked: not a "builder error" or a scheme
    // the client cannot speak.
    assert!(
        message.contains(&format!("https://{address}/charts/index.yaml"))
            && message.contains("invalid peer certificate")
            && message.contains("UnknownIssuer"),
        "{message}"
    );
    // And it says what to do about it.
    assert!(message.contains("name it in caSecretRef"), "{message}");
    assert!(
        seen.requests().is_empty(),
        "no request got past the handshake: {:?}",
        seen.requests()
    );
}

#[tokio::test]
async fn an_https_repository_is_trusted_with_the_ca_its_ca_secret_names_for_index_and_archives() {
    let (address, seen, ca) = tls_repository(hello_chart("tls"), None).await;
    let server = TestServer::demo(config(
        AppsConfig::default().credentials_namespace("default"),
    ))
    .await;
    server.wait_ready().await;
    secret(&server, "default", "charts-ca", json!({"ca.crt": ca})).await;
    let url = format!("https://{address}/charts");

    let (code, created) = add(
        &server,
        json!({"name": "private-ca", "url": url,
               "caSecretRef": {"namespace": "default", "name": "charts-ca"}}),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(
        created["caSecretRef"],
        json!({"namespace": "default", "name": "charts-ca"})
    );
    assert_eq!(
        stored(&server, "private-ca").await.expect("saved")["spec"]["caSecretRef"],
        json!({"namespace": "default", "name": "charts-ca"})
    );
    let repo = repository_until(&server, "private-ca", |r| {
        !matches!(r["status"]["state"].as_str(), Some("pending" | "syncing"))
    })
    .await;
    assert_eq!(repo["status"]["state"], "ok", "{repo}");
    assert_eq!(repo["status"]["charts"], 1, "{repo}");
    // The archive is read with the same CA.
    let (code, chart) = send(
        reqwest::Method::GET,
        &server,
        "api/v1/apps/charts/private-ca/hello",
        None,
    )
    .await;
    assert_eq!(code, 200, "{chart}");
    let paths: Vec<String> = seen.requests().into_iter().map(|(path, _)| path).collect();
    assert_eq!(
        paths,
        ["/charts/index.yaml", "/charts/hello-1.0.0.tgz"],
        "both over TLS"
    );
}

#[tokio::test]
async fn a_ca_secret_outside_the_credentials_namespace_or_without_a_certificate_is_refused() {
    let (address, seen, _ca) = tls_repository(hello_chart("tls"), None).await;
    let server = TestServer::demo(config(
        AppsConfig::default().credentials_namespace("default"),
    ))
    .await;
    server.wait_ready().await;
    let url = format!("https://{address}/charts");

    // Elsewhere than the credentials namespace: refused before anything is saved.
    secret(&server, "kube-system", "app-ca", json!({"ca.crt": "x"})).await;
    let (code, refused) = add(
        &server,
        json!({"name": "borrowed", "url": url,
               "caSecretRef": {"namespace": "kube-system", "name": "app-ca"}}),
    )
    .await;
    assert_eq!(code, 422, "{refused}");
    let fields = field_errors(&refused);
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].0, "caSecretRef");
    assert!(
        fields[0]
            .1
            .starts_with("the CA Secret kube-system/app-ca is outside namespace default"),
        "{fields:?}"
    );
    assert!(
        stored(&server, "borrowed").await.is_none(),
        "nothing was saved"
    );
    // The same repository made with kubectl: not synced, its Secret never read, its status says why.
    create_with_kubectl_rights(
        &server,
        "borrowed",
        json!({"url": url, "caSecretRef": {"namespace": "kube-system", "name": "app-ca"}}),
    )
    .await;
    let message = failed_sync(&server, "borrowed").await;
    assert!(
        message.starts_with(
            "spec.caSecretRef: the CA Secret kube-system/app-ca is outside namespace default"
        ) && message.contains("the Secret was not read"),
        "{message}"
    );

    // In the right namespace but without a certificate, or without the key: the status says so.
    secret(&server, "default", "not-a-ca", json!({"ca.crt": "hello"})).await;
    secret(&server, "default", "no-key", json!({"ca.pem": "hello"})).await;
    for (name, secret, says) in [
        (
            "not-a-ca",
            "not-a-ca",
            "the CA Secret default/not-a-ca (key ca.crt) cannot be used: it holds no PEM certificate",
        ),
        (
            "no-key",
            "no-key",
            "the CA Secret default/no-key needs the key ca.crt",
        ),
    ] {
        let (code, created) = add(
            &server,
            json!({"name": name, "url": url,
                   "caSecretRef": {"namespace": "default", "name": secret}}),
        )
        .await;
        assert_eq!(code, 201, "{created}");
        let message = failed_sync(&server, name).await;
        assert!(message.starts_with(says), "{name}: {message}");
    }
    assert!(seen.requests().is_empty(), "{:?}", seen.requests());
}

#[tokio::test]
async fn a_person_who_may_not_read_a_ca_secret_cannot_have_the_console_read_it() {
    let (address, seen, ca) = tls_repository(hello_chart("tls"), None).await;
    let server = one_who_may_not_read_secrets().await;
    secret(&server, "default", "charts-ca", json!({"ca.crt": ca})).await;

    let (code, refused) = add(
        &server,
        json!({"name": "mine", "url": format!("https://{address}/charts"),
               "caSecretRef": {"namespace": "default", "name": "charts-ca"}}),
    )
    .await;
    assert_eq!(code, 403, "{refused}");
    assert_eq!(refused["error"]["reason"], "Forbidden");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "you may not read the CA Secret default/charts-ca, so Wheelhouse will not read it for you"
        ) && message.contains("User \"charts-admin\" cannot get resource \"secrets\""),
        "{message}"
    );
    assert!(stored(&server, "mine").await.is_none(), "nothing was saved");
    assert!(seen.requests().is_empty(), "{:?}", seen.requests());
}
