//! The integer enumerations of Orb's datasets. Each keeps values it does not know in an
//! `Unrecognized(i64)` variant, because Orb adds values over time (cellular was added in
//! Datasets 1.5): decoding never fails on a new value, and serializing writes the same integer
//! back.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::record_fields::integral;

macro_rules! int_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                #[doc = $doc:literal]
                $variant:ident = $value:literal => $label:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                #[doc = $doc]
                $variant,
            )*
            /// A value Orb's docs do not list (yet), kept as sent.
            ///
            /// Build values with `from_i64`: `Unrecognized` holding a documented value does not
            /// compare equal to that value's own variant.
            Unrecognized(i64),
        }

        impl $name {
            /// The variant for an integer; values not documented become `Unrecognized`.
            ///
            /// ```
            #[doc = concat!("use orb_cloud::datasets::", stringify!($name), ";")]
            #[doc = concat!("let v = ", stringify!($name), "::from_i64(1_000);")]
            #[doc = concat!("assert_eq!(v, ", stringify!($name), "::Unrecognized(1_000));")]
            /// assert_eq!(v.as_i64(), 1_000);
            /// ```
            pub const fn from_i64(value: i64) -> Self {
                match value {
                    $($value => $name::$variant,)*
                    other => $name::Unrecognized(other),
                }
            }

            /// The integer Orb sends for this value.
            ///
            /// ```
            #[doc = concat!("use orb_cloud::datasets::", stringify!($name), ";")]
            #[doc = concat!("for v in -2..10 { assert_eq!(", stringify!($name), "::from_i64(v).as_i64(), v); }")]
            /// ```
            pub const fn as_i64(self) -> i64 {
                match self {
                    $($name::$variant => $value,)*
                    $name::Unrecognized(other) => other,
                }
            }

            /// Whether the value is one Orb's docs list.
            ///
            /// ```
            #[doc = concat!("use orb_cloud::datasets::", stringify!($name), ";")]
            #[doc = concat!("assert!(!", stringify!($name), "::from_i64(1_000).is_documented());")]
            /// ```
            pub const fn is_documented(self) -> bool {
                !matches!(self, $name::Unrecognized(_))
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                $name::from_i64(value)
            }
        }

        impl From<$name> for i64 {
            fn from(value: $name) -> Self {
                value.as_i64()
            }
        }

        impl fmt::Display for $name {
            /// The documented meaning (`"wifi"`, `"content upload"`, ...), or the integer for an
            /// unrecognized value.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $($name::$variant => f.write_str($label),)*
                    $name::Unrecognized(other) => write!(f, "{other}"),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.as_i64())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Reads an integer (an integral float such as `2.0` is accepted too).
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_i64(EnumVisitor(stringify!($name))).map($name::from_i64)
            }
        }

        impl super::record_fields::FromSlot for $name {
            fn from_slot(
                slot: super::record_fields::Slot,
                key: super::record_fields::Key,
            ) -> Result<Option<Self>, super::record_fields::FieldError> {
                super::record_fields::exact_int(slot, key).map(|v| v.map($name::from_i64))
            }
        }
    };
}

/// Accepts JSON integers and integral floats for an enumeration.
struct EnumVisitor(&'static str);

impl Visitor<'_> for EnumVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an integer ({})", self.0)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        integral(v).ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
    }
}

int_enum! {
    /// `network_type`: the kind of network the Orb measured through.
    ///
    /// ```
    /// use orb_cloud::datasets::NetworkType;
    /// assert_eq!(NetworkType::from_i64(4), NetworkType::Cellular);
    /// assert_eq!(NetworkType::from_i64(9), NetworkType::Unrecognized(9));
    /// assert_eq!(serde_json::to_string(&NetworkType::Unrecognized(9)).unwrap(), "9");
    /// assert_eq!(NetworkType::Wifi.to_string(), "wifi");
    /// ```
    pub enum NetworkType {
        /// 0: unknown.
        Unknown = 0 => "unknown",
        /// 1: Wi-Fi.
        Wifi = 1 => "wifi",
        /// 2: Ethernet.
        Ethernet = 2 => "ethernet",
        /// 3: another kind of network (Orb's own "other", a documented value).
        Other = 3 => "other",
        /// 4: cellular (added in Datasets 1.5).
        Cellular = 4 => "cellular",
    }
}

int_enum! {
    /// `network_state`: the speed-test load on the network during the interval.
    ///
    /// ```
    /// use orb_cloud::datasets::NetworkState;
    /// assert_eq!(NetworkState::from_i64(6), NetworkState::Content);
    /// assert_eq!(NetworkState::PeakDownload.as_i64(), 5);
    /// ```
    pub enum NetworkState {
        /// 0: unknown.
        Unknown = 0 => "unknown",
        /// 1: idle, no speed test running.
        Idle = 1 => "idle",
        /// 2: a content (light) upload test.
        ContentUpload = 2 => "content upload",
        /// 3: a peak (full) upload test.
        PeakUpload = 3 => "peak upload",
        /// 4: a content (light) download test.
        ContentDownload = 4 => "content download",
        /// 5: a peak (full) download test.
        PeakDownload = 5 => "peak download",
        /// 6: a content (light) test.
        Content = 6 => "content",
        /// 7: a peak (full) test.
        Peak = 7 => "peak",
    }
}

int_enum! {
    /// `location_source`: where the record's location came from.
    ///
    /// ```
    /// use orb_cloud::datasets::LocationSource;
    /// assert_eq!(LocationSource::from_i64(1), LocationSource::GeoIp);
    /// ```
    pub enum LocationSource {
        /// 0: unknown.
        Unknown = 0 => "unknown",
        /// 1: geolocation of the public IP address.
        GeoIp = 1 => "geoip",
    }
}

int_enum! {
    /// `speed_test_engine`: which engine ran a speed test.
    ///
    /// ```
    /// use orb_cloud::datasets::SpeedTestEngine;
    /// assert_eq!(SpeedTestEngine::from_i64(-1), SpeedTestEngine::Unknown);
    /// assert_eq!(SpeedTestEngine::Iperf.as_i64(), 1);
    /// ```
    pub enum SpeedTestEngine {
        /// -1: unknown.
        Unknown = -1 => "unknown",
        /// 0: Orb's own engine.
        Orb = 0 => "orb",
        /// 1: iperf.
        Iperf = 1 => "iperf",
        /// 2: Wave.
        Wave = 2 => "wave",
    }
}

int_enum! {
    /// `download_status` / `upload_status`: how one direction of a speed test ended.
    ///
    /// ```
    /// use orb_cloud::datasets::TransferStatus;
    /// assert_eq!(TransferStatus::from_i64(2), TransferStatus::Fail);
    /// assert!(!TransferStatus::from_i64(7).is_documented());
    /// ```
    pub enum TransferStatus {
        /// 0: unknown.
        Unknown = 0 => "unknown",
        /// 1: success.
        Success = 1 => "success",
        /// 2: failure.
        Fail = 2 => "fail",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_values_map_both_ways() {
        for v in 0..=4 {
            assert!(NetworkType::from_i64(v).is_documented());
            assert_eq!(NetworkType::from_i64(v).as_i64(), v);
        }
        for v in 0..=7 {
            assert!(NetworkState::from_i64(v).is_documented());
            assert_eq!(i64::from(NetworkState::from(v)), v);
        }
        for v in -1..=2 {
            assert!(SpeedTestEngine::from_i64(v).is_documented());
            assert_eq!(SpeedTestEngine::from_i64(v).as_i64(), v);
        }
        assert_eq!(NetworkType::from_i64(3), NetworkType::Other);
        assert_eq!(NetworkState::from_i64(2).to_string(), "content upload");
        assert_eq!(LocationSource::from_i64(0), LocationSource::Unknown);
        assert_eq!(TransferStatus::from_i64(1), TransferStatus::Success);
    }

    #[test]
    fn unknown_values_are_kept_and_round_trip() {
        for v in [5, -7, 1 << 40, i64::MIN, i64::MAX] {
            let t = NetworkType::from_i64(v);
            assert_eq!(t, NetworkType::Unrecognized(v));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, v.to_string());
            assert_eq!(serde_json::from_str::<NetworkType>(&json).unwrap(), t);
        }
        for (json, expected) in [
            ("8", NetworkState::Unrecognized(8)),
            ("7", NetworkState::Peak),
            ("7.0", NetworkState::Peak),
        ] {
            assert_eq!(
                serde_json::from_str::<NetworkState>(json).unwrap(),
                expected
            );
        }
        assert_eq!(
            serde_json::from_str::<SpeedTestEngine>("-2").unwrap(),
            SpeedTestEngine::Unrecognized(-2)
        );
        assert_eq!(
            serde_json::from_str::<TransferStatus>("3").unwrap(),
            TransferStatus::Unrecognized(3)
        );
        assert_eq!(
            serde_json::from_str::<LocationSource>("2").unwrap(),
            LocationSource::Unrecognized(2)
        );
        assert_eq!(NetworkType::Unrecognized(42).to_string(), "42");
        assert!(serde_json::from_str::<NetworkType>("1.5").is_err());
        assert!(serde_json::from_str::<NetworkType>("\"wifi\"").is_err());
        assert!(serde_json::from_str::<NetworkType>("18446744073709551615").is_err());
    }
}
