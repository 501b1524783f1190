//! The embedded web app: hashed assets cached forever, `index.html` for every other GET (the SPA
//! fallback) with the `<!--wheelhouse-config-->` placeholder replaced by the `<base href>` and
//! the JSON config (base path, negotiated locale).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use ts_rs::TS;

use crate::AppState;
use crate::error::AppError;
use crate::locale::{self, Locale};
use crate::middleware::content_security_policy;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

pub use embedded::WEB_DIST_SOURCE;

/// The marker in `web/index.html` the server replaces per request.
pub const CONFIG_PLACEHOLDER: &str = "<!--wheelhouse-config-->";
/// Hashed file names never change content: cache them for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else is revalidated, so a new deployment shows at once.
const NO_CACHE: &str = "no-cache";

/// The paths of the embedded files (relative to the dist), for diagnostics and tests.
pub fn asset_paths() -> impl Iterator<Item = &'static str> {
    embedded::WEB_ASSETS.iter().map(|(path, _)| *path)
}

fn asset(path: &str) -> Option<&'static [u8]> {
    embedded::WEB_ASSETS
        .binary_search_by(|(candidate, _)| (*candidate).cmp(path))
        .ok()
        .map(|index| embedded::WEB_ASSETS[index].1)
}

/// The router's fallback: unknown API paths get a JSON 404, files their content, the rest `index.html`.
pub async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return AppError::not_found(format!(
            "there is no API endpoint {} {path}",
            request.method()
        ))
        .into_response();
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return AppError::method_not_allowed(format!(
            "{} is not allowed on {path}; the web app only answers GET",
            request.method()
        ))
        .into_response();
    }
    let relative = path.trim_start_matches('/');
    if relative.is_empty() || relative == "index.html" {
        return index(&state, &request);
    }
    match asset(relative) {
        Some(bytes) => {
            let cache = if relative.starts_with("assets/") {
                IMMUTABLE
            } else {
                NO_CACHE
            };
            (
                [
                    (header::CONTENT_TYPE, content_type(relative)),
                    (header::CACHE_CONTROL, cache),
                ],
                bytes,
            )
                .into_response()
        }
        // A missing hashed asset is a stale page asking for an old build: say so, don't send HTML.
        None if relative.starts_with("assets/") => AppError::not_found(format!(
            "{relative} is not part of this build of the web app; reload the page"
        ))
        .into_response(),
        None => index(&state, &request),
    }
}

/// `index.html` with the config for this request's locale.
fn index(state: &AppState, request: &Request) -> Response {
    let Some(html) = asset("index.html") else {
        return AppError::internal("the embedded web app has no index.html").into_response();
    };
    let accept_language = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let locale = locale::negotiate(accept_language, state.config.default_locale);
    // A new nonce for every load: the style elements the YAML editor creates carry it.
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let html = String::from_utf8_lossy(html).replacen(
        CONFIG_PLACEHOLDER,
        &config_html(state, locale, &nonce),
        1,
    );
    let policy = match HeaderValue::try_from(content_security_policy(&nonce)) {
        Ok(policy) => policy,
        Err(error) => return AppError::internal(error).into_response(),
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE)),
            (header::VARY, HeaderValue::from_static("Accept-Language")),
            (header::CONTENT_SECURITY_POLICY, policy),
        ],
        html,
    )
        .into_response()
}

/// What the server tells the web app at page load, in `<script id="wheelhouse-config">`.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppConfig<'a> {
    /// The path the app is served under, always with a trailing slash (`/`, `/wh/`).
    pub base_path: &'a str,
    /// The language negotiated from the request's Accept-Language (or `--default-locale`).
    pub locale: &'a str,
    pub default_locale: &'a str,
    pub locales: Vec<&'a str>,
    pub version: &'a str,
    /// The nonce this page load's Content-Security-Policy allows on `<style>` elements (the YAML
    /// editor's).
    pub style_nonce: &'a str,
}

/// The `<base href>` and the config script the web app reads at start (a JSON data block, which
/// the Content-Security-Policy does not need to allow: it never runs).
fn config_html(state: &AppState, locale: Locale, style_nonce: &str) -> String {
    let base = state.config.base_path.as_str();
    let config = AppConfig {
        base_path: base,
        locale: locale.as_str(),
        default_locale: state.config.default_locale.as_str(),
        locales: Locale::ALL.map(Locale::as_str).to_vec(),
        version: crate::version::VERSION,
        style_nonce,
    };
    // `<` cannot end the script element when escaped; the base path is restricted to URL-safe characters.
    let config = serde_json::to_string(&config)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c");
    format!(
        r#"<base href="{base}"><script id="wheelhouse-config" type="application/json">{config}</script>"#
    )
}

/// The MIME type for a file name, by extension.
fn content_type(path: &str) -> &'static str {
    let extension = path
        .rsplit_once('.')
        .map_or("", |(_, ext)| ext)
        .to_ascii_lowercase();
    match extension.as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        let cases = [
            ("assets/index-abc.js", "text/javascript; charset=utf-8"),
            ("assets/index-abc.CSS", "text/css; charset=utf-8"),
            ("favicon.svg", "image/svg+xml"),
            ("fonts/x.woff2", "font/woff2"),
            ("LICENSE", "application/octet-stream"),
        ];
        for (path, expected) in cases {
            assert_eq!(content_type(path), expected, "{path}");
        }
    }

    #[test]
    fn the_embedded_app_has_an_index_with_the_placeholder() {
        let index = asset("index.html").expect("index.html is embedded");
        assert!(
            String::from_utf8_lossy(index).contains(CONFIG_PLACEHOLDER),
            "index.html lacks {CONFIG_PLACEHOLDER}"
        );
    }

    #[test]
    fn embedded_assets_are_sorted_for_lookup() {
        let paths: Vec<&str> = asset_paths().collect();
        let mut sorted = paths.clone();
        sorted.sort_unstable();
        assert_eq!(paths, sorted);
    }
}
