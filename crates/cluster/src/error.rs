//! The one error of the cluster layer: connecting, discovering, caching, and metrics.
//!
//! Each variant says when it occurs; its message tells the person what happened and, where
//! there is one, what to do. The server turns each into the API's error shape in one place.

use std::path::PathBuf;
use std::time::Duration;

use crate::ConnectionProblem;
use crate::metrics::SourceState;

/// What can go wrong while connecting to a cluster, discovering its kinds, reading its caches or
/// answering metrics.
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

    /// Discovery found no such resource (after discovering again).
    #[error(
        "the cluster serves no resource {resource} in {}; GET /api/v1/kinds lists the ones it serves",
        api_version(group, version)
    )]
    UnknownResource {
        group: String,
        version: String,
        resource: String,
    },

    /// The API server stopped serving a resource while it was watched (its CRD was deleted,
    /// and with it every object of the resource).
    #[error(
        "the resource type {resource} was removed from the cluster (its CustomResourceDefinition was deleted, and its objects with it); GET /api/v1/kinds lists the ones it serves"
    )]
    ResourceRemoved { resource: String },

    /// The resource exists but cannot be listed or watched (e.g. `tokenreviews`, create-only).
    #[error("{resource} cannot be {verb}ed: the API server does not offer {verb} on it")]
    VerbNotSupported {
        resource: String,
        verb: &'static str,
    },

    /// The API server refused the identity a resource cache reads with (401 or 403).
    #[error("{}", refused_text(who, verb, resource, namespace.as_deref(), *namespaced, *code, message))]
    Refused {
        who: String,
        verb: &'static str,
        resource: String,
        /// The one namespace asked for; `None` for all namespaces (or a cluster-scoped kind).
        namespace: Option<String>,
        /// Whether the kind lives in namespaces.
        namespaced: bool,
        code: u16,
        message: String,
    },

    /// `/api` or `/apis` could not be read.
    #[error("cannot discover the kinds the cluster serves: {0}")]
    DiscoveryFailed(String),

    /// No discovery finished in time.
    #[error(
        "the cluster did not answer discovery within {} seconds{}; Wheelhouse keeps trying",
        within.as_secs(),
        last_error.as_ref().map(|e| format!(" (last error: {e})")).unwrap_or_default()
    )]
    DiscoveryNotReady {
        within: Duration,
        last_error: Option<String>,
    },

    /// A metrics range nobody can serve (`?range=`).
    #[error("unknown range {range:?}: the sources can serve {}", valid.join(", "))]
    UnknownRange { range: String, valid: Vec<String> },

    /// A workload resource metrics are not kept for.
    #[error(
        "unknown workload resource {0:?}: use deployments, statefulsets, daemonsets, replicasets or jobs"
    )]
    UnknownWorkload(String),

    /// The object metrics are asked for does not exist.
    #[error("{kind} {name} not found")]
    NotFound { kind: &'static str, name: String },

    /// The console's identity may not read pod metrics in a namespace, so none are scraped there
    /// (it may not read them cluster-wide, and the namespace was refused or not configured).
    #[error("pod metrics in namespace {namespace} are not scraped: {reason}")]
    NotScraped { namespace: String, reason: String },

    /// Prometheus failed to answer a range only it can serve.
    /// `state` is what the failure leaves the Prometheus source in (unreachable or forbidden).
    #[error("the range needs Prometheus, which failed: {message}")]
    Prometheus { state: SourceState, message: String },

    /// The API server did not accept a person's credentials: a sign-in with a wrong or expired
    /// token, or a session whose token has since expired.
    #[error("the API server did not accept these credentials: {message} ({code})")]
    NotAuthenticated { code: u16, message: String },

    /// The API server's SelfSubjectReview named no user.
    #[error("the API server's SelfSubjectReview named no user for these credentials")]
    NoUserInfo,

    /// An object needed for an answer could not be read.
    #[error("cannot read {what}: {source}")]
    Read {
        what: String,
        #[source]
        source: kube::Error,
    },
}

impl Error {
    /// The API server's own refusal behind a failed read, when it answered one: its code and
    /// words (so callers need not know kube's error type).
    pub fn api_status(&self) -> Option<(u16, &str)> {
        match self {
            Error::Read {
                source: kube::Error::Api(status),
                ..
            } => Some((status.code, status.message.as_str())),
            _ => None,
        }
    }
}

fn refused_text(
    who: &str,
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
    namespaced: bool,
    code: u16,
    message: &str,
) -> String {
    let (scope, hint) = match (namespaced, namespace) {
        (false, _) => (String::new(), ""),
        (true, Some(namespace)) => (format!(" in namespace {namespace}"), ""),
        (true, None) if code == 403 => (
            " in all namespaces".to_string(),
            "; choose one namespace the identity may list (namespace=…)",
        ),
        (true, None) => (" in all namespaces".to_string(), ""),
    };
    format!(
        "{who} may not {verb} {resource}{scope}: the API server said \"{message}\" ({code}){hint}"
    )
}

/// `v1` for the core group, `group/version` otherwise.
pub(crate) fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
