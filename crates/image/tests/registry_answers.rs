//! The pusher against a registry written here to answer what the real one in
//! `crates/wheelhouse/tests/image.rs` does not: a bearer-token login, and answers too large to
//! keep.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use wheelhouse_image::{BuildInfo, Compression, Contents, Layout, PushOptions, Reference, push};

/// A small layout: any executable stands in for both binaries.
fn layout(dir: &Path) -> Layout {
    let shell = Path::new("/bin/sh");
    let info = BuildInfo::parse("wheelhouse 0.0.1\ncommit: test\nbuilt: 2026-01-01T00:00:00Z\n")
        .expect("parses");
    let contents = Contents::new(shell, shell, shell)
        .compression(Compression::fast())
        .allow_dynamic();
    Layout::write(&contents, &info, &dir.join("oci")).expect("written")
}

#[derive(Clone, Default)]
struct Seen {
    /// The query of each token request, and every request's path with its Authorization.
    token_queries: Arc<Mutex<Vec<String>>>,
    requests: Arc<Mutex<Vec<(String, String)>>>,
    huge_error: bool,
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

/// A registry behind a token service: `/v2/` challenges, `/token` hands out `t0k`, everything
/// else wants `Bearer t0k` and says it has every blob.
async fn token_registry(seen: Seen) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let realm = format!("http://{address}/token");
    let app = Router::new()
        .route(
            "/token",
            get(
                |State(seen): State<Seen>, Query(query): Query<Vec<(String, String)>>| async move {
                    let text = query
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("&");
                    seen.token_queries.lock().expect("lock").push(text);
                    r#"{"token":"t0k"}"#
                },
            ),
        )
        .fallback(
            move |State(seen): State<Seen>, uri: Uri, headers: HeaderMap| {
                let realm = realm.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    seen.requests
                        .lock()
                        .expect("lock")
                        .push((uri.path().to_string(), auth.clone()));
                    if auth != "Bearer t0k" {
                        let challenge = format!(r#"Bearer realm="{realm}",service="fake.example""#);
                        return (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge)])
                            .into_response();
                    }
                    if seen.huge_error {
                        // A megabyte of error: the pusher keeps the first few KiB for its message.
                        return (StatusCode::INTERNAL_SERVER_ERROR, "x".repeat(1024 * 1024))
                            .into_response();
                    }
                    if uri.path().contains("/manifests/") {
                        return StatusCode::CREATED.into_response();
                    }
                    Response::new(axum::body::Body::empty())
                }
            },
        )
        .with_state(seen);
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

#[tokio::test]
async fn a_bearer_challenge_is_answered_with_a_push_token_for_the_repository() {
    let dir = tempfile::tempdir().expect("dir");
    let layout = layout(dir.path());
    let seen = Seen::default();
    let address = token_registry(seen.clone()).await;
    let reference: Reference = format!("{address}/team/wheelhouse:1")
        .parse()
        .expect("reference");
    let options = PushOptions {
        plain_http: true,
        ..PushOptions::default()
    };
    let pushed = push(&layout, &reference, &options).await.expect("pushed");
    assert_eq!(
        (pushed.uploaded, pushed.skipped),
        (0, 4),
        "the registry said it had every blob"
    );
    let queries = seen.token_queries.lock().expect("lock").clone();
    assert_eq!(
        queries,
        ["service=fake.example&scope=repository:team/wheelhouse:pull,push"]
    );
    let requests = seen.requests.lock().expect("lock").clone();
    assert_eq!(requests[0], ("/v2/".to_string(), String::new()));
    assert!(
        requests[1..].iter().all(|(_, auth)| auth == "Bearer t0k"),
        "every request after the login carries the token: {requests:?}"
    );
    assert_eq!(
        requests.last().map(|r| r.0.as_str()),
        Some("/v2/team/wheelhouse/manifests/1")
    );
}

#[tokio::test]
async fn a_huge_error_answer_is_cut_to_a_few_kilobytes_in_the_message() {
    let dir = tempfile::tempdir().expect("dir");
    let layout = layout(dir.path());
    let address = token_registry(Seen {
        huge_error: true,
        ..Seen::default()
    })
    .await;
    let reference: Reference = format!("{address}/team/wheelhouse:1")
        .parse()
        .expect("reference");
    let options = PushOptions {
        plain_http: true,
        ..PushOptions::default()
    };
    let error = push(&layout, &reference, &options)
        .await
        .expect_err("refused")
        .to_string();
    assert!(error.contains("500"), "{}", &error[..200.min(error.len())]);
    assert!(
        error.len() < 5 * 1024,
        "the message holds {} bytes",
        error.len()
    );
}

#[tokio::test]
async fn a_token_service_that_answers_without_end_is_not_read_to_its_end() {
    let dir = tempfile::tempdir().expect("dir");
    let layout = layout(dir.path());
    // The token "document" is a JSON string that never closes, 64 MiB long.
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let token = get(move || async move {
        let opening = std::iter::once(b"{\"token\":\"".to_vec());
        let chunks = opening
            .chain(std::iter::repeat_n(vec![b'a'; 1024 * 1024], 64))
            .inspect(move |_| {
                counter.fetch_add(1, Ordering::SeqCst);
            });
        let stream = futures::stream::iter(chunks.map(Ok::<_, std::convert::Infallible>));
        Response::new(axum::body::Body::from_stream(stream))
    });
    let address = serve(Router::new().route("/token", token)).await;
    let realm = format!("http://{address}/token");
    let registry = serve(Router::new().fallback(move || {
        let challenge = format!(r#"Bearer realm="{realm}""#);
        async move { (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge)]) }
    }))
    .await;
    let reference: Reference = format!("{registry}/team/wheelhouse:1")
        .parse()
        .expect("reference");
    let options = PushOptions {
        plain_http: true,
        ..PushOptions::default()
    };
    let error = push(&layout, &reference, &options)
        .await
        .expect_err("refused")
        .to_string();
    assert!(error.contains("not JSON"), "{error}");
    // Give the server a moment: it stops producing once the pusher has dropped the connection.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let chunks = sent.load(Ordering::SeqCst);
    assert!(
        chunks < 16,
        "the pusher read on: {chunks} of 65 chunks were produced"
    );
}
