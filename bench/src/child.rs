//! What a child process measures (this binary re-invoked as `child MODE URL ORG N`): one client's
//! calls, so that its wall time and peak memory are its own; the result is printed as JSON for the
//! parent.

use std::time::Instant;

use orb_cloud::OrbCloud;
use serde_json::{json, Value};

use crate::sandbox::KEY;

/// Runs `n` calls of one mode and returns what the parent reads: the times (ms) and peak memory
/// (KiB), or for `orgs-interleaved` the rounds of each client.
pub async fn run(mode: &str, url: &str, org: &str, n: usize) -> Value {
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
