//! Only the console's own pages may drive it: every request must name a host the console answers
//! for, and every request that changes something (and every WebSocket) must come from the
//! console's own origin.
//!
//! A console on `127.0.0.1` acts with the person's cluster credentials, and any web page the
//! person visits can send it requests. Three checks stop that, each answering 403 with a sentence:
//!
//! 1. **Host** (DNS rebinding): a hostile name that resolves to 127.0.0.1 makes the browser treat
//!    the console as that name's origin. The `Host` must be a loopback name or address, the
//!    address the console listens on, or a name given with `--allowed-host` (as `kubectl proxy
//!    --accept-hosts`). An IP address is safe when the console listens on every address: no
//!    hostile page can have a bare address as its origin without being served from it.
//! 2. **Origin** (cross-site requests): a browser names the page that sent a request in
//!    `Origin`; a changing request or a WebSocket whose `Origin` is not the console's own is
//!    refused. Without `Origin`, `Sec-Fetch-Site` (also set by the browser) must say
//!    `same-origin`. Cross-site reads of the API (`<img>`, `<script>`, no-cors fetches) are refused
//!    the same way; following a link to an API URL still works.
//! 3. **Content type** (requests from old browsers or plug-ins that send no `Origin`): a
//!    changing request must carry a JSON or YAML body, or the header `X-Wheelhouse-Client`; a
//!    page cannot send either to another origin without the browser asking the console first
//!    (a CORS preflight), which the console never grants.
//!
//! Scripts (curl, CI) send no `Origin` and no `Sec-Fetch-*`; they pass with a JSON or YAML body,
//! or with `X-Wheelhouse-Client: <anything>` on a request without one.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::AppError;

/// The header the web app sends with every request; any value will do.
pub const CLIENT_HEADER: &str = "x-wheelhouse-client";

/// Paths that answer whoever asks, whatever the `Host` (a kubelet probes the pod's address).
const PROBES: [&str; 2] = ["/healthz", "/readyz"];

/// The names and addresses the console answers for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts {
    /// Names given with `--allowed-host`: exact (`console.example.com`) or a suffix (`*.example.com`).
    names: Vec<String>,
    /// The address the console listens on, when it is a particular one.
    listen: Option<IpAddr>,
    /// The console listens on every address: any IP address is one of its own.
    any_address: bool,
}

impl Default for AllowedHosts {
    /// Loopback names and addresses only.
    fn default() -> Self {
        Self {
            names: Vec::new(),
            listen: None,
            any_address: false,
        }
    }
}

impl AllowedHosts {
    /// Adds a name the console is reached by (behind a proxy, or by a DNS name of its own):
    /// `console.example.com`, or `*.example.com` for every name under it.
    pub fn allow(mut self, pattern: &str) -> Result<Self, String> {
        let pattern = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
        let name = pattern.strip_prefix("*.").unwrap_or(&pattern);
        let valid = !name.is_empty()
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !valid {
            return Err(format!(
                "{pattern:?} is not a host name (like console.example.com or *.example.com); \
                 give names without scheme, port or path"
            ));
        }
        self.names.push(pattern);
        Ok(self)
    }

    /// Adds the address the server listens on.
    #[must_use]
    pub fn listening_on(mut self, address: SocketAddr) -> Self {
        let ip = address.ip();
        if ip.is_unspecified() {
            self.any_address = true;
        } else {
            self.listen = Some(ip);
        }
        self
    }

    /// The names given with `--allowed-host`, as given.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether `host` (a `Host` header's host part, without port) is one the console answers for.
    pub fn permits(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some(ip) = parse_ip(&host) {
            return ip.is_loopback() || self.any_address || self.listen == Some(ip);
        }
        host == "localhost" || host.ends_with(".localhost") || self.named(&host)
    }

    /// Whether `host` is one of the `--allowed-host` names.
    fn named(&self, host: &str) -> bool {
        self.names
            .iter()
            .any(|pattern| match pattern.strip_prefix("*.") {
                Some(suffix) => host
                    .strip_suffix(suffix)
                    .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
                None => pattern == host,
            })
    }
}

/// An IP address written as a host: `127.0.0.1` or `[::1]`.
fn parse_ip(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

/// An authority (`host[:port]`) split in two; the port is `None` when it is not written.
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let authority = authority.to_ascii_lowercase();
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        (format!("[{ip}]"), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_string(), Some(port)),
            None => (authority.clone(), None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse().ok()?),
        None => None,
    };
    (!host.is_empty()).then_some((host.trim_end_matches('.').to_string(), port))
}

/// Why a request was refused; each becomes a 403 that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Host` at all (HTTP/1.0): the console cannot tell which name it was reached by.
    NoHost,
    /// A `Host` the console does not answer for: DNS rebinding, or a proxy name not yet allowed.
    Host(String),
    /// A changing request or a WebSocket from a page of another origin.
    Origin(String),
    /// No `Origin`, but the browser says the request came from another site.
    FetchSite(String),
    /// A changing request whose body a page of another origin could have sent.
    ContentType(Option<String>),
    /// A workload's page through the console, asked for by a page that is neither the
    /// console's nor one it proxied.
    NotFromConsole(String),
}

impl Refusal {
    fn into_error(self) -> AppError {
        let (reason, message) = match &self {
            Self::NoHost => (
                "HostRequired",
                "the request has no Host header; Wheelhouse answers only requests that name it"
                    .to_string(),
            ),
            Self::Host(host) => (
                "HostNotAllowed",
                format!(
                    "Wheelhouse does not answer for the host {host:?}: a page that reached it \
                     under another name may be trying to use it (DNS rebinding). If this is a \
                     name Wheelhouse is really reached by, start it with --allowed-host {host}"
                ),
            ),
            Self::Origin(origin) => (
                "CrossOriginRequest",
                format!(
                    "this request came from a page at {origin}, not from Wheelhouse's own pages; \
                     Wheelhouse acts only for its own pages"
                ),
            ),
            Self::FetchSite(site) => (
                "CrossOriginRequest",
                format!(
                    "the browser says this request came from another site ({site}); Wheelhouse \
                     acts only for its own pages"
                ),
            ),
            Self::NotFromConsole(site) => (
                "CrossOriginRequest",
                format!(
                    "this address opens a workload through Wheelhouse with your rights, so only \
                     Wheelhouse's own pages and the pages it opens may load it; the browser says \
                     this request came from {site}. Open it from the Service or pod in Wheelhouse"
                ),
            ),
            Self::ContentType(content_type) => (
                "CrossOriginRequest",
                format!(
                    "a request that changes something must send JSON or YAML (Content-Type: \
                     application/json or application/yaml) or the header X-Wheelhouse-Client, \
                     so that no other web page can send it; this one sent {}",
                    content_type.as_deref().map_or_else(
                        || "no Content-Type".to_string(),
                        |t| format!("Content-Type: {t}")
                    )
                ),
            ),
        };
        AppError::new(StatusCode::FORBIDDEN, reason, message).with_details(json!({
            "check": match self {
                Self::NoHost | Self::Host(_) => "host",
                Self::Origin(_) | Self::FetchSite(_) | Self::NotFromConsole(_) => "origin",
                Self::ContentType(_) => "contentType",
            }
        }))
    }
}

/// The checks, as a middleware in front of every route.
pub async fn guard(State(hosts): State<AllowedHosts>, request: Request, next: Next) -> Response {
    match check(&hosts, request.method(), request.uri(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => refusal.into_error().into_response(),
    }
}

/// What [`guard`] decides, as a plain function of the request line and headers.
pub fn check(
    hosts: &AllowedHosts,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> Result<(), Refusal> {
    if PROBES.contains(&uri.path()) && (method == Method::GET || method == Method::HEAD) {
        return Ok(());
    }
    // HTTP/2 carries the authority in the URI; HTTP/1.1 in Host.
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| text(headers, header::HOST.as_str()).map(str::to_string))
        .ok_or(Refusal::NoHost)?;
    let (host, port) =
        split_authority(&authority).ok_or_else(|| Refusal::Host(authority.clone()))?;
    if !hosts.permits(&host) {
        return Err(Refusal::Host(host));
    }

    let changes = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let websocket = text(headers, header::UPGRADE.as_str())
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    // A workload's page under its ticket: the ticket in the path is the proof (`crate::proxy`).
    if uri.path().starts_with(crate::proxy::TICKET_PREFIX) && !websocket {
        return Ok(());
    }
    if !changes && !websocket && proxy_path_at(uri.path()) == Some(0) {
        return proxy_link(headers, hosts, &host, port);
    }
    let api = uri.path() == "/api" || uri.path().starts_with("/api/");
    if let Some(origin) = text(headers, header::ORIGIN.as_str()) {
        // Browsers send Origin on every changing request and every WebSocket, and on some reads.
        if (changes || websocket || api) && !same_origin(hosts, origin, &host, port) {
            return Err(Refusal::Origin(origin.to_string()));
        }
    } else if let Some(site) = text(headers, "sec-fetch-site") {
        let navigation = text(headers, "sec-fetch-mode") == Some("navigate");
        let own = site == "same-origin" || site == "none";
        if (changes || websocket || (api && !navigation)) && !own {
            return Err(Refusal::FetchSite(site.to_string()));
        }
    }
    if changes && !headers.contains_key(CLIENT_HEADER) {
        let content_type = text(headers, header::CONTENT_TYPE.as_str());
        if !content_type.is_some_and(is_json_or_yaml) {
            return Err(Refusal::ContentType(content_type.map(str::to_string)));
        }
    }
    Ok(())
}

/// Where in `path` a workload proxy path starts (`api/v1/namespaces/{ns}/{pods|services}/{target}/proxy`),
/// counted in segments; `Some(0)` for a request path, later for a `Referer` under a base path.
pub(crate) fn proxy_path_at(path: &str) -> Option<usize> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segments.windows(7).position(|w| {
        w[0] == "api"
            && w[1] == "v1"
            && w[2] == "namespaces"
            && matches!(w[4], "pods" | "services")
            && w[6] == "proxy"
    })
}

/// The person's link to a workload (`crate::proxy`), which makes a ticket that acts with their
/// rights: only their own navigation (from the console, or typed) and scripts, never another
/// site's link, image or fetch (that would open the workload as the person: a cross-site request
/// by `GET`).
fn proxy_link(
    headers: &HeaderMap,
    hosts: &AllowedHosts,
    host: &str,
    port: Option<u16>,
) -> Result<(), Refusal> {
    let origin = text(headers, header::ORIGIN.as_str());
    let site = text(headers, "sec-fetch-site");
    let own = match (origin, site) {
        (Some(origin), _) => same_origin(hosts, origin, host, port),
        (None, Some(site)) => site == "same-origin" || site == "none",
        (None, None) => true,
    };
    if own {
        return Ok(());
    }
    Err(Refusal::NotFromConsole(
        origin.or(site).unwrap_or("another site").to_string(),
    ))
}

/// Whether `origin` is the console's own: the host and port the request was sent to (a `Host`
/// without port means the scheme's default, as behind a proxy that terminates TLS), or one of
/// the `--allowed-host` names (behind a proxy that rewrites `Host`).
fn same_origin(hosts: &AllowedHosts, origin: &str, host: &str, port: Option<u16>) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false; // `null`: a sandboxed frame, a file, a redirect across origins
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let Some((origin_host, origin_port)) = split_authority(authority) else {
        return false;
    };
    let origin_port = origin_port.unwrap_or(default_port);
    (origin_host == host && origin_port == port.unwrap_or(default_port))
        || hosts.named(&origin_host)
}

/// The media type of a `Content-Type`, lowercase, without parameters: `application/json`.
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// `application/json`, `application/*+json`, `application/yaml`, `application/x-yaml`,
/// `text/yaml` (and `application/apply-patch+yaml`): none of them can be sent by a page to
/// another origin without a preflight, and none of them is run by a browser.
pub(crate) fn is_json_or_yaml(content_type: &str) -> bool {
    let essence = media_type(content_type);
    matches!(
        essence.as_str(),
        "application/json" | "application/yaml" | "application/x-yaml" | "text/yaml"
    ) || (essence.starts_with("application/")
        && (essence.ends_with("+json") || essence.ends_with("+yaml")))
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, Uri};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).expect("header value"));
        }
        map
    }

    fn local() -> AllowedHosts {
        AllowedHosts::default().listening_on("127.0.0.1:8080".parse().expect("address"))
    }

    fn run(
        hosts: &AllowedHosts,
        method: Method,
        path: &str,
        pairs: &[(&'static str, &str)],
    ) -> Result<(), Refusal> {
        let uri: Uri = path.parse().expect("uri");
        check(hosts, &method, &uri, &headers(pairs))
    }

    #[test]
    fn loopback_names_and_the_listen_address_are_answered() {
        let hosts =
            AllowedHosts::default().listening_on("192.168.1.5:8080".parse().expect("address"));
        for host in [
            "localhost",
            "LOCALHOST.",
            "app.localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "192.168.1.5",
        ] {
            assert!(hosts.permits(host), "{host}");
        }
        for host in [
            "evil.example",
            "localhost.evil.example",
            "192.168.1.6",
            "[::2]",
            "",
        ] {
            assert!(!hosts.permits(host), "{host}");
        }
    }

    #[test]
    fn listening_on_every_address_answers_any_ip_but_no_foreign_name() {
        let hosts = AllowedHosts::default().listening_on("0.0.0.0:8080".parse().expect("address"));
        assert!(hosts.permits("10.1.2.3"));
        assert!(hosts.permits("[fd00::1]"));
        assert!(!hosts.permits("rebind.evil.example"));
    }

    #[test]
    fn allowed_hosts_match_exactly_or_by_suffix() {
        let hosts = AllowedHosts::default()
            .allow("console.example.com")
            .and_then(|h| h.allow("*.apps.example.com"))
            .expect("valid names");
        assert!(hosts.permits("console.example.com"));
        assert!(hosts.permits("wheelhouse.apps.example.com"));
        assert!(
            !hosts.permits("apps.example.com"),
            "the suffix needs a label before it"
        );
        assert!(!hosts.permits("evilconsole.example.com"));
        assert!(!hosts.permits("x.apps.example.com.evil.example"));
        for bad in ["http://x.example", "x.example:8080", "", "a/b", "*."] {
            assert!(AllowedHosts::default().allow(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_rebound_host_is_refused_even_for_reads() {
        let refusal = run(
            &local(),
            Method::GET,
            "/api/v1/overview",
            &[("host", "evil.example:8080")],
        )
        .expect_err("refused");
        assert_eq!(refusal, Refusal::Host("evil.example".into()));
        assert!(run(&local(), Method::GET, "/", &[]).is_err(), "no Host");
    }

    #[test]
    fn probes_answer_whatever_the_host() {
        assert!(
            run(
                &local(),
                Method::GET,
                "/healthz",
                &[("host", "10.0.0.7:8080")]
            )
            .is_ok()
        );
        assert!(run(&local(), Method::GET, "/readyz", &[]).is_ok());
    }

    #[test]
    fn the_consoles_own_pages_may_change_things() {
        let own = [
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("content-type", "application/json"),
        ];
        assert!(run(&local(), Method::POST, "/api/v1/apply", &own).is_ok());
        let bodyless = [
            ("host", "localhost:8080"),
            ("origin", "http://localhost:8080"),
            (CLIENT_HEADER, "web"),
        ];
        assert!(run(&local(), Method::DELETE, "/api/v1/x", &bodyless).is_ok());
    }

    #[test]
    fn cross_origin_changes_are_refused_whatever_their_body() {
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/yaml",
            "application/json",
        ] {
            let refusal = run(
                &local(),
                Method::POST,
                "/api/v1/apply",
                &[
                    ("host", "127.0.0.1:8080"),
                    ("origin", "http://evil.example"),
                    ("content-type", content_type),
                ],
            )
            .expect_err(content_type);
            assert_eq!(refusal, Refusal::Origin("http://evil.example".into()));
        }
    }

    #[test]
    fn another_port_on_the_same_machine_is_another_origin() {
        let refusal = run(
            &local(),
            Method::POST,
            "/api/v1/apply",
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:3000"),
                ("content-type", "application/json"),
            ],
        );
        assert!(refusal.is_err());
        assert!(
            run(
                &local(),
                Method::POST,
                "/api/v1/apply",
                &[
                    ("host", "127.0.0.1:8080"),
                    ("origin", "null"),
                    ("content-type", "application/json"),
                ],
            )
            .is_err(),
            "Origin: null is refused"
        );
    }

    #[test]
    fn websockets_from_other_origins_are_refused() {
        let socket = |origin: &'static str| {
            run(
                &local(),
                Method::GET,
                "/api/v1/live",
                &[
                    ("host", "127.0.0.1:8080"),
                    ("upgrade", "websocket"),
                    ("origin", origin),
                ],
            )
        };
        assert!(socket("http://evil.example").is_err());
        assert!(socket("http://127.0.0.1:8080").is_ok());
    }

    #[test]
    fn without_origin_the_fetch_site_decides() {
        let post = |site: &'static str| {
            run(
                &local(),
                Method::POST,
                "/api/v1/apply",
                &[
                    ("host", "127.0.0.1:8080"),
                    ("sec-fetch-site", site),
                    ("content-type", "application/json"),
                ],
            )
        };
        assert!(post("cross-site").is_err());
        assert!(post("same-site").is_err(), "another port of localhost");
        assert!(post("same-origin").is_ok());
    }

    #[test]
    fn cross_site_reads_of_the_api_are_refused_but_links_and_pages_work() {
        let read = |path: &str, mode: &'static str| {
            run(
                &local(),
                Method::GET,
                path,
                &[
                    ("host", "127.0.0.1:8080"),
                    ("sec-fetch-site", "cross-site"),
                    ("sec-fetch-mode", mode),
                ],
            )
        };
        assert!(read("/api/v1/resources/core/v1/secrets", "no-cors").is_err());
        assert!(read("/api/v1/overview", "navigate").is_ok());
        assert!(read("/pods", "navigate").is_ok());
    }

    #[test]
    fn scripts_without_origin_need_json_yaml_or_the_client_header() {
        let post = |pairs: &[(&'static str, &str)]| {
            let mut all = vec![("host", "127.0.0.1:8080")];
            all.extend_from_slice(pairs);
            run(&local(), Method::POST, "/api/v1/apply", &all)
        };
        assert!(post(&[("content-type", "application/yaml")]).is_ok());
        assert!(post(&[("content-type", "application/json; charset=utf-8")]).is_ok());
        assert!(post(&[("content-type", "application/merge-patch+json")]).is_ok());
        assert!(post(&[(CLIENT_HEADER, "curl")]).is_ok());
        assert_eq!(
            post(&[("content-type", "text/plain")]),
            Err(Refusal::ContentType(Some("text/plain".into())))
        );
        assert_eq!(post(&[]), Err(Refusal::ContentType(None)));
    }

    #[test]
    fn a_proxy_name_is_an_own_origin_when_allowed() {
        let hosts = local().allow("console.example.com").expect("valid");
        // The proxy rewrote Host to the upstream address but the page is on the public name.
        let behind_proxy = run(
            &hosts,
            Method::POST,
            "/api/v1/apply",
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "https://console.example.com"),
                ("content-type", "application/json"),
            ],
        );
        assert!(behind_proxy.is_ok());
        // The proxy kept Host: a TLS page on 443 talks to the console through it.
        let kept_host = run(
            &hosts,
            Method::POST,
            "/api/v1/apply",
            &[
                ("host", "console.example.com"),
                ("origin", "https://console.example.com"),
                ("content-type", "application/json"),
            ],
        );
        assert!(kept_host.is_ok());
    }

    #[test]
    fn refusals_are_403_with_a_sentence() {
        let error = Refusal::Host("evil.example".into()).into_error();
        assert_eq!(error.status(), StatusCode::FORBIDDEN);
        assert!(error.message().contains("--allowed-host evil.example"));
        let error = Refusal::ContentType(Some("text/plain".into())).into_error();
        assert!(error.message().contains("Content-Type: text/plain"));
    }

    #[test]
    fn only_the_person_opens_a_workload_and_its_ticket_path_serves_its_page() {
        let hosts = local();
        let link = "/api/v1/namespaces/shop/services/web:80/proxy/";
        let host = ("host", "127.0.0.1:8080");
        // The person opens it from the console, or types it; a script with no browser headers.
        for pairs in [
            vec![host, ("sec-fetch-site", "same-origin")],
            vec![host, ("sec-fetch-site", "none")],
            vec![host],
        ] {
            assert_eq!(run(&hosts, Method::GET, link, &pairs), Ok(()), "{pairs:?}");
        }
        // Another site: a link, an image, a fetch.
        for extra in [
            vec![
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-mode", "navigate"),
            ],
            vec![("sec-fetch-site", "same-site")],
            vec![("origin", "http://evil.example")],
            vec![("origin", "null")],
        ] {
            let mut pairs = vec![host];
            pairs.extend(extra.iter().copied());
            assert!(
                matches!(
                    run(&hosts, Method::GET, link, &pairs),
                    Err(Refusal::NotFromConsole(_))
                ),
                "{extra:?}"
            );
        }
        // Under its ticket, the sandboxed page's own loads pass (the handler checks the ticket),
        // but only for a Host the console answers for.
        let ticketed = "/proxy/T/api/v1/namespaces/shop/services/web:80/proxy/logo.svg";
        assert_eq!(
            run(
                &hosts,
                Method::GET,
                ticketed,
                &[host, ("origin", "null"), ("sec-fetch-site", "cross-site")]
            ),
            Ok(())
        );
        assert!(matches!(
            run(
                &hosts,
                Method::GET,
                ticketed,
                &[("host", "rebind.evil.example")]
            ),
            Err(Refusal::Host(_))
        ));
        assert_eq!(
            proxy_path_at("/api/v1/namespaces/a/pods/p:80/proxy"),
            Some(0)
        );
        assert_eq!(proxy_path_at("/api/v1/namespaces/a/pods/p/log"), None);
        assert_eq!(
            proxy_path_at("/api/v1/namespaces/a/configmaps/p/proxy"),
            None
        );
    }
}
