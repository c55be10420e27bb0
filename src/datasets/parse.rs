//! The push-body parser: jsonl or json, record by record, with every failure located and none
//! hiding the records around it.

use std::fmt;
use std::ops::Range;

use serde_json::error::Category;

use super::name::DatasetName;
use super::record_fields::Slots;
use super::records::{Record, RecordFailure};
use super::scan::{
    find_newline, offset_in, scan_value, skip_bom, skip_ws, snippet, trim, ScanError,
};

/// The format of a body: Orb's `format` option (`jsonl` by default, or `json`), or [`Format::Auto`]
/// to tell them apart from the body itself.
///
/// ```
/// use orb_cloud::datasets::Format;
/// assert_eq!(Format::from_name("json"), Some(Format::Json));
/// assert_eq!(Format::default(), Format::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Format {
    /// One JSON object per line (Orb's default). Blank lines, a missing or present trailing
    /// newline and CRLF line ends are all fine.
    Jsonl,
    /// A JSON array of objects, or a single object. (Several top-level arrays or objects one
    /// after another are read as one sequence.)
    Json,
    /// Decide from the body: `[` first → [`Format::Json`]; `{` first → one object (possibly
    /// pretty-printed over several lines) is [`Format::Json`], objects one per line are
    /// [`Format::Jsonl`]; anything else → [`Format::Jsonl`] (each line reported on its own).
    #[default]
    Auto,
}

impl Format {
    /// The format for Orb's option value (`"jsonl"`, `"json"`) or `"auto"`; `None` otherwise.
    ///
    /// ```
    /// use orb_cloud::datasets::Format;
    /// assert_eq!(Format::from_name("jsonl"), Some(Format::Jsonl));
    /// assert_eq!(Format::from_name("csv"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "jsonl" => Some(Format::Jsonl),
            "json" => Some(Format::Json),
            "auto" => Some(Format::Auto),
            _ => None,
        }
    }

    /// The name (`"jsonl"`, `"json"`, `"auto"`).
    ///
    /// ```
    /// assert_eq!(orb_cloud::datasets::Format::Json.as_str(), "json");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Auto => "auto",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`parse_push`] found in a body: every record that decoded, and every failure.
///
/// ```
/// use orb_cloud::datasets::{parse_push, Format};
/// let outcome = parse_push(b"{\"dataset\": \"speed\"}\nnot json\n", Format::Jsonl, None);
/// assert_eq!(outcome.records.len(), 1);
/// assert_eq!(outcome.errors.len(), 1);
/// assert!(!outcome.is_clean());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ParseOutcome {
    /// The records that decoded, in body order.
    pub records: Vec<Record>,
    /// Where each record is in the body (`spans[i]` for `records[i]`): its JSON text, for
    /// keeping what the typed record leaves out (see [`Family::unknown_fields`]).
    ///
    /// [`Family::unknown_fields`]: crate::datasets::Family::unknown_fields
    pub spans: Vec<Range<usize>>,
    /// The records (or parts of the body) that did not, in body order.
    pub errors: Vec<RecordError>,
    /// The format the body was read as ([`Format::Jsonl`] or [`Format::Json`], never
    /// [`Format::Auto`]).
    pub format: Format,
}

impl ParseOutcome {
    /// Whether the whole body decoded without a single error.
    ///
    /// ```
    /// use orb_cloud::datasets::{parse_push, Format};
    /// assert!(parse_push(b"", Format::Auto, None).is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Where in a body a [`RecordError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Location {
    /// A jsonl line, 1-based (blank lines count).
    Line(usize),
    /// The element of a json body, 0-based (for several top-level values, counted across them).
    Index(usize),
    /// The body as a whole (e.g. data after the closing `]`).
    Body,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Index(n) => write!(f, "element {n}"),
            Location::Body => f.write_str("body"),
        }
    }
}

/// What kind of failure a [`RecordError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// Not valid JSON (this includes invalid UTF-8 inside a string).
    Syntax,
    /// Valid JSON so far, but the body ends before the record (or the array) is complete.
    Truncated,
    /// A JSON value that is not an object where a record was expected.
    NotAnObject,
    /// A documented field with a value of the wrong type (e.g. a string for `timestamp`).
    InvalidField {
        /// The field's name.
        field: &'static str,
    },
    /// Data after the end of the JSON body.
    TrailingData,
}

/// One record (or part of the body) that did not decode.
///
/// `span` gives the record's bytes in the body passed to [`parse_push`], so a receiver can keep
/// them (e.g. in a dead-letter store) and lose nothing.
///
/// ```
/// use orb_cloud::datasets::{parse_push, Format, Location, RecordErrorKind};
/// let body = b"{\"dataset\":\"speed\"}\n{\"dataset\":\"speed\",\"timestamp\":\"noon\"}\n";
/// let outcome = parse_push(body, Format::Jsonl, None);
/// let error = &outcome.errors[0];
/// assert_eq!(error.location, Location::Line(2));
/// assert_eq!(error.kind, RecordErrorKind::InvalidField { field: "timestamp" });
/// assert_eq!(&body[error.span.clone()], br#"{"dataset":"speed","timestamp":"noon"}"#);
/// println!("{error}"); // line 2 (byte 20): field `timestamp`: expected an integer, ...
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordError {
    /// The line (jsonl) or element (json).
    pub location: Location,
    /// The record's bytes in the body (for a truncated body: from the record's start to the end).
    pub span: Range<usize>,
    /// The byte where the problem was found (for a syntax error, where the JSON breaks).
    pub offset: usize,
    /// The kind of failure.
    pub kind: RecordErrorKind,
    /// A description, without position (see `location` and `offset`).
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (byte {}): {}",
            self.location, self.offset, self.message
        )
    }
}

impl std::error::Error for RecordError {}

/// Parse the body of a Data Push POST (or of a Local API response) into records.
///
/// - `format`: the device's `format` option, or [`Format::Auto`] to detect it.
/// - `hint`: the dataset the records were requested as, used for records whose own `dataset`
///   field is missing or not one this crate knows (Wi-Fi records, whose value Orb does not
///   document). Records carrying a known `dataset` value are typed by it, so one payload may mix
///   datasets. Without a usable hint such records are kept as [`Record::Unknown`].
///
/// Never fails and never panics: each line (jsonl) or element (json) decodes on its own, and
/// one that does not is reported in [`ParseOutcome::errors`] with its location while the others
/// still arrive. A truncated or structurally broken json body yields every element complete
/// before the break plus an error saying where it broke. An empty (or all-whitespace) body is
/// zero records and no error. A UTF-8 byte-order mark is skipped. The body must already be
/// decompressed: see [`decode_body`](crate::datasets::decode_body).
///
/// Each record is read in one pass straight into its typed struct (no intermediate
/// `serde_json::Value`, except to keep an unknown record whole).
///
/// ```
/// use orb_cloud::datasets::{parse_push, DatasetName, Format, Location, Record};
/// let body = b"{\"dataset\":\"scores\",\"orb_score\":93.5}\r\n\
///              {\"dataset\":\"speed\",\"download_kbps\":518022}\r\n\
///              {\"dataset\":\"speed\",\"download_kbps\":\"fast\"}\r\n\
///              {\"rssi_avg\":-61}\r\n";
/// let hint = DatasetName::from("wifi_link_1m");
/// let outcome = parse_push(body, Format::Auto, Some(&hint));
/// assert_eq!(outcome.records.len(), 3);
/// assert!(matches!(&outcome.records[0], Record::Scores(s) if s.orb_score == Some(93.5)));
/// assert!(matches!(&outcome.records[2], Record::WifiLink(w) if w.rssi_avg == Some(-61.0)));
/// assert_eq!(outcome.errors[0].location, Location::Line(3));
/// ```
pub fn parse_push(body: &[u8], format: Format, hint: Option<&DatasetName>) -> ParseOutcome {
    let start = skip_ws(body, skip_bom(body));
    let format = match format {
        Format::Auto => detect(body, start),
        other => other,
    };
    let mut parser = Parser {
        body,
        hint,
        outcome: ParseOutcome {
            records: Vec::new(),
            spans: Vec::new(),
            errors: Vec::new(),
            format,
        },
        stack: Vec::new(),
    };
    if start < body.len() {
        match format {
            Format::Json => parser.json(start),
            _ => parser.jsonl(),
        }
    }
    parser.outcome
}

fn detect(body: &[u8], start: usize) -> Format {
    match body.get(start) {
        Some(b'[') => Format::Json,
        Some(b'{') => match scan_value(body, start, &mut Vec::new()) {
            Ok(end) => {
                let spans_lines = body.get(start..end).is_some_and(|o| o.contains(&b'\n'));
                if spans_lines || skip_ws(body, end) == body.len() {
                    Format::Json
                } else {
                    Format::Jsonl
                }
            }
            Err(_) => Format::Jsonl,
        },
        _ => Format::Jsonl,
    }
}

struct Parser<'a, 'h> {
    body: &'a [u8],
    hint: Option<&'h DatasetName>,
    outcome: ParseOutcome,
    /// Reused bracket stack of the structural scanner.
    stack: Vec<u8>,
}

impl Parser<'_, '_> {
    fn jsonl(&mut self) {
        let body = self.body;
        let mut pos = 0;
        let mut line = 0;
        while pos < body.len() {
            line += 1;
            let rest = body.get(pos..).unwrap_or_default();
            let end = find_newline(rest).map_or(body.len(), |i| pos + i);
            let mut start = pos;
            if line == 1 {
                start = skip_bom(body);
            }
            let (start, stop) = trim(body, start, end);
            if start < stop {
                self.record(start..stop, Location::Line(line));
            }
            pos = end + 1;
        }
    }

    fn json(&mut self, start: usize) {
        let body = self.body;
        let mut index = 0;
        let mut pos = start;
        while pos < body.len() {
            match body.get(pos) {
                Some(b'[') => match self.array(pos + 1, &mut index) {
                    Some(end) => pos = skip_ws(body, end),
                    None => return,
                },
                Some(b'{') => match self.element(pos, Location::Index(index)) {
                    Ok(end) => {
                        index += 1;
                        pos = skip_ws(body, end);
                    }
                    Err(e) => return self.broken(e, pos, Location::Index(index)),
                },
                _ => {
                    return self.error(
                        Location::Body,
                        pos..body.len(),
                        pos,
                        RecordErrorKind::TrailingData,
                        format!(
                            "expected a JSON array or object, found {}",
                            snippet(body, pos)
                        ),
                    )
                }
            }
        }
    }

    /// Reads the elements of an array whose `[` is just before `pos`. Returns the position after
    /// its `]`, or `None` when the array breaks (the error is recorded).
    fn array(&mut self, mut pos: usize, index: &mut usize) -> Option<usize> {
        let body = self.body;
        loop {
            pos = skip_ws(body, pos);
            match body.get(pos) {
                None => {
                    self.broken(ScanError::Eof, pos, Location::Index(*index));
                    return None;
                }
                Some(b']') => return Some(pos + 1),
                Some(_) => {}
            }
            match self.element(pos, Location::Index(*index)) {
                Ok(end) => {
                    *index += 1;
                    pos = skip_ws(body, end);
                }
                Err(e) => {
                    self.broken(e, pos, Location::Index(*index));
                    return None;
                }
            }
            match body.get(pos) {
                Some(b',') => pos += 1,
                Some(b']') => return Some(pos + 1),
                None => {
                    self.broken(ScanError::Eof, pos, Location::Index(*index));
                    return None;
                }
                Some(_) => {
                    self.broken(ScanError::Unexpected(pos), pos, Location::Index(*index));
                    return None;
                }
            }
        }
    }

    /// Records a break in the body's structure; nothing after it is read.
    fn broken(&mut self, error: ScanError, start: usize, location: Location) {
        let len = self.body.len();
        match error {
            ScanError::Eof => self.error(
                location,
                start..len,
                len,
                RecordErrorKind::Truncated,
                format!(
                    "the body ends (at byte {len}) before the JSON is complete: truncated; \
                     the elements before it were kept"
                ),
            ),
            ScanError::Unexpected(at) => self.error(
                location,
                start..len,
                at,
                RecordErrorKind::Syntax,
                format!(
                    "the JSON structure breaks at byte {at} ({}); nothing after it was read",
                    snippet(self.body, at)
                ),
            ),
        }
    }

    /// Reads the json element starting at `pos` and returns the position after it.
    ///
    /// Fast path: decode straight from the body and learn the element's end from the decoder.
    /// Only when that fails is the element's extent found by the structural scanner, so that
    /// the failure is reported for this element alone and reading goes on after it.
    fn element(&mut self, pos: usize, location: Location) -> Result<usize, ScanError> {
        let rest = self.body.get(pos..).unwrap_or_default();
        let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<Slots>();
        if let Some(Ok(slots)) = stream.next() {
            let end = pos + stream.byte_offset();
            let raw = self.body.get(pos..end).unwrap_or_default();
            match Record::from_decoded(slots, raw, self.hint) {
                Ok(record) => {
                    self.outcome.records.push(record);
                    self.outcome.spans.push(pos..end);
                }
                Err(failure) => self.failed(pos..end, location, raw, failure),
            }
            return Ok(end);
        }
        let end = scan_value(self.body, pos, &mut self.stack)?;
        self.record(pos..end, location);
        Ok(end)
    }

    fn record(&mut self, span: Range<usize>, location: Location) {
        let raw = self.body.get(span.clone()).unwrap_or_default();
        if raw.first() != Some(&b'{') {
            return self.error(
                location,
                span.clone(),
                span.start,
                RecordErrorKind::NotAnObject,
                format!(
                    "expected a JSON object (one record), found {}",
                    snippet(self.body, span.start)
                ),
            );
        }
        match Record::from_json(raw, self.hint) {
            Ok(record) => {
                self.outcome.records.push(record);
                self.outcome.spans.push(span);
            }
            Err(failure) => self.failed(span, location, raw, failure),
        }
    }

    fn failed(
        &mut self,
        span: Range<usize>,
        location: Location,
        raw: &[u8],
        failure: RecordFailure,
    ) {
        match failure {
            RecordFailure::Field(e) => {
                let kind = RecordErrorKind::InvalidField {
                    field: e.key.as_str(),
                };
                self.error(location, span.clone(), span.start, kind, e.to_string())
            }
            RecordFailure::Json(e) => {
                let offset = span.start + offset_in(raw, e.line(), e.column());
                let kind = match e.classify() {
                    Category::Eof => RecordErrorKind::Truncated,
                    Category::Data => RecordErrorKind::NotAnObject,
                    Category::Syntax | Category::Io => RecordErrorKind::Syntax,
                };
                let message = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                let message = match message.strip_suffix(&suffix) {
                    Some(stripped) => stripped.to_owned(),
                    None => message,
                };
                self.error(location, span, offset, kind, message)
            }
        }
    }

    fn error(
        &mut self,
        location: Location,
        span: Range<usize>,
        offset: usize,
        kind: RecordErrorKind,
        message: String,
    ) {
        self.outcome.errors.push(RecordError {
            location,
            span,
            offset,
            kind,
            message,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(s: &str) -> Result<usize, ScanError> {
        scan_value(s.as_bytes(), 0, &mut Vec::new())
    }

    #[test]
    fn scanner_finds_value_ends() {
        assert_eq!(scan(r#"{"a":"}\"]"}, 1"#), Ok(12));
        assert_eq!(scan(r#"[1,[2,{"x":[]}]] x"#), Ok(16));
        assert_eq!(scan(r#""str\\" tail"#), Ok(7));
        assert_eq!(scan("123, 4"), Ok(3));
        assert_eq!(scan("tru e"), Ok(3));
        assert_eq!(scan(r#"{"a": [1}"#), Err(ScanError::Unexpected(8)));
        assert_eq!(scan(r#"{"a": "unterminated"#), Err(ScanError::Eof));
        assert_eq!(scan(r#"{"a": "x\"#), Err(ScanError::Eof));
        assert_eq!(scan("{"), Err(ScanError::Eof));
        assert_eq!(scan("]"), Err(ScanError::Unexpected(0)));
        assert_eq!(scan(""), Err(ScanError::Eof));
    }

    #[test]
    fn detects_formats() {
        let d = |s: &str| {
            let b = s.as_bytes();
            detect(b, skip_ws(b, 0))
        };
        assert_eq!(d(" [ {} ]"), Format::Json);
        assert_eq!(d("{\"a\": 1}"), Format::Json);
        assert_eq!(d("{\"a\": 1}\n"), Format::Json);
        assert_eq!(d("{\n  \"a\": 1\n}\n"), Format::Json);
        assert_eq!(d("{\"a\": 1}\n{\"a\": 2}\n"), Format::Jsonl);
        assert_eq!(d("{\"a\": 1\n{\"a\": 2}\n"), Format::Jsonl);
        assert_eq!(d("garbage\n{}"), Format::Jsonl);
    }

    #[test]
    fn offsets_from_line_and_column() {
        let raw = b"{\n  \"a\": x\n}";
        assert_eq!(offset_in(raw, 2, 8), 9);
        assert_eq!(raw[9], b'x');
        assert_eq!(offset_in(b"{x}", 1, 2), 1);
        assert_eq!(offset_in(b"{}", 0, 0), 0);
        assert_eq!(offset_in(b"{}", 9, 99), 2);
    }

    #[test]
    fn finds_newlines() {
        for len in [0, 1, 31, 32, 33, 64, 100] {
            let mut hay = vec![b'x'; len];
            assert_eq!(find_newline(&hay), None);
            for at in 0..len {
                hay[at] = b'\n';
                assert_eq!(find_newline(&hay), Some(at));
                hay[at] = b'\r';
            }
        }
    }

    #[test]
    fn trims_and_skips() {
        assert_eq!(trim(b" \t{}\r", 0, 5), (2, 4));
        assert_eq!(trim(b"   ", 0, 3), (3, 3));
        assert_eq!(skip_ws(b"  ", 0), 2);
        assert_eq!(skip_bom(b"\xEF\xBB\xBF{}"), 3);
        assert_eq!(snippet(b"abc", 3), "the end of the body");
    }
}
