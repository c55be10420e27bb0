//! Prometheus metrics: the latest measurements of each device (from records as they are
//! committed) and the collector's own counters, in the text exposition format, served at
//! `/metrics`.
//!
//! Units are Prometheus' base units: Orb's microseconds become seconds, kbps bits per second,
//! percent a ratio (the stored records keep Orb's units). Served over plain HTTP/1.1 with a header
//! timeout, a connection lifetime and a connection cap ([`ServeLimits`]); it has no
//! authentication, so bind it to the monitoring network or loopback.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use orb_cloud::datasets::{Family, FieldValue, Record};
use orb_cloud::push::ReceiverStatsHandle;

use crate::fleet::FleetStatus;
use crate::ingest::IngestStats;

/// One per-device gauge: its name, help, and the record field it follows (scaled).
struct Gauge {
    name: &'static str,
    help: &'static str,
    family: Family,
    field: &'static str,
    scale: f64,
}

const GAUGES: &[Gauge] = &[
    Gauge {
        name: "orb_score",
        help: "Orb Score (0-100) of the latest scores record.",
        family: Family::Scores,
        field: "orb_score",
        scale: 1.0,
    },
    Gauge {
        name: "orb_responsiveness_score",
        help: "Responsiveness part of the Orb Score (0-100).",
        family: Family::Scores,
        field: "responsiveness_score",
        scale: 1.0,
    },
    Gauge {
        name: "orb_reliability_score",
        help: "Reliability part of the Orb Score (0-100).",
        family: Family::Scores,
        field: "reliability_score",
        scale: 1.0,
    },
    Gauge {
        name: "orb_speed_score",
        help: "Speed part of the Orb Score (0-100).",
        family: Family::Scores,
        field: "speed_score",
        scale: 1.0,
    },
    Gauge {
        name: "orb_lag_seconds",
        help: "Average lag of the latest responsiveness record (Orb's lag_avg_us).",
        family: Family::Responsiveness,
        field: "lag_avg_us",
        scale: 1e-6,
    },
    Gauge {
        name: "orb_latency_seconds",
        help: "Average latency of the latest responsiveness record (latency_avg_us).",
        family: Family::Responsiveness,
        field: "latency_avg_us",
        scale: 1e-6,
    },
    Gauge {
        name: "orb_jitter_seconds",
        help: "Average jitter of the latest responsiveness record (jitter_avg_us).",
        family: Family::Responsiveness,
        field: "jitter_avg_us",
        scale: 1e-6,
    },
    Gauge {
        name: "orb_packet_loss_ratio",
        help: "Packet loss (0-1) of the latest responsiveness record (packet_loss_pct / 100).",
        family: Family::Responsiveness,
        field: "packet_loss_pct",
        scale: 0.01,
    },
    Gauge {
        name: "orb_download_bits_per_second",
        help: "Download speed of the latest speed test (download_kbps x 1000).",
        family: Family::Speed,
        field: "download_kbps",
        scale: 1000.0,
    },
    Gauge {
        name: "orb_upload_bits_per_second",
        help: "Upload speed of the latest speed test (upload_kbps x 1000).",
        family: Family::Speed,
        field: "upload_kbps",
        scale: 1000.0,
    },
];

/// Per gauge (in `GAUGES` order), the latest value and its record's timestamp.
type Slots = Vec<Option<(i64, f64)>>;

/// The latest value of each gauge per device, with the record's timestamp: a record older than
/// the one already seen (a late resend) does not replace it.
#[derive(Debug, Default)]
pub struct Latest {
    devices: Mutex<BTreeMap<String, Slots>>,
    /// Per family: (gauge index, field index in `Family::fields`).
    fields: std::sync::OnceLock<Vec<(Family, usize, usize)>>,
}

impl Latest {
    fn fields(&self) -> &[(Family, usize, usize)] {
        self.fields.get_or_init(|| {
            GAUGES
                .iter()
                .enumerate()
                .filter_map(|(g, gauge)| {
                    let at = gauge
                        .family
                        .fields()
                        .iter()
                        .position(|f| f.name == gauge.field)?;
                    Some((gauge.family, g, at))
                })
                .collect()
        })
    }

    /// Takes the values of committed `records`.
    pub fn observe<'a>(&self, records: impl IntoIterator<Item = &'a Record>) {
        let fields = self.fields();
        let Ok(mut devices) = self.devices.lock() else {
            return;
        };
        for record in records {
            let (Some(family), Some(orb_id), Some(ts)) =
                (record.family(), record.orb_id(), record.timestamp_ms())
            else {
                continue;
            };
            if !fields.iter().any(|(f, _, _)| *f == family) {
                continue;
            }
            let slots = devices
                .entry(orb_id.to_owned())
                .or_insert_with(|| vec![None; GAUGES.len()]);
            record.visit_fields(|i, value| {
                let value = match value {
                    FieldValue::Integer(v) => v as f64,
                    FieldValue::Real(v) => v,
                    _ => return,
                };
                for (_, g, _) in fields.iter().filter(|(f, _, at)| *f == family && *at == i) {
                    if slots[*g].is_none_or(|(seen, _)| seen <= ts) {
                        slots[*g] = Some((ts, value * GAUGES[*g].scale));
                    }
                }
            });
        }
    }
}

/// Everything `/metrics` shows.
#[derive(Debug, Clone)]
pub struct Metrics {
    pub(crate) latest: Arc<Latest>,
    pub(crate) ingest: Arc<IngestStats>,
    pub(crate) receiver: ReceiverStatsHandle,
    pub(crate) fleet: Option<FleetStatus>,
}

/// The `# HELP` and `# TYPE` lines of a metric.
fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as the exposition format wants it.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Adds the fleet's device states (and their names and organizations as labels).
    pub fn with_fleet(mut self, fleet: FleetStatus) -> Self {
        self.fleet = Some(fleet);
        self
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let fleet = self
            .fleet
            .as_ref()
            .and_then(|f| f.lock().ok().map(|f| f.clone()))
            .unwrap_or_default();
        let labels = |orb_id: &str| {
            let (name, org) = fleet
                .get(orb_id)
                .map(|d| (d.name.as_str(), d.organization.as_str()))
                .unwrap_or(("", ""));
            format!(
                "orb_id=\"{}\",name=\"{}\",organization=\"{}\"",
                label(orb_id),
                label(name),
                label(org)
            )
        };
        let mut out = String::new();
        let devices = self
            .latest
            .devices
            .lock()
            .map(|d| d.clone())
            .unwrap_or_default();
        for (g, gauge) in GAUGES.iter().enumerate() {
            head(&mut out, gauge.name, "gauge", gauge.help);
            for (orb_id, slots) in &devices {
                if let Some((_, value)) = slots[g] {
                    let _ = writeln!(out, "{}{{{}}} {}", gauge.name, labels(orb_id), value);
                }
            }
        }
        let s = self.ingest.snapshot();
        let r = self.receiver.get();
        for (name, help, value) in [
            (
                "orb_collector_records_accepted_total",
                "Records handed from pushes to the store.",
                r.accepted_records,
            ),
            (
                "orb_collector_records_stored_total",
                "Records committed to the store.",
                s.stored,
            ),
            (
                "orb_collector_duplicates_total",
                "Records already in the store (resends), not stored again.",
                s.duplicates,
            ),
            (
                "orb_collector_rejected_records_total",
                "Pushed records that did not decode.",
                r.rejected_records,
            ),
            (
                "orb_collector_commits_total",
                "Store transactions committed.",
                s.commits,
            ),
            (
                "orb_collector_commit_failures_total",
                "Store transactions that failed (their pushes were answered 503).",
                s.failed_commits,
            ),
        ] {
            head(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {value}");
        }
        let refused = "orb_collector_pushes_refused_total";
        head(&mut out, refused, "counter", "Pushes answered 503: the receiver's queue was full (busy) or the commit took too long (not_committed).");
        for (reason, value) in [("busy", r.busy), ("not_committed", r.not_committed)] {
            let _ = writeln!(out, "{refused}{{reason=\"{reason}\"}} {value}");
        }
        let commit = "orb_collector_commit_seconds";
        head(&mut out, commit, "summary", "Time taken by store commits.");
        let _ = writeln!(out, "{commit}_sum {}", s.commit_micros_total as f64 / 1e6);
        let _ = writeln!(out, "{commit}_count {}", s.commits);
        head(
            &mut out,
            "orb_collector_commit_seconds_max",
            "gauge",
            "The longest store commit so far.",
        );
        let _ = writeln!(out, "{commit}_max {}", s.commit_micros_max as f64 / 1e6);
        if !fleet.is_empty() {
            let state = "orb_collector_device_state";
            head(
                &mut out,
                state,
                "gauge",
                "Each device's state (1 for the state it is in).",
            );
            for d in fleet.values() {
                let _ = writeln!(
                    out,
                    "{state}{{{},state=\"{}\"}} 1",
                    labels(&d.orb_id),
                    d.state.as_str()
                );
            }
        }
        out
    }
}

/// How `/metrics` holds its peers to account: a scraper is a trusted program, but a port that
/// anyone can reach must not let a silent or slow connection hold memory or a task for ever.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ServeLimits {
    /// A request head must arrive within this (default 10 s).
    pub header_timeout: std::time::Duration,
    /// A connection lives at most this long (default 60 s; scrapers reconnect).
    pub connection_timeout: std::time::Duration,
    /// Connections at once; more are closed at once (default 64).
    pub max_connections: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_timeout: std::time::Duration::from_secs(10),
            connection_timeout: std::time::Duration::from_secs(60),
            max_connections: 64,
        }
    }
}

/// Serves `metrics` at `GET /metrics` on `listener` (HTTP/1.1, [`ServeLimits::default`])
/// until the returned task is aborted.
pub fn serve(
    listener: tokio::net::TcpListener,
    metrics: Metrics,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    serve_with(listener, metrics, ServeLimits::default())
}

/// [`serve`] with other limits.
pub fn serve_with(
    listener: tokio::net::TcpListener,
    metrics: Metrics,
    limits: ServeLimits,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    metrics.render(),
                )
            }
        }),
    );
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                drop(stream); // over the cap: closed at once
                continue;
            };
            let service = TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                let _permit = permit;
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .serve_connection(TokioIo::new(stream), service);
                let _ = tokio::time::timeout(limits.connection_timeout, connection).await;
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gauge_follows_a_documented_field() {
        for gauge in GAUGES {
            assert!(
                gauge.family.fields().iter().any(|f| f.name == gauge.field),
                "{}",
                gauge.name
            );
        }
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn a_late_resend_does_not_replace_a_newer_value() {
        let latest = Latest::default();
        let body = br#"{"orb_id":"a","dataset":"scores","timestamp":2,"orb_score":90}
{"orb_id":"a","dataset":"scores","timestamp":1,"orb_score":10}"#;
        let parsed =
            orb_cloud::datasets::parse_push(body, orb_cloud::datasets::Format::Jsonl, None);
        latest.observe(&parsed.records);
        let devices = latest.devices.lock().unwrap();
        assert_eq!(devices["a"][0], Some((2, 90.0)));
    }
}
