//! Typed reads of built-in kinds for pages and the app store: Secrets, Namespaces, Nodes,
//! Events and CustomResourceDefinitions, each answered as JSON; and the replace of a Secret the
//! console keeps its self-made certificate in.

use std::sync::Arc;

use k8s_openapi::api::core::v1::{Event, Namespace, Node, Secret};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{ListParams, PartialObjectMeta, PostParams};
use kube::runtime::watcher;
use serde_json::Value;

use super::{Calls, Failure, segment, value, within};
use crate::ProjectedCache;
use crate::cache::Named;

/// Secrets per page of a list: helm's records are up to a few hundred KiB each.
const SECRET_PAGE: u32 = 250;
/// Secrets' metadata per page: a few hundred bytes each.
const METADATA_PAGE: u32 = 2_000;

fn selected(labels: &str, fields: &str) -> ListParams {
    let mut params = ListParams::default();
    if !labels.is_empty() {
        params = params.labels(labels);
    }
    if !fields.is_empty() {
        params = params.fields(fields);
    }
    params
}

impl Calls {
    /// A Secret, values included (base64 as the API server keeps them).
    pub async fn secret(&self, namespace: &str, name: &str) -> Result<Value, Failure> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &segment(namespace));
        value(within(api.get(&segment(name))).await?)
    }

    /// Replaces a Secret with `secret` (a PUT: its `metadata.resourceVersion` must be current,
    /// so of two writers one gets the 409 `Conflict`); the Secret as stored.
    pub async fn replace_secret(
        &self,
        namespace: &str,
        name: &str,
        secret: &Value,
    ) -> Result<Value, Failure> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &segment(namespace));
        let secret: Secret = serde_json::from_value(secret.clone()).map_err(|e| Failure {
            code: 400,
            reason: "BadRequest".into(),
            message: format!("not a Secret: {e}"),
            causes: Vec::new(),
        })?;
        value(within(api.replace(&segment(name), &PostParams::default(), &secret)).await?)
    }

    /// Every Secret a label selector picks in one namespace (`None`: all), values included,
    /// read in pages of [`SECRET_PAGE`] so no one answer grows with the cluster (10,000 helm
    /// records are tens of megabytes).
    pub async fn secrets(
        &self,
        namespace: Option<&str>,
        labels: &str,
    ) -> Result<Vec<Value>, Failure> {
        let api: Api<Secret> = match namespace {
            Some(namespace) => Api::namespaced(self.client.clone(), &segment(namespace)),
            None => Api::all(self.client.clone()),
        };
        let mut items = Vec::new();
        let mut params = selected(labels, "").limit(SECRET_PAGE);
        loop {
            let page = within(api.list(&params)).await?;
            for secret in page.items {
                items.push(value(secret)?);
            }
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(items),
            }
        }
    }

    /// The metadata only (`PartialObjectMetadata`: names, labels, annotations, versions) of every
    /// Secret label and field selectors pick, in pages of [`METADATA_PAGE`]: what tells which
    /// records changed without reading any record. Each item is `{"metadata": {…}}`.
    pub async fn secret_metadata(
        &self,
        namespace: Option<&str>,
        labels: &str,
        fields: &str,
    ) -> Result<Vec<Value>, Failure> {
        let api: Api<Secret> = match namespace {
            Some(namespace) => Api::namespaced(self.client.clone(), &segment(namespace)),
            None => Api::all(self.client.clone()),
        };
        let mut items = Vec::new();
        let mut params = selected(labels, fields).limit(METADATA_PAGE);
        loop {
            let page = within(api.list_metadata(&params)).await?;
            for secret in page.items {
                items.push(serde_json::json!({"metadata": value(secret.metadata)?}));
            }
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => return Ok(items),
            }
        }
    }

    /// A watch, with this person's credentials, of the metadata only of the Secrets of type
    /// `secret_type` that `labels` picks, each kept as what `project` makes of it as
    /// `{"type": …, "metadata": {…}}` (the shape of [`Calls::secret_metadata`]'s items). It lists
    /// once, then follows changes, until dropped.
    pub fn watch_secret_metadata<P: Send + Sync + 'static>(
        &self,
        namespace: Option<&str>,
        labels: &str,
        secret_type: &str,
        project: fn(&Value) -> P,
    ) -> ProjectedCache<Named<P>> {
        let api: Api<PartialObjectMeta<Secret>> = match namespace {
            Some(namespace) => Api::namespaced(self.client.clone(), &segment(namespace)),
            None => Api::all(self.client.clone()),
        };
        let mut config = watcher::Config::default().fields(&format!("type={secret_type}"));
        if !labels.is_empty() {
            config = config.labels(labels);
        }
        let secret_type = Value::from(secret_type);
        ProjectedCache::start_with(api, config, move |secret: &PartialObjectMeta<Secret>| {
            let mut metadata = secret.metadata.clone();
            metadata.managed_fields = None;
            Named {
                namespace: metadata.namespace.as_deref().unwrap_or_default().into(),
                name: metadata.name.as_deref().unwrap_or_default().into(),
                value: Arc::new(project(&serde_json::json!({
                    "type": secret_type,
                    "metadata": serde_json::to_value(metadata).unwrap_or_default(),
                }))),
            }
        })
    }

    pub async fn namespace(&self, name: &str) -> Result<Value, Failure> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        value(within(api.get(&segment(name))).await?)
    }

    /// At most `limit` nodes.
    pub async fn nodes(&self, limit: u32) -> Result<Vec<Value>, Failure> {
        let api: Api<Node> = Api::all(self.client.clone());
        let list = within(api.list(&ListParams::default().limit(limit))).await?;
        list.items.into_iter().map(value).collect()
    }

    /// The events of a namespace a field selector picks (`""`: all).
    pub async fn events(&self, namespace: &str, fields: &str) -> Result<Vec<Value>, Failure> {
        let api: Api<Event> = Api::namespaced(self.client.clone(), &segment(namespace));
        let list = within(api.list(&selected("", fields))).await?;
        list.items.into_iter().map(value).collect()
    }

    pub async fn custom_resource_definition(&self, name: &str) -> Result<Value, Failure> {
        let api: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        value(within(api.get(&segment(name))).await?)
    }

    pub async fn create_custom_resource_definition(
        &self,
        definition: &CustomResourceDefinition,
    ) -> Result<Value, Failure> {
        let api: Api<CustomResourceDefinition> = Api::all(self.client.clone());
        value(within(api.create(&PostParams::default(), definition)).await?)
    }
}
