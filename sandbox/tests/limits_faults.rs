//! Rate limits (429 with headers) and injected faults (latency, 503, dropped connections) at the
//! configured, seed-determined rates.

mod common;

use std::time::{Duration, Instant};

use common::{assert_error_body, client};
use orb_cloud_sandbox::faults::{Fate, FaultInjector};
use orb_cloud_sandbox::{Faults, RateLimitSettings as RateLimit, Sandbox};
use serde_json::Value;

fn header(r: &reqwest::Response, name: &str) -> Option<u64> {
    r.headers().get(name)?.to_str().ok()?.parse().ok()
}

#[tokio::test]
async fn empty_bucket_answers_429_with_headers() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(2)
        .api_key("k")
        .rate_limit(0.01, 3)
        .start()
        .await
        .unwrap();
    let c = client();
    let url = format!("{}/api/v2/organizations", sb.base_url());
    for expected_remaining in [2, 1, 0] {
        let r = c.get(&url).bearer_auth("k").send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "x-ratelimit-limit"), Some(3));
        assert_eq!(
            header(&r, "x-ratelimit-remaining"),
            Some(expected_remaining)
        );
        assert!(header(&r, "x-ratelimit-reset").unwrap() >= 1);
    }
    let r = c.get(&url).bearer_auth("k").send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(header(&r, "x-ratelimit-limit"), Some(3));
    assert_eq!(header(&r, "x-ratelimit-remaining"), Some(0));
    let retry = header(&r, "retry-after").expect("Retry-After");
    assert!((1..=100).contains(&retry), "{retry}");
    assert!(header(&r, "x-ratelimit-reset").unwrap() >= retry);
    let v: Value = r.json().await.unwrap();
    assert_error_body(&v, "RATE_LIMITED");

    // Buckets are per key: another key still has its own.
    let (_, other) = sb.mint_key("other", orb_cloud_sandbox::auth::Permission::ALL, None);
    let r = c.get(&url).bearer_auth(&other).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-ratelimit-remaining"), Some(2));
    // Headers are on error answers too.
    let r = c
        .get(format!(
            "{}/api/v2/organization/nope/devices",
            sb.base_url()
        ))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(header(&r, "x-ratelimit-remaining"), Some(1));
    // Raising the limit at run time refills.
    sb.set_rate_limit(RateLimit {
        rate_per_sec: 1000.0,
        burst: 10,
    });
    let r = c.get(&url).bearer_auth("k").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-ratelimit-limit"), Some(10));
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn no_rate_limit_means_no_headers() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(1)
        .api_key("k")
        .rate_limit(0.0, 0)
        .start()
        .await
        .unwrap();
    let r = client()
        .get(format!("{}/api/v2/organizations", sb.base_url()))
        .bearer_auth("k")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-ratelimit-limit").is_none());
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn injected_503s_follow_the_seed() {
    let faults = Faults {
        latency: Duration::ZERO,
        fail_rate: 0.25,
        drop_rate: 0.0,
    };
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(1)
        .seed(99)
        .api_key("k")
        .rate_limit(0.0, 0)
        .fail_rate(0.25)
        .start()
        .await
        .unwrap();
    let c = client();
    let url = format!("{}/api/v2/organizations", sb.base_url());
    let n = 200;
    let mut failed = Vec::new();
    for i in 0..n {
        let r = c.get(&url).bearer_auth("k").send().await.unwrap();
        match r.status().as_u16() {
            200 => {}
            503 => {
                assert_error_body(&r.json().await.unwrap(), "SERVICE_UNAVAILABLE");
                failed.push(i);
            }
            s => panic!("unexpected {s}"),
        }
    }
    let predicted: Vec<u64> = (0..n)
        .filter(|i| FaultInjector::fate_of(99, *i, &faults) == Fate::Fail)
        .collect();
    assert_eq!(
        failed, predicted,
        "the same requests fail for the same seed"
    );
    assert!(
        (30..=70).contains(&failed.len()),
        "about 25 %: {}",
        failed.len()
    );
    assert_eq!(sb.fault_counts(), (failed.len() as u64, 0));
    // The sandbox API is never faulted.
    for _ in 0..20 {
        let r = c
            .get(format!("{}/_sandbox/api-keys", sb.base_url()))
            .bearer_auth("k")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn dropped_connections_close_without_an_answer() {
    let faults = Faults {
        latency: Duration::ZERO,
        fail_rate: 0.0,
        drop_rate: 0.2,
    };
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(1)
        .seed(5)
        .api_key("k")
        .rate_limit(0.0, 0)
        .drop_rate(0.2)
        .start()
        .await
        .unwrap();
    // A fresh connection per request, so every drop is seen by exactly one request.
    let c = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let url = format!("{}/api/v2/organizations", sb.base_url());
    let n = 100;
    let mut dropped = Vec::new();
    for i in 0..n {
        match c.get(&url).bearer_auth("k").send().await {
            Ok(r) => assert_eq!(r.status(), 200),
            Err(e) => {
                assert!(!e.is_timeout(), "closed, not timed out: {e}");
                dropped.push(i);
            }
        }
    }
    let predicted: Vec<u64> = (0..n)
        .filter(|i| FaultInjector::fate_of(5, *i, &faults) == Fate::Drop)
        .collect();
    assert_eq!(dropped, predicted);
    assert!(
        (8..=35).contains(&dropped.len()),
        "about 20 %: {}",
        dropped.len()
    );
    assert_eq!(sb.fault_counts(), (0, dropped.len() as u64));
    // Faults can be turned off at run time.
    sb.set_faults(Faults::NONE).unwrap();
    for _ in 0..10 {
        assert_eq!(
            c.get(&url).bearer_auth("k").send().await.unwrap().status(),
            200
        );
    }
    assert!(sb
        .set_faults(Faults {
            fail_rate: 2.0,
            ..Faults::NONE
        })
        .is_err());
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn latency_is_added() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(1)
        .api_key("k")
        .latency(Duration::from_millis(150))
        .start()
        .await
        .unwrap();
    let c = client();
    let t = Instant::now();
    let r = c
        .get(format!("{}/api/v2/organizations", sb.base_url()))
        .bearer_auth("k")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn invalid_settings_are_refused() {
    assert!(Sandbox::builder().fail_rate(1.5).start().await.is_err());
    assert!(Sandbox::builder()
        .fail_rate(0.7)
        .drop_rate(0.7)
        .start()
        .await
        .is_err());
    assert!(Sandbox::builder()
        .rate_limit(-1.0, 5)
        .start()
        .await
        .is_err());
    assert!(Sandbox::builder().rate_limit(5.0, 0).start().await.is_err());
    assert!(Sandbox::builder().orgs(0).start().await.is_err());
    assert!(Sandbox::builder().devices(10_001).start().await.is_err());
    let e = Sandbox::builder()
        .api_key("has space")
        .start()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("API key"), "{e}");
}
