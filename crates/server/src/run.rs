//! `POST /api/v1/run`: one command on many pods at once — the running pods a label selector
//! picks in a namespace — as the person, a few at a time, each target's output and exit status
//! streamed as it comes, then a summary.
//!
//! The answer is NDJSON (`application/x-ndjson`), one [`RunEvent`] per line.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, mpsc};
use ts_rs::TS;
use wheelhouse_cluster::calls::exec::{Ended, Ran};

use crate::AppState;
use crate::error::{AppError, IntoAppError as _};
use crate::person::Me;

/// Pods one run may target.
const MAX_TARGETS: usize = 500;
/// Commands running at once, at most.
const MAX_PARALLELISM: usize = 20;
/// Output kept per target; the rest is dropped (and said so).
const OUTPUT_LIMIT: usize = 256 * 1024;
/// A client that reads nothing for this long has its run stopped (its execs end).
const STALLED_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/run", axum::routing::post(run))
}

/// What to run where.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest {
    pub namespace: String,
    /// Which pods (`app=web`); empty for every pod of the namespace.
    #[serde(default)]
    pub label_selector: String,
    /// The container to run in; empty for each pod's first.
    #[serde(default)]
    pub container: String,
    /// The command and its arguments, run without a shell.
    pub command: Vec<String>,
    /// Commands running at once (1–20, 5 by default).
    pub parallelism: Option<usize>,
}

/// One line of the answer.
#[derive(Debug, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum RunEvent {
    /// The pods the command runs in, and those skipped because they do not run.
    Targets {
        pods: Vec<RunTarget>,
        skipped: Vec<RunTarget>,
    },
    /// Output of one target.
    Output {
        pod: String,
        stream: &'static str,
        text: String,
    },
    /// A target's output went past the limit; the rest was dropped.
    Truncated { pod: String },
    /// A target's command exited.
    Exited { pod: String, code: i32 },
    /// A target's command could not run, or was ended: why.
    Failed { pod: String, message: String },
    /// Every target has ended.
    Summary { succeeded: usize, failed: usize },
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RunTarget {
    pub pod: String,
    pub container: String,
}

async fn run(me: Me, Json(request): Json<RunRequest>) -> Result<Response, AppError> {
    let command: Vec<String> = request
        .command
        .iter()
        .map(|word| word.trim().to_string())
        .filter(|word| !word.is_empty())
        .collect();
    if command.is_empty() {
        return Err(AppError::bad_request("give the command to run"));
    }
    let parallelism = request.parallelism.unwrap_or(5);
    if !(1..=MAX_PARALLELISM).contains(&parallelism) {
        return Err(AppError::bad_request(format!(
            "parallelism must be 1–{MAX_PARALLELISM}, not {parallelism}"
        )));
    }
    let pods = me
        .calls
        .pods(&request.namespace, request.label_selector.trim())
        .await
        .map_err(|failure| {
            failure.into_error(serde_json::json!({"verb": "list", "resource": "pods", "namespace": request.namespace}))
        })?;
    let (mut targets, mut skipped) = (Vec::new(), Vec::new());
    for pod in &pods {
        let name = pod["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let first = pod["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or_default();
        let container = if request.container.is_empty() {
            first
        } else {
            &request.container
        };
        let target = RunTarget {
            pod: name,
            container: container.to_string(),
        };
        if pod["status"]["phase"] == "Running" {
            targets.push(target);
        } else {
            skipped.push(target);
        }
    }
    if targets.is_empty() {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            "NoTargets",
            format!(
                "no running pod in {} matches {:?}",
                request.namespace, request.label_selector
            ),
        ));
    }
    if targets.len() > MAX_TARGETS {
        return Err(AppError::bad_request(format!(
            "{} pods match; one run takes at most {MAX_TARGETS}: narrow the selector",
            targets.len()
        )));
    }
    tracing::info!(
        target: "wheelhouse::audit",
        user = %me.person.name(),
        namespace = %request.namespace,
        selector = %request.label_selector,
        command = ?command,
        pods = targets.len(),
        "command run on pods"
    );
    let (events, lines) = mpsc::channel::<RunEvent>(256);
    let _ = events
        .send(RunEvent::Targets {
            pods: targets.clone(),
            skipped,
        })
        .await;
    tokio::spawn(run_all(
        me,
        request.namespace,
        targets,
        Arc::new(command),
        parallelism,
        events,
    ));
    let body = futures::stream::unfold(lines, |mut lines| async move {
        let event = lines.recv().await?;
        let mut line = serde_json::to_vec(&event).unwrap_or_default();
        line.push(b'\n');
        Some((Ok::<_, std::convert::Infallible>(line), lines))
    });
    // Not compressed: each line goes out as it comes (the compression layer would hold them).
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (header::CONTENT_ENCODING, "identity"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// Runs the command on every target, `parallelism` at a time, then sends the summary. Stops
/// starting new ones when the person goes away, and a target whose output nobody reads for
/// [`STALLED_AFTER`] is stopped (its exec ends), so a client that stops reading holds nothing.
async fn run_all(
    me: Me,
    namespace: String,
    targets: Vec<RunTarget>,
    command: Arc<Vec<String>>,
    parallelism: usize,
    events: mpsc::Sender<RunEvent>,
) {
    let slots = Arc::new(Semaphore::new(parallelism));
    let mut runs = tokio::task::JoinSet::new();
    for target in targets {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        if events.is_closed() {
            break;
        }
        let (calls, namespace, command, events) = (
            me.calls.clone(),
            namespace.clone(),
            command.clone(),
            events.clone(),
        );
        runs.spawn(async move {
            let outcome = run_one(&calls, &namespace, &target, &command, &events).await;
            drop(slot);
            outcome
        });
    }
    let (mut succeeded, mut failed) = (0, 0);
    while let Some(done) = runs.join_next().await {
        match done {
            Ok(true) => succeeded += 1,
            _ => failed += 1,
        }
    }
    let _ = events
        .send_timeout(RunEvent::Summary { succeeded, failed }, STALLED_AFTER)
        .await;
}

/// One target: its output relayed, then whether it exited with 0.
async fn run_one(
    calls: &wheelhouse_cluster::calls::Calls,
    namespace: &str,
    target: &RunTarget,
    command: &[String],
    events: &mpsc::Sender<RunEvent>,
) -> bool {
    let pod = target.pod.clone();
    let (pieces, mut received) = mpsc::channel(64);
    let running = calls.run(
        namespace,
        &target.pod,
        &target.container,
        command,
        OUTPUT_LIMIT,
        pieces,
    );
    let relay = async {
        let mut success = false;
        while let Some(piece) = received.recv().await {
            let event = match piece {
                Ran::Stdout(bytes) => RunEvent::Output {
                    pod: pod.clone(),
                    stream: "stdout",
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                },
                Ran::Stderr(bytes) => RunEvent::Output {
                    pod: pod.clone(),
                    stream: "stderr",
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                },
                Ran::Truncated => RunEvent::Truncated { pod: pod.clone() },
                Ran::Ended(Ended::Exited(code)) => {
                    success = code == 0;
                    RunEvent::Exited {
                        pod: pod.clone(),
                        code,
                    }
                }
                Ran::Ended(Ended::Failed(message)) => RunEvent::Failed {
                    pod: pod.clone(),
                    message,
                },
            };
            if events.send_timeout(event, STALLED_AFTER).await.is_err() {
                break;
            }
        }
        success
    };
    let (started, success) = tokio::join!(running, relay);
    match started {
        Ok(()) => success,
        Err(failure) => {
            let failed = RunEvent::Failed {
                pod: pod.clone(),
                message: failure.message,
            };
            let _ = events.send_timeout(failed, STALLED_AFTER).await;
            false
        }
    }
}
