//! Waits for SIGINT (Ctrl-C) or SIGTERM (Kubernetes stopping the pod).

use std::future::Future;

/// Starts listening for a stop signal now and returns what completes when one arrives.
///
/// The handlers are installed before this returns, not when the future is first polled: a
/// caller that prints "listening" (which tests and scripts wait for) after calling this cannot
/// be killed by a signal sent in between, which the default action would do.
pub fn signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind: SignalKind, name: &'static str| match signal(kind) {
            Ok(stream) => Some(stream),
            Err(error) => {
                tracing::error!(%error, "cannot listen for {name}");
                None
            }
        };
        let interrupt = listen(SignalKind::interrupt(), "SIGINT");
        let terminate = listen(SignalKind::terminate(), "SIGTERM");
        async move {
            let wait = |stream: Option<tokio::signal::unix::Signal>| async move {
                match stream {
                    Some(mut stream) => {
                        stream.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => tracing::info!("received SIGINT; shutting down"),
                () = wait(terminate) => tracing::info!("received SIGTERM; shutting down"),
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("received Ctrl-C; shutting down");
    }
}
