//! The bounded hand-off between the receiver's request handlers and the consumer.
//!
//! Capacity is counted in records with a semaphore: a POST takes as many permits as it has
//! records (all or nothing, so a batch is never split between "accepted" and "refused"), and the
//! consumer gives them back as it takes the records. The channel behind it is unbounded, but it
//! never holds more than the permits allow, so memory is bounded by the capacity plus the one
//! batch the consumer is working through.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::datasets::{Record, RecordError};

/// What the consumer receives.
#[derive(Debug, Clone)]
#[non_exhaustive]
// Records are nearly every event: boxing them would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
pub enum PushEvent {
    /// A record from an accepted POST.
    Record(Record),
    /// Records of a POST that did not decode, with their bytes, so nothing is lost silently.
    Rejected(Rejection),
}

/// The records of one POST that did not decode.
///
/// If the same POST also had valid records, they were accepted (2xx) and arrive as
/// [`PushEvent::Record`]s; if none was valid the device was answered 400.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Rejection {
    /// Who sent it, when the server knows.
    pub peer: Option<SocketAddr>,
    /// Each failure, with the record's bytes.
    pub records: Vec<RejectedRecord>,
}

/// One record that did not decode.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RejectedRecord {
    /// Where and why (line or element, byte offset, field).
    pub error: RecordError,
    /// The record's bytes as received (after gunzip).
    pub raw: Bytes,
}

/// Counters of what a receiver has done, for monitoring and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceiverStats {
    /// POSTs whose records were handed to the consumer (answered 2xx).
    pub accepted_posts: u64,
    /// Records handed to the consumer.
    pub accepted_records: u64,
    /// Records that did not decode (reported as [`PushEvent::Rejected`]).
    pub rejected_records: u64,
    /// Rejection events not queued because the queue was full (their records are still counted
    /// in `rejected_records` and logged).
    pub dropped_rejection_events: u64,
    /// POSTs answered 503 because the consumer was behind (or gone); the device sends them again.
    pub busy: u64,
    /// POSTs answered 503 because their records were not committed in time (receivers that
    /// acknowledge after commit: [`PushReceiverBuilder::acknowledge_after_commit`]); the device
    /// sends them again. Counted in `accepted_posts` too, which counts what was handed over.
    ///
    /// [`PushReceiverBuilder::acknowledge_after_commit`]: crate::push::PushReceiverBuilder::acknowledge_after_commit
    pub not_committed: u64,
    /// Requests answered 400 (undecodable body, or no valid record in it).
    pub bad_requests: u64,
    /// Requests answered 413 (body or decoded body over the limit).
    pub too_large: u64,
    /// Requests answered 404 (wrong token or path).
    pub not_found: u64,
    /// Requests answered 405 (not a POST).
    pub wrong_method: u64,
    /// Requests answered 408: the body did not arrive within the body timeout.
    pub body_timeouts: u64,
    /// Connections closed for sending no complete request head in time (header timeout,
    /// TLS handshake included) or for staying idle past the idle timeout.
    pub idle_closed: u64,
    /// Idle connections closed to make room for a new one when the connection cap was reached.
    pub evicted: u64,
    /// Connections refused at once: the cap was reached and every connection was busy.
    pub refused_connections: u64,
    /// TLS handshakes that failed (not a TLS client, bad certificate chain, ...).
    pub tls_failures: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub accepted_posts: AtomicU64,
    pub accepted_records: AtomicU64,
    pub rejected_records: AtomicU64,
    pub dropped_rejection_events: AtomicU64,
    pub busy: AtomicU64,
    pub not_committed: AtomicU64,
    pub bad_requests: AtomicU64,
    pub too_large: AtomicU64,
    pub not_found: AtomicU64,
    pub wrong_method: AtomicU64,
    pub body_timeouts: AtomicU64,
    pub idle_closed: AtomicU64,
    pub evicted: AtomicU64,
    pub refused_connections: AtomicU64,
    pub tls_failures: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ReceiverStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ReceiverStats {
            accepted_posts: get(&self.accepted_posts),
            accepted_records: get(&self.accepted_records),
            rejected_records: get(&self.rejected_records),
            dropped_rejection_events: get(&self.dropped_rejection_events),
            busy: get(&self.busy),
            not_committed: get(&self.not_committed),
            bad_requests: get(&self.bad_requests),
            too_large: get(&self.too_large),
            not_found: get(&self.not_found),
            wrong_method: get(&self.wrong_method),
            body_timeouts: get(&self.body_timeouts),
            idle_closed: get(&self.idle_closed),
            evicted: get(&self.evicted),
            refused_connections: get(&self.refused_connections),
            tls_failures: get(&self.tls_failures),
        }
    }
}

/// A batch in the channel and the permits it holds.
pub(crate) struct Batch {
    pub events: Vec<PushEvent>,
    pub permits: u32,
    /// The JSON text of each record event, in order (kept only when acknowledging).
    pub raw: Vec<Bytes>,
    /// Told once the consumer has committed the batch (or dropped, if it did not).
    pub ack: Option<oneshot::Sender<()>>,
}

/// The handlers' side.
pub(crate) struct QueueSender {
    pub tx: mpsc::UnboundedSender<Batch>,
    pub permits: Arc<Semaphore>,
    pub capacity: u32,
}

/// Why a batch was not queued.
pub(crate) enum Refused {
    /// The consumer is behind: try later.
    Full,
    /// The consumer dropped its stream.
    Closed,
}

impl QueueSender {
    /// Queue `events` (holding `n` records' worth of permits), waiting at most `wait` for room.
    /// All or nothing: either every event is queued or none is.
    pub(crate) async fn send(
        &self,
        events: Vec<PushEvent>,
        raw: Vec<Bytes>,
        ack: Option<oneshot::Sender<()>>,
        wait: std::time::Duration,
    ) -> Result<(), Refused> {
        if self.tx.is_closed() {
            return Err(Refused::Closed);
        }
        let need = u32::try_from(events.len())
            .unwrap_or(u32::MAX)
            .clamp(1, self.capacity);
        let permit = match self.permits.try_acquire_many(need) {
            Ok(p) => p,
            Err(tokio::sync::TryAcquireError::Closed) => return Err(Refused::Closed),
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                match tokio::time::timeout(wait, self.permits.acquire_many(need)).await {
                    Ok(Ok(p)) => p,
                    Ok(Err(_)) => return Err(Refused::Closed),
                    Err(_) => return Err(Refused::Full),
                }
            }
        };
        // No await from here on: a request cancelled by its client either queued everything
        // (and the device may resend it: see the module docs) or nothing.
        permit.forget();
        match self.tx.send(Batch {
            events,
            permits: need,
            raw,
            ack,
        }) {
            Ok(()) => Ok(()),
            Err(_) => {
                self.permits.add_permits(need as usize);
                Err(Refused::Closed)
            }
        }
    }

    /// Queue a rejection without waiting: if there is no room it is dropped (and counted).
    pub(crate) fn try_send_rejection(&self, rejection: Rejection) -> bool {
        let Ok(permit) = self.permits.try_acquire_many(1) else {
            return false;
        };
        permit.forget();
        match self.tx.send(Batch {
            events: vec![PushEvent::Rejected(rejection)],
            permits: 1,
            raw: Vec::new(),
            ack: None,
        }) {
            Ok(()) => true,
            Err(_) => {
                self.permits.add_permits(1);
                false
            }
        }
    }
}

/// Make a queue holding at most `capacity` records.
pub(crate) fn channel(capacity: u32, counters: Arc<Counters>) -> (QueueSender, PushStream) {
    let capacity = capacity.max(1);
    let (tx, rx) = mpsc::unbounded_channel();
    let permits = Arc::new(Semaphore::new(capacity as usize));
    (
        QueueSender {
            tx,
            permits: permits.clone(),
            capacity,
        },
        PushStream {
            rx,
            permits,
            current: VecDeque::new(),
            held: 0,
            ack: None,
            counters,
        },
    )
}

/// What devices push, as a [`Stream`] of [`PushEvent`]s, in the order POSTs were accepted.
///
/// Ends when its receiver has shut down and every accepted record has been taken. Dropping it
/// makes the receiver answer 503 from then on (devices keep their records and retry).
///
/// ```no_run
/// use futures_util::StreamExt;
/// use orb_cloud::push::{PushEvent, PushReceiver};
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let (receiver, mut events) = PushReceiver::builder().bind("0.0.0.0:7081").await?;
/// println!("push to http://<this host>:7081{}", receiver.path());
/// while let Some(event) = events.next().await {
///     match event {
///         PushEvent::Record(record) => println!("{:?} {:?}", record.dataset(), record.orb_id()),
///         PushEvent::Rejected(rejection) => eprintln!("{} bad records", rejection.records.len()),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
pub struct PushStream {
    rx: mpsc::UnboundedReceiver<Batch>,
    permits: Arc<Semaphore>,
    current: VecDeque<PushEvent>,
    held: u32,
    /// The acknowledgement of the batch in `current`, sent once it is handed over.
    ack: Option<oneshot::Sender<()>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for PushStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushStream")
            .field("buffered", &self.current.len())
            .field("stats", &self.counters.snapshot())
            .finish()
    }
}

impl PushStream {
    /// What the receiver has done so far.
    pub fn stats(&self) -> ReceiverStats {
        self.counters.snapshot()
    }

    /// Only the records: rejections are logged (at `warn`, with their location) and skipped.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn demo(events: orb_cloud::push::PushStream) {
    /// let mut records = events.records();
    /// while let Some(record) = records.next().await {
    ///     println!("{:?}", record.timestamp_ms());
    /// }
    /// # }
    /// ```
    pub fn records(self) -> impl Stream<Item = Record> + Send + Unpin {
        futures_util::StreamExt::filter_map(self, |event| {
            std::future::ready(match event {
                PushEvent::Record(record) => Some(record),
                PushEvent::Rejected(rejection) => {
                    for r in &rejection.records {
                        tracing::warn!(peer = ?rejection.peer, error = %r.error, "pushed record rejected");
                    }
                    None
                }
            })
        })
    }

    /// The next POST's records as one batch, to acknowledge once they are stored: with
    /// [`PushReceiverBuilder::acknowledge_after_commit`], the device gets its 2xx only then.
    /// `None` once the receiver has shut down and every batch has been taken. The batch holds
    /// its room in the queue until dropped, so unacknowledged work stays bounded.
    ///
    /// ```no_run
    /// # async fn demo(mut events: orb_cloud::push::PushStream) {
    /// while let Some(batch) = events.next_batch().await {
    ///     // ... store batch.records (and batch.raw) durably, then:
    ///     batch.acknowledge();
    /// }
    /// # }
    /// ```
    ///
    /// [`PushReceiverBuilder::acknowledge_after_commit`]: crate::push::PushReceiverBuilder::acknowledge_after_commit
    pub async fn next_batch(&mut self) -> Option<PushBatch> {
        if let Some(batch) = self.leftover() {
            return Some(batch);
        }
        let batch = self.rx.recv().await?;
        Some(self.wrap(batch))
    }

    /// [`PushStream::next_batch`] without waiting: `None` when no batch is ready now (to
    /// commit every batch that is ready in one transaction).
    ///
    /// ```no_run
    /// # async fn demo(mut events: orb_cloud::push::PushStream) {
    /// let mut group = Vec::new();
    /// if let Some(first) = events.next_batch().await {
    ///     group.push(first);
    ///     while let Some(more) = events.try_next_batch() {
    ///         group.push(more);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn try_next_batch(&mut self) -> Option<PushBatch> {
        if let Some(batch) = self.leftover() {
            return Some(batch);
        }
        let batch = self.rx.try_recv().ok()?;
        Some(self.wrap(batch))
    }

    /// Events the [`Stream`] side had started on, as a batch of their own.
    fn leftover(&mut self) -> Option<PushBatch> {
        if self.current.is_empty() {
            return None;
        }
        let events = std::mem::take(&mut self.current);
        let held = std::mem::take(&mut self.held);
        let batch = Batch {
            events: events.into(),
            permits: 0,
            raw: Vec::new(),
            ack: self.ack.take(),
        };
        let mut batch = self.wrap(batch);
        batch.held = held;
        Some(batch)
    }

    fn wrap(&self, batch: Batch) -> PushBatch {
        let mut records = Vec::with_capacity(batch.events.len());
        let mut rejection = None;
        for event in batch.events {
            match event {
                PushEvent::Record(record) => records.push(record),
                PushEvent::Rejected(r) => rejection = Some(r),
            }
        }
        PushBatch {
            records,
            raw: batch.raw,
            rejection,
            permits: self.permits.clone(),
            held: batch.permits,
            ack: batch.ack,
        }
    }

    fn release(&mut self) {
        if self.held > 0 {
            self.permits.add_permits(self.held as usize);
            self.held = 0;
        }
        if let Some(ack) = self.ack.take() {
            let _ = ack.send(());
        }
    }
}

/// One POST's records, from [`PushStream::next_batch`]: acknowledge it once they are stored.
/// Dropped without [`PushBatch::acknowledge`], the device is answered 503 and sends the
/// records again.
#[derive(Debug)]
#[non_exhaustive]
pub struct PushBatch {
    /// The records, in body order.
    pub records: Vec<Record>,
    /// The JSON text of each record as received (`raw[i]` for `records[i]`), when the receiver
    /// acknowledges after commit; empty otherwise.
    pub raw: Vec<Bytes>,
    /// The POST's records that did not decode (they are not waiting for an acknowledgement).
    pub rejection: Option<Rejection>,
    permits: Arc<Semaphore>,
    held: u32,
    ack: Option<oneshot::Sender<()>>,
}

impl PushBatch {
    /// The records are stored: the device gets its 2xx (unless it stopped waiting).
    pub fn acknowledge(mut self) {
        if let Some(ack) = self.ack.take() {
            let _ = ack.send(());
        }
    }

    /// Whether the device is waiting for this batch's acknowledgement.
    pub fn awaits_acknowledgement(&self) -> bool {
        self.ack.as_ref().is_some_and(|a| !a.is_closed())
    }
}

impl Drop for PushBatch {
    fn drop(&mut self) {
        // Its room in the queue is free again; an ack not sent makes the handler answer 503.
        if self.held > 0 {
            self.permits.add_permits(self.held as usize);
        }
    }
}

impl Stream for PushStream {
    type Item = PushEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<PushEvent>> {
        loop {
            if let Some(event) = self.current.pop_front() {
                if self.current.is_empty() {
                    // The batch has been handed over entirely: its room is free again.
                    self.release();
                }
                return Poll::Ready(Some(event));
            }
            self.release();
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(batch)) => {
                    self.held = batch.permits;
                    self.ack = batch.ack;
                    self.current = VecDeque::from(batch.events);
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.current.len(), None)
    }
}

impl Drop for PushStream {
    fn drop(&mut self) {
        // Wake handlers waiting for room so they answer 503 at once instead of at their timeout.
        self.rx.close();
        self.permits.close();
    }
}
