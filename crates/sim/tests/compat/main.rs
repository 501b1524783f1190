//! Compatibility suite: the real `kubectl` and `helm` (v4) binaries against the sim.
//!
//! Each test starts a sim on 127.0.0.1:0, writes kubeconfigs for its users into a temporary
//! directory and runs the binaries with `KUBECONFIG` pointing there, then checks their output
//! and the objects in the store. Every command runs under a timeout so a hang fails fast.
//!
//! The binaries come from `WHEELHOUSE_KUBECTL` / `WHEELHOUSE_HELM` (set by `cargo xtask test`,
//! which installs them), else from `PATH`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use wheelhouse_sim::{GroupResource, Scenario, Sim, SimConfig};

mod helm;
mod kubectl;

/// How long one command may take before the test fails.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) fn find_tool(var: &str, name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.exists(),
            "{var} points to {}, which does not exist; run `cargo xtask test` to install the tools",
            path.display()
        );
        return path;
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_default();
    on_path.unwrap_or_else(|| {
        panic!("`{name}` not found: set {var} or put {name} on PATH. `cargo xtask test` installs kubectl and helm v4 and sets {var}")
    })
}

/// What a command printed and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self, what: &str) -> String {
        assert_eq!(
            self.code, 0,
            "{what} failed (exit {}):\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        );
        self.stdout
    }
}

/// A running sim with kubeconfigs for its users, and the binaries to point at it.
pub(crate) struct Cluster {
    sim: Sim,
    dir: tempfile::TempDir,
    kubectl: PathBuf,
    helm: PathBuf,
}

impl Cluster {
    async fn start(scenario: Scenario) -> Cluster {
        let kubectl = find_tool("WHEELHOUSE_KUBECTL", "kubectl");
        let helm = find_tool("WHEELHOUSE_HELM", "helm");
        let sim = Sim::start(SimConfig::default().scenario(scenario))
            .await
            .expect("the sim starts");
        let dir = tempfile::tempdir().expect("temp dir");
        for user in ["admin", "viewer", "restricted"] {
            std::fs::write(
                dir.path().join(format!("{user}.kubeconfig")),
                sim.kubeconfig_yaml(user),
            )
            .expect("kubeconfig");
        }
        Cluster {
            sim,
            dir,
            kubectl,
            helm,
        }
    }

    fn command(&self, bin: &Path, user: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin);
        let home = self.dir.path().join("home");
        cmd.args(args)
            .env(
                "KUBECONFIG",
                self.dir.path().join(format!("{user}.kubeconfig")),
            )
            .env("HOME", &home)
            .env("KUBECACHEDIR", home.join(".kube/cache"))
            .env("HELM_CACHE_HOME", home.join("helm/cache"))
            .env("HELM_CONFIG_HOME", home.join("helm/config"))
            .env("HELM_DATA_HOME", home.join("helm/data"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    async fn run(&self, bin: &Path, user: &str, args: &[&str], stdin: Option<&str>) -> Run {
        let what = format!(
            "{} {}",
            bin.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
            args.join(" ")
        );
        let mut child = self
            .command(bin, user, args)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        if let Some(mut pipe) = child.stdin.take() {
            if let Some(text) = stdin {
                use tokio::io::AsyncWriteExt;
                pipe.write_all(text.as_bytes()).await.expect("write stdin");
            }
            drop(pipe);
        }
        let output = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("{what} did not finish within {COMMAND_TIMEOUT:?}"))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    async fn kubectl(&self, args: &[&str]) -> Run {
        self.run(&self.kubectl, "admin", args, None).await
    }

    async fn kubectl_as(&self, user: &str, args: &[&str]) -> Run {
        self.run(&self.kubectl, user, args, None).await
    }

    async fn kubectl_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run(&self.kubectl, "admin", args, Some(stdin)).await
    }

    async fn helm(&self, args: &[&str]) -> Run {
        self.run(&self.helm, "admin", args, None).await
    }

    fn get(&self, resource: &GroupResource, ns: &str, name: &str) -> Option<Value> {
        self.sim
            .store()
            .get(resource, ns, name)
            .map(|o| o.value().clone())
    }

    fn list(&self, resource: &GroupResource, ns: &str) -> Vec<Value> {
        self.sim
            .store()
            .list(resource, Some(ns))
            .iter()
            .map(|o| o.value().clone())
            .collect()
    }

    /// Waits until `check` holds, polling the store; fails with `what` after `secs` seconds.
    async fn eventually(&self, secs: u64, what: &str, check: impl Fn(&Cluster) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while !check(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {secs}s waiting until {what}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}

pub(crate) fn pods() -> GroupResource {
    GroupResource::core("pods")
}

pub(crate) fn deployments() -> GroupResource {
    GroupResource::new("apps", "deployments")
}

pub(crate) fn running_pods(c: &Cluster, ns: &str, app: &str) -> Vec<Value> {
    c.list(&pods(), ns)
        .into_iter()
        .filter(|p| {
            p["metadata"]["labels"]["app"] == app
                && p["status"]["phase"] == "Running"
                && p["metadata"].get("deletionTimestamp").is_none()
        })
        .collect()
}

pub(crate) fn name_of(obj: &Value) -> String {
    obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub(crate) const WEB_V1: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports:
            - containerPort: 80
";

pub(crate) fn chart_dir() -> String {
    format!(
        "{}/tests/fixtures/charts/hello-web",
        env!("CARGO_MANIFEST_DIR")
    )
}

pub(crate) fn release_secrets(c: &Cluster, ns: &str) -> Vec<Value> {
    c.list(&GroupResource::core("secrets"), ns)
        .into_iter()
        .filter(|s| s["metadata"]["labels"]["owner"] == "helm")
        .collect()
}

/// Decodes a helm release Secret as helm does: base64 (the API), base64 again, gzip, JSON.
pub(crate) fn decode_release(secret: &Value) -> Value {
    use base64::Engine;
    use std::io::Read;
    let b64 = base64::engine::general_purpose::STANDARD;
    let once = b64
        .decode(secret["data"]["release"].as_str().expect("release data"))
        .expect("API base64");
    let twice = b64.decode(&once).expect("helm base64");
    let mut json = Vec::new();
    if twice.starts_with(&[0x1f, 0x8b, 0x08]) {
        flate2::read::GzDecoder::new(&twice[..])
            .read_to_end(&mut json)
            .expect("gzip");
    } else {
        json = twice;
    }
    serde_json::from_slice(&json).expect("release JSON")
}
