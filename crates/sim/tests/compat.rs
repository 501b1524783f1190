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

/// How long one command may take before the test fails.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

fn find_tool(var: &str, name: &str) -> PathBuf {
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
struct Run {
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
struct Cluster {
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

fn pods() -> GroupResource {
    GroupResource::core("pods")
}

fn deployments() -> GroupResource {
    GroupResource::new("apps", "deployments")
}

fn running_pods(c: &Cluster, ns: &str, app: &str) -> Vec<Value> {
    c.list(&pods(), ns)
        .into_iter()
        .filter(|p| {
            p["metadata"]["labels"]["app"] == app
                && p["status"]["phase"] == "Running"
                && p["metadata"].get("deletionTimestamp").is_none()
        })
        .collect()
}

fn name_of(obj: &Value) -> String {
    obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reads_the_demo_cluster() {
    let c = Cluster::start(Scenario::Demo).await;
    c.eventually(30, "the frontend pods run", |c| {
        running_pods(c, "shop", "frontend").len() == 3
    })
    .await;

    let all = c
        .kubectl(&["get", "pods", "-A"])
        .await
        .ok("kubectl get pods -A");
    let header = all.lines().next().unwrap_or_default();
    for column in ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"] {
        assert!(header.contains(column), "header has {column}: {header}");
    }
    assert!(
        all.lines()
            .any(|l| l.starts_with("shop") && l.contains("frontend-") && l.contains("Running")),
        "{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.starts_with("kube-system") && l.contains("etcd-control-plane-1")),
        "{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.contains("analytics-worker-") && l.contains("Pending")),
        "{all}"
    );

    let nodes = c.kubectl(&["get", "nodes"]).await.ok("kubectl get nodes");
    assert!(
        nodes
            .lines()
            .any(|l| l.starts_with("worker-4") && l.contains("SchedulingDisabled")),
        "{nodes}"
    );

    let yaml = c
        .kubectl(&["get", "deployment", "frontend", "-n", "shop", "-o", "yaml"])
        .await
        .ok("kubectl get -o yaml");
    let d: Value = serde_yaml::from_str(&yaml).expect("kubectl printed YAML");
    assert_eq!(d["kind"], "Deployment");
    assert_eq!(d["spec"]["replicas"], 3);
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );

    let widgets = c
        .kubectl(&["get", "widgets", "-A"])
        .await
        .ok("kubectl get widgets");
    assert!(
        widgets.contains("sprocket") && widgets.contains("COLOR"),
        "custom resources print their columns: {widgets}"
    );

    let top = c
        .kubectl(&["top", "pods", "-n", "shop"])
        .await
        .ok("kubectl top pods");
    assert!(
        top.contains("CPU(cores)")
            && top
                .lines()
                .any(|l| l.starts_with("frontend-") && l.contains("Mi")),
        "{top}"
    );
    let top = c.kubectl(&["top", "nodes"]).await.ok("kubectl top nodes");
    assert!(
        top.lines()
            .any(|l| l.starts_with("worker-1") && l.contains('%')),
        "{top}"
    );

    let sts = c
        .kubectl(&[
            "rollout",
            "status",
            "statefulset/postgres",
            "-n",
            "data",
            "--timeout=40s",
        ])
        .await
        .ok("rollout status sts");
    assert!(
        sts.contains("roll out complete")
            || sts.contains("rolling update complete")
            || sts.contains("partitioned roll out complete"),
        "{sts}"
    );

    let events = c
        .kubectl(&[
            "get",
            "events",
            "-n",
            "shop",
            "--field-selector",
            "type=Warning",
        ])
        .await
        .ok("kubectl get events");
    assert!(
        events.contains("BackOff") || events.contains("Failed"),
        "{events}"
    );

    let describe = c
        .kubectl(&["describe", "deployment", "frontend", "-n", "shop"])
        .await
        .ok("kubectl describe deployment");
    assert!(
        describe.contains("Replicas:") && describe.contains("3 desired"),
        "{describe}"
    );
    assert!(
        describe.contains("ScalingReplicaSet"),
        "describe shows the deployment's events: {describe}"
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_describe_explains_failing_pods() {
    let c = Cluster::start(Scenario::Demo).await;
    c.eventually(60, "the checkout pod has restarted", |c| {
        c.list(&pods(), "shop").iter().any(|p| {
            p["metadata"]["labels"]["app"] == "checkout"
                && p["status"]["containerStatuses"][0]["restartCount"]
                    .as_i64()
                    .unwrap_or(0)
                    >= 1
        })
    })
    .await;
    let checkout = c
        .kubectl(&["describe", "pods", "-n", "shop", "-l", "app=checkout"])
        .await
        .ok("describe checkout");
    assert!(
        checkout.contains("Back-off restarting failed container")
            || checkout.contains("CrashLoopBackOff"),
        "{checkout}"
    );
    assert!(
        checkout.contains("Last State:") && checkout.contains("Terminated"),
        "{checkout}"
    );
    let worker = c
        .kubectl(&[
            "describe",
            "pods",
            "-n",
            "data",
            "-l",
            "app=analytics-worker",
        ])
        .await
        .ok("describe worker");
    assert!(
        worker.contains("FailedScheduling") && worker.contains("Insufficient cpu"),
        "{worker}"
    );
    c.eventually(30, "the image pull fails", |c| {
        c.list(&pods(), "shop").iter().any(|p| {
            p["metadata"]["labels"]["app"] == "recommendations"
                && p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("ImagePull"))
        })
    })
    .await;
    let recs = c
        .kubectl(&["get", "pods", "-n", "shop", "-l", "app=recommendations"])
        .await
        .ok("get recommendations");
    assert!(
        recs.contains("ErrImagePull") || recs.contains("ImagePullBackOff"),
        "{recs}"
    );
    c.shutdown().await;
}

const WEB_V1: &str = "apiVersion: v1
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_applies_scales_rolls_out_and_deletes() {
    let c = Cluster::start(Scenario::Demo).await;
    let out = c
        .kubectl(&["create", "namespace", "compat"])
        .await
        .ok("kubectl create namespace");
    assert!(out.contains("namespace/compat created"), "{out}");

    let out = c
        .kubectl_stdin(&["apply", "-n", "compat", "-f", "-"], WEB_V1)
        .await
        .ok("kubectl apply");
    assert!(
        out.contains("configmap/web-config created") && out.contains("deployment.apps/web created"),
        "{out}"
    );
    let changed = WEB_V1.replace("greeting: hello", "greeting: bonjour");
    let out = c
        .kubectl_stdin(&["apply", "-n", "compat", "-f", "-"], &changed)
        .await
        .ok("kubectl apply again");
    assert!(
        out.contains("configmap/web-config configured")
            && out.contains("deployment.apps/web unchanged"),
        "{out}"
    );
    let cm = c
        .get(&GroupResource::core("configmaps"), "compat", "web-config")
        .expect("configmap");
    assert_eq!(cm["data"]["greeting"], "bonjour");
    assert!(
        cm["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .is_some_and(|a| a.contains("bonjour"))
    );

    let ssa = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-config\ndata:\n  mode: server-side\n";
    let out = c
        .kubectl_stdin(&["apply", "--server-side", "-n", "compat", "-f", "-"], ssa)
        .await
        .ok("kubectl apply --server-side");
    assert!(
        out.contains("configmap/ssa-config serverside-applied"),
        "{out}"
    );
    let cm = c
        .get(&GroupResource::core("configmaps"), "compat", "ssa-config")
        .expect("ssa configmap");
    assert_eq!(cm["data"]["mode"], "server-side");
    assert!(
        cm["metadata"]["managedFields"].as_array().is_some_and(|m| m
            .iter()
            .any(|f| f["manager"] == "kubectl" && f["operation"] == "Apply")),
        "{cm}"
    );

    c.eventually(30, "two web pods run", |c| {
        running_pods(c, "compat", "web").len() == 2
    })
    .await;
    let out = c
        .kubectl(&[
            "rollout",
            "status",
            "deployment/web",
            "-n",
            "compat",
            "--timeout=45s",
        ])
        .await
        .ok("rollout status");
    assert!(out.contains("successfully rolled out"), "{out}");

    let out = c
        .kubectl(&["scale", "deployment", "web", "-n", "compat", "--replicas=3"])
        .await
        .ok("kubectl scale");
    assert!(out.contains("deployment.apps/web scaled"), "{out}");
    c.eventually(30, "three web pods run", |c| {
        running_pods(c, "compat", "web").len() == 3
    })
    .await;

    c.kubectl(&[
        "set",
        "image",
        "deployment/web",
        "nginx=nginx:1.28",
        "-n",
        "compat",
    ])
    .await
    .ok("set image");
    let out = c
        .kubectl(&[
            "rollout",
            "status",
            "deployment/web",
            "-n",
            "compat",
            "--timeout=50s",
        ])
        .await
        .ok("rollout status after set image");
    assert!(out.contains("successfully rolled out"), "{out}");
    c.eventually(30, "only new pods remain", |c| {
        let pods = running_pods(c, "compat", "web");
        pods.len() == 3
            && pods
                .iter()
                .all(|p| p["spec"]["containers"][0]["image"] == "nginx:1.28")
    })
    .await;
    let history = c
        .kubectl(&["rollout", "history", "deployment/web", "-n", "compat"])
        .await
        .ok("rollout history");
    let revisions: Vec<&str> = history
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.parse::<u32>().is_ok())
        .collect();
    assert_eq!(revisions, ["1", "2"], "{history}");

    let out = c
        .kubectl(&["rollout", "undo", "deployment/web", "-n", "compat"])
        .await
        .ok("rollout undo");
    assert!(out.contains("rolled back"), "{out}");
    c.kubectl(&[
        "rollout",
        "status",
        "deployment/web",
        "-n",
        "compat",
        "--timeout=50s",
    ])
    .await
    .ok("rollout status after undo");
    let d = c.get(&deployments(), "compat", "web").expect("deployment");
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3",
        "the undo is the newest revision"
    );
    c.eventually(30, "the old image runs again", |c| {
        let pods = running_pods(c, "compat", "web");
        pods.len() == 3
            && pods
                .iter()
                .all(|p| p["spec"]["containers"][0]["image"] == "nginx:1.27")
    })
    .await;

    let out = c
        .kubectl(&["delete", "deployment", "web", "-n", "compat"])
        .await
        .ok("kubectl delete");
    assert!(out.contains("deployment.apps \"web\" deleted"), "{out}");
    c.eventually(15, "the deployment's pods are gone", |c| {
        c.list(&pods(), "compat").is_empty()
    })
    .await;
    assert!(
        c.list(&GroupResource::new("apps", "replicasets"), "compat")
            .is_empty(),
        "its ReplicaSets are gone too"
    );

    // Deleting the namespace waits (kubectl's default) until its contents and it are gone.
    let out = c
        .kubectl(&["delete", "namespace", "compat", "--timeout=40s"])
        .await
        .ok("kubectl delete namespace");
    assert!(out.contains("namespace \"compat\" deleted"), "{out}");
    assert!(
        c.get(&GroupResource::core("namespaces"), "", "compat")
            .is_none()
    );
    assert!(
        c.list(&GroupResource::core("configmaps"), "compat")
            .is_empty()
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_exec_and_auth_can_i() {
    let c = Cluster::start(Scenario::Demo).await;
    c.eventually(30, "the frontend pods run", |c| {
        running_pods(c, "shop", "frontend").len() == 3
    })
    .await;
    let pod = name_of(&running_pods(&c, "shop", "frontend")[0]);

    let logs = c
        .kubectl(&["logs", "-n", "shop", &pod, "--tail=3", "--timestamps"])
        .await
        .ok("kubectl logs");
    assert!(logs.lines().count() <= 3, "{logs}");

    // `logs -f` streams until stopped: read what arrives for a while, then stop it.
    let mut child = c
        .command(
            &c.kubectl,
            "admin",
            &["logs", "-f", "-n", "shop", &pod, "--tail=1"],
        )
        .spawn()
        .expect("kubectl logs -f");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), async {
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push(line);
            if seen.len() >= 2 {
                break;
            }
        }
    })
    .await;
    assert!(
        child.try_wait().expect("status").is_none(),
        "logs -f keeps following"
    );
    child.kill().await.expect("stop kubectl logs -f");
    assert!(
        seen.len() >= 2,
        "a new line arrived while following: {seen:?}"
    );
    assert!(
        seen.iter()
            .all(|l| l.contains("HTTP/1.1") || l.contains("nginx") || l.contains("start")),
        "{seen:?}"
    );

    c.eventually(60, "the checkout pod has crashed once", |c| {
        c.list(&pods(), "shop").iter().any(|p| {
            p["metadata"]["labels"]["app"] == "checkout"
                && p["status"]["containerStatuses"][0]["restartCount"]
                    .as_i64()
                    .unwrap_or(0)
                    >= 1
        })
    })
    .await;
    let checkout = c
        .list(&pods(), "shop")
        .into_iter()
        .find(|p| p["metadata"]["labels"]["app"] == "checkout")
        .expect("checkout pod");
    let previous = c
        .kubectl(&["logs", "-n", "shop", &name_of(&checkout), "--previous"])
        .await
        .ok("kubectl logs --previous");
    assert!(
        previous.contains("level=error") && previous.contains("level=fatal"),
        "the crashed instance's last words: {previous}"
    );

    let out = c
        .kubectl(&[
            "exec", "-n", "shop", &pod, "--", "echo", "hello", "from", "the", "sim",
        ])
        .await
        .ok("kubectl exec echo");
    assert_eq!(out.trim(), "hello from the sim");
    let failed = c
        .kubectl(&["exec", "-n", "shop", &pod, "--", "sh", "-c", "exit 3"])
        .await;
    assert_eq!(failed.code, 3, "exec passes the exit code on: {failed:?}");

    let yes = c
        .kubectl(&["auth", "can-i", "delete", "pods", "-n", "shop"])
        .await;
    assert_eq!((yes.code, yes.stdout.trim()), (0, "yes"), "{yes:?}");
    let no = c
        .kubectl_as(
            "restricted",
            &["auth", "can-i", "delete", "pods", "-n", "team-a"],
        )
        .await;
    assert_eq!((no.code, no.stdout.trim()), (1, "no"), "{no:?}");
    let list = c
        .kubectl_as(
            "restricted",
            &["auth", "can-i", "list", "pods", "-n", "team-a"],
        )
        .await;
    assert_eq!(list.stdout.trim(), "yes", "{list:?}");
    let forbidden = c
        .kubectl_as("restricted", &["get", "secrets", "-n", "shop"])
        .await;
    assert_ne!(forbidden.code, 0);
    assert!(
        forbidden.stderr.contains("Forbidden") || forbidden.stderr.contains("forbidden"),
        "{forbidden:?}"
    );
    c.shutdown().await;
}

fn chart_dir() -> String {
    format!(
        "{}/tests/fixtures/charts/hello-web",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn release_secrets(c: &Cluster, ns: &str) -> Vec<Value> {
    c.list(&GroupResource::core("secrets"), ns)
        .into_iter()
        .filter(|s| s["metadata"]["labels"]["owner"] == "helm")
        .collect()
}

/// Decodes a helm release Secret as helm does: base64 (the API), base64 again, gzip, JSON.
fn decode_release(secret: &Value) -> Value {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_rolls_stateful_sets_and_daemon_sets_forward_and_back() {
    let c = Cluster::start(Scenario::Demo).await;
    let image = |c: &Cluster, resource: GroupResource, ns: &str, name: &str| {
        c.get(&resource, ns, name)
            .map(|o| o["spec"]["template"]["spec"]["containers"][0]["image"].clone())
            .unwrap_or_default()
    };
    let sts = GroupResource::new("apps", "statefulsets");
    c.kubectl(&[
        "rollout",
        "status",
        "statefulset/redis",
        "-n",
        "data",
        "--timeout=40s",
    ])
    .await
    .ok("sts ready");
    c.kubectl(&[
        "set",
        "image",
        "statefulset/redis",
        "redis=redis:7.4.6",
        "-n",
        "data",
    ])
    .await
    .ok("set image sts");
    c.kubectl(&[
        "rollout",
        "status",
        "statefulset/redis",
        "-n",
        "data",
        "--timeout=40s",
    ])
    .await
    .ok("sts rolled out");
    c.eventually(30, "redis-0 runs the new image", |c| {
        c.get(&pods(), "data", "redis-0").is_some_and(|p| {
            p["spec"]["containers"][0]["image"] == "redis:7.4.6"
                && p["status"]["phase"] == "Running"
        })
    })
    .await;
    let history = c
        .kubectl(&["rollout", "history", "statefulset/redis", "-n", "data"])
        .await
        .ok("sts history");
    let revisions: Vec<&str> = history
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.parse::<u32>().is_ok())
        .collect();
    assert_eq!(revisions, ["1", "2"], "{history}");
    let out = c
        .kubectl(&["rollout", "undo", "statefulset/redis", "-n", "data"])
        .await
        .ok("sts undo");
    assert!(out.contains("rolled back"), "{out}");
    assert_eq!(image(&c, sts.clone(), "data", "redis"), "redis:7.4.5");
    c.eventually(30, "redis-0 runs the old image again", |c| {
        c.get(&pods(), "data", "redis-0").is_some_and(|p| {
            p["spec"]["containers"][0]["image"] == "redis:7.4.5"
                && p["status"]["phase"] == "Running"
        })
    })
    .await;

    let ds = GroupResource::new("apps", "daemonsets");
    c.kubectl(&[
        "set",
        "image",
        "daemonset/node-exporter",
        "node-exporter=quay.io/prometheus/node-exporter:v1.9.2",
        "-n",
        "monitoring",
    ])
    .await
    .ok("set image ds");
    let out = c
        .kubectl(&[
            "rollout",
            "status",
            "daemonset/node-exporter",
            "-n",
            "monitoring",
            "--timeout=40s",
        ])
        .await
        .ok("ds rolled out");
    assert!(out.contains("successfully rolled out"), "{out}");
    let out = c
        .kubectl(&[
            "rollout",
            "undo",
            "daemonset/node-exporter",
            "-n",
            "monitoring",
        ])
        .await
        .ok("ds undo");
    assert!(out.contains("rolled back"), "{out}");
    assert_eq!(
        image(&c, ds, "monitoring", "node-exporter"),
        "quay.io/prometheus/node-exporter:v1.9.1"
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_drains_a_node_within_disruption_budgets() {
    let c = Cluster::start(Scenario::Demo).await;
    c.eventually(30, "the frontend pods run", |c| {
        running_pods(c, "shop", "frontend").len() == 3
    })
    .await;
    let out = c
        .kubectl(&[
            "drain",
            "worker-1",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=90s",
        ])
        .await
        .ok("kubectl drain");
    assert!(out.contains("node/worker-1 drained"), "{out}");
    let node = c
        .get(&GroupResource::core("nodes"), "", "worker-1")
        .expect("node");
    assert_eq!(node["spec"]["unschedulable"], true, "drain cordons first");
    let left: Vec<String> = c
        .sim
        .store()
        .list(&pods(), None)
        .iter()
        .filter(|p| p.value()["spec"]["nodeName"] == "worker-1")
        .filter(|p| p.value()["metadata"]["ownerReferences"][0]["kind"] != "DaemonSet")
        .map(|p| p.name().to_string())
        .collect();
    assert!(
        left.is_empty(),
        "only daemons stay on a drained node: {left:?}"
    );
    c.eventually(30, "the frontend runs three pods elsewhere", |c| {
        let pods = running_pods(c, "shop", "frontend");
        pods.len() == 3 && pods.iter().all(|p| p["spec"]["nodeName"] != "worker-1")
    })
    .await;
    let pdb = c
        .get(
            &GroupResource::new("policy", "poddisruptionbudgets"),
            "shop",
            "frontend",
        )
        .expect("pdb");
    assert_eq!(
        pdb["status"]["expectedPods"], 3,
        "the budget's status follows the pods: {}",
        pdb["status"]
    );
    let out = c
        .kubectl(&["uncordon", "worker-1"])
        .await
        .ok("kubectl uncordon");
    assert!(out.contains("node/worker-1 uncordoned"), "{out}");
    c.shutdown().await;
}
