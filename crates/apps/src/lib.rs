//! Helm for Wheelhouse: release records read from their Secrets, chart repositories and their
//! indexes (searched in memory), chart archives, the built-in charts, and the helm runner.
//!
//! Everything here is plain Rust over values and bytes, or over the helm binary and HTTP; the
//! server crate wires it to the cluster and the API.

pub mod builtin;
pub mod chart;
pub mod crd;
pub mod diff;
pub mod helm;
pub mod index;
pub mod manifest;
pub mod oci;
pub mod release;
pub mod repository;
pub mod validate;
pub mod values;

/// Failures of this crate, each with a message a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A release Secret, index or chart archive could not be read.
    #[error("{0}")]
    Decode(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
