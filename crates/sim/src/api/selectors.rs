//! Parses and matches label selectors and field selectors as kube-apiserver does.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value`, `key==value`
    Equals(String, String),
    /// `key!=value` (also true when the key is absent)
    NotEquals(String, String),
    /// `key in (a,b)`
    In(String, Vec<String>),
    /// `key notin (a,b)` (also true when the key is absent)
    NotIn(String, Vec<String>),
    /// `key`
    Exists(String),
    /// `!key`
    DoesNotExist(String),
}

/// A parsed label selector: all requirements must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses `app=web,tier in (a,b),!legacy`; an empty string selects everything.
    pub fn parse(text: &str) -> Result<LabelSelector> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(part)?);
        }
        Ok(LabelSelector { requirements })
    }

    /// Whether the labels satisfy every requirement.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.requirements.iter().all(|r| match r {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::DoesNotExist(k) => get(k).is_none(),
        })
    }

    /// Whether the selector selects everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn bad(text: &str, why: &str) -> Error {
    Error::bad_request(format!("unable to parse requirement: {why}: {text:?}"))
}

fn check_key(key: &str, whole: &str) -> Result<String> {
    let key = key.trim();
    let valid = !key.is_empty()
        && key.len() <= 317
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if !valid {
        return Err(bad(whole, &format!("invalid label key {key:?}")));
    }
    Ok(key.to_string())
}

fn check_value(value: &str, whole: &str) -> Result<String> {
    let value = value.trim();
    let valid = value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(bad(whole, &format!("invalid label value {value:?}")));
    }
    Ok(value.to_string())
}

fn parse_set(rest: &str, whole: &str) -> Result<Vec<String>> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| bad(whole, "expected a set of values in parentheses"))?;
    inner.split(',').map(|v| check_value(v, whole)).collect()
}

fn parse_requirement(part: &str) -> Result<Requirement> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::DoesNotExist(check_key(key, part)?));
    }
    if let Some((k, v)) = part.split_once("!=") {
        return Ok(Requirement::NotEquals(
            check_key(k, part)?,
            check_value(v, part)?,
        ));
    }
    if let Some((k, v)) = part.split_once("==") {
        return Ok(Requirement::Equals(
            check_key(k, part)?,
            check_value(v, part)?,
        ));
    }
    if let Some((k, v)) = part.split_once('=') {
        return Ok(Requirement::Equals(
            check_key(k, part)?,
            check_value(v, part)?,
        ));
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if words.len() == 2 {
        let key = check_key(words[0], part)?;
        let rest = words[1].trim_start();
        if let Some(set) = rest.strip_prefix("notin") {
            return Ok(Requirement::NotIn(key, parse_set(set, part)?));
        }
        if let Some(set) = rest.strip_prefix("in") {
            return Ok(Requirement::In(key, parse_set(set, part)?));
        }
        return Err(bad(part, "expected one of '=', '==', '!=', 'in', 'notin'"));
    }
    Ok(Requirement::Exists(check_key(part, part)?))
}

/// A parsed field selector: `field=value` and `field!=value` terms, all must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    pub terms: Vec<(String, bool, String)>,
}

impl FieldSelector {
    /// Parses `metadata.name=web,status.phase!=Running`.
    pub fn parse(text: &str) -> Result<FieldSelector> {
        let mut terms = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (field, equal, value) = if let Some((f, v)) = part.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, true, v)
            } else {
                return Err(Error::bad_request(format!(
                    "invalid selector: '{part}'; can't understand '{part}'"
                )));
            };
            terms.push((field.trim().to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector { terms })
    }

    /// Checks that every field is one the resource supports, worded like kube-apiserver.
    pub fn validate(&self, group: &str, resource: &str) -> Result<()> {
        for (field, _, _) in &self.terms {
            if field_value_path(group, resource, field).is_none() {
                return Err(Error::bad_request(format!(
                    "field label not supported: {field}"
                )));
            }
        }
        Ok(())
    }

    /// Whether the object satisfies every term.
    pub fn matches(&self, group: &str, resource: &str, object: &Value) -> bool {
        self.terms.iter().all(|(field, equal, value)| {
            let actual = field_value(group, resource, object, field);
            (actual.as_deref().unwrap_or("") == value) == *equal
        })
    }

    /// Whether the selector selects everything.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// The JSON path a supported field selector reads, per resource.
fn field_value_path(group: &str, resource: &str, field: &str) -> Option<Vec<&'static str>> {
    let path: &[&str] = match field {
        "metadata.name" => &["metadata", "name"],
        "metadata.namespace" => &["metadata", "namespace"],
        _ => match (group, resource, field) {
            ("", "pods", "spec.nodeName") => &["spec", "nodeName"],
            ("", "pods", "spec.restartPolicy") => &["spec", "restartPolicy"],
            ("", "pods", "spec.schedulerName") => &["spec", "schedulerName"],
            ("", "pods", "spec.serviceAccountName") => &["spec", "serviceAccountName"],
            ("", "pods", "status.phase") => &["status", "phase"],
            ("", "pods", "status.podIP") => &["status", "podIP"],
            ("", "pods", "status.nominatedNodeName") => &["status", "nominatedNodeName"],
            ("", "secrets", "type") => &["type"],
            ("", "namespaces", "status.phase") => &["status", "phase"],
            ("", "nodes", "spec.unschedulable") => &["spec", "unschedulable"],
            ("", "events", "involvedObject.kind") => &["involvedObject", "kind"],
            ("", "events", "involvedObject.namespace") => &["involvedObject", "namespace"],
            ("", "events", "involvedObject.name") => &["involvedObject", "name"],
            ("", "events", "involvedObject.uid") => &["involvedObject", "uid"],
            ("", "events", "involvedObject.apiVersion") => &["involvedObject", "apiVersion"],
            ("", "events", "involvedObject.resourceVersion") => {
                &["involvedObject", "resourceVersion"]
            }
            ("", "events", "involvedObject.fieldPath") => &["involvedObject", "fieldPath"],
            ("", "events", "reason") => &["reason"],
            ("", "events", "reportingComponent") => &["reportingComponent"],
            ("", "events", "source") => &["source", "component"],
            ("", "events", "type") => &["type"],
            ("events.k8s.io", "events", "regarding.kind") => &["regarding", "kind"],
            ("events.k8s.io", "events", "regarding.name") => &["regarding", "name"],
            ("events.k8s.io", "events", "regarding.namespace") => &["regarding", "namespace"],
            ("events.k8s.io", "events", "regarding.uid") => &["regarding", "uid"],
            ("events.k8s.io", "events", "reason") => &["reason"],
            ("events.k8s.io", "events", "type") => &["type"],
            ("batch", "jobs", "status.successful") => &["status", "succeeded"],
            ("apps", "replicasets", "status.replicas") => &["status", "replicas"],
            _ => return None,
        },
    };
    Some(path.to_vec())
}

/// The value of a selectable field of an object, as the string kube compares.
pub fn field_value(group: &str, resource: &str, object: &Value, field: &str) -> Option<String> {
    let path = field_value_path(group, resource, field)?;
    let mut v = object;
    for p in path {
        v = v.get(p)?;
    }
    Some(match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn equality_and_inequality_selectors_match_as_kube_does() {
        let l = labels(json!({"app": "web", "tier": "front"}));
        assert!(
            LabelSelector::parse("app=web")
                .expect("parse")
                .matches(Some(&l))
        );
        assert!(
            LabelSelector::parse("app==web,tier=front")
                .expect("parse")
                .matches(Some(&l))
        );
        assert!(
            !LabelSelector::parse("app!=web")
                .expect("parse")
                .matches(Some(&l))
        );
        assert!(
            LabelSelector::parse("missing!=x")
                .expect("parse")
                .matches(Some(&l)),
            "!= holds for an absent key"
        );
    }

    #[test]
    fn set_selectors_handle_in_notin_exists_and_not_exists() {
        let l = labels(json!({"app": "web", "env": "prod"}));
        assert!(
            LabelSelector::parse("env in (prod, staging)")
                .expect("parse")
                .matches(Some(&l))
        );
        assert!(
            !LabelSelector::parse("env notin (prod)")
                .expect("parse")
                .matches(Some(&l))
        );
        assert!(
            LabelSelector::parse("app,!legacy")
                .expect("parse")
                .matches(Some(&l))
        );
        assert!(
            !LabelSelector::parse("legacy")
                .expect("parse")
                .matches(Some(&l))
        );
        assert!(
            LabelSelector::parse("x notin (a)")
                .expect("parse")
                .matches(None),
            "notin holds without labels"
        );
    }

    #[test]
    fn a_malformed_label_selector_is_a_bad_request() {
        let err = LabelSelector::parse("app in web").expect_err("malformed");
        assert_eq!(err.code(), 400);
        assert!(LabelSelector::parse("a b c").is_err());
    }

    #[test]
    fn field_selectors_read_pod_and_event_fields() {
        let pod = json!({"metadata": {"name": "p", "namespace": "n"}, "spec": {"nodeName": "node-1"}, "status": {"phase": "Running"}});
        let sel =
            FieldSelector::parse("spec.nodeName=node-1,status.phase!=Pending").expect("parse");
        assert!(sel.matches("", "pods", &pod));
        let event = json!({"metadata": {"name": "e"}, "involvedObject": {"kind": "Deployment", "name": "web", "uid": "u1"}});
        let sel = FieldSelector::parse("involvedObject.kind=Deployment,involvedObject.uid=u1")
            .expect("parse");
        assert!(sel.matches("", "events", &event));
        let sel = FieldSelector::parse("involvedObject.name=other").expect("parse");
        assert!(!sel.matches("", "events", &event));
    }

    #[test]
    fn an_unsupported_field_is_rejected() {
        let sel = FieldSelector::parse("spec.foo=bar").expect("parse");
        assert_eq!(
            sel.validate("", "pods").expect_err("unsupported").code(),
            400
        );
        assert!(
            FieldSelector::parse("type=Opaque")
                .expect("parse")
                .validate("", "secrets")
                .is_ok()
        );
    }
}
