//! Rows of cluster and policy kinds: Nodes, Namespaces, Events, RBAC, PodDisruptionBudgets,
//! HorizontalPodAutoscalers, Leases, PriorityClasses, CustomResourceDefinitions.

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Event, Namespace, Node};
use k8s_openapi::api::events::v1 as events;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, Role, RoleBinding, RoleRef, Subject,
};
use k8s_openapi::api::scheduling::v1::PriorityClass;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use super::{Builtin, Cell, Column, ColumnType, Result, Severity, typed};
use crate::node;

pub(crate) const KINDS: &[Builtin] = &[
    Builtin {
        group: "",
        kind: "Node",
        columns: node_columns,
        cells: node_cells,
    },
    Builtin {
        group: "",
        kind: "Namespace",
        columns: namespace_columns,
        cells: namespace_cells,
    },
    Builtin {
        group: "",
        kind: "Event",
        columns: event_columns,
        cells: event_cells,
    },
    Builtin {
        group: "events.k8s.io",
        kind: "Event",
        columns: event_columns,
        cells: events_event_cells,
    },
    Builtin {
        group: "rbac.authorization.k8s.io",
        kind: "Role",
        columns: role_columns,
        cells: role_cells,
    },
    Builtin {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        columns: role_columns,
        cells: cluster_role_cells,
    },
    Builtin {
        group: "rbac.authorization.k8s.io",
        kind: "RoleBinding",
        columns: binding_columns,
        cells: role_binding_cells,
    },
    Builtin {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRoleBinding",
        columns: binding_columns,
        cells: cluster_role_binding_cells,
    },
    Builtin {
        group: "policy",
        kind: "PodDisruptionBudget",
        columns: pdb_columns,
        cells: pdb_cells,
    },
    Builtin {
        group: "autoscaling",
        kind: "HorizontalPodAutoscaler",
        columns: hpa_columns,
        cells: hpa_cells,
    },
    Builtin {
        group: "coordination.k8s.io",
        kind: "Lease",
        columns: lease_columns,
        cells: lease_cells,
    },
    Builtin {
        group: "scheduling.k8s.io",
        kind: "PriorityClass",
        columns: priority_class_columns,
        cells: priority_class_cells,
    },
    Builtin {
        group: "apiextensions.k8s.io",
        kind: "CustomResourceDefinition",
        columns: crd_columns,
        cells: crd_cells,
    },
];

fn node_columns() -> Vec<Column> {
    vec![
        Column::new("status", "Status", ColumnType::Status),
        Column::new("roles", "Roles", ColumnType::Text),
        Column::new("version", "Version", ColumnType::Text),
        Column::new("internalIP", "Internal-IP", ColumnType::Text).wide(),
        Column::new("externalIP", "External-IP", ColumnType::Text).wide(),
        Column::new("osImage", "OS-Image", ColumnType::Text).wide(),
        Column::new("kernelVersion", "Kernel-Version", ColumnType::Text).wide(),
        Column::new("containerRuntime", "Container-Runtime", ColumnType::Text).wide(),
        // `cpu` and `memory` are the usage columns (from metrics); these are what pods may use.
        Column::new("allocatableCpu", "Allocatable CPU", ColumnType::Quantity).wide(),
        Column::new(
            "allocatableMemory",
            "Allocatable memory",
            ColumnType::Quantity,
        )
        .wide(),
        Column::new("taints", "Taints", ColumnType::Integer).wide(),
    ]
}

fn node_cells(object: &Value) -> Result<Vec<Cell>> {
    let node: Node = typed(object, "Node")?;
    let roles = node::roles(&node);
    let version = node::kubelet_version(&node);
    let unschedulable = node.spec.as_ref().and_then(|s| s.unschedulable) == Some(true);
    let taints = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .map_or(0, Vec::len);
    let status = node.status.unwrap_or_default();
    // As kubectl: Ready or NotReady from the Ready condition, Unknown without it.
    let ready = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Ready")
        .map(|c| c.status == "True");
    let mut text = match ready {
        Some(true) => "Ready",
        Some(false) => "NotReady",
        None => "Unknown",
    }
    .to_string();
    if unschedulable {
        text.push_str(",SchedulingDisabled");
    }
    let severity = match (ready, unschedulable) {
        (Some(true), false) => Severity::Ok,
        (Some(false), _) => Severity::Error,
        _ => Severity::Warning,
    };
    let address = |type_: &str| {
        Cell::list(
            status
                .addresses
                .iter()
                .flatten()
                .filter(|a| a.type_ == type_)
                .map(|a| &a.address),
        )
    };
    let info = status.node_info.clone().unwrap_or_default();
    let allocatable = |name: &str| {
        status
            .allocatable
            .as_ref()
            .and_then(|a| a.get(name))
            .map_or(Cell::Empty, |q| Cell::quantity(q.0.clone()))
    };
    Ok(vec![
        Cell::status(text, severity),
        Cell::list(roles),
        Cell::opt_text(version),
        address("InternalIP"),
        address("ExternalIP"),
        Cell::text(info.os_image),
        Cell::text(info.kernel_version),
        Cell::text(info.container_runtime_version),
        allocatable("cpu"),
        allocatable("memory"),
        Cell::Integer(taints as i64),
    ])
}

fn namespace_columns() -> Vec<Column> {
    vec![Column::new("status", "Status", ColumnType::Status)]
}

fn namespace_cells(object: &Value) -> Result<Vec<Cell>> {
    let namespace: Namespace = typed(object, "Namespace")?;
    let phase = namespace
        .status
        .and_then(|s| s.phase)
        .unwrap_or_else(|| "Active".into());
    let severity = match phase.as_str() {
        "Active" => Severity::Ok,
        "Terminating" => Severity::Progressing,
        _ => Severity::Warning,
    };
    Ok(vec![Cell::status(phase, severity)])
}

fn event_columns() -> Vec<Column> {
    vec![
        Column::new("lastSeen", "Last Seen", ColumnType::Since),
        Column::new("type", "Type", ColumnType::Status),
        Column::new("reason", "Reason", ColumnType::Text),
        Column::new("object", "Object", ColumnType::Text),
        Column::new("message", "Message", ColumnType::Text),
        Column::new("count", "Count", ColumnType::Integer),
        Column::new("source", "Source", ColumnType::Text).wide(),
        Column::new("firstSeen", "First Seen", ColumnType::Since).wide(),
    ]
}

fn event_type(type_: Option<String>) -> Cell {
    let type_ = type_.unwrap_or_else(|| "Normal".into());
    let severity = if type_ == "Warning" {
        Severity::Warning
    } else {
        Severity::Ok
    };
    Cell::status(type_, severity)
}

fn object_reference(kind: Option<&str>, name: Option<&str>) -> Cell {
    match (kind, name) {
        (Some(kind), Some(name)) => Cell::text(format!("{}/{name}", kind.to_lowercase())),
        (None, Some(name)) => Cell::text(name),
        _ => Cell::Empty,
    }
}

fn event_cells(object: &Value) -> Result<Vec<Cell>> {
    let event: Event = typed(object, "Event")?;
    let time = |t: Option<&Time>| t.map(|t| t.0);
    // As kubectl: the series' last observation, else the last timestamp, else the event time.
    let last_seen = event
        .series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref())
        .map(|t| t.0)
        .or(time(event.last_timestamp.as_ref()))
        .or(event.event_time.as_ref().map(|t| t.0))
        .or(time(event.first_timestamp.as_ref()))
        .or(event.metadata.creation_timestamp.as_ref().map(|t| t.0));
    let count = event
        .series
        .as_ref()
        .and_then(|s| s.count)
        .or(event.count)
        .unwrap_or(1);
    let source = event
        .source
        .as_ref()
        .and_then(|s| s.component.clone())
        .or(event.reporting_component.clone());
    Ok(vec![
        Cell::since(last_seen),
        event_type(event.type_),
        Cell::opt_text(event.reason),
        object_reference(
            event.involved_object.kind.as_deref(),
            event.involved_object.name.as_deref(),
        ),
        Cell::opt_text(event.message),
        Cell::Integer(i64::from(count)),
        Cell::opt_text(source),
        Cell::since(time(event.first_timestamp.as_ref()).or(event.event_time.map(|t| t.0))),
    ])
}

fn events_event_cells(object: &Value) -> Result<Vec<Cell>> {
    let event: events::Event = typed(object, "Event")?;
    let last_seen = event
        .series
        .as_ref()
        .map(|s| s.last_observed_time.0)
        .or(event.deprecated_last_timestamp.as_ref().map(|t| t.0))
        .or(event.event_time.as_ref().map(|t| t.0))
        .or(event.metadata.creation_timestamp.as_ref().map(|t| t.0));
    let count = event
        .series
        .as_ref()
        .map(|s| s.count)
        .or(event.deprecated_count)
        .unwrap_or(1);
    let regarding = event.regarding.as_ref();
    Ok(vec![
        Cell::since(last_seen),
        event_type(event.type_),
        Cell::opt_text(event.reason),
        object_reference(
            regarding.and_then(|r| r.kind.as_deref()),
            regarding.and_then(|r| r.name.as_deref()),
        ),
        Cell::opt_text(event.note),
        Cell::Integer(i64::from(count)),
        Cell::opt_text(event.reporting_controller),
        Cell::since(
            event
                .deprecated_first_timestamp
                .map(|t| t.0)
                .or(event.event_time.map(|t| t.0)),
        ),
    ])
}

fn role_columns() -> Vec<Column> {
    vec![Column::new("rules", "Rules", ColumnType::Integer)]
}

fn role_cells(object: &Value) -> Result<Vec<Cell>> {
    let role: Role = typed(object, "Role")?;
    Ok(vec![
        Cell::Integer(role.rules.map_or(0, |r| r.len()) as i64),
    ])
}

fn cluster_role_cells(object: &Value) -> Result<Vec<Cell>> {
    let role: ClusterRole = typed(object, "ClusterRole")?;
    Ok(vec![
        Cell::Integer(role.rules.map_or(0, |r| r.len()) as i64),
    ])
}

fn binding_columns() -> Vec<Column> {
    vec![
        Column::new("role", "Role", ColumnType::Text),
        Column::new("subjects", "Subjects", ColumnType::Text),
    ]
}

/// `ClusterRole/admin` and `User/alice,ServiceAccount/shop/deployer`, close to kubectl's wide view.
fn binding_cells(role: &RoleRef, subjects: Option<&Vec<Subject>>) -> Vec<Cell> {
    let subjects = subjects.into_iter().flatten().map(|s| match &s.namespace {
        Some(namespace) if !namespace.is_empty() => format!("{}/{namespace}/{}", s.kind, s.name),
        _ => format!("{}/{}", s.kind, s.name),
    });
    vec![
        Cell::text(format!("{}/{}", role.kind, role.name)),
        Cell::list(subjects),
    ]
}

fn role_binding_cells(object: &Value) -> Result<Vec<Cell>> {
    let binding: RoleBinding = typed(object, "RoleBinding")?;
    Ok(binding_cells(&binding.role_ref, binding.subjects.as_ref()))
}

fn cluster_role_binding_cells(object: &Value) -> Result<Vec<Cell>> {
    let binding: ClusterRoleBinding = typed(object, "ClusterRoleBinding")?;
    Ok(binding_cells(&binding.role_ref, binding.subjects.as_ref()))
}

fn pdb_columns() -> Vec<Column> {
    vec![
        Column::new("minAvailable", "Min Available", ColumnType::Text),
        Column::new("maxUnavailable", "Max Unavailable", ColumnType::Text),
        Column::new(
            "allowedDisruptions",
            "Allowed Disruptions",
            ColumnType::Integer,
        ),
    ]
}

fn int_or_string(value: Option<IntOrString>) -> Cell {
    match value {
        Some(IntOrString::Int(n)) => Cell::text(n.to_string()),
        Some(IntOrString::String(s)) => Cell::text(s),
        None => Cell::text("N/A"),
    }
}

fn pdb_cells(object: &Value) -> Result<Vec<Cell>> {
    let pdb: PodDisruptionBudget = typed(object, "PodDisruptionBudget")?;
    let spec = pdb.spec.unwrap_or_default();
    let allowed = pdb.status.and_then(|s| s.disruptions_allowed).unwrap_or(0);
    Ok(vec![
        int_or_string(spec.min_available),
        int_or_string(spec.max_unavailable),
        Cell::Integer(i64::from(allowed)),
    ])
}

fn hpa_columns() -> Vec<Column> {
    vec![
        Column::new("reference", "Reference", ColumnType::Text),
        Column::new("minPods", "MinPods", ColumnType::Integer),
        Column::new("maxPods", "MaxPods", ColumnType::Integer),
        Column::new("replicas", "Replicas", ColumnType::Integer),
    ]
}

fn hpa_cells(object: &Value) -> Result<Vec<Cell>> {
    let hpa: HorizontalPodAutoscaler = typed(object, "HorizontalPodAutoscaler")?;
    let spec = hpa.spec;
    let target = &spec.scale_target_ref;
    Ok(vec![
        Cell::text(format!("{}/{}", target.kind, target.name)),
        Cell::Integer(i64::from(spec.min_replicas.unwrap_or(1))),
        Cell::Integer(i64::from(spec.max_replicas)),
        Cell::Integer(i64::from(
            hpa.status.and_then(|s| s.current_replicas).unwrap_or(0),
        )),
    ])
}

fn lease_columns() -> Vec<Column> {
    vec![Column::new("holder", "Holder", ColumnType::Text)]
}

fn lease_cells(object: &Value) -> Result<Vec<Cell>> {
    let lease: Lease = typed(object, "Lease")?;
    Ok(vec![Cell::opt_text(
        lease.spec.and_then(|s| s.holder_identity),
    )])
}

fn priority_class_columns() -> Vec<Column> {
    vec![
        Column::new("value", "Value", ColumnType::Integer),
        Column::new("globalDefault", "Global-Default", ColumnType::Text),
    ]
}

fn priority_class_cells(object: &Value) -> Result<Vec<Cell>> {
    let class: PriorityClass = typed(object, "PriorityClass")?;
    Ok(vec![
        Cell::Integer(i64::from(class.value.unwrap_or(0))),
        Cell::text(class.global_default.unwrap_or(false).to_string()),
    ])
}

fn crd_columns() -> Vec<Column> {
    vec![
        Column::new("group", "Group", ColumnType::Text),
        Column::new("kind", "Kind", ColumnType::Text),
        Column::new("versions", "Versions", ColumnType::Text),
        Column::new("scope", "Scope", ColumnType::Text),
    ]
}

fn crd_cells(object: &Value) -> Result<Vec<Cell>> {
    let crd: CustomResourceDefinition = typed(object, "CustomResourceDefinition")?;
    let spec = crd.spec;
    Ok(vec![
        Cell::text(spec.group),
        Cell::text(spec.names.kind),
        Cell::list(spec.versions.iter().filter(|v| v.served).map(|v| &v.name)),
        Cell::text(spec.scope),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ago, assert_shows, shown};
    use serde_json::json;

    #[test]
    fn cluster_columns_read_like_kubectl_get_wide() {
        let cases = [
            (
                "a cordoned node that stopped reporting",
                ("", "Node"),
                false,
                json!({
                    "metadata": {"name": "node-b", "labels": {"node-role.kubernetes.io/worker": ""}},
                    "spec": {"unschedulable": true,
                             "taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]},
                    "status": {
                        "conditions": [{"type": "Ready", "status": "Unknown"}],
                        "addresses": [{"type": "InternalIP", "address": "192.168.1.12"},
                                      {"type": "Hostname", "address": "node-b"}],
                        "allocatable": {"cpu": "3800m", "memory": "15Gi"},
                        "nodeInfo": {"kubeletVersion": "v1.36.0", "osImage": "Debian GNU/Linux 13",
                                     "kernelVersion": "6.12.0", "containerRuntimeVersion": "containerd://2.1.0",
                                     "architecture": "amd64", "bootID": "", "kubeProxyVersion": "",
                                     "machineID": "", "operatingSystem": "linux", "systemUUID": ""},
                    },
                }),
                vec![
                    ("status", "NotReady,SchedulingDisabled"),
                    ("roles", "worker"),
                    ("version", "v1.36.0"),
                    ("internalIP", "192.168.1.12"),
                    ("externalIP", "<none>"),
                    ("osImage", "Debian GNU/Linux 13"),
                    ("kernelVersion", "6.12.0"),
                    ("containerRuntime", "containerd://2.1.0"),
                    ("allocatableCpu", "3800m"),
                    ("allocatableMemory", "15Gi"),
                    ("taints", "1"),
                ],
            ),
            (
                "a cordoned ready node",
                ("", "Node"),
                false,
                json!({"metadata": {"name": "node-c"}, "spec": {"unschedulable": true},
                       "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
                vec![("status", "Ready,SchedulingDisabled"), ("taints", "0")],
            ),
            (
                "a node that stopped being ready",
                ("", "Node"),
                false,
                json!({"metadata": {"name": "node-d"},
                       "status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
                vec![("status", "NotReady")],
            ),
            (
                "a node that never reported is Unknown",
                ("", "Node"),
                false,
                json!({"metadata": {"name": "new"}}),
                vec![
                    ("status", "Unknown"),
                    ("roles", "<none>"),
                    ("version", "<none>"),
                ],
            ),
            (
                "a namespace being deleted",
                ("", "Namespace"),
                false,
                json!({"metadata": {"name": "old"}, "status": {"phase": "Terminating"}}),
                vec![("status", "Terminating")],
            ),
            (
                "a repeated warning event",
                ("", "Event"),
                true,
                json!({"metadata": {"name": "web-1.17f"},
                       "involvedObject": {"kind": "Pod", "name": "web-1"},
                       "reason": "BackOff", "message": "Back-off restarting failed container",
                       "type": "Warning", "count": 12, "source": {"component": "kubelet"},
                       "firstTimestamp": ago(3600), "lastTimestamp": ago(30)}),
                vec![
                    ("lastSeen", "30s"),
                    ("type", "Warning"),
                    ("reason", "BackOff"),
                    ("object", "pod/web-1"),
                    ("message", "Back-off restarting failed container"),
                    ("count", "12"),
                    ("source", "kubelet"),
                    ("firstSeen", "60m"),
                ],
            ),
            (
                "an events.k8s.io event",
                ("events.k8s.io", "Event"),
                true,
                json!({"metadata": {"name": "e"}, "eventTime": ago(10),
                       "regarding": {"kind": "Node", "name": "node-a"}, "note": "Node is ready",
                       "reason": "NodeReady", "type": "Normal", "reportingController": "kubelet"}),
                vec![
                    ("lastSeen", "10s"),
                    ("type", "Normal"),
                    ("object", "node/node-a"),
                    ("message", "Node is ready"),
                    ("count", "1"),
                ],
            ),
            (
                "a role binding's role and subjects",
                ("rbac.authorization.k8s.io", "RoleBinding"),
                true,
                json!({"metadata": {"name": "deployers"},
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
                       "subjects": [{"kind": "User", "name": "alice"},
                                    {"kind": "ServiceAccount", "name": "ci", "namespace": "shop"}]}),
                vec![
                    ("role", "ClusterRole/edit"),
                    ("subjects", "User/alice,ServiceAccount/shop/ci"),
                ],
            ),
            (
                "a disruption budget with a minimum",
                ("policy", "PodDisruptionBudget"),
                true,
                json!({"metadata": {"name": "web"}, "spec": {"minAvailable": "50%"},
                       "status": {"disruptionsAllowed": 1, "currentHealthy": 3,
                                  "desiredHealthy": 2, "expectedPods": 3}}),
                vec![
                    ("minAvailable", "50%"),
                    ("maxUnavailable", "N/A"),
                    ("allowedDisruptions", "1"),
                ],
            ),
            (
                "a lease and its holder",
                ("coordination.k8s.io", "Lease"),
                true,
                json!({"metadata": {"name": "wheelhouse-alerter"}, "spec": {"holderIdentity": "alerter-0"}}),
                vec![("holder", "alerter-0")],
            ),
            (
                "a CRD with served versions",
                ("apiextensions.k8s.io", "CustomResourceDefinition"),
                false,
                json!({"metadata": {"name": "alertrules.wheelhouse.dev"},
                       "spec": {"group": "wheelhouse.dev", "scope": "Namespaced",
                                "names": {"kind": "AlertRule", "plural": "alertrules"},
                                "versions": [{"name": "v1", "served": true, "storage": true},
                                             {"name": "v1alpha1", "served": false, "storage": false}]}}),
                vec![
                    ("group", "wheelhouse.dev"),
                    ("kind", "AlertRule"),
                    ("versions", "v1"),
                    ("scope", "Namespaced"),
                ],
            ),
        ];
        for (name, kind, namespaced, object, expected) in cases {
            assert_shows(name, &shown(kind, namespaced, object), &expected);
        }
    }
}
