//! The usage columns of lists: pods, workloads and nodes joined with the history's last scrape.

use wheelhouse_model::rows::{Row, UsageCell, UsageLookup, UsageResource};

use super::history::{Latest, Sample};
use super::view::Bounds;

/// Which objects a list shows, for looking up their usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageKind {
    Pods,
    /// `deployments`, `statefulsets`, `daemonsets` or `replicasets`.
    Workloads(&'static str),
    Nodes,
}

impl UsageKind {
    /// The kind of the list of `group/resource`, if it has usage columns.
    pub fn of(group: &str, resource: &str) -> Option<UsageKind> {
        match (group, resource) {
            ("", "pods") => Some(UsageKind::Pods),
            ("", "nodes") => Some(UsageKind::Nodes),
            ("apps", "deployments") => Some(UsageKind::Workloads("deployments")),
            ("apps", "statefulsets") => Some(UsageKind::Workloads("statefulsets")),
            ("apps", "daemonsets") => Some(UsageKind::Workloads("daemonsets")),
            ("apps", "replicasets") => Some(UsageKind::Workloads("replicasets")),
            _ => None,
        }
    }
}

/// Looks rows up in the totals of the history's last scrape (no lock on the history: a list
/// never waits for a scrape being recorded).
pub struct LatestUsage<'h> {
    pub latest: &'h Latest,
    pub kind: UsageKind,
}

fn cell(
    resource: UsageResource,
    usage: Sample,
    bounds: Bounds,
    allocatable: Option<Sample>,
) -> Option<UsageCell> {
    let (usage, requests, limits, allocatable) = match resource {
        UsageResource::Cpu => (
            usage.cpu,
            bounds.cpu_requests(),
            bounds.cpu_limits(),
            allocatable.map(|a| a.cpu),
        ),
        UsageResource::Memory => (
            usage.memory,
            bounds.memory_requests(),
            bounds.memory_limits(),
            allocatable.map(|a| a.memory),
        ),
    };
    (!usage.is_nan()).then(|| UsageCell::new(usage, requests, limits, allocatable))
}

impl UsageLookup for LatestUsage<'_> {
    fn usage(&self, row: &Row, resource: UsageResource) -> Option<UsageCell> {
        let namespace = row.namespace.as_deref().unwrap_or_default();
        match self.kind {
            UsageKind::Pods => {
                let total = self.latest.pod(row.key)?;
                cell(resource, total.usage?, total.bounds, None)
            }
            UsageKind::Workloads(workloads) => {
                let total = self.latest.workload(workloads, namespace, &row.name)?;
                cell(resource, total.usage?, total.bounds, None)
            }
            UsageKind::Nodes => {
                let usage = self.latest.node(&row.name)?;
                let (pods, allocatable) = self.latest.node_bounds(&row.name);
                // A node's percentage is of what it can allocate; its pods' requests and
                // limits are shown beside it.
                let bounds = pods.map(|p| p.bounds).unwrap_or_default();
                let mut cell = cell(resource, usage, Bounds::default(), allocatable)?;
                let (requests, limits) = match resource {
                    UsageResource::Cpu => (bounds.cpu_requests(), bounds.cpu_limits()),
                    UsageResource::Memory => (bounds.memory_requests(), bounds.memory_limits()),
                };
                cell.requests = requests;
                cell.limits = limits;
                Some(cell)
            }
        }
    }
}
