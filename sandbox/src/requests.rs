//! The request bodies Orb's spec describes for temporary datasets (`server.DatasetsRequest` and
//! the `config.*` objects in it); every field is optional, as in Go.

use serde::{Deserialize, Serialize};

/// A `DataPush` object as Orb's spec describes it (`config.DataPush`); every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataPush {
    /// What the device keeps while POSTs fail (KiB; default 2048).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_kb: Option<i64>,
    /// Datasets to push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasets: Option<Vec<String>>,
    /// Whether pushing is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `jsonl` (default) or `json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Whether identifiable fields are sent unmasked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifiable: Option<bool>,
    /// Milliseconds between POSTs (default 60000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_ms: Option<i64>,
    /// Destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `config.DataAPI`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataApi {
    /// Key for the local API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// Records kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer: Option<i64>,
    /// Datasets served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasets: Option<Vec<String>>,
    /// Whether the local API is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Unmasked fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifiable: Option<bool>,
    /// Port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
}

/// `config.Datasets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetsConfig {
    /// Local API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<DataApi>,
    /// Push to Orb Cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_push: Option<DataPush>,
    /// Datasets collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasets: Option<Vec<String>>,
    /// Whether datasets are on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Push to your endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<DataPush>,
}

/// `server.DatasetsRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetsRequest {
    /// How long (`"5m"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// What.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasets_config: Option<DatasetsConfig>,
}
