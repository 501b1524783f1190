//! Chart archives (`.tgz`): what a chart page shows from one, and packaging the built-in charts
//! into byte-identical archives.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::Read as _;

use serde::Serialize;
use ts_rs::TS;

use crate::budget::Budgeted;
use crate::index::ChartMetadata;
use crate::{Error, Result};

/// Archives larger than this are not read.
pub const MAX_ARCHIVE: usize = 20 * 1024 * 1024;
/// Files inside an archive larger than this are not read.
const MAX_FILE: u64 = 4 * 1024 * 1024;
/// An archive is not unpacked past this many bytes (no chart a person reads is larger).
pub const MAX_UNPACKED: usize = 100 * 1024 * 1024;
/// An archive is not read past this many entries.
pub const MAX_ENTRIES: usize = 10_000;

/// The parts of a chart a person reads before installing it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartFiles {
    pub metadata: ChartMetadata,
    pub readme: Option<String>,
    /// `values.yaml` as written (comments kept).
    pub values: String,
    pub values_schema: Option<serde_json::Value>,
}

/// What the web app's values form reads of a chart's `values.schema.json`, which is sent as the
/// chart has it (any other keyword too): for the TypeScript declarations only, since the schema
/// is kept as JSON.
#[derive(TS)]
#[ts(optional_fields)]
#[allow(
    dead_code,
    reason = "declares the JSON of a chart's schema; never built"
)]
pub struct JsonSchema {
    #[ts(rename = "type", optional, type = "string | Array<string>")]
    kind: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[ts(rename = "enum", optional, type = "Array<unknown>")]
    choices: Option<Vec<String>>,
    #[ts(optional, type = "unknown")]
    default: Option<String>,
    properties: Option<BTreeMap<String, JsonSchema>>,
    required: Option<Vec<String>>,
    minimum: Option<f64>,
    maximum: Option<f64>,
}

/// Reads `Chart.yaml`, `values.yaml`, `values.schema.json` and the README of the chart at the top
/// of a gzipped tar archive (subcharts under `charts/` are ignored), unpacking at most
/// [`MAX_UNPACKED`] bytes and [`MAX_ENTRIES`] entries. CPU-bound: call it from async code through
/// [`crate::budget::off_workers`].
pub fn read_archive(bytes: &[u8]) -> Result<ChartFiles> {
    if bytes.len() > MAX_ARCHIVE {
        return Err(Error::Decode(format!(
            "the chart archive is larger than {} MiB",
            MAX_ARCHIVE / 1024 / 1024
        )));
    }
    let exceeded = Cell::new(false);
    let budgeted = Budgeted::new(
        flate2::read::GzDecoder::new(bytes),
        MAX_UNPACKED as u64,
        &exceeded,
    );
    let over_budget = || Error::Expands {
        what: "the chart archive",
        limit: MAX_UNPACKED,
    };
    let mut archive = tar::Archive::new(budgeted);
    let mut chart_yaml = None;
    let mut readme = None;
    let mut values = None;
    let mut schema = None;
    let entries = archive
        .entries()
        .map_err(|e| Error::Decode(format!("the chart archive is not a gzipped tar: {e}")))?;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_ENTRIES {
            return Err(Error::TooManyEntries {
                what: "the chart archive",
                limit: MAX_ENTRIES,
            });
        }
        let entry = entry.map_err(|e| {
            if exceeded.get() {
                over_budget()
            } else {
                Error::Decode(format!("the chart archive is damaged: {e}"))
            }
        })?;
        let path = entry
            .path()
            .map_err(|e| Error::Decode(format!("the chart archive is damaged: {e}")))?
            .to_string_lossy()
            .into_owned();
        // `<chart>/<file>` at the top level only.
        let mut parts = path.splitn(2, '/');
        let (Some(_), Some(file)) = (parts.next(), parts.next()) else {
            continue;
        };
        let slot = match file {
            "Chart.yaml" => &mut chart_yaml,
            "values.yaml" => &mut values,
            "values.schema.json" => &mut schema,
            f if f.eq_ignore_ascii_case("README.md") || f.eq_ignore_ascii_case("README") => {
                &mut readme
            }
            _ => continue,
        };
        let mut text = String::new();
        entry
            .take(MAX_FILE)
            .read_to_string(&mut text)
            .map_err(|e| {
                if exceeded.get() {
                    over_budget()
                } else {
                    Error::Decode(format!("{path} in the chart archive is not text: {e}"))
                }
            })?;
        *slot = Some(text);
    }
    let chart_yaml =
        chart_yaml.ok_or_else(|| Error::Decode("the chart archive has no Chart.yaml".into()))?;
    let metadata: ChartMetadata = wheelhouse_model::yaml::parse_as(&chart_yaml)
        .map_err(|e| Error::Decode(format!("the chart's Chart.yaml is not valid: {e}")))?;
    let values_schema = match schema {
        Some(text) => Some(serde_json::from_str(&text).map_err(|e| {
            Error::Decode(format!(
                "the chart's values.schema.json is not valid JSON: {e}"
            ))
        })?),
        None => None,
    };
    Ok(ChartFiles {
        metadata,
        readme,
        values: values.unwrap_or_default(),
        values_schema,
    })
}

/// Packs files (`path` relative to the chart directory, contents) as `<name>/<path>` into a
/// gzipped tar with fixed times, owners and modes, in path order: the same files always give the
/// same bytes (and digest).
pub fn package(name: &str, files: &[(String, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let gzip = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    let mut builder = tar::Builder::new(gzip);
    builder.mode(tar::HeaderMode::Deterministic);
    for (path, contents) in sorted {
        let mut header = tar::Header::new_gnu();
        header.set_size(contents.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, format!("{name}/{path}"), contents.as_slice())
            .map_err(|e| Error::Decode(format!("cannot package {name}/{path}: {e}")))?;
    }
    let gzip = builder
        .into_inner()
        .map_err(|e| Error::Decode(format!("cannot package {name}: {e}")))?;
    gzip.finish()
        .map_err(|e| Error::Decode(format!("cannot package {name}: {e}")))
}

/// `sha256:`-less hex digest, as index entries carry it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, Vec<u8>)> {
        vec![
            ("values.yaml".into(), b"replicas: 1\n".to_vec()),
            (
                "Chart.yaml".into(),
                b"apiVersion: v2\nname: demo\nversion: 0.1.0\nkeywords: [a]\n".to_vec(),
            ),
            ("README.md".into(), b"# Demo\n".to_vec()),
            (
                "values.schema.json".into(),
                br#"{"type":"object"}"#.to_vec(),
            ),
            (
                "charts/sub/Chart.yaml".into(),
                b"apiVersion: v2\nname: sub\nversion: 9.9.9\n".to_vec(),
            ),
        ]
    }

    #[test]
    fn packaging_is_deterministic_and_reads_back() {
        let first = package("demo", &files()).expect("packs");
        let mut reversed = files();
        reversed.reverse();
        let second = package("demo", &reversed).expect("packs");
        assert_eq!(first, second, "same files, same bytes");
        assert_eq!(sha256_hex(&first), sha256_hex(&second));
        let chart = read_archive(&first).expect("reads");
        assert_eq!(
            chart.metadata.name, "demo",
            "the top-level Chart.yaml, not the subchart's"
        );
        assert_eq!(chart.metadata.version, "0.1.0");
        assert_eq!(chart.readme.as_deref(), Some("# Demo\n"));
        assert_eq!(chart.values, "replicas: 1\n");
        assert_eq!(
            chart.values_schema,
            Some(serde_json::json!({"type": "object"}))
        );
    }

    #[test]
    fn an_archive_without_chart_yaml_is_an_error() {
        let bytes = package("x", &[("values.yaml".into(), b"a: 1\n".to_vec())]).expect("packs");
        assert!(
            read_archive(&bytes)
                .expect_err("no Chart.yaml")
                .to_string()
                .contains("Chart.yaml")
        );
        assert!(read_archive(b"not gzip").is_err());
    }

    /// A gzipped tar whose one file holds `unpacked` zero bytes: about a thousandth of that on
    /// the wire.
    pub(crate) fn gzip_bomb(entries: &[(&str, u64)]) -> Vec<u8> {
        let gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let mut builder = tar::Builder::new(gzip);
        for (path, size) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(*size);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            builder
                .append_data(&mut header, path, std::io::repeat(0).take(*size))
                .expect("appends");
        }
        builder.into_inner().expect("tar").finish().expect("gzip")
    }

    #[test]
    fn a_gzip_bomb_is_refused_at_the_budget_quickly_with_a_clear_error() {
        let unpacked = MAX_UNPACKED as u64 + 16 * 1024 * 1024;
        let bomb = gzip_bomb(&[("bomb/Chart.yaml", 30), ("bomb/filler.bin", unpacked)]);
        assert!(
            bomb.len() < 200 * 1024,
            "{} bytes on the wire expand to {unpacked}",
            bomb.len()
        );
        let started = std::time::Instant::now();
        let error = read_archive(&bomb).expect_err("refused");
        assert!(
            matches!(error, Error::Expands { .. }),
            "refused for its size, not as damaged: {error}"
        );
        assert_eq!(
            error.to_string(),
            "the chart archive expands to more than 100 MiB when decompressed; Wheelhouse stopped there (a few KiB that expand this far are a gzip bomb)"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn an_archive_of_too_many_entries_is_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("many/f{i}")).collect();
        let entries: Vec<(&str, u64)> = names.iter().map(|n| (n.as_str(), 0)).collect();
        let error = read_archive(&gzip_bomb(&entries)).expect_err("refused");
        assert!(matches!(error, Error::TooManyEntries { .. }), "{error}");
        assert!(
            error.to_string().contains("more than 10000 entries"),
            "{error}"
        );
    }

    #[test]
    fn sha256_is_hex() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
