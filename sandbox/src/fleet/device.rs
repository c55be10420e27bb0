//! A device as generated: its identity, network, host facts, links and measurements.

use crate::places::Technology;

use super::configuration::ConfigMap;
use super::measurements::{OrbScore, Profile};

/// How a device reaches its network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    /// Wired.
    Ethernet,
    /// Wi-Fi.
    Wifi,
    /// Mobile.
    Cellular,
}

impl NetworkKind {
    /// The `network_interface.type` string of the summary.
    pub fn summary_type(self) -> &'static str {
        match self {
            NetworkKind::Ethernet => "Ethernet",
            NetworkKind::Wifi => "WiFi",
            NetworkKind::Cellular => "Cellular",
        }
    }

    /// The `network_type` integer of dataset records (1 wifi, 2 ethernet, 4 cellular).
    pub fn dataset_code(self) -> i64 {
        match self {
            NetworkKind::Wifi => 1,
            NetworkKind::Ethernet => 2,
            NetworkKind::Cellular => 4,
        }
    }
}

/// The Wi-Fi link of a Wi-Fi device.
#[derive(Debug, Clone, PartialEq)]
pub struct WifiLink {
    /// Network name.
    pub ssid: String,
    /// Access point MAC.
    pub bssid: String,
    /// `2.4 GHz`, `5 GHz` or `6 GHz`.
    pub band: String,
    /// Channel number.
    pub channel: i64,
    /// Centre frequency.
    pub frequency_mhz: i64,
    /// `20 MHz` … `160 MHz`.
    pub channel_width: String,
    /// `802.11ax` …
    pub phy_mode: String,
    /// `WPA2 Personal` …
    pub security: String,
    /// Typical RSSI (dBm).
    pub rssi: i64,
    /// Typical noise (dBm).
    pub noise: i64,
    /// Typical transmit rate (Mbps).
    pub tx_rate_mbps: i64,
    /// Typical receive rate (Mbps).
    pub rx_rate_mbps: i64,
    /// Modulation and coding scheme index.
    pub mcs: i64,
    /// Spatial streams.
    pub nss: i64,
    /// Channels the adapter supports, comma separated.
    pub supported_wlan_channels: String,
}

/// GeoIP facts of a device (`summary.tags.geoip`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GeoIp {
    /// City.
    pub city: String,
    /// State or region.
    pub state: String,
    /// Country.
    pub country: String,
    /// Provider.
    pub isp_name: String,
    /// Latitude (4 decimals).
    pub latitude: f64,
    /// Longitude (4 decimals).
    pub longitude: f64,
    /// ISO country code.
    pub country_code: String,
}

/// Host facts of a device (`summary.tags.device_info`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeviceInfo {
    /// Host name.
    pub name: String,
    /// Orb software version (`v1.4.1`).
    pub version: String,
    /// CPUs.
    pub cpu_count: i64,
    /// Full host name.
    pub full_name: String,
    /// `linux`, `macos`, `windows`, `android`, `ios`.
    pub operating_system: String,
}

/// The measuring interface (`summary.tags.network_interface`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NetworkInterface {
    /// Interface name (`eth0`).
    pub name: String,
    /// `Ethernet`, `WiFi`, `Cellular`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Private address.
    pub local_ip: String,
    /// MAC address.
    pub mac_address: String,
}

/// A link of a device to another organization (`orbinfo.OrganizationDeviceLink`).
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceLink {
    /// When the link ends (epoch ms).
    pub expiration_ts: i64,
    /// The invitation's id.
    pub invite_id: String,
    /// The invitation's name.
    pub invite_name: String,
    /// The invitation's description.
    pub invite_description: String,
    /// The linked organization's id.
    pub organization_id: String,
    /// The linked organization's name.
    pub organization_name: String,
    /// `community` or `commercial`.
    pub bandwidth_tier: String,
    /// The link's relationship.
    pub relationship: String,
}

/// A device as generated (its initial state; the server keeps the mutable part).
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// 28 lowercase alphanumerics.
    pub orb_id: String,
    /// Display name.
    pub name: String,
    /// Connected now.
    pub is_connected: bool,
    /// When the connection state last changed (epoch ms).
    pub is_connected_updated_at: i64,
    /// When the device was added (epoch ms).
    pub created_ts: i64,
    /// Whether it may send notifications.
    pub can_notify: bool,
    /// Relationship to the organization (`owner`, `shared`).
    pub relationship: String,
    /// The configuration it was linked with.
    pub configuration_id: String,
    /// Its configuration override at start (`None`: none).
    pub config_override: Option<ConfigMap>,
    /// Whether it has not applied its latest configuration yet.
    pub has_stale_config: bool,
    /// Tags besides the `dt=` one.
    pub extra_tags: Vec<String>,
    /// Links to other organizations.
    pub links: Vec<DeviceLink>,
    /// GeoIP.
    pub geoip: GeoIp,
    /// Host facts.
    pub device_info: DeviceInfo,
    /// Measuring interface.
    pub network_interface: NetworkInterface,
    /// How it is connected.
    pub network: NetworkKind,
    /// The provider's technology.
    pub technology: Technology,
    /// Its public address.
    pub public_ip: String,
    /// Wi-Fi link (Wi-Fi devices only).
    pub wifi: Option<WifiLink>,
    /// Typical measurements.
    pub profile: Profile,
    /// When the last summary was made (epoch ms).
    pub summary_created_ts: i64,
    /// The 1-minute score.
    pub orb_score: OrbScore,
    /// Scores of longer windows (1 h, 24 h).
    pub orb_scores: Vec<OrbScore>,
}

impl Device {
    /// The display Orb Score (0-100).
    pub fn display_score(&self) -> i64 {
        self.orb_score.display
    }

    /// Whether this device measures over Wi-Fi (and so has `wifi_link_*` datasets).
    pub fn is_wifi(&self) -> bool {
        self.network == NetworkKind::Wifi
    }
}
