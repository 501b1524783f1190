//! The binary as a person runs it: flags, the printed URL, the demo, the sim and stopping on signals.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use common::{BINARY, Running, client, get};

#[test]
fn help_lists_every_flag_with_its_environment_variable() {
    let output = Command::new(BINARY).arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "--kubeconfig",
        "KUBECONFIG",
        "--context",
        "WHEELHOUSE_CONTEXT",
        "--demo",
        "WHEELHOUSE_DEMO",
        "--listen",
        "127.0.0.1:8080",
        "--base-path",
        "WHEELHOUSE_BASE_PATH",
        "--default-locale",
        "zh-CN",
        "--log-format",
        "WHEELHOUSE_LOG_FORMAT",
        "--metrics-interval",
        "WHEELHOUSE_METRICS_INTERVAL",
        "--metrics-retention",
        "WHEELHOUSE_METRICS_RETENTION",
        "--prometheus-url",
        "WHEELHOUSE_PROMETHEUS_URL",
        "--allowed-host",
        "WHEELHOUSE_ALLOWED_HOSTS",
        "--allowed-namespace",
        "WHEELHOUSE_ALLOWED_NAMESPACES",
        "--login",
        "WHEELHOUSE_LOGIN",
        "--session-key-file",
        "--oidc-issuer-url",
        "--proxy-secret-file",
        "--tls-cert",
        "WHEELHOUSE_TLS_CERT",
        "--tls-key",
        "--tls-self-signed",
        "--tls-secret",
        "--tls-name",
        "serve",
        "sim",
        "port-forward",
    ] {
        assert!(
            help.contains(expected),
            "--help mentions {expected}:\n{help}"
        );
    }
}

#[test]
fn metrics_flags_that_cannot_work_are_refused_at_start_with_the_reason() {
    for (args, reason) in [
        (
            &["--metrics-interval", "1m", "--metrics-retention", "30s"][..],
            "must cover at least one --metrics-interval",
        ),
        (
            &["--prometheus-url", "https://prometheus:9090"][..],
            "--prometheus-url must be an http:// URL",
        ),
        (
            &["--allowed-host", "https://console.example.com"][..],
            "invalid --allowed-host",
        ),
    ] {
        let output = Command::new(BINARY)
            .args(["--demo", "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .expect("runs");
        assert!(!output.status.success(), "{args:?} is refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
}

#[test]
fn a_console_others_can_reach_refuses_to_start_without_a_login_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let short_key = dir.path().join("key");
    std::fs::write(&short_key, "short").expect("key file");
    let short_key = short_key.to_str().expect("utf-8 path");
    for (args, reason) in [
        (
            &["--listen", "0.0.0.0:0"][..],
            "which other machines can reach",
        ),
        (
            &["--listen", "0.0.0.0:0", "--login", "local"][..],
            "which other machines can reach",
        ),
        (
            &["--listen", "127.0.0.1:0", "--login", "local,token"][..],
            "cannot be combined",
        ),
        (
            &["--listen", "127.0.0.1:0", "--login", "oidc"][..],
            "--login oidc needs --oidc-issuer-url",
        ),
        (
            &["--listen", "127.0.0.1:0", "--login", "proxy"][..],
            "--login proxy needs --proxy-secret-file",
        ),
        (
            &[
                "--listen",
                "127.0.0.1:0",
                "--login",
                "token",
                "--session-key-file",
                short_key,
            ][..],
            "at least 32 random bytes",
        ),
    ] {
        let output = Command::new(BINARY)
            .arg("--demo")
            .args(args)
            .env_remove("WHEELHOUSE_LOGIN")
            .output()
            .expect("runs");
        assert!(!output.status.success(), "{args:?} is refused");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    }
}

#[tokio::test]
async fn with_demo_it_prints_its_url_serves_the_demo_cluster_and_stops_on_sigterm() {
    let running = Running::start(&[
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--base-path",
        "/console",
    ]);
    let url = running
        .first_line
        .trim()
        .strip_prefix("Wheelhouse is listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {:?}", running.first_line))
        .to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/console/"),
        "{url}"
    );

    let cluster: serde_json::Value = get(format!("{url}api/v1/cluster"))
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert_eq!(cluster["demo"], true, "{cluster}");
    assert_eq!(cluster["connected"], true, "{cluster}");
    let overview = get(format!("{url}api/v1/overview")).await.expect("request");
    assert_eq!(overview.status(), 200);

    assert!(running.stop_with("TERM"), "exits successfully on SIGTERM");
}

#[tokio::test]
async fn without_the_system_s_ca_certificates_it_still_serves_and_says_why_its_clients_cannot_work()
{
    // Where rustls-platform-verifier finds no root: building an HTTP client fails, which must be
    // reported rather than panic (as reqwest's Client::new() would).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let prometheus = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let running = Running::start_with(
        &[
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--prometheus-url",
            &prometheus,
        ],
        &[
            ("SSL_CERT_FILE", "/nonexistent/ca-certificates.crt"),
            ("SSL_CERT_DIR", "/nonexistent/certs"),
        ],
    );
    let url = running
        .first_line
        .trim()
        .trim_start_matches("Wheelhouse is listening on ")
        .to_string();
    let mut status = serde_json::Value::Null;
    for _ in 0..100 {
        status = get(format!("{url}api/v1/metrics/status"))
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON");
        if status["prometheus"]["state"] != "starting" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let message = status["prometheus"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Wheelhouse's HTTP client for Prometheus could not be built: ")
            && message.contains("No CA certificates were loaded from the system")
            && message.contains("SSL_CERT_FILE"),
        "{status}"
    );
    assert!(running.stop_with("TERM"), "exits successfully on SIGTERM");
}

#[tokio::test]
async fn only_the_hosts_it_answers_for_are_served_and_allowed_host_adds_one() {
    let running = Running::start(&[
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--allowed-host",
        "console.example.com",
    ]);
    let url = running
        .first_line
        .trim()
        .trim_start_matches("Wheelhouse is listening on ")
        .to_string();
    let client = client();
    let version = |host: &'static str| {
        client
            .get(format!("{url}api/v1/version"))
            .header("host", host)
            .send()
    };
    assert_eq!(
        version("console.example.com")
            .await
            .expect("answer")
            .status(),
        200
    );
    assert_eq!(version("localhost").await.expect("answer").status(), 200);
    let rebound = version("evil.example:8080").await.expect("answer");
    assert_eq!(rebound.status(), 403);
    let body: serde_json::Value = rebound.json().await.expect("JSON");
    assert_eq!(body["error"]["reason"], "HostNotAllowed", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--allowed-host evil.example")),
        "{body}"
    );
    assert!(running.stop_with("TERM"), "exits successfully on SIGTERM");
}

#[tokio::test]
async fn without_any_cluster_configuration_it_starts_the_demo() {
    let running = Running::start(&["--listen", "127.0.0.1:0"]);
    let url = running
        .first_line
        .trim()
        .trim_start_matches("Wheelhouse is listening on ")
        .to_string();
    let cluster: serde_json::Value = get(format!("{url}api/v1/cluster"))
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert_eq!(cluster["demo"], true, "{cluster}");
    assert!(running.stop_with("INT"), "exits successfully on SIGINT");
}

#[tokio::test]
async fn the_sim_subcommand_writes_a_kubeconfig_that_works() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sim.kubeconfig");
    let mut child = Command::new(BINARY)
        .args(["sim", "--scenario", "demo", "--kubeconfig-out"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let printed: Vec<String> = (0..3)
        .map(|_| lines.next().expect("a line").expect("text"))
        .collect();
    assert!(
        printed
            .iter()
            .any(|l| l.contains(&path.display().to_string())),
        "{printed:?}"
    );
    assert!(
        printed.iter().any(
            |l| l.contains(&format!("export KUBECONFIG={}", path.display()))
                && l.contains("kubectl get pods -A")
        ),
        "{printed:?}"
    );

    let kubeconfig = kube::config::Kubeconfig::read_from(&path).expect("a kubeconfig was written");
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .expect("usable");
    let version = kube::Client::try_from(config)
        .expect("client")
        .apiserver_version()
        .await
        .expect("the sim answers");
    assert!(version.git_version.starts_with('v'));

    let running = Running {
        child,
        first_line: String::new(),
    };
    assert!(
        running.stop_with("TERM"),
        "the sim stops cleanly on SIGTERM"
    );
}
