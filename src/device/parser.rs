//! A hand-written parser for the common shape of a listed device, with serde as its reference.
//!
//! A listing of 10,000 devices is 43 MB of JSON, and its three Orb Score trees per device (8
//! nodes each, every node repeating its keys) are most of it. serde_json's derived visitors take
//! about 112 ms of one core to decode it; this parser about 86 ms (most of what is left is
//! allocating and filling the decoded structs), and a whole listing call about 91 ms instead of
//! 109 (medians of 6 alternating runs, BENCHMARKS.md). It knows the shape: known keys are
//! recognized 16 bytes at a time without looking for where they end, numbers are parsed in place
//! (most floats of a score tree need no more than one exact division), and each set of score
//! components is allocated once, at its size.
//!
//! It gives exactly what the derived `Deserialize` impls in `device/mod.rs` give, or nothing:
//! - values of an unusual shape (a flag sent as `"yes"`, a timestamp as a string, escaped text, a
//!   non-null `config` or `links`, unknown fields) are handed to serde at that point of the text,
//!   with the field's own deserializer, so their meaning is defined in one place;
//! - anything else it does not expect (a syntax error, an escaped key, a repeated field, a score
//!   tree nested deeper than [`MAX_SCORE_DEPTH`]) makes it give up, and the caller decodes the
//!   element with serde, which then also reports the error.
//!
//! The tests compare the two on every field in every shape, on every truncation and many
//! corruptions of a real device, on random numbers, and check that both know the same fields.

use std::borrow::Cow;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;

use super::{
    intern_in, Device, DeviceInfo, DeviceSummary, GeoIp, NetworkInterface, OrbScore,
    ScoreComponents, SummaryTags, KNOWN_COMPONENTS, KNOWN_SCORE_VERSIONS,
};
use crate::api::types::OrbinfoOrganizationDeviceLink;
use crate::device::config::DeviceConfig;
use crate::timestamp::Timestamp;
use crate::wire_quirks;

/// Score trees deeper than this are left to serde (and its recursion limit). Real trees have 3
/// levels.
const MAX_SCORE_DEPTH: u32 = 16;

/// The device in `text` (one element of a listing), or `None` when serde must decode it.
pub(crate) fn parse_device(text: &str) -> Option<Device> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        stack: Vec::new(),
    };
    p.ws();
    let device = p.device()?;
    p.ws();
    (p.pos == p.bytes.len()).then_some(device)
}

/// The wire names of each struct's fields, in the order of their bits in the parser's "seen"
/// masks. A test checks them against the names serde's derives know.
const DEVICE_FIELDS: [&str; 14] = [
    "orb_id",
    "name",
    "is_connected",
    "is_connected_updated_at",
    "created_ts",
    "summary",
    "tags",
    "config",
    "configuration_id",
    "relationship",
    "can_notify",
    "has_local_config_override",
    "has_stale_config",
    "links",
];
const SUMMARY_FIELDS: [&str; 5] = ["tags", "version", "orb_score", "created_ts", "orb_scores"];
const TAGS_FIELDS: [&str; 3] = ["geoip", "device_info", "network_interface"];
const GEOIP_FIELDS: [&str; 7] = [
    "city",
    "state",
    "country",
    "country_code",
    "isp_name",
    "latitude",
    "longitude",
];
const DEVICE_INFO_FIELDS: [&str; 5] = [
    "name",
    "version",
    "cpu_count",
    "full_name",
    "operating_system",
];
const INTERFACE_FIELDS: [&str; 4] = ["name", "type", "local_ip", "mac_address"];
const SCORE_FIELDS: [&str; 7] = [
    "score",
    "display",
    "included",
    "value",
    "components",
    "duration_ms",
    "score_version",
];

/// Field names, and how to recognize each at the start of a key's text.
struct Fields {
    names: &'static [&'static str],
    keys: &'static [Key],
}

/// A name with its closing quote, for comparing with the text after a key's opening quote: its
/// first 16 bytes as two little-endian words with masks (names under 15 bytes leave some bytes
/// out), and the whole of it for longer names.
struct Key {
    words: [u64; 2],
    masks: [u64; 2],
    quoted: [u8; 32],
    len: usize,
}

impl Key {
    const fn new(name: &str) -> Key {
        let name = name.as_bytes();
        assert!(name.len() < 32, "field names are short");
        let mut key = Key {
            words: [0; 2],
            masks: [0; 2],
            quoted: [0; 32],
            len: name.len() + 1,
        };
        let mut i = 0;
        while i < key.len {
            let byte = if i < name.len() { name[i] } else { b'"' };
            key.quoted[i] = byte;
            if i < 16 {
                key.words[i / 8] |= (byte as u64) << (8 * (i % 8));
                key.masks[i / 8] |= 0xff << (8 * (i % 8));
            }
            i += 1;
        }
        key
    }

    const fn all<const N: usize>(names: &[&str; N]) -> [Key; N] {
        let mut keys = [const { Key::new("") }; N];
        let mut i = 0;
        while i < N {
            keys[i] = Key::new(names[i]);
            i += 1;
        }
        keys
    }
}

const DEVICE: Fields = Fields {
    names: &DEVICE_FIELDS,
    keys: &Key::all(&DEVICE_FIELDS),
};
const SUMMARY: Fields = Fields {
    names: &SUMMARY_FIELDS,
    keys: &Key::all(&SUMMARY_FIELDS),
};
const TAGS: Fields = Fields {
    names: &TAGS_FIELDS,
    keys: &Key::all(&TAGS_FIELDS),
};
const GEOIP: Fields = Fields {
    names: &GEOIP_FIELDS,
    keys: &Key::all(&GEOIP_FIELDS),
};
const DEVICE_INFO: Fields = Fields {
    names: &DEVICE_INFO_FIELDS,
    keys: &Key::all(&DEVICE_INFO_FIELDS),
};
const INTERFACE: Fields = Fields {
    names: &INTERFACE_FIELDS,
    keys: &Key::all(&INTERFACE_FIELDS),
};
const SCORE: Fields = Fields {
    names: &SCORE_FIELDS,
    keys: &Key::all(&SCORE_FIELDS),
};
const COMPONENTS: Fields = Fields {
    names: &KNOWN_COMPONENTS,
    keys: &Key::all(&KNOWN_COMPONENTS),
};

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

/// The powers of ten that are exact as f64.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A JSON number as serde_json hands it to a visitor.
#[derive(Clone, Copy)]
enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl Number {
    /// What serde's `f64` visitor makes of it (`as` conversions, like serde's primitive visitors).
    fn as_f64(self) -> f64 {
        match self {
            Number::U64(v) => v as f64,
            Number::I64(v) => v as f64,
            Number::F64(v) => v,
        }
    }
}

// Each field with a custom deserializer, as a newtype, for handing one value to serde.
#[derive(Deserialize)]
struct Flag(#[serde(deserialize_with = "wire_quirks::flexible_bool")] Option<bool>);
#[derive(Deserialize)]
struct Integer(#[serde(deserialize_with = "wire_quirks::flexible_i64")] Option<i64>);
#[derive(Deserialize)]
struct Tags(#[serde(deserialize_with = "wire_quirks::tags")] Vec<String>);
#[derive(Deserialize)]
struct Config(#[serde(deserialize_with = "wire_quirks::null_as_default")] DeviceConfig);
#[derive(Deserialize)]
struct Links(
    #[serde(deserialize_with = "wire_quirks::compact_list")] Vec<OrbinfoOrganizationDeviceLink>,
);
#[derive(Deserialize)]
struct Scores(#[serde(deserialize_with = "wire_quirks::compact_list")] Vec<OrbScore>);
#[derive(Deserialize)]
struct Components(#[serde(deserialize_with = "wire_quirks::null_as_default")] ScoreComponents);
#[derive(Deserialize)]
struct Version(#[serde(deserialize_with = "super::score_version")] Option<Cow<'static, str>>);

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Score components being read, innermost last.
    stack: Vec<(Cow<'static, str>, OrbScore)>,
}

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Whether the text continues with `word` (consumed if so).
    fn eat(&mut self, word: &[u8]) -> bool {
        let found = self.bytes[self.pos..].starts_with(word);
        if found {
            self.pos += word.len();
        }
        found
    }

    /// A string without escapes or control characters, at `"`; otherwise nothing is consumed.
    fn plain_str(&mut self) -> Option<&'a str> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        let mut i = start;
        loop {
            match *self.bytes.get(i)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        // Both ends are ASCII quotes, so this is on character boundaries.
        self.text.get(start..i)
    }

    /// A number, with the value serde_json would hand to a visitor; nothing is consumed, and
    /// `None` returned, for text serde_json would read differently or reject.
    fn number(&mut self) -> Option<Number> {
        let b = self.bytes;
        let start = self.pos;
        let mut i = start;
        let negative = b.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        let mut significand: u64 = 0;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while let Some(d @ b'0'..=b'9') = b.get(i) {
                    significand = significand
                        .checked_mul(10)?
                        .checked_add(u64::from(d - b'0'))?;
                    i += 1;
                }
            }
            _ => return None,
        }
        // All the digits, for floats that need no rounding but the last (below).
        let mut mantissa = significand;
        let mut exact = true;
        let mut exponent: i32 = 0;
        let mut float = false;
        if b.get(i) == Some(&b'.') {
            float = true;
            i += 1;
            let digits = i;
            while let Some(d @ b'0'..=b'9') = b.get(i) {
                match mantissa.checked_mul(10) {
                    Some(m) => {
                        mantissa = m + u64::from(d - b'0');
                        exponent -= 1;
                    }
                    None => exact = false,
                }
                i += 1;
            }
            if i == digits {
                return None;
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            float = true;
            i += 1;
            let sign = match b.get(i) {
                Some(b'-') => -1,
                Some(b'+') => 1,
                _ => 0,
            };
            if sign != 0 {
                i += 1;
            }
            let digits = i;
            let mut e: i32 = 0;
            while let Some(d @ b'0'..=b'9') = b.get(i) {
                e = e * 10 + i32::from(d - b'0');
                i += 1;
                // Huge exponents are where parsers differ at the edges: leave them to serde.
                if i - digits > 3 {
                    return None;
                }
            }
            if i == digits {
                return None;
            }
            exponent += if sign < 0 { -e } else { e };
        }
        let number = if float {
            // Correctly rounded, as serde_json's `float_roundtrip` is. Where the digits and the
            // power of ten are both exact as f64, one multiplication or division is (Clinger's
            // fast path); otherwise the standard library's parser is. serde_json rejects what
            // overflows.
            let v = if exact && mantissa <= 1 << 53 && (-22..=22).contains(&exponent) {
                let m = mantissa as f64;
                let p = POWERS_OF_TEN[exponent.unsigned_abs() as usize];
                let v = if exponent < 0 { m / p } else { m * p };
                if negative {
                    -v
                } else {
                    v
                }
            } else {
                self.text.get(start..i)?.parse().ok()?
            };
            if !v.is_finite() {
                return None;
            }
            Number::F64(v)
        } else if !negative {
            Number::U64(significand)
        } else {
            // serde_json's own rule: `-0` and magnitudes beyond i64 become floats.
            let neg = (significand as i64).wrapping_neg();
            if neg >= 0 {
                Number::F64(-(significand as f64))
            } else {
                Number::I64(neg)
            }
        };
        self.pos = i;
        Some(number)
    }

    /// One value decoded by serde from here on; `None` if serde rejects it.
    fn serde<T: DeserializeOwned>(&mut self) -> Option<T> {
        let rest = self.text.get(self.pos..)?;
        let mut values = serde_json::Deserializer::from_str(rest).into_iter::<T>();
        let value = values.next()?.ok()?;
        self.pos += values.byte_offset();
        Some(value)
    }

    /// The fields of an object, each handed to `field` with its key and the key's index in
    /// `fields`; `None` on a syntax error, an escaped key, or when `field` gives up.
    fn object(
        &mut self,
        fields: &Fields,
        mut field: impl FnMut(&mut Self, Option<usize>, &'a str) -> Option<()>,
    ) -> Option<()> {
        if !self.eat(b"{") {
            return None;
        }
        self.ws();
        if self.eat(b"}") {
            return Some(());
        }
        loop {
            let (index, key) = self.key(fields)?;
            self.ws();
            if !self.eat(b":") {
                return None;
            }
            self.ws();
            field(self, index, key)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.ws();
                }
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The fields of a struct's object: each known field handed to `field` with its index in
    /// `fields` (only those indices), unknown ones skipped through serde, which checks them. A
    /// repeated field gives up, as serde's derives reject it.
    fn fields(
        &mut self,
        fields: &Fields,
        mut field: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<()> {
        let mut seen = Seen::default();
        self.object(fields, |p, index, _| match index {
            Some(i) => {
                seen.first(i)?;
                field(p, i)
            }
            None => p.serde::<IgnoredAny>().map(drop),
        })
    }

    /// A key and its index in `fields`. Known keys are recognized by comparing the text after
    /// the quote with each, 16 bytes at a time, which is much cheaper than finding where the
    /// string ends and then comparing it with each.
    fn key(&mut self, fields: &Fields) -> Option<(Option<usize>, &'a str)> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        if let Some(head) = self.bytes.get(start..start + 16) {
            let (a, b) = head.split_at(8);
            let words = [word(a), word(b)];
            for (i, key) in fields.keys.iter().enumerate() {
                if words[0] & key.masks[0] == key.words[0]
                    && words[1] & key.masks[1] == key.words[1]
                    && (key.len <= 16 || self.bytes[start..].starts_with(&key.quoted[..key.len]))
                {
                    self.pos = start + key.len;
                    return Some((Some(i), fields.names[i]));
                }
            }
        }
        let key = self.plain_str()?;
        Some((fields.names.iter().position(|f| *f == key), key))
    }

    /// `null`, consumed if there.
    fn null(&mut self) -> bool {
        self.eat(b"null")
    }

    fn string(&mut self) -> Option<String> {
        match self.plain_str() {
            Some(s) => Some(s.to_owned()),
            None => self.serde(),
        }
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        if self.null() {
            return Some(None);
        }
        match self.plain_str() {
            Some(s) => Some(Some(s.to_owned())),
            None => self.serde(),
        }
    }

    /// `Option<f64>`.
    fn opt_f64(&mut self) -> Option<Option<f64>> {
        if self.null() {
            return Some(None);
        }
        match self.number() {
            Some(n) => Some(Some(n.as_f64())),
            None => self.serde(),
        }
    }

    /// `wire_quirks::flexible_i64`.
    fn integer(&mut self) -> Option<Option<i64>> {
        if self.null() {
            return Some(None);
        }
        match self.number() {
            // Integers below 2^53 are exact as f64, where rounding changes nothing.
            Some(Number::U64(v)) if v < 1 << 53 => Some(Some(v as i64)),
            Some(n) => {
                let v = n.as_f64();
                Some(v.is_finite().then(|| v.round() as i64))
            }
            None => self.serde::<Integer>().map(|i| i.0),
        }
    }

    /// `wire_quirks::flexible_bool`.
    fn flag(&mut self) -> Option<Option<bool>> {
        if self.null() {
            return Some(None);
        }
        if self.eat(b"true") {
            return Some(Some(true));
        }
        if self.eat(b"false") {
            return Some(Some(false));
        }
        match self.number() {
            Some(Number::U64(v)) => Some(Some(v != 0)),
            Some(Number::I64(v)) => Some(Some(v != 0)),
            Some(Number::F64(v)) => Some(Some(v != 0.0)),
            None => self.serde::<Flag>().map(|f| f.0),
        }
    }

    /// `Option<Timestamp>`.
    fn timestamp(&mut self) -> Option<Option<Timestamp>> {
        if self.null() {
            return Some(None);
        }
        let start = self.pos;
        match self.number() {
            Some(Number::U64(v)) => Some(Some(Timestamp::from_millis(i64::try_from(v).ok()?))),
            Some(Number::I64(v)) => Some(Some(Timestamp::from_millis(v))),
            // Floats and strings follow `Timestamp`'s own rules.
            _ => {
                self.pos = start;
                self.serde()
            }
        }
    }

    /// `wire_quirks::tags`.
    fn tags(&mut self) -> Option<Vec<String>> {
        if self.null() {
            return Some(Vec::new());
        }
        let start = self.pos;
        let mut tags = Vec::new();
        let plain = self.array(|p| {
            tags.push(p.plain_str()?.to_owned());
            Some(())
        });
        if plain.is_some() {
            tags.shrink_to_fit();
            return Some(tags);
        }
        self.pos = start;
        self.serde::<Tags>().map(|t| t.0)
    }

    /// The elements of an array, each handed to `element`.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if !self.eat(b"[") {
            return None;
        }
        self.ws();
        if self.eat(b"]") {
            return Some(());
        }
        loop {
            element(self)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.ws();
                }
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn device(&mut self) -> Option<Device> {
        let mut d = Device::default();
        self.fields(&DEVICE, |p, field| {
            match field {
                0 => d.orb_id = p.string()?,
                1 => d.name = p.string()?,
                2 => d.connected = p.flag()?,
                3 => d.is_connected_updated_at = p.timestamp()?,
                4 => d.created_ts = p.timestamp()?,
                5 => d.summary = p.opt_struct(Self::summary)?,
                6 => d.tags = p.tags()?,
                7 => d.config = p.serde::<Config>()?.0,
                8 => d.configuration_id = p.opt_string()?,
                9 => d.relationship = p.opt_string()?,
                10 => d.can_notify = p.flag()?,
                11 => d.has_local_config_override = p.flag()?,
                12 => d.has_stale_config = p.flag()?,
                13 => d.links = p.serde::<Links>()?.0,
                _ => {}
            }
            Some(())
        })?;
        Some(d)
    }

    fn summary(&mut self) -> Option<DeviceSummary> {
        let mut s = DeviceSummary::default();
        self.fields(&SUMMARY, |p, field| {
            match field {
                0 => s.tags = p.opt_struct(Self::summary_tags)?,
                1 => s.version = p.opt_string()?,
                2 => s.orb_score = p.opt_score(1)?,
                3 => s.created_ts = p.timestamp()?,
                4 => s.orb_scores = p.scores()?,
                _ => {}
            }
            Some(())
        })?;
        Some(s)
    }

    fn summary_tags(&mut self) -> Option<SummaryTags> {
        let mut t = SummaryTags::default();
        self.fields(&TAGS, |p, field| {
            match field {
                0 => t.geoip = p.opt_struct(Self::geoip)?,
                1 => t.device_info = p.opt_struct(Self::device_info)?,
                2 => t.network_interface = p.opt_struct(Self::network_interface)?,
                _ => {}
            }
            Some(())
        })?;
        Some(t)
    }

    /// `Option<T>` of a struct read by `read` (given an object), or by serde.
    fn opt_struct<T: DeserializeOwned>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        if self.null() {
            Some(None)
        } else if self.peek() == Some(b'{') {
            read(self).map(Some)
        } else {
            self.serde()
        }
    }

    fn geoip(&mut self) -> Option<GeoIp> {
        let mut g = GeoIp::default();
        self.fields(&GEOIP, |p, field| {
            match field {
                0 => g.city = p.opt_string()?,
                1 => g.state = p.opt_string()?,
                2 => g.country = p.opt_string()?,
                3 => g.country_code = p.opt_string()?,
                4 => g.isp_name = p.opt_string()?,
                5 => g.latitude = p.opt_f64()?,
                6 => g.longitude = p.opt_f64()?,
                _ => {}
            }
            Some(())
        })?;
        Some(g)
    }

    fn device_info(&mut self) -> Option<DeviceInfo> {
        let mut d = DeviceInfo::default();
        self.fields(&DEVICE_INFO, |p, field| {
            match field {
                0 => d.name = p.opt_string()?,
                1 => d.version = p.opt_string()?,
                2 => d.cpu_count = p.integer()?,
                3 => d.full_name = p.opt_string()?,
                4 => d.operating_system = p.opt_string()?,
                _ => {}
            }
            Some(())
        })?;
        Some(d)
    }

    fn network_interface(&mut self) -> Option<NetworkInterface> {
        let mut n = NetworkInterface::default();
        self.fields(&INTERFACE, |p, field| {
            match field {
                0 => n.name = p.opt_string()?,
                1 => n.kind = p.opt_string()?,
                2 => n.local_ip = p.opt_string()?,
                3 => n.mac_address = p.opt_string()?,
                _ => {}
            }
            Some(())
        })?;
        Some(n)
    }

    /// `wire_quirks::compact_list` of scores.
    fn scores(&mut self) -> Option<Vec<OrbScore>> {
        if self.null() {
            return Some(Vec::new());
        }
        if self.peek() != Some(b'[') {
            return self.serde::<Scores>().map(|s| s.0);
        }
        let mut scores = Vec::new();
        self.array(|p| {
            scores.push(p.score(1)?);
            Some(())
        })?;
        scores.shrink_to_fit();
        Some(scores)
    }

    /// `Option<OrbScore>`.
    fn opt_score(&mut self, depth: u32) -> Option<Option<OrbScore>> {
        self.opt_struct(|p| p.score(depth))
    }

    /// An `OrbScore` object.
    fn score(&mut self, depth: u32) -> Option<OrbScore> {
        if depth > MAX_SCORE_DEPTH {
            return None;
        }
        let mut s = OrbScore::default();
        self.fields(&SCORE, |p, field| {
            match field {
                0 => s.score = p.opt_f64()?,
                1 => s.display = p.integer()?,
                2 => s.included = p.flag()?,
                3 => s.value = p.opt_f64()?,
                4 => s.components = p.components(depth)?,
                5 => s.duration_ms = p.integer()?,
                6 => s.score_version = p.score_version()?,
                _ => {}
            }
            Some(())
        })?;
        Some(s)
    }

    /// `ScoreComponents` (`null` is none).
    fn components(&mut self, depth: u32) -> Option<ScoreComponents> {
        if self.null() {
            return Some(ScoreComponents::default());
        }
        if self.peek() != Some(b'{') {
            return self.serde::<Components>().map(|c| c.0);
        }
        // Components are gathered on the parser's stack (nested ones above them, and gone again
        // before the next one), so that each set is allocated once, at its size.
        let base = self.stack.len();
        let read = self.object(&COMPONENTS, |p, known, key| {
            let name = match known {
                Some(i) => Cow::Borrowed(KNOWN_COMPONENTS[i]),
                None => Cow::Owned(key.to_owned()),
            };
            // A null component carries nothing and is left out; a repeated name replaces the
            // earlier one in its place: as in `ScoreComponents`'s own impl.
            if let Some(score) = p.opt_score(depth + 1)? {
                match p.stack[base..].iter_mut().find(|(n, _)| *n == name) {
                    Some((_, earlier)) => *earlier = score,
                    None => p.stack.push((name, score)),
                }
            }
            Some(())
        });
        let components = ScoreComponents(self.stack.drain(base..).collect());
        read.map(|()| components)
    }

    fn score_version(&mut self) -> Option<Option<Cow<'static, str>>> {
        if self.null() {
            return Some(None);
        }
        match self.plain_str() {
            Some(v) => Some(Some(
                intern_in(&KNOWN_SCORE_VERSIONS, v).unwrap_or_else(|| v.to_owned().into()),
            )),
            None => self.serde::<Version>().map(|v| v.0),
        }
    }
}

/// The fields of an object read so far: serde's derives reject a repeated field.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    /// `None` if field `i` was seen before.
    fn first(&mut self, i: usize) -> Option<()> {
        let bit = 1 << i;
        if self.0 & bit != 0 {
            return None;
        }
        self.0 |= bit;
        Some(())
    }
}

#[cfg(test)]
mod tests;
