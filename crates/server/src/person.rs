//! The person a request acts for, as a handler takes it: who they are, and their access to the
//! API server. [`crate::session::authenticate`] decided who; this builds the client.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use wheelhouse_cluster::Person;

use crate::AppState;
use crate::error::AppError;
use crate::upstream::Upstream;

/// The request's person and a client that acts as them.
#[derive(Debug, Clone)]
pub struct Me {
    pub person: Person,
    pub upstream: Upstream,
}

impl FromRequestParts<AppState> for Me {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let person = parts.extensions.get::<Person>().cloned().ok_or_else(|| {
            AppError::new(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "sign in to use Wheelhouse",
            )
        })?;
        let client = state.cluster.client_for(&person)?;
        Ok(Me {
            person,
            upstream: Upstream::new(client),
        })
    }
}
