//! Asked to stop while helm installs a release, the console waits for helm, so the release is
//! `deployed`, not left `pending-install` (after which helm refuses every change to it).

mod common;

use std::time::Duration;

use common::Running;
use serde_json::{Value, json};
use wheelhouse_sim::{GroupResource, Scenario, Sim, SimConfig};

/// The helm the tests run: `WHEELHOUSE_HELM`, else `helm` on PATH; `None` skips (never in CI).
fn helm() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("WHEELHOUSE_HELM").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("helm"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "helm not found: set WHEELHOUSE_HELM"
        );
        eprintln!("SKIPPED: no helm (set WHEELHOUSE_HELM; `cargo xtask test` installs it)");
    }
    found
}

/// The status helm wrote in the release's newest record (`helm.sh/release.v1` Secret).
fn release_status(sim: &Sim, namespace: &str, name: &str) -> Option<String> {
    let secrets = sim
        .store()
        .list(&GroupResource::core("secrets"), Some(namespace));
    secrets
        .iter()
        .map(|s| s.value())
        .filter(|s| s["type"] == "helm.sh/release.v1" && s["metadata"]["labels"]["name"] == name)
        .max_by_key(|s| {
            s["metadata"]["labels"]["version"]
                .as_str()
                .and_then(|v| v.parse::<u32>().ok())
        })
        .and_then(|s| {
            s["metadata"]["labels"]["status"]
                .as_str()
                .map(str::to_string)
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_during_a_helm_install_waits_for_it_and_the_release_is_deployed() {
    let Some(helm) = helm() else {
        return;
    };
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Empty))
        .await
        .expect("the sim starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, sim.kubeconfig_yaml("admin")).expect("kubeconfig written");
    let running = Running::start(&[
        "--kubeconfig",
        kubeconfig.to_str().expect("utf-8"),
        "--listen",
        "127.0.0.1:0",
        "--helm-path",
        helm.to_str().expect("utf-8"),
    ]);
    let base = running.url().trim_end_matches('/').to_string();
    let client = common::client();
    let install = json!({
        "repo": "builtin", "chart": "webapp", "version": "0.1.0", "name": "shop",
        "namespace": "shop", "createNamespace": true, "values": "replicaCount: 2\n",
    });
    let answer = client
        .post(format!("{base}/api/v1/apps/releases"))
        .json(&install)
        .send()
        .await
        .expect("answered");
    let status = answer.status();
    let operation: Value = answer.json().await.expect("JSON");
    assert_eq!(status, 202, "{operation}");

    // Stopped while helm runs: the process waits for helm, then exits cleanly.
    let mut running = running;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status();
    assert!(killed.is_ok_and(|s| s.success()), "kill -TERM works");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let exit = loop {
        if let Some(exit) = running.child.try_wait().expect("waitable") {
            break exit;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the console did not stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "the console exited cleanly: {exit}");
    assert_eq!(
        release_status(&sim, "shop", "shop").as_deref(),
        Some("deployed"),
        "the release helm was installing when the console was stopped"
    );
}
