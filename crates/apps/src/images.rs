//! Container images, without I/O: image references as Kubernetes writes them (`nginx`,
//! `host:5000/team/app:1.2@sha256:…`), tags in the order a person looks for them, and what a
//! manifest, an index and an image config say, shaped for the registry browser.
//!
//! ```
//! use wheelhouse_apps::images::ImageRef;
//!
//! let image = ImageRef::parse("nginx").expect("a reference");
//! assert_eq!(image.host, "docker.io");
//! assert_eq!(image.repository, "library/nginx");
//! assert_eq!(image.tag.as_deref(), Some("latest"));
//! ```

use std::cmp::Ordering;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// Docker Hub's name in references, and the host its API is served from.
pub const DOCKER_HUB: &str = "docker.io";
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// An image reference split into registry host, repository, tag and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
    pub host: String,
    /// `library/nginx`, `team/app`.
    pub repository: String,
    /// `latest` when the reference has neither tag nor digest.
    pub tag: Option<String>,
    /// `sha256:…` when pinned.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Reads a reference the way the container runtime does; `None` for text that is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || text.len() > 4096 || text.chars().any(char::is_whitespace) {
            return None;
        }
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) if digest.contains(':') => (rest, Some(digest.to_string())),
            Some(_) => return None,
            None => (text, None),
        };
        // A tag is after the last ':' that comes after the last '/' (a port is before it).
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        let (host, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let host = if host == "index.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            host
        };
        let repository = if host == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty() || tag.as_deref() == Some("") {
            return None;
        }
        let tag = tag.or_else(|| digest.is_none().then(|| "latest".to_string()));
        Some(Self {
            host,
            repository,
            tag,
            digest,
        })
    }
}

/// The digest in a container status's `imageID` (`docker-pullable://host/app@sha256:…`,
/// `host/app@sha256:…`, or a bare `sha256:…` some runtimes report).
pub fn digest_of_image_id(image_id: &str) -> Option<String> {
    let digest = match image_id.rsplit_once('@') {
        Some((_, digest)) => digest,
        None => image_id.rsplit_once("://").map_or(image_id, |(_, d)| d),
    };
    digest.starts_with("sha256:").then(|| digest.to_string())
}

/// The host of a registry URL (`https://host:5000/…` → `host:5000`), as image references name it.
pub fn host_of_url(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split('/').next()?.to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// Tags newest first, as far as their names tell: `latest` first, then versions by their numbers
/// descending (`1.10` after `1.9` reads newer), the rest after them. Plain registries keep no
/// push times, so the order is the names'; a tag's created time is shown from its config.
pub fn newest_first(a: &str, b: &str) -> Ordering {
    match (a == "latest", b == "latest") {
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    let versionish = |t: &str| {
        t.trim_start_matches('v')
            .starts_with(|c: char| c.is_ascii_digit())
    };
    match (versionish(a), versionish(b)) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => natural(b.trim_start_matches('v'), a.trim_start_matches('v')),
    }
}

/// Compares runs of digits by their value and the rest as text.
fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            // `1.10` is newer than its pre-release `1.10-rc1`.
            (None, Some(b'-')) => return Ordering::Greater,
            (Some(b'-'), None) => return Ordering::Less,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let run = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (run(a), run(b));
                let trim = |s: &[u8]| {
                    let zeros = s.iter().take_while(|c| **c == b'0').count();
                    s[zeros..].to_vec()
                };
                let (da, db) = (trim(&a[..na]), trim(&b[..nb]));
                let order = da.len().cmp(&db.len()).then_with(|| da.cmp(&db));
                if order != Ordering::Equal {
                    return order;
                }
                a = &a[na..];
                b = &b[nb..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

/// One platform of a multi-arch index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlatformManifest {
    pub digest: String,
    /// `linux/amd64`, `linux/arm64/v8`; `unknown/unknown` for attestations.
    pub platform: String,
    pub size: u64,
}

/// A layer of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    pub digest: String,
    pub media_type: String,
    pub size: u64,
}

/// What an image's config says about how it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImageConfig {
    pub created: Option<Timestamp>,
    /// `linux/amd64`.
    pub platform: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    /// `8080/tcp`.
    pub exposed_ports: Vec<String>,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub labels: Vec<(String, String)>,
}

/// Whether a manifest is an index (a list of per-platform manifests).
pub fn is_index(media_type: &str, json: &Value) -> bool {
    media_type.contains("index")
        || media_type.contains("manifest.list")
        || json.get("manifests").is_some()
}

/// The platforms of an index.
pub fn platforms(index: &Value) -> Vec<PlatformManifest> {
    index["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let platform = &m["platform"];
            let mut name = format!(
                "{}/{}",
                platform["os"].as_str().unwrap_or("unknown"),
                platform["architecture"].as_str().unwrap_or("unknown")
            );
            if let Some(variant) = platform["variant"].as_str() {
                name.push('/');
                name.push_str(variant);
            }
            Some(PlatformManifest {
                digest: m["digest"].as_str()?.to_string(),
                platform: name,
                size: m["size"].as_u64().unwrap_or(0),
            })
        })
        .collect()
}

/// The layers of an image manifest.
pub fn layers(manifest: &Value) -> Vec<Layer> {
    manifest["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some(Layer {
                digest: l["digest"].as_str()?.to_string(),
                media_type: l["mediaType"].as_str().unwrap_or_default().to_string(),
                size: l["size"].as_u64().unwrap_or(0),
            })
        })
        .collect()
}

/// The config's digest and size of an image manifest.
pub fn config_descriptor(manifest: &Value) -> Option<(String, u64)> {
    let config = manifest.get("config")?;
    Some((
        config["digest"].as_str()?.to_string(),
        config["size"].as_u64().unwrap_or(0),
    ))
}

/// What an image config (`application/vnd.oci.image.config.v1+json`) says.
pub fn image_config(config: &Value) -> ImageConfig {
    let inner = &config["config"];
    let strings = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let keys = |value: &Value| -> Vec<String> {
        value
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let text = |value: &Value| value.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let mut platform = format!(
        "{}/{}",
        config["os"].as_str().unwrap_or("unknown"),
        config["architecture"].as_str().unwrap_or("unknown")
    );
    if let Some(variant) = config["variant"].as_str() {
        platform.push('/');
        platform.push_str(variant);
    }
    ImageConfig {
        created: config["created"].as_str().and_then(|t| t.parse().ok()),
        platform,
        entrypoint: strings(&inner["Entrypoint"]),
        cmd: strings(&inner["Cmd"]),
        env: strings(&inner["Env"]),
        exposed_ports: keys(&inner["ExposedPorts"]),
        user: text(&inner["User"]),
        working_dir: text(&inner["WorkingDir"]),
        labels: inner["Labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(text: &str) -> (String, String, Option<String>, Option<String>) {
        let r = ImageRef::parse(text).expect("a reference");
        (r.host, r.repository, r.tag, r.digest)
    }

    #[test]
    fn references_are_read_as_the_runtime_reads_them() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            image("nginx"),
            (
                "docker.io".into(),
                "library/nginx".into(),
                s("latest"),
                None
            )
        );
        assert_eq!(
            image("bitnami/redis:7"),
            ("docker.io".into(), "bitnami/redis".into(), s("7"), None)
        );
        assert_eq!(
            image("127.0.0.1:5000/team/app:1.2"),
            ("127.0.0.1:5000".into(), "team/app".into(), s("1.2"), None)
        );
        assert_eq!(
            image("127.0.0.1:5000/app@sha256:abc"),
            ("127.0.0.1:5000".into(), "app".into(), None, s("sha256:abc"))
        );
        assert_eq!(
            image("ghcr.io/o/app:1.0@sha256:abc"),
            ("ghcr.io".into(), "o/app".into(), s("1.0"), s("sha256:abc"))
        );
        assert_eq!(image("localhost/app").0, "localhost");
        assert!(ImageRef::parse("").is_none());
        assert!(ImageRef::parse("app:").is_none());
        assert!(ImageRef::parse("a b").is_none());
    }

    #[test]
    fn image_ids_give_their_digest() {
        let d = Some("sha256:ab".to_string());
        assert_eq!(
            digest_of_image_id("docker-pullable://host/app@sha256:ab"),
            d
        );
        assert_eq!(digest_of_image_id("host:5000/app@sha256:ab"), d);
        assert_eq!(digest_of_image_id("sha256:ab"), d);
        assert_eq!(digest_of_image_id(""), None);
    }

    #[test]
    fn tags_read_newest_first_by_their_version_numbers() {
        let mut tags = vec!["1.9", "main", "1.10", "latest", "v2.0.1", "1.10-rc1", "0.1"];
        tags.sort_by(|a, b| newest_first(a, b));
        assert_eq!(
            tags,
            ["latest", "v2.0.1", "1.10", "1.10-rc1", "1.9", "0.1", "main"]
        );
    }

    #[test]
    fn a_config_says_how_the_image_runs() {
        let config = serde_json::json!({
            "created": "2026-12-01T10:00:00Z", "os": "linux", "architecture": "arm64", "variant": "v8",
            "config": {"Entrypoint": ["/app"], "Env": ["A=1"], "ExposedPorts": {"8080/tcp": {}},
                       "User": "1000", "Labels": {"org.opencontainers.image.version": "1.2"}}
        });
        let read = image_config(&config);
        assert_eq!(read.platform, "linux/arm64/v8");
        assert_eq!(read.entrypoint, ["/app"]);
        assert_eq!(read.exposed_ports, ["8080/tcp"]);
        assert_eq!(read.user.as_deref(), Some("1000"));
        assert_eq!(read.labels.len(), 1);
        assert!(read.created.is_some());
    }

    #[test]
    fn registry_urls_give_the_host_references_use() {
        assert_eq!(
            host_of_url("http://127.0.0.1:5000").as_deref(),
            Some("127.0.0.1:5000")
        );
        assert_eq!(host_of_url("https://Ghcr.io/x").as_deref(), Some("ghcr.io"));
    }
}
