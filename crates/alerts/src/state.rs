//! Per rule and target: pending → firing → resolved, kept in the rule's status, and when the
//! rule's channels are due a notification. Pure: the alerter persists what [`step`] returns, so a
//! restarted alerter continues from the status and fires nothing twice.

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;

use crate::crd::{AlertRuleSpec, AlertRuleStatus, AlertState, AlertStatus};
use crate::evaluate::{EvalError, Evaluation, Observation};

/// How long a notified, resolved alert stays in the status (the console's recent history).
pub const RESOLVED_KEPT: Duration = Duration::from_secs(3600);

/// At most this many alerts are kept in one rule's status (firing first), so a rule that matches
/// thousands of pods cannot make its object grow past what the API server stores.
pub const MAX_ALERTS: usize = 500;

/// A change of state the alerter records as an Event on the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub target: String,
    pub kind: String,
    pub to: AlertState,
    pub value: String,
}

/// The outcome of one evaluation of one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub status: AlertRuleStatus,
    pub transitions: Vec<Transition>,
    /// Whether the rule's channels are due a notification now.
    pub due: bool,
}

fn elapsed(since: Timestamp, now: Timestamp) -> Duration {
    Duration::from_secs(u64::try_from(now.as_second() - since.as_second()).unwrap_or(0))
}

/// Whether a silence holds `target` now.
pub fn silenced(spec: &AlertRuleSpec, target: &str, now: Timestamp) -> bool {
    spec.silences
        .iter()
        .any(|s| s.until > now && s.target.as_deref().is_none_or(|t| t == target))
}

/// Moves each target's alert on from `previous` by what `evaluation` found.
pub fn step(
    spec: &AlertRuleSpec,
    previous: &AlertRuleStatus,
    evaluation: Result<&Evaluation, &EvalError>,
    generation: Option<i64>,
    now: Timestamp,
) -> Step {
    let mut status = AlertRuleStatus {
        last_evaluation: Some(now),
        observed_generation: generation,
        last_notified: previous.last_notified,
        notification_errors: previous.notification_errors.clone(),
        ..AlertRuleStatus::default()
    };
    let mut transitions = Vec::new();
    let evaluation = match evaluation {
        // What cannot be evaluated is not known to be fine: the alerts stay as they were.
        Err(error) => {
            status.error = Some(error.to_string());
            status.alerts = previous.alerts.clone();
            status.firing = count_firing(&status.alerts);
            status.targets = previous.targets;
            return Step {
                status,
                transitions,
                due: false,
            };
        }
        Ok(evaluation) => evaluation,
    };
    let holds: &[Observation] = if spec.enabled { &evaluation.holds } else { &[] };
    status.targets = if spec.enabled { evaluation.targets } else { 0 };
    let mut before: HashMap<&str, &AlertStatus> = previous
        .alerts
        .iter()
        .map(|a| (a.target.as_str(), a))
        .collect();
    let hold = spec.hold();
    for observation in holds {
        let prior = before
            .remove(observation.target.as_str())
            .filter(|a| a.state != AlertState::Resolved);
        let since = match prior {
            Some(prior) => prior.since,
            None => observation.since.filter(|s| *s <= now).unwrap_or(now),
        };
        let was_firing = prior.is_some_and(|p| p.state == AlertState::Firing);
        let firing = was_firing || elapsed(since, now) >= hold;
        if firing && !was_firing {
            transitions.push(Transition {
                target: observation.target.clone(),
                kind: observation.kind.clone(),
                to: AlertState::Firing,
                value: observation.value.clone(),
            });
        }
        status.alerts.push(AlertStatus {
            target: observation.target.clone(),
            kind: observation.kind.clone(),
            state: if firing {
                AlertState::Firing
            } else {
                AlertState::Pending
            },
            since,
            fired_at: if firing {
                prior.and_then(|p| p.fired_at).or(Some(now))
            } else {
                None
            },
            value: observation.value.clone(),
            notified: was_firing && prior.is_some_and(|p| p.notified),
        });
    }
    // Targets the condition no longer holds for, in the order the status had them.
    for alert in &previous.alerts {
        if !before.contains_key(alert.target.as_str()) {
            continue;
        }
        match alert.state {
            AlertState::Pending => {}
            AlertState::Firing => {
                transitions.push(Transition {
                    target: alert.target.clone(),
                    kind: alert.kind.clone(),
                    to: AlertState::Resolved,
                    value: alert.value.clone(),
                });
                status.alerts.push(AlertStatus {
                    state: AlertState::Resolved,
                    since: now,
                    notified: false,
                    ..alert.clone()
                });
            }
            AlertState::Resolved => {
                if !alert.notified || elapsed(alert.since, now) < RESOLVED_KEPT {
                    status.alerts.push(alert.clone());
                }
            }
        }
    }
    // Firing first, then pending, then resolved; bounded.
    status.alerts.sort_by_key(|a| match a.state {
        AlertState::Firing => 0,
        AlertState::Pending => 1,
        AlertState::Resolved => 2,
    });
    status.alerts.truncate(MAX_ALERTS);
    status.firing = count_firing(&status.alerts);
    let due = due(spec, &status, now);
    Step {
        status,
        transitions,
        due,
    }
}

fn count_firing(alerts: &[AlertStatus]) -> u32 {
    alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .count() as u32
}

/// Whether the rule's channels are owed a notification: an alert fired or resolved and they
/// have not been told, or alerts still fire a repeat interval after they last were.
fn due(spec: &AlertRuleSpec, status: &AlertRuleStatus, now: Timestamp) -> bool {
    let heard: Vec<&AlertStatus> = status
        .alerts
        .iter()
        .filter(|a| a.state != AlertState::Pending && !silenced(spec, &a.target, now))
        .collect();
    let news = heard.iter().any(|a| !a.notified);
    let repeat = heard.iter().any(|a| a.state == AlertState::Firing)
        && status
            .last_notified
            .is_none_or(|last| elapsed(last, now) >= spec.repeat());
    news || repeat
}

/// The alerts one notification carries: firing and newly resolved, without silenced ones.
pub fn notified_alerts<'a>(
    spec: &AlertRuleSpec,
    status: &'a AlertRuleStatus,
    now: Timestamp,
) -> Vec<&'a AlertStatus> {
    status
        .alerts
        .iter()
        .filter(|a| match a.state {
            AlertState::Firing => true,
            AlertState::Resolved => !a.notified,
            AlertState::Pending => false,
        })
        .filter(|a| !silenced(spec, &a.target, now))
        .collect()
}

/// Records that the channels were told about what [`notified_alerts`] returned.
pub fn mark_notified(spec: &AlertRuleSpec, status: &mut AlertRuleStatus, now: Timestamp) {
    for alert in &mut status.alerts {
        if alert.state != AlertState::Pending && !silenced(spec, &alert.target, now) {
            alert.notified = true;
        }
    }
    status.last_notified = Some(now);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::Silence;

    fn spec(hold: &str) -> AlertRuleSpec {
        serde_json::from_value(serde_json::json!({
            "condition": {"crashLooping": {}}, "for": hold, "repeatInterval": "1h"
        }))
        .expect("a rule")
    }

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minute * 60).expect("a time")
    }

    fn holding(targets: &[&str]) -> Evaluation {
        Evaluation {
            targets: 10,
            holds: targets
                .iter()
                .map(|t| Observation {
                    target: (*t).to_string(),
                    kind: "Pod".into(),
                    namespace: Some("shop".into()),
                    name: (*t).to_string(),
                    value: "CrashLoopBackOff".into(),
                    since: None,
                    labels: Default::default(),
                })
                .collect(),
        }
    }

    #[test]
    fn an_alert_fires_after_its_for_notifies_once_then_resolves_and_notifies_once_more() {
        let rule = spec("2m");
        let s0 = AlertRuleStatus::default();
        let s1 = step(&rule, &s0, Ok(&holding(&["a"])), Some(1), at(0));
        assert_eq!(s1.status.alerts[0].state, AlertState::Pending);
        assert!(!s1.due, "pending is not notified");
        let s2 = step(&rule, &s1.status, Ok(&holding(&["a"])), Some(1), at(2));
        assert_eq!(s2.status.alerts[0].state, AlertState::Firing);
        assert_eq!(s2.status.firing, 1);
        assert_eq!(s2.transitions.len(), 1);
        assert!(s2.due);
        let mut told = s2.status.clone();
        mark_notified(&rule, &mut told, at(2));
        let s3 = step(&rule, &told, Ok(&holding(&["a"])), Some(1), at(3));
        assert!(
            !s3.due,
            "told already, and the repeat interval has not passed"
        );
        assert!(s3.transitions.is_empty());
        let s4 = step(&rule, &s3.status, Ok(&holding(&["a"])), Some(1), at(63));
        assert!(s4.due, "still firing a repeat interval later");
        let mut told = s4.status.clone();
        mark_notified(&rule, &mut told, at(63));
        let s5 = step(&rule, &told, Ok(&holding(&[])), Some(1), at(64));
        assert_eq!(s5.status.alerts[0].state, AlertState::Resolved);
        assert_eq!(s5.transitions[0].to, AlertState::Resolved);
        assert!(s5.due, "the resolution is notified");
        let mut told = s5.status.clone();
        mark_notified(&rule, &mut told, at(64));
        let s6 = step(&rule, &told, Ok(&holding(&[])), Some(1), at(65));
        assert!(!s6.due && s6.transitions.is_empty());
        let s7 = step(&rule, &s6.status, Ok(&holding(&[])), Some(1), at(200));
        assert!(s7.status.alerts.is_empty(), "resolved alerts age out");
    }

    #[test]
    fn a_condition_that_clears_while_pending_never_fires() {
        let rule = spec("5m");
        let s1 = step(
            &rule,
            &AlertRuleStatus::default(),
            Ok(&holding(&["a"])),
            None,
            at(0),
        );
        let s2 = step(&rule, &s1.status, Ok(&holding(&[])), None, at(1));
        assert!(s2.status.alerts.is_empty());
        assert!(s2.transitions.is_empty() && !s2.due);
    }

    #[test]
    fn a_failed_evaluation_keeps_the_alerts_and_says_why() {
        let rule = spec("0s");
        let s1 = step(
            &rule,
            &AlertRuleStatus::default(),
            Ok(&holding(&["a"])),
            None,
            at(0),
        );
        let error = EvalError::NoPrometheus;
        let s2 = step(&rule, &s1.status, Err(&error), None, at(1));
        assert_eq!(s2.status.alerts, s1.status.alerts);
        assert!(
            s2.status
                .error
                .as_deref()
                .is_some_and(|e| e.contains("--prometheus-url"))
        );
        assert!(!s2.due && s2.transitions.is_empty());
    }

    #[test]
    fn a_silenced_target_shows_but_is_not_notified() {
        let mut rule = spec("0s");
        rule.silences.push(Silence {
            target: Some("a".into()),
            until: at(30),
            by: None,
            comment: None,
        });
        let s1 = step(
            &rule,
            &AlertRuleStatus::default(),
            Ok(&holding(&["a", "b"])),
            None,
            at(0),
        );
        assert_eq!(s1.status.firing, 2);
        assert!(s1.due);
        let told: Vec<&str> = notified_alerts(&rule, &s1.status, at(0))
            .iter()
            .map(|a| a.target.as_str())
            .collect();
        assert_eq!(told, ["b"]);
        let mut told = s1.status.clone();
        mark_notified(&rule, &mut told, at(0));
        let s2 = step(&rule, &told, Ok(&holding(&["a", "b"])), None, at(1));
        assert!(!s2.due);
        let s3 = step(&rule, &s2.status, Ok(&holding(&["a", "b"])), None, at(31));
        assert!(s3.due, "when the silence ends, the silenced alert is news");
    }

    #[test]
    fn a_disabled_rule_resolves_its_alerts() {
        let mut rule = spec("0s");
        let s1 = step(
            &rule,
            &AlertRuleStatus::default(),
            Ok(&holding(&["a"])),
            None,
            at(0),
        );
        rule.enabled = false;
        let s2 = step(&rule, &s1.status, Ok(&holding(&["a"])), None, at(1));
        assert_eq!(s2.status.alerts[0].state, AlertState::Resolved);
        assert_eq!(s2.status.firing, 0);
    }
}
