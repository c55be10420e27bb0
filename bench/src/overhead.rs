//! Section 2: the request overhead, what orb-cloud adds to each call over raw reqwest, measured
//! in paired rounds in one process so that the machine's load falls on both clients alike.

use serde_json::Value;

use crate::report::{median, print_rows, Row};
use crate::sandbox;
use crate::spawn::measure;

/// 2. Request overhead: 1,000 sequential list-organizations calls.
pub async fn run(python: Option<&str>, runs: usize) {
    let sb = sandbox::start(1, 10, None).await;
    let url = sb.base_url();
    // Six times as many processes as other figures: each takes half a second, and how a
    // process's threads land on the two vCPUs biases its rounds either way by a few percent.
    let (mut typed, mut raw, mut paired) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs * 6 {
        let u = url.clone();
        let report =
            tokio::task::spawn_blocking(move || measure(None, "orgs-interleaved", &u, "-", 1000))
                .await
                .unwrap();
        let rounds = |key: &str| -> Vec<f64> {
            report
                .as_ref()
                .and_then(|v| v[key].as_array())
                .map_or_else(Vec::new, |a| a.iter().filter_map(Value::as_f64).collect())
        };
        let (t, r) = (rounds("typed_ms"), rounds("raw_ms"));
        // Each orb-cloud round against the raw round next to it in time (about 8 ms apart): a
        // change in the host's speed that lasts longer than that cancels out of the ratio,
        // where the median rounds of each side, taken apart, each keep their share of it.
        paired.extend(t.iter().zip(&r).map(|(t, r)| t / r));
        typed.extend(t);
        raw.extend(r);
    }
    let ours = median(typed);
    let raw = median(raw);
    let pairs = paired.len();
    let ratio = median(paired);
    let py = match python {
        Some(py) => {
            let (u, py) = (url.clone(), py.to_owned());
            tokio::task::spawn_blocking(move || measure(Some(&py), "orgs", &u, "-", 1000))
                .await
                .unwrap()
                .as_ref()
                .and_then(|v| v["times_ms"][0].as_f64())
                .map(|t| t / 1000.0)
        }
        None => None,
    };
    sb.shutdown().await.ok();
    print_rows(
        "## 2. Request overhead: 1,000 sequential list-organizations calls with each client, taking turns in rounds of 50; median round, per call; the ratio is the median of each orb-cloud round ÷ the raw round beside it",
        &[
            Row {
                higher_is_better: false,
                what: format!(
                    "per call vs raw reqwest (advantage: median of {pairs} paired rounds)"
                ),
                ours,
                other: Some(raw),
                unit: "ms",
                target: format!("orb-cloud ≤ 1.05x raw (measured {ratio:.3}x)"),
                met: Some(ratio <= 1.05),
                advantage: Some(1.0 / ratio),
            },
            Row {
                higher_is_better: false,
                what: "per call vs Python client".into(),
                ours,
                other: py,
                unit: "ms",
                target: "-".into(),
                met: None,
                advantage: None,
            },
        ],
    );
}
