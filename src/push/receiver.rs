//! The HTTP side: an axum router that authenticates, limits, decodes and queues pushed records.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use super::handler::{handle, not_found, Shared};
use super::queue::{self, Counters, PushStream, ReceiverStats};
use super::server::{self, ConnectionLimits};
use super::tls::TlsConfig;
use super::token::PushToken;
use crate::datasets::{DatasetName, Format};

/// Builds a push receiver: [`bind`](PushReceiverBuilder::bind) it to an address, or take its
/// [`router`](PushReceiverBuilder::router) and mount it in your own axum application.
///
/// ```no_run
/// use orb_cloud::push::{PushReceiver, PushToken};
/// use std::time::Duration;
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let (receiver, events) = PushReceiver::builder()
///     .token(PushToken::new("a-long-random-secret-from-config")?)
///     .queue_capacity(100_000)
///     .retry_after(Duration::from_secs(5))
///     .bind("0.0.0.0:7081")
///     .await?;
/// // Give devices this URL (with the host name they can reach):
/// let url = receiver.url("https://ingest.example.com");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PushReceiverBuilder {
    token: Option<PushToken>,
    path: String,
    max_body_bytes: usize,
    queue_capacity: u32,
    admission_wait: Duration,
    retry_after: Duration,
    format: Format,
    hint: Option<DatasetName>,
    body_timeout: Duration,
    limits: ConnectionLimits,
    tls: Option<TlsConfig>,
    commit_wait: Option<Duration>,
}

/// Entry point: [`PushReceiver::builder`].
#[derive(Debug)]
pub struct PushReceiver;

impl PushReceiver {
    /// A builder with the defaults: a random token, path `/push`, 16 MiB bodies, room for
    /// 65,536 queued records, 1 s admission wait, `Retry-After: 1`, format detected per body,
    /// and the connection limits of an internet-facing service (each setter says why its
    /// default): 10 s header timeout, 60 s body timeout, 30 s idle timeout, 512 connections.
    pub fn builder() -> PushReceiverBuilder {
        PushReceiverBuilder {
            token: None,
            path: "/push".into(),
            max_body_bytes: 16 << 20,
            queue_capacity: 65_536,
            admission_wait: Duration::from_secs(1),
            retry_after: Duration::from_secs(1),
            format: Format::Auto,
            hint: None,
            body_timeout: Duration::from_secs(60),
            limits: ConnectionLimits {
                header_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(30),
                max_connections: 512,
            },
            tls: None,
            commit_wait: None,
        }
    }
}

impl PushReceiverBuilder {
    /// The secret devices must put in the URL (default: [`PushToken::generate`]).
    pub fn token(mut self, token: PushToken) -> Self {
        self.token = Some(token);
        self
    }

    /// The path before the token (default `/push`, so devices POST to `/push/<token>`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        let trimmed = path.trim_end_matches('/');
        self.path = if trimmed.starts_with('/') {
            trimmed.to_owned()
        } else {
            format!("/{trimmed}")
        };
        self
    }

    /// The largest body accepted, before and after gunzip (default 16 MiB; Orb devices buffer 2 MB
    /// by default). Larger requests get 413 and are not read further.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes.max(1);
        self
    }

    /// How many records may wait for the consumer (default 65,536). When the queue is full a POST
    /// waits up to [`admission_wait`](Self::admission_wait) for room, then gets 503.
    pub fn queue_capacity(mut self, records: u32) -> Self {
        self.queue_capacity = records.max(1);
        self
    }

    /// How long a POST may wait for room in the queue before 503 (default 1 s; zero answers 503
    /// at once).
    pub fn admission_wait(mut self, wait: Duration) -> Self {
        self.admission_wait = wait;
        self
    }

    /// The `Retry-After` sent with 503 (default 1 s; sent in whole seconds, at least 1).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = after;
        self
    }

    /// The body format (default [`Format::Auto`]: detected per body, since Orb does not document
    /// the `Content-Type` devices send).
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The dataset records without a known `dataset` value are read as (see
    /// [`parse_push`](crate::datasets::parse_push)); useful when one receiver gets one dataset.
    pub fn dataset_hint(mut self, dataset: impl Into<DatasetName>) -> Self {
        self.hint = Some(dataset.into());
        self
    }

    /// Time allowed to send a request head, from the connection's start for its first request
    /// (TLS handshake included) and from the head's first byte for later ones (default 10 s:
    /// a device's head is under 1 KiB; a peer trickling one is cut off). Own port only; a
    /// router you mount is under your server's limits.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Time allowed to receive a whole body once its head has arrived (default 60 s: a 2 MB
    /// push, an Orb's default buffer, at 270 kbit/s; the 16 MiB limit needs about 2.2 Mbit/s).
    /// Past it the request gets 408 and the connection is closed. Also holds in a mounted router.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a connection may stay open with no request in progress (default 30 s: a
    /// device that pushes less often opens a new connection, which costs it one round trip).
    /// Own port only.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The most connections open at once (default 512: well under the usual limit of 1,024
    /// open files, so the receiver never runs out of them; each costs at most 64 KiB of head
    /// buffer). At the cap the connection idle the longest is closed to make room; when all
    /// are busy, new ones are refused. Own port only.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections.max(1);
        self
    }

    /// Serve HTTPS with this certificate (default: plain HTTP). The token is in the URL's
    /// path, so without TLS anyone on the way can read it; a reverse proxy that ends TLS in
    /// front of a plain receiver is the other way. Own port only.
    ///
    /// ```no_run
    /// use orb_cloud::push::{PushReceiver, TlsConfig};
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let tls = TlsConfig::from_pem_files("fullchain.pem", "privkey.pem")?;
    /// let (receiver, events) = PushReceiver::builder().tls(tls).bind("0.0.0.0:7443").await?;
    /// assert!(receiver.local_url().starts_with("https://"));
    /// # Ok(()) }
    /// ```
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Whether [`tls`](Self::tls) was set.
    pub fn has_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Answer a POST only once its records are committed: the consumer takes them with
    /// [`PushStream::next_batch`], stores them (with [`PushBatch::raw`], their text as
    /// received) and calls [`PushBatch::acknowledge`]; the device gets its 2xx then. A batch
    /// not acknowledged within `wait`, or dropped without it, is answered 503 with
    /// `Retry-After` and the device sends it again: so nothing acknowledged is lost, and the
    /// store must drop what it already has (a resend may follow a commit whose answer was too
    /// late).
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use orb_cloud::push::PushReceiver;
    /// use std::time::Duration;
    /// let (receiver, mut events) = PushReceiver::builder()
    ///     .acknowledge_after_commit(Duration::from_secs(10))
    ///     .bind("0.0.0.0:7081")
    ///     .await?;
    /// while let Some(batch) = events.next_batch().await {
    ///     // ... commit batch.records, then:
    ///     batch.acknowledge();
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// [`PushBatch::raw`]: crate::push::PushBatch::raw
    /// [`PushBatch::acknowledge`]: crate::push::PushBatch::acknowledge
    pub fn acknowledge_after_commit(mut self, wait: Duration) -> Self {
        self.commit_wait = Some(wait);
        self
    }

    /// The router and the stream of what it receives, to mount in your own server.
    ///
    /// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` to get peers in
    /// [`Rejection::peer`](crate::push::Rejection::peer). The stream ends once every clone of the router is dropped.
    ///
    /// ```
    /// use orb_cloud::push::PushReceiver;
    /// let (push, events) = PushReceiver::builder().router();
    /// let app = axum::Router::new()
    ///     .route("/health", axum::routing::get(|| async { "ok" }))
    ///     .merge(push.router);
    /// assert!(push.path.starts_with("/push/"));
    /// # drop((app, events));
    /// ```
    pub fn router(self) -> (MountedReceiver, PushStream) {
        let token = self.token.clone().unwrap_or_else(PushToken::generate);
        let counters = Arc::new(Counters::default());
        let (sender, stream) = queue::channel(self.queue_capacity, counters.clone());
        let path = format!("{}/{}", self.path, token.expose_secret());
        let state = Arc::new(Shared {
            token,
            queue: sender,
            counters: counters.clone(),
            max_body_bytes: self.max_body_bytes,
            admission_wait: self.admission_wait,
            retry_after: self.retry_after,
            format: self.format,
            hint: self.hint,
            body_timeout: self.body_timeout,
            commit_wait: self.commit_wait,
        });
        let route = format!("{}/{{token}}", self.path);
        let router = Router::new()
            .route(&route, axum::routing::any(handle))
            .with_state(state);
        (
            MountedReceiver {
                router,
                path,
                counters,
            },
            stream,
        )
    }

    /// Start serving on `addr` (`"0.0.0.0:7081"`, or port 0 for any free port).
    pub async fn bind(
        self,
        addr: impl tokio::net::ToSocketAddrs,
    ) -> std::io::Result<(RunningReceiver, PushStream)> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        self.serve(listener)
    }

    /// Start serving on a listener you made.
    pub fn serve(
        self,
        listener: tokio::net::TcpListener,
    ) -> std::io::Result<(RunningReceiver, PushStream)> {
        let local_addr = listener.local_addr()?;
        let (limits, tls) = (self.limits, self.tls.clone());
        let (mounted, stream) = self.router();
        let MountedReceiver {
            router,
            path,
            counters,
        } = mounted;
        let fallback_counters = counters.clone();
        let router = router.fallback(move || {
            Counters::add(&fallback_counters.not_found, 1);
            not_found()
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let task = server::spawn(
            listener,
            router,
            limits,
            tls.as_ref(),
            counters.clone(),
            stop_rx,
        );
        Ok((
            RunningReceiver {
                local_addr,
                path,
                https: tls.is_some(),
                counters,
                stop: Some(stop_tx),
                task: Some(task),
            },
            stream,
        ))
    }
}

/// Reads a receiver's counters: [`RunningReceiver::stats_handle`].
#[derive(Debug, Clone)]
pub struct ReceiverStatsHandle(Arc<Counters>);

impl ReceiverStatsHandle {
    /// The counters now.
    pub fn get(&self) -> ReceiverStats {
        self.0.snapshot()
    }
}

/// A receiver's router, to mount in your own axum application.
#[derive(Debug)]
#[non_exhaustive]
pub struct MountedReceiver {
    /// Handles `POST <path>/<token>`; answers 404 to a wrong token and 405 to other methods.
    pub router: Router,
    /// The path devices must POST to (it contains the token: keep it secret).
    pub path: String,
    counters: Arc<Counters>,
}

impl MountedReceiver {
    /// What the receiver has done so far.
    pub fn stats(&self) -> ReceiverStats {
        self.counters.snapshot()
    }
}

/// A receiver serving on its own port. Dropping it stops the server (like
/// [`shutdown`](RunningReceiver::shutdown), without waiting).
#[derive(Debug)]
pub struct RunningReceiver {
    local_addr: SocketAddr,
    path: String,
    https: bool,
    counters: Arc<Counters>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl RunningReceiver {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The path devices POST to, `/push/<token>` (it contains the token: keep it secret).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The URL to give devices: `public_base` (how devices reach this host, e.g.
    /// `http://203.0.113.7:7081`) followed by [`path`](Self::path).
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// let (receiver, _events) = orb_cloud::push::PushReceiver::builder().bind("0.0.0.0:7081").await?;
    /// let url = receiver.url("http://203.0.113.7:7081/");
    /// assert!(url.starts_with("http://203.0.113.7:7081/push/"));
    /// # Ok(()) }
    /// ```
    pub fn url(&self, public_base: &str) -> String {
        format!("{}{}", public_base.trim_end_matches('/'), self.path)
    }

    /// The URL on loopback, for devices on this machine (and tests).
    pub fn local_url(&self) -> String {
        let ip = if self.local_addr.ip().is_unspecified() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            self.local_addr.ip()
        };
        let scheme = if self.https { "https" } else { "http" };
        self.url(&format!(
            "{scheme}://{}",
            SocketAddr::new(ip, self.local_addr.port())
        ))
    }

    /// Whether it serves HTTPS ([`PushReceiverBuilder::tls`]).
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// What the receiver has done so far.
    pub fn stats(&self) -> ReceiverStats {
        self.counters.snapshot()
    }

    /// A handle that reads the same counters from elsewhere (a metrics endpoint), and keeps
    /// reading them after the receiver has shut down.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// let (receiver, _events) = orb_cloud::push::PushReceiver::builder().bind("0.0.0.0:7081").await?;
    /// let stats = receiver.stats_handle();
    /// tokio::spawn(async move { println!("{:?}", stats.get()) });
    /// # Ok(()) }
    /// ```
    pub fn stats_handle(&self) -> ReceiverStatsHandle {
        ReceiverStatsHandle(self.counters.clone())
    }

    /// Stop accepting connections, let requests in progress finish, and wait. The stream then
    /// yields everything accepted and ends.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
