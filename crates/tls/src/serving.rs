//! How Wheelhouse serves TLS: a certificate chain and key given as PEM files, or made by
//! Wheelhouse itself, handed to rustls through a resolver whose certificate can be swapped while
//! connections are served (a renewed file, a renewed self-made certificate), with ALPN for
//! HTTP/2 and HTTP/1.1.
//!
//! A self-made certificate is never valid for long: a CA valid for [`CA_DAYS`] days and a serving
//! certificate for [`SERVING_DAYS`], both within the 397 days browsers accept, renewed when less
//! than a third of their life is left ([`SelfMade::due`]).

use std::sync::{Arc, RwLock};

use jiff::Timestamp;
use jiff::civil::Date;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// How long a self-made CA is valid, in days.
pub const CA_DAYS: i32 = 397;
/// How long a self-made serving certificate is valid, in days.
pub const SERVING_DAYS: i32 = 90;
/// The self-made CA's common name.
const CA_NAME: &str = "Wheelhouse self-made CA";

/// Why a certificate cannot be served or made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no certificate in the PEM")]
    NoCertificate,
    #[error("the certificate PEM cannot be read: {0}")]
    Certificate(String),
    #[error("no private key in the PEM: {0}")]
    Key(String),
    #[error("the private key cannot sign: {0}")]
    UnusableKey(String),
    #[error("the private key is not the certificate's")]
    KeyMismatch,
    #[error("the certificate cannot be made: {0}")]
    Make(String),
}

/// The certificate being served; [`Served::replace`] swaps it for new handshakes.
#[derive(Debug)]
pub struct Served {
    current: RwLock<Arc<CertifiedKey>>,
}

impl Served {
    /// Serves the chain and key of two PEM texts (the chain leaf first; any key format rustls
    /// reads: PKCS#8, PKCS#1 RSA or SEC1 EC).
    pub fn from_pem(chain: &[u8], key: &[u8]) -> Result<Arc<Self>, Error> {
        Ok(Arc::new(Self {
            current: RwLock::new(Arc::new(certified(chain, key)?)),
        }))
    }

    /// Serves another chain and key from the next handshake on; on an error the current one
    /// stays.
    pub fn replace(&self, chain: &[u8], key: &[u8]) -> Result<(), Error> {
        let next = Arc::new(certified(chain, key)?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = next;
        Ok(())
    }

    /// A rustls server configuration that serves this certificate, offering HTTP/2 and
    /// HTTP/1.1 by ALPN. The process's crypto provider must be installed
    /// ([`crate::install_crypto_provider`]).
    pub fn server_config(self: &Arc<Self>) -> Arc<rustls::ServerConfig> {
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

impl ResolvesServerCert for Served {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        )
    }
}

fn certified(chain: &[u8], key: &[u8]) -> Result<CertifiedKey, Error> {
    let chain = CertificateDer::pem_slice_iter(chain)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Certificate(e.to_string()))?;
    if chain.is_empty() {
        return Err(Error::NoCertificate);
    }
    let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| Error::Key(e.to_string()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| Error::UnusableKey(e.to_string()))?;
    let certified = CertifiedKey::new(chain, signing);
    match certified.keys_match() {
        Ok(()) => Ok(certified),
        Err(rustls::Error::InconsistentKeys(_)) => Err(Error::KeyMismatch),
        // The key's public half could not be compared (an unusual algorithm): serve it, rustls
        // will fail the handshake if it is wrong.
        Err(_) => Ok(certified),
    }
}

/// A CA and the serving certificate it signed, as PEM: what the console keeps in a Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfMade {
    pub ca_cert: String,
    pub ca_key: String,
    /// The serving certificate followed by the CA's, the chain clients are sent.
    pub cert: String,
    pub key: String,
}

impl SelfMade {
    /// A new CA and a serving certificate for `names` (DNS names or IP addresses), valid from
    /// the day before `now`.
    pub fn make(names: &[String], now: Timestamp) -> Result<Self, Error> {
        let ca_key = KeyPair::generate().map_err(make)?;
        let ca_params = ca_params(now)?;
        let ca_cert = ca_params.clone().self_signed(&ca_key).map_err(make)?.pem();
        let ca_key = ca_key.serialize_pem();
        Self::serving(ca_cert, ca_key, names, now)
    }

    /// A new serving certificate for `names` signed by this CA (kept as it is).
    pub fn renew_serving(&self, names: &[String], now: Timestamp) -> Result<Self, Error> {
        Self::serving(self.ca_cert.clone(), self.ca_key.clone(), names, now)
    }

    fn serving(
        ca_cert: String,
        ca_key: String,
        names: &[String],
        now: Timestamp,
    ) -> Result<Self, Error> {
        let signer = KeyPair::from_pem(&ca_key).map_err(make)?;
        let issuer = Issuer::from_ca_cert_pem(&ca_cert, signer).map_err(make)?;
        let key = KeyPair::generate().map_err(make)?;
        let mut params = CertificateParams::new(names.to_vec()).map_err(make)?;
        let mut name = DistinguishedName::new();
        name.push(
            DnType::CommonName,
            names.first().map_or("wheelhouse", String::as_str),
        );
        params.distinguished_name = name;
        (params.not_before, params.not_after) = validity(now, SERVING_DAYS)?;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &issuer).map_err(make)?.pem();
        Ok(Self {
            cert: format!("{cert}{ca_cert}"),
            key: key.serialize_pem(),
            ca_cert,
            ca_key,
        })
    }

    /// What must be made again at `now` for `names`: nothing, the serving certificate (it
    /// lacks a name, or less than a third of its life is left), or everything (the CA's
    /// third is reached, or a certificate cannot be read).
    pub fn due(&self, names: &[String], now: Timestamp) -> Renewal {
        let Some(ca) = lifetime(&self.ca_cert) else {
            return Renewal::All;
        };
        if ca.third_left_at <= now {
            return Renewal::All;
        }
        let Some(serving) = lifetime(&self.cert) else {
            return Renewal::All;
        };
        let covered = names.iter().all(|name| serving.names.contains(name));
        if serving.third_left_at <= now || !covered {
            Renewal::Serving
        } else {
            Renewal::Nothing
        }
    }

    /// When the serving certificate stops being valid.
    pub fn not_after(&self) -> Option<Timestamp> {
        lifetime(&self.cert).map(|l| l.not_after)
    }
}

/// What [`SelfMade::due`] says must be made again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    Nothing,
    Serving,
    All,
}

fn make(error: rcgen::Error) -> Error {
    Error::Make(error.to_string())
}

fn ca_params(now: Timestamp) -> Result<CertificateParams, Error> {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CA_NAME);
    name.push(DnType::OrganizationName, "Wheelhouse");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    (params.not_before, params.not_after) = validity(now, CA_DAYS)?;
    Ok(params)
}

/// From the day before `now` (a clock a little behind is not refused) for `days` days.
fn validity(
    now: Timestamp,
    days: i32,
) -> Result<(time::OffsetDateTime, time::OffsetDateTime), Error> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let from = today.yesterday().map_err(|e| Error::Make(e.to_string()))?;
    let until = from
        .checked_add(jiff::Span::new().days(days))
        .map_err(|e| Error::Make(e.to_string()))?;
    Ok((day(from), day(until)))
}

fn day(date: Date) -> time::OffsetDateTime {
    let month = u8::try_from(date.month()).unwrap_or(1);
    let day = u8::try_from(date.day()).unwrap_or(1);
    rcgen::date_time_ymd(i32::from(date.year()), month, day)
}

/// What is read back from a certificate's PEM (the first one of a chain).
struct Lifetime {
    not_after: Timestamp,
    /// When a third of its life is left: the time to renew it.
    third_left_at: Timestamp,
    names: Vec<String>,
}

fn lifetime(pem: &str) -> Option<Lifetime> {
    use x509_parser::extensions::GeneralName;
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).ok()?;
    let certificate = pem.parse_x509().ok()?;
    let validity = certificate.validity();
    let from = Timestamp::from_second(validity.not_before.timestamp()).ok()?;
    let until = Timestamp::from_second(validity.not_after.timestamp()).ok()?;
    let life = until.as_second() - from.as_second();
    let third_left_at = Timestamp::from_second(until.as_second() - life / 3).ok()?;
    let alternative = certificate.subject_alternative_name().ok().flatten();
    let names = alternative
        .iter()
        .flat_map(|extension| &extension.value.general_names)
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some((*dns).to_string()),
            GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => <[u8; 4]>::try_from(*bytes)
                    .ok()
                    .map(|b| std::net::IpAddr::from(b).to_string()),
                16 => <[u8; 16]>::try_from(*bytes)
                    .ok()
                    .map(|b| std::net::IpAddr::from(b).to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    Some(Lifetime {
        not_after: until,
        third_left_at,
        names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec![
            "wheelhouse.ops.svc".to_string(),
            "localhost".to_string(),
            "127.0.0.1".to_string(),
        ]
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("timestamp")
    }

    #[test]
    fn a_self_made_certificate_is_valid_for_months_not_centuries_and_names_every_host() {
        crate::install_crypto_provider();
        let now = at("2026-12-06T12:00:00Z");
        let made = SelfMade::make(&names(), now).expect("made");
        let serving = lifetime(&made.cert).expect("readable");
        let ca = lifetime(&made.ca_cert).expect("readable");
        assert_eq!(
            serving.not_after,
            at("2027-03-05T00:00:00Z"),
            "90 days from yesterday"
        );
        assert_eq!(
            ca.not_after,
            at("2028-01-06T00:00:00Z"),
            "397 days from yesterday"
        );
        assert!(ca.not_after.as_second() - now.as_second() <= 397 * 86_400);
        assert_eq!(serving.names, names());
        assert_eq!(made.not_after(), Some(serving.not_after));
        // The chain is the serving certificate then the CA; the key is the certificate's.
        assert!(made.cert.ends_with(&made.ca_cert));
        let served = Served::from_pem(made.cert.as_bytes(), made.key.as_bytes()).expect("serves");
        let _config = served.server_config();
        assert!(matches!(
            Served::from_pem(made.cert.as_bytes(), made.ca_key.as_bytes()),
            Err(Error::KeyMismatch)
        ));
    }

    #[test]
    fn renewal_comes_when_a_third_of_the_life_is_left_or_a_name_is_missing() {
        let made = SelfMade::make(&names(), at("2026-12-06T12:00:00Z")).expect("made");
        assert_eq!(
            made.due(&names(), at("2026-12-07T00:00:00Z")),
            Renewal::Nothing
        );
        assert_eq!(
            made.due(&names(), at("2027-02-05T00:00:00Z")),
            Renewal::Serving
        );
        let mut more = names();
        more.push("console.example.com".to_string());
        assert_eq!(
            made.due(&more, at("2026-12-07T00:00:00Z")),
            Renewal::Serving
        );
        assert_eq!(made.due(&names(), at("2027-10-01T00:00:00Z")), Renewal::All);

        // A renewed serving certificate keeps the CA, so clients that trust it keep working.
        let renewed = made
            .renew_serving(&more, at("2027-02-05T00:00:00Z"))
            .expect("renewed");
        assert_eq!(renewed.ca_cert, made.ca_cert);
        assert_ne!(renewed.cert, made.cert);
        assert_eq!(
            renewed.due(&more, at("2027-02-06T00:00:00Z")),
            Renewal::Nothing
        );
        let broken = SelfMade {
            cert: "not a certificate".to_string(),
            ..renewed
        };
        assert_eq!(broken.due(&more, at("2027-02-06T00:00:00Z")), Renewal::All);
    }

    #[test]
    fn files_that_are_not_a_certificate_and_key_are_refused_with_the_reason() {
        assert!(matches!(
            Served::from_pem(b"", b""),
            Err(Error::NoCertificate)
        ));
        let made = SelfMade::make(&names(), Timestamp::now()).expect("made");
        assert!(matches!(
            Served::from_pem(
                made.cert.as_bytes(),
                b"-----BEGIN NOTHING-----\n-----END NOTHING-----\n"
            ),
            Err(Error::Key(_))
        ));
        // A replace with a broken pair keeps what is served.
        let served = Served::from_pem(made.cert.as_bytes(), made.key.as_bytes()).expect("serves");
        let before = served.current.read().expect("lock").clone();
        assert!(served.replace(b"junk", b"junk").is_err());
        assert!(Arc::ptr_eq(&before, &served.current.read().expect("lock")));
    }
}
