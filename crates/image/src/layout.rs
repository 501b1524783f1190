//! The image as an OCI image layout: three layers (base files, helm, wheelhouse), the config
//! that says how to run it, the manifest, `index.json` and `oci-layout`.

use std::path::{Path, PathBuf};

use flate2::Compression;
use serde_json::{Value, json};

use crate::layer::{Entry, LayerBlob, sha256, write_layer};
use crate::{BuildInfo, Elf, Error, Result};

/// Who the console runs as: uid and gid 65532 (`nonroot`), never root.
pub const USER: &str = "65532:65532";
/// The console binary, run as the image's entrypoint.
pub const ENTRYPOINT: &str = "/usr/local/bin/wheelhouse";
/// The helm the app store runs, given to the console as `WHEELHOUSE_HELM_PATH`.
pub const HELM_PATH: &str = "/usr/local/bin/helm";
/// The port the chart serves on (`--listen 0.0.0.0:8080`; the image itself keeps the loopback
/// default, because beyond loopback the console needs a login mode only its deployment can name).
pub const PORT: &str = "8080/tcp";

pub const MEDIA_TYPE_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MEDIA_TYPE_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MEDIA_TYPE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const MEDIA_TYPE_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

const PASSWD: &str =
    "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n";
const GROUP: &str = "root:x:0:\nnonroot:x:65532:\n";
/// Host names from /etc/hosts (which the container runtime provides), then DNS.
const NSSWITCH: &str = "hosts: files dns\n";

/// The files the image is made of, from the build machine.
#[derive(Debug, Clone)]
pub struct Contents {
    pub wheelhouse: PathBuf,
    pub helm: PathBuf,
    /// A CA bundle (`/etc/ssl/certs/ca-certificates.crt` on Debian), so that the console and helm
    /// verify chart repositories and OIDC issuers over https.
    pub ca_certificates: PathBuf,
    compression: Compression,
    require_static: bool,
}

impl Contents {
    pub fn new(wheelhouse: &Path, helm: &Path, ca_certificates: &Path) -> Self {
        Self {
            wheelhouse: wheelhouse.to_path_buf(),
            helm: helm.to_path_buf(),
            ca_certificates: ca_certificates.to_path_buf(),
            compression: Compression::best(),
            require_static: true,
        }
    }

    /// How hard gzip works (best by default: the image is pulled more often than built).
    #[must_use]
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Takes dynamically linked executables too. Such an image does not start (it has no C
    /// library); tests use it to build layouts from the debug binary they already have.
    #[must_use]
    pub fn allow_dynamic(mut self) -> Self {
        self.require_static = false;
        self
    }

    /// The architecture both executables are built for; refuses a mix, a non-ELF file and,
    /// unless allowed, a dynamically linked one.
    fn architecture(&self) -> Result<crate::Architecture> {
        let wheelhouse = Elf::inspect(&self.wheelhouse)?;
        let helm = Elf::inspect(&self.helm)?;
        for (path, elf) in [(&self.wheelhouse, wheelhouse), (&self.helm, helm)] {
            if self.require_static && !elf.is_static {
                return Err(Error::Executable {
                    path: path.clone(),
                    reason:
                        "it is dynamically linked, and the image has no C library to run it with; \
                             build it static (`cargo xtask image` does)"
                            .into(),
                });
            }
        }
        if wheelhouse.architecture != helm.architecture {
            return Err(Error::Executable {
                path: self.helm.clone(),
                reason: format!(
                    "it is built for {}, wheelhouse for {}",
                    helm.architecture.oci_name(),
                    wheelhouse.architecture.oci_name()
                ),
            });
        }
        Ok(wheelhouse.architecture)
    }

    /// The three layers' entries: what changes least comes first, so a registry keeps it.
    fn layers(&self) -> [(&'static str, Vec<Entry>); 3] {
        let bin_dirs = || {
            vec![
                Entry::directory("usr", 0o755),
                Entry::directory("usr/local", 0o755),
                Entry::directory("usr/local/bin", 0o755),
            ]
        };
        let mut helm = bin_dirs();
        helm.push(Entry::file("usr/local/bin/helm", 0o755, &self.helm));
        let mut wheelhouse = bin_dirs();
        wheelhouse.push(Entry::file(
            "usr/local/bin/wheelhouse",
            0o755,
            &self.wheelhouse,
        ));
        [
            (
                "base: /etc/passwd and /etc/group (nonroot 65532), nsswitch.conf, CA certificates, /tmp",
                vec![
                    Entry::directory("etc", 0o755),
                    Entry::bytes("etc/group", 0o644, GROUP),
                    Entry::bytes("etc/nsswitch.conf", 0o644, NSSWITCH),
                    Entry::bytes("etc/passwd", 0o644, PASSWD),
                    Entry::directory("etc/ssl", 0o755),
                    Entry::directory("etc/ssl/certs", 0o755),
                    Entry::file(
                        "etc/ssl/certs/ca-certificates.crt",
                        0o644,
                        &self.ca_certificates,
                    ),
                    Entry::directory("tmp", 0o1777),
                ],
            ),
            ("helm: /usr/local/bin/helm", helm),
            ("wheelhouse: /usr/local/bin/wheelhouse", wheelhouse),
        ]
    }
}

/// A content descriptor: what a manifest or index says of a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

/// An image layout on disk.
#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
    /// The tag `index.json` names the image by (`org.opencontainers.image.ref.name`).
    pub tag: String,
    pub manifest: Descriptor,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

impl Layout {
    /// Writes the image into `dir` (created; an earlier layout there is replaced, anything else
    /// is refused).
    pub fn write(contents: &Contents, info: &BuildInfo, dir: &Path) -> Result<Self> {
        let architecture = contents.architecture()?;
        prepare(dir)?;
        let blobs = dir.join("blobs/sha256");
        let layers = contents.layers();
        let mut written: Vec<LayerBlob> = Vec::new();
        for (_, entries) in &layers {
            written.push(write_layer(
                entries,
                info.created_seconds,
                contents.compression,
                &blobs,
            )?);
        }
        let history: Vec<Value> = layers
            .iter()
            .map(|(what, _)| json!({"created": info.created, "created_by": format!("cargo xtask image ({what})")}))
            .collect();
        let config = json!({
            "created": info.created,
            "architecture": architecture.oci_name(),
            "os": "linux",
            "config": {
                "User": USER,
                "Entrypoint": [ENTRYPOINT],
                "Env": [
                    "PATH=/usr/local/bin",
                    format!("WHEELHOUSE_HELM_PATH={HELM_PATH}"),
                ],
                "ExposedPorts": {PORT: {}},
                "WorkingDir": "/tmp",
                "Labels": labels(info),
            },
            "rootfs": {
                "type": "layers",
                "diff_ids": written.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>(),
            },
            "history": history,
        });
        let config = write_blob(&blobs, MEDIA_TYPE_CONFIG, &config)?;
        let layers: Vec<Descriptor> = written
            .into_iter()
            .map(|layer| Descriptor {
                media_type: MEDIA_TYPE_LAYER.into(),
                digest: layer.digest,
                size: layer.size,
            })
            .collect();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": MEDIA_TYPE_MANIFEST,
            "config": descriptor_json(&config),
            "layers": layers.iter().map(descriptor_json).collect::<Vec<_>>(),
            "annotations": {"org.opencontainers.image.created": info.created},
        });
        let manifest = write_blob(&blobs, MEDIA_TYPE_MANIFEST, &manifest)?;
        let mut entry = descriptor_json(&manifest);
        entry["annotations"] = json!({"org.opencontainers.image.ref.name": info.version});
        entry["platform"] = json!({"architecture": architecture.oci_name(), "os": "linux"});
        let index = json!({
            "schemaVersion": 2,
            "mediaType": MEDIA_TYPE_INDEX,
            "manifests": [entry],
        });
        write_file(&dir.join("index.json"), &to_bytes(&index))?;
        write_file(
            &dir.join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )?;
        Ok(Self {
            dir: dir.to_path_buf(),
            tag: info.version.clone(),
            manifest,
            config,
            layers,
        })
    }

    /// Reads a layout written by [`Layout::write`] (or any single-image OCI layout), within
    /// size limits, refusing digests that are not `sha256:` and 64 hex digits.
    pub fn read(dir: &Path) -> Result<Self> {
        let bad = |reason: String| Error::Layout {
            path: dir.to_path_buf(),
            reason,
        };
        let index: Value = serde_json::from_slice(&read_bounded(&dir.join("index.json"))?)
            .map_err(|e| bad(format!("index.json is not JSON: {e}")))?;
        let manifests = index["manifests"]
            .as_array()
            .ok_or_else(|| bad("index.json lists no manifests".into()))?;
        let [entry] = manifests.as_slice() else {
            return Err(bad(format!(
                "index.json lists {} manifests; one image is pushed at a time",
                manifests.len()
            )));
        };
        let manifest = descriptor(entry).map_err(&bad)?;
        if manifest.media_type != MEDIA_TYPE_MANIFEST {
            return Err(bad(format!(
                "the index names a {}, not an image manifest",
                manifest.media_type
            )));
        }
        let tag = entry["annotations"]["org.opencontainers.image.ref.name"]
            .as_str()
            .unwrap_or("latest")
            .to_string();
        let layout = Self {
            dir: dir.to_path_buf(),
            tag,
            config: manifest.clone(),
            layers: Vec::new(),
            manifest,
        };
        let bytes = read_bounded(&layout.blob(&layout.manifest.digest))?;
        if sha256(&bytes) != layout.manifest.digest {
            return Err(bad("the manifest blob does not match its digest".into()));
        }
        let body: Value = serde_json::from_slice(&bytes)
            .map_err(|e| bad(format!("the manifest is not JSON: {e}")))?;
        let config = descriptor(&body["config"]).map_err(&bad)?;
        let layers = body["layers"]
            .as_array()
            .ok_or_else(|| bad("the manifest has no layers".into()))?
            .iter()
            .map(descriptor)
            .collect::<Result<Vec<_>, String>>()
            .map_err(&bad)?;
        Ok(Self {
            config,
            layers,
            ..layout
        })
    }

    /// Where a blob of this layout lies.
    pub fn blob(&self, digest: &str) -> PathBuf {
        self.dir
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    }

    /// The image's size as a registry stores and a node pulls it: layers, config and manifest.
    pub fn compressed_size(&self) -> u64 {
        self.manifest.size + self.config.size + self.layers.iter().map(|l| l.size).sum::<u64>()
    }
}

/// The OCI annotations the image is labelled with, from the binary's own build info and this
/// workspace's package metadata.
pub fn labels(info: &BuildInfo) -> Value {
    json!({
        "org.opencontainers.image.title": "wheelhouse",
        "org.opencontainers.image.description": "Wheelhouse: a fast, honest Kubernetes web console",
        "org.opencontainers.image.version": info.version,
        "org.opencontainers.image.revision": info.revision,
        "org.opencontainers.image.created": info.created,
        "org.opencontainers.image.source": env!("CARGO_PKG_REPOSITORY"),
        "org.opencontainers.image.licenses": env!("CARGO_PKG_LICENSE"),
    })
}

/// Makes `dir` an empty folder, replacing an earlier layout but nothing else.
fn prepare(dir: &Path) -> Result<()> {
    let io = |what, source| Error::File {
        what,
        path: dir.to_path_buf(),
        source,
    };
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(|e| io("cannot list", e))?
            .next()
            .is_none();
        if !empty {
            if !dir.join("oci-layout").is_file() {
                return Err(Error::NotALayout(dir.to_path_buf()));
            }
            std::fs::remove_dir_all(dir).map_err(|e| io("cannot replace the earlier layout", e))?;
        }
    }
    std::fs::create_dir_all(dir.join("blobs/sha256")).map_err(|e| io("cannot create", e))
}

fn descriptor_json(descriptor: &Descriptor) -> Value {
    json!({
        "mediaType": descriptor.media_type,
        "digest": descriptor.digest,
        "size": descriptor.size,
    })
}

/// A descriptor from JSON, its digest checked so that it can name a file safely.
fn descriptor(value: &Value) -> Result<Descriptor, String> {
    let digest = value["digest"].as_str().unwrap_or_default();
    let hex = digest.strip_prefix("sha256:").unwrap_or_default();
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!("{digest:?} is not a sha256 digest"));
    }
    Ok(Descriptor {
        media_type: value["mediaType"].as_str().unwrap_or_default().to_string(),
        digest: digest.to_string(),
        size: value["size"]
            .as_u64()
            .ok_or_else(|| format!("the descriptor of {digest} has no size"))?,
    })
}

fn to_bytes(value: &Value) -> Vec<u8> {
    // Serialising a `Value` cannot fail: its keys are strings.
    serde_json::to_vec(value).unwrap_or_default()
}

fn write_blob(blobs: &Path, media_type: &str, value: &Value) -> Result<Descriptor> {
    let bytes = to_bytes(value);
    let digest = sha256(&bytes);
    write_file(&blobs.join(digest.trim_start_matches("sha256:")), &bytes)?;
    Ok(Descriptor {
        media_type: media_type.into(),
        size: bytes.len() as u64,
        digest,
    })
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::File {
        what: "cannot write",
        path: path.to_path_buf(),
        source,
    })
}

/// Index and manifest documents are small; 1 MiB is far more than either needs.
const DOCUMENT_BUDGET: u64 = 1024 * 1024;

fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let io = |source| Error::File {
        what: "cannot read",
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(DOCUMENT_BUDGET + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > DOCUMENT_BUDGET {
        return Err(Error::Layout {
            path: path.to_path_buf(),
            reason: format!("the file is larger than {DOCUMENT_BUDGET} bytes"),
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> BuildInfo {
        BuildInfo::parse("wheelhouse 9.8.7\ncommit: abc123\nbuilt: 2026-12-06T23:16:01Z\n")
            .expect("parses")
    }

    /// Contents made of this machine's shell (some ELF executable) and a small CA file.
    fn contents(dir: &Path) -> Contents {
        let ca = dir.join("ca.crt");
        std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").expect("write");
        let shell = Path::new("/bin/sh");
        Contents::new(shell, shell, &ca)
            .compression(Compression::fast())
            .allow_dynamic()
    }

    #[test]
    fn the_same_inputs_give_the_same_manifest_digest() {
        let dir = tempfile::tempdir().expect("dir");
        let contents = contents(dir.path());
        let first = Layout::write(&contents, &info(), &dir.path().join("a")).expect("written");
        let second = Layout::write(&contents, &info(), &dir.path().join("b")).expect("written");
        assert_eq!(first.manifest, second.manifest);
        assert_eq!(first.layers.len(), 3);
        let read = Layout::read(&dir.path().join("a")).expect("read back");
        assert_eq!(read.manifest, first.manifest);
        assert_eq!(read.config, first.config);
        assert_eq!(read.layers, first.layers);
        assert_eq!(read.tag, "9.8.7");
    }

    #[test]
    fn the_config_runs_the_console_as_nonroot_with_the_labels_of_the_binary() {
        let dir = tempfile::tempdir().expect("dir");
        let layout = Layout::write(&contents(dir.path()), &info(), &dir.path().join("out"))
            .expect("written");
        let config: Value = serde_json::from_slice(
            &std::fs::read(layout.blob(&layout.config.digest)).expect("read"),
        )
        .expect("JSON");
        assert_eq!(config["config"]["User"], "65532:65532");
        assert_eq!(
            config["config"]["Entrypoint"],
            json!(["/usr/local/bin/wheelhouse"])
        );
        let labels = &config["config"]["Labels"];
        assert_eq!(labels["org.opencontainers.image.version"], "9.8.7");
        assert_eq!(labels["org.opencontainers.image.revision"], "abc123");
        assert_eq!(
            labels["org.opencontainers.image.created"],
            "2026-12-06T23:16:01Z"
        );
        assert_eq!(labels["org.opencontainers.image.licenses"], "Apache-2.0");
        assert_eq!(config["created"], "2026-12-06T23:16:01Z");
        assert_eq!(
            config["rootfs"]["diff_ids"].as_array().map(Vec::len),
            Some(3)
        );
    }

    #[test]
    fn a_dynamic_executable_is_refused_unless_allowed() {
        let dir = tempfile::tempdir().expect("dir");
        let ca = dir.path().join("ca.crt");
        std::fs::write(&ca, "x").expect("write");
        // Cargo's test harness is itself an executable linked as this machine links them.
        let me = std::env::current_exe().expect("the test binary");
        if Elf::inspect(&me).expect("ELF").is_static {
            return;
        }
        let error = Layout::write(
            &Contents::new(&me, &me, &ca),
            &info(),
            &dir.path().join("out"),
        )
        .expect_err("refused");
        assert!(error.to_string().contains("dynamically linked"), "{error}");
    }

    #[test]
    fn a_folder_that_is_not_a_layout_is_left_alone() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        let error = Layout::write(&contents(dir.path()), &info(), dir.path()).expect_err("refused");
        assert!(matches!(error, Error::NotALayout(_)), "{error}");
        assert!(dir.path().join("notes.txt").exists());
    }

    #[test]
    fn a_layout_whose_index_names_a_path_instead_of_a_digest_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("index.json"),
            r#"{"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../../etc/passwd","size":1}]}"#,
        )
        .expect("write");
        let error = Layout::read(dir.path()).expect_err("refused");
        assert!(
            error.to_string().contains("is not a sha256 digest"),
            "{error}"
        );
    }
}
