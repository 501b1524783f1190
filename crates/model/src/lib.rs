//! Pure view models of Wheelhouse: what the API returns, computed from Kubernetes objects without I/O.
//!
//! Everything here is a plain function of its inputs (and of `now` where time matters), so it is
//! tested with small fixtures built in code.

pub mod crd;
pub mod cron;
pub mod detail;
pub mod error;
pub mod labels;
pub mod node;
pub mod overview;
pub mod pod;
pub mod quantity;
pub mod query;
pub mod rows;
pub mod selector;
pub mod store;
pub mod warning;
pub mod yaml;

pub use error::{Error, Result};
pub use overview::{Overview, overview};
