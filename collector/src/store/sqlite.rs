//! The embedded store: one SQLite file in WAL mode, written one transaction per group of
//! pushes, each record once (`INSERT OR IGNORE` on its identity, see `schema.rs`).
//!
//! Durability: with [`Durability::PowerLoss`] (the default) every commit is synced to disk
//! before it returns (`synchronous = FULL`), so a record whose push was answered 2xx survives
//! a crash of the process or of the machine. With [`Durability::ProcessCrash`]
//! (`synchronous = NORMAL`) commits survive the process being killed, but the last ones may be
//! lost if the machine loses power; in exchange a commit does not wait for the disk.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use orb_cloud::datasets::{Family, FieldValue, Record};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::schema::{self, quoted};
use super::{StoreError, Written};

/// What a commit survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Durability {
    /// The process being killed and the machine losing power (`synchronous = FULL`).
    #[default]
    PowerLoss,
    /// The process being killed; the last commits may be lost on power loss
    /// (`synchronous = NORMAL`).
    ProcessCrash,
}

/// How long a write waits for another writer's lock (a person's `sqlite3` session, a backup)
/// before giving up; the collector then answers the devices 503 and they send again.
const BUSY_TIMEOUT: Duration = Duration::from_millis(500);

/// The SQLite store.
///
/// ```
/// use orb_cloud::datasets::{parse_push, Format};
/// use orb_collector::store::{Durability, SqliteStore};
/// let dir = tempfile::tempdir()?;
/// let mut store = SqliteStore::open(&dir.path().join("orb.sqlite"), Durability::PowerLoss)?;
/// let body = br#"{"orb_id":"a","dataset":"speed","timestamp":1,"download_kbps":5}"#;
/// let parsed = parse_push(body, Format::Jsonl, None);
/// let raw = &body[parsed.spans[0].clone()];
/// let written = store.write([(&parsed.records[0], raw)])?;
/// assert_eq!(written.stored, 1);
/// // The same record again (a resend) is not stored twice.
/// assert_eq!(store.write([(&parsed.records[0], raw)])?.duplicates, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// Per family (in `Family::ALL` order): its insert statement and column count.
    inserts: Vec<(String, usize)>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (or creates) the store at `path`, in WAL mode, and brings its schema up to date.
    pub fn open(path: &Path, durability: Durability) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL: readers (`orb history`, sqlite3, Datasette) never block the writer.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let synchronous = match durability {
            Durability::PowerLoss => "FULL",
            Durability::ProcessCrash => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", synchronous)?;
        schema::migrate(&mut conn)?;
        let inserts = Family::ALL
            .iter()
            .map(|family| {
                let fields = schema::columns(*family);
                let names: Vec<String> = fields.iter().map(|f| quoted(f.name)).collect();
                let n = fields.len() + 2;
                let sql = format!(
                    "INSERT OR IGNORE INTO {} ({}, extra, received_ms) VALUES ({})",
                    family.as_str(),
                    names.join(", "),
                    (1..=n)
                        .map(|i| format!("?{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                (sql, fields.len())
            })
            .collect();
        Ok(Self {
            conn,
            path: path.to_owned(),
            inserts,
        })
    }

    /// Opens an existing store for reading only (`orb history`): never creates or changes it.
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > schema::SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                known: schema::SCHEMA_VERSION,
            });
        }
        Ok(Self {
            conn,
            path: path.to_owned(),
            inserts: Vec::new(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Stores `records` (each with its text as received) in one transaction: all or nothing.
    /// A record already in the store is counted as a duplicate and not stored again. When this
    /// returns `Ok`, the records are committed with the store's [`Durability`].
    pub fn write<'a>(
        &mut self,
        records: impl IntoIterator<Item = (&'a Record, &'a [u8])>,
    ) -> Result<Written, StoreError> {
        self.write_with_rejected(records, std::iter::empty())
    }

    /// [`SqliteStore::write`], plus pushed records that did not decode (who sent them, why,
    /// and their bytes), kept in `rejected_records`, in the same transaction.
    pub fn write_with_rejected<'a>(
        &mut self,
        records: impl IntoIterator<Item = (&'a Record, &'a [u8])>,
        rejected: impl IntoIterator<Item = Rejected<'a>>,
    ) -> Result<Written, StoreError> {
        let received_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        // IMMEDIATE: the write lock is taken (or found busy) now, not at the first insert.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut written = Written::default();
        let mut values: Vec<Option<FieldValue<'a>>> = Vec::with_capacity(64);
        for (record, raw) in records {
            let changed = insert_record(&tx, &self.inserts, &mut values, record, raw, received_ms)?;
            match changed {
                Inserted::Typed => written.stored += 1,
                Inserted::Other => {
                    written.stored += 1;
                    written.other += 1;
                }
                Inserted::Duplicate => written.duplicates += 1,
            }
        }
        for r in rejected {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO rejected_records (peer, error, raw, received_ms) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let raw = String::from_utf8_lossy(r.raw);
            written.rejected += stmt.execute(rusqlite::params![
                r.peer,
                r.error,
                raw.as_ref(),
                received_ms
            ])? as u64;
        }
        tx.commit()?;
        Ok(written)
    }

    /// Records in the store: per family table and `other_records`, for summaries and tests.
    pub fn counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::new();
        let tables = Family::ALL
            .iter()
            .map(|f| f.as_str())
            .chain(["other_records", "rejected_records"]);
        for table in tables {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            out.push((table.to_owned(), n as u64));
        }
        Ok(out)
    }
}

/// A pushed record that did not decode.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Rejected<'a> {
    /// Who sent it (`ip:port`), when known.
    pub peer: Option<&'a str>,
    /// Why it did not decode (where, and what).
    pub error: &'a str,
    /// Its bytes as received.
    pub raw: &'a [u8],
}

impl<'a> Rejected<'a> {
    /// A rejected record.
    pub fn new(peer: Option<&'a str>, error: &'a str, raw: &'a [u8]) -> Self {
        Self { peer, error, raw }
    }
}

enum Inserted {
    Typed,
    Other,
    Duplicate,
}

/// One record into its family's table, or whole into `other_records`.
fn insert_record<'a>(
    tx: &rusqlite::Transaction<'_>,
    inserts: &[(String, usize)],
    values: &mut Vec<Option<FieldValue<'a>>>,
    record: &'a Record,
    raw: &'a [u8],
    received_ms: i64,
) -> Result<Inserted, StoreError> {
    let text = String::from_utf8_lossy(raw);
    let typed = record
        .family()
        .and_then(|f| Family::ALL.iter().position(|a| *a == f).map(|i| (f, i)));
    let identified = record.orb_id().is_some() && record.timestamp_ms().is_some();
    if let (Some((family, index)), true) = (typed, identified) {
        let (sql, n) = &inserts[index];
        values.clear();
        values.resize(*n, None);
        record.visit_fields(|i, value| values[i] = Some(value));
        let extra = family.unknown_fields(&text).ok().flatten();
        let mut stmt = tx.prepare_cached(sql)?;
        for (i, value) in values.iter().enumerate() {
            match value {
                Some(FieldValue::Integer(v)) => stmt.raw_bind_parameter(i + 1, v)?,
                Some(FieldValue::Real(v)) => stmt.raw_bind_parameter(i + 1, v)?,
                Some(FieldValue::Text(v)) => stmt.raw_bind_parameter(i + 1, v)?,
                _ => stmt.raw_bind_parameter(i + 1, rusqlite::types::Null)?,
            }
        }
        stmt.raw_bind_parameter(n + 1, extra.as_deref())?;
        stmt.raw_bind_parameter(n + 2, received_ms)?;
        return Ok(if stmt.raw_execute()? > 0 {
            Inserted::Typed
        } else {
            Inserted::Duplicate
        });
    }
    // Kept whole: a family this version does not type, or a record without the id and time
    // that tell a resend from a new record.
    let family = match (typed, record.dataset()) {
        (Some((family, _)), _) => family.as_str().to_owned(),
        (None, Some(kind)) => kind.as_str().to_owned(),
        (None, None) => String::new(),
    };
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO other_records (family, orb_id, timestamp, json, received_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let changed = stmt.execute(rusqlite::params![
        family,
        record.orb_id(),
        record.timestamp_ms(),
        text.as_ref(),
        received_ms
    ])?;
    Ok(if changed > 0 {
        Inserted::Other
    } else {
        Inserted::Duplicate
    })
}
