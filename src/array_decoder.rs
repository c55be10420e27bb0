//! Decoding a JSON array element by element while the body is still arriving.
//!
//! A listing of 10,000 devices is about 43 MB. Decoding it only once the last byte is in means
//! holding the whole body and then spending the decode time on top of the transfer. Here each
//! element is decoded as soon as it is complete, while the connection keeps receiving the rest,
//! and its bytes are released: the transfer and the decoding overlap, and the body is never held
//! whole. The result is exactly what decoding the whole body as `Vec<T>` gives, errors included
//! (with the element's index in the path).
//!
//! serde_json finds the element boundaries itself (its `StreamDeserializer` reports where a value
//! ends): an element cut off by the end of the buffered
//! bytes fails with an end-of-input error and is tried again once more bytes are in. Attempts are
//! made only when a batch of bytes has accumulated, so the work repeated on cut-off elements stays
//! around a percent.

use serde::de::DeserializeOwned;

/// Bytes to accumulate before trying to decode more elements.
const BATCH: usize = 256 * 1024;

/// Bytes consumed before the buffer is compacted.
const COMPACT: usize = 1024 * 1024;

/// Where in the array the decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `[`.
    Start,
    /// After `[`: an element or `]` next.
    First,
    /// After `,`: an element next.
    Element,
    /// After an element: `,` or `]` next.
    Separator,
    /// After the closing `]`: only whitespace may follow.
    Done,
    /// The body is not an array: it is kept whole and decoded as one value at the end, so that
    /// the error is serde's own.
    NotArray,
}

/// Why the body could not be decoded: where (`[3].summary.orb_score`) and what serde said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeFailure {
    pub path: String,
    pub message: String,
}

/// Feeds on body chunks and decodes `T`s as they complete.
pub(crate) struct ArrayDecoder<T> {
    buf: Vec<u8>,
    /// Start of the bytes not yet consumed.
    pos: usize,
    /// Bytes in `buf[pos..]` when decoding was last attempted.
    tried_at: usize,
    state: State,
    items: Vec<T>,
    /// The first bytes of the body, for error messages.
    head: Vec<u8>,
}

impl<T: DeserializeOwned> ArrayDecoder<T> {
    /// A decoder; `size_hint` is the body's length if known (to size the result).
    pub(crate) fn new(size_hint: Option<u64>) -> Self {
        // A small answer (most are) gets a small buffer: no large allocation per request.
        let buffer = size_hint.map_or(BATCH, |n| n.min(2 * BATCH as u64) as usize);
        Self {
            buf: Vec::with_capacity(buffer),
            pos: 0,
            tried_at: 0,
            state: State::Start,
            items: Vec::with_capacity(size_hint.map_or(0, |n| (n / 4096).min(1 << 16) as usize)),
            head: Vec::new(),
        }
    }

    /// The first bytes of the body (for error messages).
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    /// Takes the next chunk of the body; decodes what is complete once a batch has accumulated.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<(), DecodeFailure> {
        if self.head.len() < 256 {
            let take = chunk.len().min(256 - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.buf.extend_from_slice(chunk);
        // The next attempt once a batch more is in, or twice as much for an element larger than
        // a batch (so that a huge element is not parsed over and over).
        let due = (self.tried_at + BATCH).max(self.tried_at * 2);
        if self.state == State::NotArray || self.buf.len() - self.pos < due {
            return Ok(());
        }
        self.advance(false)?;
        self.tried_at = self.buf.len() - self.pos;
        if self.pos >= COMPACT && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        Ok(())
    }

    /// The body is complete: decode the rest and return every element (the decoder is spent).
    pub(crate) fn finish(&mut self) -> Result<Vec<T>, DecodeFailure> {
        if self.state == State::NotArray {
            return decode_whole::<Vec<T>>(&self.buf[self.pos..]);
        }
        self.advance(true)?;
        match self.state {
            State::Done => Ok(std::mem::take(&mut self.items)),
            State::NotArray => decode_whole::<Vec<T>>(&self.buf[self.pos..]),
            _ => Err(DecodeFailure {
                path: format!("[{}]", self.items.len()),
                message: if self.state == State::Start {
                    "the body is empty: expected a JSON array".to_string()
                } else {
                    "the body ends before the array does (truncated)".to_string()
                },
            }),
        }
    }

    /// Decodes as far as the buffered bytes allow; at the end of the body (`eof`), to the end.
    fn advance(&mut self, eof: bool) -> Result<(), DecodeFailure> {
        loop {
            while self
                .buf
                .get(self.pos)
                .is_some_and(|b| b.is_ascii_whitespace())
            {
                self.pos += 1;
            }
            let Some(&next) = self.buf.get(self.pos) else {
                return Ok(());
            };
            match self.state {
                State::Start if next == b'[' => {
                    self.pos += 1;
                    self.state = State::First;
                }
                State::First if next == b']' => {
                    self.pos += 1;
                    self.state = State::Done;
                }
                State::Start => {
                    self.state = State::NotArray;
                    return Ok(());
                }
                State::Separator if next == b',' => {
                    self.pos += 1;
                    self.state = State::Element;
                }
                State::Separator if next == b']' => {
                    self.pos += 1;
                    self.state = State::Done;
                }
                State::Separator => {
                    return Err(self.failure(format!(
                        "expected `,` or `]` after element {}, found `{}`",
                        self.items.len() - 1,
                        char::from(next).escape_default()
                    )))
                }
                State::First | State::Element => {
                    let rest = &self.buf[self.pos..];
                    let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<T>();
                    match stream.next() {
                        None => return Ok(()),
                        Some(Ok(item)) => {
                            let used = stream.byte_offset();
                            // A bare number cut off by the buffer's end parses as a shorter one.
                            let may_be_cut =
                                used == rest.len() && !eof && matches!(rest[0], b'-' | b'0'..=b'9');
                            if may_be_cut {
                                return Ok(());
                            }
                            self.items.push(item);
                            self.pos += used;
                            self.state = State::Separator;
                        }
                        // Cut off by the buffer's end, or really malformed: only more bytes tell
                        // (a number cut after `e` is a syntax error, not an end-of-input one).
                        // Type errors are final: a cut token is a prefix of the real one.
                        Some(Err(e)) if !eof && (e.is_eof() || e.is_syntax()) => return Ok(()),
                        Some(Err(e)) => return Err(self.element_failure(e)),
                    }
                }
                State::Done => {
                    return Err(DecodeFailure {
                        path: ".".to_string(),
                        message: format!(
                            "trailing characters after the array, starting with `{}`",
                            char::from(next).escape_default()
                        ),
                    })
                }
                State::NotArray => return Ok(()),
            }
        }
    }

    fn failure(&self, message: String) -> DecodeFailure {
        DecodeFailure {
            path: format!("[{}]", self.items.len()),
            message,
        }
    }

    /// The failing element decoded again, tracking the path, to say where inside it failed.
    fn element_failure(&self, first: serde_json::Error) -> DecodeFailure {
        let index = self.items.len();
        let inner = locate_failure::<T>(&self.buf[self.pos..], first);
        DecodeFailure {
            path: if inner.path == "." {
                format!("[{index}]")
            } else {
                format!("[{index}].{}", inner.path)
            },
            message: inner.message,
        }
    }
}

/// The whole body as one value (used when it is not an array).
fn decode_whole<V: DeserializeOwned>(bytes: &[u8]) -> Result<V, DecodeFailure> {
    serde_json::from_slice(bytes).map_err(|first| locate_failure::<V>(bytes, first))
}

/// Where and why `bytes` failed to decode as `V` (serde_json said `first`): a second,
/// path-tracking pass, made only on failure, names the field (`summary.orb_score.display`).
pub(crate) fn locate_failure<V: DeserializeOwned>(
    bytes: &[u8],
    first: serde_json::Error,
) -> DecodeFailure {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, V>(&mut de) {
        Err(e) => DecodeFailure {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        },
        // The value itself decodes (the failure was after it, e.g. trailing characters).
        Ok(_) => DecodeFailure {
            path: ".".to_string(),
            message: first.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        id: u32,
        name: String,
        #[serde(default)]
        tags: Vec<String>,
    }

    /// Decode `body` fed in chunks of `size`, with tiny batches so every cut is exercised.
    fn decode_in_chunks<T: DeserializeOwned>(
        body: &[u8],
        size: usize,
    ) -> Result<Vec<T>, DecodeFailure> {
        let mut d = ArrayDecoder::<T>::new(None);
        for chunk in body.chunks(size.max(1)) {
            d.push(chunk)?;
            // Attempt after every chunk, not only per batch.
            d.advance(false)?;
        }
        d.finish()
    }

    fn body(n: u32) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#" {{"id": {i}, "name": "d\"{i}\\", "tags": ["a", "]{i}["], "extra": {{"x": [1, 2.5e3, null]}}}}"#
                )
            })
            .collect();
        format!("\n[{}]\n", items.join(",\n"))
    }

    #[test]
    fn any_chunking_gives_what_whole_decoding_gives() {
        let text = body(40);
        let whole: Vec<Item> = serde_json::from_str(&text).unwrap();
        assert_eq!(whole.len(), 40);
        for size in [1, 2, 3, 7, 64, 1000, text.len()] {
            let items: Vec<Item> = decode_in_chunks(text.as_bytes(), size).unwrap();
            assert_eq!(items, whole, "chunks of {size}");
        }
    }

    #[test]
    fn numbers_cut_at_a_chunk_boundary_are_not_shortened() {
        let text = "[12345, -678, 9.75e2, 0]";
        let whole: Vec<f64> = serde_json::from_str(text).unwrap();
        for size in 1..text.len() {
            let items: Vec<f64> = decode_in_chunks(text.as_bytes(), size).unwrap();
            assert_eq!(items, whole, "chunks of {size}");
        }
    }

    #[test]
    fn empty_arrays_and_large_bodies() {
        for text in ["[]", " [ ] ", "[\n]\n"] {
            assert!(decode_in_chunks::<Item>(text.as_bytes(), 1)
                .unwrap()
                .is_empty());
        }
        // Batches, compaction and all: through `push` alone.
        let text = body(30_000);
        let mut d = ArrayDecoder::<Item>::new(Some(text.len() as u64));
        for chunk in text.as_bytes().chunks(16 * 1024) {
            d.push(chunk).unwrap();
        }
        let items = d.finish().unwrap();
        assert_eq!(items.len(), 30_000);
        assert_eq!(items[29_999].name, "d\"29999\\");
    }

    #[test]
    fn errors_name_the_element_and_the_field() {
        let text = r#"[{"id": 1, "name": "a"}, {"id": 2, "name": 7}]"#;
        for size in [1, 5, text.len()] {
            let e = decode_in_chunks::<Item>(text.as_bytes(), size).unwrap_err();
            assert_eq!(e.path, "[1].name", "chunks of {size}");
            assert!(e.message.contains("invalid type"), "{}", e.message);
        }
        let e = decode_in_chunks::<Item>(br#"[{"id": 1, "name": "a"}"#, 4).unwrap_err();
        assert!(e.message.contains("truncated"), "{e:?}");
        let e = decode_in_chunks::<Item>(br#"[{"id": 1, "name": "a"} {"#, 4).unwrap_err();
        assert_eq!(e.path, "[1]");
        assert!(e.message.contains("expected `,` or `]`"), "{e:?}");
        let e = decode_in_chunks::<Item>(br#"[{"id": 1, "name": "a"},]"#, 4).unwrap_err();
        assert_eq!(e.path, "[1]");
        let e = decode_in_chunks::<Item>(b"[] x", 1).unwrap_err();
        assert!(e.message.contains("trailing"), "{e:?}");
        let e = decode_in_chunks::<Item>(b"", 1).unwrap_err();
        assert!(e.message.contains("empty"), "{e:?}");
        // Not an array: serde's own message for the whole body.
        let e = decode_in_chunks::<Item>(br#"{"message": "no"}"#, 3).unwrap_err();
        assert!(e.message.contains("expected a sequence"), "{e:?}");
        let e = decode_in_chunks::<Item>(b"\x00\xff garbage", 3).unwrap_err();
        assert!(!e.message.is_empty());
    }
}
