//! An object's labels in two allocations, for rows kept by the hundred thousand.
//!
//! A `BTreeMap<String, String>` costs a 500-byte node plus one allocation per key and value
//! whatever the number of labels; [`Labels`] keeps the text in one string and the boundaries in
//! one slice, sorted by key, and is searched by bisection.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// Labels sorted by key; a key appears once.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Labels {
    /// Keys and values one after the other: `appwebtierfront`.
    text: Box<str>,
    /// For each label, where its key ends and where its value ends in `text`.
    ends: Box<[(u32, u32)]>,
}

impl Labels {
    /// The value of the label with this key.
    pub fn get(&self, key: &str) -> Option<&str> {
        let (mut low, mut high) = (0, self.ends.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.key(middle).cmp(key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(self.value(middle)),
            }
        }
        None
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The labels in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        (0..self.ends.len()).map(|index| (self.key(index), self.value(index)))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn key(&self, index: usize) -> &str {
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1].1 as usize,
        };
        &self.text[start..self.ends[index].0 as usize]
    }

    fn value(&self, index: usize) -> &str {
        let (key_end, value_end) = self.ends[index];
        &self.text[key_end as usize..value_end as usize]
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Labels {
    /// Sorted by key; of a key given twice, the last value is kept.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let sorted: BTreeMap<String, String> = pairs
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
            .collect();
        let mut text = String::new();
        let mut ends = Vec::with_capacity(sorted.len());
        for (key, value) in &sorted {
            text.push_str(key);
            let key_end = text.len();
            text.push_str(value);
            // Label keys are at most 317 bytes and values 63: u32 offsets never overflow for
            // real objects; anything beyond is cut rather than wrapped.
            ends.push((
                u32::try_from(key_end).unwrap_or(u32::MAX),
                u32::try_from(text.len()).unwrap_or(u32::MAX),
            ));
        }
        Labels {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A JSON object, as in `metadata.labels`.
impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self.iter() {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_found_by_key_whatever_the_order_given() {
        let labels: Labels = [
            ("tier", "front"),
            ("app", "web"),
            ("example.com/team", "shop"),
            ("empty", ""),
        ]
        .into_iter()
        .collect();
        assert_eq!(labels.get("app"), Some("web"));
        assert_eq!(labels.get("tier"), Some("front"));
        assert_eq!(labels.get("example.com/team"), Some("shop"));
        assert_eq!(labels.get("empty"), Some(""), "an empty value is a value");
        assert_eq!(labels.get("ap"), None);
        assert_eq!(labels.get("zone"), None);
        let keys: Vec<&str> = labels.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["app", "empty", "example.com/team", "tier"]);
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value() {
        let labels: Labels = [("a", "1"), ("a", "2")].into_iter().collect();
        assert_eq!(labels.len(), 1);
        assert_eq!(labels.get("a"), Some("2"));
    }

    #[test]
    fn labels_serialise_as_an_object() {
        let labels: Labels = [("b", "2"), ("a", "1")].into_iter().collect();
        assert_eq!(
            serde_json::to_value(&labels).expect("json"),
            serde_json::json!({"a": "1", "b": "2"})
        );
        assert!(Labels::default().is_empty());
    }
}
