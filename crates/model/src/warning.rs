//! A problem with part of an answer that does not fail the whole answer, in one shape for every
//! page of the API: `{"reason":"Forbidden","what":"events in namespace team-a","message":"…"}`.
//!
//! A detail page whose events may not be read, a list whose watch is failing, a release record
//! that cannot be decoded: the page is still answered, and the warning says what is missing and
//! why, so that nothing is silently empty.

use serde::Serialize;
use ts_rs::TS;

/// A part of an answer that could not be given, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Warning {
    pub reason: WarningReason,
    /// What could not be read (`events in namespace team-a`); `null` when the reason says it.
    pub what: Option<String>,
    /// The cause in words a person can act on, quoting the API server where it answered.
    pub message: String,
}

impl Warning {
    /// A warning about one part of the answer.
    pub fn about(
        reason: WarningReason,
        what: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            reason,
            what: Some(what.into()),
            message: message.into(),
        }
    }

    /// A warning about the answer as a whole (a list still loading, a failing watch).
    pub fn general(reason: WarningReason, message: impl Into<String>) -> Self {
        Self {
            reason,
            what: None,
            message: message.into(),
        }
    }
}

/// Why part of an answer is missing; serialised as the variant's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub enum WarningReason {
    /// The API server refused the person (403): ask for the right, or look elsewhere.
    Forbidden,
    /// It does not exist (404), or the cluster serves no such kind.
    NotFound,
    /// The API server did not answer, or answered something that cannot be used.
    Unavailable,
    /// A record was read but cannot be decoded (a Helm release Secret that is not a release).
    Unreadable,
    /// A list's watch cache has not finished its first list: the rows fill in shortly.
    Loading,
    /// The watch behind a list fails: the rows may be stale until it recovers.
    WatchFailing,
    /// One group-version of the API could not be discovered: its kinds are missing.
    GroupVersionUnavailable,
    /// Custom resource definitions cannot be listed: custom kinds have no printer columns.
    CustomResourcesUnwatched,
}

impl WarningReason {
    /// The reason of a failed call by its HTTP status: 403 and 404 by name, the rest unavailable.
    pub fn of_status(code: u16) -> Self {
        match code {
            403 => Self::Forbidden,
            404 => Self::NotFound,
            _ => Self::Unavailable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_warning_has_the_same_shape() {
        let about = Warning::about(
            WarningReason::Forbidden,
            "events in namespace team-a",
            "the API server said \"forbidden\" (403)",
        );
        assert_eq!(
            serde_json::to_value(&about).expect("serialises"),
            json!({"reason": "Forbidden", "what": "events in namespace team-a", "message": "the API server said \"forbidden\" (403)"})
        );
        let general = Warning::general(WarningReason::Loading, "still listing pods");
        assert_eq!(
            serde_json::to_value(&general).expect("serialises"),
            json!({"reason": "Loading", "what": null, "message": "still listing pods"})
        );
    }

    #[test]
    fn a_failed_calls_status_names_its_reason() {
        assert_eq!(WarningReason::of_status(403), WarningReason::Forbidden);
        assert_eq!(WarningReason::of_status(404), WarningReason::NotFound);
        assert_eq!(WarningReason::of_status(500), WarningReason::Unavailable);
    }
}
