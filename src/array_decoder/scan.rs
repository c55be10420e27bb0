//! Finding where the elements of a JSON array end, without decoding them.
//!
//! A large listing is decoded in batches of whole elements, possibly on several threads (see
//! `array_decoder`), so something has to find the element boundaries first, and it must be much
//! cheaper than decoding. This scanner only tracks strings (with their escapes) and bracket depth:
//! it reports each `,` at the array's own level and the bracket that closes the array. It does not
//! validate anything else; every element is decoded by serde_json afterwards, which rejects any
//! element the scanner cut wrongly because the JSON was malformed.
//!
//! On x86_64 it classifies 64 bytes at a time with SSE2 (part of every x86_64 CPU): about 3.5 GB/s
//! on the benchmark machine, against about 1 GB/s byte by byte (the path used on other targets and
//! for any 64 bytes holding a backslash).

/// Scans the inside of a JSON array, continuing across calls (the body arrives in chunks).
#[derive(Debug, Clone)]
pub(crate) struct ElementScanner {
    /// Bracket depth: 1 inside the array itself.
    depth: u32,
    in_string: bool,
    /// The previous byte, inside a string, was an unescaped backslash.
    escaped: bool,
}

impl ElementScanner {
    /// A scanner positioned just after the array's opening `[`.
    pub(crate) fn new() -> Self {
        Self {
            depth: 1,
            in_string: false,
            escaped: false,
        }
    }

    /// Scans `bytes`, which continue the bytes scanned before. Pushes the offset (in `bytes`) of
    /// each `,` separating the array's elements onto `commas`; returns the offset of the bracket
    /// that closes the array (`]`, or a mismatched `}`), where it stops. `None`: all scanned.
    pub(crate) fn scan(&mut self, bytes: &[u8], commas: &mut Vec<usize>) -> Option<usize> {
        let mut at = 0;
        while let Some(block) = bytes.get(at..at + 64) {
            let block: &[u8; 64] = block.try_into().ok()?;
            let masks = Masks::of(block);
            let closed = if masks.backslash != 0 || self.escaped {
                // Escapes are rare: these 64 bytes go byte by byte.
                self.scan_bytes(block, at, commas)
            } else {
                self.scan_block(&masks, at, commas)
            };
            if closed.is_some() {
                return closed;
            }
            at += 64;
        }
        self.scan_bytes(&bytes[at..], at, commas)
    }

    /// 64 bytes without a backslash, from their masks.
    fn scan_block(&mut self, m: &Masks, base: usize, commas: &mut Vec<usize>) -> Option<usize> {
        // Bit i set: byte i is inside a string (its opening quote included, the closing one not).
        let carried = if self.in_string { !0 } else { 0 };
        let in_string = prefix_xor(m.quote) ^ carried;
        self.in_string = in_string >> 63 == 1;
        let mut events = (m.open | m.close | m.comma) & !in_string;
        while events != 0 {
            let i = events.trailing_zeros();
            events &= events - 1;
            let bit = 1u64 << i;
            if m.open & bit != 0 {
                self.depth = self.depth.saturating_add(1);
            } else if m.close & bit != 0 {
                self.depth -= 1;
                if self.depth == 0 {
                    // The closing bracket is not inside a string.
                    self.in_string = false;
                    return Some(base + i as usize);
                }
            } else if self.depth == 1 {
                commas.push(base + i as usize);
            }
        }
        None
    }

    fn scan_bytes(&mut self, bytes: &[u8], base: usize, commas: &mut Vec<usize>) -> Option<usize> {
        for (i, &b) in bytes.iter().enumerate() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'[' | b'{' => self.depth = self.depth.saturating_add(1),
                b']' | b'}' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Some(base + i);
                    }
                }
                b',' if self.depth == 1 => commas.push(base + i),
                _ => {}
            }
        }
        None
    }
}

/// Bit i of each mask is set when byte i of a 64-byte block is that character.
struct Masks {
    quote: u64,
    backslash: u64,
    /// `[` or `{`.
    open: u64,
    /// `]` or `}`.
    close: u64,
    comma: u64,
}

impl Masks {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)] // the SSE2 path: 64 bytes per step, measured in BENCHMARKS.md
    fn of(block: &[u8; 64]) -> Self {
        // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has it.
        unsafe { sse2::masks(block) }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn of(block: &[u8; 64]) -> Self {
        Self::portable(block)
    }

    /// The masks byte by byte: for targets without the SSE2 path, and to test that path.
    #[cfg(any(test, not(target_arch = "x86_64")))]
    fn portable(block: &[u8; 64]) -> Self {
        let mask = |f: fn(u8) -> bool| {
            block
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &b)| m | (u64::from(f(b)) << i))
        };
        Masks {
            quote: mask(|b| b == b'"'),
            backslash: mask(|b| b == b'\\'),
            open: mask(|b| b | 0x20 == b'{'),
            close: mask(|b| b | 0x20 == b'}'),
            comma: mask(|b| b == b','),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)] // SSE2 intrinsics; the only unsafe code of the workspace.
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };

    use super::Masks;

    /// # Safety
    /// The CPU must support SSE2 (every x86_64 CPU does).
    #[target_feature(enable = "sse2")]
    pub(super) unsafe fn masks(block: &[u8; 64]) -> Masks {
        // `[` and `{` differ only in bit 0x20, as do `]` and `}`.
        let case = _mm_set1_epi8(0x20);
        let eq = |v: __m128i, c: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8)));
        let mut m = Masks {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
            comma: 0,
        };
        for (k, part) in block.chunks_exact(16).enumerate() {
            // SAFETY: `part` is 16 readable bytes; the load is unaligned.
            let v = unsafe { _mm_loadu_si128(part.as_ptr().cast()) };
            let folded = _mm_or_si128(v, case);
            let shift = 16 * k;
            let bits = |mask: i32| u64::from(mask as u16) << shift;
            m.quote |= bits(eq(v, b'"'));
            m.backslash |= bits(eq(v, b'\\'));
            m.open |= bits(eq(folded, b'{'));
            m.close |= bits(eq(folded, b'}'));
            m.comma |= bits(eq(v, b','));
        }
        m
    }
}

/// Bit i of the result is the XOR of bits 0..=i of `x`: with `x` the quotes of a block, which
/// bytes are inside a string.
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Commas and the close, scanned in chunks of `size` (offsets in the whole of `inner`).
    fn scan_in_chunks(inner: &[u8], size: usize) -> (Vec<usize>, Option<usize>) {
        let mut scanner = ElementScanner::new();
        let mut commas = Vec::new();
        let mut base = 0;
        for chunk in inner.chunks(size.max(1)) {
            let mut found = Vec::new();
            let close = scanner.scan(chunk, &mut found);
            commas.extend(found.into_iter().map(|c| c + base));
            if let Some(c) = close {
                return (commas, Some(base + c));
            }
            base += chunk.len();
        }
        (commas, None)
    }

    /// What a plain reading of the JSON gives (a reference written the obvious way).
    fn reference(inner: &[u8]) -> (Vec<usize>, Option<usize>) {
        let (mut depth, mut in_string, mut escaped) = (1i64, false, false);
        let mut commas = Vec::new();
        for (i, &b) in inner.iter().enumerate() {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return (commas, Some(i));
                        }
                    }
                    b',' if depth == 1 => commas.push(i),
                    _ => {}
                }
            }
        }
        (commas, None)
    }

    #[test]
    fn finds_what_a_plain_reading_finds_however_the_body_is_cut() {
        let mut body = String::new();
        for i in 0..40 {
            body.push_str(&format!(
                r#"{{"id": {i}, "s": "a,b]c}}\"d\\", "e": "\\\\", "q": "\"", "n": [1, {{"x": "]"}}], "u": "Zürich ☂"}}, "#
            ));
        }
        body.push_str("\"tail, with a comma\" ] trailing");
        let (commas, close) = reference(body.as_bytes());
        assert_eq!(commas.len(), 40);
        assert!(close.is_some());
        for size in [1, 7, 63, 64, 65, 100, 1000, body.len()] {
            assert_eq!(
                scan_in_chunks(body.as_bytes(), size),
                (commas.clone(), close),
                "{size}"
            );
        }
    }

    #[test]
    fn escapes_straddling_blocks_and_chunks() {
        // A run of backslashes ending exactly at every position around a 64-byte boundary.
        for run in 0..6 {
            for pad in 56..70 {
                let mut body = vec![b' '; pad];
                body.push(b'"');
                body.extend(std::iter::repeat_n(b'\\', run));
                body.extend_from_slice(b"\", 1, [\",\"], \"]\" ] x");
                let expected = reference(&body);
                for size in [1, 3, 64, body.len()] {
                    assert_eq!(scan_in_chunks(&body, size), expected, "run {run} pad {pad}");
                }
            }
        }
    }

    #[test]
    fn random_bytes_of_the_structural_alphabet() {
        // Mostly malformed JSON: the scanner must still agree with the plain reading, whatever
        // the bytes and wherever they are cut. A fixed-seed xorshift, so failures reproduce.
        let mut next = crate::test_rng::xorshift(0x9e37_79b9_7f4a_7c15);
        // Without backslashes most 64-byte blocks take the SSE2 path; with them, the bytewise one.
        let alphabets: [&[u8]; 2] = [b"\"{}[], aaaa", b"\"\\{}[], a"];
        for round in 0..1000 {
            let alphabet = alphabets[round % 2];
            let len = 1 + next() as usize % 400;
            let body: Vec<u8> = (0..len)
                .map(|_| alphabet[next() as usize % alphabet.len()])
                .collect();
            let expected = reference(&body);
            let size = 1 + next() as usize % 130;
            assert_eq!(
                scan_in_chunks(&body, size),
                expected,
                "{body:?} in chunks of {size}"
            );
        }
    }

    #[test]
    fn masks_match_the_bytes() {
        // Every byte value, and the structural ones side by side.
        let every: Vec<u8> = (0..=255u8).collect();
        let mixed: Vec<u8> = (0..64usize).map(|i| b"\"\\{}[],a\xc3"[i % 9]).collect();
        for block in every.chunks_exact(64).chain([mixed.as_slice()]) {
            check_masks(block.try_into().unwrap());
        }
    }

    fn check_masks(block: &[u8; 64]) {
        let m = Masks::of(block);
        let p = Masks::portable(block);
        assert_eq!(
            [m.quote, m.backslash, m.open, m.close, m.comma],
            [p.quote, p.backslash, p.open, p.close, p.comma]
        );
        for (i, &b) in block.iter().enumerate() {
            let bit = |mask: u64| mask >> i & 1 == 1;
            assert_eq!(bit(m.quote), b == b'"', "{i}");
            assert_eq!(bit(m.backslash), b == b'\\', "{i}");
            assert_eq!(bit(m.open), b == b'{' || b == b'[', "{i}");
            assert_eq!(bit(m.close), b == b'}' || b == b']', "{i}");
            assert_eq!(bit(m.comma), b == b',', "{i}");
        }
    }
}
