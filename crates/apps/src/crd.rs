//! The `ChartRepository` custom resource: its spec and status as Rust types, and the
//! CustomResourceDefinition derived from them (shipped as `deploy/helm/wheelhouse/crds/chartrepository.yaml`).
//!
//! The types are the one source: `#[derive(CustomResource, JsonSchema)]` generates the CRD,
//! [`crd_yaml`] writes it out, and a test fails when the shipped file is not exactly that
//! output (`WHEELHOUSE_WRITE_CRDS=1 cargo test -p wheelhouse-apps crd` rewrites it). The file
//! stays in the repository so `kubectl apply -f deploy/helm/wheelhouse/crds/chartrepository.yaml` and the
//! simulated cluster's demo serve the same definition the console creates.
//!
//! ```
//! use wheelhouse_apps::crd::{self, ChartRepositorySpec};
//!
//! let spec: ChartRepositorySpec =
//!     serde_json::from_value(serde_json::json!({"url": "https://charts.example", "interval": "1h30m"}))
//!         .expect("a valid spec");
//! assert_eq!(crd::interval_of(&spec).as_secs(), 5400);
//! ```

use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResource;
use kube::core::CustomResourceExt;
use schemars::JsonSchema;
use schemars::transform::RecursiveTransform;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use wheelhouse_model::crd::for_kubernetes;

use crate::repository::{RepoStatus, SecretRef};

/// The CustomResourceDefinition, as YAML (also what `kubectl apply -f` takes): the shipped file,
/// which a test holds equal to [`crd_yaml`].
pub const CRD_YAML: &str =
    include_str!("../../../deploy/helm/wheelhouse/crds/chartrepository.yaml");
pub const CRD_NAME: &str = "chartrepositories.wheelhouse.dev";
pub const GROUP: &str = "wheelhouse.dev";
pub const VERSION: &str = "v1alpha1";
pub const PLURAL: &str = "chartrepositories";
/// The path of the collection.
pub const COLLECTION: &str = "/apis/wheelhouse.dev/v1alpha1/chartrepositories";
/// The sync interval without one in the spec.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(3600);
/// Shorter intervals are raised to this.
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);

/// What the CRD file says above the definition (the derive writes only the definition).
const CRD_HEADER: &str = "\
# A Helm chart repository the Wheelhouse app store syncs: an index.yaml at an http(s) URL, or an
# OCI registry path. Cluster-scoped; credentials stay in a Secret the console reads.
#
# Generated from crates/apps/src/crd.rs (#[derive(CustomResource)]); do not edit by hand:
# WHEELHOUSE_WRITE_CRDS=1 cargo test -p wheelhouse-apps crd
";

/// Where a chart repository is, how often to sync it, and how to reach it.
#[allow(
    clippy::duplicated_attributes,
    reason = "printer columns of the same type repeat `type_ = \"string\"`"
)]
#[derive(CustomResource, Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[kube(
    group = "wheelhouse.dev",
    version = "v1alpha1",
    kind = "ChartRepository",
    plural = "chartrepositories",
    shortname = "chartrepo",
    label("app.kubernetes.io/part-of", "wheelhouse"),
    doc = "A Helm chart repository the Wheelhouse app store syncs: an index.yaml at an http(s) URL, or an OCI registry path. Cluster-scoped; credentials stay in a Secret the console reads.",
    status = "RepoStatus",
    printcolumn(name = "URL", type_ = "string", json_path = ".spec.url"),
    printcolumn(name = "State", type_ = "string", json_path = ".status.state"),
    printcolumn(name = "Charts", type_ = "integer", json_path = ".status.charts"),
    printcolumn(name = "Last Sync", type_ = "date", json_path = ".status.lastSync")
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = RecursiveTransform(for_kubernetes))]
pub struct ChartRepositorySpec {
    /// https://… or http://… (with index.yaml), or oci://registry/path
    #[schemars(pattern(r"^(https?|oci)://.+"))]
    pub url: String,
    /// How often to sync, e.g. 30m or 1h (default 1h, at least 1m)
    #[serde(
        default,
        deserialize_with = "go_duration",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(pattern(r"^([0-9]+(s|m|h))+$"))]
    pub interval: Option<kube::core::Duration>,
    /// Plain HTTP, said explicitly: an oci:// registry is reached over http:// (a local test
    /// registry), and an http:// index may be sent the secretRef's login unencrypted (without
    /// it, a repository with credentials and an http:// URL is refused)
    #[serde(default)]
    pub plain_http: bool,
    /// A Secret with keys username and password, in the namespace Wheelhouse reads credentials
    /// from (--credentials-namespace; a Secret elsewhere is refused and never read)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretRef>,
    /// A Secret whose key ca.crt holds the CA certificates (PEM) that signed the repository's
    /// certificate, trusted for this repository in addition to the system's roots (helm's
    /// --ca-file); in the namespace Wheelhouse reads credentials from, like secretRef
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_secret_ref: Option<SecretRef>,
}

/// Reads an interval as Go's `time.ParseDuration` does (kube's [`kube::core::Duration`]); one
/// that is not a duration says so with the field and examples (the CRD's pattern keeps such
/// intervals out of a real cluster, but not every API server validates).
fn go_duration<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<kube::core::Duration>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    text.parse().map(Some).map_err(|error| {
        D::Error::custom(format!(
            "interval {text:?} is not a duration such as 30m, 1h or 1h30m ({error})"
        ))
    })
}

/// The CustomResourceDefinition the types derive.
pub fn definition() -> CustomResourceDefinition {
    ChartRepository::crd()
}

/// The CustomResourceDefinition as the shipped file has it: a comment, then the YAML.
pub fn crd_yaml() -> String {
    let yaml = serde_yaml::to_string(&definition())
        .unwrap_or_else(|error| format!("# the CRD does not serialize: {error}\n"));
    format!("{CRD_HEADER}{yaml}")
}

/// The interval of a spec: its own (at least a minute), else an hour (also for a zero or
/// negative one, which would otherwise mean syncing without pause).
pub fn interval_of(spec: &ChartRepositorySpec) -> Duration {
    match spec.interval {
        Some(interval) if !interval.is_negative() && Duration::from(interval) > Duration::ZERO => {
            Duration::from(interval).max(MIN_INTERVAL)
        }
        _ => DEFAULT_INTERVAL,
    }
}

/// Seconds as a spec's interval text, in the largest whole unit (`5400` is `90m`).
pub fn format_interval(seconds: u64) -> String {
    if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with_interval(interval: &str) -> Result<ChartRepositorySpec, serde_json::Error> {
        serde_json::from_value(serde_json::json!({"url": "https://x", "interval": interval}))
    }

    fn interval(text: &str) -> Duration {
        interval_of(&spec_with_interval(text).expect("a Go duration"))
    }

    #[test]
    fn intervals_are_read_as_go_durations() {
        assert_eq!(interval("1h"), Duration::from_secs(3600));
        assert_eq!(interval("1h30m"), Duration::from_secs(5400));
        assert_eq!(interval("90s"), Duration::from_secs(90));
        assert_eq!(interval("1.5h"), Duration::from_secs(5400));
        assert_eq!(interval("5s"), MIN_INTERVAL, "raised to a minute");
        assert_eq!(interval("0s"), DEFAULT_INTERVAL, "zero is no interval");
        assert_eq!(interval("-1h"), DEFAULT_INTERVAL, "negative is no interval");
        let without: ChartRepositorySpec =
            serde_json::from_value(serde_json::json!({"url": "https://x"})).expect("spec");
        assert_eq!(interval_of(&without), DEFAULT_INTERVAL);
    }

    #[test]
    fn an_interval_that_is_not_a_go_duration_makes_the_spec_invalid_with_the_units_named() {
        for text in ["10", "1d", "soon"] {
            let error = spec_with_interval(text).expect_err(text).to_string();
            assert!(
                error.starts_with(&format!("interval {text:?} is not a duration such as 30m")),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn intervals_are_written_in_the_largest_whole_unit() {
        assert_eq!(format_interval(5400), "90m");
        assert_eq!(format_interval(7200), "2h");
        assert_eq!(format_interval(45), "45s");
        for seconds in [45, 600, 5400, 7200] {
            assert_eq!(
                interval(&format_interval(seconds)).as_secs(),
                seconds.max(MIN_INTERVAL.as_secs())
            );
        }
    }

    #[test]
    fn the_shipped_crd_file_is_what_the_types_derive() {
        wheelhouse_model::crd::check_shipped(
            "wheelhouse-apps",
            "chartrepository.yaml",
            CRD_YAML,
            &crd_yaml(),
            "crates/apps/src/crd.rs",
        );
    }

    #[test]
    fn the_crd_is_cluster_scoped_in_wheelhouse_dev() {
        let crd: serde_json::Value = serde_yaml::from_str(CRD_YAML).expect("YAML");
        assert_eq!(crd["metadata"]["name"], CRD_NAME);
        assert_eq!(
            crd["metadata"]["labels"]["app.kubernetes.io/part-of"],
            "wheelhouse"
        );
        assert_eq!(crd["spec"]["scope"], "Cluster");
        assert_eq!(crd["spec"]["group"], GROUP);
        assert_eq!(crd["spec"]["names"]["plural"], PLURAL);
        assert_eq!(crd["spec"]["names"]["shortNames"][0], "chartrepo");
        let version = &crd["spec"]["versions"][0];
        assert_eq!(version["name"], VERSION);
        assert_eq!(version["subresources"]["status"], serde_json::json!({}));
        assert_eq!(
            COLLECTION,
            format!("/apis/{GROUP}/{VERSION}/{PLURAL}"),
            "the collection path agrees with the CRD"
        );
    }

    #[test]
    fn kubectl_get_shows_url_state_charts_and_last_sync() {
        let crd: serde_json::Value = serde_yaml::from_str(CRD_YAML).expect("YAML");
        let columns: Vec<(String, String, String)> =
            crd["spec"]["versions"][0]["additionalPrinterColumns"]
                .as_array()
                .expect("printer columns")
                .iter()
                .map(|c| {
                    let text = |key: &str| c[key].as_str().unwrap_or_default().to_string();
                    (text("name"), text("type"), text("jsonPath"))
                })
                .collect();
        let expected = [
            ("URL", "string", ".spec.url"),
            ("State", "string", ".status.state"),
            ("Charts", "integer", ".status.charts"),
            ("Last Sync", "date", ".status.lastSync"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
        assert_eq!(columns, expected);
    }

    #[test]
    fn the_schema_keeps_every_field_with_its_validation_and_description() {
        let crd: serde_json::Value = serde_yaml::from_str(CRD_YAML).expect("YAML");
        let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        assert_eq!(schema["required"], serde_json::json!(["spec"]));
        let spec = &schema["properties"]["spec"];
        assert_eq!(spec["required"], serde_json::json!(["url"]));
        let field = |name: &str| &spec["properties"][name];
        assert_eq!(field("url")["pattern"], "^(https?|oci)://.+");
        assert_eq!(field("interval")["type"], "string");
        assert_eq!(field("interval")["pattern"], "^([0-9]+(s|m|h))+$");
        assert_eq!(field("plainHttp")["type"], "boolean");
        for secret in ["secretRef", "caSecretRef"] {
            assert_eq!(
                field(secret)["required"],
                serde_json::json!(["name", "namespace"]),
                "{secret}"
            );
        }
        for name in ["url", "interval", "plainHttp", "secretRef", "caSecretRef"] {
            let description = field(name)["description"].as_str().unwrap_or_default();
            assert!(
                !description.is_empty() && !description.contains('\n'),
                "{name}: {description:?}"
            );
        }
        let status = &schema["properties"]["status"]["properties"];
        assert_eq!(
            status["state"]["enum"],
            serde_json::json!(["pending", "syncing", "ok", "error"])
        );
        assert_eq!(status["lastSync"]["format"], "date-time");
        assert_eq!(status["charts"]["type"], "integer");
        assert_eq!(status["charts"]["minimum"], 0.0);
        assert!(
            !CRD_YAML.contains("format: uint"),
            "API servers warn about unsigned formats"
        );
        assert_eq!(status["message"]["type"], "string");
    }
}
