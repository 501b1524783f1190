//! Whether a person may see what the watch caches hold.
//!
//! The caches read with Wheelhouse's own identity, once for everyone. Before rows, counts or
//! metrics from them reach a person, [`Access`] asks the API server whether that person may list
//! them (their own SelfSubjectAccessReview, cached briefly). A person who may not list a kind in
//! all namespaces sees the namespaces they may list it in — never another namespace's rows, and
//! never an empty list where the answer is "forbidden". Locally the person is the kubeconfig's
//! identity, which the caches read with: the API server has already answered for them.

use std::sync::Arc;

use axum::http::StatusCode;
use wheelhouse_cluster::access::Question;
use wheelhouse_cluster::{Cluster, Person};

use crate::error::{AppError, Result};

/// What a person asks to read, in the terms of Kubernetes authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    /// `list`, `watch`, `get`.
    pub verb: &'static str,
    /// `""` for the core group.
    pub group: String,
    pub resource: String,
    /// Whether the kind lives in namespaces.
    pub namespaced: bool,
    /// The namespaces asked for; empty means all.
    pub namespaces: Vec<String>,
}

/// How much of what was asked the person may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    /// All of it.
    Asked,
    /// Only these namespaces (asked for all, allowed in some).
    Namespaces(Vec<String>),
}

/// Reviews reads from the caches for the person of each request.
#[derive(Debug, Clone)]
pub struct Access {
    cluster: Arc<Cluster>,
}

impl Access {
    pub fn new(cluster: Arc<Cluster>) -> Self {
        Self { cluster }
    }

    /// `Ok` with what the person may see of what they asked; 403 naming verb, resource and
    /// namespace when nothing of it.
    pub async fn review(&self, person: &Person, attributes: &Attributes) -> Result<Allowed> {
        if matches!(person, Person::Local { .. }) {
            return Ok(Allowed::Asked);
        }
        let question = |namespace: Option<String>| {
            Question::new(
                attributes.verb,
                attributes.group.clone(),
                attributes.resource.clone(),
                namespace,
            )
        };
        if !attributes.namespaces.is_empty() {
            for namespace in &attributes.namespaces {
                let decision = self
                    .cluster
                    .may(person, &question(Some(namespace.clone())))
                    .await;
                if !decision.allowed {
                    return Err(refused(attributes, Some(namespace), decision.reason));
                }
            }
            return Ok(Allowed::Asked);
        }
        let everywhere = self.cluster.may(person, &question(None)).await;
        if everywhere.allowed {
            return Ok(Allowed::Asked);
        }
        if !attributes.namespaced {
            return Err(refused(attributes, None, everywhere.reason));
        }
        // Asked for all namespaces, refused cluster-wide: the namespaces the person may list it in.
        let namespaces = self.cluster.caches().namespaces().await?;
        let names: Vec<String> = namespaces
            .iter()
            .filter_map(|n| n.metadata.name.clone())
            .collect();
        let decisions = futures::future::join_all(names.iter().map(|name| {
            let question = question(Some(name.clone()));
            async move { self.cluster.may(person, &question).await.allowed }
        }))
        .await;
        let allowed: Vec<String> = names
            .into_iter()
            .zip(decisions)
            .filter_map(|(name, allowed)| allowed.then_some(name))
            .collect();
        if allowed.is_empty() {
            return Err(refused(attributes, None, everywhere.reason));
        }
        Ok(Allowed::Namespaces(allowed))
    }

    /// Whether the person may do one thing; the API server's reason when not.
    pub async fn check(&self, person: &Person, question: &Question) -> Result<()> {
        if matches!(person, Person::Local { .. }) {
            return Ok(());
        }
        let decision = self.cluster.may(person, question).await;
        if decision.allowed {
            return Ok(());
        }
        let attributes = Attributes {
            verb: question.verb,
            group: question.group.clone(),
            resource: question.resource.clone(),
            namespaced: question.namespace.is_some(),
            namespaces: question.namespace.clone().into_iter().collect(),
        };
        Err(refused(
            &attributes,
            question.namespace.as_deref(),
            decision.reason,
        ))
    }
}

/// The 403 for a read the person may not make.
fn refused(attributes: &Attributes, namespace: Option<&str>, reason: Option<String>) -> AppError {
    let resource = if attributes.group.is_empty() {
        attributes.resource.clone()
    } else {
        format!("{}.{}", attributes.resource, attributes.group)
    };
    let scope = match (attributes.namespaced, namespace) {
        (false, _) => String::new(),
        (true, Some(ns)) => format!(" in namespace {ns}"),
        (true, None) => " in any namespace".to_string(),
    };
    let because = reason
        .filter(|r| !r.is_empty())
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    AppError::new(
        StatusCode::FORBIDDEN,
        "Forbidden",
        format!("you may not {} {resource}{scope}{because}", attributes.verb),
    )
    .with_details(serde_json::json!({
        "verb": attributes.verb, "group": attributes.group, "resource": attributes.resource,
        "namespace": namespace,
    }))
}
