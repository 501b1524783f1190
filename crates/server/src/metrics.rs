//! `/api/v1/metrics/...`: the state of the metrics sources and, for a pod, a workload, a node, a
//! namespace or the cluster, current usage and series over a range (docs/api.md "Metrics").

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use wheelhouse_cluster::metrics::prometheus::PrometheusStatus;
use wheelhouse_cluster::metrics::{Metrics, RangeOption, SourceStatus, Target, TargetMetrics};

use crate::AppState;
use crate::error::{AppError, Result};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/metrics/status", get(status))
        .route("/api/v1/metrics/cluster", get(cluster))
        .route("/api/v1/metrics/nodes/{name}", get(node))
        .route("/api/v1/metrics/namespaces/{namespace}", get(namespace))
        .route("/api/v1/metrics/pods/{namespace}/{name}", get(pod))
        .route(
            "/api/v1/metrics/workloads/{resource}/{namespace}/{name}",
            get(workload),
        )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusAnswer {
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

async fn answer(
    state: &AppState,
    metrics: &Metrics,
    target: Target,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    let Query(query) = query.map_err(|e| AppError::bad_request(e.body_text()))?;
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
    Extension(metrics): Extension<Arc<Metrics>>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    answer(&state, &metrics, Target::Cluster, query).await
}

async fn node(
    State(state): State<AppState>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path(name): Path<String>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    answer(&state, &metrics, Target::Node(name), query).await
}

async fn namespace(
    State(state): State<AppState>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path(namespace): Path<String>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    answer(&state, &metrics, Target::Namespace(namespace), query).await
}

async fn pod(
    State(state): State<AppState>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path((namespace, name)): Path<(String, String)>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    answer(&state, &metrics, Target::Pod { namespace, name }, query).await
}

async fn workload(
    State(state): State<AppState>,
    Extension(metrics): Extension<Arc<Metrics>>,
    Path((resource, namespace, name)): Path<(String, String, String)>,
    query: RangeParams,
) -> Result<Json<TargetMetrics>> {
    let target = Target::Workload {
        resource,
        namespace,
        name,
    };
    answer(&state, &metrics, target, query).await
}
