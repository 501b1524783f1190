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

/// What is wrong with `value` as an RFC 1123 label (`dots: false`) or subdomain (`dots: true`,
/// labels joined by dots) of at most `max` characters.
fn name_problem(value: &str, max: usize, dots: bool) -> Option<String> {
    if value.is_empty() {
        return Some("is required".into());
    }
    if value.len() > max {
        return Some(format!(
            "is {} characters long; at most {max} are allowed",
            value.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if !value.chars().all(|c| allowed(c) || (dots && c == '.')) {
        return Some(if dots {
            "may contain only lowercase letters, digits, '-' and '.'".into()
        } else {
            "may contain only lowercase letters, digits and '-'".into()
        });
    }
    let starts_and_ends_well = |part: &str| {
        part.starts_with(|c: char| c.is_ascii_alphanumeric())
            && part.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    if !starts_and_ends_well(value) {
        return Some("must start and end with a letter or digit".into());
    }
    if !value.split('.').all(starts_and_ends_well) {
        return Some(
            "must have each part between dots start and end with a letter or digit".into(),
        );
    }
    None
}

fn dns_label_problem(value: &str, max: usize) -> Option<String> {
    name_problem(value, max, false)
}

/// Helm's release-name rule: an RFC 1123 subdomain (lowercase labels of letters, digits and `-`,
/// joined by dots) of at most 53 characters. The table in `web/src/lib/apps/releaseNames.json`
/// is shared with the install form and checked against the real helm.
pub fn release_name(name: &str) -> Option<FieldError> {
    name_problem(name, MAX_RELEASE_NAME, true)
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

    /// The table the install form and the real helm are held to as well.
    fn release_names() -> (Vec<String>, Vec<String>) {
        let table: serde_json::Value =
            serde_json::from_str(include_str!("../../../web/src/lib/apps/releaseNames.json"))
                .expect("the table is JSON");
        let names = |key: &str| -> Vec<String> {
            serde_json::from_value(table[key].clone()).expect("a list of names")
        };
        (names("valid"), names("invalid"))
    }

    #[test]
    fn release_names_follow_helms_rules() {
        let (valid, invalid) = release_names();
        assert!(valid.len() >= 5 && invalid.len() >= 5);
        for good in &valid {
            assert_eq!(release_name(good), None, "{good:?} should be accepted");
        }
        for bad in &invalid {
            assert!(release_name(bad).is_some(), "{bad:?} should be refused");
        }
        let error = release_name("Web").expect("refused");
        assert_eq!(error.field, "name");
        assert!(error.message.contains("lowercase"), "{}", error.message);
        let error = release_name("shop..v2").expect("refused");
        assert!(error.message.contains("between dots"), "{}", error.message);
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
