//! What to generate, and the bounds a fleet stays within.

/// The instant the fleet's timestamps are relative to: 2026-09-21T14:13:20Z, in epoch milliseconds.
pub const DEFAULT_EPOCH_MS: u64 = 1_790_000_000_000;

/// The most devices one organization may have.
pub const MAX_DEVICES_PER_ORG: usize = 10_000;
/// The most organizations a fleet may have.
pub const MAX_ORGS: usize = 100;
/// The most devices a whole fleet may have (about 4 KB of JSON each, kept in memory).
pub const MAX_TOTAL_DEVICES: usize = 200_000;

/// Units of the fleet's timestamps (epoch milliseconds).
pub(super) const MINUTE: u64 = 60_000;
pub(super) const HOUR: u64 = 60 * MINUTE;
pub(super) const DAY: u64 = 24 * HOUR;

/// What to generate.
///
/// ```
/// use orb_cloud_sandbox::fleet::{Fleet, FleetConfig};
/// let fleet = Fleet::generate(&FleetConfig { orgs: 1, devices: 3, seed: 7, ..FleetConfig::default() });
/// assert_eq!(fleet.organizations[0].devices.len(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetConfig {
    /// Number of organizations (1 to [`MAX_ORGS`]).
    pub orgs: usize,
    /// Devices per organization (0 to [`MAX_DEVICES_PER_ORG`]).
    pub devices: usize,
    /// The seed every choice derives from.
    pub seed: u64,
    /// "Now" for the fleet's timestamps, in epoch milliseconds.
    pub epoch_ms: u64,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            orgs: 2,
            devices: 25,
            seed: 1,
            epoch_ms: DEFAULT_EPOCH_MS,
        }
    }
}
