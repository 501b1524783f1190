//! An object as the store keeps it (its serialised JSON and the fields read on every object), the
//! resource type it belongs to, and its key in that resource's table.

use std::fmt;

use bytes::Bytes;
use serde_json::Value;
use wheelhouse_model::labels::Labels;

/// A resource type: API group (`""` for core) and plural resource name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupResource {
    pub group: String,
    pub resource: String,
}

impl GroupResource {
    /// A resource of the given group, e.g. `GroupResource::new("apps", "deployments")`.
    pub fn new(group: &str, resource: &str) -> GroupResource {
        GroupResource {
            group: group.into(),
            resource: resource.into(),
        }
    }

    /// A core (`v1`) resource, e.g. `GroupResource::core("pods")`.
    pub fn core(resource: &str) -> GroupResource {
        GroupResource::new("", resource)
    }
}

impl fmt::Display for GroupResource {
    /// `pods`, `deployments.apps`: how kube-apiserver names a resource in messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// One stored object, kept as its serialised JSON with the few fields the store and the
/// selectors read on every object (name, namespace, uid, labels).
///
/// A `serde_json::Value` tree keeps every JSON object in a B-tree node of about 600 bytes, so a
/// running pod of 2.3 KB of JSON took about 20 KB as a tree; 150,000 pods needed 6 GiB. The bytes
/// are what lists and watches send anyway; [`StoredObject::value`] parses them when a controller
/// or a handler needs the tree.
#[derive(Debug)]
pub struct StoredObject {
    json: Bytes,
    name: Box<str>,
    namespace: Box<str>,
    uid: Box<str>,
    /// `None` when the object has no `metadata.labels` map.
    labels: Option<Labels>,
    /// The uids of `metadata.ownerReferences`, for the garbage collector's index.
    owner_uids: Box<[Box<str>]>,
    resource_version: u64,
}

impl StoredObject {
    pub(super) fn new(value: Value, resource_version: u64) -> StoredObject {
        let text = |path: &[&str]| Box::<str>::from(str_at(&value, path));
        let labels = value
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
                    .collect()
            });
        let owner_uids = value
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("uid").and_then(Value::as_str))
            .map(Box::from)
            .collect();
        StoredObject {
            name: text(&["metadata", "name"]),
            namespace: text(&["metadata", "namespace"]),
            uid: text(&["metadata", "uid"]),
            labels,
            owner_uids,
            // A `Value` always serialises: its map keys are strings.
            json: Bytes::from(serde_json::to_vec(&value).unwrap_or_default()),
            resource_version,
        }
    }

    /// An object that is not in the store (a dry-run result, a value to render), with the
    /// resourceVersion its metadata says.
    pub fn detached(value: Value) -> StoredObject {
        let rv = str_at(&value, &["metadata", "resourceVersion"])
            .parse()
            .unwrap_or(0);
        StoredObject::new(value, rv)
    }

    /// The object as a JSON tree, parsed from its bytes (each call parses: keep the result
    /// while it is needed).
    pub fn value(&self) -> Value {
        // The bytes were serialised from a `Value`, so they parse back into the same one.
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }

    /// The object serialised as JSON, shared by every list and watcher.
    pub fn json_bytes(&self) -> &Bytes {
        &self.json
    }

    /// `metadata.resourceVersion` as a number.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `metadata.namespace`, empty for cluster-scoped objects.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// `metadata.uid`.
    pub fn uid(&self) -> &str {
        &self.uid
    }

    /// The uids of its `metadata.ownerReferences`, in their order.
    pub fn owner_uids(&self) -> &[Box<str>] {
        &self.owner_uids
    }

    /// `metadata.labels` (those with string values), if the object has a labels map.
    pub fn labels(&self) -> Option<&Labels> {
        self.labels.as_ref()
    }
}

/// Key of an object inside one resource table: `namespace/name` or `name`.
pub(super) fn object_key(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

/// The string at a path of object fields, or `""`.
pub fn str_at<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    let mut v = value;
    for p in path {
        match v.get(p) {
            Some(next) => v = next,
            None => return "",
        }
    }
    v.as_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use wheelhouse_model::selector::Selector;

    use super::*;

    #[test]
    fn a_stored_object_gives_back_the_value_it_was_stored_with() {
        let value = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "uid": "u-1", "resourceVersion": "7",
                         "labels": {"app": "web", "tier": "front"},
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "web", "uid": "rs-1"},
                                             {"kind": "Other", "name": "x", "uid": "o-2"}]},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}});
        let stored = StoredObject::detached(value.clone());
        assert_eq!(stored.value(), value);
        assert_eq!(
            serde_json::from_slice::<Value>(stored.json_bytes()).expect("JSON"),
            value
        );
        assert_eq!(
            (stored.name(), stored.namespace(), stored.uid()),
            ("web-1", "shop", "u-1")
        );
        assert_eq!(stored.resource_version(), 7);
        let owners: Vec<&str> = stored.owner_uids().iter().map(|u| &**u).collect();
        assert_eq!(owners, ["rs-1", "o-2"]);
    }

    #[test]
    fn selectors_read_the_labels_kept_beside_the_bytes() {
        let labelled = StoredObject::detached(
            json!({"metadata": {"name": "a", "labels": {"app": "web", "count": 3}}}),
        );
        let bare = StoredObject::detached(json!({"metadata": {"name": "b"}}));
        let web = Selector::parse("app=web").expect("selector");
        let not_web = Selector::parse("app!=web").expect("selector");
        assert!(web.matches(&labelled.labels()));
        assert!(!web.matches(&bare.labels()));
        assert!(not_web.matches(&bare.labels()), "no labels: != holds");
        // A label whose value is not a string is no label, as when the JSON was read.
        assert!(
            Selector::parse("!count")
                .expect("selector")
                .matches(&labelled.labels())
        );
    }
}
