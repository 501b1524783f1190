//! The `ChartRepository` custom resource: its definition (shipped with Wheelhouse) and its spec.

use std::time::Duration;

use serde::Deserialize;

use crate::repository::SecretRef;

/// The CustomResourceDefinition, as YAML (also what `kubectl apply -f` takes).
pub const CRD_YAML: &str = include_str!("../crds/chartrepository.yaml");
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

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartRepositorySpec {
    pub url: String,
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default)]
    pub plain_http: bool,
    #[serde(default)]
    pub secret_ref: Option<SecretRef>,
    /// A Secret whose `ca.crt` holds CA certificates (PEM) trusted for this repository besides
    /// the system's roots, like helm's `--ca-file`.
    #[serde(default)]
    pub ca_secret_ref: Option<SecretRef>,
}

/// `1h`, `30m`, `1h30m`, `90s`.
pub fn parse_interval(text: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
    }
    if !number.is_empty() || total == 0 {
        return None;
    }
    Some(Duration::from_secs(total))
}

/// The interval of a spec: its own (at least a minute), else an hour.
pub fn interval_of(spec: &ChartRepositorySpec) -> Duration {
    spec.interval
        .as_deref()
        .and_then(parse_interval)
        .map_or(DEFAULT_INTERVAL, |i| i.max(MIN_INTERVAL))
}

/// Seconds as a spec's interval text.
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

    #[test]
    fn intervals_parse_like_go_durations() {
        assert_eq!(parse_interval("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_interval("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_interval("45s"), Some(Duration::from_secs(45)));
        assert_eq!(parse_interval("10"), None);
        assert_eq!(parse_interval("1d"), None);
        assert_eq!(format_interval(5400), "90m");
        let spec = ChartRepositorySpec {
            url: "https://x".into(),
            interval: Some("5s".into()),
            plain_http: false,
            secret_ref: None,
            ca_secret_ref: None,
        };
        assert_eq!(interval_of(&spec), MIN_INTERVAL);
    }

    #[test]
    fn the_crd_is_cluster_scoped_in_wheelhouse_dev() {
        let crd: serde_json::Value = serde_yaml::from_str(CRD_YAML).expect("YAML");
        assert_eq!(crd["metadata"]["name"], CRD_NAME);
        assert_eq!(crd["spec"]["scope"], "Cluster");
        assert_eq!(crd["spec"]["group"], GROUP);
        assert_eq!(crd["spec"]["versions"][0]["name"], VERSION);
    }
}
