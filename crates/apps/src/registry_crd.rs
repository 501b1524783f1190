//! The `ImageRegistry` custom resource (group `wheelhouse.dev`, cluster-scoped): an image
//! registry the console browses, with its login in a Secret. Derived from its Rust type like the
//! ChartRepository (`crates/apps/src/crd.rs`), shipped as `deploy/helm/wheelhouse/crds/imageregistry.yaml`
//! and held equal to it by a test (`WHEELHOUSE_WRITE_CRDS=1 cargo test -p wheelhouse-apps crd`).
//!
//! ```
//! use wheelhouse_apps::registry_crd::ImageRegistrySpec;
//!
//! let spec: ImageRegistrySpec =
//!     serde_json::from_value(serde_json::json!({"url": "http://127.0.0.1:5000", "plainHttp": true}))
//!         .expect("a valid spec");
//! assert!(spec.plain_http);
//! ```

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResource;
use kube::core::CustomResourceExt;
use schemars::JsonSchema;
use schemars::transform::RecursiveTransform;
use serde::{Deserialize, Serialize};

use crate::repository::SecretRef;
use wheelhouse_model::crd::for_kubernetes;

/// The shipped CustomResourceDefinition, held equal to [`crd_yaml`] by a test.
pub const CRD_YAML: &str = include_str!("../../../deploy/helm/wheelhouse/crds/imageregistry.yaml");
pub const CRD_NAME: &str = "imageregistries.wheelhouse.dev";
pub const PLURAL: &str = "imageregistries";
pub const KIND: &str = "ImageRegistry";

const CRD_HEADER: &str = "\
# An image registry the Wheelhouse console browses (the OCI distribution API): its URL, and a
# Secret with its login. Cluster-scoped; credentials stay in a Secret the console reads.
#
# Generated from crates/apps/src/registry_crd.rs (#[derive(CustomResource)]); do not edit by hand:
# WHEELHOUSE_WRITE_CRDS=1 cargo test -p wheelhouse-apps crd
";

/// Where an image registry is and how to log in to it.
#[derive(CustomResource, Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[kube(
    group = "wheelhouse.dev",
    version = "v1alpha1",
    kind = "ImageRegistry",
    plural = "imageregistries",
    shortname = "imagereg",
    label("app.kubernetes.io/part-of", "wheelhouse"),
    doc = "An image registry the Wheelhouse console browses (the OCI distribution API). Cluster-scoped; credentials stay in a Secret the console reads.",
    printcolumn(name = "URL", type_ = "string", json_path = ".spec.url"),
    printcolumn(name = "Plain HTTP", type_ = "boolean", json_path = ".spec.plainHttp")
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = RecursiveTransform(for_kubernetes))]
pub struct ImageRegistrySpec {
    /// https://host[:port] of the registry's API (http:// only with plainHttp: true)
    #[schemars(pattern(r"^https?://.+"))]
    pub url: String,
    /// Plain HTTP, said explicitly: the registry is reached over http:// and its login (if any)
    /// crosses the network unencrypted; without it an http:// URL is refused
    #[serde(default)]
    pub plain_http: bool,
    /// A Secret with keys username and password (a token is a password), in the namespace
    /// Wheelhouse reads credentials from (--credentials-namespace; a Secret elsewhere is refused
    /// and never read)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<SecretRef>,
}

/// The CustomResourceDefinition the types derive.
pub fn definition() -> CustomResourceDefinition {
    ImageRegistry::crd()
}

/// The CustomResourceDefinition as the shipped file has it: a comment, then the YAML.
pub fn crd_yaml() -> String {
    let yaml = serde_yaml::to_string(&definition())
        .unwrap_or_else(|error| format!("# the CRD does not serialize: {error}\n"));
    format!("{CRD_HEADER}{yaml}")
}

/// Why a registry URL cannot be used as written, if it cannot: it must be `https://host[:port]`,
/// or `http://` when the registry says `plainHttp: true` (tokens and passwords would otherwise
/// cross the network in clear without anyone having said so).
pub fn url_problem(url: &str, plain_http: bool) -> Option<String> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !plain_http {
            return Some(format!(
                "{url} is plain http://: set plainHttp: true to reach a registry without TLS (a local or trusted-network registry), or use https://"
            ));
        }
        rest
    } else {
        return Some("the URL must start with https:// (or http:// with plainHttp: true)".into());
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || rest.chars().any(char::is_whitespace) {
        return Some("the URL has no host, or contains spaces".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_image_registry_crd_file_is_what_the_types_derive() {
        wheelhouse_model::crd::check_shipped(
            "wheelhouse-apps",
            "imageregistry.yaml",
            CRD_YAML,
            &crd_yaml(),
            "crates/apps/src/registry_crd.rs",
        );
    }

    #[test]
    fn the_image_registry_crd_is_cluster_scoped_in_wheelhouse_dev() {
        let crd: serde_json::Value = serde_yaml::from_str(CRD_YAML).expect("YAML");
        assert_eq!(crd["metadata"]["name"], CRD_NAME);
        assert_eq!(crd["spec"]["scope"], "Cluster");
        assert_eq!(crd["spec"]["group"], crate::crd::GROUP);
        assert_eq!(crd["spec"]["names"]["kind"], KIND);
        let spec = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
        assert_eq!(spec["required"], serde_json::json!(["url"]));
        assert_eq!(spec["properties"]["url"]["pattern"], "^https?://.+");
    }

    #[test]
    fn plain_http_registries_must_say_so() {
        assert_eq!(url_problem("https://registry.example", false), None);
        assert_eq!(url_problem("http://127.0.0.1:5000", true), None);
        let problem = url_problem("http://127.0.0.1:5000", false).expect("refused");
        assert!(problem.contains("plainHttp: true"), "{problem}");
        assert!(url_problem("oci://x", true).is_some());
        assert!(url_problem("https://", false).is_some());
    }
}
