//! The client against servers that misbehave on purpose, each a few lines of raw HTTP on
//! 127.0.0.1: echoing the key, redirecting away, answering without end, refusing with absurd
//! waits, sending terminal escapes. Each test asserts the limit that holds and that nothing of
//! the key or of the escapes reaches what a person reads.

mod common;

use std::error::Error as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Recorder;
use orb_cloud::retry::FixedJitter;
use orb_cloud::{BodyLimitExceeded, Error, OrbCloud, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "orb-ok1-HOSTILE-5b1d0e77";

/// What the raw server does with one request.
enum Reply {
    /// These bytes, then close.
    Bytes(Vec<u8>),
    /// This head, then `chunk` over and over until the client stops reading (at most 4 GiB).
    Endless { head: String, chunk: Vec<u8> },
}

/// A server that records each request head and answers as `respond` says.
struct Raw {
    base: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Raw {
    async fn start(respond: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Raw {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (seen, respond) = (heads.clone(), Arc::new(respond));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (seen, respond) = (seen.clone(), respond.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &seen, &*respond).await;
                });
            }
        });
        Raw { base, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    seen: &Mutex<Vec<String>>,
    respond: &(dyn Fn(&str) -> Reply + Send + Sync),
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 << 10 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    seen.lock().unwrap().push(head.clone());
    match respond(&head) {
        Reply::Bytes(bytes) => stream.write_all(&bytes).await?,
        Reply::Endless { head, chunk } => {
            stream.write_all(head.as_bytes()).await?;
            for _ in 0..(4u64 << 30) / chunk.len().max(1) as u64 {
                stream.write_all(&chunk).await?;
            }
        }
    }
    stream.shutdown().await
}

fn answer(status: &str, extra_headers: &str, body: &str) -> Reply {
    Reply::Bytes(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n{extra_headers}\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

fn path_of(head: &str) -> &str {
    head.split(' ').nth(1).unwrap_or_default()
}

fn client(base: &str) -> OrbCloud {
    OrbCloud::builder()
        .api_key(KEY)
        .base_url(base)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

/// Every text a person could read of an error: its message, its `Debug` and every source's.
fn texts(e: &Error) -> Vec<String> {
    let mut texts = vec![e.to_string(), format!("{e:?}")];
    let mut source = e.source();
    while let Some(s) = source {
        texts.push(s.to_string());
        texts.push(format!("{s:?}"));
        source = s.source();
    }
    texts
}

fn assert_clean(e: &Error) {
    for text in texts(e) {
        assert!(!text.contains("HOSTILE"), "the key leaked into: {text}");
        assert!(!text.contains('\u{1b}'), "an escape reached: {text:?}");
    }
}

#[tokio::test]
async fn a_success_that_does_not_decode_never_shows_the_key() {
    let server = Raw::start(|head| {
        // Echo the Authorization header back in a 200 that is not what the API promises.
        let auth = head
            .lines()
            .find_map(|l| l.strip_prefix("authorization: "))
            .unwrap_or_default()
            .to_owned();
        match path_of(head) {
            "/api/v2/organizations" => answer("200 OK", "", &format!(r#"{{"echo": "{auth}"}}"#)),
            _ => answer(
                "200 OK",
                "",
                &format!(r#"[{{"id": "{auth}", "name": 7}}, {{"echo": "{auth}"}}]"#),
            ),
        }
    })
    .await;
    let client = client(&server.base);
    let e = client.organizations().list().await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(e.to_string().contains("[redacted]"), "{e}");
    assert_clean(&e);
    let e = client.organization("o").devices().list().await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert_clean(&e);
    let lenient = client
        .organization("o")
        .devices()
        .list_lenient()
        .await
        .unwrap();
    assert!(!lenient.skipped.is_empty());
    for skipped in &lenient.skipped {
        assert!(!format!("{skipped:?}").contains("HOSTILE"), "{skipped:?}");
    }
}

#[tokio::test]
async fn a_failure_after_a_redirect_does_not_show_the_key_in_the_url() {
    let server = Raw::start(|head| match path_of(head) {
        "/api/v2/organizations" => Reply::Bytes(
            format!(
                "HTTP/1.1 302 Found\r\nlocation: /echo/{KEY}?k={KEY}\r\ncontent-length: 0\r\n\r\n"
            )
            .into_bytes(),
        ),
        // The answer breaks off in its body: the error is about the URL redirected to.
        _ => Reply::Bytes(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n[{\"id\"".to_vec()),
    })
    .await;
    let e = client(&server.base)
        .organizations()
        .list()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    assert!(
        e.to_string().contains("/echo/[redacted]"),
        "{e} {:?}",
        server.heads()
    );
    assert_clean(&e);
    assert_eq!(
        server.heads().len(),
        2,
        "the same-origin redirect was followed"
    );
}

#[tokio::test]
async fn redirects_stay_on_the_base_urls_origin_and_send_no_referer() {
    let elsewhere = Raw::start(|_| answer("200 OK", "", "[]")).await;
    let target = format!("{}/api/v2/organizations", elsewhere.base);
    let server = Raw::start(move |head| match path_of(head) {
        "/api/v2/organizations" => Reply::Bytes(
            format!("HTTP/1.1 307 Temporary Redirect\r\nlocation: {target}\r\ncontent-length: 0\r\n\r\n")
                .into_bytes(),
        ),
        "/api/v2/organization/o/devices" => Reply::Bytes(
            b"HTTP/1.1 308 Permanent Redirect\r\nlocation: /moved\r\ncontent-length: 0\r\n\r\n"
                .to_vec(),
        ),
        _ => answer("200 OK", "", "[]"),
    })
    .await;
    let client = client(&server.base);

    let e = client.organizations().list().await.unwrap_err();
    assert_eq!(e.status(), Some(307), "{e:?}");
    assert_eq!(
        e.api().unwrap().redirect.as_deref(),
        Some(&*format!("{}/api/v2/organizations", elsewhere.base))
    );
    assert!(e.to_string().contains("not followed"), "{e}");
    assert!(elsewhere.heads().is_empty(), "another host got a request");

    // Within the origin it is followed, with the key and without a Referer.
    let devices = client.organization("o").devices().list().await.unwrap();
    assert!(devices.is_empty());
    let heads = server.heads();
    let moved = heads.iter().find(|h| path_of(h) == "/moved").unwrap();
    assert!(moved.to_ascii_lowercase().contains("authorization: bearer"));
    assert!(!moved.to_ascii_lowercase().contains("referer"), "{moved}");
}

#[tokio::test]
async fn answers_without_end_stop_at_the_body_limit() {
    let endless = |body_start: &str, chunk: &str| {
        Reply::Endless {
        head: format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{body_start}"
        ),
        chunk: chunk.repeat(4096).into_bytes(),
    }
    };
    let server = Raw::start(move |head| match path_of(head) {
        // Read whole: an object that never ends.
        "/api/v2/organizations" => endless(r#"{"name": ""#, "a"),
        // A listing of complete elements without end.
        "/api/v2/organization/many/devices" => endless("[", r#"{"id": "x"},"#),
        // A listing whose first element never ends.
        "/api/v2/organization/one/devices" => endless(r#"[{"name": ""#, "b"),
        // A declared length of 1 GB: refused before reading.
        _ => Reply::Bytes(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000000\r\n\r\n["
                .to_vec(),
        ),
    })
    .await;
    let limit = 1u64 << 20;
    let client = OrbCloud::builder()
        .api_key(KEY)
        .base_url(&server.base)
        .retry(RetryPolicy::disabled())
        .max_body_bytes(limit)
        .build()
        .unwrap();
    let too_large = |e: Error| {
        assert!(
            matches!(e, Error::BodyTooLarge { limit: l, .. } if l == limit),
            "{e:?}"
        );
        assert!(e.to_string().contains("1048576 bytes"), "{e}");
    };
    too_large(client.organizations().list().await.unwrap_err());
    too_large(
        client
            .organization("many")
            .devices()
            .list()
            .await
            .unwrap_err(),
    );
    too_large(
        client
            .organization("one")
            .devices()
            .list_lenient()
            .await
            .unwrap_err(),
    );
    too_large(
        client
            .organization("declared")
            .devices()
            .list()
            .await
            .unwrap_err(),
    );

    // The generated client and raw requests hand the body over unread: held to the same limit.
    let e = Error::from(
        client
            .raw()
            .get_v2_organizations()
            .send()
            .await
            .unwrap_err(),
    );
    too_large(e);
    let response = client
        .request(orb_cloud::Method::GET, "/api/v2/organizations")
        .send()
        .await
        .unwrap();
    let e = response.bytes().await.unwrap_err();
    let mut source = e.source();
    let mut found = false;
    while let Some(s) = source {
        found |= s.is::<BodyLimitExceeded>();
        source = s.source();
    }
    assert!(found, "{e:?}");
}

#[tokio::test]
async fn a_long_retry_after_costs_the_cap_once_per_retry() {
    let server =
        Raw::start(|_| answer("429 Too Many Requests", "retry-after: 100\r\n", "{}")).await;
    let recorder = Recorder::default();
    let cap = Duration::from_secs(20);
    let client = OrbCloud::builder()
        .api_key(KEY)
        .base_url(&server.base)
        .retry(
            RetryPolicy::standard()
                .max_attempts(3)
                .max_delay(cap)
                .jitter(FixedJitter(1.0)),
        )
        .sleeper(recorder.clone())
        .no_deadline()
        .build()
        .unwrap();
    let e = client.organizations().list().await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert_eq!(server.heads().len(), 3);
    assert_eq!(
        recorder.waits(),
        vec![cap, cap],
        "one wait per refused attempt"
    );
}

#[tokio::test]
async fn an_absurd_reset_time_is_capped_and_said_so() {
    let server = Raw::start(|_| {
        answer(
            "429 Too Many Requests",
            "x-ratelimit-limit: 10\r\nx-ratelimit-remaining: 0\r\nx-ratelimit-reset: 99999999999\r\n",
            "{}",
        )
    })
    .await;
    let e = client(&server.base)
        .organizations()
        .list()
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("capped"), "{text}");
    assert!(!text.contains("98203"), "{text}");
    assert!(e.retry_after().unwrap() <= Duration::from_secs(86_400));
}

#[tokio::test]
async fn terminal_escapes_from_the_server_are_shown_escaped() {
    let server = Raw::start(|head| match path_of(head) {
        "/api/v2/organizations" => answer(
            "500 Internal Server Error",
            "",
            "\u{1b}]0;pwned\u{7}\u{1b}[2J not json",
        ),
        "/api/v2/organization/coded/devices" => answer(
            "400 Bad Request",
            "",
            r#"{"code": "\u001b[2J", "message": "\u001b]0;t\u0007"}"#,
        ),
        _ => answer("200 OK", "", "{\"\u{1b}[31m\": \"\u{1b}[2J\"}"),
    })
    .await;
    let client = client(&server.base);
    let e = client.organizations().list().await.unwrap_err();
    assert!(e.to_string().contains("\\u{1b}]0;pwned"), "{e}");
    assert_clean(&e);
    let e = client.organization("o").devices().list().await.unwrap_err();
    assert_clean(&e);
    let e = client
        .organization("coded")
        .devices()
        .list()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_clean(&e);
}
