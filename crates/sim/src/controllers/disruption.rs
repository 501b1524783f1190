//! Plays the disruption controller: keeps each PodDisruptionBudget's status (expected and
//! healthy pods, how many may be disrupted now) in step with its pods.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::action::{Action, gr};
use super::deployment::int_or_percent;
use super::events::rfc3339;
use super::meta;
use super::workloads::{pod_active, pod_ready};

/// The status a PodDisruptionBudget should report for the pods of its namespace.
pub fn status(pdb: &Value, pods: &[&Value], now: Timestamp) -> Value {
    let selector = meta::at(pdb, &["spec", "selector"]);
    let matching: Vec<&&Value> = pods
        .iter()
        .filter(|p| pod_active(p) && meta::selector_matches(selector, &meta::labels(p)))
        .collect();
    let expected = matching.len() as i64;
    let healthy = matching.iter().filter(|p| pod_ready(p)).count() as i64;
    let min = meta::at(pdb, &["spec", "minAvailable"]);
    let max = meta::at(pdb, &["spec", "maxUnavailable"]);
    let desired = match (min, max) {
        (Some(m), _) if !m.is_null() => int_or_percent(Some(m), expected, true, "0"),
        (_, Some(m)) if !m.is_null() => expected - int_or_percent(Some(m), expected, false, "0"),
        _ => expected,
    };
    let allowed = (healthy - desired).max(0);
    let ok = allowed > 0;
    let previous = meta::at(pdb, &["status", "conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "DisruptionAllowed");
    let since = previous
        .filter(|c| c["status"] == if ok { "True" } else { "False" })
        .map_or_else(|| json!(rfc3339(now)), |c| c["lastTransitionTime"].clone());
    json!({
        "observedGeneration": meta::i64_at(pdb, &["metadata", "generation"]).unwrap_or(1),
        "expectedPods": expected,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "disruptionsAllowed": allowed,
        "conditions": [{
            "type": "DisruptionAllowed",
            "status": if ok { "True" } else { "False" },
            "reason": if ok { "SufficientPods" } else { "InsufficientPods" },
            "message": "",
            "observedGeneration": meta::i64_at(pdb, &["metadata", "generation"]).unwrap_or(1),
            "lastTransitionTime": since,
        }],
    })
}

/// One pass over one PodDisruptionBudget.
pub fn reconcile(pdb: &Value, pods: &[&Value], now: Timestamp) -> Option<Action> {
    Action::status(gr::poddisruptionbudgets(), pdb, status(pdb, pods, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(ready: bool) -> Value {
        let cond = if ready { "True" } else { "False" };
        json!({"metadata": {"labels": {"app": "web"}}, "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": cond}]}})
    }

    #[test]
    fn budgets_allow_disruptions_only_above_the_healthy_minimum() {
        let (up, down) = (pod(true), pod(false));
        let cases = [
            (
                "three healthy, two needed: one may go",
                json!({"minAvailable": 2}),
                vec![&up, &up, &up],
                1,
            ),
            (
                "two healthy, two needed: none may go",
                json!({"minAvailable": 2}),
                vec![&up, &up, &down],
                0,
            ),
            (
                "a third may be unavailable",
                json!({"maxUnavailable": "34%"}),
                vec![&up, &up, &up],
                1,
            ),
        ];
        for (case, mut spec, pods, want) in cases {
            spec["selector"] = json!({"matchLabels": {"app": "web"}});
            let pdb = json!({"metadata": {"name": "web", "namespace": "shop", "generation": 1}, "spec": spec});
            let s = status(&pdb, &pods, Timestamp::UNIX_EPOCH);
            assert_eq!(s["disruptionsAllowed"], want, "{case}: {s}");
            assert_eq!(s["expectedPods"], 3, "{case}");
        }
    }
}
