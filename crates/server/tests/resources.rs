//! The resource browser's read path over real HTTP against the sim: kinds, lists, live views
//! (SSE and the multiplexed WebSocket), refusals and bad queries.

mod common;

use std::time::Duration;

use common::{json, namespace, pod, pods, quiet_server};
use futures::StreamExt;
use serde_json::{Value, json};
use wheelhouse_sim::{DeleteOptions, GroupResource};

/// How long any awaited condition may take before the test fails.
const WITHIN: Duration = Duration::from_secs(15);

/// Polls `url` until `done` holds for its JSON, failing after [`WITHIN`].
async fn get_until(url: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + WITHIN;
    let mut last = Value::Null;
    while tokio::time::Instant::now() < deadline {
        let response = common::get(url).await.expect("request");
        last = json(response).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within {WITHIN:?}; last answer: {last}");
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["namespace"].as_str().unwrap_or_default(),
                i["name"].as_str().expect("a name")
            )
        })
        .collect()
}

#[tokio::test]
async fn kinds_list_the_builtins_and_a_crd_created_later() {
    let (sim, server) = quiet_server("admin").await;
    let url = server.url("api/v1/kinds");
    let kinds = get_until(&url, "discovery", |k| k["kinds"].is_array()).await;
    let find = |kinds: &Value, path: &str| {
        kinds["kinds"]
            .as_array()
            .and_then(|all| all.iter().find(|k| k["path"] == path).cloned())
    };
    let pods = find(&kinds, "core/v1/pods").expect("pods are listed");
    assert_eq!(pods["group"], "");
    assert_eq!(pods["kind"], "Pod");
    assert_eq!(pods["namespaced"], true);
    assert_eq!(pods["preferred"], true);
    assert_eq!(pods["custom"], false);
    assert!(
        pods["shortNames"]
            .as_array()
            .is_some_and(|s| s.contains(&json!("po"))),
        "{pods}"
    );
    assert!(
        pods["verbs"]
            .as_array()
            .is_some_and(|v| v.contains(&json!("watch"))),
        "{pods}"
    );
    let deployments = find(&kinds, "apps/v1/deployments").expect("deployments are listed");
    assert_eq!(deployments["namespaced"], true);
    assert!(find(&kinds, "core/v1/nodes").is_some_and(|n| n["namespaced"] == false));
    assert!(find(&kinds, "example.com/v1/widgets").is_none());

    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]}]}});
    sim.store()
        .create(
            &GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions"),
            false,
            crd,
        )
        .expect("the CRD is created");
    let kinds = get_until(&url, "the CRD to appear in the kinds", |k| {
        find(k, "example.com/v1/widgets").is_some()
    })
    .await;
    let widgets = find(&kinds, "example.com/v1/widgets").expect("listed");
    assert_eq!(widgets["kind"], "Widget");
    assert_eq!(widgets["custom"], true);
    assert_eq!(widgets["shortNames"], json!(["wd"]));

    // Its rows use the CRD's printer columns.
    sim.store()
        .create(
            &GroupResource::new("example.com", "widgets"),
            true,
            json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "default"}, "spec": {"size": 7}}),
        )
        .expect("a widget is created");
    let list = get_until(
        &server.url("api/v1/resources/example.com/v1/widgets"),
        "the widget to be listed",
        |l| l["total"] == 1,
    )
    .await;
    assert_eq!(list["items"][0]["name"], "w1");
    assert!(
        list["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .any(|c| c["title"] == "columns|Size"),
        "{}",
        list["columns"]
    );

    // New printer columns: the next list has them, and live views of the old columns start anew.
    let watch = common::get(server.url("api/v1/watch/example.com/v1/widgets"))
        .await
        .expect("request");
    let mut events = SseReader::new(watch);
    events.until(|e, _| e == "snapshot").await;
    sim.store()
        .update_with(
            &GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions"),
            "",
            "widgets.example.com",
            |crd| {
                crd["spec"]["versions"][0]["additionalPrinterColumns"] =
                    json!([{"name": "Colour", "type": "string", "jsonPath": ".spec.colour"}]);
                Ok(())
            },
        )
        .expect("the CRD is updated");
    get_until(
        &server.url("api/v1/resources/example.com/v1/widgets"),
        "the new printer column",
        |l| {
            l["columns"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["title"] == "columns|Colour"))
        },
    )
    .await;
    let (_, resync) = events.until(|e, _| e == "resync").await;
    assert!(
        resync["reason"]
            .as_str()
            .is_some_and(|r| r.contains("columns")),
        "{resync}"
    );

    sim.store()
        .delete(
            &GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions"),
            "",
            "widgets.example.com",
            &DeleteOptions::default(),
        )
        .expect("the CRD is deleted");
    get_until(&url, "the CRD to leave the kinds", |k| {
        k["kinds"].is_array() && find(k, "example.com/v1/widgets").is_none()
    })
    .await;
}

#[tokio::test]
async fn list_pages_filter_sort_and_page_what_the_sim_holds() {
    let (sim, server) = quiet_server("admin").await;
    let store = sim.store();
    for ns in ["shop", "blog"] {
        store
            .create(&GroupResource::core("namespaces"), false, namespace(ns))
            .expect("namespace");
    }
    let mut expected = Vec::new();
    for i in 0..12 {
        for ns in ["shop", "blog"] {
            let (name, tier) = if i % 3 == 0 {
                (format!("db-{i:02}"), "back")
            } else {
                (format!("web-{i:02}"), "front")
            };
            store
                .create(
                    &pods(),
                    true,
                    pod(
                        ns,
                        &name,
                        json!({"app": name.split('-').next(), "tier": tier}),
                    ),
                )
                .expect("pod");
            expected.push((ns.to_string(), name, tier));
        }
    }
    let base = server.url("api/v1/resources/core/v1/pods");
    let all = get_until(&base, "the first list", |l| l["state"] == "ready").await;
    assert_eq!(all["total"], 24);
    assert_eq!(all["page"], 1);
    assert_eq!(all["pageSize"], 50);
    assert!(
        all["warnings"].as_array().is_some_and(Vec::is_empty),
        "{all}"
    );
    let column_ids: Vec<&str> = all["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    for id in [
        "name",
        "namespace",
        "ready",
        "status",
        "restarts",
        "creationTimestamp",
    ] {
        assert!(column_ids.contains(&id), "{id} in {column_ids:?}");
    }
    let mut sorted: Vec<String> = expected
        .iter()
        .map(|(ns, n, _)| format!("{ns}/{n}"))
        .collect();
    sorted.sort_by(|a, b| {
        let (na, pa) = a.split_once('/').expect("ns/name");
        let (nb, pb) = b.split_once('/').expect("ns/name");
        (pa, na).cmp(&(pb, nb))
    });
    assert_eq!(names(&all), sorted, "sorted by name, then namespace");

    // Filters, descending sort and the second page, against the same computed from the fixture.
    let query = "?namespace=shop,blog&q=WEB&labelSelector=tier%3Dfront,app%20in%20(web)&sort=-name&page=2&pageSize=5";
    let page = json(
        common::get(format!("{base}{query}"))
            .await
            .expect("request"),
    )
    .await;
    let mut matching: Vec<(String, String)> = expected
        .iter()
        .filter(|(_, n, tier)| n.contains("web") && *tier == "front")
        .map(|(ns, n, _)| (n.clone(), ns.clone()))
        .collect();
    matching.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(page["total"], matching.len());
    let want: Vec<String> = matching[5..10]
        .iter()
        .map(|(n, ns)| format!("{ns}/{n}"))
        .collect();
    assert_eq!(names(&page), want);
    assert_eq!(page["page"], 2);
    assert_eq!(page["pageSize"], 5);

    let one_namespace = json(
        common::get(format!("{base}?namespace=blog&pageSize=500"))
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(one_namespace["total"], 12);
    assert!(names(&one_namespace).iter().all(|n| n.starts_with("blog/")));

    let past_the_end = json(
        common::get(format!("{base}?page=9"))
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(past_the_end["total"], 24);
    assert_eq!(past_the_end["items"], json!([]));
}

#[tokio::test]
async fn bad_queries_are_400_naming_the_parameter() {
    let (_sim, server) = quiet_server("admin").await;
    let base = server.url("api/v1/resources/core/v1/pods");
    let cases = [
        ("sort=bogus", "bogus"),
        ("page=0", "page"),
        ("pageSize=100000", "pageSize"),
        ("labelSelector=a%20in%20(", "labelSelector"),
    ];
    for (query, named) in cases {
        let response = common::get(format!("{base}?{query}"))
            .await
            .expect("request");
        assert_eq!(response.status(), 400, "{query}");
        let body = json(response).await;
        assert_eq!(body["error"]["reason"], "BadRequest", "{query}");
        let message = body["error"]["message"].as_str().expect("a message");
        assert!(message.contains(named), "{query}: {message}");
    }
    let unknown = common::get(server.url("api/v1/resources/example.com/v1/gadgets"))
        .await
        .expect("request");
    assert_eq!(unknown.status(), 404);
    let body = json(unknown).await;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("gadgets")),
        "{body}"
    );
}

#[tokio::test]
async fn the_restricted_user_is_refused_with_what_was_forbidden() {
    let (sim, server) = quiet_server("restricted").await;
    for ns in ["team-a", "team-b"] {
        sim.store()
            .create(&GroupResource::core("namespaces"), false, namespace(ns))
            .expect("namespace");
        sim.store()
            .create(&pods(), true, pod(ns, &format!("{ns}-pod"), json!({})))
            .expect("pod");
    }
    let response = common::get(server.url("api/v1/resources/core/v1/pods"))
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    let body = json(response).await;
    assert_eq!(body["error"]["reason"], "Forbidden");
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.starts_with("restricted may not list pods in all namespaces")
            && message.contains("(403)")
            && message.contains("choose one namespace"),
        "{message}"
    );
    assert_eq!(
        body["error"]["details"],
        json!({"verb": "list", "resource": "pods", "namespace": null})
    );

    // The one namespace it may read is listed from a cache of that namespace alone.
    let team_a = json(
        common::get(server.url("api/v1/resources/core/v1/pods?namespace=team-a"))
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(team_a["state"], "ready", "{team_a}");
    assert_eq!(names(&team_a), ["team-a/team-a-pod"]);

    let response = common::get(server.url("api/v1/resources/core/v1/pods?namespace=team-b"))
        .await
        .expect("request");
    assert_eq!(response.status(), 403);
    let body = json(response).await;
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.starts_with("restricted may not list pods in namespace team-b"),
        "{message}"
    );
    assert_eq!(body["error"]["details"]["namespace"], "team-b");

    let nodes = common::get(server.url("api/v1/resources/core/v1/nodes"))
        .await
        .expect("request");
    assert_eq!(nodes.status(), 403);
    let body = json(nodes).await;
    let message = body["error"]["message"].as_str().expect("a message");
    assert!(
        message.starts_with("restricted may not list nodes:"),
        "{message}"
    );

    let sse = common::get(server.url("api/v1/watch/core/v1/secrets?namespace=team-a"))
        .await
        .expect("request");
    assert_eq!(sse.status(), 403, "a live view is refused the same way");
    let allowed = common::get(server.url("api/v1/watch/core/v1/pods?namespace=team-a"))
        .await
        .expect("request");
    assert_eq!(allowed.status(), 200);
    let mut events = SseReader::new(allowed);
    let (_, snapshot) = events
        .until(|e, d| e == "snapshot" && d["state"] == "ready")
        .await;
    assert_eq!(names(&snapshot), ["team-a/team-a-pod"]);
}

/// Reads Server-Sent Events from a response.
struct SseReader {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl SseReader {
    fn new(response: reqwest::Response) -> Self {
        Self {
            body: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next `(event, data)`, skipping heartbeats.
    async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if event.is_empty() || event == "heartbeat" {
                    continue;
                }
                return (event, serde_json::from_str(&data).expect("data is JSON"));
            }
            let chunk = tokio::time::timeout(WITHIN, self.body.next())
                .await
                .expect("an event within the time limit")
                .expect("the stream stays open")
                .expect("a chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Skips events until one satisfies `wanted`.
    async fn until(&mut self, wanted: impl Fn(&str, &Value) -> bool) -> (String, Value) {
        let deadline = tokio::time::Instant::now() + WITHIN;
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no such event within {WITHIN:?}"
            );
            let (event, data) = self.next().await;
            if wanted(&event, &data) {
                return (event, data);
            }
        }
    }
}

#[tokio::test]
async fn a_change_in_the_cluster_reaches_an_sse_subscriber_as_a_delta() {
    let (sim, server) = quiet_server("admin").await;
    let store = sim.store();
    store
        .create(&GroupResource::core("namespaces"), false, namespace("shop"))
        .expect("namespace");
    store
        .create(&pods(), true, pod("shop", "web-1", json!({"app": "web"})))
        .expect("pod");
    store
        .create(
            &pods(),
            true,
            pod("default", "other", json!({"app": "web"})),
        )
        .expect("pod");

    let response =
        common::get(server.url("api/v1/watch/core/v1/pods?namespace=shop&labelSelector=app%3Dweb"))
            .await
            .expect("request");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/event-stream")),
        "{:?}",
        response.headers()
    );
    let mut events = SseReader::new(response);
    let (_, snapshot) = events
        .until(|e, d| e == "snapshot" && d["state"] == "ready")
        .await;
    assert_eq!(snapshot["total"], 1);
    assert_eq!(names(&snapshot), ["shop/web-1"]);

    // Outside the view: nothing. Inside: added, with the new total.
    store
        .create(
            &pods(),
            true,
            pod("default", "elsewhere", json!({"app": "web"})),
        )
        .expect("pod");
    store
        .create(&pods(), true, pod("shop", "web-2", json!({"app": "web"})))
        .expect("pod");
    let (event, delta) = events.next().await;
    assert_eq!(event, "added", "{delta}");
    assert_eq!(delta["row"]["name"], "web-2");
    assert_eq!(delta["total"], 2);

    // A label change moving a pod out of the view removes it from the view.
    store
        .update_with(&pods(), "shop", "web-1", |object| {
            object["metadata"]["labels"]["app"] = json!("db");
            Ok(())
        })
        .expect("updated");
    let (event, delta) = events.next().await;
    assert_eq!(event, "removed", "{delta}");
    assert_eq!(delta["row"]["name"], "web-1");
    assert_eq!(delta["total"], 1);

    store
        .delete(&pods(), "shop", "web-2", &DeleteOptions::default())
        .expect("deleted");
    let (event, delta) = events.next().await;
    assert_eq!(event, "removed", "{delta}");
    assert_eq!(delta["row"]["name"], "web-2");
    assert_eq!(delta["total"], 0);
}
