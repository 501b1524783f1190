//! `GET /api/v1/terminal/{namespace}/{pod}?container=&shell=&cols=&rows=&debug=` (WebSocket): a
//! shell in a container, as the person, bridged to the browser; with `debug`, in a new ephemeral
//! debug container sharing the container's processes (for images without a shell).
//!
//! From the browser: binary messages are keystrokes (stdin); text messages are JSON controls,
//! `{"type":"resize","cols":120,"rows":40}`. To the browser: binary messages are the terminal's
//! output; text messages are JSON events: `{"type":"started","shell":"bash"}`, then one of
//! `{"type":"exited","code":0}`, `{"type":"failed","reason":…,"message":…}` (the exec could not be
//! opened, no shell was found, or the API server ended it) and `{"type":"idle","seconds":…}` (no
//! keystroke for the idle timeout). The socket closes after the last event. A quiet terminal's
//! browser is pinged (every 15 s by default); one that answers nothing for three pings, as when
//! the network was cut without a close, has its terminal closed without an event.
//!
//! `GET /api/v1/node-shell/{node}?cols=&rows=` (WebSocket) speaks the same: a shell on the node,
//! through a short-lived privileged pod ([`wheelhouse_cluster::calls::node_shell`]) the person
//! makes with their own rights, deleted when the terminal closes.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use ts_rs::TS;
use wheelhouse_cluster::access::Question;
use wheelhouse_cluster::calls::exec::{Ended, OpenFailure, Terminal};
use wheelhouse_cluster::calls::node_shell;

use crate::AppState;
use crate::person::Me;

/// The largest message the browser may send (a paste larger than this is refused).
const MAX_MESSAGE: usize = 64 * 1024;
/// The shells tried when none is asked for, in order; then the configured one
/// ([`ServerConfig::terminal_shell`](crate::ServerConfig)).
const SHELLS: [&str; 2] = ["bash", "sh"];

/// The commands tried in turn to open a shell: `bash`, `sh`, then the configured one.
fn shells(config: &crate::ServerConfig) -> Vec<Vec<String>> {
    let configured = config
        .terminal_shell
        .as_deref()
        .map(|command| command.split_whitespace().map(str::to_string).collect())
        .filter(|words: &Vec<String>| !words.is_empty());
    SHELLS
        .iter()
        .map(|shell| vec![(*shell).to_string()])
        .chain(configured)
        .collect()
}
/// How often node shells left behind are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// A browser that takes longer than this to take one message of output has stopped reading: its
/// terminal is closed, so what it holds is one message and the socket's buffers, not a session
/// without end.
const STALLED_AFTER: Duration = Duration::from_secs(30);
/// A browser not heard from (keystroke, control or pong) for this many pings is gone.
const PINGS_UNANSWERED: u32 = 3;

pub fn router(state: &AppState) -> axum::Router<AppState> {
    // The sweeper of node shells left behind runs as long as the cluster does.
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(sweep_loop(
            Arc::downgrade(&state.cluster),
            state.config.node_shell.namespace.clone(),
        ));
    }
    axum::Router::new()
        .route(
            "/api/v1/terminal/{namespace}/{pod}",
            axum::routing::get(terminal),
        )
        .route("/api/v1/node-shell/{node}", axum::routing::get(node_shell))
}

/// Where node shells run and with which image.
#[derive(Debug, Clone)]
pub struct NodeShellConfig {
    /// The namespace of node-shell pods; its Pod Security level must allow privileged pods.
    pub namespace: String,
    /// An image with `nsenter` and a shell.
    pub image: String,
}

impl Default for NodeShellConfig {
    fn default() -> Self {
        Self {
            namespace: "kube-system".into(),
            image: "busybox:1.37".into(),
        }
    }
}

/// Deletes node-shell pods whose terminal stopped renewing their heartbeat: at start, then every
/// minute, with Wheelhouse's own identity; ends with the cluster.
async fn sweep_loop(cluster: std::sync::Weak<wheelhouse_cluster::Cluster>, namespace: String) {
    loop {
        let Some(cluster) = cluster.upgrade() else {
            return;
        };
        let calls = wheelhouse_cluster::calls::Calls::new(cluster.client().clone());
        drop(cluster);
        match calls
            .sweep_node_shells(&namespace, node_shell::STALE_AFTER, jiff::Timestamp::now())
            .await
        {
            Ok(swept) if !swept.is_empty() => {
                tracing::info!(namespace, pods = ?swept, "deleted node-shell pods left behind");
            }
            Ok(_) => {}
            Err(failure) if failure.code == 403 || failure.code == 404 => {
                tracing::debug!(namespace, %failure.message, "node-shell pods cannot be swept");
            }
            Err(failure) => {
                tracing::warn!(namespace, %failure.message, "cannot sweep node-shell pods");
            }
        }
        tokio::time::sleep(SWEEP_EVERY).await;
    }
}

#[derive(Debug, Deserialize)]
struct TerminalParams {
    container: String,
    /// One command to run instead of trying `bash` then `sh` (split on spaces).
    shell: Option<String>,
    cols: Option<u16>,
    rows: Option<u16>,
    /// Open the shell in a new ephemeral debug container with this image (empty: the
    /// configured one, as for node shells) that shares `container`'s processes.
    debug: Option<String>,
}

/// What the browser sends as text.
#[derive(Debug, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum TerminalControl {
    Resize { cols: u16, rows: u16 },
}

/// What the server sends as text.
#[derive(Debug, Serialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum TerminalEvent {
    /// The shell runs.
    Started { shell: String },
    /// The command exited with this code.
    Exited { code: i32 },
    /// No terminal, or the API server ended it: why.
    Failed { reason: String, message: String },
    /// Closed after this many seconds without a keystroke.
    Idle { seconds: u64 },
}

async fn terminal(
    State(state): State<AppState>,
    Path((namespace, pod)): Path<(String, String)>,
    Query(params): Query<TerminalParams>,
    me: Me,
    upgrade: WebSocketUpgrade,
) -> Response {
    let idle = Quiet::of(&state.config);
    upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(socket, state, me, namespace, pod, params, idle))
}

#[derive(Debug, Deserialize)]
struct NodeShellParams {
    cols: Option<u16>,
    rows: Option<u16>,
}

async fn node_shell(
    State(state): State<AppState>,
    Path(node): Path<String>,
    Query(params): Query<NodeShellParams>,
    me: Me,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve_node_shell(socket, state, me, node, params))
}

/// Says why there is no terminal, and closes.
async fn refuse(mut socket: WebSocket, reason: &str, message: String) {
    let reason = reason.to_string();
    send(&mut socket, &TerminalEvent::Failed { reason, message }).await;
    let _ = socket.send(Message::Close(None)).await;
}

/// A shell on `node`: a privileged pod made with the person's rights, their terminal into it,
/// its heartbeat renewed while it is open, and the pod deleted when it closes (the sweeper
/// deletes it if this process cannot).
async fn serve_node_shell(
    socket: WebSocket,
    state: AppState,
    me: Me,
    node: String,
    params: NodeShellParams,
) {
    let config = state.config.node_shell.clone();
    let namespace = config.namespace.clone();
    if let Err(message) = may_open_node_shells(&state, &me).await {
        return refuse(socket, "Forbidden", message).await;
    }
    let started = me
        .calls
        .start_node_shell(&namespace, &node, &config.image, me.person.name())
        .await;
    let pod = match started {
        Ok(pod) => pod,
        Err(failure) => return refuse(socket, &failure.reason, failure.message).await,
    };
    tracing::info!(
        target: "wheelhouse::audit",
        user = %me.person.name(),
        node = %node,
        pod = %format!("{namespace}/{pod}"),
        "node shell opened"
    );
    let in_use = NodeShellPod::keep(&me.calls, &namespace, &pod);
    let shells: Vec<Vec<String>> = shells(&state.config)
        .iter()
        .map(|shell| node_shell::enter(shell))
        .collect();
    let size = (params.cols.unwrap_or(80), params.rows.unwrap_or(24));
    let opened = me
        .calls
        .terminal(&namespace, &pod, "shell", &shells, size)
        .await;
    match opened {
        Ok(terminal) => bridge(socket, terminal, Quiet::of(&state.config)).await,
        Err(failure) => {
            let (reason, message) = open_failure(failure, "shell");
            refuse(socket, &reason, message).await;
        }
    }
    in_use.end().await;
}

/// A node shell's pod while it is used: its heartbeat renewed until [`NodeShellPod::end`]
/// deletes it (the sweeper deletes it when the console cannot).
pub(crate) struct NodeShellPod {
    calls: wheelhouse_cluster::calls::Calls,
    namespace: String,
    name: String,
    heartbeat: tokio::task::JoinHandle<()>,
}

impl NodeShellPod {
    pub(crate) fn keep(
        calls: &wheelhouse_cluster::calls::Calls,
        namespace: &str,
        name: &str,
    ) -> Self {
        let heartbeat = {
            let (calls, namespace, name) = (calls.clone(), namespace.to_string(), name.to_string());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(node_shell::HEARTBEAT_EVERY).await;
                    if let Err(failure) = calls.node_shell_alive(&namespace, &name).await {
                        tracing::debug!(%failure.message, "cannot renew a node shell's heartbeat");
                    }
                }
            })
        };
        Self {
            calls: calls.clone(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            heartbeat,
        }
    }

    /// Stops the heartbeat and deletes the pod.
    pub(crate) async fn end(self) {
        self.heartbeat.abort();
        if let Err(failure) = self
            .calls
            .delete_node_shell(&self.namespace, &self.name)
            .await
        {
            tracing::warn!(pod = %format!("{}/{}", self.namespace, self.name), %failure.message, "cannot delete a node shell's pod; the sweeper will");
        }
    }
}

/// Whether the person may make node-shell pods and exec into them (the API server would refuse
/// them anyway; asking first says so before a pod is made); if not, what they lack.
pub(crate) async fn may_open_node_shells(state: &AppState, me: &Me) -> Result<(), String> {
    let namespace = &state.config.node_shell.namespace;
    for subresource in ["", "exec"] {
        let question = Question {
            subresource,
            ..Question::new("create", "", "pods", Some(namespace.clone()))
        };
        may(state, me, &question)
            .await
            .map_err(|message| format!("{message} (a node shell is a privileged pod there)"))?;
    }
    Ok(())
}

/// Whether the person may do what `question` asks; if not, what they lack and the authorizer's
/// reason: asked first, so a refusal names what is missing rather than the exec's bare 403.
async fn may(state: &AppState, me: &Me, question: &Question) -> Result<(), String> {
    let decision = state.cluster.may(&me.person, question).await;
    if decision.allowed {
        return Ok(());
    }
    let message = question.describe(me.person.name());
    Err(match decision.reason.filter(|r| !r.is_empty()) {
        Some(reason) => format!("{message}: {reason}"),
        None => message,
    })
}

/// Why a terminal could not be opened, for the person.
fn open_failure(failure: OpenFailure, container: &str) -> (String, String) {
    match failure {
        OpenFailure::Call(failure) => (failure.reason, failure.message),
        OpenFailure::NoShell { tried, reason } => (
            "NoShell".to_string(),
            format!(
                "the container {container} has none of the shells tried ({}): {reason}; open a debug container with a shell instead",
                tried.join(", ")
            ),
        ),
    }
}

async fn send(socket: &mut WebSocket, event: &TerminalEvent) -> bool {
    let text = serde_json::to_string(event).unwrap_or_default();
    socket.send(Message::Text(text.into())).await.is_ok()
}

async fn serve(
    socket: WebSocket,
    state: AppState,
    me: Me,
    namespace: String,
    pod: String,
    params: TerminalParams,
    idle: Quiet,
) {
    let shells: Vec<Vec<String>> = match params.shell.as_deref().map(str::trim) {
        Some(shell) if !shell.is_empty() => {
            vec![shell.split_whitespace().map(str::to_string).collect()]
        }
        _ => shells(&state.config),
    };
    let question = Question {
        subresource: "exec",
        name: Some(pod.clone()),
        ..Question::new("create", "", "pods", Some(namespace.clone()))
    };
    if let Err(message) = may(&state, &me, &question).await {
        return refuse(socket, "Forbidden", message).await;
    }
    let size = (params.cols.unwrap_or(80), params.rows.unwrap_or(24));
    let mut container = params.container.clone();
    if let Some(image) = &params.debug {
        let image = match image.trim() {
            "" => state.config.node_shell.image.clone(),
            image => image.to_string(),
        };
        let question = Question {
            subresource: "ephemeralcontainers",
            name: Some(pod.clone()),
            ..Question::new("patch", "", "pods", Some(namespace.clone()))
        };
        let decision = state.cluster.may(&me.person, &question).await;
        if !decision.allowed {
            let message = question.describe(me.person.name());
            return refuse(
                socket,
                "Forbidden",
                format!("{message} (a debug container is added there)"),
            )
            .await;
        }
        match me
            .calls
            .debug_container(&namespace, &pod, &container, &image)
            .await
        {
            Ok(debugger) => {
                tracing::info!(
                    target: "wheelhouse::audit",
                    user = %me.person.name(),
                    pod = %format!("{namespace}/{pod}"),
                    container = %debugger,
                    image = %image,
                    "debug container added"
                );
                container = debugger;
            }
            Err(failure) => return refuse(socket, &failure.reason, failure.message).await,
        }
    }
    let opened = me
        .calls
        .terminal(&namespace, &pod, &container, &shells, size)
        .await;
    let terminal = match opened {
        Ok(terminal) => terminal,
        Err(failure) => {
            let (reason, message) = open_failure(failure, &container);
            return refuse(socket, &reason, message).await;
        }
    };
    tracing::info!(
        target: "wheelhouse::audit",
        user = %me.person.name(),
        pod = %format!("{namespace}/{pod}"),
        container = %container,
        shell = %terminal.shell,
        "terminal opened"
    );
    bridge(socket, terminal, idle).await;
}

/// How long a terminal may be quiet.
#[derive(Debug, Clone, Copy)]
struct Quiet {
    /// Without a keystroke: closed with an `idle` event.
    idle: Duration,
    /// How often the browser is pinged. A browser answers pings by itself (a tab in the
    /// background too); a network that was cut answers nothing and closes nothing, so without
    /// them a quiet terminal would hold its shell (and a node shell's pod, whose heartbeat it
    /// renews) until the idle timeout.
    ping: Duration,
}

impl Quiet {
    fn of(config: &crate::ServerConfig) -> Self {
        Self {
            idle: config.terminal_idle,
            ping: config.terminal_ping.max(Duration::from_millis(100)),
        }
    }
}

/// Carries keystrokes, output and window sizes between the browser and the shell until one of
/// them ends (or no key is pressed for `idle`, or the browser answers no ping); then says how it
/// ended.
async fn bridge(mut socket: WebSocket, mut terminal: Terminal, quiet: Quiet) {
    let Quiet { idle, ping } = quiet;
    if !send(
        &mut socket,
        &TerminalEvent::Started {
            shell: terminal.shell.clone(),
        },
    )
    .await
    {
        terminal.session.abort();
        return;
    }
    if !terminal.early.is_empty() {
        let early = std::mem::take(&mut terminal.early);
        let _ = socket.send(Message::Binary(early.into())).await;
    }
    let mut buffer = vec![0u8; 16 * 1024];
    let mut last_key = tokio::time::Instant::now();
    let mut last_heard = last_key;
    let mut pings = tokio::time::interval_at(last_key + ping, ping);
    pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let ending = loop {
        let idle_over = tokio::time::sleep_until(last_key + idle);
        tokio::select! {
            _ = pings.tick() => {
                if last_heard.elapsed() >= ping * PINGS_UNANSWERED {
                    tracing::info!("a terminal's browser was not heard from; the terminal is closed");
                    terminal.session.abort();
                    return;
                }
                // A send that cannot complete is a browser that stopped reading (see above).
                if !matches!(tokio::time::timeout(STALLED_AFTER, socket.send(Message::Ping(Default::default()))).await, Ok(Ok(()))) {
                    terminal.session.abort();
                    return;
                }
            }
            read = terminal.output.read(&mut buffer) => match read {
                Ok(0) | Err(_) => break terminal.session.ended().await,
                Ok(n) => {
                    let output = Message::Binary(buffer[..n].to_vec().into());
                    if !matches!(tokio::time::timeout(STALLED_AFTER, socket.send(output)).await, Ok(Ok(()))) {
                        tracing::info!("a terminal's browser stopped reading; the terminal is closed");
                        terminal.session.abort();
                        return;
                    }
                }
            },
            received = socket.recv() => {
                if matches!(received, Some(Ok(_))) {
                    last_heard = tokio::time::Instant::now();
                }
                match received {
                    Some(Ok(Message::Binary(keys))) => {
                        last_key = tokio::time::Instant::now();
                        if terminal.input.write_all(&keys).await.is_err() {
                            break terminal.session.ended().await;
                        }
                        let _ = terminal.input.flush().await;
                    }
                    Some(Ok(Message::Text(text))) => {
                        if let Ok(TerminalControl::Resize { cols, rows }) = serde_json::from_str(text.as_str()) {
                            terminal.session.resize(cols.clamp(1, 1000), rows.clamp(1, 1000)).await;
                        }
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    // The tab closed, navigated away or lost its connection.
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        terminal.session.abort();
                        return;
                    }
                }
            },
            ending = terminal.session.ended() => break ending,
            () = idle_over => {
                terminal.session.abort();
                send(&mut socket, &TerminalEvent::Idle { seconds: idle.as_secs() }).await;
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        }
    };
    // What the shell wrote last, before its status, is still in the pipe.
    while let Ok(Ok(n)) = tokio::time::timeout(
        Duration::from_millis(200),
        terminal.output.read(&mut buffer),
    )
    .await
    {
        let output = Message::Binary(buffer[..n].to_vec().into());
        if n == 0
            || !matches!(
                tokio::time::timeout(STALLED_AFTER, socket.send(output)).await,
                Ok(Ok(()))
            )
        {
            break;
        }
    }
    let event = match ending {
        Ended::Exited(code) => TerminalEvent::Exited { code },
        Ended::Failed(message) => TerminalEvent::Failed {
            reason: "Ended".into(),
            message,
        },
    };
    send(&mut socket, &event).await;
    let _ = socket.send(Message::Close(None)).await;
}
