//! The alerter against the sim, with real receivers: Debian's `prometheus-alertmanager`, the
//! `aiosmtpd` SMTP server from PyPI, and a webhook receiver. The sim drives the conditions (a pod
//! that crash-loops, a node that goes NotReady, memory that rises); each alert fires after its
//! `for`, resolves when the condition clears, and is notified exactly once across an alerter
//! restart and with two replicas running.
//!
//! `WHEELHOUSE_ALERTMANAGER` (default `/usr/bin/prometheus-alertmanager`) and
//! `WHEELHOUSE_AIOSMTPD_PATH` (a directory with the aiosmtpd package, put on PYTHONPATH; default
//! `~/.cache/wheelhouse/tools/python`) name them; `cargo xtask test` installs both.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::routing::post;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod, Secret};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use wheelhouse_alerts::AlerterConfig;
use wheelhouse_alerts::crd::{AlertRule, AlertState};
use wheelhouse_sim::{Scenario, Sim, SimConfig};

const WAIT: Duration = Duration::from_secs(90);

async fn client(sim: &Sim) -> Client {
    wheelhouse_tls::install_crypto_provider();
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

/// What the webhook receiver heard, per path (`/hook`, `/slack`).
#[derive(Clone, Default)]
struct Heard(Arc<Mutex<Vec<(String, Value)>>>);

impl Heard {
    fn on(&self, path: &str) -> Vec<Value> {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

async fn receiver() -> (SocketAddr, Heard) {
    let heard = Heard::default();
    let app =
        axum::Router::new()
            .route(
                "/{path}",
                post(
                    |State(heard): State<Heard>,
                     Path(path): Path<String>,
                     Json(body): Json<Value>| async move {
                        heard
                            .0
                            .lock()
                            .expect("lock")
                            .push((format!("/{path}"), body));
                        "ok"
                    },
                ),
            )
            .with_state(heard.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, heard)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running child process, killed when dropped.
struct Child(tokio::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}

async fn wait_for_port(port: u16, what: &str) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not listen on port {port}");
}

/// Debian's Alertmanager with a route that receives everything and sends nowhere.
async fn alertmanager(dir: &std::path::Path) -> (Child, u16) {
    let program = std::env::var_os("WHEELHOUSE_ALERTMANAGER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/prometheus-alertmanager"));
    let config = dir.join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: nowhere\n  group_wait: 1s\nreceivers:\n- name: nowhere\n",
    )
    .expect("config");
    let port = free_port();
    let child = tokio::process::Command::new(&program)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.join("am-data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start ({e}); cargo xtask test installs it (apt-get install prometheus-alertmanager)", program.display()));
    wait_for_port(port, "Alertmanager").await;
    (Child(child), port)
}

/// aiosmtpd writing each message it accepts into a Maildir.
async fn smtp_sink(maildir: &std::path::Path) -> (Child, u16) {
    let path = std::env::var_os("WHEELHOUSE_AIOSMTPD_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/wheelhouse/tools/python")
        });
    let port = free_port();
    let child = tokio::process::Command::new("python3")
        .env("PYTHONPATH", &path)
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs aiosmtpd");
    wait_for_port(
        port,
        "aiosmtpd (python3 -m aiosmtpd; cargo xtask test installs it from PyPI)",
    )
    .await;
    (Child(child), port)
}

/// The messages in a Maildir, oldest first.
fn mails(maildir: &std::path::Path) -> Vec<String> {
    let mut found: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(maildir.join("new"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let modified = entry.metadata().ok()?.modified().ok()?;
            Some((modified, std::fs::read_to_string(entry.path()).ok()?))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, text)| text).collect()
}

/// Runs an alerter in this process until the returned sender is dropped or sent to.
fn alerter(client: &Client, namespace: &str, identity: &str) -> oneshot::Sender<()> {
    let (stop, stopped) = oneshot::channel::<()>();
    let config = AlerterConfig {
        namespace: namespace.to_string(),
        interval: Duration::from_secs(1),
        identity: identity.to_string(),
        lease_name: "wheelhouse-alerter".into(),
        lease_duration: Duration::from_secs(4),
        prometheus_url: None,
        console_url: Some("https://console.example".into()),
        watch_tls_secrets: true,
    };
    let client = client.clone();
    tokio::spawn(async move {
        let stop = async move {
            let _ = stopped.await;
        };
        wheelhouse_alerts::run(client, config, stop)
            .await
            .expect("the alerter runs");
    });
    stop
}

async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn create(client: &Client, namespace: &str, value: Value) {
    let kind = value["kind"].as_str().unwrap_or_default().to_string();
    let api_version = value["apiVersion"].as_str().unwrap_or_default().to_string();
    let (group, version) = api_version.split_once('/').unwrap_or(("", &api_version));
    let plural = match kind.as_str() {
        "AlertRule" => "alertrules",
        "NotificationChannel" => "notificationchannels",
        "Pod" => "pods",
        other => panic!("no plural for {other}"),
    };
    let resource = kube::discovery::ApiResource {
        group: group.to_string(),
        version: version.to_string(),
        api_version: api_version.clone(),
        kind,
        plural: plural.into(),
    };
    let api: Api<kube::api::DynamicObject> =
        Api::namespaced_with(client.clone(), namespace, &resource);
    let object: kube::api::DynamicObject = serde_json::from_value(value).expect("an object");
    api.create(&PostParams::default(), &object)
        .await
        .expect("created");
}

async fn namespace(client: &Client, name: &str) {
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).expect("ns");
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .expect("namespace");
}

async fn rule(client: &Client, namespace: &str, name: &str) -> AlertRule {
    Api::<AlertRule>::namespaced(client.clone(), namespace)
        .get(name)
        .await
        .expect("the rule")
}

fn firing_payloads(bodies: &[Value]) -> usize {
    bodies.iter().filter(|b| b["status"] == "firing").count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_loop_fires_after_its_for_reaches_every_channel_once_across_restarts_and_replicas_then_resolves()
 {
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo))
        .await
        .expect("sim");
    let client = client(&sim).await;
    let dir = tempfile::tempdir().expect("dir");
    let maildir = dir.path().join("mail");
    let (_am, am_port) = alertmanager(dir.path()).await;
    let (_smtp, smtp_port) = smtp_sink(&maildir).await;
    let (hook, heard) = receiver().await;
    let ns = "payments-team";
    namespace(&client, ns).await;
    // Slack's URL is a secret: the channel names it in a Secret of its namespace.
    let webhook_secret: Secret = serde_json::from_value(json!({
        "metadata": {"name": "chat-webhook", "namespace": ns},
        "stringData": {"url": format!("http://{hook}/slack")}
    }))
    .expect("a secret");
    Api::<Secret>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &webhook_secret)
        .await
        .expect("the Secret");
    for (name, spec) in [
        (
            "hook",
            json!({"webhook": {"url": format!("http://{hook}/hook")}}),
        ),
        (
            "chat",
            json!({"slack": {"urlSecretRef": {"name": "chat-webhook", "key": "url"}}}),
        ),
        (
            "am",
            json!({"alertmanager": {"url": format!("http://127.0.0.1:{am_port}")}}),
        ),
        (
            "mail",
            json!({"email": {"smarthost": format!("127.0.0.1:{smtp_port}"), "from": "alerts@example.com", "to": ["oncall@example.com"], "tls": "none"}}),
        ),
    ] {
        create(
            &client,
            ns,
            json!({"apiVersion": "wheelhouse.dev/v1alpha1", "kind": "NotificationChannel",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}),
        )
        .await;
    }
    create(&client, ns, json!({"apiVersion": "wheelhouse.dev/v1alpha1", "kind": "AlertRule",
        "metadata": {"name": "worker-crash-loops", "namespace": ns},
        "spec": {"target": {"selector": "app=worker"}, "condition": {"crashLooping": {}},
            "for": "3s", "severity": "critical", "repeatInterval": "1h",
            "labels": {"team": "payments"},
            "annotations": {"summary": "{{ target }} is crash-looping", "description": "{{ value }}"},
            "channels": ["hook", "chat", "am", "mail"]}})).await;
    let first = alerter(&client, ns, "alerter-a");
    create(
        &client,
        ns,
        json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "worker-1", "namespace": ns, "labels": {"app": "worker"},
            "annotations": {"sim.wheelhouse.dev/crash": "true"}},
        "spec": {"containers": [{"name": "main", "image": "example/worker:1"}]}}),
    )
    .await;

    // Pending first: the status says so before anything is sent.
    let pending = eventually("the alert to be pending", async || {
        let status = rule(&client, ns, "worker-crash-loops").await.status?;
        status
            .alerts
            .first()
            .filter(|a| a.state == AlertState::Pending)
            .cloned()
    })
    .await;
    assert_eq!(pending.target, format!("{ns}/worker-1"));
    assert!(
        heard.on("/hook").is_empty(),
        "nothing is sent while pending"
    );

    let firing = eventually("the webhook to hear the alert fire", async || {
        let bodies = heard.on("/hook");
        (firing_payloads(&bodies) > 0).then_some(bodies)
    })
    .await;
    let body = &firing[0];
    assert_eq!(body["version"], "4");
    assert_eq!(body["receiver"], "hook");
    let alert = &body["alerts"][0];
    assert_eq!(alert["labels"]["alertname"], "worker-crash-loops");
    assert_eq!(alert["labels"]["pod"], "worker-1");
    assert_eq!(alert["labels"]["team"], "payments");
    assert_eq!(alert["labels"]["severity"], "critical");
    assert_eq!(
        alert["annotations"]["summary"],
        format!("{ns}/worker-1 is crash-looping")
    );
    assert!(
        alert["annotations"]["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("CrashLoopBackOff: main (")),
        "{alert}"
    );
    assert_eq!(
        alert["generatorURL"],
        format!("https://console.example/alerts/{ns}/worker-crash-loops")
    );
    let status = eventually("the status to say it fires", async || {
        rule(&client, ns, "worker-crash-loops")
            .await
            .status
            .filter(|s| s.firing == 1 && s.alerts[0].notified)
    })
    .await;
    assert!(status.error.is_none(), "{:?}", status.error);

    // Slack, e-mail and Alertmanager heard it too.
    let slack = eventually("Slack's webhook", async || {
        heard.on("/slack").first().cloned()
    })
    .await;
    assert!(
        slack["text"]
            .as_str()
            .is_some_and(|t| t.contains("[FIRING:1]") && t.contains("is crash-looping")),
        "{slack}"
    );
    let mail = eventually("the e-mail", async || mails(&maildir).first().cloned()).await;
    assert!(mail.contains("To: oncall@example.com"), "{mail}");
    assert!(
        mail.contains(&format!("Subject: [FIRING:1] {ns}/worker-crash-loops")),
        "{mail}"
    );
    let http = reqwest::Client::new();
    let in_alertmanager = eventually("Alertmanager to hold the alert", async || {
        let alerts: Value = http
            .get(format!("http://127.0.0.1:{am_port}/api/v2/alerts"))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        alerts
            .as_array()?
            .iter()
            .find(|a| a["labels"]["alertname"] == "worker-crash-loops")
            .cloned()
    })
    .await;
    assert_eq!(in_alertmanager["labels"]["namespace"], ns);
    assert_eq!(in_alertmanager["status"]["state"], "active");

    // The change is an Event on the rule.
    let events = Api::<Event>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .expect("events");
    assert!(
        events
            .items
            .iter()
            .any(|e| e.reason.as_deref() == Some("AlertFiring")
                && e.involved_object.name.as_deref() == Some("worker-crash-loops")),
        "an AlertFiring Event on the rule"
    );

    // A restart of the alerter, then two replicas side by side: still told once.
    drop(first);
    let second = alerter(&client, ns, "alerter-b");
    let third = alerter(&client, ns, "alerter-c");
    eventually("the new alerter to evaluate", async || {
        let before = rule(&client, ns, "worker-crash-loops")
            .await
            .status?
            .last_evaluation?;
        tokio::time::sleep(Duration::from_secs(4)).await;
        let after = rule(&client, ns, "worker-crash-loops")
            .await
            .status?
            .last_evaluation?;
        (after > before).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        firing_payloads(&heard.on("/hook")),
        1,
        "notified exactly once"
    );
    assert_eq!(heard.on("/slack").len(), 1);
    assert_eq!(mails(&maildir).len(), 1);

    // The crash loop ends: one resolved notification.
    Api::<Pod>::namespaced(client.clone(), ns)
        .delete("worker-1", &Default::default())
        .await
        .expect("delete");
    let resolved = eventually("the resolution", async || {
        heard
            .on("/hook")
            .into_iter()
            .find(|b| b["status"] == "resolved")
    })
    .await;
    assert_eq!(resolved["alerts"][0]["status"], "resolved");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        heard.on("/hook").len(),
        2,
        "one firing and one resolved, nothing more"
    );
    let status = rule(&client, ns, "worker-crash-loops")
        .await
        .status
        .expect("status");
    assert_eq!(status.firing, 0);
    assert_eq!(status.alerts[0].state, AlertState::Resolved);
    drop((second, third));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_going_not_ready_and_memory_near_its_limit_fire_cluster_wide_and_a_dead_channel_says_why()
 {
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo))
        .await
        .expect("sim");
    let client = client(&sim).await;
    let (hook, heard) = receiver().await;
    let home = "wheelhouse-system";
    namespace(&client, home).await;
    create(&client, home, json!({"apiVersion": "wheelhouse.dev/v1alpha1", "kind": "NotificationChannel",
        "metadata": {"name": "hook", "namespace": home}, "spec": {"webhook": {"url": format!("http://{hook}/hook")}}})).await;
    let dead = free_port();
    create(&client, home, json!({"apiVersion": "wheelhouse.dev/v1alpha1", "kind": "NotificationChannel",
        "metadata": {"name": "dead", "namespace": home}, "spec": {"webhook": {"url": format!("http://127.0.0.1:{dead}/")}}})).await;
    create(
        &client,
        home,
        json!({"apiVersion": "wheelhouse.dev/v1alpha1", "kind": "AlertRule",
        "metadata": {"name": "nodes-down", "namespace": home},
        "spec": {"condition": {"nodeNotReady": {}}, "channels": ["hook", "dead"]}}),
    )
    .await;
    create(
        &client,
        home,
        json!({"apiVersion": "wheelhouse.dev/v1alpha1", "kind": "AlertRule",
        "metadata": {"name": "hungry", "namespace": home},
        "spec": {"target": {"kind": "Container", "namespace": "shop", "selector": "app=payments"},
            "condition": {"usage": {"resource": "memory", "of": "limit", "above": "85"}},
            "channels": ["hook"]}}),
    )
    .await;
    // A rule in a team's namespace may not watch nodes: it says so.
    create(
        &client,
        "shop",
        json!({"apiVersion": "wheelhouse.dev/v1alpha1", "kind": "AlertRule",
        "metadata": {"name": "nodes-from-a-team", "namespace": "shop"},
        "spec": {"condition": {"nodeNotReady": {}}}}),
    )
    .await;
    // A TLS Secret whose certificate expires in about a month.
    let certificate = include_str!("fixtures/expiring.pem");
    let tls: Secret = serde_json::from_value(json!({
        "metadata": {"name": "storefront-tls", "namespace": "shop"},
        "type": "kubernetes.io/tls",
        "stringData": {"tls.crt": certificate, "tls.key": "not read"}
    }))
    .expect("a secret");
    Api::<Secret>::namespaced(client.clone(), "shop")
        .create(&PostParams::default(), &tls)
        .await
        .expect("the TLS Secret");
    create(&client, home, json!({"apiVersion": "wheelhouse.dev/v1alpha1", "kind": "AlertRule",
        "metadata": {"name": "certs", "namespace": home},
        "spec": {"target": {"namespace": "shop"}, "condition": {"certificateExpiring": {"within": "2160h"}},
            "annotations": {"summary": "{{ target }} {{ value }}"}, "channels": ["hook"]}})).await;
    let _alerter = alerter(&client, home, "alerter-a");

    // The demo's payments pod runs near its memory limit.
    let hungry = eventually("the memory alert", async || {
        heard
            .on("/hook")
            .into_iter()
            .find(|b| b["groupLabels"]["alertname"] == "hungry")
    })
    .await;
    let value = hungry["alerts"][0]["annotations"]["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(value.contains("% of its limit"), "{value}");
    assert_eq!(hungry["alerts"][0]["labels"]["namespace"], "shop");

    // The certificate, from the watch of kubernetes.io/tls Secrets.
    let certs = eventually("the certificate alert", async || {
        heard
            .on("/hook")
            .into_iter()
            .find(|b| b["groupLabels"]["alertname"] == "certs")
    })
    .await;
    assert_eq!(certs["alerts"][0]["labels"]["secret"], "storefront-tls");
    assert!(
        certs["alerts"][0]["annotations"]["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("shop/storefront-tls expires 2027-01-06")),
        "{certs}"
    );

    // No node is NotReady yet.
    let evaluated = eventually("the node rule to be evaluated", async || {
        rule(&client, home, "nodes-down")
            .await
            .status
            .filter(|s| s.last_evaluation.is_some())
    })
    .await;
    assert_eq!(evaluated.firing, 0);
    assert!(evaluated.targets >= 3, "every node is looked at");
    let node_name = Api::<Node>::all(client.clone())
        .list(&ListParams::default())
        .await
        .expect("nodes")
        .items[0]
        .metadata
        .name
        .clone()
        .expect("a name");
    let not_ready = json!({"status": {"conditions": [{"type": "Ready", "status": "False",
        "reason": "KubeletNotReady", "message": "container runtime is down",
        "lastHeartbeatTime": jiff::Timestamp::now().to_string(),
        "lastTransitionTime": jiff::Timestamp::now().to_string()}]}});
    Api::<Node>::all(client.clone())
        .patch_status(
            &node_name,
            &PatchParams::default(),
            &Patch::Strategic(not_ready),
        )
        .await
        .expect("node status");
    let down = eventually("the node alert", async || {
        heard
            .on("/hook")
            .into_iter()
            .find(|b| b["groupLabels"]["alertname"] == "nodes-down")
    })
    .await;
    assert_eq!(down["alerts"][0]["labels"]["node"], node_name.as_str());
    // The dead channel's failure is in the status and an Event; the live one still heard it.
    let failed = eventually("the dead channel's error", async || {
        rule(&client, home, "nodes-down")
            .await
            .status
            .filter(|s| !s.notification_errors.is_empty())
    })
    .await;
    assert_eq!(failed.notification_errors[0].channel, "dead");
    assert!(
        failed.notification_errors[0]
            .message
            .contains(&format!("127.0.0.1:{dead}"))
    );
    let team = rule(&client, "shop", "nodes-from-a-team")
        .await
        .status
        .expect("status");
    assert!(
        team.error
            .as_deref()
            .is_some_and(|e| e.contains("may only watch namespace shop")),
        "{:?}",
        team.error
    );

    let ready = json!({"status": {"conditions": [{"type": "Ready", "status": "True",
        "reason": "KubeletReady", "message": "kubelet is posting ready status",
        "lastHeartbeatTime": jiff::Timestamp::now().to_string(),
        "lastTransitionTime": jiff::Timestamp::now().to_string()}]}});
    Api::<Node>::all(client.clone())
        .patch_status(
            &node_name,
            &PatchParams::default(),
            &Patch::Strategic(ready),
        )
        .await
        .expect("node status");
    eventually("the node alert to resolve", async || {
        heard
            .on("/hook")
            .into_iter()
            .find(|b| b["groupLabels"]["alertname"] == "nodes-down" && b["status"] == "resolved")
    })
    .await;
}
