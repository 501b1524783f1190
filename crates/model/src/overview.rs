//! Computes the cluster overview: nodes and their readiness, pods by phase and the ones needing
//! attention, namespaces with their pod counts, and the most recent Warning events.

use std::collections::HashMap;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, Namespace, Node, Pod};
use serde::Serialize;
use ts_rs::TS;

use crate::{node, pod};

/// What the overview reads of a pod: a `Pod`, or a compact record of one kept by a cache.
pub trait PodLike {
    fn namespace(&self) -> Option<&str>;
    fn name(&self) -> &str;
    /// `Running`, `Pending`, `Succeeded`, `Failed` or `Unknown`.
    fn phase(&self) -> &str;
    /// The STATUS column of `kubectl get pods`.
    fn status(&self) -> std::borrow::Cow<'_, str>;
    /// [`namespace_key`] of its namespace: counting 150,000 pods by namespace need not read
    /// 150,000 strings when the pod keeps it.
    fn namespace_key(&self) -> u64 {
        namespace_key(self.namespace().unwrap_or_default())
    }
}

/// A 64-bit hash of a namespace's name, as [`PodLike::namespace_key`] gives it: the same within
/// a process, keyed at random for each, so that nobody can choose a namespace's name to share
/// another's key (and its pod count).
pub fn namespace_key(namespace: &str) -> u64 {
    crate::rows::keyed_hash(namespace)
}

impl PodLike for Pod {
    fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }

    fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }

    fn phase(&self) -> &str {
        pod::phase(self)
    }

    fn status(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(pod::status_reason(self))
    }
}

/// At most this many Warning events are returned, the most recent first.
pub const MAX_WARNINGS: usize = 20;
/// At most this many problem pods are listed; `problemsTotal` says how many there are in all.
pub const MAX_PROBLEMS: usize = 100;
/// At most this many nodes are listed, those needing attention first; `total` says how many
/// there are (the nodes list shows them all).
pub const MAX_NODES: usize = 50;

/// `GET /api/v1/overview`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub nodes: NodeSummary,
    pub pods: PodSummary,
    pub namespaces: Vec<NamespaceSummary>,
    pub warnings: Vec<WarningEvent>,
    pub generated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NodeSummary {
    pub total: usize,
    pub ready: usize,
    /// Nodes cordoned (`spec.unschedulable`): ready or not, no new pods go there.
    pub unschedulable: usize,
    /// Not-ready nodes first, then cordoned ones, then the others, each by name; at most
    /// [`MAX_NODES`].
    pub items: Vec<NodeItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NodeItem {
    pub name: String,
    pub ready: bool,
    /// False when the node is cordoned (`Ready,SchedulingDisabled` in `kubectl get nodes`).
    pub schedulable: bool,
    pub roles: Vec<String>,
    pub kubelet_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PodSummary {
    pub total: usize,
    pub by_phase: PhaseCounts,
    /// Pods whose status needs attention, sorted by namespace and name, at most [`MAX_PROBLEMS`].
    pub problems: Vec<ProblemPod>,
    /// How many pods need attention in all, including those beyond [`MAX_PROBLEMS`].
    pub problems_total: usize,
}

/// Pod counts per phase; every phase is present, with 0 when no pod is in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct PhaseCounts {
    #[serde(rename = "Running")]
    pub running: usize,
    #[serde(rename = "Pending")]
    pub pending: usize,
    #[serde(rename = "Succeeded")]
    pub succeeded: usize,
    #[serde(rename = "Failed")]
    pub failed: usize,
    /// Pods reporting `Unknown`, no phase or a phase this version does not know.
    #[serde(rename = "Unknown")]
    pub unknown: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProblemPod {
    pub namespace: String,
    pub name: String,
    /// The STATUS `kubectl get pods` prints, e.g. `CrashLoopBackOff`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSummary {
    pub name: String,
    pub phase: String,
    pub pods: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WarningEvent {
    pub namespace: Option<String>,
    pub object: ObjectName,
    pub reason: String,
    pub message: String,
    pub count: i32,
    pub last_seen: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ObjectName {
    pub kind: String,
    pub name: String,
}

/// Computes the overview from the objects in the caches; `now` becomes `generatedAt`.
pub fn overview<'a, P: PodLike + 'a>(
    nodes: impl IntoIterator<Item = &'a Node>,
    pods: impl IntoIterator<Item = &'a P>,
    namespaces: impl IntoIterator<Item = &'a Namespace>,
    events: impl IntoIterator<Item = &'a Event>,
    now: Timestamp,
) -> Overview {
    let pods: Vec<&P> = pods.into_iter().collect();
    Overview {
        nodes: node_summary(nodes),
        pods: pod_summary(&pods),
        namespaces: namespace_summaries(namespaces, &pods),
        warnings: recent_warnings(events),
        generated_at: now,
    }
}

fn node_summary<'a>(nodes: impl IntoIterator<Item = &'a Node>) -> NodeSummary {
    let mut items: Vec<NodeItem> = nodes
        .into_iter()
        .map(|n| NodeItem {
            name: n.metadata.name.clone().unwrap_or_default(),
            ready: node::is_ready(n),
            schedulable: !n
                .spec
                .as_ref()
                .and_then(|s| s.unschedulable)
                .unwrap_or(false),
            roles: node::roles(n),
            kubelet_version: node::kubelet_version(n),
        })
        .collect();
    let summary = NodeSummary {
        total: items.len(),
        ready: items.iter().filter(|n| n.ready).count(),
        unschedulable: items.iter().filter(|n| !n.schedulable).count(),
        items: Vec::new(),
    };
    let attention = |n: &NodeItem| (n.ready, n.schedulable);
    let by_attention = |a: &NodeItem, b: &NodeItem| {
        attention(a)
            .cmp(&attention(b))
            .then_with(|| a.name.cmp(&b.name))
    };
    if items.len() > MAX_NODES {
        items.select_nth_unstable_by(MAX_NODES - 1, by_attention);
        items.truncate(MAX_NODES);
    }
    items.sort_by(by_attention);
    NodeSummary { items, ..summary }
}

fn pod_summary<P: PodLike>(pods: &[&P]) -> PodSummary {
    let mut by_phase = PhaseCounts::default();
    let mut problems = Vec::new();
    for p in pods {
        match p.phase() {
            "Running" => by_phase.running += 1,
            "Pending" => by_phase.pending += 1,
            "Succeeded" => by_phase.succeeded += 1,
            "Failed" => by_phase.failed += 1,
            _ => by_phase.unknown += 1,
        }
        let reason = p.status();
        if pod::is_problem(&reason) {
            problems.push(ProblemPod {
                namespace: p.namespace().unwrap_or_default().to_string(),
                name: p.name().to_string(),
                reason: reason.into_owned(),
            });
        }
    }
    problems.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let problems_total = problems.len();
    problems.truncate(MAX_PROBLEMS);
    PodSummary {
        total: pods.len(),
        by_phase,
        problems,
        problems_total,
    }
}

fn namespace_summaries<'a, P: PodLike>(
    namespaces: impl IntoIterator<Item = &'a Namespace>,
    pods: &[&P],
) -> Vec<NamespaceSummary> {
    let mut pod_counts: HashMap<u64, usize> = HashMap::new();
    for p in pods {
        if p.namespace().is_some() {
            *pod_counts.entry(p.namespace_key()).or_default() += 1;
        }
    }
    let mut summaries: Vec<NamespaceSummary> = namespaces
        .into_iter()
        .map(|ns| {
            let name = ns.metadata.name.clone().unwrap_or_default();
            NamespaceSummary {
                pods: pod_counts.get(&namespace_key(&name)).copied().unwrap_or(0),
                phase: ns
                    .status
                    .as_ref()
                    .and_then(|s| s.phase.clone())
                    .unwrap_or_else(|| "Active".into()),
                name,
            }
        })
        .collect();
    summaries.sort_by(|a, b| a.name.cmp(&b.name));
    summaries
}

fn recent_warnings<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<WarningEvent> {
    let mut warnings: Vec<WarningEvent> = events
        .into_iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .map(|e| WarningEvent {
            namespace: e
                .involved_object
                .namespace
                .clone()
                .or_else(|| e.metadata.namespace.clone()),
            object: ObjectName {
                kind: e.involved_object.kind.clone().unwrap_or_default(),
                name: e.involved_object.name.clone().unwrap_or_default(),
            },
            reason: e.reason.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default(),
            count: e
                .series
                .as_ref()
                .and_then(|s| s.count)
                .or(e.count)
                .unwrap_or(1),
            last_seen: last_seen(e),
        })
        .collect();
    // Newest first; events without any timestamp go last.
    warnings.sort_by_key(|w| std::cmp::Reverse(w.last_seen));
    warnings.truncate(MAX_WARNINGS);
    warnings
}

/// When the event last happened: the newest of the times the various event writers fill in.
fn last_seen(event: &Event) -> Option<Timestamp> {
    [
        event
            .series
            .as_ref()
            .and_then(|s| s.last_observed_time.as_ref())
            .map(|t| t.0),
        event.last_timestamp.as_ref().map(|t| t.0),
        event.event_time.as_ref().map(|t| t.0),
        event.first_timestamp.as_ref().map(|t| t.0),
        event.metadata.creation_timestamp.as_ref().map(|t| t.0),
    ]
    .into_iter()
    .flatten()
    .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pod::tests::{container, pod, running, terminated, waiting};
    use k8s_openapi::api::core::v1::{NamespaceStatus, NodeCondition, NodeStatus, ObjectReference};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

    fn ts(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).expect("valid timestamp")
    }

    fn node(name: &str, ready: bool, roles: &[&str]) -> Node {
        Node {
            metadata: ObjectMeta {
                name: Some(name.into()),
                labels: Some(
                    roles
                        .iter()
                        .map(|r| (format!("node-role.kubernetes.io/{r}"), String::new()))
                        .collect(),
                ),
                ..Default::default()
            },
            status: Some(NodeStatus {
                conditions: Some(vec![NodeCondition {
                    type_: "Ready".into(),
                    status: if ready { "True" } else { "False" }.into(),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn namespace(name: &str) -> Namespace {
        Namespace {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..Default::default()
            },
            status: Some(NamespaceStatus {
                phase: Some("Active".into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn event(type_: &str, name: &str, reason: &str, last: Option<i64>) -> Event {
        Event {
            metadata: ObjectMeta {
                namespace: Some("shop".into()),
                name: Some(format!("{name}.1")),
                ..Default::default()
            },
            involved_object: ObjectReference {
                kind: Some("Pod".into()),
                name: Some(name.into()),
                namespace: Some("shop".into()),
                ..Default::default()
            },
            type_: Some(type_.into()),
            reason: Some(reason.into()),
            message: Some(format!("{reason} happened")),
            count: Some(3),
            last_timestamp: last.map(|s| Time(ts(s))),
            ..Default::default()
        }
    }

    #[test]
    fn nodes_are_counted_with_their_readiness_and_roles() {
        let nodes = [
            node("worker-b", false, &["worker"]),
            node("cp", true, &["control-plane"]),
            node("worker-a", true, &[]),
        ];
        let o = overview(&nodes, &[] as &[Pod], &[], &[], ts(0));
        assert_eq!((o.nodes.total, o.nodes.ready), (3, 2));
        let names: Vec<&str> = o.nodes.items.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            ["worker-b", "cp", "worker-a"],
            "the node that is not ready comes first, then the others by name"
        );
        assert_eq!(o.nodes.items[1].roles, ["control-plane"]);
        assert!(!o.nodes.items[0].ready);
    }

    #[test]
    fn a_large_cluster_lists_the_nodes_needing_attention_first_and_counts_them_all() {
        let mut nodes: Vec<Node> = (0..5_000)
            .map(|i| node(&format!("node-{i:04}"), i % 1_000 != 7, &["worker"]))
            .collect();
        nodes[4_999].spec = Some(k8s_openapi::api::core::v1::NodeSpec {
            unschedulable: Some(true),
            ..Default::default()
        });
        let o = overview(&nodes, &[] as &[Pod], &[], &[], ts(0));
        assert_eq!((o.nodes.total, o.nodes.ready), (5_000, 4_995));
        assert_eq!(o.nodes.unschedulable, 1);
        assert_eq!(o.nodes.items.len(), MAX_NODES);
        let names: Vec<&str> = o.nodes.items.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names[..7],
            [
                "node-0007",
                "node-1007",
                "node-2007",
                "node-3007",
                "node-4007",
                "node-4999",
                "node-0000"
            ]
        );
        assert_eq!(names[MAX_NODES - 1], "node-0044");
    }

    #[test]
    fn a_cordoned_node_is_counted_as_unschedulable_though_ready() {
        let mut cordoned = node("worker-a", true, &[]);
        cordoned.spec = Some(k8s_openapi::api::core::v1::NodeSpec {
            unschedulable: Some(true),
            ..Default::default()
        });
        let nodes = [cordoned, node("worker-b", true, &[])];
        let o = overview(&nodes, &[] as &[Pod], &[], &[], ts(0));
        assert_eq!((o.nodes.ready, o.nodes.unschedulable), (2, 1));
        assert!(!o.nodes.items[0].schedulable);
        assert!(o.nodes.items[1].schedulable);
    }

    #[test]
    fn pods_are_counted_by_phase_and_problems_carry_kubectls_reason() {
        let pods = [
            pod(
                "shop",
                "web",
                "Running",
                vec![container("c", running(), true)],
            ),
            pod(
                "shop",
                "api",
                "Running",
                vec![container("c", waiting("CrashLoopBackOff"), false)],
            ),
            pod(
                "batch",
                "job",
                "Succeeded",
                vec![container("c", terminated(Some("Completed"), 0), false)],
            ),
            pod(
                "batch",
                "broken",
                "Failed",
                vec![container("c", terminated(Some("Error"), 2), false)],
            ),
            pod("shop", "new", "Pending", vec![]),
            Pod::default(),
        ];
        let o = overview(&[], &pods, &[], &[], ts(0));
        assert_eq!(o.pods.total, 6);
        assert_eq!(
            o.pods.by_phase,
            PhaseCounts {
                running: 2,
                pending: 1,
                succeeded: 1,
                failed: 1,
                unknown: 1
            }
        );
        let problems: Vec<(&str, &str, &str)> = o
            .pods
            .problems
            .iter()
            .map(|p| (p.namespace.as_str(), p.name.as_str(), p.reason.as_str()))
            .collect();
        assert_eq!(
            problems,
            [
                ("", "", "Unknown"),
                ("batch", "broken", "Error"),
                ("shop", "api", "CrashLoopBackOff"),
                ("shop", "new", "Pending")
            ]
        );
        assert_eq!(o.pods.problems_total, 4);
    }

    #[test]
    fn problem_pods_are_capped_but_their_total_is_kept() {
        let pods: Vec<Pod> = (0..MAX_PROBLEMS + 5)
            .map(|i| pod("ns", &format!("p{i:04}"), "Pending", vec![]))
            .collect();
        let o = overview(&[], &pods, &[], &[], ts(0));
        assert_eq!(o.pods.problems.len(), MAX_PROBLEMS);
        assert_eq!(o.pods.problems_total, MAX_PROBLEMS + 5);
    }

    #[test]
    fn namespaces_list_their_pod_counts_including_empty_ones() {
        let pods = [
            pod("shop", "a", "Running", vec![]),
            pod("shop", "b", "Running", vec![]),
            pod("batch", "c", "Running", vec![]),
        ];
        let namespaces = [namespace("shop"), namespace("empty"), namespace("batch")];
        let o = overview(&[], &pods, &namespaces, &[], ts(0));
        let got: Vec<(&str, usize)> = o
            .namespaces
            .iter()
            .map(|n| (n.name.as_str(), n.pods))
            .collect();
        assert_eq!(got, [("batch", 1), ("empty", 0), ("shop", 2)]);
        assert_eq!(o.namespaces[0].phase, "Active");
    }

    #[test]
    fn only_warning_events_are_listed_newest_first() {
        let events = [
            event("Warning", "old", "BackOff", Some(10)),
            event("Normal", "fine", "Pulled", Some(50)),
            event("Warning", "new", "FailedScheduling", Some(40)),
            event("Warning", "undated", "Unhealthy", None),
        ];
        let o = overview(&[], &[] as &[Pod], &[], &events, ts(60));
        let got: Vec<&str> = o.warnings.iter().map(|w| w.object.name.as_str()).collect();
        assert_eq!(got, ["new", "old", "undated"]);
        assert_eq!(o.warnings[0].reason, "FailedScheduling");
        assert_eq!(o.warnings[0].count, 3);
        assert_eq!(o.warnings[0].last_seen, Some(ts(40)));
        assert_eq!(o.warnings[0].namespace.as_deref(), Some("shop"));
    }

    #[test]
    fn at_most_twenty_warnings_are_listed() {
        let events: Vec<Event> = (0..30)
            .map(|i| event("Warning", &format!("p{i}"), "BackOff", Some(i)))
            .collect();
        let o = overview(&[], &[] as &[Pod], &[], &events, ts(60));
        assert_eq!(o.warnings.len(), MAX_WARNINGS);
        assert_eq!(o.warnings[0].object.name, "p29", "the newest comes first");
    }

    #[test]
    fn the_overview_serialises_as_the_api_contract_says() {
        let o = overview(
            &[node("cp", true, &["control-plane"])],
            &[] as &[Pod],
            &[namespace("default")],
            &[],
            ts(0),
        );
        let json = serde_json::to_value(&o).expect("serialisable");
        assert_eq!(
            json["nodes"]["items"][0]["kubeletVersion"],
            serde_json::Value::Null
        );
        assert_eq!(json["pods"]["byPhase"]["Running"], 0);
        assert_eq!(json["pods"]["problemsTotal"], 0);
        assert_eq!(json["namespaces"][0]["pods"], 0);
        assert_eq!(json["generatedAt"], "2027-01-15T08:00:00Z");
    }
}
