//! Devices (Orbs) and their summaries, as users want them: `is_connected()` as a bool, times as
//! [`Timestamp`]s, the summary parsed into [`DeviceSummary`] with its [`OrbScore`] tree.
//!
//! Decoded in one pass straight from the wire, tolerant of both shapes Orb is known to send (the
//! generated schema's and the one Orb's own Python client parses): see the table in
//! `spec/README.md`. Unknown fields are ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::types::OrbinfoOrganizationDeviceLink;
use crate::config::DeviceConfig;
use crate::wire::{self, Timestamp};

/// One Orb sensor as `list devices` returns it.
///
/// ```
/// let device: orb_cloud::Device = serde_json::from_str(r#"{
///     "orb_id": "cjwbntmuy97ta4rx3mbrjf2gj8j7", "name": "hardy-house", "is_connected": 1,
///     "summary": {"orb_score": {"display": 91, "score": 0.83}}
/// }"#)?;
/// assert!(device.is_connected());
/// assert_eq!(device.orb_score().and_then(|s| s.display), Some(91));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Device {
    /// Orb's device id (28 lowercase alphanumerics).
    #[serde(default)]
    pub orb_id: String,
    /// The device's name.
    #[serde(default)]
    pub name: String,
    /// Connection state as Orb sends it (`is_connected`, 0/1 or a boolean); see [`Device::is_connected`].
    #[serde(
        default,
        rename = "is_connected",
        deserialize_with = "wire::flexible_bool"
    )]
    pub connected: Option<bool>,
    /// When the connection state last changed.
    #[serde(default)]
    pub is_connected_updated_at: Option<Timestamp>,
    /// When the device was created.
    #[serde(default)]
    pub created_ts: Option<Timestamp>,
    /// The last summary the device sent.
    #[serde(default)]
    pub summary: Option<DeviceSummary>,
    /// Tags, as `key=value` strings (`dt=Default Configuration`).
    #[serde(default, deserialize_with = "wire::tags")]
    pub tags: Vec<String>,
    /// The device's configuration overrides.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub config: DeviceConfig,
    /// The configuration (deployment token) the device uses.
    #[serde(default)]
    pub configuration_id: Option<String>,
    /// The organization's relationship to the device.
    #[serde(default)]
    pub relationship: Option<String>,
    /// Whether the device can send notifications.
    #[serde(default, deserialize_with = "wire::flexible_bool")]
    pub can_notify: Option<bool>,
    /// Whether a local configuration override is set.
    #[serde(default, deserialize_with = "wire::flexible_bool")]
    pub has_local_config_override: Option<bool>,
    /// Whether the device runs a configuration older than the one assigned.
    #[serde(default, deserialize_with = "wire::flexible_bool")]
    pub has_stale_config: Option<bool>,
    /// Links of the device to organizations.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub links: Vec<OrbinfoOrganizationDeviceLink>,
}

// `is_connected` is the wire name; the field is `connected` so that the method can be `is_connected()`.
impl Device {
    /// True when Orb reports the device connected.
    pub fn is_connected(&self) -> bool {
        self.connected.unwrap_or(false)
    }

    /// The device's current Orb Score (the summary's `orb_score`).
    pub fn orb_score(&self) -> Option<&OrbScore> {
        self.summary.as_ref()?.orb_score.as_ref()
    }

    /// Where the device is, by GeoIP.
    pub fn geoip(&self) -> Option<&GeoIp> {
        self.summary.as_ref()?.tags.as_ref()?.geoip.as_ref()
    }
}

/// The summary a device last sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceSummary {
    /// Where the device is, what it is and how it connects.
    #[serde(default)]
    pub tags: Option<SummaryTags>,
    /// Summary format version (`0.1.0`).
    #[serde(default)]
    pub version: Option<String>,
    /// The current Orb Score.
    #[serde(default)]
    pub orb_score: Option<OrbScore>,
    /// When the summary was made.
    #[serde(default)]
    pub created_ts: Option<Timestamp>,
    /// Orb Scores over other time windows.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub orb_scores: Vec<OrbScore>,
}

/// The summary's tags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SummaryTags {
    /// Location by GeoIP.
    #[serde(default)]
    pub geoip: Option<GeoIp>,
    /// The host the Orb runs on.
    #[serde(default)]
    pub device_info: Option<DeviceInfo>,
    /// The network interface measured.
    #[serde(default)]
    pub network_interface: Option<NetworkInterface>,
}

/// Location by GeoIP.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GeoIp {
    /// City (`Kirkland`).
    #[serde(default)]
    pub city: Option<String>,
    /// State or region (`Washington`).
    #[serde(default)]
    pub state: Option<String>,
    /// Country (`United States`).
    #[serde(default)]
    pub country: Option<String>,
    /// ISO country code (`US`).
    #[serde(default)]
    pub country_code: Option<String>,
    /// Internet provider (`Comcast Cable`).
    #[serde(default)]
    pub isp_name: Option<String>,
    /// Latitude, degrees.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Longitude, degrees.
    #[serde(default)]
    pub longitude: Option<f64>,
}

/// The host the Orb runs on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceInfo {
    /// Host name (`hardy-nca1515`).
    #[serde(default)]
    pub name: Option<String>,
    /// Orb version (`v1.2.3`).
    #[serde(default)]
    pub version: Option<String>,
    /// CPU count.
    #[serde(default, deserialize_with = "wire::flexible_i64")]
    pub cpu_count: Option<i64>,
    /// Full host name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Operating system (`linux`).
    #[serde(default)]
    pub operating_system: Option<String>,
}

/// The network interface the Orb measures through.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NetworkInterface {
    /// Interface name.
    #[serde(default)]
    pub name: Option<String>,
    /// Interface type (`Ethernet`, `Wi-Fi`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Local IP address.
    #[serde(default)]
    pub local_ip: Option<String>,
    /// MAC address.
    #[serde(default)]
    pub mac_address: Option<String>,
}

/// An Orb Score and its components, a tree: the overall score has `responsiveness_score`,
/// `reliability_score` and `bandwidth_score` components, whose leaves carry raw measurements
/// (`internet_lag_us`, `download_bandwidth_kbps`, ...) in `value`.
///
/// ```
/// let s: orb_cloud::OrbScore = serde_json::from_str(r#"{"display": 91, "components": {
///     "bandwidth_score": {"display": 80, "components": {"download_bandwidth_kbps": {"value": 518022}}}}}"#)?;
/// assert_eq!(s.component("bandwidth_score").and_then(|c| c.display), Some(80));
/// assert_eq!(s.find("download_bandwidth_kbps").and_then(|c| c.value), Some(518022.0));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrbScore {
    /// Raw score, 0 to 1.
    #[serde(default)]
    pub score: Option<f64>,
    /// Score for display, 0 to 100.
    #[serde(default, deserialize_with = "wire::flexible_i64")]
    pub display: Option<i64>,
    /// Whether there were enough measurements for the score to be conclusive.
    #[serde(default, deserialize_with = "wire::flexible_bool")]
    pub included: Option<bool>,
    /// Raw measurement, on leaf components (unit in the component's name).
    #[serde(default)]
    pub value: Option<f64>,
    /// Components by name.
    #[serde(default, deserialize_with = "wire::null_as_default")]
    pub components: BTreeMap<String, OrbScore>,
    /// Measurement window, milliseconds.
    #[serde(default, deserialize_with = "wire::flexible_i64")]
    pub duration_ms: Option<i64>,
    /// Scoring algorithm version (`1.2.0`).
    #[serde(default)]
    pub score_version: Option<String>,
}

impl OrbScore {
    /// A direct component (`responsiveness_score`, `reliability_score`, `bandwidth_score`).
    pub fn component(&self, name: &str) -> Option<&OrbScore> {
        self.components.get(name)
    }

    /// A component anywhere in the tree, depth first.
    pub fn find(&self, name: &str) -> Option<&OrbScore> {
        self.components
            .get(name)
            .or_else(|| self.components.values().find_map(|c| c.find(name)))
    }
}
