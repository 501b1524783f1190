//! `POST /api/v1/run`: one command on many targets at once, as the person, a few at a time, each
//! target's output and exit status streamed as it comes, then a summary. The targets are the
//! running pods a label selector picks in a namespace, or the ready nodes one picks: on a node the
//! command runs as in a node's terminal, in a short-lived privileged pod there
//! ([`wheelhouse_cluster::calls::node_shell`]) entering the node's namespaces, deleted when the
//! command ends (the node-shell sweeper deletes it if the console cannot).
//!
//! The answer is NDJSON (`application/x-ndjson`), one [`RunEvent`] per line.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, mpsc};
use ts_rs::TS;
use wheelhouse_cluster::calls::Calls;
use wheelhouse_cluster::calls::exec::{Ended, Ran};
use wheelhouse_cluster::calls::node_shell;

use crate::AppState;
use crate::error::{AppError, IntoAppError as _};
use crate::person::Me;
use crate::terminal::NodeShellPod;

/// Targets one run may have.
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

/// Where a command runs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RunOn {
    /// In pods of one namespace.
    #[default]
    Pods,
    /// On nodes, each through a node shell's privileged pod.
    Nodes,
}

/// What to run where.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest {
    /// Pods (when not given) or nodes.
    #[serde(default)]
    #[ts(optional)]
    pub on: Option<RunOn>,
    /// The pods' namespace; not used for nodes.
    #[serde(default)]
    pub namespace: String,
    /// Which pods or nodes (`app=web`, `node-role.kubernetes.io/worker`); empty for all of them.
    #[serde(default)]
    pub label_selector: String,
    /// The container to run in; empty for each pod's first. Not used for nodes.
    #[serde(default)]
    pub container: String,
    /// The command and its arguments, run without a shell.
    pub command: Vec<String>,
    /// Commands running at once (1–20, 5 by default).
    pub parallelism: Option<usize>,
}

/// One line of the answer; `target` is a pod's name or a node's.
#[derive(Debug, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum RunEvent {
    /// The targets the command runs on, and those skipped: pods that do not run, nodes that are
    /// not ready.
    Targets {
        targets: Vec<RunTarget>,
        skipped: Vec<RunTarget>,
    },
    /// Output of one target.
    Output {
        target: String,
        stream: &'static str,
        text: String,
    },
    /// A target's output went past the limit; the rest was dropped.
    Truncated { target: String },
    /// A target's command exited.
    Exited { target: String, code: i32 },
    /// A target's command could not run, or was ended: why.
    Failed { target: String, message: String },
    /// Every target has ended.
    Summary { succeeded: usize, failed: usize },
}

/// A pod and the container the command runs in, or a node (no container).
#[derive(Debug, Clone, Serialize, TS)]
pub struct RunTarget {
    pub name: String,
    pub container: String,
}

/// Where a target's command runs, once the targets are known.
#[derive(Clone)]
enum Place {
    /// Pods of this namespace.
    Pods { namespace: String },
    /// Nodes, through node-shell pods.
    Nodes(NodeShell),
}

async fn run(
    State(state): State<AppState>,
    me: Me,
    Json(request): Json<RunRequest>,
) -> Result<Response, AppError> {
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
    let selector = request.label_selector.trim();
    let on = request.on.unwrap_or_default();
    let (targets, skipped, place) = match on {
        RunOn::Pods => {
            if request.namespace.trim().is_empty() {
                return Err(AppError::bad_request("give the namespace of the pods"));
            }
            let (targets, skipped) = pod_targets(&me, &request, selector).await?;
            let namespace = request.namespace.clone();
            (targets, skipped, Place::Pods { namespace })
        }
        RunOn::Nodes => {
            if let Err(message) = crate::terminal::may_open_node_shells(&state, &me).await {
                return Err(AppError::new(StatusCode::FORBIDDEN, "Forbidden", message));
            }
            let (targets, skipped) = node_targets(&me, selector).await?;
            let config = &state.config.node_shell;
            let place = Place::Nodes(NodeShell {
                namespace: config.namespace.clone(),
                image: config.image.clone(),
                user: me.person.name().to_string(),
            });
            (targets, skipped, place)
        }
    };
    let what = if on == RunOn::Nodes { "nodes" } else { "pods" };
    if targets.is_empty() {
        let message = match &place {
            Place::Pods { namespace } => {
                format!("no running pod in {namespace} matches {selector:?}")
            }
            Place::Nodes(_) => format!("no ready node matches {selector:?}"),
        };
        return Err(AppError::new(StatusCode::NOT_FOUND, "NoTargets", message));
    }
    if targets.len() > MAX_TARGETS {
        return Err(AppError::bad_request(format!(
            "{} {what} match; one run takes at most {MAX_TARGETS}: narrow the selector",
            targets.len()
        )));
    }
    tracing::info!(
        target: "wheelhouse::audit",
        user = %me.person.name(),
        on = what,
        namespace = %request.namespace,
        selector = %selector,
        command = ?command,
        targets = targets.len(),
        "command run on {what}"
    );
    let (events, lines) = mpsc::channel::<RunEvent>(256);
    let _ = events
        .send(RunEvent::Targets {
            targets: targets.clone(),
            skipped,
        })
        .await;
    tokio::spawn(run_all(
        me.calls.clone(),
        place,
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

/// The running pods the selector picks (each with the container asked for, or its first), and
/// the pods it picks that do not run.
async fn pod_targets(
    me: &Me,
    request: &RunRequest,
    selector: &str,
) -> Result<(Vec<RunTarget>, Vec<RunTarget>), AppError> {
    let pods = me
        .calls
        .pods(&request.namespace, selector)
        .await
        .map_err(|failure| {
            failure.into_error(serde_json::json!({"verb": "list", "resource": "pods", "namespace": request.namespace}))
        })?;
    let (mut targets, mut skipped) = (Vec::new(), Vec::new());
    for pod in &pods {
        let first = pod["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or_default();
        let container = if request.container.is_empty() {
            first
        } else {
            &request.container
        };
        let target = RunTarget {
            name: pod["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            container: container.to_string(),
        };
        if pod["status"]["phase"] == "Running" {
            targets.push(target);
        } else {
            skipped.push(target);
        }
    }
    Ok((targets, skipped))
}

/// The ready nodes the selector picks, and those it picks that are not ready (a node shell's pod
/// would not start there). More than [`MAX_TARGETS`] is refused without listing them all.
async fn node_targets(
    me: &Me,
    selector: &str,
) -> Result<(Vec<RunTarget>, Vec<RunTarget>), AppError> {
    let limit = u32::try_from(MAX_TARGETS + 1).unwrap_or(u32::MAX);
    let (nodes, more) = me
        .calls
        .nodes_typed(selector, limit)
        .await
        .map_err(|failure| {
            failure.into_error(serde_json::json!({"verb": "list", "resource": "nodes"}))
        })?;
    if more || nodes.len() > MAX_TARGETS {
        return Err(AppError::bad_request(format!(
            "more than {MAX_TARGETS} nodes match; one run takes at most {MAX_TARGETS}: narrow the selector"
        )));
    }
    let (mut targets, mut skipped) = (Vec::new(), Vec::new());
    for node in &nodes {
        let target = RunTarget {
            name: node.metadata.name.clone().unwrap_or_default(),
            container: String::new(),
        };
        if wheelhouse_model::node::is_ready(node) {
            targets.push(target);
        } else {
            skipped.push(target);
        }
    }
    Ok((targets, skipped))
}

/// Runs the command on every target, `parallelism` at a time, then sends the summary. Stops
/// starting new ones when the person goes away, and a target whose output nobody reads for
/// [`STALLED_AFTER`] is stopped (its exec ends), so a client that stops reading holds nothing.
async fn run_all(
    calls: Calls,
    place: Place,
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
        let (calls, place, command, events) = (
            calls.clone(),
            place.clone(),
            command.clone(),
            events.clone(),
        );
        runs.spawn(async move {
            let outcome = match &place {
                Place::Pods { namespace } => {
                    relay(&calls, namespace, &target, &target.name, &command, &events).await
                }
                Place::Nodes(shell) => shell.run(&calls, &target.name, &command, &events).await,
            };
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

/// Where node shells are made (their namespace and image), and for whom.
#[derive(Clone)]
struct NodeShell {
    namespace: String,
    image: String,
    user: String,
}

impl NodeShell {
    /// The command on `node`: a node shell's pod made there, the command run in the node's
    /// namespaces with its heartbeat renewed meanwhile, and the pod deleted; whether it exited 0.
    async fn run(
        &self,
        calls: &Calls,
        node: &str,
        command: &[String],
        events: &mpsc::Sender<RunEvent>,
    ) -> bool {
        let pod = match calls
            .start_node_shell(&self.namespace, node, &self.image, &self.user)
            .await
        {
            Ok(pod) => pod,
            Err(failure) => {
                let failed = RunEvent::Failed {
                    target: node.to_string(),
                    message: failure.message,
                };
                let _ = events.send_timeout(failed, STALLED_AFTER).await;
                return false;
            }
        };
        let in_use = NodeShellPod::keep(calls, &self.namespace, &pod);
        let inside = RunTarget {
            name: pod.clone(),
            container: "shell".into(),
        };
        let entered = node_shell::enter(command);
        let success = relay(calls, &self.namespace, &inside, node, &entered, events).await;
        in_use.end().await;
        success
    }
}

/// `command` in a pod's container, its output relayed as `label`'s; whether it exited with 0.
async fn relay(
    calls: &Calls,
    namespace: &str,
    inside: &RunTarget,
    label: &str,
    command: &[String],
    events: &mpsc::Sender<RunEvent>,
) -> bool {
    let label = label.to_string();
    let (pieces, mut received) = mpsc::channel(64);
    let running = calls.run(
        namespace,
        &inside.name,
        &inside.container,
        command,
        OUTPUT_LIMIT,
        pieces,
    );
    let relay = async {
        let mut success = false;
        while let Some(piece) = received.recv().await {
            let event = match piece {
                Ran::Stdout(bytes) => RunEvent::Output {
                    target: label.clone(),
                    stream: "stdout",
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                },
                Ran::Stderr(bytes) => RunEvent::Output {
                    target: label.clone(),
                    stream: "stderr",
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                },
                Ran::Truncated => RunEvent::Truncated {
                    target: label.clone(),
                },
                Ran::Ended(Ended::Exited(code)) => {
                    success = code == 0;
                    RunEvent::Exited {
                        target: label.clone(),
                        code,
                    }
                }
                Ran::Ended(Ended::Failed(message)) => RunEvent::Failed {
                    target: label.clone(),
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
                target: label.clone(),
                message: failure.message,
            };
            let _ = events.send_timeout(failed, STALLED_AFTER).await;
            false
        }
    }
}
