//! Every operation × every single-permission key: 200 or 403 naming the permission; 401 without a
//! key or with a bad one.

mod common;

use std::time::Duration;

use common::{assert_error_body, client};
use orb_cloud_sandbox::auth::Permission;
use orb_cloud_sandbox::Sandbox;
use serde_json::{json, Value};

struct Op {
    method: &'static str,
    path: String,
    body: Option<Value>,
    needs: Permission,
}

fn operations(org: &str, dev: &str) -> Vec<Op> {
    let temp =
        json!({"duration": "1m", "datasets_config": {"enabled": true, "datasets": ["scores_1m"]}});
    let cfg = format!("/api/v2/organization/{org}/devices/{dev}/configuration");
    vec![
        Op {
            method: "GET",
            path: "/api/v2/organizations".into(),
            body: None,
            needs: Permission::OrganizationsRead,
        },
        Op {
            method: "GET",
            path: format!("/api/v2/organization/{org}/devices"),
            body: None,
            needs: Permission::DevicesRead,
        },
        Op {
            method: "POST",
            path: format!("/api/v1/device/{dev}/temp-datasets"),
            body: Some(temp.clone()),
            needs: Permission::DatasetsWrite,
        },
        Op {
            method: "POST",
            path: format!("/api/v2/device/{dev}/trigger-speedtest/content"),
            body: None,
            needs: Permission::DevicesAction,
        },
        Op {
            method: "GET",
            path: format!("/api/v1/organization/{org}/configurations"),
            body: None,
            needs: Permission::OrganizationsRead,
        },
        Op {
            method: "GET",
            path: cfg.clone(),
            body: None,
            needs: Permission::DevicesRead,
        },
        Op {
            method: "PATCH",
            path: cfg.clone(),
            body: Some(json!({"datasets.datasets": ["scores_1m"]})),
            needs: Permission::DevicesAction,
        },
        Op {
            method: "DELETE",
            path: cfg,
            body: None,
            needs: Permission::DevicesAction,
        },
        Op {
            method: "POST",
            path: format!("/api/v2/organization/{org}/devices/{dev}/temp-datasets"),
            body: Some(temp),
            needs: Permission::DatasetsWrite,
        },
        Op {
            method: "POST",
            path: format!("/api/v2/organization/{org}/devices/{dev}/trigger-speedtest/top"),
            body: None,
            needs: Permission::DevicesAction,
        },
    ]
}

#[tokio::test]
async fn permission_matrix() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(4)
        .api_key("root")
        .rate_limit(0.0, 0)
        .speed_test_duration(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let org = &sb.fleet().organizations[0];
    let ops = operations(&org.organization_id, &org.devices[0].orb_id);
    assert_eq!(ops.len(), 10);
    let c = client();
    let base = sb.base_url();
    let mut checked = 0;
    for p in Permission::ALL {
        let (_, key) = sb.mint_key(p.scope(), [p], None);
        for op in &ops {
            let mut req = c
                .request(op.method.parse().unwrap(), format!("{base}{}", op.path))
                .bearer_auth(&key);
            if let Some(b) = &op.body {
                req = req.json(b);
            }
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let v: Value = resp.json().await.unwrap();
            if op.needs == p {
                assert_eq!(status, 200, "{} {} with {p}: {v}", op.method, op.path);
            } else {
                assert_eq!(status, 403, "{} {} with {p}: {v}", op.method, op.path);
                assert_error_body(&v, "INSUFFICIENT_PERMISSIONS");
                let msg = v["message"].as_str().unwrap();
                assert!(
                    msg.contains(op.needs.ui_name()),
                    "{msg} names {}",
                    op.needs.ui_name()
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 50);
    // A key without any permission gets 403 everywhere; the root key 200 everywhere.
    let (_, none) = sb.mint_key("none", [], None);
    for (key, want) in [(none.as_str(), 403), ("root", 200)] {
        for op in &ops {
            let mut req = c
                .request(op.method.parse().unwrap(), format!("{base}{}", op.path))
                .bearer_auth(key);
            if let Some(b) = &op.body {
                req = req.json(b);
            }
            assert_eq!(
                req.send().await.unwrap().status(),
                want,
                "{} {}",
                op.method,
                op.path
            );
        }
    }
    sb.shutdown().await.unwrap();
}

#[tokio::test]
async fn unauthenticated_requests_get_401() {
    let sb = Sandbox::builder()
        .orgs(1)
        .devices(2)
        .api_key("root")
        .start()
        .await
        .unwrap();
    let org = &sb.fleet().organizations[0];
    let ops = operations(&org.organization_id, &org.devices[0].orb_id);
    let c = client();
    let base = sb.base_url();
    for op in &ops {
        let url = format!("{base}{}", op.path);
        let method: reqwest::Method = op.method.parse().unwrap();
        for (auth, code) in [
            (None, "UNAUTHORIZED"),
            (Some("Bearer nope"), "INVALID_API_KEY"),
            (
                Some("Bearer orb-ok1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                "INVALID_API_KEY",
            ),
            (Some("Basic cm9vdDo="), "UNAUTHORIZED"),
            (Some("Bearer"), "UNAUTHORIZED"),
            (Some("root"), "UNAUTHORIZED"),
        ] {
            let mut req = c.request(method.clone(), &url);
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(
                resp.status(),
                401,
                "{} {} with {auth:?}",
                op.method,
                op.path
            );
            assert!(resp
                .headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("application/json"));
            let v: Value = resp.json().await.unwrap();
            assert_error_body(&v, code);
        }
    }
    // "bearer" is case-insensitive, as in RFC 6750.
    let r = c
        .get(format!("{base}/api/v2/organizations"))
        .header("authorization", "bearer root")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    sb.shutdown().await.unwrap();
}
