//! Replays every input kept in `corpus/<target>/` through its target: the seeds written by hand
//! and what the fuzzer found that reaches new code. A parser change that makes one of them panic
//! fails here, in CI, without a fuzzer.

use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

#[test]
fn every_target_has_seeds_and_every_kept_input_passes_its_target() {
    for target in wheelhouse_fuzz::TARGETS {
        let dir = corpus().join(target.name);
        let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("a directory entry").path())
            .collect();
        inputs.sort();
        assert!(
            inputs.len() >= 3,
            "{} holds {} inputs; each target needs seeds",
            dir.display(),
            inputs.len()
        );
        for input in inputs {
            let data = std::fs::read(&input).expect("readable");
            let outcome = std::panic::catch_unwind(|| (target.run)(&data));
            assert!(
                outcome.is_ok(),
                "{} panicked on {}",
                target.name,
                input.display()
            );
        }
    }
}

#[test]
fn every_corpus_directory_names_a_target() {
    for entry in std::fs::read_dir(corpus()).expect("the corpus") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy();
        assert!(
            wheelhouse_fuzz::target(&name).is_some(),
            "corpus/{name} belongs to no target"
        );
    }
}
