//! Node shells: a short-lived privileged pod on the node (host PID and network, `nsenter` into
//! PID 1's namespaces), made with the person's rights, and gone when the terminal closes.
//!
//! Nothing is left behind: the pod is owned by nothing, has `activeDeadlineSeconds` (the kubelet
//! ends it however Wheelhouse fares), and carries a heartbeat annotation its terminal renews; the
//! sweeper deletes node-shell pods whose heartbeat stopped (a console killed mid-session, a
//! dropped network), at start and periodically.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::{Calls, Failure, segment, value, within};

/// The label every node-shell pod carries (the sweeper's selector).
pub const LABEL: &str = "wheelhouse.dev/node-shell";
/// When the terminal last said it is alive (RFC 3339).
pub const HEARTBEAT: &str = "wheelhouse.dev/heartbeat";
/// How often a terminal renews its pod's heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(30);
/// A pod whose heartbeat is older than this is swept.
pub const STALE_AFTER: Duration = Duration::from_secs(120);
/// How long a node shell may live at most (the kubelet ends it then).
const DEADLINE_SECONDS: i64 = 4 * 60 * 60;
/// How long the pod may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// What a node shell's pod runs to reach the node: `command` in PID 1's namespaces.
pub fn enter<S: AsRef<str>>(command: &[S]) -> Vec<String> {
    ["nsenter", "-t", "1", "-m", "-u", "-i", "-n", "-p", "--"]
        .into_iter()
        .chain(command.iter().map(AsRef::as_ref))
        .map(String::from)
        .collect()
}

/// The pod of a node shell on `node` for `user`.
pub fn pod(node: &str, image: &str, user: &str, now: Timestamp) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "generateName": "wheelhouse-node-shell-",
            "labels": {LABEL: "true", "app.kubernetes.io/managed-by": "wheelhouse"},
            "annotations": {HEARTBEAT: now.to_string(), "wheelhouse.dev/opened-by": user, "wheelhouse.dev/node": node},
        },
        "spec": {
            "nodeName": node,
            "hostPID": true,
            "hostNetwork": true,
            "hostIPC": true,
            "restartPolicy": "Never",
            "activeDeadlineSeconds": DEADLINE_SECONDS,
            "terminationGracePeriodSeconds": 0,
            "automountServiceAccountToken": false,
            "tolerations": [{"operator": "Exists"}],
            "containers": [{
                "name": "shell",
                "image": image,
                "command": ["sleep", DEADLINE_SECONDS.to_string()],
                "securityContext": {"privileged": true},
                "stdin": true,
                "tty": true,
            }],
        },
    })
}

impl Calls {
    /// Creates a node shell's pod in `namespace` and waits until it runs; its name. A pod that
    /// cannot start is deleted again, and the failure says why (the API server's refusal, such
    /// as a Pod Security level that forbids privileged pods, or the pod's own state).
    pub async fn start_node_shell(
        &self,
        namespace: &str,
        node: &str,
        image: &str,
        user: &str,
    ) -> Result<String, Failure> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        let manifest: Pod = serde_json::from_value(pod(node, image, user, Timestamp::now()))
            .map_err(|e| Failure {
                code: 500,
                reason: "InternalError".into(),
                message: format!("the node shell's pod cannot be written: {e}"),
                causes: Vec::new(),
            })?;
        let created = within(api.create(&PostParams::default(), &manifest)).await?;
        let name = created.metadata.name.clone().unwrap_or_default();
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            let current = within(api.get(&name)).await?;
            let status = current.status.unwrap_or_default();
            match status.phase.as_deref() {
                Some("Running") => return Ok(name),
                Some("Failed" | "Succeeded") => {
                    let _ = self.delete_node_shell(namespace, &name).await;
                    return Err(Failure {
                        code: 500,
                        reason: "NodeShellFailed".into(),
                        message: format!(
                            "the node shell's pod {namespace}/{name} ended before it ran: {}",
                            status.message.or(status.reason).unwrap_or_default()
                        ),
                        causes: Vec::new(),
                    });
                }
                _ => {}
            }
            if tokio::time::Instant::now() > deadline {
                let _ = self.delete_node_shell(namespace, &name).await;
                return Err(Failure {
                    code: 504,
                    reason: "NodeShellTimeout".into(),
                    message: format!(
                        "the node shell's pod {namespace}/{name} did not run within {} seconds (image {image} on {node})",
                        START_TIMEOUT.as_secs()
                    ),
                    causes: Vec::new(),
                });
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Renews the heartbeat of a node shell's pod.
    pub async fn node_shell_alive(&self, namespace: &str, name: &str) -> Result<(), Failure> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        let patch = json!({"metadata": {"annotations": {HEARTBEAT: Timestamp::now().to_string()}}});
        within(api.patch(
            &segment(name),
            &PatchParams::default(),
            &Patch::Merge(&patch),
        ))
        .await?;
        Ok(())
    }

    /// Deletes a node shell's pod at once (no grace: nothing in it needs to finish).
    pub async fn delete_node_shell(&self, namespace: &str, name: &str) -> Result<(), Failure> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        let params = DeleteParams {
            grace_period_seconds: Some(0),
            ..DeleteParams::default()
        };
        match within(api.delete(&segment(name), &params)).await {
            Ok(_) => Ok(()),
            Err(failure) if failure.code == 404 => Ok(()),
            Err(failure) => Err(failure),
        }
    }

    /// Deletes the node-shell pods in `namespace` whose heartbeat is older than `stale` at
    /// `now` (or missing); the names deleted.
    pub async fn sweep_node_shells(
        &self,
        namespace: &str,
        stale: Duration,
        now: Timestamp,
    ) -> Result<Vec<String>, Failure> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        let pods =
            within(api.list(&ListParams::default().labels(&format!("{LABEL}=true")))).await?;
        let mut swept = Vec::new();
        for pod in pods.items {
            let pod = value(pod)?;
            let name = pod["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let heartbeat = pod["metadata"]["annotations"][HEARTBEAT]
                .as_str()
                .and_then(|text| text.parse::<Timestamp>().ok());
            let alive = heartbeat.is_some_and(|at| {
                now.as_second() - at.as_second()
                    <= i64::try_from(stale.as_secs()).unwrap_or(i64::MAX)
            });
            if !alive && !name.is_empty() {
                self.delete_node_shell(namespace, &name).await?;
                swept.push(name);
            }
        }
        Ok(swept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pod_is_privileged_on_its_node_owned_by_nothing_and_ends_by_itself() {
        let now: Timestamp = "2026-12-07T00:00:00Z".parse().expect("time");
        let pod = pod("worker-1", "busybox:1.37", "alice", now);
        assert_eq!(pod["spec"]["nodeName"], "worker-1");
        assert_eq!(pod["spec"]["hostPID"], true);
        assert_eq!(
            pod["spec"]["containers"][0]["securityContext"]["privileged"],
            true
        );
        assert!(
            pod["spec"]["activeDeadlineSeconds"]
                .as_i64()
                .is_some_and(|s| s > 0)
        );
        assert!(pod["metadata"].get("ownerReferences").is_none());
        assert_eq!(pod["metadata"]["labels"][LABEL], "true");
        assert_eq!(
            pod["metadata"]["annotations"][HEARTBEAT],
            "2026-12-07T00:00:00Z"
        );
        assert_eq!(
            enter(&["cat", "/etc/hostname"])[9..],
            ["cat".to_string(), "/etc/hostname".to_string()]
        );
    }
}
