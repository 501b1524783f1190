//! `/api/v1/_raw/{kubernetes path}`: any Kubernetes API call passed through with the person's
//! identity — method, query, body and content type preserved, the API server's status, content
//! type and body returned as they are. The escape hatch for anything not modelled.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use bytes::Bytes;

use crate::AppState;
use crate::error::{AppError, Result};
use crate::upstream::Upstream;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/_raw/{*path}", any(raw))
}

/// Whether the query asks for a stream that would never end (watches, followed logs).
fn streams(query: &str) -> bool {
    query
        .split('&')
        .any(|pair| matches!(pair, "watch=true" | "watch=1" | "follow=true" | "follow=1"))
}

async fn raw(
    State(state): State<AppState>,
    method: Method,
    Path(path): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let query = uri.query().unwrap_or_default();
    if streams(query) {
        return Err(AppError::bad_request(
            "the raw passthrough does not stream: use /api/v1/watch/… for live views and /api/v1/logs/… with follow=true for logs",
        ));
    }
    if !(path.starts_with("api")
        || path.starts_with("apis")
        || path.starts_with("version")
        || path.starts_with("openapi"))
    {
        return Err(AppError::not_found(format!(
            "/{path} is not a Kubernetes API path; raw calls go to /api/…, /apis/…, /version or /openapi/…"
        )));
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
    let upstream = Upstream::new(state.cluster.client().clone());
    let answer = upstream
        .send(method, &target, body)
        .await
        .map_err(|failure| {
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
    Ok((
        answer.status,
        [(header::CONTENT_TYPE, content_type)],
        answer.body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watches_and_follows_are_recognised_as_streams() {
        assert!(streams("labelSelector=a&watch=true"));
        assert!(streams("follow=1"));
        assert!(!streams("watched=true"));
        assert!(!streams(""));
    }
}
