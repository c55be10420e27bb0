//! Typed records, one per dataset family, the shared [`Dimensions`] and the [`Record`] enum.
//!
//! Here: what every record type shares (the two macros that define them, [`UNRESPONSIVE_US`],
//! [`epoch_ms_to_system_time`]); `families.rs`: the record types; `record.rs`: [`Record`].

use std::time::{Duration, SystemTime};

use super::record_fields::{FieldError, Slots};

/// The value of `lag_avg_us`, `ttfb_us` and `dns_us` that Orb uses for "unresponsive":
/// 5,000,000 µs (5 s). Measurements are capped at it.
///
/// ```
/// use orb_cloud::datasets::UNRESPONSIVE_US;
/// assert_eq!(UNRESPONSIVE_US, 5_000_000);
/// ```
pub const UNRESPONSIVE_US: i64 = 5_000_000;

/// A `timestamp` (epoch milliseconds, negative before 1970) as a [`SystemTime`]; `None` only
/// when the platform's `SystemTime` cannot represent it.
///
/// ```
/// use orb_cloud::datasets::epoch_ms_to_system_time;
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = epoch_ms_to_system_time(1_756_935_043_000).unwrap();
/// assert_eq!(t, UNIX_EPOCH + Duration::from_millis(1_756_935_043_000));
/// ```
pub fn epoch_ms_to_system_time(ms: i64) -> Option<SystemTime> {
    let magnitude = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(magnitude)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(magnitude)
    }
}

/// Types that take their fields out of a decoded record's slots.
trait FromSlots: Sized {
    fn from_slots(slots: &mut Slots) -> Result<Self, FieldError>;
}

/// Defines a record struct whose fields are all `Option`, with the slot conversion and the
/// serialization of each field under Orb's name.
macro_rules! record_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                pub $field:ident: $ty:ty = $key:ident,
            )*
        }
        $(with $dims:ident;)?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[doc = $doc])*
                pub $field: Option<$ty>,
            )*
            $(
                /// The common dimensions (network, location, measurement endpoint), flattened
                /// into the record on the wire.
                pub $dims: Dimensions,
            )?
        }

        impl $name {
            fn take_documented(slots: &mut Slots) -> Result<Self, FieldError> {
                Ok($name {
                    $($field: FromSlot::from_slot(slots.take(Key::$key), Key::$key)?,)*
                    $($dims: Dimensions::from_slots(slots)?,)?
                })
            }

            /// The documented fields, in declaration order, dimensions last.
            pub(crate) fn field_infos(out: &mut Vec<crate::datasets::FieldInfo>) {
                $(
                    out.push(crate::datasets::FieldInfo {
                        name: Key::$key.as_str(),
                        kind: <$ty as crate::datasets::records::fields::FieldType>::KIND,
                    });
                )*
                $(
                    let _ = stringify!($dims);
                    Dimensions::field_infos(out);
                )?
            }

            /// Calls `f` with the index (from `next`, in [`Self::field_infos`]' order) and
            /// value of every field present; returns the index after the last field.
            pub(crate) fn visit_fields<'a>(
                &'a self,
                mut next: usize,
                f: &mut dyn FnMut(usize, crate::datasets::FieldValue<'a>),
            ) -> usize {
                $(
                    if let Some(value) = &self.$field {
                        f(next, crate::datasets::records::fields::FieldType::field_value(value));
                    }
                    next += 1;
                )*
                $(next = self.$dims.visit_fields(next, f);)?
                next
            }

            fn serialize_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
                $(
                    if let Some(value) = &self.$field {
                        map.serialize_entry(Key::$key.as_str(), value)?;
                    }
                )*
                $(self.$dims.serialize_fields(map)?;)?
                Ok(())
            }
        }

        impl Serialize for $name {
            /// Writes one flat JSON object with Orb's field names; `None` fields are left out.
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(None)?;
                self.serialize_fields(&mut map)?;
                map.end()
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Reads one flat JSON object in a single pass; unknown fields are ignored.
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut slots = Slots::deserialize(deserializer)?;
                <$name as FromSlots>::from_slots(&mut slots).map_err(de::Error::custom)
            }
        }
    };
}

/// Helpers every typed record has.
macro_rules! record_helpers {
    ($name:ident) => {
        impl FromSlots for $name {
            fn from_slots(slots: &mut Slots) -> Result<Self, FieldError> {
                Self::take_documented(slots)
            }
        }

        impl $name {
            /// `timestamp` (epoch ms) as a [`SystemTime`].
            ///
            /// ```
            #[doc = concat!("let mut r = orb_cloud::datasets::", stringify!($name), "::default();")]
            /// r.timestamp = Some(1_756_935_043_000);
            /// let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_756_935_043_000);
            /// assert_eq!(r.time(), Some(t));
            /// ```
            pub fn time(&self) -> Option<SystemTime> {
                self.timestamp.and_then(epoch_ms_to_system_time)
            }
        }
    };
    ($name:ident, interval) => {
        record_helpers!($name);

        impl $name {
            /// `interval_ms` as a [`Duration`] (`None` when missing or negative).
            ///
            /// ```
            #[doc = concat!("let mut r = orb_cloud::datasets::", stringify!($name), "::default();")]
            /// r.interval_ms = Some(60_000);
            /// assert_eq!(r.interval(), Some(std::time::Duration::from_secs(60)));
            /// ```
            pub fn interval(&self) -> Option<Duration> {
                self.interval_ms
                    .and_then(|ms| u64::try_from(ms).ok())
                    .map(Duration::from_millis)
            }
        }
    };
}

// After the macros, which they use.
mod families;
pub(crate) mod fields;
mod record;

pub use families::{
    Dimensions, Pinger, ResponsivenessRecord, ScoresRecord, SpeedRecord, WebResponsivenessRecord,
    WifiLinkRecord,
};
pub use fields::{FieldInfo, FieldKind, FieldValue};
pub use record::Record;
pub(crate) use record::RecordFailure;
