//! The store's change events: every write becomes a [`WatchEvent`], sent live to subscribers
//! and kept in a bounded history per resource, so a watch can resume from a resourceVersion (or
//! gets 410 Expired once the history no longer reaches back that far, as after an etcd
//! compaction).

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use tokio::sync::broadcast;

use super::store::{Table, read, write};
use super::{GroupResource, Store, StoredObject};
use crate::error::{Error, Result};

/// Events kept per resource for resuming watches, unless configured otherwise. Each event
/// holds the object before and after the change, so this bounds the old versions kept alive.
pub const DEFAULT_HISTORY: usize = 5_000;
/// Capacity of the live channel per resource; a watcher further behind than this is closed.
/// How far resourceVersions jump when the history starts anew ([`Store::restart_history`]).
const RESTART_JUMP: u64 = 1_000_000;

pub(super) const WATCH_CHANNEL_CAPACITY: usize = 4_096;

/// Kind of a change event, as watch streams name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    /// `ADDED`, `MODIFIED`, `DELETED`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change to one object, shared (`Arc`) by the history and every watcher.
#[derive(Debug)]
pub struct WatchEvent {
    pub event_type: EventType,
    /// The object after the change (for `Deleted`, its last state with the deletion's version).
    pub object: Arc<StoredObject>,
    /// The object before the change, for `Modified` and `Deleted`; watchers with selectors use
    /// it to turn "no longer matches" into `DELETED` as the watch cache does.
    pub previous: Option<Arc<StoredObject>>,
    line: OnceLock<Bytes>,
}

impl WatchEvent {
    pub(super) fn new(
        event_type: EventType,
        object: Arc<StoredObject>,
        previous: Option<Arc<StoredObject>>,
    ) -> Arc<WatchEvent> {
        Arc::new(WatchEvent {
            event_type,
            object,
            previous,
            line: OnceLock::new(),
        })
    }

    /// The resourceVersion of the change.
    pub fn resource_version(&self) -> u64 {
        self.object.resource_version()
    }

    /// `{"type":"ADDED","object":{...}}\n`, serialised once for all watchers.
    pub fn json_line(&self) -> &Bytes {
        self.line
            .get_or_init(|| watch_line(self.event_type.as_str(), self.object.json_bytes()))
    }
}

/// Frames an object's JSON as one line of a watch stream.
pub fn watch_line(event_type: &str, object_json: &[u8]) -> Bytes {
    let mut line = Vec::with_capacity(object_json.len() + 32);
    line.extend_from_slice(b"{\"type\":\"");
    line.extend_from_slice(event_type.as_bytes());
    line.extend_from_slice(b"\",\"object\":");
    line.extend_from_slice(object_json);
    line.extend_from_slice(b"}\n");
    Bytes::from(line)
}

/// A watch opened on the store: past events to send first, then the live channel.
pub struct StoreWatch {
    /// Events after the requested resourceVersion that the history still held.
    pub backlog: Vec<Arc<WatchEvent>>,
    /// Live events; `Lagged` means this watcher fell behind and must be closed.
    pub live: broadcast::Receiver<Arc<WatchEvent>>,
    /// The store's resourceVersion when the watch was opened.
    pub resource_version: u64,
}

impl Store {
    /// Sends a change to the live subscribers and keeps it in the history, forgetting the
    /// oldest events beyond the limit.
    pub(super) fn record(&self, table: &mut Table, event: Arc<WatchEvent>) {
        let _ = table.sender.send(event.clone());
        table.history.push_back(event);
        while table.history.len() > self.inner.history_limit {
            if let Some(old) = table.history.pop_front() {
                table.compacted_rv = old.resource_version();
            }
        }
    }

    /// Opens a watch. `since`: `None` (or `Some(0)`) starts now with no backlog; `Some(rv)`
    /// replays the kept events after `rv`, or fails with 410 Expired when `rv` is older than
    /// what the history holds.
    pub fn watch(&self, gr: &GroupResource, since: Option<u64>) -> Result<StoreWatch> {
        let table = self.table(gr);
        let table = read(&table);
        let live = table.sender.subscribe();
        let resource_version = self.resource_version();
        let backlog = match since {
            None | Some(0) => Vec::new(),
            Some(rv) if rv < table.compacted_rv => {
                return Err(Error::Expired(format!(
                    "too old resource version: {rv} ({})",
                    table.compacted_rv
                )));
            }
            Some(rv) => {
                let start = table
                    .history
                    .partition_point(|e| e.resource_version() <= rv);
                table.history.range(start..).cloned().collect()
            }
        };
        Ok(StoreWatch {
            backlog,
            live,
            resource_version,
        })
    }

    /// Opens a watch that starts with the current objects (in `namespace`, or all) as synthetic
    /// `Added` events, then follows live changes: what a watch without resourceVersion gets.
    pub fn watch_from_snapshot(&self, gr: &GroupResource, namespace: Option<&str>) -> StoreWatch {
        let table = self.table(gr);
        let table = read(&table);
        let live = table.sender.subscribe();
        let resource_version = self.resource_version();
        let prefix = namespace
            .filter(|ns| !ns.is_empty())
            .map(|ns| format!("{ns}/"));
        let backlog = table
            .objects
            .iter()
            .filter(|(k, _)| prefix.as_ref().is_none_or(|p| k.starts_with(p.as_str())))
            .map(|(_, o)| WatchEvent::new(EventType::Added, o.clone(), None))
            .collect();
        StoreWatch {
            backlog,
            live,
            resource_version,
        }
    }

    /// Live events of a resource from now on (controllers). On `Lagged`, re-list.
    pub fn subscribe(&self, gr: &GroupResource) -> broadcast::Receiver<Arc<WatchEvent>> {
        read(&self.table(gr)).sender.subscribe()
    }

    /// Forgets the watch history of every resource, as an etcd compaction does: watches from
    /// any earlier resourceVersion now get 410 Expired (tests use it to force a resync).
    pub fn compact(&self) {
        let rv = self.resource_version();
        for table in read(&self.inner.tables).values() {
            let mut t = write(table);
            t.history.clear();
            t.compacted_rv = rv;
        }
    }

    /// Starts a new resourceVersion history, as an API server on a restored or replaced etcd:
    /// versions jump ahead and every one handed out before is compacted away, so a watch from
    /// any of them gets 410 Expired and clients list again.
    pub fn restart_history(&self) {
        self.inner
            .revision
            .fetch_add(RESTART_JUMP, Ordering::SeqCst);
        self.compact();
    }

    /// The resourceVersion before which watches of `gr` get 410 Expired.
    pub fn compacted_resource_version(&self, gr: &GroupResource) -> u64 {
        read(&self.table(gr)).compacted_rv
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::fixtures::{cm, cms};

    #[test]
    fn watch_replays_events_after_a_resource_version() {
        let store = Store::new();
        let first = store.create(&cms(), true, cm("a", "x")).expect("create");
        store.create(&cms(), true, cm("a", "y")).expect("create");
        let watch = store
            .watch(&cms(), Some(first.resource_version()))
            .expect("watch");
        assert_eq!(watch.backlog.len(), 1);
        assert_eq!(watch.backlog[0].object.name(), "y");
    }

    #[test]
    fn watch_from_before_the_compaction_is_expired() {
        let store = Store::new();
        let first = store.create(&cms(), true, cm("a", "x")).expect("create");
        store.create(&cms(), true, cm("a", "y")).expect("create");
        store.compact();
        let err = store
            .watch(&cms(), Some(first.resource_version()))
            .err()
            .expect("expired");
        assert_eq!(err.code(), 410);
        assert_eq!(err.reason(), "Expired");
    }

    #[test]
    fn history_is_bounded_and_old_versions_expire() {
        let store = Store::with_history(2);
        let first = store.create(&cms(), true, cm("a", "x1")).expect("create");
        for i in 2..=5 {
            store
                .create(&cms(), true, cm("a", &format!("x{i}")))
                .expect("create");
        }
        assert!(store.watch(&cms(), Some(first.resource_version())).is_err());
        assert_eq!(
            store
                .watch(&cms(), Some(store.resource_version() - 2))
                .expect("recent")
                .backlog
                .len(),
            2
        );
    }
}
