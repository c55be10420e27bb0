//! The parser against serde, its reference: whenever it gives a device, it must be the one serde
//! gives, down to the bits of every float.

use super::keys::{
    DEVICE_FIELDS, DEVICE_INFO_FIELDS, GEOIP_FIELDS, INTERFACE_FIELDS, SCORE_FIELDS,
    SUMMARY_FIELDS, TAGS_FIELDS,
};
use super::*;
use crate::test_rng::xorshift;
use serde::de::IgnoredAny;

/// A device as the sandbox (and, as far as is known, Orb) sends it, with its three score trees
/// (also used by `benches/devices.rs`).
const DEVICE: &str = include_str!("../../../tests/fixtures/device.json").trim_ascii_end();

/// A smaller device, for the tests that try every position.
const SMALL: &str = r#"{"orb_id":"a1","name":"n","is_connected":true,"created_ts":1746435956134,"tags":["x=1"],"configuration_id":null,"summary":{"tags":{"geoip":{"city":"K","latitude":47.6},"device_info":{"cpu_count":4},"network_interface":{"type":"Wi-Fi"}},"version":"0.1.0","orb_score":{"score":0.9364289157711541,"display":94,"included":true,"components":{"internet_lag_us":{"value":6440.3544381893125,"display":-1,"score_version":"1.2.0"}},"duration_ms":60000},"orb_scores":[{"display":98.5,"score_version":"9.9"}]}}"#;

/// Compares the parser with serde on `text`; true if the parser gave a device.
fn agrees(text: &str) -> bool {
    let reference = serde_json::from_str::<Device>(text);
    let Some(fast) = parse_device(text) else {
        return false;
    };
    let reference = reference
        .unwrap_or_else(|e| panic!("the parser accepted what serde rejects ({e}): {text}"));
    assert_eq!(fast, reference, "{text}");
    // Serialized, floats compare by their bits (0.0 and -0.0 differ).
    assert_eq!(
        serde_json::to_string(&fast).unwrap(),
        serde_json::to_string(&reference).unwrap(),
        "{text}"
    );
    true
}

#[test]
fn real_devices_take_the_fast_path_and_agree() {
    assert!(agrees(DEVICE));
    assert!(agrees(SMALL));
    // Whitespace anywhere JSON allows it.
    let value: serde_json::Value = serde_json::from_str(DEVICE).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    assert!(agrees(&format!(" \n\t{pretty}\r\n ")));
    // Unknown fields are skipped at every level.
    let extra = DEVICE
        .replacen(r#""name""#, r#""future":{"a":[1,{"b":null}]},"name""#, 1)
        .replacen(r#""version""#, r#""future":"x","version""#, 1)
        .replacen(r#""display""#, r#""future":[],"display""#, 1);
    assert!(agrees(&extra));
    assert!(agrees("{}"));
}

#[test]
fn decoded_lists_hold_no_spare_room() {
    let d = parse_device(DEVICE).unwrap();
    assert_eq!(d.tags.capacity(), d.tags.len());
    let summary = d.summary.as_ref().unwrap();
    assert_eq!(summary.orb_scores.capacity(), summary.orb_scores.len());
    let components = &summary.orb_score.as_ref().unwrap().components.0;
    assert_eq!(components.capacity(), components.len());
}

#[test]
fn the_parser_knows_the_fields_serde_knows() {
    assert_eq!(fields_of::<Device>(), DEVICE_FIELDS);
    assert_eq!(fields_of::<DeviceSummary>(), SUMMARY_FIELDS);
    assert_eq!(fields_of::<OrbScore>(), SCORE_FIELDS);
    assert_eq!(fields_of::<SummaryTags>(), TAGS_FIELDS);
    assert_eq!(fields_of::<GeoIp>(), GEOIP_FIELDS);
    assert_eq!(fields_of::<DeviceInfo>(), DEVICE_INFO_FIELDS);
    assert_eq!(fields_of::<NetworkInterface>(), INTERFACE_FIELDS);
}

/// Values of every JSON shape, valid and not, tried in place of every field.
const VALUES: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "1",
    "-0",
    "-1",
    "2.5",
    "-0.0",
    "0.5e1",
    "1e3",
    "1E-2",
    "1.5e+2",
    "1e400",
    "1e-400",
    "1e0400",
    "9007199254740993",
    "12345678901234567890",
    "123456789012345678901",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "1757368500851.4",
    "\"\"",
    "\"x\"",
    "\"a\\\"b\"",
    "\"\\u00e9t\\u00e9\"",
    "\"été\"",
    "\"1\"",
    "\"true\"",
    "\"yes\"",
    "\"1.2.0\"",
    "\"bandwidth_score\"",
    "\"2025-09-08T21:55:00.851Z\"",
    "\"1757368500851\"",
    "[]",
    "[\"a=1\",\"b\"]",
    "[\"a\",1,null]",
    "[null]",
    "[{\"display\":1}]",
    "{}",
    "{\"a\":\"b\"}",
    "{\"datasets.push\":[\"x\",\"format=json\"]}",
    "{\"download_bandwidth_kbps\":{\"display\":1},\"x\":null}",
    "{\"geoip\":{\"city\":\"Kirkland\"}}",
    "[{\"organization\":{\"name\":\"o\"},\"relationship\":\"owner\"}]",
    "01",
    "1.",
    ".5",
    "-",
    "+1",
    "1e",
    "tru",
    "nul",
    "\"open",
    "\"tab\there\"",
    "[1,]",
    "{\"a\"}",
];

/// `base` with the first `"key":` value (of any shape) at or after `from` replaced by `value`.
fn replace_value(base: &str, key: &str, from: usize, value: &str) -> Option<String> {
    let needle = format!("\"{key}\":");
    let at = from + base[from..].find(&needle)? + needle.len();
    let mut de = serde_json::Deserializer::from_str(&base[at..]).into_iter::<IgnoredAny>();
    de.next()?.ok()?;
    let end = at + de.byte_offset();
    Some(format!("{}{value}{}", &base[..at], &base[end..]))
}

#[test]
fn every_field_in_every_shape_agrees_with_serde() {
    let summary = DEVICE.find("\"summary\"").unwrap();
    let score = DEVICE.find("\"orb_score\"").unwrap();
    let leaf = DEVICE.find("\"download_bandwidth_kbps\"").unwrap();
    let history = DEVICE.find("\"orb_scores\"").unwrap();
    let geoip = DEVICE.find("\"geoip\"").unwrap();
    let device_info = DEVICE.find("\"device_info\"").unwrap();
    let interface = DEVICE.find("\"network_interface\"").unwrap();
    let mut places = Vec::new();
    for key in DEVICE_FIELDS {
        places.push((key, 0));
    }
    for key in SUMMARY_FIELDS {
        places.push((key, summary));
    }
    for key in SCORE_FIELDS {
        places.extend([(key, score), (key, leaf), (key, history)]);
    }
    for key in TAGS_FIELDS {
        places.push((key, summary));
    }
    for key in GEOIP_FIELDS {
        places.push((key, geoip));
    }
    for key in DEVICE_INFO_FIELDS {
        places.push((key, device_info));
    }
    for key in INTERFACE_FIELDS {
        places.push((key, interface));
    }
    places.push(("bandwidth_score", score));
    places.push(("internet_lag_us", score));
    let mut valid = 0;
    for (key, from) in places {
        for value in VALUES {
            let text = replace_value(DEVICE, key, from, value)
                .unwrap_or_else(|| panic!("no {key} after {from}"));
            let fast = agrees(&text);
            // What serde accepts, the parser decodes too (itself, or through serde at that field).
            if serde_json::from_str::<Device>(&text).is_ok() {
                assert!(fast, "left to serde: {text}");
                valid += 1;
            }
        }
    }
    assert!(valid > 500, "{valid}");
}

#[test]
fn repeated_fields_and_escaped_keys_are_left_to_serde() {
    for text in [
        r#"{"name":"a","name":"b"}"#,
        r#"{"summary":{"version":"1","version":"2"}}"#,
        r#"{"summary":{"orb_score":{"display":1,"display":2}}}"#,
        r#"{"na\u006de":"a"}"#,
    ] {
        assert!(parse_device(text).is_none(), "{text}");
        agrees(text);
    }
    // A repeated component is not a repeated field: the last one counts.
    let text =
        r#"{"summary":{"orb_score":{"components":{"a":{"display":1},"b":{},"a":{"display":3}}}}}"#;
    assert!(agrees(text));
    let d = parse_device(text).unwrap();
    let names: Vec<&str> = d.orb_score().unwrap().components.names().collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn deep_score_trees_are_left_to_serde() {
    let mut text = String::from("{\"display\":1}");
    for _ in 1..MAX_SCORE_DEPTH {
        text = format!("{{\"components\":{{\"c\":{text}}}}}");
    }
    let device = format!("{{\"summary\":{{\"orb_score\":{text}}}}}");
    assert!(agrees(&device));
    let deeper = format!("{{\"summary\":{{\"orb_score\":{{\"components\":{{\"c\":{text}}}}}}}}}");
    assert!(parse_device(&deeper).is_none());
    agrees(&deeper);
}

#[test]
fn every_truncation_and_corruption_agrees_with_serde() {
    for end in 0..SMALL.len() {
        if let Some(prefix) = SMALL.get(..end) {
            assert!(!agrees(prefix), "accepted a truncated device: {prefix}");
        }
    }
    let bytes = SMALL.as_bytes();
    for at in 0..bytes.len() {
        for with in [
            "", "\"", "\\", ",", ":", "}", "]", "{", "[", "0", "-", ".", "e", " ", "x", "\u{1}",
            "é",
        ] {
            let mut text = bytes[..at].to_vec();
            text.extend_from_slice(with.as_bytes());
            text.extend_from_slice(&bytes[at + 1..]);
            if let Ok(text) = std::str::from_utf8(&text) {
                agrees(text);
            }
        }
    }
}

#[test]
fn random_numbers_agree_with_serde_to_the_bit() {
    let mut next = xorshift(0x05ee_d0f5_c0e5);
    let mut number = || {
        let r = next();
        let len = 1 + (r % 24) as usize;
        let mut digits = String::new();
        let mut d = next();
        for k in 0..len {
            // No leading zeros: JSON has none.
            let digit = if k == 0 && len > 1 { 1 + d % 9 } else { d % 10 };
            digits.push(char::from(b'0' + digit as u8));
            d = if d < 100 { next() } else { d / 10 };
        }
        let sign = if r & (1 << 8) != 0 { "-" } else { "" };
        let body = match (r >> 9) % 4 {
            0 => digits,
            1 if len > 1 => {
                let cut = 1 + (r >> 12) as usize % (len - 1);
                format!("{}.{}", &digits[..cut], &digits[cut..])
            }
            1 => format!("{digits}.5"),
            2 => format!("{digits}e{}", (r >> 16) as i64 % 330 - 10),
            _ => format!("0.{digits}E-{}", (r >> 40) % 320),
        };
        format!("{sign}{body}")
    };
    let mut fast = 0;
    for _ in 0..20_000 {
        let (a, b, c, t) = (number(), number(), number(), number());
        let text = format!(
            r#"{{"created_ts":{t},"is_connected":{a},"summary":{{"orb_score":{{"score":{a},"value":{b},"display":{c},"duration_ms":{b},"included":{c}}}}}}}"#
        );
        fast += usize::from(agrees(&text));
    }
    assert!(fast > 2_500, "{fast}");
}

// serde's derives pass a struct's wire field names to `deserialize_struct`: this deserializer
// catches them.
#[derive(Debug)]
struct Fields(&'static [&'static str]);

impl std::fmt::Display for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for Fields {}

impl serde::de::Error for Fields {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Fields(&[])
    }
}

struct FieldNames;

impl<'de> serde::Deserializer<'de> for FieldNames {
    type Error = Fields;
    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Fields> {
        Err(Fields(&[]))
    }
    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Fields> {
        Err(Fields(fields))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    match T::deserialize(FieldNames) {
        Err(Fields(fields)) => fields,
        Ok(_) => unreachable!("FieldNames never gives a value"),
    }
}
