//! Secondary lookups of a detail page: lists of related objects, from a running watch cache of
//! the kind when there is a synced one, from the API server otherwise.

use std::sync::Arc;

use serde_json::Value;
use wheelhouse_cluster::discovery::{KindInfo, KindSet};
use wheelhouse_cluster::resources::{ResourceCache, Resources};
use wheelhouse_model::selector::Selector;

use wheelhouse_cluster::Person;

use crate::access::{Access, Allowed, Attributes};
use wheelhouse_cluster::calls::{Calls, Failure};
use wheelhouse_model::warning::{Warning, WarningReason};

/// What a list asks for: a namespace (or all), a label selector (empty: any labels), one field
/// to equal.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filter<'a> {
    pub namespace: Option<&'a str>,
    pub selector: Selector,
    /// `(field selector name, JSON pointer, value)`: `("spec.nodeName", "/spec/nodeName", "worker-1")`.
    pub field: Option<(&'a str, &'a str, &'a str)>,
}

impl Filter<'_> {
    fn matches(&self, object: &Value) -> bool {
        let namespace_ok = self.namespace.is_none_or(|ns| {
            object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                == Some(ns)
        });
        let labels_ok = self
            .selector
            .matches(object.pointer("/metadata/labels").unwrap_or(&Value::Null));
        let field_ok = self.field.is_none_or(|(_, pointer, value)| {
            object.pointer(pointer).and_then(Value::as_str) == Some(value)
        });
        namespace_ok && labels_ok && field_ok
    }
}

/// Lists related objects for one detail request.
#[derive(Clone)]
pub(crate) struct Lookup {
    pub calls: Calls,
    pub resources: Arc<Resources>,
    pub kinds: Arc<KindSet>,
    /// Whether the person may see what a cache holds (the cache reads with Wheelhouse's identity).
    pub access: Arc<Access>,
    /// Whom the lookup is for.
    pub person: Person,
}

impl Lookup {
    /// The objects of `group/version/resource` matching `filter`; a failure as a warning naming
    /// what could not be read.
    pub async fn list(
        &self,
        (group, version, resource): (&str, &str, &str),
        filter: &Filter<'_>,
    ) -> Result<Vec<Value>, Warning> {
        let what = match filter.namespace {
            Some(ns) => format!("{resource} in namespace {ns}"),
            None => resource.to_string(),
        };
        let Some(kind) = self.kinds.find(group, version, resource) else {
            return Err(Warning::about(
                WarningReason::Unavailable,
                what,
                format!("the cluster does not serve {resource} in {group}/{version}"),
            ));
        };
        if let Some(cache) = self.synced_cache(&kind, filter) {
            let attributes = Attributes {
                verb: "list",
                group: kind.group.clone(),
                resource: kind.resource.clone(),
                namespaced: kind.namespaced,
                namespaces: filter.namespace.map(str::to_string).into_iter().collect(),
            };
            match self.access.review(&self.person, &attributes).await {
                Ok(Allowed::Asked) => {
                    if let Some(objects) = cached(&cache, filter) {
                        return Ok(objects);
                    }
                }
                // Some namespaces only: the API server, asked as the person, answers below.
                Ok(Allowed::Namespaces(_)) => {}
                Err(refused) => {
                    return Err(Warning::about(
                        WarningReason::Forbidden,
                        what,
                        refused.message().to_string(),
                    ));
                }
            }
        }
        let labels = filter.selector.to_string();
        let fields = filter
            .field
            .map(|(name, _, value)| format!("{name}={value}"))
            .unwrap_or_default();
        let items = self
            .calls
            .objects(&kind, filter.namespace, &labels, &fields)
            .await
            .map_err(|f: Failure| f.warning(what))?;
        Ok(items.into_iter().filter(|o| filter.matches(o)).collect())
    }

    /// A synced, healthy cache of the kind: of all namespaces, or of the filter's namespace.
    fn synced_cache(&self, kind: &KindInfo, filter: &Filter<'_>) -> Option<Arc<ResourceCache>> {
        let cache = self.resources.running_cache(kind, None).or_else(|| {
            filter
                .namespace
                .and_then(|ns| self.resources.running_cache(kind, Some(ns)))
        })?;
        let state = cache.state();
        (state.synced && state.failure.is_none()).then_some(cache)
    }
}

/// The cache's objects matching `filter`; `None` when the API server answers that better.
fn cached(cache: &ResourceCache, filter: &Filter<'_>) -> Option<Vec<Value>> {
    let objects = cache.read();
    // Parsing every cached object of a large cluster costs more than the API server's
    // selector: only namespaced (or small) lists are answered from the cache.
    if filter.namespace.is_none() && objects.len() > 5_000 {
        return None;
    }
    let found = objects
        .rows()
        .iter()
        .filter(|row| {
            filter
                .namespace
                .is_none_or(|ns| row.namespace.as_deref() == Some(ns))
        })
        .filter_map(|row| objects.json(row.namespace.as_deref(), &row.name))
        .filter_map(|json| serde_json::from_slice::<Value>(&json.unpack().ok()?).ok())
        .filter(|o| filter.matches(o))
        .collect();
    Some(found)
}

/// Whether `object` is owned by the object with `uid`.
pub(crate) fn owned_by(object: &Value, uid: &str) -> bool {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|owners| {
            owners
                .iter()
                .any(|o| o.get("uid").and_then(Value::as_str) == Some(uid))
        })
}
