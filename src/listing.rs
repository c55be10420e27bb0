//! Lenient listings: the elements that decode, and an error for each one that does not, so that
//! one device Orb sends in an unexpected shape does not cost the whole listing.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::array_decoder::Element;
use crate::error::Error;

/// What a lenient listing returns (see
/// [`DevicesHandle::list_lenient`](crate::DevicesHandle::list_lenient)).
///
/// ```
/// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
/// let listing = client.organization("org-id").devices().list_lenient().await?;
/// for skipped in &listing.skipped {
///     eprintln!("left out: {skipped}");
/// }
/// println!("{} devices", listing.items.len());
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct Lenient<T> {
    /// The elements that decoded, in the order Orb sent them.
    pub items: Vec<T>,
    /// The elements that did not, in order.
    pub skipped: Vec<SkippedItem>,
}

/// An element of a listing that is valid JSON but not of the shape expected.
#[derive(Debug, thiserror::Error)]
#[error("element {index}{} was left out: {error}", id.as_ref().map(|id| format!(" ({id})")).unwrap_or_default())]
#[non_exhaustive]
pub struct SkippedItem {
    /// Its index in the listing.
    pub index: usize,
    /// Its id (a device's `orb_id`), when that much could be read.
    pub id: Option<String>,
    /// Why it did not decode: an [`Error::Decode`] naming the field, with the element's start.
    #[source]
    pub error: Error,
}

/// An element of a listing with the JSON text Orb sent for it: for programs that pass Orb's
/// objects on unchanged (fields this version does not know included) while using the typed
/// value to sort or filter. Costs a copy of the text; no re-encoding. See
/// [`DevicesHandle::list_lenient_with_json`](crate::DevicesHandle::list_lenient_with_json).
///
/// ```
/// use orb_cloud::{Device, WithJson};
/// let d: WithJson<Device> = serde_json::from_str(r#"{"orb_id": "a", "new_field": 1}"#)?;
/// assert_eq!(d.value.orb_id, "a");
/// assert!(d.json.contains("new_field"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WithJson<T> {
    /// The element, decoded.
    pub value: T,
    /// Its JSON text as Orb sent it, on one line: unchanged, except that surrounding
    /// whitespace is trimmed and, if Orb pretty-printed it, the line breaks and indentation
    /// between tokens are removed (so it can be written as a JSON line as it is).
    pub json: String,
}

/// The text is captured by reading the element as a raw value first (the listing decoder
/// does it without this: see the `Element` impl).
impl<'de, T: DeserializeOwned> Deserialize<'de> for WithJson<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let value = serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        let json = one_line(raw.get()).into_owned();
        Ok(Self { value, json })
    }
}

impl<T: Element> Element for WithJson<T> {
    fn from_text(text: &str) -> serde_json::Result<Self> {
        Ok(Self {
            value: T::from_text(text)?,
            json: one_line(text.trim_matches(|c: char| c.is_ascii_whitespace())).into_owned(),
        })
    }

    fn id_of(bytes: &[u8]) -> Option<String> {
        T::id_of(bytes)
    }
}

/// `text` (valid JSON) on one line: whitespace outside strings dropped, only when it has a line
/// break (JSON strings have none: they are escaped). Done here, on the threads that decode the
/// listing, rather than by every program that writes JSON lines.
fn one_line(text: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\n', text.as_bytes()).is_none() {
        return text.into();
    }
    let mut line = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            line.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            line.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            line.push(c);
        }
    }
    line.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Device;

    #[test]
    fn pretty_json_goes_on_one_line_strings_untouched() {
        let compact = r#"{"a":1,"b":" x "}"#;
        assert!(matches!(one_line(compact), Cow::Borrowed(_)));
        let pretty = "{\n  \"a\": [1, 2],\r\n\t\"b\": \" \\\" {\\n} \"\n}";
        let line = one_line(pretty);
        assert_eq!(line, r#"{"a":[1,2],"b":" \" {\n} "}"#);
        let a: serde_json::Value = serde_json::from_str(pretty).unwrap();
        let b: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn listing_and_serde_capture_the_same_text() {
        let text = "{\n \"orb_id\": \"a\",\n \"future\": {\"x\": [1.50, \"\\u00e9\"]}\n}";
        let listed = <WithJson<Device> as Element>::from_text(&format!("  {text}\n")).unwrap();
        let read: WithJson<Device> = serde_json::from_str(text).unwrap();
        assert_eq!(listed, read);
        // Numbers and escapes as sent, not as encoded again.
        assert_eq!(
            listed.json,
            r#"{"orb_id":"a","future":{"x":[1.50,"\u00e9"]}}"#
        );
        assert_eq!(listed.value.orb_id, "a");
    }
}
