//! What a simulated device does on its own: push dataset records while temporary datasets last
//! (Orb's Data Push), and run speed tests.
//!
//! A device with temporary datasets whose `push` is enabled with a `url` POSTs every `interval_ms`
//! the records gathered since its last successful POST, as `jsonl` (one object per line, the
//! default) or `json` (an array). While POSTs fail (connection error or non-2xx) it keeps up to
//! `buffer_kb` of records, dropping the oldest beyond that, and sends them again at the next
//! interval. It stops when the duration ends (after one last POST), when the temporary datasets are
//! replaced (also after one last POST, so renewing a configuration loses nothing), or when the
//! sandbox shuts down.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::data_push::{PushAttempt, PushBuffer, PushSettings};
use crate::dataset_records::RecordGenerator;
use crate::rng::mix;
use crate::shared::Shared;

/// Runs one temporary-datasets session until its end, then reverts the device.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_temp_datasets(
    shared: Arc<Shared>,
    oi: usize,
    di: usize,
    generation: u64,
    push: Option<PushSettings>,
    duration: Duration,
    cancel: CancellationToken,
    mut records_rx: mpsc::Receiver<Value>,
    start_ms: i64,
    replaced_at_ms: Arc<AtomicI64>,
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

/// Adds the records the buffer dropped since the last report to the push log's counter.
fn report_drops(shared: &Shared, buf: &PushBuffer, reported: &mut u64) {
    let d = buf.dropped();
    if d > *reported {
        shared.push_log.count_dropped(d - *reported);
        *reported = d;
    }
}

/// POSTs everything buffered; forgets it once the receiver took it (2xx), else keeps it.
async fn deliver(shared: &Shared, orb_id: &str, push: &PushSettings, buf: &mut PushBuffer) {
    let body = buf.encode(push.format);
    let records = buf.len();
    let bytes = body.len();
    let at_ms = shared.clock.now_ms();
    let result = shared
        .push_client
        .post(push.url.clone())
        .header(reqwest::header::CONTENT_TYPE, push.format.content_type())
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
