//! Rows of networking kinds: Services, Ingresses, IngressClasses, Endpoints, EndpointSlices,
//! NetworkPolicies.

use k8s_openapi::api::core::v1::{Endpoints, LoadBalancerIngress, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass, NetworkPolicy};
use serde_json::Value;

use super::workloads::label_selector;
use super::{Builtin, Cell, Column, ColumnType, Result, key_values, typed};

pub(crate) const KINDS: &[Builtin] = &[
    Builtin {
        group: "",
        kind: "Service",
        columns: service_columns,
        cells: service_cells,
    },
    Builtin {
        group: "",
        kind: "Endpoints",
        columns: endpoints_columns,
        cells: endpoints_cells,
    },
    Builtin {
        group: "discovery.k8s.io",
        kind: "EndpointSlice",
        columns: endpoint_slice_columns,
        cells: endpoint_slice_cells,
    },
    Builtin {
        group: "networking.k8s.io",
        kind: "Ingress",
        columns: ingress_columns,
        cells: ingress_cells,
    },
    Builtin {
        group: "networking.k8s.io",
        kind: "IngressClass",
        columns: ingress_class_columns,
        cells: ingress_class_cells,
    },
    Builtin {
        group: "networking.k8s.io",
        kind: "NetworkPolicy",
        columns: network_policy_columns,
        cells: network_policy_cells,
    },
];

/// kubectl shows this many endpoints, then how many more there are.
const MAX_ENDPOINTS: usize = 3;

fn service_columns() -> Vec<Column> {
    vec![
        Column::new("type", "Type", ColumnType::Text),
        Column::new("clusterIP", "Cluster-IP", ColumnType::Text),
        Column::new("externalIP", "External-IP", ColumnType::Text),
        Column::new("ports", "Port(s)", ColumnType::Text),
        Column::new("selector", "Selector", ColumnType::Text)
            .wide()
            .unsortable(),
    ]
}

fn service_cells(object: &Value) -> Result<Vec<Cell>> {
    let service: Service = typed(object, "Service")?;
    let spec = service.spec.unwrap_or_default();
    let type_ = spec.type_.clone().unwrap_or_else(|| "ClusterIP".into());
    let external_ips = spec.external_ips.clone().unwrap_or_default();
    let external = match type_.as_str() {
        "ClusterIP" | "NodePort" => Cell::list(&external_ips),
        "LoadBalancer" => {
            let ingress = service
                .status
                .and_then(|s| s.load_balancer)
                .and_then(|lb| lb.ingress)
                .unwrap_or_default();
            let mut addresses = load_balancer_addresses(&ingress);
            addresses.extend(external_ips);
            if addresses.is_empty() {
                Cell::text("<pending>")
            } else {
                Cell::list(addresses)
            }
        }
        "ExternalName" => Cell::opt_text(spec.external_name.clone()),
        _ => Cell::text("<unknown>"),
    };
    let ports = spec.ports.iter().flatten().map(|p| {
        let protocol = p.protocol.as_deref().unwrap_or("TCP");
        match p.node_port {
            Some(node_port) if node_port != 0 => format!("{}:{node_port}/{protocol}", p.port),
            _ => format!("{}/{protocol}", p.port),
        }
    });
    Ok(vec![
        Cell::text(type_),
        Cell::opt_text(spec.cluster_ip.clone()),
        external,
        Cell::list(ports),
        key_values(spec.selector.iter().flatten()),
    ])
}

fn load_balancer_addresses(ingress: &[LoadBalancerIngress]) -> Vec<String> {
    ingress
        .iter()
        .filter_map(|i| i.ip.clone().or_else(|| i.hostname.clone()))
        .collect()
}

fn endpoints_columns() -> Vec<Column> {
    vec![Column::new("endpoints", "Endpoints", ColumnType::Text)]
}

fn endpoints_cells(object: &Value) -> Result<Vec<Cell>> {
    let endpoints: Endpoints = typed(object, "Endpoints")?;
    let mut all = Vec::new();
    for subset in endpoints.subsets.iter().flatten() {
        let ports: Vec<i32> = subset.ports.iter().flatten().map(|p| p.port).collect();
        for address in subset.addresses.iter().flatten() {
            if ports.is_empty() {
                all.push(address.ip.clone());
            }
            for port in &ports {
                all.push(format!("{}:{port}", address.ip));
            }
        }
    }
    Ok(vec![first_of(all)])
}

/// The first few items and how many more, as kubectl prints endpoints: `a,b,c + 2 more...`.
fn first_of(items: Vec<String>) -> Cell {
    if items.len() <= MAX_ENDPOINTS {
        return Cell::list(items);
    }
    let more = items.len() - MAX_ENDPOINTS;
    Cell::text(format!(
        "{} + {more} more...",
        items[..MAX_ENDPOINTS].join(",")
    ))
}

fn endpoint_slice_columns() -> Vec<Column> {
    vec![
        Column::new("addressType", "Address Type", ColumnType::Text),
        Column::new("ports", "Ports", ColumnType::Text),
        Column::new("endpoints", "Endpoints", ColumnType::Text),
    ]
}

fn endpoint_slice_cells(object: &Value) -> Result<Vec<Cell>> {
    let slice: EndpointSlice = typed(object, "EndpointSlice")?;
    let ports = slice.ports.iter().flatten().map(|p| {
        p.port
            .map_or_else(|| "<unset>".to_string(), |p| p.to_string())
    });
    let addresses = slice
        .endpoints
        .iter()
        .flatten()
        .flat_map(|e| e.addresses.iter().cloned())
        .collect();
    Ok(vec![
        Cell::text(slice.address_type),
        Cell::list(ports),
        first_of(addresses),
    ])
}

fn ingress_columns() -> Vec<Column> {
    vec![
        Column::new("class", "Class", ColumnType::Text),
        Column::new("hosts", "Hosts", ColumnType::Text),
        Column::new("address", "Address", ColumnType::Text),
        Column::new("ports", "Ports", ColumnType::Text),
    ]
}

fn ingress_cells(object: &Value) -> Result<Vec<Cell>> {
    let ingress: Ingress = typed(object, "Ingress")?;
    let class = ingress
        .spec
        .as_ref()
        .and_then(|s| s.ingress_class_name.clone())
        .or_else(|| {
            // The annotation that preceded spec.ingressClassName, still common.
            let annotations = ingress.metadata.annotations.as_ref()?;
            annotations.get("kubernetes.io/ingress.class").cloned()
        });
    let spec = ingress.spec.unwrap_or_default();
    let hosts: Vec<&str> = spec
        .rules
        .iter()
        .flatten()
        .filter_map(|r| r.host.as_deref())
        .filter(|h| !h.is_empty())
        .collect();
    let addresses = ingress
        .status
        .and_then(|s| s.load_balancer)
        .and_then(|lb| lb.ingress)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| i.ip.or(i.hostname));
    let tls = spec.tls.as_ref().is_some_and(|t| !t.is_empty());
    Ok(vec![
        Cell::opt_text(class),
        if hosts.is_empty() {
            Cell::text("*")
        } else {
            Cell::list(hosts)
        },
        Cell::list(addresses),
        Cell::text(if tls { "80, 443" } else { "80" }),
    ])
}

fn ingress_class_columns() -> Vec<Column> {
    vec![
        Column::new("controller", "Controller", ColumnType::Text),
        Column::new("parameters", "Parameters", ColumnType::Text),
    ]
}

fn ingress_class_cells(object: &Value) -> Result<Vec<Cell>> {
    let class: IngressClass = typed(object, "IngressClass")?;
    let spec = class.spec.unwrap_or_default();
    let parameters = spec.parameters.map(|p| match p.api_group {
        Some(group) if !group.is_empty() => format!("{}.{group}/{}", p.kind, p.name),
        _ => format!("{}/{}", p.kind, p.name),
    });
    Ok(vec![
        Cell::opt_text(spec.controller),
        Cell::opt_text(parameters),
    ])
}

fn network_policy_columns() -> Vec<Column> {
    vec![
        Column::new("podSelector", "Pod-Selector", ColumnType::Text),
        Column::new("policyTypes", "Policy Types", ColumnType::Text),
    ]
}

fn network_policy_cells(object: &Value) -> Result<Vec<Cell>> {
    let policy: NetworkPolicy = typed(object, "NetworkPolicy")?;
    let spec = policy.spec.unwrap_or_default();
    Ok(vec![
        label_selector(spec.pod_selector.as_ref()),
        Cell::list(spec.policy_types.iter().flatten()),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_shows, shown};
    use serde_json::json;

    #[test]
    fn network_columns_read_like_kubectl_get_wide() {
        let cases = [
            (
                "a NodePort service lists node ports after the port",
                ("", "Service"),
                json!({
                    "metadata": {"name": "web"},
                    "spec": {"type": "NodePort", "clusterIP": "10.96.0.12",
                             "selector": {"app": "web"},
                             "ports": [{"port": 80, "protocol": "TCP"},
                                       {"port": 443, "nodePort": 30443, "protocol": "TCP"}]},
                }),
                vec![
                    ("type", "NodePort"),
                    ("clusterIP", "10.96.0.12"),
                    ("externalIP", "<none>"),
                    ("ports", "80/TCP,443:30443/TCP"),
                    ("selector", "app=web"),
                ],
            ),
            (
                "a load balancer without an address is pending",
                ("", "Service"),
                json!({"metadata": {"name": "lb"},
                       "spec": {"type": "LoadBalancer", "ports": [{"port": 53, "protocol": "UDP"}]}}),
                vec![("externalIP", "<pending>"), ("ports", "53/UDP")],
            ),
            (
                "a load balancer shows its ingress addresses",
                ("", "Service"),
                json!({"metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer"},
                       "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"},
                                                               {"hostname": "lb.example.com"}]}}}),
                vec![
                    ("externalIP", "203.0.113.9,lb.example.com"),
                    ("ports", "<none>"),
                ],
            ),
            (
                "an external name service shows the name",
                ("", "Service"),
                json!({"metadata": {"name": "db"},
                       "spec": {"type": "ExternalName", "externalName": "db.example.com"}}),
                vec![("type", "ExternalName"), ("externalIP", "db.example.com")],
            ),
            (
                "an ingress with TLS",
                ("networking.k8s.io", "Ingress"),
                json!({"metadata": {"name": "shop"},
                       "spec": {"ingressClassName": "nginx",
                                "rules": [{"host": "shop.example.com"}, {"host": "api.example.com"}],
                                "tls": [{"hosts": ["shop.example.com"]}]},
                       "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.4"}]}}}),
                vec![
                    ("class", "nginx"),
                    ("hosts", "shop.example.com,api.example.com"),
                    ("address", "198.51.100.4"),
                    ("ports", "80, 443"),
                ],
            ),
            (
                "an ingress without hosts or class",
                ("networking.k8s.io", "Ingress"),
                json!({"metadata": {"name": "any"}, "spec": {"defaultBackend": {}}}),
                vec![
                    ("class", "<none>"),
                    ("hosts", "*"),
                    ("address", "<none>"),
                    ("ports", "80"),
                ],
            ),
            (
                "endpoints show three addresses and how many more",
                ("", "Endpoints"),
                json!({"metadata": {"name": "web"}, "subsets": [{
                    "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}],
                    "ports": [{"port": 8080}]}]}),
                vec![(
                    "endpoints",
                    "10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...",
                )],
            ),
            (
                "a network policy selecting every pod",
                ("networking.k8s.io", "NetworkPolicy"),
                json!({"metadata": {"name": "deny"},
                       "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
                vec![("podSelector", "<none>"), ("policyTypes", "Ingress,Egress")],
            ),
            (
                "an ingress class with parameters",
                ("networking.k8s.io", "IngressClass"),
                json!({"metadata": {"name": "nginx"},
                       "spec": {"controller": "k8s.io/ingress-nginx",
                                "parameters": {"apiGroup": "k8s.example.com", "kind": "Params", "name": "p"}}}),
                vec![
                    ("controller", "k8s.io/ingress-nginx"),
                    ("parameters", "Params.k8s.example.com/p"),
                ],
            ),
        ];
        for (name, kind, object, expected) in cases {
            assert_shows(name, &shown(kind, true, object), &expected);
        }
    }
}
