//! Checks made before running helm, with messages a person can act on.

use serde::Serialize;

/// Helm refuses longer release names (they end up in labels and Secret names).
pub const MAX_RELEASE_NAME: usize = 53;

/// A problem with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn dns_label_problem(value: &str, max: usize) -> Option<String> {
    if value.is_empty() {
        return Some("is required".into());
    }
    if value.len() > max {
        return Some(format!(
            "is {} characters long; at most {max} are allowed",
            value.len()
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some("may contain only lowercase letters, digits and '-'".into());
    }
    if !value.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !value.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Some("must start and end with a letter or digit".into());
    }
    None
}

/// Helm's release-name rules: a lowercase RFC 1123 label of at most 53 characters.
pub fn release_name(name: &str) -> Option<FieldError> {
    dns_label_problem(name, MAX_RELEASE_NAME)
        .map(|problem| FieldError::new("name", format!("the release name {problem}")))
}

/// A namespace name: a lowercase RFC 1123 label of at most 63 characters.
pub fn namespace(name: &str) -> Option<FieldError> {
    dns_label_problem(name, 63)
        .map(|problem| FieldError::new("namespace", format!("the namespace {problem}")))
}

/// A name of a cluster-scoped object such as a ChartRepository (a label, to keep it simple and
/// usable in URLs).
pub fn object_name(field: &str, name: &str) -> Option<FieldError> {
    dns_label_problem(name, 63).map(|problem| FieldError::new(field, format!("the name {problem}")))
}

/// Values must be a YAML mapping (or empty); the error names the line.
pub fn values(yaml: &str) -> Result<serde_json::Value, FieldError> {
    if yaml.trim().is_empty() {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    let value = wheelhouse_model::yaml::parse(yaml).map_err(|e| {
        let at = match (e.line(), e.column()) {
            (Some(line), Some(column)) => format!(" at line {line}, column {column}"),
            _ => String::new(),
        };
        FieldError::new("values", format!("the values are not valid YAML{at}: {e}"))
    })?;
    match value {
        serde_json::Value::Object(_) => Ok(value),
        serde_json::Value::Null => Ok(serde_json::Value::Object(serde_json::Map::new())),
        _ => Err(FieldError::new(
            "values",
            "the values must be a YAML mapping (key: value lines)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_follow_helms_rules() {
        assert_eq!(release_name("shop-web-1"), None);
        for bad in [
            "",
            "Shop",
            "shop_web",
            "-shop",
            "shop-",
            "shop.web",
            &"a".repeat(54),
        ] {
            assert!(release_name(bad).is_some(), "{bad:?} should be refused");
        }
        assert!(release_name(&"a".repeat(53)).is_none());
        let error = release_name("Web").expect("refused");
        assert_eq!(error.field, "name");
        assert!(error.message.contains("lowercase"), "{}", error.message);
    }

    #[test]
    fn values_must_be_a_yaml_mapping_and_errors_name_the_line() {
        assert_eq!(values("").expect("empty is fine"), serde_json::json!({}));
        assert_eq!(values("replicas: 2\n").expect("mapping")["replicas"], 2);
        let error = values("a: 1\nb: [unclosed\n").expect_err("bad yaml");
        assert!(error.message.contains("line"), "{}", error.message);
        assert!(values("- a\n- b\n").is_err());
    }

    #[test]
    fn values_that_would_expand_without_end_are_refused_with_the_reason() {
        let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..=8 {
            let aliases = vec![format!("*l{}", level - 1); 10].join(", ");
            text.push_str(&format!("l{level}: &l{level} [{aliases}]\n"));
        }
        let error = values(&text).expect_err("refused");
        assert!(
            error.message.contains("anchors and aliases"),
            "{}",
            error.message
        );
    }
}
