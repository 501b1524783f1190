//! Writes over HTTPS: create, patch (strategic merge, server-side apply), replace with conflicts, dry runs, YAML bodies, deletion, and the Status bodies of refused writes.

use super::*;

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
