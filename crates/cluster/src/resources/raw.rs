//! An object as the API server sent it: its JSON tree, with the few metadata fields the watcher
//! needs read out. Decoding straight into a `serde_json::Value` skips kube-rs's `DynamicObject`
//! (a full `ObjectMeta` plus a flattened map, decoded through an intermediate buffer, then turned
//! into a `Value` again for the row): one decoding per object instead of three passes.

use std::borrow::Cow;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use kube::api::ApiResource;
use kube::core::DynamicResourceScope;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Debug, Clone)]
pub(crate) struct RawObject {
    /// Name, namespace, uid and resourceVersion only.
    pub metadata: ObjectMeta,
    /// The whole object, without `metadata.managedFields`.
    pub value: Value,
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut value = Value::deserialize(deserializer)?;
        let text = |metadata: &serde_json::Map<String, Value>, field: &str| {
            metadata
                .get(field)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let metadata = match value.get_mut("metadata").and_then(Value::as_object_mut) {
            Some(metadata) => {
                metadata.remove("managedFields");
                ObjectMeta {
                    name: text(metadata, "name"),
                    namespace: text(metadata, "namespace"),
                    uid: text(metadata, "uid"),
                    resource_version: text(metadata, "resourceVersion"),
                    ..ObjectMeta::default()
                }
            }
            None => ObjectMeta::default(),
        };
        Ok(RawObject { metadata, value })
    }
}

impl Resource for RawObject {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }

    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }

    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }

    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watcher_sees_the_metadata_it_needs_and_managed_fields_are_gone() {
        let object: RawObject = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "a", "namespace": "n", "uid": "u", "resourceVersion": "42",
                         "labels": {"x": "y"}, "managedFields": [{"manager": "kubectl"}]},
            "spec": {"k": 1}
        }))
        .expect("decodes");
        assert_eq!(object.metadata.name.as_deref(), Some("a"));
        assert_eq!(object.metadata.namespace.as_deref(), Some("n"));
        assert_eq!(object.metadata.resource_version.as_deref(), Some("42"));
        assert!(object.value["metadata"].get("managedFields").is_none());
        assert_eq!(object.value["metadata"]["labels"]["x"], "y");
        assert_eq!(object.value["spec"]["k"], 1);
    }
}
