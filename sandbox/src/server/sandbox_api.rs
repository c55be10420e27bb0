//! The sandbox's own API under `/_sandbox` (never an Orb path): mint, list and revoke keys, read a
//! device's remembered state and the push log. The admin guard has checked the token.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::authorized::PathParams;
use super::bodies::{json_value, parse_json_object, read_body};
use crate::auth::{Expiry, IpNet, NewKey, Permission};
use crate::error::ErrorBody;
use crate::shared::Shared;

/// The body of `POST /_sandbox/api-keys`.
#[derive(serde::Deserialize)]
struct MintRequest {
    name: Option<String>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    allowed_ips: Option<Vec<String>>,
}

/// `POST /_sandbox/api-keys`: mints a key; the answer is the only time its value is shown.
pub(super) async fn mint_key(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ErrorBody> {
    let bytes = read_body(body, &headers, 64 * 1024).await?;
    let req: MintRequest = parse_json_object(&bytes)?;
    let name = req.name.unwrap_or_default();
    if name.trim().is_empty() || name.len() > 200 {
        return Err(ErrorBody::bad_request(
            "name is required (at most 200 bytes)",
        ));
    }
    let mut scopes = BTreeSet::new();
    for s in req.scopes.unwrap_or_default() {
        scopes.insert(
            s.parse::<Permission>()
                .map_err(|e| ErrorBody::bad_request(e.to_string()))?,
        );
    }
    let expiry = match req.expires.as_deref() {
        None => Expiry::Never,
        Some(e) => e
            .parse::<Expiry>()
            .map_err(|e| ErrorBody::bad_request(e.to_string()))?,
    };
    let mut allowed_ips = Vec::new();
    for ip in req.allowed_ips.unwrap_or_default() {
        allowed_ips.push(
            ip.parse::<IpNet>()
                .map_err(|e| ErrorBody::bad_request(e.to_string()))?,
        );
    }
    if allowed_ips.len() > 100 {
        return Err(ErrorBody::bad_request("at most 100 allowed_ips entries"));
    }
    let (key, value) = shared.keys.mint(
        NewKey {
            name,
            scopes,
            expiry,
            allowed_ips,
        },
        shared.clock.now_ms(),
    );
    let mut v = serde_json::to_value(key.info()).unwrap_or_else(|_| json!({}));
    if let Value::Object(m) = &mut v {
        m.insert("key".to_string(), Value::String(value));
    }
    let mut resp = json_value(StatusCode::CREATED, &v);
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(resp)
}

/// `GET /_sandbox/api-keys`: every key, without values.
pub(super) async fn list_keys(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<_> = shared.keys.list().iter().map(|k| k.info()).collect();
    json_value(
        StatusCode::OK,
        &serde_json::to_value(list).unwrap_or_default(),
    )
}

/// `DELETE /_sandbox/api-keys/{id}`.
pub(super) async fn revoke_key(
    State(shared): State<Arc<Shared>>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ErrorBody> {
    if shared.keys.revoke(&id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ErrorBody::new(
            StatusCode::NOT_FOUND,
            "INVALID_KEY_ID",
            format!("No API key with id {id:?}"),
        ))
    }
}

/// `GET /_sandbox/devices/{orb_id}`: what the sandbox remembers about a device.
pub(super) async fn device_state(
    State(shared): State<Arc<Shared>>,
    PathParams(id): PathParams<String>,
) -> Result<Response, ErrorBody> {
    let snap = shared
        .snapshot(&id)
        .ok_or_else(|| ErrorBody::not_found_device(&id))?;
    Ok(json_value(
        StatusCode::OK,
        &serde_json::to_value(snap).unwrap_or_default(),
    ))
}

/// `GET /_sandbox/push-log`: counters and the last POSTs.
pub(super) async fn push_log(State(shared): State<Arc<Shared>>) -> Response {
    json_value(
        StatusCode::OK,
        &json!({"stats": shared.push_log.stats(), "recent": shared.push_log.recent()}),
    )
}
