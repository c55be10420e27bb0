//! The single-pass decoder under every record type.
//!
//! A record is read once into [`Slots`]: one slot per documented field name, holding the JSON
//! scalar as sent (no `serde_json::Value`, no map, no key allocation; unknown keys are skipped
//! without being stored). The record's `dataset` slot then picks the record type, and the typed
//! record takes its fields out of the slots with the conversions below. This gives one parse per
//! record even though the `dataset` field may come last, and one place for the leniency rules.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::name::DatasetKind;

macro_rules! keys {
    ($($variant:ident = $name:literal,)*) => {
        /// Every field name this module decodes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Key {
            $($variant,)*
        }

        impl Key {
            /// How many keys there are.
            pub(crate) const COUNT: usize = [$($name),*].len();

            /// Every key, in declaration order.
            #[cfg(test)]
            pub(crate) const ALL: [Key; Key::COUNT] = [$(Key::$variant),*];

            /// The key for a field name, `None` for a name no record type has.
            #[inline]
            pub(crate) fn parse(name: &str) -> Option<Key> {
                match name {
                    $($name => Some(Key::$variant),)*
                    _ => None,
                }
            }

            /// The field name as Orb writes it.
            pub(crate) const fn as_str(self) -> &'static str {
                match self {
                    $(Key::$variant => $name,)*
                }
            }
        }
    };
}

keys! {
    // identifiers
    OrbId = "orb_id",
    OrbName = "orb_name",
    DeviceName = "device_name",
    Timestamp = "timestamp",
    IntervalMs = "interval_ms",
    ScoreVersion = "score_version",
    OrbVersion = "orb_version",
    Dataset = "dataset",
    // scores
    OrbScore = "orb_score",
    ResponsivenessScore = "responsiveness_score",
    ReliabilityScore = "reliability_score",
    SpeedScore = "speed_score",
    SpeedAgeMs = "speed_age_ms",
    LagAvgUs = "lag_avg_us",
    DownloadAvgKbps = "download_avg_kbps",
    UploadAvgKbps = "upload_avg_kbps",
    UnresponsiveMs = "unresponsive_ms",
    MeasuredMs = "measured_ms",
    LagCount = "lag_count",
    SpeedCount = "speed_count",
    // responsiveness
    LatencyAvgUs = "latency_avg_us",
    JitterAvgUs = "jitter_avg_us",
    LatencyCount = "latency_count",
    LatencyLostCount = "latency_lost_count",
    PacketLossPct = "packet_loss_pct",
    RouterLagAvgUs = "router_lag_avg_us",
    RouterLatencyAvgUs = "router_latency_avg_us",
    RouterJitterAvgUs = "router_jitter_avg_us",
    RouterLatencyCount = "router_latency_count",
    RouterLatencyLostCount = "router_latency_lost_count",
    RouterPacketLossPct = "router_packet_loss_pct",
    RouterLagCount = "router_lag_count",
    Pingers = "pingers",
    // web responsiveness
    TtfbUs = "ttfb_us",
    DnsUs = "dns_us",
    WebUrl = "web_url",
    // speed
    DownloadKbps = "download_kbps",
    DownloadStatus = "download_status",
    UploadKbps = "upload_kbps",
    UploadStatus = "upload_status",
    SpeedTestEngine = "speed_test_engine",
    SpeedTestServer = "speed_test_server",
    // wifi link
    RssiAvg = "rssi_avg",
    RssiCount = "rssi_count",
    FrequencyMhz = "frequency_mhz",
    TxRateMbps = "tx_rate_mbps",
    TxRateCount = "tx_rate_count",
    RxRateMbps = "rx_rate_mbps",
    RxRateCount = "rx_rate_count",
    SnrAvg = "snr_avg",
    SnrCount = "snr_count",
    NoiseAvg = "noise_avg",
    NoiseCount = "noise_count",
    PhyMode = "phy_mode",
    Security = "security",
    ChannelWidth = "channel_width",
    ChannelNumber = "channel_number",
    ChannelBand = "channel_band",
    SupportedWlanChannels = "supported_wlan_channels",
    Mcs = "mcs",
    Nss = "nss",
    // common dimensions
    Bssid = "bssid",
    MacAddress = "mac_address",
    NetworkName = "network_name",
    NetworkType = "network_type",
    NetworkState = "network_state",
    CountryCode = "country_code",
    State = "state",
    City = "city",
    CityName = "city_name",
    IspName = "isp_name",
    PublicIp = "public_ip",
    PrivateIp = "private_ip",
    Latitude = "latitude",
    Longitude = "longitude",
    LocationSource = "location_source",
    MeasureEndpoint = "measure_endpoint",
    MeasureEndpointName = "measure_endpoint_name",
}

/// One field's JSON value as sent.
#[derive(Debug, Default)]
pub(crate) enum Slot {
    /// The field was not in the record.
    #[default]
    Absent,
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Array,
    Object,
}

impl Slot {
    fn describe(&self) -> String {
        match self {
            Slot::Absent => "nothing".into(),
            Slot::Null => "null".into(),
            Slot::Bool(b) => format!("boolean `{b}`"),
            Slot::Int(v) => format!("integer `{v}`"),
            Slot::UInt(v) => format!("integer `{v}`"),
            Slot::Float(v) => format!("floating point `{v}`"),
            Slot::Str(s) => {
                let mut shown: String = s.chars().take(40).collect();
                if shown.len() < s.len() {
                    shown.push('…');
                }
                format!("string {shown:?}")
            }
            Slot::Array => "an array".into(),
            Slot::Object => "an object".into(),
        }
    }
}

impl<'de> Deserialize<'de> for Slot {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SlotVisitor)
    }
}

struct SlotVisitor;

impl<'de> Visitor<'de> for SlotVisitor {
    type Value = Slot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Slot, E> {
        Ok(Slot::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Slot, E> {
        Ok(Slot::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Slot, E> {
        Ok(match i64::try_from(v) {
            Ok(v) => Slot::Int(v),
            Err(_) => Slot::UInt(v),
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Slot, E> {
        Ok(Slot::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Slot, E> {
        Ok(Slot::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Slot, E> {
        Ok(Slot::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Slot, E> {
        Ok(Slot::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Slot, E> {
        Ok(Slot::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Slot, D::Error> {
        d.deserialize_any(SlotVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Slot, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Slot::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Slot, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Slot::Object)
    }
}

/// A record's fields, one slot per [`Key`].
pub(crate) struct Slots([Slot; Key::COUNT]);

impl Slots {
    /// Take a field out (leaving [`Slot::Absent`]).
    #[inline]
    pub(crate) fn take(&mut self, key: Key) -> Slot {
        self.0
            .get_mut(key as usize)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Look at a field.
    #[inline]
    pub(crate) fn get(&self, key: Key) -> &Slot {
        self.0.get(key as usize).unwrap_or(&Slot::Absent)
    }

    /// Read one JSON object.
    pub(crate) fn from_slice(json: &[u8]) -> Result<Slots, serde_json::Error> {
        serde_json::from_slice(json)
    }
}

impl<'de> Deserialize<'de> for Slots {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SlotsVisitor)
    }
}

struct SlotsVisitor;

impl<'de> Visitor<'de> for SlotsVisitor {
    type Value = Slots;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (one dataset record)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Slots, A::Error> {
        let mut slots = Slots([const { Slot::Absent }; Key::COUNT]);
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.and_then(|k| slots.0.get_mut(k as usize)) {
                // Last occurrence wins for a repeated key.
                Some(slot) => *slot = map.next_value()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(slots)
    }
}

/// Reads a map key without allocating: `Some(key)` for a documented name, `None` otherwise.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<Key>;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Option<Key>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Key>, E> {
        Ok(Key::parse(v))
    }
}

/// A documented field whose value has the wrong JSON type (or is out of range).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldError {
    pub(crate) key: Key,
    pub(crate) expected: &'static str,
    pub(crate) found: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "field `{}`: expected {}, found {}",
            self.key.as_str(),
            self.expected,
            self.found
        )
    }
}

impl FieldError {
    fn new(key: Key, expected: &'static str, slot: &Slot) -> FieldError {
        FieldError {
            key,
            expected,
            found: slot.describe(),
        }
    }
}

/// A field type a slot converts into. `Ok(None)` for a missing or null field.
pub(crate) trait FromSlot: Sized {
    fn from_slot(slot: Slot, key: Key) -> Result<Option<Self>, FieldError>;
}

/// Text fields take a JSON string; a JSON number is accepted too and kept as its decimal text
/// (e.g. `"channel_width": 80` → `"80"`), since several text fields have no documented type.
impl FromSlot for String {
    #[inline]
    fn from_slot(slot: Slot, key: Key) -> Result<Option<Self>, FieldError> {
        match slot {
            Slot::Str(s) => Ok(Some(s)),
            Slot::Absent | Slot::Null => Ok(None),
            Slot::Int(v) => Ok(Some(v.to_string())),
            Slot::UInt(v) => Ok(Some(v.to_string())),
            Slot::Float(v) => Ok(Some(v.to_string())),
            other => Err(FieldError::new(key, "a string", &other)),
        }
    }
}

/// Measures take any JSON number. Integers up to 2^53 convert exactly.
impl FromSlot for f64 {
    #[inline]
    fn from_slot(slot: Slot, key: Key) -> Result<Option<Self>, FieldError> {
        match slot {
            Slot::Float(v) => Ok(Some(v)),
            Slot::Int(v) => Ok(Some(v as f64)),
            Slot::UInt(v) => Ok(Some(v as f64)),
            Slot::Absent | Slot::Null => Ok(None),
            other => Err(FieldError::new(key, "a number", &other)),
        }
    }
}

/// Counts, timestamps and other integers: a JSON integer, or a float (older devices sent
/// `3.0`). An integral float converts exactly; a fractional one is rounded to the nearest
/// integer (half away from zero) rather than failing the record. Values outside `i64` fail.
impl FromSlot for i64 {
    #[inline]
    fn from_slot(slot: Slot, key: Key) -> Result<Option<Self>, FieldError> {
        match slot {
            Slot::Int(v) => Ok(Some(v)),
            Slot::Float(v) => match in_i64_range(v.round()) {
                Some(v) => Ok(Some(v)),
                None => Err(FieldError::new(key, "an integer within i64", &slot)),
            },
            Slot::Absent | Slot::Null => Ok(None),
            other => Err(FieldError::new(key, "an integer", &other)),
        }
    }
}

impl FromSlot for DatasetKind {
    #[inline]
    fn from_slot(slot: Slot, key: Key) -> Result<Option<Self>, FieldError> {
        String::from_slot(slot, key).map(|s| s.map(DatasetKind::from))
    }
}

/// An integer for an enumeration: a JSON integer or an integral float (`2.0`). A fractional
/// value is no value of any enumeration and fails the record.
pub(crate) fn exact_int(slot: Slot, key: Key) -> Result<Option<i64>, FieldError> {
    match slot {
        Slot::Int(v) => Ok(Some(v)),
        Slot::Float(v) => match integral(v) {
            Some(v) => Ok(Some(v)),
            None => Err(FieldError::new(key, "an integer", &slot)),
        },
        Slot::Absent | Slot::Null => Ok(None),
        other => Err(FieldError::new(key, "an integer", &other)),
    }
}

/// `v` as an `i64` when it is integral and in range.
pub(crate) fn integral(v: f64) -> Option<i64> {
    if v.fract() == 0.0 {
        in_i64_range(v)
    } else {
        None
    }
}

fn in_i64_range(v: f64) -> Option<i64> {
    // -2^63 is exactly representable; 2^63 is the first value past i64::MAX.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&v) {
        Some(v as i64)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for (i, key) in Key::ALL.into_iter().enumerate() {
            assert_eq!(key as usize, i);
            assert_eq!(Key::parse(key.as_str()), Some(key));
        }
        assert_eq!(Key::parse("nope"), None);
        assert_eq!(Key::parse("City"), None);
    }

    #[test]
    fn numbers_convert_by_the_documented_rules() {
        let k = Key::LatencyCount;
        assert_eq!(i64::from_slot(Slot::Float(3.0), k), Ok(Some(3)));
        assert_eq!(i64::from_slot(Slot::Float(2.5), k), Ok(Some(3)));
        assert_eq!(i64::from_slot(Slot::Float(-2.5), k), Ok(Some(-3)));
        assert!(i64::from_slot(Slot::Float(1e19), k).is_err());
        assert!(i64::from_slot(Slot::UInt(u64::MAX), k).is_err());
        assert!(i64::from_slot(Slot::Str("3".into()), k).is_err());
        assert_eq!(i64::from_slot(Slot::Null, k), Ok(None));
        assert_eq!(f64::from_slot(Slot::Int(-3), k), Ok(Some(-3.0)));
        assert_eq!(
            f64::from_slot(Slot::UInt(u64::MAX), k),
            Ok(Some(u64::MAX as f64))
        );
        assert!(f64::from_slot(Slot::Bool(true), k).is_err());
        assert_eq!(exact_int(Slot::Float(2.0), k), Ok(Some(2)));
        assert!(exact_int(Slot::Float(2.5), k).is_err());
        assert_eq!(String::from_slot(Slot::Int(80), k), Ok(Some("80".into())));
        assert_eq!(
            String::from_slot(Slot::Float(80.5), k),
            Ok(Some("80.5".into()))
        );
        assert!(String::from_slot(Slot::Array, k).is_err());
        assert_eq!(integral(-9_223_372_036_854_775_808.0), Some(i64::MIN));
        assert_eq!(integral(9_223_372_036_854_775_808.0), None);
        assert_eq!(integral(f64::NAN), None);
    }
}
