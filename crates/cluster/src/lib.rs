//! Kubernetes access for Wheelhouse: the connection to one cluster, a monitor that keeps checking
//! it, and watch caches that lists are served from.
//!
//! The layers compose like kube-runtime's: [`connect`] turns a [`ClusterSource`] into a
//! [`Connection`]; [`ConnectionMonitor`] watches it; [`Caches`] holds one reflector per kind;
//! [`Cluster`] bundles the three for the server, and [`calls::Calls`] makes the calls a person
//! causes with their own identity.

pub mod access;
mod backoff;
mod cache;
pub mod calls;
mod cluster;
mod connection;
pub mod discovery;
mod error;
pub mod facts;
pub mod metrics;
mod monitor;
mod person;
mod recent;
pub mod resources;

pub use cache::{Caches, Keyed, KindCache, Named, ProjectedCache, Refusal, Scoped};
pub use cluster::Cluster;
pub use connection::{
    ClusterInfo, ClusterSource, Connection, connect, kubeconfig_info, read_kubeconfig,
};
pub use error::{Error, Result};
pub use monitor::{
    ConnectionMonitor, ConnectionProblem, ConnectionState, MonitorConfig, ProblemReason,
};
pub use person::{Credential, Identity, Person};
