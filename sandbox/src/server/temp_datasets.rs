//! Temporary datasets: validates the request, remembers it on the device and starts the session
//! that pushes records until the duration ends.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use tokio::sync::mpsc;

use super::authorized::{Authorized, DeviceAt, StartTempDatasets, Target};
use super::bodies::{is_blank, json_value, parse_json_object, LimitedBody};
use crate::data_push::{PushFormat, PushSettings};
use crate::device_state::TempDatasets;
use crate::duration::{format_duration, parse_go_duration};
use crate::error::ErrorBody;
use crate::requests::DatasetsRequest;
use crate::shared::Shared;
use crate::simulated_devices;

/// Longest temporary-datasets duration accepted (an assumption: Orb's limit is unknown).
const MAX_TEMP_DURATION: Duration = Duration::from_secs(24 * 3600);

/// A request that passed validation: how long, and where to push (if anywhere).
struct ValidTemp {
    duration: Duration,
    push: Option<PushSettings>,
}

/// Checks the duration and the push settings, filling in Orb's defaults.
fn validate_temp(req: &DatasetsRequest) -> Result<ValidTemp, ErrorBody> {
    let bad = |code: &'static str, m: String| ErrorBody::new(StatusCode::BAD_REQUEST, code, m);
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
            let interval_ms = push_number(p.interval_ms, "interval_ms", 60_000, 10..=3_600_000)?;
            let buffer_kb = push_number(p.buffer_kb, "buffer_kb", 2048, 1..=65_536)?;
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

/// A number of `datasets_config.push`: absent or 0 means Orb's default, else it must be in `range`.
fn push_number(
    value: Option<i64>,
    name: &str,
    default: i64,
    range: RangeInclusive<i64>,
) -> Result<i64, ErrorBody> {
    match value {
        None | Some(0) => Ok(default),
        Some(n) if range.contains(&n) => Ok(n),
        Some(n) => Err(ErrorBody::new(
            StatusCode::BAD_REQUEST,
            "INVALID_PUSH_CONFIG",
            format!(
                "datasets_config.push.{name} {n} must be between {} and {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

/// `POST …/{orb_id}/temp-datasets`, under Orb's v1 path (`AnyDevice`) or an organization's
/// (`OrgDevice`): replaces the device's temporary datasets and starts their session.
pub(super) async fn start_temp_datasets<D: Target + Into<DeviceAt> + Send>(
    State(shared): State<Arc<Shared>>,
    request: Authorized<StartTempDatasets, D>,
    LimitedBody(bytes): LimitedBody,
) -> Result<Response, ErrorBody> {
    let DeviceAt {
        org: oi,
        device: di,
    } = request.target.into();
    if is_blank(&bytes) {
        return Err(ErrorBody::bad_request(
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
    shared.tasks.spawn(simulated_devices::run_temp_datasets(
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
        "orb_id": device.orb_id,
        "duration": format_duration(valid.duration),
        "expires_ts": now + valid.duration.as_millis() as i64,
        "datasets_config": req.datasets_config,
    });
    Ok(json_value(StatusCode::OK, &body))
}
