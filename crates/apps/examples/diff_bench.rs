//! Figures of the release diff (not a test): the unified diff behind
//! `GET /api/v1/apps/releases/{namespace}/{name}/diff` over large generated manifests.
//!
//! ```text
//! cargo run --release -p wheelhouse-apps --example diff_bench
//! ```

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use wheelhouse_apps::diff::{DEADLINE, unified};

const RUNS: usize = 7;

/// A rendered chart of `services` Deployment + Service pairs, about 40 lines each, with the
/// lines that repeat in every manifest (labels, ports, probes).
fn manifest(services: usize, image_tag: impl Fn(usize) -> String) -> String {
    let mut out = String::new();
    for s in 0..services {
        let _ = write!(
            out,
            "---\n# Source: shop/templates/svc-{s}.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  \
             name: svc-{s}\n  labels:\n    app.kubernetes.io/name: svc-{s}\n    \
             app.kubernetes.io/instance: shop\nspec:\n  type: ClusterIP\n  ports:\n    - port: 80\n      \
             targetPort: http\n      protocol: TCP\n      name: http\n  selector:\n    \
             app.kubernetes.io/name: svc-{s}\n---\n# Source: shop/templates/deploy-{s}.yaml\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{s}\nspec:\n  replicas: 2\n  \
             selector:\n    matchLabels:\n      app.kubernetes.io/name: svc-{s}\n  template:\n    \
             metadata:\n      labels:\n        app.kubernetes.io/name: svc-{s}\n    spec:\n      \
             containers:\n        - name: app\n          image: registry.example/svc-{s}:{tag}\n          \
             ports:\n            - name: http\n              containerPort: 8080\n          \
             readinessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n",
            tag = image_tag(s),
        );
    }
    out
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn measure(label: &str, old: &str, new: &str) {
    let mut runs = Vec::with_capacity(RUNS);
    let mut diff = String::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        diff = unified(old, new, "revision 1", "revision 2");
        runs.push(started.elapsed());
    }
    let lines: Vec<&str> = diff.lines().skip(2).collect();
    let changed = lines
        .iter()
        .filter(|l| l.starts_with('+') || l.starts_with('-'))
        .count();
    let hunks = lines.iter().filter(|l| l.starts_with("@@ -")).count();
    println!(
        "{label}: {} + {} lines, median {:.1} ms (min {:.1}, max {:.1}), {changed} lines changed in {} hunks",
        old.lines().count(),
        new.lines().count(),
        median(runs.clone()).as_secs_f64() * 1e3,
        runs.iter().min().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        runs.iter().max().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        hunks,
    );
}

fn main() {
    println!("release diff, {RUNS} runs each, deadline {DEADLINE:?}");
    // 455 services are 20,020 lines; an upgrade that bumps three images.
    let old = manifest(455, |_| "1.0.0".into());
    let new = manifest(455, |s| if s % 200 == 7 { "1.1.0" } else { "1.0.0" }.into());
    measure("3 images bumped", &old, &new);

    let old = manifest(2_273, |_| "1.0.0".into());
    let new = manifest(2_273, |s| {
        if s % 500 == 7 { "1.1.0" } else { "1.0.0" }.into()
    });
    measure("5 images bumped", &old, &new);

    let old = manifest(455, |_| "1.0.0".into());
    let new = manifest(455, |s| format!("2.0.{s}"));
    measure("every image bumped", &old, &new);

    let old: String = (0..20_000).map(|i| format!("old line {i}\n")).collect();
    let new: String = (0..20_000).map(|i| format!("new line {i}\n")).collect();
    measure("nothing in common", &old, &new);
}
