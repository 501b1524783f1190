//! Chart repositories: the built-in one and the ChartRepository custom resources, as the person
//! asks for them (the syncer is in `sync.rs`), and the credentials a repository is reached with.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;
use wheelhouse_apps::builtin;
use wheelhouse_apps::crd::{self, ChartRepositorySpec};
use wheelhouse_apps::index::{ChartVersion, Index};
use wheelhouse_apps::network::RepositoryClient;
use wheelhouse_apps::oci;
use wheelhouse_apps::repository::{
    self, Credentials, RepoKind, RepoStatus, SecretRef, SyncState, Validators,
};
use wheelhouse_apps::validate::{self, FieldError};
use wheelhouse_cluster::access::Decision;
use wheelhouse_cluster::calls::{Calls, Deletion};
use wheelhouse_cluster::discovery::KindInfo;
use wheelhouse_model::warning::{Warning, WarningReason};

use super::{Apps, Repo, invalid};
use crate::AppState;
use crate::error::{ApiJson, AppError, IntoAppError, Result};
use crate::object::Question;
use crate::person::Me;

/// `GET /api/v1/apps/repositories`: the built-in repository first, then the ChartRepository
/// resources.
#[derive(Debug, Serialize, TS)]
pub struct RepositoryList {
    pub items: Vec<Repository>,
    /// Why ChartRepository resources cannot be read (their CRD is missing).
    pub warnings: Vec<Warning>,
    /// Whether the person may add a repository.
    pub create: Decision,
}

/// A chart repository, with what the person may do to it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Repository {
    pub name: String,
    pub url: String,
    pub kind: RepoKind,
    /// How often it is synced; `null` for the built-in repository.
    pub interval_seconds: Option<u64>,
    /// A Secret with `username` and `password`.
    pub secret_ref: Option<SecretRef>,
    /// A Secret whose `ca.crt` is trusted for this repository, besides the system's roots.
    pub ca_secret_ref: Option<SecretRef>,
    /// Absent for the built-in repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub plain_http: Option<bool>,
    pub status: RepoStatus,
    pub permissions: RepositoryPermissions,
}

/// Whether the person may delete a repository and sync it (patch its status).
#[derive(Debug, Clone, Copy, Serialize, TS)]
pub struct RepositoryPermissions {
    pub delete: bool,
    pub sync: bool,
}

fn builtin_json(apps: &Apps) -> Repository {
    let status = RepoStatus {
        state: if apps.builtin_problem.is_some() {
            SyncState::Error
        } else {
            SyncState::Ok
        },
        last_sync: None,
        charts: apps.builtin.index.charts.len(),
        message: apps.builtin_problem.clone(),
    };
    Repository {
        name: builtin::NAME.to_string(),
        url: "/api/v1/apps/builtin".into(),
        kind: RepoKind::Builtin,
        interval_seconds: None,
        secret_ref: None,
        ca_secret_ref: None,
        plain_http: None,
        status,
        permissions: RepositoryPermissions {
            delete: false,
            sync: false,
        },
    }
}

pub(super) fn repo_json(repo: &Repo) -> Repository {
    repo_json_with(repo, true, true)
}

fn repo_json_with(repo: &Repo, delete: bool, sync: bool) -> Repository {
    Repository {
        name: repo.name.clone(),
        url: repo.url.clone(),
        kind: repo.kind,
        interval_seconds: Some(repo.interval.as_secs()),
        secret_ref: repo.secret_ref.clone(),
        ca_secret_ref: repo.ca_secret_ref.clone(),
        plain_http: Some(repo.plain_http),
        status: repo.status.clone(),
        permissions: RepositoryPermissions { delete, sync },
    }
}

fn question(verb: &'static str, subresource: &'static str, name: Option<&str>) -> Question {
    Question {
        verb,
        group: crd::GROUP.into(),
        resource: crd::PLURAL.into(),
        subresource,
        namespace: None,
        name: name.map(str::to_string),
    }
}

/// The repositories, each with what the person may do to it (SelfSubjectAccessReviews, cached
/// briefly): delete the resource, and sync it (patch its status).
pub(super) async fn list(
    State(state): State<AppState>,
    me: Me,
    Extension(apps): Extension<Arc<Apps>>,
) -> Result<Json<RepositoryList>> {
    let mut items = vec![builtin_json(&apps)];
    let repos: Vec<Repo> = apps
        .repos
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .cloned()
        .collect();
    for repo in &repos {
        let delete = state
            .cluster
            .may(&me.person, &question("delete", "", Some(&repo.name)))
            .await;
        let sync = state
            .cluster
            .may(&me.person, &question("patch", "status", Some(&repo.name)))
            .await;
        items.push(repo_json_with(repo, delete.allowed, sync.allowed));
    }
    let create = state
        .cluster
        .may(&me.person, &question("create", "", None))
        .await;
    let warnings: Vec<Warning> = apps
        .crd_problem
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|message| {
            Warning::about(
                WarningReason::Unavailable,
                "ChartRepository custom resources",
                message.clone(),
            )
        })
        .collect();
    Ok(Json(RepositoryList {
        items,
        warnings,
        create,
    }))
}

/// The body of `POST /api/v1/apps/repositories`: add a ChartRepository (what is missing is
/// refused field by field).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "RepositoryRequest")]
pub struct CreateRequest {
    #[serde(default)]
    #[ts(optional = nullable)]
    name: String,
    /// `https://…`, `http://…` or `oci://…`.
    #[serde(default)]
    #[ts(optional = nullable)]
    url: String,
    /// At least 60; the default when left out.
    #[serde(default)]
    #[ts(optional = nullable)]
    interval_seconds: Option<u64>,
    #[serde(default)]
    #[ts(optional = nullable)]
    secret_ref: Option<SecretRef>,
    #[serde(default)]
    #[ts(optional = nullable)]
    ca_secret_ref: Option<SecretRef>,
    #[serde(default)]
    #[ts(optional = nullable)]
    plain_http: bool,
}

pub(super) async fn create(
    State(state): State<AppState>,
    me: Me,
    Extension(apps): Extension<Arc<Apps>>,
    ApiJson(request): ApiJson<CreateRequest>,
) -> Result<Response> {
    let mut errors = Vec::new();
    errors.extend(validate::object_name("name", &request.name));
    if request.name == builtin::NAME {
        errors.push(FieldError::new(
            "name",
            "builtin is the name of Wheelhouse's own repository",
        ));
    }
    if let Err(problem) = RepoKind::of_url(&request.url) {
        errors.push(FieldError::new("url", problem.to_string()));
    }
    if let Some(seconds) = request.interval_seconds
        && seconds < crd::MIN_INTERVAL.as_secs()
    {
        errors.push(FieldError::new(
            "intervalSeconds",
            "the interval is at least 60 seconds",
        ));
    }
    if let Err(refused) = apps.http.network().check_repository_url(&request.url) {
        errors.push(FieldError::new("url", refused.to_string()));
    }
    let namespace = &apps.config.credentials_namespace;
    errors.extend(secret_ref_error(
        "secretRef",
        request.secret_ref.as_ref(),
        |secret| repository::secret_namespace_problem(secret, namespace),
    ));
    errors.extend(secret_ref_error(
        "caSecretRef",
        request.ca_secret_ref.as_ref(),
        |secret| repository::ca_secret_namespace_problem(secret, namespace),
    ));
    if let Some(problem) = repository::plain_http_problem(
        &request.url,
        request.plain_http,
        request.secret_ref.is_some(),
    ) {
        errors.push(FieldError::new("plainHttp", problem));
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    state.cluster.ensure_connected().await?;
    if let Some(secret) = &request.secret_ref {
        ensure_person_may_read(&me.calls, secret, SecretUse::Credentials).await?;
    }
    if let Some(secret) = &request.ca_secret_ref {
        ensure_person_may_read(&me.calls, secret, SecretUse::Ca).await?;
    }
    let mut spec = json!({"url": request.url});
    if let Some(seconds) = request.interval_seconds {
        spec["interval"] = json!(crd::format_interval(seconds));
    }
    if let Some(secret) = &request.secret_ref {
        spec["secretRef"] = json!(secret);
    }
    if let Some(secret) = &request.ca_secret_ref {
        spec["caSecretRef"] = json!(secret);
    }
    if request.plain_http {
        spec["plainHttp"] = json!(true);
    }
    let object = json!({
        "apiVersion": format!("{}/{}", crd::GROUP, crd::VERSION), "kind": "ChartRepository",
        "metadata": {"name": request.name}, "spec": spec,
    });
    let calls = me.calls.clone();
    let created = calls
        .create(&chart_repositories(), None, &object)
        .await
        .map_err(|failure| {
            if failure.code == 409 {
                AppError::new(StatusCode::CONFLICT, "AlreadyExists", format!("a chart repository named {} already exists", request.name))
            } else if failure.code == 404 {
                AppError::new(StatusCode::SERVICE_UNAVAILABLE, "CrdMissing", format!("the cluster does not serve ChartRepository resources (CRD {}): {}", crd::CRD_NAME, failure.message))
            } else {
                failure.into_error(json!({"verb": "create", "group": crd::GROUP, "resource": crd::PLURAL, "name": request.name}))
            }
        })?;
    let repo = apps
        .upsert(&created)
        .ok_or_else(|| AppError::internal("the created ChartRepository could not be read back"))?;
    apps.request_sync(&repo.name);
    Ok((StatusCode::CREATED, Json(repo_json(&repo))).into_response())
}

/// What a repository reads a Secret for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SecretUse {
    /// `secretRef`: a login, sent to the repository.
    Credentials,
    /// `caSecretRef`: CA certificates, trusted for the repository.
    Ca,
    /// An ImageRegistry's `secretRef`: a login, sent to the registry.
    RegistryCredentials,
}

impl SecretUse {
    /// How messages name the Secret: "the credentials Secret", "the CA Secret".
    fn noun(self) -> &'static str {
        match self {
            Self::Credentials | Self::RegistryCredentials => "credentials",
            Self::Ca => "CA",
        }
    }
}

/// ChartRepositories as the cluster serves them (cluster-scoped, see `crates/apps/src/crd.rs`).
pub(super) fn chart_repositories() -> KindInfo {
    KindInfo {
        group: crd::GROUP.into(),
        version: crd::VERSION.into(),
        resource: crd::PLURAL.into(),
        kind: "ChartRepository".into(),
        namespaced: false,
        verbs: Vec::new(),
        short_names: Vec::new(),
        preferred_version: crd::VERSION.into(),
        custom: true,
    }
}

/// What is wrong with a Secret reference in `field`, if anything: it lacks a namespace or a name,
/// or `problem` (the namespace rule) refuses it.
pub(crate) fn secret_ref_error(
    field: &str,
    secret: Option<&SecretRef>,
    problem: impl Fn(&SecretRef) -> Option<String>,
) -> Option<FieldError> {
    let secret = secret?;
    if secret.name.is_empty() || secret.namespace.is_empty() {
        return Some(FieldError::new(
            field,
            "the Secret needs a namespace and a name",
        ));
    }
    problem(secret).map(|problem| FieldError::new(field, problem))
}

/// Refuses (403, with the API server's reason) when the person may not read the Secret: the
/// console acts with no more rights than the person, and a repository naming a Secret is a way
/// to have it read (and, for credentials, sent to the repository's URL). A Secret that does not
/// exist yet is fine (only a person allowed to read it gets a 404); the repository's status says
/// so until it exists.
pub(crate) async fn ensure_person_may_read(
    calls: &Calls,
    secret: &SecretRef,
    purpose: SecretUse,
) -> Result<()> {
    match calls.secret(&secret.namespace, &secret.name).await {
        Ok(_) => Ok(()),
        Err(failure) if failure.code == 404 => Ok(()),
        Err(mut failure) => {
            if failure.code == 403 {
                failure.message = match purpose {
                    SecretUse::Credentials => format!(
                        "you may not read the credentials Secret {}/{}, so Wheelhouse will not send it to a repository for you: {}",
                        secret.namespace, secret.name, failure.message
                    ),
                    SecretUse::Ca => format!(
                        "you may not read the CA Secret {}/{}, so Wheelhouse will not read it for you: {}",
                        secret.namespace, secret.name, failure.message
                    ),
                    SecretUse::RegistryCredentials => format!(
                        "you may not read the credentials Secret {}/{}, so Wheelhouse will not send it to a registry for you: {}",
                        secret.namespace, secret.name, failure.message
                    ),
                };
            }
            Err(failure.into_error(json!({
                "verb": "get", "group": "", "resource": "secrets",
                "namespace": secret.namespace, "name": secret.name,
            })))
        }
    }
}

pub(super) async fn sync(
    Extension(apps): Extension<Arc<Apps>>,
    Path(name): Path<String>,
) -> Result<Response> {
    if name == builtin::NAME {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "Builtin",
            "the built-in repository is part of Wheelhouse; there is nothing to sync",
        ));
    }
    let repo = apps
        .request_sync(&name)
        .ok_or_else(|| AppError::not_found(format!("there is no chart repository {name}")))?;
    Ok((StatusCode::ACCEPTED, Json(repo_json(&repo))).into_response())
}

pub(super) async fn delete(
    State(state): State<AppState>,
    me: Me,
    Extension(apps): Extension<Arc<Apps>>,
    Path(name): Path<String>,
) -> Result<Response> {
    if name == builtin::NAME {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "Builtin",
            "the built-in repository is part of Wheelhouse and cannot be removed",
        ));
    }
    state.cluster.ensure_connected().await?;
    let calls = me.calls.clone();
    match calls
        .delete(&chart_repositories(), None, &name, &Deletion::default())
        .await
    {
        Ok(_) => {}
        Err(failure) if failure.code == 404 => {
            return Err(AppError::not_found(format!(
                "there is no chart repository {name}"
            )));
        }
        Err(failure) => return Err(failure.into_error(
            json!({"verb": "delete", "group": crd::GROUP, "resource": crd::PLURAL, "name": name}),
        )),
    }
    apps.repos
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&name);
    Ok(StatusCode::NO_CONTENT.into_response())
}

impl Apps {
    /// Adds or updates a repository from its custom resource; a changed URL, Secret or
    /// interval resets it for a sync.
    pub(super) fn upsert(&self, object: &Value) -> Option<Repo> {
        let name = object.pointer("/metadata/name")?.as_str()?.to_string();
        let spec: Result<ChartRepositorySpec, _> =
            serde_json::from_value(object.get("spec").cloned().unwrap_or(Value::Null));
        let mut repos = self.repos.write().unwrap_or_else(|p| p.into_inner());
        let (spec, problem) = match spec {
            Ok(spec) => {
                let problem = self.spec_problem(&spec);
                (spec, problem)
            }
            Err(error) => (
                ChartRepositorySpec {
                    url: String::new(),
                    interval: None,
                    plain_http: false,
                    secret_ref: None,
                    ca_secret_ref: None,
                },
                Some(format!("the spec is not valid: {error}")),
            ),
        };
        let kind = RepoKind::of_url(&spec.url).unwrap_or(RepoKind::Http);
        let interval = crd::interval_of(&spec);
        let same = repos.get(&name).is_some_and(|r| {
            r.url == spec.url
                && r.secret_ref == spec.secret_ref
                && r.ca_secret_ref == spec.ca_secret_ref
                && r.interval == interval
                && r.plain_http == spec.plain_http
        });
        if !same {
            let mut status = RepoStatus::pending();
            if let Some(problem) = &problem {
                status.state = SyncState::Error;
                status.message = Some(problem.clone());
            }
            repos.insert(
                name.clone(),
                Repo {
                    name: name.clone(),
                    url: spec.url.clone(),
                    kind,
                    interval,
                    secret_ref: spec.secret_ref.clone(),
                    ca_secret_ref: spec.ca_secret_ref.clone(),
                    plain_http: spec.plain_http,
                    status,
                    index: Arc::new(Index::default()),
                    validators: Validators::default(),
                    last_attempt: None,
                    requested: problem.is_none(),
                    invalid: problem.is_some(),
                },
            );
        }
        repos.get(&name).cloned()
    }

    /// Why a spec cannot be synced, if it cannot: its URL, a Secret outside the credentials
    /// namespace (never read), or credentials over plain http:// without `plainHttp: true`.
    fn spec_problem(&self, spec: &ChartRepositorySpec) -> Option<String> {
        if let Err(problem) = RepoKind::of_url(&spec.url) {
            return Some(format!("spec.url: {problem}"));
        }
        if let Some(problem) = spec.ca_secret_ref.as_ref().and_then(|secret| {
            repository::ca_secret_namespace_problem(secret, &self.config.credentials_namespace)
        }) {
            return Some(format!(
                "spec.caSecretRef: {problem}; the Secret was not read and the repository is not synced"
            ));
        }
        if let Some(problem) = spec.secret_ref.as_ref().and_then(|secret| {
            repository::secret_namespace_problem(secret, &self.config.credentials_namespace)
        }) {
            return Some(format!(
                "spec.secretRef: {problem}; the Secret was not read and the repository is not synced"
            ));
        }
        repository::plain_http_problem(&spec.url, spec.plain_http, spec.secret_ref.is_some())
            .map(|problem| format!("spec.plainHttp: {problem}; the repository is not synced"))
    }

    /// Marks a repository for a sync now and wakes the syncer.
    pub(super) fn request_sync(&self, name: &str) -> Option<Repo> {
        let repo = {
            let mut repos = self.repos.write().unwrap_or_else(|p| p.into_inner());
            let repo = repos.get_mut(name)?;
            if !repo.invalid {
                repo.requested = true;
                repo.status.state = SyncState::Syncing;
            }
            repo.clone()
        };
        self.wake.notify_one();
        Some(repo)
    }
}

/// The username and password in a repository's Secret, read only when the Secret is in the
/// credentials namespace and will not cross plain http:// unless the repository says so (checked
/// here too, not only when the spec is taken in, so no path reads or sends it otherwise).
async fn repo_credentials(
    apps: &Apps,
    calls: &Calls,
    repo: &Repo,
) -> std::result::Result<Option<Credentials>, String> {
    let Some(secret) = repo.secret_ref.as_ref() else {
        return Ok(None);
    };
    if let Some(problem) =
        repository::secret_namespace_problem(secret, &apps.config.credentials_namespace)
            .or_else(|| repository::plain_http_problem(&repo.url, repo.plain_http, true))
    {
        return Err(problem);
    }
    let object = read_secret(calls, secret, SecretUse::Credentials).await?;
    let field =
        |key: &str| secret_field(&object, key).map(|v| String::from_utf8_lossy(&v).into_owned());
    match (field("username"), field("password")) {
        (Some(username), Some(password)) => Ok(Some(Credentials { username, password })),
        _ => Err(format!(
            "the credentials Secret {}/{} needs the keys username and password",
            secret.namespace, secret.name
        )),
    }
}

/// A Secret a repository names, read with `calls`'s identity.
async fn read_secret(
    calls: &Calls,
    secret: &SecretRef,
    purpose: SecretUse,
) -> std::result::Result<Value, String> {
    calls
        .secret(&secret.namespace, &secret.name)
        .await
        .map_err(|f| {
            format!(
                "the {} Secret {}/{} could not be read: {}",
                purpose.noun(),
                secret.namespace,
                secret.name,
                f.message
            )
        })
}

/// What fetching from a repository takes: its login, if it names one, and the client, trusting
/// its CA as well when it names one.
pub(super) struct RepoAccess {
    pub credentials: Option<Credentials>,
    pub http: RepositoryClient,
}

/// The login and the CA of a repository, read from the Secrets it names.
pub(super) async fn repo_access(
    apps: &Apps,
    calls: &Calls,
    repo: &Repo,
) -> std::result::Result<RepoAccess, String> {
    let credentials = repo_credentials(apps, calls, repo).await?;
    let http = match repo_ca(apps, calls, repo).await? {
        Some((secret, pem)) => apps.http.trusting(&pem).map_err(|error| {
            format!(
                "the CA Secret {}/{} (key ca.crt) cannot be used: {error}",
                secret.namespace, secret.name
            )
        })?,
        None => apps.http.clone(),
    };
    Ok(RepoAccess { credentials, http })
}

/// The repository's CA Secret and the PEM in its `ca.crt` key, read only when the Secret is in
/// the credentials namespace (checked here too, not only when the spec is taken in).
async fn repo_ca<'a>(
    apps: &Apps,
    calls: &Calls,
    repo: &'a Repo,
) -> std::result::Result<Option<(&'a SecretRef, Vec<u8>)>, String> {
    let Some(secret) = repo.ca_secret_ref.as_ref() else {
        return Ok(None);
    };
    if let Some(problem) =
        repository::ca_secret_namespace_problem(secret, &apps.config.credentials_namespace)
    {
        return Err(problem);
    }
    let object = read_secret(calls, secret, SecretUse::Ca).await?;
    let pem = secret_field(&object, "ca.crt").ok_or_else(|| {
        format!(
            "the CA Secret {}/{} needs the key ca.crt (the CA certificates, PEM)",
            secret.namespace, secret.name
        )
    })?;
    Ok(Some((secret, pem)))
}

/// The decoded value of `key` in a Secret's data.
fn secret_field(object: &Value, key: &str) -> Option<Vec<u8>> {
    object
        .get("data")
        .and_then(|data| data.get(key))
        .and_then(Value::as_str)
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
}

/// The login and the client of a repository (see [`RepoAccess`]), for a person's request.
pub(super) async fn access(state: &AppState, apps: &Apps, repo: &Repo) -> Result<RepoAccess> {
    repo_access(apps, &super::console_calls(state), repo)
        .await
        .map_err(|message| AppError::new(StatusCode::BAD_GATEWAY, "RepositoryCredentials", message))
}

/// A chart archive from an OCI registry.
pub(super) async fn oci_archive(
    http: &RepositoryClient,
    repo: &Repo,
    version: &ChartVersion,
    credentials: Option<&Credentials>,
) -> wheelhouse_apps::Result<Vec<u8>> {
    oci::archive(http, &repo.url, repo.plain_http, version, credentials).await
}
