//! Charts: search over every repository's index in memory, a chart's detail (from its index
//! entry and its archive), and the built-in repository served for `helm repo add`.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use wheelhouse_apps::chart::{self, ChartFiles, JsonSchema};
use wheelhouse_apps::index::{self, ChartSummary, Dependency, Maintainer};

use super::Apps;
use crate::AppState;
use crate::error::{AppError, Result};

/// Most charts one search answers.
const MAX_LIMIT: usize = 500;

/// `GET /api/v1/apps/charts?q=&repo=&limit=`: the charts that match, best first.
#[derive(Debug, Serialize, TS)]
pub struct ChartList {
    pub items: Vec<ChartSummary>,
    /// How many match in all.
    pub total: usize,
}

/// `GET /api/v1/apps/charts/{repo}/{chart}?version=`: a chart version from its index entry and
/// its archive.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChartDetail {
    pub repo: String,
    pub name: String,
    pub version: String,
    pub app_version: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub home: Option<String>,
    pub sources: Vec<String>,
    pub keywords: Vec<String>,
    pub deprecated: bool,
    pub maintainers: Vec<Maintainer>,
    /// Every version of the chart, newest first.
    pub versions: Vec<ChartVersionSummary>,
    /// From the index, else from the archive's Chart.yaml.
    pub dependencies: Vec<Dependency>,
    pub readme: Option<String>,
    /// The default values, as the chart writes them (YAML).
    pub values: String,
    /// `values.schema.json`, as the chart has it.
    #[ts(as = "Option<JsonSchema>")]
    pub values_schema: Option<Value>,
    /// Where the values put an Ingress host; `null` when they have no `ingress`.
    pub ingress: Option<IngressSupport>,
    pub install: InstallAvailability,
}

/// One version of a chart.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChartVersionSummary {
    pub version: String,
    pub app_version: Option<String>,
    pub created: Option<Timestamp>,
}

/// Whether installing can set the Ingress host, and where the values keep it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IngressSupport {
    pub supported: bool,
    /// `ingress.host`, `ingress.hosts[0].host` or `ingress.hostname`.
    pub host_path: Option<&'static str>,
}

/// Whether the chart can be installed now (helm is there), and why not.
#[derive(Debug, Serialize, TS)]
pub struct InstallAvailability {
    pub available: bool,
    pub reason: Option<String>,
    /// Why helm cannot run, for the web app to word in the person's language.
    pub problem: Option<wheelhouse_apps::helm::HelmProblem>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchQuery {
    q: Option<String>,
    repo: Option<String>,
    limit: Option<usize>,
}

pub(super) async fn list(
    Extension(apps): Extension<Arc<Apps>>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<ChartList>> {
    let indexes = apps.indexes();
    if let Some(repo) = query.repo.as_deref().filter(|r| !r.is_empty())
        && !indexes.iter().any(|(name, _)| name == repo)
    {
        return Err(AppError::not_found(format!(
            "there is no chart repository {repo}"
        )));
    }
    let selected = indexes.iter().filter(|(name, _)| {
        query
            .repo
            .as_deref()
            .filter(|r| !r.is_empty())
            .is_none_or(|r| r == name)
    });
    let limit = query.limit.unwrap_or(50).clamp(1, MAX_LIMIT);
    let (items, total) = index::search(
        selected.map(|(name, index)| (name.as_str(), index.as_ref())),
        query.q.as_deref().unwrap_or_default(),
        limit,
    );
    Ok(Json(ChartList { items, total }))
}

/// A chart archive's files, unpacked with its budget on the blocking pool: a hostile archive
/// costs a bounded moment of a blocking thread, not the workers every request needs.
pub(super) async fn read_archive(archive: Arc<Vec<u8>>) -> wheelhouse_apps::Result<ChartFiles> {
    wheelhouse_apps::budget::off_workers(move || chart::read_archive(&archive)).await?
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct VersionQuery {
    version: Option<String>,
}

/// Where a chart's values put the Ingress host, when its values have one.
fn ingress_support(values: &Value) -> Option<IngressSupport> {
    let ingress = values.get("ingress")?;
    let host_path = wheelhouse_apps::values::ingress_host_path(values);
    Some(IngressSupport {
        supported: host_path.is_some() && ingress.get("enabled").is_some(),
        host_path,
    })
}

pub(super) async fn detail(
    State(state): State<AppState>,
    Extension(apps): Extension<Arc<Apps>>,
    Path((repo, name)): Path<(String, String)>,
    Query(query): Query<VersionQuery>,
) -> Result<Json<ChartDetail>> {
    let (chart, version) = apps.chart_version(&repo, &name, query.version.as_deref())?;
    let archive = apps.archive(&state, &repo, &version).await?;
    let files: ChartFiles = read_archive(archive).await.map_err(|e| {
        AppError::new(
            StatusCode::BAD_GATEWAY,
            "BadChart",
            format!("chart {repo}/{name} {}: {e}", version.metadata.version),
        )
    })?;
    let values = wheelhouse_model::yaml::parse(&files.values).unwrap_or(Value::Null);
    let helm = apps.helm().await;
    let metadata = version.metadata.clone();
    let dependencies = if metadata.dependencies.is_empty() {
        files.metadata.dependencies
    } else {
        metadata.dependencies
    };
    Ok(Json(ChartDetail {
        repo,
        name,
        version: metadata.version,
        app_version: metadata.app_version,
        description: metadata.description,
        icon: metadata.icon,
        home: metadata.home,
        sources: metadata.sources,
        keywords: metadata.keywords,
        deprecated: metadata.deprecated,
        maintainers: metadata.maintainers,
        versions: chart
            .versions
            .iter()
            .map(|v| ChartVersionSummary {
                version: v.metadata.version.clone(),
                app_version: v.metadata.app_version.clone(),
                created: v.created,
            })
            .collect(),
        dependencies,
        readme: files.readme,
        values: files.values,
        values_schema: files.values_schema,
        ingress: ingress_support(&values),
        install: InstallAvailability {
            available: helm.reason().is_none(),
            reason: helm.reason().map(str::to_string),
            problem: match helm {
                wheelhouse_apps::helm::HelmStatus::Unavailable { problem, .. } => {
                    Some(problem.clone())
                }
                wheelhouse_apps::helm::HelmStatus::Available { .. } => None,
            },
        },
    }))
}

pub(super) async fn builtin_index(Extension(apps): Extension<Arc<Apps>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/yaml")],
        apps.builtin.index_yaml(),
    )
        .into_response()
}

pub(super) async fn builtin_archive(
    Extension(apps): Extension<Arc<Apps>>,
    Path(file): Path<String>,
) -> Result<Response> {
    let bytes = apps
        .builtin
        .archives
        .get(&file)
        .ok_or_else(|| AppError::not_found(format!("the built-in repository has no {file}")))?;
    Ok(([(header::CONTENT_TYPE, "application/gzip")], bytes.clone()).into_response())
}
