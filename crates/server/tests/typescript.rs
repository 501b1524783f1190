//! The web app's TypeScript declarations of the API's types are generated from these Rust types
//! (ts-rs) into `web/src/lib/api/generated.ts`, and this test fails when that file is not what
//! the Rust types say. `WHEELHOUSE_WRITE_TS=1 cargo test -p wheelhouse-server --test typescript`
//! writes it.
//!
//! The types come from every crate whose types the API sends or receives (model, cluster, apps
//! and the server's own answers), which is why the test lives here, in the crate that uses them all.

use std::collections::BTreeSet;
use std::path::PathBuf;

use wheelhouse_server::typescript::{config, declarations};

/// The command that rewrites the file, as the header and the failure say it.
const COMMAND: &str = "WHEELHOUSE_WRITE_TS=1 cargo test -p wheelhouse-server --test typescript";

fn generated() -> String {
    let mut text = format!(
        "// Generated from the Rust types by crates/server/tests/typescript.rs (ts-rs); do not edit.\n\
         // {COMMAND} rewrites it.\n",
    );
    for declaration in declarations(&config()) {
        text.push('\n');
        text.push_str("export ");
        text.push_str(declaration.text.trim());
        text.push('\n');
    }
    text
}

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web/src/lib/api/generated.ts")
}

#[test]
fn the_web_apps_api_types_are_the_ones_generated_from_rust() {
    let expected = generated();
    if std::env::var_os("WHEELHOUSE_WRITE_TS").is_some() {
        std::fs::write(path(), &expected).expect("write generated.ts");
        return;
    }
    let committed = std::fs::read_to_string(path()).unwrap_or_default();
    assert!(
        committed == expected,
        "web/src/lib/api/generated.ts is not what the Rust types say; run `{COMMAND}` and commit it.\n\
         expected:\n{expected}"
    );
}

#[test]
fn every_type_a_declaration_refers_to_is_declared_once() {
    let declarations = declarations(&config());
    let mut names = BTreeSet::new();
    for declaration in &declarations {
        assert!(
            names.insert(declaration.name.as_str()),
            "{} is declared twice (rename one with #[ts(rename = \"…\")])",
            declaration.name
        );
    }
    for declaration in &declarations {
        for name in &declaration.refers_to {
            assert!(
                names.contains(name.as_str()),
                "{} refers to {name}, which generated.ts does not declare: add it to declarations()",
                declaration.name
            );
        }
    }
}
