//! The real Debian `docker-registry` started by a test (with basic auth from an htpasswd made
//! here with bcrypt, or a token realm served here), images built and pushed by the test itself
//! through the distribution API, and a small token service that signs JWTs as registry:2 expects.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use serde_json::{Value, json};

/// The user and password the tests' registries know.
pub const USER: &str = "ann";
pub const PASSWORD: &str = "s3cret";

/// How a test registry asks for a login.
pub enum Login {
    None,
    /// htpasswd with bcrypt (docker-registry's basic auth).
    Basic,
    /// A token realm at this URL, whose certificate (PEM) is written as the root bundle.
    Token {
        realm: String,
        certificate: String,
    },
}

/// A running docker-registry; killed when dropped.
pub struct Registry {
    pub address: SocketAddr,
    _child: tokio::process::Child,
}

/// Starts docker-registry in `dir`, deleting allowed when `delete` is true.
pub async fn start(binary: &Path, dir: &Path, login: Login, delete: bool) -> Registry {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut yaml = format!(
        "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: {delete}\nhttp:\n  addr: 127.0.0.1:{port}\n",
        dir.join("data").display()
    );
    match &login {
        Login::None => {}
        Login::Basic => {
            let hash = bcrypt::hash(PASSWORD, 4).expect("bcrypt");
            let file = dir.join("htpasswd");
            std::fs::write(&file, format!("{USER}:{hash}\n")).expect("htpasswd");
            yaml.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: images\n    path: {}\n",
                file.display()
            ));
        }
        Login::Token { realm, certificate } => {
            let file = dir.join("token-root.pem");
            std::fs::write(&file, certificate).expect("root bundle");
            yaml.push_str(&format!(
                "auth:\n  token:\n    realm: {realm}\n    service: test-registry\n    issuer: wheelhouse-test\n    rootcertbundle: {}\n",
                file.display()
            ));
        }
    }
    let config = dir.join("config.yml");
    std::fs::write(&config, yaml).expect("config");
    let child = tokio::process::Command::new(binary)
        .args(["serve", &config.display().to_string()])
        .env("REGISTRY_STORAGE_DELETE_ENABLED", delete.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("docker-registry starts");
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().expect("address");
    for _ in 0..100 {
        if super::get(format!("http://{address}/v2/"))
            .await
            .is_ok_and(|r| r.status() == 200 || r.status() == 401)
        {
            return Registry {
                address,
                _child: child,
            };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("docker-registry did not answer on {address}");
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", wheelhouse_apps::chart::sha256_hex(bytes))
}

/// Pushes blobs and manifests to a registry, with a fixed `Authorization` (basic, or a token).
pub struct Pusher {
    pub base: String,
    pub authorization: Option<String>,
}

impl Pusher {
    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let request = super::client().request(method, url);
        match &self.authorization {
            Some(value) => request.header(header::AUTHORIZATION, value),
            None => request,
        }
    }

    /// Uploads `bytes` as a blob of `name` (monolithic: POST then PUT with the digest).
    pub async fn blob(&self, name: &str, bytes: &[u8]) -> (String, u64) {
        let digest = sha256(bytes);
        let started = self
            .request(
                reqwest::Method::POST,
                &format!("{}/v2/{name}/blobs/uploads/", self.base),
            )
            .send()
            .await
            .expect("upload starts");
        assert_eq!(started.status(), 202, "{:?}", started.text().await);
        let location = started.headers()[header::LOCATION]
            .to_str()
            .expect("location")
            .to_string();
        let location = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location
        };
        let separator = if location.contains('?') { '&' } else { '?' };
        let put = self
            .request(
                reqwest::Method::PUT,
                &format!("{location}{separator}digest={digest}"),
            )
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .expect("upload ends");
        assert_eq!(put.status(), 201, "{:?}", put.text().await);
        (digest, bytes.len() as u64)
    }

    /// Puts a manifest under `reference`; its digest and size.
    pub async fn manifest(
        &self,
        name: &str,
        reference: &str,
        media_type: &str,
        body: &Value,
    ) -> (String, u64) {
        let bytes = serde_json::to_vec(body).expect("JSON");
        let put = self
            .request(
                reqwest::Method::PUT,
                &format!("{}/v2/{name}/manifests/{reference}", self.base),
            )
            .header(header::CONTENT_TYPE, media_type)
            .body(bytes.clone())
            .send()
            .await
            .expect("manifest put");
        assert_eq!(put.status(), 201, "{:?}", put.text().await);
        (sha256(&bytes), bytes.len() as u64)
    }

    /// Builds and pushes a one-platform image (a config and two layers whose content includes
    /// `marker`) tagged `tag`; its manifest's digest and size.
    pub async fn image(&self, name: &str, tag: &str, arch: &str, marker: &str) -> (String, u64) {
        self.image_created(name, tag, arch, marker, "2026-12-01T10:00:00Z")
            .await
    }

    /// [`Pusher::image`], its config saying it was `created` then.
    pub async fn image_created(
        &self,
        name: &str,
        tag: &str,
        arch: &str,
        marker: &str,
        created: &str,
    ) -> (String, u64) {
        let config = json!({
            "created": created, "os": "linux", "architecture": arch,
            "config": {
                "Entrypoint": ["/bin/app"], "Cmd": ["--serve"], "Env": ["PATH=/usr/bin", format!("MARKER={marker}")],
                "ExposedPorts": {"8080/tcp": {}}, "User": "1000", "WorkingDir": "/srv",
                "Labels": {"org.opencontainers.image.version": tag},
            },
            "rootfs": {"type": "layers", "diff_ids": []},
        });
        let (config_digest, config_size) = self
            .blob(name, &serde_json::to_vec(&config).expect("JSON"))
            .await;
        let mut layers = Vec::new();
        for (i, size) in [1000usize, 2500].into_iter().enumerate() {
            let bytes: Vec<u8> = format!("{marker}-{arch}-{i}-")
                .bytes()
                .cycle()
                .take(size)
                .collect();
            let (digest, size) = self.blob(name, &bytes).await;
            layers.push(json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}));
        }
        let manifest = json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
            "layers": layers,
        });
        self.manifest(
            name,
            tag,
            "application/vnd.oci.image.manifest.v1+json",
            &manifest,
        )
        .await
    }

    /// Builds and pushes an amd64 and an arm64 image and an index of both, tagged `tag`.
    pub async fn multi_arch(&self, name: &str, tag: &str, marker: &str) -> String {
        let mut manifests = Vec::new();
        for arch in ["amd64", "arm64"] {
            let (digest, size) = self
                .image(name, &format!("{tag}-{arch}"), arch, marker)
                .await;
            manifests.push(json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size,
                "platform": {"os": "linux", "architecture": arch},
            }));
        }
        let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
        self.manifest(name, tag, "application/vnd.oci.image.index.v1+json", &index)
            .await
            .0
    }
}

/// The `Authorization` header of the tests' user.
pub fn basic() -> String {
    let pair = format!("{USER}:{PASSWORD}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// A token service as registry:2 expects one: it checks the user's basic auth and answers a JWT
/// (ES256, its certificate in `x5c`) granting the scopes asked for.
pub struct TokenService {
    pub realm: String,
    /// The certificate (PEM) the registry trusts tokens by.
    pub certificate: String,
    /// The `Authorization` header of each token request.
    pub seen: Arc<Mutex<Vec<Option<String>>>>,
    signer: Arc<Signer>,
}

struct Signer {
    key: ring::signature::EcdsaKeyPair,
    der: Vec<u8>,
}

#[derive(Clone)]
struct TokenState {
    signer: Arc<Signer>,
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

impl TokenService {
    pub async fn start() -> Self {
        let key = rcgen::KeyPair::generate().expect("a key");
        let params = rcgen::CertificateParams::new(vec!["wheelhouse-test-token".to_string()])
            .expect("params");
        let certificate = params.self_signed(&key).expect("a certificate");
        let signing = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &key.serialize_der(),
            &ring::rand::SystemRandom::new(),
        )
        .expect("a signing key");
        let signer = Arc::new(Signer {
            key: signing,
            der: certificate.der().to_vec(),
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = TokenState {
            signer: signer.clone(),
            seen: seen.clone(),
        };
        let app = axum::Router::new()
            .route("/token", axum::routing::get(token))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
        Self {
            realm: format!("http://{address}/token"),
            certificate: certificate.pem(),
            seen,
            signer,
        }
    }

    /// A token for `scopes` (`repository:app:pull,push`), as the service would grant it.
    pub fn grant(&self, scopes: &[&str]) -> String {
        sign(&self.signer, "test-registry", scopes)
    }
}

fn url64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn sign(signer: &Signer, service: &str, scopes: &[&str]) -> String {
    let now = jiff::Timestamp::now().as_second();
    let access: Vec<Value> = scopes
        .iter()
        .filter_map(|scope| {
            let mut parts = scope.splitn(3, ':');
            let (kind, name, actions) = (parts.next()?, parts.next()?, parts.next()?);
            Some(json!({"type": kind, "name": name, "actions": actions.split(',').collect::<Vec<_>>()}))
        })
        .collect();
    let header = json!({"typ": "JWT", "alg": "ES256", "x5c": [base64::engine::general_purpose::STANDARD.encode(&signer.der)]});
    let claims = json!({
        "iss": "wheelhouse-test", "sub": USER, "aud": service, "exp": now + 300, "nbf": now - 10,
        "iat": now, "jti": format!("{now}-{}", access.len()), "access": access,
    });
    let input = format!(
        "{}.{}",
        url64(header.to_string().as_bytes()),
        url64(claims.to_string().as_bytes())
    );
    let signature = signer
        .key
        .sign(&ring::rand::SystemRandom::new(), input.as_bytes())
        .expect("signs");
    format!("{input}.{}", url64(signature.as_ref()))
}

async fn token(
    State(state): State<TokenState>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> axum::response::Response {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    state.seen.lock().expect("lock").push(given.clone());
    if given.as_deref() != Some(basic().as_str()) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let service = query
        .iter()
        .find(|(k, _)| k == "service")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let scopes: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.as_str())
        .collect();
    axum::Json(json!({"token": sign(&state.signer, &service, &scopes)})).into_response()
}
