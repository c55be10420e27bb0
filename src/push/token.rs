//! The secret in a push URL. Orb's push configuration (`config.DataPush`) has no header or
//! signature field, so the only way for a receiver to tell its devices from strangers is a secret
//! the URL carries: `https://host/push/<token>`.

use std::fmt;

use subtle::ConstantTimeEq;

/// A push token: at least 16 URL-safe characters (`A-Z a-z 0-9 - _ .  ~`).
///
/// Never shown by `Debug`; compared in constant time, so timing does not reveal how much of a
/// guess was right.
///
/// ```
/// use orb_cloud::push::PushToken;
/// let token = PushToken::generate();
/// assert_eq!(token.expose_secret().len(), 32);
/// assert_eq!(format!("{token:?}"), "PushToken(redacted)");
/// assert!(token.matches(token.expose_secret()));
/// assert!(PushToken::new("short").is_err());
/// ```
#[derive(Clone)]
pub struct PushToken(Box<str>);

/// The shortest token accepted (16 characters of 64 possible each is 96 bits).
pub const MIN_TOKEN_LEN: usize = 16;

impl PushToken {
    /// A new random token (32 characters, 192 bits) from the operating system's generator.
    pub fn generate() -> Self {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bytes = [0u8; 32];
        if getrandom::fill(&mut bytes).is_err() {
            // No OS generator (exotic targets only): fall back to the per-process random keys
            // of std's hasher, still unpredictable from outside the process.
            use std::hash::{BuildHasher, Hasher};
            for chunk in bytes.chunks_mut(8) {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u128(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or_default(),
                );
                for (b, v) in chunk.iter_mut().zip(h.finish().to_le_bytes()) {
                    *b = v;
                }
            }
        }
        let text: String = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b & 63)]))
            .collect();
        Self(text.into())
    }

    /// Use a token of your own (e.g. from configuration, so a restarted receiver keeps its URL).
    pub fn new(token: impl AsRef<str>) -> Result<Self, TokenError> {
        let token = token.as_ref().trim();
        if token.len() < MIN_TOKEN_LEN {
            return Err(TokenError::TooShort { len: token.len() });
        }
        if let Some(c) = token
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')))
        {
            return Err(TokenError::BadCharacter(c));
        }
        Ok(Self(token.into()))
    }

    /// Whether `candidate` is this token, in time that depends only on the lengths.
    pub fn matches(&self, candidate: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(candidate.as_bytes()))
    }

    /// The token itself, to build the URL given to devices.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PushToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PushToken(redacted)")
    }
}

impl std::str::FromStr for PushToken {
    type Err = TokenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// Why a token was refused (the token itself is never repeated).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Shorter than [`MIN_TOKEN_LEN`].
    #[error("the push token is {len} characters long; use at least 16 (or let PushToken::generate() make one)")]
    TooShort {
        /// Its length.
        len: usize,
    },
    /// A character that does not belong in a URL path segment unescaped.
    #[error("the push token contains {0:?}; use only letters, digits, '-', '_', '.' and '~'")]
    BadCharacter(char),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_differ_and_are_valid() {
        let a = PushToken::generate();
        let b = PushToken::generate();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(PushToken::new(a.expose_secret()).is_ok());
    }

    #[test]
    fn matching_is_exact() {
        let t = PushToken::new("abcdefghijklmnop").unwrap();
        assert!(t.matches("abcdefghijklmnop"));
        assert!(!t.matches("abcdefghijklmnoq"));
        assert!(!t.matches("abcdefghijklmno"));
        assert!(!t.matches(""));
    }

    #[test]
    fn bad_tokens_are_refused_without_echo() {
        let err = PushToken::new("abcdefghijklmnop/secret").unwrap_err();
        assert_eq!(err, TokenError::BadCharacter('/'));
        assert!(!err.to_string().contains("secret"));
    }
}
