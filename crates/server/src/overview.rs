//! `/api/v1/overview`: nodes, pods by phase, namespaces and recent warnings, from the watch caches.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use ts_rs::TS;
use wheelhouse_cluster::facts::PodFacts;
use wheelhouse_cluster::{Person, Refusal, Scoped};
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
    /// What is missing because the person, or the console's own identity, may not list it
    /// (`nodes`, `pods in namespace team-b`), so an empty section is never mistaken for an
    /// empty cluster.
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
///
/// When the console's own identity may not list a kind cluster-wide, the configured namespaces
/// (`--allowed-namespace`, the kubeconfig context's) are read one by one, and `hidden` says what
/// was refused.
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
    let configured = state.configured_namespaces();
    let (nodes, pods, namespaces, events) = tokio::join!(
        caches.nodes(),
        caches.pods_scoped(&configured),
        caches.namespaces(),
        caches.events_scoped(&configured)
    );
    let pods = pods?;
    // Nodes are shown only to a person who may list them (said in `hidden` when not), and only
    // when the console itself could.
    let person_may_list_nodes = nodes_refused.is_none();
    let mut hidden: Vec<Warning> = nodes_refused
        .into_iter()
        .map(|refused| {
            Warning::about(
                WarningReason::Forbidden,
                "nodes",
                refused.message().to_string(),
            )
        })
        .collect();
    hidden.extend(pods.refused.iter().map(|r| refusal("pods", r)));
    let nodes = match nodes {
        Ok(nodes) if person_may_list_nodes => Some(nodes),
        Ok(_) => None,
        Err(error) => {
            if person_may_list_nodes {
                hidden.push(unread("nodes", error)?);
            }
            None
        }
    };
    // Without the namespace list, the namespaces whose pods were read stand for it.
    let namespaces = match namespaces {
        Ok(namespaces) => namespaces,
        Err(error) => {
            hidden.push(unread("namespaces", error)?);
            read_namespaces(&pods)
        }
    };
    let events = match events {
        Ok(events) => {
            hidden.extend(events.refused.iter().map(|r| refusal("events", r)));
            events.objects
        }
        Err(error) => {
            hidden.push(unread("events", error)?);
            Vec::new()
        }
    };
    // Walking every pod is CPU work (100,000 pods in a large cluster): keep it off the async workers.
    let pods = pods.objects;
    let overview = tokio::task::spawn_blocking(move || {
        let seen = |set: &Option<HashSet<String>>, namespace: Option<&str>| match set {
            None => true,
            Some(set) => namespace.is_some_and(|ns| set.contains(ns)),
        };
        let events_in = events_in.unwrap_or_else(|| Some(HashSet::new()));
        wheelhouse_model::overview(
            nodes.iter().flatten().map(AsRef::as_ref),
            pods.iter()
                .map(AsRef::as_ref)
                .filter(|p| seen(&pods_in, Some(p.namespace.as_ref()))),
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
    Ok(Json(OverviewAnswer { overview, hidden }))
}

/// What a refused list leaves out: `pods in all namespaces`, `events in namespace team-b`.
fn refusal(kind: &str, refused: &Refusal) -> Warning {
    let what = match &refused.namespace {
        None => format!("{kind} in all namespaces"),
        Some(namespace) => format!("{kind} in namespace {namespace}"),
    };
    Warning::about(
        WarningReason::of_status(refused.code),
        what,
        refused.message.clone(),
    )
}

/// A part of the overview the console may not read: said, not failed; any other error fails.
fn unread(what: &str, error: wheelhouse_cluster::Error) -> Result<Warning> {
    match error {
        wheelhouse_cluster::Error::ListRefused { code, message, .. } => Ok(Warning::about(
            WarningReason::of_status(code),
            what,
            message,
        )),
        other => Err(other.into()),
    }
}

/// The namespaces whose pods were read, as namespace objects with only a name.
fn read_namespaces(pods: &Scoped<PodFacts>) -> Vec<Arc<Namespace>> {
    let names: BTreeSet<&str> = match &pods.namespaces {
        Some(names) => names.iter().map(String::as_str).collect(),
        None => pods.objects.iter().map(|p| p.namespace.as_ref()).collect(),
    };
    names
        .into_iter()
        .map(|name| {
            Arc::new(Namespace {
                metadata: ObjectMeta {
                    name: Some(name.to_string()),
                    ..ObjectMeta::default()
                },
                ..Namespace::default()
            })
        })
        .collect()
}
