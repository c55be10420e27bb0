//! `orb history`: a device's stored records of one dataset family, from a store `orb collect`
//! filled, as a table with a sparkline, JSON lines or CSV.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;
use orb_cloud::datasets::{DatasetName, Family};
use orb_collector::store::{main_field, HistoryQuery, HistoryRows, SqliteStore, StoreSpec, Value};

use crate::error::CliError;
use crate::output::{shown, write_stdout, Format, Output, Table};

#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// The device's Orb id.
    orb_id: String,
    /// The dataset family (scores, responsiveness, web_responsiveness, speed, wifi_link) or a
    /// dataset name of it (responsiveness_1s).
    #[arg(long)]
    dataset: String,
    /// The store: sqlite:PATH.
    #[arg(long, default_value = "sqlite:orb-data.sqlite")]
    from: String,
    /// Only records this recent (e.g. 24h, 7d).
    #[arg(long)]
    since: Option<String>,
    /// At most this many rows, the most recent.
    #[arg(long)]
    limit: Option<u64>,
    /// Draw the fields over time into FILE.svg or FILE.png (default field: the family's main
    /// one, e.g. orb_score, lag_avg_us, download_kbps).
    #[arg(long, value_name = "FILE")]
    plot: Option<std::path::PathBuf>,
}

fn family(text: &str) -> Result<Family, CliError> {
    Family::parse(text)
        .or_else(|| DatasetName::from(text).family())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "--dataset {}: not a dataset family; the families are {}",
                shown(text),
                Family::ALL.map(Family::as_str).join(", ")
            ))
        })
}

fn since(text: &str) -> Result<Duration, CliError> {
    humantime::parse_duration(text)
        .map_err(|e| CliError::Usage(format!("--since {}: {e} (e.g. 24h, 7d)", shown(text))))
}

/// The checks that need no store.
pub(crate) fn check(args: &HistoryArgs) -> Result<(), CliError> {
    family(&args.dataset)?;
    if let Some(s) = &args.since {
        since(s)?;
    }
    StoreSpec::parse(&args.from).map_err(|e| CliError::Usage(format!("--from: {e}")))?;
    if let Some(p) = &args.plot {
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if !matches!(ext.as_deref(), Some("svg" | "png")) {
            return Err(CliError::Usage(format!(
                "--plot {}: the file must end in .svg or .png",
                p.display()
            )));
        }
    }
    Ok(())
}

pub(crate) async fn run(
    out: Output,
    fields: Option<Vec<String>>,
    args: HistoryArgs,
) -> Result<(), CliError> {
    let family = family(&args.dataset)?;
    let path = match StoreSpec::parse(&args.from) {
        Ok(StoreSpec::Sqlite(path)) => path,
        Ok(other) => {
            return Err(CliError::Usage(format!(
                "--from {other}: orb history reads SQLite stores"
            )))
        }
        Err(e) => return Err(CliError::Usage(format!("--from: {e}"))),
    };
    if !path.exists() {
        return Err(CliError::Usage(format!(
            "--from {}: no such file (orb collect --to {} makes it)",
            path.display(),
            args.from
        )));
    }
    let mut query = HistoryQuery::new(args.orb_id.clone(), family);
    if let Some(s) = &args.since {
        let cutoff = SystemTime::now()
            .checked_sub(since(s)?)
            .unwrap_or(UNIX_EPOCH);
        query.since_ms = Some(
            cutoff
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
        );
    }
    // A plot is of the fields chosen (the main one by default) over time.
    query.fields = match (&args.plot, fields) {
        (Some(_), None) => Some(vec!["timestamp".into(), main_field(family).into()]),
        (Some(_), Some(mut fields)) => {
            if !fields.iter().any(|f| f.trim() == "timestamp") {
                fields.insert(0, "timestamp".into());
            }
            Some(fields)
        }
        (None, fields) => fields,
    };
    query.limit = args.limit;
    let rows = tokio::task::spawn_blocking(move || {
        SqliteStore::open_read_only(&path).and_then(|store| store.history(&query))
    })
    .await
    .map_err(|e| CliError::NotDone(e.to_string()))?
    .map_err(|e| match e {
        orb_collector::store::StoreError::Query(why) => CliError::Usage(why),
        other => CliError::NotDone(other.to_string()),
    })?;
    if rows.rows.is_empty() && !out.json {
        out.say(&format!(
            "no {} records of {} in {}",
            family,
            shown(&args.orb_id),
            args.from
        ));
        return Ok(());
    }
    if let Some(path) = &args.plot {
        let title = format!("{} {}", shown(&args.orb_id), family);
        crate::plot::plot(path, &title, &rows)?;
        // On stderr: the product is the file.
        crate::output::eprintln_human(&format!(
            "plotted {} records of {} to {}",
            rows.rows.len(),
            rows.columns
                .iter()
                .filter(|c| *c != "timestamp")
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            path.display()
        ));
        return Ok(());
    }
    match out.format {
        Format::Json => json(&out, &rows),
        Format::Csv => csv(&rows)?,
        Format::Table => {
            table(&out, &rows);
            if let Some(line) = sparkline_of(&rows, main_field(family)) {
                out.say(&line);
            }
        }
    }
    Ok(())
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Integer(i) => serde_json::json!(i),
        Value::Real(r) => serde_json::json!(r),
        Value::Text(t) => serde_json::json!(t),
        _ => serde_json::Value::Null,
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => t.clone(),
        _ => String::new(),
    }
}

/// One row as a JSON object with its columns in order.
struct Row<'a>(&'a [String], &'a [Value]);

impl serde::Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (column, value) in self.0.iter().zip(self.1) {
            map.serialize_entry(column, &json_value(value))?;
        }
        map.end()
    }
}

/// One object per row, columns as keys in the order chosen; `timestamp` as epoch ms, as Orb
/// sends it.
fn json(out: &Output, rows: &HistoryRows) {
    let objects: Vec<Row<'_>> = rows.rows.iter().map(|r| Row(&rows.columns, r)).collect();
    out.json_lines(&objects);
}

fn csv(rows: &HistoryRows) -> Result<(), CliError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| CliError::NotDone(format!("CSV: {e}"));
    writer.write_record(&rows.columns).map_err(fail)?;
    for row in &rows.rows {
        writer.write_record(row.iter().map(text)).map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| CliError::NotDone(format!("CSV: {e}")))?;
    write_stdout(&bytes);
    Ok(())
}

/// For people: times in UTC, numbers right-aligned, remote text escaped.
fn table(out: &Output, rows: &HistoryRows) {
    let headers: Vec<&str> = rows.columns.iter().map(String::as_str).collect();
    let mut table = Table::new(&headers);
    for (i, _) in rows.columns.iter().enumerate() {
        if rows
            .rows
            .iter()
            .any(|r| matches!(r[i], Value::Integer(_) | Value::Real(_)))
        {
            table = table.right(i);
        }
    }
    for row in &rows.rows {
        table.row(
            rows.columns
                .iter()
                .zip(row)
                .map(|(c, v)| match (c.as_str(), v) {
                    ("timestamp", Value::Integer(ms)) => time(*ms),
                    (_, Value::Real(r)) => format!("{r:.2}"),
                    _ => shown(&text(v)),
                })
                .collect(),
        );
    }
    table.print(out);
}

fn time(ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

/// `orb_score  ▂▃▅▇█▆  min 61  max 97  last 93`, over at most 60 buckets, or `None` when the
/// rows have no value of `field`.
fn sparkline_of(rows: &HistoryRows, field: &str) -> Option<String> {
    let i = rows.columns.iter().position(|c| c == field)?;
    let values: Vec<f64> = rows.rows.iter().filter_map(|r| r[i].as_f64()).collect();
    let line = sparkline(&values, 60)?;
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let last = values.last()?;
    Some(format!(
        "{field}  {line}  min {}  max {}  last {}",
        short(min),
        short(max),
        short(*last)
    ))
}

fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Eight-level bars of `values`, averaged into at most `width` buckets.
fn sparkline(values: &[f64], width: usize) -> Option<String> {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() || width == 0 {
        return None;
    }
    let buckets = finite.len().min(width);
    let means: Vec<f64> = (0..buckets)
        .map(|b| {
            let from = b * finite.len() / buckets;
            let to = ((b + 1) * finite.len() / buckets).max(from + 1);
            finite[from..to].iter().sum::<f64>() / (to - from) as f64
        })
        .collect();
    let lo = means.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(
        means
            .iter()
            .map(|m| {
                let level = if hi > lo {
                    ((m - lo) / (hi - lo) * 7.0).round() as usize
                } else {
                    3
                };
                BARS[level.min(7)]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_to_the_range_and_bucket_long_series() {
        assert_eq!(sparkline(&[1.0, 2.0, 3.0], 60).unwrap(), "▁▅█");
        assert_eq!(sparkline(&[5.0, 5.0], 60).unwrap(), "▄▄");
        let long: Vec<f64> = (0..1000).map(f64::from).collect();
        let line = sparkline(&long, 60).unwrap();
        assert_eq!(line.chars().count(), 60);
        assert!(line.starts_with('▁') && line.ends_with('█'));
        assert!(sparkline(&[f64::NAN], 60).is_none());
        assert!(sparkline(&[], 60).is_none());
    }

    #[test]
    fn dataset_names_and_families_are_both_taken() {
        assert_eq!(family("responsiveness_1s").unwrap(), Family::Responsiveness);
        assert_eq!(family("speed").unwrap(), Family::Speed);
        assert!(matches!(family("latency"), Err(CliError::Usage(m)) if m.contains("wifi_link")));
    }
}
