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
//!     for device in client.organization(&org).devices().list().await? {
//!         let score = device.orb_score().and_then(|s| s.display);
//!         println!("{:30} {:5} {score:?}", device.name, device.is_connected());
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Layers, top to bottom:
//! - [`OrbCloud`]: the hand-written client: a handle per resource ([`OrganizationsHandle`],
//!   [`OrganizationHandle`], [`DevicesHandle`], [`DeviceHandle`], [`DeviceConfigHandle`],
//!   [`FleetHandle`]), typed [`Device`]s and [`OrbScore`]s, retries with backoff
//!   ([`RetryPolicy`]), a total deadline, one [`Error`] type, [`tracing`] spans.
//! - [`Endpoint`] and [`FromGenerated`]: how the hand-written client uses the generated one.
//!   Every typed call builds its request with a generated request builder, so paths, methods,
//!   parameters and types all come from the spec.
//! - [`api`]: the client progenitor generates from Orb's OpenAPI document (`spec/openapi.json`),
//!   reachable through [`OrbCloud::raw`], sharing the same transport.
//!
//! Facts about Orb's API that are not public are marked as such where they matter (e.g. which
//! permission an operation needs, see [`Operation::permission`]).
//!
//! ## Features
//!
//! - `push`: a receiver for what devices push (Data Push) and live streams of typed records
//!   ([`push`], [`DeviceHandle::stream`]).
//! - `blocking`: a synchronous client for scripts ([`blocking`]).
//! - `schemars`: `schemars::JsonSchema` for the generated types ([`api::types`]).
//!
//! None is on by default.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
mod api_key;
mod array_decoder;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod dataset_duration;
pub mod datasets;
mod device;
mod endpoint;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod listing;
pub mod local_api;
mod operation;
mod pacer;
pub mod printable;
#[cfg(feature = "push")]
pub mod push;
mod ratelimit;
mod request_options;
mod resources;
pub mod retry;
mod speedtest;
mod temp_datasets;
#[cfg(test)]
mod test_rng;
mod timestamp;
mod transport;
mod wire_quirks;

pub use api_key::{ApiKey, API_KEY_ENV};
pub use client::{OrbCloud, OrbCloudBuilder, RawRequest, BASE_URL_ENV, DEFAULT_MAX_BODY_BYTES};
pub use dataset_duration::DatasetDuration;
pub use datasets::DatasetName;
pub use device::config::{keys as config_keys, DatasetTarget, DeviceConfig};
pub use device::{
    Device, DeviceInfo, DeviceSummary, GeoIp, NetworkInterface, OrbScore, ScoreComponents,
    SummaryTags,
};
pub use endpoint::{Endpoint, FromGenerated, SpecOperation};
pub use error::{ApiError, Error};
pub use listing::{Lenient, SkippedItem, WithJson};
pub use operation::{Evidence, Operation, Permission};
pub use ratelimit::RateLimit;
pub use request_options::RequestOptions;
pub use reqwest::{header, Method};
pub use resources::{
    Configuration, DeviceConfigHandle, DeviceHandle, DevicesHandle, FleetHandle, FleetItem,
    JsonObject, OrbId, Organization, OrganizationHandle, OrganizationId, OrganizationsHandle,
};
pub use retry::RetryPolicy;
pub use speedtest::{SpeedTest, SpeedTestStarted, SpeedTestStatus};
pub use temp_datasets::{PushFormat, TempDatasets};
pub use timestamp::Timestamp;
pub use transport::{BodyLimitExceeded, Transport};

// The README's Rust examples compile against this crate (`cargo test --doc --all-features`).
#[cfg(all(doctest, feature = "push"))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

/// Orb Cloud's production base URL, the one Orb's own client uses.
pub const DEFAULT_BASE_URL: &str = "https://panel.orb.net";
