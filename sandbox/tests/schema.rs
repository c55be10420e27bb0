//! Every sandbox answer validates against its schema in spec/openapi.json, and devices also have the
//! shape Orb's own Python client parses them with.

mod common;

use std::time::Duration;

use common::{client, response_schema, spec, spec_operations, validate};
use orb_cloud_sandbox::Sandbox;
use serde_json::{json, Value};

fn check_orb_score(s: &Value, at: &str, duration_ms: i64) {
    let score = s["score"].as_f64().unwrap_or_else(|| panic!("{at}.score"));
    assert!((0.0..=1.0).contains(&score), "{at}.score {score}");
    let display = s["display"]
        .as_i64()
        .unwrap_or_else(|| panic!("{at}.display"));
    assert!((0..=100).contains(&display), "{at}.display");
    assert_eq!(
        display,
        (score * 100.0).round() as i64,
        "{at}: display matches score"
    );
    assert!(s["included"].is_boolean(), "{at}.included");
    assert_eq!(s["duration_ms"], duration_ms, "{at}.duration_ms");
    assert_eq!(s["score_version"], "1.2.0", "{at}.score_version");
    if let Some(c) = s.get("components") {
        for (k, v) in c.as_object().expect("components object") {
            check_orb_score(v, &format!("{at}.{k}"), duration_ms);
        }
    } else {
        assert!(s["value"].is_number(), "{at}: a leaf has a value");
    }
}

/// The hand-written `Device` model of orb-cloud-client (models/generic.py).
fn check_hand_written_device(d: &Value) {
    let id = d["orb_id"].as_str().expect("orb_id");
    assert_eq!(id.len(), 28);
    assert!(id
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    assert!(d["name"].as_str().is_some_and(|n| !n.is_empty()), "name");
    assert!(
        d["is_connected"] == 0 || d["is_connected"] == 1,
        "is_connected 0/1"
    );
    assert!(d["is_connected_updated_at"].is_i64(), "epoch ms");
    assert!(d["created_ts"].is_i64());
    assert!(d["can_notify"].is_boolean());
    let tags = d["tags"].as_array().expect("tags list");
    assert!(tags.iter().all(Value::is_string));
    assert!(tags[0].as_str().unwrap().starts_with("dt="));
    match &d["config"] {
        Value::Null => assert_eq!(d["has_local_config_override"], false),
        Value::Object(m) => {
            assert_eq!(d["has_local_config_override"], true);
            for v in m.values() {
                assert!(v.as_array().unwrap().iter().all(Value::is_string));
            }
        }
        other => panic!("config {other}"),
    }
    let s = &d["summary"];
    assert!(s.is_object(), "summary required");
    let geo = &s["tags"]["geoip"];
    for k in ["city", "state", "country", "isp_name", "country_code"] {
        assert!(geo[k].is_string(), "geoip.{k}");
    }
    assert!(geo["latitude"].is_f64() && geo["longitude"].is_f64());
    let info = &s["tags"]["device_info"];
    assert!(info["name"].is_string() && info["version"].is_string() && info["cpu_count"].is_i64());
    assert!(info["full_name"].is_string() && info["operating_system"].is_string());
    let ni = &s["tags"]["network_interface"];
    for k in ["name", "type", "local_ip", "mac_address"] {
        assert!(ni[k].is_string(), "network_interface.{k}");
    }
    assert_eq!(s["version"], "0.1.0");
    assert!(s["created_ts"].is_i64());
    check_orb_score(&s["orb_score"], "orb_score", 60_000);
    let comps = s["orb_score"]["components"].as_object().unwrap();
    let mut keys: Vec<&str> = comps.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "bandwidth_score",
            "reliability_score",
            "responsiveness_score"
        ]
    );
    assert!(comps["bandwidth_score"]["components"]["download_bandwidth_kbps"]["value"].is_number());
    assert!(comps["bandwidth_score"]["components"]["upload_bandwidth_kbps"]["value"].is_number());
    assert!(comps["responsiveness_score"]["components"]["internet_lag_us"]["value"].is_number());
    assert!(comps["reliability_score"]["components"]["internet_loss_status"]["value"].is_number());
    let windows = s["orb_scores"].as_array().expect("orb_scores");
    assert!(!windows.is_empty());
    for (i, w) in windows.iter().enumerate() {
        let d = w["duration_ms"].as_i64().unwrap();
        check_orb_score(w, &format!("orb_scores[{i}]"), d);
    }
}

#[tokio::test]
async fn every_operation_answers_in_its_schema() {
    let sb = Sandbox::builder()
        .orgs(2)
        .devices(40)
        .seed(3)
        .api_key("k")
        .speed_test_duration(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let spec = spec();
    let base = sb.base_url();
    let c = client();
    let org = sb.fleet().organizations[0].clone();
    let dev = &org.devices[0];
    let other = &org.devices[1];
    let fallback = org
        .configurations
        .iter()
        .find(|c| !c.is_revoked)
        .unwrap()
        .id
        .clone();
    let temp = json!({
        "duration": "5m",
        "datasets_config": {"enabled": true, "datasets": ["scores_1s"],
            "push": {"enabled": true, "url": "http://127.0.0.1:9/ingest", "datasets": ["scores_1s"], "format": "json", "interval_ms": 500}}
    });
    // (method, spec path, concrete path, body)
    let calls: Vec<(&str, &str, String, Option<Value>)> = vec![
        (
            "GET",
            "/api/v2/organizations",
            "/api/v2/organizations".into(),
            None,
        ),
        (
            "GET",
            "/api/v2/organization/{organization_id}/devices",
            format!("/api/v2/organization/{}/devices", org.organization_id),
            None,
        ),
        (
            "POST",
            "/api/v1/device/{orb_id}/temp-datasets",
            format!("/api/v1/device/{}/temp-datasets", dev.orb_id),
            Some(temp.clone()),
        ),
        (
            "POST",
            "/api/v2/device/{orbID}/trigger-speedtest/{testType}",
            format!("/api/v2/device/{}/trigger-speedtest/content", dev.orb_id),
            None,
        ),
        (
            "GET",
            "/api/v1/organization/{organization_id}/configurations",
            format!(
                "/api/v1/organization/{}/configurations",
                org.organization_id
            ),
            None,
        ),
        (
            "GET",
            "/api/v2/organization/{organization_id}/devices/{orb_id}/configuration",
            format!(
                "/api/v2/organization/{}/devices/{}/configuration",
                org.organization_id, dev.orb_id
            ),
            None,
        ),
        (
            "PATCH",
            "/api/v2/organization/{organization_id}/devices/{orb_id}/configuration",
            format!(
                "/api/v2/organization/{}/devices/{}/configuration",
                org.organization_id, dev.orb_id
            ),
            Some(json!({"datasets.datasets": ["scores_1s", "speed_results"]})),
        ),
        (
            "DELETE",
            "/api/v2/organization/{organization_id}/devices/{orb_id}/configuration",
            format!(
                "/api/v2/organization/{}/devices/{}/configuration",
                org.organization_id, dev.orb_id
            ),
            Some(json!({"configuration_id": fallback})),
        ),
        (
            "POST",
            "/api/v2/organization/{organization_id}/devices/{orb_id}/temp-datasets",
            format!(
                "/api/v2/organization/{}/devices/{}/temp-datasets",
                org.organization_id, other.orb_id
            ),
            Some(temp.clone()),
        ),
        (
            "POST",
            "/api/v2/organization/{organization_id}/devices/{orb_id}/trigger-speedtest/{testType}",
            format!(
                "/api/v2/organization/{}/devices/{}/trigger-speedtest/top",
                org.organization_id, other.orb_id
            ),
            None,
        ),
    ];
    // The test covers exactly the spec's operations.
    let mut covered: Vec<(String, String)> = calls
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    covered.sort();
    assert_eq!(
        covered,
        spec_operations(&spec),
        "every operation of the spec, and no other"
    );

    for (method, spec_path, path, body) in &calls {
        let mut req = c
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth("k");
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200, "{method} {path}");
        assert!(resp
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let v: Value = resp.json().await.unwrap();
        let mut errs = Vec::new();
        validate(
            &spec,
            response_schema(&spec, spec_path, method),
            &v,
            "$",
            &mut errs,
        );
        assert!(errs.is_empty(), "{method} {spec_path}: {errs:#?}");
        match (*method, *spec_path) {
            ("GET", "/api/v2/organization/{organization_id}/devices") => {
                let list = v.as_array().unwrap();
                assert_eq!(list.len(), 40);
                for d in list {
                    check_hand_written_device(d);
                }
                // Devices with and without links, overrides and connection all occur.
                assert!(list.iter().any(|d| d["is_connected"] == 0));
                // The validator does catch a wrong type.
                let mut bad = v.clone();
                bad[0]["is_connected"] = json!("yes");
                bad[1]["links"] = json!([{"expiration_ts": "soon"}]);
                let mut errs = Vec::new();
                validate(
                    &spec,
                    response_schema(&spec, spec_path, method),
                    &bad,
                    "$",
                    &mut errs,
                );
                assert_eq!(errs.len(), 2, "{errs:?}");
            }
            ("GET", "/api/v1/organization/{organization_id}/configurations") => {
                for c in v.as_array().unwrap() {
                    assert!(c["config"].is_object(), "config is real JSON");
                    assert!(c["token"].as_str().unwrap().starts_with("orb-dt1-"));
                }
                let total: i64 = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["devices"].as_i64().unwrap())
                    .sum();
                assert_eq!(total, 40);
            }
            ("GET", "/api/v2/organizations") => {
                assert_eq!(v.as_array().unwrap().len(), 2);
                assert!(v[0]["plan"]["limits"]["devices"].is_i64());
            }
            (_, p) if p.contains("trigger-speedtest") => {
                let u = v["test_uuid"].as_str().unwrap();
                assert_eq!(u.len(), 36);
                assert_eq!(v["in_progress_test_uuid"], u);
                assert!(
                    v["in_progress_test_type"] == "content" || v["in_progress_test_type"] == "top"
                );
                // commands.SpeedtestCallback also validates.
                let mut errs = Vec::new();
                let cb = spec
                    .components
                    .as_ref()
                    .unwrap()
                    .schemas
                    .get("commands.SpeedtestCallback")
                    .unwrap()
                    .as_item()
                    .unwrap();
                validate(&spec, cb, &v, "$", &mut errs);
                assert!(errs.is_empty(), "{errs:?}");
            }
            _ => {}
        }
    }
    // Every device of every org, not only the first page of the first one.
    for org in &sb.fleet().organizations {
        let v: Value = c
            .get(format!(
                "{base}/api/v2/organization/{}/devices",
                org.organization_id
            ))
            .bearer_auth("k")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut errs = Vec::new();
        validate(
            &spec,
            response_schema(
                &spec,
                "/api/v2/organization/{organization_id}/devices",
                "GET",
            ),
            &v,
            "$",
            &mut errs,
        );
        assert!(errs.is_empty(), "{errs:#?}");
    }
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn errors_have_orbs_error_body() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(3)
        .api_key("k")
        .start()
        .await
        .unwrap();
    let c = client();
    let base = sb.base_url();
    for (path, status, code) in [
        ("/api/v2/organization/nope/devices", 404, "INVALID_ORG_ID"),
        (
            "/api/v1/organization/nope/configurations",
            404,
            "INVALID_ORG_ID",
        ),
        ("/api/v2/nothing/here", 404, "NOT_FOUND"),
    ] {
        let r = c
            .get(format!("{base}{path}"))
            .bearer_auth("k")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{path}");
        let v: Value = r.json().await.unwrap();
        common::assert_error_body(&v, code);
    }
    let r = c
        .put(format!("{base}/api/v2/organizations"))
        .bearer_auth("k")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    common::assert_error_body(&r.json().await.unwrap(), "METHOD_NOT_ALLOWED");
    sb.shutdown().await.unwrap();
}
