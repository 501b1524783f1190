//! Typed reads of built-in kinds for pages and the app store: Secrets, Namespaces, Nodes,
//! Events and CustomResourceDefinitions, each answered as JSON; and the replace of a Secret the
//! console keeps its self-made certificate in.

use k8s_openapi::api::core::v1::{Event, Namespace, Node, Secret};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::api::{ListParams, PostParams};
use serde_json::Value;

use super::{Calls, Failure, segment, value, within};

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

    /// The Secrets a label selector picks in one namespace or (`None`) all.
    pub async fn secrets(
        &self,
        namespace: Option<&str>,
        labels: &str,
    ) -> Result<Vec<Value>, Failure> {
        let api: Api<Secret> = match namespace {
            Some(namespace) => Api::namespaced(self.client.clone(), &segment(namespace)),
            None => Api::all(self.client.clone()),
        };
        let list = within(api.list(&selected(labels, ""))).await?;
        list.items.into_iter().map(value).collect()
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
