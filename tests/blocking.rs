//! The blocking client (feature `blocking`) against wiremock on 127.0.0.1, driven from a plain
//! thread as a script would.
#![cfg(feature = "blocking")]

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn a_script_lists_organizations_and_devices() {
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let server = server_rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v2/organizations"))
            .and(header("authorization", "Bearer orb-ok1-blocking"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!([{"organization_id": "o1"}])),
            )
            .mount(&server)
            .await;
        Mock::given(path("/api/v2/organization/o1/devices"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([{"orb_id": "d1", "is_connected": 1}])),
            )
            .mount(&server)
            .await;
        server
    });
    let inner = orb_cloud::OrbCloud::builder()
        .api_key("orb-ok1-blocking")
        .base_url(server.uri())
        .build()
        .unwrap();
    let client = orb_cloud::blocking::OrbCloud::from_async(inner).unwrap();
    let orgs = client.list_organizations().unwrap();
    let devices = client
        .list_devices(orgs[0].organization_id.as_deref().unwrap())
        .unwrap();
    assert!(devices[0].is_connected());
    let e = client.list_devices("missing").unwrap_err();
    assert_eq!(e.status(), Some(404));
}
