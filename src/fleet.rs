//! Every device of every organization the key can see, in one call: organizations are listed
//! concurrently (bounded), results stream as they arrive, and one organization's failure is
//! reported beside the others' devices instead of losing them.
//!
//! Staying within the rate limit is the transport's job, shared by every request: it waits for the
//! window to reset when `X-RateLimit-Remaining` reaches 0 and retries 429s after `Retry-After`.
//! On top of that the fan-out narrows itself: after a 429 or when the window is nearly spent it
//! starts at most one request at a time until answers are plentiful again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures_util::stream::{self, Stream, StreamExt};

use crate::client::OrbCloud;
use crate::device::Device;
use crate::error::Error;
use crate::resources::Organization;

/// One organization's devices, or why they could not be listed.
#[derive(Debug)]
#[non_exhaustive]
pub struct FleetItem {
    /// The organization.
    pub organization: Organization,
    /// Its devices, or the error listing them.
    pub devices: Result<Vec<Device>, Error>,
}

/// `client.fleet()`.
#[derive(Debug, Clone)]
pub struct Fleet<'a> {
    client: &'a OrbCloud,
    concurrency: usize,
}

impl<'a> Fleet<'a> {
    pub(crate) fn new(client: &'a OrbCloud) -> Self {
        Self {
            client,
            concurrency: 8,
        }
    }

    /// How many organizations are listed at once at most (default 8).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// List the organizations, then stream each one's devices as they arrive.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let mut fleet = client.fleet().devices().await?;
    /// while let Some(item) = fleet.next().await {
    ///     match item.devices {
    ///         Ok(devices) => println!("{:?}: {} devices", item.organization.name, devices.len()),
    ///         Err(e) => eprintln!("{:?}: {e}", item.organization.name),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn devices(&self) -> Result<impl Stream<Item = FleetItem> + 'a, Error> {
        let client = self.client;
        let organizations = client.organizations().list().await?;
        let gate = Arc::new(Gate::default());
        let concurrency = self.concurrency;
        let items = stream::iter(organizations.into_iter().map(move |organization| {
            let gate = gate.clone();
            async move {
                let _permit = gate.enter(client).await;
                let id = organization.organization_id.clone().unwrap_or_default();
                let devices = client.organization(id).devices().list().await;
                if matches!(devices, Err(Error::RateLimited { .. })) {
                    gate.narrow.store(true, Ordering::Relaxed);
                }
                FleetItem {
                    organization,
                    devices,
                }
            }
        }))
        .buffer_unordered(concurrency);
        Ok(items)
    }
}

/// Narrows the fan-out to one request at a time while the rate limit is tight.
#[derive(Default)]
struct Gate {
    narrow: AtomicBool,
    single: tokio::sync::Mutex<()>,
}

impl Gate {
    /// A permit to start one organization's request: none needed while the window has room, the
    /// single-file lock while it is tight or since a 429 (until headers show room again).
    async fn enter(&self, client: &OrbCloud) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        let state = client.rate_limit();
        let tight = state.is_some_and(|r| match (r.remaining, r.limit) {
            (Some(remaining), Some(limit)) => remaining.saturating_mul(10) < limit,
            (Some(remaining), None) => remaining < 2,
            _ => false,
        });
        if state.is_some() && !tight {
            self.narrow.store(false, Ordering::Relaxed);
        }
        if tight || self.narrow.load(Ordering::Relaxed) {
            Some(self.single.lock().await)
        } else {
            None
        }
    }
}
