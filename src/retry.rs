//! When and how long to wait before trying a request again.
//!
//! Modelled on the AWS SDKs' "standard" retry mode: a bounded number of attempts, full-jitter
//! exponential backoff (`random(0, min(cap, base * 2^attempt))`), server hints (`Retry-After`,
//! `X-RateLimit-Reset`) taking precedence, and one hard rule: a request that is not idempotent is
//! retried only when the server certainly did not act on it (a 429, or a connection that was never
//! made), never after a timeout once it was sent.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How failed requests are retried.
///
/// ```
/// use std::time::Duration;
/// let policy = orb_cloud::RetryPolicy::standard()
///     .max_attempts(5)
///     .base_delay(Duration::from_millis(500))
///     .max_delay(Duration::from_secs(10));
/// assert_eq!(policy.attempts(), 5);
/// assert_eq!(orb_cloud::RetryPolicy::disabled().attempts(), 1);
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
    jitter: Arc<dyn Jitter>,
}

impl std::fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("base", &self.base)
            .field("cap", &self.cap)
            .finish_non_exhaustive()
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// 3 attempts, 1 s base delay, 20 s cap, full jitter.
    pub fn standard() -> Self {
        Self {
            max_attempts: 3,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(20),
            jitter: Arc::new(RandomJitter::default()),
        }
    }

    /// One attempt, no retries.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::standard()
        }
    }

    /// Total attempts, including the first (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff's upper bound.
    pub fn base_delay(mut self, base: Duration) -> Self {
        self.base = base;
        self
    }

    /// No backoff (nor server-requested wait) is longer than this.
    pub fn max_delay(mut self, cap: Duration) -> Self {
        self.cap = cap;
        self
    }

    /// Replace the random source of the jitter (for deterministic tests).
    pub fn jitter(mut self, jitter: impl Jitter + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    /// Total attempts allowed.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed:
    /// full jitter over `min(cap, base * 2^(attempt-1))`, or the server's hint when it gave one
    /// (capped too).
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = orb_cloud::RetryPolicy::standard().jitter(orb_cloud::retry::FixedJitter(1.0));
    /// assert_eq!(p.delay(1, None), Duration::from_secs(1));
    /// assert_eq!(p.delay(3, None), Duration::from_secs(4));
    /// assert_eq!(p.delay(10, None), Duration::from_secs(20));
    /// assert_eq!(p.delay(1, Some(Duration::from_secs(7))), Duration::from_secs(7));
    /// ```
    pub fn delay(&self, attempt: u32, server_hint: Option<Duration>) -> Duration {
        if let Some(hint) = server_hint {
            return hint.min(self.cap);
        }
        let exp = attempt.saturating_sub(1).min(30);
        let ceiling = self.base.saturating_mul(1u32 << exp).min(self.cap);
        // Not `mul_f64`, which panics when a ceiling near `Duration::MAX` rounds past it.
        let fraction = self.jitter.fraction();
        let fraction = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        Duration::try_from_secs_f64(ceiling.as_secs_f64() * fraction)
            .map_or(ceiling, |d| d.min(ceiling))
    }
}

/// A source of jitter: a number in `[0, 1]` per backoff.
pub trait Jitter: Send + Sync {
    /// The fraction of the backoff ceiling to wait.
    fn fraction(&self) -> f64;
}

/// Always the same fraction: deterministic backoff for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedJitter(pub f64);

impl Jitter for FixedJitter {
    fn fraction(&self) -> f64 {
        self.0
    }
}

/// A small, fast, thread-safe pseudo-random source (splitmix64), seeded from the clock.
#[derive(Debug)]
pub struct RandomJitter(AtomicU64);

impl Default for RandomJitter {
    fn default() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Self(AtomicU64::new(seed))
    }
}

impl Jitter for RandomJitter {
    fn fraction(&self) -> f64 {
        let mut z = self
            .0
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How the client waits, and the clock it measures deadlines with. Tests swap in one that
/// records the waits, returns at once and advances its own clock.
pub trait Sleeper: Send + Sync {
    /// Wait for `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

    /// Now, on this sleeper's clock.
    fn now(&self) -> std::time::Instant {
        std::time::Instant::now()
    }
}

/// Waits with `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// What failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// An HTTP status.
    Status(u16),
    /// The connection was never made: the server cannot have acted.
    Connect,
    /// The request was sent and no answer came in time: the server may have acted.
    Timeout,
    /// Another transport failure after sending (reset, protocol error): the server may have acted.
    Other,
}

/// Whether a failure may be retried, given whether the request is idempotent.
pub(crate) fn retryable(failure: Failure, idempotent: bool) -> bool {
    match failure {
        // Rate limited: the request was refused, never processed.
        Failure::Status(429) | Failure::Connect => true,
        Failure::Status(502..=504) | Failure::Timeout | Failure::Other => idempotent,
        Failure::Status(_) => false,
    }
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    // Beyond a day is a broken or hostile server: capped like a rate-limit reset.
    let cap = crate::ratelimit::MAX_RESET;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(cap));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(cap.as_secs_f64())));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO).min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn delays_near_the_largest_duration_do_not_panic() {
        for fraction in [0.0, 0.5, 1.0, f64::NAN, f64::INFINITY, -1.0] {
            let policy = RetryPolicy::standard()
                .base_delay(Duration::MAX)
                .max_delay(Duration::MAX)
                .jitter(FixedJitter(fraction));
            for attempt in [1, 2, 31, u32::MAX] {
                assert!(policy.delay(attempt, None) <= Duration::MAX);
            }
            assert_eq!(policy.delay(1, Some(Duration::MAX)), Duration::MAX);
        }
        let full = RetryPolicy::standard()
            .base_delay(Duration::MAX)
            .jitter(FixedJitter(1.0));
        assert_eq!(
            full.delay(1, None),
            Duration::from_secs(20),
            "the cap still holds"
        );
    }

    #[test]
    fn full_jitter_stays_within_the_exponential_ceiling() {
        let p = RetryPolicy::standard();
        for attempt in 1..=8 {
            let ceiling = Duration::from_secs(1u64 << (attempt - 1)).min(Duration::from_secs(20));
            for _ in 0..200 {
                assert!(p.delay(attempt, None) <= ceiling, "attempt {attempt}");
            }
        }
        let zero = RetryPolicy::standard().jitter(FixedJitter(0.0));
        assert_eq!(zero.delay(4, None), Duration::ZERO);
    }

    #[test]
    fn random_jitter_is_spread_over_the_unit_interval() {
        let j = RandomJitter::default();
        let samples: Vec<f64> = (0..1000).map(|_| j.fraction()).collect();
        assert!(samples.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(samples.iter().any(|x| *x < 0.1) && samples.iter().any(|x| *x > 0.9));
    }

    #[test]
    fn server_hints_are_capped() {
        let p = RetryPolicy::standard().max_delay(Duration::from_secs(5));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn non_idempotent_requests_retry_only_when_the_server_cannot_have_acted() {
        assert!(retryable(Failure::Status(429), false));
        assert!(retryable(Failure::Connect, false));
        assert!(!retryable(Failure::Timeout, false));
        assert!(!retryable(Failure::Status(503), false));
        assert!(!retryable(Failure::Other, false));
        assert!(retryable(Failure::Timeout, true));
        for status in [502, 503, 504] {
            assert!(retryable(Failure::Status(status), true));
        }
        for status in [400, 401, 403, 404, 409, 500] {
            assert!(!retryable(Failure::Status(status), true), "{status}");
        }
    }

    #[test]
    fn retry_after_in_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 1.5 ", now),
            Some(Duration::from_millis(1500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        let _ = SystemTime::now();
    }
}
