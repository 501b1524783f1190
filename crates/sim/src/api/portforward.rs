//! Serves `pods/portforward` over WebSocket as kube-apiserver and the kubelet do (the
//! `v4.channel.k8s.io` protocol, or none, which means the same): `?ports=8080,9090` (repeated or
//! comma-separated), authorized as `create` on `pods/portforward`.
//!
//! For the i-th port the data channel is `2·i` and the error channel `2·i+1`; each channel's
//! first frame is the port, 2 bytes little-endian. A frame is one channel byte then the bytes.
//! Behind every port a container declares listens the sim's small web server (the one
//! `pods/proxy` reaches, `crate::api::proxy::workload`), over HTTP/1.1 with keep-alive: the
//! page naming the pod, `echo`, `stream?kib=N`, … A port nothing listens on gets the kubelet's
//! "connection refused" on its error channel. When every port's connection has ended the
//! WebSocket closes, as the kubelet closes it.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt as _;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::Value;

use crate::api::auth::User;
use crate::api::http::Call;
use crate::api::proxy::{Backend, Target, container_ports, workload};
use crate::error::{Error, Result};
use crate::storage::{GroupResource, str_at};

/// The most ports one request may forward.
const MAX_PORTS: usize = 16;
/// The largest request head the web server reads.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body the web server reads.
const MAX_BODY: usize = 1024 * 1024;
/// The largest frame a client may send.
const MAX_FRAME: usize = 1024 * 1024;

/// Reads `ports` from the query as the kubelet does, with its wording for what it refuses.
pub fn ports(raw_query: &str) -> Result<Vec<u16>> {
    let words: Vec<String> = crate::api::exec::query_values(raw_query, "ports")
        .into_iter()
        .chain(crate::api::exec::query_values(raw_query, "port"))
        .flat_map(|value| {
            value
                .split(',')
                .map(|p| p.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect();
    if words.is_empty() {
        return Err(Error::bad_request("query parameter \"port\" is required"));
    }
    if words.len() > MAX_PORTS {
        return Err(Error::bad_request(format!(
            "at most {MAX_PORTS} ports may be forwarded at once"
        )));
    }
    words
        .iter()
        .map(|word| {
            let port: u16 = word.parse().map_err(|e| {
                Error::bad_request(format!("unable to parse {word:?} as a port: {e}"))
            })?;
            if port == 0 {
                return Err(Error::bad_request(format!("port {word:?} must be > 0")));
            }
            Ok(port)
        })
        .collect()
}

/// Upgrades a port-forward request to a WebSocket session with the pod.
pub fn upgrade(call: &Call<'_>, ws: WebSocketUpgrade) -> Result<Response> {
    let name = call.req.name.clone().unwrap_or_default();
    let ports = ports(&call.raw_query)?;
    let pod = call
        .state
        .store
        .get(&GroupResource::core("pods"), call.namespace(), &name)
        .ok_or_else(|| Error::not_found("pods", &name))?
        .value()
        .clone();
    if str_at(&pod, &["spec", "nodeName"]).is_empty() {
        return Err(Error::bad_request(format!(
            "pod {name} does not have a host assigned"
        )));
    }
    let phase = str_at(&pod, &["status", "phase"]);
    if phase != "Running" {
        return Err(Error::bad_request(format!(
            "unable to upgrade connection: pod {name} is not running (phase {phase})"
        )));
    }
    let user = call.user.clone();
    let ws = ws
        .protocols(["v4.channel.k8s.io"])
        .max_message_size(MAX_FRAME);
    Ok(ws.on_upgrade(move |socket| run(socket, pod, ports, user)))
}

/// One frame: the channel, then the bytes.
pub fn frame(channel: u8, data: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(data.len() + 1);
    frame.push(channel);
    frame.extend_from_slice(data);
    frame
}

/// The first frame of each of a port's two channels: the port, little-endian.
pub fn opening(channel: u8, port: u16) -> Vec<u8> {
    frame(channel, &port.to_le_bytes())
}

/// What the kubelet writes on the error channel of a port nothing in the pod listens on.
pub fn refused(pod: &Value, port: u16) -> String {
    let sandbox: String = str_at(pod, &["metadata", "uid"])
        .chars()
        .filter(char::is_ascii_hexdigit)
        .cycle()
        .take(64)
        .collect();
    format!(
        "error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-{}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused ",
        &sandbox[..sandbox.len().min(12)]
    )
}

/// A port's connection to the web server in the pod.
struct Connection {
    port: u16,
    /// Bytes received and not yet read as a request.
    received: Vec<u8>,
    open: bool,
}

async fn send(socket: &mut WebSocket, data: Vec<u8>) -> bool {
    socket.send(Message::Binary(data.into())).await.is_ok()
}

async fn run(mut socket: WebSocket, pod: Value, ports: Vec<u16>, user: User) {
    let listening = container_ports(&pod);
    let mut connections = Vec::with_capacity(ports.len());
    for (i, &port) in ports.iter().enumerate() {
        let data = (2 * i) as u8;
        if !send(&mut socket, opening(data, port)).await
            || !send(&mut socket, opening(data + 1, port)).await
        {
            return;
        }
        let open = listening.contains(&i64::from(port));
        if !open {
            let message = refused(&pod, port);
            if !send(&mut socket, frame(data + 1, message.as_bytes())).await {
                return;
            }
        }
        connections.push(Connection {
            port,
            received: Vec::new(),
            open,
        });
    }
    while connections.iter().any(|c| c.open) {
        let Some(Ok(message)) = socket.recv().await else {
            return;
        };
        let bytes = match message {
            Message::Binary(bytes) => bytes,
            Message::Close(_) => return,
            _ => continue,
        };
        let Some((&channel, payload)) = bytes.split_first() else {
            continue;
        };
        // Clients write on data channels only; anything else is not a port's.
        let index = usize::from(channel / 2);
        let Some(connection) = connections.get_mut(index).filter(|_| channel % 2 == 0) else {
            continue;
        };
        if !connection.open {
            continue;
        }
        connection.received.extend_from_slice(payload);
        loop {
            match serve_one(
                &mut socket,
                channel,
                connection.port,
                &pod,
                &user,
                connection,
            )
            .await
            {
                Served::More => continue,
                Served::Waiting => break,
                Served::Closed => {
                    connection.open = false;
                    break;
                }
                Served::Gone => return,
            }
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// What became of a connection after looking for a request in what it received.
enum Served {
    /// A request was answered and the connection stays open: look for the next.
    More,
    /// No whole request yet.
    Waiting,
    /// The server closed the connection (`Connection: close`, HTTP/1.0, a bad request).
    Closed,
    /// The client went away.
    Gone,
}

/// A request read from a connection's bytes.
struct Request {
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Bytes,
    keep_alive: bool,
}

/// Reads one request from the front of `received`: `Ok(None)` until it is whole.
fn parse(received: &mut Vec<u8>) -> std::result::Result<Option<Request>, &'static str> {
    let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if received.len() > MAX_HEAD {
            Err("431 Request Header Fields Too Large")
        } else {
            Ok(None)
        };
    };
    let head = std::str::from_utf8(&received[..end]).map_err(|_| "400 Bad Request")?;
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut words = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err("400 Bad Request");
    };
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| "400 Bad Request")?;
    if !target.starts_with('/') || !version.starts_with("HTTP/1.") {
        return Err("400 Bad Request");
    }
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or("400 Bad Request")?;
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| "400 Bad Request")?;
        let value = HeaderValue::from_str(value.trim()).map_err(|_| "400 Bad Request")?;
        headers.append(name, value);
    }
    if headers.contains_key(http::header::TRANSFER_ENCODING) {
        return Err("411 Length Required");
    }
    let length = match headers.get(http::header::CONTENT_LENGTH) {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or("400 Bad Request")?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err("413 Content Too Large");
    }
    if received.len() < end + 4 + length {
        return Ok(None);
    }
    let body = Bytes::copy_from_slice(&received[end + 4..end + 4 + length]);
    let connection = headers
        .get(http::header::CONNECTION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let request = Request {
        method,
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body,
        keep_alive,
    };
    received.drain(..end + 4 + length);
    Ok(Some(request))
}

/// Answers the request at the front of the connection's bytes, if it is whole.
async fn serve_one(
    socket: &mut WebSocket,
    channel: u8,
    port: u16,
    pod: &Value,
    user: &User,
    connection: &mut Connection,
) -> Served {
    let request = match parse(&mut connection.received) {
        Ok(Some(request)) => request,
        Ok(None) => return Served::Waiting,
        Err(status) => {
            let answer =
                format!("HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
            return if send(socket, frame(channel, answer.as_bytes())).await {
                Served::Closed
            } else {
                Served::Gone
            };
        }
    };
    let name = str_at(pod, &["metadata", "name"]).to_string();
    let target = Target {
        namespace: str_at(pod, &["metadata", "namespace"]).to_string(),
        resource: "pods".into(),
        segment: name.clone(),
        scheme: String::new(),
        name,
        port: port.to_string(),
        path: request.path.clone(),
    };
    let backend = Backend {
        pod: pod.clone(),
        ip: str_at(pod, &["status", "podIP"]).to_string(),
        port: port.to_string(),
    };
    let response = workload(
        &target,
        "",
        &backend,
        &request.method,
        &request.query,
        &request.headers,
        &request.body,
        user,
    );
    let (parts, body) = response.into_parts();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_u16(),
        parts.status.canonical_reason().unwrap_or("")
    );
    for (name, value) in &parts.headers {
        if name == http::header::CONTENT_LENGTH || name == http::header::TRANSFER_ENCODING {
            continue;
        }
        head.push_str(&format!(
            "{name}: {}\r\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    let keep_alive = request.keep_alive;
    head.push_str(if keep_alive {
        "connection: keep-alive\r\n"
    } else {
        "connection: close\r\n"
    });
    let with_body = request.method != Method::HEAD;
    if with_body {
        head.push_str("transfer-encoding: chunked\r\n");
    }
    head.push_str("\r\n");
    if !send(socket, frame(channel, head.as_bytes())).await {
        return Served::Gone;
    }
    if with_body {
        let mut body = body.into_data_stream();
        while let Some(Ok(data)) = body.next().await {
            if data.is_empty() {
                continue;
            }
            let mut chunk = format!("{:x}\r\n", data.len()).into_bytes();
            chunk.extend_from_slice(&data);
            chunk.extend_from_slice(b"\r\n");
            if !send(socket, frame(channel, &chunk)).await {
                return Served::Gone;
            }
        }
        if !send(socket, frame(channel, b"0\r\n\r\n")).await {
            return Served::Gone;
        }
    }
    if keep_alive {
        Served::More
    } else {
        Served::Closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ports_are_read_repeated_or_comma_separated_and_refused_as_the_kubelet_words_it() {
        assert_eq!(ports("ports=80%2C1234").expect("ports"), [80, 1234]);
        assert_eq!(ports("ports=80&ports=81").expect("ports"), [80, 81]);
        let error = |q: &str| ports(q).expect_err(q).to_string();
        assert!(error("").contains("query parameter \"port\" is required"));
        assert!(error("ports=http").contains("unable to parse \"http\" as a port"));
        assert!(error("ports=0").contains("must be > 0"));
        assert!(error("ports=70000").contains("unable to parse"));
    }

    #[test]
    fn each_channel_opens_with_its_port_little_endian() {
        assert_eq!(opening(0, 8080), [0, 0x90, 0x1f]);
        assert_eq!(opening(3, 443), [3, 0xbb, 0x01]);
        assert_eq!(frame(2, b"hi"), [2, b'h', b'i']);
    }

    #[test]
    fn a_refused_port_reads_as_the_kubelet_reports_it() {
        let pod = json!({"metadata": {"uid": "5c2e-11aa"}});
        let message = refused(&pod, 9090);
        assert!(message.starts_with("error forwarding port 9090 to pod 5c2e11aa5c2e"));
        assert!(message.contains("dial tcp4 127.0.0.1:9090: connect: connection refused"));
    }

    #[test]
    fn requests_are_read_whole_one_at_a_time() {
        let mut received =
            b"POST /echo?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.0\r\n"
                .to_vec();
        let first = parse(&mut received).expect("valid").expect("whole");
        assert_eq!(
            (first.method, first.path.as_str(), first.query.as_str()),
            (Method::POST, "/echo", "x=1")
        );
        assert_eq!(&first.body[..], b"abc");
        assert!(first.keep_alive);
        assert!(parse(&mut received).expect("valid").is_none(), "not whole");
        received.extend_from_slice(b"\r\n");
        let second = parse(&mut received).expect("valid").expect("whole");
        assert!(!second.keep_alive, "HTTP/1.0 closes");
        assert!(received.is_empty());
        let mut bad = b"hello\r\n\r\n".to_vec();
        assert_eq!(parse(&mut bad).err(), Some("400 Bad Request"));
    }
}
