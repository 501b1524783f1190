//! Serves the Kubernetes API over HTTP, as kube-apiserver does: what a client sends is
//! authenticated, authorized, routed and decoded here, and what it gets back is encoded here.
//!
//! - `http`: routing of API paths, authentication, content negotiation, errors as `Status`;
//! - `auth`: the token table, the policy of users and groups, and the access reviews;
//! - `rbac`: the rules stored ClusterRoleBindings and RoleBindings grant, and service accounts'
//!   tokens;
//! - `oidc`, `impersonation`: the other ways in: OIDC ID tokens and the `Impersonate-*` headers;
//! - `discovery`, `openapi`: what clients read to learn the kinds served;
//! - `verbs`: get, list, create, update, patch, delete and the subresources;
//! - `selectors`: the label and field selectors of lists, watches and deletecollection;
//! - `watch`: watch streams;
//! - `table`: server-side printing (`kubectl get` columns);
//! - `patch`, `managed_fields`: patches, and field ownership with server-side apply;
//! - `proto`, `defaults`: protobuf request bodies, and the defaults kube-apiserver fills in;
//! - `pod_logs`, `exec`, `portforward`, `cadvisor`: the kubelet's endpoints the API server
//!   proxies (the `log`, `exec` and `portforward` subresources of pods, a node's cAdvisor
//!   metrics);
//! - `pod_security`: Pod Security admission (`pod-security.kubernetes.io/enforce`) on pod creation;
//! - `proxy`: `pods/proxy` and `services/proxy`, to a small web server every pod runs;
//! - `resource_metrics`: the resource metrics API, `metrics.k8s.io`, as metrics-server serves it;
//! - `tls`: plain HTTP and HTTPS on one port.

pub mod auth;
pub mod cadvisor;
pub mod defaults;
pub mod discovery;
pub mod exec;
pub mod http;
pub mod impersonation;
pub mod managed_fields;
pub mod oidc;
pub mod openapi;
pub mod patch;
pub mod pod_logs;
pub mod pod_security;
pub mod portforward;
pub mod proto;
pub mod proxy;
pub mod rbac;
pub mod resource_metrics;
pub mod selectors;
pub mod table;
pub mod tls;
pub mod verbs;
pub mod watch;
