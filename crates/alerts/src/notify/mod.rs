//! Notifications: one message per rule (its group) to each of its channels, in the formats the
//! Prometheus ecosystem reads — Alertmanager's API v2, Alertmanager's webhook payload, a
//! Slack-compatible incoming webhook, and e-mail over SMTP — with retries and backoff.

mod smtp;

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::crd::{AlertRuleSpec, AlertState, AlertStatus, Email};

pub use smtp::send_mail;

/// One alert as a notification carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub firing: bool,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub generator_url: String,
}

/// The alerts of one rule, for one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `namespace/rule`.
    pub key: String,
    pub rule: String,
    pub receiver: String,
    pub alerts: Vec<Alert>,
    /// The console's address, when the alerter knows it (links in messages).
    pub external_url: String,
}

/// A channel with its secrets read: where to send and how.
#[derive(Debug, Clone)]
pub enum Destination {
    Alertmanager {
        url: String,
        token: Option<String>,
    },
    Webhook {
        url: String,
        token: Option<String>,
    },
    Slack {
        url: String,
    },
    Email {
        email: Email,
        password: Option<String>,
    },
}

impl Destination {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Alertmanager { .. } => "alertmanager",
            Self::Webhook { .. } => "webhook",
            Self::Slack { .. } => "slack",
            Self::Email { .. } => "email",
        }
    }
}

/// The labels an alert carries: the rule's name and severity, the target's names, the rule's own.
pub fn alert_labels(
    spec: &AlertRuleSpec,
    rule_namespace: &str,
    rule: &str,
    target_labels: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels = target_labels.clone();
    labels.insert("alertname".into(), rule.to_string());
    labels.insert("severity".into(), spec.severity.as_str().into());
    labels.insert("rule_namespace".into(), rule_namespace.to_string());
    for (k, v) in &spec.labels {
        labels.insert(k.clone(), v.clone());
    }
    labels
}

/// An alert from a rule's status entry.
pub fn alert_of(
    status: &AlertStatus,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    generator_url: String,
) -> Alert {
    let firing = status.state == AlertState::Firing;
    Alert {
        labels,
        annotations,
        firing,
        starts_at: status.fired_at.unwrap_or(status.since),
        ends_at: (!firing).then_some(status.since),
        generator_url,
    }
}

/// Alertmanager's fingerprint is its own hash of the labels; ours is FNV-1a over them, stable
/// across restarts, so receivers can tell alerts apart.
fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for byte in k.bytes().chain([0xff]).chain(v.bytes()).chain([0xfe]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The body of `POST /api/v2/alerts`. Firing alerts end `valid_for` from now unless sent again,
/// as Prometheus does, so Alertmanager resolves them if the alerter stops.
pub fn alertmanager_body(group: &Group, now: Timestamp, valid_for: Duration) -> Value {
    let alerts: Vec<Value> = group
        .alerts
        .iter()
        .map(|alert| {
            let ends = alert.ends_at.unwrap_or_else(|| {
                now.checked_add(jiff::SignedDuration::try_from(valid_for).unwrap_or_default())
                    .unwrap_or(now)
            });
            json!({
                "labels": alert.labels,
                "annotations": alert.annotations,
                "startsAt": time(alert.starts_at),
                "endsAt": time(ends),
                "generatorURL": alert.generator_url,
            })
        })
        .collect();
    Value::Array(alerts)
}

/// Alertmanager's webhook payload, version 4.
pub fn webhook_body(group: &Group) -> Value {
    let firing = group.alerts.iter().any(|a| a.firing);
    let common = |pick: fn(&Alert) -> &BTreeMap<String, String>| -> BTreeMap<String, String> {
        let mut alerts = group.alerts.iter();
        let Some(first) = alerts.next() else {
            return BTreeMap::new();
        };
        let mut shared = pick(first).clone();
        for alert in alerts {
            shared.retain(|k, v| pick(alert).get(k) == Some(v));
        }
        shared
    };
    let alerts: Vec<Value> = group
        .alerts
        .iter()
        .map(|alert| {
            json!({
                "status": if alert.firing { "firing" } else { "resolved" },
                "labels": alert.labels,
                "annotations": alert.annotations,
                "startsAt": time(alert.starts_at),
                "endsAt": alert.ends_at.map_or_else(|| "0001-01-01T00:00:00Z".to_string(), time),
                "generatorURL": alert.generator_url,
                "fingerprint": fingerprint(&alert.labels),
            })
        })
        .collect();
    json!({
        "version": "4",
        "groupKey": group.key,
        "truncatedAlerts": 0,
        "status": if firing { "firing" } else { "resolved" },
        "receiver": group.receiver,
        "groupLabels": {"alertname": group.rule},
        "commonLabels": common(|a| &a.labels),
        "commonAnnotations": common(|a| &a.annotations),
        "externalURL": group.external_url,
        "alerts": alerts,
    })
}

/// The text of a notification: a title line, then one line per alert.
pub fn text(group: &Group) -> (String, String) {
    let firing = group.alerts.iter().filter(|a| a.firing).count();
    let resolved = group.alerts.len() - firing;
    let mut title = String::new();
    if firing > 0 {
        title.push_str(&format!("[FIRING:{firing}] "));
    }
    if resolved > 0 {
        title.push_str(&format!("[RESOLVED:{resolved}] "));
    }
    title.push_str(&group.key);
    let mut body = String::new();
    for alert in &group.alerts {
        let state = if alert.firing { "firing" } else { "resolved" };
        let summary = alert
            .annotations
            .get("summary")
            .cloned()
            .unwrap_or_default();
        body.push_str(&format!("- {state}: {summary}\n"));
        if let Some(description) = alert.annotations.get("description") {
            body.push_str(&format!("  {description}\n"));
        }
    }
    if !group.external_url.is_empty() {
        body.push_str(&format!("\n{}\n", group.external_url));
    }
    (title, body)
}

/// A Slack incoming webhook's body (Mattermost and Rocket.Chat read the same).
pub fn slack_body(group: &Group) -> Value {
    let (title, body) = text(group);
    json!({"text": format!("*{title}*\n{body}")})
}

/// Sends `group` to `destination`, trying again with backoff (1 s, 2 s, 4 s) before giving up
/// with the last error.
pub async fn send(
    http: &reqwest::Client,
    destination: &Destination,
    group: &Group,
    now: Timestamp,
    valid_for: Duration,
) -> Result<(), String> {
    let mut delay = Duration::from_secs(1);
    let mut attempt = 1;
    loop {
        match send_once(http, destination, group, now, valid_for).await {
            Ok(()) => return Ok(()),
            Err(error) if attempt >= 4 => {
                return Err(format!("{error} (after {attempt} attempts)"));
            }
            Err(error) => {
                tracing::debug!(channel = %group.receiver, %error, attempt, "notification failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
        }
    }
}

async fn send_once(
    http: &reqwest::Client,
    destination: &Destination,
    group: &Group,
    now: Timestamp,
    valid_for: Duration,
) -> Result<(), String> {
    let (url, token, body) = match destination {
        Destination::Alertmanager { url, token } => (
            format!("{}/api/v2/alerts", url.trim_end_matches('/')),
            token.as_deref(),
            alertmanager_body(group, now, valid_for),
        ),
        Destination::Webhook { url, token } => (url.clone(), token.as_deref(), webhook_body(group)),
        Destination::Slack { url } => (url.clone(), None, slack_body(group)),
        Destination::Email { email, password } => {
            let (subject, body) = text(group);
            return send_mail(email, password.as_deref(), &subject, &body).await;
        }
    };
    let mut request = http.post(&url).json(&body).timeout(Duration::from_secs(10));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer = request
        .send()
        .await
        .map_err(|e| format!("POST {}: {}", redact(&url), wheelhouse_tls::with_causes(&e)))?;
    let status = answer.status();
    if status.is_success() {
        return Ok(());
    }
    let text = answer.text().await.unwrap_or_default();
    let text: String = text.chars().take(300).collect();
    Err(format!(
        "POST {} answered {status}: {}",
        redact(&url),
        text.trim()
    ))
}

/// A URL as errors show it: a webhook's path is often its secret (Slack's is), so only the
/// scheme and host are shown.
pub fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => format!(
            "{}://{}{}/…",
            parsed.scheme(),
            parsed.host_str().unwrap_or(""),
            parsed.port().map_or(String::new(), |p| format!(":{p}"))
        ),
        Err(_) => "the channel's URL".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> Group {
        let labels = |pod: &str| {
            BTreeMap::from([
                ("alertname".to_string(), "crash-looping".to_string()),
                ("namespace".to_string(), "shop".to_string()),
                ("pod".to_string(), pod.to_string()),
                ("severity".to_string(), "critical".to_string()),
            ])
        };
        let at = |s: i64| Timestamp::from_second(1_800_000_000 + s).expect("t");
        Group {
            key: "wheelhouse/crash-looping".into(),
            rule: "crash-looping".into(),
            receiver: "ops".into(),
            external_url: "https://console.example".into(),
            alerts: vec![
                Alert {
                    labels: labels("a"),
                    annotations: BTreeMap::from([("summary".into(), "a loops".into())]),
                    firing: true,
                    starts_at: at(0),
                    ends_at: None,
                    generator_url: "https://console.example/alerts/wheelhouse/crash-looping".into(),
                },
                Alert {
                    labels: labels("b"),
                    annotations: BTreeMap::from([("summary".into(), "b loops".into())]),
                    firing: false,
                    starts_at: at(0),
                    ends_at: Some(at(60)),
                    generator_url: String::new(),
                },
            ],
        }
    }

    #[test]
    fn the_webhook_payload_is_alertmanager_s_version_4() {
        let body = webhook_body(&group());
        assert_eq!(body["version"], "4");
        assert_eq!(body["status"], "firing");
        assert_eq!(body["receiver"], "ops");
        assert_eq!(body["groupLabels"]["alertname"], "crash-looping");
        assert_eq!(body["commonLabels"]["namespace"], "shop");
        assert!(body["commonLabels"].get("pod").is_none(), "pods differ");
        assert_eq!(body["alerts"][0]["status"], "firing");
        assert_eq!(body["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");
        assert_eq!(body["alerts"][1]["status"], "resolved");
        assert_ne!(
            body["alerts"][0]["fingerprint"],
            body["alerts"][1]["fingerprint"]
        );
    }

    #[test]
    fn alertmanager_alerts_end_unless_sent_again() {
        let now = Timestamp::from_second(1_800_000_100).expect("t");
        let body = alertmanager_body(&group(), now, Duration::from_secs(240));
        assert_eq!(body[0]["endsAt"], "2027-01-15T08:05:40.000Z");
        assert_eq!(
            body[1]["endsAt"], "2027-01-15T08:01:00.000Z",
            "resolved at its time"
        );
        assert_eq!(body[0]["labels"]["severity"], "critical");
    }

    #[test]
    fn the_text_counts_firing_and_resolved() {
        let (title, body) = text(&group());
        assert_eq!(title, "[FIRING:1] [RESOLVED:1] wheelhouse/crash-looping");
        assert!(body.contains("- firing: a loops") && body.contains("- resolved: b loops"));
    }

    #[test]
    fn errors_do_not_show_a_webhook_s_secret_path() {
        assert_eq!(
            redact("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/…"
        );
    }
}
