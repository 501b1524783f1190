//! `wheelhouse port-forward`: local TCP ports forwarded to a pod or a Service through a running
//! console. Each accepted connection is one WebSocket to the console's
//! `/api/v1/port-forward/…` (so one connection's failure is its own); the console resolves the
//! target anew each time, so when a Service's pod is replaced the next connection reaches the
//! new one. A connection that cannot be opened is retried with backoff, saying so on stderr; a
//! refusal (401, 403) is not retried.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest as _};
use wheelhouse_server::port_forward::{PortForwardCheck, PortForwardEvent};

use crate::cli::PortForwardArgs;

/// How long a connection is retried before it is given up.
const RETRY_FOR: Duration = Duration::from_secs(30);
/// The first wait between tries; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(4);
/// After the local client stops sending, how long the pod's answer may pause before the
/// connection is closed (the WebSocket protocol has no half-close to pass on).
const QUIET_AFTER_LOCAL_EOF: Duration = Duration::from_secs(1);
/// The largest token file read.
const MAX_TOKEN: u64 = 16 * 1024;

/// `NAMESPACE/(pod|svc|service)/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub namespace: String,
    pub kind: String,
    pub name: String,
}

impl Target {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let parts: Vec<&str> = text.split('/').collect();
        let [namespace, kind, name] = parts.as_slice() else {
            bail!("{text:?} is not a target: write NAMESPACE/pod/NAME or NAMESPACE/svc/NAME");
        };
        let kind = match *kind {
            "pod" | "pods" | "po" => "pod",
            "svc" | "service" | "services" => "service",
            other => bail!(
                "{other:?} cannot be forwarded to: write NAMESPACE/pod/NAME or NAMESPACE/svc/NAME"
            ),
        };
        if namespace.is_empty() || name.is_empty() {
            bail!("{text:?} is not a target: the namespace and the name are required");
        }
        Ok(Self {
            namespace: (*namespace).to_string(),
            kind: kind.to_string(),
            name: (*name).to_string(),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.namespace, self.kind, self.name)
    }
}

/// `[LOCAL:]REMOTE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub local: u16,
    pub remote: String,
}

impl Mapping {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let (local, remote) = match text.split_once(':') {
            Some((local, remote)) => (Some(local), remote),
            None => (None, text),
        };
        let remote = remote.trim();
        let valid_name = !remote.is_empty()
            && remote.len() <= 63
            && remote
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid_name || remote == "0" {
            bail!("{text:?}: the remote port must be a number from 1 to 65535 or a port's name");
        }
        let local = match local {
            Some(local) => local
                .trim()
                .parse::<u16>()
                .with_context(|| format!("{text:?}: the local port must be a number"))?,
            None => remote.parse::<u16>().with_context(|| {
                format!("{text:?}: a named remote port needs a local port (LOCAL:{remote})")
            })?,
        };
        Ok(Self {
            local,
            remote: remote.to_string(),
        })
    }
}

/// Where the console is and how to prove who we are.
#[derive(Clone)]
struct Console {
    /// `http(s)://host:port/base` without a trailing slash.
    base: String,
    token: Option<String>,
    http: reqwest::Client,
    /// How an https console is reached.
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Console {
    fn new(args: &PortForwardArgs) -> anyhow::Result<Self> {
        let base = args.console.trim().trim_end_matches('/').to_string();
        let url = reqwest::Url::parse(&base)
            .with_context(|| format!("{base:?} is not a URL (like http://127.0.0.1:8080)"))?;
        let tls = match url.scheme() {
            "http" => None,
            "https" => Some(tls_config(args.ca_file.as_deref())?),
            _ => bail!("the console's URL must be http:// or https://, not {base:?}"),
        };
        let token = match (&args.token, &args.token_file) {
            (Some(token), _) => Some(token.trim().to_string()),
            (None, Some(path)) => Some(read_token(path)?),
            (None, None) => local_token(&url)?,
        };
        let mut http = reqwest::Client::builder().timeout(Duration::from_secs(30));
        if let Some(tls) = &tls {
            http = http.tls_backend_preconfigured((**tls).clone());
        }
        Ok(Self {
            base,
            token,
            http: http.build().context("cannot make an HTTP client")?,
            tls,
        })
    }

    fn path(&self, target: &Target, remote: &str) -> String {
        format!(
            "{}/api/v1/port-forward/{}/{}/{}?port={}",
            self.base,
            encode(&target.namespace),
            target.kind,
            encode(&target.name),
            encode(remote)
        )
    }

    /// Asks the console whether the target's port can be forwarded now: the pod and port.
    async fn check(&self, target: &Target, remote: &str) -> Result<PortForwardCheck, Refusal> {
        let mut request = self.http.get(self.path(target, remote));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.map_err(|e| {
            Refusal::Unreachable(format!("cannot reach the console at {}: {e}", self.base))
        })?;
        let status = answer.status().as_u16();
        let body = answer.bytes().await.unwrap_or_default();
        if status == 200 {
            return serde_json::from_slice(&body).map_err(|e| {
                Refusal::Fatal(format!(
                    "the console's answer is not what this version expects: {e}"
                ))
            });
        }
        Err(Refusal::of(status, &body))
    }

    /// A connection to the console, over TLS for https.
    async fn connect(&self) -> Result<Box<dyn Io>, Refusal> {
        let url = reqwest::Url::parse(&self.base)
            .map_err(|e| Refusal::Fatal(format!("{:?} is not a URL: {e}", self.base)))?;
        let host = url.host_str().unwrap_or("127.0.0.1").to_string();
        let port = url.port_or_known_default().unwrap_or(80);
        let unreachable = |e: std::io::Error| {
            Refusal::Unreachable(format!("cannot reach the console at {}: {e}", self.base))
        };
        let bare = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let tcp = tokio::time::timeout(
            Duration::from_secs(30),
            TcpStream::connect((bare.as_str(), port)),
        )
        .await
        .map_err(|_| {
            Refusal::Unreachable(format!(
                "the console at {} did not answer within 30 s",
                self.base
            ))
        })?
        .map_err(unreachable)?;
        let Some(tls) = &self.tls else {
            return Ok(Box::new(tcp));
        };
        let name = rustls::pki_types::ServerName::try_from(bare).map_err(|_| {
            Refusal::Fatal(format!(
                "{host:?} is not a name a certificate can be checked against"
            ))
        })?;
        let stream = tokio_rustls::TlsConnector::from(tls.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| Refusal::Fatal(format!("the console's certificate at {} is not trusted: {e} (give its CA with --ca-file)", self.base)))?;
        Ok(Box::new(stream))
    }

    /// Opens one stream to the target's port.
    async fn open(&self, target: &Target, remote: &str) -> Result<(Socket, String, u16), Refusal> {
        let url = self.path(target, remote).replacen("http", "ws", 1);
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| Refusal::Fatal(format!("cannot make the request: {e}")))?;
        if let Some(token) = &self.token {
            let value = format!("Bearer {token}")
                .parse()
                .map_err(|_| Refusal::Fatal("the token is not a valid header value".into()))?;
            request.headers_mut().insert("authorization", value);
        }
        let stream = self.connect().await?;
        let (mut socket, _) = tokio_tungstenite::client_async(request, stream)
            .await
            .map_err(|error| match error {
                tungstenite::Error::Http(answer) => Refusal::of(
                    answer.status().as_u16(),
                    answer.body().as_deref().unwrap_or_default(),
                ),
                other => Refusal::Unreachable(format!(
                    "cannot reach the console at {}: {other}",
                    self.base
                )),
            })?;
        // The first message says which pod answers.
        match tokio::time::timeout(Duration::from_secs(30), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => match serde_json::from_str(text.as_str()) {
                Ok(PortForwardEvent::Connected { pod, port }) => Ok((socket, pod, port)),
                Ok(PortForwardEvent::Failed { message, .. }) => Err(Refusal::Retry(message)),
                Err(e) => Err(Refusal::Fatal(format!(
                    "the console said something this version does not understand: {e}"
                ))),
            },
            _ => Err(Refusal::Retry(
                "the console closed the connection before it opened".into(),
            )),
        }
    }
}

/// A connection to the console, plain or TLS.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

type Socket = tokio_tungstenite::WebSocketStream<Box<dyn Io>>;

/// How an https console is checked: the system's roots, or the PEM certificates of `ca_file`.
/// HTTP/1.1 only (a WebSocket is an HTTP/1.1 upgrade).
fn tls_config(ca_file: Option<&std::path::Path>) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    use rustls::pki_types::{CertificateDer, pem::PemObject as _};
    use rustls_platform_verifier::ConfigVerifierExt as _;
    wheelhouse_tls::install_crypto_provider();
    let mut config = match ca_file {
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for certificate in CertificateDer::pem_file_iter(path)
                .with_context(|| format!("cannot read {}", path.display()))?
            {
                let certificate = certificate
                    .with_context(|| format!("{} holds no PEM certificates", path.display()))?;
                roots.add(certificate).with_context(|| {
                    format!("{} holds a certificate that cannot be used", path.display())
                })?;
            }
            if roots.is_empty() {
                bail!("{} holds no certificates", path.display());
            }
            rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth()
        }
        None => rustls::ClientConfig::with_platform_verifier()
            .context("cannot read the system's certificate roots")?,
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Why a connection could not be opened.
#[derive(Debug)]
enum Refusal {
    /// Not allowed (401, 403) or not understood (400): trying again will not help.
    Fatal(String),
    /// The console or the target is not reachable now (the pod is being replaced, no pod is
    /// ready yet, the console restarts): worth trying again.
    Retry(String),
    /// The console does not answer.
    Unreachable(String),
}

impl Refusal {
    /// The console's error answer: its message, and whether to try again.
    fn of(status: u16, body: &[u8]) -> Self {
        let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let message = parsed
            .pointer("/error/message")
            .or_else(|| parsed.get("message"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                if text.is_empty() {
                    format!("the console answered {status}")
                } else {
                    format!(
                        "the console answered {status}: {}",
                        text.chars().take(300).collect::<String>()
                    )
                }
            });
        match status {
            400 | 401 | 403 | 405 | 426 => Self::Fatal(format!("{message} ({status})")),
            _ => Self::Retry(format!("{message} ({status})")),
        }
    }

    fn message(&self) -> &str {
        match self {
            Self::Fatal(m) | Self::Retry(m) | Self::Unreachable(m) => m,
        }
    }
}

/// Percent-encodes a path segment or query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn read_token(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    std::fs::File::open(path)
        .with_context(|| format!("cannot read the token file {}", path.display()))?
        .take(MAX_TOKEN)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read the token file {}", path.display()))?;
    let token = text.trim().to_string();
    if token.is_empty() {
        bail!("the token file {} is empty", path.display());
    }
    Ok(token)
}

/// The token a console on this machine wrote for the URL's port, if there is one.
fn local_token(url: &reqwest::Url) -> anyhow::Result<Option<String>> {
    let Some(port) = url.port_or_known_default() else {
        return Ok(None);
    };
    match crate::console_token::path(port) {
        Some(path) if path.exists() => read_token(&path).map(Some),
        _ => Ok(None),
    }
}

pub async fn run(args: PortForwardArgs) -> anyhow::Result<()> {
    let target = Target::parse(&args.target)?;
    let mappings = args
        .ports
        .iter()
        .map(|p| Mapping::parse(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let console = Console::new(&args)?;
    // Listening before "Forwarding from" is printed: whoever waits for it may signal at once.
    let stop = crate::shutdown::signal();
    let mut listeners = Vec::new();
    for mapping in &mappings {
        let check = console
            .check(&target, &mapping.remote)
            .await
            .map_err(|refusal| {
                anyhow::anyhow!(
                    "cannot forward to {target} port {}: {}",
                    mapping.remote,
                    refusal.message()
                )
            })?;
        let listener = TcpListener::bind(SocketAddr::new(args.address, mapping.local))
            .await
            .with_context(|| format!("cannot listen on {}:{}", args.address, mapping.local))?;
        let local = listener
            .local_addr()
            .context("cannot read the bound address")?;
        println!(
            "Forwarding from {local} -> {target}:{} (now pod {} port {})",
            mapping.remote, check.pod, check.port
        );
        listeners.push((listener, mapping.remote.clone(), check.pod));
    }
    for (listener, remote, pod) in listeners {
        tokio::spawn(accept(
            listener,
            console.clone(),
            target.clone(),
            remote,
            Arc::new(Mutex::new(pod)),
        ));
    }
    stop.await;
    Ok(())
}

async fn accept(
    listener: TcpListener,
    console: Console,
    target: Target,
    remote: String,
    last_pod: Arc<Mutex<String>>,
) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(forward(
                    stream,
                    console.clone(),
                    target.clone(),
                    remote.clone(),
                    last_pod.clone(),
                ));
            }
            Err(error) => {
                eprintln!("cannot accept a connection: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One local connection: a WebSocket to the console (retried with backoff while the target is
/// unreachable), then bytes both ways until either side ends.
async fn forward(
    local: TcpStream,
    console: Console,
    target: Target,
    remote: String,
    last_pod: Arc<Mutex<String>>,
) {
    let deadline = tokio::time::Instant::now() + RETRY_FOR;
    let mut backoff = FIRST_BACKOFF;
    let (socket, pod) = loop {
        match console.open(&target, &remote).await {
            Ok((socket, pod, _port)) => break (socket, pod),
            Err(Refusal::Fatal(message)) => {
                eprintln!("error: cannot forward to {target} port {remote}: {message}");
                return;
            }
            Err(refusal) if tokio::time::Instant::now() + backoff < deadline => {
                eprintln!(
                    "cannot reach {target} port {remote}: {}; trying again in {} ms",
                    refusal.message(),
                    backoff.as_millis()
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(refusal) => {
                eprintln!(
                    "error: gave up on a connection to {target} port {remote} after {} s: {}",
                    RETRY_FOR.as_secs(),
                    refusal.message()
                );
                return;
            }
        }
    };
    {
        let mut last = last_pod
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last != pod {
            eprintln!("{target} port {remote} now reaches pod {pod} (was {last})");
            *last = pod.clone();
        }
    }
    if let Some(message) = bridge(local, socket).await {
        eprintln!("the connection to pod {pod} port {remote} ended: {message}");
    }
}

/// Bytes both ways until the pod's side or the local side ends; what the console said when the
/// kubelet ended it.
async fn bridge(local: TcpStream, socket: Socket) -> Option<String> {
    let (mut sink, mut incoming) = socket.split();
    let (mut reader, mut writer) = local.into_split();
    let (eof_tx, mut eof_rx) = tokio::sync::watch::channel(false);
    let up = async {
        let mut buffer = vec![0u8; 32 * 1024];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => {
                    let _ = eof_tx.send(true);
                    return std::future::pending::<()>().await;
                }
                Ok(n) => {
                    if sink
                        .send(Message::Binary(buffer[..n].to_vec().into()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    };
    let down = async {
        loop {
            let quiet = async {
                if *eof_rx.borrow() {
                    tokio::time::sleep(QUIET_AFTER_LOCAL_EOF).await;
                } else {
                    let _ = eof_rx.changed().await;
                    tokio::time::sleep(QUIET_AFTER_LOCAL_EOF).await;
                }
            };
            let next = tokio::select! {
                next = incoming.next() => next,
                () = quiet => return None,
            };
            match next {
                Some(Ok(Message::Binary(bytes))) => {
                    if writer.write_all(&bytes).await.is_err() {
                        return None;
                    }
                }
                Some(Ok(Message::Text(text))) => {
                    if let Ok(PortForwardEvent::Failed { message, .. }) =
                        serde_json::from_str(text.as_str())
                    {
                        return Some(message);
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => return None,
                Some(Ok(_)) => {}
            }
        }
    };
    let said = tokio::select! {
        () = up => None,
        said = down => said,
    };
    let _ = writer.shutdown().await;
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_a_namespace_a_kind_and_a_name() {
        let target = Target::parse("shop/svc/web").expect("valid");
        assert_eq!(target.to_string(), "shop/service/web");
        assert_eq!(Target::parse("shop/po/web-1").expect("valid").kind, "pod");
        for wrong in [
            "web",
            "shop/web",
            "shop/deployment/web",
            "/svc/web",
            "shop/svc/",
        ] {
            assert!(Target::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn ports_are_local_colon_remote_or_one_port_for_both() {
        assert_eq!(
            Mapping::parse("8080").expect("valid"),
            Mapping {
                local: 8080,
                remote: "8080".into()
            }
        );
        assert_eq!(
            Mapping::parse("0:80").expect("valid"),
            Mapping {
                local: 0,
                remote: "80".into()
            }
        );
        assert_eq!(
            Mapping::parse("9000:http").expect("valid"),
            Mapping {
                local: 9000,
                remote: "http".into()
            }
        );
        for wrong in ["http", "x:80", "80:", "80:0", "80:a b"] {
            assert!(Mapping::parse(wrong).is_err(), "{wrong}");
        }
    }

    #[test]
    fn refusals_are_final_and_unavailability_is_retried() {
        let body =
            br#"{"error":{"reason":"Forbidden","message":"bob may not create pods/portforward"}}"#;
        assert!(matches!(Refusal::of(403, body), Refusal::Fatal(m) if m.contains("bob may not")));
        assert!(matches!(Refusal::of(503, b"{}"), Refusal::Retry(_)));
        assert!(matches!(Refusal::of(404, b""), Refusal::Retry(_)));
    }
}
