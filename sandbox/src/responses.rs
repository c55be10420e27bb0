//! The response bodies the sandbox serves (organizations, configurations, devices), written with
//! typed structs so that field order and number formatting are fixed (and so the bytes are
//! reproducible).
//!
//! Devices satisfy both Orb's generated schema (`server.OrganizationDeviceResponse`) and the
//! hand-written model Orb's Python client parses every device with (`Device`: `orb_id`, `name`,
//! `is_connected` 0/1 and `summary` required; `tags` a list of strings; `is_connected_updated_at`
//! and `created_ts` epoch milliseconds; `config` a map of string lists).

use serde::Serialize;

use crate::device_state::DeviceConfigState;
use crate::fleet::{
    ConfigMap, Configuration, Device, DeviceInfo, Fleet, GeoIp, Limits, NetworkInterface, OrbScore,
    Organization,
};

#[derive(Serialize)]
struct Manager<'a> {
    icon_image_url: &'a str,
    name: &'a str,
    organization_id: &'a str,
}

#[derive(Serialize)]
struct Entitlements<'a> {
    entitlements: &'a [String],
}

#[derive(Serialize)]
struct Plan<'a> {
    config: Entitlements<'a>,
    features: &'a [String],
    limits: &'a Limits,
    name: &'a str,
    overrides: &'a Limits,
}

#[derive(Serialize)]
struct OrganizationBody<'a> {
    allocations: &'a Limits,
    customer_id: &'a str,
    default_configuration_id: &'a str,
    description: &'a str,
    flags: &'a [String],
    icon_image_url: &'a str,
    manager: Manager<'a>,
    name: &'a str,
    organization_id: &'a str,
    plan: Plan<'a>,
    roles: &'a [String],
    subscription_id: &'a str,
    usage: Limits,
}

fn organization_body(org: &Organization) -> OrganizationBody<'_> {
    OrganizationBody {
        allocations: &org.allocations,
        customer_id: &org.customer_id,
        default_configuration_id: &org.default_configuration_id,
        description: &org.description,
        flags: &org.flags,
        icon_image_url: &org.icon_image_url,
        manager: Manager {
            icon_image_url: &org.manager.icon_image_url,
            name: &org.manager.name,
            organization_id: &org.manager.organization_id,
        },
        name: &org.name,
        organization_id: &org.organization_id,
        plan: Plan {
            config: Entitlements {
                entitlements: &org.plan.entitlements,
            },
            features: &org.plan.features,
            limits: &org.plan.limits,
            name: &org.plan.name,
            overrides: &org.plan.overrides,
        },
        roles: &org.roles,
        subscription_id: &org.subscription_id,
        usage: Limits {
            deployment_tokens: org.configurations.len() as i64,
            devices: org.devices.len() as i64,
            rules: (org.devices.len() as i64 / 20).min(org.plan.limits.rules),
            spaces: (org.devices.len() as i64 / 50 + 1).min(org.plan.limits.spaces),
            users: (org.roles.len() as i64 + 2).min(org.plan.limits.users),
        },
    }
}

/// `GET /api/v2/organizations`: the organizations as a JSON array.
pub fn organizations_json(fleet: &Fleet) -> Vec<u8> {
    let list: Vec<_> = fleet.organizations.iter().map(organization_body).collect();
    serde_json::to_vec(&list).unwrap_or_else(|_| b"[]".to_vec())
}

#[derive(Serialize)]
struct ConfigurationBody<'a> {
    access_code: &'a str,
    access_code_expiration_ts: i64,
    config: &'a ConfigMap,
    created_at: i64,
    devices: i64,
    id: &'a str,
    is_revoked: bool,
    last_used_at: i64,
    name: &'a str,
    tags: &'a [String],
    token: &'a str,
    updated_at: i64,
}

fn configuration_body(c: &Configuration, devices: i64) -> ConfigurationBody<'_> {
    ConfigurationBody {
        access_code: &c.access_code,
        access_code_expiration_ts: c.access_code_expiration_ts,
        config: &c.config,
        created_at: c.created_at,
        devices,
        id: &c.id,
        is_revoked: c.is_revoked,
        last_used_at: c.last_used_at,
        name: &c.name,
        tags: &c.tags,
        token: &c.token,
        updated_at: c.updated_at,
    }
}

/// `GET /api/v1/organization/{id}/configurations`: the configurations with how many devices
/// follow each (`counts` in the same order as `org.configurations`).
pub fn configurations_json(org: &Organization, counts: &[i64]) -> Vec<u8> {
    let list: Vec<_> = org
        .configurations
        .iter()
        .enumerate()
        .map(|(i, c)| configuration_body(c, counts.get(i).copied().unwrap_or(0)))
        .collect();
    serde_json::to_vec(&list).unwrap_or_else(|_| b"[]".to_vec())
}

#[derive(Serialize)]
struct SummaryTags<'a> {
    geoip: &'a GeoIp,
    device_info: &'a DeviceInfo,
    network_interface: &'a NetworkInterface,
}

#[derive(Serialize)]
struct Summary<'a> {
    tags: SummaryTags<'a>,
    version: &'static str,
    orb_score: &'a OrbScore,
    created_ts: i64,
    orb_scores: &'a [OrbScore],
}

#[derive(Serialize)]
struct LinkInvite<'a> {
    description: &'a str,
    icon_image_url: &'a str,
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct LinkMetadata<'a> {
    invite_id: &'a str,
}

#[derive(Serialize)]
struct LinkOrganization<'a> {
    bandwidth_group: &'a str,
    bandwidth_tier: &'a str,
    icon_image_url: &'a str,
    name: &'a str,
    organization_id: &'a str,
}

#[derive(Serialize)]
struct Link<'a> {
    expiration_ts: i64,
    invite: LinkInvite<'a>,
    metadata: LinkMetadata<'a>,
    organization: LinkOrganization<'a>,
    relationship: &'a str,
}

#[derive(Serialize)]
struct DeviceBody<'a> {
    orb_id: &'a str,
    name: &'a str,
    is_connected: u8,
    is_connected_updated_at: i64,
    created_ts: i64,
    can_notify: bool,
    relationship: &'a str,
    configuration_id: &'a str,
    has_local_config_override: bool,
    has_stale_config: bool,
    tags: Vec<String>,
    config: Option<&'a ConfigMap>,
    links: Option<Vec<Link<'a>>>,
    summary: Summary<'a>,
}

/// One device of `GET /api/v2/organization/{id}/devices`, as JSON bytes.
///
/// `config` is the device's user override (Orb's model: "device configuration user overrides"),
/// `null` when it has none, as Go encodes a nil map; `links` is `null` when empty for the same
/// reason.
pub fn device_json(org: &Organization, device: &Device, state: &DeviceConfigState) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    write_device_json(&mut out, org, device, state);
    out
}

/// Appends one device's JSON to `out` (see [`device_json`]).
pub fn write_device_json(
    out: &mut Vec<u8>,
    org: &Organization,
    device: &Device,
    state: &DeviceConfigState,
) {
    let configuration_name = org
        .configurations
        .iter()
        .find(|c| c.id == state.configuration_id)
        .map(|c| c.name.as_str())
        .unwrap_or("Default Configuration");
    let mut tags = vec![format!("dt={configuration_name}")];
    tags.extend(device.extra_tags.iter().cloned());
    let links = (!device.links.is_empty()).then(|| {
        device
            .links
            .iter()
            .map(|l| Link {
                expiration_ts: l.expiration_ts,
                invite: LinkInvite {
                    description: &l.invite_description,
                    icon_image_url: "",
                    id: &l.invite_id,
                    name: &l.invite_name,
                },
                metadata: LinkMetadata {
                    invite_id: &l.invite_id,
                },
                organization: LinkOrganization {
                    bandwidth_group: "",
                    bandwidth_tier: &l.bandwidth_tier,
                    icon_image_url: "",
                    name: &l.organization_name,
                    organization_id: &l.organization_id,
                },
                relationship: &l.relationship,
            })
            .collect()
    });
    let body = DeviceBody {
        orb_id: &device.orb_id,
        name: &device.name,
        is_connected: u8::from(device.is_connected),
        is_connected_updated_at: device.is_connected_updated_at,
        created_ts: device.created_ts,
        can_notify: device.can_notify,
        relationship: &device.relationship,
        configuration_id: &state.configuration_id,
        has_local_config_override: state.config_override.is_some(),
        has_stale_config: state.has_stale_config,
        tags,
        config: state.config_override.as_ref(),
        links,
        summary: Summary {
            tags: SummaryTags {
                geoip: &device.geoip,
                device_info: &device.device_info,
                network_interface: &device.network_interface,
            },
            version: "0.1.0",
            orb_score: &device.orb_score,
            created_ts: device.summary_created_ts,
            orb_scores: &device.orb_scores,
        },
    };
    let start = out.len();
    if serde_json::to_writer(&mut *out, &body).is_err() {
        out.truncate(start);
        out.extend_from_slice(b"{}");
    }
}

/// Joins pre-serialized JSON values into a JSON array.
pub fn join_array<'a>(items: impl Iterator<Item = &'a [u8]>, size_hint: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size_hint + 2);
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.push(b']');
    out
}

// Here rather than in `fleet`, so that the fleet does not depend on how it is served.
impl Fleet {
    /// The fleet's initial state as JSON bytes: every organization, configuration and device in
    /// the shapes the API serves. Same seed, same bytes.
    pub fn to_json(&self) -> Vec<u8> {
        let fleet = self;
        let mut out = format!(
            "{{\"seed\":{},\"epoch_ms\":{},\"organizations\":",
            fleet.config.seed, fleet.config.epoch_ms
        )
        .into_bytes();
        out.extend_from_slice(&organizations_json(fleet));
        out.extend_from_slice(b",\"configurations\":{");
        for (i, org) in fleet.organizations.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let counts: Vec<i64> = org
                .configurations
                .iter()
                .map(|c| {
                    org.devices
                        .iter()
                        .filter(|d| d.configuration_id == c.id)
                        .count() as i64
                })
                .collect();
            out.extend_from_slice(format!("\"{}\":", org.organization_id).as_bytes());
            out.extend_from_slice(&configurations_json(org, &counts));
        }
        out.extend_from_slice(b"},\"devices\":{");
        for (i, org) in fleet.organizations.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(format!("\"{}\":", org.organization_id).as_bytes());
            let devices: Vec<Vec<u8>> = org
                .devices
                .iter()
                .map(|d| device_json(org, d, &DeviceConfigState::initial(d)))
                .collect();
            let size = devices.iter().map(Vec::len).sum::<usize>() + devices.len();
            out.extend_from_slice(&join_array(devices.iter().map(Vec::as_slice), size));
        }
        out.extend_from_slice(b"}}");
        out
    }
}
