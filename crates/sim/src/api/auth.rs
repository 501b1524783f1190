//! Who is asking and what they may do: a static token table, a simple policy per user and per
//! group, and the access reviews (SelfSubjectAccessReview, SelfSubjectRulesReview,
//! SubjectAccessReview, TokenReview) answered from it.
//!
//! A person's rights are their own rules (those of the table user of their name) and the rules
//! of every group they are in, whichever way they logged in: a table token, an OIDC ID token or
//! impersonation. [`person`] puts them together once per request.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::error::{Error, Result};

/// One rule of a policy: verbs × resources × namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or `*`.
    pub verbs: Vec<String>,
    /// API groups (`""` for core) or `*`.
    pub groups: Vec<String>,
    /// Resources (`pods`, `pods/log`) or `*` (every resource and subresource).
    pub resources: Vec<String>,
    /// Resources excluded from a `*` rule (e.g. `secrets` for a viewer).
    pub except: Vec<String>,
    /// The only object names the rule applies to (RBAC's `resourceNames`); empty for any.
    pub names: Vec<String>,
    /// Namespaces the rule applies in, or `*` for every namespace and the cluster scope.
    pub namespaces: Vec<String>,
}

impl Rule {
    /// A rule from string slices.
    pub fn new(verbs: &[&str], resources: &[&str], namespaces: &[&str]) -> Rule {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        Rule {
            verbs: own(verbs),
            groups: vec!["*".into()],
            resources: own(resources),
            except: vec![],
            names: vec![],
            namespaces: own(namespaces),
        }
    }

    /// The same rule, for these API groups only (`""` is the core group).
    #[must_use]
    pub fn api_groups(mut self, groups: &[&str]) -> Rule {
        self.groups = groups.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The same rule, excluding some resources.
    #[must_use]
    pub fn except(mut self, resources: &[&str]) -> Rule {
        self.except = resources.iter().map(|s| s.to_string()).collect();
        self
    }

    fn allows(&self, a: &Attributes<'_>) -> bool {
        let any = |list: &[String], x: &str| list.iter().any(|v| v == "*" || v == x);
        let full = a.full_resource();
        let resource_ok = self.resources.iter().any(|r| r == "*" || *r == full)
            && !self.except.iter().any(|e| *e == a.resource || *e == full);
        any(&self.verbs, a.verb)
            && any(&self.groups, a.group)
            && resource_ok
            && (self.names.is_empty() || self.names.iter().any(|n| n == a.name))
            && (self.namespaces.iter().any(|n| n == "*")
                || (!a.namespace.is_empty() && any(&self.namespaces, a.namespace)))
    }
}

/// A user of the token table, or the person a request acts as (then `token` is empty and
/// `rules` are the user's own and their groups' together; see [`person`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub token: String,
    pub groups: Vec<String>,
    pub rules: Vec<Rule>,
    /// The `uid` of the user's info: `sim-<name>` for table users, empty (left out) for a person
    /// from an ID token, the `Impersonate-Uid` header under impersonation.
    pub uid: String,
    /// The `extra` of the user's info (`Impersonate-Extra-<key>` under impersonation).
    pub extra: BTreeMap<String, Vec<String>>,
}

impl User {
    /// A user with the given token, groups and rules (`system:authenticated` is added).
    pub fn new(name: &str, token: &str, groups: &[&str], rules: Vec<Rule>) -> User {
        let groups: Vec<String> = groups.iter().map(|s| s.to_string()).collect();
        User {
            name: name.into(),
            token: token.into(),
            groups: with_authenticated(groups),
            rules,
            uid: format!("sim-{name}"),
            extra: BTreeMap::new(),
        }
    }

    /// Whether the user is in `system:masters` (everything allowed).
    pub fn is_admin(&self) -> bool {
        self.groups.iter().any(|g| g == "system:masters")
    }
}

/// Adds `system:authenticated`, which every authenticated person is in, unless it is there.
fn with_authenticated(mut groups: Vec<String>) -> Vec<String> {
    if !groups.iter().any(|g| g == "system:authenticated") {
        groups.push("system:authenticated".into());
    }
    groups
}

/// Rules bound to a group: everyone in the group has them (RBAC's group subjects, simplified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPolicy {
    pub group: String,
    pub rules: Vec<Rule>,
}

impl GroupPolicy {
    /// The rules of everyone in `group`.
    pub fn new(group: &str, rules: Vec<Rule>) -> GroupPolicy {
        GroupPolicy {
            group: group.into(),
            rules,
        }
    }
}

/// What a viewer may do: get, list and watch everything but Secrets.
fn viewer_rules() -> Vec<Rule> {
    vec![Rule::new(&["get", "list", "watch"], &["*"], &["*"]).except(&["secrets"])]
}

/// What the `team-a` team may do: read pods, their logs, services, configmaps and events there.
fn team_a_rules() -> Vec<Rule> {
    vec![Rule::new(
        &["get", "list", "watch"],
        &["pods", "pods/log", "services", "configmaps", "events"],
        &["team-a"],
    )]
}

/// The default group policies, mirroring the default users: `viewers` have the viewer's rules,
/// `team-a` the restricted user's. (`system:masters` needs none: its members may do anything.)
pub fn default_group_policies() -> Vec<GroupPolicy> {
    vec![
        GroupPolicy::new("viewers", viewer_rules()),
        GroupPolicy::new("team-a", team_a_rules()),
    ]
}

/// The person a request acts as: `name` in `groups` (plus `system:authenticated`), with the rules
/// of the table user of that name, if any, and of every group policy of those groups.
pub fn person(name: &str, groups: Vec<String>, users: &[User], policies: &[GroupPolicy]) -> User {
    let groups = with_authenticated(groups);
    let own = users.iter().find(|u| u.name == name);
    let mut rules: Vec<Rule> = Vec::new();
    let of_groups = policies
        .iter()
        .filter(|p| groups.contains(&p.group))
        .flat_map(|p| &p.rules);
    for rule in own.into_iter().flat_map(|u| &u.rules).chain(of_groups) {
        if !rules.contains(rule) {
            rules.push(rule.clone());
        }
    }
    User {
        name: name.into(),
        token: String::new(),
        groups,
        rules,
        uid: String::new(),
        extra: BTreeMap::new(),
    }
}

/// The person behind a token of the table: the table user, with their groups' rules added.
pub fn table_person(user: &User, users: &[User], policies: &[GroupPolicy]) -> User {
    User {
        token: user.token.clone(),
        uid: user.uid.clone(),
        extra: user.extra.clone(),
        ..person(&user.name, user.groups.clone(), users, policies)
    }
}

/// The default token table: `admin` (system:masters), `viewer` (read all but secrets),
/// `restricted` (read pods, services, configmaps and events in `team-a` only), `proxy` (may
/// only impersonate users and groups, as an authenticating proxy in front of the API server).
///
/// `viewer` and `restricted` keep their rules as their own as well as through their groups
/// (`viewers`, `team-a`), so a SubjectAccessReview naming only the user answers as before.
pub fn default_users() -> Vec<User> {
    vec![
        User::new(
            "admin",
            "admin-token",
            &["system:masters"],
            vec![Rule::new(&["*"], &["*"], &["*"])],
        ),
        User::new("viewer", "viewer-token", &["viewers"], viewer_rules()),
        User::new(
            "restricted",
            "restricted-token",
            &["team-a"],
            team_a_rules(),
        ),
        User::new(
            "proxy",
            "proxy-token",
            &[],
            vec![Rule::new(&["impersonate"], &["users", "groups"], &["*"]).api_groups(&[""])],
        ),
    ]
}

/// What a request asks to do, in the terms of authorization.
#[derive(Debug, Clone, Default)]
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
}

impl Attributes<'_> {
    fn full_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.to_string()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

/// Resources everyone who is authenticated may create (the reviews about oneself).
fn always_allowed(a: &Attributes<'_>) -> bool {
    a.verb == "create"
        && matches!(
            (a.group, a.resource),
            (
                "authorization.k8s.io",
                "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
            ) | ("authentication.k8s.io", "selfsubjectreviews")
        )
}

/// Whether the user may do what the attributes say.
pub fn allowed(user: &User, a: &Attributes<'_>) -> bool {
    user.is_admin() || always_allowed(a) || user.rules.iter().any(|r| r.allows(a))
}

/// `Ok` when allowed, else the Forbidden error worded as kube-apiserver words it.
pub fn authorize(user: &User, a: &Attributes<'_>) -> Result<()> {
    if allowed(user, a) {
        return Ok(());
    }
    // As `responsewriters.Forbidden`: the object is the group-qualified resource without its
    // subresource (`deployments.apps "web"`), the sentence names the subresource.
    let full = a.full_resource();
    let qualified = if a.group.is_empty() {
        a.resource.to_string()
    } else {
        format!("{}.{}", a.resource, a.group)
    };
    let subject = if a.name.is_empty() {
        qualified.clone()
    } else {
        format!("{qualified} \"{}\"", a.name)
    };
    let scope = if a.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{}\"", a.namespace)
    };
    Err(Error::Forbidden {
        message: format!(
            "{subject} is forbidden: User \"{}\" cannot {} resource \"{full}\" in API group \"{}\" {scope}",
            user.name, a.verb, a.group
        ),
        resource: qualified,
        name: (!a.name.is_empty()).then(|| a.name.to_string()),
        group: String::new(),
    })
}

/// Answers a SelfSubjectAccessReview or SubjectAccessReview body for `user`.
pub fn access_review(user: &User, mut review: Value) -> Value {
    let spec = review["spec"].clone();
    let allowed = if let Some(ra) = spec.get("resourceAttributes") {
        let s = |k: &str| ra.get(k).and_then(Value::as_str).unwrap_or("");
        let attrs = Attributes {
            verb: s("verb"),
            group: s("group"),
            resource: s("resource"),
            subresource: s("subresource"),
            namespace: s("namespace"),
            name: s("name"),
        };
        if attrs.resource == "*" || attrs.verb == "*" {
            user.is_admin()
        } else {
            allowed(user, &attrs)
        }
    } else {
        // Non-resource URLs: everyone authenticated may read discovery, health and version.
        let verb = spec
            .pointer("/nonResourceAttributes/verb")
            .and_then(Value::as_str)
            .unwrap_or("");
        user.is_admin() || verb == "get"
    };
    let mut status = json!({"allowed": allowed});
    if allowed && !user.is_admin() {
        status["reason"] = json!(format!(
            "allowed by the sim's policy for user \"{}\"",
            user.name
        ));
    }
    if allowed && user.is_admin() {
        status["reason"] = json!("allowed: user is in group system:masters");
    }
    review["status"] = status;
    if review.get("metadata").is_none() {
        review["metadata"] = json!({});
    }
    review
}

/// Answers a SelfSubjectRulesReview for `user` in `namespace`.
/// `served` lists `(group, resource)` of every served resource, so a rule with exceptions
/// (a viewer's "everything but secrets") can be spelled out resource by resource.
pub fn rules_review(
    user: &User,
    namespace: &str,
    served: &[(String, String)],
    mut review: Value,
) -> Value {
    let mut resource_rules = vec![
        json!({"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]}),
        json!({"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]}),
    ];
    for rule in &user.rules {
        if rule.namespaces.iter().any(|n| n == "*" || n == namespace) {
            if rule.except.is_empty() || !rule.resources.iter().any(|r| r == "*") {
                let r = json!({"verbs": rule.verbs, "apiGroups": rule.groups, "resources": rule.resources});
                resource_rules.insert(0, r);
                continue;
            }
            // Rules reviews cannot express exceptions: list what the rule does allow, per group.
            let mut groups: Vec<&str> = served.iter().map(|(g, _)| g.as_str()).collect();
            groups.sort_unstable();
            groups.dedup();
            for group in groups.into_iter().rev() {
                let resources: Vec<&str> = served
                    .iter()
                    .filter(|(g, r)| g == group && !rule.except.contains(r))
                    .map(|(_, r)| r.as_str())
                    .collect();
                if !resources.is_empty() {
                    resource_rules.insert(
                        0,
                        json!({"verbs": rule.verbs, "apiGroups": [group], "resources": resources}),
                    );
                }
            }
        }
    }
    review["status"] = json!({
        "resourceRules": resource_rules,
        "nonResourceRules": [
            {"verbs": ["get"], "nonResourceURLs": ["/.well-known", "/.well-known/*"]},
            {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"]},
            {"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]}
        ],
        "incomplete": false
    });
    if review.get("metadata").is_none() {
        review["metadata"] = json!({});
    }
    review
}

/// The `userInfo` block of a TokenReview or SelfSubjectReview.
pub fn user_info(user: &User) -> Value {
    let mut info = json!({"username": user.name, "groups": user.groups});
    if !user.uid.is_empty() {
        info["uid"] = json!(user.uid);
    }
    if !user.extra.is_empty() {
        info["extra"] = json!(user.extra);
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> User {
        default_users()
            .into_iter()
            .find(|u| u.name == name)
            .expect("default user")
    }

    fn attrs<'a>(verb: &'a str, resource: &'a str, namespace: &'a str) -> Attributes<'a> {
        Attributes {
            verb,
            resource,
            namespace,
            ..Default::default()
        }
    }

    #[test]
    fn admin_may_do_everything() {
        assert!(allowed(
            &user("admin"),
            &attrs("delete", "secrets", "kube-system")
        ));
    }

    #[test]
    fn viewer_reads_everything_but_secrets_and_writes_nothing() {
        let viewer = user("viewer");
        assert!(allowed(&viewer, &attrs("list", "pods", "")));
        assert!(!allowed(&viewer, &attrs("list", "secrets", "kube-system")));
        assert!(!allowed(&viewer, &attrs("delete", "pods", "default")));
    }

    #[test]
    fn restricted_user_reads_only_in_team_a() {
        let restricted = user("restricted");
        assert!(allowed(&restricted, &attrs("get", "pods", "team-a")));
        assert!(
            !allowed(&restricted, &attrs("list", "pods", "")),
            "no cluster-wide list"
        );
        assert!(!allowed(&restricted, &attrs("get", "pods", "default")));
        assert!(!allowed(&restricted, &attrs("delete", "pods", "team-a")));
        assert!(!allowed(&restricted, &attrs("list", "secrets", "team-a")));
    }

    #[test]
    fn forbidden_reads_like_the_reference() {
        let err = authorize(&user("viewer"), &attrs("list", "secrets", "kube-system"))
            .expect_err("forbidden");
        let reference: Value = crate::reference::json("kube-apiserver/error-forbidden.json");
        assert_eq!(err.to_status(), reference);
    }

    #[test]
    fn a_forbidden_subresource_names_the_qualified_resource_as_the_apiserver_does() {
        let a = Attributes {
            verb: "update",
            group: "apps",
            resource: "deployments",
            subresource: "scale",
            namespace: "shop",
            name: "web",
        };
        let err = authorize(&user("viewer"), &a).expect_err("forbidden");
        assert_eq!(
            err.to_string(),
            "deployments.apps \"web\" is forbidden: User \"viewer\" cannot update resource \"deployments/scale\" in API group \"apps\" in the namespace \"shop\""
        );
        assert_eq!(
            err.to_status()["details"],
            json!({"name": "web", "group": "apps", "kind": "deployments"})
        );
    }

    #[test]
    fn a_persons_rights_are_their_own_and_their_groups_without_duplicates() {
        let users = default_users();
        let policies = default_group_policies();
        let stranger = person("erin", vec!["team-a".into()], &users, &policies);
        assert_eq!(stranger.groups, ["team-a", "system:authenticated"]);
        assert!(allowed(&stranger, &attrs("list", "pods", "team-a")));
        assert!(!allowed(&stranger, &attrs("list", "pods", "default")));
        let nobody = person("erin", vec![], &users, &policies);
        assert!(!allowed(&nobody, &attrs("list", "pods", "team-a")));
        // The viewer's own rule and the viewers group's are the same rule: it counts once.
        let viewer = table_person(&user("viewer"), &users, &policies);
        assert_eq!(viewer.rules, viewer_rules());
        assert_eq!(viewer.token, "viewer-token");
        // A table user's name brings that user's rules, whatever the groups.
        let restricted = person("restricted", vec![], &users, &policies);
        assert!(allowed(&restricted, &attrs("get", "pods", "team-a")));
    }

    #[test]
    fn the_proxy_may_impersonate_users_and_groups_and_nothing_else() {
        let proxy = user("proxy");
        let impersonate = |resource| Attributes {
            verb: "impersonate",
            resource,
            name: "alice",
            ..Default::default()
        };
        assert!(allowed(&proxy, &impersonate("users")));
        assert!(allowed(&proxy, &impersonate("groups")));
        assert!(!allowed(&proxy, &impersonate("serviceaccounts")));
        assert!(!allowed(
            &proxy,
            &Attributes {
                group: "authentication.k8s.io",
                ..impersonate("uids")
            }
        ));
        assert!(!allowed(&proxy, &attrs("list", "pods", "default")));
    }

    #[test]
    fn rules_review_spells_out_the_viewers_exceptions() {
        let served = vec![
            ("".to_string(), "pods".to_string()),
            ("".to_string(), "secrets".to_string()),
        ];
        let review = rules_review(
            &user("viewer"),
            "default",
            &served,
            json!({"spec": {"namespace": "default"}}),
        );
        let rules = review["status"]["resourceRules"].as_array().expect("rules");
        assert_eq!(
            rules[0],
            json!({"verbs": ["get", "list", "watch"], "apiGroups": [""], "resources": ["pods"]})
        );
        assert!(!rules.iter().any(|r| {
            r["resources"]
                .as_array()
                .is_some_and(|rs| rs.contains(&json!("secrets")))
        }));
    }

    #[test]
    fn self_subject_access_review_answers_from_the_policy() {
        let review = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"namespace": "team-a", "resource": "pods", "verb": "delete"}}});
        assert_eq!(
            access_review(&user("restricted"), review.clone())["status"]["allowed"],
            false
        );
        assert_eq!(
            access_review(&user("admin"), review)["status"]["allowed"],
            true
        );
    }
}
