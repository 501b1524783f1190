//! Plays the Job controller: runs pods until `completions` succeed (at most `parallelism`
//! at once), counts failures against `backoffLimit`, and sets the Complete or Failed
//! condition with the timestamps `kubectl get jobs` shows.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::action::{Action, gr};
use super::events::{EventSpec, EventType, rfc3339};
use super::meta;
use super::workloads::{PodName, pod_active, pod_from_template, pod_ready};

fn finished_condition(job: &Value) -> Option<&str> {
    meta::at(job, &["status", "conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
        .and_then(|c| c["type"].as_str())
}

/// Whether a Job has finished (Complete or Failed).
pub fn is_finished(job: &Value) -> bool {
    finished_condition(job).is_some()
}

/// Whether a Job finished successfully.
pub fn is_complete(job: &Value) -> bool {
    finished_condition(job) == Some("Complete")
}

/// For a finished Job with `ttlSecondsAfterFinished`: whether that time has passed since it
/// finished. `None` when the Job has no TTL or has not finished.
pub fn ttl_expired(job: &Value, now: Timestamp) -> Option<bool> {
    let ttl = meta::i64_at(job, &["spec", "ttlSecondsAfterFinished"])?;
    let finished = meta::at(job, &["status", "conditions"])?
        .as_array()?
        .iter()
        .find(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")?;
    let at: Timestamp = meta::str_at(finished, &["lastTransitionTime"])
        .parse()
        .ok()?;
    Some(now.duration_since(at).as_secs() >= ttl)
}

/// One pass over one Job and its pods.
pub fn reconcile(job: &Value, owned: &[&Value], now: Timestamp) -> Vec<Action> {
    let mut actions = Vec::new();
    if meta::is_terminating(job) {
        return actions;
    }
    if ttl_expired(job, now) == Some(true) {
        // The TTL-after-finished controller: the Job goes, its pods with it.
        return vec![Action::delete(gr::jobs(), job)];
    }
    let now_s = rfc3339(now);
    let completions = meta::i64_at(job, &["spec", "completions"])
        .unwrap_or(1)
        .max(0);
    let parallelism = meta::i64_at(job, &["spec", "parallelism"])
        .unwrap_or(1)
        .max(0);
    let backoff_limit = meta::i64_at(job, &["spec", "backoffLimit"]).unwrap_or(6);
    let suspended = meta::at(job, &["spec", "suspend"]).and_then(Value::as_bool) == Some(true);
    let active: Vec<&Value> = owned.iter().copied().filter(|p| pod_active(p)).collect();
    let succeeded = owned
        .iter()
        .filter(|p| meta::str_at(p, &["status", "phase"]) == "Succeeded")
        .count() as i64;
    let failed = owned
        .iter()
        .filter(|p| meta::str_at(p, &["status", "phase"]) == "Failed")
        .count() as i64;
    let old_status = job.get("status").cloned().unwrap_or_else(|| json!({}));
    let mut status = json!({
        "active": active.len(),
        "ready": active.iter().filter(|p| pod_ready(p)).count(),
        "succeeded": succeeded,
        "failed": failed,
        "terminating": 0,
        "uncountedTerminatedPods": {},
        "startTime": old_status.get("startTime").cloned().unwrap_or_else(|| json!(now_s)),
    });
    for zero in ["active", "succeeded", "failed"] {
        if status[zero] == 0
            && let Some(m) = status.as_object_mut()
        {
            m.remove(zero);
        }
    }
    if let Some(conditions) = old_status.get("conditions") {
        meta::set_at(&mut status, &["conditions"], conditions.clone());
    }
    if let Some(t) = old_status.get("completionTime") {
        meta::set_at(&mut status, &["completionTime"], t.clone());
    }
    if !is_finished(job) {
        if succeeded >= completions {
            meta::set_at(&mut status, &["completionTime"], json!(now_s));
            meta::set_at(
                &mut status,
                &["conditions"],
                json!([
                    {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": now_s, "lastTransitionTime": now_s, "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
                    {"type": "Complete", "status": "True", "lastProbeTime": now_s, "lastTransitionTime": now_s, "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
                ]),
            );
            actions.push(Action::Event(EventSpec::new(
                job,
                EventType::Normal,
                "Completed",
                "Job completed",
                "job-controller",
            )));
        } else if failed > backoff_limit {
            meta::set_at(
                &mut status,
                &["conditions"],
                json!([
                    {"type": "FailureTarget", "status": "True", "lastProbeTime": now_s, "lastTransitionTime": now_s, "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
                    {"type": "Failed", "status": "True", "lastProbeTime": now_s, "lastTransitionTime": now_s, "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
                ]),
            );
            for pod in &active {
                actions.push(Action::delete(gr::pods(), pod));
            }
            actions.push(Action::Event(EventSpec::new(
                job,
                EventType::Warning,
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                "job-controller",
            )));
        } else if !suspended {
            let remaining = completions - succeeded;
            let want_active = parallelism.min(remaining);
            let template = meta::at(job, &["spec", "template"])
                .cloned()
                .unwrap_or_else(|| json!({}));
            let name = meta::name(job).to_string();
            let uid = meta::uid(job).to_string();
            for _ in active.len() as i64..want_active {
                let prefix = format!("{name}-");
                let pod = pod_from_template(
                    job,
                    &template,
                    PodName::Generate(&prefix),
                    &[
                        ("batch.kubernetes.io/controller-uid", &uid),
                        ("batch.kubernetes.io/job-name", &name),
                        ("controller-uid", &uid),
                        ("job-name", &name),
                    ],
                );
                let event = EventSpec::new(
                    job,
                    EventType::Normal,
                    "SuccessfulCreate",
                    "Created pod: {name}",
                    "job-controller",
                );
                actions.push(Action::CreateAndReport {
                    resource: gr::pods(),
                    object: pod,
                    event,
                });
            }
        }
    }
    if let Some(a) = Action::status(gr::jobs(), job, status) {
        actions.push(a);
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(completions: i64, parallelism: i64) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "report", "namespace": "data", "uid": "j-1"},
               "spec": {"completions": completions, "parallelism": parallelism, "backoffLimit": 1,
                        "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "r", "image": "busybox"}]}}}})
    }

    fn pod(phase: &str) -> Value {
        json!({"metadata": {"name": format!("report-{phase}")}, "status": {"phase": phase}})
    }

    fn creates(actions: &[Action]) -> usize {
        actions
            .iter()
            .filter(|a| matches!(a, Action::CreateAndReport { .. }))
            .count()
    }

    fn status(actions: &[Action]) -> Value {
        actions
            .iter()
            .find_map(|a| match a {
                Action::SetStatus { status, .. } => Some(status.clone()),
                _ => None,
            })
            .unwrap_or(Value::Null)
    }

    #[test]
    fn jobs_run_pods_until_enough_succeed() {
        let (ok, running, bad) = (pod("Succeeded"), pod("Running"), pod("Failed"));
        type Case<'a> = (&'a str, Value, Vec<&'a Value>, usize, Option<&'a str>);
        let cases: [Case; 4] = [
            (
                "a new job starts up to parallelism pods",
                job(3, 2),
                vec![],
                2,
                None,
            ),
            (
                "a running pod counts against parallelism",
                job(3, 2),
                vec![&ok, &running],
                1,
                None,
            ),
            (
                "enough successes complete the job",
                job(1, 1),
                vec![&ok],
                0,
                Some("Complete"),
            ),
            (
                "too many failures fail the job",
                job(1, 1),
                vec![&bad, &bad],
                0,
                Some("Failed"),
            ),
        ];
        for (case, j, pods, want_creates, want_condition) in cases {
            let actions = reconcile(&j, &pods, Timestamp::UNIX_EPOCH);
            assert_eq!(creates(&actions), want_creates, "{case}");
            let s = status(&actions);
            let cond = s["conditions"]
                .as_array()
                .and_then(|c| c.last())
                .and_then(|c| c["type"].as_str());
            assert_eq!(cond, want_condition, "{case}");
        }
    }

    #[test]
    fn a_finished_job_with_a_ttl_is_deleted_when_it_runs_out() {
        let mut j = job(1, 1);
        j["spec"]["ttlSecondsAfterFinished"] = json!(60);
        j["status"] = json!({"succeeded": 1, "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": "2026-11-27T17:00:00Z"}]});
        let at = |s: &str| s.parse::<Timestamp>().expect("ts");
        let ok = pod("Succeeded");
        assert!(
            !reconcile(&j, &[&ok], at("2026-11-27T17:00:59Z"))
                .iter()
                .any(|a| matches!(a, Action::Delete { .. })),
            "not yet"
        );
        let actions = reconcile(&j, &[&ok], at("2026-11-27T17:01:00Z"));
        assert!(
            matches!(&actions[..], [Action::Delete { name, .. }] if name == "report"),
            "{actions:?}"
        );
    }

    #[test]
    fn a_complete_job_reports_succeeded_and_completion_time() {
        let ok = pod("Succeeded");
        let s = status(&reconcile(&job(1, 1), &[&ok], Timestamp::UNIX_EPOCH));
        assert_eq!(s["succeeded"], 1);
        assert_eq!(s["completionTime"], "1970-01-01T00:00:00Z");
    }
}
