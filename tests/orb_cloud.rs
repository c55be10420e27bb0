//! `OrbCloud` against wiremock on 127.0.0.1: every operation's method, path, auth header and exact
//! body; decoding of realistic answers (both device wire shapes); errors as people read them.

use orb_cloud::{
    DatasetTarget, DeviceConfig, Error, Evidence, OrbCloud, Permission, PushFormat, RetryPolicy,
    SpeedTest, TempDatasets,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "orb-ok1-Secret-Key-0123456789abcdef";

async fn client(server: &MockServer) -> OrbCloud {
    client_at(&server.uri())
}

/// Settings for a client of `base_url` that does not retry.
fn builder_at(base_url: &str) -> orb_cloud::OrbCloudBuilder {
    OrbCloud::builder()
        .api_key(KEY)
        .base_url(base_url)
        .retry(RetryPolicy::disabled())
}

/// A client of `base_url` that does not retry.
fn client_at(base_url: &str) -> OrbCloud {
    builder_at(base_url).build().unwrap()
}

fn auth() -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", format!("Bearer {KEY}").as_str())
}

/// The body must be absent (no `Content-Type`, zero length).
fn no_body(request: &Request) -> bool {
    request.body.is_empty()
}

#[tokio::test]
async fn list_organizations() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations"))
        .and(auth())
        .and(header(
            "user-agent",
            concat!("orb-cloud-rust/", env!("CARGO_PKG_VERSION")),
        ))
        .and(no_body)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "organization_id": "org1", "name": "Acme", "flags": null, "roles": ["admin"],
            "plan": {"name": "pro", "limits": {"devices": 100}, "features": null},
            "manager": {"name": "Partner", "organization_id": "mgr"}, "brand_new_field": {"x": 1}
        }])))
        .expect(1)
        .mount(&server)
        .await;
    let orgs = client(&server).await.organizations().list().await.unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].organization_id.as_deref(), Some("org1"));
    assert_eq!(
        orgs[0]
            .plan
            .as_ref()
            .unwrap()
            .limits
            .as_ref()
            .unwrap()
            .devices,
        Some(100)
    );
    assert_eq!(orgs[0].roles, Some(vec!["admin".to_string()]));
}

#[tokio::test]
async fn list_devices_decodes_both_wire_shapes() {
    let server = MockServer::start().await;
    let devices = json!([
        {   // As Orb's own Python client parses it.
            "orb_id": "cjwbntmuy97ta4rx3mbrjf2gj8j7", "name": "hardy-house", "is_connected": 1,
            "is_connected_updated_at": 1757368500851_i64, "created_ts": 1757368560803_i64,
            "tags": ["dt=Default Configuration"],
            "config": {"datasets.datasets": ["responsiveness_1s", "speed_results"],
                       "datasets.push": ["scores_1m", "format=json", "url=http://h:7081/ingest"]},
            "summary": {"version": "0.1.0", "created_ts": 1757391432134_i64,
                "tags": {"geoip": {"city": "Kirkland", "state": "Washington", "country": "United States",
                                   "isp_name": "Comcast Cable", "latitude": 47.6784, "longitude": -122.1857, "country_code": "US"},
                         "device_info": {"name": "hardy-nca1515", "version": "v1.2.3", "cpu_count": 4, "operating_system": "linux"},
                         "network_interface": {"name": "", "type": "Ethernet", "local_ip": "192.168.207.172", "mac_address": "00:90:0b:a5:de:2a"}},
                "orb_score": {"score": 0.8283297399160232, "display": 91, "included": true, "duration_ms": 60000, "score_version": "1.2.0",
                    "components": {
                        "responsiveness_score": {"display": 95, "components": {"internet_lag_us": {"value": 38965.44888204175}}},
                        "bandwidth_score": {"display": 80, "components": {"download_bandwidth_kbps": {"value": 518022.0}}}}},
                "orb_scores": [{"display": 90, "duration_ms": 3600000}]}
        },
        {   // As the generated schema describes it, with Go's nils.
            "orb_id": "dc9t7y9xry3hmtka859p92agqe5m", "name": "office", "is_connected": 0,
            "is_connected_updated_at": "2026-09-08T21:55:00Z", "tags": {"dt": "Default"}, "config": null,
            "summary": null, "links": null, "relationship": "owner", "has_stale_config": false,
            "configuration_id": "cfg1", "unknown": [1, 2]
        }
    ]);
    Mock::given(method("GET"))
        .and(path("/api/v2/organization/org%2F1/devices"))
        .and(auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(devices))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server).await;
    let devices = client.organization("org/1").devices().list().await.unwrap();
    let [a, b] = devices.as_slice() else {
        panic!("two devices")
    };
    assert!(a.is_connected() && !b.is_connected());
    assert_eq!(
        a.is_connected_updated_at.unwrap().to_string(),
        "2025-09-08T21:55:00.851Z"
    );
    assert_eq!(
        b.is_connected_updated_at.unwrap().to_string(),
        "2026-09-08T21:55:00.000Z"
    );
    assert_eq!(a.tags, ["dt=Default Configuration"]);
    assert_eq!(b.tags, ["dt=Default"]);
    assert_eq!(a.config.push().unwrap().get("format"), Some("json"));
    assert!(b.config.is_empty() && b.summary.is_none() && b.links.is_empty());
    let score = a.orb_score().unwrap();
    assert_eq!(score.display, Some(91));
    assert_eq!(
        score.component("responsiveness_score").unwrap().display,
        Some(95)
    );
    assert_eq!(
        score.find("download_bandwidth_kbps").unwrap().value,
        Some(518022.0)
    );
    assert_eq!(a.geoip().unwrap().city.as_deref(), Some("Kirkland"));
    let summary = a.summary.as_ref().unwrap();
    assert_eq!(
        summary
            .tags
            .as_ref()
            .unwrap()
            .network_interface
            .as_ref()
            .unwrap()
            .kind
            .as_deref(),
        Some("Ethernet")
    );
    assert_eq!(summary.orb_scores[0].duration_ms, Some(3_600_000));
}

#[tokio::test]
async fn list_configurations() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organization/org1/configurations"))
        .and(auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "cfg1", "name": "Default", "devices": 12, "is_revoked": false, "config": {"datasets.api": ["port=7080"]}, "tags": ["a"], "created_at": 1757368560803_i64}
        ])))
        .expect(1)
        .mount(&server)
        .await;
    let configs = client(&server)
        .await
        .organization("org1")
        .configurations()
        .await
        .unwrap();
    assert_eq!(configs[0].devices, Some(12));
    assert_eq!(
        configs[0].config,
        Some(json!({"datasets.api": ["port=7080"]}))
    );
}

#[tokio::test]
async fn device_configuration_get_patch_reset() {
    let server = MockServer::start().await;
    let base = "/api/v2/organization/org1/devices/orb1/configuration";
    Mock::given(method("GET"))
        .and(path(base))
        .and(auth())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"datasets.api": ["port=7080", "scores_1m"]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut patch = DeviceConfig::default();
    patch.set_push(
        &DatasetTarget::new(["scores_1m"])
            .option("url", "http://h:7081/ingest")
            .option("format", "json"),
    );
    Mock::given(method("PATCH"))
        .and(path(base))
        .and(auth())
        .and(body_json(
            json!({"datasets.push": ["scores_1m", "format=json", "url=http://h:7081/ingest"]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(base))
        .and(auth())
        .and(body_json(json!({"configuration_id": "cfg2"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    // Without a fallback, the body is the spec's request with no field set (progenitor always
    // sends an optional body).
    Mock::given(method("DELETE"))
        .and(path(base))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server).await;
    let org = client.organization("org1");
    let device = org.device("orb1");
    let config = device.config().get().await.unwrap();
    assert_eq!(config.api().unwrap().get("port"), Some("7080"));
    assert_eq!(device.config().patch(&patch).await.unwrap()["status"], "ok");
    device.config().reset(Some("cfg2")).await.unwrap();
    device.config().reset(None).await.unwrap();
}

#[tokio::test]
async fn temp_datasets_v2_and_v1_send_the_documented_body() {
    let server = MockServer::start().await;
    let body = json!({"duration": "5m", "datasets_config": {"enabled": true, "datasets": ["responsiveness_1s", "scores_1s"],
        "push": {"enabled": true, "url": "https://example.com/orb", "datasets": ["responsiveness_1s", "scores_1s"], "format": "json", "interval_ms": 500}}});
    for p in [
        "/api/v2/organization/org1/devices/orb1/temp-datasets",
        "/api/v1/device/orb1/temp-datasets",
    ] {
        Mock::given(method("POST"))
            .and(path(p))
            .and(auth())
            .and(body_json(&body))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server).await;
    let request = TempDatasets::push_to(
        "https://example.com/orb",
        ["responsiveness_1s", "scores_1s"],
        "5m".parse().unwrap(),
    )
    .format(PushFormat::Json)
    .interval(std::time::Duration::from_millis(500));
    let org = client.organization("org1");
    assert_eq!(
        org.device("orb1").temp_datasets(&request).await.unwrap()["ok"],
        true
    );
    assert_eq!(
        client.device("orb1").temp_datasets(&request).await.unwrap()["ok"],
        true
    );
}

#[tokio::test]
async fn bad_temp_datasets_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = client(&server).await;
    let org = client.organization("org1");
    let no_datasets = TempDatasets::push_to(
        "https://example.com",
        Vec::<&str>::new(),
        "5m".parse().unwrap(),
    );
    let bad_url = TempDatasets::push_to("ftp://example.com", ["scores_1s"], "5m".parse().unwrap());
    for request in [no_datasets, bad_url] {
        let err = org
            .device("orb1")
            .temp_datasets(&request)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn speed_tests_v2_org_and_device() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/api/v2/organization/org1/devices/orb1/trigger-speedtest/content",
        ))
        .and(auth())
        .and(no_body)
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"test_uuid": "u1", "extra": 1})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/device/orb1/trigger-speedtest/top"))
        .and(auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"in_progress_test_type": "content", "in_progress_test_uuid": "u0"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server).await;
    let started = client
        .organization("org1")
        .device("orb1")
        .speed_test(SpeedTest::Content)
        .await
        .unwrap();
    assert_eq!(started.test_uuid.as_deref(), Some("u1"));
    assert_eq!(started.raw["extra"], 1);
    let busy = client
        .device("orb1")
        .speed_test(SpeedTest::Top)
        .await
        .unwrap();
    assert_eq!(busy.in_progress_test_uuid.as_deref(), Some("u0"));
}

#[tokio::test]
async fn raw_request_escape_hatch_and_generated_client_share_auth() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/organizations"))
        .and(auth())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"organization_id": "org1"}])),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = client(&server).await;
    let raw: serde_json::Value = client
        .request(reqwest::Method::GET, "api/v2/organizations")
        .send_json()
        .await
        .unwrap();
    assert_eq!(raw[0]["organization_id"], "org1");
    let generated = client
        .raw()
        .get_v2_organizations()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(generated[0].organization_id.as_deref(), Some("org1"));
}

fn error_body(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(body)
        .insert_header("x-request-id", "req-42")
}

#[tokio::test]
async fn errors_say_what_happened_and_what_to_do() {
    let server = MockServer::start().await;
    let cases: Vec<(&str, ResponseTemplate)> = vec![
        (
            "/api/v2/organizations",
            error_body(
                401,
                json!({"message": "invalid token", "code": "UNAUTHORIZED"}),
            ),
        ),
        (
            "/api/v2/organization/o403/devices",
            error_body(
                403,
                json!({"error": {"code": "FORBIDDEN", "message": "missing permission", "details": {"need": "devices:read"}}}),
            ),
        ),
        (
            "/api/v2/organization/o404/devices",
            error_body(
                404,
                json!({"message": "Invalid organization ID", "code": "INVALID_ORG_ID"}),
            ),
        ),
        (
            "/api/v2/organization/o429/devices",
            ResponseTemplate::new(429)
                .insert_header("retry-after", "7")
                .set_body_string("slow down"),
        ),
        (
            "/api/v2/organization/o500/devices",
            ResponseTemplate::new(500).set_body_string("<html>oops</html>"),
        ),
        (
            "/api/v2/organization/obad/devices",
            ResponseTemplate::new(200).set_body_string(
                r#"[{"orb_id": "a", "summary": {"orb_score": {"display": "high"}}}]"#,
            ),
        ),
    ];
    for (p, response) in cases {
        Mock::given(path(p))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    let client = client(&server).await;

    let e = client.organizations().list().await.unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }));
    assert_eq!(
        e.to_string(),
        "list organizations: Orb Cloud rejected the API key (HTTP 401): it is wrong, revoked or expired; check it in Orb Cloud under Orchestration > API Keys; Orb says \"invalid token\" (UNAUTHORIZED); request id req-42"
    );

    let e = client
        .organization("o403")
        .devices()
        .list()
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Forbidden {
            permission: Some((Permission::DevicesRead, Evidence::Documented)),
            ..
        }
    ));
    assert_eq!(
        e.to_string(),
        "list devices: the API key is not allowed to do this (HTTP 403): give the key the \"Devices: Read\" permission; Orb says \"missing permission\" (FORBIDDEN); details: {\"need\":\"devices:read\"}; request id req-42"
    );

    let e = client
        .organization("o404")
        .devices()
        .list()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.api().unwrap().code.as_deref(), Some("INVALID_ORG_ID"));
    assert!(e.to_string().contains("not found (HTTP 404)"), "{e}");

    let e = client
        .organization("o429")
        .devices()
        .list()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }));
    assert_eq!(
        e.api().unwrap().retry_after,
        Some(std::time::Duration::from_secs(7))
    );
    assert!(
        e.to_string().contains(
            "rate limited by Orb Cloud (HTTP 429): retry after 7s; the body starts with: slow down"
        ),
        "{e}"
    );

    let e = client
        .organization("o500")
        .devices()
        .list()
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "list devices: Orb Cloud answered HTTP 500; the body starts with: <html>oops</html>"
    );

    let e = client
        .organization("obad")
        .devices()
        .list()
        .await
        .unwrap_err();
    let Error::Decode { path, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(path, "[0].summary.orb_score.display");
    assert!(
        e.to_string().starts_with(
            "list devices: the response could not be decoded at `[0].summary.orb_score.display`: "
        ),
        "{e}"
    );
    assert!(
        e.to_string().contains("the body starts with: [{\"orb_id\""),
        "{e}"
    );
}

#[tokio::test]
async fn transport_errors_are_distinct_and_name_the_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = OrbCloud::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let e = client.organizations().list().await.unwrap_err();
    let Error::Transport { connect, url, .. } = &e else {
        panic!("{e}")
    };
    assert!(*connect);
    assert_eq!(
        url,
        &format!("http://127.0.0.1:{port}/api/v2/organizations")
    );
    assert!(e.to_string().starts_with(&format!("list organizations: could not talk to Orb Cloud at http://127.0.0.1:{port}/api/v2/organizations: ")), "{e}");
}

#[test]
fn builder_refuses_bad_settings_with_clear_messages() {
    let e = OrbCloud::builder().api_key("   ").build().unwrap_err();
    assert!(
        e.to_string()
            .starts_with("no Orb Cloud API key (the key given is empty)"),
        "{e}"
    );
    let e = OrbCloud::builder()
        .api_key(format!("{KEY}\n"))
        .base_url("ftp://x")
        .build()
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("must start with http:// or https://"),
        "{e}"
    );
    let e = OrbCloud::builder()
        .api_key("orb-ok1-a\u{7f}b")
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::InvalidApiKey), "{e}");
    let e = OrbCloud::builder()
        .api_key(KEY)
        .base_url("not a url")
        .build()
        .unwrap_err();
    assert!(
        e.to_string().starts_with("invalid base URL \"not a url\""),
        "{e}"
    );
    let c = OrbCloud::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9/")
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:9");
}

#[tokio::test]
async fn fleet_lists_every_organization_and_reports_failures_beside_the_rest() {
    use futures_util::StreamExt;
    let server = MockServer::start().await;
    let orgs: Vec<serde_json::Value> = (0..12)
        .map(|i| json!({"organization_id": format!("org{i}"), "name": format!("Org {i}")}))
        .collect();
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(orgs))
        .mount(&server)
        .await;
    for i in 0..12 {
        let response = if i == 5 {
            error_body(403, json!({"message": "no"}))
        } else {
            ResponseTemplate::new(200)
                .set_body_json(json!([{"orb_id": format!("d{i}a")}, {"orb_id": format!("d{i}b")}]))
        };
        Mock::given(path(format!("/api/v2/organization/org{i}/devices")))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server).await;
    let items: Vec<_> = client
        .fleet()
        .concurrency(4)
        .devices()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(items.len(), 12);
    let mut ok = 0;
    for item in &items {
        match (&item.organization.organization_id.as_deref(), &item.devices) {
            (Some("org5"), Err(Error::Forbidden { .. })) => {}
            (Some(id), Ok(devices)) => {
                ok += 1;
                let n = id.trim_start_matches("org");
                assert_eq!(
                    devices
                        .iter()
                        .map(|d| d.orb_id.as_str())
                        .collect::<Vec<_>>(),
                    [format!("d{n}a"), format!("d{n}b")]
                );
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ok, 11);
}

#[test]
fn clients_are_send_sync_and_clone() {
    fn assert<T: Send + Sync + Clone + 'static>() {}
    fn send_sync<T: Send + Sync + std::error::Error + 'static>() {}
    assert::<OrbCloud>();
    assert::<orb_cloud::api::Client>();
    assert::<orb_cloud::Device>();
    send_sync::<Error>();
    let a = OrbCloud::new(KEY).unwrap();
    let b = a.clone();
    assert_eq!(a.base_url(), b.base_url());
}

/// Reads a request's status line and headers; false if the client hung up (or failed) first.
async fn read_request_head(socket: &mut tokio::net::TcpStream) -> bool {
    use tokio::io::AsyncReadExt;
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(n) if n > 0 => request.extend_from_slice(&buf[..n]),
            _ => return false,
        }
    }
    true
}

/// One HTTP/1.1 answer, written by hand on 127.0.0.1: `body` as chunked transfer encoding in
/// pieces of `piece` bytes, and the terminating chunk only when `complete`.
async fn chunked_server(body: Vec<u8>, piece: usize, complete: bool) -> String {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        assert!(
            read_request_head(&mut socket).await,
            "the client hung up before sending its request"
        );
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        for part in body.chunks(piece) {
            let mut chunk = format!("{:x}\r\n", part.len()).into_bytes();
            chunk.extend_from_slice(part);
            chunk.extend_from_slice(b"\r\n");
            if socket.write_all(&chunk).await.is_err() {
                return;
            }
        }
        if complete {
            let _ = socket.write_all(b"0\r\n\r\n").await;
        }
        let _ = socket.shutdown().await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_large_listing_arriving_in_small_pieces_decodes_as_a_whole() {
    // 3,000 devices (about 1.5 MB) in 997-byte chunks: elements, strings and numbers are cut at
    // every kind of place, and the listing is decoded while it arrives.
    let devices: Vec<serde_json::Value> = (0..3000)
        .map(|i| {
            json!({
                "orb_id": format!("orb{i:025}"), "name": format!("desk \"{i}\" \\ ünïcode"),
                "is_connected": i % 2, "created_ts": 1757368560803_i64 + i,
                "tags": ["dt=Default Configuration", format!("floor={}", i % 9)],
                "summary": {"orb_score": {"score": 0.8283297399160232, "display": 91,
                    "components": {"responsiveness_score": {"display": 95, "components":
                        {"internet_lag_us": {"value": 38965.44888204175 + i as f64}}}}},
                    "orb_scores": [{"display": 90, "duration_ms": 3600000}]},
                "unknown": {"nested": [1, 2e-3, {"x": null}]}
            })
        })
        .collect();
    let body = serde_json::to_vec_pretty(&devices).unwrap();
    let expected: Vec<orb_cloud::Device> = serde_json::from_slice(&body).unwrap();
    let client = client_at(&chunked_server(body, 997, true).await);
    let got = client.organization("o").devices().list().await.unwrap();
    assert_eq!(got.len(), 3000);
    assert_eq!(got, expected);
    assert_eq!(got[2999].name, "desk \"2999\" \\ ünïcode");
}

#[tokio::test]
async fn a_bad_element_deep_in_a_large_listing_is_named_and_comes_first() {
    // 4,000 devices in many batches (decoded in parallel where there are several cores): a bad
    // field in element 2,500 and a structural fault near the end. Whole-body decoding would
    // report the bad field first, and so must the listing, with the element's index.
    let mut devices: Vec<serde_json::Value> = (0..4000)
        .map(|i| json!({"orb_id": format!("orb{i:025}"), "name": "x".repeat(300), "is_connected": 1}))
        .collect();
    devices[2500]["created_ts"] = json!({"not": "a time"});
    let mut body = serde_json::to_vec(&devices).unwrap();
    let at = body.len() - 40;
    body.insert(at, b'}');
    for piece in [4096, 65536] {
        let client = client_at(&chunked_server(body.clone(), piece, true).await);
        match client.organization("o").devices().list().await {
            Err(Error::Decode { path, .. }) => assert_eq!(path, "[2500].created_ts"),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_listing_cut_off_mid_array_is_an_error_not_a_shorter_list() {
    let cut_in_an_element = br#"[{"orb_id": "a", "name": "one"}, {"orb_id": "b", "na"#;
    let cut_between_elements = br#"[{"orb_id": "a", "name": "one"},"#;
    for body in [&cut_in_an_element[..], &cut_between_elements[..]] {
        let client = client_at(&chunked_server(body.to_vec(), 7, false).await);
        let e = client.organization("o").devices().list().await.unwrap_err();
        assert!(
            matches!(e, Error::Transport { .. } | Error::Decode { .. }),
            "{e:?}"
        );
    }
}

/// A server on 127.0.0.1 that answers every connection with `head` (status line and headers) and
/// the start of a body, then sends nothing more until the client hangs up.
async fn stalling_server(head: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                if !read_request_head(&mut socket).await {
                    return;
                }
                let answer = format!("{head}\r\n\r\n[{{\"organization_id\": \"org1\"}}, ");
                if socket.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
                // Hold the connection until the client gives up on it.
                let mut buf = [0u8; 4096];
                while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    format!("http://{addr}")
}

/// A client of `base_url` that does not retry and allows each attempt `timeout`.
fn impatient_client(base_url: &str, timeout: std::time::Duration) -> OrbCloud {
    builder_at(base_url)
        .attempt_timeout(timeout)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_body_that_stops_arriving_times_out_on_every_path() {
    let timeout = std::time::Duration::from_millis(150);
    // A small answer of known length (read whole), a large one (decoded while it arrives), and
    // one of unknown length.
    for head in [
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000",
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000000",
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close",
    ] {
        let client = impatient_client(&stalling_server(head).await, timeout);
        let started = std::time::Instant::now();
        // A bound of its own, so that a limit not kept fails the test instead of hanging it.
        let e = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            client.organizations().list(),
        )
        .await
        .expect("the attempt's time limit was not kept")
        .unwrap_err();
        assert!(started.elapsed() >= timeout, "{head}: {e}");
        let Error::Timeout {
            timeout: reported,
            retried_unsafe: false,
            ..
        } = &e
        else {
            panic!("{head}: {e}")
        };
        assert_eq!(*reported, timeout);
        assert!(e.to_string().contains("raise the timeout"), "{e}");
    }
    // The escape hatches hand the answer on unread; its body is still held to the limit.
    let base = stalling_server("HTTP/1.1 200 OK\r\ncontent-length: 1000").await;
    let client = impatient_client(&base, timeout);
    let response = client
        .request(reqwest::Method::GET, "api/v2/organizations")
        .send()
        .await
        .unwrap();
    let e = response.bytes().await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    let e = client
        .raw()
        .get_v2_organizations()
        .send()
        .await
        .unwrap_err();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    let timed_out = std::iter::from_fn(|| {
        let this = cause?;
        cause = this.source();
        Some(this)
    })
    .any(|c| {
        c.downcast_ref::<reqwest::Error>()
            .is_some_and(|r| r.is_timeout())
    });
    assert!(timed_out, "{e}");
}

#[tokio::test]
async fn an_error_answer_whose_body_stalls_is_still_reported() {
    let base = stalling_server("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 1000").await;
    let client = impatient_client(&base, std::time::Duration::from_millis(100));
    let e = client.organizations().list().await.unwrap_err();
    assert_eq!(e.status(), Some(503), "{e}");
}

#[tokio::test]
async fn a_lenient_listing_keeps_the_good_devices_and_names_each_one_left_out() {
    // 2,000 devices (well over one 128 KiB batch, so batches are decoded apart): one with a
    // retyped field, one that is not even an object, one with a bad field and no readable id.
    let mut devices: Vec<serde_json::Value> = (0..2000)
        .map(|i| json!({"orb_id": format!("orb{i:025}"), "name": "y".repeat(200), "is_connected": 1}))
        .collect();
    devices[3]["is_connected"] = json!("maybe");
    devices[1200] = json!([1, 2, 3]);
    devices[1999] = json!({"orb_id": 17, "summary": {"orb_score": {"display": "high"}}});
    let body = serde_json::to_vec(&devices).unwrap();
    assert!(body.len() > 3 * 128 * 1024);
    for piece in [1000, 65536] {
        let client = client_at(&chunked_server(body.clone(), piece, true).await);
        let listing = client
            .organization("o")
            .devices()
            .list_lenient()
            .await
            .unwrap();
        assert_eq!(listing.items.len(), 1997);
        let kept: Vec<&str> = listing.items.iter().map(|d| d.orb_id.as_str()).collect();
        assert_eq!(kept[3], format!("orb{:025}", 4));
        assert!(!kept.contains(&format!("orb{:025}", 1200).as_str()));
        let skipped: Vec<(usize, Option<&str>)> = listing
            .skipped
            .iter()
            .map(|s| (s.index, s.id.as_deref()))
            .collect();
        let third = format!("orb{:025}", 3);
        assert_eq!(
            skipped,
            [(3, Some(third.as_str())), (1200, None), (1999, None)]
        );
        let first = &listing.skipped[0];
        let Error::Decode { path, .. } = &first.error else {
            panic!("{:?}", first.error)
        };
        assert_eq!(path, "[3].is_connected");
        assert!(first.to_string().contains("element 3 ("), "{first}");
        assert!(
            std::error::Error::source(first).is_some(),
            "the decode error is the cause"
        );
        // The strict listing of the same body fails at the first of them.
        let client = client_at(&chunked_server(body.clone(), piece, true).await);
        match client.organization("o").devices().list().await {
            Err(Error::Decode { path, .. }) => assert_eq!(path, "[3].is_connected"),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
    // A body that is not valid JSON is not made lenient.
    let client =
        client_at(&chunked_server(br#"[{"orb_id": "a"}, {"orb_id": ]"#.to_vec(), 5, true).await);
    let e = client
        .organization("o")
        .devices()
        .list_lenient()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
}
