//! Fills in the defaults kube-apiserver adds to objects on create and update (the ones clients
//! read back: pod spec fields, service IPs, deployment strategy, namespace labels…).

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Map, Value, json};

use crate::storage::ResourceInfo;
use crate::storage::now_rfc3339;

static NEXT_IP: AtomicU32 = AtomicU32::new(1);
static NEXT_NODE_PORT: AtomicU32 = AtomicU32::new(30_000);

fn set_default(map: &mut Map<String, Value>, key: &str, value: Value) {
    if map.get(key).is_none_or(Value::is_null) {
        map.insert(key.into(), value);
    }
}

fn obj<'a>(value: &'a mut Value, key: &str) -> Option<&'a mut Map<String, Value>> {
    let map = value.as_object_mut()?;
    let entry = map.entry(key).or_insert_with(|| json!({}));
    if entry.is_null() {
        *entry = json!({});
    }
    entry.as_object_mut()
}

/// Applies the defaults of the object's kind. `creating` is true on create (status defaults).
pub fn apply(info: &ResourceInfo, object: &mut Value, creating: bool) {
    match (info.group.as_str(), info.plural.as_str()) {
        ("", "namespaces") => namespace(object, creating),
        ("", "pods") => {
            if let Some(spec) = obj(object, "spec") {
                pod_spec(spec, true);
            }
            if creating && object.get("status").is_none_or(Value::is_null) {
                object["status"] = json!({"phase": "Pending", "qosClass": qos_class(object)});
            }
        }
        ("", "services") => service(object),
        ("", "secrets") => secret(object),
        ("", "persistentvolumeclaims") => {
            if let Some(spec) = obj(object, "spec") {
                set_default(spec, "volumeMode", json!("Filesystem"));
            }
            if creating && object.get("status").is_none_or(Value::is_null) {
                object["status"] = json!({"phase": "Pending"});
            }
        }
        ("", "persistentvolumes") => {
            if let Some(spec) = obj(object, "spec") {
                set_default(spec, "persistentVolumeReclaimPolicy", json!("Retain"));
                set_default(spec, "volumeMode", json!("Filesystem"));
            }
            if creating && object.get("status").is_none_or(Value::is_null) {
                object["status"] = json!({"phase": "Pending"});
            }
        }
        ("apps", "deployments") => {
            if let Some(spec) = obj(object, "spec") {
                set_default(spec, "replicas", json!(1));
                set_default(spec, "revisionHistoryLimit", json!(10));
                set_default(spec, "progressDeadlineSeconds", json!(600));
                set_default(spec, "strategy", json!({}));
                if let Some(strategy) = spec.get_mut("strategy").and_then(Value::as_object_mut) {
                    set_default(strategy, "type", json!("RollingUpdate"));
                    if strategy.get("type") == Some(&json!("RollingUpdate")) {
                        set_default(strategy, "rollingUpdate", json!({}));
                        if let Some(ru) = strategy
                            .get_mut("rollingUpdate")
                            .and_then(Value::as_object_mut)
                        {
                            set_default(ru, "maxSurge", json!("25%"));
                            set_default(ru, "maxUnavailable", json!("25%"));
                        }
                    }
                }
                template(spec);
            }
            status_object(object, creating);
        }
        ("apps", "replicasets") => {
            if let Some(spec) = obj(object, "spec") {
                set_default(spec, "replicas", json!(1));
                template(spec);
            }
            if creating && object.get("status").is_none_or(Value::is_null) {
                object["status"] = json!({"replicas": 0});
            }
        }
        ("apps", "statefulsets") => {
            if let Some(spec) = obj(object, "spec") {
                set_default(spec, "replicas", json!(1));
                set_default(spec, "podManagementPolicy", json!("OrderedReady"));
                set_default(spec, "revisionHistoryLimit", json!(10));
                set_default(
                    spec,
                    "updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
                );
                set_default(
                    spec,
                    "persistentVolumeClaimRetentionPolicy",
                    json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
                );
                template(spec);
            }
            if creating && object.get("status").is_none_or(Value::is_null) {
                object["status"] = json!({"replicas": 0, "availableReplicas": 0});
            }
        }
        ("apps", "daemonsets") => {
            if let Some(spec) = obj(object, "spec") {
                set_default(spec, "revisionHistoryLimit", json!(10));
                set_default(
                    spec,
                    "updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}),
                );
                template(spec);
            }
            if creating && object.get("status").is_none_or(Value::is_null) {
                object["status"] = json!({"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                    "numberMisscheduled": 0, "numberReady": 0});
            }
        }
        ("batch", "jobs") => job(object, creating),
        ("batch", "cronjobs") => {
            if let Some(spec) = obj(object, "spec") {
                set_default(spec, "concurrencyPolicy", json!("Allow"));
                set_default(spec, "suspend", json!(false));
                set_default(spec, "successfulJobsHistoryLimit", json!(3));
                set_default(spec, "failedJobsHistoryLimit", json!(1));
                if let Some(job_spec) = spec.get_mut("jobTemplate").and_then(|t| obj(t, "spec")) {
                    job_spec_defaults(job_spec);
                }
            }
            status_object(object, creating);
        }
        ("networking.k8s.io", "ingresses")
            if creating && object.get("status").is_none_or(Value::is_null) =>
        {
            object["status"] = json!({"loadBalancer": {}});
        }
        ("apiextensions.k8s.io", "customresourcedefinitions") => crd(object),
        _ => {}
    }
}

fn status_object(object: &mut Value, creating: bool) {
    if creating && object.get("status").is_none_or(Value::is_null) {
        object["status"] = json!({});
    }
}

fn namespace(object: &mut Value, creating: bool) {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(labels) = object.get_mut("metadata").and_then(|m| obj(m, "labels"))
        && !name.is_empty()
    {
        labels.insert("kubernetes.io/metadata.name".into(), json!(name));
    }
    if let Some(spec) = obj(object, "spec") {
        set_default(spec, "finalizers", json!(["kubernetes"]));
    }
    if creating {
        object["status"] = json!({"phase": "Active"});
    }
}

/// Defaults of a pod template inside a workload spec.
fn template(spec: &mut Map<String, Value>) {
    if let Some(t) = spec.get_mut("template")
        && let Some(pod_spec) = obj(t, "spec")
    {
        pod_spec_defaults(pod_spec, false);
    }
}

fn pod_spec(spec: &mut Map<String, Value>, is_pod: bool) {
    pod_spec_defaults(spec, is_pod);
}

fn pod_spec_defaults(spec: &mut Map<String, Value>, is_pod: bool) {
    set_default(spec, "restartPolicy", json!("Always"));
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "schedulerName", json!("default-scheduler"));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "securityContext", json!({}));
    if is_pod {
        set_default(spec, "enableServiceLinks", json!(true));
        set_default(spec, "priority", json!(0));
        set_default(spec, "preemptionPolicy", json!("PreemptLowerPriority"));
        let sa = spec
            .get("serviceAccountName")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_string();
        set_default(spec, "serviceAccountName", json!(sa));
        set_default(spec, "serviceAccount", json!(sa));
        set_default(
            spec,
            "tolerations",
            json!([
                {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
            ]),
        );
    }
    for list in ["containers", "initContainers"] {
        if let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in containers.iter_mut().filter_map(Value::as_object_mut) {
                container(c);
            }
        }
    }
}

fn container(c: &mut Map<String, Value>) {
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    let last = image.rsplit('/').next().unwrap_or(image);
    let latest = !last.contains(':') && !image.contains('@') || last.ends_with(":latest");
    set_default(
        c,
        "imagePullPolicy",
        json!(if latest { "Always" } else { "IfNotPresent" }),
    );
    set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(c, "terminationMessagePolicy", json!("File"));
    set_default(c, "resources", json!({}));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "protocol", json!("TCP"));
        }
    }
}

fn qos_class(pod: &Value) -> &'static str {
    let containers = pod.pointer("/spec/containers").and_then(Value::as_array);
    let mut any = false;
    let mut guaranteed = true;
    for c in containers.into_iter().flatten() {
        let requests = c.pointer("/resources/requests").and_then(Value::as_object);
        let limits = c.pointer("/resources/limits").and_then(Value::as_object);
        if requests.is_some_and(|r| !r.is_empty()) || limits.is_some_and(|l| !l.is_empty()) {
            any = true;
        }
        let full = |m: Option<&Map<String, Value>>| {
            m.is_some_and(|m| m.contains_key("cpu") && m.contains_key("memory"))
        };
        if !full(limits) || (requests.is_some() && requests != limits) {
            guaranteed = false;
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

fn service(object: &mut Value) {
    let Some(spec) = obj(object, "spec") else {
        return;
    };
    set_default(spec, "type", json!("ClusterIP"));
    set_default(spec, "sessionAffinity", json!("None"));
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    if kind != "ExternalName" {
        set_default(spec, "internalTrafficPolicy", json!("Cluster"));
        if spec.get("clusterIP").is_none_or(|v| v.as_str() == Some("")) {
            let n = NEXT_IP.fetch_add(1, Ordering::Relaxed);
            // The upper half of the service range, so scenario-made IPs (10.96.0.x…) stay unique.
            let ip = format!("10.96.{}.{}", 128 + (n / 250) % 120, n % 250 + 1);
            spec.insert("clusterIP".into(), json!(ip));
        }
        let ip = spec.get("clusterIP").cloned().unwrap_or(json!("None"));
        set_default(spec, "clusterIPs", json!([ip]));
        set_default(spec, "ipFamilies", json!(["IPv4"]));
        set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
    }
    let needs_node_port = kind == "NodePort" || kind == "LoadBalancer";
    if needs_node_port {
        set_default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "protocol", json!("TCP"));
            let port = p.get("port").cloned().unwrap_or(json!(80));
            set_default(p, "targetPort", port);
            if needs_node_port {
                let next = NEXT_NODE_PORT.fetch_add(1, Ordering::Relaxed);
                set_default(p, "nodePort", json!(30_000 + (next - 30_000) % 2768));
            }
        }
    }
    if object.get("status").is_none_or(Value::is_null) {
        object["status"] = json!({"loadBalancer": {}});
    }
}

fn secret(object: &mut Value) {
    let Some(map) = object.as_object_mut() else {
        return;
    };
    set_default(map, "type", json!("Opaque"));
    if let Some(Value::Object(string_data)) = map.remove("stringData") {
        use base64::Engine;
        let data = map.entry("data").or_insert_with(|| json!({}));
        if let Some(data) = data.as_object_mut() {
            for (k, v) in string_data {
                let text = v.as_str().unwrap_or_default();
                data.insert(
                    k,
                    json!(base64::engine::general_purpose::STANDARD.encode(text)),
                );
            }
        }
    }
}

fn job_spec_defaults(spec: &mut Map<String, Value>) {
    set_default(spec, "parallelism", json!(1));
    set_default(spec, "backoffLimit", json!(6));
    set_default(spec, "completionMode", json!("NonIndexed"));
    set_default(spec, "suspend", json!(false));
    set_default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    if let Some(t) = spec.get_mut("template")
        && let Some(pod_spec) = obj(t, "spec")
    {
        pod_spec_defaults(pod_spec, false);
    }
}

fn job(object: &mut Value, creating: bool) {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(spec) = obj(object, "spec") {
        let parallel = spec.get("parallelism").is_some();
        job_spec_defaults(spec);
        if !parallel && spec.get("completions").is_none() {
            spec.insert("completions".into(), json!(1));
        }
        // The job controller's selector: by job name (kube also adds the controller uid).
        if !name.is_empty()
            && spec.get("selector").is_none()
            && spec.get("manualSelector") != Some(&json!(true))
        {
            spec.insert(
                "selector".into(),
                json!({"matchLabels": {"batch.kubernetes.io/job-name": name}}),
            );
            if let Some(t) = spec.get_mut("template")
                && let Some(meta) = obj(t, "metadata")
                && let Some(labels) = {
                    let entry = meta.entry("labels").or_insert_with(|| json!({}));
                    entry.as_object_mut()
                }
            {
                labels.insert("batch.kubernetes.io/job-name".into(), json!(name));
                labels.insert("job-name".into(), json!(name));
            }
        }
    }
    if creating && object.get("status").is_none_or(Value::is_null) {
        object["status"] = json!({});
    }
}

fn crd(object: &mut Value) {
    let names = object.pointer("/spec/names").cloned().unwrap_or(json!({}));
    let mut accepted = names.clone();
    if accepted.get("singular").is_none() {
        let kind = names["kind"].as_str().unwrap_or("").to_lowercase();
        accepted["singular"] = json!(kind);
    }
    if accepted.get("listKind").is_none() {
        accepted["listKind"] = json!(format!("{}List", names["kind"].as_str().unwrap_or("")));
    }
    if let Some(spec) = obj(object, "spec")
        && let Some(n) = spec.get_mut("names").and_then(Value::as_object_mut)
    {
        let singular = accepted["singular"].clone();
        let list_kind = accepted["listKind"].clone();
        set_default(n, "singular", singular);
        set_default(n, "listKind", list_kind);
    }
    let stored: Vec<Value> = object
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v["storage"].as_bool() == Some(true))
                .map(|v| v["name"].clone())
                .collect()
        })
        .unwrap_or_default();
    let now = now_rfc3339();
    object["status"] = json!({
        "acceptedNames": accepted,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now}
        ],
        "storedVersions": stored
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Kinds;
    use crate::storage::Store;

    fn info(group: &str, plural: &str) -> ResourceInfo {
        let kinds = Kinds::new(Store::new());
        (*kinds.find(group, "v1", plural).expect("served")).clone()
    }

    #[test]
    fn deployment_defaults_match_the_reference_create() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "reference", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}}});
        apply(&info("apps", "deployments"), &mut d, true);
        let reference: Value = crate::reference::json("kube-apiserver/create-deployment.json");
        assert_eq!(d["spec"], reference["spec"]);
        assert_eq!(d["status"], reference["status"]);
    }

    #[test]
    fn service_gets_a_cluster_ip_and_the_reference_defaults() {
        let mut s = json!({"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}});
        apply(&info("", "services"), &mut s, true);
        assert!(
            s["spec"]["clusterIP"]
                .as_str()
                .is_some_and(|ip| ip.starts_with("10.96."))
        );
        assert_eq!(s["spec"]["clusterIPs"][0], s["spec"]["clusterIP"]);
        assert_eq!(
            s["spec"]["ports"][0],
            json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        assert_eq!(s["spec"]["sessionAffinity"], "None");
        assert_eq!(s["status"], json!({"loadBalancer": {}}));
    }

    #[test]
    fn namespace_gets_its_name_label_finalizer_and_active_phase() {
        let mut ns = json!({"metadata": {"name": "team-a"}});
        apply(&info("", "namespaces"), &mut ns, true);
        assert_eq!(
            ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
            "team-a"
        );
        assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(ns["status"]["phase"], "Active");
    }

    #[test]
    fn secret_string_data_becomes_base64_data() {
        let mut s = json!({"metadata": {"name": "s"}, "stringData": {"password": "x"}});
        apply(&info("", "secrets"), &mut s, true);
        assert_eq!(s["data"]["password"], "eA==");
        assert_eq!(s["type"], "Opaque");
        assert!(s.get("stringData").is_none());
    }

    #[test]
    fn untagged_images_are_always_pulled() {
        let mut p = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "nginx:1.27"}]}});
        apply(&info("", "pods"), &mut p, true);
        assert_eq!(p["spec"]["containers"][0]["imagePullPolicy"], "Always");
        assert_eq!(
            p["spec"]["containers"][1]["imagePullPolicy"],
            "IfNotPresent"
        );
        assert_eq!(p["status"]["phase"], "Pending");
    }
}
