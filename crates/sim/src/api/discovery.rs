//! Answers API discovery: `/version`, `/api`, `/apis`, per group-version resource lists, and
//! aggregated discovery (`apidiscovery.k8s.io/v2`) for clients that ask for it.

use axum::response::Response;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::api::http::{AppState, Representation, bytes_response, json_response, negotiate};
use crate::error::{Error, Result};
use crate::storage::ResourceInfo;

/// The Kubernetes version the sim claims to be.
pub const KUBE_MINOR: &str = "36";

/// The `/version` document.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": KUBE_MINOR,
        "emulationMajor": "1",
        "emulationMinor": KUBE_MINOR,
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "35",
        "gitVersion": format!("v1.{KUBE_MINOR}.0-wheelhouse-sim"),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// `GET /api`.
pub fn api_versions(state: &AppState, headers: &HeaderMap) -> Result<Response> {
    if negotiate(headers)? == Representation::AggregatedDiscovery {
        let doc = aggregated(state, true);
        return Ok(bytes_response(
            StatusCode::OK,
            serde_json::to_vec(&doc).unwrap_or_default().into(),
            AGGREGATED,
        ));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}),
    ))
}

fn group_json(name: &str, versions: &[String]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    json!({"name": name, "versions": versions, "preferredVersion": versions[0]})
}

/// `GET /apis`.
pub fn api_groups(state: &AppState, headers: &HeaderMap) -> Result<Response> {
    if negotiate(headers)? == Representation::AggregatedDiscovery {
        let doc = aggregated(state, false);
        return Ok(bytes_response(
            StatusCode::OK,
            serde_json::to_vec(&doc).unwrap_or_default().into(),
            AGGREGATED,
        ));
    }
    let groups: Vec<Value> = state
        .kinds
        .groups()
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, versions)| group_json(&g, &versions))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
    ))
}

/// `GET /apis/{group}`.
pub fn group(state: &AppState, name: &str) -> Result<Response> {
    let (_, versions) = state
        .kinds
        .groups()
        .into_iter()
        .find(|(g, _)| g == name && !g.is_empty())
        .ok_or(Error::UnknownPath)?;
    let mut doc = group_json(name, &versions);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Ok(json_response(StatusCode::OK, &doc))
}

/// `GET /api/v1` or `/apis/{group}/{version}`: the APIResourceList.
pub fn resource_list(state: &AppState, group: &str, version: &str) -> Result<Response> {
    let resources = state.kinds.resources_of(group, version);
    if resources.is_empty() {
        return Err(Error::UnknownPath);
    }
    let mut list = Vec::new();
    for r in &resources {
        let mut entry = json!({
            "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
            "kind": r.kind, "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        list.push(entry);
        for sub in &r.subresources {
            let mut e = json!({
                "name": format!("{}/{}", r.plural, sub.name), "singularName": "", "namespaced": r.namespaced,
                "kind": if sub.response.2.is_empty() { r.kind.as_str() } else { sub.response.2 },
                "verbs": sub.verbs,
            });
            if !sub.response.0.is_empty() {
                e["group"] = json!(sub.response.0);
                e["version"] = json!(sub.response.1);
            }
            list.push(e);
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": list}),
    ))
}

fn aggregated_resource(r: &ResourceInfo) -> Value {
    let mut entry = json!({
        "resource": r.plural,
        "responseKind": {"group": "", "version": "", "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        entry["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        entry["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        let subs: Vec<Value> = r
            .subresources
            .iter()
            .map(|s| {
                let kind = if s.response.2.is_empty() { r.kind.as_str() } else { s.response.2 };
                json!({"subresource": s.name, "responseKind": {"group": s.response.0, "version": s.response.1, "kind": kind}, "verbs": s.verbs})
            })
            .collect();
        entry["subresources"] = json!(subs);
    }
    entry
}

/// The aggregated discovery document of the core group (`core`) or of all named groups.
pub fn aggregated(state: &AppState, core: bool) -> Value {
    let mut items = Vec::new();
    for (group, versions) in state.kinds.groups() {
        if group.is_empty() != core {
            continue;
        }
        let versions: Vec<Value> = versions
            .iter()
            .map(|v| {
                let resources: Vec<Value> = state
                    .kinds
                    .resources_of(&group, v)
                    .iter()
                    .map(|r| aggregated_resource(r))
                    .collect();
                // An aggregated API whose backend does not answer is served from the last
                // discovery the API server made of it, marked stale.
                let stale = group == "metrics.k8s.io" && state.faults.metrics_down();
                let freshness = if stale { "Stale" } else { "Current" };
                json!({"version": v, "resources": resources, "freshness": freshness})
            })
            .collect();
        let metadata = if core {
            json!({"creationTimestamp": null})
        } else {
            json!({"name": group, "creationTimestamp": null})
        };
        items.push(json!({"metadata": metadata, "versions": versions}));
    }
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}
