//! Tolerant decoding of Orb's wire quirks: values that come as an integer or a string, a boolean
//! or 0/1, a list or an object, or `null` where Go had a nil slice. Every helper decodes in one
//! pass straight into the final type (no `serde_json::Value` detour on the hot path).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// `Option<T>` that also accepts `null`, for use with `deserialize_with`.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list that may be `null` (Go's nil slice), without spare room: serde grows a list to 4 places
/// on the first element, and a large listing holds tens of thousands of short lists.
pub(crate) fn compact_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut list = Option::<Vec<T>>::deserialize(d)?.unwrap_or_default();
    list.shrink_to_fit();
    Ok(list)
}

/// A flag Orb sends as `0`/`1`, `true`/`false`, `"true"`/`"1"`, or `null`.
pub(crate) fn flexible_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean, 0 or 1")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v != 0.0))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "connected" => Ok(Some(true)),
                "0" | "false" | "no" | "disconnected" | "" => Ok(Some(false)),
                _ => Err(E::custom(format!("not a flag: {v:?}"))),
            }
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_option(V)
}

/// Device tags: Orb's own client reads a list of strings (`["dt=Default Configuration"]`), the
/// generated schema says an object; objects become `key=value` strings. `null` is empty.
pub(crate) fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of tags or an object of tags")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(item) = seq.next_element::<Scalar>()? {
                out.push(item.0);
            }
            out.shrink_to_fit();
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Scalar>()? {
                out.push(if v.0.is_empty() {
                    k
                } else {
                    format!("{k}={}", v.0)
                });
            }
            Ok(out)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_option(V)
}

/// Any JSON scalar as text (`null` as empty); nested values as compact JSON.
pub(crate) struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(Scalar(match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }))
    }
}

/// A number Orb may send as an integer or a float; floats are rounded.
pub(crate) fn flexible_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<f64>::deserialize(d)?
        .filter(|v| v.is_finite())
        .map(|v| v.round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "flexible_bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "tags")]
        tags: Vec<String>,
    }

    #[test]
    fn flags_and_tags_in_every_shape() {
        for (json, flag) in [
            ("1", Some(true)),
            ("0", Some(false)),
            ("true", Some(true)),
            ("null", None),
            ("\"1\"", Some(true)),
        ] {
            let t: T = serde_json::from_str(&format!("{{\"flag\": {json}}}")).unwrap();
            assert_eq!(t.flag, flag, "{json}");
        }
        let t: T = serde_json::from_str(r#"{"tags": ["dt=Default Configuration", "x"]}"#).unwrap();
        assert_eq!(t.tags, ["dt=Default Configuration", "x"]);
        let t: T = serde_json::from_str(r#"{"tags": {"dt": "Default", "lab": null}}"#).unwrap();
        assert_eq!(t.tags, ["dt=Default", "lab"]);
        let t: T = serde_json::from_str(r#"{"tags": null}"#).unwrap();
        assert!(t.tags.is_empty());
        assert!(serde_json::from_str::<T>(r#"{"flag": "maybe"}"#).is_err());
    }
}
