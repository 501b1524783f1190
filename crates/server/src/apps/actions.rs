//! Install, upgrade, rollback and uninstall: checked here (422, 403, 409, 503 before anything
//! runs), then run by helm as an operation (`runner.rs`).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_apps::release::{self, Release};
use wheelhouse_apps::validate::{self, FieldError};
use wheelhouse_cluster::resources::Resources;

use super::runner::{Job, ensure_idle, helm_path, start};
use super::{Apps, invalid, releases};
use crate::AppState;
use crate::error::{ApiJson, AppError, Result};
use crate::object::Operations;
use crate::person::Me;
use wheelhouse_cluster::calls::Calls;

/// The body of `POST /api/v1/apps/releases`: install a chart (every field may be left out;
/// what is missing is refused field by field).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstallRequest {
    #[serde(default)]
    #[ts(optional = nullable)]
    repo: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    chart: String,
    /// The newest when left out.
    #[serde(default)]
    #[ts(optional = nullable)]
    version: Option<String>,
    #[serde(default)]
    #[ts(optional = nullable)]
    name: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    namespace: String,
    #[serde(default)]
    #[ts(optional = nullable)]
    create_namespace: bool,
    /// YAML.
    #[serde(default)]
    #[ts(optional = nullable)]
    values: String,
    /// Set where the chart's values put the Ingress host (the chart detail's `ingress`).
    #[serde(default)]
    #[ts(optional = nullable)]
    ingress_host: Option<String>,
}

/// Sets `path` (`ingress.host`, `ingress.hosts[0].host`) in values, and `ingress.enabled`.
fn set_ingress_host(values: &mut Value, path: &str, host: &str) {
    if !values["ingress"].is_object() {
        values["ingress"] = json!({});
    }
    values["ingress"]["enabled"] = json!(true);
    match path {
        "ingress.hosts[0].host" => {
            if !values["ingress"]["hosts"].is_array() {
                values["ingress"]["hosts"] =
                    json!([{"host": host, "paths": [{"path": "/", "pathType": "Prefix"}]}]);
            } else if let Some(first) = values["ingress"]["hosts"].get_mut(0) {
                first["host"] = json!(host);
            } else if let Some(hosts) = values["ingress"]["hosts"].as_array_mut() {
                hosts.push(json!({"host": host, "paths": [{"path": "/", "pathType": "Prefix"}]}));
            }
        }
        "ingress.hostname" => values["ingress"]["hostname"] = json!(host),
        _ => values["ingress"]["host"] = json!(host),
    }
}

/// The Ingress host path of a chart's default values (as the chart page reports it).
fn ingress_host_path(default_values: &str) -> Option<&'static str> {
    let values = wheelhouse_model::yaml::parse(default_values).ok()?;
    wheelhouse_apps::values::ingress_host_path(&values)
}

pub(super) async fn install(
    State(state): State<AppState>,
    me: Me,
    Extension(apps): Extension<Arc<Apps>>,
    Extension(operations): Extension<Arc<Operations>>,
    Extension(resources): Extension<Arc<Resources>>,
    ApiJson(request): ApiJson<InstallRequest>,
) -> Result<Response> {
    let mut errors = Vec::new();
    errors.extend(validate::release_name(&request.name));
    errors.extend(validate::namespace(&request.namespace));
    let values = match validate::values(&request.values) {
        Ok(values) => Some(values),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let chart = if request.repo.is_empty() || request.chart.is_empty() {
        errors.push(FieldError::new("chart", "choose a repository and a chart"));
        None
    } else {
        match apps.chart_version(&request.repo, &request.chart, request.version.as_deref()) {
            Ok(found) => Some(found),
            Err(error) => {
                errors.push(FieldError::new(
                    if error.status() == StatusCode::NOT_FOUND
                        && error.message().contains("version")
                    {
                        "version"
                    } else {
                        "chart"
                    },
                    error.message().to_string(),
                ));
                None
            }
        }
    };
    if let Some(host) = request.ingress_host.as_deref().filter(|h| !h.is_empty())
        && (host.contains('/') || host.contains(' ') || host.contains(':'))
    {
        errors.push(FieldError::new(
            "ingressHost",
            "the Ingress host is a host name, without scheme, port or path",
        ));
    }
    let (Some(mut values), Some((_, version)), true) = (values, chart, errors.is_empty()) else {
        return Err(invalid(errors));
    };
    let helm = helm_path(&apps).await?;
    state.cluster.ensure_connected().await?;
    let calls = me.calls.clone();
    match releases::revisions(&calls, &request.namespace, &request.name).await {
        Ok(_) => {
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "AlreadyExists",
                format!(
                    "a release named {} already exists in namespace {}; choose another name or upgrade it",
                    request.name, request.namespace
                ),
            ));
        }
        Err(error) if error.status() == StatusCode::NOT_FOUND => {}
        Err(error) => return Err(error),
    }
    if !request.create_namespace {
        match calls.namespace(&request.namespace).await {
            Err(failure) if failure.code == 404 => {
                return Err(invalid(vec![FieldError::new(
                    "namespace",
                    format!(
                        "namespace {} does not exist; ask for it to be created",
                        request.namespace
                    ),
                )]));
            }
            _ => {}
        }
    }
    let archive = apps.archive(&state, &request.repo, &version).await?;
    let files = super::charts::read_archive(archive.clone())
        .await
        .map_err(|e| AppError::new(StatusCode::BAD_GATEWAY, "BadChart", e.to_string()))?;
    if let Some(host) = request.ingress_host.as_deref().filter(|h| !h.is_empty()) {
        let Some(path) = ingress_host_path(&files.values) else {
            return Err(invalid(vec![FieldError::new(
                "ingressHost",
                format!("chart {} has no Ingress host in its values", request.chart),
            )]));
        };
        set_ingress_host(&mut values, path, host);
    }
    // Only what differs from the chart's defaults becomes the release's values (see
    // `wheelhouse_apps::values`); a chart whose own values do not parse gets them all.
    if let Ok(defaults) = validate::values(&files.values) {
        values = wheelhouse_apps::values::overrides(&defaults, &values);
    }
    let values_yaml = serde_yaml::to_string(&values).map_err(AppError::internal)?;
    let mut args: Vec<String> = vec![
        "install".into(),
        request.name.clone(),
        "@chart.tgz".into(),
        "--namespace".into(),
        request.namespace.clone(),
        "--values".into(),
        "@values.yaml".into(),
        "--labels".into(),
        repository_label(&request.repo),
    ];
    if request.create_namespace {
        args.push("--create-namespace".into());
    }
    let message = format!(
        "installing {} {} as {}",
        request.chart, version.metadata.version, request.name
    );
    let job = Job {
        action: "install",
        namespace: request.namespace,
        name: request.name,
        args,
        files: vec![
            ("chart.tgz", archive.to_vec()),
            ("values.yaml", values_yaml.into_bytes()),
        ],
        helm,
    };
    start(&state, &me, &apps, &operations, resources, job, message)
}

/// The release's newest revision, refusing when it is protected.
async fn changeable(
    apps: &Apps,
    calls: &Calls,
    namespace: &str,
    name: &str,
    action: &str,
) -> Result<Release> {
    let (history, annotated) = releases::revisions(calls, namespace, name).await?;
    let protection = apps.protection(namespace, name, annotated);
    if protection.protected {
        let reason = protection.reason.unwrap_or_default();
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "Protected",
            format!("release {namespace}/{name} is protected and cannot be {action} from Wheelhouse: {reason}"),
        )
        .with_details(json!({"reason": reason})));
    }
    history.last().cloned().ok_or_else(|| {
        AppError::not_found(format!(
            "there is no helm release {name} in namespace {namespace}"
        ))
    })
}

/// `wheelhouse.dev/repository=NAME` for helm's `--labels`: the release's Secrets record where
/// its chart came from, so an upgrade takes the chart from the same repository (and not from
/// whichever repository added later happens to have a chart of that name).
fn repository_label(repo: &str) -> String {
    format!("{}={repo}", release::REPOSITORY_LABEL)
}

/// The repository an upgrade takes its chart from: the one the request names, else the one the
/// release recorded at install; a release helm installed without Wheelhouse records none, and
/// the person must say which repository to trust.
fn upgrade_repository(named: Option<&str>, current: &Release) -> Result<String> {
    if let Some(repo) = named.filter(|r| !r.is_empty()) {
        return Ok(repo.to_string());
    }
    current
        .recorded_repository()
        .map(str::to_string)
        .ok_or_else(|| {
            invalid(vec![FieldError::new(
                "repo",
                format!(
                    "release {}/{} does not record the chart repository it was installed from (it was not installed by Wheelhouse); \
                     name the repository to upgrade from (repo), so chart {} is not taken from whichever repository has a chart of that name",
                    current.namespace, current.name, current.chart.metadata.name
                ),
            )])
        })
}

/// The body of `POST …/releases/{namespace}/{name}/upgrade`.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeRequest {
    /// The repository to take the chart from; the one recorded at install when left out.
    #[serde(default)]
    #[ts(optional = nullable)]
    repo: Option<String>,
    /// The release's chart version when left out.
    #[serde(default)]
    #[ts(optional = nullable)]
    version: Option<String>,
    /// YAML.
    #[serde(default)]
    #[ts(optional = nullable)]
    values: String,
}

pub(super) async fn upgrade(
    State(state): State<AppState>,
    me: Me,
    Extension(apps): Extension<Arc<Apps>>,
    Extension(operations): Extension<Arc<Operations>>,
    Extension(resources): Extension<Arc<Resources>>,
    Path((namespace, name)): Path<(String, String)>,
    ApiJson(request): ApiJson<UpgradeRequest>,
) -> Result<Response> {
    ensure_idle(&apps, &namespace, &name)?;
    let values = validate::values(&request.values).map_err(|e| invalid(vec![e]))?;
    state.cluster.ensure_connected().await?;
    let calls = me.calls.clone();
    let current = changeable(&apps, &calls, &namespace, &name, "upgraded").await?;
    let helm = helm_path(&apps).await?;
    let chart_name = current.chart.metadata.name.clone();
    let wanted = request
        .version
        .clone()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| current.chart.metadata.version.clone());
    let repo = upgrade_repository(request.repo.as_deref(), &current)?;
    let version = match apps.chart_version(&repo, &chart_name, Some(&wanted)) {
        Ok((_, version)) => version,
        Err(error) if error.status() == StatusCode::NOT_FOUND => {
            let field = if error.message().contains("version") {
                "version"
            } else {
                "repo"
            };
            return Err(invalid(vec![FieldError::new(
                field,
                error.message().to_string(),
            )]));
        }
        Err(error) => return Err(error),
    };
    let archive = apps.archive(&state, &repo, &version).await?;
    let values_yaml = serde_yaml::to_string(&values).map_err(AppError::internal)?;
    let args: Vec<String> = vec![
        "upgrade".into(),
        name.clone(),
        "@chart.tgz".into(),
        "--namespace".into(),
        namespace.clone(),
        "--values".into(),
        "@values.yaml".into(),
        "--labels".into(),
        repository_label(&repo),
    ];
    let message = format!("upgrading {name} to {chart_name} {wanted}");
    let job = Job {
        action: "upgrade",
        namespace,
        name,
        args,
        files: vec![
            ("chart.tgz", archive.to_vec()),
            ("values.yaml", values_yaml.into_bytes()),
        ],
        helm,
    };
    start(&state, &me, &apps, &operations, resources, job, message)
}

/// The body of `POST …/releases/{namespace}/{name}/rollback`.
#[derive(Debug, Deserialize, TS)]
pub struct RollbackRequest {
    /// A revision before the current one.
    #[ts(optional = nullable)]
    revision: Option<u32>,
}

pub(super) async fn rollback(
    State(state): State<AppState>,
    me: Me,
    Extension(apps): Extension<Arc<Apps>>,
    Extension(operations): Extension<Arc<Operations>>,
    Extension(resources): Extension<Arc<Resources>>,
    Path((namespace, name)): Path<(String, String)>,
    ApiJson(request): ApiJson<RollbackRequest>,
) -> Result<Response> {
    ensure_idle(&apps, &namespace, &name)?;
    let Some(revision) = request.revision.filter(|r| *r > 0) else {
        return Err(invalid(vec![FieldError::new(
            "revision",
            "choose the revision to roll back to",
        )]));
    };
    state.cluster.ensure_connected().await?;
    let calls = me.calls.clone();
    let current = changeable(&apps, &calls, &namespace, &name, "rolled back").await?;
    if revision >= current.version {
        return Err(invalid(vec![FieldError::new(
            "revision",
            format!(
                "revision {revision} is not before the current revision {}",
                current.version
            ),
        )]));
    }
    releases::one_revision(&calls, &namespace, &name, revision)
        .await
        .map_err(|e| {
            if e.status() == StatusCode::NOT_FOUND {
                invalid(vec![FieldError::new("revision", e.message().to_string())])
            } else {
                e
            }
        })?;
    let helm = helm_path(&apps).await?;
    let message = format!("rolling {name} back to revision {revision}");
    let job = Job::on_release("rollback", namespace, name, &[revision.to_string()], helm);
    start(&state, &me, &apps, &operations, resources, job, message)
}

pub(super) async fn uninstall(
    State(state): State<AppState>,
    me: Me,
    Extension(apps): Extension<Arc<Apps>>,
    Extension(operations): Extension<Arc<Operations>>,
    Extension(resources): Extension<Arc<Resources>>,
    Path((namespace, name)): Path<(String, String)>,
) -> Result<Response> {
    ensure_idle(&apps, &namespace, &name)?;
    state.cluster.ensure_connected().await?;
    let calls = me.calls.clone();
    changeable(&apps, &calls, &namespace, &name, "uninstalled").await?;
    let helm = helm_path(&apps).await?;
    let message = format!("uninstalling {name}");
    let job = Job::on_release("uninstall", namespace, name, &[], helm);
    start(&state, &me, &apps, &operations, resources, job, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ingress_host_goes_where_the_chart_reads_it() {
        let mut values = json!({});
        set_ingress_host(&mut values, "ingress.host", "shop.example");
        assert_eq!(
            values,
            json!({"ingress": {"enabled": true, "host": "shop.example"}})
        );
        let mut values = json!({"ingress": {"hosts": [{"host": "old", "paths": []}]}});
        set_ingress_host(&mut values, "ingress.hosts[0].host", "new.example");
        assert_eq!(values["ingress"]["hosts"][0]["host"], "new.example");
        assert_eq!(
            ingress_host_path("ingress:\n  enabled: false\n  host: \"\"\n"),
            Some("ingress.host")
        );
        assert_eq!(ingress_host_path("replicas: 1\n"), None);
    }
}
