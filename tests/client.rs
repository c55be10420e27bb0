//! The generated client as `orb_cloud::api` exposes it, against wiremock on 127.0.0.1: bearer
//! auth, base URL, paths, bodies, and decoding of both device wire shapes.

use orb_cloud::api::{types, Client};
use orb_cloud::Error;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "orb-ok1-test-secret-0123456789";

/// A device as the generated schema describes it (tags an object, timestamps as strings, Go nils).
fn device_generated_shape() -> serde_json::Value {
    json!({
        "orb_id": "cjwbntmuy97ta4rx3mbrjf2gj8j7", "name": "hardy-house", "is_connected": 1,
        "is_connected_updated_at": "2026-09-08T21:55:00Z", "links": null, "tags": {"dt": "Default"},
        "config": null, "summary": {}, "relationship": "owner", "configuration_id": "cfg1",
        "has_stale_config": false, "can_notify": true, "some_future_field": [1, 2, 3]
    })
}

/// A device as Orb's own Python client parses it (its hand-written model).
fn device_client_shape() -> serde_json::Value {
    json!({
        "orb_id": "dc9t7y9xry3hmtka859p92agqe5m", "name": "office", "is_connected": 0,
        "is_connected_updated_at": 1757368500851_i64, "created_ts": 1757368560803_i64,
        "tags": ["dt=Default Configuration"],
        "config": {"datasets.datasets": ["responsiveness_1s", "speed_results"]},
        "summary": {"version": "0.1.0", "orb_score": {"display": 91, "score": 0.83}},
        "links": [{"relationship": "owner", "organization": {"organization_id": "org1", "bandwidth_tier": "commercial"}}]
    })
}

#[tokio::test]
async fn lists_devices_with_bearer_auth_and_decodes_both_wire_shapes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organization/org1/devices"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([device_generated_shape(), device_client_shape()])),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::with_api_key(&format!("{}/", server.uri()), KEY).unwrap();
    let devices = client
        .get_v2_organization_devices()
        .organization_id("org1")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(devices.len(), 2);
    assert_eq!(
        devices[0].orb_id.as_deref(),
        Some("cjwbntmuy97ta4rx3mbrjf2gj8j7")
    );
    assert!(
        devices[0].links.is_none(),
        "Go's null slice decodes as None"
    );
    assert_eq!(
        devices[0].is_connected_updated_at,
        Some(
            types::ServerOrganizationDeviceResponseIsConnectedUpdatedAt::String(
                "2026-09-08T21:55:00Z".into()
            )
        )
    );
    assert_eq!(
        devices[1].is_connected_updated_at,
        Some(types::ServerOrganizationDeviceResponseIsConnectedUpdatedAt::Int64(1757368500851))
    );
    assert_eq!(devices[1].tags, Some(json!(["dt=Default Configuration"])));
    assert_eq!(
        devices[1].config.as_ref().unwrap()["datasets.datasets"],
        json!(["responsiveness_1s", "speed_results"])
    );
    let link = &devices[1].links.as_ref().unwrap()[0];
    assert_eq!(
        link.organization
            .as_ref()
            .unwrap()
            .bandwidth_tier
            .as_ref()
            .unwrap()
            .as_str(),
        "commercial"
    );
}

#[tokio::test]
async fn temp_datasets_sends_the_documented_body() {
    let server = MockServer::start().await;
    let body = json!({"duration": "5m", "datasets_config": {"enabled": true, "datasets": ["responsiveness_1s", "scores_1s"],
        "push": {"enabled": true, "url": "https://example.com/orb", "datasets": ["responsiveness_1s", "scores_1s"], "format": "json", "interval_ms": 500}}});
    Mock::given(method("POST"))
        .and(path("/api/v2/organization/org1/devices/orb1/temp-datasets"))
        .and(body_json(&body))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::with_api_key(&server.uri(), KEY).unwrap();
    let request: types::ServerDatasetsRequest = serde_json::from_value(body.clone()).unwrap();
    let answer = client
        .post_v2_organization_devices_temp_datasets()
        .organization_id("org1")
        .orb_id("orb1")
        .body(request)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer["ok"], json!(true));
}

#[tokio::test]
async fn speed_test_path_uses_the_test_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/device/orb1/trigger-speedtest/top"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"test_uuid": "u1"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::with_api_key(&server.uri(), KEY).unwrap();
    let answer = client
        .post_v2_device_trigger_speedtest()
        .orb_id("orb1")
        .test_type(types::PostV2DeviceTriggerSpeedtestTestType::Top)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer["test_uuid"], json!("u1"));
}

#[test]
fn bad_keys_are_refused_without_showing_them() {
    assert!(matches!(
        Client::with_api_key("https://panel.orb.net", "  "),
        Err(Error::MissingApiKey { .. })
    ));
    let err = Client::with_api_key("https://panel.orb.net", "orb-ok1-secret\nvalue").unwrap_err();
    assert!(matches!(err, Error::InvalidApiKey));
    assert!(!err.to_string().contains("secret"), "{err}");
    assert!(!format!("{err:?}").contains("secret"));
}
