//! How long temporary datasets run: Orb takes Go duration strings (`"5m"`, `"30m"`, `"1h"`,
//! `"2h"`). Parsed and checked here, so a bad value is refused before any request is sent.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A positive duration in Go's syntax (`"30s"`, `"5m"`, `"1h30m"`, `"1.5h"`).
///
/// ```
/// use orb_cloud::DatasetDuration;
/// let d: DatasetDuration = "1h30m".parse()?;
/// assert_eq!(d.as_duration().as_secs(), 5400);
/// assert_eq!(d.to_string(), "1h30m");
/// assert!("5 minutes".parse::<DatasetDuration>().is_err());
/// assert!("0s".parse::<DatasetDuration>().is_err());
/// # Ok::<(), orb_cloud::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DatasetDuration(Duration);

impl DatasetDuration {
    /// From a `Duration` (whole milliseconds, at least one).
    pub fn new(duration: Duration) -> Result<Self, crate::Error> {
        if duration < Duration::from_millis(1) {
            return Err(invalid("must be at least 1ms".into()));
        }
        Ok(Self(Duration::from_millis(
            duration.as_millis().min(u64::MAX as u128) as u64,
        )))
    }

    /// Minutes.
    pub fn minutes(m: u64) -> Self {
        Self(Duration::from_secs(m.max(1).saturating_mul(60)))
    }

    /// Hours.
    pub fn hours(h: u64) -> Self {
        Self(Duration::from_secs(h.max(1).saturating_mul(3600)))
    }

    /// The duration.
    pub fn as_duration(self) -> Duration {
        self.0
    }
}

fn invalid(reason: String) -> crate::Error {
    crate::Error::InvalidInput {
        what: "duration",
        reason,
    }
}

impl FromStr for DatasetDuration {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.is_empty() {
            return Err(invalid(
                "it is empty; use e.g. \"5m\", \"30m\", \"1h\"".into(),
            ));
        }
        let mut rest = text;
        let mut total_ns: f64 = 0.0;
        while !rest.is_empty() {
            let number_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (number, tail) = rest.split_at(number_len);
            if number.is_empty() || number == "." {
                return Err(invalid(format!("{s:?} is not a duration: expected a number at {rest:?} (e.g. \"5m\", \"1h30m\")")));
            }
            let value: f64 = number
                .parse()
                .map_err(|_| invalid(format!("{s:?} is not a duration: bad number {number:?}")))?;
            let unit_len = tail
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(tail.len());
            let (unit, next) = tail.split_at(unit_len);
            let scale = match unit {
                "ns" => 1.0,
                "us" | "µs" | "μs" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                "m" => 60e9,
                "h" => 3600e9,
                "" => {
                    return Err(invalid(format!(
                        "{s:?} has no unit: use s, m or h (e.g. \"{number}m\")"
                    )))
                }
                other => {
                    return Err(invalid(format!(
                        "{s:?} has an unknown unit {other:?}: use ms, s, m or h"
                    )))
                }
            };
            total_ns += value * scale;
            rest = next;
        }
        if !total_ns.is_finite() || total_ns > 1e18 {
            return Err(invalid(format!("{s:?} is too long")));
        }
        Self::new(Duration::from_nanos(total_ns as u64))
            .map_err(|_| invalid(format!("{s:?} must be longer than zero")))
    }
}

impl fmt::Display for DatasetDuration {
    /// The shortest Go form: `5m`, `1h30m`, `90s` is `1m30s`, `1500ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if !ms.is_multiple_of(1000) {
            return write!(f, "{ms}ms");
        }
        let secs = ms / 1000;
        let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
    }
}

impl serde::Serialize for DatasetDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl TryFrom<Duration> for DatasetDuration {
    type Error = crate::Error;
    fn try_from(d: Duration) -> Result<Self, Self::Error> {
        Self::new(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_go_durations() {
        for (text, secs, shown) in [
            ("5m", 300, "5m"),
            ("30m", 1800, "30m"),
            ("1h", 3600, "1h"),
            ("2h", 7200, "2h"),
            ("90s", 90, "1m30s"),
            ("1.5h", 5400, "1h30m"),
            ("1h30m", 5400, "1h30m"),
            (" 45s ", 45, "45s"),
        ] {
            let d: DatasetDuration = text.parse().unwrap();
            assert_eq!(d.as_duration(), Duration::from_secs(secs), "{text}");
            assert_eq!(d.to_string(), shown);
            assert_eq!(shown.parse::<DatasetDuration>().unwrap(), d);
        }
        assert_eq!(
            "1500ms".parse::<DatasetDuration>().unwrap().to_string(),
            "1500ms"
        );
    }

    #[test]
    fn refuses_bad_input_with_a_reason() {
        for (text, want) in [
            ("", "empty"),
            ("5", "no unit"),
            ("5 minutes", "unknown unit"),
            ("m", "expected a number"),
            ("0s", "longer than zero"),
            ("-5m", "expected a number"),
            ("1e9999h", "unknown unit"),
            ("99999999999999h", "too long"),
            ("1..5m", "bad number"),
        ] {
            let err = text.parse::<DatasetDuration>().unwrap_err().to_string();
            assert!(err.starts_with("invalid duration: "), "{text}: {err}");
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
