//! Logs go to stderr as text or JSON; stdout carries only the lines other programs parse.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// The default level keeps libraries quiet (kube-client logs every failed request as an error;
/// the connection monitor reports an unreachable cluster once instead); RUST_LOG overrides it.
const DEFAULT_FILTER: &str = "info,kube_client=warn,kube_client::client::builder=off,kube_runtime=warn,tower=warn,hyper=warn";

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
}
