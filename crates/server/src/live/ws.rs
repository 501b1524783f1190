//! `GET /api/v1/live`: one WebSocket per browser tab carrying all its live views.
//!
//! The client sends `{"op":"subscribe","id":"s1","path":"/api/v1/watch/core/v1/pods?namespace=shop"}`
//! and `{"op":"unsubscribe","id":"s1"}`; it receives `{"id":"s1","event":"added","data":{…}}`
//! with the same events as the SSE endpoint, and `{"event":"heartbeat"}` every 15 seconds.
//! A `path` may also be a followed log (`/api/v1/logs/{ns}/{pod}?container=…` or
//! `/api/v1/logs/{ns}/workload/{g}/{v}/{r}/{name}`): its `line`, `warning` and `end` events are
//! those of the logs' SSE, and unsubscribing stops the stream from the API server.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use ts_rs::TS;
use wheelhouse_cluster::resources::Resources;

use super::{HEARTBEAT, LiveEvent, View, WatchParams, spawn_view};
use crate::AppState;
use crate::access::Access;
use crate::error::AppError;
use crate::logs::{LogParams, follow_pod, follow_workload};
use crate::person::Me;
use crate::quota::{Held, Taken};
use crate::resources::{query_error, resolve};
use crate::session::{SessionEnds, session_ended};

/// Messages queued for a slow socket before its views start to fall behind (and resync).
const SOCKET_QUEUE: usize = 256;
/// Live views one socket may hold at once.
const MAX_SUBSCRIPTIONS: usize = 64;
/// The largest message a client may send.
const MAX_MESSAGE: usize = 64 * 1024;

pub(super) async fn live(
    State(state): State<AppState>,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(access): Extension<Arc<Access>>,
    me: Me,
    ends: Option<Extension<SessionEnds>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let ends = ends.map(|Extension(ends)| ends);
    // Over the person's cap the socket still opens, so that the web app can show each view's
    // refusal where the view would be (a refused upgrade is only "closed" to a browser).
    let taken = state
        .quotas
        .take(&me.person, Held::LiveConnection)
        .ok()
        .map(Arc::new);
    upgrade
        .max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| {
            serve(
                socket,
                Tab {
                    state,
                    resources,
                    access,
                    me,
                    taken,
                },
                ends,
            )
        })
}

/// What a tab's subscriptions need to open views.
#[derive(Clone)]
struct Tab {
    state: AppState,
    resources: Arc<Resources>,
    access: Arc<Access>,
    /// Who the socket's views and logs are for.
    me: Me,
    /// The socket's place among the person's live connections; `None` over the cap.
    taken: Option<Arc<Taken>>,
}

/// What the web app sends on the live WebSocket.
#[derive(Deserialize, TS)]
#[serde(tag = "op", rename_all = "camelCase")]
pub(crate) enum LiveRequest {
    /// Follow a watch path (`/api/v1/watch/…`) or a log path (`/api/v1/logs/…`) as `id`.
    Subscribe { id: String, path: String },
    /// Stop following `id`.
    Unsubscribe { id: String },
}

/// One outgoing message: `{"id":…,"event":…,"data":…}`.
fn message(id: Option<&str>, event: &str, data: &str) -> String {
    let id = id.map_or_else(String::new, |id| {
        format!(r#""id":{},"#, serde_json::Value::from(id))
    });
    format!(r#"{{{id}"event":"{event}","data":{data}}}"#)
}

async fn serve(socket: WebSocket, tab: Tab, ends: Option<SessionEnds>) {
    let (mut sink, mut incoming) = socket.split();
    // A socket without a session that ends (local and proxy mode) lives as long as it is used.
    let session_over = async move {
        match ends {
            Some(ends) => tokio::time::sleep(ends.remaining()).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(session_over);
    let (out, mut outgoing) = mpsc::channel::<String>(SOCKET_QUEUE);
    let mut subscriptions: HashMap<String, AbortHandle> = HashMap::new();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.reset();
    loop {
        tokio::select! {
            received = incoming.next() => match received {
                Some(Ok(Message::Text(text))) => {
                    if let Err(refusal) = handle(&tab, text.as_str(), &out, &mut subscriptions) {
                        let _ = out.try_send(refusal);
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    let error = AppError::bad_request("send subscriptions as JSON text messages");
                    let _ = out.try_send(refusal(None, &error));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            },
            Some(text) = outgoing.recv() => {
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            _ = heartbeat.tick() => {
                if sink.send(Message::Text(r#"{"event":"heartbeat","data":{}}"#.into())).await.is_err() {
                    break;
                }
            }
            () = &mut session_over => {
                let _ = sink.send(Message::Text(refusal(None, &session_ended()).into())).await;
                let _ = sink.close().await;
                break;
            }
        }
    }
    for (_, subscription) in subscriptions {
        subscription.abort();
    }
}

/// An `error` event for the subscription `id` (or the connection).
fn refusal(id: Option<&str>, error: &AppError) -> String {
    let event = LiveEvent::error(error);
    message(id, event.event, &event.data)
}

/// Acts on one client message; a refusal is the message to send back.
fn handle(
    tab: &Tab,
    text: &str,
    out: &mpsc::Sender<String>,
    subscriptions: &mut HashMap<String, AbortHandle>,
) -> Result<(), String> {
    let request: LiveRequest = serde_json::from_str(text).map_err(|error| {
        refusal(
            None,
            &AppError::bad_request(format!(
                "not a live request ({error}); send {{\"op\":\"subscribe\",\"id\":\"s1\",\"path\":\"/api/v1/watch/core/v1/pods\"}} or {{\"op\":\"unsubscribe\",\"id\":\"s1\"}}"
            )),
        )
    })?;
    match request {
        LiveRequest::Unsubscribe { id } => {
            if let Some(subscription) = subscriptions.remove(&id) {
                subscription.abort();
            }
            Ok(())
        }
        LiveRequest::Subscribe { id, path } => {
            if tab.taken.is_none() {
                return Err(refusal(
                    Some(&id),
                    &tab.state.quotas.refusal(Held::LiveConnection),
                ));
            }
            subscriptions.retain(|_, s| !s.is_finished());
            if let Some(previous) = subscriptions.remove(&id) {
                previous.abort();
            }
            if subscriptions.len() >= MAX_SUBSCRIPTIONS {
                return Err(refusal(
                    Some(&id),
                    &AppError::bad_request(format!(
                        "a connection holds at most {MAX_SUBSCRIPTIONS} subscriptions; unsubscribe from some first"
                    )),
                ));
            }
            let target = parse_path(&path).map_err(|error| refusal(Some(&id), &error))?;
            let task = tokio::spawn(subscribe(tab.clone(), id.clone(), target, out.clone()));
            subscriptions.insert(id, task.abort_handle());
            Ok(())
        }
    }
}

/// What a subscription follows.
#[derive(Debug)]
enum Target {
    /// A live view: `(group, version, resource, params)` of a watch path.
    Watch(String, String, String, WatchParams),
    /// A pod's container log: `(namespace, pod, params)`.
    PodLog(String, String, LogParams),
    /// A workload's merged log: namespace, `(group, version, resource, name)`, params.
    WorkloadLog(String, (String, String, String, String), LogParams),
}

fn parse_path(path: &str) -> Result<Target, AppError> {
    let invalid = || {
        AppError::bad_request(format!(
            "path {path:?} is not a watch or log path: use /api/v1/watch/{{group}}/{{version}}/{{resource}}?namespace=…, /api/v1/logs/{{namespace}}/{{pod}} or /api/v1/logs/{{namespace}}/workload/{{group}}/{{version}}/{{resource}}/{{name}}"
        ))
    };
    let uri: Uri = format!("/{}", path.trim_start_matches('/'))
        .parse()
        .map_err(|_| invalid())?;
    // Segments are names, never encoded nor relative: they are put in the API server's path.
    let segments = |rest: &str| -> Result<Vec<String>, AppError> {
        let segments: Vec<String> = rest.split('/').map(str::to_string).collect();
        if segments
            .iter()
            .any(|s| s.is_empty() || s == "." || s == ".." || s.contains('%'))
        {
            return Err(invalid());
        }
        Ok(segments)
    };
    if let Some(rest) = uri.path().strip_prefix("/api/v1/watch/") {
        let [group, version, resource] =
            <[String; 3]>::try_from(segments(rest)?).map_err(|_| invalid())?;
        let Query(params) = Query::<WatchParams>::try_from_uri(&uri).map_err(query_error)?;
        return Ok(Target::Watch(group, version, resource, params));
    }
    if let Some(rest) = uri.path().strip_prefix("/api/v1/logs/") {
        let Query(params) = Query::<LogParams>::try_from_uri(&uri).map_err(query_error)?;
        let segments = segments(rest)?;
        if let Ok([namespace, pod]) = <[String; 2]>::try_from(segments.clone()) {
            return Ok(Target::PodLog(namespace, pod, params));
        }
        if let Ok([namespace, workload, group, version, resource, name]) =
            <[String; 6]>::try_from(segments)
            && workload == "workload"
        {
            return Ok(Target::WorkloadLog(
                namespace,
                (group, version, resource, name),
                params,
            ));
        }
    }
    Err(invalid())
}

/// Opens the view or log and forwards its events, tagged with the subscription's id.
async fn subscribe(tab: Tab, id: String, target: Target, out: mpsc::Sender<String>) {
    let (group, version, resource, params) = match target {
        Target::Watch(group, version, resource, params) => (group, version, resource, params),
        Target::PodLog(namespace, pod, params) => {
            let opened = follow_pod(&tab.state, &tab.me, &namespace, &pod, &params).await;
            return forward_log(&id, opened, &out).await;
        }
        Target::WorkloadLog(namespace, workload, params) => {
            let opened = follow_workload(
                &tab.state,
                &tab.me,
                &tab.resources,
                &namespace,
                workload,
                &params,
            )
            .await;
            return forward_log(&id, opened, &out).await;
        }
    };
    let resolved = resolve(
        &tab.state,
        &tab.resources,
        &tab.access,
        &tab.me.person,
        (&group, &version, &resource),
        &params.list,
    )
    .await;
    let resolved = match resolved {
        Ok(resolved) => resolved,
        Err(error) => {
            let _ = out.send(refusal(Some(&id), &error)).await;
            return;
        }
    };
    let mut events = spawn_view(View {
        cache: resolved.cache,
        query: resolved.query,
        name: params.name.filter(|n| !n.is_empty()),
        notes: resolved.notes,
    });
    while let Some(event) = events.recv().await {
        if out
            .send(message(Some(&id), event.event, &event.data))
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Forwards a followed log's events until it ends or the subscription is dropped (which drops
/// the receiver and so stops the stream from the API server).
async fn forward_log(
    id: &str,
    opened: crate::error::Result<mpsc::Receiver<crate::logs::LogEvent>>,
    out: &mpsc::Sender<String>,
) {
    let mut events = match opened {
        Ok(events) => events,
        Err(error) => {
            let _ = out.send(refusal(Some(id), &error)).await;
            return;
        }
    };
    while let Some(event) = events.recv().await {
        let (name, data) = event.name_and_data();
        if out.send(message(Some(id), name, &data)).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_paths_are_parsed_with_their_query() {
        let Target::Watch(group, version, resource, params) =
            parse_path("/api/v1/watch/core/v1/pods?namespace=shop&q=web&name=web-1")
                .expect("a watch path")
        else {
            panic!("not a watch");
        };
        assert_eq!(
            (group.as_str(), version.as_str(), resource.as_str()),
            ("core", "v1", "pods")
        );
        assert_eq!(params.list.namespace.as_deref(), Some("shop"));
        assert_eq!(params.list.q.as_deref(), Some("web"));
        assert_eq!(params.name.as_deref(), Some("web-1"));
        assert!(
            parse_path("api/v1/watch/apps/v1/deployments").is_ok(),
            "the leading slash is optional"
        );
    }

    #[test]
    fn log_paths_are_parsed_with_their_query() {
        let target = parse_path("/api/v1/logs/shop/web-1?container=api&tailLines=5")
            .expect("a pod log path");
        let Target::PodLog(namespace, pod, params) = target else {
            panic!("not a pod log: {target:?}");
        };
        assert_eq!((namespace.as_str(), pod.as_str()), ("shop", "web-1"));
        assert_eq!(params.container.as_deref(), Some("api"));
        assert_eq!(params.tail_lines, Some(5));
        let target = parse_path("api/v1/logs/shop/workload/apps/v1/deployments/web")
            .expect("a workload log path");
        let Target::WorkloadLog(namespace, workload, _) = target else {
            panic!("not a workload log: {target:?}");
        };
        assert_eq!(namespace, "shop");
        assert_eq!(
            workload,
            (
                "apps".into(),
                "v1".into(),
                "deployments".into(),
                "web".into()
            )
        );
    }

    #[test]
    fn other_paths_are_refused_with_the_expected_shape() {
        for path in [
            "/api/v1/resources/core/v1/pods",
            "/api/v1/watch/core/v1",
            "/api/v1/watch/core/v1/pods/x",
            "/api/v1/watch//v1/pods",
            "/api/v1/logs/shop",
            "/api/v1/logs/shop/..",
            "/api/v1/logs/shop/web%2F1",
            "/api/v1/logs/shop/pods/apps/v1/deployments/web",
        ] {
            let error = parse_path(path).expect_err(path);
            assert_eq!(error.reason(), "BadRequest", "{path}");
            assert!(
                error.message().contains("/api/v1/watch/{group}"),
                "{path}: {}",
                error.message()
            );
        }
    }

    #[test]
    fn messages_carry_the_id_event_and_data() {
        let text = message(Some("s\"1"), "added", r#"{"total":1}"#);
        let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(
            json,
            serde_json::json!({"id": "s\"1", "event": "added", "data": {"total": 1}})
        );
    }
}
