//! `/api/v1/overview`: nodes, pods by phase, namespaces and recent warnings, from the watch caches.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json};
use jiff::Timestamp;
use serde::Serialize;
use ts_rs::TS;
use wheelhouse_cluster::Person;
use wheelhouse_model::Overview;
use wheelhouse_model::warning::{Warning, WarningReason};

use crate::AppState;
use crate::access::{Access, Allowed, Attributes};
use crate::error::{AppError, Result};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/overview", get(overview))
}

/// `GET /api/v1/overview`: the overview of what the person may see, and what they may not.
#[derive(Serialize, TS)]
pub struct OverviewAnswer {
    #[serde(flatten)]
    pub overview: Overview,
    /// What is missing because the person may not see it (nodes), so an empty section is never
    /// mistaken for an empty cluster.
    pub hidden: Vec<Warning>,
}

/// The namespaces whose objects of a kind a person may see: `None` for all.
async fn visible(
    access: &Access,
    person: &Person,
    resource: &str,
) -> Result<Option<HashSet<String>>> {
    let attributes = Attributes {
        verb: "list",
        group: String::new(),
        resource: resource.to_string(),
        namespaced: true,
        namespaces: vec![],
    };
    Ok(match access.review(person, &attributes).await? {
        Allowed::Asked => None,
        Allowed::Namespaces(namespaces) => Some(namespaces.into_iter().collect()),
    })
}

/// The overview of what the person may see: pods, namespaces and events of the namespaces they
/// may list pods (and events) in; nodes only if they may list nodes, with a warning saying so
/// otherwise. A person who may list pods nowhere gets the API server's 403.
async fn overview(
    State(state): State<AppState>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
) -> Result<Json<OverviewAnswer>> {
    state.cluster.ensure_connected().await?;
    let pods_in = visible(&access, &person, "pods").await?;
    let events_in = visible(&access, &person, "events").await.ok();
    let nodes_question = wheelhouse_cluster::access::Question::new("list", "", "nodes", None);
    let nodes_refused = access.check(&person, &nodes_question).await.err();
    let caches = state.cluster.caches();
    let (nodes, pods, namespaces, events) = tokio::try_join!(
        caches.nodes(),
        caches.pods(),
        caches.namespaces(),
        caches.events()
    )?;
    // Walking every pod is CPU work (100,000 pods in a large cluster): keep it off the async workers.
    let show_nodes = nodes_refused.is_none();
    let overview = tokio::task::spawn_blocking(move || {
        let seen = |set: &Option<HashSet<String>>, namespace: Option<&str>| match set {
            None => true,
            Some(set) => namespace.is_some_and(|ns| set.contains(ns)),
        };
        let events_in = events_in.unwrap_or_else(|| Some(HashSet::new()));
        wheelhouse_model::overview(
            nodes.iter().map(AsRef::as_ref).filter(|_| show_nodes),
            pods.iter()
                .map(AsRef::as_ref)
                .filter(|p| seen(&pods_in, Some(p.namespace.as_str()))),
            namespaces
                .iter()
                .map(AsRef::as_ref)
                .filter(|n| seen(&pods_in, n.metadata.name.as_deref())),
            events
                .iter()
                .map(AsRef::as_ref)
                .filter(|e| seen(&events_in, e.metadata.namespace.as_deref())),
            Timestamp::now(),
        )
    })
    .await
    .map_err(AppError::internal)?;
    let hidden: Vec<Warning> = nodes_refused
        .into_iter()
        .map(|refused| {
            Warning::about(
                WarningReason::Forbidden,
                "nodes",
                refused.message().to_string(),
            )
        })
        .collect();
    Ok(Json(OverviewAnswer { overview, hidden }))
}
