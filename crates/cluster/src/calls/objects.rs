//! Objects of any kind, custom resources included, as discovery describes them: read, replace,
//! delete and server-side apply through kube's `DynamicObject` Api and request builder.
//!
//! A replace sends the person's object as they wrote it (kube builds the path and query, the body
//! is not read into a typed object first), so the API server, not Wheelhouse, judges it.

use kube::Resource;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
    PropagationPolicy,
};
use kube::core::Request;
use serde_json::Value;

use super::{Calls, Failure, segment, value, within};
use crate::discovery::KindInfo;

/// How a delete goes on: kube's options, chosen by the person.
#[derive(Debug, Clone, Default)]
pub struct Deletion {
    /// `None`: the kind's default (Background for most, Orphan for some old ones).
    pub propagation: Option<PropagationPolicy>,
    pub grace_period_seconds: Option<u32>,
    pub dry_run: bool,
}

fn api_resource(kind: &KindInfo) -> ApiResource {
    ApiResource {
        group: kind.group.clone(),
        version: kind.version.clone(),
        api_version: crate::error::api_version(&kind.group, &kind.version),
        kind: kind.kind.clone(),
        plural: kind.resource.clone(),
    }
}

fn bad_request(message: String) -> Failure {
    Failure {
        code: 400,
        reason: "BadRequest".into(),
        message,
        causes: Vec::new(),
    }
}

impl Calls {
    /// The Api of a kind, in one namespace or (`None`, or a cluster-scoped kind) all.
    pub(super) fn dynamic(&self, kind: &KindInfo, namespace: Option<&str>) -> Api<DynamicObject> {
        let resource = api_resource(kind);
        match namespace.filter(|_| kind.namespaced) {
            Some(namespace) => {
                Api::namespaced_with(self.client.clone(), &segment(namespace), &resource)
            }
            None => Api::all_with(self.client.clone(), &resource),
        }
    }

    /// One object of any kind, as the API server has it now (with managedFields).
    pub async fn object(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, Failure> {
        value(within(self.dynamic(kind, namespace).get(&segment(name))).await?)
    }

    /// The objects of a kind in one namespace or (`None`) all, selected by labels and fields
    /// (`""`: none), as one list call.
    pub async fn objects(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        labels: &str,
        fields: &str,
    ) -> Result<Vec<Value>, Failure> {
        let mut params = ListParams::default();
        if !labels.is_empty() {
            params = params.labels(labels);
        }
        if !fields.is_empty() {
            params = params.fields(fields);
        }
        let list = within(self.dynamic(kind, namespace).list(&params)).await?;
        list.items.into_iter().map(value).collect()
    }

    /// Replaces an object of any kind with `object` as it is (a PUT: its resourceVersion must be
    /// current; a stale one is a 409 `Conflict`); `dry_run` asks the API server to check only.
    pub async fn replace(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        name: &str,
        object: &Value,
        dry_run: bool,
    ) -> Result<Value, Failure> {
        let namespace = namespace.filter(|_| kind.namespaced).map(segment);
        let url = DynamicObject::url_path(&api_resource(kind), namespace.as_deref());
        let params = PostParams {
            dry_run,
            field_manager: None,
        };
        let body = serde_json::to_vec(object)
            .map_err(|e| bad_request(format!("the object cannot be sent: {e}")))?;
        let request = Request::new(url)
            .replace(&segment(name), &params, body)
            .map_err(|e| bad_request(format!("the request cannot be made: {e}")))?;
        within(self.client.request::<Value>(request)).await
    }

    /// Creates an object of any kind, sent as written.
    pub async fn create(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        object: &Value,
    ) -> Result<Value, Failure> {
        let namespace = namespace.filter(|_| kind.namespaced).map(segment);
        let url = DynamicObject::url_path(&api_resource(kind), namespace.as_deref());
        let body = serde_json::to_vec(object)
            .map_err(|e| bad_request(format!("the object cannot be sent: {e}")))?;
        let request = Request::new(url)
            .create(&PostParams::default(), body)
            .map_err(|e| bad_request(format!("the request cannot be made: {e}")))?;
        within(self.client.request::<Value>(request)).await
    }

    /// A merge patch of an object's `status` subresource.
    pub async fn patch_status(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        name: &str,
        patch: &Value,
    ) -> Result<Value, Failure> {
        let api = self.dynamic(kind, namespace);
        let patch = Patch::Merge(patch);
        value(within(api.patch_status(&segment(name), &PatchParams::default(), &patch)).await?)
    }

    /// Deletes an object of any kind; the object while it is still there (finalizers, foreground
    /// deletion), `None` when the API server answered a `Status` (it is gone).
    pub async fn delete(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        name: &str,
        deletion: &Deletion,
    ) -> Result<Option<Value>, Failure> {
        let params = DeleteParams {
            dry_run: deletion.dry_run,
            grace_period_seconds: deletion.grace_period_seconds,
            propagation_policy: deletion.propagation.clone(),
            preconditions: None,
        };
        let api = self.dynamic(kind, namespace);
        let answer = within(api.delete(&segment(name), &params)).await?;
        answer.left().map(value).transpose()
    }

    /// Server-side apply of `object` (forced, as `field_manager`), creating it if need be.
    pub async fn apply(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        name: &str,
        object: &Value,
        field_manager: &str,
        dry_run: bool,
    ) -> Result<Value, Failure> {
        let mut params = PatchParams::apply(field_manager).force();
        params.dry_run = dry_run;
        let api = self.dynamic(kind, namespace);
        value(within(api.patch(&segment(name), &params, &Patch::Apply(object))).await?)
    }
}
