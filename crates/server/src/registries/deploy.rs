//! "Deploy this image": the YAML of a Deployment (and, when asked, a Service) made from a form.
//!
//! The server only writes the YAML, checked field by field (422 naming each field); the person
//! sees it, and it goes through `POST /api/v1/apply` like any YAML: a server dry run first, then
//! the apply, each as the person.

use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_apps::images::ImageRef;
use wheelhouse_apps::validate::{self, FieldError};

use crate::error::{ApiJson, Result};

/// Replicas a form may ask for at most.
const MAX_REPLICAS: u32 = 1000;
/// Environment variables a form may set at most.
const MAX_ENV: usize = 100;

/// One environment variable of the form.
#[derive(Debug, Clone, Deserialize, Serialize, TS)]
pub struct DeployEnv {
    pub name: String,
    pub value: String,
}

/// The body of `POST /api/v1/registries/_deploy`.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeployRequest {
    /// `host/repository:tag` or `…@sha256:…`.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub image: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub name: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub namespace: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub replicas: Option<u32>,
    /// The container port; a Service needs one.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub port: Option<u16>,
    #[serde(default)]
    #[ts(optional = nullable)]
    pub env: Vec<DeployEnv>,
    /// CPU request (`250m`).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub cpu: Option<String>,
    /// Memory request and limit (`256Mi`).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub memory: Option<String>,
    /// A Secret of type `kubernetes.io/dockerconfigjson` in the namespace.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub pull_secret: Option<String>,
    /// Also a ClusterIP Service on the port.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub service: bool,
}

/// The YAML to show and apply.
#[derive(Debug, Serialize, TS)]
pub struct DeployYaml {
    pub yaml: String,
}

fn env_name_problem(name: &str) -> Option<String> {
    let valid = !name.is_empty()
        && name.len() <= 253
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    (!valid).then(|| format!("{name:?} is not an environment variable name (letters, digits, _ - .; not starting with a digit)"))
}

/// The objects the form describes, or each field's problem.
pub(crate) fn objects(request: &DeployRequest) -> std::result::Result<Vec<Value>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if ImageRef::parse(&request.image).is_none() {
        errors.push(FieldError::new(
            "image",
            "the image is not a reference such as registry.example/team/app:1.0",
        ));
    }
    errors.extend(validate::object_name("name", &request.name));
    errors.extend(validate::namespace(&request.namespace));
    let replicas = request.replicas.unwrap_or(1);
    if replicas > MAX_REPLICAS {
        errors.push(FieldError::new(
            "replicas",
            format!("at most {MAX_REPLICAS} replicas"),
        ));
    }
    if request.port == Some(0) {
        errors.push(FieldError::new("port", "a port is 1 to 65535"));
    }
    if request.service && request.port.is_none() {
        errors.push(FieldError::new(
            "port",
            "a Service needs the container's port",
        ));
    }
    if request.env.len() > MAX_ENV {
        errors.push(FieldError::new(
            "env",
            format!("at most {MAX_ENV} variables"),
        ));
    }
    for variable in &request.env {
        if let Some(problem) = env_name_problem(&variable.name) {
            errors.push(FieldError::new("env", problem));
        }
    }
    for (field, value) in [("cpu", &request.cpu), ("memory", &request.memory)] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty())
            && wheelhouse_model::quantity::parse(value).is_none()
        {
            errors.push(FieldError::new(
                field,
                format!("{value:?} is not a quantity such as 250m or 256Mi"),
            ));
        }
    }
    if let Some(secret) = request.pull_secret.as_deref().filter(|s| !s.is_empty()) {
        errors.extend(validate::object_name("pullSecret", secret));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let labels = json!({"app.kubernetes.io/name": request.name, "app.kubernetes.io/created-by": "wheelhouse"});
    let mut container = json!({"name": request.name, "image": request.image.trim()});
    if let Some(port) = request.port {
        container["ports"] = json!([{"containerPort": port, "protocol": "TCP"}]);
    }
    if !request.env.is_empty() {
        container["env"] = json!(request.env);
    }
    let mut requests = serde_json::Map::new();
    if let Some(cpu) = request.cpu.as_deref().filter(|v| !v.is_empty()) {
        requests.insert("cpu".into(), json!(cpu));
    }
    if let Some(memory) = request.memory.as_deref().filter(|v| !v.is_empty()) {
        requests.insert("memory".into(), json!(memory));
        container["resources"] = json!({"limits": {"memory": memory}});
    }
    if !requests.is_empty() {
        container["resources"]["requests"] = Value::Object(requests);
    }
    let mut pod = json!({"containers": [container]});
    if let Some(secret) = request.pull_secret.as_deref().filter(|s| !s.is_empty()) {
        pod["imagePullSecrets"] = json!([{"name": secret}]);
    }
    let mut objects = vec![json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": request.name, "namespace": request.namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": request.name}},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    })];
    if let (true, Some(port)) = (request.service, request.port) {
        objects.push(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": request.name, "namespace": request.namespace, "labels": labels},
            "spec": {
                "selector": {"app.kubernetes.io/name": request.name},
                "ports": [{"port": port, "targetPort": port, "protocol": "TCP"}],
            },
        }));
    }
    Ok(objects)
}

/// `POST /api/v1/registries/_deploy`: the YAML of the form's objects.
pub(super) async fn deployment_yaml(
    ApiJson(request): ApiJson<DeployRequest>,
) -> Result<Json<DeployYaml>> {
    let objects = objects(&request).map_err(crate::apps::invalid)?;
    let yaml = objects
        .iter()
        .map(|o| serde_yaml::to_string(o).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("---\n");
    Ok(Json(DeployYaml { yaml }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: Value) -> DeployRequest {
        serde_json::from_value(body).expect("a request")
    }

    #[test]
    fn a_form_makes_a_deployment_and_a_service() {
        let objects = objects(&request(json!({
            "image": "127.0.0.1:5000/team/app:1.0", "name": "app", "namespace": "default",
            "replicas": 2, "port": 8080, "env": [{"name": "MODE", "value": "demo"}],
            "cpu": "250m", "memory": "128Mi", "pullSecret": "regcred", "service": true,
        })))
        .expect("valid");
        assert_eq!(objects.len(), 2);
        let deployment = &objects[0];
        assert_eq!(deployment["spec"]["replicas"], 2);
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(container["image"], "127.0.0.1:5000/team/app:1.0");
        assert_eq!(container["ports"][0]["containerPort"], 8080);
        assert_eq!(container["resources"]["requests"]["cpu"], "250m");
        assert_eq!(container["resources"]["limits"]["memory"], "128Mi");
        assert_eq!(
            deployment["spec"]["template"]["spec"]["imagePullSecrets"][0]["name"],
            "regcred"
        );
        assert_eq!(objects[1]["kind"], "Service");
        assert_eq!(objects[1]["spec"]["ports"][0]["port"], 8080);
    }

    #[test]
    fn each_wrong_field_is_named() {
        let errors = objects(&request(json!({
            "image": "not an image", "name": "Bad_Name", "namespace": "", "replicas": 5000,
            "env": [{"name": "1X", "value": ""}], "cpu": "lots", "service": true,
        })))
        .expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in [
            "image",
            "name",
            "namespace",
            "replicas",
            "env",
            "cpu",
            "port",
        ] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
    }
}
