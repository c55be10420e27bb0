//! # orb-cloud-sandbox
//!
//! A faithful local Orb Cloud API (what stripe-mock is to Stripe): Orb's ten public operations with
//! their real paths, methods and JSON shapes, over a seeded, deterministic fleet of organizations,
//! configurations and devices; API keys with permissions, expiry and IP allowlists; per-key rate
//! limits; injected latency, 503s and dropped connections; and simulated devices that push dataset
//! records to your endpoint and run speed tests.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use orb_cloud_sandbox::Sandbox;
//!
//! let sandbox = Sandbox::builder().orgs(2).devices(50).seed(7).api_key("k").start().await?;
//! let org = &sandbox.fleet().organizations[0];
//! let url = format!("{}/api/v2/organization/{}/devices", sandbox.base_url(), org.organization_id);
//! let devices: serde_json::Value = reqwest::Client::new()
//!     .get(url)
//!     .bearer_auth(sandbox.api_key())
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(devices.as_array().map(Vec::len), Some(50));
//! sandbox.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! ## Operations (Orb facts: paths, methods, parameter names and schemas of `spec/`)
//!
//! | method and path | permission (assumption) |
//! |---|---|
//! | `GET /api/v2/organizations` | Organizations: Read |
//! | `GET /api/v2/organization/{organization_id}/devices` | Devices: Read |
//! | `POST /api/v1/device/{orb_id}/temp-datasets` | Datasets: Write |
//! | `POST /api/v2/device/{orbID}/trigger-speedtest/{testType}` | Devices: Action |
//! | `GET /api/v1/organization/{organization_id}/configurations` | Organizations: Read |
//! | `GET /api/v2/organization/{organization_id}/devices/{orb_id}/configuration` | Devices: Read |
//! | `PATCH` the same | Devices: Action |
//! | `DELETE` the same (optional `{"configuration_id"}` fallback) | Devices: Action |
//! | `POST /api/v2/organization/{organization_id}/devices/{orb_id}/temp-datasets` | Datasets: Write |
//! | `POST /api/v2/organization/{organization_id}/devices/{orb_id}/trigger-speedtest/{testType}` | Devices: Action |
//!
//! Sandbox-only routes live under `/_sandbox` (never an Orb path) and need the admin token printed
//! at start-up or the `--api-key` key: `POST/GET /_sandbox/api-keys`,
//! `DELETE /_sandbox/api-keys/{id}`, `GET /_sandbox/devices/{orb_id}` (a device's remembered
//! state), `GET /_sandbox/push-log`, and `GET /_sandbox/health` (no key).
//!
//! ## What is Orb fact and what is the sandbox's assumption
//!
//! **Facts** (Orb's Python client `orb-cloud-client` 1.6.2, its generated models, Orb's docs):
//! the ten paths and methods; `Authorization: Bearer`; keys named `orb-ok1-…`; the permission
//! names; the error body `{"message", "code"}` with `INVALID_ORG_ID`; schemas of organizations,
//! devices, configurations, `server.DatasetsRequest`, `config.DataPush`,
//! `commands.SpeedtestCallback`; the device's hand-written shape (`orb_id`, `name`, `is_connected`
//! 0/1, `summary` with `tags.geoip/device_info/network_interface`, `orb_score`, `orb_scores`,
//! `version`, `created_ts`; `tags` like `dt=Default Configuration`; `config` as
//! `{key: [strings]}`); Orb ids of 28 lowercase alphanumerics; `testType` `content`/`top`;
//! durations like `5m`; push formats `jsonl` (default) and `json`, `buffer_kb` default 2048,
//! `interval_ms` default 60000; dataset record fields and enumerations.
//!
//! **Assumptions** (Orb does not publish these; each is documented where it is implemented):
//! - which permission each operation needs (table above; [`auth`]); the UI name "Devices: Action";
//! - response bodies of the configuration operations (the device's effective configuration map),
//!   of temp-datasets (`{orb_id, duration, expires_ts, datasets_config}`) and of speed tests
//!   (`commands.SpeedtestCallback` with `test_uuid` and the in-progress test; when a test is already
//!   running, `test_uuid` is empty and nothing new starts);
//! - a device's listing `config` is its user override (`null` without one), `links` is `null`
//!   when empty (Go nil slices); `is_connected_updated_at` is epoch ms (Orb's client's type);
//! - error codes other than `INVALID_ORG_ID` (`INVALID_DEVICE_ID`, `INVALID_TEST_TYPE`,
//!   `INVALID_DURATION`, `INVALID_PUSH_CONFIG`, `INVALID_REQUEST_BODY`, `INSUFFICIENT_PERMISSIONS`,
//!   `INVALID_API_KEY`, `API_KEY_EXPIRED`, `API_KEY_REVOKED`, `IP_NOT_ALLOWED`, `RATE_LIMITED`,
//!   `SERVICE_UNAVAILABLE`, `REQUEST_TOO_LARGE`, `DEVICE_NOT_CONNECTED`, `NOT_FOUND`);
//! - a speed test on a disconnected device answers 409; temporary datasets on a disconnected
//!   device are accepted and remembered but nothing is pushed;
//! - temp-datasets durations above 24h are refused; `interval_ms` must be 10..=3600000 (0 means
//!   the default), `buffer_kb` 1..=65536 (0 means the default); `push.enabled` must be `true`
//!   to push (Go's zero value is false) and `datasets_config.enabled: false` turns pushing off;
//! - rate-limit numbers and headers ([`ratelimit`]); push request headers ([`data_push`]);
//! - the `dataset` value of Wi-Fi records (`wifi_link`), `network_interface.type` `WiFi`;
//! - every key sees every organization of the fleet; the IP allowlist checks the TCP peer address.
//!
//! Orb's Python client parses configurations with `config: list[int]` (the Go `json.RawMessage`
//! quirk); the sandbox serves `config` as the real JSON object Orb's server would send, so that one
//! call of the Python client fails here as it would against Orb. Every device call works unchanged.

#![warn(missing_docs)]

pub mod auth;
pub mod clock;
pub mod data_push;
pub mod dataset_records;
pub mod device_state;
pub mod duration;
pub mod error;
pub mod faults;
pub mod fleet;
pub mod places;
pub mod ratelimit;
pub mod requests;
pub mod responses;
pub mod rng;
mod server;
mod shared;
mod simulated_devices;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use data_push::{PushAttempt, PushStats};
pub use device_state::DeviceSnapshot;
pub use error::{Error, ErrorBody};
pub use faults::Faults;
pub use fleet::{Fleet, FleetConfig};
pub use ratelimit::RateLimitSettings;

use auth::{Expiry, KeyInfo, KeyStore, NewKey, Permission};
use shared::{Settings, Shared};

/// Entry point: `Sandbox::builder()`.
///
/// ```no_run
/// # async fn demo() -> Result<(), orb_cloud_sandbox::Error> {
/// let sandbox = orb_cloud_sandbox::Sandbox::builder().seed(7).start().await?;
/// println!("{}", sandbox.base_url());
/// sandbox.shutdown().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with the defaults: 127.0.0.1 on a free port, 2 organizations of 25 devices,
    /// seed 1, a random API key with every permission, 100 requests/s in bursts of 200, no faults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// Settings of a sandbox; [`SandboxBuilder::start`] runs it.
///
/// ```no_run
/// # async fn demo() -> Result<(), orb_cloud_sandbox::Error> {
/// use std::time::Duration;
/// let sandbox = orb_cloud_sandbox::Sandbox::builder()
///     .orgs(1)
///     .devices(10_000)
///     .seed(42)
///     .api_key("test-key")
///     .rate_limit(50.0, 100)
///     .latency(Duration::from_millis(5))
///     .fail_rate(0.01)
///     .start()
///     .await?;
/// # sandbox.shutdown().await?; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    listen: SocketAddr,
    fleet: FleetConfig,
    api_key: Option<String>,
    admin_token: Option<String>,
    rate: RateLimitSettings,
    faults: Faults,
    speed_test_duration: Duration,
    max_body_bytes: usize,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            fleet: FleetConfig::default(),
            api_key: None,
            admin_token: None,
            rate: RateLimitSettings::DEFAULT,
            faults: Faults::NONE,
            speed_test_duration: Duration::from_secs(8),
            max_body_bytes: 1024 * 1024,
        }
    }
}

impl SandboxBuilder {
    /// Address to listen on (port 0: a free one). Default `127.0.0.1:0`.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Number of organizations (1 to 100).
    pub fn orgs(mut self, n: usize) -> Self {
        self.fleet.orgs = n;
        self
    }

    /// Devices per organization (0 to 10,000).
    pub fn devices(mut self, n: usize) -> Self {
        self.fleet.devices = n;
        self
    }

    /// The fleet's seed: same seed, same fleet, byte for byte.
    pub fn seed(mut self, seed: u64) -> Self {
        self.fleet.seed = seed;
        self
    }

    /// "Now" of the fleet's timestamps, epoch ms (default [`fleet::DEFAULT_EPOCH_MS`]).
    pub fn epoch_ms(mut self, ms: u64) -> Self {
        self.fleet.epoch_ms = ms;
        self
    }

    /// An API key with every permission (default: a random `orb-ok1-…` key).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The admin token of `/_sandbox/*` (default: random).
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// Per-key token bucket: `rate_per_sec` tokens a second, `burst` at most. `rate_per_sec` 0
    /// turns rate limiting (and its headers) off.
    pub fn rate_limit(mut self, rate_per_sec: f64, burst: u32) -> Self {
        self.rate = RateLimitSettings {
            rate_per_sec,
            burst,
        };
        self
    }

    /// Latency added to every answer of an Orb path.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.faults.latency = latency;
        self
    }

    /// Share (0 to 1) of requests answered 503.
    pub fn fail_rate(mut self, rate: f64) -> Self {
        self.faults.fail_rate = rate;
        self
    }

    /// Share (0 to 1) of requests whose connection is closed without an answer.
    pub fn drop_rate(mut self, rate: f64) -> Self {
        self.faults.drop_rate = rate;
        self
    }

    /// How long a `content` speed test runs (a `top` test runs twice as long). Default 8 s.
    pub fn speed_test_duration(mut self, d: Duration) -> Self {
        self.speed_test_duration = d;
        self
    }

    /// Largest request body accepted (larger: 413). Default 1 MiB.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Generates the fleet, binds, and serves in the background until
    /// [`SandboxHandle::shutdown`] (or until the handle is dropped). Fails on settings out of
    /// range (rates outside 0..=1, more than 10,000 devices per organization or 200,000 in all,
    /// an API key with whitespace) or when the address cannot be bound.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), orb_cloud_sandbox::Error> {
    /// let sandbox = orb_cloud_sandbox::Sandbox::builder().orgs(1).devices(3).start().await?;
    /// assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
    /// # sandbox.shutdown().await?; Ok(()) }
    /// ```
    pub async fn start(self) -> Result<SandboxHandle, Error> {
        self.faults.validate().map_err(Error::Invalid)?;
        if !self.rate.rate_per_sec.is_finite() || self.rate.rate_per_sec < 0.0 {
            return Err(Error::Invalid(format!(
                "rate {} must be a number of requests per second, 0 or more",
                self.rate.rate_per_sec
            )));
        }
        if self.rate.rate_per_sec > 0.0 && self.rate.burst == 0 {
            return Err(Error::Invalid("burst must be at least 1".to_string()));
        }
        if self.fleet.orgs == 0 || self.fleet.orgs > fleet::MAX_ORGS {
            return Err(Error::Invalid(format!(
                "orgs must be between 1 and {}",
                fleet::MAX_ORGS
            )));
        }
        if self.fleet.devices > fleet::MAX_DEVICES_PER_ORG {
            return Err(Error::Invalid(format!(
                "devices must be at most {} per organization",
                fleet::MAX_DEVICES_PER_ORG
            )));
        }
        if self.fleet.orgs * self.fleet.devices > fleet::MAX_TOTAL_DEVICES {
            return Err(Error::Invalid(format!(
                "{} organizations of {} devices is more than {} devices in all",
                self.fleet.orgs,
                self.fleet.devices,
                fleet::MAX_TOTAL_DEVICES
            )));
        }
        if let Some(k) = &self.api_key {
            if k.trim().is_empty() || k.contains(char::is_whitespace) {
                return Err(Error::Invalid(
                    "the API key must be non-empty and contain no whitespace".to_string(),
                ));
            }
        }
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: self.listen.to_string(),
                source,
            })?;
        let addr = listener.local_addr()?;
        let push_client = reqwest::Client::builder()
            .user_agent("orb/v1.5.0 (orb-cloud-sandbox)")
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(Error::PushClient)?;

        let fleet_config = self.fleet;
        let fleet = tokio::task::spawn_blocking(move || Fleet::generate(&fleet_config))
            .await
            .map_err(|e| Error::Invalid(format!("fleet generation failed: {e}")))?;
        let api_key = self
            .api_key
            .unwrap_or_else(|| format!("orb-ok1-{}", rng::secret(40)));
        let admin_token = self
            .admin_token
            .unwrap_or_else(|| format!("orb-sandbox-admin-{}", rng::secret(32)));
        let keys = KeyStore::default();
        let seed = fleet.config.seed;
        let settings = Settings {
            speed_test_duration: self.speed_test_duration,
            max_body_bytes: self.max_body_bytes,
        };
        let shared = tokio::task::spawn_blocking(move || {
            Shared::new(
                fleet,
                keys,
                admin_token,
                api_key,
                ratelimit::RateLimiter::new(self.rate),
                faults::FaultInjector::new(self.faults, seed),
                settings,
                push_client,
            )
        })
        .await
        .map_err(|e| Error::Invalid(format!("start-up failed: {e}")))?;
        let shared = Arc::new(shared);
        shared.keys.insert_value(
            &shared.api_key,
            NewKey {
                name: "sandbox (--api-key)".to_string(),
                scopes: Permission::ALL.into_iter().collect(),
                expiry: Expiry::Never,
                allowed_ips: Vec::new(),
            },
            shared.clock.now_ms(),
        );
        let server = tokio::spawn(server::serve(listener, shared.clone()));
        tracing::info!(%addr, "orb cloud sandbox listening");
        Ok(SandboxHandle {
            shared,
            addr,
            server: Some(server),
        })
    }
}

/// A running sandbox. Dropping it stops the server (without waiting); prefer
/// [`SandboxHandle::shutdown`].
#[derive(Debug)]
pub struct SandboxHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// let url = format!("{}/api/v2/organizations", sandbox.base_url());
    /// # }
    /// ```
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The key with every permission.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// The token of the `/_sandbox` API.
    pub fn admin_token(&self) -> &str {
        &self.shared.admin_token
    }

    /// The fleet as generated (initial state; see [`SandboxHandle::device_state`] for changes).
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// let wifi = sandbox.fleet().devices().filter(|d| d.is_wifi() && d.is_connected).count();
    /// # }
    /// ```
    pub fn fleet(&self) -> &Fleet {
        &self.shared.fleet
    }

    /// What the sandbox remembers about a device now: configuration, temporary datasets, speed
    /// tests. `None` for an unknown id.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// let orb_id = &sandbox.fleet().organizations[0].devices[0].orb_id;
    /// let state = sandbox.device_state(orb_id).unwrap();
    /// println!("{:?} {:?}", state.config_override, state.temp_datasets.map(|t| t.expires_ms));
    /// # }
    /// ```
    pub fn device_state(&self, orb_id: &str) -> Option<DeviceSnapshot> {
        self.shared.snapshot(orb_id)
    }

    /// Push counters of all simulated devices.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// let stats = sandbox.push_stats();
    /// println!("{} POSTs, {} records delivered, {} dropped", stats.attempts, stats.records_delivered, stats.records_dropped);
    /// # }
    /// ```
    pub fn push_stats(&self) -> PushStats {
        self.shared.push_log.stats()
    }

    /// The last 1,000 POSTs simulated devices made, oldest first.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// for attempt in sandbox.push_log().iter().filter(|a| !a.delivered) {
    ///     println!("{} -> {}: {:?} {:?}", attempt.orb_id, attempt.url, attempt.status, attempt.error);
    /// }
    /// # }
    /// ```
    pub fn push_log(&self) -> Vec<PushAttempt> {
        self.shared.push_log.recent()
    }

    /// Waits until at least `n` push attempts were made in total, or `timeout` passes; returns
    /// whether they were.
    pub async fn wait_for_push_attempts(&self, n: u64, timeout: Duration) -> bool {
        let mut rx = self.shared.push_log.subscribe();
        let wait = async {
            loop {
                if self.shared.push_log.stats().attempts >= n {
                    return;
                }
                if rx.changed().await.is_err() {
                    return;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok() && self.push_stats().attempts >= n
    }

    /// Waits until `condition` holds, re-checking after every change of device state
    /// (configuration, temporary datasets starting or ending, speed tests) and every push attempt;
    /// returns whether it held before `timeout`.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle, orb_id: &str) {
    /// use std::time::Duration;
    /// // Wait for temporary datasets to end and the device to revert.
    /// let reverted = sandbox
    ///     .wait_for(Duration::from_secs(10), |s| {
    ///         s.device_state(orb_id).is_some_and(|d| d.temp_datasets.is_none())
    ///     })
    ///     .await;
    /// # }
    /// ```
    pub async fn wait_for(
        &self,
        timeout: Duration,
        condition: impl Fn(&SandboxHandle) -> bool,
    ) -> bool {
        let mut events = self.shared.events.subscribe();
        let mut pushes = self.shared.push_log.subscribe();
        let wait = async {
            loop {
                if condition(self) {
                    return;
                }
                tokio::select! {
                    r = events.changed() => if r.is_err() { return },
                    r = pushes.changed() => if r.is_err() { return },
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok() && condition(self)
    }

    /// How many requests were answered 503 and how many connections were dropped by fault
    /// injection.
    pub fn fault_counts(&self) -> (u64, u64) {
        self.shared.faults.counts()
    }

    /// Changes the injected faults (refused if a rate is outside 0..=1).
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// use orb_cloud_sandbox::Faults;
    /// sandbox.set_faults(Faults { fail_rate: 0.5, ..Faults::NONE }).unwrap();
    /// // ... exercise retries ...
    /// sandbox.set_faults(Faults::NONE).unwrap();
    /// # }
    /// ```
    pub fn set_faults(&self, faults: Faults) -> Result<(), Error> {
        faults.validate().map_err(Error::Invalid)?;
        self.shared.faults.set(faults);
        Ok(())
    }

    /// How many requests the rate limit refused with 429 so far.
    ///
    /// ```no_run
    /// # fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// println!("{} requests were refused", sandbox.rate_limited_count());
    /// # }
    /// ```
    pub fn rate_limited_count(&self) -> u64 {
        self.shared.limiter.refused()
    }

    /// Changes the rate limit (every bucket starts full again).
    pub fn set_rate_limit(&self, rate: RateLimitSettings) {
        self.shared.limiter.set_settings(rate);
    }

    /// Mints an API key, as `POST /_sandbox/api-keys` does; returns its listing view and value.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// use orb_cloud_sandbox::auth::Permission;
    /// let (info, key) = sandbox.mint_key("read-only", [Permission::DevicesRead], None);
    /// assert!(key.starts_with("orb-ok1-"));
    /// # }
    /// ```
    pub fn mint_key(
        &self,
        name: &str,
        scopes: impl IntoIterator<Item = Permission>,
        expiry: Option<Expiry>,
    ) -> (KeyInfo, String) {
        let (key, value) = self.shared.keys.mint(
            NewKey {
                name: name.to_string(),
                scopes: scopes.into_iter().collect::<BTreeSet<_>>(),
                expiry: expiry.unwrap_or(Expiry::Never),
                allowed_ips: Vec::new(),
            },
            self.shared.clock.now_ms(),
        );
        (key.info(), value)
    }

    /// The sandbox's wall clock (epoch ms).
    pub fn now_ms(&self) -> i64 {
        self.shared.clock.now_ms()
    }

    /// Moves the sandbox's wall clock forward (key expiry, timestamps). Rate limits and device
    /// timers follow tokio's clock instead (use `tokio::time::pause`/`advance` for those).
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// use orb_cloud_sandbox::auth::{Expiry, Permission};
    /// use std::time::Duration;
    /// let (_, key) = sandbox.mint_key("short", [Permission::DevicesRead], Some(Expiry::Days30));
    /// sandbox.advance_clock(Duration::from_secs(31 * 86_400)); // `key` now gets 401
    /// # }
    /// ```
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Device tasks running now (push sessions, temporary-dataset timers, speed tests).
    pub fn active_tasks(&self) -> usize {
        self.shared.tasks.len()
    }

    /// Stops accepting, ends every device task, drains open connections (at most 5 s) and waits.
    /// Fails only if some task did not end within 5 s.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: orb_cloud_sandbox::SandboxHandle) {
    /// sandbox.shutdown().await.expect("clean shutdown");
    /// # }
    /// ```
    pub async fn shutdown(mut self) -> Result<(), Error> {
        self.shared.shutdown.cancel();
        self.shared.tasks.close();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        match tokio::time::timeout(Duration::from_secs(5), self.shared.tasks.wait()).await {
            Ok(()) => Ok(()),
            Err(_) => Err(Error::ShutdownTimeout {
                tasks: self.shared.tasks.len(),
            }),
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
        self.shared.tasks.close();
    }
}
