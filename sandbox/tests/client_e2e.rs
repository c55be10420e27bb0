//! The crate's `OrbCloud` client end to end against the sandbox on 127.0.0.1: listing,
//! configuration, reset, temp datasets with records really pushed and parsed into typed records,
//! speed tests, 401, 403 naming the permission, and 429 / injected 503 retried.

mod common;

use std::time::Duration;

use futures_util::StreamExt;
use orb_cloud::datasets::Record;
use orb_cloud::push::{LiveOptions, PushEvent, PushReceiver};
use orb_cloud::{
    DatasetTarget, DeviceConfig, Error, Evidence, OrbCloud, Permission, PushFormat, RetryPolicy,
    SpeedTest, TempDatasets,
};
use orb_cloud_sandbox::auth::Permission as Scope;
use orb_cloud_sandbox::Sandbox;

const KEY: &str = "orb-ok1-e2e-key";

fn client(base_url: &str, key: &str) -> OrbCloud {
    OrbCloud::builder()
        .api_key(key)
        .base_url(base_url)
        .retry(
            RetryPolicy::standard()
                .base_delay(Duration::from_millis(10))
                .max_delay(Duration::from_millis(200)),
        )
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_configure_reset_speed_test() {
    let sandbox = Sandbox::builder()
        .orgs(2)
        .devices(25)
        .seed(11)
        .api_key(KEY)
        .start()
        .await
        .unwrap();
    let c = client(&sandbox.base_url(), KEY);

    let orgs = c.organizations().list().await.unwrap();
    assert_eq!(orgs.len(), 2);
    let org_id = orgs[0].organization_id.clone().unwrap();
    assert_eq!(org_id, sandbox.fleet().organizations[0].organization_id);
    let devices = c.organization(&org_id).devices().list().await.unwrap();
    assert_eq!(devices.len(), 25);
    assert!(
        devices[0].is_connected(),
        "the sandbox's first device is connected"
    );
    assert!(devices
        .iter()
        .all(|d| d.orb_id.len() == 28 && d.orb_score().and_then(|s| s.display).is_some()));
    assert!(devices
        .iter()
        .all(|d| d.geoip().and_then(|g| g.city.as_ref()).is_some()));
    let configs = c.organization(&org_id).configurations().await.unwrap();
    assert!(!configs.is_empty());

    let org = c.organization(&org_id);
    let device = org.device(&devices[0].orb_id);
    let mut patch = DeviceConfig::default();
    patch.set_push(
        &DatasetTarget::new(["scores_1m"])
            .option("format", "json")
            .option("url", "http://127.0.0.1:9/ingest"),
    );
    device.config().patch(&patch).await.unwrap();
    let now = device.config().get().await.unwrap();
    assert_eq!(
        now.push().unwrap().get("url"),
        Some("http://127.0.0.1:9/ingest")
    );
    let listed = c.organization(&org_id).devices().list().await.unwrap();
    assert_eq!(listed[0].has_local_config_override, Some(true));
    assert_eq!(listed[0].config.push().unwrap().get("format"), Some("json"));
    device.config().reset(None).await.unwrap();
    assert!(sandbox
        .device_state(&devices[0].orb_id)
        .unwrap()
        .config_override
        .is_none());

    let started = device.speed_test(SpeedTest::Content).await.unwrap();
    assert!(started.test_uuid.as_deref().is_some_and(|u| !u.is_empty()));
    assert_eq!(
        sandbox
            .device_state(&devices[0].orb_id)
            .unwrap()
            .speed_tests
            .len(),
        1
    );

    let e = c
        .organization("no-such-org")
        .devices()
        .list()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temp_datasets_push_typed_records_to_the_crates_receiver() {
    let sandbox = Sandbox::builder()
        .orgs(1)
        .devices(3)
        .seed(5)
        .api_key(KEY)
        .start()
        .await
        .unwrap();
    let c = client(&sandbox.base_url(), KEY);
    let org_id = sandbox.fleet().organizations[0].organization_id.clone();
    let orb_id = sandbox.fleet().organizations[0].devices[0].orb_id.clone();
    for format in [PushFormat::Jsonl, PushFormat::Json] {
        // A receiver per format: bodies of the previous configuration go to the previous one.
        let (receiver, events) = PushReceiver::builder().bind("127.0.0.1:0").await.unwrap();
        let request = TempDatasets::push_to(
            receiver.local_url(),
            ["scores_1s", "responsiveness_1s"],
            "5m".parse().unwrap(),
        )
        .format(format)
        .interval(Duration::from_millis(50));
        c.organization(&org_id)
            .device(&orb_id)
            .temp_datasets(&request)
            .await
            .unwrap();
        let mut events = events;
        let mut typed = Vec::new();
        while !(typed.iter().any(|r| matches!(r, Record::Scores(_)))
            && typed.iter().any(|r| matches!(r, Record::Responsiveness(_))))
        {
            let event = tokio::time::timeout(Duration::from_secs(10), events.next())
                .await
                .expect("the sandbox pushes within 10 s")
                .expect("the stream is open");
            match event {
                PushEvent::Record(record) => typed.push(record),
                other => panic!(
                    "{format:?}: the sandbox pushed a record that does not decode: {other:?}"
                ),
            }
            assert!(typed.len() < 10_000, "{typed:?}");
        }
        assert!(typed.iter().all(|r| r.orb_id() == Some(orb_id.as_str())));
        assert_eq!(receiver.stats().rejected_records, 0);
        receiver.shutdown().await.unwrap();
    }
    sandbox.shutdown().await.unwrap();
}

/// `device.stream()`: one call, records as they arrive, the temporary configuration renewed
/// while the stream lives, and a clean end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_stream_renews_and_ends_cleanly() {
    let sandbox = Sandbox::builder()
        .orgs(1)
        .devices(2)
        .seed(11)
        .api_key(KEY)
        .start()
        .await
        .unwrap();
    let c = client(&sandbox.base_url(), KEY);
    let orb_id = sandbox.fleet().organizations[0].devices[1].orb_id.clone();
    let options = LiveOptions::new("http://127.0.0.1:0", ["responsiveness_1s", "scores_1s"])
        .listen("127.0.0.1:0".parse().unwrap())
        .interval(Duration::from_millis(100))
        .window("2s".parse().unwrap())
        .stop_after(Duration::from_millis(4500))
        .drain_grace(Duration::from_millis(500));
    let mut live = c.device(&orb_id).stream(options).await.unwrap();
    assert!(live.local_addr().ip().is_loopback());
    let mut records = Vec::new();
    // Bounded: the stream ends by itself after 4.5 s plus the drain grace.
    while let Some(item) = tokio::time::timeout(Duration::from_secs(20), live.next())
        .await
        .expect("the stream ends by itself")
    {
        match item.expect("renewals succeed") {
            PushEvent::Record(record) => records.push(record),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(live.renewals() >= 1, "renewed {} times", live.renewals());
    let stats = live.stats();
    assert_eq!(stats.accepted_records as usize, records.len());
    assert_eq!(stats.rejected_records, 0);
    assert!(records.iter().all(|r| r.orb_id() == Some(orb_id.as_str())));
    let responsiveness: Vec<i64> = records
        .iter()
        .filter(|r| matches!(r, Record::Responsiveness(_)))
        .filter_map(Record::timestamp_ms)
        .collect();
    // Around four seconds of 1 s records, across at least one renewal.
    assert!(responsiveness.len() >= 3, "{responsiveness:?}");
    let unique: std::collections::HashSet<_> = responsiveness.iter().collect();
    assert_eq!(
        unique.len(),
        responsiveness.len(),
        "duplicates: {responsiveness:?}"
    );
    // Renewals replace the configuration without a gap: one record per second throughout.
    let mut sorted = responsiveness.clone();
    sorted.sort_unstable();
    assert!(
        sorted.windows(2).all(|w| w[1] - w[0] == 1000),
        "gap or overlap across renewals: {sorted:?}"
    );
    drop(live);
    sandbox.shutdown().await.unwrap();
}

/// `LiveStream::stop`: the device is given a one-second configuration, renewing stops, and the
/// stream ends soon after instead of at `stop_after`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_stream_ends_early_and_the_device_stops_pushing() {
    let sandbox = Sandbox::builder()
        .orgs(1)
        .devices(2)
        .seed(12)
        .api_key(KEY)
        .start()
        .await
        .unwrap();
    let c = client(&sandbox.base_url(), KEY);
    let orb_id = sandbox.fleet().organizations[0].devices[1].orb_id.clone();
    let options = LiveOptions::new("http://127.0.0.1:0", ["responsiveness_1s"])
        .listen("127.0.0.1:0".parse().unwrap())
        .interval(Duration::from_millis(100))
        .stop_after(Duration::from_secs(600))
        .drain_grace(Duration::from_millis(1500));
    let mut live = c.device(&orb_id).stream(options).await.unwrap();
    // One record, then stop.
    let first = tokio::time::timeout(Duration::from_secs(20), live.next())
        .await
        .expect("a record arrives")
        .expect("the stream is open");
    assert!(matches!(first, Ok(PushEvent::Record(_))), "{first:?}");
    live.stop();
    let stopped = std::time::Instant::now();
    let mut after = 0;
    while let Some(item) = tokio::time::timeout(Duration::from_secs(20), live.next())
        .await
        .expect("the stream ends soon after stop, not after 600 s")
    {
        item.expect("the last configuration is accepted");
        after += 1;
    }
    assert!(stopped.elapsed() < Duration::from_secs(20));
    // The one-second configuration lets at most a couple of seconds of records through.
    assert!(after <= 3, "{after} records after stop");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_forbidden_and_invalid_input() {
    let sandbox = Sandbox::builder()
        .orgs(1)
        .devices(2)
        .seed(3)
        .api_key(KEY)
        .start()
        .await
        .unwrap();
    let base = sandbox.base_url();
    let e = client(&base, "orb-ok1-not-a-key")
        .organizations()
        .list()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e}");

    let (_, read_only) = sandbox.mint_key("orgs only", [Scope::OrganizationsRead], None);
    let c = client(&base, &read_only);
    let orgs = c.organizations().list().await.unwrap();
    let org_id = orgs[0].organization_id.clone().unwrap();
    let e = c.organization(&org_id).devices().list().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Forbidden {
                permission: Some((Permission::DevicesRead, Evidence::Documented)),
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("\"Devices: Read\""), "{e}");

    let err = "5 minutes"
        .parse::<orb_cloud::DatasetDuration>()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_injected_failures_are_retried() {
    // A bucket of 2 refilling at 2/s, emptied by another client of the same key: this client
    // cannot know, meets a 429 and waits it out.
    let sandbox = Sandbox::builder()
        .orgs(1)
        .devices(2)
        .seed(9)
        .api_key(KEY)
        .rate_limit(2.0, 2)
        .start()
        .await
        .unwrap();
    let other = client(&sandbox.base_url(), KEY);
    let no_retries = OrbCloud::builder()
        .api_key(KEY)
        .base_url(sandbox.base_url())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    other.organizations().list().await.unwrap();
    other.organizations().list().await.unwrap();
    let err = no_retries.organizations().list().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert!(err.api().and_then(|a| a.retry_after).is_some(), "{err:?}");
    let refused = sandbox.rate_limited_count();
    assert!(refused >= 1);
    let c = OrbCloud::builder()
        .api_key(KEY)
        .base_url(sandbox.base_url())
        .retry(
            RetryPolicy::standard()
                .max_attempts(8)
                .base_delay(Duration::from_millis(20))
                .max_delay(Duration::from_millis(500)),
        )
        .build()
        .unwrap();
    c.organizations().list().await.unwrap();
    let limit = c.rate_limit().unwrap();
    assert_eq!(limit.limit, Some(2));
    sandbox.shutdown().await.unwrap();

    // Half the answers are injected 503s: GETs succeed through retries.
    let sandbox = Sandbox::builder()
        .orgs(1)
        .devices(2)
        .seed(9)
        .api_key(KEY)
        .fail_rate(0.5)
        .start()
        .await
        .unwrap();
    let c = OrbCloud::builder()
        .api_key(KEY)
        .base_url(sandbox.base_url())
        .retry(
            RetryPolicy::standard()
                .max_attempts(12)
                .base_delay(Duration::from_millis(5))
                .max_delay(Duration::from_millis(50)),
        )
        .build()
        .unwrap();
    for _ in 0..10 {
        c.organizations().list().await.unwrap();
    }
    let (failed, _dropped) = sandbox.fault_counts();
    assert!(failed > 0, "503s were injected and retried");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_fan_out_stays_within_the_rate_limit() {
    // 30 organizations listed 8 at a time against a bucket of 5 refilling at 200/s: the client's
    // pacer queues the requests at the refill rate; every listing arrives, none is lost.
    let sandbox = Sandbox::builder()
        .orgs(30)
        .devices(3)
        .seed(5)
        .api_key(KEY)
        .rate_limit(200.0, 5)
        .start()
        .await
        .unwrap();
    let c = client(&sandbox.base_url(), KEY);
    let items: Vec<_> = c
        .fleet()
        .concurrency(8)
        .devices()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(items.len(), 30);
    for item in &items {
        let devices = item.devices.as_ref().expect("every organization listed");
        assert_eq!(devices.len(), 3);
    }
    // Paced, not refused: racing 8 requests into a bucket of 5 without the pacer draws dozens
    // of 429s; a handful can happen while the refill rate is being learned under load.
    let refused = sandbox.rate_limited_count();
    assert!(refused <= 8, "{refused} requests refused");
    sandbox.shutdown().await.unwrap();
}
