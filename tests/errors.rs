//! Errors keep their cause and answer questions: `source()` reaches reqwest's, serde's and IO's
//! errors; `status()`, `request_id()`, `retry_after()` and `is_retryable()` read what Orb said;
//! the generated client's errors convert into `orb_cloud::Error` keeping Orb's message; and the
//! key is redacted from everything a server sends back, a short key only where it is a word.

use std::error::Error as _;
use std::time::Duration;

use orb_cloud::{Error, OrbCloud, RetryPolicy};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "orb-ok1-Errors-Key-0123456789abcdef";

fn client_with_key(base_url: &str, key: &str) -> OrbCloud {
    OrbCloud::builder()
        .api_key(key)
        .base_url(base_url)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn client_at(base_url: &str) -> OrbCloud {
    client_with_key(base_url, KEY)
}

/// A base URL where nothing listens (the port was free a moment ago).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Every error in `e`'s source chain, `e` first.
fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Vec<&'a (dyn std::error::Error + 'static)> {
    let mut out = vec![e];
    let mut at = e;
    while let Some(next) = at.source() {
        out.push(next);
        at = next;
        assert!(out.len() < 64, "a source chain that does not end");
    }
    out
}

/// What listing organizations gives when the server answers `response`.
async fn listing_organizations_fails_with(response: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(response)
        .mount(&server)
        .await;
    client_at(&server.uri())
        .organizations()
        .list()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn sources_reach_the_reqwest_io_and_serde_errors() {
    // A refused connection: reqwest's error, and under it the OS's.
    let e = client_at(&closed_port_url())
        .organizations()
        .list()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    let causes = chain(&e);
    let reqwest = causes[1]
        .downcast_ref::<reqwest::Error>()
        .expect("the first cause is reqwest's error");
    assert!(reqwest.is_connect());
    assert!(reqwest.url().is_none(), "the source keeps no URL");
    let io = causes
        .iter()
        .find_map(|c| c.downcast_ref::<std::io::Error>())
        .expect("the OS error is in the chain");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);

    // A body that does not decode: serde's error.
    let e = listing_organizations_fails_with(
        ResponseTemplate::new(200).set_body_string(r#"[{"organization_id": 7}]"#),
    )
    .await;
    let serde = e
        .source()
        .and_then(|s| s.downcast_ref::<serde_json::Error>())
        .expect("serde's error is the source");
    assert!(serde.is_data(), "{serde}");
    let Error::Decode { path, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(path, "[0].organization_id");

    // Errors that are Orb's answers have no cause beneath them: the answer is the error.
    let e = listing_organizations_fails_with(ResponseTemplate::new(404)).await;
    assert!(e.source().is_none(), "{e:?}");
}

#[tokio::test]
async fn accessors_read_status_request_id_and_when_to_retry() {
    let server = MockServer::start().await;
    let orb_error =
        |status: u16| ResponseTemplate::new(status).insert_header("x-request-id", "req-7");
    Mock::given(path("/api/v2/organization/busy/devices"))
        .respond_with(
            orb_error(503)
                .insert_header("retry-after", "12")
                .set_body_json(json!({"message": "maintenance", "code": "UNAVAILABLE"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organization/limited/devices"))
        .respond_with(orb_error(429).insert_header("retry-after", "3"))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organization/missing/devices"))
        .respond_with(orb_error(404).set_body_json(json!({"message": "no such organization"})))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organization/broken/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&server)
        .await;
    let client = client_at(&server.uri());
    let list = |org: &'static str| {
        let client = client.clone();
        async move { client.organization(org).devices().list().await.unwrap_err() }
    };

    let e = list("busy").await;
    assert_eq!(e.status(), Some(503));
    assert_eq!(e.request_id(), Some("req-7"));
    assert_eq!(e.retry_after(), Some(Duration::from_secs(12)));
    assert!(e.is_retryable());
    assert_eq!(e.api().unwrap().message.as_deref(), Some("maintenance"));
    assert_eq!(e.operation().unwrap().name(), "list devices");

    let e = list("missing").await;
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.request_id(), Some("req-7"));
    assert_eq!(e.retry_after(), None);
    assert!(!e.is_retryable());

    let e = list("broken").await;
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert_eq!((e.status(), e.request_id()), (None, None));
    assert!(!e.is_retryable());

    // Last: a 429 holds the client's later calls for its Retry-After.
    let e = list("limited").await;
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    assert!(e.is_retryable());

    let e = client_at(&closed_port_url())
        .organizations()
        .list()
        .await
        .unwrap_err();
    assert_eq!(e.status(), None);
    assert!(e.is_retryable(), "a refused connection may work later");

    let e = OrbCloud::builder().api_key("").build().unwrap_err();
    assert!(!e.is_retryable());
    assert_eq!(e.operation(), None);
}

#[tokio::test]
async fn the_generated_clients_errors_convert_keeping_orbs_message() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organization/o/devices"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-request-id", "req-9")
                .set_body_json(json!({"message": "missing permission", "code": "FORBIDDEN"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(r#"{{"echo": "{KEY}""#)))
        .mount(&server)
        .await;
    let client = client_at(&server.uri());

    // `?` converts progenitor's error; Orb's message, code and request id survive.
    async fn devices(client: &OrbCloud) -> Result<usize, Error> {
        let answer = client
            .raw()
            .get_v2_organization_devices()
            .organization_id("o")
            .send()
            .await?;
        Ok(answer.into_inner().len())
    }
    let e = devices(&client).await.unwrap_err();
    assert!(matches!(e, Error::Forbidden { .. }), "{e:?}");
    assert_eq!(e.status(), Some(403));
    assert_eq!(e.request_id(), Some("req-9"));
    assert_eq!(e.api().unwrap().code.as_deref(), Some("FORBIDDEN"));
    assert_eq!(e.operation().unwrap().name(), "list devices");
    assert_eq!(
        e.to_string(),
        "list devices: the API key is not allowed to do this (HTTP 403): give the key the \
         \"Devices: Read\" permission; Orb says \"missing permission\" (FORBIDDEN); request id req-9"
    );

    // A success answer that does not decode: serde's error kept, the body (which could echo the
    // key) not shown.
    let e = Error::from(
        client
            .raw()
            .get_v2_organizations()
            .send()
            .await
            .unwrap_err(),
    );
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(e.source().unwrap().is::<serde_json::Error>());
    assert!(!format!("{e} {e:?}").contains(KEY), "{e}");

    // No server: reqwest's error kept, as for the typed client.
    let offline = client_at(&closed_port_url());
    let e = Error::from(
        offline
            .raw()
            .get_v2_organizations()
            .send()
            .await
            .unwrap_err(),
    );
    assert!(matches!(e, Error::Transport { connect: true, .. }), "{e:?}");
    assert!(e.source().unwrap().is::<reqwest::Error>());
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_short_key_is_redacted_only_where_it_stands_as_a_word() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"message": "Invalid API key: k", "code": "k-unknown"})),
        )
        .mount(&server)
        .await;
    let e = client_with_key(&server.uri(), "k")
        .organizations()
        .list()
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(r#"Orb says "Invalid API key: [redacted]" (k-unknown)"#),
        "{text}"
    );
    assert!(!text.contains("[redacted]ey"), "{text}");

    // A long key is redacted wherever it appears, in a 2xx body that does not decode too.
    let e = listing_organizations_fails_with(
        ResponseTemplate::new(200).set_body_string(format!(r#"[{{"name": 1, "x": "{KEY}"}}]"#)),
    )
    .await;
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}
