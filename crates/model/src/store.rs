//! Keeps the rows of one kind in memory, changed one object at a time as watch events arrive.
//!
//! Rows sit in one `Vec` so a query scans contiguous memory; an index from namespace and name
//! to position makes insert, update and delete constant time (a delete moves the last row into
//! the hole, so the store has no order — queries sort). The index holds positions only and
//! reads the names from the rows: a copy of every name (150,000 pods' worth) would be ~10 MB.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::rows::Row;

/// The rows of one kind, each with a payload of type `T` kept beside it (a cache keeps the
/// object's packed JSON there: one index for both, not one map of names each).
#[derive(Debug, Clone)]
pub struct RowStore<T = ()> {
    rows: Vec<Row>,
    /// `payloads[i]` belongs to `rows[i]`.
    payloads: Vec<T>,
    /// The position of each row in `rows`, found by the hash of its namespace and name.
    positions: HashTable<u32>,
    hasher: std::collections::hash_map::RandomState,
}

impl<T> Default for RowStore<T> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            payloads: Vec::new(),
            positions: HashTable::new(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }
}

/// The namespace ("" for cluster-scoped kinds) and name that identify a row.
fn key_of(row: &Row) -> (&str, &str) {
    (row.namespace.as_deref().unwrap_or_default(), &row.name)
}

impl RowStore {
    pub fn new() -> Self {
        RowStore::default()
    }

    /// Adds the row or replaces the one with the same namespace and name, returning that one.
    pub fn upsert(&mut self, row: Row) -> Option<Row> {
        self.upsert_with(row, ()).map(|(row, ())| row)
    }

    /// Replaces every row, as after a (re)list.
    pub fn replace_all(&mut self, rows: impl IntoIterator<Item = Row>) {
        self.rows.clear();
        self.payloads.clear();
        self.positions.clear();
        let rows = rows.into_iter();
        self.rows.reserve_exact(rows.size_hint().0);
        for row in rows {
            self.upsert(row);
        }
    }
}

impl<T> RowStore<T> {
    fn hash(&self, key: (&str, &str)) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The position of the row of this namespace and name.
    fn position(&self, namespace: Option<&str>, name: &str) -> Option<usize> {
        let key = (namespace.unwrap_or_default(), name);
        let rows = &self.rows;
        self.positions
            .find(self.hash(key), |&at| key_of(&rows[at as usize]) == key)
            .map(|&at| at as usize)
    }

    /// Adds the row with its payload, or replaces the row of the same namespace and name and
    /// its payload, returning those.
    pub fn upsert_with(&mut self, row: Row, payload: T) -> Option<(Row, T)> {
        if let Some(position) = self.position(row.namespace.as_deref(), &row.name) {
            return Some((
                std::mem::replace(&mut self.rows[position], row),
                std::mem::replace(&mut self.payloads[position], payload),
            ));
        }
        if self.rows.len() == self.rows.capacity() {
            // Grown by an eighth, not doubled: doubling would leave up to half of the rows of
            // 150,000 pods (tens of MB) allocated and unused.
            let more = self.rows.len() / 8 + 64;
            self.rows.reserve_exact(more);
            self.payloads.reserve_exact(more);
        }
        let position = u32::try_from(self.rows.len()).expect("fewer than 2^32 rows of one kind");
        let hash = self.hash(key_of(&row));
        self.rows.push(row);
        self.payloads.push(payload);
        let (rows, hasher) = (&self.rows, &self.hasher);
        self.positions.insert_unique(hash, position, |&at| {
            hasher.hash_one(key_of(&rows[at as usize]))
        });
        None
    }

    /// Removes the row of this object (and its payload), returning the row.
    pub fn remove(&mut self, namespace: Option<&str>, name: &str) -> Option<Row> {
        let key = (namespace.unwrap_or_default(), name);
        let hash = self.hash(key);
        let rows = &self.rows;
        let (position, _) = self
            .positions
            .find_entry(hash, |&at| key_of(&rows[at as usize]) == key)
            .ok()?
            .remove();
        let position = position as usize;
        let last = self.rows.len() - 1;
        if position != last {
            // The last row moves into the hole: its entry follows it.
            let moved = self.hash(key_of(&self.rows[last]));
            if let Some(at) = self.positions.find_mut(moved, |&at| at as usize == last) {
                *at = position as u32;
            }
        }
        self.payloads.swap_remove(position);
        Some(self.rows.swap_remove(position))
    }

    pub fn get(&self, namespace: Option<&str>, name: &str) -> Option<&Row> {
        self.rows.get(self.position(namespace, name)?)
    }

    /// The payload kept with the row of this object.
    pub fn payload(&self, namespace: Option<&str>, name: &str) -> Option<&T> {
        self.payloads.get(self.position(namespace, name)?)
    }

    /// Every row, in no particular order: hand them to [`crate::query::ListQuery::apply`].
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(namespace: &str, name: &str, uid: &str) -> Row {
        let object =
            serde_json::json!({"metadata": {"namespace": namespace, "name": name, "uid": uid}});
        Row::from_metadata(&object).expect("a row")
    }

    fn names(store: &RowStore) -> Vec<String> {
        let mut names: Vec<String> = store
            .rows()
            .iter()
            .map(|r| {
                format!(
                    "{}/{}/{}",
                    r.namespace.as_deref().unwrap_or_default(),
                    r.name,
                    r.uid
                )
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_update_replaces_the_row_of_the_same_object() {
        let mut store = RowStore::new();
        assert_eq!(store.upsert(row("a", "x", "1")), None);
        let old = store.upsert(row("a", "x", "2")).expect("the old row");
        assert_eq!(old.uid, "1");
        assert_eq!(names(&store), ["a/x/2"]);
    }

    #[test]
    fn the_same_name_in_two_namespaces_is_two_rows() {
        let mut store = RowStore::new();
        store.upsert(row("a", "x", "1"));
        store.upsert(row("b", "x", "2"));
        assert_eq!(store.len(), 2);
        assert_eq!(store.get(Some("b"), "x").map(|r| r.uid.as_str()), Some("2"));
    }

    #[test]
    fn a_delete_keeps_every_other_row_reachable() {
        let mut store = RowStore::new();
        for name in ["p", "q", "r", "s"] {
            store.upsert(row("a", name, name));
        }
        assert_eq!(
            store.remove(Some("a"), "q").map(|r| r.uid),
            Some("q".to_string())
        );
        assert_eq!(
            store.remove(Some("a"), "q"),
            None,
            "a second delete finds nothing"
        );
        for name in ["p", "r", "s"] {
            assert_eq!(
                store.get(Some("a"), name).map(|r| r.name.as_str()),
                Some(name)
            );
        }
        store.remove(Some("a"), "s");
        store.upsert(row("a", "t", "t"));
        assert_eq!(names(&store), ["a/p/p", "a/r/r", "a/t/t"]);
    }

    #[test]
    fn each_payload_stays_with_its_row_through_updates_and_deletes() {
        let mut store: RowStore<String> = RowStore::default();
        for name in ["p", "q", "r"] {
            store.upsert_with(row("a", name, name), format!("json of {name}"));
        }
        let (old, payload) = store
            .upsert_with(row("a", "q", "q2"), "json of q, changed".into())
            .expect("q was there");
        assert_eq!((old.uid.as_str(), payload.as_str()), ("q", "json of q"));
        // Removing the first moves the last row into its place: its payload moves with it.
        store.remove(Some("a"), "p");
        for (name, json) in [("q", "json of q, changed"), ("r", "json of r")] {
            assert_eq!(
                store.payload(Some("a"), name).map(String::as_str),
                Some(json)
            );
        }
        assert_eq!(store.payload(Some("a"), "p"), None);
    }

    #[test]
    fn thousands_of_deletes_in_any_order_leave_the_rest_reachable() {
        let mut store = RowStore::new();
        let names: Vec<String> = (0..3000).map(|i| format!("pod-{i}")).collect();
        for name in &names {
            store.upsert(row(&format!("ns-{}", name.len()), name, name));
        }
        // Every third, from the middle outwards: each delete moves another row into its hole.
        let mut gone = std::collections::HashSet::new();
        for i in (0..3000).step_by(3).map(|i| (i + 1500) % 3000) {
            let name = &names[i];
            let namespace = format!("ns-{}", name.len());
            assert_eq!(
                store.remove(Some(&namespace), name).map(|r| r.uid),
                Some(name.clone())
            );
            gone.insert(i);
        }
        assert_eq!(store.len(), 2000);
        for (i, name) in names.iter().enumerate() {
            let namespace = format!("ns-{}", name.len());
            let found = store.get(Some(&namespace), name).map(|r| r.uid.as_str());
            assert_eq!(
                found,
                (!gone.contains(&i)).then_some(name.as_str()),
                "{name}"
            );
            assert_eq!(store.get(Some("elsewhere"), name), None);
        }
    }

    #[test]
    fn a_relist_replaces_everything() {
        let mut store = RowStore::new();
        store.upsert(row("a", "old", "1"));
        store.replace_all([row("a", "new", "2")]);
        assert_eq!(names(&store), ["a/new/2"]);
        assert_eq!(store.get(Some("a"), "old"), None);
    }
}
