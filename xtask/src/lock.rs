//! `spec/lock.json`: where the pinned document came from and the hashes that pin it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The lock file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    /// What `regen` was pointed at (`--from`, or the default URL).
    pub source: String,
    /// Where the document itself was read (differs from `source` behind a documentation page).
    pub document_url: String,
    /// When the document was obtained (UTC, RFC 3339). Kept as is while the document is unchanged.
    pub obtained_at: String,
    /// The upstream file in spec/ (`upstream.json` or `upstream.yaml`).
    pub upstream_file: String,
    /// `swagger-2.0`, `openapi-3.0` or `openapi-3.1`.
    pub upstream_format: String,
    /// SHA-256 of the upstream bytes.
    pub upstream_sha256: String,
    /// SHA-256 of spec/openapi.json.
    pub normalized_sha256: String,
    /// The progenitor release the code in generated/ comes from.
    pub progenitor: String,
    /// When the document is Orb's reconstructed stand-in, what it was rebuilt from
    /// (`info.x-orb-reconstructed.from`); absent for a real upstream document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconstructed_from: Option<String>,
}

impl Lock {
    /// Pretty JSON with a trailing newline.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Now, as RFC 3339 UTC to the second, without a date-time dependency.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(secs)
}

fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant), valid for the whole u64 range we can meet.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn sha256_of_empty() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
