//! The sandbox's live state: device configurations, temporary datasets, speed tests, and the
//! pre-serialized listing bodies that make listing 10,000 devices cheap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::KeyStore;
use crate::faults::FaultInjector;
use crate::fleet::{ConfigMap, Device, Fleet, Organization};
use crate::push::{PushLog, PushSettings};
use crate::ratelimit::RateLimiter;
use crate::responses::{self, DeviceConfigState};

/// The sandbox's clock: wall-clock milliseconds that follow tokio's clock (so paused test time
/// moves them too), plus an offset tests can add ([`crate::SandboxHandle::advance_clock`]).
#[derive(Debug)]
pub struct Clock {
    base_ms: i64,
    base: tokio::time::Instant,
    offset_ms: AtomicI64,
}

impl Clock {
    /// A clock starting at the system time now.
    pub fn new() -> Self {
        let base_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Clock {
            base_ms,
            base: tokio::time::Instant::now(),
            offset_ms: AtomicI64::new(0),
        }
    }

    /// Now, in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.base_ms
            + self.base.elapsed().as_millis() as i64
            + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(
            by.as_millis().min(i64::MAX as u128) as i64,
            Ordering::Relaxed,
        );
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

/// A `DataPush` object as Orb's spec describes it (`config.DataPush`); every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataPush {
    /// What the device keeps while POSTs fail (KiB; default 2048).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_kb: Option<i64>,
    /// Datasets to push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasets: Option<Vec<String>>,
    /// Whether pushing is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `jsonl` (default) or `json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Whether identifiable fields are sent unmasked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifiable: Option<bool>,
    /// Milliseconds between POSTs (default 60000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<i64>,
    /// Destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `config.DataAPI`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataApi {
    /// Key for the local API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// Records kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer: Option<i64>,
    /// Datasets served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasets: Option<Vec<String>>,
    /// Whether the local API is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Unmasked fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifiable: Option<bool>,
    /// Port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
}

/// `config.Datasets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetsConfig {
    /// Local API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<DataApi>,
    /// Push to Orb Cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_push: Option<DataPush>,
    /// Datasets collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasets: Option<Vec<String>>,
    /// Whether datasets are on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Push to your endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<DataPush>,
}

/// `server.DatasetsRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetsRequest {
    /// How long (`"5m"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// What.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasets_config: Option<DatasetsConfig>,
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

#[derive(Debug)]
pub(crate) struct DeviceRuntime {
    pub cfg: DeviceConfigState,
    pub json: Bytes,
    pub temp: Option<TempDatasets>,
    pub speed_tests: Vec<SpeedTest>,
}

#[derive(Debug)]
pub(crate) struct OrgInner {
    pub devices: Vec<DeviceRuntime>,
    /// The cached list body; `None` after a change, rebuilt on the next listing.
    pub list: Option<Bytes>,
}

/// Settings that do not change while running.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub speed_test_duration: Duration,
    pub max_body_bytes: usize,
}

/// State shared by the server, the device tasks and the handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub fleet: Arc<Fleet>,
    pub clock: Clock,
    pub keys: KeyStore,
    pub admin_token: String,
    pub api_key: String,
    pub limiter: RateLimiter,
    pub faults: FaultInjector,
    pub orgs: Vec<Mutex<OrgInner>>,
    pub org_index: HashMap<String, usize>,
    pub device_index: HashMap<String, (usize, usize)>,
    pub organizations_body: Bytes,
    pub settings: Settings,
    pub push_client: reqwest::Client,
    pub push_log: PushLog,
    pub shutdown: CancellationToken,
    pub tasks: TaskTracker,
    pub generation: AtomicU64,
    /// Bumped after every change of device state (configuration, temp datasets, speed tests).
    pub events: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    /// Builds the runtime state, pre-serializing every device.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        fleet: Fleet,
        keys: KeyStore,
        admin_token: String,
        api_key: String,
        limiter: RateLimiter,
        faults: FaultInjector,
        settings: Settings,
        push_client: reqwest::Client,
    ) -> Self {
        let mut org_index = HashMap::new();
        let mut device_index = HashMap::new();
        let mut orgs = Vec::with_capacity(fleet.organizations.len());
        for (oi, org) in fleet.organizations.iter().enumerate() {
            org_index.insert(org.organization_id.clone(), oi);
            // One buffer for the whole list; each device's bytes are a zero-copy slice of it.
            let mut body = Vec::with_capacity(org.devices.len() * 4400 + 2);
            body.push(b'[');
            let mut spans = Vec::with_capacity(org.devices.len());
            for (di, d) in org.devices.iter().enumerate() {
                if di > 0 {
                    body.push(b',');
                }
                let start = body.len();
                responses::write_device_json(&mut body, org, d, &DeviceConfigState::initial(d));
                spans.push(start..body.len());
            }
            body.push(b']');
            let body = Bytes::from(body);
            let devices = org
                .devices
                .iter()
                .zip(spans)
                .enumerate()
                .map(|(di, (d, span))| {
                    device_index.insert(d.orb_id.clone(), (oi, di));
                    DeviceRuntime {
                        cfg: DeviceConfigState::initial(d),
                        json: body.slice(span),
                        temp: None,
                        speed_tests: Vec::new(),
                    }
                })
                .collect();
            orgs.push(Mutex::new(OrgInner {
                devices,
                list: Some(body),
            }));
        }
        let organizations_body = Bytes::from(responses::organizations_json(&fleet));
        Shared {
            fleet: Arc::new(fleet),
            clock: Clock::new(),
            keys,
            admin_token,
            api_key,
            limiter,
            faults,
            orgs,
            org_index,
            device_index,
            organizations_body,
            settings,
            push_client,
            push_log: PushLog::default(),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            generation: AtomicU64::new(1),
            events: tokio::sync::watch::channel(0).0,
        }
    }

    pub fn org(&self, i: usize) -> MutexGuard<'_, OrgInner> {
        self.orgs[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn fleet_org(&self, i: usize) -> &Organization {
        &self.fleet.organizations[i]
    }

    pub fn fleet_device(&self, oi: usize, di: usize) -> &Device {
        &self.fleet.organizations[oi].devices[di]
    }

    /// The devices list body of an organization, rebuilt if a device changed since.
    pub fn devices_body(&self, oi: usize) -> Bytes {
        let mut org = self.org(oi);
        if let Some(b) = &org.list {
            return b.clone();
        }
        let size = org.devices.iter().map(|d| d.json.len() + 1).sum::<usize>();
        let body = Bytes::from(responses::join_array(
            org.devices.iter().map(|d| d.json.as_ref()),
            size,
        ));
        // Re-point every device at the new body so the old one is freed.
        let mut offset = 1;
        for d in org.devices.iter_mut() {
            let len = d.json.len();
            d.json = body.slice(offset..offset + len);
            offset += len + 1;
        }
        org.list = Some(body.clone());
        body
    }

    /// How many devices follow each configuration of an organization.
    pub fn configuration_counts(&self, oi: usize) -> Vec<i64> {
        let fleet_org = self.fleet_org(oi);
        let org = self.org(oi);
        let mut counts: HashMap<&str, i64> = HashMap::new();
        for d in &org.devices {
            *counts.entry(d.cfg.configuration_id.as_str()).or_default() += 1;
        }
        fleet_org
            .configurations
            .iter()
            .map(|c| counts.get(c.id.as_str()).copied().unwrap_or(0))
            .collect()
    }

    /// Applies a configuration change to a device and re-serializes it.
    pub fn update_config(
        &self,
        oi: usize,
        di: usize,
        change: impl FnOnce(&mut DeviceConfigState),
    ) -> ConfigMap {
        let fleet_org = self.fleet_org(oi);
        let device = self.fleet_device(oi, di);
        let mut org = self.org(oi);
        let rt = &mut org.devices[di];
        change(&mut rt.cfg);
        // An offline device cannot receive its new configuration yet.
        rt.cfg.has_stale_config = !device.is_connected;
        rt.json = Bytes::from(responses::device_json(fleet_org, device, &rt.cfg));
        let effective = responses::effective_config(fleet_org, &rt.cfg);
        org.list = None;
        drop(org);
        self.notify();
        effective
    }

    /// The configuration a device runs.
    pub fn effective_config(&self, oi: usize, di: usize) -> ConfigMap {
        let org = self.org(oi);
        responses::effective_config(self.fleet_org(oi), &org.devices[di].cfg)
    }

    /// A snapshot of a device's state.
    pub fn snapshot(&self, orb_id: &str) -> Option<DeviceSnapshot> {
        let (oi, di) = *self.device_index.get(orb_id)?;
        let fleet_org = self.fleet_org(oi);
        let org = self.org(oi);
        let rt = &org.devices[di];
        Some(DeviceSnapshot {
            orb_id: orb_id.to_string(),
            organization_id: fleet_org.organization_id.clone(),
            configuration_id: rt.cfg.configuration_id.clone(),
            config_override: rt.cfg.config_override.clone(),
            effective_config: responses::effective_config(fleet_org, &rt.cfg),
            has_stale_config: rt.cfg.has_stale_config,
            temp_datasets: rt.temp.clone(),
            speed_tests: rt.speed_tests.clone(),
        })
    }

    /// Tells waiters that device state changed.
    pub fn notify(&self) {
        self.events.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A fresh generation number for a temp-datasets session.
    pub fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed)
    }
}
