//! How Wheelhouse speaks TLS: its HTTP clients use rustls with the ring crypto provider,
//! installed once as the process's default; [`serving`] holds the certificates it serves.
//!
//! reqwest is built with `rustls-no-provider` (ring rather than aws-lc-rs: no C toolchain and a
//! lean build), so building any `reqwest::Client` panics until a rustls `CryptoProvider` is the
//! process default. Features unify across the workspace, so this holds for every client in every
//! crate and test. Whatever builds one calls [`install_crypto_provider`] first: the binary at its
//! start, the chart repositories' client, the Prometheus client and the tests' helpers.
//! Certificates are verified by rustls-platform-verifier against the system's roots (on Linux the
//! CA bundle, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set).
//!
//! ```
//! wheelhouse_tls::install_crypto_provider();
//! // Without the line above, this panics ("No rustls crypto provider is configured").
//! let client = reqwest::Client::new();
//! # drop(client);
//! ```

pub mod serving;

/// Makes ring the process's rustls crypto provider, so reqwest clients can be built. Idempotent:
/// a provider already installed (by an earlier call, or one the embedding program chose) is kept.
pub fn install_crypto_provider() {
    // An error only says that a provider is already the default, which is all reqwest needs.
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}

/// Why an HTTP client for `what` (`chart repositories`, `Prometheus`) could not be built, for a
/// person: the error with its causes, and what to check. Building fails in practice when the
/// system has no CA certificates to verify servers with.
pub fn client_failure(what: &str, error: &(dyn std::error::Error + 'static)) -> String {
    let text = with_causes(error);
    format!(
        "Wheelhouse's HTTP client for {what} could not be built: {text}; it verifies TLS certificates \
         against the system's CA certificates: install them (the ca-certificates package) or set \
         SSL_CERT_FILE to a CA bundle"
    )
}

/// An error followed by each of its causes (reqwest keeps the telling part, such as a
/// certificate problem, several sources deep): `error sending request: …: invalid peer certificate`.
pub fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// When the first certificate of a PEM chain expires; `None` when there is none that parses.
pub fn certificate_not_after(pem: &[u8]) -> Option<jiff::Timestamp> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem).ok()?;
    let certificate = pem.parse_x509().ok()?;
    jiff::Timestamp::from_second(certificate.validity().not_after.timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installing_twice_keeps_one_provider_and_clients_build() {
        install_crypto_provider();
        install_crypto_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        assert!(reqwest::Client::builder().build().is_ok());
    }

    #[test]
    fn a_client_that_cannot_be_built_says_why_and_what_to_install() {
        let cause = std::io::Error::other("No CA certificates were loaded from the system");
        let message = client_failure("Prometheus", &cause);
        assert!(
            message.starts_with("Wheelhouse's HTTP client for Prometheus could not be built: No CA certificates were loaded from the system; "),
            "{message}"
        );
        assert!(message.contains("SSL_CERT_FILE"), "{message}");
    }
}
