//! Serves HTTP connections with bounds on each: how long a client may take to send a request's
//! headers, how long it may leave what the console writes unread, and how many connections are
//! open at once.
//!
//! `axum::serve` runs hyper without a timer, so it has no header-read timeout, and it accepts
//! until the process runs out of file descriptors. This loop is the same (hyper-util's `auto`
//! builder, HTTP/1.1 and HTTP/2, upgrades for WebSockets, graceful shutdown) with these bounds:
//!
//! - **Headers**: a client that has not sent a request's headers within
//!   [`ConnectionLimits::header_read`] (an idle keep-alive connection included) is closed.
//! - **Bodies**: a request's body is read by its handler, inside the request timeout
//!   (`ServerConfig::request_timeout`), so a body trickled in slowly ends in 504.
//! - **Readers that stop**: every connection's writes go through [`Guarded`]; a write that makes
//!   no progress for [`ConnectionLimits::write_stall`] fails, which closes the connection (the
//!   socket's send buffer and hyper's own buffer are all that was held for it). Live views, log
//!   follows and WebSockets end with it and release what they followed.
//! - **How many**: at most [`ConnectionLimits::max`] connections. When a new one arrives at the
//!   cap, the connection that has waited longest without a request in flight (a flood of clients
//!   that send nothing, say) is closed to make room; a connection with a request, a stream or a
//!   WebSocket in progress is never chosen. So `/healthz` is answered under a flood, and the
//!   process never runs out of descriptors for its own calls to the API server.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{Notify, watch};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

/// The bounds on every connection; see the module's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once (`--max-connections`); lowered to what the process's file
    /// descriptor limit allows, less [`DESCRIPTOR_RESERVE`].
    pub max: usize,
    /// How long a client may take to send a request's headers, or keep an idle connection.
    pub header_read: Duration,
    /// How long a write to a client may make no progress before the connection is closed.
    pub write_stall: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max: 1024,
            header_read: Duration::from_secs(30),
            write_stall: Duration::from_secs(30),
        }
    }
}

impl ConnectionLimits {
    #[must_use]
    pub fn max(mut self, max: usize) -> Self {
        self.max = max.max(1);
        self
    }

    #[must_use]
    pub fn header_read(mut self, timeout: Duration) -> Self {
        self.header_read = timeout;
        self
    }

    #[must_use]
    pub fn write_stall(mut self, timeout: Duration) -> Self {
        self.write_stall = timeout;
        self
    }

    /// The cap this process can keep: `max`, or less when the descriptor limit is lower.
    pub fn effective_max(&self) -> usize {
        match open_files_limit() {
            Some(limit) => self
                .max
                .min(limit.saturating_sub(DESCRIPTOR_RESERVE).max(1)),
            None => self.max,
        }
    }
}

/// File descriptors kept for everything but clients: the API server, helm, repositories, files.
pub const DESCRIPTOR_RESERVE: usize = 128;

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere or unlimited.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Serves `service` on the connections `listener` accepts until `shutdown` completes, then lets
/// the requests in flight finish (the caller bounds how long).
pub async fn serve<L, S>(
    mut listener: L,
    service: S,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
    L::Io: Unpin,
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let max = limits.effective_max();
    if max < limits.max {
        tracing::warn!(
            requested = limits.max,
            max,
            "the process may open too few files for --max-connections; serving at most {max} connections (raise `ulimit -n`)"
        );
    }
    let registry = Arc::new(Registry::new(max));
    // Connections hold a receiver; when all are gone the server has finished.
    let (stopping, stop_requested) = watch::channel(false);
    let (done_sender, mut done) = tokio::sync::mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let (io, address) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let Some(slot) = registry.admit() else {
            tracing::debug!(%address, "refused a connection: every connection has a request in flight");
            continue;
        };
        let io = Guarded::new(io, limits.write_stall, slot.clone());
        let service = service.clone();
        let stop_requested = stop_requested.clone();
        let done_sender = done_sender.clone();
        tokio::spawn(async move {
            serve_connection(io, address, service, limits, slot, stop_requested).await;
            drop(done_sender);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(done_sender);
    // Every connection task holds a clone of the sender: `None` once all have ended.
    while done.recv().await.is_some() {}
    Ok(())
}

async fn serve_connection<IO, S>(
    io: Guarded<IO>,
    address: SocketAddr,
    service: S,
    limits: ConnectionLimits,
    slot: Slot,
    mut stop_requested: watch::Receiver<bool>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let requests = slot.clone();
    let hyper_service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let busy = requests.busy();
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(address));
        let answer = service.clone().oneshot(request);
        async move {
            let Ok(response) = answer.await;
            if response.status() == http::StatusCode::SWITCHING_PROTOCOLS {
                // The connection becomes a WebSocket: busy for as long as it is open.
                busy.forever();
                return Ok::<_, Infallible>(response);
            }
            // Busy until the body (an event stream, say) has been sent.
            Ok(response.map(|body| Body::new(BusyBody { body, _busy: busy })))
        }
    });
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol()
        .keep_alive_interval(limits.header_read)
        .keep_alive_timeout(limits.write_stall);
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), hyper_service);
    tokio::pin!(connection);
    let evicted = slot.evicted();
    tokio::pin!(evicted);
    let mut stopping = false;
    loop {
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%address, %error, "connection ended");
                }
                return;
            }
            () = &mut evicted => {
                tracing::debug!(%address, "closed an idle connection to make room for a new one");
                return;
            }
            changed = stop_requested.changed(), if !stopping => {
                if changed.is_err() || *stop_requested.borrow() {
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// The open connections, whether each has a request in flight, and since when it has not.
struct Registry {
    max: usize,
    next: AtomicU64,
    open: Mutex<HashMap<u64, Entry>>,
}

struct Entry {
    /// Requests, bodies and WebSockets in progress.
    busy: usize,
    /// When `busy` last fell to 0 (or the connection was accepted).
    quiet_since: Instant,
    /// Closing: told to close, no longer counted against the cap.
    evict: Arc<Notify>,
    evicting: bool,
}

impl Registry {
    fn new(max: usize) -> Self {
        Self {
            max,
            next: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A slot for a new connection, making room by closing the connection quiet the longest;
    /// `None` when every connection is busy.
    fn admit(self: &Arc<Self>) -> Option<Slot> {
        let mut open = self.lock();
        let counted = open.values().filter(|e| !e.evicting).count();
        if counted >= self.max {
            let quietest = open
                .values_mut()
                .filter(|e| !e.evicting && e.busy == 0)
                .min_by_key(|e| e.quiet_since)?;
            quietest.evicting = true;
            quietest.evict.notify_one();
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let evict = Arc::new(Notify::new());
        open.insert(
            id,
            Entry {
                busy: 0,
                quiet_since: Instant::now(),
                evict: evict.clone(),
                evicting: false,
            },
        );
        Some(Slot {
            inner: Arc::new(SlotInner {
                registry: self.clone(),
                id,
                evict,
            }),
        })
    }
}

/// A connection's place in the registry; it leaves when the last clone (the connection's I/O,
/// which a WebSocket keeps after the upgrade) is dropped.
#[derive(Clone)]
struct Slot {
    inner: Arc<SlotInner>,
}

struct SlotInner {
    registry: Arc<Registry>,
    id: u64,
    evict: Arc<Notify>,
}

impl Drop for SlotInner {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
    }
}

impl Slot {
    /// Marks a request in flight until the guard is dropped.
    fn busy(&self) -> Busy {
        if let Some(entry) = self.inner.registry.lock().get_mut(&self.inner.id) {
            entry.busy += 1;
        }
        Busy {
            slot: Some(self.clone()),
        }
    }

    /// Completes when the registry closes this connection to make room.
    async fn evicted(&self) {
        self.inner.evict.notified().await;
    }
}

/// A request, body or WebSocket in progress on a connection.
struct Busy {
    slot: Option<Slot>,
}

impl Busy {
    /// Busy until the connection closes.
    fn forever(mut self) {
        self.slot = None;
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take()
            && let Some(entry) = slot.inner.registry.lock().get_mut(&slot.inner.id)
        {
            entry.busy = entry.busy.saturating_sub(1);
            if entry.busy == 0 {
                entry.quiet_since = Instant::now();
            }
        }
    }
}

/// A response body that keeps its connection marked busy until it has been sent (or dropped).
struct BusyBody {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for BusyBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// A connection's I/O whose writes fail when the client has read nothing for `write_stall`.
pub(crate) struct Guarded<IO> {
    io: IO,
    write_stall: Duration,
    /// Started when a write could not proceed; cleared by any progress.
    stalled: Option<Pin<Box<Sleep>>>,
    _slot: Slot,
}

impl<IO> Guarded<IO> {
    fn new(io: IO, write_stall: Duration, slot: Slot) -> Self {
        Self {
            io,
            write_stall,
            stalled: None,
            _slot: slot,
        }
    }

    /// `Pending` from the socket: still pending, or an error once the stall has lasted too long.
    fn pending<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let stall = self.write_stall;
        let timer = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the client read nothing for {} s; closing its connection",
                stall.as_secs()
            ),
        )))
    }

    fn progressed<T>(&mut self, done: io::Result<T>) -> Poll<io::Result<T>> {
        self.stalled = None;
        Poll::Ready(done)
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Guarded<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Guarded<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.io).poll_write(cx, buf) {
            Poll::Pending => self.pending(cx),
            Poll::Ready(done) => self.progressed(done),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.io).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.pending(cx),
            Poll::Ready(done) => self.progressed(done),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.io).poll_flush(cx) {
            Poll::Pending => self.pending(cx),
            Poll::Ready(done) => self.progressed(done),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.io).poll_shutdown(cx) {
            Poll::Pending => self.pending(cx),
            Poll::Ready(done) => self.progressed(done),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn at_the_cap_the_connection_quiet_the_longest_is_closed_and_a_busy_one_never() {
        let registry = Arc::new(Registry::new(2));
        let busy = registry.admit().expect("room");
        let _working = busy.busy();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let quiet = registry.admit().expect("room");
        let third = registry
            .admit()
            .expect("room made by closing the quiet one");
        tokio::time::timeout(Duration::from_secs(1), quiet.evicted())
            .await
            .expect("the quiet connection was told to close");
        drop(quiet);
        let _third_working = third.busy();
        assert!(
            registry.admit().is_none(),
            "every connection has a request in flight: nothing to close"
        );
    }

    #[tokio::test]
    async fn a_slot_leaves_the_registry_when_its_connection_closes() {
        let registry = Arc::new(Registry::new(1));
        let slot = registry.admit().expect("room");
        let held = slot.busy();
        held.forever();
        assert!(registry.admit().is_none(), "a WebSocket is never closed");
        drop(slot);
        assert!(registry.admit().is_some());
    }
}
