//! Plays the kubelet: moves scheduled pods from Pending to Running, crash-loops, failed
//! image pulls, init containers and finished job pods, with the container statuses,
//! conditions and Events a real kubelet writes.
//!
//! The state of a pod is a pure function of its spec, its `status.startTime` and the clock:
//! the kubelet needs no memory, so the sim can restart and tests can ask "what does this pod
//! look like 95 seconds after it started" directly. So are each container's life
//! (`container_lifecycle`: pulls, runs, crash loops and back-offs), what its containers write
//! ([`container_logs`]) and the CPU and memory they use ([`container_usage`]).

mod container_lifecycle;
pub mod container_logs;
pub mod container_usage;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::events::{EventSpec, EventType, rfc3339};
use super::meta;
use container_lifecycle::{at, container_id, image_id, main_container, waiting};

pub use container_lifecycle::{
    CRASH_ANNOTATION, CRASH_RUN_SECONDS, DEFAULT_RUN_SECONDS, RUN_SECONDS_ANNOTATION,
    backoff_seconds, container_crashes, image_is_missing,
};

/// Seconds between a pod being accepted and its containers starting (image pull).
pub const PULL_SECONDS: i64 = 2;
/// Seconds each init container runs before it completes.
pub const INIT_SECONDS: i64 = 2;

/// What the kubelet changes on one pod in one pass.
#[derive(Debug, Clone, PartialEq)]
pub struct PodUpdate {
    /// The new `status`, written only when it differs from the stored one.
    pub status: Value,
    pub events: Vec<EventSpec>,
}

/// The pod IP the sim gives a pod: stable for its uid, inside the node's pod CIDR.
pub fn pod_ip(pod: &Value, node: &Value) -> String {
    let node_index = meta::fnv64a(meta::name(node).as_bytes()) % 200;
    let cidr = meta::str_at(node, &["spec", "podCIDR"]);
    let third = cidr
        .split('.')
        .nth(2)
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(node_index);
    let host = meta::fnv64a(meta::uid(pod).as_bytes()) % 250 + 2;
    format!("10.244.{third}.{host}")
}

/// The node's InternalIP, which is the pod's hostIP.
pub fn host_ip(node: &Value) -> String {
    meta::at(node, &["status", "addresses"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|a| a.get("type").and_then(Value::as_str) == Some("InternalIP"))
        .and_then(|a| a.get("address"))
        .and_then(Value::as_str)
        .unwrap_or("10.0.0.1")
        .to_string()
}

/// The QoS class the API server would give a pod from its containers' resources.
pub fn qos_class(pod: &Value) -> &'static str {
    let containers: Vec<&Value> = meta::at(pod, &["spec", "containers"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let has = |c: &Value, k: &str| {
        c.pointer(&format!("/resources/{k}"))
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty())
    };
    if containers
        .iter()
        .all(|c| !has(c, "requests") && !has(c, "limits"))
    {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        ["cpu", "memory"].iter().all(|r| {
            let limit = c.pointer(&format!("/resources/limits/{r}"));
            let request = c.pointer(&format!("/resources/requests/{r}")).or(limit);
            limit.is_some() && meta::quantity(limit) == meta::quantity(request)
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn condition(
    old: &Value,
    kind: &str,
    ok: bool,
    reason: Option<&str>,
    message: Option<String>,
    now: &str,
) -> Value {
    let status = if ok { "True" } else { "False" };
    let previous = meta::at(old, &["conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind));
    let since = previous
        .filter(|c| c.get("status").and_then(Value::as_str) == Some(status))
        .and_then(|c| c.get("lastTransitionTime").cloned())
        .unwrap_or_else(|| json!(now));
    let mut c =
        json!({"type": kind, "status": status, "lastProbeTime": null, "lastTransitionTime": since});
    if let Some(r) = reason {
        meta::set_at(&mut c, &["reason"], json!(r));
    }
    if let Some(m) = message {
        meta::set_at(&mut c, &["message"], json!(m));
    }
    c
}

/// What the pod's status should be now. `None` when the pod is not the kubelet's business
/// (unscheduled, being deleted, finished, or on a node that is not Ready).
pub fn desired_status(pod: &Value, node: &Value, now: Timestamp) -> Option<Value> {
    if meta::str_at(pod, &["spec", "nodeName"]).is_empty() || meta::is_terminating(pod) {
        return None;
    }
    let old = pod.get("status").cloned().unwrap_or_else(|| json!({}));
    let phase = meta::str_at(&old, &["phase"]);
    if phase == "Succeeded" || phase == "Failed" {
        return None;
    }
    let node_ready = meta::at(node, &["status", "conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True");
    if !node_ready {
        return None;
    }
    let now_s = rfc3339(now);
    let start: Timestamp = match meta::str_at(&old, &["startTime"]).parse() {
        Ok(t) => t,
        Err(_) => now,
    };
    let elapsed = now.duration_since(start).as_secs();
    let restart_policy = match meta::str_at(pod, &["spec", "restartPolicy"]) {
        "" => "Always",
        p => p,
    };
    let init: Vec<&Value> = meta::at(pod, &["spec", "initContainers"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let main: Vec<&Value> = meta::at(pod, &["spec", "containers"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let init_done_at = PULL_SECONDS + INIT_SECONDS * init.len() as i64;

    let mut init_statuses = Vec::new();
    for (i, c) in init.iter().enumerate() {
        let began = PULL_SECONDS + INIT_SECONDS * i as i64;
        let name = meta::str_at(c, &["name"]);
        let mut s = waiting(c, "PodInitializing");
        if elapsed >= began {
            meta::set_at(
                &mut s,
                &["imageID"],
                json!(image_id(meta::str_at(c, &["image"]))),
            );
            meta::set_at(&mut s, &["containerID"], json!(container_id(pod, name, 0)));
            if elapsed >= began + INIT_SECONDS {
                meta::set_at(
                    &mut s,
                    &["state"],
                    json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": at(start, began), "finishedAt": at(start, began + INIT_SECONDS), "containerID": container_id(pod, name, 0)}}),
                );
            } else {
                meta::set_at(
                    &mut s,
                    &["state"],
                    json!({"running": {"startedAt": at(start, began)}}),
                );
                meta::set_at(&mut s, &["started"], json!(true));
            }
        }
        init_statuses.push(s);
    }
    let initialized = elapsed >= init_done_at;

    let mut statuses = Vec::new();
    let mut all_ready = true;
    let mut finished = Vec::new();
    for c in &main {
        if !initialized {
            let reason = if init.is_empty() {
                "ContainerCreating"
            } else {
                "PodInitializing"
            };
            statuses.push(waiting(c, reason));
            all_ready = false;
            continue;
        }
        let main_start = start
            .saturating_add(SignedDuration::from_secs(init_done_at))
            .unwrap_or(start);
        let view = main_container(pod, c, main_start, elapsed - init_done_at, restart_policy);
        all_ready &= view.ready;
        if let Some(code) = view.finished {
            finished.push(code);
        }
        statuses.push(view.status);
    }
    let any_running = statuses
        .iter()
        .any(|s| meta::at(s, &["state", "running"]).is_some())
        || statuses
            .iter()
            .any(|s| meta::i64_at(s, &["restartCount"]).unwrap_or(0) > 0);
    let phase = if !finished.is_empty() && finished.len() == main.len() {
        if finished.iter().all(|c| *c == 0) {
            "Succeeded"
        } else {
            "Failed"
        }
    } else if any_running {
        "Running"
    } else {
        "Pending"
    };
    let completed = phase == "Succeeded" || phase == "Failed";
    let not_ready: Vec<&str> = statuses
        .iter()
        .filter(|s| s["ready"] != json!(true))
        .filter_map(|s| s["name"].as_str())
        .collect();
    let (ready_reason, ready_message) = if completed {
        (Some("PodCompleted"), None)
    } else if all_ready {
        (None, None)
    } else {
        (
            Some("ContainersNotReady"),
            Some(format!(
                "containers with unready status: [{}]",
                not_ready.join(" ")
            )),
        )
    };
    let incomplete_init: Vec<&str> = init_statuses
        .iter()
        .filter(|s| meta::at(s, &["state", "terminated"]).is_none())
        .filter_map(|s| s["name"].as_str())
        .collect();
    let ready = all_ready && !completed;
    let conditions = vec![
        condition(
            &old,
            "PodReadyToStartContainers",
            !completed,
            None,
            None,
            &now_s,
        ),
        condition(
            &old,
            "Initialized",
            initialized,
            (!initialized).then_some("ContainersNotInitialized"),
            (!initialized).then(|| {
                format!(
                    "containers with incomplete status: [{}]",
                    incomplete_init.join(" ")
                )
            }),
            &now_s,
        ),
        condition(
            &old,
            "Ready",
            ready,
            ready_reason,
            ready_message.clone(),
            &now_s,
        ),
        condition(
            &old,
            "ContainersReady",
            ready,
            ready_reason,
            ready_message,
            &now_s,
        ),
        condition(&old, "PodScheduled", true, None, None, &now_s),
    ];
    // Pods on the host network share the node's address.
    let host_network =
        meta::at(pod, &["spec", "hostNetwork"]).and_then(Value::as_bool) == Some(true);
    let pod_ip = if host_network {
        host_ip(node)
    } else {
        pod_ip(pod, node)
    };
    let mut status = json!({
        "phase": phase,
        "conditions": conditions,
        "hostIP": host_ip(node),
        "hostIPs": [{"ip": host_ip(node)}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": rfc3339(start),
        "containerStatuses": statuses,
        "qosClass": qos_class(pod),
    });
    if !init_statuses.is_empty() {
        meta::set_at(
            &mut status,
            &["initContainerStatuses"],
            json!(init_statuses),
        );
    }
    Some(status)
}

/// The events that explain going from the `old` status to the `new` one.
pub fn transition_events(pod: &Value, old: &Value, new: &Value) -> Vec<EventSpec> {
    let node = meta::str_at(pod, &["spec", "nodeName"]);
    let mut out = Vec::new();
    let ev = |t: EventType, reason: &str, msg: String, c: &str| {
        EventSpec::new(pod, t, reason, msg, "kubelet")
            .field_path(c)
            .host(node)
    };
    let containers = |s: &Value, key: &str| -> Vec<Value> {
        s.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for (key, spec_key) in [
        ("initContainerStatuses", "initContainers"),
        ("containerStatuses", "containers"),
    ] {
        let old_list = containers(old, key);
        for n in containers(new, key) {
            let name = meta::str_at(&n, &["name"]);
            let image = meta::str_at(&n, &["image"]);
            let path = format!("spec.{spec_key}{{{name}}}");
            let o = old_list
                .iter()
                .find(|o| o["name"] == n["name"])
                .cloned()
                .unwrap_or(Value::Null);
            let in_state = |s: &Value, state: &str| meta::at(s, &["state", state]).is_some();
            let wait_reason =
                |s: &Value| meta::str_at(s, &["state", "waiting", "reason"]).to_string();
            let (o_wait, n_wait) = (wait_reason(&o), wait_reason(&n));
            let ran_before = meta::i64_at(&n, &["restartCount"]).unwrap_or(0) > 0;
            let began = (in_state(&n, "running") && !in_state(&o, "running"))
                || (in_state(&n, "terminated")
                    && !in_state(&o, "running")
                    && !in_state(&o, "terminated"));
            if o.is_null() && !n_wait.is_empty() && !image_is_missing(image) {
                out.push(ev(
                    EventType::Normal,
                    "Pulling",
                    format!("Pulling image \"{image}\""),
                    &path,
                ));
            }
            if began && !ran_before {
                out.push(ev(EventType::Normal, "Pulled", format!("Successfully pulled image \"{image}\" in 1.2s (1.2s including waiting). Image size: 52428800 bytes."), &path));
            } else if began {
                out.push(ev(
                    EventType::Normal,
                    "Pulled",
                    format!("Container image \"{image}\" already present on machine"),
                    &path,
                ));
            }
            if began {
                out.push(ev(
                    EventType::Normal,
                    "Created",
                    format!("Created container: {name}"),
                    &path,
                ));
                out.push(ev(
                    EventType::Normal,
                    "Started",
                    format!("Started container {name}"),
                    &path,
                ));
            }
            if n_wait == "CrashLoopBackOff" && o_wait != "CrashLoopBackOff" {
                out.push(ev(
                    EventType::Warning,
                    "BackOff",
                    format!(
                        "Back-off restarting failed container {name} in pod {}_{}({})",
                        meta::name(pod),
                        meta::namespace(pod),
                        meta::uid(pod)
                    ),
                    &path,
                ));
            }
            if n_wait == "ErrImagePull" && o_wait != "ErrImagePull" {
                out.push(ev(
                    EventType::Normal,
                    "Pulling",
                    format!("Pulling image \"{image}\""),
                    &path,
                ));
                let msg = meta::str_at(&n, &["state", "waiting", "message"]);
                out.push(ev(
                    EventType::Warning,
                    "Failed",
                    format!("Failed to pull image \"{image}\": {msg}"),
                    &path,
                ));
                out.push(ev(
                    EventType::Warning,
                    "Failed",
                    "Error: ErrImagePull".to_string(),
                    &path,
                ));
            }
            if n_wait == "ImagePullBackOff" && o_wait != "ImagePullBackOff" {
                out.push(ev(
                    EventType::Normal,
                    "BackOff",
                    format!("Back-off pulling image \"{image}\""),
                    &path,
                ));
                out.push(ev(
                    EventType::Warning,
                    "Failed",
                    "Error: ImagePullBackOff".to_string(),
                    &path,
                ));
            }
        }
    }
    out
}

/// One kubelet pass over one pod: its new status and the events, or `None` if unchanged.
pub fn reconcile(pod: &Value, node: &Value, now: Timestamp) -> Option<PodUpdate> {
    let status = desired_status(pod, node, now)?;
    let old = pod.get("status").cloned().unwrap_or_else(|| json!({}));
    if status == old {
        return None;
    }
    let events = transition_events(pod, &old, &status);
    Some(PodUpdate { status, events })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> Value {
        json!({"metadata": {"name": "node-1"}, "spec": {"podCIDR": "10.244.1.0/24"},
               "status": {"conditions": [{"type": "Ready", "status": "True"}],
                          "addresses": [{"type": "InternalIP", "address": "10.0.0.11"}]}})
    }

    fn pod(image: &str, extra: Value) -> Value {
        let mut p = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop", "uid": "uid-1", "annotations": {}},
            "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": image}]},
            "status": {"phase": "Pending", "startTime": "2026-11-27T17:00:00Z"},
        });
        if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                if k == "spec" || k == "metadata" {
                    if let (Some(dst), Some(src)) =
                        (p.get_mut(k).and_then(Value::as_object_mut), v.as_object())
                    {
                        dst.extend(src.clone());
                    }
                } else {
                    p.insert(k.clone(), v.clone());
                }
            }
        }
        p
    }

    fn after(secs: i64) -> Timestamp {
        let t0: Timestamp = "2026-11-27T17:00:00Z".parse().expect("ts");
        t0.saturating_add(SignedDuration::from_secs(secs))
            .expect("ts")
    }

    fn state_of(status: &Value) -> String {
        let s = &status["containerStatuses"][0]["state"];
        s.get("waiting")
            .and_then(|w| w.get("reason"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| s.get("running").map(|_| "Running".to_string()))
            .or_else(|| {
                s.pointer("/terminated/reason")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default()
    }

    #[test]
    fn pods_move_through_their_lives_as_the_clock_runs() {
        let crash = json!({"metadata": {"annotations": {CRASH_ANNOTATION: "true"}}});
        let job = json!({"spec": {"restartPolicy": "Never"}});
        let init = json!({"spec": {"initContainers": [{"name": "migrate", "image": "busybox"}]}});
        let cases = [
            (
                "a healthy pod is creating at first",
                pod("nginx", json!({})),
                1,
                "Pending",
                "ContainerCreating",
                false,
            ),
            (
                "a healthy pod runs after the pull",
                pod("nginx", json!({})),
                3,
                "Running",
                "Running",
                true,
            ),
            (
                "a missing image fails to pull",
                pod("x/does-not-exist:1", json!({})),
                3,
                "Pending",
                "ErrImagePull",
                false,
            ),
            (
                "a missing image then backs off",
                pod("x/does-not-exist:1", json!({})),
                6,
                "Pending",
                "ImagePullBackOff",
                false,
            ),
            (
                "a crashing pod runs at first",
                pod("app", crash.clone()),
                4,
                "Running",
                "Running",
                false,
            ),
            (
                "a crashing pod then backs off",
                pod("app", crash.clone()),
                10,
                "Running",
                "CrashLoopBackOff",
                false,
            ),
            (
                "a job pod runs",
                pod("busybox", job.clone()),
                4,
                "Running",
                "Running",
                true,
            ),
            (
                "a job pod completes",
                pod("busybox", job),
                8,
                "Succeeded",
                "Completed",
                false,
            ),
            (
                "an init container holds the pod",
                pod("nginx", init.clone()),
                3,
                "Pending",
                "PodInitializing",
                false,
            ),
            (
                "the pod runs once init is done",
                pod("nginx", init),
                5,
                "Running",
                "Running",
                true,
            ),
        ];
        for (case, p, secs, phase, state, ready) in cases {
            let status = desired_status(&p, &node(), after(secs)).expect(case);
            assert_eq!(status["phase"], phase, "{case}");
            assert_eq!(state_of(&status), state, "{case}");
            assert_eq!(status["containerStatuses"][0]["ready"], ready, "{case}");
        }
    }

    #[test]
    fn a_crashing_container_restarts_more_as_time_passes() {
        let p = pod(
            "app",
            json!({"metadata": {"annotations": {CRASH_ANNOTATION: "true"}}}),
        );
        let restarts = |secs| {
            desired_status(&p, &node(), after(secs)).expect("status")["containerStatuses"][0]["restartCount"]
                .as_i64()
                .unwrap_or(-1)
        };
        assert_eq!(restarts(5), 0);
        assert_eq!(restarts(10), 1);
        assert!(restarts(120) > restarts(30), "restarts rise over time");
        let status = desired_status(&p, &node(), after(120)).expect("status");
        assert_eq!(
            status["containerStatuses"][0]["lastState"]["terminated"]["exitCode"],
            1
        );
    }

    #[test]
    fn starting_a_pod_reports_pull_create_and_start_events() {
        let p = pod("nginx", json!({}));
        let u1 = reconcile(&p, &node(), after(0)).expect("accepted");
        let mut p2 = p.clone();
        meta::set_at(&mut p2, &["status"], u1.status);
        let u2 = reconcile(&p2, &node(), after(3)).expect("started");
        let reasons: Vec<&str> = u1
            .events
            .iter()
            .chain(&u2.events)
            .map(|e| e.reason.as_str())
            .collect();
        assert_eq!(reasons, ["Pulling", "Pulled", "Created", "Started"]);
        let mut p3 = p2.clone();
        meta::set_at(&mut p3, &["status"], u2.status);
        assert_eq!(
            reconcile(&p3, &node(), after(60)),
            None,
            "a running pod is left alone"
        );
    }

    #[test]
    fn a_crash_loop_reports_back_off_warnings() {
        let p = pod(
            "app",
            json!({"metadata": {"annotations": {CRASH_ANNOTATION: "true"}}}),
        );
        let mut current = p.clone();
        let mut reasons = Vec::new();
        for secs in [0, 3, 7, 17, 20, 40] {
            if let Some(u) = reconcile(&current, &node(), after(secs)) {
                reasons.extend(u.events.iter().map(|e| e.reason.clone()));
                meta::set_at(&mut current, &["status"], u.status);
            }
        }
        assert!(
            reasons.iter().filter(|r| *r == "BackOff").count() >= 2,
            "{reasons:?}"
        );
    }
}
