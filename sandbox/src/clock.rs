//! The sandbox's wall clock, which tests can pause (with tokio's clock) and move forward.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The sandbox's clock: wall-clock milliseconds that follow tokio's clock (so paused test time
/// moves them too), plus an offset tests can add ([`crate::SandboxHandle::advance_clock`]).
#[derive(Debug)]
pub struct Clock {
    base_ms: i64,
    base: tokio::time::Instant,
    offset_ms: AtomicI64,
}

impl Clock {
    /// A clock starting at the system time now.
    pub fn new() -> Self {
        let base_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Clock {
            base_ms,
            base: tokio::time::Instant::now(),
            offset_ms: AtomicI64::new(0),
        }
    }

    /// Now, in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.base_ms
            + self.base.elapsed().as_millis() as i64
            + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(
            by.as_millis().min(i64::MAX as u128) as i64,
            Ordering::Relaxed,
        );
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}
