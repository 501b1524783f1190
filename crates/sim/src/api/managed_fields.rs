//! Tracks field ownership (`metadata.managedFields`, FieldsV1) and performs server-side apply.
//!
//! Field sets are kept as sets of paths; a path element is `f:<field>`, `k:<merge key JSON>` for
//! items of keyed lists, or `v:<value JSON>` for items of primitive sets, as in FieldsV1. This is
//! simpler than structured-merge-diff (no schema, no unions, lists typed by the merge-key table
//! of [`crate::api::patch`]) but gives helm v4 and `kubectl apply --server-side` what they check:
//! ownership per manager, conflicts between managers, `force`, and removal of fields a manager
//! stopped applying.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::api::patch::{is_primitive_set, merge_key};
use crate::error::{Cause, Error, Result};
use crate::storage::now_rfc3339;

/// A path of FieldsV1 elements.
pub type FieldPath = Vec<String>;

/// Fields a manager owns: leaves and the nodes above them that the manager set itself.
pub type FieldSet = BTreeSet<FieldPath>;

/// Top-level metadata fields that are tracked (the rest are the server's).
const TRACKED_METADATA: &[&str] = &["labels", "annotations", "ownerReferences", "finalizers"];

/// The leaf paths of an object, as a field set.
pub fn field_set(value: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            match k.as_str() {
                "apiVersion" | "kind" => {}
                "metadata" => {
                    if let Some(meta) = v.as_object() {
                        for (mk, mv) in meta
                            .iter()
                            .filter(|(mk, _)| TRACKED_METADATA.contains(&mk.as_str()))
                        {
                            let path = vec!["f:metadata".to_string(), format!("f:{mk}")];
                            walk(mv, &path, &["metadata", mk], &mut set);
                        }
                    }
                }
                _ => walk(v, &[format!("f:{k}")], &[k], &mut set),
            }
        }
    }
    set
}

fn walk(value: &Value, path: &[String], names: &[&str], set: &mut FieldSet) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let mut p = path.to_vec();
                p.push(format!("f:{k}"));
                let mut n = names.to_vec();
                n.push(k);
                walk(v, &p, &n, set);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            if let Some(key) = merge_key(names) {
                for item in items {
                    let mut p = path.to_vec();
                    p.push(item_key(item, key));
                    set.insert(p.clone());
                    if let Some(map) = item.as_object() {
                        for (k, v) in map {
                            let mut q = p.clone();
                            q.push(format!("f:{k}"));
                            let mut n = names.to_vec();
                            n.push(k);
                            walk(v, &q, &n, set);
                        }
                    }
                }
            } else if is_primitive_set(names) {
                for item in items {
                    let mut p = path.to_vec();
                    p.push(format!("v:{item}"));
                    set.insert(p);
                }
            } else {
                set.insert(path.to_vec());
            }
        }
        _ => {
            set.insert(path.to_vec());
        }
    }
}

/// `k:{"name":"nginx"}` (with `protocol` for ports, as kube keys them).
fn item_key(item: &Value, key: &str) -> String {
    let mut k = Map::new();
    k.insert(
        key.to_string(),
        item.get(key).cloned().unwrap_or(Value::Null),
    );
    if (key == "containerPort" || key == "port") && item.get("protocol").is_some() {
        k.insert("protocol".into(), item["protocol"].clone());
    }
    format!("k:{}", Value::Object(k))
}

/// A field set as a FieldsV1 tree; `dots` marks nodes that are set themselves with `"."`.
pub fn to_fields_v1(set: &FieldSet, dots: bool) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut node = &mut root;
        for el in path {
            let entry = node.entry(el.clone()).or_insert_with(|| json!({}));
            let Some(map) = entry.as_object_mut() else {
                break;
            };
            node = map;
        }
    }
    if dots {
        add_dots(&mut root, true);
    }
    Value::Object(root)
}

fn add_dots(map: &mut Map<String, Value>, top: bool) {
    for (k, v) in map.iter_mut() {
        if let Some(child) = v.as_object_mut()
            && !child.is_empty()
        {
            add_dots(child, false);
            let parent_is_metadata_or_spec_root =
                top && (k == "f:metadata" || k == "f:spec" || k == "f:status");
            if !parent_is_metadata_or_spec_root {
                child.insert(".".into(), json!({}));
            }
        }
    }
}

/// A FieldsV1 tree as a field set of its leaves (and keyed nodes).
pub fn from_fields_v1(tree: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    fn go(v: &Value, path: &mut Vec<String>, set: &mut FieldSet) {
        let Some(map) = v.as_object() else { return };
        let children: Vec<(&String, &Value)> =
            map.iter().filter(|(k, _)| k.as_str() != ".").collect();
        if (children.is_empty()
            || map.contains_key(".") && path.last().is_some_and(|l| l.starts_with("k:")))
            && !path.is_empty()
        {
            set.insert(path.clone());
        }
        for (k, child) in children {
            path.push(k.clone());
            go(child, path, set);
            path.pop();
        }
    }
    go(tree, &mut Vec::new(), &mut set);
    set
}

/// One managedFields entry.
#[derive(Debug, Clone)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    time: String,
    subresource: Option<String>,
    fields: FieldSet,
}

fn entries(object: &Value) -> Vec<Entry> {
    object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|e| Entry {
                    manager: e["manager"].as_str().unwrap_or("").into(),
                    operation: e["operation"].as_str().unwrap_or("Update").into(),
                    api_version: e["apiVersion"].as_str().unwrap_or("").into(),
                    time: e["time"].as_str().unwrap_or("").into(),
                    subresource: e["subresource"].as_str().map(String::from),
                    fields: from_fields_v1(&e["fieldsV1"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn store_entries(object: &mut Value, list: &[Entry]) {
    let values: Vec<Value> = list
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut v = json!({
                "manager": e.manager,
                "operation": e.operation,
                "apiVersion": e.api_version,
                "time": e.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(&e.fields, e.operation == "Update"),
            });
            if let Some(s) = &e.subresource {
                v["subresource"] = json!(s);
            }
            v
        })
        .collect();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        if values.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(values));
        }
    }
}

/// Records an update by `manager`: it owns the fields it changed (all fields on create), and
/// other managers lose them.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    operation: &str,
) {
    let new_set = field_set(new);
    let changed: FieldSet = match old {
        None => new_set.clone(),
        Some(old) => {
            let old_set = field_set(old);
            new_set
                .iter()
                .filter(|p| !old_set.contains(*p) || value_at(old, p) != value_at(new, p))
                .cloned()
                .collect()
        }
    };
    let mut list = old.map(entries).unwrap_or_default();
    if changed.is_empty() && old.is_some() {
        store_entries(new, &list);
        return;
    }
    for e in list.iter_mut() {
        if e.manager != manager || e.operation != operation {
            e.fields.retain(|p| !changed.contains(p));
        }
        // Fields that are gone are owned by nobody.
        e.fields.retain(|p| new_set.contains(p));
    }
    match list
        .iter_mut()
        .find(|e| e.manager == manager && e.operation == operation)
    {
        Some(e) => {
            e.fields.extend(changed);
            e.time = now_rfc3339();
            e.api_version = api_version.into();
        }
        None => list.push(Entry {
            manager: manager.into(),
            operation: operation.into(),
            api_version: api_version.into(),
            time: now_rfc3339(),
            subresource: None,
            fields: changed,
        }),
    }
    store_entries(new, &list);
}

/// The value at a field path of an object.
pub fn value_at<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut v = object;
    for el in path {
        if let Some(field) = el.strip_prefix("f:") {
            v = v.get(field)?;
        } else if let Some(key) = el.strip_prefix("k:") {
            let key: Value = serde_json::from_str(key).ok()?;
            let key = key.as_object()?;
            v = v.as_array()?.iter().find(|item| {
                key.iter().all(|(k, kv)| {
                    item.get(k).unwrap_or(&json!("TCP")) == kv
                        || (k == "protocol" && item.get(k).is_none() && kv == "TCP")
                })
            })?;
        } else if let Some(item) = el.strip_prefix("v:") {
            let item: Value = serde_json::from_str(item).ok()?;
            v = v.as_array()?.iter().find(|x| **x == item)?;
        } else {
            return None;
        }
    }
    Some(v)
}

fn remove_at(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut v = object;
    for el in parents {
        let next = if let Some(field) = el.strip_prefix("f:") {
            v.get_mut(field)
        } else if let Some(key) = el.strip_prefix("k:") {
            let Ok(Value::Object(key)) = serde_json::from_str::<Value>(key) else {
                return;
            };
            v.as_array_mut().and_then(|a| {
                a.iter_mut()
                    .find(|item| key.iter().all(|(k, kv)| item.get(k) == Some(kv)))
            })
        } else {
            None
        };
        match next {
            Some(n) => v = n,
            None => return,
        }
    }
    if let Some(field) = last.strip_prefix("f:") {
        if let Some(m) = v.as_object_mut() {
            m.remove(field);
        }
    } else if let Some(key) = last.strip_prefix("k:") {
        if let (Ok(Value::Object(key)), Some(a)) =
            (serde_json::from_str::<Value>(key), v.as_array_mut())
        {
            a.retain(|item| !key.iter().all(|(k, kv)| item.get(k) == Some(kv)));
        }
    } else if let Some(item) = last.strip_prefix("v:")
        && let (Ok(item), Some(a)) = (serde_json::from_str::<Value>(item), v.as_array_mut())
    {
        a.retain(|x| *x != item);
    }
}

/// Server-side apply of `config` by `manager` onto `current` (or onto nothing: create).
/// Fails with 409 Conflict when another manager owns a field with a different value, unless
/// `force`; then ownership moves to `manager`.
pub fn apply(
    current: Option<&Value>,
    config: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
) -> Result<Value> {
    let applied = field_set(config);
    let empty = json!({});
    let base = current.unwrap_or(&empty);
    let mut list = entries(base);
    let mut conflicts: Vec<(String, FieldPath)> = Vec::new();
    for e in &list {
        if e.manager == manager {
            continue;
        }
        for p in e.fields.intersection(&applied) {
            // Keyed list items and set members are memberships: only leaf values can conflict.
            let leaf = p.last().is_some_and(|el| el.starts_with("f:"));
            if leaf && value_at(base, p) != value_at(config, p) {
                conflicts.push((e.manager.clone(), p.clone()));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        let causes: Vec<Cause> = conflicts
            .iter()
            .map(|(m, p)| Cause {
                reason: "FieldManagerConflict".into(),
                message: format!("conflict with \"{m}\""),
                field: dotted(p),
            })
            .collect();
        let lines: Vec<String> = conflicts
            .iter()
            .map(|(m, p)| format!("- {m}: {}", dotted(p)))
            .collect();
        let name = config
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        return Err(Error::ConflictMessage {
            resource: String::new(),
            name,
            message: format!(
                "Apply failed with {} conflict{}: conflict with {}\n{}",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" },
                conflicts
                    .iter()
                    .map(|(m, _)| format!("\"{m}\""))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", "),
                lines.join("\n")
            ),
            causes,
        });
    }
    // Merge the configuration in.
    let mut merged = crate::api::patch::strategic_merge(base, config)?;
    // Fields this manager applied before and no longer applies, owned by nobody else, go.
    let previous: FieldSet = list
        .iter()
        .filter(|e| e.manager == manager && e.operation == "Apply")
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    let others: FieldSet = list
        .iter()
        .filter(|e| !(e.manager == manager && e.operation == "Apply"))
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    for p in previous.difference(&applied) {
        if !others.contains(p) {
            remove_at(&mut merged, p);
        }
    }
    // Ownership: the applier owns what it applied; forced fields leave other managers.
    for e in list.iter_mut() {
        if e.manager != manager || e.operation != "Apply" {
            e.fields.retain(|p| !applied.contains(p));
        }
    }
    match list
        .iter_mut()
        .find(|e| e.manager == manager && e.operation == "Apply")
    {
        Some(e) => {
            // Applying the same thing again changes nothing, not even the time (no new
            // resourceVersion), as with kube.
            let without_fields = |v: &Value| {
                let mut v = v.clone();
                if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.remove("managedFields");
                }
                v
            };
            if e.fields != applied || without_fields(&merged) != without_fields(base) {
                e.time = now_rfc3339();
            }
            e.fields = applied;
            e.api_version = api_version.into();
        }
        None => list.push(Entry {
            manager: manager.into(),
            operation: "Apply".into(),
            api_version: api_version.into(),
            time: now_rfc3339(),
            subresource: None,
            fields: applied,
        }),
    }
    store_entries(&mut merged, &list);
    Ok(merged)
}

/// `.spec.containers[name="nginx"].image`, how kube prints a field path in conflicts.
fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for el in path {
        if let Some(f) = el.strip_prefix("f:") {
            out.push('.');
            out.push_str(f);
        } else if let Some(k) = el.strip_prefix("k:") {
            let inner = serde_json::from_str::<Value>(k)
                .ok()
                .and_then(|v| v.as_object().cloned())
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            out.push_str(&format!("[{inner}]"));
        } else if let Some(v) = el.strip_prefix("v:") {
            out.push_str(&format!("[{v}]"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied", "namespace": "reference"}, "data": data})
    }

    #[test]
    fn apply_on_nothing_records_the_manager_like_the_reference() {
        let out = apply(None, &cm(json!({"x": "1"})), "wheelhouse", "v1", true).expect("apply");
        let reference: Value = crate::reference::json("kube-apiserver/apply-server-side.json");
        let entry = &out["metadata"]["managedFields"][0];
        let expected = &reference["metadata"]["managedFields"][0];
        assert_eq!(entry["fieldsV1"], expected["fieldsV1"]);
        assert_eq!(entry["manager"], expected["manager"]);
        assert_eq!(entry["operation"], expected["operation"]);
        assert_eq!(out["data"], reference["data"]);
    }

    #[test]
    fn update_records_fields_with_dots_like_the_reference_create() {
        let mut obj = cm(json!({"a": "1"}));
        record_update(None, &mut obj, "Python-urllib", "v1", "Update");
        assert_eq!(
            obj["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:data": {".": {}, "f:a": {}}})
        );
    }

    #[test]
    fn applying_a_field_another_manager_set_differently_conflicts_unless_forced() {
        let mut obj = cm(json!({"a": "1"}));
        record_update(None, &mut obj, "kubectl-edit", "v1", "Update");
        let err =
            apply(Some(&obj), &cm(json!({"a": "2"})), "helm", "v1", false).expect_err("conflict");
        assert_eq!(err.code(), 409);
        assert!(
            err.to_string().contains("conflict with \"kubectl-edit\""),
            "{err}"
        );
        let forced = apply(Some(&obj), &cm(json!({"a": "2"})), "helm", "v1", true).expect("forced");
        assert_eq!(forced["data"]["a"], "2");
        let managers: Vec<&str> = forced["metadata"]["managedFields"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["manager"].as_str())
            .collect();
        assert_eq!(
            managers,
            ["helm"],
            "the forced field left kubectl-edit, which now owns nothing"
        );
    }

    #[test]
    fn applying_the_same_value_as_another_manager_shares_the_field() {
        let mut obj = cm(json!({"a": "1"}));
        record_update(None, &mut obj, "kubectl-edit", "v1", "Update");
        assert!(apply(Some(&obj), &cm(json!({"a": "1"})), "helm", "v1", false).is_ok());
    }

    #[test]
    fn a_list_item_with_server_defaults_does_not_conflict_when_its_fields_agree() {
        let d = |image: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}})
        };
        let mut current = d("nginx:1.27");
        record_update(
            None,
            &mut current,
            "kubectl-client-side-apply",
            "apps/v1",
            "Update",
        );
        current["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] =
            json!("IfNotPresent");
        assert!(
            apply(
                Some(&current),
                &d("nginx:1.27"),
                "kubectl",
                "apps/v1",
                false
            )
            .is_ok()
        );
        assert!(
            apply(
                Some(&current),
                &d("nginx:1.28"),
                "kubectl",
                "apps/v1",
                false
            )
            .is_err()
        );
    }

    #[test]
    fn applying_the_same_configuration_again_changes_nothing() {
        let first = apply(None, &cm(json!({"a": "1"})), "helm", "v1", false).expect("apply");
        let again =
            apply(Some(&first), &cm(json!({"a": "1"})), "helm", "v1", false).expect("apply");
        assert_eq!(first, again);
    }

    #[test]
    fn a_field_no_longer_applied_is_removed() {
        let first =
            apply(None, &cm(json!({"a": "1", "b": "2"})), "helm", "v1", false).expect("apply");
        let second =
            apply(Some(&first), &cm(json!({"a": "1"})), "helm", "v1", false).expect("apply");
        assert_eq!(second["data"], json!({"a": "1"}));
    }

    #[test]
    fn keyed_list_items_are_tracked_by_merge_key() {
        let d = json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}});
        let set = field_set(&d);
        assert!(set.contains(&vec![
            "f:spec".to_string(),
            "f:template".into(),
            "f:spec".into(),
            "f:containers".into(),
            "k:{\"name\":\"nginx\"}".into(),
            "f:image".into()
        ]));
    }
}
