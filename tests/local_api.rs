//! The on-device Local API client against a stand-in Orb (wiremock on 127.0.0.1).

use std::time::Duration;

use futures_util::StreamExt;
use orb_cloud::datasets::Record;
use orb_cloud::local_api::{LocalApi, LocalApiError};
use orb_cloud::PushFormat;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SCORES: &str = concat!(
    r#"{"orb_id":"o1","timestamp":1756935043000,"orb_score":91.5,"responsiveness_score":88}"#,
    "\n",
    r#"{"orb_id":"o1","timestamp":1756935103000,"orb_score":90,"responsiveness_score":"bad"}"#,
    "\n",
);

#[tokio::test]
async fn fetch_types_records_by_the_dataset_asked_for_and_sends_the_caller_id() {
    let orb = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/datasets/scores_1m.jsonl"))
        .and(query_param("id", "dashboard"))
        .respond_with(ResponseTemplate::new(200).set_body_string(SCORES))
        .expect(1)
        .mount(&orb)
        .await;
    let api = LocalApi::new(&orb.uri()).unwrap().caller_id("dashboard");
    let outcome = api.fetch("scores_1m").await.unwrap();
    // No `dataset` field in these records: typed by the dataset they were asked for.
    assert_eq!(outcome.records.len(), 1);
    assert!(matches!(&outcome.records[0], Record::Scores(s) if s.orb_score == Some(91.5)));
    assert_eq!(outcome.errors.len(), 1);
    assert!(outcome.errors[0]
        .to_string()
        .contains("responsiveness_score"));
}

#[tokio::test]
async fn json_format_and_error_statuses() {
    let orb = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/datasets/speed_results.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"[{"orb_id":"o1","timestamp":1756935043000,"download_kbps":518022}]"#,
        ))
        .mount(&orb)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/datasets/wifi_link_1m.json"))
        .respond_with(ResponseTemplate::new(404).set_body_string("dataset not enabled"))
        .mount(&orb)
        .await;
    let api = LocalApi::new(&orb.uri()).unwrap().format(PushFormat::Json);
    let outcome = api.fetch("speed_results").await.unwrap();
    assert!(matches!(&outcome.records[0], Record::Speed(s) if s.download_kbps == Some(518022)));
    let err = api.fetch("wifi_link_1m").await.unwrap_err();
    assert!(matches!(err, LocalApiError::Status { status: 404, .. }));
    assert!(err.to_string().contains("dataset not enabled"), "{err}");
}

#[tokio::test]
async fn an_unreachable_orb_is_a_clear_error() {
    // A port nothing listens on: bind one, learn it, close it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let api = LocalApi::new(&addr.to_string()).unwrap();
    let err = api.fetch("scores_1m").await.unwrap_err();
    assert!(matches!(err, LocalApiError::Transport { .. }));
    assert!(err.to_string().contains("datasets.api"), "{err}");
}

#[tokio::test]
async fn poll_yields_new_records_and_keeps_going_after_errors() {
    let orb = MockServer::start().await;
    // First poll: the buffered records; then a failure; then nothing new.
    Mock::given(method("GET"))
        .and(path("/api/v2/datasets/scores_1m.jsonl"))
        .respond_with(ResponseTemplate::new(200).set_body_string(SCORES))
        .up_to_n_times(1)
        .mount(&orb)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/datasets/scores_1m.jsonl"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&orb)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v2/datasets/scores_1m.jsonl"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"orb_id":"o1","timestamp":1756935163000,"orb_score":89}"#),
        )
        .mount(&orb)
        .await;
    let api = LocalApi::new(&orb.uri()).unwrap();
    let items: Vec<_> = api
        .poll(["scores_1m"], Duration::from_millis(10))
        .take(4)
        .collect()
        .await;
    assert!(matches!(&items[0], Ok(Record::Scores(_))));
    match &items[1] {
        Err(LocalApiError::Record { raw, .. }) => {
            assert!(String::from_utf8_lossy(raw).contains("\"bad\""))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &items[2],
        Err(LocalApiError::Status { status: 503, .. })
    ));
    assert!(matches!(&items[3], Ok(r) if r.timestamp_ms() == Some(1756935163000)));
}

#[test]
fn addresses() {
    let url = |a: &str| {
        LocalApi::new(a)
            .unwrap()
            .url_for(&"scores_1m".into())
            .to_string()
    };
    assert_eq!(
        url("orb.local"),
        "http://orb.local:7080/api/v2/datasets/scores_1m.jsonl?id=orb-cloud-rs"
    );
    assert_eq!(
        url("10.0.0.5:9000"),
        "http://10.0.0.5:9000/api/v2/datasets/scores_1m.jsonl?id=orb-cloud-rs"
    );
    assert_eq!(
        url("https://orb.example/prefix/"),
        "https://orb.example/prefix/api/v2/datasets/scores_1m.jsonl?id=orb-cloud-rs"
    );
    assert!(LocalApi::new("").is_err());
    assert!(LocalApi::new("ftp://orb.local").is_err());
}
