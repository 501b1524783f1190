//! Paths of the API server built by hand, for calls generic over kinds: every name and namespace
//! %-encoded as a segment, every query value encoded, so nothing in one can become path syntax.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::discovery::KindInfo;

/// What stays as it is in a path segment: RFC 3986's unreserved characters and `:` (services
/// name ports as `web:80`); everything else is %-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':');

/// A name or namespace as a path segment, %-encoded.
pub fn segment(value: &str) -> Cow<'_, str> {
    utf8_percent_encode(value, SEGMENT).into()
}

/// `/api/v1` or `/apis/{group}/{version}`.
pub fn api_prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

/// The collection path of a kind, in one namespace or (`None`) all.
pub fn collection_path(kind: &KindInfo, namespace: Option<&str>) -> String {
    let prefix = api_prefix(&kind.group, &kind.version);
    match namespace.filter(|_| kind.namespaced) {
        Some(namespace) => format!(
            "{prefix}/namespaces/{}/{}",
            segment(namespace),
            kind.resource
        ),
        None => format!("{prefix}/{}", kind.resource),
    }
}

/// The path of one object; names are checked where they come in (the server's `names::check`) and
/// %-encoded here, so that nothing in one can become path syntax.
pub fn object_path(kind: &KindInfo, namespace: Option<&str>, name: &str) -> String {
    format!("{}/{}", collection_path(kind, namespace), segment(name))
}

/// What stays as it is in a query value: RFC 3986's unreserved characters.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// The object without `metadata.managedFields`.
pub fn without_managed_fields(mut object: Value) -> Value {
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("app=web,tier!=db"), "app%3Dweb%2Ctier%21%3Ddb");
    }

    #[test]
    fn segments_keep_unreserved_characters_and_colons() {
        assert_eq!(segment("web-1.v2"), "web-1.v2");
        assert_eq!(segment("web:80"), "web:80");
        assert_eq!(segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
    }
}
