//! The collector end to end over loopback HTTP into a SQLite file: every family in every body
//! format, resends stored once, unknown families and fields kept, a locked store answered 503
//! with nothing lost.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use orb_cloud::datasets::DatasetName;
use orb_collector::store::StoreSpec;
use orb_collector::{receive, ReceiveOptions, Running};
use reqwest::StatusCode;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/datasets/", $name))
    };
}

const FIXTURES: &[(&str, &str, &str)] = &[
    (
        "scores",
        fixture!("scores_1m.jsonl"),
        fixture!("scores_1m.json"),
    ),
    (
        "responsiveness",
        fixture!("responsiveness_1s.jsonl"),
        fixture!("responsiveness_1s.json"),
    ),
    (
        "web_responsiveness",
        fixture!("web_responsiveness_results.jsonl"),
        fixture!("web_responsiveness_results.json"),
    ),
    (
        "speed",
        fixture!("speed_results.jsonl"),
        fixture!("speed_results.json"),
    ),
];
const WIFI_JSONL: &str = fixture!("wifi_link_1m.jsonl");

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

async fn start(path: &Path, options: impl FnOnce(&mut ReceiveOptions)) -> Running {
    let mut o = ReceiveOptions::new("127.0.0.1:0");
    o.store = StoreSpec::Sqlite(path.to_owned());
    options(&mut o);
    receive(o).await.unwrap()
}

async fn post(url: &str, body: impl Into<reqwest::Body>, gzipped: bool) -> reqwest::Response {
    let mut request = reqwest::Client::new().post(url).body(body);
    if gzipped {
        request = request.header("content-encoding", "gzip");
    }
    request.send().await.unwrap()
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_family_in_every_format_is_stored_once_with_its_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orb.sqlite");
    let running = start(&path, |_| {}).await;
    let url = running.local_url();
    for (_, jsonl, json) in FIXTURES {
        // jsonl, json and gzip: the same two records three times, stored once.
        assert_eq!(post(&url, *jsonl, false).await.status(), StatusCode::OK);
        assert_eq!(post(&url, *json, false).await.status(), StatusCode::OK);
        assert_eq!(
            post(&url, gzip(jsonl.as_bytes()), true).await.status(),
            StatusCode::OK
        );
    }
    // Unknown fields and an unknown family are kept.
    let extra = r#"{"orb_id":"dc9t7y9xry3hmtka859p92agqe5m","dataset":"speed","timestamp":1756935099000,"download_kbps":1,"brand_new_metric":{"a":[1,2.50]}}
{"orb_id":"dc9t7y9xry3hmtka859p92agqe5m","dataset":"latency","timestamp":1756935099000,"latency_p99_us":1234}
{"dataset":"speed","download_kbps":7}
{"orb_id":"x","dataset":"speed","timestamp":"noon"}
"#;
    assert_eq!(post(&url, extra, false).await.status(), StatusCode::OK);
    assert_eq!(post(&url, extra, false).await.status(), StatusCode::OK);
    let summary = running.shutdown().await.unwrap();
    // 4 families x 2 records x 3 bodies, + 4 records twice (one rejected).
    assert_eq!(summary.ingest.stored, 4 * 2 + 3);
    assert_eq!(summary.ingest.duplicates, 4 * 2 * 2 + 3);
    assert_eq!(summary.ingest.other, 2);
    assert_eq!(summary.ingest.rejected, 1);
    assert_eq!(summary.receiver.not_committed, 0);

    let conn = rusqlite::Connection::open(&path).unwrap();
    for (table, _, _) in FIXTURES {
        let expected = if *table == "speed" { 3 } else { 2 };
        assert_eq!(
            count(&conn, &format!("SELECT count(*) FROM {table}")),
            expected,
            "{table}"
        );
    }
    // Typed columns, as sent.
    let (download, city, engine): (i64, String, i64) = conn
        .query_row(
            "SELECT download_kbps, city, speed_test_engine FROM speed WHERE timestamp = 1756935043000",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((download, city.as_str(), engine), (518022, "Lynnwood", 0));
    let lag: f64 = conn
        .query_row("SELECT lag_avg_us FROM responsiveness LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(lag > 0.0);
    // The unknown field, as sent, in `extra`.
    let extra: String = conn
        .query_row(
            "SELECT extra FROM speed WHERE timestamp = 1756935099000",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(extra, r#"{"brand_new_metric":{"a":[1,2.50]}}"#);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM speed WHERE extra IS NOT NULL"),
        1
    );
    // The unknown family whole; the record without id or time whole too.
    let (family, json): (String, String) = conn
        .query_row(
            "SELECT family, json FROM other_records WHERE family = 'latency'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(family, "latency");
    assert!(json.contains("latency_p99_us"));
    assert_eq!(count(&conn, "SELECT count(*) FROM other_records"), 2);
    let error: String = conn
        .query_row("SELECT error FROM rejected_records", [], |r| r.get(0))
        .unwrap();
    assert!(error.contains("timestamp"), "{error}");

    // A forwarder reads the store page by page, from a cursor, every row once.
    let store = orb_collector::store::SqliteStore::open_read_only(&path).unwrap();
    let (mut cursor, mut seen) = (0, Vec::new());
    loop {
        let page = store.rows_after("speed", cursor, 2).unwrap();
        if page.rows.rows.is_empty() {
            assert_eq!(page.next, cursor);
            break;
        }
        assert_eq!(page.rows.columns[0], "rowid");
        assert!(page.rows.columns.iter().any(|c| c == "download_kbps"));
        seen.extend(page.rows.rows.iter().map(|r| r[0].clone()));
        cursor = page.next;
    }
    assert_eq!(seen.len(), 3);
    assert!(store.rows_after("nope", 0, 1).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wifi_records_are_typed_with_a_hint_and_kept_whole_without() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orb.sqlite");
    let running = start(&path, |o| o.hint = Some(DatasetName::from("wifi_link_1m"))).await;
    assert_eq!(
        post(&running.local_url(), WIFI_JSONL, false).await.status(),
        StatusCode::OK
    );
    running.shutdown().await.unwrap();
    let running = start(&path, |_| {}).await;
    assert_eq!(
        post(&running.local_url(), WIFI_JSONL, false).await.status(),
        StatusCode::OK
    );
    running.shutdown().await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(count(&conn, "SELECT count(*) FROM wifi_link"), 2);
    assert_eq!(
        count(&conn, "SELECT count(*) FROM wifi_link WHERE rssi_avg = -52"),
        1
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM other_records WHERE family = 'wifi_link'"
        ),
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_store_answers_503_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orb.sqlite");
    let running = start(&path, |o| o.commit_wait = Duration::from_secs(5)).await;
    let url = running.local_url();
    let (_, jsonl, _) = FIXTURES[3];
    // Someone holds the write lock (a person's sqlite3 session, a backup).
    let locker = rusqlite::Connection::open(&path).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let answer = post(&url, jsonl, false).await;
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(answer.headers().contains_key("retry-after"));
    assert!(running.stats().failed_commits >= 1);
    assert!(running.stats().last_error.unwrap().contains("locked"));
    // The lock goes; the device sends the same records again and they are stored.
    locker.execute_batch("COMMIT").unwrap();
    assert_eq!(post(&url, jsonl, false).await.status(), StatusCode::OK);
    let summary = running.shutdown().await.unwrap();
    assert_eq!(summary.ingest.stored, 2);
    assert_eq!(summary.receiver.not_committed, 1);
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(count(&conn, "SELECT count(*) FROM speed"), 2);
}
