//! The list query: filters rows by namespace, name and labels, sorts them by a column and returns
//! one page — on the server, over as many rows as the cache holds.
//!
//! Only the returned page is ever sorted: the matching rows are gathered as references with
//! their sort keys packed into integers, the page's rows are selected with
//! `select_nth_unstable_by` (linear time) and only they are sorted (see
//! docs/adr/0002-select-the-page-instead-of-sorting-every-row.md). Rows are never cloned. Ties
//! are broken by namespace then name, so pages are consistent from one request to the next.
//!
//! A cache keeps a [`RowSchema`] and a [`RowStore`](crate::store::RowStore) per kind; a handler
//! validates the parameters against the schema and answers with the page:
//!
//! ```
//! use wheelhouse_model::query::{ListParams, ListQuery};
//! use wheelhouse_model::rows::RowSchema;
//! use wheelhouse_model::store::RowStore;
//!
//! // The cache, on each watch event of pods:
//! let schema = RowSchema::for_kind("", "Pod", true, None)?;
//! let mut store = RowStore::new();
//! let pod = serde_json::json!({"metadata": {"name": "web-1", "namespace": "shop"}});
//! store.upsert(schema.row(&pod)?); // Applied / Modified
//! // store.remove(Some("shop"), "web-1"); // Deleted
//!
//! // The handler of GET /api/v1/resources/core/v1/pods?namespace=shop&sort=-restarts:
//! let params = ListParams {
//!     namespace: Some("shop".into()),
//!     sort: Some("-restarts".into()),
//!     ..ListParams::default()
//! };
//! let query = ListQuery::parse(&params, &schema)?; // an `Error` becomes a 400 with its message
//! let page = query.apply(&schema, store.rows())?;
//! let body = serde_json::to_value(&page)?; // {items, total, page, pageSize, columns}
//! assert_eq!(body["items"][0]["name"], "web-1");
//! assert_eq!(body["total"], 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cmp::Ordering;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use ts_rs::TS;

use crate::error::{Error, Result};
use crate::rows::{
    Cell, Column, Row, RowSchema, RowShape, Source, TieBreak, UsageLookup, declared_as, prefix,
};
use crate::selector::Selector;

pub const DEFAULT_PAGE_SIZE: usize = 50;
pub const MAX_PAGE_SIZE: usize = 500;

/// The query parameters of a list as they arrive (`?namespace=a,b&q=web&sort=-restarts&page=2`),
/// before validation; every field is text so that bad input gets our message, not a parser's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    /// One namespace or several, comma-separated; absent means all.
    pub namespace: Option<String>,
    /// Name substring, case-insensitive.
    pub q: Option<String>,
    pub label_selector: Option<String>,
    /// A column id, `-` prefixed for descending.
    pub sort: Option<String>,
    pub page: Option<String>,
    pub page_size: Option<String>,
}

/// The order of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// A column id of the kind's [`RowSchema`].
    pub column: String,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            column: crate::rows::NAME.to_string(),
            descending: false,
        }
    }
}

/// A validated list query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    /// Rows in any of these namespaces; `None` for all. Ignored for cluster-scoped kinds.
    pub namespaces: Option<Vec<String>>,
    /// Name substring, case-insensitive.
    pub q: Option<String>,
    pub label_selector: Option<Selector>,
    pub sort: Sort,
    /// From 1; a page past the end is empty (with the true `total`).
    pub page: usize,
    /// From 1 to [`MAX_PAGE_SIZE`].
    pub page_size: usize,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            namespaces: None,
            q: None,
            label_selector: None,
            sort: Sort::default(),
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl ListQuery {
    /// Validates the parameters against the kind's columns.
    pub fn parse(params: &ListParams, schema: &RowSchema) -> Result<ListQuery> {
        let non_empty = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let namespaces = non_empty(&params.namespace)
            .filter(|_| schema.is_namespaced())
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|ns| !ns.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .filter(|list| !list.is_empty());
        let label_selector = match non_empty(&params.label_selector) {
            Some(text) => {
                Some(Selector::parse(&text).map_err(|e| Error::LabelSelector(Box::new(e)))?)
            }
            None => None,
        };
        let sort = match non_empty(&params.sort) {
            Some(text) => {
                let (column, descending) = match text.strip_prefix('-') {
                    Some(column) => (column.to_string(), true),
                    None => (text, false),
                };
                let valid = || {
                    schema
                        .columns()
                        .iter()
                        .filter(|c| c.sortable)
                        .map(|c| c.id.clone())
                        .collect()
                };
                match schema.source(&column) {
                    None => {
                        return Err(Error::UnknownSortColumn {
                            column,
                            valid: valid(),
                        });
                    }
                    Some((_, found)) if !found.sortable => {
                        return Err(Error::UnsortableColumn {
                            column,
                            valid: valid(),
                        });
                    }
                    Some(_) => Sort { column, descending },
                }
            }
            None => Sort::default(),
        };
        let page = match non_empty(&params.page) {
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|&p| p >= 1)
                .ok_or(Error::Page(text))?,
            None => 1,
        };
        let page_size = match non_empty(&params.page_size) {
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|s| (1..=MAX_PAGE_SIZE).contains(s))
                .ok_or(Error::PageSize(text))?,
            None => DEFAULT_PAGE_SIZE,
        };
        Ok(ListQuery {
            namespaces,
            q: non_empty(&params.q),
            label_selector,
            sort,
            page,
            page_size,
        })
    }

    /// Whether a row passes the namespace, name and label filters.
    pub fn matches(&self, row: &Row) -> bool {
        self.matcher().matches(row)
    }

    /// What a watch event means for a view with this query's filters: the row was added to it,
    /// changed in it, removed from it, or nothing the view shows. `old` is the row before the
    /// event (none when the object is new), `new` the row after it (none when it was deleted).
    pub fn delta<'r>(&self, old: Option<&Row>, new: Option<&'r Row>) -> Option<Delta<'r>> {
        let matcher = self.matcher();
        let was = old.is_some_and(|row| matcher.matches(row));
        match new.filter(|row| matcher.matches(row)) {
            Some(row) if was => Some(Delta::Changed(row)),
            Some(row) => Some(Delta::Added(row)),
            None if was => old.map(|row| Delta::Removed {
                namespace: row.namespace.clone(),
                name: row.name.clone(),
            }),
            None => None,
        }
    }

    fn matcher(&self) -> Matcher<'_> {
        let q = self.q.as_deref().map(|q| {
            if q.is_ascii() {
                NameFilter::Ascii(q.as_bytes())
            } else {
                NameFilter::Unicode(q.to_lowercase())
            }
        });
        Matcher {
            namespaces: self.namespaces.as_deref(),
            q,
            selector: self.label_selector.as_ref().filter(|s| !s.is_empty()),
        }
    }

    /// One page of the rows that match, sorted. The rows are borrowed, never copied.
    ///
    /// Fails only when the sort column is not one of the schema's (a query not made by [`ListQuery::parse`]).
    pub fn apply<'a>(
        &self,
        schema: &'a RowSchema,
        rows: impl IntoIterator<Item = &'a Row>,
    ) -> Result<Page<'a>> {
        self.apply_with_usage(schema, rows, None)
    }

    /// [`ListQuery::apply`], with usage columns joined from `usage`: sorting by one looks up
    /// every matching row once; otherwise only the page's rows are looked up, when serialised.
    pub fn apply_with_usage<'a>(
        &self,
        schema: &'a RowSchema,
        rows: impl IntoIterator<Item = &'a Row>,
        usage: Option<&'a dyn UsageLookup>,
    ) -> Result<Page<'a>> {
        let source = match schema.source(&self.sort.column) {
            Some((source, _)) => source,
            None => {
                return Err(Error::UnknownSortColumn {
                    column: self.sort.column.clone(),
                    valid: schema.columns().iter().map(|c| c.id.clone()).collect(),
                });
            }
        };
        let matcher = self.matcher();
        let mut keyed: Vec<Keyed<'a>> = KEYED.with_borrow_mut(std::mem::take);
        keyed.extend(
            rows.into_iter()
                .filter(|row| matcher.matches(row))
                .map(|row| Keyed::new(source, row, usage)),
        );
        let total = keyed.len();
        let page_size = self.page_size.clamp(1, MAX_PAGE_SIZE);
        let start = self.page.max(1).saturating_sub(1).saturating_mul(page_size);
        let end = start.saturating_add(page_size).min(total);

        let items = if start >= total {
            Vec::new()
        } else {
            let descending = self.sort.descending;
            let compare = |a: &Keyed, b: &Keyed| {
                let mut by_column = a.primary.cmp(&b.primary);
                if by_column == Ordering::Equal && !(a.exact && b.exact) {
                    by_column = compare_by(source, a.row, b.row);
                }
                if descending {
                    by_column = by_column.reverse();
                }
                let (x, y) = (&a.tie_break, &b.tie_break);
                by_column
                    .then(x.namespace.cmp(&y.namespace))
                    .then_with(|| {
                        if x.namespace_fits && y.namespace_fits {
                            Ordering::Equal
                        } else {
                            a.row.namespace.cmp(&b.row.namespace)
                        }
                    })
                    .then(x.name.cmp(&y.name))
                    .then_with(|| a.row.name.cmp(&b.row.name))
            };
            // Bring the page's rows to [start, end) in linear time, then sort only them.
            if start > 0 {
                keyed.select_nth_unstable_by(start, compare);
            }
            let rest = &mut keyed[start..];
            if end - start < rest.len() {
                rest.select_nth_unstable_by(end - start - 1, compare);
            }
            let page = &mut keyed[start..end];
            page.sort_unstable_by(compare);
            page.iter().map(|k| k.row).collect()
        };
        recycle(keyed);
        Ok(Page {
            items,
            total,
            page: self.page.max(1),
            page_size,
            schema,
            usage,
        })
    }
}

thread_local! {
    /// The vector of keys of the last query on this thread, empty, kept for the next: at 150,000
    /// rows it is 12 MB, and allocating it afresh on every request means touching 3,000 new pages
    /// each time, which a busy machine (a scrape decoding next to it) makes many times slower.
    static KEYED: std::cell::RefCell<Vec<Keyed<'static>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Larger vectors of keys are not kept between queries.
const KEEP_KEYED: usize = 32 << 20;

/// Empties `keyed` and keeps its allocation for this thread's next query. The emptied vector of
/// borrowing keys becomes one of `'static` keys by collecting it in place (the standard library
/// reuses the allocation of a vector mapped into one of the same layout); no key outlives it.
fn recycle(mut keyed: Vec<Keyed<'_>>) {
    if keyed.capacity() * std::mem::size_of::<Keyed<'_>>() > KEEP_KEYED {
        return;
    }
    keyed.clear();
    let emptied: Vec<Keyed<'static>> = keyed
        .into_iter()
        .map(|_| unreachable!("the vector was emptied"))
        .collect();
    KEYED.with_borrow_mut(|kept| *kept = emptied);
}

/// A row with the leading part of its sort key packed into integers: most comparisons while
/// selecting a page stay inside this vector instead of following pointers to rows and their
/// strings, scattered over the heap (a 5× difference at 100,000 rows).
struct Keyed<'a> {
    /// Orders like the column: the cell's kind in the top byte, then its value (numbers and
    /// times exactly, text by its first 15 bytes).
    primary: u128,
    /// Whether `primary` holds the whole value; when two equal keys are not both exact, the
    /// cells themselves are compared.
    exact: bool,
    /// Copied from the row, so that ties are broken inside this vector too.
    tie_break: TieBreak,
    row: &'a Row,
}

impl<'a> Keyed<'a> {
    fn new(source: Source, row: &'a Row, usage: Option<&dyn UsageLookup>) -> Self {
        let (primary, exact) = match source {
            Source::Name => (row.tie_break.name, row.name.len() <= 16),
            Source::Namespace => (row.tie_break.namespace, row.tie_break.namespace_fits),
            Source::CreationTimestamp => match row.creation_timestamp {
                Some(time) => (1 << 120 | time_key(time), true),
                None => (0, true),
            },
            Source::Cell(index) => row.cells.get(index).map_or((0, true), cell_key),
            // No sample sorts first (last when descending), like an empty cell.
            Source::Usage(resource) => match usage.and_then(|u| u.usage(row, resource)) {
                Some(cell) => (1 << 120 | float_key(cell.usage), true),
                None => (0, true),
            },
        };
        Keyed {
            primary,
            exact,
            tie_break: row.tie_break,
            row,
        }
    }
}

/// An `i64` as a `u64` of the same order.
fn flip(value: i64) -> u128 {
    u128::from((value as u64) ^ (1 << 63))
}

/// A timestamp in 96 bits of the same order (nanoseconds since year -9999 fit in 2^69).
fn time_key(time: jiff::Timestamp) -> u128 {
    (time.as_nanosecond() + (1i128 << 95)) as u128 & ((1u128 << 96) - 1)
}

/// An `f64` as a `u64` of the order of `f64::total_cmp`.
fn float_key(value: f64) -> u128 {
    let bits = value.to_bits();
    u128::from(if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    })
}

fn text_key(rank: u128, text: &str) -> (u128, bool) {
    (rank | prefix(text) >> 8, text.len() <= 15)
}

fn cell_key(cell: &Cell) -> (u128, bool) {
    let rank = u128::from(cell.rank()) << 120;
    match cell {
        Cell::Empty => (rank, true),
        Cell::Integer(n) | Cell::Restarts { count: n, .. } => (rank | flip(*n), true),
        Cell::Quantity { value, .. } => (rank | float_key(*value), true),
        Cell::Since(time) => (rank | time_key(*time), true),
        Cell::Ratio { ready, total } => {
            // The fraction as a float (distinct for counts below 2^26), then the total.
            let fraction = *ready as f64 / (*total).max(1) as f64;
            let total = u128::from((*total).clamp(0, i64::from(u32::MAX)) as u32);
            (rank | float_key(fraction) << 32 | total, true)
        }
        // Text of up to 15 bytes fits whole (most statuses, IPs, node names).
        Cell::Text(text) => text_key(rank, text),
        Cell::Status { text, .. } => text_key(rank, text),
        Cell::Duration { .. } => (rank, false),
    }
}

fn compare_by(source: Source, a: &Row, b: &Row) -> Ordering {
    match source {
        Source::Name => a.name.cmp(&b.name),
        Source::Namespace => a.namespace.cmp(&b.namespace),
        Source::CreationTimestamp => a.creation_timestamp.cmp(&b.creation_timestamp),
        Source::Cell(index) => match (a.cells.get(index), b.cells.get(index)) {
            (Some(x), Some(y)) => x.compare(y),
            (x, y) => x.is_some().cmp(&y.is_some()),
        },
        // Usage keys are exact: equal keys are equal usage.
        Source::Usage(_) => Ordering::Equal,
    }
}

/// A change of a view's rows, from [`ListQuery::delta`].
#[derive(Debug, Clone, PartialEq)]
pub enum Delta<'r> {
    /// The object appeared, or changed so that it now passes the filters.
    Added(&'r Row),
    /// The object changed and still passes the filters.
    Changed(&'r Row),
    /// The object was deleted, or changed so that it no longer passes the filters (a label
    /// removed): the view drops the row with this namespace and name.
    Removed {
        namespace: Option<String>,
        name: String,
    },
}

/// The filters of a query, prepared once per query.
struct Matcher<'q> {
    namespaces: Option<&'q [String]>,
    q: Option<NameFilter<'q>>,
    selector: Option<&'q Selector>,
}

enum NameFilter<'q> {
    /// Compared byte-wise ignoring ASCII case: no allocation per row.
    Ascii(&'q [u8]),
    Unicode(String),
}

impl Matcher<'_> {
    fn matches(&self, row: &Row) -> bool {
        if let Some(namespaces) = self.namespaces {
            let namespace = row.namespace.as_deref().unwrap_or_default();
            if !namespaces.iter().any(|ns| ns == namespace) {
                return false;
            }
        }
        if let Some(q) = &self.q {
            let found = match q {
                NameFilter::Ascii(needle) => {
                    contains_ignore_ascii_case(row.name.as_bytes(), needle)
                }
                NameFilter::Unicode(needle) => row.name.to_lowercase().contains(needle.as_str()),
            };
            if !found {
                return false;
            }
        }
        self.selector.is_none_or(|s| s.matches(&row.labels))
    }
}

/// Whether `needle` occurs in `haystack`, ignoring ASCII case; looks for the first byte before
/// comparing the rest (the 100,000-row name filter spends its time here).
fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
        return false;
    };
    let first = first.to_ascii_lowercase();
    (0..=last_start).any(|start| {
        haystack[start].to_ascii_lowercase() == first
            && haystack[start + 1..start + needle.len()].eq_ignore_ascii_case(rest)
    })
}

/// One page of a list: `{items, total, page, pageSize, columns}`.
#[derive(Clone)]
pub struct Page<'a> {
    /// The page's rows, sorted.
    pub items: Vec<&'a Row>,
    /// How many rows match the filters, on every page.
    pub total: usize,
    pub page: usize,
    pub page_size: usize,
    schema: &'a RowSchema,
    usage: Option<&'a dyn UsageLookup>,
}

impl std::fmt::Debug for Page<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("items", &self.items)
            .field("total", &self.total)
            .field("page", &self.page)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl Page<'_> {
    pub fn columns(&self) -> &[Column] {
        self.schema.columns()
    }
}

impl Serialize for Page<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Items<'p>(&'p Page<'p>);
        impl Serialize for Items<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(
                    self.0
                        .items
                        .iter()
                        .map(|row| self.0.schema.json_with_usage(row, self.0.usage)),
                )
            }
        }
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("items", &Items(self))?;
        map.serialize_entry("total", &self.total)?;
        map.serialize_entry("page", &self.page)?;
        map.serialize_entry("pageSize", &self.page_size)?;
        map.serialize_entry("columns", self.schema.columns())?;
        map.end()
    }
}

/// The JSON of a [`Page`], for the TypeScript declarations only: its `Serialize` is written by
/// hand (above), so this mirror says what it writes.
#[derive(TS)]
#[ts(rename = "Page", rename_all = "camelCase")]
pub struct PageShape {
    pub items: Vec<RowShape>,
    /// How many rows match the filters, on every page.
    pub total: usize,
    pub page: usize,
    pub page_size: usize,
    pub columns: Vec<Column>,
}

declared_as!(Page<'_> => PageShape);

#[cfg(test)]
mod tests;
