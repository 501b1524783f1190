//! A TCP stream to a port of a pod: the API server's `pods/portforward` over WebSocket (kube's
//! `Api::<Pod>::portforward`), as the person; a Service's port is first resolved to a ready pod
//! behind it and the container port its `targetPort` names, as `kubectl port-forward svc/…`
//! does (the person's `get services` and `list pods`).
//!
//! Each call resolves anew, so a caller that opens one stream per connection follows a Service
//! to the pod that replaced the one it reached before.

use std::pin::Pin;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::Api;
use kube::api::ListParams;
use tokio::io::DuplexStream;

use super::{Calls, Failure, segment, within};

/// The most pods of a Service read to pick one from.
const MAX_PODS: u32 = 500;

/// What is forwarded to: a pod, or a Service (and through it, one ready pod behind it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardTarget {
    Pod(String),
    Service(String),
}

impl ForwardTarget {
    /// How a person writes it: `pod/web-1`, `service/web`.
    pub fn describe(&self, namespace: &str) -> String {
        match self {
            Self::Pod(name) => format!("{namespace}/pod/{name}"),
            Self::Service(name) => format!("{namespace}/service/{name}"),
        }
    }
}

/// A port by number or by name (a container port's name for a pod, a Service port's name for a
/// Service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemotePort {
    Number(u16),
    Name(String),
}

impl RemotePort {
    /// `8080` is a number, anything else a name; `0` is neither.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        match text.parse::<u16>() {
            Ok(0) => None,
            Ok(number) => Some(Self::Number(number)),
            Err(_) if !text.is_empty() && text.len() <= 63 => Some(Self::Name(text.to_string())),
            Err(_) => None,
        }
    }
}

impl std::fmt::Display for RemotePort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(number) => write!(f, "{number}"),
            Self::Name(name) => f.write_str(name),
        }
    }
}

/// An open stream to a pod's port.
pub struct Forwarded {
    /// The pod reached.
    pub pod: String,
    /// The container port reached.
    pub port: u16,
    /// The bytes to and from the port.
    pub stream: DuplexStream,
    /// Resolves with what the kubelet said on the port's error channel (the port cannot be
    /// used), or `None` when the connection ended without a word.
    pub error: Pin<Box<dyn Future<Output = Option<String>> + Send>>,
    forwarder: kube::api::Portforwarder,
}

impl Forwarded {
    /// Ends the connection to the API server.
    pub fn abort(&self) {
        self.forwarder.abort();
    }
}

impl Drop for Forwarded {
    fn drop(&mut self) {
        self.forwarder.abort();
    }
}

impl Calls {
    /// Resolves the target to a pod and a container port, then opens a stream to it.
    pub async fn port_forward(
        &self,
        namespace: &str,
        target: &ForwardTarget,
        port: &RemotePort,
    ) -> Result<Forwarded, Failure> {
        let (pod, number) = self.resolve_forward(namespace, target, port).await?;
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        let mut forwarder = within(api.portforward(&segment(&pod), &[number]))
            .await
            .map_err(|failure| {
                if failure.code == 503 && failure.reason == "Unavailable" {
                    Failure::unavailable(format!(
                        "cannot open a port-forward to {namespace}/{pod}: {}",
                        failure.message
                    ))
                } else {
                    failure
                }
            })?;
        let stream = forwarder.take_stream(number).ok_or_else(|| {
            Failure::unavailable("the port-forward opened without its port".into())
        })?;
        let error = forwarder.take_error(number).ok_or_else(|| {
            Failure::unavailable("the port-forward opened without its port".into())
        })?;
        Ok(Forwarded {
            pod,
            port: number,
            stream,
            error: Box::pin(error),
            forwarder,
        })
    }

    /// The pod and container port a target's port is, now.
    pub async fn resolve_forward(
        &self,
        namespace: &str,
        target: &ForwardTarget,
        port: &RemotePort,
    ) -> Result<(String, u16), Failure> {
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        match target {
            ForwardTarget::Pod(name) => match port {
                RemotePort::Number(number) => Ok((name.clone(), *number)),
                RemotePort::Name(port_name) => {
                    let pod = within(pods.get(&segment(name))).await?;
                    let number = container_port(&pod, port_name).ok_or_else(|| {
                        not_found(format!(
                            "the pod {namespace}/{name} has no container port named {port_name:?}"
                        ))
                    })?;
                    Ok((name.clone(), number))
                }
            },
            ForwardTarget::Service(name) => {
                let services: Api<Service> =
                    Api::namespaced(self.client.clone(), &segment(namespace));
                let service = within(services.get(&segment(name))).await?;
                let selector = selector(&service).ok_or_else(|| Failure {
                    code: 400,
                    reason: "BadRequest".into(),
                    message: format!(
                        "the service {namespace}/{name} has no selector, so no pod is behind it to forward to"
                    ),
                    causes: Vec::new(),
                })?;
                let listed =
                    within(pods.list(&ListParams::default().labels(&selector).limit(MAX_PODS)))
                        .await?;
                pick(&service, &listed.items, port).map_err(|why| Failure {
                    code: 503,
                    reason: "ServiceUnavailable".into(),
                    message: format!("cannot forward to the service {namespace}/{name}: {why}"),
                    causes: Vec::new(),
                })
            }
        }
    }
}

fn not_found(message: String) -> Failure {
    Failure {
        code: 404,
        reason: "NotFound".into(),
        message,
        causes: Vec::new(),
    }
}

/// A Service's selector as a label selector, `None` when it selects nothing.
fn selector(service: &Service) -> Option<String> {
    let selector = service.spec.as_ref()?.selector.as_ref()?;
    if selector.is_empty() {
        return None;
    }
    Some(
        selector
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// The number of the container port named `name`.
fn container_port(pod: &Pod, name: &str) -> Option<u16> {
    pod.spec
        .as_ref()?
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(name))
        .and_then(|p| u16::try_from(p.container_port).ok())
}

/// Whether a pod can take a connection: running, ready and not being deleted.
fn serving(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    pod.metadata.deletion_timestamp.is_none()
        && status.and_then(|s| s.phase.as_deref()) == Some("Running")
        && status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// The pod behind a Service that a connection to its `port` goes to, and the container port:
/// a serving pod (the oldest, then by name, so the choice is stable while it serves), the
/// Service port by number or name, its `targetPort` as a number, a container port's name, or
/// the port itself.
fn pick(service: &Service, pods: &[Pod], port: &RemotePort) -> Result<(String, u16), String> {
    let ports = service
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_ref())
        .cloned()
        .unwrap_or_default();
    let service_port = ports
        .iter()
        .find(|p| match port {
            RemotePort::Number(number) => p.port == i32::from(*number),
            RemotePort::Name(name) => p.name.as_deref() == Some(name.as_str()),
        })
        .ok_or_else(|| {
            let known: Vec<String> = ports
                .iter()
                .map(|p| match &p.name {
                    Some(name) if !name.is_empty() => format!("{} ({name})", p.port),
                    _ => p.port.to_string(),
                })
                .collect();
            format!("it has no port {port} (its ports: {})", known.join(", "))
        })?;
    let mut candidates: Vec<&Pod> = pods.iter().filter(|p| serving(p)).collect();
    candidates.sort_by(|a, b| {
        (
            a.metadata.creation_timestamp.as_ref().map(|t| t.0),
            &a.metadata.name,
        )
            .cmp(&(
                b.metadata.creation_timestamp.as_ref().map(|t| t.0),
                &b.metadata.name,
            ))
    });
    let pod = candidates
        .first()
        .ok_or_else(|| format!("no ready pod is behind it ({} selected)", pods.len()))?;
    let name = pod.metadata.name.clone().unwrap_or_default();
    let number = match &service_port.target_port {
        Some(IntOrString::Int(number)) => u16::try_from(*number).ok(),
        Some(IntOrString::String(target)) => container_port(pod, target),
        None => u16::try_from(service_port.port).ok(),
    }
    .ok_or_else(|| {
        format!(
            "the pod {name} has no container port for the service's port {}",
            service_port.port
        )
    })?;
    Ok((name, number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(ports: serde_json::Value) -> Service {
        serde_json::from_value(json!({"metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": ports}}))
        .expect("service")
    }

    fn pod(name: &str, created: &str, ready: bool) -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name, "creationTimestamp": created},
            "spec": {"containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080}]}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}
        }))
        .expect("pod")
    }

    #[test]
    fn a_remote_port_is_a_number_or_a_name_never_zero() {
        assert_eq!(RemotePort::parse("80"), Some(RemotePort::Number(80)));
        assert_eq!(
            RemotePort::parse("http"),
            Some(RemotePort::Name("http".into()))
        );
        assert_eq!(RemotePort::parse("0"), None);
        assert_eq!(RemotePort::parse(""), None);
    }

    #[test]
    fn a_service_port_goes_to_the_oldest_ready_pod_and_its_target_port() {
        let svc = service(json!([{"name": "web", "port": 80, "targetPort": "http"}]));
        let pods = [
            pod("web-new", "2026-12-07T02:00:00Z", true),
            pod("web-old", "2026-12-07T01:00:00Z", true),
            pod("web-starting", "2026-12-07T00:00:00Z", false),
        ];
        assert_eq!(
            pick(&svc, &pods, &RemotePort::Number(80)),
            Ok(("web-old".into(), 8080))
        );
        assert_eq!(
            pick(&svc, &pods, &RemotePort::Name("web".into())),
            Ok(("web-old".into(), 8080))
        );
        let numbered = service(json!([{"port": 80, "targetPort": 9090}]));
        assert_eq!(
            pick(&numbered, &pods, &RemotePort::Number(80)),
            Ok(("web-old".into(), 9090))
        );
        let same = service(json!([{"port": 8080}]));
        assert_eq!(
            pick(&same, &pods, &RemotePort::Number(8080)),
            Ok(("web-old".into(), 8080))
        );
    }

    #[test]
    fn a_service_without_the_port_or_a_ready_pod_says_so() {
        let svc = service(json!([{"name": "web", "port": 80}]));
        let missing = pick(
            &svc,
            &[pod("a", "2026-12-07T00:00:00Z", true)],
            &RemotePort::Number(81),
        )
        .expect_err("no such port");
        assert!(
            missing.contains("no port 81 (its ports: 80 (web))"),
            "{missing}"
        );
        let none = pick(
            &svc,
            &[pod("a", "2026-12-07T00:00:00Z", false)],
            &RemotePort::Number(80),
        )
        .expect_err("nothing ready");
        assert!(none.contains("no ready pod"), "{none}");
    }
}
