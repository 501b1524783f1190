//! Figures of the chart index (not a test): parsing a generated 15,000-version `index.yaml` and
//! searching it in memory.
//!
//! ```text
//! cargo run --release -p wheelhouse-apps --example index_bench
//! ```

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use wheelhouse_apps::index::{Index, search};

const CHARTS: usize = 1_500;
const VERSIONS: usize = 10;
const PARSE_RUNS: usize = 5;
const SEARCH_RUNS: usize = 200;

const WORDS: [&str; 16] = [
    "web",
    "database",
    "cache",
    "queue",
    "monitoring",
    "logging",
    "proxy",
    "storage",
    "auth",
    "metrics",
    "search",
    "stream",
    "backup",
    "gateway",
    "mail",
    "ci",
];

/// An index like a large public repository's: 1,500 charts × 10 versions with descriptions,
/// keywords, maintainers, URLs, digests and times.
fn generate() -> String {
    let mut out = String::from("apiVersion: v1\nentries:\n");
    for c in 0..CHARTS {
        let name = format!("{}-{}-{c}", WORDS[c % 16], WORDS[(c / 16) % 16]);
        let _ = writeln!(out, "  {name}:");
        for v in 0..VERSIONS {
            let version = format!("{}.{}.{}", c % 5, v, c % 3);
            let _ = write!(
                out,
                "  - apiVersion: v2\n    name: {name}\n    version: {version}\n    appVersion: \"{v}.{c}\"\n    \
                 description: A {w1} service that works with {w2} and {w3}, packaged for Kubernetes\n    \
                 keywords: [{w1}, {w2}, chart-{c}]\n    home: https://charts.example/{name}\n    \
                 icon: https://charts.example/{name}/icon.png\n    sources: [https://git.example/{name}]\n    \
                 maintainers:\n    - name: Team {c}\n      email: team{c}@example.com\n    \
                 urls: [https://charts.example/{name}-{version}.tgz]\n    \
                 digest: {digest:064x}\n    created: \"2026-0{month}-1{day}T10:00:00.{nanos:09}Z\"\n",
                w1 = WORDS[c % 16],
                w2 = WORDS[(c + v) % 16],
                w3 = WORDS[(c * 7 + 3) % 16],
                digest = (c * VERSIONS + v) as u128 * 7919,
                month = 1 + v % 9,
                day = c % 10,
                nanos = c * 1000 + v,
            );
        }
    }
    out.push_str("generated: \"2026-11-27T00:00:00Z\"\n");
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Loads `text` PARSE_RUNS times and prints the median, min and max.
fn load(what: &str, text: &str) -> Index {
    let mut parses = Vec::new();
    let mut index = Index::default();
    for _ in 0..PARSE_RUNS {
        let started = Instant::now();
        index = Index::parse(text.as_bytes()).expect("the generated index parses");
        parses.push(started.elapsed());
    }
    parses.sort();
    println!(
        "{what}, {PARSE_RUNS} runs: median {:.0} ms, min {:.0} ms, max {:.0} ms ({} charts, {} versions)",
        ms(parses[PARSE_RUNS / 2]),
        ms(parses[0]),
        ms(parses[PARSE_RUNS - 1]),
        index.charts.len(),
        index.versions
    );
    index
}

fn main() {
    let text = generate();
    println!(
        "index.yaml: {CHARTS} charts x {VERSIONS} versions = {} versions, {:.1} MB",
        CHARTS * VERSIONS,
        text.len() as f64 / 1e6
    );
    let index = load("load (parse + sort versions + search fields)", &text);
    // A `&` anywhere (here in every description) sends the text through the budgeted YAML reader
    // that guards against anchors and aliases: the price of that guard.
    let ampersands = text.replace("packaged for Kubernetes", "packaged for R&D on Kubernetes");
    load(
        "load of the same index with a `&` in every description",
        &ampersands,
    );
    println!("| query | matches | p50 | p99 |");
    println!("| --- | ---: | ---: | ---: |");
    for query in [
        "web",
        "database cache",
        "chart-1499",
        "queue-proxy-",
        "kubernetes",
        "nothing-matches-this",
        "",
    ] {
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..SEARCH_RUNS {
            let started = Instant::now();
            let (items, matches) = search([("bench", &index)], query, 50);
            times.push(started.elapsed());
            total = matches;
            std::hint::black_box(items);
        }
        times.sort();
        println!(
            "| `{query}` | {total} | {:.2} ms | {:.2} ms |",
            ms(times[SEARCH_RUNS / 2]),
            ms(times[SEARCH_RUNS * 99 / 100])
        );
    }
}
