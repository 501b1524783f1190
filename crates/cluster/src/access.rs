//! Whether a person may do something: SelfSubjectAccessReviews asked with the person's own
//! credentials, so the API server's authorizer (RBAC, webhooks) answers for them, cached briefly.

use std::time::Duration;

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::PostParams;
use kube::{Api, Client};
use serde::Serialize;
use ts_rs::TS;

use crate::Person;
use crate::recent::Recent;

/// How long an answer is reused.
const TTL: Duration = Duration::from_secs(10);
/// Answers kept at most; the oldest half goes when full.
const CAPACITY: usize = 8192;

/// One question of Kubernetes authorization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    pub verb: &'static str,
    /// `""` for the core group.
    pub group: String,
    pub resource: String,
    pub subresource: &'static str,
    /// `None`: all namespaces, or a cluster-scoped kind.
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl Question {
    /// A question about a whole resource (no name, no subresource).
    pub fn new(
        verb: &'static str,
        group: impl Into<String>,
        resource: impl Into<String>,
        namespace: Option<String>,
    ) -> Self {
        Self {
            verb,
            group: group.into(),
            resource: resource.into(),
            subresource: "",
            namespace,
            name: None,
        }
    }

    /// "alice may not list pods in namespace default", for a refusal without the API server's reason.
    pub fn describe(&self, who: &str) -> String {
        let resource = match (self.group.as_str(), self.subresource) {
            ("", "") => self.resource.clone(),
            ("", sub) => format!("{}/{sub}", self.resource),
            (group, "") => format!("{}.{group}", self.resource),
            (group, sub) => format!("{}.{group}/{sub}", self.resource),
        };
        match &self.namespace {
            Some(ns) => format!("{who} may not {} {resource} in namespace {ns}", self.verb),
            None => format!("{who} may not {} {resource}", self.verb),
        }
    }
}

/// Whether an action is allowed, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Decision {
    pub allowed: bool,
    pub reason: Option<String>,
}

/// The reviews asked recently, per person's rights and question.
pub struct Reviews {
    answers: Recent<(String, Question), Decision>,
}

impl Default for Reviews {
    fn default() -> Self {
        Self {
            answers: Recent::new(TTL, CAPACITY),
        }
    }
}

impl std::fmt::Debug for Reviews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reviews")
            .field("answers", &self.answers.len())
            .finish()
    }
}

impl Reviews {
    /// Asks (or recalls) whether `person`, whose client is `client`, may do what `question` says.
    /// A failed review is a refusal that says so, and is not remembered.
    pub async fn decide(&self, client: Client, person: &Person, question: &Question) -> Decision {
        let key = (person.rights_key(), question.clone());
        if let Some(decision) = self.answers.get(&key, false) {
            return decision;
        }
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(question.verb.to_string()),
                    group: Some(question.group.clone()),
                    resource: Some(question.resource.clone()),
                    subresource: Some(question.subresource.to_string()),
                    namespace: question.namespace.clone(),
                    name: question.name.clone(),
                    ..ResourceAttributes::default()
                }),
                ..SelfSubjectAccessReviewSpec::default()
            },
            ..SelfSubjectAccessReview::default()
        };
        let api: Api<SelfSubjectAccessReview> = Api::all(client);
        let decision = match api.create(&PostParams::default(), &review).await {
            Ok(review) => {
                let status = review.status.unwrap_or_default();
                Decision {
                    allowed: status.allowed,
                    reason: if status.allowed {
                        None
                    } else {
                        Some(
                            status
                                .reason
                                .filter(|r| !r.is_empty())
                                .unwrap_or_else(|| question.describe(person.name())),
                        )
                    },
                }
            }
            Err(error) => {
                let cause = match error {
                    kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
                    other => other.to_string(),
                };
                return Decision {
                    allowed: false,
                    reason: Some(format!("the access review failed: {cause}")),
                };
            }
        };
        self.answers.insert(key, decision.clone());
        decision
    }
}
