//! The web app's TypeScript declarations of the API's types are generated from these Rust types
//! (ts-rs) into `web/src/lib/api/generated.ts`, and this test fails when that file is not what
//! the Rust types say. `WHEELHOUSE_WRITE_TS=1 cargo test -p wheelhouse-model --test typescript`
//! writes it.

use std::path::PathBuf;

use ts_rs::{Config, TS};
use wheelhouse_model::rows::{Column, ColumnType, Severity};
use wheelhouse_model::warning::{Warning, WarningReason};

/// The declarations, in the order they are written.
fn declarations(config: &Config) -> Vec<String> {
    vec![
        WarningReason::decl(config),
        Warning::decl(config),
        ColumnType::decl(config),
        Severity::decl(config),
        Column::decl(config),
    ]
}

fn generated() -> String {
    let config = Config::new();
    let mut text = String::from(
        "// Generated from the Rust types by crates/model/tests/typescript.rs (ts-rs); do not edit.\n\
         // WHEELHOUSE_WRITE_TS=1 cargo test -p wheelhouse-model --test typescript rewrites it.\n",
    );
    for declaration in declarations(&config) {
        text.push('\n');
        text.push_str("export ");
        text.push_str(declaration.trim());
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
        "web/src/lib/api/generated.ts is not what the Rust types say; run \
         `WHEELHOUSE_WRITE_TS=1 cargo test -p wheelhouse-model --test typescript` and commit it.\n\
         expected:\n{expected}"
    );
}
