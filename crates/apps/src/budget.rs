//! Budgets for decompressing what comes from outside (chart archives, release records), and
//! running that work off the async workers.
//!
//! A few KiB of gzip can expand to gigabytes. Every decompression here reads through a
//! [`Budgeted`] reader that fails once past its budget, and callers on the async runtime run it
//! with [`off_workers`], so a hostile archive or release Secret costs a bounded amount of memory
//! and a blocking thread for a moment, never the workers that answer `/healthz` and every page.

use std::cell::Cell;
use std::io::Read;

use crate::{Error, Result};

/// A reader that fails once more than `budget` bytes have come through it.
#[derive(Debug)]
pub struct Budgeted<'a, R> {
    inner: R,
    left: u64,
    /// Set when the budget ran out, so the caller can tell this failure from a damaged input
    /// even after a decoder (tar, JSON) has wrapped the I/O error in its own.
    exceeded: &'a Cell<bool>,
}

impl<'a, R: Read> Budgeted<'a, R> {
    pub fn new(inner: R, budget: u64, exceeded: &'a Cell<bool>) -> Self {
        Self {
            inner,
            left: budget,
            exceeded,
        }
    }
}

impl<R: Read> Read for Budgeted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.exceeded.get() {
            return Err(std::io::Error::other("the decompression budget is spent"));
        }
        // One byte more than the budget allows tells "exactly the budget" from "more".
        let window = usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX);
        let end = buf.len().min(window);
        let read = self.inner.read(&mut buf[..end])?;
        if read as u64 > self.left {
            self.exceeded.set(true);
            return Err(std::io::Error::other("the decompression budget is spent"));
        }
        self.left -= read as u64;
        Ok(read)
    }
}

/// Runs CPU-bound decoding on tokio's blocking pool, so the async workers stay free.
pub async fn off_workers<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(Error::Interrupted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budgeted_reader_passes_the_budget_exactly_and_fails_past_it() {
        let exceeded = Cell::new(false);
        let mut out = Vec::new();
        Budgeted::new(&[7u8; 100][..], 100, &exceeded)
            .read_to_end(&mut out)
            .expect("exactly the budget is fine");
        assert_eq!(out.len(), 100);
        assert!(!exceeded.get());

        let mut out = Vec::new();
        let error = Budgeted::new(&[7u8; 101][..], 100, &exceeded)
            .read_to_end(&mut out)
            .expect_err("one byte more is refused");
        assert!(error.to_string().contains("budget"), "{error}");
        assert!(exceeded.get());
        assert!(out.len() <= 100, "nothing past the budget is handed on");
    }

    #[tokio::test]
    async fn work_off_the_workers_returns_its_result() {
        assert_eq!(off_workers(|| 6 * 7).await.expect("runs"), 42);
    }
}
