//! The HTTP server: Orb's ten operations, the sandbox's own `/_sandbox` routes, the per-request
//! guard (faults, key, rate limit) and the accept loop.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use bytes::Bytes;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tower::ServiceExt;

use crate::auth::{ApiKey, Expiry, IpNet, NewKey, Permission};
use crate::duration::{format_duration, parse_go_duration};
use crate::error::ApiError;
use crate::faults::Fate;
use crate::fleet::ConfigMap;
use crate::push::{self, PushFormat, PushSettings};
use crate::rng::Rng;
use crate::state::{DatasetsRequest, Shared, SpeedTest, TempDatasets};

/// Longest temporary-datasets duration accepted (an assumption: Orb's limit is unknown).
pub const MAX_TEMP_DURATION: Duration = Duration::from_secs(24 * 3600);

type Shr = Arc<Shared>;

fn json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn json_value(status: StatusCode, v: &Value) -> Response {
    json_response(status, serde_json::to_vec(v).unwrap_or_default())
}

/// Builds the router (without the fault layer, which lives at the connection level).
pub(crate) fn router(shared: Shr) -> Router {
    let orb = Router::new()
        .route("/api/v2/organizations", get(list_organizations))
        .route(
            "/api/v2/organization/{organization_id}/devices",
            get(list_devices),
        )
        .route(
            "/api/v1/device/{orb_id}/temp-datasets",
            post(temp_datasets_v1),
        )
        .route(
            "/api/v2/device/{orbID}/trigger-speedtest/{testType}",
            post(speedtest_v2),
        )
        .route(
            "/api/v1/organization/{organization_id}/configurations",
            get(list_configurations),
        )
        .route(
            "/api/v2/organization/{organization_id}/devices/{orb_id}/configuration",
            get(get_configuration)
                .patch(patch_configuration)
                .delete(delete_configuration),
        )
        .route(
            "/api/v2/organization/{organization_id}/devices/{orb_id}/temp-datasets",
            post(temp_datasets_org),
        )
        .route(
            "/api/v2/organization/{organization_id}/devices/{orb_id}/trigger-speedtest/{testType}",
            post(speedtest_org),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), orb_guard));

    let admin = Router::new()
        .route("/_sandbox/api-keys", post(mint_key).get(list_keys))
        .route("/_sandbox/api-keys/{id}", axum::routing::delete(revoke_key))
        .route("/_sandbox/devices/{orb_id}", get(device_state))
        .route("/_sandbox/push-log", get(push_log))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), admin_guard));

    Router::new()
        .route(
            "/_sandbox/health",
            get(|| async { json_value(StatusCode::OK, &json!({"status": "ok"})) }),
        )
        .merge(admin)
        .merge(orb)
        .with_state(shared)
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "No such API endpoint")
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("Method {method} is not allowed on this endpoint"),
    )
}

fn peer_ip(req: &Request) -> Option<std::net::IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Authentication and rate limiting for Orb's paths; rate-limit headers on every answer.
async fn orb_guard(State(shared): State<Shr>, mut req: Request, next: Next) -> Response {
    let peer = peer_ip(&req);
    let auth = shared
        .keys
        .authenticate(req.headers(), peer, shared.clock.now_ms());
    let client = match &auth {
        Ok(k) => format!("key:{}", k.id),
        Err(_) => format!("ip:{}", peer.map(|p| p.to_string()).unwrap_or_default()),
    };
    let decision = shared.limiter.check(&client);
    let mut resp = match (decision, auth) {
        (Some(d), _) if !d.allowed => {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                format!(
                    "Too many requests: this API key may make {} requests in a burst; retry after {} s",
                    d.limit, d.retry_after_secs
                ),
            );
            e.retry_after = Some(d.retry_after_secs);
            e.into_response()
        }
        (_, Err(e)) => e.into_response(),
        (_, Ok(key)) => {
            req.extensions_mut().insert(key);
            next.run(req).await
        }
    };
    if let Some(d) = decision {
        let h = resp.headers_mut();
        h.insert("x-ratelimit-limit", HeaderValue::from(d.limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(d.remaining));
        h.insert("x-ratelimit-reset", HeaderValue::from(d.reset_secs));
    }
    resp
}

/// The admin token (or the `--api-key` key) for `/_sandbox/*`.
async fn admin_guard(State(shared): State<Shr>, req: Request, next: Next) -> Response {
    match crate::auth::bearer(req.headers()) {
        Ok(t) if t == shared.admin_token || t == shared.api_key => next.run(req).await,
        Ok(_) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_ADMIN_TOKEN",
            "The /_sandbox API needs the admin token printed at start-up (or the --api-key key)",
        )
        .into_response(),
        Err(e) => e.into_response(),
    }
}

fn path_error(e: PathRejection) -> ApiError {
    ApiError::bad_request(format!("Invalid path: {}", e.body_text()))
}

fn find_org(shared: &Shared, organization_id: &str) -> Result<usize, ApiError> {
    shared
        .org_index
        .get(organization_id)
        .copied()
        .ok_or_else(|| ApiError::not_found_org(organization_id))
}

fn find_device_in(shared: &Shared, oi: usize, orb_id: &str) -> Result<usize, ApiError> {
    match shared.device_index.get(orb_id) {
        Some((o, d)) if *o == oi => Ok(*d),
        _ => Err(ApiError::not_found_device(orb_id)),
    }
}

fn find_device(shared: &Shared, orb_id: &str) -> Result<(usize, usize), ApiError> {
    shared
        .device_index
        .get(orb_id)
        .copied()
        .ok_or_else(|| ApiError::not_found_device(orb_id))
}

/// Reads a body of at most `limit` bytes: 413 beyond it.
async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_TOO_LARGE",
            format!("Request body is larger than {limit} bytes"),
        )
    };
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > limit as u64 {
            return Err(too_large());
        }
    }
    match http_body_util::Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(too_large()),
        Err(e) => Err(ApiError::bad_request(format!(
            "Could not read the request body: {e}"
        ))),
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_BODY",
            format!("Invalid JSON body: {e}"),
        )
    })
}

/// Parses a JSON object into `T` (serde would also take an array for a struct; a server does not).
fn parse_json_object<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let v: Value = parse_json(bytes)?;
    if !v.is_object() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_BODY",
            format!("Invalid JSON body: expected an object, got {}", kind_of(&v)),
        ));
    }
    serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST_BODY",
            format!("Invalid JSON body: {e}"),
        )
    })
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

// ---- Orb operations ----------------------------------------------------------------------------

async fn list_organizations(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
) -> Result<Response, ApiError> {
    key.require(Permission::OrganizationsRead, "list organizations")?;
    Ok(json_response(
        StatusCode::OK,
        shared.organizations_body.clone(),
    ))
}

async fn list_devices(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    key.require(Permission::DevicesRead, "list devices")?;
    let Path(org_id) = path.map_err(path_error)?;
    let oi = find_org(&shared, &org_id)?;
    Ok(json_response(StatusCode::OK, shared.devices_body(oi)))
}

async fn list_configurations(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    key.require(Permission::OrganizationsRead, "list configurations")?;
    let Path(org_id) = path.map_err(path_error)?;
    let oi = find_org(&shared, &org_id)?;
    let counts = shared.configuration_counts(oi);
    Ok(json_response(
        StatusCode::OK,
        crate::wire::configurations_json(shared.fleet_org(oi), &counts),
    ))
}

fn config_response(map: &ConfigMap) -> Response {
    json_response(StatusCode::OK, serde_json::to_vec(map).unwrap_or_default())
}

async fn get_configuration(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    key.require(Permission::DevicesRead, "read device configuration")?;
    let Path((org_id, orb_id)) = path.map_err(path_error)?;
    let oi = find_org(&shared, &org_id)?;
    let di = find_device_in(&shared, oi, &orb_id)?;
    Ok(config_response(&shared.effective_config(oi, di)))
}

/// Limits on configuration patches.
const MAX_CONFIG_KEYS: usize = 200;
const MAX_CONFIG_VALUES: usize = 200;
const MAX_CONFIG_STRING: usize = 4096;

/// A validated patch: key to new list, or `None` to remove the key from the override.
type ConfigPatch = Vec<(String, Option<Vec<String>>)>;

/// Parses and validates a configuration patch.
fn parse_config_patch(bytes: &[u8]) -> Result<ConfigPatch, ApiError> {
    if is_blank(bytes) {
        return Err(ApiError::bad_request(
            "Request body required: a JSON object mapping configuration keys to lists of strings",
        ));
    }
    let v: Value = parse_json(bytes)?;
    let Value::Object(map) = v else {
        return Err(ApiError::bad_request(
            "Configuration must be a JSON object mapping keys to lists of strings, e.g. {\"datasets.cloud_push\": [\"scores_1m\"]}",
        ));
    };
    if map.len() > MAX_CONFIG_KEYS {
        return Err(ApiError::bad_request(format!(
            "Too many configuration keys (at most {MAX_CONFIG_KEYS})"
        )));
    }
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        if k.trim().is_empty() || k.len() > 256 {
            return Err(ApiError::bad_request(format!(
                "Invalid configuration key {k:?}"
            )));
        }
        match v {
            Value::Null => out.push((k, None)),
            Value::Array(items) => {
                if items.len() > MAX_CONFIG_VALUES {
                    return Err(ApiError::bad_request(format!(
                        "Too many values for {k:?} (at most {MAX_CONFIG_VALUES})"
                    )));
                }
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) if s.len() <= MAX_CONFIG_STRING => list.push(s),
                        Value::String(_) => {
                            return Err(ApiError::bad_request(format!(
                                "A value of {k:?} is longer than {MAX_CONFIG_STRING} bytes"
                            )))
                        }
                        other => {
                            return Err(ApiError::bad_request(format!(
                                "Configuration values must be lists of strings; {k:?} contains {}",
                                kind_of(&other)
                            )))
                        }
                    }
                }
                out.push((k, Some(list)));
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "Configuration values must be lists of strings; {k:?} is {}",
                    kind_of(&other)
                )))
            }
        }
    }
    Ok(out)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

async fn patch_configuration(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    key.require(Permission::DevicesAction, "change device configuration")?;
    let Path((org_id, orb_id)) = path.map_err(path_error)?;
    let oi = find_org(&shared, &org_id)?;
    let di = find_device_in(&shared, oi, &orb_id)?;
    let bytes = read_body(body, &headers, shared.settings.max_body_bytes).await?;
    let patch = parse_config_patch(&bytes)?;
    let effective = shared.update_config(oi, di, |cfg| {
        let mut o = cfg.config_override.take().unwrap_or_default();
        for (k, v) in patch {
            match v {
                Some(list) => {
                    o.insert(k, list);
                }
                None => {
                    o.remove(&k);
                }
            }
        }
        cfg.config_override = (!o.is_empty()).then_some(o);
    });
    Ok(config_response(&effective))
}

async fn delete_configuration(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    key.require(Permission::DevicesAction, "reset device configuration")?;
    let Path((org_id, orb_id)) = path.map_err(path_error)?;
    let oi = find_org(&shared, &org_id)?;
    let di = find_device_in(&shared, oi, &orb_id)?;
    let bytes = read_body(body, &headers, shared.settings.max_body_bytes).await?;
    let fallback = if is_blank(&bytes) {
        None
    } else {
        let v: Value = parse_json(&bytes)?;
        match v {
            Value::Null => None,
            Value::Object(m) => match m.get("configuration_id") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.is_empty() => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => {
                    return Err(ApiError::bad_request(format!(
                        "configuration_id must be a string, not {}",
                        kind_of(other)
                    )))
                }
            },
            other => {
                return Err(ApiError::bad_request(format!(
                    "Body must be a JSON object like {{\"configuration_id\": \"...\"}}, not {}",
                    kind_of(&other)
                )))
            }
        }
    };
    if let Some(id) = &fallback {
        let org = shared.fleet_org(oi);
        match org.configurations.iter().find(|c| &c.id == id) {
            None => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "INVALID_CONFIGURATION_ID",
                    format!(
                    "Invalid configuration ID: organization {org_id:?} has no configuration {id:?}"
                ),
                ))
            }
            Some(c) if c.is_revoked => {
                return Err(ApiError::bad_request(format!(
                    "Configuration {id:?} ({}) is revoked and cannot be assigned",
                    c.name
                )))
            }
            Some(_) => {}
        }
    }
    let effective = shared.update_config(oi, di, |cfg| {
        cfg.config_override = None;
        if let Some(id) = fallback {
            cfg.configuration_id = id;
        }
    });
    Ok(config_response(&effective))
}

struct ValidTemp {
    duration: Duration,
    push: Option<PushSettings>,
}

fn validate_temp(req: &DatasetsRequest) -> Result<ValidTemp, ApiError> {
    let bad = |code: &'static str, m: String| ApiError::new(StatusCode::BAD_REQUEST, code, m);
    let raw = req.duration.as_deref().ok_or_else(|| {
        bad(
            "INVALID_DURATION",
            "duration is required, e.g. \"30s\", \"5m\", \"1h\"".to_string(),
        )
    })?;
    let duration = parse_go_duration(raw).map_err(|e| bad("INVALID_DURATION", e.to_string()))?;
    if duration.is_zero() {
        return Err(bad(
            "INVALID_DURATION",
            "duration must be greater than zero".to_string(),
        ));
    }
    if duration > MAX_TEMP_DURATION {
        return Err(bad(
            "INVALID_DURATION",
            format!("duration {raw:?} is longer than the maximum of 24h"),
        ));
    }
    let cfg = req.datasets_config.as_ref();
    let datasets_enabled = cfg.and_then(|c| c.enabled) != Some(false);
    let push = match cfg.and_then(|c| c.push.as_ref()) {
        Some(p) if p.enabled == Some(true) && datasets_enabled => {
            let url_s = p
                .url
                .as_deref()
                .filter(|u| !u.trim().is_empty())
                .ok_or_else(|| {
                    bad(
                        "INVALID_PUSH_CONFIG",
                        "datasets_config.push.url is required when push is enabled".to_string(),
                    )
                })?;
            let url = reqwest::Url::parse(url_s.trim()).map_err(|e| {
                bad(
                    "INVALID_PUSH_CONFIG",
                    format!("datasets_config.push.url {url_s:?} is not a valid URL: {e}"),
                )
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                return Err(bad(
                    "INVALID_PUSH_CONFIG",
                    format!("datasets_config.push.url {url_s:?} must be an http or https URL"),
                ));
            }
            let format = match p.format.as_deref().map(str::trim) {
                None | Some("") | Some("jsonl") => PushFormat::Jsonl,
                Some("json") => PushFormat::Json,
                Some(other) => {
                    return Err(bad(
                        "INVALID_PUSH_CONFIG",
                        format!("datasets_config.push.format {other:?} is not supported: use \"jsonl\" or \"json\""),
                    ))
                }
            };
            let interval_ms = match p.interval_ms {
                None | Some(0) => 60_000,
                Some(ms) if (10..=3_600_000).contains(&ms) => ms,
                Some(ms) => {
                    return Err(bad(
                        "INVALID_PUSH_CONFIG",
                        format!(
                            "datasets_config.push.interval_ms {ms} must be between 10 and 3600000"
                        ),
                    ))
                }
            };
            let buffer_kb = match p.buffer_kb {
                None | Some(0) => 2048,
                Some(kb) if (1..=65_536).contains(&kb) => kb,
                Some(kb) => {
                    return Err(bad(
                        "INVALID_PUSH_CONFIG",
                        format!("datasets_config.push.buffer_kb {kb} must be between 1 and 65536"),
                    ))
                }
            };
            let mut datasets: Vec<String> = p
                .datasets
                .clone()
                .filter(|d| !d.is_empty())
                .or_else(|| cfg.and_then(|c| c.datasets.clone()))
                .unwrap_or_default();
            let mut seen = BTreeSet::new();
            datasets.retain(|d| seen.insert(d.clone()));
            if datasets.len() > 64 {
                return Err(bad(
                    "INVALID_PUSH_CONFIG",
                    "too many datasets (at most 64)".to_string(),
                ));
            }
            Some(PushSettings {
                url,
                format,
                interval: Duration::from_millis(interval_ms as u64),
                buffer_bytes: buffer_kb as usize * 1024,
                datasets,
                identifiable: p.identifiable.unwrap_or(false),
            })
        }
        _ => None,
    };
    Ok(ValidTemp { duration, push })
}

async fn start_temp(
    shared: &Shr,
    oi: usize,
    di: usize,
    orb_id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(body, headers, shared.settings.max_body_bytes).await?;
    if is_blank(&bytes) {
        return Err(ApiError::bad_request(
            "Request body required: {\"duration\": \"5m\", \"datasets_config\": {...}}",
        ));
    }
    let req: DatasetsRequest = parse_json_object(&bytes)?;
    let valid = validate_temp(&req)?;
    let device = shared.fleet_device(oi, di);
    let now = shared.clock.now_ms();
    let generation = shared.next_generation();
    let cancel = shared.shutdown.child_token();
    let pushing = valid.push.is_some() && device.is_connected;
    let (tx, rx) = mpsc::channel(64);
    let replaced_at = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let temp = TempDatasets {
        duration: req.duration.clone().unwrap_or_default(),
        started_ms: now,
        expires_ms: now + valid.duration.as_millis() as i64,
        datasets_config: req.datasets_config.clone(),
        pushing,
        generation,
        cancel: Some(cancel.clone()),
        records_tx: Some(tx),
        push: valid.push.clone(),
        replaced_at_ms: replaced_at.clone(),
    };
    {
        let mut org = shared.org(oi);
        if let Some(old) = org.devices[di].temp.replace(temp) {
            old.replaced_at_ms
                .store(now, std::sync::atomic::Ordering::SeqCst);
            if let Some(c) = old.cancel {
                c.cancel();
            }
        }
    }
    shared.notify();
    // An offline device keeps the setting but cannot push.
    let push = if pushing { valid.push.clone() } else { None };
    shared.tasks.spawn(push::run_session(
        shared.clone(),
        oi,
        di,
        generation,
        push,
        valid.duration,
        cancel,
        rx,
        now,
        replaced_at,
    ));
    let body = json!({
        "orb_id": orb_id,
        "duration": format_duration(valid.duration),
        "expires_ts": now + valid.duration.as_millis() as i64,
        "datasets_config": req.datasets_config,
    });
    Ok(json_value(StatusCode::OK, &body))
}

async fn temp_datasets_v1(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    key.require(Permission::DatasetsWrite, "configure temporary datasets")?;
    let Path(orb_id) = path.map_err(path_error)?;
    let (oi, di) = find_device(&shared, &orb_id)?;
    start_temp(&shared, oi, di, &orb_id, &headers, body).await
}

async fn temp_datasets_org(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    key.require(Permission::DatasetsWrite, "configure temporary datasets")?;
    let Path((org_id, orb_id)) = path.map_err(path_error)?;
    let oi = find_org(&shared, &org_id)?;
    let di = find_device_in(&shared, oi, &orb_id)?;
    start_temp(&shared, oi, di, &orb_id, &headers, body).await
}

fn check_test_type(t: &str) -> Result<(), ApiError> {
    if t == "content" || t == "top" {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_TEST_TYPE",
            format!("Invalid test type {t:?}: use \"content\" or \"top\""),
        ))
    }
}

fn trigger_speedtest(
    shared: &Shr,
    oi: usize,
    di: usize,
    test_type: &str,
) -> Result<Response, ApiError> {
    let device = shared.fleet_device(oi, di);
    if !device.is_connected {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "DEVICE_NOT_CONNECTED",
            format!(
                "Device {} is not connected; a speed test needs a connected device",
                device.orb_id
            ),
        ));
    }
    let now = shared.clock.now_ms();
    let mut org = shared.org(oi);
    let rt = &mut org.devices[di];
    if let Some(running) = rt.speed_tests.iter().find(|t| t.finished_ms.is_none()) {
        // One test at a time: report the one in progress, start nothing.
        return Ok(json_value(
            StatusCode::OK,
            &json!({
                "test_uuid": "",
                "in_progress_test_type": running.test_type,
                "in_progress_test_uuid": running.test_uuid,
            }),
        ));
    }
    let n = shared.next_generation();
    let uuid = Rng::new(crate::rng::mix(&[
        shared.fleet.config.seed,
        0x7E57,
        n,
        now as u64,
    ]))
    .uuid();
    push::remember_speed_test(
        &mut rt.speed_tests,
        SpeedTest {
            test_uuid: uuid.clone(),
            test_type: test_type.to_string(),
            requested_ms: now,
            finished_ms: None,
            result: None,
        },
    );
    drop(org);
    shared.notify();
    shared.tasks.spawn(push::run_speed_test(
        shared.clone(),
        oi,
        di,
        uuid.clone(),
        test_type.to_string(),
    ));
    Ok(json_value(
        StatusCode::OK,
        &json!({
            "test_uuid": uuid,
            "in_progress_test_type": test_type,
            "in_progress_test_uuid": uuid,
        }),
    ))
}

async fn speedtest_v2(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    key.require(Permission::DevicesAction, "trigger a speed test")?;
    let Path((orb_id, test_type)) = path.map_err(path_error)?;
    check_test_type(&test_type)?;
    let (oi, di) = find_device(&shared, &orb_id)?;
    trigger_speedtest(&shared, oi, di, &test_type)
}

async fn speedtest_org(
    State(shared): State<Shr>,
    Extension(key): Extension<Arc<ApiKey>>,
    path: Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    key.require(Permission::DevicesAction, "trigger a speed test")?;
    let Path((org_id, orb_id, test_type)) = path.map_err(path_error)?;
    check_test_type(&test_type)?;
    let oi = find_org(&shared, &org_id)?;
    let di = find_device_in(&shared, oi, &orb_id)?;
    trigger_speedtest(&shared, oi, di, &test_type)
}

// ---- Sandbox API -------------------------------------------------------------------------------

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

async fn mint_key(
    State(shared): State<Shr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(body, &headers, 64 * 1024).await?;
    let req: MintRequest = parse_json_object(&bytes)?;
    let name = req.name.unwrap_or_default();
    if name.trim().is_empty() || name.len() > 200 {
        return Err(ApiError::bad_request(
            "name is required (at most 200 bytes)",
        ));
    }
    let mut scopes = BTreeSet::new();
    for s in req.scopes.unwrap_or_default() {
        scopes.insert(
            s.parse::<Permission>()
                .map_err(|e| ApiError::bad_request(e.to_string()))?,
        );
    }
    let expiry = match req.expires.as_deref() {
        None => Expiry::Never,
        Some(e) => e
            .parse::<Expiry>()
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
    };
    let mut allowed_ips = Vec::new();
    for ip in req.allowed_ips.unwrap_or_default() {
        allowed_ips.push(
            ip.parse::<IpNet>()
                .map_err(|e| ApiError::bad_request(e.to_string()))?,
        );
    }
    if allowed_ips.len() > 100 {
        return Err(ApiError::bad_request("at most 100 allowed_ips entries"));
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

async fn list_keys(State(shared): State<Shr>) -> Response {
    let list: Vec<_> = shared.keys.list().iter().map(|k| k.info()).collect();
    json_value(
        StatusCode::OK,
        &serde_json::to_value(list).unwrap_or_default(),
    )
}

async fn revoke_key(
    State(shared): State<Shr>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(path_error)?;
    if shared.keys.revoke(&id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "INVALID_KEY_ID",
            format!("No API key with id {id:?}"),
        ))
    }
}

async fn device_state(
    State(shared): State<Shr>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = path.map_err(path_error)?;
    let snap = shared
        .snapshot(&id)
        .ok_or_else(|| ApiError::not_found_device(&id))?;
    Ok(json_value(
        StatusCode::OK,
        &serde_json::to_value(snap).unwrap_or_default(),
    ))
}

async fn push_log(State(shared): State<Shr>) -> Response {
    json_value(
        StatusCode::OK,
        &json!({"stats": shared.push_log.stats(), "recent": shared.push_log.recent()}),
    )
}

// ---- Accept loop -------------------------------------------------------------------------------

/// The error that makes hyper close a connection without answering (an injected drop).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct Dropped;

/// Serves until `shared.shutdown` is cancelled, then drains connections (at most 5 s).
pub(crate) async fn serve(listener: TcpListener, shared: Shr) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;

    let router = router(shared.clone());
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of descriptors and the like: wait a little instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::select! {
                    _ = shared.shutdown.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_millis(50)) => continue,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let shared2 = shared.clone();
        let svc =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let router = router.clone();
                let shared = shared2.clone();
                async move {
                    if !req.uri().path().starts_with("/_sandbox") {
                        let (latency, fate) = shared.faults.next();
                        if !latency.is_zero() {
                            tokio::select! {
                                _ = shared.shutdown.cancelled() => {}
                                _ = tokio::time::sleep(latency) => {}
                            }
                        }
                        match fate {
                            Fate::Drop => return Err(Dropped),
                            Fate::Fail => return Ok(ApiError::new(
                                StatusCode::SERVICE_UNAVAILABLE,
                                "SERVICE_UNAVAILABLE",
                                "Service temporarily unavailable, please retry (injected fault)",
                            )
                            .into_response()),
                            Fate::Answer => {}
                        }
                    }
                    let mut req = req.map(Body::new);
                    req.extensions_mut().insert(ConnectInfo(peer));
                    let resp: Result<Response, Infallible> = router.oneshot(req).await;
                    match resp {
                        Ok(r) => Ok(r),
                        Err(never) => match never {},
                    }
                }
            });
        let conn = Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(stream), svc)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
    }
}
