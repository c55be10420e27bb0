//! A configuration: a deployment token with the settings devices linked with it follow.

use std::collections::BTreeMap;

/// A device configuration map: key to list of strings, e.g.
/// `{"datasets.cloud_push": ["scores_1m"]}` (Orb's configuration format).
pub type ConfigMap = BTreeMap<String, Vec<String>>;

/// A configuration, i.e. a deployment token with its settings
/// (`server.OrganizationConfigurationsResponse`).
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    /// Its id.
    pub id: String,
    /// Its name (`Default Configuration`).
    pub name: String,
    /// The deployment token (`orb-dt1-…`).
    pub token: String,
    /// Access code for linking sensors by hand.
    pub access_code: String,
    /// When the access code expires (epoch ms).
    pub access_code_expiration_ts: i64,
    /// Settings applied to devices using it.
    pub config: ConfigMap,
    /// Tags given to devices using it.
    pub tags: Vec<String>,
    /// Creation (epoch ms).
    pub created_at: i64,
    /// Last update (epoch ms).
    pub updated_at: i64,
    /// Last use to link a sensor (epoch ms).
    pub last_used_at: i64,
    /// Revoked tokens link no new sensor.
    pub is_revoked: bool,
}

/// A [`ConfigMap`] from literal entries.
pub(super) fn config_map(entries: &[(&str, &[&str])]) -> ConfigMap {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
        .collect()
}
