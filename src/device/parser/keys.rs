//! The field names the parser knows, and how it recognizes each at the start of a key's text
//! (16 bytes at a time, without looking for where the key ends).

use super::KNOWN_COMPONENTS;

/// The wire names of each struct's fields, in the order of their bits in the parser's "seen"
/// masks. A test checks them against the names serde's derives know.
pub(super) const DEVICE_FIELDS: [&str; 14] = [
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
pub(super) const SUMMARY_FIELDS: [&str; 5] =
    ["tags", "version", "orb_score", "created_ts", "orb_scores"];
pub(super) const TAGS_FIELDS: [&str; 3] = ["geoip", "device_info", "network_interface"];
pub(super) const GEOIP_FIELDS: [&str; 7] = [
    "city",
    "state",
    "country",
    "country_code",
    "isp_name",
    "latitude",
    "longitude",
];
pub(super) const DEVICE_INFO_FIELDS: [&str; 5] = [
    "name",
    "version",
    "cpu_count",
    "full_name",
    "operating_system",
];
pub(super) const INTERFACE_FIELDS: [&str; 4] = ["name", "type", "local_ip", "mac_address"];
pub(super) const SCORE_FIELDS: [&str; 7] = [
    "score",
    "display",
    "included",
    "value",
    "components",
    "duration_ms",
    "score_version",
];

/// Field names, and how to recognize each at the start of a key's text.
pub(super) struct Fields {
    pub(super) names: &'static [&'static str],
    pub(super) keys: &'static [Key],
}

impl Fields {
    /// The field whose quoted name `text` (what follows a key's opening quote) starts with, and
    /// the length of that name with its closing quote; `None` when it is none of them, or `text`
    /// is shorter than 16 bytes (the caller then reads the key as a string).
    #[inline]
    pub(super) fn recognize(&self, text: &[u8]) -> Option<(usize, usize)> {
        let head = text.get(..16)?;
        let (a, b) = head.split_at(8);
        let words = [word(a), word(b)];
        self.keys.iter().enumerate().find_map(|(i, key)| {
            (words[0] & key.masks[0] == key.words[0]
                && words[1] & key.masks[1] == key.words[1]
                && (key.len <= 16 || text.starts_with(&key.quoted[..key.len])))
            .then_some((i, key.len))
        })
    }
}

/// A name with its closing quote, for comparing with the text after a key's opening quote: its
/// first 16 bytes as two little-endian words with masks (names under 15 bytes leave some bytes
/// out), and the whole of it for longer names.
pub(super) struct Key {
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

pub(super) const DEVICE: Fields = Fields {
    names: &DEVICE_FIELDS,
    keys: &Key::all(&DEVICE_FIELDS),
};
pub(super) const SUMMARY: Fields = Fields {
    names: &SUMMARY_FIELDS,
    keys: &Key::all(&SUMMARY_FIELDS),
};
pub(super) const TAGS: Fields = Fields {
    names: &TAGS_FIELDS,
    keys: &Key::all(&TAGS_FIELDS),
};
pub(super) const GEOIP: Fields = Fields {
    names: &GEOIP_FIELDS,
    keys: &Key::all(&GEOIP_FIELDS),
};
pub(super) const DEVICE_INFO: Fields = Fields {
    names: &DEVICE_INFO_FIELDS,
    keys: &Key::all(&DEVICE_INFO_FIELDS),
};
pub(super) const INTERFACE: Fields = Fields {
    names: &INTERFACE_FIELDS,
    keys: &Key::all(&INTERFACE_FIELDS),
};
pub(super) const SCORE: Fields = Fields {
    names: &SCORE_FIELDS,
    keys: &Key::all(&SCORE_FIELDS),
};
pub(super) const COMPONENTS: Fields = Fields {
    names: &KNOWN_COMPONENTS,
    keys: &Key::all(&KNOWN_COMPONENTS),
};

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}
