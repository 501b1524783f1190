//! Calls to the Kubernetes API server made for one person, and their answers as Wheelhouse's.
//!
//! [`Calls`] holds a client that acts as the person ([`crate::Cluster::calls_for`]). The actions
//! (scale, restart, suspend, trigger, cordon, eviction) are kube's typed calls (`actions`);
//! calls generic over kinds (detail, edit, delete, apply) use kube's `DynamicObject` Api
//! (`objects`); built-in kinds pages need are read typed (`reads`); logs are opened with kube's
//! log request ([`Calls::open_log`]). The raw passthrough is the one call to a path the caller
//! gives ([`Calls::send`]). Every call is bounded in time, and in size where it is read whole. A
//! failure is kept as the API server's own `Status` (code, reason, message, causes) so the person
//! reads what the API server said; the server turns a [`Failure`] into its error shape in one
//! place.

mod actions;
mod alerting;
pub mod exec;
pub mod node_shell;
mod objects;
mod paths;
pub mod port_forward;
pub mod proxy;
mod reads;

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;
use wheelhouse_model::warning::{Warning, WarningReason};

pub use actions::{HistoryKind, job_from_cronjob};
pub use kube::api::{LogParams, PropagationPolicy};
pub use objects::Deletion;
pub use paths::segment;

/// A container's log as it streams from the API server ([`Calls::open_log`]).
pub type LogStream = kube::client::Body;

/// Answers larger than this are refused rather than held in memory.
pub const MAX_ANSWER: usize = 16 * 1024 * 1024;
/// How long one call may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The API server's answer to one call.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: Bytes,
}

/// A cause of an `Invalid` (or other) failure, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
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
    /// No answer: the API server could not be reached, or not within [`CALL_TIMEOUT`].
    pub fn unavailable(message: String) -> Self {
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

/// The failure of a typed call: the API server's `Status`, or no (readable) answer.
impl From<kube::Error> for Failure {
    fn from(error: kube::Error) -> Self {
        match error {
            kube::Error::Api(status) => {
                let code = status.code;
                let text = |s: String| (!s.is_empty()).then_some(s);
                Self {
                    code,
                    reason: text(status.reason).unwrap_or_else(|| {
                        StatusCode::from_u16(code)
                            .map_or("InternalError", reason_of)
                            .to_string()
                    }),
                    message: text(status.message)
                        .unwrap_or_else(|| format!("the API server answered {code}")),
                    causes: status
                        .details
                        .map(|details| {
                            details
                                .causes
                                .into_iter()
                                .map(|c| Cause {
                                    field: text(c.field),
                                    reason: text(c.reason),
                                    message: text(c.message),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            }
            kube::Error::SerdeError(e) => Self {
                code: 502,
                reason: "InternalError".into(),
                message: format!("the API server's answer is not JSON: {e}"),
                causes: Vec::new(),
            },
            other => Self::unavailable(format!("the API server did not answer: {other}")),
        }
    }
}

/// A typed answer as JSON, the shape the server hands on.
fn value(object: impl Serialize) -> Result<Value, Failure> {
    serde_json::to_value(object).map_err(|e| Failure {
        code: 502,
        reason: "InternalError".into(),
        message: format!("the API server's answer cannot be read: {e}"),
        causes: Vec::new(),
    })
}

/// Calls to the API server as one person: their client, bounded in time and size. The typed
/// calls are in `actions`, `objects` and `reads`; [`Calls::send`] is the one path-based call,
/// for the raw passthrough.
#[derive(Clone)]
pub struct Calls {
    client: Client,
}

impl std::fmt::Debug for Calls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calls").finish_non_exhaustive()
    }
}

/// Runs a typed call within [`CALL_TIMEOUT`], its failure as the API server's words.
async fn within<T>(call: impl Future<Output = kube::Result<T>>) -> Result<T, Failure> {
    tokio::time::timeout(CALL_TIMEOUT, call)
        .await
        .map_err(|_| timed_out())?
        .map_err(Failure::from)
}

fn timed_out() -> Failure {
    Failure::unavailable(format!(
        "the API server did not answer within {} seconds",
        CALL_TIMEOUT.as_secs()
    ))
}

impl Calls {
    /// Calls made with `client`; a person's come from [`crate::Cluster::calls_for`], the console's
    /// own (background loops) from [`crate::Cluster::client`].
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// One call to a path the caller checked (the raw passthrough): any HTTP answer is `Ok`
    /// (check its status), no answer is a 503 failure; at most [`MAX_ANSWER`] bytes, within
    /// [`CALL_TIMEOUT`].
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
            .map_err(|_| timed_out())?
    }

    /// Opens a container's log (kube's request for `pods/{pod}/log`): the body as it comes, or
    /// the API server's `Status`. Not bounded in time: the caller reads it for as long as the
    /// person watches, and stops by dropping it.
    pub async fn open_log(
        &self,
        namespace: &str,
        pod: &str,
        options: &LogParams,
    ) -> Result<LogStream, Failure> {
        let url = <Pod as kube::Resource>::url_path(&(), Some(&segment(namespace)));
        let request = kube::core::Request::new(url)
            .logs(&segment(pod), options)
            .map_err(|e| Failure {
                code: 400,
                reason: "BadRequest".into(),
                message: e.to_string(),
                causes: Vec::new(),
            })?
            .map(kube::client::Body::from);
        let response = self
            .client
            .send(request)
            .await
            .map_err(|e| Failure::unavailable(format!("the API server did not answer: {e}")))?;
        if response.status().is_success() {
            return Ok(response.into_body());
        }
        let status = response.status();
        let body = Limited::new(response.into_body(), 1 << 20)
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        Err(Failure::of(&Answer {
            status,
            content_type: None,
            body,
        }))
    }
}

async fn read_bounded(body: kube::client::Body) -> Result<Bytes, Failure> {
    Limited::new(body, MAX_ANSWER)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e| Failure {
            code: 502,
            reason: "InternalError".into(),
            message: format!(
                "the API server's answer could not be read whole (at most {MAX_ANSWER} bytes are passed on): {e}"
            ),
            causes: Vec::new(),
        })
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
    use serde_json::json;

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
    fn a_typed_calls_status_keeps_its_reason_and_causes() {
        let status: kube::core::Status = serde_json::from_value(json!({
            "kind": "Status", "status": "Failure", "message": "", "reason": "", "code": 409,
            "details": {"causes": [{"field": "spec", "message": "stale"}]}
        }))
        .expect("a status");
        let failure = Failure::from(kube::Error::Api(Box::new(status)));
        assert_eq!(failure.reason, "Conflict");
        assert_eq!(failure.message, "the API server answered 409");
        assert_eq!(failure.causes[0].field.as_deref(), Some("spec"));
        assert_eq!(failure.causes[0].reason, None);
    }
}
