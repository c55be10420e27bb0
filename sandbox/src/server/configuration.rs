//! A device's configuration: read it, patch its override, reset it (optionally to another
//! configuration of its organization).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::authorized::{
    Authorized, ChangeConfiguration, OrgDevice, ReadConfiguration, ResetConfiguration,
};
use super::bodies::{is_blank, json_response, kind_of, parse_json, LimitedBody};
use crate::error::ErrorBody;
use crate::fleet::ConfigMap;
use crate::shared::Shared;

/// The configuration map as the answer.
fn config_response(map: &ConfigMap) -> Response {
    json_response(StatusCode::OK, serde_json::to_vec(map).unwrap_or_default())
}

/// `GET …/devices/{orb_id}/configuration`: the configuration the device runs.
pub(super) async fn get_configuration(
    State(shared): State<Arc<Shared>>,
    request: Authorized<ReadConfiguration, OrgDevice>,
) -> Response {
    let OrgDevice(at) = request.target;
    config_response(&shared.effective_config(at.org, at.device))
}

/// Limits on configuration patches.
const MAX_CONFIG_KEYS: usize = 200;
const MAX_CONFIG_VALUES: usize = 200;
const MAX_CONFIG_STRING: usize = 4096;

/// A validated patch: key to new list, or `None` to remove the key from the override.
type ConfigPatch = Vec<(String, Option<Vec<String>>)>;

/// Parses and validates a configuration patch.
fn parse_config_patch(bytes: &[u8]) -> Result<ConfigPatch, ErrorBody> {
    if is_blank(bytes) {
        return Err(ErrorBody::bad_request(
            "Request body required: a JSON object mapping configuration keys to lists of strings",
        ));
    }
    let v: Value = parse_json(bytes)?;
    let Value::Object(map) = v else {
        return Err(ErrorBody::bad_request(
            "Configuration must be a JSON object mapping keys to lists of strings, e.g. {\"datasets.cloud_push\": [\"scores_1m\"]}",
        ));
    };
    if map.len() > MAX_CONFIG_KEYS {
        return Err(ErrorBody::bad_request(format!(
            "Too many configuration keys (at most {MAX_CONFIG_KEYS})"
        )));
    }
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        if k.trim().is_empty() || k.len() > 256 {
            return Err(ErrorBody::bad_request(format!(
                "Invalid configuration key {k:?}"
            )));
        }
        match v {
            Value::Null => out.push((k, None)),
            Value::Array(items) => {
                if items.len() > MAX_CONFIG_VALUES {
                    return Err(ErrorBody::bad_request(format!(
                        "Too many values for {k:?} (at most {MAX_CONFIG_VALUES})"
                    )));
                }
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) if s.len() <= MAX_CONFIG_STRING => list.push(s),
                        Value::String(_) => {
                            return Err(ErrorBody::bad_request(format!(
                                "A value of {k:?} is longer than {MAX_CONFIG_STRING} bytes"
                            )))
                        }
                        other => {
                            return Err(ErrorBody::bad_request(format!(
                                "Configuration values must be lists of strings; {k:?} contains {}",
                                kind_of(&other)
                            )))
                        }
                    }
                }
                out.push((k, Some(list)));
            }
            other => {
                return Err(ErrorBody::bad_request(format!(
                    "Configuration values must be lists of strings; {k:?} is {}",
                    kind_of(&other)
                )))
            }
        }
    }
    Ok(out)
}

/// `PATCH …/devices/{orb_id}/configuration`: sets (a list) or removes (`null`) override keys.
pub(super) async fn patch_configuration(
    State(shared): State<Arc<Shared>>,
    request: Authorized<ChangeConfiguration, OrgDevice>,
    LimitedBody(bytes): LimitedBody,
) -> Result<Response, ErrorBody> {
    let OrgDevice(at) = request.target;
    let patch = parse_config_patch(&bytes)?;
    let effective = shared.update_config(at.org, at.device, |cfg| {
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

/// `DELETE …/devices/{orb_id}/configuration`: drops the override; an optional
/// `{"configuration_id"}` moves the device to another configuration of its organization.
pub(super) async fn delete_configuration(
    State(shared): State<Arc<Shared>>,
    request: Authorized<ResetConfiguration, OrgDevice>,
    LimitedBody(bytes): LimitedBody,
) -> Result<Response, ErrorBody> {
    let OrgDevice(at) = request.target;
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
                    return Err(ErrorBody::bad_request(format!(
                        "configuration_id must be a string, not {}",
                        kind_of(other)
                    )))
                }
            },
            other => {
                return Err(ErrorBody::bad_request(format!(
                    "Body must be a JSON object like {{\"configuration_id\": \"...\"}}, not {}",
                    kind_of(&other)
                )))
            }
        }
    };
    if let Some(id) = &fallback {
        let org = shared.fleet_org(at.org);
        let org_id = &org.organization_id;
        match org.configurations.iter().find(|c| &c.id == id) {
            None => {
                return Err(ErrorBody::new(
                    StatusCode::NOT_FOUND,
                    "INVALID_CONFIGURATION_ID",
                    format!(
                    "Invalid configuration ID: organization {org_id:?} has no configuration {id:?}"
                ),
                ))
            }
            Some(c) if c.is_revoked => {
                return Err(ErrorBody::bad_request(format!(
                    "Configuration {id:?} ({}) is revoked and cannot be assigned",
                    c.name
                )))
            }
            Some(_) => {}
        }
    }
    let effective = shared.update_config(at.org, at.device, |cfg| {
        cfg.config_override = None;
        if let Some(id) = fallback {
            cfg.configuration_id = id;
        }
    });
    Ok(config_response(&effective))
}
