//! Keeps the rows of one kind in memory, changed one object at a time as watch events arrive.
//!
//! Rows sit in one `Vec` so a query scans contiguous memory; an index from `namespace/name` to
//! position makes insert, update and delete constant time (a delete moves the last row into
//! the hole, so the store has no order — queries sort).

use std::collections::HashMap;

use crate::rows::Row;

/// The rows of one kind, each with a payload of type `T` kept beside it (a cache keeps the
/// object's packed JSON there: one index for both, not one map of names each).
#[derive(Debug, Clone)]
pub struct RowStore<T = ()> {
    rows: Vec<Row>,
    /// `payloads[i]` belongs to `rows[i]`.
    payloads: Vec<T>,
    positions: HashMap<String, usize>,
}

impl<T> Default for RowStore<T> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            payloads: Vec::new(),
            positions: HashMap::new(),
        }
    }
}

fn key(namespace: Option<&str>, name: &str) -> String {
    format!("{}/{name}", namespace.unwrap_or_default())
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
    /// Adds the row with its payload, or replaces the row of the same namespace and name and
    /// its payload, returning those.
    pub fn upsert_with(&mut self, row: Row, payload: T) -> Option<(Row, T)> {
        let key = key(row.namespace.as_deref(), &row.name);
        match self.positions.get(&key) {
            Some(&position) => Some((
                std::mem::replace(&mut self.rows[position], row),
                std::mem::replace(&mut self.payloads[position], payload),
            )),
            None => {
                if self.rows.len() == self.rows.capacity() {
                    // Grown by an eighth, not doubled: doubling would leave up to half of the
                    // rows of 150,000 pods (tens of MB) allocated and unused.
                    let more = self.rows.len() / 8 + 64;
                    self.rows.reserve_exact(more);
                    self.payloads.reserve_exact(more);
                }
                self.positions.insert(key, self.rows.len());
                self.rows.push(row);
                self.payloads.push(payload);
                None
            }
        }
    }

    /// Removes the row of this object (and its payload), returning the row.
    pub fn remove(&mut self, namespace: Option<&str>, name: &str) -> Option<Row> {
        let position = self.positions.remove(&key(namespace, name))?;
        let removed = self.rows.swap_remove(position);
        self.payloads.swap_remove(position);
        if let Some(moved) = self.rows.get(position) {
            let moved_key = key(moved.namespace.as_deref(), &moved.name);
            self.positions.insert(moved_key, position);
        }
        Some(removed)
    }

    pub fn get(&self, namespace: Option<&str>, name: &str) -> Option<&Row> {
        let position = *self.positions.get(&key(namespace, name))?;
        self.rows.get(position)
    }

    /// The payload kept with the row of this object.
    pub fn payload(&self, namespace: Option<&str>, name: &str) -> Option<&T> {
        let position = *self.positions.get(&key(namespace, name))?;
        self.payloads.get(position)
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
    fn a_relist_replaces_everything() {
        let mut store = RowStore::new();
        store.upsert(row("a", "old", "1"));
        store.replace_all([row("a", "new", "2")]);
        assert_eq!(names(&store), ["a/new/2"]);
        assert_eq!(store.get(Some("a"), "old"), None);
    }
}
