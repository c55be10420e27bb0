//! The sandbox's settings and its start-up: checks them, generates the fleet, binds and serves.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::{Expiry, KeyStore, NewKey, Permission};
use crate::error::Error;
use crate::faults::{self, Faults};
use crate::fleet::{self, Fleet, FleetConfig};
use crate::handle::SandboxHandle;
use crate::ratelimit::{self, RateLimitSettings};
use crate::rng;
use crate::server;
use crate::shared::{Settings, Shared};

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
        Ok(SandboxHandle::new(shared, addr, server))
    }
}
