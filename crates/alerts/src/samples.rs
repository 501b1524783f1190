//! The sample rules Wheelhouse installs (`deploy/helm/wheelhouse/files/sample-alert-rules.yaml`,
//! which the chart templates and the demo cluster reads too).

use crate::crd::AlertRuleSpec;

pub const SAMPLE_RULES_YAML: &str =
    include_str!("../../../deploy/helm/wheelhouse/files/sample-alert-rules.yaml");

#[derive(serde::Deserialize)]
struct Sample {
    name: String,
    spec: AlertRuleSpec,
}

/// Each sample rule's name and spec; a document that does not parse is an error naming it.
pub fn sample_rules() -> Result<Vec<(String, AlertRuleSpec)>, String> {
    serde_yaml::Deserializer::from_str(SAMPLE_RULES_YAML)
        .enumerate()
        .map(|(i, document)| {
            // Through JSON: serde_yaml reads an enum only from a YAML tag, not a one-key map.
            let value: serde_json::Value = serde::Deserialize::deserialize(document)
                .map_err(|e| format!("sample rule {} is not YAML: {e}", i + 1))?;
            serde_json::from_value(value)
                .map(|s: Sample| (s.name, s.spec))
                .map_err(|e| format!("sample rule {} does not parse: {e}", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_rule_is_a_valid_rule() {
        let rules = sample_rules().expect("the samples parse");
        let names: Vec<&str> = rules.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "crash-looping-pods",
                "node-not-ready",
                "memory-near-limit",
                "job-failed",
                "certificate-expiring"
            ]
        );
        assert!(rules.iter().all(|(_, spec)| spec.enabled));
    }
}
