//! The fields of each record family as data: names, kinds and values, for stores that give
//! every documented field a typed column (the collector's SQLite tables) and keep the rest as
//! JSON. Generated from the record structs themselves (`record_struct!`), so a field added to a
//! record reaches every store without being listed twice.

use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::families::{
    ResponsivenessRecord, ScoresRecord, SpeedRecord, WebResponsivenessRecord, WifiLinkRecord,
};
use crate::datasets::enums::{
    LocationSource, NetworkState, NetworkType, SpeedTestEngine, TransferStatus,
};
use crate::datasets::name::{DatasetKind, Family};
use crate::datasets::record_fields::Key;

/// How a field's values are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldKind {
    /// Whole numbers (counts, microseconds, epoch milliseconds, Orb's integer enumerations).
    Integer,
    /// Floating-point numbers (scores, averages, coordinates).
    Real,
    /// Text.
    Text,
}

/// One documented field of a record family.
///
/// ```
/// use orb_cloud::datasets::{Family, FieldKind};
/// let fields = Family::Speed.fields();
/// assert!(fields.iter().any(|f| f.name == "download_kbps" && f.kind == FieldKind::Integer));
/// assert!(fields.iter().any(|f| f.name == "city" && f.kind == FieldKind::Text));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FieldInfo {
    /// The field's name as Orb writes it.
    pub name: &'static str,
    /// The kind of its values.
    pub kind: FieldKind,
}

/// A field's value in a record ([`Record::visit_fields`](crate::datasets::Record::visit_fields)).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum FieldValue<'a> {
    /// A [`FieldKind::Integer`] value (an enumeration as the integer Orb sent).
    Integer(i64),
    /// A [`FieldKind::Real`] value.
    Real(f64),
    /// A [`FieldKind::Text`] value.
    Text(&'a str),
}

/// A field type's kind and value.
pub(crate) trait FieldType {
    const KIND: FieldKind;
    fn field_value(&self) -> FieldValue<'_>;
}

impl FieldType for String {
    const KIND: FieldKind = FieldKind::Text;
    fn field_value(&self) -> FieldValue<'_> {
        FieldValue::Text(self)
    }
}

impl FieldType for i64 {
    const KIND: FieldKind = FieldKind::Integer;
    fn field_value(&self) -> FieldValue<'_> {
        FieldValue::Integer(*self)
    }
}

impl FieldType for f64 {
    const KIND: FieldKind = FieldKind::Real;
    fn field_value(&self) -> FieldValue<'_> {
        FieldValue::Real(*self)
    }
}

impl FieldType for DatasetKind {
    const KIND: FieldKind = FieldKind::Text;
    fn field_value(&self) -> FieldValue<'_> {
        FieldValue::Text(self.as_str())
    }
}

macro_rules! int_enum_fields {
    ($($name:ident),*) => {$(
        impl FieldType for $name {
            const KIND: FieldKind = FieldKind::Integer;
            fn field_value(&self) -> FieldValue<'_> {
                FieldValue::Integer(self.as_i64())
            }
        }
    )*};
}

int_enum_fields!(
    LocationSource,
    NetworkState,
    NetworkType,
    SpeedTestEngine,
    TransferStatus
);

/// Field names read into a documented field under another name (older docs' `city_name`).
const ALIASES: &[(&str, &str)] = &[("city_name", "city")];

impl Family {
    /// Every family, in the order of [`Family::as_str`]'s table.
    pub const ALL: [Family; 5] = [
        Family::Scores,
        Family::Responsiveness,
        Family::WebResponsiveness,
        Family::Speed,
        Family::WifiLink,
    ];

    /// The family's documented fields, in the order
    /// [`Record::visit_fields`](crate::datasets::Record::visit_fields) numbers them: the
    /// record's own, then the [`Dimensions`](crate::datasets::Dimensions) every family shares.
    ///
    /// ```
    /// use orb_cloud::datasets::Family;
    /// let names: Vec<_> = Family::Scores.fields().iter().map(|f| f.name).collect();
    /// assert_eq!(&names[..2], ["orb_id", "orb_name"]);
    /// assert!(names.contains(&"orb_score") && names.contains(&"isp_name"));
    /// ```
    pub fn fields(self) -> Vec<FieldInfo> {
        let mut out = Vec::new();
        match self {
            Family::Scores => ScoresRecord::field_infos(&mut out),
            Family::Responsiveness => ResponsivenessRecord::field_infos(&mut out),
            Family::WebResponsiveness => WebResponsivenessRecord::field_infos(&mut out),
            Family::Speed => SpeedRecord::field_infos(&mut out),
            Family::WifiLink => WifiLinkRecord::field_infos(&mut out),
        }
        out
    }

    /// Which of [`Key`]'s field names the family reads (aliases included).
    fn reads(self) -> &'static [bool; Key::COUNT] {
        static READS: OnceLock<Vec<[bool; Key::COUNT]>> = OnceLock::new();
        let all = READS.get_or_init(|| {
            Family::ALL
                .iter()
                .map(|family| {
                    let mut reads = [false; Key::COUNT];
                    for field in family.fields() {
                        let aliases = ALIASES.iter().filter(|(_, to)| *to == field.name);
                        for name in aliases.map(|(from, _)| *from).chain([field.name]) {
                            if let Some(key) = Key::parse(name) {
                                reads[key as usize] = true;
                            }
                        }
                    }
                    reads
                })
                .collect()
        });
        &all[Family::ALL.iter().position(|f| *f == self).unwrap_or(0)]
    }

    /// The fields of `json` (one record of this family) that the typed record leaves out, as
    /// a JSON object in the order sent, with their values as sent; `None` when there are none.
    /// Fails only if `json` is not a JSON object.
    ///
    /// ```
    /// use orb_cloud::datasets::Family;
    /// let json = r#"{"orb_id": "a", "download_kbps": 5, "new_metric": {"x": 1.50}, "rssi_avg": -60}"#;
    /// let extra = Family::Speed.unknown_fields(json).unwrap();
    /// // `rssi_avg` is a Wi-Fi field: unknown to a speed record.
    /// assert_eq!(extra.as_deref(), Some(r#"{"new_metric":{"x": 1.50},"rssi_avg":-60}"#));
    /// assert_eq!(Family::Speed.unknown_fields(r#"{"orb_id": "a"}"#).unwrap(), None);
    /// ```
    pub fn unknown_fields(self, json: &str) -> Result<Option<String>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        let extra = de.deserialize_map(Unknown(self.reads()))?;
        Ok(extra)
    }
}

/// Collects the entries of an object whose keys `reads` does not mark.
struct Unknown(&'static [bool; Key::COUNT]);

impl<'de> Visitor<'de> for Unknown {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (one record)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Option<String> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if Key::parse(&key).is_some_and(|k| self.0[k as usize]) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value::<&'de RawValue>()?;
            let text = out.get_or_insert_with(|| String::from("{"));
            if text.len() > 1 {
                text.push(',');
            }
            text.push_str(&serde_json::to_string(&*key).map_err(de::Error::custom)?);
            text.push(':');
            text.push_str(value.get());
        }
        if let Some(text) = &mut out {
            text.push('}');
        }
        Ok(out)
    }
}
