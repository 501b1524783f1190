//! `/api/v1/_raw/{kubernetes path}`: any Kubernetes API call passed through with the person's
//! identity — method, query, body and content type preserved, the API server's status and body
//! returned as they are. The escape hatch for anything not modelled.
//!
//! What it will not do, and why:
//! - **Streams** (`watch`, followed logs): they would hold a request open without bound; live
//!   views and logs have their own endpoints.
//! - **`proxy`, `exec`, `attach`, `portforward`**: a proxied pod or service answers with whatever
//!   it likes (an HTML page would run as the console's own origin), and the others open shells
//!   and tunnels, which get features of their own with their own checks.
//! - **Paths that change meaning on the way**: `.` and `..` segments and encoded slashes could
//!   make the API server (or a proxy in front of it) read a different path than the one checked.
//! - **Active content**: answers that are not JSON, YAML or plain text are sent as attachments
//!   under a sandboxing Content-Security-Policy, so nothing the API server relays runs as a page
//!   of the console.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use bytes::Bytes;

use crate::AppState;
use crate::error::{AppError, Result};
use crate::names::{self, BadSegment, decode_segment};
use crate::person::Me;
use crate::same_origin::{is_json_or_yaml, media_type};

const PREFIX: &str = "/api/v1/_raw/";

/// Subresources the passthrough refuses: each opens a stream, a shell or someone else's page.
const REFUSED_SUBRESOURCES: [&str; 4] = ["proxy", "exec", "attach", "portforward"];
/// Subresources of a namespace itself (`namespaces/{name}/status`), as the API server parses them.
const NAMESPACE_SUBRESOURCES: [&str; 2] = ["status", "finalize"];
/// The answer to an attachment: no script, no plug-in, no form, not even a same-origin frame.
const SANDBOX: &str = "sandbox; default-src 'none'";

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/_raw/{*path}", any(raw))
}

/// Why a raw path was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    /// Not under `/api`, `/apis`, `/version` or `/openapi`.
    NotKubernetes(String),
    /// `.` or `..`, an empty segment (`//`) before the last one, an encoded slash or a broken
    /// escape (the same rule as every API path, [`crate::names::guard`]).
    Segment(BadSegment, String),
    /// A subresource from [`REFUSED_SUBRESOURCES`], or the old `/api/v1/proxy/…` form.
    Subresource(String),
    /// `/api/v1/watch/…`, `?watch=true` or `?follow=true`.
    Stream,
}

impl Refusal {
    fn into_error(self) -> AppError {
        match self {
            Self::NotKubernetes(path) => AppError::not_found(format!(
                "/{path} is not a Kubernetes API path; raw calls go to /api/…, /apis/…, /version or /openapi/…"
            )),
            Self::Segment(bad, segment) => names::refusal(&bad, &segment),
            Self::Subresource(subresource) => AppError::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!(
                    "the raw passthrough does not open `{subresource}`: proxied pages, shells and tunnels \
                     are not passed through (logs, live views and metrics have their own endpoints)"
                ),
            ),
            Self::Stream => AppError::bad_request(
                "the raw passthrough does not stream: use /api/v1/watch/… for live views and /api/v1/logs/… with follow=true for logs",
            ),
        }
    }
}

/// Checks a raw path (still %-encoded, without the leading slash) the way the API server will
/// read it: which group, version, namespace, resource, name and subresource it names.
fn check_path(path: &str) -> Result<(), Refusal> {
    let mut segments: Vec<String> = Vec::new();
    let raw: Vec<&str> = path.split('/').collect();
    for (index, segment) in raw.iter().enumerate() {
        if segment.is_empty() && index + 1 == raw.len() && index > 0 {
            break; // a trailing slash
        }
        segments.push(
            decode_segment(segment).map_err(|bad| Refusal::Segment(bad, (*segment).to_string()))?,
        );
    }
    let rest: &[String] = match segments.first().map(String::as_str) {
        Some("api") if segments.len() >= 2 => &segments[2..],
        Some("apis") if segments.len() >= 3 => &segments[3..],
        Some("api" | "apis" | "version" | "openapi") => return Ok(()),
        _ => return Err(Refusal::NotKubernetes(path.to_string())),
    };
    match rest.first().map(String::as_str) {
        Some("watch") => return Err(Refusal::Stream),
        Some("proxy") => return Err(Refusal::Subresource("proxy".into())),
        _ => {}
    }
    // `namespaces/{ns}/{resource}/{name}/{subresource}`, or a namespace's own subresource.
    let parts = match rest {
        [namespaces, _, resource, ..]
            if namespaces == "namespaces"
                && !NAMESPACE_SUBRESOURCES.contains(&resource.as_str()) =>
        {
            &rest[2..]
        }
        _ => rest,
    };
    if let Some(subresource) = parts.get(2)
        && REFUSED_SUBRESOURCES.contains(&subresource.as_str())
    {
        return Err(Refusal::Subresource(subresource.clone()));
    }
    Ok(())
}

/// Whether the query asks for a stream that would never end: `watch` or `follow` set to any
/// value the API server reads as true (Go's `strconv.ParseBool`), however it is encoded.
fn streams(query: &str) -> bool {
    form_urlencoded::parse(query.as_bytes()).any(|(key, value)| {
        matches!(key.as_ref(), "watch" | "follow")
            && matches!(value.as_ref(), "1" | "t" | "T" | "true" | "TRUE" | "True")
    })
}

/// Whether an answer of this type may be shown by the browser as it is: data, never a page.
fn shown_inline(content_type: &str) -> bool {
    is_json_or_yaml(content_type) || media_type(content_type) == "text/plain"
}

async fn raw(
    me: Me,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    // The path as sent (still encoded): the one the API server will read.
    let path = uri.path().strip_prefix(PREFIX).unwrap_or_default();
    check_path(path).map_err(Refusal::into_error)?;
    let query = uri.query().unwrap_or_default();
    if streams(query) {
        return Err(Refusal::Stream.into_error());
    }
    let target = if query.is_empty() {
        format!("/{path}")
    } else {
        format!("/{path}?{query}")
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let body = (!body.is_empty()).then_some((body, content_type.as_str()));
    let calls = me.calls.clone();
    let answer = calls.send(method, &target, body).await.map_err(|failure| {
        if failure.code == 503 {
            AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ClusterUnreachable",
                failure.message,
            )
        } else {
            AppError::new(StatusCode::BAD_GATEWAY, "BadGateway", failure.message)
        }
    })?;
    let content_type = answer
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    let inline = shown_inline(&content_type);
    let mut response = (
        answer.status,
        [(header::CONTENT_TYPE, content_type)],
        answer.body,
    )
        .into_response();
    if !inline {
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SANDBOX),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_api_paths_pass() {
        for path in [
            "api",
            "api/v1",
            "apis",
            "apis/apps/v1",
            "version",
            "openapi/v3",
            "api/v1/namespaces/team-a/pods",
            "api/v1/namespaces/team-a/pods/web-1/log",
            "api/v1/namespaces/team-a/pods/web-1/eviction",
            "api/v1/namespaces/team-a/status",
            "api/v1/nodes/node-1/status",
            "apis/apps/v1/namespaces/shop/deployments/web/scale",
            "api/v1/namespaces/team-a/configmaps/",
            // Names that are also refused words are still names.
            "api/v1/namespaces/exec/pods/proxy",
            "api/v1/namespaces/proxy/configmaps/attach",
        ] {
            assert_eq!(check_path(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn shells_tunnels_and_proxies_are_refused() {
        let cases = [
            ("api/v1/namespaces/team-a/pods/web-1/exec", "exec"),
            ("api/v1/namespaces/team-a/pods/web-1/attach", "attach"),
            (
                "api/v1/namespaces/team-a/pods/web-1/portforward",
                "portforward",
            ),
            ("api/v1/namespaces/team-a/pods/web-1/proxy", "proxy"),
            (
                "api/v1/namespaces/team-a/pods/web-1/proxy/index.html",
                "proxy",
            ),
            ("api/v1/namespaces/team-a/services/web:80/proxy/", "proxy"),
            ("api/v1/nodes/node-1/proxy/metrics", "proxy"),
            ("api/v1/proxy/namespaces/team-a/pods/web-1", "proxy"),
            ("api/v1/namespaces/team-a/pods/web-1/%65xec", "exec"),
        ];
        for (path, subresource) in cases {
            assert_eq!(
                check_path(path),
                Err(Refusal::Subresource(subresource.into())),
                "{path}"
            );
        }
    }

    #[test]
    fn dot_segments_and_encoded_slashes_are_refused() {
        for path in [
            "api/v1/namespaces/team-a/../../api/v1/secrets",
            "api/v1/namespaces/./pods",
            "api/v1/namespaces/%2e%2e/secrets",
            "api//v1/pods",
        ] {
            assert!(
                matches!(check_path(path), Err(Refusal::Segment(BadSegment::Dots, _))),
                "{path}"
            );
        }
        for path in [
            "api/v1/namespaces/team-a/pods/web%2F..%2Fsecrets",
            "api/v1/namespaces/team-a/pods/web%5Cx",
            "api/v1/namespaces/team-a/pods/web%zz",
            "api/v1/namespaces/team-a/pods/web%0a",
        ] {
            assert!(
                matches!(
                    check_path(path),
                    Err(Refusal::Segment(BadSegment::Encoding, _))
                ),
                "{path}"
            );
        }
    }

    #[test]
    fn paths_outside_the_kubernetes_api_are_refused() {
        for path in ["apisx/v1", "metrics", "healthz", "logs"] {
            assert!(
                matches!(check_path(path), Err(Refusal::NotKubernetes(_))),
                "{path}"
            );
        }
    }

    #[test]
    fn watches_and_follows_are_recognised_however_they_are_written() {
        assert!(streams("labelSelector=a&watch=true"));
        assert!(streams("follow=1"));
        assert!(streams("watch=t"));
        assert!(streams("watch=True"));
        assert!(streams("%77atch=true"), "an encoded key is the same key");
        assert!(!streams("watched=true"));
        assert!(!streams("watch=false"));
        assert!(!streams(""));
        assert_eq!(
            check_path("api/v1/watch/namespaces/a/pods"),
            Err(Refusal::Stream)
        );
    }

    #[test]
    fn only_data_types_are_shown_inline() {
        for inline in [
            "application/json",
            "application/json; charset=utf-8",
            "application/yaml",
            "text/plain; charset=utf-8",
            "application/merge-patch+json",
            "application/jwk-set+json",
        ] {
            assert!(shown_inline(inline), "{inline}");
        }
        for attachment in [
            "text/html",
            "TEXT/HTML; charset=utf-8",
            "image/svg+xml",
            "application/javascript",
            "application/octet-stream",
            "application/vnd.kubernetes.protobuf",
            "",
        ] {
            assert!(!shown_inline(attachment), "{attachment}");
        }
    }
}
