//! The push-body parser on any bytes, in every format: no panic; every error's span inside the
//! body, in order, not overlapping; in jsonl, every non-blank line is exactly one record or one
//! error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orb_cloud::datasets::{parse_push, Format, Location};

fuzz_target!(|body: &[u8]| {
    for format in [Format::Auto, Format::Jsonl, Format::Json] {
        let outcome = parse_push(body, format, None);
        assert_ne!(outcome.format, Format::Auto);
        let mut end = 0;
        for error in &outcome.errors {
            assert!(error.span.start <= error.span.end, "{error:?}");
            assert!(error.span.end <= body.len(), "{error:?}");
            assert!(error.span.start >= end, "errors overlap or are out of order: {error:?}");
            assert!(error.offset <= body.len(), "{error:?}");
            end = error.span.end;
        }
        if outcome.format == Format::Jsonl {
            let lines = jsonl_lines(body);
            let line_errors = outcome
                .errors
                .iter()
                .filter(|e| matches!(e.location, Location::Line(_)))
                .count();
            assert_eq!(
                outcome.records.len() + line_errors,
                lines,
                "records {} + line errors {line_errors} != non-blank lines {lines}: {:?}",
                outcome.records.len(),
                outcome.errors
            );
        }
    }
});

/// Non-blank lines after a UTF-8 BOM (a line of spaces, tabs and CRs is blank).
fn jsonl_lines(body: &[u8]) -> usize {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    body.split(|b| *b == b'\n')
        .filter(|line| line.iter().any(|b| !matches!(b, b' ' | b'\t' | b'\r')))
        .count()
}
