//! Serves `pods/proxy` and `services/proxy` as kube-apiserver does: the path
//! `/api/v1/namespaces/{ns}/{pods|services}/{[scheme:]name[:port]}/proxy/{path}` is authorized as
//! the `proxy` subresource (verb by method: get, create, update, patch, delete), the target is
//! resolved (a pod's IP and port; a Service's port, then a ready address of its Endpoints, or
//! `503 ServiceUnavailable` "no endpoints available for service" as the real one answers), and
//! the request reaches the "workload" behind it.
//!
//! The workload is the sim's own small web server, the same in every pod: an HTML page naming
//! the pod that answered (with a stylesheet, an image, a script, a relative and an absolute
//! link), `echo` (the request as the pod received it, headers included, as JSON), `redirect` (a
//! 302), `stream?kib=N` (N KiB sent as they are made) and `status/{code}`. What the API server's
//! proxy does to answers is done here too: a `Location` and absolute links in HTML that point to
//! the workload's own paths are rewritten under the proxy path (kube's `proxy.Transport`), and
//! the client's `Authorization` and `Impersonate-*` headers are not passed on (the API server's
//! authentication filters remove them).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};

use crate::api::auth::{Attributes, User, authorize};
use crate::api::http::AppState;
use crate::error::{Error, Result};
use crate::storage::{GroupResource, str_at};

/// The largest `stream?kib=` the workload sends (64 MiB).
const MAX_STREAM_KIB: usize = 64 * 1024;

/// What a proxy path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub namespace: String,
    /// `pods` or `services`.
    pub resource: String,
    /// The path segment as sent: `web`, `web:80`, `https:web:443`.
    pub segment: String,
    pub scheme: String,
    pub name: String,
    pub port: String,
    /// The path after `proxy`, with its leading `/` (empty when the request ends at `proxy`).
    pub path: String,
}

impl Target {
    /// Reads `["api","v1","namespaces",ns,"pods"|"services",target,"proxy",rest..]`.
    pub fn parse(segments: &[&str], raw_path: &str) -> Option<Self> {
        let [
            "api",
            "v1",
            "namespaces",
            namespace,
            resource,
            segment,
            "proxy",
            ..,
        ] = segments
        else {
            return None;
        };
        if !matches!(*resource, "pods" | "services") {
            return None;
        }
        let parts: Vec<&str> = segment.split(':').collect();
        let (scheme, name, port) = match parts.as_slice() {
            [name] => ("", *name, ""),
            [name, port] => ("", *name, *port),
            [scheme, name, port] => (*scheme, *name, *port),
            _ => return None,
        };
        let prefix = format!("/api/v1/namespaces/{namespace}/{resource}/{segment}/proxy");
        let path = raw_path.strip_prefix(&prefix).unwrap_or("").to_string();
        Some(Self {
            namespace: (*namespace).to_string(),
            resource: (*resource).to_string(),
            segment: (*segment).to_string(),
            scheme: scheme.to_string(),
            name: name.to_string(),
            port: port.to_string(),
            path,
        })
    }

    /// The API server's path of this target, without a trailing slash.
    fn prefix(&self) -> String {
        format!(
            "/api/v1/namespaces/{}/{}/{}/proxy",
            self.namespace, self.resource, self.segment
        )
    }
}

/// The verb a proxy request is authorized as.
fn verb(method: &Method) -> Result<&'static str> {
    Ok(match *method {
        Method::GET | Method::HEAD | Method::OPTIONS => "get",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        _ => {
            return Err(Error::MethodNotAllowed(format!(
                "the server does not allow this method on the requested resource ({method})"
            )));
        }
    })
}

/// The pod that answers and the port it answers on.
pub(crate) struct Backend {
    pub pod: Value,
    pub ip: String,
    pub port: String,
}

/// Serves one proxy request.
pub async fn serve(
    state: &AppState,
    user: &User,
    target: Target,
    method: Method,
    query: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response> {
    authorize(
        user,
        &Attributes {
            verb: verb(&method)?,
            group: "",
            resource: &target.resource,
            subresource: "proxy",
            namespace: &target.namespace,
            name: &target.segment,
        },
    )?;
    let backend = match target.resource.as_str() {
        "pods" => pod_backend(state, &target)?,
        _ => service_backend(state, &target)?,
    };
    // The root of the target without a trailing slash is redirected to it, as kube does.
    if target.path.is_empty() {
        let mut location = format!("{}/", target.prefix());
        if !query.is_empty() {
            location = format!("{location}?{query}");
        }
        return Ok(redirect(StatusCode::MOVED_PERMANENTLY, &location));
    }
    Ok(workload(
        &target,
        &target.prefix(),
        &backend,
        &method,
        query,
        headers,
        &body,
        user,
    ))
}

fn pod_backend(state: &AppState, target: &Target) -> Result<Backend> {
    let pod = state
        .store
        .get(
            &GroupResource::core("pods"),
            &target.namespace,
            &target.name,
        )
        .ok_or_else(|| Error::not_found("pods", &target.name))?;
    let pod = pod.value().clone();
    let ip = str_at(&pod, &["status", "podIP"]).to_string();
    if ip.is_empty() {
        return Err(Error::bad_request(format!(
            "pod {} does not have a pod IP yet (phase {})",
            target.name,
            str_at(&pod, &["status", "phase"])
        )));
    }
    let declared = container_ports(&pod);
    let port = if target.port.is_empty() {
        declared.first().map_or_else(|| "80".into(), i64::to_string)
    } else {
        target.port.clone()
    };
    let listening = port.parse::<i64>().is_ok_and(|p| declared.contains(&p))
        && str_at(&pod, &["status", "phase"]) == "Running";
    if !listening {
        return Err(Error::ServiceUnavailable(format!(
            "error trying to reach service: dial tcp {ip}:{port}: connect: connection refused"
        )));
    }
    Ok(Backend { pod, ip, port })
}

/// The ports a pod's containers declare (where the sim's web server listens).
pub(crate) fn container_ports(pod: &Value) -> Vec<i64> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["containerPort"].as_i64())
        .collect()
}

fn service_backend(state: &AppState, target: &Target) -> Result<Backend> {
    let service = state
        .store
        .get(
            &GroupResource::core("services"),
            &target.namespace,
            &target.name,
        )
        .ok_or_else(|| Error::not_found("services", &target.name))?;
    let service = service.value().clone();
    let ports = service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // The port is a number or a port's name; none means the unnamed (or only) port.
    let port_name = if target.port.is_empty() {
        String::new()
    } else if let Ok(number) = target.port.parse::<i64>() {
        ports
            .iter()
            .find(|p| p["port"].as_i64() == Some(number))
            .map(|p| p["name"].as_str().unwrap_or_default().to_string())
            .ok_or_else(|| {
                Error::ServiceUnavailable(format!(
                    "no service port {number} found for service \"{}\"",
                    target.name
                ))
            })?
    } else {
        target.port.clone()
    };
    let unavailable = || {
        Error::ServiceUnavailable(format!(
            "no endpoints available for service \"{}\"",
            target.name
        ))
    };
    let endpoints = state
        .store
        .get(
            &GroupResource::core("endpoints"),
            &target.namespace,
            &target.name,
        )
        .ok_or_else(|| Error::not_found("endpoints", &target.name))?;
    let subsets = endpoints
        .value()
        .get("subsets")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for subset in &subsets {
        let Some(port) = subset["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"].as_str().unwrap_or_default() == port_name)
            .and_then(|p| p["port"].as_i64())
        else {
            continue;
        };
        // The first ready address, as the sim has no randomness to offer tests.
        let Some(address) = subset["addresses"].as_array().and_then(|a| a.first()) else {
            continue;
        };
        let pod_name = address["targetRef"]["name"].as_str().unwrap_or_default();
        let pod = state
            .store
            .get(&GroupResource::core("pods"), &target.namespace, pod_name)
            .map(|p| p.value().clone())
            .unwrap_or(Value::Null);
        return Ok(Backend {
            pod,
            ip: address["ip"].as_str().unwrap_or_default().to_string(),
            port: port.to_string(),
        });
    }
    Err(unavailable())
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = Response::new(Body::from(format!(
        "<a href=\"{}\">{}</a>.\n",
        escape(location),
        status.canonical_reason().unwrap_or("Redirect")
    )));
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn with_type(body: impl Into<Body>, content_type: &'static str) -> Response {
    let mut response = Response::new(body.into());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The sim's web server in the pod, and what the API server's proxy does to its answers. Its
/// own absolute paths start with `prefix`: the proxy path through the API server's proxy, `""`
/// when reached directly (through `pods/portforward`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn workload(
    target: &Target,
    prefix: &str,
    backend: &Backend,
    method: &Method,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    user: &User,
) -> Response {
    let pod_name = str_at(&backend.pod, &["metadata", "name"]).to_string();
    let path = target.path.as_str();
    let mut response = match path.trim_start_matches('/') {
        "echo" => {
            // What reached the pod: the API server passes the client's headers on, except the
            // credentials its filters consumed.
            let mut received = BTreeMap::new();
            for (name, value) in headers {
                let name = name.as_str();
                if name == "authorization" || name.starts_with("impersonate-") {
                    continue;
                }
                received.insert(
                    name.to_string(),
                    Value::String(value.to_str().unwrap_or_default().to_string()),
                );
            }
            let answer = json!({
                "pod": pod_name, "podIP": backend.ip, "port": backend.port,
                "method": method.as_str(), "path": path, "query": query,
                "headers": received, "body": String::from_utf8_lossy(body),
                "forwardedFor": user.name,
            });
            with_type(answer.to_string(), "application/json")
        }
        // The workload redirects to its own `/echo`; the API server rewrites it under the proxy.
        "redirect" => redirect(StatusCode::FOUND, &format!("{prefix}/echo?from=redirect")),
        "style.css" => with_type(
            "body { font-family: sans-serif; } #styled { color: rgb(0, 128, 0); }\n",
            "text/css; charset=utf-8",
        ),
        "logo.svg" => with_type(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"40\"><circle cx=\"20\" cy=\"20\" r=\"18\" fill=\"teal\"/></svg>",
            "image/svg+xml",
        ),
        // The page's script: it runs, and says what it can reach.
        "app.js" => with_type(
            "(async () => {\n  const out = document.getElementById('script');\n  let cookies;\n  try { cookies = 'cookies readable: ' + JSON.stringify(document.cookie); } catch (e) { cookies = 'cookies not readable'; }\n  let api;\n  try { const r = await fetch('/api/v1/cluster', { credentials: 'include' }); api = 'console API answered ' + r.status; } catch (e) { api = 'console API not reachable'; }\n  out.textContent = 'script ran; ' + cookies + '; ' + api;\n})();\n",
            "text/javascript; charset=utf-8",
        ),
        "stream" => {
            let kib = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("kib="))
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(1)
                .min(MAX_STREAM_KIB);
            let chunk = Bytes::from(vec![b'x'; 1024]);
            let stream = futures::stream::iter(
                (0..kib).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
            );
            with_type(Body::from_stream(stream), "text/plain")
        }
        rest if rest.starts_with("status/") => {
            let code = rest
                .trim_start_matches("status/")
                .parse::<u16>()
                .ok()
                .and_then(|c| StatusCode::from_u16(c).ok())
                .unwrap_or(StatusCode::OK);
            let mut response = with_type(format!("status {}\n", code.as_u16()), "text/plain");
            *response.status_mut() = code;
            response
        }
        _ => with_type(
            page(target, prefix, backend, &pod_name, path),
            "text/html; charset=utf-8",
        ),
    };
    // What a workload might send that a console must not pass on as its own.
    let headers = response.headers_mut();
    headers.insert(
        header::SET_COOKIE,
        HeaderValue::from_static("workload-session=1; Path=/"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src *"),
    );
    if let Ok(value) = HeaderValue::from_str(&pod_name) {
        headers.insert("x-served-by", value);
    }
    response
}

/// The workload's page. Its absolute link is written as the API server's proxy rewrites it.
fn page(target: &Target, prefix: &str, backend: &Backend, pod: &str, path: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{pod}</title>\
         <link rel=\"stylesheet\" href=\"{prefix}/style.css\"></head>\n<body>\n\
         <h1 id=\"styled\">Served by {pod}</h1>\n\
         <p id=\"where\">{kind} {name} in {namespace}, port {port}, path {path}</p>\n\
         <p><a id=\"relative\" href=\"about\">a relative link</a> · \
         <a id=\"absolute\" href=\"{prefix}/about\">an absolute link</a> · \
         <a id=\"redirect\" href=\"{prefix}/redirect\">a redirect</a></p>\n\
         <img id=\"logo\" src=\"logo.svg\" alt=\"\">\n<p id=\"script\">script did not run</p>\n\
         <script src=\"{prefix}/app.js\"></script>\n</body></html>\n",
        pod = escape(pod),
        kind = if target.resource == "pods" {
            "pod"
        } else {
            "service"
        },
        name = escape(&target.name),
        namespace = escape(&target.namespace),
        port = escape(&backend.port),
        path = escape(path),
        prefix = escape(prefix),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_path_names_its_scheme_target_port_and_path() {
        let path = "/api/v1/namespaces/shop/services/https:web:443/proxy/a/b";
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let target = Target::parse(&segments, path).expect("a proxy path");
        assert_eq!(
            (
                target.scheme.as_str(),
                target.name.as_str(),
                target.port.as_str(),
                target.path.as_str()
            ),
            ("https", "web", "443", "/a/b")
        );
        let path = "/api/v1/namespaces/shop/pods/web-1/proxy";
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let target = Target::parse(&segments, path).expect("a proxy path");
        assert_eq!((target.port.as_str(), target.path.as_str()), ("", ""));
        let path = "/api/v1/namespaces/shop/configmaps/x/proxy";
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        assert!(Target::parse(&segments, path).is_none());
    }
}
