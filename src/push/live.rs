//! `device.stream(...)`: a receiver, a temporary-datasets configuration pointing at it, renewed
//! while the stream lives, and the records as a stream.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::queue::{PushEvent, PushStream, ReceiverStats};
use super::receiver::{PushReceiver, PushReceiverBuilder, RunningReceiver};
use crate::datasets::{DatasetName, Record};
use crate::resources::{DeviceHandle, OrbId, OrganizationId};
use crate::{DatasetDuration, Error, OrbCloud, PushFormat, TempDatasets};

/// What [`DeviceHandle::stream`](crate::DeviceHandle::stream) sets up.
///
/// ```
/// use orb_cloud::push::LiveOptions;
/// use std::time::Duration;
/// let options = LiveOptions::new("http://203.0.113.7:7081", ["responsiveness_1s", "scores_1m"])
///     .interval(Duration::from_secs(1))
///     .stop_after(Duration::from_secs(300));
/// assert_eq!(options.listen_addr()?.port(), 7081);
/// # Ok::<(), orb_cloud::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct LiveOptions {
    public_url: String,
    datasets: Vec<DatasetName>,
    listen: Option<SocketAddr>,
    interval: Option<Duration>,
    format: PushFormat,
    window: DatasetDuration,
    stop_after: Option<Duration>,
    identifiable: Option<bool>,
    receiver: Option<PushReceiverBuilder>,
    drain_grace: Duration,
    behind_tls_proxy: bool,
}

impl LiveOptions {
    /// Push `datasets` to a receiver that devices reach at `public_url` (scheme, host, port and
    /// an optional path prefix; the receiver's `/push/<token>` is appended). Port 0 in the public
    /// URL stands for the port the receiver gets (with a listen address on port 0: for devices on
    /// the same host, e.g. the sandbox).
    pub fn new<S: AsRef<str>>(
        public_url: impl Into<String>,
        datasets: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            public_url: public_url.into(),
            datasets: datasets
                .into_iter()
                .map(|d| DatasetName::from(d.as_ref()))
                .collect(),
            listen: None,
            interval: None,
            format: PushFormat::Jsonl,
            window: DatasetDuration::minutes(5),
            stop_after: None,
            identifiable: None,
            receiver: None,
            drain_grace: Duration::from_secs(2),
            behind_tls_proxy: false,
        }
    }

    /// Where the receiver binds (default: all interfaces, on the public URL's port). Differs from
    /// the public URL behind NAT, a proxy or a tunnel.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = Some(addr);
        self
    }

    /// How often devices push (Orb's default is 60 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// The body format devices use (default jsonl, Orb's default).
    pub fn format(mut self, format: PushFormat) -> Self {
        self.format = format;
        self
    }

    /// How long each temporary configuration lasts (default 5 minutes). It is renewed before it
    /// ends while the stream lives; after the stream is dropped the device goes on pushing (to a
    /// receiver that is gone) until the current one ends, because Orb's API has no call to end
    /// temporary datasets early. Shorter windows bound that, at the cost of more renewals.
    pub fn window(mut self, window: DatasetDuration) -> Self {
        self.window = window;
        self
    }

    /// End the stream after this long (default: never). The last configuration is sized to end
    /// then too.
    pub fn stop_after(mut self, after: Duration) -> Self {
        self.stop_after = Some(after);
        self
    }

    /// After [`stop_after`](Self::stop_after), how long the receiver stays up for the devices'
    /// last POST of the window that just ended (default 2 s).
    pub fn drain_grace(mut self, grace: Duration) -> Self {
        self.drain_grace = grace;
        self
    }

    /// Ask devices for identifiable fields (names, IPs, coordinates) unmasked.
    pub fn identifiable(mut self, identifiable: bool) -> Self {
        self.identifiable = Some(identifiable);
        self
    }

    /// Configure the receiver (token, limits, queue); its bind address is [`listen`](Self::listen).
    pub fn receiver(mut self, builder: PushReceiverBuilder) -> Self {
        self.receiver = Some(builder);
        self
    }

    /// An `https://` public URL is served by a reverse proxy that ends TLS and forwards plain
    /// HTTP to the receiver (default false: an `https://` public URL needs the receiver to serve
    /// HTTPS itself, [`PushReceiverBuilder::tls`], and is refused otherwise, since the device
    /// could not talk to it).
    pub fn behind_tls_proxy(mut self, behind: bool) -> Self {
        self.behind_tls_proxy = behind;
        self
    }

    /// The address the receiver will bind.
    pub fn listen_addr(&self) -> Result<SocketAddr, Error> {
        if let Some(addr) = self.listen {
            return Ok(addr);
        }
        let url = self.parsed_url()?;
        let port = url.port_or_known_default().unwrap_or(80);
        Ok(SocketAddr::from(([0, 0, 0, 0], port)))
    }

    fn parsed_url(&self) -> Result<reqwest::Url, Error> {
        let invalid = |reason: String| Error::InvalidInput {
            what: "public URL",
            reason,
        };
        let url = reqwest::Url::parse(&self.public_url)
            .map_err(|e| invalid(format!("{:?}: {e}", self.public_url)))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(invalid(format!(
                "{:?} must be an http(s) URL with a host devices can reach",
                self.public_url
            )));
        }
        Ok(url)
    }

    fn window_at(&self, remaining: Option<Duration>) -> DatasetDuration {
        match remaining {
            Some(left) if left < self.window.as_duration() => {
                DatasetDuration::new(left.max(Duration::from_secs(1))).unwrap_or(self.window)
            }
            _ => self.window,
        }
    }
}

/// When to renew a configuration lasting `window`: a fifth of it (between 1 s and 60 s) before
/// it ends, to leave room for retries.
fn renew_after(window: Duration) -> Duration {
    let margin = (window / 5).clamp(Duration::from_secs(1), Duration::from_secs(60));
    window
        .saturating_sub(margin)
        .max(Duration::from_millis(500))
}

/// Live records from one device: see [`DeviceHandle::stream`](crate::DeviceHandle::stream).
///
/// Yields [`PushEvent`]s, and an `Err` when renewing the configuration failed (the stream goes on
/// and retries; records already configured keep arriving). Ends after
/// [`LiveOptions::stop_after`] once every accepted record is yielded. Dropping it stops renewing
/// and shuts the receiver down.
pub struct LiveStream {
    events: PushStream,
    errors: mpsc::UnboundedReceiver<Error>,
    task: tokio::task::JoinHandle<()>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    renewals: Arc<AtomicU64>,
    local_addr: SocketAddr,
    orb_id: String,
}

impl std::fmt::Debug for LiveStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveStream")
            .field("orb_id", &self.orb_id)
            .field("local_addr", &self.local_addr)
            .field("renewals", &self.renewals())
            .finish_non_exhaustive()
    }
}

impl LiveStream {
    /// The device.
    pub fn orb_id(&self) -> &str {
        &self.orb_id
    }

    /// Where the receiver listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// End early: the device is given a last configuration of one second (Orb's API has no
    /// call that ends temporary datasets, so a short one replaces the current one), renewing
    /// stops, and the stream yields what arrives meanwhile, then ends. Without this, a dropped
    /// stream leaves the device pushing to a closed receiver until its window ends.
    ///
    /// ```no_run
    /// # async fn demo(mut live: orb_cloud::push::LiveStream) {
    /// use futures_util::StreamExt;
    /// tokio::time::sleep(std::time::Duration::from_secs(60)).await; // or until Ctrl-C
    /// live.stop();
    /// while let Some(_event) = live.next().await {} // the last records, then the end
    /// # }
    /// ```
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// How many times the temporary configuration has been renewed so far.
    pub fn renewals(&self) -> u64 {
        self.renewals.load(Ordering::Relaxed)
    }

    /// What the receiver has done so far.
    pub fn stats(&self) -> ReceiverStats {
        self.events.stats()
    }

    /// Only the records (rejected records are logged) and renewal errors.
    pub fn records(self) -> impl Stream<Item = Result<Record, Error>> + Send + Unpin {
        futures_util::StreamExt::filter_map(self, |item| {
            std::future::ready(match item {
                Ok(PushEvent::Record(record)) => Some(Ok(record)),
                Ok(PushEvent::Rejected(rejection)) => {
                    for r in &rejection.records {
                        tracing::warn!(peer = ?rejection.peer, error = %r.error, "pushed record rejected");
                    }
                    None
                }
                Err(e) => Some(Err(e)),
            })
        })
    }
}

impl Stream for LiveStream {
    type Item = Result<PushEvent, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(Some(error)) = self.errors.poll_recv(cx) {
            return Poll::Ready(Some(Err(error)));
        }
        Pin::new(&mut self.events).poll_next(cx).map(|e| e.map(Ok))
    }
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        // Dropping the task drops the receiver, which stops the server.
        self.task.abort();
    }
}

impl DeviceHandle<'_> {
    /// Live records from this device: starts a push receiver, configures temporary datasets that
    /// push `options`' datasets to it, renews them before they end while the stream lives, and
    /// yields the records as they arrive. Needs the `push` feature and "Datasets: Write".
    ///
    /// The device must be able to reach [`LiveOptions`]' public URL;
    /// the receiver binds [`LiveOptions::listen`].
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use orb_cloud::push::LiveOptions;
    /// use std::time::Duration;
    /// # async fn demo(client: orb_cloud::OrbCloud) -> Result<(), orb_cloud::Error> {
    /// let options = LiveOptions::new("http://203.0.113.7:7081", ["responsiveness_1s"])
    ///     .interval(Duration::from_secs(1))
    ///     .stop_after(Duration::from_secs(60));
    /// let mut records = client.device("orb-id").stream(options).await?.records();
    /// while let Some(record) = records.next().await {
    ///     println!("{:?}", record?.timestamp_ms());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stream(&self, options: LiveOptions) -> Result<LiveStream, Error> {
        start(
            self.client(),
            self.organization().cloned(),
            self.checked_orb_id()?,
            options,
        )
        .await
    }
}

/// Devices speak the public URL's scheme; the receiver must answer in it (or a proxy must).
fn check_scheme(public: &reqwest::Url, tls: bool, behind_proxy: bool) -> Result<(), Error> {
    let reason = match (public.scheme(), tls, behind_proxy) {
        ("https", false, false) => {
            "it is https:// but the receiver serves plain HTTP: give the receiver a certificate \
             (PushReceiverBuilder::tls), or, if a reverse proxy in front of it ends TLS, say so \
             (LiveOptions::behind_tls_proxy)"
        }
        ("http", true, _) => {
            "it is http:// but the receiver serves HTTPS: devices would send plain HTTP to it; \
             use https://"
        }
        _ => return Ok(()),
    };
    Err(Error::InvalidInput {
        what: "public URL",
        reason: reason.into(),
    })
}

async fn start(
    client: &OrbCloud,
    organization: Option<OrganizationId>,
    orb_id: &str,
    options: LiveOptions,
) -> Result<LiveStream, Error> {
    let public = options.parsed_url()?;
    let listen = options.listen_addr()?;
    let builder = options
        .receiver
        .clone()
        .unwrap_or_else(PushReceiver::builder);
    check_scheme(&public, builder.has_tls(), options.behind_tls_proxy)?;
    let (receiver, events) = builder
        .bind(listen)
        .await
        .map_err(|source| Error::PushReceiver {
            addr: listen.to_string(),
            source,
        })?;
    let mut public = public;
    if public.port() == Some(0) {
        // Port 0: "the port the receiver got" (same-host devices, tests).
        let _ = public.set_port(Some(receiver.local_addr().port()));
    }
    let url = receiver.url(public.as_str());
    let started = Instant::now();
    // A stop past the end of the clock is no stop.
    let stop_at = options.stop_after.and_then(|d| started.checked_add(d));
    let drain_grace = options.drain_grace;
    let stop_after = options.stop_after;
    let datasets = options.datasets.clone();
    let request = move |remaining: Option<Duration>| {
        let mut request = TempDatasets::push_to(
            url.clone(),
            options.datasets.iter().map(|d| d.as_str().to_owned()),
            options.window_at(remaining),
        )
        .format(options.format);
        if let Some(interval) = options.interval {
            request = request.interval(interval);
        }
        if let Some(identifiable) = options.identifiable {
            request = request.identifiable(identifiable);
        }
        request
    };
    let first = request(stop_after);
    let device = DeviceHandle::new(client, organization.clone(), orb_id.into());
    device.temp_datasets(&first).await?;
    tracing::info!(orb_id, ?datasets, window = %first.duration(), "live stream started");

    let (errors_tx, errors) = mpsc::unbounded_channel();
    let renewals = Arc::new(AtomicU64::new(0));
    let local_addr = receiver.local_addr();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(renew(
        Renewal {
            client: client.clone(),
            organization,
            orb_id: orb_id.to_owned(),
            receiver,
            stop_at,
            renewals: renewals.clone(),
            errors: errors_tx,
            drain_grace,
            stop: stop_rx,
        },
        first.duration().as_duration(),
        request,
    ));
    Ok(LiveStream {
        events,
        errors,
        task,
        stop: Some(stop_tx),
        renewals,
        local_addr,
        orb_id: orb_id.to_owned(),
    })
}

struct Renewal {
    client: OrbCloud,
    organization: Option<OrganizationId>,
    orb_id: String,
    receiver: RunningReceiver,
    stop_at: Option<Instant>,
    renewals: Arc<AtomicU64>,
    errors: mpsc::UnboundedSender<Error>,
    drain_grace: Duration,
    stop: tokio::sync::oneshot::Receiver<()>,
}

async fn renew(
    renewal: Renewal,
    first_window: Duration,
    request: impl Fn(Option<Duration>) -> TempDatasets + Send + 'static,
) {
    let Renewal {
        client,
        organization,
        orb_id,
        receiver,
        stop_at,
        renewals,
        errors,
        drain_grace,
        mut stop,
    } = renewal;
    let mut stop_open = true;
    let mut expires = Instant::now() + first_window;
    let mut next = Instant::now() + renew_after(first_window);
    loop {
        let wake = match stop_at {
            // The configuration in place lasts until the stop: nothing to renew.
            Some(stop) if stop <= next || expires >= stop => stop,
            _ => next,
        };
        let stopped = tokio::select! {
            () = tokio::time::sleep_until(wake) => false,
            // A dropped sender is the stream dropped: nothing to tell the device then.
            asked = &mut stop, if stop_open => {
                stop_open = false;
                asked.is_ok()
            }
        };
        if !stopped && Instant::now() < wake {
            continue; // the stream was dropped: go on as before until the stop
        }
        if stopped {
            // The shortest window replaces the current one: the device stops within a second.
            let last = request(Some(Duration::from_secs(1)));
            let device = DeviceHandle::new(&client, organization.clone(), OrbId::from(&orb_id));
            if let Err(error) = device.temp_datasets(&last).await {
                tracing::warn!(orb_id, %error, "could not shorten the device's push on stop");
                let _ = errors.send(error);
            }
            tracing::info!(orb_id, "live stream stopped early");
            break;
        }
        let now = Instant::now();
        if stop_at.is_some_and(|stop| now >= stop) {
            break;
        }
        let remaining = stop_at.map(|stop| stop.saturating_duration_since(now));
        let body = request(remaining);
        let window = body.duration().as_duration();
        let device = DeviceHandle::new(&client, organization.clone(), OrbId::from(&orb_id));
        match device.temp_datasets(&body).await {
            Ok(_) => {
                renewals.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(orb_id, window = %body.duration(), "live stream renewed");
                expires = Instant::now() + window;
                next = Instant::now() + renew_after(window);
            }
            Err(error) => {
                tracing::warn!(orb_id, %error, "renewing the live stream failed; retrying");
                let _ = errors.send(error);
                // Try again soon, but not after the current configuration has ended for long.
                let left = expires.saturating_duration_since(Instant::now());
                next = Instant::now()
                    + (left / 4).clamp(Duration::from_secs(1), Duration::from_secs(30));
            }
        }
    }
    // Stop: wait for the devices' last POST, finish requests in progress; the stream yields what
    // was accepted, then ends.
    drop(errors);
    tokio::time::sleep(drain_grace).await;
    if let Err(error) = receiver.shutdown().await {
        tracing::warn!(orb_id, %error, "the push receiver did not shut down cleanly");
    }
}
