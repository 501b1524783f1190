//! Pod Security admission, as kube-apiserver's built-in plugin enforces it on pod creation: a
//! namespace labelled `pod-security.kubernetes.io/enforce=baseline` or `restricted` refuses a pod
//! that breaks the level, `403 Forbidden` with the plugin's wording:
//! `pods "x" is forbidden: violates PodSecurity "baseline:latest": host namespaces
//! (hostNetwork=true), privileged (container "c" must not set securityContext.privileged=true)`.
//!
//! The checks are the ones a console's own pods meet: host namespaces, privileged containers and
//! hostPath volumes (baseline), and for restricted also privilege escalation, capabilities,
//! non-root and seccomp. Pod templates (Deployments…) are not checked, and `warn`/`audit` labels
//! are ignored.

use serde_json::Value;

use crate::error::{Error, Result};

/// The label that sets a namespace's enforced level.
pub const ENFORCE: &str = "pod-security.kubernetes.io/enforce";
/// The label that pins the level's version (`latest` when missing).
pub const ENFORCE_VERSION: &str = "pod-security.kubernetes.io/enforce-version";

/// Refuses `pod` when the labels of its namespace enforce a level it breaks.
pub fn admit(namespace: &Value, pod: &Value) -> Result<()> {
    let labels = &namespace["metadata"]["labels"];
    let level = labels[ENFORCE].as_str().unwrap_or("privileged");
    if !matches!(level, "baseline" | "restricted") {
        return Ok(());
    }
    let version = labels[ENFORCE_VERSION].as_str().unwrap_or("latest");
    let broken = violations(level, pod);
    if broken.is_empty() {
        return Ok(());
    }
    let name = pod["metadata"]["name"]
        .as_str()
        .or_else(|| pod["metadata"]["generateName"].as_str())
        .unwrap_or_default();
    Err(Error::Forbidden {
        message: format!(
            "pods \"{name}\" is forbidden: violates PodSecurity \"{level}:{version}\": {}",
            broken.join(", ")
        ),
        resource: "pods".into(),
        name: Some(name.to_string()),
        group: String::new(),
    })
}

/// Every container of a pod spec: init, regular and ephemeral.
fn containers(spec: &Value) -> impl Iterator<Item = &Value> {
    ["initContainers", "containers", "ephemeralContainers"]
        .into_iter()
        .flat_map(move |key| spec[key].as_array().into_iter().flatten())
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The checks `pod` fails at `level`, each worded as the plugin words it.
pub fn violations(level: &str, pod: &Value) -> Vec<String> {
    let spec = &pod["spec"];
    let mut out = Vec::new();
    let hosts: Vec<String> = ["hostNetwork", "hostPID", "hostIPC"]
        .into_iter()
        .filter(|key| spec[*key].as_bool() == Some(true))
        .map(|key| format!("{key}=true"))
        .collect();
    if !hosts.is_empty() {
        out.push(format!("host namespaces ({})", hosts.join(", ")));
    }
    let privileged: Vec<&str> = containers(spec)
        .filter(|c| c["securityContext"]["privileged"].as_bool() == Some(true))
        .filter_map(|c| c["name"].as_str())
        .collect();
    if !privileged.is_empty() {
        let noun = if privileged.len() == 1 {
            "container"
        } else {
            "containers"
        };
        out.push(format!(
            "privileged ({noun} {} must not set securityContext.privileged=true)",
            quoted(&privileged)
        ));
    }
    let host_paths: Vec<&str> = spec["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v.get("hostPath").is_some())
        .filter_map(|v| v["name"].as_str())
        .collect();
    if !host_paths.is_empty() {
        let noun = if host_paths.len() == 1 {
            "volume"
        } else {
            "volumes"
        };
        out.push(format!("hostPath volumes ({noun} {})", quoted(&host_paths)));
    }
    if level != "restricted" {
        return out;
    }
    let names_where = |broken: &dyn Fn(&Value) -> bool| -> Vec<&str> {
        containers(spec)
            .filter(|c| broken(c))
            .filter_map(|c| c["name"].as_str())
            .collect()
    };
    let plural = |names: &[&str], one: &str, many: &str| {
        if names.len() == 1 {
            one.to_string()
        } else {
            many.to_string()
        }
    };
    let escalating =
        names_where(&|c| c["securityContext"]["allowPrivilegeEscalation"].as_bool() != Some(false));
    if !escalating.is_empty() {
        out.push(format!(
            "allowPrivilegeEscalation != false ({} {} must set securityContext.allowPrivilegeEscalation=false)",
            plural(&escalating, "container", "containers"),
            quoted(&escalating)
        ));
    }
    let capable = names_where(&|c| {
        !c["securityContext"]["capabilities"]["drop"]
            .as_array()
            .is_some_and(|d| d.iter().any(|x| x == "ALL"))
    });
    if !capable.is_empty() {
        out.push(format!(
            "unrestricted capabilities ({} {} must set securityContext.capabilities.drop=[\"ALL\"])",
            plural(&capable, "container", "containers"),
            quoted(&capable)
        ));
    }
    let pod_non_root = spec["securityContext"]["runAsNonRoot"].as_bool() == Some(true);
    let root = names_where(&|c| {
        !pod_non_root && c["securityContext"]["runAsNonRoot"].as_bool() != Some(true)
    });
    if !root.is_empty() {
        out.push(format!(
            "runAsNonRoot != true (pod or {} {} must set securityContext.runAsNonRoot=true)",
            plural(&root, "container", "containers"),
            quoted(&root)
        ));
    }
    let profiled = |sc: &Value| {
        matches!(
            sc["seccompProfile"]["type"].as_str(),
            Some("RuntimeDefault" | "Localhost")
        )
    };
    let pod_profiled = profiled(&spec["securityContext"]);
    let unprofiled = names_where(&|c| !pod_profiled && !profiled(&c["securityContext"]));
    if !unprofiled.is_empty() {
        out.push(format!(
            "seccompProfile (pod or {} {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            plural(&unprofiled, "container", "containers"),
            quoted(&unprofiled)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node_shell() -> Value {
        json!({"metadata": {"generateName": "wheelhouse-node-shell-"},
            "spec": {"hostPID": true, "hostNetwork": true, "hostIPC": true,
                "containers": [{"name": "shell", "securityContext": {"privileged": true}}]}})
    }

    fn namespace(level: &str) -> Value {
        json!({"metadata": {"name": "locked", "labels": {ENFORCE: level}}})
    }

    #[test]
    fn a_baseline_namespace_refuses_a_privileged_host_pod_in_the_plugins_words() {
        let refused = admit(&namespace("baseline"), &node_shell()).expect_err("refused");
        assert_eq!(refused.code(), 403);
        assert_eq!(
            refused.to_string(),
            "pods \"wheelhouse-node-shell-\" is forbidden: violates PodSecurity \"baseline:latest\": \
             host namespaces (hostNetwork=true, hostPID=true, hostIPC=true), \
             privileged (container \"shell\" must not set securityContext.privileged=true)"
        );
        assert!(admit(&namespace("privileged"), &node_shell()).is_ok());
        assert!(admit(&json!({"metadata": {"name": "open"}}), &node_shell()).is_ok());
    }

    #[test]
    fn restricted_also_asks_for_a_locked_down_container() {
        let plain = json!({"metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}});
        assert!(admit(&namespace("baseline"), &plain).is_ok());
        let broken = violations("restricted", &plain);
        assert_eq!(broken.len(), 4, "{broken:?}");
        assert!(broken[0].starts_with("allowPrivilegeEscalation != false (container \"app\""));
        let locked = json!({"metadata": {"name": "web"},
            "spec": {"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{"name": "app", "securityContext": {
                    "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}});
        assert!(admit(&namespace("restricted"), &locked).is_ok());
    }
}
