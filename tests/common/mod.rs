//! Helpers shared by the integration tests (each test file that needs them says `mod common;`).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orb_cloud::retry::Sleeper;

/// A sleeper that records every wait and moves its own clock forward by it instead of sleeping,
/// so backoff is exact and tests are fast.
#[derive(Clone, Default)]
pub struct Recorder {
    waits: Arc<Mutex<Vec<Duration>>>,
    offset: Arc<Mutex<Duration>>,
}

impl Recorder {
    /// Every wait so far, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap().clone()
    }
}

impl Sleeper for Recorder {
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.waits.lock().unwrap().push(d);
        *self.offset.lock().unwrap() += d;
        Box::pin(async {})
    }
    fn now(&self) -> Instant {
        Instant::now() + *self.offset.lock().unwrap()
    }
}
