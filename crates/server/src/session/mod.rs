//! Who is using the console: the login modes, the session cookie, `/api/v1/session`, and the
//! audit line every change writes.
//!
//! [`authenticate`] runs in front of every route and puts the request's [`Person`] in its
//! extensions: the kubeconfig's identity in local mode, the signed-in person from the sealed
//! session cookie in login mode (refreshing an OIDC session that is about to expire), or the
//! person a trusted authenticating proxy names. An API call without a person is answered 401;
//! the web app's files are served to anyone, so the sign-in page can load.

mod cookie;
mod oidc;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::Serialize;
use ts_rs::TS;
use wheelhouse_cluster::{Credential, Identity, Person};

pub use cookie::{KeyOrigin, SessionKey};
pub use oidc::{Oidc, OidcSettings};
pub use routes::router;
pub(crate) use routes::{PersonAnswer, SessionAnswer, TokenSignIn};

use crate::AppState;
use crate::error::AppError;
use cookie::Claims;

/// The cookie that holds a session.
const SESSION_COOKIE: &str = "wheelhouse_session";
/// The cookie that holds an OIDC sign-in under way.
const OIDC_COOKIE: &str = "wheelhouse_oidc";
/// An OIDC session is refreshed when its ID token has less than this left.
const REFRESH_BEFORE: i64 = 60;

/// Who may use the console and how they prove it.
#[derive(Debug, Clone)]
pub struct LoginConfig {
    pub mode: LoginMode,
    /// What session cookies are sealed with.
    pub key: SessionKey,
    /// How long a sign-in lasts, refreshes included.
    pub session_ttl: Duration,
    /// In local mode, the token `wheelhouse port-forward` proves itself with (written 0600 to
    /// the user's cache at start); `None`: the command line is refused in local mode.
    pub command_line_token: Option<String>,
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            mode: LoginMode::Local,
            key: SessionKey::random(),
            session_ttl: Duration::from_secs(8 * 3600),
            command_line_token: None,
        }
    }
}

/// Paths that find their person themselves, from a bearer credential
/// ([`command_line_person`]): the command line's port-forward.
fn command_line_path(path: &str) -> bool {
    path.starts_with("/api/v1/port-forward/")
}

/// The person a command-line client (`wheelhouse port-forward`) acts as, from its bearer
/// credential (docs/adr/0023):
///
/// - a browser is refused outright: a page's requests carry `Origin` or `Sec-Fetch-*`, which it
///   cannot leave out, and it cannot set `Authorization` on a WebSocket;
/// - in local mode the credential is the console's command-line token (the kubeconfig's
///   identity is then the person);
/// - with `--login token` it is the person's own Kubernetes token, which the API server names
///   (a SelfSubjectReview), as the sign-in form does;
/// - with OIDC alone it is refused: the console was told to accept no raw tokens;
/// - behind an authenticating proxy it is whoever the proxy names, as for every request.
pub async fn command_line_person(
    state: &AppState,
    headers: &HeaderMap,
) -> std::result::Result<Person, AppError> {
    if headers.contains_key(header::ORIGIN)
        || headers
            .keys()
            .any(|name| name.as_str().starts_with("sec-fetch-"))
    {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "CrossOriginRequest",
            "port-forward is for the `wheelhouse port-forward` command; a web page may not open it",
        ));
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let unauthorized =
        |message: String| AppError::new(StatusCode::UNAUTHORIZED, "Unauthorized", message);
    let login = &state.config.login;
    match &login.mode {
        LoginMode::Local => {
            let Some(expected) = &login.command_line_token else {
                return Err(unauthorized(
                    "this console takes no command-line clients: it made no command-line token".into(),
                ));
            };
            match bearer {
                Some(given) if same_bytes(given.as_bytes(), expected.as_bytes()) => {
                    Ok(state.cluster.local_person())
                }
                Some(_) => Err(unauthorized(
                    "the token is not this console's: it writes a new one to ~/.cache/wheelhouse/consoles/ each time it starts; leave out --token and --token-file to use it".into(),
                )),
                None => Err(unauthorized(
                    "a token is required: this console writes one to ~/.cache/wheelhouse/consoles/ when it starts; give it with --token-file".into(),
                )),
            }
        }
        LoginMode::Login { token: true, .. } => {
            let token = bearer.ok_or_else(|| {
                unauthorized(
                    "a token is required: give a Kubernetes token the API server accepts with --token or --token-file (e.g. `kubectl create token <account>`)".into(),
                )
            })?;
            if token.len() > 2048 || token.contains(|c: char| c.is_whitespace() || c.is_control()) {
                return Err(unauthorized(
                    "this is not a bearer token: tokens are one line of at most 2048 characters".into(),
                ));
            }
            let identity = state
                .cluster
                .identify(token.to_string())
                .await
                .map_err(|error| {
                    tracing::info!(target: "wheelhouse::audit", %error, "a command-line token was refused");
                    AppError::from(error)
                })?;
            Ok(Person::Signed(identity))
        }
        LoginMode::Login { token: false, .. } => Err(unauthorized(
            "this console signs people in with OIDC only and takes no tokens from the command line; start it with --login token,oidc to accept a token (an ID token your API server trusts works too)".into(),
        )),
        LoginMode::Proxy(proxy) => proxied(proxy, headers),
    }
}

/// The three ways a person can be known.
#[derive(Debug, Clone)]
pub enum LoginMode {
    /// The kubeconfig's identity is the person (a console on loopback).
    Local,
    /// People sign in: with a bearer token, with OIDC, or either.
    Login {
        token: bool,
        oidc: Option<Arc<Oidc>>,
    },
    /// An authenticating proxy in front names the person; Wheelhouse impersonates them.
    Proxy(ProxySettings),
}

/// The three ways a person can be known, as `/api/v1/session` and `/api/v1/cluster` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SessionMode {
    /// The console acts with its own kubeconfig identity; nobody signs in or out.
    Local,
    /// People sign in with one of the session's `methods`.
    Login,
    /// An authenticating proxy in front names the person; there is no sign-in form.
    Proxy,
}

/// A way to sign in, in login mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SignInMethod {
    /// A bearer token pasted into the sign-in form.
    Token,
    /// The OIDC issuer the API server trusts.
    Oidc,
}

impl LoginMode {
    /// The mode's name, as the log and messages say it (the API's is [`LoginMode::kind`]).
    pub fn name(&self) -> &'static str {
        match self {
            LoginMode::Local => "local",
            LoginMode::Login { .. } => "login",
            LoginMode::Proxy(_) => "proxy",
        }
    }

    /// The mode as the API names it.
    pub fn kind(&self) -> SessionMode {
        match self {
            LoginMode::Local => SessionMode::Local,
            LoginMode::Login { .. } => SessionMode::Login,
            LoginMode::Proxy(_) => SessionMode::Proxy,
        }
    }

    /// The OIDC client, when OIDC sign-in is enabled.
    fn oidc(&self) -> Option<&Oidc> {
        match self {
            LoginMode::Login {
                oidc: Some(oidc), ..
            } => Some(oidc),
            _ => None,
        }
    }

    fn methods(&self) -> Vec<SignInMethod> {
        match self {
            LoginMode::Login { token, oidc } => {
                let mut methods = vec![];
                if *token {
                    methods.push(SignInMethod::Token);
                }
                if oidc.is_some() {
                    methods.push(SignInMethod::Oidc);
                }
                methods
            }
            LoginMode::Local | LoginMode::Proxy(_) => vec![],
        }
    }
}

/// How requests from the authenticating proxy are recognised.
#[derive(Clone)]
pub struct ProxySettings {
    /// The value the proxy sends in [`ProxySettings::secret_header`].
    pub secret: String,
    pub secret_header: header::HeaderName,
    /// The header naming the user (`X-Remote-User`).
    pub user_header: header::HeaderName,
    /// The header naming a group; repeated, or comma-separated (`X-Remote-Group`).
    pub group_header: header::HeaderName,
}

impl std::fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxySettings")
            .field("secret_header", &self.secret_header)
            .field("user_header", &self.user_header)
            .field("group_header", &self.group_header)
            .finish_non_exhaustive()
    }
}

/// When the request's session ends (Unix seconds): the session's end, or its ID token's expiry,
/// whichever is first. Live connections close then, so a view never outlives its sign-in; the
/// web app reconnects with a renewed session or shows the sign-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionEnds(pub i64);

impl SessionEnds {
    /// How long from now, zero when already past.
    pub fn remaining(self) -> Duration {
        Duration::from_secs(u64::try_from(self.0 - now()).unwrap_or(0))
    }
}

/// The 401 a live connection ends with when its session ends.
pub fn session_ended() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "SessionExpired",
        "your session ended; sign in again",
    )
}

/// Paths answered without a person: the session itself and the web app's files.
fn public(path: &str) -> bool {
    !(path == "/api" || path.starts_with("/api/"))
        || path == "/api/v1/session"
        || path.starts_with("/api/v1/session/")
}

/// Finds the request's person, refuses API calls without one, and writes the audit line.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let login = &state.config.login;
    let path = request.uri().path().to_string();
    if command_line_path(&path) {
        return next.run(request).await;
    }
    // The audit line names the object, whose namespace is in the query.
    let target = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_string());
    let mut renewed = None;
    let mut ends = None;
    let person = match &login.mode {
        LoginMode::Local => Some(state.cluster.local_person()),
        LoginMode::Proxy(proxy) => match proxied(proxy, request.headers()) {
            Ok(person) => Some(person),
            // A workload's page under a ticket: the ticket names the person. The page's own
            // loads are cross-site to the browser and carry no cookie of the proxy either, so a
            // proxy lets them through without its sign-in; they must still come through it.
            Err(_)
                if path.starts_with(crate::proxy::TICKET_PREFIX)
                    && through_proxy(proxy, request.headers()) =>
            {
                None
            }
            Err(refusal) => return refusal.into_response(),
        },
        LoginMode::Login { oidc, .. } => {
            match session(login, oidc.as_deref(), request.headers(), now()).await {
                Found::Person(person, fresh, end) => {
                    renewed = fresh;
                    ends = Some(end);
                    Some(person)
                }
                Found::Expired(why) if !public(&path) => {
                    return AppError::new(StatusCode::UNAUTHORIZED, "SessionExpired", why)
                        .into_response();
                }
                Found::Expired(_) | Found::Nobody => None,
            }
        }
    };
    if person.is_none() && !public(&path) {
        return AppError::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "sign in to use Wheelhouse",
        )
        .into_response();
    }
    let method = request.method().clone();
    let changes = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    if let Some(person) = &person {
        request.extensions_mut().insert(person.clone());
    }
    if let Some(ends) = ends {
        request.extensions_mut().insert(ends);
    }
    let mut response = next.run(request).await;
    if changes
        && !public(&path)
        && let Some(person) = &person
    {
        audit(person, &method, &target, response.status());
    }
    if let Some(claims) = renewed {
        set_cookie(&mut response, session_cookie(&state, Some(&claims)));
    }
    response
}

/// One line per change: who, what, which object, and how it ended.
fn audit(person: &Person, method: &Method, path: &str, status: StatusCode) {
    tracing::info!(
        target: "wheelhouse::audit",
        user = person.name(),
        groups = ?person.groups(),
        method = %method,
        path,
        status = status.as_u16(),
        "change"
    );
}

/// What a request's session cookie says.
enum Found {
    /// A person, renewed claims to send back when the session was refreshed, and when it ends.
    Person(Person, Option<Box<Claims>>, SessionEnds),
    /// A session that has ended, and the sentence saying so.
    Expired(String),
    Nobody,
}

async fn session(login: &LoginConfig, oidc: Option<&Oidc>, headers: &HeaderMap, now: i64) -> Found {
    let Some(sealed) = cookie_value(headers, SESSION_COOKIE) else {
        return Found::Nobody;
    };
    let Some(mut claims) = login.key.open::<Claims>("session", &sealed) else {
        // Sealed under another key (a restart without --session-key-file) or tampered with.
        return Found::Expired("your session is no longer valid; sign in again".into());
    };
    if claims.expires <= now {
        return Found::Expired(format!(
            "your session ended at {}; sign in again",
            time_text(claims.expires)
        ));
    }
    let mut renewed = None;
    if let (Some(oidc), Some(refresh), Some(token_expires)) =
        (oidc, claims.refresh.clone(), claims.token_expires)
        && token_expires - now < REFRESH_BEFORE
    {
        match oidc.refresh(&refresh).await {
            Ok(tokens) => {
                if let Some(id_token) = tokens.id_token {
                    claims.token_expires = token_expiry(&id_token);
                    claims.token = id_token;
                }
                if let Some(refresh) = tokens.refresh_token {
                    claims.refresh = Some(refresh);
                }
                renewed = Some(Box::new(claims.clone()));
            }
            Err(error) if token_expires <= now => {
                tracing::info!(user = %claims.user, %error, "the OIDC session could not be refreshed");
                return Found::Expired(format!(
                    "your sign-in expired and could not be renewed ({error}); sign in again"
                ));
            }
            // Still valid for a moment: the next request tries again.
            Err(error) => tracing::debug!(%error, "refreshing the OIDC session failed, will retry"),
        }
    } else if claims.token_expires.is_some_and(|t| t <= now) {
        return Found::Expired("your sign-in's token has expired; sign in again".into());
    }
    let person = Person::Signed(Identity {
        user: claims.user.clone(),
        uid: claims.uid.clone(),
        groups: claims.groups.clone(),
        credential: Credential::Token(claims.token.clone()),
    });
    let ends = SessionEnds(
        claims
            .token_expires
            .map_or(claims.expires, |t| t.min(claims.expires)),
    );
    Found::Person(person, renewed, ends)
}

/// Whether the request carries the authenticating proxy's secret.
fn through_proxy(proxy: &ProxySettings, headers: &HeaderMap) -> bool {
    let given = headers
        .get(&proxy.secret_header)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    same_bytes(given, proxy.secret.as_bytes())
}

/// The person an authenticating proxy names, if the request comes from it.
fn proxied(proxy: &ProxySettings, headers: &HeaderMap) -> std::result::Result<Person, AppError> {
    if !through_proxy(proxy, headers) {
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "this console is reached through an authenticating proxy; requests that did not pass through it are refused",
        ));
    }
    let user = headers
        .get(&proxy.user_header)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            AppError::new(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                format!(
                    "the authenticating proxy named no user (header {})",
                    proxy.user_header
                ),
            )
        })?;
    let groups = headers
        .get_all(&proxy.group_header)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect();
    Ok(Person::Signed(Identity {
        user: user.to_string(),
        uid: None,
        groups,
        credential: Credential::Impersonated,
    }))
}

/// Compares without stopping at the first difference, so timing says nothing about the secret.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let da = ring::digest::digest(&ring::digest::SHA256, a);
    let db = ring::digest::digest(&ring::digest::SHA256, b);
    da.as_ref()
        .iter()
        .zip(db.as_ref())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// The session cookie for `claims`, or one that clears it.
fn session_cookie(state: &AppState, claims: Option<&Claims>) -> String {
    let path = cookie_path(&url_prefix(state));
    match claims {
        Some(claims) => {
            let sealed = state.config.login.key.seal("session", claims);
            let max_age = (claims.expires - now()).max(0);
            format!(
                "{SESSION_COOKIE}={sealed}; Path={path}; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age}"
            )
        }
        None => {
            format!("{SESSION_COOKIE}=; Path={path}; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
        }
    }
}

/// The base path as a prefix of URLs: `""` at the root, `/sub` under `--base-path /sub/`.
fn url_prefix(state: &AppState) -> String {
    state
        .config
        .base_path
        .as_str()
        .trim_end_matches('/')
        .to_string()
}

/// Cookies go to every path under the base path.
fn cookie_path(prefix: &str) -> String {
    format!("{prefix}/")
}

fn set_cookie(response: &mut Response, cookie: String) {
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// The value of the cookie `name`, from every `Cookie` header.
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

/// When a JWT says it expires, if the token is one.
fn token_expiry(token: &str) -> Option<i64> {
    oidc::claims(token)?.get("exp")?.as_i64()
}

fn now() -> i64 {
    Timestamp::now().as_second()
}

fn time_text(seconds: i64) -> String {
    Timestamp::from_second(seconds)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::routes::{callback_url, inside_the_app};
    use super::*;

    #[test]
    fn only_paths_inside_the_app_are_returned_to() {
        assert!(inside_the_app("/pods?namespace=default"));
        for outside in [
            "//evil.example/",
            "https://evil.example/",
            "evil",
            "/\\evil",
            "",
        ] {
            assert!(!inside_the_app(outside), "{outside}");
        }
    }

    #[test]
    fn the_proxy_secret_is_required_and_groups_are_collected() {
        let proxy = ProxySettings {
            secret: "proxy-secret".into(),
            secret_header: header::HeaderName::from_static("x-wheelhouse-proxy-secret"),
            user_header: header::HeaderName::from_static("x-remote-user"),
            group_header: header::HeaderName::from_static("x-remote-group"),
        };
        let mut headers = HeaderMap::new();
        headers.insert("x-remote-user", HeaderValue::from_static("alice"));
        assert!(proxied(&proxy, &headers).is_err(), "no secret");
        headers.insert(
            "x-wheelhouse-proxy-secret",
            HeaderValue::from_static("wrong"),
        );
        assert!(proxied(&proxy, &headers).is_err(), "wrong secret");
        headers.insert(
            "x-wheelhouse-proxy-secret",
            HeaderValue::from_static("proxy-secret"),
        );
        headers.append("x-remote-group", HeaderValue::from_static("team-a, ops"));
        headers.append("x-remote-group", HeaderValue::from_static("viewers"));
        let person = proxied(&proxy, &headers).expect("from the proxy");
        assert_eq!(person.name(), "alice");
        assert_eq!(person.groups(), ["team-a", "ops", "viewers"]);
    }

    /// A log writer the test can read back.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_change_writes_one_audit_line_naming_who_what_and_how_it_ended() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let person = Person::Signed(Identity {
            user: "alice".into(),
            uid: None,
            groups: vec!["team-a".into()],
            credential: Credential::Token("s3cret-token".into()),
        });
        tracing::subscriber::with_default(subscriber, || {
            audit(
                &person,
                &Method::DELETE,
                "/api/v1/resources/core/v1/pods/web-1?namespace=shop",
                StatusCode::FORBIDDEN,
            );
        });
        let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
        assert_eq!(text.lines().count(), 1, "{text}");
        for expected in [
            "wheelhouse::audit",
            "alice",
            "team-a",
            "DELETE",
            "pods/web-1?namespace=shop",
            "403",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        assert!(!text.contains("s3cret"), "{text}");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; wheelhouse_session=abc; b=2"),
        );
        assert_eq!(
            cookie_value(&headers, SESSION_COOKIE).as_deref(),
            Some("abc")
        );
        assert_eq!(cookie_value(&headers, OIDC_COOKIE), None);
    }

    #[test]
    fn the_callback_is_https_unless_on_loopback() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert_eq!(
            callback_url(&headers, "/console"),
            "http://127.0.0.1:8080/console/api/v1/session/oidc/callback"
        );
        headers.insert(header::HOST, HeaderValue::from_static("wheelhouse.example"));
        assert_eq!(
            callback_url(&headers, ""),
            "https://wheelhouse.example/api/v1/session/oidc/callback"
        );
    }
}
