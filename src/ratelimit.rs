//! Rate-limit state as Orb Cloud last reported it. Orb documents 429 answers but no numbers or
//! headers; when `X-RateLimit-*` headers are present they are read, kept for callers to inspect,
//! and fed to the client's pacer (`pacer.rs`), which queues requests at the server's refill rate
//! instead of spending them on likely 429s.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName};

/// The rate-limit headers of the last response that had any.
///
/// ```no_run
/// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
/// client.organizations().list().await?;
/// if let Some(limit) = client.rate_limit() {
///     println!("{:?} of {:?} requests left", limit.remaining, limit.limit);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: requests allowed per window.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in this window.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`, as a point in time.
    pub reset_at: Option<SystemTime>,
    /// When the headers were read.
    pub observed_at: SystemTime,
}

/// The furthest a reset time is believed: a day. Further is a broken or hostile server, and
/// waiting for it would stall the client for good.
pub(crate) const MAX_RESET: Duration = Duration::from_secs(86_400);

impl RateLimit {
    /// Read the headers; `None` when the response has none of them.
    ///
    /// `X-RateLimit-Reset` is read as seconds from now when small, as a Unix time in seconds when
    /// it is a plausible one (after 2001), since servers use both.
    pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> Option<Self> {
        // Named once, not parsed from text at every answer.
        const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
        const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
        const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
        let number = |name: &HeaderName| -> Option<f64> {
            headers
                .get(name)?
                .to_str()
                .ok()?
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        let limit = number(&LIMIT).map(|v| v as u64);
        let remaining = number(&REMAINING).map(|v| v as u64);
        let reset_at = number(&RESET).map(|v| {
            let away = if v > 1_000_000_000.0 {
                let since_epoch = now
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs_f64();
                (v - since_epoch).max(0.0)
            } else {
                v
            };
            if away > MAX_RESET.as_secs_f64() {
                tracing::warn!(
                    reset = v,
                    "X-RateLimit-Reset is {away:.0} s away, which no rate limit means: read as {} s",
                    MAX_RESET.as_secs()
                );
            }
            now + Duration::from_secs_f64(away.min(MAX_RESET.as_secs_f64()))
        });
        (limit.is_some() || remaining.is_some() || reset_at.is_some()).then_some(Self {
            limit,
            remaining,
            reset_at,
            observed_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use std::time::UNIX_EPOCH;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn reads_delta_and_epoch_resets() {
        let now = UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        let r = RateLimit::from_headers(
            &headers(&[
                ("x-ratelimit-limit", "60"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "12"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!((r.limit, r.remaining), (Some(60), Some(0)));
        assert_eq!(r.reset_at, Some(now + Duration::from_secs(12)));
        let r = RateLimit::from_headers(
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1784000005"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!(r.reset_at, Some(now + Duration::from_secs(5)));
        let r = RateLimit::from_headers(
            &headers(&[("x-ratelimit-remaining", "3"), ("x-ratelimit-reset", "5")]),
            now,
        )
        .unwrap();
        assert_eq!((r.limit, r.remaining), (None, Some(3)));
    }

    #[test]
    fn absurd_resets_are_capped_at_a_day() {
        let now = UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        for absurd in ["99999999999", "1e300", "86401", "1.7976931348623157e308"] {
            let r =
                RateLimit::from_headers(&headers(&[("x-ratelimit-reset", absurd)]), now).unwrap();
            assert_eq!(r.reset_at, Some(now + MAX_RESET), "{absurd}");
        }
    }

    #[test]
    fn absent_or_garbage_headers_are_no_state() {
        let now = SystemTime::now();
        assert!(RateLimit::from_headers(&headers(&[]), now).is_none());
        assert!(
            RateLimit::from_headers(&headers(&[("x-ratelimit-remaining", "lots")]), now).is_none()
        );
        assert!(
            RateLimit::from_headers(&headers(&[("x-ratelimit-remaining", "-1")]), now).is_none()
        );
    }
}
