//! Fuzz targets for every parser of input from outside the console: YAML and JSON bodies sent to
//! apply, list query strings and label selectors, chart archives and repository indexes, helm
//! release records, registry manifests and challenges, kubeconfigs and CRDs' printer columns.
//!
//! Each target takes arbitrary bytes and must neither panic nor break the parser's own promise
//! (a selector that parses prints as text that parses back to it, an index written out reads
//! back the same). A failure is a panic, which both drivers report:
//! - `tests/corpus.rs` replays every input kept under `corpus/<target>/` (in CI, uninstrumented);
//! - `libfuzzer/`, a libFuzzer binary built with coverage instrumentation on stable Rust, explores
//!   new inputs for a fixed time (`cargo xtask bench fuzz`) and adds those that reach new code to
//!   the corpus.
//!
//! ```
//! let target = wheelhouse_fuzz::target("label_selector").expect("a target");
//! (target.run)(b"app in (web,api),!canary");
//! ```

use std::sync::OnceLock;

use kube::config::Kubeconfig;
use serde_json::Value;
use wheelhouse_apps::{chart, distribution, images, index::Index, release::Release, validate};
use wheelhouse_model::query::{ListParams, ListQuery};
use wheelhouse_model::rows::RowSchema;
use wheelhouse_model::rows::custom::JsonPath;
use wheelhouse_model::selector::Selector;
use wheelhouse_model::yaml;

/// One fuzz target: its name (the corpus directory's too), what it reads, and the function.
pub struct Target {
    pub name: &'static str,
    pub reads: &'static str,
    pub run: fn(&[u8]),
}

/// Every target, in the order the benchmark runs them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "yaml_apply",
        reads: "a YAML or JSON body sent to apply or to an edit, and chart values typed in a form",
        run: yaml_apply,
    },
    Target {
        name: "list_query",
        reads: "a list's query string (namespaces, name filter, label selector, sort, page)",
        run: list_query,
    },
    Target {
        name: "label_selector",
        reads: "a label selector typed by a person",
        run: label_selector,
    },
    Target {
        name: "chart_archive",
        reads: "a chart archive (.tgz) from a chart repository",
        run: chart_archive,
    },
    Target {
        name: "repository_index",
        reads: "a chart repository's index.yaml",
        run: repository_index,
    },
    Target {
        name: "release_record",
        reads: "a helm release record: a Secret's JSON or helm's own encoding",
        run: release_record,
    },
    Target {
        name: "registry_manifest",
        reads: "an image manifest, index or config from a registry, its auth challenge, an image reference",
        run: registry_manifest,
    },
    Target {
        name: "kubeconfig",
        reads: "a kubeconfig file",
        run: kubeconfig,
    },
    Target {
        name: "crd_columns",
        reads: "a CustomResourceDefinition's printer columns and their JSONPaths",
        run: crd_columns,
    },
];

/// The target of this name.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The console reads apply bodies as YAML documents (or one JSON value) and values as a mapping.
pub fn yaml_apply(data: &[u8]) {
    let Some(text) = text(data) else {
        return;
    };
    let lines = text.lines().count();
    if let Ok(documents) = yaml::numbered_documents(text) {
        for document in documents {
            assert!(
                document.line >= 1 && document.line <= lines + 1,
                "document at line {} of {lines}",
                document.line
            );
            assert!(!document.value.is_null(), "an empty document was kept");
        }
    }
    let _ = serde_json::from_str::<Value>(text);
    let _ = validate::values(text);
}

/// The schemas of three kinds whose lists take queries: namespaced, cluster-scoped, and one with
/// other columns.
fn schemas() -> &'static [RowSchema] {
    static SCHEMAS: OnceLock<Vec<RowSchema>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        vec![
            RowSchema::builtin("", "Pod", true),
            RowSchema::builtin("", "Node", false),
            RowSchema::builtin("", "Service", true),
        ]
    })
}

/// `?namespace=a,b&q=web&labelSelector=…&sort=-restarts&page=2&pageSize=50`, as axum's `Query`
/// decodes it, then validated against each schema.
pub fn list_query(data: &[u8]) {
    let Ok(params) = serde_urlencoded::from_bytes::<ListParams>(data) else {
        return;
    };
    for schema in schemas() {
        if let Ok(query) = ListQuery::parse(&params, schema) {
            assert!(query.page >= 1, "page {}", query.page);
            assert!(query.page_size >= 1, "page size {}", query.page_size);
        }
    }
}

/// A selector that parses prints as a selector that parses back to the same requirements.
pub fn label_selector(data: &[u8]) {
    let Some(text) = text(data) else {
        return;
    };
    if let Ok(selector) = Selector::parse(text) {
        let printed = selector.to_string();
        let again = Selector::parse(&printed).unwrap_or_else(|e| {
            panic!("{text:?} printed as {printed:?}, which does not parse: {e}")
        });
        assert_eq!(again, selector, "{text:?} printed as {printed:?}");
    }
}

/// A chart archive is unpacked within its bounds, and its values read as a form would.
pub fn chart_archive(data: &[u8]) {
    if let Ok(files) = chart::read_archive(data) {
        let _ = validate::values(&files.values);
    }
}

/// An index that parses writes out as an index that reads back with the same charts.
pub fn repository_index(data: &[u8]) {
    let Ok(index) = Index::parse(data) else {
        return;
    };
    for chart in &index.charts {
        let _ = chart.newest();
        let _ = chart.summary("fuzz");
    }
    let _ = wheelhouse_apps::index::search([("fuzz", &index)], "a b", 10);
    let written = index.to_yaml(jiff::Timestamp::UNIX_EPOCH);
    let again = Index::parse(written.as_bytes())
        .unwrap_or_else(|e| panic!("an index written out does not read back: {e}\n{written}"));
    let names = |i: &Index| i.charts.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&again), names(&index));
    assert_eq!(again.versions, index.versions);
}

/// A release Secret's JSON (when the bytes are JSON) or helm's base64-of-gzip text, and what the
/// console derives from a decoded release.
pub fn release_record(data: &[u8]) {
    let decoded = match serde_json::from_slice::<Value>(data) {
        Ok(secret) => Release::from_secret(&secret),
        Err(_) => Release::from_helm_text(data),
    };
    if let Ok(release) = decoded {
        let _ = release.history_entry();
        let _ = release.chart_label();
        let _ = release.user_values_yaml();
        let _ = release.default_values_yaml();
        let _ = release.recorded_repository();
        let _ = wheelhouse_apps::manifest::objects(&release.manifest);
    }
}

/// A manifest, index or image config as the registry browser reads it; the same bytes as a
/// `WWW-Authenticate` challenge and as an image reference.
pub fn registry_manifest(data: &[u8]) {
    if let Ok(json) = serde_json::from_slice::<Value>(data) {
        let media_type = json
            .get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if images::is_index(media_type, &json) {
            let _ = images::platforms(&json);
        } else {
            let _ = images::layers(&json);
            let _ = images::config_descriptor(&json);
        }
        let _ = images::image_config(&json);
    }
    if let Some(text) = text(data) {
        let _ = distribution::parse_challenge(text);
        let _ = images::ImageRef::parse(text);
        let _ = images::digest_of_image_id(text);
        let _ = images::host_of_url(text);
    }
}

/// A kubeconfig as `--kubeconfig` reads it, merged as KUBECONFIG's files are, and each context
/// looked up as the console does before it connects.
pub fn kubeconfig(data: &[u8]) {
    let Some(text) = text(data) else {
        return;
    };
    let Ok(config) = Kubeconfig::from_yaml(text) else {
        return;
    };
    let _ = wheelhouse_cluster::kubeconfig_info(&config, None);
    for context in &config.contexts {
        let _ = wheelhouse_cluster::kubeconfig_info(&config, Some(&context.name));
    }
    let _ = config.clone().merge(config);
}

/// A CRD's printer columns become a list's schema; the bytes are also tried as one JSONPath.
pub fn crd_columns(data: &[u8]) {
    if let Ok(crd) = serde_json::from_slice::<Value>(data) {
        let versions = crd
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.get("name").and_then(Value::as_str));
        for version in versions {
            let _ = RowSchema::custom_resource(&crd, version);
        }
    }
    if let Some(text) = text(data) {
        let _ = JsonPath::parse(text);
    }
}
