//! The release list without reading every release record every time.
//!
//! A cluster with 1,000 releases of 10 revisions holds 10,000 helm Secrets, each a gzipped record
//! of the chart, values and manifest: tens of megabytes to list and decode on every request. The
//! list instead reads the Secrets' metadata only (labels say release and revision, annotations say
//! protected), picks the newest revision of each release, and decodes a record only when its
//! Secret is not the one decoded before (same name and `resourceVersion`). Records are fetched one
//! by one when few changed, or a namespace's current records (`status!=superseded`) in pages when
//! many did (the first load).
//!
//! Who sees what is unchanged: an entry is used only for a Secret the person's own metadata list
//! just returned, at the same version, so it tells them nothing their list did not allow.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use futures::StreamExt as _;
use serde_json::Value;
use wheelhouse_apps::budget::off_workers;
use wheelhouse_apps::release::{self, Release, ReleaseSummary, SecretMeta};
use wheelhouse_cluster::calls::Calls;
use wheelhouse_model::warning::{Warning, WarningReason};

use super::Apps;
use crate::error::Result;

/// Entries kept at most; past it the cache starts again (releases deleted leave entries behind).
const MAX_ENTRIES: usize = 20_000;
/// A namespace with at least this many records to read is listed rather than read one by one.
const LIST_FROM: usize = 5;
/// Calls to the API server at once while reading records.
const CONCURRENCY: usize = 8;

/// What one release's newest record decoded to.
#[derive(Debug, Clone)]
struct Entry {
    secret: String,
    resource_version: String,
    /// The summary (its protection is set per answer), or why the record cannot be read.
    decoded: std::result::Result<ReleaseSummary, String>,
}

/// Decoded newest records by (namespace, release).
#[derive(Debug, Default)]
pub(crate) struct ReleaseCache {
    entries: Mutex<HashMap<(String, String), Entry>>,
}

/// The Secret a metadata item names: (namespace, name, resourceVersion).
fn identity(meta: &Value) -> Option<(String, String, String)> {
    let text = |pointer: &str| meta.pointer(pointer)?.as_str().map(str::to_string);
    Some((
        text("/metadata/namespace")?,
        text("/metadata/name")?,
        text("/metadata/resourceVersion")?,
    ))
}

impl ReleaseCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The newest revision of every release among `metadata` (helm's Secrets as the person's
    /// metadata list or watch returned them), with its protection; unreadable records become
    /// warnings.
    pub(crate) async fn summaries(
        &self,
        apps: &Apps,
        calls: &Calls,
        metadata: &[Arc<Option<SecretMeta>>],
    ) -> Result<(Vec<ReleaseSummary>, Vec<Warning>)> {
        // Per release: whether any revision is annotated protected, and its newest revision.
        let mut annotated: HashMap<(&str, &str), bool> = HashMap::new();
        let mut newest_meta: BTreeMap<(&str, &str), &SecretMeta> = BTreeMap::new();
        for meta in metadata.iter().filter_map(|m| m.as_ref().as_ref()) {
            let key = (meta.labels.namespace.as_str(), meta.labels.name.as_str());
            *annotated.entry(key).or_default() |= meta.protected;
            match newest_meta.get(&key) {
                Some(newest) if newest.labels.revision >= meta.labels.revision => {}
                _ => {
                    newest_meta.insert(key, meta);
                }
            }
        }
        let annotated: HashMap<(String, String), bool> = annotated
            .into_iter()
            .map(|((namespace, name), a)| ((namespace.to_string(), name.to_string()), a))
            .collect();
        let newest: BTreeMap<(String, String), (String, String)> = newest_meta
            .into_iter()
            .map(|((namespace, name), meta)| {
                (
                    (namespace.to_string(), name.to_string()),
                    (meta.secret.clone(), meta.resource_version.clone()),
                )
            })
            .collect();
        let missing: Vec<(String, String)> = {
            let entries = self.lock();
            newest
                .iter()
                .filter(|(key, (secret, version))| {
                    entries
                        .get(*key)
                        .is_none_or(|e| &e.secret != secret || &e.resource_version != version)
                })
                .map(|((namespace, _), (secret, _))| (namespace.clone(), secret.clone()))
                .collect()
        };
        let mut warnings = Vec::new();
        if !missing.is_empty() {
            let (records, failed) = read_records(calls, &missing).await;
            warnings.extend(failed);
            let decoded = off_workers(move || {
                records
                    .iter()
                    .filter_map(|secret| {
                        let (_, name, version) = identity(secret)?;
                        let labels = release::SecretLabels::of(secret)?;
                        let decoded = Release::from_secret(secret)
                            .map(|r| r.summary(release::Protection::none()))
                            .map_err(|e| e.to_string());
                        Some((
                            (labels.namespace, labels.name),
                            Entry {
                                secret: name,
                                resource_version: version,
                                decoded,
                            },
                        ))
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
            let mut entries = self.lock();
            if entries.len() + decoded.len() > MAX_ENTRIES {
                entries.clear();
            }
            entries.extend(decoded);
        }
        let entries = self.lock();
        let mut items = Vec::new();
        for (key, (secret, _)) in &newest {
            // Missing only when its record could not be read (a warning says so) or was deleted
            // after the metadata was listed.
            let Some(entry) = entries.get(key).filter(|e| &e.secret == secret) else {
                continue;
            };
            let (namespace, name) = key;
            match &entry.decoded {
                Ok(summary) => {
                    let mut summary = summary.clone();
                    summary.protected = apps.protection(
                        namespace,
                        name,
                        annotated.get(key).copied().unwrap_or(false),
                    );
                    items.push(summary);
                }
                Err(message) => warnings.push(Warning::about(
                    WarningReason::Unreadable,
                    format!("release {namespace}/{name}"),
                    message.clone(),
                )),
            }
        }
        Ok((items, warnings))
    }
}

/// Reads the named Secrets (namespace, name): a namespace with many listed in pages of its
/// current records, the rest one by one. A record gone meanwhile is left out; any other failure
/// is a warning naming it.
async fn read_records(calls: &Calls, wanted: &[(String, String)]) -> (Vec<Value>, Vec<Warning>) {
    let mut by_namespace: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (namespace, name) in wanted {
        by_namespace
            .entry(namespace.clone())
            .or_default()
            .push(name.clone());
    }
    enum Read {
        Namespace(String, Vec<String>),
        One(String, String),
    }
    let mut reads = Vec::new();
    for (namespace, names) in by_namespace {
        if names.len() >= LIST_FROM {
            reads.push(Read::Namespace(namespace, names));
        } else {
            reads.extend(
                names
                    .into_iter()
                    .map(|name| Read::One(namespace.clone(), name)),
            );
        }
    }
    let current = format!("{},status!=superseded", release::SELECTOR);
    let current = current.as_str();
    let results: Vec<(Vec<Value>, Option<Warning>)> = futures::stream::iter(reads)
        .map(|read| async move {
            match read {
                Read::Namespace(namespace, names) => {
                    match calls.secrets(Some(&namespace), current).await {
                        Ok(secrets) => {
                            let name_of = |s: &Value| {
                                s.pointer("/metadata/name")?.as_str().map(str::to_string)
                            };
                            let mut found: Vec<Value> = secrets
                                .into_iter()
                                .filter(|s| name_of(s).is_some_and(|n| names.contains(&n)))
                                .collect();
                            // A record superseded since the metadata was listed: by name.
                            let got: Vec<String> = found.iter().filter_map(name_of).collect();
                            for name in names.iter().filter(|n| !got.contains(n)) {
                                if let Ok(secret) = calls.secret(&namespace, name).await {
                                    found.push(secret);
                                }
                            }
                            (found, None)
                        }
                        Err(failure) => (
                            Vec::new(),
                            Some(failure.warning(format!(
                                "helm releases (Secrets) in namespace {namespace}"
                            ))),
                        ),
                    }
                }
                Read::One(namespace, name) => match calls.secret(&namespace, &name).await {
                    Ok(secret) => (vec![secret], None),
                    Err(failure) if failure.code == 404 => (Vec::new(), None),
                    Err(failure) => (
                        Vec::new(),
                        Some(failure.warning(format!("release record {namespace}/{name}"))),
                    ),
                },
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    for (found, warning) in results {
        records.extend(found);
        warnings.extend(warning);
    }
    (records, warnings)
}
