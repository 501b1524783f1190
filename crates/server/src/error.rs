//! The one error type of the HTTP layer and its JSON shape:
//! `{"error":{"code":503,"reason":"ClusterUnreachable","message":"…","details":null}}`.
//!
//! Internal details are logged (inside the request's span, so with its request id) and never sent.

use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_cluster::ProblemReason;
use wheelhouse_cluster::calls::Failure;

/// A failure to answer a request, with a message a person can act on.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    reason: &'static str,
    message: String,
    details: Option<Value>,
    /// Logged, never sent.
    internal: Option<String>,
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    pub fn new(status: StatusCode, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            reason,
            message: message.into(),
            details: None,
            internal: None,
        }
    }

    #[must_use]
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", message)
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLarge",
            format!("the request body is larger than the {limit} bytes this server accepts"),
        )
    }

    pub fn timeout(seconds: u64) -> Self {
        Self::new(
            StatusCode::GATEWAY_TIMEOUT,
            "Timeout",
            format!(
                "the request took longer than {seconds} seconds; the cluster may be slow, try again"
            ),
        )
    }

    /// A failure that is our fault: the cause is logged and the person gets a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            internal: Some(cause.to_string()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal",
                "Wheelhouse failed to answer this request; the server log has the details",
            )
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn reason(&self) -> &'static str {
        self.reason
    }

    /// The message a person reads (never the internal cause).
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn details(&self) -> Option<&Value> {
        self.details.as_ref()
    }
}

/// The body of every failed request: `{"error": {…}}`.
#[derive(Serialize, TS)]
#[ts(rename = "ErrorAnswer")]
pub struct Body<'a> {
    pub error: ErrorBody<'a>,
}

/// What failed, and why.
#[derive(Serialize, TS)]
pub struct ErrorBody<'a> {
    /// The HTTP status.
    pub code: u16,
    /// Machine-readable: `ClusterUnreachable`, `Forbidden`, `Invalid`, …
    pub reason: &'a str,
    /// For a person to read and act on.
    pub message: &'a str,
    /// What the reason needs said (the API server's causes, a conflict's current version…), or `null`.
    #[ts(type = "unknown")]
    pub details: &'a Option<Value>,
}

impl AppError {
    /// The body this error is answered with.
    pub fn body(&self) -> Body<'_> {
        Body {
            error: ErrorBody {
                code: self.status.as_u16(),
                reason: self.reason,
                message: &self.message,
                details: &self.details,
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self.internal {
            Some(cause) => {
                tracing::error!(status = self.status.as_u16(), reason = self.reason, %cause, "{}", self.message)
            }
            None if self.status.is_server_error() => {
                tracing::warn!(
                    status = self.status.as_u16(),
                    reason = self.reason,
                    "{}",
                    self.message
                );
            }
            None => tracing::debug!(
                status = self.status.as_u16(),
                reason = self.reason,
                "{}",
                self.message
            ),
        }
        (self.status, axum::Json(self.body())).into_response()
    }
}

/// The cluster layer's errors as the API's, in one place.
impl From<wheelhouse_cluster::Error> for AppError {
    fn from(error: wheelhouse_cluster::Error) -> Self {
        use wheelhouse_cluster::Error;
        let text = error.to_string();
        let forbidden = error
            .api_status()
            .filter(|(code, _)| *code == 403)
            .map(|(_, message)| message.to_string());
        match error {
            // The cluster's answer decides the reason; for this server all of them mean "unavailable".
            Error::Unavailable(problem) => {
                let reason = match problem.reason {
                    ProblemReason::ClusterUnreachable => "ClusterUnreachable",
                    ProblemReason::Unauthorized => "Unauthorized",
                    ProblemReason::Forbidden => "Forbidden",
                };
                Self::new(StatusCode::SERVICE_UNAVAILABLE, reason, problem.message)
            }
            Error::CacheNotReady { .. }
            | Error::DiscoveryFailed(_)
            | Error::DiscoveryNotReady { .. } => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "ClusterUnreachable", text)
            }
            // The person's identity may not list what the page needs: theirs to fix, so 403.
            Error::ListRefused { code: 403, .. } => {
                Self::new(StatusCode::FORBIDDEN, "Forbidden", text)
            }
            Error::ListRefused { .. } => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "Unauthorized", text)
            }
            Error::Refused {
                verb,
                resource,
                namespace,
                code,
                ..
            } => {
                let details = json!({"verb": verb, "resource": resource, "namespace": namespace});
                if code == 403 {
                    Self::new(StatusCode::FORBIDDEN, "Forbidden", text).with_details(details)
                } else {
                    // The credentials themselves were rejected: Wheelhouse's problem, not the page's.
                    Self::new(StatusCode::SERVICE_UNAVAILABLE, "Unauthorized", text)
                        .with_details(details)
                }
            }
            Error::UnknownResource { .. } | Error::NotFound { .. } => Self::not_found(text),
            Error::ResourceRemoved { resource } => {
                Self::new(StatusCode::GONE, "ResourceRemoved", text)
                    .with_details(json!({"resource": resource}))
            }
            Error::VerbNotSupported { .. } | Error::UnknownWorkload(_) => Self::bad_request(text),
            Error::UnknownRange { valid, .. } => {
                Self::bad_request(text).with_details(json!({"validRanges": valid}))
            }
            Error::NotScraped { namespace, .. } => {
                Self::new(StatusCode::FORBIDDEN, "Forbidden", text)
                    .with_details(json!({"namespace": namespace}))
            }
            Error::Prometheus { .. } => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "PrometheusUnavailable",
                text,
            ),
            Error::NotAuthenticated { .. } => {
                Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", text)
            }
            Error::NoUserInfo => Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", text),
            Error::Read { what, .. } if forbidden.is_some() => Self::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!("cannot read {what}: {}", forbidden.unwrap_or_default()),
            ),
            Error::Read { .. } => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "ClusterUnreachable", text)
            }
            other @ (Error::ReadKubeconfig { .. }
            | Error::NoKubeconfig
            | Error::ContextNotFound(_)
            | Error::NoCurrentContext
            | Error::Kubeconfig(_)
            | Error::InCluster(_)
            | Error::Client(_)) => Self::internal(other),
        }
    }
}

/// The view models' errors as the API's: a query, selector or text the request brought is the
/// request's fault (400; a YAML text past its budget 413, as a body past the size limit is); an
/// object that cannot be shown is the object's (422).
impl From<wheelhouse_model::Error> for AppError {
    fn from(error: wheelhouse_model::Error) -> Self {
        use wheelhouse_model::Error;
        match error {
            Error::UnknownSortColumn { .. }
            | Error::UnsortableColumn { .. }
            | Error::LabelSelector(_)
            | Error::Page(_)
            | Error::PageSize(_)
            | Error::Selector { .. }
            | Error::UnreadableSelector(_)
            | Error::Syntax { .. } => Self::bad_request(error.to_string()),
            Error::YamlTooLarge { .. } | Error::YamlTooDeep { .. } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PayloadTooLarge",
                error.to_string(),
            ),
            Error::MissingName | Error::Invalid { .. } | Error::Schema(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Unreadable",
                error.to_string(),
            ),
        }
    }
}

/// The app store's errors as the API's. A release record or chart archive that could not be
/// decoded is the input's fault (422); a repository or registry that failed to answer is a bad
/// gateway (502); decoding that stopped unexpectedly, or a connection helm cannot be given, is ours.
impl From<wheelhouse_apps::Error> for AppError {
    fn from(error: wheelhouse_apps::Error) -> Self {
        use wheelhouse_apps::Error;
        match error {
            Error::Interrupted(_) | Error::Kubeconfig(_) | Error::Client(_) => {
                Self::internal(error)
            }
            Error::Decode(_)
            | Error::Expands { .. }
            | Error::TooManyEntries { .. }
            | Error::Malformed { .. }
            | Error::TooLarge { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Unreadable",
                error.to_string(),
            ),
            Error::BadUrl(_)
            | Error::NotANetwork { .. }
            | Error::NoCertificate
            | Error::UnusableCertificates(_) => Self::bad_request(error.to_string()),
            Error::Refused { .. }
            | Error::Unreachable(_)
            | Error::Status { .. }
            | Error::Token(_) => Self::new(
                StatusCode::BAD_GATEWAY,
                "RepositoryUnavailable",
                error.to_string(),
            ),
        }
    }
}

/// A failed call's conversion into the request's error: the API server's code, reason and words,
/// with `details` saying what was asked (verb, resource, namespace, name) and the causes.
pub trait IntoAppError {
    fn into_error(self, details: Value) -> AppError;
}

impl IntoAppError for Failure {
    fn into_error(self, details: Value) -> AppError {
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

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let reason = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "PayloadTooLarge",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "UnsupportedMediaType",
            _ => "BadRequest",
        };
        Self::new(status, reason, rejection.body_text())
    }
}

/// `axum::Json` whose rejections (bad JSON, wrong content type, too large) use the error shape.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body as HttpBody, to_bytes};
    use axum::http::Request;
    use axum::routing::post;
    use tower::ServiceExt;

    async fn json_of(response: Response) -> Value {
        let bytes = to_bytes(response.into_body(), 1 << 20).await.expect("body");
        serde_json::from_slice(&bytes).expect("a JSON body")
    }

    #[test]
    fn a_failed_call_keeps_the_api_servers_code_reason_and_causes() {
        let failure = Failure {
            code: 422,
            reason: "Invalid".into(),
            message: "ConfigMap \"B\" is invalid".into(),
            causes: vec![wheelhouse_cluster::calls::Cause {
                field: Some("metadata.name".into()),
                reason: Some("FieldValueInvalid".into()),
                message: Some("bad name".into()),
            }],
        };
        let error = failure.into_error(json!({"verb": "create"}));
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.reason(), "Invalid");
        let unknown = Failure {
            code: 418,
            reason: "Teapot".into(),
            message: "no".into(),
            causes: vec![],
        };
        assert_eq!(unknown.into_error(json!({})).reason(), "ApiError");
    }

    #[tokio::test]
    async fn an_error_becomes_the_json_shape_of_the_contract() {
        let response = AppError::not_found("no pod named x")
            .with_details(serde_json::json!({"kind": "Pod"}))
            .into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let json = json_of(response).await;
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": 404, "reason": "NotFound", "message": "no pod named x", "details": {"kind": "Pod"}}})
        );
    }

    #[tokio::test]
    async fn internal_details_are_never_sent() {
        let json =
            json_of(AppError::internal("database password is hunter2").into_response()).await;
        assert_eq!(json["error"]["reason"], "Internal");
        assert!(!json.to_string().contains("hunter2"));
    }

    #[tokio::test]
    async fn bad_json_is_rejected_in_the_error_shape() {
        let app = axum::Router::new().route(
            "/echo",
            post(|ApiJson(value): ApiJson<Value>| async move { axum::Json(value) }),
        );
        let request = Request::post("/echo")
            .header("content-type", "application/json")
            .body(HttpBody::from("{not json"));
        let response = app
            .clone()
            .oneshot(request.expect("request"))
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let json = json_of(response).await;
        assert_eq!(json["error"]["reason"], "BadRequest");
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );

        let request = Request::post("/echo")
            .header("content-type", "text/plain")
            .body(HttpBody::from("{}"));
        let response = app
            .oneshot(request.expect("request"))
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            json_of(response).await["error"]["reason"],
            "UnsupportedMediaType"
        );
    }
}
