//! Devices (Orbs) and their summaries, as users want them: `is_connected()` as a bool, times as
//! [`Timestamp`]s, the summary parsed into [`DeviceSummary`] with its [`OrbScore`] tree.
//!
//! Decoded in one pass straight from the wire, tolerant of both shapes Orb is known to send (the
//! generated schema's and the one Orb's own Python client parses): see the table in
//! `spec/README.md`. Unknown fields are ignored.

use std::borrow::Cow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::api::types::OrbinfoOrganizationDeviceLink;
use crate::timestamp::Timestamp;
use crate::wire_quirks;
use config::DeviceConfig;

pub(crate) mod config;
mod generated;
mod parser;

/// Devices of a listing go through [`Device::from_json`].
impl crate::array_decoder::Element for Device {
    fn from_text(text: &str) -> serde_json::Result<Self> {
        Device::from_json(text)
    }

    fn id_of(bytes: &[u8]) -> Option<String> {
        #[derive(Deserialize)]
        struct Id {
            orb_id: Option<String>,
        }
        serde_json::from_slice::<Id>(bytes).ok()?.orb_id
    }
}

/// One Orb sensor as `list devices` returns it.
///
/// ```
/// let device: orb_cloud::Device = serde_json::from_str(r#"{
///     "orb_id": "cjwbntmuy97ta4rx3mbrjf2gj8j7", "name": "hardy-house", "is_connected": 1,
///     "summary": {"orb_score": {"display": 91, "score": 0.83}}
/// }"#)?;
/// assert!(device.is_connected());
/// assert_eq!(device.orb_score().and_then(|s| s.display), Some(91));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Device {
    /// Orb's device id (28 lowercase alphanumerics).
    #[serde(default)]
    pub orb_id: String,
    /// The device's name.
    #[serde(default)]
    pub name: String,
    /// Connection state as Orb sends it (`is_connected`, 0/1 or a boolean); see [`Device::is_connected`].
    #[serde(
        default,
        rename = "is_connected",
        deserialize_with = "wire_quirks::flexible_bool"
    )]
    pub connected: Option<bool>,
    /// When the connection state last changed.
    #[serde(default)]
    pub is_connected_updated_at: Option<Timestamp>,
    /// When the device was created.
    #[serde(default)]
    pub created_ts: Option<Timestamp>,
    /// The last summary the device sent.
    #[serde(default)]
    pub summary: Option<DeviceSummary>,
    /// Tags, as `key=value` strings (`dt=Default Configuration`).
    #[serde(default, deserialize_with = "wire_quirks::tags")]
    pub tags: Vec<String>,
    /// The device's configuration overrides.
    #[serde(default, deserialize_with = "wire_quirks::null_as_default")]
    pub config: DeviceConfig,
    /// The configuration (deployment token) the device uses.
    #[serde(default)]
    pub configuration_id: Option<String>,
    /// The organization's relationship to the device.
    #[serde(default)]
    pub relationship: Option<String>,
    /// Whether the device can send notifications.
    #[serde(default, deserialize_with = "wire_quirks::flexible_bool")]
    pub can_notify: Option<bool>,
    /// Whether a local configuration override is set.
    #[serde(default, deserialize_with = "wire_quirks::flexible_bool")]
    pub has_local_config_override: Option<bool>,
    /// Whether the device runs a configuration older than the one assigned.
    #[serde(default, deserialize_with = "wire_quirks::flexible_bool")]
    pub has_stale_config: Option<bool>,
    /// Links of the device to organizations.
    #[serde(default, deserialize_with = "wire_quirks::compact_list")]
    pub links: Vec<OrbinfoOrganizationDeviceLink>,
}

// `is_connected` is the wire name; the field is `connected` so that the method can be `is_connected()`.
impl Device {
    /// One device from its JSON text: exactly what `serde_json::from_str` gives, errors
    /// included, in about three quarters of the time. A parser that knows the shape Orb sends
    /// reads it, and serde takes over for anything else. Device listings are decoded this way.
    ///
    /// ```
    /// let device = orb_cloud::Device::from_json(
    ///     r#"{"orb_id": "cjwbntmuy97ta4rx3mbrjf2gj8j7", "name": "hardy-house", "is_connected": 1}"#,
    /// )?;
    /// assert!(device.is_connected());
    /// assert!(orb_cloud::Device::from_json(r#"{"name": 7}"#).is_err());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_json(text: &str) -> serde_json::Result<Device> {
        parser::parse_device(text).map_or_else(|| serde_json::from_str(text), Ok)
    }

    /// True when Orb reports the device connected.
    pub fn is_connected(&self) -> bool {
        self.connected.unwrap_or(false)
    }

    /// The device's current Orb Score (the summary's `orb_score`).
    pub fn orb_score(&self) -> Option<&OrbScore> {
        self.summary.as_ref()?.orb_score.as_ref()
    }

    /// Where the device is, by GeoIP.
    pub fn geoip(&self) -> Option<&GeoIp> {
        self.summary.as_ref()?.tags.as_ref()?.geoip.as_ref()
    }
}

/// The summary a device last sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceSummary {
    /// Where the device is, what it is and how it connects.
    #[serde(default)]
    pub tags: Option<SummaryTags>,
    /// Summary format version (`0.1.0`).
    #[serde(default)]
    pub version: Option<String>,
    /// The current Orb Score.
    #[serde(default)]
    pub orb_score: Option<OrbScore>,
    /// When the summary was made.
    #[serde(default)]
    pub created_ts: Option<Timestamp>,
    /// Orb Scores over other time windows.
    #[serde(default, deserialize_with = "wire_quirks::compact_list")]
    pub orb_scores: Vec<OrbScore>,
}

/// The summary's tags.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SummaryTags {
    /// Location by GeoIP.
    #[serde(default)]
    pub geoip: Option<GeoIp>,
    /// The host the Orb runs on.
    #[serde(default)]
    pub device_info: Option<DeviceInfo>,
    /// The network interface measured.
    #[serde(default)]
    pub network_interface: Option<NetworkInterface>,
}

/// Location by GeoIP.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GeoIp {
    /// City (`Kirkland`).
    #[serde(default)]
    pub city: Option<String>,
    /// State or region (`Washington`).
    #[serde(default)]
    pub state: Option<String>,
    /// Country (`United States`).
    #[serde(default)]
    pub country: Option<String>,
    /// ISO country code (`US`).
    #[serde(default)]
    pub country_code: Option<String>,
    /// Internet provider (`Comcast Cable`).
    #[serde(default)]
    pub isp_name: Option<String>,
    /// Latitude, degrees.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Longitude, degrees.
    #[serde(default)]
    pub longitude: Option<f64>,
}

/// The host the Orb runs on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceInfo {
    /// Host name (`hardy-nca1515`).
    #[serde(default)]
    pub name: Option<String>,
    /// Orb version (`v1.2.3`).
    #[serde(default)]
    pub version: Option<String>,
    /// CPU count.
    #[serde(default, deserialize_with = "wire_quirks::flexible_i64")]
    pub cpu_count: Option<i64>,
    /// Full host name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Operating system (`linux`).
    #[serde(default)]
    pub operating_system: Option<String>,
}

/// The network interface the Orb measures through.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NetworkInterface {
    /// Interface name.
    #[serde(default)]
    pub name: Option<String>,
    /// Interface type (`Ethernet`, `Wi-Fi`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Local IP address.
    #[serde(default)]
    pub local_ip: Option<String>,
    /// MAC address.
    #[serde(default)]
    pub mac_address: Option<String>,
}

/// An Orb Score and its components, a tree: the overall score has `responsiveness_score`,
/// `reliability_score` and `bandwidth_score` components, whose leaves carry raw measurements
/// (`internet_lag_us`, `download_bandwidth_kbps`, ...) in `value`.
///
/// ```
/// let s: orb_cloud::OrbScore = serde_json::from_str(r#"{"display": 91, "components": {
///     "bandwidth_score": {"display": 80, "components": {"download_bandwidth_kbps": {"value": 518022}}}}}"#)?;
/// assert_eq!(s.component("bandwidth_score").and_then(|c| c.display), Some(80));
/// assert_eq!(s.find("download_bandwidth_kbps").and_then(|c| c.value), Some(518022.0));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrbScore {
    /// Raw score, 0 to 1.
    #[serde(default)]
    pub score: Option<f64>,
    /// Score for display, 0 to 100.
    #[serde(default, deserialize_with = "wire_quirks::flexible_i64")]
    pub display: Option<i64>,
    /// Whether there were enough measurements for the score to be conclusive.
    #[serde(default, deserialize_with = "wire_quirks::flexible_bool")]
    pub included: Option<bool>,
    /// Raw measurement, on leaf components (unit in the component's name).
    #[serde(default)]
    pub value: Option<f64>,
    /// Components by name, in the order Orb sent them.
    #[serde(default, deserialize_with = "wire_quirks::null_as_default")]
    pub components: ScoreComponents,
    /// Measurement window, milliseconds.
    #[serde(default, deserialize_with = "wire_quirks::flexible_i64")]
    pub duration_ms: Option<i64>,
    /// Scoring algorithm version (`1.2.0`); known versions are decoded without allocating.
    #[serde(default, deserialize_with = "score_version")]
    pub score_version: Option<Cow<'static, str>>,
}

/// Score versions seen in real summaries.
const KNOWN_SCORE_VERSIONS: [&str; 1] = ["1.2.0"];

fn score_version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'static, str>>, D::Error> {
    Ok(Option::<ScoreVersion>::deserialize(d)?.map(|v| v.0))
}

impl OrbScore {
    /// A direct component (`responsiveness_score`, `reliability_score`, `bandwidth_score`).
    pub fn component(&self, name: &str) -> Option<&OrbScore> {
        self.components.get(name)
    }

    /// A component anywhere in the tree, depth first.
    pub fn find(&self, name: &str) -> Option<&OrbScore> {
        self.components
            .get(name)
            .or_else(|| self.components.iter().find_map(|(_, c)| c.find(name)))
    }
}

/// Component names seen in real summaries: decoded without allocating.
const KNOWN_COMPONENTS: [&str; 7] = [
    "bandwidth_score",
    "reliability_score",
    "responsiveness_score",
    "download_bandwidth_kbps",
    "upload_bandwidth_kbps",
    "internet_lag_us",
    "internet_loss_status",
];

/// The components of an [`OrbScore`] by name, in the order Orb sent them; unknown names are kept.
///
/// A short list rather than a map: a score has one to four components, and a listing of 10,000
/// devices holds about 120,000 component sets, where a `BTreeMap` would allocate a 1.6 KB node
/// for each non-empty one (most of the decoded size of such a listing).
///
/// ```
/// let s: orb_cloud::OrbScore = serde_json::from_str(r#"{"components": {
///     "responsiveness_score": {"display": 88}, "reliability_score": {"display": 93}}}"#)?;
/// assert_eq!(s.components.len(), 2);
/// assert_eq!(s.components.get("reliability_score").and_then(|c| c.display), Some(93));
/// let names: Vec<&str> = s.components.names().collect();
/// assert_eq!(names, ["responsiveness_score", "reliability_score"]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct ScoreComponents(Vec<(Cow<'static, str>, OrbScore)>);

impl ScoreComponents {
    /// The component called `name`.
    pub fn get(&self, name: &str) -> Option<&OrbScore> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// Whether there is a component called `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// How many components there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none (a leaf of the score tree).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Names and components, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &OrbScore)> {
        self.0.iter().map(|(n, c)| (n.as_ref(), c))
    }

    /// The names, in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_ref())
    }

    /// Adds a component, replacing one of the same name (which keeps its place).
    pub fn insert(&mut self, name: impl Into<String>, score: OrbScore) {
        let name = name.into();
        let name = intern_in(&KNOWN_COMPONENTS, &name).unwrap_or(Cow::Owned(name));
        self.set(name, score);
    }

    /// Replaces the component called `name` (which keeps its place), or appends it: a repeated
    /// name in JSON means the last one, as in an object.
    fn set(&mut self, name: Cow<'static, str>, score: OrbScore) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => *existing = score,
            None => self.0.push((name, score)),
        }
    }
}

fn intern_in(known: &[&'static str], value: &str) -> Option<Cow<'static, str>> {
    known
        .iter()
        .find(|k| **k == value)
        .map(|k| Cow::Borrowed(*k))
}

impl fmt::Debug for ScoreComponents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a ScoreComponents {
    type Item = (&'a str, &'a OrbScore);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a OrbScore)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl<S: Into<String>> FromIterator<(S, OrbScore)> for ScoreComponents {
    fn from_iter<I: IntoIterator<Item = (S, OrbScore)>>(iter: I) -> Self {
        let mut components = ScoreComponents::default();
        for (name, score) in iter {
            components.insert(name, score);
        }
        components
    }
}

impl Serialize for ScoreComponents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, score) in &self.0 {
            map.serialize_entry(name.as_ref(), score)?;
        }
        map.end()
    }
}

// The strings of a score tree repeat a few values hundreds of thousands of times in a large
// listing: known ones are borrowed from a static list instead of allocated.

/// A score version, borrowed when known.
struct ScoreVersion(Cow<'static, str>);

impl<'de> Deserialize<'de> for ScoreVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(InternVisitor(&KNOWN_SCORE_VERSIONS))
            .map(ScoreVersion)
    }
}

/// A component name, borrowed when known.
struct ComponentName(Cow<'static, str>);

impl<'de> Deserialize<'de> for ComponentName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(InternVisitor(&KNOWN_COMPONENTS))
            .map(ComponentName)
    }
}

struct InternVisitor(&'static [&'static str]);

impl Visitor<'_> for InternVisitor {
    type Value = Cow<'static, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(intern_in(self.0, v).unwrap_or_else(|| Cow::Owned(v.to_owned())))
    }
}

impl<'de> Deserialize<'de> for ScoreComponents {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ScoreComponents;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of score components")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ScoreComponents, A::Error> {
                let mut components =
                    ScoreComponents(Vec::with_capacity(map.size_hint().unwrap_or(0).min(16)));
                while let Some((ComponentName(name), score)) =
                    map.next_entry::<ComponentName, Option<OrbScore>>()?
                {
                    // A null component (Go's nil) carries nothing.
                    if let Some(score) = score {
                        components.set(name, score);
                    }
                }
                // A Vec's first growth makes room for 4 (576 bytes); most sets hold 1 or 2, and
                // a listing of 10,000 devices holds 120,000 sets: without this, about 40 MB of
                // its memory would be empty room. Shrinking in place does not copy.
                components.0.shrink_to_fit();
                Ok(components)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_measurements_decode_to_the_exact_value_sent() {
        // serde_json without `float_roundtrip` gives 0.936428915771154 for the first.
        for text in [
            "0.9364289157711541",
            "730431.5105427479",
            "0.8283297399160232",
        ] {
            let json = format!(r#"{{"score": {text}, "value": {text}}}"#);
            let s: OrbScore = serde_json::from_str(&json).unwrap();
            let exact: f64 = text.parse().unwrap();
            assert_eq!(s.score.map(f64::to_bits), Some(exact.to_bits()), "{text}");
            assert_eq!(s.value.map(f64::to_bits), Some(exact.to_bits()), "{text}");
        }
    }

    #[test]
    fn decoded_lists_hold_no_spare_room() {
        // A large listing holds 120,000 component sets and 10,000 history lists: spare room in
        // each was about 40 MB of a 10,000-device listing.
        let d: Device = serde_json::from_str(
            r#"{"tags": ["a=1", "b"], "summary": {
                "orb_score": {"components": {"reliability_score": {"display": 1}}},
                "orb_scores": [{"display": 2}, {"display": 3}]}}"#,
        )
        .unwrap();
        let summary = d.summary.as_ref().unwrap();
        let components = &summary.orb_score.as_ref().unwrap().components.0;
        assert_eq!((components.len(), components.capacity()), (1, 1));
        assert_eq!(summary.orb_scores.capacity(), 2);
        assert_eq!(d.tags.capacity(), 2);
    }

    #[test]
    fn components_keep_wire_order_unknown_names_and_the_last_of_a_repeated_name() {
        let s: OrbScore = serde_json::from_str(
            r#"{"components": {"reliability_score": {"display": 1}, "new_score": {"display": 2},
                "reliability_score": {"display": 3}, "bandwidth_score": null}}"#,
        )
        .unwrap();
        let names: Vec<&str> = s.components.names().collect();
        // A null component (Go's nil) carries nothing and is left out.
        assert_eq!(names, ["reliability_score", "new_score"]);
        assert_eq!(s.component("reliability_score").unwrap().display, Some(3));
        assert_eq!(s.component("new_score").unwrap().display, Some(2));
        let back = serde_json::to_value(&s.components).unwrap();
        assert_eq!(back["new_score"]["display"], 2);
    }
}
