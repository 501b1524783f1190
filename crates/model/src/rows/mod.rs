//! List rows: the columns a table shows for each kind, computed once when an object is ingested.
//!
//! A [`RowSchema`] knows a kind's [`Column`]s and turns an object (a `serde_json::Value`, as the
//! watch caches hold them) into a [`Row`]: its metadata plus one typed [`Cell`] per column. Rows
//! do not depend on the current time — ages, "5 (2m ago)" and running durations are rendered from
//! timestamps by [`Cell::display`] or by the UI — so a row changes only when its object does.
//!
//! Built-in kinds follow `kubectl get -o wide` (columns in its order, `wide` marking the extra
//! ones); custom resources follow their CRD's `additionalPrinterColumns` ([`custom`]).

mod cell;
pub mod cluster;
pub mod config;
pub mod custom;
pub mod network;
pub mod workloads;

pub use cell::{Cell, CellValue, DurationCell, RestartsCell, StatusCell, shared_status};

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::OnceLock;

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;
use ts_rs::TS;

use crate::labels::Labels;

pub use crate::error::{Error, Result};

/// How a column's cells are shown and sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ColumnType {
    /// Plain text, sorted as text (`<none>` when empty).
    Text,
    /// A whole number, sorted numerically.
    Integer,
    /// A resource quantity (`3800m`, `16Gi`), shown as written and sorted by value.
    Quantity,
    /// A point in time shown as the time since it (Age, Last Schedule); sorted by the timestamp,
    /// so ascending means oldest first.
    Since,
    /// `ready/total` (`1/2`), sorted by the ready fraction, then by the total.
    Ratio,
    /// A status word with a [`Severity`] for its colour, sorted by the word.
    Status,
    /// A restart count with the time of the last restart (`5 (2m ago)`), sorted by the count.
    Restarts,
    /// The time from a start to an end, or to now while running (a job's Duration).
    Duration,
    /// CPU or memory usage from metrics, joined when the list is asked for (not stored in the
    /// row): `null` or [`UsageCell`]; sorted by usage.
    Usage,
}

/// How a status should be coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// Working as intended: `Running`, `Ready`, `Bound`, `Complete`.
    Ok,
    /// Finished or inactive, nothing to do: `Completed`, `Suspended`, `Released`.
    Neutral,
    /// On its way: `Pending`, `ContainerCreating`, `Init:0/1`, `Terminating`.
    Progressing,
    /// Worth a look: `Unknown`, `SchedulingDisabled`, a Warning event.
    Warning,
    /// Broken: `CrashLoopBackOff`, `Failed`, `NotReady`, `Lost`.
    Error,
}

/// One column of a kind's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    /// Stable identifier, used in `sort=` and as the row's field name (`ready`, `restarts`).
    pub id: String,
    /// i18n key of the header; the English text is the key (`columns|Ready`).
    pub title: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    pub sortable: bool,
    /// Shown by `kubectl get -o wide` only: the UI may hide it on narrow screens.
    pub wide: bool,
}

impl Column {
    /// A sortable column shown by default; `title` is the English header.
    pub fn new(id: &str, title: &str, kind: ColumnType) -> Self {
        Column {
            id: id.to_string(),
            title: format!("columns|{title}"),
            kind,
            sortable: true,
            wide: false,
        }
    }

    /// Shown by `kubectl get -o wide` only.
    #[must_use]
    pub fn wide(mut self) -> Self {
        self.wide = true;
        self
    }

    /// Not offered for sorting (long lists such as selectors).
    #[must_use]
    pub fn unsortable(mut self) -> Self {
        self.sortable = false;
        self
    }
}

/// One object as a list shows it. Cells are aligned with the kind columns of its [`RowSchema`].
///
/// Build rows with [`RowSchema::row`] or [`Row::from_metadata`] and treat `namespace` and `name`
/// as fixed: the row keeps sort keys computed from them when it is built.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub name: String,
    pub uid: String,
    pub creation_timestamp: Option<Timestamp>,
    /// Kept for label selectors; also sent to the client.
    pub labels: Labels,
    pub cells: Box<[Cell]>,
    /// The first 16 bytes of namespace and name as integers: sorting compares these without
    /// following the pointers to the strings (see [`crate::query`]).
    pub(crate) tie_break: TieBreak,
    /// [`object_key`] of namespace and name, computed once: lookups by object (usage for a
    /// sort over 100,000 rows) need not read the strings.
    pub key: u64,
}

/// A 64-bit hash of an object's namespace and name (`""` for cluster-scoped objects), the same
/// wherever this process computes it. It is keyed at random for each process: two of 100,000
/// objects share one with a chance of about 1 in 10^9, and nobody can choose a pod's name to share
/// another pod's key (and see its usage in their row).
pub fn object_key(namespace: &str, name: &str) -> u64 {
    keyed_hash((namespace, name))
}

/// A hash with keys drawn at random once per process (SipHash, as `HashMap` uses): stable
/// within the process, unpredictable from outside it.
pub(crate) fn keyed_hash(value: impl Hash) -> u64 {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    KEYS.get_or_init(RandomState::new).hash_one(value)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TieBreak {
    pub namespace: u128,
    /// Whether the namespace has at most 16 bytes, so that equal keys mean equal namespaces.
    pub namespace_fits: bool,
    pub name: u128,
}

/// The first 16 bytes, big-endian and zero-padded: orders like the strings, up to a tie.
pub(crate) fn prefix(text: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = text.len().min(16);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

impl Row {
    /// A row of the object's metadata with no cells (a kind without columns).
    pub fn from_metadata(object: &Value) -> Result<Row> {
        let metadata = &object["metadata"];
        let name = metadata["name"].as_str().ok_or(Error::MissingName)?;
        let labels = metadata["labels"]
            .as_object()
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(|(k, v)| Some((k, v.as_str()?)))
                    .collect()
            })
            .unwrap_or_default();
        let namespace = metadata["namespace"].as_str().filter(|ns| !ns.is_empty());
        Ok(Row {
            key: object_key(namespace.unwrap_or_default(), name),
            tie_break: TieBreak {
                namespace: prefix(namespace.unwrap_or_default()),
                namespace_fits: namespace.unwrap_or_default().len() <= 16,
                name: prefix(name),
            },
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            uid: metadata["uid"].as_str().unwrap_or_default().to_string(),
            creation_timestamp: timestamp(&metadata["creationTimestamp"]),
            labels,
            cells: Box::new([]),
        })
    }
}

/// The always-present columns, kept in the row itself rather than in its cells.
pub const NAME: &str = "name";
pub const NAMESPACE: &str = "namespace";
pub const CREATION_TIMESTAMP: &str = "creationTimestamp";
/// Fields of a row's JSON that a kind column may not use as its id.
const RESERVED_IDS: [&str; 5] = [NAME, NAMESPACE, CREATION_TIMESTAMP, "uid", "labels"];

/// Where a displayed column takes its values from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Name,
    Namespace,
    CreationTimestamp,
    /// The row's cell at this index.
    Cell(usize),
    /// Usage from metrics, looked up when the list is asked for ([`UsageLookup`]).
    Usage(UsageResource),
}

/// Which usage a [`ColumnType::Usage`] column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageResource {
    Cpu,
    Memory,
}

/// One usage cell: CPU in cores or memory in bytes, with what bounds it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
pub struct UsageCell {
    pub usage: f64,
    pub requests: Option<f64>,
    pub limits: Option<f64>,
    /// Usage as a percentage of `of`.
    pub percent: Option<f64>,
    /// What the percentage is of; `None` when nothing bounds the usage.
    pub of: Option<UsageBase>,
}

/// What a usage percentage is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum UsageBase {
    Requests,
    Limits,
    /// A node's allocatable.
    Allocatable,
}

impl UsageCell {
    /// Usage against the requests when set, else the limits, else `allocatable` (nodes).
    pub fn new(
        usage: f64,
        requests: Option<f64>,
        limits: Option<f64>,
        allocatable: Option<f64>,
    ) -> Self {
        let of = [
            (UsageBase::Requests, requests),
            (UsageBase::Limits, limits),
            (UsageBase::Allocatable, allocatable),
        ]
        .into_iter()
        .find_map(|(base, value)| value.filter(|v| *v > 0.0).map(|v| (base, v)));
        UsageCell {
            usage,
            requests,
            limits,
            percent: of.map(|(_, v)| usage / v * 100.0),
            of: of.map(|(base, _)| base),
        }
    }
}

/// Current usage of the objects a list shows, by row (pods, workloads, nodes); what the list
/// joins when it is asked for, since usage changes at every scrape while rows do not.
pub trait UsageLookup: Sync {
    fn usage(&self, row: &Row, resource: UsageResource) -> Option<UsageCell>;
}

/// The kinds that have CPU and memory columns: `(group, kind)`.
pub const USAGE_KINDS: [(&str, &str); 6] = [
    ("", "Pod"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("", "Node"),
];

type CellsFn = fn(&Value) -> Result<Vec<Cell>>;

#[derive(Debug, Clone)]
enum Cells {
    /// A built-in kind: cells computed by its function from the typed object.
    Builtin(CellsFn),
    /// A custom resource: cells read by its CRD's printer columns.
    Printer(Vec<custom::PrinterColumn>),
    /// No columns beyond name, namespace and age.
    None,
}

/// A kind's columns and how to compute its rows.
#[derive(Debug, Clone)]
pub struct RowSchema {
    namespaced: bool,
    /// Every column in display order: name, namespace (if namespaced), the kind's own, Age.
    columns: Vec<Column>,
    sources: Vec<Source>,
    /// The ids of the kind's own columns, aligned with each row's cells.
    cell_ids: Vec<String>,
    cells: Cells,
}

impl RowSchema {
    /// The schema of a built-in kind (`group` is `""` for the core group), or one with only
    /// name, namespace and age for a kind Wheelhouse has no columns for.
    pub fn builtin(group: &str, kind: &str, namespaced: bool) -> RowSchema {
        let builtin = workloads::KINDS
            .iter()
            .chain(network::KINDS)
            .chain(config::KINDS)
            .chain(cluster::KINDS)
            .find(|b| b.group == group && b.kind == kind);
        let schema = match builtin {
            Some(b) => RowSchema::new(namespaced, (b.columns)(), None, Cells::Builtin(b.cells)),
            None => RowSchema::new(namespaced, Vec::new(), None, Cells::None),
        };
        if USAGE_KINDS.contains(&(group, kind)) {
            schema.with_usage_columns()
        } else {
            schema
        }
    }

    /// The schema of any kind: a built-in kind's own columns, else the printer columns of the
    /// CRD (a JSON object) at the version the cache watches, else name, namespace and age.
    pub fn for_kind(
        group: &str,
        kind: &str,
        namespaced: bool,
        crd: Option<(&Value, &str)>,
    ) -> Result<RowSchema> {
        match crd {
            Some((crd, version)) if !RowSchema::is_builtin(group, kind) => {
                RowSchema::custom_resource(crd, version)
            }
            _ => Ok(RowSchema::builtin(group, kind, namespaced)),
        }
    }

    /// Whether Wheelhouse has its own columns for this kind.
    pub fn is_builtin(group: &str, kind: &str) -> bool {
        RowSchema::builtin_kinds().any(|(g, k)| g == group && k == kind)
    }

    /// `(group, kind)` of every kind with its own columns, e.g. to check that the UI's catalogue
    /// has every column title.
    pub fn builtin_kinds() -> impl Iterator<Item = (&'static str, &'static str)> {
        workloads::KINDS
            .iter()
            .chain(network::KINDS)
            .chain(config::KINDS)
            .chain(cluster::KINDS)
            .map(|b| (b.group, b.kind))
    }

    /// `age_at` is where Age goes among the kind's own columns; by default after the last one
    /// shown without `-o wide`, where kubectl prints it.
    fn new(
        namespaced: bool,
        mut own: Vec<Column>,
        age_at: Option<usize>,
        cells: Cells,
    ) -> RowSchema {
        // Kind columns may not shadow the row's own fields, nor each other (CRDs are free text).
        for index in 0..own.len() {
            let clashes = |id: &str, own: &[Column]| {
                RESERVED_IDS.contains(&id) || own[..index].iter().any(|c| c.id == id)
            };
            if clashes(&own[index].id, &own) {
                let mut n = 2;
                while clashes(&format!("{}{n}", own[index].id), &own) {
                    n += 1;
                }
                own[index].id = format!("{}{n}", own[index].id);
            }
        }
        let mut columns = vec![Column::new(NAME, "Name", ColumnType::Text)];
        let mut sources = vec![Source::Name];
        if namespaced {
            columns.push(Column::new(NAMESPACE, "Namespace", ColumnType::Text));
            sources.push(Source::Namespace);
        }
        let age_at =
            age_at.unwrap_or_else(|| own.iter().rposition(|c| !c.wide).map_or(0, |i| i + 1));
        let cell_ids = own.iter().map(|c| c.id.clone()).collect();
        for (index, column) in own.into_iter().enumerate() {
            if index == age_at {
                columns.push(Column::new(CREATION_TIMESTAMP, "Age", ColumnType::Since));
                sources.push(Source::CreationTimestamp);
            }
            columns.push(column);
            sources.push(Source::Cell(index));
        }
        if !sources.contains(&Source::CreationTimestamp) {
            columns.push(Column::new(CREATION_TIMESTAMP, "Age", ColumnType::Since));
            sources.push(Source::CreationTimestamp);
        }
        RowSchema {
            namespaced,
            columns,
            sources,
            cell_ids,
            cells,
        }
    }

    /// Adds the `cpu` and `memory` usage columns, before Age.
    fn with_usage_columns(mut self) -> RowSchema {
        let at = self
            .sources
            .iter()
            .position(|s| *s == Source::CreationTimestamp)
            .unwrap_or(self.sources.len());
        for (offset, (id, title, resource)) in [
            ("cpu", "CPU", UsageResource::Cpu),
            ("memory", "Memory", UsageResource::Memory),
        ]
        .into_iter()
        .enumerate()
        {
            if self.columns.iter().any(|c| c.id == id) {
                continue;
            }
            self.columns
                .insert(at + offset, Column::new(id, title, ColumnType::Usage));
            self.sources.insert(at + offset, Source::Usage(resource));
        }
        self
    }

    /// Whether the kind has usage columns.
    pub fn has_usage(&self) -> bool {
        self.sources.iter().any(|s| matches!(s, Source::Usage(_)))
    }

    /// Whether objects of the kind live in namespaces.
    pub fn is_namespaced(&self) -> bool {
        self.namespaced
    }

    /// Every column in display order, as sent to the client.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Where the column with this id takes its values, or `None` for an unknown id.
    pub fn source(&self, id: &str) -> Option<(Source, &Column)> {
        let index = self.columns.iter().position(|c| c.id == id)?;
        Some((self.sources[index], &self.columns[index]))
    }

    /// The ids of the kind's own columns, aligned with [`Row::cells`].
    pub fn cell_ids(&self) -> &[String] {
        &self.cell_ids
    }

    /// The object as a row: computed once per change of the object.
    pub fn row(&self, object: &Value) -> Result<Row> {
        let mut row = Row::from_metadata(object)?;
        let cells = match &self.cells {
            Cells::Builtin(cells) => cells(object)?,
            Cells::Printer(columns) => columns.iter().map(|c| c.cell(object)).collect(),
            Cells::None => Vec::new(),
        };
        debug_assert_eq!(cells.len(), self.cell_ids.len(), "cells of {}", row.name);
        row.cells = cells.into_boxed_slice();
        Ok(row)
    }

    /// The row's cell in the column with this id, including name, namespace and age.
    pub fn cell<'r>(&self, row: &'r Row, id: &str) -> Option<RowValue<'r>> {
        let (source, _) = self.source(id)?;
        Some(match source {
            Source::Name => RowValue::Text(&row.name),
            Source::Namespace => RowValue::Text(row.namespace.as_deref().unwrap_or_default()),
            Source::CreationTimestamp => RowValue::Time(row.creation_timestamp),
            Source::Cell(index) => RowValue::Cell(row.cells.get(index)?),
            // Not part of the row: joined by the list from metrics.
            Source::Usage(_) => return None,
        })
    }

    /// A row as JSON: its metadata and one field per kind column (`{"name", "ready", …}`).
    pub fn json<'a>(&'a self, row: &'a Row) -> RowJson<'a> {
        RowJson {
            schema: self,
            row,
            usage: None,
        }
    }

    /// A row as JSON with its usage columns filled from `usage`.
    pub fn json_with_usage<'a>(
        &'a self,
        row: &'a Row,
        usage: Option<&'a dyn UsageLookup>,
    ) -> RowJson<'a> {
        RowJson {
            schema: self,
            row,
            usage,
        }
    }
}

/// A value read from a row by column id.
#[derive(Debug, Clone, PartialEq)]
pub enum RowValue<'r> {
    Text(&'r str),
    Time(Option<Timestamp>),
    Cell(&'r Cell),
}

impl RowValue<'_> {
    /// As `kubectl get` prints it at `now`.
    pub fn display(&self, now: Timestamp) -> String {
        match self {
            RowValue::Text(text) => text.to_string(),
            RowValue::Time(time) => Cell::since(*time).display(now),
            RowValue::Cell(cell) => cell.display(now),
        }
    }
}

/// Serialises a row with its schema's column ids.
///
/// Usage columns are written only when a [`UsageLookup`] is given (a list page); a row sent
/// alone (a live change) leaves them out rather than claiming there is no usage.
#[derive(Clone, Copy)]
pub struct RowJson<'a> {
    schema: &'a RowSchema,
    row: &'a Row,
    usage: Option<&'a dyn UsageLookup>,
}

impl std::fmt::Debug for RowJson<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowJson")
            .field("row", &self.row.name)
            .finish_non_exhaustive()
    }
}

impl Serialize for RowJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let row = self.row;
        let mut map = serializer.serialize_map(Some(5 + row.cells.len()))?;
        map.serialize_entry(NAME, &row.name)?;
        map.serialize_entry(NAMESPACE, &row.namespace)?;
        map.serialize_entry("uid", &row.uid)?;
        map.serialize_entry(CREATION_TIMESTAMP, &row.creation_timestamp)?;
        map.serialize_entry("labels", &row.labels)?;
        for (id, cell) in self.schema.cell_ids.iter().zip(row.cells.iter()) {
            map.serialize_entry(id, cell)?;
        }
        if let Some(lookup) = self.usage {
            for (column, source) in self.schema.columns.iter().zip(&self.schema.sources) {
                if let Source::Usage(resource) = source {
                    map.serialize_entry(&column.id, &lookup.usage(row, *resource))?;
                }
            }
        }
        map.end()
    }
}

/// The JSON of a row, for the TypeScript declarations only: [`RowJson`]'s `Serialize` is written
/// by hand, so this mirror says what it writes (`a_rows_json_is_what_its_typescript_type_says`
/// holds the two together): the object's metadata, then one field per column id.
#[derive(TS)]
#[ts(rename = "Row", rename_all = "camelCase")]
pub struct RowShape {
    pub name: String,
    /// `null` for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub uid: String,
    pub creation_timestamp: Option<Timestamp>,
    pub labels: BTreeMap<String, String>,
    /// The kind's own columns, by id: each a [`ColumnValue`].
    #[ts(flatten)]
    pub columns: HashMap<String, AnyColumn>,
}

/// A row's column as its type reads it: `unknown`, narrowed by what the column's type says.
/// (An object type with fields of their own types and "every other field is a
/// [`ColumnValue`]" cannot be written so that a row's object literal fits it.)
#[derive(TS)]
#[ts(type = "unknown")]
pub struct AnyColumn;

/// What a row's column holds: a cell, or a usage column's [`UsageCell`] (`null` without
/// metrics; left out of a row sent alone, a live change).
#[derive(TS)]
#[ts(untagged)]
pub enum ColumnValue {
    Cell(CellValue),
    Usage(UsageCell),
}

/// Implements `TS` for a type whose `Serialize` is written by hand as the mirror that declares
/// its JSON: its name, declaration and flattened fields are the mirror's.
macro_rules! declared_as {
    ($ty:ty => $shape:ty) => {
        impl ts_rs::TS for $ty {
            type WithoutGenerics = $shape;
            type OptionInnerType = Self;

            fn docs() -> Option<String> {
                <$shape as ts_rs::TS>::docs()
            }

            fn ident(cfg: &ts_rs::Config) -> String {
                <$shape as ts_rs::TS>::ident(cfg)
            }

            fn name(cfg: &ts_rs::Config) -> String {
                <$shape as ts_rs::TS>::name(cfg)
            }

            fn inline(cfg: &ts_rs::Config) -> String {
                <$shape as ts_rs::TS>::inline(cfg)
            }

            fn inline_flattened(cfg: &ts_rs::Config) -> String {
                <$shape as ts_rs::TS>::inline_flattened(cfg)
            }

            fn decl(cfg: &ts_rs::Config) -> String {
                <$shape as ts_rs::TS>::decl(cfg)
            }

            fn decl_concrete(cfg: &ts_rs::Config) -> String {
                <$shape as ts_rs::TS>::decl_concrete(cfg)
            }

            fn visit_dependencies(v: &mut impl ts_rs::TypeVisitor)
            where
                Self: 'static,
            {
                <$shape as ts_rs::TS>::visit_dependencies(v);
            }

            fn output_path() -> Option<std::path::PathBuf> {
                <$shape as ts_rs::TS>::output_path()
            }
        }
    };
}
pub(crate) use declared_as;

declared_as!(RowJson<'_> => RowShape);

/// A built-in kind: its columns and the function computing its cells.
#[derive(Debug)]
pub(crate) struct Builtin {
    pub group: &'static str,
    pub kind: &'static str,
    pub columns: fn() -> Vec<Column>,
    pub cells: CellsFn,
}

/// Reads the object as its k8s-openapi type, borrowing the JSON (no copy of the object).
pub(crate) fn typed<T: DeserializeOwned>(object: &Value, kind: &'static str) -> Result<T> {
    T::deserialize(object).map_err(|source| Error::Invalid { kind, source })
}

/// A timestamp in RFC 3339, as Kubernetes writes them.
pub(crate) fn timestamp(value: &Value) -> Option<Timestamp> {
    value.as_str()?.parse().ok()
}

/// `key=value,key2=value2` as kubectl prints selectors and node selectors.
pub(crate) fn key_values<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Cell {
    Cell::list(pairs.into_iter().map(|(k, v)| format!("{k}={v}")))
}

/// A duration as kubectl prints ages (`HumanDuration` of k8s.io/apimachinery): `45s`, `2m`,
/// `5m30s`, `3h10m`, `2d4h`, `400d`, `3y20d`.
pub fn human_duration(duration: jiff::SignedDuration) -> String {
    let seconds = duration.as_secs();
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        return if days == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{days}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
pub(crate) mod tests;
