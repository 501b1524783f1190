//! Faults a test injects into the running sim, each answered as kube-apiserver answers it:
//! every request failing with 500 (etcd timing out) or 429 (API Priority and Fairness shedding
//! load) for a while, every answer slow, every open watch dropped (as when the API server
//! restarts or a load balancer cuts long connections), and metrics-server unavailable behind its
//! APIService (as when its pod restarts), which a test can turn on and off to make it flap.
//!
//! ```no_run
//! # async fn f() -> wheelhouse_sim::Result<()> {
//! use std::time::Duration;
//! use wheelhouse_sim::{Failure, Sim, SimConfig};
//! let sim = Sim::start(SimConfig::default()).await?;
//! sim.faults().drop_watches();
//! sim.faults().fail(Failure::Internal, Duration::from_secs(5));
//! # Ok(()) }
//! ```

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// How requests fail while a fault lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// `500 InternalError`, "etcdserver: request timed out": the API server cannot reach etcd.
    Internal,
    /// `429 TooManyRequests` with `Retry-After: 1`: API Priority and Fairness rejects the request.
    TooManyRequests,
    /// Every answer is delayed by this long, then given as usual.
    Slow(Duration),
}

/// The faults of one sim; cheap to clone, shared with its request handler.
#[derive(Debug, Clone)]
pub struct Faults {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    failing: Mutex<Option<(Failure, Instant)>>,
    /// Bumped to end every open watch.
    dropped: tokio::sync::watch::Sender<u64>,
    /// Watch streams being served now.
    open_watches: Arc<AtomicUsize>,
    /// metrics.k8s.io's APIService is unavailable.
    metrics_down: AtomicBool,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            inner: Arc::new(Inner {
                failing: Mutex::new(None),
                dropped: tokio::sync::watch::Sender::new(0),
                open_watches: Arc::default(),
                metrics_down: AtomicBool::new(false),
            }),
        }
    }
}

impl Faults {
    /// Every request fails (or is slow) as `failure` says, for `lasting`.
    pub fn fail(&self, failure: Failure, lasting: Duration) {
        *self.lock() = Some((failure, Instant::now() + lasting));
    }

    /// Ends a fault before its time.
    pub fn heal(&self) {
        *self.lock() = None;
    }

    /// Ends every watch open now (their streams close, as when the API server restarts).
    pub fn drop_watches(&self) {
        self.inner.dropped.send_modify(|n| *n += 1);
    }

    /// metrics-server stops answering behind its APIService (`true`) or answers again
    /// (`false`). While it is down, everything under `/apis/metrics.k8s.io` is the aggregator's
    /// `503 ServiceUnavailable`, as `kubectl top` then reports, and aggregated discovery marks
    /// the group's version `Stale`; the rest of the API answers as usual.
    pub fn metrics_unavailable(&self, unavailable: bool) {
        self.inner.metrics_down.store(unavailable, Ordering::SeqCst);
    }

    /// Whether metrics-server is unavailable now.
    pub(crate) fn metrics_down(&self) -> bool {
        self.inner.metrics_down.load(Ordering::SeqCst)
    }

    /// How many watch streams the sim serves now: a client that leaks watches across faults
    /// shows here.
    pub fn open_watches(&self) -> usize {
        self.inner.open_watches.load(Ordering::SeqCst)
    }

    /// Counts a watch stream as open until the guard is dropped.
    pub(crate) fn watch_opened(&self) -> OpenWatch {
        self.inner.open_watches.fetch_add(1, Ordering::SeqCst);
        OpenWatch(self.inner.open_watches.clone())
    }

    /// The fault in force now, if any.
    pub(crate) fn now(&self) -> Option<Failure> {
        let mut failing = self.lock();
        match *failing {
            Some((failure, until)) if Instant::now() < until => Some(failure),
            Some(_) => {
                *failing = None;
                None
            }
            None => None,
        }
    }

    /// Changes when watches are to be dropped.
    pub(crate) fn watches_dropped(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.dropped.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Failure, Instant)>> {
        self.inner
            .failing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// One open watch stream, counted in [`Faults::open_watches`] while it lives.
#[derive(Debug)]
pub(crate) struct OpenWatch(Arc<AtomicUsize>);

impl Drop for OpenWatch {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fault_lasts_its_time_and_then_heals_by_itself() {
        let faults = Faults::default();
        assert_eq!(faults.now(), None);
        faults.fail(Failure::Internal, Duration::from_millis(50));
        assert_eq!(faults.now(), Some(Failure::Internal));
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(faults.now(), None);
        faults.fail(Failure::TooManyRequests, Duration::from_secs(60));
        faults.heal();
        assert_eq!(faults.now(), None);
    }

    #[tokio::test]
    async fn dropping_watches_is_seen_by_every_open_one() {
        let faults = Faults::default();
        let mut first = faults.watches_dropped();
        let mut second = faults.watches_dropped();
        faults.drop_watches();
        first.changed().await.expect("seen");
        second.changed().await.expect("seen");
    }
}
