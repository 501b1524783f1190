//! `cargo xtask image`: builds the static `wheelhouse` binary and writes the container image as
//! an OCI image layout (and pushes it when asked), with no container engine.
//!
//! The binary is linked statically against glibc (`+crt-static` for the host's `*-linux-gnu`
//! target: no musl toolchain is needed) with SOURCE_DATE_EPOCH set to the commit's time, so its
//! `/api/v1/version` build time is the commit's; the layout itself is written by the
//! `wheelhouse-image` crate, whose labels are read from that binary's `--version`.

use crate::{cmd, root, run, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `cargo xtask image` made.
pub struct Built {
    pub layout: PathBuf,
    pub binary: PathBuf,
    pub helm: PathBuf,
}

/// `cargo xtask image [--out DIR] [--push REGISTRY/REPO[:TAG]] [--plain-http]`.
pub fn image(args: &[String]) -> Result<(), String> {
    let mut out = default_out();
    let mut push: Option<String> = None;
    let mut plain_http = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = PathBuf::from(args.next().ok_or("--out needs a folder")?),
            "--push" => {
                push = Some(
                    args.next()
                        .ok_or("--push needs REGISTRY/REPO[:TAG]")?
                        .clone(),
                )
            }
            "--plain-http" => plain_http = true,
            other => {
                return Err(format!(
                    "image takes --out DIR, --push REGISTRY/REPO[:TAG] and --plain-http, not {other:?}"
                ));
            }
        }
    }
    build(&out)?;
    if let Some(reference) = push {
        let mut command = image_tool();
        command
            .args(["push", "--layout"])
            .arg(&out)
            .args(["--to", &reference]);
        if plain_http {
            command.arg("--plain-http");
        }
        run(&format!("push the image to {reference}"), &mut command)?;
    }
    Ok(())
}

/// Where the layout goes unless `--out` says otherwise.
pub fn default_out() -> PathBuf {
    target_dir().join("oci/wheelhouse")
}

/// Builds the static binary and writes the layout into `out`.
pub fn build(out: &Path) -> Result<Built, String> {
    let root = root();
    let (helm, _) = crate::tools::helm_and_kubectl()?;
    let triple = host_triple()?;
    let epoch = source_date_epoch()?;
    if !git(&["status", "--porcelain"])?.is_empty() {
        println!(
            "xtask image: the checkout has uncommitted changes; the image is labelled with HEAD ({}) all the same",
            git(&["rev-parse", "--short", "HEAD"])?
        );
    }
    // With an explicit --target, RUSTFLAGS reach only the target's crates, not build scripts
    // and proc-macros, which keep running on the host as usual.
    run(
        &format!("cargo build --release (wheelhouse, static, {triple}, SOURCE_DATE_EPOCH={epoch})"),
        cmd("cargo", &root)
            .args([
                "build",
                "--release",
                "--locked",
                "-p",
                "wheelhouse",
                "--target",
                &triple,
            ])
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env("SOURCE_DATE_EPOCH", &epoch),
    )?;
    let binary = target_dir().join(&triple).join("release/wheelhouse");
    run(
        "write the OCI image layout (wheelhouse-image)",
        image_tool()
            .args(["build", "--wheelhouse"])
            .arg(&binary)
            .arg("--helm")
            .arg(&helm)
            .arg("--out")
            .arg(out),
    )?;
    Ok(Built {
        layout: out.to_path_buf(),
        binary,
        helm,
    })
}

/// `cargo run -p wheelhouse-image --`: the layout writer and pusher. The dev profile shares the
/// build of `cargo test` (dependencies are optimised at opt-level 1): gzip of the 100 MB of
/// binaries takes seconds, where a release build of the tool's dependencies takes minutes.
fn image_tool() -> Command {
    let mut command = cmd("cargo", &root());
    command.args(["run", "--quiet", "--locked", "-p", "wheelhouse-image", "--"]);
    command
}

/// The host's target triple (`x86_64-unknown-linux-gnu`); only glibc Linux hosts link static.
fn host_triple() -> Result<String, String> {
    let output = Command::new("rustc")
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run rustc -vV: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let triple = text
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .ok_or("rustc -vV names no host")?
        .trim()
        .to_string();
    if !triple.ends_with("-linux-gnu") {
        return Err(format!(
            "the image is built on a glibc Linux host (x86_64 or aarch64 *-linux-gnu); this one is {triple}"
        ));
    }
    Ok(triple)
}

/// SOURCE_DATE_EPOCH when set, else the time of the commit checked out.
fn source_date_epoch() -> Result<String, String> {
    if let Some(epoch) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .filter(|e| !e.is_empty())
    {
        return Ok(epoch);
    }
    git(&["log", "-1", "--format=%ct"])
}

fn git(args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}
