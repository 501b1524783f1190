//! Reads and writes the parts of a Kubernetes object the controllers care about.
//!
//! Objects are kept as `serde_json::Value`, as the store holds them, so that fields the sim
//! does not model survive every round trip.

use serde_json::{Map, Value, json};
use wheelhouse_model::selector::Selector;

/// The `metadata.name` of an object, or "" when it has none.
pub fn name(obj: &Value) -> &str {
    str_at(obj, &["metadata", "name"])
}

/// The `metadata.namespace` of an object, or "" for cluster-scoped objects.
pub fn namespace(obj: &Value) -> &str {
    str_at(obj, &["metadata", "namespace"])
}

/// The `metadata.uid` of an object, or "" before the store assigned one.
pub fn uid(obj: &Value) -> &str {
    str_at(obj, &["metadata", "uid"])
}

/// The `kind` of an object.
pub fn kind(obj: &Value) -> &str {
    str_at(obj, &["kind"])
}

/// The string at a path of object keys, or "" when any step is missing or not a string.
pub fn str_at<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    at(obj, path).and_then(Value::as_str).unwrap_or("")
}

/// The integer at a path of object keys.
pub fn i64_at(obj: &Value, path: &[&str]) -> Option<i64> {
    at(obj, path).and_then(Value::as_i64)
}

/// The value at a path of object keys.
pub fn at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(obj, |v, key| v.get(*key))
}

/// A mutable object at a path, creating empty objects for missing steps.
pub fn at_mut<'a>(obj: &'a mut Value, path: &[&str]) -> &'a mut Value {
    let mut v = obj;
    for key in path {
        if !v.is_object() {
            *v = Value::Object(Map::new());
        }
        v = v
            .as_object_mut()
            .map(|m| m.entry((*key).to_string()).or_insert_with(|| json!({})))
            .expect("just made an object");
    }
    v
}

/// Sets the value at a path of object keys, creating the objects on the way.
pub fn set_at(obj: &mut Value, path: &[&str], value: Value) {
    if let Some((last, parents)) = path.split_last() {
        let parent = at_mut(obj, parents);
        if let Some(m) = parent.as_object_mut() {
            m.insert((*last).to_string(), value);
        }
    }
}

/// A label of an object.
pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    at(obj, &["metadata", "labels", key]).and_then(Value::as_str)
}

/// An annotation of an object.
pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    at(obj, &["metadata", "annotations", key]).and_then(Value::as_str)
}

/// Sets an annotation, creating the map when needed.
pub fn set_annotation(obj: &mut Value, key: &str, value: &str) {
    set_at(obj, &["metadata", "annotations", key], json!(value));
}

/// Whether the object is being deleted (it has a deletionTimestamp).
pub fn is_terminating(obj: &Value) -> bool {
    at(obj, &["metadata", "deletionTimestamp"]).is_some_and(|v| !v.is_null())
}

/// The uid of the owner reference marked `controller: true`, if any.
pub fn controller_uid(obj: &Value) -> Option<&str> {
    at(obj, &["metadata", "ownerReferences"])
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|r| r.get("uid"))
        .and_then(Value::as_str)
}

/// Whether `obj` is controlled by `owner` (matched by uid).
pub fn is_controlled_by(obj: &Value, owner: &Value) -> bool {
    let owner_uid = uid(owner);
    !owner_uid.is_empty() && controller_uid(obj) == Some(owner_uid)
}

/// The owner reference a controller puts on what it creates.
pub fn controller_ref(owner: &Value) -> Value {
    json!({
        "apiVersion": str_at(owner, &["apiVersion"]),
        "kind": kind(owner),
        "name": name(owner),
        "uid": uid(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// The labels of an object as a map (empty when it has none).
pub fn labels(obj: &Value) -> Map<String, Value> {
    at(obj, &["metadata", "labels"])
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Whether a `metav1.LabelSelector` (matchLabels and matchExpressions) selects these labels.
///
/// An empty, missing or unreadable selector selects nothing, as workload controllers treat it.
pub fn selector_matches(selector: Option<&Value>, labels: &Map<String, Value>) -> bool {
    selector
        .filter(|s| s.is_object())
        .and_then(|s| Selector::from_label_selector(s).ok())
        .is_some_and(|s| !s.is_empty() && s.matches(labels))
}

/// 32-bit FNV-1a, the hash Kubernetes uses for pod-template-hash and controller revisions.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// 64-bit FNV-1a, used to derive deterministic pseudo-random values from names.
pub fn fnv64a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Encodes a number with the alphabet Kubernetes uses for generated names (no vowels, no
/// look-alike digits), like `rand.SafeEncodeString` applied to a hash.
pub fn safe_encode(mut n: u64) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut out = Vec::new();
    loop {
        out.push(ALPHABET[(n % 27) as usize]);
        n /= 27;
        if n == 0 {
            break;
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A five-character suffix for generated names, derived from a seed.
pub fn name_suffix(seed: u64) -> String {
    let mut s = safe_encode(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 8);
    s.truncate(5);
    while s.len() < 5 {
        s.push('b');
    }
    s
}

/// The hash of a pod template as the Deployment controller labels it (`pod-template-hash`).
///
/// The `pod-template-hash` label itself is left out so a template read back from a
/// ReplicaSet (as `kubectl rollout undo` does) hashes the same as the Deployment's.
pub fn template_hash(template: &Value) -> String {
    let mut t = template.clone();
    if let Some(l) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        l.remove("pod-template-hash");
    }
    if let Some(m) = t.pointer_mut("/metadata").and_then(Value::as_object_mut)
        && m.get("labels")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
    {
        m.remove("labels");
    }
    if t.pointer("/metadata")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
        && let Some(m) = t.as_object_mut()
    {
        m.remove("metadata");
    }
    let text = serde_json::to_string(&t).unwrap_or_default();
    safe_encode(u64::from(fnv32a(text.as_bytes())))
}

/// A quantity field as a float (quantities may also be plain JSON numbers).
pub fn quantity(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::String(s) => wheelhouse_model::quantity::parse(s),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_labels_and_expressions_like_the_api_server() {
        let labels = json!({"app": "web", "tier": "front"});
        let labels = labels.as_object().cloned().unwrap_or_default();
        let cases = [
            (
                "match labels equal",
                json!({"matchLabels": {"app": "web"}}),
                true,
            ),
            (
                "match labels differ",
                json!({"matchLabels": {"app": "db"}}),
                false,
            ),
            ("empty selector selects nothing", json!({}), false),
            (
                "In expression",
                json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "x"]}]}),
                true,
            ),
            (
                "NotIn expression on a present value",
                json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}),
                false,
            ),
            (
                "DoesNotExist on a missing key",
                json!({"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}),
                true,
            ),
            (
                "labels and expressions together",
                json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]}),
                true,
            ),
        ];
        for (case, selector, want) in cases {
            assert_eq!(selector_matches(Some(&selector), &labels), want, "{case}");
        }
    }

    #[test]
    fn template_hash_ignores_the_pod_template_hash_label() {
        let a = json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}});
        let mut b = a.clone();
        set_at(
            &mut b,
            &["metadata", "labels", "pod-template-hash"],
            json!("xyz"),
        );
        assert_eq!(template_hash(&a), template_hash(&b));
        let mut c = a.clone();
        set_at(
            &mut c,
            &["spec", "containers"],
            json!([{"name": "c", "image": "nginx:2"}]),
        );
        assert_ne!(template_hash(&a), template_hash(&c));
    }

    #[test]
    fn quantities_parse_with_decimal_and_binary_suffixes() {
        let cases = [
            ("100m", 0.1),
            ("2", 2.0),
            ("512Mi", 512.0 * 1024.0 * 1024.0),
            ("1G", 1e9),
            ("5k", 5000.0),
        ];
        for (q, want) in cases {
            let got = quantity(Some(&json!(q))).unwrap_or(f64::NAN);
            assert!((got - want).abs() < 1e-6, "{q}: {got} != {want}");
        }
        assert_eq!(quantity(Some(&json!("lots"))), None);
    }
}
