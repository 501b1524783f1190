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

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use wheelhouse_cluster::{Credential, Identity, Person};

pub use cookie::{KeyOrigin, SessionKey};
pub use oidc::{Oidc, OidcSettings};

use crate::AppState;
use crate::error::{ApiJson, AppError, Result};
use cookie::Claims;
use oidc::Pending;

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
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            mode: LoginMode::Local,
            key: SessionKey::random(),
            session_ttl: Duration::from_secs(8 * 3600),
        }
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

impl LoginMode {
    /// The name `/api/v1/session` and the log use.
    pub fn name(&self) -> &'static str {
        match self {
            LoginMode::Local => "local",
            LoginMode::Login { .. } => "login",
            LoginMode::Proxy(_) => "proxy",
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

    fn methods(&self) -> Vec<&'static str> {
        match self {
            LoginMode::Login { token, oidc } => {
                let mut methods = vec![];
                if *token {
                    methods.push("token");
                }
                if oidc.is_some() {
                    methods.push("oidc");
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

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/api/v1/session",
            get(current).post(sign_in).delete(sign_out),
        )
        .route("/api/v1/session/oidc", get(oidc_start))
        .route("/api/v1/session/oidc/callback", get(oidc_callback))
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

/// The person an authenticating proxy names, if the request comes from it.
fn proxied(proxy: &ProxySettings, headers: &HeaderMap) -> std::result::Result<Person, AppError> {
    let given = headers
        .get(&proxy.secret_header)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    if !same_bytes(given, proxy.secret.as_bytes()) {
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

/// What `/api/v1/session` answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionAnswer {
    mode: &'static str,
    methods: Vec<&'static str>,
    cluster: String,
    person: Option<PersonAnswer>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PersonAnswer {
    user: String,
    groups: Vec<String>,
    method: String,
    expires_at: Option<String>,
}

fn answer(state: &AppState, person: Option<PersonAnswer>) -> SessionAnswer {
    SessionAnswer {
        mode: state.config.login.mode.name(),
        methods: state.config.login.mode.methods(),
        cluster: state.cluster.info().name.clone(),
        person,
    }
}

async fn current(
    State(state): State<AppState>,
    headers: HeaderMap,
    person: Option<axum::Extension<Person>>,
) -> Json<SessionAnswer> {
    let person = person.map(|axum::Extension(person)| match &person {
        Person::Local { name } => PersonAnswer {
            user: name.clone(),
            groups: vec![],
            method: "local".into(),
            expires_at: None,
        },
        Person::Signed(identity) => {
            let claims = cookie_value(&headers, SESSION_COOKIE)
                .and_then(|c| state.config.login.key.open::<Claims>("session", &c));
            PersonAnswer {
                user: identity.user.clone(),
                groups: identity.groups.clone(),
                method: claims
                    .as_ref()
                    .map_or("proxy".to_string(), |c| c.method.clone()),
                expires_at: claims.map(|c| time_text(c.expires)),
            }
        }
    });
    Json(answer(&state, person))
}

#[derive(Debug, Deserialize)]
struct TokenSignIn {
    token: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenSignIn>,
) -> Result<Response> {
    let LoginMode::Login { token: true, .. } = &state.config.login.mode else {
        return Err(AppError::bad_request(format!(
            "signing in with a token is not enabled on this console (login mode: {}); start it with --login token",
            state.config.login.mode.name()
        )));
    };
    let token = body.token.trim().to_string();
    if token.is_empty() {
        return Err(AppError::bad_request("paste a bearer token to sign in"));
    }
    if token.len() > 2048 || token.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(AppError::bad_request(
            "this is not a bearer token: tokens are one line of at most 2048 characters",
        ));
    }
    let identity = state
        .cluster
        .identify(token.clone())
        .await
        .map_err(|error| {
            tracing::info!(target: "wheelhouse::audit", %error, "sign-in with a token refused");
            AppError::from(error)
        })?;
    let now = now();
    let mut expires = now + state.config.login.session_ttl.as_secs() as i64;
    // A token that says when it expires ends the session then.
    let token_expires = token_expiry(&token);
    if let Some(at) = token_expires {
        expires = expires.min(at);
    }
    let claims = Claims {
        user: identity.user.clone(),
        uid: identity.uid.clone(),
        groups: identity.groups.clone(),
        method: "token".into(),
        token,
        refresh: None,
        token_expires: None,
        expires,
    };
    Ok(signed_in(&state, claims))
}

/// The answer to a finished sign-in: the session and its cookie.
fn signed_in(state: &AppState, claims: Claims) -> Response {
    tracing::info!(target: "wheelhouse::audit", user = %claims.user, groups = ?claims.groups, method = %claims.method, "signed in");
    let person = PersonAnswer {
        user: claims.user.clone(),
        groups: claims.groups.clone(),
        method: claims.method.clone(),
        expires_at: Some(time_text(claims.expires)),
    };
    let mut response = Json(answer(state, Some(person))).into_response();
    set_cookie(&mut response, session_cookie(state, Some(&claims)));
    response
}

async fn sign_out(
    State(state): State<AppState>,
    person: Option<axum::Extension<Person>>,
) -> Response {
    if let Some(axum::Extension(person)) = &person {
        tracing::info!(target: "wheelhouse::audit", user = person.name(), "signed out");
    }
    let signs_in = matches!(state.config.login.mode, LoginMode::Login { .. });
    let mut response = Json(answer(&state, None)).into_response();
    if signs_in {
        set_cookie(&mut response, session_cookie(&state, None));
    }
    response
}

#[derive(Debug, Deserialize)]
struct StartQuery {
    #[serde(rename = "return")]
    back_to: Option<String>,
}

async fn oidc_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<StartQuery>,
) -> Response {
    let base = url_prefix(&state);
    let Some(oidc) = state.config.login.mode.oidc() else {
        return login_page_with_error(&base, "signing in with OIDC is not enabled on this console");
    };
    let back_to = query
        .back_to
        .filter(|p| inside_the_app(p))
        .unwrap_or_else(|| "/".into());
    let redirect_uri = match &oidc.settings.redirect_url {
        Some(url) => url.clone(),
        None => callback_url(&headers, &base),
    };
    match oidc.start(redirect_uri, back_to, now()).await {
        Ok((url, pending)) => {
            let mut response = Redirect::to(&url).into_response();
            let sealed = state.config.login.key.seal("oidc", &pending);
            set_cookie(&mut response, pending_cookie(&base, &sealed, 600));
            response
        }
        Err(error) => {
            tracing::warn!(%error, "cannot start an OIDC sign-in");
            login_page_with_error(&base, &format!("cannot reach the OIDC issuer: {error}"))
        }
    }
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn oidc_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let base = url_prefix(&state);
    let Some(oidc) = state.config.login.mode.oidc() else {
        return login_page_with_error(&base, "signing in with OIDC is not enabled on this console");
    };
    let clear_pending = pending_cookie(&base, "", 0);
    let result = async {
        if let Some(error) = &query.error {
            return Err(format!(
                "the OIDC issuer refused the sign-in: {error} {}",
                query.error_description.as_deref().unwrap_or("")
            )
            .trim_end()
            .to_string());
        }
        let pending: Pending = cookie_value(&headers, OIDC_COOKIE)
            .and_then(|c| state.config.login.key.open("oidc", &c))
            .ok_or(
                "this sign-in was not started here, or took longer than 10 minutes; start again",
            )?;
        if pending.expires <= now() {
            return Err("this sign-in took longer than 10 minutes; start again".to_string());
        }
        if query.state.as_deref() != Some(pending.state.as_str()) {
            return Err(
                "the issuer's answer does not belong to this sign-in (state differs); start again"
                    .to_string(),
            );
        }
        let code = query.code.as_deref().ok_or("the issuer sent no code")?;
        let tokens = oidc.finish(&pending, code).await?;
        let id_token = tokens.id_token.unwrap_or_default();
        let identity = state
            .cluster
            .identify(id_token.clone())
            .await
            .map_err(|e| format!("the API server did not accept the ID token: {e}"))?;
        let now = now();
        let claims = Claims {
            user: identity.user,
            uid: identity.uid,
            groups: identity.groups,
            method: "oidc".into(),
            token_expires: token_expiry(&id_token),
            token: id_token,
            refresh: tokens.refresh_token,
            expires: now + state.config.login.session_ttl.as_secs() as i64,
        };
        Ok((claims, pending.back_to))
    }
    .await;
    let mut response = match result {
        Ok((claims, back_to)) => {
            tracing::info!(target: "wheelhouse::audit", user = %claims.user, groups = ?claims.groups, method = "oidc", "signed in");
            let mut response = Redirect::to(&format!("{base}{back_to}")).into_response();
            set_cookie(&mut response, session_cookie(&state, Some(&claims)));
            response
        }
        Err(error) => {
            tracing::info!(target: "wheelhouse::audit", %error, "OIDC sign-in failed");
            login_page_with_error(&base, &error)
        }
    };
    set_cookie(&mut response, clear_pending);
    response
}

/// The cookie of an OIDC sign-in under way. Lax, not Strict: the browser comes back from the
/// issuer, another site.
fn pending_cookie(base: &str, sealed: &str, max_age: u32) -> String {
    format!(
        "{OIDC_COOKIE}={sealed}; Path={}; HttpOnly; Secure; SameSite=Lax; Max-Age={max_age}",
        cookie_path(base)
    )
}

/// The sign-in page, showing why the last attempt failed.
fn login_page_with_error(base: &str, message: &str) -> Response {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("error", message)
        .finish();
    Redirect::to(&format!("{base}/login?{query}")).into_response()
}

/// Only a path inside the console may be returned to (no `//evil.example`, no `https:`).
fn inside_the_app(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.len() <= 2048
}

/// This console's callback at the address the browser used (the `Host` the same-origin guard
/// already accepted); `https` unless the host is a loopback address.
fn callback_url(headers: &HeaderMap, base: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let loopback = name == "localhost"
        || name
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let scheme = if loopback { "http" } else { "https" };
    format!("{scheme}://{host}{base}/api/v1/session/oidc/callback")
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
