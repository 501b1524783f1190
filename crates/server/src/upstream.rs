//! Calls to the Kubernetes API server with the person's identity, and its answers as ours.
//!
//! Writes, details and the raw passthrough all go through [`Upstream`]: one request, the status
//! and body read whole (bounded), and a failure kept as the API server's own `Status` (code,
//! reason, message, causes) so the person reads what the API server said.

use std::time::Duration;
use wheelhouse_model::warning::{Warning, WarningReason};

use axum::http::{Method, StatusCode, header};
use bytes::Bytes;
use kube::Client;
use serde::Serialize;
use serde_json::{Value, json};
use wheelhouse_cluster::discovery::KindInfo;

use crate::error::AppError;
use crate::names::segment;

/// Answers larger than this are refused rather than held in memory.
pub const MAX_ANSWER: usize = 16 * 1024 * 1024;
/// How long one call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The API server's answer to one call.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Bytes,
}

/// A cause of an `Invalid` (or other) failure, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    pub field: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
}

/// A failed call: the API server's `Status`, or no answer at all.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The HTTP status; 503 when the API server did not answer.
    pub code: u16,
    /// The API server's reason (`Forbidden`, `Conflict`, `Invalid`…), `Unavailable` without one.
    pub reason: String,
    pub message: String,
    pub causes: Vec<Cause>,
}

impl Failure {
    fn unavailable(message: String) -> Self {
        Self {
            code: 503,
            reason: "Unavailable".into(),
            message,
            causes: Vec::new(),
        }
    }

    /// The failure of a non-2xx answer, from its `Status` body when it has one.
    pub fn of(answer: &Answer) -> Self {
        let status: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        let text = |key: &str| status.get(key).and_then(Value::as_str).map(str::to_string);
        let causes = status
            .pointer("/details/causes")
            .and_then(Value::as_array)
            .map(|causes| {
                causes
                    .iter()
                    .map(|c| Cause {
                        field: c.get("field").and_then(Value::as_str).map(str::to_string),
                        reason: c.get("reason").and_then(Value::as_str).map(str::to_string),
                        message: c.get("message").and_then(Value::as_str).map(str::to_string),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let message = text("message")
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| {
                let body = String::from_utf8_lossy(&answer.body);
                let body = body.trim();
                if body.is_empty() {
                    format!("the API server answered {}", answer.status)
                } else {
                    body.chars().take(500).collect()
                }
            });
        Self {
            code: answer.status.as_u16(),
            reason: text("reason")
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| reason_of(answer.status).to_string()),
            message,
            causes,
        }
    }

    /// This failure as a typed, non-fatal warning of a page.
    pub fn warning(&self, what: impl Into<String>) -> Warning {
        Warning::about(
            WarningReason::of_status(self.code),
            what,
            format!("the API server said \"{}\" ({})", self.message, self.code),
        )
    }

    /// The failure as the request's error: the API server's code, reason and words.
    pub fn into_error(self, details: Value) -> AppError {
        let mut details = details;
        if let Some(map) = details.as_object_mut() {
            map.insert("causes".into(), json!(self.causes));
        }
        let (status, reason) = match self.code {
            // The API server rejected Wheelhouse's credentials: not the browser's to fix.
            401 => (StatusCode::SERVICE_UNAVAILABLE, "Unauthorized"),
            503 if self.reason == "Unavailable" => {
                (StatusCode::SERVICE_UNAVAILABLE, "ClusterUnreachable")
            }
            code => (
                StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY),
                static_reason(&self.reason),
            ),
        };
        AppError::new(status, reason, self.message).with_details(details)
    }
}

fn reason_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        504 => "Timeout",
        _ => "InternalError",
    }
}

/// `AppError` reasons are static: the API server's known reasons, `ApiError` for others.
fn static_reason(reason: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "BadRequest",
        "Unauthorized",
        "Forbidden",
        "NotFound",
        "AlreadyExists",
        "Conflict",
        "Gone",
        "Invalid",
        "ServerTimeout",
        "Timeout",
        "TooManyRequests",
        "MethodNotAllowed",
        "NotAcceptable",
        "RequestEntityTooLarge",
        "UnsupportedMediaType",
        "InternalError",
        "Expired",
        "ServiceUnavailable",
    ];
    KNOWN
        .iter()
        .find(|k| **k == reason)
        .copied()
        .unwrap_or("ApiError")
}

/// The person's access to the API server.
#[derive(Clone)]
pub struct Upstream {
    client: Client,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream").finish_non_exhaustive()
    }
}

impl Upstream {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// One call; any HTTP answer is `Ok` (check its status), no answer is a 503 failure.
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<(Bytes, &str)>,
    ) -> Result<Answer, Failure> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(path_and_query)
            .header(header::ACCEPT, "application/json, */*");
        let body = match body {
            Some((bytes, content_type)) => {
                request = request.header(header::CONTENT_TYPE, content_type);
                kube::client::Body::from(bytes)
            }
            None => kube::client::Body::empty(),
        };
        let request = request
            .body(body)
            .map_err(|e| Failure::unavailable(format!("invalid request: {e}")))?;
        let call = async {
            let response =
                self.client.send(request).await.map_err(|e| {
                    Failure::unavailable(format!("the API server did not answer: {e}"))
                })?;
            let status = response.status();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = read_bounded(response.into_body()).await?;
            Ok(Answer {
                status,
                content_type,
                body,
            })
        };
        tokio::time::timeout(CALL_TIMEOUT, call)
            .await
            .map_err(|_| {
                Failure::unavailable(format!(
                    "the API server did not answer within {} seconds",
                    CALL_TIMEOUT.as_secs()
                ))
            })?
    }

    /// A call whose 2xx answer is JSON; a non-2xx answer is its `Status` as a failure.
    pub async fn json(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<(Bytes, &str)>,
    ) -> Result<Value, Failure> {
        let answer = self.send(method, path_and_query, body).await?;
        if !answer.status.is_success() {
            return Err(Failure::of(&answer));
        }
        serde_json::from_slice(&answer.body).map_err(|e| Failure {
            code: 502,
            reason: "InternalError".into(),
            message: format!("the API server's answer is not JSON: {e}"),
            causes: Vec::new(),
        })
    }

    pub async fn get(&self, path_and_query: &str) -> Result<Value, Failure> {
        self.json(Method::GET, path_and_query, None).await
    }

    /// The items of a list call.
    pub async fn list(&self, path_and_query: &str) -> Result<Vec<Value>, Failure> {
        let mut list = self.get(path_and_query).await?;
        Ok(match list.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        })
    }

    pub async fn send_json(
        &self,
        method: Method,
        path_and_query: &str,
        body: &Value,
        content_type: &str,
    ) -> Result<Value, Failure> {
        let bytes = Bytes::from(serde_json::to_vec(body).unwrap_or_default());
        self.json(method, path_and_query, Some((bytes, content_type)))
            .await
    }
}

async fn read_bounded(body: kube::client::Body) -> Result<Bytes, Failure> {
    axum::body::to_bytes(axum::body::Body::new(body), MAX_ANSWER)
        .await
        .map_err(|e| Failure {
            code: 502,
            reason: "InternalError".into(),
            message: format!(
                "the API server's answer could not be read whole (at most {MAX_ANSWER} bytes are passed on): {e}"
            ),
            causes: Vec::new(),
        })
}

/// `/api/v1` or `/apis/{group}/{version}`.
pub fn api_prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

/// The collection path of a kind, in one namespace or (`None`) all.
pub fn collection_path(kind: &KindInfo, namespace: Option<&str>) -> String {
    let prefix = api_prefix(&kind.group, &kind.version);
    match namespace.filter(|_| kind.namespaced) {
        Some(namespace) => format!(
            "{prefix}/namespaces/{}/{}",
            segment(namespace),
            kind.resource
        ),
        None => format!("{prefix}/{}", kind.resource),
    }
}

/// The path of one object; names are checked where they come in ([`crate::names::check`]) and
/// %-encoded here, so that nothing in one can become path syntax.
pub fn object_path(kind: &KindInfo, namespace: Option<&str>, name: &str) -> String {
    format!("{}/{}", collection_path(kind, namespace), segment(name))
}

/// What stays as it is in a query value: RFC 3986's unreserved characters.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// The object without `metadata.managedFields`.
pub fn without_managed_fields(mut object: Value) -> Value {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: Value) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).expect("status"),
            content_type: Some("application/json".into()),
            body: Bytes::from(body.to_string()),
        }
    }

    #[test]
    fn a_status_body_becomes_a_failure_with_its_causes() {
        let failure = Failure::of(&answer(
            422,
            json!({"kind":"Status","status":"Failure","message":"ConfigMap \"B\" is invalid","reason":"Invalid",
                   "details":{"causes":[{"reason":"FieldValueInvalid","message":"bad name","field":"metadata.name"}]},"code":422}),
        ));
        assert_eq!(failure.code, 422);
        assert_eq!(failure.reason, "Invalid");
        assert_eq!(failure.causes.len(), 1);
        assert_eq!(failure.causes[0].field.as_deref(), Some("metadata.name"));
        let error = failure.into_error(json!({}));
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.reason(), "Invalid");
    }

    #[test]
    fn a_body_without_status_keeps_the_code_and_text() {
        let failure = Failure::of(&Answer {
            status: StatusCode::FORBIDDEN,
            content_type: None,
            body: Bytes::from_static(b"nope"),
        });
        assert_eq!(failure.reason, "Forbidden");
        assert_eq!(failure.message, "nope");
        assert_eq!(
            failure.warning("events in namespace a").reason,
            WarningReason::Forbidden
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("app=web,tier!=db"), "app%3Dweb%2Ctier%21%3Ddb");
    }
}
