//! `GET /api/v1/port-forward/{namespace}/{pod|svc|service}/{name}?port=` (WebSocket): one TCP
//! stream to a pod's port, or to a Service's port through a ready pod behind it, made as the
//! person through the API server's `pods/portforward`. `wheelhouse port-forward` opens one per
//! local connection; the target is resolved anew each time, so a replaced pod is followed.
//!
//! Binary messages are the stream's bytes, both ways. Text messages from the console are JSON
//! events: `{"type":"connected","pod":"web-1","port":8080}` first, and
//! `{"type":"failed","reason":…,"message":…}` when the kubelet says the port cannot be used (or
//! the connection was stalled) before the socket closes. The socket closes when the pod's side
//! ends; the client closing it ends the stream.
//!
//! Without an upgrade, the same `GET` checks: it resolves the target and asks the person's
//! SelfSubjectAccessReview for `create pods/portforward`, and answers `{"pod","port"}` or why not.
//!
//! Only the command line may open it: a request with `Origin` or `Sec-Fetch-*` (any browser) is
//! refused, and the caller proves who they are with a bearer credential
//! ([`crate::session::command_line_person`]; docs/adr/0023).

use std::time::Duration;

use axum::extract::ws::{
    Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection,
};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt as _, StreamExt as _};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wheelhouse_cluster::access::Question;
use wheelhouse_cluster::calls::port_forward::{ForwardTarget, Forwarded, RemotePort};

use crate::AppState;
use crate::error::{AppError, IntoAppError as _};
use crate::quota::{Held, Taken};

/// The largest message the client may send.
const MAX_MESSAGE: usize = 64 * 1024;
/// A client that takes longer than this to take one message has stopped reading: the stream is
/// closed, so what it holds is one message and the socket's buffers.
const STALLED_AFTER: Duration = Duration::from_secs(30);

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/api/v1/port-forward/{namespace}/{kind}/{name}",
        axum::routing::get(port_forward),
    )
}

#[derive(Debug, Deserialize)]
struct Params {
    port: String,
}

/// What the console says on the socket, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum PortForwardEvent {
    /// The stream reaches this pod's container port.
    Connected { pod: String, port: u16 },
    /// The stream ended because of this.
    Failed { reason: String, message: String },
}

/// The answer of a check (a `GET` without upgrade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortForwardCheck {
    pub pod: String,
    pub port: u16,
}

/// `pod`, `pods`, `po`; `svc`, `service`, `services`.
pub fn parse_target(kind: &str, name: &str) -> Option<ForwardTarget> {
    if name.is_empty() || name.len() > 253 {
        return None;
    }
    match kind {
        "pod" | "pods" | "po" => Some(ForwardTarget::Pod(name.to_string())),
        "svc" | "service" | "services" => Some(ForwardTarget::Service(name.to_string())),
        _ => None,
    }
}

async fn port_forward(
    State(state): State<AppState>,
    Path((namespace, kind, name)): Path<(String, String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, AppError> {
    let person = crate::session::command_line_person(&state, &headers).await?;
    let target = parse_target(&kind, &name).ok_or_else(|| {
        AppError::bad_request(format!(
            "{kind}/{name} is not a target: write pod/NAME, svc/NAME or service/NAME"
        ))
    })?;
    let port = RemotePort::parse(&params.port).ok_or_else(|| {
        AppError::bad_request(format!(
            "{:?} is not a port: write a number from 1 to 65535 or a port's name",
            params.port
        ))
    })?;
    let calls = state.cluster.calls_for(&person)?;
    let details = json!({"namespace": namespace, "target": target.describe(&namespace), "port": port.to_string()});
    let Ok(upgrade) = upgrade else {
        let (pod, number) = calls
            .resolve_forward(&namespace, &target, &port)
            .await
            .map_err(|f| f.into_error(details.clone()))?;
        let question = Question {
            subresource: "portforward",
            name: Some(pod.clone()),
            ..Question::new("create", "", "pods", Some(namespace.clone()))
        };
        let decision = state.cluster.may(&person, &question).await;
        if !decision.allowed {
            let mut message = question.describe(person.name());
            if let Some(reason) = decision.reason.filter(|r| !r.is_empty()) {
                message = format!("{message}: {reason}");
            }
            return Err(
                AppError::new(StatusCode::FORBIDDEN, "Forbidden", message).with_details(details)
            );
        }
        return Ok(axum::Json(PortForwardCheck { pod, port: number }).into_response());
    };
    let taken = state.quotas.take(&person, Held::PortForward)?;
    let forwarded = calls
        .port_forward(&namespace, &target, &port)
        .await
        .map_err(|f| f.into_error(details))?;
    tracing::info!(
        target: "wheelhouse::audit",
        user = %person.name(),
        target = %target.describe(&namespace),
        pod = %format!("{namespace}/{}", forwarded.pod),
        port = forwarded.port,
        "port-forward opened"
    );
    Ok(upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| bridge(socket, forwarded, taken)))
}

async fn send_event(
    socket: &mut futures::stream::SplitSink<WebSocket, Message>,
    event: &PortForwardEvent,
) {
    let text = serde_json::to_string(event).unwrap_or_default();
    let _ = tokio::time::timeout(STALLED_AFTER, socket.send(Message::Text(text.into()))).await;
}

/// How the stream ended.
enum Ended {
    /// The pod's side closed the connection.
    PodClosed,
    /// The client closed the socket or went away.
    ClientGone,
    /// The client stopped reading.
    Stalled,
    /// The kubelet said the port cannot be used.
    Failed(String),
}

/// Carries bytes between the client and the pod's port until one side ends.
async fn bridge(socket: WebSocket, mut forwarded: Forwarded, _taken: Taken) {
    let (mut sink, mut incoming) = socket.split();
    send_event(
        &mut sink,
        &PortForwardEvent::Connected {
            pod: forwarded.pod.clone(),
            port: forwarded.port,
        },
    )
    .await;
    let stream = std::mem::replace(&mut forwarded.stream, tokio::io::duplex(1).0);
    let (mut reader, mut writer) = tokio::io::split(stream);
    let ended = {
        let to_pod = async {
            while let Some(Ok(message)) = incoming.next().await {
                match message {
                    Message::Binary(bytes) if writer.write_all(&bytes).await.is_err() => break,
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            Ended::ClientGone
        };
        let from_pod = async {
            let mut buffer = vec![0u8; 32 * 1024];
            loop {
                match reader.read(&mut buffer).await {
                    Ok(0) | Err(_) => return Ended::PodClosed,
                    Ok(n) => {
                        let message = Message::Binary(buffer[..n].to_vec().into());
                        if !matches!(
                            tokio::time::timeout(STALLED_AFTER, sink.send(message)).await,
                            Ok(Ok(()))
                        ) {
                            return Ended::Stalled;
                        }
                    }
                }
            }
        };
        let error = async {
            match (&mut forwarded.error).await {
                Some(message) => Ended::Failed(message),
                // The connection to the API server ended without a word: the pod's side closed.
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ended = to_pod => ended,
            ended = from_pod => ended,
            ended = error => ended,
        }
    };
    let ended = match ended {
        // What the kubelet said last may be on its way: a moment for it.
        Ended::PodClosed => {
            match tokio::time::timeout(Duration::from_millis(200), &mut forwarded.error).await {
                Ok(Some(message)) => Ended::Failed(message),
                _ => Ended::PodClosed,
            }
        }
        other => other,
    };
    match ended {
        Ended::Failed(message) => {
            send_event(
                &mut sink,
                &PortForwardEvent::Failed {
                    reason: "PortForwardFailed".into(),
                    message,
                },
            )
            .await;
        }
        Ended::Stalled => {
            tracing::info!("a port-forward's client stopped reading; the stream is closed");
            forwarded.abort();
            return;
        }
        Ended::ClientGone => {
            forwarded.abort();
            return;
        }
        Ended::PodClosed => {}
    }
    let _ = tokio::time::timeout(STALLED_AFTER, sink.send(Message::Close(None))).await;
    forwarded.abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_written_as_kubectl_writes_them() {
        assert_eq!(
            parse_target("po", "web-1"),
            Some(ForwardTarget::Pod("web-1".into()))
        );
        assert_eq!(
            parse_target("svc", "web"),
            Some(ForwardTarget::Service("web".into()))
        );
        assert_eq!(
            parse_target("services", "web"),
            Some(ForwardTarget::Service("web".into()))
        );
        assert_eq!(parse_target("deployment", "web"), None);
        assert_eq!(parse_target("pod", ""), None);
    }

    #[test]
    fn events_are_tagged_json() {
        let event = PortForwardEvent::Connected {
            pod: "web-1".into(),
            port: 8080,
        };
        assert_eq!(
            serde_json::to_value(&event).expect("json"),
            json!({"type": "connected", "pod": "web-1", "port": 8080})
        );
    }
}
