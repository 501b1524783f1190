//! Wheelhouse's alerting. Alert rules and notification channels are custom resources
//! ([`crd`]); a rule is evaluated against facts of the cluster ([`snapshot`], [`evaluate`]) and
//! its alerts move pending → firing → resolved in its status ([`state`]); the alerter
//! ([`alerter`], `wheelhouse alerter`) runs that every interval as the Lease holder and sends
//! notifications ([`notify`]). The console reads the same types and calls the same evaluation
//! for its preview.

pub mod alerter;
pub mod crd;
pub mod evaluate;
mod lease;
pub mod notify;
pub mod samples;
pub mod snapshot;
mod sources;
pub mod state;
mod watch;

pub use alerter::{AlerterConfig, run};
pub use sources::{prometheus as prometheus_query, usage_of};

/// What stops the alerter.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something it needs could not be set up (its HTTP client).
    #[error("{0}")]
    Setup(String),
    /// The API server refused or did not answer a call the alerter needs.
    #[error("{0}")]
    Kube(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
