//! Keeping a sandbox fleet pushing into the collector: connected devices configured and renewed,
//! offline ones left alone, devices asked for by id found in their organization, and every
//! pushing device stopped at the end.

use std::time::Duration;

use orb_cloud::datasets::DatasetName;
use orb_cloud::{DatasetDuration, OrbCloud};
use orb_cloud_sandbox::Sandbox;
use orb_collector::fleet::{DeviceState, Fleet, FleetOptions, Selection};
use orb_collector::store::StoreSpec;
use orb_collector::{receive, ReceiveOptions};

const KEY: &str = "orb-ok1-collector-fleet-test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connected_devices_push_are_renewed_and_stopped_offline_ones_wait() {
    // A seed whose fleet has both connected and offline devices.
    let mut sb = None;
    for seed in 1..50 {
        let candidate = Sandbox::builder()
            .orgs(2)
            .devices(5)
            .seed(seed)
            .api_key(KEY)
            .start()
            .await
            .unwrap();
        let online = candidate
            .fleet()
            .devices()
            .filter(|d| d.is_connected)
            .count();
        if (1..10).contains(&online) {
            sb = Some(candidate);
            break;
        }
        candidate.shutdown().await.unwrap();
    }
    let sb = sb.expect("a seed with both connected and offline devices");
    let client = OrbCloud::builder()
        .api_key(KEY)
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.sqlite");
    let mut options = ReceiveOptions::new("127.0.0.1:0");
    options.store = StoreSpec::Sqlite(path.clone());
    let running = receive(options).await.unwrap();
    let mut fleet_options = FleetOptions::new(
        Selection::AllOrganizations,
        vec![DatasetName::from("responsiveness_1s")],
        running.local_url(),
    );
    // Short windows, so that the test sees renewals; pushes every 200 ms.
    fleet_options.window = DatasetDuration::new(Duration::from_secs(3)).unwrap();
    fleet_options.interval = Some(Duration::from_millis(200));
    let fleet = Fleet::new(client.clone(), fleet_options);
    let status = fleet.status();
    let connected: Vec<String> = sb
        .fleet()
        .devices()
        .filter(|d| d.is_connected)
        .map(|d| d.orb_id.clone())
        .collect();
    let offline = 10 - connected.len();
    assert!(!connected.is_empty() && offline > 0, "the seed has both");
    // Run until every connected device has been renewed and has records in the store.
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(fleet.run(async move {
        let _ = stop_rx.await;
    }));
    let mut done = false;
    for _ in 0..400 {
        let renewed = status
            .lock()
            .unwrap()
            .values()
            .filter(|d| d.configured >= 2)
            .count();
        let devices_with_records = if path.exists() {
            rusqlite::Connection::open(&path)
                .and_then(|c| {
                    c.query_row(
                        "SELECT count(DISTINCT orb_id) FROM responsiveness",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .unwrap_or(0)
        } else {
            0
        };
        if renewed == connected.len() && devices_with_records == connected.len() as i64 {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(done, "{:#?}", status.lock().unwrap());
    {
        let status = status.lock().unwrap();
        assert_eq!(status.len(), 10);
        for d in status.values() {
            if connected.contains(&d.orb_id) {
                assert_eq!(d.state, DeviceState::Pushing, "{d:?}");
            } else {
                assert_eq!(d.state, DeviceState::Offline, "{d:?}");
                assert_eq!(d.configured, 0);
            }
        }
    }
    stop_tx.send(()).unwrap();
    let (calls, status) = task.await.unwrap();
    assert_eq!(calls.failed, 0);
    let status = status.lock().unwrap().clone();
    for id in &connected {
        assert_eq!(status[id].state, DeviceState::Stopped);
        // The last configuration lasts a second.
        let temp = sb.device_state(id).unwrap().temp_datasets.unwrap();
        assert_eq!(temp.duration, "1s", "{temp:?}");
    }
    let summary = running.shutdown().await.unwrap();
    assert!(summary.ingest.stored > 0);
    assert_eq!(summary.receiver.not_committed, 0);
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_asked_for_by_id_are_found_or_reported() {
    let sb = Sandbox::builder()
        .orgs(2)
        .devices(3)
        .seed(5)
        .api_key(KEY)
        .start()
        .await
        .unwrap();
    let client = OrbCloud::builder()
        .api_key(KEY)
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let wanted = sb
        .fleet()
        .devices()
        .find(|d| d.is_connected)
        .unwrap()
        .orb_id
        .clone();
    let mut fleet = Fleet::new(
        client,
        FleetOptions::new(
            Selection::Devices(vec![wanted.clone(), "nosuchdevice0000000000000000".into()]),
            vec![DatasetName::from("scores_1m")],
            "http://127.0.0.1:9/push/x".into(),
        ),
    );
    fleet.relist().await.unwrap();
    let calls = fleet.configure_due(false).await;
    assert_eq!((calls.ok, calls.failed), (1, 0));
    let status = fleet.status().lock().unwrap().clone();
    assert_eq!(status.len(), 2);
    assert_eq!(status[&wanted].state, DeviceState::Pushing);
    assert!(matches!(
        &status["nosuchdevice0000000000000000"].state,
        DeviceState::Failed(why) if why.contains("not a device")
    ));
    sb.shutdown().await.unwrap();
}
