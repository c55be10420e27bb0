//! The seeded, deterministic fleet: organizations, configurations (deployment tokens) and devices.
//!
//! [`Fleet::generate`] is a pure function of [`FleetConfig`]: the same seed gives the same fleet,
//! byte for byte ([`Fleet::to_json`]), on every platform. Timestamps are relative to
//! [`FleetConfig::epoch_ms`] (by default [`DEFAULT_EPOCH_MS`]), never to the wall clock.

use std::collections::BTreeMap;

use crate::places::{Isp, Place, Technology, PLACES, PUBLIC_FIRST_OCTETS};
use crate::rng::{mix, orb_id, Rng, LOWER, LOWER_ALNUM};

/// A device configuration map: key to list of strings, e.g.
/// `{"datasets.cloud_push": ["scores_1m"]}` (Orb's configuration format).
pub type ConfigMap = BTreeMap<String, Vec<String>>;

/// The instant the fleet's timestamps are relative to: 2026-09-21T14:13:20Z, in epoch milliseconds.
pub const DEFAULT_EPOCH_MS: u64 = 1_790_000_000_000;

/// The most devices one organization may have.
pub const MAX_DEVICES_PER_ORG: usize = 10_000;
/// The most organizations a fleet may have.
pub const MAX_ORGS: usize = 100;
/// The most devices a whole fleet may have (about 4 KB of JSON each, kept in memory).
pub const MAX_TOTAL_DEVICES: usize = 200_000;

/// The scoring algorithm's version, as devices report it.
pub const SCORE_VERSION: &str = "1.2.0";

const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// What to generate.
///
/// ```
/// use orb_cloud_sandbox::fleet::{Fleet, FleetConfig};
/// let fleet = Fleet::generate(&FleetConfig { orgs: 1, devices: 3, seed: 7, ..FleetConfig::default() });
/// assert_eq!(fleet.organizations[0].devices.len(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetConfig {
    /// Number of organizations (1 to [`MAX_ORGS`]).
    pub orgs: usize,
    /// Devices per organization (0 to [`MAX_DEVICES_PER_ORG`]).
    pub devices: usize,
    /// The seed every choice derives from.
    pub seed: u64,
    /// "Now" for the fleet's timestamps, in epoch milliseconds.
    pub epoch_ms: u64,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            orgs: 2,
            devices: 25,
            seed: 1,
            epoch_ms: DEFAULT_EPOCH_MS,
        }
    }
}

/// The generated fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    /// The configuration it was generated from.
    pub config: FleetConfig,
    /// Its organizations.
    pub organizations: Vec<Organization>,
}

/// Plan limits (`db.AccountPlanLimits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    /// Deployment tokens.
    pub deployment_tokens: i64,
    /// Devices.
    pub devices: i64,
    /// Alert rules.
    pub rules: i64,
    /// Spaces.
    pub spaces: i64,
    /// Users.
    pub users: i64,
}

/// An organization's plan (`db.AccountPlan`).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Plan name (`Pro`, `Business`, `Enterprise`).
    pub name: String,
    /// Feature flags of the plan.
    pub features: Vec<String>,
    /// Configuration entitlements.
    pub entitlements: Vec<String>,
    /// The plan's limits.
    pub limits: Limits,
    /// Per-organization overrides of the limits (zeros: none).
    pub overrides: Limits,
}

/// The partner that manages an organization (`server.OrganizationManager`); empty strings when
/// the organization is not managed (Go zero values).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manager {
    /// Logo.
    pub icon_image_url: String,
    /// Name.
    pub name: String,
    /// The managing organization's id.
    pub organization_id: String,
}

/// An organization and everything in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    /// Its id (28 lowercase alphanumerics).
    pub organization_id: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Billing customer id (`cus_…`).
    pub customer_id: String,
    /// Billing subscription id (`sub_…`).
    pub subscription_id: String,
    /// Logo URL (may be empty).
    pub icon_image_url: String,
    /// Flags.
    pub flags: Vec<String>,
    /// Roles of the API key's user in the organization.
    pub roles: Vec<String>,
    /// The plan.
    pub plan: Plan,
    /// Allocations.
    pub allocations: Limits,
    /// Managing partner.
    pub manager: Manager,
    /// The configuration new devices get.
    pub default_configuration_id: String,
    /// Configurations (deployment tokens).
    pub configurations: Vec<Configuration>,
    /// Devices.
    pub devices: Vec<Device>,
}

/// A configuration, i.e. a deployment token with its settings
/// (`server.OrganizationConfigurationsResponse`).
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    /// Its id.
    pub id: String,
    /// Its name (`Default Configuration`).
    pub name: String,
    /// The deployment token (`orb-dt1-…`).
    pub token: String,
    /// Access code for linking sensors by hand.
    pub access_code: String,
    /// When the access code expires (epoch ms).
    pub access_code_expiration_ts: i64,
    /// Settings applied to devices using it.
    pub config: ConfigMap,
    /// Tags given to devices using it.
    pub tags: Vec<String>,
    /// Creation (epoch ms).
    pub created_at: i64,
    /// Last update (epoch ms).
    pub updated_at: i64,
    /// Last use to link a sensor (epoch ms).
    pub last_used_at: i64,
    /// Revoked tokens link no new sensor.
    pub is_revoked: bool,
}

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

/// A device's typical measurements, which its summary and its dataset records are drawn around.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Download bandwidth (kbps).
    pub download_kbps: f64,
    /// Upload bandwidth (kbps).
    pub upload_kbps: f64,
    /// Internet lag (µs).
    pub lag_us: f64,
    /// Jitter (µs).
    pub jitter_us: f64,
    /// Packet loss (%).
    pub loss_pct: f64,
    /// Lag to the router (µs).
    pub router_lag_us: f64,
    /// DNS resolution time (µs).
    pub dns_us: f64,
    /// Time to first byte of web pages (µs).
    pub ttfb_us: f64,
}

/// An Orb Score tree (Orb's hand-written `OrbScore`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OrbScore {
    /// Raw score, 0 to 1.
    pub score: f64,
    /// Display score, 0 to 100.
    pub display: i64,
    /// Whether enough measurements were made to be conclusive.
    pub included: bool,
    /// Raw measurement (leaves only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Components (not on leaves), serialized as a JSON object in this order. A list rather than
    /// a map keeps 10,000 devices' trees small in memory.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_components"
    )]
    pub components: Vec<(&'static str, OrbScore)>,
    /// Window of the score (ms).
    pub duration_ms: i64,
    /// Scoring algorithm version.
    pub score_version: &'static str,
}

fn serialize_components<S: serde::Serializer>(
    components: &[(&'static str, OrbScore)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(components.len()))?;
    for (k, v) in components {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

impl OrbScore {
    /// A component by key (`"responsiveness_score"`), if present.
    ///
    /// ```
    /// use orb_cloud_sandbox::fleet::{Fleet, FleetConfig};
    /// let fleet = Fleet::generate(&FleetConfig::default());
    /// let score = &fleet.organizations[0].devices[0].orb_score;
    /// let lag = score.component("responsiveness_score").and_then(|c| c.component("internet_lag_us"));
    /// assert!(lag.and_then(|l| l.value).is_some());
    /// ```
    pub fn component(&self, key: &str) -> Option<&OrbScore> {
        self.components
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
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

impl Fleet {
    /// Generates the fleet for `config` (counts are clamped to the supported ranges).
    ///
    /// ```
    /// use orb_cloud_sandbox::fleet::{Fleet, FleetConfig};
    /// let cfg = FleetConfig { orgs: 2, devices: 5, seed: 42, ..FleetConfig::default() };
    /// assert_eq!(Fleet::generate(&cfg).to_json(), Fleet::generate(&cfg).to_json());
    /// ```
    pub fn generate(config: &FleetConfig) -> Fleet {
        let mut config = *config;
        config.orgs = config.orgs.clamp(1, MAX_ORGS);
        config.devices = config.devices.min(MAX_DEVICES_PER_ORG);
        let organizations = (0..config.orgs).map(|i| generate_org(&config, i)).collect();
        Fleet {
            config,
            organizations,
        }
    }

    /// The fleet's initial state as JSON bytes: every organization, configuration and device in
    /// the wire shapes the API serves. Same seed, same bytes.
    pub fn to_json(&self) -> Vec<u8> {
        crate::wire::fleet_json(self)
    }

    /// An organization by id.
    pub fn organization(&self, organization_id: &str) -> Option<&Organization> {
        self.organizations
            .iter()
            .find(|o| o.organization_id == organization_id)
    }

    /// A device by id, with its organization.
    pub fn device(&self, orb_id: &str) -> Option<(&Organization, &Device)> {
        self.organizations.iter().find_map(|o| {
            o.devices
                .iter()
                .find(|d| d.orb_id == orb_id)
                .map(|d| (o, d))
        })
    }

    /// Every device of every organization.
    pub fn devices(&self) -> impl Iterator<Item = &Device> {
        self.organizations.iter().flat_map(|o| o.devices.iter())
    }
}

const ORG_NAMES: &[(&str, &str)] = &[
    ("Northwind Retail", "Stores and distribution centres"),
    ("Harbor Health Clinics", "Outpatient clinics"),
    ("Summit Coworking", "Shared office spaces"),
    ("Bluebird Schools", "K-12 school district"),
    ("Cascade Credit Union", "Branches and ATMs"),
    ("Evergreen Hotels", "Hotels and resorts"),
    ("Ridgeway Logistics", "Warehouses and depots"),
    ("Lumen Dental Group", "Dental practices"),
    ("Orchard Cafés", "Coffee shops"),
    ("Pioneer Field Services", "Remote field offices"),
    ("Juniper Home Office", "Employees working from home"),
    ("Meridian ISP Support", "Customer premises monitoring"),
];

const MANAGERS: &[&str] = &["Orb Partner Network", "Clearpath Managed IT", "Skyline MSP"];

const SITE_KINDS: &[&str] = &[
    "Front Desk",
    "Lobby",
    "Office",
    "Warehouse",
    "Conference Room",
    "Server Room",
    "Store",
    "Branch",
    "Clinic",
    "Classroom",
    "Home",
    "Kitchen",
];

const ADJECTIVES: &[&str] = &[
    "hardy", "brisk", "calm", "eager", "gentle", "jolly", "lucky", "mellow", "nimble", "plucky",
    "quiet", "rapid", "sunny", "tidy", "vivid", "witty", "zesty", "bold", "crisp", "daring",
];

const SSIDS: &[&str] = &[
    "HomeNet",
    "Office-5G",
    "CORP-WLAN",
    "Guest",
    "NETGEAR42",
    "TP-Link_5G_8A2C",
    "eero",
    "Staff",
    "Store-WiFi",
    "Clinic-Secure",
];

const VERSIONS: &[(&str, f64)] = &[
    ("v1.3.2", 0.1),
    ("v1.4.0", 0.15),
    ("v1.4.1", 0.35),
    ("v1.5.0", 0.4),
];

fn round_to(x: f64, decimals: i32) -> f64 {
    let m = match decimals {
        2 => 100.0,
        4 => 10_000.0,
        _ => 1.0,
    };
    (x * m).round() / m
}

fn prefixed_id(rng: &mut Rng, prefix: &str, len: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    format!("{prefix}{}", rng.string(alphabet, len))
}

fn config(entries: &[(&str, &[&str])]) -> ConfigMap {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// The settings templates configurations are drawn from: name, settings.
fn configuration_templates() -> Vec<(&'static str, ConfigMap)> {
    vec![
        (
            "Default Configuration",
            config(&[
                ("datasets.cloud_push", &["scores_1m"]),
                ("orb.identifiable_level", &["minimal"]),
            ]),
        ),
        (
            "Retail Stores",
            config(&[
                (
                    "datasets.cloud_push",
                    &["scores_1m", "responsiveness_1m", "speed_results"],
                ),
                (
                    "datasets.datasets",
                    &[
                        "scores_1m",
                        "responsiveness_1m",
                        "speed_results",
                        "web_responsiveness_results",
                    ],
                ),
                ("datasets.identifiable", &["true"]),
                (
                    "collectors.bandwidth.speed_servers",
                    &["https://speed.cloudflare.com/"],
                ),
                ("orb.identifiable_level", &["full"]),
            ]),
        ),
        (
            "Remote Workers",
            config(&[
                ("datasets.cloud_push", &["scores_1m", "wifi_link_1m"]),
                ("orb.identifiable_level", &["none"]),
            ]),
        ),
        (
            "Branch Offices",
            config(&[
                ("datasets.cloud_push", &["scores_1m", "responsiveness_1m"]),
                (
                    "datasets.push",
                    &[
                        "scores_1m",
                        "responsiveness_1m",
                        "format=jsonl",
                        "url=https://collector.example.com/orb/ingest",
                    ],
                ),
                (
                    "collectors.response.lag_endpoints",
                    &["https://www.google.com", "https://www.cloudflare.com"],
                ),
            ]),
        ),
        (
            "Lab Sensors",
            config(&[
                (
                    "datasets.api",
                    &[
                        "port=7080",
                        "scores_1s",
                        "responsiveness_1s",
                        "speed_results",
                    ],
                ),
                ("datasets.cloud_push", &["scores_1m"]),
                ("orb.identifiable_level", &["full"]),
            ]),
        ),
    ]
}

fn generate_org(cfg: &FleetConfig, index: usize) -> Organization {
    let mut rng = Rng::new(mix(&[cfg.seed, 0x0E6, index as u64]));
    let epoch = cfg.epoch_ms as i64;
    let organization_id = orb_id(&mut rng);
    let (base_name, description) =
        ORG_NAMES[(mix(&[cfg.seed, 0xA11]) as usize + index) % ORG_NAMES.len()];
    let name = if index >= ORG_NAMES.len() {
        format!("{base_name} {}", index / ORG_NAMES.len() + 1)
    } else {
        base_name.to_string()
    };

    // Configurations: the default one plus one to three others; sometimes one is revoked.
    let templates = configuration_templates();
    let extra = rng.between(1, 3) as usize;
    let mut chosen = vec![0usize];
    let mut pool: Vec<usize> = (1..templates.len()).collect();
    for _ in 0..extra {
        let i = rng.below(pool.len() as u64) as usize;
        chosen.push(pool.remove(i));
    }
    let mut configurations: Vec<Configuration> = chosen
        .iter()
        .enumerate()
        .map(|(n, t)| {
            let created_at = epoch - rng.between(60 * DAY, 700 * DAY) as i64;
            let updated_at = created_at + rng.between(0, 50 * DAY) as i64;
            Configuration {
                id: orb_id(&mut rng),
                name: templates[*t].0.to_string(),
                token: format!("orb-dt1-{}", rng.string(LOWER_ALNUM, 32)),
                access_code: format!(
                    "{}-{}",
                    rng.string(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 4),
                    rng.string(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 4)
                ),
                access_code_expiration_ts: epoch + rng.between(DAY, 30 * DAY) as i64,
                config: templates[*t].1.clone(),
                tags: if n == 0 {
                    vec![]
                } else {
                    vec![format!(
                        "group={}",
                        templates[*t].0.to_lowercase().replace(' ', "-")
                    )]
                },
                created_at,
                updated_at,
                last_used_at: updated_at + rng.between(0, 10 * DAY) as i64,
                is_revoked: n > 0 && n == extra && extra >= 3,
            }
        })
        .collect();
    configurations.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let default_configuration_id = configurations
        .iter()
        .find(|c| c.name == "Default Configuration")
        .map(|c| c.id.clone())
        .unwrap_or_default();

    let plan_tier = if cfg.devices > 1000 {
        2
    } else if cfg.devices > 100 {
        1
    } else {
        rng.below(2) as usize
    };
    let (plan_name, device_limit) =
        [("Pro", 100i64), ("Business", 1000), ("Enterprise", 10_000)][plan_tier];
    let limits = Limits {
        deployment_tokens: [10, 50, 500][plan_tier],
        devices: device_limit,
        rules: [25, 100, 1000][plan_tier],
        spaces: [5, 50, 500][plan_tier],
        users: [5, 25, 250][plan_tier],
    };
    let mut features = vec![
        "api_access".to_string(),
        "datasets".to_string(),
        "speed_tests".to_string(),
        "alerts".to_string(),
    ];
    if plan_tier >= 1 {
        features.push("sso".to_string());
    }
    let plan = Plan {
        name: plan_name.to_string(),
        features,
        entitlements: vec![
            "datasets.push".to_string(),
            "datasets.api".to_string(),
            "datasets.cloud_push".to_string(),
        ],
        limits,
        overrides: Limits {
            deployment_tokens: 0,
            devices: 0,
            rules: 0,
            spaces: 0,
            users: 0,
        },
    };
    let managed = index % 3 == 2;
    let manager = if managed {
        let mut mrng = Rng::new(mix(&[cfg.seed, 0x3A9, index as u64 % 3]));
        Manager {
            icon_image_url: String::new(),
            name: MANAGERS[(index / 3) % MANAGERS.len()].to_string(),
            organization_id: orb_id(&mut mrng),
        }
    } else {
        Manager::default()
    };

    let devices = (0..cfg.devices)
        .map(|d| generate_device(cfg, index, &organization_id, &configurations, d))
        .collect();

    Organization {
        description: description.to_string(),
        customer_id: prefixed_id(&mut rng, "cus_", 14),
        subscription_id: prefixed_id(&mut rng, "sub_", 24),
        icon_image_url: if rng.chance(0.5) {
            format!("https://example.com/icons/{organization_id}.png")
        } else {
            String::new()
        },
        flags: if rng.chance(0.3) {
            vec!["beta_features".to_string()]
        } else {
            vec![]
        },
        roles: vec![if index == 0 { "owner" } else { "admin" }.to_string()],
        plan,
        allocations: Limits {
            deployment_tokens: limits.deployment_tokens,
            devices: device_limit,
            rules: limits.rules,
            spaces: limits.spaces,
            users: limits.users,
        },
        manager,
        default_configuration_id,
        configurations,
        devices,
        organization_id,
        name,
    }
}

/// Score of a measurement in `[0, 1]`, by a rational curve (portable: no transcendental function).
pub fn bandwidth_down_score(kbps: f64) -> f64 {
    kbps / (kbps + 50_000.0)
}

/// Upload bandwidth score.
pub fn bandwidth_up_score(kbps: f64) -> f64 {
    kbps / (kbps + 10_000.0)
}

/// Lag score: 1 at zero lag, 0.5 at 80 ms.
pub fn lag_score(lag_us: f64) -> f64 {
    let r = lag_us / 80_000.0;
    1.0 / (1.0 + r * r)
}

/// Loss score: 1 at no loss, 0.5 at 2 %.
pub fn loss_score(loss_pct: f64) -> f64 {
    let r = loss_pct / 2.0;
    1.0 / (1.0 + r * r)
}

/// Component scores from measurements: (bandwidth, reliability, responsiveness, orb score), all 0-1.
pub fn scores(download_kbps: f64, upload_kbps: f64, lag_us: f64, loss_pct: f64) -> [f64; 4] {
    let bandwidth =
        0.6 * bandwidth_down_score(download_kbps) + 0.4 * bandwidth_up_score(upload_kbps);
    let reliability = loss_score(loss_pct);
    let responsiveness = lag_score(lag_us);
    let orb = 0.45 * responsiveness + 0.35 * reliability + 0.2 * bandwidth;
    [bandwidth, reliability, responsiveness, orb]
}

fn display(score: f64) -> i64 {
    (score * 100.0).round().clamp(0.0, 100.0) as i64
}

fn leaf(score: f64, value: f64, included: bool, duration_ms: i64) -> OrbScore {
    OrbScore {
        score,
        display: display(score),
        included,
        value: Some(value),
        components: Vec::new(),
        duration_ms,
        score_version: SCORE_VERSION,
    }
}

fn node(
    score: f64,
    included: bool,
    duration_ms: i64,
    components: Vec<(&'static str, OrbScore)>,
) -> OrbScore {
    OrbScore {
        score,
        display: display(score),
        included,
        value: None,
        components,
        duration_ms,
        score_version: SCORE_VERSION,
    }
}

/// The full Orb Score tree for measurements over a window.
pub fn score_tree(p: &Profile, bandwidth_included: bool, duration_ms: i64) -> OrbScore {
    let [bandwidth, reliability, responsiveness, orb] =
        scores(p.download_kbps, p.upload_kbps, p.lag_us, p.loss_pct);
    node(
        orb,
        true,
        duration_ms,
        vec![
            (
                "bandwidth_score",
                node(
                    bandwidth,
                    bandwidth_included,
                    duration_ms,
                    vec![
                        (
                            "download_bandwidth_kbps",
                            leaf(
                                bandwidth_down_score(p.download_kbps),
                                p.download_kbps,
                                bandwidth_included,
                                duration_ms,
                            ),
                        ),
                        (
                            "upload_bandwidth_kbps",
                            leaf(
                                bandwidth_up_score(p.upload_kbps),
                                p.upload_kbps,
                                bandwidth_included,
                                duration_ms,
                            ),
                        ),
                    ],
                ),
            ),
            (
                "reliability_score",
                node(
                    reliability,
                    true,
                    duration_ms,
                    vec![(
                        "internet_loss_status",
                        leaf(reliability, p.loss_pct, true, duration_ms),
                    )],
                ),
            ),
            (
                "responsiveness_score",
                node(
                    responsiveness,
                    true,
                    duration_ms,
                    vec![(
                        "internet_lag_us",
                        leaf(responsiveness, p.lag_us, true, duration_ms),
                    )],
                ),
            ),
        ],
    )
}

fn mac(rng: &mut Rng, oui: &str) -> String {
    format!(
        "{oui}:{:02x}:{:02x}:{:02x}",
        rng.below(256),
        rng.below(256),
        rng.below(256)
    )
}

fn profile_for(rng: &mut Rng, tech: Technology, network: NetworkKind, troubled: bool) -> Profile {
    // (download range kbps, upload ratio or range, lag ms range, loss % range)
    let (down, up, lag_ms, loss) = match tech {
        Technology::Fiber => (
            (250_000.0, 1_000_000.0),
            (0.5, 1.0),
            (6.0, 18.0),
            (0.0, 0.3),
        ),
        Technology::Cable => (
            (150_000.0, 1_000_000.0),
            (0.02, 0.05),
            (12.0, 32.0),
            (0.0, 0.8),
        ),
        Technology::Dsl => ((10_000.0, 100_000.0), (0.1, 0.2), (22.0, 55.0), (0.1, 1.5)),
        Technology::FixedWireless => ((50_000.0, 300_000.0), (0.1, 0.25), (25.0, 55.0), (0.2, 2.0)),
        Technology::Satellite => (
            (60_000.0, 250_000.0),
            (0.08, 0.15),
            (30.0, 65.0),
            (0.3, 2.5),
        ),
        Technology::Cellular => ((20_000.0, 300_000.0), (0.1, 0.3), (30.0, 75.0), (0.2, 2.0)),
    };
    let mut download = rng.range_f64(down.0, down.1);
    let mut upload = download * rng.range_f64(up.0, up.1);
    if tech == Technology::Cable {
        upload = upload.max(rng.range_f64(10_000.0, 45_000.0));
    }
    let mut lag_us = rng.range_f64(lag_ms.0, lag_ms.1) * 1000.0;
    let mut loss = rng.range_f64(loss.0, loss.1);
    let mut router_lag_us = rng.range_f64(400.0, 1500.0);
    if network == NetworkKind::Wifi {
        download = download.min(rng.range_f64(250_000.0, 650_000.0));
        upload = upload.min(rng.range_f64(150_000.0, 450_000.0));
        lag_us += rng.range_f64(1_500.0, 9_000.0);
        router_lag_us += rng.range_f64(1_500.0, 6_000.0);
    }
    if troubled {
        lag_us *= rng.range_f64(1.8, 3.5);
        loss += rng.range_f64(1.5, 6.0);
        download *= rng.range_f64(0.2, 0.6);
    }
    Profile {
        download_kbps: download,
        upload_kbps: upload,
        lag_us,
        jitter_us: (lag_us * rng.range_f64(0.05, 0.25)).round(),
        loss_pct: round_to(loss, 2),
        router_lag_us: router_lag_us.round(),
        dns_us: rng.range_f64(4_000.0, 40_000.0).round(),
        ttfb_us: (lag_us * rng.range_f64(3.0, 6.0) + rng.range_f64(20_000.0, 80_000.0)).round(),
    }
}

fn drift(rng: &mut Rng, p: &Profile, spread: f64) -> Profile {
    let mut f = |x: f64| x * rng.range_f64(1.0 - spread, 1.0 + spread);
    Profile {
        download_kbps: f(p.download_kbps),
        upload_kbps: f(p.upload_kbps),
        lag_us: f(p.lag_us),
        jitter_us: f(p.jitter_us),
        loss_pct: round_to(p.loss_pct * rng.range_f64(0.7, 1.3), 2),
        router_lag_us: p.router_lag_us,
        dns_us: p.dns_us,
        ttfb_us: p.ttfb_us,
    }
}

fn wifi_link(rng: &mut Rng) -> WifiLink {
    let band = rng.weighted(&[0.15, 0.7, 0.15]);
    let (band_name, channel, frequency_mhz, widths): (&str, i64, i64, &[&str]) = match band {
        0 => {
            let ch = *rng.pick(&[1i64, 6, 11]);
            ("2.4 GHz", ch, 2407 + 5 * ch, &["20 MHz", "40 MHz"])
        }
        1 => {
            let ch = *rng.pick(&[36i64, 40, 44, 48, 149, 153, 157, 161]);
            ("5 GHz", ch, 5000 + 5 * ch, &["40 MHz", "80 MHz", "160 MHz"])
        }
        _ => {
            let ch = *rng.pick(&[5i64, 21, 37, 53, 69, 85]);
            ("6 GHz", ch, 5950 + 5 * ch, &["80 MHz", "160 MHz"])
        }
    };
    let rssi = -(rng.between(45, 78) as i64);
    let phy_mode = if band == 2 {
        "802.11ax"
    } else {
        *rng.pick(&["802.11ax", "802.11ax", "802.11ac", "802.11n"])
    };
    let quality = (90 + rssi).clamp(5, 45) as f64 / 45.0; // 1.0 at -45 dBm
    let max_rate = match phy_mode {
        "802.11n" => 300.0,
        "802.11ac" => 867.0,
        _ => 1201.0,
    };
    let tx = (max_rate * quality * rng.range_f64(0.7, 1.0)).round() as i64;
    let ap_oui = *rng.pick(&["a4:2b:b0", "f0:9f:c2", "3c:37:86", "b4:fb:e4"]);
    WifiLink {
        ssid: rng.pick(SSIDS).to_string(),
        bssid: mac(rng, ap_oui),
        band: band_name.to_string(),
        channel,
        frequency_mhz,
        channel_width: rng.pick(widths).to_string(),
        phy_mode: phy_mode.to_string(),
        security: rng
            .pick(&["WPA2 Personal", "WPA3 Personal", "WPA2 Enterprise"])
            .to_string(),
        rssi,
        noise: -(rng.between(90, 96) as i64),
        tx_rate_mbps: tx.max(6),
        rx_rate_mbps: ((tx as f64) * rng.range_f64(0.8, 1.1)).round().max(6.0) as i64,
        mcs: (quality * 11.0).round() as i64,
        nss: rng.between(1, 2) as i64,
        supported_wlan_channels: "1,6,11,36,40,44,48,149,153,157,161".to_string(),
    }
}

fn generate_device(
    cfg: &FleetConfig,
    org_index: usize,
    organization_id: &str,
    configurations: &[Configuration],
    index: usize,
) -> Device {
    let mut rng = Rng::new(mix(&[cfg.seed, 0xDE7, org_index as u64, index as u64]));
    let epoch = cfg.epoch_ms as i64;
    let orb_id = orb_id(&mut rng);
    let place: &Place = rng.pick(PLACES);
    let isp: &Isp = rng.pick(place.isps);

    // Operating system and network. The first two devices of every organization are connected,
    // on Ethernet and on Wi-Fi, so tests always have one of each.
    let os = match index {
        0 | 1 => "linux",
        _ => ["linux", "macos", "windows", "android", "ios"]
            [rng.weighted(&[0.55, 0.15, 0.15, 0.08, 0.07])],
    };
    let network = match index {
        0 => NetworkKind::Ethernet,
        1 => NetworkKind::Wifi,
        _ if isp.technology == Technology::Cellular && matches!(os, "android" | "ios") => {
            NetworkKind::Cellular
        }
        _ => {
            let wifi_share = match os {
                "linux" => 0.3,
                "android" | "ios" => 1.0,
                _ => 0.7,
            };
            if rng.chance(wifi_share) {
                NetworkKind::Wifi
            } else {
                NetworkKind::Ethernet
            }
        }
    };
    let is_connected = index < 2 || rng.chance(0.88);
    let troubled = index >= 2 && rng.chance(0.07);
    let profile = profile_for(&mut rng, isp.technology, network, troubled);

    let adjective = rng.pick(ADJECTIVES);
    let host = format!(
        "{adjective}-{}{}",
        rng.string(LOWER, 3),
        rng.between(1000, 9999)
    );
    let site = rng.pick(SITE_KINDS);
    let name = format!("{} {} {:02}", place.city, site, index % 97 + 1);
    let (oui, iface, cpu_count) = match os {
        "linux" => (
            *rng.pick(&["dc:a6:32", "d8:3a:dd", "00:90:0b", "e4:5f:01"]),
            if network == NetworkKind::Wifi {
                "wlan0"
            } else {
                "eth0"
            },
            *rng.pick(&[2i64, 4, 4, 4, 8]),
        ),
        "macos" => (
            *rng.pick(&["f0:18:98", "a4:83:e7", "3c:22:fb"]),
            "en0",
            *rng.pick(&[8i64, 10, 12]),
        ),
        "windows" => (
            *rng.pick(&["3c:7c:3f", "74:d8:3e", "f4:8c:50"]),
            if network == NetworkKind::Wifi {
                "Wi-Fi"
            } else {
                "Ethernet"
            },
            *rng.pick(&[4i64, 8, 16]),
        ),
        _ => (
            *rng.pick(&["ac:5f:3e", "f8:4d:89", "28:c2:1f"]),
            if network == NetworkKind::Cellular {
                "rmnet0"
            } else {
                "wlan0"
            },
            *rng.pick(&[6i64, 8]),
        ),
    };
    let local_ip = if rng.chance(0.6) {
        format!(
            "192.168.{}.{}",
            rng.pick(&[0, 1, 1, 10, 50, 86, 207]),
            rng.between(2, 254)
        )
    } else {
        format!(
            "10.{}.{}.{}",
            rng.below(256),
            rng.below(256),
            rng.between(2, 254)
        )
    };
    let mac_address = mac(&mut rng, oui);
    let public_ip = format!(
        "{}.{}.{}.{}",
        rng.pick(PUBLIC_FIRST_OCTETS),
        rng.below(256),
        rng.below(256),
        rng.between(1, 254)
    );
    let wifi = (network == NetworkKind::Wifi).then(|| wifi_link(&mut rng));

    // Time line: created long ago; connection state changed some time before "now".
    let created_ts = epoch - rng.between(30 * DAY, 700 * DAY) as i64;
    let is_connected_updated_at = if is_connected {
        epoch - rng.between(MINUTE, 20 * DAY) as i64
    } else {
        epoch - rng.between(HOUR, 30 * DAY) as i64
    }
    .max(created_ts + HOUR as i64);
    let summary_created_ts = if is_connected {
        epoch - rng.between(0, 60_000) as i64
    } else {
        is_connected_updated_at - rng.between(0, 60_000) as i64
    };

    let bandwidth_included = rng.chance(0.93);
    let orb_score = score_tree(&profile, bandwidth_included, MINUTE as i64);
    let orb_scores = vec![
        score_tree(&drift(&mut rng, &profile, 0.08), true, HOUR as i64),
        score_tree(&drift(&mut rng, &profile, 0.15), true, DAY as i64),
    ];

    // Configuration: 60 % on the default, the rest spread over the others.
    let configuration_id = if configurations.len() > 1 && rng.chance(0.4) {
        configurations[rng.below(configurations.len() as u64) as usize]
            .id
            .clone()
    } else {
        configurations
            .iter()
            .find(|c| c.name == "Default Configuration")
            .unwrap_or(&configurations[0])
            .id
            .clone()
    };
    let config_override = (index >= 2 && rng.chance(0.08)).then(|| {
        config(&[
            ("datasets.datasets", &["responsiveness_1s", "speed_results"]),
            (
                "datasets.cloud_push",
                &["identifiable=true", "responsiveness_1s"],
            ),
        ])
    });
    let has_stale_config = !is_connected && rng.chance(0.25);
    let shared = index >= 2 && rng.chance(0.04);
    let links = if shared {
        let mut lrng = Rng::new(mix(&[cfg.seed, 0x11E, org_index as u64, index as u64]));
        let invite_id = crate::rng::orb_id(&mut lrng);
        vec![DeviceLink {
            expiration_ts: epoch + lrng.between(DAY, 60 * DAY) as i64,
            invite_id,
            invite_name: "Support access".to_string(),
            invite_description: "Shared with the ISP's support team for troubleshooting"
                .to_string(),
            organization_id: crate::rng::orb_id(&mut lrng),
            organization_name: format!("{} Support", isp.name),
            bandwidth_tier: lrng.pick(&["community", "commercial"]).to_string(),
            relationship: "viewer".to_string(),
        }]
    } else {
        vec![]
    };
    let mut extra_tags = Vec::new();
    if rng.chance(0.35) {
        extra_tags.push(format!(
            "site={}",
            place.city.to_lowercase().replace(' ', "-")
        ));
    }
    if rng.chance(0.15) {
        extra_tags.push(format!("floor={}", rng.between(1, 9)));
    }
    let _ = organization_id;

    Device {
        orb_id,
        name,
        is_connected,
        is_connected_updated_at,
        created_ts,
        can_notify: is_connected && rng.chance(0.8),
        relationship: if shared { "shared" } else { "owner" }.to_string(),
        configuration_id,
        config_override,
        has_stale_config,
        extra_tags,
        links,
        geoip: GeoIp {
            city: place.city.to_string(),
            state: place.state.to_string(),
            country: place.country.to_string(),
            isp_name: isp.name.to_string(),
            latitude: round_to(place.latitude + rng.range_f64(-0.04, 0.04), 4),
            longitude: round_to(place.longitude + rng.range_f64(-0.05, 0.05), 4),
            country_code: place.country_code.to_string(),
        },
        device_info: DeviceInfo {
            full_name: if os == "macos" {
                format!("{host}.local")
            } else {
                host.clone()
            },
            name: host,
            version: VERSIONS[rng.weighted(&VERSIONS.iter().map(|v| v.1).collect::<Vec<_>>())]
                .0
                .to_string(),
            cpu_count,
            operating_system: os.to_string(),
        },
        network_interface: NetworkInterface {
            name: iface.to_string(),
            kind: network.summary_type().to_string(),
            local_ip,
            mac_address,
        },
        network,
        technology: isp.technology,
        public_ip,
        wifi,
        profile,
        summary_created_ts,
        orb_score,
        orb_scores,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_counts() {
        let f = Fleet::generate(&FleetConfig {
            orgs: 3,
            devices: 40,
            seed: 5,
            ..Default::default()
        });
        assert_eq!(f.organizations.len(), 3);
        for o in &f.organizations {
            assert_eq!(o.devices.len(), 40);
            assert!(o
                .configurations
                .iter()
                .any(|c| c.id == o.default_configuration_id));
            for d in &o.devices {
                assert_eq!(d.orb_id.len(), 28);
                assert!(o.configurations.iter().any(|c| c.id == d.configuration_id));
                assert!((0..=100).contains(&d.display_score()));
            }
            assert!(
                o.devices[0].is_connected && o.devices[1].is_connected && o.devices[1].is_wifi()
            );
        }
    }

    #[test]
    fn fleet_varies() {
        let f = Fleet::generate(&FleetConfig {
            orgs: 1,
            devices: 500,
            seed: 11,
            ..Default::default()
        });
        let d = &f.organizations[0].devices;
        let connected = d.iter().filter(|d| d.is_connected).count();
        assert!(connected > 380 && connected < 495, "{connected}");
        let wifi = d.iter().filter(|d| d.is_wifi()).count();
        assert!(wifi > 50, "{wifi}");
        let scores: std::collections::BTreeSet<i64> = d.iter().map(|d| d.display_score()).collect();
        assert!(scores.len() > 15, "{scores:?}");
        let cities: std::collections::BTreeSet<&str> =
            d.iter().map(|d| d.geoip.city.as_str()).collect();
        assert!(cities.len() > 30);
    }

    #[test]
    fn score_tree_is_consistent() {
        let p = Profile {
            download_kbps: 500_000.0,
            upload_kbps: 20_000.0,
            lag_us: 20_000.0,
            jitter_us: 2000.0,
            loss_pct: 0.1,
            router_lag_us: 800.0,
            dns_us: 10_000.0,
            ttfb_us: 100_000.0,
        };
        let t = score_tree(&p, true, 60_000);
        assert_eq!(t.components.len(), 3);
        let lag = t
            .component("responsiveness_score")
            .and_then(|c| c.component("internet_lag_us"))
            .unwrap();
        assert_eq!(lag.value, Some(20_000.0));
        assert!(t.display > 80, "{}", t.display);
    }
}
