//! Section 4: fleet fan-out across 100 organizations under the sandbox's rate limit, against the
//! least time the limit allows.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use orb_cloud::OrbCloud;

use crate::report::{median, print_rows, Row};
use crate::sandbox::{self, KEY};

/// 4. Fleet fan-out across 100 organizations under the rate limit.
pub async fn run(runs: usize) {
    let (rate, burst) = (50.0, 10u32);
    let sb = sandbox::start(100, 5, Some((rate, burst))).await;
    let client = OrbCloud::builder()
        .api_key(KEY)
        .base_url(sb.base_url())
        .build()
        .expect("client");
    let mut times = Vec::new();
    let mut failed = 0usize;
    for i in 0..runs.min(3) {
        if i > 0 {
            // Let the bucket refill so every run starts alike.
            tokio::time::sleep(Duration::from_secs_f64(f64::from(burst) / rate + 0.5)).await;
        }
        let start = Instant::now();
        let stream = client.fleet().devices().await.expect("orgs");
        let items: Vec<_> = stream.collect().await;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        failed += items.iter().filter(|i| i.devices.is_err()).count();
        assert_eq!(items.len(), 100);
    }
    sb.shutdown().await.ok();
    // 101 calls (1 list organizations + 100 lists); the first `burst` are free.
    let best = (101.0 - f64::from(burst)) / rate * 1000.0;
    let ours = median(times);
    print_rows(
    &format!("## 4. Fan-out: 100 organizations at {rate} requests/s (burst {burst}); failed calls: {failed}"),
    &[Row {
            higher_is_better: false,
        what: "total vs the least the limit allows".into(),
        ours,
        other: Some(best),
        unit: "ms",
        target: "≤ 1.1x the limit, 0 failed".into(),
        met: Some(ours <= best * 1.1 && failed == 0),
        advantage: None,
    }],
);
}
