//! Plays the endpoints and EndpointSlice controllers: for each Service with a selector, an
//! Endpoints object listing the IPs of matching pods (ready ones as addresses, others as
//! notReadyAddresses) and one EndpointSlice with the same pods and their conditions, with
//! ports resolved from the Service's targetPorts.

use serde_json::{Map, Value, json};
use wheelhouse_model::selector::Selector;

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
    let selector = Selector::of_service(svc);
    let mut ready = Vec::new();
    let mut not_ready = Vec::new();
    let mut ports = Vec::new();
    let mut members: Vec<&&Value> = pods
        .iter()
        .filter(|p| {
            selector
                .as_ref()
                .is_some_and(|s| s.matches(&meta::at(p, &["metadata", "labels"])))
        })
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

/// The name of the EndpointSlice the sim keeps for a Service: `<service>-<5 characters>`,
/// stable for the Service's uid.
pub fn slice_name(svc: &Value) -> String {
    format!(
        "{}-{}",
        meta::name(svc),
        meta::name_suffix(meta::fnv64a(meta::uid(svc).as_bytes()))
    )
}

/// The `endpoints` and `ports` an EndpointSlice should have, from the Endpoints subsets.
fn slice_body(subsets: &Value) -> (Value, Value) {
    let subset = subsets.get(0).cloned().unwrap_or(Value::Null);
    let mut endpoints = Vec::new();
    for (key, ready) in [("addresses", true), ("notReadyAddresses", false)] {
        for a in subset
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            endpoints.push(json!({
                "addresses": [a["ip"].clone()],
                "conditions": {"ready": ready, "serving": ready, "terminating": false},
                "nodeName": a["nodeName"].clone(),
                "targetRef": a["targetRef"].clone(),
            }));
        }
    }
    let ports = subset.get("ports").cloned().unwrap_or_else(|| json!([]));
    (json!(endpoints), ports)
}

/// One pass over one Service's EndpointSlice: create or correct it.
pub fn reconcile_slice(svc: &Value, existing: Option<&Value>, pods: &[&Value]) -> Vec<Action> {
    if meta::at(svc, &["spec", "selector"])
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty)
        || meta::str_at(svc, &["spec", "type"]) == "ExternalName"
    {
        return Vec::new();
    }
    let (endpoints, ports) = slice_body(&subsets(svc, pods));
    match existing {
        None => {
            let slice = json!({
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": slice_name(svc),
                    "namespace": meta::namespace(svc),
                    "labels": {
                        "kubernetes.io/service-name": meta::name(svc),
                        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                    },
                    "ownerReferences": [meta::controller_ref(svc)],
                },
                "addressType": "IPv4",
                "endpoints": endpoints,
                "ports": ports,
            });
            vec![Action::Create {
                resource: gr::endpointslices(),
                object: slice,
            }]
        }
        Some(slice)
            if slice.get("endpoints") != Some(&endpoints) || slice.get("ports") != Some(&ports) =>
        {
            vec![Action::merge(
                gr::endpointslices(),
                slice,
                json!({"endpoints": endpoints, "ports": ports}),
            )]
        }
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
mod slice_tests {
    use super::*;

    #[test]
    fn endpoint_slices_mirror_the_endpoints_with_conditions() {
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop", "uid": "svc-1"},
                         "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}});
        let pod = |name: &str, ip: &str, ready: &str| {
            json!({"metadata": {"name": name, "namespace": "shop", "uid": name, "labels": {"app": "web"}},
            "spec": {"nodeName": "n1"}, "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": ready}]}})
        };
        let (a, b) = (
            pod("a", "10.244.1.2", "True"),
            pod("b", "10.244.1.3", "False"),
        );
        let actions = reconcile_slice(&svc, None, &[&a, &b]);
        let Some(Action::Create { object, .. }) = actions.first() else {
            panic!("expected a slice")
        };
        assert_eq!(
            object["metadata"]["labels"]["kubernetes.io/service-name"],
            "web"
        );
        assert_eq!(object["endpoints"][0]["conditions"]["ready"], true);
        assert_eq!(object["endpoints"][1]["conditions"]["ready"], false);
        assert_eq!(object["ports"][0]["port"], 8080);
        assert!(
            reconcile_slice(&svc, Some(object), &[&a, &b]).is_empty(),
            "an up-to-date slice is left alone"
        );
    }
}
