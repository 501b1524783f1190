//! One object of any kind: its detail, YAML, edits, deletion, actions and permissions, under
//! `/api/v1/resources/{group}/{version}/{resource}/{name}`; and `POST /api/v1/apply`.
//!
//! Every call acts with the person's identity; what the API server refuses comes back in its own
//! words ([`wheelhouse_cluster::calls::Failure`]).

mod actions;
mod apply;
mod detail;
mod edit;
mod lookup;
mod operations;
mod permissions;

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use wheelhouse_cluster::discovery::{KindInfo, KindSet};
use wheelhouse_cluster::resources::Resources;

use wheelhouse_cluster::Person;

use crate::AppState;
use crate::error::IntoAppError;
use crate::error::{AppError, Result};
use crate::person::Me;
use crate::resources::api_group;
use wheelhouse_cluster::calls::Calls;

pub(crate) use actions::{
    ActionAnswer, DrainPod, DrainPodState, DrainProgress, Revision, RevisionsAnswer,
};
pub(crate) use apply::{Applied, ApplyAnswer, ApplyError, ApplyResult};
pub(crate) use detail::{DetailAnswer, DetailMetadata, KindRef};
pub use operations::{Operation, OperationState, OperationTarget, Operations, Progress};
pub(crate) use permissions::PermissionsAnswer;
pub(crate) use wheelhouse_cluster::access::Question;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/api/v1/resources/{group}/{version}/{resource}/{name}",
            get(detail::detail).put(edit::update).delete(edit::delete),
        )
        .route(
            "/api/v1/resources/{group}/{version}/{resource}/{name}/{sub}",
            get(sub_resource).post(actions::action),
        )
        .route(
            "/api/v1/permissions/{group}/{version}/{resource}",
            get(kind_permissions),
        )
        .route("/api/v1/apply", post(apply::apply))
        .route("/api/v1/operations/{id}", get(operations::get))
        .route("/api/v1/operations/{id}/events", get(operations::events))
}

/// `{group}/{version}/{resource}/{name}` of a path.
pub(crate) type ObjectPath = Path<(String, String, String, String)>;

/// `?namespace=` of every object call.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NamespaceParam {
    pub namespace: Option<String>,
}

/// The object a path names: its kind (from discovery) and where it lives.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub kind: Arc<KindInfo>,
    pub kinds: Arc<KindSet>,
    /// `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub name: String,
}

impl Target {
    pub async fn resolve(
        state: &AppState,
        resources: &Resources,
        (group, version, resource, name): (String, String, String, String),
        namespace: Option<String>,
    ) -> Result<Self> {
        crate::names::check("name", &name)?;
        if let Some(namespace) = namespace.as_deref().filter(|n| !n.is_empty()) {
            crate::names::check("namespace", namespace)?;
        }
        state.cluster.ensure_connected().await?;
        let (kind, kinds) = resources
            .kind(api_group(&group), &version, &resource)
            .await
            .map_err(AppError::from)?;
        let namespace = namespace.filter(|n| !n.is_empty());
        let namespace = match (kind.namespaced, namespace) {
            (true, Some(namespace)) => Some(namespace),
            (true, None) => {
                return Err(AppError::bad_request(format!(
                    "{} live in namespaces: add namespace=… to the query",
                    kind.qualified_resource()
                )));
            }
            (false, _) => None,
        };
        Ok(Self {
            kind,
            kinds,
            namespace,
            name,
        })
    }

    /// What a failure's `details` carry: verb, resource, namespace, name.
    pub fn details(&self, verb: &str) -> Value {
        json!({
            "verb": verb,
            "group": self.kind.group,
            "resource": self.kind.resource,
            "namespace": self.namespace,
            "name": self.name,
        })
    }

    /// The object as the API server has it now (with managedFields).
    pub async fn get(&self, calls: &Calls) -> Result<Value> {
        calls
            .object(&self.kind, self.namespace.as_deref(), &self.name)
            .await
            .map_err(|f| f.into_error(self.details("get")))
    }
}

/// The kind of `apiVersion` + `kind` (an owner reference, a document to apply).
pub(crate) fn kind_of(kinds: &KindSet, api_version: &str, kind: &str) -> Option<Arc<KindInfo>> {
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    };
    kinds
        .kinds
        .iter()
        .find(|k| k.group == group && k.version == version && k.kind == kind)
        .cloned()
}

/// `GET /api/v1/permissions/{g}/{v}/{r}?namespace=`: what the person may do with the kind
/// itself (create one there), for the list page's buttons.
async fn kind_permissions(
    State(state): State<AppState>,
    Extension(person): Extension<Person>,
    Extension(resources): Extension<Arc<Resources>>,
    Path((group, version, resource)): Path<(String, String, String)>,
    Query(query): Query<NamespaceParam>,
) -> Result<Response> {
    state.cluster.ensure_connected().await?;
    let (kind, _) = resources
        .kind(api_group(&group), &version, &resource)
        .await
        .map_err(AppError::from)?;
    let namespace = query.namespace.filter(|n| kind.namespaced && !n.is_empty());
    permissions::for_kind(&state, &person, &kind, namespace).await
}

/// `GET …/{name}/yaml`, `…/permissions`, `…/revisions`.
async fn sub_resource(
    State(state): State<AppState>,
    me: Me,
    Extension(resources): Extension<Arc<Resources>>,
    Path((group, version, resource, name, sub)): Path<(String, String, String, String, String)>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Result<Response> {
    let namespace = query.get("namespace").cloned();
    let target = Target::resolve(
        &state,
        &resources,
        (group, version, resource, name),
        namespace,
    )
    .await?;
    let calls = me.calls.clone();
    match sub.as_str() {
        "yaml" => {
            let managed = query.get("managedFields").is_some_and(|v| v == "true");
            let reveal = query.get("reveal").is_some_and(|v| v == "true");
            edit::yaml(&target, &calls, managed, reveal).await
        }
        "permissions" => permissions::permissions(&state, &me.person, &target).await,
        "revisions" => actions::revisions(&target, &calls).await,
        other => Err(AppError::not_found(format!(
            "objects have no {other:?} view; GET …/yaml, …/permissions or …/revisions"
        ))),
    }
}
