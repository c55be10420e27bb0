//! [`Timestamp`]: a point in time Orb sends as epoch milliseconds or as text.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A point in time that Orb sends as epoch milliseconds (`1757368500851`) or as a string
/// (RFC 3339, or digits).
///
/// ```
/// let t: orb_cloud::Timestamp = serde_json::from_str("1757368500851").unwrap();
/// assert_eq!(t.as_millis(), 1757368500851);
/// let u: orb_cloud::Timestamp = serde_json::from_str("\"2025-09-08T21:55:00.851Z\"").unwrap();
/// assert_eq!(u, t);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// From epoch milliseconds.
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Epoch milliseconds.
    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// As a `SystemTime`.
    pub fn to_system_time(self) -> SystemTime {
        if self.0 >= 0 {
            UNIX_EPOCH + Duration::from_millis(self.0 as u64)
        } else {
            UNIX_EPOCH - Duration::from_millis(self.0.unsigned_abs())
        }
    }

    pub(crate) fn parse_str(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Ok(ms) = s.parse::<i64>() {
            return Some(Self(ms));
        }
        let t = humantime::parse_rfc3339_weak(s).ok()?;
        let ms = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).ok()?,
            Err(e) => -i64::try_from(e.duration().as_millis()).ok()?,
        };
        Some(Self(ms))
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, to the millisecond.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            humantime::format_rfc3339_millis(self.to_system_time())
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("epoch milliseconds or an RFC 3339 time")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .map(Timestamp)
                    .map_err(|_| E::custom("timestamp out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                if v.is_finite() && v.abs() < 9.0e15 {
                    Ok(Timestamp(v.round() as i64))
                } else {
                    Err(E::custom("timestamp out of range"))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse_str(v).ok_or_else(|| E::custom(format!("not a time: {v:?}")))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_from_numbers_and_strings() {
        let t: Timestamp = serde_json::from_str("\"1757368500851\"").unwrap();
        assert_eq!(t.as_millis(), 1757368500851);
        assert_eq!(t.to_string(), "2025-09-08T21:55:00.851Z");
        let f: Timestamp = serde_json::from_str("1757368500851.0").unwrap();
        assert_eq!(f, t);
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("1e300").is_err());
    }
}
