//! Generates `/openapi/v2` and `/openapi/v3` from the catalogue of kinds ([`Kinds`](crate::storage::Kinds)).
//!
//! What kubectl and helm read from these documents: the PATCH operation of a kind, tagged with
//! `x-kubernetes-group-version-kind`, and whether it takes the `fieldValidation` query
//! parameter (so they leave validation to the server instead of validating on the client).
//! Component schemas are deliberately without `x-kubernetes-group-version-kind`: kubectl's
//! client-side apply then finds no schema to compute a strategic merge patch from and uses
//! its compiled-in types, which know every merge key. `kubectl explain` is therefore not
//! supported (it needs full schemas).

use axum::response::Response;
use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::api::http::{AppState, bytes_response, json_response};
use crate::error::{Error, Result};
use crate::storage::ResourceInfo;

fn param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": {"type": "string", "uniqueItems": true}})
}

fn write_params(patch: bool) -> Vec<Value> {
    let mut p = vec![
        param(
            "dryRun",
            "When present, indicates that modifications should not be persisted.",
        ),
        param(
            "fieldManager",
            "fieldManager is a name associated with the actor or entity that is making these changes.",
        ),
        param(
            "fieldValidation",
            "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.",
        ),
    ];
    if patch {
        p.push(json!({"name": "force", "in": "query", "description": "Force is going to \"force\" Apply requests.", "schema": {"type": "boolean", "uniqueItems": true}}));
    }
    p
}

/// The component name of a kind's schema, e.g. `io.k8s.api.apps.v1.Deployment`.
fn schema_name(r: &ResourceInfo) -> String {
    let group = match r.group.as_str() {
        "" => "core".to_string(),
        g if r.custom => g.split('.').rev().collect::<Vec<_>>().join("."),
        g => g.split('.').next().unwrap_or(g).to_string(),
    };
    if r.custom {
        format!("{group}.{}.{}", r.version, r.kind)
    } else {
        format!("io.k8s.api.{group}.{}.{}", r.version, r.kind)
    }
}

fn operation(r: &ResourceInfo, action: &str, id: &str, params: Vec<Value>, v3: bool) -> Value {
    let gvk = json!({"group": r.group, "version": r.version, "kind": r.kind});
    let reference = if v3 {
        json!({"$ref": format!("#/components/schemas/{}", schema_name(r))})
    } else {
        json!({"$ref": format!("#/definitions/{}", schema_name(r))})
    };
    let mut op = json!({
        "operationId": format!("{id}{}", r.kind),
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
        "parameters": params,
        "responses": {"200": {"description": "OK"}},
    });
    if v3 {
        op["responses"]["200"]["content"] = json!({"application/json": {"schema": reference}});
        if matches!(action, "put" | "post" | "patch") {
            let media = if action == "patch" {
                json!({
                    "application/json-patch+json": {"schema": {"type": "object"}},
                    "application/merge-patch+json": {"schema": {"type": "object"}},
                    "application/strategic-merge-patch+json": {"schema": {"type": "object"}},
                    "application/apply-patch+yaml": {"schema": {"type": "object"}}
                })
            } else {
                json!({"*/*": {"schema": reference}})
            };
            op["requestBody"] = json!({"content": media, "required": true});
        }
    } else {
        op["responses"]["200"]["schema"] = reference;
    }
    op
}

fn paths_of(r: &ResourceInfo, v3: bool) -> Vec<(String, Value)> {
    let prefix = if r.group.is_empty() {
        format!("/api/{}", r.version)
    } else {
        format!("/apis/{}/{}", r.group, r.version)
    };
    let collection = if r.namespaced {
        format!("{prefix}/namespaces/{{namespace}}/{}", r.plural)
    } else {
        format!("{prefix}/{}", r.plural)
    };
    let mut out = Vec::new();
    let has = |v: &str| r.verbs.contains(&v);
    let mut coll = Map::new();
    if has("list") {
        coll.insert("get".into(), operation(r, "list", "list", vec![], v3));
    }
    if has("create") {
        coll.insert(
            "post".into(),
            operation(r, "post", "create", write_params(false), v3),
        );
    }
    if has("deletecollection") {
        coll.insert(
            "delete".into(),
            operation(r, "deletecollection", "deleteCollection", vec![], v3),
        );
    }
    if !coll.is_empty() {
        out.push((collection.clone(), Value::Object(coll)));
    }
    let mut item = Map::new();
    if has("get") {
        item.insert("get".into(), operation(r, "get", "read", vec![], v3));
    }
    if has("update") {
        item.insert(
            "put".into(),
            operation(r, "put", "replace", write_params(false), v3),
        );
    }
    if has("patch") {
        item.insert(
            "patch".into(),
            operation(r, "patch", "patch", write_params(true), v3),
        );
    }
    if has("delete") {
        item.insert(
            "delete".into(),
            operation(r, "delete", "delete", vec![], v3),
        );
    }
    if !item.is_empty() {
        out.push((format!("{collection}/{{name}}"), Value::Object(item)));
    }
    for sub in &r.subresources {
        if sub.verbs.contains(&"patch") {
            let mut ops = Map::new();
            ops.insert(
                "get".into(),
                operation(
                    r,
                    "get",
                    &format!("read{}", capitalize(sub.name)),
                    vec![],
                    v3,
                ),
            );
            ops.insert(
                "put".into(),
                operation(
                    r,
                    "put",
                    &format!("replace{}", capitalize(sub.name)),
                    write_params(false),
                    v3,
                ),
            );
            ops.insert(
                "patch".into(),
                operation(
                    r,
                    "patch",
                    &format!("patch{}", capitalize(sub.name)),
                    write_params(true),
                    v3,
                ),
            );
            out.push((
                format!("{collection}/{{name}}/{}", sub.name),
                Value::Object(ops),
            ));
        }
    }
    if r.namespaced && has("list") {
        let mut all = Map::new();
        all.insert(
            "get".into(),
            operation(r, "list", "listForAllNamespaces", vec![], v3),
        );
        out.push((format!("{prefix}/{}", r.plural), Value::Object(all)));
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn schema_of(r: &ResourceInfo, v3: bool) -> Value {
    let meta_ref = if v3 {
        json!({"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}], "default": {}})
    } else {
        json!({"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"})
    };
    json!({
        "description": format!("{} (schema not simulated: fields are not described)", r.kind),
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": meta_ref
        },
        "x-kubernetes-preserve-unknown-fields": true
    })
}

fn object_meta() -> Value {
    json!({"description": "ObjectMeta is metadata that all persisted resources must have.", "type": "object", "x-kubernetes-preserve-unknown-fields": true})
}

/// `GET /openapi/v2`: paths of every resource (JSON only).
pub fn v2(state: &AppState) -> Response {
    let mut paths = Map::new();
    let mut definitions = Map::new();
    definitions.insert(
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta".into(),
        object_meta(),
    );
    for r in state.kinds.all() {
        for (p, ops) in paths_of(&r, false) {
            paths.insert(p, ops);
        }
        definitions.insert(schema_name(&r), schema_of(&r, false));
    }
    let doc = json!({"swagger": "2.0", "info": {"title": "Kubernetes", "version": format!("v1.{}.0", crate::api::discovery::KUBE_MINOR)}, "paths": paths, "definitions": definitions});
    json_response(StatusCode::OK, &doc)
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `GET /openapi/v3`: the index of per group-version documents.
pub fn v3_index(state: &AppState) -> Response {
    let mut paths = Map::new();
    for (group, versions) in state.kinds.groups() {
        for v in versions {
            let path = gv_path(&group, &v);
            let hash = hash_of(&v3_doc(state, &group, &v));
            paths.insert(
                path.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}),
            );
        }
    }
    let body = serde_json::to_vec(&json!({"paths": paths})).unwrap_or_default();
    bytes_response(StatusCode::OK, body.into(), "application/json")
}

fn hash_of(doc: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    doc.to_string().hash(&mut h);
    format!("{:016X}", h.finish())
}

fn v3_doc(state: &AppState, group: &str, version: &str) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert(
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta".into(),
        object_meta(),
    );
    for r in state.kinds.resources_of(group, version) {
        for (p, ops) in paths_of(&r, true) {
            paths.insert(p, ops);
        }
        schemas.insert(schema_name(&r), schema_of(&r, true));
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": format!("v1.{}.0", crate::api::discovery::KUBE_MINOR)},
        "paths": paths,
        "components": {"schemas": schemas}
    })
}

/// `GET /openapi/v3/{api/v1 | apis/group/version}`.
pub fn v3_document(state: &AppState, path: &str) -> Result<Response> {
    let (group, version) = match path.split('/').collect::<Vec<_>>().as_slice() {
        ["api", v] => (String::new(), v.to_string()),
        ["apis", g, v] => (g.to_string(), v.to_string()),
        _ => return Err(Error::UnknownPath),
    };
    if state.kinds.resources_of(&group, &version).is_empty() {
        return Err(Error::UnknownPath);
    }
    Ok(json_response(
        StatusCode::OK,
        &v3_doc(state, &group, &version),
    ))
}
