//! Section 3: push ingest, records per second through orb-cloud's push receiver from concurrent
//! HTTP senders, and whether every record arrived exactly once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use orb_cloud::push::{PushEvent, PushReceiver};

use crate::report::{median, print_rows, Row};

/// 3. Push ingest through the receiver, each payload format in turn.
pub async fn run(runs: usize) {
    let mut ingest = Vec::new();
    for format in ["jsonl", "json"] {
        let mut rates = Vec::new();
        let mut exact = true;
        for _ in 0..runs {
            let (rate, ok) = push_ingest(format).await;
            rates.push(rate);
            exact &= ok;
        }
        let rate = median(rates);
        ingest.push(Row {
            higher_is_better: true,
            what: format!("{format}: records/s, 4 senders x 20,000, none lost: {exact}"),
            ours: rate,
            other: Some(250_000.0),
            unit: "rec/s",
            target: "≥ 250,000, none lost".into(),
            met: Some(rate >= 250_000.0 && exact),
            advantage: None,
        });
    }
    print_rows(
        "## 3. Push ingest through the receiver (comparison column: the target)",
        &ingest,
    );
}

/// Records per second through a receiver from 4 concurrent HTTP senders, and whether exactly
/// every record arrived.
async fn push_ingest(format: &str) -> (f64, bool) {
    const SENDERS: usize = 4;
    const BATCHES: usize = 20;
    const PER_BATCH: usize = 1_000;
    let (receiver, events) = PushReceiver::builder()
        .queue_capacity(100_000)
        .bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = receiver.local_url();
    let count = Arc::new(AtomicU64::new(0));
    let counter = count.clone();
    let consumer = tokio::spawn(async move {
        let mut events = events;
        let mut seen = std::collections::HashSet::new();
        let mut duplicates = 0u64;
        let want = (SENDERS * BATCHES * PER_BATCH) as u64;
        while counter.load(Ordering::Relaxed) < want {
            match events.next().await {
                Some(PushEvent::Record(r)) => {
                    if !seen.insert((r.orb_id().map(str::to_owned), r.timestamp_ms())) {
                        duplicates += 1;
                    }
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                Some(_) => {}
                None => break,
            }
        }
        (seen.len() as u64, duplicates)
    });
    let start = Instant::now();
    let mut senders = Vec::new();
    for s in 0..SENDERS {
        let url = url.clone();
        let format = format.to_owned();
        senders.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for b in 0..BATCHES {
                let lines: Vec<String> = (0..PER_BATCH)
                    .map(|i| {
                        format!(
                            r#"{{"orb_id":"s{s}","dataset":"responsiveness","timestamp":{},"interval_ms":1000,"lag_avg_us":{},"latency_avg_us":9000,"jitter_avg_us":800,"packet_loss_pct":0.0,"network_type":1,"isp_name":"Ziply Fiber","city":"Lynnwood","country_code":"US"}}"#,
                            (b * PER_BATCH + i),
                            5000 + i
                        )
                    })
                    .collect();
                let body = if format == "json" {
                    format!("[{}]", lines.join(","))
                } else {
                    lines.join("\n")
                };
                loop {
                    let status = http.post(&url).body(body.clone()).send().await.expect("post").status();
                    if status.is_success() {
                        break;
                    }
                    assert_eq!(status.as_u16(), 503, "unexpected {status}");
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    for s in senders {
        s.await.expect("sender");
    }
    let (unique, duplicates) = consumer.await.expect("consumer");
    let elapsed = start.elapsed().as_secs_f64();
    let total = (SENDERS * BATCHES * PER_BATCH) as u64;
    receiver.shutdown().await.ok();
    (total as f64 / elapsed, unique == total && duplicates == 0)
}
