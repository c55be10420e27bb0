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
//! ## Where things are
//!
//! `builder` (settings, start-up) and `handle` (the running sandbox); [`fleet`] (the seeded
//! organizations and devices); `server` (the router, the guards, the extractor every Orb handler
//! starts with, and the handlers by resource); `shared` and [`device_state`] (what the sandbox
//! remembers while it runs); `simulated_devices`, [`data_push`] and [`dataset_records`] (devices
//! that push records and run speed tests); [`requests`] and [`responses`] (the JSON bodies);
//! [`auth`], [`ratelimit`] and [`faults`] (keys, limits and injected faults).
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
mod builder;
pub mod clock;
pub mod data_push;
pub mod dataset_records;
pub mod device_state;
pub mod duration;
pub mod error;
pub mod faults;
pub mod fleet;
mod handle;
pub mod places;
pub mod ratelimit;
pub mod requests;
pub mod responses;
pub mod rng;
mod server;
mod shared;
mod simulated_devices;

pub use builder::SandboxBuilder;
pub use data_push::{PushAttempt, PushStats};
pub use device_state::DeviceSnapshot;
pub use error::{Error, ErrorBody};
pub use faults::Faults;
pub use fleet::{Fleet, FleetConfig};
pub use handle::SandboxHandle;
pub use ratelimit::RateLimitSettings;

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
