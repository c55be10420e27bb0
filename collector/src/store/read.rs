//! The store's reading side: a device's records of one family over a time range, with the
//! columns asked for (`orb history`), as plain values any writer (table, CSV, JSON, a plot, a
//! forwarder) can use.

use orb_cloud::datasets::Family;

use super::schema::{quoted, table_columns};
use super::{SqliteStore, StoreError};

/// A value read from the store.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// No value.
    Null,
    /// A whole number.
    Integer(i64),
    /// A floating-point number.
    Real(f64),
    /// Text (a JSON column's text too).
    Text(String),
}

impl Value {
    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Integer(v) => Some(*v as f64),
            Value::Real(v) => Some(*v),
            _ => None,
        }
    }
}

/// Which rows to read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HistoryQuery {
    /// The device.
    pub orb_id: String,
    /// The family (its table).
    pub family: Family,
    /// Records at or after this time (epoch ms).
    pub since_ms: Option<i64>,
    /// Columns, in order (`None`: `timestamp` and every documented field the rows have).
    pub fields: Option<Vec<String>>,
    /// At most this many rows, the most recent ones.
    pub limit: Option<u64>,
}

impl HistoryQuery {
    /// Every record of `family` from `orb_id`.
    ///
    /// ```
    /// use orb_cloud::datasets::Family;
    /// let q = orb_collector::store::HistoryQuery::new("orb-id", Family::Scores);
    /// assert!(q.since_ms.is_none());
    /// ```
    pub fn new(orb_id: impl Into<String>, family: Family) -> Self {
        Self {
            orb_id: orb_id.into(),
            family,
            since_ms: None,
            fields: None,
            limit: None,
        }
    }
}

/// Rows read: column names and one value per column per row, oldest first.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HistoryRows {
    /// Column names.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

/// Rows stored after a cursor ([`SqliteStore::rows_after`]): for forwarders that copy the
/// store elsewhere, resuming where they stopped.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page {
    /// The rows, every column, in the order they were stored.
    pub rows: HistoryRows,
    /// The cursor to pass next time (the last row's id; the one given when there were none).
    pub next: i64,
}

/// The field that says most about a family at a glance (`orb history`'s sparkline).
///
/// ```
/// use orb_cloud::datasets::Family;
/// assert_eq!(orb_collector::store::main_field(Family::Scores), "orb_score");
/// ```
pub fn main_field(family: Family) -> &'static str {
    match family {
        Family::Scores => "orb_score",
        Family::Responsiveness => "lag_avg_us",
        Family::WebResponsiveness => "ttfb_us",
        Family::Speed => "download_kbps",
        Family::WifiLink => "rssi_avg",
        _ => "timestamp",
    }
}

/// Columns `orb history` never shows by default: the same in every row of the query, or
/// bookkeeping.
const NOT_BY_DEFAULT: &[&str] = &["orb_id", "received_ms", "extra"];

impl SqliteStore {
    /// The rows of `table` (a family's, `other_records` or `rejected_records`) stored after
    /// `after` (0 at first), at most `limit`, with every column: the store's reading side for
    /// programs that forward it elsewhere. Rows are never rewritten, so a cursor stays valid.
    ///
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// use orb_collector::store::{Durability, SqliteStore};
    /// let store = SqliteStore::open(&dir.path().join("orb.sqlite"), Durability::PowerLoss)?;
    /// let page = store.rows_after("scores", 0, 500)?;
    /// assert!(page.rows.rows.is_empty() && page.next == 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows_after(&self, table: &str, after: i64, limit: u64) -> Result<Page, StoreError> {
        let known = Family::ALL.iter().any(|f| f.as_str() == table)
            || matches!(table, "other_records" | "rejected_records");
        if !known {
            return Err(StoreError::Query(format!(
                "no table {table:?}; the tables are {}, other_records, rejected_records",
                Family::ALL.map(Family::as_str).join(", ")
            )));
        }
        let conn = self.connection();
        let mut columns = vec!["rowid".to_owned()];
        columns.extend(table_columns(conn, table)?);
        let select: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
        let mut stmt = conn.prepare(&format!(
            "SELECT {} FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
            select.join(", ")
        ))?;
        let limit = limit.min(i64::MAX as u64) as i64;
        let rows: Vec<Vec<Value>> = stmt
            .query_map(rusqlite::params![after, limit], |row| {
                (0..columns.len())
                    .map(|i| row.get_ref(i).map(value))
                    .collect::<Result<Vec<_>, rusqlite::Error>>()
            })?
            .collect::<Result<_, _>>()?;
        let next = match rows.last().map(|r| &r[0]) {
            Some(Value::Integer(id)) => *id,
            _ => after,
        };
        Ok(Page {
            rows: HistoryRows { columns, rows },
            next,
        })
    }

    /// The rows of `query`, oldest first. Unknown field names are an error that lists the
    /// table's columns. Without chosen fields, columns that are empty in every row are left
    /// out.
    pub fn history(&self, query: &HistoryQuery) -> Result<HistoryRows, StoreError> {
        let conn = self.connection();
        let table = query.family.as_str();
        let available = table_columns(conn, table)?;
        let chosen: Vec<String> = match &query.fields {
            Some(fields) => {
                let mut chosen = Vec::new();
                for field in fields {
                    let field = field.trim();
                    if !available.iter().any(|c| c == field) {
                        return Err(StoreError::Query(format!(
                            "no field {field:?} in {table}; its fields are {}",
                            available.join(", ")
                        )));
                    }
                    chosen.push(field.to_owned());
                }
                chosen
            }
            None => available
                .iter()
                .filter(|c| !NOT_BY_DEFAULT.contains(&c.as_str()))
                .cloned()
                .collect(),
        };
        if chosen.is_empty() {
            return Err(StoreError::Query("no field chosen".into()));
        }
        let select: Vec<String> = chosen.iter().map(|c| quoted(c)).collect();
        // The most recent `limit` rows, then oldest first.
        let sql = format!(
            "SELECT * FROM (SELECT {cols} FROM {table} WHERE \"orb_id\" = ?1 AND \"timestamp\" >= ?2 \
             ORDER BY \"timestamp\" DESC LIMIT ?3) ORDER BY \"timestamp\"",
            cols = select.join(", "),
        );
        // (`timestamp` is in the inner select only if chosen: order the outer one by position.)
        let sql = if chosen.iter().any(|c| c == "timestamp") {
            sql
        } else {
            format!(
                "SELECT {cols} FROM {table} WHERE \"orb_id\" = ?1 AND \"timestamp\" >= ?2 \
                 ORDER BY \"timestamp\" DESC LIMIT ?3",
                cols = select.join(", "),
            )
        };
        let mut stmt = conn.prepare(&sql)?;
        let limit = query.limit.map_or(-1, |l| l.min(i64::MAX as u64) as i64);
        let mut rows: Vec<Vec<Value>> = stmt
            .query_map(
                rusqlite::params![query.orb_id, query.since_ms.unwrap_or(i64::MIN), limit],
                |row| {
                    (0..chosen.len())
                        .map(|i| row.get_ref(i).map(value))
                        .collect::<Result<Vec<_>, rusqlite::Error>>()
                },
            )?
            .collect::<Result<_, _>>()?;
        if !chosen.iter().any(|c| c == "timestamp") {
            rows.reverse();
        }
        let mut columns = chosen;
        if query.fields.is_none() {
            // Leave out what no row has.
            let keep: Vec<bool> = (0..columns.len())
                .map(|i| rows.iter().any(|r| r[i] != Value::Null))
                .collect();
            if keep.iter().any(|k| *k) {
                let mut i = 0;
                columns.retain(|_| {
                    i += 1;
                    keep[i - 1]
                });
                for row in &mut rows {
                    let mut i = 0;
                    row.retain(|_| {
                        i += 1;
                        keep[i - 1]
                    });
                }
            }
        }
        Ok(HistoryRows { columns, rows })
    }
}

fn value(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Integer(v),
        ValueRef::Real(v) => Value::Real(v),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::Text(String::from_utf8_lossy(t).into_owned())
        }
    }
}
