//! Chart repositories: what one is (the built-in one, an HTTP index, an OCI registry), its sync
//! status, and fetching an index with conditional requests.
//!
//! Every fetch goes through [`RepositoryClient`] (the network policy) and every answer is read
//! with a size bound, chunk by chunk, refused once past it ([`read_bounded`]).

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::index::Index;
use crate::network::{self, RepositoryClient};

/// Index downloads larger than this are refused.
pub const MAX_INDEX: usize = 64 * 1024 * 1024;
/// How long fetching one index or archive may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RepoKind {
    Builtin,
    Http,
    Oci,
}

impl RepoKind {
    /// The kind of a URL, or why it is not a repository URL.
    pub fn of_url(url: &str) -> crate::Result<Self> {
        let bad = |problem: &str| Err(crate::Error::BadUrl(problem.into()));
        let rest = if let Some(rest) = url.strip_prefix("oci://") {
            (Self::Oci, rest)
        } else if let Some(rest) = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
        {
            (Self::Http, rest)
        } else {
            return bad("the URL must start with https://, http:// or oci://");
        };
        if rest.1.is_empty() || rest.1.starts_with('/') {
            return bad("the URL has no host");
        }
        if rest.1.chars().any(char::is_whitespace) {
            return bad("the URL contains spaces");
        }
        Ok(rest.0)
    }
}

/// A Secret a repository names: one with `username` and `password`, or one with `ca.crt`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema, TS)]
pub struct SecretRef {
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub enum SyncState {
    Pending,
    Syncing,
    Ok,
    Error,
}

/// Where a repository's sync stands: the console's list and the ChartRepository's status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = schemars::transform::RecursiveTransform(wheelhouse_model::crd::for_kubernetes))]
pub struct RepoStatus {
    /// pending until the first sync, then syncing, ok or error (the message says why)
    pub state: SyncState,
    /// When the last sync finished, whether it succeeded or not
    pub last_sync: Option<Timestamp>,
    /// How many charts the repository's index has
    pub charts: usize,
    /// Why the last sync failed, or a note on it
    pub message: Option<String>,
}

impl RepoStatus {
    pub fn pending() -> Self {
        Self {
            state: SyncState::Pending,
            last_sync: None,
            charts: 0,
            message: None,
        }
    }
}

/// Credentials for a repository, read from its Secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// What the last fetch of an index left for the next conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to an index fetch.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the index is the one we have.
    NotModified,
    New {
        index: Arc<Index>,
        validators: Validators,
    },
}

/// `index.yaml` next to a repository URL.
pub fn index_url(url: &str) -> String {
    format!("{}/index.yaml", url.trim_end_matches('/'))
}

/// An archive URL of an index entry, resolved against the repository URL when relative.
pub fn archive_url(repo_url: &str, entry_url: &str) -> String {
    if entry_url.contains("://") {
        entry_url.to_string()
    } else {
        format!(
            "{}/{}",
            repo_url.trim_end_matches('/'),
            entry_url.trim_start_matches('/')
        )
    }
}

/// Why a repository may not use `secret` for its CA certificates (`caSecretRef`), if it may not:
/// the same one namespace as for credentials. The CA is not sent anywhere, but a repository must
/// not be a way to have the console read an application's Secret at all.
pub fn ca_secret_namespace_problem(secret: &SecretRef, allowed: &str) -> Option<String> {
    (secret.namespace != allowed).then(|| {
        format!(
            "the CA Secret {}/{} is outside namespace {allowed}, the only one Wheelhouse reads repository Secrets from \
             (--credentials-namespace): a Secret elsewhere may belong to an application, and a repository must not be a way \
             to have Wheelhouse read it; create the Secret in {allowed}",
            secret.namespace, secret.name
        )
    })
}

/// Why a repository may not use `secret` for its credentials, if it may not: only Secrets in the
/// one namespace Wheelhouse reads credentials from (`--credentials-namespace`) may be named.
/// Anywhere else, a ChartRepository would be a way to have the console read an application's
/// Secret and send it, as a basic-auth header, to a URL of one's choosing.
pub fn secret_namespace_problem(secret: &SecretRef, allowed: &str) -> Option<String> {
    (secret.namespace != allowed).then(|| {
        format!(
            "the credentials Secret {}/{} is outside namespace {allowed}, the only one Wheelhouse reads repository credentials from \
             (--credentials-namespace): a Secret elsewhere may belong to an application, and a repository must not be a way to \
             send it to a URL of one's choosing; create the Secret in {allowed}",
            secret.namespace, secret.name
        )
    })
}

/// Why credentials may not be used with a repository URL, if they may not: an `http://` index
/// with a Secret needs `plainHttp: true`, said explicitly, since the password would cross the
/// network in clear (basic auth is only base64).
pub fn plain_http_problem(url: &str, plain_http: bool, has_credentials: bool) -> Option<String> {
    (has_credentials && !plain_http && url.starts_with("http://")).then(|| {
        format!(
            "{url} is plain http:// and the repository has a credentials Secret: its password would cross the network unencrypted; \
             use an https:// URL, or set plainHttp: true to send it anyway (a repository on a trusted network)"
        )
    })
}

/// Fetches a repository's index, sending `If-None-Match` / `If-Modified-Since` from the last fetch.
pub async fn fetch_index(
    client: &RepositoryClient,
    url: &str,
    credentials: Option<&Credentials>,
    validators: &Validators,
) -> crate::Result<Fetched> {
    let mut request = client.get(&index_url(url))?.timeout(FETCH_TIMEOUT);
    if let Some(etag) = &validators.etag {
        request = request.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    if let Some(modified) = &validators.last_modified {
        request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
    }
    if let Some(credentials) = credentials {
        request = request.basic_auth(&credentials.username, Some(&credentials.password));
    }
    let response = request
        .send()
        .await
        .map_err(|e| send_failure(&index_url(url), &e))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(crate::Error::Status {
            url: index_url(url),
            status,
        });
    }
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let validators = Validators {
        etag: header(reqwest::header::ETAG),
        last_modified: header(reqwest::header::LAST_MODIFIED),
    };
    let bytes = read_bounded(response, MAX_INDEX, "the index").await?;
    let index = tokio::task::spawn_blocking(move || Index::parse(&bytes))
        .await
        .map_err(crate::Error::Interrupted)??;
    Ok(Fetched::New {
        index: Arc::new(index),
        validators,
    })
}

/// The repository's credentials when `url` is on the repository's own origin (scheme, host and
/// port); none for an archive elsewhere. An index may list archives on any host, and a
/// repository's password must not go to whichever host its index names (helm's default too,
/// unless `--pass-credentials`).
fn credentials_for<'a>(
    repository_url: &str,
    url: &str,
    credentials: Option<&'a Credentials>,
) -> Option<&'a Credentials> {
    let origin = |u: &str| reqwest::Url::parse(u).ok().map(|u| u.origin());
    credentials
        .filter(|_| origin(repository_url).is_some_and(|o| o.is_tuple() && Some(o) == origin(url)))
}

/// Downloads a chart archive of the repository at `repository_url`.
pub async fn fetch_archive(
    client: &RepositoryClient,
    repository_url: &str,
    url: &str,
    credentials: Option<&Credentials>,
) -> crate::Result<Vec<u8>> {
    let mut request = client.get(url)?.timeout(FETCH_TIMEOUT);
    if let Some(credentials) = credentials_for(repository_url, url, credentials) {
        request = request.basic_auth(&credentials.username, Some(&credentials.password));
    }
    let response = request.send().await.map_err(|e| send_failure(url, &e))?;
    if !response.status().is_success() {
        return Err(crate::Error::Status {
            url: url.into(),
            status: response.status(),
        });
    }
    read_bounded(response, crate::chart::MAX_ARCHIVE, "the chart archive").await
}

/// `limit` bytes as a person reads a size: `64 MiB`, `512 KiB`.
pub fn size_text(limit: usize) -> String {
    if limit >= 1024 * 1024 {
        format!("{} MiB", limit / 1024 / 1024)
    } else {
        format!("{} KiB", limit / 1024)
    }
}

/// The body of `response`, read chunk by chunk and refused as soon as it passes `limit` bytes
/// (or announces more in its `Content-Length`): a repository cannot make Wheelhouse hold more.
/// `what` names the body in the refusal (`the index`, `the chart archive`).
pub async fn read_bounded(
    mut response: reqwest::Response,
    limit: usize,
    what: &str,
) -> crate::Result<Vec<u8>> {
    let url = response.url().clone();
    let too_large = || crate::Error::TooLarge {
        what: what.into(),
        url: url.to_string(),
        limit,
    };
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        crate::Error::Unreachable(format!(
            "reading {what} at {url} failed: {}",
            error_chain(&e)
        ))
    })? {
        if bytes.len() + chunk.len() > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Why a request to `url` got no answer: the network policy's refusal (which names the address
/// and the flag), or the error with its causes; for a certificate no trusted CA signed, what to
/// do about it.
pub fn send_failure(url: &str, error: &reqwest::Error) -> crate::Error {
    if let Some(refused) = network::refusal_in(error) {
        return crate::Error::Refused {
            url: url.into(),
            refused: refused.clone(),
        };
    }
    let mut message = format!("{url} did not answer: {}", error_chain(error));
    if matches!(
        certificate_error_in(error),
        Some(rustls::CertificateError::UnknownIssuer)
    ) {
        message.push_str(UNKNOWN_ISSUER_HINT);
    }
    crate::Error::Unreachable(message)
}

/// What to do about a repository's certificate that no trusted CA signed.
pub const UNKNOWN_ISSUER_HINT: &str = "; no CA Wheelhouse trusts signed its certificate \
     (it trusts the system's CA certificates, and the CA of the repository's caSecretRef): \
     if a private CA signed it, put that CA in a Secret (key ca.crt) in the namespace Wheelhouse \
     reads credentials from and name it in caSecretRef";

/// The certificate error that ended a TLS handshake, if one did. rustls's error sits inside
/// `io::Error`s (hyper's inside tokio-rustls's), whose `source()` skips what they wrap, so each
/// `io::Error` is opened instead.
fn certificate_error_in<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::CertificateError> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(rustls::Error::InvalidCertificate(problem)) =
            error.downcast_ref::<rustls::Error>()
        {
            return Some(problem);
        }
        current = match error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    None
}

/// An error with its causes, which reqwest keeps in its source chain; when the network policy
/// refused an address or a redirect, just that sentence (it names the address and the flag).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    if let Some(refused) = network::refusal_in(error) {
        return refused.to_string();
    }
    wheelhouse_tls::with_causes(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_go_only_to_the_repository_s_own_origin() {
        let login = Credentials {
            username: "ann".into(),
            password: "s3cret".into(),
        };
        let repo = "https://charts.example/stable";
        let sent = |url: &str| credentials_for(repo, url, Some(&login)).is_some();
        assert!(sent("https://charts.example/stable/hello-1.0.0.tgz"));
        assert!(sent(
            "https://charts.example:443/other/path/hello-1.0.0.tgz"
        ));
        // Another host, scheme or port, or no URL at all: the archive is fetched without them.
        assert!(!sent("https://evil.example/hello-1.0.0.tgz"));
        assert!(!sent("https://charts.example.evil.example/hello.tgz"));
        assert!(!sent("http://charts.example/stable/hello-1.0.0.tgz"));
        assert!(!sent("https://charts.example:8443/stable/hello-1.0.0.tgz"));
        assert!(!sent("not a url"));
        assert!(credentials_for(repo, repo, None).is_none());
    }

    #[test]
    fn only_secrets_in_the_credentials_namespace_may_be_named() {
        let secret = |namespace: &str| SecretRef {
            namespace: namespace.into(),
            name: "login".into(),
        };
        assert_eq!(
            secret_namespace_problem(&secret("wheelhouse"), "wheelhouse"),
            None
        );
        let problem = secret_namespace_problem(&secret("payments"), "wheelhouse").expect("refused");
        assert!(
            problem.starts_with(
                "the credentials Secret payments/login is outside namespace wheelhouse"
            ),
            "{problem}"
        );
        assert!(problem.contains("--credentials-namespace"), "{problem}");
    }

    #[test]
    fn a_ca_secret_is_read_only_from_the_credentials_namespace_too() {
        let secret = |namespace: &str| SecretRef {
            namespace: namespace.into(),
            name: "charts-ca".into(),
        };
        assert_eq!(
            ca_secret_namespace_problem(&secret("wheelhouse"), "wheelhouse"),
            None
        );
        let problem =
            ca_secret_namespace_problem(&secret("payments"), "wheelhouse").expect("refused");
        assert!(
            problem.starts_with("the CA Secret payments/charts-ca is outside namespace wheelhouse"),
            "{problem}"
        );
        assert!(problem.contains("--credentials-namespace"), "{problem}");
    }

    #[test]
    fn a_login_crosses_plain_http_only_when_the_repository_says_so() {
        let problem = plain_http_problem("http://charts.example", false, true).expect("refused");
        assert!(problem.contains("plainHttp: true"), "{problem}");
        assert!(problem.contains("unencrypted"), "{problem}");
        assert_eq!(
            plain_http_problem("http://charts.example", true, true),
            None
        );
        assert_eq!(
            plain_http_problem("http://charts.example", false, false),
            None
        );
        assert_eq!(
            plain_http_problem("https://charts.example", false, true),
            None
        );
        // oci:// speaks http only with plainHttp, so it never sends a login in clear by accident.
        assert_eq!(
            plain_http_problem("oci://registry.example", false, true),
            None
        );
    }

    #[test]
    fn a_certificate_error_is_found_inside_the_io_errors_that_carry_it() {
        let handshake = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let connect = std::io::Error::other(handshake);
        assert_eq!(
            certificate_error_in(&connect),
            Some(&rustls::CertificateError::UnknownIssuer)
        );
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(certificate_error_in(&refused), None);
    }

    #[test]
    fn repository_urls_are_checked_and_classified() {
        assert_eq!(
            RepoKind::of_url("https://charts.example/stable").ok(),
            Some(RepoKind::Http)
        );
        assert_eq!(
            RepoKind::of_url("http://127.0.0.1:8080").ok(),
            Some(RepoKind::Http)
        );
        assert_eq!(
            RepoKind::of_url("oci://registry.example/charts").ok(),
            Some(RepoKind::Oci)
        );
        assert!(RepoKind::of_url("ftp://x").is_err());
        assert!(RepoKind::of_url("https://").is_err());
        assert!(RepoKind::of_url("charts.example").is_err());
    }

    #[test]
    fn archive_urls_resolve_against_the_repository() {
        assert_eq!(
            archive_url("http://r.example/charts/", "web-1.0.0.tgz"),
            "http://r.example/charts/web-1.0.0.tgz"
        );
        assert_eq!(
            archive_url("http://r.example", "https://cdn.example/web.tgz"),
            "https://cdn.example/web.tgz"
        );
        assert_eq!(
            index_url("http://r.example/"),
            "http://r.example/index.yaml"
        );
    }
}
