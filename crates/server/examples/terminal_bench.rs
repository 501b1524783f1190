//! Figures of terminals and node shells (not a test), through the real console's WebSocket as a
//! browser speaks it (`Origin` and all), against the sim's demo cluster (three schedulable
//! workers and a control plane) in this process:
//!
//! 1. Node shells left behind: 100 node shells opened (10 at a time), then dropped abruptly in
//!    three ways — the client vanishes (TCP reset, no close frame), the network is cut (a relay
//!    that stops forwarding both ways and closes nothing), and the console is killed (SIGKILL)
//!    and started again. For each: the node-shell pods left over time and the time until none.
//! 2. Keystroke latency: one byte sent, the same byte echoed by the sim's exec shell, 1,000 times
//!    on one terminal and on 20 terminals at once.
//!
//! ```text
//! cargo build --release -p wheelhouse
//! cargo run --release -p wheelhouse-server --example terminal_bench -- target/release/wheelhouse
//! ```
//! (`cargo xtask bench terminals` does both.)

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use wheelhouse_sim::{GroupResource, Scenario, Sim, SimConfig};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Socket = WebSocketStream<TcpStream>;

const SHELLS: usize = 100;
const AT_ONCE: usize = 10;
const NODES: [&str; 4] = ["worker-1", "worker-2", "worker-3", "control-plane-1"];
const KEYSTROKES: usize = 1_000;
const TERMINALS: usize = 20;
/// How long to wait for the pods to go before calling them left behind.
const GIVE_UP: Duration = Duration::from_secs(300);
/// When the count of pods left is printed, in seconds after the drop.
const MARKS: [u64; 12] = [0, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180];

/// The console as a separate process, so that it can be killed.
struct Console {
    binary: PathBuf,
    kubeconfig: PathBuf,
    address: SocketAddr,
    child: Child,
}

impl Console {
    async fn start(
        binary: &Path,
        kubeconfig: &Path,
        address: SocketAddr,
    ) -> Result<Self, BoxError> {
        let mut child = Command::new(binary)
            .args(["serve", "--kubeconfig"])
            .arg(kubeconfig)
            .args(["--listen", &address.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines =
            tokio::io::BufReader::new(tokio::process::ChildStdout::from_std(stdout)?).lines();
        let address = loop {
            let line = lines
                .next_line()
                .await?
                .ok_or("the console exited before printing its address")?;
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split('/').next().unwrap_or_default().parse()?;
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let console = Console {
            binary: binary.to_path_buf(),
            kubeconfig: kubeconfig.to_path_buf(),
            address,
            child,
        };
        console.ready().await?;
        Ok(console)
    }

    async fn ready(&self) -> Result<(), BoxError> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if ready(self.address).await {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("the console was not ready within 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: nothing runs after it, no pod is deleted by this process.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The same console again on the same address.
    async fn restart(&mut self) -> Result<Duration, BoxError> {
        let started = Instant::now();
        let again = Console::start(&self.binary, &self.kubeconfig, self.address).await?;
        *self = again;
        Ok(started.elapsed())
    }
}

/// Whether `/readyz` answers 200.
async fn ready(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(address).await else {
        return false;
    };
    let request = format!("GET /readyz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    answer.starts_with(b"HTTP/1.1 200")
}

impl Drop for Console {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Opens the console's WebSocket at `path` over `via` (the console itself or a relay to it), with
/// the headers a page of the console sends.
async fn open(console: SocketAddr, via: SocketAddr, path: &str) -> Result<Socket, BoxError> {
    let mut request = format!("ws://{console}/{path}").into_client_request()?;
    request
        .headers_mut()
        .insert("Origin", format!("http://{console}").parse()?);
    let stream = TcpStream::connect(via).await?;
    stream.set_nodelay(true)?;
    let (socket, _) = tokio_tungstenite::client_async(request, stream).await?;
    Ok(socket)
}

/// Waits for the terminal's `started` event (an error with the event when it is another one).
async fn started(socket: &mut Socket) -> Result<(), BoxError> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(120), socket.next())
            .await
            .map_err(|_| "no event within 120 s")?
            .ok_or("closed before an event")??;
        if let Message::Text(text) = message {
            let event: serde_json::Value = serde_json::from_str(&text)?;
            if event["type"] == "started" {
                return Ok(());
            }
            return Err(format!("the terminal did not start: {event}").into());
        }
    }
}

fn node_shells(sim: &Sim) -> usize {
    sim.store()
        .list(&GroupResource::core("pods"), Some("kube-system"))
        .iter()
        .filter(|pod| pod.value()["metadata"]["labels"]["wheelhouse.dev/node-shell"] == "true")
        .count()
}

/// Opens `SHELLS` node shells, `AT_ONCE` at a time, through `via`; how long it took.
async fn open_node_shells(
    console: SocketAddr,
    via: SocketAddr,
    sockets: &mut Vec<Socket>,
) -> Result<Duration, BoxError> {
    let began = Instant::now();
    for batch in 0..SHELLS / AT_ONCE {
        let opening = (0..AT_ONCE).map(|i| {
            let node = NODES[(batch * AT_ONCE + i) % NODES.len()];
            async move {
                let mut socket = open(console, via, &format!("api/v1/node-shell/{node}")).await?;
                started(&mut socket).await?;
                Ok::<_, BoxError>(socket)
            }
        });
        for socket in futures::future::join_all(opening).await {
            sockets.push(socket?);
        }
    }
    Ok(began.elapsed())
}

/// Counts the node-shell pods from `dropped` until none is left (or `GIVE_UP`): the count at
/// each mark and the time until 0.
async fn until_swept(sim: &Sim, dropped: Instant) -> Option<Duration> {
    let mut marks = MARKS.iter().peekable();
    let mut line = String::new();
    loop {
        let left = node_shells(sim);
        let now = dropped.elapsed();
        while let Some(mark) = marks.next_if(|m| now >= Duration::from_secs(**m)) {
            line.push_str(&format!(" {mark}s:{left}"));
        }
        if left == 0 {
            println!("  pods left at:{line} · 0 after {:.1} s", now.as_secs_f64());
            return Some(now);
        }
        if now > GIVE_UP {
            println!(
                "  pods left at:{line} · still {left} after {} s",
                GIVE_UP.as_secs()
            );
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A relay to `target` that forwards until `cut`, then forwards nothing in either direction and
/// closes nothing, as a network that went away.
async fn cutting_relay(target: SocketAddr) -> Result<(SocketAddr, Arc<AtomicBool>), BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let cut = Arc::new(AtomicBool::new(false));
    let relay_cut = cut.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(target).await else {
                continue;
            };
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            for (mut from, mut to) in [(client_read, server_write), (server_read, client_write)] {
                let cut = relay_cut.clone();
                tokio::spawn(async move {
                    let mut buffer = vec![0u8; 16 * 1024];
                    while let Ok(n) = from.read(&mut buffer).await {
                        if n == 0 || cut.load(Ordering::SeqCst) {
                            break;
                        }
                        if to.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                    }
                    if cut.load(Ordering::SeqCst) {
                        std::future::pending::<()>().await;
                    }
                });
            }
        }
    });
    Ok((address, cut))
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Sends `count` keystrokes one at a time, each after the last one's echo; their round trips.
async fn keystrokes(mut socket: Socket, count: usize) -> Result<Vec<Duration>, BoxError> {
    // The prompt comes first; wait until output stops for a moment.
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), socket.next()).await {}
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let key = b'a' + (i % 26) as u8;
        let sent = Instant::now();
        socket.send(Message::Binary(vec![key].into())).await?;
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
                .await
                .map_err(|_| "no echo within 10 s")?
                .ok_or("closed")??;
            if let Message::Binary(bytes) = message
                && bytes.contains(&key)
            {
                break;
            }
        }
        times.push(sent.elapsed());
    }
    // Not a line for the shell to run: erase what was typed.
    let _ = socket.send(Message::Binary(vec![0x15].into())).await;
    let _ = socket.close(None).await;
    Ok(times)
}

async fn latency(console: SocketAddr, path: &str, terminals: usize) -> Result<(), BoxError> {
    let mut sockets = Vec::new();
    for _ in 0..terminals {
        let mut socket = open(console, console, path).await?;
        started(&mut socket).await?;
        sockets.push(socket);
    }
    let began = Instant::now();
    let runs = sockets
        .into_iter()
        .map(|socket| tokio::spawn(keystrokes(socket, KEYSTROKES)));
    let mut times = Vec::new();
    for run in futures::future::join_all(runs).await {
        times.extend(run??);
    }
    times.sort();
    println!(
        "keystroke → echo, {terminals} terminal(s) × {KEYSTROKES}: p50 {:.2} ms · p99 {:.2} ms · max {:.2} ms ({} keystrokes in {:.1} s; load {})",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
        times.len(),
        began.elapsed().as_secs_f64(),
        load()
    );
    Ok(())
}

/// The terminal path of a running pod in `shop` whose image has a shell.
fn shell_target(sim: &Sim) -> Option<String> {
    sim.store()
        .list(&GroupResource::core("pods"), Some("shop"))
        .iter()
        .find(|pod| {
            pod.value()["status"]["phase"] == "Running"
                && !pod.value()["spec"]["containers"][0]["image"]
                    .as_str()
                    .unwrap_or("distroless")
                    .contains("distroless")
        })
        .map(|pod| {
            let container = pod.value()["spec"]["containers"][0]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            format!("api/v1/terminal/shop/{}?container={container}", pod.name())
        })
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let binary: PathBuf = std::env::args()
        .nth(1)
        .ok_or("usage: terminal_bench PATH-TO-WHEELHOUSE")?
        .into();
    println!(
        "load average at start: {} ({} cores)",
        load(),
        std::thread::available_parallelism()?
    );
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo)).await?;
    let kubeconfig = std::env::temp_dir().join(format!(
        "wheelhouse-terminal-bench-{}.yaml",
        std::process::id()
    ));
    std::fs::write(&kubeconfig, sim.kubeconfig_yaml("admin"))?;
    let mut console = Console::start(&binary, &kubeconfig, "127.0.0.1:0".parse()?).await?;
    let address = console.address;
    println!("console {address}, sim {}", sim.url());

    println!("\n## Keystroke latency (console terminal WebSocket → sim exec shell → echo)");
    // The demo's Deployments make their pods once the sim's controllers run.
    let deadline = Instant::now() + Duration::from_secs(60);
    let target = loop {
        if let Some(target) = shell_target(&sim) {
            break target;
        }
        if Instant::now() > deadline {
            return Err("no running pod with a shell in the demo's shop namespace".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    println!("terminal: {target}");
    latency(address, &target, 1).await?;
    latency(address, &target, TERMINALS).await?;

    println!("\n## {SHELLS} node shells ({AT_ONCE} at a time over {NODES:?}), dropped abruptly");
    let mut results = Vec::new();

    // 1. The client vanishes: a reset, no close frame.
    let mut sockets = Vec::new();
    let took = open_node_shells(address, address, &mut sockets).await?;
    println!(
        "client reset: {} pods after opening in {:.1} s (load {})",
        node_shells(&sim),
        took.as_secs_f64(),
        load()
    );
    for socket in &sockets {
        socket.get_ref().set_zero_linger()?;
    }
    let dropped = Instant::now();
    drop(sockets);
    results.push(("client reset", until_swept(&sim, dropped).await));

    // 2. The network is cut: only the console's pings can tell.
    let (relay, cut) = cutting_relay(address).await?;
    let mut sockets = Vec::new();
    let took = open_node_shells(address, relay, &mut sockets).await?;
    println!(
        "network cut: {} pods after opening in {:.1} s (load {})",
        node_shells(&sim),
        took.as_secs_f64(),
        load()
    );
    // The client still answers pings until the cut; after it, nothing reaches either side.
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut socket| {
            tokio::spawn(async move { while let Some(Ok(_)) = socket.next().await {} })
        })
        .collect();
    let dropped = Instant::now();
    cut.store(true, Ordering::SeqCst);
    results.push(("network cut", until_swept(&sim, dropped).await));
    for reader in readers {
        reader.abort();
    }

    // 3. The console is killed and started again: its sweeper must find the pods.
    let mut sockets = Vec::new();
    let took = open_node_shells(address, address, &mut sockets).await?;
    println!(
        "console killed: {} pods after opening in {:.1} s (load {})",
        node_shells(&sim),
        took.as_secs_f64(),
        load()
    );
    let dropped = Instant::now();
    console.kill();
    drop(sockets);
    let restart = console.restart().await?;
    println!(
        "  the console was ready again {:.2} s after the kill",
        restart.as_secs_f64()
    );
    results.push(("console killed", until_swept(&sim, dropped).await));

    println!("\n## Summary (load average at the end: {})", load());
    for (way, swept) in &results {
        match swept {
            Some(after) => println!("{way}: 0 pods left after {:.1} s", after.as_secs_f64()),
            None => println!("{way}: pods LEFT BEHIND after {} s", GIVE_UP.as_secs()),
        }
    }
    let _ = std::fs::remove_file(&kubeconfig);
    Ok(())
}
