//! What the API server serves besides objects: discovery, version and OpenAPI, access reviews and metrics, the restricted user, eviction, exec, port-forward and pod logs.

use super::*;

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

#[tokio::test]
async fn port_forward_reaches_the_pods_web_server_and_refuses_what_the_kubelet_refuses() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let sim = start().await;
    let admin = client(&sim, "admin").await;
    let pod = |name: &str, phase: &str| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": "team-a", "name": name, "uid": "0a1b2c3d-0000-4000-8000-000000000001"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "nginx",
                "ports": [{"containerPort": 8080}]}]},
            "status": {"phase": phase, "podIP": "10.1.0.9"}})
    };
    sim.store().insert_bulk(
        &GroupResource::core("pods"),
        [pod("web", "Running"), pod("starting", "Pending")],
    );
    let pods: Api<Pod> = Api::namespaced(admin, "team-a");

    // The declared port answers HTTP: the page's `echo` names the pod that answered.
    let mut forwarder = pods.portforward("web", &[8080]).await.expect("opened");
    let mut stream = forwarder.take_stream(8080).expect("the port's stream");
    stream
        .write_all(b"GET /echo?from=test HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("sent");
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .await
        .expect("read to the end");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\"pod\":\"web\""), "{answer}");
    assert!(answer.contains("\"query\":\"from=test\""), "{answer}");
    // The server closed the connection (`Connection: close`), so the kubelet closes the socket.
    drop(stream);
    forwarder.abort();

    // A port nothing listens on: the kubelet's words on the error channel.
    let mut forwarder = pods.portforward("web", &[9999]).await.expect("opened");
    let error = forwarder.take_error(9999).expect("the error channel");
    let said = tokio::time::timeout(Duration::from_secs(10), error)
        .await
        .expect("in time")
        .expect("an error");
    assert!(
        said.starts_with("error forwarding port 9999 to pod ")
            && said.contains("connect: connection refused"),
        "{said}"
    );

    // A pod that is not running is refused before the upgrade, as exec is.
    let refused = pods
        .portforward("starting", &[8080])
        .await
        .err()
        .expect("refused");
    let kube::Error::Api(status) = refused else {
        panic!("a Status, not {refused:?}");
    };
    assert_eq!(status.code, 400);
    assert!(status.message.contains("not running"), "{}", status.message);

    // Rights: `create` on pods/portforward, which the restricted user does not have.
    let restricted: Api<Pod> = Api::namespaced(client(&sim, "restricted").await, "team-a");
    let refused = restricted
        .portforward("web", &[8080])
        .await
        .err()
        .expect("forbidden");
    let kube::Error::Api(status) = refused else {
        panic!("a Status, not {refused:?}");
    };
    assert_eq!(
        (status.code, status.message.as_str()),
        (
            403,
            "pods \"web\" is forbidden: User \"restricted\" cannot create resource \"pods/portforward\" in API group \"\" in the namespace \"team-a\""
        )
    );
    sim.shutdown().await;
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

/// Injected faults answer as kube-apiserver does: a 500 Status from etcd, a 429 Status with
/// `Retry-After`, slow answers; dropped watches end their streams; all heal by themselves.
#[tokio::test]
async fn injected_faults_answer_as_kube_apiserver_does_and_heal() {
    use wheelhouse_sim::Failure;
    let sim = start().await;
    let watch = read_watch(
        &sim,
        format!(
            "{}/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=60",
            sim.url()
        ),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    sim.faults().drop_watches();
    tokio::time::timeout(Duration::from_secs(5), watch)
        .await
        .expect("the watch ended when dropped, long before its timeout")
        .expect("read");

    sim.faults()
        .fail(Failure::Internal, Duration::from_millis(500));
    let (code, status) = raw(&sim, Some("admin"), "GET", "/api/v1/namespaces", None, None).await;
    assert_eq!(code, 500, "{status}");
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "InternalError");
    assert_eq!(
        status["message"],
        "Internal error occurred: etcdserver: request timed out"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (code, _) = raw(&sim, Some("admin"), "GET", "/api/v1/namespaces", None, None).await;
    assert_eq!(code, 200, "healed when its time was up");

    sim.faults()
        .fail(Failure::TooManyRequests, Duration::from_secs(60));
    let response = http_client()
        .get(format!("{}/api/v1/namespaces", sim.url()))
        .bearer_auth(sim.token("admin").expect("token"))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 429);
    assert_eq!(
        response.headers().get("retry-after").map(|v| v.as_bytes()),
        Some(&b"1"[..])
    );
    let status: Value = response.json().await.expect("a Status");
    assert_eq!(status["reason"], "TooManyRequests");
    sim.faults().heal();

    sim.faults().fail(
        Failure::Slow(Duration::from_millis(300)),
        Duration::from_secs(60),
    );
    let started = std::time::Instant::now();
    let (code, _) = raw(&sim, Some("admin"), "GET", "/version", None, None).await;
    assert_eq!(code, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    sim.faults().heal();
}

/// As kube-apiserver does when a CRD is deleted: a DELETED event for every object on open
/// watches, then those watches end, then its paths answer 404 and discovery no longer has it.
#[tokio::test]
async fn a_deleted_crd_deletes_its_objects_ends_their_watches_and_leaves_discovery() {
    let sim = start().await;
    let crds = GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions");
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
                 "versions": [{"name": "v1", "served": true, "storage": true}]}});
    sim.store().create(&crds, false, crd).expect("CRD");
    let gadgets = GroupResource::new("example.com", "gadgets");
    for name in ["a", "b"] {
        sim.store()
            .create(
                &gadgets,
                true,
                json!({"apiVersion": "example.com/v1", "kind": "Gadget",
                       "metadata": {"name": name, "namespace": "default"}}),
            )
            .expect("gadget");
    }
    let (code, list) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/apis/example.com/v1/gadgets",
        None,
        None,
    )
    .await;
    assert_eq!(code, 200, "{list}");
    let since = list["metadata"]["resourceVersion"]
        .as_str()
        .expect("a version")
        .to_string();
    let watch = read_watch(
        &sim,
        format!(
            "{}/apis/example.com/v1/gadgets?watch=true&resourceVersion={since}&timeoutSeconds=60",
            sim.url()
        ),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (code, _) = raw(
        &sim,
        Some("admin"),
        "DELETE",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com",
        None,
        None,
    )
    .await;
    assert_eq!(code, 200);
    let stream = tokio::time::timeout(Duration::from_secs(5), watch)
        .await
        .expect("the watch ended with the CRD, long before its timeout")
        .expect("read");
    let mut deleted: Vec<String> = stream
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a watch event"))
        .filter(|event| event["type"] == "DELETED")
        .map(|event| {
            event["object"]["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    deleted.sort();
    assert_eq!(deleted, ["a", "b"], "{stream}");

    let (code, status) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/apis/example.com/v1/gadgets",
        None,
        None,
    )
    .await;
    assert_eq!(code, 404, "{status}");
    let (_, groups) = raw(&sim, Some("admin"), "GET", "/apis", None, None).await;
    assert!(
        !groups.to_string().contains("example.com"),
        "the group left discovery: {groups}"
    );
    assert!(sim.store().list(&gadgets, None).is_empty());
}

/// Stopped, the sim refuses connections; served again it has a new resourceVersion history:
/// a watch from a version handed out before answers 410 Gone ("too old resource version"),
/// and a list shows what changed while it was down.
#[tokio::test]
async fn a_sim_served_again_refuses_old_resource_versions_and_shows_what_changed() {
    let mut sim = start().await;
    let (_, list) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/api/v1/namespaces/default/configmaps",
        None,
        None,
    )
    .await;
    let before = list["metadata"]["resourceVersion"]
        .as_str()
        .expect("a version")
        .to_string();
    sim.stop_serving().await;
    let refused = http_client()
        .get(format!("{}/version", sim.url()))
        .send()
        .await;
    assert!(refused.is_err(), "nothing answers while it is down");
    sim.store()
        .create(
            &GroupResource::core("configmaps"),
            true,
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "made-while-down", "namespace": "default"}}),
        )
        .expect("created");
    sim.serve_again().await.expect("served again");

    let (code, list) = raw(
        &sim,
        Some("admin"),
        "GET",
        "/api/v1/namespaces/default/configmaps",
        None,
        None,
    )
    .await;
    assert_eq!(code, 200);
    assert!(list.to_string().contains("made-while-down"), "{list}");
    let watch = read_watch(
        &sim,
        format!(
            "{}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={before}&timeoutSeconds=5",
            sim.url()
        ),
    );
    let stream = tokio::time::timeout(Duration::from_secs(10), watch)
        .await
        .expect("answered")
        .expect("read");
    let event: Value = serde_json::from_str(stream.lines().next().unwrap_or("")).expect("an event");
    assert_eq!(event["type"], "ERROR", "{stream}");
    assert_eq!(event["object"]["code"], 410);
    assert!(
        event["object"]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("too old resource version"),
        "{event}"
    );
    sim.shutdown().await;
}
