//! Helm charts in OCI registries, read through the distribution API: the repositories under a
//! path (`/v2/_catalog`), their tags, each tag's manifest and chart config (the Chart.yaml as
//! JSON), and the chart layer (the `.tgz`).
//!
//! Every answer is read with a bound ([`read_bounded`]): a registry decides how much it sends,
//! and Wheelhouse decides how much it reads.

use serde_json::Value;

use crate::Error;
use crate::index::{ChartMetadata, ChartVersion, Index};
use crate::network::RepositoryClient;
use crate::repository::{
    Credentials, FETCH_TIMEOUT, plain_http_problem, read_bounded, send_failure,
};

const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json";
const CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Tags read per chart at most (newest registries list them in order).
const MAX_TAGS: usize = 200;
/// Repositories read from a catalog at most.
const MAX_REPOSITORIES: usize = 1000;
/// A catalog, tag list, manifest or chart config larger than this is refused (the
/// distribution spec's own manifest limit is 4 MiB).
const MAX_DOCUMENT: usize = 4 * 1024 * 1024;
/// A token endpoint's answer larger than this is refused (tokens are a few KiB).
const MAX_TOKEN_ANSWER: usize = 1024 * 1024;

/// `oci://host[:port]/path` split into the registry base URL and the path.
pub fn parse(url: &str, plain_http: bool) -> crate::Result<(String, String)> {
    let rest = url
        .strip_prefix("oci://")
        .ok_or_else(|| Error::BadUrl(format!("{url} is not an oci:// URL")))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() {
        return Err(Error::BadUrl(format!("{url} has no registry host")));
    }
    let scheme = if plain_http { "http" } else { "https" };
    Ok((
        format!("{scheme}://{host}"),
        path.trim_matches('/').to_string(),
    ))
}

/// A client for one registry, with its token once one was needed.
struct Registry<'a> {
    http: &'a RepositoryClient,
    base: String,
    /// The repository says `plainHttp: true`: credentials may go over http://.
    plain_http: bool,
    credentials: Option<&'a Credentials>,
    token: Option<String>,
}

impl<'a> Registry<'a> {
    fn new(
        http: &'a RepositoryClient,
        base: String,
        plain_http: bool,
        credentials: Option<&'a Credentials>,
    ) -> Self {
        Self {
            http,
            base,
            plain_http,
            credentials,
            token: None,
        }
    }

    async fn get(&mut self, path: &str, accept: Option<&str>) -> crate::Result<reqwest::Response> {
        let url = format!("{}{path}", self.base);
        for attempt in 0..2 {
            let mut request = self.http.get(&url)?.timeout(FETCH_TIMEOUT);
            if let Some(accept) = accept {
                request = request.header(reqwest::header::ACCEPT, accept);
            }
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            } else if let Some(credentials) = self.credentials {
                request = request.basic_auth(&credentials.username, Some(&credentials.password));
            }
            let response = request.send().await.map_err(|e| send_failure(&url, &e))?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED && attempt == 0 {
                let challenge = response
                    .headers()
                    .get(reqwest::header::WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                if let Some(bearer) = challenge.strip_prefix("Bearer ") {
                    self.token = Some(self.fetch_token(bearer).await?);
                    continue;
                }
            }
            if !response.status().is_success() {
                return Err(Error::Status {
                    url,
                    status: response.status(),
                });
            }
            return Ok(response);
        }
        Err(Error::Token(format!("{url} refused the registry token")))
    }

    /// A token from the realm of a `Bearer realm=…,service=…,scope=…` challenge.
    async fn fetch_token(&self, challenge: &str) -> crate::Result<String> {
        let mut realm = None;
        let mut query = Vec::new();
        for part in challenge.split(',') {
            let Some((key, value)) = part.trim().split_once('=') else {
                continue;
            };
            let value = value.trim_matches('"').to_string();
            if key == "realm" {
                realm = Some(value);
            } else {
                query.push((key.to_string(), value));
            }
        }
        let realm = realm
            .ok_or_else(|| Error::Token("the registry's challenge names no token realm".into()))?;
        let mut request = self.http.get(&realm)?.query(&query).timeout(FETCH_TIMEOUT);
        if let Some(credentials) = self.credentials {
            // The realm is the registry's choice: the same rule as for the repository's own URL.
            if let Some(problem) = plain_http_problem(&realm, self.plain_http, true) {
                return Err(Error::Token(format!(
                    "the registry's token realm: {problem}"
                )));
            }
            request = request.basic_auth(&credentials.username, Some(&credentials.password));
        }
        let response = request.send().await.map_err(|e| send_failure(&realm, &e))?;
        if !response.status().is_success() {
            return Err(Error::Token(format!(
                "{realm} refused a token: {}",
                response.status()
            )));
        }
        let bytes = read_bounded(response, MAX_TOKEN_ANSWER, "the token answer").await?;
        let body: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Malformed {
            what: format!("the token answer of {realm}"),
            message: e.to_string(),
        })?;
        body.get("token")
            .or_else(|| body.get("access_token"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::Token(format!("{realm} answered without a token")))
    }

    async fn json(&mut self, path: &str, accept: Option<&str>) -> crate::Result<Value> {
        let response = self.get(path, accept).await?;
        let bytes = read_bounded(response, MAX_DOCUMENT, "the answer").await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Malformed {
            what: format!("the answer of {}{path}", self.base),
            message: e.to_string(),
        })
    }
}

/// Every chart version under the repository URL.
pub async fn index(
    http: &RepositoryClient,
    url: &str,
    plain_http: bool,
    credentials: Option<&Credentials>,
) -> crate::Result<Index> {
    let (base, path) = parse(url, plain_http)?;
    let host = base
        .split_once("://")
        .map_or(base.as_str(), |(_, h)| h)
        .to_string();
    let mut registry = Registry::new(http, base, plain_http, credentials);
    let catalog = registry
        .json(&format!("/v2/_catalog?n={MAX_REPOSITORIES}"), None)
        .await?;
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let names: Vec<String> = catalog["repositories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|name| name.starts_with(&prefix) && !name[prefix.len()..].contains('/'))
        .map(str::to_string)
        .collect();
    let mut versions = Vec::new();
    for name in names {
        let tags = registry
            .json(&format!("/v2/{name}/tags/list"), None)
            .await?;
        for tag in tags["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .take(MAX_TAGS)
        {
            match chart_version(&mut registry, &host, &name, tag).await {
                Ok(Some(version)) => versions.push(version),
                Ok(None) => {}
                Err(error) => tracing::debug!(%error, "skipping an OCI tag"),
            }
        }
    }
    Ok(Index::from_versions(versions))
}

/// The chart behind a tag, or `None` when the tag is not a Helm chart.
async fn chart_version(
    registry: &mut Registry<'_>,
    host: &str,
    name: &str,
    tag: &str,
) -> crate::Result<Option<ChartVersion>> {
    let manifest = registry
        .json(&format!("/v2/{name}/manifests/{tag}"), Some(MANIFEST_TYPES))
        .await?;
    let Some(layer) = manifest["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["mediaType"] == CHART_LAYER)
    else {
        return Ok(None);
    };
    let config_digest = manifest
        .pointer("/config/digest")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let config = registry
        .json(&format!("/v2/{name}/blobs/{config_digest}"), None)
        .await?;
    let metadata: ChartMetadata = serde_json::from_value(config).map_err(|e| Error::Malformed {
        what: format!("the chart config of {name}:{tag}"),
        message: e.to_string(),
    })?;
    let created = manifest
        .pointer("/annotations/org.opencontainers.image.created")
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok());
    Ok(Some(ChartVersion {
        metadata,
        urls: vec![format!("oci://{host}/{name}:{tag}")],
        digest: layer["digest"]
            .as_str()
            .map(|d| d.trim_start_matches("sha256:").to_string()),
        created,
    }))
}

/// The chart layer of a version found by [`index`].
pub async fn archive(
    http: &RepositoryClient,
    repo_url: &str,
    plain_http: bool,
    version: &ChartVersion,
    credentials: Option<&Credentials>,
) -> crate::Result<Vec<u8>> {
    let (base, _) = parse(repo_url, plain_http)?;
    let url = version
        .urls
        .first()
        .ok_or_else(|| Error::BadUrl("the chart version has no URL".into()))?;
    let reference = url
        .strip_prefix("oci://")
        .and_then(|r| r.split_once('/'))
        .map(|(_, r)| r)
        .ok_or_else(|| Error::BadUrl(format!("{url} is not an oci:// reference")))?;
    let name = reference.rsplit_once(':').map_or(reference, |(n, _)| n);
    let digest = version.digest.as_deref().ok_or_else(|| Error::Malformed {
        what: format!("the chart version at {url}"),
        message: "it has no digest".into(),
    })?;
    let mut registry = Registry::new(http, base, plain_http, credentials);
    let response = registry
        .get(&format!("/v2/{name}/blobs/sha256:{digest}"), None)
        .await?;
    read_bounded(response, crate::chart::MAX_ARCHIVE, "the chart layer").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_urls_split_into_registry_and_path() {
        assert_eq!(
            parse("oci://127.0.0.1:5000/charts", true).ok(),
            Some(("http://127.0.0.1:5000".into(), "charts".into()))
        );
        assert_eq!(
            parse("oci://registry.example", false).ok(),
            Some(("https://registry.example".into(), String::new()))
        );
        assert!(parse("https://x", false).is_err());
    }
}
