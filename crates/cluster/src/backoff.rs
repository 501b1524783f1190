//! The waits of the loops that keep checking something (the cluster, metrics.k8s.io,
//! Prometheus): their own interval while it answers, and after failures in a row backon's
//! exponential backoff (the one kube-runtime's watchers use), without jitter, doubling from a
//! first wait up to a longest one and started over by the next success.
//!
//! These loops never give up, so this is backon's sequence of delays rather than its
//! `Retryable`, which retries one operation until it succeeds.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

/// Where a checking loop stands in its backoff.
#[derive(Debug)]
pub(crate) struct Backoff {
    builder: ExponentialBuilder,
    longest: Duration,
    delays: ExponentialBackoff,
}

impl Backoff {
    /// Waits after failures that start at `first` and double up to `longest` (a `first` longer
    /// than `longest` is cut to it).
    pub(crate) fn new(first: Duration, longest: Duration) -> Self {
        let builder = ExponentialBuilder::new()
            .with_min_delay(first.min(longest))
            .with_max_delay(longest)
            .with_factor(2.0)
            .without_max_times();
        Self {
            builder,
            longest,
            delays: builder.build(),
        }
    }

    /// The wait before the next attempt: `interval` after a success, which starts the backoff
    /// over; after a failure, one step further along it.
    pub(crate) fn wait_after(&mut self, succeeded: bool, interval: Duration) -> Duration {
        if succeeded {
            self.delays = self.builder.build();
            return interval;
        }
        // Without a limit on attempts or on the total, backon's sequence does not end.
        self.delays.next().unwrap_or(self.longest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_double_the_wait_up_to_the_longest_and_a_success_starts_over() {
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(3));
        let interval = Duration::from_secs(10);
        let waits: Vec<u128> = [false, false, false, false, false, true, false]
            .map(|succeeded| backoff.wait_after(succeeded, interval).as_millis())
            .into();
        assert_eq!(waits, [500, 1000, 2000, 3000, 3000, 10_000, 500]);
    }

    #[test]
    fn a_first_wait_longer_than_the_longest_is_cut_to_it() {
        let mut backoff = Backoff::new(Duration::from_secs(60), Duration::from_secs(5));
        assert_eq!(
            backoff.wait_after(false, Duration::ZERO),
            Duration::from_secs(5)
        );
    }
}
