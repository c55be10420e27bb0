//! The seeded, deterministic fleet: organizations, configurations (deployment tokens) and devices.
//!
//! [`Fleet::generate`] is a pure function of [`FleetConfig`]: the same seed gives the same fleet,
//! byte for byte ([`Fleet::to_json`]), on every platform. Timestamps are relative to
//! [`FleetConfig::epoch_ms`] (by default [`DEFAULT_EPOCH_MS`]), never to the wall clock.
//!
//! What a fleet is made of lives in `organization`, `device` and `measurements`; how it is drawn
//! from the seed lives in `organization_generator` and `device_generator`.

mod configuration;
mod device;
mod device_generator;
mod fleet_config;
mod measurements;
mod organization;
mod organization_generator;

pub use configuration::{ConfigMap, Configuration};
pub use device::{Device, DeviceInfo, DeviceLink, GeoIp, NetworkInterface, NetworkKind, WifiLink};
pub use fleet_config::{
    FleetConfig, DEFAULT_EPOCH_MS, MAX_DEVICES_PER_ORG, MAX_ORGS, MAX_TOTAL_DEVICES,
};
pub use measurements::{
    bandwidth_down_score, bandwidth_up_score, lag_score, loss_score, score_tree, scores, OrbScore,
    Profile, SCORE_VERSION,
};
pub use organization::{Limits, Manager, Organization, Plan};

use organization_generator::generate_org;

/// The generated fleet. Its JSON form, [`Fleet::to_json`], lives with the other response bodies
/// in [`crate::responses`].
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    /// The configuration it was generated from.
    pub config: FleetConfig,
    /// Its organizations.
    pub organizations: Vec<Organization>,
}

impl Fleet {
    /// Generates the fleet for `config` (counts are clamped to the supported ranges).
    ///
    /// ```
    /// use orb_cloud_sandbox::fleet::{Fleet, FleetConfig};
    /// let cfg = FleetConfig { orgs: 2, devices: 5, seed: 42, ..FleetConfig::default() };
    /// assert_eq!(Fleet::generate(&cfg).to_json(), Fleet::generate(&cfg).to_json());
    /// ```
    pub fn generate(config: &FleetConfig) -> Fleet {
        let mut config = *config;
        config.orgs = config.orgs.clamp(1, MAX_ORGS);
        config.devices = config.devices.min(MAX_DEVICES_PER_ORG);
        let organizations = (0..config.orgs).map(|i| generate_org(&config, i)).collect();
        Fleet {
            config,
            organizations,
        }
    }

    /// An organization by id.
    pub fn organization(&self, organization_id: &str) -> Option<&Organization> {
        self.organizations
            .iter()
            .find(|o| o.organization_id == organization_id)
    }

    /// A device by id, with its organization.
    pub fn device(&self, orb_id: &str) -> Option<(&Organization, &Device)> {
        self.organizations.iter().find_map(|o| {
            o.devices
                .iter()
                .find(|d| d.orb_id == orb_id)
                .map(|d| (o, d))
        })
    }

    /// Every device of every organization.
    pub fn devices(&self) -> impl Iterator<Item = &Device> {
        self.organizations.iter().flat_map(|o| o.devices.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_counts() {
        let f = Fleet::generate(&FleetConfig {
            orgs: 3,
            devices: 40,
            seed: 5,
            ..Default::default()
        });
        assert_eq!(f.organizations.len(), 3);
        for o in &f.organizations {
            assert_eq!(o.devices.len(), 40);
            assert!(o
                .configurations
                .iter()
                .any(|c| c.id == o.default_configuration_id));
            for d in &o.devices {
                assert_eq!(d.orb_id.len(), 28);
                assert!(o.configurations.iter().any(|c| c.id == d.configuration_id));
                assert!((0..=100).contains(&d.display_score()));
            }
            assert!(
                o.devices[0].is_connected && o.devices[1].is_connected && o.devices[1].is_wifi()
            );
        }
    }

    #[test]
    fn fleet_varies() {
        let f = Fleet::generate(&FleetConfig {
            orgs: 1,
            devices: 500,
            seed: 11,
            ..Default::default()
        });
        let d = &f.organizations[0].devices;
        let connected = d.iter().filter(|d| d.is_connected).count();
        assert!(connected > 380 && connected < 495, "{connected}");
        let wifi = d.iter().filter(|d| d.is_wifi()).count();
        assert!(wifi > 50, "{wifi}");
        let scores: std::collections::BTreeSet<i64> = d.iter().map(|d| d.display_score()).collect();
        assert!(scores.len() > 15, "{scores:?}");
        let cities: std::collections::BTreeSet<&str> =
            d.iter().map(|d| d.geoip.city.as_str()).collect();
        assert!(cities.len() > 30);
    }
}
