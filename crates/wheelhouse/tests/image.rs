//! The container image, pushed to the real Debian `docker-registry` and read back as a container
//! runtime would read it: the manifest, the config (user, entrypoint, environment, labels) and the
//! files of every layer.
//!
//! The layout is built from the debug binary this crate's tests already have (a release static
//! build takes minutes); that binary is dynamically linked, which [`Contents::allow_dynamic`]
//! allows here and `cargo xtask image` never does.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use wheelhouse_image::{
    BuildInfo, Compression, Contents, Layout, MEDIA_TYPE_MANIFEST, PushOptions, Reference, push,
};

const BINARY: &str = env!("CARGO_BIN_EXE_wheelhouse");

fn find_tool(var: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.exists(),
            "{var} points to {}, which does not exist",
            path.display()
        );
        return Some(path);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} not found: set {var} or put it on PATH (`cargo xtask test` installs it)"
        );
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {}: no {name} on PATH (set {var}; `cargo xtask test` installs it)",
            std::thread::current().name().unwrap_or("a test")
        );
    }
    found
}

fn client() -> reqwest::Client {
    wheelhouse_tls::install_crypto_provider();
    reqwest::Client::new()
}

/// A process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real registry on a free port, storing in `dir`, with an htpasswd line when given.
async fn docker_registry(
    binary: &Path,
    dir: &Path,
    htpasswd: Option<&str>,
) -> (Killed, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut yaml = format!(
        "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
        dir.join("data").display()
    );
    if let Some(line) = htpasswd {
        let file = dir.join("htpasswd");
        std::fs::write(&file, format!("{line}\n")).expect("htpasswd");
        yaml.push_str(&format!(
            "auth:\n  htpasswd:\n    realm: images\n    path: {}\n",
            file.display()
        ));
    }
    let config = dir.join("registry.yml");
    std::fs::write(&config, yaml).expect("config");
    let child = Command::new(binary)
        .arg("serve")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker-registry starts");
    let child = Killed(child);
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    for _ in 0..100 {
        if let Ok(answer) = client().get(format!("http://{address}/v2/")).send().await
            && (answer.status() == 200 || answer.status() == 401)
        {
            return (child, address);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("docker-registry did not answer on {address}");
}

/// What the binary itself reports on `/api/v1/version`, from a demo console.
async fn served_version() -> Value {
    let mut child = Command::new(BINARY)
        .args(["--demo", "--listen", "127.0.0.1:0"])
        .env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent-home")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let console = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let url = line
        .trim()
        .strip_prefix("Wheelhouse is listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    let version = client()
        .get(format!("{url}api/v1/version"))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    drop(console);
    version
}

async fn get(url: String, accept: &str) -> reqwest::Response {
    let answer = client()
        .get(&url)
        .header("accept", accept)
        .send()
        .await
        .expect("the registry answers");
    assert_eq!(answer.status(), 200, "GET {url}");
    answer
}

fn sha256(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// One file of a layer as a runtime unpacks it.
#[derive(Debug)]
struct Unpacked {
    mode: u32,
    uid: u64,
    gid: u64,
    mtime: u64,
    directory: bool,
    bytes: Vec<u8>,
}

#[tokio::test]
async fn the_image_pushed_to_a_real_registry_runs_the_console_as_nonroot_with_helm_and_the_binarys_own_labels()
 {
    let Some(registry) = find_tool("WHEELHOUSE_DOCKER_REGISTRY", "docker-registry") else {
        return;
    };
    let Some(helm) = find_tool("WHEELHOUSE_HELM", "helm") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.crt");
    std::fs::write(
        &ca,
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let binary = Path::new(BINARY);
    let info = BuildInfo::of_binary(binary).expect("the binary says which build it is");
    let contents = Contents::new(binary, &helm, &ca)
        .compression(Compression::fast())
        .allow_dynamic();
    let layout = Layout::write(&contents, &info, &dir.path().join("oci")).expect("written");

    let (_registry, address) = docker_registry(&registry, dir.path(), None).await;
    let reference: Reference = format!("{address}/team/wheelhouse")
        .parse()
        .expect("reference");
    let options = PushOptions {
        plain_http: true,
        ..PushOptions::default()
    };
    let pushed = push(&layout, &reference, &options).await.expect("pushed");
    assert_eq!((pushed.uploaded, pushed.skipped), (4, 0));
    assert_eq!(pushed.digest, layout.manifest.digest);
    assert_eq!(
        pushed.reference,
        format!("{address}/team/wheelhouse:{}", info.version)
    );
    let again = push(&layout, &reference, &options)
        .await
        .expect("pushed again");
    assert_eq!(
        (again.uploaded, again.skipped),
        (0, 4),
        "blobs the registry has are not sent twice"
    );

    // The manifest, by tag, as a runtime asks for it.
    let base = format!("http://{address}/v2/team/wheelhouse");
    let answer = get(
        format!("{base}/manifests/{}", info.version),
        MEDIA_TYPE_MANIFEST,
    )
    .await;
    assert_eq!(
        answer.headers()["docker-content-digest"].to_str().ok(),
        Some(layout.manifest.digest.as_str())
    );
    let manifest: Value = answer.json().await.expect("JSON");
    assert_eq!(manifest["mediaType"], MEDIA_TYPE_MANIFEST);
    let layers = manifest["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 3);

    // The config: how the image runs, and which build it carries.
    let config_digest = manifest["config"]["digest"].as_str().expect("digest");
    let config_bytes = get(format!("{base}/blobs/{config_digest}"), "*/*")
        .await
        .bytes()
        .await
        .expect("config");
    let config: Value = serde_json::from_slice(&config_bytes).expect("JSON");
    let run = &config["config"];
    assert_eq!(run["User"], "65532:65532");
    assert_eq!(
        run["Entrypoint"],
        serde_json::json!(["/usr/local/bin/wheelhouse"])
    );
    let env: Vec<&str> = run["Env"]
        .as_array()
        .expect("Env")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        env.contains(&"WHEELHOUSE_HELM_PATH=/usr/local/bin/helm"),
        "{env:?}"
    );
    assert!(
        !env.iter()
            .any(|e| e.starts_with("WHEELHOUSE_LISTEN") || e.starts_with("WHEELHOUSE_LOGIN")),
        "listening beyond loopback needs a login mode, which only the deployment names: {env:?}"
    );
    assert!(run["ExposedPorts"]["8080/tcp"].is_object(), "{run}");
    assert_eq!(config["os"], "linux");

    // The labels say what the running binary says of itself.
    let served = served_version().await;
    let labels = &run["Labels"];
    assert_eq!(
        labels["org.opencontainers.image.version"], served["version"],
        "{served}"
    );
    assert_eq!(
        labels["org.opencontainers.image.revision"], served["gitCommit"],
        "{served}"
    );
    assert_eq!(
        labels["org.opencontainers.image.created"], served["buildTime"],
        "{served}"
    );
    assert_eq!(config["created"], served["buildTime"]);
    assert_eq!(labels["org.opencontainers.image.title"], "wheelhouse");
    assert_eq!(labels["org.opencontainers.image.licenses"], "Apache-2.0");
    assert!(
        labels["org.opencontainers.image.source"]
            .as_str()
            .is_some_and(|s| s.starts_with("https://"))
    );

    // Every layer: its digest, its uncompressed digest in the config, and its files.
    let diff_ids = config["rootfs"]["diff_ids"].as_array().expect("diff_ids");
    let mut files: BTreeMap<String, Unpacked> = BTreeMap::new();
    for (layer, diff_id) in layers.iter().zip(diff_ids) {
        assert_eq!(
            layer["mediaType"],
            "application/vnd.oci.image.layer.v1.tar+gzip"
        );
        let digest = layer["digest"].as_str().expect("digest");
        let blob = get(format!("{base}/blobs/{digest}"), "*/*")
            .await
            .bytes()
            .await
            .expect("layer");
        assert_eq!(sha256(&blob), digest);
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(&blob[..])
            .read_to_end(&mut tar)
            .expect("gzip");
        assert_eq!(
            Some(sha256(&tar).as_str()),
            diff_id.as_str(),
            "the config names the layer's content"
        );
        let mut archive = tar::Archive::new(&tar[..]);
        for entry in archive.entries().expect("a tar") {
            let mut entry = entry.expect("an entry");
            let header = entry.header().clone();
            let path = entry.path().expect("path").display().to_string();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("contents");
            files.insert(
                path.trim_end_matches('/').to_string(),
                Unpacked {
                    mode: header.mode().expect("mode"),
                    uid: header.uid().expect("uid"),
                    gid: header.gid().expect("gid"),
                    mtime: header.mtime().expect("mtime"),
                    directory: header.entry_type().is_dir(),
                    bytes,
                },
            );
        }
    }
    let file = |path: &str| {
        files
            .get(path)
            .unwrap_or_else(|| panic!("{path} is in the image: {:?}", files.keys()))
    };
    for (path, source) in [
        ("usr/local/bin/wheelhouse", binary),
        ("usr/local/bin/helm", helm.as_path()),
    ] {
        let unpacked = file(path);
        assert_eq!(
            unpacked.mode, 0o755,
            "{path} is executable and not writable by its user"
        );
        assert_eq!(
            (unpacked.uid, unpacked.gid),
            (0, 0),
            "{path} is owned by root"
        );
        assert!(
            unpacked.bytes == std::fs::read(source).expect("read"),
            "{path} is the binary given"
        );
    }
    // What the config runs and points helm at is there and executable.
    for path in [
        run["Entrypoint"][0].as_str().expect("entrypoint"),
        "/usr/local/bin/helm",
    ] {
        assert!(
            file(path.trim_start_matches('/')).mode & 0o111 == 0o111,
            "{path}"
        );
    }
    let tmp = file("tmp");
    assert!(
        tmp.directory && tmp.mode == 0o1777,
        "/tmp is writable by anyone, sticky: {:o}",
        tmp.mode
    );
    let passwd = String::from_utf8_lossy(&file("etc/passwd").bytes).to_string();
    assert!(passwd.contains("nonroot:x:65532:65532:"), "{passwd}");
    let group = String::from_utf8_lossy(&file("etc/group").bytes).to_string();
    assert!(group.contains("nonroot:x:65532:"), "{group}");
    assert_eq!(
        file("etc/ssl/certs/ca-certificates.crt").bytes,
        std::fs::read(&ca).expect("read")
    );
    assert!(!files.contains_key("bin/sh"), "no shell");
    assert!(
        files.values().all(|f| f.mtime == info.created_seconds),
        "every file has the build's time, so the same build gives the same digests"
    );
}

/// `ann` with the password `s3cret`, hashed with bcrypt as docker-registry's htpasswd wants.
const REGISTRY_LOGIN: &str = "ann:$2b$04$GAyVhsr89WETFDWenk/TyeDB.8Wju2jK0iyDJTCQY.9fAvMtaXiqu";

#[tokio::test]
async fn a_registry_that_asks_for_a_login_is_refused_without_one_and_takes_the_image_with_it() {
    let Some(registry) = find_tool("WHEELHOUSE_DOCKER_REGISTRY", "docker-registry") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    // A small layout: any executable stands in for both binaries.
    let shell = Path::new("/bin/sh");
    let info = BuildInfo::parse("wheelhouse 0.0.1\ncommit: test\nbuilt: 2026-01-01T00:00:00Z\n")
        .expect("parses");
    let layout = Layout::write(
        &Contents::new(shell, shell, shell)
            .compression(Compression::fast())
            .allow_dynamic(),
        &info,
        &dir.path().join("oci"),
    )
    .expect("written");
    let (_registry, address) = docker_registry(&registry, dir.path(), Some(REGISTRY_LOGIN)).await;
    let reference: Reference = format!("{address}/private/wheelhouse:test")
        .parse()
        .expect("reference");
    let anonymous = PushOptions {
        plain_http: true,
        ..PushOptions::default()
    };
    let error = push(&layout, &reference, &anonymous)
        .await
        .expect_err("refused");
    assert!(
        error.to_string().contains("--username"),
        "the refusal says what to give: {error}"
    );
    let wrong = PushOptions {
        username: Some("ann".into()),
        password: Some("wrong".into()),
        ..anonymous.clone()
    };
    let error = push(&layout, &reference, &wrong)
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("401"), "{error}");
    let login = PushOptions {
        password: Some("s3cret".into()),
        ..wrong
    };
    let pushed = push(&layout, &reference, &login)
        .await
        .expect("pushed with the login");
    assert_eq!(pushed.digest, layout.manifest.digest);
}
