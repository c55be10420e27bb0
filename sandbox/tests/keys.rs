//! The sandbox-only key API: mint, list without values, no-store, expiry, IP allowlists, revoke.

mod common;

use std::time::Duration;

use common::{assert_error_body, client};
use orb_cloud_sandbox::{Sandbox, SandboxHandle};
use serde_json::{json, Value};

async fn mint(sb: &SandboxHandle, token: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/_sandbox/api-keys", sb.base_url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn orgs_with(sb: &SandboxHandle, key: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{}/api/v2/organizations", sb.base_url()))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn mint_list_and_revoke() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(2)
        .api_key("root")
        .admin_token("admin")
        .start()
        .await
        .unwrap();
    let r = mint(&sb, "admin", json!({"name": "ci reader", "scopes": ["organizations:read", "devices:read"], "expires": "90d"})).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let minted: Value = r.json().await.unwrap();
    let key = minted["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("orb-ok1-") && key.len() > 30, "{key}");
    assert_eq!(minted["name"], "ci reader");
    assert_eq!(
        minted["scopes"],
        json!(["organizations:read", "devices:read"])
    );
    assert_eq!(
        minted["permissions"],
        json!(["Organizations: Read", "Devices: Read"])
    );
    assert_eq!(minted["expires"], "90d");
    let day = 86_400_000;
    assert_eq!(
        minted["expires_at"].as_i64().unwrap() - minted["created_at"].as_i64().unwrap(),
        90 * day
    );
    let id = minted["id"].as_str().unwrap().to_string();

    // The key works for what it may do, and only that.
    assert_eq!(orgs_with(&sb, &key).await.0, 200);
    let org = &sb.fleet().organizations[0];
    let r = client()
        .post(format!(
            "{}/api/v2/device/{}/trigger-speedtest/content",
            sb.base_url(),
            org.devices[0].orb_id
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The --api-key key administers too; the listing never shows values.
    let r = client()
        .get(format!("{}/_sandbox/api-keys", sb.base_url()))
        .bearer_auth("root")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(!text.contains(&key), "listing leaks a key value");
    assert!(!text.contains("root\""), "listing leaks the root key");
    let list: Value = serde_json::from_str(&text).unwrap();
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap();
    assert!(entry.get("key").is_none());
    assert_eq!(entry["revoked"], false);

    // Revoke.
    let r = client()
        .delete(format!("{}/_sandbox/api-keys/{id}", sb.base_url()))
        .bearer_auth("admin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (s, v) = orgs_with(&sb, &key).await;
    assert_eq!(s, 401);
    assert_error_body(&v, "API_KEY_REVOKED");
    let r = client()
        .delete(format!("{}/_sandbox/api-keys/key_nope", sb.base_url()))
        .bearer_auth("admin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let list: Value = client()
        .get(format!("{}/_sandbox/api-keys", sb.base_url()))
        .bearer_auth("admin")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id.as_str())
            .unwrap()["revoked"],
        true
    );
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn admin_api_needs_the_admin_token() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(1)
        .api_key("root")
        .admin_token("admin")
        .start()
        .await
        .unwrap();
    let (_, minted) = sb.mint_key("all", orb_cloud_sandbox::auth::Permission::ALL, None);
    for token in [None, Some("nope"), Some(minted.as_str())] {
        let mut req = client().get(format!("{}/_sandbox/api-keys", sb.base_url()));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{token:?}");
        assert!(r.json::<Value>().await.unwrap()["message"].is_string());
    }
    // The admin API is not an Orb path: Orb paths do not accept the admin token.
    let (s, _) = orgs_with(&sb, "admin").await;
    assert_eq!(s, 401);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn invalid_mint_requests_are_400() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(1)
        .admin_token("admin")
        .start()
        .await
        .unwrap();
    for body in [
        json!({"scopes": ["devices:read"]}),
        json!({"name": ""}),
        json!({"name": "x", "scopes": ["devices:write"]}),
        json!({"name": "x", "expires": "7d"}),
        json!({"name": "x", "allowed_ips": ["10.0.0.0/33"]}),
        json!({"name": "x", "allowed_ips": ["not-an-ip"]}),
        json!({"name": 5}),
        json!(["name"]),
    ] {
        let r = mint(&sb, "admin", body.clone()).await;
        assert_eq!(r.status(), 400, "{body}");
        assert!(r.json::<Value>().await.unwrap()["message"].is_string());
    }
    let r = client()
        .post(format!("{}/_sandbox/api-keys", sb.base_url()))
        .bearer_auth("admin")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn keys_expire() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(1)
        .admin_token("admin")
        .start()
        .await
        .unwrap();
    let mut keys = Vec::new();
    for expires in ["30d", "90d", "1y", "never"] {
        let v: Value = mint(
            &sb,
            "admin",
            json!({"name": expires, "scopes": ["organizations:read"], "expires": expires}),
        )
        .await
        .json()
        .await
        .unwrap();
        keys.push((expires, v["key"].as_str().unwrap().to_string()));
    }
    for (_, k) in &keys {
        assert_eq!(orgs_with(&sb, k).await.0, 200);
    }
    sb.advance_clock(Duration::from_secs(31 * 86_400));
    for (expires, k) in &keys {
        let (s, v) = orgs_with(&sb, k).await;
        if *expires == "30d" {
            assert_eq!(s, 401);
            assert_error_body(&v, "API_KEY_EXPIRED");
            assert!(v["message"].as_str().unwrap().contains("expired at"), "{v}");
        } else {
            assert_eq!(s, 200, "{expires}");
        }
    }
    sb.advance_clock(Duration::from_secs(400 * 86_400));
    let still: Vec<_> = {
        let mut out = Vec::new();
        for (e, k) in &keys {
            out.push((*e, orgs_with(&sb, k).await.0));
        }
        out
    };
    assert_eq!(
        still,
        [("30d", 401), ("90d", 401), ("1y", 401), ("never", 200)]
    );
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn ip_allowlists() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(1)
        .admin_token("admin")
        .start()
        .await
        .unwrap();
    // Requests come from 127.0.0.1.
    for (allowed, status) in [
        (json!(["127.0.0.1"]), 200),
        (json!(["127.0.0.0/8"]), 200),
        (json!(["2001:db8::/32", "127.0.0.1/32"]), 200),
        (json!(["0.0.0.0/0"]), 200),
        (json!(["10.0.0.0/8"]), 403),
        (json!(["192.168.1.7"]), 403),
        (json!(["::1/128"]), 403),
        (json!(["2001:db8::/32"]), 403),
        (json!([]), 200),
    ] {
        let v: Value = mint(
            &sb,
            "admin",
            json!({"name": "ip", "scopes": ["organizations:read"], "allowed_ips": allowed}),
        )
        .await
        .json()
        .await
        .unwrap();
        let (s, body) = orgs_with(&sb, v["key"].as_str().unwrap()).await;
        assert_eq!(s, status, "{allowed}: {body}");
        if status == 403 {
            assert_error_body(&body, "IP_NOT_ALLOWED");
            assert!(body["message"].as_str().unwrap().contains("127.0.0.1"));
        }
    }
    sb.shutdown().await.unwrap();
}
