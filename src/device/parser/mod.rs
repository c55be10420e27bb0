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

mod keys;
mod values;

use std::borrow::Cow;

use serde::de::DeserializeOwned;

use keys::{COMPONENTS, DEVICE, DEVICE_INFO, GEOIP, INTERFACE, SCORE, SUMMARY, TAGS};
use values::{Components, Config, Links, Scores, Version};

use super::{
    intern_in, Device, DeviceInfo, DeviceSummary, GeoIp, NetworkInterface, OrbScore,
    ScoreComponents, SummaryTags, KNOWN_COMPONENTS, KNOWN_SCORE_VERSIONS,
};

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

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Score components being read, innermost last.
    stack: Vec<(Cow<'static, str>, OrbScore)>,
}

impl<'a> Parser<'a> {
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
