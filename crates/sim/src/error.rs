//! Errors of the simulated API server, and how each becomes a Kubernetes `metav1.Status`.

use serde_json::{Value, json};

/// The one error type of `wheelhouse-sim`.
///
/// Variants that model an API answer carry what kube-apiserver puts in its `Status` body, so
/// [`Error::to_status`] can word them exactly as the real server does.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object does not exist: `404 NotFound`, `<resource> "<name>" not found`.
    #[error("{resource} \"{name}\" not found")]
    NotFound { resource: String, name: String },
    /// Create of a name that is taken: `409 AlreadyExists`.
    #[error("{resource} \"{name}\" already exists")]
    AlreadyExists { resource: String, name: String },
    /// A write carried a stale `resourceVersion` (optimistic concurrency): `409 Conflict`.
    #[error(
        "Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
    )]
    Conflict { resource: String, name: String },
    /// A conflict with a custom message (server-side apply field conflicts, uid preconditions).
    #[error("{message}")]
    ConflictMessage {
        resource: String,
        name: String,
        message: String,
        causes: Vec<Cause>,
    },
    /// The object failed validation: `422 Invalid` with one cause per field.
    #[error("{kind} \"{name}\" is invalid: {}", causes_text(.causes))]
    Invalid {
        kind: String,
        name: String,
        causes: Vec<Cause>,
    },
    /// The request itself is malformed (bad JSON, bad selector, bad patch): `400 BadRequest`.
    #[error("{0}")]
    BadRequest(String),
    /// The person is known but the policy does not allow the request: `403 Forbidden`.
    #[error("{message}")]
    Forbidden {
        message: String,
        resource: String,
        name: Option<String>,
        group: String,
    },
    /// No or an unknown bearer token: `401 Unauthorized`.
    #[error("Unauthorized")]
    Unauthorized,
    /// The path names no resource the sim serves: `404 NotFound` with empty details.
    #[error("the server could not find the requested resource")]
    UnknownPath,
    /// The resource exists but does not support the verb: `405 MethodNotAllowed`.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// No representation the client accepts: `406 NotAcceptable`.
    #[error("{0}")]
    NotAcceptable(String),
    /// The content type of the body is not one the verb takes: `415 UnsupportedMediaType`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A body larger than the 3 MiB kube-apiserver accepts: `413 RequestEntityTooLarge`.
    #[error("the request is too large; the limit is {limit} bytes")]
    TooLarge { limit: usize },
    /// A watch or continue token from a resourceVersion the sim no longer holds: `410 Expired`.
    #[error("{0}")]
    Expired(String),
    /// An eviction the PodDisruptionBudgets do not allow now: `429 TooManyRequests`.
    #[error("{message}")]
    TooManyRequests { message: String, causes: Vec<Cause> },
    /// A proxy target that cannot be reached (a Service without ready endpoints, a pod port
    /// nothing listens on): `503 ServiceUnavailable`.
    #[error("{0}")]
    ServiceUnavailable(String),
    /// A bug or an unexpected state inside the sim: `500 InternalError`.
    #[error("Internal error occurred: {0}")]
    Internal(String),
    /// The HTTP client that fetches an OIDC issuer's keys could not be built (no CA
    /// certificates to verify an `https://` issuer with, usually).
    #[error("cannot build the HTTP client for the OIDC issuer's keys")]
    HttpClient(#[source] reqwest::Error),
    /// The listener could not be bound or served.
    #[error("cannot serve on {addr}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// A scenario could not be parsed or loaded.
    #[error("scenario: {0}")]
    Scenario(String),
}

/// `Result` with the sim's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One `details.causes` entry of a `Status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `ExitCode`…
    pub reason: String,
    pub message: String,
    pub field: String,
}

impl Cause {
    /// A `FieldValueInvalid` cause as kube-apiserver words it: `Invalid value: "<v>": <why>`.
    pub fn invalid(field: &str, value: &str, why: &str) -> Cause {
        Cause {
            reason: "FieldValueInvalid".into(),
            message: format!("Invalid value: {}: {why}", json!(value)),
            field: field.into(),
        }
    }

    /// A `FieldValueRequired` cause: `Required value[: why]`.
    pub fn required(field: &str, why: &str) -> Cause {
        let message = if why.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {why}")
        };
        Cause {
            reason: "FieldValueRequired".into(),
            message,
            field: field.into(),
        }
    }
}

fn causes_text(causes: &[Cause]) -> String {
    let parts: Vec<String> = causes
        .iter()
        .map(|c| {
            if c.field.is_empty() {
                c.message.clone()
            } else {
                format!("{}: {}", c.field, c.message)
            }
        })
        .collect();
    if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("[{}]", parts.join(", "))
    }
}

impl Error {
    /// A `NotFound` for `resource` (plural, e.g. `configmaps`, or `deployments.apps`).
    pub fn not_found(resource: &str, name: &str) -> Error {
        Error::NotFound {
            resource: resource.into(),
            name: name.into(),
        }
    }

    /// A `BadRequest` with the given message.
    pub fn bad_request(message: impl Into<String>) -> Error {
        Error::BadRequest(message.into())
    }

    /// An `Invalid` with a single cause.
    pub fn invalid(kind: &str, name: &str, cause: Cause) -> Error {
        Error::Invalid {
            kind: kind.into(),
            name: name.into(),
            causes: vec![cause],
        }
    }

    /// The HTTP status code kube-apiserver answers with.
    pub fn code(&self) -> u16 {
        match self {
            Error::NotFound { .. } | Error::UnknownPath => 404,
            Error::AlreadyExists { .. }
            | Error::Conflict { .. }
            | Error::ConflictMessage { .. } => 409,
            Error::Invalid { .. } => 422,
            Error::BadRequest(_) | Error::Scenario(_) => 400,
            Error::Forbidden { .. } => 403,
            Error::Unauthorized => 401,
            Error::MethodNotAllowed(_) => 405,
            Error::NotAcceptable(_) => 406,
            Error::UnsupportedMediaType(_) => 415,
            Error::TooLarge { .. } => 413,
            Error::Expired(_) => 410,
            Error::TooManyRequests { .. } => 429,
            Error::ServiceUnavailable(_) => 503,
            Error::Internal(_) | Error::Bind { .. } | Error::HttpClient(_) => 500,
        }
    }

    /// The `reason` field of the `Status`.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::NotFound { .. } | Error::UnknownPath => "NotFound",
            Error::AlreadyExists { .. } => "AlreadyExists",
            Error::Conflict { .. } | Error::ConflictMessage { .. } => "Conflict",
            Error::Invalid { .. } => "Invalid",
            Error::BadRequest(_) | Error::Scenario(_) => "BadRequest",
            Error::Forbidden { .. } => "Forbidden",
            Error::Unauthorized => "Unauthorized",
            Error::MethodNotAllowed(_) => "MethodNotAllowed",
            Error::NotAcceptable(_) => "NotAcceptable",
            Error::UnsupportedMediaType(_) => "UnsupportedMediaType",
            Error::TooLarge { .. } => "RequestEntityTooLarge",
            Error::Expired(_) => "Expired",
            Error::TooManyRequests { .. } => "TooManyRequests",
            Error::ServiceUnavailable(_) => "ServiceUnavailable",
            Error::Internal(_) | Error::Bind { .. } | Error::HttpClient(_) => "InternalError",
        }
    }

    /// The `metav1.Status` body kube-apiserver would send for this error.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
            "code": self.code(),
        });
        let details = match self {
            Error::NotFound { resource, name }
            | Error::AlreadyExists { resource, name }
            | Error::Conflict { resource, name } => Some(details_of(resource, Some(name), &[])),
            Error::ConflictMessage {
                resource,
                name,
                causes,
                ..
            } => Some(details_of(resource, Some(name), causes)),
            Error::Invalid { kind, name, causes } => Some(details_of(kind, Some(name), causes)),
            Error::Forbidden {
                resource,
                name,
                group,
                ..
            } => {
                let mut d = details_of(resource, name.as_deref(), &[]);
                if !group.is_empty() {
                    d["group"] = json!(group);
                }
                Some(d)
            }
            Error::UnknownPath => Some(json!({})),
            Error::TooManyRequests { causes, .. } if !causes.is_empty() => {
                Some(details_of("", None, causes))
            }
            _ => None,
        };
        if let Some(details) = details {
            status["details"] = details;
        }
        status
    }
}

/// Splits `deployments.apps` into the `details` of a Status: `{"name", "group", "kind"}`.
fn details_of(resource: &str, name: Option<&str>, causes: &[Cause]) -> Value {
    let mut d = serde_json::Map::new();
    if let Some(name) = name {
        d.insert("name".into(), json!(name));
    }
    if !resource.is_empty() {
        match resource.split_once('.') {
            Some((plural, group)) => {
                d.insert("group".into(), json!(group));
                d.insert("kind".into(), json!(plural));
            }
            None => {
                d.insert("kind".into(), json!(resource));
            }
        }
    }
    if !causes.is_empty() {
        let causes: Vec<Value> = causes
            .iter()
            .map(|c| {
                let mut v = json!({"reason": c.reason, "message": c.message});
                if !c.field.is_empty() {
                    v["field"] = json!(c.field);
                }
                v
            })
            .collect();
        d.insert("causes".into(), Value::Array(causes));
    }
    Value::Object(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_status_reads_like_kube_apiserver() {
        let status = Error::not_found("configmaps", "missing").to_status();
        assert_eq!(status["message"], "configmaps \"missing\" not found");
        assert_eq!(status["reason"], "NotFound");
        assert_eq!(status["code"], 404);
        assert_eq!(
            status["details"],
            json!({"name": "missing", "kind": "configmaps"})
        );
    }

    #[test]
    fn grouped_resource_is_split_into_group_and_kind_in_details() {
        let status = Error::not_found("deployments.apps", "web").to_status();
        assert_eq!(
            status["details"],
            json!({"name": "web", "group": "apps", "kind": "deployments"})
        );
        assert_eq!(status["message"], "deployments.apps \"web\" not found");
    }

    #[test]
    fn invalid_status_lists_causes_and_prefixes_the_field() {
        let err = Error::invalid(
            "ConfigMap",
            "Bad_Name",
            Cause::invalid("metadata.name", "Bad_Name", "nope"),
        );
        let status = err.to_status();
        assert_eq!(
            status["message"],
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": nope"
        );
        assert_eq!(
            status["details"]["causes"][0]["reason"],
            "FieldValueInvalid"
        );
        assert_eq!(status["code"], 422);
    }
}
