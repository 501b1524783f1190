//! A terminal in a container: the API server's `pods/exec` over WebSocket (the v5 channel
//! protocol, v4 when the server has no v5; kube negotiates it), with a TTY, as the person.
//!
//! The shells are tried in order: one the container does not have fails at once (the runtime
//! answers "executable file not found", or exit code 126 or 127, before any output), and the next
//! is tried.

use std::pin::Pin;
use std::time::Duration;

use futures::SinkExt as _;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::Api;
use kube::api::{AttachParams, AttachedProcess, TerminalSize};
use tokio::io::{AsyncRead, AsyncWrite};

use super::{Calls, Failure, segment, within};

/// How long a shell has to fail before it counts as started.
const START_GRACE: Duration = Duration::from_millis(1500);

/// A shell running in a container: its input and output (a TTY merges stderr into stdout), and
/// the session that resizes it, tells how it ended and stops it. Apart, so one task can read the
/// output while it waits for the end.
pub struct Terminal {
    /// The command that runs (`bash`, `sh`, …).
    pub shell: String,
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
    pub output: Pin<Box<dyn AsyncRead + Send>>,
    /// Bytes the shell wrote while it was being started, before `output`.
    pub early: Vec<u8>,
    pub session: Session,
}

/// A terminal's window size, ending and connection.
pub struct Session {
    resize: Option<futures::channel::mpsc::Sender<TerminalSize>>,
    status: Ending,
    process: AttachedProcess,
}

/// How a terminal ends: still to be told by the API server, already known, or reported.
enum Ending {
    Pending(Pin<Box<dyn Future<Output = Option<Status>> + Send>>),
    Known(Ended),
    Reported,
}

/// How a terminal's command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code.
    Exited(i32),
    /// The API server or the runtime ended it: the reason.
    Failed(String),
}

impl Session {
    /// Tells the shell its window is `columns` × `rows`.
    pub async fn resize(&mut self, columns: u16, rows: u16) {
        if let Some(sender) = &mut self.resize {
            let _gone = sender
                .send(TerminalSize {
                    width: columns,
                    height: rows,
                })
                .await;
        }
    }

    /// Waits until the command ends; once told, it waits forever.
    /// Cancel-safe: a `select!` may drop it and call it again.
    pub async fn ended(&mut self) -> Ended {
        let ending = match &mut self.status {
            Ending::Pending(status) => ended(status.as_mut().await),
            Ending::Known(ending) => ending.clone(),
            Ending::Reported => std::future::pending().await,
        };
        self.status = Ending::Reported;
        ending
    }

    /// Stops the command's connection (closing the tab, an idle timeout).
    pub fn abort(&self) {
        self.process.abort();
    }
}

/// Reads the exit code from the Status the kubelet sends on the error channel.
fn ended(status: Option<Status>) -> Ended {
    let Some(status) = status else {
        return Ended::Failed("the connection to the container ended without a status".into());
    };
    if status.status.as_deref() == Some("Success") {
        return Ended::Exited(0);
    }
    let code = status
        .details
        .as_ref()
        .and_then(|details| details.causes.as_ref())
        .into_iter()
        .flatten()
        .find(|cause| cause.reason.as_deref() == Some("ExitCode"))
        .and_then(|cause| cause.message.as_deref()?.parse().ok());
    match code {
        Some(code) => Ended::Exited(code),
        None => Ended::Failed(
            status
                .message
                .unwrap_or_else(|| "the command failed".into()),
        ),
    }
}

/// Whether an ending means the shell is not in the container (so the next one is tried).
fn missing(ended: &Ended) -> bool {
    match ended {
        Ended::Exited(code) => matches!(code, 126 | 127),
        Ended::Failed(message) => {
            let message = message.to_ascii_lowercase();
            message.contains("not found") || message.contains("no such file")
        }
    }
}

/// Why no terminal could be opened.
#[derive(Debug)]
pub enum OpenFailure {
    /// The API server refused or failed the exec.
    Call(Failure),
    /// No shell of the list is in the container: what the last one said.
    NoShell { tried: Vec<String>, reason: String },
}

impl Calls {
    /// Opens an interactive terminal in `container` of the pod, trying `shells` in order.
    pub async fn terminal(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        shells: &[Vec<String>],
        size: (u16, u16),
    ) -> Result<Terminal, OpenFailure> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        let mut last = String::from("no shell was given");
        let mut tried = Vec::new();
        for command in shells {
            let shell = command.join(" ");
            tried.push(shell.clone());
            let params = AttachParams::interactive_tty().container(container);
            let mut process = api
                .exec(&segment(pod), command.clone(), &params)
                .await
                .map_err(|error| OpenFailure::Call(exec_failure(error, namespace, pod)))?;
            let mut status: Pin<Box<dyn Future<Output = Option<Status>> + Send>> =
                match process.take_status() {
                    Some(status) => Box::pin(status),
                    None => Box::pin(std::future::pending()),
                };
            let mut output = process
                .stdout()
                .map(|out| Box::pin(out) as Pin<Box<dyn AsyncRead + Send>>)
                .ok_or_else(|| OpenFailure::Call(closed(namespace, pod)))?;
            // Started once it writes anything (a prompt) or has not failed within the grace.
            let mut early = vec![0u8; 4096];
            let started = tokio::select! {
                read = tokio::io::AsyncReadExt::read(&mut output, &mut early) => match read {
                    Ok(n) if n > 0 => {
                        early.truncate(n);
                        None
                    }
                    // The output closed at once: the status says why.
                    _ => {
                        early.clear();
                        let told = tokio::time::timeout(START_GRACE, status.as_mut()).await;
                        Some(ended(told.ok().flatten()))
                    }
                },
                gone = &mut status => Some(ended(gone)),
                () = tokio::time::sleep(START_GRACE) => {
                    early.clear();
                    None
                }
            };
            if let Some(ending) = started.as_ref().filter(|ending| missing(ending)) {
                last = match ending {
                    Ended::Failed(reason) => reason.clone(),
                    Ended::Exited(code) => format!("{shell} exited with code {code}"),
                };
                continue;
            }
            let mut resize = process.terminal_size();
            if let Some(sender) = &mut resize {
                let _gone = sender
                    .send(TerminalSize {
                        width: size.0,
                        height: size.1,
                    })
                    .await;
            }
            let input = process
                .stdin()
                .map(|input| Box::pin(input) as Pin<Box<dyn AsyncWrite + Send>>)
                .ok_or_else(|| OpenFailure::Call(closed(namespace, pod)))?;
            return Ok(Terminal {
                shell,
                input,
                output,
                early,
                session: Session {
                    resize,
                    // A shell that ended at once (`exit` in its profile) is reported as it ended.
                    status: match started {
                        Some(ending) => Ending::Known(ending),
                        None => Ending::Pending(status),
                    },
                    process,
                },
            });
        }
        Err(OpenFailure::NoShell {
            tried,
            reason: last,
        })
    }
}

impl Calls {
    /// Adds an ephemeral debug container with `image` to the pod, sharing the process namespace
    /// of `target` (as `kubectl debug --target`), and waits until it runs; its name.
    pub async fn debug_container(
        &self,
        namespace: &str,
        pod: &str,
        target: &str,
        image: &str,
    ) -> Result<String, Failure> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        let name = format!("debugger-{}", short_suffix());
        let patch = serde_json::json!({"spec": {"ephemeralContainers": [{
            "name": name, "image": image, "targetContainerName": target,
            "stdin": true, "tty": true, "terminationMessagePolicy": "File",
        }]}});
        within(api.patch_ephemeral_containers(
            &segment(pod),
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Strategic(&patch),
        ))
        .await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            let current = within(api.get(&segment(pod))).await?;
            let status = current
                .status
                .and_then(|s| s.ephemeral_container_statuses)
                .unwrap_or_default()
                .into_iter()
                .find(|s| s.name == name);
            let state = status.and_then(|s| s.state).unwrap_or_default();
            if state.running.is_some() {
                return Ok(name);
            }
            if let Some(ended) = state.terminated {
                return Err(Failure {
                    code: 500,
                    reason: "DebugContainerEnded".into(),
                    message: format!(
                        "the debug container {name} ({image}) ended before it could be used: {}",
                        ended.message.or(ended.reason).unwrap_or_default()
                    ),
                    causes: Vec::new(),
                });
            }
            if tokio::time::Instant::now() > deadline {
                let waiting = state.waiting.and_then(|w| w.message.or(w.reason));
                return Err(Failure {
                    code: 504,
                    reason: "DebugContainerTimeout".into(),
                    message: format!(
                        "the debug container {name} ({image}) did not start within 90 seconds{}",
                        waiting.map(|w| format!(": {w}")).unwrap_or_default()
                    ),
                    causes: Vec::new(),
                });
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

/// A piece of a command's output, or how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    /// More output than the limit came; the rest was dropped.
    Truncated,
    Ended(Ended),
}

impl Calls {
    /// Runs `command` (no TTY, no input) in the container and sends its output as it comes, at
    /// most `limit` bytes of it, then how it ended; a failure to start is the API server's.
    pub async fn run(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        command: &[String],
        limit: usize,
        out: tokio::sync::mpsc::Sender<Ran>,
    ) -> Result<(), Failure> {
        use tokio::io::AsyncReadExt as _;
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        let params = AttachParams::default()
            .container(container)
            .stdin(false)
            .stdout(true)
            .stderr(true);
        let mut process = api
            .exec(&segment(pod), command.to_vec(), &params)
            .await
            .map_err(|error| exec_failure(error, namespace, pod))?;
        let status = process.take_status();
        let mut stdout = process.stdout();
        let mut stderr = process.stderr();
        let (mut out_buffer, mut err_buffer) = (vec![0u8; 8192], vec![0u8; 8192]);
        let mut sent = 0usize;
        let mut truncated = false;
        while stdout.is_some() || stderr.is_some() {
            let (read, is_stdout) = tokio::select! {
                read = async { stdout.as_mut()?.read(&mut out_buffer).await.ok() }, if stdout.is_some() => (read, true),
                read = async { stderr.as_mut()?.read(&mut err_buffer).await.ok() }, if stderr.is_some() => (read, false),
            };
            let n = match read {
                Some(n) if n > 0 => n,
                _ => {
                    if is_stdout {
                        stdout = None;
                    } else {
                        stderr = None;
                    }
                    continue;
                }
            };
            if sent >= limit {
                if !truncated {
                    truncated = true;
                    let _ = out.send(Ran::Truncated).await;
                }
                continue;
            }
            let take = n.min(limit - sent);
            sent += take;
            let chunk = if is_stdout {
                &out_buffer[..take]
            } else {
                &err_buffer[..take]
            };
            let piece = if is_stdout {
                Ran::Stdout(chunk.to_vec())
            } else {
                Ran::Stderr(chunk.to_vec())
            };
            if out.send(piece).await.is_err() {
                process.abort();
                return Ok(());
            }
        }
        let ending = match status {
            Some(status) => ended(status.await),
            None => Ended::Failed("the API server gave no status".into()),
        };
        let _ = out.send(Ran::Ended(ending)).await;
        Ok(())
    }
}

/// Five random lowercase letters and digits, for a debug container's name.
fn short_suffix() -> String {
    use rand::Rng as _;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn closed(namespace: &str, pod: &str) -> Failure {
    Failure {
        code: 502,
        reason: "ExecClosed".into(),
        message: format!("the exec connection to {namespace}/{pod} closed at once"),
        causes: Vec::new(),
    }
}

/// kube's error on starting an exec, as the API server's refusal where it said one.
fn exec_failure(error: kube::Error, namespace: &str, pod: &str) -> Failure {
    use kube::client::UpgradeConnectionError;
    match error {
        kube::Error::Api(status) => Failure {
            code: status.code,
            reason: status.reason.clone(),
            message: status.message.clone(),
            causes: Vec::new(),
        },
        kube::Error::UpgradeConnection(UpgradeConnectionError::ProtocolSwitch(code)) => Failure {
            code: code.as_u16(),
            reason: code.canonical_reason().unwrap_or("Error").replace(' ', ""),
            message: format!(
                "the API server answered {code} to the exec in {namespace}/{pod} instead of opening it"
            ),
            causes: Vec::new(),
        },
        other => Failure {
            code: 502,
            reason: "ExecFailed".into(),
            message: format!("cannot open an exec in {namespace}/{pod}: {other}"),
            causes: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{StatusCause, StatusDetails};

    fn failure(message: &str, exit: Option<&str>) -> Status {
        Status {
            status: Some("Failure".into()),
            message: Some(message.into()),
            details: exit.map(|code| StatusDetails {
                causes: Some(vec![StatusCause {
                    reason: Some("ExitCode".into()),
                    message: Some(code.into()),
                    ..StatusCause::default()
                }]),
                ..StatusDetails::default()
            }),
            ..Status::default()
        }
    }

    #[test]
    fn the_exit_code_comes_from_the_status_and_a_missing_shell_is_told_apart() {
        assert_eq!(
            ended(Some(Status {
                status: Some("Success".into()),
                ..Status::default()
            })),
            Ended::Exited(0)
        );
        let exited = ended(Some(failure(
            "command terminated with non-zero exit code",
            Some("3"),
        )));
        assert_eq!(exited, Ended::Exited(3));
        assert!(!missing(&exited));
        assert!(missing(&ended(Some(failure("exit", Some("127"))))));
        let runtime = ended(Some(failure(
            "OCI runtime exec failed: exec: \"bash\": executable file not found in $PATH: unknown",
            None,
        )));
        assert!(missing(&runtime));
        assert!(matches!(ended(None), Ended::Failed(_)));
    }
}
