//! A bounded map of recent answers: each entry is good for a while, and when the map is full
//! the older half (or more) goes. For what is cheap to ask again but not on every request (clients per
//! credential, access reviews).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) struct Recent<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
    ttl: Duration,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> Recent<K, V> {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        }
    }

    /// The value kept for `key` if younger than the TTL. `renew` restarts its age, so an entry
    /// in use is kept.
    pub(crate) fn get(&self, key: &K, renew: bool) -> Option<V> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (at, value) = entries
            .get_mut(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)?;
        if renew {
            *at = Instant::now();
        }
        Some(value.clone())
    }

    /// Keeps `value` for `key`; when full, every entry no newer than the median age goes first.
    pub(crate) fn insert(&self, key: K, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity {
            let mut ages: Vec<Instant> = entries.values().map(|(at, _)| *at).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 2];
            entries.retain(|_, (at, _)| *at > cutoff);
        }
        entries.insert(key, (Instant::now(), value));
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_a_full_map_drops_its_older_entries() {
        let recent = Recent::new(Duration::from_millis(500), 4);
        for key in 0..4 {
            recent.insert(key, key * 10);
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(recent.get(&2, false), Some(20));
        recent.insert(4, 40);
        // Everything no newer than the median age went (0, 1 and 2); the newest stay.
        assert_eq!(recent.len(), 2);
        assert_eq!(recent.get(&0, false), None);
        assert_eq!(recent.get(&3, false), Some(30));
        assert_eq!(recent.get(&4, false), Some(40));
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(recent.get(&4, false), None, "older than the TTL");
    }

    #[test]
    fn renewing_keeps_an_entry_in_use() {
        let recent = Recent::new(Duration::from_millis(300), 8);
        recent.insert("a", 1);
        // Four reads 150 ms apart: 600 ms in all, twice the TTL, and never gone.
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(150));
            assert_eq!(recent.get(&"a", true), Some(1));
        }
    }
}
