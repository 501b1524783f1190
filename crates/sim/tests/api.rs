//! The sim over real HTTP(S) with kube-rs and raw requests, held to the answers recorded from a
//! real kube-apiserver in `shared/reference/kube-apiserver/`.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use serde_json::{Value, json};
use wheelhouse_sim::{GroupResource, Sim, SimConfig};

macro_rules! reference {
    ($file:literal) => {
        wheelhouse_sim::reference::json(concat!("kube-apiserver/", $file))
    };
}

async fn start() -> Sim {
    Sim::start(SimConfig::default().controllers(false))
        .await
        .expect("sim starts")
}

async fn client(sim: &Sim, user: &str) -> Client {
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml(user)).expect("kubeconfig parses");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

/// An HTTP client, once the crypto provider reqwest needs is installed (it has none of its own:
/// `rustls-no-provider`, and building a client without one panics).
fn http_client() -> reqwest::Client {
    wheelhouse_tls::install_crypto_provider();
    reqwest::Client::new()
}

/// A raw request over plain HTTP with a user's token; returns status and JSON body.
/// Reads a watch as admin until the server ends it (its `timeoutSeconds`), in the background.
fn read_watch(sim: &Sim, url: String) -> tokio::task::JoinHandle<String> {
    let token = sim.token("admin").expect("token").to_string();
    tokio::spawn(async move {
        http_client()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("watch")
            .text()
            .await
            .expect("the watch stream reads to its end")
    })
}

async fn raw(
    sim: &Sim,
    user: Option<&str>,
    method: &str,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
    accept: Option<&str>,
) -> (u16, Value) {
    let http = http_client();
    let mut request = http.request(
        method.parse().expect("method"),
        format!("{}{path}", sim.url()),
    );
    if let Some(user) = user {
        request = request.bearer_auth(sim.token(user).expect("user has a token"));
    }
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("Content-Type", content_type).body(bytes);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn configmap(name: &str, data: Value) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": data})).expect("configmap")
}

async fn namespace(client: &Client, name: &str) {
    let ns: Namespace =
        serde_json::from_value(json!({"metadata": {"name": name}})).expect("namespace");
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .expect("namespace created");
}

#[tokio::test]
async fn kube_rs_creates_gets_lists_patches_and_deletes_over_https() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    namespace(&client, "reference").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "reference");
    let created = cms
        .create(&PostParams::default(), &configmap("cfg", json!({"a": "1"})))
        .await
        .expect("created");
    assert!(created.metadata.uid.is_some() && created.metadata.creation_timestamp.is_some());
    assert_eq!(
        cms.get("cfg").await.expect("get").data.expect("data")["a"],
        "1"
    );
    let names: Vec<String> = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .filter_map(|c| c.metadata.name)
        .collect();
    assert!(names.contains(&"cfg".to_string()));

    let merged = cms
        .patch(
            "cfg",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"b": "2"}})),
        )
        .await
        .expect("merge");
    assert_eq!(merged.data.as_ref().map(|d| d.len()), Some(2));
    // kube-rs's JSON patch type comes from another json-patch version; send it raw.
    let ops = json!([{"op": "add", "path": "/data/c", "value": "3"}]);
    let (status, patched) = raw(
        &sim,
        Some("admin"),
        "PATCH",
        "/api/v1/namespaces/reference/configmaps/cfg",
        Some((
            "application/json-patch+json",
            serde_json::to_vec(&ops).expect("json"),
        )),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let reference = reference!("patch-json.json");
    assert_eq!(
        patched["data"], reference["data"],
        "same result as the reference JSON patch"
    );
    let strategic = cms
        .patch(
            "cfg",
            &PatchParams::default(),
            &Patch::Strategic(json!({"data": {"d": "4"}})),
        )
        .await
        .expect("strategic");
    assert_eq!(strategic.data.expect("data").len(), 4);

    cms.delete("cfg", &DeleteParams::default())
        .await
        .expect("deleted");
    let err = cms.get("cfg").await.expect_err("gone");
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 404),
        "{err:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn strategic_merge_patch_of_a_deployment_merges_containers_by_name() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    namespace(&client, "reference").await;
    let deployments: Api<Deployment> = Api::namespaced(client, "reference");
    let d: Deployment = serde_json::from_value(json!({"metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]},
                                 {"name": "sidecar", "image": "busybox"}]}}}}))
    .expect("deployment");
    let created = deployments
        .create(&PostParams::default(), &d)
        .await
        .expect("created");
    let reference = reference!("create-deployment.json");
    let mut ours = serde_json::to_value(&created).expect("json");
    ours["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .expect("containers")
        .truncate(1);
    assert_eq!(
        ours["spec"], reference["spec"],
        "server defaults as kube-apiserver fills them"
    );
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}});
    let patched = deployments
        .patch("web", &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .expect("patched");
    let containers = patched
        .spec
        .expect("spec")
        .template
        .spec
        .expect("pod spec")
        .containers;
    assert_eq!(containers.len(), 2, "the sidecar is kept");
    assert_eq!(containers[0].image.as_deref(), Some("nginx:1.28"));
    assert_eq!(
        patched.metadata.generation,
        Some(2),
        "a spec change bumps generation"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn server_side_apply_creates_then_conflicts_with_another_manager_unless_forced() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    namespace(&client, "reference").await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "reference");
    let applied = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"x": "1"}});
    let created = cms
        .patch(
            "applied",
            &PatchParams::apply("wheelhouse"),
            &Patch::Apply(&applied),
        )
        .await
        .expect("apply creates");
    let reference = reference!("apply-server-side.json");
    let entry = serde_json::to_value(&created.metadata.managed_fields.expect("managed fields")[0])
        .expect("entry");
    assert_eq!(
        entry["fieldsV1"],
        reference["metadata"]["managedFields"][0]["fieldsV1"]
    );
    assert_eq!(entry["operation"], "Apply");

    let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"x": "2"}});
    let err = cms
        .patch(
            "applied",
            &PatchParams::apply("helm"),
            &Patch::Apply(&other),
        )
        .await
        .expect_err("conflict");
    match err {
        kube::Error::Api(s) => {
            assert_eq!((s.code, s.reason.as_str()), (409, "Conflict"));
            assert!(
                s.message.contains("conflict with \"wheelhouse\""),
                "{}",
                s.message
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let forced = cms
        .patch(
            "applied",
            &PatchParams::apply("helm").force(),
            &Patch::Apply(&other),
        )
        .await
        .expect("forced");
    assert_eq!(forced.data.expect("data")["x"], "2");
    sim.shutdown().await;
}

#[tokio::test]
async fn update_with_a_stale_resource_version_answers_the_reference_conflict() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    namespace(&client, "reference").await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "reference");
    let created = cms
        .create(&PostParams::default(), &configmap("cfg", json!({"a": "1"})))
        .await
        .expect("created");
    cms.patch(
        "cfg",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"a": "2"}})),
    )
    .await
    .expect("patched");
    let (status, body) = raw(
        &sim,
        Some("admin"),
        "PUT",
        "/api/v1/namespaces/reference/configmaps/cfg",
        Some((
            "application/json",
            serde_json::to_vec(&created).expect("json"),
        )),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body, reference!("error-conflict.json"));
    sim.shutdown().await;
}

#[tokio::test]
async fn errors_are_the_status_bodies_kube_apiserver_sends() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    namespace(&client, "reference").await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "reference");
    cms.create(&PostParams::default(), &configmap("cfg", json!({"a": "1"})))
        .await
        .expect("created");
    let body = |cm: Value| Some(("application/json", serde_json::to_vec(&cm).expect("json")));
    let path = "/api/v1/namespaces/reference/configmaps";

    let (status, found) = raw(
        &sim,
        Some("admin"),
        "GET",
        &format!("{path}/missing"),
        None,
        None,
    )
    .await;
    assert_eq!((status, found), (404, reference!("error-notfound.json")));

    let cfg = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}});
    let (status, found) = raw(&sim, Some("admin"), "POST", path, body(cfg), None).await;
    assert_eq!(
        (status, found),
        (409, reference!("error-alreadyexists.json"))
    );

    let bad = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}});
    let (status, found) = raw(&sim, Some("admin"), "POST", path, body(bad), None).await;
    assert_eq!((status, found), (422, reference!("error-invalid.json")));

    let (status, found) = raw(
        &sim,
        Some("admin"),
        "POST",
        path,
        Some(("application/json", b"{not json".to_vec())),
        None,
    )
    .await;
    let reference = reference!("error-badrequest.json");
    assert_eq!(status, 400);
    assert_eq!(
        (&found["reason"], &found["code"]),
        (&reference["reason"], &reference["code"])
    );
    assert!(found["message"].as_str().is_some_and(|m| {
        m.starts_with("the object provided is unrecognized (must be of type ConfigMap)")
    }));

    let (status, found) = raw(&sim, None, "GET", "/api/v1/namespaces", None, None).await;
    assert_eq!(
        (status, found),
        (401, reference!("error-unauthorized.json"))
    );

    let (status, found) = raw(
        &sim,
        Some("viewer"),
        "GET",
        "/api/v1/namespaces/kube-system/secrets",
        None,
        None,
    )
    .await;
    assert_eq!((status, found), (403, reference!("error-forbidden.json")));

    let (status, found) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/api/v1/nosuchthings",
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, found),
        (404, reference!("error-unknown-resource.json"))
    );

    let huge = vec![b' '; 3 * 1024 * 1024 + 1];
    let (status, found) = raw(
        &sim,
        Some("admin"),
        "POST",
        path,
        Some(("application/json", huge)),
        None,
    )
    .await;
    assert_eq!(
        (status, found["reason"].as_str()),
        (413, Some("RequestEntityTooLarge"))
    );
    assert!(
        cms.get("cfg").await.is_ok(),
        "failed requests change nothing"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_restricted_user_reads_team_a_only_and_deletes_nothing() {
    let sim = start().await;
    let admin = client(&sim, "admin").await;
    namespace(&admin, "team-a").await;
    Api::<ConfigMap>::namespaced(admin.clone(), "team-a")
        .create(&PostParams::default(), &configmap("cfg", json!({})))
        .await
        .expect("created");
    let restricted = client(&sim, "restricted").await;
    let team_a: Api<ConfigMap> = Api::namespaced(restricted.clone(), "team-a");
    assert_eq!(
        team_a
            .list(&ListParams::default())
            .await
            .expect("may list in team-a")
            .items
            .len(),
        1
    );
    let err = team_a
        .delete("cfg", &DeleteParams::default())
        .await
        .expect_err("may not delete");
    match err {
        kube::Error::Api(s) => {
            assert_eq!((s.code, s.reason.as_str()), (403, "Forbidden"));
            assert_eq!(
                s.message,
                "configmaps \"cfg\" is forbidden: User \"restricted\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"team-a\""
            );
        }
        other => panic!("expected 403, got {other:?}"),
    }
    let elsewhere: Api<ConfigMap> = Api::namespaced(restricted.clone(), "default");
    assert!(
        matches!(elsewhere.list(&ListParams::default()).await, Err(kube::Error::Api(s)) if s.code == 403)
    );
    let (status, review) = raw(
        &sim,
        Some("restricted"),
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        Some((
            "application/json",
            serde_json::to_vec(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"namespace": "team-a", "resource": "pods", "verb": "delete"}}}))
            .expect("json"),
        )),
        None,
    )
    .await;
    let reference = reference!("ssar.json");
    assert_eq!(status, 201);
    assert_eq!(
        review["status"], reference["status"],
        "not allowed, worded as the reference"
    );
    assert_eq!(review["kind"], reference["kind"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn reflector_survives_a_410_and_resyncs() {
    let sim = Sim::start(SimConfig::default().controllers(false))
        .await
        .expect("sim");
    let client = client(&sim, "admin").await;
    namespace(&client, "watched").await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "watched");
    for i in 0..3 {
        cms.create(
            &PostParams::default(),
            &configmap(&format!("before-{i}"), json!({})),
        )
        .await
        .expect("created");
    }
    let (reader, writer) = reflector::store::<ConfigMap>();
    // Short server-side timeouts make the watcher re-watch from its last resourceVersion often.
    let config = watcher::Config::default().timeout(1);
    let inits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = inits.clone();
    let stream = watcher(cms.clone(), config)
        .inspect_ok(move |e| {
            if matches!(e, watcher::Event::Init) {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        })
        .default_backoff()
        .reflect(writer)
        .applied_objects();
    let task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while stream.next().await.is_some() {}
    });
    reader.wait_until_ready().await.expect("initial list");
    assert_eq!(reader.len(), 3);
    // Forget all history (as an etcd compaction does) and change things while the watch restarts.
    sim.store().compact();
    for i in 0..2 {
        cms.create(
            &PostParams::default(),
            &configmap(&format!("after-{i}"), json!({})),
        )
        .await
        .expect("created");
    }
    sim.store().compact();
    cms.delete("before-0", &DeleteParams::default())
        .await
        .expect("deleted");
    // Move the store past the watcher's last version, then forget the history: its next
    // re-watch (every second) must get 410 Expired and re-list.
    sim.store().insert_bulk(
        &GroupResource::core("secrets"),
        [json!({"kind": "Secret", "metadata": {"namespace": "watched", "name": "bump"}})],
    );
    sim.store().compact();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut names: Vec<String> = reader
            .state()
            .iter()
            .filter_map(|c| c.metadata.name.clone())
            .collect();
        names.sort();
        if names == ["after-0", "after-1", "before-1", "before-2"] {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "reflector never caught up: {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    while inits.load(std::sync::atomic::Ordering::SeqCst) < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the watcher never re-listed after the 410"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut names: Vec<String> = reader
        .state()
        .iter()
        .filter_map(|c| c.metadata.name.clone())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["after-0", "after-1", "before-1", "before-2"],
        "the same state after the re-list"
    );
    task.abort();
    sim.shutdown().await;
}

#[tokio::test]
async fn a_watch_from_a_compacted_version_gets_410_expired() {
    let sim = start().await;
    let cms = GroupResource::core("configmaps");
    let old = sim.store().resource_version();
    sim.store().insert_bulk(
        &cms,
        [json!({"kind": "ConfigMap", "metadata": {"namespace": "default", "name": "x"}})],
    );
    sim.store().compact();
    let (status, body) = raw(
        &sim,
        Some("admin"),
        "GET",
        &format!(
            "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={old}&timeoutSeconds=1"
        ),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "kube's watch cache answers in the stream");
    // One line of NDJSON is one JSON value.
    let line = body;
    assert_eq!(line["type"], "ERROR");
    assert_eq!(
        (
            line["object"]["code"].as_i64(),
            line["object"]["reason"].as_str()
        ),
        (Some(410), Some("Expired"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn watch_streams_added_modified_deleted_and_bookmarks_as_json_lines() {
    let sim = start().await;
    let store = sim.store().clone();
    let cms = GroupResource::core("configmaps");
    let since = store.resource_version();
    let url = format!(
        "{}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={since}&allowWatchBookmarks=true&timeoutSeconds=2",
        sim.url()
    );
    let reader = read_watch(&sim, url);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "default", "name": "w"}, "data": {"a": "1"}});
    store.create(&cms, true, cm).expect("create");
    store
        .update_with(&cms, "default", "w", |o| {
            o["data"]["a"] = json!("2");
            Ok(())
        })
        .expect("update");
    store
        .delete(&cms, "default", "w", &Default::default())
        .expect("delete");
    let text = reader.await.expect("reader");
    let types: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json line")["type"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(
        types,
        ["ADDED", "MODIFIED", "DELETED", "BOOKMARK"],
        "as in watch-configmaps.ndjson"
    );
    let bookmark: Value =
        serde_json::from_str(text.lines().last().expect("bookmark")).expect("json");
    assert_eq!(bookmark["object"]["kind"], "ConfigMap");
    sim.shutdown().await;
}

#[tokio::test]
async fn lists_page_with_limit_and_continue_and_filter_by_selectors() {
    let sim = start().await;
    let pods = GroupResource::core("pods");
    sim.store().insert_bulk(
        &pods,
        (0..25).map(|i| {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": format!("ns{}", i % 2), "name": format!("p{i:02}"),
                "labels": {"app": if i % 5 == 0 { "web" } else { "db" }}},
                "spec": {"nodeName": format!("node-{}", i % 3)}, "status": {"phase": "Running"}})
        }),
    );
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            Some(c) => format!("/api/v1/pods?limit=10&continue={c}"),
            None => "/api/v1/pods?limit=10".to_string(),
        };
        let (status, page) = raw(&sim, Some("admin"), "GET", &path, None, None).await;
        assert_eq!(status, 200);
        names.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|p| p["metadata"]["name"].as_str().unwrap_or("").to_string()),
        );
        match page["metadata"]["continue"].as_str() {
            Some(c) => {
                assert!(page["metadata"]["remainingItemCount"].as_u64().is_some());
                next = Some(c.to_string());
            }
            None => break,
        }
    }
    assert_eq!(names.len(), 25, "every pod exactly once");
    let (_, web) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/api/v1/pods?labelSelector=app%3Dweb",
        None,
        None,
    )
    .await;
    assert_eq!(web["items"].as_array().map(Vec::len), Some(5));
    let (_, on_node) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/api/v1/namespaces/ns0/pods?fieldSelector=spec.nodeName%3Dnode-0",
        None,
        None,
    )
    .await;
    assert!(
        on_node["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|p| p["spec"]["nodeName"] == "node-0" && p["metadata"]["namespace"] == "ns0")
    );
    let (status, bad) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/api/v1/pods?labelSelector=app%20in%20web",
        None,
        None,
    )
    .await;
    assert_eq!((status, bad["reason"].as_str()), (400, Some("BadRequest")));
    sim.shutdown().await;
}

#[tokio::test]
async fn kubectl_get_gets_a_table_with_the_reference_columns() {
    let sim = start().await;
    let pods: Value = reference!("list-pods.json");
    let objects: Vec<Value> = pods["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p["metadata"]
                .as_object_mut()
                .expect("metadata")
                .remove("resourceVersion");
            p
        })
        .collect();
    sim.store()
        .insert_bulk(&GroupResource::core("pods"), objects);
    let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    let (status, table) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/api/v1/namespaces/reference/pods",
        None,
        Some(accept),
    )
    .await;
    let reference = reference!("list-pods-table.json");
    assert_eq!(status, 200);
    assert_eq!(table["kind"], "Table");
    let column = |t: &Value| -> Vec<(Value, Value)> {
        t["columnDefinitions"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| (c["name"].clone(), c["priority"].clone()))
            .collect()
    };
    assert_eq!(column(&table), column(&reference));
    assert_eq!(
        table["rows"][0]["cells"][2], reference["rows"][0]["cells"][2],
        "STATUS"
    );
    assert_eq!(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    let (_, partial) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/api/v1/namespaces/reference/pods",
        None,
        Some("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"),
    )
    .await;
    assert_eq!(
        partial["kind"],
        reference!("list-pods-partial.json")["kind"]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn discovery_serves_aggregated_documents_and_crd_groups_as_they_come_and_go() {
    let sim = start().await;
    let accept =
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
    let (status, apis) = raw(&sim, Some("admin"), "GET", "/apis", None, Some(accept)).await;
    assert_eq!(status, 200);
    assert_eq!(apis["kind"], "APIGroupDiscoveryList");
    let reference = reference!("discovery-aggregated-apis.json");
    let apps = |doc: &Value| -> Value {
        doc["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|g| g["metadata"]["name"] == "apps")
            .expect("apps")["versions"][0]["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| r["resource"] == "deployments")
            .cloned()
            .expect("deployments")
    };
    assert_eq!(
        apps(&apis),
        apps(&reference),
        "deployments are described as kube-apiserver describes them"
    );
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    let (status, _) = raw(
        &sim,
        Some("admin"),
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        Some(("application/json", serde_json::to_vec(&crd).expect("json"))),
        None,
    )
    .await;
    assert_eq!(status, 201);
    let (_, groups) = raw(&sim, Some("admin"), "GET", "/apis", None, None).await;
    assert!(
        groups["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .any(|g| g["name"] == "example.com")
    );
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}});
    let (status, created) = raw(
        &sim,
        Some("admin"),
        "POST",
        "/apis/example.com/v1/namespaces/default/widgets",
        Some((
            "application/json",
            serde_json::to_vec(&widget).expect("json"),
        )),
        None,
    )
    .await;
    assert_eq!((status, created["spec"]["size"].as_i64()), (201, Some(3)));
    let mut with_status = created.clone();
    with_status["status"] = json!({"ready": true});
    with_status["spec"]["size"] = json!(9);
    let (status, updated) = raw(
        &sim,
        Some("admin"),
        "PUT",
        "/apis/example.com/v1/namespaces/default/widgets/w1/status",
        Some((
            "application/json",
            serde_json::to_vec(&with_status).expect("json"),
        )),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            updated["status"]["ready"].as_bool(),
            updated["spec"]["size"].as_i64()
        ),
        (Some(true), Some(3)),
        "status writes change only status"
    );
    let (status, _) = raw(
        &sim,
        Some("admin"),
        "DELETE",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/apis/example.com/v1/namespaces/default/widgets",
        None,
        None,
    )
    .await;
    assert_eq!(status, 404, "the group is gone with its CRD");
    sim.shutdown().await;
}

#[tokio::test]
async fn foreground_delete_marks_the_owner_then_removes_it_after_its_dependents() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    namespace(&client, "reference").await;
    let deployments: Api<Deployment> = Api::namespaced(client, "reference");
    let d: Deployment = serde_json::from_value(json!({"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}})).expect("d");
    let owner = deployments
        .create(&PostParams::default(), &d)
        .await
        .expect("created");
    let rs = GroupResource::new("apps", "replicasets");
    sim.store().insert_bulk(&rs, [json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"namespace": "reference", "name": "web-1",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": owner.metadata.uid, "controller": true}]}})]);
    let answer = deployments
        .delete("web", &DeleteParams::foreground())
        .await
        .expect("delete");
    let marked = answer
        .left()
        .expect("the object comes back while dependents go");
    let reference = reference!("delete-foreground.json");
    assert_eq!(
        serde_json::to_value(&marked.metadata.finalizers).expect("json"),
        reference["metadata"]["finalizers"]
    );
    assert!(marked.metadata.deletion_timestamp.is_some());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while deployments.get_opt("web").await.expect("get").is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the owner was never removed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        sim.store().get(&rs, "reference", "web-1").is_none(),
        "the dependent went first"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn eviction_is_refused_with_429_when_a_disruption_budget_forbids_it() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    namespace(&client, "shop").await;
    let pods = GroupResource::core("pods");
    let ready = json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]});
    sim.store().insert_bulk(
        &pods,
        (0..2).map(|i| {
            json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"namespace": "shop", "name": format!("api-{i}"), "labels": {"app": "api"}},
        "spec": {"containers": [{"name": "api", "image": "api"}]}, "status": ready.clone()})
        }),
    );
    sim.store().insert_bulk(&GroupResource::new("policy", "poddisruptionbudgets"), [json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"namespace": "shop", "name": "api"}, "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "api"}}}})]);
    let api: Api<Pod> = Api::namespaced(client, "shop");
    // kube-rs retries 429s for minutes, as it would against a real server: ask raw.
    let eviction = json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "api-0", "namespace": "shop"}});
    let (status, refused) = raw(
        &sim,
        Some("admin"),
        "POST",
        "/api/v1/namespaces/shop/pods/api-0/eviction",
        Some((
            "application/json",
            serde_json::to_vec(&eviction).expect("json"),
        )),
        None,
    )
    .await;
    assert_eq!(
        (status, refused["reason"].as_str()),
        (429, Some("TooManyRequests"))
    );
    assert_eq!(
        refused["message"],
        "Cannot evict pod as it would violate the pod's disruption budget."
    );
    assert_eq!(
        refused["details"]["causes"][0]["reason"],
        "DisruptionBudget"
    );
    sim.store()
        .update_with(
            &GroupResource::new("policy", "poddisruptionbudgets"),
            "shop",
            "api",
            |o| {
                o["spec"]["minAvailable"] = json!(1);
                Ok(())
            },
        )
        .expect("relax");
    api.evict("api-0", &Default::default())
        .await
        .expect("allowed now");
    assert!(sim.store().get(&pods, "shop", "api-0").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn exec_runs_the_built_in_shell_and_reports_the_exit_code() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    sim.store().insert_bulk(&GroupResource::core("pods"), [json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"namespace": "default", "name": "shell"}, "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "busybox",
        "env": [{"name": "GREETING", "value": "hello"}]}]}, "status": {"phase": "Running"}})]);
    let pods: Api<Pod> = Api::namespaced(client, "default");
    let params = kube::api::AttachParams::default()
        .stdout(true)
        .stderr(true)
        .stdin(false);
    let mut process = pods
        .exec(
            "shell",
            ["sh", "-c", "echo $GREETING; hostname; exit 3"],
            &params,
        )
        .await
        .expect("exec");
    let stdout = process.stdout().expect("stdout");
    let status = process.take_status().expect("status");
    let out = tokio_read_all(stdout).await;
    assert_eq!(out, "hello\nshell\n");
    let status = status.await.expect("a status at the end");
    assert_eq!(status.reason.as_deref(), Some("NonZeroExitCode"));
    let cause = &status.details.expect("details").causes.expect("causes")[0];
    assert_eq!(
        (cause.reason.as_deref(), cause.message.as_deref()),
        (Some("ExitCode"), Some("3"))
    );
    sim.shutdown().await;
}

async fn tokio_read_all(mut reader: impl tokio::io::AsyncRead + Unpin) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = String::new();
    reader.read_to_string(&mut out).await.expect("read");
    out
}

#[tokio::test]
async fn version_health_and_openapi_are_served() {
    let sim = start().await;
    let (status, version) = raw(&sim, None, "GET", "/version", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(version["major"], reference!("version.json")["major"]);
    for probe in ["/healthz", "/readyz", "/livez"] {
        assert_eq!(
            raw(&sim, None, "GET", probe, None, None).await.0,
            200,
            "{probe} needs nothing"
        );
    }
    let (_, index) = raw(&sim, Some("admin"), "GET", "/openapi/v3", None, None).await;
    let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .expect("apps/v1 listed")
        .to_string();
    let (status, doc) = raw(&sim, Some("admin"), "GET", &url, None, None).await;
    assert_eq!(status, 200);
    let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"]["kind"],
        "Deployment"
    );
    assert!(
        patch["parameters"]
            .as_array()
            .expect("params")
            .iter()
            .any(|p| p["name"] == "fieldValidation"),
        "kubectl and helm leave validation to the server only when PATCH takes fieldValidation"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn dry_run_yaml_bodies_and_deletecollection_behave_like_kube() {
    let sim = start().await;
    let admin = client(&sim, "admin").await;
    namespace(&admin, "work").await;
    let yaml = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n  labels: {batch: one}\ndata:\n  a: \"1\"\n".to_vec();
    let path = "/api/v1/namespaces/work/configmaps";
    let (status, created) = raw(
        &sim,
        Some("admin"),
        "POST",
        path,
        Some(("application/yaml", yaml.clone())),
        None,
    )
    .await;
    assert_eq!((status, created["data"]["a"].as_str()), (201, Some("1")));

    let dry = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dry", "labels": {"batch": "one"}}});
    let (status, _) = raw(
        &sim,
        Some("admin"),
        "POST",
        &format!("{path}?dryRun=All"),
        Some(("application/json", serde_json::to_vec(&dry).expect("json"))),
        None,
    )
    .await;
    assert_eq!(status, 201);
    assert!(
        sim.store()
            .get(&GroupResource::core("configmaps"), "work", "dry")
            .is_none(),
        "a dry run stores nothing"
    );

    let (status, missing) = raw(
        &sim,
        Some("admin"),
        "POST",
        "/api/v1/namespaces/nowhere/configmaps",
        Some(("application/yaml", yaml)),
        None,
    )
    .await;
    assert_eq!(
        (status, missing["message"].as_str()),
        (404, Some("namespaces \"nowhere\" not found"))
    );

    for name in ["two-a", "two-b"] {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"batch": "two"}}});
        raw(
            &sim,
            Some("admin"),
            "POST",
            path,
            Some(("application/json", serde_json::to_vec(&cm).expect("json"))),
            None,
        )
        .await;
    }
    let (status, deleted) = raw(
        &sim,
        Some("admin"),
        "DELETE",
        &format!("{path}?labelSelector=batch%3Dtwo"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, deleted["items"].as_array().map(Vec::len)),
        (200, Some(2))
    );
    let left: Vec<String> = sim
        .store()
        .list(&GroupResource::core("configmaps"), Some("work"))
        .iter()
        .map(|o| o.name().to_string())
        .collect();
    assert_eq!(left, ["from-yaml"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_watch_with_a_selector_sees_objects_leave_and_enter_it() {
    let sim = start().await;
    let store = sim.store().clone();
    let cms = GroupResource::core("configmaps");
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": "default", "name": "s", "labels": {"tier": "a"}}});
    store.create(&cms, true, cm).expect("create");
    let url = format!(
        "{}/api/v1/namespaces/default/configmaps?watch=1&labelSelector=tier%3Da&timeoutSeconds=1",
        sim.url()
    );
    let reader = read_watch(&sim, url);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let relabel = |tier: &'static str| {
        store.update_with(&cms, "default", "s", move |o| {
            o["metadata"]["labels"]["tier"] = json!(tier);
            Ok(())
        })
    };
    relabel("b").expect("leave");
    relabel("a").expect("enter");
    let text = reader.await.expect("reader");
    let types: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("line")["type"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(
        types,
        ["ADDED", "DELETED", "ADDED"],
        "initial state, leaves the selector, enters again"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn access_reviews_and_metrics_answer_from_the_policy_and_the_pods() {
    // The plain generator: the scenario's richer source has its own rules for which pods report.
    let sim = Sim::start(
        SimConfig::default()
            .controllers(false)
            .metrics(std::sync::Arc::new(wheelhouse_sim::GeneratedMetrics)),
    )
    .await
    .expect("sim");
    let review = |spec: Value| {
        Some(("application/json", serde_json::to_vec(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec})).expect("json")))
    };
    let (status, viewer) = raw(
        &sim,
        Some("admin"),
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        review(
            json!({"user": "viewer", "resourceAttributes": {"verb": "list", "resource": "pods"}}),
        ),
        None,
    )
    .await;
    assert_eq!(
        (status, viewer["status"]["allowed"].as_bool()),
        (201, Some(true))
    );
    let (_, secrets) = raw(&sim, Some("admin"), "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        review(json!({"user": "viewer", "resourceAttributes": {"verb": "list", "resource": "secrets"}})), None).await;
    assert_eq!(secrets["status"]["allowed"].as_bool(), Some(false));
    let token_review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": sim.token("viewer")}});
    let (_, tr) = raw(
        &sim,
        Some("admin"),
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        Some((
            "application/json",
            serde_json::to_vec(&token_review).expect("json"),
        )),
        None,
    )
    .await;
    assert_eq!(
        (
            tr["status"]["authenticated"].as_bool(),
            tr["status"]["user"]["username"].as_str()
        ),
        (Some(true), Some("viewer"))
    );
    let (status, rules) = raw(&sim, Some("restricted"), "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        Some(("application/json", serde_json::to_vec(&json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "team-a"}})).expect("json"))), None).await;
    assert_eq!(status, 201);
    assert_eq!(
        rules["status"]["nonResourceRules"],
        reference!("ssrr.json")["status"]["nonResourceRules"]
    );

    sim.store().insert_bulk(&GroupResource::core("pods"), [json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"namespace": "default", "name": "busy"}, "spec": {"containers": [{"name": "app", "image": "app"}]},
        "status": {"phase": "Running"}})]);
    let (status, metrics) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods",
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, metrics["kind"].as_str()),
        (200, Some("PodMetricsList"))
    );
    let usage = &metrics["items"][0]["containers"][0]["usage"];
    assert!(
        usage["cpu"].is_string() && usage["memory"].is_string(),
        "{metrics}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn kube_rs_streaming_lists_get_initial_events_and_the_end_bookmark() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    namespace(&client, "streamed").await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "streamed");
    for i in 0..3 {
        cms.create(
            &PostParams::default(),
            &configmap(&format!("c{i}"), json!({})),
        )
        .await
        .expect("created");
    }
    let (reader, writer) = reflector::store::<ConfigMap>();
    let stream = watcher(cms.clone(), watcher::Config::default().streaming_lists())
        .default_backoff()
        .reflect(writer)
        .applied_objects();
    let task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while stream.next().await.is_some() {}
    });
    tokio::time::timeout(Duration::from_secs(10), reader.wait_until_ready())
        .await
        .expect("ready in time")
        .expect("ready");
    assert_eq!(
        reader.len(),
        3,
        "the initial events filled the store before the end bookmark"
    );
    cms.create(&PostParams::default(), &configmap("c3", json!({})))
        .await
        .expect("created");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while reader.len() < 4 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the live event never arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_objects_and_patches_get_a_status_not_a_dropped_connection() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    namespace(&client, "odd").await;
    let path = "/api/v1/namespaces/odd/configmaps";
    let send = |method: &'static str, path: String, content_type: &'static str, body: Value| {
        let sim = &sim;
        async move {
            raw(
                sim,
                Some("admin"),
                method,
                &path,
                Some((content_type, serde_json::to_vec(&body).expect("json"))),
                None,
            )
            .await
        }
    };
    let (status, _) = send(
        "POST",
        path.into(),
        "application/json",
        json!({"kind": "ConfigMap", "metadata": "nope"}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = send(
        "POST",
        path.into(),
        "application/json",
        json!(["not", "an", "object"]),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = send(
        "POST",
        path.into(),
        "application/json",
        json!({"kind": "ConfigMap", "metadata": {"name": "ok"}}),
    )
    .await;
    assert_eq!(status, 201);
    let item = format!("{path}/ok");
    let (status, _) = send(
        "PATCH",
        item.clone(),
        "application/json-patch+json",
        json!([{"op": "replace", "path": "/metadata", "value": "x"}]),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = send(
        "PATCH",
        item.clone(),
        "application/merge-patch+json",
        json!({"metadata": {"name": "renamed"}, "data": {"k": "v"}}),
    )
    .await;
    assert_eq!(status, 200, "a patch cannot rename, the rest applies");
    let (status, _) = send("PATCH", item.clone(), "text/plain", json!({})).await;
    assert_eq!(status, 415);
    let (status, body) = send(
        "PUT",
        item.clone(),
        "application/json",
        json!({"kind": "ConfigMap", "metadata": {"name": "other"}}),
    )
    .await;
    assert_eq!((status, body["reason"].as_str()), (400, Some("BadRequest")));
    let (status, _) = raw(
        &sim,
        Some("admin"),
        "POST",
        path,
        Some((
            "application/vnd.kubernetes.protobuf",
            b"k8s\x00\x0a\xff".to_vec(),
        )),
        None,
    )
    .await;
    assert_eq!(status, 400, "a truncated protobuf body");
    let stored = sim
        .store()
        .get(&GroupResource::core("configmaps"), "odd", "ok")
        .expect("still there");
    assert_eq!(stored.value()["data"], json!({"k": "v"}));
    assert_eq!(stored.name(), "ok");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_service_keeps_its_cluster_ip_when_a_put_leaves_it_out() {
    let sim = start().await;
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}});
    let path = "/api/v1/namespaces/default/services";
    let (status, created) = raw(
        &sim,
        Some("admin"),
        "POST",
        path,
        Some(("application/json", serde_json::to_vec(&svc).expect("json"))),
        None,
    )
    .await;
    assert_eq!(status, 201);
    let ip = created["spec"]["clusterIP"]
        .as_str()
        .expect("allocated")
        .to_string();
    let (status, replaced) = raw(
        &sim,
        Some("admin"),
        "PUT",
        &format!("{path}/web"),
        Some(("application/json", serde_json::to_vec(&svc).expect("json"))),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(replaced["spec"]["clusterIP"].as_str(), Some(ip.as_str()));
    let (status, _) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/apis/metrics.k8s.io/v1beta1/pods?watch=1",
        None,
        None,
    )
    .await;
    assert_eq!(status, 405, "metrics cannot be watched");
    sim.shutdown().await;
}

#[tokio::test]
async fn pod_logs_honour_tail_lines_timestamps_and_the_container() {
    let sim = Sim::start(
        SimConfig::default()
            .controllers(false)
            .logs(std::sync::Arc::new(wheelhouse_sim::GeneratedLogs)),
    )
    .await
    .expect("sim");
    let started = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_secs(120))
        .expect("time");
    let started = started.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    sim.store().insert_bulk(&GroupResource::core("pods"), [json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"namespace": "default", "name": "talker"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "app"}, {"name": "side", "image": "side"}]},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "app", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": started}}},
            {"name": "side", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": started}}}]}})]);
    let base = "/api/v1/namespaces/default/pods/talker/log";
    let (status, body) = raw(
        &sim,
        Some("admin"),
        "GET",
        &format!("{base}?container=app&tailLines=3&timestamps=true"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let text = body.as_str().expect("plain text").to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines.iter().all(|l| l
            .split(' ')
            .next()
            .is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok())),
        "{text}"
    );
    let (status, body) = raw(&sim, Some("admin"), "GET", base, None, None).await;
    assert_eq!(status, 400, "two containers and none named");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("choose one of: [app side]")),
        "{body}"
    );
    let (status, _) = raw(
        &sim,
        Some("admin"),
        "GET",
        &format!("{base}?container=nope"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = raw(
        &sim,
        Some("restricted"),
        "GET",
        &format!("{base}?container=app"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 403, "restricted reads logs only in team-a");
    sim.shutdown().await;
}

#[tokio::test]
async fn discovery_revalidates_with_etags() {
    let sim = start().await;
    let http = http_client();
    let get = |etag: Option<String>| {
        let mut request = http
            .get(format!("{}/apis", sim.url()))
            .bearer_auth(sim.token("admin").expect("token"));
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        request.send()
    };
    let first = get(None).await.expect("first");
    assert_eq!(first.status().as_u16(), 200);
    let etag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_string();
    let again = get(Some(etag)).await.expect("again");
    assert_eq!(again.status().as_u16(), 304);
    let stale = get(Some("\"other\"".into())).await.expect("stale");
    assert_eq!(stale.status().as_u16(), 200);
    sim.shutdown().await;
}
