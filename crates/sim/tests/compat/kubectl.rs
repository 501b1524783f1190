//! The real kubectl against the sim: reading and describing, apply/scale/rollout/delete, logs, exec and auth can-i, StatefulSet and DaemonSet rollouts, drains within disruption budgets.

use super::*;

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
