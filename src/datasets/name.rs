//! Dataset names (`scores_1m`, `speed_results`, ...) and the record-level `dataset` values
//! (`"scores"`, `"speed"`, ...).

use std::borrow::Cow;
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The aggregation window of an aggregated dataset: the `_30m` in `scores_30m`.
///
/// ```
/// use orb_cloud::datasets::Timeframe;
/// assert_eq!(Timeframe::Min1.as_str(), "1m");
/// assert_eq!(Timeframe::from_suffix("15s"), Some(Timeframe::Sec15));
/// assert_eq!(Timeframe::Sec1.duration().as_millis(), 1000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Timeframe {
    /// `30m`: 30-minute aggregates.
    Min30,
    /// `1m`: 1-minute aggregates.
    Min1,
    /// `1s`: 1-second aggregates.
    Sec1,
    /// `15s`: 15-second aggregates (older docs only: `responsiveness_15s`, `wifi_link_15s`).
    Sec15,
    /// `5m`: 5-minute aggregates (older READMEs only: `scores_5m`, unverified).
    Min5,
}

impl Timeframe {
    /// Every timeframe this crate knows, current first.
    pub const ALL: [Timeframe; 5] = [
        Timeframe::Min30,
        Timeframe::Min1,
        Timeframe::Sec1,
        Timeframe::Sec15,
        Timeframe::Min5,
    ];

    /// The suffix as Orb writes it (`"30m"`, `"1m"`, `"1s"`, `"15s"`, `"5m"`).
    ///
    /// ```
    /// assert_eq!(orb_cloud::datasets::Timeframe::Min30.as_str(), "30m");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Timeframe::Min30 => "30m",
            Timeframe::Min1 => "1m",
            Timeframe::Sec1 => "1s",
            Timeframe::Sec15 => "15s",
            Timeframe::Min5 => "5m",
        }
    }

    /// The timeframe for an exact suffix, `None` for anything else (case matters).
    ///
    /// ```
    /// use orb_cloud::datasets::Timeframe;
    /// assert_eq!(Timeframe::from_suffix("5m"), Some(Timeframe::Min5));
    /// assert_eq!(Timeframe::from_suffix("10s"), None);
    /// ```
    pub fn from_suffix(suffix: &str) -> Option<Timeframe> {
        Some(match suffix {
            "30m" => Timeframe::Min30,
            "1m" => Timeframe::Min1,
            "1s" => Timeframe::Sec1,
            "15s" => Timeframe::Sec15,
            "5m" => Timeframe::Min5,
            _ => return None,
        })
    }

    /// The length of the window.
    ///
    /// ```
    /// assert_eq!(orb_cloud::datasets::Timeframe::Min5.duration().as_secs(), 300);
    /// ```
    pub const fn duration(self) -> Duration {
        Duration::from_secs(match self {
            Timeframe::Min30 => 1800,
            Timeframe::Min1 => 60,
            Timeframe::Sec1 => 1,
            Timeframe::Sec15 => 15,
            Timeframe::Min5 => 300,
        })
    }
}

impl fmt::Display for Timeframe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which record type a dataset's records decode into: `scores_1m` and `scores_1s` are both
/// [`Family::Scores`]. A store keeps one table per family ([`Family::as_str`] names it,
/// [`Family::fields`] gives its columns).
///
/// ```
/// use orb_cloud::datasets::{DatasetName, Family};
/// assert_eq!(DatasetName::from("responsiveness_1s").family(), Some(Family::Responsiveness));
/// assert_eq!(Family::WifiLink.as_str(), "wifi_link");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Family {
    /// `scores_*`: [`ScoresRecord`](crate::datasets::ScoresRecord).
    Scores,
    /// `responsiveness_*`: [`ResponsivenessRecord`](crate::datasets::ResponsivenessRecord).
    Responsiveness,
    /// `web_responsiveness_results`:
    /// [`WebResponsivenessRecord`](crate::datasets::WebResponsivenessRecord).
    WebResponsiveness,
    /// `speed_results`: [`SpeedRecord`](crate::datasets::SpeedRecord).
    Speed,
    /// `wifi_link_*`: [`WifiLinkRecord`](crate::datasets::WifiLinkRecord).
    WifiLink,
}

impl Family {
    /// The family's name: the dataset name without its timeframe or `_results`
    /// (`responsiveness`, `scores`, `speed`, `web_responsiveness`, `wifi_link`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Family::Scores => "scores",
            Family::Responsiveness => "responsiveness",
            Family::WebResponsiveness => "web_responsiveness",
            Family::Speed => "speed",
            Family::WifiLink => "wifi_link",
        }
    }

    /// The family named `name` ([`Family::as_str`]), if any.
    ///
    /// ```
    /// use orb_cloud::datasets::Family;
    /// assert_eq!(Family::parse("speed"), Some(Family::Speed));
    /// assert_eq!(Family::parse("speed_results"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dataset name as used in device configuration, temporary datasets and the Local API
/// (`scores_1m`, `responsiveness_1s`, `web_responsiveness_results`, `speed_results`,
/// `wifi_link_30m`, ...).
///
/// Parsing never fails: a name this crate does not know (`latency_1s`, a future dataset, a
/// timeframe like `scores_10s`) is kept verbatim in [`DatasetName::Other`], so
/// `name.parse::<DatasetName>()?.to_string() == name` for every string. Matching is exact
/// (case-sensitive, no trimming). Serde reads and writes the plain string.
///
/// Build values with [`DatasetName::from`] / [`str::parse`] rather than writing
/// `Other("scores_1m".into())` by hand: such a value prints like `Scores(Timeframe::Min1)` but
/// does not compare equal to it.
///
/// ```
/// use orb_cloud::datasets::{DatasetName, Timeframe};
/// let name: DatasetName = "responsiveness_15s".parse().unwrap();
/// assert_eq!(name, DatasetName::Responsiveness(Timeframe::Sec15));
/// assert_eq!(name.to_string(), "responsiveness_15s");
///
/// let future = DatasetName::from("latency_1s");
/// assert_eq!(future, DatasetName::Other("latency_1s".into()));
/// assert_eq!(future.as_str(), "latency_1s");
/// assert_eq!(serde_json::to_string(&DatasetName::SpeedResults).unwrap(), r#""speed_results""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DatasetName {
    /// `scores_{timeframe}`: Orb Score and its components per interval.
    Scores(Timeframe),
    /// `responsiveness_{timeframe}`: lag, latency, jitter and packet loss per interval.
    Responsiveness(Timeframe),
    /// `web_responsiveness_results`: one raw web result (TTFB, DNS) about once a minute.
    WebResponsivenessResults,
    /// `speed_results`: one raw result per speed test.
    SpeedResults,
    /// `wifi_link_{timeframe}`: Wi-Fi link quality per interval.
    WifiLink(Timeframe),
    /// Any other name, kept verbatim.
    Other(String),
}

impl DatasetName {
    /// The names Orb's docs list, in the docs' order: current ones, the older `_15s` ones and
    /// `scores_5m` (older READMEs, unverified). `latency_1s` and `throughput_1s`, also
    /// unverified, are not typed datasets and stay [`DatasetName::Other`].
    ///
    /// ```
    /// use orb_cloud::datasets::DatasetName;
    /// for name in DatasetName::DOCUMENTED {
    ///     assert!(DatasetName::from(name).is_known(), "{name}");
    /// }
    /// ```
    pub const DOCUMENTED: [&'static str; 14] = [
        "scores_30m",
        "scores_1m",
        "scores_1s",
        "responsiveness_30m",
        "responsiveness_1m",
        "responsiveness_1s",
        "responsiveness_15s",
        "web_responsiveness_results",
        "speed_results",
        "wifi_link_30m",
        "wifi_link_1m",
        "wifi_link_1s",
        "wifi_link_15s",
        "scores_5m",
    ];

    /// Parse a name; unknown names become [`DatasetName::Other`].
    ///
    /// ```
    /// use orb_cloud::datasets::{DatasetName, Timeframe};
    /// assert_eq!(DatasetName::parse("wifi_link_1s"), DatasetName::WifiLink(Timeframe::Sec1));
    /// assert_eq!(DatasetName::parse("scores_10s"), DatasetName::Other("scores_10s".into()));
    /// ```
    pub fn parse(name: &str) -> DatasetName {
        Self::parse_known(name).unwrap_or_else(|| DatasetName::Other(name.to_owned()))
    }

    fn parse_known(name: &str) -> Option<DatasetName> {
        match name {
            "web_responsiveness_results" => return Some(DatasetName::WebResponsivenessResults),
            "speed_results" => return Some(DatasetName::SpeedResults),
            _ => {}
        }
        let (family, suffix) = name.rsplit_once('_')?;
        let timeframe = Timeframe::from_suffix(suffix)?;
        match family {
            "scores" => Some(DatasetName::Scores(timeframe)),
            "responsiveness" => Some(DatasetName::Responsiveness(timeframe)),
            "wifi_link" => Some(DatasetName::WifiLink(timeframe)),
            _ => None,
        }
    }

    /// The name as Orb writes it.
    ///
    /// ```
    /// use orb_cloud::datasets::{DatasetName, Timeframe};
    /// assert_eq!(DatasetName::Scores(Timeframe::Min30).as_str(), "scores_30m");
    /// ```
    pub fn as_str(&self) -> &str {
        macro_rules! timed {
            ($prefix:literal, $tf:expr) => {
                match $tf {
                    Timeframe::Min30 => concat!($prefix, "_30m"),
                    Timeframe::Min1 => concat!($prefix, "_1m"),
                    Timeframe::Sec1 => concat!($prefix, "_1s"),
                    Timeframe::Sec15 => concat!($prefix, "_15s"),
                    Timeframe::Min5 => concat!($prefix, "_5m"),
                }
            };
        }
        match self {
            DatasetName::Scores(tf) => timed!("scores", tf),
            DatasetName::Responsiveness(tf) => timed!("responsiveness", tf),
            DatasetName::WifiLink(tf) => timed!("wifi_link", tf),
            DatasetName::WebResponsivenessResults => "web_responsiveness_results",
            DatasetName::SpeedResults => "speed_results",
            DatasetName::Other(name) => name,
        }
    }

    /// The aggregation window, for aggregated datasets.
    ///
    /// ```
    /// use orb_cloud::datasets::{DatasetName, Timeframe};
    /// assert_eq!(DatasetName::from("scores_1s").timeframe(), Some(Timeframe::Sec1));
    /// assert_eq!(DatasetName::SpeedResults.timeframe(), None);
    /// ```
    pub fn timeframe(&self) -> Option<Timeframe> {
        match self {
            DatasetName::Scores(tf)
            | DatasetName::Responsiveness(tf)
            | DatasetName::WifiLink(tf) => Some(*tf),
            _ => None,
        }
    }

    /// Whether this is a name this crate decodes into a typed record (not [`DatasetName::Other`]).
    ///
    /// ```
    /// use orb_cloud::datasets::DatasetName;
    /// assert!(DatasetName::from("speed_results").is_known());
    /// assert!(!DatasetName::from("throughput_1s").is_known());
    /// ```
    pub fn is_known(&self) -> bool {
        !matches!(self, DatasetName::Other(_))
    }

    /// The family of the dataset's records (`None` for a name this crate does not know).
    ///
    /// ```
    /// use orb_cloud::datasets::{DatasetName, Family};
    /// assert_eq!(DatasetName::from("speed_results").family(), Some(Family::Speed));
    /// assert_eq!(DatasetName::from("latency_1s").family(), None);
    /// ```
    pub fn family(&self) -> Option<Family> {
        match self {
            DatasetName::Scores(_) => Some(Family::Scores),
            DatasetName::Responsiveness(_) => Some(Family::Responsiveness),
            DatasetName::WebResponsivenessResults => Some(Family::WebResponsiveness),
            DatasetName::SpeedResults => Some(Family::Speed),
            DatasetName::WifiLink(_) => Some(Family::WifiLink),
            DatasetName::Other(_) => None,
        }
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DatasetName {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DatasetName::parse(s))
    }
}

impl From<&str> for DatasetName {
    fn from(s: &str) -> Self {
        DatasetName::parse(s)
    }
}

impl From<String> for DatasetName {
    fn from(s: String) -> Self {
        DatasetName::parse_known(&s).unwrap_or(DatasetName::Other(s))
    }
}

impl From<DatasetName> for String {
    fn from(name: DatasetName) -> Self {
        match name {
            DatasetName::Other(s) => s,
            known => known.as_str().to_owned(),
        }
    }
}

impl Serialize for DatasetName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DatasetName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(deserializer).map_err(de::Error::custom)?;
        Ok(DatasetName::from(s.into_owned()))
    }
}

/// The value of a record's own `dataset` field, which tells records apart when several datasets
/// arrive mixed in one payload.
///
/// Orb's example payload has `"speed"` for `speed_results`; by Orb's dashboards the others are
/// very probably `"scores"`, `"responsiveness"` and `"web_responsiveness"`. The Wi-Fi value is
/// not documented, so Wi-Fi records arrive as [`DatasetKind::Other`] (or without the field) and
/// are recognized through the hint given to [`parse_push`](crate::datasets::parse_push).
/// Unknown values are kept verbatim; serde reads and writes the plain string.
///
/// ```
/// use orb_cloud::datasets::DatasetKind;
/// assert_eq!(DatasetKind::from("speed"), DatasetKind::Speed);
/// assert_eq!(DatasetKind::from("wifi").as_str(), "wifi");
/// assert_eq!("web_responsiveness".parse::<DatasetKind>().unwrap(), DatasetKind::WebResponsiveness);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DatasetKind {
    /// `"scores"`: a `scores_*` record.
    Scores,
    /// `"responsiveness"`: a `responsiveness_*` record.
    Responsiveness,
    /// `"web_responsiveness"`: a `web_responsiveness_results` record.
    WebResponsiveness,
    /// `"speed"`: a `speed_results` record (as in Orb's own example payload).
    Speed,
    /// Any other value, kept verbatim.
    Other(String),
}

impl DatasetKind {
    /// Parse a value; unknown values become [`DatasetKind::Other`].
    ///
    /// ```
    /// use orb_cloud::datasets::DatasetKind;
    /// assert_eq!(DatasetKind::parse("scores"), DatasetKind::Scores);
    /// assert_eq!(DatasetKind::parse("Scores"), DatasetKind::Other("Scores".into()));
    /// ```
    pub fn parse(value: &str) -> DatasetKind {
        Self::parse_known(value).unwrap_or_else(|| DatasetKind::Other(value.to_owned()))
    }

    fn parse_known(value: &str) -> Option<DatasetKind> {
        Some(match value {
            "scores" => DatasetKind::Scores,
            "responsiveness" => DatasetKind::Responsiveness,
            "web_responsiveness" => DatasetKind::WebResponsiveness,
            "speed" => DatasetKind::Speed,
            _ => return None,
        })
    }

    /// The value as Orb writes it.
    ///
    /// ```
    /// assert_eq!(orb_cloud::datasets::DatasetKind::Speed.as_str(), "speed");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            DatasetKind::Scores => "scores",
            DatasetKind::Responsiveness => "responsiveness",
            DatasetKind::WebResponsiveness => "web_responsiveness",
            DatasetKind::Speed => "speed",
            DatasetKind::Other(value) => value,
        }
    }

    /// The record family for a `dataset` value, without allocating.
    pub(crate) fn family_of(value: &str) -> Option<Family> {
        match value {
            "scores" => Some(Family::Scores),
            "responsiveness" => Some(Family::Responsiveness),
            "web_responsiveness" => Some(Family::WebResponsiveness),
            "speed" => Some(Family::Speed),
            _ => None,
        }
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DatasetKind {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DatasetKind::parse(s))
    }
}

impl From<&str> for DatasetKind {
    fn from(s: &str) -> Self {
        DatasetKind::parse(s)
    }
}

impl From<String> for DatasetKind {
    fn from(s: String) -> Self {
        DatasetKind::parse_known(&s).unwrap_or(DatasetKind::Other(s))
    }
}

impl Serialize for DatasetKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DatasetKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KindVisitor;
        impl Visitor<'_> for KindVisitor {
            type Value = DatasetKind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dataset value such as \"scores\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DatasetKind, E> {
                Ok(DatasetKind::parse(v))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<DatasetKind, E> {
                Ok(DatasetKind::from(v))
            }
        }
        deserializer.deserialize_str(KindVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_name_round_trips_and_is_typed() {
        for name in DatasetName::DOCUMENTED {
            let parsed: DatasetName = name.parse().unwrap();
            assert!(parsed.is_known(), "{name}");
            assert_eq!(parsed.to_string(), name);
            assert_eq!(parsed.as_str(), name);
            assert_eq!(DatasetName::from(name.to_string()), parsed);
            let json = serde_json::to_string(&parsed).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<DatasetName>(&json).unwrap(), parsed);
        }
    }

    #[test]
    fn every_family_and_timeframe_combination_round_trips() {
        for tf in Timeframe::ALL {
            for name in [
                DatasetName::Scores(tf),
                DatasetName::Responsiveness(tf),
                DatasetName::WifiLink(tf),
            ] {
                assert_eq!(DatasetName::from(name.as_str()), name);
                assert_eq!(name.timeframe(), Some(tf));
            }
            assert_eq!(Timeframe::from_suffix(tf.as_str()), Some(tf));
        }
        assert_eq!(
            DatasetName::from("responsiveness_15s"),
            DatasetName::Responsiveness(Timeframe::Sec15)
        );
        assert_eq!(
            DatasetName::from("wifi_link_15s"),
            DatasetName::WifiLink(Timeframe::Sec15)
        );
        assert_eq!(
            DatasetName::from("scores_5m"),
            DatasetName::Scores(Timeframe::Min5)
        );
    }

    #[test]
    fn unknown_names_are_kept_verbatim() {
        for name in [
            "latency_1s",
            "throughput_1s",
            "scores_10s",
            "Scores_1m",
            " scores_1m",
            "scores_1m ",
            "scores",
            "scores_",
            "_1m",
            "wifi_1m",
            "speed_results_1m",
            "",
            "données_1m",
        ] {
            let parsed = DatasetName::from(name);
            assert_eq!(parsed, DatasetName::Other(name.to_string()), "{name:?}");
            assert_eq!(parsed.to_string(), name);
            assert_eq!(String::from(parsed.clone()), name);
            let json = serde_json::to_string(&parsed).unwrap();
            assert_eq!(serde_json::from_str::<DatasetName>(&json).unwrap(), parsed);
        }
    }

    #[test]
    fn dataset_kind_values_round_trip() {
        for (value, kind) in [
            ("scores", DatasetKind::Scores),
            ("responsiveness", DatasetKind::Responsiveness),
            ("web_responsiveness", DatasetKind::WebResponsiveness),
            ("speed", DatasetKind::Speed),
            ("wifi_link", DatasetKind::Other("wifi_link".into())),
        ] {
            assert_eq!(DatasetKind::from(value), kind);
            assert_eq!(kind.to_string(), value);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<DatasetKind>(&json).unwrap(), kind);
        }
        assert!(serde_json::from_str::<DatasetKind>("3").is_err());
    }
}
