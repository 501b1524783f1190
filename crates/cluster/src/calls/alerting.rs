//! Reads for the alert rule editor's preview: the objects a condition needs, typed, in one
//! namespace or all, selected by labels and bounded in count; the usage metrics.k8s.io reports;
//! and the merge patch that silences a rule.

use std::fmt::Debug;

use http::Method;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::Node;
use kube::api::{ListParams, Patch, PatchParams};
use kube::{Api, Resource};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Calls, Failure, segment, value, within};
use crate::discovery::KindInfo;

fn params(labels: &str, fields: &str, limit: u32) -> ListParams {
    let mut params = ListParams::default().limit(limit);
    if !labels.is_empty() {
        params = params.labels(labels);
    }
    if !fields.is_empty() {
        params = params.fields(fields);
    }
    params
}

impl Calls {
    /// At most `limit` objects of a namespaced kind in `namespace` (`None`: all namespaces),
    /// selected by labels and fields (`""`: none); and whether the API server had more.
    pub async fn list_typed<K>(
        &self,
        namespace: Option<&str>,
        labels: &str,
        fields: &str,
        limit: u32,
    ) -> Result<(Vec<K>, bool), Failure>
    where
        K: Resource<Scope = NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
        <K as Resource>::DynamicType: Default,
    {
        let api: Api<K> = match namespace {
            Some(namespace) => Api::namespaced(self.client.clone(), &segment(namespace)),
            None => Api::all(self.client.clone()),
        };
        let list = within(api.list(&params(labels, fields, limit))).await?;
        let more = list.metadata.continue_.is_some_and(|c| !c.is_empty());
        Ok((list.items, more))
    }

    /// At most `limit` nodes a label selector picks, and whether there were more.
    pub async fn nodes_typed(
        &self,
        labels: &str,
        limit: u32,
    ) -> Result<(Vec<Node>, bool), Failure> {
        let api: Api<Node> = Api::all(self.client.clone());
        let list = within(api.list(&params(labels, "", limit))).await?;
        let more = list.metadata.continue_.is_some_and(|c| !c.is_empty());
        Ok((list.items, more))
    }

    /// metrics.k8s.io's `PodMetricsList` of a namespace (`None`: all) and, when `nodes`, its
    /// `NodeMetricsList` (else `null`), as the API server answered them.
    pub async fn resource_usage(
        &self,
        namespace: Option<&str>,
        nodes: bool,
    ) -> Result<(Value, Value), Failure> {
        let pods_path = match namespace {
            Some(namespace) => format!(
                "/apis/metrics.k8s.io/v1beta1/namespaces/{}/pods",
                segment(namespace)
            ),
            None => "/apis/metrics.k8s.io/v1beta1/pods".to_string(),
        };
        let pods = self.read_json(&pods_path).await?;
        let nodes = if nodes {
            self.read_json("/apis/metrics.k8s.io/v1beta1/nodes").await?
        } else {
            Value::Null
        };
        Ok((pods, nodes))
    }

    async fn read_json(&self, path: &str) -> Result<Value, Failure> {
        let answer = self.send(Method::GET, path, None).await?;
        if !answer.status.is_success() {
            return Err(Failure::of(&answer));
        }
        serde_json::from_slice(&answer.body).map_err(|e| Failure {
            code: 502,
            reason: "InternalError".into(),
            message: format!("the API server's answer to {path} is not JSON: {e}"),
            causes: Vec::new(),
        })
    }

    /// A JSON merge patch of an object of any kind (a `metadata.resourceVersion` in the patch
    /// makes the API server refuse it with 409 when the object changed since).
    pub async fn merge_patch(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        name: &str,
        patch: &Value,
    ) -> Result<Value, Failure> {
        let api = self.dynamic(kind, namespace);
        value(
            within(api.patch(
                &segment(name),
                &PatchParams::default(),
                &Patch::Merge(patch),
            ))
            .await?,
        )
    }
}
