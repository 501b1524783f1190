//! Names and namespaces as path segments. kube puts a name into a path as it is given, so every
//! name and namespace goes to kube %-encoded: nothing in one can become path or query syntax.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_unreserved_characters_and_colons() {
        assert_eq!(segment("web-1.v2"), "web-1.v2");
        assert_eq!(segment("web:80"), "web:80");
        assert_eq!(segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
    }
}
