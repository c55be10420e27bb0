//! The push receiver end to end on loopback: concurrent senders POST batches over HTTP, the
//! receiver decodes and queues them, a consumer takes every record. Records/s, none lost.
//!
//! `cargo bench -p orb-cloud --features push --bench receiver` (results in BENCHMARKS.md).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures_util::StreamExt;
use orb_cloud::push::{PushEvent, PushReceiver};

const SENDERS: usize = 4;
const BATCHES: usize = 10;
const RECORDS_PER_BATCH: usize = 1_000;

fn record(sender: usize, seq: usize) -> String {
    format!(
        r#"{{"orb_id":"bench{sender}","orb_name":"Bench Orb","device_name":"bench","timestamp":{},"interval_ms":1000,"orb_version":"v1.2.3","dataset":"responsiveness","lag_avg_us":{},"latency_avg_us":{},"jitter_avg_us":812,"latency_count":20,"latency_lost_count":0,"packet_loss_pct":0.0,"network_type":1,"network_state":6,"country_code":"US","city":"Lynnwood","isp_name":"Ziply Fiber","public_ip":"50.125.0.0","latitude":47.8,"longitude":-122.29,"location_source":1}}"#,
        1_756_935_043_000u64 + seq as u64,
        5000 + seq % 700,
        9000 + seq % 900,
    )
}

fn batch(sender: usize, format: &str) -> bytes::Bytes {
    let lines: Vec<String> = (0..RECORDS_PER_BATCH).map(|i| record(sender, i)).collect();
    let body = if format == "json" {
        format!("[{}]", lines.join(","))
    } else {
        lines.join("\n") + "\n"
    };
    bytes::Bytes::from(body)
}

fn receiver(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (url, received) = runtime.block_on(async {
        let (receiver, events) = PushReceiver::builder()
            .queue_capacity(100_000)
            .bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = receiver.local_url();
        let received = Arc::new(AtomicU64::new(0));
        let counter = received.clone();
        tokio::spawn(async move {
            let _receiver = receiver;
            let mut events = events;
            while let Some(event) = events.next().await {
                if let PushEvent::Record(record) = event {
                    std::hint::black_box(&record);
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        (url, received)
    });
    let clients: Vec<reqwest::Client> = (0..SENDERS).map(|_| reqwest::Client::new()).collect();
    let total = (SENDERS * BATCHES * RECORDS_PER_BATCH) as u64;

    let mut group = c.benchmark_group("receiver_end_to_end");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(total));
    for format in ["jsonl", "json"] {
        let bodies: Vec<bytes::Bytes> = (0..SENDERS).map(|s| batch(s, format)).collect();
        group.bench_function(BenchmarkId::new(format, total), |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                let bodies = bodies.clone();
                let clients = clients.clone();
                let url = url.clone();
                let received = received.clone();
                async move {
                    let mut elapsed = Duration::ZERO;
                    for _ in 0..iters {
                        let before = received.load(Ordering::Relaxed);
                        let start = Instant::now();
                        let mut senders = Vec::new();
                        for (client, body) in clients.iter().zip(&bodies) {
                            let (client, body, url) = (client.clone(), body.clone(), url.clone());
                            senders.push(tokio::spawn(async move {
                                for _ in 0..BATCHES {
                                    let status = client
                                        .post(&url)
                                        .body(body.clone())
                                        .send()
                                        .await
                                        .expect("post")
                                        .status();
                                    assert!(status.is_success(), "{status}");
                                }
                            }));
                        }
                        for s in senders {
                            s.await.expect("sender");
                        }
                        // Every accepted record reaches the consumer: wait (bounded) for all.
                        let mut spins = 0u64;
                        while received.load(Ordering::Relaxed) < before + total {
                            spins += 1;
                            assert!(spins < 10_000_000, "records lost");
                            tokio::task::yield_now().await;
                        }
                        elapsed += start.elapsed();
                        assert_eq!(
                            received.load(Ordering::Relaxed),
                            before + total,
                            "duplicates"
                        );
                    }
                    elapsed
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, receiver);
criterion_main!(benches);
