//! One libFuzzer binary for every target; `WHEELHOUSE_FUZZ_TARGET` names the one to run.
#![no_main]

use std::sync::OnceLock;

fn chosen() -> fn(&[u8]) {
    static RUN: OnceLock<fn(&[u8])> = OnceLock::new();
    *RUN.get_or_init(|| {
        let name = std::env::var("WHEELHOUSE_FUZZ_TARGET").unwrap_or_default();
        match wheelhouse_fuzz::target(&name) {
            Some(target) => target.run,
            None => {
                let names: Vec<&str> = wheelhouse_fuzz::TARGETS.iter().map(|t| t.name).collect();
                eprintln!("set WHEELHOUSE_FUZZ_TARGET to one of {names:?}");
                std::process::exit(2);
            }
        }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| chosen()(data));
