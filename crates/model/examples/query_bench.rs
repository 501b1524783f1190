//! Times the list query over 10,000 and 100,000 realistic pod rows (a figure, not a test).
//!
//! `cargo run --release -p wheelhouse-model --example query_bench`

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use wheelhouse_model::query::{ListParams, ListQuery};
use wheelhouse_model::rows::RowSchema;
use wheelhouse_model::store::RowStore;

const RUNS: usize = 200;
const APPS: [&str; 12] = [
    "web", "checkout", "cart", "search", "payments", "auth", "catalog", "mailer", "worker",
    "gateway", "ledger", "images",
];

/// A small deterministic generator (xorshift), so every run measures the same rows.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A pod as the API server returns it: a Deployment's pod with labels, containers and statuses.
fn pod(random: &mut Random, index: usize, now: Timestamp) -> Value {
    let app = APPS[random.below(APPS.len() as u64) as usize];
    let namespace = format!("team-{:02}", random.below(50));
    let hash = format!("{:08x}", random.below(u64::from(u32::MAX)));
    let name = format!("{app}-{}-{:05x}", &hash[..6], index);
    let created = now - SignedDuration::from_secs(random.below(90 * 86400) as i64);
    let restarts = if random.below(10) == 0 {
        random.below(40)
    } else {
        0
    };
    let crashing = random.below(50) == 0;
    let state = if crashing {
        json!({"waiting": {"reason": "CrashLoopBackOff"}})
    } else {
        json!({"running": {"startedAt": created.to_string()}})
    };
    let last_state = if restarts > 0 {
        json!({"terminated": {"exitCode": 1, "finishedAt":
            (now - SignedDuration::from_secs(random.below(86400) as i64)).to_string()}})
    } else {
        json!({})
    };
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": format!("{index:08x}-0000-4000-8000-{hash}0000"),
            "creationTimestamp": created.to_string(),
            "labels": {
                "app": app,
                "tier": if random.below(3) == 0 { "back" } else { "front" },
                "pod-template-hash": &hash[..6],
                "app.kubernetes.io/part-of": "shop",
            },
        },
        "spec": {
            "nodeName": format!("node-{:03}", random.below(500)),
            "containers": [
                {"name": app, "image": format!("registry.example.com/{app}:1.{}", random.below(20))},
                {"name": "proxy", "image": "envoyproxy/envoy:v1.31.0"},
            ],
        },
        "status": {
            "phase": "Running",
            "podIP": format!("10.{}.{}.{}", random.below(256), random.below(256), random.below(256)),
            "conditions": [{"type": "Ready", "status": if crashing { "False" } else { "True" }}],
            "containerStatuses": [
                {"name": app, "image": "", "imageID": "", "ready": !crashing,
                 "restartCount": restarts, "state": state, "lastState": last_state},
                {"name": "proxy", "image": "", "imageID": "", "ready": true, "restartCount": 0,
                 "state": {"running": {}}},
            ],
        },
    })
}

/// Resident memory of this process in bytes (Linux), to estimate what rows cost.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn main() {
    let now: Timestamp = "2026-11-27T12:00:00Z".parse().expect("a timestamp");
    let schema = RowSchema::builtin("", "Pod", true);
    println!("| pods | query | matches | p50 | p99 |");
    println!("| ---: | --- | ---: | ---: | ---: |");
    let mut ingest = Vec::new();
    for count in [10_000, 100_000] {
        let mut random = Random(0x5eed_1234_abcd_0001);
        let objects: Vec<Value> = (0..count).map(|i| pod(&mut random, i, now)).collect();
        let before = resident_bytes();
        let started = Instant::now();
        let mut store = RowStore::new();
        for object in &objects {
            store.upsert(schema.row(object).expect("a row"));
        }
        let elapsed = started.elapsed();
        let grown = before
            .zip(resident_bytes())
            .map(|(before, after)| after.saturating_sub(before));
        ingest.push((count, elapsed, grown));
        drop(objects);

        let cases: [(&str, &[(&str, &str)]); 8] = [
            (
                "first page by creationTimestamp (newest first)",
                &[("sort", "-creationTimestamp")],
            ),
            ("first page by name", &[("sort", "name")]),
            (
                "first page by restarts (most first)",
                &[("sort", "-restarts")],
            ),
            ("first page by status", &[("sort", "status")]),
            (
                "page 1,000 by name",
                &[("sort", "name"), ("page", "1000"), ("pageSize", "50")],
            ),
            ("name filter q=check, by name", &[("q", "check")]),
            (
                "label filter app=checkout,tier=front",
                &[("labelSelector", "app=checkout,tier=front")],
            ),
            (
                "namespace team-07, by -restarts",
                &[("namespace", "team-07"), ("sort", "-restarts")],
            ),
        ];
        for (name, pairs) in cases {
            let params: ListParams = serde_json::from_value(Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect(),
            ))
            .expect("params");
            let mut times = Vec::with_capacity(RUNS);
            let mut total = 0;
            for _ in 0..RUNS {
                let started = Instant::now();
                let query = ListQuery::parse(&params, &schema).expect("a valid query");
                let page = query.apply(&schema, store.rows()).expect("a page");
                total = page.total;
                std::hint::black_box(&page);
                times.push(started.elapsed());
            }
            times.sort();
            println!(
                "| {count} | {name} | {total} | {:.2} ms | {:.2} ms |",
                percentile(&times, 0.5).as_secs_f64() * 1e3,
                percentile(&times, 0.99).as_secs_f64() * 1e3,
            );
        }
    }
    println!();
    for (count, elapsed, grown) in ingest {
        let memory = grown.map_or_else(
            || "memory not measured".to_string(),
            |bytes| {
                format!(
                    "resident memory grew by {:.1} MB, {} bytes a row",
                    bytes as f64 / 1e6,
                    bytes / count as u64
                )
            },
        );
        println!(
            "rows computed from {count} pod objects in {:.0} ms ({:.1} µs a pod); {memory}",
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e6 / count as f64
        );
    }
}
