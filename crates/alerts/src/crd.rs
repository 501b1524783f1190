//! The `AlertRule` and `NotificationChannel` custom resources (group `wheelhouse.dev`,
//! namespaced). Derived from these Rust types, shipped as `deploy/helm/wheelhouse/crds/alertrule.yaml`
//! and `notificationchannel.yaml`, and held equal to them by a test
//! (`WHEELHOUSE_WRITE_CRDS=1 cargo test -p wheelhouse-alerts crd` rewrites them).
//!
//! A rule in a team's namespace watches that namespace only and notifies through that namespace's
//! channels; a rule in the alerter's own namespace (`--namespace`) is cluster-wide: it may watch
//! any namespace, nodes, or everything.
//!
//! ```
//! use wheelhouse_alerts::crd::{AlertRuleSpec, Condition};
//!
//! let spec: AlertRuleSpec = serde_json::from_value(serde_json::json!({
//!     "target": {"namespace": "shop", "selector": "app=checkout"},
//!     "condition": {"crashLooping": {}},
//!     "for": "2m",
//!     "severity": "critical",
//!     "channels": ["ops"]
//! }))
//! .expect("a valid rule");
//! assert!(matches!(spec.condition, Condition::CrashLooping {}));
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResource;
use kube::core::CustomResourceExt;
use kube::core::Duration as GoDuration;
use schemars::JsonSchema;
use schemars::transform::RecursiveTransform;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use wheelhouse_model::crd::for_kubernetes;

pub const GROUP: &str = "wheelhouse.dev";
pub const VERSION: &str = "v1alpha1";
pub const RULE_KIND: &str = "AlertRule";
pub const RULE_PLURAL: &str = "alertrules";
pub const CHANNEL_KIND: &str = "NotificationChannel";
pub const CHANNEL_PLURAL: &str = "notificationchannels";

/// The shipped CustomResourceDefinitions, held equal to what the types derive by a test.
pub const RULE_CRD_YAML: &str = include_str!("../../../deploy/helm/wheelhouse/crds/alertrule.yaml");
pub const CHANNEL_CRD_YAML: &str =
    include_str!("../../../deploy/helm/wheelhouse/crds/notificationchannel.yaml");

/// How often a firing alert is notified again when its rule does not say.
pub const DEFAULT_REPEAT: Duration = Duration::from_secs(4 * 3600);

/// A condition watched on a set of targets; while it holds for `for`, the rule fires for that
/// target and notifies its channels, again every `repeatInterval` while it keeps firing, and once
/// more when it resolves.
// Two printer columns are dates (when evaluated, and the age), which clippy reads as a repeated
// attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[kube(
    group = "wheelhouse.dev",
    version = "v1alpha1",
    kind = "AlertRule",
    plural = "alertrules",
    shortname = "alertrule",
    namespaced,
    status = "AlertRuleStatus",
    label("app.kubernetes.io/part-of", "wheelhouse"),
    doc = "A Wheelhouse alert rule: a condition on pods, workloads, nodes, Jobs, CronJobs, TLS Secrets or a PromQL expression, evaluated by the Wheelhouse alerter. A rule in a team's namespace watches that namespace; a rule in the alerter's namespace may watch the whole cluster.",
    printcolumn(name = "Severity", type_ = "string", json_path = ".spec.severity"),
    printcolumn(name = "Firing", type_ = "integer", json_path = ".status.firing"),
    printcolumn(
        name = "Evaluated",
        type_ = "date",
        json_path = ".status.lastEvaluation"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = RecursiveTransform(for_kubernetes))]
#[ts(rename = "AlertRuleSpec")]
pub struct AlertRuleSpec {
    /// false turns the rule off: it is not evaluated and its alerts resolve
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    #[ts(as = "Option<bool>", optional)]
    pub enabled: bool,
    /// What the rule watches
    #[serde(default)]
    pub target: Target,
    /// When a target is in trouble
    pub condition: Condition,
    /// How long the condition must hold before the alert fires (a Go duration such as 5m;
    /// default 0s: at once)
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    #[ts(optional, type = "string")]
    pub for_: Option<GoDuration>,
    /// critical, warning or info
    #[serde(default)]
    pub severity: Severity,
    /// Labels added to each alert (routing keys for Alertmanager)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<BTreeMap<String, String>>", optional)]
    pub labels: BTreeMap<String, String>,
    /// summary and description (and any other annotations); {{ target }}, {{ namespace }},
    /// {{ name }}, {{ value }}, {{ threshold }} and {{ rule }} are filled in per alert
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(as = "Option<BTreeMap<String, String>>", optional)]
    pub annotations: BTreeMap<String, String>,
    /// How often a still-firing alert is notified again (a Go duration; default 4h)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"))]
    #[ts(optional, type = "string")]
    pub repeat_interval: Option<GoDuration>,
    /// NotificationChannels in the rule's namespace to notify
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub channels: Vec<String>,
    /// Silences: while one holds, its target's alerts (or the whole rule's, without a target)
    /// still show but are not notified
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<Silence>>", optional)]
    pub silences: Vec<Silence>,
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

/// What a rule watches: the objects of the kind its condition is about, in a namespace (all of
/// them when unset, for a cluster-wide rule), matching a label selector.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "AlertTarget")]
pub struct Target {
    /// For usage and restarts: Pod (the default), Container, Deployment, StatefulSet,
    /// DaemonSet or Node; the other conditions imply their kind
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kind: Option<TargetKind>,
    /// Only this namespace (a rule outside the alerter's namespace always watches its own)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub namespace: Option<String>,
    /// A label selector (app=web,tier!=cache); every object when unset
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub selector: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema, TS,
)]
#[ts(rename = "AlertTargetKind")]
pub enum TargetKind {
    Pod,
    Container,
    Deployment,
    StatefulSet,
    DaemonSet,
    Node,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pod => "Pod",
            Self::Container => "Container",
            Self::Deployment => "Deployment",
            Self::StatefulSet => "StatefulSet",
            Self::DaemonSet => "DaemonSet",
            Self::Node => "Node",
        }
    }
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema, TS,
)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "AlertSeverity")]
pub enum Severity {
    Critical,
    #[default]
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// Exactly one condition.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "AlertCondition")]
pub enum Condition {
    /// CPU or memory usage (metrics.k8s.io) of the target against its requests, limits, the
    /// node's allocatable, or an absolute amount
    Usage(UsageCondition),
    /// At least `count` container restarts within `window`
    Restarts(RestartsCondition),
    /// A container waits in CrashLoopBackOff
    CrashLooping {},
    /// A pod that is not Succeeded is not Ready
    NotReady {},
    /// A Deployment, StatefulSet or DaemonSet has fewer available replicas than it wants
    UnavailableReplicas(UnavailableCondition),
    /// A node's Ready condition is not True
    NodeNotReady {},
    /// A node reports memory, disk or PID pressure (or the ones listed)
    NodePressure(PressureCondition),
    /// A Job has failed (its Failed condition is True)
    JobFailed {},
    /// A CronJob that is not suspended has not started a run it was scheduled for, `grace` after
    /// that time
    CronJobMissed(CronMissedCondition),
    /// A PersistentVolumeClaim is fuller than `abovePercent` (kubelet volume stats from
    /// Prometheus; needs the alerter's --prometheus-url)
    PvcUsage(PvcCondition),
    /// A certificate in a kubernetes.io/tls Secret expires within `within`
    CertificateExpiring(CertificateCondition),
    /// Each series a PromQL expression returns fires (needs the alerter's --prometheus-url)
    Promql(PromqlCondition),
}

impl Condition {
    /// The name the API and the docs use for it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Usage(_) => "usage",
            Self::Restarts(_) => "restarts",
            Self::CrashLooping {} => "crashLooping",
            Self::NotReady {} => "notReady",
            Self::UnavailableReplicas(_) => "unavailableReplicas",
            Self::NodeNotReady {} => "nodeNotReady",
            Self::NodePressure(_) => "nodePressure",
            Self::JobFailed {} => "jobFailed",
            Self::CronJobMissed(_) => "cronJobMissed",
            Self::PvcUsage(_) => "pvcUsage",
            Self::CertificateExpiring(_) => "certificateExpiring",
            Self::Promql(_) => "promql",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct UsageCondition {
    pub resource: UsageResource,
    /// What usage is measured against: request, limit, allocatable (nodes) or absolute
    #[serde(default)]
    pub of: UsageBase,
    /// Fires above this: a percentage of `of`, or an amount when `of` is absolute (CPU in cores
    /// such as 500m, memory in bytes such as 1Gi)
    pub above: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum UsageResource {
    Cpu,
    Memory,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "AlertUsageBase")]
pub enum UsageBase {
    Request,
    #[default]
    Limit,
    Allocatable,
    Absolute,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct RestartsCondition {
    /// Restarts that fire (default 3)
    #[serde(default = "three")]
    pub count: u32,
    /// Over how long (a Go duration; default 15m)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string")]
    pub window: Option<GoDuration>,
}

fn three() -> u32 {
    3
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnavailableCondition {
    /// Unavailable replicas that fire (default 1)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub at_least: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PressureCondition {
    /// MemoryPressure, DiskPressure, PIDPressure (all three when empty)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub types: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct CronMissedCondition {
    /// How late a run may start before it counts as missed (a Go duration; default 5m)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string")]
    pub grace: Option<GoDuration>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PvcCondition {
    pub above_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateCondition {
    /// How soon (a Go duration such as 336h; default 336h, two weeks)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string")]
    pub within: Option<GoDuration>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct PromqlCondition {
    pub expr: String,
}

/// Notifications held back for a time: for one target (`namespace/name`, as the rule's status
/// names it) or, without one, for the whole rule.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "AlertSilence")]
pub struct Silence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub target: Option<String>,
    /// Until when (RFC 3339)
    #[ts(type = "string")]
    pub until: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub comment: Option<String>,
}

/// What the alerter last found: per target, its alert's state. Written by the alerter only.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertRuleStatus {
    /// When the rule was last evaluated
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string")]
    pub last_evaluation: Option<Timestamp>,
    /// The spec generation that evaluation read
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub observed_generation: Option<i64>,
    /// Why the rule could not be evaluated, when it could not
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
    /// How many targets fire
    #[serde(default)]
    pub firing: u32,
    /// How many targets the last evaluation looked at
    #[serde(default)]
    pub targets: u32,
    /// Pending, firing and recently resolved alerts, one per target
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<AlertStatus>>", optional)]
    pub alerts: Vec<AlertStatus>,
    /// When the rule's channels were last notified (the group's clock for repeatInterval)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string")]
    pub last_notified: Option<Timestamp>,
    /// The last notification that failed, per channel
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<NotificationError>>", optional)]
    pub notification_errors: Vec<NotificationError>,
}

/// One target's alert.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatus {
    /// The target: namespace/name (namespace/pod/container for containers, the name for nodes,
    /// the series' labels for PromQL)
    pub target: String,
    /// Its kind (Pod, Node, …)
    pub kind: String,
    pub state: AlertState,
    /// Since when the condition has held (pending and firing), or when it resolved
    #[ts(type = "string")]
    pub since: Timestamp,
    /// When it started firing
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "string")]
    pub fired_at: Option<Timestamp>,
    /// The value the condition saw, as shown to a person (85%, 5 restarts, NotReady)
    pub value: String,
    /// Whether the channels have been told of the current state
    #[serde(default)]
    pub notified: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    Pending,
    Firing,
    Resolved,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotificationError {
    pub channel: String,
    #[ts(type = "string")]
    pub at: Timestamp,
    pub message: String,
}

/// Where notifications go: exactly one of Alertmanager, a webhook, Slack or e-mail. Secrets it
/// names are read from the channel's namespace.
#[derive(CustomResource, Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[kube(
    group = "wheelhouse.dev",
    version = "v1alpha1",
    kind = "NotificationChannel",
    plural = "notificationchannels",
    shortname = "notifchan",
    namespaced,
    label("app.kubernetes.io/part-of", "wheelhouse"),
    doc = "Where the Wheelhouse alerter sends the notifications of the alert rules in this namespace: Alertmanager (API v2), a webhook with Alertmanager's webhook payload, a Slack-compatible incoming webhook, or e-mail over SMTP.",
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = RecursiveTransform(for_kubernetes))]
#[ts(rename = "NotificationChannelSpec")]
pub struct NotificationChannelSpec {
    /// Send the alerts to Alertmanager's API v2; routing, grouping and silences stay there
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub alertmanager: Option<Endpoint>,
    /// POST Alertmanager's webhook payload (version 4) to a URL
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub webhook: Option<Endpoint>,
    /// A Slack-compatible incoming webhook (its URL is a secret: give it by urlSecretRef)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub slack: Option<Endpoint>,
    /// E-mail over SMTP
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub email: Option<Email>,
    /// Whether resolved alerts are notified too (default true)
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    #[ts(as = "Option<bool>", optional)]
    pub send_resolved: bool,
}

/// An HTTP endpoint: its URL written here or held in a Secret.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^https?://.+"))]
    #[ts(optional)]
    pub url: Option<String>,
    /// The URL, from a key of a Secret in the channel's namespace
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub url_secret_ref: Option<SecretKeyRef>,
    /// A bearer token sent with each request, from a Secret in the channel's namespace
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub bearer_token_secret_ref: Option<SecretKeyRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    /// host:port of the SMTP server
    pub smarthost: String,
    pub from: String,
    pub to: Vec<String>,
    /// none (plain, for a relay on a trusted network), starttls (the default) or tls
    #[serde(default)]
    pub tls: SmtpTls,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub username: Option<String>,
    /// The password, from a Secret in the channel's namespace
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub password_secret_ref: Option<SecretKeyRef>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    #[default]
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema, TS)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    pub name: String,
    pub key: String,
}

impl AlertRuleSpec {
    /// How long the condition must hold before firing.
    pub fn hold(&self) -> Duration {
        positive(self.for_).unwrap_or(Duration::ZERO)
    }

    /// How often a firing alert is notified again (at least a minute).
    pub fn repeat(&self) -> Duration {
        positive(self.repeat_interval)
            .map_or(DEFAULT_REPEAT, |repeat| repeat.max(Duration::from_secs(60)))
    }
}

/// A duration from a spec, when it is positive.
pub fn positive(duration: Option<GoDuration>) -> Option<Duration> {
    duration
        .filter(|d| !d.is_negative())
        .map(Duration::from)
        .filter(|d| !d.is_zero())
}

impl NotificationChannelSpec {
    /// The kind of channel, or why the spec names none or several.
    pub fn check(&self) -> Result<&'static str, String> {
        let kinds: Vec<&'static str> = [
            self.alertmanager.as_ref().map(|_| "alertmanager"),
            self.webhook.as_ref().map(|_| "webhook"),
            self.slack.as_ref().map(|_| "slack"),
            self.email.as_ref().map(|_| "email"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match kinds.as_slice() {
            [one] => Ok(one),
            [] => Err("the channel names none of alertmanager, webhook, slack and email".into()),
            several => Err(format!(
                "the channel names {} at once; a channel is exactly one of them",
                several.join(" and ")
            )),
        }
    }
}

const RULE_CRD_HEADER: &str = "\
# Wheelhouse alert rules: a condition on a set of targets, evaluated by `wheelhouse alerter`.
#
# Generated from crates/alerts/src/crd.rs (#[derive(CustomResource)]); do not edit by hand:
# WHEELHOUSE_WRITE_CRDS=1 cargo test -p wheelhouse-alerts crd
";

const CHANNEL_CRD_HEADER: &str = "\
# Where Wheelhouse's alerter sends notifications: Alertmanager, a webhook, Slack or e-mail.
#
# Generated from crates/alerts/src/crd.rs (#[derive(CustomResource)]); do not edit by hand:
# WHEELHOUSE_WRITE_CRDS=1 cargo test -p wheelhouse-alerts crd
";

/// The AlertRule CustomResourceDefinition the types derive.
pub fn rule_definition() -> CustomResourceDefinition {
    AlertRule::crd()
}

/// The NotificationChannel CustomResourceDefinition the types derive.
pub fn channel_definition() -> CustomResourceDefinition {
    NotificationChannel::crd()
}

fn with_header(header: &str, definition: &CustomResourceDefinition) -> String {
    let yaml = serde_yaml::to_string(definition)
        .unwrap_or_else(|error| format!("# the CRD does not serialize: {error}\n"));
    format!("{header}{yaml}")
}

/// The AlertRule CRD as the shipped file has it.
pub fn rule_crd_yaml() -> String {
    with_header(RULE_CRD_HEADER, &rule_definition())
}

/// The NotificationChannel CRD as the shipped file has it.
pub fn channel_crd_yaml() -> String {
    with_header(CHANNEL_CRD_HEADER, &channel_definition())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_crd_files_are_what_the_types_derive() {
        wheelhouse_model::crd::check_shipped(
            "wheelhouse-alerts",
            "alertrule.yaml",
            RULE_CRD_YAML,
            &rule_crd_yaml(),
            "crates/alerts/src/crd.rs",
        );
        wheelhouse_model::crd::check_shipped(
            "wheelhouse-alerts",
            "notificationchannel.yaml",
            CHANNEL_CRD_YAML,
            &channel_crd_yaml(),
            "crates/alerts/src/crd.rs",
        );
    }

    #[test]
    fn a_rule_names_exactly_one_condition() {
        let two = serde_json::from_value::<AlertRuleSpec>(serde_json::json!({
            "condition": {"crashLooping": {}, "jobFailed": {}}
        }));
        assert!(two.is_err(), "two conditions are refused");
        let unknown = serde_json::from_value::<AlertRuleSpec>(serde_json::json!({
            "condition": {"diskFull": {}}
        }));
        assert!(unknown.is_err(), "an unknown condition is refused");
    }

    #[test]
    fn durations_are_go_durations_and_repeat_has_a_floor() {
        let spec: AlertRuleSpec = serde_json::from_value(serde_json::json!({
            "condition": {"notReady": {}}, "for": "1m30s", "repeatInterval": "10s"
        }))
        .expect("a rule");
        assert_eq!(spec.hold(), Duration::from_secs(90));
        assert_eq!(spec.repeat(), Duration::from_secs(60));
        assert!(spec.enabled, "enabled by default");
        let bad = serde_json::from_value::<AlertRuleSpec>(serde_json::json!({
            "condition": {"notReady": {}}, "for": "soon"
        }));
        assert!(bad.is_err());
    }

    #[test]
    fn a_channel_is_exactly_one_kind() {
        let none = NotificationChannelSpec {
            alertmanager: None,
            webhook: None,
            slack: None,
            email: None,
            send_resolved: true,
        };
        assert!(none.check().is_err());
        let two = NotificationChannelSpec {
            webhook: Some(Endpoint::default()),
            slack: Some(Endpoint::default()),
            ..none.clone()
        };
        assert_eq!(
            two.check().expect_err("two kinds"),
            "the channel names webhook and slack at once; a channel is exactly one of them"
        );
        let one = NotificationChannelSpec {
            webhook: Some(Endpoint::default()),
            ..none
        };
        assert_eq!(one.check(), Ok("webhook"));
    }
}
