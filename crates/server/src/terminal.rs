//! `GET /api/v1/terminal/{namespace}/{pod}?container=&shell=&cols=&rows=` (WebSocket): a shell
//! in a container, as the person, bridged to the browser.
//!
//! From the browser: binary messages are keystrokes (stdin); text messages are JSON controls,
//! `{"type":"resize","cols":120,"rows":40}`. To the browser: binary messages are the terminal's
//! output; text messages are JSON events: `{"type":"started","shell":"bash"}`, then one of
//! `{"type":"exited","code":0}`, `{"type":"failed","reason":…,"message":…}` (the exec could not be
//! opened, no shell was found, or the API server ended it) and `{"type":"idle","seconds":…}` (no
//! keystroke for the idle timeout). The socket closes after the last event.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use ts_rs::TS;
use wheelhouse_cluster::access::Question;
use wheelhouse_cluster::calls::exec::{Ended, OpenFailure};

use crate::AppState;
use crate::person::Me;

/// The largest message the browser may send (a paste larger than this is refused).
const MAX_MESSAGE: usize = 64 * 1024;
/// The shells tried when none is asked for, in order.
const SHELLS: [&str; 2] = ["bash", "sh"];

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/api/v1/terminal/{namespace}/{pod}",
        axum::routing::get(terminal),
    )
}

#[derive(Debug, Deserialize)]
struct TerminalParams {
    container: String,
    /// One command to run instead of trying `bash` then `sh` (split on spaces).
    shell: Option<String>,
    cols: Option<u16>,
    rows: Option<u16>,
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
    let idle = state.config.terminal_idle;
    upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(socket, state, me, namespace, pod, params, idle))
}

async fn send(socket: &mut WebSocket, event: &TerminalEvent) -> bool {
    let text = serde_json::to_string(event).unwrap_or_default();
    socket.send(Message::Text(text.into())).await.is_ok()
}

async fn serve(
    mut socket: WebSocket,
    state: AppState,
    me: Me,
    namespace: String,
    pod: String,
    params: TerminalParams,
    idle: Duration,
) {
    let shells: Vec<Vec<String>> = match params.shell.as_deref().map(str::trim) {
        Some(shell) if !shell.is_empty() => {
            vec![shell.split_whitespace().map(str::to_string).collect()]
        }
        _ => SHELLS.iter().map(|s| vec![(*s).to_string()]).collect(),
    };
    // Asked first, so a refusal names what is missing rather than the exec's bare 403.
    let question = Question {
        subresource: "exec",
        name: Some(pod.clone()),
        ..Question::new("create", "", "pods", Some(namespace.clone()))
    };
    let decision = state.cluster.may(&me.person, &question).await;
    if !decision.allowed {
        let mut message = question.describe(me.person.name());
        if let Some(reason) = decision.reason.filter(|r| !r.is_empty()) {
            message = format!("{message}: {reason}");
        }
        let reason = "Forbidden".to_string();
        send(&mut socket, &TerminalEvent::Failed { reason, message }).await;
        let _ = socket.send(Message::Close(None)).await;
        return;
    }
    let size = (params.cols.unwrap_or(80), params.rows.unwrap_or(24));
    let opened = me
        .calls
        .terminal(&namespace, &pod, &params.container, &shells, size)
        .await;
    let mut terminal = match opened {
        Ok(terminal) => terminal,
        Err(failure) => {
            let (reason, message) = match failure {
                OpenFailure::Call(failure) => (failure.reason, failure.message),
                OpenFailure::NoShell { tried, reason } => (
                    "NoShell".to_string(),
                    format!(
                        "the container {} has none of the shells tried ({}): {reason}; open a debug container with a shell instead",
                        params.container,
                        tried.join(", ")
                    ),
                ),
            };
            send(&mut socket, &TerminalEvent::Failed { reason, message }).await;
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
    };
    tracing::info!(
        target: "wheelhouse::audit",
        user = %me.person.name(),
        pod = %format!("{namespace}/{pod}"),
        container = %params.container,
        shell = %terminal.shell,
        "terminal opened"
    );
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
    let ending = loop {
        let idle_over = tokio::time::sleep_until(last_key + idle);
        tokio::select! {
            read = terminal.output.read(&mut buffer) => match read {
                Ok(0) | Err(_) => break terminal.session.ended().await,
                Ok(n) => {
                    if socket.send(Message::Binary(buffer[..n].to_vec().into())).await.is_err() {
                        terminal.session.abort();
                        return;
                    }
                }
            },
            received = socket.recv() => match received {
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
        if n == 0
            || socket
                .send(Message::Binary(buffer[..n].to_vec().into()))
                .await
                .is_err()
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
