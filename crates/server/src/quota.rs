//! Caps per person on what stays open: live connections (a tab's socket, a script's event
//! stream) and followed logs. Each holds buffers and, for a log, a stream from the API server, so
//! one person's many tabs or a script in a loop cannot take the memory everyone shares.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use wheelhouse_cluster::Person;

use crate::error::AppError;

/// Live connections (live sockets and watch event streams) one person may hold open.
pub const MAX_LIVE_CONNECTIONS: usize = 32;
/// Logs one person may follow at once (a workload's merged log is one).
pub const MAX_LOG_FOLLOWS: usize = 32;
/// Port-forwarded connections one person may hold open (each is a stream to the API server).
pub const MAX_PORT_FORWARDS: usize = 64;

/// What a person holds open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Held {
    /// A live socket (one per tab) or an event stream of a live view.
    LiveConnection,
    /// A followed log.
    LogFollow,
    /// A port-forwarded connection.
    PortForward,
}

/// The counts per person.
#[derive(Debug)]
pub struct Quotas {
    held: Mutex<HashMap<(String, Held), usize>>,
    live_connections: usize,
}

impl Quotas {
    /// At most `live_connections` live connections per person (normally
    /// [`MAX_LIVE_CONNECTIONS`]; a benchmark of many subscribers as one person raises it).
    pub fn new(live_connections: usize) -> Self {
        Self {
            held: Mutex::default(),
            live_connections,
        }
    }

    fn cap(&self, what: Held) -> usize {
        match what {
            Held::LiveConnection => self.live_connections,
            Held::LogFollow => MAX_LOG_FOLLOWS,
            Held::PortForward => MAX_PORT_FORWARDS,
        }
    }

    /// The 429 of a person at the cap.
    pub fn refusal(&self, what: Held) -> AppError {
        let cap = self.cap(what);
        let message = match what {
            Held::LiveConnection => format!(
                "you already have {cap} live connections open (one per tab of this console, or a script's event streams); close some tabs, then reload this one"
            ),
            Held::LogFollow => format!(
                "you already follow {cap} logs at once; stop following some (close their tabs or views) and try again"
            ),
            Held::PortForward => format!(
                "you already have {cap} port-forwarded connections open; close some and try again"
            ),
        };
        AppError::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", message)
    }

    /// One more `what` for `person`, until the guard is dropped; 429 at the cap.
    pub fn take(self: &Arc<Self>, person: &Person, what: Held) -> Result<Taken, AppError> {
        let key = (person.name().to_string(), what);
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = held.entry(key.clone()).or_default();
        if *count >= self.cap(what) {
            return Err(self.refusal(what));
        }
        *count += 1;
        Ok(Taken {
            quotas: self.clone(),
            key,
        })
    }
}

impl Default for Quotas {
    fn default() -> Self {
        Self::new(MAX_LIVE_CONNECTIONS)
    }
}

/// One held thing; dropping it gives it back.
#[derive(Debug)]
pub struct Taken {
    quotas: Arc<Quotas>,
    key: (String, Held),
}

impl Drop for Taken {
    fn drop(&mut self) {
        let mut held = self
            .quotas
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = held.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str) -> Person {
        Person::Local { name: name.into() }
    }

    #[test]
    fn a_person_at_the_cap_is_refused_with_429_and_others_are_not() {
        let quotas = Arc::new(Quotas::default());
        let alice = person("alice");
        let held: Vec<Taken> = (0..MAX_LOG_FOLLOWS)
            .map(|_| quotas.take(&alice, Held::LogFollow).expect("under the cap"))
            .collect();
        let refused = quotas
            .take(&alice, Held::LogFollow)
            .expect_err("at the cap");
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(
            refused.message().contains("32 logs"),
            "{}",
            refused.message()
        );
        quotas
            .take(&alice, Held::LiveConnection)
            .expect("another kind has its own cap");
        quotas
            .take(&person("bob"), Held::LogFollow)
            .expect("another person has their own");
        drop(held);
        quotas
            .take(&alice, Held::LogFollow)
            .expect("given back when dropped");
        assert!(
            quotas.held.lock().expect("lock").is_empty(),
            "nothing is kept for people who hold nothing"
        );
    }
}
