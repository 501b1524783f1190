//! The value of one cell of a list, typed so that the server can sort by it.

use std::borrow::Cow;
use std::cmp::Ordering;

use jiff::Timestamp;
use serde::{Serialize, Serializer};
use ts_rs::TS;

use super::{Severity, human_duration};

/// The value of one cell, typed so that the server can sort by it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value: kubectl prints `<none>`.
    Empty,
    Text(String),
    Integer(i64),
    /// A quantity as written, with its value in the base unit for sorting.
    Quantity {
        text: String,
        value: f64,
    },
    Since(Timestamp),
    Ratio {
        ready: i64,
        total: i64,
    },
    /// Common statuses (`Running`, `Bound`…) borrow a static string: no allocation per row, and
    /// sorting 100,000 of them reads one place in memory instead of 100,000.
    Status {
        text: Cow<'static, str>,
        severity: Severity,
    },
    Restarts {
        count: i64,
        last: Option<Timestamp>,
    },
    Duration {
        start: Timestamp,
        end: Option<Timestamp>,
    },
}

impl Cell {
    /// Text, or [`Cell::Empty`] when the text is empty.
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text)
        }
    }

    /// Text, or [`Cell::Empty`] when absent or empty.
    pub fn opt_text(text: Option<impl Into<String>>) -> Self {
        text.map_or(Cell::Empty, Cell::text)
    }

    /// Texts joined with `,` as kubectl joins lists, or [`Cell::Empty`] when there are none.
    pub fn list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Self {
        let mut joined = String::new();
        for item in items {
            if !joined.is_empty() {
                joined.push(',');
            }
            joined.push_str(item.as_ref());
        }
        Cell::text(joined)
    }

    pub fn status(text: impl Into<String>, severity: Severity) -> Self {
        Cell::Status {
            text: shared_status(text.into()),
            severity,
        }
    }

    /// A quantity; text that is not a quantity sorts after every quantity.
    pub fn quantity(text: impl Into<String>) -> Self {
        let text = text.into();
        let value = crate::quantity::parse(&text).unwrap_or(f64::INFINITY);
        Cell::Quantity { text, value }
    }

    pub fn since(time: Option<Timestamp>) -> Self {
        time.map_or(Cell::Empty, Cell::Since)
    }

    /// The cell as `kubectl get` prints it at `now`: `<none>`, `0/1`, `5 (2m ago)`, `3d4h`.
    pub fn display(&self, now: Timestamp) -> String {
        match self {
            Cell::Empty => "<none>".to_string(),
            Cell::Text(text) | Cell::Quantity { text, .. } => text.clone(),
            Cell::Status { text, .. } => text.to_string(),
            Cell::Integer(n) => n.to_string(),
            Cell::Since(time) => human_duration(now.duration_since(*time)),
            Cell::Ratio { ready, total } => format!("{ready}/{total}"),
            Cell::Restarts { count, last } => match last {
                Some(last) => format!(
                    "{count} ({} ago)",
                    human_duration(now.duration_since(*last))
                ),
                None => count.to_string(),
            },
            Cell::Duration { start, end } => {
                human_duration(end.unwrap_or(now).duration_since(*start))
            }
        }
    }

    /// The order of a column's cells; [`Cell::Empty`] comes first, so last when descending.
    pub fn compare(&self, other: &Cell) -> Ordering {
        use Cell::*;
        match (self, other) {
            (Empty, Empty) => Ordering::Equal,
            (Text(a), Text(b)) => a.cmp(b),
            (Integer(a), Integer(b)) => a.cmp(b),
            (Quantity { value: a, .. }, Quantity { value: b, .. }) => a.total_cmp(b),
            (Since(a), Since(b)) => a.cmp(b),
            (
                Ratio {
                    ready: ra,
                    total: ta,
                },
                Ratio {
                    ready: rb,
                    total: tb,
                },
            ) => {
                // ra/ta against rb/tb without division; an empty total counts as fraction 0.
                let left = i128::from(*ra) * i128::from((*tb).max(1));
                let right = i128::from(*rb) * i128::from((*ta).max(1));
                left.cmp(&right).then(ta.cmp(tb))
            }
            (Status { text: a, .. }, Status { text: b, .. }) => a.cmp(b),
            (Restarts { count: a, .. }, Restarts { count: b, .. }) => a.cmp(b),
            (Duration { start: sa, end: ea }, Duration { start: sb, end: eb }) => {
                match (ea, eb) {
                    // Still running sorts after finished; among running, the earliest start is longest.
                    (None, None) => sb.cmp(sa),
                    (None, Some(_)) => Ordering::Greater,
                    (Some(_), None) => Ordering::Less,
                    (Some(ea), Some(eb)) => ea.duration_since(*sa).cmp(&eb.duration_since(*sb)),
                }
            }
            _ => self.rank().cmp(&other.rank()),
        }
    }

    /// The order of cells of different kinds in one column (a CRD column may mix them).
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Cell::Empty => 0,
            Cell::Integer(_) => 1,
            Cell::Quantity { .. } => 2,
            Cell::Ratio { .. } => 3,
            Cell::Restarts { .. } => 4,
            Cell::Since(_) => 5,
            Cell::Duration { .. } => 6,
            Cell::Status { .. } => 7,
            Cell::Text(_) => 8,
        }
    }
}

/// JSON: `null`, a string (text, quantity, ratio `"1/2"`, RFC 3339 time), a number, or an object
/// for statuses ([`StatusCell`]), restarts ([`RestartsCell`]) and durations ([`DurationCell`]).
impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Cell::Empty => serializer.serialize_none(),
            Cell::Text(text) | Cell::Quantity { text, .. } => serializer.serialize_str(text),
            Cell::Integer(n) => serializer.serialize_i64(*n),
            Cell::Since(time) => time.serialize(serializer),
            Cell::Ratio { ready, total } => {
                serializer.collect_str(&format_args!("{ready}/{total}"))
            }
            Cell::Status { text, severity } => StatusCell {
                text,
                severity: *severity,
            }
            .serialize(serializer),
            Cell::Restarts { count, last } => RestartsCell {
                count: *count,
                last_restart: *last,
            }
            .serialize(serializer),
            Cell::Duration { start, end } => DurationCell {
                start: *start,
                end: *end,
            }
            .serialize(serializer),
        }
    }
}

/// A status cell's JSON: the word and how to colour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct StatusCell<'a> {
    pub text: &'a str,
    pub severity: Severity,
}

/// A restarts cell's JSON: `5 (2m ago)` is `{"count": 5, "lastRestart": "…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RestartsCell {
    pub count: i64,
    /// When a container last restarted; `null` when none has.
    pub last_restart: Option<Timestamp>,
}

/// A duration cell's JSON: from `start` to `end`, or to now while `end` is `null` (running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub struct DurationCell {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
}

/// The JSON of any [`Cell`], for the TypeScript declarations only: `Cell`'s `Serialize` is
/// written by hand (above), so this mirror says what it writes. Text, quantities, ratios and
/// times are strings; `every_cell_is_written_as_its_typescript_type_says` holds the two together.
#[derive(TS)]
#[ts(untagged)]
pub enum CellValue {
    Empty(()),
    Text(String),
    Integer(i64),
    Status(StatusCell<'static>),
    Restarts(RestartsCell),
    Duration(DurationCell),
}

/// A status word, borrowed from a static string when it is a common one (`Running`,
/// `CrashLoopBackOff`…): kept for 100,000 objects, common words take no memory of their own and
/// reading them touches one place.
pub fn shared_status(text: String) -> Cow<'static, str> {
    match COMMON_STATUSES.iter().find(|s| **s == text) {
        Some(common) => Cow::Borrowed(*common),
        None => Cow::Owned(text),
    }
}

/// Statuses most rows have, kept as static strings by [`shared_status`].
const COMMON_STATUSES: &[&str] = &[
    "Running",
    "Completed",
    "Pending",
    "ContainerCreating",
    "PodInitializing",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "Error",
    "Terminating",
    "Succeeded",
    "Failed",
    "Unknown",
    "Evicted",
    "OOMKilled",
    "NotReady",
    "Ready",
    "Active",
    "Bound",
    "Available",
    "Released",
    "Complete",
    "Suspended",
    "Normal",
    "Warning",
];
