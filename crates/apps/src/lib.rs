//! Helm for Wheelhouse: release records read from their Secrets, chart repositories and their
//! indexes (searched in memory), chart archives, the built-in charts, and the helm runner.
//!
//! Everything here is plain Rust over values and bytes, or over the helm binary and HTTP; the
//! server crate wires it to the cluster and the API.

pub mod budget;
pub mod builtin;
pub mod chart;
pub mod crd;
pub mod diff;
pub mod helm;
pub mod index;
pub mod manifest;
pub mod network;
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
    /// Decompressing `what` went past its budget: a gzip bomb, or an input far larger than any
    /// chart or release (nothing past the budget was kept).
    #[error(
        "{what} expands to more than {} when decompressed; Wheelhouse stopped there (a few KiB that expand this far are a gzip bomb)",
        repository::size_text(*limit)
    )]
    Expands { what: &'static str, limit: usize },
    /// An archive has more entries than any chart needs (each costs work to skip).
    #[error("{what} has more than {limit} entries; Wheelhouse stopped reading it")]
    TooManyEntries { what: &'static str, limit: usize },
    /// Decoding on the blocking pool panicked or was cancelled (the server log has the panic).
    #[error("decoding stopped unexpectedly: {0}")]
    Interrupted(#[source] tokio::task::JoinError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
