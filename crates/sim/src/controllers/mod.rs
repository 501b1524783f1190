//! Light controllers that keep the simulated cluster alive: the scheduler, a kubelet, and
//! the Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, endpoints and namespace
//! controllers.
//!
//! Each controller is a pure `reconcile` function from objects to [`Action`]s, tested on its
//! own; the [`runtime`] reads the store, calls them and writes their actions back.
//!
//! The kubelet also holds what runs inside the simulated pods: the log lines their containers
//! write and the CPU and memory they use ([`kubelet::container_logs`], [`kubelet::container_usage`]),
//! deterministic for a pod and a moment so tests can rely on them.

pub mod action;
pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod disruption;
pub mod endpoints;
pub mod events;
pub mod job;
pub mod kubelet;
pub mod meta;
pub mod replicaset;
pub mod revisions;
pub mod runtime;
pub mod scheduler;
pub mod statefulset;
pub mod workloads;

pub use action::Action;
pub use runtime::{ControllerConfig, Controllers};
