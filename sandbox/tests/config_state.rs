//! Configuration get/patch/reset change later reads; inputs are validated like a real server.

mod common;

use std::time::Duration;

use common::{assert_error_body, client, WAIT};
use orb_cloud_sandbox::{Sandbox, SandboxHandle};
use serde_json::{json, Value};

async fn call(sb: &SandboxHandle, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = client()
        .request(method.parse().unwrap(), format!("{}{path}", sb.base_url()))
        .bearer_auth(sb.api_key());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    let v = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, v)
}

fn listed<'a>(list: &'a Value, orb_id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|d| d["orb_id"] == orb_id)
        .unwrap()
}

#[tokio::test]
async fn patch_and_reset_change_later_reads() {
    let sb = Sandbox::builder()
        .orgs(2)
        .devices(20)
        .seed(5)
        .api_key("k")
        .start()
        .await
        .unwrap();
    let org = sb.fleet().organizations[0].clone();
    let dev = org
        .devices
        .iter()
        .find(|d| d.config_override.is_none())
        .unwrap()
        .clone();
    let o = &org.organization_id;
    let cfg_path = format!(
        "/api/v2/organization/{o}/devices/{}/configuration",
        dev.orb_id
    );
    let list_path = format!("/api/v2/organization/{o}/devices");

    let (s, before) = call(&sb, "GET", &cfg_path, None).await;
    assert_eq!(s, 200);
    let base_config = &org
        .configurations
        .iter()
        .find(|c| c.id == dev.configuration_id)
        .unwrap()
        .config;
    assert_eq!(before, serde_json::to_value(base_config).unwrap());
    let (_, list) = call(&sb, "GET", &list_path, None).await;
    assert_eq!(
        listed(&list, &dev.orb_id)["has_local_config_override"],
        false
    );
    assert_eq!(listed(&list, &dev.orb_id)["config"], Value::Null);

    // PATCH sets an override; GET and the listing follow.
    let patch = json!({"datasets.datasets": ["responsiveness_1s", "speed_results"], "orb.identifiable_level": ["full"]});
    let (s, after) = call(&sb, "PATCH", &cfg_path, Some(patch.clone())).await;
    assert_eq!(s, 200);
    assert_eq!(
        after["datasets.datasets"],
        json!(["responsiveness_1s", "speed_results"])
    );
    assert_eq!(after["orb.identifiable_level"], json!(["full"]));
    let (_, got) = call(&sb, "GET", &cfg_path, None).await;
    assert_eq!(got, after);
    let (_, list) = call(&sb, "GET", &list_path, None).await;
    let d = listed(&list, &dev.orb_id);
    assert_eq!(d["has_local_config_override"], true);
    assert_eq!(d["config"], patch);
    // Other devices are untouched; the other org too.
    let untouched = org
        .devices
        .iter()
        .find(|x| x.orb_id != dev.orb_id && x.config_override.is_none())
        .unwrap();
    assert_eq!(
        listed(&list, &untouched.orb_id)["has_local_config_override"],
        false
    );

    // A second PATCH merges; null removes a key from the override.
    let (_, after2) = call(
        &sb,
        "PATCH",
        &cfg_path,
        Some(json!({"orb.identifiable_level": null, "datasets.api": ["port=7080"]})),
    )
    .await;
    assert_eq!(after2["datasets.api"], json!(["port=7080"]));
    assert_eq!(
        after2["orb.identifiable_level"],
        base_config
            .get("orb.identifiable_level")
            .map(|v| json!(v))
            .unwrap_or(Value::Null)
    );
    let snap = sb.device_state(&dev.orb_id).unwrap();
    assert_eq!(snap.config_override.as_ref().unwrap().len(), 2);

    // DELETE without a body removes the override.
    let (s, reset) = call(&sb, "DELETE", &cfg_path, None).await;
    assert_eq!(s, 200);
    assert_eq!(reset, serde_json::to_value(base_config).unwrap());
    let (_, list) = call(&sb, "GET", &list_path, None).await;
    assert_eq!(
        listed(&list, &dev.orb_id)["has_local_config_override"],
        false
    );
    assert_eq!(listed(&list, &dev.orb_id)["config"], Value::Null);

    // DELETE with a configuration_id falls back to that configuration.
    let target = org
        .configurations
        .iter()
        .find(|c| c.id != dev.configuration_id && !c.is_revoked)
        .unwrap();
    let (_, counts_before) = call(
        &sb,
        "GET",
        &format!("/api/v1/organization/{o}/configurations"),
        None,
    )
    .await;
    let count_of = |v: &Value, id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["devices"]
            .as_i64()
            .unwrap()
    };
    let (s, fell_back) = call(
        &sb,
        "DELETE",
        &cfg_path,
        Some(json!({"configuration_id": target.id})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(fell_back, serde_json::to_value(&target.config).unwrap());
    let (_, list) = call(&sb, "GET", &list_path, None).await;
    let d = listed(&list, &dev.orb_id);
    assert_eq!(d["configuration_id"], target.id.as_str());
    assert_eq!(d["tags"][0], format!("dt={}", target.name));
    let (_, counts_after) = call(
        &sb,
        "GET",
        &format!("/api/v1/organization/{o}/configurations"),
        None,
    )
    .await;
    assert_eq!(
        count_of(&counts_after, &target.id),
        count_of(&counts_before, &target.id) + 1
    );
    assert_eq!(
        count_of(&counts_after, &dev.configuration_id),
        count_of(&counts_before, &dev.configuration_id) - 1
    );
    assert!(
        sb.wait_for(WAIT, |s| s
            .device_state(&dev.orb_id)
            .unwrap()
            .configuration_id
            == target.id)
            .await
    );

    // Unknown and revoked configurations.
    let (s, v) = call(
        &sb,
        "DELETE",
        &cfg_path,
        Some(json!({"configuration_id": "nope"})),
    )
    .await;
    assert_eq!(s, 404);
    assert_error_body(&v, "INVALID_CONFIGURATION_ID");
    if let Some(revoked) = org.configurations.iter().find(|c| c.is_revoked) {
        let (s, _) = call(
            &sb,
            "DELETE",
            &cfg_path,
            Some(json!({"configuration_id": revoked.id})),
        )
        .await;
        assert_eq!(s, 400);
    }
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_org_and_device_are_404() {
    let sb = Sandbox::builder()
        .orgs(2)
        .devices(3)
        .api_key("k")
        .start()
        .await
        .unwrap();
    let a = sb.fleet().organizations[0].clone();
    let b = sb.fleet().organizations[1].clone();
    let dev_a = &a.devices[0].orb_id;
    let cases = [
        (
            "GET",
            "/api/v2/organization/nope/devices".to_string(),
            "INVALID_ORG_ID",
        ),
        (
            "GET",
            "/api/v1/organization/nope/configurations".to_string(),
            "INVALID_ORG_ID",
        ),
        (
            "GET",
            format!("/api/v2/organization/nope/devices/{dev_a}/configuration"),
            "INVALID_ORG_ID",
        ),
        // A device of another organization is not found in this one.
        (
            "GET",
            format!(
                "/api/v2/organization/{}/devices/{dev_a}/configuration",
                b.organization_id
            ),
            "INVALID_DEVICE_ID",
        ),
        (
            "PATCH",
            format!(
                "/api/v2/organization/{}/devices/zzzz/configuration",
                a.organization_id
            ),
            "INVALID_DEVICE_ID",
        ),
        (
            "DELETE",
            format!(
                "/api/v2/organization/{}/devices/zzzz/configuration",
                a.organization_id
            ),
            "INVALID_DEVICE_ID",
        ),
        (
            "POST",
            "/api/v1/device/zzzz/temp-datasets".to_string(),
            "INVALID_DEVICE_ID",
        ),
        (
            "POST",
            format!(
                "/api/v2/organization/{}/devices/zzzz/temp-datasets",
                a.organization_id
            ),
            "INVALID_DEVICE_ID",
        ),
        (
            "POST",
            "/api/v2/device/zzzz/trigger-speedtest/content".to_string(),
            "INVALID_DEVICE_ID",
        ),
        (
            "POST",
            format!(
                "/api/v2/organization/{}/devices/zzzz/trigger-speedtest/top",
                a.organization_id
            ),
            "INVALID_DEVICE_ID",
        ),
    ];
    for (m, path, code) in cases {
        let body = match m {
            "PATCH" => Some(json!({"a": ["b"]})),
            "POST" if path.contains("temp") => Some(json!({"duration": "5m"})),
            _ => None,
        };
        let (s, v) = call(&sb, m, &path, body).await;
        assert_eq!(s, 404, "{m} {path}: {v}");
        assert_error_body(&v, code);
    }
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn inputs_are_validated() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(60)
        .seed(8)
        .api_key("k")
        .speed_test_duration(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let org = sb.fleet().organizations[0].clone();
    let o = &org.organization_id;
    let d = &org.devices[0].orb_id;
    let temp = format!("/api/v2/organization/{o}/devices/{d}/temp-datasets");
    let cfg = format!("/api/v2/organization/{o}/devices/{d}/configuration");
    let push =
        |p: Value| json!({"duration": "5m", "datasets_config": {"enabled": true, "push": p}});
    let bad: Vec<(&str, String, Value, &str)> = vec![
        ("POST", temp.clone(), json!({}), "INVALID_DURATION"),
        (
            "POST",
            temp.clone(),
            json!({"duration": null}),
            "INVALID_DURATION",
        ),
        (
            "POST",
            temp.clone(),
            json!({"duration": "5 minutes"}),
            "INVALID_DURATION",
        ),
        (
            "POST",
            temp.clone(),
            json!({"duration": "5"}),
            "INVALID_DURATION",
        ),
        (
            "POST",
            temp.clone(),
            json!({"duration": "-5m"}),
            "INVALID_DURATION",
        ),
        (
            "POST",
            temp.clone(),
            json!({"duration": "0s"}),
            "INVALID_DURATION",
        ),
        (
            "POST",
            temp.clone(),
            json!({"duration": "48h"}),
            "INVALID_DURATION",
        ),
        (
            "POST",
            temp.clone(),
            json!({"duration": 300}),
            "INVALID_REQUEST_BODY",
        ),
        ("POST", temp.clone(), json!(["5m"]), "INVALID_REQUEST_BODY"),
        (
            "POST",
            temp.clone(),
            push(json!({"enabled": true})),
            "INVALID_PUSH_CONFIG",
        ),
        (
            "POST",
            temp.clone(),
            push(json!({"enabled": true, "url": "not a url"})),
            "INVALID_PUSH_CONFIG",
        ),
        (
            "POST",
            temp.clone(),
            push(json!({"enabled": true, "url": "ftp://example.com/x"})),
            "INVALID_PUSH_CONFIG",
        ),
        (
            "POST",
            temp.clone(),
            push(json!({"enabled": true, "url": "http://127.0.0.1:9/", "format": "xml"})),
            "INVALID_PUSH_CONFIG",
        ),
        (
            "POST",
            temp.clone(),
            push(json!({"enabled": true, "url": "http://127.0.0.1:9/", "interval_ms": -1})),
            "INVALID_PUSH_CONFIG",
        ),
        (
            "POST",
            temp.clone(),
            push(json!({"enabled": true, "url": "http://127.0.0.1:9/", "interval_ms": 5})),
            "INVALID_PUSH_CONFIG",
        ),
        (
            "POST",
            temp.clone(),
            push(json!({"enabled": true, "url": "http://127.0.0.1:9/", "buffer_kb": -3})),
            "INVALID_PUSH_CONFIG",
        ),
        (
            "POST",
            temp.clone(),
            push(json!({"enabled": "yes", "url": "http://127.0.0.1:9/"})),
            "INVALID_REQUEST_BODY",
        ),
        (
            "POST",
            format!("/api/v2/organization/{o}/devices/{d}/trigger-speedtest/fast"),
            Value::Null,
            "INVALID_TEST_TYPE",
        ),
        (
            "POST",
            format!("/api/v2/device/{d}/trigger-speedtest/CONTENT"),
            Value::Null,
            "INVALID_TEST_TYPE",
        ),
        ("PATCH", cfg.clone(), json!(["a"]), "INVALID_REQUEST"),
        ("PATCH", cfg.clone(), json!({"k": "v"}), "INVALID_REQUEST"),
        (
            "PATCH",
            cfg.clone(),
            json!({"k": [1, 2]}),
            "INVALID_REQUEST",
        ),
        ("PATCH", cfg.clone(), json!({"": ["x"]}), "INVALID_REQUEST"),
        (
            "DELETE",
            cfg.clone(),
            json!({"configuration_id": 5}),
            "INVALID_REQUEST",
        ),
        ("DELETE", cfg.clone(), json!("x"), "INVALID_REQUEST"),
    ];
    for (m, path, body, code) in bad {
        let b = if body.is_null() {
            None
        } else {
            Some(body.clone())
        };
        let (s, v) = call(&sb, m, &path, b).await;
        assert_eq!(s, 400, "{m} {path} {body}: {v}");
        assert_error_body(&v, code);
    }
    // Valid durations of every documented form.
    for dur in ["30s", "5m", "1h", "2h", "1h30m", "90s"] {
        let (s, v) = call(&sb, "POST", &temp, Some(json!({"duration": dur}))).await;
        assert_eq!(s, 200, "{dur}: {v}");
        assert_eq!(v["orb_id"], d.as_str());
    }
    // Orb's Python client sends every unset field as null: accepted.
    let python_body = json!({"duration": "5m", "datasets_config": {"api": null, "cloud_push": null, "datasets": ["scores_1m"], "enabled": true,
        "push": {"buffer_kb": null, "datasets": null, "enabled": null, "format": null, "identifiable": null, "interval_ms": null, "url": null}}});
    let (s, _) = call(&sb, "POST", &temp, Some(python_body)).await;
    assert_eq!(s, 200);
    // A speed test on a disconnected device is refused.
    if let Some(off) = org.devices.iter().find(|d| !d.is_connected) {
        let (s, v) = call(
            &sb,
            "POST",
            &format!("/api/v2/device/{}/trigger-speedtest/content", off.orb_id),
            None,
        )
        .await;
        assert_eq!(s, 409);
        assert_error_body(&v, "DEVICE_NOT_CONNECTED");
    }
    // One speed test at a time: a second trigger reports the one in progress.
    let (s, first) = call(
        &sb,
        "POST",
        &format!("/api/v2/device/{d}/trigger-speedtest/content"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, second) = call(
        &sb,
        "POST",
        &format!("/api/v2/device/{d}/trigger-speedtest/top"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(second["test_uuid"], "");
    assert_eq!(second["in_progress_test_uuid"], first["test_uuid"]);
    assert_eq!(second["in_progress_test_type"], "content");
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn temp_datasets_are_remembered_and_revert() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(3)
        .api_key("k")
        .start()
        .await
        .unwrap();
    let org = sb.fleet().organizations[0].clone();
    let d = org.devices[0].orb_id.clone();
    let (s, v) = call(
        &sb,
        "POST",
        &format!("/api/v1/device/{d}/temp-datasets"),
        Some(json!({"duration": "700ms", "datasets_config": {"enabled": true, "datasets": ["scores_1s"]}})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // Remembered right away (the sandbox state is updated before answering).
    let snap = sb.device_state(&d).unwrap();
    let t = snap.temp_datasets.expect("temp datasets remembered");
    assert_eq!(t.duration, "700ms");
    assert_eq!(t.expires_ms - t.started_ms, 700);
    // Then the device reverts when the duration ends.
    assert!(
        sb.wait_for(WAIT, |s| s
            .device_state(&d)
            .unwrap()
            .temp_datasets
            .is_none())
            .await,
        "device reverted"
    );
    sb.shutdown().await.unwrap();
}
