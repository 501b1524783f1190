//! Names and namespaces from outside, checked before they become part of an API server path.
//!
//! A name reaches an API path from the URL (`/api/v1/resources/…/{name}`), from a query
//! (`?namespace=`) or from a body (`metadata.name` of an applied document). The API server's rule
//! for names in paths is simple — not `.` or `..`, no `/` and no `%` — and anything that breaks it
//! could make the API server read another path than the one Wheelhouse checked (`..` climbing to
//! the collection, `%2F` adding a segment). So: the paths of requests are checked once, in front
//! of every API route ([`guard`]); names from queries and bodies are checked where they are read
//! ([`check`]); and path segments are %-encoded where paths are built
//! ([`wheelhouse_cluster::calls::segment`]).

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use crate::error::AppError;

/// Why a path segment or a name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadSegment {
    /// `.` or `..`, or empty.
    Dots,
    /// An encoded `/` or `\`, a control character, or a broken %-escape.
    Encoding,
}

/// One segment of a request path, %-decoded; refuses what would change the path's shape.
pub fn decode_segment(segment: &str) -> Result<String, BadSegment> {
    let bytes = segment.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        if *byte == b'%'
            && !(bytes.get(index + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(index + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err(BadSegment::Encoding);
        }
    }
    let decoded = percent_decode_str(segment)
        .decode_utf8()
        .map_err(|_| BadSegment::Encoding)?;
    if decoded.contains(['/', '\\']) || decoded.chars().any(char::is_control) {
        return Err(BadSegment::Encoding);
    }
    if decoded.is_empty() || decoded == "." || decoded == ".." {
        return Err(BadSegment::Dots);
    }
    Ok(decoded.into_owned())
}

/// Checks a name or namespace by the API server's rule for path segments; `what` says which
/// ("namespace", "name") in the message.
pub fn check(what: &str, value: &str) -> Result<(), AppError> {
    let valid = !value.is_empty()
        && value != "."
        && value != ".."
        && !value.contains(['/', '%', '\\'])
        && !value.chars().any(char::is_control);
    if valid {
        Ok(())
    } else {
        Err(AppError::bad_request(format!(
            "{value:?} is not a valid {what}: a {what} may not be empty, `.` or `..`, or contain `/`, `\\` or `%`"
        )))
    }
}

/// Refuses API requests whose path has a `.`, `..` or empty segment, an encoded slash or a broken
/// escape, before any route reads its parameters.
pub async fn guard(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if let Some(inner) = path.strip_prefix("/api/") {
        let segments: Vec<&str> = inner.split('/').collect();
        let last = segments.len() - 1;
        for (index, segment) in segments.iter().enumerate() {
            // A trailing slash is harmless; the routes do not have one.
            if index == last && segment.is_empty() {
                break;
            }
            if let Err(bad) = decode_segment(segment) {
                return refusal(&bad, segment).into_response();
            }
        }
    }
    next.run(request).await
}

/// The answer to a refused segment.
pub fn refusal(bad: &BadSegment, segment: &str) -> AppError {
    match bad {
        BadSegment::Dots => AppError::bad_request(
            "the request path has a `.`, `..` or empty segment; send paths as Wheelhouse and the API server name them",
        ),
        BadSegment::Encoding => AppError::bad_request(format!(
            "the request path segment {segment:?} holds an encoded slash, a control character or a broken %-escape; names never contain them"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_decode_unless_they_would_change_the_path() {
        assert_eq!(decode_segment("web-1"), Ok("web-1".into()));
        assert_eq!(decode_segment("%65xec"), Ok("exec".into()));
        assert_eq!(decode_segment("web:80"), Ok("web:80".into()));
        for dots in ["", ".", "..", "%2e", "%2E%2e"] {
            assert_eq!(decode_segment(dots), Err(BadSegment::Dots), "{dots:?}");
        }
        for encoded in ["a%2Fb", "a%2fb", "a%5Cb", "a%zz", "a%2", "a%0a", "%ff"] {
            assert_eq!(
                decode_segment(encoded),
                Err(BadSegment::Encoding),
                "{encoded:?}"
            );
        }
    }

    #[test]
    fn names_follow_the_api_servers_rule_for_path_segments() {
        for name in ["web-1", "kube-system", "v1.2.3", "system:masters", "日本"] {
            assert!(check("name", name).is_ok(), "{name}");
        }
        for name in ["", ".", "..", "a/b", "a%2Fb", "a\\b", "a\nb"] {
            let error = check("namespace", name).expect_err(name);
            assert!(
                error.message().contains("not a valid namespace"),
                "{}",
                error.message()
            );
        }
    }
}
