//! The one OCI distribution client: the app store's OCI chart repositories and the image registry
//! browser both read registries through [`Distribution`] (ADR 0019).
//!
//! It speaks the distribution API (`/v2/…`) over the [`RepositoryClient`], so every request,
//! redirect and DNS answer is held to the network policy; it logs in with basic auth or with a
//! token from the realm of a `Bearer realm=…,service=…,scope=…` challenge (Docker Hub, Harbor,
//! GHCR, registry:2 with a token service); it reads every answer with a bound ([`read_bounded`])
//! and follows `Link: <…>; rel="next"` pages only on the registry's own origin.
//!
//! ```no_run
//! # async fn run() -> wheelhouse_apps::Result<()> {
//! use wheelhouse_apps::distribution::Distribution;
//! use wheelhouse_apps::network::RepositoryClient;
//!
//! let mut registry =
//!     Distribution::new(RepositoryClient::default(), "https://registry.example".into(), false, None);
//! let (tags, _truncated) = registry.tags("library/nginx", 10_000).await?;
//! let manifest = registry.manifest("library/nginx", &tags[0]).await?;
//! println!("{} is {}", tags[0], manifest.digest);
//! # Ok(())
//! # }
//! ```

use reqwest::Method;
use serde_json::Value;

use crate::Error;
use crate::network::RepositoryClient;
use crate::repository::{
    Credentials, FETCH_TIMEOUT, plain_http_problem, read_bounded, send_failure,
};

/// A catalog, tag list page, manifest or config larger than this is refused (the distribution
/// spec's own manifest limit is 4 MiB).
pub const MAX_DOCUMENT: usize = 4 * 1024 * 1024;
/// A token endpoint's answer larger than this is refused (tokens are a few KiB).
pub const MAX_TOKEN_ANSWER: usize = 1024 * 1024;
/// Entries asked for per page of a catalog or tag list.
const PAGE: usize = 1000;

/// Every manifest type Wheelhouse reads: OCI and Docker images and indexes.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// A manifest as the registry sent it: its digest (the registry's `Docker-Content-Digest`, else
/// the SHA-256 of the bytes), media type and JSON.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub digest: String,
    pub media_type: String,
    pub json: Value,
    /// Its size in bytes, as a descriptor would say it.
    pub size: u64,
}

/// A client for one registry, holding its token once one was needed.
#[derive(Debug, Clone)]
pub struct Distribution {
    http: RepositoryClient,
    base: String,
    /// The registry is reached over `http://` on purpose: credentials may go over it.
    plain_http: bool,
    credentials: Option<Credentials>,
    token: Option<String>,
}

impl Distribution {
    /// A client for the registry at `base` (`https://host[:port]`, or `http://` for a registry the
    /// person said is plain HTTP).
    pub fn new(
        http: RepositoryClient,
        base: String,
        plain_http: bool,
        credentials: Option<Credentials>,
    ) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            plain_http,
            credentials,
            token: None,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request to `path` on the registry, logging in when it asks: basic auth with the
    /// credentials, or a token fetched from the challenge's realm (once more when a token for
    /// another scope is refused).
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        accept: Option<&str>,
    ) -> crate::Result<reqwest::Response> {
        let url = format!("{}{path}", self.base);
        if let Some(problem) = plain_http_problem(&url, self.plain_http, self.credentials.is_some())
        {
            return Err(Error::Token(problem));
        }
        for attempt in 0..2 {
            let mut request = self
                .http
                .request(method.clone(), &url)?
                .timeout(FETCH_TIMEOUT);
            if let Some(accept) = accept {
                request = request.header(reqwest::header::ACCEPT, accept);
            }
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            } else if let Some(credentials) = &self.credentials {
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
        let (realm, query) = parse_challenge(challenge);
        let realm = realm
            .ok_or_else(|| Error::Token("the registry's challenge names no token realm".into()))?;
        let mut request = self.http.get(&realm)?.query(&query).timeout(FETCH_TIMEOUT);
        if let Some(credentials) = &self.credentials {
            // The realm is the registry's choice: the same rule as for the registry's own URL.
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

    /// The JSON at `path`, read within [`MAX_DOCUMENT`].
    pub async fn json(&mut self, path: &str, accept: Option<&str>) -> crate::Result<Value> {
        let response = self.send(Method::GET, path, accept).await?;
        let bytes = read_bounded(response, MAX_DOCUMENT, "the answer").await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Malformed {
            what: format!("the answer of {}{path}", self.base),
            message: e.to_string(),
        })
    }

    /// Up to `limit` names of a paged list (`_catalog`'s `repositories`, a tag list's `tags`),
    /// following the registry's `Link` pages; also whether there were more.
    async fn paged(
        &mut self,
        first: String,
        field: &str,
        limit: usize,
    ) -> crate::Result<(Vec<String>, bool)> {
        let mut names = Vec::new();
        let mut next = Some(first);
        while let Some(path) = next.take() {
            let response = self.send(Method::GET, &path, None).await?;
            next = response
                .headers()
                .get(reqwest::header::LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(next_page);
            let bytes = read_bounded(response, MAX_DOCUMENT, "the list").await?;
            let page: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Malformed {
                what: format!("the answer of {}{path}", self.base),
                message: e.to_string(),
            })?;
            let before = names.len();
            names.extend(
                page[field]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_string),
            );
            if names.len() >= limit {
                names.truncate(limit);
                return Ok((names, true));
            }
            if names.len() == before {
                break;
            }
        }
        Ok((names, false))
    }

    /// The repositories the registry lists (`/v2/_catalog`), at most `limit`; also whether there
    /// were more. Registries without a catalog (Docker Hub, GHCR) answer 401/404 here.
    pub async fn catalog(&mut self, limit: usize) -> crate::Result<(Vec<String>, bool)> {
        self.paged(
            format!("/v2/_catalog?n={}", PAGE.min(limit.max(1))),
            "repositories",
            limit,
        )
        .await
    }

    /// The tags of repository `name`, at most `limit`; also whether there were more.
    pub async fn tags(&mut self, name: &str, limit: usize) -> crate::Result<(Vec<String>, bool)> {
        self.paged(format!("/v2/{name}/tags/list?n={PAGE}"), "tags", limit)
            .await
    }

    /// The manifest (image or index) of `reference`, a tag or a digest.
    pub async fn manifest(&mut self, name: &str, reference: &str) -> crate::Result<Manifest> {
        let path = format!("/v2/{name}/manifests/{reference}");
        let response = self.send(Method::GET, &path, Some(MANIFEST_ACCEPT)).await?;
        let header = |key: &str| {
            response
                .headers()
                .get(key)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let said_digest = header("docker-content-digest");
        let content_type = header("content-type");
        let bytes = read_bounded(response, MAX_DOCUMENT, "the manifest").await?;
        let digest = format!("sha256:{}", crate::chart::sha256_hex(&bytes));
        // A registry's word is checked where it can be: a sha256 digest must be of these bytes.
        if let Some(said) = said_digest.as_deref()
            && said.starts_with("sha256:")
            && said != digest
        {
            return Err(Error::Malformed {
                what: format!("the manifest of {name}:{reference}"),
                message: format!("the registry says its digest is {said}, but it is {digest}"),
            });
        }
        let json: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Malformed {
            what: format!("the manifest of {name}:{reference}"),
            message: e.to_string(),
        })?;
        let media_type = json
            .get("mediaType")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or(content_type)
            .unwrap_or_default();
        Ok(Manifest {
            digest,
            media_type,
            json,
            size: bytes.len() as u64,
        })
    }

    /// The blob `digest` of repository `name`, read within `limit` bytes.
    pub async fn blob(&mut self, name: &str, digest: &str, limit: usize) -> crate::Result<Vec<u8>> {
        let response = self
            .send(Method::GET, &format!("/v2/{name}/blobs/{digest}"), None)
            .await?;
        read_bounded(response, limit, "the blob").await
    }

    /// Deletes the manifest `digest` of repository `name`: every tag that points at it goes.
    /// Registries that do not allow deleting answer 405 (`Error::Status`).
    pub async fn delete_manifest(&mut self, name: &str, digest: &str) -> crate::Result<()> {
        self.send(
            Method::DELETE,
            &format!("/v2/{name}/manifests/{digest}"),
            None,
        )
        .await
        .map(drop)
    }
}

/// The realm of a `Bearer` challenge and the rest of its parameters (service, scope), which go
/// to the realm as its query. Values may hold commas (`scope="repository:a:pull,push"`).
pub fn parse_challenge(challenge: &str) -> (Option<String>, Vec<(String, String)>) {
    let mut realm = None;
    let mut query = Vec::new();
    let mut rest = challenge.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim().trim_start_matches(',').trim().to_string();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((value, remaining)) => (value.to_string(), remaining),
                None => (quoted.to_string(), ""),
            }
        } else {
            match after.split_once(',') {
                Some((value, remaining)) => (value.trim().to_string(), remaining),
                None => (after.trim().to_string(), ""),
            }
        };
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
        if key == "realm" {
            realm = Some(value);
        } else if !key.is_empty() {
            query.push((key, value));
        }
    }
    (realm, query)
}

/// The path of a `Link: </v2/…?last=…&n=…>; rel="next"` header; only a path on the registry
/// itself (a link to another origin is not followed: the login would go with it).
fn next_page(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        if !params.contains("rel=\"next\"") && !params.contains("rel=next") {
            return None;
        }
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        target.starts_with("/v2/").then(|| target.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bearer_challenge_gives_its_realm_and_the_rest_as_the_query() {
        let (realm, query) = parse_challenge(
            r#"realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull,push""#,
        );
        assert_eq!(realm.as_deref(), Some("https://auth.example/token"));
        assert_eq!(
            query,
            vec![
                ("service".to_string(), "registry.example".to_string()),
                (
                    "scope".to_string(),
                    "repository:team/app:pull,push".to_string()
                ),
            ]
        );
        let (realm, query) = parse_challenge("realm=https://a.example/t, service=r");
        assert_eq!(realm.as_deref(), Some("https://a.example/t"));
        assert_eq!(query, vec![("service".to_string(), "r".to_string())]);
    }

    #[test]
    fn only_next_pages_on_the_registry_itself_are_followed() {
        assert_eq!(
            next_page(r#"</v2/_catalog?last=b&n=2>; rel="next""#).as_deref(),
            Some("/v2/_catalog?last=b&n=2")
        );
        assert_eq!(
            next_page(r#"<https://evil.example/v2/_catalog?last=b>; rel="next""#),
            None
        );
        assert_eq!(next_page(r#"</v2/x/tags/list?last=1>; rel="prev""#), None);
    }
}
