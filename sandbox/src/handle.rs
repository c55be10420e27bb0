//! A running sandbox: its addresses and keys, the fleet and each device's state, push and fault
//! counters, knobs to change while it runs, and shutdown.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::{Expiry, KeyInfo, NewKey, Permission};
use crate::data_push::{PushAttempt, PushStats};
use crate::device_state::DeviceSnapshot;
use crate::error::Error;
use crate::faults::Faults;
use crate::fleet::Fleet;
use crate::ratelimit::RateLimitSettings;
use crate::shared::Shared;

/// A running sandbox. Dropping it stops the server (without waiting); prefer
/// [`SandboxHandle::shutdown`].
#[derive(Debug)]
pub struct SandboxHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl SandboxHandle {
    /// The handle of a sandbox `server` serves on `addr`.
    pub(crate) fn new(
        shared: Arc<Shared>,
        addr: SocketAddr,
        server: tokio::task::JoinHandle<()>,
    ) -> Self {
        SandboxHandle {
            shared,
            addr,
            server: Some(server),
        }
    }

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
