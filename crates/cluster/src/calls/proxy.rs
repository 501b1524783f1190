//! A workload's web page through the API server: `pods/proxy` and `services/proxy`, as the
//! person, streamed.
//!
//! The answer's body is handed on as it comes (never read whole), so a large or endless page
//! costs the console a chunk at a time. Only the API server's own refusals (a `Status`: 403,
//! 404, 503 "no endpoints available") become a [`Failure`]; whatever the workload answers,
//! errors included, is the workload's page.

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use http_body_util::{BodyExt as _, Limited};

use super::{Answer, CALL_TIMEOUT, Calls, Failure, segment, timed_out};

/// How much of a JSON error answer is read to tell the API server's `Status` from a workload's
/// own JSON.
const STATUS_PEEK: usize = 64 * 1024;

/// Which kind of object a proxy path goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    Pods,
    Services,
}

impl ProxyKind {
    pub fn resource(self) -> &'static str {
        match self {
            Self::Pods => "pods",
            Self::Services => "services",
        }
    }
}

/// What a proxy request reaches: a pod or Service and a port, as the API server names them
/// (`web`, `web:80`, `web:http`, `https:web:443`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyTarget {
    pub namespace: String,
    pub kind: ProxyKind,
    /// `[scheme:]name[:port]`.
    pub target: String,
}

impl ProxyTarget {
    /// The API server's path of the target, without a trailing slash:
    /// `/api/v1/namespaces/{ns}/services/{target}/proxy`.
    pub fn path(&self) -> String {
        format!(
            "/api/v1/namespaces/{}/{}/{}/proxy",
            segment(&self.namespace),
            self.kind.resource(),
            segment(&self.target)
        )
    }
}

/// The workload's answer: its status, headers and body as it streams.
#[derive(Debug)]
pub struct Proxied {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: kube::client::Body,
}

impl Calls {
    /// Sends one request to the target through the API server's proxy: `rest` is the path after
    /// `proxy` (already checked, still %-encoded, with its leading `/` or empty) and `query` the
    /// query as sent. `headers` go as they are (the caller chose them); the person's credentials
    /// are the client's. The answer's headers arrive within [`CALL_TIMEOUT`]; the body streams.
    pub async fn proxy(
        &self,
        target: &ProxyTarget,
        method: Method,
        rest: &str,
        query: Option<&str>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Proxied, Failure> {
        let mut uri = format!("{}{rest}", target.path());
        if let Some(query) = query.filter(|q| !q.is_empty()) {
            uri = format!("{uri}?{query}");
        }
        let mut request = http::Request::builder().method(method).uri(uri);
        if let Some(sent) = request.headers_mut() {
            sent.extend(headers);
        }
        let request = request
            .body(kube::client::Body::from(body))
            .map_err(|e| Failure::unavailable(format!("invalid proxy request: {e}")))?;
        let response = tokio::time::timeout(CALL_TIMEOUT, self.client.send(request))
            .await
            .map_err(|_| timed_out())?
            .map_err(|e| Failure::unavailable(format!("the API server did not answer: {e}")))?;
        let (parts, body) = response.into_parts();
        let json = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        if !(parts.status.is_client_error() || parts.status.is_server_error()) || !json {
            return Ok(Proxied {
                status: parts.status,
                headers: parts.headers,
                body,
            });
        }
        // A JSON error: the API server's own `Status`, or the workload's JSON, passed on.
        let bytes = tokio::time::timeout(CALL_TIMEOUT, Limited::new(body, STATUS_PEEK).collect())
            .await
            .map_err(|_| timed_out())?
            .map(|collected| collected.to_bytes())
            .map_err(|e| Failure {
                code: 502,
                reason: "InternalError".into(),
                message: format!(
                    "the error answer through the proxy could not be read (at most {STATUS_PEEK} bytes are): {e}"
                ),
                causes: Vec::new(),
            })?;
        if is_status(&bytes) {
            return Err(Failure::of(&Answer {
                status: parts.status,
                content_type: Some("application/json".into()),
                body: bytes,
            }));
        }
        Ok(Proxied {
            status: parts.status,
            headers: parts.headers,
            body: kube::client::Body::from(bytes),
        })
    }
}

/// Whether a body is a `metav1.Status` (the API server's own answer, not the workload's).
fn is_status(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|value| {
        value["kind"] == "Status" && value["apiVersion"] == "v1" && value.get("code").is_some()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_path_is_the_api_servers_with_names_encoded() {
        let target = ProxyTarget {
            namespace: "shop".into(),
            kind: ProxyKind::Services,
            target: "https:web:443".into(),
        };
        assert_eq!(
            target.path(),
            "/api/v1/namespaces/shop/services/https:web:443/proxy"
        );
        let odd = ProxyTarget {
            namespace: "a".into(),
            kind: ProxyKind::Pods,
            target: "x/../y".into(),
        };
        assert_eq!(odd.path(), "/api/v1/namespaces/a/pods/x%2F..%2Fy/proxy");
    }

    #[test]
    fn only_a_status_counts_as_the_api_servers_answer() {
        assert!(is_status(
            br#"{"kind":"Status","apiVersion":"v1","code":503,"reason":"ServiceUnavailable"}"#
        ));
        assert!(!is_status(br#"{"error":"not found"}"#));
        assert!(!is_status(b"<html>"));
    }
}
