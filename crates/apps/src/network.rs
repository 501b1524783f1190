//! Where chart repositories may point: the addresses Wheelhouse refuses to fetch from, and the
//! HTTP client that enforces it on every connection, every URL and every redirect.
//!
//! A repository URL is chosen by whoever may create a `ChartRepository`, and an index names
//! archive URLs of its own choosing: without a check, the console would fetch the cloud's
//! instance metadata (`169.254.169.254`, where node credentials live) or services inside the
//! cluster on their behalf and show the answer in a status message. The check sits where it
//! cannot be bypassed:
//!
//! - a DNS resolver ([`reqwest::dns::Resolve`]) that drops refused addresses from every answer,
//!   so a name that changes between a check and the connection (DNS rebinding) still cannot
//!   reach a refused address: the connection only ever sees what the resolver kept;
//! - a check of IP-literal hosts (which never reach a resolver) before each request
//!   ([`RepositoryClient::get`]);
//! - a redirect policy that checks every hop the same way and refuses https → http.
//!
//! Over https, certificates are verified against the system's roots (rustls-platform-verifier,
//! see `wheelhouse_tls`) and, for a repository that names its own CA, that CA too
//! ([`RepositoryClient::trusting`]).
//!
//! ```
//! use wheelhouse_apps::network::RepositoryNetwork;
//!
//! let network = RepositoryNetwork::default()
//!     .in_cluster(true)
//!     .allow(vec!["10.96.0.0/12".parse().expect("a CIDR")]);
//! assert!(network.check("10.96.0.10".parse().expect("an address")).is_ok());
//! assert!(network.check("10.1.2.3".parse().expect("an address")).is_err());
//! assert!(network.check("169.254.169.254".parse().expect("an address")).is_err());
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use crate::Error;

pub use ipnet::IpNet;

/// The flag that allows a network, named in every refusal.
pub const ALLOW_FLAG: &str = "--allow-repository-network";
/// Redirects followed at most (reqwest's own default).
const MAX_REDIRECTS: usize = 10;

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// `0.0.0.0/8` or `::`: on Linux a connection to it reaches the host itself. Always refused.
    Unspecified,
    /// `224.0.0.0/4`, `ff00::/8`. Always refused.
    Multicast,
    /// `255.255.255.255`. Always refused.
    Broadcast,
    /// `169.254.0.0/16`, `fe80::/10` and `fd00:ec2::254`: where clouds serve instance metadata
    /// and node credentials. Refused unless a flag allows it.
    LinkLocal,
    /// `127.0.0.0/8`, `::1`: refused in a cluster (the pod itself), allowed on a laptop.
    Loopback,
    /// RFC 1918 and `fc00::/7`: refused in a cluster (its services and nodes).
    Private,
    /// `100.64.0.0/10` (carrier-grade NAT, used for pod networks): refused in a cluster.
    SharedAddressSpace,
}

impl AddressClass {
    /// What the class is, for a sentence.
    fn describe(self) -> &'static str {
        match self {
            Self::Unspecified => "the unspecified address (a connection to it reaches this host)",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "the broadcast address",
            Self::LinkLocal => {
                "a link-local address (where clouds serve instance metadata and node credentials)"
            }
            Self::Loopback => "a loopback address (the Wheelhouse pod itself)",
            Self::Private => "a private address (inside the cluster's or the company's network)",
            Self::SharedAddressSpace => {
                "a shared (carrier-grade NAT) address, often the cluster's pod network"
            }
        }
    }

    /// Whether no flag can allow it.
    fn always_refused(self) -> bool {
        matches!(self, Self::Unspecified | Self::Multicast | Self::Broadcast)
    }
}

/// An address a repository URL, archive URL or redirect led to, and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The address is in a refused class and no `--allow-repository-network` covers it.
    #[error("{}", refusal_sentence(.name.as_deref(), *.address, *.class))]
    Address {
        /// The name that resolved to the address; `None` when the URL named the address itself.
        name: Option<String>,
        address: IpAddr,
        class: AddressClass,
    },
    /// A redirect from https to http: what TLS protected would cross the network in clear.
    #[error(
        "{from} redirected to {to}, from https to plain http; Wheelhouse does not follow such redirects (credentials and charts would cross the network unprotected)"
    )]
    Downgrade { from: String, to: String },
    /// More redirects than a repository has any reason to send.
    #[error("{url} redirected more than {MAX_REDIRECTS} times; Wheelhouse stopped following")]
    TooManyRedirects { url: String },
}

fn refusal_sentence(name: Option<&str>, address: IpAddr, class: AddressClass) -> String {
    let what = match name {
        None => format!("{address} is {}", class.describe()),
        Some(name) => format!("{name} resolves to {address}, {}", class.describe()),
    };
    if class.always_refused() {
        format!("{what}; Wheelhouse never fetches chart repositories from it")
    } else {
        let width = if address.is_ipv4() { 32 } else { 128 };
        format!(
            "{what}; Wheelhouse does not fetch chart repositories from there unless it is started with {ALLOW_FLAG} {address}/{width} (or a range that contains it)"
        )
    }
}

/// A network for `--allow-repository-network`: a CIDR (`10.96.0.0/12`) or one address.
pub fn parse_network(text: &str) -> crate::Result<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| crate::Error::NotANetwork { text: text.into() })
}

/// Which addresses repositories may resolve to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepositoryNetwork {
    /// Wheelhouse runs in a cluster: loopback, private and shared addresses reach its
    /// neighbours, not the person's laptop.
    pub in_cluster: bool,
    /// Ranges allowed explicitly (`--allow-repository-network`), e.g. an in-cluster ChartMuseum.
    pub allowed: Vec<IpNet>,
}

impl RepositoryNetwork {
    #[must_use]
    pub fn in_cluster(mut self, in_cluster: bool) -> Self {
        self.in_cluster = in_cluster;
        self
    }

    #[must_use]
    pub fn allow(mut self, networks: Vec<IpNet>) -> Self {
        self.allowed = networks;
        self
    }

    /// The class of an address that is refused here, or `None` when it may be fetched from.
    pub fn refused_class(&self, address: IpAddr) -> Option<AddressClass> {
        let address = address.to_canonical();
        let class = classify(address)?;
        if class.always_refused() {
            return Some(class);
        }
        if self.allowed.iter().any(|net| net.contains(&address)) {
            return None;
        }
        match class {
            AddressClass::Loopback | AddressClass::Private | AddressClass::SharedAddressSpace
                if !self.in_cluster =>
            {
                None
            }
            class => Some(class),
        }
    }

    /// `Ok` when `address` may be fetched from.
    pub fn check(&self, address: IpAddr) -> Result<(), Refused> {
        self.check_resolved(None, address)
    }

    fn check_resolved(&self, name: Option<&str>, address: IpAddr) -> Result<(), Refused> {
        match self.refused_class(address) {
            None => Ok(()),
            Some(class) => Err(Refused::Address {
                name: name.map(str::to_string),
                address: address.to_canonical(),
                class,
            }),
        }
    }

    /// `Ok` unless the URL's host is an IP literal that is refused (names are checked by the
    /// resolver, on every connection). URL parsing has already turned other spellings of an
    /// address (`2852039166`, `0xa9fea9fe`) into the address.
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), Refused> {
        let literal = url
            .host_str()
            .map(|host| host.trim_start_matches('[').trim_end_matches(']'))
            .and_then(|host| host.parse::<IpAddr>().ok());
        match literal {
            Some(address) => self.check(address),
            None => Ok(()),
        }
    }

    /// [`check_url`](Self::check_url) for a repository URL as written in a ChartRepository
    /// (`oci://` included); text that is not a URL passes (its form is checked elsewhere).
    pub fn check_repository_url(&self, url: &str) -> Result<(), Refused> {
        let text = match url.strip_prefix("oci://") {
            Some(rest) => format!("https://{rest}"),
            None => url.to_string(),
        };
        match reqwest::Url::parse(&text) {
            Ok(parsed) => self.check_url(&parsed),
            Err(_) => Ok(()),
        }
    }

    /// The addresses a name resolved to that may be connected to; when none may, why the first
    /// was refused.
    pub fn admit(
        &self,
        host: &str,
        addresses: impl IntoIterator<Item = SocketAddr>,
    ) -> Result<Vec<SocketAddr>, Refused> {
        let mut kept = Vec::new();
        let mut first_refusal = None;
        for address in addresses {
            match self.check_resolved(Some(host), address.ip()) {
                Ok(()) => kept.push(address),
                Err(refused) => {
                    tracing::debug!(%refused, "a refused address was dropped from a DNS answer");
                    first_refusal.get_or_insert(refused);
                }
            }
        }
        match (kept.is_empty(), first_refusal) {
            (true, Some(refused)) => Err(refused),
            _ => Ok(kept),
        }
    }

    /// Whether a redirect from the last of `previous` to `next` may be followed.
    pub fn check_redirect(
        &self,
        previous: &[reqwest::Url],
        next: &reqwest::Url,
    ) -> Result<(), Refused> {
        // `previous` starts with the URL first asked for, which is not a redirect.
        if previous.len() > MAX_REDIRECTS {
            return Err(Refused::TooManyRedirects {
                url: previous
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            });
        }
        if let Some(last) = previous.last()
            && last.scheme() == "https"
            && next.scheme() == "http"
        {
            return Err(Refused::Downgrade {
                from: last.to_string(),
                to: next.to_string(),
            });
        }
        self.check_url(next)
    }
}

/// The refused class an address belongs to, whatever the configuration.
fn classify(address: IpAddr) -> Option<AddressClass> {
    match address {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(address: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, ..] = address.octets();
    if a == 0 {
        Some(AddressClass::Unspecified)
    } else if address.is_broadcast() {
        Some(AddressClass::Broadcast)
    } else if address.is_multicast() {
        Some(AddressClass::Multicast)
    } else if address.is_link_local() {
        Some(AddressClass::LinkLocal)
    } else if address.is_loopback() {
        Some(AddressClass::Loopback)
    } else if address.is_private() {
        Some(AddressClass::Private)
    } else if a == 100 && (64..128).contains(&b) {
        Some(AddressClass::SharedAddressSpace)
    } else {
        None
    }
}

/// AWS's instance metadata service over IPv6.
const AWS_METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);

fn classify_v6(address: Ipv6Addr) -> Option<AddressClass> {
    let first = address.segments()[0];
    if address.is_unspecified() {
        Some(AddressClass::Unspecified)
    } else if address.is_multicast() {
        Some(AddressClass::Multicast)
    } else if address == AWS_METADATA_V6 || (first & 0xffc0) == 0xfe80 {
        Some(AddressClass::LinkLocal)
    } else if address.is_loopback() {
        Some(AddressClass::Loopback)
    } else if (first & 0xfe00) == 0xfc00 {
        Some(AddressClass::Private)
    } else {
        None
    }
}

/// Resolves names with the system resolver and keeps only the addresses the policy admits.
#[derive(Debug)]
struct PolicyResolver {
    network: Arc<RepositoryNetwork>,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let network = self.network.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept = network.admit(&host, found)?;
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client of chart repositories and registries, with the network policy on every
/// connection, URL and redirect.
#[derive(Debug, Clone)]
pub struct RepositoryClient {
    /// The client, or why it could not be built (then every request fails with that reason,
    /// rather than going out without the resolver).
    http: Result<reqwest::Client, String>,
    network: Arc<RepositoryNetwork>,
}

impl RepositoryClient {
    pub fn new(network: RepositoryNetwork) -> Self {
        let network = Arc::new(network);
        let http = build(&network, Vec::new()).map_err(|error| {
            let message = wheelhouse_tls::client_failure("chart repositories", &error);
            tracing::error!("{message}");
            message
        });
        Self { http, network }
    }

    /// This client, trusting the CA certificates in `pem` as well as the system's roots: for a
    /// repository whose certificate a private CA signed (helm's `--ca-file`). The CA is added,
    /// not substituted, so a redirect to a public CDN still verifies.
    pub fn trusting(&self, pem: &[u8]) -> crate::Result<Self> {
        let unusable = |error: reqwest::Error| {
            Error::UnusableCertificates(crate::repository::error_chain(&error))
        };
        let roots = reqwest::Certificate::from_pem_bundle(pem).map_err(unusable)?;
        if roots.is_empty() {
            return Err(Error::NoCertificate);
        }
        let http = build(&self.network, roots).map_err(unusable)?;
        Ok(Self {
            http: Ok(http),
            network: self.network.clone(),
        })
    }

    pub fn network(&self) -> &RepositoryNetwork {
        &self.network
    }

    /// A GET of `url`, refused before anything is sent when its host is a refused address.
    pub fn get(&self, url: &str) -> crate::Result<reqwest::RequestBuilder> {
        self.request(reqwest::Method::GET, url)
    }

    /// A request of `url`, refused before anything is sent when its host is a refused address.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> crate::Result<reqwest::RequestBuilder> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|error| Error::BadUrl(format!("{url} is not a URL: {error}")))?;
        self.network
            .check_url(&parsed)
            .map_err(|refused| Error::Refused {
                url: url.into(),
                refused,
            })?;
        let http = self
            .http
            .as_ref()
            .map_err(|message| Error::Client(message.clone()))?;
        Ok(http.request(method, parsed))
    }
}

/// The reqwest client of [`RepositoryClient`]: the policy's resolver and redirect check, and
/// certificates verified against the system's roots plus `extra_roots`.
fn build(
    network: &Arc<RepositoryNetwork>,
    extra_roots: Vec<reqwest::Certificate>,
) -> reqwest::Result<reqwest::Client> {
    wheelhouse_tls::install_crypto_provider();
    let redirects = network.clone();
    reqwest::Client::builder()
        .dns_resolver(Arc::new(PolicyResolver {
            network: network.clone(),
        }))
        .redirect(reqwest::redirect::Policy::custom(
            move |attempt| match redirects.check_redirect(attempt.previous(), attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(refused) => attempt.error(refused),
            },
        ))
        .tls_certs_merge(extra_roots)
        .build()
}

impl Default for RepositoryClient {
    fn default() -> Self {
        Self::new(RepositoryNetwork::default())
    }
}

/// The refusal in an error's causes, if a refusal is what stopped a request.
pub fn refusal_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(refused) = error.downcast_ref::<Refused>() {
            return Some(refused);
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn net(text: &str) -> IpNet {
        text.parse().expect("a CIDR")
    }

    #[test]
    fn networks_are_cidrs_or_single_addresses() {
        assert_eq!(
            parse_network("10.96.0.0/12").ok(),
            Some(net("10.96.0.0/12"))
        );
        assert_eq!(
            parse_network(" 169.254.169.254 ").ok(),
            Some(net("169.254.169.254/32"))
        );
        assert_eq!(parse_network("fd00::/8").ok(), Some(net("fd00::/8")));
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("charts.internal").is_err());
    }

    #[test]
    fn metadata_and_link_local_addresses_are_refused_everywhere_unless_allowed() {
        for network in [
            RepositoryNetwork::default(),
            RepositoryNetwork::default().in_cluster(true),
        ] {
            for address in ["169.254.169.254", "169.254.0.1", "fe80::1", "fd00:ec2::254"] {
                assert_eq!(
                    network.refused_class(ip(address)),
                    Some(AddressClass::LinkLocal),
                    "{address}"
                );
            }
            // The same address written as IPv4 inside IPv6 is the same address.
            assert_eq!(
                network.refused_class(ip("::ffff:169.254.169.254")),
                Some(AddressClass::LinkLocal)
            );
        }
        let allowed = RepositoryNetwork::default().allow(vec![net("169.254.169.254/32")]);
        assert_eq!(allowed.refused_class(ip("169.254.169.254")), None);
        assert!(allowed.refused_class(ip("169.254.169.253")).is_some());
    }

    #[test]
    fn cluster_neighbours_are_refused_in_a_cluster_and_reachable_on_a_laptop() {
        let laptop = RepositoryNetwork::default();
        let cluster = RepositoryNetwork::default().in_cluster(true);
        for (address, class) in [
            ("127.0.0.1", AddressClass::Loopback),
            ("::1", AddressClass::Loopback),
            ("10.96.0.10", AddressClass::Private),
            ("172.16.5.4", AddressClass::Private),
            ("192.168.1.1", AddressClass::Private),
            ("fd12:3456::1", AddressClass::Private),
            ("100.64.0.1", AddressClass::SharedAddressSpace),
            ("100.127.255.254", AddressClass::SharedAddressSpace),
        ] {
            assert_eq!(laptop.refused_class(ip(address)), None, "{address}");
            assert_eq!(cluster.refused_class(ip(address)), Some(class), "{address}");
        }
        let museum = cluster.clone().allow(vec![net("10.96.0.0/12")]);
        assert_eq!(museum.refused_class(ip("10.96.0.10")), None);
        assert!(museum.refused_class(ip("10.0.0.1")).is_some());
        // Public addresses are fine everywhere.
        for address in ["93.184.216.34", "100.128.0.1", "2606:4700::1"] {
            assert_eq!(cluster.refused_class(ip(address)), None, "{address}");
        }
    }

    #[test]
    fn unspecified_multicast_and_broadcast_are_refused_even_when_a_flag_covers_them() {
        let everything = RepositoryNetwork::default().allow(vec![net("0.0.0.0/0"), net("::/0")]);
        for (address, class) in [
            ("0.0.0.0", AddressClass::Unspecified),
            ("0.1.2.3", AddressClass::Unspecified),
            ("::", AddressClass::Unspecified),
            ("224.0.0.1", AddressClass::Multicast),
            ("ff02::1", AddressClass::Multicast),
            ("255.255.255.255", AddressClass::Broadcast),
        ] {
            assert_eq!(
                everything.refused_class(ip(address)),
                Some(class),
                "{address}"
            );
        }
        let message = everything
            .check(ip("0.0.0.0"))
            .expect_err("refused")
            .to_string();
        assert!(message.contains("never"), "{message}");
        assert!(!message.contains(ALLOW_FLAG), "{message}");
    }

    #[test]
    fn a_refusal_names_the_host_the_address_and_the_flag_that_would_allow_it() {
        let network = RepositoryNetwork::default();
        let message = network
            .admit(
                "metadata.internal",
                [SocketAddr::new(ip("169.254.169.254"), 80)],
            )
            .expect_err("refused")
            .to_string();
        assert_eq!(
            message,
            "metadata.internal resolves to 169.254.169.254, a link-local address (where clouds serve instance metadata and node credentials); \
             Wheelhouse does not fetch chart repositories from there unless it is started with --allow-repository-network 169.254.169.254/32 (or a range that contains it)"
        );
        let url = reqwest::Url::parse("http://[fe80::1]:8080/index.yaml").expect("url");
        let message = network.check_url(&url).expect_err("refused").to_string();
        assert!(
            message.starts_with("fe80::1 is a link-local address"),
            "{message}"
        );
        assert!(
            message.contains("--allow-repository-network fe80::1/128"),
            "{message}"
        );
    }

    #[test]
    fn a_dns_answer_keeps_only_the_admitted_addresses_so_rebinding_cannot_reach_the_rest() {
        let network = RepositoryNetwork::default();
        let answer = [
            SocketAddr::new(ip("169.254.169.254"), 0),
            SocketAddr::new(ip("93.184.216.34"), 0),
            SocketAddr::new(ip("fe80::1"), 0),
        ];
        assert_eq!(
            network
                .admit("charts.example", answer)
                .expect("one is fine"),
            vec![SocketAddr::new(ip("93.184.216.34"), 0)]
        );
    }

    #[test]
    fn urls_with_refused_ip_literals_are_refused_and_names_are_left_to_the_resolver() {
        let network = RepositoryNetwork::default().in_cluster(true);
        let refused = |url: &str| {
            network
                .check_url(&reqwest::Url::parse(url).expect("url"))
                .is_err()
        };
        assert!(refused("http://169.254.169.254/latest/meta-data/"));
        assert!(refused("http://10.0.0.1:8080/charts"));
        // WHATWG URL parsing turns other spellings of an address into the address.
        assert!(refused("http://2852039166/"));
        assert!(refused("http://0xa9fea9fe/"));
        assert!(refused("http://[::ffff:a9fe:a9fe]/"));
        assert!(
            network
                .check_repository_url("oci://169.254.169.254:5000/charts")
                .is_err()
        );
        assert!(
            network
                .check_repository_url("oci://registry.example/charts")
                .is_ok()
        );
        assert!(!refused("https://charts.example/stable"));
        assert!(!refused("http://93.184.216.34/charts"));
    }

    #[test]
    fn redirects_are_checked_hop_by_hop_and_never_downgrade_to_http() {
        let network = RepositoryNetwork::default();
        let url = |u: &str| reqwest::Url::parse(u).expect("url");
        let start = [url("https://charts.example/index.yaml")];
        assert!(
            network
                .check_redirect(&start, &url("https://cdn.example/index.yaml"))
                .is_ok()
        );
        assert!(matches!(
            network.check_redirect(&start, &url("http://charts.example/index.yaml")),
            Err(Refused::Downgrade { .. })
        ));
        assert!(matches!(
            network.check_redirect(&start, &url("https://169.254.169.254/")),
            Err(Refused::Address { .. })
        ));
        let plain = [url("http://charts.example/index.yaml")];
        assert!(
            network
                .check_redirect(&plain, &url("http://mirror.example/"))
                .is_ok()
        );
        let long: Vec<reqwest::Url> = (0..=MAX_REDIRECTS)
            .map(|i| url(&format!("https://charts.example/{i}")))
            .collect();
        assert!(matches!(
            network.check_redirect(&long, &url("https://charts.example/end")),
            Err(Refused::TooManyRedirects { .. })
        ));
    }

    #[tokio::test]
    async fn the_client_refuses_a_refused_ip_literal_before_sending_anything() {
        let client = RepositoryClient::new(RepositoryNetwork::default().in_cluster(true));
        let error = client
            .get("http://127.0.0.1:9/index.yaml")
            .expect_err("refused before sending");
        assert!(
            error
                .to_string()
                .contains("127.0.0.1 is a loopback address"),
            "{error}"
        );
        assert!(
            RepositoryClient::default()
                .get("http://127.0.0.1:9/index.yaml")
                .is_ok()
        );
    }

    #[test]
    fn a_ca_that_is_not_a_pem_certificate_is_refused_with_the_reason() {
        let client = RepositoryClient::default();
        for text in [
            "",
            "hello",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            let refused = client.trusting(text.as_bytes()).err();
            assert!(
                matches!(refused, Some(Error::NoCertificate)),
                "{text:?}: {refused:?}"
            );
        }
        let garbled = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let refused = client.trusting(garbled).err();
        assert!(
            matches!(&refused, Some(Error::UnusableCertificates(_))),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn the_resolver_drops_refused_addresses_of_a_name() {
        // `localhost` is a name: only the resolver sees where it leads.
        let client = RepositoryClient::new(RepositoryNetwork::default().in_cluster(true));
        let error = client
            .get("http://localhost:9/index.yaml")
            .expect("a name passes the URL check")
            .send()
            .await
            .expect_err("the resolver refuses it");
        let refused = refusal_in(&error).expect("the refusal is in the error's causes");
        assert!(
            refused.to_string().starts_with("localhost resolves to "),
            "{refused}"
        );
    }
}
