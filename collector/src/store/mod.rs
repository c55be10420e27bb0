//! Where records go: the embedded SQLite store (`sqlite.rs`), its tables (`schema.rs`) and its
//! reading side (`read.rs`, for `orb history` and for forwarders).

use std::path::PathBuf;

mod read;
pub mod schema;
mod sqlite;

pub use read::{main_field, HistoryQuery, HistoryRows, Page, Value};
pub use sqlite::{Durability, Rejected, SqliteStore};

/// What one write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    /// Records stored now.
    pub stored: u64,
    /// Records already in the store (a device's resend): not stored again.
    pub duplicates: u64,
    /// Of `stored`, those kept whole in `other_records` (a family this version does not know,
    /// or no `orb_id` or `timestamp` to tell a resend by).
    pub other: u64,
    /// Pushed records that did not decode, kept in `rejected_records` with why.
    pub rejected: u64,
}

impl std::ops::AddAssign for Written {
    fn add_assign(&mut self, rhs: Self) {
        self.stored += rhs.stored;
        self.duplicates += rhs.duplicates;
        self.other += rhs.other;
        self.rejected += rhs.rejected;
    }
}

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite said no (locked past the busy timeout, disk full, not a database, ...).
    #[error("the SQLite store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was made by a newer version of this program.
    #[error(
        "the store's schema is version {found}, newer than this program's {known}: use a newer orb"
    )]
    NewerSchema {
        /// The store's version.
        found: i64,
        /// This program's.
        known: i64,
    },
    /// `--to` names a store this version cannot use.
    #[error("unknown store {0:?}: the store is `sqlite:PATH` (e.g. sqlite:orb-data.sqlite)")]
    UnknownStore(String),
    /// A query asked for something the store does not have.
    #[error("{0}")]
    Query(String),
}

impl StoreError {
    /// Whether the store was busy (another writer holds the lock): worth trying again.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

/// A store named on the command line (`--to sqlite:PATH`, `--from sqlite:PATH`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreSpec {
    /// The embedded SQLite store at this path.
    Sqlite(PathBuf),
}

impl StoreSpec {
    /// The default store: `orb-data.sqlite` in the current directory.
    pub fn default_sqlite() -> Self {
        StoreSpec::Sqlite(PathBuf::from("orb-data.sqlite"))
    }

    /// Parses `sqlite:PATH` (a bare path ending in `.sqlite` or `.db` is taken as SQLite too).
    ///
    /// ```
    /// use orb_collector::store::StoreSpec;
    /// assert_eq!(
    ///     StoreSpec::parse("sqlite:data/orb.sqlite").unwrap(),
    ///     StoreSpec::Sqlite("data/orb.sqlite".into())
    /// );
    /// assert!(StoreSpec::parse("influx://host").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        if let Some(path) = text.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(StoreError::UnknownStore(text.into()));
            }
            return Ok(StoreSpec::Sqlite(path.into()));
        }
        if !text.contains("://") && (text.ends_with(".sqlite") || text.ends_with(".db")) {
            return Ok(StoreSpec::Sqlite(text.into()));
        }
        Err(StoreError::UnknownStore(text.into()))
    }
}

impl std::fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreSpec::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
        }
    }
}
