//! Durations as Orb's Go server reads them (`time.ParseDuration`): `"30s"`, `"5m"`, `"1h"`,
//! `"1h30m"`, `"1.5h"`, `"500ms"`.

use std::time::Duration;

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Empty string.
    #[error("duration is empty; use a Go duration such as \"30s\", \"5m\" or \"1h\"")]
    Empty,
    /// Not a Go duration.
    #[error("invalid duration {0:?}; use a Go duration such as \"30s\", \"5m\" or \"1h\"")]
    Invalid(String),
    /// A number without a unit.
    #[error("missing unit in duration {0:?}; use s, m or h (e.g. \"5m\")")]
    MissingUnit(String),
    /// An unknown unit.
    #[error("unknown unit {unit:?} in duration {input:?}; use ns, us, ms, s, m or h")]
    UnknownUnit {
        /// The unit found.
        unit: String,
        /// The whole input.
        input: String,
    },
    /// Too long.
    #[error("duration {0:?} is too long")]
    Overflow(String),
}

/// Parses a Go duration (without sign: a negative duration makes no sense here).
///
/// ```
/// use orb_cloud_sandbox::duration::parse_go_duration;
/// use std::time::Duration;
/// assert_eq!(parse_go_duration("5m").unwrap(), Duration::from_secs(300));
/// assert_eq!(parse_go_duration("1h30m").unwrap(), Duration::from_secs(5400));
/// assert!(parse_go_duration("5 minutes").is_err());
/// ```
pub fn parse_go_duration(input: &str) -> Result<Duration, DurationError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let invalid = || DurationError::Invalid(input.to_string());
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total_ns: u128 = 0;
    while i < bytes.len() {
        // Number: digits, optional fraction.
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &s[start..i];
        let mut frac_part = "";
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let fs = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_part = &s[fs..i];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        // Unit.
        let us = i;
        while i < bytes.len() && !bytes[i].is_ascii_digit() && bytes[i] != b'.' {
            i += 1;
        }
        let unit = &s[us..i];
        if unit.is_empty() {
            return Err(DurationError::MissingUnit(input.to_string()));
        }
        let unit_ns: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(DurationError::UnknownUnit {
                    unit: unit.to_string(),
                    input: input.to_string(),
                })
            }
        };
        if int_part.len() > 12 || frac_part.len() > 12 {
            return Err(DurationError::Overflow(input.to_string()));
        }
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut ns = int * unit_ns;
        if !frac_part.is_empty() {
            let frac: u128 = frac_part.parse().map_err(|_| invalid())?;
            let scale = 10u128.pow(frac_part.len() as u32);
            ns += frac * unit_ns / scale;
        }
        total_ns = total_ns
            .checked_add(ns)
            .ok_or_else(|| DurationError::Overflow(input.to_string()))?;
    }
    let secs = total_ns / 1_000_000_000;
    if secs > u64::MAX as u128 / 2 {
        return Err(DurationError::Overflow(input.to_string()));
    }
    Ok(Duration::new(
        secs as u64,
        (total_ns % 1_000_000_000) as u32,
    ))
}

/// Formats a duration the way Go prints short ones (`5m0s` → here `5m`, `1h30m`, `45s`, `250ms`).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let total = d.as_secs();
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let ok = [
            ("30s", 30_000),
            ("5m", 300_000),
            ("1h", 3_600_000),
            ("2h", 7_200_000),
            ("1h30m", 5_400_000),
            ("1.5h", 5_400_000),
            ("500ms", 500),
            ("0", 0),
            (" 10s ", 10_000),
        ];
        for (s, ms) in ok {
            assert_eq!(parse_go_duration(s).unwrap().as_millis(), ms, "{s}");
        }
        for bad in [
            "",
            "5",
            "m",
            "5 m",
            "5x",
            "-5m",
            "5m-",
            "1.h.",
            "abc",
            "99999999999999999h",
        ] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(format_duration(Duration::from_secs(300)), "5m");
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
    }
}
