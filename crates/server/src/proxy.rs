//! Opening a workload in the browser: a Service's or a pod's port through the API server's
//! `services/proxy` and `pods/proxy`, as the person (their rights decide). Links name the Service,
//! so they survive pod restarts.
//!
//! The person's link is the API server's own path under the console,
//! `/api/v1/namespaces/{ns}/services/{[scheme:]name:port}/proxy/…` (or `pods/{name:port}`). Opened
//! by the person (a same-origin navigation, with their session), it answers `303` to the same
//! path under a **ticket**: `/proxy/{ticket}/api/v1/namespaces/…/proxy/…`. The ticket is sealed
//! with the session key and names the person, this one target and an expiry (an hour); requests
//! under it act as that person on that target only, whatever page sends them.
//!
//! Why a ticket and not the session cookie: a proxied page is someone else's HTML served from the
//! console's origin, so every proxied answer is sandboxed (`Content-Security-Policy: sandbox …`
//! without `allow-same-origin`): its scripts run in an opaque origin and cannot read the console's
//! cookies, call its API with the person's session, or script a console tab. But a sandboxed page
//! is "another site" to the browser: its own loads (stylesheets, images, scripts, links) carry no
//! `SameSite` cookie and no `Referer` (Chromium sends neither), so nothing but the URL can say the
//! load is the proxied page's own. The ticket in the path is that proof; a page of another site
//! cannot know it.
//!
//! Upstream goes only an allowlist of request headers (never the session cookie,
//! `Authorization`, `X-Wheelhouse-*` or a proxy's identity headers); back comes only an allowlist
//! of answer headers (never `Set-Cookie`, which would set cookies on the console's origin, nor the
//! workload's own CSP). Bodies stream: nothing is buffered whole. The API server rewrites a
//! workload's absolute links and `Location` under its proxy path; the console puts them under the
//! ticket (in HTML and CSS answers, as they stream). The same-origin rules for both paths are in
//! [`crate::same_origin`].

use std::collections::VecDeque;

use axum::body::Body;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use bytes::Bytes;
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use wheelhouse_cluster::calls::proxy::{ProxyKind, ProxyTarget};
use wheelhouse_cluster::{Credential, Identity, Person};

use crate::AppState;
use crate::error::AppError;
use crate::person::Me;
use crate::session::LoginMode;

/// The policy of every proxied answer: scripts, forms and popups work, but in an opaque origin
/// (no `allow-same-origin`), and no page may frame it.
pub const SANDBOX: &str = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads; frame-ancestors 'none'";
/// The first segment of a ticket path.
pub const TICKET_PREFIX: &str = "/proxy/";
/// How long a ticket lets its page load; the person's link makes a new one.
const TICKET_SECONDS: i64 = 3600;
/// What the session key seals tickets for (so a session cookie cannot pass as one).
const TICKET_PURPOSE: &str = "proxy-ticket";

/// Request headers passed to the workload; everything else (cookies, credentials, the console's
/// and proxies' own headers) stays here.
const REQUEST_HEADERS: [HeaderName; 9] = [
    header::ACCEPT,
    header::ACCEPT_LANGUAGE,
    header::CONTENT_TYPE,
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_RANGE,
    header::RANGE,
    header::CACHE_CONTROL,
];

/// Answer headers passed back to the browser (`Content-Length` only when the body is not
/// rewritten).
const ANSWER_HEADERS: [HeaderName; 10] = [
    header::CONTENT_TYPE,
    header::CONTENT_ENCODING,
    header::CONTENT_DISPOSITION,
    header::CONTENT_LANGUAGE,
    header::CONTENT_RANGE,
    header::ACCEPT_RANGES,
    header::CACHE_CONTROL,
    header::ETAG,
    header::LAST_MODIFIED,
    header::EXPIRES,
];

pub fn router() -> axum::Router<AppState> {
    let mut router = axum::Router::new();
    // The target's root with and without its slash (the API server redirects the latter), and
    // every path under it; the person's links, and the same under a ticket.
    for tail in ["", "/", "/{*rest}"] {
        for (resource, handler) in [("pods", "pods"), ("services", "services")] {
            let path =
                format!("/api/v1/namespaces/{{namespace}}/{resource}/{{target}}/proxy{tail}");
            let ticketed = format!("/proxy/{{ticket}}{path}");
            router = if handler == "pods" {
                router
                    .route(&path, any(pod))
                    .route(&ticketed, any(ticket_pod))
            } else {
                router
                    .route(&path, any(service))
                    .route(&ticketed, any(ticket_service))
            };
        }
    }
    router
}

/// The person a ticket acts for, as sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "as", rename_all = "camelCase")]
enum TicketPerson {
    /// The console's own kubeconfig identity (local mode).
    Local,
    /// A signed-in person and their token.
    Token {
        user: String,
        uid: Option<String>,
        groups: Vec<String>,
        token: String,
    },
    /// A person an authenticating proxy named (impersonated).
    Impersonated {
        user: String,
        uid: Option<String>,
        groups: Vec<String>,
    },
}

/// What a ticket seals: who, which target, until when.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ticket {
    person: TicketPerson,
    namespace: String,
    resource: String,
    target: String,
    /// Seconds since the epoch.
    expires: i64,
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn sealed_person(person: &Person) -> TicketPerson {
    match person {
        Person::Local { .. } => TicketPerson::Local,
        Person::Signed(identity) => match &identity.credential {
            Credential::Token(token) => TicketPerson::Token {
                user: identity.user.clone(),
                uid: identity.uid.clone(),
                groups: identity.groups.clone(),
                token: token.clone(),
            },
            Credential::Impersonated => TicketPerson::Impersonated {
                user: identity.user.clone(),
                uid: identity.uid.clone(),
                groups: identity.groups.clone(),
            },
        },
    }
}

/// The person of a ticket, if the console still runs in a mode that has them.
fn unsealed_person(state: &AppState, person: TicketPerson) -> Option<Person> {
    let mode = &state.config.login.mode;
    Some(match person {
        TicketPerson::Local if matches!(mode, LoginMode::Local) => state.cluster.local_person(),
        TicketPerson::Token {
            user,
            uid,
            groups,
            token,
        } if matches!(mode, LoginMode::Login { .. }) => Person::Signed(Identity {
            user,
            uid,
            groups,
            credential: Credential::Token(token),
        }),
        TicketPerson::Impersonated { user, uid, groups } if matches!(mode, LoginMode::Proxy(_)) => {
            Person::Signed(Identity {
                user,
                uid,
                groups,
                credential: Credential::Impersonated,
            })
        }
        _ => return None,
    })
}

/// What one request names: the target and the rest of the path after `proxy` (%-encoded).
struct Asked {
    target: ProxyTarget,
    rest: String,
}

fn asked(kind: ProxyKind, params: &[(String, String)], path: &str) -> Result<Asked, AppError> {
    let param = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let target = ProxyTarget {
        namespace: param("namespace"),
        kind,
        target: param("target"),
    };
    // The rest of the path as sent (still %-encoded): after `/{resource}/{target}/proxy`.
    let marker = format!("/{}/", kind.resource());
    let rest = path
        .find("/api/v1/namespaces/")
        .and_then(|api| path[api..].find(&marker).map(|at| api + at))
        .and_then(|at| path[at..].find("/proxy").map(|p| at + p + "/proxy".len()))
        .map_or("", |end| &path[end..])
        .to_string();
    // The same rule as every API path: nothing that changes meaning on the way.
    for segment in rest.split('/').skip(1) {
        if segment.is_empty() {
            continue;
        }
        if let Err(bad) = crate::names::decode_segment(segment) {
            return Err(crate::names::refusal(&bad, segment));
        }
    }
    Ok(Asked { target, rest })
}

async fn pod(
    State(state): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    OriginalUri(original): OriginalUri,
    me: Me,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    direct(
        state,
        ProxyKind::Pods,
        &params,
        &original,
        me,
        method,
        headers,
        body,
    )
    .await
}

async fn service(
    State(state): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    OriginalUri(original): OriginalUri,
    me: Me,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    direct(
        state,
        ProxyKind::Services,
        &params,
        &original,
        me,
        method,
        headers,
        body,
    )
    .await
}

async fn ticket_pod(
    State(state): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    OriginalUri(original): OriginalUri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ticketed(
        state,
        ProxyKind::Pods,
        &params,
        &original,
        method,
        headers,
        body,
    )
    .await
}

async fn ticket_service(
    State(state): State<AppState>,
    Path(params): Path<Vec<(String, String)>>,
    OriginalUri(original): OriginalUri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    ticketed(
        state,
        ProxyKind::Services,
        &params,
        &original,
        method,
        headers,
        body,
    )
    .await
}

/// The person's link: a page read (`GET`, `HEAD`) is sent on to the same path under a new
/// ticket; any other method (a script's) goes through at once, as the person.
#[allow(clippy::too_many_arguments)]
async fn direct(
    state: AppState,
    kind: ProxyKind,
    params: &[(String, String)],
    original: &axum::http::Uri,
    me: Me,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let asked = match asked(kind, params, original.path()) {
        Ok(asked) => asked,
        Err(error) => return sandboxed(error.into_response()),
    };
    if method == Method::GET || method == Method::HEAD {
        let ticket = Ticket {
            person: sealed_person(&me.person),
            namespace: asked.target.namespace.clone(),
            resource: kind.resource().to_string(),
            target: asked.target.target.clone(),
            expires: now() + TICKET_SECONDS,
        };
        let sealed = state.config.login.key.seal(TICKET_PURPOSE, &ticket);
        let mut location = format!(
            "{}proxy/{sealed}{}",
            state.config.base_path.as_str(),
            api_path(&asked.target)
        );
        location.push_str(&asked.rest);
        if let Some(query) = original.query() {
            location = format!("{location}?{query}");
        }
        let mut response = StatusCode::SEE_OTHER.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return sandboxed(response);
    }
    forward(
        &state,
        &me,
        asked,
        None,
        method,
        original.query(),
        headers,
        body,
    )
    .await
}

/// A request under a ticket: the ticket's person on the ticket's target, or 403.
async fn ticketed(
    state: AppState,
    kind: ProxyKind,
    params: &[(String, String)],
    original: &axum::http::Uri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let asked = match asked(kind, params, original.path()) {
        Ok(asked) => asked,
        Err(error) => return sandboxed(error.into_response()),
    };
    let sealed = params
        .iter()
        .find(|(k, _)| k == "ticket")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let refused = |why: &str| {
        sandboxed(
            AppError::new(
                StatusCode::FORBIDDEN,
                "ProxyTicket",
                format!(
                    "{why}; open {} again from its page in Wheelhouse",
                    asked.target.target
                ),
            )
            .into_response(),
        )
    };
    let Some(ticket) = state
        .config
        .login
        .key
        .open::<Ticket>(TICKET_PURPOSE, &sealed)
    else {
        return refused(
            "this link to a workload is not one Wheelhouse made, or was made before it restarted",
        );
    };
    if ticket.namespace != asked.target.namespace
        || ticket.resource != kind.resource()
        || ticket.target != asked.target.target
    {
        return refused("this link was made for another workload");
    }
    if ticket.expires <= now() {
        return refused("this link to a workload has expired");
    }
    let Some(person) = unsealed_person(&state, ticket.person) else {
        return refused("this link was made for a sign-in this console no longer has");
    };
    let calls = match state.cluster.calls_for(&person) {
        Ok(calls) => calls,
        Err(error) => return sandboxed(AppError::from(error).into_response()),
    };
    let me = Me { person, calls };
    if !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        tracing::info!(
            target: "wheelhouse::audit",
            user = me.person.name(),
            method = %method,
            path = %format!("{}{}", asked.target.path(), asked.rest),
            "change through a workload proxy"
        );
    }
    let prefix = format!("{}proxy/{sealed}", state.config.base_path.as_str());
    forward(
        &state,
        &me,
        asked,
        Some(prefix),
        method,
        original.query(),
        headers,
        body,
    )
    .await
}

/// A path with a proxy ticket replaced by `…`, for the log.
pub fn redacted(path: &str) -> std::borrow::Cow<'_, str> {
    let api = path.find("/api/v1/namespaces/").unwrap_or(path.len());
    match path.find(TICKET_PREFIX).filter(|at| *at < api) {
        Some(at) => {
            let after = at + TICKET_PREFIX.len();
            let end = path[after..].find('/').map_or(path.len(), |e| after + e);
            format!("{}…{}", &path[..after], &path[end..]).into()
        }
        None => path.into(),
    }
}

/// The API server's path of a target as it writes it in links (names as they are, no escapes).
fn api_path(target: &ProxyTarget) -> String {
    format!(
        "/api/v1/namespaces/{}/{}/{}/proxy",
        target.namespace,
        target.kind.resource(),
        target.target
    )
}

/// Sends the request through the API server's proxy and hands the answer on, sandboxed; with a
/// ticket prefix, the API server's links to the target go under it.
#[allow(clippy::too_many_arguments)]
async fn forward(
    state: &AppState,
    me: &Me,
    asked: Asked,
    ticket_prefix: Option<String>,
    method: Method,
    query: Option<&str>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Asked { target, rest } = asked;
    let mut upstream = HeaderMap::new();
    for name in REQUEST_HEADERS {
        for value in headers.get_all(&name) {
            upstream.append(name.clone(), value.clone());
        }
    }
    let answer = me
        .calls
        .proxy(&target, method, &rest, query, upstream, body)
        .await;
    let proxied = match answer {
        Ok(proxied) => proxied,
        Err(failure) => {
            tracing::debug!(target = %target.path(), %failure.message, "proxy refused");
            return sandboxed(
                AppError::new(
                    StatusCode::from_u16(failure.code).unwrap_or(StatusCode::BAD_GATEWAY),
                    reason(&failure.reason),
                    format!(
                        "Wheelhouse could not open {} {} in {}: {}",
                        target.kind.resource().trim_end_matches('s'),
                        target.target,
                        target.namespace,
                        failure.message
                    ),
                )
                .into_response(),
            );
        }
    };
    let api = api_path(&target);
    let base = state.config.base_path.as_str();
    // Where the API server's links to this target go: under the ticket, or under the base path.
    let under = match &ticket_prefix {
        Some(prefix) => format!("{prefix}{api}"),
        None => format!("{}{api}", base.trim_end_matches('/')),
    };
    let content_type = proxied
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let rewrite = ticket_prefix.is_some()
        && proxied.headers.get(header::CONTENT_ENCODING).is_none()
        && (content_type.starts_with("text/html") || content_type.starts_with("text/css"));
    let body = if rewrite {
        Body::from_stream(replacing(
            Body::new(proxied.body).into_data_stream(),
            format!("{api}/").into_bytes(),
            format!("{under}/").into_bytes(),
        ))
    } else {
        Body::new(proxied.body)
    };
    let mut response = Response::new(body);
    *response.status_mut() = proxied.status;
    let out = response.headers_mut();
    for name in ANSWER_HEADERS {
        for value in proxied.headers.get_all(&name) {
            out.append(name.clone(), value.clone());
        }
    }
    if !rewrite && let Some(length) = proxied.headers.get(header::CONTENT_LENGTH) {
        out.insert(header::CONTENT_LENGTH, length.clone());
    }
    if let Some(location) = proxied
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|l| relocate(l, &api, &under, base))
        .and_then(|l| HeaderValue::from_str(&l).ok())
    {
        out.insert(header::LOCATION, location);
    }
    sandboxed(response)
}

/// `from` replaced by `to` in a stream of bytes, across chunk boundaries, holding back at most
/// `from.len() - 1` bytes; it may be polled after its end.
fn replacing<S, E>(
    stream: S,
    from: Vec<u8>,
    to: Vec<u8>,
) -> impl futures::Stream<Item = Result<Bytes, E>> + Send
where
    S: futures::Stream<Item = Result<Bytes, E>> + Send + Unpin,
    E: Send,
{
    let keep = from.len().saturating_sub(1);
    futures::stream::unfold(
        (stream, VecDeque::<u8>::new(), false),
        move |(mut stream, mut pending, done)| {
            let (from, to) = (from.clone(), to.clone());
            async move {
                if done {
                    return None;
                }
                match stream.next().await {
                    Some(Ok(chunk)) => {
                        pending.extend(chunk.iter());
                        let buffer: Vec<u8> = pending.drain(..).collect();
                        let (out, tail) = replace_all(&buffer, &from, &to, keep);
                        pending.extend(tail);
                        Some((Ok(Bytes::from(out)), (stream, pending, false)))
                    }
                    Some(Err(error)) => Some((Err(error), (stream, pending, true))),
                    None => {
                        let rest: Vec<u8> = pending.drain(..).collect();
                        Some((Ok(Bytes::from(rest)), (stream, pending, true)))
                    }
                }
            }
        },
    )
    // A body may be polled again after its end (the compression layer does).
    .fuse()
}

/// Replaces every `from` in `buffer`; the output, and the last `keep` bytes held back (they may
/// begin a `from` the next chunk completes).
fn replace_all(buffer: &[u8], from: &[u8], to: &[u8], keep: usize) -> (Vec<u8>, Vec<u8>) {
    let mut out = Vec::with_capacity(buffer.len());
    let mut at = 0;
    while at < buffer.len() {
        if buffer[at..].starts_with(from) {
            out.extend_from_slice(to);
            at += from.len();
            continue;
        }
        // A possible start of `from` too close to the end to tell: hold the rest back.
        if buffer.len() - at < from.len() && from.starts_with(&buffer[at..]) {
            break;
        }
        out.push(buffer[at]);
        at += 1;
    }
    let tail = buffer[at..].to_vec();
    debug_assert!(tail.len() <= keep.max(1));
    (out, tail)
}

/// A reason the error shape knows, for the API server's refusal through the proxy.
fn reason(reason: &str) -> &'static str {
    match reason {
        "Forbidden" => "Forbidden",
        "NotFound" => "NotFound",
        "ServiceUnavailable" => "ServiceUnavailable",
        "BadRequest" => "BadRequest",
        "Unauthorized" => "Unauthorized",
        "Unavailable" => "Unavailable",
        _ => "ProxyFailed",
    }
}

/// The headers every answer under a proxy path carries, the console's errors included.
fn sandboxed(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SANDBOX),
    );
    // The sandboxed page's origin is opaque, so its own loads are cross-origin to the browser;
    // who may load a proxied answer is decided by its ticket instead.
    headers.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    headers.remove(header::SET_COOKIE);
    response
}

/// A `Location` the workload (through the API server) sent, as the browser must follow it: one
/// under this target's proxy path goes under `under` (the ticket); another absolute path under
/// the console's base path; an absolute URL to another site stays as it is (the browser leaves
/// the console); a relative one is left to the browser.
fn relocate(location: &str, api: &str, under: &str, base: &str) -> String {
    if let Some(rest) = location.strip_prefix(api) {
        return format!("{under}{rest}");
    }
    if let Some(path) = location.strip_prefix('/')
        && !location.starts_with("//")
    {
        return format!("{base}{path}");
    }
    location.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_under_the_api_servers_proxy_goes_under_the_ticket() {
        let api = "/api/v1/namespaces/shop/services/web:80/proxy";
        let under = "/console/proxy/T/api/v1/namespaces/shop/services/web:80/proxy";
        assert_eq!(
            relocate(&format!("{api}/echo?x=1"), api, under, "/console/"),
            format!("{under}/echo?x=1")
        );
        assert_eq!(
            relocate(
                "/api/v1/namespaces/shop/services/other:80/proxy/",
                api,
                under,
                "/console/"
            ),
            "/console/api/v1/namespaces/shop/services/other:80/proxy/"
        );
        assert_eq!(
            relocate("https://elsewhere.example/x", api, under, "/console/"),
            "https://elsewhere.example/x"
        );
        assert_eq!(
            relocate("//elsewhere.example/x", api, under, "/console/"),
            "//elsewhere.example/x"
        );
        assert_eq!(relocate("next", api, under, "/console/"), "next");
    }

    #[test]
    fn a_ticket_stays_out_of_the_log() {
        assert_eq!(
            redacted("/sub/proxy/SECRET/api/v1/namespaces/a/services/b:80/proxy/x"),
            "/sub/proxy/…/api/v1/namespaces/a/services/b:80/proxy/x"
        );
        let link = "/api/v1/namespaces/a/services/b:80/proxy/x";
        assert_eq!(redacted(link), link);
    }

    #[test]
    fn the_sandbox_has_no_same_origin_and_no_framing() {
        assert!(SANDBOX.starts_with("sandbox "));
        assert!(!SANDBOX.contains("allow-same-origin"));
        assert!(!SANDBOX.contains("allow-top-navigation"));
        assert!(SANDBOX.contains("frame-ancestors 'none'"));
    }

    #[tokio::test]
    async fn links_are_rewritten_even_when_a_chunk_ends_inside_one() {
        let page = b"<a href=\"/api/x/proxy/a\">a</a><img src=\"/api/x/proxy/b.png\"> /api/x/prox"
            .to_vec();
        for split in 0..page.len() {
            let chunks = vec![
                Ok::<_, std::io::Error>(Bytes::copy_from_slice(&page[..split])),
                Ok(Bytes::copy_from_slice(&page[split..])),
            ];
            let out: Vec<u8> = replacing(
                futures::stream::iter(chunks),
                b"/api/x/proxy/".to_vec(),
                b"/t/api/x/proxy/".to_vec(),
            )
            .map(|chunk| chunk.expect("a chunk").to_vec())
            .concat()
            .await;
            assert_eq!(
                String::from_utf8(out).expect("text"),
                "<a href=\"/t/api/x/proxy/a\">a</a><img src=\"/t/api/x/proxy/b.png\"> /api/x/prox",
                "split at {split}"
            );
        }
    }
}
