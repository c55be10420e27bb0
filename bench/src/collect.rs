//! Section 7: sustained ingest through the collector into SQLite: concurrent HTTP senders, each
//! push answered only after its records are committed (and synced: `Durability::PowerLoss`),
//! then a count of the store: none lost, none twice.

use std::time::Instant;

use orb_collector::store::{Durability, StoreSpec};
use orb_collector::{receive, ReceiveOptions};

use crate::report::{median, print_rows, Row};

const SENDERS: usize = 8;
const BATCHES: usize = 25;
const PER_BATCH: usize = 1_000;

/// 7. Collector ingest, each durability in turn.
pub async fn run(runs: usize) {
    let mut rows = Vec::new();
    for (name, durability) in [
        ("power-loss (synced)", Durability::PowerLoss),
        ("process-crash", Durability::ProcessCrash),
    ] {
        let mut rates = Vec::new();
        let mut exact = true;
        for _ in 0..runs {
            let (rate, ok) = ingest(durability).await;
            rates.push(rate);
            exact &= ok;
        }
        let rate = median(rates);
        rows.push(Row {
            higher_is_better: true,
            what: format!(
                "{name}: records/s committed, {SENDERS} senders x {BATCHES} x {PER_BATCH} jsonl, none lost or twice: {exact}"
            ),
            ours: rate,
            other: Some(150_000.0),
            unit: "rec/s",
            target: "≥ 150,000, none lost, none twice".into(),
            met: Some(rate >= 150_000.0 && exact),
            advantage: None,
        });
    }
    print_rows(
        "## 7. Collector ingest into SQLite, answered after commit (comparison column: the target)",
        &rows,
    );
}

fn body(sender: usize, batch: usize) -> String {
    (0..PER_BATCH)
        .map(|i| {
            format!(
                "{{\"orb_id\":\"s{sender}\",\"dataset\":\"responsiveness\",\"timestamp\":{},\"interval_ms\":1000,\"lag_avg_us\":{},\"latency_avg_us\":9000,\"jitter_avg_us\":800,\"packet_loss_pct\":0.0,\"network_type\":1,\"isp_name\":\"Ziply Fiber\",\"city\":\"Lynnwood\",\"country_code\":\"US\"}}\n",
                batch * PER_BATCH + i,
                5000 + i
            )
        })
        .collect()
}

/// Records per second from the first POST until every POST was answered 200 (so committed),
/// and whether the store holds each record exactly once.
async fn ingest(durability: Durability) -> (f64, bool) {
    let dir = std::env::temp_dir().join(format!("orb-bench-collect-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bench.sqlite");
    let mut options = ReceiveOptions::new("127.0.0.1:0");
    options.store = StoreSpec::Sqlite(path.clone());
    options.durability = durability;
    let running = receive(options).await.expect("collector");
    let url = running.local_url();
    // Bodies made before the clock starts.
    let bodies: Vec<Vec<String>> = (0..SENDERS)
        .map(|s| (0..BATCHES).map(|b| body(s, b)).collect())
        .collect();
    let start = Instant::now();
    let mut senders = Vec::new();
    for batches in bodies {
        let url = url.clone();
        senders.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for body in batches {
                // A 503 (queue full, commit too slow) is sent again, as a device does.
                for _ in 0..1_000 {
                    let status = http
                        .post(&url)
                        .body(body.clone())
                        .send()
                        .await
                        .expect("post")
                        .status();
                    if status.is_success() {
                        break;
                    }
                    assert_eq!(status.as_u16(), 503, "unexpected {status}");
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
        }));
    }
    for s in senders {
        s.await.expect("sender");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let summary = running.shutdown().await.expect("shutdown");
    let total = (SENDERS * BATCHES * PER_BATCH) as u64;
    let stored = summary
        .tables
        .iter()
        .find(|(t, _)| t == "responsiveness")
        .map_or(0, |(_, n)| *n);
    let _ = std::fs::remove_dir_all(&dir);
    (
        total as f64 / elapsed,
        stored == total && summary.ingest.stored == total && summary.ingest.duplicates == 0,
    )
}
