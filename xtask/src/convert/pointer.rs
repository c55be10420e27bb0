//! JSON pointers (RFC 6901): built while walking a document, shown to a person in notes and errors.

/// A JSON pointer as shown to a person.
pub(super) fn at(pointer: &str) -> String {
    if pointer.is_empty() {
        "the document root".to_string()
    } else {
        format!("`{pointer}`")
    }
}

/// `pointer` extended by one object key, escaped as RFC 6901 requires.
pub(super) fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// `pointer` extended by one array index.
pub(super) fn index(pointer: &str, i: usize) -> String {
    format!("{pointer}/{i}")
}

/// One segment of a JSON pointer inside a URI fragment, decoded to the key it names.
pub(super) fn unescape(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b, hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                // Both digits are < 16, so this fits a byte.
                decoded.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
                i += 3;
            }
            _ => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded)
        .replace("~1", "/")
        .replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_segments_are_escaped_and_unescaped() {
        assert_eq!(child("/paths", "/a/{b}~c"), "/paths/~1a~1{b}~0c");
        assert_eq!(unescape("~1a~1%7Bb%7D~0c"), "/a/{b}~c");
        assert_eq!(unescape("100%"), "100%");
        assert_eq!(unescape("%zz%4"), "%zz%4");
    }
}
