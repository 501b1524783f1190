//! The actions on workloads and nodes as kube's typed calls, each made as kubectl makes it:
//! scale through the `scale` subresource, restart with the `restartedAt` annotation, CronJob
//! suspend and trigger, cordon, and eviction.
//!
//! kube puts a name into a path as it is given, so names and namespaces are passed as
//! [`segment`]s: the path is the one Wheelhouse checked, whatever the name holds.

use k8s_openapi::api::apps::v1::{ControllerRevision, ReplicaSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{Api, EvictParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::{Calls, Failure, segment, value, within};
use crate::discovery::KindInfo;

/// The kinds that serve the `scale` subresource in every cluster; custom resources may or may
/// not, so theirs is scaled by patching `spec.replicas` as before.
const SCALABLE: [&str; 4] = [
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

/// What a workload's revisions are kept as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryKind {
    /// A Deployment's revisions: its ReplicaSets.
    ReplicaSets,
    /// A StatefulSet's or DaemonSet's revisions.
    ControllerRevisions,
}

/// The Job `kubectl create job --from=cronjob/…` makes: the CronJob's job template, annotated as
/// started by hand, owned by the CronJob.
pub fn job_from_cronjob(cronjob: &CronJob, name: &str) -> Job {
    let template = cronjob.spec.job_template.clone();
    let template_meta = template.metadata.unwrap_or_default();
    let mut annotations = template_meta.annotations.unwrap_or_default();
    annotations.insert("cronjob.kubernetes.io/instantiate".into(), "manual".into());
    Job {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: cronjob.metadata.namespace.clone(),
            labels: Some(template_meta.labels.unwrap_or_default()),
            annotations: Some(annotations),
            owner_references: Some(vec![OwnerReference {
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                name: cronjob.metadata.name.clone().unwrap_or_default(),
                uid: cronjob.metadata.uid.clone().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..ObjectMeta::default()
        },
        spec: template.spec,
        status: None,
    }
}

impl Calls {
    /// Sets a workload's replicas, as `kubectl scale`: through the `scale` subresource for the
    /// kinds that always serve it, then reads the object back; a custom resource's
    /// `spec.replicas` is patched.
    pub async fn scale(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        name: &str,
        replicas: u64,
    ) -> Result<Value, Failure> {
        let api = self.dynamic(kind, namespace);
        let name = segment(name);
        let patch = Patch::Merge(json!({"spec": {"replicas": replicas}}));
        if !kind.custom && SCALABLE.contains(&kind.kind.as_str()) {
            within(api.patch_scale(&name, &PatchParams::default(), &patch)).await?;
            value(within(api.get(&name)).await?)
        } else {
            value(within(api.patch(&name, &PatchParams::default(), &patch)).await?)
        }
    }

    /// Restarts a workload's pods as `kubectl rollout restart`: a strategic merge patch setting
    /// the pod template's `kubectl.kubernetes.io/restartedAt` annotation to `at`.
    pub async fn restart(
        &self,
        kind: &KindInfo,
        namespace: Option<&str>,
        name: &str,
        at: &str,
    ) -> Result<Value, Failure> {
        let patch = Patch::Strategic(json!({"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": at
        }}}}}));
        let api = self.dynamic(kind, namespace);
        value(within(api.patch(&segment(name), &PatchParams::default(), &patch)).await?)
    }

    /// Suspends (`true`) or resumes a CronJob, as `kubectl patch … -p '{"spec":{"suspend":…}}'`.
    pub async fn set_suspended(
        &self,
        namespace: &str,
        name: &str,
        suspend: bool,
    ) -> Result<Value, Failure> {
        let api: Api<CronJob> = Api::namespaced(self.client.clone(), &segment(namespace));
        let patch = Patch::Merge(json!({"spec": {"suspend": suspend}}));
        value(within(api.patch(&segment(name), &PatchParams::default(), &patch)).await?)
    }

    pub async fn cronjob(&self, namespace: &str, name: &str) -> Result<CronJob, Failure> {
        let api: Api<CronJob> = Api::namespaced(self.client.clone(), &segment(namespace));
        within(api.get(&segment(name))).await
    }

    /// Creates a Job (see [`job_from_cronjob`]).
    pub async fn create_job(&self, namespace: &str, job: &Job) -> Result<Value, Failure> {
        let api: Api<Job> = Api::namespaced(self.client.clone(), &segment(namespace));
        value(within(api.create(&PostParams::default(), job)).await?)
    }

    /// Cordons (`true`) or uncordons a node, as `kubectl cordon`.
    pub async fn set_unschedulable(&self, node: &str, cordon: bool) -> Result<Value, Failure> {
        let api: Api<Node> = Api::all(self.client.clone());
        let patch = Patch::Merge(json!({"spec": {"unschedulable": cordon}}));
        value(within(api.patch(&segment(node), &PatchParams::default(), &patch)).await?)
    }

    pub async fn pod(&self, namespace: &str, name: &str) -> Result<Value, Failure> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        value(within(api.get(&segment(name))).await?)
    }

    /// The pods of a namespace a label selector picks (`""`: all).
    pub async fn pods(&self, namespace: &str, labels: &str) -> Result<Vec<Value>, Failure> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        let mut params = ListParams::default();
        if !labels.is_empty() {
            params = params.labels(labels);
        }
        let list = within(api.list(&params)).await?;
        list.items.into_iter().map(value).collect()
    }

    /// The pods scheduled on a node, in all namespaces.
    pub async fn pods_on_node(&self, node: &str) -> Result<Vec<Value>, Failure> {
        let api: Api<Pod> = Api::all(self.client.clone());
        let params = ListParams::default().fields(&format!("spec.nodeName={node}"));
        within(api.list(&params))
            .await?
            .items
            .into_iter()
            .map(value)
            .collect()
    }

    /// Evicts a pod (policy/v1 Eviction): the API server refuses with 429 while a
    /// PodDisruptionBudget forbids it, and answers 404 when the pod is gone.
    pub async fn evict(&self, namespace: &str, pod: &str) -> Result<(), Failure> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &segment(namespace));
        within(api.evict(pod, &EvictParams::default())).await?;
        Ok(())
    }

    /// A workload's revisions in a namespace, selected by the workload's label selector
    /// (`""`: all); the caller keeps the ones the workload owns.
    pub async fn history(
        &self,
        kind: HistoryKind,
        namespace: &str,
        selector: &str,
    ) -> Result<Vec<Value>, Failure> {
        let namespace = segment(namespace);
        let mut params = ListParams::default();
        if !selector.is_empty() {
            params = params.labels(selector);
        }
        match kind {
            HistoryKind::ReplicaSets => {
                let api: Api<ReplicaSet> = Api::namespaced(self.client.clone(), &namespace);
                let list = within(api.list(&params)).await?;
                list.items.into_iter().map(value).collect()
            }
            HistoryKind::ControllerRevisions => {
                let api: Api<ControllerRevision> = Api::namespaced(self.client.clone(), &namespace);
                let list = within(api.list(&params)).await?;
                list.items.into_iter().map(value).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::{CronJobSpec, JobTemplateSpec};

    #[test]
    fn a_job_from_a_cronjob_is_owned_by_it_and_marked_manual() {
        let cronjob = CronJob {
            metadata: ObjectMeta {
                name: Some("nightly".into()),
                namespace: Some("team-a".into()),
                uid: Some("u-1".into()),
                ..ObjectMeta::default()
            },
            spec: CronJobSpec {
                schedule: "0 1 * * *".into(),
                job_template: JobTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some([("app".to_string(), "backup".to_string())].into()),
                        ..ObjectMeta::default()
                    }),
                    spec: None,
                },
                ..CronJobSpec::default()
            },
            status: None,
        };
        let job = job_from_cronjob(&cronjob, "nightly-manual-1");
        let meta = &job.metadata;
        assert_eq!(meta.name.as_deref(), Some("nightly-manual-1"));
        assert_eq!(meta.namespace.as_deref(), Some("team-a"));
        assert_eq!(meta.labels.as_ref().expect("labels")["app"], "backup");
        assert_eq!(
            meta.annotations.as_ref().expect("annotations")["cronjob.kubernetes.io/instantiate"],
            "manual"
        );
        let owner = &meta.owner_references.as_ref().expect("owner")[0];
        assert_eq!(
            (owner.kind.as_str(), owner.uid.as_str()),
            ("CronJob", "u-1")
        );
        assert_eq!(owner.controller, Some(true));
    }
}
