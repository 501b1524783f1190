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
pub mod distribution;
pub mod helm;
pub mod images;
pub mod index;
pub mod manifest;
pub mod network;
pub mod oci;
pub mod registry_crd;
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

    // Reading repositories and registries.
    /// Text that is not a repository, registry or chart URL; the message says what is wrong.
    #[error("{0}")]
    BadUrl(String),
    /// The network policy refused where `url` leads (the reason names the address and the flag).
    #[error("{url} was not fetched: {refused}")]
    Refused {
        url: String,
        refused: network::Refused,
    },
    /// No answer: connection, TLS or timeout, with its causes (and, for a certificate no trusted
    /// CA signed, what to do about it).
    #[error("{0}")]
    Unreachable(String),
    /// An answer that is not a success.
    #[error("{url} answered {status}")]
    Status {
        url: String,
        status: reqwest::StatusCode,
    },
    /// A body larger than Wheelhouse reads (`what` names it: the index, the chart archive).
    #[error(
        "{what} at {url} is larger than {}; Wheelhouse stopped reading it",
        repository::size_text(*limit)
    )]
    TooLarge {
        what: String,
        url: String,
        limit: usize,
    },
    /// An answer that is not what the protocol says (not JSON, a chart config that is not one).
    #[error("{what} is not valid: {message}")]
    Malformed { what: String, message: String },
    /// A registry's token could not be had; the message says at which step.
    #[error("{0}")]
    Token(String),
    /// The HTTP client could not be built (its TLS set-up failed): every request fails with this.
    #[error("{0}")]
    Client(String),
    /// A repository's CA text has no `-----BEGIN CERTIFICATE-----` block (empty, a key, DER
    /// bytes, a typo).
    #[error("it holds no PEM certificate (a block starting with -----BEGIN CERTIFICATE-----)")]
    NoCertificate,
    /// A CA block is not a certificate that can be a root (malformed, or not X.509).
    #[error("its certificates cannot be used to verify servers: {0}")]
    UnusableCertificates(String),
    /// A value of `--allow-repository-network` that is neither a network nor an address.
    #[error("{text:?} is not a network like 10.96.0.0/12 or an address like 10.96.0.10")]
    NotANetwork { text: String },
    /// The cluster connection could not be written as the kubeconfig helm reads.
    #[error("the connection could not be written as a kubeconfig: {0}")]
    Kubeconfig(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
