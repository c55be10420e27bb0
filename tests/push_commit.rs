//! A receiver that acknowledges after commit: the device's 2xx waits for the consumer's
//! `acknowledge`, a batch dropped or not acknowledged in time is answered 503, and each record
//! comes with its text as received.
#![cfg(feature = "push")]

use std::time::Duration;

use orb_cloud::datasets::{Family, Record};
use orb_cloud::push::{PushBatch, PushReceiver, PushStream, RunningReceiver};
use reqwest::StatusCode;

const BODY: &str = concat!(
    r#"{"orb_id":"a","dataset":"speed","timestamp":1,"download_kbps":5,"brand_new":[1, 2.50]}"#,
    "\n",
    r#"{"orb_id":"a","dataset":"speed","timestamp":"noon"}"#,
    "\n",
    r#"{"orb_id":"a", "dataset":"later","timestamp":2}"#,
    "\n",
);

async fn start(wait: Duration) -> (RunningReceiver, PushStream) {
    PushReceiver::builder()
        .acknowledge_after_commit(wait)
        .retry_after(Duration::from_secs(3))
        .bind("127.0.0.1:0")
        .await
        .unwrap()
}

/// The next batch, bounded (the test fails instead of hanging).
async fn next(events: &mut PushStream) -> PushBatch {
    tokio::time::timeout(Duration::from_secs(10), events.next_batch())
        .await
        .expect("a batch within 10 s")
        .expect("the stream is open")
}

#[tokio::test]
async fn the_answer_waits_for_the_acknowledgement() {
    let (receiver, mut events) = start(Duration::from_secs(30)).await;
    let url = receiver.local_url();
    let post =
        tokio::spawn(async move { reqwest::Client::new().post(url).body(BODY).send().await });
    let batch = next(&mut events).await;
    assert_eq!(batch.records.len(), 2);
    // Each record's text as sent, for what the typed record leaves out.
    let texts: Vec<&str> = batch
        .raw
        .iter()
        .map(|b| std::str::from_utf8(b).unwrap())
        .collect();
    assert_eq!(texts[0], BODY.lines().next().unwrap());
    assert_eq!(texts[1], BODY.lines().nth(2).unwrap());
    assert_eq!(
        Family::Speed.unknown_fields(texts[0]).unwrap().as_deref(),
        Some(r#"{"brand_new":[1, 2.50]}"#)
    );
    assert!(matches!(batch.records[1], Record::Unknown(_)));
    // The bad record is reported, and does not wait for anything.
    assert_eq!(batch.rejection.as_ref().map(|r| r.records.len()), Some(1));
    // Not answered yet: the device is still waiting.
    assert!(batch.awaits_acknowledgement());
    assert!(!post.is_finished());
    batch.acknowledge();
    let answer = post.await.unwrap().unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(receiver.stats().not_committed, 0);
    assert!(events.try_next_batch().is_none());
}

#[tokio::test]
async fn a_batch_dropped_unacknowledged_is_answered_503_and_sent_again() {
    let (receiver, mut events) = start(Duration::from_secs(30)).await;
    let http = reqwest::Client::new();
    let url = receiver.local_url();
    let (h, u) = (http.clone(), url.clone());
    let post = tokio::spawn(async move { h.post(u).body(BODY).send().await });
    // The store failed: the batch goes without an acknowledgement.
    drop(next(&mut events).await);
    let answer = post.await.unwrap().unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.headers()["retry-after"], "3");
    assert_eq!(receiver.stats().not_committed, 1);
    // Its room in the queue is free again: the resend is taken.
    let post = tokio::spawn(async move { http.post(url).body(BODY).send().await });
    next(&mut events).await.acknowledge();
    assert_eq!(post.await.unwrap().unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn a_commit_slower_than_the_wait_is_answered_503() {
    let (receiver, mut events) = start(Duration::from_millis(200)).await;
    let url = receiver.local_url();
    let post =
        tokio::spawn(async move { reqwest::Client::new().post(url).body(BODY).send().await });
    let batch = next(&mut events).await;
    // The answer comes at the wait, whatever the consumer does.
    let answer = post.await.unwrap().unwrap();
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(!batch.awaits_acknowledgement());
    batch.acknowledge(); // too late: harmless
    assert_eq!(receiver.stats().not_committed, 1);
}

#[tokio::test]
async fn without_acknowledging_receivers_answer_at_hand_over_and_keep_no_text() {
    let (receiver, mut events) = PushReceiver::builder().bind("127.0.0.1:0").await.unwrap();
    let answer = reqwest::Client::new()
        .post(receiver.local_url())
        .body(BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let batch = next(&mut events).await;
    assert_eq!(batch.records.len(), 2);
    assert!(batch.raw.is_empty());
    assert!(!batch.awaits_acknowledgement());
}
