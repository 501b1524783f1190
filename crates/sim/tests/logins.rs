//! The login kinds a real API server accepts, against the sim over HTTP: OIDC ID tokens from an
//! issuer running in the test (discovery and keys served by a small axum server, tokens signed
//! with ring), group policies, and impersonation by an authenticating proxy.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Json;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair,
    RsaPublicKeyComponents,
};
use serde_json::{Value, json};
use wheelhouse_sim::{OidcConfig, Sim, SimConfig};

const CLIENT_ID: &str = "wheelhouse";

/// A 2048-bit RSA key made with `openssl genpkey -algorithm RSA` (ring makes no RSA keys), for
/// these tests only.
const RSA_KEY_PEM: &str = include_str!("fixtures/oidc/rsa-2048.pk8.pem");

/// An OIDC provider as far as an API server sees it: a discovery document and a key set.
struct Issuer {
    url: String,
    ec: EcdsaKeyPair,
    rsa: RsaKeyPair,
    /// How often the key set was fetched.
    key_fetches: Arc<AtomicUsize>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Issuer {
    async fn start() -> Issuer {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("ec key");
        let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .expect("ec pair");
        let rsa = RsaKeyPair::from_pkcs8(&pem_der(RSA_KEY_PEM)).expect("rsa pair");
        let point = ec.public_key().as_ref();
        let rsa_public = RsaPublicKeyComponents::<Vec<u8>>::from(rsa.public());
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let keys = json!({"keys": [
            {"kty": "EC", "kid": "ec-1", "use": "sig", "alg": "ES256", "crv": "P-256",
             "x": b64(&point[1..33]), "y": b64(&point[33..])},
            {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
             "n": b64(&rsa_public.n), "e": b64(&rsa_public.e)},
        ]});
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let discovery = json!({"issuer": url, "jwks_uri": format!("{url}/keys"),
            "id_token_signing_alg_values_supported": ["ES256", "RS256"]});
        let key_fetches = Arc::new(AtomicUsize::new(0));
        let fetches = key_fetches.clone();
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { Json(discovery) }),
            )
            .route(
                "/keys",
                get(move || async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    Json(keys)
                }),
            );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .expect("issuer serves");
        });
        Issuer {
            url,
            ec,
            rsa,
            key_fetches,
            stop: Some(stop),
        }
    }

    /// Claims of a valid ID token for `sub` in `groups`, to change before signing.
    fn claims(&self, sub: &str, groups: &[&str]) -> Value {
        let now = jiff::Timestamp::now().as_second();
        json!({"iss": self.url, "aud": CLIENT_ID, "sub": sub, "groups": groups,
            "iat": now, "exp": now + 600})
    }

    /// A token signed with ES256 by the published EC key, under `kid`.
    fn es256(&self, kid: &str, claims: &Value) -> String {
        let signed = signing_input("ES256", kid, claims);
        let signature = self
            .ec
            .sign(&SystemRandom::new(), signed.as_bytes())
            .expect("signed");
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    /// A token signed with RS256 by the published RSA key.
    fn rs256(&self, claims: &Value) -> String {
        let signed = signing_input("RS256", "rsa-1", claims);
        let mut signature = vec![0; self.rsa.public().modulus_len()];
        self.rsa
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .expect("signed");
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn config(&self) -> OidcConfig {
        OidcConfig::new(&self.url, CLIENT_ID).groups_claim("groups")
    }
}

impl Drop for Issuer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn signing_input(alg: &str, kid: &str, claims: &Value) -> String {
    let header = json!({"alg": alg, "kid": kid, "typ": "JWT"});
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("pem base64")
}

async fn start(config: SimConfig) -> Sim {
    Sim::start(config.controllers(false))
        .await
        .expect("sim starts")
}

/// A namespace and a pod in it, so lists have something to find.
fn seed(sim: &Sim) {
    let pods = wheelhouse_sim::GroupResource::core("pods");
    for namespace in ["team-a", "default"] {
        sim.store()
            .create(
                &pods,
                true,
                json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "web", "namespace": namespace},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]}}),
            )
            .expect("pod stored");
    }
}

/// A request with a bearer token and extra headers; the status and the JSON body.
async fn request(
    sim: &Sim,
    method: &str,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value) {
    wheelhouse_tls::install_crypto_provider();
    let mut request = reqwest::Client::new()
        .request(
            method.parse().expect("method"),
            format!("{}{path}", sim.url()),
        )
        .bearer_auth(token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Who the sim says the bearer of `token` (with `headers`) is: its SelfSubjectReview.
async fn whoami(sim: &Sim, token: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let (status, review) = request(
        sim,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        token,
        headers,
        Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
    )
    .await;
    (status, review["status"]["userInfo"].clone())
}

fn unauthorized() -> Value {
    wheelhouse_sim::reference::json("kube-apiserver/error-unauthorized.json")
}

#[tokio::test]
async fn a_valid_id_token_logs_in_with_the_prefixed_username_and_its_groups() {
    let issuer = Issuer::start().await;
    let sim = start(SimConfig::default().oidc(issuer.config())).await;
    let token = issuer.es256("ec-1", &issuer.claims("alice", &["team-a"]));
    let (status, user) = whoami(&sim, &token, &[]).await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["username"], format!("{}#alice", issuer.url));
    assert_eq!(user["groups"], json!(["team-a", "system:authenticated"]));
    assert_eq!(user.get("uid"), None, "an ID token gives no uid");

    let token = issuer.rs256(&issuer.claims("bob", &[]));
    let (status, user) = whoami(&sim, &token, &[]).await;
    assert_eq!(
        (status, user["username"].clone()),
        (201, json!(format!("{}#bob", issuer.url))),
        "RS256 too"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn id_tokens_that_fail_a_check_get_the_reference_401() {
    let issuer = Issuer::start().await;
    let other = Issuer::start().await;
    let sim = start(SimConfig::default().oidc(issuer.config())).await;
    let valid = issuer.claims("alice", &[]);
    let with = |field: &str, value: Value| {
        let mut claims = valid.clone();
        claims[field] = value;
        claims
    };
    let now = jiff::Timestamp::now().as_second();
    let cases = [
        (
            "wrong issuer",
            issuer.es256("ec-1", &with("iss", json!(other.url))),
        ),
        (
            "wrong audience",
            issuer.es256("ec-1", &with("aud", json!(["someone-else"]))),
        ),
        (
            "expired",
            issuer.es256("ec-1", &with("exp", json!(now - 3600))),
        ),
        (
            "not yet valid",
            issuer.es256("ec-1", &with("nbf", json!(now + 3600))),
        ),
        // Signed by another provider's key, claiming this one's.
        ("bad signature", other.es256("ec-1", &valid)),
        ("unknown kid", issuer.es256("ec-9", &valid)),
        ("not a JWT", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln".to_string()),
    ];
    for (case, token) in cases {
        let (status, body) = request(&sim, "GET", "/api/v1/namespaces", &token, &[], None).await;
        assert_eq!((status, body), (401, unauthorized()), "{case}");
    }
    // The same token is accepted, so the refusals above are the checks, not the set-up.
    let token = issuer.es256("ec-1", &valid);
    let (status, _) = request(
        &sim,
        "GET",
        "/api/v1/namespaces/default/pods",
        &token,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 403, "authenticated, without rights in default");
    sim.shutdown().await;
}

#[tokio::test]
async fn without_oidc_configured_an_id_token_is_an_unknown_token() {
    let issuer = Issuer::start().await;
    let sim = start(SimConfig::default()).await;
    let token = issuer.es256("ec-1", &issuer.claims("alice", &[]));
    let (status, body) = request(&sim, "GET", "/api/v1/namespaces", &token, &[], None).await;
    assert_eq!((status, body), (401, unauthorized()));
    assert_eq!(issuer.key_fetches.load(Ordering::SeqCst), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn keys_are_cached_and_an_unknown_kid_refetches_them_at_most_every_few_seconds() {
    let issuer = Issuer::start().await;
    let sim = start(SimConfig::default().oidc(issuer.config())).await;
    for _ in 0..3 {
        let token = issuer.es256("ec-1", &issuer.claims("alice", &[]));
        assert_eq!(whoami(&sim, &token, &[]).await.0, 201);
    }
    assert_eq!(issuer.key_fetches.load(Ordering::SeqCst), 1, "cached");
    for _ in 0..3 {
        let token = issuer.es256("rotated", &issuer.claims("alice", &[]));
        assert_eq!(whoami(&sim, &token, &[]).await.0, 401);
    }
    assert_eq!(
        issuer.key_fetches.load(Ordering::SeqCst),
        1,
        "fetched just now: an unknown kid does not fetch again at once"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn an_email_username_must_be_verified_when_the_token_says_so() {
    let issuer = Issuer::start().await;
    let sim = start(SimConfig::default().oidc(issuer.config().username_claim("email"))).await;
    let mut claims = issuer.claims("alice", &[]);
    claims["email"] = json!("alice@example.com");
    claims["email_verified"] = json!(true);
    let (status, user) = whoami(&sim, &issuer.es256("ec-1", &claims), &[]).await;
    assert_eq!(
        (status, user["username"].clone()),
        (201, json!("alice@example.com")),
        "no prefix for an email claim"
    );
    claims["email_verified"] = json!(false);
    assert_eq!(
        whoami(&sim, &issuer.es256("ec-1", &claims), &[]).await.0,
        401
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_team_a_person_from_an_id_token_lists_pods_in_team_a_only() {
    let issuer = Issuer::start().await;
    let sim = start(SimConfig::default().oidc(issuer.config())).await;
    seed(&sim);
    let token = issuer.es256("ec-1", &issuer.claims("carol", &["team-a"]));
    let (status, list) = request(
        &sim,
        "GET",
        "/api/v1/namespaces/team-a/pods",
        &token,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"][0]["metadata"]["name"], "web");
    let (status, body) = request(
        &sim,
        "GET",
        "/api/v1/namespaces/default/pods",
        &token,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["message"],
        format!(
            "pods is forbidden: User \"{}#carol\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"",
            issuer.url
        )
    );
    // The rules review shows the group's rule.
    let (_, review) = request(
        &sim,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        &token,
        &[],
        Some(json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview", "spec": {"namespace": "team-a"}})),
    )
    .await;
    let rules = review["status"]["resourceRules"].as_array().expect("rules");
    assert!(
        rules.iter().any(|r| r["resources"]
            .as_array()
            .is_some_and(|rs| rs.contains(&json!("pods")))
            && r["verbs"] == json!(["get", "list", "watch"])),
        "{rules:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_person_named_like_a_table_user_gets_that_users_rules() {
    let issuer = Issuer::start().await;
    let sim = start(SimConfig::default().oidc(issuer.config().username_prefix("-"))).await;
    seed(&sim);
    let token = issuer.es256("ec-1", &issuer.claims("restricted", &[]));
    let (status, _) = request(
        &sim,
        "GET",
        "/api/v1/namespaces/team-a/pods",
        &token,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn admin_and_the_proxy_may_impersonate_and_the_request_runs_as_the_person() {
    let sim = start(SimConfig::default()).await;
    seed(&sim);
    let as_dave = [
        ("Impersonate-User", "dave"),
        ("Impersonate-Group", "team-a"),
    ];
    for requester in ["admin-token", "proxy-token"] {
        let (status, user) = whoami(&sim, requester, &as_dave).await;
        assert_eq!(status, 201, "{requester}: {user}");
        assert_eq!(user["username"], "dave");
        assert_eq!(user["groups"], json!(["team-a", "system:authenticated"]));
        let (status, _) = request(
            &sim,
            "GET",
            "/api/v1/namespaces/team-a/pods",
            requester,
            &as_dave,
            None,
        )
        .await;
        assert_eq!(status, 200, "{requester} as dave in team-a");
        let (status, body) = request(
            &sim,
            "GET",
            "/api/v1/namespaces/default/pods",
            requester,
            &as_dave,
            None,
        )
        .await;
        assert_eq!(status, 403, "{requester} as dave in default");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("User \"dave\" cannot list")),
            "{body}"
        );
    }
    // Admin may set a uid and extras; they show in the review.
    let (status, user) = whoami(
        &sim,
        "admin-token",
        &[
            ("Impersonate-User", "dave"),
            ("Impersonate-Uid", "42"),
            ("Impersonate-Extra-Scopes", "view"),
        ],
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        (user["uid"].clone(), user["extra"].clone()),
        (json!("42"), json!({"scopes": ["view"]}))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_viewer_may_not_impersonate_and_is_told_as_the_apiserver_tells() {
    let sim = start(SimConfig::default()).await;
    let (status, body) = request(
        &sim,
        "GET",
        "/api/v1/namespaces",
        "viewer-token",
        &[("Impersonate-User", "alice")],
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "users \"alice\" is forbidden: User \"viewer\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            "reason": "Forbidden", "details": {"name": "alice", "kind": "users"}, "code": 403})
    );
    // The proxy may impersonate users and groups, not uids.
    let (status, body) = request(
        &sim,
        "GET",
        "/api/v1/namespaces",
        "proxy-token",
        &[("Impersonate-User", "alice"), ("Impersonate-Uid", "42")],
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body["message"],
        "uids.authentication.k8s.io \"42\" is forbidden: User \"proxy\" cannot impersonate resource \"uids\" in API group \"authentication.k8s.io\" at the cluster scope"
    );
    // And the proxy itself may do nothing else.
    let (status, _) = request(&sim, "GET", "/api/v1/namespaces", "proxy-token", &[], None).await;
    assert_eq!(status, 403);
    sim.shutdown().await;
}

#[tokio::test]
async fn impersonating_groups_without_a_user_is_refused() {
    let sim = start(SimConfig::default()).await;
    let (status, body) = request(
        &sim,
        "GET",
        "/api/v1/namespaces",
        "admin-token",
        &[("Impersonate-Group", "team-a")],
        None,
    )
    .await;
    assert_eq!(
        (status, body["reason"].clone()),
        (500, json!("InternalError"))
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("without impersonating a user")),
        "{body}"
    );
    sim.shutdown().await;
}

/// Whether a SubjectAccessReview (sent by admin) with this spec is allowed.
async fn review(sim: &Sim, spec: Value) -> Option<bool> {
    let body = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec});
    let path = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    let (status, review) = request(sim, "POST", path, "admin-token", &[], Some(body)).await;
    assert_eq!(status, 201);
    review["status"]["allowed"].as_bool()
}

#[tokio::test]
async fn subject_access_reviews_honour_the_groups_of_the_spec() {
    let sim = start(SimConfig::default()).await;
    let pods_in =
        |namespace: &str| json!({"verb": "list", "resource": "pods", "namespace": namespace});
    assert_eq!(
        review(
            &sim,
            json!({"user": "erin", "groups": ["team-a"], "resourceAttributes": pods_in("team-a")})
        )
        .await,
        Some(true)
    );
    assert_eq!(
        review(
            &sim,
            json!({"user": "erin", "groups": ["team-a"], "resourceAttributes": pods_in("default")})
        )
        .await,
        Some(false)
    );
    assert_eq!(
        review(
            &sim,
            json!({"user": "erin", "resourceAttributes": pods_in("team-a")})
        )
        .await,
        Some(false),
        "no groups, no rights"
    );
    assert_eq!(
        review(
            &sim,
            json!({"user": "erin", "groups": ["viewers"], "resourceAttributes": pods_in("default")})
        )
        .await,
        Some(true)
    );
    assert_eq!(
        review(&sim, json!({"user": "erin", "groups": ["system:masters"], "resourceAttributes": {"verb": "delete", "resource": "secrets", "namespace": "kube-system"}})).await,
        Some(true)
    );
    sim.shutdown().await;
}

/// Stores an object through the API as admin; the status must be 201.
async fn create(sim: &Sim, path: &str, object: Value) {
    let (status, body) = request(sim, "POST", path, "admin-token", &[], Some(object)).await;
    assert_eq!(status, 201, "POST {path}: {body}");
}

#[tokio::test]
async fn a_service_account_token_acts_with_exactly_what_rbac_grants_until_the_account_is_gone() {
    let sim = start(SimConfig::default()).await;
    seed(&sim);
    create(
        &sim,
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}),
    )
    .await;
    create(
        &sim,
        "/api/v1/namespaces/team-a/serviceaccounts",
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "console"}}),
    )
    .await;
    let (status, issued) = request(
        &sim,
        "POST",
        "/api/v1/namespaces/team-a/serviceaccounts/console/token",
        "admin-token",
        &[],
        Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}})),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let token = issued["status"]["token"]
        .as_str()
        .expect("a token")
        .to_string();

    let (status, who) = whoami(&sim, &token, &[]).await;
    assert_eq!(status, 201);
    assert_eq!(who["username"], "system:serviceaccount:team-a:console");
    assert_eq!(
        who["groups"],
        json!([
            "system:serviceaccounts",
            "system:serviceaccounts:team-a",
            "system:authenticated"
        ])
    );
    // Before any binding the account may do nothing, as in a real cluster.
    let (status, _) = request(&sim, "GET", "/api/v1/pods", &token, &[], None).await;
    assert_eq!(status, 403);

    create(
        &sim,
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "pod-reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]}),
    )
    .await;
    create(
        &sim,
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": "console-reads-pods"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "pod-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "console", "namespace": "team-a"}]}),
    )
    .await;
    let (status, pods) = request(&sim, "GET", "/api/v1/pods", &token, &[], None).await;
    assert_eq!(status, 200, "{pods}");
    assert_eq!(pods["items"].as_array().map(Vec::len), Some(2));
    let (status, refused) = request(
        &sim,
        "DELETE",
        "/api/v1/namespaces/default/pods/web",
        &token,
        &[],
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        refused["message"],
        "pods \"web\" is forbidden: User \"system:serviceaccount:team-a:console\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    let (status, _) = request(&sim, "GET", "/api/v1/secrets", &token, &[], None).await;
    assert_eq!(status, 403);

    // A TokenReview knows the token; a SubjectAccessReview about the account answers from RBAC.
    let (status, reviewed) = request(
        &sim,
        "POST",
        "/apis/authentication.k8s.io/v1/tokenreviews",
        "admin-token",
        &[],
        Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(reviewed["status"]["authenticated"], true);
    assert_eq!(
        review(
            &sim,
            json!({"user": "system:serviceaccount:team-a:console",
            "resourceAttributes": {"verb": "watch", "resource": "pods", "namespace": "default"}})
        )
        .await,
        Some(true)
    );

    // Deleting the account ends its tokens.
    let (status, _) = request(
        &sim,
        "DELETE",
        "/api/v1/namespaces/team-a/serviceaccounts/console",
        "admin-token",
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = request(&sim, "GET", "/api/v1/pods", &token, &[], None).await;
    assert_eq!((status, body), (401, unauthorized()));
    sim.shutdown().await;
}
