//! Helm release records read natively from their Secrets (type `helm.sh/release.v1`).
//!
//! Helm stores each revision of a release as a Secret `sh.helm.release.v1.<name>.v<revision>`
//! labelled `owner=helm,name=…,status=…,version=…`. Its `release` key holds base64 text (inside
//! the Secret's own base64) of the gzip of the release as JSON. This module turns such Secrets
//! into [`Release`]s and the summaries `helm list` and `helm history` print.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::Read as _;

use base64::Engine as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::budget::Budgeted;
use crate::index::ChartMetadata;
use crate::{Error, Result};

/// The Secret type of helm's release records.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";
/// The label selector of helm's release Secrets.
pub const SELECTOR: &str = "owner=helm";
/// The annotation on a release Secret that protects the release from changes in Wheelhouse.
pub const PROTECTED_ANNOTATION: &str = "wheelhouse.dev/protected";
/// The label on a release Secret naming the chart repository Wheelhouse installed it from
/// (passed to helm as `--labels`; helm keeps a release's labels on upgrades and rollbacks).
pub const REPOSITORY_LABEL: &str = "wheelhouse.dev/repository";
/// Decoded releases larger than this are refused (a chart with huge files, or a hostile Secret).
pub const MAX_DECODED: usize = 64 * 1024 * 1024;

/// One revision of a release, as helm wrote it.
#[derive(Debug, Clone, Deserialize)]
pub struct Release {
    pub name: String,
    pub namespace: String,
    /// The revision.
    pub version: u32,
    pub info: Info,
    pub chart: Chart,
    /// The values the person supplied (`helm get values`); absent when none were.
    #[serde(default)]
    pub config: Option<Value>,
    #[serde(default)]
    pub manifest: String,
    /// The chart's hooks (Jobs and the like helm runs around an install, upgrade or delete),
    /// with how their last run went; their objects are not in `manifest`.
    #[serde(default)]
    pub hooks: Vec<Hook>,
    /// The labels of the release's Secret (helm keeps `--labels` there, not in the record).
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
}

/// One hook of a release, as helm records it.
#[derive(Debug, Clone, Deserialize)]
pub struct Hook {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    /// The hook's object, as YAML.
    #[serde(default)]
    pub manifest: String,
    /// When it runs: `pre-install`, `post-install`, `pre-upgrade`…
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub last_run: HookRun,
}

/// How a hook's last run went.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HookRun {
    /// `Running`, `Succeeded`, `Failed` or `Unknown`; empty when it never ran.
    #[serde(default)]
    pub phase: String,
}

impl Hook {
    pub fn failed(&self) -> bool {
        self.last_run.phase == "Failed"
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Info {
    #[serde(default)]
    pub first_deployed: Option<Timestamp>,
    #[serde(default)]
    pub last_deployed: Option<Timestamp>,
    #[serde(default)]
    pub deleted: Option<Timestamp>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chart {
    pub metadata: ChartMetadata,
    /// The chart's default values.
    #[serde(default)]
    pub values: Option<Value>,
}

/// Why a release may not be changed from Wheelhouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Protection {
    pub protected: bool,
    pub reason: Option<String>,
}

impl Protection {
    pub fn none() -> Self {
        Self {
            protected: false,
            reason: None,
        }
    }
}

/// A release as `helm list` shows it: its newest revision.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSummary {
    pub name: String,
    pub namespace: String,
    pub revision: u32,
    pub status: String,
    pub chart: String,
    pub chart_version: String,
    pub app_version: Option<String>,
    pub updated: Option<Timestamp>,
    pub protected: Protection,
}

/// One line of `helm history`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub revision: u32,
    pub status: String,
    pub chart: String,
    pub chart_version: String,
    pub app_version: Option<String>,
    pub updated: Option<Timestamp>,
    pub description: String,
}

impl Release {
    /// Decodes the `release` value of a Secret's `data` as the API server returns it (base64 of
    /// helm's base64 text).
    pub fn from_secret_data(data: &str) -> Result<Self> {
        let inner = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| Error::Decode(format!("the Secret's data is not base64: {e}")))?;
        Self::from_helm_text(&inner)
    }

    /// Decodes helm's own encoding: base64 text of (usually gzipped) JSON, gunzipping at most
    /// [`MAX_DECODED`] bytes. CPU-bound: call it from async code through
    /// [`crate::budget::off_workers`].
    pub fn from_helm_text(text: &[u8]) -> Result<Self> {
        let trimmed: Vec<u8> = text
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&trimmed)
            .map_err(|e| Error::Decode(format!("the release is not base64 text: {e}")))?;
        let json = if bytes.starts_with(&[0x1f, 0x8b, 0x08]) {
            let exceeded = Cell::new(false);
            let mut out = Vec::new();
            Budgeted::new(
                flate2::read::GzDecoder::new(bytes.as_slice()),
                MAX_DECODED as u64,
                &exceeded,
            )
            .read_to_end(&mut out)
            .map_err(|e| {
                if exceeded.get() {
                    Error::Expands {
                        what: "the release record",
                        limit: MAX_DECODED,
                    }
                } else {
                    Error::Decode(format!("the release is not valid gzip: {e}"))
                }
            })?;
            out
        } else {
            bytes
        };
        serde_json::from_slice(&json)
            .map_err(|e| Error::Decode(format!("the release is not helm's JSON: {e}")))
    }

    /// Decodes a release Secret (the API server's JSON of it).
    pub fn from_secret(secret: &Value) -> Result<Self> {
        let data = secret
            .pointer("/data/release")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Decode("the Secret has no data.release".into()))?;
        let mut release = Self::from_secret_data(data)?;
        release.labels = secret
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(release)
    }

    /// The chart repository Wheelhouse recorded when it installed the release, if it did.
    pub fn recorded_repository(&self) -> Option<&str> {
        self.labels
            .get(REPOSITORY_LABEL)
            .map(String::as_str)
            .filter(|r| !r.is_empty())
    }

    /// `hello-web-0.1.0`, as helm prints a chart.
    pub fn chart_label(&self) -> String {
        format!(
            "{}-{}",
            self.chart.metadata.name, self.chart.metadata.version
        )
    }

    pub fn summary(&self, protected: Protection) -> ReleaseSummary {
        ReleaseSummary {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            revision: self.version,
            status: self.info.status.clone(),
            chart: self.chart.metadata.name.clone(),
            chart_version: self.chart.metadata.version.clone(),
            app_version: self.chart.metadata.app_version.clone(),
            updated: self.info.last_deployed,
            protected,
        }
    }

    pub fn history_entry(&self) -> HistoryEntry {
        HistoryEntry {
            revision: self.version,
            status: self.info.status.clone(),
            chart: self.chart.metadata.name.clone(),
            chart_version: self.chart.metadata.version.clone(),
            app_version: self.chart.metadata.app_version.clone(),
            updated: self.info.last_deployed,
            description: self.info.description.clone(),
        }
    }

    /// The values the person supplied, as YAML (`{}` when none), like `helm get values`.
    pub fn user_values_yaml(&self) -> String {
        values_yaml(self.config.as_ref())
    }

    /// The chart's default values as YAML.
    pub fn default_values_yaml(&self) -> String {
        values_yaml(self.chart.values.as_ref())
    }
}

/// Values as YAML text; nothing (or `null`) is `{}`.
pub fn values_yaml(values: Option<&Value>) -> String {
    match values {
        None | Some(Value::Null) => "{}\n".into(),
        Some(Value::Object(map)) if map.is_empty() => "{}\n".into(),
        Some(values) => serde_yaml::to_string(values).unwrap_or_else(|_| "{}\n".into()),
    }
}

/// What the labels of a release Secret say, without decoding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretLabels {
    pub namespace: String,
    pub name: String,
    pub revision: u32,
}

impl SecretLabels {
    /// The release and revision a Secret records, when it is one of helm's.
    pub fn of(secret: &Value) -> Option<Self> {
        if secret.get("type").and_then(Value::as_str) != Some(SECRET_TYPE) {
            return None;
        }
        let labels = secret.pointer("/metadata/labels")?;
        if labels.get("owner").and_then(Value::as_str) != Some("helm") {
            return None;
        }
        Some(Self {
            namespace: secret
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)?
                .to_string(),
            name: labels.get("name").and_then(Value::as_str)?.to_string(),
            revision: labels
                .get("version")
                .and_then(Value::as_str)?
                .parse()
                .ok()?,
        })
    }
}

/// What the release list needs of one release Secret's metadata, read from it once (a watch keeps
/// these, not the JSON: choosing the newest of 10,000 revisions then reads no JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretMeta {
    pub labels: SecretLabels,
    /// The Secret's own name (`sh.helm.release.v1.NAME.vN`).
    pub secret: String,
    pub resource_version: String,
    /// Whether it carries the protection annotation.
    pub protected: bool,
}

impl SecretMeta {
    /// The metadata of a helm release Secret (`{"type", "metadata"}` is enough); `None` for any
    /// other Secret.
    pub fn of(secret: &Value) -> Option<Self> {
        let labels = SecretLabels::of(secret)?;
        let text = |pointer: &str| secret.pointer(pointer)?.as_str().map(str::to_string);
        Some(Self {
            labels,
            secret: text("/metadata/name")?,
            resource_version: text("/metadata/resourceVersion")?,
            protected: annotated_protected(secret),
        })
    }
}

/// Whether a release Secret carries the protection annotation.
pub fn annotated_protected(secret: &Value) -> bool {
    secret
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(PROTECTED_ANNOTATION))
        .and_then(Value::as_str)
        == Some("true")
}

/// The newest revision's Secret of each release, keyed by (namespace, name).
pub fn newest_per_release<'a>(
    secrets: impl IntoIterator<Item = &'a Value>,
) -> BTreeMap<(String, String), &'a Value> {
    let mut newest: BTreeMap<(String, String), (u32, &Value)> = BTreeMap::new();
    for secret in secrets {
        let Some(labels) = SecretLabels::of(secret) else {
            continue;
        };
        let key = (labels.namespace, labels.name);
        match newest.get(&key) {
            Some((revision, _)) if *revision >= labels.revision => {}
            _ => {
                newest.insert(key, (labels.revision, secret));
            }
        }
    }
    newest.into_iter().map(|(k, (_, s))| (k, s)).collect()
}

/// The name of the Secret holding one revision.
pub fn secret_name(release: &str, revision: u32) -> String {
    format!("sh.helm.release.v1.{release}.v{revision}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the real helm v4 wrote and printed (copied from the project's shared reference).
    fn reference(name: &str) -> String {
        let path = format!("{}/tests/fixtures/helm/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn secrets() -> Vec<Value> {
        let list: Value = serde_json::from_str(&reference("release-secrets.json")).expect("json");
        list["items"].as_array().expect("items").clone()
    }

    #[test]
    fn release_secrets_written_by_helm_v4_decode_to_what_helm_list_printed() {
        let secrets = secrets();
        let newest = newest_per_release(&secrets);
        let list: Value = serde_json::from_str(&reference("helm-list.json")).expect("json");
        let list = list.as_array().expect("array");
        assert_eq!(newest.len(), list.len());
        for entry in list {
            let key = (
                entry["namespace"].as_str().expect("ns").to_string(),
                entry["name"].as_str().expect("name").to_string(),
            );
            let release = Release::from_secret(newest[&key]).expect("decodes");
            let summary = release.summary(Protection::none());
            assert_eq!(summary.revision.to_string(), entry["revision"]);
            assert_eq!(summary.status, entry["status"]);
            assert_eq!(release.chart_label(), entry["chart"]);
            assert_eq!(
                summary.app_version.as_deref(),
                entry["app_version"].as_str()
            );
            // helm prints Go's time format; the instant is the same.
            let printed = entry["updated"].as_str().expect("updated");
            let instant = summary.updated.expect("updated").to_string();
            let seconds = instant.trim_end_matches('Z').replace('T', " ");
            assert!(printed.starts_with(&seconds), "{printed} vs {instant}");
        }
    }

    #[test]
    fn each_revision_matches_its_decoded_reference_and_helm_history() {
        let history: Value = serde_json::from_str(&reference("helm-history.json")).expect("json");
        let mut entries = Vec::new();
        for secret in secrets() {
            let labels = SecretLabels::of(&secret).expect("a helm secret");
            let release = Release::from_secret(&secret).expect("decodes");
            let decoded: Value = serde_json::from_str(&reference(&format!(
                "decoded-sh.helm.release.v1.{}.v{}.json",
                labels.name, labels.revision
            )))
            .expect("json");
            assert_eq!(release.manifest, decoded["manifest"]);
            assert_eq!(release.info.notes, decoded["info"]["notes"]);
            assert_eq!(release.info.status, decoded["info"]["status"]);
            if labels.name == "hello" {
                entries.push(release.history_entry());
            }
        }
        entries.sort_by_key(|e| e.revision);
        let history = history.as_array().expect("array");
        assert_eq!(entries.len(), history.len());
        for (ours, theirs) in entries.iter().zip(history) {
            assert_eq!(u64::from(ours.revision), theirs["revision"]);
            assert_eq!(ours.status, theirs["status"]);
            assert_eq!(ours.description, theirs["description"]);
            assert_eq!(
                format!("{}-{}", ours.chart, ours.chart_version),
                theirs["chart"]
            );
            assert_eq!(
                ours.updated.map(|t| t.to_string()),
                theirs["updated"]
                    .as_str()
                    .map(|t| t.parse::<Timestamp>().expect("time").to_string())
            );
        }
    }

    #[test]
    fn user_values_are_what_helm_get_values_printed() {
        let secret = secrets()
            .into_iter()
            .find(|s| {
                s.pointer("/metadata/name").and_then(Value::as_str)
                    == Some("sh.helm.release.v1.hello.v2")
            })
            .expect("hello v2");
        let release = Release::from_secret(&secret).expect("decodes");
        let printed: Value =
            serde_json::from_str(&reference("helm-get-values.json")).expect("json");
        assert_eq!(release.config.as_ref(), Some(&printed));
        assert_eq!(release.user_values_yaml(), "message: again\n");
        let first = Release::from_secret(
            &secrets()
                .into_iter()
                .find(|s| {
                    s.pointer("/metadata/name").and_then(Value::as_str)
                        == Some("sh.helm.release.v1.hello.v1")
                })
                .expect("hello v1"),
        )
        .expect("decodes");
        assert_eq!(first.user_values_yaml(), "{}\n");
    }

    #[test]
    fn a_secret_that_is_not_a_release_is_an_error_saying_why() {
        let error = Release::from_secret_data("bm90IGJhc2U2NCE=").expect_err("not a release");
        assert!(error.to_string().contains("base64"), "{error}");
        let secret = serde_json::json!({"data": {}});
        assert!(Release::from_secret(&secret).is_err());
    }

    /// A release Secret whose record is gzip of `unpacked` zero bytes (a gzip bomb).
    fn bomb_secret(unpacked: u64) -> Value {
        use std::io::Write as _;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let chunk = vec![0u8; 1024 * 1024];
        let mut left = unpacked;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            gzip.write_all(&chunk[..n]).expect("writes");
            left -= n as u64;
        }
        let gzipped = gzip.finish().expect("gzip");
        let engine = base64::engine::general_purpose::STANDARD;
        serde_json::json!({
            "type": SECRET_TYPE,
            "metadata": {"name": "sh.helm.release.v1.bomb.v1", "namespace": "default",
                "labels": {"owner": "helm", "name": "bomb", "version": "1"}},
            "data": {"release": engine.encode(engine.encode(gzipped))},
        })
    }

    #[test]
    fn a_release_record_that_is_a_gzip_bomb_is_refused_quickly_with_a_clear_error() {
        let secret = bomb_secret(MAX_DECODED as u64 + 16 * 1024 * 1024);
        let on_the_wire = secret["data"]["release"].as_str().expect("data").len();
        assert!(on_the_wire < 200 * 1024, "{on_the_wire} bytes");
        let started = std::time::Instant::now();
        let error = Release::from_secret(&secret).expect_err("refused");
        assert!(matches!(error, Error::Expands { .. }), "{error}");
        assert!(
            error
                .to_string()
                .starts_with("the release record expands to more than 64 MiB when decompressed"),
            "{error}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn the_repository_wheelhouse_installed_from_is_read_from_the_secret_labels() {
        let mut secret = secrets()[0].clone();
        let release = Release::from_secret(&secret).expect("decodes");
        assert_eq!(
            release.recorded_repository(),
            None,
            "helm's own install records none"
        );
        secret["metadata"]["labels"][REPOSITORY_LABEL] = serde_json::json!("stable");
        let release = Release::from_secret(&secret).expect("decodes");
        assert_eq!(release.recorded_repository(), Some("stable"));
    }

    #[test]
    fn the_protection_annotation_is_read_from_the_secret() {
        let mut secret = secrets()[0].clone();
        assert!(!annotated_protected(&secret));
        secret["metadata"]["annotations"] = serde_json::json!({PROTECTED_ANNOTATION: "true"});
        assert!(annotated_protected(&secret));
    }
}
