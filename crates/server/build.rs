//! Builds the web app and embeds it, and records which commit and when this binary was built.
//!
//! - `web/` is built with `npm ci` (when `node_modules` is missing or older than
//!   `package-lock.json`) and `npm run build` whenever its sources change; a failure fails the
//!   cargo build with npm's output.
//! - `WHEELHOUSE_WEB_DIST=<dir>` embeds a prebuilt dist instead and leaves `web/` alone (useful
//!   while `web/` is mid-edit, or to build without Node.js).
//! - The files of the dist are copied into OUT_DIR and listed in `web_assets.rs` as
//!   `include_bytes!` entries, so the binary is self-contained.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};
use std::{env, fs};

/// Files and folders of `web/` whose change means the app must be rebuilt.
const WEB_INPUTS: &[&str] = &[
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

fn main() {
    record_build_info();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-env-changed=WHEELHOUSE_WEB_DIST");
    let (dist, source) = match env::var_os("WHEELHOUSE_WEB_DIST").filter(|dir| !dir.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            println!("cargo:rerun-if-changed={}", dir.display());
            (
                dir.clone(),
                format!("WHEELHOUSE_WEB_DIST={}", dir.display()),
            )
        }
        None => {
            let manifest_dir = PathBuf::from(
                env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
            );
            let web = manifest_dir.join("../../web");
            build_web(&web, &out_dir);
            (web.join("dist"), "web/dist".to_string())
        }
    };
    if !dist.join("index.html").is_file() {
        fail(&format!(
            "{} has no index.html: build the web app (`npm run build` in web/) or point WHEELHOUSE_WEB_DIST at a built dist",
            dist.display()
        ));
    }
    embed(&dist, &source, &out_dir);
}

/// Runs npm in `web/` when its inputs changed since the last build (or `dist` is missing).
fn build_web(web: &Path, out_dir: &Path) {
    // Only existing paths: cargo reruns a build script on every build for a missing one.
    for input in WEB_INPUTS
        .iter()
        .map(|input| web.join(input))
        .filter(|path| path.exists())
    {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    let fingerprint_file = out_dir.join("web-fingerprint");
    let fingerprint = fingerprint(web);
    let previous = fs::read_to_string(&fingerprint_file).unwrap_or_default();
    if previous == fingerprint && web.join("dist/index.html").is_file() {
        return;
    }
    let lock = web.join("package-lock.json");
    let installed = web.join("node_modules/.package-lock.json");
    if !installed.exists() || modified(&lock) > modified(&installed) {
        npm(web, &["ci", "--no-audit", "--no-fund"]);
    }
    npm(web, &["run", "build"]);
    fs::write(&fingerprint_file, fingerprint).expect("write the web fingerprint into OUT_DIR");
}

fn npm(web: &Path, args: &[&str]) {
    let shown = format!("npm {}", args.join(" "));
    let output = match Command::new("npm")
        .args(args)
        .current_dir(web)
        // Cargo sets DEBUG for build scripts; the `debug` package of npm tools reads it too.
        .env_remove("DEBUG")
        .output()
    {
        Ok(output) => output,
        Err(error) => fail(&format!(
            "cannot run `{shown}` in {}: {error}. Install Node.js (>= 20.19) and npm, or set WHEELHOUSE_WEB_DIST to a prebuilt web/dist",
            web.display()
        )),
    };
    if !output.status.success() {
        fail(&format!(
            "`{shown}` failed in {} ({}):\n{}\n{}\nFix the web app, or set WHEELHOUSE_WEB_DIST to a prebuilt dist to build without it",
            web.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
}

/// A digest of the names, sizes and modification times of the web app's inputs.
fn fingerprint(web: &Path) -> String {
    let mut files = Vec::new();
    for input in WEB_INPUTS {
        collect_files(&web.join(input), &mut files);
    }
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in &files {
        file.hash(&mut hasher);
        if let Ok(meta) = fs::metadata(file) {
            meta.len().hash(&mut hasher);
            modified(file).hash(&mut hasher);
        }
    }
    format!("{:016x}", hasher.finish())
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in fs::read_dir(path).into_iter().flatten().flatten() {
            collect_files(&entry.path(), files);
        }
    } else if path.is_file() {
        files.push(path.to_path_buf());
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Copies the dist into OUT_DIR and writes `web_assets.rs` listing every file.
fn embed(dist: &Path, source: &str, out_dir: &Path) {
    let copy = out_dir.join("web-dist");
    if copy.exists() {
        fs::remove_dir_all(&copy).expect("remove the previous copy of the dist");
    }
    let mut files = Vec::new();
    collect_files(dist, &mut files);
    // Sorted by the name the server looks up (a binary search over strings, not paths).
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|file| {
            let relative = file
                .strip_prefix(dist)
                .expect("file lies under the dist")
                .to_path_buf();
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (name, relative)
        })
        .collect();
    named.sort();
    let mut code =
        String::from("/// The files of the web app's dist, sorted by path relative to it.\n");
    code.push_str("pub static WEB_ASSETS: &[(&str, &[u8])] = &[\n");
    for (name, relative) in &named {
        let target = copy.join(relative);
        fs::create_dir_all(target.parent().expect("a file has a parent"))
            .expect("create a folder in OUT_DIR");
        fs::copy(dist.join(relative), &target).expect("copy a dist file into OUT_DIR");
        code.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            target.display().to_string()
        ));
    }
    code.push_str("];\n");
    code.push_str(&format!(
        "/// Where the embedded web app came from.\npub const WEB_DIST_SOURCE: &str = {source:?};\n"
    ));
    fs::write(out_dir.join("web_assets.rs"), code).expect("write web_assets.rs");
}

/// Sets WHEELHOUSE_GIT_COMMIT and WHEELHOUSE_BUILD_TIME for `/api/v1/version`.
fn record_build_info() {
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=WHEELHOUSE_GIT_COMMIT={commit}");
    // Rebuild the info when HEAD moves (a commit, a checkout).
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let git_dir = PathBuf::from(git_dir);
        println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!(
                "cargo:rerun-if-changed={}",
                git_dir.join(reference).display()
            );
        }
    }
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let seconds = env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    println!("cargo:rustc-env=WHEELHOUSE_BUILD_TIME={}", rfc3339(seconds));
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !text.is_empty()).then_some(text)
}

/// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (a build script keeps its dependencies at none).
fn rfc3339(seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    panic!("{message}");
}
