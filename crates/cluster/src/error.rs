//! Errors of the cluster layer.

use std::path::PathBuf;
use std::time::Duration;

use crate::ConnectionProblem;

/// What can go wrong while connecting to a cluster or reading from its caches.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kubeconfig file is missing, unreadable or not a kubeconfig.
    #[error("cannot read the kubeconfig {}: {source}", path.display())]
    ReadKubeconfig {
        path: PathBuf,
        #[source]
        source: kube::config::KubeconfigError,
    },

    /// The list of kubeconfig paths was empty (e.g. `KUBECONFIG=:`).
    #[error("no kubeconfig path was given")]
    NoKubeconfig,

    /// `--context` names a context the kubeconfig does not have.
    #[error(
        "the kubeconfig has no context named {0:?}; `kubectl config get-contexts` lists the ones it has"
    )]
    ContextNotFound(String),

    /// The kubeconfig sets no `current-context` and none was given.
    #[error("the kubeconfig sets no current-context; choose one with --context")]
    NoCurrentContext,

    /// The kubeconfig's context, cluster or user cannot be turned into a client configuration.
    #[error("the kubeconfig cannot be used: {0}")]
    Kubeconfig(#[source] kube::config::KubeconfigError),

    /// The in-cluster service account could not be loaded.
    #[error("cannot load the in-cluster service account: {0}")]
    InCluster(#[source] kube::config::InClusterError),

    /// The HTTP client for the cluster could not be built (for example a bad certificate).
    #[error("cannot create a client for the cluster: {0}")]
    Client(#[source] kube::Error),

    /// The connection monitor's last check failed; the message says why and what to do.
    #[error("{0}")]
    Unavailable(ConnectionProblem),

    /// A watch cache did not finish its first list in time (the cluster is slow or stopped answering).
    #[error(
        "the cluster did not finish listing {kind} within {} seconds{}; Wheelhouse keeps trying",
        within.as_secs(),
        last_error.as_ref().map(|e| format!(" (last error: {e})")).unwrap_or_default()
    )]
    CacheNotReady {
        kind: String,
        within: Duration,
        last_error: Option<String>,
    },

    /// The API server refused to list a kind in all namespaces (401, 403): the identity lacks
    /// `list` and `watch` on it cluster-wide.
    #[error(
        "{message} ({code}): Wheelhouse lists {kind} in all namespaces for this page; grant the identity list and watch on them cluster-wide, or use one that has them"
    )]
    ListRefused {
        kind: String,
        code: u16,
        message: String,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
