//! Where registries come from: ImageRegistry custom resources (listed, added and removed as the
//! person) and the `imagePullSecrets` of the cluster's pods (shown; used when the person may read
//! the Secret), and how one is opened for a request.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_apps::crd;
use wheelhouse_apps::distribution::Distribution;
use wheelhouse_apps::images::{DOCKER_HUB, DOCKER_HUB_API, host_of_url};
use wheelhouse_apps::registry_crd::{self, ImageRegistrySpec};
use wheelhouse_apps::repository::{self, Credentials, SecretRef};
use wheelhouse_apps::validate::{self, FieldError};
use wheelhouse_cluster::access::{Decision, Question};
use wheelhouse_cluster::calls::{Calls, Deletion};
use wheelhouse_cluster::discovery::KindInfo;
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::warning::{Warning, WarningReason};

use super::usage::visible_objects;
use super::{Opened, Registries};
use crate::AppState;
use crate::access::Access;
use crate::error::{ApiJson, AppError, IntoAppError, Result};
use crate::person::Me;

/// Pull secrets read at most for one list (each is one call as the person).
const MAX_PULL_SECRETS: usize = 50;
/// The prefix of a registry found in a pull secret: `pull:{namespace}:{secret}:{host}`.
const PULL_PREFIX: &str = "pull:";

/// Where a registry was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RegistrySource {
    /// An ImageRegistry custom resource.
    Resource,
    /// A Secret of type `kubernetes.io/dockerconfigjson` a pod names in `imagePullSecrets`.
    PullSecret,
}

/// A registry the console can browse, or could if the person may read its pull secret.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Registry {
    /// The ImageRegistry's name, or `pull:{namespace}:{secret}:{host}`.
    pub name: String,
    /// `https://host`; empty for a pull secret the person may not read.
    pub url: String,
    /// The host image references name it by (`ghcr.io`, `127.0.0.1:5000`).
    pub host: String,
    pub source: RegistrySource,
    pub plain_http: bool,
    /// The ImageRegistry's credentials Secret, or the pull secret.
    pub secret_ref: Option<SecretRef>,
    /// Why it cannot be browsed (a Secret the person may not read, a spec refused), if so.
    pub problem: Option<String>,
    /// Whether the person may remove it (ImageRegistries only).
    pub delete: bool,
}

/// `GET /api/v1/registries`.
#[derive(Debug, Serialize, TS)]
pub struct RegistryList {
    pub items: Vec<Registry>,
    pub warnings: Vec<Warning>,
    /// Whether the person may add an ImageRegistry.
    pub create: Decision,
}

/// ImageRegistries as the cluster serves them.
pub(super) fn image_registries() -> KindInfo {
    KindInfo {
        group: crd::GROUP.into(),
        version: crd::VERSION.into(),
        resource: registry_crd::PLURAL.into(),
        kind: registry_crd::KIND.into(),
        namespaced: false,
        verbs: Vec::new(),
        short_names: Vec::new(),
        preferred_version: crd::VERSION.into(),
        custom: true,
    }
}

fn question(verb: &'static str, name: Option<&str>) -> Question {
    Question {
        verb,
        group: crd::GROUP.into(),
        resource: registry_crd::PLURAL.into(),
        subresource: "",
        namespace: None,
        name: name.map(str::to_string),
    }
}

/// Creates the ImageRegistry CRD when the cluster lacks it and Wheelhouse may (once, at start).
pub(super) async fn ensure_crd(calls: Calls) {
    match calls
        .custom_resource_definition(registry_crd::CRD_NAME)
        .await
    {
        Err(failure) if failure.code == 404 => {
            match calls
                .create_custom_resource_definition(&registry_crd::definition())
                .await
            {
                Ok(_) => {
                    tracing::info!("created the ImageRegistry CRD ({})", registry_crd::CRD_NAME)
                }
                Err(failure) if failure.code == 409 => {}
                Err(failure) => tracing::warn!(
                    "the cluster has no ImageRegistry CRD and Wheelhouse could not create it ({}); \
                     an administrator can apply deploy/helm/wheelhouse/crds/imageregistry.yaml",
                    failure.message
                ),
            }
        }
        _ => {}
    }
}

/// The base URL of a registry's API at `host` (Docker Hub's is not its name).
fn base_of_host(host: &str) -> String {
    if host == DOCKER_HUB {
        format!("https://{DOCKER_HUB_API}")
    } else {
        format!("https://{host}")
    }
}

/// A registry from an ImageRegistry object, with why it cannot be used if it cannot.
fn from_resource(
    object: &Value,
    credentials_namespace: &str,
) -> Option<(Registry, ImageRegistrySpec)> {
    let name = object.pointer("/metadata/name")?.as_str()?.to_string();
    let spec: ImageRegistrySpec =
        match serde_json::from_value(object.get("spec").cloned().unwrap_or(Value::Null)) {
            Ok(spec) => spec,
            Err(error) => {
                let registry = Registry {
                    name,
                    url: String::new(),
                    host: String::new(),
                    source: RegistrySource::Resource,
                    plain_http: false,
                    secret_ref: None,
                    problem: Some(format!("the spec is not valid: {error}")),
                    delete: false,
                };
                let spec = ImageRegistrySpec {
                    url: String::new(),
                    plain_http: false,
                    secret_ref: None,
                };
                return Some((registry, spec));
            }
        };
    let problem = registry_crd::url_problem(&spec.url, spec.plain_http).or_else(|| {
        spec.secret_ref
            .as_ref()
            .and_then(|s| repository::secret_namespace_problem(s, credentials_namespace))
            .map(|p| format!("spec.secretRef: {p}; the Secret is never read"))
    });
    let registry = Registry {
        name,
        url: spec.url.trim_end_matches('/').to_string(),
        host: host_of_url(&spec.url).unwrap_or_default(),
        source: RegistrySource::Resource,
        plain_http: spec.plain_http,
        secret_ref: spec.secret_ref.clone(),
        problem,
        delete: false,
    };
    Some((registry, spec))
}

/// `GET /api/v1/registries`: the ImageRegistries the person may list, then the registries of the
/// pull secrets their pods name (each usable when the person may read the Secret).
pub(super) async fn list(
    State(state): State<AppState>,
    me: Me,
    Extension(registries): Extension<Arc<Registries>>,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(access): Extension<Arc<Access>>,
) -> Result<Json<RegistryList>> {
    state.cluster.ensure_connected().await?;
    let mut items = Vec::new();
    let mut warnings = Vec::new();
    match me.calls.objects(&image_registries(), None, "", "").await {
        Ok(objects) => {
            for object in &objects {
                if let Some((mut registry, _)) =
                    from_resource(object, &registries.credentials_namespace)
                {
                    registry.delete = state
                        .cluster
                        .may(&me.person, &question("delete", Some(&registry.name)))
                        .await
                        .allowed;
                    items.push(registry);
                }
            }
        }
        Err(failure) => warnings.push(failure.warning("ImageRegistry custom resources")),
    }
    match pull_secrets(&resources, &access, &me).await {
        Ok((found, more)) => {
            for (namespace, name) in found {
                items.extend(pull_secret_registries(&me.calls, &namespace, &name).await);
            }
            if more {
                warnings.push(Warning::general(
                    WarningReason::Unavailable,
                    format!("pods name more than {MAX_PULL_SECRETS} pull secrets; the first {MAX_PULL_SECRETS} are shown"),
                ));
            }
        }
        Err(error) => warnings.push(Warning::about(
            WarningReason::Forbidden,
            "pull secrets of pods",
            error.message().to_string(),
        )),
    }
    let create = state
        .cluster
        .may(&me.person, &question("create", None))
        .await;
    Ok(Json(RegistryList {
        items,
        warnings,
        create,
    }))
}

/// The pull secrets (`namespace`, `name`) the pods the person may see name, at most
/// [`MAX_PULL_SECRETS`]; also whether there were more.
async fn pull_secrets(
    resources: &Resources,
    access: &Access,
    me: &Me,
) -> Result<(BTreeSet<(String, String)>, bool)> {
    let pods = visible_objects(
        resources,
        access,
        &me.person,
        "",
        "v1",
        "pods",
        "imagePullSecrets",
    )
    .await?;
    let mut found = BTreeSet::new();
    for pod in &pods {
        let namespace = pod
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for secret in pod
            .pointer("/spec/imagePullSecrets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = secret["name"].as_str().filter(|n| !n.is_empty()) {
                found.insert((namespace.to_string(), name.to_string()));
                if found.len() > MAX_PULL_SECRETS {
                    let mut found = found;
                    found.pop_last();
                    return Ok((found, true));
                }
            }
        }
    }
    Ok((found, false))
}

/// The logins of a `kubernetes.io/dockerconfigjson` Secret: host → credentials.
fn docker_logins(secret: &Value) -> Vec<(String, Option<Credentials>)> {
    let decode = |key: &str| {
        secret["data"][key]
            .as_str()
            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
    };
    let Some(config) = decode(".dockerconfigjson")
        .or_else(|| decode(".dockercfg"))
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
    else {
        return Vec::new();
    };
    let auths = config.get("auths").unwrap_or(&config);
    auths
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(host, login)| {
            let host = host_of_url(host)?;
            let host = if host == "index.docker.io" {
                DOCKER_HUB.to_string()
            } else {
                host
            };
            let pair = login["auth"]
                .as_str()
                .and_then(|a| base64::engine::general_purpose::STANDARD.decode(a).ok())
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| {
                    t.split_once(':')
                        .map(|(u, p)| (u.to_string(), p.to_string()))
                });
            let credentials = match (login["username"].as_str(), login["password"].as_str()) {
                (Some(u), Some(p)) => Some(Credentials {
                    username: u.into(),
                    password: p.into(),
                }),
                _ => pair.map(|(username, password)| Credentials { username, password }),
            };
            Some((host, credentials))
        })
        .collect()
}

/// The registries a pull secret logs in to, read as the person; one entry saying why when they
/// may not read it.
async fn pull_secret_registries(calls: &Calls, namespace: &str, name: &str) -> Vec<Registry> {
    let secret_ref = Some(SecretRef {
        namespace: namespace.into(),
        name: name.into(),
    });
    match calls.secret(namespace, name).await {
        Ok(secret) => docker_logins(&secret)
            .into_iter()
            .map(|(host, _)| Registry {
                name: format!("{PULL_PREFIX}{namespace}:{name}:{host}"),
                url: base_of_host(&host),
                host,
                source: RegistrySource::PullSecret,
                plain_http: false,
                secret_ref: secret_ref.clone(),
                problem: None,
                delete: false,
            })
            .collect(),
        Err(failure) => vec![Registry {
            name: format!("{PULL_PREFIX}{namespace}:{name}:"),
            url: String::new(),
            host: String::new(),
            source: RegistrySource::PullSecret,
            plain_http: false,
            secret_ref,
            problem: Some(format!(
                "the pull secret {namespace}/{name} could not be read with your identity, so Wheelhouse does not use it for you: {}",
                failure.message
            )),
            delete: false,
        }],
    }
}

/// Opens the registry `name` for the person: an ImageRegistry they may get (its login read from
/// the credentials namespace), or a pull secret they may read.
pub(super) async fn open(
    state: &AppState,
    me: &Me,
    registries: &Registries,
    name: &str,
) -> Result<Opened> {
    state.cluster.ensure_connected().await?;
    if let Some(rest) = name.strip_prefix(PULL_PREFIX) {
        let mut parts = rest.splitn(3, ':');
        let (Some(namespace), Some(secret), Some(host)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(AppError::bad_request(format!(
                "{name} is not a registry of a pull secret"
            )));
        };
        let object = me.calls.secret(namespace, secret).await.map_err(|failure| {
            failure.into_error(json!({"verb": "get", "group": "", "resource": "secrets", "namespace": namespace, "name": secret}))
        })?;
        let credentials = docker_logins(&object)
            .into_iter()
            .find(|(h, _)| h == host)
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "the pull secret {namespace}/{secret} has no login for {host}"
                ))
            })?
            .1;
        let registry = Registry {
            name: name.to_string(),
            url: base_of_host(host),
            host: host.to_string(),
            source: RegistrySource::PullSecret,
            plain_http: false,
            secret_ref: Some(SecretRef {
                namespace: namespace.into(),
                name: secret.into(),
            }),
            problem: None,
            delete: false,
        };
        let client = Distribution::new(
            registries.http.clone(),
            registry.url.clone(),
            false,
            credentials,
        );
        return Ok(Opened { registry, client });
    }
    let object = me
        .calls
        .object(&image_registries(), None, name)
        .await
        .map_err(|failure| match failure.code {
            404 => AppError::not_found(format!("there is no image registry {name}")),
            _ => failure.into_error(json!({"verb": "get", "group": crd::GROUP, "resource": registry_crd::PLURAL, "name": name})),
        })?;
    let (registry, spec) = from_resource(&object, &registries.credentials_namespace)
        .ok_or_else(|| AppError::internal("the ImageRegistry has no name"))?;
    if let Some(problem) = &registry.problem {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid",
            problem.clone(),
        ));
    }
    let credentials = match &spec.secret_ref {
        None => None,
        Some(secret) => {
            // Read with the console's identity, as for chart repositories: the person who added
            // the registry had to be able to read it (checked on create).
            let object = crate::apps::console_calls(state)
                .secret(&secret.namespace, &secret.name)
                .await
                .map_err(|f| {
                    AppError::new(
                        StatusCode::BAD_GATEWAY,
                        "RepositoryCredentials",
                        format!(
                            "the credentials Secret {}/{} could not be read: {}",
                            secret.namespace, secret.name, f.message
                        ),
                    )
                })?;
            let field = |key: &str| {
                object["data"][key]
                    .as_str()
                    .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
                    .map(|v| String::from_utf8_lossy(&v).into_owned())
            };
            match (field("username"), field("password")) {
                (Some(username), Some(password)) => Some(Credentials { username, password }),
                _ => {
                    return Err(AppError::new(
                        StatusCode::BAD_GATEWAY,
                        "RepositoryCredentials",
                        format!(
                            "the credentials Secret {}/{} needs the keys username and password",
                            secret.namespace, secret.name
                        ),
                    ));
                }
            }
        }
    };
    let client = Distribution::new(
        registries.http.clone(),
        registry.url.clone(),
        spec.plain_http,
        credentials,
    );
    Ok(Opened { registry, client })
}

/// Whether the person may delete tags of a registry: for an ImageRegistry, whoever may change it
/// (`patch`); for a pull secret, whoever read its login.
pub(super) async fn may_delete_tags(state: &AppState, me: &Me, registry: &Registry) -> Decision {
    match registry.source {
        RegistrySource::PullSecret => Decision {
            allowed: true,
            reason: None,
        },
        RegistrySource::Resource => {
            state
                .cluster
                .may(&me.person, &question("patch", Some(&registry.name)))
                .await
        }
    }
}

/// The body of `POST /api/v1/registries`: add an ImageRegistry.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RegistryRequest {
    #[serde(default)]
    #[ts(optional = nullable)]
    name: String,
    /// `https://host[:port]`, or `http://` with `plainHttp`.
    #[serde(default)]
    #[ts(optional = nullable)]
    url: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    plain_http: bool,
    #[serde(default)]
    #[ts(optional = nullable)]
    secret_ref: Option<SecretRef>,
}

pub(super) async fn create(
    State(state): State<AppState>,
    me: Me,
    Extension(registries): Extension<Arc<Registries>>,
    ApiJson(request): ApiJson<RegistryRequest>,
) -> Result<Response> {
    let mut errors = Vec::new();
    errors.extend(validate::object_name("name", &request.name));
    if let Some(problem) = registry_crd::url_problem(&request.url, request.plain_http) {
        errors.push(FieldError::new("url", problem));
    }
    if let Err(refused) = registries.http.network().check_repository_url(&request.url) {
        errors.push(FieldError::new("url", refused.to_string()));
    }
    errors.extend(crate::apps::secret_ref_error(
        "secretRef",
        request.secret_ref.as_ref(),
        |secret| repository::secret_namespace_problem(secret, &registries.credentials_namespace),
    ));
    if !errors.is_empty() {
        return Err(crate::apps::invalid(errors));
    }
    state.cluster.ensure_connected().await?;
    if let Some(secret) = &request.secret_ref {
        crate::apps::ensure_person_may_read(
            &me.calls,
            secret,
            crate::apps::SecretUse::RegistryCredentials,
        )
        .await?;
    }
    let mut spec = json!({"url": request.url.trim_end_matches('/')});
    if request.plain_http {
        spec["plainHttp"] = json!(true);
    }
    if let Some(secret) = &request.secret_ref {
        spec["secretRef"] = json!(secret);
    }
    let object = json!({
        "apiVersion": format!("{}/{}", crd::GROUP, crd::VERSION), "kind": registry_crd::KIND,
        "metadata": {"name": request.name}, "spec": spec,
    });
    let created = me
        .calls
        .create(&image_registries(), None, &object)
        .await
        .map_err(|failure| match failure.code {
            409 => AppError::new(StatusCode::CONFLICT, "AlreadyExists", format!("an image registry named {} already exists", request.name)),
            404 => AppError::new(StatusCode::SERVICE_UNAVAILABLE, "CrdMissing", format!(
                "the cluster does not serve ImageRegistry resources (CRD {}): {}", registry_crd::CRD_NAME, failure.message)),
            _ => failure.into_error(json!({"verb": "create", "group": crd::GROUP, "resource": registry_crd::PLURAL, "name": request.name})),
        })?;
    let (mut registry, _) = from_resource(&created, &registries.credentials_namespace)
        .ok_or_else(|| AppError::internal("the created ImageRegistry could not be read back"))?;
    registry.delete = true;
    Ok((StatusCode::CREATED, Json(registry)).into_response())
}

pub(super) async fn delete(
    State(state): State<AppState>,
    me: Me,
    Extension(registries): Extension<Arc<Registries>>,
    Path(name): Path<String>,
) -> Result<Response> {
    if name.starts_with(PULL_PREFIX) {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "PullSecret",
            "this registry comes from a pull secret; it goes when no pod names the Secret",
        ));
    }
    state.cluster.ensure_connected().await?;
    me.calls
        .delete(&image_registries(), None, &name, &Deletion::default())
        .await
        .map_err(|failure| match failure.code {
            404 => AppError::not_found(format!("there is no image registry {name}")),
            _ => failure.into_error(json!({"verb": "delete", "group": crd::GROUP, "resource": registry_crd::PLURAL, "name": name})),
        })?;
    registries.tags.forget_prefix(&format!("{name}/"));
    registries.manifests.forget_prefix(&format!("{name}/"));
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_docker_config_gives_each_host_and_its_login() {
        let config = json!({"auths": {
            "https://index.docker.io/v1/": {"auth": base64::engine::general_purpose::STANDARD.encode("ann:pw")},
            "ghcr.io": {"username": "bob", "password": "tok"},
        }});
        let secret = json!({"data": {".dockerconfigjson": base64::engine::general_purpose::STANDARD.encode(config.to_string())}});
        let mut logins = docker_logins(&secret);
        logins.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(logins.len(), 2);
        assert_eq!(logins[0].0, "docker.io");
        assert_eq!(
            logins[0].1.as_ref().map(|c| c.username.as_str()),
            Some("ann")
        );
        assert_eq!(logins[1].0, "ghcr.io");
        assert_eq!(
            logins[1].1.as_ref().map(|c| c.password.as_str()),
            Some("tok")
        );
        assert!(docker_logins(&json!({"data": {}})).is_empty());
    }
}
