//! One evaluation of one rule against a [`Snapshot`]: which targets its condition holds for now,
//! with the value it saw. Pure: the alerter and the console's preview ("would fire now for …")
//! both call it.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use wheelhouse_model::cron::Schedule;
use wheelhouse_model::selector::Selector;

use crate::crd::{
    AlertRuleSpec, Condition, CronMissedCondition, TargetKind, UsageBase, UsageCondition,
    UsageResource, positive,
};
use crate::snapshot::{CRASH_LOOP, Labels, PodFacts, Snapshot, Usage};

/// How long a container seen in CrashLoopBackOff still counts as crash-looping while it runs
/// between back-offs: the kubelet's longest back-off, so a loop does not resolve and fire again
/// with every restart (like kube-prometheus's `max_over_time(…[5m])`).
pub const CRASH_LOOP_MEMORY: Duration = Duration::from_secs(5 * 60);

/// Where a rule lives: a rule in the alerter's own namespace is cluster-wide.
#[derive(Debug, Clone)]
pub struct Scope {
    pub rule_namespace: String,
    pub cluster_wide: bool,
}

/// A target the condition holds for.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// How the rule's status names it: `namespace/name`, `namespace/pod/container`, a node's name.
    pub target: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The value as shown to a person.
    pub value: String,
    /// Since when the condition has held, when the object says (a Ready condition's transition).
    pub since: Option<Timestamp>,
    /// Labels that name the target in a notification (namespace, pod, container, node, …).
    pub labels: Labels,
}

/// What one evaluation found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// How many targets were looked at.
    pub targets: u32,
    /// The targets it holds for, the first [`MAX_HOLDS`] in the targets' order (a rule's status
    /// keeps no more alerts than that).
    pub holds: Vec<Observation>,
}

/// At most this many targets of one rule are judged in full and kept; the rest are counted.
pub const MAX_HOLDS: usize = crate::state::MAX_ALERTS;

impl Evaluation {
    fn full(&self) -> bool {
        self.holds.len() >= MAX_HOLDS
    }
}

/// A PromQL answer: each series' labels and value.
pub type Series = Vec<(Labels, f64)>;

/// Why a rule could not be evaluated; shown in its status and the console.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("the target's label selector is not valid: {0}")]
    Selector(String),
    #[error(
        "a rule in namespace {rule} may only watch namespace {rule}; rules that watch other namespaces or nodes belong in the alerter's namespace"
    )]
    OutOfScope { rule: String },
    #[error("{0}")]
    Invalid(String),
    #[error("usage needs metrics.k8s.io (metrics-server), which did not answer: {0}")]
    MetricsUnavailable(String),
    #[error("this condition needs Prometheus: start the alerter with --prometheus-url")]
    NoPrometheus,
    #[error("Prometheus did not answer the query: {0}")]
    Prometheus(String),
}

/// Evaluates `spec` as a rule in `scope`. `series` is the answer of the rule's PromQL query
/// (`promql`, `pvcUsage`), asked for beforehand by the caller.
pub fn evaluate(
    spec: &AlertRuleSpec,
    scope: &Scope,
    snapshot: &Snapshot,
    now: Timestamp,
    series: Option<&Result<Series, String>>,
) -> Result<Evaluation, EvalError> {
    let filter = Filter::of(spec, scope)?;
    let node_condition = matches!(
        spec.condition,
        Condition::NodeNotReady {} | Condition::NodePressure(_)
    ) || spec.target.kind == Some(TargetKind::Node);
    if node_condition && !scope.cluster_wide {
        return Err(EvalError::OutOfScope {
            rule: scope.rule_namespace.clone(),
        });
    }
    let mut found = Evaluation::default();
    match &spec.condition {
        Condition::CrashLooping {} => {
            let recent = now
                .checked_sub(jiff::SignedDuration::try_from(CRASH_LOOP_MEMORY).unwrap_or_default())
                .unwrap_or(now);
            for ((namespace, name), pod) in filter.pods(snapshot) {
                found.targets += 1;
                if found.full() {
                    continue;
                }
                let looping: Vec<String> = pod
                    .containers
                    .iter()
                    .filter(|c| {
                        c.waiting.as_deref() == Some(CRASH_LOOP)
                            || c.crash_loop_seen.is_some_and(|seen| seen >= recent)
                    })
                    .map(|c| {
                        let exit = c
                            .last_exit
                            .as_ref()
                            .map_or(String::new(), |(reason, code)| {
                                format!(", last exit {code} {reason}")
                            });
                        format!("{} ({} restarts{exit})", c.name, c.restarts)
                    })
                    .collect();
                if !looping.is_empty() {
                    found.holds.push(pod_observation(
                        namespace,
                        name,
                        pod,
                        format!("CrashLoopBackOff: {}", looping.join("; ")),
                        None,
                    ));
                }
            }
        }
        Condition::NotReady {} => {
            for ((namespace, name), pod) in filter.pods(snapshot) {
                if pod.deleting || matches!(pod.phase.as_str(), "Succeeded" | "Failed") {
                    continue;
                }
                found.targets += 1;
                if found.full() {
                    continue;
                }
                if !pod.ready {
                    found.holds.push(pod_observation(
                        namespace,
                        name,
                        pod,
                        format!("not ready ({})", pod.phase),
                        pod.ready_since,
                    ));
                }
            }
        }
        Condition::Restarts(restarts) => {
            let window = positive(restarts.window).unwrap_or(Duration::from_secs(15 * 60));
            let from = now
                .checked_sub(jiff::SignedDuration::try_from(window).unwrap_or_default())
                .unwrap_or(now);
            let per_container = spec.target.kind == Some(TargetKind::Container);
            for ((namespace, name), pod) in filter.pods(snapshot) {
                let seen = snapshot.restarts.get(&(namespace.clone(), name.clone()));
                let count = |container: &str| {
                    seen.into_iter()
                        .flatten()
                        .filter(|(c, at)| c == container && *at >= from)
                        .count() as u32
                };
                let label = format_window(window);
                if per_container {
                    for container in &pod.containers {
                        found.targets += 1;
                        if found.full() {
                            continue;
                        }
                        let n = count(&container.name);
                        if n >= restarts.count {
                            let mut observation = pod_observation(
                                namespace,
                                name,
                                pod,
                                format!("{n} restarts in {label}"),
                                None,
                            );
                            observation.target.push('/');
                            observation.target.push_str(&container.name);
                            observation.kind = "Container".into();
                            observation
                                .labels
                                .insert("container".into(), container.name.clone());
                            found.holds.push(observation);
                        }
                    }
                } else {
                    found.targets += 1;
                    if found.full() {
                        continue;
                    }
                    let n: u32 = pod.containers.iter().map(|c| count(&c.name)).sum();
                    if n >= restarts.count {
                        found.holds.push(pod_observation(
                            namespace,
                            name,
                            pod,
                            format!("{n} restarts in {label}"),
                            None,
                        ));
                    }
                }
            }
        }
        Condition::UnavailableReplicas(unavailable) => {
            let at_least = unavailable.at_least.unwrap_or(1).max(1);
            for ((kind, namespace, name), workload) in &snapshot.workloads {
                if !filter.namespace_matches(namespace) || !filter.labels_match(&workload.labels) {
                    continue;
                }
                if spec.target.kind.is_some_and(|k| k.as_str() != kind) {
                    continue;
                }
                found.targets += 1;
                if found.full() {
                    continue;
                }
                let missing = workload.desired - workload.available;
                if workload.desired > 0 && missing >= at_least as i32 {
                    found.holds.push(Observation {
                        target: format!("{namespace}/{name}"),
                        kind: kind.clone(),
                        namespace: Some(namespace.clone()),
                        name: name.clone(),
                        value: format!("{missing} of {} replicas unavailable", workload.desired),
                        since: None,
                        labels: labels([
                            ("namespace", namespace.as_str()),
                            (&kind.to_lowercase(), name.as_str()),
                        ]),
                    });
                }
            }
        }
        Condition::NodeNotReady {} => {
            for (name, node) in filter.nodes(snapshot) {
                found.targets += 1;
                if found.full() {
                    continue;
                }
                let (status, since) = node
                    .conditions
                    .get("Ready")
                    .cloned()
                    .unwrap_or(("Unknown".into(), None));
                if status != "True" {
                    found
                        .holds
                        .push(node_observation(name, format!("Ready is {status}"), since));
                }
            }
        }
        Condition::NodePressure(pressure) => {
            let types: Vec<&str> = if pressure.types.is_empty() {
                vec!["MemoryPressure", "DiskPressure", "PIDPressure"]
            } else {
                pressure.types.iter().map(String::as_str).collect()
            };
            for (name, node) in filter.nodes(snapshot) {
                found.targets += 1;
                if found.full() {
                    continue;
                }
                let under: Vec<&str> = types
                    .iter()
                    .copied()
                    .filter(|t| node.conditions.get(*t).is_some_and(|(s, _)| s == "True"))
                    .collect();
                if !under.is_empty() {
                    let since = under
                        .iter()
                        .filter_map(|t| node.conditions.get(*t).and_then(|(_, since)| *since))
                        .min();
                    found
                        .holds
                        .push(node_observation(name, under.join(", "), since));
                }
            }
        }
        Condition::JobFailed {} => {
            for ((namespace, name), job) in &snapshot.jobs {
                if !filter.namespace_matches(namespace) || !filter.labels_match(&job.labels) {
                    continue;
                }
                found.targets += 1;
                if found.full() {
                    continue;
                }
                if let Some((reason, message)) = &job.failed {
                    found.holds.push(Observation {
                        target: format!("{namespace}/{name}"),
                        kind: "Job".into(),
                        namespace: Some(namespace.clone()),
                        name: name.clone(),
                        value: if message.is_empty() {
                            reason.clone()
                        } else {
                            format!("{reason}: {message}")
                        },
                        since: None,
                        labels: labels([("namespace", namespace.as_str()), ("job", name)]),
                    });
                }
            }
        }
        Condition::CronJobMissed(missed) => {
            for ((namespace, name), cronjob) in &snapshot.cronjobs {
                if !filter.namespace_matches(namespace) || !filter.labels_match(&cronjob.labels) {
                    continue;
                }
                found.targets += 1;
                if found.full() {
                    continue;
                }
                if cronjob.suspended {
                    continue;
                }
                if let Some(value) = missed_run(missed, cronjob, now) {
                    found.holds.push(Observation {
                        target: format!("{namespace}/{name}"),
                        kind: "CronJob".into(),
                        namespace: Some(namespace.clone()),
                        name: name.clone(),
                        value,
                        since: None,
                        labels: labels([("namespace", namespace.as_str()), ("cronjob", name)]),
                    });
                }
            }
        }
        Condition::CertificateExpiring(expiring) => {
            let within = positive(expiring.within).unwrap_or(Duration::from_secs(14 * 86_400));
            for ((namespace, name), certificate) in &snapshot.certificates {
                if !filter.namespace_matches(namespace) || !filter.labels_match(&certificate.labels)
                {
                    continue;
                }
                found.targets += 1;
                if found.full() {
                    continue;
                }
                let Ok(not_after) = certificate.not_after else {
                    continue;
                };
                let left = not_after.as_second() - now.as_second();
                if left < within.as_secs() as i64 {
                    let value = if left <= 0 {
                        format!("expired {}", not_after.strftime("%Y-%m-%d %H:%M UTC"))
                    } else {
                        format!(
                            "expires {} (in {})",
                            not_after.strftime("%Y-%m-%d %H:%M UTC"),
                            format_window(Duration::from_secs(left.unsigned_abs()))
                        )
                    };
                    found.holds.push(Observation {
                        target: format!("{namespace}/{name}"),
                        kind: "Secret".into(),
                        namespace: Some(namespace.clone()),
                        name: name.clone(),
                        value,
                        since: None,
                        labels: labels([("namespace", namespace.as_str()), ("secret", name)]),
                    });
                }
            }
        }
        Condition::Usage(usage) => {
            let metrics = snapshot
                .usage
                .as_ref()
                .ok_or_else(|| EvalError::MetricsUnavailable("no answer yet".into()))?;
            usage_holds(usage, spec, &filter, snapshot, metrics, &mut found)?;
        }
        Condition::PvcUsage(pvc) => {
            let series = prometheus_answer(series)?;
            for (series_labels, value) in series {
                let namespace = series_labels.get("namespace").cloned().unwrap_or_default();
                let claim = series_labels
                    .get("persistentvolumeclaim")
                    .cloned()
                    .unwrap_or_default();
                if !filter.namespace_matches(&namespace) {
                    continue;
                }
                found.targets += 1;
                if found.full() {
                    continue;
                }
                if *value > pvc.above_percent {
                    found.holds.push(Observation {
                        target: format!("{namespace}/{claim}"),
                        kind: "PersistentVolumeClaim".into(),
                        namespace: Some(namespace.clone()),
                        name: claim.clone(),
                        value: format!("{value:.0}% used"),
                        since: None,
                        labels: labels([
                            ("namespace", namespace.as_str()),
                            ("persistentvolumeclaim", claim.as_str()),
                        ]),
                    });
                }
            }
        }
        Condition::Promql(_) => {
            let series = prometheus_answer(series)?;
            for (series_labels, value) in series {
                if let Some(namespace) = series_labels.get("namespace")
                    && !filter.namespace_matches(namespace)
                {
                    continue;
                }
                found.targets += 1;
                if found.full() {
                    continue;
                }
                let target = if series_labels.is_empty() {
                    "{}".to_string()
                } else {
                    let pairs: Vec<String> = series_labels
                        .iter()
                        .filter(|(k, _)| k.as_str() != "__name__")
                        .map(|(k, v)| format!("{k}={v:?}"))
                        .collect();
                    format!("{{{}}}", pairs.join(", "))
                };
                found.holds.push(Observation {
                    target,
                    kind: "Series".into(),
                    namespace: series_labels.get("namespace").cloned(),
                    name: series_labels
                        .get("__name__")
                        .cloned()
                        .unwrap_or_else(|| "series".into()),
                    value: format_number(*value),
                    since: None,
                    labels: series_labels
                        .iter()
                        .filter(|(k, _)| k.as_str() != "__name__")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                });
            }
        }
    }
    Ok(found)
}

/// The query a rule asks Prometheus, when its condition needs one.
pub fn promql_of(spec: &AlertRuleSpec) -> Option<String> {
    match &spec.condition {
        Condition::Promql(promql) => Some(promql.expr.clone()),
        Condition::PvcUsage(_) => Some(
            "100 * kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes".into(),
        ),
        _ => None,
    }
}

fn prometheus_answer(series: Option<&Result<Series, String>>) -> Result<&Series, EvalError> {
    match series {
        None => Err(EvalError::NoPrometheus),
        Some(Err(error)) => Err(EvalError::Prometheus(error.clone())),
        Some(Ok(series)) => Ok(series),
    }
}

/// Which objects a rule's target names.
struct Filter {
    namespace: Option<String>,
    selector: Option<Selector>,
}

impl Filter {
    fn of(spec: &AlertRuleSpec, scope: &Scope) -> Result<Self, EvalError> {
        let namespace = match (&spec.target.namespace, scope.cluster_wide) {
            (Some(namespace), true) => Some(namespace.clone()),
            (None, true) => None,
            (Some(namespace), false) if *namespace != scope.rule_namespace => {
                return Err(EvalError::OutOfScope {
                    rule: scope.rule_namespace.clone(),
                });
            }
            (_, false) => Some(scope.rule_namespace.clone()),
        };
        let selector = match spec.target.selector.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                Some(Selector::parse(text).map_err(|e| EvalError::Selector(e.to_string()))?)
            }
        };
        Ok(Self {
            namespace,
            selector,
        })
    }

    fn namespace_matches(&self, namespace: &str) -> bool {
        self.namespace.as_deref().is_none_or(|n| n == namespace)
    }

    fn labels_match(&self, labels: &Labels) -> bool {
        self.selector.as_ref().is_none_or(|s| s.matches(labels))
    }

    fn pods<'a>(
        &'a self,
        snapshot: &'a Snapshot,
    ) -> impl Iterator<Item = (&'a (String, String), &'a PodFacts)> + 'a {
        let range: Box<dyn Iterator<Item = _>> = match &self.namespace {
            Some(namespace) => Box::new(
                snapshot
                    .pods
                    .range((namespace.clone(), String::new())..)
                    .take_while(move |((n, _), _)| n == namespace),
            ),
            None => Box::new(snapshot.pods.iter()),
        };
        range.filter(|(_, pod)| self.labels_match(&pod.labels))
    }

    fn nodes<'a>(
        &'a self,
        snapshot: &'a Snapshot,
    ) -> impl Iterator<Item = (&'a String, &'a crate::snapshot::NodeFacts)> + 'a {
        snapshot
            .nodes
            .iter()
            .filter(|(_, node)| self.labels_match(&node.labels))
    }
}

fn labels<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Labels {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn pod_observation(
    namespace: &str,
    name: &str,
    pod: &PodFacts,
    value: String,
    since: Option<Timestamp>,
) -> Observation {
    let mut names = labels([("namespace", namespace), ("pod", name)]);
    if let Some(node) = &pod.node {
        names.insert("node".into(), node.clone());
    }
    Observation {
        target: format!("{namespace}/{name}"),
        kind: "Pod".into(),
        namespace: Some(namespace.to_string()),
        name: name.to_string(),
        value,
        since,
        labels: names,
    }
}

fn node_observation(name: &str, value: String, since: Option<Timestamp>) -> Observation {
    Observation {
        target: name.to_string(),
        kind: "Node".into(),
        namespace: None,
        name: name.to_string(),
        value,
        since,
        labels: labels([("node", name)]),
    }
}

/// A CronJob's missed run: the latest scheduled time more than `grace` ago that it has not
/// started, said as a person reads it.
fn missed_run(
    missed: &CronMissedCondition,
    cronjob: &crate::snapshot::CronJobFacts,
    now: Timestamp,
) -> Option<String> {
    let schedule: Schedule = cronjob.schedule.parse().ok()?;
    let grace = positive(missed.grace).unwrap_or(Duration::from_secs(300));
    let due_by = now
        .checked_sub(jiff::SignedDuration::try_from(grace).ok()?)
        .ok()?;
    let since = cronjob.last_schedule.or(cronjob.created)?;
    let expected = schedule.last_between(since, due_by)?;
    let last = cronjob.last_schedule.map_or_else(
        || "never ran".to_string(),
        |t| format!("last ran {}", t.strftime("%Y-%m-%d %H:%M UTC")),
    );
    Some(format!(
        "missed the run due {} ({last})",
        expected.strftime("%Y-%m-%d %H:%M UTC")
    ))
}

/// Reads a threshold: a percentage (`90`, `90%`) or, for `absolute`, a quantity.
fn threshold(usage: &UsageCondition) -> Result<f64, EvalError> {
    let text = usage.above.trim();
    let parsed = if usage.of == UsageBase::Absolute {
        wheelhouse_model::quantity::parse(text)
    } else {
        text.trim_end_matches('%').trim().parse::<f64>().ok()
    };
    parsed.filter(|v| v.is_finite() && *v >= 0.0).ok_or_else(|| {
        EvalError::Invalid(if usage.of == UsageBase::Absolute {
            format!(
                "usage.above {text:?} is not an amount (CPU in cores such as 500m, memory such as 1Gi)"
            )
        } else {
            format!("usage.above {text:?} is not a percentage such as 90")
        })
    })
}

fn usage_holds(
    usage: &UsageCondition,
    spec: &AlertRuleSpec,
    filter: &Filter,
    snapshot: &Snapshot,
    metrics: &Usage,
    found: &mut Evaluation,
) -> Result<(), EvalError> {
    let above = threshold(usage)?;
    let kind = spec.target.kind.unwrap_or(TargetKind::Pod);
    let pick = |cpu: f64, memory: f64| match usage.resource {
        UsageResource::Cpu => cpu,
        UsageResource::Memory => memory,
    };
    // (used, base) → Some(shown value) when above the threshold.
    let judge = |used: f64, base: Option<f64>| -> Option<String> {
        match usage.of {
            UsageBase::Absolute => (used > above).then(|| format_amount(usage.resource, used)),
            _ => {
                let base = base.filter(|b| *b > 0.0)?;
                let percent = used / base * 100.0;
                (percent > above).then(|| {
                    format!(
                        "{percent:.0}% of its {} ({} of {})",
                        base_name(usage.of),
                        format_amount(usage.resource, used),
                        format_amount(usage.resource, base)
                    )
                })
            }
        }
    };
    let container_base = |c: &crate::snapshot::ContainerFacts| match (usage.resource, usage.of) {
        (UsageResource::Cpu, UsageBase::Request) => c.cpu_request,
        (UsageResource::Cpu, UsageBase::Limit) => c.cpu_limit,
        (UsageResource::Memory, UsageBase::Request) => c.memory_request,
        (UsageResource::Memory, UsageBase::Limit) => c.memory_limit,
        _ => None,
    };
    let node_allocatable = |node: &str| {
        snapshot.nodes.get(node).and_then(|n| match usage.resource {
            UsageResource::Cpu => n.cpu_allocatable,
            UsageResource::Memory => n.memory_allocatable,
        })
    };
    // A pod's usage and base: its containers summed; no base when one container has none.
    let pod_amounts = |key: &(String, String), pod: &PodFacts| -> Option<(f64, Option<f64>)> {
        let used: f64 = metrics
            .pods
            .get(key)?
            .iter()
            .map(|(_, cpu, memory)| pick(*cpu, *memory))
            .sum();
        let base = match usage.of {
            UsageBase::Allocatable => pod.node.as_deref().and_then(node_allocatable),
            UsageBase::Absolute => None,
            _ => pod
                .containers
                .iter()
                .map(container_base)
                .sum::<Option<f64>>(),
        };
        Some((used, base))
    };
    match kind {
        TargetKind::Node => {
            if matches!(usage.of, UsageBase::Request | UsageBase::Limit) {
                return Err(EvalError::Invalid(
                    "a node's usage is measured against its allocatable or an absolute amount"
                        .into(),
                ));
            }
            for (name, _) in filter.nodes(snapshot) {
                let Some((cpu, memory)) = metrics.nodes.get(name) else {
                    continue;
                };
                found.targets += 1;
                if found.full() {
                    continue;
                }
                if let Some(value) = judge(pick(*cpu, *memory), node_allocatable(name)) {
                    found.holds.push(node_observation(name, value, None));
                }
            }
        }
        TargetKind::Pod => {
            for (key, pod) in filter.pods(snapshot) {
                let Some((used, base)) = pod_amounts(key, pod) else {
                    continue;
                };
                found.targets += 1;
                if found.full() {
                    continue;
                }
                if let Some(value) = judge(used, base) {
                    found
                        .holds
                        .push(pod_observation(&key.0, &key.1, pod, value, None));
                }
            }
        }
        TargetKind::Container => {
            for (key, pod) in filter.pods(snapshot) {
                let Some(used) = metrics.pods.get(key) else {
                    continue;
                };
                for container in &pod.containers {
                    let Some((_, cpu, memory)) = used.iter().find(|(n, _, _)| *n == container.name)
                    else {
                        continue;
                    };
                    found.targets += 1;
                    if found.full() {
                        continue;
                    }
                    let base = match usage.of {
                        UsageBase::Allocatable => pod.node.as_deref().and_then(node_allocatable),
                        _ => container_base(container),
                    };
                    if let Some(value) = judge(pick(*cpu, *memory), base) {
                        let mut observation = pod_observation(&key.0, &key.1, pod, value, None);
                        observation.target = format!("{}/{}/{}", key.0, key.1, container.name);
                        observation.kind = "Container".into();
                        observation
                            .labels
                            .insert("container".into(), container.name.clone());
                        found.holds.push(observation);
                    }
                }
            }
        }
        TargetKind::Deployment | TargetKind::StatefulSet | TargetKind::DaemonSet => {
            if usage.of == UsageBase::Allocatable {
                return Err(EvalError::Invalid(
                    "a workload's usage is measured against its requests, limits or an absolute amount"
                        .into(),
                ));
            }
            for ((workload_kind, namespace, name), workload) in &snapshot.workloads {
                if workload_kind != kind.as_str()
                    || !filter.namespace_matches(namespace)
                    || !filter.labels_match(&workload.labels)
                {
                    continue;
                }
                let Some(selector) = &workload.selector else {
                    continue;
                };
                let mut used = 0.0;
                let mut base = Some(0.0);
                let mut any = false;
                let pods = snapshot
                    .pods
                    .range((namespace.clone(), String::new())..)
                    .take_while(|((n, _), _)| n == namespace)
                    .filter(|(_, pod)| selector.matches(&pod.labels));
                for (key, pod) in pods {
                    if let Some((pod_used, pod_base)) = pod_amounts(key, pod) {
                        any = true;
                        used += pod_used;
                        base = base.zip(pod_base).map(|(a, b)| a + b);
                    }
                }
                if !any {
                    continue;
                }
                found.targets += 1;
                if found.full() {
                    continue;
                }
                if let Some(value) = judge(used, base) {
                    found.holds.push(Observation {
                        target: format!("{namespace}/{name}"),
                        kind: workload_kind.clone(),
                        namespace: Some(namespace.clone()),
                        name: name.clone(),
                        value,
                        since: None,
                        labels: labels([
                            ("namespace", namespace.as_str()),
                            (&workload_kind.to_lowercase(), name.as_str()),
                        ]),
                    });
                }
            }
        }
    }
    Ok(())
}

fn base_name(base: UsageBase) -> &'static str {
    match base {
        UsageBase::Request => "request",
        UsageBase::Limit => "limit",
        UsageBase::Allocatable => "node's allocatable",
        UsageBase::Absolute => "amount",
    }
}

/// CPU in cores or millicores, memory in binary units.
pub fn format_amount(resource: UsageResource, value: f64) -> String {
    match resource {
        UsageResource::Cpu if value < 1.0 => format!("{:.0}m", value * 1000.0),
        UsageResource::Cpu => format!("{value:.2} cores"),
        UsageResource::Memory => {
            let units = ["B", "KiB", "MiB", "GiB", "TiB"];
            let mut v = value;
            let mut unit = 0;
            while v >= 1024.0 && unit + 1 < units.len() {
                v /= 1024.0;
                unit += 1;
            }
            if unit == 0 {
                format!("{v:.0} B")
            } else {
                format!("{v:.1} {}", units[unit])
            }
        }
    }
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value:.3}")
    }
}

/// A duration in its largest whole units: `15m`, `2h30m`, `13d`.
pub fn format_window(window: Duration) -> String {
    let s = window.as_secs();
    if s >= 86_400 && s.is_multiple_of(3600) {
        let days = s / 86_400;
        let hours = (s % 86_400) / 3600;
        return if hours == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{hours}h")
        };
    }
    if s >= 86_400 {
        return format!("{}d", s / 86_400);
    }
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut text = String::new();
    if h > 0 {
        text.push_str(&format!("{h}h"));
    }
    if m > 0 {
        text.push_str(&format!("{m}m"));
    }
    if sec > 0 || text.is_empty() {
        text.push_str(&format!("{sec}s"));
    }
    text
}

/// Fills `{{ target }}`, `{{ namespace }}`, `{{ name }}`, `{{ value }}`, `{{ rule }}` and
/// `{{ threshold }}` into an annotation (Prometheus's `{{ $value }}` and `{{ $labels.x }}` are read
/// too, for rules moved from PrometheusRules). Unknown names are left as written.
pub fn fill(template: &str, rule: &str, threshold: &str, observation: &Observation) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = after[..close].trim();
        let value = match name {
            "target" => Some(observation.target.clone()),
            "namespace" => Some(observation.namespace.clone().unwrap_or_default()),
            "name" => Some(observation.name.clone()),
            "value" | "$value" => Some(observation.value.clone()),
            "rule" => Some(rule.to_string()),
            "threshold" => Some(threshold.to_string()),
            other => other
                .strip_prefix("$labels.")
                .map(|label| observation.labels.get(label).cloned().unwrap_or_default()),
        };
        match value {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// The threshold a rule's condition names, as its annotations show it.
pub fn threshold_text(condition: &Condition) -> String {
    match condition {
        Condition::Usage(usage) if usage.of == UsageBase::Absolute => usage.above.clone(),
        Condition::Usage(usage) => format!("{}%", usage.above.trim_end_matches('%')),
        Condition::Restarts(restarts) => restarts.count.to_string(),
        Condition::UnavailableReplicas(u) => u.at_least.unwrap_or(1).to_string(),
        Condition::PvcUsage(pvc) => format!("{}%", pvc.above_percent),
        Condition::CertificateExpiring(c) => {
            format_window(positive(c.within).unwrap_or(Duration::from_secs(14 * 86_400)))
        }
        _ => String::new(),
    }
}

/// Per target, the annotations of a rule filled in.
pub fn annotations(
    spec: &AlertRuleSpec,
    rule: &str,
    observation: &Observation,
) -> BTreeMap<String, String> {
    let threshold = threshold_text(&spec.condition);
    let mut filled: BTreeMap<String, String> = spec
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), fill(v, rule, &threshold, observation)))
        .collect();
    filled
        .entry("summary".into())
        .or_insert_with(|| format!("{rule}: {} {}", observation.target, observation.value));
    filled
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::batch::v1::{CronJob, Job};
    use k8s_openapi::api::core::v1::{Pod, Secret};
    use serde_json::json;

    use super::*;
    use crate::snapshot::WorkloadFacts;

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a time")
    }

    fn rule(value: serde_json::Value) -> AlertRuleSpec {
        serde_json::from_value(value).expect("a rule")
    }

    fn team(namespace: &str) -> Scope {
        Scope {
            rule_namespace: namespace.into(),
            cluster_wide: false,
        }
    }

    fn pod(namespace: &str, name: &str, app: &str, ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": namespace, "labels": {"app": app}},
            "spec": {"containers": [{"name": "main"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" },
                "lastTransitionTime": "2026-12-07T10:00:00Z"}],
                "containerStatuses": [{"name": "main", "ready": ready, "restartCount": 0, "image": "i", "imageID": ""}]}
        }))
        .expect("a pod")
    }

    fn names(evaluation: &Evaluation) -> Vec<&str> {
        evaluation.holds.iter().map(|o| o.target.as_str()).collect()
    }

    #[test]
    fn a_team_rule_sees_its_namespace_and_its_selector_only() {
        let mut snapshot = Snapshot::default();
        let now = at("2026-12-07T10:05:00Z");
        snapshot.put_pod(&pod("shop", "web-1", "web", false), now);
        snapshot.put_pod(&pod("shop", "db-1", "db", false), now);
        snapshot.put_pod(&pod("bank", "web-1", "web", false), now);
        let spec = rule(json!({"target": {"selector": "app=web"}, "condition": {"notReady": {}}}));
        let found = evaluate(&spec, &team("shop"), &snapshot, now, None).expect("evaluates");
        assert_eq!(names(&found), ["shop/web-1"]);
        assert_eq!(found.targets, 1);
        assert_eq!(found.holds[0].since, Some(at("2026-12-07T10:00:00Z")));
        let elsewhere =
            rule(json!({"target": {"namespace": "bank"}, "condition": {"notReady": {}}}));
        assert!(matches!(
            evaluate(&elsewhere, &team("shop"), &snapshot, now, None),
            Err(EvalError::OutOfScope { .. })
        ));
        let bad =
            rule(json!({"target": {"selector": "app in (web"}, "condition": {"notReady": {}}}));
        assert!(matches!(
            evaluate(&bad, &team("shop"), &snapshot, now, None),
            Err(EvalError::Selector(_))
        ));
        let everywhere = Scope {
            rule_namespace: "wheelhouse".into(),
            cluster_wide: true,
        };
        let all = rule(json!({"condition": {"notReady": {}}}));
        let found = evaluate(&all, &everywhere, &snapshot, now, None).expect("evaluates");
        assert_eq!(found.holds.len(), 3);
    }

    #[test]
    fn restarts_count_within_the_window() {
        let mut snapshot = Snapshot::default();
        let mut restarting = pod("shop", "web-1", "web", true);
        snapshot.put_pod(&restarting, at("2026-12-07T10:00:00Z"));
        let statuses = restarting
            .status
            .as_mut()
            .and_then(|s| s.container_statuses.as_mut())
            .expect("statuses");
        statuses[0].restart_count = 3;
        snapshot.put_pod(&restarting, at("2026-12-07T10:10:00Z"));
        let spec = rule(json!({"condition": {"restarts": {"count": 3, "window": "15m"}}}));
        let within = evaluate(
            &spec,
            &team("shop"),
            &snapshot,
            at("2026-12-07T10:20:00Z"),
            None,
        )
        .expect("evaluates");
        assert_eq!(within.holds[0].value, "3 restarts in 15m");
        let later = evaluate(
            &spec,
            &team("shop"),
            &snapshot,
            at("2026-12-07T10:30:00Z"),
            None,
        )
        .expect("evaluates");
        assert!(later.holds.is_empty(), "the restarts left the window");
    }

    #[test]
    fn workloads_jobs_cronjobs_and_certificates() {
        let mut snapshot = Snapshot::default();
        let now = at("2026-12-07T10:00:00Z");
        let deployment: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": {}},
            "status": {"availableReplicas": 1}
        }))
        .expect("a deployment");
        snapshot.put_workload(
            "Deployment",
            &deployment.metadata,
            WorkloadFacts::of_deployment(&deployment),
        );
        let job: Job = serde_json::from_value(json!({
            "metadata": {"name": "backup", "namespace": "shop"},
            "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}
        }))
        .expect("a job");
        snapshot.put_job(&job);
        let cronjob: CronJob = serde_json::from_value(json!({
            "metadata": {"name": "nightly", "namespace": "shop", "creationTimestamp": "2026-12-01T00:00:00Z"},
            "spec": {"schedule": "0 3 * * *", "jobTemplate": {}},
            "status": {"lastScheduleTime": "2026-12-06T03:00:00Z"}
        }))
        .expect("a cronjob");
        snapshot.put_cronjob(&cronjob);
        let scope = team("shop");
        let unavailable = evaluate(
            &rule(json!({"condition": {"unavailableReplicas": {"atLeast": 2}}})),
            &scope,
            &snapshot,
            now,
            None,
        )
        .expect("ok");
        assert_eq!(unavailable.holds[0].value, "2 of 3 replicas unavailable");
        assert_eq!(unavailable.holds[0].kind, "Deployment");
        let failed = evaluate(
            &rule(json!({"condition": {"jobFailed": {}}})),
            &scope,
            &snapshot,
            now,
            None,
        )
        .expect("ok");
        assert_eq!(
            failed.holds[0].value,
            "BackoffLimitExceeded: Job has reached the specified backoff limit"
        );
        let missed = evaluate(
            &rule(json!({"condition": {"cronJobMissed": {}}})),
            &scope,
            &snapshot,
            now,
            None,
        )
        .expect("ok");
        assert_eq!(
            missed.holds[0].value,
            "missed the run due 2026-12-07 03:00 UTC (last ran 2026-12-06 03:00 UTC)"
        );
        let before_it_was_due = evaluate(
            &rule(json!({"condition": {"cronJobMissed": {}}})),
            &scope,
            &snapshot,
            at("2026-12-07T03:04:00Z"),
            None,
        )
        .expect("ok");
        assert!(before_it_was_due.holds.is_empty(), "within its grace");

        let certificate = expiring_certificate();
        let secret: Secret = serde_json::from_value(json!({
            "metadata": {"name": "web-tls", "namespace": "shop"},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": base64_of(&certificate), "tls.key": ""}
        }))
        .expect("a secret");
        snapshot.put_secret(&secret);
        let expiring = evaluate(
            &rule(json!({"condition": {"certificateExpiring": {"within": "8760h"}}})),
            &scope,
            &snapshot,
            now,
            None,
        )
        .expect("ok");
        assert_eq!(expiring.holds.len(), 1, "{expiring:?}");
        assert_eq!(
            expiring.holds[0].value,
            "expires 2027-01-06 03:57 UTC (in 29d)"
        );
        let not_yet = evaluate(
            &rule(json!({"condition": {"certificateExpiring": {"within": "24h"}}})),
            &scope,
            &snapshot,
            now,
            None,
        )
        .expect("ok");
        assert!(not_yet.holds.is_empty());
    }

    /// A self-signed certificate valid until 2027-01-06 03:57 UTC, made once with openssl.
    fn expiring_certificate() -> String {
        include_str!("../tests/fixtures/expiring.pem").to_string()
    }

    fn base64_of(text: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    #[test]
    fn promql_series_are_targets_and_prometheus_failures_are_said() {
        let spec = rule(json!({"condition": {"promql": {"expr": "up == 0"}}}));
        let everywhere = Scope {
            rule_namespace: "wheelhouse".into(),
            cluster_wide: true,
        };
        let series: Series = vec![(
            [
                ("__name__".to_string(), "up".to_string()),
                ("job".to_string(), "api".to_string()),
            ]
            .into(),
            0.0,
        )];
        let found = evaluate(
            &spec,
            &everywhere,
            &Snapshot::default(),
            Timestamp::now(),
            Some(&Ok(series)),
        )
        .expect("ok");
        assert_eq!(names(&found), [r#"{job="api"}"#]);
        assert_eq!(
            found.holds[0].labels.get("job").map(String::as_str),
            Some("api")
        );
        assert_eq!(
            evaluate(
                &spec,
                &everywhere,
                &Snapshot::default(),
                Timestamp::now(),
                None
            ),
            Err(EvalError::NoPrometheus)
        );
    }

    #[test]
    fn at_most_max_holds_are_kept_while_every_target_is_counted() {
        let mut snapshot = Snapshot::default();
        let now = at("2026-12-07T10:05:00Z");
        for i in 0..MAX_HOLDS + 100 {
            snapshot.put_pod(&pod("shop", &format!("web-{i:04}"), "web", false), now);
        }
        let found = evaluate(
            &rule(json!({"condition": {"notReady": {}}})),
            &team("shop"),
            &snapshot,
            now,
            None,
        )
        .expect("ok");
        assert_eq!(found.holds.len(), MAX_HOLDS);
        assert_eq!(found.targets as usize, MAX_HOLDS + 100);
        assert_eq!(
            found.holds[0].target, "shop/web-0000",
            "the first in the targets' order"
        );
    }

    #[test]
    fn annotations_fill_in_the_target_and_value() {
        let observation = Observation {
            target: "shop/web-1".into(),
            kind: "Pod".into(),
            namespace: Some("shop".into()),
            name: "web-1".into(),
            value: "93% of its limit".into(),
            since: None,
            labels: [("pod".to_string(), "web-1".to_string())].into(),
        };
        assert_eq!(
            fill(
                "{{ name }} in {{namespace}} uses {{ value }} (>{{ threshold }}); {{ $labels.pod }} {{ unknown }}",
                "r",
                "90%",
                &observation
            ),
            "web-1 in shop uses 93% of its limit (>90%); web-1 {{ unknown }}"
        );
    }
}
