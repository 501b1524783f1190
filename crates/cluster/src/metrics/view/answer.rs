//! The shapes of a target's metrics, as the API sends them.

use jiff::Timestamp;
use serde::Serialize;
use ts_rs::TS;

use crate::metrics::{SourceKind, SourceStatus};

/// What the metrics are asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Cluster,
    Node(String),
    /// One namespace or several, summed (their names sorted, without repeats).
    Namespaces(Vec<String>),
    Pod {
        namespace: String,
        name: String,
    },
    /// `resource` is one of [`WORKLOAD_RESOURCES`].
    Workload {
        resource: String,
        namespace: String,
        name: String,
    },
}

/// The workload resources metrics aggregate over, with their kinds.
pub const WORKLOAD_RESOURCES: [(&str, &str); 5] = [
    ("deployments", "Deployment"),
    ("statefulsets", "StatefulSet"),
    ("daemonsets", "DaemonSet"),
    ("replicasets", "ReplicaSet"),
    ("jobs", "Job"),
];

/// The target named in the answer.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TargetName {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
}

/// Usage of one resource (CPU in cores, memory in bytes) against what bounds it; `None` is
/// "not set or unknown", never zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Amounts {
    pub usage: Option<f64>,
    pub requests: Option<f64>,
    pub limits: Option<f64>,
    pub allocatable: Option<f64>,
    pub capacity: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Current {
    pub cpu: Amounts,
    pub memory: Amounts,
    /// The scrape the usage is from.
    pub timestamp: Timestamp,
}

/// Usage over a range; timestamps in unix seconds, `None` where there is no sample.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SeriesView {
    pub source: SourceKind,
    pub resolution_seconds: f64,
    pub start: f64,
    pub end: f64,
    pub timestamps: Vec<f64>,
    pub cpu: Vec<Option<f64>>,
    pub memory: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ContainerView {
    pub name: String,
    pub current: Option<Current>,
    pub series: Option<SeriesView>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TopPod {
    pub namespace: String,
    pub name: String,
    pub cpu: f64,
    pub memory: f64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TopNode {
    pub name: String,
    pub cpu: f64,
    pub memory: f64,
    pub cpu_percent: Option<f64>,
    pub memory_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Top {
    pub pods: Vec<TopPod>,
    pub nodes: Vec<TopNode>,
}

/// The answer for one target.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TargetMetrics {
    pub target: TargetName,
    pub state: SourceStatus,
    pub current: Option<Current>,
    pub series: Option<SeriesView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub containers: Option<Vec<ContainerView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub top: Option<Top>,
}

/// How many pods and nodes `top` lists.
pub const TOP: usize = 10;
