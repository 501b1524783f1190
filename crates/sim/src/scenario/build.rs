//! Small builders for the objects scenarios create, so a scenario reads like a list of
//! what is in the cluster rather than pages of JSON.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::controllers::events::rfc3339;
use crate::controllers::meta;
use crate::storage::GroupResource;

/// An object together with the resource it is stored under.
#[derive(Debug, Clone)]
pub struct Seed {
    pub resource: GroupResource,
    pub object: Value,
}

/// Where kinds live in the store, from `apiVersion` and `kind`.
pub fn resource_of(api_version: &str, kind: &str) -> GroupResource {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let plural = match kind {
        "Endpoints" => "endpoints".to_string(),
        "IngressClass" => "ingressclasses".to_string(),
        "StorageClass" => "storageclasses".to_string(),
        "NetworkPolicy" => "networkpolicies".to_string(),
        "PodDisruptionBudget" => "poddisruptionbudgets".to_string(),
        "ResourceQuota" => "resourcequotas".to_string(),
        "Ingress" => "ingresses".to_string(),
        other => format!("{}s", other.to_ascii_lowercase()),
    };
    GroupResource::new(group, &plural)
}

/// A seed from a complete object (its resource found from apiVersion and kind).
pub fn seed(object: Value) -> Seed {
    let resource = resource_of(meta::str_at(&object, &["apiVersion"]), meta::kind(&object));
    Seed { resource, object }
}

/// Minimal object: apiVersion, kind, name, namespace (empty for cluster-scoped) and labels.
pub fn object(api_version: &str, kind: &str, namespace: &str, name: &str, labels: Value) -> Value {
    let mut o = json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}});
    if !namespace.is_empty() {
        meta::set_at(&mut o, &["metadata", "namespace"], json!(namespace));
    }
    if labels.as_object().is_some_and(|l| !l.is_empty()) {
        meta::set_at(&mut o, &["metadata", "labels"], labels);
    }
    o
}

/// Sets `creationTimestamp` to `age` before `now`, so `kubectl get` shows plausible ages.
pub fn aged(mut o: Value, now: Timestamp, age: SignedDuration) -> Value {
    let t = now.saturating_sub(age).unwrap_or(now);
    meta::set_at(
        &mut o,
        &["metadata", "creationTimestamp"],
        json!(rfc3339(t)),
    );
    o
}

/// A container spec with an image, ports and requests/limits (empty strings leave them out).
pub fn container(
    name: &str,
    image: &str,
    port: Option<(i64, &str)>,
    cpu: (&str, &str),
    memory: (&str, &str),
) -> Value {
    let mut c = json!({
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "resources": {},
    });
    if let Some((p, pname)) = port {
        c["ports"] = json!([{"name": pname, "containerPort": p, "protocol": "TCP"}]);
    }
    for (kind, (req, lim)) in [("cpu", cpu), ("memory", memory)] {
        if !req.is_empty() {
            meta::set_at(&mut c, &["resources", "requests", kind], json!(req));
        }
        if !lim.is_empty() {
            meta::set_at(&mut c, &["resources", "limits", kind], json!(lim));
        }
    }
    c
}

/// A pod template with `app` (and extra) labels and the given containers.
pub fn template(labels: Value, containers: Vec<Value>) -> Value {
    json!({
        "metadata": {"labels": labels},
        "spec": {
            "containers": containers,
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
            "terminationGracePeriodSeconds": 30,
            "securityContext": {},
        },
    })
}

/// A Deployment of `replicas` pods from `template`, selecting on `app`.
pub fn deployment(namespace: &str, name: &str, replicas: i64, template: Value) -> Value {
    let app = meta::str_at(&template, &["metadata", "labels", "app"]).to_string();
    let mut d = object(
        "apps/v1",
        "Deployment",
        namespace,
        name,
        json!({"app": app}),
    );
    d["metadata"]["generation"] = json!(1);
    d["spec"] = json!({
        "replicas": replicas,
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
        "selector": {"matchLabels": {"app": app}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
        "template": template,
    });
    d
}

/// A Service selecting `app` with (name, port, targetPort) ports.
pub fn service(
    namespace: &str,
    name: &str,
    kind: &str,
    app: &str,
    cluster_ip: &str,
    ports: &[(&str, i64, Value)],
) -> Value {
    let mut s = object("v1", "Service", namespace, name, json!({"app": app}));
    let ports: Vec<Value> = ports
        .iter()
        .map(|(n, p, t)| json!({"name": n, "port": p, "targetPort": t, "protocol": "TCP"}))
        .collect();
    s["spec"] = json!({
        "type": kind,
        "selector": {"app": app},
        "ports": ports,
        "clusterIP": cluster_ip,
        "clusterIPs": [cluster_ip],
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "sessionAffinity": "None",
        "internalTrafficPolicy": "Cluster",
    });
    if cluster_ip == "None" {
        s["spec"]["clusterIPs"] = json!(["None"]);
    }
    s["status"] = json!({"loadBalancer": {}});
    s
}
