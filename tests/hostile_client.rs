//! The push receiver against peers that misbehave on purpose, on 127.0.0.1: idle connections,
//! half-sent and oversized heads, trickled bodies, more connections than the cap, plain HTTP on
//! an HTTPS port. Each test asserts the limit that holds and that a good push still succeeds.
//! Timeouts are short here so the tests are quick; every wait is for an event (the server
//! closing, an answer) under an outer bound, never a sleep standing in for one.
#![cfg(feature = "push")]

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use orb_cloud::push::{PushEvent, PushReceiver, PushReceiverBuilder, PushStream, RunningReceiver};
use orb_cloud::push::{TlsConfig, MAX_HEAD_BYTES};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BOUND: Duration = Duration::from_secs(15);

const RECORD: &str =
    r#"{"orb_id":"good","dataset":"responsiveness","timestamp":1756935043000,"lag_avg_us":1000}"#;

async fn start(builder: PushReceiverBuilder) -> (RunningReceiver, PushStream) {
    builder.bind("127.0.0.1:0").await.unwrap()
}

/// A well-behaved device: one POST on a new connection, its status.
async fn good_push(receiver: &RunningReceiver) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(receiver.local_url())
        .body(RECORD)
        .timeout(BOUND)
        .send()
        .await
        .unwrap()
        .status()
}

/// Reads until the server closes the connection; what it sent. Panics past the bound.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(BOUND, read)
        .await
        .expect("the server kept the connection open past the bound");
    seen
}

async fn one_record(events: &mut PushStream) {
    match tokio::time::timeout(BOUND, events.next()).await {
        Ok(Some(PushEvent::Record(r))) => assert_eq!(r.orb_id(), Some("good")),
        other => panic!("expected the good record, got {other:?}"),
    }
}

fn head(receiver: &RunningReceiver, content_length: usize) -> String {
    format!(
        "POST {} HTTP/1.1\r\nhost: x\r\ncontent-length: {content_length}\r\n\r\n",
        receiver.path()
    )
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_header_timeout() {
    let timeout = Duration::from_millis(300);
    let (receiver, mut events) = start(PushReceiver::builder().header_timeout(timeout)).await;
    let started = Instant::now();
    let mut idle = TcpStream::connect(receiver.local_addr()).await.unwrap();
    assert!(until_closed(&mut idle).await.is_empty());
    assert!(started.elapsed() >= timeout, "{:?}", started.elapsed());
    assert_eq!(receiver.stats().idle_closed, 1);
    assert_eq!(good_push(&receiver).await, 200);
    one_record(&mut events).await;
}

#[tokio::test]
async fn a_trickled_head_is_cut_off() {
    let timeout = Duration::from_millis(300);
    let (receiver, mut events) = start(PushReceiver::builder().header_timeout(timeout)).await;
    let mut slow = TcpStream::connect(receiver.local_addr()).await.unwrap();
    let started = Instant::now();
    let text = head(&receiver, RECORD.len());
    // One byte every 20 ms: the whole head would take seconds. Pacing the attack, not waiting
    // for the server: the loop ends when the server closes.
    let mut closed = false;
    for byte in text.as_bytes() {
        if slow.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        if started.elapsed() > BOUND {
            break;
        }
    }
    if !closed {
        until_closed(&mut slow).await;
    }
    assert!(started.elapsed() < BOUND);
    assert!(started.elapsed() >= timeout);
    assert_eq!(receiver.stats().accepted_posts, 0);
    assert_eq!(good_push(&receiver).await, 200);
    one_record(&mut events).await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_at_the_idle_timeout() {
    let idle = Duration::from_millis(300);
    let (receiver, mut events) = start(PushReceiver::builder().idle_timeout(idle)).await;
    let mut device = TcpStream::connect(receiver.local_addr()).await.unwrap();
    device
        .write_all(format!("{}{RECORD}", head(&receiver, RECORD.len())).as_bytes())
        .await
        .unwrap();
    one_record(&mut events).await;
    let started = Instant::now();
    let answered = until_closed(&mut device).await;
    assert!(answered.starts_with(b"HTTP/1.1 200"));
    assert!(started.elapsed() < BOUND);
    assert_eq!(receiver.stats().idle_closed, 1);
}

#[tokio::test]
async fn a_trickled_body_gets_408_at_the_body_timeout() {
    let timeout = Duration::from_millis(300);
    let (receiver, mut events) = start(PushReceiver::builder().body_timeout(timeout)).await;
    let mut slow = TcpStream::connect(receiver.local_addr()).await.unwrap();
    // The head and a little of a 1,000-byte body, then nothing more.
    slow.write_all(format!("{}[{{", head(&receiver, 1000)).as_bytes())
        .await
        .unwrap();
    let answer = until_closed(&mut slow).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(receiver.stats().body_timeouts, 1);
    assert_eq!(good_push(&receiver).await, 200);
    one_record(&mut events).await;
}

#[tokio::test]
async fn a_head_over_the_limit_is_refused_and_the_connection_closed() {
    let (receiver, mut events) = start(PushReceiver::builder()).await;
    let mut big = TcpStream::connect(receiver.local_addr()).await.unwrap();
    let filler = format!(
        "POST {} HTTP/1.1\r\nx-filler: {}",
        receiver.path(),
        "a".repeat(MAX_HEAD_BYTES * 2)
    );
    // The server may close before all of it is written: that is the point.
    let _ = big.write_all(filler.as_bytes()).await;
    let answer = until_closed(&mut big).await;
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(good_push(&receiver).await, 200);
    one_record(&mut events).await;
}

#[tokio::test]
async fn past_the_cap_idle_connections_make_room_and_a_good_push_gets_through() {
    let cap = 20;
    let (receiver, mut events) = start(PushReceiver::builder().max_connections(cap)).await;
    let mut idle = Vec::new();
    for _ in 0..(cap * 5) {
        idle.push(TcpStream::connect(receiver.local_addr()).await.unwrap());
    }
    // Every connection past the cap closed an older idle one: at most `cap` stay open.
    let mut closed = 0;
    for stream in &mut idle[..cap * 4] {
        until_closed(stream).await;
        closed += 1;
    }
    assert_eq!(closed, cap * 4);
    assert!(receiver.stats().evicted >= (cap * 4) as u64);
    assert_eq!(good_push(&receiver).await, 200);
    one_record(&mut events).await;
    assert_eq!(receiver.stats().refused_connections, 0);
}

#[tokio::test]
async fn when_every_connection_is_busy_new_ones_are_refused_until_one_ends() {
    let timeout = Duration::from_millis(500);
    let (receiver, mut events) = start(
        PushReceiver::builder()
            .max_connections(2)
            .body_timeout(timeout),
    )
    .await;
    // Two requests in progress: heads sent, bodies never finished.
    let mut busy = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(receiver.local_addr()).await.unwrap();
        s.write_all(format!("{}[", head(&receiver, 1000)).as_bytes())
            .await
            .unwrap();
        busy.push(s);
    }
    // A third connection: closed at once, unanswered, once both requests are under way. The
    // server sees the requests start in its own time, so try until it refuses (bounded).
    let started = Instant::now();
    loop {
        let mut third = TcpStream::connect(receiver.local_addr()).await.unwrap();
        let _ = third
            .write_all(format!("{}{RECORD}", head(&receiver, RECORD.len())).as_bytes())
            .await;
        let answer = until_closed(&mut third).await;
        if answer.is_empty() {
            break;
        }
        assert!(started.elapsed() < BOUND, "never refused");
        one_record(&mut events).await;
    }
    assert!(receiver.stats().refused_connections >= 1);
    // The busy ones end at the body timeout; then a good push gets through.
    for s in &mut busy {
        until_closed(s).await;
    }
    assert_eq!(good_push(&receiver).await, 200);
    one_record(&mut events).await;
}

/// A self-signed certificate for 127.0.0.1 and localhost, made here.
fn self_signed() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

#[tokio::test]
async fn tls_serves_https_and_a_plain_client_gets_nowhere() {
    let (cert, key) = self_signed();
    let tls = TlsConfig::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
    let (receiver, mut events) = start(PushReceiver::builder().tls(tls)).await;
    assert!(receiver.is_https());
    let url = receiver.local_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let answer = client.post(&url).body(RECORD).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    one_record(&mut events).await;

    // Plain HTTP on the HTTPS port: no answer, the handshake counted as failed.
    let plain = reqwest::Client::new()
        .post(url.replacen("https://", "http://", 1))
        .body(RECORD)
        .timeout(BOUND)
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    assert_eq!(receiver.stats().tls_failures, 1);
    // A client that does not trust the certificate is refused by its own TLS.
    assert!(reqwest::Client::new().post(&url).send().await.is_err());
}

#[test]
fn bad_certificates_and_keys_are_clear_errors() {
    let (cert, key) = self_signed();
    let other_key = rcgen::KeyPair::generate().unwrap().serialize_pem();
    for (cert, key, expect) in [
        ("", key.as_str(), "no certificate found"),
        (
            "-----BEGIN CERTIFICATE-----\n!!\n",
            key.as_str(),
            "not valid PEM",
        ),
        (cert.as_str(), "", "private key is not valid PEM"),
        (cert.as_str(), other_key.as_str(), "cannot be used together"),
    ] {
        let e = TlsConfig::from_pem(cert.as_bytes(), key.as_bytes()).unwrap_err();
        assert!(e.to_string().contains(expect), "{e}");
    }
    let e = TlsConfig::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem").unwrap_err();
    assert!(e.to_string().contains("/nonexistent/"), "{e}");
}
