//! `GET /api/v1/namespaces`: the namespaces a person can use, for the namespace picker.
//!
//! From the cluster when Wheelhouse can list namespaces: those the person may list pods in (all
//! of them for a person who may list pods everywhere). When the cluster refuses the list (a
//! kubeconfig that may use one namespace only), the namespaces configured with
//! `--allowed-namespace` and the kubeconfig context's own, as Headlamp's "allowed namespaces":
//! a person is never left with "All namespaces" alone and every list asking to choose one.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Extension, Json};
use serde::Serialize;
use ts_rs::TS;
use wheelhouse_cluster::Person;

use crate::AppState;
use crate::access::{Access, Allowed, Attributes};
use crate::error::Result;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/namespaces", get(namespaces))
}

/// Where the names of [`NamespacesAnswer`] come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum NamespaceSource {
    /// Listed from the cluster: the namespaces the person may list pods in.
    Cluster,
    /// The cluster refused the list: `--allowed-namespace` and the kubeconfig context's namespace.
    Configured,
}

/// `GET /api/v1/namespaces`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NamespacesAnswer {
    /// Sorted, without duplicates.
    pub names: Vec<String>,
    pub source: NamespaceSource,
    /// Why the cluster's list could not be used, when it could not (the API server's words).
    pub refused: Option<String>,
}

/// The configured namespaces: `--allowed-namespace` and the kubeconfig context's namespace.
fn configured(state: &AppState, person: &Person) -> Vec<String> {
    let mut names = state.config.allowed_namespaces.clone();
    if matches!(person, Person::Local { .. }) {
        names.push(state.cluster.config_for(person).default_namespace);
    }
    names
}

fn answer(
    mut names: Vec<String>,
    source: NamespaceSource,
    refused: Option<String>,
) -> NamespacesAnswer {
    names.retain(|name| !name.is_empty());
    names.sort();
    names.dedup();
    NamespacesAnswer {
        names,
        source,
        refused,
    }
}

async fn namespaces(
    State(state): State<AppState>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
) -> Result<Json<NamespacesAnswer>> {
    state.cluster.ensure_connected().await?;
    let listed = match state.cluster.caches().namespaces().await {
        Ok(listed) => listed,
        Err(error) => {
            return Ok(Json(answer(
                configured(&state, &person),
                NamespaceSource::Configured,
                Some(error.to_string()),
            )));
        }
    };
    let pods = Attributes {
        verb: "list",
        group: String::new(),
        resource: "pods".to_string(),
        namespaced: true,
        namespaces: vec![],
    };
    let names = listed.iter().filter_map(|n| n.metadata.name.clone());
    Ok(Json(match access.review(&person, &pods).await {
        Ok(Allowed::Asked) => answer(names.collect(), NamespaceSource::Cluster, None),
        Ok(Allowed::Namespaces(allowed)) => answer(
            names.filter(|n| allowed.contains(n)).collect(),
            NamespaceSource::Cluster,
            None,
        ),
        Err(refused) => answer(
            configured(&state, &person),
            NamespaceSource::Configured,
            Some(refused.message().to_string()),
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_sorted_without_duplicates_or_empty_names() {
        let a = answer(
            vec![
                "team-b".into(),
                String::new(),
                "team-a".into(),
                "team-b".into(),
            ],
            NamespaceSource::Configured,
            None,
        );
        assert_eq!(a.names, ["team-a", "team-b"]);
    }
}
