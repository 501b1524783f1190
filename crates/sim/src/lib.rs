//! wheelhouse-sim: an in-memory Kubernetes API server for the Wheelhouse demo, tests and benchmarks.

pub mod controllers;
pub mod error;
pub mod store;

pub use error::{Error, Result};
pub use store::{GroupResource, Store};
