//! The API key as a secret: it is never printed by `Debug` or `Display`, never part of an error
//! message, goes on the wire only in a header marked sensitive, and is wiped from memory when
//! dropped (`zeroize`).

use std::borrow::Cow;

use reqwest::header::HeaderValue;
use zeroize::Zeroizing;

/// An Orb Cloud API key (`orb-ok1-...`).
///
/// ```
/// let key = orb_cloud::ApiKey::new("orb-ok1-example")?;
/// assert_eq!(format!("{key:?}"), "ApiKey(redacted)");
/// # Ok::<(), orb_cloud::Error>(())
/// ```
#[derive(Clone)]
pub struct ApiKey(Zeroizing<String>);

/// Environment variable read by [`ApiKey::from_env`] and [`crate::OrbCloud::from_env`].
pub const API_KEY_ENV: &str = "ORB_CLOUD_API_KEY";

impl ApiKey {
    /// Wrap a key. Surrounding whitespace is trimmed; an empty key or one that cannot go in an
    /// HTTP header is refused (without repeating it).
    pub fn new(key: impl AsRef<str>) -> Result<Self, crate::Error> {
        let key = key.as_ref().trim();
        if key.is_empty() {
            return Err(crate::Error::MissingApiKey {
                source_hint: "the key given is empty",
            });
        }
        if HeaderValue::from_str(key).is_err() {
            return Err(crate::Error::InvalidApiKey);
        }
        Ok(Self(Zeroizing::new(key.to_string())))
    }

    /// Read the key from `ORB_CLOUD_API_KEY`.
    ///
    /// ```no_run
    /// let key = orb_cloud::ApiKey::from_env()?;
    /// # Ok::<(), orb_cloud::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, crate::Error> {
        match std::env::var(API_KEY_ENV) {
            Ok(value) if !value.trim().is_empty() => Self::new(Zeroizing::new(value).as_str()),
            _ => Err(crate::Error::MissingApiKey {
                source_hint: "ORB_CLOUD_API_KEY is not set or empty",
            }),
        }
    }

    /// The `Authorization` header value, marked sensitive so HTTP libraries redact it. The
    /// transport builds it once and shares it between requests (a cheap reference-counted clone),
    /// so the key is not copied per request; that one copy cannot be wiped (`http`'s header
    /// values cannot be), the text it was made from is.
    pub(crate) fn bearer_header(&self) -> HeaderValue {
        let text = Zeroizing::new(format!("Bearer {}", self.0.as_str()));
        let mut value =
            HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        value.set_sensitive(true);
        value
    }

    /// The key itself, for the few places that must send it somewhere other than a header.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// `text` with the key replaced by `[redacted]`, for messages made of what a server sent.
    ///
    /// A key of [`REDACT_ANYWHERE`] characters or more is replaced wherever it appears; a
    /// shorter one only where it stands as a word of its own, so that a test key such as `k`
    /// does not turn "Invalid API key" into "Invalid API [redacted]ey".
    pub(crate) fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let key: &str = &self.0;
        if !text.contains(key) {
            return Cow::Borrowed(text);
        }
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        for (at, _) in text.match_indices(key) {
            let end = at + key.len();
            let alone = !word(text[..at].chars().next_back()) && !word(text[end..].chars().next());
            if key.chars().count() >= REDACT_ANYWHERE || alone {
                out.push_str(&text[done..at]);
                out.push_str("[redacted]");
                done = end;
            }
        }
        if done == 0 {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[done..]);
        Cow::Owned(out)
    }
}

/// Keys at least this long are redacted even inside other words (see [`ApiKey::redact`]).
pub(crate) const REDACT_ANYWHERE: usize = 8;

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_keys_are_redacted_anywhere_short_ones_only_as_words() {
        let long = ApiKey::new("orb-ok1-abcdef").unwrap();
        assert_eq!(
            long.redact("Bearer orb-ok1-abcdef, xorb-ok1-abcdefx"),
            "Bearer [redacted], x[redacted]x"
        );
        let short = ApiKey::new("k").unwrap();
        assert_eq!(short.redact("Invalid API key"), "Invalid API key");
        assert_eq!(short.redact("key=k; k"), "key=[redacted]; [redacted]");
        assert!(matches!(short.redact("nothing here"), Cow::Borrowed(_)));
        let header = long.bearer_header();
        assert!(header.is_sensitive());
        assert_eq!(header.to_str().unwrap(), "Bearer orb-ok1-abcdef");
        let multibyte = ApiKey::new("é").unwrap();
        assert_eq!(multibyte.redact("é, café"), "[redacted], café");
    }
}
