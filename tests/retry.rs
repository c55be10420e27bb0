//! Retries against wiremock on 127.0.0.1, with a sleeper that records the waits and advances its
//! own clock instead of sleeping, and a fixed jitter, so backoff is exact and tests are fast.

mod common;

use std::time::Duration;

use common::Recorder;
use orb_cloud::retry::FixedJitter;
use orb_cloud::{Error, OrbCloud, OrbCloudBuilder, RetryPolicy, SpeedTest};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "orb-ok1-retry-test-key";

/// Settings for a client of `uri` that waits on `recorder`, with full (fixed) jitter.
fn builder(uri: &str, recorder: &Recorder, policy: RetryPolicy) -> OrbCloudBuilder {
    OrbCloud::builder()
        .api_key(KEY)
        .base_url(uri)
        .retry(policy.jitter(FixedJitter(1.0)))
        .sleeper(recorder.clone())
}

fn client(uri: &str, recorder: &Recorder, policy: RetryPolicy) -> OrbCloud {
    builder(uri, recorder, policy).build().unwrap()
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

/// A server whose list-organizations answers 503 `times` times, then `[]`.
async fn organizations_503_then_ok(times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(times)
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    server
}

/// A server whose list-organizations answers 429 with `Retry-After: secs` once, then `[]`.
async fn organizations_429_then_ok(secs: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", secs.to_string()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn retry_after_is_honoured_on_429() {
    let server = organizations_429_then_ok(3).await;
    let rec = Recorder::default();
    client(&server.uri(), &rec, RetryPolicy::standard())
        .organizations()
        .list()
        .await
        .unwrap();
    assert_eq!(rec.waits(), [Duration::from_secs(3)]);
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn a_429_on_post_is_retried_because_the_server_did_not_act() {
    let server = MockServer::start().await;
    let p = "/api/v2/organization/o/devices/d/trigger-speedtest/top";
    Mock::given(method("POST"))
        .and(path(p))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"test_uuid": "u"})))
        .mount(&server)
        .await;
    let rec = Recorder::default();
    let c = client(&server.uri(), &rec, RetryPolicy::standard());
    let started = c
        .organization("o")
        .device("d")
        .speed_test(SpeedTest::Top)
        .await
        .unwrap();
    assert_eq!(started.test_uuid.as_deref(), Some("u"));
    assert_eq!(rec.waits(), [Duration::from_secs(1)]);
}

#[tokio::test]
async fn service_unavailable_then_ok_with_exponential_backoff() {
    let server = organizations_503_then_ok(3).await;
    let rec = Recorder::default();
    client(&server.uri(), &rec, RetryPolicy::standard().max_attempts(4))
        .organizations()
        .list()
        .await
        .unwrap();
    assert_eq!(
        rec.waits(),
        [
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(4)
        ]
    );
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_the_last_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;
    let rec = Recorder::default();
    let e = client(&server.uri(), &rec, RetryPolicy::standard())
        .organizations()
        .list()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert_eq!(requests(&server).await, 3);
    assert_eq!(rec.waits().len(), 2);
}

#[tokio::test]
async fn post_is_not_retried_after_a_read_timeout_but_get_is() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(json!({}))
        .set_delay(Duration::from_secs(5));
    Mock::given(method("POST"))
        .respond_with(slow.clone())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(slow)
        .mount(&server)
        .await;
    let rec = Recorder::default();
    let c = OrbCloud::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .attempt_timeout(Duration::from_millis(150))
        .retry(
            RetryPolicy::standard()
                .max_attempts(2)
                .jitter(FixedJitter(0.0)),
        )
        .sleeper(rec.clone())
        .build()
        .unwrap();
    let e = c
        .organization("o")
        .device("d")
        .speed_test(SpeedTest::Content)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                retried_unsafe: true,
                attempt: 1,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("not retried because Orb may already have acted on it"),
        "{e}"
    );
    assert_eq!(requests(&server).await, 1, "the POST was sent once");

    let e = c.organizations().list().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                retried_unsafe: false,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(requests(&server).await, 3, "the GET was tried twice");
}

#[tokio::test]
async fn connection_failures_are_retried_even_for_post() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rec = Recorder::default();
    let c = client(
        &format!("http://127.0.0.1:{port}"),
        &rec,
        RetryPolicy::standard(),
    );
    let e = c.device("d").speed_test(SpeedTest::Top).await.unwrap_err();
    assert!(matches!(e, Error::Transport { connect: true, .. }), "{e}");
    assert_eq!(
        rec.waits(),
        [Duration::from_secs(1), Duration::from_secs(2)]
    );
}

#[tokio::test]
async fn the_total_deadline_bounds_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let rec = Recorder::default();
    let c = OrbCloud::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .deadline(Duration::from_millis(3500))
        .retry(
            RetryPolicy::standard()
                .max_attempts(10)
                .jitter(FixedJitter(1.0)),
        )
        .sleeper(rec.clone())
        .build()
        .unwrap();
    let e = c.organizations().list().await.unwrap_err();
    let Error::DeadlineExceeded { attempts, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(
        *attempts, 3,
        "waits of 1 s and 2 s fit in 3.5 s, a third of 4 s does not"
    );
    assert_eq!(e.last_failure().unwrap().status(), Some(503));
    assert_eq!(e.status(), Some(503), "the last answer's status");
    let cause = std::error::Error::source(&e)
        .and_then(|s| s.downcast_ref::<Error>())
        .expect("the last attempt's error is the source");
    assert_eq!(cause.status(), Some(503));
    assert_eq!(
        rec.waits(),
        [Duration::from_secs(1), Duration::from_secs(2)]
    );
    assert!(e.to_string().contains("gave up after 3 attempt(s) because the total deadline of 3.5s passed; last failure: list organizations: Orb Cloud answered HTTP 503"), "{e}");
}

#[tokio::test]
async fn retries_can_be_disabled_and_client_errors_are_never_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organization/o/devices"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&server)
        .await;
    let rec = Recorder::default();
    let c = client(&server.uri(), &rec, RetryPolicy::disabled());
    assert_eq!(
        c.organizations().list().await.unwrap_err().status(),
        Some(503)
    );
    let c = client(&server.uri(), &rec, RetryPolicy::standard());
    assert_eq!(
        c.organization("o")
            .devices()
            .list()
            .await
            .unwrap_err()
            .status(),
        Some(400)
    );
    assert_eq!(requests(&server).await, 2);
    assert!(rec.waits().is_empty());
}

#[tokio::test]
async fn rate_limit_state_is_readable_and_an_empty_window_is_paced() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .insert_header("x-ratelimit-limit", "60")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "5"),
        )
        .mount(&server)
        .await;
    let rec = Recorder::default();
    let c = client(&server.uri(), &rec, RetryPolicy::standard());
    assert!(c.rate_limit().is_none());
    c.organizations().list().await.unwrap();
    let state = c.rate_limit().unwrap();
    assert_eq!((state.limit, state.remaining), (Some(60), Some(0)));
    assert!(rec.waits().is_empty());
    c.organizations().list().await.unwrap();
    let waits = rec.waits();
    assert_eq!(waits.len(), 1);
    // 60 requests per 5 s: the next is paced one request's worth (~83 ms), not the whole reset.
    assert!(
        waits[0] > Duration::from_millis(60) && waits[0] <= Duration::from_millis(84),
        "{waits:?}"
    );
}

#[tokio::test]
async fn without_rate_headers_a_429_holds_the_clients_other_requests_too() {
    // Orb documents 429 but no X-RateLimit headers. The refused call is not retried here
    // (retries disabled), yet the next call of the same client still waits out Retry-After
    // instead of spending another 429 inside the window.
    let server = organizations_429_then_ok(4).await;
    let rec = Recorder::default();
    let c = client(&server.uri(), &rec, RetryPolicy::disabled());
    let e = c.organizations().list().await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e}");
    c.organizations().list().await.unwrap();
    let waits = rec.waits();
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!(
        waits[0] > Duration::from_millis(3_900) && waits[0] <= Duration::from_secs(4),
        "{waits:?}"
    );
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn limits_as_large_as_a_duration_goes_mean_no_limit_not_a_panic() {
    let server = organizations_503_then_ok(1).await;
    // Waits are recorded, not slept; the one after the 503 is the cap, at most.
    let rec = Recorder::default();
    let policy = RetryPolicy::standard().max_delay(Duration::from_millis(5));
    let c = builder(&server.uri(), &rec, policy)
        .attempt_timeout(Duration::MAX)
        .deadline(Duration::MAX)
        .build()
        .unwrap();
    assert!(c.organizations().list().await.unwrap().is_empty());
    assert_eq!(rec.waits(), vec![Duration::from_millis(5)]);
}
