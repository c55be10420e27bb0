//! Starting a measurement in a fresh process, this binary's child mode or Orb's Python client,
//! and reading the JSON it prints.

use std::process::Command;

use serde_json::Value;

use crate::sandbox::KEY;

/// Runs a child measurement: this binary, or the Python script.
pub fn measure(python: Option<&str>, mode: &str, url: &str, org: &str, n: usize) -> Option<Value> {
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
