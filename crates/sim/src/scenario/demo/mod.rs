//! The `demo` scenario: a small, lively cluster with something of every kind, including the
//! failures a console must show well.
//!
//! Everything here is a *spec*: the controllers create the ReplicaSets, pods, claims,
//! endpoints and events, so the demo behaves like a cluster rather than a picture of one.
//! Names are fixed, so tests can rely on them:
//! - `shop/checkout` crash-loops (its pods restart with rising counts);
//! - `shop/recommendations` cannot pull its image (ErrImagePull / ImagePullBackOff);
//! - `data/analytics-worker` asks for more CPU than any node has (Pending, FailedScheduling);
//! - `data/db-migrate` is a Job whose pod completes, `data/reindex` runs 4 completions 2 at a
//!   time, and `data/import-legacy` fails (its pods exit 1) until its backoffLimit is reached;
//! - `monitoring/grafana` has an init container;
//! - `shop/payments` is memory-hungry in metrics;
//! - node `worker-4` is cordoned.

use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::build::{Seed, aged, container, deployment, object, seed, service, template};
use crate::controllers::kubelet::container_usage::HUNGRY_ANNOTATION;
use crate::controllers::kubelet::{CRASH_ANNOTATION, RUN_SECONDS_ANNOTATION};

mod namespaces;
use namespaces::{data, monitoring, shop, team_a};

/// The namespaces of the demo.
pub const NAMESPACES: [&str; 8] = [
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "shop",
    "data",
    "monitoring",
    "team-a",
];

/// The nodes of the demo: (name, role, zone, cordoned).
pub const NODES: [(&str, &str, &str, bool); 5] = [
    ("control-plane-1", "control-plane", "eu-west-1a", false),
    ("worker-1", "worker", "eu-west-1a", false),
    ("worker-2", "worker", "eu-west-1b", false),
    ("worker-3", "worker", "eu-west-1c", false),
    ("worker-4", "worker", "eu-west-1c", true),
];

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A namespace, Active, with the label the API server adds.
pub fn namespace(name: &str) -> Value {
    let mut ns = object(
        "v1",
        "Namespace",
        "",
        name,
        json!({"kubernetes.io/metadata.name": name}),
    );
    ns["spec"] = json!({"finalizers": ["kubernetes"]});
    ns["status"] = json!({"phase": "Active"});
    ns
}

/// A Ready node with capacity, addresses, nodeInfo, conditions and topology labels.
pub fn node(
    index: usize,
    name: &str,
    role: &str,
    zone: &str,
    cordoned: bool,
    now: Timestamp,
) -> Value {
    let hb = crate::controllers::events::rfc3339(now);
    let since = crate::controllers::events::rfc3339(now.saturating_sub(days(12)).unwrap_or(now));
    let region = zone.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": if role == "control-plane" { "m6i.large" } else { "m6i.2xlarge" },
        "topology.kubernetes.io/region": region,
        "topology.kubernetes.io/zone": zone,
    });
    labels[format!("node-role.kubernetes.io/{role}")] = json!("");
    let mut n = object("v1", "Node", "", name, labels);
    n["metadata"]["annotations"] = json!({
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    });
    let (cpu, mem, alloc_cpu, alloc_mem) = if role == "control-plane" {
        ("2", "8029712Ki", "2", "7927312Ki")
    } else {
        ("8", "32859496Ki", "7910m", "31708520Ki")
    };
    let mut taints = Vec::new();
    if role == "control-plane" {
        taints
            .push(json!({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}));
    }
    if cordoned {
        taints.push(json!({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": hb}));
    }
    let h = crate::controllers::meta::fnv64a(name.as_bytes());
    let cidr = format!("10.{}.{}.0/24", 244 + index / 256, index % 256);
    n["spec"] = json!({
        "podCIDR": cidr,
        "podCIDRs": [cidr],
        "providerID": format!("aws:///{zone}/i-0{h:016x}"),
    });
    if !taints.is_empty() {
        n["spec"]["taints"] = json!(taints);
    }
    if cordoned {
        n["spec"]["unschedulable"] = json!(true);
    }
    let condition = |t: &str, s: &str, reason: &str, message: &str| json!({"type": t, "status": s, "reason": reason, "message": message, "lastHeartbeatTime": hb, "lastTransitionTime": since});
    n["status"] = json!({
        "capacity": {"cpu": cpu, "memory": mem, "pods": "110", "ephemeral-storage": "101430960Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0"},
        "allocatable": {"cpu": alloc_cpu, "memory": alloc_mem, "pods": "110", "ephemeral-storage": "93478772582", "hugepages-1Gi": "0", "hugepages-2Mi": "0"},
        "addresses": [
            {"type": "InternalIP", "address": format!("10.0.{}.{}", index / 250, 10 + index % 250)},
            {"type": "Hostname", "address": name},
        ],
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", h as u32, (h >> 32) as u16, (h >> 48) & 0xfff, (h >> 20) & 0xfff, h & 0xffff_ffff_ffff),
            "containerRuntimeVersion": "containerd://2.1.4",
            "kernelVersion": "6.8.0-1031-aws",
            "kubeProxyVersion": "",
            "kubeletVersion": "v1.36.0",
            "machineID": format!("{h:016x}{:016x}", h.rotate_left(13)),
            "operatingSystem": "linux",
            "osImage": "Ubuntu 24.04.3 LTS",
            "systemUUID": format!("ec2{:05x}-{:04x}-{:04x}-{:04x}-{:012x}", h & 0xfffff, (h >> 20) as u16, (h >> 36) as u16, (h >> 52) as u16, h.rotate_left(7) & 0xffff_ffff_ffff),
        },
        "images": [
            {"names": ["registry.k8s.io/pause:3.10"], "sizeBytes": 320_368},
            {"names": ["registry.k8s.io/kube-proxy:v1.36.0"], "sizeBytes": 30_712_452},
        ],
    });
    n
}

fn with_annotations(mut template: Value, annotations: Value) -> Value {
    template["metadata"]["annotations"] = annotations;
    template
}

fn static_pod(
    name: &str,
    component: &str,
    image: &str,
    node_uid_hint: &str,
    now: Timestamp,
) -> Value {
    let mut p = object(
        "v1",
        "Pod",
        "kube-system",
        &format!("{name}-control-plane-1"),
        json!({"component": component, "tier": "control-plane"}),
    );
    p["metadata"]["annotations"] = json!({"kubernetes.io/config.source": "file", "kubernetes.io/config.mirror": node_uid_hint});
    p["metadata"]["ownerReferences"] = json!([{"apiVersion": "v1", "kind": "Node", "name": "control-plane-1", "uid": node_uid_hint, "controller": true}]);
    p["spec"] = json!({
        "nodeName": "control-plane-1",
        "hostNetwork": true,
        "priorityClassName": "system-node-critical",
        "priority": 2_000_001_000,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "tolerations": [{"operator": "Exists", "effect": "NoExecute"}],
        "containers": [container(name, image, None, ("250m", ""), ("", ""))],
    });
    p["status"] = json!({"phase": "Pending"});
    aged(p, now, days(12))
}

fn kube_system(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let node_uid = node_uid("control-plane-1");
    for (name, image) in [
        ("etcd", "registry.k8s.io/etcd:3.6.4-0"),
        ("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.36.0"),
        (
            "kube-controller-manager",
            "registry.k8s.io/kube-controller-manager:v1.36.0",
        ),
        ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.36.0"),
    ] {
        out.push(static_pod(name, name, image, &node_uid, now));
    }
    let mut coredns = template(
        json!({"k8s-app": "kube-dns", "app": "coredns"}),
        vec![container(
            "coredns",
            "registry.k8s.io/coredns/coredns:v1.12.1",
            Some((53, "dns")),
            ("100m", ""),
            ("70Mi", "170Mi"),
        )],
    );
    coredns["spec"]["tolerations"] =
        json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
    coredns["spec"]["priorityClassName"] = json!("system-cluster-critical");
    out.push(aged(
        deployment("kube-system", "coredns", 2, coredns),
        now,
        days(12),
    ));
    let ms = template(
        json!({"k8s-app": "metrics-server", "app": "metrics-server"}),
        vec![container(
            "metrics-server",
            "registry.k8s.io/metrics-server/metrics-server:v0.8.0",
            Some((10250, "https")),
            ("100m", ""),
            ("200Mi", ""),
        )],
    );
    out.push(aged(
        deployment("kube-system", "metrics-server", 1, ms),
        now,
        days(12),
    ));
    let mut proxy = template(
        json!({"k8s-app": "kube-proxy", "app": "kube-proxy"}),
        vec![container(
            "kube-proxy",
            "registry.k8s.io/kube-proxy:v1.36.0",
            None,
            ("", ""),
            ("", ""),
        )],
    );
    proxy["spec"]["tolerations"] = json!([{"operator": "Exists"}]);
    proxy["spec"]["hostNetwork"] = json!(true);
    let mut ds = object(
        "apps/v1",
        "DaemonSet",
        "kube-system",
        "kube-proxy",
        json!({"k8s-app": "kube-proxy"}),
    );
    ds["metadata"]["generation"] = json!(1);
    ds["spec"] = json!({"selector": {"matchLabels": {"app": "kube-proxy"}}, "template": proxy,
                        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}, "revisionHistoryLimit": 10});
    out.push(aged(ds, now, days(12)));
    let mut dns = service(
        "kube-system",
        "kube-dns",
        "ClusterIP",
        "kube-dns",
        "10.96.0.10",
        &[
            ("dns", 53, json!(53)),
            ("dns-tcp", 53, json!(53)),
            ("metrics", 9153, json!(9153)),
        ],
    );
    dns["spec"]["selector"] = json!({"k8s-app": "kube-dns"});
    dns["spec"]["ports"][0]["protocol"] = json!("UDP");
    dns["metadata"]["labels"] = json!({"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"});
    out.push(aged(dns, now, days(12)));
    let mut msvc = service(
        "kube-system",
        "metrics-server",
        "ClusterIP",
        "metrics-server",
        "10.96.14.2",
        &[("https", 443, json!("https"))],
    );
    msvc["spec"]["selector"] = json!({"k8s-app": "metrics-server"});
    out.push(aged(msvc, now, days(12)));
    for lease in ["kube-scheduler", "kube-controller-manager"] {
        let mut l = object(
            "coordination.k8s.io/v1",
            "Lease",
            "kube-system",
            lease,
            json!({}),
        );
        l["spec"] = json!({"holderIdentity": format!("control-plane-1_{}", uuid_like(lease)), "leaseDurationSeconds": 15,
                          "acquireTime": crate::controllers::events::rfc3339(now.saturating_sub(days(12)).unwrap_or(now)),
                          "renewTime": crate::controllers::events::rfc3339(now), "leaseTransitions": 0});
        out.push(l);
    }
    let mut cm = object("v1", "ConfigMap", "kube-system", "coredns", json!({}));
    cm["data"] = json!({"Corefile": ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n"});
    out.push(aged(cm, now, days(12)));
    out
}

/// The uid the demo gives a node, so pods and Leases can name it as their owner.
pub fn node_uid(name: &str) -> String {
    uuid_like(&format!("node/{name}"))
}

/// The node's Lease in kube-node-lease, as its kubelet keeps it.
fn node_lease(name: &str, now: Timestamp) -> Value {
    let mut l = object(
        "coordination.k8s.io/v1",
        "Lease",
        "kube-node-lease",
        name,
        json!({}),
    );
    l["metadata"]["ownerReferences"] =
        json!([{"apiVersion": "v1", "kind": "Node", "name": name, "uid": node_uid(name)}]);
    l["spec"] = json!({"holderIdentity": name, "leaseDurationSeconds": 40,
                       "acquireTime": crate::controllers::events::rfc3339(now.saturating_sub(days(12)).unwrap_or(now)),
                       "renewTime": Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now).to_string()});
    aged(l, now, days(12))
}

/// A few Events from before the sim started: the cordoned node, and kubelet starting.
fn past_events(now: Timestamp) -> Vec<Value> {
    let t = |mins: i64| {
        crate::controllers::events::rfc3339(
            now.saturating_sub(SignedDuration::from_mins(mins))
                .unwrap_or(now),
        )
    };
    [
        (
            "worker-4",
            "NodeNotSchedulable",
            "Node worker-4 status is now: NodeNotSchedulable",
            20,
        ),
        ("worker-3", "Starting", "Starting kubelet.", 45),
    ]
    .iter()
    .map(|(node, reason, message, mins)| {
        let mut e = object(
            "v1",
            "Event",
            "default",
            &format!(
                "{node}.{:x}",
                crate::controllers::meta::fnv64a(reason.as_bytes())
            ),
            json!({}),
        );
        e["involvedObject"] =
            json!({"kind": "Node", "name": node, "uid": node, "apiVersion": "v1"});
        e["reason"] = json!(reason);
        e["message"] = json!(message);
        e["source"] = json!({"component": "kubelet", "host": node});
        e["firstTimestamp"] = json!(t(*mins));
        e["lastTimestamp"] = json!(t(*mins));
        e["count"] = json!(1);
        e["type"] = json!("Normal");
        e["eventTime"] = Value::Null;
        e["reportingComponent"] = json!("kubelet");
        e["reportingInstance"] = json!(node);
        e
    })
    .collect()
}

fn uuid_like(seed: &str) -> String {
    let h = crate::controllers::meta::fnv64a(seed.as_bytes());
    let g = h.rotate_left(29);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        h as u32,
        (h >> 32) as u16,
        (h >> 48) & 0xfff,
        g & 0xfff,
        g >> 16
    )
}

fn cluster(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut sc = object(
        "storage.k8s.io/v1",
        "StorageClass",
        "",
        "standard",
        json!({}),
    );
    sc["metadata"]["annotations"] = json!({"storageclass.kubernetes.io/is-default-class": "true"});
    sc["provisioner"] = json!("rancher.io/local-path");
    sc["reclaimPolicy"] = json!("Delete");
    sc["volumeBindingMode"] = json!("WaitForFirstConsumer");
    sc["allowVolumeExpansion"] = json!(true);
    out.push(aged(sc, now, days(12)));
    let mut ic = object(
        "networking.k8s.io/v1",
        "IngressClass",
        "",
        "nginx",
        json!({"app.kubernetes.io/name": "ingress-nginx"}),
    );
    ic["metadata"]["annotations"] = json!({"ingressclass.kubernetes.io/is-default-class": "true"});
    ic["spec"] = json!({"controller": "k8s.io/ingress-nginx"});
    out.push(aged(ic, now, days(12)));
    let mut viewer = object(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        "",
        "wheelhouse-viewer",
        json!({"app.kubernetes.io/name": "wheelhouse"}),
    );
    viewer["rules"] =
        json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]}]);
    out.push(aged(viewer, now, days(12)));
    let mut crb = object(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "",
        "wheelhouse-viewer",
        json!({"app.kubernetes.io/name": "wheelhouse"}),
    );
    crb["roleRef"] = json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "wheelhouse-viewer"});
    crb["subjects"] =
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "auditors"}]);
    out.push(aged(crb, now, days(12)));
    let mut kubernetes = object(
        "v1",
        "Service",
        "default",
        "kubernetes",
        json!({"component": "apiserver", "provider": "kubernetes"}),
    );
    kubernetes["spec"] = json!({"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"], "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                               "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster"});
    kubernetes["status"] = json!({"loadBalancer": {}});
    out.push(aged(kubernetes, now, days(12)));
    let mut ep = object(
        "v1",
        "Endpoints",
        "default",
        "kubernetes",
        json!({"endpointslice.kubernetes.io/skip-mirror": "true"}),
    );
    ep["subsets"] = json!([{"addresses": [{"ip": "10.0.0.11"}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]);
    out.push(aged(ep, now, days(12)));
    let mut slice = object(
        "discovery.k8s.io/v1",
        "EndpointSlice",
        "default",
        "kubernetes",
        json!({"kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}),
    );
    slice["addressType"] = json!("IPv4");
    slice["endpoints"] = json!([{"addresses": ["10.0.0.11"], "conditions": {"ready": true, "serving": true, "terminating": false}}]);
    slice["ports"] = json!([{"name": "https", "port": 6443, "protocol": "TCP"}]);
    out.push(aged(slice, now, days(12)));
    out
}

/// The CustomResourceDefinition of the demo's Widgets.
pub fn widget_crd(now: Timestamp) -> Value {
    let mut crd = object(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "",
        "widgets.demo.wheelhouse.dev",
        json!({}),
    );
    crd["metadata"]["generation"] = json!(1);
    crd["spec"] = json!({
        "group": "demo.wheelhouse.dev",
        "names": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget", "shortNames": ["wg"], "categories": ["all"]},
        "scope": "Namespaced",
        "versions": [{
            "name": "v1alpha1", "served": true, "storage": true,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
                "spec": {"type": "object", "required": ["size"], "properties": {
                    "size": {"type": "integer", "minimum": 1, "maximum": 10, "description": "How big the widget is."},
                    "color": {"type": "string", "enum": ["red", "green", "blue"], "description": "What color it is painted."},
                }},
                "status": {"type": "object", "properties": {"phase": {"type": "string"}, "observedGeneration": {"type": "integer"}}},
            }}},
            "subresources": {"status": {}},
            "additionalPrinterColumns": [
                {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
                {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            ],
        }],
        "conversion": {"strategy": "None"},
    });
    let t = crate::controllers::events::rfc3339(now);
    crd["status"] = json!({
        "acceptedNames": crd["spec"]["names"].clone(),
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": t},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": t},
        ],
        "storedVersions": ["v1alpha1"],
    });
    aged(crd, now, days(10))
}

/// The CustomResourceDefinition of Wheelhouse's ChartRepositories, as Wheelhouse ships it
/// (`deploy/helm/wheelhouse/crds/`), so `wheelhouse sim` offers the app store's repositories to kubectl too.
pub fn chart_repository_crd(now: Timestamp) -> Value {
    shipped_crd(
        include_str!("../../../../../deploy/helm/wheelhouse/crds/chartrepository.yaml"),
        now,
    )
}

/// The CustomResourceDefinition of Wheelhouse's ImageRegistries (`deploy/helm/wheelhouse/crds/`).
pub fn image_registry_crd(now: Timestamp) -> Value {
    shipped_crd(
        include_str!("../../../../../deploy/helm/wheelhouse/crds/imageregistry.yaml"),
        now,
    )
}

/// The CustomResourceDefinitions of Wheelhouse's alerting: AlertRules and NotificationChannels
/// (`deploy/helm/wheelhouse/crds/`).
pub fn alerting_crds(now: Timestamp) -> [Value; 2] {
    [
        shipped_crd(
            include_str!("../../../../../deploy/helm/wheelhouse/crds/alertrule.yaml"),
            now,
        ),
        shipped_crd(
            include_str!("../../../../../deploy/helm/wheelhouse/crds/notificationchannel.yaml"),
            now,
        ),
    ]
}

/// Wheelhouse's sample alert rules (`deploy/helm/wheelhouse/files/sample-alert-rules.yaml`), in
/// `default`, the namespace the demo's alerter treats as its own (so they watch the whole cluster).
pub fn sample_alert_rules(now: Timestamp) -> Vec<Value> {
    let yaml = include_str!("../../../../../deploy/helm/wheelhouse/files/sample-alert-rules.yaml");
    serde_yaml::Deserializer::from_str(yaml)
        .filter_map(|document| serde::Deserialize::deserialize(document).ok())
        .map(|sample: Value| {
            let rule = json!({
                "apiVersion": "wheelhouse.dev/v1alpha1",
                "kind": "AlertRule",
                "metadata": {"name": sample["name"], "namespace": "default",
                    "labels": {"app.kubernetes.io/part-of": "wheelhouse"}},
                "spec": sample["spec"],
            });
            aged(rule, now, days(10))
        })
        .collect()
}

/// A CRD file Wheelhouse ships, established.
fn shipped_crd(yaml: &str, now: Timestamp) -> Value {
    let mut crd: Value = serde_yaml::from_str(yaml).unwrap_or_else(|_| json!({}));
    if crd.pointer("/spec/names").is_none() {
        // The file is checked by wheelhouse-apps' tests; a broken one just leaves the CRD out.
        return crd;
    }
    crd["metadata"]["generation"] = json!(1);
    let t = crate::controllers::events::rfc3339(now);
    crd["status"] = json!({
        "acceptedNames": crd["spec"]["names"].clone(),
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": t},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": t},
        ],
        "storedVersions": ["v1alpha1"],
    });
    aged(crd, now, days(10))
}

fn widgets(now: Timestamp) -> Vec<Value> {
    [
        ("team-a", "sprocket", 3, "red", "Ready"),
        ("team-a", "gizmo", 7, "blue", "Ready"),
        ("shop", "banner", 2, "green", "Pending"),
    ]
    .into_iter()
    .map(|(ns, name, size, color, phase)| {
        let mut w = object(
            "demo.wheelhouse.dev/v1alpha1",
            "Widget",
            ns,
            name,
            json!({"app.kubernetes.io/part-of": "demo"}),
        );
        w["metadata"]["generation"] = json!(1);
        w["spec"] = json!({"size": size, "color": color});
        w["status"] = json!({"phase": phase, "observedGeneration": 1});
        aged(w, now, days(2))
    })
    .collect()
}

/// Every object of the demo, in the order they should be loaded (CRDs before their
/// instances, namespaces before what lives in them).
pub fn objects(now: Timestamp) -> Vec<Seed> {
    let mut all: Vec<Value> = NAMESPACES
        .iter()
        .map(|n| aged(namespace(n), now, days(12)))
        .collect();
    for (i, (name, role, zone, cordoned)) in NODES.iter().enumerate() {
        let mut n = aged(node(i + 1, name, role, zone, *cordoned, now), now, days(12));
        n["metadata"]["uid"] = json!(node_uid(name));
        all.push(n);
        all.push(node_lease(name, now));
    }
    all.extend(past_events(now));
    all.push(widget_crd(now));
    let [rules, channels] = alerting_crds(now);
    for crd in [
        chart_repository_crd(now),
        image_registry_crd(now),
        rules,
        channels,
    ] {
        if crd.pointer("/spec/names").is_some() {
            all.push(crd);
        }
    }
    all.extend(sample_alert_rules(now));
    all.extend(cluster(now));
    all.extend(kube_system(now));
    all.extend(shop(now));
    all.extend(data(now));
    all.extend(monitoring(now));
    all.extend(team_a(now));
    all.extend(widgets(now));
    for ns in NAMESPACES {
        let mut sa = object("v1", "ServiceAccount", ns, "default", json!({}));
        sa = aged(sa, now, days(12));
        all.push(sa);
        let mut ca = object("v1", "ConfigMap", ns, "kube-root-ca.crt", json!({}));
        ca["metadata"]["annotations"] = json!({"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."});
        ca["data"] = json!({"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIZGVtby1jYTAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwprdWJl\nrbmV0ZXMwHhcNMjYxMTE1MDAwMDAwWhcNMzYxMTEzMDAwMDAwWjAVMRMwEQYDVQQD\n-----END CERTIFICATE-----\n"});
        all.push(aged(ca, now, days(12)));
    }
    all.into_iter().map(seed).collect()
}

/// The objects every scenario starts with, as a fresh kube-apiserver has them: the four
/// system namespaces, their default ServiceAccounts and the `kubernetes` Service.
pub fn bootstrap(now: Timestamp) -> Vec<Seed> {
    let mut all: Vec<Value> = NAMESPACES[..4]
        .iter()
        .map(|n| aged(namespace(n), now, SignedDuration::ZERO))
        .collect();
    for ns in &NAMESPACES[..4] {
        all.push(object("v1", "ServiceAccount", ns, "default", json!({})));
    }
    all.extend(cluster(now).into_iter().filter(|o| {
        matches!(
            o["kind"].as_str(),
            Some("Service" | "Endpoints" | "EndpointSlice")
        )
    }));
    all.into_iter().map(seed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_offers_the_chart_repository_crd_wheelhouse_ships() {
        let crd = chart_repository_crd(Timestamp::now());
        assert_eq!(crd["metadata"]["name"], "chartrepositories.wheelhouse.dev");
        assert_eq!(crd["spec"]["scope"], "Cluster");
        assert_eq!(crd["status"]["conditions"][1]["type"], "Established");
    }

    #[test]
    fn the_demo_offers_the_image_registry_crd_wheelhouse_ships() {
        let crd = image_registry_crd(Timestamp::now());
        assert_eq!(crd["metadata"]["name"], "imageregistries.wheelhouse.dev");
        assert_eq!(crd["spec"]["scope"], "Cluster");
        assert_eq!(crd["status"]["conditions"][1]["type"], "Established");
    }
}
