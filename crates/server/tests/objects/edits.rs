//! Editing objects: YAML round trips and conflicts, apply with dry run and validation causes, and the raw passthrough.

use super::*;

#[tokio::test]
async fn yaml_round_trips_and_a_stale_edit_is_a_conflict_naming_what_changed() {
    let server = demo("admin").await;
    let client = common::client();
    let created = client
        .post(server.url("api/v1/_raw/api/v1/namespaces/default/configmaps"))
        .json(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "default"}, "data": {"mode": "a"}}))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), 201, "the raw POST creates");
    let object_url = server.url("api/v1/resources/core/v1/configmaps/settings?namespace=default");
    let yaml_url =
        server.url("api/v1/resources/core/v1/configmaps/settings/yaml?namespace=default");
    let yaml = client.get(&yaml_url).send().await.expect("request");
    assert!(
        yaml.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("application/yaml")
    );
    let yaml = yaml.text().await.expect("text");
    assert!(
        yaml.contains("mode: a") && !yaml.contains("managedFields"),
        "{yaml}"
    );
    let with_managed = client
        .get(format!("{yaml_url}&managedFields=true"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text");
    assert!(with_managed.contains("managedFields"), "{with_managed}");

    // Saved as edited.
    let edited = yaml.replace("mode: a", "mode: b");
    let saved = client
        .put(&object_url)
        .header("content-type", "application/yaml")
        .body(edited)
        .send()
        .await
        .expect("request");
    assert_eq!(saved.status(), 200);
    let saved = json(saved).await;
    assert_eq!(saved["object"]["data"]["mode"], "b");
    assert_eq!(
        stored(
            &server,
            &GroupResource::core("configmaps"),
            "default",
            "settings"
        )
        .expect("stored")["data"]["mode"],
        "b"
    );

    // The first YAML is stale now: a conflict with the current version and what differs.
    let stale = yaml.replace("mode: a", "mode: c");
    let conflict = client
        .put(&object_url)
        .header("content-type", "application/yaml")
        .body(stale)
        .send()
        .await
        .expect("request");
    assert_eq!(conflict.status(), 409);
    let conflict = json(conflict).await;
    assert_eq!(conflict["error"]["reason"], "Conflict");
    assert_eq!(
        conflict["error"]["details"]["currentResourceVersion"],
        saved["resourceVersion"]
    );
    assert_eq!(
        conflict["error"]["details"]["changed"],
        json!(["data.mode"])
    );

    // YAML that does not parse names its line.
    let broken = client
        .put(&object_url)
        .header("content-type", "application/yaml")
        .body("metadata:\n  name: [x\n")
        .send()
        .await
        .expect("request");
    assert_eq!(broken.status(), 400);
    let broken = json(broken).await;
    assert!(
        broken["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("line")),
        "{broken}"
    );

    // Deleted with a propagation choice.
    let deleted = client
        .delete(format!("{object_url}&propagationPolicy=Background"))
        .header(CLIENT_HEADER, "test")
        .send()
        .await
        .expect("request");
    assert_eq!(deleted.status(), 200);
    assert_eq!(json(deleted).await["deleted"], true);
    assert!(
        stored(
            &server,
            &GroupResource::core("configmaps"),
            "default",
            "settings"
        )
        .is_none()
    );
}

#[tokio::test]
async fn apply_answers_per_document_with_dry_run_and_validation_causes() {
    let server = demo("admin").await;
    let client = common::client();
    let body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"1\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n";
    let dry = client
        .post(server.url("api/v1/apply?dryRun=true"))
        .header("content-type", "application/yaml")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(dry.status(), 200);
    let dry = json(dry).await;
    assert_eq!(dry["dryRun"], true);
    assert_eq!(dry["ok"], false);
    assert_eq!(dry["results"][0]["result"], "created", "{dry}");
    assert_eq!(dry["results"][0]["namespace"], "default");
    assert_eq!(dry["results"][1]["result"], "failed");
    assert_eq!(dry["results"][1]["line"], 8);
    assert_eq!(dry["results"][1]["error"]["reason"], "Invalid", "{dry}");
    assert_eq!(
        dry["results"][1]["error"]["causes"][0]["field"],
        "metadata.name"
    );
    assert!(
        stored(
            &server,
            &GroupResource::core("configmaps"),
            "default",
            "applied"
        )
        .is_none(),
        "a dry run saves nothing"
    );

    let valid = body.split("---").next().expect("first document");
    let applied = json(
        client
            .post(server.url("api/v1/apply"))
            .header("content-type", "application/yaml")
            .body(valid.to_string())
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(applied["ok"], true, "{applied}");
    assert_eq!(applied["results"][0]["result"], "created");
    let stored_map = stored(
        &server,
        &GroupResource::core("configmaps"),
        "default",
        "applied",
    )
    .expect("created");
    assert!(
        stored_map.to_string().contains("wheelhouse"),
        "field manager wheelhouse: {stored_map}"
    );
    let again = json(
        client
            .post(server.url("api/v1/apply"))
            .header("content-type", "application/yaml")
            .body(valid.to_string())
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(again["results"][0]["result"], "unchanged", "{again}");
    let changed = json(
        client
            .post(server.url("api/v1/apply"))
            .header("content-type", "application/yaml")
            .body(valid.replace("\"1\"", "\"2\""))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(changed["results"][0]["result"], "configured", "{changed}");

    let broken = client
        .post(server.url("api/v1/apply"))
        .header("content-type", "application/yaml")
        .body("kind: A\n---\nkind: [B\n")
        .send()
        .await
        .expect("request");
    assert_eq!(broken.status(), 400);
    let broken = json(broken).await;
    assert_eq!(broken["error"]["details"]["document"], 2, "{broken}");
}

#[tokio::test]
async fn the_raw_passthrough_returns_the_api_servers_answer_as_it_is() {
    let server = demo("restricted").await;
    let client = common::client();
    let list = client
        .get(server.url("api/v1/_raw/api/v1/namespaces/team-a/pods?limit=1"))
        .send()
        .await
        .expect("request");
    assert_eq!(list.status(), 200);
    let list = json(list).await;
    assert_eq!(list["kind"], "PodList");
    assert!(list["items"].as_array().is_some_and(|i| i.len() <= 1));

    let refused = client
        .post(server.url("api/v1/_raw/api/v1/namespaces/team-a/configmaps"))
        .json(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 403);
    let status = json(refused).await;
    assert_eq!(
        status["kind"], "Status",
        "the API server's own body: {status}"
    );
    assert_eq!(status["reason"], "Forbidden");

    let watch = client
        .get(server.url("api/v1/_raw/api/v1/pods?watch=true"))
        .send()
        .await
        .expect("request");
    assert_eq!(watch.status(), 400);
}
