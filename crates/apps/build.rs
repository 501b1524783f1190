//! Embeds the built-in charts (`charts/`, and Wheelhouse's own from `deploy/helm/`) into the
//! library as a list of files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    // The charts written for the app store, and Wheelhouse's own chart, so the app store can
    // install and upgrade Wheelhouse itself.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let roots = [manifest.join("charts"), manifest.join("../../deploy/helm")];
    let mut files = Vec::new();
    for root in &roots {
        println!("cargo:rerun-if-changed={}", root.display());
        let mut found = Vec::new();
        walk(root, &mut found);
        files.extend(found.into_iter().map(|file| (root.clone(), file)));
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    let mut code = String::from(
        "/// The built-in charts' files: (path under charts/, contents).\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (root, file) in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let _ = writeln!(
            code,
            "    ({relative:?}, include_bytes!({:?})),",
            file.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    if let Err(error) = std::fs::write(out.join("builtin_charts.rs"), code) {
        panic!("cannot write the built-in charts' list: {error}");
    }
}
