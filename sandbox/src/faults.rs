//! Injected faults: latency, 503 answers and dropped connections, decided per request from the
//! seed and the request's arrival number (so the n-th request of a run always meets the same fate).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::Duration;

use crate::rng::mix;

/// Fault settings.
///
/// ```
/// use orb_cloud_sandbox::faults::Faults;
/// use std::time::Duration;
/// let f = Faults { latency: Duration::from_millis(20), fail_rate: 0.1, drop_rate: 0.05 };
/// assert!(f.validate().is_ok());
/// assert!(Faults { fail_rate: 1.5, ..Faults::NONE }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    /// Added before every answer to an Orb path.
    pub latency: Duration,
    /// Share of requests answered `503 Service Unavailable` (0 to 1).
    pub fail_rate: f64,
    /// Share of requests whose connection is closed without an answer (0 to 1).
    pub drop_rate: f64,
}

impl Faults {
    /// No fault.
    pub const NONE: Faults = Faults {
        latency: Duration::ZERO,
        fail_rate: 0.0,
        drop_rate: 0.0,
    };

    /// Checks the rates are in `[0, 1]` and add up to at most 1.
    pub fn validate(&self) -> Result<(), String> {
        let ok = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
        if !ok(self.fail_rate) {
            return Err(format!(
                "fail rate {} is not between 0 and 1",
                self.fail_rate
            ));
        }
        if !ok(self.drop_rate) {
            return Err(format!(
                "drop rate {} is not between 0 and 1",
                self.drop_rate
            ));
        }
        if self.fail_rate + self.drop_rate > 1.0 {
            return Err("fail rate plus drop rate exceeds 1".to_string());
        }
        if self.latency > Duration::from_secs(600) {
            return Err("latency above 600 s".to_string());
        }
        Ok(())
    }
}

impl Default for Faults {
    fn default() -> Self {
        Faults::NONE
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Answered normally.
    Answer,
    /// Answered 503.
    Fail,
    /// Connection closed without an answer.
    Drop,
}

/// Decides fates.
#[derive(Debug)]
pub struct FaultInjector {
    faults: RwLock<Faults>,
    seed: u64,
    counter: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
}

impl FaultInjector {
    /// An injector for `seed`.
    pub fn new(faults: Faults, seed: u64) -> Self {
        FaultInjector {
            faults: RwLock::new(faults),
            seed,
            counter: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    /// The settings.
    pub fn faults(&self) -> Faults {
        *self.faults.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the settings.
    pub fn set(&self, faults: Faults) {
        *self.faults.write().unwrap_or_else(|e| e.into_inner()) = faults;
    }

    /// The fate of request number `n` (0-based) under `faults`: a pure function of seed and `n`.
    pub fn fate_of(seed: u64, n: u64, faults: &Faults) -> Fate {
        let u = (mix(&[seed, 0xFA17, n]) >> 11) as f64 / (1u64 << 53) as f64;
        if u < faults.drop_rate {
            Fate::Drop
        } else if u < faults.drop_rate + faults.fail_rate {
            Fate::Fail
        } else {
            Fate::Answer
        }
    }

    /// Draws the next request's latency and fate.
    pub fn next(&self) -> (Duration, Fate) {
        let f = self.faults();
        if f.fail_rate == 0.0 && f.drop_rate == 0.0 {
            return (f.latency, Fate::Answer);
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let fate = Self::fate_of(self.seed, n, &f);
        match fate {
            Fate::Fail => self.failed.fetch_add(1, Ordering::Relaxed),
            Fate::Drop => self.dropped.fetch_add(1, Ordering::Relaxed),
            Fate::Answer => 0,
        };
        (f.latency, fate)
    }

    /// How many requests were failed and dropped so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.failed.load(Ordering::Relaxed),
            self.dropped.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_hold_and_repeat() {
        let f = Faults {
            latency: Duration::ZERO,
            fail_rate: 0.2,
            drop_rate: 0.1,
        };
        let fates: Vec<Fate> = (0..10_000)
            .map(|n| FaultInjector::fate_of(7, n, &f))
            .collect();
        let fails = fates.iter().filter(|f| **f == Fate::Fail).count();
        let drops = fates.iter().filter(|f| **f == Fate::Drop).count();
        assert!((1800..2200).contains(&fails), "{fails}");
        assert!((850..1150).contains(&drops), "{drops}");
        let again: Vec<Fate> = (0..10_000)
            .map(|n| FaultInjector::fate_of(7, n, &f))
            .collect();
        assert_eq!(fates, again);
    }
}
