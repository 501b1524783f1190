//! Serving under a sub-path (`--base-path /sub/`) behind a reverse proxy.
//!
//! The routes are written for `/`; a middleware in front of the router strips the base path
//! from each request, redirects `/sub` to `/sub/`, and answers 404 outside it, except for the
//! probes `/healthz` and `/readyz`, which also answer at the root.

use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// Paths served at the root whatever the base path, as well as under it.
const PROBES: [&str; 2] = ["/healthz", "/readyz"];

/// A path prefix that starts and ends with `/` (`/` itself when the app is at the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePath(String);

impl Default for BasePath {
    fn default() -> Self {
        Self("/".into())
    }
}

impl BasePath {
    /// Accepts `sub`, `/sub`, `/sub/` or `/a/b/`; rejects characters that would need escaping in
    /// a URL or in HTML, so the value can go into `<base href>` as it is.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim_matches('/');
        if trimmed.is_empty() {
            return Ok(Self::default());
        }
        if trimmed
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..")
        {
            return Err(format!(
                "base path {text:?} has an empty, `.` or `..` segment"
            ));
        }
        if let Some(bad) = trimmed
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~/".contains(*c)))
        {
            return Err(format!(
                "base path {text:?} contains {bad:?}; use letters, digits and - . _ ~ /"
            ));
        }
        Ok(Self(format!("/{trimmed}/")))
    }

    /// The prefix with both slashes, e.g. `/sub/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    /// The path inside the app for a request path, if it lies under this base path.
    fn strip<'a>(&self, path: &'a str) -> Option<&'a str> {
        // Keep the slash that ends the prefix so the inner path starts with `/`.
        path.strip_prefix(&self.0[..self.0.len() - 1])
            .filter(|rest| rest.starts_with('/'))
    }
}

impl std::fmt::Display for BasePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Rewrites `request` to the path inside the app, keeping the original URI as [`OriginalUri`].
pub async fn strip_base_path(
    State(base): State<BasePath>,
    mut request: Request,
    next: Next,
) -> Response {
    let uri = request.uri().clone();
    request.extensions_mut().insert(OriginalUri(uri.clone()));
    // Probes also answer at the root: a kubelet reaches the pod directly, not through the proxy.
    if base.is_root() || PROBES.contains(&uri.path()) {
        return next.run(request).await;
    }
    let path = uri.path();
    if path == &base.as_str()[..base.as_str().len() - 1] {
        let location = match uri.query() {
            Some(query) => format!("{base}?{query}"),
            None => base.to_string(),
        };
        return match HeaderValue::try_from(location) {
            Ok(location) => (
                StatusCode::PERMANENT_REDIRECT,
                [(header::LOCATION, location)],
            )
                .into_response(),
            Err(error) => AppError::internal(error).into_response(),
        };
    }
    let Some(inner) = base.strip(path) else {
        return AppError::not_found(format!("{path} is outside this server's base path {base}"))
            .into_response();
    };
    let inner = match uri.query() {
        Some(query) => format!("{inner}?{query}"),
        None => inner.to_string(),
    };
    match inner.parse::<Uri>() {
        Ok(inner_uri) => {
            *request.uri_mut() = inner_uri;
            next.run(request).await
        }
        Err(error) => AppError::bad_request(format!("the request path cannot be read: {error}"))
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalised_to_leading_and_trailing_slashes() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("sub", "/sub/"),
            ("/sub", "/sub/"),
            ("/sub/", "/sub/"),
            ("/a/b", "/a/b/"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                BasePath::parse(input).expect(input).as_str(),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn base_paths_that_would_need_escaping_are_rejected() {
        for input in ["/a//b", "/a/../b", "/a b", "/\"><script>", "/a?b", "/a#b"] {
            assert!(
                BasePath::parse(input).is_err(),
                "{input:?} should be rejected"
            );
        }
    }

    #[test]
    fn only_paths_under_the_base_are_stripped() {
        let base = BasePath::parse("/sub/").expect("valid");
        assert_eq!(base.strip("/sub/"), Some("/"));
        assert_eq!(base.strip("/sub/api/v1/version"), Some("/api/v1/version"));
        assert_eq!(base.strip("/subway/"), None);
        assert_eq!(base.strip("/other/"), None);
    }
}
