//! Who a call acts for, and a client that acts as them.
//!
//! Locally the person at the keyboard is the kubeconfig's identity, so [`Person::Local`] uses the
//! console's own client. Signed in, a person brings a bearer token (checked by the API server
//! with a SelfSubjectReview; an OIDC ID token is one) or is named by a trusted authenticating
//! proxy, and every call they cause carries that token or impersonates them. The API server
//! decides what each person may do; Wheelhouse never acts with more rights than the person has.

use std::fmt;
use std::time::Duration;

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::PostParams;
use kube::config::AuthInfo;
use kube::{Api, Client};

use crate::recent::Recent;
use crate::{Error, Result};

/// Who a request acts for.
#[derive(Clone, PartialEq, Eq)]
pub enum Person {
    /// The kubeconfig's (or service account's) identity: Wheelhouse's own. Only for a console
    /// that listens on loopback, where the person at the keyboard owns that kubeconfig.
    Local { name: String },
    /// A person who signed in, or whom a trusted proxy named.
    Signed(Identity),
}

/// A signed-in person: what the API server said about them, and how calls carry their identity.
#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub uid: Option<String>,
    pub groups: Vec<String>,
    pub credential: Credential,
}

/// How calls made for a signed-in person prove who they are.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// The person's bearer token (a service account token, or an OIDC ID token), sent as is.
    Token(String),
    /// Wheelhouse's own credentials with `Impersonate-User`/`Impersonate-Group`: the person was
    /// named by an authenticating proxy Wheelhouse trusts.
    Impersonated,
}

impl Person {
    /// The name shown to the person and written in the audit log.
    pub fn name(&self) -> &str {
        match self {
            Person::Local { name } => name,
            Person::Signed(identity) => &identity.user,
        }
    }

    pub fn groups(&self) -> &[String] {
        match self {
            Person::Local { .. } => &[],
            Person::Signed(identity) => &identity.groups,
        }
    }

    /// A key that is equal for calls with the same rights, for caching answers about rights.
    /// Holds no token.
    pub fn rights_key(&self) -> String {
        match self {
            Person::Local { .. } => "local".into(),
            Person::Signed(identity) => {
                let mut key = format!("user:{}", identity.user);
                for group in &identity.groups {
                    key.push('\n');
                    key.push_str(group);
                }
                key
            }
        }
    }
}

// Tokens stay out of logs: only the name and groups are printed.
impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Person::Local { name } => f.debug_struct("Local").field("name", name).finish(),
            Person::Signed(identity) => identity.fmt(f),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credential = match self.credential {
            Credential::Token(_) => "token",
            Credential::Impersonated => "impersonated",
        };
        f.debug_struct("Identity")
            .field("user", &self.user)
            .field("groups", &self.groups)
            .field("credential", &credential)
            .finish_non_exhaustive()
    }
}

/// The client configuration that acts as `person`, derived from the console's own: same
/// address and CA, the person's credentials.
pub(crate) fn config_for(console: &kube::Config, person: &Person) -> kube::Config {
    let mut config = console.clone();
    match person {
        Person::Local { .. } => {}
        Person::Signed(Identity {
            credential: Credential::Token(token),
            ..
        }) => {
            config.auth_info = AuthInfo {
                token: Some(token.clone().into()),
                ..AuthInfo::default()
            };
        }
        Person::Signed(
            identity @ Identity {
                credential: Credential::Impersonated,
                ..
            },
        ) => {
            config.auth_info.impersonate = Some(identity.user.clone());
            config.auth_info.impersonate_uid = identity.uid.clone();
            config.auth_info.impersonate_groups = Some(
                identity
                    .groups
                    .iter()
                    // The API server adds it itself and refuses to be asked to.
                    .filter(|g| *g != "system:authenticated")
                    .cloned()
                    .collect(),
            );
        }
    }
    config
}

/// How long a person's client is kept for their next request.
const CLIENT_TTL: Duration = Duration::from_secs(600);
/// Clients kept at most; the oldest half goes when full.
const CLIENT_CAPACITY: usize = 512;

/// Clients per credential, so a person's requests reuse one connection pool.
pub(crate) struct Clients {
    clients: Recent<Vec<u8>, Client>,
}

impl Default for Clients {
    fn default() -> Self {
        Self {
            clients: Recent::new(CLIENT_TTL, CLIENT_CAPACITY),
        }
    }
}

impl Clients {
    pub(crate) fn get(&self, console: &kube::Config, person: &Person) -> Result<Client> {
        let key = credential_key(person);
        if let Some(client) = self.clients.get(&key, true) {
            return Ok(client);
        }
        let client = Client::try_from(config_for(console, person)).map_err(Error::Client)?;
        self.clients.insert(key, client.clone());
        Ok(client)
    }
}

/// A digest of what distinguishes one person's client from another's (the token is hashed, so
/// the map holds no token in the clear).
fn credential_key(person: &Person) -> Vec<u8> {
    use ring::digest::{Context, SHA256};
    let mut digest = Context::new(&SHA256);
    match person {
        Person::Local { .. } => digest.update(b"local"),
        Person::Signed(identity) => match &identity.credential {
            Credential::Token(token) => {
                digest.update(b"token\0");
                digest.update(token.as_bytes());
            }
            Credential::Impersonated => {
                digest.update(b"impersonated\0");
                digest.update(person.rights_key().as_bytes());
                digest.update(identity.uid.as_deref().unwrap_or("").as_bytes());
            }
        },
    }
    digest.finish().as_ref().to_vec()
}

impl fmt::Debug for Clients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clients")
            .field("count", &self.clients.len())
            .finish()
    }
}

/// Asks the API server who `client`'s credentials belong to (a SelfSubjectReview).
pub(crate) async fn who_am_i(client: Client) -> Result<(String, Option<String>, Vec<String>)> {
    let api: Api<SelfSubjectReview> = Api::all(client);
    let review = api
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
        .map_err(|error| match error {
            kube::Error::Api(status) if matches!(status.code, 401 | 403) => {
                Error::NotAuthenticated {
                    code: status.code,
                    message: status.message,
                }
            }
            source => Error::Read {
                what: "who the credentials belong to (SelfSubjectReview)".into(),
                source,
            },
        })?;
    let info = review
        .status
        .and_then(|s| s.user_info)
        .ok_or(Error::NoUserInfo)?;
    let user = info
        .username
        .filter(|u| !u.is_empty())
        .ok_or(Error::NoUserInfo)?;
    Ok((user, info.uid, info.groups.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(credential: Credential) -> Person {
        Person::Signed(Identity {
            user: "alice".into(),
            uid: None,
            groups: vec!["team-a".into(), "system:authenticated".into()],
            credential,
        })
    }

    fn console() -> kube::Config {
        let mut config = kube::Config::new("https://cluster.example:6443".parse().expect("url"));
        config.auth_info.token = Some("console-token".to_string().into());
        config
    }

    #[test]
    fn a_token_replaces_the_consoles_credentials() {
        let config = config_for(&console(), &person(Credential::Token("alice-token".into())));
        let user = serde_json::to_value(&config.auth_info).expect("serializes");
        assert_eq!(user["token"], "alice-token");
        assert_eq!(user.get("as"), None);
    }

    #[test]
    fn a_proxied_person_is_impersonated_without_the_implicit_group() {
        let config = config_for(&console(), &person(Credential::Impersonated));
        assert_eq!(config.auth_info.impersonate.as_deref(), Some("alice"));
        assert_eq!(
            config.auth_info.impersonate_groups,
            Some(vec!["team-a".to_string()])
        );
    }

    #[test]
    fn debug_output_never_holds_the_token() {
        let shown = format!("{:?}", person(Credential::Token("s3cret".into())));
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("alice"), "{shown}");
    }

    #[test]
    fn rights_keys_differ_by_groups_not_by_token() {
        let a = person(Credential::Token("one".into()));
        let b = person(Credential::Token("two".into()));
        assert_eq!(a.rights_key(), b.rights_key());
        assert_ne!(credential_key(&a), credential_key(&b));
    }
}
