//! Log lines for simulated containers, in the style of what the image runs (nginx access
//! logs, PostgreSQL, Redis, Prometheus, klog for control-plane components, JSON for the
//! demo's apps), timestamped and the same for the same pod, container and time.
//!
//! Crash-looping containers write a short startup and then WARN, ERROR and a fatal line
//! before they exit; `previous` returns the lines of the instance that crashed.
//!
//! The `pods/log` subresource reads them through [`LogSource`]: [`WorkloadLogs`] by default,
//! [`GeneratedLogs`] for plain, predictable lines, or a source of the caller's.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::{CRASH_RUN_SECONDS, container_crashes};
use crate::controllers::meta;

/// One log line with the time it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub time: Timestamp,
    pub text: String,
}

/// Where log content comes from: [`WorkloadLogs`] unless [`SimConfig::logs`] installs another.
///
/// [`SimConfig::logs`]: crate::SimConfig::logs
pub trait LogSource: Send + Sync {
    /// The lines `container` of `pod` wrote in `[from, to)`, oldest first. `previous` asks for
    /// the lines of the previous (crashed) instance of the container.
    fn lines(
        &self,
        pod: &Value,
        container: &str,
        previous: bool,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<LogLine>;
}

/// A plain generator: one access-log line every five seconds since the container started.
#[derive(Debug, Default, Clone, Copy)]
pub struct GeneratedLogs;

impl LogSource for GeneratedLogs {
    fn lines(
        &self,
        pod: &Value,
        container: &str,
        previous: bool,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<LogLine> {
        let started = container_started(pod, container).unwrap_or(from);
        let step = 5;
        let first = from.as_second().max(started.as_second());
        let first = first + (step - (first - started.as_second()).rem_euclid(step)) % step;
        let name = meta::str_at(pod, &["metadata", "name"]);
        let mut out = Vec::new();
        let mut t = first;
        while t < to.as_second() {
            let n = (t - started.as_second()) / step;
            let text = if previous {
                format!("{container}: previous instance line {n}")
            } else if n == 0 {
                format!("{container}: starting in pod {name}")
            } else {
                format!("{container}: GET /healthz 200 {}ms request={n}", 1 + n % 17)
            };
            if let Ok(time) = Timestamp::from_second(t) {
                out.push(LogLine { time, text });
            }
            t += step;
        }
        out
    }
}

fn container_started(pod: &Value, container: &str) -> Option<Timestamp> {
    let statuses = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array);
    let started = statuses
        .into_iter()
        .flatten()
        .find(|c| c["name"] == container)
        .and_then(|c| c.pointer("/state/running/startedAt"))
        .and_then(Value::as_str)
        .or_else(|| pod.pointer("/status/startTime").and_then(Value::as_str))
        .or_else(|| {
            pod.pointer("/metadata/creationTimestamp")
                .and_then(Value::as_str)
        })?;
    started.parse().ok()
}

/// Log lines shaped by the container's image and state.
#[derive(Debug, Default, Clone, Copy)]
pub struct WorkloadLogs;

/// At most this many lines are generated for one request (the newest ones).
const MAX_GENERATED: i64 = 5_000;

/// What kind of program a container runs, from its image name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Nginx,
    Postgres,
    Redis,
    Prometheus,
    Grafana,
    CoreDns,
    /// kube-apiserver, etcd, the scheduler and controller manager, kube-proxy (klog format).
    Klog,
    /// A batch program that runs and finishes.
    Batch,
    /// The demo's own services: JSON lines.
    App,
}

/// The flavor of an image.
pub fn flavor(image: &str, batch: bool) -> Flavor {
    let name = image.rsplit('/').next().unwrap_or(image);
    let name = name.split([':', '@']).next().unwrap_or(name);
    match name {
        "nginx" => Flavor::Nginx,
        "postgres" if batch => Flavor::Batch,
        "postgres" => Flavor::Postgres,
        "redis" => Flavor::Redis,
        "prometheus" | "node-exporter" => Flavor::Prometheus,
        "grafana" => Flavor::Grafana,
        "coredns" => Flavor::CoreDns,
        n if n.starts_with("kube-") || n == "etcd" || n == "metrics-server" => Flavor::Klog,
        _ if batch => Flavor::Batch,
        "busybox" => Flavor::Batch,
        _ => Flavor::App,
    }
}

fn pick<'a>(h: u64, items: &[&'a str]) -> &'a str {
    items[(h % items.len() as u64) as usize]
}

fn hash(seed: &str, n: i64) -> u64 {
    meta::fnv64a(format!("{seed}#{n}").as_bytes())
}

fn client_ip(h: u64) -> String {
    format!("10.244.{}.{}", (h >> 8) % 6, 2 + h % 250)
}

/// The text of line `n` of a container's steady output (line 0 and 1 are startup lines).
pub fn line_text(f: Flavor, container: &str, n: i64, seed: &str, time: Timestamp) -> String {
    let h = hash(seed, n);
    let clf = time.strftime("%d/%b/%Y:%H:%M:%S +0000");
    let iso = time.strftime("%Y-%m-%dT%H:%M:%S%.3fZ");
    match f {
        Flavor::Nginx => match n {
            0 => "/docker-entrypoint.sh: Configuration complete; ready for start up".into(),
            1 => format!("{} [notice] 1#1: start worker processes", time.strftime("%Y/%m/%d %H:%M:%S")),
            _ => {
                let path = pick(h, &["/", "/index.html", "/static/app.js", "/static/app.css", "/api/products", "/api/cart", "/healthz", "/favicon.ico"]);
                let status = if h.is_multiple_of(97) { 500 } else if h.is_multiple_of(23) { 404 } else if path == "/api/cart" && h.is_multiple_of(5) { 304 } else { 200 };
                let agent = pick(h >> 8, &["Mozilla/5.0 (X11; Linux x86_64)", "kube-probe/1.36", "curl/8.5.0", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)"]);
                format!("{} - - [{clf}] \"GET {path} HTTP/1.1\" {status} {} \"-\" \"{agent}\"", client_ip(h), 200 + h % 9000)
            }
        },
        Flavor::Postgres => match n {
            0 => format!("{} UTC [1] LOG:  starting PostgreSQL 17.2 on x86_64-pc-linux-gnu", time.strftime("%Y-%m-%d %H:%M:%S%.3f")),
            1 => format!("{} UTC [1] LOG:  database system is ready to accept connections", time.strftime("%Y-%m-%d %H:%M:%S%.3f")),
            _ => {
                let t = time.strftime("%Y-%m-%d %H:%M:%S%.3f");
                match h % 6 {
                    0 => format!("{t} UTC [{}] LOG:  checkpoint starting: time", 60 + h % 40),
                    1 => format!("{t} UTC [{}] LOG:  checkpoint complete: wrote {} buffers ({}.{}%); distance={} kB", 60 + h % 40, h % 900, h % 3, h % 10, h % 5000),
                    2 if h.is_multiple_of(11) => format!("{t} UTC [{}] WARNING:  there is no transaction in progress", 200 + h % 300),
                    _ => format!("{t} UTC [{}] LOG:  duration: {}.{:03} ms  statement: SELECT * FROM orders WHERE id = ${}", 200 + h % 300, h % 40, h % 1000, 1),
                }
            }
        },
        Flavor::Redis => match n {
            0 => format!("1:C {} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo", time.strftime("%d %b %Y %H:%M:%S%.3f")),
            1 => format!("1:M {} * Ready to accept connections tcp", time.strftime("%d %b %Y %H:%M:%S%.3f")),
            _ => format!(
                "1:M {} * {}",
                time.strftime("%d %b %Y %H:%M:%S%.3f"),
                pick(h, &["10 changes in 300 seconds. Saving...", "Background saving started by pid 42", "DB saved on disk", "Background saving terminated with success"])
            ),
        },
        Flavor::Prometheus => format!(
            "time={iso} level={} source={} msg=\"{}\"",
            if h.is_multiple_of(41) { "WARN" } else { "INFO" },
            pick(h, &["head.go:813", "compact.go:576", "main.go:1240", "manager.go:169"]),
            match n {
                0 => "Starting Prometheus Server",
                1 => "Server is ready to receive web requests.",
                _ if h.is_multiple_of(41) => "Error on ingesting samples that are too old or are too far into the future",
                _ => pick(h >> 4, &["Head GC completed", "write block", "Scrape discovery manager updated targets", "Completed loading of configuration file"]),
            }
        ),
        Flavor::Grafana => format!(
            "logger={} t={iso} level={} msg=\"{}\"",
            pick(h, &["context", "cleanup", "plugins.update.checker", "infra.usagestats"]),
            if h.is_multiple_of(37) { "warn" } else { "info" },
            match n {
                0 => "Starting Grafana",
                1 => "HTTP Server Listen",
                _ => pick(h >> 4, &["Request Completed", "Completed cleanup jobs", "Update check succeeded", "Dashboard saved"]),
            }
        ),
        Flavor::CoreDns => match n {
            0 => ".:53".into(),
            1 => "CoreDNS-1.12.1".into(),
            _ => format!(
                "[INFO] {}:{} - {} \"A IN {}. udp 60 false 512\" NOERROR qr,aa,rd 106 0.000{}s",
                client_ip(h),
                30000 + h % 30000,
                h % 65536,
                pick(h >> 3, &["api.shop.svc.cluster.local", "postgres.data.svc.cluster.local", "redis.data.svc.cluster.local", "kubernetes.default.svc.cluster.local"]),
                100 + h % 800
            ),
        },
        Flavor::Klog => format!(
            "{}{} {}       1 {}] {}",
            if h.is_multiple_of(53) { "W" } else { "I" },
            time.strftime("%m%d %H:%M:%S%.6f"),
            1,
            pick(h, &["controller.go:231", "reflector.go:376", "leaderelection.go:260", "server.go:137"]),
            match n {
                0 => format!("Starting {container}"),
                1 => "Caches are synced".to_string(),
                _ if h.is_multiple_of(53) => "Failed to update lock optimistically: the object has been modified; please apply your changes to the latest version and try again".into(),
                _ => pick(h >> 4, &["Successfully renewed lease", "Watch close - total 412 items received", "Event occurred", "syncing"]).to_string(),
            }
        ),
        Flavor::Batch => match n {
            0 => format!("{iso} starting {container}"),
            _ => format!("{iso} processed batch {n}: {} records", 100 + h % 900),
        },
        Flavor::App => {
            let (level, msg) = match n {
                0 => ("info", format!("starting {container}")),
                1 => ("info", "listening on :8080".to_string()),
                _ if h.is_multiple_of(61) => ("error", "upstream request failed: context deadline exceeded".to_string()),
                _ if h.is_multiple_of(19) => ("warn", format!("slow request: {} ms", 800 + h % 2000)),
                _ => ("info", "request completed".to_string()),
            };
            format!(
                "{{\"time\":\"{iso}\",\"level\":\"{level}\",\"msg\":\"{msg}\",\"method\":\"{}\",\"path\":\"{}\",\"status\":{},\"duration_ms\":{}}}",
                pick(h, &["GET", "GET", "GET", "POST", "PUT"]),
                pick(h >> 5, &["/api/v1/items", "/api/v1/orders", "/healthz", "/metrics"]),
                if level == "error" { 502 } else { 200 },
                h % 120
            )
        }
    }
}

/// The lines a crashing instance writes before it exits: (seconds after start, text).
pub fn crash_lines(container: &str, image: &str) -> Vec<(i64, String)> {
    let version = image.rsplit(':').next().unwrap_or("latest");
    vec![
        (0, format!("level=info msg=\"starting {container}\" version={version}")),
        (1, "level=info msg=\"loading configuration\" source=/etc/config".to_string()),
        (2, "level=info msg=\"connecting to payments\" url=https://payments:443".to_string()),
        (3, "level=warn msg=\"payments not ready, retrying\" attempt=1".to_string()),
        (4, "level=warn msg=\"payments not ready, retrying\" attempt=2".to_string()),
        (5, "level=error msg=\"cannot reach payments\" error=\"dial tcp 10.96.120.50:443: connect: connection refused\"".to_string()),
        (CRASH_RUN_SECONDS - 1, "level=fatal msg=\"giving up after 3 attempts\" exit_code=1".to_string()),
    ]
}

fn parse_time(v: Option<&Value>) -> Option<Timestamp> {
    v.and_then(Value::as_str).and_then(|s| s.parse().ok())
}

/// The interval between a container's lines, 2 to 7 seconds, fixed per container.
fn interval_ms(seed: &str) -> i64 {
    2_000 + (meta::fnv64a(seed.as_bytes()) % 5_000) as i64
}

impl LogSource for WorkloadLogs {
    fn lines(
        &self,
        pod: &Value,
        container: &str,
        previous: bool,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<LogLine> {
        let spec = ["containers", "initContainers"]
            .iter()
            .filter_map(|k| meta::at(pod, &["spec", k]).and_then(Value::as_array))
            .flatten()
            .find(|c| c["name"] == container);
        let status = ["containerStatuses", "initContainerStatuses"]
            .iter()
            .filter_map(|k| meta::at(pod, &["status", k]).and_then(Value::as_array))
            .flatten()
            .find(|c| c["name"] == container);
        let (Some(spec), Some(status)) = (spec, status) else {
            return Vec::new();
        };
        let image = meta::str_at(spec, &["image"]);
        // A container waiting to restart has no new instance yet: its log is still that of
        // the instance that ended, as the kubelet serves it.
        let waiting = status.pointer("/state/waiting").is_some();
        let state = if previous || waiting {
            status.get("lastState")
        } else {
            status.get("state")
        };
        let Some(state) = state else {
            return Vec::new();
        };
        let (started, finished) = if let Some(r) = state.get("running") {
            (parse_time(r.get("startedAt")), None)
        } else if let Some(t) = state.get("terminated") {
            (
                parse_time(t.get("startedAt")),
                parse_time(t.get("finishedAt")),
            )
        } else {
            (None, None)
        };
        let Some(started) = started else {
            return Vec::new();
        };
        let end = finished.map_or(to, |f| f.min(to));
        let seed = format!("{}/{container}/{}", meta::uid(pod), started.as_second());
        let at = |ms: i64| {
            started
                .saturating_add(SignedDuration::from_millis(ms))
                .unwrap_or(started)
        };
        if container_crashes(pod, spec) {
            return crash_lines(container, image)
                .into_iter()
                .map(|(s, text)| LogLine {
                    time: at(s * 1000 + (hash(&seed, s) % 900) as i64),
                    text,
                })
                .filter(|l| l.time >= from && l.time < end)
                .collect();
        }
        let batch = !matches!(meta::str_at(pod, &["spec", "restartPolicy"]), "" | "Always")
            || meta::at(pod, &["spec", "initContainers"])
                .and_then(Value::as_array)
                .is_some_and(|cs| cs.iter().any(|c| c["name"] == container));
        let f = flavor(image, batch);
        let step = if batch { 900 } else { interval_ms(&seed) };
        let since = from.duration_since(started).as_millis() as i64;
        let until = end.duration_since(started).as_millis() as i64;
        if until <= 0 {
            return Vec::new();
        }
        let mut first = if since <= 0 {
            0
        } else {
            since.div_euclid(step)
        };
        let last = (until - 1).div_euclid(step);
        first = first.max(last - MAX_GENERATED + 1);
        let mut out = Vec::new();
        for n in first..=last {
            let time = at(n * step + (hash(&seed, n) % 400) as i64);
            if time < from || time >= end {
                continue;
            }
            out.push(LogLine {
                time,
                text: line_text(f, container, n, &seed, time),
            });
        }
        if let Some(fin) = finished.filter(|f| *f <= to && *f >= from && batch) {
            out.push(LogLine {
                time: fin,
                text: format!("{} done", container),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_logs_write_a_line_every_five_seconds_since_start() {
        let pod = json!({"metadata": {"name": "web-1"}, "status": {"containerStatuses": [
            {"name": "nginx", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}]}});
        let from: Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
        let to: Timestamp = "2026-01-01T00:00:30Z".parse().expect("time");
        let lines = GeneratedLogs.lines(&pod, "nginx", false, from, to);
        assert_eq!(lines.len(), 6);
        assert_eq!(lines[0].text, "nginx: starting in pod web-1");
        let later: Timestamp = "2026-01-01T00:00:12Z".parse().expect("time");
        let lines = GeneratedLogs.lines(&pod, "nginx", false, later, to);
        assert_eq!(
            lines.first().map(|l| l.time.as_second() - from.as_second()),
            Some(15)
        );
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("ts")
    }

    fn pod(image: &str, annotations: Value, status: Value) -> Value {
        json!({"metadata": {"name": "p", "namespace": "shop", "uid": "uid-1", "annotations": annotations},
               "spec": {"containers": [{"name": "c", "image": image}]},
               "status": {"phase": "Running", "containerStatuses": [status]}})
    }

    fn running_since(t: &str) -> Value {
        json!({"name": "c", "restartCount": 0, "state": {"running": {"startedAt": t}}, "lastState": {}})
    }

    #[test]
    fn logs_are_the_same_for_the_same_pod_and_time() {
        let p = pod(
            "nginx:1.27",
            json!({}),
            running_since("2026-11-27T17:00:00Z"),
        );
        let a = WorkloadLogs.lines(
            &p,
            "c",
            false,
            ts("2026-11-27T17:00:00Z"),
            ts("2026-11-27T17:10:00Z"),
        );
        let b = WorkloadLogs.lines(
            &p,
            "c",
            false,
            ts("2026-11-27T17:00:00Z"),
            ts("2026-11-27T17:10:00Z"),
        );
        assert_eq!(a, b);
        assert!(
            a.len() > 80 && a.len() < 310,
            "a line every 2-7 s: {}",
            a.len()
        );
        assert!(a.windows(2).all(|w| w[0].time <= w[1].time), "oldest first");
        assert!(
            a[5].text.contains("HTTP/1.1"),
            "nginx writes access logs: {}",
            a[5].text
        );
    }

    #[test]
    fn a_window_of_time_returns_only_the_lines_inside_it() {
        let p = pod(
            "ghcr.io/wheelhouse-demo/api:2.4.1",
            json!({}),
            running_since("2026-11-27T17:00:00Z"),
        );
        let all = WorkloadLogs.lines(
            &p,
            "c",
            false,
            ts("2026-11-27T17:00:00Z"),
            ts("2026-11-27T17:10:00Z"),
        );
        let part = WorkloadLogs.lines(
            &p,
            "c",
            false,
            ts("2026-11-27T17:05:00Z"),
            ts("2026-11-27T17:10:00Z"),
        );
        assert!(!part.is_empty() && part.len() < all.len());
        assert_eq!(
            part.last(),
            all.last(),
            "the window ends where the full log ends"
        );
        assert!(part.iter().all(|l| l.time >= ts("2026-11-27T17:05:00Z")));
    }

    #[test]
    fn a_crashing_container_logs_errors_and_its_previous_instance_is_readable() {
        let status = json!({"name": "c", "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-11-27T17:01:00Z", "finishedAt": "2026-11-27T17:01:06Z"}}});
        let p = pod(
            "ghcr.io/wheelhouse-demo/checkout:1.8.0",
            json!({"sim.wheelhouse.dev/crash": "true"}),
            status,
        );
        let previous = WorkloadLogs.lines(
            &p,
            "c",
            true,
            ts("2026-11-27T16:00:00Z"),
            ts("2026-11-27T17:05:00Z"),
        );
        let text: Vec<&str> = previous.iter().map(|l| l.text.as_str()).collect();
        assert!(text.iter().any(|t| t.contains("level=error")), "{text:?}");
        assert!(
            text.last().is_some_and(|t| t.contains("level=fatal")),
            "{text:?}"
        );
        let current = WorkloadLogs.lines(
            &p,
            "c",
            false,
            ts("2026-11-27T16:00:00Z"),
            ts("2026-11-27T17:05:00Z"),
        );
        assert_eq!(
            current, previous,
            "while it waits to restart, its log is the crashed instance's"
        );
    }

    #[test]
    fn images_choose_the_style_of_their_logs() {
        let cases = [
            ("nginx:1.27", false, Flavor::Nginx),
            ("postgres:17.2", false, Flavor::Postgres),
            ("postgres:17.2", true, Flavor::Batch),
            (
                "registry.k8s.io/kube-apiserver:v1.36.0",
                false,
                Flavor::Klog,
            ),
            (
                "quay.io/prometheus/prometheus:v3.5.0",
                false,
                Flavor::Prometheus,
            ),
            ("ghcr.io/wheelhouse-demo/api:2.4.1", false, Flavor::App),
        ];
        for (image, batch, want) in cases {
            assert_eq!(flavor(image, batch), want, "{image}");
        }
    }
}
