//! Helm charts in OCI registries, read through the distribution API: the repositories under a
//! path (`/v2/_catalog`), their tags, each tag's manifest and chart config (the Chart.yaml as
//! JSON), and the chart layer (the `.tgz`).
//!
//! Registries are read through the one OCI client, [`Distribution`] (shared with the image
//! registry browser); every answer is read with a bound: a registry decides how much it sends,
//! and Wheelhouse decides how much it reads.

use serde_json::Value;

use crate::Error;
use crate::distribution::Distribution;
use crate::index::{ChartMetadata, ChartVersion, Index};
use crate::network::RepositoryClient;
use crate::repository::{Credentials, read_bounded};

const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json";
const CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// Tags read per chart at most (newest registries list them in order).
const MAX_TAGS: usize = 200;
/// Repositories read from a catalog at most.
const MAX_REPOSITORIES: usize = 1000;

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
    let mut registry = Distribution::new(http.clone(), base, plain_http, credentials.cloned());
    let (catalog, _) = registry.catalog(MAX_REPOSITORIES).await?;
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let names: Vec<String> = catalog
        .into_iter()
        .filter(|name| name.starts_with(&prefix) && !name[prefix.len()..].contains('/'))
        .collect();
    let mut versions = Vec::new();
    for name in names {
        let (tags, _) = registry.tags(&name, MAX_TAGS).await?;
        for tag in &tags {
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
    registry: &mut Distribution,
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
    let mut registry = Distribution::new(http.clone(), base, plain_http, credentials.cloned());
    let response = registry
        .send(
            reqwest::Method::GET,
            &format!("/v2/{name}/blobs/sha256:{digest}"),
            None,
        )
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
