//! Acting as someone else with the `Impersonate-*` headers, as kube-apiserver's impersonation
//! filter does: an authenticating proxy logs people in and sends their name and groups; the
//! API server checks that the proxy may `impersonate` each of them, then runs the request as
//! that person.

use std::collections::BTreeMap;

use http::HeaderMap;

use crate::api::auth::{self, Attributes, GroupPolicy, User};
use crate::error::{Error, Result};

const USER: &str = "impersonate-user";
const GROUP: &str = "impersonate-group";
const UID: &str = "impersonate-uid";
const EXTRA_PREFIX: &str = "impersonate-extra-";

/// What the `Impersonate-*` headers of a request ask to act as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Impersonation {
    pub user: String,
    pub groups: Vec<String>,
    pub uid: Option<String>,
    pub extra: BTreeMap<String, Vec<String>>,
}

/// Reads the impersonation headers: `None` when there are none. Groups, a uid or extras
/// without a user are an error, answered (as kube-apiserver answers it) as an internal error.
pub fn requested(headers: &HeaderMap) -> Result<Option<Impersonation>> {
    let text = |value: &http::HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned();
    let user = headers.get(USER).map(text).unwrap_or_default();
    let groups: Vec<String> = headers.get_all(GROUP).iter().map(text).collect();
    let uid = headers.get(UID).map(text);
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        // Header names arrive lowercased; the key is percent-decoded as the apiserver does.
        if let Some(key) = name.as_str().strip_prefix(EXTRA_PREFIX) {
            let key = percent_encoding::percent_decode_str(key)
                .decode_utf8_lossy()
                .into_owned();
            extra.entry(key).or_default().push(text(value));
        }
    }
    if user.is_empty() {
        if groups.is_empty() && uid.is_none() && extra.is_empty() {
            return Ok(None);
        }
        let mut asked: Vec<String> = groups.iter().map(|g| format!("group {g:?}")).collect();
        asked.extend(uid.iter().map(|u| format!("uid {u:?}")));
        asked.extend(extra.keys().map(|k| format!("extra {k:?}")));
        return Err(Error::Internal(format!(
            "requested [{}] without impersonating a user",
            asked.join(", ")
        )));
    }
    Ok(Some(Impersonation {
        user,
        groups,
        uid,
        extra,
    }))
}

/// The person to act as, once `requester` has been allowed to impersonate each part of it;
/// else the first refusal, worded as kube-apiserver words it
/// (`users "alice" is forbidden: User "proxy" cannot impersonate resource "users" …`).
pub fn act_as(
    requester: &User,
    asked: Impersonation,
    users: &[User],
    policies: &[GroupPolicy],
) -> Result<User> {
    let may = |group: &str, resource: &str, subresource: &str, namespace: &str, name: &str| {
        auth::authorize(
            requester,
            &Attributes {
                verb: "impersonate",
                group,
                resource,
                subresource,
                namespace,
                name,
            },
        )
    };
    let mut groups = asked.groups.clone();
    match service_account(&asked.user) {
        Some((namespace, name)) => {
            may("", "serviceaccounts", "", namespace, name)?;
            if groups.is_empty() {
                groups = vec![
                    "system:serviceaccounts".to_string(),
                    format!("system:serviceaccounts:{namespace}"),
                ];
            }
        }
        None => may("", "users", "", "", &asked.user)?,
    }
    for group in &asked.groups {
        may("", "groups", "", "", group)?;
    }
    for (key, values) in &asked.extra {
        for value in values {
            may("authentication.k8s.io", "userextras", key, "", value)?;
        }
    }
    if let Some(uid) = &asked.uid {
        may("authentication.k8s.io", "uids", "", "", uid)?;
    }
    tracing::debug!(requester = %requester.name, user = %asked.user, ?groups, "impersonating");
    Ok(User {
        uid: asked.uid.unwrap_or_default(),
        extra: asked.extra,
        ..auth::person(&asked.user, groups, users, policies)
    })
}

/// `system:serviceaccount:<namespace>:<name>` split into its namespace and name.
fn service_account(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix("system:serviceaccount:")?;
    let (namespace, name) = rest.split_once(':')?;
    (!namespace.is_empty() && !name.is_empty() && !name.contains(':')).then_some((namespace, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn table(name: &str) -> User {
        auth::default_users()
            .into_iter()
            .find(|u| u.name == name)
            .expect("default user")
    }

    #[test]
    fn no_headers_ask_for_nothing() {
        assert_eq!(requested(&HeaderMap::new()).expect("fine"), None);
    }

    #[test]
    fn headers_are_read_with_repeated_groups_and_decoded_extra_keys() {
        let asked = requested(&headers(&[
            ("impersonate-user", "alice"),
            ("impersonate-group", "team-a"),
            ("impersonate-group", "viewers"),
            ("impersonate-uid", "1234"),
            ("impersonate-extra-acme.com%2fproject", "a"),
        ]))
        .expect("fine")
        .expect("asked");
        assert_eq!(asked.user, "alice");
        assert_eq!(asked.groups, ["team-a", "viewers"]);
        assert_eq!(asked.uid.as_deref(), Some("1234"));
        assert_eq!(asked.extra["acme.com/project"], ["a"]);
    }

    #[test]
    fn groups_without_a_user_are_an_internal_error_as_in_the_apiserver() {
        let err = requested(&headers(&[("impersonate-group", "team-a")])).expect_err("no user");
        assert_eq!(err.code(), 500);
        assert!(err.to_string().contains("without impersonating a user"));
    }

    #[test]
    fn the_proxy_may_impersonate_users_and_groups_and_gets_their_rights() {
        let users = auth::default_users();
        let policies = auth::default_group_policies();
        let proxy = auth::table_person(&table("proxy"), &users, &policies);
        let asked = Impersonation {
            user: "alice".into(),
            groups: vec!["team-a".into()],
            ..Default::default()
        };
        let alice = act_as(&proxy, asked, &users, &policies).expect("allowed");
        assert_eq!(alice.name, "alice");
        assert_eq!(alice.groups, ["team-a", "system:authenticated"]);
        assert!(auth::allowed(
            &alice,
            &Attributes {
                verb: "list",
                resource: "pods",
                namespace: "team-a",
                ..Default::default()
            }
        ));
    }

    #[test]
    fn the_proxy_may_not_set_a_uid_and_a_viewer_may_not_impersonate_at_all() {
        let users = auth::default_users();
        let policies = auth::default_group_policies();
        let proxy = auth::table_person(&table("proxy"), &users, &policies);
        let asked = Impersonation {
            user: "alice".into(),
            uid: Some("1234".into()),
            ..Default::default()
        };
        let err = act_as(&proxy, asked, &users, &policies).expect_err("no uids");
        assert_eq!(
            err.to_string(),
            "uids.authentication.k8s.io \"1234\" is forbidden: User \"proxy\" cannot impersonate resource \"uids\" in API group \"authentication.k8s.io\" at the cluster scope"
        );
        let viewer = auth::table_person(&table("viewer"), &users, &policies);
        let asked = Impersonation {
            user: "alice".into(),
            ..Default::default()
        };
        let err = act_as(&viewer, asked, &users, &policies).expect_err("viewers may not");
        assert_eq!(
            err.to_string(),
            "users \"alice\" is forbidden: User \"viewer\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
        );
    }

    #[test]
    fn a_service_account_is_impersonated_in_its_namespace_with_its_groups() {
        let users = auth::default_users();
        let admin = table("admin");
        let asked = Impersonation {
            user: "system:serviceaccount:team-a:builder".into(),
            ..Default::default()
        };
        let account = act_as(&admin, asked, &users, &[]).expect("admin may");
        assert_eq!(
            account.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:team-a",
                "system:authenticated"
            ]
        );
        assert_eq!(service_account("system:serviceaccount:a"), None);
    }
}
