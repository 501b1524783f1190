//! Watches of helm's release Secrets' metadata, one per person and scope (a namespace, or all),
//! so that the release list after its first load reads memory instead of listing 10,000 Secrets'
//! metadata from the API server on every request (ADR 0032).
//!
//! Each watch is made with the person's own credentials, as every other read is: it holds nothing
//! their own list would not return. It ends when it has not been read for [`IDLE`], when the API
//! server refuses it (a token that expired, a right taken away: an open watch is authorised
//! again at least every few minutes, when it is restarted), when the person's credential changes,
//! or when more than [`MAX_WATCHES`] are held (the least recently read goes first), and a
//! person's own least recently read one when they hold [`PER_PERSON`]: one person reading many
//! namespaces in turn churns only their own watches, never everyone's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use wheelhouse_apps::release::SecretMeta;
use wheelhouse_cluster::calls::{Calls, Failure};
use wheelhouse_cluster::{Named, Person, ProjectedCache};

/// A watch not read for this long is stopped.
const IDLE: Duration = Duration::from_secs(5 * 60);
/// Watches held at most, over all persons.
const MAX_WATCHES: usize = 32;
/// Watches one person holds at most (all namespaces, and a few namespaces).
const PER_PERSON: usize = 4;
/// How long a read waits for a new watch's first list.
const FIRST_LIST: Duration = Duration::from_secs(30);

/// A person's name and the namespace watched (`None`: all).
type Key = (String, Option<String>);

struct Held {
    /// Whose credentials the watch uses: another credential of the same name gets its own.
    person: Person,
    cache: Arc<ProjectedCache<Named<Option<SecretMeta>>>>,
    read: Instant,
}

#[derive(Default)]
pub(crate) struct ReleaseWatches {
    held: Arc<Mutex<HashMap<Key, Held>>>,
    /// Stops idle watches even when no one reads the list any more.
    sweeper: OnceLock<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for ReleaseWatches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseWatches")
            .field("held", &lock(&self.held).len())
            .finish()
    }
}

fn lock(held: &Mutex<HashMap<Key, Held>>) -> std::sync::MutexGuard<'_, HashMap<Key, Held>> {
    held.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Which watch to stop before one for `new` (not held) starts, given each held one's last read:
/// the person's own least recently read when they hold [`PER_PERSON`], else the least recently
/// read of all when [`MAX_WATCHES`] are held, else none.
fn to_stop<'a>(held: impl Iterator<Item = (&'a Key, Instant)>, new: &Key) -> Option<Key> {
    let held: Vec<(&Key, Instant)> = held.collect();
    let oldest = |own_only: bool| {
        held.iter()
            .filter(|(k, _)| !own_only || k.0 == new.0)
            .min_by_key(|(_, read)| *read)
            .map(|(k, _)| (*k).clone())
    };
    if held.iter().filter(|(k, _)| k.0 == new.0).count() >= PER_PERSON {
        oldest(true)
    } else if held.len() >= MAX_WATCHES {
        oldest(false)
    } else {
        None
    }
}

/// Drops the watches idle for [`IDLE`] or refused by the API server.
fn sweep(held: &mut HashMap<Key, Held>, now: Instant) {
    held.retain(|_, h| now.duration_since(h.read) < IDLE && h.cache.refused().is_none());
}

impl ReleaseWatches {
    /// What the release list needs of the Secrets of `secret_type` that `labels` picks in
    /// `namespace` (all when `None`), as `person` may list them: from their watch, started (and its first list waited
    /// for) when they have none.
    pub(crate) async fn metadata(
        &self,
        person: &Person,
        calls: &Calls,
        namespace: Option<&str>,
        labels: &str,
        secret_type: &str,
    ) -> Result<Vec<Arc<Option<SecretMeta>>>, Failure> {
        self.start_sweeper();
        let key = (person.name().to_string(), namespace.map(str::to_string));
        let cache = {
            let mut held = lock(&self.held);
            let now = Instant::now();
            sweep(&mut held, now);
            if held.get(&key).is_some_and(|h| &h.person != person) {
                held.remove(&key);
            }
            if !held.contains_key(&key)
                && let Some(victim) = to_stop(held.iter().map(|(k, h)| (k, h.read)), &key)
            {
                held.remove(&victim);
            }
            let entry = held.entry(key.clone()).or_insert_with(|| Held {
                person: person.clone(),
                cache: Arc::new(calls.watch_secret_metadata(
                    namespace,
                    labels,
                    secret_type,
                    SecretMeta::of,
                )),
                read: now,
            });
            entry.read = now;
            entry.cache.clone()
        };
        let objects = cache
            .objects(FIRST_LIST)
            .await
            .map(|named| named.into_iter().map(|n| n.value.clone()).collect());
        let refused = cache.refused();
        match (objects, refused) {
            (Ok(objects), None) => Ok(objects),
            (result, refused) => {
                // Refused or never listed: the next read starts again, and says why meanwhile.
                let mut held = lock(&self.held);
                if held
                    .get(&key)
                    .is_some_and(|h| Arc::ptr_eq(&h.cache, &cache))
                {
                    held.remove(&key);
                }
                Err(match (refused, result) {
                    (Some(refused), _) => Failure {
                        code: refused.code.unwrap_or(403),
                        reason: if refused.code == Some(401) {
                            "Unauthorized".into()
                        } else {
                            "Forbidden".into()
                        },
                        message: refused.message,
                        causes: Vec::new(),
                    },
                    (None, Err(error)) => Failure::unavailable(error.to_string()),
                    (None, Ok(_)) => Failure::unavailable("the watch stopped".into()),
                })
            }
        }
    }

    /// Once, in the runtime: every minute, stop the watches no one reads.
    fn start_sweeper(&self) {
        self.sweeper.get_or_init(|| {
            let held: Weak<Mutex<HashMap<Key, Held>>> = Arc::downgrade(&self.held);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(60));
                loop {
                    tick.tick().await;
                    let Some(held) = held.upgrade() else { return };
                    sweep(&mut lock(&held), Instant::now());
                }
            })
        });
    }

    /// Stops every watch: the next read lists anew (after the console changed a release).
    pub(crate) fn forget_all(&self) {
        lock(&self.held).clear();
    }
}

impl Drop for ReleaseWatches {
    fn drop(&mut self) {
        if let Some(sweeper) = self.sweeper.get() {
            sweeper.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(person: &str, namespace: &str) -> Key {
        (person.to_string(), Some(namespace.to_string()))
    }

    #[test]
    fn a_person_at_their_cap_stops_their_own_oldest_watch_not_anyone_elses() {
        let start = Instant::now();
        let at = |seconds| start + Duration::from_secs(seconds);
        // Bob's watch is the oldest of all; Alice holds her cap.
        let mut held = vec![(key("bob", "shop"), at(0))];
        for (i, namespace) in ["a", "b", "c", "d"].iter().enumerate() {
            held.push((key("alice", namespace), at(10 + i as u64)));
        }
        let watches = || held.iter().map(|(k, read)| (k, *read));
        assert_eq!(
            to_stop(watches(), &key("alice", "e")),
            Some(key("alice", "a"))
        );
        // Bob is under his cap and the total under the limit: nothing stops.
        assert_eq!(to_stop(watches(), &key("bob", "web")), None);
    }

    #[test]
    fn at_the_limit_the_least_recently_read_of_all_stops() {
        let start = Instant::now();
        let held: Vec<(Key, Instant)> = (0..MAX_WATCHES)
            .map(|i| {
                (
                    key(&format!("person-{i}"), "shop"),
                    start + Duration::from_secs(100 - i as u64),
                )
            })
            .collect();
        let last = MAX_WATCHES - 1;
        assert_eq!(
            to_stop(
                held.iter().map(|(k, read)| (k, *read)),
                &key("newcomer", "shop")
            ),
            Some(key(&format!("person-{last}"), "shop"))
        );
    }
}
