//! `cargo xtask bench fuzz`: builds the libFuzzer driver of `crates/fuzz` with coverage
//! instrumentation (stable Rust: the flags cargo-fuzz passes, without a sanitizer) and runs each
//! target for a fixed time from the corpus kept in the repository. The kept corpus is then
//! replaced by the smallest set of old and new inputs that covers every edge either reached. A
//! crash fails the task and leaves the input under `<target>/fuzz/artifacts/<name>/`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cmd, root, target_dir};

/// Seconds each target runs unless `WHEELHOUSE_FUZZ_SECONDS` says otherwise.
const DEFAULT_SECONDS: u64 = 60;

/// The coverage flags cargo-fuzz gives rustc, less `-Zsanitizer` (nightly only). They go through
/// `--target`, so build scripts and proc macros are built without them.
const RUSTFLAGS: &str = "-Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    --cfg fuzzing -Cdebug-assertions -Coverflow-checks";

/// What one target's run did.
struct Outcome {
    name: String,
    runs: u64,
    seconds: f64,
    coverage: String,
    kept: usize,
}

pub fn fuzz() -> Result<(), String> {
    let seconds = std::env::var("WHEELHOUSE_FUZZ_SECONDS")
        .ok()
        .map(|s| s.parse::<u64>())
        .transpose()
        .map_err(|e| format!("WHEELHOUSE_FUZZ_SECONDS: {e}"))?
        .unwrap_or(DEFAULT_SECONDS);
    let only = std::env::var("WHEELHOUSE_FUZZ_TARGET").ok();
    let root = root();
    let driver_dir = root.join("crates/fuzz/libfuzzer");
    let build_dir = target_dir().join("fuzz");
    let host = host_triple()?;
    crate::run(
        "cargo build --release (the libFuzzer driver, instrumented)",
        cmd("cargo", &driver_dir)
            .args(["build", "--release", "--locked", "--target", &host])
            .env("CARGO_TARGET_DIR", &build_dir)
            .env("RUSTFLAGS", RUSTFLAGS),
    )?;
    let driver = build_dir.join(&host).join("release/wheelhouse-fuzz-driver");
    let mut outcomes = Vec::new();
    for target in targets(&root.join("crates/fuzz/corpus"))? {
        if only.as_deref().is_some_and(|o| o != target) {
            continue;
        }
        outcomes.push(run_target(&driver, &build_dir, target, seconds)?);
    }
    println!("\nfuzz targets, {seconds} s each, 0 crashes:");
    println!(
        "{:<20} {:>12} {:>10} {:>8}  coverage",
        "target", "runs", "runs/s", "corpus"
    );
    for o in &outcomes {
        println!(
            "{:<20} {:>12} {:>10.0} {:>8}  {}",
            o.name,
            o.runs,
            o.runs as f64 / o.seconds,
            o.kept,
            o.coverage
        );
    }
    Ok(())
}

fn run_target(
    driver: &Path,
    build_dir: &Path,
    name: String,
    seconds: u64,
) -> Result<Outcome, String> {
    let kept_dir = root().join("crates/fuzz/corpus").join(&name);
    let work_dir = build_dir.join("corpus").join(&name);
    let artifacts = build_dir.join("artifacts").join(&name);
    for dir in [&work_dir, &artifacts] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    println!("\n==> fuzz {name} for {seconds} s");
    let started = Instant::now();
    let output = Command::new(driver)
        .arg(&work_dir)
        .arg(&kept_dir)
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args([
            "-max_len=65536",
            "-timeout=10",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
        ])
        .env("WHEELHOUSE_FUZZ_TARGET", &name)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not start {}: {e}", driver.display()))?;
    let elapsed = started.elapsed();
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "fuzz target {name} failed ({}); the input is under {}:\n{}",
            output.status,
            artifacts.display(),
            tail.join("\n")
        ));
    }
    let runs = log
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    // The last status line: `#123456 DONE cov: 1234 ft: 5678 corp: 90/12Kb …`.
    let coverage = log
        .lines()
        .rev()
        .find(|l| l.contains(" cov: "))
        .and_then(|l| l.split_once(" cov: "))
        .map(|(_, rest)| {
            let words: Vec<&str> = rest.split_whitespace().collect();
            format!(
                "cov {} ft {}",
                words.first().unwrap_or(&"?"),
                words.get(2).unwrap_or(&"?")
            )
        })
        .unwrap_or_else(|| "?".into());
    merge(driver, &name, &kept_dir, &work_dir)?;
    let kept = std::fs::read_dir(&kept_dir)
        .map_err(|e| format!("{}: {e}", kept_dir.display()))?
        .count();
    Ok(Outcome {
        name,
        runs,
        seconds: elapsed.max(Duration::from_millis(1)).as_secs_f64(),
        coverage,
        kept,
    })
}

/// Replaces the kept corpus with the smallest set of the kept and this run's inputs that covers
/// every edge either reached (libFuzzer's set-cover merge), so it grows only with coverage.
fn merge(driver: &Path, name: &str, kept_dir: &Path, work_dir: &Path) -> Result<(), String> {
    let merged = work_dir.with_extension("merged");
    let _ = std::fs::remove_dir_all(&merged);
    std::fs::create_dir_all(&merged).map_err(|e| format!("{}: {e}", merged.display()))?;
    let status = Command::new(driver)
        .arg("-set_cover_merge=1")
        .arg(&merged)
        .arg(kept_dir)
        .arg(work_dir)
        .arg("-max_len=65536")
        .env("WHEELHOUSE_FUZZ_TARGET", name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("could not start {}: {e}", driver.display()))?;
    if !status.success() {
        return Err(format!("merging the corpus of {name} failed ({status})"));
    }
    let io = |e: std::io::Error| format!("replacing {}: {e}", kept_dir.display());
    let kept: Vec<_> = std::fs::read_dir(kept_dir)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    if std::fs::read_dir(&merged).map_err(io)?.next().is_none() {
        return Err(format!("merging the corpus of {name} kept nothing"));
    }
    for entry in kept {
        std::fs::remove_file(entry.path()).map_err(io)?;
    }
    for entry in std::fs::read_dir(&merged).map_err(io)? {
        let entry = entry.map_err(io)?;
        std::fs::copy(entry.path(), kept_dir.join(entry.file_name())).map_err(io)?;
    }
    Ok(())
}

/// The targets, one per directory of the kept corpus (`crates/fuzz/tests/corpus.rs` holds every
/// directory to a target of the crate).
fn targets(corpus: &Path) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(corpus).map_err(|e| format!("{}: {e}", corpus.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", corpus.display()))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> Result<String, String> {
    let output = Command::new("rustc")
        .arg("-vV")
        .output()
        .map_err(|e| format!("could not run rustc: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| "rustc -vV names no host".into())
}
