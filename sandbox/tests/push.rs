//! Simulated devices push real records to a receiver run by the test: both formats, record fields
//! as Orb documents them, values consistent with the device, buffer and resend on failure, speed
//! tests, and the end of the duration.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{client, Receiver, WAIT};
use orb_cloud_sandbox::fleet::Device;
use orb_cloud_sandbox::{Sandbox, SandboxHandle};
use serde_json::{json, Value};

const COMMON: &[&str] = &[
    "bssid",
    "mac_address",
    "network_name",
    "network_type",
    "network_state",
    "country_code",
    "state",
    "city",
    "isp_name",
    "public_ip",
    "private_ip",
    "latitude",
    "longitude",
    "location_source",
    "measure_endpoint",
    "measure_endpoint_name",
];

fn expected_fields(dataset: &str) -> BTreeSet<&'static str> {
    let own: &[&str] = match dataset {
        "scores" => &[
            "orb_id",
            "orb_name",
            "device_name",
            "timestamp",
            "interval_ms",
            "score_version",
            "orb_version",
            "dataset",
            "orb_score",
            "responsiveness_score",
            "reliability_score",
            "speed_score",
            "speed_age_ms",
            "lag_avg_us",
            "download_avg_kbps",
            "upload_avg_kbps",
            "unresponsive_ms",
            "measured_ms",
            "lag_count",
            "speed_count",
        ],
        "responsiveness" => &[
            "orb_id",
            "orb_name",
            "device_name",
            "orb_version",
            "timestamp",
            "interval_ms",
            "dataset",
            "lag_avg_us",
            "latency_avg_us",
            "jitter_avg_us",
            "latency_count",
            "latency_lost_count",
            "packet_loss_pct",
            "lag_count",
            "router_lag_avg_us",
            "router_latency_avg_us",
            "router_jitter_avg_us",
            "router_latency_count",
            "router_latency_lost_count",
            "router_packet_loss_pct",
            "router_lag_count",
            "pingers",
        ],
        "web_responsiveness" => &[
            "orb_id",
            "orb_name",
            "device_name",
            "orb_version",
            "timestamp",
            "dataset",
            "ttfb_us",
            "dns_us",
            "web_url",
        ],
        "speed" => &[
            "orb_id",
            "orb_name",
            "device_name",
            "orb_version",
            "timestamp",
            "dataset",
            "download_kbps",
            "download_status",
            "upload_kbps",
            "upload_status",
            "speed_test_engine",
            "speed_test_server",
        ],
        "wifi_link" => &[
            "orb_id",
            "orb_name",
            "device_name",
            "orb_version",
            "timestamp",
            "interval_ms",
            "dataset",
            "rssi_avg",
            "rssi_count",
            "frequency_mhz",
            "tx_rate_mbps",
            "tx_rate_count",
            "rx_rate_mbps",
            "rx_rate_count",
            "snr_avg",
            "snr_count",
            "noise_avg",
            "noise_count",
            "phy_mode",
            "security",
            "channel_width",
            "channel_number",
            "channel_band",
            "supported_wlan_channels",
            "mcs",
            "nss",
        ],
        other => panic!("unexpected dataset value {other:?}"),
    };
    own.iter().chain(COMMON).copied().collect()
}

fn check_record(r: &Value, device: &Device, identifiable: bool) {
    let ds = r["dataset"].as_str().expect("dataset");
    let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, expected_fields(ds), "fields of a {ds} record");
    assert_eq!(r["orb_id"], device.orb_id.as_str());
    assert!(r["timestamp"].is_i64());
    assert_eq!(r["orb_version"], device.device_info.version.as_str());
    assert_eq!(r["network_type"], device.network.dataset_code());
    assert_eq!(r["city"], device.geoip.city.as_str());
    if identifiable {
        assert_eq!(r["orb_name"], device.name.as_str());
        assert_eq!(r["public_ip"], device.public_ip.as_str());
    } else {
        assert!(
            r["orb_name"].as_str().unwrap().contains("****"),
            "masked name"
        );
        assert!(
            r["public_ip"].as_str().unwrap().ends_with(".0.0"),
            "masked ip"
        );
        let lat = r["latitude"].as_f64().unwrap();
        assert_eq!(
            (lat * 100.0).round() / 100.0,
            lat,
            "coordinates rounded to 2 decimals"
        );
    }
    match ds {
        "scores" => {
            let s = r["orb_score"].as_f64().unwrap();
            let display = device.orb_score.display as f64;
            assert!(
                (s - display).abs() <= 8.0,
                "orb_score {s} near the summary's {display}"
            );
            assert!(
                r["interval_ms"].is_i64()
                    && r["lag_count"].is_i64()
                    && r["download_avg_kbps"].is_i64()
            );
        }
        "responsiveness" => {
            let lag = r["lag_avg_us"].as_f64().unwrap();
            let summary_lag = device
                .orb_score
                .component("responsiveness_score")
                .and_then(|c| c.component("internet_lag_us"))
                .and_then(|l| l.value)
                .unwrap();
            assert!(
                (lag - summary_lag).abs() <= summary_lag * 0.15,
                "lag {lag} near {summary_lag}"
            );
            assert!(r["lag_avg_us"].is_i64() && r["latency_count"].is_i64());
            assert!(r["pingers"].as_str().unwrap().contains('|'));
        }
        "web_responsiveness" => assert!(r["ttfb_us"].is_i64() && r["dns_us"].is_i64()),
        "speed" => {
            assert_eq!(r["download_status"], 1);
            assert!(r["download_kbps"].is_i64());
        }
        "wifi_link" => {
            assert!(device.is_wifi());
            assert!(r["rssi_avg"].as_i64().unwrap() < 0);
        }
        _ => unreachable!(),
    }
}

async fn start_temp(sb: &SandboxHandle, device: &Device, push: Value, duration: &str) -> Value {
    let org = &sb.fleet().device(&device.orb_id).unwrap().0.organization_id;
    let body = json!({"duration": duration, "datasets_config": {"enabled": true, "push": push}});
    let r = client()
        .post(format!(
            "{}/api/v2/organization/{org}/devices/{}/temp-datasets",
            sb.base_url(),
            device.orb_id
        ))
        .bearer_auth(sb.api_key())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .orgs(1)
        .devices(4)
        .seed(21)
        .api_key("k")
        .speed_test_duration(Duration::from_millis(200))
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn jsonl_push_from_a_wifi_device() {
    let sb = sandbox().await;
    let dev = sb.fleet().organizations[0].devices[1].clone();
    assert!(dev.is_wifi() && dev.is_connected);
    let mut rx = Receiver::start(&[]).await;
    let answer = start_temp(
        &sb,
        &dev,
        json!({"enabled": true, "url": rx.url, "identifiable": true, "interval_ms": 250,
               "datasets": ["scores_1s", "responsiveness_1s", "wifi_link_1s", "web_responsiveness_results", "latency_1s"]}),
        "5m",
    )
    .await;
    assert_eq!(answer["duration"], "5m");
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    let wanted = [
        ("scores", 2),
        ("responsiveness", 2),
        ("wifi_link", 2),
        ("web_responsiveness", 1),
    ];
    while wanted
        .iter()
        .any(|(d, n)| seen.get(*d).copied().unwrap_or(0) < *n)
    {
        let got = rx.next().await;
        assert_eq!(got.content_type, "application/x-ndjson");
        assert!(got.body.ends_with(b"\n"), "jsonl lines end with a newline");
        for r in got.records() {
            check_record(&r, &dev, true);
            *seen
                .entry(r["dataset"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    assert!(
        sb.device_state(&dev.orb_id)
            .unwrap()
            .temp_datasets
            .unwrap()
            .pushing
    );
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn json_push_from_an_ethernet_device_has_no_wifi_records() {
    let sb = sandbox().await;
    let dev = sb.fleet().organizations[0].devices[0].clone();
    assert!(!dev.is_wifi() && dev.is_connected);
    let mut rx = Receiver::start(&[]).await;
    start_temp(
        &sb,
        &dev,
        json!({"enabled": true, "url": rx.url, "format": "json", "interval_ms": 200,
               "datasets": ["scores_1s", "wifi_link_1s"]}),
        "5m",
    )
    .await;
    let mut scores = 0;
    while scores < 3 {
        let got = rx.next().await;
        assert_eq!(got.content_type, "application/json");
        assert!(got.body.starts_with(b"["));
        for r in got.records() {
            check_record(&r, &dev, false);
            assert_eq!(
                r["dataset"], "scores",
                "no Wi-Fi records from an Ethernet device"
            );
            scores += 1;
        }
    }
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn failed_posts_are_resent_without_loss() {
    let sb = sandbox().await;
    let dev = sb.fleet().organizations[0].devices[0].clone();
    // The receiver fails three times, then accepts.
    let mut rx = Receiver::start(&[500, 503, 500]).await;
    start_temp(
        &sb,
        &dev,
        json!({"enabled": true, "url": rx.url, "interval_ms": 150, "datasets": ["scores_1s"]}),
        "5m",
    )
    .await;
    let mut failed: Vec<i64> = Vec::new();
    let mut delivered: Vec<i64> = Vec::new();
    while delivered.len() < 4 {
        let got = rx.next().await;
        let ts: Vec<i64> = got
            .records()
            .iter()
            .map(|r| r["timestamp"].as_i64().unwrap())
            .collect();
        if got.answered == 200 {
            if delivered.is_empty() {
                // The first accepted body carries everything the failed ones did.
                for t in &failed {
                    assert!(ts.contains(t), "record {t} of a failed POST was resent");
                }
            }
            delivered.extend(ts);
        } else {
            failed.extend(ts);
        }
    }
    assert!(!failed.is_empty());
    // No record lost and none delivered twice: one record per second, no gap.
    for w in delivered.windows(2) {
        assert_eq!(
            w[1] - w[0],
            1000,
            "consecutive scores_1s records: {delivered:?}"
        );
    }
    let stats = sb.push_stats();
    assert!(stats.failed >= 3 && stats.delivered >= 1, "{stats:?}");
    assert_eq!(stats.records_dropped, 0, "nothing dropped within buffer_kb");
    assert!(sb
        .push_log()
        .iter()
        .any(|a| a.status == Some(503) && !a.delivered));
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn oldest_records_are_dropped_beyond_buffer_kb() {
    let sb = sandbox().await;
    let dev = sb.fleet().organizations[0].devices[1].clone();
    // Fail long enough for more than 2 KiB of records to pile up, then accept.
    let script = vec![500u16; 16];
    let mut rx = Receiver::start(&script).await;
    start_temp(
        &sb,
        &dev,
        json!({"enabled": true, "url": rx.url, "interval_ms": 200, "buffer_kb": 2,
               "datasets": ["scores_1s", "responsiveness_1s", "wifi_link_1s"]}),
        "5m",
    )
    .await;
    let mut failed_bodies: Vec<Vec<Value>> = Vec::new();
    let accepted = loop {
        let got = rx.next().await;
        if got.answered == 200 {
            break got;
        }
        assert!(
            got.body.len() <= 2048 + 64,
            "a failed body holds at most buffer_kb: {}",
            got.body.len()
        );
        failed_bodies.push(got.records());
    };
    let accepted_records = accepted.records();
    assert!(
        accepted.body.len() <= 2048 + 64,
        "the resent body holds at most buffer_kb"
    );
    let key = |r: &Value| {
        (
            r["dataset"].as_str().unwrap().to_string(),
            r["timestamp"].as_i64().unwrap(),
        )
    };
    let accepted_keys: BTreeSet<_> = accepted_records.iter().map(key).collect();
    let all_failed: BTreeSet<_> = failed_bodies.iter().flatten().map(key).collect();
    let oldest = all_failed.iter().map(|k| k.1).min().unwrap();
    let newest_failed = all_failed.iter().map(|k| k.1).max().unwrap();
    assert!(
        !accepted_keys.iter().any(|k| k.1 == oldest),
        "the oldest records were dropped"
    );
    assert!(
        accepted_keys.iter().any(|k| k.1 >= newest_failed),
        "the newest records were kept"
    );
    assert!(sb.push_stats().records_dropped > 0);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn speed_test_produces_a_pushed_speed_result() {
    let sb = sandbox().await;
    let dev = sb.fleet().organizations[0].devices[0].clone();
    let org = sb.fleet().organizations[0].organization_id.clone();
    let mut rx = Receiver::start(&[]).await;
    start_temp(
        &sb,
        &dev,
        json!({"enabled": true, "url": rx.url, "interval_ms": 100, "identifiable": true, "datasets": ["speed_results"]}),
        "5m",
    )
    .await;
    let cb: Value = client()
        .post(format!(
            "{}/api/v2/organization/{org}/devices/{}/trigger-speedtest/content",
            sb.base_url(),
            dev.orb_id
        ))
        .bearer_auth("k")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uuid = cb["test_uuid"].as_str().unwrap().to_string();
    assert_eq!(cb["in_progress_test_uuid"], uuid.as_str());
    assert_eq!(cb["in_progress_test_type"], "content");
    let record = loop {
        let got = rx.next().await;
        if let Some(r) = got.records().into_iter().find(|r| r["dataset"] == "speed") {
            break r;
        }
    };
    check_record(&record, &dev, true);
    assert_eq!(record["network_state"], 6, "content speed test load");
    let down = record["download_kbps"].as_f64().unwrap();
    assert!((down - dev.profile.download_kbps).abs() <= dev.profile.download_kbps * 0.15);
    // Remembered on the device.
    assert!(
        sb.wait_for(WAIT, |s| {
            s.device_state(&dev.orb_id)
                .unwrap()
                .speed_tests
                .iter()
                .any(|t| t.test_uuid == uuid && t.result.is_some())
        })
        .await
    );
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn pushing_stops_when_the_duration_ends() {
    let sb = sandbox().await;
    let dev = sb.fleet().organizations[0].devices[0].clone();
    let mut rx = Receiver::start(&[]).await;
    let answer = start_temp(
        &sb,
        &dev,
        json!({"enabled": true, "url": rx.url, "interval_ms": 100, "datasets": ["scores_1s"]}),
        "2500ms",
    )
    .await;
    let expires = answer["expires_ts"].as_i64().unwrap();
    let first = rx.next().await;
    assert!(!first.records().is_empty());
    assert!(
        sb.wait_for(WAIT, |s| s
            .device_state(&dev.orb_id)
            .unwrap()
            .temp_datasets
            .is_none())
            .await,
        "reverted"
    );
    for a in sb.push_log() {
        assert!(a.at_ms <= expires + 5000, "no push after the end: {a:?}");
    }
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn disconnected_devices_do_not_push_and_shutdown_stops_sessions() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(80)
        .seed(4)
        .api_key("k")
        .start()
        .await
        .unwrap();
    let rx = Receiver::start(&[]).await;
    let off = sb.fleet().organizations[0]
        .devices
        .iter()
        .find(|d| !d.is_connected)
        .unwrap()
        .clone();
    start_temp(
        &sb,
        &off,
        json!({"enabled": true, "url": rx.url, "interval_ms": 100, "datasets": ["scores_1s"]}),
        "1h",
    )
    .await;
    let snap = sb.device_state(&off.orb_id).unwrap();
    assert!(!snap.temp_datasets.unwrap().pushing);
    let on = sb.fleet().organizations[0].devices[0].clone();
    start_temp(
        &sb,
        &on,
        json!({"enabled": true, "url": rx.url, "interval_ms": 100, "datasets": ["scores_1s"]}),
        "1h",
    )
    .await;
    assert_eq!(sb.active_tasks(), 2);
    // Every session ends on shutdown, well before its hour.
    sb.shutdown().await.unwrap();
}
