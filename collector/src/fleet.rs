//! Keeping a fleet pushing to the collector: the selected devices are listed, each connected one
//! is given temporary datasets that push to the collector's URL, renewed before they end;
//! devices are listed again now and then (one that comes online is configured, one that goes
//! offline is marked so); a failed call is retried with backoff. Every call goes through the
//! client, whose pacer keeps them within Orb's rate limit, so a large fleet is configured as
//! fast as the limit allows and no faster. On stop, every device that was pushing gets a
//! one-second configuration (Orb's API has no call that ends temporary datasets).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use orb_cloud::datasets::DatasetName;
use orb_cloud::{DatasetDuration, Device, Error, OrbCloud, TempDatasets};
use tokio::time::Instant;

/// Which devices.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Selection {
    /// Every device of one organization (its id).
    Organization(String),
    /// Every device of every organization the key sees.
    AllOrganizations,
    /// These devices, wherever they are among the organizations the key sees.
    Devices(Vec<String>),
}

/// How to keep the fleet pushing.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FleetOptions {
    /// Which devices.
    pub selection: Selection,
    /// The datasets each device pushes.
    pub datasets: Vec<DatasetName>,
    /// Where the devices push (the collector's URL as they can reach it, token included).
    pub push_url: String,
    /// How long each temporary configuration lasts (default 5 minutes); renewed a fifth of it
    /// (1 s to 60 s) before it ends. Shorter windows stop a forgotten device sooner.
    pub window: DatasetDuration,
    /// How often devices push (default: Orb's, 60 s).
    pub interval: Option<Duration>,
    /// How often the devices are listed again (default 60 s).
    pub relist_every: Duration,
    /// Calls in flight at most (default 32; the client's pacer spaces them to the rate limit).
    pub concurrency: usize,
}

impl FleetOptions {
    /// `datasets` from `selection`, pushed to `push_url`, with the defaults.
    pub fn new(selection: Selection, datasets: Vec<DatasetName>, push_url: String) -> Self {
        Self {
            selection,
            datasets,
            push_url,
            window: DatasetDuration::minutes(5),
            interval: None,
            relist_every: Duration::from_secs(60),
            concurrency: 32,
        }
    }
}

/// Where a device stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceState {
    /// Listed, not configured yet.
    Waiting,
    /// Configured: pushing to the collector.
    Pushing,
    /// Not connected to Orb Cloud: configured once it comes online.
    Offline,
    /// The last call failed (why); it is tried again with backoff.
    Failed(String),
    /// Given its last, one-second configuration: no longer pushing.
    Stopped,
}

impl DeviceState {
    /// `pushing`, `offline`, ... (for metrics and JSON).
    pub fn as_str(&self) -> &'static str {
        match self {
            DeviceState::Waiting => "waiting",
            DeviceState::Pushing => "pushing",
            DeviceState::Offline => "offline",
            DeviceState::Failed(_) => "failed",
            DeviceState::Stopped => "stopped",
        }
    }
}

/// One device as the collector sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceStatus {
    /// Its id.
    pub orb_id: String,
    /// Its organization's id.
    pub organization: String,
    /// Its name.
    pub name: String,
    /// Where it stands.
    pub state: DeviceState,
    /// Configuration calls that succeeded (the first and the renewals).
    pub configured: u64,
}

/// Calls made and how they went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Calls {
    /// Configuration calls that succeeded.
    pub ok: u64,
    /// Calls that failed (listings included).
    pub failed: u64,
}

impl std::ops::AddAssign for Calls {
    fn add_assign(&mut self, rhs: Self) {
        self.ok += rhs.ok;
        self.failed += rhs.failed;
    }
}

#[derive(Debug)]
struct Entry {
    status: DeviceStatus,
    connected: bool,
    /// When the configuration in place ends.
    expires: Option<Instant>,
    /// When to try again after a failure.
    retry_at: Option<Instant>,
    failures: u32,
}

/// The fleet's devices and their states, shared with whoever reports them.
pub type FleetStatus = Arc<Mutex<BTreeMap<String, DeviceStatus>>>;

/// The selected devices and what has been done to them.
#[derive(Debug)]
pub struct Fleet {
    client: OrbCloud,
    options: FleetOptions,
    devices: BTreeMap<String, Entry>,
    status: FleetStatus,
    calls: Calls,
}

impl Fleet {
    /// A fleet to keep pushing; nothing is sent until [`Fleet::relist`] or [`Fleet::run`].
    pub fn new(client: OrbCloud, options: FleetOptions) -> Self {
        Self {
            client,
            options,
            devices: BTreeMap::new(),
            status: FleetStatus::default(),
            calls: Calls::default(),
        }
    }

    /// The devices' states, updated as calls complete.
    pub fn status(&self) -> FleetStatus {
        self.status.clone()
    }

    /// Calls so far.
    pub fn calls(&self) -> Calls {
        self.calls
    }

    fn publish(&self) {
        if let Ok(mut status) = self.status.lock() {
            *status = self
                .devices
                .iter()
                .map(|(id, e)| (id.clone(), e.status.clone()))
                .collect();
        }
    }

    /// Lists the selected devices again: new ones are added, and each one's connection state
    /// is refreshed. One organization that cannot be listed leaves its devices as they were.
    pub async fn relist(&mut self) -> Result<(), Error> {
        let organizations: Vec<String> = match &self.options.selection {
            Selection::Organization(id) => vec![id.clone()],
            _ => self
                .client
                .organizations()
                .list()
                .await?
                .into_iter()
                .filter_map(|o| o.organization_id)
                .collect(),
        };
        let client = &self.client;
        let listings: Vec<(String, Result<Vec<Device>, Error>)> = stream::iter(organizations)
            .map(|org| async move {
                let listed = client
                    .organization(org.as_str())
                    .devices()
                    .list_lenient()
                    .await;
                (org, listed.map(|l| l.items))
            })
            .buffer_unordered(8)
            .collect()
            .await;
        let mut first_error = None;
        for (org, listed) in listings {
            let devices = match listed {
                Ok(devices) => devices,
                Err(e) => {
                    self.calls.failed += 1;
                    tracing::warn!(organization = %org, error = %e, "listing devices failed");
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            for device in devices {
                if let Selection::Devices(ids) = &self.options.selection {
                    if !ids.contains(&device.orb_id) {
                        continue;
                    }
                }
                let connected = device.is_connected();
                let entry = self
                    .devices
                    .entry(device.orb_id.clone())
                    .or_insert_with(|| Entry {
                        status: DeviceStatus {
                            orb_id: device.orb_id.clone(),
                            organization: org.clone(),
                            name: device.name.clone(),
                            state: DeviceState::Waiting,
                            configured: 0,
                        },
                        connected,
                        expires: None,
                        retry_at: None,
                        failures: 0,
                    });
                entry.connected = connected;
                entry.status.name = device.name.clone();
                if !connected && entry.status.state != DeviceState::Stopped {
                    entry.status.state = DeviceState::Offline;
                    entry.expires = None;
                } else if connected && entry.status.state == DeviceState::Offline {
                    entry.status.state = DeviceState::Waiting;
                }
            }
        }
        // Devices asked for by id that no organization has.
        if let Selection::Devices(ids) = &self.options.selection {
            for id in ids {
                if !self.devices.contains_key(id) && first_error.is_none() {
                    self.devices.insert(
                        id.clone(),
                        Entry {
                            status: DeviceStatus {
                                orb_id: id.clone(),
                                organization: String::new(),
                                name: String::new(),
                                state: DeviceState::Failed(
                                    "not a device of any organization the key sees".into(),
                                ),
                                configured: 0,
                            },
                            connected: false,
                            expires: None,
                            retry_at: None,
                            failures: 0,
                        },
                    );
                }
            }
        }
        self.publish();
        match first_error {
            Some(e) if self.devices.is_empty() => Err(e),
            _ => Ok(()),
        }
    }

    /// When a configuration lasting `window` is renewed: a fifth of it (1 s to 60 s) before
    /// it ends.
    fn margin(&self) -> Duration {
        (self.options.window.as_duration() / 5)
            .clamp(Duration::from_secs(1), Duration::from_secs(60))
    }

    fn request(&self, window: DatasetDuration) -> TempDatasets {
        let mut request = TempDatasets::push_to(
            self.options.push_url.clone(),
            self.options.datasets.iter().map(DatasetName::as_str),
            window,
        );
        if let Some(interval) = self.options.interval {
            request = request.interval(interval);
        }
        request
    }

    /// The devices to configure now: connected, and new, ending within the margin, or due for a
    /// retry (`all`: every connected one, to renew them all at once).
    fn due(&self, all: bool) -> Vec<(String, String)> {
        let now = Instant::now();
        let margin = self.margin();
        self.devices
            .values()
            .filter(|e| e.connected && e.status.state != DeviceState::Stopped)
            .filter(|e| match (&e.status.state, e.expires, e.retry_at) {
                (DeviceState::Failed(_), _, Some(at)) => at <= now,
                (DeviceState::Failed(_), _, None) => false,
                (_, _, _) if all => true,
                (_, None, _) => true,
                (_, Some(expires), _) => expires <= now + margin,
            })
            .map(|e| (e.status.organization.clone(), e.status.orb_id.clone()))
            .collect()
    }

    /// Configures (or renews) every device that needs it now, concurrently, within the rate
    /// limit; `all` renews every connected device. Returns the calls made.
    pub async fn configure_due(&mut self, all: bool) -> Calls {
        let due = self.due(all);
        let window = self.options.window;
        let request = self.request(window);
        self.call_each(due, &request, window.as_duration()).await
    }

    /// Gives every device that was configured a one-second configuration, so that it stops
    /// pushing within a second; they are then [`DeviceState::Stopped`].
    pub async fn stop_all(&mut self) -> Calls {
        let configured: Vec<(String, String)> = self
            .devices
            .values()
            .filter(|e| e.status.configured > 0 && e.status.state != DeviceState::Stopped)
            .map(|e| (e.status.organization.clone(), e.status.orb_id.clone()))
            .collect();
        // (1 s is a valid duration: `new` refuses only less than a millisecond.)
        let last = DatasetDuration::new(Duration::from_secs(1)).unwrap_or(self.options.window);
        let request = self.request(last);
        let calls = self
            .call_each(configured.clone(), &request, Duration::ZERO)
            .await;
        for (_, id) in configured {
            if let Some(e) = self.devices.get_mut(&id) {
                if e.status.state == DeviceState::Pushing {
                    e.status.state = DeviceState::Stopped;
                }
            }
        }
        self.publish();
        calls
    }

    /// One temp-datasets call per device in `targets`, `concurrency` at a time.
    async fn call_each(
        &mut self,
        targets: Vec<(String, String)>,
        request: &TempDatasets,
        window: Duration,
    ) -> Calls {
        let client = &self.client;
        let results: Vec<(String, Result<(), Error>, Instant)> = stream::iter(targets)
            .map(|(org, id)| async move {
                let device = client.organization(org.as_str()).device(id.as_str());
                let result = device.temp_datasets(request).await.map(|_| ());
                (id, result, Instant::now())
            })
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        let mut calls = Calls::default();
        for (id, result, at) in results {
            let Some(e) = self.devices.get_mut(&id) else {
                continue;
            };
            match result {
                Ok(()) => {
                    calls.ok += 1;
                    e.failures = 0;
                    e.retry_at = None;
                    e.status.configured += 1;
                    e.expires = Some(at + window);
                    e.status.state = DeviceState::Pushing;
                }
                Err(error) => {
                    calls.failed += 1;
                    e.failures = e.failures.saturating_add(1);
                    // 2 s, 4 s, ... up to 5 minutes.
                    let backoff = Duration::from_secs(1u64 << e.failures.min(8))
                        .min(Duration::from_secs(300));
                    e.retry_at = Some(at + backoff);
                    tracing::warn!(orb_id = %id, %error, "configuring the device failed; trying again in {backoff:?}");
                    e.status.state = DeviceState::Failed(error.to_string());
                }
            }
        }
        self.calls += calls;
        self.publish();
        calls
    }

    /// When something is next due: the earliest renewal or retry, or the next listing.
    fn next_wake(&self, next_list: Instant) -> Instant {
        let margin = self.margin();
        self.devices
            .values()
            .filter(|e| e.connected && e.status.state != DeviceState::Stopped)
            .filter_map(|e| match e.status.state {
                DeviceState::Failed(_) => e.retry_at,
                _ => e.expires.map(|x| x.checked_sub(margin).unwrap_or(x)),
            })
            .fold(next_list, Instant::min)
    }

    /// Lists, configures, renews and retries until `stop` completes, then stops every device
    /// that was pushing. Returns the calls made.
    pub async fn run(
        mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> (Calls, FleetStatus) {
        tokio::pin!(stop);
        let mut next_list = Instant::now();
        loop {
            if Instant::now() >= next_list {
                if let Err(e) = self.relist().await {
                    tracing::warn!(error = %e, "listing the fleet failed; trying again");
                }
                next_list = Instant::now() + self.options.relist_every;
            }
            self.configure_due(false).await;
            let wake = self
                .next_wake(next_list)
                .max(Instant::now() + Duration::from_millis(50));
            tokio::select! {
                () = tokio::time::sleep_until(wake) => {}
                () = &mut stop => break,
            }
        }
        self.stop_all().await;
        (self.calls, self.status)
    }
}
