//! Reading: get and list (with selectors and paging), in the representation asked for.

use axum::response::Response;
use base64::Engine;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};

use super::{current, partial, respond_object, scale_of, versioned};
use crate::api::http::{Call, Representation, bytes_response, respond};
use crate::api::selectors::{matches, selectors};
use crate::api::{pod_logs, resource_metrics, table};
use crate::error::{Error, Result};
use crate::storage::{ListParams, StoredObject, str_at};

#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    v: String,
    rv: u64,
    start: String,
}

/// Encodes the key a list page ended at as kube's opaque continue token.
pub fn encode_continue(rv: u64, after: &str) -> String {
    let token = ContinueToken {
        v: "meta.k8s.io/v1".into(),
        rv,
        start: format!("{after}\u{0}"),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&token).unwrap_or_default())
}

/// Decodes a continue token into the key to continue after.
pub fn decode_continue(token: &str) -> Result<String> {
    let invalid = |why: &str| Error::bad_request(format!("continue key is not valid: {why}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| invalid("not base64"))?;
    let token: ContinueToken =
        serde_json::from_slice(&bytes).map_err(|_| invalid("not a continue token"))?;
    if token.v != "meta.k8s.io/v1" {
        return Err(invalid("unknown version"));
    }
    Ok(token.start.trim_end_matches('\u{0}').to_string())
}

/// GET on a collection.
pub fn list(call: &Call<'_>) -> Result<Response> {
    let info = &call.info;
    if info.group == "metrics.k8s.io" {
        return resource_metrics::list(call);
    }
    let (labels, fields) = selectors(call)?;
    let limit: usize = match call.param("limit") {
        Some(l) => l
            .parse()
            .map_err(|_| Error::bad_request(format!("invalid limit {l:?}")))?,
        None => 0,
    };
    let after = call
        .param("continue")
        .filter(|c| !c.is_empty())
        .map(decode_continue)
        .transpose()?;
    let filter = |o: &StoredObject| matches(info, &labels, &fields, o);
    let page = call.state.store.list_page(
        &info.group_resource(),
        &ListParams {
            namespace: call.req.namespace.as_deref(),
            after: after.as_deref(),
            limit,
            filter: if labels.is_empty() && fields.is_empty() {
                None
            } else {
                Some(&filter)
            },
        },
    );
    let mut list_meta = json!({"resourceVersion": page.resource_version.to_string()});
    if let Some(after) = &page.continue_after {
        list_meta["continue"] = json!(encode_continue(page.resource_version, after));
    }
    if let Some(n) = page.remaining {
        list_meta["remainingItemCount"] = json!(n);
    }
    match call.representation {
        Representation::Table => {
            let include = call.param("includeObject").unwrap_or("Metadata");
            let value = table::table(info, &page.items, include, list_meta);
            Ok(respond(call, StatusCode::OK, &value))
        }
        Representation::PartialMetadata => {
            let items: Vec<Value> = page.items.iter().map(|o| partial(o.value())).collect();
            let value = json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta, "items": items});
            Ok(respond(call, StatusCode::OK, &value))
        }
        Representation::Yaml => {
            let items: Vec<Value> = page.items.iter().map(|o| versioned(info, o)).collect();
            let value = json!({"kind": format!("{}List", info.kind), "apiVersion": info.api_version(), "metadata": list_meta, "items": items});
            Ok(respond(call, StatusCode::OK, &value))
        }
        _ => {
            // Fast path: concatenate each object's cached JSON.
            let mut out = Vec::with_capacity(
                64 + page
                    .items
                    .iter()
                    .map(|o| o.json_bytes().len() + 1)
                    .sum::<usize>(),
            );
            out.extend_from_slice(
                format!(
                    "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
                    info.kind,
                    info.api_version(),
                    list_meta
                )
                .as_bytes(),
            );
            let api_version = info.api_version();
            for (i, o) in page.items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if info.custom && str_at(o.value(), &["apiVersion"]) != api_version {
                    out.extend_from_slice(
                        &serde_json::to_vec(&versioned(info, o)).unwrap_or_default(),
                    );
                } else {
                    out.extend_from_slice(o.json_bytes());
                }
            }
            out.extend_from_slice(b"]}");
            Ok(bytes_response(
                StatusCode::OK,
                Bytes::from(out),
                "application/json",
            ))
        }
    }
}

/// GET on an object or one of its subresources.
pub async fn get(call: &Call<'_>) -> Result<Response> {
    if call.info.group == "metrics.k8s.io" {
        return resource_metrics::get(call);
    }
    match call.req.subresource.as_deref() {
        None | Some("status" | "ephemeralcontainers") => {
            let obj = current(call)?;
            Ok(respond_object(call, StatusCode::OK, &obj))
        }
        Some("scale") => {
            let obj = current(call)?;
            Ok(respond(call, StatusCode::OK, &scale_of(obj.value())))
        }
        Some("log") => pod_logs::serve(call).await,
        Some(other) => Err(Error::MethodNotAllowed(format!(
            "the server does not allow GET on {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_look_like_kubes() {
        let token = encode_continue(20287, "default/web-1");
        assert!(
            token.starts_with("eyJ2IjoibWV0YS5rOHMuaW8vdjEi"),
            "same prefix as kube's tokens: {token}"
        );
        assert_eq!(decode_continue(&token).expect("valid"), "default/web-1");
        assert_eq!(
            decode_continue("not-a-token!").expect_err("invalid").code(),
            400
        );
    }
}
