//! `GET /api/v1/logs/{namespace}/{pod}` and `…/workload/{g}/{v}/{r}/{name}`: container logs,
//! read whole (bounded) or followed as Server-Sent Events; a workload's pods merged, each line
//! tagged with its pod and container. A followed log is opened by [`follow_pod`] or
//! [`follow_workload`]; the SSE routes here and a tab's live WebSocket (`live::ws`) both read it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};
use ts_rs::TS;
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::selector::Selector;

use crate::AppState;
use crate::error::IntoAppError;
use crate::error::{AppError, Result};
use crate::object::Target;
use crate::person::Me;
use crate::quota::Held;
use wheelhouse_cluster::calls::{self, Calls, LogStream};
use wheelhouse_model::warning::Warning;

/// A non-followed log is cut (at a line) beyond this.
const MAX_LOG: usize = 16 * 1024 * 1024;
/// Lines queued for a follower; a client that falls further behind is disconnected.
const FOLLOW_QUEUE: usize = 1000;
/// Bytes of lines queued for a follower (a line may be up to 1 MiB, so the count of lines alone
/// would allow a GiB); a client that falls further behind is disconnected.
const FOLLOW_BYTES: usize = 4 * 1024 * 1024;
/// The longest line sent as it is; longer text without a line end is sent in pieces of this size.
const MAX_LINE: usize = 1024 * 1024;
/// Pods merged at most for a workload.
const MAX_PODS: usize = 20;
const HEARTBEAT: Duration = Duration::from_secs(15);

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/logs/{namespace}/{pod}", get(pod_logs))
        .route(
            "/api/v1/logs/{namespace}/workload/{group}/{version}/{resource}/{name}",
            get(workload_logs),
        )
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogParams {
    pub(crate) container: Option<String>,
    pub(crate) follow: Option<bool>,
    pub(crate) previous: Option<bool>,
    pub(crate) tail_lines: Option<u64>,
    pub(crate) since_seconds: Option<u64>,
    pub(crate) timestamps: Option<bool>,
}

impl LogParams {
    /// The API server's log options for one container; `default_tail` when no bound is given.
    fn query(&self, container: &str, default_tail: u64, timestamps: bool) -> calls::LogParams {
        let tail_lines = match (self.tail_lines, self.since_seconds) {
            (Some(tail), _) => Some(tail.min(100_000)),
            (None, None) => Some(default_tail),
            (None, Some(_)) => None,
        };
        calls::LogParams {
            container: Some(container.to_string()),
            follow: self.follow == Some(true),
            previous: self.previous == Some(true),
            tail_lines: tail_lines.map(|t| i64::try_from(t).unwrap_or(i64::MAX)),
            since_seconds: self
                .since_seconds
                .map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            timestamps,
            ..calls::LogParams::default()
        }
    }
}

fn containers_of(pod: &Value) -> Vec<String> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// The container asked for, the pod's default one, or its only one.
fn choose_container(pod: &Value, asked: Option<&str>) -> Result<String> {
    let containers = containers_of(pod);
    let init: Vec<String> = pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    if let Some(asked) = asked.filter(|a| !a.is_empty()) {
        if containers.iter().chain(&init).any(|c| c == asked) {
            return Ok(asked.to_string());
        }
        return Err(AppError::bad_request(format!(
            "the pod has no container {asked:?}; its containers are {}",
            containers
                .iter()
                .chain(&init)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if let Some(default) = pod
        .pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
        .and_then(Value::as_str)
    {
        return Ok(default.to_string());
    }
    match containers.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(AppError::bad_request(format!(
            "the pod has several containers; choose one with container=… ({})",
            containers.join(", ")
        ))),
    }
}

async fn pod_logs(
    State(state): State<AppState>,
    me: Me,
    Path((namespace, pod)): Path<(String, String)>,
    Query(params): Query<LogParams>,
) -> Result<Response> {
    if params.follow == Some(true) {
        return Ok(sse(
            follow_pod(&state, &me, &namespace, &pod, &params).await?
        ));
    }
    let (calls, options, log_details) =
        pod_log_request(&state, &me.calls, &namespace, &pod, &params).await?;
    let body = calls
        .open_log(&namespace, &pod, &options)
        .await
        .map_err(|f| f.into_error(log_details))?;
    let (text, truncated) = read_capped(body, MAX_LOG).await;
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response();
    if truncated {
        response.headers_mut().insert(
            "x-wheelhouse-truncated",
            header::HeaderValue::from_static("true"),
        );
    }
    Ok(response)
}

/// The API server's log options for a pod's container, and the details of a refusal to read it.
async fn pod_log_request(
    state: &AppState,
    calls: &Calls,
    namespace: &str,
    pod: &str,
    params: &LogParams,
) -> Result<(Calls, calls::LogParams, Value)> {
    state.cluster.ensure_connected().await?;
    let calls = calls.clone();
    let details = json!({"verb": "get", "group": "", "resource": "pods", "namespace": namespace, "name": pod});
    let object = calls
        .pod(namespace, pod)
        .await
        .map_err(|f| f.into_error(details.clone()))?;
    let container = choose_container(&object, params.container.as_deref())?;
    let timestamps = params.timestamps == Some(true);
    let options = params.query(&container, 1000, timestamps);
    let mut log_details = details;
    log_details["subresource"] = json!("log");
    Ok((calls, options, log_details))
}

/// Follows a pod's container log: its lines (bounded by [`FOLLOW_QUEUE`]) arrive on the
/// receiver, then an `End`; dropping the receiver stops the stream from the API server.
pub(crate) async fn follow_pod(
    state: &AppState,
    me: &Me,
    namespace: &str,
    pod: &str,
    params: &LogParams,
) -> Result<mpsc::Receiver<LogEvent>> {
    let taken = state.quotas.take(&me.person, Held::LogFollow)?;
    let params = LogParams {
        follow: Some(true),
        ..params.clone()
    };
    let (calls, options, log_details) =
        pod_log_request(state, &me.calls, namespace, pod, &params).await?;
    let body = calls
        .open_log(namespace, pod, &options)
        .await
        .map_err(|f| f.into_error(log_details))?;
    let (lines, receiver) = mpsc::channel(FOLLOW_QUEUE);
    tokio::spawn(async move {
        forward_lines(body, None, lines, follow_budget()).await;
        drop(taken);
    });
    Ok(receiver)
}

/// The bytes one follower's queue may hold, shared by a workload's streams.
fn follow_budget() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(FOLLOW_BYTES))
}

/// Reads up to `limit` bytes, cut at the last line end when over; whether it was cut.
async fn read_capped(body: LogStream, limit: usize) -> (Bytes, bool) {
    let mut stream = axum::body::Body::new(body).into_data_stream();
    let mut out = BytesMut::new();
    while let Some(Ok(chunk)) = stream.next().await {
        if out.len() + chunk.len() > limit {
            out.extend_from_slice(&chunk[..limit - out.len()]);
            let end = out.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            out.truncate(end);
            return (out.freeze(), true);
        }
        out.extend_from_slice(&chunk);
    }
    (out.freeze(), false)
}

/// A log line or the end of a stream, for followers: `event` names it and `data` carries it,
/// as [`LogEvent::name_and_data`] writes them (over SSE, `event` is the event's name).
#[derive(Debug, TS)]
#[ts(tag = "event", content = "data", rename_all = "camelCase")]
pub(crate) enum LogEvent {
    /// A line, with its pod and container in a workload's merged log.
    Line(LogLine),
    /// One of a workload's streams could not be opened; the others go on.
    Warning(Warning),
    /// The API server ended the stream (the pod stopped, the container restarted) or it broke off.
    End(LogEnd),
}

/// One line of a log.
#[derive(Debug, Serialize, TS)]
pub(crate) struct LogLine {
    /// The pod, in a workload's merged log.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pod: Option<String>,
    /// The container, in a workload's merged log.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub container: Option<String>,
    pub line: String,
    /// The bytes this line holds of its follower's [`FOLLOW_BYTES`], given back when it is sent.
    #[serde(skip)]
    #[ts(skip)]
    #[allow(
        dead_code,
        reason = "held to be dropped once the line is sent, never read"
    )]
    pub held: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// Why a followed log ended.
#[derive(Debug, Serialize, TS)]
pub(crate) struct LogEnd {
    pub reason: String,
}

/// `GET` of a workload's logs without following: its pods' lines merged by time.
#[derive(Debug, Serialize, TS)]
pub(crate) struct WorkloadLogs {
    pub lines: Vec<LogLine>,
    /// The pods whose logs could not be read.
    pub warnings: Vec<Warning>,
}

impl LogEvent {
    /// The event's name and JSON data, the same over SSE and the live WebSocket.
    pub(crate) fn name_and_data(&self) -> (&'static str, String) {
        let (name, data) = match self {
            LogEvent::Line(line) => ("line", serde_json::to_string(line)),
            LogEvent::Warning(warning) => ("warning", serde_json::to_string(warning)),
            LogEvent::End(end) => ("end", serde_json::to_string(end)),
        };
        (name, data.unwrap_or_else(|_| "{}".into()))
    }
}

/// Splits a followed log into lines and queues them; stops when the follower is too slow
/// (queue full) or gone.
async fn forward_lines(
    body: LogStream,
    tag: Option<(String, String)>,
    lines: mpsc::Sender<LogEvent>,
    budget: Arc<Semaphore>,
) {
    let mut stream = axum::body::Body::new(body).into_data_stream();
    let mut pending = BytesMut::new();
    let send = |text: &[u8]| {
        let size = u32::try_from(text.len().max(1)).unwrap_or(u32::MAX);
        let Ok(held) = budget.clone().try_acquire_many_owned(size) else {
            return false;
        };
        let line = LogLine {
            pod: tag.as_ref().map(|(pod, _)| pod.clone()),
            container: tag.as_ref().map(|(_, container)| container.clone()),
            line: String::from_utf8_lossy(text).into_owned(),
            held: Some(held),
        };
        lines.try_send(LogEvent::Line(line)).is_ok()
    };
    loop {
        // A follower that goes away (SSE closed, WebSocket unsubscribed) stops the log
        // stream now, not at its next line.
        let next = tokio::select! {
            () = lines.closed() => return,
            next = stream.next() => next,
        };
        match next {
            Some(Ok(chunk)) => {
                pending.extend_from_slice(&chunk);
                while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                    let line = pending.split_to(end + 1);
                    if !send(&line[..end]) {
                        return fell_behind(&lines).await;
                    }
                }
                // Text without a line end is sent in pieces of at most 1 MiB.
                while pending.len() > MAX_LINE {
                    let line = pending.split_to(MAX_LINE);
                    if !send(&line) {
                        return fell_behind(&lines).await;
                    }
                }
            }
            Some(Err(error)) => {
                let _ = lines.try_send(LogEvent::End(LogEnd {
                    reason: format!("the log stream broke off: {error}"),
                }));
                return;
            }
            None => {
                if !pending.is_empty() {
                    send(&pending);
                }
                let what = tag.map(|(p, c)| format!(" of {p}/{c}")).unwrap_or_default();
                let _ = lines.try_send(LogEvent::End(LogEnd {
                    reason: format!("the API server ended the log{what} (the pod stopped or the container restarted)"),
                }));
                return;
            }
        }
    }
}

/// Tells a follower that fell behind why its log ends, once it reads again (for at most the
/// client timeout's default; a follower gone by then is gone).
async fn fell_behind(lines: &mpsc::Sender<LogEvent>) {
    let end = LogEvent::End(LogEnd {
        reason: format!(
            "this log fell more than {FOLLOW_QUEUE} lines or {} MiB behind its reader; follow it again",
            FOLLOW_BYTES / (1024 * 1024)
        ),
    });
    let _ = tokio::time::timeout(Duration::from_secs(30), lines.send(end)).await;
}

fn sse(receiver: mpsc::Receiver<LogEvent>) -> Response {
    let events = futures::stream::unfold(receiver, |mut receiver| async move {
        let (name, data) = receiver.recv().await?.name_and_data();
        let event = Event::default().event(name).data(data);
        Some((Ok::<_, Infallible>(event), receiver))
    });
    let heartbeat = Event::default().event("heartbeat").data("{}");
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).event(heartbeat))
        .into_response()
}

/// The pods of a workload: those its selector matches, in its namespace.
async fn workload_pods(calls: &Calls, target: &Target) -> Result<Vec<Value>> {
    let object = target.get(calls).await?;
    let kind = target.kind.kind.as_str();
    if !matches!(
        kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job"
    ) {
        return Err(AppError::bad_request(format!(
            "{} have no pods to read logs from; choose a deployment, statefulset, daemonset, replicaset or job",
            target.kind.qualified_resource()
        )));
    }
    // matchLabels and matchExpressions, as the API server reads them.
    let selector = Selector::of_workload(&object)
        .map_err(|error| AppError::bad_request(format!("{}: {error}", target.name)))?
        .map(|selector| selector.to_string())
        .unwrap_or_default();
    if selector.is_empty() {
        return Ok(Vec::new());
    }
    let namespace = target.namespace.clone().unwrap_or_default();
    let mut pods = calls.pods(&namespace, &selector).await.map_err(|f| {
        f.into_error(
            json!({"verb": "list", "group": "", "resource": "pods", "namespace": namespace}),
        )
    })?;
    pods.sort_by(|a, b| {
        a.pointer("/metadata/name")
            .and_then(Value::as_str)
            .cmp(&b.pointer("/metadata/name").and_then(Value::as_str))
    });
    pods.truncate(MAX_PODS);
    Ok(pods)
}

async fn workload_logs(
    State(state): State<AppState>,
    me: Me,
    Extension(resources): Extension<Arc<Resources>>,
    Path((namespace, group, version, resource, name)): Path<(
        String,
        String,
        String,
        String,
        String,
    )>,
    Query(params): Query<LogParams>,
) -> Result<Response> {
    let workload = (group, version, resource, name);
    if params.follow == Some(true) {
        let receiver =
            follow_workload(&state, &me, &resources, &namespace, workload, &params).await?;
        return Ok(sse(receiver));
    }
    let (calls, streams) =
        workload_streams(&state, &me.calls, &resources, &namespace, workload, &params).await?;
    let fetched = futures::future::join_all(streams.into_iter().map(|(pod, container)| {
        let options = params.query(&container, 100, true);
        let calls = calls.clone();
        let namespace = namespace.as_str();
        async move {
            let result = match calls.open_log(namespace, &pod, &options).await {
                Ok(body) => Ok(read_capped(body, MAX_LOG / MAX_PODS).await.0),
                Err(failure) => Err(failure),
            };
            (pod, container, result)
        }
    }))
    .await;
    let keep_timestamps = params.timestamps == Some(true);
    let mut lines: Vec<(String, LogLine)> = Vec::new();
    let mut warnings = Vec::new();
    for (pod, container, result) in fetched {
        match result {
            Ok(text) => {
                for line in String::from_utf8_lossy(&text).lines() {
                    let (time, rest) = line.split_once(' ').unwrap_or(("", line));
                    let shown = if keep_timestamps { line } else { rest };
                    lines.push((
                        time.to_string(),
                        LogLine {
                            pod: Some(pod.clone()),
                            container: Some(container.clone()),
                            line: shown.to_string(),
                            held: None,
                        },
                    ));
                }
            }
            Err(failure) => warnings.push(failure.warning(format!("logs of {pod}/{container}"))),
        }
    }
    // RFC 3339 times in UTC sort as text; the sort is stable, so a pod's lines keep their order.
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    let lines = lines.into_iter().map(|(_, line)| line).collect();
    Ok(Json(WorkloadLogs { lines, warnings }).into_response())
}

/// The `(pod, container)` streams of a workload's merged log.
async fn workload_streams(
    state: &AppState,
    calls: &Calls,
    resources: &Resources,
    namespace: &str,
    workload: (String, String, String, String),
    params: &LogParams,
) -> Result<(Calls, Vec<(String, String)>)> {
    let target = Target::resolve(state, resources, workload, Some(namespace.to_string())).await?;
    let calls = calls.clone();
    let pods = workload_pods(&calls, &target).await?;
    let streams = pods
        .iter()
        .flat_map(|pod| {
            let pod_name = pod
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let containers = match params.container.as_deref().filter(|c| !c.is_empty()) {
                Some(c) => vec![c.to_string()],
                None => containers_of(pod),
            };
            containers.into_iter().map(move |c| (pod_name.clone(), c))
        })
        .collect();
    Ok((calls, streams))
}

/// Follows the merged log of a workload's pods (`workload` is group, version, resource, name):
/// tagged lines, a `Warning` per stream that could not be opened, an `End` per stream that ends.
/// Dropping the receiver stops every stream from the API server.
pub(crate) async fn follow_workload(
    state: &AppState,
    me: &Me,
    resources: &Resources,
    namespace: &str,
    workload: (String, String, String, String),
    params: &LogParams,
) -> Result<mpsc::Receiver<LogEvent>> {
    // Held until the last of the workload's streams ends.
    let taken = Arc::new(state.quotas.take(&me.person, Held::LogFollow)?);
    let params = LogParams {
        follow: Some(true),
        ..params.clone()
    };
    let (calls, streams) =
        workload_streams(state, &me.calls, resources, namespace, workload, &params).await?;
    let (lines, receiver) = mpsc::channel(FOLLOW_QUEUE);
    let budget = follow_budget();
    for (pod, container) in streams {
        let options = params.query(&container, 100, params.timestamps == Some(true));
        let namespace = namespace.to_string();
        let calls = calls.clone();
        let lines = lines.clone();
        let budget = budget.clone();
        let taken = taken.clone();
        tokio::spawn(async move {
            let _taken = taken;
            match calls.open_log(&namespace, &pod, &options).await {
                Ok(body) => forward_lines(body, Some((pod, container)), lines, budget).await,
                Err(failure) => {
                    let _ = lines.try_send(LogEvent::Warning(
                        failure.warning(format!("logs of {pod}/{container}")),
                    ));
                }
            }
        });
    }
    Ok(receiver)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The web app reads the events as `LogEvent` declares them: their names and data.
    #[test]
    fn log_events_are_written_as_their_typescript_type_says() {
        let declared = LogEvent::decl(&crate::typescript::config());
        let line = LogLine {
            pod: None,
            container: None,
            line: "ready".into(),
            held: None,
        };
        let warning = Warning::general(wheelhouse_model::warning::WarningReason::Forbidden, "no");
        let end = LogEnd {
            reason: "the pod stopped".into(),
        };
        for (event, keys) in [
            (LogEvent::Line(line), vec!["line"]),
            (
                LogEvent::Warning(warning),
                vec!["message", "reason", "what"],
            ),
            (LogEvent::End(end), vec!["reason"]),
        ] {
            let (name, data) = event.name_and_data();
            assert!(
                declared.contains(&format!(r#""event": "{name}""#)),
                "{name} in {declared}"
            );
            let data: Value = serde_json::from_str(&data).expect("json");
            let mut written: Vec<&str> = data
                .as_object()
                .expect("an object")
                .keys()
                .map(String::as_str)
                .collect();
            written.sort_unstable();
            assert_eq!(written, keys, "{name}");
        }
    }

    #[test]
    fn the_only_container_is_chosen_and_an_ambiguous_pod_names_its_containers() {
        let one = json!({"spec": {"containers": [{"name": "app"}]}});
        assert_eq!(choose_container(&one, None).expect("one"), "app");
        let two = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        let error = choose_container(&two, None).expect_err("ambiguous");
        assert!(error.message().contains("a, b"), "{}", error.message());
        assert_eq!(choose_container(&two, Some("b")).expect("chosen"), "b");
        assert!(choose_container(&two, Some("c")).is_err());
    }

    #[test]
    fn a_log_query_has_a_default_tail_unless_bounded_by_time() {
        let params = LogParams::default();
        let options = params.query("c", 1000, false);
        assert_eq!(options.container.as_deref(), Some("c"));
        assert_eq!(
            (options.tail_lines, options.since_seconds),
            (Some(1000), None)
        );
        assert!(!options.follow && !options.timestamps);
        let params = LogParams {
            since_seconds: Some(60),
            follow: Some(true),
            ..LogParams::default()
        };
        let options = params.query("c", 1000, true);
        assert_eq!(
            (options.tail_lines, options.since_seconds),
            (None, Some(60))
        );
        assert!(options.follow && options.timestamps);
    }

    /// Ten lines of 1 MiB fit the queue's count of lines, but not its bytes: a follower that
    /// reads nothing holds at most 4 MiB, and the stream from the API server is dropped.
    #[tokio::test]
    async fn a_follower_that_reads_nothing_holds_at_most_its_byte_budget() {
        let mut text = Vec::new();
        for _ in 0..10 {
            text.extend(std::iter::repeat_n(b'x', MAX_LINE - 1));
            text.push(b'\n');
        }
        let (lines, mut receiver) = mpsc::channel(FOLLOW_QUEUE);
        let forwarding = tokio::spawn(forward_lines(
            LogStream::from(text),
            None,
            lines,
            follow_budget(),
        ));
        // Nothing is read until the stream has been read as far as the budget allows.
        while receiver.len() < 4 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let queued = receiver.len();
        let mut held = 0;
        let mut end = None;
        while let Some(event) = receiver.recv().await {
            match event {
                LogEvent::Line(line) => held += line.line.len(),
                LogEvent::End(reason) => end = Some(reason.reason),
                LogEvent::Warning(_) => panic!("no warning"),
            }
        }
        forwarding.await.expect("forwarded");
        assert!(
            queued <= 5,
            "4 lines of 1 MiB and the end, not {queued} events"
        );
        assert!(held <= FOLLOW_BYTES, "{held} bytes queued");
        let end = end.expect("the follower is told why the log ended");
        assert!(end.contains("behind"), "{end}");
        assert!(held >= FOLLOW_BYTES - MAX_LINE, "{held} bytes queued");
    }
}
