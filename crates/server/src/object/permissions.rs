//! `GET …/{name}/permissions`: which actions the person may take on an object, from
//! SelfSubjectAccessReviews (cached briefly), so the UI enables or disables its buttons.

use std::collections::BTreeMap;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use ts_rs::TS;
use wheelhouse_cluster::Person;
use wheelhouse_cluster::access::{Decision, Question};
use wheelhouse_cluster::discovery::KindInfo;

use super::Target;
use crate::AppState;
use crate::error::Result;

/// `GET …/{name}/permissions` and `GET /api/v1/permissions/{g}/{v}/{r}`: whether the person
/// may take each action (`edit`, `delete`, `scale`…; `create` for a kind), and why not.
#[derive(Debug, Serialize, TS)]
#[ts(rename = "Permissions")]
pub(crate) struct PermissionsAnswer {
    pub actions: BTreeMap<String, Decision>,
}

/// The actions of a kind and the questions each needs answered yes.
fn actions(target: &Target) -> Vec<(&'static str, Vec<Question>)> {
    let on =
        |verb: &'static str, group: &str, resource: &str, sub: &'static str, name: bool| Question {
            verb,
            group: group.to_string(),
            resource: resource.to_string(),
            subresource: sub,
            namespace: target.namespace.clone(),
            name: name.then(|| target.name.clone()),
        };
    let group = target.kind.group.as_str();
    let resource = target.kind.resource.as_str();
    let mut list = vec![
        ("edit", vec![on("update", group, resource, "", true)]),
        ("delete", vec![on("delete", group, resource, "", true)]),
    ];
    let workload = matches!(
        target.kind.kind.as_str(),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob"
    );
    match target.kind.kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => {
            if target.kind.kind != "DaemonSet" {
                // kubectl scale, and Wheelhouse, go through the scale subresource.
                list.push(("scale", vec![on("patch", group, resource, "scale", true)]));
            }
            if target.kind.kind != "ReplicaSet" {
                list.push(("restart", vec![on("patch", group, resource, "", true)]));
                let history = if target.kind.kind == "Deployment" {
                    "replicasets"
                } else {
                    "controllerrevisions"
                };
                list.push((
                    "rollback",
                    vec![
                        on("update", group, resource, "", true),
                        on("list", "apps", history, "", false),
                    ],
                ));
            }
        }
        "CronJob" => {
            list.push(("suspend", vec![on("patch", group, resource, "", true)]));
            list.push(("resume", vec![on("patch", group, resource, "", true)]));
            list.push(("trigger", vec![on("create", "batch", "jobs", "", false)]));
        }
        "Node" => {
            list.push(("cordon", vec![on("patch", "", "nodes", "", true)]));
            list.push(("uncordon", vec![on("patch", "", "nodes", "", true)]));
            let mut evict = on("create", "", "pods", "eviction", false);
            evict.namespace = None;
            list.push(("drain", vec![on("patch", "", "nodes", "", true), evict]));
        }
        _ => {}
    }
    if target.kind.kind == "Pod" {
        list.push(("logs", vec![on("get", "", "pods", "log", true)]));
    } else if workload {
        list.push(("logs", vec![on("get", "", "pods", "log", false)]));
    }
    if target.kind.kind == "Pod" || workload {
        list.push(("revealSecrets", vec![on("get", "", "secrets", "", false)]));
    }
    list
}

pub(super) async fn permissions(
    state: &AppState,
    person: &Person,
    target: &Target,
) -> Result<Response> {
    let actions = actions(target);
    let decided = futures::future::join_all(actions.iter().map(|(action, questions)| async move {
        for question in questions {
            let decision = state.cluster.may(person, question).await;
            if !decision.allowed {
                return (*action, decision);
            }
        }
        (
            *action,
            Decision {
                allowed: true,
                reason: None,
            },
        )
    }))
    .await;
    let actions = decided
        .into_iter()
        .map(|(action, decision)| (action.to_string(), decision))
        .collect();
    Ok(Json(PermissionsAnswer { actions }).into_response())
}

/// Whether the person may create objects of `kind` in `namespace` (all namespaces when `None`
/// for a namespaced kind).
pub(super) async fn for_kind(
    state: &AppState,
    person: &Person,
    kind: &KindInfo,
    namespace: Option<String>,
) -> Result<Response> {
    let create = if kind.verbs.iter().any(|v| v == "create") {
        let question = Question {
            verb: "create",
            group: kind.group.clone(),
            resource: kind.resource.clone(),
            subresource: "",
            namespace,
            name: None,
        };
        state.cluster.may(person, &question).await
    } else {
        Decision {
            allowed: false,
            reason: Some(format!(
                "the API server does not create {}",
                kind.qualified_resource()
            )),
        }
    };
    let actions = BTreeMap::from([("create".to_string(), create)]);
    Ok(Json(PermissionsAnswer { actions }).into_response())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wheelhouse_cluster::discovery::{KindInfo, KindSet};

    use super::*;

    fn target(group: &str, resource: &str, kind: &str, namespace: Option<&str>) -> Target {
        Target {
            kind: Arc::new(KindInfo {
                group: group.into(),
                version: "v1".into(),
                resource: resource.into(),
                kind: kind.into(),
                namespaced: namespace.is_some(),
                verbs: Vec::new(),
                short_names: Vec::new(),
                preferred_version: "v1".into(),
                custom: false,
            }),
            kinds: Arc::new(KindSet::default()),
            namespace: namespace.map(str::to_string),
            name: "x".into(),
        }
    }

    fn names(target: &Target) -> Vec<&'static str> {
        actions(target).into_iter().map(|(name, _)| name).collect()
    }

    #[test]
    fn each_kind_lists_the_actions_its_page_offers() {
        assert_eq!(
            names(&target("apps", "deployments", "Deployment", Some("a"))),
            [
                "edit",
                "delete",
                "scale",
                "restart",
                "rollback",
                "logs",
                "revealSecrets"
            ]
        );
        assert_eq!(
            names(&target("batch", "cronjobs", "CronJob", Some("a"))),
            [
                "edit",
                "delete",
                "suspend",
                "resume",
                "trigger",
                "logs",
                "revealSecrets"
            ]
        );
        assert_eq!(
            names(&target("", "nodes", "Node", None)),
            ["edit", "delete", "cordon", "uncordon", "drain"]
        );
        assert_eq!(
            names(&target("", "configmaps", "ConfigMap", Some("a"))),
            ["edit", "delete"]
        );
    }

    #[test]
    fn draining_asks_for_evictions_in_all_namespaces() {
        let node = target("", "nodes", "Node", None);
        let (_, questions) = actions(&node)
            .into_iter()
            .find(|(name, _)| *name == "drain")
            .expect("drain");
        let eviction = questions
            .iter()
            .find(|q| q.subresource == "eviction")
            .expect("eviction");
        assert_eq!(eviction.verb, "create");
        assert_eq!(eviction.namespace, None);
    }

    #[test]
    fn a_refusal_without_reason_says_who_may_not_do_what_where() {
        let question = Question {
            verb: "delete",
            group: String::new(),
            resource: "pods".into(),
            subresource: "",
            namespace: Some("team-a".into()),
            name: Some("p".into()),
        };
        assert_eq!(
            question.describe("restricted"),
            "restricted may not delete pods in namespace team-a"
        );
    }
}
