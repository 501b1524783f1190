//! The helm binary: finding it, and running it with a private kubeconfig, streaming its output.
//!
//! Credentials never appear on helm's command line: they go into a kubeconfig file readable only
//! by this process's user (0600, in a private temporary directory), which is removed when the
//! command ends.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use serde::Serialize;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;
use ts_rs::TS;

/// How long `helm version` may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether helm can be run, as `GET /api/v1/apps/helm` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(untagged)]
pub enum HelmStatus {
    Available {
        #[ts(type = "true")]
        available: bool,
        path: PathBuf,
        version: String,
    },
    Unavailable {
        #[ts(type = "false")]
        available: bool,
        /// In English, for scripts and the log; the web app words `problem` in the person's language.
        reason: String,
        problem: HelmProblem,
    },
}

/// Why helm cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum HelmProblem {
    /// No `--helm-path`, no `helm` on PATH, none where `cargo xtask run` installs one.
    NotFound {
        /// The tools cache that was looked in (`~/.cache/wheelhouse/tools/bin/helm`).
        searched: Option<PathBuf>,
    },
    /// `--helm-path` names no file.
    Missing { path: PathBuf },
    /// The binary is there but `helm version` failed, could not start or did not answer.
    Broken { path: PathBuf, detail: String },
}

impl HelmStatus {
    pub fn reason(&self) -> Option<&str> {
        match self {
            HelmStatus::Available { .. } => None,
            HelmStatus::Unavailable { reason, .. } => Some(reason),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            HelmStatus::Available { path, .. } => Some(path),
            HelmStatus::Unavailable { .. } => None,
        }
    }
}

/// Where `cargo xtask run` (and `cargo xtask tools`) install helm: `$WHEELHOUSE_TOOLS/bin/helm`,
/// else `$HOME/.cache/wheelhouse/tools/bin/helm`.
pub fn tools_cache_helm() -> Option<PathBuf> {
    let tools = std::env::var_os("WHEELHOUSE_TOOLS")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| PathBuf::from(home).join(".cache/wheelhouse/tools"))
        })?;
    Some(tools.join("bin/helm"))
}

/// Finds helm (`configured`, else `helm` on PATH, else `tools_cache`) and asks its version.
pub async fn locate(configured: Option<&Path>, tools_cache: Option<PathBuf>) -> HelmStatus {
    locate_with(configured, std::env::var_os("PATH"), tools_cache.as_deref()).await
}

async fn locate_with(
    configured: Option<&Path>,
    search_path: Option<std::ffi::OsString>,
    tools_cache: Option<&Path>,
) -> HelmStatus {
    let unavailable = |problem: HelmProblem| HelmStatus::Unavailable {
        available: false,
        reason: match &problem {
            HelmProblem::NotFound {
                searched: Some(searched),
            } => format!(
                "no helm binary: set --helm-path, put helm on PATH, or run `cargo xtask run` (which installs one in {})",
                searched.display()
            ),
            HelmProblem::NotFound { searched: None } => {
                "no helm binary: set --helm-path or put helm on PATH".to_string()
            }
            HelmProblem::Missing { path } => {
                format!("no helm binary at {} (from --helm-path)", path.display())
            }
            HelmProblem::Broken { path, detail } => format!("{} {detail}", path.display()),
        },
        problem,
    };
    let path = match configured {
        Some(path) => {
            if !path.is_file() {
                return unavailable(HelmProblem::Missing {
                    path: path.to_path_buf(),
                });
            }
            path.to_path_buf()
        }
        None => match find_on_path(search_path, "helm")
            .or_else(|| tools_cache.filter(|p| p.is_file()).map(Path::to_path_buf))
        {
            Some(path) => path,
            None => {
                return unavailable(HelmProblem::NotFound {
                    searched: tools_cache.map(Path::to_path_buf),
                });
            }
        },
    };
    let output = tokio::time::timeout(
        VERSION_TIMEOUT,
        Command::new(&path)
            .args(["version", "--template", "{{.Version}}"])
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await;
    let broken = |detail: String| {
        unavailable(HelmProblem::Broken {
            path: path.clone(),
            detail,
        })
    };
    match output {
        Ok(Ok(output)) if output.status.success() => HelmStatus::Available {
            available: true,
            path,
            version: String::from_utf8_lossy(&output.stdout).trim().to_string(),
        },
        Ok(Ok(output)) => broken(format!(
            "version failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Ok(Err(error)) => broken(format!("cannot be run: {error}")),
        Err(_) => broken(format!(
            "version did not answer within {} s",
            VERSION_TIMEOUT.as_secs()
        )),
    }
}

fn find_on_path(search_path: Option<std::ffi::OsString>, name: &str) -> Option<PathBuf> {
    std::env::split_paths(&search_path?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A kubeconfig (YAML) for the connection `config` describes: its address, CA, and credentials.
pub fn kubeconfig_yaml(config: &kube::Config) -> crate::Result<String> {
    let mut cluster =
        serde_json::json!({"server": config.cluster_url.to_string().trim_end_matches('/')});
    if let Some(roots) = &config.root_cert {
        let pem: String = roots.iter().map(|der| pem_certificate(der)).collect();
        cluster["certificate-authority-data"] =
            serde_json::json!(base64::engine::general_purpose::STANDARD.encode(pem));
    } else if let Some(file) = &config.root_cert_file {
        cluster["certificate-authority"] = serde_json::json!(file);
    }
    if config.accept_invalid_certs {
        cluster["insecure-skip-tls-verify"] = serde_json::json!(true);
    }
    if let Some(name) = &config.tls_server_name {
        cluster["tls-server-name"] = serde_json::json!(name);
    }
    if let Some(proxy) = &config.proxy_url {
        cluster["proxy-url"] = serde_json::json!(proxy.to_string());
    }
    let user = serde_json::to_value(&config.auth_info)
        .map_err(|e| crate::Error::Kubeconfig(e.to_string()))?;
    let kubeconfig = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "wheelhouse", "cluster": cluster}],
        "users": [{"name": "wheelhouse", "user": user}],
        "contexts": [{"name": "wheelhouse", "context": {"cluster": "wheelhouse", "user": "wheelhouse", "namespace": config.default_namespace}}],
        "current-context": "wheelhouse",
    });
    serde_yaml::to_string(&kubeconfig).map_err(|e| crate::Error::Kubeconfig(e.to_string()))
}

fn pem_certificate(der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// A private directory holding one command's kubeconfig; removed when dropped.
#[derive(Debug)]
pub struct PrivateKubeconfig {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl PrivateKubeconfig {
    pub fn write(yaml: &str) -> std::io::Result<Self> {
        use std::io::Write as _;
        let dir = tempfile::Builder::new()
            .prefix("wheelhouse-helm-")
            .tempdir()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
        }
        let path = dir.path().join("kubeconfig");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(&path)?;
        file.write_all(yaml.as_bytes())?;
        file.sync_all()?;
        Ok(Self { dir, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory helm may use for its cache and config (inside the private one).
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
}

/// How a helm command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// helm exited non-zero; the message is its `Error: …` line(s).
    Failed(String),
    TimedOut,
}

/// Runs helm with `args` and the kubeconfig, sending each line it prints (stdout and stderr,
/// interleaved as they come) to `line`; gives up after `timeout`.
pub async fn run(
    helm: &Path,
    args: &[String],
    kubeconfig: &PrivateKubeconfig,
    timeout: Duration,
    mut line: impl FnMut(String) + Send,
) -> std::io::Result<Outcome> {
    let home = kubeconfig.home();
    std::fs::create_dir_all(&home)?;
    let mut command = Command::new(helm);
    // helm reads the cluster from HELM_KUBE* and KUBE* variables before the kubeconfig, and
    // its homes from HELM_*: none of Wheelhouse's own may leak in. The rest (proxies, a
    // credential plugin's settings) stays.
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if key_text.starts_with("HELM_") || key_text.starts_with("KUBE") {
            command.env_remove(&key);
        }
    }
    let mut child = command
        .args(args)
        .env("HOME", &home)
        .env("KUBECONFIG", kubeconfig.path())
        .env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().map(|s| BufReader::new(s).lines());
    let stderr = child.stderr.take().map(|s| BufReader::new(s).lines());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(bool, String)>(256);
    if let Some(mut lines) = stdout {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Ok(Some(l)) = lines.next_line().await {
                if tx.send((false, l)).await.is_err() {
                    break;
                }
            }
        });
    }
    if let Some(mut lines) = stderr {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Ok(Some(l)) = lines.next_line().await {
                if tx.send((true, l)).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);
    let mut errors = Vec::new();
    let work = async {
        while let Some((is_err, text)) = rx.recv().await {
            if is_err && (text.starts_with("Error:") || !errors.is_empty()) {
                errors.push(text.clone());
            }
            line(text);
        }
        child.wait().await
    };
    let status = match tokio::time::timeout(timeout, work).await {
        Ok(status) => status?,
        Err(_) => {
            let _ = child.kill().await;
            return Ok(Outcome::TimedOut);
        }
    };
    if status.success() {
        Ok(Outcome::Succeeded)
    } else if errors.is_empty() {
        Ok(Outcome::Failed(format!("helm exited with {status}")))
    } else {
        Ok(Outcome::Failed(errors.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kubeconfig_carries_the_address_ca_and_token_and_is_private() {
        let mut config = kube::Config::new("https://127.0.0.1:6443".parse().expect("uri"));
        config.root_cert = Some(vec![vec![1, 2, 3]]);
        config.auth_info.token = Some("s3cret-token".to_string().into());
        let yaml = kubeconfig_yaml(&config).expect("yaml");
        let parsed: serde_json::Value = serde_yaml::from_str(&yaml).expect("parses");
        assert_eq!(
            parsed["clusters"][0]["cluster"]["server"],
            "https://127.0.0.1:6443"
        );
        assert_eq!(parsed["users"][0]["user"]["token"], "s3cret-token");
        let ca = parsed["clusters"][0]["cluster"]["certificate-authority-data"]
            .as_str()
            .expect("ca");
        let pem = base64::engine::general_purpose::STANDARD
            .decode(ca)
            .expect("base64");
        assert!(String::from_utf8_lossy(&pem).starts_with("-----BEGIN CERTIFICATE-----\nAQID\n"));

        let file = PrivateKubeconfig::write(&yaml).expect("written");
        let path = file.path().to_path_buf();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)
                .expect("exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir = std::fs::metadata(path.parent().expect("dir"))
                .expect("dir")
                .permissions()
                .mode();
            assert_eq!(dir & 0o777, 0o700);
        }
        drop(file);
        assert!(!path.exists(), "the kubeconfig is removed after use");
    }

    /// A stand-in for helm: a shell script (the real helm is used by the server's tests).
    #[cfg(unix)]
    fn script(dir: &Path, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join("fake-helm");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_runner_streams_lines_keeps_the_error_and_stops_at_the_timeout() {
        let dir = tempfile::tempdir().expect("dir");
        let kubeconfig = PrivateKubeconfig::write("apiVersion: v1\n").expect("kubeconfig");
        let failing = script(
            dir.path(),
            "echo installing; echo \"KUBECONFIG=$KUBECONFIG\"; echo 'Error: INSTALLATION FAILED: boom' >&2; exit 1",
        );
        let mut lines = Vec::new();
        let outcome = run(&failing, &[], &kubeconfig, Duration::from_secs(10), |l| {
            lines.push(l)
        })
        .await
        .expect("runs");
        assert_eq!(
            outcome,
            Outcome::Failed("Error: INSTALLATION FAILED: boom".into())
        );
        assert!(lines.contains(&"installing".to_string()), "{lines:?}");
        let expected = format!("KUBECONFIG={}", kubeconfig.path().display());
        assert!(
            lines.contains(&expected),
            "helm reads the private kubeconfig: {lines:?}"
        );

        let slow = script(dir.path(), "echo started; exec sleep 30");
        let started = std::time::Instant::now();
        let outcome = run(&slow, &[], &kubeconfig, Duration::from_millis(300), |_| {})
            .await
            .expect("runs");
        assert_eq!(outcome, Outcome::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[tokio::test]
    async fn a_missing_helm_is_reported_with_the_reason() {
        let status = locate(Some(Path::new("/nonexistent/helm")), None).await;
        assert!(
            status
                .reason()
                .expect("unavailable")
                .contains("/nonexistent/helm")
        );
        assert!(matches!(
            status,
            HelmStatus::Unavailable {
                problem: HelmProblem::Missing { .. },
                ..
            }
        ));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn helm_in_the_tools_cache_is_found_when_none_is_configured_or_on_path() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let cached = script(dir.path(), "echo v9.9.9");
        let empty_path = Some(std::ffi::OsString::from(dir.path().join("empty")));
        let status = locate_with(None, empty_path.clone(), Some(&cached)).await;
        assert_eq!(status.path(), Some(cached.as_path()));
        let missing = dir.path().join("no/helm");
        let status = locate_with(None, empty_path, Some(&missing)).await;
        {
            assert_eq!(
                status,
                HelmStatus::Unavailable {
                    available: false,
                    reason: format!(
                        "no helm binary: set --helm-path, put helm on PATH, or run `cargo xtask run` (which installs one in {})",
                        missing.display()
                    ),
                    problem: HelmProblem::NotFound {
                        searched: Some(missing)
                    },
                }
            );
        }
    }
}
