//! Plays the endpoints controller: for each Service with a selector, an Endpoints object
//! listing the IPs of matching pods (ready ones as addresses, others as notReadyAddresses),
//! with ports resolved from the Service's targetPorts.

use serde_json::{Map, Value, json};

use super::action::{Action, gr};
use super::meta;
use super::workloads::pod_ready;

fn target_port(svc_port: &Value, pod: &Value) -> Option<i64> {
    match svc_port.get("targetPort") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(name)) => meta::at(pod, &["spec", "containers"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|c| {
                c.get("ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|p| p.get("containerPort"))
            .and_then(Value::as_i64),
        _ => svc_port.get("port").and_then(Value::as_i64),
    }
}

/// The `subsets` an Endpoints object should have for a Service and the pods of its namespace.
pub fn subsets(svc: &Value, pods: &[&Value]) -> Value {
    let selector: Map<String, Value> = meta::at(svc, &["spec", "selector"])
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut ready = Vec::new();
    let mut not_ready = Vec::new();
    let mut ports = Vec::new();
    let mut members: Vec<&&Value> = pods
        .iter()
        .filter(|p| meta::map_selector_matches(&selector, &meta::labels(p)))
        .filter(|p| !meta::str_at(p, &["status", "podIP"]).is_empty() && !meta::is_terminating(p))
        .filter(|p| {
            !matches!(
                meta::str_at(p, &["status", "phase"]),
                "Succeeded" | "Failed"
            )
        })
        .collect();
    members.sort_by_key(|p| meta::str_at(p, &["status", "podIP"]).to_string());
    for pod in &members {
        let address = json!({
            "ip": meta::str_at(pod, &["status", "podIP"]),
            "nodeName": meta::str_at(pod, &["spec", "nodeName"]),
            "targetRef": {"kind": "Pod", "name": meta::name(pod), "namespace": meta::namespace(pod), "uid": meta::uid(pod)},
        });
        if pod_ready(pod) {
            ready.push(address)
        } else {
            not_ready.push(address)
        }
    }
    if let Some(first) = members.first() {
        for p in meta::at(svc, &["spec", "ports"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut port = json!({
                "port": target_port(p, first).unwrap_or(0),
                "protocol": p.get("protocol").and_then(Value::as_str).unwrap_or("TCP"),
            });
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                meta::set_at(&mut port, &["name"], json!(name));
            }
            ports.push(port);
        }
    }
    if members.is_empty() {
        return Value::Null;
    }
    let mut subset = json!({"ports": ports});
    if !ready.is_empty() {
        meta::set_at(&mut subset, &["addresses"], json!(ready));
    }
    if !not_ready.is_empty() {
        meta::set_at(&mut subset, &["notReadyAddresses"], json!(not_ready));
    }
    json!([subset])
}

/// One pass over one Service: create or correct its Endpoints.
pub fn reconcile(svc: &Value, existing: Option<&Value>, pods: &[&Value]) -> Vec<Action> {
    if meta::at(svc, &["spec", "selector"])
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty)
        || meta::str_at(svc, &["spec", "type"]) == "ExternalName"
    {
        return Vec::new();
    }
    let subsets = subsets(svc, pods);
    match existing {
        None => {
            let mut ep = json!({
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": meta::name(svc), "namespace": meta::namespace(svc),
                             "labels": meta::labels(svc)},
            });
            meta::set_at(
                &mut ep,
                &["metadata", "labels", "endpoints.kubernetes.io/managed-by"],
                json!("endpoint-controller"),
            );
            if !subsets.is_null() {
                meta::set_at(&mut ep, &["subsets"], subsets);
            }
            vec![Action::Create {
                resource: gr::endpoints(),
                object: ep,
            }]
        }
        Some(ep) if ep.get("subsets").unwrap_or(&Value::Null) != &subsets => {
            vec![Action::merge(
                gr::endpoints(),
                ep,
                json!({"subsets": subsets}),
            )]
        }
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, ip: &str, ready: bool, app: &str) -> Value {
        let cond = if ready { "True" } else { "False" };
        json!({"metadata": {"name": name, "namespace": "shop", "uid": name, "labels": {"app": app}},
               "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]},
               "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": cond}]}})
    }

    #[test]
    fn endpoints_list_ready_and_not_ready_pods_of_the_selector() {
        let svc = json!({"metadata": {"name": "web", "namespace": "shop"},
                         "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}});
        let (a, b, other) = (
            pod("a", "10.244.1.2", true, "web"),
            pod("b", "10.244.1.3", false, "web"),
            pod("c", "10.244.1.4", true, "db"),
        );
        let s = subsets(&svc, &[&a, &b, &other]);
        assert_eq!(s[0]["addresses"][0]["ip"], "10.244.1.2");
        assert_eq!(s[0]["notReadyAddresses"][0]["ip"], "10.244.1.3");
        assert_eq!(
            s[0]["ports"][0]["port"], 8080,
            "the named targetPort resolves to the container port"
        );
        assert_eq!(s[0]["addresses"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn a_service_without_a_selector_is_left_alone() {
        let svc = json!({"metadata": {"name": "ext", "namespace": "shop"}, "spec": {"ports": [{"port": 80}]}});
        assert!(reconcile(&svc, None, &[]).is_empty());
    }
}
