//! Listings in every output format from one description of their columns: a table for people,
//! CSV for spreadsheets, JSON lines for programs, and `--fields` to choose columns in each.

use std::borrow::Borrow;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::CliError;
use crate::output::{write_stdout, Format, Output, Table};

/// One column of a listing.
pub(crate) struct Column<T> {
    /// Its name in `--fields`, CSV headers and `--fields` JSON.
    pub name: &'static str,
    /// Its table header.
    pub header: &'static str,
    /// Right-aligned in tables (numbers).
    pub right: bool,
    /// The value as data (CSV and JSON): exact, not escaped.
    pub value: fn(&T) -> Value,
    /// The cell as people see it (escaped remote text, colours); `None`: the value as text.
    pub cell: Option<fn(&Output, &T) -> String>,
}

/// The columns `--fields` names (all of them without it), or a usage error listing the names.
fn chosen<'c, T>(
    columns: &'c [Column<T>],
    fields: Option<&[String]>,
) -> Result<Vec<&'c Column<T>>, CliError> {
    let Some(fields) = fields else {
        return Ok(columns.iter().collect());
    };
    fields
        .iter()
        .map(|field| {
            columns
                .iter()
                .find(|c| c.name == field.trim())
                .ok_or_else(|| {
                    CliError::Usage(format!(
                        "--fields: no field {field:?} here; the fields are {}",
                        columns
                            .iter()
                            .map(|c| c.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
        })
        .collect()
}

/// Text of a value for CSV and tables: strings as they are, null as nothing.
fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Print `items` as `out` says. Without `--fields`, JSON is each item's whole object (the shape
/// `--json` documents for its kind); with it, an object of the chosen fields.
pub(crate) fn print<T, R: Borrow<T> + Serialize + Sync>(
    out: &Output,
    items: &[R],
    columns: &[Column<T>],
    fields: Option<&[String]>,
) -> Result<(), CliError> {
    let chosen = chosen(columns, fields)?;
    match out.format {
        Format::Json if fields.is_none() => out.json_lines(items),
        Format::Json => {
            let objects: Vec<Map<String, Value>> = items
                .iter()
                .map(|item| {
                    chosen
                        .iter()
                        .map(|c| (c.name.to_owned(), (c.value)(item.borrow())))
                        .collect()
                })
                .collect();
            out.json_lines(&objects);
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let csv_error = |e: csv::Error| CliError::Usage(format!("CSV: {e}"));
            writer
                .write_record(chosen.iter().map(|c| c.name))
                .map_err(csv_error)?;
            for item in items {
                writer
                    .write_record(chosen.iter().map(|c| text(&(c.value)(item.borrow()))))
                    .map_err(csv_error)?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| CliError::Usage(format!("CSV: {e}")))?;
            write_stdout(&bytes);
        }
        Format::Table => {
            let headers: Vec<&str> = chosen.iter().map(|c| c.header).collect();
            let mut table = Table::new(&headers);
            for (i, c) in chosen.iter().enumerate() {
                if c.right {
                    table = table.right(i);
                }
            }
            for item in items {
                table.row(
                    chosen
                        .iter()
                        .map(|c| match c.cell {
                            Some(cell) => cell(out, item.borrow()),
                            None => crate::output::shown(&text(&(c.value)(item.borrow()))),
                        })
                        .collect(),
                );
            }
            table.print(out);
        }
    }
    Ok(())
}
