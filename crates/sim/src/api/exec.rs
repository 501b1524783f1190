//! Serves `pods/exec` over WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`) with a tiny
//! built-in shell: echo, env, hostname, ls, cat of a few files, pwd, whoami, date, true, false,
//! `yes` (64 MiB as fast as it is read), exit N. A nonzero exit is reported on the error channel
//! as the kubelet does (`reason: NonZeroExitCode`, cause `ExitCode`). A container whose image name says
//! `distroless` has no shell: starting one fails as the runtime fails it.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Value, json};

use crate::api::http::Call;
use crate::error::{Error, Result};
use crate::storage::{GroupResource, str_at};

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;
const RESIZE: u8 = 4;
const CLOSE: u8 = 255;
/// How much `yes` writes before it stops.
const YES_LIMIT: usize = 64 * 1024 * 1024;

/// Percent-decodes one query component (`+` is a space).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || {
            std::str::from_utf8(bytes.get(i + 1..i + 3)?)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        };
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match hex() {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// All values of a repeated query parameter (`command=sh&command=-c&...`).
pub fn query_values(query: &str, name: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| decode(k) == name)
        .map(|(_, v)| decode(v))
        .collect()
}

struct Session {
    pod: Value,
    container: String,
    tty: bool,
}

/// Upgrades an exec request to a WebSocket session.
pub fn upgrade(call: &Call<'_>, ws: WebSocketUpgrade) -> Result<Response> {
    let name = call.req.name.clone().unwrap_or_default();
    let pod = call
        .state
        .store
        .get(&GroupResource::core("pods"), call.namespace(), &name)
        .ok_or_else(|| Error::not_found("pods", &name))?;
    let containers: Vec<String> = ["/spec/containers", "/spec/ephemeralContainers"]
        .iter()
        .filter_map(|pointer| pod.value().pointer(pointer).and_then(Value::as_array))
        .flatten()
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect();
    let container = match call.param("container") {
        Some(c) if containers.iter().any(|x| x == c) => c.to_string(),
        Some(c) => {
            return Err(Error::bad_request(format!(
                "container {c} is not valid for pod {name}"
            )));
        }
        None => containers
            .first()
            .cloned()
            .ok_or_else(|| Error::bad_request(format!("pod {name} has no containers")))?,
    };
    if str_at(pod.value(), &["status", "phase"]) != "Running" {
        return Err(Error::bad_request(format!(
            "unable to upgrade connection: container not found (\"{container}\")"
        )));
    }
    let command = query_values(&call.raw_query, "command");
    let session = Session {
        pod: pod.value().clone(),
        container,
        tty: call.flag("tty"),
    };
    let ws = ws.protocols(["v5.channel.k8s.io", "v4.channel.k8s.io"]);
    Ok(ws.on_upgrade(move |socket| run(socket, session, command)))
}

async fn send(socket: &mut WebSocket, channel: u8, data: &[u8]) -> bool {
    let mut frame = Vec::with_capacity(data.len() + 1);
    frame.push(channel);
    frame.extend_from_slice(data);
    socket.send(Message::Binary(frame.into())).await.is_ok()
}

/// Whether the container's image has no shell, as distroless images have none: their image
/// name says `distroless`.
fn shell_less(session: &Session) -> bool {
    session
        .pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            session
                .pod
                .pointer("/spec/ephemeralContainers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .find(|c| c["name"].as_str() == Some(session.container.as_str()))
        .and_then(|c| c["image"].as_str())
        .is_some_and(|image| image.contains("distroless"))
}

/// The Status the runtime's refusal becomes when the command is not in the image.
fn not_found(program: &str) -> Value {
    let message = format!(
        "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{program}\": executable file not found in $PATH: unknown"
    );
    json!({"metadata": {}, "status": "Failure", "message": message, "reason": "InternalError",
        "details": {"causes": [{"message": message}]}, "code": 500})
}

/// The command `nsenter … -- COMMAND` enters the node's namespaces to run; the sim's pods share
/// the sim's one "host", so it runs COMMAND.
fn entered(command: Vec<String>) -> Vec<String> {
    match command.first().map(String::as_str) {
        Some("nsenter" | "/usr/bin/nsenter" | "/bin/nsenter") => command
            .iter()
            .position(|word| word == "--")
            .map(|dash| command[dash + 1..].to_vec())
            .unwrap_or_default(),
        _ => command,
    }
}

async fn run(mut socket: WebSocket, session: Session, command: Vec<String>) {
    let command = entered(command);
    if let Some(program) = command
        .first()
        .filter(|p| is_shell(p) && shell_less(&session))
    {
        send(
            &mut socket,
            ERROR,
            not_found(program).to_string().as_bytes(),
        )
        .await;
        let _ = socket.send(Message::Close(None)).await;
        return;
    }
    let shell = Shell::new(&session);
    let code = match command.as_slice() {
        [sh, flag, script, ..] if is_shell(sh) && flag == "-c" => {
            let (out, err, code) = shell.script(script);
            send(&mut socket, STDOUT, out.as_bytes()).await;
            if !err.is_empty() {
                send(&mut socket, STDERR, err.as_bytes()).await;
            }
            code
        }
        [sh] if is_shell(sh) => interactive(&mut socket, &shell, session.tty).await,
        [] => interactive(&mut socket, &shell, session.tty).await,
        words => {
            let (out, err, code) = shell.run(words);
            send(&mut socket, STDOUT, out.as_bytes()).await;
            if !err.is_empty() {
                send(&mut socket, STDERR, err.as_bytes()).await;
            }
            code.unwrap_or(0)
        }
    };
    let status = exit_status(&command, code);
    send(&mut socket, ERROR, status.to_string().as_bytes()).await;
    let _ = socket
        .send(Message::Close(Some(axum::extract::ws::CloseFrame {
            code: axum::extract::ws::close_code::NORMAL,
            reason: "".into(),
        })))
        .await;
}

/// The Status the kubelet reports on the error channel when the command ends.
pub fn exit_status(command: &[String], code: i32) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!("command terminated with non-zero exit code: error executing command [{}], exit code {code}", command.join(" ")),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]}
    })
}

fn is_shell(s: &str) -> bool {
    matches!(
        s,
        "sh" | "/bin/sh" | "bash" | "/bin/bash" | "ash" | "/bin/ash" | "/busybox/sh"
    )
}

async fn interactive(socket: &mut WebSocket, shell: &Shell, tty: bool) -> i32 {
    let prompt = if tty { "/ # " } else { "" };
    send(socket, STDOUT, prompt.as_bytes()).await;
    let mut buffer = String::new();
    while let Some(Ok(message)) = socket.recv().await {
        let data: Vec<u8> = match message {
            Message::Binary(b) => b.to_vec(),
            Message::Text(t) => t.as_bytes().to_vec(),
            Message::Close(_) => return 0,
            _ => continue,
        };
        let Some((&channel, payload)) = data.split_first() else {
            continue;
        };
        match channel {
            STDIN => {
                let text = String::from_utf8_lossy(payload).replace('\r', "\n");
                if tty {
                    send(socket, STDOUT, text.replace('\n', "\r\n").as_bytes()).await;
                }
                buffer.push_str(&text);
                while let Some(i) = buffer.find('\n') {
                    let line: String = buffer.drain(..=i).collect();
                    // `yes`: a writer faster than any reader, for as long as it is read (up to
                    // 64 MiB here, where a real one never stops).
                    if let Some(word) = line
                        .trim()
                        .strip_prefix("yes")
                        .filter(|w| w.is_empty() || w.starts_with(' '))
                    {
                        let word = match word.trim() {
                            "" => "y",
                            w => w,
                        };
                        let chunk = format!("{word}{}", if tty { "\r\n" } else { "\n" })
                            .repeat(16 * 1024 / (word.len() + 2));
                        let mut sent = 0;
                        while sent < YES_LIMIT && send(socket, STDOUT, chunk.as_bytes()).await {
                            sent += chunk.len();
                        }
                        send(socket, STDOUT, prompt.as_bytes()).await;
                        continue;
                    }
                    let (out, err, exit) = shell.line(line.trim());
                    let fix = |s: String| if tty { s.replace('\n', "\r\n") } else { s };
                    send(socket, STDOUT, fix(out).as_bytes()).await;
                    if !err.is_empty() {
                        send(
                            socket,
                            if tty { STDOUT } else { STDERR },
                            fix(err).as_bytes(),
                        )
                        .await;
                    }
                    if let Some(code) = exit {
                        return code;
                    }
                    send(socket, STDOUT, prompt.as_bytes()).await;
                }
            }
            RESIZE => {}
            CLOSE => {
                // v5: the client closed stdin; run what is left and finish.
                let (out, err, exit) = shell.line(buffer.trim());
                send(socket, STDOUT, out.as_bytes()).await;
                if !err.is_empty() {
                    send(socket, STDERR, err.as_bytes()).await;
                }
                return exit.unwrap_or(0);
            }
            _ => {}
        }
    }
    0
}

/// The built-in shell of a container.
struct Shell {
    hostname: String,
    env: Vec<(String, String)>,
    files: Vec<(&'static str, String)>,
}

impl Shell {
    fn new(session: &Session) -> Shell {
        let pod = &session.pod;
        // A pod on the host's network has the node's name, as the kubelet gives it.
        let hostname = if pod.pointer("/spec/hostNetwork") == Some(&Value::Bool(true)) {
            str_at(pod, &["spec", "nodeName"])
        } else {
            str_at(pod, &["metadata", "name"])
        }
        .to_string();
        let mut env = vec![
            (
                "PATH".to_string(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            ),
            ("HOSTNAME".to_string(), hostname.clone()),
            (
                "KUBERNETES_SERVICE_HOST".to_string(),
                "10.96.0.1".to_string(),
            ),
            ("KUBERNETES_SERVICE_PORT".to_string(), "443".to_string()),
            ("HOME".to_string(), "/root".to_string()),
        ];
        let spec = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| c["name"] == session.container.as_str()))
            .cloned()
            .unwrap_or(Value::Null);
        for e in spec["env"].as_array().into_iter().flatten() {
            if let (Some(k), Some(v)) = (e["name"].as_str(), e["value"].as_str()) {
                env.push((k.to_string(), v.to_string()));
            }
        }
        let ip = str_at(pod, &["status", "podIP"]);
        let namespace = str_at(pod, &["metadata", "namespace"]);
        let files = vec![
            ("/etc/hostname", format!("{hostname}\n")),
            (
                "/etc/hosts",
                format!("127.0.0.1\tlocalhost\n{ip}\t{hostname}\n"),
            ),
            (
                "/etc/resolv.conf",
                format!(
                    "search {namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
                ),
            ),
            (
                "/etc/os-release",
                "NAME=\"Wheelhouse Sim Linux\"\nID=wheelhouse-sim\nVERSION_ID=1.0\n".to_string(),
            ),
            (
                "/var/run/secrets/kubernetes.io/serviceaccount/namespace",
                namespace.to_string(),
            ),
        ];
        Shell {
            hostname,
            env,
            files,
        }
    }

    /// Runs a script: commands separated by `;`, `&&` or newlines. Returns stdout, stderr,
    /// the last exit code, and whether `exit` ended the shell.
    fn run_script(&self, script: &str) -> (String, String, i32, bool) {
        let (mut out, mut err) = (String::new(), String::new());
        let mut code = 0;
        for line in script.split(['\n', ';']) {
            for (i, part) in line.split("&&").enumerate() {
                if i > 0 && code != 0 {
                    break;
                }
                let words: Vec<String> = part
                    .split_whitespace()
                    .map(|w| w.trim_matches(['"', '\'']).to_string())
                    .collect();
                if words.first().map(String::as_str) == Some("exit") {
                    let exit = words.get(1).and_then(|c| c.parse().ok()).unwrap_or(code);
                    return (out, err, exit, true);
                }
                let (o, e, c) = self.run(&words);
                out.push_str(&o);
                err.push_str(&e);
                if let Some(c) = c {
                    code = c;
                }
            }
        }
        (out, err, code, false)
    }

    /// Runs a `sh -c` script to its end.
    fn script(&self, script: &str) -> (String, String, i32) {
        let (out, err, code, _) = self.run_script(script);
        (out, err, code)
    }

    /// Runs one line of an interactive shell; the third value is `Some(code)` when it exits.
    fn line(&self, line: &str) -> (String, String, Option<i32>) {
        let (out, err, code, exited) = self.run_script(line);
        (out, err, exited.then_some(code))
    }

    /// Runs a command; the third value is its exit code (`None` for an empty line).
    fn run(&self, words: &[String]) -> (String, String, Option<i32>) {
        let Some(cmd) = words.first() else {
            return (String::new(), String::new(), None);
        };
        let args = &words[1..];
        let ok = |s: String| (s, String::new(), Some(0));
        match cmd.rsplit('/').next().unwrap_or(cmd) {
            "echo" => ok(format!(
                "{}\n",
                args.iter()
                    .map(|a| self.expand(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
            "env" | "printenv" => ok(self.env.iter().map(|(k, v)| format!("{k}={v}\n")).collect()),
            "hostname" => ok(format!("{}\n", self.hostname)),
            "pwd" => ok("/\n".into()),
            "whoami" => ok("root\n".into()),
            "id" => ok("uid=0(root) gid=0(root) groups=0(root)\n".into()),
            "date" => ok(format!(
                "{}\n",
                jiff::Timestamp::now().strftime("%a %b %e %H:%M:%S UTC %Y")
            )),
            "uname" => ok("Linux\n".into()),
            "true" | ":" => ok(String::new()),
            "false" => (String::new(), String::new(), Some(1)),
            "exit" => (
                String::new(),
                String::new(),
                Some(args.first().and_then(|c| c.parse().ok()).unwrap_or(0)),
            ),
            "ls" => {
                let dir = args
                    .iter()
                    .find(|a| !a.starts_with('-'))
                    .map(String::as_str)
                    .unwrap_or("/");
                let listing = match dir.trim_end_matches('/') {
                    "" => "bin\ndev\netc\nhome\nproc\nroot\nsys\ntmp\nusr\nvar\n",
                    "/etc" => "hostname\nhosts\nos-release\nresolv.conf\n",
                    "/tmp" | "/home" | "/root" => "",
                    _ => {
                        return (
                            String::new(),
                            format!("ls: {dir}: No such file or directory\n"),
                            Some(1),
                        );
                    }
                };
                ok(listing.into())
            }
            "cat" => {
                let mut out = String::new();
                for a in args {
                    match self.files.iter().find(|(p, _)| p == a) {
                        Some((_, content)) => out.push_str(content),
                        None => {
                            return (
                                out,
                                format!("cat: can't open '{a}': No such file or directory\n"),
                                Some(1),
                            );
                        }
                    }
                }
                ok(out)
            }
            other => (
                String::new(),
                format!("sh: {other}: not found\n"),
                Some(127),
            ),
        }
    }

    fn expand(&self, word: &str) -> String {
        match word.strip_prefix('$') {
            Some(var) => {
                let var = var.trim_matches(['{', '}']);
                self.env
                    .iter()
                    .find(|(k, _)| k == var)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            }
            None => word.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell() -> Shell {
        let pod = json!({"metadata": {"name": "web-1", "namespace": "demo"}, "status": {"podIP": "10.0.0.5"},
            "spec": {"containers": [{"name": "app", "env": [{"name": "MODE", "value": "fast"}]}]}});
        Shell::new(&Session {
            pod,
            container: "app".into(),
            tty: false,
        })
    }

    #[test]
    fn scripts_run_builtins_and_report_the_exit_code() {
        let (out, _, code) = shell().script("echo hello $MODE; hostname");
        assert_eq!(out, "hello fast\nweb-1\n");
        assert_eq!(code, 0);
        let (_, _, code) = shell().script("echo a && exit 3");
        assert_eq!(code, 3);
        let (_, err, code) = shell().script("nosuch");
        assert_eq!((err.as_str(), code), ("sh: nosuch: not found\n", 127));
    }

    #[test]
    fn nonzero_exit_is_reported_as_kubelet_does() {
        let status = exit_status(&["sh".into(), "-c".into(), "exit 3".into()], 3);
        assert_eq!(status["reason"], "NonZeroExitCode");
        assert_eq!(
            status["details"]["causes"][0],
            json!({"reason": "ExitCode", "message": "3"})
        );
    }

    #[test]
    fn repeated_command_parameters_are_all_read() {
        let q = "command=sh&command=-c&command=echo%20hi%20there&stdout=true";
        assert_eq!(query_values(q, "command"), ["sh", "-c", "echo hi there"]);
    }
}
