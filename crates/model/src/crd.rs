//! What custom resource types share: their derived schemas tidied into what a CRD says.

/// Tidies what schemars derives into what a CRD says: a description is one paragraph (doc
/// comments are wrapped at 100 columns; `kubectl explain` wraps it itself), and an unsigned
/// integer has `minimum: 0` without schemars' `format: uint`, which API servers since 1.34 warn
/// about as unrecognised.
pub fn for_kubernetes(schema: &mut schemars::Schema) {
    if let Some(serde_json::Value::String(text)) = schema.get_mut("description") {
        *text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if schema
        .get("format")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|format| format.starts_with("uint"))
    {
        schema.remove("format");
    }
}

/// Fails unless the CRD file `file` shipped in the chart (`shipped`, as compiled in) is what
/// `source` derives (`generated`); with `WHEELHOUSE_WRITE_CRDS` set, writes it instead. For the
/// tests of the crates that define custom resources (`package` names the one to rerun).
pub fn check_shipped(package: &str, file: &str, shipped: &str, generated: &str, source: &str) {
    if std::env::var_os("WHEELHOUSE_WRITE_CRDS").is_some() {
        let path = format!(
            "{}/../../deploy/helm/wheelhouse/crds/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        if let Err(error) = std::fs::write(&path, generated) {
            panic!("cannot write {path}: {error}");
        }
        return;
    }
    assert!(
        shipped == generated,
        "deploy/helm/wheelhouse/crds/{file} differs from what {source} derives; \
         WHEELHOUSE_WRITE_CRDS=1 cargo test -p {package} crd rewrites it. Generated:\n{generated}"
    );
}
