//! `GET /api/v1/kinds`: every kind the cluster serves — built-in and from CRDs — as discovery
//! found it, kept current as CRDs come and go.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json};
use jiff::Timestamp;
use serde::Serialize;
use ts_rs::TS;
use wheelhouse_cluster::discovery::KindInfo;
use wheelhouse_cluster::resources::Resources;
use wheelhouse_model::warning::Warning;

use crate::AppState;
use crate::error::{AppError, Result};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/kinds", get(kinds))
}

/// `GET /api/v1/kinds`.
#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KindsAnswer<'a> {
    kinds: Vec<KindEntry<'a>>,
    warnings: &'a [Warning],
    discovered_at: Option<Timestamp>,
}

/// A kind the cluster serves, with where its list is.
#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Kind")]
pub struct KindEntry<'a> {
    #[serde(flatten)]
    kind: &'a KindInfo,
    /// Where its list is: `core/v1/pods`, `apps/v1/deployments`.
    path: String,
    /// Whether `version` is the group's preferred one.
    preferred: bool,
}

async fn kinds(
    State(state): State<AppState>,
    Extension(resources): Extension<Arc<Resources>>,
) -> Result<Json<serde_json::Value>> {
    state.cluster.ensure_connected().await?;
    let set = resources.kind_set().await.map_err(AppError::from)?;
    let kinds = set
        .kinds
        .iter()
        .map(|kind| KindEntry {
            kind: kind.as_ref(),
            path: format!(
                "{}/{}/{}",
                if kind.group.is_empty() {
                    "core"
                } else {
                    &kind.group
                },
                kind.version,
                kind.resource
            ),
            preferred: kind.version == kind.preferred_version,
        })
        .collect();
    let answer = KindsAnswer {
        kinds,
        warnings: &set.warnings,
        discovered_at: set.discovered_at,
    };
    Ok(Json(
        serde_json::to_value(&answer).map_err(AppError::internal)?,
    ))
}
