//! The login mode, from the flags: which one, and refusing the unsafe ones with the reason.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use wheelhouse_server::session::{
    KeyOrigin, LoginConfig, LoginMode, Oidc, OidcSettings, ProxySettings, SessionKey,
};

use crate::cli::{LoginKind, ServeArgs};

/// The login configuration the flags ask for. `in_cluster`: Wheelhouse runs with a service
/// account, whose rights must never pass to whoever connects.
pub fn config(
    args: &ServeArgs,
    listen: SocketAddr,
    in_cluster: bool,
) -> anyhow::Result<LoginConfig> {
    let kinds = &args.login;
    let mode = if kinds.is_empty() || kinds == &[LoginKind::Local] {
        if !listen.ip().is_loopback() {
            bail!(
                "Wheelhouse would listen on {listen}, which other machines can reach, and act with the \
                 kubeconfig's identity for whoever connects. Choose how people sign in with \
                 --login token, --login oidc or --login proxy (docs/security.md), or listen on \
                 127.0.0.1."
            );
        }
        if in_cluster {
            bail!(
                "Wheelhouse runs in a cluster, where its identity is a service account: acting with it \
                 for whoever connects would hand its rights to them. Choose how people sign in with \
                 --login token, --login oidc or --login proxy (docs/security.md)."
            );
        }
        LoginMode::Local
    } else if kinds.contains(&LoginKind::Local) {
        bail!("--login local cannot be combined with other login modes");
    } else if kinds.contains(&LoginKind::Proxy) {
        if kinds.len() > 1 {
            bail!(
                "--login proxy cannot be combined with other login modes: the proxy decides who signs in"
            );
        }
        let path = args
            .proxy_secret_file
            .as_deref()
            .context("--login proxy needs --proxy-secret-file: the secret the authenticating proxy sends, so requests that bypass it are refused")?;
        let secret = read_secret(path, "--proxy-secret-file")?;
        if secret.len() < 16 {
            bail!(
                "the proxy secret in {} is shorter than 16 characters",
                path.display()
            );
        }
        LoginMode::Proxy(ProxySettings {
            secret,
            secret_header: header_name(&args.proxy_secret_header, "--proxy-secret-header")?,
            user_header: header_name(&args.proxy_user_header, "--proxy-user-header")?,
            group_header: header_name(&args.proxy_group_header, "--proxy-group-header")?,
        })
    } else {
        let oidc = if kinds.contains(&LoginKind::Oidc) {
            let issuer = args.oidc_issuer_url.clone().context(
                "--login oidc needs --oidc-issuer-url: the issuer the API server trusts",
            )?;
            let client_id = args
                .oidc_client_id
                .clone()
                .context("--login oidc needs --oidc-client-id")?;
            let client_secret = args
                .oidc_client_secret_file
                .as_deref()
                .map(|p| read_secret(p, "--oidc-client-secret-file"))
                .transpose()?;
            let settings = OidcSettings {
                issuer,
                client_id,
                client_secret,
                scopes: args.oidc_scopes.clone(),
                redirect_url: args.oidc_redirect_url.clone(),
            };
            Some(Arc::new(Oidc::new(settings).map_err(anyhow::Error::msg)?))
        } else {
            None
        };
        LoginMode::Login {
            token: kinds.contains(&LoginKind::Token),
            oidc,
        }
    };
    let key = match &args.session_key_file {
        Some(path) => {
            let material = std::fs::read(path)
                .with_context(|| format!("cannot read --session-key-file {}", path.display()))?;
            SessionKey::from_secret(&material, KeyOrigin::File(path.display().to_string()))
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("invalid --session-key-file {}", path.display()))?
        }
        None => SessionKey::random(),
    };
    Ok(LoginConfig {
        mode,
        key,
        session_ttl: args.session_duration,
        command_line_token: None,
    })
}

fn read_secret(path: &Path, flag: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {flag} {}", path.display()))?;
    let text = text.trim().to_string();
    if text.is_empty() {
        bail!("{flag} {} is empty", path.display());
    }
    Ok(text)
}

fn header_name(name: &str, flag: &str) -> anyhow::Result<http::HeaderName> {
    http::HeaderName::try_from(name)
        .with_context(|| format!("{flag} {name:?} is not a header name"))
}
