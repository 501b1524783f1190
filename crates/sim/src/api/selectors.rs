//! The selectors of API requests (lists, watches, deletecollection) as kube-apiserver reads them.
//!
//! Label selectors are parsed and matched by `wheelhouse_model::selector`, the one reading of
//! them in Wheelhouse; this module words their errors as kube-apiserver does. Field selectors are
//! API-server behaviour (which fields each resource supports) and live here.

use serde_json::Value;
use wheelhouse_model::selector::Selector;

use crate::api::http::Call;
use crate::error::{Error, Result};
use crate::storage::{ResourceInfo, StoredObject};

/// The `(label, field)` selectors of a request, validated.
pub fn selectors(call: &Call<'_>) -> Result<(Selector, FieldSelector)> {
    let labels = label_selector(call.param("labelSelector").unwrap_or(""))?;
    let fields = FieldSelector::parse(call.param("fieldSelector").unwrap_or(""))?;
    fields.validate(&call.info.group, &call.info.plural)?;
    Ok((labels, fields))
}

/// Whether an object matches the selectors of a request.
pub fn matches(
    info: &ResourceInfo,
    labels: &Selector,
    fields: &FieldSelector,
    obj: &StoredObject,
) -> bool {
    (labels.is_empty() || labels.matches(&obj.labels()))
        && (fields.is_empty() || fields.matches(&info.group, &info.plural, obj.value()))
}

/// Parses a `labelSelector` parameter (`app=web,tier in (a,b),!legacy`; empty selects
/// everything). A malformed one is a BadRequest, worded as kube-apiserver words it.
pub fn label_selector(text: &str) -> Result<Selector> {
    Selector::parse(text).map_err(|error| match error {
        wheelhouse_model::Error::Selector { position, message } => Error::bad_request(format!(
            "unable to parse requirement: {message} at character {position}: {text:?}"
        )),
        other => Error::bad_request(other.to_string()),
    })
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
    use serde_json::{Map, json};

    fn labels(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn equality_and_inequality_selectors_match_as_kube_does() {
        let l = labels(json!({"app": "web", "tier": "front"}));
        assert!(label_selector("app=web").expect("parse").matches(&l));
        assert!(
            label_selector("app==web,tier=front")
                .expect("parse")
                .matches(&l)
        );
        assert!(!label_selector("app!=web").expect("parse").matches(&l));
        assert!(
            label_selector("missing!=x").expect("parse").matches(&l),
            "!= holds for an absent key"
        );
    }

    #[test]
    fn set_selectors_handle_in_notin_exists_and_not_exists() {
        let l = labels(json!({"app": "web", "env": "prod"}));
        assert!(
            label_selector("env in (prod, staging)")
                .expect("parse")
                .matches(&l)
        );
        assert!(
            !label_selector("env notin (prod)")
                .expect("parse")
                .matches(&l)
        );
        assert!(label_selector("app,!legacy").expect("parse").matches(&l));
        assert!(!label_selector("legacy").expect("parse").matches(&l));
        assert!(
            label_selector("x notin (a)")
                .expect("parse")
                .matches(&Value::Null),
            "notin holds without labels"
        );
    }

    #[test]
    fn a_malformed_label_selector_is_a_bad_request() {
        let err = label_selector("app in web").expect_err("malformed");
        assert_eq!(err.code(), 400);
        assert!(label_selector("a b c").is_err());
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
