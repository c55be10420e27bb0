//! What the sandbox remembers about each device while it runs: its configuration, temporary
//! datasets and speed tests, and the snapshot of them the handle and `/_sandbox` show.

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::data_push::PushSettings;
use crate::fleet::{ConfigMap, Device, Organization};
use crate::requests::DatasetsConfig;

/// The part of a device that API calls change: its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceConfigState {
    /// The configuration (deployment token) the device follows.
    pub configuration_id: String,
    /// Its local override, set by PATCH and cleared by DELETE.
    pub config_override: Option<ConfigMap>,
    /// Whether the device has not applied its latest configuration yet.
    pub has_stale_config: bool,
}

impl DeviceConfigState {
    /// The state a device starts with.
    pub fn initial(device: &Device) -> Self {
        DeviceConfigState {
            configuration_id: device.configuration_id.clone(),
            config_override: device.config_override.clone(),
            has_stale_config: device.has_stale_config,
        }
    }
}

/// The configuration the device runs: its configuration's settings, then its override on top
/// (an override key replaces the configuration's key).
pub fn effective_config(org: &Organization, state: &DeviceConfigState) -> ConfigMap {
    let mut map = org
        .configurations
        .iter()
        .find(|c| c.id == state.configuration_id)
        .map(|c| c.config.clone())
        .unwrap_or_default();
    if let Some(o) = &state.config_override {
        for (k, v) in o {
            map.insert(k.clone(), v.clone());
        }
    }
    map
}

/// Temporary datasets active on a device.
#[derive(Debug, Clone, Serialize)]
pub struct TempDatasets {
    /// The duration as sent.
    pub duration: String,
    /// Start (epoch ms).
    pub started_ms: i64,
    /// End (epoch ms): the device reverts then.
    pub expires_ms: i64,
    /// The request's `datasets_config`.
    pub datasets_config: Option<DatasetsConfig>,
    /// Whether the device pushes (push enabled, a URL, the device connected).
    pub pushing: bool,
    #[serde(skip)]
    pub(crate) generation: u64,
    #[serde(skip)]
    pub(crate) cancel: Option<CancellationToken>,
    #[serde(skip)]
    pub(crate) records_tx: Option<mpsc::Sender<serde_json::Value>>,
    /// Set (epoch ms) when a newer configuration replaces this one: the session's last POST
    /// carries the records due up to then, the new session's start right after.
    #[serde(skip)]
    pub(crate) replaced_at_ms: std::sync::Arc<std::sync::atomic::AtomicI64>,
    #[serde(skip)]
    pub(crate) push: Option<PushSettings>,
}

/// A speed test run on a device.
#[derive(Debug, Clone, Serialize)]
pub struct SpeedTest {
    /// Its id.
    pub test_uuid: String,
    /// `content` or `top`.
    pub test_type: String,
    /// When requested (epoch ms).
    pub requested_ms: i64,
    /// When finished (epoch ms), if it has.
    pub finished_ms: Option<i64>,
    /// The `speed_results` record it produced.
    pub result: Option<serde_json::Value>,
}

/// Everything the sandbox remembers about one device (see
/// [`crate::SandboxHandle::device_state`]).
#[derive(Debug, Clone, Serialize)]
pub struct DeviceSnapshot {
    /// The device.
    pub orb_id: String,
    /// Its organization.
    pub organization_id: String,
    /// The configuration it follows.
    pub configuration_id: String,
    /// Its local override.
    pub config_override: Option<ConfigMap>,
    /// What it runs.
    pub effective_config: ConfigMap,
    /// Whether it has not applied its latest configuration.
    pub has_stale_config: bool,
    /// Active temporary datasets.
    pub temp_datasets: Option<TempDatasets>,
    /// Speed tests, oldest first (the last 100).
    pub speed_tests: Vec<SpeedTest>,
}

/// A device's live state: what API calls changed, and its listing JSON kept up to date.
#[derive(Debug)]
pub(crate) struct DeviceRuntime {
    pub cfg: DeviceConfigState,
    pub json: Bytes,
    pub temp: Option<TempDatasets>,
    pub speed_tests: Vec<SpeedTest>,
}

impl DeviceRuntime {
    /// A new speed test entry (kept to the last 100 per device).
    pub fn remember_speed_test(&mut self, test: SpeedTest) {
        if self.speed_tests.len() >= 100 {
            self.speed_tests.remove(0);
        }
        self.speed_tests.push(test);
    }
}

/// An organization's live state: its devices, and its devices listing body.
#[derive(Debug)]
pub(crate) struct OrgRuntime {
    pub devices: Vec<DeviceRuntime>,
    /// The cached listing body; `None` after a change, rebuilt on the next listing.
    pub devices_body: Option<Bytes>,
}
