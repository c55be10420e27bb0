//! Reading one JSON value in place (whitespace, strings without escapes, numbers, objects and
//! arrays), or handing it to serde with the field's own deserializer when it has another shape.

use std::borrow::Cow;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;

use super::keys::Fields;
use super::{OrbScore, Parser, ScoreComponents, Seen};
use crate::api::types::OrbinfoOrganizationDeviceLink;
use crate::device::config::DeviceConfig;
use crate::timestamp::Timestamp;
use crate::wire_quirks;

/// The powers of ten that are exact as f64.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A JSON number as serde_json hands it to a visitor.
#[derive(Clone, Copy)]
pub(super) enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl Number {
    /// What serde's `f64` visitor makes of it (`as` conversions, like serde's primitive visitors).
    pub(super) fn as_f64(self) -> f64 {
        match self {
            Number::U64(v) => v as f64,
            Number::I64(v) => v as f64,
            Number::F64(v) => v,
        }
    }
}

// Each field with a custom deserializer, as a newtype, for handing one value to serde.
#[derive(Deserialize)]
pub(super) struct Flag(
    #[serde(deserialize_with = "wire_quirks::flexible_bool")] pub(super) Option<bool>,
);
#[derive(Deserialize)]
pub(super) struct Integer(
    #[serde(deserialize_with = "wire_quirks::flexible_i64")] pub(super) Option<i64>,
);
#[derive(Deserialize)]
pub(super) struct Tags(#[serde(deserialize_with = "wire_quirks::tags")] pub(super) Vec<String>);
#[derive(Deserialize)]
pub(super) struct Config(
    #[serde(deserialize_with = "wire_quirks::null_as_default")] pub(super) DeviceConfig,
);
#[derive(Deserialize)]
pub(super) struct Links(
    #[serde(deserialize_with = "wire_quirks::compact_list")]
    pub(super)  Vec<OrbinfoOrganizationDeviceLink>,
);
#[derive(Deserialize)]
pub(super) struct Scores(
    #[serde(deserialize_with = "wire_quirks::compact_list")] pub(super) Vec<OrbScore>,
);
#[derive(Deserialize)]
pub(super) struct Components(
    #[serde(deserialize_with = "wire_quirks::null_as_default")] pub(super) ScoreComponents,
);
#[derive(Deserialize)]
pub(super) struct Version(
    #[serde(deserialize_with = "crate::device::score_version")] pub(super) Option<Cow<'static, str>>,
);

impl<'a> Parser<'a> {
    pub(super) fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Whether the text continues with `word` (consumed if so).
    pub(super) fn eat(&mut self, word: &[u8]) -> bool {
        let found = self.bytes[self.pos..].starts_with(word);
        if found {
            self.pos += word.len();
        }
        found
    }

    /// A string without escapes or control characters, at `"`; otherwise nothing is consumed.
    pub(super) fn plain_str(&mut self) -> Option<&'a str> {
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
    pub(super) fn number(&mut self) -> Option<Number> {
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
    pub(super) fn serde<T: DeserializeOwned>(&mut self) -> Option<T> {
        let rest = self.text.get(self.pos..)?;
        let mut values = serde_json::Deserializer::from_str(rest).into_iter::<T>();
        let value = values.next()?.ok()?;
        self.pos += values.byte_offset();
        Some(value)
    }

    /// The fields of an object, each handed to `field` with its key and the key's index in
    /// `fields`; `None` on a syntax error, an escaped key, or when `field` gives up.
    pub(super) fn object(
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
    pub(super) fn fields(
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
    pub(super) fn key(&mut self, fields: &Fields) -> Option<(Option<usize>, &'a str)> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        if let Some((i, len)) = fields.recognize(&self.bytes[start..]) {
            self.pos = start + len;
            return Some((Some(i), fields.names[i]));
        }
        let key = self.plain_str()?;
        Some((fields.names.iter().position(|f| *f == key), key))
    }

    /// `null`, consumed if there.
    pub(super) fn null(&mut self) -> bool {
        self.eat(b"null")
    }

    pub(super) fn string(&mut self) -> Option<String> {
        match self.plain_str() {
            Some(s) => Some(s.to_owned()),
            None => self.serde(),
        }
    }

    pub(super) fn opt_string(&mut self) -> Option<Option<String>> {
        if self.null() {
            return Some(None);
        }
        match self.plain_str() {
            Some(s) => Some(Some(s.to_owned())),
            None => self.serde(),
        }
    }

    /// `Option<f64>`.
    pub(super) fn opt_f64(&mut self) -> Option<Option<f64>> {
        if self.null() {
            return Some(None);
        }
        match self.number() {
            Some(n) => Some(Some(n.as_f64())),
            None => self.serde(),
        }
    }

    /// `wire_quirks::flexible_i64`.
    pub(super) fn integer(&mut self) -> Option<Option<i64>> {
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
    pub(super) fn flag(&mut self) -> Option<Option<bool>> {
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
    pub(super) fn timestamp(&mut self) -> Option<Option<Timestamp>> {
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
    pub(super) fn tags(&mut self) -> Option<Vec<String>> {
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
    pub(super) fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
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
}
