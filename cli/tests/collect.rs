//! `orb collect` and `orb history` as a user runs them: the real binary, real pushes over
//! loopback, a SQLite file; kill -9 during ingest loses no acknowledged record.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "collect-test-token-0123456789";

fn orb() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orb"));
    cmd.env_remove("ORB_CLOUD_API_KEY")
        .env_remove("ORB_CLOUD_BASE_URL")
        .env_remove("ORB_PUSH_TOKEN")
        .env("ORB_CONFIG", "/nonexistent/orb-cli-tests/config.toml")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

/// `orb collect --receive-only` on a free port into `store`; its push URL once it listens.
fn collect(store: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = orb()
        .args([
            "collect",
            "--receive-only",
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
        ])
        .arg("--to")
        .arg(format!("sqlite:{}", store.display()))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    // `collecting into sqlite:...: devices POST to http://127.0.0.1:PORT/push/<your-token>`
    let shown = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(shown.ends_with("/<your-token>"), "{first}");
    let url = shown.replace("<your-token>", TOKEN);
    // Keep draining stderr so the status lines never block the process.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while stderr.read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    (child, url)
}

/// `kill -SIG pid`.
fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A batch of `n` responsiveness records of device `sender`, numbered from `first`.
fn batch(sender: usize, first: u64, n: u64) -> String {
    (first..first + n)
        .map(|seq| {
            format!(
                "{{\"orb_id\":\"orb{sender:02}\",\"dataset\":\"responsiveness\",\"timestamp\":{},\"interval_ms\":1000,\"lag_avg_us\":{}.5,\"network_type\":1}}\n",
                1_756_935_000_000u64 + seq * 1000,
                1000 + seq
            )
        })
        .collect()
}

fn rows(store: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(store).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_ingest_loses_no_acknowledged_record_and_stores_none_twice() {
    const SENDERS: usize = 4;
    const PER_BATCH: u64 = 200;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("orb.sqlite");
    let (mut child, url) = collect(&store, &["--quiet"]);
    // Pushers send batch after batch; each remembers which batches were answered 200.
    let stop = Arc::new(AtomicBool::new(false));
    let mut pushers = Vec::new();
    for sender in 0..SENDERS {
        let (url, stop) = (url.clone(), stop.clone());
        pushers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let (mut acked, mut sent) = (Vec::new(), 0u64);
            // Bounded: at most 400 batches each; the kill comes long before.
            while !stop.load(Ordering::Relaxed) && sent < 400 {
                let body = batch(sender, sent * PER_BATCH, PER_BATCH);
                match http.post(&url).body(body).send().await {
                    Ok(r) if r.status() == 200 => acked.push(sent),
                    Ok(_) => {}
                    Err(_) => {
                        // The collector is gone; this batch may have been committed before
                        // the kill: the device sends it again, like the others.
                        sent += 1;
                        break;
                    }
                }
                sent += 1;
            }
            (acked, sent)
        }));
    }
    // Once at least 40 batches are in the store (acknowledged ones among them), kill -9.
    for _ in 0..400 {
        if store.exists()
            && rusqlite::Connection::open(&store)
                .and_then(|c| {
                    c.query_row("SELECT count(*) FROM responsiveness", [], |r| {
                        r.get::<_, i64>(0)
                    })
                })
                .is_ok_and(|n| n >= 40 * PER_BATCH as i64)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    signal(&child, "-KILL");
    let _ = child.wait();
    stop.store(true, Ordering::Relaxed);
    let mut results = Vec::new();
    for p in pushers {
        results.push(p.await.unwrap());
    }
    let acked: u64 = results.iter().map(|(a, _)| a.len() as u64).sum();
    assert!(
        acked >= 10,
        "only {acked} batches acknowledged before the kill"
    );
    // Every acknowledged record is in the store after the crash.
    for (sender, (batches, _)) in results.iter().enumerate() {
        for b in batches {
            let first = 1_756_935_000_000u64 + b * PER_BATCH * 1000;
            let n = rows(
                &store,
                &format!(
                    "SELECT count(*) FROM responsiveness WHERE orb_id = 'orb{sender:02}' AND timestamp >= {first} AND timestamp < {}",
                    first + PER_BATCH * 1000
                ),
            );
            assert_eq!(n, PER_BATCH as i64, "sender {sender} batch {b}");
        }
    }
    // Restart; the devices send everything again (the unanswered and, for lost answers, the
    // answered ones too): each record is stored once.
    let (child, url) = collect(&store, &["--quiet", "--json"]);
    let http = reqwest::Client::new();
    let mut total = 0;
    for (sender, (_, sent)) in results.iter().enumerate() {
        for b in 0..*sent {
            let r = http
                .post(&url)
                .body(batch(sender, b * PER_BATCH, PER_BATCH))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            total += PER_BATCH as i64;
        }
    }
    // SIGTERM: a normal stop (exit 0) after the last commit, with a summary.
    signal(&child, "-TERM");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let summary: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(
        summary["stored"].as_i64().unwrap() + summary["duplicates"].as_i64().unwrap(),
        total
    );
    assert_eq!(rows(&store, "SELECT count(*) FROM responsiveness"), total);
    assert_eq!(
        rows(
            &store,
            "SELECT count(*) FROM (SELECT DISTINCT orb_id, timestamp FROM responsiveness)"
        ),
        total
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_reads_what_collect_stored_as_table_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("orb.sqlite");
    let (child, url) = collect(&store, &["--quiet"]);
    let http = reqwest::Client::new();
    let r = http.post(&url).body(batch(7, 0, 30)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    signal(&child, "-INT");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    // Ctrl-C: 130, after the last commit.
    assert_eq!(out.status.code(), Some(130));
    let from = format!("sqlite:{}", store.display());
    let history = |extra: &[&str]| {
        let out = orb()
            .args([
                "history",
                "orb07",
                "--dataset",
                "responsiveness_1s",
                "--from",
                &from,
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // A table with a sparkline of the lag.
    let table = history(&[]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].contains("timestamp") && lines[0].contains("lag_avg_us"),
        "{table}"
    );
    assert_eq!(lines.len(), 1 + 30 + 1, "{table}");
    assert!(lines[1].contains("2025-09-03T"), "{table}");
    assert!(lines[31].starts_with("lag_avg_us  ▁"), "{table}");
    // CSV parses, with the chosen columns.
    let csv_text = history(&[
        "--format",
        "csv",
        "--fields",
        "timestamp,lag_avg_us",
        "--limit",
        "5",
    ]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(reader.headers().unwrap(), vec!["timestamp", "lag_avg_us"]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 5);
    // The most recent five, oldest first.
    assert_eq!(&records[4][1], "1029.5");
    // JSON lines, columns in the order asked.
    let json = history(&["--json", "--fields", "lag_avg_us,timestamp"]);
    let first = json.lines().next().unwrap();
    assert!(
        first.starts_with(r#"{"lag_avg_us":1000.5,"timestamp":"#),
        "{first}"
    );
    assert_eq!(json.lines().count(), 30);
    // Plots: a valid SVG (XML with a line per series) and a valid PNG of the size drawn.
    let svg = dir.path().join("lag.svg");
    let said = history(&[
        "--plot",
        svg.to_str().unwrap(),
        "--fields",
        "lag_avg_us,network_type",
    ]);
    assert!(said.is_empty(), "{said}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
        "{text}"
    );
    assert!(text.contains("<polyline"), "{text}");
    assert!(text.contains("\nlag_avg_us\n</text>"), "the legend: {text}");
    assert!(
        text.contains("\nnetwork_type\n</text>"),
        "the legend: {text}"
    );
    let png = dir.path().join("lag.png");
    history(&["--plot", png.to_str().unwrap()]);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1000);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 500);
    let out = orb()
        .args([
            "history",
            "orb07",
            "--dataset",
            "responsiveness",
            "--from",
            &from,
            "--plot",
            "x.jpg",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".svg or .png"));
    // Mistakes: exit 2 with the names to use.
    let out = orb()
        .args(["history", "orb07", "--dataset", "respons", "--from", &from])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the families are"));
    let out = orb()
        .args([
            "history",
            "orb07",
            "--dataset",
            "speed",
            "--from",
            "sqlite:/nonexistent/x.sqlite",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_collect_configures_the_fleet_stores_its_pushes_and_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("fleet.sqlite");
    let out = tokio::task::spawn_blocking({
        let store = store.clone();
        move || {
            orb()
                .args([
                    "--sandbox",
                    "collect",
                    "--datasets",
                    "responsiveness_1s,scores_1s",
                ])
                .args(["--interval", "200ms", "--duration", "3s", "--json"])
                .arg("--to")
                .arg(format!("sqlite:{}", store.display()))
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(summary["failed_calls"], 0, "{summary}");
    let devices = summary["devices"].as_array().unwrap();
    let stopped: Vec<&str> = devices
        .iter()
        .filter(|d| d["state"] == "stopped")
        .map(|d| d["orb_id"].as_str().unwrap())
        .collect();
    assert!(stopped.len() >= 2, "{summary}");
    // Offline devices are reported as such, never configured.
    for d in devices.iter().filter(|d| d["state"] == "offline") {
        assert_eq!(d["configured"], 0);
    }
    assert!(summary["stored"].as_i64().unwrap() > 0);
    assert_eq!(summary["refused_not_committed"], 0);
    // Every device that was configured pushed into the store, in both tables.
    for table in ["responsiveness", "scores"] {
        let n = rows(
            &store,
            &format!("SELECT count(DISTINCT orb_id) FROM {table}"),
        );
        assert_eq!(n, stopped.len() as i64, "{table}: {summary}");
    }
    assert!(
        stderr.contains("stopping: the devices get a one-second configuration"),
        "{stderr}"
    );
    // Without the sandbox, a URL devices can reach is needed (nothing is started).
    let out = orb()
        .args([
            "--api-key",
            "orb-ok1-x",
            "--base-url",
            "http://127.0.0.1:9",
            "collect",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--public-url"));
    // --receive-only configures nothing: fleet flags with it are a mistake.
    let out = orb()
        .args(["collect", "--receive-only", "--org", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("configures no device"));
}

/// `promtool`, when the machine has it (`.ci/run` installs Debian's `prometheus` package and
/// sets ORB_REQUIRE_PROMTOOL, so there the check cannot be skipped).
fn promtool() -> Option<&'static str> {
    let found = Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var_os("ORB_REQUIRE_PROMTOOL").is_some() {
        panic!("promtool is required (ORB_REQUIRE_PROMTOOL) but not found");
    }
    found.then_some("promtool")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_valid_exposition_and_match_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("metrics.sqlite");
    let mut child = orb()
        .args([
            "--sandbox",
            "collect",
            "--datasets",
            "scores_1s,responsiveness_1s",
        ])
        .args([
            "--interval",
            "200ms",
            "--duration",
            "60s",
            "--quiet",
            "--metrics",
            "127.0.0.1:0",
        ])
        .arg("--to")
        .arg(format!("sqlite:{}", store.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = None;
    for _ in 0..10 {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(u) = line.trim().strip_prefix("metrics: ") {
            url = Some(u.to_owned());
            break;
        }
    }
    let url = url.expect("the metrics URL on stderr");
    std::thread::spawn(move || {
        let mut sink = String::new();
        while stderr.read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    // Scrape until every pushing device has a score and a lag (bounded).
    let http = reqwest::Client::new();
    let mut text = String::new();
    for _ in 0..200 {
        text = http.get(&url).send().await.unwrap().text().await.unwrap();
        let pushing = text
            .lines()
            .filter(|l| {
                l.starts_with("orb_collector_device_state{") && l.contains("state=\"pushing\"")
            })
            .count();
        let scored = text.lines().filter(|l| l.starts_with("orb_score{")).count();
        let lagged = text
            .lines()
            .filter(|l| l.starts_with("orb_lag_seconds{"))
            .count();
        if pushing >= 2 && scored == pushing && lagged == pushing {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    signal(&child, "-TERM");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text.contains("orb_collector_records_stored_total"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE orb_collector_commit_seconds summary"),
        "{text}"
    );
    if let Some(promtool) = promtool() {
        let file = dir.path().join("metrics.txt");
        std::fs::write(&file, &text).unwrap();
        let check = Command::new(promtool)
            .args(["check", "metrics"])
            .stdin(std::fs::File::open(&file).unwrap())
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "promtool: {}{}\n{text}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    } else {
        eprintln!("promtool not found: the exposition format is not checked by it here");
    }
    // Each device's orb_score and lag are those of its latest stored record (in base units).
    let conn = rusqlite::Connection::open(&store).unwrap();
    let mut checked = 0;
    for line in text
        .lines()
        .filter(|l| l.starts_with("orb_score{") || l.starts_with("orb_lag_seconds{"))
    {
        let orb_id = line
            .split("orb_id=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(
            line.contains("organization=\"") && !line.contains("organization=\"\""),
            "{line}"
        );
        let value: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        let (table, column, scale) = if line.starts_with("orb_score{") {
            ("scores", "orb_score", 1.0)
        } else {
            ("responsiveness", "lag_avg_us", 1e-6)
        };
        // The newest record at or before the scrape (records stored after it are newer).
        let stored: Vec<f64> = conn
            .prepare(&format!(
                "SELECT {column} FROM {table} WHERE orb_id = ?1 ORDER BY timestamp DESC"
            ))
            .unwrap()
            .query_map([orb_id], |r| r.get::<_, f64>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            stored
                .iter()
                .any(|s| (s * scale - value).abs() <= 1e-9 * value.abs().max(1.0)),
            "{line}: not a stored value"
        );
        checked += 1;
    }
    assert!(checked >= 4, "{text}");
}
