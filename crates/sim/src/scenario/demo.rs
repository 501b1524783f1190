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

fn shop(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut frontend = template(
        json!({"app": "frontend", "tier": "web"}),
        vec![container(
            "nginx",
            "nginx:1.27.5",
            Some((80, "http")),
            ("100m", "500m"),
            ("64Mi", "256Mi"),
        )],
    );
    frontend["spec"]["containers"][0]["readinessProbe"] = json!({"httpGet": {"path": "/", "port": "http", "scheme": "HTTP"}, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3});
    out.push(aged(
        deployment("shop", "frontend", 3, frontend),
        now,
        days(6),
    ));
    let mut api = template(
        json!({"app": "api", "tier": "backend"}),
        vec![container(
            "api",
            "ghcr.io/wheelhouse-demo/api:2.4.1",
            Some((8080, "http")),
            ("200m", "1"),
            ("256Mi", "512Mi"),
        )],
    );
    api["spec"]["containers"][0]["envFrom"] = json!([{"configMapRef": {"name": "api-config"}}, {"secretRef": {"name": "api-credentials"}}]);
    api["spec"]["serviceAccountName"] = json!("shop-api");
    out.push(aged(deployment("shop", "api", 2, api), now, days(6)));
    let cart = template(
        json!({"app": "cart", "tier": "backend"}),
        vec![container(
            "cart",
            "ghcr.io/wheelhouse-demo/cart:1.3.0",
            Some((8080, "http")),
            ("100m", "500m"),
            ("128Mi", "256Mi"),
        )],
    );
    out.push(aged(deployment("shop", "cart", 2, cart), now, days(5)));
    let checkout = with_annotations(
        template(
            json!({"app": "checkout", "tier": "backend"}),
            vec![container(
                "checkout",
                "ghcr.io/wheelhouse-demo/checkout:1.8.0",
                Some((8080, "http")),
                ("100m", "500m"),
                ("128Mi", "256Mi"),
            )],
        ),
        json!({CRASH_ANNOTATION: "true"}),
    );
    out.push(aged(
        deployment("shop", "checkout", 1, checkout),
        now,
        days(2),
    ));
    let recs = template(
        json!({"app": "recommendations", "tier": "backend"}),
        vec![container(
            "recommendations",
            "ghcr.io/wheelhouse-demo/recommendations:does-not-exist",
            Some((8080, "http")),
            ("100m", "500m"),
            ("128Mi", "256Mi"),
        )],
    );
    out.push(aged(
        deployment("shop", "recommendations", 1, recs),
        now,
        days(1),
    ));
    let payments = with_annotations(
        template(
            json!({"app": "payments", "tier": "backend"}),
            vec![container(
                "payments",
                "ghcr.io/wheelhouse-demo/payments:3.0.2",
                Some((8443, "https")),
                ("250m", "1"),
                ("384Mi", "512Mi"),
            )],
        ),
        json!({HUNGRY_ANNOTATION: "true"}),
    );
    out.push(aged(
        deployment("shop", "payments", 1, payments),
        now,
        days(4),
    ));

    let mut lb = service(
        "shop",
        "frontend",
        "LoadBalancer",
        "frontend",
        "10.96.120.15",
        &[("http", 80, json!("http"))],
    );
    lb["spec"]["ports"][0]["nodePort"] = json!(31380);
    lb["spec"]["externalTrafficPolicy"] = json!("Cluster");
    lb["spec"]["allocateLoadBalancerNodePorts"] = json!(true);
    lb["status"] = json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.10", "ipMode": "VIP"}]}});
    out.push(aged(lb, now, days(6)));
    out.push(aged(
        service(
            "shop",
            "api",
            "ClusterIP",
            "api",
            "10.96.120.20",
            &[("http", 8080, json!("http"))],
        ),
        now,
        days(6),
    ));
    let mut np = service(
        "shop",
        "cart",
        "NodePort",
        "cart",
        "10.96.120.30",
        &[("http", 8080, json!("http"))],
    );
    np["spec"]["ports"][0]["nodePort"] = json!(30080);
    np["spec"]["externalTrafficPolicy"] = json!("Cluster");
    out.push(aged(np, now, days(5)));
    out.push(aged(
        service(
            "shop",
            "checkout",
            "ClusterIP",
            "checkout",
            "10.96.120.40",
            &[("http", 8080, json!("http"))],
        ),
        now,
        days(2),
    ));
    out.push(aged(
        service(
            "shop",
            "payments",
            "ClusterIP",
            "payments",
            "10.96.120.50",
            &[("https", 443, json!("https"))],
        ),
        now,
        days(4),
    ));

    let mut ing = object(
        "networking.k8s.io/v1",
        "Ingress",
        "shop",
        "shop",
        json!({"app": "frontend"}),
    );
    ing["metadata"]["generation"] = json!(1);
    ing["metadata"]["annotations"] = json!({"nginx.ingress.kubernetes.io/proxy-body-size": "8m"});
    ing["spec"] = json!({
        "ingressClassName": "nginx",
        "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
        "rules": [{"host": "shop.example.com", "http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "frontend", "port": {"number": 80}}}},
            {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"name": "http"}}}},
        ]}}],
    });
    ing["status"] = json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}});
    out.push(aged(ing, now, days(6)));

    let mut cm = object(
        "v1",
        "ConfigMap",
        "shop",
        "api-config",
        json!({"app": "api"}),
    );
    cm["data"] = json!({"LOG_LEVEL": "info", "CART_URL": "http://cart:8080", "PAYMENTS_URL": "https://payments:443", "FEATURE_FLAGS": "new-checkout=false,recommendations=true"});
    out.push(aged(cm, now, days(6)));
    let mut secret = object(
        "v1",
        "Secret",
        "shop",
        "api-credentials",
        json!({"app": "api"}),
    );
    secret["type"] = json!("Opaque");
    secret["data"] = json!({"DATABASE_URL": b64("postgres://shop:s3cr3t@postgres.data:5432/shop"), "JWT_SECRET": b64("demo-only-not-a-real-secret")});
    out.push(aged(secret, now, days(6)));
    let mut tls = object("v1", "Secret", "shop", "shop-tls", json!({}));
    tls["type"] = json!("kubernetes.io/tls");
    tls["data"] = json!({
        "tls.crt": b64("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZGVtby1vbmx5LW5vdC1hLXJlYWwtY2VydDAKBggqhkjOPQQDAjAb\nMRkwFwYDVQQDDBBzaG9wLmV4YW1wbGUuY29tMB4XDTI2MTEwMTAwMDAwMFoXDTI3MDIw\n-----END CERTIFICATE-----\n"),
        "tls.key": b64("-----BEGIN EC PRIVATE KEY-----\nZGVtby1vbmx5LW5vdC1hLXJlYWwta2V5\n-----END EC PRIVATE KEY-----\n"),
    });
    out.push(aged(tls, now, days(6)));
    let mut sa = object(
        "v1",
        "ServiceAccount",
        "shop",
        "shop-api",
        json!({"app": "api"}),
    );
    sa["automountServiceAccountToken"] = json!(true);
    out.push(aged(sa, now, days(6)));

    let mut pdb = object(
        "policy/v1",
        "PodDisruptionBudget",
        "shop",
        "frontend",
        json!({"app": "frontend"}),
    );
    pdb["metadata"]["generation"] = json!(1);
    pdb["spec"] = json!({"minAvailable": 2, "selector": {"matchLabels": {"app": "frontend"}}});
    pdb["status"] = json!({"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3, "observedGeneration": 1});
    out.push(aged(pdb, now, days(6)));
    let mut netpol = object(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        "shop",
        "api-from-frontend",
        json!({}),
    );
    netpol["metadata"]["generation"] = json!(1);
    netpol["spec"] = json!({
        "podSelector": {"matchLabels": {"app": "api"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}], "ports": [{"protocol": "TCP", "port": 8080}]}],
    });
    out.push(aged(netpol, now, days(6)));
    out
}

fn data(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut pg_template = template(
        json!({"app": "postgres"}),
        vec![container(
            "postgres",
            "postgres:17.2",
            Some((5432, "postgres")),
            ("250m", "2"),
            ("512Mi", "2Gi"),
        )],
    );
    pg_template["spec"]["containers"][0]["env"] = json!([
        {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "postgres-credentials", "key": "password"}}},
        {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
    ]);
    pg_template["spec"]["containers"][0]["volumeMounts"] =
        json!([{"name": "data", "mountPath": "/var/lib/postgresql/data"}]);
    let mut pg = object(
        "apps/v1",
        "StatefulSet",
        "data",
        "postgres",
        json!({"app": "postgres"}),
    );
    pg["metadata"]["generation"] = json!(1);
    pg["spec"] = json!({
        "replicas": 2,
        "serviceName": "postgres",
        "podManagementPolicy": "OrderedReady",
        "selector": {"matchLabels": {"app": "postgres"}},
        "template": pg_template,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "revisionHistoryLimit": 10,
        "volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard", "resources": {"requests": {"storage": "10Gi"}}, "volumeMode": "Filesystem"}}],
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
    });
    out.push(aged(pg, now, days(9)));
    out.push(aged(
        service(
            "data",
            "postgres",
            "ClusterIP",
            "postgres",
            "None",
            &[("postgres", 5432, json!(5432))],
        ),
        now,
        days(9),
    ));
    let mut redis = object(
        "apps/v1",
        "StatefulSet",
        "data",
        "redis",
        json!({"app": "redis"}),
    );
    redis["metadata"]["generation"] = json!(1);
    redis["spec"] = json!({
        "replicas": 1, "serviceName": "redis", "podManagementPolicy": "OrderedReady",
        "selector": {"matchLabels": {"app": "redis"}},
        "template": template(json!({"app": "redis"}), vec![container("redis", "redis:7.4.5", Some((6379, "redis")), ("100m", "500m"), ("128Mi", "512Mi"))]),
        "updateStrategy": {"type": "RollingUpdate"}, "revisionHistoryLimit": 10,
    });
    out.push(aged(redis, now, days(9)));
    out.push(aged(
        service(
            "data",
            "redis",
            "ClusterIP",
            "redis",
            "10.96.130.20",
            &[("redis", 6379, json!("redis"))],
        ),
        now,
        days(9),
    ));

    let mut migrate = template(
        json!({"app": "db-migrate"}),
        vec![container(
            "migrate",
            "ghcr.io/wheelhouse-demo/migrate:2.4.1",
            None,
            ("100m", ""),
            ("64Mi", ""),
        )],
    );
    migrate["spec"]["restartPolicy"] = json!("Never");
    migrate["metadata"]["annotations"] = json!({RUN_SECONDS_ANNOTATION: "8"});
    let mut job = object(
        "batch/v1",
        "Job",
        "data",
        "db-migrate",
        json!({"app": "db-migrate"}),
    );
    job["metadata"]["generation"] = json!(1);
    job["spec"] = json!({"completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": false, "template": migrate});
    out.push(aged(job, now, SignedDuration::from_mins(30)));
    // A parallel Job (4 completions, 2 at a time) and one that fails for good.
    let mut reindex_pod = template(
        json!({"app": "reindex"}),
        vec![container(
            "reindex",
            "ghcr.io/wheelhouse-demo/search-indexer:0.4.2",
            None,
            ("200m", ""),
            ("256Mi", "512Mi"),
        )],
    );
    reindex_pod["spec"]["restartPolicy"] = json!("Never");
    reindex_pod["metadata"]["annotations"] = json!({RUN_SECONDS_ANNOTATION: "12"});
    let mut reindex = object(
        "batch/v1",
        "Job",
        "data",
        "reindex",
        json!({"app": "reindex"}),
    );
    reindex["metadata"]["generation"] = json!(1);
    reindex["spec"] = json!({"completions": 4, "parallelism": 2, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": false, "template": reindex_pod});
    out.push(aged(reindex, now, SignedDuration::from_mins(5)));
    let mut import_pod = template(
        json!({"app": "import-legacy"}),
        vec![container(
            "import",
            "busybox:1.37",
            None,
            ("50m", ""),
            ("32Mi", ""),
        )],
    );
    import_pod["spec"]["restartPolicy"] = json!("Never");
    import_pod["spec"]["containers"][0]["command"] =
        json!(["sh", "-c", "echo importing legacy orders; exit 1"]);
    let mut import = object(
        "batch/v1",
        "Job",
        "data",
        "import-legacy",
        json!({"app": "import-legacy"}),
    );
    import["metadata"]["generation"] = json!(1);
    import["spec"] = json!({"completions": 1, "parallelism": 1, "backoffLimit": 1, "completionMode": "NonIndexed", "suspend": false, "template": import_pod});
    out.push(aged(import, now, SignedDuration::from_mins(50)));

    let mut backup_pod = template(
        json!({"app": "db-backup"}),
        vec![container(
            "backup",
            "postgres:17.2",
            None,
            ("50m", ""),
            ("64Mi", ""),
        )],
    );
    backup_pod["spec"]["restartPolicy"] = json!("OnFailure");
    backup_pod["spec"]["containers"][0]["command"] = json!([
        "sh",
        "-c",
        "pg_dump -h postgres shop | gzip > /backup/shop.sql.gz"
    ]);
    backup_pod["metadata"]["annotations"] = json!({RUN_SECONDS_ANNOTATION: "6"});
    for (name, schedule, suspend) in [
        ("db-backup", "*/5 * * * *", false),
        ("report-nightly", "0 2 * * *", true),
    ] {
        let mut cj = object("batch/v1", "CronJob", "data", name, json!({"app": name}));
        cj["metadata"]["generation"] = json!(1);
        let mut t = backup_pod.clone();
        t["metadata"]["labels"]["app"] = json!(name);
        cj["spec"] = json!({
            "schedule": schedule, "suspend": suspend, "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
            "jobTemplate": {"spec": {"backoffLimit": 2, "template": t}},
        });
        out.push(aged(cj, now, days(9)));
    }
    let worker = template(
        json!({"app": "analytics-worker"}),
        vec![container(
            "worker",
            "ghcr.io/wheelhouse-demo/analytics:0.9.0",
            None,
            ("16", "16"),
            ("4Gi", "8Gi"),
        )],
    );
    out.push(aged(
        deployment("data", "analytics-worker", 1, worker),
        now,
        SignedDuration::from_hours(3),
    ));

    let mut secret = object(
        "v1",
        "Secret",
        "data",
        "postgres-credentials",
        json!({"app": "postgres"}),
    );
    secret["type"] = json!("Opaque");
    secret["data"] = json!({"username": b64("postgres"), "password": b64("demo-password")});
    out.push(aged(secret, now, days(9)));
    let mut pv = object(
        "v1",
        "PersistentVolume",
        "",
        "pv-uploads",
        json!({"type": "local"}),
    );
    pv["spec"] = json!({
        "capacity": {"storage": "20Gi"}, "accessModes": ["ReadWriteMany"], "persistentVolumeReclaimPolicy": "Retain",
        "storageClassName": "standard", "volumeMode": "Filesystem", "hostPath": {"path": "/mnt/uploads", "type": ""},
        "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": "uploads", "namespace": "data"},
    });
    pv["status"] = json!({"phase": "Bound"});
    out.push(aged(pv, now, days(9)));
    let mut pvc = object(
        "v1",
        "PersistentVolumeClaim",
        "data",
        "uploads",
        json!({"app": "api"}),
    );
    pvc["spec"] = json!({"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "20Gi"}}, "storageClassName": "standard", "volumeMode": "Filesystem", "volumeName": "pv-uploads"});
    pvc["status"] = json!({"phase": "Bound", "accessModes": ["ReadWriteMany"], "capacity": {"storage": "20Gi"}});
    out.push(aged(pvc, now, days(9)));
    let mut pending_pvc = object("v1", "PersistentVolumeClaim", "data", "scratch", json!({}));
    pending_pvc["spec"] = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Gi"}}, "storageClassName": "fast-ssd", "volumeMode": "Filesystem"});
    pending_pvc["status"] = json!({"phase": "Pending"});
    out.push(aged(pending_pvc, now, days(1)));
    let mut quota = object("v1", "ResourceQuota", "data", "data-quota", json!({}));
    quota["spec"] = json!({"hard": {"requests.cpu": "24", "requests.memory": "48Gi", "limits.memory": "96Gi", "pods": "40", "persistentvolumeclaims": "10"}});
    quota["status"] = json!({"hard": quota["spec"]["hard"].clone(), "used": {"requests.cpu": "16750m", "requests.memory": "4992Mi", "limits.memory": "13056Mi", "pods": "6", "persistentvolumeclaims": "4"}});
    out.push(aged(quota, now, days(9)));
    let mut limits = object("v1", "LimitRange", "data", "data-limits", json!({}));
    limits["spec"] = json!({"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "512Mi"}, "defaultRequest": {"cpu": "100m", "memory": "128Mi"}, "max": {"cpu": "16", "memory": "16Gi"}}]});
    out.push(aged(limits, now, days(9)));
    out
}

fn monitoring(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let mut exporter = template(
        json!({"app": "node-exporter"}),
        vec![container(
            "node-exporter",
            "quay.io/prometheus/node-exporter:v1.9.1",
            Some((9100, "metrics")),
            ("50m", "200m"),
            ("32Mi", "64Mi"),
        )],
    );
    exporter["spec"]["tolerations"] = json!([{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]);
    exporter["spec"]["hostNetwork"] = json!(true);
    let mut ds = object(
        "apps/v1",
        "DaemonSet",
        "monitoring",
        "node-exporter",
        json!({"app": "node-exporter"}),
    );
    ds["metadata"]["generation"] = json!(1);
    ds["spec"] = json!({"selector": {"matchLabels": {"app": "node-exporter"}}, "template": exporter, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}, "revisionHistoryLimit": 10});
    out.push(aged(ds, now, days(8)));
    let mut prom = template(
        json!({"app": "prometheus"}),
        vec![container(
            "prometheus",
            "quay.io/prometheus/prometheus:v3.5.0",
            Some((9090, "web")),
            ("500m", "2"),
            ("1Gi", "2Gi"),
        )],
    );
    prom["spec"]["containers"][0]["args"] = json!([
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.retention.time=15d"
    ]);
    prom["spec"]["volumes"] =
        json!([{"name": "config", "configMap": {"name": "prometheus-config"}}]);
    prom["spec"]["containers"][0]["volumeMounts"] =
        json!([{"name": "config", "mountPath": "/etc/prometheus"}]);
    out.push(aged(
        deployment("monitoring", "prometheus", 1, prom),
        now,
        days(8),
    ));
    let mut grafana = template(
        json!({"app": "grafana"}),
        vec![container(
            "grafana",
            "grafana/grafana:12.1.0",
            Some((3000, "http")),
            ("100m", "500m"),
            ("128Mi", "256Mi"),
        )],
    );
    grafana["spec"]["initContainers"] = json!([container(
        "init-chown-data",
        "busybox:1.37",
        None,
        ("", ""),
        ("", "")
    )]);
    grafana["spec"]["initContainers"][0]["command"] =
        json!(["chown", "-R", "472:472", "/var/lib/grafana"]);
    out.push(aged(
        deployment("monitoring", "grafana", 1, grafana),
        now,
        days(8),
    ));
    out.push(aged(
        service(
            "monitoring",
            "prometheus",
            "ClusterIP",
            "prometheus",
            "10.96.140.10",
            &[("web", 9090, json!("web"))],
        ),
        now,
        days(8),
    ));
    let mut g = service(
        "monitoring",
        "grafana",
        "NodePort",
        "grafana",
        "10.96.140.20",
        &[("http", 80, json!("http"))],
    );
    g["spec"]["ports"][0]["nodePort"] = json!(30300);
    g["spec"]["externalTrafficPolicy"] = json!("Cluster");
    out.push(aged(g, now, days(8)));
    let mut cm = object(
        "v1",
        "ConfigMap",
        "monitoring",
        "prometheus-config",
        json!({"app": "prometheus"}),
    );
    cm["data"] = json!({"prometheus.yml": "global:\n  scrape_interval: 30s\nscrape_configs:\n  - job_name: node-exporter\n    kubernetes_sd_configs:\n      - role: endpoints\n        namespaces:\n          names: [monitoring]\n"});
    out.push(aged(cm, now, days(8)));
    out
}

fn team_a(now: Timestamp) -> Vec<Value> {
    let mut out = Vec::new();
    let hello = template(
        json!({"app": "hello"}),
        vec![container(
            "hello",
            "ghcr.io/wheelhouse-demo/hello:1.0.0",
            Some((8080, "http")),
            ("50m", "200m"),
            ("32Mi", "64Mi"),
        )],
    );
    let mut d = deployment("team-a", "hello", 2, hello);
    d["metadata"]["annotations"] = json!({"kubernetes.io/change-cause": "initial release"});
    out.push(aged(d, now, days(3)));
    out.push(aged(
        service(
            "team-a",
            "hello",
            "ClusterIP",
            "hello",
            "10.96.150.10",
            &[("http", 80, json!("http"))],
        ),
        now,
        days(3),
    ));
    let mut sa = object("v1", "ServiceAccount", "team-a", "builder", json!({}));
    sa["automountServiceAccountToken"] = json!(false);
    out.push(aged(sa, now, days(3)));
    let mut role = object(
        "rbac.authorization.k8s.io/v1",
        "Role",
        "team-a",
        "developer",
        json!({}),
    );
    role["rules"] = json!([
        {"apiGroups": ["", "apps", "batch"], "resources": ["pods", "pods/log", "deployments", "replicasets", "jobs", "services", "configmaps"], "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]},
    ]);
    out.push(aged(role, now, days(3)));
    let mut rb = object(
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        "team-a",
        "developers",
        json!({}),
    );
    rb["roleRef"] =
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "developer"});
    rb["subjects"] = json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "team-a"}, {"kind": "ServiceAccount", "name": "builder", "namespace": "team-a"}]);
    out.push(aged(rb, now, days(3)));
    out
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
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "viewers"}]);
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
/// (`crates/apps/crds/`), so `wheelhouse sim` offers the app store's repositories to kubectl too.
pub fn chart_repository_crd(now: Timestamp) -> Value {
    let mut crd: Value =
        serde_yaml::from_str(include_str!("../../../apps/crds/chartrepository.yaml"))
            .unwrap_or_else(|_| json!({}));
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
    let chart_repositories = chart_repository_crd(now);
    if chart_repositories.pointer("/spec/names").is_some() {
        all.push(chart_repositories);
    }
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
}
