//! Serves plain HTTP and HTTPS on the same port, with a self-signed certificate made at start.
//!
//! kubectl and helm (client-go) do not send bearer tokens over plain HTTP, so they need HTTPS;
//! in-process tests are simpler over plain HTTP. The listener peeks at the first byte of each
//! connection: a TLS handshake starts with `0x16`, anything else is served as plain HTTP.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

use crate::error::{Error, Result};

/// A self-signed serving certificate (valid from yesterday for one year, with real SANs).
#[derive(Clone)]
pub struct Certificate {
    /// The certificate in PEM, to trust as the cluster's CA.
    pub cert_pem: String,
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate").finish_non_exhaustive()
    }
}

fn tls_error(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("cannot make the serving certificate: {e}"))
}

impl Certificate {
    /// A certificate for `localhost`, `127.0.0.1`, `::1` and the given extra hosts.
    pub fn generate(extra_hosts: &[String]) -> Result<Certificate> {
        let mut hosts = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        hosts.extend(
            extra_hosts
                .iter()
                .filter(|h| !hosts.contains(h))
                .cloned()
                .collect::<Vec<_>>(),
        );
        let mut params = rcgen::CertificateParams::new(hosts).map_err(tls_error)?;
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        let yesterday = today.yesterday().unwrap_or(today);
        let month = |d: jiff::civil::Date| u8::try_from(d.month()).unwrap_or(1);
        let day = |d: jiff::civil::Date| u8::try_from(d.day().min(28)).unwrap_or(1);
        params.not_before = rcgen::date_time_ymd(
            i32::from(yesterday.year()),
            month(yesterday),
            day(yesterday),
        );
        params.not_after =
            rcgen::date_time_ymd(i32::from(today.year()) + 1, month(today), day(today));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "wheelhouse-sim");
        let key = rcgen::KeyPair::generate().map_err(tls_error)?;
        let cert = params.self_signed(&key).map_err(tls_error)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .map_err(tls_error)?;
        // HTTP/1.1 only: exec upgrades to WebSocket, which needs it.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Certificate {
            cert_pem: cert.pem(),
            config: Arc::new(config),
        })
    }
}

/// A connection, plain or TLS.
pub enum Conn {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Accepts connections and sorts them into plain and TLS, handshaking off the accept loop.
pub struct DualListener {
    rx: mpsc::Receiver<(Conn, SocketAddr)>,
    local: SocketAddr,
}

impl DualListener {
    /// Starts accepting on `listener`; TLS connections use `certificate`.
    pub fn new(listener: TcpListener, certificate: &Certificate) -> Result<DualListener> {
        let local = listener.local_addr().map_err(|source| Error::Bind {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            source,
        })?;
        let (tx, rx) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(certificate.config.clone());
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = tx.closed() => return,
                };
                let (tcp, addr) = match accepted {
                    Ok(x) => x,
                    Err(err) => {
                        tracing::debug!(error = %err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let tx = tx.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let mut first = [0u8; 1];
                    let peeked =
                        tokio::time::timeout(Duration::from_secs(30), tcp.peek(&mut first)).await;
                    let conn = match peeked {
                        Ok(Ok(1)) if first[0] == 0x16 => {
                            match tokio::time::timeout(
                                Duration::from_secs(10),
                                acceptor.accept(tcp),
                            )
                            .await
                            {
                                Ok(Ok(tls)) => Conn::Tls(Box::new(tls)),
                                Ok(Err(err)) => {
                                    tracing::debug!(error = %err, "TLS handshake failed");
                                    return;
                                }
                                Err(_) => return,
                            }
                        }
                        Ok(Ok(_)) => Conn::Plain(tcp),
                        _ => return,
                    };
                    let _ = tx.send((conn, addr)).await;
                });
            }
        });
        Ok(DualListener { rx, local })
    }
}

impl axum::serve::Listener for DualListener {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Conn, SocketAddr) {
        match self.rx.recv().await {
            Some(conn) => conn,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}
