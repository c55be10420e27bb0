//! Section 9: the collector's memory while its store is locked for 30 s under load: `orb
//! collect` in its own process, 16 senders pushing 1,000-record batches as fast as they are
//! answered (a 503 is sent again after 50 ms, as a device would), another connection holding
//! the SQLite write lock for 30 s in the middle. Peak memory of the collector's process
//! (VmHWM) against the bound, and every acknowledged record in the store once.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::orb_binary;
use crate::report::print_rows;
use crate::report::Row;

const TOKEN: &str = "bench-locked-store-token-0123456789";
const SENDERS: usize = 16;
const PER_BATCH: u64 = 1_000;
const LOCK: Duration = Duration::from_secs(30);

/// Peak resident memory of `pid` in MiB (VmHWM).
fn peak_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn batch(sender: usize, n: u64) -> String {
    (n * PER_BATCH..(n + 1) * PER_BATCH)
        .map(|seq| {
            format!(
                "{{\"orb_id\":\"s{sender:02}\",\"dataset\":\"responsiveness\",\"timestamp\":{},\"interval_ms\":1000,\"lag_avg_us\":{}.5,\"latency_avg_us\":9000,\"network_type\":1,\"isp_name\":\"Ziply Fiber\",\"city\":\"Lynnwood\"}}\n",
                1_756_935_000_000u64 + seq * 1000,
                1000 + seq % 500
            )
        })
        .collect()
}

pub async fn run() {
    let title = "## 9. Collector memory while the store is locked for 30 s under load";
    let Some(orb) = orb_binary() else {
        println!("\n{title}\n(the orb binary could not be built: section skipped)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("orb-bench-locked-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = dir.join("locked.sqlite");
    let mut child = Command::new(&orb)
        .args([
            "collect",
            "--receive-only",
            "--quiet",
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
        ])
        .arg("--to")
        .arg(format!("sqlite:{}", store.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("orb collect");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut first = String::new();
    stderr.read_line(&mut first).expect("first line");
    let url = first
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .replace("<your-token>", TOKEN);
    std::thread::spawn(move || {
        let mut sink = String::new();
        while stderr.read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    let stop = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicU64::new(0));
    let mut senders = Vec::new();
    for sender in 0..SENDERS {
        let (url, stop, refused) = (url.clone(), stop.clone(), refused.clone());
        senders.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut acked = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let body = batch(sender, acked);
                match http.post(&url).body(body).send().await {
                    Ok(r) if r.status().is_success() => acked += 1,
                    Ok(_) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
            acked
        }));
    }
    let pid = child.id();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let before = peak_mib(pid).unwrap_or(0.0);
    // Someone takes the write lock for 30 s (a backup, a person's sqlite3 session).
    let locker = rusqlite::Connection::open(&store).expect("open the store");
    locker.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let locked_at = Instant::now();
    let refused_before = refused.load(Ordering::Relaxed);
    tokio::time::sleep(LOCK).await;
    let during = peak_mib(pid).unwrap_or(0.0);
    let refused_during = refused.load(Ordering::Relaxed) - refused_before;
    locker.execute_batch("COMMIT").expect("unlock");
    let held = locked_at.elapsed();
    tokio::time::sleep(Duration::from_secs(5)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    for s in senders {
        acked.push(s.await.unwrap_or(0));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
    // Every acknowledged batch is in the store, once.
    let conn = rusqlite::Connection::open(&store).expect("open");
    let stored: i64 = conn
        .query_row("SELECT count(*) FROM responsiveness", [], |r| r.get(0))
        .unwrap_or(-1);
    let mut missing = 0u64;
    for (sender, n) in acked.iter().enumerate() {
        let have: i64 = conn
            .query_row(
                "SELECT count(*) FROM responsiveness WHERE orb_id = ?1 AND timestamp < ?2",
                rusqlite::params![
                    format!("s{sender:02}"),
                    (1_756_935_000_000u64 + n * PER_BATCH * 1000) as i64
                ],
                |r| r.get(0),
            )
            .unwrap_or(0);
        missing += (n * PER_BATCH).saturating_sub(have as u64);
    }
    let total_acked: u64 = acked.iter().sum::<u64>() * PER_BATCH;
    let _ = std::fs::remove_dir_all(&dir);
    // The bound: the receiver's queue (65,536 records, about 1.5 KB each held with its text) plus
    // the bodies being read; measured here with 16 senders.
    let bound = 256.0;
    print_rows(
        &format!(
            "{title} ({SENDERS} senders x {PER_BATCH}-record batches; lock held {:.0} s; pushes refused with 503 meanwhile: {refused_during}; records acknowledged: {total_acked}, stored: {stored}, acknowledged but missing: {missing})",
            held.as_secs_f64()
        ),
        &[Row {
            higher_is_better: false,
            what: format!("peak memory of orb collect (before the lock: {before:.0} MiB)"),
            ours: during,
            other: Some(bound),
            unit: "MiB",
            target: format!("≤ {bound:.0} MiB, none lost"),
            met: Some(during <= bound && missing == 0 && stored as u64 >= total_acked),
            advantage: None,
        }],
    );
}
