//! [`Record`]: one record of any family, typed by its `dataset` field (or the dataset it was
//! asked for), unknown families kept as JSON.

use std::time::SystemTime;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::families::{
    Dimensions, ResponsivenessRecord, ScoresRecord, SpeedRecord, WebResponsivenessRecord,
    WifiLinkRecord,
};
use super::fields::FieldValue;
use super::{epoch_ms_to_system_time, FromSlots};
use crate::datasets::name::{DatasetKind, DatasetName, Family};
use crate::datasets::record_fields::{FieldError, Key, Slot, Slots};

/// One dataset record of any family, as [`parse_push`](crate::datasets::parse_push) returns it.
///
/// The variant is chosen by the record's own `dataset` field; when that is missing or a value
/// this crate does not know, by the dataset name the records were requested as (the hint);
/// otherwise the record is kept whole as [`Record::Unknown`].
///
/// Serializing writes the record back as one flat JSON object (fields typed `f64` are written
/// as JSON floats, e.g. `"download_avg_kbps": 518022.0`). Deserializing (e.g. records you
/// stored yourself) goes through a `serde_json::Value` and has no hint; prefer
/// [`parse_push`](crate::datasets::parse_push) for device bodies.
///
/// ```
/// use orb_cloud::datasets::{parse_push, DatasetKind, Format, Record};
/// let body = br#"{"orb_id": "dc9t7y9xry3hmtka859p92agqe5m", "dataset": "speed", "timestamp": 1756935043000, "download_kbps": 518022}"#;
/// let outcome = parse_push(body, Format::Auto, None);
/// let record = &outcome.records[0];
/// assert_eq!(record.orb_id(), Some("dc9t7y9xry3hmtka859p92agqe5m"));
/// assert_eq!(record.timestamp_ms(), Some(1_756_935_043_000));
/// assert_eq!(record.dataset(), Some(DatasetKind::Speed));
/// if let Record::Speed(speed) = record {
///     assert_eq!(speed.download_kbps, Some(518_022));
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// The typed variants are of similar size; boxing them would cost an allocation per record on the
// push receiver's hot path to save memory only for `Unknown`.
#[allow(clippy::large_enum_variant)]
pub enum Record {
    /// A `scores_*` record.
    Scores(ScoresRecord),
    /// A `responsiveness_*` record.
    Responsiveness(ResponsivenessRecord),
    /// A `web_responsiveness_results` record.
    WebResponsiveness(WebResponsivenessRecord),
    /// A `speed_results` record.
    Speed(SpeedRecord),
    /// A `wifi_link_*` record.
    WifiLink(WifiLinkRecord),
    /// A record of a dataset this crate does not decode, kept as the raw JSON object.
    Unknown(serde_json::Value),
}

macro_rules! each_typed {
    ($record:expr, $r:ident => $typed:expr, $value:ident => $unknown:expr) => {
        match $record {
            Record::Scores($r) => $typed,
            Record::Responsiveness($r) => $typed,
            Record::WebResponsiveness($r) => $typed,
            Record::Speed($r) => $typed,
            Record::WifiLink($r) => $typed,
            Record::Unknown($value) => $unknown,
        }
    };
}

impl Record {
    /// Decode one JSON object (one line of a jsonl body, one element of a json array).
    pub(crate) fn from_json(
        json: &[u8],
        hint: Option<&DatasetName>,
    ) -> Result<Record, RecordFailure> {
        let slots = Slots::from_slice(json).map_err(RecordFailure::Json)?;
        Record::from_decoded(slots, json, hint)
    }

    /// Type a record already read into slots; `json` is its text, read again only to keep an
    /// unknown record whole.
    pub(crate) fn from_decoded(
        mut slots: Slots,
        json: &[u8],
        hint: Option<&DatasetName>,
    ) -> Result<Record, RecordFailure> {
        let by_field = match slots.get(Key::Dataset) {
            Slot::Str(value) => DatasetKind::family_of(value),
            _ => None,
        };
        let family = by_field.or_else(|| hint.and_then(DatasetName::family));
        let record = match family {
            Some(Family::Scores) => Record::Scores(ScoresRecord::from_slots(&mut slots)?),
            Some(Family::Responsiveness) => {
                Record::Responsiveness(ResponsivenessRecord::from_slots(&mut slots)?)
            }
            Some(Family::WebResponsiveness) => {
                Record::WebResponsiveness(WebResponsivenessRecord::from_slots(&mut slots)?)
            }
            Some(Family::Speed) => Record::Speed(SpeedRecord::from_slots(&mut slots)?),
            Some(Family::WifiLink) => Record::WifiLink(WifiLinkRecord::from_slots(&mut slots)?),
            None => {
                drop(slots);
                Record::Unknown(serde_json::from_slice(json).map_err(RecordFailure::Json)?)
            }
        };
        Ok(record)
    }

    /// `orb_id`: the Orb that produced the record.
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Format};
    /// let out = parse_push(br#"{"dataset": "later", "orb_id": "abc"}"#, Format::Jsonl, None);
    /// assert_eq!(out.records[0].orb_id(), Some("abc"));
    /// ```
    pub fn orb_id(&self) -> Option<&str> {
        each_typed!(self, r => r.orb_id.as_deref(), v => v.get("orb_id").and_then(|v| v.as_str()))
    }

    /// `timestamp` in epoch milliseconds (for [`Record::Unknown`]: an integer, or an integral
    /// float, in its `timestamp` field).
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Format};
    /// let out = parse_push(br#"{"dataset": "later", "timestamp": 1756935043000}"#, Format::Jsonl, None);
    /// assert_eq!(out.records[0].timestamp_ms(), Some(1_756_935_043_000));
    /// ```
    pub fn timestamp_ms(&self) -> Option<i64> {
        each_typed!(self, r => r.timestamp, v => {
            let ts = v.get("timestamp")?;
            ts.as_i64().or_else(|| ts.as_f64().and_then(crate::datasets::record_fields::integral))
        })
    }

    /// `timestamp` as a [`SystemTime`].
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Format};
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let out = parse_push(br#"{"dataset": "speed", "timestamp": 1000}"#, Format::Jsonl, None);
    /// assert_eq!(out.records[0].time(), Some(UNIX_EPOCH + Duration::from_secs(1)));
    /// ```
    pub fn time(&self) -> Option<SystemTime> {
        self.timestamp_ms().and_then(epoch_ms_to_system_time)
    }

    /// The record's own `dataset` field, as sent (`None` when the record has none, even if the
    /// record was typed through the hint).
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, DatasetKind, DatasetName, Format, Record};
    /// let hint = DatasetName::from("wifi_link_1m");
    /// let out = parse_push(br#"{"dataset": "wifi", "rssi_avg": -60}"#, Format::Jsonl, Some(&hint));
    /// assert!(matches!(out.records[0], Record::WifiLink(_)));
    /// assert_eq!(out.records[0].dataset(), Some(DatasetKind::Other("wifi".into())));
    /// ```
    pub fn dataset(&self) -> Option<DatasetKind> {
        each_typed!(self, r => r.dataset.clone(), v => v.get("dataset").and_then(|v| v.as_str()).map(DatasetKind::from))
    }

    /// The family the record was typed as (`None` for [`Record::Unknown`]).
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Family, Format};
    /// let out = parse_push(br#"{"dataset": "speed"}"#, Format::Jsonl, None);
    /// assert_eq!(out.records[0].family(), Some(Family::Speed));
    /// ```
    pub fn family(&self) -> Option<Family> {
        Some(match self {
            Record::Scores(_) => Family::Scores,
            Record::Responsiveness(_) => Family::Responsiveness,
            Record::WebResponsiveness(_) => Family::WebResponsiveness,
            Record::Speed(_) => Family::Speed,
            Record::WifiLink(_) => Family::WifiLink,
            Record::Unknown(_) => return None,
        })
    }

    /// Calls `f` with the index in [`Family::fields`] and the value of every documented field
    /// the record has (nothing for [`Record::Unknown`]): for filling a family's typed columns
    /// without going through JSON.
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, FieldValue, Format};
    /// let out = parse_push(br#"{"dataset": "speed", "download_kbps": 518022, "city": "Lynnwood"}"#, Format::Jsonl, None);
    /// let record = &out.records[0];
    /// let fields = record.family().unwrap().fields();
    /// let mut seen = Vec::new();
    /// record.visit_fields(|i, value| seen.push((fields[i].name, value)));
    /// assert!(seen.contains(&("download_kbps", FieldValue::Integer(518022))));
    /// assert!(seen.contains(&("city", FieldValue::Text("Lynnwood"))));
    /// ```
    pub fn visit_fields<'a>(&'a self, mut f: impl FnMut(usize, FieldValue<'a>)) {
        let f: &mut dyn FnMut(usize, FieldValue<'a>) = &mut f;
        each_typed!(self, r => { r.visit_fields(0, f); }, _v => {})
    }

    /// The common dimensions (`None` for [`Record::Unknown`]).
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Format};
    /// let out = parse_push(br#"{"dataset": "speed", "city": "Lynnwood"}"#, Format::Jsonl, None);
    /// assert_eq!(out.records[0].dimensions().unwrap().city.as_deref(), Some("Lynnwood"));
    /// ```
    pub fn dimensions(&self) -> Option<&Dimensions> {
        each_typed!(self, r => Some(&r.dimensions), _v => None)
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        each_typed!(self, r => r.serialize(serializer), v => v.serialize(serializer))
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let mut slots = Slots::deserialize(&value).map_err(de::Error::custom)?;
        let family = match slots.get(Key::Dataset) {
            Slot::Str(value) => DatasetKind::family_of(value),
            _ => None,
        };
        let record = match family {
            Some(Family::Scores) => ScoresRecord::from_slots(&mut slots).map(Record::Scores),
            Some(Family::Responsiveness) => {
                ResponsivenessRecord::from_slots(&mut slots).map(Record::Responsiveness)
            }
            Some(Family::WebResponsiveness) => {
                WebResponsivenessRecord::from_slots(&mut slots).map(Record::WebResponsiveness)
            }
            Some(Family::Speed) => SpeedRecord::from_slots(&mut slots).map(Record::Speed),
            Some(Family::WifiLink) => WifiLinkRecord::from_slots(&mut slots).map(Record::WifiLink),
            None => Ok(Record::Unknown(value)),
        };
        record.map_err(de::Error::custom)
    }
}

/// Why one record did not decode.
#[derive(Debug)]
pub(crate) enum RecordFailure {
    /// Not JSON, not an object, or invalid UTF-8 in a string.
    Json(serde_json::Error),
    /// A documented field has the wrong type.
    Field(FieldError),
}

impl From<FieldError> for RecordFailure {
    fn from(e: FieldError) -> Self {
        RecordFailure::Field(e)
    }
}
