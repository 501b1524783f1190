//! Finds the answers recorded from a real kube-apiserver that the sim's tests compare against.
//!
//! They live in `shared/reference/` beside the repository (CI lays a copy of `shared/` next to its
//! clone), or wherever `WHEELHOUSE_REFERENCE` points. They are read when a test runs, not compiled
//! in, so a checkout without them still builds and only the comparing tests say what is missing.

use std::path::PathBuf;

use serde_json::Value;

/// The folder holding `kube-apiserver/`, `helm/` and `clients/`.
pub fn dir() -> PathBuf {
    std::env::var_os("WHEELHOUSE_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference")
        })
}

/// A recorded JSON answer, e.g. `json("kube-apiserver/error-invalid.json")`.
///
/// # Panics
/// When the file is missing or not JSON, naming the path and how to point at the folder: it is
/// meant for tests, where that is the clearest failure.
pub fn json(relative: &str) -> Value {
    let path = dir().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the recorded answer {}: {e}; set WHEELHOUSE_REFERENCE to the shared/reference folder",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}
