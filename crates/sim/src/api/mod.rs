//! Serves the Kubernetes API over HTTP, as kube-apiserver does: what a client sends is
//! authenticated, authorized, routed and decoded here, and what it gets back is encoded here.
//!
//! - `http`: routing of API paths, authentication, content negotiation, errors as `Status`;
//! - `auth`: the token table, the policy and the access reviews;
//! - `discovery`, `openapi`: what clients read to learn the kinds served;
//! - `verbs`: get, list, create, update, patch, delete and the subresources;
//! - `watch`: watch streams;
//! - `table`: server-side printing (`kubectl get` columns);
//! - `patch`, `managed_fields`: patches, and field ownership with server-side apply;
//! - `proto`, `defaults`: protobuf request bodies, and the defaults kube-apiserver fills in;
//! - `exec`, `cadvisor`: the kubelet's endpoints the API server proxies;
//! - `tls`: plain HTTP and HTTPS on one port.

pub mod auth;
pub mod cadvisor;
pub mod defaults;
pub mod discovery;
pub mod exec;
pub mod http;
pub mod managed_fields;
pub mod openapi;
pub mod patch;
pub mod proto;
pub mod table;
pub mod tls;
pub mod verbs;
pub mod watch;
