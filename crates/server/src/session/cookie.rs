//! Sessions kept by the browser: the claims sealed with AES-256-GCM under a key every replica
//! shares, so no replica keeps state and the browser can neither read nor change them.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom as _, SystemRandom};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Cookies larger than this are refused on reading (browsers keep 4096 bytes per cookie).
const MAX_COOKIE: usize = 4096;

/// The key sessions are sealed with.
#[derive(Clone)]
pub struct SessionKey {
    key: std::sync::Arc<LessSafeKey>,
    /// Where it came from, for the log: a file, or made at start.
    pub origin: KeyOrigin,
}

/// Where the session key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Read from `--session-key-file` (in a cluster, a Secret mounted as a file).
    File(String),
    /// Made at start: sessions end when Wheelhouse restarts, and replicas cannot share them.
    Random,
}

impl SessionKey {
    /// A key derived from at least 32 bytes of secret material (SHA-256 of it), so any file of
    /// random bytes, hex or base64 works. Text (hex, base64) is read without the whitespace
    /// around it; random bytes are read as they are, since their first or last byte may be one
    /// that looks like a space or a newline.
    pub fn from_secret(material: &[u8], origin: KeyOrigin) -> Result<Self, String> {
        let text = material
            .iter()
            .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
        let trimmed = if text {
            material.trim_ascii()
        } else {
            material
        };
        if trimmed.len() < 32 {
            return Err(format!(
                "the session key has {} bytes; it needs at least 32 random bytes (for example `head -c 32 /dev/urandom | base64`)",
                trimmed.len()
            ));
        }
        Ok(Self::derive(trimmed, origin))
    }

    fn derive(material: &[u8], origin: KeyOrigin) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, material);
        let key = UnboundKey::new(&AES_256_GCM, digest.as_ref())
            .expect("a SHA-256 digest is an AES-256 key");
        Self {
            key: std::sync::Arc::new(LessSafeKey::new(key)),
            origin,
        }
    }

    /// A random key for this process only.
    pub fn random() -> Self {
        let mut material = [0u8; 32];
        SystemRandom::new()
            .fill(&mut material)
            .expect("the system's random source works");
        Self::derive(&material, KeyOrigin::Random)
    }

    /// `value` sealed: base64url of nonce ‖ ciphertext ‖ tag, bound to `purpose` (so a cookie of
    /// one kind cannot be replayed as another).
    pub fn seal<T: Serialize>(&self, purpose: &str, value: &T) -> String {
        let mut data = serde_json::to_vec(value).expect("claims serialize");
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("the system's random source works");
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.as_bytes()),
                &mut data,
            )
            .expect("sealing cannot fail for a valid key");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// The value sealed by [`SessionKey::seal`] with the same purpose, or `None` when the text
    /// was changed, sealed under another key, or is not a sealed value at all.
    pub fn open<T: DeserializeOwned>(&self, purpose: &str, sealed: &str) -> Option<T> {
        if sealed.len() > MAX_COOKIE {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let mut data = rest.to_vec();
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut data)
            .ok()?;
        serde_json::from_slice(plain).ok()
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKey")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// A random string for `state`, `nonce` and PKCE verifiers: 32 bytes, base64url.
pub fn random_text() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What a session cookie holds.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user name the API server gave (SelfSubjectReview).
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    pub groups: Vec<String>,
    /// `token` or `oidc`.
    pub method: String,
    /// The bearer token calls carry: a token the person pasted, or the OIDC ID token.
    pub token: String,
    /// OIDC only: the refresh token, and when the ID token expires (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_expires: Option<i64>,
    /// When the session ends however it is refreshed (Unix seconds).
    pub expires: i64,
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("user", &self.user)
            .field("groups", &self.groups)
            .field("method", &self.method)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            user: "alice".into(),
            uid: None,
            groups: vec!["team-a".into()],
            method: "token".into(),
            token: "s3cret-token".into(),
            refresh: None,
            token_expires: None,
            expires: 2_000_000_000,
        }
    }

    #[test]
    fn a_sealed_session_opens_with_the_same_key_and_purpose_only() {
        let key = SessionKey::random();
        let sealed = key.seal("session", &claims());
        assert!(!sealed.contains("s3cret"), "the token is not readable");
        assert_eq!(key.open::<Claims>("session", &sealed), Some(claims()));
        assert_eq!(key.open::<Claims>("oidc", &sealed), None, "other purpose");
        assert_eq!(
            SessionKey::random().open::<Claims>("session", &sealed),
            None,
            "other key"
        );
    }

    #[test]
    fn a_changed_byte_makes_the_cookie_worthless() {
        let key = SessionKey::random();
        let sealed = key.seal("session", &claims());
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).expect("base64");
        let last = bytes.len() - 20;
        bytes[last] ^= 1;
        let tampered = URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(key.open::<Claims>("session", &tampered), None);
        assert_eq!(key.open::<Claims>("session", "not-a-cookie"), None);
        assert_eq!(key.open::<Claims>("session", &"A".repeat(5000)), None);
    }

    #[test]
    fn replicas_with_the_same_key_file_share_sessions() {
        let material = b"0123456789abcdef0123456789abcdef\n";
        let one = SessionKey::from_secret(material, KeyOrigin::File("a".into())).expect("key");
        let two = SessionKey::from_secret(material, KeyOrigin::File("b".into())).expect("key");
        let sealed = one.seal("session", &claims());
        assert_eq!(two.open::<Claims>("session", &sealed), Some(claims()));
    }

    #[test]
    fn random_bytes_that_end_in_a_newline_byte_are_a_whole_key() {
        // 32 random bytes whose last one is 0x0a (as 1 in 256 keys made by `head -c 32` are).
        let mut material = [0x9c_u8; 32];
        material[31] = b'\n';
        assert!(SessionKey::from_secret(&material, KeyOrigin::Random).is_ok());
        // Text keeps being trimmed: a base64 line of 31 characters and a newline is too short.
        let short_text = format!("{}\n", "A".repeat(31));
        assert!(SessionKey::from_secret(short_text.as_bytes(), KeyOrigin::Random).is_err());
    }

    #[test]
    fn a_short_key_is_refused_with_how_to_make_one() {
        let error = SessionKey::from_secret(b"short", KeyOrigin::Random).expect_err("too short");
        assert!(error.contains("32"), "{error}");
    }

    #[test]
    fn debug_output_holds_no_token() {
        let shown = format!("{:?}", claims());
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}
