//! `orb-collector`: a fleet's pushed measurements into a store that loses nothing.
//!
//! The receiver is `orb-cloud`'s push receiver (token in the path, every limit it has), built to
//! answer a push only once its records are committed
//! ([`PushReceiverBuilder::acknowledge_after_commit`]). [`ingest`] writes what arrives in group
//! commits on a thread of its own; the default store is one SQLite file ([`store`]): one table
//! per dataset family, the family's documented fields as typed columns, the fields this version
//! does not know as JSON in `extra`, records of unknown families whole in `other_records`.
//!
//! Guarantees: a push answered 2xx is committed (with [`store::Durability::PowerLoss`], synced
//! to disk); a push not committed in time is answered 503 with `Retry-After` and the device
//! sends it again; a record sent twice is stored once (its identity is unique in its table);
//! memory is bounded by the receiver's queue, whatever the store does.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use orb_collector::{receive, ReceiveOptions};
//! let running = receive(ReceiveOptions::new("0.0.0.0:7081")).await?;
//! println!("devices push to {}", running.url("http://collector.example.net:7081"));
//! // ... later:
//! let summary = running.shutdown().await?;
//! println!("{} records stored", summary.ingest.stored);
//! # Ok(()) }
//! ```
//!
//! [`PushReceiverBuilder::acknowledge_after_commit`]: orb_cloud::push::PushReceiverBuilder::acknowledge_after_commit

pub mod fleet;
pub mod ingest;
pub mod metrics;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use orb_cloud::datasets::DatasetName;
use orb_cloud::push::{PushReceiver, PushToken, ReceiverStats, RunningReceiver, TlsConfig};
use tokio::task::JoinHandle;

use ingest::{IngestSnapshot, IngestStats};
use store::{Durability, SqliteStore, StoreError, StoreSpec};

/// How to receive and where to store.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReceiveOptions {
    /// Where to listen (`0.0.0.0:7081`).
    pub listen: String,
    /// The token in the push path (default: a random one).
    pub token: Option<PushToken>,
    /// The store (default: `sqlite:orb-data.sqlite`).
    pub store: StoreSpec,
    /// What a commit survives.
    pub durability: Durability,
    /// HTTPS instead of HTTP.
    pub tls: Option<TlsConfig>,
    /// How long a push waits for its commit before it is answered 503 (default 10 s).
    pub commit_wait: Duration,
    /// Records the receiver holds before it answers 503 (default 65,536): the memory bound.
    pub queue_capacity: u32,
    /// The dataset of records whose own `dataset` value is missing or undocumented, when all
    /// the devices push one family: Wi-Fi records are typed only this way, because Orb does
    /// not document their `dataset` value. Without it they are kept whole in `other_records`.
    pub hint: Option<DatasetName>,
}

impl ReceiveOptions {
    /// The defaults, listening on `listen`.
    pub fn new(listen: impl Into<String>) -> Self {
        Self {
            listen: listen.into(),
            token: None,
            store: StoreSpec::default_sqlite(),
            durability: Durability::default(),
            tls: None,
            commit_wait: Duration::from_secs(10),
            queue_capacity: 65_536,
            hint: None,
        }
    }
}

/// Why the collector could not start or finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The receiver could not listen.
    #[error("the push receiver could not listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The store's thread.
    #[error("the store's thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// A running collector: the receiver and the ingest behind it.
#[derive(Debug)]
pub struct Running {
    receiver: RunningReceiver,
    stats: Arc<IngestStats>,
    latest: Arc<metrics::Latest>,
    task: JoinHandle<std::io::Result<SqliteStore>>,
}

/// What a collector did, at its end.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Summary {
    /// The ingest's counters.
    pub ingest: IngestSnapshot,
    /// The receiver's.
    pub receiver: ReceiverStats,
    /// Records in the store, per table, after the last commit.
    pub tables: Vec<(String, u64)>,
}

/// Opens the store, starts the receiver and the ingest.
pub async fn receive(options: ReceiveOptions) -> Result<Running, CollectError> {
    let StoreSpec::Sqlite(path) = &options.store;
    let durability = options.durability;
    let path = path.clone();
    let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path, durability))
        .await
        .map_err(|e| CollectError::Thread(std::io::Error::other(e.to_string())))??;
    let mut builder = PushReceiver::builder()
        .acknowledge_after_commit(options.commit_wait)
        .queue_capacity(options.queue_capacity);
    if let Some(token) = options.token {
        builder = builder.token(token);
    }
    if let Some(tls) = options.tls {
        builder = builder.tls(tls);
    }
    if let Some(hint) = options.hint {
        builder = builder.dataset_hint(hint);
    }
    let (receiver, events) =
        builder
            .bind(&options.listen)
            .await
            .map_err(|source| CollectError::Listen {
                addr: options.listen.clone(),
                source,
            })?;
    let stats = Arc::new(IngestStats::default());
    let latest = Arc::new(metrics::Latest::default());
    let task = tokio::spawn(ingest::run(events, store, stats.clone(), latest.clone()));
    Ok(Running {
        receiver,
        stats,
        latest,
        task,
    })
}

impl Running {
    /// The URL devices push to, on `public_base` (what they can reach: `http://HOST:PORT`).
    pub fn url(&self, public_base: &str) -> String {
        self.receiver.url(public_base)
    }

    /// The URL on this machine's loopback.
    pub fn local_url(&self) -> String {
        self.receiver.local_url()
    }

    /// The address listened on.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.receiver.local_addr()
    }

    /// The ingest's counters now.
    pub fn stats(&self) -> IngestSnapshot {
        self.stats.snapshot()
    }

    /// What `/metrics` shows (see [`metrics::serve`]): the devices' latest values and the
    /// counters; add the fleet's states with [`metrics::Metrics::with_fleet`].
    pub fn metrics(&self) -> metrics::Metrics {
        metrics::Metrics {
            latest: self.latest.clone(),
            ingest: self.stats.clone(),
            receiver: self.receiver.stats_handle(),
            fleet: None,
        }
    }

    /// The receiver's counters now.
    pub fn receiver_stats(&self) -> ReceiverStats {
        self.receiver.stats()
    }

    /// Stops receiving, commits what was accepted, and reports.
    pub async fn shutdown(self) -> Result<Summary, CollectError> {
        let receiver_stats = self.receiver.stats();
        self.receiver
            .shutdown()
            .await
            .map_err(CollectError::Thread)?;
        let store = self
            .task
            .await
            .map_err(|e| CollectError::Thread(std::io::Error::other(e.to_string())))?
            .map_err(CollectError::Thread)?;
        let tables = tokio::task::spawn_blocking(move || store.counts())
            .await
            .map_err(|e| CollectError::Thread(std::io::Error::other(e.to_string())))??;
        Ok(Summary {
            ingest: self.stats.snapshot(),
            receiver: receiver_stats,
            tables,
        })
    }
}
