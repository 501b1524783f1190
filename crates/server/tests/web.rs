//! The embedded web app: SPA fallback, the injected config, locales, assets and the base path.

mod common;

use common::{TestServer, json};
use wheelhouse_server::{BasePath, Locale, ServerConfig};

/// The JSON config the server put into index.html.
fn injected_config(html: &str) -> serde_json::Value {
    let start = html
        .find(r#"<script id="wheelhouse-config" type="application/json">"#)
        .expect("config script present");
    let rest = &html[start..];
    let json_start = rest.find('>').expect("tag end") + 1;
    let json_end = rest.find("</script>").expect("script end");
    serde_json::from_str(&rest[json_start..json_end]).expect("config is JSON")
}

async fn index(
    server: &TestServer,
    path: &str,
    accept_language: Option<&str>,
) -> (reqwest::header::HeaderMap, String) {
    let mut request = common::client().get(server.url(path));
    if let Some(language) = accept_language {
        request = request.header("accept-language", language);
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    (headers, response.text().await.expect("body"))
}

#[tokio::test]
async fn any_page_path_gets_index_html_with_the_config() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    for path in ["", "index.html", "overview", "namespaces/shop/pods"] {
        let (headers, html) = index(&server, path, None).await;
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert_eq!(headers["cache-control"], "no-cache");
        assert!(
            !html.contains("<!--wheelhouse-config-->"),
            "placeholder replaced on /{path}"
        );
        assert!(html.contains(r#"<base href="/">"#), "{html}");
        let config = injected_config(&html);
        assert_eq!(config["basePath"], "/");
        assert_eq!(config["locales"], serde_json::json!(["en", "zh-CN"]));
        assert_eq!(config["version"], env!("CARGO_PKG_VERSION"));
    }
}

#[tokio::test]
async fn the_locale_is_negotiated_from_accept_language() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    let cases = [
        (Some("zh-CN,zh;q=0.9,en;q=0.8"), "zh-CN"),
        (Some("en-US,en;q=0.9"), "en"),
        (Some("fr-FR, zh;q=0.5"), "zh-CN"),
        (Some("fr-FR"), "en"),
        (None, "en"),
    ];
    for (language, expected) in cases {
        let (headers, html) = index(&server, "", language).await;
        assert_eq!(
            injected_config(&html)["locale"],
            expected,
            "Accept-Language {language:?}"
        );
        assert_eq!(headers["vary"], "Accept-Language");
    }
}

#[tokio::test]
async fn without_a_known_language_the_default_locale_is_used() {
    let server =
        TestServer::unreachable(ServerConfig::default().default_locale(Locale::ZhCn)).await;
    let (_, html) = index(&server, "", Some("de-DE")).await;
    let config = injected_config(&html);
    assert_eq!(config["locale"], "zh-CN");
    assert_eq!(config["defaultLocale"], "zh-CN");
    let (_, html) = index(&server, "", Some("en")).await;
    assert_eq!(
        injected_config(&html)["locale"],
        "en",
        "a known language still wins over the default"
    );
}

#[tokio::test]
async fn hashed_assets_are_cached_forever_with_their_type() {
    let server = TestServer::unreachable(ServerConfig::default()).await;
    let script = wheelhouse_server::web::asset_paths()
        .find(|p| p.starts_with("assets/") && p.ends_with(".js"))
        .expect("the web app has a script under assets/");
    let response = common::get(server.url(script)).await.expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");

    let missing = common::get(server.url("assets/index-00000000.js"))
        .await
        .expect("request");
    assert_eq!(
        missing.status(),
        404,
        "a missing asset is not answered with index.html"
    );
}

#[tokio::test]
async fn everything_works_under_a_base_path() {
    let base = BasePath::parse("/sub/path").expect("valid");
    let server = TestServer::demo(ServerConfig::default().base_path(base)).await;
    let root = format!("http://{}", server.address);
    assert!(server.base.ends_with("/sub/path/"));

    let (_, html) = index(&server, "pods", Some("zh-CN")).await;
    assert!(html.contains(r#"<base href="/sub/path/">"#), "{html}");
    assert_eq!(injected_config(&html)["basePath"], "/sub/path/");

    let version = common::get(server.url("api/v1/version"))
        .await
        .expect("request");
    assert_eq!(version.status(), 200);
    assert_eq!(json(version).await["version"], env!("CARGO_PKG_VERSION"));
    let overview = common::get(server.url("api/v1/overview"))
        .await
        .expect("request");
    assert_eq!(overview.status(), 200);
    assert_eq!(
        common::get(server.url("healthz"))
            .await
            .expect("request")
            .status(),
        200
    );

    let no_redirects = common::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let redirect = no_redirects
        .get(format!("{root}/sub/path"))
        .send()
        .await
        .expect("request");
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/sub/path/");

    let probe = common::get(format!("{root}/healthz"))
        .await
        .expect("request");
    assert_eq!(probe.status(), 200, "probes also answer at the root");

    let outside = common::get(format!("{root}/api/v1/version"))
        .await
        .expect("request");
    assert_eq!(outside.status(), 404, "the API is only under the base path");
    assert_eq!(json(outside).await["error"]["reason"], "NotFound");
}
