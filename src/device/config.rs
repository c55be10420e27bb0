//! Device configuration: Orb's `{key: [strings]}` map, where `key=value` options and dataset names
//! mix in one list (`"datasets.push": ["scores_1m", "format=json", "url=http://host:7081/ingest"]`),
//! with typed access to the `datasets.*` keys.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::datasets::DatasetName;

/// A device configuration (or a patch of one).
///
/// ```
/// use orb_cloud::{DeviceConfig, DatasetTarget};
/// let mut config = DeviceConfig::default();
/// config.set_push(
///     &DatasetTarget::new(["scores_1m", "responsiveness_1s"])
///         .option("format", "json")
///         .option("url", "http://collector:7081/ingest"),
/// );
/// assert_eq!(
///     config.get("datasets.push").unwrap(),
///     ["scores_1m", "responsiveness_1s", "format=json", "url=http://collector:7081/ingest"]
/// );
/// assert_eq!(config.push().unwrap().get("format"), Some("json"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DeviceConfig(BTreeMap<String, Vec<String>>);

/// Keys of the datasets section.
pub mod keys {
    /// Datasets pushed to your HTTP endpoint.
    pub const PUSH: &str = "datasets.push";
    /// Datasets sent to Orb Cloud.
    pub const CLOUD_PUSH: &str = "datasets.cloud_push";
    /// Datasets served by the device's Local API.
    pub const API: &str = "datasets.api";
    /// Datasets collected.
    pub const DATASETS: &str = "datasets.datasets";
    /// Whether identifiable fields are sent unmasked (`["true"]`).
    pub const IDENTIFIABLE: &str = "datasets.identifiable";
    /// How much identifying information the Orb reports (`none`, `minimal`, `full`).
    pub const IDENTIFIABLE_LEVEL: &str = "orb.identifiable_level";
}

impl DeviceConfig {
    /// The values of `key`.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.0.get(key).map(Vec::as_slice)
    }

    /// Set `key` to `values`.
    pub fn set(
        &mut self,
        key: impl Into<String>,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) {
        self.0
            .insert(key.into(), values.into_iter().map(Into::into).collect());
    }

    /// Remove `key`.
    pub fn remove(&mut self, key: &str) -> Option<Vec<String>> {
        self.0.remove(key)
    }

    /// All keys and values.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `datasets.push`, parsed.
    pub fn push(&self) -> Option<DatasetTarget> {
        self.get(keys::PUSH).map(DatasetTarget::parse)
    }

    /// `datasets.cloud_push`, parsed.
    pub fn cloud_push(&self) -> Option<DatasetTarget> {
        self.get(keys::CLOUD_PUSH).map(DatasetTarget::parse)
    }

    /// `datasets.api`, parsed.
    pub fn api(&self) -> Option<DatasetTarget> {
        self.get(keys::API).map(DatasetTarget::parse)
    }

    /// Set `datasets.push`.
    pub fn set_push(&mut self, target: &DatasetTarget) {
        self.set(keys::PUSH, target.to_values());
    }

    /// Set `datasets.cloud_push` (an empty target disables sending to Orb Cloud).
    pub fn set_cloud_push(&mut self, target: &DatasetTarget) {
        self.set(keys::CLOUD_PUSH, target.to_values());
    }

    /// Set `datasets.api`.
    pub fn set_api(&mut self, target: &DatasetTarget) {
        self.set(keys::API, target.to_values());
    }
}

impl<'de> Deserialize<'de> for DeviceConfig {
    /// Values may be a list of strings, a single string or `null`; numbers and booleans are kept
    /// as their text.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DeviceConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of configuration keys to lists of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DeviceConfig, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, Values>()? {
                    out.insert(key, value.0);
                }
                Ok(DeviceConfig(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// What Orb answers to a configuration GET, which it does not document: a bare `{key: [values]}`
/// map, or one wrapped in `{"config": {...}}`. Both are read in one pass.
pub(crate) struct ConfigAnswer(pub DeviceConfig);

impl<'de> Deserialize<'de> for ConfigAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Nested {
            Config(DeviceConfig),
            Values(Values),
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ConfigAnswer;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a device configuration")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ConfigAnswer, A::Error> {
                let mut out = BTreeMap::new();
                let mut wrapped = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "config" {
                        match map.next_value::<Nested>()? {
                            Nested::Config(config) => wrapped = Some(config),
                            Nested::Values(values) => {
                                out.insert(key, values.0);
                            }
                        }
                    } else {
                        out.insert(key, map.next_value::<Values>()?.0);
                    }
                }
                Ok(ConfigAnswer(wrapped.unwrap_or(DeviceConfig(out))))
            }
        }
        d.deserialize_map(V)
    }
}

impl crate::endpoint::FromGenerated<crate::JsonObject> for ConfigAnswer {
    fn from_generated(value: crate::JsonObject) -> Result<Self, serde_json::Error> {
        serde_json::from_value(serde_json::Value::Object(value))
    }
}

/// The body of a configuration PATCH, as the spec types it.
impl From<&DeviceConfig> for std::collections::HashMap<String, Vec<String>> {
    fn from(config: &DeviceConfig) -> Self {
        config.0.clone().into_iter().collect()
    }
}

struct Values(Vec<String>);

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            List(Vec<crate::wire_quirks::Scalar>),
            One(crate::wire_quirks::Scalar),
        }
        Ok(Values(match Option::<Shape>::deserialize(d)? {
            None => Vec::new(),
            Some(Shape::List(items)) => items.into_iter().map(|s| s.0).collect(),
            Some(Shape::One(s)) if s.0.is_empty() => Vec::new(),
            Some(Shape::One(s)) => vec![s.0],
        }))
    }
}

impl<K: Into<String>, V: IntoIterator<Item = S>, S: Into<String>> FromIterator<(K, V)>
    for DeviceConfig
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        DeviceConfig(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into_iter().map(Into::into).collect()))
                .collect(),
        )
    }
}

/// One `datasets.*` list: dataset names plus `key=value` options (`format`, `url`, `port`,
/// `identifiable`, `interval_ms`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetTarget {
    /// The datasets, in order (unknown names are kept).
    pub datasets: Vec<DatasetName>,
    /// The options, by key.
    pub options: BTreeMap<String, String>,
}

impl DatasetTarget {
    /// Datasets with no options.
    pub fn new<S: AsRef<str>>(datasets: impl IntoIterator<Item = S>) -> Self {
        Self {
            datasets: datasets
                .into_iter()
                .map(|d| DatasetName::from(d.as_ref()))
                .collect(),
            options: BTreeMap::new(),
        }
    }

    /// Add an option.
    pub fn option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }

    /// An option's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(String::as_str)
    }

    /// Parse Orb's mixed list: `key=value` items are options, the rest dataset names.
    pub fn parse(values: &[String]) -> Self {
        let mut target = Self::default();
        for value in values {
            match value.split_once('=') {
                Some((k, v)) => {
                    target
                        .options
                        .insert(k.trim().to_string(), v.trim().to_string());
                }
                None if value.trim().is_empty() => {}
                None => target.datasets.push(DatasetName::from(value.trim())),
            }
        }
        target
    }

    /// Orb's mixed list: datasets in order, then options sorted by key.
    pub fn to_values(&self) -> Vec<String> {
        self.datasets
            .iter()
            .map(ToString::to_string)
            .chain(self.options.iter().map(|(k, v)| format!("{k}={v}")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_orbs_documented_example() {
        let config: DeviceConfig = serde_json::from_str(
            r#"{"datasets.cloud_push": ["scores_1m", "responsiveness_1s"],
                "datasets.push": ["scores_1m", "identifiable=true", "format=json", "url=http://host:7081/ingest"],
                "datasets.api": ["port=7080", "scores_1m"], "datasets.identifiable": "true", "other": null, "n": [1, true]}"#,
        )
        .unwrap();
        let push = config.push().unwrap();
        assert_eq!(push.datasets, vec![DatasetName::from("scores_1m")]);
        assert_eq!(push.get("url"), Some("http://host:7081/ingest"));
        assert_eq!(push.get("identifiable"), Some("true"));
        assert_eq!(config.api().unwrap().get("port"), Some("7080"));
        assert_eq!(config.cloud_push().unwrap().datasets.len(), 2);
        assert_eq!(config.get(keys::IDENTIFIABLE).unwrap(), ["true"]);
        assert_eq!(config.get("other").unwrap().len(), 0);
        assert_eq!(config.get("n").unwrap(), ["1", "true"]);
    }

    #[test]
    fn a_configuration_answer_is_read_bare_or_wrapped() {
        let bare: ConfigAnswer =
            serde_json::from_str(r#"{"datasets.api": ["port=7080"], "other": "x"}"#).unwrap();
        let wrapped: ConfigAnswer = serde_json::from_str(
            r#"{"status": "ok", "config": {"datasets.api": ["port=7080"], "other": "x"}}"#,
        )
        .unwrap();
        assert_eq!(bare.0, wrapped.0);
        assert_eq!(bare.0.get("other").unwrap(), ["x"]);
        // A "config" key whose value is a list is an ordinary key.
        let plain: ConfigAnswer = serde_json::from_str(r#"{"config": ["a"]}"#).unwrap();
        assert_eq!(plain.0.get("config").unwrap(), ["a"]);
    }

    #[test]
    fn round_trips_through_json_and_lists() {
        let target = DatasetTarget::parse(&[
            "future_dataset_9s".to_string(),
            "url=http://x/?a=b=c".to_string(),
        ]);
        assert_eq!(target.datasets[0].to_string(), "future_dataset_9s");
        assert_eq!(target.get("url"), Some("http://x/?a=b=c"));
        assert_eq!(DatasetTarget::parse(&target.to_values()), target);
        let mut config = DeviceConfig::default();
        config.set_push(&target);
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<DeviceConfig>(&json).unwrap(), config);
    }
}
