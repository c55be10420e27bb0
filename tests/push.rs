//! The push receiver over real loopback HTTP: statuses for every kind of bad input, back-pressure,
//! exactly-once delivery under load, mounting, and draining on shutdown.
#![cfg(feature = "push")]

use std::collections::HashSet;
use std::io::Write;
use std::time::Duration;

use futures_util::StreamExt;
use orb_cloud::datasets::Record;
use orb_cloud::push::{PushEvent, PushReceiver, PushStream, PushToken, RunningReceiver};
use reqwest::StatusCode;

fn record(sender: usize, seq: usize) -> String {
    format!(
        r#"{{"orb_id":"sender{sender}","dataset":"responsiveness","timestamp":{},"interval_ms":1000,"lag_avg_us":{},"packet_loss_pct":0.0,"network_type":1,"isp_name":"Loopback ISP"}}"#,
        1_756_935_043_000u64 + seq as u64,
        1000 + seq % 500
    )
}

fn jsonl(sender: usize, range: std::ops::Range<usize>) -> String {
    range.map(|i| record(sender, i) + "\n").collect()
}

fn json(sender: usize, range: std::ops::Range<usize>) -> String {
    let items: Vec<String> = range.map(|i| record(sender, i)).collect();
    format!("[{}]", items.join(","))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

async fn start() -> (RunningReceiver, PushStream) {
    PushReceiver::builder()
        .max_body_bytes(1 << 20)
        .bind("127.0.0.1:0")
        .await
        .unwrap()
}

fn key(r: &Record) -> (String, i64) {
    (
        r.orb_id().unwrap_or_default().to_owned(),
        r.timestamp_ms().unwrap_or_default(),
    )
}

/// Takes exactly `n` events (bounded: the test fails instead of hanging).
async fn take(events: &mut PushStream, n: usize) -> Vec<PushEvent> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match tokio::time::timeout(Duration::from_secs(10), events.next()).await {
            Ok(Some(event)) => out.push(event),
            Ok(None) => panic!("stream ended after {} of {n} events", out.len()),
            Err(_) => panic!("no event within 10 s after {} of {n}", out.len()),
        }
    }
    out
}

fn records(events: Vec<PushEvent>) -> Vec<Record> {
    events
        .into_iter()
        .map(|e| match e {
            PushEvent::Record(r) => r,
            other => panic!("expected a record, got {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn jsonl_json_and_gzip_bodies_arrive_typed() {
    let (receiver, mut events) = start().await;
    let http = reqwest::Client::new();
    let url = receiver.local_url();

    let r = http.post(&url).body(jsonl(1, 0..3)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap().trim(), "accepted 3 records");
    let r = http.post(&url).body(json(2, 0..2)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = http
        .post(&url)
        .header("content-encoding", "gzip")
        .body(gzip(jsonl(3, 0..4).as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Orb's own example payload, as the reference gives it.
    let example = std::fs::read("tests/fixtures/datasets/orb_example_speed.json").unwrap();
    let r = http.post(&url).body(example).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let got = records(take(&mut events, 9).await);
    assert!(got.iter().all(|r| matches!(r, Record::Responsiveness(_))));
    assert_eq!(key(&got[0]), ("sender1".into(), 1_756_935_043_000));
    assert_eq!(key(&got[3]).0, "sender2");
    assert_eq!(key(&got[5]).0, "sender3");
    let Record::Responsiveness(first) = &got[0] else {
        unreachable!()
    };
    assert_eq!(first.lag_avg_us, Some(1000.0));
    let stats = receiver.stats();
    assert_eq!(stats.accepted_posts, 4);
    assert!(stats.accepted_records >= 9);
}

#[tokio::test]
async fn bad_requests_get_their_status_and_valid_records_still_arrive() {
    let (receiver, mut events) = start().await;
    let http = reqwest::Client::new();
    let url = receiver.local_url();
    let base = url.rsplit_once("/push/").unwrap().0.to_owned();

    // Wrong token, wrong path: 404, the same answer, so a stranger learns nothing.
    let wrong = format!("{base}/push/{}", PushToken::generate().expose_secret());
    let r = http.post(&wrong).body(jsonl(9, 0..1)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = http
        .post(format!("{base}/ingest"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Wrong method: 405 with Allow.
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["allow"], "POST");
    // Truncated JSON with nothing complete in it, wrong types only: 400 with the reason.
    let r = http
        .post(&url)
        .body(r#"[{"dataset":"speed","download_k"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("no record"));
    let r = http
        .post(&url)
        .body(r#"{"dataset":"speed","download_kbps":"fast"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("download_kbps"));
    // Not gzip although it says so: 400. An encoding we do not decode: 415.
    let r = http
        .post(&url)
        .header("content-encoding", "gzip")
        .body(vec![0x1f, 0x8b, 0, 1, 2])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = http
        .post(&url)
        .header("content-encoding", "br")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A gzip bomb: 40 MiB of zeros in ~40 KiB, over the 1 MiB limit once inflated: 413.
    let bomb = gzip(&vec![b' '; 40 << 20]);
    assert!(bomb.len() < 1 << 20);
    let r = http
        .post(&url)
        .header("content-encoding", "gzip")
        .body(bomb)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Empty: nothing to deliver, nothing lost: 200.
    let r = http.post(&url).body("").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap().trim(), "accepted 0 records");
    // A truncated body after two good records: the two are accepted, the rest reported.
    let mut partial = jsonl(5, 0..2);
    partial.push_str(r#"{"dataset":"responsiveness","orb_id":"sender5","timest"#);
    let r = http.post(&url).body(partial).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("1 could not be read"));
    // And a plain good one.
    let r = http.post(&url).body(jsonl(6, 0..1)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The consumer sees the rejections of the two 400s (with the bytes), then the two valid
    // records and the rejection of the mixed body, then the last record.
    let got = take(&mut events, 6).await;
    let mut rejected_raw = Vec::new();
    let mut good = Vec::new();
    for event in got {
        match event {
            PushEvent::Record(r) => good.push(key(&r)),
            PushEvent::Rejected(rejection) => {
                assert!(rejection.peer.is_some_and(|p| p.ip().is_loopback()));
                for r in rejection.records {
                    rejected_raw.push(String::from_utf8(r.raw.to_vec()).unwrap());
                }
            }
            _ => unreachable!(),
        }
    }
    assert_eq!(
        good,
        vec![
            ("sender5".to_owned(), 1_756_935_043_000),
            ("sender5".to_owned(), 1_756_935_043_001),
            ("sender6".to_owned(), 1_756_935_043_000),
        ]
    );
    assert_eq!(rejected_raw.len(), 3);
    assert!(rejected_raw[1].contains("\"fast\""));

    let stats = receiver.stats();
    assert_eq!(stats.not_found, 2);
    assert_eq!(stats.wrong_method, 1);
    assert_eq!(stats.too_large, 1);
    assert_eq!(stats.bad_requests, 4);
    assert_eq!(stats.accepted_records, 3);
    assert_eq!(stats.rejected_records, 3);
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_without_being_read() {
    let (receiver, _events) = start().await;
    let http = reqwest::Client::new();
    // 50 MB declared in Content-Length: refused from the header.
    let big = vec![b' '; 50 << 20];
    match http.post(receiver.local_url()).body(big).send().await {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        // The server may close before the client has finished sending 50 MB.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e:?}"),
    }
    // Streamed without a length: refused once the limit is passed.
    let chunks =
        futures_util::stream::iter((0..64).map(|_| Ok::<_, std::io::Error>(vec![b' '; 64 << 10])));
    match http
        .post(receiver.local_url())
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
    {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e:?}"),
    }
    // The receiver is fine afterwards.
    let r = http
        .post(receiver.local_url())
        .body(jsonl(1, 0..1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(receiver.stats().too_large >= 1);
}

#[tokio::test]
async fn a_full_queue_answers_503_with_retry_after_and_takes_nothing() {
    let (receiver, mut events) = PushReceiver::builder()
        .queue_capacity(10)
        .admission_wait(Duration::ZERO)
        .retry_after(Duration::from_millis(1500))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = receiver.local_url();
    assert_eq!(
        http.post(&url)
            .body(jsonl(1, 0..8))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // 8 of 10 places taken: a batch of 5 does not fit and is refused whole.
    let r = http.post(&url).body(jsonl(1, 8..13)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "2");
    // The consumer catches up; the device sends the batch again and it is taken.
    let first = records(take(&mut events, 8).await);
    let r = http.post(&url).body(jsonl(1, 8..13)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let second = records(take(&mut events, 5).await);
    let seqs: Vec<i64> = first
        .iter()
        .chain(&second)
        .map(|r| key(r).1 - 1_756_935_043_000)
        .collect();
    assert_eq!(seqs, (0..13).collect::<Vec<_>>());
    // A batch larger than the whole queue is still taken when the queue is empty.
    let r = http.post(&url).body(jsonl(2, 0..25)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(take(&mut events, 25).await.len(), 25);
    assert_eq!(receiver.stats().busy, 1);
}

#[tokio::test]
async fn without_a_consumer_devices_get_503() {
    let (receiver, events) = start().await;
    drop(events);
    let r = reqwest::Client::new()
        .post(receiver.local_url())
        .body(jsonl(1, 0..1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn shutdown_drains_what_was_accepted_then_the_stream_ends() {
    let (receiver, mut events) = start().await;
    let http = reqwest::Client::new();
    let url = receiver.local_url();
    for batch in 0..5 {
        let r = http
            .post(&url)
            .body(jsonl(batch, 0..100))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    drop(http); // its idle keep-alive connections would otherwise be waited for
    tokio::time::timeout(Duration::from_secs(10), receiver.shutdown())
        .await
        .expect("shutdown finishes")
        .unwrap();
    let mut n = 0;
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("the stream ends")
    {
        assert!(matches!(event, PushEvent::Record(_)));
        n += 1;
    }
    assert_eq!(n, 500);
}

#[tokio::test]
async fn the_router_mounts_in_an_application() {
    let (push, events) = PushReceiver::builder()
        .path("/orb/ingest/")
        .token(PushToken::new("0123456789abcdef-token").unwrap())
        .router();
    assert_eq!(push.path, "/orb/ingest/0123456789abcdef-token");
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(push.router.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let r = http
        .post(format!("http://{addr}{}", push.path))
        .body(json(4, 0..3))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let got: Vec<_> = events.records().take(3).collect().await;
    assert_eq!(got.len(), 3);
    assert_eq!(
        http.get(format!("http://{addr}/health"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(push.stats().accepted_records, 3);
    server.abort();
}

/// Several concurrent senders, thousands of records each, a consumer slower than they are and a
/// small queue: every record arrives exactly once; refused batches are sent again, as devices do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_load_exactly_once_with_a_slow_consumer() {
    const SENDERS: usize = 6;
    const PER_SENDER: usize = 4_000;
    const BATCH: usize = 200;
    let (receiver, events) = PushReceiver::builder()
        .queue_capacity(1_000)
        .admission_wait(Duration::from_millis(20))
        .bind("127.0.0.1:0")
        .await
        .unwrap();
    let url = receiver.local_url();

    let consumer = tokio::spawn(async move {
        let mut events = events;
        let mut seen = HashSet::new();
        let mut duplicates = 0usize;
        while seen.len() < SENDERS * PER_SENDER {
            let event = tokio::time::timeout(Duration::from_secs(30), events.next())
                .await
                .expect("records keep coming")
                .expect("the stream stays open");
            let PushEvent::Record(r) = event else {
                panic!("unexpected {event:?}")
            };
            if !seen.insert(key(&r)) {
                duplicates += 1;
            }
            if seen.len() % 100 == 0 {
                // Slow: the senders outpace this consumer and fill the queue.
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        (seen, duplicates, events)
    });

    let mut senders = Vec::new();
    for s in 0..SENDERS {
        let url = url.clone();
        senders.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut refused = 0usize;
            for start in (0..PER_SENDER).step_by(BATCH) {
                let body = if s % 2 == 0 {
                    jsonl(s, start..start + BATCH)
                } else {
                    json(s, start..start + BATCH)
                };
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    assert!(attempts < 10_000, "sender {s} never got its batch in");
                    let r = http.post(&url).body(body.clone()).send().await.unwrap();
                    match r.status() {
                        StatusCode::OK => break,
                        StatusCode::SERVICE_UNAVAILABLE => {
                            refused += 1;
                            // A device retries at its next interval; keep the test fast.
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        other => panic!("unexpected {other}"),
                    }
                }
            }
            refused
        }));
    }
    let mut refused = 0;
    for s in senders {
        refused += s.await.unwrap();
    }
    let (seen, duplicates, mut events) = consumer.await.unwrap();
    assert_eq!(duplicates, 0);
    assert_eq!(seen.len(), SENDERS * PER_SENDER);
    for s in 0..SENDERS {
        for i in 0..PER_SENDER {
            assert!(seen.contains(&(format!("sender{s}"), 1_756_935_043_000 + i as i64)));
        }
    }
    let stats = receiver.stats();
    assert_eq!(stats.accepted_records as usize, SENDERS * PER_SENDER);
    assert_eq!(stats.busy as usize, refused);
    // Nothing more is queued.
    receiver.shutdown().await.unwrap();
    assert!(events.next().await.is_none());
    eprintln!("load: {refused} batches refused with 503 and sent again");
}
