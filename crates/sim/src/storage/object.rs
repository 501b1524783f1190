//! An object as the store keeps it (its JSON and, computed once, its serialised bytes), the
//! resource type it belongs to, and its key in that resource's table.

use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;
use serde_json::{Map, Value};

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

/// One stored object: its JSON value and, computed once on first need, its serialised bytes.
#[derive(Debug)]
pub struct StoredObject {
    value: Value,
    json: OnceLock<Bytes>,
    resource_version: u64,
}

impl StoredObject {
    pub(super) fn new(value: Value, resource_version: u64) -> StoredObject {
        StoredObject {
            value,
            json: OnceLock::new(),
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

    /// The object as JSON.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The object serialised as JSON, computed once and shared by every list and watcher.
    pub fn json_bytes(&self) -> &Bytes {
        self.json
            .get_or_init(|| Bytes::from(serde_json::to_vec(&self.value).unwrap_or_default()))
    }

    /// `metadata.resourceVersion` as a number.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        str_at(&self.value, &["metadata", "name"])
    }

    /// `metadata.namespace`, empty for cluster-scoped objects.
    pub fn namespace(&self) -> &str {
        str_at(&self.value, &["metadata", "namespace"])
    }

    /// `metadata.uid`.
    pub fn uid(&self) -> &str {
        str_at(&self.value, &["metadata", "uid"])
    }

    /// `metadata.labels`, if any.
    pub fn labels(&self) -> Option<&Map<String, Value>> {
        self.value
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
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
