//! Orb's Data Push as the simulated devices do it: the validated push settings, the buffer that
//! keeps records while POSTs fail, the body formats, and the log of every POST.
//!
//! Headers are an assumption (Orb does not document them): `Content-Type: application/x-ndjson`
//! for `jsonl`, `application/json` for `json`, and `User-Agent: orb/<version> (orb-cloud-sandbox)`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

/// `jsonl` or `json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PushFormat {
    /// One JSON object per line.
    Jsonl,
    /// One JSON array.
    Json,
}

impl PushFormat {
    /// The `Content-Type` of a POST in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            PushFormat::Jsonl => "application/x-ndjson",
            PushFormat::Json => "application/json",
        }
    }
}

/// A validated push destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSettings {
    /// Where to POST.
    pub url: reqwest::Url,
    /// Body format.
    pub format: PushFormat,
    /// Between POSTs.
    pub interval: Duration,
    /// Most bytes of records kept while POSTs fail.
    pub buffer_bytes: usize,
    /// Datasets pushed.
    pub datasets: Vec<String>,
    /// Unmasked identifiable fields.
    pub identifiable: bool,
}

/// One POST a device made.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PushAttempt {
    /// The device.
    pub orb_id: String,
    /// Destination.
    pub url: String,
    /// When (epoch ms).
    pub at_ms: i64,
    /// Records in the body.
    pub records: usize,
    /// Body size.
    pub bytes: usize,
    /// HTTP status, if an answer came.
    pub status: Option<u16>,
    /// Why it failed without an answer.
    pub error: Option<String>,
    /// Whether the receiver took it (2xx).
    pub delivered: bool,
}

/// Push counters (see [`crate::SandboxHandle::push_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PushStats {
    /// POSTs made.
    pub attempts: u64,
    /// POSTs answered 2xx.
    pub delivered: u64,
    /// POSTs that failed.
    pub failed: u64,
    /// Records delivered.
    pub records_delivered: u64,
    /// Records dropped because the buffer was full.
    pub records_dropped: u64,
}

/// The last 1,000 push attempts and the counters.
#[derive(Debug)]
pub struct PushLog {
    recent: Mutex<VecDeque<PushAttempt>>,
    attempts: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
    records_delivered: AtomicU64,
    records_dropped: AtomicU64,
    notify: watch::Sender<u64>,
}

impl Default for PushLog {
    fn default() -> Self {
        PushLog {
            recent: Mutex::new(VecDeque::new()),
            attempts: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            records_delivered: AtomicU64::new(0),
            records_dropped: AtomicU64::new(0),
            notify: watch::channel(0).0,
        }
    }
}

impl PushLog {
    /// Logs one POST.
    pub(crate) fn record(&self, a: PushAttempt) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        if a.delivered {
            self.delivered.fetch_add(1, Ordering::Relaxed);
            self.records_delivered
                .fetch_add(a.records as u64, Ordering::Relaxed);
        } else {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        {
            let mut r = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if r.len() >= 1000 {
                r.pop_front();
            }
            r.push_back(a);
        }
        self.notify.send_modify(|n| *n += 1);
    }

    /// Counts records a device's full buffer dropped.
    pub(crate) fn count_dropped(&self, records: u64) {
        self.records_dropped.fetch_add(records, Ordering::Relaxed);
    }

    /// Counters.
    pub fn stats(&self) -> PushStats {
        PushStats {
            attempts: self.attempts.load(Ordering::Relaxed),
            delivered: self.delivered.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            records_delivered: self.records_delivered.load(Ordering::Relaxed),
            records_dropped: self.records_dropped.load(Ordering::Relaxed),
        }
    }

    /// Recent attempts, oldest first.
    pub fn recent(&self) -> Vec<PushAttempt> {
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// A receiver that changes after every attempt.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.notify.subscribe()
    }
}

/// Records waiting to be delivered, bounded in bytes (oldest dropped first).
#[derive(Debug)]
pub struct PushBuffer {
    records: VecDeque<Vec<u8>>,
    bytes: usize,
    cap: usize,
    dropped: u64,
}

impl PushBuffer {
    /// A buffer of at most `cap` bytes of serialized records.
    ///
    /// ```
    /// use orb_cloud_sandbox::data_push::{PushBuffer, PushFormat};
    /// let mut b = PushBuffer::new(30);
    /// b.push(&serde_json::json!({"n": 1}));
    /// b.push(&serde_json::json!({"n": 2}));
    /// assert_eq!(b.encode(PushFormat::Jsonl), b"{\"n\":1}\n{\"n\":2}\n");
    /// assert_eq!(b.encode(PushFormat::Json), b"[{\"n\":1},{\"n\":2}]");
    /// ```
    pub fn new(cap: usize) -> Self {
        PushBuffer {
            records: VecDeque::new(),
            bytes: 0,
            cap,
            dropped: 0,
        }
    }

    /// Adds a record, dropping the oldest ones beyond the cap.
    pub fn push(&mut self, record: &Value) {
        let Ok(bytes) = serde_json::to_vec(record) else {
            return;
        };
        if bytes.len() > self.cap {
            self.dropped += 1;
            return;
        }
        while self.bytes + bytes.len() > self.cap {
            match self.records.pop_front() {
                Some(old) => {
                    self.bytes -= old.len();
                    self.dropped += 1;
                }
                None => break,
            }
        }
        self.bytes += bytes.len();
        self.records.push_back(bytes);
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Records dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The body of a POST of everything held.
    pub fn encode(&self, format: PushFormat) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes + self.records.len() + 2);
        match format {
            PushFormat::Jsonl => {
                for r in &self.records {
                    out.extend_from_slice(r);
                    out.push(b'\n');
                }
            }
            PushFormat::Json => {
                out.push(b'[');
                for (i, r) in self.records.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(r);
                }
                out.push(b']');
            }
        }
        out
    }

    /// Forgets everything held (after a delivery).
    pub fn clear(&mut self) {
        self.records.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn buffer_drops_oldest_beyond_cap() {
        let mut b = PushBuffer::new(24);
        for n in 0..5 {
            b.push(&json!({"n": n})); // 7 bytes each
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.dropped(), 2);
        assert_eq!(
            b.encode(PushFormat::Json),
            b"[{\"n\":2},{\"n\":3},{\"n\":4}]"
        );
        b.push(&json!({"a_very_long_key_that_is_too_big": 1}));
        assert_eq!(b.len(), 3);
        assert_eq!(b.dropped(), 3);
        b.clear();
        assert!(b.is_empty());
    }
}
