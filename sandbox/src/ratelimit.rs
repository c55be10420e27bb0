//! Per-key token buckets, on tokio's clock (so tests can pause and advance time).
//!
//! Orb documents 429 but no numbers and no headers. **The sandbox's assumption:** every answer to
//! an Orb path carries `X-RateLimit-Limit` (the bucket size), `X-RateLimit-Remaining` (whole tokens
//! left) and `X-RateLimit-Reset` (seconds until the bucket is full again); a 429 adds
//! `Retry-After` (seconds until one token is back, at least 1). Requests without a valid key are
//! counted per source address.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::time::Instant;

/// The configured limit: how fast each key's token bucket refills and how large it is.
///
/// ```
/// use orb_cloud_sandbox::ratelimit::RateLimitSettings;
/// let r = RateLimitSettings { rate_per_sec: 2.0, burst: 10 };
/// assert!(r.is_limited());
/// assert!(!RateLimitSettings::UNLIMITED.is_limited());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitSettings {
    /// Tokens added per second (0: no limit).
    pub rate_per_sec: f64,
    /// Bucket size: the most requests in a burst.
    pub burst: u32,
}

impl RateLimitSettings {
    /// No limit at all (no rate-limit headers either).
    pub const UNLIMITED: RateLimitSettings = RateLimitSettings {
        rate_per_sec: 0.0,
        burst: 0,
    };

    /// The default: 100 requests per second, bursts of 200.
    pub const DEFAULT: RateLimitSettings = RateLimitSettings {
        rate_per_sec: 100.0,
        burst: 200,
    };

    /// Whether requests are limited.
    pub fn is_limited(&self) -> bool {
        self.rate_per_sec > 0.0 && self.burst > 0
    }
}

/// The outcome for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// `X-RateLimit-Limit`.
    pub limit: u32,
    /// `X-RateLimit-Remaining`.
    pub remaining: u32,
    /// `X-RateLimit-Reset`: seconds until the bucket is full.
    pub reset_secs: u64,
    /// `Retry-After` for a refused request.
    pub retry_after_secs: u64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets by client identity.
#[derive(Debug)]
pub struct RateLimiter {
    settings: Mutex<RateLimitSettings>,
    buckets: Mutex<HashMap<String, Bucket>>,
    refused: AtomicU64,
}

fn ceil_secs(x: f64) -> u64 {
    if x <= 0.0 {
        0
    } else {
        x.ceil() as u64
    }
}

impl RateLimiter {
    /// Buckets with these settings.
    pub fn new(settings: RateLimitSettings) -> Self {
        RateLimiter {
            settings: Mutex::new(settings),
            buckets: Mutex::new(HashMap::new()),
            refused: AtomicU64::new(0),
        }
    }

    /// How many requests were refused (answered 429) since the sandbox started.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// The settings.
    pub fn settings(&self) -> RateLimitSettings {
        *self.settings.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the settings (buckets start full again).
    pub fn set_settings(&self, settings: RateLimitSettings) {
        *self.settings.lock().unwrap_or_else(|e| e.into_inner()) = settings;
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Takes one token for `client`; `None` when unlimited.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use orb_cloud_sandbox::ratelimit::{RateLimitSettings, RateLimiter};
    /// let rl = RateLimiter::new(RateLimitSettings { rate_per_sec: 1.0, burst: 2 });
    /// assert!(rl.check("k").unwrap().allowed);
    /// assert!(rl.check("k").unwrap().allowed);
    /// assert!(!rl.check("k").unwrap().allowed);
    /// # }
    /// ```
    pub fn check(&self, client: &str) -> Option<Decision> {
        let cfg = self.settings();
        if !cfg.is_limited() {
            return None;
        }
        let now = Instant::now();
        let burst = f64::from(cfg.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Bound memory under a flood of distinct anonymous clients: full buckets are dropped.
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.last).as_secs_f64() * cfg.rate_per_sec < burst
            });
        }
        let b = buckets.entry(client.to_string()).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let elapsed = now.duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * cfg.rate_per_sec).min(burst);
        b.last = now;
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        } else {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        Some(Decision {
            allowed,
            limit: cfg.burst,
            remaining: b.tokens.floor().max(0.0) as u32,
            reset_secs: ceil_secs((burst - b.tokens) / cfg.rate_per_sec),
            retry_after_secs: ceil_secs((1.0 - b.tokens) / cfg.rate_per_sec).max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn refills_on_tokio_time() {
        let rl = RateLimiter::new(RateLimitSettings {
            rate_per_sec: 2.0,
            burst: 4,
        });
        for i in 0..4 {
            let d = rl.check("a").unwrap();
            assert!(d.allowed, "{i}");
            assert_eq!(d.remaining, 3 - i);
        }
        let d = rl.check("a").unwrap();
        assert!(!d.allowed);
        assert_eq!(rl.refused(), 1);
        assert_eq!(d.retry_after_secs, 1);
        assert_eq!(d.reset_secs, 2);
        // Other clients are independent.
        assert!(rl.check("b").unwrap().allowed);
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(rl.check("a").unwrap().allowed);
        assert!(!rl.check("a").unwrap().allowed);
        tokio::time::advance(Duration::from_secs(10)).await;
        let d = rl.check("a").unwrap();
        assert!(d.allowed);
        assert_eq!(d.remaining, 3);
    }

    #[test]
    fn unlimited_has_no_decision() {
        let rl = RateLimiter::new(RateLimitSettings::UNLIMITED);
        assert!(rl.check("a").is_none());
    }
}
