//! Simulated devices pushing dataset records (Orb's Data Push) and running speed tests.
//!
//! A device with temporary datasets whose `push` is enabled with a `url` POSTs every `interval_ms`
//! the records gathered since its last successful POST, as `jsonl` (one object per line, the
//! default) or `json` (an array). While POSTs fail (connection error or non-2xx) it keeps up to
//! `buffer_kb` of records, dropping the oldest beyond that, and sends them again at the next
//! interval. It stops when the duration ends (after one last POST), when the temporary datasets are
//! replaced (also after one last POST, so renewing a configuration loses nothing), or when the
//! sandbox shuts down.
//!
//! Headers are an assumption (Orb does not document them): `Content-Type: application/x-ndjson`
//! for `jsonl`, `application/json` for `json`, and `User-Agent: orb/<version> (orb-cloud-sandbox)`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::dataset_records::RecordGenerator;
use crate::rng::mix;
use crate::state::{Shared, SpeedTest};

/// `jsonl` or `json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PushFormat {
    /// One JSON object per line.
    Jsonl,
    /// One JSON array.
    Json,
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
    fn record(&self, a: PushAttempt) {
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
    /// use orb_cloud_sandbox::push::{PushBuffer, PushFormat};
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

/// Runs one temporary-datasets session until its end, then reverts the device.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_session(
    shared: Arc<Shared>,
    oi: usize,
    di: usize,
    generation: u64,
    push: Option<PushSettings>,
    duration: Duration,
    cancel: CancellationToken,
    mut records_rx: mpsc::Receiver<Value>,
    start_ms: i64,
    replaced_at_ms: Arc<std::sync::atomic::AtomicI64>,
) {
    let deadline = Instant::now() + duration;
    if let Some(push) = push {
        let device = shared.fleet_device(oi, di);
        let seed = mix(&[shared.fleet.config.seed, generation, oi as u64, di as u64]);
        let mut gen =
            RecordGenerator::new(device, &push.datasets, push.identifiable, start_ms, seed);
        let mut buf = PushBuffer::new(push.buffer_bytes);
        let mut ticker = tokio::time::interval_at(Instant::now() + push.interval, push.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut dropped_reported = 0;
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    // Replaced by a newer temporary configuration (not a sandbox shutdown): like a
                    // device reloading its configuration, send what was gathered so far once, so
                    // a renewal loses nothing.
                    if !shared.shutdown.is_cancelled() {
                        // Records due up to the replacement; the new session produces the rest.
                        let until = match replaced_at_ms.load(Ordering::SeqCst) {
                            0 => shared.clock.now_ms(),
                            at => at,
                        };
                        for r in gen.produce_until(until) {
                            buf.push(&r);
                        }
                        while let Ok(r) = records_rx.try_recv() {
                            buf.push(&r);
                        }
                        if !buf.is_empty() {
                            tokio::select! {
                                _ = shared.shutdown.cancelled() => {}
                                _ = deliver(&shared, &device.orb_id, &push, &mut buf) => {}
                            }
                        }
                        report_drops(&shared, &buf, &mut dropped_reported);
                    }
                    break;
                }
                _ = tokio::time::sleep_until(deadline) => {
                    for r in gen.produce_until(shared.clock.now_ms()) {
                        buf.push(&r);
                    }
                    while let Ok(r) = records_rx.try_recv() {
                        buf.push(&r);
                    }
                    if !buf.is_empty() {
                        tokio::select! {
                            _ = cancel.cancelled() => {}
                            _ = deliver(&shared, &device.orb_id, &push, &mut buf) => {}
                        }
                    }
                    report_drops(&shared, &buf, &mut dropped_reported);
                    break;
                }
                Some(r) = records_rx.recv() => {
                    buf.push(&r);
                    report_drops(&shared, &buf, &mut dropped_reported);
                }
                _ = ticker.tick() => {
                    for r in gen.produce_until(shared.clock.now_ms()) {
                        buf.push(&r);
                    }
                    report_drops(&shared, &buf, &mut dropped_reported);
                    if !buf.is_empty() {
                        tokio::select! {
                            _ = cancel.cancelled() => break,
                            _ = deliver(&shared, &device.orb_id, &push, &mut buf) => {}
                        }
                    }
                }
            }
        }
    } else {
        tokio::select! {
            _ = cancel.cancelled() => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
    // The device reverts to its normal configuration (unless a newer session replaced this one).
    let mut org = shared.org(oi);
    let rt = &mut org.devices[di];
    if rt.temp.as_ref().is_some_and(|t| t.generation == generation) {
        rt.temp = None;
    }
    drop(org);
    shared.notify();
}

fn report_drops(shared: &Shared, buf: &PushBuffer, reported: &mut u64) {
    let d = buf.dropped();
    if d > *reported {
        shared
            .push_log
            .records_dropped
            .fetch_add(d - *reported, Ordering::Relaxed);
        *reported = d;
    }
}

async fn deliver(shared: &Shared, orb_id: &str, push: &PushSettings, buf: &mut PushBuffer) {
    let body = buf.encode(push.format);
    let records = buf.len();
    let bytes = body.len();
    let content_type = match push.format {
        PushFormat::Jsonl => "application/x-ndjson",
        PushFormat::Json => "application/json",
    };
    let at_ms = shared.clock.now_ms();
    let result = shared
        .push_client
        .post(push.url.clone())
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await;
    let (status, error, delivered) = match result {
        Ok(resp) => {
            let s = resp.status();
            (Some(s.as_u16()), None, s.is_success())
        }
        Err(e) => (None, Some(e.to_string()), false),
    };
    if delivered {
        buf.clear();
    } else {
        tracing::debug!(orb_id, url = %push.url, ?status, ?error, "push failed; records kept for the next interval");
    }
    shared.push_log.record(PushAttempt {
        orb_id: orb_id.to_string(),
        url: push.url.to_string(),
        at_ms,
        records,
        bytes,
        status,
        error,
        delivered,
    });
}

/// Runs a speed test on a device: after the test's duration, records the result and, if the
/// device is pushing `speed_results`, hands the record to its push session.
pub(crate) async fn run_speed_test(
    shared: Arc<Shared>,
    oi: usize,
    di: usize,
    test_uuid: String,
    test_type: String,
) {
    let wait = shared.settings.speed_test_duration * if test_type == "top" { 2 } else { 1 };
    tokio::select! {
        _ = shared.shutdown.cancelled() => return,
        _ = tokio::time::sleep(wait) => {}
    }
    let now = shared.clock.now_ms();
    let device = shared.fleet_device(oi, di);
    let mut org = shared.org(oi);
    let rt = &mut org.devices[di];
    let identifiable = rt
        .temp
        .as_ref()
        .and_then(|t| t.push.as_ref())
        .is_some_and(|p| p.identifiable);
    let seed = mix(&[shared.fleet.config.seed, 0x5BEED, now as u64, di as u64]);
    let record = RecordGenerator::new(device, &[], identifiable, now, seed).speed(now, &test_type);
    if let Some(t) = rt.speed_tests.iter_mut().find(|t| t.test_uuid == test_uuid) {
        t.finished_ms = Some(now);
        t.result = Some(record.clone());
    }
    let temp = rt.temp.as_ref();
    if let Some(temp) = temp {
        let wants = temp
            .push
            .as_ref()
            .is_some_and(|p| p.datasets.iter().any(|d| d == "speed_results"));
        if wants {
            if let Some(tx) = &temp.records_tx {
                let _ = tx.try_send(record);
            }
        }
    }
    drop(org);
    shared.notify();
}

/// A new speed test entry (kept to the last 100 per device).
pub(crate) fn remember_speed_test(list: &mut Vec<SpeedTest>, test: SpeedTest) {
    if list.len() >= 100 {
        list.remove(0);
    }
    list.push(test);
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
