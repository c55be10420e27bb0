//! Section 1 and 1b: listing a whole organization's devices (100, 1,000, 10,000) with each
//! client, each call in a fresh process so that its wall time and peak memory are its own, beside
//! the floor of the server and the transfer alone.

use serde_json::{json, Value};

use crate::report::{median, print_rows, Row};
use crate::sandbox;
use crate::spawn::measure;

/// 1. List 100 / 1,000 / 10,000 devices, decoded; 1b. the peak memory of each client's process.
pub async fn run(python: Option<&str>, runs: usize) {
    let mut list_rows = Vec::new();
    let mut mem_rows = Vec::new();
    for n in [100usize, 1_000, 10_000] {
        let sb = sandbox::start(1, n, None).await;
        let url = sb.base_url();
        let org = sb.fleet().organizations[0].organization_id.clone();
        // Rounds interleave the clients, so that a change in the machine's load (it is
        // shared) falls on all of them alike; in each round every client runs in a fresh
        // process and makes one untimed warm-up call, then the timed one.
        let modes: [(Option<String>, &'static str); 4] = [
            (None, "typed-list"),
            (None, "raw-list"),
            (None, "bytes-list"),
            (python.map(str::to_owned), "list"),
        ];
        let mut rounds: Vec<Vec<Value>> = vec![Vec::new(); modes.len()];
        for _ in 0..runs {
            for (k, (py, mode)) in modes.iter().enumerate() {
                if mode == &"list" && py.is_none() {
                    continue;
                }
                let (u, o, py, mode) = (url.clone(), org.clone(), py.clone(), *mode);
                let got =
                    tokio::task::spawn_blocking(move || measure(py.as_deref(), mode, &u, &o, 2))
                        .await
                        .unwrap();
                if let Some(v) = got {
                    rounds[k].push(v);
                }
            }
        }
        // The timed (second) call of each round, and the largest peak memory.
        let combine = |runs: &Vec<Value>| -> Option<Value> {
            if runs.is_empty() {
                return None;
            }
            let times: Vec<f64> = runs
                .iter()
                .filter_map(|v| v["times_ms"][1].as_f64())
                .collect();
            let peak = runs
                .iter()
                .filter_map(|v| v["peak_rss_kb"].as_f64())
                .fold(0.0, f64::max);
            Some(json!({"times_ms": times, "peak_rss_kb": peak}))
        };
        let typed = combine(&rounds[0]);
        let raw = combine(&rounds[1]);
        let floor = combine(&rounds[2]);
        let py = combine(&rounds[3]);
        let t = |v: &Option<Value>| {
            v.as_ref().map(|v| {
                median(
                    v["times_ms"]
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_f64).collect())
                        .unwrap_or_default(),
                )
            })
        };
        let m = |v: &Option<Value>| {
            v.as_ref()
                .and_then(|v| v["peak_rss_kb"].as_f64())
                .map(|k| k / 1024.0)
        };
        if let Some(ours) = t(&typed) {
            list_rows.push(Row {
                higher_is_better: false,
                what: format!("list {n} devices vs Python client"),
                ours,
                other: t(&py),
                unit: "ms",
                target: if n == 10_000 {
                    "≥ 30x".into()
                } else {
                    "-".into()
                },
                met: (n == 10_000)
                    .then(|| t(&py).map(|p| p / ours >= 30.0))
                    .flatten(),
                advantage: None,
            });
            list_rows.push(Row {
                higher_is_better: false,
                what: format!("list {n} devices vs raw reqwest + Value"),
                ours,
                other: t(&raw),
                unit: "ms",
                target: "-".into(),
                met: None,
                advantage: None,
            });
            // What each client adds on top of the server and the transfer (the same for all).
            if let (Some(floor), Some(py)) = (t(&floor), t(&py)) {
                let ours_client = (ours - floor).max(0.001);
                let py_client = py - floor;
                list_rows.push(Row {
                higher_is_better: false,
                what: format!(
                    "list {n} devices, client side only (minus the {floor:.1} ms server + transfer floor) vs Python client"
                ),
                ours: ours_client,
                other: Some(py_client),
                unit: "ms",
                target: if n == 10_000 { "≥ 30x".into() } else { "-".into() },
                met: (n == 10_000).then_some(py_client / ours_client >= 30.0),
                advantage: None,
            });
            }
            for (other, name) in [(&py, "Python client"), (&raw, "raw reqwest + Value")] {
                mem_rows.push(Row {
                    higher_is_better: false,
                    what: format!("peak memory, list {n} devices, vs {name}"),
                    ours: m(&typed).unwrap_or(f64::NAN),
                    other: m(other),
                    unit: "MiB",
                    target: "-".into(),
                    met: None,
                    advantage: None,
                });
            }
        }
        sb.shutdown().await.ok();
    }
    print_rows(
        "## 1. List devices (one call, decoded), wall time per call",
        &list_rows,
    );
    print_rows(
        "## 1b. Peak memory of the process (whole client process)",
        &mem_rows,
    );
}
