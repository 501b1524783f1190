//! Pushes an image layout to a registry over the OCI distribution API: each blob unless the
//! registry has it (monolithic upload), then the manifest under a tag. Anonymous, basic or
//! bearer-token logins; every answer the registry sends is read within a size limit.

use std::str::FromStr;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{Client, Method, Response, StatusCode, Url};

use crate::layer::sha256;
use crate::{Error, Layout, MEDIA_TYPE_MANIFEST, Result};

/// Where an image goes: `REGISTRY[:PORT]/REPOSITORY[:TAG]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `registry.example.com`, `localhost:5000`.
    pub registry: String,
    /// `team/wheelhouse`.
    pub repository: String,
    /// The tag; without one the layout's own (the version) is used.
    pub tag: Option<String>,
}

impl FromStr for Reference {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let refuse = |reason: &str| Error::Reference {
            reference: text.to_string(),
            reason: reason.to_string(),
        };
        if text.contains('@') {
            return Err(refuse("a digest cannot be pushed to; name a tag"));
        }
        let (registry, rest) = text
            .split_once('/')
            .ok_or_else(|| refuse("it names no registry"))?;
        if registry.is_empty()
            || !registry
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        {
            return Err(refuse(
                "the registry is not a host name with an optional port",
            ));
        }
        let (repository, tag) = match rest.rsplit_once(':') {
            Some((repository, tag)) if !tag.contains('/') => (repository, Some(tag)),
            _ => (rest, None),
        };
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
                && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        };
        if repository.len() > 255 || !repository.split('/').all(component_ok) {
            return Err(refuse(
                "the repository must be lowercase letters, digits, `.`, `_`, `-`, separated by `/`",
            ));
        }
        if let Some(tag) = tag {
            let first_ok = tag
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
            if tag.len() > 128
                || !first_ok
                || !tag
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            {
                return Err(refuse(
                    "the tag must be up to 128 letters, digits, `.`, `_`, `-`",
                ));
            }
        }
        Ok(Self {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag: tag.map(str::to_string),
        })
    }
}

/// How to reach the registry.
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Speak plain HTTP (a registry on localhost in tests); https otherwise.
    pub plain_http: bool,
    /// A login, used for basic authentication or to ask the registry's token service.
    pub username: Option<String>,
    pub password: Option<String>,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// `registry/repository:tag`.
    pub reference: String,
    /// The manifest's digest, as the registry confirmed it.
    pub digest: String,
    /// Blobs uploaded, and blobs the registry already had.
    pub uploaded: usize,
    pub skipped: usize,
}

/// An error body is kept for the message up to this size; the rest is not read.
const ERROR_BODY_BUDGET: usize = 4 * 1024;
/// A token service's answer is a small JSON document.
const TOKEN_BUDGET: usize = 64 * 1024;

/// Pushes `layout` to `reference`.
pub async fn push(layout: &Layout, reference: &Reference, options: &PushOptions) -> Result<Pushed> {
    wheelhouse_tls::install_crypto_provider();
    let client = Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .read_timeout(Duration::from_secs(120))
        .build()
        .map_err(|e| Error::Client(wheelhouse_tls::client_failure("the image registry", &e)))?;
    let scheme = if options.plain_http { "http" } else { "https" };
    let base = Url::parse(&format!("{scheme}://{}/v2/", reference.registry)).map_err(|e| {
        Error::Reference {
            reference: reference.registry.clone(),
            reason: e.to_string(),
        }
    })?;
    let mut registry = Registry {
        client,
        base,
        repository: reference.repository.clone(),
        authorization: None,
    };
    registry.log_in(options).await?;

    let mut uploaded = 0;
    let mut skipped = 0;
    for blob in std::iter::once(&layout.config).chain(&layout.layers) {
        if registry.has_blob(&blob.digest).await? {
            skipped += 1;
        } else {
            registry.upload(layout, &blob.digest, blob.size).await?;
            uploaded += 1;
        }
    }
    let manifest_path = layout.blob(&layout.manifest.digest);
    let manifest = std::fs::read(&manifest_path).map_err(|source| Error::File {
        what: "cannot read the manifest",
        path: manifest_path,
        source,
    })?;
    if sha256(&manifest) != layout.manifest.digest {
        return Err(Error::Layout {
            path: layout.dir.clone(),
            reason: "the manifest blob does not match its digest".into(),
        });
    }
    let tag = reference.tag.clone().unwrap_or_else(|| layout.tag.clone());
    let digest = registry
        .put_manifest(&tag, manifest, &layout.manifest.digest)
        .await?;
    Ok(Pushed {
        reference: format!("{}/{}:{tag}", reference.registry, reference.repository),
        digest,
        uploaded,
        skipped,
    })
}

struct Registry {
    client: Client,
    base: Url,
    repository: String,
    authorization: Option<HeaderValue>,
}

impl Registry {
    fn url(&self, path: &str) -> Result<Url> {
        self.base
            .join(&format!("{}/{path}", self.repository))
            .map_err(|e| Error::Http {
                what: format!("the URL of {path}"),
                message: e.to_string(),
            })
    }

    fn request(&self, method: Method, url: Url) -> reqwest::RequestBuilder {
        let request = self.client.request(method, url);
        match &self.authorization {
            Some(value) => request.header(AUTHORIZATION, value.clone()),
            None => request,
        }
    }

    async fn send(&self, what: &str, request: reqwest::RequestBuilder) -> Result<Response> {
        request.send().await.map_err(|e| Error::Http {
            what: what.to_string(),
            message: wheelhouse_tls::with_causes(&e),
        })
    }

    /// Asks `/v2/` whether a login is needed and, when it is, which: basic with the given
    /// credentials, or a bearer token for pushing to the repository from the registry's token
    /// service.
    async fn log_in(&mut self, options: &PushOptions) -> Result<()> {
        let what = format!("reaching {}", self.base);
        let answer = self.send(&what, self.client.get(self.base.clone())).await?;
        if answer.status() != StatusCode::UNAUTHORIZED {
            return expect(answer, &what, &[StatusCode::OK]).await.map(drop);
        }
        let challenge = answer
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let login = match (&options.username, &options.password) {
            (Some(user), Some(password)) => Some((user.clone(), password.clone())),
            _ => None,
        };
        let Some((scheme, parameters)) = challenge.split_once(' ') else {
            return Err(Error::Registry {
                what: format!("{what}: it asks for a login but names no scheme"),
                status: 401,
                body: String::new(),
            });
        };
        let refused = |reason: &str| Error::Registry {
            what: format!("{what}: {reason}"),
            status: 401,
            body: String::new(),
        };
        if scheme.eq_ignore_ascii_case("basic") {
            let (user, password) = login.ok_or_else(|| {
                refused("it asks for a login: give --username and WHEELHOUSE_REGISTRY_PASSWORD")
            })?;
            self.authorization = Some(basic(&user, &password));
            return Ok(());
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(refused(&format!(
                "it asks for a {scheme} login, which is not spoken here"
            )));
        }
        let realm = parameter(parameters, "realm")
            .ok_or_else(|| refused("its bearer challenge names no realm"))?;
        let mut token_url = Url::parse(&realm)
            .map_err(|e| refused(&format!("its token realm {realm:?} is not a URL: {e}")))?;
        {
            let mut query = token_url.query_pairs_mut();
            if let Some(service) = parameter(parameters, "service") {
                query.append_pair("service", &service);
            }
            query.append_pair(
                "scope",
                &format!("repository:{}:pull,push", self.repository),
            );
        }
        let mut request = self.client.get(token_url);
        if let Some((user, password)) = &login {
            request = request.header(AUTHORIZATION, basic(user, password));
        }
        let what = format!("asking {realm} for a push token");
        let answer = self.send(&what, request).await?;
        let answer = expect(answer, &what, &[StatusCode::OK]).await?;
        let body = read_bounded(answer, TOKEN_BUDGET, &what).await?;
        let document: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| Error::Http {
                what: what.clone(),
                message: format!("the answer is not JSON: {e}"),
            })?;
        let token = document["token"]
            .as_str()
            .or_else(|| document["access_token"].as_str())
            .ok_or_else(|| Error::Http {
                what: what.clone(),
                message: "the answer holds no token".into(),
            })?;
        let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| Error::Http {
            what,
            message: "the token is not a valid header value".into(),
        })?;
        self.authorization = Some(value);
        Ok(())
    }

    async fn has_blob(&self, digest: &str) -> Result<bool> {
        let what = format!("checking for blob {digest}");
        let answer = self
            .send(
                &what,
                self.request(Method::HEAD, self.url(&format!("blobs/{digest}"))?),
            )
            .await?;
        match answer.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => expect(answer, &what, &[]).await.map(|_| false),
        }
    }

    async fn upload(&self, layout: &Layout, digest: &str, size: u64) -> Result<()> {
        let what = format!("starting the upload of blob {digest}");
        let answer = self
            .send(
                &what,
                self.request(Method::POST, self.url("blobs/uploads/")?),
            )
            .await?;
        let answer = expect(answer, &what, &[StatusCode::ACCEPTED]).await?;
        let location = answer
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Error::Http {
                what: what.clone(),
                message: "the registry named no upload location".into(),
            })?;
        let mut url = answer.url().join(location).map_err(|e| Error::Http {
            what: what.clone(),
            message: format!("the upload location {location:?} is not a URL: {e}"),
        })?;
        url.query_pairs_mut().append_pair("digest", digest);
        let path = layout.blob(digest);
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|source| Error::File {
                what: "cannot read the blob",
                path: path.clone(),
                source,
            })?;
        let what = format!("uploading blob {digest} ({size} bytes)");
        let request = self
            .request(Method::PUT, url)
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_LENGTH, size)
            .body(reqwest::Body::from(file));
        let answer = self.send(&what, request).await?;
        expect(answer, &what, &[StatusCode::CREATED])
            .await
            .map(drop)
    }

    async fn put_manifest(&self, tag: &str, manifest: Vec<u8>, digest: &str) -> Result<String> {
        let what = format!("putting the manifest as {tag}");
        let request = self
            .request(Method::PUT, self.url(&format!("manifests/{tag}"))?)
            .header(CONTENT_TYPE, MEDIA_TYPE_MANIFEST)
            .body(manifest);
        let answer = self.send(&what, request).await?;
        let answer = expect(answer, &what, &[StatusCode::CREATED]).await?;
        let confirmed = answer
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(digest)
            .to_string();
        if confirmed != digest {
            return Err(Error::Http {
                what,
                message: format!("the registry stored it as {confirmed}, not {digest}"),
            });
        }
        Ok(confirmed)
    }
}

/// The answer when its status is one of `allowed`; otherwise an error with the status and the
/// start of the body.
async fn expect(answer: Response, what: &str, allowed: &[StatusCode]) -> Result<Response> {
    if allowed.contains(&answer.status()) {
        return Ok(answer);
    }
    let status = answer.status().as_u16();
    let body = read_bounded(answer, ERROR_BODY_BUDGET, what)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    Err(Error::Registry {
        what: what.to_string(),
        status,
        body,
    })
}

/// Reads at most `budget` bytes of the body; a longer one is cut there (for error messages) or,
/// for documents, refused by the caller's parser.
async fn read_bounded(mut answer: Response, budget: usize, what: &str) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| Error::Http {
        what: what.to_string(),
        message: wheelhouse_tls::with_causes(&e),
    })? {
        let room = budget - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == budget {
            break;
        }
    }
    Ok(body)
}

fn basic(user: &str, password: &str) -> HeaderValue {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut value =
        HeaderValue::from_str(&format!("Basic {encoded}")).unwrap_or(HeaderValue::from_static(""));
    value.set_sensitive(true);
    value
}

/// A parameter of a `WWW-Authenticate` challenge: `realm="https://auth.example.com/token"`.
fn parameter(parameters: &str, name: &str) -> Option<String> {
    parameters.split(',').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key.trim().eq_ignore_ascii_case(name)).then(|| value.trim().trim_matches('"').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_registry_repository_and_tag() {
        let reference: Reference = "localhost:5000/team/wheelhouse:0.1.0"
            .parse()
            .expect("parses");
        assert_eq!(
            reference,
            Reference {
                registry: "localhost:5000".into(),
                repository: "team/wheelhouse".into(),
                tag: Some("0.1.0".into()),
            }
        );
        let untagged: Reference = "registry.example.com/wheelhouse".parse().expect("parses");
        assert_eq!(untagged.tag, None);
        assert_eq!(untagged.repository, "wheelhouse");
    }

    #[test]
    fn references_that_would_reach_elsewhere_are_refused() {
        for bad in [
            "wheelhouse",
            "/wheelhouse:1",
            "localhost:5000/Wheelhouse:1",
            "localhost:5000/../v2:1",
            "localhost:5000/wheelhouse:bad/tag",
            "localhost:5000/wheelhouse@sha256:00",
            "user@evil.example/wheelhouse:1",
            "localhost:5000/wheelhouse:-1",
            "host?x=1/wheelhouse:1",
        ] {
            assert!(bad.parse::<Reference>().is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn challenge_parameters_are_read_quoted_or_not() {
        let challenge = r#"realm="https://auth.example.com/token",service=registry.example.com,scope="repository:a:pull""#;
        assert_eq!(
            parameter(challenge, "realm").as_deref(),
            Some("https://auth.example.com/token")
        );
        assert_eq!(
            parameter(challenge, "service").as_deref(),
            Some("registry.example.com")
        );
        assert_eq!(parameter(challenge, "missing"), None);
    }
}
