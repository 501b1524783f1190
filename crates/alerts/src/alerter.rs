//! `wheelhouse alerter`: evaluates every AlertRule each interval, keeps each alert's state in its
//! rule's status, records changes as Events on the rule, and notifies the rule's channels. Runs
//! apart from the console (it keeps working when the console is down) with its own identity, and
//! only the holder of a Lease evaluates and notifies, so two replicas never notify twice.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client, ResourceExt};
use serde_json::{Value, json};

use crate::crd::{
    AlertRule, AlertRuleSpec, AlertRuleStatus, AlertState, Condition, NotificationChannel,
    NotificationError, SecretKeyRef,
};
use crate::evaluate::{self, EvalError, Evaluation, Scope, Series};
use crate::lease::Lease;
use crate::notify::{self, Destination, Group};
use crate::state::{self, Step};
use crate::watch::{self, Shared, Watched};
use crate::{Error, Result};

/// How the alerter runs.
#[derive(Debug, Clone)]
pub struct AlerterConfig {
    /// Its own namespace: cluster-wide rules and the Lease live here.
    pub namespace: String,
    /// How often every rule is evaluated.
    pub interval: Duration,
    /// Who holds the Lease (the pod's name in a cluster).
    pub identity: String,
    pub lease_name: String,
    pub lease_duration: Duration,
    /// Prometheus's URL, for `promql` and `pvcUsage` conditions.
    pub prometheus_url: Option<String>,
    /// The console's URL, for links in notifications.
    pub console_url: Option<String>,
    /// Whether TLS Secrets are watched (for `certificateExpiring`).
    pub watch_tls_secrets: bool,
}

/// Alertmanager is sent firing alerts again at least this often, as Prometheus does.
const ALERTMANAGER_RESEND: Duration = Duration::from_secs(60);

/// Runs until `stop` completes; gives the Lease up on the way out.
pub async fn run(
    client: Client,
    config: AlerterConfig,
    stop: impl Future<Output = ()>,
) -> Result<()> {
    wheelhouse_tls::install_crypto_provider();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| Error::Setup(wheelhouse_tls::client_failure("notifications", &e)))?;
    let shared = Shared::default();
    let _watches = watch::start_all(&client, &shared, config.watch_tls_secrets);
    let lease = Lease::start(
        client.clone(),
        &config.namespace,
        &config.lease_name,
        &config.identity,
        config.lease_duration,
    );
    let mut alerter = Alerter {
        client,
        http,
        config,
        shared,
        lease,
        alertmanager_sent: HashMap::new(),
        usage_error: None,
    };
    let mut ticks = tokio::time::interval(alerter.config.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = ticks.tick() => {}
        }
        if !alerter.lease.held() {
            continue;
        }
        let started = Instant::now();
        match alerter.cycle().await {
            Ok(rules) => tracing::debug!(
                rules,
                took_ms = started.elapsed().as_millis() as u64,
                "evaluated"
            ),
            Err(error) => tracing::warn!(%error, "could not evaluate the alert rules"),
        }
    }
    alerter.lease.release().await;
    Ok(())
}

struct Alerter {
    client: Client,
    http: reqwest::Client,
    config: AlerterConfig,
    shared: Shared,
    lease: Lease,
    /// When each rule's firing alerts were last sent to Alertmanager.
    alertmanager_sent: HashMap<(String, String), Instant>,
    /// Why metrics.k8s.io did not answer this cycle, when it did not.
    usage_error: Option<String>,
}

/// What each condition reads.
fn watched_by(condition: &Condition, spec: &AlertRuleSpec) -> Vec<Watched> {
    use crate::crd::TargetKind;
    match condition {
        Condition::CrashLooping {} | Condition::NotReady {} | Condition::Restarts(_) => {
            vec![Watched::Pods]
        }
        Condition::Usage(_) => match spec.target.kind {
            Some(TargetKind::Node) => vec![Watched::Nodes],
            Some(TargetKind::Deployment) => vec![Watched::Pods, Watched::Deployments],
            Some(TargetKind::StatefulSet) => vec![Watched::Pods, Watched::StatefulSets],
            Some(TargetKind::DaemonSet) => vec![Watched::Pods, Watched::DaemonSets],
            _ => vec![Watched::Pods, Watched::Nodes],
        },
        Condition::UnavailableReplicas(_) => vec![
            Watched::Deployments,
            Watched::StatefulSets,
            Watched::DaemonSets,
        ],
        Condition::NodeNotReady {} | Condition::NodePressure(_) => vec![Watched::Nodes],
        Condition::JobFailed {} => vec![Watched::Jobs],
        Condition::CronJobMissed(_) => vec![Watched::CronJobs],
        Condition::CertificateExpiring(_) => vec![Watched::TlsSecrets],
        Condition::PvcUsage(_) | Condition::Promql(_) => vec![],
    }
}

impl Alerter {
    async fn cycle(&mut self) -> Result<usize> {
        let rules = Api::<AlertRule>::all(self.client.clone())
            .list(&ListParams::default())
            .await
            .map_err(|e| Error::Kube(format!("listing AlertRules: {e}")))?
            .items;
        let channels = Api::<NotificationChannel>::all(self.client.clone())
            .list(&ListParams::default())
            .await
            .map_err(|e| Error::Kube(format!("listing NotificationChannels: {e}")))?
            .items;
        let active = |rule: &&AlertRule| rule.spec.enabled;
        // Usage from metrics-server, read once per cycle when a rule needs it.
        if rules
            .iter()
            .filter(active)
            .any(|r| matches!(r.spec.condition, Condition::Usage(_)))
        {
            let usage = crate::sources::usage(&self.client).await;
            let mut snapshot = self
                .shared
                .snapshot
                .write()
                .unwrap_or_else(|p| p.into_inner());
            snapshot.usage = usage.as_ref().ok().cloned();
            drop(snapshot);
            self.usage_error = usage.err();
        }
        // PromQL answers, asked for before the snapshot is locked.
        let mut answers: HashMap<(String, String), Result<Series, String>> = HashMap::new();
        if let Some(url) = &self.config.prometheus_url {
            for rule in rules.iter().filter(active) {
                if let Some(query) = evaluate::promql_of(&rule.spec) {
                    let answer = crate::sources::prometheus(&self.http, url, &query).await;
                    answers.insert(key(rule), answer);
                }
            }
        }
        let now = Timestamp::now();
        let evaluations: Vec<std::result::Result<Evaluation, EvalError>> = {
            let snapshot = self
                .shared
                .snapshot
                .read()
                .unwrap_or_else(|p| p.into_inner());
            rules
                .iter()
                .map(|rule| {
                    if !rule.spec.enabled {
                        return Ok(Evaluation::default());
                    }
                    for kind in watched_by(&rule.spec.condition, &rule.spec) {
                        if let Some(reason) = self.shared.unavailable(kind) {
                            return Err(EvalError::Invalid(reason));
                        }
                    }
                    if matches!(rule.spec.condition, Condition::Usage(_))
                        && let Some(error) = &self.usage_error
                    {
                        return Err(EvalError::MetricsUnavailable(error.clone()));
                    }
                    evaluate::evaluate(
                        &rule.spec,
                        &self.scope(rule),
                        &snapshot,
                        now,
                        answers.get(&key(rule)),
                    )
                })
                .collect()
        };
        let count = rules.len();
        for (rule, evaluation) in rules.into_iter().zip(evaluations) {
            if !self.lease.held() {
                // Another replica leads now: it continues from the statuses written so far.
                break;
            }
            self.settle(&rule, evaluation, &channels, now).await;
        }
        Ok(count)
    }

    fn scope(&self, rule: &AlertRule) -> Scope {
        let namespace = rule.namespace().unwrap_or_default();
        Scope {
            cluster_wide: namespace == self.config.namespace,
            rule_namespace: namespace,
        }
    }

    /// Steps one rule's alerts, records the changes, notifies when due, writes the status.
    async fn settle(
        &mut self,
        rule: &AlertRule,
        evaluation: std::result::Result<Evaluation, EvalError>,
        channels: &[NotificationChannel],
        now: Timestamp,
    ) {
        let namespace = rule.namespace().unwrap_or_default();
        let name = rule.name_any();
        let previous = rule.status.clone().unwrap_or_default();
        let Step {
            mut status,
            transitions,
            due,
        } = state::step(
            &rule.spec,
            &previous,
            evaluation.as_ref(),
            rule.metadata.generation,
            now,
        );
        let observations: HashMap<&str, &evaluate::Observation> = evaluation
            .as_ref()
            .map(|e| e.holds.iter().map(|o| (o.target.as_str(), o)).collect())
            .unwrap_or_default();
        for transition in &transitions {
            let (reason, kind) = match transition.to {
                AlertState::Firing => ("AlertFiring", "Warning"),
                _ => ("AlertResolved", "Normal"),
            };
            let message = format!(
                "{} {}: {}",
                transition.kind, transition.target, transition.value
            );
            self.record(rule, reason, kind, &message).await;
        }
        let firing_now = status
            .alerts
            .iter()
            .any(|a| a.state == AlertState::Firing && !state::silenced(&rule.spec, &a.target, now));
        let rule_key = (namespace.clone(), name.clone());
        let rule_channels: Vec<&NotificationChannel> = rule
            .spec
            .channels
            .iter()
            .filter_map(|wanted| {
                channels.iter().find(|c| {
                    c.namespace().as_deref() == Some(namespace.as_str()) && c.name_any() == *wanted
                })
            })
            .collect();
        let alertmanager_due = firing_now
            && rule_channels.iter().any(|c| c.spec.alertmanager.is_some())
            && self
                .alertmanager_sent
                .get(&rule_key)
                .is_none_or(|at| at.elapsed() >= ALERTMANAGER_RESEND);
        if (due || alertmanager_due) && !rule.spec.channels.is_empty() {
            let alerts = state::notified_alerts(&rule.spec, &status, now);
            let generator = self.console_link(&namespace, &name);
            let group_alerts: Vec<notify::Alert> = alerts
                .iter()
                .map(|alert| {
                    let (target_labels, annotations) = match observations.get(alert.target.as_str())
                    {
                        Some(observation) => (
                            observation.labels.clone(),
                            evaluate::annotations(&rule.spec, &name, observation),
                        ),
                        None => (
                            BTreeMap::from([("target".to_string(), alert.target.clone())]),
                            resolved_annotations(&rule.spec, &name, alert),
                        ),
                    };
                    notify::alert_of(
                        alert,
                        notify::alert_labels(&rule.spec, &namespace, &name, &target_labels),
                        annotations,
                        generator.clone(),
                    )
                })
                .collect();
            let mut delivered = false;
            let mut failures = Vec::new();
            let mut succeeded = Vec::new();
            for channel_name in &rule.spec.channels {
                let channel = rule_channels.iter().find(|c| c.name_any() == *channel_name);
                let Some(channel) = channel else {
                    failures.push((
                        channel_name.clone(),
                        format!("no NotificationChannel {channel_name} in namespace {namespace}"),
                    ));
                    continue;
                };
                let destination = match self.destination(channel).await {
                    Ok(destination) => destination,
                    Err(error) => {
                        failures.push((channel_name.clone(), error));
                        continue;
                    }
                };
                let is_alertmanager = matches!(destination, Destination::Alertmanager { .. });
                // Alertmanager hears every cycle's firing alerts (it groups and repeats);
                // the others only when due.
                if !(due || is_alertmanager) {
                    continue;
                }
                let group = Group {
                    key: format!("{namespace}/{name}"),
                    rule: name.clone(),
                    receiver: channel_name.clone(),
                    alerts: group_alerts
                        .iter()
                        .filter(|a| a.firing || channel.spec.send_resolved)
                        .cloned()
                        .collect(),
                    external_url: self.config.console_url.clone().unwrap_or_default(),
                };
                if group.alerts.is_empty() {
                    continue;
                }
                if !self.lease.held() {
                    return;
                }
                let valid_for = 4 * self.config.interval.max(ALERTMANAGER_RESEND);
                match notify::send(&self.http, &destination, &group, now, valid_for).await {
                    Ok(()) => {
                        delivered = true;
                        succeeded.push(channel_name.clone());
                        if is_alertmanager {
                            self.alertmanager_sent
                                .insert(rule_key.clone(), Instant::now());
                        }
                    }
                    Err(error) => failures.push((channel_name.clone(), error)),
                }
            }
            for (channel, message) in &failures {
                self.record(
                    rule,
                    "NotificationFailed",
                    "Warning",
                    &format!("channel {channel}: {message}"),
                )
                .await;
            }
            // Each channel's last failure stays until it is sent to successfully.
            status.notification_errors.retain(|e| {
                !succeeded.contains(&e.channel) && !failures.iter().any(|(c, _)| *c == e.channel)
            });
            status
                .notification_errors
                .extend(
                    failures
                        .into_iter()
                        .map(|(channel, message)| NotificationError {
                            channel,
                            at: now,
                            message,
                        }),
                );
            // Told when any channel heard it; a channel that failed every retry has its error
            // in the status and an Event, and is not retried for this news (which would repeat
            // it to the channels that did hear it).
            if due && delivered {
                state::mark_notified(&rule.spec, &mut status, now);
            }
        } else if due {
            // No channels: the state is recorded, there is no one to tell.
            state::mark_notified(&rule.spec, &mut status, now);
        }
        if !firing_now {
            self.alertmanager_sent.remove(&rule_key);
        }
        if let Err(error) = self.write_status(&namespace, &name, &status).await {
            tracing::warn!(rule = %format!("{namespace}/{name}"), %error, "could not write the rule's status");
        }
    }

    fn console_link(&self, namespace: &str, name: &str) -> String {
        self.config
            .console_url
            .as_ref()
            .map_or(String::new(), |url| {
                format!("{}/alerts/{namespace}/{name}", url.trim_end_matches('/'))
            })
    }

    /// A channel with its secrets read.
    async fn destination(
        &self,
        channel: &NotificationChannel,
    ) -> std::result::Result<Destination, String> {
        let namespace = channel.namespace().unwrap_or_default();
        let spec = &channel.spec;
        spec.check()?;
        let secret = |reference: &Option<SecretKeyRef>| {
            let reference = reference.clone();
            let namespace = namespace.clone();
            let client = self.client.clone();
            async move {
                match reference {
                    None => Ok(None),
                    Some(reference) => read_secret(client, &namespace, &reference).await.map(Some),
                }
            }
        };
        let url = |endpoint: &crate::crd::Endpoint, secret_url: Option<String>| {
            secret_url
                .or_else(|| endpoint.url.clone())
                .map(|u| u.trim().to_string())
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .ok_or_else(|| {
                    "the channel has no http(s) url (give url or urlSecretRef)".to_string()
                })
        };
        if let Some(endpoint) = &spec.alertmanager {
            let found = secret(&endpoint.url_secret_ref).await?;
            return Ok(Destination::Alertmanager {
                url: url(endpoint, found)?,
                token: secret(&endpoint.bearer_token_secret_ref).await?,
            });
        }
        if let Some(endpoint) = &spec.webhook {
            let found = secret(&endpoint.url_secret_ref).await?;
            return Ok(Destination::Webhook {
                url: url(endpoint, found)?,
                token: secret(&endpoint.bearer_token_secret_ref).await?,
            });
        }
        if let Some(endpoint) = &spec.slack {
            let found = secret(&endpoint.url_secret_ref).await?;
            return Ok(Destination::Slack {
                url: url(endpoint, found)?,
            });
        }
        if let Some(email) = &spec.email {
            return Ok(Destination::Email {
                email: email.clone(),
                password: secret(&email.password_secret_ref).await?,
            });
        }
        Err("the channel names no destination".into())
    }

    /// An Event on the rule (core/v1, as kubectl describe shows them).
    async fn record(&self, rule: &AlertRule, reason: &str, kind: &str, message: &str) {
        let namespace = rule.namespace().unwrap_or_default();
        let now = Timestamp::now();
        let event = Event {
            metadata: ObjectMeta {
                generate_name: Some(format!("{}.", rule.name_any())),
                namespace: Some(namespace.clone()),
                ..ObjectMeta::default()
            },
            involved_object: ObjectReference {
                api_version: Some(format!("{}/{}", crate::crd::GROUP, crate::crd::VERSION)),
                kind: Some(crate::crd::RULE_KIND.into()),
                name: Some(rule.name_any()),
                namespace: Some(namespace.clone()),
                uid: rule.uid(),
                resource_version: rule.resource_version(),
                ..ObjectReference::default()
            },
            reason: Some(reason.into()),
            message: Some(message.chars().take(1024).collect()),
            type_: Some(kind.into()),
            source: Some(EventSource {
                component: Some("wheelhouse-alerter".into()),
                host: None,
            }),
            reporting_component: Some("wheelhouse-alerter".into()),
            reporting_instance: Some(self.config.identity.clone()),
            first_timestamp: Some(Time(now)),
            last_timestamp: Some(Time(now)),
            event_time: Some(MicroTime(now)),
            action: Some("Evaluate".into()),
            count: Some(1),
            ..Event::default()
        };
        if let Err(error) = Api::<Event>::namespaced(self.client.clone(), &namespace)
            .create(&PostParams::default(), &event)
            .await
        {
            tracing::warn!(%error, reason, "could not record an Event on the rule");
        }
    }

    /// Writes the status with a merge patch; fields it no longer has are removed.
    async fn write_status(
        &self,
        namespace: &str,
        name: &str,
        status: &AlertRuleStatus,
    ) -> std::result::Result<(), kube::Error> {
        let mut value = serde_json::to_value(status).unwrap_or(Value::Null);
        if let Value::Object(fields) = &mut value {
            for field in [
                "lastEvaluation",
                "observedGeneration",
                "error",
                "alerts",
                "lastNotified",
                "notificationErrors",
            ] {
                fields.entry(field).or_insert(Value::Null);
            }
        }
        Api::<AlertRule>::namespaced(self.client.clone(), namespace)
            .patch_status(
                name,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": value})),
            )
            .await
            .map(|_| ())
    }
}

fn key(rule: &AlertRule) -> (String, String) {
    (rule.namespace().unwrap_or_default(), rule.name_any())
}

/// A resolved alert's annotations, from the status alone (its observation is gone).
fn resolved_annotations(
    spec: &AlertRuleSpec,
    rule: &str,
    alert: &crate::crd::AlertStatus,
) -> BTreeMap<String, String> {
    let (namespace, name) = match alert.target.split_once('/') {
        Some((namespace, rest)) => (Some(namespace.to_string()), rest.to_string()),
        None => (None, alert.target.clone()),
    };
    let observation = evaluate::Observation {
        target: alert.target.clone(),
        kind: alert.kind.clone(),
        namespace,
        name,
        value: alert.value.clone(),
        since: None,
        labels: BTreeMap::new(),
    };
    evaluate::annotations(spec, rule, &observation)
}

async fn read_secret(
    client: Client,
    namespace: &str,
    reference: &SecretKeyRef,
) -> std::result::Result<String, String> {
    let secret = Api::<Secret>::namespaced(client, namespace)
        .get(&reference.name)
        .await
        .map_err(|e| format!("cannot read Secret {namespace}/{}: {e}", reference.name))?;
    let bytes = secret
        .data
        .as_ref()
        .and_then(|d| d.get(&reference.key))
        .ok_or_else(|| {
            format!(
                "Secret {namespace}/{} has no key {}",
                reference.name, reference.key
            )
        })?;
    String::from_utf8(bytes.0.clone())
        .map(|s| s.trim().to_string())
        .map_err(|_| {
            format!(
                "key {} of Secret {namespace}/{} is not text",
                reference.key, reference.name
            )
        })
}
