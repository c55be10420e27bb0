//! Decoding a JSON array in batches of whole elements while the body is still arriving.
//!
//! A listing of 10,000 devices is about 43 MB. Decoding it only once the last byte is in means
//! holding the whole body and then spending the decode time on top of the transfer. Here the
//! element boundaries are found as the bytes arrive (`scan.rs`, much cheaper than decoding),
//! whole elements are handed out in batches of about 128 KiB, and each batch's bytes are released
//! once decoded: the transfer and the decoding overlap, and the body is never held whole. The
//! transport decodes batches on the blocking thread pool, in parallel when there are several
//! cores (see `Transport::json_array`). The result is exactly what decoding the whole body as
//! `Vec<T>` gives, errors included (with the element's index in the path, and the first error in
//! the body reported when there are several).
//!
//! A batch is checked as UTF-8 once and its elements are decoded from that text, so serde_json
//! does not check every string again (for a device listing, some 225 short strings per device,
//! that was a fifth of the decoding time). Where the bytes are not valid UTF-8, elements are
//! decoded from the bytes, so that the error is serde's own.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::OnceLock;

use serde::de::{DeserializeOwned, IgnoredAny};

use tokio::task::JoinHandle;

use scan::ElementScanner;

mod scan;

/// Bytes of whole elements to accumulate before handing them out as a batch: about 30 devices,
/// half a millisecond of decoding, so the cores share a large listing evenly. 64 KiB to 1 MiB
/// measured within noise of each other; smaller batches only add hand-over costs.
pub(crate) const BATCH: usize = 128 * 1024;

/// How one element of a listing is decoded from its text: with serde, unless the type has a
/// parser of its own for its common shape, which must give exactly what serde gives (the device
/// listing's does: see `device::parser`).
pub(crate) trait Element: DeserializeOwned + Send + 'static {
    /// The element in `text`, or serde's error for it.
    fn from_text(text: &str) -> serde_json::Result<Self> {
        serde_json::from_str(text)
    }

    /// The id of an element that failed to decode, if it can be read (for lenient listings).
    fn id_of(_bytes: &[u8]) -> Option<String> {
        None
    }
}

/// An element a lenient listing left out: where it is, its id if readable, and why.
#[derive(Debug)]
pub(crate) struct Skipped {
    pub index: usize,
    pub id: Option<String>,
    pub failure: DecodeFailure,
    /// The element's first bytes, for the error message.
    pub head: Vec<u8>,
}

/// Where in the array the decoder is.
#[derive(Debug, Clone)]
enum State {
    /// Before the opening `[`.
    Start,
    /// Inside the array.
    Elements(ElementScanner),
    /// After the closing `]`: only whitespace may follow.
    Done,
    /// The body is not an array: it is kept whole and decoded as one value at the end, so that
    /// the error is serde's own.
    NotArray,
    /// Malformed; the failure is in `failure`.
    Failed,
}

/// Why the body could not be decoded: where (`[3].summary.orb_score`) and what serde said.
#[derive(Debug)]
pub(crate) struct DecodeFailure {
    pub path: String,
    pub message: String,
    /// serde's error, when the failure is serde's (not the array's structure).
    pub source: Option<serde_json::Error>,
}

impl DecodeFailure {
    /// A failure of the array's structure (no serde error behind it).
    fn structure(path: String, message: String) -> Self {
        Self {
            path,
            message,
            source: None,
        }
    }
}

/// Feeds on body chunks and hands out batches of whole elements to decode as `T`s.
pub(crate) struct ArrayDecoder<T> {
    /// Bytes not yet handed out in a batch.
    buf: Vec<u8>,
    /// Bytes of `buf` already scanned.
    scanned: usize,
    /// Where the element being scanned starts in `buf`.
    element_start: usize,
    /// Whole elements in `buf`, not yet handed out.
    ranges: Vec<Range<usize>>,
    /// Elements handed out in earlier batches.
    handed_out: usize,
    state: State,
    /// A failure found while scanning, reported after every element before it is decoded.
    failure: Option<DecodeFailure>,
    /// Scratch for the scanner.
    commas: Vec<usize>,
    /// The first bytes of the body, for error messages.
    head: Vec<u8>,
    /// Bytes of whole elements that make a batch ([`BATCH`]; smaller in tests).
    batch: usize,
    /// Buffers of decoded batches, to reuse.
    spare: Vec<Vec<u8>>,
    /// Leave out elements that are valid JSON but do not decode, instead of failing.
    lenient: bool,
    _decodes: PhantomData<fn() -> T>,
}

/// A decoded batch: its elements, the ones left out (lenient only), and its emptied buffer.
pub(crate) struct Decoded<T> {
    pub items: Vec<T>,
    pub skipped: Vec<Skipped>,
    pub buffer: Vec<u8>,
}

/// Whole elements of the array, to decode anywhere (it owns its bytes).
pub(crate) struct Batch<T> {
    bytes: Vec<u8>,
    ranges: Vec<Range<usize>>,
    /// Index in the array of the first element.
    first: usize,
    lenient: bool,
    _decodes: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> ArrayDecoder<T> {
    /// A decoder; `size_hint` is the body's length if known (to size the buffer).
    pub(crate) fn new(size_hint: Option<u64>) -> Self {
        // Room for two batches, or for the whole body if it is shorter.
        let buffer = size_hint.map_or(BATCH, |n| n.min(2 * BATCH as u64) as usize);
        Self {
            buf: Vec::with_capacity(buffer),
            scanned: 0,
            element_start: 0,
            ranges: Vec::new(),
            handed_out: 0,
            state: State::Start,
            failure: None,
            commas: Vec::new(),
            head: Vec::new(),
            batch: BATCH,
            spare: Vec::new(),
            lenient: false,
            _decodes: PhantomData,
        }
    }

    /// Leave out elements that are valid JSON but do not decode as `T` (reported as
    /// [`Skipped`]), rather than failing the whole listing. A body that is not valid JSON still
    /// fails: past a syntax error, where elements begin is not known.
    pub(crate) fn lenient(mut self) -> Self {
        self.lenient = true;
        self
    }

    /// Batches of this many bytes of whole elements (tiny ones exercise every cut).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn set_batch(&mut self, bytes: usize) {
        self.batch = bytes;
    }

    /// The first bytes of the body (for error messages).
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    /// Takes back the buffer of a decoded batch, to fill again instead of allocating: a large
    /// listing goes through hundreds of batches.
    pub(crate) fn recycle(&mut self, mut buffer: Vec<u8>) {
        if self.spare.len() < 4 {
            buffer.clear();
            self.spare.push(buffer);
        }
    }

    /// Whether the body is already known to be malformed (see [`ArrayDecoder::finish`]); the
    /// rest of it need not be read.
    pub(crate) fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// Takes the next chunk of the body: a batch once enough whole elements are in (or once the
    /// body is known to be malformed, the elements before the fault).
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Option<Batch<T>> {
        if self.head.len() < 256 {
            let take = chunk.len().min(256 - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if matches!(self.state, State::Failed) {
            return None;
        }
        self.buf.extend_from_slice(chunk);
        self.scan();
        let whole = self.ranges.last().map_or(0, |r| r.end);
        if whole >= self.batch || (self.failed() && !self.ranges.is_empty()) {
            self.cut()
        } else {
            None
        }
    }

    /// The body is complete: the last batch, if any elements are left. Decode it, then take
    /// [`ArrayDecoder::failure`]: a malformed body fails only after the elements before the
    /// fault (whose own errors come first, as they would decoding the whole body).
    pub(crate) fn finish(&mut self) -> Option<Batch<T>> {
        match &self.state {
            State::Start => {
                self.fail(
                    "[0]".into(),
                    "the body is empty: expected a JSON array".into(),
                );
            }
            State::Elements(_) => {
                // The cut-off element is decoded too: if it is itself malformed, that is what
                // serde would report first.
                let partial = self.element_start..self.buf.len();
                if !is_blank(&self.buf[partial.clone()]) {
                    self.ranges.push(partial);
                }
                let path = format!("[{}]", self.handed_out + self.ranges.len());
                self.fail(
                    path,
                    "the body ends before the array does (truncated)".into(),
                );
            }
            State::NotArray => {
                let failure = decode_whole::<Vec<T>>(&self.buf).err().unwrap_or_else(|| {
                    DecodeFailure::structure(".".into(), "expected a JSON array".into())
                });
                self.failure.get_or_insert(failure);
            }
            State::Done | State::Failed => {}
        }
        self.cut()
    }

    /// The failure found in the body's structure, if any (after [`ArrayDecoder::finish`]).
    pub(crate) fn failure(&mut self) -> Option<DecodeFailure> {
        self.failure.take()
    }

    fn fail(&mut self, path: String, message: String) {
        self.state = State::Failed;
        self.failure
            .get_or_insert(DecodeFailure::structure(path, message));
    }

    /// Scans the new bytes, recording whole elements.
    fn scan(&mut self) {
        loop {
            match &mut self.state {
                State::Start => {
                    let Some(at) = self.buf[self.scanned..]
                        .iter()
                        .position(|b| !b.is_ascii_whitespace())
                    else {
                        self.scanned = self.buf.len();
                        return;
                    };
                    self.scanned += at;
                    if self.buf[self.scanned] == b'[' {
                        self.scanned += 1;
                        self.element_start = self.scanned;
                        self.state = State::Elements(ElementScanner::new());
                    } else {
                        self.state = State::NotArray;
                        return;
                    }
                }
                State::Elements(scanner) => {
                    self.commas.clear();
                    let from = self.scanned;
                    let close = scanner.scan(&self.buf[from..], &mut self.commas);
                    for &comma in &self.commas {
                        self.ranges.push(self.element_start..from + comma);
                        self.element_start = from + comma + 1;
                    }
                    let Some(close) = close else {
                        self.scanned = self.buf.len();
                        return;
                    };
                    let close = from + close;
                    let last = self.element_start..close;
                    let count = self.handed_out + self.ranges.len();
                    // `[ ]` is empty; anything else before the close is an element (`[1, ]`
                    // fails decoding its empty last element, as serde would).
                    if count > 0 || !is_blank(&self.buf[last.clone()]) {
                        self.ranges.push(last);
                    }
                    if self.buf[close] != b']' {
                        let count = self.handed_out + self.ranges.len();
                        self.fail(format!("[{count}]"), unexpected(count, b'}'));
                        return;
                    }
                    self.scanned = close + 1;
                    self.state = State::Done;
                }
                State::Done => {
                    if let Some(&b) = self.buf[self.scanned..]
                        .iter()
                        .find(|b| !b.is_ascii_whitespace())
                    {
                        self.fail(
                            ".".into(),
                            format!(
                                "trailing characters after the array, starting with `{}`",
                                char::from(b).escape_default()
                            ),
                        );
                    }
                    self.scanned = self.buf.len();
                    return;
                }
                State::NotArray | State::Failed => return,
            }
        }
    }

    /// Hands out the whole elements scanned so far, keeping the rest of the bytes.
    fn cut(&mut self) -> Option<Batch<T>> {
        let end = self.ranges.last()?.end;
        let mut rest = self
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(self.buf.capacity().max(self.buf.len() - end)));
        rest.extend_from_slice(&self.buf[end..]);
        self.buf.truncate(end);
        let bytes = std::mem::replace(&mut self.buf, rest);
        self.scanned = self.scanned.saturating_sub(end);
        self.element_start = self.element_start.saturating_sub(end);
        let ranges = std::mem::take(&mut self.ranges);
        let first = self.handed_out;
        self.handed_out += ranges.len();
        Some(Batch {
            bytes,
            ranges,
            first,
            lenient: self.lenient,
            _decodes: PhantomData,
        })
    }
}

impl<T: Element> Batch<T> {
    /// Decodes every element, in order; the first failure names its element. The batch's
    /// buffer comes back emptied, for [`ArrayDecoder::recycle`].
    pub(crate) fn decode(mut self) -> Result<Decoded<T>, DecodeFailure> {
        let mut skipped = Vec::new();
        let items = self.decode_items(&mut skipped)?;
        self.bytes.clear();
        Ok(Decoded {
            items,
            skipped,
            buffer: self.bytes,
        })
    }

    fn decode_items(&self, skipped: &mut Vec<Skipped>) -> Result<Vec<T>, DecodeFailure> {
        let text = std::str::from_utf8(&self.bytes).ok();
        let mut items = Vec::with_capacity(self.ranges.len());
        for (k, range) in self.ranges.iter().enumerate() {
            let bytes = &self.bytes[range.clone()];
            // Elements start and end on ASCII, so the range is on character boundaries.
            let decoded = match text.and_then(|t| t.get(range.clone())) {
                Some(text) => T::from_text(text),
                None => serde_json::from_slice(bytes),
            };
            match decoded {
                Ok(item) => items.push(item),
                // A whole JSON value of another shape: left out, the listing goes on.
                Err(e) if self.lenient && serde_json::from_slice::<IgnoredAny>(bytes).is_ok() => {
                    skipped.push(Skipped {
                        index: self.first + k,
                        id: T::id_of(bytes),
                        failure: element_failure::<T>(self.first + k, bytes, e),
                        head: bytes[..bytes.len().min(200)].to_vec(),
                    });
                }
                Err(e) => return Err(element_failure::<T>(self.first + k, bytes, e)),
            }
        }
        Ok(items)
    }
}

/// Decodes batches on the blocking thread pool, a few at a time, and collects the elements in
/// order. On one core, batches are decoded where they arrive instead.
///
/// Decoding takes most of a large listing's time (about 120 ms of one core for 10,000 devices,
/// against about 15 ms to receive them on loopback), so it is spread over the cores; and on the
/// blocking pool it does not hold up the async runtime's workers. At most one batch per core is
/// in flight (plus one): the body is read no faster than it is decoded, so it is never held
/// whole.
pub(crate) struct Decoding<T> {
    items: Vec<T>,
    skipped: Vec<Skipped>,
    pending: VecDeque<JoinHandle<Result<Decoded<T>, DecodeFailure>>>,
    /// Buffers of decoded batches, for [`ArrayDecoder::recycle`].
    spare: Vec<Vec<u8>>,
    /// Batches in flight at most (0: decode where they arrive).
    in_flight: usize,
}

impl<T: Element> Decoding<T> {
    /// `size_hint` is the body's length if known (to size the result).
    pub(crate) fn new(size_hint: Option<u64>) -> Self {
        // Asked once: on Linux the answer reads cgroup files, too slow for every request.
        static CORES: OnceLock<usize> = OnceLock::new();
        let cores =
            *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        Self {
            // About 4 KB per device in a listing.
            items: Vec::with_capacity(size_hint.map_or(0, |n| (n / 4096).min(1 << 16) as usize)),
            skipped: Vec::new(),
            pending: VecDeque::new(),
            spare: Vec::new(),
            // One more than the cores, so that no core waits for the next batch.
            in_flight: if cores > 1 { cores.min(8) + 1 } else { 0 },
        }
    }

    /// Decodes `batch`, on the pool if there are several cores; waits for the oldest batch when
    /// enough are in flight. Fails with the first failing element.
    pub(crate) async fn submit(&mut self, batch: Batch<T>) -> Result<(), DecodeFailure> {
        if self.in_flight == 0 {
            let decoded = batch.decode()?;
            self.take(decoded);
            return Ok(());
        }
        self.pending
            .push_back(tokio::task::spawn_blocking(move || batch.decode()));
        while self.pending.len() > self.in_flight {
            self.collect_oldest().await?;
        }
        Ok(())
    }

    /// The buffer of a decoded batch, if one is back.
    pub(crate) fn take_spare(&mut self) -> Option<Vec<u8>> {
        self.spare.pop()
    }

    /// Decodes the `last` batch here while the pool finishes the others: every element, in
    /// order, and those a lenient listing left out.
    pub(crate) async fn finish(
        mut self,
        last: Option<Batch<T>>,
    ) -> Result<(Vec<T>, Vec<Skipped>), DecodeFailure> {
        let last = last.map(Batch::decode);
        while !self.pending.is_empty() {
            self.collect_oldest().await?;
        }
        if let Some(last) = last {
            self.take(last?);
        }
        Ok((self.items, self.skipped))
    }

    fn take(&mut self, decoded: Decoded<T>) {
        self.items.extend(decoded.items);
        self.skipped.extend(decoded.skipped);
        self.spare.push(decoded.buffer);
    }

    async fn collect_oldest(&mut self) -> Result<(), DecodeFailure> {
        if let Some(handle) = self.pending.pop_front() {
            let decoded = handle.await.map_err(|e| {
                DecodeFailure::structure(".".into(), format!("decoding stopped: {e}"))
            })??;
            self.take(decoded);
        }
        Ok(())
    }
}

/// Why element `index` (its `bytes`) failed to decode: the field, or what follows the element.
fn element_failure<T: DeserializeOwned>(
    index: usize,
    bytes: &[u8],
    first: serde_json::Error,
) -> DecodeFailure {
    let inner = locate_failure::<T>(bytes, first);
    if inner.path != "." {
        return DecodeFailure {
            path: format!("[{index}].{}", inner.path),
            ..inner
        };
    }
    // The element decodes; what failed is after it: a missing `,` before the next one.
    let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<IgnoredAny>();
    let after = match values.next() {
        Some(Ok(_)) => bytes[values.byte_offset()..]
            .iter()
            .find(|b| !b.is_ascii_whitespace()),
        _ => None,
    };
    match after {
        Some(&b) => DecodeFailure::structure(format!("[{}]", index + 1), unexpected(index + 1, b)),
        None => DecodeFailure {
            path: format!("[{index}]"),
            ..inner
        },
    }
}

/// `b` found where element `next` or the array's end should be.
fn unexpected(next: usize, b: u8) -> String {
    let found = char::from(b).escape_default();
    match next.checked_sub(1) {
        Some(prev) => format!("expected `,` or `]` after element {prev}, found `{found}`"),
        None => format!("expected an element or `]`, found `{found}`"),
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
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
            source: Some(e.into_inner()),
        },
        // The value itself decodes (the failure was after it, e.g. trailing characters).
        Ok(_) => DecodeFailure {
            path: ".".to_string(),
            message: first.to_string(),
            source: Some(first),
        },
    }
}

/// What the transport does with a body, in order and on one thread: for tests and fuzzing.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn drive<'a, T: Element>(
    d: &mut ArrayDecoder<T>,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<T>, DecodeFailure> {
    let mut items = Vec::new();
    for chunk in chunks {
        if let Some(batch) = d.push(chunk) {
            let decoded = batch.decode()?;
            items.extend(decoded.items);
            d.recycle(decoded.buffer);
        }
        if d.failed() {
            break;
        }
    }
    if let Some(batch) = d.finish() {
        items.extend(batch.decode()?.items);
    }
    match d.failure() {
        Some(f) => Err(f),
        None => Ok(items),
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

    impl Element for Item {}
    impl Element for f64 {}

    /// Decode `body` fed in chunks of `size`, with tiny batches so every cut is exercised.
    fn decode_in_chunks<T: Element>(body: &[u8], size: usize) -> Result<Vec<T>, DecodeFailure> {
        let mut d = ArrayDecoder::<T>::new(None);
        // A batch at every chunk with a whole element, so every cut is exercised.
        d.batch = 1;
        drive(&mut d, body.chunks(size.max(1)))
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
    fn agrees_with_whole_body_decoding_on_every_truncation_and_corruption() {
        let text = body(3);
        let bytes = text.as_bytes();
        let check = |b: &[u8], what: &str| {
            let whole = serde_json::from_slice::<Vec<Item>>(b);
            for size in [1, 7, b.len()] {
                let ours = decode_in_chunks::<Item>(b, size);
                match (&ours, &whole) {
                    (Ok(ours), Ok(whole)) => assert_eq!(ours, whole, "{what}"),
                    (Err(_), Err(_)) => {}
                    _ => panic!("{what}, chunks of {size}: {ours:?} but whole: {whole:?}"),
                }
            }
        };
        for cut in 0..=bytes.len() {
            check(&bytes[..cut], &format!("cut at {cut}"));
        }
        for at in 0..bytes.len() {
            for c in *b"]},\"x\\[{ " {
                let mut b = bytes.to_vec();
                b[at] = c;
                check(&b, &format!("`{}` at {at}", char::from(c)));
            }
        }
    }

    #[test]
    fn characters_cut_at_a_chunk_boundary_and_invalid_utf8() {
        let text = r#"[{"id": 1, "name": "Zürich ☂ 𝄞"}, {"id": 2, "name": "São Paulo"}]"#;
        let whole: Vec<Item> = serde_json::from_str(text).unwrap();
        for size in 1..text.len() {
            let items: Vec<Item> = decode_in_chunks(text.as_bytes(), size).unwrap();
            assert_eq!(items, whole, "chunks of {size}");
        }
        // Invalid UTF-8 in the second element: serde's own error, at that field, however cut.
        let mut bad = br#"[{"id": 1, "name": "ok"}, {"id": 2, "name": "a"#.to_vec();
        bad.extend_from_slice(b"\xff\xfe\"}]");
        let expected = serde_json::from_slice::<Vec<Item>>(&bad).unwrap_err();
        assert!(
            expected.to_string().contains("invalid unicode"),
            "{expected}"
        );
        for size in [1, 2, 3, 5, bad.len()] {
            let e = decode_in_chunks::<Item>(&bad, size).unwrap_err();
            assert_eq!(e.path, "[1].name", "chunks of {size}");
            assert!(e.message.contains("invalid unicode"), "{e:?}");
        }
    }

    #[test]
    fn the_first_fault_in_the_body_is_the_one_reported() {
        // A bad field in element 0, then a structural fault, then truncation.
        let text = br#"[{"id": "one", "name": "a"}, {"id": 2, "name": "b"} } {"#;
        for size in [1, 4, text.len()] {
            let e = decode_in_chunks::<Item>(text, size).unwrap_err();
            assert_eq!(e.path, "[0].id", "chunks of {size}");
        }
        let e = decode_in_chunks::<Item>(br#"[{"id": 1, "name": "a"}}"#, 3).unwrap_err();
        assert_eq!(e.path, "[1]");
        assert!(e.message.contains("found `}`"), "{e:?}");
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
        let items = drive(&mut d, text.as_bytes().chunks(16 * 1024)).unwrap();
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
