//! Logs people in with OIDC ID tokens, as kube-apiserver's `--oidc-*` flags do: the token's
//! signature is checked against the issuer's published keys (JWKS), then its issuer, audience
//! and lifetime, and the username and groups are read from its claims.
//!
//! Signatures are verified with `ring` directly (RS256/384/512, PS256/384/512, ES256/384);
//! docs/adr/0012-id-tokens-verified-with-ring.md says why not with a JWT library.
//!
//! ```no_run
//! # async fn demo() -> wheelhouse_sim::Result<()> {
//! use wheelhouse_sim::{OidcConfig, Sim, SimConfig};
//! let oidc = OidcConfig::new("https://login.example.com", "wheelhouse").groups_claim("groups");
//! let sim = Sim::start(SimConfig::default().oidc(oidc)).await?;
//! // A request with `Authorization: Bearer <ID token from login.example.com>` now acts as
//! // `https://login.example.com#<sub>`, in the token's groups.
//! # sim.shutdown().await; Ok(()) }
//! ```

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;

/// How long a fetch of the discovery document or the keys may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest discovery document or key set read.
const MAX_DOCUMENT: usize = 256 * 1024;
/// The keys are fetched again for an unknown `kid` at most this often.
const MIN_REFETCH: Duration = Duration::from_secs(5);
/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY_SECONDS: i64 = 30;
/// The largest token considered at all.
const MAX_TOKEN: usize = 16 * 1024;

/// The OIDC settings of the sim, named as kube-apiserver's flags.
///
/// Unlike a real kube-apiserver, which requires an `https://` issuer, the sim accepts an
/// `http://` one too, so tests can run a provider on `http://127.0.0.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// `--oidc-issuer-url`: must equal the tokens' `iss`; the keys are found from
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer_url: String,
    /// `--oidc-client-id`: must be one of the tokens' audiences (`aud`).
    pub client_id: String,
    /// `--oidc-username-claim`: the claim holding the username. Default `sub`.
    pub username_claim: String,
    /// `--oidc-username-prefix`: put before every username. `None` means the apiserver's
    /// default: `<issuer>#` unless the claim is `email`; `-` means no prefix.
    pub username_prefix: Option<String>,
    /// `--oidc-groups-claim`: the claim holding the groups (a string or a list). None: no groups.
    pub groups_claim: Option<String>,
    /// `--oidc-groups-prefix`: put before every group. Default none.
    pub groups_prefix: String,
}

impl OidcConfig {
    /// Trust ID tokens of `issuer_url` made for `client_id`, with the apiserver's defaults.
    pub fn new(issuer_url: &str, client_id: &str) -> OidcConfig {
        OidcConfig {
            issuer_url: issuer_url.into(),
            client_id: client_id.into(),
            username_claim: "sub".into(),
            username_prefix: None,
            groups_claim: None,
            groups_prefix: String::new(),
        }
    }

    /// Read the username from this claim (`sub`, `email`, `preferred_username`).
    #[must_use]
    pub fn username_claim(mut self, claim: &str) -> Self {
        self.username_claim = claim.into();
        self
    }

    /// Put this before every username (`-`: nothing).
    #[must_use]
    pub fn username_prefix(mut self, prefix: &str) -> Self {
        self.username_prefix = Some(prefix.into());
        self
    }

    /// Read the groups from this claim.
    #[must_use]
    pub fn groups_claim(mut self, claim: &str) -> Self {
        self.groups_claim = Some(claim.into());
        self
    }

    /// Put this before every group.
    #[must_use]
    pub fn groups_prefix(mut self, prefix: &str) -> Self {
        self.groups_prefix = prefix.into();
        self
    }

    /// The prefix put before usernames, by the apiserver's rules.
    fn effective_username_prefix(&self) -> String {
        match self.username_prefix.as_deref() {
            Some("-") => String::new(),
            Some(prefix) => prefix.to_string(),
            None if self.username_claim == "email" => String::new(),
            None => format!("{}#", self.issuer_url),
        }
    }
}

/// Why an ID token was refused. The client only ever sees 401 Unauthorized; these go to the
/// debug log.
#[derive(Debug, thiserror::Error)]
pub enum TokenRefusal {
    /// Not three base64url parts with a JSON header and payload.
    #[error("the token is not a JWT: {0}")]
    Malformed(&'static str),
    /// `alg` is one the sim does not verify (`none`, HMAC, EdDSA…).
    #[error("the token's algorithm {0:?} is not accepted")]
    Algorithm(String),
    /// `iss` is another issuer's.
    #[error("the token's issuer {found:?} is not {expected:?}")]
    Issuer { found: String, expected: String },
    /// `aud` does not name the client id.
    #[error("the token is not for the client {0:?}")]
    Audience(String),
    /// `exp` has passed (or is missing).
    #[error("the token expired or has no expiry")]
    Expired,
    /// `nbf` is in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// No key of the issuer has the token's `kid` (or fits it), even after fetching them again.
    #[error("no key of the issuer matches the token (kid {0:?})")]
    UnknownKey(Option<String>),
    /// The signature does not verify with the issuer's key.
    #[error("the signature does not verify")]
    BadSignature,
    /// The username claim is missing or not a string, or the email is not verified.
    #[error("the username claim {claim:?} {problem}")]
    Username {
        claim: String,
        problem: &'static str,
    },
    /// The groups claim is neither a string nor a list of strings.
    #[error("the groups claim {0:?} is neither a string nor a list of strings")]
    Groups(String),
    /// The discovery document or the keys could not be fetched or read.
    #[error("cannot fetch the issuer's keys from {url}: {reason}")]
    Fetch { url: String, reason: String },
}

/// The header of a JWT, as far as verifying it needs.
#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// A parsed, not yet verified JWT.
#[derive(Debug)]
struct Jwt<'a> {
    header: Header,
    claims: Value,
    /// `header.payload`, the signed part.
    signed: &'a str,
    signature: Vec<u8>,
}

/// Whether a bearer token looks like a JWT (three base64url parts), worth trying as an ID token.
pub fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    token.len() <= MAX_TOKEN
        && parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn parse(token: &str) -> Result<Jwt<'_>, TokenRefusal> {
    if !looks_like_jwt(token) {
        return Err(TokenRefusal::Malformed("not three base64url parts"));
    }
    let (signed, signature) = token
        .rsplit_once('.')
        .ok_or(TokenRefusal::Malformed("no signature"))?;
    let (header, payload) = signed
        .split_once('.')
        .ok_or(TokenRefusal::Malformed("no payload"))?;
    let decode = |part: &str, what: &'static str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| TokenRefusal::Malformed(what))
    };
    let header: Header = serde_json::from_slice(&decode(header, "the header is not base64url")?)
        .map_err(|_| TokenRefusal::Malformed("the header is not a JOSE header"))?;
    let claims: Value = serde_json::from_slice(&decode(payload, "the payload is not base64url")?)
        .map_err(|_| TokenRefusal::Malformed("the payload is not JSON"))?;
    if !claims.is_object() {
        return Err(TokenRefusal::Malformed("the payload is not a JSON object"));
    }
    Ok(Jwt {
        header,
        claims,
        signed,
        signature: decode(signature, "the signature is not base64url")?,
    })
}

/// One key of a JWKS, as far as RSA and EC signature keys go.
#[derive(Debug, Clone, Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

/// How a JWS algorithm is verified with ring.
enum Verifier {
    Rsa(&'static ring::signature::RsaParameters),
    Ecdsa {
        algorithm: &'static ring::signature::EcdsaVerificationAlgorithm,
        curve: &'static str,
    },
}

fn verifier(alg: &str) -> Result<Verifier, TokenRefusal> {
    use ring::signature as sig;
    Ok(match alg {
        "RS256" => Verifier::Rsa(&sig::RSA_PKCS1_2048_8192_SHA256),
        "RS384" => Verifier::Rsa(&sig::RSA_PKCS1_2048_8192_SHA384),
        "RS512" => Verifier::Rsa(&sig::RSA_PKCS1_2048_8192_SHA512),
        "PS256" => Verifier::Rsa(&sig::RSA_PSS_2048_8192_SHA256),
        "PS384" => Verifier::Rsa(&sig::RSA_PSS_2048_8192_SHA384),
        "PS512" => Verifier::Rsa(&sig::RSA_PSS_2048_8192_SHA512),
        "ES256" => Verifier::Ecdsa {
            algorithm: &sig::ECDSA_P256_SHA256_FIXED,
            curve: "P-256",
        },
        "ES384" => Verifier::Ecdsa {
            algorithm: &sig::ECDSA_P384_SHA384_FIXED,
            curve: "P-384",
        },
        other => return Err(TokenRefusal::Algorithm(other.to_string())),
    })
}

impl Jwk {
    /// Whether this key may verify a token signed with `alg` under `kid`.
    fn fits(&self, alg: &str, kid: Option<&str>) -> bool {
        let family = match verifier(alg) {
            Ok(Verifier::Rsa(_)) => "RSA",
            Ok(Verifier::Ecdsa { .. }) => "EC",
            Err(_) => return false,
        };
        self.kty == family
            && self.usage.as_deref().is_none_or(|u| u == "sig")
            && self.alg.as_deref().is_none_or(|a| a == alg)
            && kid.is_none_or(|kid| self.kid.as_deref() == Some(kid))
    }

    /// Verifies `signature` over `message` with this key.
    fn verify(&self, alg: &str, message: &[u8], signature: &[u8]) -> Result<(), TokenRefusal> {
        let field = |v: &Option<String>| {
            v.as_deref()
                .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
                .ok_or(TokenRefusal::UnknownKey(self.kid.clone()))
        };
        let verified = match verifier(alg)? {
            Verifier::Rsa(parameters) => ring::signature::RsaPublicKeyComponents {
                n: field(&self.n)?,
                e: field(&self.e)?,
            }
            .verify(parameters, message, signature),
            Verifier::Ecdsa { algorithm, curve } => {
                if self.crv.as_deref() != Some(curve) {
                    return Err(TokenRefusal::UnknownKey(self.kid.clone()));
                }
                // The uncompressed point: 0x04 ‖ x ‖ y.
                let mut point = vec![4u8];
                point.extend(field(&self.x)?);
                point.extend(field(&self.y)?);
                ring::signature::UnparsedPublicKey::new(algorithm, point).verify(message, signature)
            }
        };
        verified.map_err(|_| TokenRefusal::BadSignature)
    }
}

/// Who an ID token says its bearer is, with the configured prefixes applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub username: String,
    pub groups: Vec<String>,
}

/// Checks a token's claims (issuer, audience, lifetime at `now`, in Unix seconds) and reads
/// the identity from them, as kube-apiserver does.
fn identity(config: &OidcConfig, claims: &Value, now: i64) -> Result<Identity, TokenRefusal> {
    check_issuer(config, claims)?;
    let audience_ok = match &claims["aud"] {
        Value::String(aud) => *aud == config.client_id,
        Value::Array(auds) => auds.iter().any(|a| a.as_str() == Some(&config.client_id)),
        _ => false,
    };
    if !audience_ok {
        return Err(TokenRefusal::Audience(config.client_id.clone()));
    }
    let seconds = |name: &str| claims[name].as_f64().map(|v| v as i64);
    match seconds("exp") {
        Some(exp) if now <= exp + LEEWAY_SECONDS => {}
        _ => return Err(TokenRefusal::Expired),
    }
    if seconds("nbf").is_some_and(|nbf| now + LEEWAY_SECONDS < nbf) {
        return Err(TokenRefusal::NotYetValid);
    }
    let claim = &config.username_claim;
    let problem = |problem| TokenRefusal::Username {
        claim: claim.clone(),
        problem,
    };
    let name = claims[claim.as_str()]
        .as_str()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| problem("is missing or not a string"))?;
    // As the apiserver: an email is a username only when the provider has verified it, if it says.
    if claim == "email"
        && let Some(verified) = claims.get("email_verified")
        && verified.as_bool() != Some(true)
    {
        return Err(problem("is an email that is not verified (email_verified)"));
    }
    let groups = match config.groups_claim.as_deref() {
        None => vec![],
        Some(claim) => match &claims[claim] {
            Value::Null => vec![],
            Value::String(group) => vec![group.clone()],
            Value::Array(groups) => groups
                .iter()
                .map(|g| g.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| TokenRefusal::Groups(claim.to_string()))?,
            _ => return Err(TokenRefusal::Groups(claim.to_string())),
        },
    };
    Ok(Identity {
        username: format!("{}{name}", config.effective_username_prefix()),
        groups: groups
            .into_iter()
            .map(|g| format!("{}{g}", config.groups_prefix))
            .collect(),
    })
}

fn check_issuer(config: &OidcConfig, claims: &Value) -> Result<(), TokenRefusal> {
    let found = claims["iss"].as_str().unwrap_or("");
    if found != config.issuer_url {
        return Err(TokenRefusal::Issuer {
            found: found.to_string(),
            expected: config.issuer_url.clone(),
        });
    }
    Ok(())
}

/// The issuer's keys as last fetched.
#[derive(Debug, Default)]
struct KeyCache {
    keys: Vec<Jwk>,
    /// When the keys were last fetched (or a fetch was tried), to fetch at most every
    /// [`MIN_REFETCH`].
    fetched: Option<Instant>,
}

/// Verifies ID tokens of one issuer, fetching and caching its keys.
#[derive(Debug)]
pub struct OidcAuthenticator {
    config: OidcConfig,
    http: reqwest::Client,
    keys: tokio::sync::Mutex<KeyCache>,
}

impl OidcAuthenticator {
    /// An authenticator for `config`, with an HTTP client bounded by a timeout.
    pub fn new(config: OidcConfig) -> Result<OidcAuthenticator, reqwest::Error> {
        wheelhouse_tls::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()?;
        Ok(OidcAuthenticator {
            config,
            http,
            keys: tokio::sync::Mutex::new(KeyCache::default()),
        })
    }

    /// The identity of a verified ID token, or why it was refused.
    pub async fn authenticate(&self, token: &str) -> Result<Identity, TokenRefusal> {
        let jwt = parse(token)?;
        verifier(&jwt.header.alg)?;
        // Another issuer's token needs no fetch to be refused.
        check_issuer(&self.config, &jwt.claims)?;
        let key = self.key_for(&jwt.header).await?;
        key.verify(&jwt.header.alg, jwt.signed.as_bytes(), &jwt.signature)?;
        identity(
            &self.config,
            &jwt.claims,
            jiff::Timestamp::now().as_second(),
        )
    }

    /// The key that fits the header, fetching the keys when none does and the last fetch is
    /// old enough (a provider rotating its keys publishes the new one before using it).
    async fn key_for(&self, header: &Header) -> Result<Jwk, TokenRefusal> {
        let kid = header.kid.as_deref();
        let find = |keys: &[Jwk]| keys.iter().find(|k| k.fits(&header.alg, kid)).cloned();
        let mut cache = self.keys.lock().await;
        if let Some(key) = find(&cache.keys) {
            return Ok(key);
        }
        if cache.fetched.is_some_and(|at| at.elapsed() < MIN_REFETCH) {
            return Err(TokenRefusal::UnknownKey(header.kid.clone()));
        }
        cache.fetched = Some(Instant::now());
        cache.keys = self.fetch_keys().await?;
        find(&cache.keys).ok_or_else(|| TokenRefusal::UnknownKey(header.kid.clone()))
    }

    async fn fetch_keys(&self) -> Result<Vec<Jwk>, TokenRefusal> {
        let issuer = self.config.issuer_url.trim_end_matches('/');
        let discovery_url = format!("{issuer}/.well-known/openid-configuration");
        let discovery = self.fetch_json(&discovery_url).await?;
        let fail = |url: &str, reason: String| TokenRefusal::Fetch {
            url: url.to_string(),
            reason,
        };
        if discovery["issuer"].as_str() != Some(self.config.issuer_url.as_str()) {
            return Err(fail(
                &discovery_url,
                format!(
                    "the document names the issuer {}, not {}",
                    discovery["issuer"], self.config.issuer_url
                ),
            ));
        }
        let jwks_url = discovery["jwks_uri"]
            .as_str()
            .ok_or_else(|| fail(&discovery_url, "the document has no jwks_uri".into()))?
            .to_string();
        let set: JwkSet = serde_json::from_value(self.fetch_json(&jwks_url).await?)
            .map_err(|e| fail(&jwks_url, format!("not a JWK set: {e}")))?;
        tracing::debug!(
            issuer,
            keys = set.keys.len(),
            "fetched the OIDC issuer's keys"
        );
        Ok(set.keys)
    }

    /// GETs a JSON document of at most [`MAX_DOCUMENT`] bytes.
    async fn fetch_json(&self, url: &str) -> Result<Value, TokenRefusal> {
        let fail = |reason: String| TokenRefusal::Fetch {
            url: url.to_string(),
            reason,
        };
        let mut response = self
            .http
            .get(url)
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| fail(e.to_string()))?;
        if !response.status().is_success() {
            return Err(fail(format!("answered {}", response.status())));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(e.to_string()))? {
            if body.len() + chunk.len() > MAX_DOCUMENT {
                return Err(fail(format!(
                    "the answer is larger than {MAX_DOCUMENT} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| fail(format!("not JSON: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
    use serde_json::json;

    const ISSUER: &str = "https://login.example.com";
    const NOW: i64 = 1_800_000_000;

    fn config() -> OidcConfig {
        OidcConfig::new(ISSUER, "wheelhouse").groups_claim("groups")
    }

    fn claims() -> Value {
        json!({"iss": ISSUER, "aud": "wheelhouse", "sub": "alice", "exp": NOW + 600,
            "email": "alice@example.com", "groups": ["team-a"]})
    }

    fn with(field: &str, value: Value) -> Value {
        let mut claims = claims();
        claims[field] = value;
        claims
    }

    #[test]
    fn claims_are_checked_as_the_apiserver_checks_them() {
        let cases: Vec<(&str, Value, Option<&str>)> = vec![
            ("valid", claims(), None),
            (
                "audience in a list",
                with("aud", json!(["other", "wheelhouse"])),
                None,
            ),
            (
                "another issuer",
                with("iss", json!("https://evil.example.com")),
                Some("issuer"),
            ),
            (
                "another audience",
                with("aud", json!("other")),
                Some("client"),
            ),
            ("expired", with("exp", json!(NOW - 3600)), Some("expired")),
            (
                "expired within the leeway",
                with("exp", json!(NOW - 10)),
                None,
            ),
            ("no expiry", with("exp", Value::Null), Some("expired")),
            (
                "not yet valid",
                with("nbf", json!(NOW + 3600)),
                Some("not valid yet"),
            ),
            (
                "no subject",
                with("sub", Value::Null),
                Some("username claim"),
            ),
            (
                "groups not strings",
                with("groups", json!([1])),
                Some("groups claim"),
            ),
        ];
        for (name, claims, refusal) in cases {
            let result = identity(&config(), &claims, NOW);
            match refusal {
                None => assert!(result.is_ok(), "{name}: {result:?}"),
                Some(words) => {
                    let err = result.expect_err(name).to_string();
                    assert!(err.contains(words), "{name}: {err}");
                }
            }
        }
    }

    #[test]
    fn usernames_get_the_issuer_prefix_unless_the_claim_is_email_or_the_prefix_is_a_dash() {
        let name =
            |config: OidcConfig, claims: Value| identity(&config, &claims, NOW).map(|i| i.username);
        assert_eq!(
            name(config(), claims()).expect("valid"),
            "https://login.example.com#alice"
        );
        assert_eq!(
            name(config().username_claim("email"), claims()).expect("valid"),
            "alice@example.com"
        );
        assert_eq!(
            name(config().username_prefix("-"), claims()).expect("valid"),
            "alice"
        );
        assert_eq!(
            name(config().username_prefix("oidc:"), claims()).expect("valid"),
            "oidc:alice"
        );
    }

    #[test]
    fn an_email_username_needs_a_verified_email_when_the_token_says() {
        let config = config().username_claim("email");
        assert!(identity(&config, &with("email_verified", json!(false)), NOW).is_err());
        assert!(identity(&config, &with("email_verified", json!(true)), NOW).is_ok());
        assert!(
            identity(&config, &claims(), NOW).is_ok(),
            "absent: accepted"
        );
    }

    #[test]
    fn groups_are_prefixed_and_may_be_one_string() {
        let config = config().groups_prefix("oidc:");
        let groups = |claims: Value| identity(&config, &claims, NOW).expect("valid").groups;
        assert_eq!(groups(claims()), ["oidc:team-a"]);
        assert_eq!(groups(with("groups", json!("ops"))), ["oidc:ops"]);
        assert!(groups(with("groups", Value::Null)).is_empty());
    }

    #[test]
    fn an_es256_signature_verifies_with_its_key_only() {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .expect("pair");
        let point = pair.public_key().as_ref();
        let key = Jwk {
            kty: "EC".into(),
            kid: Some("k1".into()),
            usage: Some("sig".into()),
            alg: None,
            n: None,
            e: None,
            crv: Some("P-256".into()),
            x: Some(URL_SAFE_NO_PAD.encode(&point[1..33])),
            y: Some(URL_SAFE_NO_PAD.encode(&point[33..])),
        };
        let signature = pair.sign(&rng, b"header.payload").expect("signed");
        assert!(key.fits("ES256", Some("k1")));
        assert!(!key.fits("RS256", Some("k1")), "an EC key verifies no RSA");
        assert!(!key.fits("ES256", Some("k2")));
        assert!(
            key.verify("ES256", b"header.payload", signature.as_ref())
                .is_ok()
        );
        assert!(matches!(
            key.verify("ES256", b"header.other", signature.as_ref()),
            Err(TokenRefusal::BadSignature)
        ));
    }

    #[test]
    fn only_three_part_base64url_tokens_look_like_jwts() {
        assert!(looks_like_jwt("eyJh.eyJz.c2ln"));
        assert!(!looks_like_jwt("admin-token"));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a..c"));
        assert!(!looks_like_jwt("a.b.c=="));
        assert!(matches!(
            parse("eyJh.eyJz.c2ln"),
            Err(TokenRefusal::Malformed(_))
        ));
    }

    #[test]
    fn tokens_signed_with_none_or_hmac_are_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
        let token = format!("{header}.{payload}.AAAA");
        let jwt = parse(&token).expect("parses");
        assert!(matches!(
            verifier(&jwt.header.alg),
            Err(TokenRefusal::Algorithm(_))
        ));
        assert!(matches!(verifier("HS256"), Err(TokenRefusal::Algorithm(_))));
    }
}
