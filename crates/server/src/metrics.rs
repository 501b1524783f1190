//! `/api/v1/metrics/...`: the state of the metrics sources and, for a pod, a workload, a node, a
//! namespace or the cluster, current usage and series over a range (docs/api.md "Metrics").

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use wheelhouse_cluster::metrics::prometheus::PrometheusStatus;
use wheelhouse_cluster::metrics::{Metrics, RangeOption, SourceStatus, Target, TargetMetrics};

use wheelhouse_cluster::Person;
use wheelhouse_cluster::access::Question;

use crate::AppState;
use crate::access::Access;
use crate::error::{AppError, Result};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/metrics/status", get(status))
        .route("/api/v1/metrics/cluster", get(cluster))
        .route("/api/v1/metrics/nodes/{name}", get(node))
        .route("/api/v1/metrics/namespaces", get(namespaces))
        .route("/api/v1/metrics/namespaces/{namespace}", get(namespace))
        .route("/api/v1/metrics/pods/{namespace}/{name}", get(pod))
        .route(
            "/api/v1/metrics/workloads/{resource}/{namespace}/{name}",
            get(workload),
        )
}

/// `GET /api/v1/metrics/status`.
#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "MetricsStatus")]
pub struct StatusAnswer {
    metrics_server: SourceStatus,
    prometheus: Option<PrometheusStatus>,
    ranges: Vec<RangeOption>,
}

async fn status(Extension(metrics): Extension<Arc<Metrics>>) -> Json<StatusAnswer> {
    Json(StatusAnswer {
        metrics_server: metrics.status(),
        prometheus: metrics.prometheus_status(),
        ranges: metrics.ranges(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeQuery {
    range: Option<String>,
}

type RangeParams = std::result::Result<Query<RangeQuery>, QueryRejection>;

/// Namespaces one answer may sum (`?namespace=a,b,…`): each is an access review.
const MAX_NAMESPACES: usize = 100;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamespacesQuery {
    /// `a,b`: the namespaces whose pods are summed, as the resource lists take them.
    namespace: Option<String>,
    range: Option<String>,
}

/// What a person must be allowed to read to see a target's metrics: the objects they sum up.
fn questions(target: &Target) -> Vec<Question> {
    let list = |resource: &str, namespace: Option<&String>| {
        Question::new("list", "", resource, namespace.cloned())
    };
    match target {
        Target::Cluster => vec![list("nodes", None), list("pods", None)],
        Target::Node(name) => vec![Question {
            name: Some(name.clone()),
            ..Question::new("get", "", "nodes", None)
        }],
        Target::Namespaces(namespaces) => namespaces
            .iter()
            .map(|namespace| list("pods", Some(namespace)))
            .collect(),
        Target::Pod { namespace, name } => vec![Question {
            name: Some(name.clone()),
            ..Question::new("get", "", "pods", Some(namespace.clone()))
        }],
        Target::Workload {
            resource,
            namespace,
            name,
        } => {
            let group = if resource == "jobs" { "batch" } else { "apps" };
            vec![
                Question {
                    name: Some(name.clone()),
                    ..Question::new("get", group, resource.clone(), Some(namespace.clone()))
                },
                list("pods", Some(namespace)),
            ]
        }
    }
}

async fn answer(
    (state, access, person): (&AppState, &Access, &Person),
    metrics: &Metrics,
    target: Target,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    let Query(query) = query.map_err(|e| AppError::bad_request(e.body_text()))?;
    // The history is kept for everyone; it reaches the person only for what they may read.
    for question in questions(&target) {
        access.check(person, &question).await?;
    }
    // A bad range is refused before anything is read.
    metrics
        .range(query.range.as_deref())
        .map_err(AppError::from)?;
    state.cluster.ensure_connected().await?;
    metrics
        .target(&state.cluster, &target, query.range.as_deref())
        .await
        .map(Json)
        .map_err(AppError::from)
}

async fn cluster(
    State(state): State<AppState>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
    Extension(metrics): Extension<Arc<Metrics>>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    answer((&state, &access, &person), &metrics, Target::Cluster, query).await
}

async fn node(
    State(state): State<AppState>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path(name): Path<String>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    answer(
        (&state, &access, &person),
        &metrics,
        Target::Node(name),
        query,
    )
    .await
}

async fn namespace(
    State(state): State<AppState>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path(namespace): Path<String>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    answer(
        (&state, &access, &person),
        &metrics,
        Target::Namespaces(vec![namespace]),
        query,
    )
    .await
}

/// `GET /api/v1/metrics/namespaces?namespace=a,b`: several namespaces' pods summed, their
/// busiest pods together (one namespace answers as `/metrics/namespaces/{namespace}`).
async fn namespaces(
    State(state): State<AppState>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
    Extension(metrics): Extension<Arc<Metrics>>,
    query: std::result::Result<Query<NamespacesQuery>, QueryRejection>,
) -> Result<Json<TargetMetrics>> {
    let Query(query) = query.map_err(|e| AppError::bad_request(e.body_text()))?;
    let mut namespaces: Vec<String> = query
        .namespace
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    namespaces.sort();
    namespaces.dedup();
    if namespaces.is_empty() {
        return Err(AppError::bad_request(
            "name the namespaces to sum (`?namespace=a,b`); `/api/v1/metrics/cluster` is the whole cluster",
        ));
    }
    if namespaces.len() > MAX_NAMESPACES {
        return Err(AppError::bad_request(format!(
            "at most {MAX_NAMESPACES} namespaces may be summed at once, not {}",
            namespaces.len()
        )));
    }
    let range = Ok(Query(RangeQuery { range: query.range }));
    answer(
        (&state, &access, &person),
        &metrics,
        Target::Namespaces(namespaces),
        range,
    )
    .await
}

async fn pod(
    State(state): State<AppState>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path((namespace, name)): Path<(String, String)>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    answer(
        (&state, &access, &person),
        &metrics,
        Target::Pod { namespace, name },
        query,
    )
    .await
}

async fn workload(
    State(state): State<AppState>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path((resource, namespace, name)): Path<(String, String, String)>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    let target = Target::Workload {
        resource,
        namespace,
        name,
    };
    answer((&state, &access, &person), &metrics, target, query).await
}
