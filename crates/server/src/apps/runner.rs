//! Running helm for an install, upgrade, rollback or uninstall: one operation at a time per
//! release (a lock), helm's output kept line by line in the operation's state, and when it ends
//! the release's NOTES and access URLs, or helm's error with the resources (and failed hooks)
//! that did not come up, each with its events.

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use ts_rs::TS;
use wheelhouse_apps::helm::{self, Outcome, PrivateKubeconfig};
use wheelhouse_apps::manifest::AccessUrl;
use wheelhouse_apps::release::Release;
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::rows::Severity;

use super::releases::LiveStatus;
use super::{Apps, releases};
use crate::AppState;
use crate::error::{AppError, Result};
use crate::object::{Operation, OperationState, OperationTarget, Operations, Progress};
use crate::person::Me;
use wheelhouse_cluster::calls::Calls;

/// Lines of helm output an operation keeps (the last ones).
pub(super) const MAX_LOG_LINES: usize = 2000;
/// Events shown per failed resource.
pub(super) const MAX_EVENTS: usize = 10;

/// A helm operation's progress: helm's output as it runs; on success the release's NOTES and
/// access URLs, on failure helm's error and the release's resources that did not come up.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HelmProgress {
    /// helm's output, its last 2,000 lines.
    pub log: Vec<String>,
    pub notes: Option<String>,
    pub access_urls: Vec<AccessUrl>,
    pub error: Option<String>,
    pub failed_resources: Vec<FailedResource>,
    /// The release's revision after an install, upgrade or rollback that succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub revision: Option<u32>,
}

/// One of a release's objects that is missing or not healthy after a failed operation.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FailedResource {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub status: Option<LiveStatus>,
    /// Its events, newest first, at most ten.
    pub events: Vec<FailedEvent>,
}

/// An event about a failed resource.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FailedEvent {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub count: Option<i64>,
    pub last_seen: Option<String>,
}

/// helm commands run at once, at most.
pub const MAX_HELM_RUNS: usize = 8;

/// The helm commands running now: at most a cap of them at once, and a way for the binary to
/// wait for them when it is asked to stop (a helm killed mid-install leaves its release
/// `pending-install`, and helm then refuses every later change to it).
#[derive(Debug, Clone)]
pub struct HelmRuns {
    slots: Arc<tokio::sync::Semaphore>,
    max: usize,
}

impl Default for HelmRuns {
    fn default() -> Self {
        Self::new(MAX_HELM_RUNS)
    }
}

impl HelmRuns {
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        Self {
            slots: Arc::new(tokio::sync::Semaphore::new(max)),
            max,
        }
    }

    /// How many are running.
    pub fn running(&self) -> usize {
        self.max - self.slots.available_permits()
    }

    /// A slot for one more, or 429 when all are taken.
    fn take(&self) -> Result<tokio::sync::OwnedSemaphorePermit> {
        self.slots.clone().try_acquire_owned().map_err(|_| {
            AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!(
                    "{} helm commands (installs, upgrades, rollbacks, uninstalls) are running, the most Wheelhouse runs at once; try again when one has finished",
                    self.max
                ),
            )
        })
    }

    /// Waits until none is running, for at most `within`; whether none is.
    pub async fn finished(&self, within: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while self.running() > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        true
    }
}

/// Refuses when helm cannot run.
pub(super) async fn helm_path(apps: &Apps) -> Result<std::path::PathBuf> {
    let status = apps.helm().await;
    match status.path() {
        Some(path) => Ok(path.to_path_buf()),
        None => Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "HelmUnavailable",
            status
                .reason()
                .unwrap_or("helm is not available")
                .to_string(),
        )),
    }
}

/// The release's key while an operation runs on it; a second operation gets 409.
pub(super) struct ReleaseLock {
    apps: Arc<Apps>,
    key: String,
}

impl ReleaseLock {
    fn take(apps: &Arc<Apps>, namespace: &str, name: &str, id: &str) -> Result<Self> {
        let key = format!("{namespace}/{name}");
        let mut running = apps.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(other) = running.get(&key) {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "OperationRunning",
                format!(
                    "operation {other} is still running on release {key}; wait for it to finish"
                ),
            )
            .with_details(json!({"operation": other})));
        }
        running.insert(key.clone(), id.to_string());
        Ok(Self {
            apps: apps.clone(),
            key,
        })
    }
}

/// 409 when an operation is running on the release (checked before anything else).
pub(super) fn ensure_idle(apps: &Apps, namespace: &str, name: &str) -> Result<()> {
    let key = format!("{namespace}/{name}");
    let running = apps.running.lock().unwrap_or_else(|p| p.into_inner());
    match running.get(&key) {
        Some(other) => Err(AppError::new(
            StatusCode::CONFLICT,
            "OperationRunning",
            format!("operation {other} is still running on release {key}; wait for it to finish"),
        )
        .with_details(json!({"operation": other}))),
        None => Ok(()),
    }
}

impl Drop for ReleaseLock {
    fn drop(&mut self) {
        self.apps
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

/// What one helm operation needs, ready to run.
pub(super) struct Job {
    pub action: &'static str,
    pub namespace: String,
    pub name: String,
    pub args: Vec<String>,
    /// Files written next to the kubeconfig (chart archive, values), named as in `args`.
    pub files: Vec<(&'static str, Vec<u8>)>,
    pub helm: std::path::PathBuf,
}

impl Job {
    /// `helm <action> <name> <operands…> --namespace <namespace>`: a change to an existing
    /// release that needs no files (rollback, uninstall).
    pub(super) fn on_release(
        action: &'static str,
        namespace: String,
        name: String,
        operands: &[String],
        helm: std::path::PathBuf,
    ) -> Self {
        let mut args = vec![action.to_string(), name.clone()];
        args.extend_from_slice(operands);
        args.extend(["--namespace".to_string(), namespace.clone()]);
        Self {
            action,
            namespace,
            name,
            args,
            files: Vec::new(),
            helm,
        }
    }
}

pub(super) fn start(
    state: &AppState,
    me: &Me,
    apps: &Arc<Apps>,
    operations: &Operations,
    resources: Arc<Resources>,
    job: Job,
    message: String,
) -> Result<Response> {
    let id = uuid::Uuid::new_v4().to_string();
    let slot = apps.config.helm_runs.take()?;
    let lock = ReleaseLock::take(apps, &job.namespace, &job.name, &id)?;
    let first = Operation::start(
        id,
        job.action,
        OperationTarget {
            namespace: Some(job.namespace.clone()),
            resource: None,
            name: job.name.clone(),
        },
        message,
        Progress::Helm(HelmProgress::default()),
    );
    let progress = operations.start(first.clone());
    // helm acts as the person: their token, or Wheelhouse impersonating them.
    let kubeconfig = helm::kubeconfig_yaml(&state.cluster.config_for(&me.person))?;
    let calls = me.calls.clone();
    let timeout = apps.config.operation_timeout;
    // The release list reads watches of the release Secrets: once helm is done, the next list
    // lists anew, so the person who changed a release sees it at once (read your own writes).
    let watches = apps.clone();
    let done = move || watches.release_watches.forget_all();
    tokio::spawn(async move {
        let _lock = lock;
        run(job, kubeconfig, calls, resources, timeout, (progress, done)).await;
        drop(slot);
    });
    Ok((StatusCode::ACCEPTED, Json(first)).into_response())
}

pub(super) async fn run(
    job: Job,
    kubeconfig: String,
    calls: Calls,
    resources: Arc<Resources>,
    timeout: std::time::Duration,
    (progress, done): (watch::Sender<Operation>, impl Fn()),
) {
    let helm_progress = |f: &mut dyn FnMut(&mut HelmProgress)| {
        progress.send_modify(|op| {
            if let Progress::Helm(helm) = &mut op.progress {
                f(helm);
            }
        });
    };
    let finish = |state: OperationState, message: String, outcome: HelmProgress| {
        done();
        progress.send_modify(|op| {
            op.finish(state, message);
            if let Progress::Helm(helm) = &mut op.progress {
                let log = std::mem::take(&mut helm.log);
                *helm = HelmProgress { log, ..outcome };
            }
        });
    };
    let failure = |error: String| HelmProgress {
        error: Some(error),
        ..HelmProgress::default()
    };
    let private = match PrivateKubeconfig::write(&kubeconfig) {
        Ok(private) => private,
        Err(error) => {
            tracing::error!(%error, "cannot write helm's kubeconfig");
            return finish(
                OperationState::Failed,
                "Wheelhouse could not prepare helm's kubeconfig".into(),
                failure("Wheelhouse could not write a private kubeconfig for helm; the server log has the details".into()),
            );
        }
    };
    let mut args = job.args.clone();
    for (file, bytes) in &job.files {
        let path = private.home().with_file_name(file);
        if let Err(error) = std::fs::write(&path, bytes) {
            tracing::error!(%error, "cannot write a file for helm");
            return finish(
                OperationState::Failed,
                "Wheelhouse could not prepare helm's files".into(),
                failure(error.to_string()),
            );
        }
        let placeholder = format!("@{file}");
        for arg in &mut args {
            if *arg == placeholder {
                *arg = path.display().to_string();
            }
        }
    }
    let outcome = helm::run(&job.helm, &args, &private, timeout, |line| {
        let mut line = Some(line);
        helm_progress(&mut |helm| {
            if helm.log.len() >= MAX_LOG_LINES {
                helm.log.remove(0);
            }
            helm.log.extend(line.take());
        });
    })
    .await;
    drop(private);
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            return finish(
                OperationState::Failed,
                format!("helm could not be started: {error}"),
                failure(format!("helm could not be started: {error}")),
            );
        }
    };
    let newest = releases::revisions(&calls, &job.namespace, &job.name)
        .await
        .ok()
        .and_then(|(history, _)| history.last().cloned());
    match outcome {
        Outcome::Succeeded => {
            let (message, outcome) = match (&newest, job.action) {
                (_, "uninstall") => (format!("uninstalled {}", job.name), HelmProgress::default()),
                (Some(release), _) => {
                    let (_, urls, _) = releases::resources(&calls, &resources, release).await;
                    (
                        format!(
                            "{} {} (revision {})",
                            past(job.action),
                            job.name,
                            release.version
                        ),
                        HelmProgress {
                            notes: Some(release.info.notes.clone()),
                            access_urls: urls,
                            revision: Some(release.version),
                            ..HelmProgress::default()
                        },
                    )
                }
                (None, _) => (
                    format!("{} {}", past(job.action), job.name),
                    HelmProgress::default(),
                ),
            };
            finish(OperationState::Succeeded, message, outcome);
        }
        Outcome::Failed(error) => {
            let failed = match &newest {
                Some(release) => failed_resources(&calls, &resources, release).await,
                None => Vec::new(),
            };
            finish(
                OperationState::Failed,
                format!("{} of {} failed", job.action, job.name),
                HelmProgress {
                    error: Some(error),
                    failed_resources: failed,
                    ..HelmProgress::default()
                },
            );
        }
        Outcome::TimedOut => finish(
            OperationState::Failed,
            format!(
                "{} of {} did not finish within {} s",
                job.action,
                job.name,
                timeout.as_secs()
            ),
            failure(format!(
                "helm was stopped after {} seconds",
                timeout.as_secs()
            )),
        ),
    }
}

pub(super) fn past(action: &str) -> &'static str {
    match action {
        "install" => "installed",
        "upgrade" => "upgraded",
        "rollback" => "rolled back",
        _ => "done",
    }
}

/// The release's objects that are missing or not healthy, and the hooks whose last run failed
/// (a migration Job, say), each with its latest events.
pub(super) async fn failed_resources(
    calls: &Calls,
    resources: &Resources,
    release: &Release,
) -> Vec<FailedResource> {
    let (items, _, _) = releases::resources(calls, resources, release).await;
    let mut failed = Vec::new();
    for item in items {
        let severity = item.status.as_ref().map(|s| s.severity);
        if matches!(severity, Some(Severity::Ok | Severity::Neutral)) {
            continue;
        }
        let events = match &item.namespace {
            Some(namespace) => latest_events(calls, namespace, &item.kind, &item.name).await,
            None => Vec::new(),
        };
        failed.push(FailedResource {
            kind: item.kind,
            namespace: item.namespace,
            name: item.name,
            status: item.status,
            events,
        });
    }
    for hook in release.hooks.iter().filter(|hook| hook.failed()) {
        for object in wheelhouse_apps::manifest::objects(&hook.manifest) {
            let namespace = object
                .namespace
                .clone()
                .unwrap_or_else(|| release.namespace.clone());
            let events = latest_events(calls, &namespace, &object.kind, &object.name).await;
            failed.push(FailedResource {
                kind: object.kind,
                namespace: Some(namespace),
                name: object.name,
                status: Some(LiveStatus {
                    text: format!("{} hook failed", hook.events.join(", ")),
                    severity: Severity::Error,
                }),
                events,
            });
        }
    }
    failed
}

/// The latest events of one object, newest first.
pub(super) async fn latest_events(
    calls: &Calls,
    namespace: &str,
    kind: &str,
    name: &str,
) -> Vec<FailedEvent> {
    let selector = format!("involvedObject.kind={kind},involvedObject.name={name}");
    let events = calls.events(namespace, &selector).await.unwrap_or_default();
    let mut events: Vec<FailedEvent> = events
        .iter()
        .map(|e| {
            let text = |key: &str| e.get(key).and_then(Value::as_str).map(str::to_string);
            FailedEvent {
                kind: text("type"),
                reason: text("reason"),
                message: text("message"),
                count: e.get("count").and_then(Value::as_i64),
                last_seen: e
                    .get("lastTimestamp")
                    .filter(|t| !t.is_null())
                    .or_else(|| e.get("eventTime"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            }
        })
        .collect();
    events.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
    events.truncate(MAX_EVENTS);
    events
}

#[cfg(test)]
mod helm_runs_tests {
    use super::*;

    #[tokio::test]
    async fn at_most_eight_helm_commands_run_and_a_stop_waits_for_them() {
        let runs = HelmRuns::default();
        let slots: Vec<_> = (0..MAX_HELM_RUNS)
            .map(|_| runs.take().expect("a free slot"))
            .collect();
        let refused = runs.take().expect_err("all slots taken");
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            refused.message().contains("8 helm commands"),
            "{}",
            refused.message()
        );
        assert_eq!(runs.running(), MAX_HELM_RUNS);
        assert!(
            !runs.finished(std::time::Duration::from_millis(200)).await,
            "the wait is bounded"
        );
        let waiting = tokio::spawn({
            let runs = runs.clone();
            async move { runs.finished(std::time::Duration::from_secs(10)).await }
        });
        drop(slots);
        assert!(waiting.await.expect("joined"), "finished once all ended");
    }
}
