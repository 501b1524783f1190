//! Serves the Kubernetes REST API over HTTP: routing of API paths, authentication, content
//! negotiation and the one place where errors become `metav1.Status` responses.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Query, Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::Value;

use crate::api::auth::{Attributes, GroupPolicy, User, authorize};
use crate::api::oidc::OidcAuthenticator;
use crate::api::{discovery, openapi, verbs};
use crate::controllers::kubelet::{container_logs::LogSource, container_usage::MetricsSource};
use crate::error::{Error, Result};
use crate::storage::Store;
use crate::storage::{Kinds, ResourceInfo};

/// kube-apiserver's limit on request bodies.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// What every request handler can reach.
pub struct AppState {
    pub store: Store,
    pub kinds: Kinds,
    pub users: Vec<User>,
    /// Rules bound to groups: a person has their own rules and those of each of their groups.
    pub group_policies: Vec<GroupPolicy>,
    /// Verifies ID tokens when the sim is configured for OIDC.
    pub oidc: Option<OidcAuthenticator>,
    /// The service accounts' tokens TokenRequest has handed out.
    pub service_account_tokens: crate::api::rbac::ServiceAccountTokens,
    pub logs: Arc<dyn LogSource>,
    pub metrics: Arc<dyn MetricsSource>,
    /// The cumulative CPU counters of the cAdvisor endpoint.
    pub cpu_counters: crate::api::cadvisor::CpuCounters,
    /// Turns true when the sim shuts down; long streams (watch, logs -f) end then.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Faults a test injects: failing or slow answers, dropped watches.
    pub faults: crate::faults::Faults,
}

/// The router of the whole API: one fallback handler that parses Kubernetes paths.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    use futures::FutureExt;
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    match state.faults.now() {
        Some(crate::faults::Failure::Internal) => {
            return error_response(&Error::Internal("etcdserver: request timed out".into()));
        }
        Some(crate::faults::Failure::TooManyRequests) => {
            // As API Priority and Fairness rejects: 429 with Retry-After.
            let mut response = error_response(&Error::TooManyRequests {
                message: "Too many requests, please try again later.".into(),
                causes: Vec::new(),
            });
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
            return response;
        }
        Some(crate::faults::Failure::Slow(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    if state.faults.metrics_down() && path.starts_with("/apis/metrics.k8s.io") {
        // The aggregator's answer when the APIService's backend does not answer.
        return error_response(&Error::ServiceUnavailable(
            "the server is currently unable to handle the request".into(),
        ));
    }
    // A bug must not take the connection down silently: a panic becomes a 500 Status and
    // an error in the log. (Writes change a copy of the object, so the store stays whole.)
    let response = match std::panic::AssertUnwindSafe(dispatch(&state, request))
        .catch_unwind()
        .await
    {
        Ok(Ok(response)) => response,
        Ok(Err(err)) => error_response(&err),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(%method, %path, panic = %what, "the simulated API server panicked on a request");
            error_response(&Error::Internal(format!(
                "the sim failed on {method} {path}: {what}"
            )))
        }
    };
    tracing::debug!(%method, %path, status = response.status().as_u16(), "sim request");
    response
}

/// The cAdvisor exposition of one node or all of them.
fn cadvisor(state: &AppState, node: Option<&str>) -> Response {
    let text = crate::api::cadvisor::exposition(
        &state.store,
        state.metrics.as_ref(),
        &state.cpu_counters,
        node,
        jiff::Timestamp::now(),
    );
    bytes_response(
        StatusCode::OK,
        Bytes::from(text),
        "text/plain; version=0.0.4; charset=utf-8",
    )
}

/// The response for an error: its Status body with its code.
pub fn error_response(err: &Error) -> Response {
    if err.code() >= 500 {
        tracing::warn!(error = %err, "sim answered with an internal error");
    }
    json_response(
        StatusCode::from_u16(err.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        &err.to_status(),
    )
}

/// A JSON response.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    bytes_response(
        status,
        Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
        "application/json",
    )
}

/// A response of bytes with a content type.
pub fn bytes_response(status: StatusCode, body: Bytes, content_type: &str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    response
}

/// How the client wants the answer, from its Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Json,
    Yaml,
    Table,
    PartialMetadata,
    AggregatedDiscovery,
}

/// Picks the first representation of the Accept header the sim can produce.
pub fn negotiate(headers: &HeaderMap) -> Result<Representation> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.trim().is_empty() {
        return Ok(Representation::Json);
    }
    for range in accept.split(',') {
        let range = range.trim();
        let media = range.split(';').next().unwrap_or("").trim();
        let params: Vec<&str> = range.split(';').skip(1).map(str::trim).collect();
        let has = |p: &str| params.contains(&p);
        match media {
            "application/json" | "*/*" | "application/*" => {
                if has("as=Table") {
                    return Ok(Representation::Table);
                }
                if has("as=PartialObjectMetadataList") || has("as=PartialObjectMetadata") {
                    return Ok(Representation::PartialMetadata);
                }
                if has("as=APIGroupDiscoveryList") {
                    if has("v=v2") {
                        return Ok(Representation::AggregatedDiscovery);
                    }
                    continue;
                }
                if params.iter().any(|p| p.starts_with("as=")) {
                    continue;
                }
                return Ok(Representation::Json);
            }
            "application/yaml" => return Ok(Representation::Yaml),
            _ => continue,
        }
    }
    Err(Error::NotAcceptable(format!(
        "only the following media types are accepted: application/json, application/yaml (asked for {accept})"
    )))
}

/// A parsed request to a resource path.
#[derive(Debug, Clone, Default)]
pub struct ResourceRequest {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// The deprecated `/watch/` path prefix was used.
    pub watch_path: bool,
}

/// Splits the part of a path after `/api/v1` or `/apis/{g}/{v}`.
pub fn parse_resource_path(group: &str, version: &str, rest: &[&str]) -> Option<ResourceRequest> {
    let mut rest = rest;
    let mut req = ResourceRequest {
        group: group.into(),
        version: version.into(),
        ..Default::default()
    };
    if rest.first() == Some(&"watch") {
        req.watch_path = true;
        rest = &rest[1..];
    }
    if rest.first() == Some(&"namespaces")
        && rest.len() >= 3
        && !(rest.len() == 3 && matches!(rest[2], "status" | "finalize"))
    {
        req.namespace = Some(rest[1].to_string());
        rest = &rest[2..];
    }
    match rest {
        [resource] => req.resource = resource.to_string(),
        [resource, name] => {
            req.resource = resource.to_string();
            req.name = Some(name.to_string());
        }
        [resource, name, sub] => {
            req.resource = resource.to_string();
            req.name = Some(name.to_string());
            req.subresource = Some(sub.to_string());
        }
        _ => return None,
    }
    Some(req)
}

/// Everything a verb handler needs about one request.
pub struct Call<'a> {
    pub state: &'a AppState,
    pub user: &'a User,
    pub info: Arc<ResourceInfo>,
    pub req: ResourceRequest,
    pub query: HashMap<String, String>,
    /// The query string as sent (repeated parameters such as exec's `command`).
    pub raw_query: String,
    pub headers: HeaderMap,
    pub representation: Representation,
}

impl Call<'_> {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// A boolean query parameter (`true`, `1`).
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.param(name), Some("true" | "1"))
    }

    /// The namespace of the request, `""` when none.
    pub fn namespace(&self) -> &str {
        self.req.namespace.as_deref().unwrap_or("")
    }

    /// `dryRun=All` was asked for.
    pub fn dry_run(&self) -> bool {
        self.query.get("dryRun").is_some_and(|v| v == "All")
    }

    /// The field manager: the `fieldManager` parameter, else the User-Agent up to the first `/`.
    pub fn field_manager(&self) -> String {
        if let Some(m) = self.param("fieldManager") {
            return m.to_string();
        }
        let agent = self
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("unknown");
        agent.split('/').next().unwrap_or("unknown").to_string()
    }
}

async fn dispatch(state: &AppState, request: Request) -> Result<Response> {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let method = parts.method.clone();

    // Probes and version are open to everyone, as on a default kube-apiserver.
    match segments.as_slice() {
        ["healthz" | "readyz" | "livez", ..] => {
            return Ok(bytes_response(
                StatusCode::OK,
                Bytes::from_static(b"ok"),
                "text/plain; charset=utf-8",
            ));
        }
        ["version"] => return Ok(json_response(StatusCode::OK, &discovery::version())),
        // What a Prometheus scrapes: every node's cAdvisor series, with `node` labels.
        ["metrics", "cadvisor"] if method == Method::GET => return Ok(cadvisor(state, None)),
        _ => {}
    }

    let mut user = authenticate(state, &parts.headers).await?;
    crate::api::rbac::grant(&state.store, &mut user);
    let user = match crate::api::impersonation::requested(&parts.headers)? {
        Some(asked) => {
            let mut acting = crate::api::impersonation::act_as(
                &user,
                asked,
                &state.users,
                &state.group_policies,
            )?;
            crate::api::rbac::grant(&state.store, &mut acting);
            acting
        }
        None => user,
    };
    let query: HashMap<String, String> = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default();

    if let ["api", "v1", "nodes", node, "proxy", "metrics", "cadvisor"] = segments.as_slice()
        && method == Method::GET
    {
        authorize(
            &user,
            &Attributes {
                verb: "get",
                resource: "nodes",
                subresource: "proxy",
                name: node,
                ..Attributes::default()
            },
        )?;
        if state
            .store
            .get(&crate::storage::GroupResource::core("nodes"), "", node)
            .is_none()
        {
            return Err(Error::not_found("nodes", node));
        }
        return Ok(cadvisor(state, Some(node)));
    }

    if let Some(target) = crate::api::proxy::Target::parse(&segments, &path) {
        let query = parts.uri.query().unwrap_or("").to_string();
        let body = read_body(body).await?;
        return crate::api::proxy::serve(
            state,
            &user,
            target,
            method,
            &query,
            &parts.headers,
            body,
        )
        .await;
    }

    let read_only = |m: &Method| *m == Method::GET || *m == Method::HEAD;
    let document = match segments.as_slice() {
        ["api"] if read_only(&method) => Some(discovery::api_versions(state, &parts.headers)),
        ["apis"] if read_only(&method) => Some(discovery::api_groups(state, &parts.headers)),
        ["api", "v1"] if read_only(&method) => Some(discovery::resource_list(state, "", "v1")),
        ["apis", group] if read_only(&method) => Some(discovery::group(state, group)),
        ["apis", group, version] if read_only(&method) => {
            Some(discovery::resource_list(state, group, version))
        }
        ["openapi", "v2"] if read_only(&method) => Some(Ok(openapi::v2(state))),
        ["openapi", "v3"] if read_only(&method) => Some(Ok(openapi::v3_index(state))),
        ["openapi", "v3", rest @ ..] if read_only(&method) => {
            Some(openapi::v3_document(state, &rest.join("/")))
        }
        _ => None,
    };
    if let Some(document) = document {
        return Ok(with_etag(&parts.headers, document?).await);
    }

    let req = match segments.as_slice() {
        ["api", "v1", rest @ ..] => parse_resource_path("", "v1", rest),
        ["apis", group, version, rest @ ..] => parse_resource_path(group, version, rest),
        _ => None,
    }
    .ok_or(Error::UnknownPath)?;

    let info = state
        .kinds
        .find(&req.group, &req.version, &req.resource)
        .ok_or(Error::UnknownPath)?;
    if req.namespace.is_some() && !info.namespaced {
        return Err(Error::UnknownPath);
    }
    if let Some(sub) = &req.subresource
        && !info.has_subresource(sub)
        && !(info.group.is_empty() && info.plural == "namespaces" && sub == "finalize")
    {
        return Err(Error::UnknownPath);
    }

    let is_upgrade = parts.headers.get(header::UPGRADE).is_some();
    let watch =
        req.watch_path || matches!(query.get("watch").map(String::as_str), Some("true" | "1"));
    let verb = match (&method, req.name.is_some(), req.subresource.as_deref()) {
        (&Method::GET | &Method::HEAD, _, Some("exec" | "attach" | "portforward")) => "create",
        (&Method::GET | &Method::HEAD, false, _) if watch => "watch",
        (&Method::GET | &Method::HEAD, true, None) if watch => "watch",
        (&Method::GET | &Method::HEAD, false, _) => "list",
        (&Method::GET | &Method::HEAD, true, _) => "get",
        (&Method::POST, _, _) => "create",
        (&Method::PUT, true, _) => "update",
        (&Method::PATCH, true, _) => "patch",
        (&Method::DELETE, true, _) => "delete",
        (&Method::DELETE, false, _) => "deletecollection",
        _ => {
            return Err(Error::MethodNotAllowed(format!(
                "the server does not allow this method on the requested resource ({method} {path})"
            )));
        }
    };
    if !info.verbs.contains(&verb) && req.subresource.is_none() {
        return Err(Error::MethodNotAllowed(format!(
            "the server does not allow this method on the requested resource ({verb} {})",
            info.plural
        )));
    }
    let name = req.name.clone().unwrap_or_default();
    let namespace = req.namespace.clone().unwrap_or_default();
    authorize(
        &user,
        &Attributes {
            verb,
            group: &info.group,
            resource: &info.plural,
            subresource: req.subresource.as_deref().unwrap_or(""),
            namespace: if info.plural == "namespaces" && info.group.is_empty() {
                &name
            } else {
                &namespace
            },
            name: &name,
        },
    )?;

    let representation = if req.subresource.as_deref() == Some("log") {
        Representation::Json
    } else {
        negotiate(&parts.headers)?
    };
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let call = Call {
        state,
        user: &user,
        info,
        req,
        query,
        raw_query,
        headers: parts.headers.clone(),
        representation,
    };

    if is_upgrade && matches!(call.req.subresource.as_deref(), Some("exec" | "attach")) {
        let ws = axum::extract::ws::WebSocketUpgrade::from_request_parts(&mut parts, &())
            .await
            .map_err(|e| Error::bad_request(format!("cannot upgrade to a websocket: {e}")))?;
        return crate::api::exec::upgrade(&call, ws);
    }
    if call.req.subresource.as_deref() == Some("portforward") {
        if !is_upgrade {
            return Err(Error::bad_request("Upgrade request required"));
        }
        let ws = axum::extract::ws::WebSocketUpgrade::from_request_parts(&mut parts, &())
            .await
            .map_err(|e| Error::bad_request(format!("cannot upgrade to a websocket: {e}")))?;
        return crate::api::portforward::upgrade(&call, ws);
    }

    let body = if matches!(
        method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        read_body(body).await?
    } else {
        Bytes::new()
    };
    let content_type = call
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();

    match verb {
        "watch" => crate::api::watch::serve(&call).await,
        "list" => verbs::list(&call),
        "get" => verbs::get(&call).await,
        "create" => verbs::create(&call, &body, &content_type),
        "update" => verbs::update(&call, &body, &content_type),
        "patch" => verbs::patch(&call, &body, &content_type),
        "delete" => verbs::delete(&call, &body),
        "deletecollection" => verbs::delete_collection(&call, &body),
        _ => Err(Error::UnknownPath),
    }
}

/// Discovery and OpenAPI answers carry an ETag; a client revalidating with `If-None-Match`
/// gets 304 Not Modified, as from kube-apiserver (helm and kubectl cache these documents).
async fn with_etag(request: &HeaderMap, response: Response) -> Response {
    use std::hash::{Hash, Hasher};
    if !response.status().is_success() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return error_response(&Error::Internal("cannot read a discovery document".into()));
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let etag = format!("\"{:016X}\"", hasher.finish());
    if let Ok(value) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, value);
    }
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The person behind the request's bearer token: a user of the token table, a service account
/// by a token TokenRequest made, or the bearer of a valid ID token when OIDC is configured; with
/// their groups' rules (RBAC's are added by the caller). Anything else is
/// the reference 401, whatever the reason (which is logged at debug).
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<User> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
        .unwrap_or("")
        .trim();
    if token.is_empty() {
        return Err(Error::Unauthorized);
    }
    if let Some(user) = user_of_token(&state.users, token) {
        return Ok(crate::api::auth::table_person(
            user,
            &state.users,
            &state.group_policies,
        ));
    }
    if let Some(account) = state
        .service_account_tokens
        .authenticate(&state.store, token)
    {
        return Ok(account);
    }
    let Some(oidc) = state
        .oidc
        .as_ref()
        .filter(|_| crate::api::oidc::looks_like_jwt(token))
    else {
        return Err(Error::Unauthorized);
    };
    match oidc.authenticate(token).await {
        Ok(identity) => Ok(crate::api::auth::person(
            &identity.username,
            identity.groups,
            &state.users,
            &state.group_policies,
        )),
        Err(reason) => {
            tracing::debug!(%reason, "an ID token was refused");
            Err(Error::Unauthorized)
        }
    }
}

/// Finds the user of a bearer token.
pub fn user_of_token<'a>(users: &'a [User], token: &str) -> Option<&'a User> {
    users.iter().find(|u| u.token == token)
}

async fn read_body(body: Body) -> Result<Bytes> {
    axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Error::TooLarge { limit: MAX_BODY })
}

/// Decodes a request body as JSON or YAML (by content type), worded like kube-apiserver when
/// it cannot.
pub fn decode_body(body: &[u8], content_type: &str, kind: &str) -> Result<Value> {
    let media = content_type.split(';').next().unwrap_or("").trim();
    if media == "application/vnd.kubernetes.protobuf" {
        return crate::api::proto::decode(body);
    }
    if media.contains("protobuf") || media.contains("cbor") {
        return Err(Error::UnsupportedMediaType(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (sent {media})"
        )));
    }
    let value: Value = if media == "application/yaml" || media == "application/apply-patch+yaml" {
        serde_yaml::from_slice(body).map_err(|e| {
            Error::bad_request(format!(
                "the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; yaml parse error: {e}"
            ))
        })?
    } else {
        serde_json::from_slice(body).map_err(|e| {
            let text = String::from_utf8_lossy(&body[..body.len().min(200)]).to_string();
            Error::bad_request(format!(
                "the object provided is unrecognized (must be of type {kind}): couldn't get version/kind; json parse error: {e} ({text})"
            ))
        })?
    };
    Ok(value)
}

/// Responds with a value in the negotiated representation (JSON or YAML).
pub fn respond(call: &Call<'_>, status: StatusCode, value: &Value) -> Response {
    match call.representation {
        Representation::Yaml => match serde_yaml::to_string(value) {
            Ok(text) => bytes_response(status, Bytes::from(text), "application/yaml"),
            Err(e) => error_response(&Error::Internal(e.to_string())),
        },
        _ => json_response(status, value),
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        error_response(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_paths_are_split_into_namespace_resource_name_and_subresource() {
        let r = parse_resource_path("", "v1", &["namespaces", "a", "pods", "p", "log"])
            .expect("parsed");
        assert_eq!(
            (
                r.namespace.as_deref(),
                r.resource.as_str(),
                r.name.as_deref(),
                r.subresource.as_deref()
            ),
            (Some("a"), "pods", Some("p"), Some("log"))
        );
    }

    #[test]
    fn a_namespace_and_its_status_are_the_namespaces_resource() {
        let r = parse_resource_path("", "v1", &["namespaces", "a"]).expect("parsed");
        assert_eq!(
            (r.resource.as_str(), r.name.as_deref(), r.namespace),
            ("namespaces", Some("a"), None)
        );
        let r = parse_resource_path("", "v1", &["namespaces", "a", "status"]).expect("parsed");
        assert_eq!(
            (r.resource.as_str(), r.subresource.as_deref()),
            ("namespaces", Some("status"))
        );
        let r =
            parse_resource_path("", "v1", &["watch", "namespaces", "a", "pods"]).expect("parsed");
        assert!(r.watch_path && r.namespace.as_deref() == Some("a") && r.name.is_none());
    }

    #[test]
    fn kubectl_table_accept_header_asks_for_a_table() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"),
        );
        assert_eq!(negotiate(&h).expect("acceptable"), Representation::Table);
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.kubernetes.protobuf"),
        );
        assert_eq!(negotiate(&h).expect_err("protobuf only").code(), 406);
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"),
        );
        assert_eq!(
            negotiate(&h).expect("acceptable"),
            Representation::AggregatedDiscovery
        );
    }
}
