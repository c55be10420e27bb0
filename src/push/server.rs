//! Serving the receiver on its own port with the limits an internet-facing service needs.
//!
//! `axum::serve` has no header, idle or handshake timeout and no connection cap: a peer could
//! hold connections open for as long as it liked, trickle a header for ever, or open enough of
//! them to use up the process's file descriptors, all without knowing the token. This accept
//! loop serves the same router through hyper with:
//!
//! - a **header timeout**: a connection must have sent a whole request head (TLS handshake
//!   included) within it of being accepted, and each later head within it of its first byte
//!   (hyper's `header_read_timeout`);
//! - an **idle timeout**: a connection with no request in progress is closed once it has been
//!   quiet that long;
//! - a **connection cap**: at the cap, the connection idle the longest is closed to make room
//!   (a device reconnects; a peer that holds connections open loses them first); when every
//!   connection is busy, the new one is refused;
//! - request heads of at most [`MAX_HEAD_BYTES`], so that the cap also bounds memory;
//! - the body timeout, in the handler (`receiver.rs`), so it also holds in a router you mount.
//!
//! Shutdown stops accepting, lets requests in progress finish and closes idle connections.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch, Notify};
use tokio::task::JoinSet;

use super::queue::Counters;
use super::tls::TlsConfig;

/// The largest request head (request line and headers) read: a device's is under 1 KiB.
pub const MAX_HEAD_BYTES: usize = 64 << 10;

/// How long the accept loop pauses when the process is out of file descriptors (or another
/// resource), instead of spinning on the error.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The connection limits of a receiver serving on its own port.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// One open connection, as the accept loop and its watchdog see it.
struct Conn {
    opened: Instant,
    /// Milliseconds after `opened` of the last request start or end.
    last_active_ms: AtomicU64,
    in_flight: AtomicU32,
    requests: AtomicU64,
    evicting: AtomicBool,
    close: Notify,
    /// A request started or ended: the watchdog's deadline moved.
    changed: Notify,
}

impl Conn {
    fn touch(&self) {
        let ms = self.opened.elapsed().as_millis() as u64;
        self.last_active_ms.store(ms, Ordering::Relaxed);
        self.changed.notify_one();
    }

    fn last_active(&self) -> Instant {
        self.opened + Duration::from_millis(self.last_active_ms.load(Ordering::Relaxed))
    }

    /// When the watchdog closes it, if nothing happens before.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None; // the handler's body timeout bounds a request in progress
        }
        Some(if self.requests.load(Ordering::Acquire) == 0 {
            self.opened + limits.header_timeout
        } else {
            self.last_active() + limits.idle_timeout
        })
    }
}

/// The open connections, for the cap and for eviction.
#[derive(Default)]
struct Registry {
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Room for one more connection: registered, or `None` when every connection is busy.
    fn admit(&self, limits: &ConnectionLimits, counters: &Counters) -> Option<(u64, Arc<Conn>)> {
        let mut conns = self.lock();
        let live = conns
            .values()
            .filter(|c| !c.evicting.load(Ordering::Relaxed))
            .count();
        if live >= limits.max_connections {
            let idlest = conns
                .values()
                .filter(|c| {
                    !c.evicting.load(Ordering::Relaxed) && c.in_flight.load(Ordering::Acquire) == 0
                })
                .min_by_key(|c| c.last_active())?;
            idlest.evicting.store(true, Ordering::Relaxed);
            idlest.close.notify_one();
            Counters::add(&counters.evicted, 1);
        }
        let conn = Arc::new(Conn {
            opened: Instant::now(),
            last_active_ms: AtomicU64::new(0),
            in_flight: AtomicU32::new(0),
            requests: AtomicU64::new(0),
            evicting: AtomicBool::new(false),
            close: Notify::new(),
            changed: Notify::new(),
        });
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        conns.insert(id, conn.clone());
        Some((id, conn))
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }
}

/// What every connection task shares.
struct Server {
    router: Router,
    limits: ConnectionLimits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    counters: Arc<Counters>,
    registry: Registry,
    http: auto::Builder<TokioExecutor>,
}

/// Serve `router` on `listener` until `stop` fires (or its sender is dropped).
pub(crate) fn spawn(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    tls: Option<&TlsConfig>,
    counters: Arc<Counters>,
    stop: oneshot::Receiver<()>,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    let mut http = auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    http.http2()
        .timer(TokioTimer::new())
        .max_header_list_size(MAX_HEAD_BYTES as u32)
        .max_concurrent_streams(64);
    let server = Arc::new(Server {
        router,
        limits,
        tls: tls.map(TlsConfig::acceptor),
        counters,
        registry: Registry::default(),
        http,
    });
    tokio::spawn(accept_loop(listener, server, stop))
}

async fn accept_loop(
    listener: TcpListener,
    server: Arc<Server>,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let (shutdown, shutting_down) = watch::channel(false);
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Some((id, conn)) = server.registry.admit(&server.limits, &server.counters)
                    else {
                        Counters::add(&server.counters.refused_connections, 1);
                        drop(stream);
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tasks.spawn(connection(
                        server.clone(),
                        stream,
                        peer,
                        id,
                        conn,
                        shutting_down.clone(),
                    ));
                }
                // Out of file descriptors (or memory): connections already open go on, and
                // closing idle ones frees room; pause rather than spin on the error.
                Err(e) => {
                    tracing::warn!(error = %e, "the push receiver could not accept a connection");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                }
            },
        }
    }
    drop(listener);
    let _ = shutdown.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// One connection, from the TLS handshake to its close, under the watchdog.
async fn connection(
    server: Arc<Server>,
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    conn: Arc<Conn>,
    shutting_down: watch::Receiver<bool>,
) {
    let work = async {
        match &server.tls {
            Some(acceptor) => match acceptor.accept(stream).await {
                Ok(tls) => serve_io(&server, TokioIo::new(tls), peer, &conn, shutting_down).await,
                Err(e) => {
                    Counters::add(&server.counters.tls_failures, 1);
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                }
            },
            None => serve_io(&server, TokioIo::new(stream), peer, &conn, shutting_down).await,
        }
    };
    tokio::select! {
        () = work => {}
        () = watchdog(&conn, &server.limits, &server.counters) => {
            tracing::debug!(%peer, "closed a connection that sent no request in time");
        }
        () = conn.close.notified() => {
            tracing::debug!(%peer, "closed an idle connection to make room for a new one");
        }
    }
    server.registry.remove(id);
}

/// Resolves (counted) when the connection has been quiet past its deadline; a request starting
/// or ending moves the deadline.
async fn watchdog(conn: &Conn, limits: &ConnectionLimits, counters: &Counters) {
    loop {
        let changed = conn.changed.notified();
        match conn.deadline(limits) {
            Some(deadline) if Instant::now() >= deadline => {
                Counters::add(&counters.idle_closed, 1);
                return;
            }
            Some(deadline) => {
                tokio::select! {
                    () = tokio::time::sleep_until(deadline.into()) => {}
                    () = changed => {}
                }
            }
            None => changed.await,
        }
    }
}

/// Decrements a connection's requests in progress however the request ends.
struct InFlight(Arc<Conn>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn serve_io<I>(
    server: &Server,
    io: TokioIo<I>,
    peer: SocketAddr,
    conn: &Arc<Conn>,
    mut shutting_down: watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let router = server.router.clone();
    let tracked = conn.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
        tracked.in_flight.fetch_add(1, Ordering::AcqRel);
        tracked.requests.fetch_add(1, Ordering::AcqRel);
        tracked.touch();
        let guard = InFlight(tracked.clone());
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        async move {
            let response =
                tower_service::Service::call(&mut router, request.map(axum::body::Body::new)).await;
            drop(guard);
            response
        }
    });
    let connection = server.http.serve_connection(io, service);
    tokio::pin!(connection);
    let mut graceful = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "push connection ended with an error");
                }
                return;
            }
            changed = shutting_down.changed(), if !graceful => {
                if changed.is_err() || *shutting_down.borrow() {
                    graceful = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
