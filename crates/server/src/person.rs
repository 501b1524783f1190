//! The person a request acts for, as a handler takes it: who they are, and their access to the
//! API server. [`crate::session::authenticate`] decided who; this builds the client.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use wheelhouse_cluster::Person;

use crate::AppState;
use crate::error::AppError;
use wheelhouse_cluster::calls::Calls;

/// The request's person and the calls made as them.
#[derive(Debug, Clone)]
pub struct Me {
    pub person: Person,
    pub calls: Calls,
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
        let calls = state.cluster.calls_for(&person)?;
        Ok(Me { person, calls })
    }
}
