//! Who a request acts for, and whether that person may read what the caches hold.
//!
//! The caches read with Wheelhouse's own identity. Locally that is the kubeconfig identity, which
//! is also the person at the keyboard: the API server's answer to the cache's list already is the
//! person's answer, so [`LocalIdentity`] allows everything and a refused list surfaces as 403.
//! In a cluster, people log in and the caches read with the service account; an implementation of
//! [`AccessReview`] will then ask the API server (SubjectAccessReview, cached briefly) before
//! releasing cached rows to a person. This module is that seam.

use std::fmt::Debug;

use futures::future::BoxFuture;

use crate::error::AppError;

/// Who a request acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Person {
    /// The identity of the kubeconfig (or service account) Wheelhouse itself uses.
    Local,
}

impl Person {
    /// The person of every request until logins exist.
    pub fn local() -> Self {
        Person::Local
    }
}

/// What a person asks to do, in the terms of Kubernetes authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    /// `list`, `watch`, `get`.
    pub verb: &'static str,
    /// `""` for the core group.
    pub group: String,
    pub resource: String,
    /// The namespaces asked for; empty means all.
    pub namespaces: Vec<String>,
}

/// Decides whether a person may see what Wheelhouse's caches hold.
pub trait AccessReview: Debug + Send + Sync {
    /// `Ok` to go on; an error (403 naming verb, resource and namespace) to refuse.
    fn review<'a>(
        &'a self,
        person: &'a Person,
        attributes: &'a Attributes,
    ) -> BoxFuture<'a, Result<(), AppError>>;
}

/// The person is the identity the caches read with: the API server has already decided.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalIdentity;

impl AccessReview for LocalIdentity {
    fn review<'a>(
        &'a self,
        _person: &'a Person,
        _attributes: &'a Attributes,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}
