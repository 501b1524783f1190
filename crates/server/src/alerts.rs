//! Alert rules under `/api/v1/alerts`: the AlertRules the person may see with the state their
//! alerter keeps in each rule's status, one rule with its history (status and Events), a live
//! preview that evaluates a rule being edited against the cluster as the person sees it, and
//! create, update and silence, each as the person (the API server decides and its refusal is
//! quoted).
//!
//! The evaluation is the alerter's own ([`wheelhouse_alerts::evaluate`]); the preview lists only
//! what the rule's condition needs, in the target's namespace with its selector, at most
//! [`PREVIEW_LIMIT`] objects of a kind.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Pod, Secret};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_alerts::crd::{
    self, AlertRuleSpec, AlertRuleStatus, Condition, Silence, TargetKind, UsageBase,
};
use wheelhouse_alerts::evaluate::{self, EvalError, Scope, Series};
use wheelhouse_alerts::snapshot::{Snapshot, WorkloadFacts};
use wheelhouse_cluster::access::{Decision, Question};
use wheelhouse_cluster::calls::{Calls, Failure};
use wheelhouse_cluster::discovery::KindInfo;
use wheelhouse_model::detail::{self, DetailEvent};
use wheelhouse_model::warning::Warning;

use crate::AppState;
use crate::error::{ApiJson, AppError, IntoAppError, Result};
use crate::person::Me;

/// Objects of one kind the preview reads at most (more are reported, not read).
pub const PREVIEW_LIMIT: u32 = 5000;
/// Events of a rule shown at most.
const MAX_EVENTS: usize = 200;
/// A silence lasts at most this long (30 days).
const MAX_SILENCE_SECONDS: u64 = 30 * 86_400;
/// A silence's comment is at most this long.
const MAX_COMMENT: usize = 1024;
/// A rule's spec is at most this large as JSON.
const MAX_SPEC_BYTES: usize = 64 * 1024;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/alerts", get(list).post(create))
        .route("/api/v1/alerts/_preview", post(preview))
        .route(
            "/api/v1/alerts/{namespace}/{name}",
            get(rule_detail).put(update),
        )
        .route("/api/v1/alerts/{namespace}/{name}/silences", post(silence))
        .route(
            "/api/v1/alerts/{namespace}/{name}/silences/end",
            post(end_silence),
        )
}

/// AlertRules as the cluster serves them.
fn alert_rules() -> KindInfo {
    KindInfo {
        group: crd::GROUP.into(),
        version: crd::VERSION.into(),
        resource: crd::RULE_PLURAL.into(),
        kind: crd::RULE_KIND.into(),
        namespaced: true,
        verbs: Vec::new(),
        short_names: Vec::new(),
        preferred_version: crd::VERSION.into(),
        custom: true,
    }
}

fn question(verb: &'static str, namespace: Option<&str>, name: Option<&str>) -> Question {
    Question {
        verb,
        group: crd::GROUP.into(),
        resource: crd::RULE_PLURAL.into(),
        subresource: "",
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
    }
}

fn details(verb: &str, namespace: &str, name: Option<&str>) -> Value {
    json!({"verb": verb, "group": crd::GROUP, "resource": crd::RULE_PLURAL, "namespace": namespace, "name": name})
}

/// One rule as the list shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertRuleRow {
    pub namespace: String,
    pub name: String,
    pub severity: crd::Severity,
    pub enabled: bool,
    /// The condition's name (`crashLooping`, `usage`, …).
    pub condition: String,
    /// Whether the rule is cluster-wide (it lives in the alerts namespace).
    pub cluster_wide: bool,
    /// The status the alerter wrote; empty before its first evaluation.
    pub status: AlertRuleStatus,
    /// Whether a silence of the whole rule holds now.
    pub silenced: bool,
    /// The targets a silence holds for now.
    pub silenced_targets: Vec<String>,
    /// Why the spec cannot be read, when it cannot (then the other fields are defaults).
    pub problem: Option<String>,
}

/// `GET /api/v1/alerts`.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertRuleList {
    pub items: Vec<AlertRuleRow>,
    pub warnings: Vec<Warning>,
    /// The namespace whose rules are cluster-wide (`--alerts-namespace`).
    pub alerts_namespace: String,
    /// Whether the person may create a rule in the alerts namespace.
    pub create: Decision,
}

fn silenced_now(spec: &AlertRuleSpec, now: Timestamp) -> (bool, Vec<String>) {
    let holding = spec.silences.iter().filter(|s| s.until > now);
    let mut rule = false;
    let mut targets = Vec::new();
    for silence in holding {
        match &silence.target {
            None => rule = true,
            Some(target) => targets.push(target.clone()),
        }
    }
    targets.sort();
    targets.dedup();
    (rule, targets)
}

fn row(object: &Value, alerts_namespace: &str, now: Timestamp) -> Option<AlertRuleRow> {
    let namespace = object.pointer("/metadata/namespace")?.as_str()?.to_string();
    let name = object.pointer("/metadata/name")?.as_str()?.to_string();
    let status: AlertRuleStatus = object
        .get("status")
        .cloned()
        .and_then(|s| serde_json::from_value(s).ok())
        .unwrap_or_default();
    let cluster_wide = namespace == alerts_namespace;
    match serde_json::from_value::<AlertRuleSpec>(object.get("spec").cloned().unwrap_or_default()) {
        Ok(spec) => {
            let (silenced, silenced_targets) = silenced_now(&spec, now);
            Some(AlertRuleRow {
                namespace,
                name,
                severity: spec.severity,
                enabled: spec.enabled,
                condition: spec.condition.name().to_string(),
                cluster_wide,
                status,
                silenced,
                silenced_targets,
                problem: None,
            })
        }
        Err(error) => Some(AlertRuleRow {
            namespace,
            name,
            severity: crd::Severity::default(),
            enabled: false,
            condition: String::new(),
            cluster_wide,
            status,
            silenced: false,
            silenced_targets: Vec::new(),
            problem: Some(format!("the spec is not a valid AlertRule: {error}")),
        }),
    }
}

/// The namespaces to list in one by one when the person may not list AlertRules everywhere:
/// `--allowed-namespace`, the alerts namespace, and the kubeconfig context's namespace.
fn fallback_namespaces(state: &AppState, me: &Me) -> Vec<String> {
    let mut names = state.config.allowed_namespaces.clone();
    names.push(state.config.alerts_namespace.clone());
    if matches!(me.person, wheelhouse_cluster::Person::Local { .. }) {
        names.push(state.cluster.config_for(&me.person).default_namespace);
    }
    names.retain(|n| !n.is_empty());
    names.sort();
    names.dedup();
    names
}

/// `GET /api/v1/alerts`: the AlertRules of all namespaces, or, when the person may not list
/// them everywhere, of the namespaces the console is configured for (each refusal a warning).
async fn list(State(state): State<AppState>, me: Me) -> Result<Json<AlertRuleList>> {
    state.cluster.ensure_connected().await?;
    let kind = alert_rules();
    let now = Timestamp::now();
    let alerts_namespace = state.config.alerts_namespace.clone();
    let mut warnings = Vec::new();
    let objects = match me.calls.objects(&kind, None, "", "").await {
        Ok(objects) => objects,
        Err(failure) if failure.code == 403 => {
            let mut objects = Vec::new();
            for namespace in fallback_namespaces(&state, &me) {
                match me.calls.objects(&kind, Some(&namespace), "", "").await {
                    Ok(found) => objects.extend(found),
                    Err(failure) => warnings
                        .push(failure.warning(format!("AlertRules in namespace {namespace}"))),
                }
            }
            objects
        }
        Err(failure) if failure.code == 404 => {
            return Err(AppError::new(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!(
                    "the cluster has no AlertRule custom resource definition ({}); install Wheelhouse's chart, or apply deploy/helm/wheelhouse/crds/alertrule.yaml",
                    failure.message
                ),
            ));
        }
        Err(failure) => return Err(failure.into_error(details("list", "", None))),
    };
    let mut items: Vec<AlertRuleRow> = objects
        .iter()
        .filter_map(|object| row(object, &alerts_namespace, now))
        .collect();
    items.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    let create = state
        .cluster
        .may(
            &me.person,
            &question("create", Some(&alerts_namespace), None),
        )
        .await;
    Ok(Json(AlertRuleList {
        items,
        warnings,
        alerts_namespace,
        create,
    }))
}

/// `GET /api/v1/alerts/{namespace}/{name}`.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AlertRuleDetail {
    pub row: AlertRuleRow,
    /// The spec as stored, as written (what the editor starts from); null when it is not a
    /// valid rule.
    #[ts(type = "AlertRuleSpec | null")]
    pub spec: Option<Value>,
    /// What optimistic concurrency checks an update against.
    pub resource_version: String,
    /// The rule's Events (AlertFiring, AlertResolved, NotificationFailed), newest first.
    pub events: Vec<DetailEvent>,
    pub warnings: Vec<Warning>,
    /// Whether the person may change the rule (edit, silence, turn off).
    pub update: Decision,
}

async fn rule_detail(
    State(state): State<AppState>,
    me: Me,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Json<AlertRuleDetail>> {
    crate::names::check("namespace", &namespace)?;
    crate::names::check("name", &name)?;
    state.cluster.ensure_connected().await?;
    let object = me
        .calls
        .object(&alert_rules(), Some(&namespace), &name)
        .await
        .map_err(|f| f.into_error(details("get", &namespace, Some(&name))))?;
    let row = row(&object, &state.config.alerts_namespace, Timestamp::now())
        .ok_or_else(|| AppError::internal("an AlertRule without a name"))?;
    let spec = object
        .get("spec")
        .cloned()
        .filter(|spec| serde_json::from_value::<AlertRuleSpec>(spec.clone()).is_ok());
    let mut warnings = Vec::new();
    let fields = format!(
        "involvedObject.kind={},involvedObject.name={name}",
        crd::RULE_KIND
    );
    let events = match me.calls.events(&namespace, &fields).await {
        Ok(events) => {
            let uid = object.pointer("/metadata/uid").and_then(Value::as_str);
            // The API server selects by kind and name; a rule of the same name deleted and made
            // again has a new uid, and its predecessor's events are not this rule's.
            let events = events
                .into_iter()
                .filter(|e| {
                    uid.is_none()
                        || e.pointer("/involvedObject/uid").and_then(Value::as_str) == uid
                        || e.pointer("/involvedObject/uid").is_none()
                })
                .collect();
            detail::events(events, MAX_EVENTS)
        }
        Err(failure) => {
            warnings.push(failure.warning("the rule's events"));
            Vec::new()
        }
    };
    let update = state
        .cluster
        .may(
            &me.person,
            &question("update", Some(&namespace), Some(&name)),
        )
        .await;
    Ok(Json(AlertRuleDetail {
        row,
        spec,
        resource_version: object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        events,
        warnings,
        update,
    }))
}

/// `POST /api/v1/alerts/_preview`: a rule being edited.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PreviewRequest {
    /// The namespace the rule is (to be) in.
    pub namespace: String,
    #[ts(type = "unknown")]
    pub spec: Value,
}

/// A target the condition holds for now.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PreviewTarget {
    pub target: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub value: String,
}

/// What the rule would find now.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PreviewAnswer {
    /// How many targets were looked at.
    pub targets: u32,
    /// The targets it would fire for now (after its `for`), with the value seen.
    pub fires: Vec<PreviewTarget>,
    /// Why the rule cannot be evaluated, when it cannot (as its status would say).
    pub error: Option<String>,
    /// What the preview cannot know that the alerter will (restarts counted over time).
    pub notes: Vec<String>,
    /// Reads that were refused or cut short.
    pub warnings: Vec<Warning>,
    /// Whether the rule is cluster-wide where it is.
    pub cluster_wide: bool,
}

fn unprocessable(message: impl Into<String>) -> AppError {
    AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", message)
}

/// A spec from the editor: bounded, and a valid AlertRule spec, or a 422 saying why.
fn parse_spec(spec: Value) -> Result<AlertRuleSpec> {
    let size = serde_json::to_vec(&spec).map(|b| b.len()).unwrap_or(0);
    if size > MAX_SPEC_BYTES {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLarge",
            format!("the rule's spec is {size} bytes; a rule is at most {MAX_SPEC_BYTES} bytes"),
        ));
    }
    serde_json::from_value(spec)
        .map_err(|e| unprocessable(format!("the rule is not a valid AlertRule spec: {e}")))
}

/// A spec checked by [`parse_spec`], kept as the person wrote it (`5m` stays `5m`).
fn checked_spec(spec: Value) -> Result<Value> {
    parse_spec(spec.clone())?;
    Ok(spec)
}

/// What a condition reads, besides the kind its target is.
struct Needs {
    pods: bool,
    workloads: bool,
    nodes: bool,
    jobs: bool,
    cronjobs: bool,
    certificates: bool,
    usage: bool,
    prometheus: bool,
}

fn needs(spec: &AlertRuleSpec) -> Needs {
    let kind = spec.target.kind.unwrap_or(TargetKind::Pod);
    let workload_kind = matches!(
        kind,
        TargetKind::Deployment | TargetKind::StatefulSet | TargetKind::DaemonSet
    );
    let mut needs = Needs {
        pods: false,
        workloads: false,
        nodes: false,
        jobs: false,
        cronjobs: false,
        certificates: false,
        usage: false,
        prometheus: false,
    };
    match &spec.condition {
        Condition::CrashLooping {} | Condition::NotReady {} | Condition::Restarts(_) => {
            needs.pods = true
        }
        Condition::UnavailableReplicas(_) => needs.workloads = true,
        Condition::NodeNotReady {} | Condition::NodePressure(_) => needs.nodes = true,
        Condition::JobFailed {} => needs.jobs = true,
        Condition::CronJobMissed(_) => needs.cronjobs = true,
        Condition::CertificateExpiring(_) => needs.certificates = true,
        Condition::PvcUsage(_) | Condition::Promql(_) => needs.prometheus = true,
        Condition::Usage(usage) => {
            needs.usage = true;
            needs.pods = true;
            needs.workloads = workload_kind;
            needs.nodes = kind == TargetKind::Node || usage.of == UsageBase::Allocatable;
        }
    }
    needs
}

/// Adds one bounded list's result to the preview, or its refusal to the warnings.
fn listed<T>(
    what: &str,
    result: std::result::Result<(Vec<T>, bool), Failure>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<T>> {
    match result {
        Ok((items, more)) => {
            if more {
                warnings.push(Warning::general(
                    wheelhouse_model::warning::WarningReason::Unavailable,
                    format!(
                        "more than {PREVIEW_LIMIT} {what}: the preview looked at the first {PREVIEW_LIMIT} only"
                    ),
                ));
            }
            Ok(items)
        }
        Err(failure) if failure.code == 403 => Err(failure.into_error(json!({"what": what}))),
        Err(failure) => Err(failure.into_error(json!({"what": what}))),
    }
}

async fn preview(
    State(state): State<AppState>,
    me: Me,
    ApiJson(request): ApiJson<PreviewRequest>,
) -> Result<Json<PreviewAnswer>> {
    crate::names::check("namespace", &request.namespace)?;
    let spec = parse_spec(request.spec)?;
    state.cluster.ensure_connected().await?;
    let cluster_wide = request.namespace == state.config.alerts_namespace;
    let scope = Scope {
        rule_namespace: request.namespace.clone(),
        cluster_wide,
    };
    let now = Timestamp::now();
    let mut answer = PreviewAnswer {
        targets: 0,
        fires: Vec::new(),
        error: None,
        notes: Vec::new(),
        warnings: Vec::new(),
        cluster_wide,
    };
    // The spec's own faults (a selector that does not parse, a target out of the rule's scope)
    // are found without reading the cluster.
    let mut empty = Snapshot::default();
    if needs(&spec).usage {
        empty.usage = Some(Default::default());
    }
    match evaluate::evaluate(&spec, &scope, &empty, now, Some(&Ok(Vec::new()))) {
        Err(error) if !matches!(error, EvalError::NoPrometheus | EvalError::Prometheus(_)) => {
            answer.error = Some(error.to_string());
            return Ok(Json(answer));
        }
        _ => {}
    }
    let snapshot = read_snapshot(&state, &me.calls, &spec, &scope, &mut answer).await?;
    let series = match evaluate::promql_of(&spec) {
        Some(query) => prometheus(&state, &query).await,
        None => None,
    };
    if matches!(spec.condition, Condition::Restarts(_)) {
        answer.notes.push(
            "restarts are counted as the alerter sees them happen, so the preview, which looks once, finds none; the alerter counts them from its start".into(),
        );
    }
    match evaluate::evaluate(&spec, &scope, &snapshot, now, series.as_ref()) {
        Ok(found) => {
            answer.targets = found.targets;
            answer.fires = found
                .holds
                .into_iter()
                .map(|o| PreviewTarget {
                    target: o.target,
                    kind: o.kind,
                    namespace: o.namespace,
                    name: o.name,
                    value: o.value,
                })
                .collect();
        }
        Err(error) => answer.error = Some(error.to_string()),
    }
    Ok(Json(answer))
}

/// The console's Prometheus's answer to a query, `None` without one.
async fn prometheus(state: &AppState, query: &str) -> Option<std::result::Result<Series, String>> {
    let url = state.config.metrics.prometheus.as_ref()?.url.clone();
    let http = match reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
    {
        Ok(http) => http,
        Err(error) => return Some(Err(error.to_string())),
    };
    Some(wheelhouse_alerts::prometheus_query(&http, &url, query).await)
}

/// Lists what the condition needs as the person, within the rule's namespace and selector.
async fn read_snapshot(
    state: &AppState,
    calls: &Calls,
    spec: &AlertRuleSpec,
    scope: &Scope,
    answer: &mut PreviewAnswer,
) -> Result<Snapshot> {
    let _ = state;
    let needs = needs(spec);
    let namespace = if scope.cluster_wide {
        spec.target.namespace.clone()
    } else {
        Some(scope.rule_namespace.clone())
    };
    let namespace = namespace.as_deref();
    let selector = spec.target.selector.as_deref().unwrap_or("").trim();
    let kind = spec.target.kind.unwrap_or(TargetKind::Pod);
    // The selector picks the target kind's objects; pods read for a workload's or node's usage
    // are all of the namespace.
    let pod_selector = if matches!(kind, TargetKind::Pod | TargetKind::Container) {
        selector
    } else {
        ""
    };
    let now = Timestamp::now();
    let mut snapshot = Snapshot::default();
    let warnings = &mut answer.warnings;
    if needs.pods {
        let pods: Vec<Pod> = listed(
            "pods",
            calls
                .list_typed(namespace, pod_selector, "", PREVIEW_LIMIT)
                .await,
            warnings,
        )?;
        for pod in &pods {
            snapshot.put_pod(pod, now);
        }
    }
    if needs.workloads || matches!(spec.condition, Condition::UnavailableReplicas(_)) {
        let want = |k: TargetKind| {
            !matches!(spec.condition, Condition::Usage(_)) && spec.target.kind.is_none()
                || spec.target.kind == Some(k)
        };
        if want(TargetKind::Deployment) {
            let items: Vec<Deployment> = listed(
                "deployments",
                calls
                    .list_typed(namespace, selector, "", PREVIEW_LIMIT)
                    .await,
                warnings,
            )?;
            for d in &items {
                snapshot.put_workload("Deployment", &d.metadata, WorkloadFacts::of_deployment(d));
            }
        }
        if want(TargetKind::StatefulSet) {
            let items: Vec<StatefulSet> = listed(
                "statefulsets",
                calls
                    .list_typed(namespace, selector, "", PREVIEW_LIMIT)
                    .await,
                warnings,
            )?;
            for s in &items {
                snapshot.put_workload("StatefulSet", &s.metadata, WorkloadFacts::of_statefulset(s));
            }
        }
        if want(TargetKind::DaemonSet) {
            let items: Vec<DaemonSet> = listed(
                "daemonsets",
                calls
                    .list_typed(namespace, selector, "", PREVIEW_LIMIT)
                    .await,
                warnings,
            )?;
            for s in &items {
                snapshot.put_workload("DaemonSet", &s.metadata, WorkloadFacts::of_daemonset(s));
            }
        }
    }
    if needs.nodes {
        let node_selector =
            if kind == TargetKind::Node || !matches!(spec.condition, Condition::Usage(_)) {
                selector
            } else {
                ""
            };
        let nodes = listed(
            "nodes",
            calls.nodes_typed(node_selector, PREVIEW_LIMIT).await,
            warnings,
        )?;
        for node in &nodes {
            snapshot.put_node(node);
        }
    }
    if needs.jobs {
        let jobs: Vec<Job> = listed(
            "jobs",
            calls
                .list_typed(namespace, selector, "", PREVIEW_LIMIT)
                .await,
            warnings,
        )?;
        for job in &jobs {
            snapshot.put_job(job);
        }
    }
    if needs.cronjobs {
        let cronjobs: Vec<CronJob> = listed(
            "cronjobs",
            calls
                .list_typed(namespace, selector, "", PREVIEW_LIMIT)
                .await,
            warnings,
        )?;
        for cronjob in &cronjobs {
            snapshot.put_cronjob(cronjob);
        }
    }
    if needs.certificates {
        let secrets: Vec<Secret> = listed(
            "TLS secrets",
            calls
                .list_typed(namespace, selector, "type=kubernetes.io/tls", PREVIEW_LIMIT)
                .await,
            warnings,
        )?;
        for secret in &secrets {
            snapshot.put_secret(secret);
        }
    }
    if needs.usage {
        let node_usage = kind == TargetKind::Node;
        match calls.resource_usage(namespace, node_usage).await {
            Ok((pods, nodes)) => {
                snapshot.usage = Some(wheelhouse_alerts::usage_of(&pods, &nodes));
            }
            // Left unset: the evaluation says metrics.k8s.io did not answer.
            Err(failure) => answer
                .warnings
                .push(failure.warning("usage from metrics.k8s.io")),
        }
    }
    Ok(snapshot)
}

/// `POST /api/v1/alerts`.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CreateAlertRule {
    pub namespace: String,
    pub name: String,
    #[ts(type = "unknown")]
    pub spec: Value,
}

/// `PUT /api/v1/alerts/{namespace}/{name}`.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAlertRule {
    #[ts(type = "unknown")]
    pub spec: Value,
    /// The version the person edited; a newer one on the server is a 409.
    pub resource_version: String,
}

/// Where a created or changed rule is.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SavedAlertRule {
    pub namespace: String,
    pub name: String,
    pub resource_version: String,
}

/// A name the API server would take for an object (a DNS-1123 subdomain).
fn check_rule_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(unprocessable(format!(
            "{name:?} is not a valid rule name: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters"
        )))
    }
}

fn saved(object: &Value, namespace: &str, name: &str) -> SavedAlertRule {
    SavedAlertRule {
        namespace: namespace.to_string(),
        name: name.to_string(),
        resource_version: object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    }
}

async fn create(
    State(state): State<AppState>,
    me: Me,
    ApiJson(request): ApiJson<CreateAlertRule>,
) -> Result<(StatusCode, Json<SavedAlertRule>)> {
    crate::names::check("namespace", &request.namespace)?;
    check_rule_name(&request.name)?;
    let spec = checked_spec(request.spec)?;
    state.cluster.ensure_connected().await?;
    let object = json!({
        "apiVersion": format!("{}/{}", crd::GROUP, crd::VERSION),
        "kind": crd::RULE_KIND,
        "metadata": {"name": request.name, "namespace": request.namespace},
        "spec": spec,
    });
    let created = me
        .calls
        .create(&alert_rules(), Some(&request.namespace), &object)
        .await
        .map_err(|f| f.into_error(details("create", &request.namespace, Some(&request.name))))?;
    tracing::info!(person = me.person.name(), namespace = %request.namespace, name = %request.name, "created an AlertRule");
    Ok((
        StatusCode::CREATED,
        Json(saved(&created, &request.namespace, &request.name)),
    ))
}

async fn update(
    State(state): State<AppState>,
    me: Me,
    Path((namespace, name)): Path<(String, String)>,
    ApiJson(request): ApiJson<UpdateAlertRule>,
) -> Result<Json<SavedAlertRule>> {
    crate::names::check("namespace", &namespace)?;
    crate::names::check("name", &name)?;
    let spec = checked_spec(request.spec)?;
    if request.resource_version.is_empty() {
        return Err(AppError::bad_request(
            "resourceVersion is required: the version of the rule that was edited",
        ));
    }
    state.cluster.ensure_connected().await?;
    let kind = alert_rules();
    let mut object = me
        .calls
        .object(&kind, Some(&namespace), &name)
        .await
        .map_err(|f| f.into_error(details("get", &namespace, Some(&name))))?;
    object["spec"] = spec;
    object["metadata"]["resourceVersion"] = json!(request.resource_version);
    if let Some(meta) = object["metadata"].as_object_mut() {
        meta.remove("managedFields");
    }
    let replaced = me
        .calls
        .replace(&kind, Some(&namespace), &name, &object, false)
        .await
        .map_err(|f| f.into_error(details("update", &namespace, Some(&name))))?;
    tracing::info!(person = me.person.name(), %namespace, %name, "changed an AlertRule");
    Ok(Json(saved(&replaced, &namespace, &name)))
}

/// `POST /api/v1/alerts/{namespace}/{name}/silences`: hold back the rule's notifications, or one
/// target's, for a time.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SilenceRequest {
    /// The target as the rule's status names it; the whole rule when absent.
    #[ts(optional)]
    pub target: Option<String>,
    /// For how long, in seconds (at most 30 days).
    pub seconds: u64,
    #[ts(optional)]
    pub comment: Option<String>,
}

/// `POST /api/v1/alerts/{namespace}/{name}/silences/end`: ends one silence now, named as the
/// rule's spec lists it (its target, absent for the whole rule, and its `until`).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EndSilenceRequest {
    #[ts(optional)]
    pub target: Option<String>,
    /// The silence's `until` as the spec holds it (RFC 3339).
    #[ts(type = "string")]
    pub until: Timestamp,
}

/// The rule (as the person reads it) and its spec, whose silences are about to change.
async fn rule_for_silences(me: &Me, namespace: &str, name: &str) -> Result<(Value, AlertRuleSpec)> {
    let object = me
        .calls
        .object(&alert_rules(), Some(namespace), name)
        .await
        .map_err(|f| f.into_error(details("get", namespace, Some(name))))?;
    let spec = serde_json::from_value(object.get("spec").cloned().unwrap_or_default()).map_err(
        |e| {
            unprocessable(format!(
                "the rule's spec is not valid, so its silences cannot be changed; edit it first: {e}"
            ))
        },
    )?;
    Ok((object, spec))
}

/// Writes `silences` as the rule's whole list, by a merge patch carrying the version read: a
/// change made meanwhile is a conflict rather than a silence lost.
async fn save_silences(
    me: &Me,
    namespace: &str,
    name: &str,
    object: &Value,
    silences: Vec<Silence>,
) -> Result<Value> {
    let patch = json!({
        "metadata": {"resourceVersion": object.pointer("/metadata/resourceVersion")},
        "spec": {"silences": silences},
    });
    me.calls
        .merge_patch(&alert_rules(), Some(namespace), name, &patch)
        .await
        .map_err(|f| f.into_error(details("patch", namespace, Some(name))))
}

async fn end_silence(
    State(state): State<AppState>,
    me: Me,
    Path((namespace, name)): Path<(String, String)>,
    ApiJson(request): ApiJson<EndSilenceRequest>,
) -> Result<Json<SavedAlertRule>> {
    crate::names::check("namespace", &namespace)?;
    crate::names::check("name", &name)?;
    state.cluster.ensure_connected().await?;
    let (object, spec) = rule_for_silences(&me, &namespace, &name).await?;
    let now = Timestamp::now();
    let target = request.target.filter(|t| !t.is_empty());
    let ended = |s: &Silence| s.target == target && s.until == request.until;
    if !spec.silences.iter().any(|s| ended(s) && s.until > now) {
        return Err(AppError::not_found(format!(
            "no silence of {} until {} holds on alert rule {namespace}/{name}: it may have ended or been changed; reload the rule",
            target.as_deref().unwrap_or("the whole rule"),
            request.until
        )));
    }
    // The others stay (expired ones are dropped, as when one is added); the resourceVersion
    // makes a concurrent change a conflict rather than a lost silence.
    let silences: Vec<Silence> = spec
        .silences
        .into_iter()
        .filter(|s| s.until > now && !ended(s))
        .collect();
    let patched = save_silences(&me, &namespace, &name, &object, silences).await?;
    tracing::info!(person = me.person.name(), %namespace, %name, "ended a silence of an AlertRule");
    Ok(Json(saved(&patched, &namespace, &name)))
}

async fn silence(
    State(state): State<AppState>,
    me: Me,
    Path((namespace, name)): Path<(String, String)>,
    ApiJson(request): ApiJson<SilenceRequest>,
) -> Result<Json<SavedAlertRule>> {
    crate::names::check("namespace", &namespace)?;
    crate::names::check("name", &name)?;
    if request.seconds == 0 || request.seconds > MAX_SILENCE_SECONDS {
        return Err(unprocessable(format!(
            "a silence lasts from 1 second to 30 days ({MAX_SILENCE_SECONDS} seconds), not {} seconds",
            request.seconds
        )));
    }
    let comment = request
        .comment
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    if comment.as_ref().is_some_and(|c| c.len() > MAX_COMMENT) {
        return Err(unprocessable(format!(
            "a silence's comment is at most {MAX_COMMENT} bytes"
        )));
    }
    let target = request
        .target
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if target.as_ref().is_some_and(|t| t.len() > 1024) {
        return Err(unprocessable("a silence's target is at most 1024 bytes"));
    }
    state.cluster.ensure_connected().await?;
    let (object, spec) = rule_for_silences(&me, &namespace, &name).await?;
    let now = Timestamp::now();
    let until = now
        .checked_add(jiff::SignedDuration::from_secs(request.seconds as i64))
        .map_err(AppError::internal)?;
    // Expired silences are dropped as a new one is added, so the list does not grow forever.
    let mut silences: Vec<Silence> = spec
        .silences
        .into_iter()
        .filter(|s| s.until > now)
        .collect();
    silences.push(Silence {
        target,
        until,
        by: Some(me.person.name().to_string()),
        comment,
    });
    let patched = save_silences(&me, &namespace, &name, &object, silences).await?;
    tracing::info!(person = me.person.name(), %namespace, %name, "silenced an AlertRule");
    Ok(Json(saved(&patched, &namespace, &name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(spec: Value, status: Value) -> Value {
        json!({"metadata": {"namespace": "default", "name": "r"}, "spec": spec, "status": status})
    }

    #[test]
    fn a_row_says_which_silences_hold_now() {
        let now: Timestamp = "2026-12-07T10:00:00Z".parse().expect("a time");
        let object = rule(
            json!({"condition": {"crashLooping": {}}, "silences": [
                {"target": "shop/a", "until": "2026-12-07T11:00:00Z"},
                {"target": "shop/b", "until": "2026-12-07T09:00:00Z"}
            ]}),
            json!({"firing": 2, "targets": 5}),
        );
        let row = row(&object, "default", now).expect("a row");
        assert_eq!(row.silenced_targets, ["shop/a"]);
        assert!(!row.silenced, "no silence of the whole rule");
        assert!(row.cluster_wide);
        assert_eq!(row.status.firing, 2);
        assert_eq!(row.condition, "crashLooping");
    }

    #[test]
    fn a_rule_whose_spec_is_not_valid_is_listed_with_the_reason() {
        let object = rule(json!({"condition": {"diskFull": {}}}), Value::Null);
        let row = row(&object, "wheelhouse", Timestamp::now()).expect("a row");
        assert!(
            row.problem
                .expect("a problem")
                .contains("not a valid AlertRule")
        );
        assert!(!row.cluster_wide);
    }

    #[test]
    fn rule_names_follow_the_api_servers_rule() {
        assert!(check_rule_name("crash-looping-pods").is_ok());
        assert!(check_rule_name("Crash").is_err());
        assert!(check_rule_name("-a").is_err());
        assert!(check_rule_name("").is_err());
        assert!(check_rule_name(&"a".repeat(254)).is_err());
    }

    #[test]
    fn a_spec_that_is_not_a_rule_is_refused_with_the_reason() {
        let error = parse_spec(json!({"condition": {"crashLooping": {}}, "for": "soon"}))
            .expect_err("refused");
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let big = parse_spec(json!({"condition": {"promql": {"expr": "x".repeat(70_000)}}}))
            .expect_err("too large");
        assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn usage_of_a_workload_reads_its_pods_and_the_workloads() {
        let spec: AlertRuleSpec = serde_json::from_value(json!({
            "target": {"kind": "Deployment"},
            "condition": {"usage": {"resource": "memory", "above": "80"}}
        }))
        .expect("a rule");
        let needs = needs(&spec);
        assert!(needs.pods && needs.workloads && needs.usage && !needs.nodes && !needs.jobs);
    }
}
