//! From pushes to committed rows: every batch the receiver has ready goes into one transaction
//! (group commit), on a thread of its own, and each push is acknowledged only after its
//! transaction commits. While one group commits, the next one gathers; pushes beyond what the
//! receiver's queue holds are answered 503 there, so memory stays bounded whatever the store
//! does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use orb_cloud::push::{PushBatch, PushStream};

use crate::metrics::Latest;
use crate::store::{Rejected, SqliteStore, StoreError, Written};

/// Records per transaction at most: enough to spread a sync over thousands of records, small
/// enough that one transaction does not hold the pushes of the next for long.
const MAX_GROUP_RECORDS: usize = 50_000;

/// What the ingest has done, shared with whoever reports it (status line, `/metrics`).
#[derive(Debug, Default)]
pub struct IngestStats {
    stored: AtomicU64,
    duplicates: AtomicU64,
    other: AtomicU64,
    rejected: AtomicU64,
    commits: AtomicU64,
    failed_commits: AtomicU64,
    commit_micros_total: AtomicU64,
    commit_micros_max: AtomicU64,
    last_error: Mutex<Option<String>>,
}

/// A copy of [`IngestStats`] at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IngestSnapshot {
    /// Records committed.
    pub stored: u64,
    /// Records already in the store (resends), not stored again.
    pub duplicates: u64,
    /// Of `stored`, records kept whole in `other_records`.
    pub other: u64,
    /// Pushed records that did not decode, kept in `rejected_records`.
    pub rejected: u64,
    /// Transactions committed.
    pub commits: u64,
    /// Transactions that failed (their pushes were answered 503 and will be sent again).
    pub failed_commits: u64,
    /// Time spent committing, in microseconds, over all commits.
    pub commit_micros_total: u64,
    /// The longest commit, in microseconds.
    pub commit_micros_max: u64,
    /// The last failure, if any.
    pub last_error: Option<String>,
}

impl IngestStats {
    /// The counters now.
    pub fn snapshot(&self) -> IngestSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        IngestSnapshot {
            stored: get(&self.stored),
            duplicates: get(&self.duplicates),
            other: get(&self.other),
            rejected: get(&self.rejected),
            commits: get(&self.commits),
            failed_commits: get(&self.failed_commits),
            commit_micros_total: get(&self.commit_micros_total),
            commit_micros_max: get(&self.commit_micros_max),
            last_error: self.last_error.lock().ok().and_then(|e| e.clone()),
        }
    }

    fn committed(&self, written: Written, micros: u64) {
        self.stored.fetch_add(written.stored, Ordering::Relaxed);
        self.duplicates
            .fetch_add(written.duplicates, Ordering::Relaxed);
        self.other.fetch_add(written.other, Ordering::Relaxed);
        self.rejected.fetch_add(written.rejected, Ordering::Relaxed);
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.commit_micros_total
            .fetch_add(micros, Ordering::Relaxed);
        self.commit_micros_max.fetch_max(micros, Ordering::Relaxed);
    }

    fn failed(&self, error: &StoreError) {
        self.failed_commits.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(error.to_string());
        }
    }
}

/// Writes what `events` delivers into `store` until the stream ends (the receiver shut down
/// and every batch was taken), acknowledging each push once committed. Returns the store (for
/// a summary) after the last commit. A failed commit is not the end: its pushes are answered
/// 503, the devices send them again, and the next group is tried.
pub async fn run(
    mut events: PushStream,
    store: SqliteStore,
    stats: Arc<IngestStats>,
    latest: Arc<Latest>,
) -> std::io::Result<SqliteStore> {
    // One group commits while the next gathers.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<PushBatch>>(1);
    let writer_stats = stats.clone();
    let writer = std::thread::Builder::new()
        .name("orb-store".into())
        .spawn(move || {
            let mut store = store;
            while let Some(group) = rx.blocking_recv() {
                commit(&mut store, group, &writer_stats, &latest);
            }
            store
        })?;
    while let Some(first) = events.next_batch().await {
        let mut records = first.records.len();
        let mut group = vec![first];
        while records < MAX_GROUP_RECORDS {
            match events.try_next_batch() {
                Some(batch) => {
                    records += batch.records.len();
                    group.push(batch);
                }
                None => break,
            }
        }
        if tx.send(group).await.is_err() {
            break;
        }
    }
    drop(tx);
    match tokio::task::spawn_blocking(move || writer.join()).await {
        Ok(Ok(store)) => Ok(store),
        // A bug in the writer: not hidden.
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => Err(std::io::Error::other(format!(
            "the store's thread could not be joined: {e}"
        ))),
    }
}

/// One transaction for `group`; its pushes are acknowledged if it commits, answered 503 if not.
fn commit(
    store: &mut SqliteStore,
    mut group: Vec<PushBatch>,
    stats: &IngestStats,
    latest: &Latest,
) {
    for batch in &mut group {
        fill_raw(batch);
    }
    // Each rejected record with who sent it and why, as text the store keeps.
    let rejections: Vec<(Option<String>, String, &[u8])> = group
        .iter()
        .filter_map(|b| b.rejection.as_ref())
        .flat_map(|r| {
            let peer = r.peer.map(|p| p.to_string());
            r.records
                .iter()
                .map(move |x| (peer.clone(), x.error.to_string(), &x.raw[..]))
        })
        .collect();
    let started = Instant::now();
    let records = group
        .iter()
        .flat_map(|b| b.records.iter().zip(b.raw.iter().map(|r| &r[..])));
    let rejected = rejections
        .iter()
        .map(|(peer, error, raw)| Rejected::new(peer.as_deref(), error, raw));
    match store.write_with_rejected(records, rejected) {
        Ok(written) => {
            stats.committed(written, started.elapsed().as_micros() as u64);
            latest.observe(group.iter().flat_map(|b| &b.records));
            for batch in group {
                batch.acknowledge();
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "a commit failed; its pushes are answered 503 and will be sent again");
            stats.failed(&e);
            drop(group);
        }
    }
}

/// A receiver that does not keep each record's text (not built by this crate) gives none: the
/// record is written back as JSON instead, so that nothing is lost.
fn fill_raw(batch: &mut PushBatch) {
    if batch.raw.len() == batch.records.len() {
        return;
    }
    batch.raw = batch
        .records
        .iter()
        .map(|r| Bytes::from(serde_json::to_vec(r).unwrap_or_default()))
        .collect();
}
