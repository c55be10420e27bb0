//! Section 6: the `orb` CLI end to end, process start included: `orb devices --json` for an
//! organization of 10,000 devices, against Orb's Python client doing the same (list them, print
//! each as a JSON line), both writing to /dev/null.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::report::{median, print_rows, Row};
use crate::sandbox::{self, KEY};
use crate::workspace::workspace_root;

/// The release `orb` beside this binary, built first if it is not there.
pub(crate) fn orb_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let orb = exe.parent()?.join("orb");
    if !orb.exists() {
        eprintln!("building the orb CLI (cargo build --release -p orb-cli) ...");
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "--release", "--quiet", "-p", "orb-cli"])
            .current_dir(workspace_root())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
    }
    orb.exists().then_some(orb)
}

/// Wall time of one run of `command` with its output discarded, or `None` if it failed.
fn time(command: &mut Command) -> Option<f64> {
    let started = Instant::now();
    let out = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    if out.status.success() {
        Some(elapsed)
    } else {
        eprintln!(
            "  failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        None
    }
}

pub async fn run(python: Option<&str>, runs: usize) {
    let title = "## 6. The orb CLI end to end: `orb devices --json`, 10,000 devices, process start included, output to /dev/null; median of runs taken in turns";
    let Some(orb) = orb_binary() else {
        println!("\n{title}\n(the orb binary could not be built: section skipped)");
        return;
    };
    let sb = sandbox::start(1, 10_000, None).await;
    let url = sb.base_url();
    let org = sb.fleet().organizations[0].organization_id.clone();
    let script = workspace_root().join("bench").join("cli_python.py");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    // One untimed run of each first (page cache, the sandbox's first listing), then turns.
    for round in 0..=runs {
        let (orb, url, org) = (orb.clone(), url.clone(), org.clone());
        let py = python.map(str::to_owned);
        let script = script.clone();
        let (o, p) = tokio::task::spawn_blocking(move || {
            let o = time(
                Command::new(&orb)
                    .args(["--base-url", &url, "--api-key", KEY, "--quiet"])
                    .args(["devices", "--org", &org, "--json"]),
            );
            let p = py.and_then(|py| time(Command::new(py).arg(&script).args([&url, KEY, &org])));
            (o, p)
        })
        .await
        .unwrap_or((None, None));
        if round > 0 {
            ours.extend(o);
            theirs.extend(p);
        }
    }
    if ours.is_empty() {
        println!("\n{title}\n(orb failed: section skipped)");
        return;
    }
    let ours = median(ours);
    let other = (!theirs.is_empty()).then(|| median(theirs));
    print_rows(
        title,
        &[Row {
            higher_is_better: false,
            what: "orb devices --json, 10,000 devices, vs the Python client printing the same"
                .into(),
            ours,
            other,
            unit: "ms",
            target: "≥ 30x".into(),
            met: other.map(|p| p / ours >= 30.0),
            advantage: None,
        }],
    );
    let _ = sb.shutdown().await;
}
