//! Sign-in with OpenID Connect: the authorization code flow with PKCE against the issuer the API
//! server trusts. Wheelhouse does not judge the ID token itself: it sends it to the API server,
//! which verifies it (signature, issuer, audience, expiry) and says whose it is. Wheelhouse checks
//! what binds the answer to this browser: `state` and PKCE on the way back, `nonce` in the token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::cookie::random_text;

/// How long the issuer may take to answer one request.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Answers from the issuer larger than this are refused.
const MAX_ANSWER: usize = 256 * 1024;
/// How long the issuer's discovery document is reused.
const DISCOVERY_TTL: Duration = Duration::from_secs(300);

/// The `--oidc-*` flags.
#[derive(Clone)]
pub struct OidcSettings {
    /// The issuer, exactly as the API server's `--oidc-issuer-url`.
    pub issuer: String,
    pub client_id: String,
    /// For a confidential client; a public client relies on PKCE alone.
    pub client_secret: Option<String>,
    pub scopes: Vec<String>,
    /// Where the issuer sends the browser back; by default this console's own
    /// `…/api/v1/session/oidc/callback` at the address the browser used.
    pub redirect_url: Option<String>,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("redirect_url", &self.redirect_url)
            .finish_non_exhaustive()
    }
}

/// What the issuer's discovery document says, of what Wheelhouse uses.
#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
}

/// The tokens the issuer hands out.
#[derive(Clone, Deserialize)]
pub struct Tokens {
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
}

/// What the browser keeps between leaving for the issuer and coming back (sealed in a cookie).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub verifier: String,
    pub nonce: String,
    /// The page to return to, inside the console.
    pub back_to: String,
    pub redirect_uri: String,
    /// Unix seconds after which the sign-in must start again.
    pub expires: i64,
}

/// How long the answer to one refresh token is remembered (see [`Oidc::refresh`]).
const REFRESHED_TTL: Duration = Duration::from_secs(60);

/// The OIDC client of one console.
pub struct Oidc {
    pub settings: OidcSettings,
    http: reqwest::Client,
    discovery: Mutex<Option<(Instant, Discovery)>>,
    /// Recent refreshes by a digest of the refresh token used: a page sends several requests at
    /// once, each with the same old cookie, and issuers that rotate refresh tokens revoke the
    /// whole grant when a used one comes back. One refresh per token; the others reuse its answer.
    refreshed: tokio::sync::Mutex<HashMap<Vec<u8>, Refreshed>>,
}

/// When a refresh token was used, and what the issuer answered.
type Refreshed = (Instant, Result<Tokens, String>);

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.settings.fmt(f)
    }
}

impl Oidc {
    pub fn new(settings: OidcSettings) -> Result<Self, String> {
        wheelhouse_tls::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| wheelhouse_tls::client_failure("the OIDC issuer", &e))?;
        Ok(Self {
            settings,
            http,
            discovery: Mutex::new(None),
            refreshed: tokio::sync::Mutex::new(HashMap::new()),
        })
    }

    async fn discovery(&self) -> Result<Discovery, String> {
        if let Some((at, found)) = &*self.discovery.lock().unwrap_or_else(|p| p.into_inner())
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(found.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.settings.issuer.trim_end_matches('/')
        );
        let found: Discovery = self.read_json(self.http.get(&url), "discovery").await?;
        if found.issuer.trim_end_matches('/') != self.settings.issuer.trim_end_matches('/') {
            return Err(format!(
                "the issuer's discovery document names the issuer {:?}, not {:?}",
                found.issuer, self.settings.issuer
            ));
        }
        *self.discovery.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), found.clone()));
        Ok(found)
    }

    /// Where to send the browser to sign in, and what to keep until it comes back.
    pub async fn start(
        &self,
        redirect_uri: String,
        back_to: String,
        now: i64,
    ) -> Result<(String, Pending), String> {
        let discovery = self.discovery().await?;
        let pending = Pending {
            state: random_text(),
            verifier: random_text(),
            nonce: random_text(),
            back_to,
            redirect_uri,
            expires: now + 600,
        };
        let challenge = URL_SAFE_NO_PAD.encode(ring::digest::digest(
            &ring::digest::SHA256,
            pending.verifier.as_bytes(),
        ));
        let scopes = self.settings.scopes.join(" ");
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", &pending.redirect_uri)
            .append_pair("scope", &scopes)
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            // Asking for consent lets issuers that require it hand out a refresh token.
            .append_pair("prompt", "consent")
            .finish();
        let separator = if discovery.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok((
            format!("{}{separator}{query}", discovery.authorization_endpoint),
            pending,
        ))
    }

    /// Trades the code the browser brought back for tokens, and checks the ID token's nonce.
    pub async fn finish(&self, pending: &Pending, code: &str) -> Result<Tokens, String> {
        let tokens = self
            .token_request(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &pending.redirect_uri),
                ("code_verifier", &pending.verifier),
            ])
            .await?;
        let id_token = tokens
            .id_token
            .as_deref()
            .ok_or("the issuer answered without an ID token (is the `openid` scope asked for?)")?;
        let nonce = claims(id_token)
            .and_then(|c| c.get("nonce").and_then(Value::as_str).map(str::to_string));
        if nonce.as_deref() != Some(pending.nonce.as_str()) {
            return Err("the ID token's nonce is not the one this sign-in sent".into());
        }
        Ok(tokens)
    }

    /// New tokens for a refresh token, before the ID token expires; asked once per refresh
    /// token, however many requests bring it (this process serialises its refreshes, which are
    /// rare: one per person per ID token lifetime).
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, String> {
        let key = ring::digest::digest(&ring::digest::SHA256, refresh_token.as_bytes())
            .as_ref()
            .to_vec();
        let mut refreshed = self.refreshed.lock().await;
        refreshed.retain(|_, (at, _)| at.elapsed() < REFRESHED_TTL);
        if let Some((_, answer)) = refreshed.get(&key) {
            return answer.clone();
        }
        let answer = self.refresh_now(refresh_token).await;
        refreshed.insert(key, (Instant::now(), answer.clone()));
        answer
    }

    async fn refresh_now(&self, refresh_token: &str) -> Result<Tokens, String> {
        let tokens = self
            .token_request(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ])
            .await?;
        if tokens.id_token.is_none() {
            return Err("the issuer refreshed without a new ID token".into());
        }
        Ok(tokens)
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> Result<Tokens, String> {
        let discovery = self.discovery().await?;
        let mut form: Vec<(&str, &str)> = form.to_vec();
        form.push(("client_id", &self.settings.client_id));
        let mut request = self.http.post(&discovery.token_endpoint);
        if let Some(secret) = &self.settings.client_secret {
            request = request.basic_auth(
                form_urlencode(&self.settings.client_id),
                Some(form_urlencode(secret)),
            );
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = request
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        self.read_json(request, "token").await
    }

    async fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, String> {
        let response = request.send().await.map_err(|e| {
            format!(
                "the OIDC issuer's {what} endpoint did not answer: {}",
                wheelhouse_tls::with_causes(&e)
            )
        })?;
        let status = response.status();
        if response.content_length().unwrap_or(0) > MAX_ANSWER as u64 {
            return Err(format!("the OIDC issuer's {what} answer is too large"));
        }
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("the OIDC issuer's {what} answer broke off: {e}"))?
        {
            if body.len() + chunk.len() > MAX_ANSWER {
                return Err(format!("the OIDC issuer's {what} answer is too large"));
            }
            body.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            // OAuth errors: {"error": "...", "error_description": "..."}.
            let said: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let error = said.get("error").and_then(Value::as_str).unwrap_or("");
            let description = said
                .get("error_description")
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(format!(
                "the OIDC issuer refused the {what} request ({status}): {error} {description}"
            )
            .trim_end()
            .to_string());
        }
        serde_json::from_slice(&body)
            .map_err(|e| format!("the OIDC issuer's {what} answer is not what OIDC says: {e}"))
    }
}

/// Client credentials in HTTP Basic are form-encoded first (RFC 6749 §2.3.1).
fn form_urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The claims of a JWT, read without checking its signature: only for what the API server will
/// verify anyway (`exp`) or what binds it to this sign-in (`nonce`).
pub fn claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claims_of_a_token_are_read_from_its_middle_part() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"exp":1700000000,"nonce":"n1"}"#);
        let token = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.signature");
        let claims = claims(&token).expect("claims");
        assert_eq!(claims["exp"], 1_700_000_000);
        assert_eq!(claims["nonce"], "n1");
        assert_eq!(super::claims("not-a-jwt"), None);
    }
}
