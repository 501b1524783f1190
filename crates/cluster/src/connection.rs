//! Connects to a cluster from a kubeconfig or the in-cluster service account.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::{Error, Result};

/// How long to wait for a TCP/TLS connection before calling the cluster unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the cluster's address and credentials come from.
#[derive(Debug, Clone)]
pub enum ClusterSource {
    /// A kubeconfig, already read (and merged when KUBECONFIG lists several files), and the context
    /// to use; `None` uses its `current-context`.
    Kubeconfig {
        kubeconfig: Box<Kubeconfig>,
        context: Option<String>,
    },
    /// The service account Kubernetes mounts into the pod Wheelhouse runs in.
    InCluster,
}

/// What Wheelhouse tells a person about the cluster it is connected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// The kubeconfig's cluster name, or `in-cluster`.
    pub name: String,
    /// The API server's URL.
    pub server: String,
    /// Who Wheelhouse acts as: the kubeconfig user, or the service account.
    pub user: String,
    /// Whether this is the built-in demo cluster.
    pub demo: bool,
}

/// A client for one cluster and what is known about it.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub info: ClusterInfo,
    /// What the client was built from: address, CA and credentials, for tools that need a
    /// kubeconfig of the same connection (helm).
    pub config: Config,
}

impl Connection {
    /// Marks this as the built-in demo cluster, which the UI and the log say loudly.
    #[must_use]
    pub fn demo(mut self, demo: bool) -> Self {
        self.info.demo = demo;
        self
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// Reads and merges kubeconfig files in the order given, as kubectl does with KUBECONFIG.
pub fn read_kubeconfig(paths: &[PathBuf]) -> Result<Kubeconfig> {
    let mut merged: Option<Kubeconfig> = None;
    for path in paths.iter().filter(|p| !p.as_os_str().is_empty()) {
        let next = read_one(path)?;
        merged = Some(match merged {
            None => next,
            Some(kubeconfig) => kubeconfig.merge(next).map_err(Error::Kubeconfig)?,
        });
    }
    merged.ok_or(Error::NoKubeconfig)
}

fn read_one(path: &Path) -> Result<Kubeconfig> {
    Kubeconfig::read_from(path).map_err(|source| Error::ReadKubeconfig {
        path: path.to_path_buf(),
        source,
    })
}

/// Builds a client for the source; this does not contact the cluster (the monitor does).
pub async fn connect(source: ClusterSource) -> Result<Connection> {
    let (mut config, info) = match source {
        ClusterSource::Kubeconfig {
            kubeconfig,
            context,
        } => {
            let info = kubeconfig_info(&kubeconfig, context.as_deref())?;
            let options = KubeConfigOptions {
                context,
                ..KubeConfigOptions::default()
            };
            let config = Config::from_custom_kubeconfig(*kubeconfig, &options)
                .await
                .map_err(Error::Kubeconfig)?;
            (config, info)
        }
        ClusterSource::InCluster => {
            let config = Config::incluster().map_err(Error::InCluster)?;
            let info = ClusterInfo {
                name: "in-cluster".into(),
                server: config.cluster_url.to_string(),
                user: "the pod's service account".into(),
                demo: false,
            };
            (config, info)
        }
    };
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    // kube-rs retries 429, 503 and 504 up to 15 times by default, for minutes: Wheelhouse shows
    // the API server's answer instead (an eviction a PodDisruptionBudget forbids is a 429 the
    // person must see); watches retry with their own backoff, the monitor re-checks on its own.
    config.default_retry = false;
    let client = Client::try_from(config.clone()).map_err(Error::Client)?;
    Ok(Connection {
        client,
        info,
        config,
    })
}

/// Finds the cluster name, server and user the chosen context (else the current one) points at.
pub fn kubeconfig_info(kubeconfig: &Kubeconfig, context: Option<&str>) -> Result<ClusterInfo> {
    let context_name = match context {
        Some(name) => name.to_string(),
        None => kubeconfig
            .current_context
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or(Error::NoCurrentContext)?,
    };
    let context = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context_name)
        .and_then(|c| c.context.as_ref())
        .ok_or_else(|| Error::ContextNotFound(context_name.clone()))?;
    let server = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == context.cluster)
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .unwrap_or_default();
    Ok(ClusterInfo {
        name: context.cluster.clone(),
        server,
        user: context.user.clone().unwrap_or_else(|| "(no user)".into()),
        demo: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster: { server: "https://dev.example:6443" }
- name: prod-cluster
  cluster: { server: "https://prod.example:6443" }
contexts:
- name: dev
  context: { cluster: dev-cluster, user: alice }
- name: prod
  context: { cluster: prod-cluster, user: bob }
users:
- name: alice
  user: { token: a }
- name: bob
  user: { token: b }
"#;

    fn kubeconfig() -> Kubeconfig {
        Kubeconfig::from_yaml(KUBECONFIG).expect("valid kubeconfig")
    }

    #[test]
    fn the_current_context_is_used_when_none_is_given() {
        let info = kubeconfig_info(&kubeconfig(), None).expect("current context exists");
        assert_eq!(info.name, "dev-cluster");
        assert_eq!(info.server, "https://dev.example:6443");
        assert_eq!(info.user, "alice");
        assert!(!info.demo);
    }

    #[test]
    fn a_named_context_selects_its_cluster_and_user() {
        let info = kubeconfig_info(&kubeconfig(), Some("prod")).expect("context exists");
        assert_eq!(
            (info.name.as_str(), info.user.as_str()),
            ("prod-cluster", "bob")
        );
    }

    #[test]
    fn an_unknown_context_is_an_error_naming_it() {
        let error = kubeconfig_info(&kubeconfig(), Some("staging")).expect_err("no such context");
        assert!(error.to_string().contains("\"staging\""), "{error}");
    }

    #[test]
    fn a_kubeconfig_without_current_context_asks_for_one() {
        let mut kubeconfig = kubeconfig();
        kubeconfig.current_context = None;
        assert!(matches!(
            kubeconfig_info(&kubeconfig, None),
            Err(Error::NoCurrentContext)
        ));
    }

    #[test]
    fn an_empty_list_of_kubeconfig_paths_says_so() {
        assert!(matches!(read_kubeconfig(&[]), Err(Error::NoKubeconfig)));
        assert!(matches!(
            read_kubeconfig(&[PathBuf::new()]),
            Err(Error::NoKubeconfig)
        ));
    }

    #[test]
    fn a_missing_kubeconfig_file_is_an_error_naming_the_path() {
        let error =
            read_kubeconfig(&["/nonexistent/kubeconfig".into()]).expect_err("file is missing");
        assert!(
            error.to_string().contains("/nonexistent/kubeconfig"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn connecting_builds_a_client_without_contacting_the_cluster() {
        let source = ClusterSource::Kubeconfig {
            kubeconfig: Box::new(kubeconfig()),
            context: Some("prod".into()),
        };
        let connection = connect(source).await.expect("client builds offline");
        assert_eq!(connection.info.server, "https://prod.example:6443");
        assert!(connection.demo(true).info.demo);
    }
}
