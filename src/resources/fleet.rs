//! Every device of every organization the key can see, in one call: organizations are listed
//! concurrently (bounded), results stream as they arrive, and one organization's failure is
//! reported beside the others' devices instead of losing them.
//!
//! Staying within the rate limit is the transport's job, shared by every request: its pacer queues
//! requests at the server's refill rate once `X-RateLimit-Remaining` runs out, so the concurrent
//! listings here wait their turn instead of racing into 429s (which are still retried after
//! `Retry-After`).

use futures_util::stream::{self, Stream, StreamExt};

use super::Organization;
use crate::client::OrbCloud;
use crate::device::Device;
use crate::error::Error;

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
pub struct FleetHandle<'a> {
    client: &'a OrbCloud,
    concurrency: usize,
}

impl<'a> FleetHandle<'a> {
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
        let concurrency = self.concurrency;
        let items = stream::iter(
            organizations
                .into_iter()
                .map(move |organization| async move {
                    let devices = client.organization(&organization).devices().list().await;
                    FleetItem {
                        organization,
                        devices,
                    }
                }),
        )
        .buffer_unordered(concurrency);
        Ok(items)
    }
}
