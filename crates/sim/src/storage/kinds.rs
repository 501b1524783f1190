//! The catalogue of kinds the sim serves: built-in resources and those of
//! CustomResourceDefinitions.
//!
//! Discovery, OpenAPI, routing and Table output all read this one catalogue, so a kind added
//! here (or by creating a CRD) appears everywhere at once.

use std::sync::Arc;

use serde_json::Value;

use crate::storage::{GroupResource, Store};

/// The CRD resource in the store.
pub fn crd_resource() -> GroupResource {
    GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions")
}

/// One subresource of a resource.
#[derive(Debug, Clone)]
pub struct Subresource {
    pub name: &'static str,
    /// `(group, version, kind)` of what the subresource answers with; empty group/version means
    /// the parent's.
    pub response: (&'static str, &'static str, &'static str),
    pub verbs: &'static [&'static str],
}

/// A resource the sim serves.
#[derive(Debug, Clone)]
pub struct ResourceInfo {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub verbs: Vec<&'static str>,
    pub subresources: Vec<Subresource>,
    /// Served from a CustomResourceDefinition (no strategic merge patch, printer columns
    /// from the CRD).
    pub custom: bool,
    /// `additionalPrinterColumns` of the CRD version, for Table output.
    pub printer_columns: Vec<Value>,
    /// Not stored: answered by a function (access reviews, metrics).
    pub virtual_kind: bool,
}

impl ResourceInfo {
    /// The store key of this resource.
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(&self.group, &self.plural)
    }

    /// `apps/v1` or `v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether the resource has the named subresource.
    pub fn has_subresource(&self, name: &str) -> bool {
        self.subresources.iter().any(|s| s.name == name)
    }
}

const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const STATUS: Subresource = Subresource {
    name: "status",
    response: ("", "", ""),
    verbs: &["get", "patch", "update"],
};
const SCALE: Subresource = Subresource {
    name: "scale",
    response: ("autoscaling", "v1", "Scale"),
    verbs: &["get", "patch", "update"],
};

struct Builtin {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    all: bool,
    subs: &'static [Subresource],
    verbs: &'static [&'static str],
}

const fn b(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    all: bool,
    subs: &'static [Subresource],
) -> Builtin {
    Builtin {
        group,
        version: "v1",
        kind,
        plural,
        namespaced,
        short,
        all,
        subs,
        verbs: ALL_VERBS,
    }
}

const POD_SUBS: &[Subresource] = &[
    Subresource {
        name: "attach",
        response: ("", "", "PodAttachOptions"),
        verbs: &["create", "get"],
    },
    Subresource {
        name: "binding",
        response: ("", "", "Binding"),
        verbs: &["create"],
    },
    Subresource {
        name: "ephemeralcontainers",
        response: ("", "v1", "Pod"),
        verbs: &["get", "patch", "update"],
    },
    Subresource {
        name: "eviction",
        response: ("policy", "v1", "Eviction"),
        verbs: &["create"],
    },
    Subresource {
        name: "exec",
        response: ("", "", "PodExecOptions"),
        verbs: &["create", "get"],
    },
    Subresource {
        name: "log",
        response: ("", "", "Pod"),
        verbs: &["get"],
    },
    STATUS,
];
const CREATE_ONLY: &[&str] = &["create"];
const TOKEN: Subresource = Subresource {
    name: "token",
    response: ("authentication.k8s.io", "v1", "TokenRequest"),
    verbs: &["create"],
};
const READ_ONLY: &[&str] = &["get", "list"];

const BUILTINS: &[Builtin] = &[
    b(
        "",
        "Namespace",
        "namespaces",
        false,
        &["ns"],
        false,
        &[STATUS],
    ),
    b("", "Node", "nodes", false, &["no"], false, &[STATUS]),
    b("", "Pod", "pods", true, &["po"], true, POD_SUBS),
    b("", "Service", "services", true, &["svc"], true, &[STATUS]),
    b("", "Endpoints", "endpoints", true, &["ep"], false, &[]),
    b("", "ConfigMap", "configmaps", true, &["cm"], false, &[]),
    b("", "Secret", "secrets", true, &[], false, &[]),
    b(
        "",
        "ServiceAccount",
        "serviceaccounts",
        true,
        &["sa"],
        false,
        &[TOKEN],
    ),
    b("", "Event", "events", true, &["ev"], false, &[]),
    b(
        "",
        "PersistentVolume",
        "persistentvolumes",
        false,
        &["pv"],
        false,
        &[STATUS],
    ),
    b(
        "",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
        false,
        &[STATUS],
    ),
    b(
        "",
        "ResourceQuota",
        "resourcequotas",
        true,
        &["quota"],
        false,
        &[STATUS],
    ),
    b(
        "",
        "LimitRange",
        "limitranges",
        true,
        &["limits"],
        false,
        &[],
    ),
    b(
        "apps",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        true,
        &[SCALE, STATUS],
    ),
    b(
        "apps",
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
        true,
        &[SCALE, STATUS],
    ),
    b(
        "apps",
        "StatefulSet",
        "statefulsets",
        true,
        &["sts"],
        true,
        &[SCALE, STATUS],
    ),
    b(
        "apps",
        "DaemonSet",
        "daemonsets",
        true,
        &["ds"],
        true,
        &[STATUS],
    ),
    b(
        "apps",
        "ControllerRevision",
        "controllerrevisions",
        true,
        &[],
        false,
        &[],
    ),
    b("batch", "Job", "jobs", true, &[], true, &[STATUS]),
    b(
        "batch",
        "CronJob",
        "cronjobs",
        true,
        &["cj"],
        true,
        &[STATUS],
    ),
    b(
        "networking.k8s.io",
        "Ingress",
        "ingresses",
        true,
        &["ing"],
        false,
        &[STATUS],
    ),
    b(
        "networking.k8s.io",
        "IngressClass",
        "ingressclasses",
        false,
        &[],
        false,
        &[],
    ),
    b(
        "networking.k8s.io",
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
        false,
        &[],
    ),
    b(
        "discovery.k8s.io",
        "EndpointSlice",
        "endpointslices",
        true,
        &[],
        false,
        &[],
    ),
    b(
        "storage.k8s.io",
        "StorageClass",
        "storageclasses",
        false,
        &["sc"],
        false,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "Role",
        "roles",
        true,
        &[],
        false,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
        false,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
        false,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
        false,
        &[],
    ),
    b(
        "coordination.k8s.io",
        "Lease",
        "leases",
        true,
        &[],
        false,
        &[],
    ),
    b(
        "events.k8s.io",
        "Event",
        "events",
        true,
        &["ev"],
        false,
        &[],
    ),
    b(
        "policy",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
        false,
        &[STATUS],
    ),
    b(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
        false,
        &[STATUS],
    ),
    Builtin {
        group: "authorization.k8s.io",
        version: "v1",
        kind: "SelfSubjectAccessReview",
        plural: "selfsubjectaccessreviews",
        namespaced: false,
        short: &[],
        all: false,
        subs: &[],
        verbs: CREATE_ONLY,
    },
    Builtin {
        group: "authorization.k8s.io",
        version: "v1",
        kind: "SelfSubjectRulesReview",
        plural: "selfsubjectrulesreviews",
        namespaced: false,
        short: &[],
        all: false,
        subs: &[],
        verbs: CREATE_ONLY,
    },
    Builtin {
        group: "authorization.k8s.io",
        version: "v1",
        kind: "SubjectAccessReview",
        plural: "subjectaccessreviews",
        namespaced: false,
        short: &[],
        all: false,
        subs: &[],
        verbs: CREATE_ONLY,
    },
    Builtin {
        group: "authorization.k8s.io",
        version: "v1",
        kind: "LocalSubjectAccessReview",
        plural: "localsubjectaccessreviews",
        namespaced: true,
        short: &[],
        all: false,
        subs: &[],
        verbs: CREATE_ONLY,
    },
    Builtin {
        group: "authentication.k8s.io",
        version: "v1",
        kind: "TokenReview",
        plural: "tokenreviews",
        namespaced: false,
        short: &[],
        all: false,
        subs: &[],
        verbs: CREATE_ONLY,
    },
    Builtin {
        group: "authentication.k8s.io",
        version: "v1",
        kind: "SelfSubjectReview",
        plural: "selfsubjectreviews",
        namespaced: false,
        short: &[],
        all: false,
        subs: &[],
        verbs: CREATE_ONLY,
    },
    Builtin {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind: "PodMetrics",
        plural: "pods",
        namespaced: true,
        short: &[],
        all: false,
        subs: &[],
        verbs: READ_ONLY,
    },
    Builtin {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind: "NodeMetrics",
        plural: "nodes",
        namespaced: false,
        short: &[],
        all: false,
        subs: &[],
        verbs: READ_ONLY,
    },
];

/// All kinds the sim serves: the built-ins and, read from the store on each call, the CRDs.
#[derive(Debug, Clone)]
pub struct Kinds {
    builtins: Arc<Vec<Arc<ResourceInfo>>>,
    store: Store,
}

impl Kinds {
    /// The built-in kinds plus the CRDs found in `store`.
    pub fn new(store: Store) -> Kinds {
        let builtins = BUILTINS
            .iter()
            .map(|b| {
                Arc::new(ResourceInfo {
                    group: b.group.into(),
                    version: b.version.into(),
                    kind: b.kind.into(),
                    plural: b.plural.into(),
                    singular: b.kind.to_lowercase(),
                    namespaced: b.namespaced,
                    short_names: b.short.iter().map(|s| s.to_string()).collect(),
                    categories: if b.all { vec!["all".into()] } else { vec![] },
                    verbs: b.verbs.to_vec(),
                    subresources: b.subs.to_vec(),
                    custom: false,
                    printer_columns: vec![],
                    virtual_kind: b.verbs == CREATE_ONLY || b.group == "metrics.k8s.io",
                })
            })
            .collect();
        Kinds {
            builtins: Arc::new(builtins),
            store,
        }
    }

    /// The same kinds without the built-in kinds of `group`: a cluster where, say,
    /// metrics-server is not installed serves no `metrics.k8s.io`, in discovery or at its paths.
    #[must_use]
    pub fn without_group(mut self, group: &str) -> Kinds {
        self.builtins = Arc::new(
            self.builtins
                .iter()
                .filter(|r| r.group != group)
                .cloned()
                .collect(),
        );
        self
    }

    /// The resource served at `group/version/plural`, if any.
    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceInfo>> {
        if let Some(b) = self
            .builtins
            .iter()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
        {
            return Some(b.clone());
        }
        if group.is_empty() {
            return None;
        }
        let crd = self
            .store
            .get(&crd_resource(), "", &format!("{plural}.{group}"))?;
        crd_versions(crd.value())
            .into_iter()
            .find(|r| r.version == version)
            .map(Arc::new)
    }

    /// Every resource served, built-ins first, then CRD versions sorted by group.
    pub fn all(&self) -> Vec<Arc<ResourceInfo>> {
        let mut out: Vec<Arc<ResourceInfo>> = self.builtins.iter().cloned().collect();
        let mut custom: Vec<ResourceInfo> = self
            .store
            .list(&crd_resource(), None)
            .iter()
            .flat_map(|crd| crd_versions(crd.value()))
            .collect();
        custom.sort_by(|a, b| (&a.group, &a.plural).cmp(&(&b.group, &b.plural)));
        out.extend(custom.into_iter().map(Arc::new));
        out
    }

    /// The served group-versions in discovery order: `(group, [versions], preferred)`.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for r in self.all() {
            match groups.iter_mut().find(|(g, _)| *g == r.group) {
                Some((_, versions)) => {
                    if !versions.contains(&r.version) {
                        versions.push(r.version.clone());
                    }
                }
                None => groups.push((r.group.clone(), vec![r.version.clone()])),
            }
        }
        groups
    }

    /// The served resources of one group-version.
    pub fn resources_of(&self, group: &str, version: &str) -> Vec<Arc<ResourceInfo>> {
        self.all()
            .into_iter()
            .filter(|r| r.group == group && r.version == version)
            .collect()
    }

    /// The resource of a kind in a group (any served version), e.g. for owner references.
    pub fn find_kind(&self, group: &str, kind: &str) -> Option<Arc<ResourceInfo>> {
        self.all()
            .into_iter()
            .find(|r| r.group == group && r.kind == kind)
    }
}

/// The resources a CRD serves, one per served version.
pub fn crd_versions(crd: &Value) -> Vec<ResourceInfo> {
    let spec = &crd["spec"];
    let group = spec["group"].as_str().unwrap_or_default();
    let names = &spec["names"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    let versions = spec["versions"].as_array().cloned().unwrap_or_default();
    versions
        .iter()
        .filter(|v| v["served"].as_bool().unwrap_or(true))
        .map(|v| {
            let mut subresources = Vec::new();
            if v.pointer("/subresources/status").is_some() {
                subresources.push(STATUS);
            }
            if v.pointer("/subresources/scale").is_some() {
                subresources.push(SCALE);
            }
            let kind = names["kind"].as_str().unwrap_or_default().to_string();
            ResourceInfo {
                group: group.into(),
                version: v["name"].as_str().unwrap_or_default().into(),
                singular: names["singular"]
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| kind.to_lowercase()),
                kind,
                plural: names["plural"].as_str().unwrap_or_default().into(),
                namespaced,
                short_names: strings(&names["shortNames"]),
                categories: strings(&names["categories"]),
                verbs: ALL_VERBS.to_vec(),
                subresources,
                custom: true,
                printer_columns: v["additionalPrinterColumns"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
                virtual_kind: false,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtin_deployments_have_scale_and_status() {
        let kinds = Kinds::new(Store::new());
        let d = kinds
            .find("apps", "v1", "deployments")
            .expect("deployments served");
        assert!(d.has_subresource("scale") && d.has_subresource("status"));
        assert_eq!(d.short_names, ["deploy"]);
    }

    #[test]
    fn a_crd_in_the_store_is_served_at_once() {
        let store = Store::new();
        let kinds = Kinds::new(store.clone());
        assert!(kinds.find("example.com", "v1", "widgets").is_none());
        let crd = json!({"kind": "CustomResourceDefinition", "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
                "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}}]}});
        store
            .create(&crd_resource(), false, crd)
            .expect("create crd");
        let w = kinds
            .find("example.com", "v1", "widgets")
            .expect("widgets served");
        assert!(w.custom && w.namespaced && w.has_subresource("status"));
        assert!(kinds.groups().iter().any(|(g, _)| g == "example.com"));
    }
}
