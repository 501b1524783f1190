//! Derives what a person reads about a node: whether it is ready and which roles it has.

use k8s_openapi::api::core::v1::Node;

/// Label prefix kubeadm and most distributions use to mark roles (`node-role.kubernetes.io/control-plane`).
const ROLE_LABEL_PREFIX: &str = "node-role.kubernetes.io/";
/// Older label carrying the role as its value (`kubernetes.io/role=master`).
const LEGACY_ROLE_LABEL: &str = "kubernetes.io/role";

/// Whether the node's `Ready` condition is `True`; a node that has not reported it is not ready.
pub fn is_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|status| status.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|condition| condition.type_ == "Ready" && condition.status == "True")
}

/// The node's roles as `kubectl get nodes` prints them: sorted, without duplicates.
pub fn roles(node: &Node) -> Vec<String> {
    let mut roles: Vec<String> = node
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(key, value)| {
            if let Some(role) = key.strip_prefix(ROLE_LABEL_PREFIX) {
                (!role.is_empty()).then(|| role.to_string())
            } else if key == LEGACY_ROLE_LABEL && !value.is_empty() {
                Some(value.clone())
            } else {
                None
            }
        })
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// The kubelet version the node reports, or `None` before it has reported one.
pub fn kubelet_version(node: &Node) -> Option<String> {
    node.status
        .as_ref()
        .and_then(|status| status.node_info.as_ref())
        .map(|info| info.kubelet_version.clone())
        .filter(|version| !version.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{NodeCondition, NodeStatus};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn node(labels: &[(&str, &str)], ready: Option<&str>) -> Node {
        Node {
            metadata: ObjectMeta {
                name: Some("n".into()),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..ObjectMeta::default()
            },
            status: ready.map(|status| NodeStatus {
                conditions: Some(vec![NodeCondition {
                    type_: "Ready".into(),
                    status: status.into(),
                    ..NodeCondition::default()
                }]),
                ..NodeStatus::default()
            }),
            ..Node::default()
        }
    }

    #[test]
    fn readiness_follows_the_ready_condition() {
        let cases = [
            ("a node reporting Ready=True is ready", Some("True"), true),
            (
                "a node reporting Ready=False is not ready",
                Some("False"),
                false,
            ),
            (
                "a node reporting Ready=Unknown is not ready",
                Some("Unknown"),
                false,
            ),
            ("a node without status is not ready", None, false),
        ];
        for (name, status, expected) in cases {
            assert_eq!(is_ready(&node(&[], status)), expected, "{name}");
        }
    }

    #[test]
    fn roles_come_from_role_labels_sorted_and_deduplicated() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: [Case; 4] = [
            (
                "a node without role labels has no roles",
                &[("kubernetes.io/os", "linux")],
                &[],
            ),
            (
                "node-role labels give their suffix whatever their value",
                &[
                    ("node-role.kubernetes.io/worker", ""),
                    ("node-role.kubernetes.io/control-plane", "true"),
                ],
                &["control-plane", "worker"],
            ),
            (
                "the legacy role label gives its value",
                &[("kubernetes.io/role", "master")],
                &["master"],
            ),
            (
                "the same role from both labels is listed once",
                &[
                    ("kubernetes.io/role", "worker"),
                    ("node-role.kubernetes.io/worker", ""),
                ],
                &["worker"],
            ),
        ];
        for (name, labels, expected) in cases {
            assert_eq!(roles(&node(labels, None)), expected, "{name}");
        }
    }
}
