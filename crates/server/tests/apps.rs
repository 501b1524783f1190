//! The app store API against the sim: releases read from the Secrets the real helm wrote.

mod common;

use common::{TestServer, json};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::Value;
use wheelhouse_server::ServerConfig;

fn reference(name: &str) -> Value {
    let path = format!(
        "{}/../apps/tests/fixtures/helm/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("reference JSON")
}

/// Creates the release Secrets helm v4 wrote against a real API server.
async fn load_reference_releases(server: &TestServer) {
    let secrets: Api<Secret> = Api::namespaced(server.kube().await, "default");
    for item in reference("release-secrets.json")["items"]
        .as_array()
        .expect("items")
    {
        let mut item = item.clone();
        for field in ["resourceVersion", "uid", "creationTimestamp"] {
            item["metadata"]
                .as_object_mut()
                .expect("metadata")
                .remove(field);
        }
        let secret: Secret = serde_json::from_value(item).expect("a Secret");
        secrets
            .create(&PostParams::default(), &secret)
            .await
            .expect("created");
    }
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    let response = common::get(server.url(path)).await.expect("answer");
    let status = response.status().as_u16();
    (status, json(response).await)
}

/// Deletes revisions 1 to `revisions` of `hello`, as `helm uninstall` does.
async fn uninstall_hello(secrets: &Api<Secret>, revisions: u32) {
    for revision in 1..=revisions {
        secrets
            .delete(
                &format!("sh.helm.release.v1.hello.v{revision}"),
                &Default::default(),
            )
            .await
            .expect("deleted");
    }
}

/// The answer to `path` once `holds` says it shows a change just made: the release list follows
/// the records through a watch, which brings a change within moments, not at once.
async fn get_until(server: &TestServer, path: &str, holds: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (status, body) = get(server, path).await;
        assert_eq!(status, 200, "{body}");
        if holds(&body) {
            return body;
        }
        last = body;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{path} never showed the change: {last}");
}

#[tokio::test]
async fn releases_are_listed_as_helm_list_printed_them() {
    let server = TestServer::demo(ServerConfig::default()).await;
    load_reference_releases(&server).await;
    let (status, body) = get(&server, "api/v1/apps/releases").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["warnings"], serde_json::json!([]));
    let items = body["items"].as_array().expect("items");
    let printed = reference("helm-list.json");
    let printed = printed.as_array().expect("helm list");
    assert_eq!(items.len(), printed.len(), "{body}");
    for helm in printed {
        let ours = items
            .iter()
            .find(|i| i["name"] == helm["name"] && i["namespace"] == helm["namespace"])
            .unwrap_or_else(|| panic!("{} is missing: {body}", helm["name"]));
        assert_eq!(
            ours["revision"].to_string(),
            helm["revision"].as_str().expect("rev")
        );
        assert_eq!(ours["status"], helm["status"]);
        assert_eq!(
            format!(
                "{}-{}",
                ours["chart"].as_str().expect("chart"),
                ours["chartVersion"].as_str().expect("v")
            ),
            helm["chart"]
        );
        assert_eq!(ours["appVersion"], helm["app_version"]);
        assert_eq!(ours["protected"]["protected"], false);
    }
    let (_, filtered) = get(&server, "api/v1/apps/releases?q=brok").await;
    assert_eq!(filtered["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(filtered["items"][0]["status"], "failed");
}

#[tokio::test]
async fn a_release_shows_its_history_values_resources_and_diff() {
    let server = TestServer::demo(ServerConfig::default()).await;
    load_reference_releases(&server).await;
    let configmaps: Api<ConfigMap> = Api::namespaced(server.kube().await, "default");
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "hello-msg"}, "data": {"message": "again"}
    }))
    .expect("configmap");
    configmaps
        .create(&PostParams::default(), &cm)
        .await
        .expect("created");

    let (status, body) = get(&server, "api/v1/apps/releases/default/hello").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revision"], 2);
    assert_eq!(body["status"], "deployed");
    assert_eq!(body["values"], "message: again\n");
    assert_eq!(body["notes"], "hello says again.\n");
    assert_eq!(body["description"], "Upgrade complete");
    let history = body["history"].as_array().expect("history");
    let revisions: Vec<(i64, &str)> = history
        .iter()
        .map(|h| {
            (
                h["revision"].as_i64().expect("rev"),
                h["status"].as_str().expect("status"),
            )
        })
        .collect();
    assert_eq!(revisions, vec![(2, "deployed"), (1, "superseded")]);
    let resources = body["resources"].as_array().expect("resources");
    assert_eq!(resources.len(), 1, "{body}");
    assert_eq!(resources[0]["kind"], "ConfigMap");
    assert_eq!(resources[0]["resource"], "configmaps");
    assert_eq!(resources[0]["namespace"], "default");
    assert_eq!(resources[0]["name"], "hello-msg");
    assert_eq!(resources[0]["status"]["severity"], "ok");

    // The failed release's objects were never created: the page says so.
    let (_, broken) = get(&server, "api/v1/apps/releases/default/broken").await;
    assert_eq!(broken["status"], "failed");
    assert!(
        broken["description"]
            .as_str()
            .expect("description")
            .contains("Bad_Name_broken")
    );
    assert!(
        broken["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .all(|r| r["status"]["text"] == "Missing"),
        "{broken}"
    );

    let (status, revision) = get(&server, "api/v1/apps/releases/default/hello/revisions/1").await;
    assert_eq!(status, 200, "{revision}");
    assert_eq!(revision["values"], "{}\n");
    assert_eq!(revision["notes"], "hello says hello.\n");

    let (status, diff) = get(
        &server,
        "api/v1/apps/releases/default/hello/diff?from=1&to=2",
    )
    .await;
    assert_eq!(status, 200, "{diff}");
    let manifest = diff["manifest"].as_str().expect("manifest diff");
    assert!(
        manifest.contains("-  message: \"hello\"\n+  message: \"again\"\n"),
        "{manifest}"
    );
    assert!(
        diff["values"]
            .as_str()
            .expect("values diff")
            .contains("+message: again"),
        "{diff}"
    );

    let (status, missing) = get(&server, "api/v1/apps/releases/default/hello/revisions/7").await;
    assert_eq!(status, 404, "{missing}");
    let (status, missing) = get(&server, "api/v1/apps/releases/default/nope").await;
    assert_eq!(status, 404);
    assert!(
        missing["error"]["message"]
            .as_str()
            .expect("message")
            .contains("nope")
    );
}

#[tokio::test]
async fn a_release_annotated_protected_says_so_and_why() {
    let server = TestServer::demo(ServerConfig::default()).await;
    load_reference_releases(&server).await;
    let secrets: Api<Secret> = Api::namespaced(server.kube().await, "default");
    let patch =
        serde_json::json!({"metadata": {"annotations": {"wheelhouse.dev/protected": "true"}}});
    secrets
        .patch(
            "sh.helm.release.v1.hello.v1",
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
        .expect("annotated");
    let (_, body) = get(&server, "api/v1/apps/releases/default/hello").await;
    assert_eq!(body["protected"]["protected"], true, "{body}");
    assert!(
        body["protected"]["reason"]
            .as_str()
            .expect("reason")
            .contains("wheelhouse.dev/protected")
    );
    let (_, list) = get(&server, "api/v1/apps/releases").await;
    let broken = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == "broken")
        .cloned()
        .expect("broken");
    assert_eq!(broken["protected"]["protected"], false);
}

/// Helm's `data.release` (base64 of gzip of JSON, as the Secret's data holds it in base64 again)
/// with the release moved to `namespace`.
fn moved_release(data: &str, namespace: &str) -> String {
    edited_release(data, |release| {
        release["namespace"] = Value::from(namespace)
    })
}

/// Helm's `data.release` with the record changed by `edit`, encoded again as helm does.
fn edited_release(data: &str, edit: impl FnOnce(&mut Value)) -> String {
    use base64::Engine as _;
    use std::io::{Read as _, Write as _};
    let b64 = base64::engine::general_purpose::STANDARD;
    let helm = b64.decode(data).expect("kubernetes base64");
    let gzipped = b64.decode(helm).expect("helm base64");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gzipped.as_slice())
        .read_to_end(&mut json)
        .expect("gzip");
    let mut release: Value = serde_json::from_slice(&json).expect("helm JSON");
    edit(&mut release);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&serde_json::to_vec(&release).expect("JSON"))
        .expect("gzip");
    b64.encode(b64.encode(encoder.finish().expect("gzip")))
}

/// The reference Secret of `hello` revision 2 as revision `revision` of release `name`, with
/// helm's labels and `status`, ready to be created.
fn revision_of_hello(name: &str, revision: u32, status: &str) -> Value {
    let items = reference("release-secrets.json")["items"].clone();
    let mut secret = items
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["metadata"]["name"] == "sh.helm.release.v1.hello.v2")
        .expect("hello v2")
        .clone();
    let data = secret["data"]["release"]
        .as_str()
        .expect("data")
        .to_string();
    secret["data"]["release"] = Value::from(edited_release(&data, |release| {
        release["name"] = Value::from(name);
        release["version"] = Value::from(revision);
        release["info"]["status"] = Value::from(status);
    }));
    secret["metadata"] = serde_json::json!({
        "name": format!("sh.helm.release.v1.{name}.v{revision}"),
        "namespace": "default",
        "labels": {"owner": "helm", "name": name, "status": status, "version": revision.to_string()},
    });
    secret
}

/// The release list reads only the Secrets' metadata and decodes a record again only when its
/// Secret changed; what it shows must still follow every change: a new revision, a protection
/// annotation, a record changed in place, a release uninstalled; and hundreds of releases are
/// read in pages.
#[tokio::test]
async fn the_release_list_follows_every_change_to_the_records_and_reads_hundreds_in_pages() {
    let server = TestServer::demo(ServerConfig::default()).await;
    load_reference_releases(&server).await;
    let secrets: Api<Secret> = Api::namespaced(server.kube().await, "default");
    let hello = |list: &Value| {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["name"] == "hello")
            .cloned()
    };
    let (_, list) = get(&server, "api/v1/apps/releases").await;
    assert_eq!(hello(&list).expect("hello")["revision"], 2, "{list}");

    // An upgrade: revision 3 deployed, revision 2 superseded.
    let created: Secret =
        serde_json::from_value(revision_of_hello("hello", 3, "deployed")).expect("a Secret");
    secrets
        .create(&PostParams::default(), &created)
        .await
        .expect("revision 3");
    let superseded = serde_json::json!({"metadata": {"labels": {"status": "superseded"}}});
    secrets
        .patch(
            "sh.helm.release.v1.hello.v2",
            &PatchParams::default(),
            &Patch::Merge(&superseded),
        )
        .await
        .expect("revision 2 superseded");
    let list = get_until(&server, "api/v1/apps/releases", |l| {
        hello(l).is_some_and(|h| h["revision"] == 3)
    })
    .await;
    let now = hello(&list).expect("hello");
    assert_eq!(
        (now["revision"].clone(), now["status"].clone()),
        (3.into(), "deployed".into())
    );
    assert_eq!(now["protected"]["protected"], false);

    // Protected by annotation: read from the metadata, on a record already decoded.
    let annotated =
        serde_json::json!({"metadata": {"annotations": {"wheelhouse.dev/protected": "true"}}});
    let v3 = "sh.helm.release.v1.hello.v3";
    secrets
        .patch(v3, &PatchParams::default(), &Patch::Merge(&annotated))
        .await
        .expect("annotated");
    get_until(&server, "api/v1/apps/releases", |l| {
        hello(l).is_some_and(|h| h["protected"]["protected"] == true)
    })
    .await;

    // The same Secret rewritten (helm marks a failed upgrade on the record it wrote).
    let mut failed = secrets.get(v3).await.expect("revision 3");
    let data = revision_of_hello("hello", 3, "failed")["data"]["release"].clone();
    failed.data = Some(
        [(
            "release".to_string(),
            k8s_openapi::ByteString(
                base64::Engine::decode(
                    &base64::engine::general_purpose::STANDARD,
                    data.as_str().expect("data"),
                )
                .expect("base64"),
            ),
        )]
        .into(),
    );
    secrets
        .replace(v3, &PostParams::default(), &failed)
        .await
        .expect("rewritten");
    get_until(&server, "api/v1/apps/releases", |l| {
        hello(l).is_some_and(|h| h["status"] == "failed")
    })
    .await;

    // Uninstalled: every revision's Secret gone.
    uninstall_hello(&secrets, 3).await;
    get_until(&server, "api/v1/apps/releases", |l| hello(l).is_none()).await;

    // 600 releases of two revisions: 1,200 Secrets, more than four pages of each list.
    let mut bulk = Vec::new();
    for n in 0..600 {
        let name = format!("bulk-{n:03}");
        bulk.push(revision_of_hello(&name, 1, "superseded"));
        bulk.push(revision_of_hello(&name, 2, "deployed"));
    }
    server
        .sim
        .as_ref()
        .expect("sim")
        .store()
        .insert_bulk(&wheelhouse_sim::GroupResource::core("secrets"), bulk);
    let list = get_until(&server, "api/v1/apps/releases?q=bulk-", |l| {
        l["items"].as_array().is_some_and(|i| i.len() >= 600)
    })
    .await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 600, "{}", list["warnings"]);
    assert!(
        items
            .iter()
            .all(|i| i["revision"] == 2 && i["status"] == "deployed"),
        "{list}"
    );
}

#[tokio::test]
async fn releases_are_read_from_the_chosen_namespaces_only() {
    let server = TestServer::demo(ServerConfig::default()).await;
    load_reference_releases(&server).await;
    // The release `hello` installed again in `shop`, as helm would have recorded it there.
    let secrets: Api<Secret> = Api::namespaced(server.kube().await, "shop");
    let mut copy = reference("release-secrets.json")["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|s| s["metadata"]["labels"]["name"] == "hello")
        .cloned()
        .expect("hello");
    let metadata = copy["metadata"].as_object_mut().expect("metadata");
    for field in ["resourceVersion", "uid", "creationTimestamp"] {
        metadata.remove(field);
    }
    metadata.insert("namespace".into(), Value::from("shop"));
    let data = copy["data"]["release"].as_str().expect("data").to_string();
    copy["data"]["release"] = Value::from(moved_release(&data, "shop"));
    let copy: Secret = serde_json::from_value(copy).expect("a Secret");
    secrets
        .create(&PostParams::default(), &copy)
        .await
        .expect("created");

    let namespaces_of = |body: &Value| {
        let mut namespaces: Vec<String> = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["namespace"].as_str().expect("namespace").to_string())
            .collect();
        namespaces.dedup();
        namespaces.sort();
        namespaces.dedup();
        namespaces
    };
    let (status, shop) = get(&server, "api/v1/apps/releases?namespace=shop").await;
    assert_eq!(status, 200, "{shop}");
    assert_eq!(namespaces_of(&shop), ["shop"], "{shop}");
    let (_, both) = get(&server, "api/v1/apps/releases?namespace=shop,default").await;
    assert_eq!(both["warnings"], serde_json::json!([]), "{both}");
    assert_eq!(namespaces_of(&both), ["default", "shop"], "{both}");
    let (_, all) = get(&server, "api/v1/apps/releases").await;
    assert_eq!(
        both["items"].as_array().map(Vec::len),
        all["items"].as_array().map(Vec::len),
        "every release is in default or shop: {all}"
    );
    // A namespace with no releases adds none; one that does not exist is simply empty.
    let (_, with_data) = get(&server, "api/v1/apps/releases?namespace=shop,data").await;
    assert_eq!(namespaces_of(&with_data), ["shop"], "{with_data}");
    let many = (0..101)
        .map(|i| format!("ns-{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let (status, refused) = get(&server, &format!("api/v1/apps/releases?namespace={many}")).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 100 namespaces")),
        "{refused}"
    );
}

#[tokio::test]
async fn a_person_who_may_not_read_secrets_gets_warnings_not_an_empty_list() {
    let server = TestServer::demo_as("viewer", ServerConfig::default()).await;
    let (status, body) = get(&server, "api/v1/apps/releases").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"], serde_json::json!([]));
    let warnings = body["warnings"].as_array().expect("warnings");
    assert!(!warnings.is_empty(), "{body}");
    assert!(
        warnings.iter().all(|w| w["reason"] == "Forbidden"),
        "{body}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w["message"].as_str().is_some_and(|m| m.contains("default"))),
        "{body}"
    );
}

#[tokio::test]
async fn a_person_who_may_read_releases_in_one_namespace_sees_those_and_one_warning() {
    // `release-readers` may read Secrets in default only; the console itself reads as the admin.
    let readers = wheelhouse_sim::GroupPolicy::new(
        "release-readers",
        vec![wheelhouse_sim::Rule::new(
            &["get", "list", "watch"],
            &["secrets"],
            &["default"],
        )],
    );
    let login = wheelhouse_server::session::LoginConfig {
        mode: wheelhouse_server::session::LoginMode::Proxy(
            wheelhouse_server::session::ProxySettings {
                secret: "a-long-enough-proxy-secret".into(),
                secret_header: reqwest::header::HeaderName::from_static(
                    "x-wheelhouse-proxy-secret",
                ),
                user_header: reqwest::header::HeaderName::from_static("x-remote-user"),
                group_header: reqwest::header::HeaderName::from_static("x-remote-group"),
            },
        ),
        ..Default::default()
    };
    let server = TestServer::on_sim(
        wheelhouse_sim::SimConfig::default()
            .scenario(wheelhouse_sim::Scenario::Demo)
            .group_policy(readers),
        "admin",
        ServerConfig::default().login(login),
    )
    .await;
    load_reference_releases(&server).await;
    let response = common::client()
        .get(server.url("api/v1/apps/releases"))
        .header("x-wheelhouse-proxy-secret", "a-long-enough-proxy-secret")
        .header("x-remote-user", "frank")
        .header("x-remote-group", "release-readers")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let items = body["items"].as_array().expect("items");
    assert!(!items.is_empty(), "{body}");
    assert!(items.iter().all(|i| i["namespace"] == "default"), "{body}");
    let warnings = body["warnings"].as_array().expect("warnings");
    assert_eq!(
        warnings.len(),
        1,
        "one sentence, not one per namespace: {body}"
    );
    assert_eq!(warnings[0]["reason"], "Forbidden");
    assert!(
        warnings[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("kube-system") && !m.contains("default,")),
        "{body}"
    );
}

#[tokio::test]
async fn the_builtin_charts_are_searched_and_shown_and_installs_need_helm() {
    let apps =
        wheelhouse_server::apps::AppsConfig::default().helm_path(Some("/nonexistent/helm".into()));
    let server = TestServer::demo(ServerConfig::default().apps(apps)).await;
    let (status, found) = get(&server, "api/v1/apps/charts?q=web").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(
        found["items"][0]["name"], "webapp",
        "a name match ranks first: {found}"
    );
    assert_eq!(found["items"][0]["repo"], "builtin");

    let (status, webapp) = get(&server, "api/v1/apps/charts/builtin/webapp").await;
    assert_eq!(status, 200, "{webapp}");
    assert!(
        webapp["readme"]
            .as_str()
            .is_some_and(|r| r.starts_with("# webapp")),
        "{webapp}"
    );
    assert!(
        webapp["values"]
            .as_str()
            .is_some_and(|v| v.contains("# How many pods serve the app.")),
        "comments are kept"
    );
    assert_eq!(
        webapp["valuesSchema"]["properties"]["replicaCount"]["type"],
        "integer"
    );
    assert_eq!(
        webapp["ingress"],
        serde_json::json!({"supported": true, "hostPath": "ingress.host"})
    );
    assert_eq!(webapp["versions"][0]["version"], "0.1.0");
    assert_eq!(webapp["maintainers"][0]["name"], "Wheelhouse maintainers");
    assert_eq!(webapp["install"]["available"], false);
    assert!(
        webapp["install"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("/nonexistent/helm")),
        "{webapp}"
    );

    let (_, guestbook) = get(&server, "api/v1/apps/charts/builtin/guestbook").await;
    assert_eq!(guestbook["dependencies"][0]["name"], "webapp");
    assert_eq!(guestbook["dependencies"][0]["alias"], "frontend");
    assert_eq!(
        guestbook["dependencies"][0]["condition"],
        "frontend.enabled"
    );

    let (status, _) = get(&server, "api/v1/apps/charts/builtin/nope").await;
    assert_eq!(status, 404);
    let (status, _) = get(&server, "api/v1/apps/charts/builtin/webapp?version=9.9.9").await;
    assert_eq!(status, 404);
    let (status, _) = get(&server, "api/v1/apps/charts?repo=nope").await;
    assert_eq!(status, 404);

    let (_, helm) = get(&server, "api/v1/apps/helm").await;
    assert_eq!(helm["available"], false);
    let response = common::client()
        .post(server.url("api/v1/apps/releases"))
        .json(&serde_json::json!({"repo": "builtin", "chart": "webapp", "name": "shop", "namespace": "default"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 503);
    let body = json(response).await;
    assert_eq!(body["error"]["reason"], "HelmUnavailable");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("/nonexistent/helm")),
        "{body}"
    );
}

#[tokio::test]
async fn each_person_lists_releases_through_a_watch_made_with_their_own_token() {
    use common::browser::Browser;
    let server = TestServer::demo_with_token_logins().await;
    load_reference_releases(&server).await;
    let mut admin = Browser::new(&server);
    assert_eq!(admin.sign_in("admin-token").await.status(), 200);
    let mut restricted = Browser::new(&server);
    assert_eq!(restricted.sign_in("restricted-token").await.status(), 200);
    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["name"].as_str().unwrap_or_default().to_string())
            .collect()
    };

    // The admin's watch of every namespace holds the releases.
    let (status, list) = admin.get("api/v1/apps/releases").await;
    assert_eq!(status, 200, "{list}");
    assert!(names(&list).contains(&"hello".to_string()), "{list}");

    // `restricted` may list no Secrets: what they get is the API server's refusal of their own
    // watch, never the admin's.
    for path in [
        "api/v1/apps/releases",
        "api/v1/apps/releases?namespace=default",
    ] {
        let (status, theirs) = restricted.get(path).await;
        assert_eq!(status, 200, "{theirs}");
        assert!(names(&theirs).is_empty(), "{path}: {theirs}");
        let said = theirs["warnings"].to_string();
        assert!(said.contains("Forbidden"), "{path}: {said}");
    }
    let (_, theirs) = restricted
        .get("api/v1/apps/releases?namespace=default")
        .await;
    assert!(
        theirs["warnings"].to_string().contains("restricted"),
        "the refusal names them: {theirs}"
    );

    // The admin's watch still answers, and follows a release removed behind the console's back.
    let secrets: Api<Secret> = Api::namespaced(server.kube().await, "default");
    uninstall_hello(&secrets, 2).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, list) = admin.get("api/v1/apps/releases").await;
        assert_eq!(status, 200, "{list}");
        if !names(&list).contains(&"hello".to_string()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "hello stayed listed: {list}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
