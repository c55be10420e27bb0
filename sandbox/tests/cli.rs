//! The binary prints its base URL once ready, serves, and exits cleanly on SIGTERM.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn binary_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_orb-cloud-sandbox"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--api-key",
            "cli-key",
            "--orgs",
            "1",
            "--devices",
            "5",
            "--seed",
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the binary");
    let stdout = child.stdout.take().unwrap();
    // Read the first line on a blocking thread, bounded by a timeout.
    let line = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        }),
    )
    .await
    .expect("ready line in time")
    .unwrap()
    .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("ready line: {line:?}"))
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let r = reqwest::Client::new()
        .get(format!("{base}/api/v2/organizations"))
        .bearer_auth("cli-key")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let orgs: serde_json::Value = r.json().await.unwrap();
    assert_eq!(orgs.as_array().unwrap().len(), 1);
    // SIGTERM: a clean exit with status 0.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::task::spawn_blocking(move || child.wait()),
    )
    .await
    .expect("exits in time")
    .unwrap()
    .unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn bad_arguments_exit_non_zero() {
    let out = Command::new(env!("CARGO_BIN_EXE_orb-cloud-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--fail-rate", "3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fail rate"));
}
