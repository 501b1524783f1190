//! One container's life as the kubelet plays it, derived from the clock: image pulls that fail,
//! runs that complete, crash loops with the kubelet's growing back-off, and the container
//! statuses (ids, image ids, states and last states) the kubelet reports for them.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::controllers::events::rfc3339;
use crate::controllers::meta;

/// Seconds a crashing container runs before it exits with code 1.
pub const CRASH_RUN_SECONDS: i64 = 6;
/// Seconds a run-to-completion container (restartPolicy Never/OnFailure) runs by default.
pub const DEFAULT_RUN_SECONDS: i64 = 5;
/// Annotation that makes every container of a pod crash shortly after it starts.
pub const CRASH_ANNOTATION: &str = "sim.wheelhouse.dev/crash";
/// Annotation that sets how long run-to-completion containers run, in seconds.
pub const RUN_SECONDS_ANNOTATION: &str = "sim.wheelhouse.dev/run-seconds";

/// Whether an image cannot be pulled in the sim (its name says so).
pub fn image_is_missing(image: &str) -> bool {
    image.contains("does-not-exist") || image.contains("doesnotexist")
}

/// Whether a container is meant to crash: the pod carries the crash annotation, or the
/// container's command ends by exiting non-zero (`exit 1`).
pub fn container_crashes(pod: &Value, container: &Value) -> bool {
    if meta::annotation(pod, CRASH_ANNOTATION) == Some("true") {
        return true;
    }
    let words: Vec<&str> = ["command", "args"]
        .iter()
        .filter_map(|k| container.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    words.iter().any(|w| {
        let w = w.trim();
        w.starts_with("exit ") && w != "exit 0"
            || w.contains("; exit 1")
            || w.ends_with("&& exit 1")
    })
}

/// The kubelet's back-off before restart `i` (0-based): 10 s doubling to at most 5 minutes.
pub fn backoff_seconds(i: i64) -> i64 {
    (10_i64 << i.min(5)).min(300)
}

/// Where a container that runs `run` seconds, then waits a back-off, then runs again, is
/// `elapsed` seconds after it first started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cycle {
    /// How many runs have ended so far.
    ended: i64,
    /// Seconds after the first start at which the current run or wait began.
    since: i64,
    /// Whether the container is running (else it waits out a back-off).
    running: bool,
    /// The back-off being waited out, when waiting.
    backoff: i64,
    /// When the last run ended (seconds after the first start), if one has.
    last_end: Option<i64>,
    /// When the last run began.
    last_start: i64,
}

fn cycle(elapsed: i64, run: i64) -> Cycle {
    let mut start = 0;
    let mut i = 0;
    let mut last_end = None;
    let mut last_start = 0;
    loop {
        if elapsed < start + run {
            return Cycle {
                ended: i,
                since: start,
                running: true,
                backoff: 0,
                last_end,
                last_start,
            };
        }
        let end = start + run;
        let b = backoff_seconds(i);
        if elapsed < end + b {
            return Cycle {
                ended: i + 1,
                since: end,
                running: false,
                backoff: b,
                last_end: Some(end),
                last_start: start,
            };
        }
        last_end = Some(end);
        last_start = start;
        start = end + b;
        i += 1;
    }
}

/// `secs` after `base`, as the kubelet writes times.
pub(super) fn at(base: Timestamp, secs: i64) -> String {
    rfc3339(
        base.saturating_add(SignedDuration::from_secs(secs))
            .unwrap_or(base),
    )
}

/// The runtime's id of run `run` of a container (containerd's form), stable for the pod.
pub(super) fn container_id(pod: &Value, container: &str, run: i64) -> String {
    let h = meta::fnv64a(format!("{}/{container}/{run}", meta::uid(pod)).as_bytes());
    format!(
        "containerd://{h:016x}{:016x}{h:016x}{:016x}",
        h.rotate_left(17),
        h.rotate_left(31)
    )
}

/// The digest reference of an image, as the runtime reports it after a pull: an image pinned to
/// a digest (`host/app:1.0@sha256:…`) runs that digest; otherwise a digest made up from the name.
pub(super) fn image_id(image: &str) -> String {
    let (name, pinned) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    // A tag is after the last ':' that follows the last '/' (a registry's port comes before it).
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let repo = match name[slash..].rfind(':') {
        Some(i) => &name[..slash + i],
        None => name,
    };
    let repo = if repo.contains('/') {
        repo.to_string()
    } else {
        format!("docker.io/library/{repo}")
    };
    if let Some(digest) = pinned {
        return format!("{repo}@{digest}");
    }
    let h = meta::fnv64a(image.as_bytes());
    format!(
        "{repo}@sha256:{h:016x}{:016x}{:016x}{:016x}",
        h.rotate_left(9),
        h.rotate_left(23),
        h.rotate_left(41)
    )
}

/// The state of one main container, derived from the clock.
pub(super) struct ContainerView {
    pub(super) status: Value,
    pub(super) ready: bool,
    /// Terminated for good: Some(exit code).
    pub(super) finished: Option<i64>,
}

/// The status of a main container `elapsed` seconds after it may first start: running,
/// crash-looping, failing to pull or finished, as its image, command and the pod say.
pub(super) fn main_container(
    pod: &Value,
    c: &Value,
    start: Timestamp,
    elapsed: i64,
    restart_policy: &str,
) -> ContainerView {
    let name = meta::str_at(c, &["name"]);
    let image = meta::str_at(c, &["image"]);
    let pod_name = meta::name(pod);
    let base = json!({
        "name": name,
        "image": image,
        "imageID": "",
        "ready": false,
        "restartCount": 0,
        "started": false,
        "lastState": {},
    });
    let mut s = base;
    let set = |s: &mut Value, k: &str, v: Value| meta::set_at(s, &[k], v);
    if image_is_missing(image) {
        // ErrImagePull for 2 s, then ImagePullBackOff for a growing back-off, and again.
        let cy = cycle(elapsed, 2);
        let (reason, message) = if cy.running {
            (
                "ErrImagePull",
                format!(
                    "rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"
                ),
            )
        } else {
            (
                "ImagePullBackOff",
                format!("Back-off pulling image \"{image}\""),
            )
        };
        set(
            &mut s,
            "state",
            json!({"waiting": {"reason": reason, "message": message}}),
        );
        return ContainerView {
            status: s,
            ready: false,
            finished: None,
        };
    }
    set(&mut s, "imageID", json!(image_id(image)));
    let crashes = container_crashes(pod, c);
    let run_seconds = meta::annotation(pod, RUN_SECONDS_ANNOTATION)
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(DEFAULT_RUN_SECONDS)
        .max(1);
    if restart_policy != "Always" && (!crashes || restart_policy == "Never") {
        // Run to completion once.
        let run = if crashes {
            CRASH_RUN_SECONDS
        } else {
            run_seconds
        };
        set(&mut s, "containerID", json!(container_id(pod, name, 0)));
        if elapsed < run {
            set(
                &mut s,
                "state",
                json!({"running": {"startedAt": at(start, 0)}}),
            );
            set(&mut s, "started", json!(true));
            set(&mut s, "ready", json!(true));
            return ContainerView {
                status: s,
                ready: true,
                finished: None,
            };
        }
        let (code, reason) = if crashes {
            (1, "Error")
        } else {
            (0, "Completed")
        };
        set(
            &mut s,
            "state",
            json!({"terminated": {
                "exitCode": code, "reason": reason,
                "startedAt": at(start, 0), "finishedAt": at(start, run),
                "containerID": container_id(pod, name, 0),
            }}),
        );
        return ContainerView {
            status: s,
            ready: false,
            finished: Some(code),
        };
    }
    if crashes {
        let cy = cycle(elapsed, CRASH_RUN_SECONDS);
        set(&mut s, "restartCount", json!(cy.ended));
        if let Some(end) = cy.last_end {
            let run = cy.ended - 1;
            set(
                &mut s,
                "lastState",
                json!({"terminated": {
                    "exitCode": 1, "reason": "Error",
                    "startedAt": at(start, cy.last_start), "finishedAt": at(start, end),
                    "containerID": container_id(pod, name, run),
                }}),
            );
        }
        if cy.running {
            set(
                &mut s,
                "containerID",
                json!(container_id(pod, name, cy.ended)),
            );
            set(
                &mut s,
                "state",
                json!({"running": {"startedAt": at(start, cy.since)}}),
            );
            set(&mut s, "started", json!(true));
        } else {
            set(
                &mut s,
                "containerID",
                json!(container_id(pod, name, cy.ended - 1)),
            );
            let message = format!(
                "back-off {} restarting failed container={name} pod={pod_name}_{}({})",
                human_backoff(cy.backoff),
                meta::namespace(pod),
                meta::uid(pod)
            );
            set(
                &mut s,
                "state",
                json!({"waiting": {"reason": "CrashLoopBackOff", "message": message}}),
            );
        }
        return ContainerView {
            status: s,
            ready: false,
            finished: None,
        };
    }
    set(&mut s, "containerID", json!(container_id(pod, name, 0)));
    set(
        &mut s,
        "state",
        json!({"running": {"startedAt": at(start, 0)}}),
    );
    set(&mut s, "started", json!(true));
    set(&mut s, "ready", json!(true));
    ContainerView {
        status: s,
        ready: true,
        finished: None,
    }
}

fn human_backoff(secs: i64) -> String {
    if secs >= 60 && secs % 60 == 0 {
        format!("{}m0s", secs / 60)
    } else if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// The status of a container waiting for `reason`.
pub(super) fn waiting(c: &Value, reason: &str) -> Value {
    json!({
        "name": meta::str_at(c, &["name"]),
        "image": meta::str_at(c, &["image"]),
        "imageID": "",
        "ready": false,
        "restartCount": 0,
        "started": false,
        "lastState": {},
        "state": {"waiting": {"reason": reason}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_whose_command_exits_one_crashes_without_the_annotation() {
        let p = json!({"metadata": {}, "spec": {}});
        let c = json!({"name": "c", "image": "busybox", "command": ["sh", "-c", "echo starting; exit 1"]});
        assert!(container_crashes(&p, &c));
        let ok = json!({"name": "c", "image": "busybox", "command": ["sh", "-c", "sleep 3600"]});
        assert!(!container_crashes(&p, &ok));
    }

    #[test]
    fn an_image_pinned_to_a_digest_runs_that_digest_and_a_port_is_not_a_tag() {
        assert_eq!(
            image_id("127.0.0.1:5000/app:1.0@sha256:abc"),
            "127.0.0.1:5000/app@sha256:abc"
        );
        assert!(image_id("127.0.0.1:5000/app:1.0").starts_with("127.0.0.1:5000/app@sha256:"));
        assert!(image_id("nginx:1.27").starts_with("docker.io/library/nginx@sha256:"));
    }
}
