//! The console over TLS: certificate files read again when they change, and a self-made
//! certificate kept in a Secret that every replica serves, valid for months rather than
//! centuries; HTTP/2 by ALPN and `Strict-Transport-Security` on every answer.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use common::Running;
use jiff::Timestamp;
use serde_json::json;
use wheelhouse_sim::{GroupResource, Scenario, Sim, SimConfig};
use wheelhouse_tls::serving::SelfMade;

/// The address in `Wheelhouse is listening on https://127.0.0.1:PORT/`.
fn address(running: &Running) -> SocketAddr {
    let url = running
        .first_line
        .trim()
        .strip_prefix("Wheelhouse is listening on https://")
        .unwrap_or_else(|| panic!("not an https URL: {:?}", running.first_line));
    url.trim_end_matches('/').parse().expect("an address")
}

/// A client that trusts only `ca` and sends `host` to `address`; a new one per call, so no
/// connection is reused across a certificate change.
async fn healthz(ca: &str, host: &str, address: SocketAddr) -> reqwest::Result<reqwest::Response> {
    wheelhouse_tls::install_crypto_provider();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.as_bytes()).expect("a CA")])
        .resolve(host, address)
        .build()
        .expect("client");
    client
        .get(format!("https://{host}:{}/healthz", address.port()))
        .send()
        .await
}

#[tokio::test]
async fn certificate_files_are_served_over_http2_with_hsts_and_read_again_when_they_change() {
    let dir = tempfile::tempdir().expect("temp dir");
    let names = ["localhost".to_string()];
    let first = SelfMade::make(&names, Timestamp::now()).expect("a pair");
    let second = SelfMade::make(&names, Timestamp::now()).expect("another pair");
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert, &first.cert).expect("cert");
    std::fs::write(&key, &first.key).expect("key");
    let running = Running::start(&[
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        cert.to_str().expect("utf-8"),
        "--tls-key",
        key.to_str().expect("utf-8"),
        "--tls-check-interval",
        "200ms",
    ]);
    let address = address(&running);

    let answer = healthz(&first.ca_cert, "localhost", address)
        .await
        .expect("served with the first certificate");
    assert_eq!(answer.version(), reqwest::Version::HTTP_2);
    assert_eq!(
        answer.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    assert!(
        healthz(&second.ca_cert, "localhost", address)
            .await
            .is_err()
    );

    // Renewed files (as a Secret's mount or cert-manager renews them): served without a restart.
    std::fs::write(&key, &second.key).expect("key");
    std::fs::write(&cert, &second.cert).expect("cert");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while healthz(&second.ca_cert, "localhost", address)
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the changed certificate was not served within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(healthz(&first.ca_cert, "localhost", address).await.is_err());
    // Broken files keep the certificate served before.
    std::fs::write(&cert, "not a certificate").expect("cert");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(healthz(&second.ca_cert, "localhost", address).await.is_ok());
}

/// The four entries of the Secret, as PEM.
fn kept(sim: &Sim) -> (SelfMade, String) {
    let secret = sim
        .store()
        .get(&GroupResource::core("secrets"), "ops", "console-tls")
        .expect("the Secret")
        .value()
        .clone();
    let entry = |key: &str| {
        let text = secret["data"][key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {secret}"));
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .expect("base64"),
        )
        .expect("PEM")
    };
    let made = SelfMade {
        ca_cert: entry("ca.crt"),
        ca_key: entry("ca.key"),
        cert: entry("tls.crt"),
        key: entry("tls.key"),
    };
    let version = secret["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (made, version)
}

fn console(kubeconfig: &str, names: &[&str]) -> Running {
    let mut args = vec![
        "--kubeconfig",
        kubeconfig,
        "--listen",
        "127.0.0.1:0",
        "--tls-self-signed",
        "--tls-secret",
        "ops/console-tls",
        "--tls-check-interval",
        "200ms",
    ];
    for name in names {
        args.extend(["--tls-name", name]);
    }
    Running::start(&args)
}

// Multi-threaded: the sim runs in this process while the test waits for a console's first line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_made_certificate_is_kept_in_its_secret_shared_by_every_replica_and_renewed_for_new_names()
 {
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Empty))
        .await
        .expect("the sim starts");
    let store = sim.store();
    store
        .create(
            &GroupResource::core("namespaces"),
            false,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ops"}}),
        )
        .expect("namespace");
    // Empty, as the chart creates it.
    store
        .create(
            &GroupResource::core("secrets"),
            true,
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": "console-tls", "namespace": "ops"}}),
        )
        .expect("secret");
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("admin.kubeconfig");
    std::fs::write(&kubeconfig, sim.kubeconfig_yaml("admin")).expect("kubeconfig");
    let kubeconfig = kubeconfig.to_str().expect("utf-8");

    let first = console(kubeconfig, &["console.ops.svc"]);
    let (made, version) = kept(&sim);
    // Months, not centuries: a third-party reading of the certificate's notAfter.
    let not_after = made.not_after().expect("readable");
    let days = (not_after.as_second() - Timestamp::now().as_second()) / 86_400;
    assert!((80..=90).contains(&days), "valid for {days} more days");
    let answer = healthz(&made.ca_cert, "console.ops.svc", address(&first))
        .await
        .expect("the Service's name is in the certificate");
    assert_eq!(answer.version(), reqwest::Version::HTTP_2);

    // A second replica serves the same certificate and writes nothing.
    let second = console(kubeconfig, &["console.ops.svc"]);
    healthz(&made.ca_cert, "console.ops.svc", address(&second))
        .await
        .expect("the second replica serves the kept certificate");
    assert_eq!(kept(&sim).1, version, "the Secret was not written again");

    // A replica that needs another name renews the serving certificate under the same CA; the
    // others pick it up from the Secret.
    let third = console(kubeconfig, &["console.ops.svc", "console.example.com"]);
    let (renewed, _) = kept(&sim);
    assert_eq!(
        renewed.ca_cert, made.ca_cert,
        "clients that trust the CA keep working"
    );
    assert_ne!(renewed.cert, made.cert);
    healthz(&made.ca_cert, "console.example.com", address(&third))
        .await
        .expect("the new name is served");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while healthz(&made.ca_cert, "console.example.com", address(&first))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the first replica did not pick up the renewed certificate"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop((first, second, third));
    sim.shutdown().await;
}

#[test]
fn a_missing_secret_is_refused_at_start_with_what_to_do() {
    let output = std::process::Command::new(common::BINARY)
        .args([
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--tls-self-signed",
            "--tls-secret",
            "nowhere/none",
        ])
        .env("HOME", "/nonexistent-home")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read the Secret nowhere/none that keeps the self-made certificate")
            && stderr.contains("the chart creates it"),
        "{stderr}"
    );
}
