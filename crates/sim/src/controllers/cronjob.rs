//! Plays the CronJob controller: creates a Job at each scheduled time (unless suspended or
//! forbidden by the concurrency policy), tracks active Jobs and the last schedule and
//! success times, and prunes finished Jobs beyond the history limits.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::action::{Action, gr};
use super::events::{EventSpec, EventType, rfc3339};
use super::job;
use super::meta;
use wheelhouse_model::cron::Schedule;

/// One pass over one CronJob and the Jobs it owns.
pub fn reconcile(cj: &Value, owned: &[&Value], now: Timestamp) -> Vec<Action> {
    let mut actions = Vec::new();
    if meta::is_terminating(cj) {
        return actions;
    }
    let schedule_text = meta::str_at(cj, &["spec", "schedule"]);
    let schedule: Schedule = match schedule_text.parse() {
        Ok(s) => s,
        Err(e) => {
            let warning = EventSpec::new(
                cj,
                EventType::Warning,
                "InvalidSchedule",
                e.to_string(),
                "cronjob-controller",
            );
            return vec![Action::Event(warning)];
        }
    };
    let suspended = meta::at(cj, &["spec", "suspend"]).and_then(Value::as_bool) == Some(true);
    let active: Vec<&Value> = owned
        .iter()
        .copied()
        .filter(|j| !job::is_finished(j))
        .collect();
    let last_schedule = meta::str_at(cj, &["status", "lastScheduleTime"])
        .parse::<Timestamp>()
        .or_else(|_| meta::str_at(cj, &["metadata", "creationTimestamp"]).parse::<Timestamp>())
        .unwrap_or(now);
    let mut status = json!({});
    if let Some(t) = meta::at(cj, &["status", "lastScheduleTime"]) {
        meta::set_at(&mut status, &["lastScheduleTime"], t.clone());
    }
    let mut active_refs: Vec<Value> = active
        .iter()
        .map(|j| json!({"apiVersion": "batch/v1", "kind": "Job", "name": meta::name(j), "namespace": meta::namespace(j), "uid": meta::uid(j), "resourceVersion": meta::str_at(j, &["metadata", "resourceVersion"])}))
        .collect();
    if !suspended && let Some(run) = schedule.last_between(last_schedule, now) {
        let policy = meta::str_at(cj, &["spec", "concurrencyPolicy"]);
        if policy == "Forbid" && !active.is_empty() {
            // Skip this run, as the real controller does; try at the next time.
        } else {
            if policy == "Replace" {
                for j in &active {
                    actions.push(Action::delete(gr::jobs(), j));
                }
                active_refs.clear();
            }
            let name = format!("{}-{}", meta::name(cj), run.as_second() / 60);
            if !owned.iter().any(|j| meta::name(j) == name) {
                let template = meta::at(cj, &["spec", "jobTemplate"])
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                let mut job = json!({
                    "apiVersion": "batch/v1",
                    "kind": "Job",
                    "metadata": template.get("metadata").cloned().unwrap_or_else(|| json!({})),
                    "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
                });
                meta::set_at(&mut job, &["metadata", "name"], json!(name));
                meta::set_at(
                    &mut job,
                    &["metadata", "namespace"],
                    json!(meta::namespace(cj)),
                );
                meta::set_at(
                    &mut job,
                    &["metadata", "ownerReferences"],
                    json!([meta::controller_ref(cj)]),
                );
                meta::set_annotation(
                    &mut job,
                    "batch.kubernetes.io/cronjob-scheduled-timestamp",
                    &rfc3339(run),
                );
                actions.push(Action::Create {
                    resource: gr::jobs(),
                    object: job,
                });
                actions.push(Action::Event(EventSpec::new(
                    cj,
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!("Created job {name}"),
                    "cronjob-controller",
                )));
                active_refs.push(json!({"apiVersion": "batch/v1", "kind": "Job", "name": name, "namespace": meta::namespace(cj)}));
            }
            meta::set_at(&mut status, &["lastScheduleTime"], json!(rfc3339(run)));
        }
    }
    if !active_refs.is_empty() {
        meta::set_at(&mut status, &["active"], json!(active_refs));
    }
    let last_success = owned
        .iter()
        .filter(|j| job::is_complete(j))
        .filter_map(|j| meta::at(j, &["status", "completionTime"]).and_then(Value::as_str))
        .max();
    if let Some(t) = last_success
        .or_else(|| meta::at(cj, &["status", "lastSuccessfulTime"]).and_then(Value::as_str))
    {
        meta::set_at(&mut status, &["lastSuccessfulTime"], json!(t));
    }
    for (complete, limit) in [
        (true, "successfulJobsHistoryLimit"),
        (false, "failedJobsHistoryLimit"),
    ] {
        let keep = meta::i64_at(cj, &["spec", limit])
            .unwrap_or(if complete { 3 } else { 1 })
            .max(0) as usize;
        let mut done: Vec<&Value> = owned
            .iter()
            .copied()
            .filter(|j| job::is_finished(j) && job::is_complete(j) == complete)
            .collect();
        done.sort_by_key(|j| meta::str_at(j, &["metadata", "creationTimestamp"]).to_string());
        if done.len() > keep {
            for j in done.iter().take(done.len() - keep) {
                actions.push(Action::delete(gr::jobs(), j));
                actions.push(Action::Event(EventSpec::new(
                    cj,
                    EventType::Normal,
                    "SuccessfulDelete",
                    format!("Deleted job {}", meta::name(j)),
                    "cronjob-controller",
                )));
            }
        }
    }
    if let Some(a) = Action::status(gr::cronjobs(), cj, status) {
        actions.push(a);
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cj(suspend: bool, last: &str) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "CronJob",
               "metadata": {"name": "backup", "namespace": "data", "uid": "cj-1", "creationTimestamp": "2026-11-27T16:00:00Z"},
               "spec": {"schedule": "*/5 * * * *", "suspend": suspend,
                        "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "b", "image": "busybox"}]}}}}},
               "status": {"lastScheduleTime": last}})
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("ts")
    }

    fn created_job(actions: &[Action]) -> Option<String> {
        actions.iter().find_map(|a| match a {
            Action::Create { object, .. } => {
                object["metadata"]["name"].as_str().map(str::to_string)
            }
            _ => None,
        })
    }

    #[test]
    fn cron_jobs_start_a_job_when_the_schedule_comes_round() {
        let cases = [
            (
                "due: a job is created",
                cj(false, "2026-11-27T17:00:00Z"),
                "2026-11-27T17:05:10Z",
                true,
            ),
            (
                "not yet due: nothing",
                cj(false, "2026-11-27T17:00:00Z"),
                "2026-11-27T17:04:59Z",
                false,
            ),
            (
                "suspended: nothing",
                cj(true, "2026-11-27T17:00:00Z"),
                "2026-11-27T17:06:00Z",
                false,
            ),
        ];
        for (case, c, now, want) in cases {
            let actions = reconcile(&c, &[], ts(now));
            assert_eq!(created_job(&actions).is_some(), want, "{case}");
        }
    }

    #[test]
    fn the_created_job_is_named_by_its_scheduled_minute_and_recorded() {
        let actions = reconcile(
            &cj(false, "2026-11-27T17:00:00Z"),
            &[],
            ts("2026-11-27T17:05:10Z"),
        );
        let minute = ts("2026-11-27T17:05:00Z").as_second() / 60;
        assert_eq!(created_job(&actions), Some(format!("backup-{minute}")));
        let status = actions.iter().find_map(|a| match a {
            Action::SetStatus { status, .. } => Some(status.clone()),
            _ => None,
        });
        assert_eq!(
            status.expect("status")["lastScheduleTime"],
            "2026-11-27T17:05:00Z"
        );
    }
}
