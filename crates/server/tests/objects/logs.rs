//! Logs: tailed, followed and merged for a workload, followed over the live WebSocket, and a crashed container's previous instance.

use super::*;

#[tokio::test]
async fn logs_are_tailed_followed_and_merged_for_a_workload() {
    let server = demo("admin").await;
    let pod = a_running_pod(&server, "shop", "frontend").await;
    let url = server.url(&format!("api/v1/logs/shop/{pod}?tailLines=3"));
    let text = until("some log lines", || async {
        let text = common::get(&url)
            .await
            .expect("request")
            .text()
            .await
            .expect("text");
        (!text.is_empty()).then_some(text)
    })
    .await;
    assert!(text.lines().count() <= 3, "{text}");

    let follow =
        common::get(server.url(&format!("api/v1/logs/shop/{pod}?follow=true&tailLines=1")))
            .await
            .expect("request");
    assert_eq!(follow.status(), 200);
    assert!(
        follow.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("text/event-stream")
    );
    let line = tokio::time::timeout(WITHIN, first_line(follow))
        .await
        .expect("a followed line arrives in time");
    assert!(line["line"].is_string(), "{line}");

    let merged = json(
        common::get(
            server.url("api/v1/logs/shop/workload/apps/v1/deployments/frontend?tailLines=2"),
        )
        .await
        .expect("request"),
    )
    .await;
    let lines = merged["lines"].as_array().expect("lines");
    assert!(!lines.is_empty(), "{merged}");
    assert!(
        lines.iter().all(|l| l["pod"]
            .as_str()
            .is_some_and(|p| p.starts_with("frontend-"))
            && l["container"].is_string()),
        "{merged}"
    );

    let unknown = common::get(server.url(&format!("api/v1/logs/shop/{pod}?container=nope")))
        .await
        .expect("request");
    assert_eq!(unknown.status(), 400);
}

#[tokio::test]
async fn a_followed_log_arrives_over_the_live_websocket_until_unsubscribed() {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;

    let server = demo("admin").await;
    let pod = a_running_pod(&server, "shop", "frontend").await;
    let mut socket = live_socket(&server).await;
    let send = |value: Value| Message::Text(value.to_string().into());
    socket
        .send(send(json!({"op": "subscribe", "id": "log",
                          "path": format!("/api/v1/logs/shop/{pod}?tailLines=1")})))
        .await
        .expect("sent");
    socket
        .send(send(json!({"op": "subscribe", "id": "nope",
                          "path": format!("/api/v1/logs/shop/{pod}?container=nope")})))
        .await
        .expect("sent");

    // The tail line, then at least one written since (the sim writes one every 2-7 s), and the
    // refused container's error in the server's shape.
    let deadline = tokio::time::Instant::now() + WITHIN;
    let mut lines = Vec::new();
    let mut refused = None;
    while lines.len() < 2 || refused.is_none() {
        let message = next_message(&mut socket, deadline).await;
        match (message["id"].as_str(), message["event"].as_str()) {
            (Some("log"), Some("line")) => lines.push(message["data"].clone()),
            (Some("nope"), Some("error")) => refused = Some(message["data"].clone()),
            _ => panic!("unexpected {message}"),
        }
    }
    assert!(lines.iter().all(|l| l["line"].is_string()), "{lines:?}");
    let refused = refused.expect("an error");
    assert_eq!(refused["error"]["reason"], "BadRequest", "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nope")),
        "{refused}"
    );

    // Once unsubscribed, no line of the log arrives for longer than the sim's longest interval
    // between lines.
    common::unsubscribe_and_settle(&mut socket, "log", deadline).await;
    let quiet = tokio::time::Instant::now() + Duration::from_secs(8);
    while let Ok(Some(message)) = tokio::time::timeout_at(quiet, socket.next()).await {
        if let Message::Text(text) = message.expect("a message") {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            assert_ne!(value["id"], "log", "a line after unsubscribing: {value}");
        }
    }
}

#[tokio::test]
async fn the_previous_instance_of_a_crashing_container_has_its_last_words() {
    let server = demo("admin").await;
    let sim = server.sim.as_ref().expect("sim");
    let pod = until("a checkout pod that restarted", || async {
        sim.store()
            .list(&GroupResource::core("pods"), Some("shop"))
            .iter()
            .find(|p| {
                p.value()
                    .pointer("/metadata/labels/app")
                    .and_then(Value::as_str)
                    == Some("checkout")
                    && p.value()
                        .pointer("/status/containerStatuses/0/restartCount")
                        .and_then(Value::as_u64)
                        .is_some_and(|n| n >= 1)
            })
            .map(|p| p.name().to_string())
    })
    .await;
    let previous = common::get(server.url(&format!(
        "api/v1/logs/shop/{pod}?previous=true&timestamps=true"
    )))
    .await
    .expect("request");
    assert_eq!(previous.status(), 200);
    let text = previous.text().await.expect("text");
    assert!(!text.is_empty(), "the crashed instance wrote something");
    assert!(
        text.lines().all(|l| l.starts_with("20")),
        "each line starts with its time: {text}"
    );

    // Followed workload logs carry pod and container.
    let follow = common::get(
        server
            .url("api/v1/logs/shop/workload/apps/v1/deployments/frontend?follow=true&tailLines=1"),
    )
    .await
    .expect("request");
    assert_eq!(follow.status(), 200);
    let line = tokio::time::timeout(WITHIN, first_line(follow))
        .await
        .expect("a merged line arrives in time");
    assert!(
        line["pod"]
            .as_str()
            .is_some_and(|p| p.starts_with("frontend-")),
        "{line}"
    );
    assert!(line["container"].is_string(), "{line}");
}

/// The data of the first `line` event of a followed log's event stream.
async fn first_line(follow: reqwest::Response) -> Value {
    let mut body = follow.bytes_stream();
    let mut seen = String::new();
    while let Some(chunk) = body.next().await {
        seen.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        if let Some(start) = seen.find("event: line\ndata: ") {
            let rest = &seen[start + "event: line\ndata: ".len()..];
            if let Some(end) = rest.find('\n') {
                return serde_json::from_str::<Value>(&rest[..end]).expect("JSON data");
            }
        }
    }
    panic!("the stream ended without a line: {seen}");
}
