//! The real helm (v4) against the sim: install, upgrade, rollback and uninstall, with the release Secrets it writes.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_installs_upgrades_rolls_back_and_uninstalls() {
    let c = Cluster::start(Scenario::Demo).await;
    c.kubectl_stdin(
        &["apply", "-f", "-"],
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
    )
    .await
    .ok("apply namespace");
    let chart = chart_dir();

    let out = c
        .helm(&["install", "hello", &chart, "-n", "apps"])
        .await
        .ok("helm install");
    assert!(
        out.contains("STATUS: deployed") && out.contains("hello says hello."),
        "{out}"
    );
    let cm = c
        .get(&GroupResource::core("configmaps"), "apps", "hello-msg")
        .expect("the chart's ConfigMap");
    assert_eq!(cm["data"]["message"], "hello");
    c.eventually(30, "the chart's deployment runs", |c| {
        c.list(&pods(), "apps")
            .iter()
            .any(|p| p["status"]["phase"] == "Running")
    })
    .await;

    let out = c
        .helm(&[
            "upgrade",
            "hello",
            &chart,
            "-n",
            "apps",
            "--set",
            "message=two",
            // helm waits for the new pods (the checksum annotation rolls the Deployment).
            "--wait",
            "--timeout=60s",
        ])
        .await
        .ok("helm upgrade");
    assert!(
        out.contains("has been upgraded") && out.contains("REVISION: 2"),
        "{out}"
    );
    let cm = c
        .get(&GroupResource::core("configmaps"), "apps", "hello-msg")
        .expect("configmap");
    assert_eq!(cm["data"]["message"], "two");

    let list: Value = serde_json::from_str(
        &c.helm(&["list", "-n", "apps", "-o", "json"])
            .await
            .ok("helm list"),
    )
    .expect("helm list JSON");
    assert_eq!(list[0]["name"], "hello");
    assert_eq!(list[0]["revision"], "2");
    assert_eq!(list[0]["status"], "deployed");
    assert_eq!(list[0]["chart"], "hello-web-0.1.0");
    assert_eq!(list[0]["app_version"], "1.27");

    // The release records round-trip through the sim exactly as helm wrote them, and have the
    // shape of the records helm v4 wrote to a real kube-apiserver (reference/helm/).
    let reference_secrets = wheelhouse_sim::reference::json("helm/release-secrets.json");
    let reference_secret = reference_secrets["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|s| s["metadata"]["name"] == "sh.helm.release.v1.hello.v2")
        })
        .cloned()
        .expect("the reference hello v2 record");
    let reference_record =
        wheelhouse_sim::reference::json("helm/decoded-sh.helm.release.v1.hello.v2.json");
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    let secrets = release_secrets(&c, "apps");
    assert_eq!(secrets.len(), 2);
    for s in &secrets {
        assert_eq!(s["type"], reference_secret["type"]);
        let labels = &s["metadata"]["labels"];
        assert_eq!(
            keys(labels),
            keys(&reference_secret["metadata"]["labels"]),
            "labels owner, name, status, version, modifiedAt"
        );
        assert_eq!(keys(&s["data"]), keys(&reference_secret["data"]));
        assert_eq!(labels["name"], "hello");
        assert_eq!(labels["owner"], "helm");
        let version = labels["version"].as_str().expect("version label");
        assert_eq!(name_of(s), format!("sh.helm.release.v1.hello.v{version}"));
        let release = decode_release(s);
        assert_eq!(release["name"], "hello");
        assert_eq!(release["namespace"], "apps");
        assert_eq!(release["version"].to_string(), version);
        assert_eq!(release["info"]["status"], labels["status"]);
        assert_eq!(release["chart"]["metadata"]["name"], "hello-web");
        // helm leaves out empty fields (`config` when no values were set), so the record must
        // hold only fields of the reference record, and all of its essential ones.
        let (want, got) = (keys(&reference_record), keys(&release));
        assert!(
            got.iter().all(|k| want.contains(k)),
            "unexpected fields: {got:?}"
        );
        for k in ["name", "namespace", "version", "info", "chart", "manifest"] {
            assert!(got.iter().any(|g| g == k), "the release record has {k}");
        }
    }
    let statuses: Vec<(String, String)> = secrets
        .iter()
        .map(|s| {
            (
                s["metadata"]["labels"]["version"]
                    .as_str()
                    .unwrap_or("")
                    .into(),
                s["metadata"]["labels"]["status"]
                    .as_str()
                    .unwrap_or("")
                    .into(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("1".into(), "superseded".into()))
            && statuses.contains(&("2".into(), "deployed".into())),
        "{statuses:?}"
    );

    let status = c
        .helm(&["status", "hello", "-n", "apps"])
        .await
        .ok("helm status");
    assert!(
        status.contains("STATUS: deployed") && status.contains("REVISION: 2"),
        "{status}"
    );

    let out = c
        .helm(&["rollback", "hello", "1", "-n", "apps"])
        .await
        .ok("helm rollback");
    assert!(out.contains("Rollback was a success"), "{out}");
    let cm = c
        .get(&GroupResource::core("configmaps"), "apps", "hello-msg")
        .expect("configmap");
    assert_eq!(
        cm["data"]["message"], "hello",
        "the rollback restored revision 1's values"
    );
    let history: Value = serde_json::from_str(
        &c.helm(&["history", "hello", "-n", "apps", "-o", "json"])
            .await
            .ok("helm history"),
    )
    .expect("history JSON");
    let rows: Vec<(i64, String)> = history
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            (
                h["revision"].as_i64().unwrap_or(0),
                h["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, "superseded".to_string()),
            (2, "superseded".to_string()),
            (3, "deployed".to_string())
        ]
    );

    let out = c
        .helm(&["uninstall", "hello", "-n", "apps"])
        .await
        .ok("helm uninstall");
    assert!(out.contains("release \"hello\" uninstalled"), "{out}");
    assert!(
        c.get(&GroupResource::core("configmaps"), "apps", "hello-msg")
            .is_none()
    );
    assert!(c.get(&deployments(), "apps", "hello-web").is_none());
    assert!(
        release_secrets(&c, "apps").is_empty(),
        "uninstall removes the release records"
    );
    let list = c
        .helm(&["list", "-n", "apps", "-q"])
        .await
        .ok("helm list after uninstall");
    assert!(list.trim().is_empty(), "{list}");
    c.shutdown().await;
}
