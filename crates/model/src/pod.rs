//! Derives a pod's status as `kubectl get pods` prints it in the STATUS column.
//!
//! Follows `printPod` in kubectl's printers: the phase, overridden by the pod's reason, by the
//! first init container that has not finished, then by the last container that is waiting or
//! terminated, and finally by `Terminating` while the pod is being deleted.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodStatus};

/// The reason the node controller sets on pods of a node that stopped answering.
const NODE_UNREACHABLE_POD_REASON: &str = "NodeLost";

/// The pod's phase (`Running`, `Pending`, `Succeeded`, `Failed`, `Unknown`); a pod without one is `Unknown`.
/// One of the five phases a pod can be in, `Unknown` for any other word.
pub fn known_phase(phase: &str) -> &'static str {
    match phase {
        "Running" => "Running",
        "Pending" => "Pending",
        "Succeeded" => "Succeeded",
        "Failed" => "Failed",
        _ => "Unknown",
    }
}

pub fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|status| status.phase.as_deref())
        .filter(|phase| !phase.is_empty())
        .unwrap_or("Unknown")
}

/// The STATUS column of `kubectl get pods`: `Running`, `CrashLoopBackOff`, `Init:0/2`, `Completed`…
pub fn status_reason(pod: &Pod) -> String {
    let empty = PodStatus::default();
    let status = pod.status.as_ref().unwrap_or(&empty);
    let mut reason = status
        .reason
        .clone()
        .filter(|reason| !reason.is_empty())
        .unwrap_or_else(|| phase(pod).to_string());

    let init_statuses = status
        .init_container_statuses
        .as_deref()
        .unwrap_or_default();
    let init_count = pod
        .spec
        .as_ref()
        .map_or(0, |spec| spec.init_containers.as_ref().map_or(0, Vec::len));
    let mut initializing = false;
    for (index, container) in init_statuses.iter().enumerate() {
        let state = container.state.clone().unwrap_or_default();
        if let Some(terminated) = &state.terminated {
            if terminated.exit_code == 0 {
                continue;
            }
            reason = match terminated.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ if terminated.signal.unwrap_or(0) != 0 => {
                    format!("Init:Signal:{}", terminated.signal.unwrap_or(0))
                }
                _ => format!("Init:ExitCode:{}", terminated.exit_code),
            };
        } else if container.started == Some(true)
            && is_restartable_init_container(pod, &container.name)
        {
            // A sidecar (restartable init container) that started does not hold the pod back.
            continue;
        } else if let Some(waiting) = state.waiting.as_ref().and_then(|w| w.reason.as_deref())
            && !waiting.is_empty()
            && waiting != "PodInitializing"
        {
            reason = format!("Init:{waiting}");
        } else {
            reason = format!("Init:{index}/{init_count}");
        }
        initializing = true;
        break;
    }

    if !initializing || has_condition(status, "Initialized") {
        let mut has_running = false;
        for container in status
            .container_statuses
            .as_deref()
            .unwrap_or_default()
            .iter()
            .rev()
        {
            if let Some(container_reason) = container_reason(container) {
                reason = container_reason;
            } else if container.ready
                && container
                    .state
                    .as_ref()
                    .is_some_and(|s| s.running.is_some())
            {
                has_running = true;
            }
        }
        // A container still running after another completed keeps the pod Running (or NotReady).
        if reason == "Completed" && has_running {
            reason = if has_condition(status, "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .to_string();
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        reason = if status.reason.as_deref() == Some(NODE_UNREACHABLE_POD_REASON) {
            "Unknown".to_string()
        } else {
            "Terminating".to_string()
        };
    }
    reason
}

/// Whether a person should look at this pod: anything but running, completed or being deleted.
pub fn is_problem(reason: &str) -> bool {
    !matches!(
        reason,
        "Running" | "Completed" | "Succeeded" | "Terminating"
    )
}

fn container_reason(container: &ContainerStatus) -> Option<String> {
    let state = container.state.as_ref()?;
    if let Some(reason) = state.waiting.as_ref().and_then(|w| w.reason.as_deref())
        && !reason.is_empty()
    {
        return Some(reason.to_string());
    }
    let terminated = state.terminated.as_ref()?;
    Some(match terminated.reason.as_deref() {
        Some(reason) if !reason.is_empty() => reason.to_string(),
        _ if terminated.signal.unwrap_or(0) != 0 => {
            format!("Signal:{}", terminated.signal.unwrap_or(0))
        }
        _ => format!("ExitCode:{}", terminated.exit_code),
    })
}

fn has_condition(status: &PodStatus, type_: &str) -> bool {
    status
        .conditions
        .iter()
        .flatten()
        .any(|condition| condition.type_ == type_ && condition.status == "True")
}

fn is_restartable_init_container(pod: &Pod, name: &str) -> bool {
    pod.spec
        .as_ref()
        .and_then(|spec| spec.init_containers.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.name == name && c.restart_policy.as_deref() == Some("Always"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{
        Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
        ContainerStateWaiting, PodCondition, PodSpec,
    };
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};

    pub(crate) fn waiting(reason: &str) -> ContainerState {
        ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some(reason.into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    pub(crate) fn terminated(reason: Option<&str>, exit_code: i32) -> ContainerState {
        ContainerState {
            terminated: Some(ContainerStateTerminated {
                reason: reason.map(Into::into),
                exit_code,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    pub(crate) fn running() -> ContainerState {
        ContainerState {
            running: Some(ContainerStateRunning::default()),
            ..Default::default()
        }
    }

    pub(crate) fn container(name: &str, state: ContainerState, ready: bool) -> ContainerStatus {
        ContainerStatus {
            name: name.into(),
            state: Some(state),
            ready,
            ..Default::default()
        }
    }

    /// A pod in `namespace/name` with a phase and the given container statuses.
    pub(crate) fn pod(
        namespace: &str,
        name: &str,
        phase: &str,
        containers: Vec<ContainerStatus>,
    ) -> Pod {
        Pod {
            metadata: ObjectMeta {
                namespace: Some(namespace.into()),
                name: Some(name.into()),
                ..Default::default()
            },
            spec: Some(PodSpec::default()),
            status: Some(PodStatus {
                phase: Some(phase.into()),
                container_statuses: Some(containers),
                ..Default::default()
            }),
        }
    }

    fn with_init(mut pod: Pod, init: Vec<ContainerStatus>) -> Pod {
        let spec = pod.spec.get_or_insert_with(Default::default);
        spec.init_containers = Some(
            init.iter()
                .map(|c| Container {
                    name: c.name.clone(),
                    ..Default::default()
                })
                .collect(),
        );
        pod.status
            .get_or_insert_with(Default::default)
            .init_container_statuses = Some(init);
        pod
    }

    #[test]
    fn status_reason_reads_like_kubectl_get_pods() {
        let mut ready_condition = pod(
            "d",
            "p",
            "Running",
            vec![
                container("a", running(), true),
                container("b", terminated(Some("Completed"), 0), false),
            ],
        );
        if let Some(status) = ready_condition.status.as_mut() {
            status.conditions = Some(vec![PodCondition {
                type_: "Ready".into(),
                status: "True".into(),
                ..Default::default()
            }]);
        }
        let mut deleting = pod("d", "p", "Running", vec![container("a", running(), true)]);
        deleting.metadata.deletion_timestamp = Some(Time(jiff::Timestamp::UNIX_EPOCH));
        let mut evicted = pod("d", "p", "Failed", vec![]);
        if let Some(status) = evicted.status.as_mut() {
            status.reason = Some("Evicted".into());
        }

        let cases = [
            (
                "a running pod is Running",
                pod("d", "p", "Running", vec![container("a", running(), true)]),
                "Running",
            ),
            (
                "a container restarting after crashes shows CrashLoopBackOff",
                pod(
                    "d",
                    "p",
                    "Running",
                    vec![container("a", waiting("CrashLoopBackOff"), false)],
                ),
                "CrashLoopBackOff",
            ),
            (
                "an image that cannot be pulled shows ImagePullBackOff",
                pod(
                    "d",
                    "p",
                    "Pending",
                    vec![container("a", waiting("ImagePullBackOff"), false)],
                ),
                "ImagePullBackOff",
            ),
            (
                "a failing first pull shows ErrImagePull",
                pod(
                    "d",
                    "p",
                    "Pending",
                    vec![container("a", waiting("ErrImagePull"), false)],
                ),
                "ErrImagePull",
            ),
            (
                "an unscheduled pod without containers is Pending",
                pod("d", "p", "Pending", vec![]),
                "Pending",
            ),
            (
                "a container that exited with an error shows Error",
                pod(
                    "d",
                    "p",
                    "Failed",
                    vec![container("a", terminated(Some("Error"), 1), false)],
                ),
                "Error",
            ),
            (
                "a finished job pod shows Completed",
                pod(
                    "d",
                    "p",
                    "Succeeded",
                    vec![container("a", terminated(Some("Completed"), 0), false)],
                ),
                "Completed",
            ),
            (
                "a termination without reason shows its exit code",
                pod(
                    "d",
                    "p",
                    "Failed",
                    vec![container("a", terminated(None, 137), false)],
                ),
                "ExitCode:137",
            ),
            (
                "the first listed container's reason wins when several have one",
                pod(
                    "d",
                    "p",
                    "Running",
                    vec![
                        container("a", waiting("ImagePullBackOff"), false),
                        container("b", waiting("CrashLoopBackOff"), false),
                    ],
                ),
                "ImagePullBackOff",
            ),
            (
                "a completed sidecar next to a ready container keeps the pod Running",
                ready_condition,
                "Running",
            ),
            (
                "a pod being deleted is Terminating",
                deleting,
                "Terminating",
            ),
            (
                "the pod's own reason replaces its phase",
                evicted,
                "Evicted",
            ),
            (
                "an init container still running shows how many of them finished",
                with_init(
                    pod("d", "p", "Pending", vec![]),
                    vec![
                        container("init", terminated(Some("Completed"), 0), false),
                        container("init2", running(), false),
                    ],
                ),
                "Init:1/2",
            ),
            (
                "a crashing init container shows Init:CrashLoopBackOff",
                with_init(
                    pod("d", "p", "Pending", vec![]),
                    vec![container("init", waiting("CrashLoopBackOff"), false)],
                ),
                "Init:CrashLoopBackOff",
            ),
            (
                "a failed init container shows Init:Error",
                with_init(
                    pod("d", "p", "Pending", vec![]),
                    vec![container("init", terminated(Some("Error"), 1), false)],
                ),
                "Init:Error",
            ),
        ];
        for (name, pod, expected) in cases {
            assert_eq!(status_reason(&pod), expected, "{name}");
        }
    }

    #[test]
    fn only_pods_needing_attention_are_problems() {
        let cases = [
            ("Running", false),
            ("Completed", false),
            ("Succeeded", false),
            ("Terminating", false),
            ("Pending", true),
            ("CrashLoopBackOff", true),
            ("Error", true),
            ("Init:0/1", true),
            ("Unknown", true),
        ];
        for (reason, expected) in cases {
            assert_eq!(
                is_problem(reason),
                expected,
                "{reason} should be a problem: {expected}"
            );
        }
    }

    #[test]
    fn a_pod_without_phase_is_unknown() {
        assert_eq!(phase(&Pod::default()), "Unknown");
    }
}
