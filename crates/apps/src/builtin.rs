//! The built-in repository: charts written for Wheelhouse (`crates/apps/charts/`), packaged
//! into deterministic archives and indexed, served by the binary so the app store works offline.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::chart::{package, sha256_hex};
use crate::index::{ChartMetadata, ChartVersion, Index};
use crate::{Error, Result};

mod files {
    include!(concat!(env!("OUT_DIR"), "/builtin_charts.rs"));
}

/// The built-in repository's name.
pub const NAME: &str = "builtin";
/// When the built-in charts were "created", for their index entries: fixed so the index and
/// archives are the same bytes on every start.
const CREATED: &str = "2026-11-27T00:00:00Z";

/// The packaged built-in charts and their index.
#[derive(Debug, Clone)]
pub struct Builtin {
    pub index: Index,
    /// Archive file name (`webapp-0.1.0.tgz`) → bytes.
    pub archives: BTreeMap<String, Vec<u8>>,
}

fn chart_files(name: &str) -> Vec<(String, Vec<u8>)> {
    let prefix = format!("{name}/");
    files::FILES
        .iter()
        .filter_map(|(path, bytes)| {
            path.strip_prefix(&prefix)
                .map(|rest| (rest.to_string(), bytes.to_vec()))
        })
        .collect()
}

impl Builtin {
    /// Packages every chart; a `file://../<chart>` dependency is vendored under `charts/`.
    pub fn load() -> Result<Self> {
        let created: Timestamp = CREATED
            .parse()
            .map_err(|e| Error::Decode(format!("bad built-in timestamp: {e}")))?;
        let mut names: Vec<&str> = files::FILES
            .iter()
            .filter_map(|(path, _)| path.split_once('/').map(|(chart, _)| chart))
            .collect();
        names.dedup();
        let mut versions = Vec::new();
        let mut archives = BTreeMap::new();
        for name in names {
            let mut files = chart_files(name);
            let Some((_, chart_yaml)) = files.iter().find(|(p, _)| p == "Chart.yaml") else {
                continue;
            };
            let metadata: ChartMetadata = serde_yaml::from_slice(chart_yaml)
                .map_err(|e| Error::Decode(format!("built-in chart {name}: {e}")))?;
            for dependency in &metadata.dependencies {
                if let Some(local) = dependency.repository.strip_prefix("file://../") {
                    let vendored = chart_files(local);
                    files.extend(
                        vendored
                            .into_iter()
                            .map(|(p, b)| (format!("charts/{local}/{p}"), b)),
                    );
                }
            }
            let archive = package(name, &files)?;
            let file = format!("{}-{}.tgz", metadata.name, metadata.version);
            versions.push(ChartVersion {
                urls: vec![format!("charts/{file}")],
                digest: Some(sha256_hex(&archive)),
                created: Some(created),
                metadata,
            });
            archives.insert(file, archive);
        }
        Ok(Self {
            index: Index::from_versions(versions),
            archives,
        })
    }

    /// `index.yaml` for `helm repo add`.
    pub fn index_yaml(&self) -> String {
        let generated = CREATED.parse().unwrap_or(Timestamp::UNIX_EPOCH);
        self.index.to_yaml(generated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::read_archive;

    #[test]
    fn the_builtin_charts_are_packaged_the_same_way_every_time() {
        let first = Builtin::load().expect("loads");
        let second = Builtin::load().expect("loads");
        assert_eq!(first.archives, second.archives);
        assert_eq!(first.index_yaml(), second.index_yaml());
        assert!(first.index.chart("webapp").is_some());
        let webapp = read_archive(&first.archives["webapp-0.1.0.tgz"]).expect("reads");
        assert!(webapp.readme.is_some_and(|r| r.contains("Ingress")));
        assert!(webapp.values_schema.is_some());
        assert!(webapp.values.contains("ingress:"));
        // Wheelhouse's own chart, so the app store installs and upgrades Wheelhouse itself.
        let wheelhouse = read_archive(&first.archives["wheelhouse-0.1.0.tgz"]).expect("reads");
        assert!(wheelhouse.values_schema.is_some());
        assert!(wheelhouse.values.contains("login:"));
    }

    #[test]
    fn a_chart_with_a_dependency_carries_it_and_the_index_lists_it() {
        let builtin = Builtin::load().expect("loads");
        let guestbook = builtin.index.chart("guestbook").expect("guestbook");
        let dependency = &guestbook.newest().metadata.dependencies[0];
        assert_eq!(
            (dependency.name.as_str(), dependency.alias.as_deref()),
            ("webapp", Some("frontend"))
        );
        let archive = &builtin.archives["guestbook-0.2.0.tgz"];
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive.as_slice()));
        let paths: Vec<String> = tar
            .entries()
            .expect("entries")
            .map(|e| {
                e.expect("entry")
                    .path()
                    .expect("path")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert!(
            paths.contains(&"guestbook/charts/webapp/Chart.yaml".to_string()),
            "{paths:?}"
        );
        let digest = guestbook.newest().digest.clone().expect("digest");
        assert_eq!(digest, sha256_hex(archive));
        let reparsed = Index::parse(builtin.index_yaml().as_bytes()).expect("our index parses");
        assert_eq!(reparsed.versions, builtin.index.versions);
    }
}
