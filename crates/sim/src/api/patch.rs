//! Applies JSON patches, JSON merge patches and strategic merge patches to objects.
//!
//! The strategic merge patch covers what kubectl sends for built-in kinds: lists merged by key
//! (containers by `name`, ports by `containerPort` or `port`, volumes, volumeMounts by
//! `mountPath`, env, conditions by `type`, ownerReferences by `uid`…), primitive lists merged
//! as sets (finalizers), `$patch: delete|replace|merge`, `$retainKeys`, `$deleteFromPrimitiveList/…`
//! and `$setElementOrder/…` directives. Lists without a known merge key are replaced whole, as
//! kube does for atomic lists.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// How a PATCH body is to be read, from its Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902)
    Json,
    /// `application/merge-patch+json` (RFC 7386)
    Merge,
    /// `application/strategic-merge-patch+json`
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply), also `+cbor` is not supported
    Apply,
}

impl PatchType {
    /// The patch type of a Content-Type header, or `None` when it is not a patch type.
    pub fn from_content_type(content_type: &str) -> Option<PatchType> {
        let media = content_type.split(';').next().unwrap_or("").trim();
        match media {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

/// Applies an RFC 6902 JSON patch.
pub fn json_patch(target: &Value, patch: &Value) -> Result<Value> {
    let patch: json_patch::Patch = serde_json::from_value(patch.clone()).map_err(|e| {
        Error::bad_request(format!(
            "the server rejected our request due to an error in our request: {e}"
        ))
    })?;
    let mut doc = target.clone();
    json_patch::patch(&mut doc, &patch).map_err(|e| Error::Invalid {
        kind: String::new(),
        name: String::new(),
        causes: vec![crate::error::Cause {
            reason: "FieldValueInvalid".into(),
            message: e.to_string(),
            field: String::new(),
        }],
    })?;
    Ok(doc)
}

/// Applies an RFC 7386 JSON merge patch.
pub fn merge_patch(target: &Value, patch: &Value) -> Value {
    let mut doc = target.clone();
    json_patch::merge(&mut doc, patch);
    doc
}

/// The merge key of a list field, given the names of the fields from the root to it.
/// `None` means the list is atomic (replaced whole) unless it holds primitives with a merge
/// strategy (see [`is_primitive_set`]).
pub fn merge_key(path: &[&str]) -> Option<&'static str> {
    let field = *path.last()?;
    let under = |name: &str| path.iter().rev().skip(1).any(|p| *p == name);
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "secrets"
        | "resourceClaims"
        | "schedulingGates" => "name",
        "readinessGates" => "conditionType",
        "ports" => {
            if under("containers") || under("initContainers") || under("ephemeralContainers") {
                "containerPort"
            } else {
                "port"
            }
        }
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "taints" if under("spec") => "key",
        "containerStatuses" | "initContainerStatuses" | "ephemeralContainerStatuses" => "name",
        "podIPs" | "hostIPs" => "ip",
        "addresses" if under("status") => "type",
        _ => return None,
    })
}

/// Primitive lists that kube merges as sets rather than replacing.
pub fn is_primitive_set(path: &[&str]) -> bool {
    matches!(path.last(), Some(&"finalizers"))
}

/// Applies a strategic merge patch to `target`.
pub fn strategic_merge(target: &Value, patch: &Value) -> Result<Value> {
    let mut path = Vec::new();
    merge_value(target, patch, &mut path)
}

fn merge_value(target: &Value, patch: &Value, path: &mut Vec<String>) -> Result<Value> {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => merge_map(t, p, path).map(Value::Object),
        (_, Value::Object(p)) => merge_map(&Map::new(), p, path).map(Value::Object),
        (_, other) => Ok(other.clone()),
    }
}

fn merge_map(
    target: &Map<String, Value>,
    patch: &Map<String, Value>,
    path: &mut Vec<String>,
) -> Result<Map<String, Value>> {
    match patch.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut out = patch.clone();
            out.remove("$patch");
            return Ok(strip_directives(out));
        }
        Some("delete") => return Ok(Map::new()),
        Some("merge") | None => {}
        Some(other) => {
            return Err(Error::bad_request(format!(
                "unknown patch type {other:?} in $patch"
            )));
        }
    }
    let mut out = target.clone();
    if let Some(Value::Array(keep)) = patch.get("$retainKeys") {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        out.retain(|k, _| keep.contains(&k.as_str()) || patch.contains_key(k));
    }
    // Deletions from primitive lists first.
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/")
            && let (Some(Value::Array(current)), Value::Array(remove)) = (out.get_mut(field), value)
        {
            current.retain(|v| !remove.contains(v));
        }
    }
    for (key, value) in patch {
        if key.starts_with('$') {
            continue;
        }
        if value.is_null() {
            out.remove(key);
            continue;
        }
        path.push(key.clone());
        let owned_names = path.clone();
        let names: Vec<&str> = owned_names.iter().map(String::as_str).collect();
        let merged = match (out.get(key), value) {
            (Some(Value::Array(current)), Value::Array(items)) => {
                let order = patch
                    .get(&format!("$setElementOrder/{key}"))
                    .and_then(Value::as_array);
                merge_list(current, items, &names, order, path)?
            }
            (None, Value::Array(items)) => {
                // Nothing to merge into: drop directive entries, keep the rest.
                Value::Array(
                    items
                        .iter()
                        .filter(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"))
                        .map(|i| match i {
                            Value::Object(m) => Value::Object(strip_directives(m.clone())),
                            other => other.clone(),
                        })
                        .collect(),
                )
            }
            (Some(current), Value::Object(_)) => merge_value(current, value, path)?,
            (None, Value::Object(p)) => Value::Object(strip_directives_deep(p)),
            _ => value.clone(),
        };
        path.pop();
        out.insert(key.clone(), merged);
    }
    Ok(out)
}

fn strip_directives(mut map: Map<String, Value>) -> Map<String, Value> {
    map.retain(|k, _| !k.starts_with('$'));
    map
}

fn strip_directives_deep(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| {
            let v = match v {
                Value::Object(m) => Value::Object(strip_directives_deep(m)),
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

fn merge_list(
    current: &[Value],
    items: &[Value],
    names: &[&str],
    order: Option<&Vec<Value>>,
    path: &mut Vec<String>,
) -> Result<Value> {
    // `[{"$patch": "replace"}, ...]` replaces the whole list.
    if items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        let rest = items
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .collect();
        return Ok(Value::Array(rest));
    }
    if is_primitive_set(names) {
        let mut out: Vec<Value> = current.to_vec();
        for item in items {
            if !out.contains(item) {
                out.push(item.clone());
            }
        }
        return Ok(Value::Array(order_by(out, order, None)));
    }
    let Some(key) = merge_key(names) else {
        return Ok(Value::Array(items.to_vec()));
    };
    let key_of = |v: &Value| v.get(key).cloned();
    let mut out: Vec<Value> = current.to_vec();
    for item in items {
        let Some(k) = key_of(item) else {
            // No merge key in the patch item: kube rejects this; be lenient and append.
            out.push(item.clone());
            continue;
        };
        let position = out
            .iter()
            .position(|c| key_of(c).as_ref() == Some(&k) && same_protocol(c, item, key));
        let directive = item.get("$patch").and_then(Value::as_str);
        match (position, directive) {
            (Some(i), Some("delete")) => {
                out.remove(i);
            }
            (None, Some("delete")) => {}
            (Some(i), _) => {
                let merged = merge_value(&out[i], item, path)?;
                out[i] = merged;
            }
            (None, _) => {
                let mut fresh = item.clone();
                if let Value::Object(m) = &mut fresh {
                    *m = strip_directives_deep(m);
                }
                out.push(fresh);
            }
        }
    }
    Ok(Value::Array(order_by(out, order, Some(key))))
}

/// Container ports and service ports are keyed by port *and* protocol in kube.
fn same_protocol(a: &Value, b: &Value, key: &str) -> bool {
    if key != "containerPort" && key != "port" {
        return true;
    }
    let proto = |v: &Value| {
        v.get("protocol")
            .and_then(Value::as_str)
            .unwrap_or("TCP")
            .to_string()
    };
    b.get("protocol").is_none() || proto(a) == proto(b)
}

/// Orders a merged list as `$setElementOrder` says; items it does not name keep their place at the end.
fn order_by(items: Vec<Value>, order: Option<&Vec<Value>>, key: Option<&str>) -> Vec<Value> {
    let Some(order) = order else { return items };
    let id = |v: &Value| -> Value {
        match key {
            Some(k) => v.get(k).cloned().unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    let wanted: Vec<Value> = order.iter().map(&id).collect();
    let mut ordered: Vec<Value> = Vec::with_capacity(items.len());
    let mut rest = items;
    for w in &wanted {
        if let Some(i) = rest.iter().position(|v| id(v) == *w) {
            ordered.push(rest.remove(i));
        }
    }
    ordered.extend(rest);
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}],
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "sidecar", "image": "busybox"}
        ]}}}})
    }

    #[test]
    fn containers_are_merged_by_name() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}});
        let out = strategic_merge(&deployment(), &patch).expect("patch");
        let containers = out
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array)
            .expect("containers");
        assert_eq!(containers.len(), 2, "the sidecar stays");
        assert_eq!(containers[0]["image"], "nginx:1.28");
        assert_eq!(
            containers[0]["ports"][0]["containerPort"], 80,
            "other fields of the container stay"
        );
    }

    #[test]
    fn patch_delete_directive_removes_a_list_item() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}});
        let out = strategic_merge(&deployment(), &patch).expect("patch");
        assert_eq!(
            out.pointer("/spec/template/spec/containers")
                .and_then(Value::as_array)
                .map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn env_is_merged_by_name_and_null_removes_a_field() {
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx",
            "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]}}}});
        let out = strategic_merge(&deployment(), &patch).expect("patch");
        let env = &out
            .pointer("/spec/template/spec/containers/0/env")
            .cloned()
            .expect("env");
        assert_eq!(
            env,
            &json!([{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}])
        );
        let out = strategic_merge(&out, &json!({"spec": {"template": null}})).expect("patch");
        assert!(out["spec"].get("template").is_none());
    }

    #[test]
    fn set_element_order_reorders_the_merged_list() {
        let patch = json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "nginx"}],
            "containers": [{"name": "nginx", "image": "nginx:1.29"}]}}}});
        let out = strategic_merge(&deployment(), &patch).expect("patch");
        assert_eq!(
            out.pointer("/spec/template/spec/containers/0/name"),
            Some(&json!("sidecar"))
        );
        assert!(
            out.pointer("/spec/template/spec/$setElementOrder/containers")
                .is_none()
        );
    }

    #[test]
    fn atomic_lists_are_replaced_and_finalizers_are_merged_as_a_set() {
        let target = json!({"metadata": {"finalizers": ["a"]}, "spec": {"args": ["x", "y"]}});
        let patch = json!({"metadata": {"finalizers": ["b"]}, "spec": {"args": ["z"]}});
        let out = strategic_merge(&target, &patch).expect("patch");
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "b"]));
        assert_eq!(out["spec"]["args"], json!(["z"]));
    }

    #[test]
    fn replace_directive_replaces_a_map() {
        let target = json!({"spec": {"selector": {"a": "1", "b": "2"}}});
        let patch = json!({"spec": {"selector": {"$patch": "replace", "c": "3"}}});
        assert_eq!(
            strategic_merge(&target, &patch).expect("patch")["spec"]["selector"],
            json!({"c": "3"})
        );
    }

    #[test]
    fn json_patch_applies_operations_and_reports_a_failed_test() {
        let target = json!({"data": {"a": "1"}});
        let out = json_patch(
            &target,
            &json!([{"op": "add", "path": "/data/b", "value": "2"}]),
        )
        .expect("patch");
        assert_eq!(out["data"]["b"], "2");
        assert!(
            json_patch(
                &target,
                &json!([{"op": "test", "path": "/data/a", "value": "9"}])
            )
            .is_err()
        );
        assert_eq!(
            json_patch(&target, &json!({"op": "add"}))
                .expect_err("not a list")
                .code(),
            400
        );
    }

    #[test]
    fn merge_patch_replaces_lists_and_removes_nulls() {
        let target = json!({"data": {"a": "1", "b": "2"}, "list": [1, 2]});
        let out = merge_patch(&target, &json!({"data": {"a": null}, "list": [3]}));
        assert_eq!(out, json!({"data": {"b": "2"}, "list": [3]}));
    }
}
