//! Counting and printing pushed records as they arrive (stream, listen, demo).

use std::collections::BTreeMap;

use orb_cloud::datasets::Record;
use orb_cloud::push::PushEvent;

use crate::output::{eprintln_human, record_line, Output};

/// Prints events as they come; returns the records by dataset.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) records: u64,
    pub(crate) rejected: u64,
    pub(crate) by_dataset: BTreeMap<String, u64>,
    pub(crate) lag_us: Vec<f64>,
    pub(crate) speed: Option<(Option<i64>, Option<i64>)>,
}

impl Tally {
    pub(crate) fn record(&mut self, out: &Output, record: &Record) {
        self.records += 1;
        *self
            .by_dataset
            .entry(
                record
                    .dataset()
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "unknown".into()),
            )
            .or_default() += 1;
        match record {
            Record::Responsiveness(r) => self.lag_us.extend(r.lag_avg_us),
            Record::Speed(s) => self.speed = Some((s.download_kbps, s.upload_kbps)),
            _ => {}
        }
        if out.json {
            out.json_line(record);
        } else {
            crate::output::println_human(&record_line(out, record));
        }
    }

    pub(crate) fn event(&mut self, out: &Output, event: PushEvent) {
        match event {
            PushEvent::Record(record) => self.record(out, &record),
            PushEvent::Rejected(rejection) => {
                for r in rejection.records {
                    self.rejected += 1;
                    eprintln_human(&format!(
                        "warning: a pushed record was rejected: {}",
                        r.error
                    ));
                }
            }
            _ => {}
        }
    }

    pub(crate) fn summary(&self) -> String {
        let parts: Vec<String> = self
            .by_dataset
            .iter()
            .map(|(d, n)| format!("{n} {d}"))
            .collect();
        format!(
            "{} records ({}){}",
            self.records,
            if parts.is_empty() {
                "none".into()
            } else {
                parts.join(", ")
            },
            if self.rejected > 0 {
                format!(", {} rejected", self.rejected)
            } else {
                String::new()
            }
        )
    }
}
