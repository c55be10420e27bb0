//! Client-side pacing: one mirror of the server's token bucket, shared by every request of a
//! client, so that concurrent requests queue behind each other at the rate the server refills
//! instead of each seeing `X-RateLimit-Remaining: 0` at once and racing into a 429 whose
//! `Retry-After` (whole seconds) costs far more than the wait it was meant to save.
//!
//! Orb documents 429 answers but no numbers and no headers. When a response carries
//! `X-RateLimit-Remaining` the pacer keeps an estimate of the tokens available, anchored to the
//! server's figure at every answer: each request reserves one token before it is sent and, when
//! none is left, waits the time its token takes to come back. Without those headers it only
//! holds every request after a 429 until its `Retry-After` has passed; the refused request itself
//! is retried by the retry policy.
//!
//! The refill rate is the larger of two lower bounds:
//! - what the headers imply, `(limit - remaining) / reset` (coarse: servers send whole seconds);
//! - what has been observed since the bucket was last seen empty: every answered request sent
//!   after that moment took a refilled token, so `(answered + remaining - 1) / elapsed` tokens per
//!   second came back at least.
//!
//! **Assumption** (Orb documents none of this): one bucket per API key, shared by every endpoint,
//! as the sandbox implements it. A server with separate buckets per endpoint would make the pacer
//! wait for the tightest of them; 429s from any bucket are still retried after `Retry-After`.
//!
//! Underestimating the rate costs little, because surplus tokens show up in the next answer's
//! `Remaining` and are used at once; overestimating costs a 429, after which the learned rate is
//! lowered.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::ratelimit::RateLimit;

/// The longest a request waits for its token: beyond this the server's 429 and `Retry-After`
/// are a better guide than a rate estimate.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// Observation shorter than this does not yield a learned rate (too few tokens to count).
const MIN_CALIBRATION: Duration = Duration::from_millis(100);

/// After a 429 the learned rate is multiplied by this.
const BACKOFF: f64 = 0.8;

#[derive(Debug, Default)]
pub(crate) struct Pacer {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Whether any answer has reported `Remaining`: until then the pacer never waits.
    known: bool,
    /// Tokens believed available at `at`; negative when promised to waiting requests.
    tokens: f64,
    at: Option<Instant>,
    /// `X-RateLimit-Limit`, the bucket's size.
    limit: Option<f64>,
    /// Tokens per second the headers imply, at least.
    header_rate: Option<f64>,
    /// Tokens per second observed to come back, at least.
    learned_rate: Option<f64>,
    /// Since when refills are being counted (the bucket was seen empty).
    calibration: Option<Calibration>,
    /// Reserved tokens whose requests have not been answered.
    outstanding: u32,
    /// The largest `X-RateLimit-Remaining` seen.
    most_seen: f64,
    /// Without rate-limit headers: no request starts before this (a 429's `Retry-After`).
    hold_until: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Calibration {
    since: Instant,
    remaining_then: f64,
    answered: u64,
}

impl State {
    fn rate(&self) -> Option<f64> {
        match (self.header_rate, self.learned_rate) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
        .filter(|r| *r > 0.0 && r.is_finite())
    }

    fn refill(&mut self, now: Instant) {
        if let (Some(at), Some(rate)) = (self.at, self.rate()) {
            let gained = now.saturating_duration_since(at).as_secs_f64() * rate;
            // A bucket holds at most its size; without `X-RateLimit-Limit`, at most the most the
            // server ever reported left.
            let size = self.limit.unwrap_or(self.most_seen);
            self.tokens = (self.tokens + gained).min(size);
        }
        self.at = Some(now);
    }
}

/// One request's reserved token: answered with [`Permit::answered`], or given back on drop
/// (a request that failed or was cancelled before an answer).
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    pacer: &'a Pacer,
    /// How long to wait before sending (the larger of the two below).
    #[cfg(test)]
    pub wait: Option<Duration>,
    /// Of which: the time for a token to come back.
    refill: Option<Duration>,
    /// Of which: what is left of a 429's `Retry-After` hold (no rate-limit headers).
    held: Option<Duration>,
    /// When the token was reserved (before the wait).
    reserved_at: Instant,
    done: bool,
}

impl Pacer {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserve a token for one request about to be sent; the permit says how long to wait first.
    pub(crate) fn reserve(&self, now: Instant) -> Permit<'_> {
        let mut s = self.lock();
        s.outstanding += 1;
        let wait = if s.known {
            s.refill(now);
            s.tokens -= 1.0;
            match s.rate() {
                Some(rate) if s.tokens < 0.0 => Some(Duration::from_secs_f64(
                    (-s.tokens / rate).min(MAX_WAIT.as_secs_f64()),
                )),
                _ => None,
            }
        } else {
            None
        };
        let held = s
            .hold_until
            .and_then(|until| until.checked_duration_since(now))
            .filter(|d| !d.is_zero());
        let refill = wait;
        Permit {
            pacer: self,
            #[cfg(test)]
            wait: match (wait, held) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            refill,
            held,
            reserved_at: now,
            done: false,
        }
    }
}

impl Permit<'_> {
    /// How long to wait before sending. After a refused attempt's backoff (`backed_off`
    /// nonzero), the hold of that 429 counts as served by it: one wait per refused attempt, not
    /// the backoff and then the rest of the hold. A token's refill is counted from now and is
    /// always waited.
    pub(crate) fn wait_after(&self, backed_off: Duration) -> Option<Duration> {
        let held = self.held.filter(|_| backed_off.is_zero());
        match (self.refill, held) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
        .filter(|w| !w.is_zero())
    }

    /// The request was answered at `now` with this status, these rate-limit headers and this
    /// `Retry-After`.
    pub(crate) fn answered(
        mut self,
        now: Instant,
        status: u16,
        limit: Option<&RateLimit>,
        retry_after: Option<Duration>,
    ) {
        self.done = true;
        let mut s = self.pacer.lock();
        s.outstanding = s.outstanding.saturating_sub(1);
        let Some((limit, remaining)) = limit.and_then(|l| Some((l, l.remaining? as f64))) else {
            // No headers to pace by (Orb documents none): after a 429, every request of this
            // client waits out its `Retry-After` instead of spending more 429s meanwhile.
            if let (429, Some(after)) = (status, retry_after) {
                let until = now + after.min(MAX_WAIT);
                s.hold_until = Some(s.hold_until.map_or(until, |h| h.max(until)));
            }
            return;
        };
        s.known = true;
        s.limit = limit.limit.map(|l| l as f64);
        s.most_seen = s.most_seen.max(remaining);
        if let (Some(l), Some(reset_at)) = (limit.limit, limit.reset_at) {
            let reset = reset_at
                .duration_since(limit.observed_at)
                .unwrap_or_default()
                .as_secs_f64();
            if reset > 0.0 {
                s.header_rate = Some(l.saturating_sub(remaining as u64) as f64 / reset);
            }
        }
        // Anchor to the server's figure, less what is promised to requests not yet answered.
        s.tokens = remaining - f64::from(s.outstanding);
        s.at = Some(now);

        if status == 429 {
            // Too fast: the rate was overestimated (or another client shares the key).
            s.learned_rate = s.learned_rate.map(|r| r * BACKOFF);
            s.calibration = Some(Calibration {
                since: now,
                remaining_then: remaining,
                answered: 0,
            });
            return;
        }
        if s.limit.is_some_and(|l| remaining >= l) {
            // A full bucket wastes refills: counting them would underestimate the rate.
            s.calibration = None;
            return;
        }
        match s.calibration.as_mut() {
            None if remaining < 1.0 => {
                s.calibration = Some(Calibration {
                    since: now,
                    remaining_then: remaining,
                    answered: 0,
                });
            }
            None => {}
            Some(c) => {
                if self.reserved_at >= c.since {
                    c.answered += 1;
                }
                let elapsed = now.saturating_duration_since(c.since);
                if elapsed >= MIN_CALIBRATION {
                    let refilled = c.answered as f64 + remaining - c.remaining_then - 1.0;
                    if refilled > 0.0 {
                        s.learned_rate = Some(refilled / elapsed.as_secs_f64());
                    }
                }
            }
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done {
            let mut s = self.pacer.lock();
            s.outstanding = s.outstanding.saturating_sub(1);
            // The token was not spent as far as we know; give it back.
            if s.known {
                s.tokens += 1.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn limit(limit: u64, remaining: u64, reset_secs: u64) -> RateLimit {
        let now = UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        RateLimit {
            limit: Some(limit),
            remaining: Some(remaining),
            reset_at: Some(now + Duration::from_secs(reset_secs)),
            observed_at: now,
        }
    }

    #[test]
    fn nothing_known_means_no_waiting() {
        let p = Pacer::default();
        let t = Instant::now();
        for _ in 0..100 {
            let permit = p.reserve(t);
            assert_eq!(permit.wait, None);
            permit.answered(t, 200, None, None);
        }
    }

    #[test]
    fn without_headers_a_429_holds_every_request_for_its_retry_after() {
        let p = Pacer::default();
        let t = Instant::now();
        let a = p.reserve(t);
        let b = p.reserve(t);
        a.answered(t, 429, None, Some(Duration::from_secs(2)));
        // Others wait out the rest of the window; the refused one too when it tries again.
        let c = p.reserve(t + Duration::from_millis(500));
        assert_eq!(c.wait, Some(Duration::from_millis(1500)));
        b.answered(t, 200, None, None);
        assert_eq!(p.reserve(t + Duration::from_secs(2)).wait, None);
        // A 429 without Retry-After leaves the retry policy's backoff in charge.
        p.reserve(t).answered(t, 429, None, None);
        assert_eq!(p.reserve(t + Duration::from_secs(3)).wait, None);
        drop(c);
    }

    #[test]
    fn an_idle_bucket_without_a_limit_header_refills_only_to_the_most_seen() {
        let p = Pacer::default();
        let t = Instant::now();
        let remaining_only = |remaining| RateLimit {
            limit: None,
            remaining: Some(remaining),
            reset_at: None,
            observed_at: std::time::SystemTime::now(),
        };
        p.reserve(t)
            .answered(t, 200, Some(&remaining_only(3)), None);
        // Learn a rate: the bucket was seen empty, and 200 ms later it had 3 again.
        p.reserve(t)
            .answered(t, 200, Some(&remaining_only(0)), None);
        let later = t + Duration::from_millis(200);
        p.reserve(t)
            .answered(later, 200, Some(&remaining_only(3)), None);
        assert!(p.lock().rate().is_some());
        // After a long idle, 3 go at once and the 4th waits.
        let idle = t + Duration::from_secs(3600);
        let first: Vec<_> = (0..3).map(|_| p.reserve(idle)).collect();
        assert!(first.iter().all(|p| p.wait.is_none()));
        assert!(p.reserve(idle).wait.is_some());
        drop(first);
    }

    #[test]
    fn concurrent_requests_queue_at_the_header_rate() {
        let p = Pacer::default();
        let t = Instant::now();
        // 60 per 5 s, none left: 12 tokens a second at least.
        p.reserve(t).answered(t, 200, Some(&limit(60, 0, 5)), None);
        let waits: Vec<_> = (0..3).map(|_| p.reserve(t)).collect();
        let ms: Vec<u128> = waits.iter().map(|w| w.wait.unwrap().as_millis()).collect();
        assert_eq!(ms, vec![83, 166, 250]);
    }

    #[test]
    fn tokens_left_are_used_without_waiting() {
        let p = Pacer::default();
        let t = Instant::now();
        p.reserve(t).answered(t, 200, Some(&limit(10, 3, 1)), None);
        let a = p.reserve(t);
        let b = p.reserve(t);
        let c = p.reserve(t);
        assert_eq!((a.wait, b.wait, c.wait), (None, None, None));
        // The fourth waits for a refill (7 tokens per second at least).
        let d = p.reserve(t);
        assert!(d.wait.is_some());
        // A request that failed without an answer gives its token back.
        drop(a);
        assert_eq!(p.lock().outstanding, 3);
        assert!(p.lock().tokens > -1.0);
        drop((b, c, d));
    }

    #[test]
    fn the_refill_rate_is_learned_from_answers() {
        // A server refilling 50 tokens a second, reporting whole-second resets (so the headers
        // alone imply only 10 a second).
        let p = Pacer::default();
        let start = Instant::now();
        let mut server_tokens = 0.0f64;
        let mut last = start;
        let mut now = start;
        p.reserve(now)
            .answered(now, 200, Some(&limit(10, 0, 1)), None);
        let mut refused = 0;
        for _ in 0..200 {
            let permit = p.reserve(now);
            now += permit.wait.unwrap_or_default();
            server_tokens =
                (server_tokens + now.duration_since(last).as_secs_f64() * 50.0).min(10.0);
            last = now;
            let status = if server_tokens >= 1.0 {
                server_tokens -= 1.0;
                200
            } else {
                refused += 1;
                429
            };
            let reset = ((10.0 - server_tokens) / 50.0).ceil() as u64;
            permit.answered(
                now,
                status,
                Some(&limit(10, server_tokens.floor() as u64, reset)),
                None,
            );
        }
        let rate = 200.0 / now.duration_since(start).as_secs_f64();
        assert!(rate > 45.0, "paced at {rate:.1}/s");
        assert!(refused <= 2, "{refused} refused");
    }
}
