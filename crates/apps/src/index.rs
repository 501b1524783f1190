//! A chart repository's `index.yaml`: parsed once into a catalogue searched in memory.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use wheelhouse_model::yaml;

use crate::{Error, Result};

/// A chart's metadata, as `Chart.yaml` and index entries write it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartMetadata {
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub app_version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub icon: Option<String>,
    #[serde(default)]
    pub home: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub sources: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub keywords: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub maintainers: Vec<Maintainer>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub dependencies: Vec<Dependency>,
    #[serde(default)]
    pub deprecated: bool,
}

fn null_as_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct Maintainer {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, TS)]
pub struct Dependency {
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub repository: String,
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
}

/// One version of a chart in an index.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ChartVersion {
    #[serde(flatten)]
    pub metadata: ChartMetadata,
    #[serde(default, deserialize_with = "null_as_default")]
    pub urls: Vec<String>,
    #[serde(default)]
    pub digest: Option<String>,
    #[serde(default)]
    pub created: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
struct IndexFile {
    #[serde(default, deserialize_with = "null_as_default")]
    entries: HashMap<String, Vec<ChartVersion>>,
}

/// What a search shows of a chart: its newest version.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChartSummary {
    pub repo: String,
    pub name: String,
    pub version: String,
    pub app_version: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub keywords: Vec<String>,
    pub deprecated: bool,
}

/// A chart with its versions, newest first, and what search compares, lowercased once.
#[derive(Debug, Clone)]
pub struct Chart {
    pub name: String,
    pub versions: Vec<ChartVersion>,
    name_lower: String,
    keywords_lower: Vec<String>,
    description_lower: String,
}

impl Chart {
    pub fn newest(&self) -> &ChartVersion {
        // A chart has at least one version (empty ones are dropped when parsing).
        &self.versions[0]
    }

    /// The version asked for, or the newest when none is.
    pub fn version(&self, version: Option<&str>) -> Option<&ChartVersion> {
        match version.filter(|v| !v.is_empty()) {
            None => Some(self.newest()),
            Some(v) => self.versions.iter().find(|c| c.metadata.version == v),
        }
    }

    pub fn summary(&self, repo: &str) -> ChartSummary {
        let newest = &self.newest().metadata;
        ChartSummary {
            repo: repo.to_string(),
            name: self.name.clone(),
            version: newest.version.clone(),
            app_version: newest.app_version.clone(),
            description: newest.description.clone(),
            icon: newest.icon.clone(),
            keywords: newest.keywords.clone(),
            deprecated: newest.deprecated,
        }
    }

    /// How well the chart matches lowercase query terms: 0 when some term matches nothing.
    /// A term in the name counts most, then in the keywords, then in the description.
    pub fn score(&self, terms: &[String]) -> u32 {
        let mut total = 0;
        for term in terms {
            let name = if self.name_lower == *term {
                1000
            } else if self.name_lower.starts_with(term.as_str()) {
                700
            } else if self.name_lower.contains(term.as_str()) {
                500
            } else {
                0
            };
            let keyword = if self.keywords_lower.iter().any(|k| k == term) {
                300
            } else if self
                .keywords_lower
                .iter()
                .any(|k| k.contains(term.as_str()))
            {
                200
            } else {
                0
            };
            let description = if self.description_lower.contains(term.as_str()) {
                100
            } else {
                0
            };
            let best = name.max(keyword).max(description);
            if best == 0 {
                return 0;
            }
            total += best;
        }
        total
    }
}

/// A repository's charts, parsed from its index.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Sorted by name.
    pub charts: Vec<Chart>,
    /// Total versions, for the repository's status.
    pub versions: usize,
}

fn version_order(a: &ChartVersion, b: &ChartVersion) -> std::cmp::Ordering {
    let parse = |v: &str| semver::Version::parse(v.trim_start_matches('v')).ok();
    match (parse(&a.metadata.version), parse(&b.metadata.version)) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => b.created.cmp(&a.created),
    }
}

impl Index {
    /// Parses `index.yaml` text.
    pub fn parse(text: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(text)
            .map_err(|_| Error::Decode("the repository index is not UTF-8 text".into()))?;
        // From outside: read within a budget, so anchors and aliases cannot blow it up.
        let file: IndexFile = yaml::parse_as(text)
            .map_err(|e| Error::Decode(format!("the repository index is not valid: {e}")))?;
        Ok(Self::from_entries(file.entries))
    }

    fn from_entries(entries: HashMap<String, Vec<ChartVersion>>) -> Self {
        let mut versions = 0;
        let mut charts: Vec<Chart> = entries
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(name, mut list)| {
                versions += list.len();
                list.sort_by(version_order);
                let newest = &list[0].metadata;
                Chart {
                    name_lower: name.to_lowercase(),
                    keywords_lower: newest.keywords.iter().map(|k| k.to_lowercase()).collect(),
                    description_lower: newest
                        .description
                        .as_deref()
                        .unwrap_or_default()
                        .to_lowercase(),
                    name,
                    versions: list,
                }
            })
            .collect();
        charts.sort_by(|a, b| a.name.cmp(&b.name));
        Self { charts, versions }
    }

    /// An index of the given versions (the built-in repository, OCI tags).
    pub fn from_versions(versions: Vec<ChartVersion>) -> Self {
        let mut entries: HashMap<String, Vec<ChartVersion>> = HashMap::new();
        for version in versions {
            entries
                .entry(version.metadata.name.clone())
                .or_default()
                .push(version);
        }
        Self::from_entries(entries)
    }

    pub fn chart(&self, name: &str) -> Option<&Chart> {
        self.charts
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.charts[i])
    }

    /// `index.yaml` text of this index (for the built-in repository).
    pub fn to_yaml(&self, generated: Timestamp) -> String {
        let entries: std::collections::BTreeMap<&str, &Vec<ChartVersion>> = self
            .charts
            .iter()
            .map(|c| (c.name.as_str(), &c.versions))
            .collect();
        let index = serde_json::json!({
            "apiVersion": "v1",
            "entries": entries,
            "generated": generated.to_string(),
        });
        serde_yaml::to_string(&index).unwrap_or_default()
    }
}

/// Lowercase search terms of a query.
pub fn terms(query: &str) -> Vec<String> {
    query.split_whitespace().map(str::to_lowercase).collect()
}

/// Charts of several repositories matching `query`, best first (then by name and repository),
/// with the total number of matches; an empty query matches every chart, sorted by name.
pub fn search<'a>(
    indexes: impl IntoIterator<Item = (&'a str, &'a Index)>,
    query: &str,
    limit: usize,
) -> (Vec<ChartSummary>, usize) {
    let terms = terms(query);
    let mut found: Vec<(u32, &str, &Chart)> = Vec::new();
    for (repo, index) in indexes {
        for chart in &index.charts {
            let score = if terms.is_empty() {
                1
            } else {
                chart.score(&terms)
            };
            if score > 0 {
                found.push((score, repo, chart));
            }
        }
    }
    let total = found.len();
    let by_rank = |a: &(u32, &str, &Chart), b: &(u32, &str, &Chart)| {
        b.0.cmp(&a.0)
            .then_with(|| a.2.name.cmp(&b.2.name))
            .then_with(|| a.1.cmp(b.1))
    };
    if found.len() > limit {
        found.select_nth_unstable_by(limit, by_rank);
        found.truncate(limit);
    }
    found.sort_by(by_rank);
    let items = found
        .into_iter()
        .map(|(_, repo, chart)| chart.summary(repo))
        .collect();
    (items, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"
apiVersion: v1
entries:
  nginx:
    - name: nginx
      version: 1.2.0
      appVersion: "1.27"
      description: A web server
      keywords: [web, http]
      urls: [charts/nginx-1.2.0.tgz]
      created: "2026-01-02T00:00:00Z"
    - name: nginx
      version: 1.10.0
      description: A web server
      keywords: [web, http]
      urls: [charts/nginx-1.10.0.tgz]
  webhook-relay:
    - name: webhook-relay
      version: 0.3.0
      description: Relays events
      keywords: null
  postgres:
    - name: postgres
      version: 2.0.0
      description: A database that web apps use
      keywords: [database, sql]
      deprecated: true
  empty: []
generated: "2026-01-03T00:00:00Z"
"#;

    #[test]
    fn an_index_is_parsed_with_versions_newest_first() {
        let index = Index::parse(INDEX.as_bytes()).expect("parses");
        assert_eq!(index.versions, 4);
        assert_eq!(index.charts.len(), 3, "a chart without versions is dropped");
        let nginx = index.chart("nginx").expect("nginx");
        assert_eq!(
            nginx.newest().metadata.version,
            "1.10.0",
            "semver order, not text order"
        );
        assert_eq!(
            nginx.version(Some("1.2.0")).map(|v| v.urls.clone()),
            Some(vec!["charts/nginx-1.2.0.tgz".to_string()])
        );
        assert!(nginx.version(Some("9.9.9")).is_none());
    }

    #[test]
    fn search_ranks_name_over_keywords_over_description() {
        let index = Index::parse(INDEX.as_bytes()).expect("parses");
        let (items, total) = search([("main", &index)], "web", 10);
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        // name prefix (webhook-relay) > keyword (nginx) > description (postgres)
        assert_eq!(names, vec!["webhook-relay", "nginx", "postgres"]);
        assert_eq!(total, 3);
        assert!(items[2].deprecated);
        let (items, _) = search([("main", &index)], "web database", 10);
        assert_eq!(
            items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
            vec!["postgres"],
            "every term must match"
        );
        let (items, total) = search([("main", &index)], "", 2);
        assert_eq!((items.len(), total), (2, 3));
        assert_eq!(items[0].name, "nginx");
        assert!(
            search([("main", &index)], "nothing-like-this", 10)
                .0
                .is_empty()
        );
    }

    #[test]
    fn an_invalid_index_is_an_error_saying_so() {
        let error = Index::parse(b"entries: [not, a, map]").expect_err("invalid");
        assert!(error.to_string().contains("index"), "{error}");
    }

    #[test]
    fn an_index_of_anchors_and_aliases_that_would_expand_without_end_is_refused() {
        // A repository anyone can publish: one entry's list repeated by aliases, level upon level.
        let mut text =
            String::from("apiVersion: v1\nbomb:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..=8 {
            let aliases = vec![format!("*l{}", level - 1); 10].join(", ");
            text.push_str(&format!("  l{level}: &l{level} [{aliases}]\n"));
        }
        text.push_str("entries: {}\n");
        let error = Index::parse(text.as_bytes()).expect_err("refused");
        assert!(error.to_string().contains("anchors and aliases"), "{error}");
    }
}
