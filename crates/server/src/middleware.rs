//! The layers every API and web request goes through: request ids, tracing, compression, the
//! body limit and the timeout; and the security headers of every answer.

use std::time::Duration;

use axum::extract::{MatchedPath, OriginalUri, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::{AppState, ServerConfig};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Wraps `router` in the layers; the first listed runs first on a request.
pub fn layers(router: axum::Router<AppState>, config: &ServerConfig) -> axum::Router<AppState> {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let path = request
                .extensions()
                .get::<OriginalUri>()
                .map_or_else(|| request.uri().path(), |uri| uri.0.path());
            // A workload proxy's ticket acts as the person: it stays out of the log.
            let path = crate::proxy::redacted(path);
            let request_id = request
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("request", method = %request.method(), path = %path, request_id)
        })
        .on_response(
            |response: &Response, latency: Duration, _span: &tracing::Span| {
                tracing::info!(
                    status = response.status().as_u16(),
                    latency_ms = latency.as_millis(),
                    "answered"
                );
            },
        );
    // Layers added later wrap the earlier ones, so this list reads from the inside out.
    router
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(config.request_timeout, timeout))
        .layer(axum::extract::DefaultBodyLimit::max(config.body_limit))
        .layer(from_fn_with_state(config.body_limit, reject_large_bodies))
        .layer(CompressionLayer::new())
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// The Content-Security-Policy of every answer that does not set its own. Scripts, styles,
/// fonts and connections only from the console itself; images also from chart repositories and
/// READMEs (`https:`/`http:`, `data:`), which cannot run anything; no plug-ins; never in a frame.
/// `index.html` sets its own, the same with a per-load nonce for the style elements the YAML
/// editor creates ([`content_security_policy`]).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: https: http:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The page's [`CONTENT_SECURITY_POLICY`]: it also allows `<style nonce="…">` elements with this
/// nonce, and `style` attributes (`style-src-attr`), which the terminal sets on the cells it draws
/// in a selection or in 24-bit colour. An attribute cannot load or run anything; `<style>`
/// elements, which could (selectors that fetch), still need the nonce.
pub fn content_security_policy(style_nonce: &str) -> String {
    CONTENT_SECURITY_POLICY.replacen(
        "style-src 'self';",
        &format!("style-src 'self' 'nonce-{style_nonce}'; style-src-attr 'unsafe-inline';"),
        1,
    )
}

/// Browsers keep to HTTPS for the console's host for a year once they have seen it over TLS (no
/// subdomains: the console may share a domain with other services).
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// The headers every answer carries (probes, errors and redirects included): no framing, no
/// type sniffing, no referrer sent to other sites, and no other origin may embed or open it;
/// served over TLS (`tls`), HTTPS only from now on.
pub async fn security_headers(State(tls): State<bool>, request: Request, next: Next) -> Response {
    const FIXED: [(HeaderName, &str); 3] = [
        // Browsers must not guess a type other than the one sent (e.g. run a JSON body as script).
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // For browsers that predate `frame-ancestors`.
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    // URLs carry namespaces and names (and a proxied page's its ticket); other sites need not
    // learn them.
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    // Only the console's pages may load its answers (a proxied page, whose origin is opaque,
    // sets its own: `crate::proxy`).
    headers
        .entry(HeaderName::from_static("cross-origin-resource-policy"))
        .or_insert(HeaderValue::from_static("same-origin"));
    for (name, value) in FIXED {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    response
}

/// Rejects a body announced larger than the limit before reading it; extractors enforce the
/// same limit on bodies without Content-Length (through `DefaultBodyLimit`).
async fn reject_large_bodies(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return AppError::payload_too_large(limit).into_response();
    }
    next.run(request).await
}

async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => AppError::timeout(limit.as_secs()).into_response(),
    }
}

/// A handler that panicked: the JSON error shape, never a dropped connection or a bare 500.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let cause = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without message");
    AppError::internal(format!("a handler panicked: {cause}")).into_response()
}

/// A known path with a method it does not support.
pub async fn method_not_allowed(request: Request) -> AppError {
    let path = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_string(),
        |p| p.as_str().to_string(),
    );
    AppError::method_not_allowed(format!("{} is not allowed on {path}", request.method()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use axum::body::{Body, to_bytes};
    use axum::routing::get;
    use tower::ServiceExt as _;
    use wheelhouse_cluster::{Cluster, ClusterInfo, Connection, MonitorConfig};

    async fn state() -> AppState {
        let config = kube::Config::new("http://127.0.0.1:9".parse().expect("uri"));
        let client = kube::Client::try_from(config.clone()).expect("client");
        let info = ClusterInfo {
            name: "t".into(),
            server: "http://127.0.0.1:9".into(),
            user: "u".into(),
            demo: false,
        };
        let cluster = Cluster::start(
            Connection {
                client,
                info,
                config,
            },
            MonitorConfig::default(),
        );
        AppState {
            cluster: Arc::new(cluster),
            config: Arc::new(ServerConfig::default()),
            quotas: Arc::default(),
        }
    }

    async fn boom() -> &'static str {
        panic!("secret detail")
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_the_json_error_shape() {
        let router: axum::Router<AppState> = axum::Router::new().route("/boom", get(boom));
        let app = layers(router, &ServerConfig::default()).with_state(state().await);
        let response = app
            .oneshot(Request::get("/boom").body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        assert_eq!(response.status(), 500);
        let body = to_bytes(response.into_body(), 1 << 16).await.expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(json["error"]["reason"], "Internal");
        assert!(
            !json.to_string().contains("secret detail"),
            "panic details stay in the log"
        );
    }

    #[tokio::test]
    async fn a_slow_handler_is_cut_off_with_a_504() {
        let router: axum::Router<AppState> = axum::Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "late"
            }),
        );
        let config = ServerConfig::default().request_timeout(std::time::Duration::from_millis(50));
        let app = layers(router, &config).with_state(state().await);
        let response = app
            .oneshot(Request::get("/slow").body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        assert_eq!(response.status(), 504);
        let body = to_bytes(response.into_body(), 1 << 16).await.expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(json["error"]["reason"], "Timeout");
    }
}
