//! `/api/v1/session`: who is signed in, signing in with a token or OIDC, and signing out.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use wheelhouse_cluster::Person;

use super::cookie::Claims;
use super::oidc::Pending;
use super::{
    LoginMode, OIDC_COOKIE, SESSION_COOKIE, SessionMode, SignInMethod, cookie_path, cookie_value,
    now, session_cookie, set_cookie, time_text, token_expiry, url_prefix,
};
use crate::AppState;
use crate::error::{ApiJson, AppError, Result};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/api/v1/session",
            get(current).post(sign_in).delete(sign_out),
        )
        .route("/api/v1/session/oidc", get(oidc_start))
        .route("/api/v1/session/oidc/callback", get(oidc_callback))
}

/// What `GET`, `POST` and `DELETE /api/v1/session` answer.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Session")]
pub struct SessionAnswer {
    mode: SessionMode,
    methods: Vec<SignInMethod>,
    /// The cluster's name, told before anyone signed in (the sign-in page's title).
    cluster: String,
    /// `null` when nobody is signed in.
    person: Option<PersonAnswer>,
}

/// Who is signed in.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Person")]
pub struct PersonAnswer {
    user: String,
    groups: Vec<String>,
    /// `local`, `token`, `oidc` or `proxy`.
    method: String,
    /// When the session ends (RFC 3339); `null` when it does not (local, proxy).
    expires_at: Option<String>,
}

fn answer(state: &AppState, person: Option<PersonAnswer>) -> SessionAnswer {
    SessionAnswer {
        mode: state.config.login.mode.kind(),
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

/// The body of `POST /api/v1/session`: sign in with a bearer token.
#[derive(Debug, Deserialize, TS)]
pub struct TokenSignIn {
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
pub(super) fn inside_the_app(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path.len() <= 2048
}

/// This console's callback at the address the browser used (the `Host` the same-origin guard
/// already accepted); `https` unless the host is a loopback address.
pub(super) fn callback_url(headers: &HeaderMap, base: &str) -> String {
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
