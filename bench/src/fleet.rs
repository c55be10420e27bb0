//! Section 8: the collector's fleet: configure, then renew, 1,000 sandbox devices under the
//! sandbox's rate limit, against the least time the limit allows.

use std::time::{Duration, Instant};

use orb_cloud::datasets::DatasetName;
use orb_cloud::OrbCloud;
use orb_collector::fleet::{Fleet, FleetOptions, Selection};

use crate::report::{median, print_rows, Row};
use crate::sandbox::{self, KEY};

const DEVICES: usize = 1_000;

/// 8. Configure and renew 1,000 devices.
pub async fn run(runs: usize) {
    let (rate, burst) = (200.0, 20u32);
    // More devices than needed: some of a seeded fleet are offline.
    let sb = sandbox::start(1, 1_400, Some((rate, burst))).await;
    let connected: Vec<String> = sb
        .fleet()
        .devices()
        .filter(|d| d.is_connected)
        .take(DEVICES)
        .map(|d| d.orb_id.clone())
        .collect();
    assert_eq!(
        connected.len(),
        DEVICES,
        "the sandbox has enough connected devices"
    );
    let client = OrbCloud::builder()
        .api_key(KEY)
        .base_url(sb.base_url())
        .build()
        .expect("client");
    let (mut times, mut failed, mut calls_made) = (Vec::new(), 0u64, 0u64);
    for i in 0..runs.min(3) {
        if i > 0 {
            // Let the bucket refill so every run starts alike.
            tokio::time::sleep(Duration::from_secs_f64(f64::from(burst) / rate + 0.5)).await;
        }
        let mut fleet = Fleet::new(
            client.clone(),
            FleetOptions::new(
                Selection::Devices(connected.clone()),
                vec![DatasetName::from("scores_1m")],
                // Nobody listens: the sandbox's devices push once a minute and are not waited for.
                "http://127.0.0.1:9/push/benchmark".into(),
            ),
        );
        let start = Instant::now();
        fleet.relist().await.expect("list");
        let configured = fleet.configure_due(false).await;
        let renewed = fleet.configure_due(true).await;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        failed += configured.failed + renewed.failed;
        calls_made = configured.ok + renewed.ok + configured.failed + renewed.failed;
    }
    sb.shutdown().await.ok();
    // 2 listings (organizations, devices) + 1,000 configurations + 1,000 renewals; the first
    // `burst` are free.
    let calls = 2.0 + calls_made as f64;
    let best = (calls - f64::from(burst)) / rate * 1000.0;
    let ours = median(times);
    print_rows(
        &format!(
            "## 8. Collector fleet: configure then renew {DEVICES} devices at {rate} requests/s (burst {burst}); failed calls: {failed}"
        ),
        &[Row {
            higher_is_better: false,
            what: format!("{calls:.0} calls: total vs the least the limit allows"),
            ours,
            other: Some(best),
            unit: "ms",
            target: "≤ 1.1x the limit, 0 failed".into(),
            met: Some(ours <= best * 1.1 && failed == 0 && calls_made == 2 * DEVICES as u64),
            advantage: None,
        }],
    );
}
