//! Reads: lists paged and filtered, watches (410 Gone, bookmarks, selectors, streaming lists), tables for kubectl.

use super::*;

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
    // From `since`: whenever the watch opens, it replays what follows.
    let reader = read_watch(&sim, url);
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
    // The watch is open once its first line (the object as it is) has come.
    let token = sim.token("admin").expect("token").to_string();
    let response = http_client()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("watch");
    let mut body = response.bytes_stream();
    let mut text = String::new();
    while !text.contains('\n') {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .expect("the first event within the time limit")
            .expect("a first event")
            .expect("bytes");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let relabel = |tier: &'static str| {
        store.update_with(&cms, "default", "s", move |o| {
            o["metadata"]["labels"]["tier"] = json!(tier);
            Ok(())
        })
    };
    relabel("b").expect("leave");
    relabel("a").expect("enter");
    // The rest, until the server ends the watch (its timeoutSeconds).
    while let Some(chunk) = body.next().await {
        text.push_str(&String::from_utf8_lossy(&chunk.expect("bytes")));
    }
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
