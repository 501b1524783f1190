//! The POSTs that act rather than store: access reviews, and the eviction, binding and token
//! subresources.

use std::sync::Arc;

use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};
use wheelhouse_model::selector::Selector;

use super::write::write;
use crate::api::auth;
use crate::api::http::{Call, respond};
use crate::error::{Cause, Error, Result};
use crate::storage::{DeleteOptions, GroupResource, StoredObject, str_at};

/// POST of an access review (SelfSubjectAccessReview, SubjectAccessReview, …) or a
/// TokenReview: answered from the token table and the policy, not stored.
pub(super) fn review(call: &Call<'_>, mut object: Value) -> Result<Response> {
    let user = call.user;
    let value = match call.info.plural.as_str() {
        "selfsubjectaccessreviews" => auth::access_review(user, object),
        "localsubjectaccessreviews" | "subjectaccessreviews" => {
            // As RBAC does: the user named and the groups listed, no groups looked up.
            let name = str_at(&object, &["spec", "user"]).to_string();
            let groups: Vec<String> = object
                .pointer("/spec/groups")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            let mut subject =
                auth::person(&name, groups, &call.state.users, &call.state.group_policies);
            crate::api::rbac::grant(&call.state.store, &mut subject);
            auth::access_review(&subject, object)
        }
        "selfsubjectrulesreviews" => {
            let ns = str_at(&object, &["spec", "namespace"]).to_string();
            let served: Vec<(String, String)> = call
                .state
                .kinds
                .all()
                .iter()
                .map(|r| (r.group.clone(), r.plural.clone()))
                .collect();
            auth::rules_review(user, &ns, &served, object)
        }
        "tokenreviews" => {
            let token = str_at(&object, &["spec", "token"]).to_string();
            let account = || {
                call.state
                    .service_account_tokens
                    .authenticate(&call.state.store, &token)
            };
            let user = crate::api::http::user_of_token(&call.state.users, &token)
                .cloned()
                .or_else(account);
            object["status"] = match user {
                Some(u) => {
                    json!({"authenticated": true, "user": auth::user_info(&u), "audiences": []})
                }
                None => json!({"authenticated": false, "error": "invalid bearer token"}),
            };
            object
        }
        _ => {
            object["status"] = json!({"userInfo": auth::user_info(user)});
            object
        }
    };
    let mut value = value;
    value["apiVersion"] = json!(call.info.api_version());
    value["kind"] = json!(call.info.kind);
    Ok(respond(call, StatusCode::CREATED, &value))
}

/// POST pods/{name}/eviction: deletes the pod unless a PodDisruptionBudget forbids it (429).
pub(super) fn evict(call: &Call<'_>, eviction: &Value) -> Result<Response> {
    let pods = GroupResource::core("pods");
    let name = call.req.name.clone().unwrap_or_default();
    let ns = call.namespace().to_string();
    let pod = call
        .state
        .store
        .get(&pods, &ns, &name)
        .ok_or_else(|| Error::not_found("pods", &name))?;
    let pdbs = call.state.store.list(
        &GroupResource::new("policy", "poddisruptionbudgets"),
        Some(&ns),
    );
    for pdb in &pdbs {
        let spec = &pdb.value()["spec"];
        // A budget whose selector cannot be read protects nothing, as one that selects nothing.
        let Ok(selector) = Selector::from_label_selector(&spec["selector"]) else {
            continue;
        };
        if selector.is_empty() || !selector.matches(&pod.labels()) {
            continue;
        }
        let matching: Vec<Arc<StoredObject>> = call
            .state
            .store
            .list(&pods, Some(&ns))
            .into_iter()
            .filter(|p| selector.matches(&p.labels()))
            .collect();
        let healthy = matching.iter().filter(|p| is_ready(p.value())).count() as i64;
        let expected = matching.len() as i64;
        let desired = match (&spec["minAvailable"], &spec["maxUnavailable"]) {
            (Value::Null, Value::Null) => expected,
            (min, Value::Null) => int_or_percent(min, expected, true),
            (_, max) => expected - int_or_percent(max, expected, false),
        };
        let pod_healthy = is_ready(pod.value());
        let allowed = if pod_healthy { healthy - desired } else { 1 };
        if allowed <= 0 {
            let pdb_name = pdb.name().to_string();
            return Err(Error::TooManyRequests {
                message: "Cannot evict pod as it would violate the pod's disruption budget.".into(),
                causes: vec![Cause {
                    reason: "DisruptionBudget".into(),
                    message: format!(
                        "The disruption budget {pdb_name} needs {desired} healthy pods and has {healthy} currently"
                    ),
                    field: String::new(),
                }],
            });
        }
    }
    let mut options = DeleteOptions {
        dry_run: call.dry_run(),
        ..Default::default()
    };
    if let Some(uid) = eviction
        .pointer("/deleteOptions/preconditions/uid")
        .and_then(Value::as_str)
    {
        options.uid = Some(uid.to_string());
    }
    call.state.store.delete(&pods, &ns, &name, &options)?;
    Ok(respond(
        call,
        StatusCode::CREATED,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

/// POST serviceaccounts/{name}/token: a bearer token for the service account, which then
/// authenticates as `system:serviceaccount:<namespace>:<name>` with the rights RBAC grants it,
/// until it expires or the account is deleted. It is opaque, not a JWT.
pub(super) fn token_request(call: &Call<'_>, mut request: Value) -> Result<Response> {
    let name = call.req.name.clone().unwrap_or_default();
    let account = call
        .state
        .store
        .get(
            &GroupResource::core("serviceaccounts"),
            call.namespace(),
            &name,
        )
        .ok_or_else(|| Error::not_found("serviceaccounts", &name))?;
    let seconds = request
        .pointer("/spec/expirationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(3600);
    let now = jiff::Timestamp::now();
    let expires = now
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .unwrap_or(now);
    let token = format!(
        "sim-sa-{}-{}-{}",
        call.namespace(),
        name,
        uuid::Uuid::new_v4().simple()
    );
    call.state.service_account_tokens.issue(
        token.clone(),
        call.namespace(),
        &name,
        account.uid(),
        expires,
    );
    if !request.is_object() {
        request = json!({});
    }
    request["apiVersion"] = json!("authentication.k8s.io/v1");
    request["kind"] = json!("TokenRequest");
    request["metadata"] = json!({"name": name, "namespace": call.namespace(), "uid": account.uid(),
        "creationTimestamp": crate::storage::now_rfc3339()});
    request["status"] = json!({"token": token, "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()});
    Ok(respond(call, StatusCode::CREATED, &request))
}

/// POST pods/{name}/binding: sets the pod's node, as the scheduler does.
pub(super) fn bind(call: &Call<'_>, binding: &Value) -> Result<Response> {
    let node = str_at(binding, &["target", "name"]).to_string();
    if node.is_empty() {
        return Err(Error::invalid(
            "Binding",
            "",
            Cause::required("target.name", ""),
        ));
    }
    write(call, "Update", |cur| {
        let mut next = cur.clone();
        next["spec"]["nodeName"] = json!(node);
        Ok(next)
    })?;
    Ok(respond(
        call,
        StatusCode::CREATED,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
    ))
}

fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

fn int_or_percent(v: &Value, total: i64, round_up: bool) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => {
            let pct: f64 = s.trim_end_matches('%').parse().unwrap_or(0.0);
            let x = pct * total as f64 / 100.0;
            if round_up {
                x.ceil() as i64
            } else {
                x.floor() as i64
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdb_percentages_round_like_kube() {
        assert_eq!(int_or_percent(&json!("50%"), 3, true), 2);
        assert_eq!(int_or_percent(&json!("50%"), 3, false), 1);
        assert_eq!(int_or_percent(&json!(2), 3, true), 2);
    }
}
