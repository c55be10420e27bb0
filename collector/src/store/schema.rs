//! The tables: one per record family, named after it, with the family's documented fields as
//! typed columns (from `Family::fields`, so a field the library learns becomes a column), and
//! `other_records` for everything else. Versioned with `PRAGMA user_version`.

use orb_cloud::datasets::{Family, FieldInfo, FieldKind};
use rusqlite::Connection;

use super::StoreError;

/// The schema version this code writes. Each step of `MIGRATIONS` brings a store from the
/// version before it to its own.
pub const SCHEMA_VERSION: i64 = 1;

/// Structural changes, in order: `(version reached, SQL)`. Version 1 is the first layout (the
/// family tables themselves are made from the field lists, see [`family_table`]).
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE IF NOT EXISTS other_records (
        id INTEGER PRIMARY KEY,
        family TEXT NOT NULL,
        orb_id TEXT,
        timestamp INTEGER,
        json TEXT NOT NULL,
        received_ms INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS other_records_once ON other_records (family, json);
    CREATE INDEX IF NOT EXISTS other_records_by_orb ON other_records (orb_id, timestamp);
    CREATE TABLE IF NOT EXISTS rejected_records (
        id INTEGER PRIMARY KEY,
        peer TEXT,
        error TEXT NOT NULL,
        raw TEXT NOT NULL,
        received_ms INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS rejected_records_once ON rejected_records (raw, error);",
)];

/// Columns that make a record of `family` the same record, beside `orb_id` and `timestamp`:
/// what a device's resend repeats and two different records do not share.
fn identity(family: Family) -> &'static [&'static str] {
    match family {
        // `responsiveness_1s` and `responsiveness_1m` records may start at the same
        // millisecond: the interval tells them apart. Same for scores and Wi-Fi.
        Family::Scores | Family::Responsiveness | Family::WifiLink => &["interval_ms"],
        // One result per URL per run: several URLs can be measured in the same millisecond.
        Family::WebResponsiveness => &["web_url"],
        // One speed test at a time per device.
        Family::Speed => &[],
        // A family added to the library later: `orb_id` and `timestamp` alone until it is
        // given its own here.
        _ => &[],
    }
}

/// The columns of a family's table: its documented fields, then `extra` (the fields this
/// version does not know, as a JSON object) and `received_ms`.
pub fn columns(family: Family) -> Vec<FieldInfo> {
    family.fields()
}

fn sql_type(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Integer => "INTEGER",
        FieldKind::Real => "REAL",
        _ => "TEXT",
    }
}

/// A column name as SQL: quoted, so that `timestamp` or a future field named like a keyword
/// is always a name.
pub(crate) fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `CREATE TABLE` and the unique index for one family.
fn family_table(family: Family) -> String {
    let table = family.as_str();
    let mut columns: Vec<String> = columns(family)
        .iter()
        .map(|f| {
            let required = matches!(f.name, "orb_id" | "timestamp");
            format!(
                "{} {}{}",
                quoted(f.name),
                sql_type(f.kind),
                if required { " NOT NULL" } else { "" }
            )
        })
        .collect();
    columns.push("extra TEXT".into());
    columns.push("received_ms INTEGER NOT NULL".into());
    // A missing identity field counts as one value (`ifnull`): otherwise SQLite would take
    // each resend of such a record for a new one (NULLs are all distinct in an index).
    let mut key = vec![quoted("orb_id"), quoted("timestamp")];
    key.extend(
        identity(family)
            .iter()
            .map(|c| format!("ifnull({}, '')", quoted(c))),
    );
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n    {}\n);\n\
         CREATE UNIQUE INDEX IF NOT EXISTS {table}_once ON {table} ({});\n\
         CREATE INDEX IF NOT EXISTS {table}_by_time ON {table} (\"timestamp\");",
        columns.join(",\n    "),
        key.join(", ")
    )
}

/// The identity expression of `family`, as in its unique index (for the collector's tests and
/// for readers that want to group resends).
pub fn identity_columns(family: Family) -> Vec<&'static str> {
    let mut key = vec!["orb_id", "timestamp"];
    key.extend(identity(family));
    key
}

/// Brings the store at `conn` to [`SCHEMA_VERSION`]: runs the migrations it has not had, makes
/// the family tables, and adds a column for every field the library documents that a table
/// made by an older version lacks. Refuses a store made by a newer version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    let tx = conn.transaction()?;
    for (reached, sql) in MIGRATIONS {
        if *reached > version {
            tx.execute_batch(sql)?;
        }
    }
    for family in Family::ALL {
        tx.execute_batch(&family_table(family))?;
        let existing = table_columns(&tx, family.as_str())?;
        for field in columns(family) {
            if !existing.iter().any(|c| c == field.name) {
                tx.execute_batch(&format!(
                    "ALTER TABLE {} ADD COLUMN {} {}",
                    family.as_str(),
                    quoted(field.name),
                    sql_type(field.kind)
                ))?;
            }
        }
    }
    tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
    tx.commit()?;
    Ok(())
}

/// The column names of `table`.
pub(crate) fn table_columns(conn: &Connection, table: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", quoted(table)))?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_identity_column_is_a_field_of_its_family() {
        for family in Family::ALL {
            let fields = family.fields();
            for column in identity_columns(family) {
                assert!(
                    fields.iter().any(|f| f.name == column),
                    "{family}: {column}"
                );
            }
        }
    }

    #[test]
    fn a_table_made_by_an_older_version_gets_the_new_columns() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE speed (\"orb_id\" TEXT NOT NULL, \"timestamp\" INTEGER NOT NULL, extra TEXT, received_ms INTEGER NOT NULL);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let columns = table_columns(&conn, "speed").unwrap();
        assert!(columns.iter().any(|c| c == "download_kbps"));
        assert!(columns.iter().any(|c| c == "isp_name"));
        // Twice is a no-op.
        migrate(&mut conn).unwrap();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::NewerSchema { found: 99, .. })
        ));
    }
}
