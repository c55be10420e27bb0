//! `orb-bench`: orb-cloud side by side with Orb's Python client and raw reqwest, in one run,
//! against the same sandbox (issue #7). See BENCHMARKS.md for the latest table.
//!
//! ```text
//! cargo run --release -p orb-bench        # makes target/orb-python for Orb's Python client
//! ```
//!
//! Each client runs in its own process (this binary re-invoked as `child ...`, or Python), so
//! wall time and peak memory (VmHWM / ru_maxrss) are each client's alone; the sandbox runs in
//! the parent. The exception is the request overhead, where orb-cloud and raw reqwest take turns
//! in one process, so that the machine's load and the placement of threads fall on both alike.
//! Every figure is the median of several runs, printed with its ratio to the comparison and
//! whether the issue's target is met.

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use futures_util::StreamExt;
use orb_cloud::push::{PushEvent, PushReceiver};
use orb_cloud::OrbCloud;
use orb_cloud_sandbox::{Sandbox, SandboxHandle};
use serde_json::{json, Value};

const KEY: &str = "orb-ok1-bench";

#[derive(Debug, Parser)]
#[command(name = "orb-bench")]
struct Cli {
    /// A Python with orb-cloud-client installed. Without it the harness uses the virtualenv in
    /// target/orb-python, made if missing, with the client version pinned in
    /// sandbox/tests/python/requirements.txt (`.ci/run` makes the same).
    #[arg(long, env = "ORB_PYTHON")]
    python: Option<String>,
    /// Leave out Orb's Python client (its columns are skipped).
    #[arg(long, conflicts_with = "python")]
    no_python: bool,
    /// Runs per measurement (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Skip the clean-build comparison (the slowest part: two cold builds).
    #[arg(long)]
    skip_build: bool,
    /// Run only these sections (comma-separated): list, overhead, ingest, fanout, build.
    #[arg(long, value_delimiter = ',', value_parser = ["list", "overhead", "ingest", "fanout", "build"])]
    only: Vec<String>,
    #[command(subcommand)]
    child: Option<Child>,
}

#[derive(Debug, Subcommand)]
enum Child {
    /// Internal: one client's measurement in its own process.
    Child {
        /// typed-list, raw-list, bytes-list, typed-orgs, raw-orgs, orgs-interleaved
        mode: String,
        url: String,
        org: String,
        n: usize,
    },
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(Child::Child { mode, url, org, n }) = &cli.child {
        let report = runtime.block_on(child(mode, url, org, *n));
        println!("{report}");
        return;
    }
    runtime.block_on(run(cli));
}

/// The median; of an even count, the mean of the middle two.
fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

/// Peak resident memory of this process (Linux: VmHWM), in KiB.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn child(mode: &str, url: &str, org: &str, n: usize) -> Value {
    let mut times = Vec::new();
    let mut items = 0usize;
    match mode {
        "typed-list" | "typed-orgs" => {
            let client = OrbCloud::builder()
                .api_key(KEY)
                .base_url(url)
                .build()
                .expect("client");
            if mode == "typed-list" {
                for _ in 0..n {
                    let start = Instant::now();
                    let devices = client
                        .organization(org)
                        .devices()
                        .list()
                        .await
                        .expect("list");
                    times.push(start.elapsed().as_secs_f64() * 1000.0);
                    items = devices.len();
                }
            } else {
                let start = Instant::now();
                for _ in 0..n {
                    items = client.organizations().list().await.expect("orgs").len();
                }
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
        "raw-list" | "raw-orgs" | "bytes-list" => {
            let http = reqwest::Client::new();
            let auth = format!("Bearer {KEY}");
            let decode = mode != "bytes-list";
            let path = if mode != "raw-orgs" {
                format!("{url}/api/v2/organization/{org}/devices")
            } else {
                format!("{url}/api/v2/organizations")
            };
            if mode != "raw-orgs" {
                for _ in 0..n {
                    let start = Instant::now();
                    items = raw_call(&http, &path, &auth, decode).await;
                    times.push(start.elapsed().as_secs_f64() * 1000.0);
                }
            } else {
                let start = Instant::now();
                for _ in 0..n {
                    items = raw_call(&http, &path, &auth, decode).await;
                }
                times.push(start.elapsed().as_secs_f64() * 1000.0);
            }
        }
        "orgs-interleaved" => {
            // n list-organizations calls with each of orb-cloud and raw reqwest, in rounds of
            // ROUND calls taking turns (which goes first alternates), after a warm-up of each:
            // a change in the shared machine's speed falls on both alike, and the median round
            // is not moved by a stall in one. orb-cloud is given the raw client (its
            // `http_client` option), so both send on the same keep-alive connection: what is
            // compared is orb-cloud's own work per call, not which vCPU each connection's
            // server task happened to land on (which moved single runs by several percent).
            const ROUND: usize = 50;
            let http = reqwest::Client::new();
            let client = OrbCloud::builder()
                .api_key(KEY)
                .base_url(url)
                .http_client(http.clone())
                .build()
                .expect("client");
            let auth = format!("Bearer {KEY}");
            let path = format!("{url}/api/v2/organizations");
            let (mut typed, mut raw) = (Vec::new(), Vec::new());
            for k in 0..=n / ROUND {
                for ours in [k % 2 == 0, k % 2 != 0] {
                    let start = Instant::now();
                    for _ in 0..ROUND {
                        items = if ours {
                            client.organizations().list().await.expect("orgs").len()
                        } else {
                            raw_call(&http, &path, &auth, true).await
                        };
                    }
                    // Round 0 is the warm-up.
                    let per_call = start.elapsed().as_secs_f64() * 1000.0 / ROUND as f64;
                    match (k, ours) {
                        (0, _) => {}
                        (_, true) => typed.push(per_call),
                        (_, false) => raw.push(per_call),
                    }
                }
            }
            return json!({"typed_ms": typed, "raw_ms": raw, "items": items});
        }
        other => panic!("unknown mode {other}"),
    }
    json!({"times_ms": times, "peak_rss_kb": peak_rss_kb(), "items": items})
}

/// One GET with plain reqwest: the body decoded into a `serde_json::Value` (its array's length
/// returned), or, without `decode`, received and counted but not kept: the floor (collecting it
/// into one buffer, as `.bytes()` does, costs more than the transfer on loopback).
async fn raw_call(http: &reqwest::Client, path: &str, auth: &str, decode: bool) -> usize {
    let mut response = http
        .get(path)
        .header("authorization", auth)
        .send()
        .await
        .expect("send")
        .error_for_status()
        .expect("status");
    if !decode {
        let mut len = 0;
        while let Some(chunk) = response.chunk().await.expect("body") {
            len += chunk.len();
        }
        return len;
    }
    let bytes = response.bytes().await.expect("body");
    let value: Value = serde_json::from_slice(&bytes).expect("json");
    value.as_array().map(Vec::len).unwrap_or(0)
}

/// Where the version of Orb's Python client is pinned, for the harness, the sandbox's
/// compatibility test and `.ci/run` alike (relative to the workspace).
const PYTHON_REQUIREMENTS: &str = "sandbox/tests/python/requirements.txt";

/// The workspace this harness was built in (bench/ is one of its members).
fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is inside the workspace")
        .to_path_buf()
}

/// A Python with Orb's client at the pinned version: the virtualenv in target/orb-python, made
/// there if missing (python3 -m venv), with `pip install -r` of [`PYTHON_REQUIREMENTS`] (a no-op
/// when it is installed already). Needs python3, and access to PyPI for the first install.
fn python_client() -> Result<String, String> {
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let venv = target.join("orb-python");
    let python = venv.join("bin").join("python");
    let requirements = root.join(PYTHON_REQUIREMENTS);
    let run = |program: &std::path::Path, args: &[&str]| -> Result<(), String> {
        let out = Command::new(program)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{} {} failed: {}",
                program.display(),
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    if !python.exists() {
        eprintln!("making a virtualenv in {} ...", venv.display());
        let venv_arg = venv.display().to_string();
        run(std::path::Path::new("python3"), &["-m", "venv", &venv_arg])?;
    }
    let requirements_arg = requirements.display().to_string();
    run(
        &venv.join("bin").join("pip"),
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            &requirements_arg,
        ],
    )?;
    Ok(python.display().to_string())
}

/// Runs a child measurement: this binary, or the Python script.
fn measure(python: Option<&str>, mode: &str, url: &str, org: &str, n: usize) -> Option<Value> {
    let output = match python {
        Some(py) => Command::new(py)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/bench_python.py"))
            .args([mode, url, KEY, org, &n.to_string()])
            .output(),
        None => Command::new(std::env::current_exe().ok()?)
            .args(["child", mode, url, org, &n.to_string()])
            .output(),
    };
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!(
                "  {mode} failed: {}",
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            return None;
        }
        Err(e) => {
            eprintln!("  {mode} could not run: {e}");
            return None;
        }
    };
    serde_json::from_slice(&output.stdout).ok()
}

struct Row {
    /// Throughput rows: more is better; time and memory rows: less is better.
    higher_is_better: bool,
    what: String,
    ours: f64,
    other: Option<f64>,
    unit: &'static str,
    target: String,
    met: Option<bool>,
    /// The advantage when it is not `other` ÷ `ours` (or the inverse), e.g. a median of paired
    /// ratios.
    advantage: Option<f64>,
}

fn print_rows(title: &str, rows: &[Row]) {
    println!("\n{title}");
    println!(
        "| measurement | orb-cloud | comparison | orb-cloud advantage | target | met |\n|---|---|---|---|---|---|"
    );
    for r in rows {
        let (other, ratio) = match r.other {
            Some(o) => {
                let ratio = match r.advantage {
                    Some(advantage) => advantage,
                    None if r.higher_is_better => r.ours / o,
                    None => o / r.ours,
                };
                (format!("{o:.3} {}", r.unit), format!("{ratio:.2}x"))
            }
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {} | {:.3} {} | {other} | {ratio} | {} | {} |",
            r.what,
            r.ours,
            r.unit,
            r.target,
            match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "-",
            }
        );
    }
}

async fn sandbox(orgs: usize, devices: usize, rate: Option<(f64, u32)>) -> SandboxHandle {
    let mut builder = Sandbox::builder()
        .orgs(orgs)
        .devices(devices)
        .seed(7)
        .api_key(KEY);
    builder = match rate {
        Some((r, b)) => builder.rate_limit(r, b),
        None => builder.rate_limit(1e9, u32::MAX / 2),
    };
    builder.start().await.expect("sandbox")
}

async fn run(cli: Cli) {
    let started = Instant::now();
    println!(
        "orb-bench: {} runs per figure, medians; machine: {} cores",
        cli.runs,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let python = if cli.no_python {
        println!("(--no-python: the Python client columns are skipped)");
        None
    } else {
        match &cli.python {
            Some(python) => Some(python.clone()),
            None => python_client()
                .map_err(|e| println!("({e}: the Python client columns are skipped)"))
                .ok(),
        }
    };
    let python = python.as_deref();
    let runs = cli.runs.max(1);
    let want = |section: &str| cli.only.is_empty() || cli.only.iter().any(|o| o == section);

    if want("list") {
        // 1. List 100 / 1,000 / 10,000 devices, decoded.
        let mut list_rows = Vec::new();
        let mut mem_rows = Vec::new();
        for n in [100usize, 1_000, 10_000] {
            let sb = sandbox(1, n, None).await;
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
                    let got = tokio::task::spawn_blocking(move || {
                        measure(py.as_deref(), mode, &u, &o, 2)
                    })
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

    if want("overhead") {
        // 2. Request overhead: 1,000 sequential list-organizations calls.
        let sb = sandbox(1, 10, None).await;
        let url = sb.base_url();
        // Six times as many processes as other figures: each takes half a second, and how a
        // process's threads land on the two vCPUs biases its rounds either way by a few percent.
        let (mut typed, mut raw, mut paired) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs * 6 {
            let u = url.clone();
            let report = tokio::task::spawn_blocking(move || {
                measure(None, "orgs-interleaved", &u, "-", 1000)
            })
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

    if want("ingest") {
        // 3. Push ingest through the receiver.
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

    if want("fanout") {
        // 4. Fleet fan-out across 100 organizations under the rate limit.
        let (rate, burst) = (50.0, 10u32);
        let sb = sandbox(100, 5, Some((rate, burst))).await;
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

    // 5. Build cost.
    if want("build") {
        if cli.skip_build {
            println!("\n## 5. Build cost: skipped (--skip-build)");
        } else {
            build_cost();
        }
    }
    println!(
        "\n(orb-bench took {:.0} s)",
        started.elapsed().as_secs_f64()
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

/// Build pairs for the build cost, whose median is the figure: three clean builds of each program
/// take 5 to 8 minutes of the harness's 10-minute budget, depending on the host's speed.
const BUILD_PAIRS: usize = 3;

/// Clean builds (debug, 2 jobs) of the same small program against orb-cloud and against only
/// reqwest + serde + tokio, in fresh target directories; the median of each over the pairs.
fn build_cost() {
    let root = workspace_root();
    let dir = std::env::temp_dir().join(format!("orb-bench-build-{}", std::process::id()));
    let make = |name: &str, deps: &str, main: &str| {
        let p = dir.join(name);
        std::fs::create_dir_all(p.join("src")).expect("dir");
        std::fs::write(
            p.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}\n\n[workspace]\n"),
        )
        .expect("write");
        std::fs::write(p.join("src/main.rs"), main).expect("write");
        // Same dependency versions as the workspace.
        std::fs::copy(root.join("Cargo.lock"), p.join("Cargo.lock")).ok();
        p
    };
    let with_sdk = make(
        "with-orb-cloud",
        &format!("orb-cloud = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}", root.display().to_string()),
        "#[tokio::main]\nasync fn main() {\n    let c = orb_cloud::OrbCloud::builder().api_key(\"k\").build().unwrap();\n    let _ = c.organizations().list().await;\n}\n",
    );
    let plain = make(
        "with-reqwest",
        "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"rustls\", \"http2\"] }\nserde = { version = \"1\", features = [\"derive\"] }\nserde_json = \"1\"\ntokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }",
        "#[derive(serde::Deserialize)]\n#[allow(dead_code)]\nstruct Org { organization_id: Option<String> }\n#[tokio::main]\nasync fn main() {\n    let r = reqwest::Client::new().get(\"http://127.0.0.1:9/api/v2/organizations\").send().await;\n    if let Ok(r) = r { let _: Result<Vec<Org>, _> = r.json().await; }\n}\n",
    );
    let build = |p: &std::path::Path| -> Option<f64> {
        let start = Instant::now();
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "--offline", "-j", "2"])
            .current_dir(p)
            .env("CARGO_TARGET_DIR", p.join("target"))
            .status()
            .ok()?;
        status.success().then(|| start.elapsed().as_secs_f64())
    };
    // Pairs taking turns; each build is from scratch (its target directory is removed).
    let mut pairs = Vec::new();
    for _ in 0..BUILD_PAIRS {
        let plain_s = build(&plain);
        let _ = std::fs::remove_dir_all(plain.join("target"));
        let sdk_s = build(&with_sdk);
        let _ = std::fs::remove_dir_all(with_sdk.join("target"));
        if let (Some(sdk), Some(plain)) = (sdk_s, plain_s) {
            pairs.push((sdk, plain));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let pair_text: Vec<String> = pairs
        .iter()
        .map(|(sdk, plain)| format!("{sdk:.0} s vs {plain:.0} s"))
        .collect();
    let sdk_s = (pairs.len() == BUILD_PAIRS).then(|| median(pairs.iter().map(|p| p.0).collect()));
    let plain_s = (pairs.len() == BUILD_PAIRS).then(|| median(pairs.iter().map(|p| p.1).collect()));
    match (sdk_s, plain_s) {
        (Some(sdk), Some(plain)) => print_rows(
            "## 5. Clean debug build of a small program (2 jobs)",
            &[Row {
                higher_is_better: false,
                what: format!(
                    "with orb-cloud vs only reqwest + serde + tokio (adds {:.0} s; builds: {})",
                    sdk - plain,
                    pair_text.join(", ")
                ),
                ours: sdk,
                other: Some(plain),
                unit: "s",
                target: "adds ≤ 30 s".into(),
                met: Some(sdk - plain <= 30.0),
                advantage: None,
            }],
        ),
        _ => {
            println!("\n## 5. Build cost: a build failed (offline, with the registry cache warm?)")
        }
    }
}
