//! The names kube-apiserver accepts for each kind (DNS-1123 subdomains, labels or path
//! segments), and the random suffixes of generated names.

use super::GroupResource;
use crate::error::{Cause, Error, Result};

/// Five characters from the alphabet kube uses for generated names (no vowels, no lookalikes).
pub(super) fn random_suffix() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/// Whether `s` is a DNS-1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters).
fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Whether `s` is a DNS-1123 subdomain (dot-separated labels, at most 253 characters).
fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns1123_label)
}

/// Names of most kinds must be DNS-1123 subdomains; namespaces, services and a few others
/// must be labels; RBAC and events accept path segments.
pub(super) fn validate_name(kind: &str, gr: &GroupResource, name: &str) -> Result<()> {
    let label_kinds = ["namespaces", "services"];
    let path_segment_kinds = [
        "roles",
        "clusterroles",
        "rolebindings",
        "clusterrolebindings",
        "events",
    ];
    if path_segment_kinds.contains(&gr.resource.as_str()) {
        if name.contains('/') || name.contains('%') || name == "." || name == ".." {
            return Err(Error::invalid(
                kind,
                name,
                Cause::invalid("metadata.name", name, "may not contain '/' or '%'"),
            ));
        }
        return Ok(());
    }
    if label_kinds.contains(&gr.resource.as_str()) && gr.group.is_empty() {
        if !is_dns1123_label(name) {
            return Err(Error::invalid(
                kind,
                name,
                Cause::invalid("metadata.name", name, DNS1123_LABEL_MSG),
            ));
        }
        return Ok(());
    }
    if !is_dns1123_subdomain(name) {
        return Err(Error::invalid(
            kind,
            name,
            Cause::invalid("metadata.name", name, DNS1123_SUBDOMAIN_MSG),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::storage::Store;
    use crate::storage::fixtures::{cm, cms};
    use serde_json::Value;

    #[test]
    fn an_invalid_name_is_rejected_with_the_kube_message() {
        let store = Store::new();
        let err = store
            .create(&cms(), true, cm("a", "Bad_Name"))
            .expect_err("invalid");
        let reference: Value = crate::reference::json("kube-apiserver/error-invalid.json");
        assert_eq!(err.to_status(), reference);
    }
}
