//! Orb dataset records and a loss-free parser of the bodies Orb devices push.
//!
//! An Orb sensor can push its datasets (`scores_1m`, `responsiveness_1s`, `speed_results`, ...)
//! to your HTTP endpoint (Data Push), serve them from its Local API, or send them to Orb Cloud.
//! Either way you receive flat JSON objects, one per record, as jsonl (Orb's default) or as a
//! JSON array, with several datasets mixed in one payload and told apart by each record's
//! `dataset` field. This module turns such bodies into typed records:
//!
//! - one struct per dataset family ([`ScoresRecord`], [`ResponsivenessRecord`],
//!   [`WebResponsivenessRecord`], [`SpeedRecord`], [`WifiLinkRecord`]) with every documented
//!   field, units in the names as Orb has them, and the shared [`Dimensions`];
//! - enumerations that keep values Orb adds later ([`NetworkType`], [`NetworkState`],
//!   [`LocationSource`], [`SpeedTestEngine`], [`TransferStatus`]);
//! - dataset names ([`DatasetName`]) and record-level `dataset` values ([`DatasetKind`]) that
//!   pass unknown names through;
//! - [`parse_push`], which never fails: a receiver that rejects a whole push because of one bad
//!   record makes the device send the same records again and again, so every record that
//!   decodes is returned, and every one that does not is reported with its line or index and its
//!   bytes; [`decode_body`] gunzips with a hard size cap.
//!
//! Why loss-free: a push is the device's only copy once the receiver answers 2xx. Fields are
//! therefore all `Option` (missing and `null` alike), unknown fields are ignored, values in
//! formats of older Orb versions are accepted (`city_name` for `city`, `3.0` for a count, float
//! averages), and records of datasets this crate does not know are kept whole
//! ([`Record::Unknown`]).
//!
//! Number types: measures that can be fractional (scores, averages, percentages, rates, the
//! durations `unresponsive_ms` and `measured_ms`, coordinates) are `f64`, which holds any integer
//! up to 2^53 exactly. Counts, timestamps, intervals, raw integer measurements (`ttfb_us`,
//! `download_kbps`, ...), channel numbers and enumerations are `i64`; they accept a JSON float
//! too: an integral one (`3.0`) converts exactly, a fractional one is rounded to the nearest
//! integer instead of failing the record (enumerations alone reject fractions). Text fields
//! accept a JSON number and keep its text.
//!
//! Facts come from Orb's public docs ("Datasets 1.5"), its local-analytics receiver and the
//! `orbnet` package; where they disagree the current docs win and both forms are accepted.
//!
//! ```
//! use orb_cloud::datasets::{decode_body, parse_push, DatasetName, Format, Record};
//!
//! // In a push receiver: `raw` is the POST body, `encoding` its Content-Encoding.
//! # let raw: &[u8] = br#"[{"orb_id":"dc9t7y9xry3hmtka859p92agqe5m","timestamp":1756935043000,"dataset":"speed","download_kbps":518022,"upload_kbps":291284}]"#;
//! # let encoding: Option<&str> = None;
//! let body = decode_body(raw, encoding, 16 << 20)?;
//! let outcome = parse_push(&body, Format::Auto, None);
//! for record in &outcome.records {
//!     match record {
//!         Record::Speed(speed) => println!("{:?} kbps down", speed.download_kbps),
//!         Record::Scores(scores) => println!("score {:?}", scores.orb_score),
//!         other => println!("{:?} at {:?}", other.dataset(), other.timestamp_ms()),
//!     }
//! }
//! for error in &outcome.errors {
//!     eprintln!("skipped {error}");
//! }
//! assert_eq!(outcome.records.len(), 1);
//! # Ok::<(), orb_cloud::datasets::BodyError>(())
//! ```

mod body;
mod enums;
mod name;
mod parse;
mod record_fields;
mod records;
mod scan;

#[cfg(test)]
mod tests;

pub use body::{decode_body, BodyError};
pub use enums::{LocationSource, NetworkState, NetworkType, SpeedTestEngine, TransferStatus};
pub use name::{DatasetKind, DatasetName, Family, Timeframe};
pub use parse::{parse_push, Format, Location, ParseOutcome, RecordError, RecordErrorKind};
pub use records::{
    epoch_ms_to_system_time, Dimensions, FieldInfo, FieldKind, FieldValue, Pinger, Record,
    ResponsivenessRecord, ScoresRecord, SpeedRecord, WebResponsivenessRecord, WifiLinkRecord,
    UNRESPONSIVE_US,
};
