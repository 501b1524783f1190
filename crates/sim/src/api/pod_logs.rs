//! Serves the `log` subresource of pods from a [`LogSource`]: follow, previous, tailLines,
//! sinceSeconds, sinceTime, timestamps, limitBytes and container selection.
//!
//! What the containers write comes from the kubelet's side ([`container_logs`]).
//!
//! [`container_logs`]: crate::controllers::kubelet::container_logs

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
use crate::controllers::kubelet::container_logs::{LogLine, LogSource};
use crate::error::{Error, Result};
use crate::storage::{GroupResource, str_at};

/// The most lines a log request without `tailLines` gets (the sim's logs are endless).
pub const MAX_LINES: usize = 2_000;

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
