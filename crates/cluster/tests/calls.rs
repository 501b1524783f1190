//! The typed actions of `Calls` against the simulated cluster: scale, restart, suspend, trigger,
//! cordon, eviction, and a refusal kept as the API server's own words.

mod common;

use common::{client, quiet_sim};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::api::PostParams;
use serde_json::{Value, json};
use wheelhouse_cluster::calls::{Calls, HistoryKind, job_from_cronjob};
use wheelhouse_cluster::discovery::KindInfo;
use wheelhouse_sim::Sim;

async fn setup() -> (Sim, kube::Client, Calls) {
    let sim = quiet_sim().await;
    let client = client(&sim).await;
    (sim, client.clone(), Calls::new(client))
}

fn deployments() -> KindInfo {
    KindInfo {
        group: "apps".into(),
        version: "v1".into(),
        resource: "deployments".into(),
        kind: "Deployment".into(),
        namespaced: true,
        verbs: vec![],
        short_names: vec![],
        preferred_version: "v1".into(),
        custom: false,
    }
}

async fn create<K>(api: Api<K>, object: Value) -> K
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    let object: K = serde_json::from_value(object).expect("a valid object");
    api.create(&PostParams::default(), &object)
        .await
        .expect("created")
}

fn pod_template() -> Value {
    json!({"metadata": {"labels": {"app": "web"}},
           "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
}

async fn web(client: &kube::Client) {
    create(
        Api::<Deployment>::namespaced(client.clone(), "default"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "default"},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                        "template": pod_template()}}),
    )
    .await;
}

#[tokio::test]
async fn scaling_goes_through_the_scale_subresource_and_answers_the_object() {
    let (_sim, client, calls) = setup().await;
    web(&client).await;
    let object = calls
        .scale(&deployments(), Some("default"), "web", 3)
        .await
        .expect("scaled");
    assert_eq!(object["kind"], "Deployment");
    assert_eq!(object["spec"]["replicas"], 3);
    let stored = Api::<Deployment>::namespaced(client, "default")
        .get("web")
        .await
        .expect("read");
    assert_eq!(stored.spec.expect("spec").replicas, Some(3));
}

#[tokio::test]
async fn a_restart_sets_the_restarted_at_annotation_of_the_pod_template() {
    let (_sim, client, calls) = setup().await;
    web(&client).await;
    let object = calls
        .restart(
            &deployments(),
            Some("default"),
            "web",
            "2026-12-06T18:00:00Z",
        )
        .await
        .expect("restarted");
    assert_eq!(
        object["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
        "2026-12-06T18:00:00Z"
    );
    assert_eq!(
        object["spec"]["template"]["metadata"]["labels"]["app"], "web",
        "a strategic merge keeps the rest of the template"
    );
}

#[tokio::test]
async fn a_cronjob_is_suspended_and_resumed_and_a_job_is_triggered_from_it() {
    let (_sim, client, calls) = setup().await;
    create(
        Api::<CronJob>::namespaced(client.clone(), "default"),
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
               "metadata": {"name": "backup", "namespace": "default"},
               "spec": {"schedule": "0 1 * * *", "jobTemplate": {
                   "metadata": {"labels": {"app": "backup"}},
                   "spec": {"template": {"spec": {"restartPolicy": "Never",
                       "containers": [{"name": "b", "image": "busybox"}]}}}}}}),
    )
    .await;
    let suspended = calls
        .set_suspended("default", "backup", true)
        .await
        .expect("suspended");
    assert_eq!(suspended["spec"]["suspend"], true);
    let resumed = calls
        .set_suspended("default", "backup", false)
        .await
        .expect("resumed");
    assert_eq!(resumed["spec"]["suspend"], false);

    let cronjob = calls.cronjob("default", "backup").await.expect("read");
    let job = calls
        .create_job("default", &job_from_cronjob(&cronjob, "backup-manual-1"))
        .await
        .expect("created");
    assert_eq!(job["metadata"]["name"], "backup-manual-1");
    let stored = Api::<Job>::namespaced(client, "default")
        .get("backup-manual-1")
        .await
        .expect("the job exists");
    let owner = &stored.metadata.owner_references.expect("owned")[0];
    assert_eq!(owner.name, "backup");
    assert_eq!(owner.uid, cronjob.metadata.uid.expect("uid"));
}

#[tokio::test]
async fn a_node_is_cordoned_and_its_pods_are_evicted() {
    let (_sim, client, calls) = setup().await;
    create(
        Api::<Node>::all(client.clone()),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}),
    )
    .await;
    create(
        Api::<Pod>::namespaced(client.clone(), "default"),
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "p1", "namespace": "default"},
               "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "nginx"}]}}),
    )
    .await;

    let cordoned = calls.set_unschedulable("n1", true).await.expect("cordoned");
    assert_eq!(cordoned["spec"]["unschedulable"], true);
    let pods = calls.pods_on_node("n1").await.expect("listed");
    assert_eq!(pods.len(), 1);
    assert_eq!(pods[0]["metadata"]["name"], "p1");
    assert!(calls.pods_on_node("n2").await.expect("listed").is_empty());

    calls.evict("default", "p1").await.expect("evicted");
    let gone = calls
        .evict("default", "p1")
        .await
        .expect_err("the pod is gone");
    assert_eq!(gone.code, 404);

    let uncordoned = calls
        .set_unschedulable("n1", false)
        .await
        .expect("uncordoned");
    assert_eq!(uncordoned["spec"]["unschedulable"], false);
}

#[tokio::test]
async fn a_refused_call_keeps_the_api_servers_code_reason_and_words() {
    let (_sim, client, calls) = setup().await;
    let missing = calls
        .scale(&deployments(), Some("default"), "nothing", 2)
        .await
        .expect_err("no such deployment");
    assert_eq!(missing.code, 404);
    assert_eq!(missing.reason, "NotFound");
    assert!(missing.message.contains("nothing"), "{}", missing.message);

    web(&client).await;
    let history = calls
        .history(HistoryKind::ReplicaSets, "default", "app=web")
        .await
        .expect("listed");
    assert!(history.is_empty(), "no controllers run, so no ReplicaSets");
}

fn configmaps() -> KindInfo {
    KindInfo {
        group: String::new(),
        version: "v1".into(),
        resource: "configmaps".into(),
        kind: "ConfigMap".into(),
        namespaced: true,
        verbs: vec![],
        short_names: vec![],
        preferred_version: "v1".into(),
        custom: false,
    }
}

#[tokio::test]
async fn objects_of_any_kind_are_applied_listed_replaced_and_deleted() {
    let (_sim, _client, calls) = setup().await;
    let kind = configmaps();
    let settings = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "default", "labels": {"tier": "web"}},
        "data": {"mode": "a"}});

    let dry = calls
        .apply(
            &kind,
            Some("default"),
            "settings",
            &settings,
            "wheelhouse",
            true,
        )
        .await
        .expect("a dry run");
    assert_eq!(dry["data"]["mode"], "a");
    let missing = calls
        .object(&kind, Some("default"), "settings")
        .await
        .expect_err("a dry run stores nothing");
    assert_eq!((missing.code, missing.reason.as_str()), (404, "NotFound"));

    let applied = calls
        .apply(
            &kind,
            Some("default"),
            "settings",
            &settings,
            "wheelhouse",
            false,
        )
        .await
        .expect("applied");
    let listed = calls
        .objects(&kind, Some("default"), "tier=web", "metadata.name=settings")
        .await
        .expect("listed");
    assert_eq!(listed.len(), 1);
    assert!(
        calls
            .objects(&kind, None, "tier=db", "")
            .await
            .expect("listed")
            .is_empty()
    );

    let mut edited = applied.clone();
    edited["data"]["mode"] = json!("b");
    let saved = calls
        .replace(&kind, Some("default"), "settings", &edited, false)
        .await
        .expect("replaced");
    assert_eq!(saved["data"]["mode"], "b");
    // The first version is stale now.
    let conflict = calls
        .replace(&kind, Some("default"), "settings", &edited, false)
        .await
        .expect_err("a stale resourceVersion");
    assert_eq!((conflict.code, conflict.reason.as_str()), (409, "Conflict"));

    let deletion = wheelhouse_cluster::calls::Deletion {
        propagation: Some(wheelhouse_cluster::calls::PropagationPolicy::Background),
        ..Default::default()
    };
    calls
        .delete(&kind, Some("default"), "settings", &deletion)
        .await
        .expect("deleted");
    let gone = calls
        .delete(&kind, Some("default"), "settings", &deletion)
        .await
        .expect_err("already gone");
    assert_eq!(gone.code, 404);
}

#[tokio::test]
async fn a_name_cannot_become_path_syntax() {
    let (_sim, _client, calls) = setup().await;
    let refused = calls
        .object(&configmaps(), Some("default"), "x?watch=true")
        .await
        .expect_err("no such object");
    assert_eq!(refused.code, 404, "{}", refused.message);
}
