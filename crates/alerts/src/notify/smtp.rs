//! E-mail over SMTP (RFC 5321): just what a notification needs — EHLO, STARTTLS or implicit TLS,
//! AUTH PLAIN, one message to its recipients — with every step under a timeout and every reply
//! bounded in size.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::crd::{Email, SmtpTls};

const STEP_TIMEOUT: Duration = Duration::from_secs(15);
/// A reply longer than this is not an SMTP server's.
const MAX_REPLY: usize = 16 * 1024;

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

struct Session {
    stream: BufReader<Box<dyn Stream>>,
    host: String,
}

impl Session {
    /// Reads one reply (all its lines) and fails unless its code is one of `expected`.
    async fn reply(&mut self, step: &str, expected: &[u16]) -> Result<String, String> {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(STEP_TIMEOUT, self.stream.read_line(&mut line))
                .await
                .map_err(|_| {
                    format!(
                        "the SMTP server {} did not answer {step} within {}s",
                        self.host,
                        STEP_TIMEOUT.as_secs()
                    )
                })?
                .map_err(|e| {
                    format!(
                        "reading the SMTP server {}'s answer to {step}: {e}",
                        self.host
                    )
                })?;
            if read == 0 {
                return Err(format!(
                    "the SMTP server {} closed the connection at {step}",
                    self.host
                ));
            }
            text.push_str(&line);
            if text.len() > MAX_REPLY {
                return Err(format!(
                    "the SMTP server {}'s answer to {step} is too long",
                    self.host
                ));
            }
            // The last line of a reply has a space (or nothing) after its code.
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                break;
            }
        }
        let code: u16 = text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        if expected.contains(&code) {
            Ok(text)
        } else {
            Err(format!(
                "the SMTP server {} refused {step}: {}",
                self.host,
                text.trim().replace("\r\n", " ")
            ))
        }
    }

    async fn command(
        &mut self,
        line: &str,
        step: &str,
        expected: &[u16],
    ) -> Result<String, String> {
        let write = async {
            self.stream.get_mut().write_all(line.as_bytes()).await?;
            self.stream.get_mut().write_all(b"\r\n").await?;
            self.stream.get_mut().flush().await
        };
        tokio::time::timeout(STEP_TIMEOUT, write)
            .await
            .map_err(|_| format!("sending {step} to the SMTP server {} timed out", self.host))?
            .map_err(|e| format!("sending {step} to the SMTP server {}: {e}", self.host))?;
        self.reply(step, expected).await
    }
}

fn tls_connector() -> Result<tokio_rustls::TlsConnector, String> {
    use rustls_platform_verifier::ConfigVerifierExt;
    wheelhouse_tls::install_crypto_provider();
    let config = rustls::ClientConfig::with_platform_verifier()
        .map_err(|e| format!("no TLS client for SMTP: {e}"))?;
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn tls(stream: Box<dyn Stream>, host: &str) -> Result<Box<dyn Stream>, String> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| format!("{host:?} is not a name a certificate can be checked against"))?;
    let connector = tls_connector()?;
    let stream = tokio::time::timeout(STEP_TIMEOUT, connector.connect(name, stream))
        .await
        .map_err(|_| format!("the TLS handshake with the SMTP server {host} timed out"))?
        .map_err(|e| {
            format!(
                "the TLS handshake with the SMTP server {host} failed: {}",
                wheelhouse_tls::with_causes(&e)
            )
        })?;
    Ok(Box::new(stream))
}

/// Refuses what would let a value break out of its header or command line.
fn one_line(what: &str, value: &str) -> Result<(), String> {
    if value.contains(['\r', '\n']) {
        Err(format!("the {what} {value:?} holds a line break"))
    } else {
        Ok(())
    }
}

/// Sends one message: `subject` and a plain-text `body` from `email.from` to `email.to`.
pub async fn send_mail(
    email: &Email,
    password: Option<&str>,
    subject: &str,
    body: &str,
) -> Result<(), String> {
    one_line("sender", &email.from)?;
    for to in &email.to {
        one_line("recipient", to)?;
    }
    if email.to.is_empty() {
        return Err("the e-mail channel names no recipient (to)".into());
    }
    let host = email
        .smarthost
        .rsplit_once(':')
        .map_or(email.smarthost.as_str(), |(host, _)| host)
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let address = if email.smarthost.contains(':') {
        email.smarthost.clone()
    } else {
        format!(
            "{}:{}",
            email.smarthost,
            if email.tls == SmtpTls::Tls { 465 } else { 587 }
        )
    };
    let tcp = tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(&address))
        .await
        .map_err(|_| format!("connecting to the SMTP server {address} timed out"))?
        .map_err(|e| format!("cannot connect to the SMTP server {address}: {e}"))?;
    let mut stream: Box<dyn Stream> = Box::new(tcp);
    if email.tls == SmtpTls::Tls {
        stream = tls(stream, &host).await?;
    }
    let mut session = Session {
        stream: BufReader::new(stream),
        host: address.clone(),
    };
    session.reply("the greeting", &[220]).await?;
    let mut features = session
        .command("EHLO wheelhouse-alerter", "EHLO", &[250])
        .await?;
    if email.tls == SmtpTls::Starttls {
        if !features.to_ascii_uppercase().contains("STARTTLS") {
            return Err(format!(
                "the SMTP server {address} does not offer STARTTLS; set tls: none for a relay on a trusted network, or tls: tls for port 465"
            ));
        }
        session.command("STARTTLS", "STARTTLS", &[220]).await?;
        let Session { stream, host: name } = session;
        let stream = tls(stream.into_inner(), &host).await?;
        session = Session {
            stream: BufReader::new(stream),
            host: name,
        };
        features = session
            .command("EHLO wheelhouse-alerter", "EHLO", &[250])
            .await?;
    }
    if let (Some(username), Some(password)) = (&email.username, password) {
        if email.tls == SmtpTls::None {
            return Err("the e-mail channel has a password but tls: none; Wheelhouse does not send a password unencrypted".into());
        }
        if !features.to_ascii_uppercase().contains("PLAIN") {
            return Err(format!(
                "the SMTP server {address} does not offer AUTH PLAIN"
            ));
        }
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{username}\0{password}"));
        session
            .command(&format!("AUTH PLAIN {token}"), "AUTH", &[235])
            .await?;
    }
    session
        .command(&format!("MAIL FROM:<{}>", email.from), "MAIL FROM", &[250])
        .await?;
    for to in &email.to {
        session
            .command(
                &format!("RCPT TO:<{to}>"),
                &format!("RCPT TO {to}"),
                &[250, 251],
            )
            .await?;
    }
    session.command("DATA", "DATA", &[354]).await?;
    let message = message(email, subject, body);
    session.command(&message, "the message", &[250]).await?;
    // The message is accepted; a failed QUIT changes nothing.
    let _ = session.command("QUIT", "QUIT", &[221]).await;
    Ok(())
}

/// The message with its headers, lines ending in CRLF, dot-stuffed, ended by a lone dot.
fn message(email: &Email, subject: &str, body: &str) -> String {
    let subject: String = subject.chars().filter(|c| !c.is_control()).collect();
    let date = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string();
    let mut text = format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        email.from,
        email.to.join(", "),
        subject
    );
    for line in body.lines() {
        if line.starts_with('.') {
            text.push('.');
        }
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_dot_stuffed_and_ends_with_a_lone_dot() {
        let email = Email {
            smarthost: "mail:25".into(),
            from: "alerts@example.com".into(),
            to: vec!["ops@example.com".into()],
            ..Email::default()
        };
        let text = message(&email, "[FIRING:1]\r\nBcc: x@evil", ".hidden\nshown");
        assert!(
            text.contains("Subject: [FIRING:1]Bcc: x@evil\r\n"),
            "no header injection: {text}"
        );
        assert!(text.contains("\r\n\r\n..hidden\r\nshown\r\n."));
        assert!(text.ends_with("\r\n."));
    }

    #[tokio::test]
    async fn a_recipient_with_a_line_break_is_refused_before_connecting() {
        let email = Email {
            smarthost: "127.0.0.1:1".into(),
            from: "a@example.com".into(),
            to: vec!["b@example.com\r\nRCPT TO:<c@evil>".into()],
            ..Email::default()
        };
        let error = send_mail(&email, None, "s", "b")
            .await
            .expect_err("refused");
        assert!(error.contains("line break"), "{error}");
    }
}
