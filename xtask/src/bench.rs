//! `cargo xtask bench`: builds release binaries and prints the figures kept in docs/benchmarks.md.
//!
//! Figures, never pass/fail: each one is printed with what was measured so that a person can copy
//! it into docs/benchmarks.md together with the command.

use crate::{cmd, root, target_dir};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const START_RUNS: usize = 5;

pub fn run_benches(bin: &Path) -> Result<(), String> {
    startup_and_memory(bin)?;
    println!("\n## Initial UI bundle (what index.html loads, gzip -9)");
    bundle_size(&root().join("web/dist"))
}

/// Start-to-ready and idle memory of `bin`.
fn startup_and_memory(bin: &Path) -> Result<(), String> {
    println!(
        "\n## Start-to-ready on the demo cluster ({}, {START_RUNS} runs)",
        bin.display()
    );
    let mut starts = Vec::new();
    for _ in 0..START_RUNS {
        let mut server = Server::spawn(bin, &["--demo", "--listen", "127.0.0.1:0"])?;
        let ready = server.wait_ready(Duration::from_secs(60))?;
        starts.push(ready);
        server.stop();
    }
    starts.sort();
    println!(
        "start-to-ready: median {:.0} ms, min {:.0} ms, max {:.0} ms",
        ms(starts[starts.len() / 2]),
        ms(starts[0]),
        ms(starts[starts.len() - 1])
    );

    println!("\n## Idle memory (RSS after 10 s idle, overview served once)");
    let mut demo = Server::spawn(bin, &["--demo", "--listen", "127.0.0.1:0"])?;
    demo.wait_ready(Duration::from_secs(60))?;
    get(&demo.addr, "/api/v1/overview")?;
    std::thread::sleep(Duration::from_secs(10));
    println!(
        "wheelhouse --demo (console and in-process demo cluster): {:.1} MB",
        rss_mb(demo.child.id())?
    );
    demo.stop();

    let kubeconfig =
        std::env::temp_dir().join(format!("wheelhouse-bench-{}.yaml", std::process::id()));
    let mut sim = Server::spawn_sim(bin, &kubeconfig)?;
    let mut console = Server::spawn(
        bin,
        &[
            "--kubeconfig",
            kubeconfig.to_str().ok_or("temporary path is not UTF-8")?,
            "--listen",
            "127.0.0.1:0",
        ],
    )?;
    console.wait_ready(Duration::from_secs(60))?;
    get(&console.addr, "/api/v1/overview")?;
    std::thread::sleep(Duration::from_secs(10));
    println!(
        "wheelhouse serve against a separate demo sim (console alone): {:.1} MB",
        rss_mb(console.child.id())?
    );
    console.stop();
    sim.stop();
    let _ = std::fs::remove_file(&kubeconfig);
    Ok(())
}

/// The container image's sizes, then its static binary's start-up and idle memory.
fn image() -> Result<(), String> {
    let built = crate::image::build(&crate::image::default_out())?;
    println!("\n## The container image ({})", built.layout.display());
    let size = |path: &Path| {
        std::fs::metadata(path)
            .map(|m| m.len())
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let blobs = built.layout.join("blobs/sha256");
    let mut compressed = 0;
    for entry in
        std::fs::read_dir(&blobs).map_err(|e| format!("cannot list {}: {e}", blobs.display()))?
    {
        let entry = entry.map_err(|e| e.to_string())?;
        compressed += size(&entry.path())?;
    }
    println!(
        "static wheelhouse binary: {:.1} MB; helm: {:.1} MB; image compressed (layers, config, manifest): {:.1} MB",
        mb(size(&built.binary)?),
        mb(size(&built.helm)?),
        mb(compressed)
    );
    startup_and_memory(&built.binary)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// The groups of figures `cargo xtask bench [GROUP]` can produce; no group runs them all.
const GROUPS: [&str; 10] = [
    "startup",
    "query",
    "lists",
    "metrics",
    "apps",
    "image",
    "alerts",
    "terminals",
    "browser",
    "fuzz",
];

pub fn bench(args: &[String]) -> Result<(), String> {
    let groups: Vec<&str> = match args {
        [] => GROUPS.to_vec(),
        [group] if GROUPS.contains(&group.as_str()) => vec![group.as_str()],
        other => {
            return Err(format!(
                "bench takes at most one of {GROUPS:?}, got {other:?}"
            ));
        }
    };
    let root = root();
    for group in groups {
        match group {
            "startup" => {
                run_benches(&release_console(&root)?)?;
            }
            "image" => image()?,
            "browser" => {
                let tools = crate::tools::install()?;
                crate::npm_install(&crate::web_dir())?;
                let binary = release_console(&root)?;
                crate::run(
                    "the pod list and the overview in Chromium, 150,000 pods on 5,000 nodes",
                    cmd("node", &crate::web_dir())
                        .arg("bench/scale-browser.mjs")
                        .env("WHEELHOUSE_BIN", &binary)
                        .env("CHROMIUM_PATH", &tools.chromium)
                        .env("WHEELHOUSE_ARTIFACTS", root.join("artifacts")),
                )?;
            }
            "fuzz" => crate::fuzz::fuzz()?,
            "terminals" => {
                let binary = release_console(&root)?;
                crate::run(
                    "node shells dropped abruptly, keystroke latency (crates/server)",
                    cmd("cargo", &root)
                        .args([
                            "run",
                            "--release",
                            "--locked",
                            "-p",
                            "wheelhouse-server",
                            "--example",
                            "terminal_bench",
                            "--",
                        ])
                        .arg(&binary),
                )?;
            }
            "apps" => {
                for (what, package, example) in [
                    (
                        "chart index load and search over 15,000 versions (crates/apps)",
                        "wheelhouse-apps",
                        "index_bench",
                    ),
                    (
                        "release diff over 20,000- and 100,000-line manifests (crates/apps)",
                        "wheelhouse-apps",
                        "diff_bench",
                    ),
                    (
                        "helm release list over HTTP, 1,000 releases",
                        "wheelhouse-server",
                        "apps_release_bench",
                    ),
                    (
                        "registry tag list over HTTP, 10,000 tags (first fetch, then cached)",
                        "wheelhouse-server",
                        "registry_bench",
                    ),
                ] {
                    crate::run(
                        what,
                        cmd("cargo", &root).args([
                            "run",
                            "--release",
                            "--locked",
                            "-p",
                            package,
                            "--example",
                            example,
                        ]),
                    )?;
                }
            }
            "query" => crate::run(
                "list query over 10,000 and 100,000 pod rows (crates/model)",
                cmd("cargo", &root).args([
                    "run",
                    "--release",
                    "--locked",
                    "-p",
                    "wheelhouse-model",
                    "--example",
                    "query_bench",
                ]),
            )?,
            "alerts" => crate::run(
                "alert rule evaluation, 100 rules over 100,000 pods (crates/alerts)",
                cmd("cargo", &root).args([
                    "run",
                    "--release",
                    "--locked",
                    "-p",
                    "wheelhouse-alerts",
                    "--example",
                    "evaluation_bench",
                ]),
            )?,
            "metrics" => crate::run(
                "metrics history for 10,000 pods and the scrape time (crates/cluster)",
                cmd("cargo", &root).args([
                    "run",
                    "--release",
                    "--locked",
                    "-p",
                    "wheelhouse-cluster",
                    "--example",
                    "metrics_bench",
                ]),
            )?,
            _ => {
                let tools = crate::tools::install()?;
                for shape in [
                    &["--pods", "10000"][..],
                    &["--pods", "100000", "--nodes", "5000", "--namespaces", "50"][..],
                ] {
                    crate::run(
                        &format!("resource lists over HTTP, {}", shape.join(" ")),
                        cmd("cargo", &root)
                            .args([
                                "run",
                                "--release",
                                "--locked",
                                "-p",
                                "wheelhouse-server",
                                "--example",
                                "list_bench",
                                "--",
                            ])
                            .args(shape)
                            .env("KUBECTL", &tools.kubectl),
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Builds the release `wheelhouse` binary; its path.
fn release_console(root: &Path) -> Result<PathBuf, String> {
    crate::run(
        "cargo build --release (wheelhouse)",
        cmd("cargo", root).args(["build", "--release", "--locked", "-p", "wheelhouse"]),
    )?;
    Ok(target_dir().join("release/wheelhouse"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A running `wheelhouse` process and the address it printed.
struct Server {
    child: Child,
    addr: String,
    started: Instant,
}

impl Server {
    fn spawn(bin: &Path, args: &[&str]) -> Result<Server, String> {
        let started = Instant::now();
        let mut child = Command::new(bin)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                return Err(format!(
                    "{} exited before printing its address",
                    bin.display()
                ));
            };
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split('/').next().unwrap_or_default().to_string();
            }
        };
        // Keep draining stdout so the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Server {
            child,
            addr,
            started,
        })
    }

    fn spawn_sim(bin: &Path, kubeconfig: &Path) -> Result<Server, String> {
        let path = kubeconfig.to_str().ok_or("temporary path is not UTF-8")?;
        let server = Server::spawn(
            bin,
            &[
                "sim",
                "--scenario",
                "demo",
                "--listen",
                "127.0.0.1:0",
                "--kubeconfig-out",
                path,
            ],
        )?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while !kubeconfig.exists() {
            if Instant::now() > deadline {
                return Err("the sim did not write its kubeconfig within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// Polls `/readyz` until it answers 200 and returns the time since the process started.
    fn wait_ready(&mut self, limit: Duration) -> Result<Duration, String> {
        while self.started.elapsed() < limit {
            if get(&self.addr, "/readyz").is_ok() {
                return Ok(self.started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Err(format!("not ready within {limit:?}"))
    }

    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 GET; Ok with the body when the status is 200.
fn get(addr: &str, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    if response.starts_with("HTTP/1.1 200") {
        Ok(response)
    } else {
        Err(response.lines().next().unwrap_or("no answer").to_string())
    }
}

fn rss_mb(pid: u32) -> Result<f64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read memory of process {pid}: {e}"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or("no VmRSS line")?;
    Ok(kb / 1024.0)
}

fn bundle_size(dist: &Path) -> Result<(), String> {
    let index = std::fs::read_to_string(dist.join("index.html")).map_err(|e| {
        format!(
            "cannot read {}/index.html (build the web app first): {e}",
            dist.display()
        )
    })?;
    let mut files: Vec<PathBuf> = vec![dist.join("index.html")];
    for part in index.split(['"', '\'']) {
        let part = part.trim_start_matches("./").trim_start_matches('/');
        if part.starts_with("assets/") && (part.ends_with(".js") || part.ends_with(".css")) {
            files.push(dist.join(part));
        }
    }
    let mut total = 0usize;
    for file in &files {
        let out = Command::new("gzip")
            .args(["-9", "-c"])
            .arg(file)
            .output()
            .map_err(|e| format!("gzip: {e}"))?;
        println!(
            "  {:>8} B  {}",
            out.stdout.len(),
            file.strip_prefix(dist).unwrap_or(file).display()
        );
        total += out.stdout.len();
    }
    println!(
        "initial UI bundle: {:.1} KB gzip ({} files)",
        total as f64 / 1024.0,
        files.len()
    );
    Ok(())
}
