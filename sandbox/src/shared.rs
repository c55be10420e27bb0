//! The state the server, the simulated devices and the handle share: the fleet, keys, limits,
//! faults, each device's live state, and the pre-serialized listing bodies that make listing
//! 10,000 devices cheap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::KeyStore;
use crate::clock::Clock;
use crate::data_push::PushLog;
use crate::device_state::{
    effective_config, DeviceConfigState, DeviceRuntime, DeviceSnapshot, OrgRuntime,
};
use crate::faults::FaultInjector;
use crate::fleet::{ConfigMap, Device, Fleet, Organization};
use crate::ratelimit::RateLimiter;
use crate::responses;

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
    pub orgs: Vec<Mutex<OrgRuntime>>,
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
            orgs.push(Mutex::new(OrgRuntime {
                devices,
                devices_body: Some(body),
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

    pub fn org(&self, i: usize) -> MutexGuard<'_, OrgRuntime> {
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
        if let Some(b) = &org.devices_body {
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
        org.devices_body = Some(body.clone());
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
        let effective = effective_config(fleet_org, &rt.cfg);
        org.devices_body = None;
        drop(org);
        self.notify();
        effective
    }

    /// The configuration a device runs.
    pub fn effective_config(&self, oi: usize, di: usize) -> ConfigMap {
        let org = self.org(oi);
        effective_config(self.fleet_org(oi), &org.devices[di].cfg)
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
            effective_config: effective_config(fleet_org, &rt.cfg),
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
