//! Serves the `log` subresource of pods from a [`LogSource`]: follow, previous, tailLines,
//! sinceSeconds, sinceTime, timestamps, limitBytes and container selection.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt;
use http::StatusCode;
use jiff::Timestamp;
use serde_json::Value;

use crate::api::http::Call;
use crate::error::{Error, Result};
use crate::storage::{GroupResource, str_at};

/// The most lines a log request without `tailLines` gets (the sim's logs are endless).
pub const MAX_LINES: usize = 2_000;

/// One log line with the time it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub time: Timestamp,
    pub text: String,
}

/// Where log content comes from. The scenario may install a richer one; the default is
/// [`GeneratedLogs`].
pub trait LogSource: Send + Sync {
    /// The lines `container` of `pod` wrote in `[from, to)`, oldest first. `previous` asks for
    /// the lines of the previous (crashed) instance of the container.
    fn lines(
        &self,
        pod: &Value,
        container: &str,
        previous: bool,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<LogLine>;
}

/// A plain generator: one access-log line every five seconds since the container started.
#[derive(Debug, Default, Clone, Copy)]
pub struct GeneratedLogs;

impl LogSource for GeneratedLogs {
    fn lines(
        &self,
        pod: &Value,
        container: &str,
        previous: bool,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<LogLine> {
        let started = container_started(pod, container).unwrap_or(from);
        let step = 5;
        let first = from.as_second().max(started.as_second());
        let first = first + (step - (first - started.as_second()).rem_euclid(step)) % step;
        let name = str_at(pod, &["metadata", "name"]);
        let mut out = Vec::new();
        let mut t = first;
        while t < to.as_second() {
            let n = (t - started.as_second()) / step;
            let text = if previous {
                format!("{container}: previous instance line {n}")
            } else if n == 0 {
                format!("{container}: starting in pod {name}")
            } else {
                format!("{container}: GET /healthz 200 {}ms request={n}", 1 + n % 17)
            };
            if let Ok(time) = Timestamp::from_second(t) {
                out.push(LogLine { time, text });
            }
            t += step;
        }
        out
    }
}

fn container_started(pod: &Value, container: &str) -> Option<Timestamp> {
    let statuses = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array);
    let started = statuses
        .into_iter()
        .flatten()
        .find(|c| c["name"] == container)
        .and_then(|c| c.pointer("/state/running/startedAt"))
        .and_then(Value::as_str)
        .or_else(|| pod.pointer("/status/startTime").and_then(Value::as_str))
        .or_else(|| {
            pod.pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
        })?;
    started.parse().ok()
}

fn format_line(line: &LogLine, timestamps: bool) -> String {
    if timestamps {
        format!(
            "{} {}\n",
            line.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            line.text
        )
    } else {
        format!("{}\n", line.text)
    }
}

/// Why a container has no logs to show yet, worded as the kubelet words it; `None` when it has
/// run (now or before a restart, whose logs are then served).
fn waiting_reason(pod: &Value, container: &str) -> Option<String> {
    let status = [
        "/status/initContainerStatuses",
        "/status/containerStatuses",
        "/status/ephemeralContainerStatuses",
    ]
    .iter()
    .filter_map(|path| pod.pointer(path).and_then(Value::as_array))
    .flatten()
    .find(|s| s["name"].as_str() == Some(container));
    let Some(status) = status else {
        // No status yet: the pod is not scheduled or its containers are being created.
        let scheduled = !str_at(pod, &["spec", "nodeName"]).is_empty();
        let pending = str_at(pod, &["status", "phase"]) == "Pending";
        return (!scheduled || pending).then(|| "ContainerCreating".to_string());
    };
    let waiting = status.pointer("/state/waiting")?;
    if status.pointer("/lastState/terminated").is_some() {
        return None;
    }
    Some(
        match waiting["reason"].as_str().unwrap_or("ContainerCreating") {
            "ErrImagePull" | "ImagePullBackOff" => "trying and failing to pull image".to_string(),
            reason => reason.to_string(),
        },
    )
}

/// `GET pods/{name}/log`.
pub async fn serve(call: &Call<'_>) -> Result<Response> {
    let pods = GroupResource::core("pods");
    let name = call.req.name.clone().unwrap_or_default();
    let ns = call.namespace().to_string();
    let pod = call
        .state
        .store
        .get(&pods, &ns, &name)
        .ok_or_else(|| Error::not_found("pods", &name))?;
    // Init and ephemeral containers have logs too (`kubectl logs --all-containers` asks for them).
    let containers: Vec<String> = [
        "/spec/initContainers",
        "/spec/containers",
        "/spec/ephemeralContainers",
    ]
    .iter()
    .filter_map(|path| pod.value().pointer(path).and_then(Value::as_array))
    .flatten()
    .filter_map(|c| c["name"].as_str().map(String::from))
    .collect();
    let regular = pod
        .value()
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let container = match call.param("container") {
        Some(c) if !containers.iter().any(|x| x == c) => {
            return Err(Error::bad_request(format!(
                "container {c} is not valid for pod {name}"
            )));
        }
        Some(c) => c.to_string(),
        None if regular == 1 => pod
            .value()
            .pointer("/spec/containers/0/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        None => {
            return Err(Error::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    if let Some(reason) = waiting_reason(pod.value(), &container) {
        return Err(Error::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"
        )));
    }
    let previous = call.flag("previous");
    let follow = call.flag("follow") && !previous;
    let timestamps = call.flag("timestamps");
    let now = Timestamp::now();
    let mut from = Timestamp::from_second(now.as_second() - 24 * 3600).unwrap_or(now);
    if let Some(s) = call
        .param("sinceSeconds")
        .and_then(|s| s.parse::<i64>().ok())
    {
        from = Timestamp::from_second(now.as_second() - s).unwrap_or(from);
    }
    if let Some(t) = call
        .param("sinceTime")
        .and_then(|t| t.parse::<Timestamp>().ok())
    {
        from = t;
    }
    let tail: Option<usize> = call.param("tailLines").and_then(|t| t.parse().ok());
    let limit_bytes: Option<usize> = call.param("limitBytes").and_then(|t| t.parse().ok());
    let source = call.state.logs.clone();
    let mut lines = source.lines(pod.value(), &container, previous, from, now);
    let keep = tail.unwrap_or(MAX_LINES).min(MAX_LINES);
    if lines.len() > keep {
        lines.drain(..lines.len() - keep);
    }
    let mut text: String = lines.iter().map(|l| format_line(l, timestamps)).collect();
    if let Some(limit) = limit_bytes {
        text.truncate(limit);
    }
    if !follow {
        let mut response = Response::new(Body::from(text));
        *response.status_mut() = StatusCode::OK;
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain"),
        );
        return Ok(response);
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    let store = call.state.store.clone();
    let mut shutdown = call.state.shutdown.clone();
    let source: Arc<dyn LogSource> = source;
    tokio::spawn(async move {
        if tx.send(Bytes::from(text)).await.is_err() {
            return;
        }
        let mut last = now;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            let Some(pod) = store.get(&pods, &ns, &name) else {
                return;
            };
            let now = Timestamp::now();
            for line in source.lines(pod.value(), &container, false, last, now) {
                if tx
                    .send(Bytes::from(format_line(&line, timestamps)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            last = now;
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx).map(Ok::<Bytes, std::io::Error>);
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_logs_write_a_line_every_five_seconds_since_start() {
        let pod = json!({"metadata": {"name": "web-1"}, "status": {"containerStatuses": [
            {"name": "nginx", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}});
        let from: Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
        let to: Timestamp = "2026-01-01T00:00:30Z".parse().expect("time");
        let lines = GeneratedLogs.lines(&pod, "nginx", false, from, to);
        assert_eq!(lines.len(), 6);
        assert_eq!(lines[0].text, "nginx: starting in pod web-1");
        let later: Timestamp = "2026-01-01T00:00:12Z".parse().expect("time");
        let lines = GeneratedLogs.lines(&pod, "nginx", false, later, to);
        assert_eq!(
            lines.first().map(|l| l.time.as_second() - from.as_second()),
            Some(15)
        );
    }

    #[test]
    fn a_container_that_cannot_pull_its_image_is_waiting_as_the_kubelet_says() {
        let pod = json!({"spec": {"nodeName": "worker-1"}, "status": {"phase": "Pending", "containerStatuses": [
            {"name": "app", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}});
        assert_eq!(
            waiting_reason(&pod, "app").as_deref(),
            Some("trying and failing to pull image")
        );
    }

    #[test]
    fn a_crash_looping_container_serves_the_logs_of_its_last_run() {
        let pod = json!({"spec": {"nodeName": "worker-1"}, "status": {"phase": "Running", "containerStatuses": [
            {"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff"}},
             "lastState": {"terminated": {"exitCode": 1}}}]}});
        assert_eq!(waiting_reason(&pod, "app"), None);
    }

    #[test]
    fn init_containers_and_unscheduled_pods_are_judged_by_their_own_state() {
        let pod = json!({"spec": {"nodeName": "worker-1"}, "status": {"phase": "Pending",
            "initContainerStatuses": [{"name": "init", "state": {"terminated": {"exitCode": 0}}}]}});
        assert_eq!(waiting_reason(&pod, "init"), None);
        let unscheduled = json!({"spec": {}, "status": {"phase": "Pending"}});
        assert_eq!(
            waiting_reason(&unscheduled, "app").as_deref(),
            Some("ContainerCreating")
        );
    }
}
