//! What runs inside the simulated pods: the log lines their containers write and the CPU
//! and memory they use, both deterministic for a pod and a moment so tests can rely on them.

pub mod logs;
pub mod metrics;

pub use logs::WorkloadLogs;
pub use metrics::WorkloadMetrics;
