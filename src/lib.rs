//! # orb-cloud
//!
//! A typed, resilient Rust client for the [Orb Cloud](https://orb.net) API: list organizations
//! and devices, read Orb Scores, trigger speed tests, change device configuration and configure
//! temporary datasets.
//!
//! ```no_run
//! # async fn demo() -> Result<(), orb_cloud::Error> {
//! let client = orb_cloud::OrbCloud::from_env()?; // ORB_CLOUD_API_KEY
//! for org in client.organizations().list().await? {
//!     let id = org.organization_id.unwrap_or_default();
//!     for device in client.organization(&id).devices().list().await? {
//!         let score = device.orb_score().and_then(|s| s.display);
//!         println!("{:30} {:5} {score:?}", device.name, device.is_connected());
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Layers:
//! - [`OrbCloud`]: the hand-written client: typed [`Device`]s and [`OrbScore`]s, retries with
//!   backoff ([`RetryPolicy`]), a total deadline, one [`Error`] type, [`tracing`] spans.
//! - [`api`]: the client progenitor generates from Orb's OpenAPI document (`spec/openapi.json`),
//!   reachable through [`OrbCloud::raw`], sharing the same transport.
//!
//! Facts about Orb's API that are not public are marked as such where they matter (e.g. which
//! permission an operation needs, see [`Operation::permission`]).

#![warn(missing_docs)]

pub mod api;
mod array_decoder;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod config;
pub mod datasets;
mod device;
mod duration;
mod error;
mod fleet;
mod json_scan;
pub mod local;
mod operation;
mod pacer;
#[cfg(feature = "push")]
pub mod push;
mod ratelimit;
mod resources;
pub mod retry;
mod secret;
mod speedtest;
mod temp_datasets;
#[cfg(test)]
mod test_rng;
mod transport;
mod watchdog;
mod wire;

pub use client::{OrbCloud, OrbCloudBuilder, RawRequest, BASE_URL_ENV};
pub use config::{keys as config_keys, DatasetTarget, DeviceConfig};
pub use datasets::DatasetName;
pub use device::{
    Device, DeviceInfo, DeviceSummary, GeoIp, NetworkInterface, OrbScore, ScoreComponents,
    SummaryTags,
};
pub use duration::DatasetDuration;
pub use error::{ApiError, Error};
pub use fleet::{Fleet, FleetItem};
pub use operation::{Operation, Permission};
pub use ratelimit::RateLimit;
pub use resources::{
    Configuration, DeviceConfiguration, DeviceHandle, Devices, JsonObject, OrgDevice, Organization,
    OrganizationHandle, Organizations,
};
pub use retry::RetryPolicy;
pub use secret::{ApiKey, API_KEY_ENV};
pub use speedtest::{SpeedTest, SpeedTestStarted};
pub use temp_datasets::{PushFormat, TempDatasets};
pub use transport::Transport;
pub use wire::Timestamp;

/// Orb Cloud's production base URL, the one Orb's own client uses.
pub const DEFAULT_BASE_URL: &str = "https://panel.orb.net";
