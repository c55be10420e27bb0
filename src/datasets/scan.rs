//! Finding where values and lines end in a push body without decoding them (strings with their
//! escapes and bracket nesting only), and showing a place in it, for the push-body parser.

/// A break in a json body's structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ScanError {
    /// The body ended inside a value.
    Eof,
    /// A byte that cannot be there (a mismatched bracket, a missing comma).
    Unexpected(usize),
}

/// Finds the end of the JSON value starting at `start` without decoding it: strings (with
/// escapes) and bracket nesting only. Scalars run to the next delimiter; their validity is left
/// to the decoder, so one bad element cannot hide its neighbours.
pub(super) fn scan_value(b: &[u8], start: usize, stack: &mut Vec<u8>) -> Result<usize, ScanError> {
    match b.get(start) {
        None => Err(ScanError::Eof),
        Some(b'"') => skip_string(b, start + 1),
        Some(b'{' | b'[') => {
            stack.clear();
            let mut i = start;
            loop {
                let rest = b.get(i..).unwrap_or_default();
                let next = rest
                    .iter()
                    .position(|&c| matches!(c, b'"' | b'{' | b'[' | b'}' | b']'))
                    .ok_or(ScanError::Eof)?;
                i += next;
                match b.get(i) {
                    Some(b'"') => {
                        i = skip_string(b, i + 1)?;
                        continue;
                    }
                    Some(b'{') => stack.push(b'}'),
                    Some(b'[') => stack.push(b']'),
                    Some(&close) => {
                        if stack.pop() != Some(close) {
                            return Err(ScanError::Unexpected(i));
                        }
                        if stack.is_empty() {
                            return Ok(i + 1);
                        }
                    }
                    None => return Err(ScanError::Eof),
                }
                i += 1;
            }
        }
        Some(b',' | b']' | b'}' | b':') => Err(ScanError::Unexpected(start)),
        Some(_) => {
            let rest = b.get(start..).unwrap_or_default();
            let len = rest
                .iter()
                .position(|&c| matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(rest.len());
            Ok(start + len)
        }
    }
}

/// The position after the closing quote of a string whose content starts at `i`.
pub(super) fn skip_string(b: &[u8], mut i: usize) -> Result<usize, ScanError> {
    loop {
        let rest = b.get(i..).ok_or(ScanError::Eof)?;
        let next = rest
            .iter()
            .position(|&c| c == b'"' || c == b'\\')
            .ok_or(ScanError::Eof)?;
        i += next;
        if b.get(i) == Some(&b'"') {
            return Ok(i + 1);
        }
        i += 2; // a backslash and the byte it escapes
    }
}

/// The first `\n` in `hay`. Tests 32 bytes at a time without an early exit inside a block, a
/// loop the compiler vectorizes (a plain `position` goes byte by byte).
pub(super) fn find_newline(hay: &[u8]) -> Option<usize> {
    const BLOCK: usize = 32;
    let mut blocks = hay.chunks_exact(BLOCK);
    let mut base = 0;
    for block in blocks.by_ref() {
        if block.iter().fold(false, |found, &b| found | (b == b'\n')) {
            return block.iter().position(|&b| b == b'\n').map(|i| base + i);
        }
        base += BLOCK;
    }
    blocks
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| base + i)
}

pub(super) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

pub(super) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|&c| is_ws(c)) {
        i += 1;
    }
    i.min(b.len())
}

pub(super) fn skip_bom(b: &[u8]) -> usize {
    if b.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

/// `start..end` without leading and trailing JSON whitespace.
pub(super) fn trim(b: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && b.get(start).is_some_and(|&c| is_ws(c)) {
        start += 1;
    }
    while end > start && b.get(end - 1).is_some_and(|&c| is_ws(c)) {
        end -= 1;
    }
    (start, end)
}

/// serde_json's 1-based line and column (bytes into the line) as a byte offset in `raw`.
pub(super) fn offset_in(raw: &[u8], line: usize, column: usize) -> usize {
    let mut line_start = 0;
    let mut current = 1;
    if line > 1 {
        for (i, &c) in raw.iter().enumerate() {
            if c == b'\n' {
                current += 1;
                line_start = i + 1;
                if current == line {
                    break;
                }
            }
        }
    }
    (line_start + column.saturating_sub(1)).min(raw.len())
}

/// A short, printable excerpt of the body at `at`, for messages.
pub(super) fn snippet(b: &[u8], at: usize) -> String {
    let rest = b.get(at..).unwrap_or_default();
    let end = rest.len().min(24);
    let text = String::from_utf8_lossy(rest.get(..end).unwrap_or_default());
    if rest.is_empty() {
        "the end of the body".to_owned()
    } else if rest.len() > end {
        format!("{:?}…", text)
    } else {
        format!("{:?}", text)
    }
}
