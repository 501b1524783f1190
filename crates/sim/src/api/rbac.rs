//! RBAC, as kube-apiserver's authorizer reads it: the stored ClusterRoleBindings and
//! RoleBindings grant their role's rules to the users, groups and service accounts they name.
//!
//! The sim authorizes with the token table's policy ([`super::auth`]) *and* RBAC, as a real API
//! server chains authorizers: a request is allowed when either allows it. RBAC is what a chart's
//! ServiceAccount, ClusterRole and bindings give a workload, so a console installed by its chart
//! can be run with exactly the rights the chart grants. Bindings are read on every request (a
//! cluster holds tens of them, not thousands), so a new binding takes effect at once, as it does
//! in kube-apiserver.
//!
//! Service accounts authenticate with the tokens the `serviceaccounts/token` subresource
//! (TokenRequest, `kubectl create token`) hands out: [`ServiceAccountTokens`] remembers each
//! until it expires, and a token stops working when its account is deleted (or deleted and made
//! again: the uid is bound), as bound tokens do.
//!
//! Not modelled: ClusterRole aggregation (`aggregationRule`: a role's rules are its own) and
//! `nonResourceURLs` rules (everyone authenticated may read discovery, health and version).

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::auth::{Rule, User};
use crate::storage::{GroupResource, Store, str_at};

const GROUP: &str = "rbac.authorization.k8s.io";

/// Adds the rules RBAC grants `user` (by name, by each of their groups, or as the service
/// account they are) to their rules.
pub fn grant(store: &Store, user: &mut User) {
    for rule in rules_of(store, &user.name, &user.groups) {
        if !user.rules.contains(&rule) {
            user.rules.push(rule);
        }
    }
}

/// The rules every binding naming `name` or one of `groups` grants: a ClusterRoleBinding's
/// everywhere (every namespace and the cluster scope), a RoleBinding's in its namespace only.
pub fn rules_of(store: &Store, name: &str, groups: &[String]) -> Vec<Rule> {
    let mut rules = Vec::new();
    for binding in store.list(&GroupResource::new(GROUP, "clusterrolebindings"), None) {
        let binding = binding.value();
        if names_subject(binding, "", name, groups)
            && let Some(role) = role_of(store, binding, "")
        {
            rules.extend(policy_rules(role.value(), "*"));
        }
    }
    for binding in store.list(&GroupResource::new(GROUP, "rolebindings"), None) {
        let namespace = str_at(binding.value(), &["metadata", "namespace"]);
        let binding = binding.value();
        if names_subject(binding, namespace, name, groups)
            && let Some(role) = role_of(store, binding, namespace)
        {
            rules.extend(policy_rules(role.value(), namespace));
        }
    }
    rules
}

/// Whether one of the binding's subjects is the person: a `User` by name, a `Group` they are
/// in, or the `ServiceAccount` they are (its namespace defaulting to the binding's).
fn names_subject(binding: &Value, namespace: &str, name: &str, groups: &[String]) -> bool {
    let subjects = binding.get("subjects").and_then(Value::as_array);
    subjects.into_iter().flatten().any(|subject| {
        let subject_name = str_at(subject, &["name"]);
        match str_at(subject, &["kind"]) {
            "User" => subject_name == name,
            "Group" => groups.iter().any(|group| group == subject_name),
            "ServiceAccount" => {
                let account_namespace = match str_at(subject, &["namespace"]) {
                    "" => namespace,
                    given => given,
                };
                name == format!("system:serviceaccount:{account_namespace}:{subject_name}")
            }
            _ => false,
        }
    })
}

/// The role a binding refers to: a ClusterRole, or a Role in the binding's namespace. A binding
/// to a role that does not exist grants nothing.
fn role_of(
    store: &Store,
    binding: &Value,
    namespace: &str,
) -> Option<std::sync::Arc<crate::storage::StoredObject>> {
    let role = str_at(binding, &["roleRef", "name"]);
    match str_at(binding, &["roleRef", "kind"]) {
        "ClusterRole" => store.get(&GroupResource::new(GROUP, "clusterroles"), "", role),
        "Role" if !namespace.is_empty() => {
            store.get(&GroupResource::new(GROUP, "roles"), namespace, role)
        }
        _ => None,
    }
}

/// A role's resource rules as the sim's [`Rule`]s, in `namespace` (`*`: everywhere).
fn policy_rules(role: &Value, namespace: &str) -> Vec<Rule> {
    let strings = |rule: &Value, key: &str| -> Vec<String> {
        rule.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let rules = role.get("rules").and_then(Value::as_array);
    rules
        .into_iter()
        .flatten()
        .filter(|rule| !strings(rule, "resources").is_empty())
        .map(|rule| Rule {
            verbs: strings(rule, "verbs"),
            groups: strings(rule, "apiGroups"),
            resources: strings(rule, "resources"),
            except: Vec::new(),
            names: strings(rule, "resourceNames"),
            namespaces: vec![namespace.to_string()],
        })
        .collect()
}

/// The service account a token was made for, and until when it holds.
#[derive(Debug, Clone)]
struct BoundToken {
    namespace: String,
    name: String,
    uid: String,
    expires: jiff::Timestamp,
}

/// The tokens handed out by TokenRequest, by token.
#[derive(Debug, Default)]
pub struct ServiceAccountTokens {
    tokens: Mutex<HashMap<String, BoundToken>>,
}

impl ServiceAccountTokens {
    /// Remembers a token made for the account `namespace/name` with `uid`, until `expires`.
    /// Expired tokens are forgotten on the way.
    pub fn issue(
        &self,
        token: String,
        namespace: &str,
        name: &str,
        uid: &str,
        expires: jiff::Timestamp,
    ) {
        let now = jiff::Timestamp::now();
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.retain(|_, bound| bound.expires > now);
        tokens.insert(
            token,
            BoundToken {
                namespace: namespace.to_string(),
                name: name.to_string(),
                uid: uid.to_string(),
                expires,
            },
        );
    }

    /// The service account a token authenticates, with its groups and uid but no rules yet:
    /// `None` when the token is unknown or expired, or its account is gone or was made again.
    pub fn authenticate(&self, store: &Store, token: &str) -> Option<User> {
        let bound = {
            let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
            tokens.get(token)?.clone()
        };
        if bound.expires <= jiff::Timestamp::now() {
            return None;
        }
        let account = store.get(
            &GroupResource::core("serviceaccounts"),
            &bound.namespace,
            &bound.name,
        )?;
        if account.uid() != bound.uid {
            return None;
        }
        let mut user = super::auth::person(
            &format!("system:serviceaccount:{}:{}", bound.namespace, bound.name),
            vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{}", bound.namespace),
            ],
            &[],
            &[],
        );
        user.uid = bound.uid;
        user.token = token.to_string();
        Some(user)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api::auth::{Attributes, allowed, person};

    fn store_with(objects: &[(&str, Value)]) -> Store {
        let store = Store::new();
        for (resource, object) in objects {
            let namespace = str_at(object, &["metadata", "namespace"]).to_string();
            store
                .create(
                    &GroupResource::new(GROUP, resource),
                    !namespace.is_empty(),
                    object.clone(),
                )
                .expect("stored");
        }
        store
    }

    fn reader_role() -> Value {
        json!({"metadata": {"name": "reader"}, "rules": [
            {"apiGroups": ["", "apps"], "resources": ["pods", "deployments"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["session-key"], "verbs": ["get"]},
            {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}
        ]})
    }

    fn account(namespace: &str, name: &str) -> User {
        let mut user = person(
            &format!("system:serviceaccount:{namespace}:{name}"),
            vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{namespace}"),
            ],
            &[],
            &[],
        );
        user.rules.clear();
        user
    }

    fn may(user: &User, verb: &str, group: &str, resource: &str, namespace: &str) -> bool {
        may_name(user, verb, group, resource, namespace, "")
    }

    fn may_name(
        user: &User,
        verb: &str,
        group: &str,
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> bool {
        allowed(
            user,
            &Attributes {
                verb,
                group,
                resource,
                namespace,
                name,
                ..Default::default()
            },
        )
    }

    #[test]
    fn a_cluster_role_binding_grants_its_rules_everywhere_and_nothing_more() {
        let store = store_with(&[
            ("clusterroles", reader_role()),
            (
                "clusterrolebindings",
                json!({"metadata": {"name": "console"},
                    "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "reader"},
                    "subjects": [{"kind": "ServiceAccount", "name": "wheelhouse", "namespace": "ops"}]}),
            ),
        ]);
        let mut console = account("ops", "wheelhouse");
        grant(&store, &mut console);
        assert!(may(&console, "list", "", "pods", ""));
        assert!(may(&console, "watch", "apps", "deployments", "shop"));
        assert!(!may(&console, "delete", "", "pods", "shop"));
        assert!(!may(&console, "list", "", "secrets", "ops"));
        assert!(may_name(
            &console,
            "get",
            "",
            "secrets",
            "ops",
            "session-key"
        ));
        assert!(!may_name(&console, "get", "", "secrets", "ops", "other"));
        assert!(
            !may(&console, "list", "", "pods/log", "shop"),
            "a subresource is its own resource"
        );

        let mut stranger = account("other", "wheelhouse");
        grant(&store, &mut stranger);
        assert!(
            !may(&stranger, "list", "", "pods", ""),
            "same name, other namespace"
        );
    }

    #[test]
    fn a_role_binding_grants_in_its_namespace_only_and_defaults_the_accounts_namespace() {
        let store = store_with(&[
            ("clusterroles", reader_role()),
            (
                "roles",
                json!({"metadata": {"name": "writer", "namespace": "ops"}, "rules": [
                    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "update"]}]}),
            ),
            (
                "rolebindings",
                json!({"metadata": {"name": "read", "namespace": "ops"},
                    "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "reader"},
                    "subjects": [{"kind": "ServiceAccount", "name": "wheelhouse"}]}),
            ),
            (
                "rolebindings",
                json!({"metadata": {"name": "write", "namespace": "ops"},
                    "roleRef": {"apiGroup": GROUP, "kind": "Role", "name": "writer"},
                    "subjects": [{"kind": "Group", "name": "operators"}, {"kind": "User", "name": "alice"}]}),
            ),
        ]);
        let mut console = account("ops", "wheelhouse");
        grant(&store, &mut console);
        assert!(may(&console, "list", "", "pods", "ops"));
        assert!(!may(&console, "list", "", "pods", "shop"));
        assert!(
            !may(&console, "list", "", "pods", ""),
            "no cluster-wide list"
        );

        let mut operator = person("bob", vec!["operators".into()], &[], &[]);
        grant(&store, &mut operator);
        assert!(may(&operator, "create", "", "secrets", "ops"));
        assert!(!may(&operator, "create", "", "secrets", "shop"));
        let mut alice = person("alice", vec![], &[], &[]);
        grant(&store, &mut alice);
        assert!(may(&alice, "update", "", "secrets", "ops"));
        let mut carol = person("carol", vec![], &[], &[]);
        grant(&store, &mut carol);
        assert!(carol.rules.is_empty());
    }

    #[test]
    fn a_binding_to_a_missing_role_grants_nothing() {
        let store = store_with(&[(
            "clusterrolebindings",
            json!({"metadata": {"name": "dangling"},
                "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "gone"},
                "subjects": [{"kind": "User", "name": "alice"}]}),
        )]);
        let mut alice = person("alice", vec![], &[], &[]);
        grant(&store, &mut alice);
        assert!(alice.rules.is_empty());
    }
}
