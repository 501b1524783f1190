//! A release's manifest: the objects it made, and the URLs that reach them.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

/// One object a manifest declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestObject {
    pub api_version: String,
    pub kind: String,
    /// As written; the release's namespace applies to namespaced kinds without one.
    pub namespace: Option<String>,
    pub name: String,
}

impl ManifestObject {
    /// `(group, version)` of the object's apiVersion.
    pub fn group_version(&self) -> (&str, &str) {
        match self.api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", self.api_version.as_str()),
        }
    }
}

/// The objects of a multi-document manifest, in order; documents without kind or name (empty
/// ones, comments only) are skipped, and so are documents that are not YAML.
pub fn objects(manifest: &str) -> Vec<ManifestObject> {
    let mut objects = Vec::new();
    // A release record anyone who may write Secrets in the namespace could have written: read
    // within a budget.
    for document in wheelhouse_model::yaml::documents(manifest) {
        let Ok(value) = document else {
            continue;
        };
        let text = |pointer: &str| {
            value
                .pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (Some(api_version), Some(kind), Some(name)) =
            (text("/apiVersion"), text("/kind"), text("/metadata/name"))
        else {
            continue;
        };
        objects.push(ManifestObject {
            api_version,
            kind,
            namespace: text("/metadata/namespace").filter(|n| !n.is_empty()),
            name,
        });
    }
    objects
}

/// A URL where a release's app answers, and what provides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccessUrl {
    pub url: String,
    /// `Ingress shop/web`, `Service shop/web (LoadBalancer)`, `Service shop/web (NodePort)`.
    pub source: String,
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn array_at<'a>(value: &'a Value, pointer: &str) -> &'a [Value] {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn with_port(scheme: &str, host: &str, port: i64) -> String {
    let default = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    if default {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}:{port}")
    }
}

/// The URLs of live objects (as the API server returns them): Ingress hosts and paths (https
/// when the host is in the Ingress's TLS), LoadBalancer addresses with each port, and NodePorts on
/// `node_address` (a node's address, when one is known).
pub fn access_urls(objects: &[Value], node_address: Option<&str>) -> Vec<AccessUrl> {
    let mut urls = Vec::new();
    for object in objects {
        let namespace = str_at(object, "/metadata/namespace").unwrap_or_default();
        let name = str_at(object, "/metadata/name").unwrap_or_default();
        match str_at(object, "/kind") {
            Some("Ingress") => {
                let tls_hosts: Vec<&str> = array_at(object, "/spec/tls")
                    .iter()
                    .flat_map(|t| array_at(t, "/hosts"))
                    .filter_map(Value::as_str)
                    .collect();
                let source = format!("Ingress {namespace}/{name}");
                for rule in array_at(object, "/spec/rules") {
                    let Some(host) = str_at(rule, "/host").filter(|h| !h.is_empty()) else {
                        continue;
                    };
                    let scheme = if tls_hosts.contains(&host) {
                        "https"
                    } else {
                        "http"
                    };
                    let paths = array_at(rule, "/http/paths");
                    let mut seen = false;
                    for path in paths {
                        let path = str_at(path, "/path").unwrap_or("/");
                        let path = if path.starts_with('/') {
                            path.to_string()
                        } else {
                            format!("/{path}")
                        };
                        let url = format!("{scheme}://{host}{path}");
                        let url = url.strip_suffix('/').map_or(url.clone(), str::to_string);
                        push_unique(&mut urls, url, &source);
                        seen = true;
                    }
                    if !seen {
                        push_unique(&mut urls, format!("{scheme}://{host}"), &source);
                    }
                }
            }
            Some("Service") => {
                let kind = str_at(object, "/spec/type").unwrap_or("ClusterIP");
                let ports = array_at(object, "/spec/ports");
                if kind == "LoadBalancer" {
                    let source = format!("Service {namespace}/{name} (LoadBalancer)");
                    for ingress in array_at(object, "/status/loadBalancer/ingress") {
                        let Some(address) = str_at(ingress, "/hostname")
                            .or_else(|| str_at(ingress, "/ip"))
                            .filter(|a| !a.is_empty())
                        else {
                            continue;
                        };
                        for port in ports {
                            let number = port.get("port").and_then(Value::as_i64).unwrap_or(80);
                            let scheme = scheme_of(port, number);
                            push_unique(&mut urls, with_port(scheme, address, number), &source);
                        }
                    }
                }
                if matches!(kind, "NodePort" | "LoadBalancer")
                    && let Some(address) = node_address
                {
                    let source = format!("Service {namespace}/{name} (NodePort)");
                    for port in ports {
                        let Some(node_port) = port.get("nodePort").and_then(Value::as_i64) else {
                            continue;
                        };
                        let number = port.get("port").and_then(Value::as_i64).unwrap_or(80);
                        let scheme = scheme_of(port, number);
                        push_unique(&mut urls, with_port(scheme, address, node_port), &source);
                    }
                }
            }
            _ => {}
        }
    }
    urls
}

/// https for ports named or numbered so, else http.
fn scheme_of(port: &Value, number: i64) -> &'static str {
    let name = port.get("name").and_then(Value::as_str).unwrap_or_default();
    if number == 443 || name == "https" || name.starts_with("https-") {
        "https"
    } else {
        "http"
    }
}

fn push_unique(urls: &mut Vec<AccessUrl>, url: String, source: &str) {
    if !urls.iter().any(|u| u.url == url) {
        urls.push(AccessUrl {
            url,
            source: source.to_string(),
        });
    }
}

/// A node's address for NodePorts: its ExternalIP, else its InternalIP, else its hostname.
pub fn node_address(node: &Value) -> Option<String> {
    let addresses = array_at(node, "/status/addresses");
    ["ExternalIP", "InternalIP", "Hostname"]
        .iter()
        .find_map(|wanted| {
            addresses
                .iter()
                .find(|a| str_at(a, "/type") == Some(wanted))
                .and_then(|a| str_at(a, "/address"))
        })
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_manifest_lists_its_objects_and_skips_empty_documents() {
        let manifest = "---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello-msg\ndata: {}\n---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n";
        let objects = objects(manifest);
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].kind, "ConfigMap");
        assert_eq!(objects[0].group_version(), ("", "v1"));
        assert_eq!(objects[0].namespace, None);
        assert_eq!(objects[1].group_version(), ("apps", "v1"));
        assert_eq!(objects[1].namespace.as_deref(), Some("shop"));
    }

    #[test]
    fn ingress_hosts_load_balancers_and_node_ports_become_urls() {
        let ingress = json!({"kind": "Ingress", "metadata": {"namespace": "shop", "name": "web"},
            "spec": {"tls": [{"hosts": ["secure.example"]}], "rules": [
                {"host": "shop.example", "http": {"paths": [{"path": "/"}, {"path": "/api"}]}},
                {"host": "secure.example"},
                {"http": {"paths": [{"path": "/"}]}}]}});
        let lb = json!({"kind": "Service", "metadata": {"namespace": "shop", "name": "lb"},
            "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "nodePort": 30080}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}});
        let np = json!({"kind": "Service", "metadata": {"namespace": "shop", "name": "np"},
            "spec": {"type": "NodePort", "ports": [{"name": "https", "port": 8443, "nodePort": 31443}]}});
        let internal = json!({"kind": "Service", "metadata": {"namespace": "shop", "name": "db"},
            "spec": {"type": "ClusterIP", "ports": [{"port": 5432}]}});
        let urls = access_urls(&[ingress, lb, np, internal], Some("10.0.0.5"));
        let pairs: Vec<(&str, &str)> = urls
            .iter()
            .map(|u| (u.url.as_str(), u.source.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("http://shop.example", "Ingress shop/web"),
                ("http://shop.example/api", "Ingress shop/web"),
                ("https://secure.example", "Ingress shop/web"),
                ("http://203.0.113.7", "Service shop/lb (LoadBalancer)"),
                ("http://10.0.0.5:30080", "Service shop/lb (NodePort)"),
                ("https://10.0.0.5:31443", "Service shop/np (NodePort)"),
            ]
        );
        assert!(access_urls(&[json!({"kind": "Service", "spec": {"type": "NodePort", "ports": [{"port": 1, "nodePort": 30001}]}})], None).is_empty());
    }

    #[test]
    fn a_node_address_prefers_the_external_ip() {
        let node = json!({"status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.5"}, {"type": "ExternalIP", "address": "198.51.100.1"}]}});
        assert_eq!(node_address(&node).as_deref(), Some("198.51.100.1"));
        assert_eq!(node_address(&json!({})), None);
    }
}
