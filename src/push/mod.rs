//! Receive what Orb devices push (Data Push), as a typed, bounded, loss-free stream.
//!
//! An Orb POSTs its dataset records to the URL its push configuration names, every
//! `interval_ms`, and keeps them (up to `buffer_kb`) until a POST succeeds. This module is the
//! other end:
//!
//! - [`PushReceiver`]: an axum server (or a router to mount in yours) for `POST /push/<token>`.
//!   The token ([`PushToken`]) is the only authentication Orb's push configuration allows (it has
//!   no header field); it is compared in constant time. Wrong token or path: 404; other methods:
//!   405; body over the limit (before or after gunzip): 413; undecodable body: 400 with the
//!   reason; a body mixing valid and invalid records: the valid ones are accepted (2xx) and the
//!   others reported as [`PushEvent::Rejected`] with their bytes.
//! - [`PushStream`]: the records as a `Stream`, through a queue bounded in records. A POST is
//!   answered 2xx only once all its records are in the queue; when the consumer is behind, the
//!   POST waits briefly for room, then gets 503 with `Retry-After` and nothing of it is queued,
//!   so the device sends the whole batch again. Memory stays bounded and no accepted record is
//!   dropped or delivered twice. Shutdown stops accepting, finishes requests in progress and
//!   lets the stream drain.
//! - [`LiveOptions`] and [`LiveStream`]: [`DeviceHandle::stream`](crate::DeviceHandle::stream)
//!   starts a receiver, points the device's temporary datasets at it and renews them while the
//!   stream lives.
//!
//! What the receiver cannot promise: if the connection breaks after the records were queued but
//! before the device read the 2xx, the device sends them again and they arrive twice. Orb's
//! records carry no id to deduplicate by; `(orb_id, dataset, timestamp)` is unique per record in
//! practice and is the key to use downstream if that matters.
//!
//! Needs the `push` feature.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use orb_cloud::datasets::Record;
//! use orb_cloud::push::PushReceiver;
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let (receiver, events) = PushReceiver::builder().bind("0.0.0.0:7081").await?;
//! println!("configure devices to push to {}", receiver.url("http://my-host:7081"));
//! let mut records = events.records();
//! while let Some(record) = records.next().await {
//!     if let Record::Responsiveness(r) = &record {
//!         println!("{:?}: {:?} us lag", record.orb_id(), r.lag_avg_us);
//!     }
//! }
//! # Ok(()) }
//! ```

mod handler;
mod live;
mod queue;
mod receiver;
mod server;
mod tls;
mod token;

pub use live::{LiveOptions, LiveStream};
pub use queue::{PushBatch, PushEvent, PushStream, ReceiverStats, RejectedRecord, Rejection};
pub use receiver::{
    MountedReceiver, PushReceiver, PushReceiverBuilder, ReceiverStatsHandle, RunningReceiver,
};
pub use server::MAX_HEAD_BYTES;
pub use tls::{TlsConfig, TlsError};
pub use token::{PushToken, TokenError, MIN_TOKEN_LEN};
